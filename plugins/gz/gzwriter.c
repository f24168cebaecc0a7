/* SPDX-License-Identifier: MIT */
/* gzwriter.c - gzip files written whole (gzwriter.h). */
#define _GNU_SOURCE
#include "gzwriter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "procutil.h"
#include "tmpfile.h"

#define CHUNK 65536
#define STORED_MAX 65535L
/* The room the stored first member takes: header, blocks, trailer. */
#define STORED_BLOCKS ((GZW_HEAD + STORED_MAX - 1) / STORED_MAX)
#define HEAD_ROOM (10 + GZW_HEAD + 5 * STORED_BLOCKS + 8)

struct gzwriter {
    char *target;
    int fd; /* the temporary, unnamed until it is put in place */
    int level;
    int failed;
    unsigned char *head; /* the first GZW_HEAD bytes */
    int64_t head_len;    /* how many of them were written (or skipped) */
    int streaming;       /* the second member was started */
    z_stream zs;         /* it, deflating */
    int64_t taken;       /* bytes it has taken (from offset GZW_HEAD) */
    int64_t wpos;        /* where its output goes next in the temporary */
    unsigned char out[CHUNK];
};

static const unsigned char gzip_header[10] = {0x1f, 0x8b, 8, 0, 0,
                                              0,    0,    0, 0, 3};

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

MMRESULT gzw_open(const char *target, int level, gzwriter **out)
{
    *out = NULL;
    gzwriter *w = calloc(1, sizeof *w);
    if (!w)
        return MMIOERR_OUTOFMEMORY;
    w->level = level;
    w->target = strdup(target);
    w->head = calloc(1, GZW_HEAD);
    w->fd = -1;
    if (!w->target || !w->head) {
        gzw_abandon(w);
        return MMIOERR_OUTOFMEMORY;
    }
    w->fd = tmp_beside(target);
    if (w->fd < 0) {
        MMRESULT rc = plug_errno_result(errno);
        gzw_abandon(w);
        return rc == MMIOERR_FILENOTFOUND ? MMIOERR_PATHNOTFOUND : rc;
    }
    *out = w;
    return 0;
}

void gzw_abandon(gzwriter *w)
{
    if (!w)
        return;
    if (w->streaming)
        deflateEnd(&w->zs);
    if (w->fd >= 0)
        close(w->fd);
    free(w->head);
    free(w->target);
    free(w);
}

int64_t gzw_size(const gzwriter *w)
{
    return w->streaming ? GZW_HEAD + w->taken : w->head_len;
}

/* Deflates n bytes of src into the temporary with flush: 0 or -1. */
static int deflate_out(gzwriter *w, const unsigned char *src, size_t n,
                       int flush)
{
    w->zs.next_in = (Bytef *)(uintptr_t)src;
    w->zs.avail_in = (uInt)n;
    do {
        w->zs.next_out = w->out;
        w->zs.avail_out = CHUNK;
        if (deflate(&w->zs, flush) == Z_STREAM_ERROR)
            return -1;
        size_t made = CHUNK - w->zs.avail_out;
        if (made && plug_write_all(w->fd, w->out, made, w->wpos) != 0)
            return -1;
        w->wpos += (int64_t)made;
    } while (w->zs.avail_out == 0 ||
             (flush == Z_FINISH && w->zs.avail_in != 0));
    return 0;
}

