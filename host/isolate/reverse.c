/* SPDX-License-Identifier: MIT */
/*
 * reverse.c - what a helper asks of the application: the files its plugin
 * opens through procedures that are not its own (a container served by
 * another plugin, in-process or isolated, or by a procedure the
 * application installed).  They are opened here, unbuffered, and kept in
 * the helper's table: a handle the helper names that is not in it is
 * refused, and whatever a dead helper left open is closed when its last
 * file is.
 */
#define _GNU_SOURCE
#include "iso.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int keep(struct helper *h, HMMIO hm)
{
    pthread_mutex_lock(&h->iso->lock);
    int rc = mmio_ptrs_push(&h->handles, &h->nhandles, &h->caphandles, hm);
    pthread_mutex_unlock(&h->iso->lock);
    return rc;
}

/* The handle the helper names, if it is one of its own (removed from the
 * table when `take`). */
static HMMIO known(struct helper *h, uint64_t v, int take)
{
    HMMIO found = NULL;
    pthread_mutex_lock(&h->iso->lock);
    for (size_t i = 0; i < h->nhandles; i++)
        if ((uint64_t)(uintptr_t)h->handles[i] == v) {
            found = h->handles[i];
            if (take)
                h->handles[i] = h->handles[--h->nhandles];
            break;
        }
    pthread_mutex_unlock(&h->iso->lock);
    return found;
}

/* A NUL-terminated copy of rdata's bytes [off, len). */
static char *name_at(const unsigned char *data, uint32_t len, int64_t off)
{
    if (off < 0 || off >= (int64_t)len)
        return NULL;
    size_t n = strnlen((const char *)data + off, len - (size_t)off);
    char *s = mmio_sys_malloc(n + 1);
    if (s) {
        memcpy(s, data + off, n);
        s[n] = '\0';
    }
    return s;
}

static LRESULT caps_of(FOURCC fcc)
{
    LPMMIOPROC proc = mmioInstallIOProc(fcc, NULL, MMIO_FINDPROC);
    if (!proc)
        return 0;
    MMIOINFO mi = {0};
    mi.fccIOProc = fcc;
    mi.pIOProc = proc;
    return proc((LPSTR)&mi, MMIOM_CAPS, 0, 0);
}

void iso_serve_call(struct chan *c)
{
    struct helper *h = c->h;
    struct mmio_serve_chan *s = c->shm;
    struct mmio_serve_call r = s->r; /* read once: the helper may scribble */
    uint32_t len = r.len < c->win ? r.len : c->win;
    int64_t result = -1;
    uint32_t out_len = 0;
    uint64_t handle = 0;
    HMMIO hm = NULL;
    switch (r.op) {
    case MMIOM_OPEN: {
        char *name = name_at(c->rdata, len, 0);
        DWORD flags = r.flags & (MMIO_RWMODE | MMIO_SHAREMODE | MMIO_CREATE |
                                 MMIO_EXIST | MMIO_DELETE);
        MMIOINFO info = {0};
        hm = name ? mmioOpen(name, &info, flags) : NULL;
        free(name);
        result = hm ? 0 : info.wErrorRet ? info.wErrorRet : MMIOERR_CANNOTOPEN;
        if (hm && !(flags & (MMIO_EXIST | MMIO_DELETE))) {
            if (keep(h, hm) != 0) {
                mmioClose(hm, 0);
                result = MMIOERR_OUTOFMEMORY;
            } else {
                handle = (uint64_t)(uintptr_t)hm;
            }
        }
        break;
    }
    case MMIOM_CLOSE:
        if ((hm = known(h, r.handle, 1)) != NULL)
            result = mmioClose(hm, (UINT)r.a);
        break;
    case MMIOM_READ:
        if ((hm = known(h, r.handle, 0)) != NULL && r.a >= 0 && r.a <= c->win) {
            result = mmioRead(hm, (HPSTR)c->rdata, (LONG)r.a);
            out_len = result > 0 ? (uint32_t)result : 0;
        }
        break;
    case MMIOM_WRITE:
    case MMIOM_WRITEFLUSH:
        if ((hm = known(h, r.handle, 0)) != NULL) {
            result = mmioWrite(hm, (const char *)c->rdata, (LONG)len);
            if (r.op == MMIOM_WRITEFLUSH && result >= 0 &&
                mmioFlush(hm, 0) != 0)
                result = -1;
        }
        break;
    case MMIOM_SEEK:
        if ((hm = known(h, r.handle, 0)) != NULL)
            result = mmioSeek(hm, (LONG)r.a, (int)r.b);
        break;
    case MMIOM_RENAME: {
        char *from = name_at(c->rdata, len, 0);
        char *to = name_at(c->rdata, len, r.b);
        result =
            from && to ? mmioRename(from, to, NULL, 0) : MMIOERR_INVALIDFILE;
        free(from);
        free(to);
        break;
    }
    case MMIOM_CAPS:
        result = caps_of(r.fcc);
        break;
    default:
        result = MMSYSERR_NOTSUPPORTED;
        break;
    }
    s->r.result = result;
    s->r.handle = handle ? handle : r.handle;
    s->r.len = out_len;
}

void iso_close_left(struct helper *h)
{
    HMMIO *handles = h->handles;
    size_t n = h->nhandles, kept = 0;
    h->handles = NULL;
    h->nhandles = 0;
    for (size_t i = 0; i < n; i++) {
        MMIOINFO info;
        /* a file the dead plugin was writing is left open: closing it
         * would commit what it had written so far (a member put in its
         * archive, an upload completed), and mmio has no abort */
        if (mmioGetInfo(handles[i], &info, 0) == 0 &&
            (info.dwFlags & MMIO_RWMODE) != MMIO_READ)
            kept++;
        else
            mmioClose(handles[i], 0);
    }
    free(handles);
    if (kept) { /* said on the application's next call (any thread here) */
        pthread_mutex_lock(&h->iso->lock);
        snprintf(h->iso->pending, sizeof h->iso->pending,
                 "%zu file(s) that plugin %s was writing through other "
                 "procedures are left open, uncommitted",
                 kept, h->iso->conf.name);
        pthread_mutex_unlock(&h->iso->lock);
    }
}
