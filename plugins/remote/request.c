/* SPDX-License-Identifier: MIT */
/* request.c - one HTTP request through libcurl (request.h). */
#define _GNU_SOURCE
#include "request.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "procutil.h"

static CURLSH *share;
static pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_failed;

static void share_lock(CURL *h, curl_lock_data d, curl_lock_access a, void *u)
{
    (void)h, (void)a, (void)u;
    pthread_mutex_lock(&share_locks[d]);
}

static void share_unlock(CURL *h, curl_lock_data d, void *u)
{
    (void)h, (void)u;
    pthread_mutex_unlock(&share_locks[d]);
}

static void init_once(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        init_failed = 1;
        return;
    }
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&share_locks[i], NULL);
    share = curl_share_init();
    if (!share) {
        init_failed = 1;
        return;
    }
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
}

int rq_global_init(void)
{
    pthread_once(&once, init_once);
    return init_failed ? -1 : 0;
}

CURL *rq_handle(void)
{
    return rq_global_init() == 0 ? curl_easy_init() : NULL;
}

void rq_opts_read(struct rq_opts *opts)
{
    char text[64];
    plug_option_text("cafile", opts->cafile, sizeof opts->cafile);
    plug_option_text("timeout", text, sizeof text);
    long s = strtol(text, NULL, 10);
    opts->timeout = s > 0 ? s : 30L;
}

static void header_value(const char *text, size_t skip, char *dst, size_t n)
{
    const char *v = text + skip;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t len = strlen(v);
    if (len >= n)
        len = n - 1; /* longer than any version we keep: cut */
    memcpy(dst, v, len);
    dst[len] = '\0';
}

size_t rq_on_header(char *line, size_t size, size_t n, void *ctx)
{
    struct rq *q = ctx;
    size_t len = size * n;
    char text[512];
    snprintf(text, sizeof text, "%.*s", (int)(len < 511 ? len : 511), line);
    text[strcspn(text, "\r\n")] = '\0';
    if (!strncmp(text, "HTTP/", 5)) {
        /* a new response (after a redirect or a 100): forget the last */
        q->etag[0] = q->last_modified[0] = '\0';
        q->total = -1;
        q->ranges = 0;
    } else if (!strncasecmp(text, "etag:", 5)) {
        header_value(text, 5, q->etag, sizeof q->etag);
    } else if (!strncasecmp(text, "last-modified:", 14)) {
        header_value(text, 14, q->last_modified, sizeof q->last_modified);
    } else if (!strncasecmp(text, "content-range:", 14)) {
        const char *slash = strrchr(text, '/');
        if (slash && slash[1] >= '0' && slash[1] <= '9')
            q->total = strtoll(slash + 1, NULL, 10);
    } else if (!strncasecmp(text, "accept-ranges:", 14)) {
        q->ranges = strstr(text + 14, "bytes") != NULL;
    }
    return len;
}

/* A refusal's body is kept (a little of it) to say what the server said;
 * a success's goes to the caller's buffer. */
struct body {
    struct rq *q;
    CURL *c;
    char err[1024];
    long err_len;
};

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    struct body *b = ctx;
    struct rq *q = b->q;
    size_t len = size * n;
    long status = 0;
    curl_easy_getinfo(b->c, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status >= 300) {
        size_t room = sizeof b->err - 1 - (size_t)b->err_len;
        size_t take = len < room ? len : room;
        memcpy(b->err + b->err_len, data, take);
        b->err_len += (long)take;
        return len;
    }
    if ((long)len > q->cap - q->len)
        return 0; /* more than was asked: abort */
    memcpy(q->buf + q->len, data, len);
    q->len += (long)len;
    return len;
}

static size_t on_send(char *dst, size_t size, size_t n, void *ctx)
{
    struct rq *q = ctx;
    int64_t left = q->body_fd_len - q->len;
    size_t want = size * n;
    if ((int64_t)want > left)
        want = (size_t)left;
    if (want == 0)
        return 0;
    long got = plug_pread(q->body_fd, dst, want, q->body_at + q->len);
    if (got <= 0)
        return CURL_READFUNC_ABORT;
    q->len += got;
    return (size_t)got;
}

static int on_rewind(void *ctx, curl_off_t off, int origin)
{
    struct rq *q = ctx;
    if (origin != SEEK_SET || off < 0 || off > q->body_fd_len)
        return CURL_SEEKFUNC_FAIL;
    q->len = (long)off;
    return CURL_SEEKFUNC_OK;
}

