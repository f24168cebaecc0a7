/* SPDX-License-Identifier: MIT */
/* reader.c - reads of a remote object (reader.h). */
#define _GNU_SOURCE
#include "reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procutil.h"

#define MAX_AHEAD 64                 /* blocks one GET asks at most: 1 MiB */
#define MAX_SKIP (MAX_AHEAD * BLOCK) /* read past in a stream, not dropped */
#define STREAM_AFTER 2               /* GETs in order before a stream */
#define ST(r) (&(r)->sts[(r)->cur])  /* the stream being read */
#define NEXT(r) (&(r)->sts[(r)->cur ^ 1])
#define WINDOW_MIN (512L * 1024) /* a stream's range at least ... */
#define WINDOW_MAX (64L << 20)   /* ... at most */
#define RATE_PER_US 1024 /* bytes a microsecond of round trip should carry */

/* How much a stream asks: what the link carries in four round trips at a
 * high rate (so the pause between two ranges costs a fifth at most), or
 * more after a long run in order, within bounds: on a short link the
 * least, that little is fetched that the reader may not want. */
static int64_t window(const struct object *o, int64_t run)
{
    int64_t w = (int64_t)o->rtt_us * RATE_PER_US * 4;
    /* a long read in order earns longer ranges, at most 1/32 of what it
     * read: what a range past the reader's end can cost stays that small
     * a part of what was wanted */
    if (run / 32 > w)
        w = run / 32;
    w = w < WINDOW_MIN ? WINDOW_MIN : w > WINDOW_MAX ? WINDOW_MAX : w;
    return w / BLOCK * BLOCK;
}

static void drop_stream(struct reader *r);

MMRESULT reader_init(struct reader *r)
{
    memset(r, 0, sizeof *r);
    const char *v = plug_option("cache");
    long mib = v ? strtol(v, NULL, 10) : 2;
    if (mib < 1)
        mib = 1;
    if (mib > 64)
        mib = 64;
    r->nblocks = (int)(mib * (1L << 20) / BLOCK);
    if (!(r->cache = calloc((size_t)r->nblocks, sizeof *r->cache)))
        return MMIOERR_OUTOFMEMORY;
    for (int i = 0; i < r->nblocks; i++)
        r->cache[i].number = -1;
    r->next_block = -1;
    r->ahead = 1;
    return 0;
}

void reader_free(struct reader *r)
{
    drop_stream(r);
    for (int i = 0; r->cache && i < r->nblocks; i++)
        free(r->cache[i].data);
    free(r->cache);
    memset(r, 0, sizeof *r);
}

static struct block *cached(struct reader *r, int64_t number)
{
    for (int i = 0; i < r->nblocks; i++)
        if (r->cache[i].number == number) {
            r->cache[i].used = ++r->tick;
            return &r->cache[i];
        }
    return NULL;
}

/* The least recently used block, emptied, its memory made: or NULL. */
static struct block *victim(struct reader *r)
{
    struct block *v = &r->cache[0];
    for (int i = 1; i < r->nblocks && v->data; i++)
        if (!r->cache[i].data || r->cache[i].used < v->used)
            v = &r->cache[i];
    if (!v->data && !(v->data = malloc(BLOCK)))
        return NULL;
    v->number = -1;
    v->used = ++r->tick;
    return v;
}

static void drop_stream(struct reader *r)
{
    stream_close(ST(r)); /* both slots: a stopped one keeps its handles */
    stream_close(NEXT(r));
    r->streaming = r->has_next = 0;
}

/* Block number from the stream (with start, opened at it when there is
 * none or it is elsewhere; a server without ranges is read again from its
 * start).  The block; NULL with *fatal 0 when the stream failed or is
 * elsewhere (it is dropped: a GET can do), or NULL with *fatal 1 when the
 * read must fail. */
static struct block *from_stream(struct reader *r, struct object *o,
                                 int64_t number, int start, int *fatal)
{
    int64_t want = number * BLOCK;
    *fatal = 0;
    if (r->streaming && (want < ST(r)->pos || want >= ST(r)->end ||
                         (want - ST(r)->pos > MAX_SKIP && !r->no_ranges))) {
        drop_stream(r);
        if (!start)
            return NULL; /* read elsewhere: a GET does it */
    }
    if (!r->streaming) {
        if (stream_open(ST(r), o, r->no_ranges ? 0 : want,
                        r->no_ranges ? -1 : window(o, 0)) != 0) {
            *fatal = r->no_ranges;
            return NULL;
        }
        r->streaming = 1;
        r->run_from = ST(r)->pos;
    }
    unsigned char scratch[4096];
    while (ST(r)->pos < want) {
        long step = want - ST(r)->pos < (int64_t)sizeof scratch
                        ? (long)(want - ST(r)->pos)
                        : (long)sizeof scratch;
        if (stream_read(ST(r), scratch, step) != step)
            goto failed;
    }
    struct block *v = victim(r);
    if (!v) {
        *fatal = 1;
        return NULL;
    }
    long n = o->size - want < BLOCK ? (long)(o->size - want) : BLOCK;
    if (stream_read(ST(r), v->data, n) != n)
        goto failed;
    v->number = number;
    v->len = n;
    r->next_block = number + 1;
    return v;
failed:
    if (ST(r)->status == 412) {
        obj_changed(o);
        *fatal = 1;
    } else if (ST(r)->status && ST(r)->status != 200 && ST(r)->status != 206) {
        mmioPluginMessage("%s: the server answered %ld", o->name,
                          ST(r)->status);
        *fatal = r->no_ranges;
    }
    drop_stream(r);
    return NULL;
}

