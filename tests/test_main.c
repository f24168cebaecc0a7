/* SPDX-License-Identifier: MIT */
/* The test runner: every suite in one run, one Check summary line. */
#include "testutil.h"

#include <stdlib.h>

int main(void)
{
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
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
