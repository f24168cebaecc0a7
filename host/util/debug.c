/* SPDX-License-Identifier: MIT */
/*
 * debug.c - MMIO_DEBUG: what the library does, one line per event, for
 * plugin authors (GStreamer's GST_DEBUG idea).
 *
 *   MMIO_DEBUG=proc:5,loader:3     categories and levels (0 off, 1-5)
 *   MMIO_DEBUG=*:5                 everything
 *
 * proc: 1 opens and closes, 5 every message a procedure gets, with its
 * arguments, its answer, how long it took and lDiskOffset before and
 * after.  loader: 1 refusals, 3 scans, checks, cache hits and loads.
 * Lines go where messages go (the application's callback, else stderr),
 * prefixed "debug: ".  Off, a message costs one predictable branch (the
 * level is read once, at load).  Names are redacted: the user and password
 * of a URL and its query string are never printed.
 */
#define _GNU_SOURCE
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mmio_debug_levels[MMIO_DEBUG_NCATS];

static const char *const cat_names[MMIO_DEBUG_NCATS] = {"proc", "loader"};

__attribute__((constructor)) static void read_levels(void)
{
    const char *spec = secure_getenv("MMIO_DEBUG");
    if (!spec)
        return;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", spec);
    char *save = NULL;
    for (char *one = strtok_r(copy, ",", &save); one;
         one = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(one, ':');
        int level = colon ? (int)strtol(colon + 1, NULL, 10) : 5;
        if (colon)
            *colon = '\0';
        level = level < 0 ? 0 : level > 5 ? 5 : level;
        for (int c = 0; c < MMIO_DEBUG_NCATS; c++)
            if (!strcmp(one, "*") || !strcmp(one, cat_names[c]))
                mmio_debug_levels[c] = level;
    }
}

void mmio_debug(int cat, const char *fmt, ...)
{
    char text[1500];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    mmio_msg("debug: %s: %s", cat_names[cat], text);
}

void mmio_debug_name(const char *name, char *out, size_t cap)
{
    if (!cap)
        return;
    if (!name) {
        snprintf(out, cap, "(null)");
        return;
    }
    size_t o = 0;
    for (const char *p = name; *p && o + 1 < cap;) {
        const char *scheme = strstr(p, "://");
        const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
        const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;
        if (scheme && at && (!slash || at < slash)) {
            /* scheme://user:password@host: the credentials go */
            size_t keep = (size_t)(scheme + 3 - p);
            o += (size_t)snprintf(out + o, cap - o, "%.*s***", (int)keep, p);
            p = at;
            continue;
        }
        if (*p == '?') { /* a query string may carry a signature */
            snprintf(out + o, cap - o, "?***");
            return;
        }
        out[o++] = *p++;
    }
    out[o < cap ? o : cap - 1] = '\0';
}
