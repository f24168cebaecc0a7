/* SPDX-License-Identifier: MIT */
/* Buffers, MMIOINFO after open, reading, writing, seeking, flushing,
 * mmioAdvance and direct buffer access. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static HMMIO open_pattern(size_t len, LONG cch, HPSTR buf, DWORD flags)
{
    MMIOINFO info = {0};
    tu_pattern_file(tu_path("pat"), len);
    info.cchBuffer = cch;
    info.pchBuffer = buf;
    HMMIO h = tu_open(tu_path("pat"), &info, flags);
    ck_assert_ptr_nonnull(h);
    return h;
}

static void assert_position_invariant(HMMIO h)
{
    MMIOINFO i;
    ck_assert_uint_eq(mmioGetInfo(h, &i, 0), 0);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR),
                     i.lBufOffset + (LONG)(i.pchNext - i.pchBuffer));
}

START_TEST(caller_buffer_is_used_as_is)
{
    static char mine[100];
    HMMIO h = open_pattern(10, sizeof mine, mine, MMIO_READ | MMIO_ALLOCBUF);
    MMIOINFO i;
    mmioGetInfo(h, &i, 0);
    ck_assert_ptr_eq(i.pchBuffer, mine);
    ck_assert_int_eq(i.cchBuffer, 100);
    ck_assert_uint_eq(i.dwFlags & MMIO_ALLOCBUF, 0);
    ck_assert_ptr_eq(i.pchNext, mine);
    ck_assert_ptr_eq(i.pchEndRead, mine);
    ck_assert_ptr_eq(i.pchEndWrite, mine + 100);
    ck_assert_int_eq(i.lBufOffset, 0);
    ck_assert_int_eq(i.lDiskOffset, 0);
    mmioClose(h, 0);
}
END_TEST

START_TEST(size_without_buffer_is_allocated)
{
    DWORD variants[] = {MMIO_READ, MMIO_READ | MMIO_ALLOCBUF};
    for (int v = 0; v < 2; v++) {
        HMMIO h = open_pattern(10, 300, NULL, variants[v]);
        MMIOINFO i;
        mmioGetInfo(h, &i, 0);
        ck_assert_ptr_nonnull(i.pchBuffer);
        ck_assert_int_eq(i.cchBuffer, 300);
        ck_assert_uint_eq(i.dwFlags & MMIO_ALLOCBUF, MMIO_ALLOCBUF);
        ck_assert_ptr_eq(i.pchEndWrite, i.pchBuffer + 300);
        ck_assert_ptr_eq(i.pchEndRead, i.pchBuffer);
        mmioClose(h, 0);
    }
}
END_TEST

START_TEST(allocbuf_alone_gives_the_default_size)
{
    HMMIO h = open_pattern(10, 0, NULL, MMIO_READ | MMIO_ALLOCBUF);
    MMIOINFO i;
    mmioGetInfo(h, &i, 0);
    ck_assert_int_eq(i.cchBuffer, MMIO_DEFAULTBUFFER);
    ck_assert_ptr_eq(i.pchEndWrite, i.pchBuffer + MMIO_DEFAULTBUFFER);
    mmioClose(h, 0);
}
END_TEST

START_TEST(no_buffer_means_unbuffered)
{
    HMMIO h = open_pattern(10, 0, NULL, MMIO_READ);
    MMIOINFO i;
    mmioGetInfo(h, &i, 0);
    ck_assert_ptr_null(i.pchBuffer);
    ck_assert_ptr_null(i.pchNext);
    ck_assert_ptr_null(i.pchEndRead);
    ck_assert_ptr_null(i.pchEndWrite);
    ck_assert_int_eq(i.cchBuffer, 0);
    char b[4];
    ck_assert_int_eq(mmioRead(h, b, 4), 4);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR), 4);
    ck_assert_uint_eq(mmioAdvance(h, &i, MMIO_READ), MMIOERR_UNBUFFERED);
    mmioClose(h, 0);
}
END_TEST

START_TEST(setbuffer_variants)
{
    static char mine[16];
    HMMIO h = open_pattern(100, 0, NULL, MMIO_READ | MMIO_ALLOCBUF);
    char b[10];
    MMIOINFO i;
    ck_assert_int_eq(mmioRead(h, b, 10), 10);

    ck_assert_uint_eq(mmioSetBuffer(h, NULL, 0, 0), 0);
    mmioGetInfo(h, &i, 0);
    ck_assert_ptr_null(i.pchBuffer);
    ck_assert_ptr_null(i.pchNext);
    ck_assert_ptr_null(i.pchEndRead);
    ck_assert_ptr_null(i.pchEndWrite);
    ck_assert_uint_eq(i.dwFlags, MMIO_READ);
    ck_assert_int_eq(mmioRead(h, b, 1), 1);
    ck_assert_int_eq((unsigned char)b[0], 10); /* position kept */

    ck_assert_uint_eq(mmioSetBuffer(h, NULL, 64, MMIO_ALLOCBUF), 0);
    mmioGetInfo(h, &i, 0);
    ck_assert_ptr_nonnull(i.pchBuffer);
    ck_assert_int_eq(i.cchBuffer, 64);
    ck_assert_ptr_eq(i.pchEndRead, i.pchBuffer);
    ck_assert_ptr_eq(i.pchNext, i.pchBuffer);
    ck_assert_uint_eq(i.dwFlags, MMIO_READ | MMIO_ALLOCBUF);
    assert_position_invariant(h);

    ck_assert_uint_eq(mmioSetBuffer(h, mine, 0, 0), 0);
    mmioGetInfo(h, &i, 0);
    ck_assert_ptr_eq(i.pchBuffer, mine);
    ck_assert_int_eq(i.cchBuffer, 0);
    ck_assert_uint_eq(i.dwFlags, MMIO_READ);
    ck_assert_int_eq(mmioRead(h, b, 2), 2);
    ck_assert_int_eq((unsigned char)b[0], 11);
    ck_assert_int_eq((unsigned char)b[1], 12);
    ck_assert_uint_eq(mmioSetBuffer(h, NULL, -1, 0), MMSYSERR_INVALPARAM);
    mmioClose(h, 0);
}
END_TEST

