/* SPDX-License-Identifier: MIT */
/*
 * load.c - running a checked plugin: dlopen, then its install function with
 * an install context that sends what it installs where the caller wants it
 * (the global registry, or one task).
 *
 * A load is claimed under plugin_host.lock (plugin->loading), then runs without
 * it: dlopen, the plugin's constructors and its install may call any mmio
 * function, load other plugins (contexts nest) or wait for other threads.
 * Others wanting the same plugin wait on plugin_host.cond; the thread already
 * loading it (a plugin asking for itself) is answered at once, and so is a
 * thread whose wait would close a cycle (X's install waits for Y, loaded by
 * a thread whose Y install waits for X): each waiting thread is listed with
 * what it waits for, so the cycle is seen before anyone sleeps in it.  The
 * answer is the one a single thread would get: the plugin is being loaded
 * further up its own chain, so its procedures are not there yet.
 */
#define _GNU_SOURCE
#include "loader.h"

#include <assert.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

/* A thread waiting for another thread's load of `for_plugin`. */
struct waiter {
    pthread_t thread;
    const struct mmio_plugin *for_plugin;
    struct waiter *next;
};
static struct waiter *waiters; /* plugin_host.lock */

/* Whether waiting for p would wait, through the chain of loads and waits,
 * for this thread itself.  plugin_host.lock held. */
static int wait_closes_cycle_locked(const struct mmio_plugin *p)
{
    MMIO_ASSERT_HOST_LOCKED();
    pthread_t self = pthread_self();
    /* every hop moves to another waiting thread; more hops than waiters
     * means a cycle that does not include this thread */
    size_t hops = 0, limit = 1;
    for (const struct waiter *w = waiters; w; w = w->next)
        limit++;
    while (p && p->loading && hops++ <= limit) {
        if (pthread_equal(p->loader, self))
            return 1;
        const struct waiter *w = waiters;
        while (w && !pthread_equal(w->thread, p->loader))
            w = w->next;
        if (!w)
            return 0; /* its loader is running, not waiting: it will end */
        p = w->for_plugin;
    }
    return 0;
}

static _Thread_local const char *current_options;

const char *mmio_options_swap(const char *opts)
{
    const char *old = current_options;
    current_options = opts;
    return old;
}

LPCSTR mmioExtPluginOptions(void)
{
    return current_options ? current_options : "";
}

static void seen_install(void *ctx, FOURCC fcc, LPMMIOPROC proc)
{
    struct mmio_plugin *p = ctx;
    for (size_t i = 0; p->procs && p->chk.fourccs[i]; i++)
        if (p->chk.fourccs[i] == fcc && !p->procs[i])
            p->procs[i] = proc;
}

static int has_target(const struct mmio_plugin *p, uint64_t target)
{
    for (size_t i = 0; i < p->ntargets; i++)
        if (p->targets[i] == target)
            return 1;
    return 0;
}

/* The file must still be the one the checker saw. */
static int unchanged(const struct mmio_plugin *p)
{
    char real[4096], why[700];
    struct stat st;
    struct mmio_key key;
    if (mmio_trust_file(p->path, real, sizeof real, &st, NULL, why,
                        sizeof why) != 0 ||
        strcmp(real, p->path) != 0)
        return 0;
    mmio_key_of(&key, &st);
    return mmio_key_eq(&key, &p->key);
}

/* A helper died: recorded in the user's state (crash.c); said by the
 * files it served, on the application's threads. */
static void crashed(void *ctx, const char *why, int broken, char *err,
                    size_t errcap)
{
    (void)broken;
    mmio_crash_record(ctx, why, err, errcap);
}

/* Where seen_install records what the install installed (routes use it). */
static MMRESULT procs_ready(struct mmio_plugin *p)
{
    if (p->procs || p->kind != KIND_PLUGIN)
        return MMSYSERR_NOERROR;
    size_t nf = 0;
    while (p->chk.fourccs[nf])
        nf++;
    p->procs = mmio_sys_calloc(nf + 1, sizeof *p->procs);
    return p->procs ? MMSYSERR_NOERROR : MMSYSERR_NOMEM;
}

/* Starts p's helper and installs its proxies; the isolation's settings are
 * plugins.conf's, read under the lock by the caller into *conf. */
static MMRESULT run_isolated(struct mmio_plugin *p,
                             const struct mmio_isolate_conf *conf)
{
    if (procs_ready(p) != MMSYSERR_NOERROR)
        return MMSYSERR_NOMEM;
    if (!p->iso)
        p->iso = mmio_isolate_new(conf); /* only the claiming thread */
    if (!p->iso)
        return MMSYSERR_NOMEM;
    return mmio_isolate_install(p->iso);
}

/* dlopen and run the install (or, for a procedure, install it). */
static MMRESULT run(struct mmio_plugin *p)
{
    if (!p->dl) {
        void *dl = dlopen(p->path, RTLD_NOW | RTLD_LOCAL);
        if (!dl)
            return MMIOERR_INVALIDFILE;
        p->dl = dl; /* never closed: its code may be in use */
    }
    if (p->kind == KIND_PROC) {
        LPMMIOPROC proc = (LPMMIOPROC)(uintptr_t)dlsym(p->dl, p->symbol);
        if (!proc)
            return MMIOERR_INVALIDFILE;
        return mmioInstallIOProc(p->proc_fcc, proc, MMIO_INSTALLPROC)
                   ? MMSYSERR_NOERROR
                   : MMSYSERR_ERROR;
    }
    const MMIOPLUGININFO *info = dlsym(p->dl, MMIO_PLUGIN_INFO_SYMBOL);
    MMIOPLUGININSTALL install =
        (MMIOPLUGININSTALL)(uintptr_t)dlsym(p->dl, MMIO_PLUGIN_INSTALL_SYMBOL);
    if (!info || info->abi != MMIO_PLUGIN_ABI || !install)
        return MMIOERR_INVALIDFILE;
    if (procs_ready(p) != MMSYSERR_NOERROR)
        return MMSYSERR_NOMEM;
    return install();
}

