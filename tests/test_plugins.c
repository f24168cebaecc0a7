/* SPDX-License-Identifier: MIT */
/* The plugin host: scanning in isolation, the cache, lazy loading, tasks,
 * overrides, routes, closures, system-wide installs, refused files. */
#define _GNU_SOURCE
#include "hostutil.h"
#include "testutil.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define GOOD mmioFOURCC('G', 'O', 'O', 'D')
#define GOD2 mmioFOURCC('G', 'O', 'D', '2')

START_TEST(bad_plugins_are_recorded_and_the_host_carries_on)
{
    const char *kinds[] = {"good", "badabi", "noinstall", "segv",
                           "hang", "exits",  NULL};
    make_host(kinds, NULL);
    ck_assert_uint_eq(mmioExtScan(), 0);
    struct found f = plugin("good");
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_AVAILABLE);
    ck_assert_str_eq(f.d.pszVersion, "1.0.0");
    ck_assert_uint_eq(f.d.pFourccs[0], GOOD);
    f = plugin("badabi");
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_REFUSED);
    ck_assert_ptr_nonnull(strstr(f.reason, "ABI"));
    f = plugin("noinstall");
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_REFUSED);
    ck_assert_ptr_nonnull(strstr(f.reason, "mmioPluginInstall"));
    f = plugin("segv");
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_BROKEN);
    ck_assert_msg(strstr(f.reason, "signal 11") != NULL, "%s", f.reason);
    f = plugin("hang");
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_BROKEN);
    ck_assert_msg(strstr(f.reason, "hung") != NULL, "%s", f.reason);
    f = plugin("exits");
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_BROKEN);
    ck_assert_msg(strstr(f.reason, "status 3") != NULL, "%s", f.reason);
    /* none of them was loaded here, and nothing they declare resolves */
    ck_assert(!mapped("/segv.so") && !mapped("/exits.so"));
    ck_assert_ptr_null(
        mmioInstallIOProc(mmioFOURCC('S', 'E', 'G', 'V'), NULL, MMIO_FINDPROC));
    char text[256];
    read_name("x.good+hello", text, sizeof text);
    ck_assert_str_eq(text, "|x.good+hello");
}
END_TEST

START_TEST(plugins_load_lazily_and_once)
{
    const char *kinds[] = {"good", "good2", NULL};
    make_host(kinds, NULL);
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert(!mapped("/good.so"));
    ck_assert(!mapped("/good2.so"));
    ck_assert_ptr_nonnull(mmioInstallIOProc(GOOD, NULL, MMIO_FINDPROC));
    ck_assert(mapped("/good.so"));
    ck_assert(!mapped("/good2.so")); /* not needed, not loaded */
    ck_assert_uint_eq(plugin("good").d.uState, MMIO_PLUGIN_LOADED);
    ck_assert_uint_eq(plugin("good2").d.uState, MMIO_PLUGIN_AVAILABLE);
}
END_TEST

static void *open_god2(void *arg)
{
    (void)arg;
    char text[64];
    read_name("t.god2+x", text, sizeof text);
    return strcmp(text, "|t.god2+x") == 0 ? NULL : (void *)1;
}

static BOOL CALLBACK count_fcc(const MMIOPROCDESC *d, void *ctx)
{
    if (d->fccIOProc == GOD2)
        (*(int *)ctx)++;
    return TRUE;
}

START_TEST(many_threads_needing_a_plugin_load_it_once)
{
    const char *kinds[] = {"good2", NULL};
    make_host(kinds, NULL);
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, open_god2, NULL), 0);
    for (int i = 0; i < 8; i++) {
        void *r;
        pthread_join(t[i], &r);
        ck_assert_ptr_null(r);
    }
    int installs = 0;
    mmioExtEnumProcs(count_fcc, &installs);
    ck_assert_int_eq(installs, 1);
}
END_TEST

START_TEST(warm_start_uses_the_cache)
{
    const char *kinds[] = {"good", "segv", NULL};
    make_host(kinds, NULL);
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_int_eq(scans_of("/good.so"), 1);
    ck_assert_int_eq(scans_of("/segv.so"), 1);
    /* a second host (here: a new configuration) finds both in the cache */
    ck_assert_uint_eq(mmioExtConfigure(conf), 0);
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_uint_eq(plugin("segv").d.uState, MMIO_PLUGIN_BROKEN);
    ck_assert_int_eq(scans_of("/good.so"), 1);
    ck_assert_int_eq(scans_of("/segv.so"), 1);
    /* a changed file is checked again: the broken one gets another chance */
    add_plugin("good2", "segv");
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_int_eq(scans_of("/segv.so"), 2);
    ck_assert_int_eq(scans_of("/good.so"), 1);
    ck_assert_uint_eq(plugin("good2").d.uState, MMIO_PLUGIN_AVAILABLE);
}
END_TEST

