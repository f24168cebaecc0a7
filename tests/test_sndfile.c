/* SPDX-License-Identifier: MIT */
/* The bundled sndfile plugin against sox and flac: sound files read as
 * WAVE files by code that walks chunks, WAVE files written through it
 * encoded, and the same WAVE walked plain, in a ZIP, gzipped and as FLAC. */
#define _GNU_SOURCE
#include "hostutil.h"
#include "testutil.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct walked {
    unsigned char fmt[64];
    LONG fmt_len;
    char *data;
    LONG data_len;
};

/* Walks name as WAVE code does: RIFF WAVE, fmt , data. */
static struct walked walk(const char *name)
{
    struct walked w = {{0}, 0, NULL, 0};
    char copy[800];
    snprintf(copy, sizeof copy, "%s", name);
    HMMIO h = mmioOpen(copy, NULL, MMIO_READ | MMIO_ALLOCBUF);
    ck_assert_msg(h != NULL, "cannot open %s", name);
    MMCKINFO riff = {0}, ck = {0};
    riff.fccType = mmioFOURCC('W', 'A', 'V', 'E');
    ck_assert_uint_eq(mmioDescend(h, &riff, NULL, MMIO_FINDRIFF), 0);
    ck.ckid = mmioFOURCC('f', 'm', 't', ' ');
    ck_assert_uint_eq(mmioDescend(h, &ck, &riff, MMIO_FINDCHUNK), 0);
    ck_assert_uint_le(ck.cksize, sizeof w.fmt);
    w.fmt_len = mmioRead(h, (HPSTR)w.fmt, (LONG)ck.cksize);
    ck_assert_int_eq(w.fmt_len, (LONG)ck.cksize);
    ck_assert_uint_eq(mmioAscend(h, &ck, 0), 0);
    ck.ckid = mmioFOURCC('d', 'a', 't', 'a');
    ck_assert_uint_eq(mmioDescend(h, &ck, &riff, MMIO_FINDCHUNK), 0);
    w.data = malloc(ck.cksize + 1);
    ck_assert_ptr_nonnull(w.data);
    w.data_len = mmioRead(h, w.data, (LONG)ck.cksize);
    ck_assert_int_eq(w.data_len, (LONG)ck.cksize);
    mmioClose(h, 0);
    return w;
}

static unsigned u16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t u32(const unsigned char *p)
{
    return (uint32_t)u16(p) | (uint32_t)u16(p + 2) << 16;
}

START_TEST(flac_reads_as_the_samples_sox_decodes)
{
    use_bundled_plugins();
    char dir[600];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    ck_assert_int_eq(
        tu_shell(
            "cd '%s' && sox -V1 -q -n -r 44100 -c 2 -b 16 a16.flac synth 3 "
            "sine 440 pinknoise vol 0.5 && "
            "sox -V1 -q -n -r 48000 -c 1 -b 24 a24.flac synth 2.00003 sine "
            "300 && sox a16.flac -t raw a16.raw && "
            "sox a24.flac -t raw a24.raw",
            dir),
        0);
    const char *leaf[] = {"a16", "a24"};
    unsigned bits[] = {16, 24}, chans[] = {2, 1}, rate[] = {44100, 48000};
    for (int k = 0; k < 2; k++) {
        char flac[700], raw[700];
        snprintf(flac, sizeof flac, "%s%s.flac+", dir, leaf[k]);
        snprintf(raw, sizeof raw, "%s%s.raw", dir, leaf[k]);
        struct walked w = walk(flac);
        ck_assert_int_eq(w.fmt_len, 16);
        ck_assert_uint_eq(u16(w.fmt), 1); /* WAVE_FORMAT_PCM */
        ck_assert_uint_eq(u16(w.fmt + 2), chans[k]);
        ck_assert_uint_eq(u32(w.fmt + 4), rate[k]);
        ck_assert_uint_eq(u16(w.fmt + 14), bits[k]);
        long n;
        char *want = tu_slurp(raw, &n);
        ck_assert_int_eq(w.data_len, n);
        ck_assert(memcmp(w.data, want, (size_t)n) == 0);
        /* seeks map to frames: any offset reads what sox decoded */
        char copy[700];
        snprintf(copy, sizeof copy, "%s", flac);
        HMMIO h = mmioOpen(copy, NULL, MMIO_READ);
        ck_assert_ptr_nonnull(h);
        LONG spots[] = {n - 1000, 44, 100001, 7, n / 2 + 3};
        for (int i = 0; i < 5; i++) {
            char got[1000];
            ck_assert_int_eq(mmioSeek(h, 44 + spots[i], SEEK_SET),
                             44 + spots[i]);
            LONG r = mmioRead(h, got, sizeof got);
            LONG expect = n - spots[i] < 1000 ? (LONG)(n - spots[i]) : 1000;
            ck_assert_int_eq(r, expect);
            ck_assert(memcmp(got, want + spots[i], (size_t)r) == 0);
        }
        /* an odd data size is padded, as RIFF wants */
        ck_assert_int_eq(mmioSeek(h, 0, SEEK_END), 44 + n + (n & 1));
        mmioClose(h, 0);
        free(want);
        free(w.data);
    }
}
END_TEST

