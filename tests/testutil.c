/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

struct tu_log tu_log;

const char *tu_path(const char *leaf)
{
    static char dir[256];
    static char out[4][512];
    static int turn;
    static pid_t owner;
    if (owner != getpid()) { /* Check forks each test: one dir per test */
        const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(dir, sizeof dir, "%s/mmiotest.XXXXXX", base);
        ck_assert_ptr_nonnull(mkdtemp(dir));
        owner = getpid();
    }
    turn = (turn + 1) % 4;
    snprintf(out[turn], sizeof out[turn], "%s/%s", dir, leaf);
    return out[turn];
}

void tu_write(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
    ck_assert_int_eq(fclose(fp), 0);
}

long tu_size(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fclose(fp);
    return n;
}

size_t tu_read(const char *path, void *buf, size_t cap)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    size_t n = fread(buf, 1, cap, fp);
    fclose(fp);
    return n;
}

void tu_pattern_file(const char *path, size_t len)
{
    unsigned char *b = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < len; i++)
        b[i] = (unsigned char)(i % 251);
    tu_write(path, b, len);
    free(b);
}

HMMIO tu_open(const char *path, MMIOINFO *info, DWORD flags)
{
    char name[512];
    snprintf(name, sizeof name, "%s", path);
    return mmioOpen(name, info, flags);
}

void tu_log_reset(void)
{
    memset(&tu_log, 0, sizeof tu_log);
}

LRESULT CALLBACK tu_proc(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    MMIOINFO *mi = (MMIOINFO *)(void *)info;
    if (msg < 8)
        tu_log.msgs[msg]++;
    else if (msg >= MMIOM_USER)
        tu_log.user++;
    tu_log.last_msg = msg;
    tu_log.last_a = a;
    tu_log.last_b = b;
    switch (msg) {
    case MMIOM_OPEN:
        tu_log.at_open = *mi;
        snprintf(tu_log.open_name, sizeof tu_log.open_name, "%s",
                 a ? (const char *)a : "(null)");
        if (mi->dwFlags & MMIO_CREATE)
            tu_log.size = 0;
        return 0;
    case MMIOM_CLOSE:
        return 0;
    case MMIOM_READ: {
        long n = tu_log.size - mi->lDiskOffset;
        if (n > (long)b)
            n = (long)b;
        if (n < 0)
            n = 0;
        memcpy((void *)a, tu_log.data + mi->lDiskOffset, (size_t)n);
        mi->lDiskOffset += (LONG)n;
        return n;
    }
    case MMIOM_WRITE:
    case MMIOM_WRITEFLUSH:
        if (tu_log.fail_writes || mi->lDiskOffset + b > TU_CAP)
            return -1;
        memcpy(tu_log.data + mi->lDiskOffset, (const void *)a, (size_t)b);
        mi->lDiskOffset += (LONG)b;
        if (mi->lDiskOffset > tu_log.size)
            tu_log.size = mi->lDiskOffset;
        return b;
    case MMIOM_SEEK: {
        long pos = (long)a;
        if (b == SEEK_CUR)
            pos += mi->lDiskOffset;
        else if (b == SEEK_END)
            pos = tu_log.size - (long)a;
        if (pos < 0 || pos > TU_CAP)
            return -1;
        mi->lDiskOffset = (LONG)pos;
        return pos;
    }
    case MMIOM_RENAME:
        return 0;
    default:
        return msg >= MMIOM_USER ? a + b : 0;
    }
}

LRESULT CALLBACK tu_proc2(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    return tu_proc(info, msg, a, b);
}

void tu_text_file(const char *path, long n, unsigned seed)
{
    unsigned char *b = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(b);
    unsigned x = seed * 2654435761u + 12345u;
    for (long i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        b[i] = (unsigned char)('a' + (x >> 16) % 20);
    }
    tu_write(path, b, (size_t)n);
    free(b);
}

char *tu_slurp(const char *path, long *n)
{
    *n = tu_size(path);
    ck_assert_int_ge(*n, 0);
    char *b = malloc((size_t)*n + 1);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(tu_read(path, b, (size_t)*n), (size_t)*n);
    b[*n] = 0;
    return b;
}

