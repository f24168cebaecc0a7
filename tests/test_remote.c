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
#include "remoteutil.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct srv http;
static char server[600], root[700], endpoint[200], args_buf[2000];

/* Starts nginx with the bundled plugins on the path (and extra in
 * plugins.conf): 0, or 77 when this machine has no nginx or no remote
 * plugin (the test says so). */
static int start_with(const char *extra)
{
    if (access(BUNDLED_PLUGIN_DIR "/remote.so", R_OK) != 0)
        return 77;
    use_bundled_plugins_with(extra);
    snprintf(server, sizeof server, "%s", tu_path("server"));
    snprintf(root, sizeof root, "%s/root", server);
    if (srv_start(&http, "http", server) == 77)
        return 77;
    snprintf(endpoint, sizeof endpoint, "%s", srv_get(&http, "endpoint"));
    ck_assert_msg(*endpoint, "%s", http.out);
    return 0;
}

static void stop(void)
{
    srv_stop(&http);
}

static long requests(void)
{
    char log[700];
    snprintf(log, sizeof log, "%s/access.log", server);
    return lines_with(log, "HTTP/1.1\"");
}

#define START_WITH_OR_SKIP(extra)                                              \
    do {                                                                       \
        if (start_with(extra) == 77)                                           \
            TU_SKIP("no nginx or no remote plugin (libcurl) on this machine"); \
    } while (0)
#define START_OR_SKIP() START_WITH_OR_SKIP("")