START_TEST(a_flac_that_does_not_say_its_length_reads_whole)
{
    use_bundled_plugins();
    char dir[600], name[700], raw[700];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    /* flac writing to a pipe cannot go back to fill in the total samples */
    ck_assert_int_eq(
        tu_shell("cd '%s' && sox -V1 -q -n -r 44100 -c 2 -b 16 -t raw p.raw "
                 "synth 2 sine 440 && flac -s --force-raw-format "
                 "--endian=little --sign=signed --channels=2 --bps=16 "
                 "--sample-rate=44100 - < p.raw 2>/dev/null | cat > p.flac && "
                 "test \"$(metaflac --show-total-samples p.flac)\" = 0",
                 dir),
        0);
    snprintf(name, sizeof name, "%sp.flac+", dir);
    snprintf(raw, sizeof raw, "%sp.raw", dir);
    struct walked w = walk(name); /* 0 samples before the fix */
    long n;
    char *want = tu_slurp(raw, &n);
    ck_assert_int_eq(w.data_len, n);
    ck_assert(memcmp(w.data, want, (size_t)n) == 0);
    free(want);
    free(w.data);
}
END_TEST

START_TEST(many_channels_and_lossy_sources_get_their_wave_formats)
{
    use_bundled_plugins();
    char dir[600], name[700];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    ck_assert_int_eq(
        tu_shell(
            "cd '%s' && sox -V1 -q -n -r 48000 -c 6 -b 16 six.flac synth 1 "
            "sine 440 && sox -V1 -q -n -r 44100 -c 2 t.ogg synth 1 sine 440",
            dir),
        0);
    snprintf(name, sizeof name, "%ssix.flac+", dir);
    struct walked w = walk(name);
    ck_assert_int_eq(w.fmt_len, 40);
    ck_assert_uint_eq(u16(w.fmt), 0xFFFE); /* WAVE_FORMAT_EXTENSIBLE */
    ck_assert_uint_eq(u16(w.fmt + 2), 6);
    ck_assert_uint_eq(u16(w.fmt + 12), 12);   /* block align */
    ck_assert_uint_eq(u32(w.fmt + 20), 0x3F); /* 5.1 */
    ck_assert_uint_eq(u16(w.fmt + 24), 1);    /* SubFormat: PCM */
    ck_assert_int_eq(w.data_len, 48000L * 12);
    free(w.data);
    snprintf(name, sizeof name, "%st.ogg+", dir);
    w = walk(name);
    ck_assert_int_eq(w.fmt_len, 18);
    ck_assert_uint_eq(u16(w.fmt), 3); /* WAVE_FORMAT_IEEE_FLOAT */
    ck_assert_uint_eq(u16(w.fmt + 14), 32);
    ck_assert_int_eq(w.data_len, 44100L * 8);
    float peak = 0;
    for (LONG i = 0; i < w.data_len / 4; i++) {
        float v;
        memcpy(&v, w.data + (size_t)i * 4, 4);
        peak = v > peak ? v : peak;
    }
    ck_assert(peak > 0.5f && peak <= 1.01f); /* a full-scale sine */
    free(w.data);
}
END_TEST

/* Opens name for writing and writes a WAVE header up to the data chunk's
 * (created in *data); the RIFF chunk in *riff. */
