/* SPDX-License-Identifier: MIT */
/*
 * Every failing system call and allocation, one at a time (the fault seam,
 * host/util/fault.h): for each kind of call and each N, the Nth call of
 * that kind fails during an operation that writes the registry state, the
 * scan cache or reads the configuration.  The operation must then either
 * say so (an error) and leave the files as they were, or succeed with
 * exactly what a run without the fault gives.  The loop ends when an
 * armed N is never reached (the operation made fewer calls).
 */
#define _GNU_SOURCE
#include "hostutil.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef MMIO_FAULTS
#include "fault.h"

static const char *const kinds[] = {"open",   "read",    "write",
                                    "fsync",  "rename",  "malloc",
                                    "calloc", "realloc", "strdup"};
#define NKINDS (sizeof kinds / sizeof kinds[0])
#define MAX_N 400 /* no operation here makes more calls of one kind */

static void CALLBACK quiet(LPCSTR msg, void *ctx)
{
    (void)msg, (void)ctx; /* the faults make many messages; they are meant */
}

/* The file's bytes (malloc'd, "" when it does not exist). */
static char *bytes_of(const char *path)
{
    long n;
    char *s = access(path, F_OK) == 0 ? tu_slurp(path, &n) : strdup("");
    ck_assert_ptr_nonnull(s);
    return s;
}

static const char *in_host(const char *leaf)
{
    static char path[4][800];
    static int k;
    char *out = path[k++ % 4];
    snprintf(out, sizeof path[0], "%.*s/%s", (int)(strrchr(conf, '/') - conf),
             conf, leaf);
    return out;
}

/* The plugins the library lists, "name=state;..." in enumeration order. */
static BOOL CALLBACK describe(const MMIOPLUGINDESC *d, void *ctx)
{
    char *out = ctx;
    size_t len = strlen(out);
    snprintf(out + len, 2048 - len, "%s=%u;", d->pszName ? d->pszName : "?",
             (unsigned)d->uState);
    return TRUE;
}

static void listing(char out[2048])
{
    out[0] = '\0';
    ck_assert_uint_eq(mmioExtEnumPlugins(describe, out), 0);
}

/* ---- the registry state: install and remove system-wide ---------------- */
START_TEST(state_file_is_whole_after_every_fault)
{
    const char *plugins[] = {"good", NULL};
    make_host(plugins, NULL);
    mmioExtSetMessageCallback(quiet, NULL);
    char so[700], err[600];
    snprintf(so, sizeof so, "%s/good2.so", FIXTURE_DIR);
    const char *state = in_host("state/machine.state");
    /* what the state holds without a fault, before and after */
    ck_assert_uint_eq(mmioExtInstallSystemWide(so, err, sizeof err), 0);
    char *with = bytes_of(state);
    ck_assert_uint_eq(mmioExtRemoveSystemWide("good2", err, sizeof err), 0);
    char *without = bytes_of(state);
    ck_assert_str_ne(with, without);
    int faults = 0;
    for (size_t k = 0; k < NKINDS; k++) {
        for (long n = 1; n <= MAX_N; n++) {
            char spec[64];
            snprintf(spec, sizeof spec, "%s:%ld", kinds[k], n);
            ck_assert_int_eq(mmio_fault_arm(spec), 0);
            MMRESULT rc = mmioExtInstallSystemWide(so, err, sizeof err);
            long fired = mmio_fault_fired();
            mmio_fault_arm(NULL);
            char *now = bytes_of(state);
            if (!fired) {
                ck_assert_uint_eq(rc, 0);
                ck_assert_str_eq(now, with);
                free(now);
                break;
            }
            faults++;
            if (rc != 0) {
                ck_assert_msg(strcmp(now, without) == 0,
                              "%s: failed (%u: %s) and changed the state:\n%s",
                              spec, rc, err, now);
                ck_assert_msg(err[0] != '\0', "%s: an error, no text", spec);
            } else {
                ck_assert_msg(strcmp(now, with) == 0,
                              "%s: succeeded with another state:\n%s", spec,
                              now);
                ck_assert_uint_eq(
                    mmioExtRemoveSystemWide("good2", err, sizeof err), 0);
            }
            free(now);
            ck_assert_int_lt(n, MAX_N);
        }
        /* after every fault the library still works */
        ck_assert_uint_eq(mmioExtRemoveSystemWide("good2", err, sizeof err), 0);
        char *back = bytes_of(state);
        ck_assert_str_eq(back, without);
        free(back);
    }
    ck_assert_int_gt(faults, NKINDS);
    free(with);
    free(without);
}
END_TEST