START_TEST(seek_end_counts_back)
{
    HMMIO h = open_pattern(174, 0, NULL, MMIO_READ | MMIO_ALLOCBUF);
    ck_assert_int_eq(mmioSeek(h, 16, SEEK_END), 158);
    unsigned char c;
    ck_assert_int_eq(mmioRead(h, (char *)&c, 1), 1);
    ck_assert_int_eq(c, 158 % 251);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_END), 174);
    MMIOINFO i;
    mmioGetInfo(h, &i, 0);
    ck_assert_int_eq(i.lBufOffset, 174);
    ck_assert_int_eq(i.lDiskOffset, 174);
    ck_assert_ptr_eq(i.pchNext, i.pchBuffer);
    ck_assert_ptr_eq(i.pchEndRead, i.pchBuffer);
    ck_assert_int_eq(mmioSeek(h, 200, SEEK_END), -1);
    ck_assert_int_eq(mmioSeek(h, -1, SEEK_SET), -1);
    ck_assert_int_eq(mmioSeek(h, 0, 7), -1);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR), 174);
    mmioClose(h, 0);
    h = open_pattern(174, 0, NULL, MMIO_READ); /* unbuffered too */
    ck_assert_int_eq(mmioSeek(h, 16, SEEK_END), 158);
    mmioClose(h, 0);
}
END_TEST

START_TEST(seek_inside_buffer_keeps_it)
{
    HMMIO h = open_pattern(174, 0, NULL, MMIO_READ | MMIO_ALLOCBUF);
    char b[10];
    MMIOINFO i, j;
    ck_assert_int_eq(mmioRead(h, b, 10), 10);
    mmioGetInfo(h, &i, 0);
    ck_assert_ptr_eq(i.pchEndRead, i.pchBuffer + 174);
    ck_assert_int_eq(mmioSeek(h, 100, SEEK_SET), 100);
    mmioGetInfo(h, &j, 0);
    ck_assert_ptr_eq(j.pchEndRead, i.pchEndRead);
    ck_assert_ptr_eq(j.pchNext, j.pchBuffer + 100);
    ck_assert_int_eq(j.lBufOffset, 0);
    ck_assert_int_eq(mmioSeek(h, -50, SEEK_CUR), 50);
    assert_position_invariant(h);
    mmioClose(h, 0);
}
END_TEST

