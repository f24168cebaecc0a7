/* SPDX-License-Identifier: MIT */
/*
 * open.c - opening and closing: mmioOpen (with its special flags EXIST,
 * DELETE, PARSE and GETTEMP), mmioClose, mmioRename and mmioSendMessage,
 * the choice of the procedure a name selects, and composition: the
 * containers procedures open through mmio (mmioPluginOpenContainer), how
 * deep names nest, and what a procedure guarantees (mmioPluginQueryCaps).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* How many MMIOM_OPENs this thread is inside: a procedure opening its
 * container opens it from inside its own MMIOM_OPEN, so this is the depth
 * of the name being resolved.  Past MMIO_MAX_NESTING the open fails (a
 * name of a thousand '+' levels is an error, not a stack overflow). */
static _Thread_local unsigned open_depth;
/* Whether the level that failed already said so: the levels above it fail
 * with its error and say nothing more (one message per outer open). */
static _Thread_local int failure_said;

#define TRANSIENT_FLAGS                                                        \
    (MMIO_PARSE | MMIO_DELETE | MMIO_EXIST | MMIO_GETTEMP | MMIO_DIRTY)

struct choice {
    FOURCC fcc;
    LPMMIOPROC proc;
    struct mmio_reg_entry *pin;
    unsigned wide; /* 0, or the WCHAR size the procedure takes names in */
};

/* Which procedure opens a file, in the order Windows tries them: the
 * caller's pIOProc, else the procedure installed for the caller's
 * fccIOProc, else the one for the extension before the name's last '+',
 * else the built-in DOS procedure. */
static UINT choose_proc(const char *name, const MMIOINFO *in, struct choice *c,
                        unsigned caller_wide)
{
    c->pin = NULL;
    c->wide = 0;
    UINT rc = 0;
    if (in->htask && !mmio_task_valid(in->htask))
        return MMSYSERR_INVALHANDLE; /* never another task's procedure */
    if (in->pIOProc) { /* installed for this open, as the caller speaks */
        c->fcc = in->fccIOProc;
        c->proc = in->pIOProc;
        c->wide = caller_wide;
        return 0;
    }
    if (in->fccIOProc) {
        c->fcc = in->fccIOProc;
        c->proc = mmio_registry_acquire(c->fcc, in->htask, &c->pin, &rc);
        c->wide = mmio_registry_wide(c->pin);
        return c->proc ? 0 : rc ? rc : MMIOERR_INVALIDFILE;
    }
    c->fcc = mmio_name_fourcc(name);
    c->proc =
        c->fcc ? mmio_registry_acquire(c->fcc, in->htask, &c->pin, &rc) : NULL;
    if (rc)
        return rc;
    c->wide = mmio_registry_wide(c->pin);
    if (!c->proc) {
        c->fcc = FOURCC_DOS;
        c->proc = mmio_proc_dos;
    }
    return 0;
}

static HMMIO fail(LPMMIOINFO ui, UINT rc)
{
    if (ui)
        ui->wErrorRet = rc;
    return NULL;
}

HMMIO mmio_answer(LPMMIOINFO info, UINT rc)
{
    if (info)
        info->wErrorRet = rc;
    return (HMMIO)(uintptr_t)(rc == 0 ? TRUE : FALSE);
}

/* MMIO_PARSE for a narrow caller: a full path that does not fit leaves the
 * caller's buffer as it was. */
static HMMIO parse_narrow(LPSTR name, LPMMIOINFO ui)
{
    char full[4096];
    if (!name)
        return mmio_answer(ui, MMSYSERR_INVALPARAM);
    UINT rc = mmio_name_fullpath(name, full, sizeof full);
    if (rc == 0 && strlen(full) >= MMIO_MAXPATH)
        rc = MMIOERR_OUTOFMEMORY;
    if (rc == 0)
        memcpy(name, full, strlen(full) + 1);
    return mmio_answer(ui, rc);
}

/* The name as the procedure takes it: the caller's, or a wide copy. */
static LPARAM name_for(const char *name, unsigned wide, void **copy)
{
    *copy = NULL;
    if (!wide || !name)
        return (LPARAM)name;
    *copy = mmio_wide_from_utf8(name, wide);
    return (LPARAM)*copy;
}

HMMIO mmioOpen(LPSTR pszFileName, LPMMIOINFO pmmioinfo, DWORD fdwOpen)
{
    return mmio_open(pszFileName, pmmioinfo, fdwOpen, 0);
}

