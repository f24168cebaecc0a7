/* SPDX-License-Identifier: MIT */
/* Built with UNICODE defined: the unsuffixed names are the W functions, as
 * TCHAR code written for Windows expects.  Called from test_unicode.c. */
#define UNICODE
#include <mmsystem.h>

HMMIO tchar_open(const WCHAR *name, DWORD flags);
FOURCC tchar_fourcc(const WCHAR *text);

HMMIO tchar_open(const WCHAR *name, DWORD flags)
{
    WCHAR copy[512];
    unsigned i = 0;
    for (; name[i] && i < 511; i++)
        copy[i] = name[i];
    copy[i] = 0;
    return mmioOpen(copy, NULL, flags); /* mmioOpenW */
}

FOURCC tchar_fourcc(const WCHAR *text)
{
    return mmioStringToFOURCC(text, MMIO_TOUPPER); /* mmioStringToFOURCCW */
}
