/* SPDX-License-Identifier: MIT */
/* RIFF chunks: mmioDescend, mmioAscend, mmioCreateChunk. */
#include "testutil.h"

#include <string.h>

#define WAVE mmioFOURCC('W', 'A', 'V', 'E')
#define FMT mmioFOURCC('f', 'm', 't', ' ')
#define DATA mmioFOURCC('d', 'a', 't', 'a')

/* Copies n bytes that are data, not a string. */
static void put(unsigned char *p, const char *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)bytes[i];
}

static void le32(unsigned char *p, DWORD v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* RIFF 'WAVE' { 'odd ' (3 bytes + pad), LIST 'INFO' { 'name' (2) },
 * 'data' (5 bytes + pad) } */
static const char *make_sample(void)
{
    unsigned char f[64];
    size_t n = 0;
    put(f + n, "RIFF", 4), le32(f + n + 4, 0), put(f + n + 8, "WAVE", 4);
    n += 12;
    put(f + n, "odd ", 4), le32(f + n + 4, 3), put(f + n + 8, "abc\0", 4);
    n += 12;
    put(f + n, "LIST", 4), le32(f + n + 4, 14), put(f + n + 8, "INFO", 4);
    n += 12;
    put(f + n, "name", 4), le32(f + n + 4, 2), put(f + n + 8, "hi", 2);
    n += 10;
    put(f + n, "data", 4), le32(f + n + 4, 5), put(f + n + 8, "12345\0", 6);
    n += 14;
    le32(f + 4, (DWORD)n - 8);
    tu_write(tu_path("s.wav"), f, n);
    return tu_path("s.wav");
}

START_TEST(spec_example_is_48_bytes)
{
    HMMIO h = tu_open(tu_path("ex.wav"), NULL,
                      MMIO_CREATE | MMIO_WRITE | MMIO_ALLOCBUF);
    ck_assert_ptr_nonnull(h);
    MMCKINFO riff = {0}, data = {0};
    riff.fccType = WAVE;
    ck_assert_uint_eq(mmioCreateChunk(h, &riff, MMIO_CREATERIFF), 0);
    ck_assert_uint_eq(riff.ckid, FOURCC_RIFF);
    ck_assert_uint_eq(riff.cksize, 0);
    ck_assert_uint_eq(riff.dwDataOffset, 8);
    ck_assert_uint_eq(riff.dwFlags, MMIO_DIRTY);
    data.ckid = DATA;
    ck_assert_uint_eq(mmioCreateChunk(h, &data, 0), 0);
    ck_assert_uint_eq(data.dwDataOffset, 20);
    ck_assert_int_eq(mmioWrite(h, "abcdefghijklmnopqrstuvwxyz!", 27), 27);
    ck_assert_uint_eq(mmioAscend(h, &data, 0), 0);
    ck_assert_uint_eq(data.cksize, 27);
    ck_assert_uint_eq(mmioAscend(h, &riff, 0), 0);
    ck_assert_uint_eq(riff.cksize, 0x28);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    unsigned char f[64];
    ck_assert_uint_eq(tu_read(tu_path("ex.wav"), f, sizeof f), 48);
    ck_assert_int_eq(memcmp(f, "RIFF\x28\0\0\0WAVEdata\x1b\0\0\0", 20), 0);
    ck_assert_int_eq(memcmp(f + 20, "abcdefghijklmnopqrstuvwxyz!", 27), 0);
    ck_assert_int_eq(f[47], 0);
}
END_TEST

START_TEST(descend_into_riff_reads_form_type)
{
    HMMIO h = tu_open(make_sample(), NULL, MMIO_READ | MMIO_ALLOCBUF);
    MMCKINFO r = {0};
    ck_assert_uint_eq(mmioDescend(h, &r, NULL, 0), 0);
    ck_assert_uint_eq(r.ckid, FOURCC_RIFF);
    ck_assert_uint_eq(r.fccType, WAVE);
    ck_assert_uint_eq(r.dwDataOffset, 8);
    ck_assert_uint_eq(r.cksize, 52);
    ck_assert_uint_eq(r.dwFlags, 0);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR), 12);
    MMCKINFO c = {0};
    ck_assert_uint_eq(mmioDescend(h, &c, &r, 0), 0); /* the next one */
    ck_assert_uint_eq(c.ckid, mmioFOURCC('o', 'd', 'd', ' '));
    ck_assert_uint_eq(c.fccType, 0);
    ck_assert_uint_eq(c.dwDataOffset, 20);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR), 20);
    ck_assert_uint_eq(mmioAscend(h, &c, 0), 0);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR), 24); /* 3 padded to 4 */
    mmioClose(h, 0);
}
END_TEST

