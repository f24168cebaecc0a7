/* SPDX-License-Identifier: MIT */
/*
 * errors.c - operating-system errors to MMIOERR_* codes, every
 * MMSYSERR_/MMIOERR_ code in words (mmioExtErrorText), and where the
 * library's messages go (mmioExtSetMessageCallback).
 */
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

UINT mmio_error_from_errno(int err, UINT fallback)
{
    switch (err) {
    case ENOENT:
        return MMIOERR_FILENOTFOUND;
    case ENOTDIR:
    case ENAMETOOLONG:
    case ELOOP:
        return MMIOERR_PATHNOTFOUND;
    case EACCES:
    case EPERM:
    case EROFS:
    case EISDIR:
        return MMIOERR_ACCESSDENIED;
    case EMFILE:
    case ENFILE:
        return MMIOERR_TOOMANYOPENFILES;
    case ENOMEM:
        return MMIOERR_OUTOFMEMORY;
    case EAGAIN:
    case ETXTBSY:
        return MMIOERR_SHARINGVIOLATION;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return MMIOERR_CANNOTWRITE;
    case ENETDOWN:
    case ENETUNREACH:
    case ENETRESET:
    case ECONNRESET:
    case ECONNABORTED:
    case EHOSTUNREACH:
    case ESTALE:
        return MMIOERR_NETWORKERROR;
    default:
        return fallback;
    }
}

static const char *const sys_text[] = {
    "no error",                            /* MMSYSERR_NOERROR */
    "unspecified error",                   /* MMSYSERR_ERROR */
    "device ID out of range",              /* MMSYSERR_BADDEVICEID */
    "driver failed enable",                /* MMSYSERR_NOTENABLED */
    "already allocated",                   /* MMSYSERR_ALLOCATED */
    "invalid handle",                      /* MMSYSERR_INVALHANDLE */
    "no device driver present",            /* MMSYSERR_NODRIVER */
    "out of memory",                       /* MMSYSERR_NOMEM */
    "not supported",                       /* MMSYSERR_NOTSUPPORTED */
    "error value out of range",            /* MMSYSERR_BADERRNUM */
    "invalid flag",                        /* MMSYSERR_INVALFLAG */
    "invalid parameter",                   /* MMSYSERR_INVALPARAM */
    "handle being used by another thread", /* MMSYSERR_HANDLEBUSY */
    "specified alias not found",           /* MMSYSERR_INVALIDALIAS */
    "bad registry database",               /* MMSYSERR_BADDB */
    "registry key not found",              /* MMSYSERR_KEYNOTFOUND */
    "registry read error",                 /* MMSYSERR_READERROR */
    "registry write error",                /* MMSYSERR_WRITEERROR */
    "registry delete error",               /* MMSYSERR_DELETEERROR */
    "registry value not found",            /* MMSYSERR_VALNOTFOUND */
    "driver does not call DriverCallback", /* MMSYSERR_NODRIVERCB */
    "more data to be returned",            /* MMSYSERR_MOREDATA */
};

static const char *const mmio_text[] = {
    "file not found",                /* MMIOERR_FILENOTFOUND */
    "out of memory",                 /* MMIOERR_OUTOFMEMORY */
    "cannot open",                   /* MMIOERR_CANNOTOPEN */
    "cannot close",                  /* MMIOERR_CANNOTCLOSE */
    "cannot read",                   /* MMIOERR_CANNOTREAD */
    "cannot write",                  /* MMIOERR_CANNOTWRITE */
    "cannot seek",                   /* MMIOERR_CANNOTSEEK */
    "cannot expand the memory file", /* MMIOERR_CANNOTEXPAND */
    "chunk not found",               /* MMIOERR_CHUNKNOTFOUND */
    "file is not buffered",          /* MMIOERR_UNBUFFERED */
    "path not found",                /* MMIOERR_PATHNOTFOUND */
    "access denied",                 /* MMIOERR_ACCESSDENIED */
    "sharing violation",             /* MMIOERR_SHARINGVIOLATION */
    "network error",                 /* MMIOERR_NETWORKERROR */
    "too many open files",           /* MMIOERR_TOOMANYOPENFILES */
    "invalid file",                  /* MMIOERR_INVALIDFILE */
};

void mmioPluginMessage(LPCSTR fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n >= 0)
        mmio_msg("%s", text);
}

MMRESULT mmioExtLastMessage(LPSTR buf, UINT cap)
{
    if (!buf || !cap)
        return MMSYSERR_INVALPARAM;
    snprintf(buf, cap, "%s", mmio_msg_last());
    return MMSYSERR_NOERROR;
}

MMRESULT mmioExtSetMessageCallback(MMIOMESSAGEPROC *cb, void *ctx)
{
    mmio_msg_set_sink(cb, ctx);
    return MMSYSERR_NOERROR;
}

MMRESULT mmioExtErrorText(MMRESULT code, LPSTR buf, UINT cap)
{
    const char *text = NULL;
    if (code < sizeof sys_text / sizeof sys_text[0])
        text = sys_text[code];
    else if (code > MMIOERR_BASE &&
             code - MMIOERR_BASE <= sizeof mmio_text / sizeof mmio_text[0])
        text = mmio_text[code - MMIOERR_BASE - 1];
    if (buf && cap) {
        if (text)
            snprintf(buf, cap, "%s", text);
        else
            snprintf(buf, cap, "unknown error %u", (unsigned)code);
    }
    return text ? MMSYSERR_NOERROR : MMSYSERR_BADERRNUM;
}
