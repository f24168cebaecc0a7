/* SPDX-License-Identifier: MIT */
/*
 * gzwriter.h - a gzip file written through a temporary and put in place
 * whole, with the size patches RIFF writers make.
 *
 * The first GZW_HEAD bytes stay in memory until the end, so they can be
 * rewritten at any time (mmioAscend patching a chunk size).  A file no
 * longer than that becomes one gzip member at close.  Bytes past it are
 * deflated as they arrive into a second member, written after room kept for
 * the first; at close the first GZW_HEAD bytes go into that room as a member
 * of stored blocks (its size does not depend on its contents).  gzip, zcat
 * and zlib read the members back to back as one stream.
 *
 * Past GZW_HEAD, bytes are taken in order (a gap reads as zeros); going back
 * there to rewrite what was deflated fails.  A write that failed, for any
 * reason, makes the close discard everything: the old file stays.
 */
#ifndef MMIO_GZ_WRITER_H
#define MMIO_GZ_WRITER_H

#include <mmio_plugin.h>

#include <stdint.h>

#define GZW_HEAD 65536L

typedef struct gzwriter gzwriter;

/* A writer for target (a path), at compression level (0-9, or -1 for
 * zlib's default): 0 or an MMIOERR_ code. */
MMRESULT gzw_open(const char *target, int level, gzwriter **out);
/* n bytes at pos: n, or -1 (and every later call fails). */
long gzw_write(gzwriter *w, int64_t pos, const unsigned char *src, long n);
/* The size written so far (the end of the furthest byte). */
int64_t gzw_size(const gzwriter *w);
/* Puts what was written so far in place as a whole gzip file, and goes on
 * (mmioFlush): 0 or -1. */
int gzw_flush(gzwriter *w);
/* Finishes, puts the file in place and frees w: 0 or an MMIOERR_ code
 * (nothing is put in place after a failed write). */
MMRESULT gzw_close(gzwriter *w);
/* Frees w, discarding what was written (the old file stays). */
void gzw_abandon(gzwriter *w);

#endif
