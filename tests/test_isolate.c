/* SPDX-License-Identifier: MIT */
/* Isolated plugins: a procedure that crashes, hangs, leaks or lies in its
 * helper process costs one file, never the program (the "hostile" fixture,
 * its misdeeds chosen by its options). */
#define _GNU_SOURCE
#include "hostutil.h"
#include "serve_proto.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct said said;

/* A scratch host whose one plugin, hostile, runs isolated with these
 * options (and `more` lines in its section). */
static void isolated_host(const char *options, const char *more)
{
    const char *kinds[] = {"hostile", NULL};
    char extra[1200];
    snprintf(extra, sizeof extra,
             "isolate = yes\n[plugin hostile]\noptions = %s\n%s", options,
             more ? more : "");
    make_host(kinds, extra);
    memset(&said, 0, sizeof said);
    mmioExtSetMessageCallback(collect, &said);
}

/* "DIR/leaf+" for a file of the scratch directory. */
static const char *hname(const char *leaf)
{
    static char name[2][700];
    static int k;
    k ^= 1;
    snprintf(name[k], sizeof name[k], "%s+", tu_path(leaf));
    return name[k];
}

/* The helpers serving process pid (their --parent), and the first one's
 * pid in *first. */
static int helpers_of(pid_t pid, pid_t *first)
{
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *e;
    char want[32];
    snprintf(want, sizeof want, "%ld", (long)pid);
    while (d && (e = readdir(d)) != NULL) {
        char path[300], args[4096];
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(args, 1, sizeof args - 1, f);
        fclose(f);
        args[len] = '\0';
        if (strcmp(args, "mmio-serve") != 0)
            continue;
        /* argv: mmio-serve --lib LIB --parent PID ... */
        const char *p = args;
        int parent_next = 0, match = 0;
        while (p < args + len) {
            if (parent_next)
                match = !strcmp(p, want);
            parent_next = !strcmp(p, "--parent");
            p += strlen(p) + 1;
        }
        if (match) {
            if (!n && first)
                *first = (pid_t)strtol(e->d_name, NULL, 10);
            n++;
        }
    }
    if (d)
        closedir(d);
    return n;
}

