/* SPDX-License-Identifier: MIT */
/*
 * bench_remote - the remote plugin against the curl tool, in one run, on
 * servers started here (tests/servers/http.sh: nginx on 127.0.0.1; and
 * tests/servers/s3.sh, Ceph RGW, when it can run):
 *
 *   seq       a 64 MiB object read to its end (64 KiB mmioReads) vs
 *             `curl -o /dev/null`: wall time, peak RSS
 *   random    1000 random 4 KiB seek+read pairs on one handle vs one curl
 *             process asking the same 1000 ranges on one connection
 *             (curl -K): time a read, median and p99 of ours
 *   rtt20     seq through a proxy adding 10 ms each way (a 20 ms round
 *             trip; tests/servers/faulty.py --delay), both sides through it
 *   upload    a 256 MiB file written through mmio (1 MiB mmioWrites) vs
 *             `curl -T`: over HTTP (one PUT at close) and, with S3, as a
 *             multipart upload vs curl's single signed PUT
 *   member    `mmiohost cp URL/big.zip+member` (16 MiB stored in a 200 MiB
 *             archive): the bytes the server sent against the member's size
 *
 * Each side runs in a process of its own (its peak RSS is its own); times
 * are wall-clock, best of 3; ratios are ours / curl's (<= 1.0: as fast or
 * faster).
 *
 *   bench_remote [--no-s3] [DIR]     (default: $TMPDIR or /tmp)
 */
#define _GNU_SOURCE
#include "mmio.h"

#include "benchutil.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SEQ_SIZE (64L << 20)
#define UP_SIZE (256L << 20)
#define REPEAT 3
#define READS 1000

static char http_ep[200], s3_ep[200], s3_ak[128], s3_sk[128], s3_bucket[64];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The output of a command (its first line), or "". */
static void capture(char *out, size_t cap, const char *cmd)
{
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(out, 1, cap - 1, p) : 0;
    out[n] = '\0';
    if (p)
        pclose(p);
}

static void value_of(const char *text, const char *key, char *dst, size_t n)
{
    char want[64];
    snprintf(want, sizeof want, "%s=", key);
    const char *p = strstr(text, want);
    *dst = '\0';
    if (p)
        snprintf(dst, n, "%.*s", (int)strcspn(p + strlen(want), "\n"),
                 p + strlen(want));
}

struct result {
    double t;
    long rss;
};

static struct result best_of(char *const argv[])
{
    struct result best = {0, 0};
    best.t = bench_best(argv, REPEAT, &best.rss);
    return best;
}

static void row(const char *what, struct result o, struct result c,
                const char *target)
{
    printf("%-14s %8.3f s %8.3f s %6.2fx  %7.1f MiB %7.1f MiB   %s\n", what,
           o.t, c.t, o.t / c.t, (double)o.rss / 1024, (double)c.rss / 1024,
           target);
}

/* ---- the child sides ---------------------------------------------------- */

/* The parent's configuration (its directory in BENCH_REMOTE_DIR). */
static int configure(void)
{
    const char *d = getenv("BENCH_REMOTE_DIR");
    if (!d)
        return 1;
    snprintf(bench_dir, sizeof bench_dir, "%s", d);
    return mmioExtConfigure(bench_in("bench.conf")) == 0 ? 0 : 1;
}

