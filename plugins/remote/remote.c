/* SPDX-License-Identifier: MIT */
/*
 * remote.c - the "HTTP" procedure: files on web servers, read with ranged
 * GETs (libcurl).
 *
 *   mmioOpen("https://host/album.zip+track.flac+", NULL, MMIO_READ)
 *
 * A URL chooses this procedure by its scheme (http and https both give
 * 'HTTP'); nested names reach it as the container at the bottom.  At open
 * a HEAD gives the size and the ETag (or Last-Modified), which pin the
 * object: every later range asks If-Match, so an object replaced mid-read
 * is an error, never a mix of two versions.  Reads go through a block
 * cache per handle (BLOCK bytes a block, at most CACHE_BLOCKS blocks):
 * a random read costs at most one request, a cached one none, and
 * sequential reads fetch ahead, up to MAX_AHEAD blocks at a time.
 * Connections, DNS and TLS sessions are shared by every handle of the
 * process (a curl share).  Transient failures (5xx, 429, resets,
 * timeouts) are retried a few times with backoff; 404 is
 * MMIOERR_FILENOTFOUND, 401/403 MMIOERR_ACCESSDENIED.  This version reads
 * only: a write open is refused with MMSYSERR_NOTSUPPORTED.
 */
#define _GNU_SOURCE
#include <mmio_plugin.h>

#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "procutil.h"

#define FOURCC_HTTP mmioFOURCC('H', 'T', 'T', 'P')
#define BLOCK (64L * 1024)
#define CACHE_BLOCKS 32 /* 2 MiB of cache a handle */
#define MAX_AHEAD 16    /* blocks fetched in one request, reading in order */
#define RETRIES 4

static const FOURCC fourccs[] = {FOURCC_HTTP, 0};

MMIOAPI const MMIOPLUGININFO mmioPluginInfo = {
    MMIO_PLUGIN_ABI,
    "remote",
    "0.1.0",
    "Files on web servers: ranged reads over HTTP(S) (libcurl)",
    "MIT",
    fourccs};

/* ---- one curl share for the process ------------------------------------- */

static CURLSH *share;
static pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];

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

/* ---- a remote file ------------------------------------------------------ */

struct block {
    int64_t first; /* the block's number, -1: empty */
    long len;      /* bytes held (the last block may be short) */
    unsigned long used;
    unsigned char *data;
};

struct remote {
    char *url;
    CURL *curl;
    int64_t size;
    char etag[256];         /* the pinned version: ETag, or "" */
    char last_modified[64]; /* when there is no ETag */
    struct block cache[CACHE_BLOCKS];
    unsigned long tick;
    int64_t next_block; /* the block after the last one fetched */
    int ahead;          /* blocks the next sequential fetch asks */
    long requests;      /* made through this handle */
    int quiet;          /* an EXIST question: "no" is no failure to say */
};

static struct remote *remote_of(const MMIOINFO *mi)
{
    return mmioPluginGetFileState(mi);
}

/* What a response's headers say: the length, the version. */
struct head {
    struct remote *r;
    char etag[256], last_modified[64];
    int64_t total; /* from Content-Range ".../TOTAL", -1 when none */
};

static size_t on_header(char *line, size_t size, size_t n, void *ctx)
{
    struct head *h = ctx;
    size_t len = size * n;
    char text[512];
    snprintf(text, sizeof text, "%.*s", (int)(len < 511 ? len : 511), line);
    text[strcspn(text, "\r\n")] = '\0';
    if (!strncasecmp(text, "etag:", 5)) {
        const char *v = text + 5;
        while (*v == ' ')
            v++;
        snprintf(h->etag, sizeof h->etag, "%.255s", v);
    } else if (!strncasecmp(text, "last-modified:", 14)) {
        const char *v = text + 14;
        while (*v == ' ')
            v++;
        snprintf(h->last_modified, sizeof h->last_modified, "%.63s", v);
    } else if (!strncasecmp(text, "content-range:", 14)) {
        const char *slash = strrchr(text, '/');
        if (slash && slash[1] != '*')
            h->total = strtoll(slash + 1, NULL, 10);
    }
    return len;
}

