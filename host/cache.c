/*
 * cache.c - the scan cache: one line per plugin file,
 *
 *   path TAB size TAB mtime_ns TAB mode TAB state TAB name TAB version TAB
 *   description TAB license TAB fourccs (hex, comma-separated) TAB reason
 *
 * A file whose size, mtime and mode still match is never checked again; a
 * changed one (a broken plugin included) is.
 */
#define _GNU_SOURCE
#include "plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_MAGIC "# libmmio scan cache 2\n"

void mmio_rec_free(struct mmio_plugin_rec *r)
{
    free(r->path);
    free(r->reason);
    free(r->name);
    free(r->version);
    free(r->description);
    free(r->license);
    free(r->fourccs);
    free(r->procs);
    memset(r, 0, sizeof *r);
}

int mmio_rec_has(const struct mmio_plugin_rec *r, FOURCC fcc)
{
    for (size_t i = 0; r->fourccs && r->fourccs[i]; i++)
        if (r->fourccs[i] == fcc)
            return 1;
    return 0;
}

static char *field(char **s)
{
    char *start = *s;
    if (!start)
        return NULL;
    char *tab = strchr(start, '\t');
    if (tab) {
        *tab = '\0';
        *s = tab + 1;
    } else {
        *s = NULL;
    }
    return start;
}

static char *dup_or_null(const char *s)
{
    return (s && *s) ? strdup(s) : NULL;
}

int mmio_cache_read(const char *file, struct mmio_plugin_rec **recs, size_t *n)
{
    *recs = NULL;
    *n = 0;
    char *text = file ? mmio_read_all(file, NULL) : NULL;
    if (!text)
        return -1;
    if (strncmp(text, CACHE_MAGIC, strlen(CACHE_MAGIC)) != 0) {
        free(text);
        return -1; /* another format: start afresh */
    }
    size_t cap = 0;
    char *line = text + strlen(CACHE_MAGIC), *next;
    for (; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *s = line;
        char *f[11];
        for (int i = 0; i < 11; i++)
            f[i] = field(&s);
        if (!f[10])
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            struct mmio_plugin_rec *grown = realloc(*recs, cap * sizeof *grown);
            if (!grown)
                break;
            *recs = grown;
        }
        struct mmio_plugin_rec *r = &(*recs)[(*n)++];
        memset(r, 0, sizeof *r);
        r->path = strdup(f[0]);
        r->size = strtoll(f[1], NULL, 10);
        r->mtime_ns = strtoll(f[2], NULL, 10);
        r->mode = (uint32_t)strtoul(f[3], NULL, 8);
        r->state = (UINT)strtoul(f[4], NULL, 10);
        r->name = dup_or_null(f[5]);
        r->version = dup_or_null(f[6]);
        r->description = dup_or_null(f[7]);
        r->license = dup_or_null(f[8]);
        r->fourccs = calloc(65, sizeof(FOURCC));
        size_t k = 0;
        for (char *p = f[9]; r->fourccs && p && *p && k < 64;) {
            char *end;
            r->fourccs[k++] = (FOURCC)strtoul(p, &end, 16);
            p = (*end == ',') ? end + 1 : NULL;
        }
        r->reason = strdup(f[10]);
    }
    free(text);
    return 0;
}

/* Appends printf output to a growing buffer. */
struct sbuf {
    char *p;
    size_t len, cap;
};

static void put(struct sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap + n + 1) * 2;
        char *grown = realloc(b->p, cap);
        if (!grown)
            return;
        b->p = grown;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
}

/* Text fields never hold tabs or newlines (the scanner refuses them), but
 * reasons come from the OS too: flatten them. */
static void put_text(struct sbuf *b, const char *s)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", s ? s : "");
    for (char *p = tmp; *p; p++)
        if (*p == '\t' || *p == '\n')
            *p = ' ';
    put(b, tmp);
}

int mmio_cache_write(const char *file, const struct mmio_plugin_rec *recs,
                     size_t n)
{
    if (!file)
        return -1;
    struct sbuf b = {0};
    put(&b, CACHE_MAGIC);
    for (size_t i = 0; i < n; i++) {
        const struct mmio_plugin_rec *r = &recs[i];
        char num[96];
        put_text(&b, r->path);
        snprintf(num, sizeof num, "\t%lld\t%lld\t%o\t%u\t", (long long)r->size,
                 (long long)r->mtime_ns, (unsigned)r->mode, (unsigned)r->state);
        put(&b, num);
        put_text(&b, r->name);
        put(&b, "\t");
        put_text(&b, r->version);
        put(&b, "\t");
        put_text(&b, r->description);
        put(&b, "\t");
        put_text(&b, r->license);
        put(&b, "\t");
        for (size_t k = 0; r->fourccs && r->fourccs[k]; k++) {
            snprintf(num, sizeof num, "%s%08x", k ? "," : "",
                     (unsigned)r->fourccs[k]);
            put(&b, num);
        }
        put(&b, "\t");
        put_text(&b, r->reason);
        put(&b, "\n");
    }
    int rc = b.p ? mmio_write_atomic(file, b.p, b.len) : -1;
    free(b.p);
    return rc;
}