START_TEST(findchunk_skips_padded_siblings)
{
    HMMIO h = tu_open(make_sample(), NULL, MMIO_READ);
    MMCKINFO r = {0}, c = {0};
    r.fccType = WAVE;
    ck_assert_uint_eq(mmioDescend(h, &r, NULL, MMIO_FINDRIFF), 0);
    c.ckid = DATA;
    ck_assert_uint_eq(mmioDescend(h, &c, &r, MMIO_FINDCHUNK), 0);
    ck_assert_uint_eq(c.cksize, 5);
    ck_assert_uint_eq(c.dwDataOffset, 54);
    char b[5];
    ck_assert_int_eq(mmioRead(h, b, 5), 5);
    ck_assert_int_eq(memcmp(b, "12345", 5), 0);
    ck_assert_uint_eq(mmioAscend(h, &c, 0), 0);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR), 60);
    /* past the parent's end: not found */
    c.ckid = 0;
    ck_assert_uint_eq(mmioDescend(h, &c, &r, MMIO_FINDCHUNK),
                      MMIOERR_CHUNKNOTFOUND);
    mmioClose(h, 0);
}
END_TEST

START_TEST(findlist_and_nested_parent)
{
    HMMIO h = tu_open(make_sample(), NULL, MMIO_READ);
    MMCKINFO r = {0}, l = {0}, c = {0};
    ck_assert_uint_eq(mmioDescend(h, &r, NULL, MMIO_FINDRIFF), 0);
    l.fccType = mmioFOURCC('I', 'N', 'F', 'O');
    ck_assert_uint_eq(mmioDescend(h, &l, &r, MMIO_FINDLIST), 0);
    ck_assert_uint_eq(l.ckid, FOURCC_LIST);
    ck_assert_uint_eq(l.cksize, 14);
    c.ckid = DATA; /* exists, but not inside the LIST */
    ck_assert_uint_eq(mmioDescend(h, &c, &l, MMIO_FINDCHUNK),
                      MMIOERR_CHUNKNOTFOUND);
    /* as on Windows: stopped at the end of the parent, with the last header
     * it read in c */
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR),
                     (LONG)(l.dwDataOffset + l.cksize));
    ck_assert_uint_eq(c.ckid, mmioFOURCC('n', 'a', 'm', 'e'));
    ck_assert_uint_eq(c.cksize, 2);
    ck_assert_uint_eq(mmioSeek(h, (LONG)l.dwDataOffset + 4, SEEK_SET),
                      l.dwDataOffset + 4);
    c.ckid = mmioFOURCC('n', 'a', 'm', 'e');
    ck_assert_uint_eq(mmioDescend(h, &c, &l, MMIO_FINDCHUNK), 0);
    ck_assert_uint_eq(c.cksize, 2);
    mmioClose(h, 0);
}
END_TEST

START_TEST(not_found_cases)
{
    HMMIO h = tu_open(make_sample(), NULL, MMIO_READ);
    MMCKINFO r = {0}, c = {0};
    r.fccType = mmioFOURCC('A', 'V', 'I', ' ');
    r.cksize = 0x55555555;
    r.dwDataOffset = 0x55555555;
    ck_assert_uint_eq(mmioDescend(h, &r, NULL, MMIO_FINDRIFF),
                      MMIOERR_CHUNKNOTFOUND);
    /* as on Windows: the last header read is left in r (the RIFF chunk it
     * skipped), and the position is where the search stopped: the end */
    ck_assert_uint_eq(r.ckid, FOURCC_RIFF);
    ck_assert_uint_eq(r.fccType, WAVE);
    ck_assert_uint_eq(r.cksize, 52);
    ck_assert_uint_eq(r.dwDataOffset, 8);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR), 60);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_SET), 0);
    ck_assert_uint_eq(mmioDescend(h, NULL, NULL, 0), MMSYSERR_INVALPARAM);
    ck_assert_uint_eq(mmioAscend(h, NULL, 0), MMSYSERR_INVALPARAM);
    ck_assert_uint_eq(mmioCreateChunk(h, NULL, 0), MMSYSERR_INVALPARAM);
    r.fccType = 0;
    ck_assert_uint_eq(mmioDescend(h, &r, NULL, MMIO_FINDRIFF), 0);
    c.fccType = mmioFOURCC('n', 'o', 'n', 'e');
    ck_assert_uint_eq(mmioDescend(h, &c, &r, MMIO_FINDLIST),
                      MMIOERR_CHUNKNOTFOUND);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_END), 60);
    ck_assert_uint_eq(mmioDescend(h, &c, NULL, 0), MMIOERR_CHUNKNOTFOUND);
    mmioClose(h, 0);
}
END_TEST

