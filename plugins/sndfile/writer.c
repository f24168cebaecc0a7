/* SPDX-License-Identifier: MIT */
/*
 * writer.c - a WAVE image written, encoded to the name's format.
 *
 * Bytes before the data chunk are kept and read as a WAVE header (wave.c);
 * once its data chunk header is complete the encoder opens, on a temporary
 * beside the target, and the samples that follow are encoded as they come.
 * Writes back into the header (mmioAscend's sizes) are taken, and the data
 * chunk's size, once written, bounds the samples (later chunks are not
 * audio).  Samples must come in order: a gap is silence, but rewriting
 * samples already encoded is refused.  Close finishes the file and renames
 * it over the target, so a process killed on the way leaves the old file.
 */
#define _GNU_SOURCE
#include "sndfile_plugin.h"

#include <errno.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procutil.h"
#include "tmpfile.h"

#define HEADER_CAP 65536
#define BATCH 65536 /* bytes of samples encoded per call */

struct swriter {
    char *path;
    int major;
    double level;
    int fd;
    unsigned char *hdr; /* the image's first bytes, until the data begins */
    size_t hdr_len;
    int64_t data_start; /* -1 until the data chunk header is complete */
    int64_t data_len;   /* from the data chunk header once set, else -1 */
    struct wave_format fmt;
    unsigned frame_bytes;
    SNDFILE *sf;
    int64_t fed;             /* sample bytes taken */
    unsigned char part[512]; /* a frame not yet complete */
    unsigned npart;
    int64_t end;
    int failed;
    int io_failed; /* a write or seek of the encoder's failed (virtual I/O) */
    unsigned char zeros[4096];
    union {
        short s[BATCH / 2];
        int i[BATCH / 4];
        float f[BATCH / 4];
        double d[BATCH / 8];
    } conv;
};

MMRESULT swriter_open(const char *path, int major, double level, swriter **out)
{
    *out = NULL;
    swriter *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path)) || !(w->hdr = calloc(1, HEADER_CAP))) {
        if (w)
            free(w->path);
        free(w);
        return MMIOERR_OUTOFMEMORY;
    }
    w->major = major;
    w->level = level;
    w->data_start = w->data_len = -1;
    w->fd = tmp_beside(path);
    if (w->fd < 0) {
        free(w->hdr);
        free(w->path);
        free(w);
        return MMIOERR_CANNOTWRITE;
    }
    *out = w;
    return 0;
}

int64_t swriter_size(const swriter *w)
{
    return w->end;
}

/* The codec for the source's samples in the target's container. */
static int subtype_for(const swriter *w)
{
    int container = w->major & SF_FORMAT_TYPEMASK;
    int codec = w->major & SF_FORMAT_SUBMASK;
    if (codec)
        return codec; /* a lossy codec the extension chose */
    unsigned bits = w->fmt.bits;
    if (w->fmt.is_float)
        return container == SF_FORMAT_FLAC ? SF_FORMAT_PCM_24
               : bits == 64                ? SF_FORMAT_DOUBLE
                                           : SF_FORMAT_FLOAT;
    if (bits == 8)
        return container == SF_FORMAT_W64 ? SF_FORMAT_PCM_U8 : SF_FORMAT_PCM_S8;
    if (bits == 32 && container == SF_FORMAT_FLAC)
        return SF_FORMAT_PCM_24; /* FLAC holds 24 bits at most */
    return bits == 16   ? SF_FORMAT_PCM_16
           : bits == 24 ? SF_FORMAT_PCM_24
                        : SF_FORMAT_PCM_32;
}

/* ---- libsndfile's output: the temporary through virtual I/O, so a write
 * that fails is seen here (libsndfile and its codecs may not say) -------- */

static sf_count_t v_length(void *ud)
{
    struct stat st;
    return fstat(((swriter *)ud)->fd, &st) == 0 ? (sf_count_t)st.st_size : -1;
}

static sf_count_t v_seek(sf_count_t off, int whence, void *ud)
{
    swriter *w = ud;
    off_t at = lseek(w->fd, (off_t)off, whence);
    if (at < 0)
        w->io_failed = 1;
    return (sf_count_t)at;
}

