/* SPDX-License-Identifier: MIT */
/*
 * provide.c - the two hooks the core calls (set by host/compose.c):
 *
 * - a lookup miss: find what provides the FOURCC (a plugin on the path or
 *   in a registry state, a [route] of plugins.conf, a global procedure
 *   recorded by another program) and install it globally;
 * - an application's MMIO_GLOBALPROC install or removal: record it in the
 *   user's registry state when the procedure lives in a shared object
 *   other programs can load (they check it before they do).
 *
 * A miss costs one stat of each state file and plugin directory (to see
 * whether anything changed); hits never come here.
 */
#define _GNU_SOURCE
#include "loader.h"
#include "serve_proto.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* [route] procedures: the plugin's procedure called with the route's
 * options current. */
struct route_ctx {
    LPMMIOPROC proc;
    char *options;
};

static LRESULT CALLBACK route_proc(void *ctx, LPSTR info, UINT msg, LPARAM a,
                                   LPARAM b)
{
    const struct route_ctx *rc = ctx;
    const char *saved = mmio_options_swap(rc->options);
    LRESULT r = rc->proc(info, msg, a, b);
    mmio_options_swap(saved);
    return r;
}

/* The first usable plugin (or procedure) providing fcc, referenced. */
static struct mmio_plugin *find_provider_locked(FOURCC fcc, int kind,
                                                const char *name)
{
    MMIO_ASSERT_HOST_LOCKED();
    for (size_t i = 0; i < plugin_host.n; i++) {
        struct mmio_plugin *p = plugin_host.list[i];
        /* what an application loaded for itself is not everyone's */
        if (p->kind != kind || p->chk.state != MMIO_PLUGIN_AVAILABLE ||
            p->disabled || p->shadowed || p->layers == (1u << MMIO_LAYER_APP))
            continue;
        if (name ? (p->chk.name && !strcmp(p->chk.name, name))
                 : mmio_plugin_has(p, fcc)) {
            p->refs++;
            return p;
        }
    }
    return NULL;
}

/* What an open of a name p claims fails with when p cannot be installed
 * now (it is not handed to the DOS procedure as a plain file). */
static UINT open_error_of(MMRESULT rc)
{
    switch (rc) {
    case MMSYSERR_NOERROR:
    case MMSYSERR_ALLOCATED: /* installed, or being installed up the chain */
        return 0;
    case MMSYSERR_NOMEM:
    case MMIOERR_OUTOFMEMORY:
        return MMIOERR_OUTOFMEMORY;
    default:
        return MMIOERR_CANNOTOPEN;
    }
}

static UINT load_global(struct mmio_plugin *p, FOURCC fcc)
{
    MMRESULT rc = mmio_plugin_load(p, 1, NULL, -1);
    UINT err = open_error_of(rc);
    if (err) {
        char f[5];
        mmio_fourcc_text(fcc, f);
        mmio_host_lock();
        char *name = mmio_sys_strdup(p->chk.name ? p->chk.name : p->path);
        mmio_host_unlock();
        char text[128];
        mmioExtErrorText(rc, text, sizeof text);
        mmio_msg("plugin %s, which serves '%s', cannot be loaded now: %s",
                 name ? name : "?", f, text);
        free(name);
    }
    mmio_host_lock();
    mmio_plugin_unref_locked(p);
    mmio_host_unlock();
    return err;
}