START_TEST(writable_directories_and_files_are_refused)
{
    const char *kinds[] = {"good", NULL};
    make_host(kinds, NULL);
    ck_assert_int_eq(chmod(plugdir, 0777), 0);
    ck_assert_uint_eq(mmioExtScan(), 0);
    struct found f = plugin("plugins");
    ck_assert_int_eq(f.hits, 1);
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_REFUSED);
    ck_assert_msg(strstr(f.reason, "writable by everyone") != NULL, "%s",
                  f.reason);
    ck_assert_ptr_null(mmioInstallIOProc(GOOD, NULL, MMIO_FINDPROC));
    ck_assert_int_eq(chmod(plugdir, 0755), 0);
    char so[700];
    snprintf(so, sizeof so, "%s/good.so", plugdir);
    ck_assert_int_eq(chmod(so, 0666), 0);
    ck_assert_uint_eq(mmioExtScan(), 0);
    f = plugin("good.so");
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_REFUSED);
    ck_assert_msg(strstr(f.reason, "writable") != NULL, "%s", f.reason);
    ck_assert_ptr_null(mmioInstallIOProc(GOOD, NULL, MMIO_FINDPROC));
    ck_assert_int_eq(chmod(so, 0755), 0);
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_ptr_nonnull(mmioInstallIOProc(GOOD, NULL, MMIO_FINDPROC));
}
END_TEST

