/* SPDX-License-Identifier: MIT */
/* The bundled gz plugin against gzip itself: both directions, multi-member
 * files, seeks back and forth, damaged streams, a flushed write that
 * survives a SIGKILL, WAVE files written with size patches, and failed
 * writes that leave the old file. */
#define _GNU_SOURCE
#include "hostutil.h"
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A text file of n bytes and its gzip. */
static void make_pair(const char *plain, const char *gz, long n)
{
    tu_text_file(plain, n, 1);
    ck_assert_int_eq(tu_shell("gzip -c '%s' > '%s'", plain, gz), 0);
}

START_TEST(written_by_us_read_by_gzip_and_back)
{
    use_bundled_plugins();
    char plain[600], gz[600], name[700];
    snprintf(plain, sizeof plain, "%s", tu_path("p.txt"));
    snprintf(gz, sizeof gz, "%s", tu_path("ours.gz"));
    make_pair(plain, tu_path("theirs.gz"), 3 << 20);
    long n;
    char *data = tu_slurp(plain, &n);
    snprintf(name, sizeof name, "%s+", gz);
    HMMIO h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE | MMIO_ALLOCBUF);
    ck_assert_ptr_nonnull(h);
    for (long i = 0; i < n; i += 10000) {
        LONG k = (LONG)(n - i < 10000 ? n - i : 10000);
        ck_assert_int_eq(mmioWrite(h, data + i, k), k);
    }
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_int_eq(tu_shell("gzip -dc '%s' | cmp -s - '%s'", gz, plain), 0);
    /* gzip's own file, and two members back to back, read by us */
    char multi[600];
    snprintf(multi, sizeof multi, "%s", tu_path("multi.gz"));
    ck_assert_int_eq(tu_shell("cat '%s' '%s' > '%s'", tu_path("theirs.gz"),
                              tu_path("theirs.gz"), multi),
                     0);
    snprintf(name, sizeof name, "%s+", multi);
    h = mmioOpen(name, NULL, MMIO_READ | MMIO_ALLOCBUF);
    ck_assert_ptr_nonnull(h);
    char *back = malloc((size_t)n * 2);
    long got = 0;
    for (;;) {
        LONG r = mmioRead(h, back + got, 65536);
        ck_assert_int_ge(r, 0);
        if (r == 0)
            break;
        got += r;
    }
    ck_assert_int_eq(got, 2 * n);
    ck_assert(memcmp(back, data, (size_t)n) == 0);
    ck_assert(memcmp(back + n, data, (size_t)n) == 0);
    mmioClose(h, 0);
    free(back);
    free(data);
}
END_TEST

START_TEST(seeks_back_and_forth_match_the_plain_file)
{
    use_bundled_plugins();
    char plain[600], gz[600], name[700];
    snprintf(plain, sizeof plain, "%s", tu_path("s.txt"));
    snprintf(gz, sizeof gz, "%s", tu_path("s.txt.gz"));
    make_pair(plain, gz, 6 << 20);
    long n;
    char *data = tu_slurp(plain, &n);
    snprintf(name, sizeof name, "%s+", gz);
    HMMIO h = mmioOpen(name, NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioSeek(h, 100, SEEK_END), n - 100);
    unsigned x = 7;
    for (int i = 0; i < 60; i++) {
        x = x * 1103515245u + 12345u;
        long pos = (long)((x >> 4) % (unsigned)(n - 512));
        char buf[512];
        ck_assert_int_eq(mmioSeek(h, (LONG)pos, SEEK_SET), pos);
        ck_assert_int_eq(mmioRead(h, buf, 512), 512);
        ck_assert_msg(memcmp(buf, data + pos, 512) == 0, "at %ld", pos);
    }
    mmioClose(h, 0);
    free(data);
}
END_TEST

START_TEST(damaged_streams_are_errors_not_ends)
{
    use_bundled_plugins();
    char plain[600], gz[600], name[700];
    snprintf(plain, sizeof plain, "%s", tu_path("d.txt"));
    snprintf(gz, sizeof gz, "%s", tu_path("d.gz"));
    make_pair(plain, gz, 200000);
    long n;
    char *z = tu_slurp(gz, &n);
    snprintf(name, sizeof name, "%s+", gz);
    ck_assert_int_eq(tu_read_to_end(name, NULL), 0);
    z[n - 6] ^= 0x55; /* the CRC in the trailer */
    tu_write(gz, z, (size_t)n);
    ck_assert_int_eq(tu_read_to_end(name, NULL), -1);
    tu_write(gz, z, (size_t)n / 2); /* truncated */
    ck_assert_int_eq(tu_read_to_end(name, NULL), -1);
    free(z);
}
END_TEST

