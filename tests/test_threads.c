/* SPDX-License-Identifier: MIT */
/* Many threads on different handles; installs while others open. */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define THREADS 8
#define ROUNDS 300

static _Atomic int failures;
static _Atomic int opened_through_thr; /* MMIOM_OPENs thr_proc answered */
static _Atomic int opens_that_worked;  /* mmioOpen("x.thr+y") not NULL */

/* Thread-safe: keeps no state but a counter. */
static LRESULT CALLBACK thr_proc(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    (void)info;
    (void)a;
    (void)b;
    if (msg == MMIOM_OPEN)
        opened_through_thr++;
    return 0;
}
static _Atomic int stop;

static void *opener(void *arg)
{
    const char *path = arg;
    for (int r = 0; r < ROUNDS; r++) {
        char name[512];
        snprintf(name, sizeof name, "%s", path);
        HMMIO h = mmioOpen(name, NULL, MMIO_READ | MMIO_ALLOCBUF);
        char b[64];
        if (!h || mmioRead(h, b, 64) != 64 || b[63] != 63 ||
            mmioClose(h, 0) != 0 || mmioClose(h, 0) != MMSYSERR_INVALHANDLE)
            failures++;
        /* a procedure some other thread installs and removes */
        h = mmioOpen((LPSTR) "x.thr+y", NULL, MMIO_READ);
        if (h) {
            opens_that_worked++;
            if (mmioClose(h, 0) != 0)
                failures++;
        }
    }
    return NULL;
}

static void *installer(void *arg)
{
    (void)arg;
    const FOURCC thr = mmioFOURCC('T', 'H', 'R', ' ');
    while (!stop) {
        mmioInstallIOProc(thr, thr_proc, MMIO_INSTALLPROC);
        mmioInstallIOProc(mmioFOURCC('O', 'T', 'H', 'R'), thr_proc,
                          MMIO_INSTALLPROC | MMIO_GLOBALPROC);
        mmioInstallIOProc(thr, NULL, MMIO_FINDPROC);
        /* fails while an opener holds it open; that's fine */
        mmioInstallIOProc(thr, NULL, MMIO_REMOVEPROC);
        mmioInstallIOProc(mmioFOURCC('O', 'T', 'H', 'R'), NULL,
                          MMIO_REMOVEPROC);
    }
    return NULL;
}

START_TEST(threads_open_read_close_while_installing)
{
    char paths[THREADS][512];
    pthread_t t[THREADS], inst;
    for (int i = 0; i < THREADS; i++) {
        char leaf[16];
        snprintf(leaf, sizeof leaf, "f%d", i);
        snprintf(paths[i], sizeof paths[i], "%s", tu_path(leaf));
        tu_pattern_file(paths[i], 100);
    }
    ck_assert_int_eq(pthread_create(&inst, NULL, installer, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, opener, paths[i]), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    stop = 1;
    pthread_join(inst, NULL);
    ck_assert_int_eq(failures, 0);
    /* every open that worked went through thr_proc, and nothing else did */
    ck_assert_int_eq(opened_through_thr, opens_that_worked);
    /* and the procedure still serves once installed */
    const FOURCC thr = mmioFOURCC('T', 'H', 'R', ' ');
    ck_assert_ptr_eq(mmioInstallIOProc(thr, thr_proc, MMIO_INSTALLPROC),
                     thr_proc);
    int before = opened_through_thr;
    HMMIO h = mmioOpen((LPSTR) "x.thr+y", NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(opened_through_thr, before + 1);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
}
END_TEST

Suite *suite_threads(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, threads_open_read_close_while_installing);
    suite_add_tcase(s, tc);
    return s;
}
