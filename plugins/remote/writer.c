/* SPDX-License-Identifier: MIT */
/* writer.c - writes of a remote object, published whole at close
 * (writer.h). */
#define _GNU_SOURCE
#include "writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procutil.h"
#include "tmpfile.h"

#define MIB (1LL << 20)
#define MIN_PART (5 * MIB) /* S3's least part (but the last) */
#define MAX_PARTS 10000    /* S3's most parts */

MMRESULT writer_init(struct writer *w, struct object *o, int existing)
{
    memset(w, 0, sizeof *w);
    const char *v = plug_option("part");
    long long mib = v ? strtoll(v, NULL, 10) : 8;
    w->part_size = (mib < 5 ? 5 : mib > 512 ? 512 : mib) * MIB;
    if ((w->fd = tmp_beside(o->name)) < 0) {
        mmioPluginMessage("%s: no local temporary to write through", o->name);
        return MMIOERR_CANNOTWRITE;
    }
    if (!existing) {
        /* S3 takes no chunked PUT: its objects go at close */
        w->streaming = !o->is_s3 && putstream_open(&w->live, o, w->fd) == 0;
        return 0;
    }
    MMRESULT rc = obj_head(o, 0);
    if (rc)
        return rc;
    /* the object as it is, to change in place */
    unsigned char *buf = malloc(MIB);
    if (!buf)
        return MMIOERR_OUTOFMEMORY;
    for (int64_t at = 0; at < o->size;) {
        long n = o->size - at < MIB ? (long)(o->size - at) : (long)MIB;
        int whole = 0;
        long got = obj_get(o, at, n, buf, &whole);
        if (got != n || (whole && at > 0) ||
            plug_write_all(w->fd, buf, (size_t)n, at) != 0) {
            free(buf);
            if (got == n)
                mmioPluginMessage("%s: its bytes could not be fetched to "
                                  "change",
                                  o->name);
            return MMIOERR_CANNOTREAD;
        }
        at += n;
    }
    free(buf);
    w->size = o->size;
    return 0;
}

static int is_multipart_target(const struct object *o)
{
    return o->is_s3;
}

/* Makes room to track the parts up to byte end: 0 or -1. */
static int track(struct writer *w, int64_t end)
{
    int need = (int)((end + w->part_size - 1) / w->part_size);
    if (need <= w->nparts)
        return 0;
    if (need > MAX_PARTS)
        return -1;
    struct part *p = realloc(w->parts, (size_t)need * sizeof *p);
    if (!p)
        return -1;
    memset(p + w->nparts, 0, (size_t)(need - w->nparts) * sizeof *p);
    w->parts = p;
    w->nparts = need;
    return 0;
}

static MMRESULT fail(struct writer *w, MMRESULT rc)
{
    if (!w->failed)
        w->failed = rc;
    return rc;
}

/* POST ?uploads=: the upload's id. */
static MMRESULT start_upload(struct writer *w, struct object *o)
{
    char body[4096] = "", *url = s3_url(&o->s3, o->bucket, o->key, "?uploads=");
    struct rq q = RQ(.method = "POST", .url = url, .buf = (unsigned char *)body,
                     .cap = (long)sizeof body - 1);
    MMRESULT rc = 0;
    if (!url)
        rc = MMIOERR_OUTOFMEMORY;
    else if (obj_run(o, &q) != 0 || q.status != 200)
        rc = obj_failed(o, &q, "starting a multipart upload",
                        MMIOERR_CANNOTWRITE);
    free(url);
    if (rc)
        return fail(w, rc);
    const char *a = strstr(body, "<UploadId>");
    const char *b = a ? strstr(a, "</UploadId>") : NULL;
    if (!a || !b || b - a - 10 > 400 || b - a - 10 < 1) {
        mmioPluginMessage("%s: the server gave no upload id", o->name);
        return fail(w, MMIOERR_CANNOTWRITE);
    }
    w->upload_id = strndup(a + 10, (size_t)(b - a - 10));
    return w->upload_id ? 0 : fail(w, MMIOERR_OUTOFMEMORY);
}

/* Starts part k on its way (the upload is started first if need be). */
static MMRESULT send_part(struct writer *w, struct object *o, int k)
{
    if (!w->upload_id) {
        MMRESULT rc = start_upload(w, o);
        if (rc)
            return rc;
    }
    int64_t at = (int64_t)k * w->part_size;
    int64_t len = w->size - at < w->part_size ? w->size - at : w->part_size;
    return parts_send(w, o, k, at, len);
}

long writer_write(struct writer *w, struct object *o, int64_t at,
                  const char *src, long n)
{
    if (w->failed)
        return -1;
    if (n <= 0)
        return 0;
    parts_lock(w); /* the parts' table may move; their states change */
    int tracked = track(w, at + n);
    for (int k = (int)(at / w->part_size);
         tracked == 0 && k <= (at + n - 1) / w->part_size; k++) {
        if (w->parts[k].state == PART_SENT)
            w->parts[k].state = PART_STALE;
        else if (w->parts[k].state == PART_SENDING)
            w->parts[k].again = 1;
    }
    parts_unlock(w);
    if (tracked != 0) {
        mmioPluginMessage("%s: too large for an upload", o->name);
        fail(w, MMIOERR_CANNOTWRITE);
        return -1;
    }
    if (plug_write_all(w->fd, src, (size_t)n, at) != 0) {
        mmioPluginMessage("%s: the local spool: %m", o->name);
        fail(w, MMIOERR_CANNOTWRITE);
        return -1;
    }
    if (at + n > w->size)
        w->size = at + n;
    if (w->streaming && at < w->live.sent) {
        putstream_close(&w->live); /* rewrites what went: PUT at close */
        w->streaming = 0;
    }
    if (w->streaming)
        putstream_more(&w->live, w->size);
    if (is_multipart_target(o)) {
        /* a part goes once the writer is a whole part past it; the
         * first waits for close */
        int64_t end = at + n;
        for (int k = 1; (int64_t)(k + 2) * w->part_size <= end; k++) {
            parts_lock(w);
            int due = w->parts[k].state == PART_NEW;
            parts_unlock(w);
            MMRESULT rc = due ? send_part(w, o, k) : 0;
            if (rc) {
                fail(w, rc);
                return -1;
            }
        }
        MMRESULT prc = parts_failed(w, o);
        if (prc) {
            fail(w, prc);
            return -1;
        }
    }
    return n;
}