START_TEST(local_override_beats_the_global_plugin)
{
    const char *kinds[] = {"good", NULL};
    make_host(kinds, NULL);
    LPMMIOPROC global = mmioInstallIOProc(GOOD, NULL, MMIO_FINDPROC);
    ck_assert_ptr_nonnull(global);
    ck_assert_ptr_eq(mmioInstallIOProc(GOOD, tu_proc, MMIO_INSTALLPROC),
                     tu_proc);
    tu_log_reset();
    HMMIO h = mmioOpen((LPSTR) "a.good+b", NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(tu_log.msgs[MMIOM_OPEN], 1);
    mmioClose(h, 0);
    ck_assert_ptr_eq(mmioInstallIOProc(GOOD, NULL, MMIO_REMOVEPROC), tu_proc);
    ck_assert_ptr_eq(mmioInstallIOProc(GOOD, NULL, MMIO_FINDPROC), global);
    char text[64];
    read_name("a.good+b", text, sizeof text);
    ck_assert_str_eq(text, "|a.good+b");
    /* the plugin's global procedure cannot be removed while in use */
    h = mmioOpen((LPSTR) "a.good+b", NULL, MMIO_READ);
    ck_assert_ptr_null(mmioInstallIOProc(GOOD, NULL, MMIO_REMOVEPROC));
    mmioClose(h, 0);
}
END_TEST

START_TEST(two_tasks_override_the_same_fourcc_differently)
{
    const char *kinds[] = {"good", NULL};
    make_host(kinds, NULL);
    LPMMIOPROC global = mmioInstallIOProc(GOOD, NULL, MMIO_FINDPROC);
    HTASK a = mmioExtTaskCreate(), b = mmioExtTaskCreate();
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_null(mmioExtTaskSetCurrent(a));
    mmioInstallIOProc(GOOD, tu_proc, MMIO_INSTALLPROC);
    ck_assert_ptr_eq(mmioExtTaskSetCurrent(b), a);
    mmioInstallIOProc(GOOD, tu_proc2, MMIO_INSTALLPROC);
    ck_assert_ptr_eq(mmioInstallIOProc(GOOD, NULL, MMIO_FINDPROC), tu_proc2);
    mmioExtTaskSetCurrent(NULL);
    ck_assert_ptr_eq(mmioInstallIOProc(GOOD, NULL, MMIO_FINDPROC), global);
    MMIOINFO info = {0};
    info.htask = a;
    HMMIO h = mmioOpen((LPSTR) "x.good+y", &info, MMIO_READ);
    MMIOINFO got;
    mmioGetInfo(h, &got, 0);
    ck_assert_ptr_eq(got.pIOProc, tu_proc);
    mmioClose(h, 0);
    info.htask = b;
    h = mmioOpen((LPSTR) "x.good+y", &info, MMIO_READ);
    mmioGetInfo(h, &got, 0);
    ck_assert_ptr_eq(got.pIOProc, tu_proc2);
    /* a task in use cannot go; then it goes with its procedures */
    ck_assert_uint_eq(mmioExtTaskDestroy(b), MMSYSERR_ALLOCATED);
    mmioClose(h, 0);
    ck_assert_uint_eq(mmioExtTaskDestroy(b), 0);
    ck_assert_uint_eq(mmioExtTaskDestroy(b), MMSYSERR_INVALHANDLE);
    ck_assert_ptr_null(mmioOpen((LPSTR) "x.good+y", &info, MMIO_READ));
    ck_assert_uint_eq(mmioExtTaskDestroy(a), 0);
    ck_assert_uint_eq(mmioExtTaskDestroy(NULL), MMSYSERR_INVALHANDLE);
}
END_TEST

START_TEST(application_loads_a_plugin_for_itself)
{
    make_host(NULL, NULL);
    char so[600];
    snprintf(so, sizeof so, "%s/good2.so", FIXTURE_DIR);
    HTASK other = mmioExtTaskCreate();
    ck_assert_uint_eq(mmioExtLoadPlugin(so, 0), 0);
    ck_assert_ptr_nonnull(mmioInstallIOProc(GOD2, NULL, MMIO_FINDPROC));
    mmioExtTaskSetCurrent(other);
    ck_assert_ptr_null(mmioInstallIOProc(GOD2, NULL, MMIO_FINDPROC));
    mmioExtTaskSetCurrent(NULL);
    snprintf(so, sizeof so, "%s/segv.so", FIXTURE_DIR);
    ck_assert_uint_eq(mmioExtLoadPlugin(so, 0), MMIOERR_INVALIDFILE);
    ck_assert_uint_eq(mmioExtLoadPlugin("/nonexistent.so", 0),
                      MMIOERR_FILENOTFOUND);
}
END_TEST

START_TEST(routes_and_options_from_the_configuration)
{
    const char *kinds[] = {"good", NULL};
    make_host(kinds, "[plugin good]\noptions = base\n"
                     "[route ALT]\nplugin = good\noptions = alt-opts\n"
                     "[route AL2]\nplugin = good\nfourcc = GOOD\n");
    char text[128];
    read_name("x.alt+y", text, sizeof text);
    ck_assert_str_eq(text, "alt-opts|x.alt+y");
    read_name("x.good+y", text, sizeof text);
    ck_assert_str_eq(text, "base|x.good+y");
    read_name("x.al2+z", text, sizeof text);
    ck_assert_str_eq(text, "base|x.al2+z");
}
END_TEST

START_TEST(disabled_plugin_is_not_loaded)
{
    const char *kinds[] = {"good", NULL};
    make_host(kinds, "[plugin good]\nenabled = no\n");
    ck_assert_ptr_null(mmioInstallIOProc(GOOD, NULL, MMIO_FINDPROC));
    ck_assert_uint_eq(plugin("good").d.uState, MMIO_PLUGIN_DISABLED);
    ck_assert(!mapped("/good.so"));
}
END_TEST

struct ctx_proc {
    int calls;
    LRESULT answer;
};

static LRESULT CALLBACK with_ctx(void *ctx, LPSTR info, UINT msg, LPARAM a,
                                 LPARAM b)
{
    struct ctx_proc *c = ctx;
    (void)info;
    c->calls++;
    return msg >= MMIOM_USER ? c->answer + a - b : 0;
}

START_TEST(closures_bind_a_context)
{
    struct ctx_proc one = {0, 100}, two = {0, 200};
    LPMMIOPROC p1 = mmioExtClosureCreate(with_ctx, &one);
    LPMMIOPROC p2 = mmioExtClosureCreate(with_ctx, &two);
    ck_assert_ptr_nonnull(p1);
    ck_assert_ptr_nonnull(p2);
    ck_assert_ptr_ne(p1, p2);
    ck_assert_ptr_null(mmioExtClosureCreate(NULL, &one));
    mmioInstallIOProc(mmioFOURCC('C', 'L', 'O', '1'), p1, MMIO_INSTALLPROC);
    mmioInstallIOProc(mmioFOURCC('C', 'L', 'O', '2'), p2, MMIO_INSTALLPROC);
    HMMIO h1 = mmioOpen((LPSTR) "a.clo1+x", NULL, MMIO_READ);
    HMMIO h2 = mmioOpen((LPSTR) "a.clo2+x", NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h1);
    ck_assert_ptr_nonnull(h2);
    ck_assert_int_eq(mmioSendMessage(h1, MMIOM_USER, 5, 2), 103);
    ck_assert_int_eq(mmioSendMessage(h2, MMIOM_USER, -5, 0x7fffffff),
                     200 - 5 - 0x7fffffff);
    mmioClose(h1, 0);
    mmioClose(h2, 0);
    ck_assert_int_eq(one.calls, 3); /* open, user message, close */
    ck_assert_int_eq(two.calls, 3);
    mmioInstallIOProc(mmioFOURCC('C', 'L', 'O', '1'), NULL, MMIO_REMOVEPROC);
    mmioInstallIOProc(mmioFOURCC('C', 'L', 'O', '2'), NULL, MMIO_REMOVEPROC);
    mmioExtClosureFree(p1);
    mmioExtClosureFree(p2);
    mmioExtClosureFree(NULL); /* harmless */
}
END_TEST

START_TEST(running_program_sees_a_system_wide_install)
{
    make_host(NULL, NULL);
    MMIOINFO info = {0};
    ck_assert_ptr_null(mmioOpen((LPSTR) "q.god2+a", &info, MMIO_READ));
    char out[4096], args[800];
    snprintf(args, sizeof args, "install '%s/good2.so'", FIXTURE_DIR);
    ck_assert_msg(run_host(args, out, sizeof out) == 0, "%s", out);
    char text[64];
    read_name("q.god2+a", text, sizeof text); /* no restart needed */
    ck_assert_str_eq(text, "|q.god2+a");
    ck_assert(plugin("good2").d.fSystemWide);
    ck_assert_int_eq(run_host("remove good2", out, sizeof out), 0);
    ck_assert_int_ne(run_host("remove good2", out, sizeof out), 0);
    snprintf(args, sizeof args, "install '%s/segv.so'", FIXTURE_DIR);
    ck_assert_int_ne(run_host(args, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "signal") != NULL, "%s", out);
}
END_TEST

/* mmioExtInstallSystemWide writes the machine's registry state (the
 * configuration's system_state), not the user's. */
START_TEST(system_wide_install_writes_the_machine_state)
{
    make_host(NULL, NULL);
    char so[700], err[600], machine[700], user[700];
    snprintf(so, sizeof so, "%s/good2.so", FIXTURE_DIR);
    snprintf(machine, sizeof machine, "%.*s/state/machine.state",
             (int)(strrchr(conf, '/') - conf), conf);
    snprintf(user, sizeof user, "%.*s/state/user.state",
             (int)(strrchr(conf, '/') - conf), conf);
    ck_assert_uint_eq(mmioExtInstallSystemWide(so, err, sizeof err), 0);
    long n;
    char *text = tu_slurp(machine, &n);
    ck_assert_ptr_nonnull(strstr(text, "good2.so\tgood2"));
    free(text);
    ck_assert_int_ne(access(user, F_OK), 0); /* the user's is untouched */
    struct found f = plugin("good2");
    ck_assert(f.d.fSystemWide);
    ck_assert_uint_eq(f.d.fLayers & (1u << MMIO_LAYER_MACHINE),
                      1u << MMIO_LAYER_MACHINE);
    char got[64];
    read_name("q.god2+a", got, sizeof got);
    ck_assert_str_eq(got, "|q.god2+a");
    ck_assert_uint_eq(mmioExtRemoveSystemWide("good2", err, sizeof err), 0);
    text = tu_slurp(machine, &n);
    ck_assert_ptr_null(strstr(text, "good2"));
    free(text);
    ck_assert_uint_eq(mmioExtRemoveSystemWide("good2", err, sizeof err),
                      MMIOERR_FILENOTFOUND);
    ck_assert_msg(strstr(err, "nothing named 'good2'") != NULL, "%s", err);
    ck_assert_uint_eq(
        mmioExtInstallSystemWide("/nonexistent.so", err, sizeof err),
        MMIOERR_FILENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err, "no such file"));
}
END_TEST

