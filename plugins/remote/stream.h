/* SPDX-License-Identifier: MIT */
/*
 * stream.h - one GET that stays open while a file is read in order.
 *
 * Reading block after block with a request each costs a round trip a
 * block: on a link with 20 ms of latency that is far below what one
 * transfer reaches.  A stream asks one range "FROM-TO" (If-Match the
 * version opened) and is drained as the reader needs bytes: curl's
 * transfer is paused while the stream's buffer is full, so memory stays
 * bounded.  The range is bounded because what is asked is sent: the
 * server's socket buffers take megabytes the reader may never want (the
 * rest of an archive after the member read).  A server that ignores
 * ranges sends the object from its start; the stream then drops the bytes
 * before FROM (reading back costs a read from the start).
 */
#ifndef MMIO_REMOTE_STREAM_H
#define MMIO_REMOTE_STREAM_H

#include "object.h"

struct stream {
    CURLM *multi;
    CURL *easy;
    struct rq q;
    char range[48];
    struct curl_slist *headers;
    unsigned char *buf; /* unread bytes: buf[start, start + len) */
    long cap, start, len;
    int64_t pos;           /* the object's offset of buf[start] */
    int64_t end;           /* where the range asked ends */
    int64_t skip;          /* bytes still to drop (a server without ranges) */
    unsigned char *direct; /* a reader's buffer, filled first */
    long direct_cap, direct_len;
    int checked, paused, done;
    long status; /* a refusal (412: the object changed), else 0 */
    CURLcode result;
};

/* Starts a GET of o's bytes [from, from + len) (len -1: to the end) on
 * a new or stopped stream: 0, or -1. */
int stream_open(struct stream *s, struct object *o, int64_t from, int64_t len);
/* Up to n bytes at s->pos, waiting for them: the count (short only at
 * the object's end), or -1 when the transfer failed (s->status 412: the
 * object changed). */
long stream_read(struct stream *s, unsigned char *dst, long n);
/* Lets the transfer run without waiting (a range asked ahead). */
void stream_poke(struct stream *s);
/* Ends the transfer, keeping the handles for the next stream_open. */
void stream_stop(struct stream *s);
/* Ends it (an unfinished transfer closes its connection). */
void stream_close(struct stream *s);

#endif /* MMIO_REMOTE_STREAM_H */
