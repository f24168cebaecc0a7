/* SPDX-License-Identifier: MIT */
/* Reading ZIP members through the bundled plugin, against Info-ZIP and
 * Python's zipfile: streaming, seeks, zip64, sizes past a LONG, and damaged
 * or hostile archives. */
#define _GNU_SOURCE
#include "hostutil.h"
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *zname(const char *archive, const char *member)
{
    static char name[2][800];
    static int turn;
    turn ^= 1;
    snprintf(name[turn], sizeof name[turn], "%s+%s", archive, member);
    return name[turn];
}

static MMRESULT open_error(const char *name)
{
    char copy[800];
    snprintf(copy, sizeof copy, "%s", name);
    MMIOINFO info = {0};
    HMMIO h = mmioOpen(copy, &info, MMIO_READ);
    if (h) {
        mmioClose(h, 0);
        return 0;
    }
    return info.wErrorRet;
}

START_TEST(a_big_member_streams_and_seeks_like_unzip)
{
    use_bundled_plugins();
    const char *plain = tu_path("big.txt");
    char archive[600];
    snprintf(archive, sizeof archive, "%s", tu_path("big.zip"));
    long n = 64L << 20;
    tu_text_file(plain, n, 7);
    ck_assert_int_eq(
        tu_shell("cd '%s' && zip -q -j '%s' big.txt", tu_path(""), archive), 0);
    /* byte-identical to unzip -p */
    char dir[600];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    ck_assert_int_eq(tu_shell("cd '%s' && unzip -p big.zip big.txt > unzip.out "
                              "&& '%s' --config bundled.conf cat '%s' > "
                              "ours.out && cmp -s unzip.out ours.out",
                              dir, MMIOHOST, zname(archive, "big.txt")),
                     0);
    /* 1000 random seeks and reads, both directions */
    long len;
    char *want = tu_slurp(plain, &len);
    ck_assert_int_eq(len, n);
    HMMIO h = mmioOpen(zname(archive, "big.txt"), NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_END), n);
    ck_assert_int_eq(mmioSeek(h, 10, SEEK_END), n - 10);
    unsigned x = 99;
    char got[4096];
    for (int i = 0; i < 1000; i++) {
        x = x * 1103515245u + 12345u;
        long at = (long)((x >> 4) % (unsigned long)(n - 100));
        ck_assert_int_eq(mmioSeek(h, at, SEEK_SET), at);
        LONG r = mmioRead(h, got, sizeof got);
        long expect = n - at < (long)sizeof got ? n - at : (long)sizeof got;
        ck_assert_int_eq(r, expect);
        ck_assert_msg(memcmp(got, want + at, (size_t)r) == 0,
                      "bytes differ at %ld", at);
    }
    mmioClose(h, 0);
    free(want);
}
END_TEST

START_TEST(stored_members_and_other_methods_read_right)
{
    use_bundled_plugins();
    const char *plain = tu_path("s.txt");
    char archive[600];
    snprintf(archive, sizeof archive, "%s", tu_path("s.zip"));
    long n = 3L << 20;
    tu_text_file(plain, n, 3);
    ck_assert_int_eq(
        tu_shell("cd '%s' && zip -q -0 s.zip s.txt && cp s.txt b.txt && "
                 "zip -q -Z bzip2 s.zip b.txt",
                 tu_path("")),
        0);
    long len;
    char *want = tu_slurp(plain, &len);
    const char *members[] = {"s.txt", "b.txt"};
    for (int k = 0; k < 2; k++) {
        HMMIO h = mmioOpen(zname(archive, members[k]), NULL, MMIO_READ);
        ck_assert_ptr_nonnull(h);
        long spots[] = {n - 5000, 17, 2000000, 1, n - 1};
        char got[4096];
        for (int i = 0; i < 5; i++) {
            ck_assert_int_eq(mmioSeek(h, spots[i], SEEK_SET), spots[i]);
            LONG r = mmioRead(h, got, sizeof got);
            long expect = n - spots[i] < 4096 ? n - spots[i] : 4096;
            ck_assert_int_eq(r, expect);
            ck_assert(memcmp(got, want + spots[i], (size_t)r) == 0);
        }
        mmioClose(h, 0);
        long total;
        ck_assert_int_eq(tu_read_to_end(zname(archive, members[k]), &total), 0);
        ck_assert_int_eq(total, n);
    }
    free(want);
}
END_TEST

