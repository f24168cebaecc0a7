/* SPDX-License-Identifier: MIT */
/*
 * gz.c - the "GZ  " procedure: gzip streams as plain files.
 *
 *   mmioOpen("take.wav.gz+", NULL, MMIO_READ)   (or fccIOProc "GZ  ")
 *
 * Reading inflates as it goes (multi-member files included); memory stays a
 * few buffers plus a bounded table of checkpoints (../common/zseek.h), so
 * seeking forward inflates, seeking backward resumes from the nearest
 * checkpoint.  Writing deflates as it goes; MMIOM_WRITEFLUSH (sent
 * by mmioFlush) does a sync flush to the file, so what mmioFlush returned
 * for is readable by zcat even if the process dies; close writes the
 * trailer.  A file is opened for reading or for writing, not both.
 */
#define _GNU_SOURCE
#include <mmio_plugin.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "procutil.h"
#include "zseek.h"

#define FOURCC_GZ mmioFOURCC('G', 'Z', ' ', ' ')
#define CHUNK 65536

static const FOURCC fourccs[] = {FOURCC_GZ, 0};

MMIOAPI const MMIOPLUGININFO mmioPluginInfo = {
    MMIO_PLUGIN_ABI, "gz",   "1.0.0", "gzip streams as files (zlib)",
    "MIT",           fourccs};

struct gz {
    int fd;
    int writing;
    z_stream zs; /* writing */
    int zs_live;
    unsigned char out[CHUNK];
    zseek *rd; /* reading */
};

static struct gz *gz_of(const MMIOINFO *mi)
{
    return mmioPluginGetFileState(mi);
}

static int level_option(void)
{
    const char *o = plug_option("level");
    int level = o ? (int)strtol(o, NULL, 10) : Z_DEFAULT_COMPRESSION;
    return level >= 0 && level <= 9 ? level : Z_DEFAULT_COMPRESSION;
}

static void free_gz(struct gz *g)
{
    if (!g)
        return;
    if (g->zs_live)
        deflateEnd(&g->zs);
    zseek_free(g->rd);
    if (g->fd >= 0)
        close(g->fd);
    free(g);
}

/* zseek's input: the file's bytes at an offset. */
static long read_at(void *ctx, unsigned char *buf, long n, int64_t at)
{
    const struct gz *g = ctx;
    return plug_pread(g->fd, buf, (size_t)n, at);
}

static LRESULT gz_open(MMIOINFO *mi, const char *name)
{
    char *file = plug_file_of(name);
    if (!file || !*file) {
        free(file);
        return MMIOERR_INVALIDFILE;
    }
    DWORD fl = mi->dwFlags, rw = fl & MMIO_RWMODE;
    LRESULT rc = 0;
    if (fl & (MMIO_EXIST | MMIO_DELETE)) {
        rc = plug_exist_or_delete(file, fl);
        free(file);
        return rc;
    }
    if (rw == MMIO_READWRITE) {
        free(file);
        return MMSYSERR_NOTSUPPORTED; /* a gzip stream is read or written */
    }
    struct gz *g = calloc(1, sizeof *g);
    if (!g) {
        free(file);
        return MMIOERR_OUTOFMEMORY;
    }
    g->writing = rw == MMIO_WRITE;
    g->fd = open(file,
                 g->writing ? O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
                            : O_RDONLY | O_CLOEXEC,
                 0666);
    free(file);
    if (g->fd < 0) {
        rc = errno == ENOENT ? MMIOERR_FILENOTFOUND : MMIOERR_CANNOTOPEN;
        g->fd = -1;
        free_gz(g);
        return rc;
    }
    if (g->writing)
        g->zs_live = deflateInit2(&g->zs, level_option(), Z_DEFLATED, 15 + 16,
                                  8, Z_DEFAULT_STRATEGY) == Z_OK;
    else
        g->rd = zseek_new(ZSEEK_GZIP, read_at, g, -1, 0);
    if (g->writing ? !g->zs_live : !g->rd) {
        free_gz(g);
        return MMIOERR_OUTOFMEMORY;
    }
    mmioPluginSetFileState(mi, g);
    mi->lDiskOffset = 0;
    return 0;
}

