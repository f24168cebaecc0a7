/* SPDX-License-Identifier: MIT */
/*
 * The remote plugin against a real S3 (Ceph's RADOS Gateway on a one-node
 * cluster, started once for the suite by tests/servers/s3.sh: it checks
 * Signature V4 as AWS does): files read as the local ones, uploads in one
 * PUT and in parts, a killed upload that leaves no object, errors that say
 * what happened and never show the secret, credentials from a profile,
 * the request count of random reads, an object replaced mid-read.
 */
#define _GNU_SOURCE
#include "hostutil.h"
#include "remoteutil.h"
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static struct srv s3;
static int s3_up; /* 1 running, 77 cannot run here */
static char s3_dir[600], ep[200], ak[128], sk[128], bucket[64], rgw_log[700];

/* Once for the suite (it takes about 15 s): the cluster and its user. */
static void s3_setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(s3_dir, sizeof s3_dir, "%s/mmio-s3.XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(s3_dir) || access(BUNDLED_PLUGIN_DIR "/remote.so", R_OK)) {
        s3_up = 77;
        return;
    }
    if (srv_start(&s3, "s3", s3_dir) == 77) {
        s3_up = 77;
        return;
    }
    snprintf(ep, sizeof ep, "%s", srv_get(&s3, "endpoint"));
    snprintf(ak, sizeof ak, "%s", srv_get(&s3, "access_key"));
    snprintf(sk, sizeof sk, "%s", srv_get(&s3, "secret_key"));
    snprintf(bucket, sizeof bucket, "%s", srv_get(&s3, "bucket"));
    snprintf(rgw_log, sizeof rgw_log, "%s/log/client.rgw.log", s3_dir);
    s3_up = 1;
}

static void s3_teardown(void)
{
    if (s3_up == 1)
        srv_stop(&s3);
    tu_shell("rm -rf '%s'", s3_dir);
}

/* This test's view of S3: the server's user, nothing from the caller's
 * environment; the bundled plugins with extra in plugins.conf. */
static void use_s3(const char *extra)
{
    if (s3_up != 1)
        TU_SKIP("no Ceph RGW (ceph-mon, ceph-osd, radosgw) or no remote "
                "plugin on this machine");
    static const char *const unset[] = {
        "AWS_PROFILE",         "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_REGION",
        "AWS_CONFIG_FILE",     "AWS_SHARED_CREDENTIALS_FILE"};
    for (size_t i = 0; i < sizeof unset / sizeof unset[0]; i++)
        unsetenv(unset[i]);
    setenv("AWS_ACCESS_KEY_ID", ak, 1);
    setenv("AWS_SECRET_ACCESS_KEY", sk, 1);
    setenv("AWS_ENDPOINT_URL", ep, 1);
    setenv("AWS_REGION", "us-east-1", 1);
    use_bundled_plugins_with(extra);
}

/* curl, signed as the server's user: its exit status, output in out. */
static int s3curl(char *out, size_t cap, const char *args)
{
    return tu_capture(out, cap,
                      "curl -s --user '%s:%s' --aws-sigv4 aws:amz:us-east-1:s3 "
                      "-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' %s",
                      ak, sk, args);
}

static void put_object(const char *local, const char *key)
{
    char args[1500], out[256];
    snprintf(args, sizeof args,
             "-o /dev/null -w '%%{http_code}' -T '%s' '%s/%s/%s'", local, ep,
             bucket, key);
    ck_assert_int_eq(s3curl(out, sizeof out, args), 0);
    ck_assert_str_eq(out, "200");
}

/* The HTTP status of a HEAD ("HEAD") or curl's options (e.g. "-X DELETE")
 * on key. */
static int status_of_key(const char *method, const char *key)
{
    char args[1500], out[256];
    /* (curl -X HEAD would wait for a body) */
    snprintf(args, sizeof args, "-o /dev/null -w '%%{http_code}' %s '%s/%s/%s'",
             strcmp(method, "HEAD") ? method : "-I", ep, bucket, key);
    s3curl(out, sizeof out, args);
    return (int)strtol(out, NULL, 10);
}

