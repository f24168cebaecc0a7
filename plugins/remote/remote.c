/* SPDX-License-Identifier: MIT */
/*
 * remote.c - the "HTTP" and "S3  " procedures: files on web servers and
 * in S3-compatible object stores (libcurl).
 *
 *   mmioOpen("https://host/album.zip+track.flac+", NULL, MMIO_READ)
 *   mmioOpen("s3://bucket/takes/t1.wav", NULL, MMIO_CREATE | MMIO_WRITE)
 *
 * A URL chooses a procedure by its scheme (http and https give 'HTTP',
 * s3 gives 'S3  '); nested names reach it as the container at the
 * bottom.  At open a HEAD gives the size and the version (ETag, else
 * Last-Modified), which pin the object: every later read asks If-Match,
 * so an object replaced mid-read is an error, never a mix of two
 * versions.  Reads: reader.h (a block cache, read-ahead, a stream for
 * reading in order).  Writes: writer.h (a local spool, published whole
 * at close: one PUT, or an S3 multipart upload).  MMIO_EXIST is a HEAD,
 * MMIO_DELETE a DELETE, mmioRename a WebDAV MOVE or an S3 copy and
 * delete (not atomic).  Requests: request.h (a curl share, timeouts,
 * retries, TLS verified); S3 names and credentials: s3.h.
 *
 * Options ([plugin remote] options): cache=MiB (a read handle's blocks,
 * 2), part=MiB (S3 parts, 8), timeout=S (a stalled transfer, 30),
 * cafile=PATH, and for S3 endpoint=URL, region=NAME,
 * addressing=path|virtual.
 */
#define _GNU_SOURCE
#include <mmio_plugin.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "object.h"
#include "procutil.h"
#include "reader.h"
#include "writer.h"

#define FOURCC_HTTP mmioFOURCC('H', 'T', 'T', 'P')
#define FOURCC_S3 mmioFOURCC('S', '3', ' ', ' ')

static const FOURCC fourccs[] = {FOURCC_HTTP, FOURCC_S3, 0};

MMIOAPI const MMIOPLUGININFO mmioPluginInfo = {
    MMIO_PLUGIN_ABI,
    "remote",
    "0.2.0",
    "Files on web servers and S3 object stores: ranged reads, uploads "
    "(libcurl)",
    "MIT",
    fourccs};

struct remote {
    struct object obj;
    struct reader rd; /* reading */
    struct writer wr; /* writing (MMIO_WRITE, MMIO_READWRITE) */
    int writing;
};

static struct remote *remote_of(const MMIOINFO *mi)
{
    return mmioPluginGetFileState(mi);
}

static void free_remote(struct remote *r)
{
    if (!r)
        return;
    reader_free(&r->rd);
    obj_free(&r->obj);
    free(r);
}

static LRESULT remote_open(MMIOINFO *mi, const char *name)
{
    if (!name || strchr(name, '+'))
        return MMIOERR_INVALIDFILE; /* a container is opened by its own */
    DWORD fl = mi->dwFlags;
    struct remote *r = calloc(1, sizeof *r);
    if (!r)
        return MMIOERR_OUTOFMEMORY;
    r->wr.fd = -1;
    MMRESULT rc = obj_init(&r->obj, name);
    if (rc == 0 && (fl & MMIO_EXIST))
        rc = obj_head(&r->obj, 1);
    else if (rc == 0 && (fl & MMIO_DELETE))
        rc = obj_delete(&r->obj);
    else if (rc == 0 && (fl & MMIO_RWMODE) != MMIO_READ) {
        r->writing = 1;
        rc = writer_init(&r->wr, &r->obj, !(fl & MMIO_CREATE));
    } else if (rc == 0) {
        rc = reader_init(&r->rd);
        if (rc == 0)
            rc = obj_head(&r->obj, 0);
    }
    if (rc != 0 || (fl & (MMIO_EXIST | MMIO_DELETE))) {
        if (r->writing && r->wr.fd >= 0)
            close(r->wr.fd);
        free_remote(r);
        return rc;
    }
    mmioPluginSetFileState(mi, r);
    mi->lDiskOffset = 0;
    return 0;
}