/* Where a GET's body goes: into buf, at most cap bytes (more is an error:
 * the server sent what was not asked). */
struct sink {
    unsigned char *buf;
    long cap, len;
};

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    struct sink *s = ctx;
    size_t len = size * n;
    if ((long)len > s->cap - s->len)
        return 0; /* aborts the transfer */
    memcpy(s->buf + s->len, data, len);
    s->len += (long)len;
    return len;
}

static void setup(struct remote *r, struct head *h)
{
    CURL *c = r->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, r->url);
    curl_easy_setopt(c, CURLOPT_SHARE, share);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L); /* stalled: 30 s */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
    const char *ca = plug_option("cafile");
    if (ca)
        curl_easy_setopt(c, CURLOPT_CAINFO, ca);
}

static int transient(CURLcode rc, long status)
{
    return rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
           rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
           rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE ||
           (rc == CURLE_OK && (status >= 500 || status == 429));
}

static void backoff(int attempt)
{
    /* 100, 200, 400 ms, each with up to half again of jitter */
    long ms = 100L << attempt;
    ms += rand() % (ms / 2 + 1);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One request as set up: curl's result and the HTTP status in *status;
 * 1 when it failed in a way worth another attempt (and one is left, after
 * a pause), else 0. */
static int perform(struct remote *r, int attempt, CURLcode *rc, long *status)
{
    *rc = curl_easy_perform(r->curl);
    r->requests++;
    *status = 0;
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, status);
    if (!transient(*rc, *status) || attempt + 1 >= RETRIES)
        return 0;
    backoff(attempt);
    return 1;
}

static MMRESULT status_error(long status, MMRESULT otherwise)
{
    return status == 404 || status == 410   ? MMIOERR_FILENOTFOUND
           : status == 401 || status == 403 ? MMIOERR_ACCESSDENIED
                                            : otherwise;
}

/* HEAD: the size and the version.  0 or an MMIOERR_ code. */
static MMRESULT head(struct remote *r)
{
    for (int attempt = 0;; attempt++) {
        struct head h = {r, "", "", -1};
        setup(r, &h);
        curl_easy_setopt(r->curl, CURLOPT_NOBODY, 1L);
        CURLcode rc;
        long status;
        if (perform(r, attempt, &rc, &status))
            continue;
        if (rc != CURLE_OK) {
            mmioPluginMessage("%s: %s", r->url, curl_easy_strerror(rc));
            return MMIOERR_CANNOTOPEN;
        }
        if (status != 200) {
            if (!r->quiet)
                mmioPluginMessage("%s: the server answered %ld", r->url,
                                  status);
            return status_error(status, MMIOERR_CANNOTOPEN);
        }
        curl_off_t len = -1;
        curl_easy_getinfo(r->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
        if (len < 0 || len > INT32_MAX) {
            mmioPluginMessage("%s: %s", r->url,
                              len < 0 ? "the server does not say its size"
                                      : "2 GiB or more: past what a LONG "
                                        "offset reaches");
            return len < 0 ? MMIOERR_CANNOTREAD : MMSYSERR_NOTSUPPORTED;
        }
        r->size = (int64_t)len;
        snprintf(r->etag, sizeof r->etag, "%s", h.etag);
        snprintf(r->last_modified, sizeof r->last_modified, "%s",
                 h.last_modified);
        return 0;
    }
}

/* GET of blocks [first, first + count) into buf: the bytes, or -1. */
static long get_range(struct remote *r, int64_t first, int count,
                      unsigned char *buf)
{
    int64_t from = first * BLOCK;
    int64_t to = from + (int64_t)count * BLOCK - 1;
    if (to >= r->size)
        to = r->size - 1;
    char range[64], cond[300];
    snprintf(range, sizeof range, "%lld-%lld", (long long)from, (long long)to);
    for (int attempt = 0;; attempt++) {
        struct head h = {r, "", "", -1};
        struct sink s = {buf, (long)(to - from + 1), 0};
        setup(r, &h);
        curl_easy_setopt(r->curl, CURLOPT_RANGE, range);
        curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, &s);
        struct curl_slist *hdrs = NULL;
        if (*r->etag) {
            snprintf(cond, sizeof cond, "If-Match: %s", r->etag);
            hdrs = curl_slist_append(hdrs, cond);
        } else if (*r->last_modified) {
            snprintf(cond, sizeof cond, "If-Unmodified-Since: %s",
                     r->last_modified);
            hdrs = curl_slist_append(hdrs, cond);
        }
        curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, hdrs);
        CURLcode rc;
        long status;
        int again = perform(r, attempt, &rc, &status);
        curl_slist_free_all(hdrs);
        if (again)
            continue;
        if (rc == CURLE_OK && status == 412) {
            mmioPluginMessage("%s: the object changed since it was opened "
                              "(If-Match failed); the read fails",
                              r->url);
            return -1;
        }
        if (rc != CURLE_OK || status != 206 ||
            (h.total >= 0 && h.total != r->size) ||
            s.len != (long)(to - from + 1)) {
            mmioPluginMessage("%s: range %s: %s", r->url, range,
                              rc != CURLE_OK ? curl_easy_strerror(rc)
                              : status != 206
                                  ? "the server did not answer with a range"
                                  : "the object changed size");
            return -1;
        }
        return s.len;
    }
}

