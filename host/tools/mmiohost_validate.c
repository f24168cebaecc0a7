/* SPDX-License-Identifier: MIT */
/*
 * mmiohost_validate.c - mmiohost validate: a plugin's procedures driven
 * through the message contract the plugin guide states, rule by rule.
 *
 *   mmiohost validate PLUGIN.so [--fourcc F] [--sample NAME] [--level 1-10]
 *
 * The plugin is checked and loaded in a child process, so a crash is a
 * verdict ("crashed during RULE"), not the end of the run.  The child
 * calls each procedure directly, with an MMIOINFO of its own, as the
 * library does, so what is seen is what the procedure answers, not what
 * the library makes of it.  Each rule is PASS, FAIL or SKIP (with why);
 * the exit status is 1 when any rule failed.
 *
 * The sample is a name the procedure serves (`--sample 'a.zip+m.txt'`);
 * without one the validator makes its own where the procedure writes
 * (a file in a scratch directory, named with the FOURCC as extension),
 * and skips the reading rules where it cannot.  What is read at random
 * offsets is compared with one sequential read of the same name.
 */
#define _GNU_SOURCE
#include "mmiohost.h"

#include "mmio_plugin.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_BYTES (64L << 20) /* of a sample compared */

struct validate_opts vopt = {NULL, NULL, NULL, 5};

/* ---- the child: rules, each a line on the report pipe ------------------- */

static FILE *report;      /* to the parent */
static char scratch[512]; /* the child's directory */
static FOURCC fcc;
static LPMMIOPROC proc;

struct rule {
    const char *id;
    const char *text;  /* the rule in words */
    const char *guide; /* where the guide says it */
};

static void begin(const struct rule *r)
{
    fprintf(report, "begin\t%s\n", r->id);
    fflush(report);
}

static void verdict(const struct rule *r, const char *result, const char *fmt,
                    ...) __attribute__((format(printf, 3, 4)));
static void verdict(const struct rule *r, const char *result, const char *fmt,
                    ...)
{
    char detail[600] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
    }
    for (char *p = detail; *p; p++)
        if (*p == '\t' || *p == '\n')
            *p = ' ';
    char f[5];
    fourcc_text(fcc, f);
    fprintf(report, "result\t%s\t%s\t%s\t%s\t%s\t%s\n", f, r->id, result,
            r->text, r->guide, detail);
    fflush(report);
}

/* A file of the procedure's, driven directly. */
struct file {
    MMIOINFO mi;
    int open;
};

static LRESULT deliver(struct file *f, UINT msg, LPARAM a, LPARAM b)
{
    return proc((LPSTR)&f->mi, msg, a, b);
}

static LRESULT open_file(struct file *f, const char *name, DWORD flags)
{
    memset(f, 0, sizeof *f);
    f->mi.dwFlags = flags;
    f->mi.fccIOProc = fcc;
    f->mi.pIOProc = proc;
    LRESULT r = deliver(f, MMIOM_OPEN, (LPARAM)name, 0);
    f->open = r == 0;
    if (r == 0 && (flags & (MMIO_EXIST | MMIO_DELETE))) {
        deliver(f, MMIOM_CLOSE, 0, 0); /* as the library does after a yes */
        f->open = 0;
    }
    return r;
}

static LRESULT close_file(struct file *f)
{
    LRESULT r = f->open ? deliver(f, MMIOM_CLOSE, 0, 0) : 0;
    f->open = 0;
    return r;
}

/* READ of n at the current offset, checked: the answer, or -2 when the
 * rule "a READ moves lDiskOffset by its answer, never above the request"
 * was broken (said in why). */
static long read_checked(struct file *f, char *buf, long n, char *why,
                         size_t cap)
{
    LONG before = f->mi.lDiskOffset;
    LRESULT r = deliver(f, MMIOM_READ, (LPARAM)buf, n);
    if (r > n) {
        snprintf(why, cap, "READ of %ld at %ld answered %ld", n, (long)before,
                 (long)r);
        return -2;
    }
    if (r >= 0 && f->mi.lDiskOffset != before + r) {
        snprintf(why, cap,
                 "READ of %ld at %ld answered %ld but moved lDiskOffset to %ld",
                 n, (long)before, (long)r, (long)f->mi.lDiskOffset);
        return -2;
    }
    return (long)r;
}

