/*
 * plugin.c - the plugin host at run time.
 *
 * Nothing happens at start-up.  The first lookup miss (or an explicit call)
 * reads plugins.conf, lists the plugin directories and the plugins installed
 * system-wide, and checks every file whose size or mtime differs from the
 * scan cache (in a child process, scan.c); unchanged files cost one stat.
 * A plugin is dlopen'ed only when one of its FOURCCs is needed, once, under
 * host_lock.  A miss also re-reads the registry state when its file changed,
 * which is how a running program sees a system-wide install.
 */
#define _GNU_SOURCE
#include "plugin.h"
#include "config.h"
#include "mmio_internal.h"
#include "mmio_plugin.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static pthread_mutex_t host_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static int inited;
static char *config_file; /* mmioExtConfigure; NULL: the default */
static struct mmio_config cfg;
static struct mmio_plugin_rec *recs;
static size_t nrecs;
static struct mmio_state state;
static struct stat state_seen; /* the state file when last read */
static struct stat *dirs_seen; /* each plugin directory when last listed */
static _Thread_local const char *current_options;

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* What the cache keys a checked file on. */
static void rec_set_stat(struct mmio_plugin_rec *r, const struct stat *st)
{
    r->size = st->st_size;
    r->mtime_ns = mtime_ns(st);
    r->mode = (uint32_t)st->st_mode;
}

static int rec_matches(const struct mmio_plugin_rec *r, const struct stat *st)
{
    return r->size == st->st_size && r->mtime_ns == mtime_ns(st) &&
           r->mode == (uint32_t)st->st_mode;
}

static int same_stat(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_size == b->st_size &&
           mtime_ns(a) == mtime_ns(b);
}

static struct mmio_plugin_rec *find_rec(struct mmio_plugin_rec *list, size_t n,
                                        const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].path && !strcmp(list[i].path, path))
            return &list[i];
    return NULL;
}

/* Appends a record for path to *out: the running one, the cached one, or a
 * fresh check.  *scanned counts the fresh checks. */
static void take_file(const char *path, struct mmio_plugin_rec **out, size_t *n,
                      struct mmio_plugin_rec *cache, size_t ncache,
                      int *scanned)
{
    if (find_rec(*out, *n, path))
        return; /* listed twice (a directory on the path twice) */
    struct mmio_plugin_rec *grown = realloc(*out, (*n + 1) * sizeof *grown);
    if (!grown)
        return;
    *out = grown;
    struct mmio_plugin_rec *r = &grown[*n];
    memset(r, 0, sizeof *r);
    struct stat st;
    if (stat(path, &st) != 0)
        return;
    (*n)++;
    struct mmio_plugin_rec *old = find_rec(recs, nrecs, path);
    if (old && old->dl) { /* loaded: it stays as it is */
        *r = *old;
        memset(old, 0, sizeof *old);
        return;
    }
    struct mmio_plugin_rec *hit = find_rec(cache, ncache, path);
    if (hit && rec_matches(hit, &st)) {
        *r = *hit;
        memset(hit, 0, sizeof *hit);
        return;
    }
    r->path = strdup(path);
    rec_set_stat(r, &st);
    mmio_scan_file(path, cfg.scan_timeout_ms, r);
    (*scanned)++;
}

static void add_refused_dir(struct mmio_plugin_rec **out, size_t *n,
                            const char *dir, const char *why)
{
    struct mmio_plugin_rec *grown = realloc(*out, (*n + 1) * sizeof *grown);
    if (!grown)
        return;
    *out = grown;
    struct mmio_plugin_rec *r = &grown[(*n)++];
    memset(r, 0, sizeof *r);
    r->path = strdup(dir);
    r->state = MMIO_PLUGIN_REFUSED;
    r->reason = strdup(why);
}

