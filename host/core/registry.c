/* SPDX-License-Identifier: MIT */
/*
 * registry.c - installed I/O procedures: mmioInstallIOProc, tasks, and the
 * lookup mmioOpen uses.
 *
 * Two levels, searched in this order: the local registry of a task (an
 * application), then the global registry (shared by every task, and ending
 * with the built-in DOS and MEM procedures, which are never removed).  Each
 * registry hashes FOURCCs into buckets whose chains are newest first, so a
 * lookup touches a handful of entries whatever is installed, and a hit
 * touches no file.  A miss asks the provide hook (the plugin loader, set by
 * the composition file) whether something provides the FOURCC, then looks
 * again.
 *
 * One mutex guards all of it.  An entry in use by an open file is pinned
 * (users > 0) and cannot be removed, so a pinned entry's memory stays valid.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 256

/* One installed procedure (a registry entry); open files pin it. */
struct mmio_reg_entry {
    FOURCC fcc;
    LPMMIOPROC proc;
    unsigned users; /* open files using this installation */
    unsigned builtin;
    unsigned detached;  /* withdrawn while in use: freed by the last user */
    unsigned wide;      /* 0, or the WCHAR size of its names */
    const char *source; /* interned: plugin name, "built-in" or "application" */
    uint64_t install_id;         /* the install context it came from, or 0 */
    struct mmio_task *task;      /* NULL: global */
    struct mmio_reg_entry *next; /* same bucket, older */
};

struct registry {
    struct mmio_reg_entry *bucket[BUCKETS];
};

/* A task.  Its HTASK is its serial number, never its address: serials
 * are never reused, so a handle to a destroyed task stays invalid even when
 * a new task gets the same memory (the way HMMIO carries a generation). */
struct mmio_task {
    struct registry local;
    uint64_t serial; /* never reused: a recreated task is another task */
    struct mmio_task *next;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
/* Who holds reg_lock (a thread-local's address, 0: nobody), so functions
 * that need it held can assert it. */
static _Atomic uintptr_t reg_holder;
static _Thread_local char reg_me;
#define ASSERT_REG_LOCKED()                                                    \
    assert(atomic_load(&reg_holder) == (uintptr_t)&reg_me)

static void reg_lock_take(void)
{
    pthread_mutex_lock(&reg_lock);
    atomic_store(&reg_holder, (uintptr_t)&reg_me);
}

static void reg_lock_drop(void)
{
    ASSERT_REG_LOCKED();
    atomic_store(&reg_holder, 0);
    pthread_mutex_unlock(&reg_lock);
}
static struct registry global_reg;
static struct mmio_task default_task = {.serial = 1};
static struct mmio_task *tasks = &default_task; /* every live task */
/* The calling thread's current task: its serial, 0 for the default. */
static _Thread_local uint64_t current_serial;

static uint64_t next_serial = 1;     /* reg_lock */
static uint64_t next_install_id = 0; /* reg_lock */

/* Source names are interned: an entry never borrows a plugin's memory (a
 * plugin's descriptor is freed by a rescan while its entries live on).
 * Few distinct names exist in a process; they are never freed. */
struct interned {
    struct interned *next;
    char text[];
};
static struct interned *interned; /* reg_lock */

static const char *intern_locked(const char *s)
{
    ASSERT_REG_LOCKED();
    for (struct interned *i = interned; i; i = i->next)
        if (!strcmp(i->text, s))
            return i->text;
    size_t n = strlen(s) + 1;
    struct interned *i = mmio_sys_malloc(sizeof *i + n);
    if (!i)
        return NULL;
    memcpy(i->text, s, n);
    i->next = interned;
    interned = i;
    return i->text;
}

/* The innermost install context of this thread (core.h). */
static _Thread_local struct mmio_install_ctx *install_top;

static const struct mmio_core_hooks *hooks;

void mmio_core_set_hooks(const struct mmio_core_hooks *h)
{
    hooks = h;
}

static struct mmio_reg_entry builtin_dos = {.fcc = FOURCC_DOS,
                                            .proc = mmio_proc_dos,
                                            .builtin = 1,
                                            .source = "built-in"};
static struct mmio_reg_entry builtin_mem = {.fcc = FOURCC_MEM,
                                            .proc = mmio_proc_mem,
                                            .builtin = 1,
                                            .source = "built-in"};
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

/* Fibonacci hashing: FOURCCs differ in a byte or two ("L001", "L002"), and
 * the multiply spreads every byte over the top bits. */
static unsigned bucket_of(FOURCC fcc)
{
    return (unsigned)((uint32_t)(fcc * 0x9E3779B1u) >> 24) & (BUCKETS - 1);
}

static void add_builtins(void)
{
    /* Built-ins sit at the end of their chains: anything installed later
     * under the same FOURCC is found first. */
    global_reg.bucket[bucket_of(FOURCC_DOS)] = &builtin_dos;
    builtin_mem.next = global_reg.bucket[bucket_of(FOURCC_MEM)];
    global_reg.bucket[bucket_of(FOURCC_MEM)] = &builtin_mem;
}

static HTASK handle_of(const struct mmio_task *t)
{
    return (HTASK)(uintptr_t)t->serial;
}

/* The live task with this serial (never the default one); reg_lock held. */
static struct mmio_task *task_by_serial(uint64_t serial)
{
    ASSERT_REG_LOCKED();
    for (struct mmio_task *i = tasks; serial && i; i = i->next)
        if (i->serial == serial && i != &default_task)
            return i;
    return NULL;
}

/* The task a handle names (NULL: the thread's current one); NULL for an
 * unknown or destroyed one.  reg_lock held. */
static struct mmio_task *task_of(HTASK htask)
{
    ASSERT_REG_LOCKED();
    uint64_t serial = htask ? (uint64_t)(uintptr_t)htask : current_serial;
    if (!serial)
        return &default_task;
    /* a current task another thread destroyed is not silently replaced by
     * the default one: what the thread does for it fails */
    return task_by_serial(serial);
}

/* The newest entry for fcc (and proc, when given); reg_lock held. */
static struct mmio_reg_entry **find_slot(struct registry *r, FOURCC fcc,
                                         LPMMIOPROC proc)
{
    ASSERT_REG_LOCKED();
    struct mmio_reg_entry **pp = &r->bucket[bucket_of(fcc)];
    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->fcc == fcc && (!proc || (*pp)->proc == proc))
            return pp;
    return NULL;
}

