/* SPDX-License-Identifier: MIT */
/* object.c - one remote object (object.h). */
#define _GNU_SOURCE
#include "object.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

MMRESULT obj_init(struct object *o, const char *name)
{
    memset(o, 0, sizeof *o);
    o->size = -1;
    if (!(o->name = strdup(name)))
        return MMIOERR_OUTOFMEMORY;
    rq_opts_read(&o->opts);
    if (!strncmp(name, "s3://", 5)) {
        o->is_s3 = 1;
        if (s3_split(name, &o->bucket, &o->key) != 0) {
            mmioPluginMessage("%s: an S3 name is s3://BUCKET/KEY", name);
            return MMIOERR_INVALIDFILE;
        }
        if (s3_config(&o->s3) != 0)
            return MMIOERR_CANNOTOPEN;
        o->url = s3_url(&o->s3, o->bucket, o->key, "");
    } else if (!strncmp(name, "http://", 7) || !strncmp(name, "https://", 8)) {
        o->url = strdup(name);
    } else {
        mmioPluginMessage("%s: not an http://, https:// or s3:// name", name);
        return MMIOERR_INVALIDFILE;
    }
    if (!o->url || !(o->curl = rq_handle()))
        return MMIOERR_OUTOFMEMORY;
    return 0;
}

void obj_free(struct object *o)
{
    if (o->curl)
        curl_easy_cleanup(o->curl);
    free(o->name);
    free(o->url);
    free(o->bucket);
    free(o->key);
    memset(&o->s3.auth, 0, sizeof o->s3.auth); /* the secret */
    memset(o, 0, sizeof *o);
}

int obj_run(struct object *o, struct rq *q)
{
    if (!q->url)
        q->url = o->url;
    if (!q->auth && o->is_s3 && o->s3.signed_)
        q->auth = &o->s3.auth;
    if (!q->opts)
        q->opts = &o->opts;
    int rc = rq_run(o->curl, q);
    /* the wait for the first byte: the round trip and the server's
     * latency (a proxy's too), which a stream's range is sized for */
    curl_off_t pre = 0, first = 0;
    if (rc == 0 &&
        curl_easy_getinfo(o->curl, CURLINFO_PRETRANSFER_TIME_T, &pre) ==
            CURLE_OK &&
        curl_easy_getinfo(o->curl, CURLINFO_STARTTRANSFER_TIME_T, &first) ==
            CURLE_OK &&
        first > pre)
        o->rtt_us = (long)(first - pre);
    return rc;
}

MMRESULT obj_failed(struct object *o, const struct rq *q, const char *doing,
                    MMRESULT otherwise)
{
    const char *hint = "";
    if (o->is_s3 && !o->s3.signed_ && (q->status == 401 || q->status == 403))
        hint = " (no S3 credentials were found: AWS_ACCESS_KEY_ID and "
               "AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials)";
    mmioPluginMessage("%s: %s: %s%s", o->name, doing,
                      *q->why ? q->why : "no answer", hint);
    return q->status ? rq_error(q->status, otherwise) : otherwise;
}

void obj_changed(const struct object *o)
{
    mmioPluginMessage("%s: the object changed since it was opened "
                      "(If-Match failed); the read fails",
                      o->name);
}

MMRESULT obj_head(struct object *o, int quiet)
{
    struct rq q = RQ(.method = "HEAD", .nobody = 1);
    if (obj_run(o, &q) != 0)
        return obj_failed(o, &q, "HEAD", MMIOERR_CANNOTOPEN);
    if (q.status != 200) {
        if (quiet && (q.status == 404 || q.status == 410))
            return MMIOERR_FILENOTFOUND;
        return obj_failed(o, &q, "HEAD", MMIOERR_CANNOTOPEN);
    }
    if (q.length < 0 || q.length > INT32_MAX) {
        mmioPluginMessage("%s: %s", o->name,
                          q.length < 0 ? "the server does not say its size"
                                       : "2 GiB or more: past what a LONG "
                                         "offset reaches");
        return q.length < 0 ? MMIOERR_CANNOTREAD : MMSYSERR_NOTSUPPORTED;
    }
    o->size = q.length;
    snprintf(o->etag, sizeof o->etag, "%s", q.etag);
    snprintf(o->last_modified, sizeof o->last_modified, "%s", q.last_modified);
    return 0;
}

