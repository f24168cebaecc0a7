/* SPDX-License-Identifier: MIT */
/* libFuzzer target: walks the RIFF tree of a memory file with mmioDescend
 * and mmioAscend, and checks every chunk and every data byte against a
 * straightforward reader of the same bytes. */
#include <mmsystem.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static int has_type(uint32_t id)
{
    return id == FOURCC_RIFF || id == FOURCC_LIST;
}

/* Walks [pos, end) of data both ways; aborts on any disagreement. */
static void walk(HMMIO h, const uint8_t *data, size_t size, uint64_t pos,
                 uint64_t end, const MMCKINFO *parent, int depth)
{
    for (int n = 0; n < 64; n++) {
        MMCKINFO ck;
        memset(&ck, 0, sizeof ck);
        if (mmioSeek(h, (LONG)pos, SEEK_SET) != (LONG)pos)
            abort();
        MMRESULT rc = mmioDescend(h, &ck, parent, 0);
        int fits = pos + 8 <= end && pos + 8 <= size;
        int typed = fits && has_type(le32(data + pos));
        if (typed && pos + 12 > size)
            fits = 0; /* the type does not fit in the file */
        if (!fits) {
            if (rc != MMIOERR_CHUNKNOTFOUND)
                abort();
            return;
        }
        if (rc != 0 || ck.ckid != le32(data + pos) ||
            ck.cksize != le32(data + pos + 4) || ck.dwDataOffset != pos + 8 ||
            ck.fccType != (typed ? le32(data + pos + 8) : 0))
            abort();
        /* the data the library reads is the file's */
        uint64_t start = pos + 8 + (typed ? 4 : 0);
        uint64_t avail = start < size ? size - start : 0;
        uint8_t buf[64];
        LONG want = (LONG)(ck.cksize - (typed ? 4 : 0) < sizeof buf
                               ? ck.cksize - (typed ? 4 : 0)
                               : sizeof buf);
        if (ck.cksize < (typed ? 4u : 0u))
            want = 0;
        LONG got = mmioRead(h, (char *)buf, want);
        LONG expect = (LONG)((uint64_t)want < avail ? (uint64_t)want : avail);
        if (got != expect || memcmp(buf, data + start, (size_t)got) != 0)
            abort();
        if (typed && depth < 8)
            walk(h, data, size, pos + 12, pos + 8 + (uint64_t)ck.cksize, &ck,
                 depth + 1);
        uint64_t next = pos + 8 + (uint64_t)ck.cksize + (ck.cksize & 1u);
        if (next > size)
            return; /* a memory file cannot be left past its end */
        if (mmioSeek(h, (LONG)pos, SEEK_SET) != (LONG)pos)
            abort();
        MMCKINFO again = ck;
        if (mmioDescend(h, &again, parent, 0) != 0 ||
            mmioAscend(h, &again, 0) != 0 ||
            mmioSeek(h, 0, SEEK_CUR) != (LONG)next)
            abort();
        pos = next;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    MMIOINFO info;
    memset(&info, 0, sizeof info);
    info.fccIOProc = FOURCC_MEM;
    info.pchBuffer = copy;
    info.cchBuffer = (LONG)size;
    HMMIO h = mmioOpen(NULL, &info, MMIO_READ);
    if (h) {
        walk(h, data, size, 0, INT32_MAX, NULL, 0);
        mmioClose(h, 0);
    }
    free(copy);
    return 0;
}
