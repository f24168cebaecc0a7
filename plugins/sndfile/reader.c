/* SPDX-License-Identifier: MIT */
/*
 * reader.c - any sound file libsndfile reads, as a RIFF WAVE image.
 *
 * The image is a WAVE header (wave.c) and the samples, decoded on demand
 * a block of frames at a time: a read at any offset seeks libsndfile to
 * the frame there, so nothing is decoded up front.  Samples keep the
 * source's kind: 16-, 24- or 32-bit PCM as the file has them (8-bit and
 * companded sources as 16-bit), IEEE float for float and lossy sources.
 * The sound file is opened through mmio (inner.h) and handed to
 * libsndfile as virtual I/O, so it may be a member of an archive, a gzip
 * stream or a remote object.
 */
#define _GNU_SOURCE
#include "sndfile_plugin.h"

#include "inner.h"
#include "procutil.h"

#include <errno.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BLOCK_FRAMES 4096

enum kind { S16, S24, S32, F32 };

struct sreader {
    plug_inner in;   /* the sound file, opened through mmio */
    sf_count_t vpos; /* where libsndfile's virtual file is */
    SNDFILE *sf;
    SF_INFO info;
    enum kind kind;
    unsigned frame_bytes;
    unsigned char hdr[WAVE_HEADER_MAX];
    int64_t hdr_len, data_len, size;      /* size: with the pad byte */
    sf_count_t at;                        /* the frame libsndfile is at */
    sf_count_t block_first, block_frames; /* what block holds */
    unsigned char *block;
    void *samples;
};

static enum kind kind_of(int format)
{
    switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_24:
    case SF_FORMAT_DWVW_24:
        return S24;
    case SF_FORMAT_PCM_32:
        return S32;
    case SF_FORMAT_FLOAT:
    case SF_FORMAT_DOUBLE:
    case SF_FORMAT_VORBIS:
    case SF_FORMAT_OPUS:
    case SF_FORMAT_MPEG_LAYER_I:
    case SF_FORMAT_MPEG_LAYER_II:
    case SF_FORMAT_MPEG_LAYER_III:
    case SF_FORMAT_ALAC_32:
        return F32;
    case SF_FORMAT_ALAC_24:
        return S24;
    default: /* 16 bits and less, companded, ADPCM */
        return S16;
    }
}

/* A stream that does not say how long it is (a FLAC written to a pipe
 * has 0 in STREAMINFO): the WAVE header needs the length, so this one file
 * is decoded once to count its frames. */
static MMRESULT count_frames(sreader *r)
{
    enum { CHUNK_FRAMES = 4096 };
    float *scratch =
        malloc(sizeof(float) * CHUNK_FRAMES * (size_t)r->info.channels);
    if (!scratch)
        return MMIOERR_OUTOFMEMORY;
    sf_count_t total = 0, got;
    while ((got = sf_readf_float(r->sf, scratch, CHUNK_FRAMES)) > 0)
        total += got;
    free(scratch);
    if (sf_error(r->sf) != SF_ERR_NO_ERROR || sf_seek(r->sf, 0, SEEK_SET) != 0)
        return MMIOERR_INVALIDFILE;
    r->info.frames = total;
    return 0;
}

/* ---- libsndfile's virtual I/O over the inner file ---------------------- */

static sf_count_t v_length(void *ud)
{
    return (sf_count_t)plug_inner_size(&((sreader *)ud)->in);
}

static sf_count_t v_seek(sf_count_t off, int whence, void *ud)
{
    sreader *r = ud;
    sf_count_t to = whence == SEEK_SET   ? off
                    : whence == SEEK_CUR ? r->vpos + off
                    : whence == SEEK_END ? v_length(ud) + off
                                         : -1;
    if (to < 0)
        return -1;
    r->vpos = to;
    return to;
}

static sf_count_t v_read(void *dst, sf_count_t n, void *ud)
{
    sreader *r = ud;
    sf_count_t done = 0;
    while (done < n) {
        long want = n - done > (1 << 30) ? 1 << 30 : (long)(n - done);
        long got =
            plug_inner_read(&r->in, (char *)dst + done, want, (int64_t)r->vpos);
        if (got <= 0)
            break;
        done += got;
        r->vpos += got;
    }
    return done;
}

static sf_count_t v_write(const void *src, sf_count_t n, void *ud)
{
    (void)src, (void)n, (void)ud;
    return 0; /* opened for reading */
}

static sf_count_t v_tell(void *ud)
{
    return ((sreader *)ud)->vpos;
}