START_TEST(seek_outside_buffer_empties_it)
{
    HMMIO h = open_pattern(174, 64, NULL, MMIO_READ);
    char b[10];
    MMIOINFO i;
    ck_assert_int_eq(mmioRead(h, b, 10), 10);
    ck_assert_int_eq(mmioSeek(h, 150, SEEK_SET), 150);
    mmioGetInfo(h, &i, 0);
    ck_assert_int_eq(i.lBufOffset, 150);
    ck_assert_ptr_eq(i.pchNext, i.pchBuffer);
    ck_assert_ptr_eq(i.pchEndRead, i.pchBuffer);
    ck_assert_int_eq(mmioRead(h, b, 1), 1);
    ck_assert_int_eq((unsigned char)b[0], 150);
    mmioClose(h, 0);
}
END_TEST

START_TEST(large_read_leaves_buffer_empty)
{
    HMMIO h = open_pattern(1000, 64, NULL, MMIO_READ);
    unsigned char b[300];
    MMIOINFO i;
    ck_assert_int_eq(mmioRead(h, (char *)b, 100), 100);
    for (int k = 0; k < 100; k++)
        ck_assert_int_eq(b[k], k);
    mmioGetInfo(h, &i, 0);
    ck_assert_int_eq(i.lBufOffset, 100);
    ck_assert_ptr_eq(i.pchNext, i.pchBuffer);
    ck_assert_ptr_eq(i.pchEndRead, i.pchBuffer);
    ck_assert_int_eq(mmioRead(h, (char *)b, 3), 3); /* small: buffered */
    ck_assert_int_eq(b[0], 100);
    ck_assert_int_eq(mmioRead(h, (char *)b, 300), 300);
    for (int k = 0; k < 300; k++)
        ck_assert_int_eq(b[k], (103 + k) % 251);
    assert_position_invariant(h);
    mmioClose(h, 0);
}
END_TEST

START_TEST(byte_reads_cross_buffer_boundaries)
{
    HMMIO h = open_pattern(1000, 7, NULL, MMIO_READ);
    for (int k = 0; k < 1000; k++) {
        unsigned char c;
        ck_assert_int_eq(mmioRead(h, (char *)&c, 1), 1);
        ck_assert_int_eq(c, k % 251);
    }
    char c;
    ck_assert_int_eq(mmioRead(h, &c, 1), 0); /* end of file */
    ck_assert_int_eq(mmioRead(h, &c, 0), 0);
    mmioClose(h, 0);
}
END_TEST

START_TEST(advance_at_eof_succeeds_empty)
{
    HMMIO h = open_pattern(10, 64, NULL, MMIO_READ);
    MMIOINFO i;
    mmioGetInfo(h, &i, 0);
    ck_assert_uint_eq(mmioAdvance(h, &i, MMIO_READ), 0);
    ck_assert_ptr_eq(i.pchEndRead, i.pchBuffer + 10);
    i.pchNext = i.pchEndRead;
    ck_assert_uint_eq(mmioAdvance(h, &i, MMIO_READ), 0);
    ck_assert_ptr_eq(i.pchNext, i.pchEndRead);
    ck_assert_int_eq(i.lBufOffset, 10);
    mmioClose(h, 0);
}
END_TEST

START_TEST(direct_access_read_loop)
{
    HMMIO h = open_pattern(1000, 64, NULL, MMIO_READ);
    MMIOINFO i;
    mmioGetInfo(h, &i, 0);
    long n = 0;
    for (;;) {
        if (i.pchNext == i.pchEndRead) {
            ck_assert_uint_eq(mmioAdvance(h, &i, MMIO_READ), 0);
            if (i.pchNext == i.pchEndRead)
                break;
        }
        ck_assert_int_eq((unsigned char)*i.pchNext++, n % 251);
        n++;
    }
    ck_assert_int_eq(n, 1000);
    ck_assert_uint_eq(mmioSetInfo(h, &i, 0), 0);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR), 1000);
    mmioClose(h, 0);
}
END_TEST

