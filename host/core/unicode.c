/* SPDX-License-Identifier: MIT */
/*
 * unicode.c - names between UTF-8 (what the file system and narrow
 * procedures get) and wide strings (UTF-16 or UTF-32, what the W functions
 * and Unicode procedures use).  Invalid input (an unpaired surrogate, a code
 * point past U+10FFFF, a malformed or overlong UTF-8 sequence) is refused,
 * never guessed at.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static uint32_t unit_at(const void *w, unsigned width, size_t i)
{
    return width == 2 ? ((const uint16_t *)w)[i] : ((const uint32_t *)w)[i];
}

size_t mmio_wide_len(const void *w, unsigned width)
{
    size_t n = 0;
    while (unit_at(w, width, n))
        n++;
    return n;
}

/* The code point at w[*i] (advancing *i), or -1 when invalid. */
static long next_code(const void *w, unsigned width, size_t *i)
{
    uint32_t u = unit_at(w, width, (*i)++);
    if (width == 2 && u >= 0xD800 && u <= 0xDBFF) {
        uint32_t lo = unit_at(w, width, *i);
        if (lo < 0xDC00 || lo > 0xDFFF)
            return -1;
        (*i)++;
        return 0x10000 + (((long)u - 0xD800) << 10) + ((long)lo - 0xDC00);
    }
    if ((u >= 0xD800 && u <= 0xDFFF) || u > 0x10FFFF)
        return -1;
    return (long)u;
}

char *mmio_utf8_from_wide(const void *w, unsigned width)
{
    if (!w || (width != 2 && width != 4))
        return NULL;
    size_t n = mmio_wide_len(w, width);
    if (n > (SIZE_MAX - 1) / 4)
        return NULL;
    char *out = mmio_sys_malloc(n * 4 + 1), *p = out;
    for (size_t i = 0; out && i < n;) {
        long c = next_code(w, width, &i);
        if (c < 0) {
            free(out);
            return NULL;
        }
        if (c < 0x80) {
            *p++ = (char)c;
        } else if (c < 0x800) {
            *p++ = (char)(0xC0 | (c >> 6));
            *p++ = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            *p++ = (char)(0xE0 | (c >> 12));
            *p++ = (char)(0x80 | ((c >> 6) & 0x3F));
            *p++ = (char)(0x80 | (c & 0x3F));
        } else {
            *p++ = (char)(0xF0 | (c >> 18));
            *p++ = (char)(0x80 | ((c >> 12) & 0x3F));
            *p++ = (char)(0x80 | ((c >> 6) & 0x3F));
            *p++ = (char)(0x80 | (c & 0x3F));
        }
    }
    if (out)
        *p = '\0';
    return out;
}

/* The code point at s (advancing *s), or -1 when invalid. */
static long next_utf8(const unsigned char **s)
{
    const unsigned char *p = *s;
    long c;
    int more;
    if (p[0] < 0x80) {
        *s = p + 1;
        return p[0];
    }
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        c = p[0] & 0x1F;
        more = 1;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        c = p[0] & 0x0F;
        more = 2;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        c = p[0] & 0x07;
        more = 3;
    } else {
        return -1;
    }
    for (int k = 1; k <= more; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return -1; /* also stops at the NUL */
        c = (c << 6) | (p[k] & 0x3F);
    }
    static const long least[] = {0, 0x80, 0x800, 0x10000};
    if (c < least[more] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return -1; /* overlong, too large, or a surrogate */
    *s = p + more + 1;
    return c;
}

void *mmio_wide_from_utf8(const char *s, unsigned width)
{
    if (!s || (width != 2 && width != 4))
        return NULL;
    size_t n = strlen(s);
    if (n > SIZE_MAX / 8 - 1)
        return NULL;
    /* at most one code point per byte, two units each */
    char *out = mmio_sys_malloc((2 * n + 1) * width);
    size_t k = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (out && *p) {
        long c = next_utf8(&p);
        if (c < 0) {
            free(out);
            return NULL;
        }
        if (width == 4) {
            ((uint32_t *)(void *)out)[k++] = (uint32_t)c;
        } else if (c < 0x10000) {
            ((uint16_t *)(void *)out)[k++] = (uint16_t)c;
        } else {
            c -= 0x10000;
            ((uint16_t *)(void *)out)[k++] = (uint16_t)(0xD800 + (c >> 10));
            ((uint16_t *)(void *)out)[k++] = (uint16_t)(0xDC00 + (c & 0x3FF));
        }
    }
    if (out) {
        if (width == 4)
            ((uint32_t *)(void *)out)[k] = 0;
        else
            ((uint16_t *)(void *)out)[k] = 0;
    }
    return out;
}