static HMMIO begin_wave(const char *name, unsigned chans, unsigned rate,
                        unsigned bits, MMCKINFO *riff, MMCKINFO *data)
{
    char copy[800];
    snprintf(copy, sizeof copy, "%s", name);
    HMMIO h = mmioOpen(copy, NULL, MMIO_WRITE | MMIO_CREATE | MMIO_ALLOCBUF);
    if (!h)
        return NULL;
    MMCKINFO ck = {0};
    memset(riff, 0, sizeof *riff);
    riff->fccType = mmioFOURCC('W', 'A', 'V', 'E');
    ck_assert_uint_eq(mmioCreateChunk(h, riff, MMIO_CREATERIFF), 0);
    ck.ckid = mmioFOURCC('f', 'm', 't', ' ');
    ck_assert_uint_eq(mmioCreateChunk(h, &ck, 0), 0);
    unsigned char fmt[16];
    unsigned block = chans * bits / 8;
    unsigned v[] = {1, chans};
    for (int i = 0; i < 2; i++) {
        fmt[(size_t)2 * i] = (unsigned char)v[i];
        fmt[(size_t)2 * i + 1] = (unsigned char)(v[i] >> 8);
    }
    uint32_t r32[] = {rate, rate * block};
    for (int i = 0; i < 2; i++)
        for (int b = 0; b < 4; b++)
            fmt[4 + 4 * i + b] = (unsigned char)(r32[i] >> (8 * b));
    fmt[12] = (unsigned char)block;
    fmt[13] = 0;
    fmt[14] = (unsigned char)bits;
    fmt[15] = 0;
    ck_assert_int_eq(mmioWrite(h, (char *)fmt, 16), 16);
    ck_assert_uint_eq(mmioAscend(h, &ck, 0), 0);
    memset(data, 0, sizeof *data);
    data->ckid = mmioFOURCC('d', 'a', 't', 'a');
    ck_assert_uint_eq(mmioCreateChunk(h, data, 0), 0);
    return h;
}

/* Writes a WAVE file the way Windows code does. */
static MMRESULT write_wave(const char *name, unsigned chans, unsigned rate,
                           unsigned bits, const char *data, LONG len)
{
    MMCKINFO riff, ck;
    HMMIO h = begin_wave(name, chans, rate, bits, &riff, &ck);
    if (!h)
        return MMIOERR_CANNOTOPEN;
    for (LONG done = 0; done < len;) { /* in uneven pieces */
        LONG n = len - done < 999 ? len - done : 999;
        ck_assert_int_eq(mmioWrite(h, data + done, n), n);
        done += n;
    }
    ck_assert_uint_eq(mmioAscend(h, &ck, 0), 0);
    ck_assert_uint_eq(mmioAscend(h, &riff, 0), 0);
    return mmioClose(h, 0);
}

static char *samples(LONG len, unsigned seed)
{
    char *b = malloc((size_t)len);
    ck_assert_ptr_nonnull(b);
    unsigned x = seed;
    for (LONG i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        b[i] = (char)(x >> 16);
    }
    return b;
}

START_TEST(waves_written_through_it_are_encoded)
{
    use_bundled_plugins();
    char dir[600], name[700], raw[700];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    /* 16-bit stereo, and 24-bit mono with an odd data size */
    unsigned chans[] = {2, 1}, bits[] = {16, 24};
    LONG lens[] = {4 * 30001, 3 * 20001};
    for (int k = 0; k < 2; k++) {
        char *data = samples(lens[k], 5u + (unsigned)k);
        snprintf(name, sizeof name, "%sw%d.flac+", dir, k);
        ck_assert_uint_eq(
            write_wave(name, chans[k], 44100, bits[k], data, lens[k]), 0);
        ck_assert_int_eq(tu_shell("cd '%s' && flac -t -s w%d.flac && "
                                  "sox w%d.flac -t raw w%d.raw",
                                  dir, k, k, k),
                         0);
        snprintf(raw, sizeof raw, "%sw%d.raw", dir, k);
        long n;
        char *got = tu_slurp(raw, &n);
        ck_assert_int_eq(n, lens[k]);
        ck_assert(memcmp(got, data, (size_t)n) == 0); /* lossless */
        free(got);
        free(data);
    }
    /* other containers too, by the extension */
    char *data = samples(4 * 1000, 9);
    const char *exts[] = {"aiff", "w64", "ogg"};
    for (int k = 0; k < 3; k++) {
        snprintf(name, sizeof name, "%sx.%s+", dir, exts[k]);
        ck_assert_uint_eq(write_wave(name, 2, 44100, 16, data, 4000), 0);
        ck_assert_int_eq(
            tu_shell("sox --i -s '%sx.%s' | grep -qx 1000", dir, exts[k]), 0);
    }
    free(data);
    /* lossy ones, read back as float through the plugin itself */
    data = samples(4 * 48000, 11);
    const char *lossy[] = {"opus", "mp3"};
    for (int k = 0; k < 2; k++) {
        snprintf(name, sizeof name, "%sy.%s+", dir, lossy[k]);
        ck_assert_uint_eq(write_wave(name, 2, 48000, 16, data, 4 * 48000), 0);
        struct walked w = walk(name);
        ck_assert_uint_eq(u16(w.fmt), 3); /* WAVE_FORMAT_IEEE_FLOAT */
        ck_assert_uint_eq(u32(w.fmt + 4), 48000);
        ck_assert_int_ge(w.data_len, 8L * 40000); /* about a second */
        free(w.data);
    }
    free(data);
}
END_TEST

