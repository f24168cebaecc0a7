/* SPDX-License-Identifier: MIT */
/* putstream.c - a PUT whose body is sent while it is being written
 * (putstream.h). */
#define _GNU_SOURCE
#include "putstream.h"

#include <stdlib.h>
#include <string.h>

#include "procutil.h"

#define UPLOAD_BUFFER (512L * 1024)

static size_t on_send(char *dst, size_t size, size_t n, void *ctx)
{
    struct putstream *p = ctx;
    int64_t left = p->written - p->sent;
    if (left <= 0) {
        if (p->ending)
            return 0; /* the body's end */
        p->paused = 1;
        return CURL_READFUNC_PAUSE;
    }
    size_t want = size * n;
    if ((int64_t)want > left)
        want = (size_t)left;
    long got = plug_pread(p->fd, dst, want, p->sent);
    if (got <= 0)
        return CURL_READFUNC_ABORT;
    p->sent += got;
    return (size_t)got;
}

/* A refusal's body is not kept: the status says enough, and a body
 * callback must take it for the transfer to end. */
static size_t on_answer(char *data, size_t size, size_t n, void *ctx)
{
    (void)data, (void)ctx;
    return size * n;
}

int putstream_open(struct putstream *p, struct object *o, int fd)
{
    memset(p, 0, sizeof *p);
    p->fd = fd;
    if (!(p->multi = curl_multi_init()) || !(p->easy = rq_handle())) {
        putstream_close(p);
        return -1;
    }
    p->q = RQ(.method = "PUT", .url = o->url,
              .auth = o->is_s3 && o->s3.signed_ ? &o->s3.auth : NULL,
              .opts = &o->opts);
    p->headers = rq_setup(p->easy, &p->q);
    curl_easy_setopt(p->easy, CURLOPT_UPLOAD, 1L); /* chunked: no length */
    curl_easy_setopt(p->easy, CURLOPT_UPLOAD_BUFFERSIZE, UPLOAD_BUFFER);
    curl_easy_setopt(p->easy, CURLOPT_READFUNCTION, on_send);
    curl_easy_setopt(p->easy, CURLOPT_READDATA, p);
    curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, on_answer);
    if (curl_multi_add_handle(p->multi, p->easy) != CURLM_OK) {
        putstream_close(p);
        return -1;
    }
    return 0;
}

static void pump(struct putstream *p, int wait)
{
    int running = 0;
    if (p->paused && (p->written > p->sent || p->ending)) {
        p->paused = 0;
        curl_easy_pause(p->easy, CURLPAUSE_CONT);
    }
    curl_multi_perform(p->multi, &running);
    int left;
    for (CURLMsg *m; (m = curl_multi_info_read(p->multi, &left));)
        if (m->msg == CURLMSG_DONE) {
            p->done = 1;
            p->result = m->data.result;
        }
    if (!p->done && !running)
        p->done = 1;
    if (wait && !p->done)
        curl_multi_poll(p->multi, NULL, 0, 1000, NULL);
}

void putstream_more(struct putstream *p, int64_t written)
{
    p->written = written;
    /* a pump for every buffer's worth: fewer, larger sends */
    if (!p->done && p->written - p->sent >= UPLOAD_BUFFER)
        pump(p, 0);
}

int putstream_end(struct putstream *p)
{
    p->ending = 1;
    while (!p->done)
        pump(p, 1);
    curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &p->q.status);
    if (p->result != CURLE_OK) {
        rq_explain(&p->q, p->result, NULL, 0);
        return -1;
    }
    if (p->q.status < 200 || p->q.status >= 300) {
        rq_explain(&p->q, CURLE_OK, NULL, 0);
        return -1;
    }
    return p->sent == p->written ? 0 : -1;
}

void putstream_close(struct putstream *p)
{
    if (p->multi && p->easy)
        curl_multi_remove_handle(p->multi, p->easy);
    if (p->easy)
        curl_easy_cleanup(p->easy);
    if (p->multi)
        curl_multi_cleanup(p->multi);
    curl_slist_free_all(p->headers);
    memset(p, 0, sizeof *p);
    p->fd = -1;
}
