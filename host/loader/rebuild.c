/* SPDX-License-Identifier: MIT */
/*
 * rebuild.c - building the plugin list: the plugin directories, the
 * registry states (the machine's, then the user's) and the scan cache.
 * Unchanged files cost one stat and a cache look-up; changed ones are
 * checked (check.c).  Building runs without plugin_host.lock (it waits for
 * checkers); plugin_host.refreshing keeps it to one thread at a time, and the
 * new list is swapped in under the lock, keeping what is loaded.
 */
#define _GNU_SOURCE
#include "loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- rebuilding ---------------------------------------------------------- */

/* What a rebuild works from: copied under the lock, used without it. */
struct build {
    char **dirs;
    size_t ndirs;
    char *cache_path, *state_path[2];
    int timeout_ms;
    int force;
    struct mmio_plugin **old; /* referenced */
    size_t nold;
    struct mmio_cache cache;
    struct mmio_cache fresh; /* what goes back to the cache file */
    int checked;             /* files checked this time */
    struct mmio_plugin **out;
    unsigned *layers;
    size_t n, cap, caplayers;
    struct stat *dirs_seen;
    struct stat state_seen[2];
    struct mmio_state crashes; /* the user's state's crash records */
    struct mmio_trust_memo memo;
    size_t cache_hint, old_hint;
    /* 0, or why the list could not be built whole (MMSYSERR_NOMEM,
     * MMIOERR_CANNOTREAD): then the old list stays and nothing is cached */
    MMRESULT failed;
};

/* Records the first failure of the build; returns -1 for the caller. */
static int fail(struct build *b, MMRESULT why)
{
    if (!b->failed)
        b->failed = why;
    return -1;
}

static int is_entry(const struct mmio_plugin *p, const char *path,
                    const char *symbol)
{
    return mmio_same_entry(p->path, p->symbol, path, symbol);
}

struct wanted {
    struct mmio_plugin *const *list;
    const char *path, *symbol;
};

static int list_entry_is(size_t i, const void *ctx)
{
    const struct wanted *w = ctx;
    return is_entry(w->list[i], w->path, w->symbol);
}

/* The entry for path (and symbol) in list; *hint is where to look first. */
static struct mmio_plugin *find_in(struct mmio_plugin **list, size_t n,
                                   const char *path, const char *symbol,
                                   size_t *hint)
{
    struct wanted w = {list, path, symbol};
    size_t i = mmio_find_hinted(n, hint, list_entry_is, &w);
    return i < n ? list[i] : NULL;
}

/* Marks a list entry taken over from the old list (layers' top bit). */
#define REUSED (1u << 31)

static int push_out(struct build *b, struct mmio_plugin *p, unsigned layer)
{
    if (mmio_vec_reserve(&b->layers, &b->caplayers, b->n + 1,
                         sizeof *b->layers) != 0 ||
        mmio_ptrs_push(&b->out, &b->n, &b->cap, p) != 0)
        return fail(b, MMSYSERR_NOMEM);
    b->layers[b->n - 1] = 1u << layer;
    return 0;
}

/* Remembers a verdict for the cache file (environment faults never). */
static void remember(struct build *b, const struct mmio_plugin *p)
{
    if (p->chk.fault >= FAULT_ENV || !p->chk.reason ||
        mmio_vec_reserve(&b->fresh.e, &b->fresh.cap, b->fresh.n + 1,
                         sizeof *b->fresh.e) != 0)
        return;
    struct mmio_cache_entry *e = &b->fresh.e[b->fresh.n];
    memset(e, 0, sizeof *e);
    e->path = mmio_sys_strdup(p->path);
    e->symbol = p->symbol ? mmio_sys_strdup(p->symbol) : NULL;
    e->key = p->key;
    if (!e->path || mmio_check_copy(&e->chk, &p->chk) != 0) {
        free(e->path);
        free(e->symbol);
        return;
    }
    b->fresh.n++;
}

/* Whether a cached verdict still stands for this process: a hang found
 * under a shorter time limit than ours is checked again. */
static int verdict_usable(const struct mmio_check *c, int timeout_ms)
{
    if (c->state == MMIO_PLUGIN_BROKEN && strncmp(c->reason, "hung", 4) == 0)
        return c->timeout_ms >= timeout_ms;
    return c->fault < FAULT_ENV;
}

/* One file (a plugin, or a library with a procedure symbol) found in
 * `layer`: reused, taken from the cache, or checked now. */
