/* SPDX-License-Identifier: MIT */
/* mmiohost never lies: errors in words, refused self-copies, riff that says
 * what is wrong (in JSON too), output errors, options anywhere. */
#define _GNU_SOURCE
#include "hostutil.h"
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Runs mmiohost ARGS with no configuration of the tests; status and the
 * combined output. */
static int host(const char *args, char *out, size_t cap)
{
    return tu_capture(out, cap, "'%s' %s 2>&1", MMIOHOST, args);
}

static int json_ok(const char *args, const char *check)
{
    return tu_shell("'%s' %s 2>/dev/null | python3 -c \"import json,sys; "
                    "d=json.load(sys.stdin); sys.exit(0 if (%s) else 1)\"",
                    MMIOHOST, args, check) == 0;
}

START_TEST(error_texts_cover_every_code)
{
    char text[64];
    ck_assert_uint_eq(mmioExtErrorText(MMIOERR_FILENOTFOUND, text, 64), 0);
    ck_assert_str_eq(text, "file not found");
    ck_assert_uint_eq(mmioExtErrorText(MMIOERR_INVALIDFILE, text, 64), 0);
    ck_assert_str_eq(text, "invalid file");
    ck_assert_uint_eq(mmioExtErrorText(MMSYSERR_INVALHANDLE, text, 64), 0);
    ck_assert_str_eq(text, "invalid handle");
    for (UINT c = 0; c <= 21; c++)
        ck_assert_uint_eq(mmioExtErrorText(c, text, 64), 0);
    for (UINT c = 257; c <= 272; c++)
        ck_assert_uint_eq(mmioExtErrorText(c, text, 64), 0);
    ck_assert_uint_eq(mmioExtErrorText(999, text, 64), MMSYSERR_BADERRNUM);
    ck_assert_str_eq(text, "unknown error 999");
    ck_assert_uint_eq(mmioExtErrorText(MMIOERR_FILENOTFOUND, text, 5), 0);
    ck_assert_str_eq(text, "file"); /* truncated, terminated */
}
END_TEST

START_TEST(messages_are_in_words)
{
    char out[4096];
    ck_assert_int_eq(host("cat /nonexistent/a.wav", out, sizeof out), 1);
    ck_assert_msg(strstr(out, "cannot open /nonexistent/a.wav: file not found"),
                  "%s", out);
    ck_assert_ptr_null(strstr(out, "error 257"));
}
END_TEST

START_TEST(cp_refuses_a_file_onto_itself)
{
    char out[4096], args[2000], wav[600], same[700];
    snprintf(wav, sizeof wav, "%s", tu_path("a.wav"));
    snprintf(args, sizeof args, "tone '%s' 0.05", wav);
    ck_assert_int_eq(host(args, out, sizeof out), 0);
    long size = tu_size(wav);
    ck_assert_int_gt(size, 44);
    snprintf(args, sizeof args, "cp '%s' '%s'", wav, wav);
    ck_assert_int_eq(host(args, out, sizeof out), 1);
    ck_assert_msg(strstr(out, "same file"), "%s", out);
    snprintf(same, sizeof same, "%s", wav);
    char *slash = strrchr(same, '/');
    memmove(slash + 2, slash, strlen(slash) + 1);
    slash[0] = '/';
    slash[1] = '.'; /* dir/./a.wav */
    snprintf(args, sizeof args, "cp '%s' '%s'", wav, same);
    ck_assert_int_eq(host(args, out, sizeof out), 1);
    ck_assert_int_eq(tu_size(wav), size); /* not emptied */
    /* a failed copy leaves the old destination whole */
    char dst[600];
    snprintf(dst, sizeof dst, "%s", tu_path("dst.bin"));
    tu_write(dst, "old contents", 12);
    snprintf(args, sizeof args, "cp /nonexistent '%s'", dst);
    ck_assert_int_eq(host(args, out, sizeof out), 1);
    ck_assert_int_eq(tu_size(dst), 12);
    snprintf(args, sizeof args, "cp '%s' '%s'", wav, dst);
    ck_assert_int_eq(host(args, out, sizeof out), 0);
    ck_assert_int_eq(tu_size(dst), size);
}
END_TEST

