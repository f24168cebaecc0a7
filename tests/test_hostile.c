/* SPDX-License-Identifier: MIT */
/* Hostile plugins and careless applications: plugins that call back into
 * the library, forge the checker's verdict, flood, hang, spy or abort; an
 * application whose callbacks rescan or wait for other threads, or that
 * destroys a task while a plugin loads into it. */
#define _GNU_SOURCE
#include "hostutil.h"
#include "testutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void fixture_path(const char *kind, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s.so", FIXTURE_DIR, kind);
}

struct scope_seen {
    FOURCC fcc;
    UINT scope;
    int hits;
};

static BOOL CALLBACK scope_of(const MMIOPROCDESC *d, void *ctx)
{
    struct scope_seen *s = ctx;
    if (d->fccIOProc == s->fcc) {
        s->scope = d->uScope;
        s->hits++;
    }
    return TRUE;
}

static struct scope_seen scope(const char *fcc)
{
    struct scope_seen s = {FOURCC_OF(fcc), 99, 0};
    mmioExtEnumProcs(scope_of, &s);
    return s;
}

START_TEST(nested_load_lands_where_each_belongs)
{
    /* The host loads "nested" globally; its install rescans and loads
     * good2 for the calling task, then installs its own procedure: that one
     * must be global, good2's local, and nothing may touch freed memory. */
    const char *kinds[] = {"nested", NULL};
    make_host(kinds, NULL);
    char inner[600];
    fixture_path("good2", inner, sizeof inner);
    setenv("FIXTURE_INNER", inner, 1);
    ck_assert_ptr_nonnull(
        mmioInstallIOProc(FOURCC_OF("NEST"), NULL, MMIO_FINDPROC));
    struct scope_seen outer = scope("NEST"), in = scope("GOD2");
    ck_assert_int_eq(outer.hits, 1);
    ck_assert_uint_eq(outer.scope, MMIO_SCOPE_GLOBAL);
    ck_assert_int_eq(in.hits, 1);
    ck_assert_uint_eq(in.scope, MMIO_SCOPE_LOCAL);
    char text[128];
    read_name("x.nest+y", text, sizeof text);
    ck_assert_str_eq(text, "|x.nest+y");
    /* another task sees the global one only */
    HTASK t = mmioExtTaskCreate();
    mmioExtTaskSetCurrent(t);
    ck_assert_ptr_nonnull(
        mmioInstallIOProc(FOURCC_OF("NEST"), NULL, MMIO_FINDPROC));
    ck_assert_ptr_null(
        mmioInstallIOProc(FOURCC_OF("GOD2"), NULL, MMIO_FINDPROC));
    mmioExtTaskSetCurrent(NULL);
    ck_assert_uint_eq(mmioExtTaskDestroy(t), 0);
}
END_TEST

START_TEST(same_plugin_loads_into_several_tasks)
{
    make_host(NULL, NULL);
    char so[600];
    fixture_path("good2", so, sizeof so);
    HTASK a = mmioExtTaskCreate(), b = mmioExtTaskCreate();
    mmioExtTaskSetCurrent(a);
    ck_assert_uint_eq(mmioExtLoadPlugin(so, 0), 0);
    ck_assert_uint_eq(mmioExtLoadPlugin(so, 0), MMSYSERR_ALLOCATED);
    mmioExtTaskSetCurrent(b);
    ck_assert_uint_eq(mmioExtLoadPlugin(so, 0), 0); /* was ALLOCATED */
    ck_assert_ptr_nonnull(
        mmioInstallIOProc(FOURCC_OF("GOD2"), NULL, MMIO_FINDPROC));
    mmioExtTaskSetCurrent(NULL);
    ck_assert_ptr_null(
        mmioInstallIOProc(FOURCC_OF("GOD2"), NULL, MMIO_FINDPROC));
    mmioExtTaskDestroy(a);
    mmioExtTaskDestroy(b);
}
END_TEST

