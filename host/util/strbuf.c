/* SPDX-License-Identifier: MIT */
/*
 * strbuf.c - a growable string whose appends check for overflow and
 * out-of-memory; a failed append marks the string failed and later ones do
 * nothing, so a writer checks once at the end.
 */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mmio_str_add(struct mmio_str *s, const char *text, size_t n)
{
    if (s->failed)
        return;
    if (n > SIZE_MAX / 2 - s->len - 1) {
        s->failed = 1;
        return;
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = (s->len + n + 1) * 2;
        char *grown = mmio_sys_realloc(s->p, cap);
        if (!grown) {
            s->failed = 1;
            return;
        }
        s->p = grown;
        s->cap = cap;
    }
    memcpy(s->p + s->len, text, n);
    s->len += n;
    s->p[s->len] = '\0';
}

void mmio_str_puts(struct mmio_str *s, const char *text)
{
    mmio_str_add(s, text, strlen(text));
}

void mmio_str_printf(struct mmio_str *s, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        s->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        mmio_str_add(s, small, (size_t)n);
        return;
    }
    char *big = mmio_sys_malloc((size_t)n + 1);
    if (!big) {
        s->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    mmio_str_add(s, big, (size_t)n);
    free(big);
}

void mmio_str_free(struct mmio_str *s)
{
    free(s->p);
    memset(s, 0, sizeof *s);
}
