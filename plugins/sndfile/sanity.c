/* SPDX-License-Identifier: MIT */
/*
 * sanity.c - what libsndfile opens without complaint but is no sound file
 * to hand on as data: a file cut short (its header promises more than is
 * there, or an Ogg stream without its last page), and sample rates no
 * recording has (an AIFF rate of 0 or NaN, which libsndfile reads as 1 Hz
 * and 67108864 Hz; rates above 16 MHz, and a rate whose byte rate does
 * not fit a WAVE header).
 */
#define _GNU_SOURCE
#include "sndfile_plugin.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inner.h"

#define TAIL 65536 /* an Ogg page is at most 65307 bytes */
/* No format libsndfile reads records faster (768 kHz is the most any
 * converter in use makes); an AU rate of 0x7fffffff is damage. */
#define MAX_RATE (1L << 24)

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* The AIFF COMM chunk's sample rate (an 80-bit IEEE extended number):
 * 1 when it is a rate (at least 1 Hz, finite, below 2^31), 0 when not,
 * -1 when no COMM chunk was found in the first bytes. */
static int aiff_rate_ok(plug_inner *in)
{
    unsigned char buf[4096];
    long n = plug_inner_read(in, buf, sizeof buf, 0);
    for (long at = 12; n > 0 && at + 8 + 18 <= n;) {
        uint32_t size = be32(buf + at + 4);
        if (!memcmp(buf + at, "COMM", 4)) {
            const unsigned char *x = buf + at + 8 + 8;
            int sign = x[0] >> 7;
            int exp = ((x[0] & 0x7f) << 8) | x[1];
            uint64_t mant = 0;
            for (int i = 0; i < 8; i++)
                mant = mant << 8 | x[2 + i];
            if (sign || exp == 0x7fff || mant == 0)
                return 0; /* negative, infinite, NaN or zero */
            double rate = ldexp((double)mant, exp - 16383 - 63);
            return rate >= 1.0 && rate < 2147483648.0;
        }
        at += 8 + (int64_t)size + (size & 1);
    }
    return -1;
}

/* The length of the Ogg page at buf[at] (n bytes held), or 0 when none
 * starts there or it does not fit. */
static long ogg_page_len(const unsigned char *buf, long at, long n)
{
    if (at + 27 > n || memcmp(buf + at, "OggS", 4) != 0 || buf[at + 4] != 0)
        return 0;
    long segs = buf[at + 26], len = 27 + segs;
    if (at + len > n)
        return 0;
    for (long i = 0; i < segs; i++)
        len += buf[at + 27 + i];
    return at + len <= n ? len : 0;
}

/* Whether an Ogg file ends with a whole page that ends its stream: from
 * the first place in its last 64 KiB where pages follow each other exactly
 * to the end of the file (one such place is a real page: no page is
 * longer), the last of them is flagged end of stream. */
static int ogg_ends_whole(plug_inner *in)
{
    int64_t size = plug_inner_size(in);
    if (size < 0)
        return 0;
    int64_t start = size > TAIL ? size - TAIL : 0;
    unsigned char *buf = malloc(TAIL);
    long n = -1;
    if (buf) { /* an inner file may answer in parts */
        long got;
        n = 0;
        while (n < TAIL &&
               (got = plug_inner_read(in, buf + n, TAIL - n, start + n)) > 0)
            n += got;
        if (got < 0)
            n = -1;
    }
    int ok = 0;
    for (long first = 0; n > 0 && first + 27 <= n && !ok; first++) {
        long at = first, last = -1, len;
        while ((len = ogg_page_len(buf, at, n)) > 0) {
            last = at;
            at += len;
        }
        ok = last >= 0 && at == n && (buf[last + 5] & 4);
        if (last >= 0 && at == n)
            break; /* the chain reached the end: this is the answer */
    }
    free(buf);
    return ok;
}

/* Whether libsndfile's log says a header declared more than the file has:
 * its lines "SIZE (should be SMALLER)". */
static int header_promises_more(SNDFILE *sf)
{
    char log[8192];
    sf_command(sf, SFC_GET_LOG_INFO, log, sizeof log);
    for (const char *p = log; (p = strstr(p, "(should be ")) != NULL; p++) {
        const char *q = p;
        while (q > log && q[-1] == ' ')
            q--;
        while (q > log && q[-1] >= '0' && q[-1] <= '9')
            q--;
        long long declared = strtoll(q, NULL, 10);
        long long actual = strtoll(p + 11, NULL, 10);
        if (declared > actual)
            return 1;
    }
    return 0;
}

MMRESULT ssanity_check(plug_inner *in, SNDFILE *sf, const SF_INFO *info,
                       unsigned frame_bytes)
{
    if (info->samplerate < 1 || info->samplerate > MAX_RATE ||
        (uint64_t)info->samplerate * frame_bytes > UINT32_MAX)
        return MMIOERR_INVALIDFILE;
    if (header_promises_more(sf))
        return MMIOERR_INVALIDFILE; /* cut short */
    int major = info->format & SF_FORMAT_TYPEMASK;
    if (major != SF_FORMAT_AIFF && major != SF_FORMAT_OGG)
        return 0;
    int ok =
        major == SF_FORMAT_AIFF ? aiff_rate_ok(in) != 0 : ogg_ends_whole(in);
    return ok ? 0 : MMIOERR_INVALIDFILE;
}
