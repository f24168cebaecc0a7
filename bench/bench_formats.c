/* SPDX-License-Identifier: MIT */
/*
 * bench_formats - the bundled format plugins against the tools of their
 * formats, in one run: a 64 MiB deflated ZIP member against `unzip -p`, a
 * 64 MiB gzip file against `gzip -dc`, and (when the sndfile plugin is
 * built) a FLAC file against `flac -d -c`; then composition: the same
 * member read through a ZIP stored inside another ZIP against the direct
 * read, and the FLAC read out of a ZIP against the plain FLAC (both sides
 * ours).  Each read runs in a process of
 * its own so its peak RSS is its own; times are wall-clock, best of 3;
 * ratios are ours / theirs (<= 1.0: as fast or faster).  Then 1000 random
 * seek+read pairs in the ZIP member with checkpoints, against restarting
 * the stream from the start for each (a fresh open).
 *
 *   bench_formats [DIR]     (default: $TMPDIR or /tmp)
 */
#define _GNU_SOURCE
#include "mmio.h"

#include "benchutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIZE (64L << 20)
#define REPEAT 3

/* The child side: reads NAME to its end in 64 KiB requests and prints the
 * milliseconds to the first 4 KiB. */
static int read_child(const char *config, const char *name)
{
    if (mmioExtConfigure(config) != 0)
        return 1;
    char copy[600];
    snprintf(copy, sizeof copy, "%s", name);
    static char buf[65536];
    double t0 = bench_now();
    HMMIO h = mmioOpen(copy, NULL, MMIO_READ);
    if (!h || mmioRead(h, buf, 4096) != 4096)
        return 1;
    double first = bench_now() - t0;
    long total = 4096, r;
    while ((r = mmioRead(h, buf, sizeof buf)) > 0)
        total += r;
    mmioClose(h, 0);
    printf("%.3f %ld\n", first * 1e3, total);
    return r == 0 ? 0 : 1;
}

struct result {
    double t, first_ms;
    long rss;
};

static struct result ours(const char *self, const char *name)
{
    struct result best = {1e9, 1e9, 0};
    for (int i = 0; i < REPEAT; i++) {
        int fds[2];
        if (pipe(fds) != 0)
            exit(1);
        char *argv[] = {(char *)self, "--read", (char *)bench_in("bench.conf"),
                        (char *)name, NULL};
        long rss;
        double t = bench_run(argv, fds[1], &rss);
        close(fds[1]);
        char line[64] = "";
        ssize_t n = read(fds[0], line, sizeof line - 1);
        close(fds[0]);
        double first = n > 0 ? strtod(line, NULL) : 1e9;
        if (t < best.t)
            best.t = t;
        if (first < best.first_ms)
            best.first_ms = first;
        if (rss > best.rss)
            best.rss = rss;
    }
    return best;
}

static struct result theirs(char *const argv[])
{
    struct result best = {0, 0, 0};
    best.t = bench_best(argv, REPEAT, &best.rss);
    return best;
}

static void row(const char *what, struct result o, struct result t)
{
    printf("%-22s %8.3f s %8.3f s %6.2fx   %7.1f MiB %7.1f MiB   %6.2f ms\n",
           what, o.t, t.t, o.t / t.t, (double)o.rss / 1024,
           (double)t.rss / 1024, o.first_ms);
}

static void text_file(const char *path, long n)
{
    FILE *f = fopen(path, "wb");
    unsigned x = 12345;
    for (long i = 0; i < n && f; i++) {
        x = x * 1103515245u + 12345u;
        putc('a' + (int)((x >> 16) % 20), f);
    }
    if (!f || fclose(f) != 0)
        exit(1);
}

