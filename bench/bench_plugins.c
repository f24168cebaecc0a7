/* SPDX-License-Identifier: MIT */
/*
 * bench_plugins - the plugin host's costs, in one run:
 *   start-up + first open with 200 plugins on the path, cold (no scan
 *   cache) and warm, each in a fresh process, beside the same with no
 *   plugins; and how many plugin files the process mapped (warm must map
 *   only the one it used);
 *   mmioOpen+mmioClose through an installed procedure with 1000 procedures
 *   installed, versus 2;
 *   a lookup miss (a FOURCC nothing provides) versus a hit, with the 200
 *   plugins listed;
 *   8 plugins whose install takes 50 ms loaded by 8 threads at once versus
 *   one after another (fresh processes): the loads run in parallel when no
 *   lock is held across plugin code.
 *
 *   bench_plugins PLUGIN.so [DIR]
 */
#define _GNU_SOURCE
#include "mmio.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NPLUGINS 200

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void patch(char *buf, size_t len, const char *from, const char *to)
{
    size_t n = strlen(from);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(buf + i, from, n) == 0)
            memcpy(buf + i, to, n);
}

static void make_plugins(const char *so, const char *dir, int count)
{
    FILE *fp = fopen(so, "rb");
    if (!fp)
        exit(1);
    static char orig[1 << 20], copy[1 << 20];
    size_t len = fread(orig, 1, sizeof orig, fp);
    fclose(fp);
    mkdir(dir, 0755);
    for (int i = 0; i < count; i++) {
        char name[32], fcc[16], path[1400];
        memcpy(copy, orig, len);
        snprintf(name, sizeof name, "benchplugin-%03d", i);
        snprintf(fcc, sizeof fcc, "Z%03d", i % 1000);
        patch(copy, len, "benchplugin-000", name);
        patch(copy, len, "Z000", fcc);
        snprintf(path, sizeof path, "%s/p%03d.so", dir, i);
        fp = fopen(path, "wb");
        if (!fp || fwrite(copy, 1, len, fp) != len || fclose(fp) != 0)
            exit(1);
        chmod(path, 0755);
    }
}

static int count_mapped(void)
{
    FILE *fp = fopen("/proc/self/maps", "r");
    char line[4096], last[4096] = "";
    int n = 0;
    while (fp && fgets(line, sizeof line, fp)) {
        char *p = strstr(line, "/p");
        if (p && strstr(line, ".so") && strstr(line, "bench-plugins") &&
            strcmp(p, last) != 0) {
            snprintf(last, sizeof last, "%s", p);
            n++;
        }
    }
    if (fp)
        fclose(fp);
    return n;
}

/* In a fresh process: configure, open one name, report time and maps. */
static int child(const char *conf, const char *name)
{
    double t0 = now();
    mmioExtConfigure(conf);
    char copy[256];
    snprintf(copy, sizeof copy, "%s", name);
    MMIOINFO info = {0};
    HMMIO h = mmioOpen(copy, &info, MMIO_READ);
    double t = now() - t0;
    if (!h)
        return 1;
    mmioClose(h, 0);
    printf("%.0f %d\n", t * 1e6, count_mapped());
    return 0;
}

static void run_child_as(const char *mode, const char *self, const char *conf,
                         const char *name, double *us, int *mapped)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' %s '%s' '%s'", self, mode, conf, name);
    FILE *p = popen(cmd, "r");
    char line[128];
    if (!p || !fgets(line, sizeof line, p))
        exit(1);
    pclose(p);
    char *end;
    *us = strtod(line, &end);
    *mapped = (int)strtol(end, NULL, 10);
}

static void run_child(const char *self, const char *conf, const char *name,
                      double *us, int *mapped)
{
    run_child_as("--child", self, conf, name, us, mapped);
}

static LRESULT CALLBACK tiny_proc(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    (void)info, (void)msg, (void)a, (void)b;
    return 0;
}

static double open_close_ns(int installed)
{
    for (int i = 0; i < installed; i++) {
        char fcc[16];
        snprintf(fcc, sizeof fcc, "L%03d", i % 1000);
        mmioInstallIOProc(mmioStringToFOURCC(fcc, 0), tiny_proc,
                          MMIO_INSTALLPROC);
    }
    const int n = 200000;
    double best = 1e30;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        for (int i = 0; i < n; i++) {
            HMMIO h = mmioOpen((LPSTR) "a.L001+b", NULL, MMIO_READ);
            mmioClose(h, 0);
        }
        double t = (now() - t0) / n * 1e9;
        best = t < best ? t : best;
    }
    for (int i = 0; i < installed; i++) {
        char fcc[16];
        snprintf(fcc, sizeof fcc, "L%03d", i % 1000);
        mmioInstallIOProc(mmioStringToFOURCC(fcc, 0), NULL, MMIO_REMOVEPROC);
    }
    return best;
}

/* FINDPROC of fcc, n times: ns per call. */
static double find_ns(FOURCC fcc, int n)
{
    double best = 1e30;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        for (int i = 0; i < n; i++)
            (void)mmioInstallIOProc(fcc, NULL, MMIO_FINDPROC);
        double t = (now() - t0) / n * 1e9;
        best = t < best ? t : best;
    }
    return best;
}

static void *open_one(void *arg)
{
    char name[32];
    snprintf(name, sizeof name, "x.z%03d+y", (int)(intptr_t)arg);
    HMMIO h = mmioOpen(name, NULL, MMIO_READ);
    if (h)
        mmioClose(h, 0);
    return h ? NULL : (void *)1;
}

