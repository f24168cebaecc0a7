/*
 * registry.c - installed I/O procedures: mmioInstallIOProc and the lookup
 * that mmioOpen uses.
 *
 * Two levels, searched in this order: the local registry of the calling
 * application (task), then the global registry (shared by every task, and
 * ending with the built-in DOS and MEM procedures, which are never removed).
 * Each registry hashes FOURCCs into buckets whose chains are newest first,
 * so a lookup touches a handful of entries whatever is installed.  One mutex
 * guards all of it; an entry in use by an open file is pinned (users > 0)
 * and cannot be removed, so a pinned entry's memory stays valid.
 */
#include "mmio_internal.h"

#include <pthread.h>
#include <stdlib.h>

#define BUCKETS 256

struct mmio_proc_pin {
    FOURCC fcc;
    LPMMIOPROC proc;
    unsigned users; /* open files using this installation */
    unsigned builtin;
    struct mmio_proc_pin *next; /* same bucket, older */
};

struct registry {
    struct mmio_proc_pin *bucket[BUCKETS];
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct registry global_reg;
static struct registry local_reg; /* the process is one application */
static struct mmio_proc_pin builtin_dos = {FOURCC_DOS, mmio_proc_dos, 0, 1,
                                           NULL};
static struct mmio_proc_pin builtin_mem = {FOURCC_MEM, mmio_proc_mem, 0, 1,
                                           NULL};
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

static unsigned bucket_of(FOURCC fcc)
{
    return (fcc ^ (fcc >> 8) ^ (fcc >> 16) ^ (fcc >> 24)) & (BUCKETS - 1);
}

static void add_builtins(void)
{
    /* Built-ins sit at the end of their chains: anything installed later
     * under the same FOURCC is found first. */
    global_reg.bucket[bucket_of(FOURCC_DOS)] = &builtin_dos;
    builtin_mem.next = global_reg.bucket[bucket_of(FOURCC_MEM)];
    global_reg.bucket[bucket_of(FOURCC_MEM)] = &builtin_mem;
}

static struct registry *local_registry(HTASK task)
{
    (void)task;
    return &local_reg;
}

/* The newest entry for fcc (and proc, when given); reg_lock held. */
static struct mmio_proc_pin **find_slot(struct registry *r, FOURCC fcc,
                                        LPMMIOPROC proc)
{
    struct mmio_proc_pin **pp = &r->bucket[bucket_of(fcc)];
    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->fcc == fcc && (!proc || (*pp)->proc == proc))
            return pp;
    return NULL;
}

static struct mmio_proc_pin *lookup(FOURCC fcc, HTASK task)
{
    struct mmio_proc_pin **pp = find_slot(local_registry(task), fcc, NULL);
    if (!pp)
        pp = find_slot(&global_reg, fcc, NULL);
    return pp ? *pp : NULL;
}

LPMMIOPROC mmio_registry_acquire(FOURCC fcc, HTASK task,
                                 struct mmio_proc_pin **pin)
{
    pthread_once(&builtins_once, add_builtins);
    pthread_mutex_lock(&reg_lock);
    struct mmio_proc_pin *e = lookup(fcc, task);
    if (e && !e->builtin)
        e->users++;
    pthread_mutex_unlock(&reg_lock);
    *pin = (e && !e->builtin) ? e : NULL;
    return e ? e->proc : NULL;
}

void mmio_registry_release(struct mmio_proc_pin *pin)
{
    if (!pin)
        return;
    pthread_mutex_lock(&reg_lock);
    pin->users--;
    pthread_mutex_unlock(&reg_lock);
}

static LPMMIOPROC install(FOURCC fcc, LPMMIOPROC proc, DWORD flags)
{
    if (!proc)
        return NULL;
    struct mmio_proc_pin *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->fcc = fcc;
    e->proc = proc;
    struct registry *r =
        (flags & MMIO_GLOBALPROC) ? &global_reg : local_registry(NULL);
    pthread_mutex_lock(&reg_lock);
    e->next = r->bucket[bucket_of(fcc)];
    r->bucket[bucket_of(fcc)] = e;
    pthread_mutex_unlock(&reg_lock);
    return proc;
}

static LPMMIOPROC remove_newest(FOURCC fcc, LPMMIOPROC proc)
{
    LPMMIOPROC removed = NULL;
    pthread_mutex_lock(&reg_lock);
    struct mmio_proc_pin **pp = find_slot(local_registry(NULL), fcc, proc);
    if (!pp)
        pp = find_slot(&global_reg, fcc, proc);
    if (pp && !(*pp)->builtin && (*pp)->users == 0) {
        struct mmio_proc_pin *e = *pp;
        *pp = e->next;
        removed = e->proc;
        free(e);
    }
    pthread_mutex_unlock(&reg_lock);
    return removed;
}

LPMMIOPROC mmioInstallIOProc(FOURCC fccIOProc, LPMMIOPROC pIOProc,
                             DWORD dwFlags)
{
    pthread_once(&builtins_once, add_builtins);
    if (dwFlags & MMIO_INSTALLPROC)
        return install(fccIOProc, pIOProc, dwFlags);
    if (dwFlags & MMIO_REMOVEPROC)
        return remove_newest(fccIOProc, pIOProc);
    if (dwFlags & MMIO_FINDPROC) {
        pthread_mutex_lock(&reg_lock);
        struct mmio_proc_pin *e = lookup(fccIOProc, NULL);
        LPMMIOPROC proc = e ? e->proc : NULL;
        pthread_mutex_unlock(&reg_lock);
        return proc;
    }
    return NULL;
}

LPMMIOPROC mmioInstallIOProcA(FOURCC fccIOProc, LPMMIOPROC pIOProc,
                              DWORD dwFlags)
{
    return mmioInstallIOProc(fccIOProc, pIOProc, dwFlags);
}
