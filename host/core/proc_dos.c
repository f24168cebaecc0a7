/* SPDX-License-Identifier: MIT */
/*
 * proc_dos.c - the built-in DOS procedure: files through POSIX descriptors.
 *
 * adwInfo[0] holds the descriptor (as Windows keeps the HFILE there); a NULL
 * name means the caller put an already-open descriptor there.  adwInfo[1]
 * holds 1 + the descriptor that carries this handle's share locks, or 0.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NO_FD ((DWORD)-1)

/* Windows' OpenFile looks for a bare name that is not in the current
 * directory in the executable's directory too: the same here, for names
 * with no directory part opened without MMIO_CREATE.  MMIO_EXIST does not
 * look there (Wine's mmio test, which passes on Windows, says so).  NULL
 * when there is no such file there either. */
static const char *beside_program(const char *name, char *buf, size_t cap)
{
    if (!name || !*name || strchr(name, '/'))
        return NULL;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    int len = snprintf(buf, cap, "%s/%s", exe, name);
    if (len < 0 || (size_t)len >= cap || access(buf, F_OK) != 0)
        return NULL;
    return buf;
}

static LRESULT dos_open(MMIOINFO *mi, const char *name)
{
    DWORD fl = mi->dwFlags;
    DWORD rw = fl & MMIO_RWMODE;
    int fd;
    int lockfd = -1;

    if (fl & MMIO_DELETE) {
        mi->adwInfo[0] = NO_FD; /* nothing open: the close that follows */
        return unlink(name) == 0
                   ? 0
                   : mmio_error_from_errno(errno, MMIOERR_CANNOTOPEN);
    }
    char found[4200];
    if (fl & MMIO_EXIST) {
        struct stat st;
        mi->adwInfo[0] = NO_FD;
        if (stat(name, &st) == 0)
            return 0;
        return mmio_error_from_errno(errno, MMIOERR_FILENOTFOUND);
    }
    if (!name) {
        fd = (int)mi->adwInfo[0];
        int acc = fcntl(fd, F_GETFL);
        if (acc < 0)
            return MMIOERR_INVALIDFILE;
        off_t here = lseek(fd, 0, SEEK_CUR);
        mi->lDiskOffset = (here > 0 && here <= INT32_MAX) ? (LONG)here : 0;
    } else {
        int oflags = O_CLOEXEC;
        oflags |= rw == MMIO_WRITE       ? O_WRONLY
                  : rw == MMIO_READWRITE ? O_RDWR
                                         : O_RDONLY;
        if (fl & MMIO_CREATE)
            oflags |= O_CREAT; /* truncated below, once sharing allows it */
        fd = mmio_sys_open(name, oflags, 0666);
        if (fd < 0 && errno == ENOENT && !(fl & MMIO_CREATE) &&
            beside_program(name, found, sizeof found))
            fd = mmio_sys_open(found, oflags, 0666);
        if (fd < 0)
            return mmio_error_from_errno(errno, MMIOERR_CANNOTOPEN);
        struct stat st;
        if (fstat(fd, &st) != 0 || (rw == MMIO_READ && S_ISDIR(st.st_mode))) {
            close(fd); /* a directory opens read-only on POSIX */
            return MMIOERR_ACCESSDENIED;
        }
        /* Only a file with something in it is truncated: ftruncate on an
         * empty file would make ext4 flush it at close (its
         * replace-by-truncate heuristic), for nothing. */
        if (st.st_size == 0)
            fl &= ~(DWORD)MMIO_CREATE;
    }
    UINT rc = mmio_share_acquire(fd, name, fl, &lockfd);
    if (rc == 0 && name && (fl & MMIO_CREATE) && rw != MMIO_READ &&
        ftruncate(fd, 0) != 0) {
        rc = mmio_error_from_errno(errno, MMIOERR_CANNOTWRITE);
        mmio_share_release(fd, lockfd);
    }
    if (rc != 0) {
        if (name)
            close(fd);
        return rc;
    }
    mi->adwInfo[0] = (DWORD)fd;
    mi->adwInfo[1] = (DWORD)(lockfd + 1);
    return 0;
}

