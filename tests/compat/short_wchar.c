/* SPDX-License-Identifier: MIT */
/* Built with -fshort-wchar (wchar_t is UTF-16 here): the W functions must
 * take this file's L"" strings as UTF-16.  Called from test_unicode.c. */
#include <mmsystem.h>
#include <stdio.h>
#include <string.h>

int short_wchar_roundtrip(const char *dir, char *narrow_out, size_t cap);

/* Creates DIR/"\u00e9t\u00e9-\U0001F3B5.txt" through mmioOpenW with a UTF-16
 * name, writes "utf16", and hands back the name it should have in UTF-8. */
int short_wchar_roundtrip(const char *dir, char *narrow_out, size_t cap)
{
    WCHAR name[600];
    static const WCHAR leaf[] = L"/\u00e9t\u00e9-\U0001F3B5.txt";
    size_t n = 0;
    if (sizeof(WCHAR) != 2)
        return -1;
    while (dir[n] && n < 500) {
        name[n] = (WCHAR)(unsigned char)dir[n];
        n++;
    }
    memcpy(name + n, leaf, sizeof leaf);
    HMMIO h = mmioOpenW(name, NULL, MMIO_CREATE | MMIO_WRITE);
    if (!h)
        return -2;
    if (mmioWrite(h, "utf16", 5) != 5 || mmioClose(h, 0) != 0)
        return -3;
    /* the same name as UTF-8, as it must be on disk */
    static const char leaf8[] = "/\xc3\xa9t\xc3\xa9-\xf0\x9f\x8e\xb5.txt";
    if (snprintf(narrow_out, cap, "%s%s", dir, leaf8) >= (int)cap)
        return -4;
    /* an unpaired surrogate is refused, not guessed at */
    WCHAR bad[] = {'b', 0xD800, 'x', 0};
    MMIOINFO info;
    memset(&info, 0, sizeof info);
    if (mmioOpenW(bad, &info, MMIO_READ) != NULL ||
        info.wErrorRet != MMSYSERR_INVALPARAM)
        return -5;
    return mmioStringToFOURCCW(L"wave", MMIO_TOUPPER) ==
                   mmioFOURCC('W', 'A', 'V', 'E')
               ? 0
               : -6;
}