static int start_stream(gzwriter *w)
{
    if (deflateInit2(&w->zs, w->level, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    w->streaming = 1;
    w->head_len = GZW_HEAD; /* what was skipped reads as zeros */
    w->wpos = HEAD_ROOM;
    return 0;
}

/* Bytes at or past GZW_HEAD, in order. */
static int stream_in(gzwriter *w, int64_t pos, const unsigned char *src, long n)
{
    if (!w->streaming && start_stream(w) != 0)
        return -1;
    int64_t next = GZW_HEAD + w->taken;
    if (pos < next)
        return -1; /* already deflated: cannot be rewritten */
    static const unsigned char zeros[4096];
    while (pos > next) { /* a gap: zeros, as a plain file has */
        size_t k = pos - next > (int64_t)sizeof zeros ? sizeof zeros
                                                      : (size_t)(pos - next);
        if (deflate_out(w, zeros, k, Z_NO_FLUSH) != 0)
            return -1;
        w->taken += (int64_t)k;
        next += (int64_t)k;
    }
    if (deflate_out(w, src, (size_t)n, Z_NO_FLUSH) != 0)
        return -1;
    w->taken += n;
    return 0;
}

long gzw_write(gzwriter *w, int64_t pos, const unsigned char *src, long n)
{
    if (w->failed || n < 0 || pos < 0 || pos + n > INT32_MAX)
        return -1;
    long done = 0;
    if (pos < GZW_HEAD) {
        long k = n < GZW_HEAD - pos ? n : (long)(GZW_HEAD - pos);
        memcpy(w->head + pos, src, (size_t)k);
        if (pos + k > w->head_len)
            w->head_len = pos + k;
        done = k;
    }
    if (done < n && stream_in(w, pos + done, src + done, n - done) != 0) {
        w->failed = 1; /* sticky: nothing of this file is put in place */
        return -1;
    }
    return n;
}

/* A whole gzip member of len bytes of src, deflated, at offset at of fd:
 * its size, or -1. */
static int64_t member_at(int fd, int64_t at, const unsigned char *src,
                         size_t len, int level)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return -1;
    unsigned char *buf = malloc(CHUNK);
    int64_t start = at;
    int rc = buf ? Z_OK : Z_MEM_ERROR;
    zs.next_in = (Bytef *)(uintptr_t)src;
    zs.avail_in = (uInt)len;
    while (rc == Z_OK) {
        zs.next_out = buf;
        zs.avail_out = CHUNK;
        rc = deflate(&zs, Z_FINISH);
        size_t made = CHUNK - zs.avail_out;
        if ((rc == Z_OK || rc == Z_STREAM_END) && made &&
            plug_write_all(fd, buf, made, at) != 0)
            rc = Z_ERRNO;
        at += (int64_t)made;
    }
    deflateEnd(&zs);
    free(buf);
    return rc == Z_STREAM_END ? at - start : -1;
}

/* The first GZW_HEAD bytes as a member of stored blocks, HEAD_ROOM bytes
 * at offset 0 of fd: 0 or -1. */
static int stored_head(int fd, const unsigned char *head)
{
    unsigned char *m = malloc(HEAD_ROOM), *p = m;
    if (!m)
        return -1;
    memcpy(p, gzip_header, sizeof gzip_header);
    p += sizeof gzip_header;
    for (long at = 0; at < GZW_HEAD; at += STORED_MAX) {
        long len = GZW_HEAD - at < STORED_MAX ? GZW_HEAD - at : STORED_MAX;
        *p++ = at + len == GZW_HEAD; /* BFINAL on the last, type 00 */
        p[0] = (unsigned char)len;
        p[1] = (unsigned char)(len >> 8);
        p[2] = (unsigned char)~len;
        p[3] = (unsigned char)(~len >> 8);
        memcpy(p + 4, head + at, (size_t)len);
        p += 4 + len;
    }
    put_le32(p, (uint32_t)crc32(0, head, (uInt)GZW_HEAD));
    put_le32(p + 4, (uint32_t)GZW_HEAD);
    int rc = plug_write_all(fd, m, HEAD_ROOM, 0);
    free(m);
    return rc;
}

/* The file as it stands, into fd (a fresh temporary); the second member,
 * if any, ended without disturbing the live deflate stream: its output so
 * far is copied, then an empty final block and the trailer.  0 or -1. */
static int snapshot(gzwriter *w, int fd)
{
    if (!w->streaming)
        return member_at(fd, 0, w->head, (size_t)w->head_len, w->level) < 0 ? -1
                                                                            : 0;
    if (deflate_out(w, NULL, 0, Z_SYNC_FLUSH) != 0 ||
        stored_head(fd, w->head) != 0)
        return -1;
    loff_t in = HEAD_ROOM, outpos = HEAD_ROOM;
    while (in < w->wpos) {
        ssize_t k =
            copy_file_range(w->fd, &in, fd, &outpos, (size_t)(w->wpos - in), 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
    }
    unsigned char tail[10] = {0x03, 0x00}; /* a final, empty fixed block */
    put_le32(tail + 2, (uint32_t)w->zs.adler);
    put_le32(tail + 6, (uint32_t)w->taken);
    return plug_write_all(fd, tail, sizeof tail, outpos);
}

int gzw_flush(gzwriter *w)
{
    if (w->failed)
        return -1;
    int fd = tmp_beside(w->target);
    int ok = fd >= 0 && snapshot(w, fd) == 0 && tmp_commit(fd, w->target) == 0;
    if (fd >= 0)
        close(fd);
    if (!ok)
        w->failed = 1;
    return ok ? 0 : -1;
}

MMRESULT gzw_close(gzwriter *w)
{
    int ok = !w->failed;
    if (ok && w->streaming)
        ok = deflate_out(w, NULL, 0, Z_FINISH) == 0 &&
             stored_head(w->fd, w->head) == 0;
    else if (ok)
        ok = member_at(w->fd, 0, w->head, (size_t)w->head_len, w->level) >= 0;
    ok = ok && tmp_commit(w->fd, w->target) == 0;
    gzw_abandon(w);
    return ok ? 0 : MMIOERR_CANNOTWRITE;
}
