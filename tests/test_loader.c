/* SPDX-License-Identifier: MIT */
/* The loader when things go wrong: an install that fails half-way, two
 * installs that need each other from two threads, a current task destroyed
 * by another thread, and a plugin that cannot be loaded now. */
#define _GNU_SOURCE
#include "hostutil.h"
#include "testutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PRT1 mmioFOURCC('P', 'R', 'T', '1')
#define PRT2 mmioFOURCC('P', 'R', 'T', '2')
#define CYCX mmioFOURCC('C', 'Y', 'C', 'X')
#define CYCY mmioFOURCC('C', 'Y', 'C', 'Y')
#define GOOD mmioFOURCC('G', 'O', 'O', 'D')

struct count {
    FOURCC fcc;
    int n;
    int sources_ok; /* every entry's source reads as a name */
};

static BOOL CALLBACK count_entries(const MMIOPROCDESC *d, void *ctx)
{
    struct count *c = ctx;
    if (d->fccIOProc == c->fcc)
        c->n++;
    if (!d->pszSource || strlen(d->pszSource) > 64)
        c->sources_ok = 0;
    return TRUE;
}

static int entries_for(FOURCC fcc)
{
    struct count c = {fcc, 0, 1};
    ck_assert_uint_eq(mmioExtEnumProcs(count_entries, &c), 0);
    ck_assert(c.sources_ok);
    return c.n;
}

/* Reproduced at HEAD: each retried load installed its first half again,
 * and after a forced rescan the entries pointed at the freed plugin name
 * (heap-use-after-free under ASan). */
START_TEST(failed_install_leaves_nothing_installed)
{
    const char *kinds[] = {"partial", NULL};
    make_host(kinds, NULL);
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_uint_eq(plugin("partial").d.uState, MMIO_PLUGIN_AVAILABLE);
    ck_assert_ptr_null(mmioInstallIOProc(PRT1, NULL, MMIO_FINDPROC));
    ck_assert_ptr_null(mmioInstallIOProc(PRT2, NULL, MMIO_FINDPROC));
    ck_assert_ptr_null(mmioInstallIOProc(PRT1, NULL, MMIO_FINDPROC));
    ck_assert_int_eq(entries_for(PRT1), 0);
    ck_assert_int_eq(entries_for(PRT2), 0);
    ck_assert_uint_eq(mmioExtRescan(MMIO_RESCAN_FORCE), 0);
    ck_assert_int_eq(entries_for(PRT1), 0);
}
END_TEST

/* What a plugin installs keeps its source name after the plugin's
 * descriptor was freed by a forced rescan. */
START_TEST(entry_sources_outlive_a_rescan)
{
    const char *kinds[] = {"good", NULL};
    make_host(kinds, NULL);
    ck_assert_ptr_nonnull(mmioInstallIOProc(GOOD, NULL, MMIO_FINDPROC));
    ck_assert_uint_eq(mmioExtRescan(MMIO_RESCAN_FORCE), 0);
    ck_assert_uint_eq(mmioExtRescan(MMIO_RESCAN_FORCE), 0);
    ck_assert_int_eq(entries_for(GOOD), 1);
}
END_TEST

/* Reproduced at HEAD: writing to a name a known plugin claims, when that
 * plugin cannot be installed now, made a plain file of that name. */
START_TEST(unloadable_plugin_never_becomes_a_plain_file)
{
    const char *kinds[] = {"partial", NULL};
    make_host(kinds, NULL);
    char name[600];
    snprintf(name, sizeof name, "%s", tu_path("x.prt1+member"));
    struct said said = {0};
    mmioExtSetMessageCallback(collect, &said);
    MMIOINFO info = {0};
    HMMIO h = mmioOpen(name, &info, MMIO_WRITE | MMIO_CREATE);
    ck_assert_ptr_null(h);
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_CANNOTOPEN);
    struct stat st;
    ck_assert_int_ne(stat(name, &st), 0);
    ck_assert_msg(strstr(said.all, "partial") && strstr(said.all, "PRT1"), "%s",
                  said.all);
    /* and for reading: not "file not found" from the DOS procedure */
    memset(&info, 0, sizeof info);
    ck_assert_ptr_null(mmioOpen(name, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_CANNOTOPEN);
    mmioExtSetMessageCallback(NULL, NULL);
}
END_TEST

struct finder {
    FOURCC fcc;
    int done;
};

