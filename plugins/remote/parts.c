/* SPDX-License-Identifier: MIT */
/* parts.c - S3 parts sent by a thread of their own while the file is
 * written (parts.h). */
#define _GNU_SOURCE
#include "parts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writer.h"

static size_t on_answer(char *data, size_t size, size_t n, void *ctx)
{
    (void)data, (void)ctx;
    return size * n;
}

/* (Re)starts slot f's transfer (the thread's side). */
static int start(struct parts *ps, struct writer *w, struct object *o,
                 struct inflight *f)
{
    if (f->easy) {
        curl_multi_remove_handle(ps->multi, f->easy);
        curl_slist_free_all(f->headers);
        f->headers = NULL;
    } else if (!(f->easy = rq_handle())) {
        return -1;
    }
    f->q = RQ(.method = "PUT", .url = f->url, .from_fd = 1, .body_fd = w->fd,
              .body_at = f->at, .body_fd_len = f->len,
              .auth = o->s3.signed_ ? &o->s3.auth : NULL, .opts = &o->opts);
    f->headers = rq_setup(f->easy, &f->q);
    curl_easy_setopt(f->easy, CURLOPT_WRITEFUNCTION, on_answer);
    curl_easy_setopt(f->easy, CURLOPT_PRIVATE, (char *)f);
    f->attempts++;
    return curl_multi_add_handle(ps->multi, f->easy) == CURLM_OK ? 0 : -1;
}

static void release(struct parts *ps, struct inflight *f)
{
    if (f->easy) {
        curl_multi_remove_handle(ps->multi, f->easy);
        curl_easy_cleanup(f->easy);
    }
    curl_slist_free_all(f->headers);
    free(f->url);
    memset(f, 0, sizeof *f);
}

/* A transfer ended (the thread's side, ps->mu held): its part sent, to
 * send again, or the parts failed. */
static void ended(struct parts *ps, struct writer *w, struct object *o,
                  struct inflight *f, CURLcode rc)
{
    long status = 0;
    curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
    f->q.status = status;
    struct part *p = &w->parts[f->part];
    if (rc == CURLE_OK && status == 200 && *f->q.etag &&
        strlen(f->q.etag) < sizeof p->etag) {
        memcpy(p->etag, f->q.etag, strlen(f->q.etag) + 1);
        p->state = p->again ? PART_STALE : PART_SENT;
        release(ps, f);
        return;
    }
    if (rq_transient(rc, status) && f->attempts < RQ_TRIES && !ps->failed) {
        pthread_mutex_unlock(&ps->mu);
        rq_backoff(f->attempts);
        int again = start(ps, w, o, f);
        pthread_mutex_lock(&ps->mu);
        if (again == 0)
            return;
    }
    rq_explain(&f->q, rc, NULL, 0);
    p->state = PART_STALE;
    if (!ps->failed) {
        ps->failed = rq_error(status, MMIOERR_CANNOTWRITE);
        snprintf(ps->why, sizeof ps->why, "part %d: %s", f->part + 1, f->q.why);
    }
    release(ps, f);
}

struct job {
    struct writer *w;
    struct object *o;
};

static int busy(const struct parts *ps)
{
    int n = 0;
    for (int i = 0; i < PARTS_IN_FLIGHT; i++)
        n += ps->flight[i].easy != NULL || ps->flight[i].queued;
    return n;
}

static void *run(void *arg)
{
    struct job *j = arg;
    struct writer *w = j->w;
    struct object *o = j->o;
    struct parts *ps = &w->parts_out;
    free(j);
    pthread_mutex_lock(&ps->mu);
    while (!ps->stop) {
        for (int i = 0; i < PARTS_IN_FLIGHT; i++) {
            struct inflight *f = &ps->flight[i];
            if (!f->queued)
                continue;
            f->queued = 0;
            if (start(ps, w, o, f) != 0) {
                if (!ps->failed) {
                    ps->failed = MMIOERR_CANNOTWRITE;
                    snprintf(ps->why, sizeof ps->why, "part %d: %s",
                             f->part + 1, "could not be started");
                }
                w->parts[f->part].state = PART_STALE;
                release(ps, f);
            }
        }
        pthread_cond_broadcast(&ps->cv);
        pthread_mutex_unlock(&ps->mu);
        int running = 0;
        curl_multi_perform(ps->multi, &running);
        pthread_mutex_lock(&ps->mu);
        int left;
        for (CURLMsg *m; (m = curl_multi_info_read(ps->multi, &left));) {
            if (m->msg != CURLMSG_DONE)
                continue;
            char *f = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &f);
            if (f)
                ended(ps, w, o, (struct inflight *)(void *)f, m->data.result);
        }
        pthread_cond_broadcast(&ps->cv);
        if (ps->stop)
            break;
        pthread_mutex_unlock(&ps->mu);
        curl_multi_poll(ps->multi, NULL, 0, 200, NULL);
        pthread_mutex_lock(&ps->mu);
    }
    pthread_mutex_unlock(&ps->mu);
    return NULL;
}

