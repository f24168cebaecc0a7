/* SPDX-License-Identifier: MIT */
/* benchutil.c - what the benchmarks do alike (benchutil.h). */
#define _GNU_SOURCE
#include "benchutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_run(char *const argv[], int out, long *rss_kib)
{
    double t0 = bench_now();
    pid_t pid = fork();
    if (pid == 0) {
        int fd = out >= 0 ? out : open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    struct rusage ru;
    wait4(pid, &st, 0, &ru);
    double t = bench_now() - t0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "bench: %s %s failed\n", argv[0],
                argv[1] ? argv[1] : "");
        exit(1);
    }
    *rss_kib = ru.ru_maxrss;
    return t;
}

double bench_best(char *const argv[], int repeat, long *rss_kib)
{
    double best = 1e9;
    *rss_kib = 0;
    for (int i = 0; i < repeat; i++) {
        long rss;
        double t = bench_run(argv, -1, &rss);
        if (t < best)
            best = t;
        if (rss > *rss_kib)
            *rss_kib = rss;
    }
    return best;
}

char bench_dir[400];

const char *bench_in(const char *leaf)
{
    static char out[4][600];
    static int turn;
    turn = (turn + 1) % 4;
    snprintf(out[turn], sizeof out[turn], "%s/%s", bench_dir, leaf);
    return out[turn];
}

int bench_sh(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
