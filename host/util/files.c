/* SPDX-License-Identifier: MIT */
/*
 * files.c - whole-file reads of files the library must trust (the scan
 * cache, the registry state) and atomic replacement of them.
 *
 * Everything read here is hostile until checked: the file is opened without
 * blocking (a FIFO cannot hang the reader), must be a regular file (not
 * /dev/zero behind a symlink), is size-capped, and must belong to root or
 * the effective user and be writable by nobody else.  /dev/null itself
 * reads as an empty file.
 */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int64_t mmio_mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

int mmio_owner_ok(const struct stat *st)
{
    return st->st_uid == 0 || st->st_uid == geteuid();
}

int mmio_make_parent(const char *path, mode_t mode)
{
    char dir[4096];
    int n = snprintf(dir, sizeof dir, "%s", path);
    if (n < 0 || (size_t)n >= sizeof dir)
        return -1;
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, mode) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return (mkdir(dir, mode) == 0 || errno == EEXIST) ? 0 : -1;
}

int mmio_write_atomic(const char *path, const char *data, size_t len,
                      mode_t mode)
{
    char tmp[4200];
    int n = snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof tmp || mmio_make_parent(path, 0755) != 0)
        return -1;
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t w = mmio_sys_write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    int ok = done == len && fchmod(fd, mode) == 0 && mmio_sys_fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || mmio_sys_rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static char *refuse(int err, char *why, size_t cap, const char *path,
                    const char *what)
{
    if (why && cap)
        snprintf(why, cap, "%s: %s", path, what);
    errno = err;
    return NULL;
}

char *mmio_read_trusted(const char *path, size_t cap, size_t *len, char *why,
                        size_t whycap)
{
    int fd = mmio_sys_open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        return refuse(err, why, whycap, path, strerror(err));
    }
    struct stat st;
    char detail[160];
    const char *bad = NULL;
    if (fstat(fd, &st) != 0)
        bad = "cannot stat";
    else if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
             minor(st.st_rdev) == 3) {
        /* /dev/null: the usual way to say "nothing" (ssh -F /dev/null) */
        close(fd);
        if (len)
            *len = 0;
        return mmio_sys_calloc(1, 1);
    } else if (!S_ISREG(st.st_mode))
        bad = "not a regular file; ignored";
    else if (!mmio_owner_ok(&st)) {
        snprintf(detail, sizeof detail,
                 "owned by uid %u, neither root nor you; ignored",
                 (unsigned)st.st_uid);
        bad = detail;
    } else if (st.st_mode & (S_IWGRP | S_IWOTH))
        bad = "writable by others; ignored";
    else if ((uint64_t)st.st_size > cap) {
        snprintf(detail, sizeof detail,
                 "%lld bytes, over the %zu-byte limit; ignored",
                 (long long)st.st_size, cap);
        bad = detail;
    }
    if (bad) {
        close(fd);
        return refuse(EPERM, why, whycap, path, bad);
    }
    char *buf = mmio_sys_malloc((size_t)st.st_size + 1);
    size_t n = 0;
    while (buf && n <= (size_t)st.st_size) {
        /* one byte more than the size: a file that grew is noticed */
        ssize_t r = mmio_sys_read(fd, buf + n, (size_t)st.st_size + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r < 0) {
                free(buf);
                buf = NULL;
            }
            break;
        }
        n += (size_t)r;
    }
    int err = errno;
    close(fd);
    if (!buf)
        return refuse(err ? err : ENOMEM, why, whycap, path, "cannot read");
    if (n > (size_t)st.st_size) {
        free(buf);
        return refuse(EAGAIN, why, whycap, path, "changed while read");
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}