/* Whether every line of part is a line of whole. */
static int lines_within(const char *part, const char *whole)
{
    for (const char *l = part; *l;) {
        const char *end = strchr(l, '\n');
        size_t n = end ? (size_t)(end - l + 1) : strlen(l);
        int found = 0;
        for (const char *w = whole; *w && !found;) {
            const char *wend = strchr(w, '\n');
            size_t m = wend ? (size_t)(wend - w + 1) : strlen(w);
            found = m == n && memcmp(w, l, n) == 0;
            w += m;
        }
        if (!found)
            return 0;
        l += n;
    }
    return 1;
}

/* ---- the scan cache and the plugin list: a forced rescan -------------- */
START_TEST(cache_and_list_are_whole_after_every_fault)
{
    const char *plugins[] = {"good", "good2", "segv", NULL};
    make_host(plugins, NULL);
    mmioExtSetMessageCallback(quiet, NULL);
    ck_assert_uint_eq(mmioExtRescan(MMIO_RESCAN_FORCE), 0);
    const char *cache = in_host("cache/scan.cache");
    char *before = bytes_of(cache);
    char want[2048];
    listing(want);
    ck_assert_ptr_nonnull(strstr(want, "good2=1;"));
    int faults = 0;
    for (size_t k = 0; k < NKINDS; k++) {
        for (long n = 1; n <= MAX_N; n++) {
            char spec[64];
            snprintf(spec, sizeof spec, "%s:%ld", kinds[k], n);
            ck_assert_int_eq(mmio_fault_arm(spec), 0);
            MMRESULT rc = mmioExtRescan(MMIO_RESCAN_FORCE);
            long fired = mmio_fault_fired();
            mmio_fault_arm(NULL);
            /* nothing changed on disk, so whatever the cache holds now is
             * what it held: an entry may be missing (checked again next
             * time), none may be new, partial or wrong */
            char *now = bytes_of(cache);
            ck_assert_msg(lines_within(now, before),
                          "%s: the cache is now:\n%s", spec, now);
            free(now);
            if (!fired) {
                ck_assert_uint_eq(rc, 0);
                break;
            }
            faults++;
            /* whatever the rescan said, the next one restores the list */
            char got[2048];
            if (rc == 0) {
                listing(got);
                ck_assert_msg(strcmp(got, want) == 0,
                              "%s: succeeded, listing %s, not %s", spec, got,
                              want);
            }
            ck_assert_uint_eq(mmioExtRescan(MMIO_RESCAN_FORCE), 0);
            listing(got);
            ck_assert_str_eq(got, want);
            ck_assert_int_lt(n, MAX_N);
        }
    }
    ck_assert_int_gt(faults, NKINDS);
    free(before);
}
END_TEST