MMRESULT mmio_plugin_load(struct mmio_plugin *p, int global, HTASK task,
                          int isolate)
{
    struct mmio_install_ctx ctx = {0};
    ctx.global = global;
    ctx.task = task;
    ctx.source = p->chk.name ? p->chk.name : "plugin";
    ctx.seen = seen_install;
    ctx.seen_ctx = p;
    if (mmio_install_push(&ctx) != MMSYSERR_NOERROR)
        return MMSYSERR_INVALHANDLE;
    uint64_t target = mmio_install_target(&ctx);

    mmio_host_lock();
    MMRESULT rc = MMSYSERR_NOERROR;
    for (;;) {
        if (has_target(p, target)) {
            rc = MMSYSERR_ALLOCATED;
            break;
        }
        if (!p->loading)
            break;
        if (wait_closes_cycle_locked(p)) {
            /* its own install asks for it, directly or through others */
            rc = MMSYSERR_ALLOCATED;
            break;
        }
        struct waiter me = {pthread_self(), p, waiters};
        waiters = &me;
        mmio_host_wait();
        struct waiter **pw = &waiters;
        while (*pw != &me)
            pw = &(*pw)->next;
        *pw = me.next;
    }
    if (rc == 0 && p->chk.state != MMIO_PLUGIN_AVAILABLE)
        rc = MMIOERR_INVALIDFILE; /* never run what the checker refused */
    if (rc != 0) {
        mmio_host_unlock();
        mmio_install_pop(&ctx);
        return rc;
    }
    p->loading = 1;
    p->loader = pthread_self();
    if (!p->options && p->kind == KIND_PLUGIN) {
        const struct mmio_plugin_conf *pc =
            mmio_config_plugin(&plugin_host.cfg, p->chk.name);
        p->options = mmio_sys_strdup(pc && pc->options ? pc->options : "");
    }
    int no_options = p->kind == KIND_PLUGIN && !p->options;
    const struct mmio_plugin_conf *pc =
        mmio_config_plugin(&plugin_host.cfg, p->chk.name);
    if (isolate < 0)
        isolate =
            pc && pc->isolate >= 0 ? pc->isolate : plugin_host.cfg.isolate;
    char helper[4200];
    struct mmio_isolate_conf ic = {0};
    ic.helper = helper;
    ic.path = p->path;
    ic.symbol = p->kind == KIND_PROC ? p->symbol : NULL;
    ic.proc_fcc = p->proc_fcc;
    ic.name = p->chk.name ? p->chk.name : p->path;
    ic.options = p->options;
    ic.timeout_ms = pc ? pc->timeout_ms : MMIO_ISOLATE_TIMEOUT_MS;
    ic.memory_mb = pc ? pc->memory_mb : MMIO_ISOLATE_MEMORY_MB;
    ic.cpu_s = pc ? pc->cpu_s : 0;
    ic.network = pc ? pc->network > 0 : 0;
    ic.crashed = crashed;
    ic.ctx = p;
    char crash_why[400] = "";
    int crashed_before =
        !isolate && mmio_crash_known_locked(p, crash_why, sizeof crash_why);
    mmio_host_unlock();
    if (isolate)
        mmio_tool_path("mmio-serve", "MMIO_HELPER", helper, sizeof helper);

    if (no_options) {
        rc = MMSYSERR_NOMEM;
    } else if (!p->dl && !p->iso && !unchanged(p)) {
        rc = MMIOERR_INVALIDFILE; /* replaced since it was checked */
    } else if (crashed_before) {
        mmio_msg("plugin %s (%s) is not loaded in this process: %s; `mmiohost "
                 "scan --force` clears it",
                 ic.name, p->path, crash_why);
        rc = MMIOERR_ACCESSDENIED;
    } else if (isolate) {
        rc = run_isolated(p, &ic);
    } else {
        const char *saved = mmio_options_swap(p->options);
        rc = run(p);
        mmio_options_swap(saved);
        if (ctx.task_gone || !mmio_install_target_alive(&ctx))
            rc = MMSYSERR_INVALHANDLE; /* its task went away meanwhile */
    }
    /* A failed install leaves nothing installed: what it did install
     * before failing would be installed again by every retry, and would
     * outlive the plugin's descriptor. */
    if (rc != MMSYSERR_NOERROR)
        mmio_install_undo(&ctx);
    mmio_install_pop(&ctx);
    if (MMIO_DEBUGGING(MMIO_DEBUG_LOADER, rc ? 1 : 3))
        mmio_debug(MMIO_DEBUG_LOADER, "load %s (%s, %s): %s", p->path,
                   ctx.source, global ? "for every task" : "for one task",
                   rc ? "failed" : "installed");

    mmio_host_lock();
    assert(p->loading && pthread_equal(p->loader, pthread_self()));
    if (rc == 0 && mmio_vec_reserve(&p->targets, &p->captargets,
                                    p->ntargets + 1, sizeof *p->targets) == 0)
        p->targets[p->ntargets++] = target;
    if (rc == MMIOERR_INVALIDFILE && !p->dl && !p->iso)
        plugin_host.stale = 1; /* rebuild the list: the file changed */
    p->loading = 0;
    pthread_cond_broadcast(&plugin_host.cond);
    mmio_host_unlock();
    return rc;
}