static struct block *cached(struct remote *r, int64_t blk)
{
    for (int i = 0; i < CACHE_BLOCKS; i++)
        if (r->cache[i].first == blk) {
            r->cache[i].used = ++r->tick;
            return &r->cache[i];
        }
    return NULL;
}

static struct block *victim(struct remote *r)
{
    struct block *v = &r->cache[0];
    for (int i = 1; i < CACHE_BLOCKS; i++)
        if (r->cache[i].used < v->used)
            v = &r->cache[i];
    return v;
}

/* Makes block blk cached, fetching it (and, reading in order, some after
 * it) in one request: the block, or NULL. */
static struct block *fetch(struct remote *r, int64_t blk)
{
    struct block *b = cached(r, blk);
    if (b)
        return b;
    int64_t nblocks = (r->size + BLOCK - 1) / BLOCK;
    /* read-ahead grows while reads go in order, and collapses otherwise */
    r->ahead = blk == r->next_block
                   ? (r->ahead < MAX_AHEAD ? r->ahead * 2 : MAX_AHEAD)
                   : 1;
    if (r->ahead < 1)
        r->ahead = 1;
    int count = r->ahead;
    if (blk + count > nblocks)
        count = (int)(nblocks - blk);
    unsigned char *buf = malloc((size_t)count * BLOCK);
    if (!buf)
        return NULL;
    long got = get_range(r, blk, count, buf);
    if (got < 0) {
        free(buf);
        return NULL;
    }
    struct block *want = NULL;
    for (int k = 0; k < count; k++) {
        struct block *v = victim(r);
        long len = got - (long)k * BLOCK;
        v->first = blk + k;
        v->len = len < BLOCK ? len : BLOCK;
        v->used = ++r->tick;
        memcpy(v->data, buf + (long)k * BLOCK, (size_t)v->len);
        if (k == 0)
            want = v;
    }
    free(buf);
    r->next_block = blk + count;
    return want;
}

static void free_remote(struct remote *r)
{
    if (!r)
        return;
    if (r->curl)
        curl_easy_cleanup(r->curl);
    for (int i = 0; i < CACHE_BLOCKS; i++)
        free(r->cache[i].data);
    free(r->url);
    free(r);
}

