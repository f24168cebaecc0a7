/* SPDX-License-Identifier: MIT */
/*
 * cache.c - the scan cache: what the checker said about each file, so an
 * unchanged file is never checked twice.
 *
 *   # libmmio scan cache
 *   version 3
 *   path TAB symbol TAB size TAB mtime_ns TAB ino TAB mode TAB state TAB
 *   fault TAB timeout_ms TAB name TAB version TAB description TAB license
 *   TAB fourccs (hex, comma-separated) TAB reason
 *
 * A file of another version is reported once and left alone (never
 * rewritten): this process then keeps its results in memory only.
 * Verdicts caused by the environment or by this process's own failures
 * are never written (remember() in rebuild.c).
 */
#define _GNU_SOURCE
#include "loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_MAGIC "# libmmio scan cache"
#define CACHE_VERSION 3
#define CACHE_CAP (16u << 20)
#define NFIELDS 15

void mmio_key_of(struct mmio_key *k, const struct stat *st)
{
    k->size = st->st_size;
    k->mtime_ns = mmio_mtime_ns(st);
    k->ino = st->st_ino;
    k->mode = (uint32_t)st->st_mode;
}

int mmio_key_eq(const struct mmio_key *a, const struct mmio_key *b)
{
    return a->size == b->size && a->mtime_ns == b->mtime_ns &&
           a->ino == b->ino && a->mode == b->mode;
}

void mmio_cache_free(struct mmio_cache *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].path);
        free(c->e[i].symbol);
        mmio_check_free(&c->e[i].chk);
    }
    free(c->e);
    memset(c, 0, sizeof *c);
}

int mmio_same_entry(const char *path, const char *symbol, const char *path2,
                    const char *symbol2)
{
    return !strcmp(path, path2) &&
           !strcmp(symbol ? symbol : "", symbol2 ? symbol2 : "");
}

size_t mmio_find_hinted(size_t n, size_t *hint,
                        int (*is)(size_t i, const void *ctx), const void *ctx)
{
    /* Files are looked up in the order the list was made: the item after
     * the last hit is nearly always the one. */
    if (*hint < n && is(*hint, ctx))
        return (*hint)++;
    for (size_t i = 0; i < n; i++)
        if (is(i, ctx)) {
            *hint = i + 1;
            return i;
        }
    return n;
}

struct wanted {
    const struct mmio_cache *c;
    const char *path, *symbol;
};

static int cache_entry_is(size_t i, const void *ctx)
{
    const struct wanted *w = ctx;
    return mmio_same_entry(w->c->e[i].path, w->c->e[i].symbol, w->path,
                           w->symbol);
}