static int fd_count(void)
{
    return tu_dir_count("/proc/self/fd", "");
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

/* Reads name in reads of `chunk` until an error or the end: the bytes
 * read before it, and the last answer in *last. */
static long read_until_error(const char *name, long chunk, LONG *last)
{
    HMMIO h = mmioOpen((LPSTR)name, NULL, MMIO_READ);
    ck_assert_msg(h != NULL, "cannot open %s: %s", name, said.all);
    static char buf[1 << 20];
    long total = 0;
    LONG r;
    while ((r = mmioRead(h, buf, (LONG)chunk)) > 0)
        total += r;
    *last = r;
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    return total;
}

START_TEST(isolated_files_read_write_and_seek_as_in_process)
{
    isolated_host("", NULL);
    const long size = 3 << 20;
    tu_pattern_file(tu_path("data.hstl"), (size_t)size);
    HMMIO h = mmioOpen((LPSTR)hname("data.hstl"), NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(helpers_of(getpid(), NULL), 1);
    static char buf[8192];
    long at = 0;
    LONG r;
    while ((r = mmioRead(h, buf, sizeof buf)) > 0) {
        for (LONG i = 0; i < r; i++)
            ck_assert_int_eq((unsigned char)buf[i], (at + i) % 251);
        at += r;
    }
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(at, size);
    MMIOINFO info;
    mmioGetInfo(h, &info, 0);
    ck_assert_int_eq(info.lDiskOffset, size);
    ck_assert_uint_eq(info.fccIOProc, mmioFOURCC('H', 'S', 'T', 'L'));
    /* SEEK_END counts back; random seeks land where they say */
    ck_assert_int_eq(mmioSeek(h, 100, SEEK_END), size - 100);
    ck_assert_int_eq(mmioRead(h, buf, sizeof buf), 100);
    ck_assert_int_eq((unsigned char)buf[0], (size - 100) % 251);
    unsigned x = 7;
    for (int i = 0; i < 300; i++) {
        x = x * 1103515245u + 12345u;
        LONG to = (LONG)((x >> 4) % (unsigned)(size - 4096));
        ck_assert_int_eq(mmioSeek(h, to, SEEK_SET), to);
        ck_assert_int_eq(mmioRead(h, buf, 4096), 4096);
        ck_assert_int_eq((unsigned char)buf[0], to % 251);
        ck_assert_int_eq((unsigned char)buf[4095], (to + 4095) % 251);
        ck_assert_int_eq(mmioSeek(h, -4096, SEEK_CUR), to);
    }
    /* a message with pointers cannot cross */
    ck_assert_int_eq(mmioSendMessage(h, MMIOM_USER + 1, 0, 0),
                     MMSYSERR_NOTSUPPORTED);
    ck_assert_msg(strstr(said.all, "user message"), "%s", said.all);
    ck_assert_uint_eq(mmioClose(h, 0), 0);

    /* writes, gathered and not, a rewrite after a seek */
    h = mmioOpen((LPSTR)hname("w.hstl"), NULL, MMIO_CREATE | MMIO_WRITE);
    ck_assert_ptr_nonnull(h);
    for (int i = 0; i < 1000; i++) {
        char line[1000];
        memset(line, 'a' + i % 26, sizeof line);
        ck_assert_int_eq(mmioWrite(h, line, sizeof line), (LONG)sizeof line);
    }
    ck_assert_int_eq(mmioSeek(h, 10, SEEK_SET), 10);
    ck_assert_int_eq(mmioWrite(h, "XYZ", 3), 3);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_END), 1000000);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    long n;
    char *text = tu_slurp(tu_path("w.hstl"), &n);
    ck_assert_int_eq(n, 1000000);
    ck_assert(!memcmp(text, "aaaaaaaaaaXYZaaa", 16));
    ck_assert_int_eq(text[999999], 'a' + 999 % 26);
    free(text);

    /* EXIST, RENAME, DELETE reach the plugin */
    MMIOINFO mi = {0};
    ck_assert_ptr_nonnull(mmioOpen((LPSTR)hname("w.hstl"), &mi, MMIO_EXIST));
    ck_assert_uint_eq(mmioRename(hname("w.hstl"), hname("v.hstl"), NULL, 0), 0);
    ck_assert_int_eq(tu_size(tu_path("v.hstl")), 1000000);
    ck_assert_ptr_null(mmioOpen((LPSTR)hname("w.hstl"), &mi, MMIO_EXIST));
    ck_assert_ptr_nonnull(mmioOpen((LPSTR)hname("v.hstl"), &mi, MMIO_DELETE));
    ck_assert_int_eq(tu_size(tu_path("v.hstl")), -1);
    /* one helper reads, one writes in this directory */
    ck_assert_int_eq(helpers_of(getpid(), NULL), 2);
}
END_TEST

struct reader {
    const char *name;
    long size;
    int ok;
};

static void *read_all(void *arg)
{
    struct reader *r = arg;
    for (int round = 0; round < 5; round++) {
        HMMIO h = mmioOpen((LPSTR)r->name, NULL, MMIO_READ);
        if (!h)
            return NULL;
        static _Thread_local char buf[65536];
        long at = 0;
        LONG got;
        int good = 1;
        while ((got = mmioRead(h, buf, 10000)) > 0) {
            for (LONG i = 0; i < got; i += 997)
                good &= (unsigned char)buf[i] == (at + i) % 251;
            at += got;
        }
        mmioClose(h, 0);
        if (!good || got != 0 || at != r->size)
            return NULL;
    }
    r->ok = 1;
    return NULL;
}