START_TEST(invalid_task_at_open_is_refused)
{
    const char *kinds[] = {"good", NULL};
    make_host(kinds, NULL);
    HTASK t = mmioExtTaskCreate();
    ck_assert_uint_eq(mmioExtTaskDestroy(t), 0);
    MMIOINFO info = {0};
    info.htask = t; /* destroyed */
    ck_assert_ptr_null(mmioOpen((LPSTR) "x.good+y", &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMSYSERR_INVALHANDLE);
    memset(&info, 0, sizeof info);
    info.htask = (HTASK)(uintptr_t)0x1234; /* invented */
    info.pIOProc = tu_proc;
    ck_assert_ptr_null(mmioOpen((LPSTR) "plain.txt", &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMSYSERR_INVALHANDLE);
}
END_TEST

struct doomed {
    HTASK task;
    const char *so;
    MMRESULT rc;
};

static void *load_into(void *arg)
{
    struct doomed *d = arg;
    mmioExtTaskSetCurrent(d->task);
    d->rc = mmioExtLoadPlugin(d->so, 0);
    return NULL;
}

START_TEST(task_destroyed_during_a_load_fails_the_load)
{
    make_host(NULL, NULL);
    char so[600];
    fixture_path("slow", so, sizeof so);
    setenv("FIXTURE_SLOW_MS", "400", 1);
    /* checked first (the check also sleeps), so the race is the load */
    HTASK scratch = mmioExtTaskCreate();
    mmioExtTaskSetCurrent(scratch);
    ck_assert_uint_eq(mmioExtLoadPlugin(so, 0), 0);
    mmioExtTaskSetCurrent(NULL);
    /* a handshake: the install says it started, and waits for "go" */
    char meet[600], marker[700];
    snprintf(meet, sizeof meet, "%s", tu_path("meet"));
    ck_assert_int_eq(mkdir(meet, 0700), 0);
    setenv("FIXTURE_RENDEZVOUS", meet, 1);
    struct doomed d = {mmioExtTaskCreate(), so, 12345};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, load_into, &d), 0);
    snprintf(marker, sizeof marker, "%s/started", meet);
    for (int i = 0; i < 2000 && access(marker, F_OK) != 0; i++) {
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    ck_assert_msg(access(marker, F_OK) == 0, "the install never started");
    ck_assert_uint_eq(mmioExtTaskDestroy(d.task), 0); /* inside the install */
    snprintf(marker, sizeof marker, "%s/go", meet);
    tu_write(marker, "", 0);
    pthread_join(th, NULL);
    unsetenv("FIXTURE_RENDEZVOUS");
    ck_assert_uint_eq(d.rc, MMSYSERR_INVALHANDLE);
    struct scope_seen s = scope("SLOW");
    ck_assert_int_eq(s.hits, 1); /* the scratch task's only */
}
END_TEST

START_TEST(checker_verdict_cannot_be_forged)
{
    const char *kinds[] = {"forge", "good", NULL};
    make_host(kinds, NULL);
    ck_assert_uint_eq(mmioExtScan(), 0);
    struct found f = plugin("forge");
    ck_assert_int_eq(f.hits, 1);
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_BROKEN);
    ck_assert_msg(strstr(f.reason, "status 0") != NULL, "%s", f.reason);
    ck_assert_uint_eq(f.d.pFourccs[0], FOURCC_OF("FRGE"));
    ck_assert_uint_eq(f.d.pFourccs[1], 0); /* no "XXXX" from its stdout */
    ck_assert_ptr_null(
        mmioInstallIOProc(FOURCC_OF("FRGE"), NULL, MMIO_FINDPROC));
    ck_assert_ptr_null(
        mmioInstallIOProc(FOURCC_OF("XXXX"), NULL, MMIO_FINDPROC));
    ck_assert(!mapped("/forge.so"));
}
END_TEST

START_TEST(flooding_then_hanging_costs_the_time_limit_only)
{
    const char *kinds[] = {"flood", NULL};
    make_host(kinds, "[host]\nscan_timeout = 0.5\n");
    double t0 = now_s();
    ck_assert_uint_eq(mmioExtScan(), 0);
    double took = now_s() - t0;
    ck_assert_msg(took < 1.5, "scan took %.2f s with a 0.5 s limit", took);
    struct found f = plugin("flood");
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_BROKEN);
    ck_assert_msg(strstr(f.reason, "hung") != NULL, "%s", f.reason);
}
END_TEST

START_TEST(plugin_calling_mmio_during_install_spawns_no_checkers)
{
    const char *kinds[] = {"callsmmio", NULL};
    make_host(kinds, NULL);
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_uint_eq(plugin("callsmmio").d.uState, MMIO_PLUGIN_AVAILABLE);
    ck_assert_int_eq(scans_total(), 1); /* the one check, nothing nested */
    char text[64];
    read_name("a.call+b", text, sizeof text);
    ck_assert_str_eq(text, "|a.call+b");
    ck_assert_int_eq(scans_total(), 1);
}
END_TEST

START_TEST(checked_plugin_sees_no_descriptor_of_the_application)
{
    const char *kinds[] = {"spy", NULL};
    make_host(kinds, NULL);
    int fd = open(tu_path("secret"), O_RDWR | O_CREAT, 0600); /* inheritable */
    ck_assert_int_ge(fd, 0);
    ck_assert_uint_eq(mmioExtScan(), 0);
    struct found f = plugin("spy");
    ck_assert_msg(f.d.uState == MMIO_PLUGIN_AVAILABLE, "%s", f.reason);
    close(fd);
}
END_TEST

