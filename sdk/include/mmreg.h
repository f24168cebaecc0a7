/* SPDX-License-Identifier: MIT */
/*
 * mmreg.h - the WAVE format tags and the extensible WAVE format, as in
 * Windows' <mmreg.h>: code that writes or reads WAVE files with more than
 * two channels, float samples or compressed formats includes it.
 */
#ifndef MMIO_MMREG_H
#define MMIO_MMREG_H

#include "mmsystem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Format tags ----------------------------------------------------------
 */
#define WAVE_FORMAT_UNKNOWN 0x0000
#define WAVE_FORMAT_ADPCM 0x0002
#define WAVE_FORMAT_IEEE_FLOAT 0x0003
#define WAVE_FORMAT_ALAW 0x0006
#define WAVE_FORMAT_MULAW 0x0007
#define WAVE_FORMAT_DTS 0x0008
#define WAVE_FORMAT_DRM 0x0009
#define WAVE_FORMAT_IMA_ADPCM 0x0011
#define WAVE_FORMAT_DVI_ADPCM WAVE_FORMAT_IMA_ADPCM
#define WAVE_FORMAT_GSM610 0x0031
#define WAVE_FORMAT_MPEG 0x0050
#define WAVE_FORMAT_MPEGLAYER3 0x0055
#define WAVE_FORMAT_DOLBY_AC3_SPDIF 0x0092
#define WAVE_FORMAT_WMAUDIO2 0x0161
#define WAVE_FORMAT_EXTENSIBLE 0xFFFE
#define WAVE_FORMAT_DEVELOPMENT 0xFFFF

/* ---- GUID (where no other header has defined it) ------------------------- */
#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
    DWORD Data1;
    WORD Data2;
    WORD Data3;
    BYTE Data4[8];
} GUID;
#endif

/* The sub-formats of WAVE_FORMAT_EXTENSIBLE files: the format tag of the
 * plain formats in the first field, then a fixed suffix. */
#define MMIO_KSDATAFORMAT_SUBTYPE(tag)                                         \
    {                                                                          \
        (tag), 0x0000, 0x0010,                                                 \
        {                                                                      \
            0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71                     \
        }                                                                      \
    }
static const GUID KSDATAFORMAT_SUBTYPE_PCM =
    MMIO_KSDATAFORMAT_SUBTYPE(WAVE_FORMAT_PCM);
static const GUID KSDATAFORMAT_SUBTYPE_IEEE_FLOAT =
    MMIO_KSDATAFORMAT_SUBTYPE(WAVE_FORMAT_IEEE_FLOAT);
static const GUID KSDATAFORMAT_SUBTYPE_ALAW =
    MMIO_KSDATAFORMAT_SUBTYPE(WAVE_FORMAT_ALAW);
static const GUID KSDATAFORMAT_SUBTYPE_MULAW =
    MMIO_KSDATAFORMAT_SUBTYPE(WAVE_FORMAT_MULAW);
static const GUID KSDATAFORMAT_SUBTYPE_ADPCM =
    MMIO_KSDATAFORMAT_SUBTYPE(WAVE_FORMAT_ADPCM);

/* ---- Speaker positions (WAVEFORMATEXTENSIBLE.dwChannelMask) -------------- */
#define SPEAKER_FRONT_LEFT 0x1
#define SPEAKER_FRONT_RIGHT 0x2
#define SPEAKER_FRONT_CENTER 0x4
#define SPEAKER_LOW_FREQUENCY 0x8
#define SPEAKER_BACK_LEFT 0x10
#define SPEAKER_BACK_RIGHT 0x20
#define SPEAKER_FRONT_LEFT_OF_CENTER 0x40
#define SPEAKER_FRONT_RIGHT_OF_CENTER 0x80
#define SPEAKER_BACK_CENTER 0x100
#define SPEAKER_SIDE_LEFT 0x200
#define SPEAKER_SIDE_RIGHT 0x400
#define SPEAKER_TOP_CENTER 0x800
#define SPEAKER_TOP_FRONT_LEFT 0x1000
#define SPEAKER_TOP_FRONT_CENTER 0x2000
#define SPEAKER_TOP_FRONT_RIGHT 0x4000
#define SPEAKER_TOP_BACK_LEFT 0x8000
#define SPEAKER_TOP_BACK_CENTER 0x10000
#define SPEAKER_TOP_BACK_RIGHT 0x20000
#define SPEAKER_RESERVED 0x7FFC0000
#define SPEAKER_ALL 0x80000000

/* ---- WAVEFORMATEXTENSIBLE -------------------------------------------------
 */
#pragma pack(push, 1)
typedef struct {
    WAVEFORMATEX Format;
    union {
        WORD wValidBitsPerSample;
        WORD wSamplesPerBlock;
        WORD wReserved;
    } Samples;
    DWORD dwChannelMask;
    GUID SubFormat;
} WAVEFORMATEXTENSIBLE, *PWAVEFORMATEXTENSIBLE;
#pragma pack(pop)

typedef char
    mmio_assert_extensible_size[sizeof(WAVEFORMATEXTENSIBLE) == 40 ? 1 : -1];

#ifdef __cplusplus
}
#endif

#endif