START_TEST(threads_share_one_helper_without_waiting_for_each_other)
{
    isolated_host("", NULL);
    struct reader rd[4];
    pthread_t t[4];
    static char names[4][700];
    for (int i = 0; i < 4; i++) {
        char leaf[32];
        snprintf(leaf, sizeof leaf, "t%d.hstl", i);
        rd[i].size = (1 << 20) + i * 12345;
        tu_pattern_file(tu_path(leaf), (size_t)rd[i].size);
        snprintf(names[i], sizeof names[i], "%s", hname(leaf));
        rd[i].name = names[i];
        rd[i].ok = 0;
    }
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, read_all, &rd[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert_msg(rd[i].ok, "reader %d: %s", i, said.all);
    }
    ck_assert_int_eq(helpers_of(getpid(), NULL), 1);
}
END_TEST

START_TEST(a_crash_fails_the_file_at_once_and_the_next_open_restarts)
{
    isolated_host("crash=read:3", NULL);
    tu_pattern_file(tu_path("c.hstl"), 2 << 20);
    HMMIO h = mmioOpen((LPSTR)hname("c.hstl"), NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    static char buf[65536];
    long total = 0;
    LONG r;
    while ((r = mmioRead(h, buf, sizeof buf)) > 0)
        total += r;
    /* two windows came through (one read, one read ahead); the third
     * read killed it */
    ck_assert_int_eq(r, -1);
    ck_assert_int_eq(total, 2L * MMIO_SERVE_WINDOW);
    double t0 = now_s();
    ck_assert_int_eq(mmioRead(h, buf, sizeof buf), -1);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_SET), -1);
    ck_assert(now_s() - t0 < 0.5);
    ck_assert_msg(strstr(said.all, "hostile") && strstr(said.all, "SIGSEGV") &&
                      strstr(said.all, "c.hstl"),
                  "%s", said.all);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    /* a new helper for the next file */
    LONG last;
    ck_assert_int_eq(read_until_error(hname("c.hstl"), 65536, &last),
                     2L * MMIO_SERVE_WINDOW);
    ck_assert_int_eq(last, -1);
}
END_TEST

START_TEST(abort_and_exit_are_reported_as_what_they_were)
{
    static const char *const opts[] = {"abort=read:1", "exit=read:1"};
    static const char *const words[] = {"SIGABRT", "exited with status 3"};
    for (int k = _i; k == _i; k++) {
        isolated_host(opts[k], NULL);
        tu_pattern_file(tu_path("a.hstl"), 100000);
        LONG last;
        ck_assert_int_eq(read_until_error(hname("a.hstl"), 4096, &last), 0);
        ck_assert_int_eq(last, -1);
        ck_assert_msg(strstr(said.all, words[k]), "%s", said.all);
    }
}
END_TEST

START_TEST(a_crash_in_open_fails_the_open)
{
    isolated_host("crash=open", NULL);
    tu_pattern_file(tu_path("o.hstl"), 1000);
    MMIOINFO info = {0};
    ck_assert_ptr_null(mmioOpen((LPSTR)hname("o.hstl"), &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_CANNOTOPEN);
    ck_assert_msg(strstr(said.all, "OPEN") && strstr(said.all, "SIGSEGV"), "%s",
                  said.all);
}
END_TEST

START_TEST(a_crash_in_close_fails_a_write)
{
    isolated_host("crash=close", NULL);
    HMMIO h = mmioOpen((LPSTR)hname("n.hstl"), NULL, MMIO_CREATE | MMIO_WRITE);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioWrite(h, "0123456789", 10), 10);
    ck_assert_int_eq(mmioWrite(h, "more", 4), 4); /* gathered */
    ck_assert_uint_eq(mmioClose(h, 0), MMIOERR_CANNOTWRITE);
}
END_TEST

