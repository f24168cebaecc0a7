/* SPDX-License-Identifier: MIT */
/*
 * Names that nest: a procedure opens its container through mmio, so a
 * FLAC in a ZIP, a gzip stream in a ZIP, a FLAC in a gzip stream and a ZIP
 * in a ZIP in a ZIP read and write like plain files.  The containers are
 * made, and what is written is read back, by Info-ZIP, gzip, flac and sox.
 */
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

static char dir[600];

/* Every container the tests read, made by the independent tools:
 *   t.wav, t.wav.gz, x.flac, x.flac.gz, m.txt
 *   a.zip      = {t.wav.gz, x.flac, m.txt}
 *   inner.zip  = {m.txt, t.wav, x.flac};  mid.zip = {inner.zip};
 *   outer.zip  = {mid.zip}  (three levels of ZIP) */
static void make_containers(void)
{
    use_bundled_plugins();
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    int rc = tu_shell(
        "cd '%s' && sox -n -r 22050 -c 2 -b 16 t.wav synth 1.5 sine 440 "
        "sine 660 2>/dev/null && gzip -kn t.wav && flac -s -o x.flac t.wav "
        "&& gzip -kn x.flac && seq 1 3000 > m.txt && "
        "zip -q a.zip t.wav.gz x.flac m.txt && "
        "zip -q inner.zip m.txt t.wav x.flac && zip -q mid.zip inner.zip && "
        "zip -q outer.zip mid.zip",
        dir);
    ck_assert_int_eq(rc, 0);
}

static const char *at(const char *leaf)
{
    static char path[4][900];
    static int k;
    char *out = path[k++ % 4];
    snprintf(out, sizeof path[0], "%s%s", dir, leaf);
    return out;
}

/* The whole file name gives, read through mmio in odd-sized requests. */
static char *read_all(const char *name, long *n)
{
    char copy[900];
    snprintf(copy, sizeof copy, "%s", name);
    HMMIO h = mmioOpen(copy, NULL, MMIO_READ);
    ck_assert_msg(h != NULL, "cannot open %s", name);
    long cap = 1 << 20, len = 0;
    char *buf = malloc((size_t)cap);
    LONG r;
    while ((r = mmioRead(h, buf + len, 7777 < cap - len ? 7777 : cap - len)) >
           0) {
        len += r;
        if (len == cap)
            buf = realloc(buf, (size_t)(cap *= 2));
    }
    ck_assert_int_eq(r, 0);
    mmioClose(h, 0);
    *n = len;
    return buf;
}

static void same_bytes(const char *name, const char *plain)
{
    long a, b;
    char *got = read_all(name, &a);
    char *want = tu_slurp(plain, &b);
    ck_assert_msg(a == b && memcmp(got, want, (size_t)a) == 0,
                  "%s: %ld bytes, %s has %ld", name, a, plain, b);
    free(got);
    free(want);
}

/* The WAVE image a name gives holds the samples sox decodes from ref. */
static void same_samples(const char *name, const char *ref)
{
    long n;
    char *img = read_all(name, &n);
    char *wav = strdup(tu_path("image.wav"));
    tu_write(wav, img, (size_t)n);
    free(img);
    ck_assert_msg(tu_shell("sox '%s' -t raw '%s.raw' && sox '%s' -t raw "
                           "'%sref.raw' && cmp -s '%s.raw' '%sref.raw'",
                           wav, wav, ref, dir, wav, dir) == 0,
                  "%s: other samples than %s", name, ref);
    free(wav);
}

START_TEST(nested_containers_read_as_their_plain_files)
{
    make_containers();
    char name[900];
    /* a WAV in a gzip stream in a ZIP */
    snprintf(name, sizeof name, "%s+t.wav.gz+", at("a.zip"));
    same_bytes(name, at("t.wav"));
    /* a FLAC in a ZIP: the samples flac encoded */
    snprintf(name, sizeof name, "%s+x.flac+", at("a.zip"));
    same_samples(name, at("x.flac"));
    /* a FLAC in a gzip stream (named as what it holds) */
    snprintf(name, sizeof name, "%s+x.flac+", at("x.flac.gz"));
    same_samples(name, at("t.wav"));
    /* a ZIP in a ZIP, and three levels of them */
    snprintf(name, sizeof name, "%s+inner.zip+m.txt", at("mid.zip"));
    same_bytes(name, at("m.txt"));
    snprintf(name, sizeof name, "%s+mid.zip+inner.zip+t.wav", at("outer.zip"));
    same_bytes(name, at("t.wav"));
    snprintf(name, sizeof name, "%s+mid.zip+inner.zip+x.flac+",
             at("outer.zip"));
    same_samples(name, at("t.wav"));
}
END_TEST

