/* SPDX-License-Identifier: MIT */
/*
 * proxy.c - the procedure an application calls for an isolated plugin's
 * FOURCC: each message goes over a channel to the helper, which calls the
 * plugin's procedure with an MMIOINFO mirroring the application's
 * (dwFlags, wErrorRet, adwInfo and lDiskOffset, both ways).
 *
 * A file keeps one channel from OPEN to CLOSE.  Sequential reads fetch a
 * window (MMIO_SERVE_WINDOW) in one round trip and are served from the
 * shared memory until they leave it; writes after the first one at a
 * place (after the open or a seek) are gathered there until a flush,
 * seek, read, close or a full window, so a failed gathered write is
 * reported by the call that sent it (and by the close).  Seeks, EXIST,
 * DELETE and RENAME always reach the plugin.  Everything the helper
 * answers is checked before use: a count above the request or an offset
 * that does not follow fails the call, as it would in-process.
 */
#define _GNU_SOURCE
#include "iso.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The UTF-16 entry point (sdk/include/mmio.h names it for code built with
 * -fshort-wchar only). */
MMIOAPI LPMMIOPROC mmioExtInstallIOProcW16(FOURCC fcc, LPMMIOPROC proc,
                                           DWORD flags);

struct pfile {
    MMIOINFO *mi;
    struct proxy_proc *pp;
    struct helper *h;
    struct chan *c;
    size_t slot;
    char name[300]; /* for messages */
    LONG hpos;      /* the plugin's lDiskOffset, in the helper */
    /* the read windows: bytes [start, start + len) in data slot k */
    struct window {
        LONG start;
        uint32_t len;
        int valid;
    } w[2];
    int last;  /* the slot filled last */
    int ahead; /* a READ into slot ahead_slot at ahead_at is under way */
    int ahead_slot;
    LONG ahead_at;
    LONG seq_next; /* where a sequential read starts */
    /* gathered writes: batch bytes for offset batch_at */
    uint32_t batch;
    LONG batch_at;
    int writing, failed, told;
    int gathering; /* writes are gathered since the last seek */
};

/* ---- file slots ---------------------------------------------------------
 * An open file's proxy state is found from its MMIOINFO: dwReserved1
 * holds the slot number, checked against the MMIOINFO's address. */
static struct pfile *file_of(struct mmio_isolated *iso, MMIOINFO *mi)
{
    struct pfile *f = NULL;
    size_t slot = mi->dwReserved1;
    pthread_mutex_lock(&iso->lock);
    if (slot > 0 && slot <= iso->nfiles && iso->files[slot - 1] &&
        iso->files[slot - 1]->mi == mi)
        f = iso->files[slot - 1];
    pthread_mutex_unlock(&iso->lock);
    return f;
}

static int slot_take(struct mmio_isolated *iso, struct pfile *f)
{
    pthread_mutex_lock(&iso->lock);
    size_t i = 0;
    while (i < iso->nfiles && iso->files[i])
        i++;
    int rc = 0;
    if (i < iso->nfiles)
        iso->files[i] = f;
    else
        rc = mmio_ptrs_push(&iso->files, &iso->nfiles, &iso->capfiles, f);
    if (rc == 0) {
        f->slot = i + 1;
        f->mi->dwReserved1 = (DWORD)f->slot;
    }
    pthread_mutex_unlock(&iso->lock);
    return rc;
}

static void file_free(struct pfile *f)
{
    struct mmio_isolated *iso = f->pp->iso;
    if (f->slot) {
        pthread_mutex_lock(&iso->lock);
        iso->files[f->slot - 1] = NULL;
        pthread_mutex_unlock(&iso->lock);
        f->mi->dwReserved1 = 0;
    }
    if (f->c)
        iso_chan_put(f->c);
    if (f->h)
        iso_helper_put(f->h);
    free(f);
}

