/* SPDX-License-Identifier: MIT */
/* testutil.h - helpers shared by the Check suites. */
#ifndef MMIO_TESTUTIL_H
#define MMIO_TESTUTIL_H

#include <check.h>
#include <mmsystem.h>
#include <stddef.h>

/* A fresh temporary directory per test (removed by the OS' tmp cleaning). */
const char *tu_path(const char *leaf);
void tu_write(const char *path, const void *data, size_t len);
long tu_size(const char *path);
/* Reads at most cap bytes; returns the count. */
size_t tu_read(const char *path, void *buf, size_t cap);
/* Fills a file with bytes i % 251 for i in [0, len). */
void tu_pattern_file(const char *path, size_t len);
HMMIO tu_open(const char *path, MMIOINFO *info, DWORD flags);
/* A text file of n bytes, compressible about 2:1 like real data, the same
 * for the same seed. */
void tu_text_file(const char *path, long n, unsigned seed);
/* The whole file, NUL-terminated, its length in *n (malloc'd). */
char *tu_slurp(const char *path, long *n);
/* Opens name for reading and reads it to its end in 64 KiB requests: the
 * last answer (0 at a clean end, -1 on an error); the bytes read in *total
 * (if not NULL). */
LONG tu_read_to_end(const char *name, long *total);
/* Runs a shell command made with printf's format, its standard output
 * (at most cap - 1 bytes, NUL-terminated) in out: its exit status, -1 if
 * it did not exit. */
int tu_capture(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* How many entries of dir ("." and ".." included) have part in their
 * names ("" counts them all). */
int tu_dir_count(const char *dir, const char *part);
/* Runs a shell command made with printf's format: its exit status, -1 if
 * it did not exit. */
int tu_shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* In a child process whose files may not grow past limit bytes (a full
 * disk: writes fail with EFBIG), opens name for writing (MMIO_CREATE) and
 * writes n bytes (incompressible, or a text that deflates to almost
 * nothing when compressible): 0 when every write and the close
 * succeeded, 20 when the close said MMIOERR_CANNOTWRITE, 11 when a write
 * failed but the close said nothing, 10 when the open failed. */
int tu_write_under_limit(const char *name, long n, long limit,
                         int compressible);

/* Records that the running test could not check what it is for (reason
 * says why: not root, no C++ compiler...); the runner lists every skip
 * after Check's summary.  TU_SKIP also returns from the test. */
void tu_skip(const char *test, const char *reason);
#define TU_SKIP(reason)                                                        \
    do {                                                                       \
        tu_skip(__func__, reason);                                             \
        return;                                                                \
    } while (0)

/* The recording procedure: a memory-backed file that logs each message. */
#define TU_CAP 65536
struct tu_log {
    int msgs[8];           /* count per message below MMIOM_USER */
    int user;              /* MMIOM_USER messages */
    LPARAM last_a, last_b; /* parameters of the last message */
    UINT last_msg;
    MMIOINFO at_open; /* the MMIOINFO the procedure saw at MMIOM_OPEN */
    char open_name[256];
    unsigned char data[TU_CAP];
    long size;
    int fail_writes; /* nonzero: MMIOM_WRITE/WRITEFLUSH return -1 */
};
extern struct tu_log tu_log;
LRESULT CALLBACK tu_proc(LPSTR info, UINT msg, LPARAM a, LPARAM b);
LRESULT CALLBACK tu_proc2(LPSTR info, UINT msg, LPARAM a, LPARAM b);
void tu_log_reset(void);

Suite *suite_open(void);
Suite *suite_buffer(void);
Suite *suite_mem(void);
Suite *suite_riff(void);
Suite *suite_registry(void);
Suite *suite_threads(void);
Suite *suite_interop(void);
Suite *suite_plugins(void);
Suite *suite_loader(void);
Suite *suite_copies(void);
Suite *suite_hostile(void);
Suite *suite_hostfiles(void);
Suite *suite_unicode(void);
Suite *suite_fidelity(void);
Suite *suite_cli(void);
Suite *suite_gz(void);
Suite *suite_zip(void);
Suite *suite_zipread(void);
Suite *suite_sndfile(void);
Suite *suite_faults(void);
Suite *suite_nesting(void);
Suite *suite_remote(void);
Suite *suite_s3(void);
Suite *suite_isolate(void);

/* Writes a 16-bit mono WAVE of frames samples to name with mmioCreateChunk
 * and mmioAscend (which seek back to patch sizes): 0 or the failing step. */
int tu_write_wave(const char *name, long frames);

#endif
