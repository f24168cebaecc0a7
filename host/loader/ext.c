/* SPDX-License-Identifier: MIT */
/*
 * ext.c - the plugin host's public functions (mmioExt*): configuration,
 * scans, loading a plugin for an application, enumeration, and installs
 * into the registry states.
 *
 * Enumeration copies what it reports under plugin_host.lock and calls back
 * without it, so a callback may call anything (rescan, load, wait for a
 * thread).
 */
#define _GNU_SOURCE
#include "loader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

MMRESULT mmioExtConfigure(LPCSTR pszConfigFile)
{
    char *file = pszConfigFile ? mmio_sys_strdup(pszConfigFile) : NULL;
    if (pszConfigFile && !file)
        return MMSYSERR_NOMEM;
    MMRESULT rc = MMSYSERR_NOERROR;
    if (file) { /* parsing waits for first use; a file not there is said now */
        char why[700];
        char *text = mmio_read_trusted(file, 1u << 20, NULL, why, sizeof why);
        if (!text) {
            mmio_msg("%s", why);
            rc = MMIOERR_FILENOTFOUND;
        }
        free(text);
    }
    mmio_host_lock();
    while (plugin_host.refreshing)
        mmio_host_wait();
    free(plugin_host.config_file);
    plugin_host.config_file = file;
    if (plugin_host.config_loaded)
        mmio_config_free(&plugin_host.cfg);
    plugin_host.config_loaded = 0;
    plugin_host.config_gen++;
    plugin_host.listed = 0;
    mmio_host_unlock();
    return rc;
}

/* plugins.conf's lazy = no: everything available is loaded once listed. */
static void load_eager(void)
{
    mmio_host_lock();
    struct mmio_plugin **todo = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; !plugin_host.cfg.lazy && i < plugin_host.n; i++) {
        struct mmio_plugin *p = plugin_host.list[i];
        if (p->kind == KIND_PLUGIN && p->chk.state == MMIO_PLUGIN_AVAILABLE &&
            !p->disabled && !p->shadowed && !p->ntargets &&
            mmio_ptrs_push(&todo, &n, &cap, p) == 0)
            p->refs++;
    }
    mmio_host_unlock();
    for (size_t i = 0; i < n; i++)
        mmio_plugin_load(todo[i], 1, NULL, -1);
    mmio_host_lock();
    for (size_t i = 0; i < n; i++)
        mmio_plugin_unref_locked(todo[i]);
    mmio_host_unlock();
    free(todo);
}

MMRESULT mmioExtRescan(DWORD dwFlags)
{
    if (dwFlags & ~(DWORD)MMIO_RESCAN_FORCE)
        return MMSYSERR_INVALFLAG;
    if (mmio_in_checker())
        return MMSYSERR_NOTENABLED;
    if (dwFlags & MMIO_RESCAN_FORCE)
        mmio_crash_clear(NULL); /* every verdict is made again */
    MMRESULT rc = mmio_host_refresh((dwFlags & MMIO_RESCAN_FORCE) != 0);
    if (rc == MMSYSERR_NOERROR)
        load_eager();
    return rc;
}

MMRESULT mmioExtScan(void)
{
    return mmioExtRescan(0);
}

/* The listed plugin file at real, or a new one checked now (listed for
 * the application), referenced; NULL when out of memory. */
static struct mmio_plugin *plugin_at(const char *real)
{
    mmio_host_lock();
    mmio_host_load_config();
    int timeout = plugin_host.cfg.scan_timeout_ms;
    for (size_t i = 0; i < plugin_host.n; i++)
        if (plugin_host.list[i]->kind == KIND_PLUGIN &&
            !strcmp(plugin_host.list[i]->path, real)) {
            plugin_host.list[i]->refs++;
            mmio_host_unlock();
            return plugin_host.list[i];
        }
    mmio_host_unlock();
    struct mmio_plugin *p = mmio_plugin_new(real, NULL);
    struct stat st;
    if (!p)
        return NULL;
    if (stat(real, &st) == 0)
        mmio_key_of(&p->key, &st);
    mmio_check_run(real, NULL, timeout, &p->chk);
    mmio_host_lock();
    p->layers = 1u << MMIO_LAYER_APP;
    p->refs++; /* the caller's; the first is the list's */
    if (mmio_ptrs_push(&plugin_host.list, &plugin_host.n, &plugin_host.cap,
                       p) != 0)
        p->refs--; /* not listed: the caller's reference is the only one */
    mmio_host_unlock();
    return p;
}

