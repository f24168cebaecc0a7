/*
 * errors.c - operating-system errors to MMIOERR_* codes.
 */
#include "internal.h"

#include <errno.h>

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