START_TEST(riff_says_what_is_wrong)
{
    char out[4096], args[2000], wav[600], bad[600];
    snprintf(wav, sizeof wav, "%s", tu_path("t.wav"));
    snprintf(args, sizeof args, "tone '%s' 0.05", wav);
    ck_assert_int_eq(host(args, out, sizeof out), 0);
    /* not RIFF */
    snprintf(bad, sizeof bad, "%s", tu_path("text.txt"));
    tu_write(bad, "just some text, no chunks at all", 32);
    snprintf(args, sizeof args, "riff '%s'", bad);
    ck_assert_int_eq(host(args, out, sizeof out), 1);
    ck_assert_msg(strstr(out, "not a RIFF file"), "%s", out);
    snprintf(args, sizeof args, "--json riff '%s'", bad);
    ck_assert(json_ok(args, "d['error'].startswith('not a RIFF') and "
                            "d['chunks']==[]"));
    /* truncated data */
    char head[100];
    ck_assert_uint_eq(tu_read(wav, head, sizeof head), sizeof head);
    snprintf(bad, sizeof bad, "%s", tu_path("cut.wav"));
    tu_write(bad, head, sizeof head);
    snprintf(args, sizeof args, "riff '%s'", bad);
    ck_assert_int_eq(host(args, out, sizeof out), 1);
    ck_assert_msg(strstr(out, "chunk 'data'") && strstr(out, "truncated"), "%s",
                  out);
    snprintf(args, sizeof args, "riff '%s' --json", bad); /* option after */
    ck_assert(json_ok(args, "'data' in d['error'] and "
                            "d['chunks'][0]['id']=='RIFF'"));
    /* RF64 */
    tu_write(bad, "RF64\xff\xff\xff\xffWAVEds64", 16);
    snprintf(args, sizeof args, "riff '%s'", bad);
    ck_assert_int_eq(host(args, out, sizeof out), 1);
    ck_assert_msg(strstr(out, "RF64"), "%s", out);
}
END_TEST

START_TEST(output_errors_and_usage)
{
    char out[4096];
    ck_assert_int_eq(
        tu_capture(out, sizeof out, "'%s' list 2>&1 >/dev/full", MMIOHOST), 1);
    ck_assert_msg(strstr(out, "cannot write the output"), "%s", out);
    ck_assert_int_eq(
        tu_shell("'%s' --version >/dev/full 2>/dev/null", MMIOHOST), 1);
    ck_assert_int_eq(host("--config", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "--config needs a FILE"), "%s", out);
    ck_assert_int_eq(host("cat --help", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "usage: mmiohost [OPTIONS] cat NAME"), "%s", out);
    ck_assert_int_eq(host("cat --json x", out, sizeof out), 2);
    ck_assert_int_eq(host("list --force", out, sizeof out), 2);
    ck_assert_int_eq(host("--version", out, sizeof out), 0);
    ck_assert_msg(strstr(out, "mmiohost (libmmio) "), "%s", out);
    ck_assert(json_ok("list --json", "'procedures' in d and 'plugins' in d"));
    /* a closed pipe is reported, not a silent success */
    char big[600];
    snprintf(big, sizeof big, "%s", tu_path("big.bin"));
    tu_pattern_file(big, 4 << 20);
    ck_assert_int_eq(
        tu_shell("bash -c '\"%s\" cat \"%s\" 2>/dev/null | head -c 1 "
                 ">/dev/null; exit ${PIPESTATUS[0]}'",
                 MMIOHOST, big),
        1);
}
END_TEST

START_TEST(info_prints_one_document)
{
    const char *kinds[] = {"good", NULL};
    make_host(kinds, NULL);
    add_plugin("good", "again"); /* the same name twice */
    char args[1000];
    snprintf(args, sizeof args, "--config '%s' --json info good", conf);
    ck_assert(json_ok(args, "isinstance(d, list) and len(d)==2 and "
                            "d[1]['state']=='refused'"));
    snprintf(args, sizeof args, "--config '%s' info --json good", conf);
    ck_assert(json_ok(args, "len(d)==2"));
}
END_TEST

