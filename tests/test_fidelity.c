/* SPDX-License-Identifier: MIT */
/* What Windows does where the first version differed (memory files and
 * mmioSetBuffer, MMIO_ALLOCBUF with no size), and a core that cannot be
 * misused: procedures answering more than asked, positions at the LONG
 * limit, two threads closing one handle. */
#define _GNU_SOURCE
#include "hostutil.h"
#include "testutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static HMMIO open_mem(char *block, LONG size, DWORD flags)
{
    MMIOINFO info = {0};
    info.fccIOProc = FOURCC_MEM;
    info.pchBuffer = block;
    info.cchBuffer = size;
    return mmioOpen(NULL, &info, flags);
}

START_TEST(set_buffer_on_a_memory_file)
{
    static char block[64] = "memory file contents";
    char mine[32];
    MMIOINFO got;
    HMMIO h = open_mem(block, sizeof block, MMIO_READWRITE);
    ck_assert_ptr_nonnull(h);
    ck_assert_uint_eq(mmioSetBuffer(h, NULL, 0, 0), 0);
    mmioGetInfo(h, &got, 0);
    ck_assert_int_eq(got.cchBuffer, 0);
    ck_assert_ptr_null(got.pchBuffer);
    ck_assert_ptr_null(got.pchNext);
    ck_assert_ptr_null(got.pchEndRead);
    ck_assert_ptr_null(got.pchEndWrite);
    ck_assert_uint_eq(mmioSetBuffer(h, NULL, 0, MMIO_ALLOCBUF), 0);
    mmioGetInfo(h, &got, 0);
    ck_assert_ptr_null(got.pchBuffer);
    ck_assert_int_eq(got.cchBuffer, 0);
    ck_assert_uint_eq(mmioSetBuffer(h, mine, 0, MMIO_ALLOCBUF), 0);
    mmioGetInfo(h, &got, 0);
    ck_assert_ptr_eq(got.pchBuffer, mine);
    ck_assert_int_eq(got.cchBuffer, 0);
    ck_assert_uint_eq(mmioSetBuffer(h, NULL, 256, MMIO_WRITE | MMIO_ALLOCBUF),
                      0);
    mmioGetInfo(h, &got, 0);
    ck_assert_ptr_nonnull(got.pchBuffer);
    ck_assert_int_eq(got.cchBuffer, 256);
    ck_assert_ptr_eq(got.pchEndRead, got.pchBuffer); /* empty */
    ck_assert_ptr_eq(got.pchEndWrite, got.pchBuffer + 256);
    ck_assert_uint_eq(got.dwFlags, MMIO_READWRITE | MMIO_ALLOCBUF);
    /* what it holds now: a new, empty file in that buffer */
    char b[8];
    ck_assert_int_eq(mmioRead(h, b, sizeof b), 0);
    ck_assert_int_eq(mmioWrite(h, "new", 3), 3);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_SET), 0);
    ck_assert_int_eq(mmioRead(h, b, sizeof b), 3);
    ck_assert(memcmp(b, "new", 3) == 0);
    ck_assert_str_eq(block, "memory file contents"); /* the old one intact */
    ck_assert_uint_eq(mmioClose(h, 0), 0);
}
END_TEST

START_TEST(allocbuf_with_no_size)
{
    MMIOINFO got;
    /* a memory file with no block: an 8 KiB one */
    HMMIO h = open_mem(NULL, 0, MMIO_READWRITE | MMIO_ALLOCBUF);
    ck_assert_ptr_nonnull(h);
    mmioGetInfo(h, &got, 0);
    ck_assert_ptr_nonnull(got.pchBuffer);
    ck_assert_int_eq(got.cchBuffer, MMIO_DEFAULTBUFFER);
    ck_assert_uint_eq(got.dwFlags, MMIO_READWRITE | MMIO_ALLOCBUF);
    mmioClose(h, 0);
    /* a caller block with no size is taken as 8 KiB, and stays the caller's */
    static char block[MMIO_DEFAULTBUFFER];
    h = open_mem(block, 0, MMIO_READ | MMIO_ALLOCBUF);
    mmioGetInfo(h, &got, 0);
    ck_assert_ptr_eq(got.pchBuffer, block);
    ck_assert_int_eq(got.cchBuffer, MMIO_DEFAULTBUFFER);
    ck_assert_uint_eq(got.dwFlags & MMIO_ALLOCBUF, 0);
    mmioClose(h, 0);
    const char *path = tu_path("f.bin");
    tu_pattern_file(path, 100);
    MMIOINFO info = {0};
    info.pchBuffer = block;
    h = tu_open(path, &info, MMIO_READ | MMIO_ALLOCBUF);
    mmioGetInfo(h, &got, 0);
    ck_assert_ptr_eq(got.pchBuffer, block);
    ck_assert_int_eq(got.cchBuffer, MMIO_DEFAULTBUFFER);
    ck_assert_uint_eq(got.dwFlags & MMIO_ALLOCBUF, 0);
    mmioClose(h, 0);
    /* a disk file with a caller block of size 0 and no ALLOCBUF keeps it,
     * as a zero-size buffer, and still reads */
    memset(&info, 0, sizeof info);
    info.pchBuffer = block;
    h = tu_open(path, &info, MMIO_READ);
    mmioGetInfo(h, &got, 0);
    ck_assert_ptr_eq(got.pchBuffer, block);
    ck_assert_int_eq(got.cchBuffer, 0);
    char b[10];
    ck_assert_int_eq(mmioRead(h, b, 10), 10);
    ck_assert_int_eq(b[3], 3);
    ck_assert_int_eq(mmioSeek(h, 50, SEEK_SET), 50);
    ck_assert_int_eq(mmioRead(h, b, 1), 1);
    ck_assert_int_eq(b[0], 50);
    mmioClose(h, 0);
}
END_TEST

