/* SPDX-License-Identifier: MIT */
/*
 * mmsystem.h - compatibility header: Windows code includes this name.
 *
 * The whole mmio API (mmio.h), the WAVE format structures and the MMSYSERR_
 * codes Windows' <mmsystem.h> has beside it.  Structures are byte-packed as
 * on Windows.
 */
#ifndef MMIO_MMSYSTEM_H
#define MMIO_MMSYSTEM_H

#include "mmio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- More MMSYSERR_ codes (Windows' values) ------------------------------ */
#define MMSYSERR_HANDLEBUSY (MMSYSERR_BASE + 12)
#define MMSYSERR_INVALIDALIAS (MMSYSERR_BASE + 13)
#define MMSYSERR_BADDB (MMSYSERR_BASE + 14)
#define MMSYSERR_KEYNOTFOUND (MMSYSERR_BASE + 15)
#define MMSYSERR_READERROR (MMSYSERR_BASE + 16)
#define MMSYSERR_WRITEERROR (MMSYSERR_BASE + 17)
#define MMSYSERR_DELETEERROR (MMSYSERR_BASE + 18)
#define MMSYSERR_VALNOTFOUND (MMSYSERR_BASE + 19)
#define MMSYSERR_NODRIVERCB (MMSYSERR_BASE + 20)
#define MMSYSERR_MOREDATA (MMSYSERR_BASE + 21)
#define MMSYSERR_LASTERROR (MMSYSERR_BASE + 21)

/* ---- WAVE formats ----------------------------------------------------------
 * WAVEFORMATEX is declared here (as in Windows' mmsystem.h, guarded by
 * _WAVEFORMATEX_) so that <mmreg.h> can share it. */
#define WAVE_FORMAT_PCM 1

#pragma pack(push, 1)

typedef struct waveformat_tag {
    WORD wFormatTag;
    WORD nChannels;
    DWORD nSamplesPerSec;
    DWORD nAvgBytesPerSec;
    WORD nBlockAlign;
} WAVEFORMAT, *PWAVEFORMAT, *NPWAVEFORMAT, *LPWAVEFORMAT;

typedef struct pcmwaveformat_tag {
    WAVEFORMAT wf;
    WORD wBitsPerSample;
} PCMWAVEFORMAT, *PPCMWAVEFORMAT, *NPPCMWAVEFORMAT, *LPPCMWAVEFORMAT;

#ifndef _WAVEFORMATEX_
#define _WAVEFORMATEX_
typedef struct tWAVEFORMATEX {
    WORD wFormatTag;
    WORD nChannels;
    DWORD nSamplesPerSec;
    DWORD nAvgBytesPerSec;
    WORD nBlockAlign;
    WORD wBitsPerSample;
    WORD cbSize;
} WAVEFORMATEX, *PWAVEFORMATEX, *NPWAVEFORMATEX, *LPWAVEFORMATEX;
#endif
typedef const WAVEFORMATEX *LPCWAVEFORMATEX;

#pragma pack(pop)

/* The sizes Windows code reads and writes files with. */
typedef char mmio_assert_waveformat_size[sizeof(WAVEFORMAT) == 14 ? 1 : -1];
typedef char
    mmio_assert_pcmwaveformat_size[sizeof(PCMWAVEFORMAT) == 16 ? 1 : -1];
typedef char mmio_assert_waveformatex_size[sizeof(WAVEFORMATEX) == 18 ? 1 : -1];

#ifdef __cplusplus
}
#endif

#endif