START_TEST(zip64_archives_read_and_take_new_members)
{
    use_bundled_plugins();
    char archive[600];
    snprintf(archive, sizeof archive, "%s", tu_path("z64.zip"));
    ck_assert_int_eq(
        tu_shell("python3 -c \"import zipfile\n"
                 "with zipfile.ZipFile('%s','w',zipfile.ZIP_DEFLATED) as z:\n"
                 "  with z.open('a.txt','w',force_zip64=True) as f:\n"
                 "    f.write(b'zip64 member'*1000)\"",
                 archive),
        0);
    char got[13] = "";
    HMMIO h = mmioOpen(zname(archive, "a.txt"), NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioSeek(h, 11988, SEEK_SET), 11988); /* 999 copies in */
    ck_assert_int_eq(mmioRead(h, got, 12), 12);
    ck_assert_str_eq(got, "zip64 member");
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_END), 12000);
    mmioClose(h, 0);
    h = mmioOpen(zname(archive, "b.txt"), NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioWrite(h, "added", 5), 5);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_int_eq(tu_shell("unzip -tq '%s' >/dev/null && "
                              "python3 -m zipfile -t '%s' >/dev/null && "
                              "test \"$(unzip -p '%s' b.txt)\" = added",
                              archive, archive, archive),
                     0);
}
END_TEST

START_TEST(members_past_a_long_are_refused_clearly)
{
    use_bundled_plugins();
    char archive[600];
    snprintf(archive, sizeof archive, "%s", tu_path("huge.zip"));
    /* 2 GiB + 16 MiB of zeros: 9 MB on disk */
    ck_assert_int_eq(
        tu_shell("python3 -c \"import zipfile\n"
                 "with zipfile.ZipFile('%s','w',zipfile.ZIP_DEFLATED,"
                 "compresslevel=1) as z:\n"
                 "  z.writestr('small.txt', b'small')\n"
                 "  with z.open('huge.bin','w',force_zip64=True) as f:\n"
                 "    b=bytes(1<<24)\n"
                 "    for i in range(129): f.write(b)\"",
                 archive),
        0);
    ck_assert_uint_eq(open_error(zname(archive, "huge.bin")),
                      MMSYSERR_NOTSUPPORTED);
    char text[128];
    ck_assert_uint_eq(
        mmioExtErrorText(MMSYSERR_NOTSUPPORTED, text, sizeof text), 0);
    ck_assert_msg(*text, "no text for the error");
    ck_assert_uint_eq(open_error(zname(archive, "small.txt")), 0);
}
END_TEST

/* The offset of the first local header's data in a one-member archive
 * made by Python (no extra field), and the central directory's. */
static long find(const char *b, long n, const char *sig)
{
    for (long i = n - 4; i >= 0; i--)
        if (memcmp(b + i, sig, 4) == 0)
            return i;
    return -1;
}