/* A state file of version 1 is read (and rewritten as version 2 at the
 * next edit); an empty one is an empty state, said nothing of. */
START_TEST(version_one_and_empty_state_files_are_read)
{
    make_host(NULL, NULL);
    struct said said = {0};
    mmioExtSetMessageCallback(collect, &said);
    char user[700], text[1200];
    snprintf(user, sizeof user, "%.*s/state/user.state",
             (int)(strrchr(conf, '/') - conf), conf);
    ck_assert_int_eq(mkdir(tu_path("state"), 0755) == 0 || errno == EEXIST, 1);
    snprintf(text, sizeof text,
             "# libmmio global registry state 1\nplugin\t%s/good2.so\tgood2\n",
             FIXTURE_DIR);
    tu_write(user, text, strlen(text));
    ck_assert_uint_eq(mmioExtScan(), 0);
    struct found f = plugin("good2");
    ck_assert_int_eq(f.hits, 1);
    ck_assert_uint_eq(f.d.fLayers & (1u << MMIO_LAYER_USER),
                      1u << MMIO_LAYER_USER);
    char err[600], so[700];
    snprintf(so, sizeof so, "%s/good.so", FIXTURE_DIR);
    ck_assert_uint_eq(mmioExtInstallPlugin(so, 0, err, sizeof err), 0);
    long n;
    char *now = tu_slurp(user, &n);
    ck_assert_msg(strncmp(now, "# libmmio registry state\nversion 2\n", 35) ==
                      0,
                  "%s", now);
    ck_assert_ptr_nonnull(strstr(now, "good2.so\tgood2\n")); /* kept */
    ck_assert_ptr_nonnull(strstr(now, "good.so\tgood\n"));
    free(now);
    /* an empty file: no plugins, no message */
    tu_write(user, "", 0);
    said.n = 0;
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_int_eq(plugin("good2").hits, 0);
    ck_assert_msg(said.n == 0, "%s", said.all);
    ck_assert_uint_eq(mmioExtInstallPlugin(so, 0, err, sizeof err), 0);
    ck_assert_int_eq(plugin("good").hits, 1);
    mmioExtSetMessageCallback(NULL, NULL);
}
END_TEST

/* lazy = no: every available plugin is loaded once listed, before any
 * open needs it; lazy = yes (the default) loads none. */
START_TEST(lazy_no_loads_every_plugin_at_once)
{
    const char *kinds[] = {"good", "good2", "segv", NULL};
    make_host(kinds, "lazy = no\n");
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_uint_eq(plugin("good").d.uState, MMIO_PLUGIN_LOADED);
    ck_assert_uint_eq(plugin("good2").d.uState, MMIO_PLUGIN_LOADED);
    ck_assert_uint_eq(plugin("segv").d.uState, MMIO_PLUGIN_BROKEN);
    ck_assert(mapped("/good2.so"));
    ck_assert_ptr_nonnull(mmioInstallIOProc(GOD2, NULL, MMIO_FINDPROC));
}
END_TEST