static MMRESULT ensure_thread(struct writer *w, struct object *o)
{
    struct parts *ps = &w->parts_out;
    if (ps->started)
        return 0;
    struct job *j = malloc(sizeof *j);
    if (!j || !(ps->multi = curl_multi_init())) {
        free(j);
        return MMIOERR_OUTOFMEMORY;
    }
    pthread_mutex_init(&ps->mu, NULL);
    pthread_cond_init(&ps->cv, NULL);
    j->w = w;
    j->o = o;
    if (pthread_create(&ps->thread, NULL, run, j) != 0) {
        free(j);
        curl_multi_cleanup(ps->multi);
        ps->multi = NULL;
        pthread_mutex_destroy(&ps->mu);
        pthread_cond_destroy(&ps->cv);
        return MMIOERR_OUTOFMEMORY;
    }
    ps->started = 1;
    return 0;
}

/* Says the first failure once (on the caller's thread). */
static MMRESULT say(struct parts *ps, struct object *o)
{
    if (ps->failed && *ps->why) {
        mmioPluginMessage("%s: %s", o->name, ps->why);
        ps->why[0] = '\0';
    }
    return ps->failed;
}

MMRESULT parts_send(struct writer *w, struct object *o, int k, int64_t at,
                    int64_t len)
{
    MMRESULT rc = ensure_thread(w, o);
    if (rc)
        return rc;
    struct parts *ps = &w->parts_out;
    char query[600];
    snprintf(query, sizeof query, "?partNumber=%d&uploadId=%s", k + 1,
             w->upload_id);
    char *url = s3_url(&o->s3, o->bucket, o->key, query);
    if (!url)
        return MMIOERR_OUTOFMEMORY;
    pthread_mutex_lock(&ps->mu);
    for (int i = 0; i < PARTS_IN_FLIGHT; i++)
        if ((ps->flight[i].easy || ps->flight[i].queued) &&
            ps->flight[i].part == k) {
            w->parts[k].again = 1; /* in flight: stale when it lands */
            pthread_mutex_unlock(&ps->mu);
            free(url);
            return 0;
        }
    while (!ps->failed && busy(ps) == PARTS_IN_FLIGHT)
        pthread_cond_wait(&ps->cv, &ps->mu);
    struct inflight *f = NULL;
    for (int i = 0; i < PARTS_IN_FLIGHT && !f && !ps->failed; i++)
        if (!ps->flight[i].easy && !ps->flight[i].queued)
            f = &ps->flight[i];
    if (f) {
        memset(f, 0, sizeof *f);
        f->part = k;
        f->url = url;
        f->at = at;
        f->len = len;
        f->queued = 1;
        w->parts[k].state = PART_SENDING;
        w->parts[k].again = 0;
        url = NULL;
    }
    pthread_mutex_unlock(&ps->mu);
    free(url);
    curl_multi_wakeup(ps->multi);
    return parts_failed(w, o);
}

MMRESULT parts_wait_all(struct writer *w, struct object *o)
{
    struct parts *ps = &w->parts_out;
    if (!ps->started)
        return 0;
    pthread_mutex_lock(&ps->mu);
    while (busy(ps) > 0)
        pthread_cond_wait(&ps->cv, &ps->mu);
    MMRESULT rc = say(ps, o);
    pthread_mutex_unlock(&ps->mu);
    return rc;
}

MMRESULT parts_failed(struct writer *w, struct object *o)
{
    struct parts *ps = &w->parts_out;
    if (!ps->started)
        return 0;
    pthread_mutex_lock(&ps->mu);
    MMRESULT rc = say(ps, o);
    pthread_mutex_unlock(&ps->mu);
    return rc;
}

void parts_lock(struct writer *w)
{
    if (w->parts_out.started)
        pthread_mutex_lock(&w->parts_out.mu);
}

void parts_unlock(struct writer *w)
{
    if (w->parts_out.started)
        pthread_mutex_unlock(&w->parts_out.mu);
}

void parts_stop(struct writer *w)
{
    struct parts *ps = &w->parts_out;
    if (!ps->started)
        return;
    pthread_mutex_lock(&ps->mu);
    ps->stop = 1;
    pthread_mutex_unlock(&ps->mu);
    curl_multi_wakeup(ps->multi);
    pthread_join(ps->thread, NULL);
    for (int i = 0; i < PARTS_IN_FLIGHT; i++)
        release(ps, &ps->flight[i]);
    curl_multi_cleanup(ps->multi);
    pthread_mutex_destroy(&ps->mu);
    pthread_cond_destroy(&ps->cv);
    memset(ps, 0, sizeof *ps);
}