static struct mmio_reg_entry *lookup(FOURCC fcc, struct mmio_task *t)
{
    struct mmio_reg_entry **pp = t ? find_slot(&t->local, fcc, NULL) : NULL;
    if (!pp)
        pp = find_slot(&global_reg, fcc, NULL);
    return pp ? *pp : NULL;
}

/* Looks fcc up for htask, asking the plugin host once on a miss; *why
 * gets the error that kept a plugin claiming fcc from being installed. */
static struct mmio_reg_entry *lookup_or_load(FOURCC fcc, HTASK htask,
                                             int *bad_task, int pin, UINT *why)
{
    struct mmio_reg_entry *e = NULL;
    *why = 0;
    pthread_once(&builtins_once, add_builtins);
    for (int attempt = 0; attempt < 2; attempt++) {
        reg_lock_take();
        struct mmio_task *t = task_of(htask);
        *bad_task = (t == NULL);
        e = t ? lookup(fcc, t) : NULL;
        if (e && pin && !e->builtin)
            e->users++;
        reg_lock_drop();
        if (e || *bad_task || attempt == 1)
            break;
        /* Look again even when this call loaded nothing: another thread
         * may have been loading the very plugin while this one waited. */
        if (!hooks || !hooks->provide)
            break;
        *why = hooks->provide(fcc);
    }
    if (e)
        *why = 0;
    return e;
}

LPMMIOPROC mmio_registry_acquire(FOURCC fcc, HTASK task,
                                 struct mmio_reg_entry **pin, UINT *rc)
{
    int bad_task;
    UINT why;
    struct mmio_reg_entry *e = lookup_or_load(fcc, task, &bad_task, 1, &why);
    *pin = (e && !e->builtin) ? e : NULL;
    *rc = bad_task ? MMSYSERR_INVALHANDLE : why;
    return e ? e->proc : NULL;
}

int mmio_task_valid(HTASK htask)
{
    reg_lock_take();
    int ok = task_of(htask) != NULL;
    reg_lock_drop();
    return ok;
}

void mmio_registry_release(struct mmio_reg_entry *pin)
{
    if (!pin)
        return;
    reg_lock_take();
    assert(pin->users > 0);
    pin->users--;
    int last = pin->detached && pin->users == 0;
    reg_lock_drop();
    if (last)
        free(pin); /* withdrawn while this file had it open */
}

/* The task a context targets, if it still lives; reg_lock held. */
static struct mmio_task *ctx_task(const struct mmio_install_ctx *c)
{
    ASSERT_REG_LOCKED();
    return c->task_serial == default_task.serial
               ? &default_task
               : task_by_serial(c->task_serial);
}

MMRESULT mmio_install_push(struct mmio_install_ctx *c)
{
    pthread_once(&builtins_once, add_builtins);
    reg_lock_take();
    struct mmio_task *t = c->global ? NULL : task_of(c->task);
    reg_lock_drop();
    if (!c->global && !t)
        return MMSYSERR_INVALHANDLE;
    c->task_serial = t ? t->serial : 0;
    c->task_gone = 0;
    reg_lock_take();
    c->id = ++next_install_id;
    reg_lock_drop();
    c->outer = install_top;
    install_top = c;
    return MMSYSERR_NOERROR;
}