long writer_read(struct writer *w, int64_t at, char *dst, long n)
{
    if (at >= w->size)
        return 0;
    if (n > w->size - at)
        n = (long)(w->size - at);
    return plug_pread(w->fd, dst, (size_t)n, at);
}

MMRESULT writer_flush(struct writer *w, struct object *o)
{
    return parts_wait_all(w, o); /* the parts due are on the server */
}

static void abort_upload(struct writer *w, struct object *o)
{
    char query[600];
    snprintf(query, sizeof query, "?uploadId=%s", w->upload_id);
    char *url = s3_url(&o->s3, o->bucket, o->key, query);
    struct rq q = RQ(.method = "DELETE", .url = url);
    if (url && (obj_run(o, &q) != 0 || q.status != 204))
        obj_failed(o, &q,
                   "aborting the upload (the bucket's lifecycle "
                   "rule will remove it)",
                   0);
    free(url);
}

static MMRESULT put_whole(struct writer *w, struct object *o)
{
    struct rq q = RQ(.method = "PUT", .from_fd = 1, .body_fd = w->fd,
                     .body_at = 0, .body_fd_len = w->size);
    if (obj_run(o, &q) != 0 || q.status < 200 || q.status >= 300)
        return obj_failed(o, &q, "PUT", MMIOERR_CANNOTWRITE);
    return 0;
}

static MMRESULT complete(struct writer *w, struct object *o)
{
    /* every part not sent, or stale, goes (again), until all landed */
    for (int round = 0; round < 3; round++) {
        for (int k = 0; k < w->nparts; k++) {
            MMRESULT rc = 0;
            if (w->parts[k].state == PART_NEW ||
                w->parts[k].state == PART_STALE)
                rc = send_part(w, o, k);
            if (rc)
                return fail(w, rc);
        }
        MMRESULT rc = parts_wait_all(w, o);
        if (rc)
            return fail(w, rc);
    }
    for (int k = 0; k < w->nparts; k++)
        if (w->parts[k].state != PART_SENT)
            return fail(w, MMIOERR_CANNOTWRITE);
    size_t cap = 64 + (size_t)w->nparts * 200;
    char *body = malloc(cap), *p = body;
    if (!body)
        return MMIOERR_OUTOFMEMORY;
    p += sprintf(p, "<CompleteMultipartUpload>");
    for (int k = 0; k < w->nparts; k++)
        p += sprintf(p,
                     "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag>"
                     "</Part>",
                     k + 1, w->parts[k].etag);
    p += sprintf(p, "</CompleteMultipartUpload>");
    char query[600], answer[2048] = "";
    snprintf(query, sizeof query, "?uploadId=%s", w->upload_id);
    char *url = s3_url(&o->s3, o->bucket, o->key, query);
    struct rq q =
        RQ(.method = "POST", .url = url, .body = body,
           .body_len = (long)(p - body), .buf = (unsigned char *)answer,
           .cap = (long)sizeof answer - 1);
    MMRESULT rc = 0;
    if (!url)
        rc = MMIOERR_OUTOFMEMORY;
    else if (obj_run(o, &q) != 0 || q.status != 200 ||
             strstr(answer, "<Error>"))
        rc = obj_failed(o, &q, "completing the upload", MMIOERR_CANNOTWRITE);
    free(url);
    free(body);
    return rc;
}

/* Ends the PUT sent while writing: 0, or an MMIOERR_ code; *again when
 * it failed in a way a PUT from the spool may not (no answer, 5xx). */
static MMRESULT end_stream(struct writer *w, struct object *o, int *again)
{
    int rc = putstream_end(&w->live);
    struct rq q = w->live.q;
    putstream_close(&w->live);
    w->streaming = 0;
    *again = rc != 0 && (q.status == 0 || rq_transient(CURLE_OK, q.status));
    if (rc == 0)
        return 0;
    return *again ? MMIOERR_CANNOTWRITE
                  : obj_failed(o, &q, "PUT", MMIOERR_CANNOTWRITE);
}

MMRESULT writer_close(struct writer *w, struct object *o)
{
    MMRESULT rc = w->failed;
    int again = 0;
    if (!rc && w->streaming)
        rc = end_stream(w, o, &again);
    else if (!rc && w->upload_id)
        rc = complete(w, o);
    else if (!rc)
        rc = put_whole(w, o);
    if (rc && again && !w->failed && !w->upload_id)
        rc = put_whole(w, o); /* the streamed PUT failed: once more whole */
    if (w->streaming)
        putstream_close(&w->live);
    parts_stop(w);
    if (rc && w->upload_id)
        abort_upload(w, o);
    if (w->fd >= 0)
        close(w->fd);
    free(w->parts);
    free(w->upload_id);
    memset(w, 0, sizeof *w);
    w->fd = -1;
    return rc;
}