/* Seeks anywhere at every level give the plain file's bytes there. */
START_TEST(random_seeks_at_every_level)
{
    make_containers();
    const char *names[][2] = {{"a.zip+t.wav.gz+", "t.wav"},
                              {"mid.zip+inner.zip+t.wav", "t.wav"},
                              {"outer.zip+mid.zip+inner.zip+m.txt", "m.txt"},
                              {"a.zip+m.txt", "m.txt"}};
    srand(7);
    for (size_t k = 0; k < 4; k++) {
        char name[900];
        snprintf(name, sizeof name, "%s%s", dir, names[k][0]);
        long n;
        char *want = tu_slurp(at(names[k][1]), &n);
        HMMIO h = mmioOpen(name, NULL, MMIO_READ | MMIO_ALLOCBUF);
        ck_assert_ptr_nonnull(h);
        char buf[5000];
        for (int i = 0; i < 150; i++) {
            long pos = rand() % n, len = 1 + rand() % 4999;
            ck_assert_int_eq(mmioSeek(h, (LONG)pos, SEEK_SET), pos);
            long expect = len < n - pos ? len : n - pos;
            ck_assert_int_eq(mmioRead(h, buf, (LONG)len), expect);
            ck_assert_msg(memcmp(buf, want + pos, (size_t)expect) == 0,
                          "%s at %ld", name, pos);
        }
        ck_assert_int_eq(mmioSeek(h, 10, SEEK_END), n - 10);
        ck_assert_int_eq(mmioRead(h, buf, 100), 10);
        ck_assert_int_eq(memcmp(buf, want + n - 10, 10), 0);
        mmioClose(h, 0);
        free(want);
    }
}
END_TEST

/* mmiohost cp, as a user would run it, with the bundled plugins. */
static void copy_to(const char *from, const char *to)
{
    char out[8192];
    ck_assert_msg(tu_capture(out, sizeof out,
                             "'%s' --config '%s' cp '%s' '%s' "
                             "2>&1",
                             MMIOHOST, at("bundled.conf"), from, to) == 0,
                  "%s", out);
}

START_TEST(writes_go_into_nested_containers)
{
    make_containers();
    char name[900];
    /* a FLAC member of a new ZIP: flac decodes what unzip gives */
    snprintf(name, sizeof name, "%s+y.flac+", at("w.zip"));
    copy_to(at("t.wav"), name);
    ck_assert_int_eq(tu_shell("cd '%s' && unzip -p w.zip y.flac > y.flac && "
                              "flac -s -d -f -o y.wav y.flac && "
                              "sox y.wav -t raw y.raw && sox t.wav -t raw "
                              "t.raw && cmp -s y.raw t.raw",
                              dir),
                     0);
    ck_assert_int_eq(access(at("w.zip+y.flac"), F_OK), -1); /* no plain file */
    /* a WAV in a gzip stream in a ZIP */
    snprintf(name, sizeof name, "%s+z.wav.gz+", at("w.zip"));
    copy_to(at("t.wav"), name);
    ck_assert_int_eq(
        tu_shell(
            "cd '%s' && unzip -p w.zip z.wav.gz | gzip -dc | cmp -s - t.wav",
            dir),
        0);
    /* a member of a ZIP in a ZIP in a ZIP */
    snprintf(name, sizeof name, "%s+mid.zip+inner.zip+new.txt",
             at("outer.zip"));
    copy_to(at("m.txt"), name);
    ck_assert_int_eq(tu_shell("cd '%s' && unzip -tq outer.zip >/dev/null && "
                              "unzip -p outer.zip mid.zip > mid2.zip && "
                              "unzip -p mid2.zip inner.zip > inner2.zip && "
                              "unzip -tq inner2.zip >/dev/null && "
                              "unzip -p inner2.zip new.txt | cmp -s - m.txt && "
                              "unzip -p inner2.zip t.wav | cmp -s - t.wav",
                              dir),
                     0);
    ck_assert_int_eq(tu_dir_count(dir, "mmiotmp"), 0);
}
END_TEST