START_TEST(direct_access_write_loop)
{
    MMIOINFO info = {0};
    info.cchBuffer = 32;
    HMMIO h = tu_open(tu_path("dw"), &info, MMIO_WRITE | MMIO_CREATE);
    ck_assert_ptr_nonnull(h);
    MMIOINFO i;
    mmioGetInfo(h, &i, 0);
    for (int k = 0; k < 100; k++) {
        if (i.pchNext == i.pchEndWrite) {
            i.dwFlags |= MMIO_DIRTY;
            ck_assert_uint_eq(mmioAdvance(h, &i, MMIO_WRITE), 0);
            ck_assert_int_eq(i.lBufOffset, k);
        }
        *i.pchNext++ = (char)k;
    }
    i.dwFlags |= MMIO_DIRTY;
    ck_assert_uint_eq(mmioSetInfo(h, &i, 0), 0);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR), 100);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    unsigned char b[200];
    ck_assert_uint_eq(tu_read(tu_path("dw"), b, sizeof b), 100);
    for (int k = 0; k < 100; k++)
        ck_assert_int_eq(b[k], k);
}
END_TEST

START_TEST(setinfo_refuses_foreign_pointers)
{
    HMMIO h = open_pattern(10, 64, NULL, MMIO_READ);
    MMIOINFO i;
    char other[4];
    mmioGetInfo(h, &i, 0);
    i.pchNext = other;
    ck_assert_uint_eq(mmioSetInfo(h, &i, 0), MMSYSERR_INVALPARAM);
    ck_assert_uint_eq(mmioSetInfo(h, NULL, 0), MMSYSERR_INVALPARAM);
    assert_position_invariant(h);
    mmioClose(h, 0);
}
END_TEST

START_TEST(readwrite_mixes_reads_and_writes)
{
    HMMIO h = open_pattern(100, 16, NULL, MMIO_READWRITE);
    char b[40];
    ck_assert_int_eq(mmioRead(h, b, 5), 5);
    ck_assert_int_eq(mmioWrite(h, "XYZ", 3), 3);
    ck_assert_int_eq(mmioSeek(h, 3, SEEK_SET), 3);
    ck_assert_int_eq(mmioRead(h, b, 6), 6);
    ck_assert_int_eq(memcmp(b, "\3\4XYZ\10", 6), 0);
    ck_assert_int_eq(mmioSeek(h, 60, SEEK_SET), 60);
    ck_assert_int_eq(mmioWrite(h, "0123456789012345678901234", 25), 25);
    ck_assert_int_eq(mmioSeek(h, 58, SEEK_SET), 58);
    ck_assert_int_eq(mmioRead(h, b, 30), 30);
    ck_assert_int_eq((unsigned char)b[0], 58);
    ck_assert_int_eq(memcmp(b + 2, "0123456789012345678901234", 25), 0);
    ck_assert_int_eq((unsigned char)b[27], 85);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    unsigned char f[200];
    ck_assert_uint_eq(tu_read(tu_path("pat"), f, sizeof f), 100);
    ck_assert_int_eq(memcmp(f + 5, "XYZ", 3), 0);
    ck_assert_int_eq(memcmp(f + 60, "0123456789012345678901234", 25), 0);
    ck_assert_int_eq(f[99], 99);
}
END_TEST

START_TEST(write_past_end_and_seek_end_after)
{
    HMMIO h = open_pattern(10, 0, NULL, MMIO_READWRITE | MMIO_ALLOCBUF);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_END), 10);
    ck_assert_int_eq(mmioWrite(h, "abc", 3), 3);
    /* the buffered bytes count for SEEK_END */
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_END), 13);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_int_eq(tu_size(tu_path("pat")), 13);
}
END_TEST

/* ---- through the recording procedure ----------------------------------- */

static HMMIO open_recorded(LONG cch, DWORD flags)
{
    MMIOINFO info = {0};
    info.pIOProc = tu_proc;
    info.fccIOProc = mmioFOURCC('R', 'E', 'C', ' ');
    info.cchBuffer = cch;
    info.adwInfo[0] = 11;
    info.adwInfo[2] = 33;
    HMMIO h = mmioOpen((LPSTR) "rec+name.x+y", &info, flags);
    ck_assert_ptr_nonnull(h);
    return h;
}