/* In a fresh process: open 8 names whose plugins are not loaded yet, by 8
 * threads at once or one after another; prints the wall time in us. */
static int child_loads(const char *conf, int parallel)
{
    mmioExtConfigure(conf);
    mmioExtScan(); /* listed (from the cache) before the clock starts */
    setenv("BENCH_INSTALL_MS", "50", 1);
    pthread_t t[8];
    int bad = 0;
    double t0 = now();
    for (int i = 0; i < 8; i++) {
        if (parallel)
            bad |= pthread_create(&t[i], NULL, open_one, (void *)(intptr_t)i);
        else
            bad |= open_one((void *)(intptr_t)i) != NULL;
    }
    for (int i = 0; parallel && i < 8; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad |= r != NULL;
    }
    double us = (now() - t0) * 1e6;
    printf("%.0f 0\n", us);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--child"))
        return child(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "--child-loads"))
        return child_loads(argv[2], !strcmp(argv[3], "parallel"));
    if (argc < 2) {
        fputs("usage: bench_plugins PLUGIN.so [DIR]\n", stderr);
        return 2;
    }
    char self[4096];
    ssize_t sn = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sn <= 0)
        return 1;
    self[sn] = '\0';
    const char *base = argc > 2 ? argv[2] : "/tmp";
    char dir[1024], plugdir[1100], conf[1100], empty[1100], text[2048],
        data[1100], name[1200];
    snprintf(dir, sizeof dir, "%s/bench-plugins-%d", base, (int)getpid());
    mkdir(dir, 0755);
    snprintf(plugdir, sizeof plugdir, "%s/plugins", dir);
    make_plugins(argv[1], plugdir, NPLUGINS);
    snprintf(conf, sizeof conf, "%s/with.conf", dir);
    snprintf(empty, sizeof empty, "%s/none.conf", dir);
    snprintf(data, sizeof data, "%s/data.bin", dir);
    FILE *fp = fopen(data, "wb");
    fputs("x", fp);
    fclose(fp);
    snprintf(text, sizeof text,
             "[host]\nplugin_dir = plugins\ncache = cache/scan.cache\n"
             "state = state/user.state\nsystem_state = state/machine.state\n");
    fp = fopen(conf, "w");
    fputs(text, fp);
    fclose(fp);
    snprintf(text, sizeof text,
             "[host]\ncache = cache0/scan.cache\nstate = state0/user.state\n"
             "system_state = state0/machine.state\n");
    fp = fopen(empty, "w");
    fputs(text, fp);
    fclose(fp);
    setenv("MMIO_PLUGIN_PATH", "", 1);

    double us_none, us_cold, us_warm, us_warm2;
    int m_none, m_cold, m_warm, m_warm2;
    snprintf(name, sizeof name, "%s", data);
    run_child(self, empty, name, &us_none, &m_none);
    run_child(self, conf, "x.z123+y", &us_cold, &m_cold);
    run_child(self, conf, "x.z123+y", &us_warm, &m_warm);
    run_child(self, conf, "x.z042+y", &us_warm2, &m_warm2);

    printf("libmmio plugin host, %d plugins on the path\n\n", NPLUGINS);
    printf("%-36s %12s %14s\n", "start-up + first open (fresh process)",
           "time (us)", "plugins mapped");
    printf("%-36s %12.0f %14d\n", "no plugins, plain file (baseline)", us_none,
           m_none);
    printf("%-36s %12.0f %14d\n", "200 plugins, cold (no scan cache)", us_cold,
           m_cold);
    printf("%-36s %12.0f %14d\n", "200 plugins, warm", us_warm, m_warm);
    printf("%-36s %12.0f %14d\n", "200 plugins, warm, another FOURCC", us_warm2,
           m_warm2);
    printf("%-36s %12.1fx\n", "warm / baseline", us_warm / us_none);
    printf("%-36s %12.1fx\n", "cold / warm", us_cold / us_warm);

    int dummy;
    double us_serial, us_parallel;
    run_child_as("--child-loads", self, conf, "serial", &us_serial, &dummy);
    run_child_as("--child-loads", self, conf, "parallel", &us_parallel, &dummy);
    printf("\n%-36s %12s\n", "8 loads, install 50 ms each", "time (us)");
    printf("%-36s %12.0f\n", "one after another", us_serial);
    printf("%-36s %12.0f\n", "8 threads at once", us_parallel);
    printf("%-36s %12.1fx\n", "serial / parallel", us_serial / us_parallel);

    mmioExtConfigure(conf);
    mmioExtScan();
    mmioInstallIOProc(mmioStringToFOURCC("Z007", 0), NULL, MMIO_FINDPROC);
    double hit = find_ns(mmioStringToFOURCC("Z007", 0), 200000);
    double miss = find_ns(mmioStringToFOURCC("QQQQ", 0), 20000);
    printf("\n%-36s %12s\n", "FINDPROC, 200 plugins listed", "ns");
    printf("%-36s %12.0f\n", "hit (a loaded plugin's FOURCC)", hit);
    printf("%-36s %12.0f\n", "miss (a FOURCC nothing provides)", miss);
    printf("%-36s %12.1fx\n", "miss / hit", miss / hit);

    mmioExtConfigure(empty);
    double two = open_close_ns(2);
    double thousand = open_close_ns(1000);
    printf("\n%-36s %12s\n", "mmioOpen+mmioClose via a procedure", "ns");
    printf("%-36s %12.0f\n", "2 procedures installed", two);
    printf("%-36s %12.0f\n", "1000 procedures installed", thousand);
    printf("%-36s %12.2fx\n", "1000 / 2", thousand / two);

    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
