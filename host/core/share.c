/* SPDX-License-Identifier: MIT */
/*
 * share.c - the share flags (MMIO_EXCLUSIVE, MMIO_DENYWRITE, MMIO_DENYREAD,
 * MMIO_DENYNONE) between handles of this library, in this process and in
 * others, using open-file-description (OFD) advisory locks.
 *
 * Each open handle holds shared (read) locks on marker bytes far past any
 * real data: one byte says "someone reads", one "someone writes", one
 * "someone denies reading", one "someone denies writing".  An open checks the
 * opposite markers with F_OFD_GETLK, which only reports locks held through
 * other open file descriptions, i.e. other handles.  Locks are taken before
 * the check, so two racing opens can both fail but never both succeed.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#define MARK_BASE ((off_t)0x7fffffffffff0000LL)
enum { MARK_READ, MARK_WRITE, MARK_DENYREAD, MARK_DENYWRITE, MARK_COUNT };

static int lock_byte(int fd, int cmd, short type, int mark)
{
    struct flock fl = {0};
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = MARK_BASE + mark;
    fl.l_len = 1;
    if (fcntl(fd, cmd, &fl) != 0)
        return -1;
    return cmd == F_OFD_GETLK ? (fl.l_type != F_UNLCK) : 0;
}

UINT mmio_share_acquire(int fd, const char *path, DWORD flags, int *lockfd)
{
    int mine[MARK_COUNT] = {0};
    int check[MARK_COUNT] = {0};
    DWORD rw = flags & MMIO_RWMODE;
    switch (flags & MMIO_SHAREMODE) {
    case MMIO_EXCLUSIVE:
        mine[MARK_DENYREAD] = mine[MARK_DENYWRITE] = 1;
        break;
    case MMIO_DENYWRITE:
        mine[MARK_DENYWRITE] = 1;
        break;
    case MMIO_DENYREAD:
        mine[MARK_DENYREAD] = 1;
        break;
    default: /* MMIO_DENYNONE and compatibility mode share everything */
        break;
    }
    mine[MARK_READ] = (rw != MMIO_WRITE);
    mine[MARK_WRITE] = (rw != MMIO_READ);
    check[MARK_DENYREAD] = mine[MARK_READ];
    check[MARK_DENYWRITE] = mine[MARK_WRITE];
    check[MARK_READ] = mine[MARK_DENYREAD];
    check[MARK_WRITE] = mine[MARK_DENYWRITE];

    /* Shared locks need a descriptor open for reading. */
    *lockfd = -1;
    int lfd = fd;
    if (rw == MMIO_WRITE) {
        if (!path)
            return 0; /* a caller's write-only descriptor: cannot take part */
        *lockfd = mmio_sys_open(path, O_RDONLY | O_CLOEXEC);
        if (*lockfd < 0)
            return 0; /* unreadable file: nothing to enforce it with */
        lfd = *lockfd;
    }
    for (int m = 0; m < MARK_COUNT; m++) {
        if (mine[m] && lock_byte(lfd, F_OFD_SETLK, F_RDLCK, m) != 0) {
            /* No lock support here (some file systems): share freely. */
            mmio_share_release(fd, *lockfd);
            *lockfd = -1;
            return 0;
        }
    }
    for (int m = 0; m < MARK_COUNT; m++) {
        if (check[m] && lock_byte(lfd, F_OFD_GETLK, F_WRLCK, m) == 1) {
            mmio_share_release(fd, *lockfd);
            *lockfd = -1;
            return MMIOERR_SHARINGVIOLATION;
        }
    }
    return 0;
}

void mmio_share_release(int fd, int lockfd)
{
    if (lockfd >= 0) {
        close(lockfd); /* its locks go with it */
        return;
    }
    struct flock fl = {0};
    fl.l_type = F_UNLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = MARK_BASE;
    fl.l_len = MARK_COUNT;
    (void)fcntl(fd, F_OFD_SETLK, &fl);
}