START_TEST(lazy_yes_loads_nothing_until_needed)
{
    const char *kinds[] = {"good", "good2", NULL};
    make_host(kinds, "lazy = yes\n");
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_uint_eq(plugin("good").d.uState, MMIO_PLUGIN_AVAILABLE);
    ck_assert_uint_eq(plugin("good2").d.uState, MMIO_PLUGIN_AVAILABLE);
    ck_assert(!mapped("/good2.so"));
}
END_TEST

/* A plugin file replaced after it was checked and before it is loaded:
 * the replacement is checked before it runs (here it crashes when loaded,
 * so the open fails and the process lives). */
START_TEST(plugin_replaced_between_check_and_load_is_checked_again)
{
    const char *kinds[] = {"good", NULL};
    make_host(kinds, NULL);
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_uint_eq(plugin("good").d.uState, MMIO_PLUGIN_AVAILABLE);
    int checks = scans_of("good.so");
    /* another file under the same name: a crashing plugin claiming GOOD */
    char from[700], to[700], tmp[800];
    snprintf(from, sizeof from, "%s/segv.so", FIXTURE_DIR);
    snprintf(to, sizeof to, "%s/good.so", plugdir);
    snprintf(tmp, sizeof tmp, "%s.new", to);
    copy_file(from, tmp);
    ck_assert_int_eq(rename(tmp, to), 0);
    MMIOINFO info = {0};
    ck_assert_ptr_null(mmioOpen((LPSTR) "x.good+y", &info, MMIO_READ));
    ck_assert_int_gt(scans_of("good.so"), checks); /* checked again */
    ck_assert(!mapped("/good.so"));
    struct found f = plugin("segv"); /* what the file says it is now */
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_BROKEN);
    ck_assert_ptr_nonnull(strstr(f.d.pszPath, "/plugins/good.so"));
}
END_TEST

/* An open that finds no procedure keeps Windows' error, and the message
 * says why: nothing serves the FOURCC, its plugin is broken or disabled,
 * a route names a plugin that is not there. */
static void expect_cause(const char *name, const char *cause)
{
    struct said said = {0};
    mmioExtSetMessageCallback(collect, &said);
    char copy[700];
    snprintf(copy, sizeof copy, "%s", name);
    MMIOINFO info = {0};
    ck_assert_ptr_null(mmioOpen(copy, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_FILENOTFOUND);
    mmioExtSetMessageCallback(NULL, NULL);
    ck_assert_msg(strstr(said.all, cause) != NULL, "%s: said %s", name,
                  said.all);
}

START_TEST(a_failed_open_names_the_real_cause)
{
    const char *kinds[] = {"good", "segv", NULL};
    make_host(kinds, "[plugin good]\nenabled = no\n"
                     "[route ALT]\nplugin = nosuch\n");
    ck_assert_uint_eq(mmioExtScan(), 0);
    char tar[600], name[700];
    snprintf(tar, sizeof tar, "%s", tu_path("songs.tar"));
    tu_write(tar, "not a tar", 9);
    snprintf(name, sizeof name, "%s+hello.txt", tar);
    expect_cause(name, "no procedure is installed for 'TAR ' (the extension "
                       "before its last '+'), so it was opened as a plain "
                       "file: file not found");
    expect_cause("https://example.invalid/a.wav",
                 "no procedure is installed for 'HTTP' (its URL scheme)");
    expect_cause("x.segv+y", "plugin segv (");
    char last[1200];
    ck_assert_uint_eq(mmioExtLastMessage(last, sizeof last), 0);
    ck_assert_msg(strstr(last, "which serves 'SEGV', is broken") ||
                      strstr(last, "no procedure is installed for 'SEGV'"),
                  "%s", last);
    expect_cause("x.segv+y", "which serves 'SEGV', is broken: crashed with "
                             "signal 11");
    char want[900];
    snprintf(want, sizeof want,
             "plugin good, which serves 'GOOD', is disabled (enabled = no at "
             "%s:9)",
             conf);
    expect_cause("x.good+y", want);
    snprintf(want, sizeof want,
             "%s:10: [route ALT ] names plugin 'nosuch', which is not on the "
             "plugin path",
             conf);
    expect_cause("x.alt+y", want);
}
END_TEST

/* A plugin claiming a built-in FOURCC, or one no name can produce, is
 * refused with the reason (it could never serve what it says). */
START_TEST(unreachable_and_builtin_fourccs_are_refused)
{
    const char *kinds[] = {"lowercase", "builtin", "good", NULL};
    make_host(kinds, NULL);
    ck_assert_uint_eq(mmioExtScan(), 0);
    struct found f = plugin("lowercase");
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_REFUSED);
    ck_assert_msg(strstr(f.reason, "'tarx' can never be chosen by a name"),
                  "%s", f.reason);
    f = plugin("builtin");
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_REFUSED);
    ck_assert_msg(strstr(f.reason, "'DOS ' is built in"), "%s", f.reason);
    ck_assert_uint_eq(plugin("good").d.uState, MMIO_PLUGIN_AVAILABLE);
    /* the DOS procedure still serves plain files */
    char path[600];
    snprintf(path, sizeof path, "%s", tu_path("plain.txt"));
    tu_write(path, "x", 1);
    HMMIO h = mmioOpen(path, NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    MMIOINFO info;
    mmioGetInfo(h, &info, 0);
    ck_assert_uint_eq(info.fccIOProc, FOURCC_DOS);
    mmioClose(h, 0);
}
END_TEST