START_TEST(create_list_and_odd_chunks)
{
    HMMIO h = tu_open(tu_path("l.wav"), NULL,
                      MMIO_CREATE | MMIO_READWRITE | MMIO_ALLOCBUF);
    MMCKINFO r = {0}, l = {0}, c = {0};
    r.fccType = WAVE;
    l.fccType = mmioFOURCC('I', 'N', 'F', 'O');
    c.ckid = mmioFOURCC('I', 'N', 'A', 'M');
    ck_assert_uint_eq(mmioCreateChunk(h, &r, MMIO_CREATERIFF), 0);
    ck_assert_uint_eq(mmioCreateChunk(h, &l, MMIO_CREATELIST), 0);
    ck_assert_uint_eq(l.ckid, FOURCC_LIST);
    ck_assert_uint_eq(mmioCreateChunk(h, &c, 0), 0);
    ck_assert_int_eq(mmioWrite(h, "odd", 3), 3);
    ck_assert_uint_eq(mmioAscend(h, &c, 0), 0);
    ck_assert_uint_eq(mmioAscend(h, &l, 0), 0);
    ck_assert_uint_eq(mmioAscend(h, &r, 0), 0);
    ck_assert_uint_eq(l.cksize, 4 + 8 + 4);
    ck_assert_uint_eq(r.cksize, 4 + 8 + 16);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_SET), 0);
    MMCKINFO r2 = {0}, l2 = {0}, c2 = {0};
    ck_assert_uint_eq(mmioDescend(h, &r2, NULL, MMIO_FINDRIFF), 0);
    ck_assert_uint_eq(mmioDescend(h, &l2, &r2, MMIO_FINDLIST), 0);
    ck_assert_uint_eq(mmioDescend(h, &c2, &l2, 0), 0);
    ck_assert_uint_eq(c2.ckid, c.ckid);
    ck_assert_uint_eq(c2.cksize, 3);
    mmioClose(h, 0);
    ck_assert_int_eq(tu_size(tu_path("l.wav")), 36);
}
END_TEST

/* Reproduced at HEAD: the size set before mmioCreateChunk was written as 0
 * and cleared, so WAV writers that write ck.cksize bytes of format after
 * creating the chunk made an empty 'fmt ' chunk (Windows and Wine keep it). */
START_TEST(create_chunk_writes_the_callers_size)
{
    HMMIO h = tu_open(tu_path("c.wav"), NULL,
                      MMIO_CREATE | MMIO_READWRITE | MMIO_ALLOCBUF);
    MMCKINFO r = {0}, fmt = {0};
    r.fccType = WAVE;
    r.cksize = 4 + 8 + 16;
    ck_assert_uint_eq(mmioCreateChunk(h, &r, MMIO_CREATERIFF), 0);
    ck_assert_uint_eq(r.cksize, 28);
    fmt.ckid = mmioFOURCC('f', 'm', 't', ' ');
    fmt.cksize = 16;
    ck_assert_uint_eq(mmioCreateChunk(h, &fmt, 0), 0);
    ck_assert_uint_eq(fmt.cksize, 16);
    ck_assert_uint_eq(fmt.dwDataOffset, 20);
    /* the header as written, read back before any ascend */
    unsigned char hdr[8];
    ck_assert_int_eq(mmioSeek(h, 12, SEEK_SET), 12);
    ck_assert_int_eq(mmioRead(h, (HPSTR)hdr, 8), 8);
    ck_assert(memcmp(hdr, "fmt ", 4) == 0);
    ck_assert_uint_eq(hdr[4] | hdr[5] << 8 | hdr[6] << 16 | (DWORD)hdr[7] << 24,
                      16);
    ck_assert_int_eq(mmioSeek(h, 4, SEEK_SET), 4);
    ck_assert_int_eq(mmioRead(h, (HPSTR)hdr, 4), 4);
    ck_assert_uint_eq(hdr[0], 28);
    /* 16 bytes written: the ascend leaves the right size alone; a shorter
     * chunk is corrected */
    ck_assert_int_eq(mmioSeek(h, 20, SEEK_SET), 20);
    ck_assert_int_eq(mmioWrite(h, "0123456789abcdef", 16), 16);
    ck_assert_uint_eq(mmioAscend(h, &fmt, 0), 0);
    ck_assert_uint_eq(fmt.cksize, 16);
    MMCKINFO d = {0};
    d.ckid = mmioFOURCC('d', 'a', 't', 'a');
    d.cksize = 100;
    ck_assert_uint_eq(mmioCreateChunk(h, &d, 0), 0);
    ck_assert_int_eq(mmioWrite(h, "xy", 2), 2);
    ck_assert_uint_eq(mmioAscend(h, &d, 0), 0);
    ck_assert_uint_eq(d.cksize, 2);
    ck_assert_uint_eq(mmioAscend(h, &r, 0), 0);
    ck_assert_uint_eq(r.cksize, 4 + 24 + 10);
    mmioClose(h, 0);
    ck_assert_int_eq(tu_size(tu_path("c.wav")), 46);
}
END_TEST

Suite *suite_riff(void)
{
    Suite *s = suite_create("riff");
    TCase *tc = tcase_create("riff");
    tcase_add_test(tc, spec_example_is_48_bytes);
    tcase_add_test(tc, descend_into_riff_reads_form_type);
    tcase_add_test(tc, findchunk_skips_padded_siblings);
    tcase_add_test(tc, findlist_and_nested_parent);
    tcase_add_test(tc, not_found_cases);
    tcase_add_test(tc, create_list_and_odd_chunks);
    tcase_add_test(tc, create_chunk_writes_the_callers_size);
    suite_add_tcase(s, tc);
    return s;
}
