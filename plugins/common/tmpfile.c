/* SPDX-License-Identifier: MIT */
/* tmpfile.c - files written through a temporary (tmpfile.h). */
#define _GNU_SOURCE
#include "tmpfile.h"

#include "inner.h"
#include "procutil.h"

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

/* An unnamed read-write file in dir (a killed process leaves nothing); on
 * a filesystem without O_TMPFILE, the file named by the mkostemp pattern
 * `named`, unlinked at once.  An fd, or -1 (errno). */
static int unnamed_in(const char *dir, char *named)
{
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    fd = named ? mkostemp(named, O_CLOEXEC) : -1;
    if (fd >= 0)
        unlink(named);
    return fd;
}

int tmp_beside(const char *target)
{
    if (!plug_is_local(target)) { /* in a container: built locally */
        const char *dir = getenv("TMPDIR");
        if (!dir || dir[0] != '/')
            dir = "/tmp";
        char named[4200];
        snprintf(named, sizeof named, "%s/mmio-scratch.XXXXXX", dir);
        return unnamed_in(dir, named);
    }
    char *dir = tmp_dir_of(target);
    char *named = tmp_name(target, ".mmioscratch.XXXXXX");
    int fd = dir ? unnamed_in(dir, named) : -1;
    free(dir);
    free(named);
    return fd;
}

mode_t tmp_mode_for(const char *target)
{
    struct stat st;
    if (plug_is_local(target) && stat(target, &st) == 0)
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

int tmp_copy_into(int fd, HMMIO h)
{
    enum { CHUNK = 1 << 16 };
    char *chunk = malloc(CHUNK);
    if (!chunk)
        return -1;
    int64_t at = 0;
    long n;
    while ((n = plug_pread(fd, chunk, CHUNK, at)) > 0) {
        if (mmioWrite(h, chunk, (LONG)n) != (LONG)n)
            break;
        at += n;
    }
    free(chunk);
    return n == 0 ? 0 : -1;
}

unsigned tmp_can_commit(const char *target)
{
    DWORD caps = mmioPluginQueryCaps(target);
    if (caps & (MMIO_CAP_LOCAL | MMIO_CAP_ATOMIC_CLOSE | MMIO_CAP_RENAME))
        return 0;
    mmioPluginMessage("%s: its container can neither rename nor put a "
                      "written file in place whole, so it cannot be "
                      "replaced all-or-nothing; not opened for writing",
                      target);
    return MMSYSERR_NOTSUPPORTED;
}

/* Writes fd's bytes as name through its procedure: 0, or -1 with nothing
 * of it left behind that the procedure keeps (its close does not commit
 * after a failed write). */
static int write_through(int fd, const char *name)
{
    HMMIO h = mmioOpen((LPSTR)name, NULL, MMIO_CREATE | MMIO_WRITE);
    if (!h)
        return -1;
    int ok = tmp_copy_into(fd, h) == 0;
    ok = mmioClose(h, 0) == 0 && ok;
    return ok ? 0 : -1;
}

/* The target is inside a container: copied in whole, or not at all. */
static int commit_through_container(int fd, const char *target)
{
    DWORD caps = mmioPluginQueryCaps(target);
    if (caps & MMIO_CAP_ATOMIC_CLOSE)
        return write_through(fd, target);
    if (!(caps & MMIO_CAP_RENAME))
        return -1;
    char suffix[48];
    snprintf(suffix, sizeof suffix, ".mmiotmp%ld", (long)getpid());
    char *tmp = tmp_name(target, suffix);
    if (!tmp)
        return -1;
    int ok = write_through(fd, tmp) == 0 &&
             mmioRename(tmp, target, NULL, 0) == MMSYSERR_NOERROR;
    if (!ok)
        (void)mmioOpen(tmp, NULL, MMIO_DELETE);
    free(tmp);
    return ok ? 0 : -1;
}

int tmp_commit(int fd, const char *target)
{
    if (!plug_is_local(target))
        return commit_through_container(fd, target);
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
