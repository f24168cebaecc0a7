/* SPDX-License-Identifier: MIT */
/* The plugin host's files and trust: the scan cache and registry states as
 * hostile input (FIFOs, /dev/zero, other owners, other versions, a held
 * lock), global procedures checked before another process runs them,
 * failures caused by the environment never cached, plugin directories and
 * files others could write, and plugins.conf edge cases. */
#define _GNU_SOURCE
#include "hostutil.h"
#include "testutil.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The scratch host's file `leaf` (under its directory). */
static const char *host_file(const char *leaf)
{
    static char path[700];
    snprintf(path, sizeof path, "%s", conf);
    *strrchr(path, '/') = '\0';
    size_t n = strlen(path);
    snprintf(path + n, sizeof path - n, "/%s", leaf);
    return path;
}

static void write_text(const char *path, const char *text)
{
    char dir[700];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    mkdir(dir, 0755);
    tu_write(path, text, strlen(text));
    chmod(path, 0644);
}

static char *slurp(const char *path)
{
    static char text[65536];
    FILE *fp = fopen(path, "r");
    if (!fp)
        return NULL;
    size_t n = fread(text, 1, sizeof text - 1, fp);
    fclose(fp);
    text[n] = '\0';
    return text;
}

START_TEST(fifo_and_dev_zero_as_cache_and_state_do_not_hang)
{
    const char *kinds[] = {"good", NULL};
    make_host(kinds, "cache = cache.fifo\nstate = zero.state\n"
                     "system_state = machine.fifo\n");
    ck_assert_int_eq(mkfifo(host_file("cache.fifo"), 0600), 0);
    ck_assert_int_eq(mkfifo(host_file("machine.fifo"), 0600), 0);
    ck_assert_int_eq(symlink("/dev/zero", host_file("zero.state")), 0);
    struct said s = {0};
    mmioExtSetMessageCallback(collect, &s);
    ck_assert_uint_eq(mmioExtConfigure(conf), 0);
    double t0 = now_s();
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert(now_s() - t0 < 5);
    ck_assert_msg(strstr(s.all, "not a regular file") != NULL, "%s", s.all);
    ck_assert_ptr_nonnull(
        mmioInstallIOProc(FOURCC_OF("GOOD"), NULL, MMIO_FINDPROC));
    struct stat st;
    ck_assert_int_eq(lstat(host_file("zero.state"), &st), 0);
    ck_assert(S_ISLNK(st.st_mode)); /* left alone */
    mmioExtSetMessageCallback(NULL, NULL);
}
END_TEST

START_TEST(state_owned_by_another_user_is_ignored)
{
    if (geteuid() != 0)
        TU_SKIP("not root: chown to another user needs root");
    make_host(NULL, NULL);
    char text[2000];
    snprintf(
        text, sizeof text,
        "# libmmio registry state\nversion 2\nplugin\t%s/good2.so\tgood2\n",
        FIXTURE_DIR);
    write_text(host_file("state/user.state"), text);
    ck_assert_int_eq(chown(host_file("state/user.state"), 65534, 65534), 0);
    struct said s = {0};
    mmioExtSetMessageCallback(collect, &s);
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_msg(strstr(s.all, "owned by uid 65534") != NULL, "%s", s.all);
    ck_assert_ptr_null(
        mmioInstallIOProc(FOURCC_OF("GOD2"), NULL, MMIO_FINDPROC));
    /* and it is not replaced by an install either */
    char so[600], err[512];
    snprintf(so, sizeof so, "%s/good.so", FIXTURE_DIR);
    ck_assert_uint_ne(mmioExtInstallPlugin(so, 0, err, sizeof err), 0);
    struct stat st;
    stat(host_file("state/user.state"), &st);
    ck_assert_uint_eq(st.st_uid, 65534);
    mmioExtSetMessageCallback(NULL, NULL);
}
END_TEST