static void take(struct build *b, const char *path, const char *symbol,
                 FOURCC proc_fcc, unsigned layer)
{
    char real[4096], why[4400];
    struct stat st;
    int trusted = mmio_trust_file(path, real, sizeof real, &st, &b->memo, why,
                                  sizeof why);
    const char *key_path = trusted == 0 ? real : path;
    /* Found twice (in a state and a directory, or through a symlink): one
     * entry.  Files of one directory listing are distinct already. */
    int may_repeat = layer != MMIO_LAYER_PATH || strcmp(key_path, path) != 0;
    for (size_t i = 0; may_repeat && i < b->n; i++)
        if (is_entry(b->out[i], key_path, symbol)) {
            b->layers[i] |= 1u << layer;
            return;
        }
    struct mmio_plugin *old =
        find_in(b->old, b->nold, key_path, symbol, &b->old_hint);
    struct mmio_key key;
    if (trusted == 0)
        mmio_key_of(&key, &st);
    if (old && trusted == 0 && !b->force && mmio_key_eq(&old->key, &key) &&
        verdict_usable(&old->chk, b->timeout_ms)) {
        if (push_out(b, old, layer) == 0) {
            b->layers[b->n - 1] |= REUSED; /* referenced when swapped in */
            remember(b, old);
        }
        return;
    }
    struct mmio_plugin *p = mmio_plugin_new(key_path, symbol);
    if (!p) {
        fail(b, MMSYSERR_NOMEM);
        return;
    }
    p->proc_fcc = proc_fcc;
    if (trusted != 0) {
        /* not checked, not cached: a refusal of this kind is cheap and
         * may be mended (a chmod) at any time */
        mmio_check_set(&p->chk, MMIO_PLUGIN_REFUSED, FAULT_PLUGIN, why);
        if (MMIO_DEBUGGING(MMIO_DEBUG_LOADER, 1))
            mmio_debug(MMIO_DEBUG_LOADER, "refused %s: %s", path, why);
    } else {
        p->key = key;
        const struct mmio_cache_entry *hit =
            b->force ? NULL
                     : mmio_cache_find(&b->cache, real, symbol, &b->cache_hint);
        if (!(hit && mmio_key_eq(&hit->key, &key) &&
              verdict_usable(&hit->chk, b->timeout_ms) &&
              mmio_check_copy(&p->chk, &hit->chk) == 0)) {
            mmio_check_run(real, symbol, b->timeout_ms, &p->chk);
            b->checked++;
            if (MMIO_DEBUGGING(MMIO_DEBUG_LOADER, 3))
                mmio_debug(MMIO_DEBUG_LOADER, "checked %s%s%s: %s%s%s", real,
                           symbol ? " " : "", symbol ? symbol : "",
                           p->chk.state == MMIO_PLUGIN_AVAILABLE ? "available"
                                                                 : "not usable",
                           p->chk.reason && *p->chk.reason ? ": " : "",
                           p->chk.reason ? p->chk.reason : "");
            /* a verdict this process failed to get (no memory, a pipe
             * that failed) says nothing of the plugin */
            if (p->chk.fault == FAULT_HOST) {
                mmio_msg("%s: not checked: %s", real, p->chk.reason);
                fail(b, MMSYSERR_ERROR);
            }
        } else if (MMIO_DEBUGGING(MMIO_DEBUG_LOADER, 3)) {
            mmio_debug(MMIO_DEBUG_LOADER, "cache hit %s", real);
        }
        if (symbol) { /* a procedure has no descriptor: describe it */
            free(p->chk.name);
            p->chk.name = mmio_sys_strdup(symbol);
            free(p->chk.fourccs);
            p->chk.fourccs = mmio_sys_calloc(2, sizeof(FOURCC));
            if (p->chk.fourccs)
                p->chk.fourccs[0] = proc_fcc;
            else
                fail(b, MMSYSERR_NOMEM);
            if (!p->chk.name)
                fail(b, MMSYSERR_NOMEM);
        }
        remember(b, p);
    }
    if (push_out(b, p, layer) != 0) {
        mmio_check_free(&p->chk);
        free(p->path);
        free(p->symbol);
        free(p);
    }
}

