/* SPDX-License-Identifier: MIT */
/*
 * plugins.c - the plugin list: every plugin file on the plugin directories,
 * every plugin and global procedure listed in the registry states (the
 * user's and the machine's), and the plugins an application loaded itself,
 * each with the checker's verdict.
 *
 * Nothing happens at start-up.  The first lookup miss (or an explicit call)
 * builds the list (rebuild.c).  A later miss rebuilds it only when a state
 * file or a plugin directory changed (one stat each, here), which is how a
 * running program sees an install.
 *
 * Plugins are heap objects with a reference count: a thread that works on
 * one without the lock (loading it, enumerating it) holds a reference, so a
 * rebuild that drops it from the list never frees it under that thread.
 */
#define _GNU_SOURCE
#include "loader.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mmio_host plugin_host = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .cond = PTHREAD_COND_INITIALIZER,
};

struct mmio_plugin *mmio_plugin_new(const char *path, const char *symbol)
{
    struct mmio_plugin *p = mmio_sys_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->path = mmio_sys_strdup(path);
    p->symbol = symbol ? mmio_sys_strdup(symbol) : NULL;
    p->kind = symbol ? KIND_PROC : KIND_PLUGIN;
    p->refs = 1;
    if (!p->path || (symbol && !p->symbol)) {
        free(p->path);
        free(p->symbol);
        free(p);
        return NULL;
    }
    return p;
}

/* The thread holding plugin_host.lock (the address of a thread-local of
 * its own), 0 when none: only for assertions. */
static _Atomic uintptr_t lock_holder;
static _Thread_local char this_thread;

void mmio_host_lock(void)
{
    pthread_mutex_lock(&plugin_host.lock);
    atomic_store(&lock_holder, (uintptr_t)&this_thread);
}

void mmio_host_unlock(void)
{
    MMIO_ASSERT_HOST_LOCKED();
    atomic_store(&lock_holder, 0);
    pthread_mutex_unlock(&plugin_host.lock);
}

void mmio_host_wait(void)
{
    MMIO_ASSERT_HOST_LOCKED();
    atomic_store(&lock_holder, 0);
    pthread_cond_wait(&plugin_host.cond, &plugin_host.lock);
    atomic_store(&lock_holder, (uintptr_t)&this_thread);
}

int mmio_host_held(void)
{
    return atomic_load(&lock_holder) == (uintptr_t)&this_thread;
}

void mmio_plugin_unref_locked(struct mmio_plugin *p)
{
    MMIO_ASSERT_HOST_LOCKED();
    if (!p || --p->refs > 0)
        return;
    /* A loaded plugin stays mapped: its code may still be in use. */
    free(p->path);
    free(p->symbol);
    free(p->shadow_why);
    free(p->options);
    free(p->targets);
    free(p->procs);
    mmio_check_free(&p->chk);
    free(p);
}

int mmio_plugin_has(const struct mmio_plugin *p, FOURCC fcc)
{
    for (size_t i = 0; p->chk.fourccs && p->chk.fourccs[i]; i++)
        if (p->chk.fourccs[i] == fcc)
            return 1;
    return 0;
}

UINT mmio_plugin_shown_state(const struct mmio_plugin *p, const char **why)
{
    *why = p->chk.reason ? p->chk.reason : "";
    if (p->ntargets)
        return MMIO_PLUGIN_LOADED;
    if (p->chk.state != MMIO_PLUGIN_AVAILABLE)
        return p->chk.state;
    if (p->disabled) {
        *why = "enabled = no in plugins.conf";
        return MMIO_PLUGIN_DISABLED;
    }
    if (p->shadowed) {
        *why = p->shadow_why ? p->shadow_why
                             : "another plugin of the same name comes first";
        return MMIO_PLUGIN_REFUSED;
    }
    static _Thread_local char crash_why[500];
    if (mmio_crash_known_locked(p, crash_why, sizeof crash_why)) {
        *why = crash_why;
        return MMIO_PLUGIN_CRASHED;
    }
    return MMIO_PLUGIN_AVAILABLE;
}

const char *mmio_host_state_path_locked(int machine)
{
    MMIO_ASSERT_HOST_LOCKED();
    return machine ? plugin_host.cfg.system_state_path
                   : plugin_host.cfg.state_path;
}

MMRESULT mmio_host_load_config(void)
{
    while (!plugin_host.config_loaded) {
        unsigned gen = plugin_host.config_gen;
        char *file = NULL;
        if (plugin_host.config_file &&
            !(file = mmio_sys_strdup(plugin_host.config_file)))
            return MMSYSERR_NOMEM; /* never the default file instead */
        mmio_host_unlock();
        struct mmio_config cfg;
        mmio_config_load(file, &cfg);
        free(file);
        mmio_host_lock();
        if (plugin_host.config_loaded || gen != plugin_host.config_gen) {
            /* someone else was quicker, or it changed */
            mmio_config_free(&cfg);
            continue;
        }
        if (cfg.failed) {
            int err = cfg.failed;
            mmio_config_free(&cfg);
            return err == ENOMEM ? MMSYSERR_NOMEM : MMIOERR_CANNOTREAD;
        }
        plugin_host.cfg = cfg;
        plugin_host.config_loaded = 1;
    }
    return MMSYSERR_NOERROR;
}

/* ---- staleness --------------------------------------------------------- */

static int same_stat(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
           a->st_size == b->st_size && mmio_mtime_ns(a) == mmio_mtime_ns(b) &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
           a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

void mmio_stat_or_zero(const char *path, struct stat *st)
{
    memset(st, 0, sizeof *st);
    if (path && stat(path, st) != 0)
        memset(st, 0, sizeof *st);
}

int mmio_host_stale_locked(void)
{
    MMIO_ASSERT_HOST_LOCKED();
    if (!plugin_host.listed || plugin_host.stale)
        return 1;
    struct stat st;
    for (int m = 0; m < 2; m++) {
        mmio_stat_or_zero(mmio_host_state_path_locked(m), &st);
        if (!same_stat(&st, &plugin_host.state_seen[m]))
            return 1;
    }
    for (size_t d = 0; d < plugin_host.cfg.ndirs && d < plugin_host.ndirs_seen;
         d++) {
        mmio_stat_or_zero(plugin_host.cfg.dirs[d], &st);
        if (!same_stat(&st, &plugin_host.dirs_seen[d]))
            return 1;
    }
    return 0;
}
