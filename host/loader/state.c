/* SPDX-License-Identifier: MIT */
/*
 * state.c - a registry state file: plugins installed for every program and
 * global procedures recorded by applications.
 *
 *   # libmmio registry state
 *   version 2
 *   plugin TAB /path/to/plugin.so TAB name
 *   proc TAB fourcc-hex TAB /path/to/lib.so TAB symbol
 *   crash TAB /path/to/plugin.so TAB size TAB mtime-ns TAB inode TAB
 *         unix-time TAB reason        (the user's: an isolated plugin's
 *                                       helper crashed; crash.c)
 *
 * Files of version 1 ("# libmmio global registry state 1") are read and
 * written back as version 2; a newer version or another format is reported
 * and never rewritten.  A change is a read-modify-write under an exclusive
 * lock on FILE.lock (mode 0600, so in the machine-wide setup only root can
 * take it), waited for at most LOCK_WAIT_MS; a lock, read or write that
 * fails fails the change and writes nothing.  The file is replaced
 * atomically, so readers never see half a file.
 */
#define _GNU_SOURCE
#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define STATE_MAGIC "# libmmio registry state"
#define STATE_MAGIC_V1 "# libmmio global registry state 1\n"
#define STATE_VERSION 2
#define STATE_CAP (4u << 20)
#define LOCK_WAIT_MS 5000

void mmio_state_free(struct mmio_state *st)
{
    for (size_t i = 0; i < st->nplugins; i++) {
        free(st->plugins[i].path);
        free(st->plugins[i].name);
    }
    free(st->plugins);
    for (size_t i = 0; i < st->nprocs; i++) {
        free(st->procs[i].lib);
        free(st->procs[i].symbol);
    }
    free(st->procs);
    for (size_t i = 0; i < st->ncrashes; i++) {
        free(st->crashes[i].path);
        free(st->crashes[i].why);
    }
    free(st->crashes);
    memset(st, 0, sizeof *st);
}

int mmio_state_add_plugin(struct mmio_state *st, const char *path,
                          const char *name)
{
    if (mmio_vec_reserve(&st->plugins, &st->capplugins, st->nplugins + 1,
                         sizeof *st->plugins) != 0)
        return -1;
    struct mmio_state_plugin *p = &st->plugins[st->nplugins];
    p->path = mmio_sys_strdup(path);
    p->name = mmio_sys_strdup(name ? name : "");
    if (!p->path || !p->name) {
        free(p->path);
        free(p->name);
        return -1;
    }
    st->nplugins++;
    return 0;
}

int mmio_state_add_proc(struct mmio_state *st, FOURCC fcc, const char *lib,
                        const char *symbol)
{
    if (mmio_vec_reserve(&st->procs, &st->capprocs, st->nprocs + 1,
                         sizeof *st->procs) != 0)
        return -1;
    struct mmio_state_proc *p = &st->procs[st->nprocs];
    p->fcc = fcc;
    p->lib = mmio_sys_strdup(lib);
    p->symbol = mmio_sys_strdup(symbol);
    if (!p->lib || !p->symbol) {
        free(p->lib);
        free(p->symbol);
        return -1;
    }
    st->nprocs++;
    return 0;
}

int mmio_state_add_crash(struct mmio_state *st,
                         const struct mmio_state_crash *c)
{
    if (mmio_vec_reserve(&st->crashes, &st->capcrashes, st->ncrashes + 1,
                         sizeof *st->crashes) != 0)
        return -1;
    struct mmio_state_crash *d = &st->crashes[st->ncrashes];
    *d = *c;
    d->path = mmio_sys_strdup(c->path);
    d->why = mmio_sys_strdup(c->why ? c->why : "");
    if (!d->path || !d->why) {
        free(d->path);
        free(d->why);
        return -1;
    }
    for (char *p = d->why; *p; p++)
        if (*p == '\t' || *p == '\n')
            *p = ' ';
    st->ncrashes++;
    return 0;
}