static void take_dirs(struct build *b)
{
    b->dirs_seen =
        mmio_sys_calloc(b->ndirs ? b->ndirs : 1, sizeof *b->dirs_seen);
    if (!b->dirs_seen)
        fail(b, MMSYSERR_NOMEM);
    for (size_t d = 0; d < b->ndirs; d++) {
        char why[700];
        if (b->dirs_seen)
            mmio_stat_or_zero(b->dirs[d], &b->dirs_seen[d]);
        int t = mmio_trust_dir(b->dirs[d], why, sizeof why);
        if (t == 1)
            continue; /* does not exist: holds no plugins */
        if (t != 0) {
            struct mmio_plugin *p = mmio_plugin_new(b->dirs[d], NULL);
            if (!p)
                fail(b, MMSYSERR_NOMEM);
            if (p) {
                mmio_check_set(&p->chk, MMIO_PLUGIN_REFUSED, FAULT_PLUGIN, why);
                if (push_out(b, p, MMIO_LAYER_PATH) != 0) {
                    mmio_check_free(&p->chk);
                    free(p->path);
                    free(p);
                }
            }
            continue;
        }
        char **paths = NULL, canon[4096];
        size_t n = 0;
        /* listed under its canonical name: its files' paths are canonical */
        const char *dir = realpath(b->dirs[d], canon) ? canon : b->dirs[d];
        int again = 0;
        for (size_t e = 0; e < d && !again; e++) {
            char other[4096];
            again = realpath(b->dirs[e], other) && !strcmp(other, dir);
        }
        if (again)
            continue; /* the same directory named twice */
        if (mmio_list_dir(dir, &paths, &n) != 0) {
            mmio_msg("%s: cannot list: %s", dir, strerror(errno));
            if (mmio_errno_transient(errno))
                fail(b, errno == ENOMEM ? MMSYSERR_NOMEM : MMIOERR_CANNOTREAD);
        }
        for (size_t i = 0; i < n; i++) {
            take(b, paths[i], NULL, 0, MMIO_LAYER_PATH);
            free(paths[i]);
        }
        free(paths);
    }
}

static void take_states(struct build *b)
{
    for (int m = 1; m >= 0; m--) { /* the machine's first */
        const char *file = b->state_path[m];
        mmio_stat_or_zero(file, &b->state_seen[m]);
        struct mmio_state st;
        char why[700];
        if (mmio_state_read(file, &st, why, sizeof why) != 0) {
            mmio_msg("%s", why);
            if (mmio_errno_transient(errno))
                fail(b, errno == ENOMEM ? MMSYSERR_NOMEM : MMIOERR_CANNOTREAD);
            continue;
        }
        unsigned layer = m ? MMIO_LAYER_MACHINE : MMIO_LAYER_USER;
        for (size_t i = 0; i < st.nplugins; i++)
            take(b, st.plugins[i].path, NULL, 0, layer);
        for (size_t i = 0; i < st.nprocs; i++)
            take(b, st.procs[i].lib, st.procs[i].symbol, st.procs[i].fcc,
                 layer);
        if (m == 0) { /* kept: crash.c reads them */
            b->crashes.crashes = st.crashes;
            b->crashes.ncrashes = st.ncrashes;
            b->crashes.capcrashes = st.capcrashes;
            st.crashes = NULL;
            st.ncrashes = st.capcrashes = 0;
        }
        mmio_state_free(&st);
    }
}

static void free_build(struct build *b)
{
    for (size_t i = 0; i < b->ndirs; i++)
        free(b->dirs[i]);
    free(b->dirs);
    free(b->cache_path);
    free(b->state_path[0]);
    free(b->state_path[1]);
    mmio_cache_free(&b->cache);
    mmio_cache_free(&b->fresh);
    mmio_state_free(&b->crashes);
    free(b->out);
    free(b->layers);
    free(b->dirs_seen);
    free(b->old);
}

/* A copy of s (NULL stays NULL); a copy that failed fails the build. */
static char *dup_opt(struct build *b, const char *s)
{
    int failed = 0;
    char *copy = mmio_strdup_opt(s, &failed);
    if (failed)
        fail(b, MMSYSERR_NOMEM);
    return copy;
}

/* Copies what a rebuild needs; plugin_host.lock held. */
static int start_build(struct build *b, int force)
{
    memset(b, 0, sizeof *b);
    b->force = force;
    b->timeout_ms = plugin_host.cfg.scan_timeout_ms;
    b->cache_path = dup_opt(b, plugin_host.cfg.cache_path);
    b->state_path[0] = dup_opt(b, plugin_host.cfg.state_path);
    b->state_path[1] = dup_opt(b, plugin_host.cfg.system_state_path);
    b->dirs = mmio_sys_calloc(plugin_host.cfg.ndirs ? plugin_host.cfg.ndirs : 1,
                              sizeof *b->dirs);
    b->old = mmio_sys_calloc(plugin_host.n ? plugin_host.n : 1,
                             sizeof(struct mmio_plugin *));
    if (!b->dirs || !b->old)
        return fail(b, MMSYSERR_NOMEM);
    for (size_t i = 0; i < plugin_host.cfg.ndirs; i++)
        if ((b->dirs[b->ndirs] = dup_opt(b, plugin_host.cfg.dirs[i])) != NULL)
            b->ndirs++;
    if (b->failed)
        return -1;
    for (size_t i = 0; i < plugin_host.n; i++) {
        b->old[b->nold++] = plugin_host.list[i];
        plugin_host.list[i]->refs++;
    }
    return 0;
}