/* ---- the configuration: plugins.conf with every kind of line ---------- */
START_TEST(configuration_is_whole_or_refused_after_every_fault)
{
    const char *plugins[] = {"good", "good2", NULL};
    make_host(plugins, "[plugin good]\noptions = a=1 b=2\n"
                       "[plugin good2]\nenabled = no\n"
                       "[route ALT]\nplugin = good\noptions = alt-opts\n");
    mmioExtSetMessageCallback(quiet, NULL);
    ck_assert_uint_eq(mmioExtScan(), 0);
    char want[2048];
    listing(want);
    ck_assert_ptr_nonnull(strstr(want, "good2=5;")); /* disabled */
    int faults = 0;
    for (size_t k = 0; k < NKINDS; k++) {
        for (long n = 1; n <= MAX_N; n++) {
            char spec[64];
            snprintf(spec, sizeof spec, "%s:%ld", kinds[k], n);
            ck_assert_int_eq(mmio_fault_arm(spec), 0);
            MMRESULT rc = mmioExtConfigure(conf);
            if (rc == 0)
                rc = mmioExtScan();
            long fired = mmio_fault_fired();
            mmio_fault_arm(NULL);
            char got[2048];
            if (!fired) {
                ck_assert_uint_eq(rc, 0);
                listing(got);
                ck_assert_str_eq(got, want);
                break;
            }
            faults++;
            if (rc == 0) {
                /* taken: then all of it, never a line quietly dropped */
                listing(got);
                ck_assert_msg(strcmp(got, want) == 0,
                              "%s: configured as %s, not %s", spec, got, want);
            }
            ck_assert_uint_eq(mmioExtConfigure(conf), 0);
            ck_assert_uint_eq(mmioExtScan(), 0);
            ck_assert_int_lt(n, MAX_N);
        }
    }
    ck_assert_int_gt(faults, NKINDS);
}
END_TEST

/* The configuration cannot be read when a container is first opened for
 * writing: the open fails; it never falls back to the DOS procedure, which
 * would make a plain file of the container's name. */
START_TEST(unreadable_configuration_never_falls_back_to_dos)
{
    use_bundled_plugins();
    mmioExtSetMessageCallback(quiet, NULL);
    char cfg[700], name[700], plain[700];
    snprintf(cfg, sizeof cfg, "%s", tu_path("bundled.conf"));
    snprintf(plain, sizeof plain, "%s", tu_path("w.zip+x.txt"));
    snprintf(name, sizeof name, "%s", plain);
    const char *kinds_of_failure[] = {"open:1", "read:1", "malloc:1+"};
    for (size_t k = 0; k < 3; k++) {
        ck_assert_uint_eq(mmioExtConfigure(cfg), 0); /* read afresh */
        ck_assert_int_eq(mmio_fault_arm(kinds_of_failure[k]), 0);
        MMIOINFO info = {0};
        HMMIO h = mmioOpen(name, &info, MMIO_CREATE | MMIO_WRITE);
        long fired = mmio_fault_fired();
        mmio_fault_arm(NULL);
        ck_assert_int_gt(fired, 0);
        ck_assert_msg(h == NULL, "%s: opened", kinds_of_failure[k]);
        ck_assert_uint_ne(info.wErrorRet, 0);
        ck_assert_msg(access(plain, F_OK) != 0, "%s: made a plain file",
                      kinds_of_failure[k]);
    }
    /* once it reads, the archive is made */
    ck_assert_uint_eq(mmioExtConfigure(cfg), 0);
    HMMIO h = mmioOpen(name, NULL, MMIO_CREATE | MMIO_WRITE);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioWrite(h, "x", 1), 1);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    ck_assert_int_eq(
        tu_shell("unzip -p '%s' x.txt | grep -qx x", tu_path("w.zip")), 0);
}
END_TEST

/* ---- the plugins: every failing system call of a whole mmiohost cp ---- */

/* Runs `mmiohost cp FROM TO` with the Nth call of kind failing (0: none):
 * its exit status; the calls it made and the faults fired in *calls and
 * *fired. */
static int cp_with_fault(const char *cfg, const char *from, const char *to,
                         const char *kind, long n, long *calls, long *fired)
{
    char report[700], out[4096];
    snprintf(report, sizeof report, "%s/report", tu_path("calls"));
    unlink(report);
    int rc = tu_capture(out, sizeof out,
                        "FAILCALL_PROGRAM=mmiohost FAILCALL='%s:%ld' "
                        "FAILCALL_REPORT='%s' LD_PRELOAD='%s/failcall.so' "
                        "ASAN_OPTIONS=verify_asan_link_order=0 "
                        "'%s' --config '%s' cp '%s' '%s' 2>&1",
                        kind, n, report, FIXTURE_DIR, MMIOHOST, cfg, from, to);
    *calls = *fired = -1;
    long len;
    char *text = access(report, F_OK) == 0 ? tu_slurp(report, &len) : NULL;
    if (text) {
        char *end;
        *calls = strtol(text, &end, 10);
        *fired = strtol(end, NULL, 10);
        free(text);
    }
    return rc;
}

