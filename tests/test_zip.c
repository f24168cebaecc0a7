/* SPDX-License-Identifier: MIT */
/* The bundled zip plugin, found on the plugin path like any other. */
#define _GNU_SOURCE
#include "hostutil.h"
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

START_TEST(members_are_written_and_read_back)
{
    use_bundled_plugins();
    char name[600];
    snprintf(name, sizeof name, "%s+sub/one.txt", tu_path("a.zip"));
    HMMIO h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE | MMIO_ALLOCBUF);
    ck_assert_ptr_nonnull(h);
    MMIOINFO info;
    mmioGetInfo(h, &info, 0);
    ck_assert_uint_eq(info.fccIOProc, mmioFOURCC('Z', 'I', 'P', ' '));
    ck_assert_int_eq(mmioWrite(h, "hello, zip", 10), 10);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    snprintf(name, sizeof name, "%s+two.txt", tu_path("a.zip"));
    h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_int_eq(mmioWrite(h, "second", 6), 6);
    ck_assert_uint_eq(mmioClose(h, 0), 0);

    ck_assert_int_eq(
        tu_shell("python3 -c \"import zipfile,sys; z=zipfile.ZipFile('%s'); "
                 "sys.exit(0 if z.read('sub/one.txt')==b'hello, zip' and "
                 "z.read('two.txt')==b'second' else 1)\"",
                 tu_path("a.zip")),
        0);

    snprintf(name, sizeof name, "%s+sub/one.txt", tu_path("a.zip"));
    h = mmioOpen(name, NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    char b[32] = "";
    ck_assert_int_eq(mmioSeek(h, 3, SEEK_END), 7);
    ck_assert_int_eq(mmioRead(h, b, sizeof b), 3);
    ck_assert_str_eq(b, "zip");
    ck_assert_uint_eq(mmioClose(h, 0), 0);
}
END_TEST

START_TEST(missing_member_or_archive)
{
    use_bundled_plugins();
    char name[600];
    MMIOINFO info = {0};
    snprintf(name, sizeof name, "%s+x", tu_path("none.zip"));
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_FILENOTFOUND);
    snprintf(name, sizeof name, "%s+x", tu_path("b.zip"));
    HMMIO h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_ptr_nonnull(h);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    snprintf(name, sizeof name, "%s+y", tu_path("b.zip"));
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_FILENOTFOUND);
}
END_TEST

/* Whether python's zipfile sees exactly these member names (a Python set
 * literal). */
static int members_are(const char *archive, const char *set)
{
    return tu_shell("python3 -c \"import zipfile,sys; "
                    "sys.exit(0 if set(zipfile.ZipFile('%s').namelist())==%s "
                    "else 1)\"",
                    archive, set) == 0;
}

START_TEST(delete_rename_exist_and_flush_do_what_they_say)
{
    use_bundled_plugins();
    char archive[600], name[700], other[700];
    snprintf(archive, sizeof archive, "%s", tu_path("d.zip"));
    const char *members[] = {"keep.txt", "gone.txt", "old.txt"};
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "%s+%s", archive, members[i]);
        HMMIO h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
        ck_assert_int_eq(mmioWrite(h, "data", 4), 4);
        ck_assert_uint_eq(mmioClose(h, 0), 0);
    }
    /* EXIST looks up, DELETE deletes (it returned TRUE and kept it) */
    snprintf(name, sizeof name, "%s+gone.txt", archive);
    ck_assert_ptr_eq(mmioOpen(name, NULL, MMIO_EXIST), (HMMIO)(uintptr_t)1);
    ck_assert_ptr_eq(mmioOpen(name, NULL, MMIO_DELETE), (HMMIO)(uintptr_t)1);
    ck_assert(members_are(archive, "{'keep.txt','old.txt'}"));
    MMIOINFO info = {0};
    ck_assert_ptr_eq(mmioOpen(name, &info, MMIO_EXIST), (HMMIO)(uintptr_t)0);
    ck_assert_ptr_eq(mmioOpen(name, &info, MMIO_DELETE), (HMMIO)(uintptr_t)0);
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_FILENOTFOUND);
    /* rename renames (it returned 0 and renamed nothing) */
    snprintf(name, sizeof name, "%s+old.txt", archive);
    snprintf(other, sizeof other, "%s+new.txt", archive);
    ck_assert_uint_eq(mmioRename(name, other, NULL, 0), 0);
    ck_assert(members_are(archive, "{'keep.txt','new.txt'}"));
    ck_assert_uint_eq(mmioRename(name, other, NULL, 0), MMIOERR_FILENOTFOUND);
    /* a flushed member is in the archive before the close */
    snprintf(name, sizeof name, "%s+flushed.txt", archive);
    HMMIO h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE | MMIO_ALLOCBUF);
    ck_assert_int_eq(mmioWrite(h, "early", 5), 5);
    ck_assert_uint_eq(mmioFlush(h, 0), 0);
    ck_assert(members_are(archive, "{'keep.txt','new.txt','flushed.txt'}"));
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    /* what it does not do, it says so */
    snprintf(name, sizeof name, "%s+keep.txt", archive);
    h = mmioOpen(name, NULL, MMIO_READ);
    ck_assert_int_ne(mmioSendMessage(h, MMIOM_USER + 1, 0, 0), 0);
    mmioClose(h, 0);
}
END_TEST

