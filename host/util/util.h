/* SPDX-License-Identifier: MIT */
/*
 * util.h - the bottom layer: messages, growable strings and arrays, bounded
 * and atomic file I/O, the library's own directory.  Depends on nothing but
 * libc and the public header (for the message callback type).
 */
#ifndef MMIO_UTIL_H
#define MMIO_UTIL_H

#include "mmio.h"

#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#if defined(__GNUC__)
#define MMIO_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MMIO_PRINTF(f, a)
#endif

/* ---- sys.c: the fault seam ---------------------------------------------
 * The library's system calls and allocations that can fail, one function
 * each with libc's signature: a fault build (MMIO_FAULTS, see fault.h) can
 * make the Nth call fail, so every error path is executed by a test.  Code
 * in host/ calls these, never the libc functions they wrap. */
enum mmio_sys_call {
    MMIO_SYS_OPEN,
    MMIO_SYS_READ,
    MMIO_SYS_WRITE,
    MMIO_SYS_PREAD,
    MMIO_SYS_PWRITE,
    MMIO_SYS_FSYNC,
    MMIO_SYS_RENAME,
    MMIO_SYS_LINKAT,
    MMIO_SYS_MALLOC, /* the allocations, from here on */
    MMIO_SYS_CALLOC,
    MMIO_SYS_REALLOC,
    MMIO_SYS_STRDUP,
    MMIO_SYS_NCALLS
};
int mmio_sys_open(const char *path, int flags, ...);
ssize_t mmio_sys_read(int fd, void *buf, size_t n);
ssize_t mmio_sys_write(int fd, const void *buf, size_t n);
ssize_t mmio_sys_pread(int fd, void *buf, size_t n, off_t at);
ssize_t mmio_sys_pwrite(int fd, const void *buf, size_t n, off_t at);
int mmio_sys_fsync(int fd);
int mmio_sys_rename(const char *from, const char *to);
int mmio_sys_linkat(int fromdir, const char *from, int todir, const char *to,
                    int flags);
void *mmio_sys_malloc(size_t n);
void *mmio_sys_calloc(size_t n, size_t size);
void *mmio_sys_realloc(void *p, size_t n);
char *mmio_sys_strdup(const char *s);
/* A copy of s, NULL for NULL; a copy that failed sets *failed. */
char *mmio_strdup_opt(const char *s, int *failed);

/* Whether errno value err says the machine failed (memory, I/O, limits)
 * rather than that the file is missing or refused: an operation that met
 * it is incomplete and must fail, not carry on as if the file were not
 * there. */
int mmio_errno_transient(int err);

/* ---- spawn.c: starting a helper process ------------------------------ */
/* posix_spawn attributes: no signal blocked, SIGPIPE and SIGCHLD at their
 * defaults, in a process group of its own when own_group. */
void mmio_spawn_attr_init(posix_spawnattr_t *at, int own_group);
/* environ with entry ("NAME=VALUE") in place of any NAME: a malloc'd
 * array of borrowed strings (entry must outlive it), or NULL. */
char **mmio_env_with(const char *entry);

/* ---- debug.c: MMIO_DEBUG, one line per event -------------------------- */
enum { MMIO_DEBUG_PROC, MMIO_DEBUG_LOADER, MMIO_DEBUG_NCATS };
/* The level of each category (0: off), from $MMIO_DEBUG at load. */
extern int mmio_debug_levels[MMIO_DEBUG_NCATS];
#define MMIO_DEBUGGING(cat, level) (mmio_debug_levels[cat] >= (level))
/* "debug: CAT: TEXT" where messages go. */
void mmio_debug(int cat, const char *fmt, ...) MMIO_PRINTF(2, 3);
/* name as it may be printed: a URL's user:password and query string
 * replaced by "***". */
void mmio_debug_name(const char *name, char *out, size_t cap);

/* ---- msg.c: every message the library has for a person ---------------- */
/* Goes to the sink set with mmio_msg_set_sink, else stderr. */
void mmio_msg(const char *fmt, ...) MMIO_PRINTF(1, 2);
/* Where messages go from now on (NULL: stderr); the callback runs without
 * any lock held. */
void mmio_msg_set_sink(MMIOMESSAGEPROC *cb, void *ctx);
/* The last message said on the calling thread (traces aside); "". */
const char *mmio_msg_last(void);
/* A FOURCC as a person reads it ("ZIP "): printable bytes as they are,
 * others as '?'. */
void mmio_fourcc_text(FOURCC fcc, char out[5]);
/* A message as a person reads it ("READ", "CAPS", "USER+3"); buf holds
 * the ones without a name. */
const char *mmio_message_name(UINT msg, char *buf, size_t cap);

/* ---- strbuf.c: a growable NUL-terminated string ------------------------ */
struct mmio_str {
    char *p;    /* NULL until something was added */
    size_t len; /* bytes before the NUL */
    size_t cap; /* bytes allocated */
    int failed; /* an append ran out of memory or overflowed: p is partial */
};
void mmio_str_add(struct mmio_str *s, const char *text, size_t n);
void mmio_str_puts(struct mmio_str *s, const char *text);
void mmio_str_printf(struct mmio_str *s, const char *fmt, ...)
    MMIO_PRINTF(2, 3);
void mmio_str_free(struct mmio_str *s);

/* ---- vec.c: growable arrays --------------------------------------------- */
/* Makes room for `need` items of `size` bytes in *items (capacity *cap);
 * 0, or -1 when that overflows size_t or memory runs out (*items intact). */
int mmio_vec_reserve(void *items, size_t *cap, size_t need, size_t size);
/* Appends the pointer p to the array *arr of *n pointers; 0 or -1. */
int mmio_ptrs_push(void *arr, size_t *n, size_t *cap, void *p);

/* ---- files.c ------------------------------------------------------------ */
/* mkdir -p of path's directory, with mode for the directories it makes. */
int mmio_make_parent(const char *path, mode_t mode);
/* Replaces path with data atomically (temp file in the same directory,
 * fsync, rename): readers see the old file or the new one.  0 or -1. */
int mmio_write_atomic(const char *path, const char *data, size_t len,
                      mode_t mode);

/* Reads a whole file that must be trusted: opened without blocking and
 * without following a final symlink's FIFO, a regular file, at most `cap`
 * bytes, owned by root or the effective user and not writable by group or
 * others.  Returns the NUL-terminated text, or NULL with errno set
 * (ENOENT: no such file; others: why in `why`). */
char *mmio_read_trusted(const char *path, size_t cap, size_t *len, char *why,
                        size_t whycap);
/* Whether st is owned by root or the effective user. */
int mmio_owner_ok(const struct stat *st);
int64_t mmio_mtime_ns(const struct stat *st);

/* ---- libdir.c: where libmmio.so is ------------------------------------- */
/* The canonical directory of libmmio.so, resolved once ("" if unknown). */
const char *mmio_lib_dir(void);
/* The canonical path of libmmio.so itself ("" if unknown). */
const char *mmio_lib_file(void);
/* lib_dir/rel/leaf into out, canonicalised as far as it exists; 0 or -1. */
int mmio_lib_relative(char *out, size_t cap, const char *rel, const char *leaf);

#endif
