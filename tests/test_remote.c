/* SPDX-License-Identifier: MIT */
/*
 * The remote plugin against a real HTTP server (nginx, started here on a
 * free loopback port by tests/servers/http.sh and stopped after each
 * test): WAV, FLAC and ZIP members read over HTTP equal the local files,
 * random seeks included; errors; an object replaced mid-read; the number
 * of requests a random read pattern costs, counted in the server's log.
 */
#define _GNU_SOURCE
#include "hostutil.h"
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SOURCE_DIR
#define SOURCE_DIR "."
#endif

static char server[600], root[700], endpoint[200];

/* Starts the server with the bundled plugins on the path: 0, or 77 when
 * this machine has no nginx or no remote plugin (the test says so). */
static int start(void)
{
    if (access(BUNDLED_PLUGIN_DIR "/remote.so", R_OK) != 0)
        return 77;
    use_bundled_plugins();
    snprintf(server, sizeof server, "%s", tu_path("server"));
    snprintf(root, sizeof root, "%s/root", server);
    char out[512];
    int rc = tu_capture(out, sizeof out,
                        "mkdir -p '%s' && bash '%s/tests/servers/http.sh' "
                        "start '%s' 2>&1",
                        server, SOURCE_DIR, server);
    if (rc == 77)
        return 77;
    ck_assert_msg(rc == 0, "%s", out);
    /* a watchdog stops the server when this test's process ends, passed
     * or failed (a failed assertion ends it before stop()) */
    pid_t test = getpid();
    if (fork() == 0) {
        while (kill(test, 0) == 0)
            usleep(100000);
        execlp("bash", "bash", SOURCE_DIR "/tests/servers/http.sh", "stop",
               server, (char *)NULL);
        _exit(1);
    }
    char *ep = strstr(out, "endpoint=");
    ck_assert_ptr_nonnull(ep);
    snprintf(endpoint, sizeof endpoint, "%.*s", (int)strcspn(ep + 9, "\n"),
             ep + 9);
    return 0;
}

static void stop(void)
{
    tu_shell("bash '%s/tests/servers/http.sh' stop '%s' >/dev/null 2>&1",
             SOURCE_DIR, server);
}

static long requests(void)
{
    char out[64];
    tu_capture(out, sizeof out, "wc -l < '%s/access.log'", server);
    return strtol(out, NULL, 10);
}

#define START_OR_SKIP()                                                        \
    do {                                                                       \
        if (start() == 77)                                                     \
            TU_SKIP("no nginx or no remote plugin (libcurl) on this machine"); \
    } while (0)

/* The whole of what name gives, read through mmio. */
static char *read_all(const char *name, long *n)
{
    char copy[900];
    snprintf(copy, sizeof copy, "%s", name);
    MMIOINFO info = {0};
    HMMIO h = mmioOpen(copy, &info, MMIO_READ);
    ck_assert_msg(h != NULL, "cannot open %s: %u", name, info.wErrorRet);
    long cap = 1 << 20, len = 0;
    char *buf = malloc((size_t)cap);
    LONG r;
    while ((r = mmioRead(h, buf + len, 30000 < cap - len ? 30000 : cap - len)) >
           0)
        if ((len += r) == cap)
            buf = realloc(buf, (size_t)(cap *= 2));
    ck_assert_int_eq(r, 0);
    mmioClose(h, 0);
    *n = len;
    return buf;
}

static void same_as(const char *name, const char *local)
{
    long a, b;
    char *got = read_all(name, &a), *want = tu_slurp(local, &b);
    ck_assert_msg(a == b && memcmp(got, want, (size_t)a) == 0,
                  "%s: %ld bytes, %s %ld", name, a, local, b);
    free(got);
    free(want);
}

START_TEST(remote_files_read_as_the_local_ones)
{
    START_OR_SKIP();
    ck_assert_int_eq(
        tu_shell("cd '%s' && sox -n -r 22050 -c 2 -b 16 t.wav synth 3 sine "
                 "440 2>/dev/null && flac -s -o x.flac t.wav && seq 1 50000 > "
                 "m.txt && zip -q a.zip m.txt x.flac",
                 root),
        0);
    char name[900], local[900];
    const char *pairs[][2] = {{"t.wav", "t.wav"}, {"a.zip+m.txt", "m.txt"}};
    for (int k = 0; k < 2; k++) {
        snprintf(name, sizeof name, "%s/%s", endpoint, pairs[k][0]);
        snprintf(local, sizeof local, "%s/%s", root, pairs[k][1]);
        same_as(name, local);
    }
    /* a FLAC in a ZIP on the server: the samples flac encoded */
    snprintf(name, sizeof name, "%s/a.zip+x.flac+", endpoint);
    long n;
    char *img = read_all(name, &n);
    snprintf(local, sizeof local, "%s/img.wav", server);
    tu_write(local, img, (size_t)n);
    free(img);
    ck_assert_int_eq(tu_shell("sox '%s' -t raw '%s/a.raw' && sox '%s/t.wav' "
                              "-t raw '%s/b.raw' && cmp -s '%s/a.raw' "
                              "'%s/b.raw'",
                              local, server, root, server, server, server),
                     0);
    /* mmiohost riff of a remote WAV and of a remote ZIP member */
    char out[4096];
    ck_assert_int_eq(tu_capture(out, sizeof out,
                                "'%s' --config '%s' riff '%s/t.wav' 2>&1",
                                MMIOHOST, tu_path("bundled.conf"), endpoint),
                     0);
    ck_assert_msg(strstr(out, "data  offset 36  size 264600"), "%s", out);
    ck_assert_int_eq(tu_capture(out, sizeof out,
                                "'%s' --config '%s' riff '%s/a.zip+x.flac+' "
                                "2>&1",
                                MMIOHOST, tu_path("bundled.conf"), endpoint),
                     0);
    ck_assert_msg(strstr(out, "RIFF 'WAVE'"), "%s", out);
    stop();
}
END_TEST

