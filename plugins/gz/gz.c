/* SPDX-License-Identifier: MIT */
/*
 * gz.c - the "GZ  " procedure: gzip streams as plain files.
 *
 *   mmioOpen("take.wav.gz+", NULL, MMIO_READ)   (or fccIOProc "GZ  ")
 *
 * The compressed file is opened through mmio (inner.h), so it may itself be
 * a member of an archive ("album.zip+take.wav.gz+").  Reading inflates as
 * it goes (multi-member files included); memory stays a
 * few buffers plus a bounded table of checkpoints (../common/zseek.h), so
 * seeking forward inflates, seeking backward resumes from the nearest
 * checkpoint.  Writing goes through a temporary beside the file, put in
 * place whole at close (gzwriter.h): a failed or killed write leaves the
 * old file, and the size patches of RIFF writers (mmioAscend) work.
 * MMIOM_WRITEFLUSH (sent by mmioFlush) puts what was written so far in
 * place as a whole gzip file, so it survives the process.  A file is
 * opened for reading or for writing, not both.
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

#include "gzwriter.h"
#include "inner.h"
#include "procutil.h"
#include "tmpfile.h"
#include "zseek.h"

#define FOURCC_GZ mmioFOURCC('G', 'Z', ' ', ' ')

static const FOURCC fourccs[] = {FOURCC_GZ, 0};

MMIOAPI const MMIOPLUGININFO mmioPluginInfo = {
    MMIO_PLUGIN_ABI, "gz",   "1.0.0", "gzip streams as files (zlib)",
    "MIT",           fourccs};

struct gz {
    plug_inner in; /* reading: the compressed file, opened through mmio */
    zseek *rd;     /* reading */
    gzwriter *wr;  /* writing */
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
    gzw_abandon(g->wr);
    zseek_free(g->rd);
    plug_inner_close(&g->in);
    free(g);
}

/* zseek's input: the file's bytes at an offset. */
static long read_at(void *ctx, unsigned char *buf, long n, int64_t at)
{
    struct gz *g = ctx;
    return plug_inner_read(&g->in, buf, n, at);
}

static LRESULT gz_open(MMIOINFO *mi, const char *name)
{
    char *file;
    LRESULT rc = 0;
    if (!plug_open_start(mi, name, &file, &rc))
        return rc;
    DWORD rw = mi->dwFlags & MMIO_RWMODE;
    struct gz *g = calloc(1, sizeof *g);
    if (!g) {
        free(file);
        return MMIOERR_OUTOFMEMORY;
    }
    if (rw == MMIO_WRITE) {
        rc = tmp_can_commit(file);
        if (rc == 0)
            rc = gzw_open(file, level_option(), &g->wr);
        free(file);
        if (rc != 0) {
            free_gz(g);
            return rc;
        }
    } else {
        rc = plug_inner_open(&g->in, mi, file, 0);
        free(file);
        if (rc != 0) {
            free_gz(g);
            return rc;
        }
        g->rd = zseek_new(ZSEEK_GZIP, read_at, g, -1, 0);
        if (!g->rd) {
            free_gz(g);
            return MMIOERR_OUTOFMEMORY;
        }
    }
    mmioPluginSetFileState(mi, g);
    mi->lDiskOffset = 0;
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
        MMRESULT rc = 0;
        if (g->wr) {
            rc = gzw_close(g->wr);
            g->wr = NULL;
        }
        free_gz(g);
        mmioPluginSetFileState(mi, NULL);
        return rc;
    }
    case MMIOM_READ: {
        if (!g->rd || b < 0)
            return -1;
        long n = zseek_read(g->rd, mi->lDiskOffset, (unsigned char *)a, b);
        if (n < 0)
            return -1;
        mi->lDiskOffset += (LONG)n;
        return n;
    }
    case MMIOM_WRITE:
    case MMIOM_WRITEFLUSH: {
        if (!g->wr || b < 0 ||
            gzw_write(g->wr, mi->lDiskOffset, (const unsigned char *)a,
                      (long)b) != (long)b)
            return -1;
        mi->lDiskOffset += (LONG)b;
        if (msg == MMIOM_WRITEFLUSH && gzw_flush(g->wr) != 0)
            return -1;
        return b;
    }
    case MMIOM_SEEK: {
        /* reading: the size is known once the stream was read to its end;
         * writing: going back past what can be rewritten fails at the write */
        int64_t size = g->wr ? gzw_size(g->wr) : zseek_size(g->rd);
        if (size < 0)
            return -1;
        return plug_seek(mi, size, (LONG)a, (int)b);
    }
    case MMIOM_RENAME:
        return plug_rename_files((const char *)a, (const char *)b);
    case MMIOM_CAPS: /* written whole at close (gzwriter.h) */
        return MMIO_CAPS_ANSWER | MMIO_CAP_ATOMIC_CLOSE;
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
