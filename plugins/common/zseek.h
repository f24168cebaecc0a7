/* SPDX-License-Identifier: MIT */
/*
 * zseek.h - a deflate stream read at any uncompressed offset.
 *
 * Shared by the gz and zip plugins.  Input comes from a callback that reads
 * compressed bytes at an offset; output is inflated on demand.  Memory stays
 * a few buffers plus at most ZSEEK_MAX_CHECKPOINTS saved inflate states
 * (about 45 KiB each): one every ZSEEK_SPACING bytes of output, the spacing
 * doubling whenever the table fills.  Reading forward inflates; reading
 * backward resumes from the nearest checkpoint at or before the offset.
 */
#ifndef MMIO_PLUGIN_ZSEEK_H
#define MMIO_PLUGIN_ZSEEK_H

#include <stdint.h>

#define ZSEEK_SPACING (1L << 20)
#define ZSEEK_MAX_CHECKPOINTS 64

/* Reads up to n compressed bytes at offset at into buf: the count, 0 at the
 * end of the input, -1 on an error. */
typedef long zseek_input(void *ctx, unsigned char *buf, long n, int64_t at);

enum zseek_kind {
    ZSEEK_GZIP, /* gzip members back to back (zlib checks each trailer) */
    ZSEEK_RAW   /* one raw deflate stream, as in a ZIP member */
};

typedef struct zseek zseek;

/* A stream of the given kind.  For ZSEEK_RAW, size and crc are what the
 * stream must come to (the ZIP directory's); a stream that ends otherwise
 * is an error.  NULL when out of memory. */
zseek *zseek_new(enum zseek_kind kind, zseek_input *input, void *ctx,
                 int64_t size, uint32_t crc);
void zseek_free(zseek *z);

/* Up to n bytes at uncompressed offset pos into dst: the count (0 at or
 * past the end), -1 on damaged or truncated input or a read error. */
long zseek_read(zseek *z, int64_t pos, unsigned char *dst, long n);

/* The uncompressed size, inflating to the end if not yet known; -1 on
 * damaged input. */
int64_t zseek_size(zseek *z);

/* How many checkpoints are held (for tests and benchmarks). */
unsigned zseek_checkpoints(const zseek *z);

#endif /* MMIO_PLUGIN_ZSEEK_H */