START_TEST(info_checks_any_plugin_file)
{
    char out[4096], args[1000];
    /* under the sanitizers a crash must stay a crash for the checker */
    append_env("ASAN_OPTIONS", "handle_segv=0");
    append_env("TSAN_OPTIONS", "handle_segv=0");
    snprintf(args, sizeof args, "info '%s/segv.so'", FIXTURE_DIR);
    /* broken: said, and the exit status says it too (a CI gate) */
    ck_assert_int_eq(host(args, out, sizeof out), 1);
    ck_assert_msg(strstr(out, "state:       broken") &&
                      strstr(out, "signal 11") && strstr(out, "(not listed)"),
                  "%s", out);
    snprintf(args, sizeof args, "--json info '%s/good.so'", FIXTURE_DIR);
    ck_assert(json_ok(args, "d['state']=='available' and d['name']=='good'"));
    snprintf(args, sizeof args, "info '%s/good.so'", FIXTURE_DIR);
    ck_assert_int_eq(host(args, out, sizeof out), 0);
    ck_assert_int_eq(host("info /nonexistent/x.so", out, sizeof out), 1);
}
END_TEST

/* Reproduced at HEAD: --json riff of a file that cannot be opened printed
 * no document. */
START_TEST(json_riff_of_a_missing_file_is_a_document)
{
    ck_assert(json_ok("--json riff /nonexistent/missing.wav",
                      "d['chunks']==[] and 'file not found' in d['error'] "
                      "and d['file']=='/nonexistent/missing.wav'"));
    char out[4096];
    ck_assert_int_eq(
        host("--json riff /nonexistent/missing.wav", out, sizeof out), 1);
}
END_TEST

/* Reproduced at HEAD: MMIO_CONFIG=/dev/null said "not a regular file;
 * ignored" on every run. */
START_TEST(dev_null_configuration_is_empty)
{
    char out[4096];
    ck_assert_int_eq(tu_capture(out, sizeof out,
                                "MMIO_CONFIG=/dev/null '%s' --version 2>&1",
                                MMIOHOST),
                     0);
    ck_assert_msg(!strstr(out, "libmmio:"), "%s", out);
    ck_assert_int_eq(tu_capture(out, sizeof out,
                                "'%s' --config /dev/null list 2>&1", MMIOHOST),
                     0);
    ck_assert_msg(!strstr(out, "not a regular file"), "%s", out);
    ck_assert_msg(strstr(out, "DOS"), "%s", out);
    /* another device still is no configuration */
    ck_assert_int_eq(tu_capture(out, sizeof out,
                                "'%s' --config /dev/zero list 2>&1", MMIOHOST),
                     1);
}
END_TEST

/* Reproduced at HEAD: one read error of the host's own while it read the
 * checker's verdict was recorded in the cache as "crashed with signal 13"
 * until the next forced scan. */
START_TEST(transient_check_failure_is_not_cached)
{
    const char *kinds[] = {"good", NULL};
    make_host(kinds, NULL);
    char out[8192], args[1200];
    snprintf(args, sizeof args,
             "FAILREAD_PROGRAM=mmiohost LD_PRELOAD='%s/failread.so' "
             "ASAN_OPTIONS=verify_asan_link_order=0:handle_segv=0 "
             "'%s' --config '%s' scan --force 2>&1",
             FIXTURE_DIR, MMIOHOST, conf);
    tu_capture(out, sizeof out, "%s", args);
    ck_assert_msg(strstr(out, "cannot read the checker's verdict") ||
                      strstr(out, "good"),
                  "%s", out);
    /* the next process checks again and finds the plugin as it is */
    snprintf(args, sizeof args, "--config '%s' --json list", conf);
    ck_assert(json_ok(args, "[p['state'] for p in d['plugins'] if "
                            "p['name']=='good']==['available']"));
    ck_assert_int_eq(
        tu_capture(out, sizeof out, "'%s' --config '%s' list", MMIOHOST, conf),
        0);
    ck_assert_msg(!strstr(out, "signal 13") && !strstr(out, "crashed"), "%s",
                  out);
}
END_TEST