/* The whole sample read in order (malloc'd), or NULL with why. */
static char *read_all(const char *name, long *len, char *why, size_t cap)
{
    struct file f;
    LRESULT r = open_file(&f, name, MMIO_READ);
    if (r != 0) {
        snprintf(why, cap, "OPEN for reading answered %ld", (long)r);
        return NULL;
    }
    long have = 0, room = 1 << 16;
    char *all = malloc((size_t)room);
    long got = 1;
    while (all && got > 0 && have < MAX_BYTES) {
        if (have + 65536 > room) {
            char *grown = realloc(all, (size_t)(room *= 2));
            if (!grown) {
                free(all);
                all = NULL;
                break;
            }
            all = grown;
        }
        got = read_checked(&f, all + have, 65536, why, cap);
        if (got > 0)
            have += got;
    }
    close_file(&f);
    if (!all || got < 0) {
        if (got == -1)
            snprintf(why, cap, "READ failed at %ld", have);
        free(all);
        return NULL;
    }
    *len = have;
    return all;
}

static const struct rule R_UNKNOWN = {
    "unknown-message",
    "a message the procedure does not handle is answered "
    "with an error, never 0",
    "The procedure"};
static const struct rule R_EXIST = {
    "exist",
    "MMIO_EXIST answers 0 for a present name and an error for an "
    "absent one",
    "Open flags"};
static const struct rule R_MODES = {
    "open-modes",
    "OPEN in each mode either works or is refused with an "
    "error code; CLOSE answers 0",
    "Open flags"};
static const struct rule R_READ = {
    "read-offset",
    "a READ answers at most what was asked and moves "
    "lDiskOffset by exactly its answer",
    "The procedure"};
static const struct rule R_SEEK = {
    "seek",
    "SEEK_SET and SEEK_CUR land where asked, SEEK_END counts back "
    "from the end, seeking past the end is allowed and reads 0",
    "The procedure"};
static const struct rule R_RANDOM = {
    "random-reads",
    "reads at random offsets give the bytes a sequential "
    "read gave there",
    "The procedure"};
static const struct rule R_WRITE = {
    "write-read-back",
    "what is written (WRITE moving lDiskOffset by its "
    "answer) reads back after CLOSE",
    "The procedure"};
static const struct rule R_FLUSH = {
    "writeflush",
    "WRITEFLUSH writes like WRITE and answers the count (or "
    "-1), never 0 for a flush that did not happen",
    "Writing files that survive a crash"};
static const struct rule R_RENAME = {
    "rename",
    "RENAME answers 0 only when the old name is gone and the new "
    "one there",
    "The procedure"};
static const struct rule R_DELETE = {
    "delete", "MMIO_DELETE answers 0 only when the name is gone", "Open flags"};
static const struct rule R_LEAK = {
    "close-releases", "CLOSE releases what OPEN took (file descriptors)",
    "The procedure"};
static const struct rule R_REFERENCE = {
    "reference",
    "the sample read in order gives the reference's bytes (the "
    "member's bytes, the view the guide describes)",
    "The procedure"};
static const struct rule R_HANDLES = {
    "two-handles", "two handles of one name read independently",
    "Options, threads and re-entrancy"};
static const struct rule R_THREADS = {
    "two-threads",
    "two threads reading their own handles at once get the "
    "right bytes",
    "Options, threads and re-entrancy"};
static const struct rule R_REENTRY = {
    "reentrant",
    "the procedure works when opened from inside another "
    "procedure's message (mmio called from a message)",
    "Options, threads and re-entrancy"};

static char *sample_bytes;
static long sample_len;

static void rule_unknown(const char *name)
{
    begin(&R_UNKNOWN);
    struct file f;
    LRESULT opened = name ? open_file(&f, name, MMIO_READ) : -1;
    if (opened != 0)
        memset(&f, 0, sizeof f);
    f.mi.fccIOProc = fcc;
    LRESULT r = deliver(&f, 0x7EFF, 0, 0);
    if (opened == 0)
        close_file(&f);
    if (r == 0)
        verdict(&R_UNKNOWN, "FAIL", "message 0x7EFF answered 0");
    else
        verdict(&R_UNKNOWN, "PASS", NULL);
}

static void rule_exist(const char *name)
{
    begin(&R_EXIST);
    char absent[700];
    snprintf(absent, sizeof absent, "absent-%08x.nothing+absent",
             (unsigned)getpid());
    struct file f;
    LRESULT no = open_file(&f, absent, MMIO_READ | MMIO_EXIST);
    LRESULT yes = name ? open_file(&f, name, MMIO_READ | MMIO_EXIST) : 0;
    if (no == 0)
        verdict(&R_EXIST, "FAIL", "EXIST of %s answered 0", absent);
    else if (name && yes != 0)
        verdict(&R_EXIST, "FAIL", "EXIST of the sample answered %ld",
                (long)yes);
    else
        verdict(&R_EXIST, "PASS", name ? NULL : "(absent name only)");
}