static UINT provide_route(const struct mmio_route *rt, const char *options)
{
    mmio_host_lock();
    struct mmio_plugin *p = find_provider_locked(0, KIND_PLUGIN, rt->plugin);
    mmio_host_unlock();
    if (!p)
        return 0;
    MMRESULT rc = mmio_plugin_load(p, 1, NULL, -1);
    UINT err = open_error_of(rc);
    /* still referenced here: its procs were filled by its install */
    mmio_host_lock();
    LPMMIOPROC target = NULL;
    for (size_t k = 0;
         (rc == 0 || rc == MMSYSERR_ALLOCATED) && p->procs && p->chk.fourccs[k];
         k++)
        if (!rt->target || p->chk.fourccs[k] == rt->target) {
            target = p->procs[k];
            break;
        }
    char *name = mmio_sys_strdup(p->chk.name ? p->chk.name : "route");
    mmio_plugin_unref_locked(p);
    mmio_host_unlock();
    struct route_ctx *ctx = mmio_sys_calloc(1, sizeof *ctx);
    if (!target || !name || !ctx) {
        free(name);
        free(ctx);
        return err ? err : (name && ctx) ? 0 : MMIOERR_OUTOFMEMORY;
    }
    ctx->proc = target;
    ctx->options = mmio_sys_strdup(options);
    LPMMIOPROC closure =
        ctx->options ? mmioExtClosureCreate(route_proc, ctx) : NULL;
    if (!closure) { /* lives as long as the process: never freed */
        free(ctx->options);
        free(ctx);
        free(name);
        return MMIOERR_OUTOFMEMORY;
    }
    struct mmio_install_ctx ic = {0};
    ic.global = 1;
    ic.source = name; /* the registry keeps its own copy */
    err = MMIOERR_OUTOFMEMORY;
    if (mmio_install_push(&ic) == MMSYSERR_NOERROR) {
        if (mmioInstallIOProc(rt->fcc, closure,
                              MMIO_INSTALLPROC | MMIO_GLOBALPROC))
            err = 0;
        mmio_install_pop(&ic);
    }
    free(name);
    return err;
}

/* Whether a usable plugin of that name is listed; plugin_host.lock held. */
static int find_usable_named_locked(const char *name)
{
    struct mmio_plugin *p = find_provider_locked(0, KIND_PLUGIN, name);
    if (p)
        mmio_plugin_unref_locked(p);
    return p != NULL;
}

/* Why no listed plugin serves fcc, when one claims it but cannot (broken,
 * refused, disabled): the text for a person in why, "" when none claims
 * it.  plugin_host.lock held. */
static void why_none_locked(FOURCC fcc, const char *route_to, int route_line,
                            char *why, size_t cap)
{
    MMIO_ASSERT_HOST_LOCKED();
    char f[5];
    mmio_fourcc_text(fcc, f);
    const char *conf =
        plugin_host.cfg.path ? plugin_host.cfg.path : "plugins.conf";
    why[0] = '\0';
    int named = 0;
    for (size_t i = 0; !why[0] && i < plugin_host.n; i++) {
        const struct mmio_plugin *p = plugin_host.list[i];
        if (p->kind != KIND_PLUGIN || p->layers == (1u << MMIO_LAYER_APP))
            continue;
        const char *name = p->chk.name ? p->chk.name : p->path;
        if (route_to ? !(p->chk.name && !strcmp(p->chk.name, route_to))
                     : !mmio_plugin_has(p, fcc))
            continue;
        named = 1;
        const char *reason;
        UINT state = mmio_plugin_shown_state(p, &reason);
        if (state == MMIO_PLUGIN_DISABLED) {
            const struct mmio_plugin_conf *pc =
                mmio_config_plugin(&plugin_host.cfg, p->chk.name);
            snprintf(why, cap,
                     "plugin %s, which serves '%s', is disabled (enabled = no "
                     "at %s:%d)",
                     name, f, conf, pc ? pc->enabled_line : 0);
        } else if (state == MMIO_PLUGIN_BROKEN ||
                   state == MMIO_PLUGIN_REFUSED) {
            snprintf(why, cap,
                     "plugin %s (%s), which serves '%s', is %s: %s; "
                     "`mmiohost info %s` says more",
                     name, p->path, f,
                     state == MMIO_PLUGIN_BROKEN ? "broken" : "refused", reason,
                     name);
        }
    }
    if (route_to && !named)
        snprintf(why, cap,
                 "%s:%d: [route %s] names plugin '%s', which is not on the "
                 "plugin path",
                 conf, route_line, f, route_to);
}

/* In an isolated plugin's helper a FOURCC the plugin does not serve is the
 * application's: the helper (tools/mmio-serve) installs a procedure that
 * asks it. */
static UINT helper_provide(FOURCC fcc)
{
    mmio_serve_provide_fn fn = (mmio_serve_provide_fn)(uintptr_t)dlsym(
        RTLD_DEFAULT, MMIO_SERVE_PROVIDE_SYMBOL);
    return fn ? fn(fcc) : 0;
}

