/* SPDX-License-Identifier: MIT */
/* hostutil.c - a scratch plugin host for the plugin suites: its own plugin
 * directory, cache, states and configuration, and a checker wrapper that
 * counts checks. */
#define _GNU_SOURCE
#include "hostutil.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char conf[600], plugdir[600], counter[600];

void copy_file(const char *from, const char *to)
{
    size_t len;
    FILE *in = fopen(from, "rb");
    ck_assert_msg(in != NULL, "missing fixture %s", from);
    static char buf[1 << 20];
    len = fread(buf, 1, sizeof buf, in);
    fclose(in);
    unlink(to); /* a new inode, as an installer would make */
    tu_write(to, buf, len);
    chmod(to, 0755);
}

void add_plugin(const char *kind, const char *as)
{
    char from[600], to[700];
    snprintf(from, sizeof from, "%s/%s.so", FIXTURE_DIR, kind);
    snprintf(to, sizeof to, "%s/%s.so", plugdir, as ? as : kind);
    copy_file(from, to);
}

void append_env(const char *var, const char *opt)
{
    const char *old = getenv(var);
    char opts[512];
    snprintf(opts, sizeof opts, "%s%s%s", old ? old : "",
             old && *old ? ":" : "", opt);
    setenv(var, opts, 1);
}

/* A host with its own plugins dir, cache, state and config; `extra` is
 * appended to plugins.conf. */
void make_host(const char *const *kinds, const char *extra)
{
    snprintf(plugdir, sizeof plugdir, "%s", tu_path("plugins"));
    ck_assert_int_eq(mkdir(plugdir, 0755), 0);
    for (size_t i = 0; kinds && kinds[i]; i++)
        add_plugin(kinds[i], NULL);
    char text[2048];
    snprintf(text, sizeof text,
             "# test host\n[host]\nplugin_dir = plugins\n"
             "cache = cache/scan.cache\nstate = state/user.state\n"
             "system_state = state/machine.state\n"
             "scan_timeout = 1.5\n%s",
             extra ? extra : "");
    snprintf(conf, sizeof conf, "%s", tu_path("plugins.conf"));
    tu_write(conf, text, strlen(text));
    /* count checks: a wrapper around the real checker */
    char script[1400], wrapper[600];
    snprintf(counter, sizeof counter, "%s", tu_path("scans"));
    snprintf(wrapper, sizeof wrapper, "%s", tu_path("scan-wrapper"));
    snprintf(script, sizeof script,
             "#!/bin/sh\necho \"$*\" >> '%s'\nexec '%s' \"$@\"\n", counter,
             MMIO_SCAN);
    tu_write(wrapper, script, strlen(script));
    chmod(wrapper, 0755);
    setenv("MMIO_SCANNER", wrapper, 1);
    /* Under the sanitizers a crash must stay a crash for the checker. */
    append_env("ASAN_OPTIONS", "handle_segv=0");
    append_env("TSAN_OPTIONS", "handle_segv=0");
    unsetenv("MMIO_PLUGIN_PATH");
    ck_assert_uint_eq(mmioExtConfigure(conf), 0);
}

int scans_of(const char *leaf)
{
    char text[8192] = "";
    FILE *fp = fopen(counter, "r");
    if (!fp)
        return 0;
    size_t n = fread(text, 1, sizeof text - 1, fp);
    fclose(fp);
    text[n] = '\0';
    int count = 0;
    for (char *p = text; (p = strstr(p, leaf)) != NULL; p++)
        count++;
    return count;
}

static BOOL CALLBACK find_plugin(const MMIOPLUGINDESC *d, void *ctx)
{
    struct found *f = ctx;
    if (strcmp(d->pszName, f->name) != 0 &&
        !(strstr(d->pszPath, f->name) && !*d->pszName))
        return TRUE;
    f->d = *d;
    snprintf(f->reason, sizeof f->reason, "%s", d->pszReason);
    f->hits++;
    return TRUE;
}

