/* SPDX-License-Identifier: MIT */
/*
 * bench_io - libmmio against stdio and read(2), in one run, on one 64 MiB
 * file.  Prints throughput and the ratio to the stdio figure of the same
 * row (>1 is faster than stdio for throughput; for per-call costs the ratio
 * is mmio time / stdio time, <1 is faster).  Best of 3 for every cell.
 *
 *   bench_io [DIR]     (default: $TMPDIR or /tmp)
 */
#include "mmio.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FILE_SIZE (64L << 20)
#define WRITE_SIZE (32L << 20)
#define REPEAT 3

static char path[512], riffpath[512];
static char *req_buf;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* How many bytes a cell reads: small requests on a smaller prefix, so
 * unbuffered 1-byte reads (one system call each) finish in a second. */
static long budget(long req, long buf)
{
    if (buf == 0 && req < 4096)
        return req * 200000L;
    if (req == 1)
        return 16L << 20;
    return FILE_SIZE;
}

static double mmio_read_cell(long req, long buf, long bytes)
{
    MMIOINFO info = {0};
    info.cchBuffer = (LONG)buf;
    double t0 = now();
    HMMIO h = mmioOpen(path, &info, MMIO_READ);
    if (!h)
        abort();
    for (long done = 0; done < bytes; done += req)
        if (mmioRead(h, req_buf, (LONG)req) != req)
            abort();
    mmioClose(h, 0);
    return now() - t0;
}

static double fread_cell(long req, long buf, long bytes)
{
    double t0 = now();
    FILE *fp = fopen(path, "rb");
    if (!fp)
        abort();
    setvbuf(fp, NULL, buf ? _IOFBF : _IONBF, (size_t)buf);
    for (long done = 0; done < bytes; done += req)
        if (fread(req_buf, 1, (size_t)req, fp) != (size_t)req)
            abort();
    fclose(fp);
    return now() - t0;
}

static double read2_cell(long req, long bytes)
{
    double t0 = now();
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        abort();
    for (long done = 0; done < bytes; done += req)
        if (read(fd, req_buf, (size_t)req) != req)
            abort();
    close(fd);
    return now() - t0;
}

/* Writes go to a file created fresh for each run (removed before the clock
 * starts), close included, as a program writing a new file does. */
static double mmio_write_cell(long req, long buf)
{
    MMIOINFO info = {0};
    info.cchBuffer = (LONG)buf;
    unlink(path);
    double t0 = now();
    HMMIO h = mmioOpen(path, &info, MMIO_WRITE | MMIO_CREATE);
    if (!h)
        abort();
    for (long done = 0; done < WRITE_SIZE; done += req)
        if (mmioWrite(h, req_buf, (LONG)req) != req)
            abort();
    if (mmioClose(h, 0) != 0)
        abort();
    return now() - t0;
}

static double fwrite_cell(long req, long buf)
{
    unlink(path);
    double t0 = now();
    FILE *fp = fopen(path, "wb");
    if (!fp)
        abort();
    setvbuf(fp, NULL, _IOFBF, (size_t)buf);
    for (long done = 0; done < WRITE_SIZE; done += req)
        if (fwrite(req_buf, 1, (size_t)req, fp) != (size_t)req)
            abort();
    if (fclose(fp) != 0)
        abort();
    return now() - t0;
}

typedef double (*cell_fn)(long, long, long);

static double best(cell_fn fn, long req, long buf, long bytes)
{
    double b = 1e30;
    for (int i = 0; i < REPEAT; i++) {
        double t = fn(req, buf, bytes);
        if (t < b)
            b = t;
    }
    return b;
}

static double read2_adapter(long req, long buf, long bytes)
{
    (void)buf;
    return read2_cell(req, bytes);
}

static double mmio_write_adapter(long req, long buf, long bytes)
{
    (void)bytes;
    return mmio_write_cell(req, buf);
}

static double fwrite_adapter(long req, long buf, long bytes)
{
    (void)bytes;
    return fwrite_cell(req, buf);
}

static double open_close_mmio(long n, long buf, long unused)
{
    (void)unused;
    double t0 = now();
    for (long i = 0; i < n; i++) {
        MMIOINFO info = {0};
        info.cchBuffer = (LONG)buf;
        HMMIO h = mmioOpen(path, &info, MMIO_READ);
        if (!h)
            abort();
        mmioClose(h, 0);
    }
    return now() - t0;
}

static double open_close_stdio(long n, long buf, long unused)
{
    (void)buf;
    (void)unused;
    double t0 = now();
    for (long i = 0; i < n; i++) {
        FILE *fp = fopen(path, "rb");
        if (!fp)
            abort();
        fclose(fp);
    }
    return now() - t0;
}

/* What one open+close of the library is made of, in system calls: the
 * floor any open+close ratio stands on. */
static double open_close_raw(long n, long unused1, long unused2)
{
    (void)unused1;
    (void)unused2;
    double t0 = now();
    for (long i = 0; i < n; i++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            abort();
        close(fd);
    }
    return now() - t0;
}

