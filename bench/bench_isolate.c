/* SPDX-License-Identifier: MIT */
/*
 * bench_isolate - an isolated plugin against the same plugin in-process,
 * in one run: each measurement runs in a fresh child process of this one
 * with plugins.conf saying `isolate = no`, then `yes`, interleaved, best
 * of 5.  The plugin is the tests' hostile fixture without options, a
 * plain pass-through (pread/pwrite on its container).
 *
 *   64 MiB sequential read in 8 KiB, then 64 KiB mmioReads (unbuffered)
 *   10 000 random 4 KiB seek+read pairs: median and p99 per pair
 *   the first open (the helper's start included), then 1000 more opens
 *   the FLAC read of bench_formats through the bundled sndfile plugin
 *
 * Ratios are isolated / in-process (1.0: no cost).
 *
 *   bench_isolate [DIR]     (default: $TMPDIR or /tmp)
 */
#define _GNU_SOURCE
#include "mmio.h"

#include "benchutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIZE (64L << 20)
#define PAIRS 10000
#define OPENS 1000
#define REPEAT 5

static void write_conf(const char *leaf, const char *plugins, int isolate)
{
    char plugin_dir[600]; /* in_dir's answers are reused: copied first */
    snprintf(plugin_dir, sizeof plugin_dir, "%s", plugins);
    FILE *f = fopen(bench_in(leaf), "w");
    if (!f) {
        perror(leaf);
        exit(1);
    }
    fprintf(f,
            "[host]\nplugin_dir = %s\ncache = %s\nstate = %s\n"
            "system_state = %s\nisolate = %s\n",
            plugin_dir, bench_in("scan.cache"), bench_in("user.state"),
            bench_in("machine.state"), isolate ? "yes" : "no");
    fclose(f);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- what a child measures (seconds, or per-pair seconds) ---------------- */
enum { WARM, SEQ8, SEQ64, RANDOM, OPEN_FIRST, OPEN_LATER, FLAC };

static HMMIO must_open(const char *name)
{
    HMMIO h = mmioOpen((LPSTR)name, NULL, MMIO_READ);
    if (!h) {
        fprintf(stderr, "bench_isolate: cannot open %s\n", name);
        exit(1);
    }
    return h;
}

static double read_through(const char *name, LONG chunk)
{
    static char buf[1 << 16];
    HMMIO h = must_open(name);
    double t0 = bench_now();
    long total = 0;
    LONG r;
    while ((r = mmioRead(h, buf, chunk)) > 0)
        total += r;
    double t = bench_now() - t0;
    mmioClose(h, 0);
    if (r < 0 || total == 0) {
        fprintf(stderr, "bench_isolate: reading %s failed\n", name);
        exit(1);
    }
    return t;
}

/* out[0]: the measure; RANDOM: out[0] median, out[1] p99 per pair. */
static void child(int kind, const char *conf, double *out)
{
    if (mmioExtConfigure(conf) != 0)
        exit(1);
    const char *data = bench_in("data.hstl+");
    switch (kind) {
    case WARM: /* the scan cache filled */
        if (mmioExtScan() != 0)
            exit(1);
        break;
    case SEQ8:
    case SEQ64:
        read_through(data, kind == SEQ8 ? 8192 : 65536); /* warm */
        out[0] = read_through(data, kind == SEQ8 ? 8192 : 65536);
        break;
    case RANDOM: {
        HMMIO h = must_open(data);
        static double t[PAIRS];
        char buf[4096];
        unsigned x = 12345;
        for (int i = 0; i < PAIRS; i++) {
            x = x * 1103515245u + 12345u;
            LONG at = (LONG)((x >> 3) % (unsigned)(SIZE - 4096)) & ~4095;
            double t0 = bench_now();
            if (mmioSeek(h, at, SEEK_SET) != at ||
                mmioRead(h, buf, 4096) != 4096)
                exit(1);
            t[i] = bench_now() - t0;
        }
        mmioClose(h, 0);
        qsort(t, PAIRS, sizeof t[0], cmp_double);
        out[0] = t[PAIRS / 2];
        out[1] = t[PAIRS * 99 / 100];
        break;
    }
    case OPEN_FIRST: {
        double t0 = bench_now();
        HMMIO h = must_open(data);
        out[0] = bench_now() - t0;
        mmioClose(h, 0);
        break;
    }
    case OPEN_LATER: {
        mmioClose(must_open(data), 0);
        double t0 = bench_now();
        for (int i = 0; i < OPENS; i++)
            mmioClose(must_open(data), 0);
        out[0] = (bench_now() - t0) / OPENS;
        break;
    }
    case FLAC:
        read_through(bench_in("song.flac+"), 65536);
        out[0] = read_through(bench_in("song.flac+"), 65536);
        break;
    default:
        exit(1);
    }
}

/* Runs child(kind) in a process of its own. */
static void measure(int kind, const char *conf, double *out)
{
    int p[2];
    if (pipe(p) != 0)
        exit(1);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        double v[2] = {0, 0};
        child(kind, conf, v);
        if (write(p[1], v, sizeof v) != (ssize_t)sizeof v)
            _exit(1);
        _exit(0);
    }
    close(p[1]);
    double v[2] = {0, 0};
    ssize_t n = read(p[0], v, sizeof v);
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    if (n != (ssize_t)sizeof v || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "bench_isolate: measurement %d failed\n", kind);
        exit(1);
    }
    out[0] = v[0];
    out[1] = v[1];
}