START_TEST(newer_state_version_is_reported_and_never_rewritten)
{
    make_host(NULL, NULL);
    const char *future = "# libmmio registry state\nversion 9\n"
                         "plugin\t/x.so\tx\nwidget\tsomething new\n";
    write_text(host_file("state/user.state"), future);
    char so[600], err[512];
    snprintf(so, sizeof so, "%s/good2.so", FIXTURE_DIR);
    ck_assert_uint_eq(mmioExtInstallPlugin(so, 0, err, sizeof err),
                      MMIOERR_CANNOTWRITE);
    ck_assert_msg(strstr(err, "version 9") != NULL, "%s", err);
    ck_assert_str_eq(slurp(host_file("state/user.state")), future);
    /* the cache likewise */
    const char *cache = "# libmmio scan cache\nversion 99\nanything\n";
    write_text(host_file("cache/scan.cache"), cache);
    struct said s = {0};
    mmioExtSetMessageCallback(collect, &s);
    add_plugin("good", NULL);
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_str_eq(slurp(host_file("cache/scan.cache")), cache);
    ck_assert_msg(strstr(s.all, "version 99") != NULL, "%s", s.all);
    mmioExtSetMessageCallback(NULL, NULL);
}
END_TEST

START_TEST(held_lock_times_out_with_a_clear_error)
{
    make_host(NULL, NULL);
    mkdir(host_file("state"), 0755);
    int fd = open(host_file("state/user.state.lock"), O_RDWR | O_CREAT, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_EX), 0); /* another open: conflicts */
    char so[600], err[512];
    snprintf(so, sizeof so, "%s/good2.so", FIXTURE_DIR);
    double t0 = now_s();
    ck_assert_uint_eq(mmioExtInstallPlugin(so, 0, err, sizeof err),
                      MMIOERR_CANNOTWRITE);
    ck_assert(now_s() - t0 < 10);
    ck_assert_msg(strstr(err, "locked by another process") != NULL, "%s", err);
    ck_assert_ptr_null(slurp(host_file("state/user.state")));
    close(fd);
    ck_assert_uint_eq(mmioExtInstallPlugin(so, 0, err, sizeof err), 0);
}
END_TEST

/* Records a global procedure by hand, as another program would have. */
static void record_proc(const char *fcc, const char *lib, const char *sym)
{
    char text[2000];
    snprintf(text, sizeof text,
             "# libmmio registry state\nversion 2\nproc\t%08x\t%s\t%s\n",
             (unsigned)FOURCC_OF(fcc), lib, sym);
    write_text(host_file("state/user.state"), text);
}

START_TEST(recorded_procedures_are_checked_before_they_run)
{
    make_host(NULL, NULL);
    char out[8192], lib[600];
    /* libc's abort, installed globally by some application */
    Dl_info di;
    ck_assert(dladdr((void *)(uintptr_t)abort, &di) && di.dli_fname);
    char libc[600];
    ck_assert_ptr_nonnull(realpath(di.dli_fname, libc));
    record_proc("ABRT", libc, "abort");
    ck_assert_int_eq(run_host("cat x.abrt+y", out, sizeof out), 1);
    ck_assert_int_eq(run_host("list", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "abort") && strstr(out, "broken") &&
                      strstr(out, "signal 6"),
                  "%s", out);
    /* a library whose constructor aborts */
    snprintf(lib, sizeof lib, "%s/libfixture_globalabort.so", FIXTURE_DIR);
    record_proc("CTRA", lib, "fixture_global_proc");
    ck_assert_int_eq(run_host("cat x.ctra+y", out, sizeof out), 1);
    ck_assert_int_eq(run_host("--json list", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "\"kind\": \"procedure\"") &&
                      strstr(out, "broken"),
                  "%s", out);
    /* a FIFO named there is never opened */
    ck_assert_int_eq(mkfifo(host_file("fifo.so"), 0600), 0);
    record_proc("FIFO", host_file("fifo.so"), "proc");
    ck_assert_int_eq(run_host("cat x.fifo+y", out, sizeof out), 1);
    ck_assert_int_eq(run_host("list", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "not a regular file"), "%s", out);
    /* a good one works, is listed with its state, and can be removed even
     * after its library is gone */
    snprintf(lib, sizeof lib, "%s", host_file("libglob.so"));
    char from[600];
    snprintf(from, sizeof from, "%s/libfixture_globalproc.so", FIXTURE_DIR);
    copy_file(from, lib);
    record_proc("GLOB", lib, "fixture_global_proc");
    ck_assert_int_eq(run_host("cat x.glob+y", out, sizeof out), 0);
    ck_assert_str_eq(out, "from the global proc");
    ck_assert_int_eq(run_host("list", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "fixture_global_proc") &&
                      strstr(out, "available"),
                  "%s", out);
    unlink(lib);
    ck_assert_int_eq(run_host("remove GLOB", out, sizeof out), 0);
    ck_assert_ptr_null(strstr(slurp(host_file("state/user.state")), "GLOB"));
    ck_assert_ptr_null(strstr(slurp(host_file("state/user.state")), "glob"));
    ck_assert_int_eq(run_host("remove GLOB", out, sizeof out), 1);
}
END_TEST