static int read_child(const char *name)
{
    if (configure())
        return 1;
    char copy[600];
    snprintf(copy, sizeof copy, "%s", name);
    static char buf[65536];
    HMMIO h = mmioOpen(copy, NULL, MMIO_READ);
    if (!h)
        return 1;
    long r;
    while ((r = mmioRead(h, buf, sizeof buf)) > 0)
        ;
    mmioClose(h, 0);
    return r == 0 ? 0 : 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* READS random 4 KiB reads (the offsets in DIR/ranges): prints the median
 * and p99 in microseconds. */
static int random_child(const char *name, long size)
{
    if (configure())
        return 1;
    char copy[600];
    snprintf(copy, sizeof copy, "%s", name);
    static char buf[4096];
    static double t[READS];
    HMMIO h = mmioOpen(copy, NULL, MMIO_READ);
    if (!h)
        return 1;
    unsigned x = 11;
    for (int i = 0; i < READS; i++) {
        x = x * 1103515245u + 12345u;
        long at = (long)((x >> 4) % (unsigned long)(size - 4096)) / 4096 * 4096;
        double t0 = bench_now();
        if (mmioSeek(h, at, SEEK_SET) != at || mmioRead(h, buf, 4096) != 4096)
            return 1;
        t[i] = bench_now() - t0;
    }
    mmioClose(h, 0);
    qsort(t, READS, sizeof t[0], cmp_double);
    fprintf(stderr, "%.1f %.1f\n", t[READS / 2] * 1e6,
            t[READS * 99 / 100] * 1e6);
    return 0;
}

/* The same offsets as a curl config: one process, one connection. */
static void ranges_config(const char *path, const char *url, long size)
{
    FILE *f = fopen(path, "w");
    unsigned x = 11;
    for (int i = 0; f && i < READS; i++) {
        x = x * 1103515245u + 12345u;
        long at = (long)((x >> 4) % (unsigned long)(size - 4096)) / 4096 * 4096;
        fprintf(f,
                "url = \"%s\"\nrange = \"%ld-%ld\"\noutput = \"/dev/null\"\n",
                url, at, at + 4095);
    }
    if (!f || fclose(f) != 0)
        exit(1);
}

static int write_child(const char *local, const char *name)
{
    if (configure())
        return 1;
    char copy[600];
    snprintf(copy, sizeof copy, "%s", name);
    FILE *in = fopen(local, "rb");
    HMMIO h = mmioOpen(copy, NULL, MMIO_WRITE | MMIO_CREATE);
    if (!in || !h)
        return 1;
    static char buf[1 << 20];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (mmioWrite(h, buf, (LONG)n) != (LONG)n)
            return 1;
    fclose(in);
    return mmioClose(h, 0) == 0 ? 0 : 1;
}

/* ---- the servers -------------------------------------------------------- */

static pid_t proxy_pid;

/* At exit, passed or failed: the servers stopped, the files removed. */
static void stop_servers(void)
{
    if (proxy_pid > 0)
        kill(proxy_pid, SIGTERM);
    sh("bash '%s/tests/servers/http.sh' stop '%s/http' >/dev/null 2>&1",
       SOURCE_DIR, bench_dir);
    if (*s3_ep)
        sh("bash '%s/tests/servers/s3.sh' stop '%s/s3' >/dev/null 2>&1",
           SOURCE_DIR, bench_dir);
    *s3_ep = '\0';
    sh("rm -rf '%s'", bench_dir);
}

/* Starts tests/servers/NAME.sh with its state in DIR/NAME: what it
 * printed (and its errors) in out. */
static void start_server(const char *name, char *out, size_t cap)
{
    char cmd[2000];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/%s' && bash '%s/tests/servers/%s.sh' start "
             "'%s/%s' 2>&1",
             bench_dir, name, SOURCE_DIR, name, bench_dir, name);
    capture(out, cap, cmd);
}

