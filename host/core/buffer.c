/* SPDX-License-Identifier: MIT */
/*
 * buffer.c - buffered I/O over a procedure: mmioRead, mmioWrite, mmioSeek,
 * mmioFlush, mmioAdvance, mmioGetInfo, mmioSetInfo, mmioSetBuffer.
 *
 * The buffer holds the file bytes [lBufOffset, lBufOffset + (pchEndRead -
 * pchBuffer)); pchNext is the current position inside it, so the position
 * is always lBufOffset + (pchNext - pchBuffer).  Written bytes extend
 * pchEndRead and mark the buffer MMIO_DIRTY; a write-back sends that whole
 * valid range.  Requests at least as large as the buffer bypass it.
 * lDiskOffset is the procedure's own position; it is moved (MMIOM_SEEK)
 * only when a transfer needs it elsewhere.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int is_buffered(const mmio_file *f)
{
    return f->info.pchBuffer != NULL;
}

LONG mmio_tell(const mmio_file *f)
{
    if (!is_buffered(f))
        return f->info.lBufOffset;
    /* never past INT32_MAX: writes and reads stop at the LONG limit */
    int64_t pos = (int64_t)f->info.lBufOffset +
                  (int64_t)(f->info.pchNext - f->info.pchBuffer);
    return pos > INT32_MAX ? INT32_MAX : (LONG)pos;
}

/* How much of cch fits before the LONG limit of positions. */
static LONG room_to_limit(const mmio_file *f, LONG cch)
{
    int64_t room = (int64_t)INT32_MAX - mmio_tell(f);
    return cch > room ? (LONG)(room > 0 ? room : 0) : cch;
}

static LONG buffered_bytes(const mmio_file *f)
{
    return is_buffered(f) ? (LONG)(f->info.pchEndRead - f->info.pchBuffer) : 0;
}

/* Empties the buffer and places it at pos. */
static void reset_buffer(mmio_file *f, LONG pos)
{
    f->info.lBufOffset = pos;
    f->info.pchNext = f->info.pchEndRead = f->info.pchBuffer;
}

/* ---- the contract, enforced: a procedure's answers are checked ---------
 * A READ or WRITE answers at most what was asked and moves lDiskOffset by
 * exactly its answer; a SEEK leaves lDiskOffset where it answers.  One that
 * does otherwise fails the call, with a message naming the procedure and
 * the rule: a forgotten offset update must never loop (the same bytes read
 * for ever), a lie must never pass for data. */

#define UNKNOWN_DISK_OFFSET (-1) /* the procedure is somewhere: seek first */

static void broke(const mmio_file *f, const char *rule, LRESULT got,
                  LONG before)
{
    char fcc[5];
    mmio_fourcc_text(f->info.fccIOProc, fcc);
    mmio_msg("procedure '%s' (%s) broke the contract: %s (it answered %ld; "
             "lDiskOffset went from %ld to %ld); the call fails. See the "
             "plugin guide, \"The procedure\"",
             fcc, mmio_file_source(f), rule, (long)got, (long)before,
             (long)f->info.lDiskOffset);
}

/* MMIOM_READ, _WRITE or _WRITEFLUSH of n bytes at lDiskOffset: the
 * answer, or -1 (the procedure's error, or a broken rule). */
static LRESULT transfer(mmio_file *f, UINT msg, char *p, LONG n)
{
    LONG before = f->info.lDiskOffset;
    LRESULT r = mmio_send(f, msg, (LPARAM)p, n);
    if (r < 0)
        return -1;
    if (r > n) {
        broke(f,
              msg == MMIOM_READ ? "a read answered more than was asked"
                                : "a write answered more than was asked",
              r, before);
    } else if ((int64_t)f->info.lDiskOffset != (int64_t)before + r) {
        broke(f,
              msg == MMIOM_READ
                  ? "a read must move lDiskOffset by the bytes it read"
                  : "a write must move lDiskOffset by the bytes it wrote",
              r, before);
    } else {
        return r;
    }
    f->info.lDiskOffset = UNKNOWN_DISK_OFFSET;
    return -1;
}

/* MMIOM_SEEK: the answer, or -1 (an error, or lDiskOffset left elsewhere
 * than the answer). */