static void own_name(char *out, size_t cap, const char *leaf);

/* The sample is opened for reading only (a write open may replace it);
 * the write modes are tried on a file of the validator's own. */
static void rule_modes(const char *name)
{
    begin(&R_MODES);
    static const DWORD modes[] = {MMIO_READ, MMIO_WRITE | MMIO_CREATE,
                                  MMIO_READWRITE | MMIO_CREATE};
    char detail[300] = "", own[700];
    own_name(own, sizeof own, "modes");
    int bad = 0;
    for (int m = 0; m < 3; m++) {
        const char *target = m == 0 ? name : own;
        if (!target)
            continue;
        struct file f;
        LRESULT r = open_file(&f, target, modes[m]);
        if (r < 0) {
            bad = 1;
            snprintf(detail, sizeof detail, "OPEN mode %u answered %ld",
                     (unsigned)modes[m], (long)r);
        }
        LRESULT c = close_file(&f);
        if (r == 0 && c != 0 && m == 0) {
            bad = 1;
            snprintf(detail, sizeof detail,
                     "CLOSE after a read open answered %ld", (long)c);
        }
    }
    verdict(&R_MODES, bad ? "FAIL" : "PASS", "%s", detail);
}

static void rule_read(const char *name)
{
    begin(&R_READ);
    if (!name) {
        verdict(&R_READ, "SKIP", "no sample");
        return;
    }
    static const long sizes[] = {1, 7, 100, 512, 4095, 4096, 65536, 1 << 20};
    struct file f;
    if (open_file(&f, name, MMIO_READ) != 0) {
        verdict(&R_READ, "FAIL", "the sample does not open for reading");
        return;
    }
    char *buf = malloc(1 << 20);
    char why[300] = "";
    int broke = 0;
    for (int round = 0; round < 2 && buf && !broke; round++)
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && !broke; i++)
            broke = read_checked(&f, buf, sizes[i], why, sizeof why) == -2;
    close_file(&f);
    free(buf);
    verdict(&R_READ, broke ? "FAIL" : "PASS", "%s", why);
}

static void rule_seek(const char *name)
{
    begin(&R_SEEK);
    if (!name || !sample_bytes) {
        verdict(&R_SEEK, "SKIP", "no sample read");
        return;
    }
    struct file f;
    if (open_file(&f, name, MMIO_READ) != 0) {
        verdict(&R_SEEK, "FAIL", "the sample does not open");
        return;
    }
    long n = sample_len;
    struct {
        LONG off;
        int how;
        long want;
        const char *what;
    } steps[] = {{0, SEEK_END, n, "SEEK_END 0 is the size"},
                 {n > 16 ? 16 : 0, SEEK_END, n > 16 ? n - 16 : n,
                  "SEEK_END 16 counts back (size - 16)"},
                 {0, SEEK_SET, 0, "SEEK_SET 0"},
                 {n / 2, SEEK_SET, n / 2, "SEEK_SET to the middle"},
                 {1, SEEK_CUR, n / 2 + 1, "SEEK_CUR 1"},
                 {-1, SEEK_CUR, n / 2, "SEEK_CUR -1"},
                 {(LONG)(n + 100), SEEK_SET, n + 100, "past the end"}};
    char why[300] = "";
    for (size_t i = 0; i < sizeof steps / sizeof steps[0] && !why[0]; i++) {
        LRESULT r = deliver(&f, MMIOM_SEEK, steps[i].off, steps[i].how);
        if (r != steps[i].want || f.mi.lDiskOffset != r)
            snprintf(why, sizeof why,
                     "%s: answered %ld, lDiskOffset %ld, expected %ld",
                     steps[i].what, (long)r, (long)f.mi.lDiskOffset,
                     steps[i].want);
    }
    char c;
    if (!why[0]) { /* at n + 100 */
        long r = read_checked(&f, &c, 1, why, sizeof why);
        if (r > 0)
            snprintf(why, sizeof why, "a READ past the end answered %ld", r);
    }
    close_file(&f);
    verdict(&R_SEEK, why[0] ? "FAIL" : "PASS", "%s", why);
}

static unsigned rnd_state = 12345;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 8;
}

