/* SPDX-License-Identifier: MIT */
/* mmioOpen, mmioClose, mmioRename: flags, errors, handles, share modes. */
#define _GNU_SOURCE
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

START_TEST(missing_file_fails_with_filenotfound)
{
    MMIOINFO info = {0};
    ck_assert_ptr_null(tu_open(tu_path("nope.wav"), &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_FILENOTFOUND);
}
END_TEST

START_TEST(path_through_a_file_is_pathnotfound)
{
    MMIOINFO info = {0};
    char p[600];
    tu_write(tu_path("plain"), "x", 1);
    snprintf(p, sizeof p, "%s/inner", tu_path("plain"));
    ck_assert_ptr_null(tu_open(p, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_PATHNOTFOUND);
}
END_TEST

START_TEST(directory_is_refused_with_accessdenied)
{
    MMIOINFO info = {0};
    char dir[600];
    snprintf(dir, sizeof dir, "%s", tu_path("."));
    ck_assert_ptr_null(tu_open(dir, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_ACCESSDENIED);
    memset(&info, 0, sizeof info);
    ck_assert_ptr_null(tu_open(dir, &info, MMIO_WRITE));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_ACCESSDENIED);
}
END_TEST

START_TEST(too_many_open_files)
{
    struct rlimit rl = {16, 16};
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    tu_write(tu_path("f"), "abc", 3);
    MMIOINFO info = {0};
    HMMIO h[32];
    int opened = 0;
    while (opened < 32 &&
           (h[opened] = tu_open(tu_path("f"), &info, MMIO_READ)) != NULL)
        opened++;
    ck_assert_int_gt(opened, 0);
    ck_assert_int_lt(opened, 32);
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_TOOMANYOPENFILES);
    while (opened > 0)
        ck_assert_uint_eq(mmioClose(h[--opened], 0), 0);
}
END_TEST

START_TEST(failed_writeback_is_reported_at_flush_and_close)
{
    MMIOINFO info = {0};
    HMMIO h = mmioOpen((LPSTR) "/dev/full", &info, MMIO_WRITE | MMIO_ALLOCBUF);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioWrite(h, "hello", 5), 5);
    ck_assert_uint_eq(mmioFlush(h, 0), MMIOERR_CANNOTWRITE);
    ck_assert_uint_eq(mmioClose(h, 0), MMIOERR_CANNOTWRITE);
    /* unbuffered: the write itself fails */
    h = mmioOpen((LPSTR) "/dev/full", NULL, MMIO_WRITE);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioWrite(h, "hello", 5), -1);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
}
END_TEST

START_TEST(exist_answers_true_or_false)
{
    tu_write(tu_path("here"), "x", 1);
    ck_assert_ptr_eq(tu_open(tu_path("here"), NULL, MMIO_EXIST),
                     (HMMIO)(uintptr_t)TRUE);
    ck_assert_ptr_eq(tu_open(tu_path("gone"), NULL, MMIO_EXIST),
                     (HMMIO)(uintptr_t)FALSE);
}
END_TEST

START_TEST(delete_removes_the_file)
{
    tu_write(tu_path("victim"), "x", 1);
    ck_assert_ptr_eq(tu_open(tu_path("victim"), NULL, MMIO_DELETE),
                     (HMMIO)(uintptr_t)TRUE);
    ck_assert_int_eq(tu_size(tu_path("victim")), -1);
    MMIOINFO info = {0};
    ck_assert_ptr_eq(tu_open(tu_path("victim"), &info, MMIO_DELETE),
                     (HMMIO)(uintptr_t)FALSE);
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_FILENOTFOUND);
}
END_TEST

START_TEST(parse_makes_a_full_path_in_place)
{
    char cwd[256], name[128] = "sub/../file.wav", want[400];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    snprintf(want, sizeof want, "%s/file.wav", strcmp(cwd, "/") ? cwd : "");
    if (strlen(want) >= sizeof name)
        TU_SKIP("the working directory is too deep for a 128-byte name");
    ck_assert_ptr_eq(mmioOpen(name, NULL, MMIO_PARSE), (HMMIO)(uintptr_t)TRUE);
    ck_assert_str_eq(name, want);
    char abs[128] = "/a/./b//c/../d";
    ck_assert_ptr_eq(mmioOpen(abs, NULL, MMIO_PARSE), (HMMIO)(uintptr_t)TRUE);
    ck_assert_str_eq(abs, "/a/b/d");
}
END_TEST

