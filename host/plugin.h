/* plugin.h - what the plugin host's files (cache, scan, state, plugin) share.
 */
#ifndef MMIO_PLUGIN_HOST_H
#define MMIO_PLUGIN_HOST_H

#include "mmio.h"

#include <stddef.h>
#include <stdint.h>

/* One plugin file as the scan saw it (and, once loaded, as it runs). */
struct mmio_plugin_rec {
    char *path;
    int64_t size;
    int64_t mtime_ns;
    uint32_t mode; /* permissions decide too: part of the cache key */
    UINT state;    /* MMIO_PLUGIN_* */
    char *reason;
    char *name, *version, *description, *license;
    FOURCC *fourccs; /* 0-terminated */
    int system_wide;
    /* runtime only */
    int disabled;   /* enabled = no in plugins.conf */
    int app_loaded; /* loaded by mmioExtLoadPlugin, not from the path */
    void *dl;
    LPMMIOPROC *procs; /* what its install installed, per fourccs[i] */
};

void mmio_rec_free(struct mmio_plugin_rec *r);
int mmio_rec_has(const struct mmio_plugin_rec *r, FOURCC fcc);

/* scan.c: checks one file in a child process (the mmio-scan helper);
 * fills name, descriptor fields, state and reason. */
void mmio_scan_file(const char *path, int timeout_ms,
                    struct mmio_plugin_rec *rec);
/* The plugin files of a directory, or a reason it is refused.  Returns the
 * number of paths put in *paths (each malloc'ed), -1 when refused. */
int mmio_scan_dir(const char *dir, char ***paths, char *why, size_t cap);
/* Refuses files and directories others than the owner (or root) may write:
 * 0, or -1 with the reason in why. */
int mmio_check_safe(const char *path, char *why, size_t cap);

/* cache.c: the scan cache file. */
int mmio_cache_read(const char *file, struct mmio_plugin_rec **recs, size_t *n);
int mmio_cache_write(const char *file, const struct mmio_plugin_rec *recs,
                     size_t n);

/* fileutil.c */
/* Writes data to path atomically (temp file, fsync, rename), creating the
 * directory when missing. */
int mmio_write_atomic(const char *path, const char *data, size_t len);
/* Creates the directories leading to path. */
int mmio_make_parent(const char *path);
/* Reads a whole file (NUL-terminated); NULL when it cannot be read. */
char *mmio_read_all(const char *path, size_t *len);

/* state.c: the global registry state file. */
struct mmio_state {
    char **plugins; /* plugin files installed system-wide */
    size_t nplugins;
    struct mmio_state_proc {
        FOURCC fcc;
        char *lib;
        char *symbol;
    } * procs;
    size_t nprocs;
};
int mmio_state_read(const char *file, struct mmio_state *st);
void mmio_state_free(struct mmio_state *st);
/* Read-modify-write under an exclusive lock on file.lock. */
typedef int (*mmio_state_edit)(struct mmio_state *st, void *ctx);
int mmio_state_update(const char *file, mmio_state_edit edit, void *ctx);

/* plugin.c */
/* The configured state file, copied into out; -1 when there is none. */
int mmio_plugins_state_path(char *out, size_t cap);

#endif