/* A name a listed plugin claims, whose plugin cannot be loaded now (the
 * partial fixture fails its install outside the checker): cp fails, and
 * makes no plain file named like the container's member. */
START_TEST(cp_to_a_claimed_name_whose_plugin_fails_makes_no_plain_file)
{
    const char *kinds[] = {"partial", NULL};
    make_host(kinds, NULL);
    char out[8192], args[2000], src[700], dst[700];
    snprintf(src, sizeof src, "%s", tu_path("src.txt"));
    tu_write(src, "data\n", 5);
    snprintf(dst, sizeof dst, "%s", tu_path("box.prt1+m.txt"));
    snprintf(args, sizeof args, "cp '%s' '%s'", src, dst);
    ck_assert_int_ne(run_host(args, out, sizeof out), 0);
    ck_assert_msg(access(dst, F_OK) != 0, "made %s", dst);
    ck_assert_int_eq(tu_dir_count(tu_path(""), "box.prt1"), 0);
}
END_TEST

/* mmiohost validate: each mistake fails the rule that names it (and the
 * run exits 1); the bundled plugins pass every rule at the top level. */
START_TEST(validate_names_the_broken_rule)
{
    make_host(NULL, NULL);
    static const char *const flawed[][3] = {
        {"forgetful", "x.frgt+y", "FAIL 'FRGT' read-offset"},
        {"zeroanswer", "x.zero+y", "FAIL 'ZERO' unknown-message"},
        {"lseekend", "x.lske+y", "FAIL 'LSKE' seek"},
        {"crashread", "x.crsh+y",
         "FAIL 'CRSH' crashed          the procedure does not crash: killed "
         "by signal 11"}};
    static char out[65536];
    for (size_t k = 0; k < 4; k++) {
        int rc =
            tu_capture(out, sizeof out,
                       "'%s' --config '%s' validate --level 3 --sample "
                       "'%s' '%s/%s.so' 2>&1",
                       MMIOHOST, conf, flawed[k][1], FIXTURE_DIR, flawed[k][0]);
        ck_assert_msg(rc == 1, "%s: exit %d\n%s", flawed[k][0], rc, out);
        ck_assert_msg(strstr(out, flawed[k][2]) != NULL, "%s", out);
    }
    /* the bundled plugins, on samples the tools made */
    use_bundled_plugins();
    char dir[600];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    ck_assert_int_eq(tu_shell("cd '%s' && seq 1 30000 > m.txt && zip -q a.zip "
                              "m.txt && gzip -kn m.txt && sox -n -r 8000 -c 1 "
                              "-b 16 s.flac synth 0.4 sine 300 2>/dev/null",
                              dir),
                     0);
    static const char *const good[][3] = {
        {"zip", "--reference m.txt", "a.zip+m.txt"},
        {"gz", "--reference m.txt", "m.txt.gz+"},
        {"sndfile", "--fourcc FLAC", "s.flac+"}};
    for (size_t k = 0; k < 3; k++) {
        int rc = tu_capture(out, sizeof out,
                            "cd '%s' && '%s' --config bundled.conf validate "
                            "--level 10 %s --sample '%s' '%s/%s.so' 2>&1",
                            dir, MMIOHOST, good[k][1], good[k][2],
                            BUNDLED_PLUGIN_DIR, good[k][0]);
        ck_assert_msg(rc == 0 && strstr(out, " 0 failed"), "%s:\n%s",
                      good[k][0], out);
        ck_assert_msg(strstr(out, "PASS") && !strstr(out, "FAIL"), "%s", out);
    }
    /* a reference that differs is a FAIL naming the rule */
    tu_shell("cd '%s' && echo other > other.txt", dir);
    int rc =
        tu_capture(out, sizeof out,
                   "cd '%s' && '%s' --config bundled.conf validate --level 1 "
                   "--sample a.zip+m.txt --reference other.txt '%s/zip.so' "
                   "2>&1",
                   dir, MMIOHOST, BUNDLED_PLUGIN_DIR);
    ck_assert_msg(rc == 1 && strstr(out, "FAIL 'ZIP ' reference"), "%s", out);
    /* and without a sample: the validator's own files, where it writes */
    rc = tu_capture(out, sizeof out,
                    "cd '%s' && '%s' --config bundled.conf --json validate "
                    "--level 10 '%s/zip.so' 2>&1",
                    dir, MMIOHOST, BUNDLED_PLUGIN_DIR);
    ck_assert_msg(rc == 0 && strstr(out, "\"failed\": 0"), "%s", out);
}
END_TEST

