/* SPDX-License-Identifier: MIT */
/* remoteutil.c - test servers for the remote suites (remoteutil.h). */
#define _GNU_SOURCE
#include "remoteutil.h"

#include "testutil.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SOURCE_DIR
#define SOURCE_DIR "."
#endif

/* A process that stops the server once `watched` is gone: by its script
 * while its directory is there, else (a failed test's scratch directory
 * is removed as it ends) by the pids its pid files held at start. */
static void watchdog(const struct srv *s, pid_t watched)
{
    pid_t pids[16];
    int n = 0;
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cat '%s'/*.pid '%s'/run/*.pid 2>/dev/null",
             s->dir, s->dir);
    FILE *p = popen(cmd, "r");
    char line[64];
    while (p && n < 16 && fgets(line, sizeof line, p)) {
        long v = strtol(line, NULL, 10);
        if (v > 1)
            pids[n++] = (pid_t)v;
    }
    if (p)
        pclose(p);
    if (fork() != 0)
        return;
    setsid();
    while (kill(watched, 0) == 0)
        usleep(100000);
    if (access(s->dir, F_OK) == 0) {
        execlp("bash", "bash", s->script, "stop", s->dir, (char *)NULL);
        _exit(1);
    }
    for (int i = 0; i < n; i++)
        kill(pids[i], SIGTERM);
    usleep(500000);
    for (int i = 0; i < n; i++)
        kill(pids[i], SIGKILL);
    _exit(0);
}

int srv_start(struct srv *s, const char *script, const char *dir)
{
    snprintf(s->script, sizeof s->script, "%s/tests/servers/%s.sh", SOURCE_DIR,
             script);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    int rc = tu_capture(s->out, sizeof s->out,
                        "mkdir -p '%s' && bash '%s' start '%s' 2>&1", s->dir,
                        s->script, s->dir);
    if (rc == 77)
        return 77;
    ck_assert_msg(rc == 0, "%s start: %s", script, s->out);
    watchdog(s, getpid());
    return 0;
}

const char *srv_get(const struct srv *s, const char *key)
{
    static char value[512];
    char want[64];
    snprintf(want, sizeof want, "%s=", key);
    value[0] = '\0';
    for (const char *p = s->out; p && *p;
         p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (!strncmp(p, want, strlen(want))) {
            const char *v = p + strlen(want);
            snprintf(value, sizeof value, "%.*s", (int)strcspn(v, "\n"), v);
            break;
        }
    return value;
}

void srv_stop(struct srv *s)
{
    tu_shell("bash '%s' stop '%s' >/dev/null 2>&1", s->script, s->dir);
}

pid_t faulty_start(const char *endpoint, const char *mode, long n, int delay_ms,
                   char *out, size_t cap)
{
    const char *colon = strrchr(endpoint, ':');
    ck_assert_ptr_nonnull(colon);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    char port[16], count[32], delay[16], parent[16];
    snprintf(port, sizeof port, "%ld", strtol(colon + 1, NULL, 10));
    snprintf(count, sizeof count, "%ld", n);
    snprintf(delay, sizeof delay, "%d", delay_ms);
    snprintf(parent, sizeof parent, "%d", (int)getpid());
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        if (!freopen("/dev/null", "w", stderr))
            _exit(1);
        execlp("python3", "python3", SOURCE_DIR "/tests/servers/faulty.py",
               port, mode, count, "--delay", delay, "--parent", parent,
               (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char line[256] = "";
    size_t len = 0;
    while (len < sizeof line - 1) {
        ssize_t r = read(fds[0], line + len, 1);
        if (r <= 0 || line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    close(fds[0]);
    ck_assert_msg(!strncmp(line, "endpoint=", 9), "faulty.py: '%s'", line);
    snprintf(out, cap, "%s", line + 9);
    return pid;
}

void faulty_stop(pid_t pid)
{
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

char *read_all(const char *name, long *n)
{
    char copy[1200];
    snprintf(copy, sizeof copy, "%s", name);
    MMIOINFO info = {0};
    HMMIO h = mmioOpen(copy, &info, MMIO_READ);
    ck_assert_msg(h != NULL, "cannot open %s: %u", name, info.wErrorRet);
    long cap = 1 << 20, len = 0;
    char *buf = malloc((size_t)cap);
    LONG r;
    while ((r = mmioRead(h, buf + len, 30000 < cap - len ? 30000 : cap - len)) >
           0)
        if ((len += r) == cap)
            buf = realloc(buf, (size_t)(cap *= 2));
    ck_assert_int_eq(r, 0);
    mmioClose(h, 0);
    *n = len;
    return buf;
}

void same_as(const char *name, const char *local)
{
    long a, b;
    char *got = read_all(name, &a), *want = tu_slurp(local, &b);
    ck_assert_msg(a == b && memcmp(got, want, (size_t)a) == 0,
                  "%s: %ld bytes, %s %ld", name, a, local, b);
    free(got);
    free(want);
}

void random_reads_match(const char *name, const char *local, int count)
{
    long n;
    char *want = tu_slurp(local, &n), copy[1200];
    snprintf(copy, sizeof copy, "%s", name);
    HMMIO h = mmioOpen(copy, NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    static char buf[4096];
    srand(7);
    for (int i = 0; i < count; i++) {
        long at = n > 4096 ? rand() % (n - 4096) : 0;
        long want_n = n - at < 4096 ? n - at : 4096;
        ck_assert_int_eq(mmioSeek(h, (LONG)at, SEEK_SET), at);
        ck_assert_int_eq(mmioRead(h, buf, (LONG)want_n), want_n);
        ck_assert_msg(memcmp(buf, want + at, (size_t)want_n) == 0, "%s at %ld",
                      name, at);
    }
    /* SEEK_END counts back from the end */
    ck_assert_int_eq(mmioSeek(h, 10, SEEK_END), n - 10);
    ck_assert_int_eq(mmioRead(h, buf, 100), 10);
    ck_assert_int_eq(memcmp(buf, want + n - 10, 10), 0);
    mmioClose(h, 0);
    free(want);
}

long lines_with(const char *file, const char *text)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return 0;
    char line[8192];
    long n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, text) != NULL;
    fclose(f);
    return n;
}
