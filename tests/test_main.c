/* SPDX-License-Identifier: MIT */
/*
 * The test runner: every suite in one run, one Check summary line.
 *
 * Hermetic: the run and every process it starts get a scratch HOME, XDG
 * directories and TMPDIR inside one directory made here, no MMIO_CONFIG and
 * no MMIO_PLUGIN_PATH, so nothing reads or writes the user's cache, state or
 * configuration; that directory is removed when the run ends, so nothing is
 * left in the caller's TMPDIR.
 */
#define _GNU_SOURCE
#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path); /* what cannot be removed is left; the rest goes */
    return 0;
}

/* A scratch root with home/, tmp/ and the XDG directories in it. */
static int make_scratch(char *root, size_t cap)
{
    const char *base = getenv("TMPDIR");
    snprintf(root, cap, "%s/mmio-suite.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(root))
        return -1;
    static const char *const dirs[][2] = {{"HOME", "home"},
                                          {"TMPDIR", "tmp"},
                                          {"XDG_CACHE_HOME", "cache"},
                                          {"XDG_STATE_HOME", "state"},
                                          {"XDG_CONFIG_HOME", "config"},
                                          {"XDG_DATA_HOME", "data"},
                                          {"XDG_RUNTIME_DIR", "run"}};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", root, dirs[i][1]);
        if (mkdir(path, 0700) != 0 || setenv(dirs[i][0], path, 1) != 0)
            return -1;
    }
    unsetenv("MMIO_CONFIG");
    unsetenv("MMIO_PLUGIN_PATH");
    unsetenv("MMIO_SCANNER");
    return 0;
}

int main(void)
{
    char root[4096];
    if (make_scratch(root, sizeof root) != 0) {
        perror("mmio_tests: cannot make a scratch directory");
        return EXIT_FAILURE;
    }
    SRunner *sr = srunner_create(suite_open());
    srunner_add_suite(sr, suite_buffer());
    srunner_add_suite(sr, suite_mem());
    srunner_add_suite(sr, suite_riff());
    srunner_add_suite(sr, suite_registry());
    srunner_add_suite(sr, suite_threads());
    srunner_add_suite(sr, suite_interop());
    srunner_add_suite(sr, suite_plugins());
    srunner_add_suite(sr, suite_loader());
    srunner_add_suite(sr, suite_hostile());
    srunner_add_suite(sr, suite_hostfiles());
    srunner_add_suite(sr, suite_unicode());
    srunner_add_suite(sr, suite_fidelity());
    srunner_add_suite(sr, suite_cli());
    srunner_add_suite(sr, suite_zip());
    srunner_add_suite(sr, suite_zipread());
    srunner_add_suite(sr, suite_sndfile());
    srunner_add_suite(sr, suite_gz());
    srunner_add_suite(sr, suite_copies());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