static int status_of(int st)
{
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void tu_skip(const char *test, const char *reason)
{
    size_t len = strlen(test); /* START_TEST's function is NAME_fn */
    if (len > 3 && strcmp(test + len - 3, "_fn") == 0)
        len -= 3;
    const char *log = getenv("MMIO_TEST_SKIP_LOG");
    FILE *f = log ? fopen(log, "a") : NULL;
    if (!f) {
        printf("SKIP %.*s: %s\n", (int)len, test, reason);
        return;
    }
    fprintf(f, "%.*s: %s\n", (int)len, test, reason);
    fclose(f);
}

int tu_shell(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    ck_assert_int_lt(len, (int)sizeof cmd);
    return status_of(system(cmd));
}

int tu_capture(char *out, size_t cap, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    ck_assert_int_lt(len, (int)sizeof cmd);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    return status_of(pclose(p));
}

LONG tu_read_to_end(const char *name, long *total)
{
    char copy[1024];
    static char buf[65536];
    snprintf(copy, sizeof copy, "%s", name);
    HMMIO h = mmioOpen(copy, NULL, MMIO_READ);
    ck_assert_msg(h != NULL, "cannot open %s", name);
    LONG r;
    long n = 0;
    while ((r = mmioRead(h, buf, sizeof buf)) > 0)
        n += r;
    mmioClose(h, 0);
    if (total)
        *total = n;
    return r;
}

int tu_dir_count(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot list %s", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, part) != NULL;
    closedir(d);
    return n;
}

int tu_write_under_limit(const char *name, long n, long limit, int compressible)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {(rlim_t)limit, (rlim_t)limit};
        setrlimit(RLIMIT_FSIZE, &rl);
        char copy[4096];
        snprintf(copy, sizeof copy, "%s", name);
        HMMIO h = mmioOpen(copy, NULL, MMIO_WRITE | MMIO_CREATE);
        if (!h)
            _exit(10);
        unsigned x = 3;
        int wrote_all = 1;
        for (long i = 0; i < n; i += 4096) {
            char buf[4096];
            for (size_t k = 0; k < sizeof buf; k++) {
                x = x * 1103515245u + 12345u;
                buf[k] = compressible ? "mmio "[k % 5] : (char)(x >> 24);
            }
            wrote_all &= mmioWrite(h, buf, 4096) == 4096;
        }
        MMRESULT rc = mmioClose(h, 0);
        _exit(rc == MMIOERR_CANNOTWRITE ? 20
              : rc != 0                 ? 12
              : wrote_all               ? 0
                                        : 11);
    }
    int st;
    waitpid(pid, &st, 0);
    ck_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

/* Writes a 16-bit mono WAVE of frames samples with mmioCreateChunk and
 * mmioAscend (which seek back to patch sizes): 0 or the failing step. */
int tu_write_wave(const char *name, long frames)
{
    HMMIO h =
        mmioOpen((LPSTR)name, NULL, MMIO_WRITE | MMIO_CREATE | MMIO_ALLOCBUF);
    if (!h)
        return 1;
    MMCKINFO riff = {0}, fmt = {0}, data = {0};
    static const unsigned char wf[16] = {1,    0,    1, 0, 0x22, 0x56, 0,  0,
                                         0x44, 0xac, 0, 0, 2,    0,    16, 0};
    riff.fccType = mmioFOURCC('W', 'A', 'V', 'E');
    fmt.ckid = mmioFOURCC('f', 'm', 't', ' ');
    fmt.cksize = 16;
    data.ckid = mmioFOURCC('d', 'a', 't', 'a');
    if (mmioCreateChunk(h, &riff, MMIO_CREATERIFF) ||
        mmioCreateChunk(h, &fmt, 0) ||
        mmioWrite(h, (const char *)wf, 16) != 16 || mmioAscend(h, &fmt, 0) ||
        mmioCreateChunk(h, &data, 0))
        return 2;
    unsigned x = 1;
    for (long i = 0; i < frames; i++) {
        x = x * 1103515245u + 12345u;
        short v = (short)((i * 37) % 20000 + (long)(x >> 28));
        if (mmioWrite(h, (const char *)&v, 2) != 2)
            return 3;
    }
    if (mmioAscend(h, &data, 0) || mmioAscend(h, &riff, 0))
        return 4;
    return mmioClose(h, 0) == 0 ? 0 : 5;
}