START_TEST(removed_plugin_file_can_still_be_removed)
{
    make_host(NULL, NULL);
    char so[700], out[4096], args[800];
    snprintf(so, sizeof so, "%s", host_file("good2.so"));
    char from[600];
    snprintf(from, sizeof from, "%s/good2.so", FIXTURE_DIR);
    copy_file(from, so);
    snprintf(args, sizeof args, "install '%s'", so);
    ck_assert_msg(run_host(args, out, sizeof out) == 0, "%s", out);
    unlink(so);
    ck_assert_msg(run_host("remove good2", out, sizeof out) == 0, "%s", out);
    ck_assert_ptr_null(strstr(slurp(host_file("state/user.state")), "good2"));
}
END_TEST

START_TEST(machine_and_user_layers_are_labelled)
{
    make_host(NULL, NULL);
    char args[800], out[8192];
    snprintf(args, sizeof args, "install --system '%s/good.so'", FIXTURE_DIR);
    ck_assert_msg(run_host(args, out, sizeof out) == 0, "%s", out);
    snprintf(args, sizeof args, "install '%s/good2.so'", FIXTURE_DIR);
    ck_assert_msg(run_host(args, out, sizeof out) == 0, "%s", out);
    ck_assert_ptr_nonnull(
        strstr(slurp(host_file("state/machine.state")), "good.so"));
    struct stat st;
    ck_assert_int_eq(stat(host_file("state/machine.state.lock"), &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0600); /* nobody else can lock it */
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_uint_eq(plugin("good").d.fLayers, 1u << MMIO_LAYER_MACHINE);
    ck_assert_uint_eq(plugin("good2").d.fLayers, 1u << MMIO_LAYER_USER);
    ck_assert_int_eq(run_host("list", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "machine") && strstr(out, "user"), "%s", out);
    /* the user layer cannot remove the machine's */
    ck_assert_int_eq(run_host("remove good", out, sizeof out), 1);
    ck_assert_int_eq(run_host("remove --system good", out, sizeof out), 0);
}
END_TEST

/* The environment's failures: a checker that cannot run, a time limit
 * too short for a plugin that is merely slow.  Neither may stick. */
/* The scratch host's configuration with another time limit. */
static void with_timeout(const char *seconds)
{
    char text[600];
    snprintf(text, sizeof text,
             "[host]\nplugin_dir = plugins\ncache = cache/scan.cache\n"
             "state = state/user.state\nsystem_state = state/machine.state\n"
             "scan_timeout = %s\n",
             seconds);
    tu_write(conf, text, strlen(text));
    ck_assert_uint_eq(mmioExtConfigure(conf), 0);
}

START_TEST(environment_failures_are_not_cached)
{
    const char *kinds[] = {"good", "slow", NULL};
    make_host(kinds, NULL);
    setenv("FIXTURE_SLOW_MS", "400", 1);
    const char *wrapper = getenv("MMIO_SCANNER");
    char saved[700];
    snprintf(saved, sizeof saved, "%s", wrapper);
    setenv("MMIO_SCANNER", "/nonexistent/mmio-scan", 1);
    ck_assert_uint_eq(mmioExtScan(), 0);
    struct found f = plugin("good.so");
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_BROKEN);
    ck_assert_msg(strstr(f.reason, "cannot run the checker"), "%s", f.reason);
    /* the next process (here: a new configuration) has a checker */
    setenv("MMIO_SCANNER", saved, 1);
    with_timeout("10");
    ck_assert_uint_eq(mmioExtScan(), 0);
    f = plugin("good");
    ck_assert_msg(f.d.uState == MMIO_PLUGIN_AVAILABLE, "%s", f.reason);
    /* a limit too short for a slow plugin: hung, for that process... */
    add_plugin("slow", NULL); /* a new file: checked again */
    with_timeout("0.1");
    ck_assert_uint_eq(mmioExtScan(), 0);
    f = plugin("slow");
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_BROKEN);
    ck_assert_msg(strstr(f.reason, "hung"), "%s", f.reason);
    /* ...and a process with a longer limit checks it again */
    with_timeout("10");
    ck_assert_uint_eq(mmioExtScan(), 0);
    f = plugin("slow");
    ck_assert_msg(f.d.uState == MMIO_PLUGIN_AVAILABLE, "%s", f.reason);
    /* and scan --force checks everything again */
    int before = scans_total();
    ck_assert_uint_eq(mmioExtRescan(MMIO_RESCAN_FORCE), 0);
    ck_assert_int_eq(scans_total(), before + 2);
}
END_TEST

