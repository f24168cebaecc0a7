/* SPDX-License-Identifier: MIT */
/* libFuzzer target: names.  MMIO_PARSE (narrow and wide), the FOURCC a
 * compound name selects (against a reference), mmioStringToFOURCC, and wide
 * names that are not valid UTF-32. */
#include <mmsystem.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static FOURCC chosen;
static const char *opened;

static LRESULT CALLBACK recorder(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    (void)b;
    if (msg == MMIOM_OPEN) {
        chosen = ((MMIOINFO *)(void *)info)->fccIOProc;
        opened = (const char *)a;
        return 0;
    }
    return msg == MMIOM_CLOSE ? 0 : MMSYSERR_NOTSUPPORTED;
}

/* The rule, written plainly: the extension after the last '.' before the
 * last '+', 1 to 4 characters of the last path component, upper-cased. */
static FOURCC reference(const char *name)
{
    const char *plus = strrchr(name, '+');
    if (!plus)
        return 0;
    const char *dot = NULL;
    for (const char *p = name; p < plus; p++)
        if (*p == '.')
            dot = p;
    if (!dot || plus - dot - 1 < 1 || plus - dot - 1 > 4)
        return 0;
    char ext[5] = "    ";
    for (const char *p = dot + 1; p < plus; p++) {
        if (*p == '/')
            return 0;
        char c = *p;
        ext[p - dot - 1] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
    }
    return mmioFOURCC(ext[0], ext[1], ext[2], ext[3]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 600)
        return 0;
    char name[700];
    memcpy(name, data, size);
    name[size] = '\0';
    if (strlen(name) == 0)
        return 0;
    /* MMIO_PARSE: a narrow buffer is either a full path or left alone */
    char buf[700];
    memcpy(buf, name, strlen(name) + 1);
    MMIOINFO info;
    memset(&info, 0, sizeof info);
    HMMIO r = mmioOpen(buf, &info, MMIO_PARSE);
    if (r && (buf[0] != '/' || strlen(buf) >= 128))
        abort();
    if (!r && strcmp(buf, name) != 0)
        abort();
    (void)mmioStringToFOURCC(name, MMIO_TOUPPER);
    /* the FOURCC a compound name selects */
    FOURCC want = reference(name);
    if (want && want != FOURCC_DOS && want != FOURCC_MEM) {
        mmioInstallIOProc(want, recorder, MMIO_INSTALLPROC);
        chosen = 0;
        opened = NULL;
        HMMIO h = mmioOpen(name, NULL, MMIO_READ);
        if (!h || chosen != want || opened != name)
            abort();
        mmioClose(h, 0);
        mmioInstallIOProc(want, NULL, MMIO_REMOVEPROC);
    }
    /* the bytes as UTF-32 units: invalid ones are refused, not a crash */
    WCHAR wide[200];
    size_t n = size / 4 < 199 ? size / 4 : 199;
    for (size_t i = 0; i < n; i++)
        memcpy(&wide[i], data + 4 * i, 4);
    wide[n] = 0;
    if (n > 0) {
        memset(&info, 0, sizeof info);
        (void)mmioOpenW(wide, &info, MMIO_PARSE);
        (void)mmioStringToFOURCCW(wide, 0);
    }
    return 0;
}
