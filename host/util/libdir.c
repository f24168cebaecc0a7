/* SPDX-License-Identifier: MIT */
/*
 * libdir.c - where libmmio.so itself is, so the default configuration,
 * plugin directory and checker are found relative to it (an install to any
 * prefix works).  Resolved once and canonical: a program that changes its
 * directory later, or runs with a relative LD_LIBRARY_PATH, still finds them.
 */
#define _GNU_SOURCE
#include "util.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char lib_file[PATH_MAX];
static char lib_dir[PATH_MAX];

static void resolve(void)
{
    Dl_info di;
    if (!dladdr((void *)(uintptr_t)mmio_lib_dir, &di) || !di.dli_fname)
        return;
    char *real = realpath(di.dli_fname, NULL);
    if (!real)
        return;
    snprintf(lib_file, sizeof lib_file, "%s", real);
    snprintf(lib_dir, sizeof lib_dir, "%s", real);
    char *slash = strrchr(lib_dir, '/');
    if (slash)
        *(slash == lib_dir ? slash + 1 : slash) = '\0';
    free(real);
}

/* Resolved when the library is loaded, before the program can chdir: with a
 * relative LD_LIBRARY_PATH the loader's name for us is relative too. */
__attribute__((constructor)) static void resolve_at_load(void)
{
    pthread_once(&once, resolve);
}

const char *mmio_lib_dir(void)
{
    pthread_once(&once, resolve);
    return lib_dir;
}

const char *mmio_lib_file(void)
{
    pthread_once(&once, resolve);
    return lib_file;
}

int mmio_lib_relative(char *out, size_t cap, const char *rel, const char *leaf)
{
    char joined[PATH_MAX];
    int n = snprintf(joined, sizeof joined, "%s/%s", mmio_lib_dir(), rel);
    if (n < 0 || (size_t)n >= sizeof joined)
        return -1;
    char real[PATH_MAX];
    const char *dir = realpath(joined, real) ? real : joined;
    n = snprintf(out, cap, "%s%s", dir, leaf);
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}