/* Makes block number cached, with one request at most (a stream's
 * bytes need none): the block, or NULL with a message. */
static struct block *fetch(struct reader *r, struct object *o, int64_t number)
{
    struct block *b = cached(r, number);
    if (b)
        return b;
    int fatal = 0;
    if (r->streaming &&
        (b = from_stream(r, o, number,
                         r->no_ranges || number * BLOCK == ST(r)->end, &fatal)))
        return b;
    if (fatal)
        return NULL;
    if (number == r->next_block) {
        r->in_order++;
        r->ahead = r->ahead < MAX_AHEAD ? r->ahead * 2 : MAX_AHEAD;
    } else {
        r->in_order = 0;
        r->ahead = 1;
    }
    /* a first read at the start is taken as reading in order (cat, cp, a
     * RIFF walk): a stream from there; reads elsewhere drop it */
    if (r->no_ranges || r->in_order >= STREAM_AFTER ||
        (number == 0 && r->next_block < 0)) {
        for (int tries = 0; tries < RQ_TRIES; tries++) {
            if ((b = from_stream(r, o, number, 1, &fatal)) || fatal)
                return b;
            if (!r->no_ranges)
                break; /* a GET does it */
            rq_backoff(tries + 1);
        }
        if (r->no_ranges) {
            mmioPluginMessage("%s: the read from the start failed", o->name);
            return NULL;
        }
    }
    int64_t nb = (o->size + BLOCK - 1) / BLOCK;
    int count = r->ahead;
    if (number + count > nb)
        count = (int)(nb - number);
    int64_t from = number * BLOCK;
    long want = (long)(o->size - from < (int64_t)count * BLOCK
                           ? o->size - from
                           : (int64_t)count * BLOCK);
    unsigned char *buf = malloc((size_t)want);
    if (!buf)
        return NULL;
    int whole = 0;
    long got = obj_get(o, from, want, buf, &whole);
    if (got >= 0 && whole) {
        r->no_ranges = 1; /* said once: reading back will cost */
        mmioPluginMessage("%s: the server ignores ranges; read in order "
                          "(reading back reads it again from the start)",
                          o->name);
        if (from != 0) {
            free(buf);
            return from_stream(r, o, number, 1, &fatal);
        }
    }
    if (got != want) {
        free(buf);
        return NULL;
    }
    struct block *first = NULL;
    for (int k = 0; k < count; k++) {
        struct block *v = victim(r);
        if (!v)
            break;
        long len = got - (long)k * BLOCK;
        v->number = number + k;
        v->len = len < BLOCK ? len : BLOCK;
        memcpy(v->data, buf + (long)k * BLOCK, (size_t)v->len);
        if (k == 0)
            first = v;
    }
    free(buf);
    r->next_block = number + count;
    return first;
}

/* Reads at the stream's position come from it straight, bypassing the
 * cache (one copy, as curl writing a file): the bytes read (short when
 * the stream failed: it is then dropped), or -1 when the read must fail. */
static long from_stream_direct(struct reader *r, struct object *o, int64_t pos,
                               char *dst, long n)
{
    if (pos >= ST(r)->end) { /* its range is read: the next one */
        stream_stop(ST(r));
        if (r->has_next && NEXT(r)->pos == pos) {
            r->cur ^= 1; /* asked already, half a range ago */
            r->has_next = 0;
        } else {
            drop_stream(r);
            if (stream_open(ST(r), o, pos, window(o, 0)) != 0)
                return 0;
            r->streaming = 1;
            r->run_from = pos;
        }
    }
    long want = ST(r)->end - pos < n ? (long)(ST(r)->end - pos) : n;
    long got = stream_read(ST(r), (unsigned char *)dst, want);
    if (got == want) {
        r->next_block = (pos + got) / BLOCK;
        /* half of the range left: the next is asked now, so its first
         * byte is on the way while this one is read to its end */
        int64_t w = window(o, ST(r)->end - r->run_from);
        if (!r->has_next && ST(r)->end < o->size &&
            ST(r)->end - ST(r)->pos <= w / 2 &&
            stream_open(NEXT(r), o, ST(r)->end, w) == 0) {
            r->has_next = 1;
            stream_poke(NEXT(r));
        }
        if (r->has_next)
            stream_poke(NEXT(r));
        return got;
    }
    if (ST(r)->status == 412) {
        obj_changed(o);
        return -1;
    }
    drop_stream(r);
    return got > 0 ? got : 0;
}

long reader_read(struct reader *r, struct object *o, int64_t at, char *dst,
                 long n)
{
    long done = 0;
    while (done < n && at + done < o->size) {
        int64_t pos = at + done;
        if (r->streaming && pos == ST(r)->pos && !r->no_ranges) {
            long got = from_stream_direct(r, o, pos, dst + done, n - done);
            if (got < 0)
                return -1;
            done += got;
            if (got > 0)
                continue;
        }
        struct block *b = fetch(r, o, pos / BLOCK);
        if (!b)
            return done ? done : -1;
        long off = (long)(pos % BLOCK);
        long take = b->len - off;
        if (take <= 0)
            return done ? done : -1;
        if (take > n - done)
            take = n - done;
        memcpy(dst + done, b->data + off, (size_t)take);
        done += take;
    }
    return done;
}