/* Rebuilds the plugin list from the path, the state and the cache. */
static void refresh_locked(void)
{
    struct mmio_plugin_rec *cache = NULL, *out = NULL;
    size_t ncache = 0, n = 0;
    int scanned = 0;
    mmio_cache_read(cfg.cache_path, &cache, &ncache);
    mmio_state_free(&state);
    memset(&state_seen, 0, sizeof state_seen);
    if (cfg.state_path && stat(cfg.state_path, &state_seen) == 0)
        mmio_state_read(cfg.state_path, &state);
    free(dirs_seen);
    dirs_seen = calloc(cfg.ndirs ? cfg.ndirs : 1, sizeof *dirs_seen);
    for (size_t d = 0; d < cfg.ndirs; d++) {
        char **paths = NULL, why[512];
        if (dirs_seen)
            stat(cfg.dirs[d], &dirs_seen[d]);
        int count = mmio_scan_dir(cfg.dirs[d], &paths, why, sizeof why);
        if (count < 0)
            add_refused_dir(&out, &n, cfg.dirs[d], why);
        for (int i = 0; i < count; i++) {
            take_file(paths[i], &out, &n, cache, ncache, &scanned);
            free(paths[i]);
        }
        free(paths);
    }
    for (size_t i = 0; i < state.nplugins; i++) {
        take_file(state.plugins[i], &out, &n, cache, ncache, &scanned);
        struct mmio_plugin_rec *r = find_rec(out, n, state.plugins[i]);
        if (r)
            r->system_wide = 1;
    }
    /* Loaded plugins stay (their names label registry entries), and so do
     * those an application asked for, wherever their files are. */
    for (size_t i = 0; i < nrecs; i++)
        if (recs[i].path && (recs[i].dl || recs[i].app_loaded)) {
            struct mmio_plugin_rec *grown = realloc(out, (n + 1) * sizeof *out);
            if (grown) {
                out = grown;
                out[n++] = recs[i];
                memset(&recs[i], 0, sizeof recs[i]);
            }
        }
    for (size_t i = 0; i < n; i++) {
        struct mmio_plugin_rec *r = &out[i];
        const struct mmio_plugin_conf *pc = mmio_config_plugin(&cfg, r->name);
        r->disabled = pc && pc->enabled == 0;
        for (size_t j = 0;
             j < i && r->name && r->state == MMIO_PLUGIN_AVAILABLE; j++)
            if (out[j].name && !strcmp(out[j].name, r->name) && !r->dl) {
                char why[600];
                snprintf(why, sizeof why,
                         "another plugin named '%s' (%s) "
                         "comes first on the path",
                         r->name, out[j].path);
                r->state = MMIO_PLUGIN_REFUSED;
                free(r->reason);
                r->reason = strdup(why);
            }
    }
    if (scanned)
        mmio_cache_write(cfg.cache_path, out, n);
    for (size_t i = 0; i < ncache; i++)
        mmio_rec_free(&cache[i]);
    free(cache);
    for (size_t i = 0; i < nrecs; i++) /* files that went away */
        mmio_rec_free(&recs[i]);
    free(recs);
    recs = out;
    nrecs = n;
}

static void load_all_locked(void);

static void init_locked(void)
{
    if (inited)
        return;
    mmio_config_load(config_file, &cfg);
    inited = 1;
    refresh_locked();
    if (!cfg.lazy)
        load_all_locked();
}

/* Whether the state file or a plugin directory changed since last read. */
static int stale_locked(void)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    if (cfg.state_path)
        stat(cfg.state_path, &st);
    if (!same_stat(&st, &state_seen))
        return 1;
    for (size_t d = 0; dirs_seen && d < cfg.ndirs; d++) {
        memset(&st, 0, sizeof st);
        stat(cfg.dirs[d], &st);
        if (!same_stat(&st, &dirs_seen[d]))
            return 1;
    }
    return 0;
}

struct capture {
    struct mmio_plugin_rec *rec;
};

static void seen_install(void *ctx, FOURCC fcc, LPMMIOPROC proc)
{
    struct mmio_plugin_rec *r = ((struct capture *)ctx)->rec;
    for (size_t i = 0; r->procs && r->fourccs && r->fourccs[i]; i++)
        if (r->fourccs[i] == fcc && !r->procs[i])
            r->procs[i] = proc;
}

static const char *options_of(const char *name)
{
    const struct mmio_plugin_conf *pc = mmio_config_plugin(&cfg, name);
    return (pc && pc->options) ? pc->options : "";
}

/* dlopens a checked plugin and runs its install into the global registry
 * (global) or the calling thread's task. */