/* count random seek+read pairs against the sequential bytes: "" or why. */
static void random_reads(const char *name, int count, char *why, size_t cap)
{
    struct file f;
    if (open_file(&f, name, MMIO_READ) != 0) {
        snprintf(why, cap, "the sample does not open");
        return;
    }
    char *buf = malloc(70000);
    for (int i = 0; i < count && buf && !why[0]; i++) {
        long at = (long)(rnd() % (unsigned)(sample_len + 1));
        long n = 1 + (long)(rnd() % 65536);
        if (deliver(&f, MMIOM_SEEK, (LPARAM)at, SEEK_SET) != at) {
            snprintf(why, cap, "SEEK_SET %ld failed", at);
            break;
        }
        long got = read_checked(&f, buf, n, why, cap);
        long want = n < sample_len - at ? n : sample_len - at;
        if (got == -2)
            break;
        /* a short read is allowed; what came must be right */
        if (got < 0 || (got == 0 && want > 0) || got > want ||
            memcmp(buf, sample_bytes + at, (size_t)got) != 0)
            snprintf(why, cap, "%ld bytes at %ld: answered %ld, wrong bytes", n,
                     at, got);
    }
    free(buf);
    close_file(&f);
}

static void rule_random(const char *name, int count)
{
    begin(&R_RANDOM);
    if (!name || !sample_bytes || sample_len == 0) {
        verdict(&R_RANDOM, "SKIP", "no sample read");
        return;
    }
    char why[300] = "";
    random_reads(name, count, why, sizeof why);
    verdict(&R_RANDOM, why[0] ? "FAIL" : "PASS", "%s%s%d pairs", why,
            why[0] ? "; " : "", count);
}

/* The validator's own file, where the procedure writes: "" when it does
 * not write (a refusal is its right). */