/* Conflicts said out loud: two plugins serving one FOURCC (which wins,
 * and why), names in plugins.conf that no plugin has. */
START_TEST(conflicts_and_unknown_names_are_said)
{
    const char *kinds[] = {"good", "rival", NULL};
    make_host(kinds, "[plugin xorr]\noptions = a\n"
                     "[route ZZZ]\nplugin = nosuch\n");
    struct said said = {0};
    mmioExtSetMessageCallback(collect, &said);
    ck_assert_uint_eq(mmioExtScan(), 0);
    mmioExtSetMessageCallback(NULL, NULL);
    char want[900];
    snprintf(want, sizeof want,
             "%s:8: [plugin xorr]: no plugin of that name is on the plugin "
             "path",
             conf);
    ck_assert_msg(strstr(said.all, want), "%s", said.all);
    snprintf(want, sizeof want,
             "%s:10: [route ZZZ ] plugin = nosuch: no plugin of that name",
             conf);
    ck_assert_msg(strstr(said.all, want), "%s", said.all);
    /* said once per configuration read */
    said.n = 0;
    mmioExtSetMessageCallback(collect, &said);
    ck_assert_uint_eq(mmioExtRescan(MMIO_RESCAN_FORCE), 0);
    mmioExtSetMessageCallback(NULL, NULL);
    ck_assert_int_eq(said.n, 0);
    char out[8192];
    ck_assert_int_eq(run_host("list", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "both serve 'GOOD'") &&
                      strstr(out, "plugins good (") && strstr(out, "rival ("),
                  "%s", out);
    ck_assert_msg(strstr(out, ": good is used"), "%s", out);
}
END_TEST

/* The checker's verdicts say where it went wrong, in words. */
START_TEST(verdicts_name_the_phase_and_the_field)
{
    const char *kinds[] = {"segv", "ctorabort", "failinstall", "baddesc", NULL};
    make_host(kinds, NULL);
    ck_assert_uint_eq(mmioExtScan(), 0);
    struct found f = plugin("segv");
    ck_assert_msg(strstr(f.reason, "signal 11 (Segmentation fault) in "
                                   "mmioPluginInstall"),
                  "%s", f.reason);
    f = plugin("ctorabort.so");
    ck_assert_msg(strstr(f.reason, "while loading (its constructors)"), "%s",
                  f.reason);
    f = plugin("failinstall");
    ck_assert_msg(strstr(f.reason, "mmioPluginInstall returned 7 (out of "
                                   "memory)"),
                  "%s", f.reason);
    f = plugin("baddesc.so");
    ck_assert_msg(strstr(f.reason, "descriptor's license is empty or "
                                   "malformed"),
                  "%s", f.reason);
}
END_TEST

/* install and remove explain themselves: the layer, that the path is
 * recorded, an upgrade with --replace, the layer a plugin really is in. */
START_TEST(install_and_remove_explain_themselves)
{
    make_host(NULL, NULL);
    char out[8192], args[1600], copy[700];
    snprintf(args, sizeof args, "install '%s/good2.so'", FIXTURE_DIR);
    ck_assert_msg(run_host(args, out, sizeof out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "for you (your registry state); the state "
                              "records this path, so moving or deleting the "
                              "file uninstalls it"),
                  "%s", out);
    /* a new build under the same name */
    snprintf(copy, sizeof copy, "%s", tu_path("good2-new.so"));
    snprintf(args, sizeof args, "%s/good2.so", FIXTURE_DIR);
    copy_file(args, copy);
    snprintf(args, sizeof args, "install '%s'", copy);
    ck_assert_int_eq(run_host(args, out, sizeof out), 1);
    ck_assert_msg(strstr(out, "mmiohost install --replace"), "%s", out);
    snprintf(args, sizeof args, "install --replace '%s'", copy);
    ck_assert_msg(run_host(args, out, sizeof out) == 0, "%s", out);
    ck_assert_int_eq(run_host("--json info good2", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "good2-new.so"), "%s", out);
    /* the user's, removed as the machine's: the hint names the layer */
    ck_assert_int_eq(run_host("remove --system good2", out, sizeof out), 1);
    ck_assert_msg(strstr(out, "good2 is installed for you (your registry "
                              "state): use remove without --system"),
                  "%s", out);
    ck_assert_int_eq(run_host("remove good2", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "removed good2 for you"), "%s", out);
    /* the machine's state, by someone who is not root */
    if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0) {
        tu_skip(__func__, "the not-root half needs root and setpriv");
        return;
    }
    /* let nobody reach the configuration (the scratch is 0700) */
    char path[700];
    snprintf(path, sizeof path, "%s", conf);
    for (char *slash = strrchr(path, '/'); slash && slash != path;
         slash = strrchr(path, '/')) {
        *slash = '\0';
        if (strstr(path, "mmio-suite."))
            chmod(path, 0711);
    }
    chmod(conf, 0644);
    snprintf(args, sizeof args,
             "setpriv --reuid=65534 --regid=65534 --clear-groups '%s' "
             "--config '%s' install --system '%s/good2.so' 2>&1",
             MMIOHOST, conf, FIXTURE_DIR);
    ck_assert_int_eq(tu_capture(out, sizeof out, "%s", args), 1);
    ck_assert_msg(strstr(out, "the machine's registry state can only be "
                              "changed by root"),
                  "%s", out);
}
END_TEST