/* ---- one message -------------------------------------------------------- */
/* Says, once per file, why its helper stopped serving it. */
static void tell_dead(struct pfile *f, UINT msg)
{
    if (f->told)
        return;
    f->told = 1;
    iso_say_pending(f->pp->iso);
    const struct mmio_isolate_conf *cf = &f->pp->iso->conf;
    char buf[16];
    mmio_msg("%s: plugin %s (%s), isolated, %s while serving it (%s); its "
             "files fail from now on",
             f->name, cf->name, cf->path, f->h->why,
             mmio_message_name(msg, buf, sizeof buf));
}

/* The lines the plugin said in the helper, said here. */
static void relay_said(const struct mmio_serve_msg *m)
{
    uint32_t n = m->said_len;
    if (n == 0)
        return;
    char text[MMIO_SERVE_SAID + 1];
    if (n > MMIO_SERVE_SAID)
        n = MMIO_SERVE_SAID;
    memcpy(text, m->said, n);
    text[n] = '\0';
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (*line)
            mmio_msg("%s", line);
        if (!nl)
            break;
    }
}

static int settle(struct pfile *f);

static void request(struct pfile *f, UINT msg, int64_t a, int64_t b)
{
    settle(f); /* the channel is free again */
    struct mmio_serve_msg *m = &f->c->shm->m;
    m->msg = msg;
    m->fcc = f->pp->fcc;
    m->wide = f->pp->wide;
    m->a = a;
    m->b = b;
    m->flags = f->mi->dwFlags;
    m->error = f->mi->wErrorRet;
    m->disk_offset = f->mi->lDiskOffset;
    memcpy(m->info, f->mi->adwInfo, sizeof m->info);
    m->sync = f->mi->lDiskOffset != f->hpos;
    m->sync_offset = f->mi->lDiskOffset;
    m->len = 0;
    m->opts_at = 0;
    m->slot = 0;
    m->said_len = 0;
}

/* The answer to a request handed over (rc: how the hand-over went): 0 and
 * the answer, or -1 (said) when the helper is gone.  The MMIOINFO fields
 * come back to the application's. */
static int answer(struct pfile *f, UINT msg, int rc, LRESULT *result)
{
    if (rc != 0) {
        f->failed = 1;
        tell_dead(f, msg);
        return -1;
    }
    const struct mmio_serve_msg *m = &f->c->shm->m;
    /* the library's own bits stay the library's: a helper that set
     * MMIO_ALLOCBUF would have it free a buffer it does not own */
    const DWORD kept = MMIO_RWMODE | MMIO_SHAREMODE | MMIO_CREATE | MMIO_PARSE |
                       MMIO_DELETE | MMIO_EXIST | MMIO_ALLOCBUF | MMIO_GETTEMP |
                       MMIO_DIRTY;
    f->mi->dwFlags = (f->mi->dwFlags & kept) | (m->flags & ~kept);
    f->mi->wErrorRet = m->error;
    memcpy(f->mi->adwInfo, m->info, sizeof f->mi->adwInfo);
    f->hpos = m->disk_offset;
    *result = (LRESULT)m->result;
    relay_said(m);
    return 0;
}

static int trip(struct pfile *f, UINT msg, LRESULT *result)
{
    return answer(f, msg, iso_round_trip(f->c), result);
}

/* Whether a READ or WRITE of `asked` at `at` answered within the rules
 * the library checks (at most what was asked, lDiskOffset moved by it). */
static int kept_rules(const struct pfile *f, LONG at, LRESULT r, int64_t asked)
{
    return r <= asked && (r < 0 || f->hpos == at + r);
}

/* A broken rule handed to the library as the plugin broke it, so that its
 * check (core/buffer.c) fails the call and names the rule: the answer
 * for a request of n, lDiskOffset where the plugin left it. */
static LRESULT as_broken(struct pfile *f, LRESULT r, int64_t asked, LONG n)
{
    f->mi->lDiskOffset = f->hpos;
    if (r > asked)
        return (LRESULT)n + 1;
    return r < n ? r : n;
}