/* For every call kind and every N: the copy says it failed and the target
 * is what it was (byte for byte, or as the shell command `same` judges:
 * an archive may be rewritten with the same members), or it says it
 * succeeded and the shell command `good` accepts the target; no temporary
 * is left beside it. */
static void every_fault_of_a_copy(const char *from, const char *to,
                                  const char *target, const char *good,
                                  const char *same)
{
    static const char *const calls[] = {"write",  "pwrite",         "fsync",
                                        "rename", "linkat",         "read",
                                        "pread",  "copy_file_range"};
    char cfg[700], dir[700];
    snprintf(cfg, sizeof cfg, "%s", tu_path("bundled.conf"));
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    long size;
    char *before = tu_slurp(target, &size);
    int failures = 0;
    for (size_t k = 0; k < sizeof calls / sizeof calls[0]; k++) {
        long total, fired;
        ck_assert_int_eq(
            cp_with_fault(cfg, from, to, calls[k], 0, &total, &fired), 0);
        ck_assert_int_ge(total, 0);             /* the interposer ran */
        tu_write(target, before, (size_t)size); /* as it was */
        for (long n = 1;; n++) {
            long c;
            int rc = cp_with_fault(cfg, from, to, calls[k], n, &c, &fired);
            ck_assert_int_ge(fired, 0);
            if (fired == 0) { /* fewer calls this time: the copy is done */
                ck_assert_int_eq(rc, 0);
                ck_assert_msg(tu_shell("%s", good) == 0, "%s", good);
                tu_write(target, before, (size_t)size);
                break;
            }
            ck_assert_int_lt(n, 5000);
            long now_size;
            char *now = tu_slurp(target, &now_size);
            if (rc != 0) {
                failures++;
                int kept = same ? tu_shell("%s", same) == 0
                                : now_size == size &&
                                      memcmp(now, before, (size_t)size) == 0;
                ck_assert_msg(kept, "%s:%ld failed and changed %s", calls[k], n,
                              target);
                tu_write(target, before, (size_t)size);
            } else {
                ck_assert_msg(tu_shell("%s", good) == 0,
                              "%s:%ld said it copied, but: %s", calls[k], n,
                              good);
                tu_write(target, before, (size_t)size);
            }
            free(now);
            ck_assert_msg(tu_dir_count(dir, ".mmio") == 0 &&
                              tu_dir_count(dir, "mmiotmp") == 0,
                          "%s:%ld left a temporary behind", calls[k], n);
        }
    }
    ck_assert_int_gt(failures, 3); /* faults were met, and said */
    free(before);
}

