/* SPDX-License-Identifier: MIT */
/* A WAV copier written the way Windows code is: <mmsystem.h>, mmioDescend
 * to 'fmt ' and 'data', mmioCreateChunk and mmioAscend to write.  The same
 * file builds as C89, C11 and C++, with and without UNICODE (wav_test.sh).
 *   wavcopy IN.wav OUT.wav */
#include <mmreg.h>
#include <mmsystem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef UNICODE
typedef WCHAR TCH;
#else
typedef char TCH;
#endif

/* argv as the API's character type (UNICODE: widened; names are ASCII in
 * the test, so byte-by-byte is enough). */
static TCH *name_of(const char *arg)
{
    size_t n = strlen(arg), i;
    TCH *out = (TCH *)malloc((n + 1) * sizeof(TCH));
    if (!out)
        return NULL;
    for (i = 0; i <= n; i++)
        out[i] = (TCH)(unsigned char)arg[i];
    return out;
}

static int copy(const TCH *src, const TCH *dst);

int main(int argc, char **argv)
{
    TCH *src, *dst;
    int rc;
    if (argc != 3)
        return 2;
    src = name_of(argv[1]);
    dst = name_of(argv[2]);
    rc = src && dst ? copy(src, dst) : 1;
    free(src);
    free(dst);
    return rc;
}

static int copy(const TCH *src, const TCH *dst)
{
    HMMIO in, out;
    MMCKINFO riff, fmt, data, oriff, ofmt, odata;
    WAVEFORMATEX wfx;
    char *samples;
    LONG got;
    TCH name[1024];
    size_t i;
    for (i = 0; src[i] && i < 1023; i++)
        name[i] = src[i];
    name[i] = 0;
    in = mmioOpen(name, NULL, MMIO_READ | MMIO_ALLOCBUF);
    if (!in)
        return 1;
    memset(&riff, 0, sizeof riff);
    riff.fccType = mmioFOURCC('W', 'A', 'V', 'E');
    if (mmioDescend(in, &riff, NULL, MMIO_FINDRIFF) != MMSYSERR_NOERROR)
        return 1;
    memset(&fmt, 0, sizeof fmt);
    fmt.ckid = mmioFOURCC('f', 'm', 't', ' ');
    if (mmioDescend(in, &fmt, &riff, MMIO_FINDCHUNK) != MMSYSERR_NOERROR ||
        fmt.cksize < sizeof(PCMWAVEFORMAT))
        return 1;
    memset(&wfx, 0, sizeof wfx);
    if (mmioRead(in, (HPSTR)&wfx, (LONG)sizeof(PCMWAVEFORMAT)) !=
            (LONG)sizeof(PCMWAVEFORMAT) ||
        wfx.wFormatTag != WAVE_FORMAT_PCM)
        return 1;
    mmioAscend(in, &fmt, 0);
    memset(&data, 0, sizeof data);
    data.ckid = mmioFOURCC('d', 'a', 't', 'a');
    if (mmioDescend(in, &data, &riff, MMIO_FINDCHUNK) != MMSYSERR_NOERROR)
        return 1;
    samples = (char *)malloc(data.cksize ? data.cksize : 1);
    if (!samples)
        return 1;
    got = mmioRead(in, samples, (LONG)data.cksize);
    mmioClose(in, 0);
    if (got != (LONG)data.cksize) {
        free(samples);
        return 1;
    }

    for (i = 0; dst[i] && i < 1023; i++)
        name[i] = dst[i];
    name[i] = 0;
    out = mmioOpen(name, NULL, MMIO_CREATE | MMIO_WRITE | MMIO_ALLOCBUF);
    if (!out) {
        free(samples);
        return 1;
    }
    memset(&oriff, 0, sizeof oriff);
    oriff.fccType = mmioFOURCC('W', 'A', 'V', 'E');
    memset(&ofmt, 0, sizeof ofmt);
    ofmt.ckid = mmioFOURCC('f', 'm', 't', ' ');
    memset(&odata, 0, sizeof odata);
    odata.ckid = mmioFOURCC('d', 'a', 't', 'a');
    wfx.cbSize = 0;
    if (mmioCreateChunk(out, &oriff, MMIO_CREATERIFF) != 0 ||
        mmioCreateChunk(out, &ofmt, 0) != 0 ||
        mmioWrite(out, (const char *)&wfx, (LONG)sizeof wfx) !=
            (LONG)sizeof wfx ||
        mmioAscend(out, &ofmt, 0) != 0 ||
        mmioCreateChunk(out, &odata, 0) != 0 ||
        mmioWrite(out, samples, got) != got ||
        mmioAscend(out, &odata, 0) != 0 || mmioAscend(out, &oriff, 0) != 0 ||
        mmioClose(out, 0) != 0) {
        free(samples);
        return 1;
    }
    free(samples);
    printf("copied %ld bytes of %u-channel %lu Hz audio\n", (long)got,
           (unsigned)wfx.nChannels, (unsigned long)wfx.nSamplesPerSec);
    return 0;
}
