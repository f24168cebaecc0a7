/* SPDX-License-Identifier: MIT */
/*
 * object.h - one remote object: where its requests go, how they are
 * signed, what version of it was found.
 *
 * An http(s):// name is its own URL; an s3://BUCKET/KEY name is mapped by
 * s3.h and its requests signed.  Messages name the object by the name
 * the caller gave, never by a URL with credentials in it.
 */
#ifndef MMIO_REMOTE_OBJECT_H
#define MMIO_REMOTE_OBJECT_H

#include "request.h"
#include "s3.h"

struct object {
    char *name; /* as given, for messages */
    char *url;  /* where its requests go */
    int is_s3;
    struct s3 s3;
    char *bucket, *key;
    CURL *curl;
    struct rq_opts opts;
    /* what a HEAD found */
    int64_t size;
    char etag[256], last_modified[64];
    long rtt_us; /* the last wait for a first byte (round trip and
                  * the server's latency) */
};

/* Resolves name (http://, https:// or s3://): 0 or an MMIOERR_ code,
 * with a message. */
MMRESULT obj_init(struct object *o, const char *name);
void obj_free(struct object *o);

/* Performs q for o (the URL and signature o's unless q names its own):
 * rq_run's result. */
int obj_run(struct object *o, struct rq *q);

/* HEAD: the size and version into o.  0, or an MMIOERR_ code (a message
 * unless quiet and the object is just not there). */
MMRESULT obj_head(struct object *o, int quiet);

/* The object's bytes [from, from + n) into buf, from the version found
 * by obj_head (an object replaced since is an error): the count, or -1
 * with a message.  *whole says the server ignored the range and sent the
 * object from its start (buf then holds its first n bytes). */
long obj_get(struct object *o, int64_t from, long n, unsigned char *buf,
             int *whole);

/* Says the object changed since obj_head found it (a 412 to If-Match). */
void obj_changed(const struct object *o);

/* DELETE: 0 or an MMIOERR_ code. */
MMRESULT obj_delete(struct object *o);

/* Renames o to the object `to` names (same kind of storage): WebDAV
 * MOVE, or S3 copy then delete (not atomic: for a moment both exist).
 * 0 or an MMIOERR_ code. */
MMRESULT obj_rename(struct object *o, const char *to);

/* Says what went wrong with a request for o, then gives its code:
 * the status's (rq_error), else `otherwise`. */
MMRESULT obj_failed(struct object *o, const struct rq *q, const char *doing,
                    MMRESULT otherwise);

#endif /* MMIO_REMOTE_OBJECT_H */