static sf_count_t v_read(void *dst, sf_count_t n, void *ud)
{
    ssize_t r;
    do
        r = read(((swriter *)ud)->fd, dst, (size_t)n);
    while (r < 0 && errno == EINTR);
    return r < 0 ? 0 : (sf_count_t)r;
}

static sf_count_t v_write(const void *src, sf_count_t n, void *ud)
{
    swriter *w = ud;
    if (w->io_failed || plug_write_all(w->fd, src, (size_t)n, -1) != 0) {
        w->io_failed = 1; /* sticky: the file is not whole */
        return 0;
    }
    return n;
}

static sf_count_t v_tell(void *ud)
{
    return (sf_count_t)lseek(((swriter *)ud)->fd, 0, SEEK_CUR);
}

static int open_encoder(swriter *w)
{
    SF_INFO info = {0};
    info.channels = (int)w->fmt.channels;
    info.samplerate = (int)w->fmt.rate;
    info.format = (w->major & SF_FORMAT_TYPEMASK) | subtype_for(w);
    w->frame_bytes = w->fmt.channels * w->fmt.bits / 8;
    if (w->frame_bytes > sizeof w->part || !sf_format_check(&info))
        return -1;
    static SF_VIRTUAL_IO vio = {v_length, v_seek, v_read, v_write, v_tell};
    w->sf = sf_open_virtual(&vio, SFM_WRITE, &info, w);
    if (!w->sf)
        return -1;
    sf_command(w->sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
    if (w->level >= 0) {
        double level = w->level;
        sf_command(w->sf, SFC_SET_COMPRESSION_LEVEL, &level, sizeof level);
    }
    return 0;
}

static int32_t sample_at(const unsigned char *p, unsigned bits)
{
    switch (bits) {
    case 8:
        return (int32_t)(((uint32_t)p[0] ^ 0x80u) << 24); /* unsigned */
    case 16:
        return (int32_t)((uint32_t)p[0] << 16 | (uint32_t)p[1] << 24);
    case 24:
        return (int32_t)((uint32_t)p[0] << 8 | (uint32_t)p[1] << 16 |
                         (uint32_t)p[2] << 24);
    default:
        return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                         (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
    }
}

/* Encodes whole frames from src (a multiple of frame_bytes): 0 or -1. */
static int encode(swriter *w, const unsigned char *src, size_t n)
{
    unsigned sb = w->fmt.bits / 8;
    while (n > 0) {
        size_t per = BATCH / (w->fmt.bits == 64 ? 8 : 4) / w->fmt.channels;
        size_t frames = n / w->frame_bytes < per ? n / w->frame_bytes : per;
        size_t count = frames * w->fmt.channels;
        sf_count_t put;
        if (w->fmt.is_float && w->fmt.bits == 64) {
            memcpy(w->conv.d, src, count * 8); /* little-endian hosts */
            put = sf_writef_double(w->sf, w->conv.d, (sf_count_t)frames);
        } else if (w->fmt.is_float) {
            memcpy(w->conv.f, src, count * 4);
            put = sf_writef_float(w->sf, w->conv.f, (sf_count_t)frames);
        } else {
            for (size_t i = 0; i < count; i++)
                w->conv.i[i] = sample_at(src + i * sb, w->fmt.bits);
            put = sf_writef_int(w->sf, w->conv.i, (sf_count_t)frames);
        }
        if (put != (sf_count_t)frames)
            return -1;
        src += frames * w->frame_bytes;
        n -= frames * w->frame_bytes;
    }
    return 0;
}

/* Takes sample bytes in order, whole frames to the encoder. */
static int feed(swriter *w, const unsigned char *src, size_t n)
{
    w->fed += (int64_t)n;
    if (w->npart > 0) {
        size_t take = w->frame_bytes - w->npart;
        take = take < n ? take : n;
        memcpy(w->part + w->npart, src, take);
        w->npart += (unsigned)take;
        src += take;
        n -= take;
        if (w->npart < w->frame_bytes)
            return 0;
        w->npart = 0;
        if (encode(w, w->part, w->frame_bytes) != 0)
            return -1;
    }
    size_t whole = n - n % w->frame_bytes;
    if (encode(w, src, whole) != 0)
        return -1;
    memcpy(w->part, src + whole, n - whole);
    w->npart = (unsigned)(n - whole);
    return 0;
}

/* Samples at data offset off: in order, a gap as silence, never again. */
static int take_samples(swriter *w, int64_t off, const unsigned char *src,
                        size_t n)
{
    if (w->data_len >= 0) { /* what lies past the data chunk is no audio */
        if (off >= w->data_len)
            return 0;
        if (off + (int64_t)n > w->data_len)
            n = (size_t)(w->data_len - off);
    }
    if (off < w->fed)
        return -1; /* encoded already: cannot be taken back */
    while (off > w->fed) {
        int64_t gap = off - w->fed;
        size_t z =
            gap < (int64_t)sizeof w->zeros ? (size_t)gap : sizeof w->zeros;
        if (feed(w, w->zeros, z) != 0)
            return -1;
    }
    return feed(w, src, n);
}

static void note_data_len(swriter *w)
{
    const unsigned char *p = w->hdr + w->data_start - 4;
    uint32_t n = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                 (uint32_t)p[3] << 24;
    if (n != 0) /* 0: not written yet */
        w->data_len = n;
}

/* Bytes before the samples: kept (a header being written, or its sizes
 * patched); once the data chunk header is complete the encoder starts with
 * the samples that followed it.  How many of n were header: 0..n, or -1. */
static long take_header(swriter *w, int64_t pos, const unsigned char *src,
                        long n)
{
    int64_t head_end = w->data_start >= 0 ? w->data_start : HEADER_CAP;
    if (pos >= head_end)
        return 0;
    long k = head_end - pos < n ? (long)(head_end - pos) : n;
    memcpy(w->hdr + pos, src, (size_t)k);
    if ((size_t)(pos + k) > w->hdr_len)
        w->hdr_len = (size_t)(pos + k);
    if (w->data_start >= 0) {
        note_data_len(w);
        return k;
    }
    size_t ds;
    int found = wave_parse(w->hdr, w->hdr_len, &w->fmt, &ds);
    if (found < 0 || (found == 0 && k < n))
        return -1; /* no WAVE, or no data chunk within HEADER_CAP */
    if (found == 0)
        return k;
    if (open_encoder(w) != 0)
        return -1;
    w->data_start = (int64_t)ds;
    note_data_len(w);
    if (w->hdr_len > ds && take_samples(w, 0, w->hdr + ds, w->hdr_len - ds))
        return -1;
    return k;
}

long swriter_write(swriter *w, int64_t pos, const unsigned char *src, long n)
{
    if (w->failed || n < 0 || pos < 0)
        return -1;
    long k = take_header(w, pos, src, n);
    if (k < 0 || (k < n && take_samples(w, pos + k - w->data_start, src + k,
                                        (size_t)(n - k)) != 0)) {
        w->failed = 1;
        return -1;
    }
    if (pos + n > w->end)
        w->end = pos + n;
    return n;
}

int swriter_flush(swriter *w)
{
    if (w->sf)
        sf_write_sync(w->sf);
    return w->failed || w->io_failed || fdatasync(w->fd) != 0 ? -1 : 0;
}

MMRESULT swriter_close(swriter *w)
{
    MMRESULT rc = 0;
    if (!w->sf || w->failed)
        rc = MMIOERR_CANNOTWRITE; /* no samples came, or they could not be
                                     encoded: the target stays as it was */
    if (w->sf && sf_close(w->sf) != 0)
        rc = MMIOERR_CANNOTWRITE;
    if (w->io_failed) /* the encoder's output was cut: never committed */
        rc = MMIOERR_CANNOTWRITE;
    if (rc == 0 && tmp_commit(w->fd, w->path) != 0)
        rc = MMIOERR_CANNOTWRITE;
    close(w->fd);
    free(w->hdr);
    free(w->path);
    free(w);
    return rc;
}