START_TEST(what_cannot_be_encoded_is_an_error_and_keeps_the_old_file)
{
    use_bundled_plugins();
    char dir[600], name[800], path[700];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    snprintf(path, sizeof path, "%skeep.flac", dir);
    ck_assert_int_eq(
        tu_shell("sox -V1 -q -n -r 8000 -c 1 -b 16 '%s' synth 0.5 sine 300",
                 path),
        0);
    long before;
    char *old = tu_slurp(path, &before);
    snprintf(name, sizeof name, "%s+", path);
    /* bytes that are no WAVE */
    HMMIO h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioWrite(h, "this is not a RIFF file at all", 30), -1);
    ck_assert_uint_ne(mmioClose(h, 0), 0);
    /* nothing written at all */
    h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_uint_eq(mmioClose(h, 0), MMIOERR_CANNOTWRITE);
    /* a writer killed inside its header, and one killed after a successful
     * mmioFlush of real samples: the file is put in place whole or not */
    for (int flushed = 0; flushed < 2; flushed++) {
        pid_t pid = fork();
        if (pid == 0) {
            char *d = samples(40000, 3);
            MMCKINFO riff = {0}, ck;
            HMMIO k;
            if (flushed) {
                k = begin_wave(name, 1, 8000, 16, &riff, &ck);
                if (!k || mmioWrite(k, d, 40000) != 40000 ||
                    mmioFlush(k, 0) != 0)
                    _exit(1);
            } else {
                k = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
                riff.fccType = mmioFOURCC('W', 'A', 'V', 'E');
                mmioCreateChunk(k, &riff, MMIO_CREATERIFF);
                mmioWrite(k, d, 40000);
            }
            raise(SIGKILL);
        }
        int st;
        waitpid(pid, &st, 0);
        ck_assert(WIFSIGNALED(st));
        long after;
        char *now = tu_slurp(path, &after);
        ck_assert_int_eq(after, before);
        ck_assert(memcmp(now, old, (size_t)before) == 0);
        free(now);
    }
    free(old);
    /* read-write, and reading from what it cannot read */
    MMIOINFO info = {0};
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_READWRITE));
    ck_assert_uint_eq(info.wErrorRet, MMSYSERR_NOTSUPPORTED);
    tu_write(path, "not a flac", 10);
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_INVALIDFILE);
}
END_TEST

START_TEST(a_truncated_flac_is_an_error_not_an_end)
{
    use_bundled_plugins();
    char dir[600], name[700];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    ck_assert_int_eq(tu_shell("cd '%s' && sox -V1 -q -n -r 44100 -c 2 -b 16 "
                              "f.flac synth 5 pinknoise && "
                              "head -c $(( $(stat -c %%s f.flac) / 2 )) "
                              "f.flac > cut.flac",
                              dir),
                     0);
    snprintf(name, sizeof name, "%scut.flac+", dir);
    MMIOINFO info = {0};
    HMMIO h = mmioOpen(name, &info, MMIO_READ);
    if (!h) {
        ck_assert_uint_eq(info.wErrorRet, MMIOERR_INVALIDFILE);
        return;
    }
    static char buf[65536];
    LONG r;
    while ((r = mmioRead(h, buf, sizeof buf)) > 0)
        ;
    ck_assert_int_eq(r, -1);
    mmioClose(h, 0);
}
END_TEST

/* Opens name and reads it to its end: the open's error, or 0 when it read
 * whole, or -1 when a read failed. */