START_TEST(global_install_neither_scans_nor_loses_updates)
{
    const char *kinds[] = {"good", NULL};
    make_host(kinds, NULL);
    char lib[600];
    snprintf(lib, sizeof lib, "%s/libfixture_globalproc.so", FIXTURE_DIR);
    enum { PROCS = 8, EACH = 50 };
    for (int c = 0; c < PROCS; c++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            void *dl = dlopen(lib, RTLD_NOW);
            LPMMIOPROC proc =
                dl ? (LPMMIOPROC)(uintptr_t)dlsym(dl, "fixture_global_proc")
                   : NULL;
            for (int i = 0; proc && i < EACH; i++) {
                FOURCC f = mmioFOURCC('P', '0' + c, '0' + i / 10, '0' + i % 10);
                mmioInstallIOProc(f, proc, MMIO_INSTALLPROC | MMIO_GLOBALPROC);
                if (i % 2)
                    mmioInstallIOProc(f, proc,
                                      MMIO_REMOVEPROC | MMIO_GLOBALPROC);
            }
            _exit(proc ? 0 : 1);
        }
    }
    for (int c = 0; c < PROCS; c++) {
        int st;
        wait(&st);
        ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    const char *text = slurp(host_file("state/user.state"));
    ck_assert_ptr_nonnull(text);
    int lines = 0;
    for (const char *p = text; (p = strstr(p, "\nproc\t")) != NULL; p++)
        lines++;
    ck_assert_int_eq(lines, PROCS * EACH / 2);
    ck_assert_int_eq(scans_total(), 0); /* nothing was checked for that */
}
END_TEST

static void expect_refused(const char *name, const char *what)
{
    ck_assert_uint_eq(mmioExtScan(), 0);
    struct found f = plugin(name);
    ck_assert_int_ge(f.hits, 1);
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_REFUSED);
    ck_assert_msg(strstr(f.reason, what) != NULL, "%s", f.reason);
    ck_assert_ptr_null(
        mmioInstallIOProc(FOURCC_OF("GOOD"), NULL, MMIO_FINDPROC));
}

START_TEST(trust_covers_owners_parents_and_symlinks)
{
    const char *kinds[] = {"good", NULL};
    make_host(kinds, NULL);
    char so[700];
    snprintf(so, sizeof so, "%s/good.so", plugdir);
    if (geteuid() == 0) {
        ck_assert_int_eq(chown(so, 65534, 65534), 0); /* another user's */
        expect_refused("good.so", "owned by another user");
        ck_assert_int_eq(chown(so, 0, 0), 0);
        ck_assert_int_eq(chown(plugdir, 65534, 65534), 0);
        expect_refused("plugins", "owned by another user");
        ck_assert_int_eq(chown(plugdir, 0, 0), 0);
    } else {
        tu_skip(__func__, "not root: the owned-by-another-user half needs "
                          "chown (the rest ran)");
    }
    /* a 0755 directory inside a world-writable parent without the sticky
     * bit: anyone could replace it */
    char ww[700], inner[800], text[1200];
    snprintf(ww, sizeof ww, "%s", host_file("ww"));
    ck_assert_int_eq(mkdir(ww, 0777), 0);
    ck_assert_int_eq(chmod(ww, 0777), 0);
    snprintf(inner, sizeof inner, "%s/plugins", ww);
    ck_assert_int_eq(mkdir(inner, 0755), 0);
    snprintf(text, sizeof text, "%s/good.so", inner);
    char from[600];
    snprintf(from, sizeof from, "%s/good.so", FIXTURE_DIR);
    copy_file(from, text);
    unlink(so);
    snprintf(text, sizeof text,
             "[host]\nplugin_dir = %s\ncache = cache/scan.cache\n"
             "state = state/user.state\nsystem_state = state/m.state\n",
             inner);
    tu_write(conf, text, strlen(text));
    ck_assert_uint_eq(mmioExtConfigure(conf), 0);
    expect_refused("plugins", "writable by everyone");
    /* with the sticky bit (like /tmp) the parent is fine */
    ck_assert_int_eq(chmod(ww, 01777), 0);
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_uint_eq(plugin("good").d.uState, MMIO_PLUGIN_AVAILABLE);
    /* a symlinked plugin whose target lies in a world-writable directory */
    ck_assert_int_eq(chmod(ww, 0777), 0);
    snprintf(text, sizeof text, "%s/good.so", inner);
    ck_assert_int_eq(symlink(text, so), 0);
    snprintf(text, sizeof text,
             "[host]\nplugin_dir = plugins\ncache = cache/scan.cache\n"
             "state = state/user.state\nsystem_state = state/m.state\n");
    tu_write(conf, text, strlen(text));
    ck_assert_uint_eq(mmioExtConfigure(conf), 0);
    expect_refused("good.so", "writable by everyone");
    /* a plugin directory writable by others is refused even when sticky */
    unlink(so);
    add_plugin("good", NULL);
    ck_assert_int_eq(chmod(plugdir, 01777), 0);
    expect_refused("plugins", "writable by everyone");
}
END_TEST

