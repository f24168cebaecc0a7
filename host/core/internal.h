/* SPDX-License-Identifier: MIT */
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
#include "mmio_plugin.h"
#include "util.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* One open file.  `info` is the MMIOINFO the procedure sees (its address is
 * the LPSTR passed to the procedure), so it must stay the first member. */
typedef struct mmio_file {
    MMIOINFO info;
    struct mmio_reg_entry *pin; /* registry entry kept alive while open */
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
/* Invalidates handle h of f atomically: 0 for the one caller that did it,
 * -1 for any other (closed meanwhile).  mmio_handle_free follows. */
int mmio_handle_claim(mmio_file *f, HMMIO h);

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

/* Who installed the file's procedure, for messages ("built-in" for the
 * DOS and MEM procedures). */
const char *mmio_file_source(const mmio_file *f);
/* A message to the file's procedure, traced when MMIO_DEBUG asks. */
LRESULT mmio_send_traced(mmio_file *f, UINT msg, LPARAM a, LPARAM b);
static inline LRESULT mmio_send(mmio_file *f, UINT msg, LPARAM a, LPARAM b)
{
    if (__builtin_expect(mmio_debug_levels[MMIO_DEBUG_PROC] != 0, 0))
        return mmio_send_traced(f, msg, a, b);
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

/* A new unique temporary file; its name written into buf (cap bytes). */
BOOL mmio_name_gettemp(char *buf, size_t cap);

/* ---- registry.c: installed procedures ------------------------------------ */
/* The procedure mmioOpen uses for fcc (local, then global, then built-in),
 * pinned so it cannot be removed while the file is open.  NULL with *rc
 * MMSYSERR_INVALHANDLE for an htask that names no live task, or with the
 * error that kept a plugin claiming fcc from being installed (else 0). */
LPMMIOPROC mmio_registry_acquire(FOURCC fcc, HTASK task,
                                 struct mmio_reg_entry **pin, UINT *rc);
void mmio_registry_release(struct mmio_reg_entry *pin);
/* Whether htask (non-NULL) names a live task. */
int mmio_task_valid(HTASK htask);
/* 0 for a procedure that takes narrow (UTF-8) names, else the size of the
 * WCHAR it takes them in (2: UTF-16, 4: UTF-32). */
unsigned mmio_registry_wide(const struct mmio_reg_entry *pin);
/* Who installed it, for messages: a plugin's name, "built-in",
 * "application"; "the caller" for a procedure given in the MMIOINFO. */
const char *mmio_registry_source(const struct mmio_reg_entry *pin);
LPMMIOPROC mmio_install_io_proc(FOURCC fcc, LPMMIOPROC proc, DWORD flags,
                                unsigned wide);

/* ---- unicode.c: names between UTF-8 and wide strings ---------------------
 * A wide string is UTF-16 (width 2) or UTF-32 (width 4), NUL-terminated.
 * Both return malloc'ed strings, NULL for an invalid sequence or no
 * memory. */
char *mmio_utf8_from_wide(const void *w, unsigned width);
void *mmio_wide_from_utf8(const char *s, unsigned width);
size_t mmio_wide_len(const void *w, unsigned width);

/* wide.c: the UTF-16 entry points (mmio.h maps the W names to them in code
 * built with -fshort-wchar). */
MMIOAPI HMMIO mmioExtOpenW16(uint16_t *name, LPMMIOINFO info, DWORD flags);
MMIOAPI MMRESULT mmioExtRenameW16(const uint16_t *from, const uint16_t *to,
                                  LPCMMIOINFO info, DWORD flags);
MMIOAPI FOURCC mmioExtStringToFOURCCW16(const uint16_t *sz, UINT flags);
MMIOAPI LPMMIOPROC mmioExtInstallIOProcW16(FOURCC fcc, LPMMIOPROC proc,
                                           DWORD flags);

/* ---- open.c: the one mmioOpen/mmioRename behind the A and W names -------- */
/* name is UTF-8; wide is the caller's WCHAR size (0: a narrow caller),
 * which a pIOProc given in the MMIOINFO takes its names in. */
HMMIO mmio_open(LPSTR name, LPMMIOINFO info, DWORD flags, unsigned wide);
MMRESULT mmio_rename(LPCSTR from, LPCSTR to, LPCMMIOINFO info, unsigned wide);
/* MMIO_PARSE: the full path of name into full (cap bytes); 0, or an
 * MMIOERR_ code. */
UINT mmio_name_fullpath(const char *name, char *full, size_t cap);
/* The longest name MMIO_PARSE and MMIO_GETTEMP write back (Win32's
 * OFS_MAXPATHNAME): callers size their buffers for it. */
#define MMIO_MAXPATH 128
/* What mmioOpen returns for MMIO_PARSE, MMIO_EXIST, MMIO_GETTEMP...:
 * TRUE when rc is 0, else FALSE; rc goes to info->wErrorRet. */
HMMIO mmio_answer(LPMMIOINFO info, UINT rc);

#endif /* MMIO_INTERNAL_H */
