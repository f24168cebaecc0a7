/* SPDX-License-Identifier: MIT */
/*
 * remoteutil.h - test servers for the remote suites: started by their
 * scripts (tests/servers/), stopped at the end or by a watchdog when the
 * test's process dies; the fault proxy; reading remote names whole.
 */
#ifndef MMIO_REMOTEUTIL_H
#define MMIO_REMOTEUTIL_H

#include <sys/types.h>

struct srv {
    char script[600]; /* tests/servers/NAME.sh */
    char dir[600];    /* its state */
    char out[2048];   /* what start printed: key=value lines */
};

/* Starts a server (script "http" or "s3") with its state in dir: 0, or
 * 77 when this machine cannot run it (the message says why in out). */
int srv_start(struct srv *s, const char *script, const char *dir);
/* The value start printed for key (a static copy), or "". */
const char *srv_get(const struct srv *s, const char *key);
void srv_stop(struct srv *s);

/* Starts the fault proxy (tests/servers/faulty.py) in front of the port
 * of endpoint: its pid, the proxy's endpoint in out. */
pid_t faulty_start(const char *endpoint, const char *mode, long n, int delay_ms,
                   char *out, size_t cap);
void faulty_stop(pid_t pid);

/* The whole of what name gives, read through mmio in 30000-byte reads
 * (fails the test when it cannot be opened or read). */
char *read_all(const char *name, long *n);
/* Fails the test unless name reads as local does. */
void same_as(const char *name, const char *local);
/* Reads name in random 4 KiB pieces and compares each with local. */
void random_reads_match(const char *name, const char *local, int count);

/* How many lines of file hold text. */
long lines_with(const char *file, const char *text);

#endif /* MMIO_REMOTEUTIL_H */