START_TEST(plugin_writes_survive_every_failing_call)
{
    use_bundled_plugins();
    mmioExtSetMessageCallback(quiet, NULL);
    char dir[700], from[800], to[800], target[800], good[2000];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    ck_assert_int_eq(
        tu_shell("cd '%s' && seq 1 4000 > src.txt && echo old > m.txt && "
                 "zip -q a.zip m.txt && echo old | gzip > x.txt.gz && "
                 "sox -n -r 8000 -c 1 -b 16 t.wav synth 0.3 sine 300 "
                 "2>/dev/null && sox -n -r 8000 -c 1 -b 16 x.flac synth 0.1 "
                 "sine 200 2>/dev/null && mkdir calls",
                 dir),
        0);
    /* a member of a ZIP */
    snprintf(from, sizeof from, "%ssrc.txt", dir);
    snprintf(to, sizeof to, "%sa.zip+new.txt", dir);
    snprintf(target, sizeof target, "%sa.zip", dir);
    snprintf(good, sizeof good,
             "cd '%s' && unzip -p a.zip new.txt | cmp -s - src.txt && "
             "unzip -p a.zip m.txt | grep -qx old",
             dir);
    char same[1000];
    snprintf(same, sizeof same,
             "cd '%s' && unzip -tq a.zip >/dev/null && test \"$(unzip -Z1 "
             "a.zip)\" = m.txt && unzip -p a.zip m.txt | grep -qx old",
             dir);
    every_fault_of_a_copy(from, to, target, good, same);
    /* a gzip stream */
    snprintf(to, sizeof to, "%sx.txt.gz+", dir);
    snprintf(target, sizeof target, "%sx.txt.gz", dir);
    snprintf(good, sizeof good,
             "cd '%s' && gzip -dc x.txt.gz | cmp -s - src.txt", dir);
    every_fault_of_a_copy(from, to, target, good, NULL);
    /* a FLAC file */
    snprintf(from, sizeof from, "%st.wav", dir);
    snprintf(to, sizeof to, "%sx.flac+", dir);
    snprintf(target, sizeof target, "%sx.flac", dir);
    snprintf(good, sizeof good,
             "cd '%s' && flac -s -t x.flac && sox x.flac -t raw a.raw && sox "
             "t.wav -t raw b.raw && cmp -s a.raw b.raw && rm a.raw b.raw",
             dir);
    every_fault_of_a_copy(from, to, target, good, NULL);
    /* a gzip stream inside the ZIP */
    snprintf(to, sizeof to, "%sa.zip+t.wav.gz+", dir);
    snprintf(target, sizeof target, "%sa.zip", dir);
    snprintf(good, sizeof good,
             "cd '%s' && unzip -p a.zip t.wav.gz | gzip -dc | cmp -s - t.wav",
             dir);
    every_fault_of_a_copy(from, to, target, good, same);
}
END_TEST

START_TEST(seam_counts_and_fails_what_it_is_told)
{
    ck_assert_int_eq(mmio_fault_arm("nosuch:1"), -1);
    ck_assert_int_eq(mmio_fault_arm("open:0"), -1);
    ck_assert_int_eq(mmio_fault_arm("open:1:EBOGUS"), -1);
    ck_assert_int_eq(mmio_fault_calls("nosuch"), -1);
    char path[600];
    snprintf(path, sizeof path, "%s", tu_path("f.bin"));
    tu_pattern_file(path, 100);
    /* the second open fails with EACCES, the third works again */
    ck_assert_int_eq(mmio_fault_arm("open:2:EACCES"), 0);
    MMIOINFO info = {0};
    HMMIO h = mmioOpen(path, &info, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    mmioClose(h, 0);
    ck_assert_ptr_null(mmioOpen(path, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_ACCESSDENIED);
    h = mmioOpen(path, &info, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    mmioClose(h, 0);
    ck_assert_int_eq(mmio_fault_calls("open"), 3);
    ck_assert_int_eq(mmio_fault_fired(), 1);
    /* "+": every read from the first on fails */
    ck_assert_int_eq(mmio_fault_arm("read:1+"), 0);
    h = mmioOpen(path, NULL, MMIO_READ);
    char b[10];
    ck_assert_int_eq(mmioRead(h, b, 10), -1);
    ck_assert_int_eq(mmioRead(h, b, 10), -1);
    mmio_fault_arm(NULL);
    ck_assert_int_eq(mmioRead(h, b, 10), 10);
    mmioClose(h, 0);
}
END_TEST
#else
START_TEST(seam_counts_and_fails_what_it_is_told)
{
    TU_SKIP("not a fault build (cmake -DMMIO_FAULTS=ON): no fault tests ran");
}
END_TEST
#endif

Suite *suite_faults(void)
{
    Suite *s = suite_create("faults");
    TCase *tc = tcase_create("faults");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, seam_counts_and_fails_what_it_is_told);
#ifdef MMIO_FAULTS
    tcase_add_test(tc, state_file_is_whole_after_every_fault);
    tcase_add_test(tc, cache_and_list_are_whole_after_every_fault);
    tcase_add_test(tc, configuration_is_whole_or_refused_after_every_fault);
    tcase_add_test(tc, unreadable_configuration_never_falls_back_to_dos);
    tcase_add_test(tc, plugin_writes_survive_every_failing_call);
#endif
    suite_add_tcase(s, tc);
    return s;
}