/* ---- writes ------------------------------------------------------------- */
/* Sends the gathered writes: 0, or -1 when they failed. */
static int flush_batch(struct pfile *f)
{
    if (!f->batch)
        return f->failed && f->writing ? -1 : 0;
    uint32_t n = f->batch;
    LONG at = f->batch_at, end = f->mi->lDiskOffset;
    f->batch = 0;
    f->mi->lDiskOffset = at; /* as the plugin should see it */
    request(f, MMIOM_WRITE, 0, 0);
    f->c->shm->m.len = n;
    LRESULT r = -1;
    int ok = trip(f, MMIOM_WRITE, &r) == 0 && r == (LRESULT)n &&
             kept_rules(f, at, r, n);
    if (!ok && r >= 0 && !atomic_load(&f->h->dead))
        mmio_msg("%s: plugin %s, isolated: a gathered WRITE of %u bytes at %ld "
                 "answered %ld, lDiskOffset left at %ld; the write fails",
                 f->name, f->pp->iso->conf.name, n, (long)at, (long)r,
                 (long)f->hpos);
    f->mi->lDiskOffset = end;
    if (!ok)
        f->failed = 1;
    return ok ? 0 : -1;
}

static LRESULT do_write(struct pfile *f, UINT msg, const char *p, LONG n)
{
    settle(f); /* data is about to be written over */
    f->w[0].valid = f->w[1].valid = 0;
    if (n < 0)
        return -1;
    /* the first write after the open or a seek goes straight through: a
     * procedure that refuses what it is given (not its format, not a
     * rewrite) says so where in-process it would */
    int first = !f->gathering;
    f->writing = f->gathering = 1;
    if (!first && msg == MMIOM_WRITE && f->batch + (uint64_t)n > f->c->win &&
        flush_batch(f) != 0)
        return -1;
    if (!first && msg == MMIOM_WRITE && (uint64_t)n <= f->c->win) {
        if (!f->batch)
            f->batch_at = f->mi->lDiskOffset;
        memcpy(f->c->data + f->batch, p, (size_t)n);
        f->batch += (uint32_t)n;
        f->mi->lDiskOffset += n;
        return n;
    }
    if (flush_batch(f) != 0)
        return -1;
    LONG done = 0;
    do { /* in windows; the last piece carries WRITEFLUSH */
        uint32_t chunk =
            (uint32_t)(n - done) < f->c->win ? (uint32_t)(n - done) : f->c->win;
        LONG at = f->mi->lDiskOffset;
        UINT m = done + (LONG)chunk == n ? msg : MMIOM_WRITE;
        request(f, m, 0, 0);
        memcpy(f->c->data, p + done, chunk);
        f->c->shm->m.len = chunk;
        LRESULT r;
        if (trip(f, m, &r) != 0 || r < 0) {
            f->failed = 1;
            return done ? done : -1;
        }
        if (!kept_rules(f, at, r, chunk))
            return done ? done : as_broken(f, r, chunk, n);
        f->mi->lDiskOffset = at + (LONG)r;
        done += (LONG)r;
        if (r < (LRESULT)chunk)
            break;
    } while (done < n);
    return done;
}

/* ---- reads --------------------------------------------------------------
 * A sequential reader is served from two windows: while it copies out of
 * one, the helper fills the other (a READ handed over and answered later,
 * `ahead`), so the plugin's reading and the copy overlap. */

/* The slot whose window holds pos, or -1. */
static int window_at(const struct pfile *f, LONG pos)
{
    for (int k = 0; k < 2; k++)
        if (f->w[k].valid && pos >= f->w[k].start &&
            pos < f->w[k].start + (LONG)f->w[k].len)
            return k;
    return -1;
}

static unsigned char *slot_data(const struct pfile *f, int k)
{
    return f->c->data + (size_t)k * f->c->win;
}