/* A procedure that answers every read with 16 bytes more than asked. */
static LRESULT CALLBACK greedy(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    MMIOINFO *mi = (MMIOINFO *)(void *)info;
    switch (msg) {
    case MMIOM_OPEN:
    case MMIOM_CLOSE:
        return 0;
    case MMIOM_READ:
        memset((char *)a, 'g', (size_t)b);
        mi->lDiskOffset += (LONG)b;
        return b + 16;
    case MMIOM_SEEK:
        mi->lDiskOffset = (LONG)a;
        return a;
    default:
        return MMSYSERR_NOTSUPPORTED;
    }
}

START_TEST(oversized_procedure_results_are_errors)
{
    MMIOINFO info = {0};
    info.pIOProc = greedy;
    char buf[200];
    HMMIO h = mmioOpen((LPSTR) "greedy", &info, MMIO_READ); /* unbuffered */
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioRead(h, buf, 70), -1); /* was 86 */
    mmioClose(h, 0);
    memset(&info, 0, sizeof info);
    info.pIOProc = greedy;
    info.cchBuffer = 64;
    h = mmioOpen((LPSTR) "greedy", &info, MMIO_READ);
    ck_assert_int_eq(mmioRead(h, buf, 10), -1); /* the buffer fill lied */
    MMIOINFO got;
    mmioGetInfo(h, &got, 0);
    ck_assert(got.pchEndRead <= got.pchBuffer + got.cchBuffer);
    ck_assert_int_eq(mmioRead(h, buf, 100), -1);
    mmioClose(h, 0);
}
END_TEST

/* Answers a short read first, then claims more than it was asked. */
static LRESULT CALLBACK short_then_greedy(LPSTR info, UINT msg, LPARAM a,
                                          LPARAM b)
{
    MMIOINFO *mi = (MMIOINFO *)(void *)info;
    switch (msg) {
    case MMIOM_OPEN:
    case MMIOM_CLOSE:
        return 0;
    case MMIOM_READ: {
        LONG n = mi->lDiskOffset == 0 ? 10 : (LONG)b;
        memset((char *)a, 's', (size_t)n);
        mi->lDiskOffset += n;
        return mi->lDiskOffset == 10 ? 10 : n + 16;
    }
    case MMIOM_SEEK:
        mi->lDiskOffset = (LONG)a;
        return a;
    default:
        return MMSYSERR_NOTSUPPORTED;
    }
}

/* A large buffered read goes straight to the procedure: when it lies
 * after a short answer, the caller gets the bytes it had, never more. */
START_TEST(a_lie_after_a_short_read_keeps_the_bytes_before_it)
{
    MMIOINFO info = {0};
    info.pIOProc = short_then_greedy;
    info.cchBuffer = 64;
    HMMIO h = mmioOpen((LPSTR) "short", &info, MMIO_READ);
    ck_assert_ptr_nonnull(h);
    char buf[300];
    memset(buf, '#', sizeof buf);
    ck_assert_int_eq(mmioRead(h, buf, 200), 10);
    ck_assert_int_eq(buf[9], 's');
    ck_assert_int_eq(buf[200], '#'); /* nothing past what was asked */
    /* the position is where the true bytes ended */
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR), 10);
    mmioClose(h, 0);
}
END_TEST

