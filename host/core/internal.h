/*
 * internal.h - what the files of the core (host/core) share with each other.
 * Upper layers use core.h instead.
 *
 * Nothing here is public: the library builds with -fvisibility=hidden and
 * only the functions mmio.h declares with MMIOAPI leave it.  Internal names use
 * the prefix mmio_ (lower case) so they never collide with the Win32 names.
 */
#ifndef MMIO_INTERNAL_H
#define MMIO_INTERNAL_H

#include "core.h"
#include "mmio.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* One open file.  `info` is the MMIOINFO the procedure sees (its address is
 * the LPSTR passed to the procedure), so it must stay the first member. */
typedef struct mmio_file {
    MMIOINFO info;
    struct mmio_proc_pin *pin; /* registry entry kept alive while open */
    unsigned is_mem;      /* built-in MEM procedure: the buffer is the file */
    _Atomic uint32_t gen; /* handle generation; odd while open */
    uint32_t index;       /* slot number in the handle table */
    uint32_t next_free;   /* free list link (index + 1, 0 = end) */
} mmio_file;

/* ---- handle.c: the handle table ---------------------------------------- */
/* A fresh slot, not yet valid as a handle; NULL when the table is full. */
mmio_file *mmio_handle_alloc(void);
/* Makes the slot's handle valid (after a successful open). */
void mmio_handle_publish(mmio_file *f);
/* Invalidates the handle and returns the slot to the free list. */
void mmio_handle_free(mmio_file *f);
HMMIO mmio_handle_of(const mmio_file *f);
/* NULL for a closed, stale or invented handle; never crashes. */
mmio_file *mmio_handle_get(HMMIO h);

/* ---- buffer.c: buffered I/O over the procedure ----------------------------
 */
LONG mmio_read(mmio_file *f, char *dst, LONG cch);
LONG mmio_write(mmio_file *f, const char *src, LONG cch);
LONG mmio_seek(mmio_file *f, LONG offset, int origin);
LONG mmio_tell(const mmio_file *f);
/* Writes a dirty buffer with `msg` (MMIOM_WRITE or MMIOM_WRITEFLUSH). */
MMRESULT mmio_writeback(mmio_file *f, UINT msg);
/* Sets up the buffer at open; 0 or an MMIOERR_* code. */
MMRESULT mmio_buffer_init(mmio_file *f, HPSTR buf, LONG cch, DWORD flags);
void mmio_buffer_release(mmio_file *f);

static inline LRESULT mmio_send(mmio_file *f, UINT msg, LPARAM a, LPARAM b)
{
    return f->info.pIOProc((LPSTR)&f->info, msg, a, b);
}

/* ---- proc_dos.c / proc_mem.c: the built-in procedures ------------------ */
LRESULT CALLBACK mmio_proc_dos(LPSTR info, UINT msg, LPARAM a, LPARAM b);
LRESULT CALLBACK mmio_proc_mem(LPSTR info, UINT msg, LPARAM a, LPARAM b);
/* Memory files: grow the block so `need` more bytes fit at pchNext. */
MMRESULT mmio_mem_grow(mmio_file *f, LONG need);
MMRESULT mmio_mem_init(mmio_file *f, HPSTR buf, LONG cch, DWORD flags);

/* ---- share.c: share modes between handles, with advisory locks ---------- */
/* 0, or MMIOERR_SHARINGVIOLATION; *lockfd gets a descriptor to close later
 * (-1 when the locks live on fd itself or locking is unsupported). */
UINT mmio_share_acquire(int fd, const char *path, DWORD flags, int *lockfd);
void mmio_share_release(int fd, int lockfd);

/* ---- errors.c -------------------------------------------------------------
 */
UINT mmio_error_from_errno(int err, UINT fallback);

/* ---- names.c: FOURCCs and file names ------------------------------------- */
/* The FOURCC a compound name selects ("a.xyz+b" -> "XYZ "), or 0. */
FOURCC mmio_name_fourcc(const char *name);
/* Full path of `name` written back in place (at most cap bytes). */
BOOL mmio_name_parse(char *name, size_t cap);
/* A new unique temporary file; its name written into buf (cap bytes). */
BOOL mmio_name_gettemp(char *buf, size_t cap);

/* ---- registry.c: installed procedures ------------------------------------ */
/* The procedure mmioOpen uses for fcc (local, then global, then built-in),
 * pinned so it cannot be removed while the file is open.  NULL with *rc
 * MMSYSERR_INVALHANDLE for an htask that names no live task. */
LPMMIOPROC mmio_registry_acquire(FOURCC fcc, HTASK task,
                                 struct mmio_proc_pin **pin, UINT *rc);
void mmio_registry_release(struct mmio_proc_pin *pin);
/* Whether htask (non-NULL) names a live task. */
int mmio_task_valid(HTASK htask);

#endif /* MMIO_INTERNAL_H */