/* Whether key holds what local holds (fetched by curl). */
static int object_is(const char *key, const char *local)
{
    char args[1500], out[64];
    snprintf(args, sizeof args, "'%s/%s/%s' | cmp -s - '%s' && echo same", ep,
             bucket, key, local);
    s3curl(out, sizeof out, args);
    return strncmp(out, "same", 4) == 0;
}

static char *s3name(const char *key);

/* Puts text as key (by curl), then reads it back through mmio. */
static void put_and_read_back(const char *key, const char *text)
{
    size_t len = strlen(text);
    tu_write(tu_path("text.put"), text, len);
    put_object(tu_path("text.put"), key);
    long n;
    char *got = read_all(s3name(key), &n);
    ck_assert_int_eq(n, (long)len);
    ck_assert_int_eq(memcmp(got, text, len), 0);
    free(got);
}

static char *s3name(const char *key)
{
    static char name[900];
    snprintf(name, sizeof name, "s3://%s/%s", bucket, key);
    return name;
}

static long rgw_requests(void)
{
    usleep(300000); /* the gateway's log is written behind */
    return lines_with(rgw_log, " beast: ");
}

static int host(char *out, size_t cap, const char *args)
{
    return tu_capture(out, cap, "'%s' --config '%s' %s 2>&1", MMIOHOST,
                      tu_path("bundled.conf"), args);
}

START_TEST(s3_files_read_as_the_local_ones)
{
    use_s3("");
    const char *d = tu_path("f");
    ck_assert_int_eq(
        tu_shell("mkdir -p '%s' && cd '%s' && sox -n -r 22050 -c 2 -b 16 "
                 "t.wav synth 3 sine 440 2>/dev/null && flac -s -o x.flac "
                 "t.wav && seq 1 50000 > m.txt && zip -q a.zip m.txt x.flac",
                 d, d),
        0);
    char local[900], out[4096], args[1200];
    const char *files[] = {"t.wav", "x.flac", "a.zip"};
    for (int i = 0; i < 3; i++) {
        snprintf(local, sizeof local, "%s/%s", d, files[i]);
        put_object(local, files[i]);
        same_as(s3name(files[i]), local);
        random_reads_match(s3name(files[i]), local, 100);
    }
    snprintf(local, sizeof local, "%s/m.txt", d);
    same_as(s3name("a.zip+m.txt"), local);
    random_reads_match(s3name("a.zip+m.txt"), local, 100);
    /* the FLAC in the ZIP decodes to the samples flac was given */
    long n;
    char *img = read_all(s3name("a.zip+x.flac+"), &n);
    snprintf(local, sizeof local, "%s/img.wav", d);
    tu_write(local, img, (size_t)n);
    free(img);
    ck_assert_int_eq(tu_shell("cd '%s' && sox img.wav -t raw a.raw && sox "
                              "t.wav -t raw b.raw && cmp -s a.raw b.raw",
                              d),
                     0);
    snprintf(args, sizeof args, "riff '%s'", s3name("t.wav"));
    ck_assert_int_eq(host(out, sizeof out, args), 0);
    ck_assert_msg(strstr(out, "data  offset 36  size 264600"), "%s", out);
    snprintf(args, sizeof args, "riff '%s'", s3name("a.zip+x.flac+"));
    ck_assert_int_eq(host(out, sizeof out, args), 0);
    ck_assert_msg(strstr(out, "RIFF 'WAVE'"), "%s", out);
}
END_TEST