/* Hands over a READ of a window into slot k at `at`, not waiting. */
static void read_ahead(struct pfile *f, int k, LONG at)
{
    f->w[k].valid = 0;
    request(f, MMIOM_READ, f->c->win, 0);
    struct mmio_serve_msg *m = &f->c->shm->m;
    m->sync = at != f->hpos;
    m->sync_offset = at;
    m->slot = (uint32_t)k;
    if (iso_post(f->c) == 0) {
        f->ahead = 1;
        f->ahead_slot = k;
        f->ahead_at = at;
    }
}

/* Takes the answer of a READ under way: 0, or -1 when the helper died. */
static int settle(struct pfile *f)
{
    if (!f->ahead)
        return 0;
    f->ahead = 0;
    LRESULT r;
    if (answer(f, MMIOM_READ, iso_collect(f->c), &r) != 0)
        return -1;
    /* a window that broke a rule is dropped: the read that needs it asks
     * again, and meets the rule itself */
    if (r > 0 && kept_rules(f, f->ahead_at, r, f->c->win) &&
        f->c->shm->m.len == (uint32_t)r) {
        f->w[f->ahead_slot] = (struct window){f->ahead_at, (uint32_t)r, 1};
        f->last = f->ahead_slot;
    }
    return 0;
}

static LRESULT do_read(struct pfile *f, char *p, LONG n)
{
    if (n < 0 || (f->batch && flush_batch(f) != 0))
        return -1;
    LONG done = 0;
    const LONG win = (LONG)f->c->win;
    int seq = f->mi->lDiskOffset == f->seq_next;
    while (done < n) {
        LONG pos = f->mi->lDiskOffset;
        int k = window_at(f, pos);
        if (k >= 0) {
            const struct window *w = &f->w[k];
            LONG have = w->start + (LONG)w->len - pos;
            LONG take = have < n - done ? have : n - done;
            memcpy(p + done, slot_data(f, k) + (pos - w->start), (size_t)take);
            done += take;
            f->mi->lDiskOffset = pos + take;
            continue;
        }
        if (f->ahead && f->ahead_at == pos) {
            if (settle(f) != 0)
                return done ? done : -1;
            k = window_at(f, pos);
            if (k >= 0 && f->w[k].len == (uint32_t)win)
                read_ahead(f, k ^ 1, pos + win);
            if (k >= 0)
                continue;
        }
        LONG want = n - done;
        if (seq && want < win)
            want = win;
        if (want > win)
            want = win;
        k = f->last ^ 1;
        f->w[k].valid = 0;
        request(f, MMIOM_READ, want, 0);
        f->c->shm->m.slot = (uint32_t)k;
        LRESULT r;
        if (trip(f, MMIOM_READ, &r) != 0)
            return done ? done : -1;
        if (!kept_rules(f, pos, r, want)) {
            if (done)
                return done; /* the next read meets it */
            LRESULT ans = as_broken(f, r, want, n - done);
            if (ans > 0 && ans <= n)
                memcpy(p, slot_data(f, k), (size_t)ans);
            return ans;
        }
        if (r <= 0) {
            if (r < 0 && !done)
                return -1;
            break; /* the end */
        }
        f->w[k] = (struct window){pos, (uint32_t)r, 1};
        f->last = k;
        if (seq && r == win)
            read_ahead(f, k ^ 1, pos + win);
    }
    f->seq_next = f->mi->lDiskOffset;
    return done;
}

/* ---- the procedure ------------------------------------------------------ */
/* A name as the procedure takes it (narrow, UTF-32 or UTF-16) in UTF-8,
 * for messages and for where its helper may write. */