/* 1000 random 4 KiB reads: the bytes are the file's, and they cost at
 * most one request each (the server's log counts them). */
START_TEST(random_reads_cost_at_most_one_request_each)
{
    START_OR_SKIP();
    char local[800], name[900];
    snprintf(local, sizeof local, "%s/big.bin", root);
    tu_pattern_file(local, 8L << 20);
    long n;
    char *want = tu_slurp(local, &n);
    snprintf(name, sizeof name, "%s/big.bin", endpoint);
    long before = requests();
    HMMIO h = mmioOpen(name, NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    srand(3);
    static char buf[4096];
    for (int i = 0; i < 1000; i++) {
        long at = rand() % (n - 4096);
        ck_assert_int_eq(mmioSeek(h, (LONG)at, SEEK_SET), at);
        ck_assert_int_eq(mmioRead(h, buf, 4096), 4096);
        ck_assert_msg(memcmp(buf, want + at, 4096) == 0, "at %ld", at);
    }
    /* the same block again: from the cache */
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_SET), 0);
    ck_assert_int_eq(mmioRead(h, buf, 100), 100);
    long mid = requests();
    ck_assert_int_eq(mmioSeek(h, 50, SEEK_SET), 50);
    ck_assert_int_eq(mmioRead(h, buf, 100), 100);
    ck_assert_int_eq(requests(), mid);
    mmioClose(h, 0);
    long used = requests() - before;
    ck_assert_msg(used <= 1001, "%ld requests for 1000 reads", used);
    /* read in order, it fetches ahead: far fewer requests than blocks */
    before = requests();
    long total;
    ck_assert_int_eq(tu_read_to_end(name, &total), 0);
    ck_assert_int_eq(total, n);
    ck_assert_msg(requests() - before < 20, "%ld requests for 128 blocks",
                  requests() - before);
    free(want);
    stop();
}
END_TEST

START_TEST(remote_errors_are_the_right_ones)
{
    START_OR_SKIP();
    char name[900];
    tu_write(tu_path("server/root/here.txt"), "here", 4);
    MMIOINFO info = {0};
    snprintf(name, sizeof name, "%s/nothere.txt", endpoint);
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_FILENOTFOUND);
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_EXIST));
    snprintf(name, sizeof name, "%s/here.txt", endpoint);
    ck_assert_ptr_nonnull(mmioOpen(name, &info, MMIO_EXIST));
    /* this version reads only: a write is refused, never a false success */
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_WRITE | MMIO_CREATE));
    ck_assert_uint_eq(info.wErrorRet, MMSYSERR_NOTSUPPORTED);
    /* and nothing is written into a remote archive either */
    snprintf(name, sizeof name, "%s/w.zip+m.txt", endpoint);
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_WRITE | MMIO_CREATE));
    ck_assert_uint_eq(info.wErrorRet, MMSYSERR_NOTSUPPORTED);
    /* a redirect is followed */
    snprintf(name, sizeof name, "%s/redirect/here.txt", endpoint);
    long n;
    char *got = read_all(name, &n);
    ck_assert_int_eq(n, 4);
    ck_assert_int_eq(memcmp(got, "here", 4), 0);
    free(got);
    stop();
}
END_TEST

/* The object is pinned at open: replaced mid-read, the read fails. */
START_TEST(an_object_replaced_mid_read_fails_the_read)
{
    START_OR_SKIP();
    char local[800], name[900];
    snprintf(local, sizeof local, "%s/v.bin", root);
    tu_pattern_file(local, 4L << 20);
    snprintf(name, sizeof name, "%s/v.bin", endpoint);
    HMMIO h = mmioOpen(name, NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    static char buf[4096];
    ck_assert_int_eq(mmioRead(h, buf, 4096), 4096);
    /* another version, of the same size: only the ETag tells them apart */
    sleep(1); /* nginx's ETag holds the modification time in seconds */
    tu_text_file(local, 4L << 20, 9);
    ck_assert_int_eq(mmioSeek(h, 3L << 20, SEEK_SET), 3L << 20);
    ck_assert_int_eq(mmioRead(h, buf, 4096), -1);
    mmioClose(h, 0);
    stop();
}
END_TEST

/* The remote procedure passes the contract at the top level, its bytes
 * held to the file on the server's disk. */
START_TEST(remote_passes_validate)
{
    START_OR_SKIP();
    char local[800];
    snprintf(local, sizeof local, "%s/v.txt", root);
    tu_text_file(local, 300000, 4);
    static char out[65536];
    int rc = tu_capture(out, sizeof out,
                        "'%s' --config '%s' validate --level 10 --sample "
                        "'%s/v.txt' --reference '%s' '%s/remote.so' 2>&1",
                        MMIOHOST, tu_path("bundled.conf"), endpoint, local,
                        BUNDLED_PLUGIN_DIR);
    ck_assert_msg(rc == 0 && strstr(out, " 0 failed"), "%s", out);
    ck_assert_msg(strstr(out, "PASS 'HTTP' reference"), "%s", out);
    stop();
}
END_TEST

Suite *suite_remote(void)
{
    Suite *s = suite_create("remote");
    TCase *tc = tcase_create("remote");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, remote_files_read_as_the_local_ones);
    tcase_add_test(tc, random_reads_cost_at_most_one_request_each);
    tcase_add_test(tc, remote_errors_are_the_right_ones);
    tcase_add_test(tc, an_object_replaced_mid_read_fails_the_read);
    tcase_add_test(tc, remote_passes_validate);
    suite_add_tcase(s, tc);
    return s;
}