START_TEST(procedure_sees_open_as_given)
{
    tu_log_reset();
    HMMIO h = open_recorded(64, MMIO_READWRITE);
    ck_assert_int_eq(tu_log.msgs[MMIOM_OPEN], 1);
    ck_assert_str_eq(tu_log.open_name, "rec+name.x+y");
    ck_assert_uint_eq(tu_log.at_open.adwInfo[0], 11);
    ck_assert_uint_eq(tu_log.at_open.adwInfo[1], 0);
    ck_assert_uint_eq(tu_log.at_open.adwInfo[2], 33);
    ck_assert_int_eq(tu_log.at_open.lDiskOffset, 0);
    ck_assert_int_eq(tu_log.msgs[MMIOM_SEEK], 0);
    MMIOINFO i;
    mmioGetInfo(h, &i, 0);
    ck_assert_ptr_eq(i.pIOProc, tu_proc);
    ck_assert_uint_eq(i.fccIOProc, mmioFOURCC('R', 'E', 'C', ' '));
    mmioClose(h, 0);
    ck_assert_int_eq(tu_log.msgs[MMIOM_CLOSE], 1);
}
END_TEST

START_TEST(no_mmioinfo_means_zero_adwinfo)
{
    tu_log_reset();
    ck_assert_ptr_eq(mmioInstallIOProc(mmioFOURCC('R', 'E', 'C', ' '), tu_proc,
                                       MMIO_INSTALLPROC),
                     tu_proc);
    memset(tu_log.at_open.adwInfo, 0xff, sizeof tu_log.at_open.adwInfo);
    HMMIO h = mmioOpen((LPSTR) "a.rec+b", NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_uint_eq(tu_log.at_open.adwInfo[0], 0);
    ck_assert_uint_eq(tu_log.at_open.adwInfo[1], 0);
    ck_assert_uint_eq(tu_log.at_open.adwInfo[2], 0);
    mmioClose(h, 0);
}
END_TEST

START_TEST(flush_writes_dirty_buffer_once_with_writeflush)
{
    tu_log_reset();
    HMMIO h = open_recorded(64, MMIO_READWRITE);
    ck_assert_uint_eq(mmioFlush(h, 0), 0); /* clean: nothing */
    ck_assert_int_eq(tu_log.msgs[MMIOM_WRITEFLUSH] + tu_log.msgs[MMIOM_WRITE],
                     0);
    ck_assert_int_eq(mmioWrite(h, "hello", 5), 5);
    ck_assert_int_eq(tu_log.msgs[MMIOM_WRITE], 0); /* still buffered */
    ck_assert_uint_eq(mmioFlush(h, 0), 0);
    ck_assert_int_eq(tu_log.msgs[MMIOM_WRITEFLUSH], 1);
    ck_assert_int_eq(tu_log.last_b, 5);
    ck_assert_uint_eq(mmioFlush(h, 0), 0);
    ck_assert_int_eq(tu_log.msgs[MMIOM_WRITEFLUSH], 1);
    ck_assert_int_eq(tu_log.msgs[MMIOM_WRITE], 0);
    ck_assert_int_eq(memcmp(tu_log.data, "hello", 5), 0);
    MMIOINFO i;
    mmioGetInfo(h, &i, 0);
    ck_assert_uint_eq(i.dwFlags & MMIO_DIRTY, 0);
    ck_assert_ptr_eq(i.pchNext, i.pchBuffer + 5); /* buffer kept */
    ck_assert_uint_eq(mmioFlush(h, MMIO_EMPTYBUF), 0);
    mmioGetInfo(h, &i, 0);
    ck_assert_ptr_eq(i.pchNext, i.pchBuffer);
    ck_assert_ptr_eq(i.pchEndRead, i.pchBuffer);
    ck_assert_int_eq(i.lBufOffset, 5);
    ck_assert_int_eq(mmioWrite(h, "!", 1), 1);
    ck_assert_uint_eq(mmioClose(h, 0), 0); /* close flushes */
    ck_assert_int_eq(tu_log.msgs[MMIOM_WRITEFLUSH], 2);
    ck_assert_int_eq(tu_log.size, 6);
}
END_TEST

START_TEST(failed_flush_keeps_data_dirty)
{
    tu_log_reset();
    HMMIO h = open_recorded(64, MMIO_WRITE);
    ck_assert_int_eq(mmioWrite(h, "data", 4), 4);
    tu_log.fail_writes = 1;
    ck_assert_uint_eq(mmioFlush(h, 0), MMIOERR_CANNOTWRITE);
    tu_log.fail_writes = 0;
    ck_assert_uint_eq(mmioFlush(h, 0), 0);
    ck_assert_int_eq(memcmp(tu_log.data, "data", 4), 0);
    mmioClose(h, 0);
}
END_TEST

START_TEST(large_requests_go_straight_to_the_procedure)
{
    tu_log_reset();
    static char big[500];
    HMMIO h = open_recorded(64, MMIO_READWRITE);
    memset(big, 'q', sizeof big);
    ck_assert_int_eq(mmioWrite(h, big, 64), 64);
    ck_assert_int_eq(tu_log.msgs[MMIOM_WRITE], 1);
    ck_assert_ptr_eq((void *)tu_log.last_a, big); /* the caller's bytes */
    ck_assert_int_eq(mmioWrite(h, big, 500), 500);
    ck_assert_ptr_eq((void *)tu_log.last_a, big);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_SET), 0);
    int reads = tu_log.msgs[MMIOM_READ];
    ck_assert_int_eq(mmioRead(h, big, 200), 200);
    ck_assert_int_eq(tu_log.msgs[MMIOM_READ], reads + 1);
    ck_assert_ptr_eq((void *)tu_log.last_a, big);
    mmioClose(h, 0);
}
END_TEST