START_TEST(gettemp_writes_a_unique_new_name)
{
    char a[128] = "", b[128] = "";
    ck_assert_ptr_eq(mmioOpen(a, NULL, MMIO_GETTEMP), (HMMIO)(uintptr_t)TRUE);
    ck_assert_ptr_eq(mmioOpen(b, NULL, MMIO_GETTEMP), (HMMIO)(uintptr_t)TRUE);
    ck_assert_str_ne(a, b);
    ck_assert_int_eq(tu_size(a), 0); /* it exists, so the name is taken */
    unlink(a);
    unlink(b);
}
END_TEST

START_TEST(create_truncates)
{
    tu_pattern_file(tu_path("t"), 100);
    HMMIO h = tu_open(tu_path("t"), NULL, MMIO_CREATE | MMIO_WRITE);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioWrite(h, "ab", 2), 2);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_int_eq(tu_size(tu_path("t")), 2);
}
END_TEST

START_TEST(wrong_direction_fails_and_changes_nothing)
{
    char buf[8];
    tu_write(tu_path("d"), "abcdef", 6);
    HMMIO h = tu_open(tu_path("d"), NULL, MMIO_READ | MMIO_ALLOCBUF);
    ck_assert_int_eq(mmioWrite(h, "zz", 2), -1);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR), 0);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_uint_eq(tu_read(tu_path("d"), buf, sizeof buf), 6);
    ck_assert_int_eq(memcmp(buf, "abcdef", 6), 0);

    h = tu_open(tu_path("d"), NULL, MMIO_WRITE | MMIO_ALLOCBUF);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioRead(h, buf, 2), -1);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR), 0);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_int_eq(tu_size(tu_path("d")), 6);
}
END_TEST