/* A writer of a member of a ZIP inside a ZIP killed at any point leaves
 * both archives whole, with every member it committed. */
START_TEST(a_killed_nested_writer_leaves_whole_archives)
{
    make_containers();
    static char big[300000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 131 % 251);
    int committed = 0;
    for (int round = 0; round < 6; round++) {
        int fds[2];
        ck_assert_int_eq(pipe(fds), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            for (int i = 0;; i++) {
                char name[900];
                snprintf(name, sizeof name, "%smid.zip+inner.zip+r%d-%d", dir,
                         round, i);
                HMMIO h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
                if (!h || mmioWrite(h, big, sizeof big) != sizeof big ||
                    mmioClose(h, 0) != 0)
                    _exit(1);
                if (write(fds[1], "+", 1) != 1)
                    _exit(1);
            }
        }
        close(fds[1]);
        char c;
        ck_assert_int_eq(read(fds[0], &c, 1), 1); /* one commit at least */
        committed++;
        struct timespec ts = {0, round * 7000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        while (read(fds[0], &c, 1) == 1)
            committed++;
        close(fds[0]);
        ck_assert_int_eq(
            tu_shell("cd '%s' && unzip -tq mid.zip >/dev/null && "
                     "unzip -p mid.zip inner.zip > check.zip && "
                     "python3 -c \"import zipfile,sys\n"
                     "z=zipfile.ZipFile('check.zip')\n"
                     "n=[x for x in z.namelist() if x.startswith('r')]\n"
                     "sys.exit(0 if z.testzip() is None and len(n)>=%d "
                     "else 1)\"",
                     dir, committed),
            0);
    }
}
END_TEST

START_TEST(hostile_nestings_are_refused_cleanly)
{
    make_containers();
    struct said said = {0};
    mmioExtSetMessageCallback(collect, &said);
    /* a name of 100 levels: refused, no stack overflow */
    static char bomb[4000];
    int len = snprintf(bomb, sizeof bomb, "%s", at("a.zip"));
    for (int i = 0; i < 100; i++)
        len += snprintf(bomb + len, sizeof bomb - (size_t)len, "+a.zip");
    snprintf(bomb + len, sizeof bomb - (size_t)len, "+m.txt");
    MMIOINFO info = {0};
    ck_assert_ptr_null(mmioOpen(bomb, &info, MMIO_READ));
    ck_assert_uint_ne(info.wErrorRet, 0);
    ck_assert_msg(strstr(said.all, "nest more than 16") != NULL, "%s",
                  said.all);
    ck_assert_int_eq(said.n, 1); /* one message, from the level that failed */
    /* a member that claims 2 GiB inside a 1 KiB member: an error, soon */
    ck_assert_int_eq(
        tu_shell("cd '%s' && python3 -c \"import zipfile,struct\n"
                 "with zipfile.ZipFile('lie.zip','w') as z:\n"
                 "  z.writestr('m.bin', b'x'*1000)\n"
                 "b=bytearray(open('lie.zip','rb').read())\n"
                 "cd=b.rfind(b'PK\\x01\\x02')\n"
                 "for o in (cd+20, cd+24, 18, 22):\n"
                 "  struct.pack_into('<I', b, o, 0x7ff00000)\n"
                 "open('lie.zip','wb').write(b)\" && zip -q lieouter.zip "
                 "lie.zip",
                 dir),
        0);
    char name[900];
    snprintf(name, sizeof name, "%s+lie.zip+m.bin", at("lieouter.zip"));
    double t0 = now_s();
    HMMIO h = mmioOpen(name, &info, MMIO_READ);
    if (h) { /* if it opens, reading it fails */
        static char buf[1 << 16];
        LONG r;
        long total = 0;
        while ((r = mmioRead(h, buf, sizeof buf)) > 0 && total < (1L << 24))
            total += r;
        ck_assert_int_eq(r, -1);
        mmioClose(h, 0);
    }
    ck_assert(now_s() - t0 < 10);
    /* what failed, where: a missing archive, a directory */
    said.n = 0;
    said.all[0] = '\0';
    snprintf(name, sizeof name, "%s+nope.zip+m.txt", at("mid.zip"));
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_FILENOTFOUND);
    ck_assert_msg(strstr(said.all, "mid.zip+nope.zip: file not found"), "%s",
                  said.all);
    snprintf(name, sizeof name, "%s+m.txt", at("nothere.zip"));
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_FILENOTFOUND);
    ck_assert_int_eq(mkdir(at("d.zip"), 0755), 0);
    snprintf(name, sizeof name, "%s+m.txt", at("d.zip"));
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_ACCESSDENIED);
    mmioExtSetMessageCallback(NULL, NULL);
}
END_TEST