static void *find_in_thread(void *arg)
{
    struct finder *f = arg;
    (void)mmioInstallIOProc(f->fcc, NULL, MMIO_FINDPROC);
    __atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* Reproduced at HEAD: X's install looks up Y's FOURCC while another
 * thread's Y install looks up X's: both waited forever. */
START_TEST(installs_needing_each_other_do_not_deadlock)
{
    const char *kinds[] = {"cyclex", "cycley", NULL};
    make_host(kinds, NULL);
    ck_assert_uint_eq(mmioExtScan(), 0);
    ck_assert_uint_eq(plugin("cyclex").d.uState, MMIO_PLUGIN_AVAILABLE);
    ck_assert_uint_eq(plugin("cycley").d.uState, MMIO_PLUGIN_AVAILABLE);
    char dir[600];
    snprintf(dir, sizeof dir, "%s", tu_path("rendezvous"));
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    setenv("FIXTURE_RENDEZVOUS", dir, 1);
    struct finder fx = {CYCX, 0}, fy = {CYCY, 0};
    pthread_t tx, ty;
    ck_assert_int_eq(pthread_create(&tx, NULL, find_in_thread, &fx), 0);
    ck_assert_int_eq(pthread_create(&ty, NULL, find_in_thread, &fy), 0);
    struct timespec limit;
    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += 20;
    /* a deadlock fails here (the test process is then killed whole) */
    ck_assert_int_eq(pthread_timedjoin_np(tx, NULL, &limit), 0);
    ck_assert_int_eq(pthread_timedjoin_np(ty, NULL, &limit), 0);
    ck_assert(fx.done && fy.done);
    /* both met inside each other's install, and both ended installed */
    char marker[700];
    snprintf(marker, sizeof marker, "%s/CYCX", dir);
    ck_assert_int_eq(access(marker, F_OK), 0);
    snprintf(marker, sizeof marker, "%s/CYCY", dir);
    ck_assert_int_eq(access(marker, F_OK), 0);
    ck_assert_ptr_nonnull(mmioInstallIOProc(CYCX, NULL, MMIO_FINDPROC));
    ck_assert_ptr_nonnull(mmioInstallIOProc(CYCY, NULL, MMIO_FINDPROC));
    unsetenv("FIXTURE_RENDEZVOUS");
}
END_TEST

struct destroy_ctx {
    HTASK task;
    MMRESULT load_rc;
    LPMMIOPROC installed;
    UINT open_err;
};

static void *act_for_destroyed(void *arg)
{
    struct destroy_ctx *c = arg;
    char path[700];
    snprintf(path, sizeof path, "%s/good.so", plugdir);
    mmioExtTaskSetCurrent(c->task);
    c->load_rc = mmioExtLoadPlugin(path, 0);
    c->installed = mmioInstallIOProc(mmioFOURCC('T', 'S', 'K', 'D'), tu_proc,
                                     MMIO_INSTALLPROC);
    MMIOINFO info = {0};
    HMMIO h = mmioOpen((LPSTR) "x.good+y", &info, MMIO_READ);
    if (h)
        mmioClose(h, 0);
    c->open_err = h ? 0 : info.wErrorRet;
    return NULL;
}

/* Reproduced at HEAD: a thread whose current task was destroyed loaded
 * into the default task and said 0. */
START_TEST(destroyed_current_task_is_not_replaced)
{
    const char *kinds[] = {"good", NULL};
    make_host(kinds, NULL);
    struct destroy_ctx c = {0};
    c.task = mmioExtTaskCreate();
    ck_assert_ptr_nonnull(c.task);
    ck_assert_uint_eq(mmioExtTaskDestroy(c.task), 0);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, act_for_destroyed, &c), 0);
    pthread_join(t, NULL);
    ck_assert_uint_eq(c.load_rc, MMSYSERR_INVALHANDLE);
    ck_assert_ptr_null(c.installed);
    ck_assert_uint_eq(c.open_err, MMSYSERR_INVALHANDLE);
    /* nothing landed in the default task */
    ck_assert_int_eq(entries_for(GOOD), 0);
    ck_assert_int_eq(entries_for(mmioFOURCC('T', 'S', 'K', 'D')), 0);
}
END_TEST

/* A new task that reuses a destroyed task's memory is another task. */
START_TEST(recycled_task_memory_is_another_task)
{
    HTASK old = mmioExtTaskCreate();
    ck_assert_ptr_nonnull(old);
    ck_assert_uint_eq(mmioExtTaskDestroy(old), 0);
    int reused_handle = 0;
    for (int i = 0; i < 64; i++) {
        HTASK t = mmioExtTaskCreate();
        ck_assert_ptr_nonnull(t);
        reused_handle |= t == old;
        ck_assert_uint_eq(mmioExtTaskDestroy(t), 0);
    }
    ck_assert(!reused_handle);
    HTASK fresh = mmioExtTaskCreate();
    MMIOINFO info = {0};
    info.htask = old;
    ck_assert_ptr_null(mmioOpen((LPSTR) "nothing.txt", &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMSYSERR_INVALHANDLE);
    ck_assert_uint_eq(mmioExtTaskDestroy(old), MMSYSERR_INVALHANDLE);
    mmioExtTaskSetCurrent(old);
    ck_assert_ptr_null(mmioInstallIOProc(mmioFOURCC('R', 'C', 'Y', 'C'),
                                         tu_proc, MMIO_INSTALLPROC));
    mmioExtTaskSetCurrent(NULL);
    ck_assert_uint_eq(mmioExtTaskDestroy(fresh), 0);
}
END_TEST

Suite *suite_loader(void)
{
    Suite *s = suite_create("loader");
    TCase *tc = tcase_create("loader");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, failed_install_leaves_nothing_installed);
    tcase_add_test(tc, entry_sources_outlive_a_rescan);
    tcase_add_test(tc, unloadable_plugin_never_becomes_a_plain_file);
    tcase_add_test(tc, installs_needing_each_other_do_not_deadlock);
    tcase_add_test(tc, destroyed_current_task_is_not_replaced);
    tcase_add_test(tc, recycled_task_memory_is_another_task);
    suite_add_tcase(s, tc);
    return s;
}