/* MMIO_DEBUG: a line per message (procedure, arguments, answer,
 * lDiskOffset before and after) and per loader event; credentials in a
 * name are never printed. */
START_TEST(mmio_debug_traces_messages_and_loader_events)
{
    use_bundled_plugins();
    char dir[600];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    ck_assert_int_eq(
        tu_shell("cd '%s' && seq 1 100 > m.txt && zip -q a.zip m.txt", dir), 0);
    static char out[65536];
    int rc = tu_capture(out, sizeof out,
                        "cd '%s' && MMIO_DEBUG=proc:5,loader:3 '%s' --config "
                        "bundled.conf cat a.zip+m.txt 2>&1 >/dev/null",
                        dir, MMIOHOST);
    ck_assert_int_eq(rc, 0);
    static const char *const want[] = {
        "debug: loader: scan: ",
        "debug: loader: checked ",
        "zip.so: available",
        "debug: loader: load ",
        "debug: proc: 'ZIP ' (zip) OPEN \"a.zip+m.txt\"",
        "debug: proc: 'ZIP ' (zip) READ 65536 bytes -> 292 (",
        "lDiskOffset 0 -> 292",
        "debug: proc: 'ZIP ' (zip) CLOSE",
        "debug: proc: 'DOS ' (built-in) OPEN \"a.zip\""};
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
        ck_assert_msg(strstr(out, want[k]) != NULL, "no '%s' in:\n%s", want[k],
                      out);
    /* a second run: the cache answers */
    tu_capture(out, sizeof out,
               "cd '%s' && MMIO_DEBUG=loader:3 '%s' --config bundled.conf cat "
               "a.zip+m.txt 2>&1 >/dev/null",
               dir, MMIOHOST);
    ck_assert_msg(strstr(out, "debug: loader: cache hit ") != NULL, "%s", out);
    /* no secret */
    tu_capture(
        out, sizeof out,
        "MMIO_DEBUG=proc:1 '%s' --config /dev/null cat "
        "'https://alice:s3cret@example.invalid/x.wav?X-Amz-Signature=f00' "
        "2>&1 | grep debug",
        MMIOHOST);
    ck_assert_msg(strstr(out, "https://***@example.invalid/x.wav?***"), "%s",
                  out);
    ck_assert_msg(!strstr(out, "s3cret") && !strstr(out, "f00"), "%s", out);
    /* off: nothing */
    tu_capture(out, sizeof out,
               "cd '%s' && '%s' --config bundled.conf cat a.zip+m.txt 2>&1 "
               ">/dev/null",
               dir, MMIOHOST);
    ck_assert_msg(!strstr(out, "debug:"), "%s", out);
}
END_TEST

/* cp to a plain file writes an unnamed file: a copy killed midway leaves
 * nothing beside the destination; a finished one has the umask's mode. */
START_TEST(a_killed_plain_copy_leaves_nothing)
{
    char dir[600], src[700], dst[700];
    snprintf(dir, sizeof dir, "%s", tu_path("out"));
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    snprintf(src, sizeof src, "%s", tu_path("big.bin"));
    snprintf(dst, sizeof dst, "%s/copy.bin", dir);
    ck_assert_int_eq(tu_shell("truncate -s 256M '%s'", src), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execl(MMIOHOST, "mmiohost", "--config", "/dev/null", "cp", src, dst,
              (char *)NULL);
        _exit(127);
    }
    struct timespec ts = {0, 20000000L};
    nanosleep(&ts, NULL);
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    /* "." and "..", and the copy only if it finished before the kill */
    int n = tu_dir_count(dir, "");
    ck_assert_msg(n == 2 || (n == 3 && access(dst, F_OK) == 0),
                  "%d entries left in %s", n, dir);
    unlink(dst);
    ck_assert_int_eq(tu_shell("umask 027 && '%s' --config /dev/null cp '%s' "
                              "'%s' && test \"$(stat -c %%a '%s')\" = 640",
                              MMIOHOST, src, dst, dst),
                     0);
    unlink(src);
}
END_TEST