START_TEST(a_crash_on_a_magic_byte_fails_that_read)
{
    isolated_host("crash=magic", NULL);
    static unsigned char data[600000];
    memset(data, 'x', sizeof data);
    data[400000] = 0xEE;
    tu_write(tu_path("m.hstl"), data, sizeof data);
    LONG last;
    ck_assert_int_eq(read_until_error(hname("m.hstl"), 8192, &last),
                     400000L / MMIO_SERVE_WINDOW * MMIO_SERVE_WINDOW);
    ck_assert_int_eq(last, -1);
}
END_TEST

START_TEST(a_hang_is_killed_at_the_plugins_time_limit)
{
    isolated_host("hang=read:1", "timeout = 0.3\n");
    tu_pattern_file(tu_path("h.hstl"), 10000);
    HMMIO h = mmioOpen((LPSTR)hname("h.hstl"), NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    char buf[100];
    double t0 = now_s();
    ck_assert_int_eq(mmioRead(h, buf, sizeof buf), -1);
    double took = now_s() - t0;
    ck_assert_msg(took > 0.25 && took < 3, "%.2f s", took);
    ck_assert_msg(strstr(said.all, "did not answer within 300 ms"), "%s",
                  said.all);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    /* killed and reaped: no helper left behind for it */
    for (int i = 0; i < 100 && helpers_of(getpid(), NULL) > 0; i++)
        usleep(10000);
    ck_assert_int_eq(helpers_of(getpid(), NULL), 0);
}
END_TEST

START_TEST(a_helper_past_its_cpu_time_is_killed)
{
    isolated_host("spin=read:1", "cpu = 1\ntimeout = 60\n");
    tu_pattern_file(tu_path("u.hstl"), 10000);
    LONG last;
    double t0 = now_s();
    ck_assert_int_eq(read_until_error(hname("u.hstl"), 100, &last), 0);
    ck_assert_int_eq(last, -1);
    ck_assert(now_s() - t0 < 30);
    ck_assert_msg(strstr(said.all, "SIGXCPU"), "%s", said.all);
}
END_TEST

START_TEST(restarts_are_limited_then_the_crash_is_recorded)
{
    isolated_host("crash=read:1", NULL);
    tu_pattern_file(tu_path("r.hstl"), 10000);
    int crashes = 0;
    for (int i = 0; i < 6; i++) {
        LONG last;
        ck_assert_int_eq(read_until_error(hname("r.hstl"), 100, &last), 0);
        ck_assert_int_eq(last, -1);
        crashes++;
    }
    /* each death is counted before a file sees it fail */
    MMIOINFO info = {0};
    double t0 = now_s();
    ck_assert_ptr_null(mmioOpen((LPSTR)hname("r.hstl"), &info, MMIO_READ));
    ck_assert(now_s() - t0 < 0.2);
    ck_assert_msg(strstr(said.all, "ended 6 times in 10 s"), "%s", said.all);
    /* every program sees it, with when and why */
    static char out[8192];
    ck_assert_int_eq(run_host("list", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "crashed") && strstr(out, "SIGSEGV") &&
                      strstr(out, "crashed in its helper at 20"),
                  "%s", out);
    /* and it is not loaded in-process until the record is cleared */
    char so[700];
    snprintf(so, sizeof so, "%s/hostile.so", plugdir);
    ck_assert_uint_eq(mmioExtLoadPlugin(so, MMIO_PLUGIN_INPROCESS),
                      MMIOERR_ACCESSDENIED);
    ck_assert_int_eq(run_host("scan --force", out, sizeof out), 0);
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_int_eq(run_host("list", out, sizeof out), 0);
    ck_assert_msg(!strstr(out, "crashed"), "%s", out);
    ck_assert_uint_eq(mmioExtLoadPlugin(so, MMIO_PLUGIN_INPROCESS), 0);
    (void)crashes;
}
END_TEST

START_TEST(a_thousand_opens_through_a_crashing_plugin_leak_nothing)
{
    isolated_host("crash=read:1", NULL);
    tu_pattern_file(tu_path("k.hstl"), 10000);
    tu_pattern_file(tu_path("plain.bin"), 10000);
    char buf[100];
    /* warm up: the first crash and the helper's start */
    LONG last;
    read_until_error(hname("k.hstl"), 100, &last);
    int fds = fd_count();
    long rss = rss_kib();
    for (int i = 0; i < 1000; i++) {
        HMMIO h = mmioOpen((LPSTR)hname("k.hstl"), NULL, MMIO_READ);
        if (h) {
            ck_assert_int_eq(mmioRead(h, buf, sizeof buf), -1);
            ck_assert_uint_eq(mmioClose(h, 0), 0);
        }
    }
    /* the watcher may still be reaping the last one */
    for (int i = 0; i < 100 && fd_count() > fds; i++)
        usleep(10000);
    ck_assert_int_le(fd_count(), fds);
    ck_assert_msg(rss_kib() - rss < 4096, "RSS grew by %ld KiB",
                  rss_kib() - rss);
    /* and the program keeps working */
    HMMIO h = mmioOpen((LPSTR)tu_path("plain.bin"), NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioRead(h, buf, sizeof buf), 100);
    mmioClose(h, 0);
}
END_TEST

START_TEST(lies_fail_the_call_naming_the_rule)
{
    static const char *const opts[] = {"lie=more", "lie=stuck"};
    static const char *const rules[] = {
        "a read answered more than was asked",
        "a read must move lDiskOffset by the bytes it read"};
    for (int k = _i; k == _i; k++) {
        /* a window's worth at least: a lie about a short read near the
         * end is no lie the library can see */
        isolated_host(opts[k], NULL);
        tu_pattern_file(tu_path("l.hstl"), 1 << 20);
        HMMIO h = mmioOpen((LPSTR)hname("l.hstl"), NULL, MMIO_READ);
        ck_assert_ptr_nonnull(h);
        char buf[4096];
        ck_assert_int_eq(mmioRead(h, buf, sizeof buf), -1);
        ck_assert_msg(strstr(said.all, rules[k]), "%s", said.all);
        ck_assert_uint_eq(mmioClose(h, 0), 0);
    }
}
END_TEST

START_TEST(no_sockets_unless_the_configuration_allows_them)
{
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(ls, 4), 0);
    socklen_t al = sizeof a;
    getsockname(ls, (struct sockaddr *)&a, &al);
    char opts[64];
    snprintf(opts, sizeof opts, "net=%d", ntohs(a.sin_port));
    tu_pattern_file(tu_path("s.hstl"), 1000);
    if (_i == 0) {
        isolated_host(opts, NULL);
        MMIOINFO oi = {0};
        HMMIO h = mmioOpen((LPSTR)hname("s.hstl"), &oi, MMIO_READ);
        ck_assert_msg(h != NULL, "the plugin reached the port (%u): %s",
                      oi.wErrorRet, said.all);
        mmioClose(h, 0);
        ck_assert_int_eq(accept(ls, NULL, NULL), -1);
        ck_assert_int_eq(errno, EAGAIN);
    } else { /* its configuration says it needs the network: it has it */
        isolated_host(opts, "network = yes\n");
        ck_assert_ptr_null(mmioOpen((LPSTR)hname("s.hstl"), NULL, MMIO_READ));
        int c = accept(ls, NULL, NULL);
        ck_assert_int_ge(c, 0);
        close(c);
    }
    close(ls);
}
END_TEST