static LRESULT remote_open(MMIOINFO *mi, const char *name)
{
    if (!name || strchr(name, '+'))
        return MMIOERR_INVALIDFILE; /* a container is opened by its own */
    DWORD fl = mi->dwFlags;
    if ((fl & MMIO_RWMODE) != MMIO_READ || (fl & (MMIO_CREATE | MMIO_DELETE))) {
        mmioPluginMessage("%s: this version of the remote plugin only reads",
                          name);
        return MMSYSERR_NOTSUPPORTED;
    }
    struct remote *r = calloc(1, sizeof *r);
    if (!r || !(r->url = strdup(name)) || !(r->curl = curl_easy_init())) {
        free_remote(r);
        return MMIOERR_OUTOFMEMORY;
    }
    for (int i = 0; i < CACHE_BLOCKS; i++) {
        r->cache[i].first = -1;
        if (!(fl & MMIO_EXIST) && !(r->cache[i].data = malloc(BLOCK))) {
            free_remote(r);
            return MMIOERR_OUTOFMEMORY;
        }
    }
    r->next_block = -1;
    r->quiet = (fl & MMIO_EXIST) != 0;
    MMRESULT rc = head(r);
    if (rc != 0 || (fl & MMIO_EXIST)) {
        free_remote(r);
        return rc;
    }
    mmioPluginSetFileState(mi, r);
    mi->lDiskOffset = 0;
    return 0;
}

static LRESULT remote_read(MMIOINFO *mi, struct remote *r, char *dst, LONG n)
{
    LONG done = 0;
    while (done < n && mi->lDiskOffset < r->size) {
        int64_t pos = mi->lDiskOffset;
        struct block *b = fetch(r, pos / BLOCK);
        if (!b)
            return done ? done : -1;
        long off = (long)(pos % BLOCK);
        long take = b->len - off;
        if (take <= 0)
            return done ? done : -1;
        if (take > n - done)
            take = n - done;
        memcpy(dst + done, b->data + off, (size_t)take);
        done += (LONG)take;
        mi->lDiskOffset += (LONG)take;
    }
    return done;
}

static LRESULT CALLBACK remote_proc(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    MMIOINFO *mi = (MMIOINFO *)(void *)info;
    struct remote *r = msg == MMIOM_OPEN ? NULL : remote_of(mi);
    switch (msg) {
    case MMIOM_OPEN:
        return remote_open(mi, (const char *)a);
    case MMIOM_CLOSE:
        free_remote(r);
        mmioPluginSetFileState(mi, NULL);
        return 0;
    case MMIOM_READ:
        return b < 0 || !r ? -1 : remote_read(mi, r, (char *)a, (LONG)b);
    case MMIOM_SEEK:
        return r ? plug_seek(mi, r->size, (LONG)a, (int)b) : -1;
    case MMIOM_CAPS:
        return MMIO_CAPS_ANSWER; /* reads only: nothing to commit */
    default:                     /* never 0 for what it does not do */
        return MMSYSERR_NOTSUPPORTED;
    }
}

MMIOAPI MMRESULT mmioPluginInstall(void)
{
    plug_keep_options();
    if (!share) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return MMSYSERR_ERROR;
        for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
            pthread_mutex_init(&share_locks[i], NULL);
        share = curl_share_init();
        if (!share)
            return MMSYSERR_NOMEM;
        curl_share_setopt(share, CURLSHOPT_LOCKFUNC, share_lock);
        curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, share_unlock);
        curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
        curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
        curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    }
    return mmioInstallIOProc(FOURCC_HTTP, remote_proc, MMIO_INSTALLPROC)
               ? MMSYSERR_NOERROR
               : MMSYSERR_ERROR;
}

MMIOAPI void mmioPluginRemove(void)
{
    mmioInstallIOProc(FOURCC_HTTP, remote_proc, MMIO_REMOVEPROC);
}
