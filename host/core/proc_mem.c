/* SPDX-License-Identifier: MIT */
/*
 * proc_mem.c - memory files.  The caller's block (or one the library
 * allocates) is the file and also the buffer, so buffer.c does the reading
 * and writing; this file sets the block up and grows it.  Writes never go
 * past the block: a block is grown only when the caller made it expandable
 * (adwInfo[0] = the increment).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

LRESULT CALLBACK mmio_proc_mem(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    (void)info;
    (void)a;
    (void)b;
    switch (msg) {
    case MMIOM_READ: /* everything there is lives in the buffer already */
        return 0;
    case MMIOM_WRITE:
    case MMIOM_WRITEFLUSH:
    case MMIOM_SEEK:
        return -1;
    case MMIOM_OPEN:
    case MMIOM_CLOSE: /* nothing to do */
        return 0;
    default: /* never 0 for what it does not do */
        return MMSYSERR_NOTSUPPORTED;
    }
}

MMRESULT mmio_mem_init(mmio_file *f, HPSTR buf, LONG cch, DWORD flags)
{
    MMIOINFO *mi = &f->info;
    if (cch < 0)
        return MMSYSERR_INVALPARAM;
    mi->dwFlags &= ~MMIO_ALLOCBUF;
    /* MMIO_ALLOCBUF with no size: a default block, or the caller's block
     * taken as that long (as Windows does) */
    if (cch == 0 && (flags & MMIO_ALLOCBUF))
        cch = MMIO_DEFAULTBUFFER;
    if (!buf && cch > 0) {
        buf = mmio_sys_calloc(1, (size_t)cch);
        if (!buf)
            return MMIOERR_OUTOFMEMORY;
        mi->dwFlags |= MMIO_ALLOCBUF;
    }
    f->is_mem = 1;
    mi->pchBuffer = buf;
    mi->cchBuffer = cch;
    mi->pchNext = buf;
    if (buf) {
        mi->pchEndWrite = buf + cch;
        /* A memory file opened with MMIO_CREATE starts empty. */
        mi->pchEndRead = (flags & MMIO_CREATE) ? buf : buf + cch;
    } else {
        mi->pchEndWrite = mi->pchEndRead = NULL;
    }
    return 0;
}

MMRESULT mmio_mem_grow(mmio_file *f, LONG need)
{
    MMIOINFO *mi = &f->info;
    DWORD inc = mi->adwInfo[0];
    if (inc == 0 || need <= 0)
        return MMIOERR_CANNOTEXPAND;
    int64_t steps = ((int64_t)need + inc - 1) / inc;
    int64_t cap = (int64_t)mi->cchBuffer + steps * (int64_t)inc;
    if (cap > INT32_MAX)
        return MMIOERR_CANNOTEXPAND;
    size_t next = mi->pchBuffer ? (size_t)(mi->pchNext - mi->pchBuffer) : 0;
    size_t end = mi->pchBuffer ? (size_t)(mi->pchEndRead - mi->pchBuffer) : 0;
    char *nb;
    if (mi->dwFlags & MMIO_ALLOCBUF) {
        nb = mmio_sys_realloc(mi->pchBuffer, (size_t)cap);
    } else {
        /* Never realloc the caller's block: it may not come from malloc.
         * From here on the block is the library's, freed at close. */
        nb = mmio_sys_malloc((size_t)cap);
        if (nb && mi->pchBuffer && mi->cchBuffer > 0)
            memcpy(nb, mi->pchBuffer, (size_t)mi->cchBuffer);
    }
    if (!nb)
        return MMIOERR_OUTOFMEMORY;
    memset(nb + mi->cchBuffer, 0, (size_t)(cap - mi->cchBuffer));
    mi->dwFlags |= MMIO_ALLOCBUF;
    mi->pchBuffer = nb;
    mi->cchBuffer = (LONG)cap;
    mi->pchNext = nb + next;
    mi->pchEndRead = nb + end;
    mi->pchEndWrite = nb + cap;
    return 0;
}