START_TEST(concurrent_writers_keep_every_member)
{
    use_bundled_plugins();
    char archive[600];
    snprintf(archive, sizeof archive, "%s", tu_path("busy.zip"));
    enum { WRITERS = 4, EACH = 25 };
    for (int w = 0; w < WRITERS; w++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            int bad = 0;
            for (int i = 0; i < EACH; i++) {
                char name[700], text[32];
                snprintf(name, sizeof name, "%s+w%d-%02d.txt", archive, w, i);
                HMMIO h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
                int n = snprintf(text, sizeof text, "writer %d item %d", w, i);
                bad |= !h || mmioWrite(h, text, n) != n || mmioClose(h, 0) != 0;
            }
            _exit(bad);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int st;
        wait(&st);
        ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    ck_assert_msg(
        tu_shell("python3 -c \"import zipfile,sys; z=zipfile.ZipFile('%s'); "
                 "n=z.namelist(); sys.exit(0 if len(n)==%d and z.testzip() is "
                 "None else 1)\"",
                 archive, WRITERS * EACH) == 0,
        "members were lost between writers");
}
END_TEST

START_TEST(archive_keeps_its_mode)
{
    use_bundled_plugins();
    char archive[600], name[700];
    snprintf(archive, sizeof archive, "%s", tu_path("m.zip"));
    snprintf(name, sizeof name, "%s+a.txt", archive);
    HMMIO h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_int_eq(mmioWrite(h, "a", 1), 1);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_int_eq(chmod(archive, 0640), 0);
    snprintf(name, sizeof name, "%s+b.txt", archive);
    h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_int_eq(mmioWrite(h, "b", 1), 1);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    struct stat st;
    ck_assert_int_eq(stat(archive, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0640); /* was 0644 or 0666 */
}
END_TEST

START_TEST(options_from_plugins_conf_reach_the_plugin)
{
    use_bundled_plugins_with("[plugin zip]\noptions = store\n");
    char archive[600], name[700];
    snprintf(archive, sizeof archive, "%s", tu_path("stored.zip"));
    snprintf(name, sizeof name, "%s+s.txt", archive);
    HMMIO h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioWrite(h, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 32), 32);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_msg(
        tu_shell("python3 -c \"import zipfile,sys; z=zipfile.ZipFile('%s'); "
                 "sys.exit(0 if z.getinfo('s.txt').compress_type==0 else 1)\"",
                 archive) == 0,
        "options = store did not reach the plugin");
}
END_TEST

START_TEST(written_members_pass_unzip_and_take_the_archive_mode)
{
    use_bundled_plugins();
    char archive[600], name[700];
    snprintf(archive, sizeof archive, "%s", tu_path("t.zip"));
    /* a big member written out of order: a header patched at the end */
    snprintf(name, sizeof name, "%s+dir\\big.bin", archive);
    HMMIO h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE | MMIO_ALLOCBUF);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioWrite(h, "XXXX", 4), 4);
    char block[4096];
    for (int i = 0; i < 1280; i++) { /* 5 MiB */
        memset(block, 'a' + i % 26, sizeof block);
        ck_assert_int_eq(mmioWrite(h, block, sizeof block), sizeof block);
    }
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_SET), 0);
    ck_assert_int_eq(mmioWrite(h, "HEAD", 4), 4);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_int_eq(chmod(archive, 0640), 0);
    snprintf(name, sizeof name, "%s+small.txt", archive);
    h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_int_eq(mmioWrite(h, "small", 5), 5);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    /* 5 bytes changed in place: the rest of the member stays */
    snprintf(name, sizeof name, "%s+dir/big.bin", archive);
    h = mmioOpen(name, NULL, MMIO_READWRITE);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioSeek(h, 4096, SEEK_SET), 4096);
    ck_assert_int_eq(mmioWrite(h, "12345", 5), 5);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_END), 4 + 1280 * 4096);
    ck_assert_uint_eq(mmioClose(h, 0), 0);

    ck_assert_int_eq(tu_shell("unzip -tq '%s' >/dev/null && python3 -m "
                              "zipfile -t '%s' >/dev/null",
                              archive, archive),
                     0);
    ck_assert_int_eq(
        tu_shell("python3 -c \"import zipfile,sys\n"
                 "z=zipfile.ZipFile('%s')\n"
                 "b=z.read('dir/big.bin')\n"
                 "ok=b[:4]==b'HEAD' and b[4096:4101]==b'12345' and "
                 "b[4101]==ord('b') and len(b)==4+1280*4096\n"
                 "ok=ok and all(i.external_attr>>16&0o777==0o640 "
                 "for i in z.infolist() if i.filename=='small.txt')\n"
                 "sys.exit(0 if ok else 1)\"",
                 archive),
        0);
    struct stat st;
    ck_assert_int_eq(stat(archive, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0640);
}
END_TEST

