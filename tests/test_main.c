/* SPDX-License-Identifier: MIT */
/*
 * The test runner: every suite, or the suites named on the command line, in
 * one run with one Check summary line.
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
#include <string.h>
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
    unsetenv("MMIO_DEBUG"); /* a developer's trace would change messages */
    unsetenv("MMIO_FAULT");
    return 0;
}

/* Every suite, by the name CTest knows it by: tests/CMakeLists.txt reads
 * these lines and registers one CTest test per SUITE(). */
// clang-format off
#define SUITE(name) {#name, suite_##name}
static const struct {
    const char *name;
    Suite *(*make)(void);
} suites[] = {
    SUITE(open),
    SUITE(buffer),
    SUITE(mem),
    SUITE(riff),
    SUITE(registry),
    SUITE(threads),
    SUITE(interop),
    SUITE(plugins),
    SUITE(loader),
    SUITE(hostile),
    SUITE(hostfiles),
    SUITE(unicode),
    SUITE(fidelity),
    SUITE(cli),
    SUITE(zip),
    SUITE(zipread),
    SUITE(sndfile),
    SUITE(gz),
    SUITE(copies),
    SUITE(faults),
    SUITE(nesting),
    SUITE(remote),
    SUITE(s3),
    SUITE(isolate),
};
// clang-format on
#define NSUITES (sizeof suites / sizeof suites[0])

/* What tu_skip() recorded, one "test: reason" a line, printed after Check's
 * summary so a skip is never a silent pass. */
static void report_skips(const char *log)
{
    FILE *f = fopen(log, "r");
    if (!f)
        return;
    char line[1200];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (n++ == 0)
            printf("Skipped (they passed without running all they test):\n");
        printf("  SKIP %s", line);
    }
    fclose(f);
    if (n)
        printf("Skipped: %d\n", n);
}

static int usage(void)
{
    fprintf(stderr, "usage: mmio_tests [--list | SUITE...]\n");
    return EXIT_FAILURE;
}

/* mmio_tests: every suite; mmio_tests NAME...: those suites (an unknown
 * name is an error, never a run of nothing); --list: the names. */
int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < NSUITES; i++)
            printf("%s\n", suites[i].name);
        return EXIT_SUCCESS;
    }
    int chosen[NSUITES] = {0};
    for (int a = 1; a < argc; a++) {
        size_t i = 0;
        while (i < NSUITES && strcmp(suites[i].name, argv[a]) != 0)
            i++;
        if (i == NSUITES) {
            fprintf(stderr, "mmio_tests: no suite named '%s'\n", argv[a]);
            return usage();
        }
        chosen[i] = 1;
    }
    char root[4096];
    if (make_scratch(root, sizeof root) != 0) {
        perror("mmio_tests: cannot make a scratch directory");
        return EXIT_FAILURE;
    }
    char skips[4200];
    snprintf(skips, sizeof skips, "%s/skipped", root);
    setenv("MMIO_TEST_SKIP_LOG", skips, 1);
    SRunner *sr = NULL;
    for (size_t i = 0; i < NSUITES; i++) {
        if (argc > 1 && !chosen[i])
            continue;
        if (!sr)
            sr = srunner_create(suites[i].make());
        else
            srunner_add_suite(sr, suites[i].make());
    }
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    report_skips(skips);
    nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