START_TEST(flushed_data_survives_a_kill)
{
    use_bundled_plugins();
    char gz[600];
    snprintf(gz, sizeof gz, "%s", tu_path("k.gz"));
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char name[700];
        snprintf(name, sizeof name, "%s+", gz);
        /* buffered: mmioFlush hands a dirty buffer over with WRITEFLUSH */
        HMMIO h =
            mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE | MMIO_ALLOCBUF);
        if (!h || mmioWrite(h, "saved before the kill\n", 22) != 22 ||
            mmioFlush(h, 0) != 0)
            _exit(1);
        mmioWrite(h, "lost", 4);
        raise(SIGKILL);
    }
    int st;
    waitpid(pid, &st, 0);
    ck_assert(WIFSIGNALED(st));
    /* what the flush put in place is a whole gzip file of what was written */
    char out[256];
    ck_assert_int_eq(tu_capture(out, sizeof out, "gzip -dc '%s'", gz), 0);
    ck_assert_str_eq(out, "saved before the kill\n");
}
END_TEST

/* Reproduced at HEAD: the ascend of the data chunk failed (a deflate stream
 * cannot seek back) and left a .gz that failed gzip -t. */
START_TEST(wave_written_through_gz_reads_back_with_zcat)
{
    use_bundled_plugins();
    long sizes[] = {1000, 22050L * 3, 300000};
    for (int i = 0; i < 3; i++) {
        char plain[600], gz[600], name[700];
        snprintf(plain, sizeof plain, "%s", tu_path("w.wav"));
        snprintf(gz, sizeof gz, "%s", tu_path("w.wav.gz"));
        snprintf(name, sizeof name, "%s+", gz);
        ck_assert_int_eq(tu_write_wave(plain, sizes[i]), 0);
        ck_assert_int_eq(tu_write_wave(name, sizes[i]), 0);
        ck_assert_int_eq(tu_shell("gzip -t '%s'", gz), 0);
        ck_assert_int_eq(tu_shell("zcat '%s' | cmp -s - '%s'", gz, plain), 0);
        ck_assert_int_eq(tu_shell("sox '%s' -n stat 2>/dev/null", plain), 0);
    }
}
END_TEST

/* Reproduced at HEAD: an ENOSPC during a gz write left an unreadable file
 * where the old one was. */
START_TEST(failed_gz_write_leaves_the_old_file)
{
    use_bundled_plugins();
    char plain[600], gz[600], name[700];
    snprintf(plain, sizeof plain, "%s", tu_path("old.txt"));
    snprintf(gz, sizeof gz, "%s", tu_path("old.txt.gz"));
    make_pair(plain, gz, 5000);
    snprintf(name, sizeof name, "%s+", gz);
    ck_assert_int_eq(tu_write_under_limit(name, 2 << 20, 256 << 10, 0), 20);
    ck_assert_int_eq(tu_shell("zcat '%s' | cmp -s - '%s'", gz, plain), 0);
    ck_assert_int_eq(tu_dir_count(tu_path(""), "mmio"), 0);
    /* going back to rewrite what was deflated fails, and nothing is put in
     * place either */
    HMMIO h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_ptr_nonnull(h);
    static char junk[200000];
    ck_assert_int_eq(mmioWrite(h, junk, sizeof junk), (LONG)sizeof junk);
    ck_assert_int_eq(mmioSeek(h, 100000, SEEK_SET), 100000);
    ck_assert_int_eq(mmioWrite(h, "x", 1), -1);
    ck_assert_uint_eq(mmioClose(h, 0), MMIOERR_CANNOTWRITE);
    ck_assert_int_eq(tu_shell("zcat '%s' | cmp -s - '%s'", gz, plain), 0);
}
END_TEST

START_TEST(exist_delete_and_rename_through_gz)
{
    use_bundled_plugins();
    char file[600], other[600];
    snprintf(file, sizeof file, "%s", tu_path("x.txt.gz"));
    snprintf(other, sizeof other, "%s", tu_path("z.txt.gz"));
    ck_assert_int_eq(tu_shell("echo hello | gzip -c > '%s'", file), 0);
    exist_delete_rename_through(file, other, "gzip -dc '%s' | grep -qx hello");
}
END_TEST

Suite *suite_gz(void)
{
    Suite *s = suite_create("gz");
    TCase *tc = tcase_create("gz");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, written_by_us_read_by_gzip_and_back);
    tcase_add_test(tc, seeks_back_and_forth_match_the_plain_file);
    tcase_add_test(tc, damaged_streams_are_errors_not_ends);
    tcase_add_test(tc, flushed_data_survives_a_kill);
    tcase_add_test(tc, wave_written_through_gz_reads_back_with_zcat);
    tcase_add_test(tc, failed_gz_write_leaves_the_old_file);
    tcase_add_test(tc, exist_delete_and_rename_through_gz);
    suite_add_tcase(s, tc);
    return s;
}
