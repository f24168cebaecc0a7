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

/* edit applied to this process's records (known here at once) and to the
 * user's state file: 0, or -1 with what failed in err. */
static int apply(mmio_state_edit edit, void *ctx, int load_config, char *err,
                 size_t cap)
{
    mmio_host_lock();
    if (load_config)
        mmio_host_load_config();
    edit(&plugin_host.crashes, ctx);
    char *state = plugin_host.cfg.state_path
                      ? mmio_sys_strdup(plugin_host.cfg.state_path)
                      : NULL;
    mmio_host_unlock();
    int rc = state ? mmio_state_update(state, edit, ctx, err, cap) : 0;
    free(state);
    return rc < 0 ? -1 : 0;
}

void mmio_crash_record(struct mmio_plugin *p, const char *why, char *err,
                       size_t errcap)
{
    struct mmio_state_crash c = {0};
    c.path = p->path;
    c.key = p->key;
    c.when = (int64_t)time(NULL);
    c.why = (char *)why;
    char failed[600];
    /* on the reaping thread: the configuration is loaded (a plugin ran) */
    if (apply(edit_add, &c, 0, failed, sizeof failed) != 0)
        snprintf(err, errcap, "cannot record the crash of %s: %s", p->path,
                 failed);
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
    char err[700];
    if (apply(edit_clear, (void *)path, 1, err, sizeof err) != 0)
        mmio_msg("cannot clear crash records: %s", err);
}