static double fstat_raw(long n, long unused1, long unused2)
{
    (void)unused1;
    (void)unused2;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    double t0 = now();
    for (long i = 0; i < n; i++)
        if (fstat(fd, &st) != 0)
            abort();
    double t = now() - t0;
    close(fd);
    return t;
}

#define NCHUNKS (1L << 20)

static void make_riff(void)
{
    FILE *fp = fopen(riffpath, "wb");
    if (!fp)
        abort();
    unsigned long size = 4 + NCHUNKS * 12;
    unsigned char hdr[12] = {'R', 'I', 'F', 'F', 0,   0,
                             0,   0,   'T', 'E', 'S', 'T'};
    for (int i = 0; i < 4; i++)
        hdr[4 + i] = (unsigned char)(size >> (8 * i));
    fwrite(hdr, 1, 12, fp);
    unsigned char ck[12] = {'c', 'k', '0', '0', 4, 0, 0, 0, 'd', 'a', 't', 'a'};
    for (long i = 0; i < NCHUNKS; i++)
        fwrite(ck, 1, 12, fp);
    if (fclose(fp) != 0)
        abort();
}

static double riff_mmio(long unused1, long unused2, long unused3)
{
    (void)unused1, (void)unused2, (void)unused3;
    double t0 = now();
    HMMIO h = mmioOpen(riffpath, NULL, MMIO_READ | MMIO_ALLOCBUF);
    MMCKINFO riff = {0}, ck = {0};
    if (!h || mmioDescend(h, &riff, NULL, MMIO_FINDRIFF) != 0)
        abort();
    long n = 0;
    while (mmioDescend(h, &ck, &riff, 0) == 0) {
        mmioAscend(h, &ck, 0);
        n++;
    }
    if (n != NCHUNKS)
        abort();
    mmioClose(h, 0);
    return now() - t0;
}

static double riff_stdio(long unused1, long unused2, long unused3)
{
    (void)unused1, (void)unused2, (void)unused3;
    double t0 = now();
    FILE *fp = fopen(riffpath, "rb");
    unsigned char h[12];
    if (!fp || fread(h, 1, 12, fp) != 12)
        abort();
    long n = 0;
    while (fread(h, 1, 8, fp) == 8) {
        unsigned long sz =
            h[4] | h[5] << 8 | h[6] << 16 | (unsigned long)h[7] << 24;
        fseek(fp, (long)(sz + (sz & 1)), SEEK_CUR);
        n++;
    }
    if (n != NCHUNKS)
        abort();
    fclose(fp);
    return now() - t0;
}

static void CALLBACK drop(LPCSTR msg, void *ctx)
{
    (void)msg, (void)ctx;
}

/* Seconds per unbuffered 1-byte mmioRead (best of REPEAT runs of 200 000):
 * what the child prints. */
static int messages_child(void)
{
    mmioExtSetMessageCallback(drop, NULL);
    double best_t = 1e9;
    char c;
    for (int r = 0; r < REPEAT; r++) {
        HMMIO h = mmioOpen(path, NULL, MMIO_READ);
        if (!h)
            return 1;
        double t0 = now();
        for (int i = 0; i < 200000; i++)
            if (mmioRead(h, &c, 1) != 1)
                return 1;
        double t = (now() - t0) / 200000;
        best_t = t < best_t ? t : best_t;
        mmioClose(h, 0);
    }
    printf("%.12f\n", best_t);
    return 0;
}