START_TEST(seek_end_reaches_the_procedure_counting_back)
{
    tu_log_reset();
    HMMIO h = open_recorded(64, MMIO_READWRITE);
    static char d[174];
    ck_assert_int_eq(mmioWrite(h, d, 174), 174);
    ck_assert_int_eq(mmioSeek(h, 16, SEEK_END), 158);
    ck_assert_uint_eq(tu_log.last_msg, MMIOM_SEEK);
    ck_assert_int_eq(tu_log.last_a, 16);
    ck_assert_int_eq(tu_log.last_b, SEEK_END);
    mmioClose(h, 0);
}
END_TEST

START_TEST(send_message_only_passes_user_messages)
{
    tu_log_reset();
    HMMIO h = open_recorded(0, MMIO_READ);
    ck_assert_int_eq(mmioSendMessage(h, MMIOM_READ, 0, 0), MMSYSERR_INVALPARAM);
    ck_assert_int_eq(mmioSendMessage(h, MMIOM_USER - 1, 0, 0),
                     MMSYSERR_INVALPARAM);
    ck_assert_int_eq(tu_log.msgs[MMIOM_READ], 0);
    ck_assert_int_eq(mmioSendMessage(h, MMIOM_USER + 1, 40, 2), 42);
    ck_assert_int_eq(tu_log.user, 1);
    ck_assert_int_eq(tu_log.last_a, 40);
    ck_assert_int_eq(tu_log.last_b, 2);
    mmioClose(h, 0);
}
END_TEST

Suite *suite_buffer(void)
{
    Suite *s = suite_create("buffer");
    TCase *tc = tcase_create("buffer");
    tcase_add_test(tc, caller_buffer_is_used_as_is);
    tcase_add_test(tc, size_without_buffer_is_allocated);
    tcase_add_test(tc, allocbuf_alone_gives_the_default_size);
    tcase_add_test(tc, no_buffer_means_unbuffered);
    tcase_add_test(tc, setbuffer_variants);
    tcase_add_test(tc, seek_end_counts_back);
    tcase_add_test(tc, seek_inside_buffer_keeps_it);
    tcase_add_test(tc, seek_outside_buffer_empties_it);
    tcase_add_test(tc, large_read_leaves_buffer_empty);
    tcase_add_test(tc, byte_reads_cross_buffer_boundaries);
    tcase_add_test(tc, advance_at_eof_succeeds_empty);
    tcase_add_test(tc, direct_access_read_loop);
    tcase_add_test(tc, direct_access_write_loop);
    tcase_add_test(tc, setinfo_refuses_foreign_pointers);
    tcase_add_test(tc, readwrite_mixes_reads_and_writes);
    tcase_add_test(tc, write_past_end_and_seek_end_after);
    tcase_add_test(tc, procedure_sees_open_as_given);
    tcase_add_test(tc, no_mmioinfo_means_zero_adwinfo);
    tcase_add_test(tc, flush_writes_dirty_buffer_once_with_writeflush);
    tcase_add_test(tc, failed_flush_keeps_data_dirty);
    tcase_add_test(tc, large_requests_go_straight_to_the_procedure);
    tcase_add_test(tc, seek_end_reaches_the_procedure_counting_back);
    tcase_add_test(tc, send_message_only_passes_user_messages);
    suite_add_tcase(s, tc);
    return s;
}
