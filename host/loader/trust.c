/* SPDX-License-Identifier: MIT */
/*
 * trust.c - whether a file may be loaded into a program: who could have
 * written it.
 *
 * A plugin file (or a library named in a registry state) and every directory
 * above it up to / must be owned by root or the effective user and writable
 * by nobody else.  The one exception is a world-writable directory with the
 * sticky bit (like /tmp): others cannot replace your entries there, so it
 * may sit above a plugin directory, but a plugin directory may not be
 * writable by others, sticky or not.  Symlinks are resolved and the target
 * checked the same way; a symlink itself must belong to root or the user
 * too.
 */
#define _GNU_SOURCE
#include "loader.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A refusal: why = fmt with the path and the owner and mode of st (if
 * given) in its two %s; -1 for the caller to return. */
static int refusal(char *why, size_t cap, const char *fmt, const char *path,
                   const struct stat *st)
{
    char detail[160] = "";
    if (st)
        snprintf(detail, sizeof detail, " (owner uid %u, mode %04o)",
                 (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
    snprintf(why, cap, fmt, path, detail);
    return -1;
}

/* One path component's verdict: 0 or -1 with why. */
static int check_one(const char *path, const struct stat *st, int leaf_dir,
                     char *why, size_t cap)
{
    if (!mmio_owner_ok(st))
        return refusal(why, cap, "%s is owned by another user%s; refused", path,
                       st);
    if (!(st->st_mode & (S_IWGRP | S_IWOTH)))
        return 0;
    if (S_ISDIR(st->st_mode) && !leaf_dir && (st->st_mode & S_ISVTX))
        return 0; /* like /tmp: others cannot replace what is yours */
    return refusal(why, cap,
                   (st->st_mode & S_IWOTH)
                       ? "%s is writable by everyone%s; refused"
                       : "%s is writable by its group%s; refused",
                   path, st);
}

/* Every directory above the canonical path `real`.  The first of them is
 * judged as a plugin directory when own_dir is set (a plugin file's own
 * directory: writable by others, sticky or not, is refused, as such a
 * plugin directory is); those above may be sticky like /tmp. */
static int check_parents(const char *real, int own_dir, char *why, size_t cap)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", real);
    for (int first = 1;; first = 0) {
        char *slash = strrchr(dir, '/');
        if (!slash)
            return 0;
        if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
        struct stat st;
        if (stat(dir, &st) != 0)
            return refusal(why, cap, "%s: cannot stat%s", dir, NULL);
        if (check_one(dir, &st, first && own_dir, why, cap) != 0)
            return -1;
        if (slash == dir)
            return 0;
    }
}

/* The symlink at path, if it is one, must be root's or the user's (a
 * directory; files are handled in mmio_trust_file). */
static int check_link(const char *path, char *why, size_t cap)
{
    struct stat lst;
    if (lstat(path, &lst) != 0)
        return refusal(why, cap, "%s: no such file%s", path, NULL);
    if (S_ISLNK(lst.st_mode) && !mmio_owner_ok(&lst))
        return refusal(why, cap,
                       "%s is a symlink owned by another user%s; refused", path,
                       &lst);
    return 0;
}

/* Whether path's directory part is exactly dir. */
static int in_dir(const char *path, const char *dir)
{
    const char *slash = strrchr(path, '/');
    size_t n = strlen(dir);
    return slash && *dir && (size_t)(slash - path) == n &&
           !strncmp(path, dir, n);
}

int mmio_trust_file(const char *path, char *real, size_t realcap,
                    struct stat *out, struct mmio_trust_memo *memo, char *why,
                    size_t whycap)
{
    char resolved[PATH_MAX];
    struct stat st;
    if (lstat(path, &st) != 0)
        return refusal(why, whycap, "%s: no such file%s", path, NULL);
    if (S_ISLNK(st.st_mode) && !mmio_owner_ok(&st))
        return refusal(why, whycap,
                       "%s is a symlink owned by another user%s; refused", path,
                       &st);
    int known_dir = memo && !S_ISLNK(st.st_mode) && in_dir(path, memo->dir);
    if (known_dir) { /* a canonical directory, a plain file: canonical */
        snprintf(resolved, sizeof resolved, "%s", path);
    } else {
        if (!realpath(path, resolved))
            return refusal(why, whycap, "%s: cannot resolve%s", path, NULL);
        if (stat(resolved, &st) != 0)
            return refusal(why, whycap, "%s: cannot stat%s", resolved, NULL);
    }
    if (!S_ISREG(st.st_mode))
        return refusal(why, whycap, "%s is not a regular file%s; refused",
                       resolved, NULL);
    if (check_one(resolved, &st, 0, why, whycap) != 0)
        return -1;
    if (!(memo && in_dir(resolved, memo->dir))) {
        if (check_parents(resolved, 1, why, whycap) != 0)
            return -1;
        if (memo) { /* every directory above it is fine: remember it */
            snprintf(memo->dir, sizeof memo->dir, "%s", resolved);
            char *slash = strrchr(memo->dir, '/');
            *slash = '\0';
        }
    }
    if (real && snprintf(real, realcap, "%s", resolved) >= (int)realcap)
        return refusal(why, whycap, "%s: path too long%s", resolved, NULL);
    if (out)
        *out = st;
    return 0;
}

int mmio_trust_dir(const char *dir, char *why, size_t whycap)
{
    char resolved[PATH_MAX];
    struct stat st;
    if (lstat(dir, &st) != 0 && errno == ENOENT)
        return 1;
    if (check_link(dir, why, whycap) != 0)
        return -1;
    if (!realpath(dir, resolved))
        return errno == ENOENT
                   ? 1
                   : refusal(why, whycap, "%s: cannot resolve%s", dir, NULL);
    if (stat(resolved, &st) != 0 || !S_ISDIR(st.st_mode))
        return refusal(why, whycap, "%s is not a directory%s", resolved, NULL);
    if (check_one(resolved, &st, 1, why, whycap) != 0 ||
        check_parents(resolved, 0, why, whycap) != 0)
        return -1;
    return 0;
}

static int is_plugin_name(const char *n)
{
    size_t len = strlen(n);
    return n[0] != '.' && len > 3 && strcmp(n + len - 3, ".so") == 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int mmio_list_dir(const char *dir, char ***paths, size_t *n)
{
    size_t cap = 0;
    *paths = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (!is_plugin_name(e->d_name))
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *p = mmio_sys_malloc(len);
        if (!p || mmio_ptrs_push(paths, n, &cap, p) != 0) {
            free(p);
            rc = -1;
            break;
        }
        snprintf(p, len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (*n > 1)
        qsort(*paths, *n, sizeof **paths, by_name);
    return rc;
}