static int parse_lines(char *body, struct mmio_state *st)
{
    char *next;
    for (char *line = body; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *f[7] = {0};
        int nf = 0;
        for (char *p = line; p && nf < 7; nf++) {
            f[nf] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        int rc = 0;
        if (nf >= 2 && !strcmp(f[0], "plugin") && f[1][0] == '/')
            rc = mmio_state_add_plugin(st, f[1], nf >= 3 ? f[2] : "");
        else if (nf == 4 && !strcmp(f[0], "proc") && f[2][0] == '/')
            rc = mmio_state_add_proc(st, (FOURCC)strtoul(f[1], NULL, 16), f[2],
                                     f[3]);
        else if (nf == 7 && !strcmp(f[0], "crash") && f[1][0] == '/') {
            struct mmio_state_crash c = {0};
            c.path = f[1];
            c.key.size = strtoll(f[2], NULL, 10);
            c.key.mtime_ns = strtoll(f[3], NULL, 10);
            c.key.ino = strtoull(f[4], NULL, 10);
            c.when = strtoll(f[5], NULL, 10);
            c.why = f[6];
            rc = mmio_state_add_crash(st, &c);
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

int mmio_state_read(const char *file, struct mmio_state *st, char *why,
                    size_t whycap)
{
    memset(st, 0, sizeof *st);
    if (!file)
        return 0;
    char *text = mmio_read_trusted(file, STATE_CAP, NULL, why, whycap);
    if (!text)
        return errno == ENOENT ? 0 : -1;
    char *body = NULL;
    int version = -1;
    size_t ml = strlen(STATE_MAGIC);
    if (!strncmp(text, STATE_MAGIC_V1, strlen(STATE_MAGIC_V1))) {
        version = 1;
        body = text + strlen(STATE_MAGIC_V1);
    } else if (!strncmp(text, STATE_MAGIC "\nversion ", ml + 9)) {
        version = (int)strtol(text + ml + 9, NULL, 10);
        body = strchr(text + ml + 1, '\n');
        body = body ? body + 1 : NULL;
    } else if (text[0] == '\0') {
        version = STATE_VERSION; /* an empty file is an empty state */
        body = text;
    }
    int rc = 0;
    if (!body || version < 1 || version > STATE_VERSION) {
        if (version > STATE_VERSION)
            snprintf(why, whycap,
                     "%s: registry state version %d is newer than this "
                     "libmmio's (%d); it is left as it is",
                     file, version, STATE_VERSION);
        else
            snprintf(why, whycap,
                     "%s: not a registry state file; it is left as it is",
                     file);
        rc = -1;
    } else if (parse_lines(body, st) != 0) {
        snprintf(why, whycap, "%s: out of memory while reading", file);
        rc = -1;
    }
    if (rc != 0)
        mmio_state_free(st);
    free(text);
    return rc;
}

static int state_write(const char *file, const struct mmio_state *st)
{
    struct mmio_str b = {0};
    mmio_str_printf(&b, "%s\nversion %d\n", STATE_MAGIC, STATE_VERSION);
    for (size_t i = 0; i < st->nplugins; i++)
        mmio_str_printf(&b, "plugin\t%s\t%s\n", st->plugins[i].path,
                        st->plugins[i].name);
    for (size_t i = 0; i < st->nprocs; i++)
        mmio_str_printf(&b, "proc\t%08x\t%s\t%s\n", (unsigned)st->procs[i].fcc,
                        st->procs[i].lib, st->procs[i].symbol);
    for (size_t i = 0; i < st->ncrashes; i++) {
        const struct mmio_state_crash *c = &st->crashes[i];
        mmio_str_printf(&b, "crash\t%s\t%lld\t%lld\t%llu\t%lld\t%s\n", c->path,
                        (long long)c->key.size, (long long)c->key.mtime_ns,
                        (unsigned long long)c->key.ino, (long long)c->when,
                        c->why);
    }
    int rc = b.failed ? -1 : mmio_write_atomic(file, b.p, b.len, 0644);
    mmio_str_free(&b);
    return rc;
}

/* Opens and locks FILE.lock, waiting at most LOCK_WAIT_MS; -1 with why. */
static int take_lock(const char *file, char *why, size_t whycap)
{
    char lockpath[4200];
    int n = snprintf(lockpath, sizeof lockpath, "%s.lock", file);
    if (n < 0 || (size_t)n >= sizeof lockpath) {
        snprintf(why, whycap, "%s: path too long", file);
        return -1;
    }
    if (mmio_make_parent(lockpath, 0755) != 0) {
        snprintf(why, whycap, "cannot create the directory of %s: %s", lockpath,
                 strerror(errno));
        return -1;
    }
    int fd = mmio_sys_open(lockpath,
                           O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
                               O_NOCTTY | O_CLOEXEC,
                           0600);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        !mmio_owner_ok(&st) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        snprintf(why, whycap, "cannot use the lock file %s: %s", lockpath,
                 fd < 0 ? strerror(errno)
                        : "not a regular file of root or yours, or writable "
                          "by others");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    for (int waited = 0;; waited += 10) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return fd;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            snprintf(why, whycap, "cannot lock %s: %s", lockpath,
                     strerror(errno));
            break;
        }
        if (waited >= LOCK_WAIT_MS) {
            snprintf(why, whycap,
                     "%s is locked by another process; gave up after %d s",
                     lockpath, LOCK_WAIT_MS / 1000);
            break;
        }
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    close(fd);
    return -1;
}

int mmio_state_update(const char *file, mmio_state_edit edit, void *ctx,
                      char *why, size_t whycap)
{
    if (!file) {
        snprintf(why, whycap, "no registry state file is configured");
        return -1;
    }
    int fd = take_lock(file, why, whycap);
    if (fd < 0)
        return -1;
    struct mmio_state st;
    int rc = mmio_state_read(file, &st, why, whycap);
    if (rc == 0) {
        rc = edit(&st, ctx);
        if (rc > 0) {
            rc = state_write(file, &st);
            if (rc != 0)
                snprintf(why, whycap, "cannot write %s: %s", file,
                         strerror(errno));
        } else if (rc == 0) {
            rc = 1; /* nothing to change */
        } else {
            snprintf(why, whycap, "out of memory");
        }
        mmio_state_free(&st);
    }
    close(fd); /* releases the lock */
    return rc;
}
