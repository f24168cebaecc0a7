/* SPDX-License-Identifier: MIT */
/*
 * sys.c - the fault seam: every system call and allocation of the library
 * that can fail, in one place (SQLite's aSyscall[] idea).  In a normal
 * build each is the libc call; with MMIO_FAULTS a test can make the Nth
 * call of one fail (fault.h), so every error path can be executed.
 */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef MMIO_FAULTS
#include "fault.h"

#include <pthread.h>
#include <stdatomic.h>

static const char *const call_names[MMIO_SYS_NCALLS] = {
    "open",   "read",   "write",  "pread",  "pwrite",  "fsync",
    "rename", "linkat", "malloc", "calloc", "realloc", "strdup"};

static struct {
    atomic_long calls[MMIO_SYS_NCALLS];
    /* armed: fail call number at[c] (counted from the arm), and every
     * later one when sticky[c]; 0: not armed */
    atomic_long at[MMIO_SYS_NCALLS];
    atomic_int sticky[MMIO_SYS_NCALLS];
    atomic_int err[MMIO_SYS_NCALLS];
    atomic_long fired;
} faults;

static int call_of(const char *name, size_t len)
{
    for (int c = 0; c < MMIO_SYS_NCALLS; c++)
        if (strlen(call_names[c]) == len &&
            strncmp(call_names[c], name, len) == 0)
            return c;
    return -1;
}

static int errno_of(const char *s)
{
    static const struct {
        const char *name;
        int value;
    } names[] = {{"EIO", EIO},       {"ENOSPC", ENOSPC}, {"EACCES", EACCES},
                 {"ENOMEM", ENOMEM}, {"EPERM", EPERM},   {"ENOENT", ENOENT},
                 {"EINTR", EINTR},   {"EFBIG", EFBIG},   {"EXDEV", EXDEV},
                 {"EEXIST", EEXIST}, {"EROFS", EROFS},   {"EDQUOT", EDQUOT}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i].name, s) == 0)
            return names[i].value;
    char *end;
    long v = strtol(s, &end, 10);
    return (*s && !*end && v > 0 && v < 4096) ? (int)v : -1;
}

static void disarm(void)
{
    for (int c = 0; c < MMIO_SYS_NCALLS; c++) {
        atomic_store(&faults.at[c], 0);
        atomic_store(&faults.calls[c], 0);
    }
    atomic_store(&faults.fired, 0);
}

int mmio_fault_arm(const char *spec)
{
    disarm();
    if (!spec || !*spec)
        return 0;
    char copy[512];
    size_t len = strlen(spec);
    if (len >= sizeof copy)
        return -1;
    memcpy(copy, spec, len + 1);
    long at[MMIO_SYS_NCALLS] = {0};
    int sticky[MMIO_SYS_NCALLS] = {0}, err[MMIO_SYS_NCALLS] = {0};
    char *save = NULL;
    for (char *one = strtok_r(copy, ",", &save); one;
         one = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(one, ':');
        int c = colon ? call_of(one, (size_t)(colon - one)) : -1;
        if (c < 0)
            return -1;
        char *end;
        long n = strtol(colon + 1, &end, 10);
        if (n < 1 || end == colon + 1)
            return -1;
        at[c] = n;
        if (*end == '+') {
            sticky[c] = 1;
            end++;
        }
        err[c] = c >= MMIO_SYS_MALLOC ? ENOMEM : EIO;
        if (*end == ':') {
            if ((err[c] = errno_of(end + 1)) < 0)
                return -1;
        } else if (*end) {
            return -1;
        }
    }
    for (int c = 0; c < MMIO_SYS_NCALLS; c++) {
        atomic_store(&faults.sticky[c], sticky[c]);
        atomic_store(&faults.err[c], err[c]);
        atomic_store(&faults.at[c], at[c]);
    }
    return 0;
}

long mmio_fault_calls(const char *call)
{
    int c = call ? call_of(call, strlen(call)) : -1;
    return c < 0 ? -1 : atomic_load(&faults.calls[c]);
}

long mmio_fault_fired(void)
{
    return atomic_load(&faults.fired);
}

static void arm_from_environment(void)
{
    const char *spec = getenv("MMIO_FAULT");
    if (spec && *spec && mmio_fault_arm(spec) != 0)
        fprintf(stderr, "libmmio: MMIO_FAULT=%s does not parse; ignored\n",
                spec);
}

/* Nonzero (errno set) when this call of c is to fail. */
static int fail_now(enum mmio_sys_call c)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, arm_from_environment);
    long n = atomic_fetch_add(&faults.calls[c], 1) + 1;
    long at = atomic_load(&faults.at[c]);
    if (!at || n < at || (n > at && !atomic_load(&faults.sticky[c])))
        return 0;
    atomic_fetch_add(&faults.fired, 1);
    errno = atomic_load(&faults.err[c]);
    return 1;
}
#define FAIL(c, value)                                                         \
    do {                                                                       \
        if (fail_now(c))                                                       \
            return value;                                                      \
    } while (0)
#else
#define FAIL(c, value) ((void)0)
#endif

int mmio_errno_transient(int err)
{
    switch (err) {
    case ENOMEM:
    case EIO:
    case EINTR:
    case EAGAIN:
    case EMFILE:
    case ENFILE:
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return 1;
    default:
        return 0;
    }
}

int mmio_sys_open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    FAIL(MMIO_SYS_OPEN, -1);
    return open(path, flags, mode);
}

ssize_t mmio_sys_read(int fd, void *buf, size_t n)
{
    FAIL(MMIO_SYS_READ, -1);
    return read(fd, buf, n);
}

ssize_t mmio_sys_write(int fd, const void *buf, size_t n)
{
    FAIL(MMIO_SYS_WRITE, -1);
    return write(fd, buf, n);
}

ssize_t mmio_sys_pread(int fd, void *buf, size_t n, off_t at)
{
    FAIL(MMIO_SYS_PREAD, -1);
    return pread(fd, buf, n, at);
}

ssize_t mmio_sys_pwrite(int fd, const void *buf, size_t n, off_t at)
{
    FAIL(MMIO_SYS_PWRITE, -1);
    return pwrite(fd, buf, n, at);
}

int mmio_sys_fsync(int fd)
{
    FAIL(MMIO_SYS_FSYNC, -1);
    return fsync(fd);
}

int mmio_sys_rename(const char *from, const char *to)
{
    FAIL(MMIO_SYS_RENAME, -1);
    return rename(from, to);
}

int mmio_sys_linkat(int fromdir, const char *from, int todir, const char *to,
                    int flags)
{
    FAIL(MMIO_SYS_LINKAT, -1);
    return linkat(fromdir, from, todir, to, flags);
}

void *mmio_sys_malloc(size_t n)
{
    FAIL(MMIO_SYS_MALLOC, NULL);
    return malloc(n);
}

void *mmio_sys_calloc(size_t n, size_t size)
{
    FAIL(MMIO_SYS_CALLOC, NULL);
    return calloc(n, size);
}

void *mmio_sys_realloc(void *p, size_t n)
{
    FAIL(MMIO_SYS_REALLOC, NULL);
    return realloc(p, n);
}

char *mmio_sys_strdup(const char *s)
{
    FAIL(MMIO_SYS_STRDUP, NULL);
    return strdup(s);
}

char *mmio_strdup_opt(const char *s, int *failed)
{
    char *copy = s ? mmio_sys_strdup(s) : NULL;
    if (s && !copy)
        *failed = 1;
    return copy;
}