/* A plugin file directly in a directory others can write (sticky, like
 * /tmp, or not) is refused as such a plugin directory is. */
START_TEST(a_plugin_file_in_a_shared_directory_is_refused)
{
    make_host(NULL, NULL);
    char shared[700], so[800], from[700], err[800];
    snprintf(shared, sizeof shared, "%s", tu_path("shared"));
    ck_assert_int_eq(mkdir(shared, 0755), 0);
    ck_assert_int_eq(chmod(shared, 01777), 0);
    snprintf(so, sizeof so, "%s/good2.so", shared);
    snprintf(from, sizeof from, "%s/good2.so", FIXTURE_DIR);
    copy_file(from, so);
    ck_assert_uint_eq(mmioExtInstallPlugin(so, 0, err, sizeof err),
                      MMIOERR_ACCESSDENIED);
    ck_assert_msg(strstr(err, "is writable by everyone"), "%s", err);
    ck_assert_uint_ne(mmioExtLoadPlugin(so, 0), 0);
    /* the same file in a directory only its owner writes is fine */
    ck_assert_int_eq(chmod(shared, 0755), 0);
    ck_assert_uint_eq(mmioExtInstallPlugin(so, 0, err, sizeof err), 0);
}
END_TEST

/* A plugin that installs with MMIO_GLOBALPROC, loaded by an application
 * for one task, serves that task only. */
START_TEST(a_global_install_inside_a_task_load_stays_in_the_task)
{
    make_host(NULL, NULL);
    char so[700];
    snprintf(so, sizeof so, "%s/widens.so", FIXTURE_DIR);
    const FOURCC wide = FOURCC_OF("WIDE");
    HTASK a = mmioExtTaskCreate(), b = mmioExtTaskCreate();
    mmioExtTaskSetCurrent(a);
    ck_assert_uint_eq(mmioExtLoadPlugin(so, 0), 0);
    ck_assert_ptr_nonnull(mmioInstallIOProc(wide, NULL, MMIO_FINDPROC));
    mmioExtTaskSetCurrent(b);
    ck_assert_ptr_null(mmioInstallIOProc(wide, NULL, MMIO_FINDPROC));
    mmioExtTaskSetCurrent(NULL);
    ck_assert_ptr_null(mmioInstallIOProc(wide, NULL, MMIO_FINDPROC));
    mmioExtTaskDestroy(a);
    mmioExtTaskDestroy(b);
}
END_TEST

START_TEST(second_process_sees_a_global_procedure)
{
    make_host(NULL, NULL);
    char lib[600], out[4096];
    snprintf(lib, sizeof lib, "%s/libfixture_globalproc.so", FIXTURE_DIR);
    void *dl = dlopen(lib, RTLD_NOW);
    ck_assert_msg(dl != NULL, "%s", dlerror());
    LPMMIOPROC proc = (LPMMIOPROC)(uintptr_t)dlsym(dl, "fixture_global_proc");
    ck_assert_ptr_nonnull(proc);
    const FOURCC glob = mmioFOURCC('G', 'L', 'O', 'B');
    ck_assert_int_ne(run_host("cat x.glob+y", out, sizeof out), 0);
    mmioInstallIOProc(glob, proc, MMIO_INSTALLPROC | MMIO_GLOBALPROC);
    ck_assert_msg(run_host("cat x.glob+y", out, sizeof out) == 0, "%s", out);
    ck_assert_str_eq(out, "from the global proc");
    ck_assert_ptr_eq(
        mmioInstallIOProc(glob, NULL, MMIO_REMOVEPROC | MMIO_GLOBALPROC), proc);
    ck_assert_int_ne(run_host("cat x.glob+y", out, sizeof out), 0);
    /* a procedure inside the executable stays in this process */
    mmioInstallIOProc(glob, tu_proc, MMIO_INSTALLPROC | MMIO_GLOBALPROC);
    ck_assert_int_ne(run_host("cat x.glob+y", out, sizeof out), 0);
}
END_TEST

START_TEST(configuration_errors_name_file_and_line)
{
    make_host(NULL, "colour = blue\n[plugin x]\nenabled = maybe\n[weird]\n"
                    "no equals sign\n");
    char out[4096];
    run_host("list", out, sizeof out);
    char want[700];
    snprintf(want, sizeof want, "%s:8: unknown key 'colour' in [host]", conf);
    ck_assert_msg(strstr(out, want) != NULL, "%s", out);
    snprintf(want, sizeof want, "%s:10: enabled: expected yes or no", conf);
    ck_assert_msg(strstr(out, want) != NULL, "%s", out);
    snprintf(want, sizeof want, "%s:11: unknown section", conf);
    ck_assert_msg(strstr(out, want) != NULL, "%s", out);
    ck_assert_int_eq(run_host("list", out, sizeof out), 0);
    tu_write(conf, "", 0); /* empty: defaults */
    ck_assert_int_eq(run_host("list", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "DOS ") != NULL, "%s", out);
}
END_TEST