START_TEST(damaged_archives_are_errors_not_crashes)
{
    use_bundled_plugins();
    char good[600], bad[600];
    snprintf(good, sizeof good, "%s", tu_path("good.zip"));
    snprintf(bad, sizeof bad, "%s", tu_path("bad.zip"));
    /* one stored member, one deflated */
    ck_assert_int_eq(tu_shell("python3 -c \"import zipfile\n"
                              "with zipfile.ZipFile('%s','w') as z:\n"
                              "  z.writestr('st.txt', b'stored bytes '*100)\n"
                              "  z.writestr('df.txt', b'deflated bytes '*5000,"
                              " zipfile.ZIP_DEFLATED)\"",
                              good),
                     0);
    long n, total;
    char *z = tu_slurp(good, &n);
    ck_assert_int_eq(tu_read_to_end(zname(good, "st.txt"), &total), 0);
    ck_assert_int_eq(tu_read_to_end(zname(good, "df.txt"), &total), 0);
    ck_assert_int_eq(total, 15L * 5000);

    /* truncated: no directory left */
    tu_write(bad, z, (size_t)n / 2);
    ck_assert_uint_eq(open_error(zname(bad, "st.txt")), MMIOERR_INVALIDFILE);
    tu_write(bad, "", 0);
    ck_assert_uint_eq(open_error(zname(bad, "st.txt")), MMIOERR_INVALIDFILE);

    /* bad CRC: a byte of the stored data changed */
    char *c = malloc((size_t)n);
    memcpy(c, z, (size_t)n);
    c[30 + 6 + 50] ^= 1; /* local header, name "st.txt", into the data */
    tu_write(bad, c, (size_t)n);
    ck_assert_int_eq(tu_read_to_end(zname(bad, "st.txt"), &total), -1);
    /* ... and of the deflated data: bad codes or a bad CRC */
    memcpy(c, z, (size_t)n);
    long df = find(c, n, "PK\x03\x04");
    c[df + 30 + 6 + 40] ^= 0x10;
    tu_write(bad, c, (size_t)n);
    ck_assert_int_eq(tu_read_to_end(zname(bad, "df.txt"), &total), -1);

    /* sizes beyond the file: the directory's compressed size, enlarged */
    memcpy(c, z, (size_t)n);
    long cd = find(c, n, "PK\x01\x02"); /* df.txt's directory entry */
    c[cd + 20 + 2] = 0x7f;              /* compressed size byte 2 */
    tu_write(bad, c, (size_t)n);
    MMRESULT rc = open_error(zname(bad, "df.txt"));
    if (rc == 0)
        ck_assert_int_eq(tu_read_to_end(zname(bad, "df.txt"), &total), -1);
    else
        ck_assert_uint_eq(rc, MMIOERR_INVALIDFILE);
    free(c);
    free(z);
}
END_TEST

START_TEST(members_that_climb_out_are_refused)
{
    use_bundled_plugins();
    char dir[600], archive[700];
    snprintf(dir, sizeof dir, "%s", tu_path("inner"));
    ck_assert_int_eq(tu_shell("mkdir -p '%s'", dir), 0);
    snprintf(archive, sizeof archive, "%s/evil.zip", dir);
    ck_assert_int_eq(tu_shell("python3 -c \"import zipfile\n"
                              "with zipfile.ZipFile('%s','w') as z:\n"
                              "  z.writestr('../x', b'out')\n"
                              "  z.writestr('/abs', b'out')\"",
                              archive),
                     0);
    ck_assert_uint_eq(open_error(zname(archive, "../x")), MMIOERR_INVALIDFILE);
    int before = tu_dir_count(tu_path(""), ""); /* the host's cache is made */
    ck_assert_uint_eq(open_error(zname(archive, "..\\x")), MMIOERR_INVALIDFILE);
    ck_assert_uint_eq(open_error(zname(archive, "/abs")), MMIOERR_INVALIDFILE);
    MMIOINFO info = {0};
    ck_assert_ptr_null(
        mmioOpen(zname(archive, "a/../../y"), &info, MMIO_WRITE | MMIO_CREATE));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_INVALIDFILE);
    ck_assert_uint_ne(
        mmioRename(zname(archive, "../x"), zname(archive, "fine"), NULL, 0), 0);
    ck_assert_int_eq(tu_dir_count(tu_path(""), ""),
                     before);                   /* nothing outside */
    ck_assert_int_eq(tu_dir_count(dir, ""), 3); /* ".", ".." and evil.zip */
}
END_TEST

Suite *suite_zipread(void)
{
    Suite *s = suite_create("zipread");
    TCase *tc = tcase_create("zipread");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_big_member_streams_and_seeks_like_unzip);
    tcase_add_test(tc, stored_members_and_other_methods_read_right);
    tcase_add_test(tc, zip64_archives_read_and_take_new_members);
    tcase_add_test(tc, members_past_a_long_are_refused_clearly);
    tcase_add_test(tc, damaged_archives_are_errors_not_crashes);
    tcase_add_test(tc, members_that_climb_out_are_refused);
    suite_add_tcase(s, tc);
    return s;
}
