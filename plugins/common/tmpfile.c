/* SPDX-License-Identifier: MIT */
/* tmpfile.c - files written beside their target (tmpfile.h). */
#define _GNU_SOURCE
#include "tmpfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *tmp_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

char *tmp_name(const char *path, const char *suffix)
{
    size_t n = strlen(path) + strlen(suffix) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s", path, suffix);
    return s;
}

int tmp_beside(const char *target)
{
    char *dir = tmp_dir_of(target);
    if (!dir)
        return -1;
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    free(dir);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    /* no unnamed files on this filesystem: a named one, unlinked at once */
    char *path = tmp_name(target, ".mmioscratch.XXXXXX");
    fd = path ? mkostemp(path, O_CLOEXEC) : -1;
    if (fd >= 0)
        unlink(path);
    free(path);
    return fd;
}

mode_t tmp_mode_for(const char *target)
{
    struct stat st;
    if (stat(target, &st) == 0)
        return st.st_mode & 07777;
    FILE *f = fopen("/proc/self/status", "re");
    unsigned long mask = 022;
    char line[128];
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "Umask:", 6) == 0) {
            mask = strtoul(line + 6, NULL, 8);
            break;
        }
    if (f)
        fclose(f);
    return 0666 & ~(mode_t)mask;
}

int tmp_commit(int fd, const char *target)
{
    if (fchmod(fd, tmp_mode_for(target)) != 0 || fsync(fd) != 0)
        return -1;
    char *name = tmp_name(target, ".mmiolink.XXXXXX");
    if (!name)
        return -1;
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    int ok = 0;
    for (int tries = 0; tries < 100 && !ok; tries++) {
        /* a unique name: mkstemp's, given up at once for the link */
        memcpy(name + strlen(name) - 6, "XXXXXX", 6);
        int probe = mkostemp(name, O_CLOEXEC);
        if (probe < 0)
            break;
        close(probe);
        unlink(name);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0)
            ok = 1;
        else if (errno != EEXIST)
            break;
    }
    if (ok && rename(name, target) != 0) {
        unlink(name);
        ok = 0;
    }
    free(name);
    return ok ? 0 : -1;
}
