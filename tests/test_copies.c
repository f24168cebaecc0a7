/* SPDX-License-Identifier: MIT */
/* Copies and writes that fail midway keep the old data: mmiohost cp into a
 * zip member, a gzip file and a FLAC from a source that fails to read
 * (a truncated gzip), and writes that hit a full disk (a file size limit). */
#define _GNU_SOURCE
#include "hostutil.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* mmiohost with the bundled plugins' scratch configuration. */
static int cp(const char *src, const char *dst)
{
    char out[4096];
    return tu_capture(out, sizeof out, "'%s' --config '%s' cp '%s' '%s' 2>&1",
                      MMIOHOST, tu_path("bundled.conf"), src, dst);
}

/* old.wav (1 s), and a gzip of a 3 s WAVE cut short. */
static void make_sources(char *old, char *bad, size_t cap)
{
    snprintf(old, cap, "%s", tu_path("old.wav"));
    snprintf(bad, cap, "%s", tu_path("cut.wav.gz"));
    ck_assert_int_eq(
        tu_shell("sox -n -r 22050 -c 1 -b 16 '%s' synth 1 sine 300", old), 0);
    ck_assert_int_eq(tu_shell("sox -n -r 22050 -c 1 -b 16 -t wav - synth 3 "
                              "whitenoise | gzip -c | head -c 20000 > '%s'",
                              bad),
                     0);
}

/* Reproduced at HEAD: each of these exited 1 but left a truncated copy
 * where the old data was. */
START_TEST(copy_from_a_failing_source_keeps_the_old_data)
{
    use_bundled_plugins();
    char old[600], bad[600], src[700], d[700];
    make_sources(old, bad, sizeof old);
    snprintf(src, sizeof src, "%s+", bad);
    char dir[600];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    /* a zip member */
    snprintf(d, sizeof d, "%s", tu_path("d.zip+m.wav"));
    ck_assert_int_eq(cp(old, d), 0);
    ck_assert_int_eq(cp(src, d), 1);
    ck_assert_int_eq(tu_shell("unzip -tq '%s' >/dev/null", tu_path("d.zip")),
                     0);
    ck_assert_int_eq(
        tu_shell("unzip -p '%s' m.wav | cmp -s - '%s'", tu_path("d.zip"), old),
        0);
    char list[4096];
    tu_capture(list, sizeof list, "unzip -Z1 '%s'", tu_path("d.zip"));
    ck_assert_str_eq(list, "m.wav\n"); /* no temporary member left */
    /* a gzip file */
    snprintf(d, sizeof d, "%s", tu_path("d.wav.gz+"));
    ck_assert_int_eq(cp(old, d), 0);
    ck_assert_int_eq(cp(src, d), 1);
    ck_assert_int_eq(
        tu_shell("gzip -dc '%s' | cmp -s - '%s'", tu_path("d.wav.gz"), old), 0);
    /* a FLAC */
    snprintf(d, sizeof d, "%s", tu_path("d.flac+"));
    ck_assert_int_eq(cp(old, d), 0);
    ck_assert_int_eq(cp(src, d), 1);
    ck_assert_int_eq(
        tu_shell("flac -s -d -c '%s' | cmp -s - '%s'", tu_path("d.flac"), old),
        0);
    /* nothing else was left beside them */
    ck_assert_int_eq(tu_dir_count(dir, "mmiotmp"), 0);
    /* and a complete copy still replaces each */
    snprintf(d, sizeof d, "%s", tu_path("d.zip+m.wav"));
    snprintf(src, sizeof src, "%s", tu_path("new.wav"));
    ck_assert_int_eq(
        tu_shell("sox -n -r 22050 -c 1 -b 16 '%s' synth 2 sine 500", src), 0);
    ck_assert_int_eq(cp(src, d), 0);
    ck_assert_int_eq(
        tu_shell("unzip -p '%s' m.wav | cmp -s - '%s'", tu_path("d.zip"), src),
        0);
    tu_capture(list, sizeof list, "unzip -Z1 '%s'", tu_path("d.zip"));
    ck_assert_str_eq(list, "m.wav\n");
}
END_TEST

/* Reproduced at HEAD: a write to the zip plugin's own temporary that
 * failed (a full disk) still committed the partial member at close.  The
 * bytes deflate to almost nothing, so the archive itself still fits. */
START_TEST(zip_write_that_failed_is_never_committed)
{
    use_bundled_plugins();
    char old[600], bad[600], name[700];
    make_sources(old, bad, sizeof old);
    snprintf(name, sizeof name, "%s", tu_path("f.zip+m.wav"));
    ck_assert_int_eq(cp(old, name), 0);
    ck_assert_int_eq(tu_write_under_limit(name, 4 << 20, 1 << 20, 1), 20);
    ck_assert_int_eq(
        tu_shell("unzip -p '%s' m.wav | cmp -s - '%s'", tu_path("f.zip"), old),
        0);
}
END_TEST

/* mmioRename in a zip replaces a member of the new name in one commit,
 * as rename(2) replaces a file. */
START_TEST(zip_rename_replaces_the_target_member)
{
    use_bundled_plugins();
    char a[700], b[700];
    snprintf(a, sizeof a, "%s", tu_path("r.zip+a.txt"));
    snprintf(b, sizeof b, "%s", tu_path("r.zip+b.txt"));
    HMMIO h = mmioOpen(a, NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioWrite(h, "new", 3), 3);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    h = mmioOpen(b, NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioWrite(h, "old", 3), 3);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_uint_eq(mmioRename(a, b, NULL, 0), 0);
    char out[64];
    tu_capture(out, sizeof out, "unzip -p '%s' b.txt", tu_path("r.zip"));
    ck_assert_str_eq(out, "new");
    tu_capture(out, sizeof out, "unzip -Z1 '%s'", tu_path("r.zip"));
    ck_assert_str_eq(out, "b.txt\n");
    ck_assert_uint_eq(mmioRename(b, b, NULL, 0), 0);
}
END_TEST

Suite *suite_copies(void)
{
    Suite *s = suite_create("copies");
    TCase *tc = tcase_create("copies");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, copy_from_a_failing_source_keeps_the_old_data);
    tcase_add_test(tc, zip_write_that_failed_is_never_committed);
    tcase_add_test(tc, zip_rename_replaces_the_target_member);
    suite_add_tcase(s, tc);
    return s;
}