static LRESULT remote_close(MMIOINFO *mi, struct remote *r)
{
    MMRESULT rc = 0;
    if (r && r->writing)
        rc = writer_close(&r->wr, &r->obj);
    free_remote(r);
    mmioPluginSetFileState(mi, NULL);
    return rc;
}

static LRESULT remote_read(MMIOINFO *mi, struct remote *r, char *dst, LONG n)
{
    long got = r->writing
                   ? writer_read(&r->wr, mi->lDiskOffset, dst, n)
                   : reader_read(&r->rd, &r->obj, mi->lDiskOffset, dst, n);
    if (got > 0)
        mi->lDiskOffset += (LONG)got;
    return got;
}

static LRESULT remote_write(MMIOINFO *mi, struct remote *r, const char *src,
                            LONG n, int flush)
{
    if (!r->writing)
        return -1;
    if ((int64_t)mi->lDiskOffset + n > INT32_MAX) {
        mmioPluginMessage("%s: past what a LONG offset reaches", r->obj.name);
        return -1;
    }
    long done = writer_write(&r->wr, &r->obj, mi->lDiskOffset, src, n);
    if (done != n)
        return -1;
    mi->lDiskOffset += (LONG)n;
    if (flush && writer_flush(&r->wr, &r->obj) != 0)
        return -1;
    return n;
}

static LRESULT rename_objects(const char *from, const char *to)
{
    struct object o;
    MMRESULT rc = obj_init(&o, from);
    if (rc == 0)
        rc = obj_rename(&o, to);
    obj_free(&o);
    return rc;
}

static LRESULT CALLBACK remote_proc(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    MMIOINFO *mi = (MMIOINFO *)(void *)info;
    struct remote *r = msg == MMIOM_OPEN ? NULL : remote_of(mi);
    switch (msg) {
    case MMIOM_OPEN:
        return remote_open(mi, (const char *)a);
    case MMIOM_CLOSE:
        return remote_close(mi, r);
    case MMIOM_READ:
        return b < 0 || !r ? -1 : remote_read(mi, r, (char *)a, (LONG)b);
    case MMIOM_WRITE:
    case MMIOM_WRITEFLUSH:
        return b < 0 || !r ? -1
                           : remote_write(mi, r, (const char *)a, (LONG)b,
                                          msg == MMIOM_WRITEFLUSH);
    case MMIOM_SEEK:
        return r ? plug_seek(mi, r->writing ? r->wr.size : r->obj.size, (LONG)a,
                             (int)b)
                 : -1;
    case MMIOM_RENAME:
        return a && b ? rename_objects((const char *)a, (const char *)b)
                      : MMIOERR_INVALIDFILE;
    case MMIOM_CAPS: /* a written object is published whole at close */
        return MMIO_CAPS_ANSWER | MMIO_CAP_ATOMIC_CLOSE;
    default: /* never 0 for what it does not do */
        return MMSYSERR_NOTSUPPORTED;
    }
}

MMIOAPI MMRESULT mmioPluginInstall(void)
{
    plug_keep_options();
    if (rq_global_init() != 0)
        return MMSYSERR_ERROR;
    if (!mmioInstallIOProc(FOURCC_HTTP, remote_proc, MMIO_INSTALLPROC))
        return MMSYSERR_ERROR;
    if (!mmioInstallIOProc(FOURCC_S3, remote_proc, MMIO_INSTALLPROC)) {
        mmioInstallIOProc(FOURCC_HTTP, remote_proc, MMIO_REMOVEPROC);
        return MMSYSERR_ERROR;
    }
    return MMSYSERR_NOERROR;
}

MMIOAPI void mmioPluginRemove(void)
{
    mmioInstallIOProc(FOURCC_S3, remote_proc, MMIO_REMOVEPROC);
    mmioInstallIOProc(FOURCC_HTTP, remote_proc, MMIO_REMOVEPROC);
}
