/* SPDX-License-Identifier: MIT */
/* sndfile_plugin.h - what the sndfile plugin's files share (not installed). */
#ifndef MMIO_SNDFILE_PLUGIN_H
#define MMIO_SNDFILE_PLUGIN_H

#include <mmio_plugin.h>
#include <sndfile.h>

#include <stddef.h>
#include <stdint.h>

/* wave.c: the RIFF WAVE header that fronts the samples. */
struct wave_format {
    unsigned channels;
    unsigned rate;
    unsigned bits; /* per sample in the data: 8, 16, 24, 32 or 64 */
    int is_float;  /* IEEE float samples (32 or 64 bits) */
};

#define WAVE_HEADER_MAX 80

/* The header (RIFF, WAVE, fmt , data header) for data_len bytes of
 * samples: WAVE_FORMAT_PCM or _IEEE_FLOAT up to 2 channels,
 * WAVE_FORMAT_EXTENSIBLE beyond.  Its length. */
size_t wave_header(const struct wave_format *f, uint32_t data_len,
                   unsigned char out[WAVE_HEADER_MAX]);

/* Reads a header being written: 1 once the data chunk's header is complete
 * in buf (*data_start: the offset of its first sample, *fmt filled), 0 if
 * more bytes are needed, -1 if this is no WAVE header this plugin takes. */
int wave_parse(const unsigned char *buf, size_t len, struct wave_format *f,
               size_t *data_start);

/* reader.c: a sound file read as a WAVE image. */
typedef struct sreader sreader;
/* Opens file (the container of the name mi serves) through mmio. */
MMRESULT sreader_open(const MMIOINFO *mi, const char *file, sreader **out);
/* Up to n bytes of the image at pos: the count, 0 at its end, -1 when the
 * file is damaged or shorter than it said. */
long sreader_read(sreader *r, int64_t pos, unsigned char *dst, long n);
int64_t sreader_size(const sreader *r);
void sreader_close(sreader *r);

/* writer.c: a WAVE image written, encoded as the name's extension says. */
/* sanity.c: a file libsndfile opened that must not be read as data (cut
 * short, impossible sample rate): 0 or MMIOERR_INVALIDFILE. */
struct plug_inner;
MMRESULT ssanity_check(struct plug_inner *in, SNDFILE *sf, const SF_INFO *info,
                       unsigned frame_bytes);

typedef struct swriter swriter;
/* major: the libsndfile container and codec (SF_FORMAT_*), level: the
 * compression level 0..1, or < 0 for libsndfile's default. */
MMRESULT swriter_open(const char *path, int major, double level, swriter **out);
/* Takes n bytes of the image at pos: n, or -1 for what cannot be encoded
 * (a header that is no WAVE, samples rewritten after they were encoded). */
long swriter_write(swriter *w, int64_t pos, const unsigned char *src, long n);
/* MMIOM_WRITEFLUSH: what the encoder holds goes to the temporary, synced.
 * The target is still replaced only at close.  0 or -1. */
int swriter_flush(swriter *w);
/* The image's size so far (the end of what was written). */
int64_t swriter_size(const swriter *w);
/* Finishes the file and puts it in place: 0 or an MMIOERR_ code (nothing
 * replaces the target then).  Frees w either way. */
MMRESULT swriter_close(swriter *w);

#endif /* MMIO_SNDFILE_PLUGIN_H */