static LRESULT seek_proc(mmio_file *f, LONG offset, int origin)
{
    LONG before = f->info.lDiskOffset;
    LRESULT r = mmio_send(f, MMIOM_SEEK, offset, origin);
    if (r < 0 || r > INT32_MAX)
        return -1;
    if (f->info.lDiskOffset != (LONG)r) {
        broke(f, "a seek must leave lDiskOffset where it answers", r, before);
        f->info.lDiskOffset = UNKNOWN_DISK_OFFSET;
        return -1;
    }
    return r;
}

/* Moves the procedure's position to pos when it is elsewhere. */
static int seek_disk(mmio_file *f, LONG pos)
{
    if (f->info.lDiskOffset == pos)
        return 0;
    return seek_proc(f, pos, SEEK_SET) == pos ? 0 : -1;
}

MMRESULT mmio_writeback(mmio_file *f, UINT msg)
{
    if (!(f->info.dwFlags & MMIO_DIRTY))
        return 0;
    if (!f->is_mem) {
        LONG n = buffered_bytes(f);
        if (n > 0) {
            if (seek_disk(f, f->info.lBufOffset) != 0)
                return MMIOERR_CANNOTWRITE;
            /* Still dirty on failure: a later flush can try again. */
            if (transfer(f, msg, f->info.pchBuffer, n) != n)
                return MMIOERR_CANNOTWRITE;
        }
    }
    f->info.dwFlags &= ~(DWORD)MMIO_DIRTY;
    return 0;
}

/* Calls the procedure until cch bytes moved, end of file or an error. */
static LONG direct_transfer(mmio_file *f, UINT msg, char *p, LONG cch)
{
    LONG done = 0, start = mmio_tell(f);
    if (seek_disk(f, start) != 0)
        return -1;
    while (done < cch) {
        LRESULT r = transfer(f, msg, p + done, cch - done);
        if (r < 0) {
            if (done == 0)
                return -1;
            break; /* what moved before the error stands */
        }
        if (r == 0)
            break;
        done += (LONG)r;
    }
    /* The file is where the bytes that moved end (after a broken rule the
     * procedure's own position is unknown: the next transfer seeks). */
    if (is_buffered(f))
        reset_buffer(f, start + done);
    else
        f->info.lBufOffset = start + done;
    return done;
}

/* Loads the buffer from the current position; bytes read or -1. */
static LONG fill_buffer(mmio_file *f)
{
    LONG pos = mmio_tell(f);
    if (mmio_writeback(f, MMIOM_WRITE) != 0)
        return -1;
    reset_buffer(f, pos);
    if (f->info.cchBuffer == 0)
        return 0;
    if (seek_disk(f, pos) != 0)
        return -1;
    LRESULT r = transfer(f, MMIOM_READ, f->info.pchBuffer, f->info.cchBuffer);
    if (r < 0)
        return -1; /* more than the buffer holds is an error, not data */
    f->info.pchEndRead = f->info.pchBuffer + r;
    return (LONG)r;
}

static LONG take_from_buffer(mmio_file *f, char *dst, LONG cch)
{
    LONG avail = (LONG)(f->info.pchEndRead - f->info.pchNext);
    LONG n = avail < cch ? avail : cch;
    if (n <= 0)
        return 0;
    memcpy(dst, f->info.pchNext, (size_t)n);
    f->info.pchNext += n;
    return n;
}

LONG mmio_read(mmio_file *f, char *dst, LONG cch)
{
    if ((f->info.dwFlags & MMIO_RWMODE) == MMIO_WRITE || cch < 0 ||
        (cch > 0 && !dst))
        return -1;
    cch = room_to_limit(f, cch);
    if (!is_buffered(f))
        return f->is_mem ? 0 : direct_transfer(f, MMIOM_READ, dst, cch);

    LONG done = take_from_buffer(f, dst, cch);
    if (done == cch || f->is_mem)
        return done;
    if (cch >= f->info.cchBuffer) { /* large: straight to the procedure */
        if (mmio_writeback(f, MMIOM_WRITE) != 0)
            return done ? done : -1;
        LONG r = direct_transfer(f, MMIOM_READ, dst + done, cch - done);
        if (r < 0)
            return done ? done : -1;
        return done + r;
    }
    while (done < cch) {
        LONG r = fill_buffer(f);
        if (r < 0)
            return done ? done : -1;
        if (r == 0)
            break;
        done += take_from_buffer(f, dst + done, cch - done);
    }
    return done;
}