HMMIO mmio_open(LPSTR pszFileName, LPMMIOINFO pmmioinfo, DWORD fdwOpen,
                unsigned wide)
{
    if (open_depth == 0)
        failure_said = 0; /* a new name from the application */
    MMIOINFO in = {0};
    if (pmmioinfo)
        in = *pmmioinfo;

    if (fdwOpen & MMIO_PARSE)
        return parse_narrow(pszFileName, pmmioinfo);
    if (fdwOpen & MMIO_GETTEMP)
        return mmio_answer(pmmioinfo,
                           mmio_name_gettemp(pszFileName, MMIO_MAXPATH)
                               ? 0
                               : MMIOERR_CANNOTOPEN);
    if ((fdwOpen & (MMIO_EXIST | MMIO_DELETE)) && !pszFileName)
        return mmio_answer(pmmioinfo, MMSYSERR_INVALPARAM);
    if (in.cchBuffer < 0)
        return fail(pmmioinfo, MMSYSERR_INVALPARAM);

    struct choice c;
    UINT rc = choose_proc(pszFileName, &in, &c, wide);
    if (rc != 0)
        return fail(pmmioinfo, rc);

    mmio_file *f = mmio_handle_alloc();
    if (!f) {
        mmio_registry_release(c.pin);
        return fail(pmmioinfo, MMIOERR_TOOMANYOPENFILES);
    }
    MMIOINFO *mi = &f->info;
    mi->dwFlags = fdwOpen & ~(DWORD)MMIO_DIRTY;
    mi->fccIOProc = c.fcc;
    mi->pIOProc = c.proc;
    mi->htask = in.htask;
    memcpy(mi->adwInfo, in.adwInfo, sizeof mi->adwInfo);
    f->pin = c.pin;

    int special = (fdwOpen & (MMIO_EXIST | MMIO_DELETE)) != 0;
    if (!special) {
        rc = (c.proc == mmio_proc_mem)
                 ? mmio_mem_init(f, in.pchBuffer, in.cchBuffer, fdwOpen)
                 : mmio_buffer_init(f, in.pchBuffer, in.cchBuffer, fdwOpen);
    }
    if (rc == 0) {
        void *copy;
        LPARAM arg = name_for(pszFileName, c.wide, &copy);
        if (pszFileName && c.wide && !copy) {
            rc = MMSYSERR_INVALPARAM;
        } else if (open_depth >= MMIO_MAX_NESTING) {
            mmio_msg("%.200s...: names nest more than %d containers deep; "
                     "not opened",
                     pszFileName ? pszFileName : "", MMIO_MAX_NESTING);
            failure_said = 1;
            rc = MMIOERR_CANNOTOPEN;
        } else {
            open_depth++;
            rc = (UINT)mmio_send(f, MMIOM_OPEN, arg, 0);
            open_depth--;
        }
        free(copy);
    }
    if (special) {
        /* The procedure answered the question; nothing stays open. */
        /* As on Windows: a successful EXIST or DELETE open is closed, so
         * a procedure frees what its open allocated. */
        if (rc == 0)
            (void)mmio_send(f, MMIOM_CLOSE, 0, 0);
        mmio_registry_release(c.pin);
        mmio_handle_free(f);
        return mmio_answer(pmmioinfo, rc);
    }
    if (rc != 0) {
        FOURCC named = pszFileName && !in.pIOProc && !in.fccIOProc
                           ? mmio_name_fourcc(pszFileName)
                           : 0;
        if (named && c.proc == mmio_proc_dos && !failure_said &&
            (rc == MMIOERR_FILENOTFOUND || rc == MMIOERR_PATHNOTFOUND)) {
            /* the file exists as a container: say what really happened */
            char fcc[5], text[128];
            mmio_fourcc_text(named, fcc);
            mmioExtErrorText(rc, text, sizeof text);
            mmio_msg("%s: no procedure is installed for '%s' (%s), so it "
                     "was opened as a plain file: %s",
                     pszFileName, fcc,
                     strchr(pszFileName, '+')
                         ? "the extension before its last '+'"
                         : "its URL scheme",
                     text);
            failure_said = 1;
        }
        mmio_buffer_release(f);
        mmio_registry_release(c.pin);
        mmio_handle_free(f);
        return fail(pmmioinfo, rc);
    }
    mi->dwFlags &= ~(DWORD)TRANSIENT_FLAGS;
    /* A descriptor handed over open starts where it stands. */
    mi->lBufOffset = mi->lDiskOffset;
    mi->wErrorRet = 0;
    mmio_handle_publish(f);
    HMMIO h = mmio_handle_of(f);
    mi->hmmio = h;
    if (pmmioinfo)
        pmmioinfo->wErrorRet = 0;
    return h;
}

HMMIO mmioOpenA(LPSTR pszFileName, LPMMIOINFO pmmioinfo, DWORD fdwOpen)
{
    return mmioOpen(pszFileName, pmmioinfo, fdwOpen);
}

MMRESULT mmioClose(HMMIO hmmio, UINT fuClose)
{
    mmio_file *f = mmio_handle_get(hmmio);
    if (!f || mmio_handle_claim(f, hmmio) != 0)
        return MMSYSERR_INVALHANDLE; /* closed, or being closed by another */
    /* A failed write-back is reported, but the handle still closes: the
     * caller cannot do anything else with it. */
    MMRESULT rc = mmio_writeback(f, MMIOM_WRITEFLUSH);
    MMRESULT rc_close = (MMRESULT)mmio_send(f, MMIOM_CLOSE, fuClose, 0);
    mmio_buffer_release(f);
    mmio_registry_release(f->pin);
    f->pin = NULL;
    mmio_handle_free(f);
    return rc ? rc : rc_close;
}