static double messages_in_child(const char *debug)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s%s '/proc/%d/exe' --messages '%s'",
             debug ? "MMIO_DEBUG=" : "env -u MMIO_DEBUG", debug ? debug : "",
             (int)getpid(), path);
    FILE *p = popen(cmd, "r");
    char line[64] = "";
    if (p) {
        if (!fgets(line, sizeof line, p))
            line[0] = '\0';
        pclose(p);
    }
    char *end;
    double t = strtod(line, &end);
    return end == line ? -1 : t;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--messages") == 0) {
        snprintf(path, sizeof path, "%s", argv[2]);
        return messages_child();
    }
    const char *dir = argc > 1 ? argv[1] : getenv("TMPDIR");
    if (!dir)
        dir = "/tmp";
    snprintf(path, sizeof path, "%s/mmio-bench-%d.bin", dir, (int)getpid());
    snprintf(riffpath, sizeof riffpath, "%s/mmio-bench-%d.riff", dir,
             (int)getpid());
    req_buf = malloc(1 << 16);
    memset(req_buf, 'x', 1 << 16);
    FILE *data = fopen(path, "wb"); /* the file the reads read */
    for (long done = 0; data && done < FILE_SIZE; done += 1 << 16)
        if (fwrite(req_buf, 1, 1 << 16, data) != 1 << 16)
            return 1;
    if (!data || fclose(data) != 0)
        return 1;

    static const long reqs[] = {1, 16, 4096, 65536};
    static const long bufs[] = {8192, 65536, 0};
    printf("libmmio benchmark, 64 MiB file, best of %d\n\n", REPEAT);
    printf("%-22s %10s %10s %10s %9s\n", "read (request, buffer)", "mmio MB/s",
           "fread MB/s", "read2 MB/s", "mmio/fread");
    for (size_t b = 0; b < 3; b++) {
        for (size_t r = 0; r < 4; r++) {
            long bytes = budget(reqs[r], bufs[b]);
            double tm = best(mmio_read_cell, reqs[r], bufs[b], bytes);
            double tf = best(fread_cell, reqs[r], bufs[b], bytes);
            double tr = best(read2_adapter, reqs[r], bufs[b], bytes);
            char label[40];
            snprintf(label, sizeof label, "%ld B, %s", reqs[r],
                     bufs[b] == 0      ? "unbuffered"
                     : bufs[b] == 8192 ? "8 KiB buf"
                                       : "64 KiB buf");
            printf("%-22s %10.0f %10.0f %10.0f %9.2fx\n", label,
                   bytes / tm / 1e6, bytes / tf / 1e6, bytes / tr / 1e6,
                   tf / tm);
        }
    }
    printf("\n32 MiB written to a new file, close included (time ratio: "
           "at most 1.1x is the target)\n");
    printf("%-22s %10s %10s %9s\n", "write (request, 8 KiB)", "mmio MB/s",
           "fwrite MB/s", "time ratio");
    for (size_t r = 1; r < 4; r++) {
        double tm = best(mmio_write_adapter, reqs[r], 8192, 0);
        double tf = best(fwrite_adapter, reqs[r], 8192, 0);
        printf("%-22ld %10.0f %10.0f %9.2fx\n", reqs[r], WRITE_SIZE / tm / 1e6,
               WRITE_SIZE / tf / 1e6, tm / tf);
    }
    const long opens = 20000;
    double to = best(open_close_mmio, opens, 0, 0);
    double tob = best(open_close_mmio, opens, 8192, 0);
    double ts = best(open_close_stdio, opens, 0, 0);
    printf("\n%-22s %10s %10s %9s\n", "open+close", "mmio ns", "stdio ns",
           "time ratio");
    printf("%-22s %10.0f %10.0f %9.2fx\n", "unbuffered", to / opens * 1e9,
           ts / opens * 1e9, to / ts);
    printf("%-22s %10.0f %10.0f %9.2fx\n", "8 KiB buffer", tob / opens * 1e9,
           ts / opens * 1e9, tob / ts);
    /* mmio's open is open(2), fstat (directories are refused), two OFD lock
     * calls (share modes: mark this handle, test others' deny flags) and
     * close(2); fopen+fclose is open(2) and close(2) */
    double tr = best(open_close_raw, opens, 0, 0);
    double tf = best(fstat_raw, opens * 10, 0, 0) / 10;
    printf("%-22s %10.0f %10s %9.2fx\n", "open(2)+close(2)", tr / opens * 1e9,
           "", tr / ts);
    printf("%-22s %10.0f %10s %9.2fx\n", "one syscall (fstat)",
           tf / opens * 1e9, "", tf / ts);
    /* the floor: what Windows' share modes and the directory refusal cost
     * in system calls fopen never makes; mmio's ratio stays near it */
    printf("%-22s %10.0f %10s %9.2fx\n", "floor: open+3 calls",
           (tr + 3 * tf) / opens * 1e9, "", (tr + 3 * tf) / ts);
    printf("(mmioOpen+mmioClose of a plain file = open, fstat, two share-mode "
           "lock calls, close: its floor is the last row; unbuffered mmio is "
           "%.2fx that floor)\n",
           to / (tr + 3 * tf));
    make_riff();
    double tdm = best(riff_mmio, 0, 0, 0);
    double tds = best(riff_stdio, 0, 0, 0);
    printf("\n%-22s %10s %10s %9s\n", "1 Mi chunks", "mmio ns", "stdio ns",
           "time ratio");
    printf("%-22s %10.1f %10.1f %9.2fx\n", "descend+ascend/chunk",
           tdm / NCHUNKS * 1e9, tds / NCHUNKS * 1e9, tdm / tds);
    /* MMIO_DEBUG: off, a message costs one branch; on, a line per
     * message (here to a callback that drops it).  Measured in a child of
     * this program started with and without MMIO_DEBUG=proc:5. */
    double off = messages_in_child(NULL), on = messages_in_child("proc:5");
    printf("\n%-22s %10s %10s %9s\n", "unbuffered 1-byte read", "ns each", "",
           "ratio");
    printf("%-22s %10.1f %10s %9s\n", "MMIO_DEBUG unset", off * 1e9, "", "");
    printf("%-22s %10.1f %10s %9.2fx\n", "MMIO_DEBUG=proc:5", on * 1e9, "",
           on / off);
    unlink(path);
    unlink(riffpath);
    free(req_buf);
    return 0;
}