static void put_in_buffer(mmio_file *f, const char *src, LONG n)
{
    memcpy(f->info.pchNext, src, (size_t)n);
    f->info.pchNext += n;
    if (f->info.pchNext > f->info.pchEndRead)
        f->info.pchEndRead = f->info.pchNext;
}

static LONG mem_write(mmio_file *f, const char *src, LONG cch)
{
    LONG room =
        is_buffered(f) ? (LONG)(f->info.pchEndWrite - f->info.pchNext) : 0;
    if (room < cch && mmio_mem_grow(f, cch - room) == 0)
        room = (LONG)(f->info.pchEndWrite - f->info.pchNext);
    LONG n = room < cch ? room : cch;
    if (n <= 0)
        return cch == 0 ? 0 : -1;
    put_in_buffer(f, src, n);
    return n;
}

LONG mmio_write(mmio_file *f, const char *src, LONG cch)
{
    if ((f->info.dwFlags & MMIO_RWMODE) == MMIO_READ || cch < 0 ||
        (cch > 0 && !src) || room_to_limit(f, cch) < cch)
        return -1; /* past the LONG limit of positions: refused whole */
    if (f->is_mem)
        return mem_write(f, src, cch);
    if (!is_buffered(f))
        return direct_transfer(f, MMIOM_WRITE, (char *)(uintptr_t)src, cch);
    if (cch >= f->info.cchBuffer) { /* large: straight to the procedure */
        if (mmio_writeback(f, MMIOM_WRITE) != 0)
            return -1;
        return direct_transfer(f, MMIOM_WRITE, (char *)(uintptr_t)src, cch);
    }
    LONG done = 0;
    while (done < cch) {
        LONG room = (LONG)(f->info.pchEndWrite - f->info.pchNext);
        if (room == 0) {
            LONG pos = mmio_tell(f);
            if (mmio_writeback(f, MMIOM_WRITE) != 0)
                return done ? done : -1;
            reset_buffer(f, pos);
            continue;
        }
        LONG n = room < cch - done ? room : cch - done;
        put_in_buffer(f, src + done, n);
        f->info.dwFlags |= MMIO_DIRTY;
        done += n;
    }
    return done;
}

LONG mmio_seek(mmio_file *f, LONG offset, int origin)
{
    int64_t target;
    if (f->is_mem) {
        LONG size = buffered_bytes(f);
        switch (origin) {
        case SEEK_SET:
            target = offset;
            break;
        case SEEK_CUR:
            target = (int64_t)mmio_tell(f) + offset;
            break;
        case SEEK_END:
            target = (int64_t)size - offset;
            break;
        default:
            return -1;
        }
        if (target < 0 || target > f->info.cchBuffer)
            return -1;
        if (f->info.pchBuffer)
            f->info.pchNext = f->info.pchBuffer + target;
        return (LONG)target;
    }
    if (origin == SEEK_END) {
        /* Only the procedure knows where the end is. */
        if (mmio_writeback(f, MMIOM_WRITE) != 0)
            return -1;
        LRESULT r = seek_proc(f, offset, SEEK_END);
        if (r < 0)
            return -1;
        reset_buffer(f, (LONG)r);
        return (LONG)r;
    }
    if (origin == SEEK_SET)
        target = offset;
    else if (origin == SEEK_CUR)
        target = (int64_t)mmio_tell(f) + offset;
    else
        return -1;
    if (target < 0 || target > INT32_MAX)
        return -1;
    if (is_buffered(f) && target >= f->info.lBufOffset &&
        target <= (int64_t)f->info.lBufOffset + buffered_bytes(f)) {
        f->info.pchNext = f->info.pchBuffer + (target - f->info.lBufOffset);
        return (LONG)target;
    }
    if (!is_buffered(f) && target == f->info.lDiskOffset) {
        f->info.lBufOffset = (LONG)target;
        return (LONG)target;
    }
    if (mmio_writeback(f, MMIOM_WRITE) != 0)
        return -1;
    if (seek_proc(f, (LONG)target, SEEK_SET) != target)
        return -1;
    reset_buffer(f, (LONG)target);
    return (LONG)target;
}