static void utf8_of(LPARAM name, unsigned wide, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    if (!name)
        return;
    if (!wide) {
        snprintf(out, cap, "%s", (const char *)name);
        return;
    }
    const unsigned char *s = (const unsigned char *)name;
    for (;; s += wide) {
        uint32_t c;
        if (wide == 4) {
            memcpy(&c, s, 4);
        } else {
            uint16_t u, v;
            memcpy(&u, s, 2);
            c = u;
            if (u >= 0xD800 && u < 0xDC00) {
                memcpy(&v, s + 2, 2);
                if (v >= 0xDC00 && v < 0xE000) {
                    c = 0x10000 + ((uint32_t)(u - 0xD800) << 10) + (v - 0xDC00);
                    s += 2;
                }
            }
        }
        if (c == 0 || o + 5 > cap)
            break;
        if (c < 0x80) {
            out[o++] = (char)c;
        } else if (c < 0x800) {
            out[o++] = (char)(0xC0 | c >> 6);
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out[o++] = (char)(0xE0 | c >> 12);
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[o++] = (char)(0xF0 | c >> 18);
            out[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[o] = '\0';
}

static LRESULT do_open(struct proxy_proc *pp, MMIOINFO *mi, LPARAM name)
{
    struct mmio_isolated *iso = pp->iso;
    iso_say_pending(iso);
    struct pfile *f = mmio_sys_calloc(1, sizeof *f);
    if (!f)
        return MMIOERR_OUTOFMEMORY;
    f->mi = mi;
    f->pp = pp;
    f->seq_next = 0;
    char narrow[4200];
    utf8_of(name, pp->wide, narrow, sizeof narrow);
    size_t shown = strnlen(narrow, sizeof f->name - 1);
    memcpy(f->name, narrow, shown); /* for messages: a long one cut */
    f->name[shown] = '\0';
    /* the name's bytes, NUL included */
    size_t unit = pp->wide ? pp->wide : 1, len = 0;
    for (const unsigned char *s = (const unsigned char *)name; s;
         s += unit, len += unit) {
        int zero = 1;
        for (size_t k = 0; k < unit; k++)
            zero &= s[k] == 0;
        if (zero || len > MMIO_SERVE_WINDOW - 8)
            break;
    }
    len += unit;
    char why[500] = "", key[4400] = "";
    /* a file the plugin may change: its helper may write where it is */
    if ((mi->dwFlags &
         (MMIO_WRITE | MMIO_READWRITE | MMIO_CREATE | MMIO_DELETE)))
        iso_write_key(narrow, key, sizeof key);
    f->h = iso_helper_get(iso, key, why, sizeof why);
    if (!f->h) {
        mmio_msg("%s: plugin %s, isolated, cannot serve it: %s", f->name,
                 iso->conf.name, why);
        free(f);
        return MMIOERR_CANNOTOPEN;
    }
    f->c = iso_chan_get(f->h);
    if (!f->c && atomic_load(&f->h->dead)) {
        tell_dead(f, MMIOM_OPEN);
        file_free(f);
        return MMIOERR_CANNOTOPEN;
    }
    if (!f->c || !name || len > f->c->win || slot_take(iso, f) != 0) {
        file_free(f);
        return name ? MMIOERR_OUTOFMEMORY : MMIOERR_INVALIDFILE;
    }
    request(f, MMIOM_OPEN, 0, 0);
    f->c->shm->m.sync = 0;
    memcpy(f->c->data, (const void *)name, len);
    f->c->shm->m.len = (uint32_t)len;
    /* a route's options (the caller's, as mmioExtPluginOptions tells
     * them here) go with the file */
    const char *opts = mmioExtPluginOptions();
    size_t olen = strlen(opts) + 1;
    if (*opts && len + olen < f->c->win) {
        memcpy(f->c->data + len, opts, olen);
        f->c->shm->m.opts_at = (uint32_t)len;
    }
    LRESULT r;
    if (trip(f, MMIOM_OPEN, &r) != 0) {
        file_free(f);
        return MMIOERR_CANNOTOPEN;
    }
    f->mi->lDiskOffset = f->hpos;
    if (r != 0) {
        file_free(f);
        return r;
    }
    return 0;
}

static LRESULT do_close(struct pfile *f, LPARAM flags)
{
    int gathered_failed = flush_batch(f) != 0;
    LRESULT r = 0;
    if (!atomic_load(&f->h->dead)) {
        request(f, MMIOM_CLOSE, flags, 0);
        f->c->shm->m.sync = 0;
        if (trip(f, MMIOM_CLOSE, &r) != 0)
            r = f->writing ? MMIOERR_CANNOTWRITE : 0;
    } else {
        tell_dead(f, MMIOM_CLOSE);
        r = f->writing ? MMIOERR_CANNOTWRITE : 0;
    }
    if (r == 0 && gathered_failed)
        r = MMIOERR_CANNOTWRITE;
    file_free(f);
    return r;
}

static LRESULT do_seek(struct pfile *f, LPARAM off, LPARAM origin)
{
    if (flush_batch(f) != 0)
        return -1;
    request(f, MMIOM_SEEK, off, origin);
    if (origin != SEEK_CUR)
        f->c->shm->m.sync = 0; /* where it was does not matter */
    LRESULT r;
    if (trip(f, MMIOM_SEEK, &r) != 0)
        return -1;
    if (r >= 0)
        f->mi->lDiskOffset = f->hpos;
    f->gathering = 0;
    return r;
}

/* A question with no open file (RENAME, CAPS): a channel for one trip. */
static LRESULT ask(struct proxy_proc *pp, MMIOINFO *mi, UINT msg, LPARAM a,
                   LPARAM b)
{
    struct pfile f = {0};
    f.mi = mi;
    f.pp = pp;
    char why[500] = "", key[8800] = "";
    if (msg == MMIOM_RENAME) { /* where both names are */
        char name[4200];
        utf8_of(a, pp->wide, name, sizeof name);
        iso_write_key(name, key, sizeof key);
        utf8_of(b, pp->wide, name, sizeof name);
        iso_write_key(name, key, sizeof key);
    }
    f.h = iso_helper_get(pp->iso, key, why, sizeof why);
    if (!f.h) {
        mmio_msg("plugin %s, isolated, cannot answer: %s", pp->iso->conf.name,
                 why);
        return msg == MMIOM_CAPS ? 0 : MMIOERR_CANNOTOPEN;
    }
    f.c = iso_chan_get(f.h);
    LRESULT r = msg == MMIOM_CAPS ? 0 : MMIOERR_OUTOFMEMORY;
    if (f.c) {
        request(&f, msg, 0, 0);
        f.c->shm->m.sync = 0;
        size_t unit = pp->wide ? pp->wide : 1, off = 0;
        int fits = 1;
        for (int k = 0; msg == MMIOM_RENAME && k < 2; k++) {
            const unsigned char *s = (const unsigned char *)(k == 0 ? a : b);
            if (!s)
                s = (const unsigned char *)"\0\0\0";
            if (k == 1)
                f.c->shm->m.b = (int64_t)off;
            for (;; s += unit) {
                if (off + unit > f.c->win) {
                    fits = 0;
                    break;
                }
                memcpy(f.c->data + off, s, unit);
                off += unit;
                int zero = 1;
                for (size_t i = 0; i < unit; i++)
                    zero &= s[i] == 0;
                if (zero)
                    break;
            }
        }
        f.c->shm->m.len = (uint32_t)off;
        LRESULT got;
        if (!fits)
            r = MMIOERR_INVALIDFILE;
        else if (trip(&f, msg, &got) == 0)
            r = got;
        else
            r = msg == MMIOM_CAPS ? 0 : MMIOERR_CANNOTOPEN;
        iso_chan_put(f.c);
    }
    iso_helper_put(f.h);
    return r;
}

static LRESULT CALLBACK proxy(void *ctx, LPSTR info, UINT msg, LPARAM a,
                              LPARAM b)
{
    struct proxy_proc *pp = ctx;
    MMIOINFO *mi = (MMIOINFO *)info;
    if (!mi)
        return MMSYSERR_INVALPARAM;
    if (msg >= MMIOM_USER) {
        mmio_msg("plugin %s is isolated: user message 0x%x cannot reach it "
                 "(its parameters may be pointers into this process)",
                 pp->iso->conf.name, msg);
        return MMSYSERR_NOTSUPPORTED;
    }
    if (msg == MMIOM_OPEN)
        return do_open(pp, mi, a);
    if (msg == MMIOM_RENAME || msg == MMIOM_CAPS)
        return ask(pp, mi, msg, a, b);
    struct pfile *f = file_of(pp->iso, mi);
    if (!f)
        return msg == MMIOM_CLOSE ? MMSYSERR_INVALHANDLE : -1;
    if (f->failed && atomic_load(&f->h->dead) && msg != MMIOM_CLOSE) {
        tell_dead(f, msg);
        mi->wErrorRet = f->writing ? MMIOERR_CANNOTWRITE : MMIOERR_CANNOTREAD;
        return -1;
    }
    switch (msg) {
    case MMIOM_CLOSE:
        return do_close(f, a);
    case MMIOM_READ:
        return do_read(f, (char *)a, (LONG)b);
    case MMIOM_WRITE:
    case MMIOM_WRITEFLUSH:
        return do_write(f, msg, (const char *)a, (LONG)b);
    case MMIOM_SEEK:
        return do_seek(f, a, b);
    default:
        return MMSYSERR_NOTSUPPORTED; /* a message it cannot carry */
    }
}

/* ---- the plugin --------------------------------------------------------- */
static char *dup_or_null(const char *s, int *nomem)
{
    if (!s)
        return NULL;
    char *d = mmio_sys_strdup(s);
    *nomem |= !d;
    return d;
}

struct mmio_isolated *mmio_isolate_new(const struct mmio_isolate_conf *conf)
{
    struct mmio_isolated *iso = mmio_sys_calloc(1, sizeof *iso);
    if (!iso)
        return NULL;
    int nomem = 0;
    iso->conf = *conf;
    iso->conf.helper = dup_or_null(conf->helper, &nomem);
    iso->conf.path = dup_or_null(conf->path, &nomem);
    iso->conf.symbol = dup_or_null(conf->symbol, &nomem);
    iso->conf.name = dup_or_null(conf->name ? conf->name : conf->path, &nomem);
    iso->conf.options = dup_or_null(conf->options ? conf->options : "", &nomem);
    if (nomem) {
        free((char *)iso->conf.helper);
        free((char *)iso->conf.path);
        free((char *)iso->conf.symbol);
        free((char *)iso->conf.name);
        free((char *)iso->conf.options);
        free(iso);
        return NULL;
    }
    pthread_mutex_init(&iso->lock, NULL);
    pthread_cond_init(&iso->cond, NULL);
    return iso;
}

MMRESULT mmio_isolate_install(struct mmio_isolated *iso)
{
    char why[500] = "";
    struct helper *h = iso_helper_get(iso, "", why, sizeof why);
    if (!h) {
        mmio_msg("plugin %s (%s), isolated: %s", iso->conf.name, iso->conf.path,
                 why);
        return MMIOERR_INVALIDFILE;
    }
    iso_helper_put(h);
    for (int i = 0; i < iso->nprocs; i++) {
        struct proxy_proc *pp = &iso->procs[i];
        if (!pp->closure)
            pp->closure = mmioExtClosureCreate(proxy, pp);
        if (!pp->closure)
            return MMSYSERR_NOMEM;
        LPMMIOPROC done;
        if (pp->wide == 2)
            done =
                mmioExtInstallIOProcW16(pp->fcc, pp->closure, MMIO_INSTALLPROC);
        else
            done = mmioInstallIOProc(pp->fcc, pp->closure,
                                     MMIO_INSTALLPROC |
                                         (pp->wide ? MMIO_UNICODEPROC : 0));
        if (!done)
            return MMSYSERR_ERROR;
    }
    return iso->nprocs > 0 ? MMSYSERR_NOERROR : MMIOERR_INVALIDFILE;
}

int mmio_isolate_broken(struct mmio_isolated *iso, char *why, size_t cap)
{
    pthread_mutex_lock(&iso->lock);
    int b = iso->broken;
    if (b)
        snprintf(why, cap, "%s", iso->broken_why);
    pthread_mutex_unlock(&iso->lock);
    return b;
}
