/*
 * cli.c - mmiohost, the command-line host.
 *
 *   mmiohost tone FILE [SECONDS]   write a 440 Hz WAV through mmioCreateChunk
 *   mmiohost riff NAME             print the chunk tree with offsets and sizes
 *   mmiohost cat NAME              stream a file through its procedure
 *   mmiohost cp SRC DST            copy between any two names
 *
 * Exit codes: 0 success, 1 the operation failed, 2 usage error.
 */
#include "mmio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static int usage(FILE *out)
{
    fputs("usage: mmiohost COMMAND [ARGS]\n"
          "  tone FILE [SECONDS]  write a 440 Hz 16-bit mono WAV file\n"
          "  riff NAME            print the RIFF chunk tree of NAME\n"
          "  cat NAME             write NAME's bytes to standard output\n"
          "  cp SRC DST           copy SRC to DST (any names, any procedures)\n"
          "  --help               this text\n",
          out);
    return out == stdout ? EXIT_OK : EXIT_USAGE;
}

static HMMIO open_or_say(const char *name, DWORD flags)
{
    MMIOINFO info = {0};
    char *copy = strdup(name);
    if (!copy)
        return NULL;
    HMMIO h = mmioOpen(copy, &info, flags);
    if (!h)
        fprintf(stderr, "mmiohost: %s: cannot open (error %u)\n", name,
                info.wErrorRet);
    free(copy);
    return h;
}

static void fourcc_text(FOURCC f, char out[5])
{
    for (int i = 0; i < 4; i++) {
        unsigned char c = (unsigned char)(f >> (8 * i));
        out[i] = (c >= 32 && c < 127) ? (char)c : '?';
    }
    out[4] = '\0';
}

static int walk(HMMIO h, const MMCKINFO *parent, int depth)
{
    MMCKINFO ck = {0};
    while (mmioDescend(h, &ck, parent, 0) == MMSYSERR_NOERROR) {
        char id[5], type[5];
        fourcc_text(ck.ckid, id);
        printf("%*s%s", depth * 2, "", id);
        if (ck.ckid == FOURCC_RIFF || ck.ckid == FOURCC_LIST) {
            fourcc_text(ck.fccType, type);
            printf(" '%s'", type);
        }
        printf("  offset %lu  size %lu\n", (unsigned long)ck.dwDataOffset - 8,
               (unsigned long)ck.cksize);
        if (ck.ckid == FOURCC_RIFF || ck.ckid == FOURCC_LIST)
            walk(h, &ck, depth + 1);
        if (mmioAscend(h, &ck, 0) != MMSYSERR_NOERROR)
            return -1;
        if (!parent && ck.ckid != FOURCC_RIFF)
            break; /* a top level that is not RIFF: stop at the first chunk */
    }
    return 0;
}

static int cmd_riff(const char *name)
{
    HMMIO h = open_or_say(name, MMIO_READ | MMIO_ALLOCBUF);
    if (!h)
        return EXIT_FAIL;
    int rc = walk(h, NULL, 0);
    mmioClose(h, 0);
    return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

static int copy_stream(HMMIO in, HMMIO out, const char *dst)
{
    static char buf[65536];
    for (;;) {
        LONG n = mmioRead(in, buf, (LONG)sizeof buf);
        if (n < 0) {
            fputs("mmiohost: read error\n", stderr);
            return EXIT_FAIL;
        }
        if (n == 0)
            return EXIT_OK;
        if (out) {
            if (mmioWrite(out, buf, n) != n) {
                fprintf(stderr, "mmiohost: %s: write error\n", dst);
                return EXIT_FAIL;
            }
        } else if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
            return EXIT_FAIL;
        }
    }
}

static int cmd_cat(const char *name)
{
    HMMIO h = open_or_say(name, MMIO_READ);
    if (!h)
        return EXIT_FAIL;
    int rc = copy_stream(h, NULL, NULL);
    mmioClose(h, 0);
    return rc;
}