/* A container whose procedure can neither rename nor commit at close:
 * writing into it is refused before anything is written. */
static LRESULT CALLBACK plain_proc(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    (void)info, (void)a, (void)b;
    return msg == MMIOM_OPEN ? 0 : MMSYSERR_NOTSUPPORTED;
}

START_TEST(a_container_that_cannot_commit_is_refused_for_writing)
{
    make_containers();
    const FOURCC fcc = mmioFOURCC('P', 'L', 'N', ' ');
    ck_assert_ptr_nonnull(mmioInstallIOProc(fcc, plain_proc, MMIO_INSTALLPROC));
    struct said said = {0};
    mmioExtSetMessageCallback(collect, &said);
    char name[900];
    snprintf(name, sizeof name, "%s+x.wav.gz+", at("box.pln"));
    MMIOINFO info = {0};
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_WRITE | MMIO_CREATE));
    ck_assert_uint_eq(info.wErrorRet, MMSYSERR_NOTSUPPORTED);
    ck_assert_msg(strstr(said.all, "all-or-nothing"), "%s", said.all);
    snprintf(name, sizeof name, "%s+x.flac+", at("box.pln"));
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_WRITE | MMIO_CREATE));
    ck_assert_uint_eq(info.wErrorRet, MMSYSERR_NOTSUPPORTED);
    snprintf(name, sizeof name, "%s+in.zip+m", at("box.pln"));
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_WRITE | MMIO_CREATE));
    ck_assert_uint_eq(info.wErrorRet, MMSYSERR_NOTSUPPORTED);
    mmioExtSetMessageCallback(NULL, NULL);
    mmioInstallIOProc(fcc, NULL, MMIO_REMOVEPROC);
}
END_TEST

/* The outer open's share mode reaches the innermost file. */
START_TEST(share_modes_reach_the_innermost_file)
{
    make_containers();
    char name[900], plain[900];
    snprintf(name, sizeof name, "%s+m.txt", at("a.zip"));
    snprintf(plain, sizeof plain, "%s", at("a.zip"));
    HMMIO h = mmioOpen(name, NULL, MMIO_READ | MMIO_DENYWRITE);
    ck_assert_ptr_nonnull(h);
    MMIOINFO info = {0};
    ck_assert_ptr_null(mmioOpen(plain, &info, MMIO_READWRITE));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_SHARINGVIOLATION);
    mmioClose(h, 0);
    HMMIO w = mmioOpen(plain, &info, MMIO_READWRITE);
    ck_assert_ptr_nonnull(w);
    mmioClose(w, 0);
}
END_TEST

Suite *suite_nesting(void)
{
    Suite *s = suite_create("nesting");
    TCase *tc = tcase_create("nesting");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, nested_containers_read_as_their_plain_files);
    tcase_add_test(tc, random_seeks_at_every_level);
    tcase_add_test(tc, writes_go_into_nested_containers);
    tcase_add_test(tc, a_killed_nested_writer_leaves_whole_archives);
    tcase_add_test(tc, hostile_nestings_are_refused_cleanly);
    tcase_add_test(tc, a_container_that_cannot_commit_is_refused_for_writing);
    tcase_add_test(tc, share_modes_reach_the_innermost_file);
    suite_add_tcase(s, tc);
    return s;
}
