/* SPDX-License-Identifier: MIT */
/* benchutil.h - what the benchmarks do alike: a clock, running a command
 * as a process of its own. */
#ifndef MMIO_BENCHUTIL_H
#define MMIO_BENCHUTIL_H

/* Seconds on the monotonic clock. */
double bench_now(void);

/* Runs argv (stdout to the descriptor out when >= 0, else /dev/null):
 * its wall seconds, its peak RSS in KiB in *rss_kib.  A command that
 * fails ends the benchmark (exit 1), saying which. */
double bench_run(char *const argv[], int out, long *rss_kib);

/* bench_run `repeat` times: the least wall seconds, the largest peak RSS
 * (KiB) in *rss_kib. */
double bench_best(char *const argv[], int repeat, long *rss_kib);

/* The benchmark's scratch directory (the caller makes it), and a file
 * in it: the answer is reused after 4 calls. */
extern char bench_dir[400];
const char *bench_in(const char *leaf);

/* system(cmd): its exit status, -1 when it did not exit. */
int bench_sh(const char *cmd);

#endif /* MMIO_BENCHUTIL_H */