MMRESULT sreader_open(const MMIOINFO *mi, const char *file, sreader **out)
{
    *out = NULL;
    sreader *r = calloc(1, sizeof *r);
    if (!r)
        return MMIOERR_OUTOFMEMORY;
    MMRESULT rc = plug_inner_open(&r->in, mi, file, 0);
    if (rc != 0) {
        free(r);
        return rc;
    }
    static SF_VIRTUAL_IO vio = {v_length, v_seek, v_read, v_write, v_tell};
    r->sf = sf_open_virtual(&vio, SFM_READ, &r->info, r);
    if (!r->sf || r->info.channels <= 0 || r->info.channels > 64 ||
        r->info.samplerate <= 0 || r->info.frames < 0)
        rc = MMIOERR_INVALIDFILE;
    if (rc == 0 && (r->info.frames == 0 || r->info.frames == SF_COUNT_MAX))
        rc = count_frames(r);
    if (rc == 0) {
        r->kind = kind_of(r->info.format);
        static const unsigned bits[] = {16, 24, 32, 32};
        struct wave_format f = {(unsigned)r->info.channels,
                                (unsigned)r->info.samplerate, bits[r->kind],
                                r->kind == F32};
        r->frame_bytes = f.channels * f.bits / 8;
        int64_t data = (int64_t)r->info.frames * r->frame_bytes;
        /* cut short, or no real sample rate: an error, never data */
        rc = ssanity_check(&r->in, r->sf, &r->info, r->frame_bytes);
        if (rc == 0 && data > INT32_MAX - WAVE_HEADER_MAX - 1)
            rc = MMSYSERR_NOTSUPPORTED; /* past what a LONG offset reaches */
        else if (rc == 0)
            r->hdr_len = (int64_t)wave_header(&f, (uint32_t)data, r->hdr);
        r->data_len = data;
        r->size = r->hdr_len + data + (data & 1);
    }
    if (rc == 0) {
        r->block = malloc((size_t)BLOCK_FRAMES * r->frame_bytes);
        r->samples =
            malloc((size_t)BLOCK_FRAMES * (size_t)r->info.channels * 4);
        if (!r->block || !r->samples)
            rc = MMIOERR_OUTOFMEMORY;
    }
    if (rc != 0) {
        sreader_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

void sreader_close(sreader *r)
{
    if (!r)
        return;
    if (r->sf)
        sf_close(r->sf);
    plug_inner_close(&r->in);
    free(r->block);
    free(r->samples);
    free(r);
}

int64_t sreader_size(const sreader *r)
{
    return r->size;
}

/* Decodes the block of frames that starts at first: 0 or -1. */
static int decode(sreader *r, sf_count_t first)
{
    if (first != r->at) {
        if (sf_seek(r->sf, first, SEEK_SET) != first)
            return -1;
        r->at = first;
    }
    sf_count_t want = r->info.frames - first;
    if (want > BLOCK_FRAMES)
        want = BLOCK_FRAMES;
    sf_count_t got;
    switch (r->kind) {
    case S16:
        got = sf_readf_short(r->sf, r->samples, want);
        break;
    case F32:
        got = sf_readf_float(r->sf, r->samples, want);
        break;
    default:
        got = sf_readf_int(r->sf, r->samples, want);
        break;
    }
    r->block_frames = 0;
    if (got != want) /* the file is shorter than it said, or damaged */
        return -1;
    r->at += got;
    size_t n = (size_t)got * (size_t)r->info.channels;
    unsigned char *o = r->block;
    for (size_t i = 0; i < n; i++) { /* little-endian, whatever the host */
        uint32_t v;
        int w;
        if (r->kind == S16) {
            v = (uint16_t)((short *)r->samples)[i];
            w = 2;
        } else if (r->kind == F32) {
            memcpy(&v, (float *)r->samples + i, 4);
            w = 4;
        } else {
            v = (uint32_t)((int *)r->samples)[i];
            if (r->kind == S24)
                v >>= 8; /* libsndfile's ints are left-justified */
            w = r->kind == S24 ? 3 : 4;
        }
        for (int b = 0; b < w; b++)
            *o++ = (unsigned char)(v >> (8 * b));
    }
    r->block_first = first;
    r->block_frames = got;
    return 0;
}

long sreader_read(sreader *r, int64_t pos, unsigned char *dst, long n)
{
    long done = 0;
    while (done < n && pos < r->size) {
        long take;
        if (pos < r->hdr_len) {
            take = (long)(r->hdr_len - pos);
            take = take < n - done ? take : n - done;
            memcpy(dst + done, r->hdr + pos, (size_t)take);
        } else if (pos < r->hdr_len + r->data_len) {
            int64_t off = pos - r->hdr_len;
            sf_count_t frame = (sf_count_t)(off / r->frame_bytes);
            if (frame < r->block_first ||
                frame >= r->block_first + r->block_frames) {
                sf_count_t first = frame - frame % BLOCK_FRAMES;
                if (decode(r, first) != 0)
                    return -1;
            }
            int64_t in_block = off - (int64_t)r->block_first * r->frame_bytes;
            int64_t have = (int64_t)r->block_frames * r->frame_bytes - in_block;
            take = have < n - done ? (long)have : n - done;
            memcpy(dst + done, r->block + in_block, (size_t)take);
        } else { /* the pad byte after odd-sized data */
            dst[done] = 0;
            take = 1;
        }
        done += take;
        pos += take;
    }
    return done;
}