UINT mmio_loader_provide(FOURCC fcc)
{
    if (mmio_in_helper())
        return helper_provide(fcc);
    if (mmio_in_checker())
        return 0; /* a plugin being checked loads nothing more */
    /* without a configuration and a list, nobody can say whether a plugin
     * claims fcc: the open fails rather than fall back to the DOS
     * procedure (a write would make a plain file of a container's name) */
    MMRESULT listed = mmio_host_ensure_listed();
    if (listed != MMSYSERR_NOERROR)
        return open_error_of(listed);
    mmio_host_lock();
    struct mmio_plugin *p = find_provider_locked(fcc, KIND_PLUGIN, NULL);
    const struct mmio_route *route = NULL;
    char *options = NULL;
    for (size_t i = 0; !p && i < plugin_host.cfg.nroutes; i++)
        if (plugin_host.cfg.routes[i].fcc == fcc &&
            plugin_host.cfg.routes[i].plugin) {
            route = &plugin_host.cfg.routes[i];
            const struct mmio_plugin_conf *pc =
                mmio_config_plugin(&plugin_host.cfg, route->plugin);
            options = mmio_sys_strdup(route->options      ? route->options
                                      : pc && pc->options ? pc->options
                                                          : "");
            break;
        }
    struct mmio_route rt = {0};
    if (route) { /* copied: the configuration may change once unlocked */
        rt.fcc = route->fcc;
        rt.target = route->target;
        rt.plugin = mmio_sys_strdup(route->plugin);
    }
    if (!p && !route)
        p = find_provider_locked(fcc, KIND_PROC, NULL);
    char why[1200] = "";
    if (!p && !route)
        why_none_locked(fcc, NULL, 0, why, sizeof why);
    else if (route && !find_usable_named_locked(route->plugin))
        why_none_locked(fcc, route->plugin, route->line, why, sizeof why);
    mmio_host_unlock();
    if (why[0]) /* said without the lock: the callback is the application's */
        mmio_msg("%s", why);
    UINT err = 0;
    if (p)
        err = load_global(p, fcc);
    else if (route && rt.plugin && options)
        err = provide_route(&rt, options);
    else if (route)
        err = MMIOERR_OUTOFMEMORY; /* the route could not be copied */
    free(rt.plugin);
    free(options);
    return err;
}

/* Whether path names this program's executable. */
static int is_main_program(const char *path)
{
    char exe[4096], real[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0 || !realpath(path, real))
        return 1; /* unknown: keep it to this process */
    exe[n] = '\0';
    return strcmp(exe, real) == 0;
}

struct proc_edit {
    FOURCC fcc;
    const char *lib, *sym;
    int add;
};

static int edit_proc(struct mmio_state *st, void *ctx)
{
    const struct proc_edit *e = ctx;
    for (size_t i = 0; i < st->nprocs; i++) {
        struct mmio_state_proc *p = &st->procs[i];
        if (p->fcc == e->fcc && !strcmp(p->lib, e->lib) &&
            !strcmp(p->symbol, e->sym)) {
            if (e->add)
                return 0; /* already recorded */
            free(p->lib);
            free(p->symbol);
            st->nprocs--;
            memmove(&st->procs[i], &st->procs[i + 1],
                    (st->nprocs - i) * sizeof st->procs[0]);
            return 1;
        }
    }
    if (!e->add)
        return 0;
    return mmio_state_add_proc(st, e->fcc, e->lib, e->sym) == 0 ? 1 : -1;
}

void mmio_loader_global_changed(FOURCC fcc, LPMMIOPROC proc, int added)
{
    if (mmio_in_checker())
        return;
    Dl_info di;
    if (!dladdr((void *)(uintptr_t)proc, &di) || !di.dli_fname ||
        !di.dli_sname || !di.dli_saddr ||
        (uintptr_t)di.dli_saddr != (uintptr_t)proc ||
        is_main_program(di.dli_fname))
        return; /* not exported from a shared object: this process only */
    char lib[4096], why[700];
    if (!realpath(di.dli_fname, lib))
        return;
    /* The configuration is read once (it says where the state is); nothing
     * is scanned and no plugin is checked here. */
    mmio_host_lock();
    mmio_host_load_config();
    char *state = plugin_host.cfg.state_path
                      ? mmio_sys_strdup(plugin_host.cfg.state_path)
                      : NULL;
    mmio_host_unlock();
    if (!state)
        return;
    struct proc_edit e = {fcc, lib, di.dli_sname, added};
    if (mmio_state_update(state, edit_proc, &e, why, sizeof why) < 0)
        mmio_msg("cannot record global procedure %s: %s", di.dli_sname, why);
    free(state);
}
