/* SPDX-License-Identifier: MIT */
/*
 * isolate.h - plugins run in a helper process (host/isolate), as the
 * loader sees them.
 *
 * An isolated plugin is loaded by tools/mmio-serve, started with
 * posix_spawn on first need; the application gets a proxy procedure per
 * FOURCC the plugin installed, installed through mmioInstallIOProc (so the
 * caller's install context sends them where an in-process install would
 * go).  A helper that crashes, hangs past its time limit or is killed
 * fails the handles it served, and the next open starts another, at most
 * MMIO_ISOLATE_RESTARTS times in MMIO_ISOLATE_WINDOW_S seconds: then the
 * plugin is broken for the rest of the process.
 */
#ifndef MMIO_ISOLATE_H
#define MMIO_ISOLATE_H

#include "mmio.h"

#define MMIO_ISOLATE_RESTARTS 5
#define MMIO_ISOLATE_WINDOW_S 10

struct mmio_isolate_conf {
    const char *helper; /* mmio-serve's path */
    const char *path;   /* the plugin file, canonical */
    const char *symbol; /* a global procedure's symbol, or NULL */
    FOURCC proc_fcc;    /* ... and where it goes */
    const char *name;   /* the plugin's name, for messages */
    const char *options;
    int timeout_ms; /* per message */
    long memory_mb; /* the helper's address space; 0: unlimited */
    long cpu_s;     /* the helper's CPU time; 0: unlimited */
    int network;    /* the plugin may open sockets */
    /* Told when a helper died or was killed (why, and whether the plugin
     * is now broken for good), on the thread that reaped it: no lock held,
     * nothing said there (an application's message callback is called on
     * its own threads only); what it writes in err is said later. */
    void (*crashed)(void *ctx, const char *why, int broken, char *err,
                    size_t errcap);
    void *ctx;
};

struct mmio_isolated;

/* A plugin to run isolated (the strings are copied): NULL without memory. */
struct mmio_isolated *mmio_isolate_new(const struct mmio_isolate_conf *conf);
/* Starts a helper if none runs and installs a proxy for each procedure the
 * plugin installed there.  0, or an MMRESULT (why said). */
MMRESULT mmio_isolate_install(struct mmio_isolated *iso);
/* Whether the plugin broke at run time in this process: 1 and why. */
int mmio_isolate_broken(struct mmio_isolated *iso, char *why, size_t cap);

#endif