START_TEST(constructor_abort_is_recorded_not_fatal)
{
    const char *kinds[] = {"ctorabort", "good", NULL};
    make_host(kinds, NULL);
    ck_assert_uint_eq(mmioExtScan(), 0);
    struct found f = plugin("ctorabort.so");
    ck_assert_uint_eq(f.d.uState, MMIO_PLUGIN_BROKEN);
    ck_assert_msg(strstr(f.reason, "signal 6") != NULL, "%s", f.reason);
    ck_assert_ptr_null(
        mmioInstallIOProc(FOURCC_OF("CTOR"), NULL, MMIO_FINDPROC));
    ck_assert_ptr_nonnull(
        mmioInstallIOProc(FOURCC_OF("GOOD"), NULL, MMIO_FINDPROC));
}
END_TEST

/* An enumeration callback that rescans (the list is rebuilt under it) and
 * reads every string it was given afterwards. */
static BOOL CALLBACK rescanning(const MMIOPLUGINDESC *d, void *ctx)
{
    char copy[2048];
    ck_assert_uint_eq(mmioExtRescan(MMIO_RESCAN_FORCE), 0);
    snprintf(copy, sizeof copy, "%s|%s|%s|%s", d->pszPath, d->pszName,
             d->pszReason, d->pszDescription);
    /* the strings still say what they said before the rescan: the path
     * ends in NAME.so, the state's reason is the one it had */
    char want[300];
    snprintf(want, sizeof want, "/%s.so|%s|", d->pszName, d->pszName);
    ck_assert_msg(strstr(copy, want) != NULL, "%s", copy);
    const char *reason = strchr(strstr(copy, want) + 1, '|');
    reason = strchr(reason + 1, '|') + 1;
    if (strcmp(d->pszName, "segv") == 0)
        ck_assert_msg(strstr(reason, "signal 11") != NULL, "%s", copy);
    else
        ck_assert_msg(d->uState == MMIO_PLUGIN_AVAILABLE, "%s", copy);
    (*(int *)ctx)++;
    return TRUE;
}

START_TEST(enumeration_survives_a_rescan_in_its_callback)
{
    const char *kinds[] = {"good", "good2", "segv", NULL};
    make_host(kinds, NULL);
    int seen = 0;
    ck_assert_uint_eq(mmioExtEnumPlugins(rescanning, &seen), 0);
    ck_assert_int_eq(seen, 3);
}
END_TEST

static void *open_good(void *arg)
{
    char text[64];
    read_name("w.good+x", text, sizeof text);
    *(int *)arg = strcmp(text, "|w.good+x") == 0;
    return NULL;
}

/* A callback that waits for another thread's lookup miss: with callbacks
 * run under the host lock this deadlocked. */
static BOOL CALLBACK waits_for_a_miss(const MMIOPLUGINDESC *d, void *ctx)
{
    (void)d;
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, open_good, ctx), 0);
    pthread_join(th, NULL);
    return FALSE;
}

START_TEST(callback_may_wait_for_a_lookup_miss)
{
    const char *kinds[] = {"good", NULL};
    make_host(kinds, NULL);
    int ok = 0;
    ck_assert_uint_eq(mmioExtEnumPlugins(waits_for_a_miss, &ok), 0);
    ck_assert_int_eq(ok, 1);
}
END_TEST

START_TEST(messages_reach_the_application)
{
    struct said s = {0};
    ck_assert_uint_eq(mmioExtSetMessageCallback(collect, &s), 0);
    make_host(NULL, "colour = blue\n");
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_int_ge(s.n, 1);
    ck_assert_msg(strstr(s.all, "unknown key 'colour'") != NULL, "%s", s.all);
    mmioExtSetMessageCallback(NULL, NULL);
}
END_TEST

Suite *suite_hostile(void)
{
    Suite *s = suite_create("hostile");
    TCase *tc = tcase_create("hostile");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, nested_load_lands_where_each_belongs);
    tcase_add_test(tc, same_plugin_loads_into_several_tasks);
    tcase_add_test(tc, invalid_task_at_open_is_refused);
    tcase_add_test(tc, task_destroyed_during_a_load_fails_the_load);
    tcase_add_test(tc, checker_verdict_cannot_be_forged);
    tcase_add_test(tc, flooding_then_hanging_costs_the_time_limit_only);
    tcase_add_test(tc, plugin_calling_mmio_during_install_spawns_no_checkers);
    tcase_add_test(tc, checked_plugin_sees_no_descriptor_of_the_application);
    tcase_add_test(tc, constructor_abort_is_recorded_not_fatal);
    tcase_add_test(tc, enumeration_survives_a_rescan_in_its_callback);
    tcase_add_test(tc, callback_may_wait_for_a_lookup_miss);
    tcase_add_test(tc, messages_reach_the_application);
    suite_add_tcase(s, tc);
    return s;
}