START_TEST(mmiohost_json_and_exit_codes)
{
    const char *kinds[] = {"good", "segv", NULL};
    make_host(kinds, NULL);
    char out[8192], args[1400], wav[600];
    snprintf(wav, sizeof wav, "%s", tu_path("t.wav"));
    snprintf(args, sizeof args, "tone '%s' 0.01", wav);
    ck_assert_int_eq(run_host(args, out, sizeof out), 0);
    const char *checks[][2] = {
        {"--json riff", "d=json.load(sys.stdin); c=d['chunks'][0]; "
                        "ok=c['id']=='RIFF' and c['type']=='WAVE' and "
                        "d['error'] is None and "
                        "[k['id'] for k in c['children']]==['fmt ','data']"},
        {"--json list", "d=json.load(sys.stdin); "
                        "s={p['name']:p['state'] for p in d['plugins']}; "
                        "ok=s=={'good':'available','segv':'broken'} and "
                        "any(p['fourcc']=='DOS ' for p in d['procedures'])"},
        {"--json info segv", "d=json.load(sys.stdin); "
                             "ok=d['state']=='broken' and 'signal' in "
                             "d['reason'] and d['fourccs']==['SEGV']"},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        int st = tu_shell("'%s' --config '%s' %s %s | python3 -c \"import "
                          "json,sys; %s; sys.exit(0 if ok else 1)\"",
                          MMIOHOST, conf, checks[i][0], i == 0 ? wav : "",
                          checks[i][1]);
        ck_assert_msg(st == 0, "%s", checks[i][0]);
    }
    ck_assert_int_eq(run_host("info nosuch", out, sizeof out), 1);
    ck_assert_int_eq(run_host("frobnicate", out, sizeof out), 2);
    ck_assert_int_eq(run_host("cat", out, sizeof out), 2);
    ck_assert_int_eq(run_host("--help", out, sizeof out), 0);
    ck_assert_int_eq(run_host("cat /nonexistent/file", out, sizeof out), 1);
}
END_TEST

START_TEST(plugin_written_in_cxx_loads)
{
    char so[600];
    snprintf(so, sizeof so, "%s/cxx.so", FIXTURE_DIR);
    if (access(so, R_OK) != 0)
        TU_SKIP("no C++ compiler at build time: no cxx.so fixture");
    const char *kinds[] = {"cxx", NULL};
    make_host(kinds, NULL);
    ck_assert_uint_eq(mmioExtScan(), 0);
    struct found f = plugin("cxx");
    ck_assert_msg(f.d.uState == MMIO_PLUGIN_AVAILABLE, "%s", f.reason);
    char text[64];
    read_name("a.cxx+b", text, sizeof text);
    ck_assert_str_eq(text, "from C++");
}
END_TEST

Suite *suite_plugins(void)
{
    Suite *s = suite_create("plugins");
    TCase *tc = tcase_create("plugins");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, bad_plugins_are_recorded_and_the_host_carries_on);
    tcase_add_test(tc, plugins_load_lazily_and_once);
    tcase_add_test(tc, many_threads_needing_a_plugin_load_it_once);
    tcase_add_test(tc, warm_start_uses_the_cache);
    tcase_add_test(tc, writable_directories_and_files_are_refused);
    tcase_add_test(tc, local_override_beats_the_global_plugin);
    tcase_add_test(tc, two_tasks_override_the_same_fourcc_differently);
    tcase_add_test(tc, application_loads_a_plugin_for_itself);
    tcase_add_test(tc, routes_and_options_from_the_configuration);
    tcase_add_test(tc, disabled_plugin_is_not_loaded);
    tcase_add_test(tc, closures_bind_a_context);
    tcase_add_test(tc, running_program_sees_a_system_wide_install);
    tcase_add_test(tc, second_process_sees_a_global_procedure);
    tcase_add_test(tc, configuration_errors_name_file_and_line);
    tcase_add_test(tc, mmiohost_json_and_exit_codes);
    tcase_add_test(tc, plugin_written_in_cxx_loads);
    tcase_add_test(tc, system_wide_install_writes_the_machine_state);
    tcase_add_test(tc, version_one_and_empty_state_files_are_read);
    tcase_add_test(tc, lazy_no_loads_every_plugin_at_once);
    tcase_add_test(tc, a_failed_open_names_the_real_cause);
    tcase_add_test(tc, unreachable_and_builtin_fourccs_are_refused);
    tcase_add_test(tc, conflicts_and_unknown_names_are_said);
    tcase_add_test(tc, verdicts_name_the_phase_and_the_field);
    tcase_add_test(tc, install_and_remove_explain_themselves);
    tcase_add_test(tc, a_plugin_file_in_a_shared_directory_is_refused);
    tcase_add_test(tc, a_global_install_inside_a_task_load_stays_in_the_task);
    tcase_add_test(tc, lazy_yes_loads_nothing_until_needed);
    tcase_add_test(tc, plugin_replaced_between_check_and_load_is_checked_again);
    suite_add_tcase(s, tc);
    return s;
}