static long open_and_read(const char *name)
{
    MMIOINFO info = {0};
    char copy[800];
    snprintf(copy, sizeof copy, "%s", name);
    HMMIO h = mmioOpen(copy, &info, MMIO_READ);
    if (!h)
        return info.wErrorRet;
    static char buf[65536];
    LONG r;
    while ((r = mmioRead(h, buf, sizeof buf)) > 0)
        ;
    mmioClose(h, 0);
    return r;
}

/* Reproduced at HEAD: a truncated AIFF, AU or Ogg file read to a short end
 * with no error (FLAC already reported it). */
START_TEST(truncated_aiff_au_and_ogg_are_errors)
{
    use_bundled_plugins();
    char dir[600], name[700];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    const char *exts[] = {"aiff", "au", "ogg"};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(tu_shell("cd '%s' && sox -V1 -q -n -r 44100 -c 2 "
                                  "%s w.%s synth 5 pinknoise",
                                  dir, i == 2 ? "" : "-b 16", exts[i]),
                         0);
        snprintf(name, sizeof name, "%sw.%s+", dir, exts[i]);
        ck_assert_int_eq(open_and_read(name), 0); /* whole: reads whole */
        for (int pct = 30; pct <= 90; pct += 30) {
            ck_assert_int_eq(tu_shell("cd '%s' && head -c $(( $(stat -c %%s "
                                      "w.%s) * %d / 100 )) w.%s > cut.%s",
                                      dir, exts[i], pct, exts[i], exts[i]),
                             0);
            snprintf(name, sizeof name, "%scut.%s+", dir, exts[i]);
            long r = open_and_read(name);
            ck_assert_msg(r == MMIOERR_INVALIDFILE || r == -1,
                          "%s cut to %d%%: %ld", exts[i], pct, r);
        }
    }
}
END_TEST

/* A copy of from with n bytes at offset at replaced. */
static void patch(const char *from, const char *to, long at,
                  const unsigned char *bytes, size_t n)
{
    long len;
    char *d = tu_slurp(from, &len);
    ck_assert_int_le(at + (long)n, len);
    memcpy(d + at, bytes, n);
    tu_write(to, d, (size_t)len);
    free(d);
}

/* Reproduced at HEAD: an AIFF rate of 0 read as 1 Hz, NaN as 67108864 Hz,
 * and an AU rate of 0x7fffffff as a WAVE whose byte rate wrapped. */
START_TEST(impossible_sample_rates_are_errors)
{
    use_bundled_plugins();
    char dir[600], aiff[700], au[700], bad[700];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    snprintf(aiff, sizeof aiff, "%sr.aiff", dir);
    snprintf(au, sizeof au, "%sr.au", dir);
    ck_assert_int_eq(tu_shell("sox -V1 -n -r 22050 -c 2 -b 16 '%s' synth 0.2 "
                              "sine 300 && sox -V1 -n -r 22050 -c 2 -b 16 "
                              "'%s' synth 0.2 sine 300",
                              aiff, au),
                     0);
    long len;
    char *d = tu_slurp(aiff, &len);
    char *comm = memmem(d, (size_t)len, "COMM", 4);
    ck_assert_ptr_nonnull(comm);
    long rate_at = (long)(comm - d) + 16;
    free(d);
    static const unsigned char zero[10] = {0};
    static const unsigned char nan[10] = {0x7f, 0xff, 0xc0};
    static const unsigned char big[4] = {0x7f, 0xff, 0xff, 0xff};
    ck_assert_int_eq(open_and_read(tu_path("r.aiff+")), 0);
    ck_assert_int_eq(open_and_read(tu_path("r.au+")), 0);
    snprintf(bad, sizeof bad, "%sbad.aiff", dir);
    patch(aiff, bad, rate_at, zero, sizeof zero);
    ck_assert_int_eq(open_and_read(tu_path("bad.aiff+")), MMIOERR_INVALIDFILE);
    patch(aiff, bad, rate_at, nan, sizeof nan);
    ck_assert_int_eq(open_and_read(tu_path("bad.aiff+")), MMIOERR_INVALIDFILE);
    snprintf(bad, sizeof bad, "%sbad.au", dir);
    patch(au, bad, 16, big, sizeof big); /* the AU header's rate */
    ck_assert_int_eq(open_and_read(tu_path("bad.au+")), MMIOERR_INVALIDFILE);
}
END_TEST