static int nameable(const struct mmio_plugin *p)
{
    return p->kind == KIND_PLUGIN && p->chk.name &&
           p->chk.state == MMIO_PLUGIN_AVAILABLE;
}

/* Applies plugins.conf and the first-name-wins rule; plugin_host.lock held.  It
 * allocates nothing it needs to decide (the pairwise walk costs less than
 * a millisecond for a thousand plugins), so memory running out can lose a
 * message's text, never a refusal. */
static void apply_config_locked(void)
{
    MMIO_ASSERT_HOST_LOCKED();
    for (size_t i = 0; i < plugin_host.n; i++) {
        struct mmio_plugin *p = plugin_host.list[i];
        const struct mmio_plugin_conf *pc =
            p->kind == KIND_PLUGIN
                ? mmio_config_plugin(&plugin_host.cfg, p->chk.name)
                : NULL;
        p->disabled = pc && pc->enabled == 0;
        free(p->shadow_why);
        p->shadow_why = NULL;
        p->shadowed = 0;
        if (!nameable(p) || p->ntargets)
            continue; /* loaded already: it stays what it is */
        const struct mmio_plugin *first = NULL;
        for (size_t j = 0; !first && j < i; j++)
            if (nameable(plugin_host.list[j]) &&
                strcmp(plugin_host.list[j]->chk.name, p->chk.name) == 0)
                first = plugin_host.list[j];
        if (!first)
            continue;
        char why[4400];
        snprintf(why, sizeof why, "another plugin named '%s' (%s) comes first",
                 p->chk.name, first->path);
        p->shadowed = 1; /* even when the text cannot be kept */
        p->shadow_why = mmio_sys_strdup(why);
    }
}

static int named_plugin_listed_locked(const char *name)
{
    for (size_t i = 0; i < plugin_host.n; i++)
        if (plugin_host.list[i]->kind == KIND_PLUGIN &&
            plugin_host.list[i]->chk.name &&
            !strcmp(plugin_host.list[i]->chk.name, name))
            return 1;
    return 0;
}

/* Names in plugins.conf's [plugin NAME] and [route] plugin = that no
 * listed plugin has (a typo does nothing, silently, otherwise): the text
 * for a person, once per configuration read.  plugin_host.lock held. */
static void unknown_names_locked(char *out, size_t cap)
{
    MMIO_ASSERT_HOST_LOCKED();
    struct mmio_config *c = &plugin_host.cfg;
    if (c->names_said)
        return;
    c->names_said = 1;
    const char *file = c->path ? c->path : "plugins.conf";
    size_t len = 0;
    for (size_t i = 0; i < c->nplugins && len < cap; i++)
        if (!named_plugin_listed_locked(c->plugins[i].name))
            len += (size_t)snprintf(out + len, cap - len,
                                    "%s%s:%d: [plugin %s]: no plugin of that "
                                    "name is on the plugin path",
                                    len ? "\n" : "", file, c->plugins[i].line,
                                    c->plugins[i].name);
    for (size_t i = 0; i < c->nroutes && len < cap; i++)
        if (c->routes[i].plugin &&
            !named_plugin_listed_locked(c->routes[i].plugin)) {
            char f[5];
            mmio_fourcc_text(c->routes[i].fcc, f);
            len += (size_t)snprintf(out + len, cap - len,
                                    "%s%s:%d: [route %s] plugin = %s: no "
                                    "plugin of that name is on the plugin path",
                                    len ? "\n" : "", file, c->routes[i].line, f,
                                    c->routes[i].plugin);
        }
}