/* mmiohost with the test's configuration: its status, output in out. */
static int host(char *out, size_t cap, const char *args)
{
    return tu_capture(out, cap, "'%s' --config '%s' %s 2>&1", MMIOHOST,
                      tu_path("bundled.conf"), args);
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
        random_reads_match(name, local, 200);
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
    char log[700], out[64];
    snprintf(log, sizeof log, "%s/access.log", server);
    ck_assert_int_eq(tu_capture(out, sizeof out,
                                "tail -n +%ld '%s' | grep -c '\"GET '",
                                before + 1, log),
                     0);
    ck_assert_msg(strtol(out, NULL, 10) <= 1000, "%s GETs for 1000 reads", out);
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
    char name[900], out[4096];
    tu_write(tu_path("server/root/here.txt"), "here", 4);
    tu_shell("mkdir -p '%s/private' && echo x > '%s/private/p.txt'", root,
             root);
    MMIOINFO info = {0};
    snprintf(name, sizeof name, "%s/nothere.txt", endpoint);
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_FILENOTFOUND);
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_EXIST));
    snprintf(name, sizeof name, "%s/here.txt", endpoint);
    ck_assert_ptr_nonnull(mmioOpen(name, &info, MMIO_EXIST));
    /* 403: access denied, with the server's words in the message */
    snprintf(name, sizeof name, "%s/private/p.txt", endpoint);
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_ACCESSDENIED);
    char args[1000];
    snprintf(args, sizeof args, "cat '%s'", name);
    ck_assert_int_ne(host(out, sizeof out, args), 0);
    ck_assert_msg(strstr(out, "403"), "%s", out);
    /* a write into a place the server refuses fails at close, and says
     * why: nothing is reported written that was not */
    snprintf(name, sizeof name, "%s/private/w.txt", endpoint);
    HMMIO h = mmioOpen(name, &info, MMIO_WRITE | MMIO_CREATE);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioWrite(h, "data", 4), 4);
    ck_assert_uint_eq(mmioClose(h, 0), MMIOERR_ACCESSDENIED);
    ck_assert_int_ne(access(tu_path("server/root/private/w.txt"), F_OK), 0);
    /* names that are no URL of ours */
    ck_assert_ptr_null(mmioOpen((LPSTR) "http://", &info, MMIO_READ));
    ck_assert_ptr_null(mmioOpen((LPSTR) "s3://bucket-only", &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_INVALIDFILE);
    /* redirects are followed within a bound: a loop fails, saying so */
    snprintf(name, sizeof name, "%s/loop/here.txt", endpoint);
    snprintf(args, sizeof args, "cat '%s'", name);
    ck_assert_int_ne(host(out, sizeof out, args), 0);
    ck_assert_msg(strstr(out, "redirect"), "%s", out);
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

/* Writes are PUT at close, whole: nothing is on the server before, the
 * file as written after; a RIFF writer's seeks back, a member written
 * into a remote archive, a file changed in place and read back. */
START_TEST(writes_are_put_whole_at_close)
{
    START_OR_SKIP();
    char name[900], local[900], out[4096];
    snprintf(local, sizeof local, "%s/src.bin", server);
    tu_pattern_file(local, 3000000);
    long n;
    char *want = tu_slurp(local, &n);
    snprintf(name, sizeof name, "%s/up/a.bin", endpoint);
    HMMIO h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_ptr_nonnull(h);
    for (long at = 0; at < n; at += 100000)
        ck_assert_int_eq(mmioWrite(h, want + at, 100000), 100000);
    ck_assert_int_ne(access(tu_path("server/root/up/a.bin"), F_OK), 0);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    snprintf(out, sizeof out, "%s/up/a.bin", root);
    ck_assert_int_eq(tu_shell("cmp -s '%s' '%s'", out, local), 0);
    /* read back by curl, as anyone else would */
    ck_assert_int_eq(tu_shell("curl -sf '%s' | cmp -s - '%s'", name, local), 0);
    /* a WAVE written with mmioCreateChunk/mmioAscend (seeks back) */
    snprintf(name, sizeof name, "%s/up/w.wav", endpoint);
    snprintf(local, sizeof local, "%s/w.wav", server);
    ck_assert_int_eq(tu_write_wave(name, 50000), 0);
    ck_assert_int_eq(tu_write_wave(local, 50000), 0);
    ck_assert_int_eq(tu_shell("cmp -s '%s/up/w.wav' '%s'", root, local), 0);
    /* a member written into an archive on the server */
    snprintf(name, sizeof name, "%s/up/w.zip+m.bin", endpoint);
    h = mmioOpen(name, NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioWrite(h, want, 500000), 500000);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_int_eq(tu_shell("unzip -p '%s/up/w.zip' m.bin | cmp -s - "
                              "'%s/src.bin' -n 500000 && test $(unzip -p "
                              "'%s/up/w.zip' m.bin | wc -c) = 500000",
                              root, server, root),
                     0);
    /* changed in place (MMIO_WRITE without MMIO_CREATE): the rest kept */
    snprintf(name, sizeof name, "%s/up/a.bin", endpoint);
    h = mmioOpen(name, NULL, MMIO_READWRITE);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioSeek(h, 1000, SEEK_SET), 1000);
    ck_assert_int_eq(mmioWrite(h, "CHANGED", 7), 7);
    char back[16];
    ck_assert_int_eq(mmioSeek(h, 998, SEEK_SET), 998);
    ck_assert_int_eq(mmioRead(h, back, 9), 9);
    ck_assert_int_eq(memcmp(back + 2, "CHANGED", 7), 0);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_END), n);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    for (int i = 0; i < 7; i++)
        want[1000 + i] = "CHANGED"[i];
    long m;
    char *got = read_all(name, &m);
    ck_assert_int_eq(m, n);
    ck_assert_int_eq(memcmp(got, want, (size_t)n), 0);
    free(got);
    /* mmiohost cp uploads and downloads */
    snprintf(args_buf, sizeof args_buf, "cp '%s/src.bin' '%s/up/cp.bin'",
             server, endpoint);
    ck_assert_int_eq(host(out, sizeof out, args_buf), 0);
    ck_assert_int_eq(
        tu_shell("cmp -s '%s/up/cp.bin' '%s/src.bin'", root, server), 0);
    ck_assert_msg(!strstr(out, "bytes,"), "progress off a terminal: %s", out);
    /* on a terminal (script(1) gives it one) a copy that takes a while
     * (a 300 ms round trip) shows its progress */
    if (tu_shell("command -v script >/dev/null") == 0) {
        char slow[200];
        pid_t p = faulty_start(endpoint, "pass", 0, 150, slow, sizeof slow);
        ck_assert_int_eq(
            tu_capture(out, sizeof out,
                       "script -qec \"'%s' --config '%s' cp '%s/up/cp.bin' "
                       "'%s/down.bin'\" /dev/null 2>&1",
                       MMIOHOST, tu_path("bundled.conf"), slow, server),
            0);
        faulty_stop(p);
        ck_assert_msg(strstr(out, "3000000 bytes,"), "%s", out);
        ck_assert_int_eq(
            tu_shell("cmp -s '%s/down.bin' '%s/src.bin'", server, server), 0);
    }
    free(want);
    stop();
}
END_TEST