START_TEST(temporaries_of_dead_writers_are_removed_others_kept)
{
    use_bundled_plugins();
    char archive[600], name[700], dir[600];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    snprintf(archive, sizeof archive, "%s", tu_path("c.zip"));
    /* what a writer killed inside zip_close leaves, and a user's file */
    ck_assert_int_eq(tu_shell("cd '%s' && echo x > c.zip.mmiotmp.Ab12Cd && "
                              "echo mine > c.zip.backup && "
                              "echo mine > c.zip.XYZ123",
                              dir),
                     0);
    snprintf(name, sizeof name, "%s+m.txt", archive);
    HMMIO h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_int_eq(mmioWrite(h, "m", 1), 1);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_int_eq(tu_dir_count(dir, ".mmiotmp."), 0);
    ck_assert_int_eq(tu_dir_count(dir, "c.zip.backup"), 1);
    ck_assert_int_eq(tu_dir_count(dir, "c.zip.XYZ123"), 1);
}
END_TEST

START_TEST(a_killed_writer_leaves_a_whole_archive)
{
    use_bundled_plugins();
    char archive[600], dir[600];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    snprintf(archive, sizeof archive, "%s", tu_path("k.zip"));
    static char big[1 << 20];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7 % 13 + 'a');
    int committed = 0; /* members whose close returned 0, over all rounds */
    for (int round = 0; round < 12; round++) {
        int fds[2];
        ck_assert_int_eq(pipe(fds), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            for (int i = 0;; i++) {
                char name[700];
                snprintf(name, sizeof name, "%s+r%02d-%03d", archive, round, i);
                HMMIO h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
                if (!h || mmioWrite(h, big, sizeof big) != sizeof big ||
                    mmioClose(h, 0) != 0)
                    _exit(1);
                if (write(fds[1], "+", 1) != 1)
                    _exit(1);
            }
        }
        close(fds[1]);
        /* a round kills the writer after its first commit, a little later
         * each round, so the kill lands at different points of the next
         * member's write and commit however slow the disk is */
        char c;
        ck_assert_int_eq(read(fds[0], &c, 1), 1);
        committed++;
        struct timespec ts = {0, round * 9000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        ck_assert(WIFSIGNALED(st));
        while (read(fds[0], &c, 1) == 1)
            committed++;
        close(fds[0]);
        /* the archive is whole and has every committed member */
        ck_assert_int_eq(tu_shell("python3 -c \"import zipfile,sys\n"
                                  "z=zipfile.ZipFile('%s')\n"
                                  "sys.exit(0 if z.testzip() is None and "
                                  "len(z.namelist())>=%d else 1)\"",
                                  archive, committed),
                         0);
    }
    ck_assert_int_gt(committed, 0);
    /* the next writer leaves no temporary behind, its own or the dead's */
    char name[700];
    snprintf(name, sizeof name, "%s+last", archive);
    HMMIO h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_int_eq(tu_dir_count(dir, ".mmiotmp."), 0);
    ck_assert_int_eq(tu_shell("unzip -tq '%s' >/dev/null", archive), 0);
}
END_TEST

Suite *suite_zip(void)
{
    Suite *s = suite_create("zip");
    TCase *tc = tcase_create("zip");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, members_are_written_and_read_back);
    tcase_add_test(tc, missing_member_or_archive);
    tcase_add_test(tc, delete_rename_exist_and_flush_do_what_they_say);
    tcase_add_test(tc, concurrent_writers_keep_every_member);
    tcase_add_test(tc, archive_keeps_its_mode);
    tcase_add_test(tc, options_from_plugins_conf_reach_the_plugin);
    tcase_add_test(tc, written_members_pass_unzip_and_take_the_archive_mode);
    tcase_add_test(tc, temporaries_of_dead_writers_are_removed_others_kept);
    tcase_add_test(tc, a_killed_writer_leaves_a_whole_archive);
    suite_add_tcase(s, tc);
    return s;
}
