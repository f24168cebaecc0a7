/* SPDX-License-Identifier: MIT */
/*
 * reader.c - a ZIP member read in place, streaming.
 *
 * Deflated members are inflated from their raw bytes by zseek (bounded
 * memory, checkpoints for seeking back); stored members are read at any
 * offset directly.  Either way the CRC is checked when the member is read
 * through to its end.  Other methods (bzip2, xz, ...) go through libzip,
 * sequentially, restarting for a seek back.
 */
#define _GNU_SOURCE
#include "zip_plugin.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "procutil.h"
#include "zseek.h"

enum method { STORED, DEFLATED, OTHER };

struct zreader {
    zip_t *z;
    zip_uint64_t idx;
    zip_file_t *f; /* raw bytes (STORED, DEFLATED) or libzip's output */
    int64_t f_pos; /* where f is */
    enum method method;
    zseek *zs; /* DEFLATED */
    int64_t size;
    uint32_t crc; /* the directory's */
    uint32_t run; /* STORED: CRC of [0, run_pos) */
    int64_t run_pos;
    unsigned char skip[16384];
};

/* zseek's input, and the stored reader's: raw bytes at an offset. */
static long raw_at(void *ctx, unsigned char *buf, long n, int64_t at)
{
    zreader *r = ctx;
    if (at != r->f_pos) {
        if (zip_fseek(r->f, at, SEEK_SET) != 0)
            return -1;
        r->f_pos = at;
    }
    zip_int64_t got = zip_fread(r->f, buf, (zip_uint64_t)n);
    if (got < 0)
        return -1;
    r->f_pos += got;
    return (long)got;
}

static MMRESULT open_file(zreader *r)
{
    if (r->f)
        zip_fclose(r->f);
    r->f = zip_fopen_index(r->z, r->idx,
                           r->method == OTHER ? 0 : ZIP_FL_COMPRESSED);
    r->f_pos = 0;
    return r->f ? 0 : MMIOERR_CANNOTREAD;
}

MMRESULT zreader_open(const MMIOINFO *mi, const char *archive, const char *name,
                      zreader **out)
{
    *out = NULL;
    MMRESULT rc;
    zip_t *z = zarchive_open_read(mi, archive, &rc);
    if (!z)
        return rc;
    zip_stat_t st;
    zip_int64_t idx = zip_name_locate(z, name, 0);
    if (idx < 0 || zip_stat_index(z, (zip_uint64_t)idx, 0, &st) != 0)
        rc = MMIOERR_FILENOTFOUND;
    else if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_CRC))
        rc = MMIOERR_INVALIDFILE;
    else if (st.size > INT32_MAX)
        rc = MMSYSERR_NOTSUPPORTED; /* beyond what a LONG offset reaches */
    else if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
             st.encryption_method != ZIP_EM_NONE)
        rc = MMIOERR_CANNOTREAD;
    zreader *r = rc == 0 ? calloc(1, sizeof *r) : NULL;
    if (rc == 0 && !r)
        rc = MMIOERR_OUTOFMEMORY;
    if (rc != 0) {
        zip_discard(z);
        return rc;
    }
    r->z = z;
    r->idx = (zip_uint64_t)idx;
    r->size = (int64_t)st.size;
    r->crc = st.crc;
    r->method = st.comp_method == ZIP_CM_STORE     ? STORED
                : st.comp_method == ZIP_CM_DEFLATE ? DEFLATED
                                                   : OTHER;
    if (r->method == STORED && st.comp_size != st.size)
        rc = MMIOERR_INVALIDFILE;
    if (rc == 0)
        rc = open_file(r);
    if (rc == 0 && r->method != OTHER && st.comp_size > 0) {
        /* the member's bytes must all be in the archive */
        unsigned char last;
        if (raw_at(r, &last, 1, (int64_t)st.comp_size - 1) != 1)
            rc = MMIOERR_INVALIDFILE;
    }
    if (rc == 0 && r->method == DEFLATED &&
        !(r->zs = zseek_new(ZSEEK_RAW, raw_at, r, r->size, r->crc)))
        rc = MMIOERR_OUTOFMEMORY;
    if (rc != 0) {
        zreader_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

void zreader_close(zreader *r)
{
    if (!r)
        return;
    zseek_free(r->zs);
    if (r->f)
        zip_fclose(r->f);
    zip_discard(r->z);
    free(r);
}

int64_t zreader_size(const zreader *r)
{
    return r->size;
}

static long read_stored(zreader *r, int64_t pos, unsigned char *dst, long n)
{
    long got = raw_at(r, dst, n, pos);
    if (got < 0 || (got == 0 && n > 0))
        return -1;           /* the archive ends inside the member */
    if (pos == r->run_pos) { /* read in order so far: keep the CRC */
        r->run = (uint32_t)crc32(r->run, dst, (uInt)got);
        r->run_pos += got;
        if (r->run_pos == r->size && r->run != r->crc)
            return -1;
    }
    return got;
}

/* Other methods: libzip inflates, in order only. */
static long read_other(zreader *r, int64_t pos, unsigned char *dst, long n)
{
    if (pos < r->f_pos && open_file(r) != 0)
        return -1;
    while (r->f_pos < pos) {
        int64_t left = pos - r->f_pos;
        zip_int64_t got =
            zip_fread(r->f, r->skip,
                      left < (int64_t)sizeof r->skip ? (zip_uint64_t)left
                                                     : sizeof r->skip);
        if (got <= 0)
            return -1;
        r->f_pos += got;
    }
    zip_int64_t got = zip_fread(r->f, dst, (zip_uint64_t)n);
    if (got < 0)
        return -1; /* libzip's CRC check included */
    r->f_pos += got;
    return (long)got;
}

long zreader_read(zreader *r, int64_t pos, void *dst, long n)
{
    if (pos < 0 || n < 0)
        return -1;
    if (pos >= r->size || n == 0)
        return 0;
    if (n > r->size - pos)
        n = (long)(r->size - pos);
    switch (r->method) {
    case STORED:
        return read_stored(r, pos, dst, n);
    case DEFLATED:
        return zseek_read(r->zs, pos, dst, n);
    default:
        return read_other(r, pos, dst, n);
    }
}

int zreader_copy_to(zreader *r, int fd)
{
    unsigned char buf[65536];
    int64_t pos = 0;
    while (pos < r->size) {
        long got = zreader_read(r, pos, buf, sizeof buf);
        if (got <= 0)
            return -1;
        if (plug_write_all(fd, buf, (size_t)got, pos) != 0)
            return -1;
        pos += got;
    }
    return 0;
}
