/* SPDX-License-Identifier: MIT */
/*
 * crash.c - isolated plugins that crashed at run time: each helper death is
 * recorded in the user's state (the file's identity, when, why), so every
 * program, and `mmiohost list` and `info`, know it; a plugin file with a
 * record is refused in-process (it would take the program down with it)
 * until the file changes or the record is cleared.
 */
#define _GNU_SOURCE
#include "loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int same_file(const struct mmio_state_crash *c,
                     const struct mmio_plugin *p)
{
    return !strcmp(c->path, p->path) && c->key.size == p->key.size &&
           c->key.mtime_ns == p->key.mtime_ns && c->key.ino == p->key.ino;
}

/* Replaces any record of the same path. */
static int put(struct mmio_state *st, const struct mmio_state_crash *c)
{
    for (size_t i = 0; i < st->ncrashes; i++)
        if (!strcmp(st->crashes[i].path, c->path)) {
            free(st->crashes[i].path);
            free(st->crashes[i].why);
            if (i < --st->ncrashes)
                st->crashes[i] = st->crashes[st->ncrashes];
            break;
        }
    return mmio_state_add_crash(st, c);
}

static int edit_add(struct mmio_state *st, void *ctx)
{
    return put(st, ctx) == 0 ? 1 : -1;
}

void mmio_crash_record(struct mmio_plugin *p, const char *why, char *err,
                       size_t errcap)
{
    struct mmio_state_crash c = {0};
    c.path = p->path;
    c.key = p->key;
    c.when = (int64_t)time(NULL);
    c.why = (char *)why;
    mmio_host_lock();
    put(&plugin_host.crashes, &c); /* known here at once */
    char *state = plugin_host.cfg.state_path
                      ? mmio_sys_strdup(plugin_host.cfg.state_path)
                      : NULL;
    mmio_host_unlock();
    char failed[600];
    if (state &&
        mmio_state_update(state, edit_add, &c, failed, sizeof failed) < 0)
        snprintf(err, errcap, "cannot record the crash of %s: %s", p->path,
                 failed);
    free(state);
}

int mmio_crash_known_locked(const struct mmio_plugin *p, char *why, size_t cap)
{
    MMIO_ASSERT_HOST_LOCKED();
    for (size_t i = 0; i < plugin_host.crashes.ncrashes; i++) {
        const struct mmio_state_crash *c = &plugin_host.crashes.crashes[i];
        if (!same_file(c, p))
            continue;
        char when[64] = "?";
        time_t t = (time_t)c->when;
        struct tm tm;
        if (localtime_r(&t, &tm))
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(why, cap, "crashed in its helper at %s: %s", when, c->why);
        return 1;
    }
    return 0;
}

static int edit_clear(struct mmio_state *st, void *ctx)
{
    const char *path = ctx;
    size_t k = 0;
    for (size_t i = 0; i < st->ncrashes; i++) {
        struct mmio_state_crash *c = &st->crashes[i];
        if (!path || !strcmp(c->path, path)) {
            free(c->path);
            free(c->why);
        } else {
            st->crashes[k++] = *c;
        }
    }
    int changed = k != st->ncrashes;
    st->ncrashes = k;
    return changed;
}

void mmio_crash_clear(const char *path)
{
    mmio_host_lock();
    mmio_host_load_config();
    edit_clear(&plugin_host.crashes, (void *)path);
    char *state = plugin_host.cfg.state_path
                      ? mmio_sys_strdup(plugin_host.cfg.state_path)
                      : NULL;
    mmio_host_unlock();
    char err[700];
    if (state &&
        mmio_state_update(state, edit_clear, (void *)path, err, sizeof err) < 0)
        mmio_msg("cannot clear crash records: %s", err);
    free(state);
}
