/* SPDX-License-Identifier: MIT */
/* zseek.c - a deflate stream read at any uncompressed offset (zseek.h). */
#include "zseek.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CHUNK 65536

struct checkpoint {
    z_stream zs;     /* a copy with its window; zlib's state points back at
                        its z_stream, so a checkpoint never moves */
    int64_t in_pos;  /* input offset of the next byte it wants */
    int64_t out_pos; /* uncompressed offset */
    uint32_t crc;    /* of the output before out_pos (ZSEEK_RAW) */
};

struct zseek {
    enum zseek_kind kind;
    zseek_input *input;
    void *ctx;
    uint32_t want_crc; /* ZSEEK_RAW: the CRC the stream must come to */
    z_stream zs;
    int live;        /* zs initialised and usable from out_pos */
    int64_t in_pos;  /* input offset after what was given to zs */
    int64_t out_pos; /* uncompressed offset of the stream */
    uint32_t crc;
    int eof;      /* the stream (the last gzip member) ended */
    int64_t size; /* uncompressed size once known, else -1; ZSEEK_RAW: the
                     directory's, which the stream must come to */
    struct checkpoint *cp[ZSEEK_MAX_CHECKPOINTS];
    unsigned ncp;
    int64_t spacing, next_cp;
    unsigned char in[CHUNK], scratch[CHUNK];
};

zseek *zseek_new(enum zseek_kind kind, zseek_input *input, void *ctx,
                 int64_t size, uint32_t crc)
{
    zseek *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->kind = kind;
    z->input = input;
    z->ctx = ctx;
    z->want_crc = crc;
    z->size = kind == ZSEEK_RAW ? size : -1;
    z->spacing = ZSEEK_SPACING;
    z->next_cp = ZSEEK_SPACING;
    return z;
}

static void end_stream(zseek *z)
{
    if (z->live)
        inflateEnd(&z->zs);
    z->live = 0;
}

void zseek_free(zseek *z)
{
    if (!z)
        return;
    end_stream(z);
    for (unsigned i = 0; i < z->ncp; i++) {
        inflateEnd(&z->cp[i]->zs);
        free(z->cp[i]);
    }
    free(z);
}

unsigned zseek_checkpoints(const zseek *z)
{
    return z->ncp;
}

/* The stream from its beginning. */
static int restart(zseek *z)
{
    end_stream(z);
    memset(&z->zs, 0, sizeof z->zs);
    int bits = z->kind == ZSEEK_GZIP ? 15 + 16 : -15;
    if (inflateInit2(&z->zs, bits) != Z_OK)
        return -1;
    z->live = 1;
    z->in_pos = z->out_pos = 0;
    z->crc = 0;
    z->eof = 0;
    return 0;
}

static int restore(zseek *z, const struct checkpoint *c)
{
    end_stream(z);
    if (inflateCopy(&z->zs, (z_stream *)&c->zs) != Z_OK)
        return -1;
    z->live = 1;
    z->zs.avail_in = 0;
    z->in_pos = c->in_pos;
    z->out_pos = c->out_pos;
    z->crc = c->crc;
    z->eof = 0;
    return 0;
}

/* Keeps every other checkpoint and doubles the spacing: the table never
 * grows past its bound whatever the stream's length. */
static void thin(zseek *z)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < z->ncp; i++) {
        if (i % 2 == 1) {
            z->cp[kept++] = z->cp[i];
        } else {
            inflateEnd(&z->cp[i]->zs);
            free(z->cp[i]);
        }
    }
    z->ncp = kept;
    z->spacing *= 2;
}

static void maybe_checkpoint(zseek *z)
{
    if (z->out_pos < z->next_cp || z->eof)
        return;
    if (z->ncp == ZSEEK_MAX_CHECKPOINTS)
        thin(z);
    z->next_cp = z->out_pos + z->spacing;
    if (z->ncp > 0 && z->cp[z->ncp - 1]->out_pos >= z->out_pos)
        return; /* already have one here (after a seek back) */
    struct checkpoint *c = calloc(1, sizeof *c);
    if (!c || inflateCopy(&c->zs, &z->zs) != Z_OK) {
        free(c);
        return; /* only slower seeks */
    }
    c->in_pos = z->in_pos - (int64_t)z->zs.avail_in;
    c->out_pos = z->out_pos;
    c->crc = z->crc;
    z->cp[z->ncp++] = c;
}