struct found plugin(const char *name)
{
    struct found f = {0};
    f.name = name;
    ck_assert_uint_eq(mmioExtEnumPlugins(find_plugin, &f), 0);
    return f;
}

int mapped(const char *leaf)
{
    char *maps = NULL;
    size_t cap = 0;
    FILE *fp = fopen("/proc/self/maps", "r");
    ck_assert_ptr_nonnull(fp);
    ssize_t n = getdelim(&maps, &cap, '\0', fp);
    fclose(fp);
    int hit = n > 0 && strstr(maps, leaf) != NULL;
    free(maps);
    return hit;
}

void read_name(const char *name, char *out, size_t cap)
{
    char copy[256];
    snprintf(copy, sizeof copy, "%s", name);
    HMMIO h = mmioOpen(copy, NULL, MMIO_READ);
    ck_assert_msg(h != NULL, "cannot open %s", name);
    LONG n = mmioRead(h, out, (LONG)cap - 1);
    ck_assert_int_ge(n, 0);
    out[n] = '\0';
    mmioClose(h, 0);
}

int run_host(const char *args, char *out, size_t cap)
{
    return tu_capture(out, cap, "'%s' --config '%s' %s 2>&1", MMIOHOST, conf,
                      args);
}

int scans_total(void)
{
    return scans_of("\n");
}

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void CALLBACK collect(LPCSTR msg, void *ctx)
{
    struct said *s = ctx;
    s->n++;
    size_t used = strlen(s->all);
    snprintf(s->all + used, sizeof s->all - used, "%s\n", msg);
    /* a message callback may call the library */
    ck_assert_ptr_nonnull(mmioInstallIOProc(FOURCC_DOS, NULL, MMIO_FINDPROC));
}

void use_bundled_plugins(void)
{
    use_bundled_plugins_with("");
}

void use_bundled_plugins_with(const char *extra)
{
    char text[2048];
    const char *cfg = tu_path("bundled.conf");
    snprintf(text, sizeof text,
             "[host]\nplugin_dir = %s\ncache = %s\nstate = %s\n"
             "system_state = %s\n%s\n"
             "# as the shipped plugins.conf: remote storage isolated\n"
             "[plugin remote]\nnetwork = yes\n",
             BUNDLED_PLUGIN_DIR, tu_path("scan.cache"), tu_path("state"),
             tu_path("machine.state"), extra);
    tu_write(cfg, text, strlen(text));
    unsetenv("MMIO_SCANNER");
    unsetenv("MMIO_PLUGIN_PATH");
    ck_assert_uint_eq(mmioExtConfigure(cfg), 0);
}

void exist_delete_rename_through(const char *file, const char *other,
                                 const char *check)
{
    char name[800], to[800], missing[800];
    snprintf(name, sizeof name, "%s+", file);
    snprintf(to, sizeof to, "%s+", other);
    /* a missing container ends in the same extension */
    char *dot = strrchr(file, '.');
    snprintf(missing, sizeof missing, "%.*s-missing%s+", (int)(dot - file),
             file, dot);
    MMIOINFO info = {0};
    ck_assert_ptr_nonnull(mmioOpen(name, &info, MMIO_EXIST));
    ck_assert_uint_eq(info.wErrorRet, 0);
    ck_assert_ptr_null(mmioOpen(missing, &info, MMIO_EXIST));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_FILENOTFOUND);
    ck_assert_uint_eq(mmioRename(name, to, NULL, 0), 0);
    ck_assert_int_ne(access(file, F_OK), 0);
    char cmd[2000];
    snprintf(cmd, sizeof cmd, check, other);
    ck_assert_msg(tu_shell("%s", cmd) == 0, "%s", cmd);
    ck_assert_uint_eq(mmioRename(name, to, NULL, 0), MMIOERR_FILENOTFOUND);
    ck_assert_ptr_nonnull(mmioOpen(to, &info, MMIO_DELETE));
    ck_assert_int_ne(access(other, F_OK), 0);
    ck_assert_ptr_null(mmioOpen(to, &info, MMIO_DELETE));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_FILENOTFOUND);
}
