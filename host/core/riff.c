/* SPDX-License-Identifier: MIT */
/*
 * riff.c - RIFF chunks: mmioDescend, mmioAscend, mmioCreateChunk.
 *
 * Chunk headers are little-endian (ckid, cksize) pairs; RIFF and LIST chunks
 * carry a form/list type as the first four data bytes, counted in cksize.
 * Data is padded to an even size.
 */
#include "internal.h"

#include <string.h>

static DWORD get_le32(const unsigned char *p)
{
    return (DWORD)p[0] | ((DWORD)p[1] << 8) | ((DWORD)p[2] << 16) |
           ((DWORD)p[3] << 24);
}

static void put_le32(unsigned char *p, DWORD v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static int has_type(FOURCC ckid)
{
    return ckid == FOURCC_RIFF || ckid == FOURCC_LIST;
}

static int matches(const MMCKINFO *want, const MMCKINFO *got, UINT flags)
{
    if (flags & MMIO_FINDCHUNK)
        return want->ckid == 0 || want->ckid == got->ckid;
    if (flags & MMIO_FINDRIFF)
        return got->ckid == FOURCC_RIFF &&
               (want->fccType == 0 || want->fccType == got->fccType);
    if (flags & MMIO_FINDLIST)
        return got->ckid == FOURCC_LIST &&
               (want->fccType == 0 || want->fccType == got->fccType);
    return 1;
}

MMRESULT mmioDescend(HMMIO hmmio, LPMMCKINFO pmmcki,
                     const MMCKINFO *pmmckiParent, UINT fuDescend)
{
    mmio_file *f = mmio_handle_get(hmmio);
    if (!f)
        return MMSYSERR_INVALHANDLE;
    if (!pmmcki)
        return MMSYSERR_INVALPARAM;
    const MMCKINFO want = *pmmcki;
    const int64_t end = pmmckiParent ? (int64_t)pmmckiParent->dwDataOffset +
                                           pmmckiParent->cksize
                                     : INT32_MAX;
    int64_t pos = mmio_tell(f);
    MMCKINFO got = {0};
    int read_any = 0;
    for (;;) {
        unsigned char hdr[12];
        if (pos + 8 > end || pos + 8 > INT32_MAX ||
            mmio_seek(f, (LONG)pos, SEEK_SET) != pos ||
            mmio_read(f, (char *)hdr, 8) != 8)
            break;
        got.ckid = get_le32(hdr);
        got.cksize = get_le32(hdr + 4);
        got.fccType = 0;
        got.dwDataOffset = (DWORD)(pos + 8);
        got.dwFlags = 0;
        read_any = 1;
        if (has_type(got.ckid)) {
            if (mmio_read(f, (char *)hdr + 8, 4) != 4)
                break;
            got.fccType = get_le32(hdr + 8);
        }
        if (matches(&want, &got, fuDescend)) {
            *pmmcki = got;
            return MMSYSERR_NOERROR;
        }
        pos = (int64_t)got.dwDataOffset + got.cksize + (got.cksize & 1u);
    }
    /* Not found, as Windows does: the last header read stays in the
     * caller's MMCKINFO, and the position is where the search stopped (the
     * end of the parent, or of the file). */
    if (read_any) {
        pmmcki->ckid = got.ckid;
        pmmcki->cksize = got.cksize;
        pmmcki->fccType = got.fccType;
        pmmcki->dwDataOffset = got.dwDataOffset;
    }
    LONG size = mmio_seek(f, 0, SEEK_END);
    int64_t stop = pos < end ? pos : end;
    if (size >= 0 && stop > size)
        stop = size;
    (void)mmio_seek(f, (LONG)(stop < 0 ? 0 : stop), SEEK_SET);
    return MMIOERR_CHUNKNOTFOUND;
}

MMRESULT mmioAscend(HMMIO hmmio, LPMMCKINFO pmmcki, UINT fuAscend)
{
    (void)fuAscend;
    mmio_file *f = mmio_handle_get(hmmio);
    if (!f)
        return MMSYSERR_INVALHANDLE;
    if (!pmmcki)
        return MMSYSERR_INVALPARAM;
    if (pmmcki->dwDataOffset > INT32_MAX)
        return MMIOERR_CANNOTSEEK; /* past the LONG limit of positions */
    if (pmmcki->dwFlags & MMIO_DIRTY) {
        /* Created by mmioCreateChunk: the size is where writing ended. */
        LONG here = mmio_tell(f);
        if ((int64_t)here < (int64_t)pmmcki->dwDataOffset ||
            pmmcki->dwDataOffset < 4)
            return MMIOERR_CANNOTSEEK;
        DWORD size = (DWORD)here - pmmcki->dwDataOffset;
        if (size != pmmcki->cksize) {
            unsigned char le[4];
            put_le32(le, size);
            if (mmio_seek(f, (LONG)pmmcki->dwDataOffset - 4, SEEK_SET) < 0)
                return MMIOERR_CANNOTSEEK;
            if (mmio_write(f, (const char *)le, 4) != 4)
                return MMIOERR_CANNOTWRITE;
            pmmcki->cksize = size;
        }
        if (mmio_seek(f, here, SEEK_SET) < 0)
            return MMIOERR_CANNOTSEEK;
        if (size & 1u) {
            if (mmio_write(f, "", 1) != 1)
                return MMIOERR_CANNOTWRITE;
        }
        pmmcki->dwFlags &= ~(DWORD)MMIO_DIRTY;
        return MMSYSERR_NOERROR;
    }
    int64_t next =
        (int64_t)pmmcki->dwDataOffset + pmmcki->cksize + (pmmcki->cksize & 1u);
    if (next > INT32_MAX || mmio_seek(f, (LONG)next, SEEK_SET) != next)
        return MMIOERR_CANNOTSEEK;
    return MMSYSERR_NOERROR;
}

MMRESULT mmioCreateChunk(HMMIO hmmio, LPMMCKINFO pmmcki, UINT fuCreate)
{
    mmio_file *f = mmio_handle_get(hmmio);
    if (!f)
        return MMSYSERR_INVALHANDLE;
    if (!pmmcki)
        return MMSYSERR_INVALPARAM;
    if (fuCreate & MMIO_CREATERIFF)
        pmmcki->ckid = FOURCC_RIFF;
    else if (fuCreate & MMIO_CREATELIST)
        pmmcki->ckid = FOURCC_LIST;
    LONG pos = mmio_tell(f);
    unsigned char hdr[12];
    LONG len = has_type(pmmcki->ckid) ? 12 : 8;
    if ((int64_t)pos + len > INT32_MAX)
        return MMIOERR_CANNOTWRITE;
    /* As Windows does: the size the caller set is written and kept (code
     * writes ck.cksize bytes right after creating the chunk); mmioAscend
     * corrects it only if the data written differs. */
    put_le32(hdr, pmmcki->ckid);
    put_le32(hdr + 4, pmmcki->cksize);
    put_le32(hdr + 8, pmmcki->fccType);
    if (mmio_write(f, (const char *)hdr, len) != len)
        return MMIOERR_CANNOTWRITE;
    pmmcki->dwDataOffset = (DWORD)pos + 8;
    pmmcki->dwFlags = MMIO_DIRTY;
    return MMSYSERR_NOERROR;
}
