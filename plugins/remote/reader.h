/* SPDX-License-Identifier: MIT */
/*
 * reader.h - reads of a remote object: a block cache, read-ahead, a
 * stream for reading in order.
 *
 * Blocks are BLOCK bytes; a handle keeps at most `cache=` MiB of them
 * (the option; 2 by default, 1 to 64), least recently used out first.
 * A read of a block not cached costs one ranged GET; while reads go in
 * order each GET asks twice as many blocks as the last (up to 1 MiB),
 * and from the third block in order on, one GET stays open (stream.h)
 * and blocks are drained from it.  A read elsewhere collapses both: the
 * stream is dropped (its connection with it) and the next GET asks one
 * block.  A server that ignores ranges is read as one stream from the
 * start; reading back then reads it again from its start.
 */
#ifndef MMIO_REMOTE_READER_H
#define MMIO_REMOTE_READER_H

#include "object.h"
#include "stream.h"

#define BLOCK (16L * 1024)

struct block {
    int64_t number; /* -1: empty */
    long len;       /* bytes held (the last block may be short) */
    unsigned long used;
    unsigned char *data;
};

struct reader {
    struct block *cache;
    int nblocks;
    unsigned long tick;
    int64_t next_block; /* the block after the last one fetched */
    int ahead;          /* blocks the next GET in order asks */
    int in_order;       /* GETs in order so far */
    int no_ranges;      /* the server sent whole objects for ranges */
    int streaming;
    struct stream sts[2]; /* the stream read, and the next range ... */
    int cur;              /* ... (sts[cur ^ 1]) once it is asked */
    int has_next;
    int64_t run_from; /* where the streams' run in order began */
};

/* 0, or MMIOERR_OUTOFMEMORY. */
MMRESULT reader_init(struct reader *r);
void reader_free(struct reader *r);
/* Up to n bytes of o at `at`: the count (0 at the end), or -1 with a
 * message. */
long reader_read(struct reader *r, struct object *o, int64_t at, char *dst,
                 long n);

#endif /* MMIO_REMOTE_READER_H */
