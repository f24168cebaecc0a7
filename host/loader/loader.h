/* SPDX-License-Identifier: MIT */
/*
 * loader.h - what the plugin loader's files share (host/loader).
 *
 * The loader sits on the core (core.h) and util (util.h); the core reaches it
 * only through the hooks host/compose.c sets.
 *
 * Locking: one mutex (plugin_host.lock) with one condition variable guards the
 * plugin list and every mutable field of a plugin.  It is never held while
 * plugin code runs (dlopen, constructors, install, procedures), while a user
 * callback runs, or while the loader waits for another process (the checker,
 * a state file lock).  Work that needs any of those first claims what it
 * works on (a refresh: plugin_host.refreshing; a load: plugin->loading), drops
 * the lock, and retakes it to publish the result; others wanting the same wait
 * on plugin_host.cond.
 */
#ifndef MMIO_LOADER_H
#define MMIO_LOADER_H

#include "check_proto.h"
#include "config.h"
#include "core.h"
#include "isolate.h"
#include "loader_hooks.h"
#include "mmio_plugin.h"
#include "util.h"

#include <assert.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define MMIO_PLUGIN_MAX_FOURCCS MMIO_CHECK_MAX_FOURCCS

/* Why a check did not find a usable plugin: its own fault (kept in the
 * cache until the file changes), the circumstances of the checker's run (a
 * limit killed it: never cached, retried next time), or this process
 * failing to get a verdict at all (no memory, no checker started, its
 * answer unreadable: says nothing of the plugin, and a list build that
 * meets it fails instead of listing the plugin as broken). */
enum { FAULT_NONE = 0, FAULT_PLUGIN = 1, FAULT_ENV = 2, FAULT_HOST = 3 };

/* What a check found out about one file.  Immutable once made. */
struct mmio_check {
    UINT state; /* MMIO_PLUGIN_AVAILABLE, _BROKEN or _REFUSED */
    int fault;
    int timeout_ms; /* the limit the check ran under */
    char *reason;
    char *name, *version, *description, *license;
    FOURCC *fourccs; /* 0-terminated; never NULL after a check */
};
void mmio_check_free(struct mmio_check *c);
int mmio_check_copy(struct mmio_check *dst, const struct mmio_check *src);
/* A verdict made here, without running the checker (refusals). */
void mmio_check_set(struct mmio_check *c, UINT state, int fault,
                    const char *reason);

/* What the cache keys a checked file on. */
struct mmio_key {
    int64_t size, mtime_ns;
    uint64_t ino;
    uint32_t mode;
};
void mmio_key_of(struct mmio_key *k, const struct stat *st);
int mmio_key_eq(const struct mmio_key *a, const struct mmio_key *b);

/* ---- check.c: running mmio-scan ------------------------------------------
 * Checks a plugin file (symbol NULL) or a procedure `symbol` in a shared
 * object, in a child process with a time limit.  Never fails: the verdict
 * says what happened. */
void mmio_check_run(const char *path, const char *symbol, int timeout_ms,
                    struct mmio_check *out);
/* Whether this process is the checker or an isolated plugin's helper (the
 * plugin host is off there). */
int mmio_in_checker(void);
/* Whether this process is an isolated plugin's helper. */
int mmio_in_helper(void);
/* Where the libexec program `tool` is (mmio-scan, mmio-serve): $env when
 * set, else beside the library in a build tree, else libexec. */
void mmio_tool_path(const char *tool, const char *env, char *out, size_t cap);

/* ---- trust.c: who may have written a file ----------------------------- */
/* The last directory whose whole chain up to / was found trustworthy, so a
 * directory of 200 plugins is walked up once, not 200 times. */
struct mmio_trust_memo {
    char dir[4096];
};
/* A plugin file or a library to load: resolves symlinks (the canonical
 * path goes to real, its stat to st), and checks the file, every directory
 * above it and any symlink on the way.  memo may be NULL.  0, or -1 with
 * the reason in why. */
int mmio_trust_file(const char *path, char *real, size_t realcap,
                    struct stat *st, struct mmio_trust_memo *memo, char *why,
                    size_t whycap);
/* A plugin directory: the same, and the directory itself may not be
 * writable by anyone else, sticky or not.  1 when it does not exist. */
int mmio_trust_dir(const char *dir, char *why, size_t whycap);
/* The *.so files of a trusted directory, sorted; -1 on failure. */
int mmio_list_dir(const char *dir, char ***paths, size_t *n);

