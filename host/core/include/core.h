/* SPDX-License-Identifier: MIT */
/*
 * core.h - what the core (the mmio API) offers the layers above it.
 *
 * The core never names the loader.  The loader plugs in through two hooks,
 * set once by the composition file (host/compose.c), the way SQLite's core
 * reaches a VFS only through its registered methods.
 */
#ifndef MMIO_CORE_H
#define MMIO_CORE_H

#include "mmio.h"

#include <stdint.h>

struct mmio_core_hooks {
    /* A lookup missed fcc: make whatever provides it available (the core
     * then looks again).  0, or the error (an MMIOERR_ code) that kept a
     * plugin claiming fcc from being installed now: such a name fails to
     * open instead of falling back to the DOS procedure. */
    UINT (*provide)(FOURCC fcc);
    /* An application installed (added) or removed a procedure with
     * MMIO_GLOBALPROC; called without any core lock held. */
    void (*global_changed)(FOURCC fcc, LPMMIOPROC proc, int added);
};
void mmio_core_set_hooks(const struct mmio_core_hooks *hooks);

/* Install contexts: while one is pushed on a thread, installs made there
 * without MMIO_GLOBALPROC land where it says (a plugin being loaded for a
 * task, or for the whole process) and are reported to `seen`.  Contexts
 * nest (a plugin's install may load another plugin): each install lands in
 * the innermost one. */
typedef void (*mmio_install_seen)(void *ctx, FOURCC fcc, LPMMIOPROC proc);
struct mmio_install_ctx {
    int global;         /* installs go to the global registry */
    HTASK task;         /* else this task (NULL: the thread's current one) */
    const char *source; /* credited in enumeration (a plugin name) */
    mmio_install_seen seen;
    void *seen_ctx;
    /* set by the core */
    uint64_t id; /* what its installs are tagged with */
    uint64_t task_serial;
    int task_gone; /* an install found the task destroyed: it failed */
    struct mmio_install_ctx *outer;
};
/* MMSYSERR_INVALHANDLE when ctx->task names no live task. */
MMRESULT mmio_install_push(struct mmio_install_ctx *ctx);
void mmio_install_pop(struct mmio_install_ctx *ctx);
/* Withdraws everything installed under ctx (a failed plugin install must
 * leave nothing behind); entries open files use are freed by their last
 * user.  Call before popping it. */
void mmio_install_undo(struct mmio_install_ctx *ctx);
/* Whether the context's task still lives (always true for global). */
int mmio_install_target_alive(const struct mmio_install_ctx *ctx);
/* The serial number of the task a context targets (0: global); two loads
 * into the same task compare equal, a recreated task never does. */
uint64_t mmio_install_target(const struct mmio_install_ctx *ctx);

#endif
