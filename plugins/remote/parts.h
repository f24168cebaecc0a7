/* SPDX-License-Identifier: MIT */
/*
 * parts.h - S3 parts sent by a thread of their own while the file is
 * written.
 *
 * A part sent and waited for stops the writer for its whole upload, and
 * one driven only between the caller's writes stalls when the caller
 * pauses.  Here a thread drives a curl multi handle, PARTS_IN_FLIGHT
 * parts at a time, each reading its bytes from the spool (pread: the
 * writer may go on writing elsewhere); the writer waits only for a free
 * slot.  A part that fails transiently is sent again (RQ_TRIES in all,
 * with backoff); one that fails otherwise fails the writer, whose close
 * then aborts the upload.  The thread says nothing itself: its failure
 * is kept for the writer's thread to say (messages belong to the
 * caller's thread).  No lock is held while curl runs.
 */
#ifndef MMIO_REMOTE_PARTS_H
#define MMIO_REMOTE_PARTS_H

#include "object.h"

#include <pthread.h>

#define PARTS_IN_FLIGHT 4

struct writer;

struct inflight {
    CURL *easy; /* NULL: a free slot */
    struct rq q;
    struct curl_slist *headers;
    char *url;
    int part; /* its index (part number - 1) */
    int64_t at, len;
    int attempts; /* made so far */
    int queued;   /* filled in by the writer, not yet started */
};

struct parts {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a part ended */
    CURLM *multi;
    int started, stop;
    struct inflight flight[PARTS_IN_FLIGHT];
    MMRESULT failed; /* the first failure ... */
    char why[600];   /* ... and what to say of it */
};

/* Starts part k of w (bytes [at, at + len) of its spool), waiting for a
 * free slot first: 0, or the first failure of the parts. */
MMRESULT parts_send(struct writer *w, struct object *o, int k, int64_t at,
                    int64_t len);
/* Waits for every part in flight: 0, or the first failure (said). */
MMRESULT parts_wait_all(struct writer *w, struct object *o);
/* The first failure so far, said once (0: none). */
MMRESULT parts_failed(struct writer *w, struct object *o);
/* Holds the writer's parts still while the caller changes them (their
 * table, their states); nothing when no thread runs. */
void parts_lock(struct writer *w);
void parts_unlock(struct writer *w);
/* Ends the thread and drops what is in flight (an upload aborted). */
void parts_stop(struct writer *w);

#endif /* MMIO_REMOTE_PARTS_H */