static int load_locked(struct mmio_plugin_rec *r, int global)
{
    struct stat st;
    if (r->dl)
        return 0;
    if (stat(r->path, &st) != 0 || !rec_matches(r, &st)) {
        /* changed since it was checked */
        rec_set_stat(r, &st);
        mmio_scan_file(r->path, cfg.scan_timeout_ms, r);
        mmio_cache_write(cfg.cache_path, recs, nrecs);
    }
    if (r->state != MMIO_PLUGIN_AVAILABLE || r->disabled)
        return -1;
    void *dl = dlopen(r->path, RTLD_NOW | RTLD_LOCAL);
    if (!dl)
        return -1;
    const MMIOPLUGININFO *info = dlsym(dl, MMIO_PLUGIN_INFO_SYMBOL);
    MMIOPLUGININSTALL install =
        (MMIOPLUGININSTALL)(uintptr_t)dlsym(dl, MMIO_PLUGIN_INSTALL_SYMBOL);
    if (!info || info->abi != MMIO_PLUGIN_ABI || !install) {
        dlclose(dl);
        return -1;
    }
    size_t nf = 0;
    while (r->fourccs && r->fourccs[nf])
        nf++;
    free(r->procs);
    r->procs = calloc(nf + 1, sizeof *r->procs);
    struct capture cap = {r};
    const char *saved = current_options;
    current_options = options_of(r->name);
    mmio_registry_redirect(1, NULL, global, r->name, seen_install, &cap);
    MMRESULT rc = install();
    mmio_registry_redirect(0, NULL, 0, NULL, NULL, NULL);
    current_options = saved;
    r->dl = dl; /* even after a failed install: it may have installed some */
    return rc == MMSYSERR_NOERROR ? 0 : -1;
}

static void load_all_locked(void)
{
    for (size_t i = 0; i < nrecs; i++)
        if (recs[i].state == MMIO_PLUGIN_AVAILABLE && !recs[i].disabled)
            load_locked(&recs[i], 1);
}

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
    const char *saved = current_options;
    current_options = rc->options;
    LRESULT r = rc->proc(info, msg, a, b);
    current_options = saved;
    return r;
}

static int provide_route_locked(const struct mmio_route *rt)
{
    for (size_t i = 0; i < nrecs; i++) {
        struct mmio_plugin_rec *r = &recs[i];
        if (!r->name || strcmp(r->name, rt->plugin) != 0 ||
            load_locked(r, 1) != 0 || !r->procs)
            continue;
        size_t k = 0;
        while (rt->target && r->fourccs[k] && r->fourccs[k] != rt->target)
            k++;
        if (!r->fourccs[k] || !r->procs[k])
            return 0;
        struct route_ctx *ctx = calloc(1, sizeof *ctx);
        if (!ctx)
            return 0;
        ctx->proc = r->procs[k];
        ctx->options = strdup(rt->options ? rt->options : options_of(r->name));
        LPMMIOPROC closure = mmioExtClosureCreate(route_proc, ctx);
        if (!closure) { /* lives as long as the process: never freed */
            free(ctx->options);
            free(ctx);
            return 0;
        }
        mmio_registry_redirect(1, NULL, 1, r->name, NULL, NULL);
        mmioInstallIOProc(rt->fcc, closure, MMIO_INSTALLPROC | MMIO_GLOBALPROC);
        mmio_registry_redirect(0, NULL, 0, NULL, NULL, NULL);
        return 1;
    }
    return 0;
}

static int provide_state_proc_locked(FOURCC fcc)
{
    for (size_t i = 0; i < state.nprocs; i++) {
        const struct mmio_state_proc *p = &state.procs[i];
        char why[512];
        if (p->fcc != fcc || mmio_check_safe(p->lib, why, sizeof why) != 0)
            continue;
        void *dl = dlopen(p->lib, RTLD_NOW | RTLD_LOCAL);
        void *sym = dl ? dlsym(dl, p->symbol) : NULL;
        if (!sym)
            continue;
        mmio_registry_redirect(1, NULL, 1, "global state", NULL, NULL);
        mmioInstallIOProc(fcc, (LPMMIOPROC)(uintptr_t)sym,
                          MMIO_INSTALLPROC | MMIO_GLOBALPROC);
        mmio_registry_redirect(0, NULL, 0, NULL, NULL, NULL);
        return 1;
    }
    return 0;
}

static int provide_locked(FOURCC fcc)
{
    for (size_t i = 0; i < nrecs; i++) {
        struct mmio_plugin_rec *r = &recs[i];
        if (r->state == MMIO_PLUGIN_AVAILABLE && !r->disabled && !r->dl &&
            !r->app_loaded && mmio_rec_has(r, fcc))
            return load_locked(r, 1) == 0;
    }
    for (size_t i = 0; i < cfg.nroutes; i++)
        if (cfg.routes[i].fcc == fcc && cfg.routes[i].plugin)
            return provide_route_locked(&cfg.routes[i]);
    return provide_state_proc_locked(fcc);
}

