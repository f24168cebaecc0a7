/* SPDX-License-Identifier: MIT */
/* The wide functions: UTF-32 and UTF-16 names, Unicode procedures, UNICODE
 * builds, MMIO_PARSE's limit, and bare names found beside the program. */
#define _GNU_SOURCE
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

int short_wchar_roundtrip(const char *dir, char *narrow_out, size_t cap);
HMMIO tchar_open(const WCHAR *name, DWORD flags);
FOURCC tchar_fourcc(const WCHAR *text);

/* An ASCII path followed by a wide tail, as one wide string. */
static void widen(const char *ascii, const WCHAR *tail, WCHAR *out, size_t cap)
{
    size_t n = 0;
    for (; ascii[n] && n + 1 < cap; n++)
        out[n] = (WCHAR)(unsigned char)ascii[n];
    for (size_t k = 0; tail && tail[k] && n + 1 < cap; k++)
        out[n++] = tail[k];
    out[n] = 0;
}

static char dir[512];

static const char *test_dir(void)
{
    snprintf(dir, sizeof dir, "%s", tu_path("x"));
    *strrchr(dir, '/') = '\0';
    return dir;
}

START_TEST(wide_names_reach_the_file_system_as_utf8)
{
    WCHAR name[600];
    widen(test_dir(), L"/h\u00e9llo-\u00fc.txt", name, 600);
    HMMIO h = mmioOpenW(name, NULL, MMIO_CREATE | MMIO_WRITE);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioWrite(h, "wide", 4), 4);
    ck_assert_uint_eq(mmioClose(h, 0), 0);
    char narrow[700];
    snprintf(narrow, sizeof narrow, "%s/h\xc3\xa9llo-\xc3\xbc.txt", dir);
    char buf[8] = "";
    ck_assert_uint_eq(tu_read(narrow, buf, sizeof buf), 4);
    ck_assert(memcmp(buf, "wide", 4) == 0);
    /* renamed wide, found narrow */
    WCHAR to[600];
    widen(dir, L"/\u00e0-\U0001F600.txt", to, 600);
    ck_assert_uint_eq(mmioRenameW(name, to, NULL, 0), 0);
    snprintf(narrow, sizeof narrow, "%s/\xc3\xa0-\xf0\x9f\x98\x80.txt", dir);
    ck_assert_int_eq(tu_size(narrow), 4);
    ck_assert_uint_eq(mmioStringToFOURCCW(L"riff", MMIO_TOUPPER), FOURCC_RIFF);
    ck_assert_uint_eq(mmioStringToFOURCCW(L"ab", 0),
                      mmioFOURCC('a', 'b', ' ', ' '));
}
END_TEST

