/* SPDX-License-Identifier: MIT */
/* wave.c - the RIFF WAVE header of the image (sndfile_plugin.h). */
#include "sndfile_plugin.h"

#include <string.h>

#define WAVE_FORMAT_PCM 0x0001
#define WAVE_FORMAT_IEEE_FLOAT 0x0003
#define WAVE_FORMAT_EXTENSIBLE 0xFFFE
#define HEADER_CAP 65536 /* a written header longer than this is refused */

static void le16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xFF);
    p[1] = (unsigned char)((v >> 8) & 0xFF);
}

static void le32(unsigned char *p, uint32_t v)
{
    le16(p, v & 0xFFFF);
    le16(p + 2, v >> 16);
}

static unsigned get16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

/* The speakers of the usual layouts, as Windows numbers them. */
static uint32_t channel_mask(unsigned channels)
{
    static const uint32_t masks[] = {0,    0x4,  0x3,   0x7,  0x33,
                                     0x37, 0x3F, 0x70F, 0x63F};
    return channels < sizeof masks / sizeof *masks ? masks[channels] : 0;
}

size_t wave_header(const struct wave_format *f, uint32_t data_len,
                   unsigned char out[WAVE_HEADER_MAX])
{
    int ext = f->channels > 2;
    uint32_t fmt_len = ext ? 40 : f->is_float ? 18 : 16;
    unsigned block = f->channels * (f->bits / 8);
    size_t len = 12 + 8 + fmt_len + 8;
    memset(out, 0, WAVE_HEADER_MAX);
    le32(out, mmioFOURCC('R', 'I', 'F', 'F'));
    le32(out + 4, (uint32_t)(len - 8) + data_len + (data_len & 1));
    le32(out + 8, mmioFOURCC('W', 'A', 'V', 'E'));
    le32(out + 12, mmioFOURCC('f', 'm', 't', ' '));
    le32(out + 16, fmt_len);
    unsigned char *p = out + 20;
    unsigned tag = f->is_float ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM;
    le16(p, ext ? WAVE_FORMAT_EXTENSIBLE : tag);
    le16(p + 2, f->channels);
    le32(p + 4, f->rate);
    le32(p + 8, f->rate * block);
    le16(p + 12, block);
    le16(p + 14, f->bits);
    if (fmt_len > 16)
        le16(p + 16, fmt_len - 18); /* cbSize */
    if (ext) {
        le16(p + 18, f->bits); /* valid bits */
        le32(p + 20, channel_mask(f->channels));
        /* SubFormat: the tag in KSDATAFORMAT_SUBTYPE_* form */
        static const unsigned char guid_tail[14] = {
            0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
            0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
        le16(p + 24, tag);
        memcpy(p + 26, guid_tail, sizeof guid_tail);
    }
    p += fmt_len;
    le32(p, mmioFOURCC('d', 'a', 't', 'a'));
    le32(p + 4, data_len);
    return len;
}

/* The fmt chunk's body: 0, or -1 for a format this plugin cannot encode. */
static int parse_fmt(const unsigned char *p, uint32_t n, struct wave_format *f)
{
    if (n < 16)
        return -1;
    unsigned tag = get16(p);
    if (tag == WAVE_FORMAT_EXTENSIBLE) {
        if (n < 40)
            return -1;
        tag = get16(p + 24); /* the SubFormat GUID's first two bytes */
    }
    f->channels = get16(p + 2);
    f->rate = get32(p + 4);
    f->bits = get16(p + 14);
    f->is_float = tag == WAVE_FORMAT_IEEE_FLOAT;
    if (tag != WAVE_FORMAT_PCM && tag != WAVE_FORMAT_IEEE_FLOAT)
        return -1;
    if (f->channels == 0 || f->channels > 64 || f->rate == 0 ||
        f->rate > 1000000 || get16(p + 12) != f->channels * (f->bits / 8))
        return -1;
    if (f->is_float
            ? f->bits != 32 && f->bits != 64
            : f->bits != 8 && f->bits != 16 && f->bits != 24 && f->bits != 32)
        return -1;
    return 0;
}

int wave_parse(const unsigned char *buf, size_t len, struct wave_format *f,
               size_t *data_start)
{
    if (len < 12)
        return 0;
    if (memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0)
        return -1;
    int have_fmt = 0;
    size_t at = 12;
    /* sizes may still be 0 while chunks are being written: a chunk is
     * taken once the next header that follows it makes sense */
    while (at + 8 <= len) {
        uint32_t n = get32(buf + at + 4);
        if (memcmp(buf + at, "data", 4) == 0) {
            if (!have_fmt)
                return -1;
            *data_start = at + 8;
            return 1;
        }
        if (n > HEADER_CAP)
            return 0; /* not settled yet, or beyond what we hold */
        if (memcmp(buf + at, "fmt ", 4) == 0) {
            if (at + 8 + n > len)
                return 0;
            if (parse_fmt(buf + at + 8, n, f) != 0)
                return n >= 16 ? -1 : 0;
            have_fmt = 1;
        }
        at += 8 + (size_t)n + (n & 1);
    }
    return len >= HEADER_CAP ? -1 : 0;
}