void mmio_install_pop(struct mmio_install_ctx *c)
{
    /* Contexts are popped in the order pushed; anything else is a bug. */
    assert(install_top == c);
    if (install_top == c)
        install_top = c->outer;
}

/* Unlinks every entry of r that came from install context id. */
static void undo_in_locked(struct registry *r, uint64_t id)
{
    ASSERT_REG_LOCKED();
    for (unsigned b = 0; b < BUCKETS; b++) {
        struct mmio_reg_entry **pp = &r->bucket[b];
        while (*pp) {
            struct mmio_reg_entry *e = *pp;
            if (e->builtin || e->install_id != id) {
                pp = &e->next;
                continue;
            }
            *pp = e->next;
            if (e->users)
                e->detached = 1; /* an open file still uses it */
            else
                free(e);
        }
    }
}

void mmio_install_undo(struct mmio_install_ctx *c)
{
    reg_lock_take();
    undo_in_locked(&global_reg, c->id);
    struct mmio_task *t = c->global ? NULL : ctx_task(c);
    if (t)
        undo_in_locked(&t->local, c->id);
    reg_lock_drop();
}

int mmio_install_target_alive(const struct mmio_install_ctx *c)
{
    if (c->global)
        return 1;
    reg_lock_take();
    int alive = ctx_task(c) != NULL;
    reg_lock_drop();
    return alive;
}

uint64_t mmio_install_target(const struct mmio_install_ctx *c)
{
    return c->global ? 0 : c->task_serial;
}

static LPMMIOPROC install(FOURCC fcc, LPMMIOPROC proc, DWORD flags,
                          unsigned wide)
{
    if (!proc)
        return NULL;
    struct mmio_reg_entry *e = mmio_sys_calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->wide = wide;
    struct mmio_install_ctx *c = install_top;
    e->fcc = fcc;
    e->proc = proc;
    e->install_id = c ? c->id : 0;
    reg_lock_take();
    e->source = intern_locked(c && c->source ? c->source : "application");
    if (!e->source) {
        reg_lock_drop();
        free(e);
        return NULL;
    }
    struct registry *r = &global_reg;
    /* Inside an install the loader decides where procedures go: a plugin's
     * own MMIO_GLOBALPROC never widens a load made for one task. */
    int global = c ? c->global : (flags & MMIO_GLOBALPROC) != 0;
    if (!global) {
        e->task = c ? ctx_task(c) : task_of(NULL);
        if (!e->task) { /* the task was destroyed while its plugin loaded */
            reg_lock_drop();
            free(e);
            if (c)
                c->task_gone = 1;
            return NULL;
        }
        r = &e->task->local;
    }
    e->next = r->bucket[bucket_of(fcc)];
    r->bucket[bucket_of(fcc)] = e;
    reg_lock_drop();
    if (c && c->seen)
        c->seen(c->seen_ctx, fcc, proc);
    /* Only an application's own global install is shared with other
     * processes; what a plugin installs comes from the plugin again. */
    if ((flags & MMIO_GLOBALPROC) && !c && hooks && hooks->global_changed)
        hooks->global_changed(fcc, proc, 1);
    return proc;
}

static LPMMIOPROC remove_newest(FOURCC fcc, LPMMIOPROC proc, DWORD flags)
{
    LPMMIOPROC removed = NULL;
    reg_lock_take();
    struct mmio_task *t = task_of(NULL);
    struct mmio_reg_entry **pp = t ? find_slot(&t->local, fcc, proc) : NULL;
    if (!pp)
        pp = find_slot(&global_reg, fcc, proc);
    int was_global = pp && !(*pp)->task;
    if (pp && !(*pp)->builtin && (*pp)->users == 0) {
        struct mmio_reg_entry *e = *pp;
        *pp = e->next;
        removed = e->proc;
        free(e);
    }
    reg_lock_drop();
    if (removed && was_global && (flags & MMIO_GLOBALPROC) && hooks &&
        hooks->global_changed)
        hooks->global_changed(fcc, removed, 0);
    return removed;
}

unsigned mmio_registry_wide(const struct mmio_reg_entry *pin)
{
    return pin ? pin->wide : 0;
}

const char *mmio_registry_source(const struct mmio_reg_entry *pin)
{
    return pin ? pin->source : "the caller"; /* interned: lives as long */
}