const struct mmio_cache_entry *mmio_cache_find(const struct mmio_cache *c,
                                               const char *path,
                                               const char *symbol, size_t *hint)
{
    struct wanted w = {c, path, symbol};
    size_t i = mmio_find_hinted(c->n, hint, cache_entry_is, &w);
    return i < c->n ? &c->e[i] : NULL;
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

/* A copy of a field, NULL when it is empty; *failed when it failed. */
static char *field_copy(const char *s, int *failed)
{
    return mmio_strdup_opt((s && *s) ? s : NULL, failed);
}

static void parse_line(struct mmio_cache *c, char *line)
{
    char *f[NFIELDS];
    for (int i = 0; i < NFIELDS; i++)
        f[i] = field(&line);
    if (!f[NFIELDS - 1] || f[0][0] != '/' ||
        mmio_vec_reserve(&c->e, &c->cap, c->n + 1, sizeof *c->e) != 0)
        return;
    struct mmio_cache_entry *e = &c->e[c->n];
    memset(e, 0, sizeof *e);
    struct mmio_check *k = &e->chk;
    unsigned long state = strtoul(f[6], NULL, 10);
    unsigned long fault = strtoul(f[7], NULL, 10);
    if (state != MMIO_PLUGIN_AVAILABLE && state != MMIO_PLUGIN_BROKEN &&
        state != MMIO_PLUGIN_REFUSED)
        return;
    int failed = 0; /* an entry is whole or not taken */
    e->path = mmio_sys_strdup(f[0]);
    e->symbol = field_copy(f[1], &failed);
    e->key.size = strtoll(f[2], NULL, 10);
    e->key.mtime_ns = strtoll(f[3], NULL, 10);
    e->key.ino = strtoull(f[4], NULL, 10);
    e->key.mode = (uint32_t)strtoul(f[5], NULL, 8);
    k->state = (UINT)state;
    k->fault = fault == FAULT_PLUGIN ? FAULT_PLUGIN : FAULT_NONE;
    k->timeout_ms = (int)strtol(f[8], NULL, 10);
    k->name = field_copy(f[9], &failed);
    k->version = field_copy(f[10], &failed);
    k->description = field_copy(f[11], &failed);
    k->license = field_copy(f[12], &failed);
    k->fourccs = mmio_sys_calloc(MMIO_PLUGIN_MAX_FOURCCS + 1, sizeof(FOURCC));
    size_t n = 0;
    for (char *p = f[13];
         k->fourccs && p && *p && n < MMIO_PLUGIN_MAX_FOURCCS;) {
        char *end;
        k->fourccs[n++] = (FOURCC)strtoul(p, &end, 16);
        p = (*end == ',') ? end + 1 : NULL;
    }
    k->reason = mmio_sys_strdup(f[14]);
    if (!e->path || !k->fourccs || !k->reason || failed) {
        free(e->path);
        free(e->symbol);
        mmio_check_free(k);
        return;
    }
    c->n++;
}

void mmio_cache_read(const char *file, struct mmio_cache *c)
{
    memset(c, 0, sizeof *c);
    if (!file)
        return;
    char why[600];
    char *text = mmio_read_trusted(file, CACHE_CAP, NULL, why, sizeof why);
    if (!text) {
        if (errno != ENOENT) {
            mmio_msg("scan cache %s; starting afresh", why);
            c->frozen = errno == EPERM; /* not ours to replace */
        }
        return;
    }
    int version = -1;
    char *body = NULL;
    if (!strncmp(text, CACHE_MAGIC "\nversion ", strlen(CACHE_MAGIC) + 9)) {
        version = (int)strtol(text + strlen(CACHE_MAGIC) + 9, NULL, 10);
        body = strchr(text + strlen(CACHE_MAGIC) + 1, '\n');
    }
    if (version != CACHE_VERSION || !body) {
        if (version > CACHE_VERSION)
            mmio_msg("%s: scan cache version %d is newer than this "
                     "libmmio's (%d); it is left as it is",
                     file, version, CACHE_VERSION);
        else
            mmio_msg("%s: not a scan cache this libmmio can read; it is "
                     "left as it is",
                     file);
        c->frozen = 1;
        free(text);
        return;
    }
    char *next;
    for (char *line = body + 1; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        parse_line(c, line);
    }
    free(text);
}

/* Text fields never hold tabs or newlines (the checker refuses them), but
 * reasons come from the OS too: flatten them. */
static void put_text(struct mmio_str *b, const char *s)
{
    for (; s && *s; s++) {
        char ch = (*s == '\t' || *s == '\n') ? ' ' : *s;
        mmio_str_add(b, &ch, 1);
    }
}

int mmio_cache_write(const char *file, const struct mmio_cache *c)
{
    if (!file || c->frozen)
        return -1;
    struct mmio_str b = {0};
    mmio_str_printf(&b, "%s\nversion %d\n", CACHE_MAGIC, CACHE_VERSION);
    for (size_t i = 0; i < c->n; i++) {
        const struct mmio_cache_entry *e = &c->e[i];
        const struct mmio_check *k = &e->chk;
        put_text(&b, e->path);
        mmio_str_puts(&b, "\t");
        put_text(&b, e->symbol);
        mmio_str_printf(&b, "\t%lld\t%lld\t%llu\t%o\t%u\t%d\t%d\t",
                        (long long)e->key.size, (long long)e->key.mtime_ns,
                        (unsigned long long)e->key.ino, (unsigned)e->key.mode,
                        (unsigned)k->state, k->fault, k->timeout_ms);
        const char *text[] = {k->name, k->version, k->description, k->license};
        for (int t = 0; t < 4; t++) {
            put_text(&b, text[t]);
            mmio_str_puts(&b, "\t");
        }
        for (size_t f = 0; k->fourccs && k->fourccs[f]; f++)
            mmio_str_printf(&b, "%s%08x", f ? "," : "",
                            (unsigned)k->fourccs[f]);
        mmio_str_puts(&b, "\t");
        put_text(&b, k->reason);
        mmio_str_puts(&b, "\n");
    }
    int rc = b.failed || !b.p ? -1 : mmio_write_atomic(file, b.p, b.len, 0600);
    mmio_str_free(&b);
    return rc;
}