START_TEST(s3_uploads_in_one_put_and_in_parts)
{
    use_s3("[plugin remote]\noptions = part=5\n");
    char local[900], out[4096], args[2600];
    /* small: one PUT, by mmiohost cp */
    snprintf(local, sizeof local, "%s", tu_path("song.flac"));
    ck_assert_int_eq(tu_shell("sox -n -r 44100 -c 1 -b 16 '%s' synth 2 sine "
                              "300 2>/dev/null",
                              local),
                     0);
    snprintf(args, sizeof args, "cp '%s' '%s'", local, s3name("song.flac"));
    ck_assert_int_eq(host(out, sizeof out, args), 0);
    ck_assert(object_is("song.flac", local));
    /* 23 MiB in 1 MiB writes: parts go while it is written, the object
     * appears at close */
    snprintf(local, sizeof local, "%s", tu_path("big.bin"));
    tu_pattern_file(local, 23L << 20);
    long n;
    char *data = tu_slurp(local, &n);
    long parts_before = lines_with(rgw_log, "partNumber=");
    HMMIO h = mmioOpen(s3name("big.bin"), NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_ptr_nonnull(h);
    for (long at = 0; at < n; at += 1L << 20)
        ck_assert_int_eq(mmioWrite(h, data + at, 1L << 20), 1L << 20);
    /* parts 2 and 3 went while the file was written (the plugin's thread
     * sends them; the gateway logs each when it is stored) */
    for (int i = 0;
         i < 100 && lines_with(rgw_log, "partNumber=") - parts_before < 2; i++)
        usleep(100000);
    ck_assert_int_ge(lines_with(rgw_log, "partNumber=") - parts_before, 2);
    ck_assert_int_eq(status_of_key("HEAD", "big.bin"), 404);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert(object_is("big.bin", local));
    rgw_requests();
    ck_assert_int_eq(lines_with(rgw_log, "partNumber=") - parts_before, 5);
    free(data);
    /* a WAVE written with seeks back, straight to S3 */
    snprintf(local, sizeof local, "%s", tu_path("w.wav"));
    ck_assert_int_eq(tu_write_wave(s3name("w.wav"), 80000), 0);
    ck_assert_int_eq(tu_write_wave(local, 80000), 0);
    ck_assert(object_is("w.wav", local));
    /* and into an archive on S3 */
    ck_assert_int_eq(tu_write_wave(s3name("takes.zip+t1.wav"), 80000), 0);
    snprintf(args, sizeof args, "'%s/%s/takes.zip' -o '%s'", ep, bucket,
             tu_path("takes.zip"));
    ck_assert_int_eq(s3curl(out, sizeof out, args), 0);
    ck_assert_int_eq(tu_shell("unzip -p '%s' t1.wav | cmp -s - '%s'",
                              tu_path("takes.zip"), local),
                     0);
}
END_TEST

/* A process killed in the middle of a multipart upload leaves no object
 * (the unfinished upload is S3's to expire). */
START_TEST(s3_a_killed_upload_leaves_no_object)
{
    use_s3("[plugin remote]\noptions = part=5\n");
    int ready[2];
    ck_assert_int_eq(pipe(ready), 0);
    long parts_before = lines_with(rgw_log, "partNumber=");
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives the test */
        static char chunk[1 << 20];
        memset(chunk, 'k', sizeof chunk);
        HMMIO h =
            mmioOpen(s3name("killed.bin"), NULL, MMIO_WRITE | MMIO_CREATE);
        if (!h)
            _exit(1);
        for (int i = 0; i < 20; i++)
            if (mmioWrite(h, chunk, sizeof chunk) != (LONG)sizeof chunk)
                _exit(1);
        if (write(ready[1], "w", 1) != 1)
            _exit(1);
        pause(); /* killed here, the upload unfinished */
        _exit(0);
    }
    char c;
    ck_assert_int_eq(read(ready[0], &c, 1), 1);
    for (int i = 0;
         i < 100 && lines_with(rgw_log, "partNumber=") - parts_before < 2; i++)
        usleep(100000);
    ck_assert_int_ge(lines_with(rgw_log, "partNumber=") - parts_before, 2);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    ck_assert_int_eq(status_of_key("HEAD", "killed.bin"), 404);
    /* the upload is there, unfinished, for the bucket's lifecycle */
    char out[8192], args[1200];
    snprintf(args, sizeof args, "'%s/%s?uploads='", ep, bucket);
    ck_assert_int_eq(s3curl(out, sizeof out, args), 0);
    ck_assert_msg(strstr(out, "<Key>killed.bin</Key>"), "%s", out);
}
END_TEST