static void seeks(const char *name)
{
    char copy[600];
    snprintf(copy, sizeof copy, "%s", name);
    static char buf[4096];
    unsigned x = 7;
    HMMIO h = mmioOpen(copy, NULL, MMIO_READ);
    double t0 = bench_now();
    for (int i = 0; i < 1000; i++) {
        x = x * 1103515245u + 12345u;
        long at = (long)((x >> 4) % (unsigned long)(SIZE - 4096));
        if (mmioSeek(h, at, SEEK_SET) != at || mmioRead(h, buf, 4096) != 4096)
            exit(1);
    }
    double cp = (bench_now() - t0) / 1000;
    mmioClose(h, 0);
    enum { RESTARTS = 20 };
    t0 = bench_now();
    for (int i = 0; i < RESTARTS; i++) {
        x = x * 1103515245u + 12345u;
        long at = (long)((x >> 4) % (unsigned long)(SIZE - 4096));
        h = mmioOpen(copy, NULL, MMIO_READ);
        if (!h || mmioSeek(h, at, SEEK_SET) != at ||
            mmioRead(h, buf, 4096) != 4096)
            exit(1);
        mmioClose(h, 0);
    }
    double rs = (bench_now() - t0) / RESTARTS;
    printf("\nrandom seek+read 4 KiB in the ZIP member (1000 with checkpoints, "
           "%d restarted):\n  checkpointed %.3f ms each, restarting %.3f ms "
           "each: %.1fx faster\n",
           RESTARTS, cp * 1e3, rs * 1e3, rs / cp);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--read") == 0)
        return read_child(argv[2], argv[3]);
    const char *base = argc > 1 ? argv[1] : getenv("TMPDIR");
    snprintf(bench_dir, sizeof bench_dir, "%s/bench_formats.XXXXXX",
             base ? base : "/tmp");
    if (!mkdtemp(bench_dir))
        return 1;
    char conf[1200], cmd[1600];
    snprintf(conf, sizeof conf,
             "[host]\nplugin_dir = %s\ncache = %s\nstate = %s\n"
             "system_state = %s\n",
             BUNDLED_PLUGIN_DIR, bench_in("cache"), bench_in("state"),
             bench_in("machine.state"));
    FILE *f = fopen(bench_in("bench.conf"), "w");
    if (!f || fputs(conf, f) < 0 || fclose(f) != 0)
        return 1;
    if (mmioExtConfigure(bench_in("bench.conf")) != 0)
        return 1;
    text_file(bench_in("big.txt"), SIZE);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && zip -q big.zip big.txt && gzip -c big.txt > big.gz "
             "&& zip -q -0 outer.zip big.zip",
             bench_dir);
    if (bench_sh(cmd) != 0)
        return 1;
    char self[600];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return 1;
    self[n] = 0;

    int composed = 0;
    struct result flac_row = {0}, flac_plain = {0};
    printf("read to the end             ours     theirs  ratio   ours RSS  "
           "their RSS   first 4 KiB\n");
    char zname[600], gzname[600];
    snprintf(zname, sizeof zname, "%s+big.txt", bench_in("big.zip"));
    snprintf(gzname, sizeof gzname, "%s+", bench_in("big.gz"));
    char *unzip[] = {"unzip", "-p", (char *)bench_in("big.zip"), "big.txt",
                     NULL};
    row("zip vs unzip -p", ours(self, zname), theirs(unzip));
    char *gunzip[] = {"gzip", "-dc", (char *)bench_in("big.gz"), NULL};
    row("gz vs gzip -dc", ours(self, gzname), theirs(gunzip));
    if (bench_sh("command -v flac >/dev/null && command -v sox >/dev/null") ==
            0 &&
        access(BUNDLED_PLUGIN_DIR "/sndfile.so", R_OK) == 0) {
        /* 6 minutes of 44.1 kHz stereo noise-and-tone: about 60 MiB */
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && sox -q -n -r 44100 -c 2 -b 16 song.flac synth "
                 "360 sine 440 pinknoise vol 0.5",
                 bench_dir);
        if (bench_sh(cmd) == 0) {
            char fname[600];
            snprintf(fname, sizeof fname, "%s+", bench_in("song.flac"));
            char *flac[] = {
                "flac", "-d", "-s", "-c", (char *)bench_in("song.flac"), NULL};
            struct result plain = ours(self, fname);
            row("flac vs flac -d -c", plain, theirs(flac));
            snprintf(cmd, sizeof cmd,
                     "cd '%s' && zip -q -0 songs.zip song.flac", bench_dir);
            if (bench_sh(cmd) == 0) {
                char nested[700];
                snprintf(nested, sizeof nested, "%s+song.flac+",
                         bench_in("songs.zip"));
                composed = 1;
                flac_row = ours(self, nested);
                flac_plain = plain;
            }
        }
    }
    /* composition: both sides ours */
    char outer[700];
    snprintf(outer, sizeof outer, "%s+big.zip+big.txt", bench_in("outer.zip"));
    printf("\ncomposed (ours) vs direct (ours)\n");
    row("zip-in-zip vs zip", ours(self, outer), ours(self, zname));
    if (composed)
        row("flac-in-zip vs flac", flac_row, flac_plain);
    seeks(zname);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", bench_dir);
    return bench_sh(cmd) == 0 ? 0 : 1;
}