/* A 10 ms each way proxy in front of the HTTP server: its endpoint. */
static void start_delay(char *ep, size_t n)
{
    int fds[2];
    if (pipe(fds) != 0)
        exit(1);
    const char *port = strrchr(http_ep, ':') + 1;
    proxy_pid = fork();
    if (proxy_pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execlp("python3", "python3", SOURCE_DIR "/tests/servers/faulty.py",
               port, "pass", "0", "--delay", "10", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char line[256] = "";
    size_t len = 0;
    while (len < sizeof line - 1 && read(fds[0], line + len, 1) == 1 &&
           line[len] != '\n')
        len++;
    line[len] = '\0';
    close(fds[0]);
    value_of(line, "endpoint", ep, n);
    if (!*ep) {
        fprintf(stderr, "bench_remote: the delaying proxy did not start\n");
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--read"))
        return read_child(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "--random"))
        return random_child(argv[2], strtol(argv[3], NULL, 10));
    if (argc == 4 && !strcmp(argv[1], "--write"))
        return write_child(argv[2], argv[3]);
    int use_s3 = 1, a = 1;
    if (a < argc && !strcmp(argv[a], "--no-s3")) {
        use_s3 = 0;
        a++;
    }
    const char *base = a < argc ? argv[a] : getenv("TMPDIR");
    snprintf(bench_dir, sizeof bench_dir, "%s/bench-remote.XXXXXX",
             base ? base : "/tmp");
    if (!mkdtemp(bench_dir))
        return 1;
    setenv("BENCH_REMOTE_DIR", bench_dir, 1);
    char self[600], out[4096];
    snprintf(self, sizeof self, "%s", argv[0]);
    if (access(BUNDLED_PLUGIN_DIR "/remote.so", R_OK) != 0) {
        fprintf(stderr, "bench_remote: no remote plugin built\n");
        return 1;
    }
    FILE *c = fopen(bench_in("bench.conf"), "w");
    fprintf(c,
            "[host]\nplugin_dir = %s\ncache = %s\nstate = %s\nsystem_state = "
            "%s\n",
            BUNDLED_PLUGIN_DIR, bench_in("scan.cache"), bench_in("state"),
            bench_in("system.state"));
    fclose(c);
    char cmd[2000];
    start_server("http", out, sizeof out);
    value_of(out, "endpoint", http_ep, sizeof http_ep);
    if (!*http_ep) {
        fprintf(stderr, "bench_remote: nginx did not start: %s\n", out);
        return 1;
    }
    atexit(stop_servers);
    if (use_s3) {
        double t0 = bench_now();
        start_server("s3", out, sizeof out);
        value_of(out, "endpoint", s3_ep, sizeof s3_ep);
        value_of(out, "access_key", s3_ak, sizeof s3_ak);
        value_of(out, "secret_key", s3_sk, sizeof s3_sk);
        value_of(out, "bucket", s3_bucket, sizeof s3_bucket);
        if (*s3_ep)
            printf("S3 (Ceph RGW) started in %.1f s\n", bench_now() - t0);
        else
            printf("S3: not run (%.200s)\n", out);
    }

    /* the files */
    char root[700];
    snprintf(root, sizeof root, "%s", bench_in("http/root"));
    sh("head -c %ld /dev/urandom > '%s/seq.bin'", SEQ_SIZE, root);
    sh("head -c %ld /dev/urandom > '%s/up.bin'", UP_SIZE, bench_dir);
    sh("cd '%s' && head -c 100000000 /dev/urandom > pre.bin && head -c "
       "16777216 /dev/urandom > mem.bin && head -c 93000000 /dev/urandom > "
       "post.bin && zip -q -0 big.zip pre.bin mem.bin post.bin && rm pre.bin "
       "post.bin",
       root);
    char url[600], curl_url[700];
    snprintf(url, sizeof url, "%s/seq.bin", http_ep);

    printf("\n%-14s %10s %10s %7s  %11s %11s   %s\n", "", "ours", "curl",
           "ratio", "our RSS", "curl RSS", "target");
    /* seq */
    char *ours_seq[] = {self, "--read", url, NULL};
    char *curl_seq[] = {"curl", "-sf", "-o", "/dev/null", url, NULL};
    struct result o = best_of(ours_seq), t = best_of(curl_seq);
    row("seq 64 MiB", o, t, "<= 1.11x (>= 0.9x the rate), RSS <= 24 MiB");

    /* rtt20 */
    char delayed[200], durl[600];
    start_delay(delayed, sizeof delayed);
    snprintf(durl, sizeof durl, "%s/seq.bin", delayed);
    char *ours_d[] = {self, "--read", durl, NULL};
    char *curl_d[] = {"curl", "-sf", "-o", "/dev/null", durl, NULL};
    o = best_of(ours_d);
    t = best_of(curl_d);
    row("seq, 20 ms RTT", o, t, "<= 1.25x (>= 0.8x the rate)");
    kill(proxy_pid, SIGTERM);
    waitpid(proxy_pid, NULL, 0);
    proxy_pid = 0;

    /* random */
    char size_text[32];
    snprintf(size_text, sizeof size_text, "%ld", SEQ_SIZE);
    ranges_config(bench_in("ranges.curl"), url, SEQ_SIZE);
    char *curl_r[] = {"curl", "-sf", "-K", (char *)bench_in("ranges.curl"),
                      NULL};
    t = best_of(curl_r);
    double best_med = 1e9, best_p99 = 1e9, best_t = 1e9;
    for (int i = 0; i < REPEAT; i++) {
        snprintf(cmd, sizeof cmd, "'%s' --random '%s' %ld 2>&1", self, url,
                 SEQ_SIZE);
        double t0 = bench_now();
        capture(out, sizeof out, cmd);
        double el = bench_now() - t0;
        char *end = NULL;
        double med = strtod(out, &end), p99 = end ? strtod(end, NULL) : 0;
        if (end == out || p99 <= 0) {
            fprintf(stderr, "bench_remote: random: %s\n", out);
            return 1;
        }
        if (el < best_t)
            best_t = el;
        if (med < best_med)
            best_med = med;
        if (p99 < best_p99)
            best_p99 = p99;
    }
    o.t = best_t;
    o.rss = 0;
    row("random 4 KiB", o, t, "<= 1.2x");
    printf("%-14s ours %.1f us median, %.1f us p99 a read; curl %.1f us a "
           "request (process start included)\n",
           "", best_med, best_p99, t.t / READS * 1e6);

    /* upload over HTTP */
    snprintf(url, sizeof url, "%s/up/ours.bin", http_ep);
    snprintf(curl_url, sizeof curl_url, "%s/up/curl.bin", http_ep);
    char *ours_u[] = {self, "--write", (char *)bench_in("up.bin"), url, NULL};
    char *curl_u[] = {"curl",   "-sf", "-T", (char *)bench_in("up.bin"),
                      curl_url, NULL};
    o = best_of(ours_u);
    t = best_of(curl_u);
    row("upload 256 MiB", o, t, "<= 1.25x (>= 0.8x the rate)");
    if (sh("cmp -s '%s/up/ours.bin' '%s/up.bin'", root, bench_dir) != 0) {
        fprintf(stderr, "bench_remote: the upload differs\n");
        return 1;
    }

    /* upload to S3 */
    if (*s3_ep) {
        setenv("AWS_ACCESS_KEY_ID", s3_ak, 1);
        setenv("AWS_SECRET_ACCESS_KEY", s3_sk, 1);
        setenv("AWS_ENDPOINT_URL", s3_ep, 1);
        setenv("AWS_REGION", "us-east-1", 1);
        snprintf(url, sizeof url, "s3://%s/ours.bin", s3_bucket);
        snprintf(curl_url, sizeof curl_url, "%s/%s/curl.bin", s3_ep, s3_bucket);
        char userpwd[300];
        snprintf(userpwd, sizeof userpwd, "%s:%s", s3_ak, s3_sk);
        char *ours_s[] = {self, "--write", (char *)bench_in("up.bin"), url,
                          NULL};
        char *curl_s[] = {
            "curl",        "-sf",
            "--user",      userpwd,
            "--aws-sigv4", "aws:amz:us-east-1:s3",
            "-H",          "x-amz-content-sha256: UNSIGNED-PAYLOAD",
            "-T",          (char *)bench_in("up.bin"),
            curl_url,      NULL};
        o = best_of(ours_s);
        t = best_of(curl_s);
        row("S3 upload", o, t, "<= 1.25x (parts of 8 MiB vs one PUT)");
        snprintf(url, sizeof url, "s3://%s/ours.bin", s3_bucket);
        char *ours_sr[] = {self, "--read", url, NULL};
        char *curl_sr[] = {
            "curl",        "-sf",
            "--user",      userpwd,
            "--aws-sigv4", "aws:amz:us-east-1:s3",
            "-H",          "x-amz-content-sha256: UNSIGNED-PAYLOAD",
            "-o",          "/dev/null",
            curl_url,      NULL};
        o = best_of(ours_sr);
        t = best_of(curl_sr);
        row("S3 seq 256 MiB", o, t, "<= 1.11x");
    }

    /* member */
    const char *log = bench_in("http/access.log");
    capture(out, sizeof out, "true");
    snprintf(cmd, sizeof cmd, "wc -l < '%s'", log);
    capture(out, sizeof out, cmd);
    long before = strtol(out, NULL, 10);
    if (sh("'%s/host/mmiohost' --config '%s' cp '%s/big.zip+mem.bin' "
           "'%s/mem.out'",
           PROJECT_BINARY_DIR, bench_in("bench.conf"), http_ep,
           bench_dir) != 0 ||
        sh("cmp -s '%s/mem.out' '%s/mem.bin'", bench_dir, root) != 0) {
        fprintf(stderr, "bench_remote: the member copy failed\n");
        return 1;
    }
    snprintf(cmd, sizeof cmd,
             "tail -n +%ld '%s' | awk '{s += $10; n++} END {print s, n}'",
             before + 1, log);
    capture(out, sizeof out, cmd);
    char *end = NULL;
    long sent = strtol(out, &end, 10), reqs = end ? strtol(end, NULL, 10) : 0;
    printf("\nmember 16 MiB of a 200 MiB ZIP: %ld requests, %.2f MiB sent, "
           "%.2f MiB past the member (target <= 1 MiB)\n",
           reqs, (double)sent / (1 << 20),
           (double)(sent - 16777216) / (1 << 20));
    return 0; /* stop_servers, at exit, cleans up */
}