START_TEST(invalid_wide_names_are_errors)
{
    const WCHAR surrogate[] = {'a', 0xD800, 0};
    const WCHAR too_big[] = {'a', 0x110000, 0};
    MMIOINFO info = {0};
    ck_assert_ptr_null(mmioOpenW((LPWSTR)surrogate, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMSYSERR_INVALPARAM);
    ck_assert_ptr_null(mmioOpenW((LPWSTR)too_big, &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMSYSERR_INVALPARAM);
    ck_assert_uint_eq(mmioRenameW(surrogate, L"b", NULL, 0),
                      MMSYSERR_INVALPARAM);
    /* a narrow name that is not UTF-8, for a Unicode procedure */
    mmioInstallIOProcW(mmioFOURCC('U', 'N', 'I', ' '), tu_proc,
                       MMIO_INSTALLPROC);
    ck_assert_ptr_null(mmioOpen((LPSTR) "x.uni+\xff\xfe", &info, MMIO_READ));
    ck_assert_uint_eq(info.wErrorRet, MMSYSERR_INVALPARAM);
    mmioInstallIOProc(mmioFOURCC('U', 'N', 'I', ' '), NULL, MMIO_REMOVEPROC);
}
END_TEST

/* Copies what a wide procedure got, before the library frees it. */
static WCHAR got_a[128], got_b[128];

static LRESULT CALLBACK wide_copier(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    (void)info;
    if (msg == MMIOM_OPEN || msg == MMIOM_RENAME) {
        wcsncpy(got_a, (const WCHAR *)a, 127);
        if (b)
            wcsncpy(got_b, (const WCHAR *)b, 127);
        return 0;
    }
    return msg == MMIOM_CLOSE ? 0 : MMSYSERR_NOTSUPPORTED;
}

static char got_narrow[128];

static LRESULT CALLBACK narrow_copier(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    (void)info, (void)b;
    if (msg == MMIOM_OPEN) {
        snprintf(got_narrow, sizeof got_narrow, "%s", (const char *)a);
        return 0;
    }
    return msg == MMIOM_CLOSE ? 0 : MMSYSERR_NOTSUPPORTED;
}

START_TEST(wide_rename_and_caller_procedures)
{
    const FOURCC uni = mmioFOURCC('U', 'N', 'I', ' ');
    mmioInstallIOProcW(uni, wide_copier, MMIO_INSTALLPROC);
    ck_assert_uint_eq(mmioRename("a.uni+x", "a.uni+\xc3\xbc", NULL, 0), 0);
    ck_assert(wcscmp(got_a, L"a.uni+x") == 0);
    ck_assert(wcscmp(got_b, L"a.uni+\u00fc") == 0);
    HMMIO h = mmioOpenW(L"w.uni+\u00e8", NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert(wcscmp(got_a, L"w.uni+\u00e8") == 0);
    mmioClose(h, 0);
    mmioInstallIOProc(uni, NULL, MMIO_REMOVEPROC);
    /* MMIO_UNICODEPROC through the narrow function means the same */
    mmioInstallIOProcA(uni, wide_copier, MMIO_INSTALLPROC | MMIO_UNICODEPROC);
    h = mmioOpen((LPSTR) "n.uni+\xc3\xa9", NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert(wcscmp(got_a, L"n.uni+\u00e9") == 0);
    mmioClose(h, 0);
    mmioInstallIOProc(uni, NULL, MMIO_REMOVEPROC);
    /* a narrow procedure opened through mmioOpenW gets UTF-8 */
    const FOURCC nar = mmioFOURCC('N', 'A', 'R', ' ');
    mmioInstallIOProc(nar, narrow_copier, MMIO_INSTALLPROC);
    h = mmioOpenW(L"w.nar+\u00e8", NULL, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert_str_eq(got_narrow, "w.nar+\xc3\xa8");
    mmioClose(h, 0);
    mmioInstallIOProc(nar, NULL, MMIO_REMOVEPROC);
    /* a procedure given in the MMIOINFO speaks as the caller does */
    MMIOINFO info = {0};
    info.pIOProc = wide_copier;
    h = mmioOpenW(L"direct-\u00e7", &info, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    ck_assert(wcscmp(got_a, L"direct-\u00e7") == 0);
    mmioClose(h, 0);
}
END_TEST

START_TEST(short_wchar_callers_speak_utf16)
{
    char narrow[700];
    ck_assert_int_eq(short_wchar_roundtrip(test_dir(), narrow, sizeof narrow),
                     0);
    char buf[8] = "";
    ck_assert_uint_eq(tu_read(narrow, buf, sizeof buf), 5);
    ck_assert(memcmp(buf, "utf16", 5) == 0);
}
END_TEST

START_TEST(unicode_builds_use_the_wide_names)
{
    WCHAR name[600];
    widen(test_dir(), L"/tchar-\u00df.txt", name, 600);
    HMMIO h = tchar_open(name, MMIO_CREATE | MMIO_WRITE);
    ck_assert_ptr_nonnull(h);
    mmioClose(h, 0);
    char narrow[700];
    snprintf(narrow, sizeof narrow, "%s/tchar-\xc3\x9f.txt", dir);
    ck_assert_int_eq(tu_size(narrow), 0);
    ck_assert_uint_eq(tchar_fourcc(L"data"), mmioFOURCC('D', 'A', 'T', 'A'));
}
END_TEST

START_TEST(parse_past_128_characters)
{
    char name[300];
    memset(name, 'n', 200);
    name[200] = '\0';
    char before[300];
    memcpy(before, name, sizeof name);
    MMIOINFO info = {0};
    ck_assert_ptr_eq(mmioOpen(name, &info, MMIO_PARSE), (HMMIO)(uintptr_t)0);
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_OUTOFMEMORY);
    ck_assert_str_eq(name, before); /* the narrow buffer is left alone */
    WCHAR wname[300];
    for (int i = 0; i < 200; i++)
        wname[i] = L'w';
    wname[200] = 0;
    ck_assert_ptr_eq(mmioOpenW(wname, &info, MMIO_PARSE), (HMMIO)(uintptr_t)0);
    ck_assert_uint_eq(info.wErrorRet, MMIOERR_OUTOFMEMORY);
    ck_assert_uint_eq(wcslen(wname), 127); /* the wide one gets 127 */
    ck_assert(wname[0] == L'/');
    /* a short one fits */
    WCHAR shortname[128] = L"tiny";
    ck_assert_ptr_eq(mmioOpenW(shortname, &info, MMIO_PARSE),
                     (HMMIO)(uintptr_t)1);
    ck_assert(shortname[0] == L'/' && wcsstr(shortname, L"/tiny") != NULL);
}
END_TEST

START_TEST(bare_names_are_found_beside_the_program)
{
    char exe[4096], beside[4200], leaf[64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    ck_assert_int_gt(n, 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    snprintf(leaf, sizeof leaf, "mmio-beside-%d.txt", (int)getpid());
    snprintf(beside, sizeof beside, "%s/%s", exe, leaf);
    tu_write(beside, "found", 5);
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(test_dir()), 0);
    char name[64];
    snprintf(name, sizeof name, "%s", leaf);
    HMMIO h = mmioOpen(name, NULL, MMIO_READ);
    char buf[8] = "";
    int got = h ? (int)mmioRead(h, buf, 5) : -1;
    if (h)
        mmioClose(h, 0);
    /* Wine's mmio test, as Windows passes it: a write open finds the file
     * beside the program, MMIO_EXIST does not look there */
    h = mmioOpen(name, NULL, MMIO_WRITE);
    ck_assert_ptr_nonnull(h);
    mmioClose(h, 0);
    MMIOINFO ei = {0};
    ck_assert_ptr_eq(mmioOpen(name, &ei, MMIO_EXIST), (HMMIO)(uintptr_t)0);
    ck_assert_uint_eq(ei.wErrorRet, MMIOERR_FILENOTFOUND);
    /* the current directory comes first, and MMIO_CREATE creates there */
    h = mmioOpen(name, NULL, MMIO_CREATE | MMIO_WRITE);
    ck_assert_ptr_nonnull(h);
    mmioClose(h, 0);
    unlink(beside);
    ck_assert_int_eq(tu_size(name), 0);
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_int_eq(got, 5);
    ck_assert(memcmp(buf, "found", 5) == 0);
    /* a name with a directory part is not looked for elsewhere */
    ck_assert_ptr_null(mmioOpen((LPSTR) "./no-such-file", NULL, MMIO_READ));
}
END_TEST

Suite *suite_unicode(void)
{
    Suite *s = suite_create("unicode");
    TCase *tc = tcase_create("unicode");
    tcase_add_test(tc, wide_names_reach_the_file_system_as_utf8);
    tcase_add_test(tc, invalid_wide_names_are_errors);
    tcase_add_test(tc, wide_rename_and_caller_procedures);
    tcase_add_test(tc, short_wchar_callers_speak_utf16);
    tcase_add_test(tc, unicode_builds_use_the_wide_names);
    tcase_add_test(tc, parse_past_128_characters);
    tcase_add_test(tc, bare_names_are_found_beside_the_program);
    suite_add_tcase(s, tc);
    return s;
}