/* A 100-byte file whose procedure reads at lDiskOffset but forgets to
 * move it (it does seek when told). */
static LRESULT CALLBACK forgetful(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    MMIOINFO *mi = (MMIOINFO *)(void *)info;
    switch (msg) {
    case MMIOM_OPEN:
    case MMIOM_CLOSE:
        return 0;
    case MMIOM_READ: {
        LONG n = 0;
        while (n < (LONG)b && mi->lDiskOffset + n < 100) {
            ((char *)a)[n] = (char)(mi->lDiskOffset + n);
            n++;
        }
        return n; /* lDiskOffset left where it was */
    }
    case MMIOM_SEEK:
        mi->lDiskOffset = (LONG)a;
        return a;
    default:
        return MMSYSERR_NOTSUPPORTED;
    }
}

/* Such a procedure breaks the contract: its read fails at once, with a
 * message naming it and the rule, for a buffered and an unbuffered file
 * (it used to give its first bytes again and again: `mmiohost cat` wrote
 * until the disk was full). */
START_TEST(a_procedure_that_forgets_ldiskoffset_fails_at_once)
{
    struct said said = {0};
    mmioExtSetMessageCallback(collect, &said);
    for (int buffered = 0; buffered < 2; buffered++) {
        MMIOINFO info = {0};
        info.pIOProc = forgetful;
        info.fccIOProc = mmioFOURCC('F', 'O', 'R', 'G');
        info.cchBuffer = buffered ? 16 : 0;
        HMMIO h = mmioOpen((LPSTR) "forgetful", &info, MMIO_READ);
        ck_assert_ptr_nonnull(h);
        char buf[40];
        long total = 0, r;
        while ((r = mmioRead(h, buf, sizeof buf)) > 0 && total < 1000)
            total += r;
        ck_assert_int_eq(r, -1);
        ck_assert_int_lt(total, 100);
        mmioClose(h, 0);
    }
    ck_assert_msg(strstr(said.all, "'FORG' (the caller) broke the contract: "
                                   "a read must move lDiskOffset") != NULL,
                  "%s", said.all);
    mmioExtSetMessageCallback(NULL, NULL);
}
END_TEST

/* A procedure that pretends to be a file of 3 GiB, for positions. */
static LRESULT CALLBACK huge_file(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    MMIOINFO *mi = (MMIOINFO *)(void *)info;
    switch (msg) {
    case MMIOM_OPEN:
    case MMIOM_CLOSE:
        return 0;
    case MMIOM_READ:
    case MMIOM_WRITE:
    case MMIOM_WRITEFLUSH:
        if (msg == MMIOM_READ)
            memset((char *)a, 'h', (size_t)b);
        mi->lDiskOffset += (LONG)b; /* the library keeps this in range */
        return b;
    case MMIOM_SEEK:
        mi->lDiskOffset = (LONG)a;
        return a;
    default:
        return MMSYSERR_NOTSUPPORTED;
    }
}

START_TEST(positions_stop_at_the_long_limit)
{
    MMIOINFO info = {0};
    info.pIOProc = huge_file;
    info.cchBuffer = 64;
    HMMIO h = mmioOpen((LPSTR) "huge", &info, MMIO_READWRITE);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(mmioSeek(h, 0x7ffffff0, SEEK_SET), 0x7ffffff0);
    char buf[64];
    ck_assert_int_eq(mmioWrite(h, buf, 32), -1); /* would pass 2 GiB */
    ck_assert_int_eq(mmioWrite(h, buf, 15), 15);
    ck_assert_int_eq(mmioSeek(h, 0, SEEK_CUR), 0x7fffffff);
    ck_assert_int_eq(mmioRead(h, buf, 10), 0); /* nothing past the limit */
    ck_assert_int_eq(mmioSeek(h, 1, SEEK_CUR), -1);
    MMCKINFO ck = {0};
    ck.dwDataOffset = 0x80000002u;
    ck.cksize = 10;
    ck_assert_uint_eq(mmioAscend(h, &ck, 0), MMIOERR_CANNOTSEEK);
    ck.dwFlags = MMIO_DIRTY;
    ck_assert_uint_eq(mmioAscend(h, &ck, 0), MMIOERR_CANNOTSEEK);
    mmioClose(h, 0);
    /* the DOS procedure on a sparse file just under 2 GiB */
    const char *path = tu_path("sparse.bin");
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 0x7ffffffa), 0);
    close(fd);
    h = tu_open(path, NULL, MMIO_READWRITE);
    ck_assert_int_eq(mmioSeek(h, 0x7ffffff8, SEEK_SET), 0x7ffffff8);
    ck_assert_int_eq(mmioWrite(h, buf, 16), -1);
    ck_assert_int_eq(mmioRead(h, buf, 16), 2);
    mmioClose(h, 0);
}
END_TEST