/* Best of REPEAT for each side, the two sides interleaved. */
static void pair(int kind, const char *in_conf, const char *iso_conf,
                 double in[2], double iso[2])
{
    in[0] = iso[0] = 1e9;
    in[1] = iso[1] = 0;
    for (int r = 0; r < REPEAT; r++) {
        double a[2], b[2];
        measure(kind, in_conf, a);
        measure(kind, iso_conf, b);
        if (a[0] < in[0]) {
            in[0] = a[0];
            in[1] = a[1];
        }
        if (b[0] < iso[0]) {
            iso[0] = b[0];
            iso[1] = b[1];
        }
    }
}

static void cleanup(void)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", bench_dir);
    (void)bench_sh(cmd);
}

int main(int argc, char **argv)
{
    const char *base = argc > 1 ? argv[1] : getenv("TMPDIR");
    snprintf(bench_dir, sizeof bench_dir, "%s/bench_isolate.XXXXXX",
             base ? base : "/tmp");
    if (!mkdtemp(bench_dir)) {
        perror(bench_dir);
        return 1;
    }
    atexit(cleanup);
    char cmd[2000];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/plugins' && cp '%s/hostile.so' '%s/plugins/' && "
             "head -c %ld /dev/urandom > '%s'",
             bench_dir, FIXTURE_DIR, bench_dir, SIZE, bench_in("data.hstl"));
    if (bench_sh(cmd) != 0)
        return 1;
    write_conf("in.conf", bench_in("plugins"), 0);
    write_conf("iso.conf", bench_in("plugins"), 1);
    double warm[2];
    measure(WARM, bench_in("in.conf"), warm);

    printf("%-40s %12s %12s %8s  %s\n", "case", "in-process", "isolated",
           "ratio", "bound");
    double in[2], iso[2];
    pair(SEQ8, bench_in("in.conf"), bench_in("iso.conf"), in, iso);
    printf("%-40s %10.1f ms %10.1f ms %8.2f  <= 1.5\n",
           "64 MiB read, 8 KiB mmioReads", in[0] * 1e3, iso[0] * 1e3,
           iso[0] / in[0]);
    pair(SEQ64, bench_in("in.conf"), bench_in("iso.conf"), in, iso);
    printf("%-40s %10.1f ms %10.1f ms %8.2f  <= 1.3\n",
           "64 MiB read, 64 KiB mmioReads", in[0] * 1e3, iso[0] * 1e3,
           iso[0] / in[0]);
    pair(RANDOM, bench_in("in.conf"), bench_in("iso.conf"), in, iso);
    printf("%-40s %10.1f us %10.1f us %+7.1f us  overhead <= 15 us\n",
           "random 4 KiB seek+read, median", in[0] * 1e6, iso[0] * 1e6,
           (iso[0] - in[0]) * 1e6);
    printf("%-40s %10.1f us %10.1f us %+7.1f us\n",
           "random 4 KiB seek+read, p99", in[1] * 1e6, iso[1] * 1e6,
           (iso[1] - in[1]) * 1e6);
    pair(OPEN_FIRST, bench_in("in.conf"), bench_in("iso.conf"), in, iso);
    printf("%-40s %10.2f ms %10.2f ms %8.2f  isolated <= 5 ms\n",
           "first open (helper start included)", in[0] * 1e3, iso[0] * 1e3,
           iso[0] / in[0]);
    pair(OPEN_LATER, bench_in("in.conf"), bench_in("iso.conf"), in, iso);
    printf("%-40s %10.1f us %10.1f us %8.2f  <= 1.5\n", "later opens (+close)",
           in[0] * 1e6, iso[0] * 1e6, iso[0] / in[0]);

    snprintf(cmd, sizeof cmd,
             "command -v sox >/dev/null && cd '%s' && sox -q -n -r 44100 -c 2 "
             "-b 16 song.flac synth 120 sine 440 sine 660 2>/dev/null",
             bench_dir);
    if (bench_sh(cmd) == 0) {
        write_conf("fin.conf", BUNDLED_PLUGIN_DIR, 0);
        write_conf("fiso.conf", BUNDLED_PLUGIN_DIR, 1);
        measure(WARM, bench_in("fin.conf"), warm);
        pair(FLAC, bench_in("fin.conf"), bench_in("fiso.conf"), in, iso);
        printf("%-40s %10.1f ms %10.1f ms %8.2f  <= 1.3\n",
               "FLAC read through sndfile", in[0] * 1e3, iso[0] * 1e3,
               iso[0] / in[0]);
    } else {
        printf("%-40s (no sox: not measured)\n", "FLAC read through sndfile");
    }
    return 0;
}
