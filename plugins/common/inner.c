/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "inner.h"

#include "procutil.h"

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

MMRESULT plug_inner_open(plug_inner *in, const MMIOINFO *mi, const char *file,
                         DWORD flags)
{
    in->fd = -1;
    in->pos = 0;
    in->size = -1;
    UINT err = 0;
    in->h = mmioPluginOpenContainer(mi, file, MMIO_READ | flags, &err);
    if (!in->h)
        return err;
    MMIOINFO info;
    if (mmioGetInfo(in->h, &info, 0) == 0 && info.fccIOProc == FOURCC_DOS) {
        /* a plain file: its descriptor, as Windows keeps the HFILE */
        struct stat st;
        int fd = (int)info.adwInfo[0];
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
            in->fd = fd;
            in->size = (int64_t)st.st_size;
            return 0;
        }
    }
    LONG end = mmioSeek(in->h, 0, SEEK_END);
    if (end < 0 || mmioSeek(in->h, 0, SEEK_SET) != 0) {
        mmioClose(in->h, 0);
        in->h = NULL;
        return MMIOERR_CANNOTSEEK;
    }
    in->size = end;
    return 0;
}

long plug_inner_read(plug_inner *in, void *buf, long n, int64_t at)
{
    if (n < 0 || at < 0)
        return -1;
    if (in->fd >= 0)
        return plug_pread(in->fd, buf, (size_t)n, at);
    if (at >= in->size)
        return 0;
    if (at > INT32_MAX)
        return -1;
    if (at != in->pos) {
        if (mmioSeek(in->h, (LONG)at, SEEK_SET) != (LONG)at)
            return -1;
        in->pos = at;
    }
    if (n > INT32_MAX)
        n = INT32_MAX;
    LONG got = mmioRead(in->h, buf, (LONG)n);
    if (got < 0 || got > n)
        return -1;
    in->pos += got;
    return got;
}

int64_t plug_inner_size(const plug_inner *in)
{
    return in->size;
}

void plug_inner_close(plug_inner *in)
{
    if (in->h)
        mmioClose(in->h, 0);
    in->h = NULL;
    in->fd = -1;
}

int plug_is_local(const char *file)
{
    return (mmioPluginQueryCaps(file) & MMIO_CAP_LOCAL) != 0;
}