/* After a gzip member's end: another may follow, after zero padding. */
static int next_member(zseek *z)
{
    int64_t at = z->in_pos - (int64_t)z->zs.avail_in;
    unsigned char b[2];
    long r;
    while ((r = z->input(z->ctx, b, 1, at)) == 1 && b[0] == 0)
        at++;
    if (r < 0)
        return -1;
    if (r == 1 && z->input(z->ctx, b, 2, at) == 2 && b[0] == 0x1f &&
        b[1] == 0x8b) {
        if (inflateReset(&z->zs) != Z_OK)
            return -1;
        z->zs.avail_in = 0;
        z->in_pos = at;
        return 0;
    }
    z->eof = 1;
    z->size = z->out_pos;
    return 0;
}

/* Inflates up to n bytes into dst (NULL: discard): the count, -1 on damage.
 * On -1 the stream is dead until the next restart or restore. */
static long inflate_some(zseek *z, unsigned char *dst, long n)
{
    long done = 0;
    /* a raw stream that reached the directory's size is inflated on to its
     * end code, so its CRC is checked by whoever reads its last byte */
    while ((done < n || (z->kind == ZSEEK_RAW && z->out_pos == z->size)) &&
           !z->eof) {
        if (z->zs.avail_in == 0) {
            long r = z->input(z->ctx, z->in, CHUNK, z->in_pos);
            if (r <= 0) /* a read error, or input ended inside the stream */
                goto dead;
            z->zs.next_in = z->in;
            z->zs.avail_in = (uInt)r;
            z->in_pos += r;
        }
        long want = n - done < CHUNK ? n - done : CHUNK;
        unsigned char *out = dst ? dst + done : z->scratch;
        if (want == 0) { /* only the end code may remain */
            want = 1;
            out = z->scratch;
        }
        z->zs.next_out = out;
        z->zs.avail_out = (uInt)want;
        int rc = inflate(&z->zs, Z_NO_FLUSH);
        long made = want - (long)z->zs.avail_out;
        if (z->kind == ZSEEK_RAW)
            z->crc = (uint32_t)crc32(z->crc, out, (uInt)made);
        done += made;
        z->out_pos += made;
        if (z->kind == ZSEEK_RAW && z->out_pos > z->size)
            goto dead; /* more than the directory says */
        if (rc == Z_STREAM_END) {
            if (z->kind == ZSEEK_GZIP) {
                if (next_member(z) != 0)
                    goto dead;
            } else if (z->out_pos != z->size || z->crc != z->want_crc) {
                goto dead; /* short, or a bad CRC */
            } else {
                z->eof = 1;
            }
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            goto dead; /* bad data, or a bad gzip trailer */
        }
        maybe_checkpoint(z);
    }
    return done;
dead:
    end_stream(z);
    return -1;
}

/* Moves the stream to uncompressed offset pos (or its end, if sooner). */
static int seek_to(zseek *z, int64_t pos)
{
    const struct checkpoint *best = NULL;
    for (unsigned i = 0; i < z->ncp && z->cp[i]->out_pos <= pos; i++)
        best = z->cp[i];
    if (!z->live || pos < z->out_pos) {
        if (best ? restore(z, best) != 0 : restart(z) != 0)
            return -1;
    } else if (best && best->out_pos > z->out_pos) {
        if (restore(z, best) != 0) /* a checkpoint saves inflating */
            return -1;
    }
    while (z->out_pos < pos && !z->eof) {
        int64_t left = pos - z->out_pos;
        if (inflate_some(z, NULL, left < CHUNK ? (long)left : CHUNK) < 0)
            return -1;
    }
    return 0;
}

long zseek_read(zseek *z, int64_t pos, unsigned char *dst, long n)
{
    if (pos < 0 || n < 0)
        return -1;
    if (z->size >= 0 && pos >= z->size)
        return 0;
    if (seek_to(z, pos) != 0)
        return -1;
    if (z->out_pos != pos) /* the stream ended before pos */
        return 0;
    return inflate_some(z, dst, n);
}

int64_t zseek_size(zseek *z)
{
    if (z->size < 0 && seek_to(z, INT64_MAX) != 0)
        return -1;
    return z->size;
}