MMRESULT mmio_buffer_init(mmio_file *f, HPSTR buf, LONG cch, DWORD flags)
{
    MMIOINFO *mi = &f->info;
    if (cch < 0)
        return MMSYSERR_INVALPARAM;
    mi->dwFlags &= ~(DWORD)MMIO_ALLOCBUF;
    /* MMIO_ALLOCBUF with no size: a default buffer, or the caller's block
     * taken as that long (as Windows does; it stays the caller's) */
    if (cch == 0 && (flags & MMIO_ALLOCBUF))
        cch = MMIO_DEFAULTBUFFER;
    if (cch == 0) { /* unbuffered, or the caller's zero-size buffer */
        mi->pchBuffer = mi->pchNext = mi->pchEndRead = mi->pchEndWrite = buf;
        mi->cchBuffer = 0;
        return 0;
    }
    if (!buf) {
        buf = mmio_sys_malloc((size_t)cch);
        if (!buf)
            return MMIOERR_OUTOFMEMORY;
        mi->dwFlags |= MMIO_ALLOCBUF;
    }
    mi->pchBuffer = mi->pchNext = mi->pchEndRead = buf;
    mi->pchEndWrite = buf + cch;
    mi->cchBuffer = cch;
    return 0;
}

void mmio_buffer_release(mmio_file *f)
{
    if (f->info.dwFlags & MMIO_ALLOCBUF)
        free(f->info.pchBuffer);
    f->info.pchBuffer = f->info.pchNext = NULL;
    f->info.pchEndRead = f->info.pchEndWrite = NULL;
    f->info.cchBuffer = 0;
    f->info.dwFlags &= ~(DWORD)MMIO_ALLOCBUF;
}

/* Takes back the caller's buffer pointers after direct buffer access. */
static MMRESULT take_caller_pointers(mmio_file *f, const MMIOINFO *ci)
{
    MMIOINFO *mi = &f->info;
    if (!is_buffered(f))
        return 0;
    const char *lo = mi->pchBuffer;
    const char *hi = mi->pchBuffer + mi->cchBuffer;
    if (ci->pchNext < lo || ci->pchNext > hi || ci->pchEndRead < lo ||
        ci->pchEndRead > hi)
        return MMSYSERR_INVALPARAM;
    mi->pchNext = ci->pchNext;
    mi->pchEndRead = ci->pchEndRead;
    if (ci->dwFlags & MMIO_DIRTY)
        mi->dwFlags |= MMIO_DIRTY;
    /* Bytes written through pchNext are file contents now. */
    if (mi->pchNext > mi->pchEndRead && (mi->dwFlags & MMIO_DIRTY || f->is_mem))
        mi->pchEndRead = mi->pchNext;
    return 0;
}

/* ---- the public functions ---------------------------------------------- */

LONG mmioRead(HMMIO hmmio, HPSTR pch, LONG cch)
{
    mmio_file *f = mmio_handle_get(hmmio);
    return f ? mmio_read(f, pch, cch) : -1;
}

LONG mmioWrite(HMMIO hmmio, const char *pch, LONG cch)
{
    mmio_file *f = mmio_handle_get(hmmio);
    return f ? mmio_write(f, pch, cch) : -1;
}

LONG mmioSeek(HMMIO hmmio, LONG lOffset, int iOrigin)
{
    mmio_file *f = mmio_handle_get(hmmio);
    return f ? mmio_seek(f, lOffset, iOrigin) : -1;
}

MMRESULT mmioGetInfo(HMMIO hmmio, LPMMIOINFO pmmioinfo, UINT fuInfo)
{
    (void)fuInfo;
    mmio_file *f = mmio_handle_get(hmmio);
    if (!f)
        return MMSYSERR_INVALHANDLE;
    if (!pmmioinfo)
        return MMSYSERR_INVALPARAM;
    *pmmioinfo = f->info;
    pmmioinfo->hmmio = hmmio;
    return MMSYSERR_NOERROR;
}

MMRESULT mmioSetInfo(HMMIO hmmio, LPCMMIOINFO pmmioinfo, UINT fuInfo)
{
    (void)fuInfo;
    mmio_file *f = mmio_handle_get(hmmio);
    if (!f)
        return MMSYSERR_INVALHANDLE;
    if (!pmmioinfo)
        return MMSYSERR_INVALPARAM;
    return take_caller_pointers(f, pmmioinfo);
}

