/* SPDX-License-Identifier: MIT */
/* config.h - plugins.conf: what it says, with defaults applied. */
#ifndef MMIO_CONFIG_H
#define MMIO_CONFIG_H

#include "mmio.h"

#include <stddef.h>

/* An isolated plugin's limits when plugins.conf says none. */
#define MMIO_ISOLATE_TIMEOUT_MS 5000
#define MMIO_ISOLATE_MEMORY_MB 4096

struct mmio_plugin_conf {
    char *name;
    int enabled;      /* 1, 0; -1 when not said */
    int enabled_line; /* where enabled = was said (0: nowhere) */
    int line;         /* of its first [plugin NAME] section */
    char *options;
    int isolate;    /* 1, 0; -1 when not said ([host] isolate decides) */
    int timeout_ms; /* an isolated plugin's limit per message */
    long memory_mb; /* an isolated plugin's address space (0: no limit) */
    long cpu_s;     /* an isolated plugin's helper's CPU time (0: none) */
    int network;    /* an isolated plugin may open sockets */
};

struct mmio_route {
    FOURCC fcc;    /* the FOURCC routed */
    char *plugin;  /* to this plugin */
    FOURCC target; /* using its procedure for this FOURCC (0: its first) */
    char *options;
    int line; /* of its [route] section */
};

struct mmio_config {
    char *path;  /* the file read, or NULL when none exists */
    char **dirs; /* plugin directories, absolute, in search order */
    size_t ndirs;
    char *cache_path; /* scan cache file (NULL: keep it in memory only) */
    char *state_path; /* the user's registry state (NULL: none) */
    char *system_state_path; /* the machine's registry state */
    int lazy;
    int scan_timeout_ms;
    int isolate; /* plugins run in helper processes unless they say not */
    struct mmio_plugin_conf *plugins;
    size_t nplugins;
    struct mmio_route *routes;
    size_t nroutes;
    size_t cap_dirs, cap_plugins, cap_routes; /* allocated items */
    /* 0, or the errno (ENOMEM, EIO...) that left it incomplete: memory
     * ran out or the file could not be read; it must not be used */
    int failed;
    int names_said; /* [plugin]/[route] names no plugin has were said */
};

/* Reads `file` (NULL: $MMIO_CONFIG, else the installed plugins.conf; a
 * missing default file is an empty configuration).  Problems are reported
 * (mmio_msg) as "file:line: message"; returns the number of them, or -1
 * when `file` itself cannot be read.  cfg->failed says the configuration
 * is incomplete (out of memory, an I/O error): not to be used. */
int mmio_config_load(const char *file, struct mmio_config *cfg);
void mmio_config_free(struct mmio_config *cfg);
const struct mmio_plugin_conf *mmio_config_plugin(const struct mmio_config *c,
                                                  const char *name);

#endif