static int write_out(struct gz *g, size_t n)
{
    return plug_write_all(g->fd, g->out, n, -1);
}

/* Deflates src with flush; 0 or -1. */
static int deflate_all(struct gz *g, const char *src, long n, int flush)
{
    g->zs.next_in = (Bytef *)(uintptr_t)src;
    g->zs.avail_in = (uInt)n;
    do {
        g->zs.next_out = g->out;
        g->zs.avail_out = CHUNK;
        int rc = deflate(&g->zs, flush);
        if (rc == Z_STREAM_ERROR)
            return -1;
        if (write_out(g, CHUNK - g->zs.avail_out) != 0)
            return -1;
    } while (g->zs.avail_out == 0 ||
             (flush == Z_FINISH && g->zs.avail_in != 0));
    return 0;
}

static LRESULT CALLBACK gz_proc(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    MMIOINFO *mi = (MMIOINFO *)(void *)info;
    struct gz *g = msg == MMIOM_OPEN ? NULL : gz_of(mi);
    switch (msg) {
    case MMIOM_OPEN:
        return gz_open(mi, (const char *)a);
    case MMIOM_CLOSE: {
        if (!g)
            return 0;
        int rc = 0;
        if (g->writing) {
            rc = deflate_all(g, "", 0, Z_FINISH);
            if (fsync(g->fd) != 0)
                rc = -1;
        }
        if (close(g->fd) != 0)
            rc = -1;
        g->fd = -1;
        free_gz(g);
        mmioPluginSetFileState(mi, NULL);
        return rc == 0 ? 0 : MMIOERR_CANNOTWRITE;
    }
    case MMIOM_READ: {
        if (g->writing || b < 0)
            return -1;
        long n = zseek_read(g->rd, mi->lDiskOffset, (unsigned char *)a, b);
        if (n < 0)
            return -1;
        mi->lDiskOffset += (LONG)n;
        return n;
    }
    case MMIOM_WRITE:
    case MMIOM_WRITEFLUSH: {
        if (!g->writing || b < 0 ||
            deflate_all(g, (const char *)a, (long)b,
                        msg == MMIOM_WRITEFLUSH ? Z_SYNC_FLUSH : Z_NO_FLUSH))
            return -1;
        if (msg == MMIOM_WRITEFLUSH && fdatasync(g->fd) != 0)
            return -1;
        mi->lDiskOffset += (LONG)b;
        return b;
    }
    case MMIOM_SEEK: {
        int64_t target;
        if (b == SEEK_SET)
            target = a;
        else if (b == SEEK_CUR)
            target = (int64_t)mi->lDiskOffset + a;
        else if (b == SEEK_END && !g->writing) {
            /* the size is known once the stream was read to its end */
            int64_t size = zseek_size(g->rd);
            if (size < 0)
                return -1;
            target = size - a;
        } else if (b == SEEK_END) {
            target = mi->lDiskOffset - a;
        } else {
            return -1;
        }
        if (target < 0 || target > INT32_MAX ||
            (g->writing && target != mi->lDiskOffset))
            return -1; /* a stream being written only goes forward */
        mi->lDiskOffset = (LONG)target;
        return (LRESULT)target;
    }
    case MMIOM_RENAME:
        return plug_rename_files((const char *)a, (const char *)b);
    default: /* never 0 for what it does not do */
        return MMSYSERR_NOTSUPPORTED;
    }
}

MMIOAPI MMRESULT mmioPluginInstall(void)
{
    plug_keep_options();
    return mmioInstallIOProc(FOURCC_GZ, gz_proc, MMIO_INSTALLPROC)
               ? MMSYSERR_NOERROR
               : MMSYSERR_ERROR;
}

MMIOAPI void mmioPluginRemove(void)
{
    mmioInstallIOProc(FOURCC_GZ, gz_proc, MMIO_REMOVEPROC);
}
