/* SPDX-License-Identifier: MIT */
/* mmioInstallIOProc and how mmioOpen chooses a procedure. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#define XYZ mmioFOURCC('X', 'Y', 'Z', ' ')
#define ABC mmioFOURCC('A', 'B', 'C', ' ')

START_TEST(string_to_fourcc)
{
    ck_assert_uint_eq(mmioStringToFOURCC("WAVE", 0),
                      mmioFOURCC('W', 'A', 'V', 'E'));
    ck_assert_uint_eq(mmioStringToFOURCC("ab", 0),
                      mmioFOURCC('a', 'b', ' ', ' '));
    ck_assert_uint_eq(mmioStringToFOURCC("ab", MMIO_TOUPPER),
                      mmioFOURCC('A', 'B', ' ', ' '));
    ck_assert_uint_eq(mmioStringToFOURCC("riffraff", MMIO_TOUPPER),
                      FOURCC_RIFF);
    ck_assert_uint_eq(mmioStringToFOURCC("", 0),
                      mmioFOURCC(' ', ' ', ' ', ' '));
    ck_assert_uint_eq(FOURCC_RIFF, 0x46464952u);
}
END_TEST

START_TEST(install_find_remove_newest_first)
{
    ck_assert_ptr_null(mmioInstallIOProc(ABC, NULL, MMIO_FINDPROC));
    ck_assert_ptr_null(mmioInstallIOProc(ABC, NULL, MMIO_REMOVEPROC));
    ck_assert_ptr_null(mmioInstallIOProc(ABC, NULL, MMIO_INSTALLPROC));
    ck_assert_ptr_eq(mmioInstallIOProc(ABC, tu_proc, MMIO_INSTALLPROC),
                     tu_proc);
    ck_assert_ptr_eq(mmioInstallIOProc(ABC, tu_proc2, MMIO_INSTALLPROC),
                     tu_proc2);
    ck_assert_ptr_eq(mmioInstallIOProc(ABC, NULL, MMIO_FINDPROC), tu_proc2);
    ck_assert_ptr_eq(mmioInstallIOProc(ABC, NULL, MMIO_REMOVEPROC), tu_proc2);
    ck_assert_ptr_eq(mmioInstallIOProc(ABC, NULL, MMIO_FINDPROC), tu_proc);
    ck_assert_ptr_eq(mmioInstallIOProc(ABC, NULL, MMIO_REMOVEPROC), tu_proc);
    ck_assert_ptr_null(mmioInstallIOProc(ABC, NULL, MMIO_FINDPROC));
    ck_assert_ptr_null(mmioInstallIOProc(ABC, tu_proc, 0));
}
END_TEST

START_TEST(same_procedure_twice_needs_two_removals)
{
    mmioInstallIOProc(ABC, tu_proc, MMIO_INSTALLPROC);
    mmioInstallIOProc(ABC, tu_proc, MMIO_INSTALLPROC);
    ck_assert_ptr_eq(mmioInstallIOProc(ABC, tu_proc, MMIO_REMOVEPROC), tu_proc);
    ck_assert_ptr_eq(mmioInstallIOProc(ABC, NULL, MMIO_FINDPROC), tu_proc);
    ck_assert_ptr_eq(mmioInstallIOProc(ABC, tu_proc, MMIO_REMOVEPROC), tu_proc);
    ck_assert_ptr_null(mmioInstallIOProc(ABC, NULL, MMIO_FINDPROC));
}
END_TEST

START_TEST(builtins_are_found_and_never_removed)
{
    LPMMIOPROC dos = mmioInstallIOProc(FOURCC_DOS, NULL, MMIO_FINDPROC);
    LPMMIOPROC mem = mmioInstallIOProc(FOURCC_MEM, NULL, MMIO_FINDPROC);
    ck_assert_ptr_nonnull(dos);
    ck_assert_ptr_nonnull(mem);
    ck_assert_ptr_ne(dos, mem);
    ck_assert_ptr_null(mmioInstallIOProc(FOURCC_DOS, NULL, MMIO_REMOVEPROC));
    ck_assert_ptr_null(mmioInstallIOProc(FOURCC_MEM, mem, MMIO_REMOVEPROC));
    ck_assert_ptr_eq(mmioInstallIOProc(FOURCC_DOS, NULL, MMIO_FINDPROC), dos);
    /* An installation under "DOS " is found by an explicit lookup ... */
    mmioInstallIOProc(FOURCC_DOS, tu_proc, MMIO_INSTALLPROC);
    ck_assert_ptr_eq(mmioInstallIOProc(FOURCC_DOS, NULL, MMIO_FINDPROC),
                     tu_proc);
    tu_log_reset();
    MMIOINFO info = {0};
    info.fccIOProc = FOURCC_DOS;
    HMMIO h = mmioOpen((LPSTR) "virtual", &info, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(tu_log.msgs[MMIOM_OPEN], 1);
    mmioClose(h, 0);
    /* ... while a plain name still goes to the built-in DOS procedure. */
    tu_write(tu_path("plain"), "x", 1);
    h = tu_open(tu_path("plain"), NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(tu_log.msgs[MMIOM_OPEN], 1);
    mmioClose(h, 0);
    ck_assert_ptr_eq(mmioInstallIOProc(FOURCC_DOS, NULL, MMIO_REMOVEPROC),
                     tu_proc);
    ck_assert_ptr_eq(mmioInstallIOProc(FOURCC_DOS, NULL, MMIO_FINDPROC), dos);
}
END_TEST

START_TEST(in_use_procedure_cannot_be_removed)
{
    mmioInstallIOProc(XYZ, tu_proc, MMIO_INSTALLPROC);
    HMMIO h = mmioOpen((LPSTR) "arc.xyz+member", NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_ptr_null(mmioInstallIOProc(XYZ, NULL, MMIO_REMOVEPROC));
    ck_assert_ptr_eq(mmioInstallIOProc(XYZ, NULL, MMIO_FINDPROC), tu_proc);
    mmioClose(h, 0);
    ck_assert_ptr_eq(mmioInstallIOProc(XYZ, NULL, MMIO_REMOVEPROC), tu_proc);
}
END_TEST

START_TEST(compound_name_selects_by_extension)
{
    mmioInstallIOProc(XYZ, tu_proc, MMIO_INSTALLPROC);
    tu_log_reset();
    HMMIO h = mmioOpen((LPSTR) "file+name.xyz+one.two", NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_str_eq(tu_log.open_name, "file+name.xyz+one.two");
    MMIOINFO i;
    mmioGetInfo(h, &i, 0);
    ck_assert_uint_eq(i.fccIOProc, XYZ);
    ck_assert_ptr_eq(i.pIOProc, tu_proc);
    mmioClose(h, 0);
    /* upper case, short extensions blank-padded */
    mmioInstallIOProc(mmioFOURCC('Z', 'I', 'P', ' '), tu_proc2,
                      MMIO_INSTALLPROC);
    h = mmioOpen((LPSTR) "dir/a.Zip+b.txt", NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    mmioGetInfo(h, &i, 0);
    ck_assert_ptr_eq(i.pIOProc, tu_proc2);
    mmioClose(h, 0);
}
END_TEST

START_TEST(unknown_or_missing_extension_uses_dos)
{
    MMIOINFO info = {0};
    /* no procedure for "QQQ ": the DOS procedure looks for the file */
    ck_assert_ptr_null(
        mmioOpen((LPSTR) "/nonexistent/a.qqq+b", &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_FILENOTFOUND);
    tu_write(tu_path("x+y"), "x", 1);
    HMMIO h = tu_open(tu_path("x+y"), NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    mmioGetInfo(h, &info, 0);
    ck_assert_uint_eq(info.fccIOProc, FOURCC_DOS);
    mmioClose(h, 0);
}
END_TEST

START_TEST(fourcc_not_installed_fails)
{
    /* the file exists, so a fallback to the DOS procedure would open it */
    char name[600];
    snprintf(name, sizeof name, "%s", tu_path("x"));
    tu_write(name, "data", 4);
    MMIOINFO info = {0};
    info.fccIOProc = mmioFOURCC('N', 'O', 'N', 'E');
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_INVALIDFILE);
}
END_TEST

START_TEST(temporary_procedure_lives_with_the_file)
{
    MMIOINFO info = {0};
    info.fccIOProc = ABC;
    info.pIOProc = tu_proc;
    tu_log_reset();
    HMMIO h = mmioOpen((LPSTR) "t", &info, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(tu_log.msgs[MMIOM_OPEN], 1);
    ck_assert_ptr_null(mmioInstallIOProc(ABC, NULL, MMIO_FINDPROC));
    mmioClose(h, 0);
    ck_assert_ptr_null(mmioInstallIOProc(ABC, NULL, MMIO_FINDPROC));
}
END_TEST

START_TEST(local_before_global)
{
    mmioInstallIOProc(ABC, tu_proc, MMIO_INSTALLPROC | MMIO_GLOBALPROC);
    ck_assert_ptr_eq(mmioInstallIOProc(ABC, NULL, MMIO_FINDPROC), tu_proc);
    mmioInstallIOProc(ABC, tu_proc2, MMIO_INSTALLPROC);
    ck_assert_ptr_eq(mmioInstallIOProc(ABC, NULL, MMIO_FINDPROC), tu_proc2);
    /* a global install made later still ranks after the local one */
    mmioInstallIOProc(ABC, tu_proc, MMIO_INSTALLPROC | MMIO_GLOBALPROC);
    ck_assert_ptr_eq(mmioInstallIOProc(ABC, NULL, MMIO_FINDPROC), tu_proc2);
    ck_assert_ptr_eq(mmioInstallIOProc(ABC, NULL, MMIO_REMOVEPROC), tu_proc2);
    ck_assert_ptr_eq(mmioInstallIOProc(ABC, NULL, MMIO_FINDPROC), tu_proc);
    ck_assert_ptr_eq(mmioInstallIOProc(ABC, NULL, MMIO_REMOVEPROC), tu_proc);
    ck_assert_ptr_eq(mmioInstallIOProc(ABC, NULL, MMIO_REMOVEPROC), tu_proc);
    ck_assert_ptr_null(mmioInstallIOProc(ABC, NULL, MMIO_FINDPROC));
}
END_TEST

START_TEST(rename_goes_through_the_selected_procedure)
{
    mmioInstallIOProc(XYZ, tu_proc, MMIO_INSTALLPROC);
    tu_log_reset();
    ck_assert_uint_eq(mmioRename("a.xyz+old", "a.xyz+new", NULL, 0), 0);
    ck_assert_int_eq(tu_log.msgs[MMIOM_RENAME], 1);
    ck_assert_str_eq((const char *)tu_log.last_a, "a.xyz+old");
    ck_assert_str_eq((const char *)tu_log.last_b, "a.xyz+new");
    MMIOINFO info = {0};
    info.pIOProc = tu_proc2;
    ck_assert_uint_eq(mmioRename("p", "q", &info, 0), 0);
    ck_assert_int_eq(tu_log.msgs[MMIOM_RENAME], 2);
}
END_TEST

/* A URL's scheme chooses its procedure when no '+' follows the "://";
 * with one, the container rule applies, and the container is resolved the
 * same way again. */
START_TEST(a_url_scheme_chooses_its_procedure)
{
    const FOURCC http = mmioFOURCC('H', 'T', 'T', 'P');
    ck_assert_uint_eq(mmioExtNameFOURCC("https://host/a.wav"), http);
    ck_assert_uint_eq(mmioExtNameFOURCC("http://host/a.wav"), http);
    ck_assert_uint_eq(mmioExtNameFOURCC("s3://bucket/key.wav"),
                      mmioFOURCC('S', '3', ' ', ' '));
    ck_assert_uint_eq(mmioExtNameFOURCC("https://host/album.zip+t.flac"),
                      mmioFOURCC('Z', 'I', 'P', ' '));
    ck_assert_uint_eq(mmioExtNameFOURCC("x+y://host/a"), 0); /* no scheme */
    ck_assert_uint_eq(mmioExtNameFOURCC("1ab://host/a"), 0);
    ck_assert_uint_eq(mmioExtNameFOURCC("/plain/file.wav"), 0);
    ck_assert_ptr_nonnull(mmioInstallIOProc(http, tu_proc, MMIO_INSTALLPROC));
    tu_log_reset();
    HMMIO h =
        mmioOpen((LPSTR) "https://example.invalid/song.wav", NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_str_eq(tu_log.open_name, "https://example.invalid/song.wav");
    mmioClose(h, 0);
    ck_assert_ptr_nonnull(mmioInstallIOProc(http, tu_proc, MMIO_REMOVEPROC));
}
END_TEST

Suite *suite_registry(void)
{
    Suite *s = suite_create("registry");
    TCase *tc = tcase_create("registry");
    tcase_add_test(tc, string_to_fourcc);
    tcase_add_test(tc, install_find_remove_newest_first);
    tcase_add_test(tc, same_procedure_twice_needs_two_removals);
    tcase_add_test(tc, builtins_are_found_and_never_removed);
    tcase_add_test(tc, in_use_procedure_cannot_be_removed);
    tcase_add_test(tc, compound_name_selects_by_extension);
    tcase_add_test(tc, unknown_or_missing_extension_uses_dos);
    tcase_add_test(tc, fourcc_not_installed_fails);
    tcase_add_test(tc, temporary_procedure_lives_with_the_file);
    tcase_add_test(tc, local_before_global);
    tcase_add_test(tc, rename_goes_through_the_selected_procedure);
    tcase_add_test(tc, a_url_scheme_chooses_its_procedure);
    suite_add_tcase(s, tc);
    return s;
}