MMRESULT mmioSetBuffer(HMMIO hmmio, LPSTR pchBuffer, LONG cchBuffer,
                       UINT fuBuffer)
{
    mmio_file *f = mmio_handle_get(hmmio);
    if (!f)
        return MMSYSERR_INVALHANDLE;
    if (cchBuffer < 0)
        return MMSYSERR_INVALPARAM;
    if (mmio_writeback(f, MMIOM_WRITE) != 0)
        return MMIOERR_CANNOTWRITE;
    /* A memory file's buffer is the file: the new buffer is a new, empty
     * file at position 0 (the old block goes if the library owned it). */
    LONG pos = f->is_mem ? 0 : mmio_tell(f);
    char *nb = pchBuffer;
    int allocated = 0;
    if (!nb && cchBuffer > 0) {
        nb = mmio_sys_malloc((size_t)cchBuffer);
        if (!nb)
            return MMIOERR_OUTOFMEMORY;
        allocated = 1;
    }
    (void)fuBuffer; /* MMIO_ALLOCBUF or not, a NULL buffer is allocated */
    mmio_buffer_release(f);
    MMIOINFO *mi = &f->info;
    mi->dwFlags &= ~(DWORD)(MMIO_ALLOCBUF | MMIO_DIRTY);
    if (allocated)
        mi->dwFlags |= MMIO_ALLOCBUF;
    mi->pchBuffer = mi->pchNext = mi->pchEndRead = nb;
    mi->pchEndWrite = nb ? nb + cchBuffer : NULL;
    mi->cchBuffer = nb ? cchBuffer : 0;
    mi->lBufOffset = pos;
    if (f->is_mem)
        mi->lDiskOffset = 0;
    return MMSYSERR_NOERROR;
}

MMRESULT mmioFlush(HMMIO hmmio, UINT fuFlush)
{
    mmio_file *f = mmio_handle_get(hmmio);
    if (!f)
        return MMSYSERR_INVALHANDLE;
    MMRESULT rc = mmio_writeback(f, MMIOM_WRITEFLUSH);
    if (rc == 0 && (fuFlush & MMIO_EMPTYBUF) && is_buffered(f) && !f->is_mem)
        reset_buffer(f, mmio_tell(f));
    return rc;
}

MMRESULT mmioAdvance(HMMIO hmmio, LPMMIOINFO pmmioinfo, UINT fuAdvance)
{
    mmio_file *f = mmio_handle_get(hmmio);
    if (!f)
        return MMSYSERR_INVALHANDLE;
    if (!is_buffered(f) && !f->is_mem)
        return MMIOERR_UNBUFFERED;
    MMRESULT rc = 0;
    if (pmmioinfo)
        rc = take_caller_pointers(f, pmmioinfo);
    MMIOINFO *mi = &f->info;
    DWORD rw = mi->dwFlags & MMIO_RWMODE;
    if (rc != 0) {
        /* the caller's pointers are not ours */
    } else if (f->is_mem) {
        /* Nothing to load; writing past the end needs a bigger block. */
        if (fuAdvance == MMIO_WRITE && mi->pchNext == mi->pchEndWrite)
            rc = mmio_mem_grow(f, 1);
    } else if (fuAdvance == MMIO_WRITE) {
        LONG pos = mmio_tell(f);
        if (rw == MMIO_READ || mmio_writeback(f, MMIOM_WRITE) != 0)
            rc = MMIOERR_CANNOTWRITE;
        else
            reset_buffer(f, pos);
    } else if (rw == MMIO_WRITE || fill_buffer(f) < 0) {
        rc = MMIOERR_CANNOTREAD;
    }
    if (pmmioinfo) {
        pmmioinfo->pchBuffer = mi->pchBuffer;
        pmmioinfo->cchBuffer = mi->cchBuffer;
        pmmioinfo->pchNext = mi->pchNext;
        pmmioinfo->pchEndRead = mi->pchEndRead;
        pmmioinfo->pchEndWrite = mi->pchEndWrite;
        pmmioinfo->lBufOffset = mi->lBufOffset;
        pmmioinfo->lDiskOffset = mi->lDiskOffset;
        pmmioinfo->dwFlags = (pmmioinfo->dwFlags & ~(DWORD)MMIO_DIRTY) |
                             (mi->dwFlags & MMIO_DIRTY);
    }
    return rc;
}
