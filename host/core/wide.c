/* SPDX-License-Identifier: MIT */
/*
 * wide.c - the W functions (mmioOpenW, mmioRenameW, mmioStringToFOURCCW,
 * mmioInstallIOProcW) and their UTF-16 twins for code built with
 * -fshort-wchar (the header sends its calls there).  Names become UTF-8
 * and go through the same code as the narrow functions.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes utf8 back into the caller's wide buffer, at most MMIO_MAXPATH
 * units with the NUL; a longer name is truncated and reported. */
static UINT write_back(void *buf, unsigned width, const char *utf8)
{
    void *w = mmio_wide_from_utf8(utf8, width);
    if (!w)
        return MMIOERR_OUTOFMEMORY;
    size_t n = mmio_wide_len(w, width);
    UINT rc = 0;
    if (n >= MMIO_MAXPATH) {
        n = MMIO_MAXPATH - 1; /* as Windows does: truncated, and an error */
        rc = MMIOERR_OUTOFMEMORY;
    }
    memcpy(buf, w, n * width);
    memset((char *)buf + n * width, 0, width);
    free(w);
    return rc;
}

static HMMIO open_wide(void *name, LPMMIOINFO info, DWORD flags, unsigned width)
{
    char *utf8 = name ? mmio_utf8_from_wide(name, width) : NULL;
    if (name && !utf8) {
        if (info)
            info->wErrorRet = MMSYSERR_INVALPARAM;
        return NULL;
    }
    HMMIO h;
    if (flags & (MMIO_PARSE | MMIO_GETTEMP)) {
        /* done in UTF-8 with room for any path, then written back wide */
        char big[4096] = "";
        if (utf8 && snprintf(big, sizeof big, "%s", utf8) >= (int)sizeof big)
            big[0] = '\0'; /* longer than any path: PARSE fails on it */
        UINT rc = 0;
        if (flags & MMIO_PARSE)
            rc = mmio_name_fullpath(big, big, sizeof big);
        else if (!mmio_name_gettemp(big, sizeof big))
            rc = MMIOERR_CANNOTOPEN;
        if (rc == 0 && name)
            rc = write_back(name, width, big);
        h = mmio_answer(info, name ? rc : MMSYSERR_INVALPARAM);
    } else {
        h = mmio_open(utf8, info, flags, width);
    }
    free(utf8);
    return h;
}

static MMRESULT rename_wide(const void *from, const void *to, LPCMMIOINFO info,
                            unsigned width)
{
    if (!from || !to)
        return MMSYSERR_INVALPARAM;
    char *a = mmio_utf8_from_wide(from, width);
    char *b = mmio_utf8_from_wide(to, width);
    MMRESULT rc =
        (a && b) ? mmio_rename(a, b, info, width) : MMSYSERR_INVALPARAM;
    free(a);
    free(b);
    return rc;
}

static FOURCC fourcc_wide(const void *sz, UINT flags, unsigned width)
{
    char *utf8 = sz ? mmio_utf8_from_wide(sz, width) : NULL;
    FOURCC f = mmioStringToFOURCCA(utf8 ? utf8 : "", flags);
    free(utf8);
    return f;
}

HMMIO mmioOpenW(LPWSTR pszFileName, LPMMIOINFO pmmioinfo, DWORD fdwOpen)
{
    return open_wide(pszFileName, pmmioinfo, fdwOpen, sizeof(WCHAR));
}

MMRESULT mmioRenameW(LPCWSTR pszFileName, LPCWSTR pszNewFileName,
                     LPCMMIOINFO pmmioinfo, DWORD fdwRename)
{
    (void)fdwRename;
    return rename_wide(pszFileName, pszNewFileName, pmmioinfo, sizeof(WCHAR));
}

FOURCC mmioStringToFOURCCW(LPCWSTR sz, UINT uFlags)
{
    return fourcc_wide(sz, uFlags, sizeof(WCHAR));
}

LPMMIOPROC mmioInstallIOProcW(FOURCC fccIOProc, LPMMIOPROC pIOProc,
                              DWORD dwFlags)
{
    return mmio_install_io_proc(fccIOProc, pIOProc, dwFlags, sizeof(WCHAR));
}

/* ---- UTF-16 (-fshort-wchar callers) ---------------------------------------
 */

HMMIO mmioExtOpenW16(uint16_t *pszFileName, LPMMIOINFO pmmioinfo, DWORD fdwOpen)
{
    return open_wide(pszFileName, pmmioinfo, fdwOpen, 2);
}

MMRESULT mmioExtRenameW16(const uint16_t *pszFileName,
                          const uint16_t *pszNewFileName, LPCMMIOINFO pmmioinfo,
                          DWORD fdwRename)
{
    (void)fdwRename;
    return rename_wide(pszFileName, pszNewFileName, pmmioinfo, 2);
}

FOURCC mmioExtStringToFOURCCW16(const uint16_t *sz, UINT uFlags)
{
    return fourcc_wide(sz, uFlags, 2);
}

LPMMIOPROC mmioExtInstallIOProcW16(FOURCC fccIOProc, LPMMIOPROC pIOProc,
                                   DWORD dwFlags)
{
    return mmio_install_io_proc(fccIOProc, pIOProc, dwFlags, 2);
}
