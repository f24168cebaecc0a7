/* SPDX-License-Identifier: MIT */
/*
 * rot13.c - an example plugin: "anything.rot+notes.txt" opens notes.txt
 * (through whatever procedure that name selects) and ROT13s the letters
 * read and written.  It shows the whole plugin contract: the descriptor,
 * mmioPluginInstall/mmioPluginRemove, and per-file state in adwInfo.
 */
#include <mmio_plugin.h>

#include <stdint.h>
#include <string.h>

#define FOURCC_ROT mmioFOURCC('R', 'O', 'T', ' ')

static const FOURCC fourccs[] = {FOURCC_ROT, 0};

MMIOAPI const MMIOPLUGININFO mmioPluginInfo = {
    MMIO_PLUGIN_ABI, "rot13", "1.0.0", "ROT13 view of another file",
    "MIT",           fourccs};

static HMMIO inner_of(const MMIOINFO *mi)
{
    return (HMMIO)mmioPluginGetFileState(mi);
}

static void rot13(char *p, LONG n)
{
    for (LONG i = 0; i < n; i++) {
        char c = p[i];
        if ((c >= 'a' && c <= 'z'))
            p[i] = (char)('a' + (c - 'a' + 13) % 26);
        else if (c >= 'A' && c <= 'Z')
            p[i] = (char)('A' + (c - 'A' + 13) % 26);
    }
}

static LRESULT CALLBACK rot13_proc(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    MMIOINFO *mi = (MMIOINFO *)(void *)info;
    switch (msg) {
    case MMIOM_OPEN: {
        const char *plus = a ? strrchr((const char *)a, '+') : NULL;
        char inner[1024];
        MMIOINFO in = {0};
        if (!plus || strlen(plus + 1) >= sizeof inner)
            return MMIOERR_INVALIDFILE;
        strcpy(inner, plus + 1);
        HMMIO h = mmioOpen(inner, &in, mi->dwFlags & ~(DWORD)MMIO_ALLOCBUF);
        if (!h)
            return in.wErrorRet;
        mmioPluginSetFileState(mi, h);
        return 0;
    }
    case MMIOM_CLOSE:
        return mmioClose(inner_of(mi), 0);
    case MMIOM_READ: {
        LONG n = mmioRead(inner_of(mi), (HPSTR)a, (LONG)b);
        if (n > 0) {
            rot13((char *)a, n);
            mi->lDiskOffset += n;
        }
        return n;
    }
    case MMIOM_WRITE:
    case MMIOM_WRITEFLUSH: {
        char buf[4096];
        LONG done = 0;
        while (done < (LONG)b) {
            LONG n = (LONG)b - done > 4096 ? 4096 : (LONG)b - done;
            memcpy(buf, (const char *)a + done, (size_t)n);
            rot13(buf, n);
            if (mmioWrite(inner_of(mi), buf, n) != n)
                return done ? done : -1;
            done += n;
        }
        mi->lDiskOffset += done;
        return done;
    }
    case MMIOM_SEEK: {
        LONG pos = mmioSeek(inner_of(mi), (LONG)a, (int)b);
        if (pos >= 0)
            mi->lDiskOffset = pos;
        return pos;
    }
    default: /* a message it does not handle is an error, never 0 */
        return MMSYSERR_NOTSUPPORTED;
    }
}

MMIOAPI MMRESULT mmioPluginInstall(void)
{
    return mmioInstallIOProc(FOURCC_ROT, rot13_proc, MMIO_INSTALLPROC)
               ? MMSYSERR_NOERROR
               : MMSYSERR_ERROR;
}

MMIOAPI void mmioPluginRemove(void)
{
    mmioInstallIOProc(FOURCC_ROT, rot13_proc, MMIO_REMOVEPROC);
}