START_TEST(bad_handles_are_refused)
{
    char buf[4];
    MMIOINFO info;
    MMCKINFO ck = {0};
    tu_write(tu_path("h"), "abcd", 4);
    HMMIO h = tu_open(tu_path("h"), NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    HMMIO bad[] = {h, (HMMIO)(uintptr_t)0x12345678, NULL, (HMMIO)(uintptr_t)1,
                   (HMMIO)(uintptr_t)-1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_uint_eq(mmioClose(bad[i], 0), MMSYSERR_INVALHANDLE);
        ck_assert_int_eq(mmioRead(bad[i], buf, 4), -1);
        ck_assert_int_eq(mmioWrite(bad[i], buf, 4), -1);
        ck_assert_int_eq(mmioSeek(bad[i], 0, SEEK_SET), -1);
        ck_assert_uint_eq(mmioGetInfo(bad[i], &info, 0), MMSYSERR_INVALHANDLE);
        ck_assert_uint_eq(mmioSetInfo(bad[i], &info, 0), MMSYSERR_INVALHANDLE);
        ck_assert_uint_eq(mmioSetBuffer(bad[i], NULL, 0, 0),
                          MMSYSERR_INVALHANDLE);
        ck_assert_uint_eq(mmioFlush(bad[i], 0), MMSYSERR_INVALHANDLE);
        ck_assert_uint_eq(mmioAdvance(bad[i], &info, MMIO_READ),
                          MMSYSERR_INVALHANDLE);
        ck_assert_int_eq(mmioSendMessage(bad[i], MMIOM_USER, 0, 0),
                         MMSYSERR_INVALHANDLE);
        ck_assert_uint_eq(mmioDescend(bad[i], &ck, NULL, 0),
                          MMSYSERR_INVALHANDLE);
        ck_assert_uint_eq(mmioAscend(bad[i], &ck, 0), MMSYSERR_INVALHANDLE);
        ck_assert_uint_eq(mmioCreateChunk(bad[i], &ck, 0),
                          MMSYSERR_INVALHANDLE);
    }
    /* A new file in the same slot does not revive the old handle. */
    HMMIO h2 = tu_open(tu_path("h"), NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h2);
    ck_assert_ptr_ne(h2, h);
    ck_assert_int_eq(mmioRead(h, buf, 4), -1);
    ck_assert_int_eq(mmioRead(h2, buf, 4), 4);
    ck_assert_uint_eq(mmioClose(h2, 0), 0);
}
END_TEST

START_TEST(open_descriptor_is_used_from_its_position)
{
    char buf[4];
    tu_write(tu_path("fd"), "0123456789", 10);
    int fd = open(tu_path("fd"), O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(lseek(fd, 5, SEEK_SET), 5);
    MMIOINFO info = {0};
    info.adwInfo[0] = (DWORD)fd;
    HMMIO h = mmioOpen(NULL, &info, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioRead(h, buf, 3), 3);
    ck_assert_int_eq(memcmp(buf, "567", 3), 0);
    ck_assert_uint_eq(mmioClose(h, MMIO_FHOPEN), 0);
    ck_assert_int_ge(fcntl(fd, F_GETFD), 0); /* still open */

    info.adwInfo[0] = (DWORD)fd;
    h = mmioOpen(NULL, &info, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_int_eq(fcntl(fd, F_GETFD), -1); /* closed with the handle */
}
END_TEST

START_TEST(share_modes_between_handles)
{
    tu_write(tu_path("s"), "x", 1);
    MMIOINFO info = {0};
    HMMIO ex = tu_open(tu_path("s"), NULL, MMIO_READ | MMIO_EXCLUSIVE);
    ck_assert_ptr_nonnull(ex);
    ck_assert_ptr_null(tu_open(tu_path("s"), &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_SHARINGVIOLATION);
    mmioClose(ex, 0);

    HMMIO dw = tu_open(tu_path("s"), NULL, MMIO_READ | MMIO_DENYWRITE);
    ck_assert_ptr_nonnull(dw);
    HMMIO r = tu_open(tu_path("s"), NULL, MMIO_READ);
    ck_assert_ptr_nonnull(r);
    /* handles that deny the same thing do not exclude each other */
    HMMIO dw2 = tu_open(tu_path("s"), NULL, MMIO_READ | MMIO_DENYWRITE);
    ck_assert_ptr_nonnull(dw2);
    mmioClose(dw2, 0);
    ck_assert_ptr_null(tu_open(tu_path("s"), &info, MMIO_WRITE));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_SHARINGVIOLATION);
    ck_assert_ptr_null(tu_open(tu_path("s"), &info, MMIO_READWRITE));
    mmioClose(dw, 0);
    mmioClose(r, 0);

    HMMIO w = tu_open(tu_path("s"), NULL, MMIO_WRITE);
    ck_assert_ptr_nonnull(w);
    ck_assert_ptr_null(
        tu_open(tu_path("s"), &info, MMIO_READ | MMIO_DENYWRITE));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_SHARINGVIOLATION);
    /* MMIO_CREATE must not truncate a file another handle protects */
    mmioClose(w, 0);

    HMMIO dr = tu_open(tu_path("s"), NULL, MMIO_WRITE | MMIO_DENYREAD);
    ck_assert_ptr_nonnull(dr);
    ck_assert_ptr_null(tu_open(tu_path("s"), &info, MMIO_READ));
    HMMIO w2 = tu_open(tu_path("s"), NULL, MMIO_WRITE | MMIO_DENYNONE);
    ck_assert_ptr_nonnull(w2);
    HMMIO dr2 = tu_open(tu_path("s"), NULL, MMIO_WRITE | MMIO_DENYREAD);
    ck_assert_ptr_nonnull(dr2);
    ck_assert_ptr_null(tu_open(tu_path("s"), &info, MMIO_READWRITE));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_SHARINGVIOLATION);
    mmioClose(dr2, 0);
    mmioClose(w2, 0);
    mmioClose(dr, 0);

    HMMIO a = tu_open(tu_path("s"), NULL, MMIO_READWRITE | MMIO_DENYNONE);
    HMMIO b = tu_open(tu_path("s"), NULL, MMIO_READWRITE | MMIO_DENYNONE);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    mmioClose(a, 0);
    mmioClose(b, 0);
}
END_TEST

START_TEST(share_modes_between_processes)
{
    char path[512];
    snprintf(path, sizeof path, "%s", tu_path("p"));
    tu_write(path, "1234", 4);
    HMMIO ex = tu_open(path, NULL, MMIO_READWRITE | MMIO_EXCLUSIVE);
    ck_assert_ptr_nonnull(ex);
    pid_t pid = fork();
    if (pid == 0) {
        MMIOINFO info = {0};
        HMMIO h = tu_open(path, &info, MMIO_READ);
        _exit(h == NULL && info.wErrorRet == MMIOERR_SHARINGVIOLATION ? 0 : 1);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    mmioClose(ex, 0);
    /* and the truncation of MMIO_CREATE waits for the share check */
    HMMIO dw = tu_open(tu_path("p"), NULL, MMIO_READ | MMIO_DENYWRITE);
    ck_assert_ptr_null(tu_open(tu_path("p"), NULL, MMIO_WRITE | MMIO_CREATE));
    ck_assert_int_eq(tu_size(tu_path("p")), 4);
    mmioClose(dw, 0);
}
END_TEST

START_TEST(rename_through_dos)
{
    tu_write(tu_path("old"), "x", 1);
    char newname[512];
    snprintf(newname, sizeof newname, "%s", tu_path("new"));
    ck_assert_uint_eq(mmioRename(tu_path("old"), newname, NULL, 0), 0);
    ck_assert_int_eq(tu_size(newname), 1);
    ck_assert_int_eq(tu_size(tu_path("old")), -1);
    ck_assert_uint_eq(mmioRenameA(tu_path("old"), newname, NULL, 0),
                      MMIOERR_FILENOTFOUND);
    ck_assert_uint_eq(mmioRename(NULL, newname, NULL, 0), MMSYSERR_INVALPARAM);
}
END_TEST

START_TEST(getinfo_reports_the_dos_procedure)
{
    tu_write(tu_path("g"), "x", 1);
    HMMIO h = tu_open(tu_path("g"), NULL, MMIO_READ);
    MMIOINFO info;
    ck_assert_uint_eq(mmioGetInfo(h, &info, 0), 0);
    ck_assert_uint_eq(info.fccIOProc, FOURCC_DOS);
    ck_assert_ptr_nonnull(info.pIOProc);
    ck_assert_ptr_eq(info.pIOProc,
                     mmioInstallIOProc(FOURCC_DOS, NULL, MMIO_FINDPROC));
    ck_assert_ptr_eq(info.hmmio, h);
    ck_assert_uint_eq(info.dwFlags & MMIO_RWMODE, MMIO_READ);
    ck_assert_uint_eq(mmioGetInfo(h, NULL, 0), MMSYSERR_INVALPARAM);
    mmioClose(h, 0);
}
END_TEST

START_TEST(a_names_are_the_same_functions)
{
    tu_write(tu_path("a"), "x", 1);
    char name[512];
    snprintf(name, sizeof name, "%s", tu_path("a"));
    HMMIO h = mmioOpenA(name, NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    mmioClose(h, 0);
    ck_assert_uint_eq(mmioStringToFOURCCA("riff", MMIO_TOUPPER), FOURCC_RIFF);
    ck_assert_ptr_eq(mmioInstallIOProcA(FOURCC_MEM, NULL, MMIO_FINDPROC),
                     mmioInstallIOProc(FOURCC_MEM, NULL, MMIO_FINDPROC));
}
END_TEST

Suite *suite_open(void)
{
    Suite *s = suite_create("open");
    TCase *tc = tcase_create("open");
    tcase_add_test(tc, missing_file_fails_with_filenotfound);
    tcase_add_test(tc, path_through_a_file_is_pathnotfound);
    tcase_add_test(tc, directory_is_refused_with_accessdenied);
    tcase_add_test(tc, too_many_open_files);
    tcase_add_test(tc, failed_writeback_is_reported_at_flush_and_close);
    tcase_add_test(tc, exist_answers_true_or_false);
    tcase_add_test(tc, delete_removes_the_file);
    tcase_add_test(tc, parse_makes_a_full_path_in_place);
    tcase_add_test(tc, gettemp_writes_a_unique_new_name);
    tcase_add_test(tc, create_truncates);
    tcase_add_test(tc, wrong_direction_fails_and_changes_nothing);
    tcase_add_test(tc, bad_handles_are_refused);
    tcase_add_test(tc, open_descriptor_is_used_from_its_position);
    tcase_add_test(tc, share_modes_between_handles);
    tcase_add_test(tc, share_modes_between_processes);
    tcase_add_test(tc, rename_through_dos);
    tcase_add_test(tc, getinfo_reports_the_dos_procedure);
    tcase_add_test(tc, a_names_are_the_same_functions);
    suite_add_tcase(s, tc);
    return s;
}