static void finish_build_locked(struct build *b)
{
    MMIO_ASSERT_HOST_LOCKED();
    /* Loaded plugins stay (their names label registry entries), and so do
     * those being loaded and those an application asked for. */
    for (size_t i = 0; i < plugin_host.n; i++) {
        struct mmio_plugin *p = plugin_host.list[i];
        if (!(p->ntargets || p->loading ||
              (p->layers & (1u << MMIO_LAYER_APP))))
            continue;
        size_t k = 0;
        while (k < b->n && b->out[k] != p)
            k++;
        if (k < b->n)
            b->layers[k] |= p->layers & (1u << MMIO_LAYER_APP);
        else if (push_out(b, p, MMIO_LAYER_APP) == 0)
            b->layers[b->n - 1] = p->layers | REUSED;
    }
    for (size_t i = 0; i < b->n; i++) {
        if (b->layers[i] & REUSED)
            b->out[i]->refs++; /* the new list's reference */
        b->out[i]->layers = b->layers[i] & ~REUSED;
    }
    for (size_t i = 0; i < plugin_host.n; i++)
        mmio_plugin_unref_locked(plugin_host.list[i]);
    free(plugin_host.list);
    plugin_host.list = b->out;
    plugin_host.n = plugin_host.cap = b->n;
    b->out = NULL;
    b->n = 0;
    apply_config_locked();
    free(plugin_host.dirs_seen);
    plugin_host.dirs_seen = b->dirs_seen;
    plugin_host.ndirs_seen = b->dirs_seen ? b->ndirs : 0;
    b->dirs_seen = NULL;
    plugin_host.state_seen[0] = b->state_seen[0];
    plugin_host.state_seen[1] = b->state_seen[1];
    mmio_state_free(&plugin_host.crashes);
    plugin_host.crashes = b->crashes;
    memset(&b->crashes, 0, sizeof b->crashes);
    for (size_t i = 0; i < b->nold; i++)
        mmio_plugin_unref_locked(b->old[i]);
    b->nold = 0;
}

MMRESULT mmio_host_refresh(int force)
{
    mmio_host_lock();
    MMRESULT rc = mmio_host_load_config();
    if (rc != MMSYSERR_NOERROR) {
        mmio_host_unlock();
        return rc;
    }
    if (plugin_host.refreshing) {
        while (plugin_host.refreshing)
            mmio_host_wait();
        if (!force &&
            plugin_host.listed) { /* the other thread's list will do */
            mmio_host_unlock();
            return MMSYSERR_NOERROR;
        }
    }
    struct build b;
    if (start_build(&b, force) != 0) {
        for (size_t i = 0; i < b.nold; i++)
            mmio_plugin_unref_locked(b.old[i]);
        b.nold = 0;
        mmio_host_unlock();
        free_build(&b);
        return MMSYSERR_NOMEM;
    }
    plugin_host.refreshing = 1;
    plugin_host.stale = 0;
    unsigned gen = plugin_host.config_gen;
    mmio_host_unlock();

    if (MMIO_DEBUGGING(MMIO_DEBUG_LOADER, 3))
        mmio_debug(MMIO_DEBUG_LOADER, "scan: %zu plugin directories%s", b.ndirs,
                   force ? ", every file checked again" : "");
    mmio_cache_read(b.cache_path, &b.cache);
    b.fresh.frozen = b.cache.frozen;
    take_dirs(&b);
    take_states(&b);
    /* a build that failed part way keeps the old list and the old cache:
     * never a list or a cache with plugins quietly missing */
    if (!b.failed && (b.checked || b.fresh.n != b.cache.n))
        mmio_cache_write(b.cache_path, &b.fresh);

    mmio_host_lock();
    if (b.failed)
        plugin_host.stale = 1; /* the next look-up tries again */
    else if (gen == plugin_host.config_gen) {
        finish_build_locked(&b);
        plugin_host.listed = 1;
    }
    for (size_t i = 0; i < b.n; i++) /* not swapped in: failed or overtaken */
        if (!(b.layers[i] & REUSED))
            mmio_plugin_unref_locked(b.out[i]);
    for (size_t i = 0; i < b.nold; i++)
        mmio_plugin_unref_locked(b.old[i]);
    plugin_host.refreshing = 0;
    char unknown[2048] = "";
    if (!b.failed && gen == plugin_host.config_gen)
        unknown_names_locked(unknown, sizeof unknown);
    pthread_cond_broadcast(&plugin_host.cond);
    mmio_host_unlock();
    if (unknown[0]) /* said without the lock */
        mmio_msg("%s", unknown);
    rc = b.failed;
    free_build(&b);
    return rc;
}

MMRESULT mmio_host_ensure_listed(void)
{
    mmio_host_lock();
    MMRESULT rc = mmio_host_load_config();
    int need = rc == MMSYSERR_NOERROR && mmio_host_stale_locked();
    mmio_host_unlock();
    if (need && (rc = mmio_host_refresh(0)) != MMSYSERR_NOERROR) {
        mmio_host_lock();
        if (plugin_host.listed)
            rc = MMSYSERR_NOERROR; /* the list of before still stands */
        mmio_host_unlock();
    }
    return rc;
}