struct closer {
    HMMIO h;
    pthread_barrier_t *go;
    MMRESULT rc;
};

static void *close_it(void *arg)
{
    struct closer *c = arg;
    pthread_barrier_wait(c->go);
    c->rc = mmioClose(c->h, 0);
    return NULL;
}

START_TEST(two_threads_closing_one_handle)
{
    static char block[64];
    for (int round = 0; round < 300; round++) {
        HMMIO h = open_mem(block, sizeof block, MMIO_READ | MMIO_ALLOCBUF);
        ck_assert_ptr_nonnull(h);
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, 2);
        struct closer a = {h, &go, 99}, b = {h, &go, 99};
        pthread_t ta, tb;
        pthread_create(&ta, NULL, close_it, &a);
        pthread_create(&tb, NULL, close_it, &b);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        pthread_barrier_destroy(&go);
        ck_assert_msg((a.rc == 0) != (b.rc == 0), "round %d: %u and %u", round,
                      a.rc, b.rc);
        ck_assert(a.rc == MMSYSERR_INVALHANDLE || b.rc == MMSYSERR_INVALHANDLE);
        /* the table is whole: two opens get two different handles */
        HMMIO x = open_mem(block, sizeof block, MMIO_READ);
        HMMIO y = open_mem(block, sizeof block, MMIO_READ);
        ck_assert_ptr_ne(x, y);
        ck_assert_uint_eq(mmioClose(x, 0), 0);
        ck_assert_uint_eq(mmioClose(y, 0), 0);
    }
}
END_TEST

START_TEST(builtin_procedures_refuse_unknown_messages)
{
    const char *path = tu_path("u.bin");
    tu_pattern_file(path, 10);
    HMMIO h = tu_open(path, NULL, MMIO_READ);
    ck_assert_int_ne(mmioSendMessage(h, MMIOM_USER + 7, 0, 0), 0);
    mmioClose(h, 0);
    static char block[16];
    h = open_mem(block, sizeof block, MMIO_READ);
    ck_assert_int_ne(mmioSendMessage(h, MMIOM_USER + 7, 0, 0), 0);
    mmioClose(h, 0);
}
END_TEST

START_TEST(exist_and_delete_opens_are_closed)
{
    MMIOINFO info = {0};
    info.pIOProc = tu_proc;
    tu_log_reset();
    ck_assert_ptr_eq(mmioOpen((LPSTR) "x", &info, MMIO_DELETE),
                     (HMMIO)(uintptr_t)TRUE);
    ck_assert_int_eq(tu_log.msgs[MMIOM_OPEN], 1);
    ck_assert_int_eq(tu_log.msgs[MMIOM_CLOSE], 1); /* was 0: a leak */
    tu_log_reset();
    ck_assert_ptr_eq(mmioOpen((LPSTR) "x", &info, MMIO_EXIST),
                     (HMMIO)(uintptr_t)TRUE);
    ck_assert_int_eq(tu_log.msgs[MMIOM_CLOSE], 1);
    /* the DOS procedure's delete holds no descriptor to close */
    int probe = dup(0);
    ck_assert_int_ge(probe, 0);
    const char *path = tu_path("doomed");
    tu_write(path, "x", 1);
    ck_assert_ptr_eq(tu_open(path, NULL, MMIO_DELETE), (HMMIO)(uintptr_t)TRUE);
    ck_assert_int_eq(tu_size(path), -1);
    ck_assert_int_ne(fcntl(0, F_GETFD), -1); /* descriptor 0 still open */
    close(probe);
}
END_TEST

Suite *suite_fidelity(void)
{
    Suite *s = suite_create("fidelity");
    TCase *tc = tcase_create("fidelity");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, set_buffer_on_a_memory_file);
    tcase_add_test(tc, allocbuf_with_no_size);
    tcase_add_test(tc, oversized_procedure_results_are_errors);
    tcase_add_test(tc, a_lie_after_a_short_read_keeps_the_bytes_before_it);
    tcase_add_test(tc, a_procedure_that_forgets_ldiskoffset_fails_at_once);
    tcase_add_test(tc, positions_stop_at_the_long_limit);
    tcase_add_test(tc, two_threads_closing_one_handle);
    tcase_add_test(tc, builtin_procedures_refuse_unknown_messages);
    tcase_add_test(tc, exist_and_delete_opens_are_closed);
    suite_add_tcase(s, tc);
    return s;
}
