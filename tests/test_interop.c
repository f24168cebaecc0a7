/* SPDX-License-Identifier: MIT */
/* WAV files through independent tools: sox and Python's wave module. */
#define _GNU_SOURCE
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAVE mmioFOURCC('W', 'A', 'V', 'E')

static int run(const char *cmd)
{
    return tu_shell("%s", cmd);
}

/* 16-bit stereo, 8000 Hz, `frames` frames of a ramp. */
static void write_wav(const char *path, int frames)
{
    HMMIO h = tu_open(path, NULL, MMIO_CREATE | MMIO_WRITE | MMIO_ALLOCBUF);
    ck_assert_ptr_nonnull(h);
    MMCKINFO riff = {0}, fmt = {0}, data = {0};
    const unsigned char wf[16] = {1,    0,    2, 0, 0x40, 0x1f, 0,  0,
                                  0x00, 0x7d, 0, 0, 4,    0,    16, 0};
    riff.fccType = WAVE;
    fmt.ckid = mmioFOURCC('f', 'm', 't', ' ');
    data.ckid = mmioFOURCC('d', 'a', 't', 'a');
    ck_assert_uint_eq(mmioCreateChunk(h, &riff, MMIO_CREATERIFF), 0);
    ck_assert_uint_eq(mmioCreateChunk(h, &fmt, 0), 0);
    ck_assert_int_eq(mmioWrite(h, (const char *)wf, 16), 16);
    ck_assert_uint_eq(mmioAscend(h, &fmt, 0), 0);
    ck_assert_uint_eq(mmioCreateChunk(h, &data, 0), 0);
    for (int i = 0; i < frames; i++) {
        short s[2] = {(short)(i * 3), (short)-i};
        ck_assert_int_eq(mmioWrite(h, (const char *)s, 4), 4);
    }
    ck_assert_uint_eq(mmioAscend(h, &data, 0), 0);
    ck_assert_uint_eq(mmioAscend(h, &riff, 0), 0);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
}

/* Walks a WAV with mmioDescend; returns the data chunk's size. */
static DWORD walk_wav(const char *path, WORD *channels, DWORD *rate)
{
    HMMIO h = tu_open(path, NULL, MMIO_READ | MMIO_ALLOCBUF);
    ck_assert_ptr_nonnull(h);
    MMCKINFO riff = {0}, ck = {0};
    riff.fccType = WAVE;
    ck_assert_uint_eq(mmioDescend(h, &riff, NULL, MMIO_FINDRIFF), 0);
    ck.ckid = mmioFOURCC('f', 'm', 't', ' ');
    ck_assert_uint_eq(mmioDescend(h, &ck, &riff, MMIO_FINDCHUNK), 0);
    unsigned char wf[16];
    ck_assert_int_eq(mmioRead(h, (char *)wf, 16), 16);
    *channels = (WORD)(wf[2] | wf[3] << 8);
    *rate = (DWORD)(wf[4] | wf[5] << 8 | wf[6] << 16 | (DWORD)wf[7] << 24);
    ck_assert_uint_eq(mmioAscend(h, &ck, 0), 0);
    ck.ckid = mmioFOURCC('d', 'a', 't', 'a');
    ck_assert_uint_eq(mmioDescend(h, &ck, &riff, MMIO_FINDCHUNK), 0);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    return ck.cksize;
}

START_TEST(sox_and_python_read_our_wav)
{
    char cmd[2400], path[512];
    snprintf(path, sizeof path, "%s", tu_path("ours.wav"));
    write_wav(path, 1001);
    snprintf(cmd, sizeof cmd,
             "test \"$(soxi -s '%s')\" = 1001 && test \"$(soxi -c '%s')\" = 2 "
             "&& test \"$(soxi -r '%s')\" = 8000",
             path, path, path);
    ck_assert_int_eq(run(cmd), 0);
    snprintf(
        cmd, sizeof cmd,
        "python3 -c \"import wave,struct,sys; w=wave.open('%s'); "
        "p=w.getparams(); f=w.readframes(1001); "
        "sys.exit(0 if (p.nchannels,p.sampwidth,p.framerate,p.nframes)=="
        "(2,2,8000,1001) and struct.unpack('<hh',f[4000:4004])==(3000,-1000)"
        " else 1)\"",
        path);
    ck_assert_int_eq(run(cmd), 0);
}
END_TEST

START_TEST(we_walk_wavs_that_sox_and_python_write)
{
    char cmd[2400], sox[512], py[512];
    WORD ch;
    DWORD rate;
    snprintf(sox, sizeof sox, "%s", tu_path("sox.wav"));
    snprintf(py, sizeof py, "%s", tu_path("py.wav"));
    snprintf(cmd, sizeof cmd,
             "sox -n -r 11025 -c 1 -b 16 '%s' synth 0.25 sine 440", sox);
    ck_assert_int_eq(run(cmd), 0);
    char line[64] = "";
    ck_assert_int_eq(tu_capture(line, sizeof line, "soxi -s '%s'", sox), 0);
    unsigned long samples = strtoul(line, NULL, 10);
    ck_assert_uint_gt(samples, 2000);
    ck_assert_uint_eq(walk_wav(sox, &ch, &rate), samples * 2);
    ck_assert_uint_eq(ch, 1);
    ck_assert_uint_eq(rate, 11025);
    snprintf(cmd, sizeof cmd,
             "python3 -c \"import wave; w=wave.open('%s','wb'); "
             "w.setnchannels(2); w.setsampwidth(1); w.setframerate(22050); "
             "w.writeframes(bytes(range(201))); w.close()\"",
             py);
    ck_assert_int_eq(run(cmd), 0);
    /* 100 whole frames of 2 bytes; Python drops nothing, pads the odd byte */
    ck_assert_uint_eq(walk_wav(py, &ch, &rate), 201);
    ck_assert_uint_eq(ch, 2);
    ck_assert_uint_eq(rate, 22050);
}
END_TEST

Suite *suite_interop(void)
{
    Suite *s = suite_create("interop");
    TCase *tc = tcase_create("interop");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, sox_and_python_read_our_wav);
    tcase_add_test(tc, we_walk_wavs_that_sox_and_python_write);
    suite_add_tcase(s, tc);
    return s;
}