/* Rewrites the scratch host's plugins.conf: its [host] lines, then tail. */
static void rewrite_conf(const char *tail)
{
    static const char head[] =
        "[host]\nplugin_dir = plugins\ncache = cache/scan.cache\n"
        "state = state/user.state\nsystem_state = state/machine.state\n";
    FILE *fp = fopen(conf, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(head, fp);
    fputs(tail, fp);
    ck_assert_int_eq(fclose(fp), 0);
    ck_assert_uint_eq(mmioExtConfigure(conf), 0);
}

START_TEST(configuration_edge_cases)
{
    struct said s = {0};
    mmioExtSetMessageCallback(collect, &s);
    make_host(NULL, NULL);
    /* a comment longer than any buffer: its tail is no key */
    static char big[12000];
    memset(big, 'x', sizeof big - 1);
    big[0] = '#';
    snprintf(big + sizeof big - 20, 20, " colour = blue\n");
    rewrite_conf(big);
    setenv("MMIO_PLUGIN_PATH", "relative/dir::/nonexistent-abs", 1);
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_msg(strstr(s.all, "colour") == NULL, "%s", s.all);
    ck_assert_msg(strstr(s.all, "relative entry 'relative/dir' ignored"), "%s",
                  s.all);
    ck_assert_msg(strstr(s.all, "empty entry"), "%s", s.all);
    unsetenv("MMIO_PLUGIN_PATH");
    /* a time limit below the sane minimum is refused, not rounded to 0 */
    s.all[0] = '\0';
    rewrite_conf("scan_timeout = 0.0005\n");
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_msg(strstr(s.all, ":6: scan_timeout: expected seconds from 0.1"),
                  "%s", s.all);
    /* a line past the limit is refused as such */
    static char huge[70000];
    memset(huge, 'y', sizeof huge - 2);
    static const char key[] = "plugin_dir = ";
    for (size_t i = 0; i + 1 < sizeof key; i++)
        huge[i] = key[i];
    huge[sizeof huge - 2] = '\n';
    s.all[0] = '\0';
    rewrite_conf(huge);
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_msg(strstr(s.all, ":6: line too long"), "%s", s.all);
    mmioExtSetMessageCallback(NULL, NULL);
}
END_TEST

Suite *suite_hostfiles(void)
{
    Suite *s = suite_create("hostfiles");
    TCase *tc = tcase_create("hostfiles");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, fifo_and_dev_zero_as_cache_and_state_do_not_hang);
    tcase_add_test(tc, state_owned_by_another_user_is_ignored);
    tcase_add_test(tc, newer_state_version_is_reported_and_never_rewritten);
    tcase_add_test(tc, held_lock_times_out_with_a_clear_error);
    tcase_add_test(tc, recorded_procedures_are_checked_before_they_run);
    tcase_add_test(tc, removed_plugin_file_can_still_be_removed);
    tcase_add_test(tc, machine_and_user_layers_are_labelled);
    tcase_add_test(tc, environment_failures_are_not_cached);
    tcase_add_test(tc, global_install_neither_scans_nor_loses_updates);
    tcase_add_test(tc, trust_covers_owners_parents_and_symlinks);
    tcase_add_test(tc, configuration_edge_cases);
    suite_add_tcase(s, tc);
    return s;
}