MMRESULT mmioExtLoadPlugin(LPCSTR pszPath, DWORD dwFlags)
{
    char real[4096], why[700];
    if (mmio_in_checker())
        return MMSYSERR_NOTENABLED;
    if (!pszPath || !realpath(pszPath, real))
        return MMIOERR_FILENOTFOUND;
    if (mmio_trust_file(real, NULL, 0, NULL, NULL, why, sizeof why) != 0) {
        mmio_msg("%s", why);
        return MMIOERR_ACCESSDENIED;
    }
    struct mmio_plugin *p = plugin_at(real);
    if (!p)
        return MMSYSERR_NOMEM;
    int isolate = (dwFlags & MMIO_PLUGIN_ISOLATED)    ? 1
                  : (dwFlags & MMIO_PLUGIN_INPROCESS) ? 0
                                                      : -1;
    MMRESULT rc =
        mmio_plugin_load(p, (dwFlags & MMIO_GLOBALPROC) != 0, NULL, isolate);
    mmio_host_lock();
    mmio_plugin_unref_locked(p);
    mmio_host_unlock();
    return rc;
}

/* ---- enumeration ----------------------------------------------------------
 */

/* What a person is shown of a checked file: the strings point into chk
 * and why, which must outlive the description. */
static MMIOPLUGINDESC describe(const char *path, const struct mmio_check *chk,
                               UINT state, const char *why, DWORD layers,
                               UINT kind, const char *symbol)
{
    static const FOURCC none[1] = {0};
    const DWORD states = (1u << MMIO_LAYER_USER) | (1u << MMIO_LAYER_MACHINE);
    MMIOPLUGINDESC d = {
        .pszPath = path,
        .pszName = chk->name ? chk->name : "",
        .pszVersion = chk->version ? chk->version : "",
        .pszDescription = chk->description ? chk->description : "",
        .pszLicense = chk->license ? chk->license : "",
        .pFourccs = chk->fourccs ? chk->fourccs : none,
        .uState = state,
        .pszReason = why ? why : "",
        .fSystemWide = (layers & states) != 0,
        .uKind = kind,
        .pszSymbol = symbol ? symbol : "",
        .fLayers = layers,
    };
    return d;
}

struct shown {
    struct mmio_plugin *p;
    UINT state;
    char *why;
    DWORD layers;
};

MMRESULT mmioExtEnumPlugins(MMIOENUMPLUGINS *cb, void *ctx)
{
    if (!cb)
        return MMSYSERR_INVALPARAM;
    if (!mmio_in_checker())
        mmio_host_ensure_listed();
    mmio_host_lock();
    size_t n = plugin_host.n;
    struct shown *list = mmio_sys_calloc(n ? n : 1, sizeof *list);
    if (!list) {
        mmio_host_unlock();
        return MMSYSERR_NOMEM;
    }
    int copied = 1;
    for (size_t i = 0; i < n; i++) {
        const char *why;
        list[i].p = plugin_host.list[i];
        list[i].state = mmio_plugin_shown_state(plugin_host.list[i], &why);
        list[i].why = mmio_sys_strdup(why);
        copied = copied && list[i].why;
        list[i].layers = plugin_host.list[i]->layers;
        plugin_host.list[i]->refs++;
    }
    mmio_host_unlock();
    /* callbacks without the lock; what they read is immutable or copied */
    int go = copied; /* a reason lost to memory: no walk, not a wrong one */
    for (size_t i = 0; go && i < n; i++) {
        const struct mmio_plugin *p = list[i].p;
        MMIOPLUGINDESC d =
            describe(p->path, &p->chk, list[i].state, list[i].why,
                     list[i].layers, (UINT)p->kind, p->symbol);
        go = cb(&d, ctx) != FALSE;
    }
    mmio_host_lock();
    for (size_t i = 0; i < n; i++)
        mmio_plugin_unref_locked(list[i].p);
    mmio_host_unlock();
    for (size_t i = 0; i < n; i++)
        free(list[i].why);
    free(list);
    return copied ? MMSYSERR_NOERROR : MMSYSERR_NOMEM;
}

/* ---- installs into the registry states ------------------------------------
 */