/* EXIST is HEAD, DELETE is DELETE, rename is MOVE. */
START_TEST(exist_delete_rename_over_http)
{
    START_OR_SKIP();
    char a[900], b[900];
    tu_shell("mkdir -p '%s/d' && echo one > '%s/d/one.txt'", root, root);
    snprintf(a, sizeof a, "%s/d/one.txt", endpoint);
    snprintf(b, sizeof b, "%s/d/two.txt", endpoint);
    MMIOINFO info = {0};
    ck_assert_uint_eq(mmioRename(a, b, NULL, 0), 0);
    ck_assert_ptr_null(mmioOpen(a, &info, MMIO_EXIST));
    ck_assert_ptr_nonnull(mmioOpen(b, &info, MMIO_EXIST));
    ck_assert_int_eq(tu_shell("test -f '%s/d/two.txt' && ! test -e "
                              "'%s/d/one.txt'",
                              root, root),
                     0);
    /* renaming what is not there: not found */
    ck_assert_uint_eq(mmioRename(a, b, NULL, 0), MMIOERR_FILENOTFOUND);
    ck_assert_ptr_nonnull(mmioOpen(b, &info, MMIO_DELETE));
    ck_assert_int_ne(access(tu_path("server/root/d/two.txt"), F_OK), 0);
    ck_assert_ptr_null(mmioOpen(b, &info, MMIO_DELETE));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_FILENOTFOUND);
    stop();
}
END_TEST

/* Transient faults (503s, a connection reset mid-answer) are retried and
 * the read succeeds; persistent ones fail within the bounds. */
START_TEST(transient_faults_are_retried_persistent_ones_fail_in_bounds)
{
    START_WITH_OR_SKIP("[plugin remote]\noptions = timeout=2\n");
    char local[900], name[900], proxy[200];
    snprintf(local, sizeof local, "%s/f.bin", root);
    tu_pattern_file(local, 2000000);
    /* the first two connections get 503 */
    pid_t p = faulty_start(endpoint, "503", 2, 0, proxy, sizeof proxy);
    snprintf(name, sizeof name, "%s/f.bin", proxy);
    same_as(name, local);
    faulty_stop(p);
    /* and 429s (too many requests) */
    p = faulty_start(endpoint, "429", 2, 0, proxy, sizeof proxy);
    snprintf(name, sizeof name, "%s/f.bin", proxy);
    same_as(name, local);
    faulty_stop(p);
    /* the first connection is cut with a reset after 300000 bytes */
    p = faulty_start(endpoint, "reset", 300000, 0, proxy, sizeof proxy);
    snprintf(name, sizeof name, "%s/f.bin", proxy);
    same_as(name, local);
    faulty_stop(p);
    /* always 503: four attempts, then a failure, in a few seconds */
    long before = requests();
    p = faulty_start(endpoint, "503", 1000000, 0, proxy, sizeof proxy);
    snprintf(name, sizeof name, "%s/f.bin", proxy);
    MMIOINFO info = {0};
    time_t t0 = time(NULL);
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_CANNOTOPEN);
    ck_assert_int_le(time(NULL) - t0, 5);
    faulty_stop(p);
    ck_assert_int_eq(requests(), before); /* the proxy answered them */
    /* a server that stalls: the low-speed limit (timeout=2) ends each
     * attempt */
    p = faulty_start(endpoint, "stall", 0, 0, proxy, sizeof proxy);
    snprintf(name, sizeof name, "%s/f.bin", proxy);
    t0 = time(NULL);
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_CANNOTOPEN);
    ck_assert_int_le(time(NULL) - t0, 15);
    faulty_stop(p);
    stop();
}
END_TEST

/* A server that ignores ranges is read in order; seeks back still read
 * the right bytes (read again from the start). */
START_TEST(a_server_without_ranges_is_read_in_order)
{
    START_OR_SKIP();
    char local[900], name[900], proxy[200];
    ck_assert_int_eq(tu_shell("cd '%s' && seq 1 40000 > m.txt && seq 5 60000 "
                              "> n.txt && zip -q a.zip m.txt n.txt",
                              root),
                     0);
    pid_t p = faulty_start(endpoint, "norange", 0, 0, proxy, sizeof proxy);
    snprintf(name, sizeof name, "%s/a.zip", proxy);
    snprintf(local, sizeof local, "%s/a.zip", root);
    same_as(name, local);
    random_reads_match(name, local, 20);
    snprintf(name, sizeof name, "%s/a.zip+n.txt", proxy);
    snprintf(local, sizeof local, "%s/n.txt", root);
    same_as(name, local);
    faulty_stop(p);
    stop();
}
END_TEST