/* ---- cache.c: the scan cache file ---------------------------------------- */
/* Whether two (file, procedure symbol) pairs name the same entry; a NULL
 * symbol (a plugin file) is "". */
int mmio_same_entry(const char *path, const char *symbol, const char *path2,
                    const char *symbol2);
/* The index of the first of n items `is` accepts, trying *hint first (a
 * list walked in the order it was made hits there nearly always); *hint
 * moves past it.  n when none. */
size_t mmio_find_hinted(size_t n, size_t *hint,
                        int (*is)(size_t i, const void *ctx), const void *ctx);

struct mmio_cache_entry {
    char *path;
    char *symbol; /* NULL: a plugin file */
    struct mmio_key key;
    struct mmio_check chk;
};
struct mmio_cache {
    struct mmio_cache_entry *e;
    size_t n, cap;
    int frozen; /* another version's file: read nothing, write nothing */
};
void mmio_cache_read(const char *file, struct mmio_cache *c);
int mmio_cache_write(const char *file, const struct mmio_cache *c);
void mmio_cache_free(struct mmio_cache *c);
/* hint: where to look first, updated (start at 0). */
const struct mmio_cache_entry *mmio_cache_find(const struct mmio_cache *c,
                                               const char *path,
                                               const char *symbol,
                                               size_t *hint);

/* ---- state.c: the registry state files ------------------------------------
 * Two layers: the machine's (written by root, read by everyone) and the
 * user's own.  Each lists plugins installed for every program and global
 * procedures recorded by applications. */
struct mmio_state {
    struct mmio_state_plugin {
        char *path;
        char *name;
    } * plugins;
    size_t nplugins, capplugins;
    struct mmio_state_proc {
        FOURCC fcc;
        char *lib;
        char *symbol;
    } * procs;
    size_t nprocs, capprocs;
    struct mmio_state_crash {
        char *path;
        struct mmio_key key; /* the file that crashed (mode unused) */
        int64_t when;        /* seconds since the epoch */
        char *why;
    } * crashes;
    size_t ncrashes, capcrashes;
};
/* 0 (a missing file is an empty state), or -1 with the reason in why
 * (unreadable, untrusted, another format or a newer version). */
int mmio_state_read(const char *file, struct mmio_state *st, char *why,
                    size_t whycap);
void mmio_state_free(struct mmio_state *st);
int mmio_state_add_plugin(struct mmio_state *st, const char *path,
                          const char *name);
int mmio_state_add_proc(struct mmio_state *st, FOURCC fcc, const char *lib,
                        const char *symbol);
int mmio_state_add_crash(struct mmio_state *st,
                         const struct mmio_state_crash *c);
/* edit returns 1 (changed: write it), 0 (nothing to do) or -1 (failed). */
typedef int (*mmio_state_edit)(struct mmio_state *st, void *ctx);
/* Read-modify-write under the state's lock file, waiting at most a few
 * seconds for it.  0, 1 when edit changed nothing, or -1 with why. */
int mmio_state_update(const char *file, mmio_state_edit edit, void *ctx,
                      char *why, size_t whycap);

/* ---- plugins.c: the plugin list (built by rebuild.c) -----------------------
 */
enum { KIND_PLUGIN = MMIO_KIND_PLUGIN, KIND_PROC = MMIO_KIND_PROC };

struct mmio_plugin {
    /* fixed when made */
    char *path;   /* canonical */
    char *symbol; /* KIND_PROC: the procedure's exported name */
    int kind;
    FOURCC proc_fcc; /* KIND_PROC: where it was installed */
    struct mmio_key key;
    struct mmio_check chk;
    /* plugin_host.lock */
    unsigned refs;    /* the list's reference, and every holder's */
    unsigned layers;  /* 1 << MMIO_LAYER_*: where it was found */
    int disabled;     /* enabled = no */
    int shadowed;     /* refused: another of the same name comes first */
    char *shadow_why; /* that, for a person (NULL when memory ran out) */
    int loading;      /* claimed by `loader` */
    pthread_t loader;
    char *options;     /* plugins.conf's options, kept while loaded */
    uint64_t *targets; /* where its install ran: 0 global, else a task */
    size_t ntargets, captargets;
    /* written by the claiming thread only */
    void *dl;
    LPMMIOPROC *procs; /* what its install installed, per chk.fourccs[i] */
    struct mmio_isolated *iso; /* run in helpers: made once, never freed */
};