struct curl_slist *rq_setup(CURL *c, struct rq *q)
{
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, q->url);
    curl_easy_setopt(c, CURLOPT_SHARE, share);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L); /* stalled: 30 s */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, rq_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, q);
    struct rq_opts now;
    const struct rq_opts *opts = q->opts;
    if (!opts) {
        rq_opts_read(&now);
        opts = &now;
    }
    if (*opts->cafile)
        curl_easy_setopt(c, CURLOPT_CAINFO, opts->cafile);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, opts->timeout);
    if (q->range)
        curl_easy_setopt(c, CURLOPT_RANGE, q->range);
    if (q->nobody)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    q->status = 0;
    q->length = q->total = -1;
    q->ranges = 0;
    q->etag[0] = q->last_modified[0] = q->why[0] = '\0';

    struct curl_slist *h = NULL;
    char cond[320];
    if (q->if_match && *q->if_match) {
        snprintf(cond, sizeof cond, "If-Match: %s", q->if_match);
        h = curl_slist_append(h, cond);
    } else if (q->if_unmodified && *q->if_unmodified) {
        snprintf(cond, sizeof cond, "If-Unmodified-Since: %s",
                 q->if_unmodified);
        h = curl_slist_append(h, cond);
    }
    /* no 100-continue round trip (signed requests: curl 7.88 would sign
     * an "Expect:" that removes the header, and the signature would not
     * match; there it is sent and not waited for) */
    if (q->auth)
        curl_easy_setopt(c, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
    else
        h = curl_slist_append(h, "Expect:");
    for (struct curl_slist *e = q->headers; e; e = e->next)
        h = curl_slist_append(h, e->data);
    if (q->auth) {
        curl_easy_setopt(c, CURLOPT_AWS_SIGV4, q->auth->sigv4);
        curl_easy_setopt(c, CURLOPT_USERPWD, q->auth->userpwd);
        /* curl 7.88 signs but does not send the payload's hash itself */
        h = curl_slist_append(h, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
        if (*q->auth->token)
            h = curl_slist_append(h, q->auth->token);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (getenv("RQ_VERBOSE"))
        curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);

    const char *m = q->method ? q->method : "GET";
    if (q->from_fd && q->body_fd_len >= 0 && !strcmp(m, "PUT")) {
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                         (curl_off_t)q->body_fd_len);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_send);
        curl_easy_setopt(c, CURLOPT_READDATA, q);
        curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_rewind);
        curl_easy_setopt(c, CURLOPT_SEEKDATA, q);
    } else if (q->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, q->body_len);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
    } else if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0) {
        if (strcmp(m, "PUT") == 0 || strcmp(m, "POST") == 0) {
            /* an empty body, said so */
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
        }
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
    }
    return h;
}

int rq_transient(CURLcode rc, long status)
{
    return rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
           rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
           rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE ||
           (rc == CURLE_OK && (status >= 500 || status == 429));
}

void rq_backoff(int attempt)
{
    long ms = 100L << (attempt > 6 ? 6 : attempt - 1);
    ms += rand() % (ms / 2 + 1);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The text between <tag> and </tag> in body, or "" */
static void between(const char *body, const char *open, const char *close,
                    char *dst, size_t n)
{
    const char *a = strstr(body, open);
    const char *b = a ? strstr(a + strlen(open), close) : NULL;
    *dst = '\0';
    if (a && b)
        snprintf(dst, n, "%.*s", (int)(b - a - (long)strlen(open)),
                 a + strlen(open));
}

void rq_explain(struct rq *q, CURLcode rc, const char *body, long len)
{
    if (rc != CURLE_OK) {
        snprintf(q->why, sizeof q->why, "%s", curl_easy_strerror(rc));
        return;
    }
    char text[1024], words[300] = "";
    snprintf(text, sizeof text, "%.*s", (int)(len < 1023 ? len : 1023),
             body ? body : "");
    between(text, "<Message>", "</Message>", words, sizeof words);
    if (!*words)
        between(text, "<Code>", "</Code>", words, sizeof words);
    if (!*words)
        between(text, "<title>", "</title>", words, sizeof words);
    for (char *p = words; *p; p++)
        if ((unsigned char)*p < ' ')
            *p = ' ';
    snprintf(q->why, sizeof q->why, "the server answered %ld%s%s", q->status,
             *words ? ": " : "", words);
}

static int idempotent(const char *m)
{
    return !m || !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "PUT") ||
           !strcmp(m, "DELETE");
}

int rq_run(CURL *c, struct rq *q)
{
    for (int attempt = 1;; attempt++) {
        struct body b = {q, c, "", 0};
        q->len = 0;
        struct curl_slist *h = rq_setup(c, q);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        CURLcode rc = curl_easy_perform(c);
        curl_slist_free_all(h);
        q->attempts = attempt;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &q->status);
        curl_off_t len = -1;
        curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
        q->length = len;
        if (rq_transient(rc, q->status) && attempt < RQ_TRIES &&
            idempotent(q->method)) {
            rq_backoff(attempt);
            continue;
        }
        if (rc != CURLE_OK || q->status < 200 || q->status >= 300)
            rq_explain(q, rc, b.err, b.err_len);
        if (rc != CURLE_OK)
            return -1;
        return 0;
    }
}

MMRESULT rq_error(long status, MMRESULT otherwise)
{
    return status == 404 || status == 410   ? MMIOERR_FILENOTFOUND
           : status == 401 || status == 403 ? MMIOERR_ACCESSDENIED
                                            : otherwise;
}