MMRESULT mmioExtCheckPlugin(LPCSTR pszPath, MMIOENUMPLUGINS *cb, void *ctx)
{
    char real[4096], why[700];
    if (!pszPath || !cb)
        return MMSYSERR_INVALPARAM;
    if (mmio_in_checker())
        return MMSYSERR_NOTENABLED;
    if (!realpath(pszPath, real))
        return MMIOERR_FILENOTFOUND;
    struct mmio_check chk;
    memset(&chk, 0, sizeof chk);
    if (mmio_trust_file(real, NULL, 0, NULL, NULL, why, sizeof why) != 0) {
        mmio_check_set(&chk, MMIO_PLUGIN_REFUSED, FAULT_PLUGIN, why);
    } else {
        mmio_host_lock();
        mmio_host_load_config();
        int timeout = plugin_host.cfg.scan_timeout_ms;
        mmio_host_unlock();
        mmio_check_run(real, NULL, timeout, &chk);
    }
    MMIOPLUGINDESC d =
        describe(real, &chk, chk.state, chk.reason, 0, MMIO_KIND_PLUGIN, NULL);
    cb(&d, ctx); /* no lock held: the callback may do anything */
    mmio_check_free(&chk);
    return MMSYSERR_NOERROR;
}

/* Puts the caller's error text (szError, cchError); "" clears it. */
static void set_error(LPSTR err, UINT cap, const char *fmt, ...)
    MMIO_PRINTF(3, 4);
