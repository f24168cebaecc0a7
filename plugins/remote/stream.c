/* SPDX-License-Identifier: MIT */
/* stream.c - one GET that stays open while a file is read in order
 * (stream.h). */
#define _GNU_SOURCE
#include "stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_BUFFER (1L << 20)
#define CHUNK (256L * 1024) /* the most curl hands over at once */

static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
    struct stream *s = ctx;
    size_t len = size * n;
    if (!s->checked) {
        long status = 0;
        curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status == 200) {
            s->skip = s->pos; /* the whole object: drop up to FROM */
        } else if (status != 206) {
            s->status = status ? status : -1;
            return 0; /* abort: the reader says what it was */
        }
        s->checked = 1;
    }
    size_t drop = 0;
    if (s->skip > 0)
        drop = (int64_t)len < s->skip ? len : (size_t)s->skip;
    size_t keep = len - drop;
    if (s->direct && s->len == 0) {
        /* a reader is waiting: its bytes go straight to it, the rest (a
         * chunk at most, which fits) to the buffer */
        size_t take = s->direct_cap - s->direct_len;
        if (take > keep)
            take = keep;
        memcpy(s->direct + s->direct_len, data + drop, take);
        s->direct_len += (long)take;
        s->pos += (int64_t)take;
        s->skip -= (int64_t)drop;
        drop += take;
        keep -= take;
        s->start = 0;
    }
    if (s->start > 0 && s->start + s->len + (long)keep > s->cap) {
        memmove(s->buf, s->buf + s->start, (size_t)s->len);
        s->start = 0;
    }
    if ((long)keep > s->cap - s->start - s->len) {
        /* full: curl keeps this chunk and gives it again on resume */
        s->paused = 1;
        return CURL_WRITEFUNC_PAUSE;
    }
    s->skip -= (int64_t)drop;
    memcpy(s->buf + s->start + s->len, data + drop, keep);
    s->len += (long)keep;
    return len;
}

int stream_open(struct stream *s, struct object *o, int64_t from, int64_t len)
{
    /* the handles and buffer a stopped stream kept are used again: a range
     * after a range costs no new handles */
    CURLM *multi = s->multi;
    CURL *easy = s->easy;
    unsigned char *buf = s->buf;
    memset(s, 0, sizeof *s);
    s->multi = multi;
    s->easy = easy;
    s->buf = buf;
    s->cap = STREAM_BUFFER;
    s->pos = from;
    s->end = len < 0 || from + len > o->size ? o->size : from + len;
    if ((!s->buf && !(s->buf = malloc((size_t)s->cap))) ||
        (!s->multi && !(s->multi = curl_multi_init())) ||
        (!s->easy && !(s->easy = rq_handle()))) {
        stream_close(s);
        return -1;
    }
    snprintf(s->range, sizeof s->range, "%lld-%lld", (long long)from,
             (long long)s->end - 1);
    s->q = RQ(.url = o->url, .range = s->range, .if_match = o->etag,
              .if_unmodified = o->last_modified,
              .auth = o->is_s3 && o->s3.signed_ ? &o->s3.auth : NULL,
              .opts = &o->opts);
    s->headers = rq_setup(s->easy, &s->q);
    curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
    if (curl_multi_add_handle(s->multi, s->easy) != CURLM_OK) {
        stream_close(s);
        return -1;
    }
    return 0;
}

/* Runs the transfer: what it has, or (wait) until it gave bytes,
 * paused or ended. */
static void pump(struct stream *s, int wait)
{
    int running = 0;
    curl_multi_perform(s->multi, &running);
    int left;
    for (CURLMsg *m; (m = curl_multi_info_read(s->multi, &left));)
        if (m->msg == CURLMSG_DONE) {
            s->done = 1;
            s->result = m->data.result;
        }
    if (!s->done && !running) /* ended with no message: take it as done */
        s->done = 1;
    if (wait && !s->done && !s->len && !s->paused &&
        !(s->direct && s->direct_len))
        curl_multi_poll(s->multi, NULL, 0, 1000, NULL);
}

long stream_read(struct stream *s, unsigned char *dst, long n)
{
    long got = 0;
    if (!dst || n < 0)
        return -1;
    while (got < n) {
        if (s->direct) { /* what the transfer gave straight to dst */
            got += s->direct_len;
            s->direct = NULL;
            continue;
        }
        if (s->len > 0) {
            long take = s->len < n - got ? s->len : n - got;
            memcpy(dst + got, s->buf + s->start, (size_t)take);
            s->start += take;
            s->len -= take;
            s->pos += take;
            got += take;
            continue;
        }
        if (s->status)
            return -1;
        if (s->done) {
            if (s->result != CURLE_OK)
                return -1;
            break; /* the object's end */
        }
        s->direct = dst + got; /* the buffer is empty: bytes come here */
        s->direct_cap = n - got;
        s->direct_len = 0;
        if (s->paused) {
            s->paused = 0;
            curl_easy_pause(s->easy, CURLPAUSE_CONT); /* may give data */
            continue;
        }
        pump(s, 1);
    }
    s->direct = NULL;
    stream_poke(s); /* keep the socket drained: TCP's window open */
    return got;
}

/* Resumed once a chunk fits, run without waiting. */
void stream_poke(struct stream *s)
{
    if (!s->done && !s->status) {
        if (s->paused && s->cap - s->len >= CHUNK) {
            s->paused = 0;
            curl_easy_pause(s->easy, CURLPAUSE_CONT);
        }
        if (!s->paused)
            pump(s, 0);
    }
}

void stream_stop(struct stream *s)
{
    if (s->multi && s->easy)
        curl_multi_remove_handle(s->multi, s->easy);
    curl_slist_free_all(s->headers);
    s->headers = NULL;
    s->len = s->start = 0;
    s->done = 1;
}

void stream_close(struct stream *s)
{
    if (s->multi && s->easy)
        curl_multi_remove_handle(s->multi, s->easy);
    if (s->easy)
        curl_easy_cleanup(s->easy);
    if (s->multi)
        curl_multi_cleanup(s->multi);
    curl_slist_free_all(s->headers);
    free(s->buf);
    memset(s, 0, sizeof *s);
}