START_TEST(the_compression_level_option_reaches_the_encoder)
{
    long sizes[2];
    const char *opts[] = {"[plugin sndfile]\noptions = level=0\n",
                          "[plugin sndfile]\noptions = level=1\n"};
    char files[2][700];
    for (int k = 0; k < 2; k++)
        snprintf(files[k], sizeof files[k], "%s",
                 tu_path(k ? "l1.flac" : "l0.flac"));
    for (int k = 0; k < 2; k++) {
        /* each in a process of its own: a plugin keeps the options it was
         * loaded with */
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid > 0) {
            int st;
            waitpid(pid, &st, 0);
            ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
            sizes[k] = tu_size(files[k]);
            continue;
        }
        use_bundled_plugins_with(opts[k]);
        char name[800];
        snprintf(name, sizeof name, "%s+", files[k]);
        /* a smooth signal that compresses well */
        LONG len = 4 * 100000;
        char *d = malloc((size_t)len);
        for (LONG i = 0; i < len / 2; i++) {
            int t = (int)(i % 400);
            int v = (t < 200 ? t : 400 - t) * 30 + (int)(i % 7);
            d[(size_t)2 * i] = (char)(v & 0xFF);
            d[(size_t)2 * i + 1] = (char)(v >> 8);
        }
        MMRESULT rc = write_wave(name, 2, 44100, 16, d, len);
        _exit(rc == 0 ? 0 : 1);
    }
    ck_assert_msg(sizes[1] < sizes[0], "level=1 %ld, level=0 %ld", sizes[1],
                  sizes[0]);
}
END_TEST

START_TEST(one_wave_walks_the_same_plain_zipped_gzipped_and_as_flac)
{
    use_bundled_plugins();
    char dir[600], name[700];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    ck_assert_int_eq(
        tu_shell(
            "cd '%s' && sox -V1 -q -n -r 22050 -c 2 -b 16 take.wav synth 4 "
            "sine 440 pinknoise vol 0.4 && zip -q take.zip take.wav && "
            "gzip -k take.wav && sox -V1 take.wav take.flac",
            dir),
        0);
    snprintf(name, sizeof name, "%stake.wav", dir);
    struct walked plain = walk(name);
    const char *others[] = {"take.zip+take.wav", "take.wav.gz+", "take.flac+"};
    for (int k = 0; k < 3; k++) {
        snprintf(name, sizeof name, "%s%s", dir, others[k]);
        struct walked w = walk(name);
        ck_assert_int_eq(w.fmt_len, plain.fmt_len);
        ck_assert(memcmp(w.fmt, plain.fmt, (size_t)w.fmt_len) == 0);
        ck_assert_int_eq(w.data_len, plain.data_len);
        ck_assert_msg(memcmp(w.data, plain.data, (size_t)w.data_len) == 0,
                      "samples differ in %s", others[k]);
        free(w.data);
    }
    free(plain.data);
}
END_TEST

START_TEST(exist_delete_and_rename_through_sndfile)
{
    use_bundled_plugins();
    char file[600], other[600];
    snprintf(file, sizeof file, "%s", tu_path("x.flac"));
    snprintf(other, sizeof other, "%s", tu_path("z.flac"));
    ck_assert_int_eq(tu_shell("sox -n -r 8000 -c 1 -b 16 '%s' synth 0.1 sine "
                              "440 2>/dev/null",
                              file),
                     0);
    exist_delete_rename_through(file, other, "flac -s -t '%s'");
}
END_TEST

Suite *suite_sndfile(void)
{
    Suite *s = suite_create("sndfile");
    TCase *tc = tcase_create("sndfile");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, flac_reads_as_the_samples_sox_decodes);
    tcase_add_test(tc, a_flac_that_does_not_say_its_length_reads_whole);
    tcase_add_test(tc, many_channels_and_lossy_sources_get_their_wave_formats);
    tcase_add_test(tc, waves_written_through_it_are_encoded);
    tcase_add_test(tc,
                   what_cannot_be_encoded_is_an_error_and_keeps_the_old_file);
    tcase_add_test(tc, a_truncated_flac_is_an_error_not_an_end);
    tcase_add_test(tc, truncated_aiff_au_and_ogg_are_errors);
    tcase_add_test(tc, impossible_sample_rates_are_errors);
    tcase_add_test(tc, the_compression_level_option_reaches_the_encoder);
    tcase_add_test(tc, exist_delete_and_rename_through_sndfile);
    tcase_add_test(tc,
                   one_wave_walks_the_same_plain_zipped_gzipped_and_as_flac);
    suite_add_tcase(s, tc);
    return s;
}
