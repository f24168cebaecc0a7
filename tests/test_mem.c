/* SPDX-License-Identifier: MIT */
/* Memory files: the caller's block is the file. */
#include "testutil.h"

#include <string.h>

static HMMIO open_mem(char *block, LONG size, DWORD increment, DWORD flags)
{
    MMIOINFO info = {0};
    info.fccIOProc = FOURCC_MEM;
    info.pchBuffer = block;
    info.cchBuffer = size;
    info.adwInfo[0] = increment;
    HMMIO h = mmioOpen(NULL, &info, flags);
    ck_assert_ptr_nonnull(h);
    return h;
}

START_TEST(block_is_the_file)
{
    char block[8] = "abcdefg";
    HMMIO h = open_mem(block, 8, 0, MMIO_READ);
    MMIOINFO i;
    mmioGetInfo(h, &i, 0);
    ck_assert_ptr_eq(i.pchBuffer, block);
    ck_assert_ptr_eq(i.pchEndRead, block + 8);
    ck_assert_ptr_eq(i.pchEndWrite, block + 8);
    ck_assert_ptr_eq(i.pchNext, block);
    ck_assert_int_eq(i.lBufOffset, 0);
    ck_assert_int_eq(i.lDiskOffset, 0);
    ck_assert_uint_eq(i.dwFlags & MMIO_ALLOCBUF, 0);
    ck_assert_uint_eq(i.fccIOProc, FOURCC_MEM);
    char b[10];
    ck_assert_int_eq(mmioRead(h, b, 10), 8);
    ck_assert_str_eq(b, "abcdefg");
    ck_assert_int_eq(mmioRead(h, b, 1), 0);
    ck_assert_int_eq(mmioSeek(h, 2, SEEK_END), 6);
    ck_assert_int_eq(mmioRead(h, b, 1), 1);
    ck_assert_int_eq(b[0], 'g');
    ck_assert_uint_eq(mmioAdvance(h, &i, MMIO_READ), 0);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
}
END_TEST

START_TEST(fixed_block_never_overruns_or_wraps)
{
    char area[32];
    memset(area, '#', sizeof area);
    HMMIO h = open_mem(area + 8, 16, 0, MMIO_READWRITE);
    ck_assert_int_eq(mmioWrite(h, "0123456789ABCDEFGHIJ", 20), 16);
    ck_assert_int_eq(mmioWrite(h, "zz", 2), -1); /* the block is full */
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR), 16);
    ck_assert_int_eq(memcmp(area + 8, "0123456789ABCDEF", 16), 0);
    for (int k = 0; k < 8; k++) {
        ck_assert_int_eq(area[k], '#');
        ck_assert_int_eq(area[24 + k], '#');
    }
    MMIOINFO i;
    mmioGetInfo(h, &i, 0);
    ck_assert_uint_eq(mmioAdvance(h, &i, MMIO_WRITE), MMIOERR_CANNOTEXPAND);
    ck_assert_int_eq(mmioSeek(h, 17, SEEK_SET), -1);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
}
END_TEST

START_TEST(expandable_block_grows_by_increments)
{
    HMMIO h = open_mem(NULL, 0, 64, MMIO_READWRITE | MMIO_CREATE);
    char data[1000];
    for (int k = 0; k < 1000; k++)
        data[k] = (char)(k * 7);
    ck_assert_int_eq(mmioWrite(h, data, 300), 300);
    ck_assert_int_eq(mmioWrite(h, data + 300, 700), 700);
    MMIOINFO i;
    mmioGetInfo(h, &i, 0);
    ck_assert_int_ge(i.cchBuffer, 1000);
    ck_assert_int_eq(i.cchBuffer % 64, 0);
    ck_assert_uint_eq(i.dwFlags & MMIO_ALLOCBUF, MMIO_ALLOCBUF);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_END), 1000);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_SET), 0);
    char back[1000];
    ck_assert_int_eq(mmioRead(h, back, 1000), 1000);
    ck_assert_int_eq(memcmp(back, data, 1000), 0);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
}
END_TEST

START_TEST(expandable_caller_block_is_copied_not_reallocated)
{
    char block[16] = "fixed-size-block";
    HMMIO h = open_mem(block, 16, 16, MMIO_READWRITE);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_END), 16);
    ck_assert_int_eq(mmioWrite(h, "+more", 5), 5);
    MMIOINFO i;
    mmioGetInfo(h, &i, 0);
    ck_assert_ptr_ne(i.pchBuffer, block);
    ck_assert_int_eq(i.cchBuffer, 32);
    ck_assert_int_eq(memcmp(i.pchBuffer, "fixed-size-block+more", 21), 0);
    ck_assert_int_eq(memcmp(block, "fixed-size-block", 16), 0);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
}
END_TEST

START_TEST(create_starts_empty)
{
    char block[64];
    HMMIO h = open_mem(block, sizeof block, 0, MMIO_READWRITE | MMIO_CREATE);
    MMIOINFO i;
    mmioGetInfo(h, &i, 0);
    ck_assert_ptr_eq(i.pchEndRead, block);
    char b[4];
    ck_assert_int_eq(mmioRead(h, b, 4), 0);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_END), 0);
    ck_assert_int_eq(mmioWrite(h, "abc", 3), 3);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_END), 3);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
}
END_TEST

START_TEST(riff_in_memory)
{
    char block[64];
    HMMIO h = open_mem(block, sizeof block, 0, MMIO_READWRITE | MMIO_CREATE);
    MMCKINFO riff = {0}, ck = {0};
    riff.fccType = mmioFOURCC('T', 'E', 'S', 'T');
    ck_assert_uint_eq(mmioCreateChunk(h, &riff, MMIO_CREATERIFF), 0);
    ck.ckid = mmioFOURCC('a', 'b', 'c', 'd');
    ck_assert_uint_eq(mmioCreateChunk(h, &ck, 0), 0);
    ck_assert_int_eq(mmioWrite(h, "xyz", 3), 3);
    ck_assert_uint_eq(mmioAscend(h, &ck, 0), 0);
    ck_assert_uint_eq(mmioAscend(h, &riff, 0), 0);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR), 24);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_SET), 0);
    MMCKINFO r2 = {0}, c2 = {0};
    ck_assert_uint_eq(mmioDescend(h, &r2, NULL, MMIO_FINDRIFF), 0);
    ck_assert_uint_eq(r2.cksize, 16);
    c2.ckid = ck.ckid;
    ck_assert_uint_eq(mmioDescend(h, &c2, &r2, MMIO_FINDCHUNK), 0);
    ck_assert_uint_eq(c2.cksize, 3);
    mmioClose(h, 0);
}
END_TEST

Suite *suite_mem(void)
{
    Suite *s = suite_create("mem");
    TCase *tc = tcase_create("mem");
    tcase_add_test(tc, block_is_the_file);
    tcase_add_test(tc, fixed_block_never_overruns_or_wraps);
    tcase_add_test(tc, expandable_block_grows_by_increments);
    tcase_add_test(tc, expandable_caller_block_is_copied_not_reallocated);
    tcase_add_test(tc, create_starts_empty);
    tcase_add_test(tc, riff_in_memory);
    suite_add_tcase(s, tc);
    return s;
}