LPMMIOPROC mmio_install_io_proc(FOURCC fccIOProc, LPMMIOPROC pIOProc,
                                DWORD dwFlags, unsigned wide)
{
    pthread_once(&builtins_once, add_builtins);
    if (dwFlags & MMIO_INSTALLPROC)
        return install(fccIOProc, pIOProc, dwFlags, wide);
    if (dwFlags & MMIO_REMOVEPROC)
        return remove_newest(fccIOProc, pIOProc, dwFlags);
    if (dwFlags & MMIO_FINDPROC) {
        int bad_task;
        UINT why;
        struct mmio_reg_entry *e =
            lookup_or_load(fccIOProc, NULL, &bad_task, 0, &why);
        return e ? e->proc : NULL;
    }
    return NULL;
}

LPMMIOPROC mmioInstallIOProc(FOURCC fccIOProc, LPMMIOPROC pIOProc,
                             DWORD dwFlags)
{
    /* MMIO_UNICODEPROC: its names are this library's wchar_t strings */
    unsigned wide = (dwFlags & MMIO_UNICODEPROC) ? sizeof(wchar_t) : 0;
    return mmio_install_io_proc(fccIOProc, pIOProc, dwFlags, wide);
}

LPMMIOPROC mmioInstallIOProcA(FOURCC fccIOProc, LPMMIOPROC pIOProc,
                              DWORD dwFlags)
{
    return mmioInstallIOProc(fccIOProc, pIOProc, dwFlags);
}

/* ---- tasks ----------------------------------------------------------------
 */

HTASK mmioExtTaskCreate(void)
{
    struct mmio_task *t = mmio_sys_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    reg_lock_take();
    t->serial = ++next_serial;
    t->next = tasks;
    tasks = t;
    reg_lock_drop();
    return handle_of(t);
}

MMRESULT mmioExtTaskDestroy(HTASK htask)
{
    reg_lock_take();
    struct mmio_task **pt = &tasks;
    while (*pt && (handle_of(*pt) != htask || *pt == &default_task))
        pt = &(*pt)->next;
    if (!htask || !*pt || *pt == &default_task) {
        reg_lock_drop();
        return MMSYSERR_INVALHANDLE;
    }
    struct mmio_task *t = *pt;
    for (unsigned b = 0; b < BUCKETS; b++)
        for (struct mmio_reg_entry *e = t->local.bucket[b]; e; e = e->next)
            if (e->users) {
                reg_lock_drop();
                return MMSYSERR_ALLOCATED;
            }
    *pt = t->next;
    reg_lock_drop();
    for (unsigned b = 0; b < BUCKETS; b++) {
        struct mmio_reg_entry *e = t->local.bucket[b];
        while (e) {
            struct mmio_reg_entry *next = e->next;
            free(e);
            e = next;
        }
    }
    if (current_serial == t->serial)
        current_serial = 0;
    free(t);
    return MMSYSERR_NOERROR;
}

HTASK mmioExtTaskSetCurrent(HTASK htask)
{
    HTASK previous = mmioExtTaskGetCurrent();
    current_serial = (uint64_t)(uintptr_t)htask;
    return previous;
}

HTASK mmioExtTaskGetCurrent(void)
{
    return (HTASK)(uintptr_t)current_serial;
}

/* ---- enumeration ------------------------------------------------------------
 */

static size_t collect(const struct registry *r, MMIOPROCDESC *out, size_t cap,
                      size_t n)
{
    for (unsigned b = 0; b < BUCKETS; b++)
        for (const struct mmio_reg_entry *e = r->bucket[b]; e; e = e->next) {
            if (n < cap) {
                MMIOPROCDESC *d = &out[n];
                d->fccIOProc = e->fcc;
                d->pIOProc = e->proc;
                d->uScope = e->builtin ? MMIO_SCOPE_BUILTIN
                            : e->task  ? MMIO_SCOPE_LOCAL
                                       : MMIO_SCOPE_GLOBAL;
                d->htask = (e->task && e->task != &default_task)
                               ? handle_of(e->task)
                               : NULL;
                d->pszSource = e->source;
                d->cOpen = e->users;
            }
            n++;
        }
    return n;
}

MMRESULT mmioExtEnumProcs(MMIOENUMPROCS *cb, void *ctx)
{
    if (!cb)
        return MMSYSERR_INVALPARAM;
    pthread_once(&builtins_once, add_builtins);
    MMIOPROCDESC *list = NULL;
    size_t n = 0, cap = 0;
    for (;;) { /* count, then copy; callbacks run without the lock */
        reg_lock_take();
        n = 0;
        for (struct mmio_task *t = tasks; t; t = t->next)
            n = collect(&t->local, list, cap, n);
        n = collect(&global_reg, list, cap, n);
        reg_lock_drop();
        if (n <= cap)
            break;
        free(list);
        cap = n + 16;
        list = mmio_sys_calloc(cap, sizeof *list);
        if (!list)
            return MMSYSERR_NOMEM;
    }
    for (size_t i = 0; i < n && cb(&list[i], ctx); i++)
        ;
    free(list);
    return MMSYSERR_NOERROR;
}