START_TEST(a_leak_ends_at_the_memory_limit)
{
#ifdef MMIO_SERVE_SANITIZED
    TU_SKIP("the helper sets no address-space limit under a sanitizer");
#endif
    isolated_host("leak", "memory = 256\n");
    tu_pattern_file(tu_path("m.hstl"), 4 << 20);
    LONG last;
    long got = read_until_error(hname("m.hstl"), 65536, &last);
    ck_assert_int_eq(last, -1);
    ck_assert_int_lt(got, 4 << 20);
    ck_assert_msg(strstr(said.all, "SIGABRT"), "%s", said.all);
}
END_TEST

START_TEST(the_helper_ends_with_the_application)
{
    isolated_host("", NULL);
    tu_pattern_file(tu_path("d.hstl"), 1000);
    const char *name = hname("d.hstl"); /* tu_path is per process */
    int ready[2];
    ck_assert_int_eq(pipe(ready), 0);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        HMMIO h = mmioOpen((LPSTR)name, NULL, MMIO_READ);
        char c = h ? 'y' : 'n';
        (void)!write(ready[1], &c, 1);
        for (;;)
            pause();
    }
    char c = 0;
    ck_assert_int_eq(read(ready[0], &c, 1), 1);
    ck_assert_int_eq(c, 'y');
    pid_t helper = 0;
    ck_assert_int_eq(helpers_of(child, &helper), 1);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    int gone = 0;
    for (int i = 0; i < 200 && !gone; i++) {
        char stat[300], text[512] = "";
        snprintf(stat, sizeof stat, "/proc/%ld/stat", (long)helper);
        FILE *f = fopen(stat, "r");
        if (f) {
            (void)!fgets(text, sizeof text, f);
            fclose(f);
        }
        const char *paren = strrchr(text, ')');
        gone = !f || (paren && paren[2] == 'Z');
        if (!gone)
            usleep(10000);
    }
    ck_assert_msg(gone, "helper %ld outlived its application", (long)helper);
    close(ready[0]);
    close(ready[1]);
}
END_TEST