MMRESULT mmioRename(LPCSTR pszFileName, LPCSTR pszNewFileName,
                    LPCMMIOINFO pmmioinfo, DWORD fdwRename)
{
    (void)fdwRename;
    return mmio_rename(pszFileName, pszNewFileName, pmmioinfo, 0);
}

MMRESULT mmio_rename(LPCSTR pszFileName, LPCSTR pszNewFileName,
                     LPCMMIOINFO pmmioinfo, unsigned wide)
{
    if (!pszFileName || !pszNewFileName)
        return MMSYSERR_INVALPARAM;
    MMIOINFO mi = {0};
    if (pmmioinfo)
        mi = *pmmioinfo;
    struct choice c;
    UINT rc = choose_proc(pszFileName, &mi, &c, wide);
    if (rc != 0)
        return rc;
    mi.fccIOProc = c.fcc;
    mi.pIOProc = c.proc;
    void *from_copy, *to_copy;
    LPARAM from = name_for(pszFileName, c.wide, &from_copy);
    LPARAM to = name_for(pszNewFileName, c.wide, &to_copy);
    if (c.wide && (!from_copy || !to_copy))
        rc = MMSYSERR_INVALPARAM;
    else
        rc = (UINT)c.proc((LPSTR)&mi, MMIOM_RENAME, from, to);
    free(from_copy);
    free(to_copy);
    mmio_registry_release(c.pin);
    return rc;
}

MMRESULT mmioRenameA(LPCSTR pszFileName, LPCSTR pszNewFileName,
                     LPCMMIOINFO pmmioinfo, DWORD fdwRename)
{
    return mmioRename(pszFileName, pszNewFileName, pmmioinfo, fdwRename);
}

LRESULT mmioSendMessage(HMMIO hmmio, UINT uMsg, LPARAM lParam1, LPARAM lParam2)
{
    mmio_file *f = mmio_handle_get(hmmio);
    if (!f)
        return MMSYSERR_INVALHANDLE;
    if (uMsg < MMIOM_USER)
        return MMSYSERR_INVALPARAM;
    return mmio_send(f, uMsg, lParam1, lParam2);
}

/* ---- composition --------------------------------------------------------- */

HMMIO mmioPluginOpenContainer(const MMIOINFO *mi, LPCSTR pszName, DWORD dwFlags,
                              UINT *puError)
{
    UINT ignored;
    UINT *err = puError ? puError : &ignored;
    if (!pszName || !*pszName) {
        *err = MMIOERR_INVALIDFILE;
        return NULL;
    }
    /* the caller's mode and creation flags, the outer open's share mode;
     * never a buffer (the procedure above has its own, or a library's) */
    DWORD keep = MMIO_RWMODE | MMIO_CREATE | MMIO_EXIST | MMIO_DELETE;
    DWORD flags = dwFlags & keep;
    flags |= (dwFlags & MMIO_SHAREMODE) ? (dwFlags & MMIO_SHAREMODE)
             : mi                       ? (mi->dwFlags & MMIO_SHAREMODE)
                                        : 0;
    MMIOINFO in = {0};
    if (mi)
        in.htask = mi->htask;
    HMMIO h = mmioOpen((LPSTR)pszName, &in, flags);
    *err = h ? 0 : in.wErrorRet ? in.wErrorRet : MMIOERR_CANNOTOPEN;
    /* a question (EXIST, DELETE) answered "no" is no failure to explain */
    int asking = (flags & (MMIO_EXIST | MMIO_DELETE)) ||
                 (mi && (mi->dwFlags & (MMIO_EXIST | MMIO_DELETE)));
    if (!h && !asking && !failure_said) {
        char text[128];
        mmioExtErrorText(*err, text, sizeof text);
        mmio_msg("%s: %s (the container of a nested name)", pszName, text);
        failure_said = 1;
    }
    return h;
}

DWORD mmioPluginQueryCaps(LPCSTR pszName)
{
    if (!pszName)
        return 0;
    MMIOINFO mi = {0};
    struct choice c;
    if (choose_proc(pszName, &mi, &c, 0) != 0)
        return 0;
    mi.fccIOProc = c.fcc;
    mi.pIOProc = c.proc;
    LRESULT r = c.proc((LPSTR)&mi, MMIOM_CAPS, 0, 0);
    mmio_registry_release(c.pin);
    if ((r & ~(LRESULT)0x3FFFFFFF) != MMIO_CAPS_ANSWER)
        return 0; /* not an answer to this question */
    return (DWORD)(r &
                   (MMIO_CAP_LOCAL | MMIO_CAP_RENAME | MMIO_CAP_ATOMIC_CLOSE));
}
