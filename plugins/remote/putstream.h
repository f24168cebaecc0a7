/* SPDX-License-Identifier: MIT */
/*
 * putstream.h - a PUT whose body is sent while it is being written.
 *
 * Spooling a whole file and only then sending it makes the server wait
 * for the writer and the writer for the server: a 256 MiB upload costs
 * both times added.  A put stream starts the PUT (chunked) at the first
 * write and sends the spool's bytes as they are written, between the
 * caller's writes, never blocking them; the request ends at close, when
 * the server answers for the whole.  A write into bytes already sent (a
 * RIFF writer patching a size) abandons it: the connection is dropped
 * before the body ended, so the server keeps the old file (WebDAV servers
 * write a PUT to a temporary and rename it when complete), and the writer
 * sends the spool whole at close instead.
 */
#ifndef MMIO_REMOTE_PUTSTREAM_H
#define MMIO_REMOTE_PUTSTREAM_H

#include "object.h"

struct putstream {
    CURLM *multi;
    CURL *easy;
    struct rq q;
    struct curl_slist *headers;
    int fd;          /* the spool */
    int64_t sent;    /* bytes of it handed to curl */
    int64_t written; /* bytes of it written so far */
    int ending, paused, done, failed;
    CURLcode result;
};

/* Starts a PUT of o with the spool fd as its body: 0, or -1. */
int putstream_open(struct putstream *p, struct object *o, int fd);
/* The spool now holds `written` bytes: sends what it can without
 * waiting. */
void putstream_more(struct putstream *p, int64_t written);
/* Ends the body and waits for the answer: 0 when the server took it
 * (q.status 2xx), else -1 (p->q.why or the status says why). */
int putstream_end(struct putstream *p);
/* Drops it (the server keeps what it had). */
void putstream_close(struct putstream *p);

#endif /* MMIO_REMOTE_PUTSTREAM_H */