START_TEST(s3_errors_say_what_happened_and_never_the_secret)
{
    use_s3("");
    char out[8192], args[1200];
    MMIOINFO info = {0};
    ck_assert_ptr_null(mmioOpen(s3name("nothere"), &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_FILENOTFOUND);
    tu_write(tu_path("s.txt"), "secret words", 12);
    put_object(tu_path("s.txt"), "s.txt");
    /* a wrong secret: refused, and the message shows neither secret */
    setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-value-123", 1);
    ck_assert_ptr_null(mmioOpen(s3name("s.txt"), &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_ACCESSDENIED);
    snprintf(args, sizeof args, "cat '%s'", s3name("s.txt"));
    ck_assert_int_ne(host(out, sizeof out, args), 0);
    ck_assert_msg(strstr(out, "403"), "%s", out);
    ck_assert_msg(!strstr(out, "wrong-secret-value-123") && !strstr(out, sk),
                  "%s", out);
    /* no credentials at all: unsigned, refused, and it says why */
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    ck_assert_int_ne(host(out, sizeof out, args), 0);
    ck_assert_msg(strstr(out, "no S3 credentials"), "%s", out);
    /* the right ones, traced: the secret is in no trace line */
    setenv("AWS_ACCESS_KEY_ID", ak, 1);
    setenv("AWS_SECRET_ACCESS_KEY", sk, 1);
    ck_assert_int_eq(tu_capture(out, sizeof out,
                                "MMIO_DEBUG=proc:5,loader:3 '%s' --config '%s' "
                                "cat '%s' 2>&1",
                                MMIOHOST, tu_path("bundled.conf"),
                                s3name("s.txt")),
                     0);
    ck_assert_msg(strstr(out, "secret words"), "%s", out);
    ck_assert_msg(!strstr(out, sk), "the secret is in the trace");
    /* an endpoint that is no URL */
    setenv("AWS_ENDPOINT_URL", "ftp://nowhere", 1);
    ck_assert_ptr_null(mmioOpen(s3name("s.txt"), &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_CANNOTOPEN);
}
END_TEST

START_TEST(s3_exist_delete_rename)
{
    use_s3("");
    MMIOINFO info = {0};
    tu_write(tu_path("e.txt"), "exists", 6);
    put_object(tu_path("e.txt"), "e.txt");
    char a[900], b[900];
    snprintf(a, sizeof a, "%s", s3name("e.txt"));
    snprintf(b, sizeof b, "%s", s3name("moved/e.txt"));
    ck_assert_ptr_nonnull(mmioOpen(a, &info, MMIO_EXIST));
    ck_assert_uint_eq(mmioRename(a, b, NULL, 0), 0);
    ck_assert_ptr_null(mmioOpen(a, &info, MMIO_EXIST));
    ck_assert(object_is("moved/e.txt", tu_path("e.txt")));
    ck_assert_uint_eq(mmioRename(a, b, NULL, 0), MMIOERR_FILENOTFOUND);
    ck_assert_ptr_nonnull(mmioOpen(b, &info, MMIO_DELETE));
    ck_assert_int_eq(status_of_key("HEAD", "moved/e.txt"), 404);
    /* deleting what is not there is "not found", as for a local file */
    ck_assert_ptr_null(mmioOpen(b, &info, MMIO_DELETE));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_FILENOTFOUND);
    /* S3 and HTTP are different storage: no rename between them */
    ck_assert_uint_ne(mmioRename(a, (LPSTR) "http://127.0.0.1:9/x", NULL, 0),
                      0);
}
END_TEST

/* No variables: the profile AWS_PROFILE names, in ~/.aws (the test's
 * scratch home). */
START_TEST(s3_credentials_from_a_profile)
{
    use_s3("");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_REGION");
    const char *home = tu_path("home");
    char text[1200], path[800];
    snprintf(path, sizeof path, "%s/.aws", home);
    ck_assert_int_eq(tu_shell("mkdir -p '%s'", path), 0);
    snprintf(path, sizeof path, "%s/.aws/credentials", home);
    snprintf(text, sizeof text,
             "[default]\naws_access_key_id = nobody\naws_secret_access_key = "
             "nothing\n\n[mmio]\naws_access_key_id = %s\n"
             "aws_secret_access_key = %s\n",
             ak, sk);
    tu_write(path, text, strlen(text));
    snprintf(path, sizeof path, "%s/.aws/config", home);
    snprintf(text, sizeof text,
             "[default]\nregion = eu-west-1\n[profile mmio]\nregion = "
             "us-east-1\nendpoint_url = %s\n",
             ep);
    tu_write(path, text, strlen(text));
    setenv("HOME", home, 1);
    setenv("AWS_PROFILE", "mmio", 1);
    put_and_read_back("p.txt", "profiled");
    /* the default profile's keys are not this server's */
    unsetenv("AWS_PROFILE");
    setenv("AWS_ENDPOINT_URL", ep, 1);
    MMIOINFO info = {0};
    ck_assert_ptr_null(mmioOpen(s3name("p.txt"), &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_ACCESSDENIED);
}
END_TEST

/* 1000 random 4 KiB reads cost at most 1000 requests (the gateway's log
 * counts them), cached ones none. */
START_TEST(s3_random_reads_cost_one_request_each)
{
    use_s3("");
    snprintf(rgw_log + 0, sizeof rgw_log, "%s/log/client.rgw.log", s3_dir);
    tu_pattern_file(tu_path("r.bin"), 8L << 20);
    put_object(tu_path("r.bin"), "r.bin");
    long before = rgw_requests();
    random_reads_match(s3name("r.bin"), tu_path("r.bin"), 1000);
    long used = rgw_requests() - before;
    /* a HEAD, and a GET a read at most (the last few share blocks) */
    ck_assert_msg(used <= 1001, "%ld requests for 1000 reads", used);
}
END_TEST

START_TEST(s3_an_object_replaced_mid_read_fails_the_read)
{
    use_s3("");
    tu_pattern_file(tu_path("v.bin"), 4L << 20);
    put_object(tu_path("v.bin"), "v.bin");
    HMMIO h = mmioOpen(s3name("v.bin"), NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    static char buf[4096];
    ck_assert_int_eq(mmioRead(h, buf, 4096), 4096);
    tu_text_file(tu_path("v2.bin"), 4L << 20, 5);
    put_object(tu_path("v2.bin"), "v.bin");
    ck_assert_int_eq(mmioSeek(h, 3L << 20, SEEK_SET), 3L << 20);
    ck_assert_int_eq(mmioRead(h, buf, 4096), -1);
    mmioClose(h, 0);
}
END_TEST

/* A part that cannot be sent (every connection carrying one is reset)
 * fails the write or the close with an error, and the upload is aborted:
 * no object, no unfinished upload. */
START_TEST(s3_a_failed_part_aborts_the_upload)
{
    use_s3("[plugin remote]\noptions = part=5\n");
    char proxy[200];
    pid_t p = faulty_start(ep, "upcut", 1L << 20, 0, proxy, sizeof proxy);
    setenv("AWS_ENDPOINT_URL", proxy, 1);
    static char chunk[1 << 20];
    memset(chunk, 'f', sizeof chunk);
    HMMIO h = mmioOpen(s3name("failed.bin"), NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_ptr_nonnull(h);
    int failed = 0;
    for (int i = 0; i < 20 && !failed; i++)
        failed = mmioWrite(h, chunk, sizeof chunk) != (LONG)sizeof chunk;
    /* the second part, sent while writing, failed: a later write or the
     * close says so */
    (void)failed;
    ck_assert_uint_eq(mmioClose(h, 0), MMIOERR_CANNOTWRITE);
    faulty_stop(p);
    ck_assert_int_eq(status_of_key("HEAD", "failed.bin"), 404);
    char out[8192], args[1200];
    snprintf(args, sizeof args, "'%s/%s?uploads='", ep, bucket);
    ck_assert_int_eq(s3curl(out, sizeof out, args), 0);
    ck_assert_msg(!strstr(out, "<Key>failed.bin</Key>"), "%s", out);
    /* a small object fails the same way at close: one PUT, refused */
    p = faulty_start(ep, "upcut", 100000, 0, proxy, sizeof proxy);
    setenv("AWS_ENDPOINT_URL", proxy, 1);
    h = mmioOpen(s3name("small.bin"), NULL, MMIO_WRITE | MMIO_CREATE);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioWrite(h, chunk, 300000), 300000);
    ck_assert_uint_eq(mmioClose(h, 0), MMIOERR_CANNOTWRITE);
    faulty_stop(p);
    ck_assert_int_eq(status_of_key("HEAD", "small.bin"), 404);
}
END_TEST

/* Virtual-host addressing (BUCKET.host): the gateway knows "localhost"
 * as its domain, and curl takes *.localhost as the loopback. */
START_TEST(s3_virtual_host_addressing)
{
    use_s3("[plugin remote]\noptions = addressing=virtual\n");
    char local[800];
    snprintf(local, sizeof local, "http://localhost:%s", strrchr(ep, ':') + 1);
    setenv("AWS_ENDPOINT_URL", local, 1);
    put_and_read_back("vh-object.txt", "virtual");
    rgw_requests();
    /* the path holds the key alone: the bucket was in the host name */
    ck_assert_int_ge(lines_with(rgw_log, "\"HEAD /vh-object.txt "), 1);
    /* an addressing that is neither: refused, saying so */
    char text[1500], out[4096];
    snprintf(text, sizeof text,
             "[host]\nplugin_dir = %s\ncache = %s\nstate = %s\n"
             "system_state = %s\n[plugin remote]\noptions = "
             "addressing=sideways\n",
             BUNDLED_PLUGIN_DIR, tu_path("c2"), tu_path("s2"), tu_path("m2"));
    tu_write(tu_path("side.conf"), text, strlen(text));
    ck_assert_int_ne(tu_capture(out, sizeof out,
                                "'%s' --config '%s' cat '%s' 2>&1", MMIOHOST,
                                tu_path("side.conf"), s3name("vh-object.txt")),
                     0);
    ck_assert_msg(strstr(out, "addressing=sideways"), "%s", out);
}
END_TEST

Suite *suite_s3(void)
{
    Suite *s = suite_create("s3");
    TCase *tc = tcase_create("s3");
    tcase_set_timeout(tc, 180);
    tcase_add_unchecked_fixture(tc, s3_setup, s3_teardown);
    tcase_add_test(tc, s3_files_read_as_the_local_ones);
    tcase_add_test(tc, s3_uploads_in_one_put_and_in_parts);
    tcase_add_test(tc, s3_a_killed_upload_leaves_no_object);
    tcase_add_test(tc, s3_a_failed_part_aborts_the_upload);
    tcase_add_test(tc, s3_errors_say_what_happened_and_never_the_secret);
    tcase_add_test(tc, s3_exist_delete_rename);
    tcase_add_test(tc, s3_credentials_from_a_profile);
    tcase_add_test(tc, s3_virtual_host_addressing);
    tcase_add_test(tc, s3_random_reads_cost_one_request_each);
    tcase_add_test(tc, s3_an_object_replaced_mid_read_fails_the_read);
    suite_add_tcase(s, tc);
    return s;
}