long obj_get(struct object *o, int64_t from, long n, unsigned char *buf,
             int *whole)
{
    char range[64];
    snprintf(range, sizeof range, "%lld-%lld", (long long)from,
             (long long)(from + n - 1));
    struct rq q = RQ(.range = range, .if_match = o->etag,
                     .if_unmodified = o->last_modified, .buf = buf, .cap = n);
    *whole = 0;
    int rc = obj_run(o, &q);
    if (rc == 0 && q.status == 412) {
        obj_changed(o);
        return -1;
    }
    if (rc == 0 && q.status == 200 && q.length == o->size) {
        /* no range support: the object from its start (this read aborted
         * the transfer once it had n bytes, so rc is a write error) */
        *whole = 1;
        return q.len;
    }
    if (rc == -1 && q.status == 200 && q.len == n && q.length == o->size) {
        *whole = 1;
        return q.len;
    }
    if (rc != 0 || q.status != 206) {
        obj_failed(o, &q, range, MMIOERR_CANNOTREAD);
        return -1;
    }
    if ((q.total >= 0 && q.total != o->size) || q.len != n) {
        mmioPluginMessage("%s: range %s: the object changed size", o->name,
                          range);
        return -1;
    }
    return q.len;
}

/* DELETE of an object known to be there. */
static MMRESULT delete_found(struct object *o)
{
    struct rq q = RQ(.method = "DELETE");
    if (obj_run(o, &q) != 0 || q.status < 200 || q.status >= 300)
        return obj_failed(o, &q, "DELETE", MMIOERR_CANNOTWRITE);
    return 0;
}

MMRESULT obj_delete(struct object *o)
{
    if (o->is_s3) {
        /* S3 says 204 for a key that is not there: ask first, so that
         * deleting nothing is "not found", as for a local file */
        MMRESULT rc = obj_head(o, 1);
        if (rc)
            return rc;
    }
    return delete_found(o);
}

MMRESULT obj_rename(struct object *o, const char *to)
{
    struct object t;
    MMRESULT rc = obj_init(&t, to);
    if (rc == 0 && t.is_s3 != o->is_s3) {
        mmioPluginMessage("%s: cannot be renamed to %s: another kind of "
                          "storage",
                          o->name, to);
        rc = MMIOERR_INVALIDFILE;
    }
    if (rc) {
        obj_free(&t);
        return rc;
    }
    struct curl_slist *h = NULL;
    char *header = NULL;
    if (o->is_s3) {
        rc = obj_head(o, 1); /* a missing source is "not found" */
        if (rc == 0 && !(header = s3_copy_source(o->bucket, o->key)))
            rc = MMIOERR_OUTOFMEMORY;
        h = header ? curl_slist_append(NULL, header) : NULL;
        char body[1024] = "";
        struct rq q =
            RQ(.method = "PUT", .url = t.url, .headers = h,
               .buf = (unsigned char *)body, .cap = (long)sizeof body - 1);
        if (rc == 0) {
            if (obj_run(&t, &q) != 0 || q.status != 200 ||
                strstr(body, "<Error>"))
                rc = obj_failed(o, &q, "copy", MMIOERR_CANNOTWRITE);
            else
                rc = delete_found(o); /* found by the HEAD above */
        }
    } else {
        if (asprintf(&header, "Destination: %s", t.url) < 0)
            header = NULL;
        h = header ? curl_slist_append(NULL, header) : NULL;
        h = h ? curl_slist_append(h, "Overwrite: T") : NULL;
        struct rq q = RQ(.method = "MOVE", .headers = h);
        if (!h)
            rc = MMIOERR_OUTOFMEMORY;
        else if (obj_run(o, &q) != 0 || q.status < 200 || q.status >= 300)
            rc = obj_failed(o, &q, "MOVE", MMIOERR_CANNOTWRITE);
    }
    curl_slist_free_all(h);
    free(header);
    obj_free(&t);
    return rc;
}