struct mmio_host {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    char *config_file; /* mmioExtConfigure; NULL: the default */
    unsigned config_gen;
    int config_loaded;
    struct mmio_config cfg;
    struct mmio_plugin **list;
    size_t n, cap;
    int listed;     /* list built at least once for this configuration */
    int refreshing; /* a thread is rebuilding the list */
    int stale;      /* a load found a file changed: rebuild next time */
    struct stat *dirs_seen; /* each plugin directory when last listed */
    size_t ndirs_seen;
    struct stat state_seen[2]; /* each state file (user, machine) */
    struct mmio_state crashes; /* the user's crash records (crash.c) */
};
/* The loader's one plugin host of this process (plugins.c). */
extern struct mmio_host plugin_host;
/* plugin_host.lock, through these only, so that a function named _locked
 * can assert that its caller holds it (MMIO_ASSERT_HOST_LOCKED). */
void mmio_host_lock(void);
void mmio_host_unlock(void);
void mmio_host_wait(void); /* on plugin_host.cond */
int mmio_host_held(void);  /* by this thread */
#define MMIO_ASSERT_HOST_LOCKED() assert(mmio_host_held())

/* Loads the configuration once.  plugin_host.lock is held on entry and on
 * return but dropped while the file is parsed (it reports through the
 * application's callback), so anything read under the lock before must be
 * read again.  0, or an MMRESULT when it could not be read whole (out of
 * memory, an I/O error): plugin_host.cfg is then empty and the next call tries
 * again. */
MMRESULT mmio_host_load_config(void);
/* Rebuilds the list from the directories, the states and the cache,
 * checking what changed; force re-checks every file.  Lock not held.  0,
 * or why the list could not be built whole (the configuration or a state
 * unreadable, memory, no verdict): the old list and cache then stay. */
MMRESULT mmio_host_refresh(int force);
/* Whether a state file or plugin directory changed since the list was
 * built (one stat each); plugin_host.lock held. */
int mmio_host_stale_locked(void);
/* stat, or a zeroed struct when it fails (compared for staleness). */
void mmio_stat_or_zero(const char *path, struct stat *st);
/* Makes sure the list exists (lock not held): 0, or why there is none
 * (the configuration unreadable, the first build failed). */
MMRESULT mmio_host_ensure_listed(void);
void mmio_plugin_unref_locked(struct mmio_plugin *p);
struct mmio_plugin *mmio_plugin_new(const char *path, const char *symbol);
int mmio_plugin_has(const struct mmio_plugin *p, FOURCC fcc);
/* The state a person is told (loaded, disabled, shadowed...). */
UINT mmio_plugin_shown_state(const struct mmio_plugin *p, const char **why);
/* The state files: 0 user, 1 machine (NULL when none). */
const char *mmio_host_state_path_locked(int machine);

/* ---- load.c: running a checked plugin ---------------------------------- */
/* Installs p for the whole process (global) or for a task (NULL: the
 * calling thread's), dlopen'ing it first if needed, or in a helper process
 * (isolate 1; -1: as plugins.conf says); only a plugin the checker passed.
 * The caller holds a reference, not the lock.  MMSYSERR_ALLOCATED when it
 * was already installed there. */
MMRESULT mmio_plugin_load(struct mmio_plugin *p, int global, HTASK task,
                          int isolate);
/* Makes opts the current plugin options of this thread; returns the old. */
const char *mmio_options_swap(const char *opts);

/* ---- crash.c: isolated plugins that crashed at run time ----------------
 * Recorded in the user's state with the time and reason; a plugin file
 * with a record is not loaded in-process until it changes or the record is
 * cleared (mmioExtRescan with force, or removing the plugin). */
/* On any thread, saying nothing: what failed goes to err (else ""). */
void mmio_crash_record(struct mmio_plugin *p, const char *why, char *err,
                       size_t errcap);
/* Whether p (its file as checked) has a record: 1 and the words. */
int mmio_crash_known_locked(const struct mmio_plugin *p, char *why, size_t cap);
/* Forgets the records of path (NULL: every one); lock not held. */
void mmio_crash_clear(const char *path);

/* ---- provide.c: the hooks the core calls (loader_hooks.h) -------------- */

#endif