static LRESULT dos_close(MMIOINFO *mi, UINT flags)
{
    if (mi->adwInfo[0] == NO_FD)
        return 0;
    int fd = (int)mi->adwInfo[0];
    int lockfd = (int)mi->adwInfo[1] - 1;
    mi->adwInfo[0] = NO_FD;
    if (flags & MMIO_FHOPEN) { /* the caller keeps the descriptor */
        mmio_share_release(fd, lockfd);
        return 0;
    }
    if (lockfd >= 0)
        close(lockfd);
    return close(fd) == 0 ? 0 : MMIOERR_CANNOTCLOSE;
}

/* What fits before the LONG limit of positions from where the file is. */
static LONG room_to_limit(const MMIOINFO *mi, LONG cch)
{
    int64_t room = (int64_t)INT32_MAX - mi->lDiskOffset;
    if (mi->lDiskOffset < 0 || room < 0)
        return 0;
    return cch > room ? (LONG)room : cch;
}

static LRESULT dos_read(MMIOINFO *mi, char *buf, LONG cch)
{
    int fd = (int)mi->adwInfo[0];
    LONG done = 0;
    cch = room_to_limit(mi, cch);
    while (done < cch) {
        ssize_t n = mmio_sys_read(fd, buf + done, (size_t)(cch - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (done == 0)
                return -1;
            break;
        }
        if (n == 0)
            break;
        done += (LONG)n;
    }
    mi->lDiskOffset += done;
    return done;
}

static LRESULT dos_write(MMIOINFO *mi, const char *buf, LONG cch)
{
    int fd = (int)mi->adwInfo[0];
    LONG done = 0;
    if (room_to_limit(mi, cch) < cch)
        return -1; /* past the LONG limit of positions: refused whole */
    while (done < cch) {
        ssize_t n = mmio_sys_write(fd, buf + done, (size_t)(cch - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (done == 0)
                return -1;
            break;
        }
        done += (LONG)n;
    }
    mi->lDiskOffset += done;
    return done;
}

static LRESULT dos_seek(MMIOINFO *mi, LONG offset, int origin)
{
    int fd = (int)mi->adwInfo[0];
    off_t r;
    switch (origin) {
    case SEEK_SET:
    case SEEK_CUR:
        r = lseek(fd, offset, origin);
        break;
    case SEEK_END: /* mmio counts back from the end */
        r = lseek(fd, -(off_t)offset, SEEK_END);
        break;
    default:
        return -1;
    }
    if (r < 0 || r > INT32_MAX)
        return -1;
    mi->lDiskOffset = (LONG)r;
    return (LRESULT)r;
}

LRESULT CALLBACK mmio_proc_dos(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    MMIOINFO *mi = (MMIOINFO *)(void *)info;
    switch (msg) {
    case MMIOM_OPEN:
        return dos_open(mi, (const char *)a);
    case MMIOM_CLOSE:
        return dos_close(mi, (UINT)a);
    case MMIOM_READ:
        return dos_read(mi, (char *)a, (LONG)b);
    case MMIOM_WRITE:
    case MMIOM_WRITEFLUSH: /* no buffers of its own to flush */
        return dos_write(mi, (const char *)a, (LONG)b);
    case MMIOM_SEEK:
        return dos_seek(mi, (LONG)a, (int)b);
    case MMIOM_RENAME:
        return mmio_sys_rename((const char *)a, (const char *)b) == 0
                   ? 0
                   : mmio_error_from_errno(errno, MMSYSERR_ERROR);
    case MMIOM_CAPS: /* writes land in place: no atomic close */
        return MMIO_CAPS_ANSWER | MMIO_CAP_LOCAL | MMIO_CAP_RENAME;
    default: /* never 0 for what it does not do */
        return MMSYSERR_NOTSUPPORTED;
    }
}