static void own_name(char *out, size_t cap, const char *leaf)
{
    char ext[5];
    fourcc_text(fcc, ext);
    for (int i = 3; i >= 0 && ext[i] == ' '; i--)
        ext[i] = '\0';
    for (char *p = ext; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    snprintf(out, cap, "%s.%s+v.bin", leaf, ext);
}

static void rule_write(char *written, size_t cap)
{
    begin(&R_WRITE);
    written[0] = '\0';
    char name[700];
    own_name(name, sizeof name, "w");
    struct file f;
    LRESULT r = open_file(&f, name, MMIO_WRITE | MMIO_CREATE);
    if (r != 0) {
        verdict(&R_WRITE, "SKIP", "OPEN for writing refused (%ld)", (long)r);
        return;
    }
    static char data[300000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)(i * 7 + i / 251);
    char why[300] = "";
    long done = 0;
    static const long chunks[] = {1, 100, 4096, 65536, 3};
    for (int k = 0; done < (long)sizeof data && !why[0]; k++) {
        long n = chunks[k % 5];
        if (n > (long)sizeof data - done)
            n = (long)sizeof data - done;
        LONG before = f.mi.lDiskOffset;
        LRESULT w = deliver(&f, MMIOM_WRITE, (LPARAM)(data + done), n);
        if (w == -1 && f.mi.lDiskOffset == before) {
            /* a format procedure refusing bytes not of its format */
            close_file(&f);
            verdict(&R_WRITE, "SKIP",
                    "WRITE refused the validator's bytes "
                    "(the procedure takes only its own "
                    "format?)");
            return;
        }
        if (w != n || f.mi.lDiskOffset != before + w) {
            snprintf(why, sizeof why,
                     "WRITE of %ld at %ld answered %ld, lDiskOffset %ld", n,
                     (long)before, (long)w, (long)f.mi.lDiskOffset);
            break;
        }
        done += n;
    }
    r = close_file(&f);
    if (!why[0] && r != 0) {
        /* a format procedure may refuse bytes that are not its format at
         * close: nothing to read back then */
        verdict(&R_WRITE, "SKIP",
                "CLOSE after writing answered %ld (the "
                "procedure takes only its own format?)",
                (long)r);
        return;
    }
    if (why[0]) {
        verdict(&R_WRITE, "FAIL", "%s", why);
        return;
    }
    long len;
    char *back = read_all(name, &len, why, sizeof why);
    if (!back)
        verdict(&R_WRITE, "FAIL", "reading it back: %s", why);
    else if (len != (long)sizeof data || memcmp(back, data, sizeof data) != 0)
        verdict(&R_WRITE, "FAIL", "read back %ld bytes, not the %zu written",
                len, sizeof data);
    else {
        verdict(&R_WRITE, "PASS", NULL);
        snprintf(written, cap, "%s", name);
    }
    free(back);
}

static void rule_flush(void)
{
    begin(&R_FLUSH);
    char name[700];
    own_name(name, sizeof name, "f");
    struct file f;
    if (open_file(&f, name, MMIO_WRITE | MMIO_CREATE) != 0) {
        verdict(&R_FLUSH, "SKIP", "OPEN for writing refused");
        return;
    }
    LRESULT r = deliver(&f, MMIOM_WRITEFLUSH, (LPARAM) "flushed", 7);
    LONG off = f.mi.lDiskOffset;
    close_file(&f);
    if (r == 0)
        verdict(&R_FLUSH, "FAIL", "WRITEFLUSH of 7 bytes answered 0");
    else if (r == 7 && off != 7)
        verdict(&R_FLUSH, "FAIL", "WRITEFLUSH answered 7, lDiskOffset %ld",
                (long)off);
    else
        verdict(&R_FLUSH, "PASS", r == 7 ? NULL : "answered -1 (refused)");
}

/* written with what follows its last '+' replaced by member. */
static void other_member(char *out, size_t cap, const char *written,
                         const char *member)
{
    const char *plus = strrchr(written, '+');
    snprintf(out, cap, "%.*s+%s", plus ? (int)(plus - written) : 0, written,
             member);
}

static void rule_rename_delete(const char *written)
{
    begin(&R_RENAME);
    char moved[700];
    own_name(moved, sizeof moved, "moved");
    if (!written[0]) {
        verdict(&R_RENAME, "SKIP", "nothing was written");
        begin(&R_DELETE);
        verdict(&R_DELETE, "SKIP", "nothing was written");
        return;
    }
    struct file f = {0};
    f.mi.fccIOProc = fcc;
    LRESULT r = deliver(&f, MMIOM_RENAME, (LPARAM)written, (LPARAM)moved);
    if (r == MMSYSERR_NOTSUPPORTED) {
        /* moving to another container may be a copy, not a rename: try
         * another name in the same one (an archive's member) */
        other_member(moved, sizeof moved, written, "moved.bin");
        memset(&f, 0, sizeof f);
        f.mi.fccIOProc = fcc;
        r = deliver(&f, MMIOM_RENAME, (LPARAM)written, (LPARAM)moved);
    }
    LRESULT old = open_file(&f, written, MMIO_READ | MMIO_EXIST);
    LRESULT now = open_file(&f, moved, MMIO_READ | MMIO_EXIST);
    const char *target = written;
    if (r == 0 && (old == 0 || now != 0))
        verdict(&R_RENAME, "FAIL",
                "RENAME answered 0, but the old name %s and the new %s",
                old == 0 ? "is still there" : "is gone",
                now == 0 ? "is there" : "is not");
    else if (r != 0)
        verdict(&R_RENAME, "SKIP", "RENAME answered %ld (not supported)",
                (long)r);
    else {
        verdict(&R_RENAME, "PASS", NULL);
        target = moved;
    }
    begin(&R_DELETE);
    r = open_file(&f, target, MMIO_READ | MMIO_DELETE);
    LRESULT still = open_file(&f, target, MMIO_READ | MMIO_EXIST);
    if (r == 0 && still == 0)
        verdict(&R_DELETE, "FAIL", "DELETE answered 0 and the name is there");
    else if (r != 0)
        verdict(&R_DELETE, "SKIP", "DELETE answered %ld", (long)r);
    else
        verdict(&R_DELETE, "PASS", NULL);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    while (d && readdir(d))
        n++;
    if (d)
        closedir(d);
    return n;
}

static void rule_leak(const char *name, int rounds)
{
    begin(&R_LEAK);
    if (!name) {
        verdict(&R_LEAK, "SKIP", "no sample");
        return;
    }
    struct file f;
    if (open_file(&f, name, MMIO_READ) == 0) /* a first open may cache */
        close_file(&f);
    int before = count_fds();
    char buf[512];
    for (int i = 0; i < rounds; i++)
        if (open_file(&f, name, MMIO_READ) == 0) {
            deliver(&f, MMIOM_READ, (LPARAM)buf, sizeof buf);
            close_file(&f);
        }
    int after = count_fds();
    verdict(&R_LEAK, after > before ? "FAIL" : "PASS",
            "%d descriptors before %d open/close rounds, %d after", before,
            rounds, after);
}

static void rule_handles(const char *name)
{
    begin(&R_HANDLES);
    if (!name || !sample_bytes || sample_len < 2) {
        verdict(&R_HANDLES, "SKIP", "no sample read");
        return;
    }
    struct file a, b;
    if (open_file(&a, name, MMIO_READ) != 0 ||
        open_file(&b, name, MMIO_READ) != 0) {
        verdict(&R_HANDLES, "FAIL", "a second handle does not open");
        close_file(&a);
        return;
    }
    char x[256], y[256], why[300] = "";
    long half = sample_len / 2;
    deliver(&b, MMIOM_SEEK, (LPARAM)half, SEEK_SET);
    long take = sample_len - half < 256 ? sample_len - half : 256;
    long ra = read_checked(&a, x, take, why, sizeof why);
    long rb = read_checked(&b, y, take, why, sizeof why);
    if (!why[0] && (ra != take || rb != take ||
                    memcmp(x, sample_bytes, (size_t)take) != 0 ||
                    memcmp(y, sample_bytes + half, (size_t)take) != 0))
        snprintf(why, sizeof why, "the two handles' bytes are not the file's");
    close_file(&a);
    close_file(&b);
    verdict(&R_HANDLES, why[0] ? "FAIL" : "PASS", "%s", why);
}

struct worker {
    const char *name;
    char why[300];
};

static void *reader(void *arg)
{
    struct worker *w = arg;
    random_reads(w->name, 200, w->why, sizeof w->why);
    return NULL;
}

static void rule_threads(const char *name)
{
    begin(&R_THREADS);
    if (!name || !sample_bytes || sample_len == 0) {
        verdict(&R_THREADS, "SKIP", "no sample read");
        return;
    }
    struct worker w[2] = {{name, ""}, {name, ""}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, reader, &w[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    const char *why = w[0].why[0] ? w[0].why : w[1].why;
    verdict(&R_THREADS, why[0] ? "FAIL" : "PASS", "%s", why);
}

/* A procedure of the validator's whose OPEN opens the sample through the
 * procedure under test, from inside its own message. */
static const char *reentry_name;
static LRESULT CALLBACK wrapper(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    (void)info, (void)a, (void)b;
    if (msg != MMIOM_OPEN)
        return msg == MMIOM_CLOSE ? 0 : MMSYSERR_NOTSUPPORTED;
    char copy[700];
    snprintf(copy, sizeof copy, "%s", reentry_name);
    MMIOINFO in = {0};
    in.fccIOProc = fcc;
    HMMIO h = mmioOpen(copy, &in, MMIO_READ);
    char c;
    LONG r = h ? mmioRead(h, &c, 1) : -1;
    if (h)
        mmioClose(h, 0);
    return r >= 0 ? 0 : MMIOERR_CANNOTREAD;
}

static void rule_reentry(const char *name)
{
    begin(&R_REENTRY);
    if (!name) {
        verdict(&R_REENTRY, "SKIP", "no sample");
        return;
    }
    reentry_name = name;
    MMIOINFO in = {0};
    in.pIOProc = wrapper;
    HMMIO h = mmioOpen((LPSTR) "validator-wrapper", &in, MMIO_READ);
    if (h)
        mmioClose(h, 0);
    verdict(&R_REENTRY, h ? "PASS" : "FAIL",
            h ? NULL : "opening it from inside a message failed (%u)",
            in.wErrorRet);
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* The library's messages in the child: the validator probes absent
 * names on purpose, and says itself what went wrong. */
static void CALLBACK quiet(LPCSTR msg, void *ctx)
{
    (void)msg, (void)ctx;
}

static int child(const char *plugin, FOURCC want, int fd)
{
    report = fdopen(fd, "w");
    if (!report)
        return 3;
    if (chdir(scratch) != 0) /* made by the parent, which removes it */
        return 3; /* names of its own, relative, land in the scratch */
    fprintf(report, "begin\tload\n");
    fflush(report);
    MMRESULT rc = mmioExtLoadPlugin(plugin, 0);
    if (rc != MMSYSERR_NOERROR) {
        char text[128];
        mmioExtErrorText(rc, text, sizeof text);
        fprintf(report, "error\tthe plugin did not load: %s\n", text);
        nftw(scratch, remove_one, 8, FTW_DEPTH | FTW_PHYS);
        return 1;
    }
    fcc = want;
    mmioExtSetMessageCallback(quiet, NULL);
    proc = mmioInstallIOProc(fcc, NULL, MMIO_FINDPROC);
    if (!proc) {
        char f[5];
        fourcc_text(fcc, f);
        fprintf(report, "error\tno procedure for '%s' after the load\n", f);
        nftw(scratch, remove_one, 8, FTW_DEPTH | FTW_PHYS);
        return 1;
    }
    int level = vopt.level;
    char why[300] = "";
    const char *name = vopt.sample;
    char written[700] = "";
    rule_unknown(name);
    rule_exist(name);
    rule_modes(name);
    if (!name) { /* our own sample, if the procedure writes */
        rule_write(written, sizeof written);
        name = written[0] ? written : NULL;
    }
    if (name) {
        fprintf(report, "begin\treading the sample through\n");
        fflush(report);
        sample_bytes = read_all(name, &sample_len, why, sizeof why);
        if (!sample_bytes)
            fprintf(report, "note\tthe sample does not read through: %s\n",
                    why);
    }
    if (vopt.reference && sample_bytes) {
        /* an independent oracle: random reads are then held to it */
        begin(&R_REFERENCE);
        FILE *ref = fopen(vopt.reference, "rb");
        char *plain = ref ? malloc((size_t)sample_len + 1) : NULL;
        size_t got = plain ? fread(plain, 1, (size_t)sample_len + 1, ref) : 0;
        if (ref)
            fclose(ref);
        if (!plain)
            verdict(&R_REFERENCE, "FAIL", "cannot read %s", vopt.reference);
        else if (got == (size_t)sample_len &&
                 memcmp(plain, sample_bytes, got) == 0)
            verdict(&R_REFERENCE, "PASS", "%ld bytes", sample_len);
        else if (got > (size_t)sample_len)
            verdict(&R_REFERENCE, "FAIL",
                    "%ld bytes read in order; the reference is longer",
                    sample_len);
        else if (got < (size_t)sample_len)
            verdict(&R_REFERENCE, "FAIL",
                    "%ld bytes read in order; the reference has %zu",
                    sample_len, got);
        else
            verdict(&R_REFERENCE, "FAIL",
                    "%ld bytes read in order, not the reference's bytes",
                    sample_len);
        free(plain);
    }
    rule_read(name);
    rule_seek(name);
    rule_random(name, level <= 3 ? 50 : level <= 6 ? 500 : 2000);
    if (level >= 4) {
        rule_handles(name);
        rule_reentry(name);
    }
    if (level >= 7) {
        rule_threads(name);
        rule_leak(name, 50);
    }
    if (level >= 4) { /* last: they rename and delete the file written */
        if (vopt.sample)
            rule_write(written, sizeof written);
        rule_flush();
        rule_rename_delete(written);
    }
    free(sample_bytes);
    nftw(scratch, remove_one, 8, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* ---- the parent: one child per FOURCC, its report printed ---------------- */

#define MAX_FOURCCS 32
static FOURCC fourccs[MAX_FOURCCS + 1];
static int nfourccs;

static BOOL CALLBACK take_fourccs(const MMIOPLUGINDESC *d, void *ctx)
{
    int *state = ctx;
    *state = (int)d->uState;
    for (const FOURCC *f = d->pFourccs; *f && nfourccs < MAX_FOURCCS; f++)
        fourccs[nfourccs++] = *f;
    return FALSE;
}

struct tally {
    int pass, fail, skip, json_first;
};

static void print_result(char *line, struct tally *t)
{
    char *f[7];
    for (int i = 0; i < 7; i++) {
        f[i] = strsep(&line, "\t");
        if (!f[i])
            return;
    }
    /* f: fourcc, id, result, text, guide, detail (and "result" dropped) */
    const char *res = f[2];
    if (!strcmp(res, "PASS"))
        t->pass++;
    else if (!strcmp(res, "FAIL"))
        t->fail++;
    else
        t->skip++;
    if (opt.json) {
        printf("%s\n    {\"fourcc\": ", t->json_first ? "" : ",");
        t->json_first = 0;
        json_str(f[0]);
        printf(", \"rule\": ");
        json_str(f[1]);
        printf(", \"result\": ");
        json_str(res);
        printf(", \"says\": ");
        json_str(f[3]);
        printf(", \"guide\": ");
        json_str(f[4]);
        printf(", \"detail\": ");
        json_str(f[5]);
        printf("}");
    } else {
        printf("%-4s '%s' %-16s %s", res, f[0], f[1], f[3]);
        if (*f[5])
            printf(": %s", f[5]);
        if (!strcmp(res, "FAIL"))
            printf(" [guide: %s]", f[4]);
        printf("\n");
    }
}

/* Runs the child for one FOURCC and prints what it reports. */
static void validate_one(const char *plugin, FOURCC f, struct tally *t)
{
    int fds[2];
    if (pipe(fds) != 0) {
        t->fail++;
        return;
    }
    /* the child's scratch, made and removed here: a child that crashes
     * cannot clean up after itself */
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/mmio-validate.XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) {
        close(fds[0]);
        close(fds[1]);
        t->fail++;
        return;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        _exit(child(plugin, f, fds[1]));
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    char line[2048], last[64] = "load";
    while (in && fgets(line, sizeof line, in)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "begin\t", 6)) {
            snprintf(last, sizeof last, "%.60s", line + 6);
        } else if (!strncmp(line, "result\t", 7)) {
            snprintf(last, sizeof last, "(between rules)");
            char *rest = line + 7;
            char copy[2048];
            snprintf(copy, sizeof copy, "%s\t", rest);
            print_result(copy, t);
        } else if (!opt.json) {
            char *tab = strchr(line, '\t');
            fprintf(stderr, "mmiohost: validate: %s\n", tab ? tab + 1 : line);
            if (!strncmp(line, "error", 5))
                t->fail++;
        } else if (!strncmp(line, "error", 5)) {
            t->fail++;
        }
    }
    if (in)
        fclose(in);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    nftw(scratch, remove_one, 8, FTW_DEPTH | FTW_PHYS);
    if (WIFSIGNALED(st)) {
        char fs[5], detail[200];
        fourcc_text(f, fs);
        snprintf(detail, sizeof detail,
                 "%s\tcrashed\tFAIL\tthe procedure "
                 "does not crash\tThe procedure\t"
                 "killed by signal %d (%s) during %s\t",
                 fs, WTERMSIG(st), strsignal(WTERMSIG(st)), last);
        print_result(detail, t);
    }
}

int cmd_validate(const char *plugin_arg)
{
    /* the procedure is driven here, in a child of this process, so that a
     * crash is a verdict: never in a helper (--isolate is for the others) */
    setenv("MMIO_ISOLATE", "no", 1);
    static char plugin[PATH_MAX];
    if (!realpath(plugin_arg, plugin)) { /* the child changes directory */
        fprintf(stderr, "mmiohost: validate: %s: %s\n", plugin_arg,
                strerror(errno));
        return EXIT_FAIL;
    }
    static char sample[4200];
    if (vopt.sample && vopt.sample[0] != '/' &&
        !strstr(vopt.sample, "://")) { /* the child changes directory */
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd)) {
            fprintf(stderr, "mmiohost: validate: %s\n", strerror(errno));
            return EXIT_FAIL;
        }
        snprintf(sample, sizeof sample, "%s/%s", cwd, vopt.sample);
        vopt.sample = sample;
    }
    static char reference[PATH_MAX];
    if (vopt.reference) {
        if (!realpath(vopt.reference, reference)) {
            fprintf(stderr, "mmiohost: validate: %s: %s\n", vopt.reference,
                    strerror(errno));
            return EXIT_FAIL;
        }
        vopt.reference = reference;
    }
    if (vopt.level < 1 || vopt.level > 10) {
        fprintf(stderr, "mmiohost: validate: --level is 1 to 10\n");
        return EXIT_USAGE;
    }
    int state = -1;
    if (vopt.fourcc) {
        if (strlen(vopt.fourcc) < 1 || strlen(vopt.fourcc) > 4) {
            fprintf(stderr, "mmiohost: validate: --fourcc takes 1 to 4 "
                            "characters\n");
            return EXIT_USAGE;
        }
        fourccs[nfourccs++] = mmioStringToFOURCC(vopt.fourcc, 0);
    }
    MMRESULT rc = mmioExtCheckPlugin(plugin, take_fourccs, &state);
    if (rc != MMSYSERR_NOERROR) {
        say_error(plugin, rc);
        return EXIT_FAIL;
    }
    if (state != MMIO_PLUGIN_AVAILABLE) {
        fprintf(stderr,
                "mmiohost: validate: %s does not pass the check "
                "(`mmiohost info` says why)\n",
                plugin);
        return EXIT_FAIL;
    }
    if (vopt.fourcc)
        nfourccs = 1; /* only the one asked for */
    struct tally t = {0, 0, 0, 1};
    if (opt.json) {
        printf("{\"plugin\": ");
        json_str(plugin);
        printf(", \"level\": %d, \"results\": [", vopt.level);
    }
    for (int i = 0; i < nfourccs; i++)
        validate_one(plugin, fourccs[i], &t);
    if (opt.json)
        printf("\n  ], \"passed\": %d, \"failed\": %d, \"skipped\": %d}\n",
               t.pass, t.fail, t.skip);
    else
        printf("%d passed, %d failed, %d skipped\n", t.pass, t.fail, t.skip);
    if (!t.pass && !t.fail) { /* nothing was shown to work */
        fprintf(stderr, "mmiohost: validate: no rule ran\n");
        return EXIT_FAIL;
    }
    return t.fail ? EXIT_FAIL : EXIT_OK;
}