int mmio_plugins_provide(FOURCC fcc)
{
    pthread_mutex_lock(&host_lock);
    if (!inited)
        init_locked();
    else if (stale_locked())
        refresh_locked();
    int got = provide_locked(fcc);
    pthread_mutex_unlock(&host_lock);
    return got;
}

int mmio_plugins_state_path(char *out, size_t cap)
{
    /* Copied under the lock: mmioExtConfigure may free the configuration
     * as soon as it is released. */
    pthread_mutex_lock(&host_lock);
    init_locked();
    int n = cfg.state_path ? snprintf(out, cap, "%s", cfg.state_path) : -1;
    pthread_mutex_unlock(&host_lock);
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

/* ---- extension API --------------------------------------------------------
 */

LPCSTR mmioExtPluginOptions(void)
{
    return current_options ? current_options : "";
}

MMRESULT mmioExtConfigure(LPCSTR pszConfigFile)
{
    pthread_mutex_lock(&host_lock);
    free(config_file);
    config_file = pszConfigFile ? strdup(pszConfigFile) : NULL;
    MMRESULT rc = MMSYSERR_NOERROR;
    if (inited) {
        mmio_config_free(&cfg);
        inited = 0;
    }
    /* Parsing waits for first use; a file that is not there is said now. */
    FILE *fp = config_file ? fopen(config_file, "r") : NULL;
    if (config_file && !fp) {
        fprintf(stderr, "%s: cannot read: %s\n", config_file, strerror(errno));
        rc = MMIOERR_FILENOTFOUND;
    }
    if (fp)
        fclose(fp);
    pthread_mutex_unlock(&host_lock);
    return rc;
}

MMRESULT mmioExtScan(void)
{
    pthread_mutex_lock(&host_lock);
    if (!inited)
        init_locked();
    else
        refresh_locked();
    pthread_mutex_unlock(&host_lock);
    return MMSYSERR_NOERROR;
}

MMRESULT mmioExtLoadPlugin(LPCSTR pszPath, DWORD dwFlags)
{
    char real[4096];
    if (!pszPath || !realpath(pszPath, real))
        return MMIOERR_FILENOTFOUND;
    pthread_mutex_lock(&host_lock);
    init_locked();
    struct mmio_plugin_rec *r = find_rec(recs, nrecs, real);
    if (!r) {
        struct mmio_plugin_rec *grown =
            realloc(recs, (nrecs + 1) * sizeof *grown);
        if (!grown) {
            pthread_mutex_unlock(&host_lock);
            return MMSYSERR_NOMEM;
        }
        recs = grown;
        r = &recs[nrecs++];
        memset(r, 0, sizeof *r);
        struct stat st;
        stat(real, &st);
        r->path = strdup(real);
        rec_set_stat(r, &st);
        r->app_loaded = 1;
        mmio_scan_file(real, cfg.scan_timeout_ms, r);
    }
    MMRESULT rc = MMIOERR_INVALIDFILE;
    if (r->dl)
        rc = MMSYSERR_ALLOCATED; /* loaded already: its procedures exist */
    else if (load_locked(r, (dwFlags & MMIO_GLOBALPROC) != 0) == 0)
        rc = MMSYSERR_NOERROR;
    pthread_mutex_unlock(&host_lock);
    return rc;
}

MMRESULT mmioExtEnumPlugins(MMIOENUMPLUGINS *cb, void *ctx)
{
    if (!cb)
        return MMSYSERR_INVALPARAM;
    pthread_mutex_lock(&host_lock);
    init_locked();
    for (size_t i = 0; i < nrecs; i++) {
        const struct mmio_plugin_rec *r = &recs[i];
        static const FOURCC none[1] = {0};
        MMIOPLUGINDESC d = {r->path,
                            r->name ? r->name : "",
                            r->version ? r->version : "",
                            r->description ? r->description : "",
                            r->license ? r->license : "",
                            r->fourccs ? r->fourccs : none,
                            r->state,
                            r->reason ? r->reason : "",
                            r->system_wide};
        if (r->dl)
            d.uState = MMIO_PLUGIN_LOADED;
        else if (r->disabled) {
            d.uState = MMIO_PLUGIN_DISABLED;
            d.pszReason = "enabled = no in plugins.conf";
        }
        if (!cb(&d, ctx))
            break;
    }
    pthread_mutex_unlock(&host_lock);
    return MMSYSERR_NOERROR;
}

static void say(LPSTR err, UINT cap, const char *msg)
{
    if (err && cap)
        snprintf(err, cap, "%s", msg);
}

static int edit_add(struct mmio_state *st, void *ctx)
{
    for (size_t i = 0; i < st->nplugins; i++)
        if (!strcmp(st->plugins[i], ctx))
            return 0;
    char **grown = realloc(st->plugins, (st->nplugins + 1) * sizeof *grown);
    if (!grown)
        return -1;
    st->plugins = grown;
    grown[st->nplugins] = strdup(ctx);
    return grown[st->nplugins++] ? 1 : -1;
}

static int edit_remove(struct mmio_state *st, void *ctx)
{
    for (size_t i = 0; i < st->nplugins; i++)
        if (!strcmp(st->plugins[i], ctx)) {
            free(st->plugins[i]);
            st->nplugins--;
            memmove(&st->plugins[i], &st->plugins[i + 1],
                    (st->nplugins - i) * sizeof st->plugins[0]);
            return 1;
        }
    return 0;
}

MMRESULT mmioExtInstallSystemWide(LPCSTR pszPath, LPSTR szError, UINT cchError)
{
    char real[4096], msg[700];
    say(szError, cchError, "");
    if (!pszPath || !realpath(pszPath, real)) {
        say(szError, cchError, "no such file");
        return MMIOERR_FILENOTFOUND;
    }
    pthread_mutex_lock(&host_lock);
    init_locked();
    MMRESULT rc = MMSYSERR_NOERROR;
    struct mmio_plugin_rec probe = {0};
    struct stat st;
    stat(real, &st);
    rec_set_stat(&probe, &st);
    mmio_scan_file(real, cfg.scan_timeout_ms, &probe);
    if (!cfg.state_path) {
        say(szError, cchError, "no registry state file is configured");
        rc = MMIOERR_CANNOTWRITE;
    } else if (probe.state != MMIO_PLUGIN_AVAILABLE) {
        say(szError, cchError, probe.reason ? probe.reason : "not a plugin");
        rc = MMIOERR_INVALIDFILE;
    } else {
        for (size_t i = 0; i < nrecs; i++)
            if (recs[i].name && probe.name &&
                !strcmp(recs[i].name, probe.name) &&
                strcmp(recs[i].path, real) != 0) {
                snprintf(msg, sizeof msg,
                         "a plugin named '%s' is already available (%s)",
                         probe.name, recs[i].path);
                say(szError, cchError, msg);
                rc = MMSYSERR_ALLOCATED;
            }
        if (rc == 0 && mmio_state_update(cfg.state_path, edit_add, real) != 0) {
            snprintf(msg, sizeof msg, "cannot update %s", cfg.state_path);
            say(szError, cchError, msg);
            rc = MMIOERR_CANNOTWRITE;
        }
    }
    mmio_rec_free(&probe);
    if (rc == 0)
        refresh_locked();
    pthread_mutex_unlock(&host_lock);
    return rc;
}

MMRESULT mmioExtRemoveSystemWide(LPCSTR pszName, LPSTR szError, UINT cchError)
{
    char msg[600];
    say(szError, cchError, "");
    if (!pszName)
        return MMSYSERR_INVALPARAM;
    pthread_mutex_lock(&host_lock);
    init_locked();
    MMRESULT rc = MMIOERR_FILENOTFOUND;
    for (size_t i = 0; i < nrecs; i++) {
        const struct mmio_plugin_rec *r = &recs[i];
        if (!r->system_wide || !((r->name && !strcmp(r->name, pszName)) ||
                                 !strcmp(r->path, pszName)))
            continue;
        char *path = strdup(r->path);
        int ed =
            path ? mmio_state_update(cfg.state_path, edit_remove, path) : -1;
        free(path);
        rc = ed == 0 ? MMSYSERR_NOERROR : MMIOERR_CANNOTWRITE;
        break;
    }
    if (rc == MMIOERR_FILENOTFOUND) {
        snprintf(msg, sizeof msg,
                 "no plugin named '%s' is installed system-wide", pszName);
        say(szError, cchError, msg);
    } else if (rc == MMSYSERR_NOERROR) {
        refresh_locked();
    }
    pthread_mutex_unlock(&host_lock);
    return rc;
}