/* A procedure that takes wide names gets them from the helper as the
 * library makes them, from a narrow or a wide caller; it writes where the
 * file is. */
START_TEST(wide_names_cross_both_ways)
{
    isolated_host("wide", NULL);
    char narrow[700];
    snprintf(narrow, sizeof narrow, "%s", hname("caf\xc3\xa9.hstl"));
    HMMIO h = mmioOpen(narrow, NULL, MMIO_CREATE | MMIO_WRITE);
    ck_assert_msg(h != NULL, "%s", said.all);
    ck_assert_int_eq(mmioWrite(h, "wide", 4), 4);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_int_eq(tu_size(tu_path("caf\xc3\xa9.hstl")), 4);
    wchar_t wide[700]; /* by hand: the C locale knows no UTF-8 */
    size_t n = 0;
    for (const unsigned char *s = (const unsigned char *)narrow; *s; s++) {
        if (*s >= 0xC0) {
            wide[n++] = (wchar_t)(((s[0] & 0x1F) << 6) | (s[1] & 0x3F));
            s++;
        } else {
            wide[n++] = *s;
        }
    }
    wide[n] = 0;
    h = mmioOpenW(wide, NULL, MMIO_READ);
    ck_assert_msg(h != NULL, "%s", said.all);
    char buf[8] = "";
    ck_assert_int_eq(mmioRead(h, buf, sizeof buf), 4);
    ck_assert(!memcmp(buf, "wide", 4));
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    char to[700];
    snprintf(to, sizeof to, "%s", hname("th\xc3\xa9.hstl"));
    ck_assert_uint_eq(mmioRename(narrow, to, NULL, 0), 0);
    ck_assert_int_eq(tu_size(tu_path("th\xc3\xa9.hstl")), 4);
}
END_TEST

/* What a procedure leaves in dwFlags and adwInfo comes back, but not the
 * library's own bits: MMIO_ALLOCBUF from a helper would free the
 * caller's buffer. */