static void set_error(LPSTR err, UINT cap, const char *fmt, ...)
{
    if (!err || !cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

struct plugin_edit {
    const char *path, *name;
    char **also; /* remove: paths of listed plugins with that name */
    size_t nalso;
    int removed;
};

static int edit_add(struct mmio_state *st, void *ctx)
{
    const struct plugin_edit *e = ctx;
    for (size_t i = 0; i < st->nplugins; i++)
        if (!strcmp(st->plugins[i].path, e->path))
            return 0;
    return mmio_state_add_plugin(st, e->path, e->name) == 0 ? 1 : -1;
}

static int fourcc_matches(FOURCC fcc, const char *name)
{
    return strlen(name) <= 4 && *name && fcc == mmioStringToFOURCC(name, 0);
}

static int edit_remove(struct mmio_state *st, void *ctx)
{
    struct plugin_edit *e = ctx;
    size_t k = 0;
    for (size_t i = 0; i < st->nplugins; i++) {
        struct mmio_state_plugin *p = &st->plugins[i];
        int hit = !strcmp(p->path, e->name) || !strcmp(p->name, e->name);
        for (size_t j = 0; !hit && j < e->nalso; j++)
            hit = !strcmp(p->path, e->also[j]);
        if (hit) {
            free(p->path);
            free(p->name);
            e->removed++;
        } else {
            st->plugins[k++] = *p;
        }
    }
    st->nplugins = k;
    k = 0;
    for (size_t i = 0; i < st->nprocs; i++) {
        struct mmio_state_proc *p = &st->procs[i];
        if (!strcmp(p->symbol, e->name) || !strcmp(p->lib, e->name) ||
            fourcc_matches(p->fcc, e->name)) {
            free(p->lib);
            free(p->symbol);
            e->removed++;
        } else {
            st->procs[k++] = *p;
        }
    }
    st->nprocs = k;
    return e->removed ? 1 : 0;
}

/* The state file of a layer; NULL (and said) when none is configured. */
static char *state_file(DWORD flags, LPSTR err, UINT cap)
{
    mmio_host_lock();
    mmio_host_load_config();
    const char *f = mmio_host_state_path_locked(flags & MMIO_INSTALL_MACHINE);
    char *copy = f ? mmio_sys_strdup(f) : NULL;
    mmio_host_unlock();
    if (!copy)
        set_error(err, cap, "no registry state file is configured");
    return copy;
}

MMRESULT mmioExtInstallPlugin(LPCSTR pszPath, DWORD dwFlags, LPSTR szError,
                              UINT cchError)
{
    char real[4096], why[700];
    set_error(szError, cchError, "%s", "");
    if (dwFlags & ~(DWORD)MMIO_INSTALL_MACHINE)
        return MMSYSERR_INVALFLAG;
    if (mmio_in_checker())
        return MMSYSERR_NOTENABLED;
    if (!pszPath || !realpath(pszPath, real)) {
        set_error(szError, cchError, "%s: %s", pszPath ? pszPath : "(null)",
                  "no such file");
        return MMIOERR_FILENOTFOUND;
    }
    if (mmio_trust_file(real, NULL, 0, NULL, NULL, why, sizeof why) != 0) {
        set_error(szError, cchError, "%s", why);
        return MMIOERR_ACCESSDENIED;
    }
    char *file = state_file(dwFlags, szError, cchError);
    if (!file)
        return MMIOERR_CANNOTWRITE;
    mmio_host_lock();
    int timeout = plugin_host.cfg.scan_timeout_ms;
    mmio_host_unlock();
    struct mmio_check chk;
    mmio_check_run(real, NULL, timeout, &chk);
    MMRESULT rc = MMSYSERR_NOERROR;
    if (chk.state != MMIO_PLUGIN_AVAILABLE) {
        set_error(szError, cchError, "%s",
                  chk.reason ? chk.reason : "not a plugin");
        rc = MMIOERR_INVALIDFILE;
    }
    mmio_host_ensure_listed();
    mmio_host_lock();
    for (size_t i = 0; rc == 0 && i < plugin_host.n; i++) {
        const struct mmio_plugin *p = plugin_host.list[i];
        if (p->kind == KIND_PLUGIN && p->chk.name && chk.name &&
            !strcmp(p->chk.name, chk.name) && strcmp(p->path, real) != 0 &&
            p->chk.state == MMIO_PLUGIN_AVAILABLE) {
            char msg[4400];
            snprintf(msg, sizeof msg,
                     "a plugin named '%s' is already available (%s)", chk.name,
                     p->path);
            set_error(szError, cchError, "%s", msg);
            rc = MMSYSERR_ALLOCATED;
        }
    }
    mmio_host_unlock();
    if (rc == 0) {
        struct plugin_edit e = {real, chk.name, NULL, 0, 0};
        if (mmio_state_update(file, edit_add, &e, why, sizeof why) < 0) {
            set_error(szError, cchError, "%s", why);
            rc = MMIOERR_CANNOTWRITE;
        }
    }
    mmio_check_free(&chk);
    free(file);
    if (rc == 0)
        mmio_host_refresh(0);
    return rc;
}

MMRESULT mmioExtRemovePlugin(LPCSTR pszName, DWORD dwFlags, LPSTR szError,
                             UINT cchError)
{
    char why[700];
    set_error(szError, cchError, "%s", "");
    if (!pszName || !*pszName)
        return MMSYSERR_INVALPARAM;
    if (dwFlags & ~(DWORD)MMIO_INSTALL_MACHINE)
        return MMSYSERR_INVALFLAG;
    if (mmio_in_checker())
        return MMSYSERR_NOTENABLED;
    char *file = state_file(dwFlags, szError, cchError);
    if (!file)
        return MMIOERR_CANNOTWRITE;
    struct plugin_edit e = {NULL, pszName, NULL, 0, 0};
    size_t cap = 0;
    mmio_host_ensure_listed();
    mmio_host_lock();
    for (size_t i = 0; i < plugin_host.n; i++) {
        const struct mmio_plugin *p = plugin_host.list[i];
        char *path = NULL;
        if (p->kind == KIND_PLUGIN && p->chk.name &&
            !strcmp(p->chk.name, pszName) &&
            (path = mmio_sys_strdup(p->path)) &&
            mmio_ptrs_push(&e.also, &e.nalso, &cap, path) != 0)
            free(path);
    }
    mmio_host_unlock();
    int ed = mmio_state_update(file, edit_remove, &e, why, sizeof why);
    for (size_t i = 0; i < e.nalso; i++)
        mmio_crash_clear(e.also[i]); /* its crashes go with it */
    MMRESULT rc = MMSYSERR_NOERROR;
    if (ed < 0) {
        set_error(szError, cchError, "%s", why);
        rc = MMIOERR_CANNOTWRITE;
    } else if (!e.removed) {
        set_error(szError, cchError, "nothing named '%s' is installed in %s",
                  pszName, file);
        rc = MMIOERR_FILENOTFOUND;
    }
    for (size_t i = 0; i < e.nalso; i++)
        free(e.also[i]);
    free(e.also);
    free(file);
    if (rc == 0)
        mmio_host_refresh(0);
    return rc;
}

MMRESULT mmioExtInstallSystemWide(LPCSTR pszPath, LPSTR szError, UINT cchError)
{
    return mmioExtInstallPlugin(pszPath, MMIO_INSTALL_MACHINE, szError,
                                cchError);
}

MMRESULT mmioExtRemoveSystemWide(LPCSTR pszName, LPSTR szError, UINT cchError)
{
    return mmioExtRemovePlugin(pszName, MMIO_INSTALL_MACHINE, szError,
                               cchError);
}
