/* SPDX-License-Identifier: MIT */
/* hostutil.h - a scratch plugin host for the plugin suites. */
#ifndef MMIO_HOSTUTIL_H
#define MMIO_HOSTUTIL_H

#include <mmsystem.h>
#include <stddef.h>

/* The scratch host's configuration file, plugin directory and the file
 * the checker wrapper appends each checked path to. */
extern char conf[600], plugdir[600], counter[600];

void copy_file(const char *from, const char *to);
/* Copies fixture `kind` into the plugin directory (as `as`.so if given). */
void add_plugin(const char *kind, const char *as);
void append_env(const char *var, const char *opt);
/* A host with its own plugins dir, cache, states and config; `extra` is
 * appended to plugins.conf. */
void make_host(const char *const *kinds, const char *extra);
/* How many times the checker ran on a path containing leaf. */
int scans_of(const char *leaf);
/* How many times the checker ran at all. */
int scans_total(void);

struct found {
    const char *name;
    MMIOPLUGINDESC d;
    char reason[512];
    int hits;
};
/* The plugin whose name is `name` (or whose path holds it, nameless). */
struct found plugin(const char *name);
/* Whether a file whose path holds leaf is mapped in this process. */
int mapped(const char *leaf);
/* Reads what opening name gives. */
void read_name(const char *name, char *out, size_t cap);
/* Runs mmiohost --config conf ARGS; its exit status, output in out. */
int run_host(const char *args, char *out, size_t cap);

#define FOURCC_OF(s) mmioFOURCC((s)[0], (s)[1], (s)[2], (s)[3])

/* The build's bundled plugins (zip, gz) on the path of a fresh host. */
void use_bundled_plugins(void);
/* The same, with extra lines at the end of plugins.conf. */
void use_bundled_plugins_with(const char *extra);

/* MMIO_EXIST, MMIO_DELETE and mmioRename through the procedure a
 * container's name selects: file (an existing container, e.g. "/d/x.gz")
 * is asked for as "file+", renamed to other ("/d/z.gz") and deleted, and
 * each answer and the files on disk are checked; check (a shell command
 * with one %s for a path) must accept the renamed file. */
void exist_delete_rename_through(const char *file, const char *other,
                                 const char *check);

/* Seconds on a monotonic clock. */
double now_s(void);

/* Messages collected with mmioExtSetMessageCallback(collect, &said). */
struct said {
    int n;
    char all[4096]; /* every message, one a line */
};
void CALLBACK collect(LPCSTR msg, void *ctx);

#endif