/* TLS is verified: a self-signed server fails with curl's reason, and
 * is reached once its certificate is given (cafile=). */
START_TEST(tls_is_verified)
{
    START_OR_SKIP();
    const char *tls = srv_get(&http, "tls_endpoint");
    if (!*tls) {
        stop();
        TU_SKIP("no openssl to make the test server's certificate");
    }
    char name[900], out[4096], ca[700], conf_extra[900];
    snprintf(name, sizeof name, "%s/t.txt", tls);
    snprintf(ca, sizeof ca, "%s", srv_get(&http, "cafile"));
    tu_write(tu_path("server/root/t.txt"), "secure", 6);
    MMIOINFO info = {0};
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_CANNOTOPEN);
    snprintf(args_buf, sizeof args_buf, "cat '%s'", name);
    ck_assert_int_ne(host(out, sizeof out, args_buf), 0);
    ck_assert_msg(strstr(out, "certificate") || strstr(out, "SSL"), "%s", out);
    /* given its certificate, another program reaches it */
    snprintf(conf_extra, sizeof conf_extra,
             "[host]\nplugin_dir = %s\ncache = %s\nstate = %s\n"
             "system_state = %s\n[plugin remote]\noptions = cafile=%s\n"
             "network = yes\n",
             BUNDLED_PLUGIN_DIR, tu_path("scan2.cache"), tu_path("state2"),
             tu_path("machine2.state"), ca);
    tu_write(tu_path("ca.conf"), conf_extra, strlen(conf_extra));
    char *got = out;
    ck_assert_int_eq(tu_capture(out, sizeof out, "'%s' --config '%s' cat '%s'",
                                MMIOHOST, tu_path("ca.conf"), name),
                     0);
    ck_assert_str_eq(got, "secure");
    stop();
}
END_TEST

/* mmiohost cp of a member of a remote archive reads the directory and
 * the member, not the archive: every GET a range, the bytes sent at most
 * the member's and 1 MiB. */
START_TEST(a_member_is_copied_with_ranges_only)
{
    START_OR_SKIP();
    ck_assert_int_eq(
        tu_shell("cd '%s' && head -c 8000000 /dev/urandom > pre.bin && "
                 "head -c 3000000 /dev/urandom > mem.bin && head -c 9000000 "
                 "/dev/urandom > post.bin && zip -q -0 big.zip pre.bin "
                 "mem.bin post.bin",
                 root),
        0);
    char out[4096], log[700];
    snprintf(log, sizeof log, "%s/access.log", server);
    long before = requests();
    snprintf(args_buf, sizeof args_buf, "cp '%s/big.zip+mem.bin' '%s/m.bin'",
             endpoint, server);
    ck_assert_int_eq(host(out, sizeof out, args_buf), 0);
    ck_assert_int_eq(tu_shell("cmp -s '%s/m.bin' '%s/mem.bin'", server, root),
                     0);
    ck_assert_int_eq(tu_capture(out, sizeof out,
                                "tail -n +%ld '%s' | awk '$6 == \"\\\"GET\" && "
                                "$9 != 206' | wc -l",
                                before + 1, log),
                     0);
    ck_assert_msg(strtol(out, NULL, 10) == 0, "%s GETs without a range", out);
    ck_assert_int_gt(requests(), before);
    ck_assert_int_eq(tu_capture(out, sizeof out,
                                "tail -n +%ld '%s' | awk '{s += $10} END "
                                "{print s}'",
                                before + 1, log),
                     0);
    long sent = strtol(out, NULL, 10);
    ck_assert_msg(sent <= 3000000 + (1L << 20), "%ld bytes sent", sent);
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
    tcase_add_test(tc, writes_are_put_whole_at_close);
    tcase_add_test(tc, exist_delete_rename_over_http);
    tcase_add_test(tc,
                   transient_faults_are_retried_persistent_ones_fail_in_bounds);
    tcase_add_test(tc, a_server_without_ranges_is_read_in_order);
    tcase_add_test(tc, tls_is_verified);
    tcase_add_test(tc, a_member_is_copied_with_ranges_only);
    suite_add_tcase(s, tc);
    return s;
}