START_TEST(mmioinfo_fields_cross_back_but_not_the_librarys_bits)
{
    isolated_host("flags", NULL);
    tu_pattern_file(tu_path("g.hstl"), 10000);
    static char mine[4096];
    HMMIO h = mmioOpen((LPSTR)hname("g.hstl"), NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_uint_eq(mmioSetBuffer(h, mine, sizeof mine, 0), 0);
    char buf[100];
    ck_assert_int_eq(mmioRead(h, buf, sizeof buf), 100);
    MMIOINFO info;
    mmioGetInfo(h, &info, 0);
    ck_assert_uint_eq(info.adwInfo[2], 0xABCD);
    ck_assert(info.dwFlags & 0x00800000);
    ck_assert(!(info.dwFlags & MMIO_ALLOCBUF));
    ck_assert_ptr_eq(info.pchBuffer, mine);
    ck_assert_uint_eq(mmioClose(h, 0), 0); /* would free mine: ASan says */
}
END_TEST

static int landlock_here(void)
{
    return syscall(SYS_landlock_create_ruleset, NULL, 0,
                   LANDLOCK_CREATE_RULESET_VERSION) >= 1;
}

/* The plugin tries to write `target` while serving a file of `files`,
 * read (_i 0) or written (_i 1). */
START_TEST(a_plugin_writes_only_where_its_files_are)
{
    if (!landlock_here())
        TU_SKIP("this kernel has no Landlock");
    char files[600], home[600], bashrc[700], opts[800], name[800];
    snprintf(files, sizeof files, "%s", tu_path("files"));
    snprintf(home, sizeof home, "%s", tu_path("home"));
    ck_assert_int_eq(mkdir(files, 0755), 0);
    ck_assert_int_eq(mkdir(home, 0755), 0);
    snprintf(bashrc, sizeof bashrc, "%s/.bashrc", home);
    tu_write(bashrc, "# mine\n", 7);
    snprintf(opts, sizeof opts, "escape=%s", bashrc);
    isolated_host(opts, NULL);
    snprintf(name, sizeof name, "%s/f.hstl+", files);
    char plain[700];
    snprintf(plain, sizeof plain, "%s/f.hstl", files);
    tu_pattern_file(plain, 1000);
    HMMIO h = mmioOpen(name, NULL, _i ? MMIO_CREATE | MMIO_WRITE : MMIO_READ);
    ck_assert_msg(h != NULL, "%s", said.all);
    if (_i)
        ck_assert_int_eq(mmioWrite(h, "written", 7), 7);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_int_eq(tu_size(bashrc), 7); /* untouched */
    if (_i)                               /* and what it serves it writes */
        ck_assert_int_eq(tu_size(plain), 7);
}
END_TEST

Suite *suite_isolate(void)
{
    Suite *s = suite_create("isolate");
    TCase *tc = tcase_create("isolate");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, isolated_files_read_write_and_seek_as_in_process);
    tcase_add_test(tc, threads_share_one_helper_without_waiting_for_each_other);
    tcase_add_test(tc, wide_names_cross_both_ways);
    tcase_add_test(tc, mmioinfo_fields_cross_back_but_not_the_librarys_bits);
    tcase_add_test(tc,
                   a_crash_fails_the_file_at_once_and_the_next_open_restarts);
    tcase_add_loop_test(tc, abort_and_exit_are_reported_as_what_they_were, 0,
                        2);
    tcase_add_test(tc, a_crash_in_open_fails_the_open);
    tcase_add_test(tc, a_crash_in_close_fails_a_write);
    tcase_add_test(tc, a_crash_on_a_magic_byte_fails_that_read);
    tcase_add_test(tc, a_hang_is_killed_at_the_plugins_time_limit);
    tcase_add_test(tc, a_helper_past_its_cpu_time_is_killed);
    tcase_add_test(tc, restarts_are_limited_then_the_crash_is_recorded);
    tcase_add_test(tc, a_thousand_opens_through_a_crashing_plugin_leak_nothing);
    tcase_add_loop_test(tc, lies_fail_the_call_naming_the_rule, 0, 2);
    tcase_add_loop_test(tc, no_sockets_unless_the_configuration_allows_them, 0,
                        2);
    tcase_add_test(tc, a_leak_ends_at_the_memory_limit);
    tcase_add_test(tc, the_helper_ends_with_the_application);
    tcase_add_loop_test(tc, a_plugin_writes_only_where_its_files_are, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