/* cat through a plugin that forgets to move lDiskOffset stops at once,
 * with an error and bounded output (it wrote until the disk was full). */
START_TEST(cat_through_a_forgetful_plugin_stops)
{
    const char *kinds[] = {"forgetful", NULL};
    make_host(kinds, NULL);
    static char out[4096];
    /* cat through the offset-forgetting plugin stops at once, with an
     * error and bounded output (it used to write until the disk was full) */
    double t0 = now_s();
    int cat = tu_capture(out, sizeof out,
                         "'%s' --config '%s' cat x.frgt+y 2>/dev/null | wc -c",
                         MMIOHOST, conf);
    ck_assert_int_eq(cat, 0);
    ck_assert_int_lt(strtol(out, NULL, 10), 1000);
    ck_assert(now_s() - t0 < 5);
    ck_assert_int_eq(tu_shell("'%s' --config '%s' cat x.frgt+y >/dev/null "
                              "2>&1",
                              MMIOHOST, conf),
                     1);
    char err[4096];
    tu_capture(err, sizeof err,
               "'%s' --config '%s' cat x.frgt+y 2>&1 >/dev/null", MMIOHOST,
               conf);
    ck_assert_msg(strstr(err, "'FRGT' (forgetful) broke the contract: a read "
                              "must move lDiskOffset"),
                  "%s", err);
}
END_TEST

/* Making a new archive is no failure: cp into one says nothing on stderr
 * (the rename probe and the commit looked for the archive, and each said
 * "file not found"). */
START_TEST(cp_into_a_new_archive_says_nothing)
{
    use_bundled_plugins();
    char dir[600];
    snprintf(dir, sizeof dir, "%s", tu_path(""));
    static char err[4096];
    ck_assert_int_eq(tu_capture(err, sizeof err,
                                "cd '%s' && seq 1 10 > m.txt && '%s' --config "
                                "bundled.conf cp m.txt new.zip+m.txt 2>&1 "
                                ">/dev/null",
                                dir, MMIOHOST),
                     0);
    ck_assert_msg(err[0] == '\0', "said: %s", err);
    ck_assert_int_eq(tu_shell("cd '%s' && unzip -p new.zip m.txt | cmp -s - "
                              "m.txt",
                              dir),
                     0);
}
END_TEST

Suite *suite_cli(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, error_texts_cover_every_code);
    tcase_add_test(tc, messages_are_in_words);
    tcase_add_test(tc, cp_refuses_a_file_onto_itself);
    tcase_add_test(tc, riff_says_what_is_wrong);
    tcase_add_test(tc, output_errors_and_usage);
    tcase_add_test(tc, info_prints_one_document);
    tcase_add_test(tc, info_checks_any_plugin_file);
    tcase_add_test(tc, json_riff_of_a_missing_file_is_a_document);
    tcase_add_test(tc, dev_null_configuration_is_empty);
    tcase_add_test(tc, transient_check_failure_is_not_cached);
    tcase_add_test(tc,
                   cp_to_a_claimed_name_whose_plugin_fails_makes_no_plain_file);
    tcase_add_test(tc, validate_names_the_broken_rule);
    tcase_add_test(tc, mmio_debug_traces_messages_and_loader_events);
    tcase_add_test(tc, a_killed_plain_copy_leaves_nothing);
    tcase_add_test(tc, cat_through_a_forgetful_plugin_stops);
    tcase_add_test(tc, cp_into_a_new_archive_says_nothing);
    suite_add_tcase(s, tc);
    return s;
}
