/* SPDX-License-Identifier: MIT */
/*
 * request.h - one HTTP request through libcurl, retried when that is safe.
 *
 * Every request of the remote plugin goes through rq_run: the process's
 * curl share (connections, DNS, TLS sessions), the timeouts, the CA file,
 * S3's signature when the request carries credentials, and the retry rule
 * (idempotent requests only, a bounded number of attempts, exponential
 * backoff with jitter for 5xx, 429, resets and timeouts).  What came back
 * is in the struct: the status, the version headers, the server's own
 * words when it refused.
 */
#ifndef MMIO_REMOTE_REQUEST_H
#define MMIO_REMOTE_REQUEST_H

#include <mmio_plugin.h>

#include <curl/curl.h>
#include <stdint.h>

#define RQ_TRIES 4 /* attempts of an idempotent request */

/* How a request is signed (S3's Signature V4), or NULL: not signed. */
struct rq_auth {
    char sigv4[96];    /* "aws:amz:REGION:s3" */
    char userpwd[512]; /* "KEY:SECRET": secret, never printed */
    char token[2200];  /* "x-amz-security-token: ..." or "" */
};

/* The options a request uses, read once (on the caller's thread: a
 * thread of the plugin's own cannot ask for them). */
struct rq_opts {
    char cafile[512];
    long timeout; /* a stalled transfer ends after it (s) */
};

/* Reads them from the options in force. */
void rq_opts_read(struct rq_opts *opts);

struct rq {
    /* the request */
    const char *method; /* NULL: GET */
    const char *url;
    const char *range;          /* "FROM-TO", "FROM-" or NULL */
    const char *if_match;       /* an ETag the object must have, or NULL */
    const char *if_unmodified;  /* else a Last-Modified date, or NULL */
    struct curl_slist *headers; /* more headers (the caller's) */
    const struct rq_auth *auth; /* NULL: unsigned */
    const struct rq_opts *opts; /* NULL: read them now */
    const char *body;           /* a body from memory ... */
    long body_len;
    int from_fd; /* ... or from the file body_fd: */
    int body_fd;
    int64_t body_at, body_fd_len; /* its bytes [at, at + len) */
    int nobody;                   /* HEAD */
    /* where a 2xx body goes: buf, at most cap bytes (more is an error) */
    unsigned char *buf;
    long cap, len;
    /* the answer */
    long status;
    int64_t length; /* Content-Length, -1 when none */
    int64_t total;  /* the size a Content-Range gives, -1 when none */
    int ranges;     /* the server said Accept-Ranges: bytes */
    char etag[256], last_modified[64];
    char why[400]; /* curl's error or the server's words, for messages */
    long attempts;
};

/* A request: the fields named are set, the others 0. */
#define RQ(...) ((struct rq){__VA_ARGS__})

/* Makes the share every handle of the process uses: 0, or -1. */
int rq_global_init(void);
/* A new curl handle (NULL: no memory). */
CURL *rq_handle(void);

/* Sets a request up on c as q says (the caller may add options before
 * performing it itself: see stream.c): the header list to free after. */
struct curl_slist *rq_setup(CURL *c, struct rq *q);
/* The header callback rq_setup installs, for a caller's own transfer. */
size_t rq_on_header(char *line, size_t size, size_t n, void *q);
/* Whether a result is worth another attempt. */
int rq_transient(CURLcode rc, long status);
/* Fills q->why from a refusal's body (S3's <Message>, an HTML <title>)
 * or curl's error, and the status. */
void rq_explain(struct rq *q, CURLcode rc, const char *body, long len);

/* Performs q on c, again while it failed transiently, q is idempotent
 * (GET, HEAD, PUT, DELETE) and attempts are left: 0 with q->status set
 * (any status: the caller judges it), or -1 when no answer came (q->why
 * says why). */
int rq_run(CURL *c, struct rq *q);

/* The MMIOERR_ code a status means: 404/410 not found, 401/403 access
 * denied, anything else `otherwise`. */
MMRESULT rq_error(long status, MMRESULT otherwise);

/* Sleeps before attempt number `attempt` (1, 2, ...): 100 ms doubling,
 * with up to half again of jitter. */
void rq_backoff(int attempt);

#endif /* MMIO_REMOTE_REQUEST_H */