static int cmd_cp(const char *src, const char *dst)
{
    HMMIO in = open_or_say(src, MMIO_READ);
    if (!in)
        return EXIT_FAIL;
    HMMIO out = open_or_say(dst, MMIO_WRITE | MMIO_CREATE | MMIO_ALLOCBUF);
    if (!out) {
        mmioClose(in, 0);
        return EXIT_FAIL;
    }
    int rc = copy_stream(in, out, dst);
    if (mmioClose(out, 0) != MMSYSERR_NOERROR) {
        fprintf(stderr, "mmiohost: %s: write error at close\n", dst);
        rc = EXIT_FAIL;
    }
    mmioClose(in, 0);
    return rc;
}

static int cmd_tone(const char *name, double seconds)
{
    const DWORD rate = 22050;
    HMMIO h = open_or_say(name, MMIO_WRITE | MMIO_CREATE | MMIO_ALLOCBUF);
    if (!h)
        return EXIT_FAIL;
    MMCKINFO riff = {0}, fmt = {0}, data = {0};
    /* WAVEFORMATEX for PCM: tag 1, mono, rate, byte rate, align 2, 16 bits */
    unsigned char wf[16] = {1, 0, 1, 0};
    DWORD bytes_per_sec = rate * 2;
    for (int i = 0; i < 4; i++) {
        wf[4 + i] = (unsigned char)(rate >> (8 * i));
        wf[8 + i] = (unsigned char)(bytes_per_sec >> (8 * i));
    }
    wf[12] = 2;
    wf[14] = 16;
    riff.fccType = mmioFOURCC('W', 'A', 'V', 'E');
    fmt.ckid = mmioFOURCC('f', 'm', 't', ' ');
    data.ckid = mmioFOURCC('d', 'a', 't', 'a');
    int ok = mmioCreateChunk(h, &riff, MMIO_CREATERIFF) == 0 &&
             mmioCreateChunk(h, &fmt, 0) == 0 &&
             mmioWrite(h, (const char *)wf, 16) == 16 &&
             mmioAscend(h, &fmt, 0) == 0 && mmioCreateChunk(h, &data, 0) == 0;
    long frames = (long)(seconds * rate);
    for (long i = 0; ok && i < frames; i++) {
        double v = sin(2.0 * 3.14159265358979 * 440.0 * (double)i / rate);
        int s = (int)(v * 12000.0);
        char le[2] = {(char)(s & 0xff), (char)((s >> 8) & 0xff)};
        ok = mmioWrite(h, le, 2) == 2;
    }
    ok = ok && mmioAscend(h, &data, 0) == 0 && mmioAscend(h, &riff, 0) == 0;
    MMRESULT rc = mmioClose(h, 0);
    if (!ok || rc != 0) {
        fprintf(stderr, "mmiohost: %s: write error\n", name);
        return EXIT_FAIL;
    }
    printf("wrote %s: %ld frames at %lu Hz\n", name, frames,
           (unsigned long)rate);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help"))
        return usage(stdout);
    if (!strcmp(cmd, "riff") && argc == 3)
        return cmd_riff(argv[2]);
    if (!strcmp(cmd, "cat") && argc == 3)
        return cmd_cat(argv[2]);
    if (!strcmp(cmd, "cp") && argc == 4)
        return cmd_cp(argv[2], argv[3]);
    if (!strcmp(cmd, "tone") && (argc == 3 || argc == 4)) {
        char *end = NULL;
        double secs = argc == 4 ? strtod(argv[3], &end) : 1.0;
        if (argc == 4 && (*end != '\0' || secs <= 0 || secs > 3600)) {
            fprintf(stderr, "mmiohost: tone: bad duration: %s\n", argv[3]);
            return EXIT_USAGE;
        }
        return cmd_tone(argv[2], secs);
    }
    fprintf(stderr, "mmiohost: unknown command or wrong arguments: %s\n", cmd);
    return usage(stderr);
}
