/* SPDX-License-Identifier: MIT */
/* Typical Windows code, unchanged: it only has to compile (as C and C++). */
#include <mmsystem.h>
#include <string.h>

LRESULT CALLBACK SampleIOProc(LPSTR lpmmioinfo, UINT uMsg, LPARAM lParam1,
                              LPARAM lParam2);
LRESULT CALLBACK SampleIOProc(LPSTR lpmmioinfo, UINT uMsg, LPARAM lParam1,
                              LPARAM lParam2)
{
    LPMMIOINFO lpmi = (LPMMIOINFO)lpmmioinfo;
    (void)lParam1;
    (void)lParam2;
    switch (uMsg) {
    case MMIOM_OPEN:
        lpmi->lDiskOffset = 0;
        return MMSYSERR_NOERROR;
    case MMIOM_CLOSE:
        return 0;
    default: /* what it does not do is an error, never 0 */
        return MMSYSERR_NOTSUPPORTED;
    }
}

BOOL ReadWaveHeader(LPSTR szFile, DWORD *pcbData);
BOOL ReadWaveHeader(LPSTR szFile, DWORD *pcbData)
{
    MMCKINFO ckRiff, ck;
    MMIOINFO mmioinfo;
    HMMIO hmmio;
    memset(&mmioinfo, 0, sizeof(mmioinfo));
    mmioInstallIOProc(mmioFOURCC('S', 'M', 'P', 'L'), (LPMMIOPROC)SampleIOProc,
                      MMIO_INSTALLPROC | MMIO_GLOBALPROC);
    hmmio =
        mmioOpen(szFile, &mmioinfo, MMIO_READ | MMIO_ALLOCBUF | MMIO_DENYWRITE);
    if (hmmio == NULL)
        return FALSE;
    ckRiff.fccType = mmioFOURCC('W', 'A', 'V', 'E');
    if (mmioDescend(hmmio, &ckRiff, NULL, MMIO_FINDRIFF) != MMSYSERR_NOERROR) {
        mmioClose(hmmio, 0);
        return FALSE;
    }
    ck.ckid = mmioStringToFOURCC("data", 0);
    if (mmioDescend(hmmio, &ck, &ckRiff, MMIO_FINDCHUNK) != 0) {
        mmioClose(hmmio, 0);
        return FALSE;
    }
    *pcbData = ck.cksize;
    mmioSeek(hmmio, 0, SEEK_CUR);
    mmioAscend(hmmio, &ck, 0);
    mmioClose(hmmio, 0);
    return TRUE;
}
