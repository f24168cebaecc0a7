/* SPDX-License-Identifier: MIT */
/* The plugin host: scanning in isolation, the cache, lazy loading, tasks,
 * overrides, routes, closures, system-wide installs, refused files. */
#define _GNU_SOURCE
#include "hostutil.h"
#include "testutil.h"

#include <dlfcn.h>
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
    suite_add_tcase(s, tc);
    return s;
}
