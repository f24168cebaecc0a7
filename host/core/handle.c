/* SPDX-License-Identifier: MIT */
/*
 * handle.c - the handle table.
 *
 * An HMMIO is not a pointer: it packs a slot index and the slot's
 * generation.  Slots are allocated in chunks that are never freed, so a
 * stale or invented handle is always safe to look at: validation is a bounds
 * check and one atomic compare, with no lock on the read/write fast path.
 * A slot's generation is odd while the file is open and is bumped on close,
 * so a closed handle never matches again (until the counter wraps).
 */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_BITS 8
#define CHUNK_SLOTS (1u << CHUNK_BITS)
#define MAX_CHUNKS 4096u /* 1 Mi open files */

#if UINTPTR_MAX > 0xffffffffu
#define GEN_SHIFT 32
#define INDEX_MASK 0xffffffffu
#define GEN_MASK 0xffffffffu
#else
#define GEN_SHIFT 20
#define INDEX_MASK 0xfffffu
#define GEN_MASK 0xfffu
#endif

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static mmio_file *_Atomic chunks[MAX_CHUNKS];
static _Atomic uint32_t slot_count; /* slots that exist (published) */
static uint32_t free_head;          /* index + 1 of the first free slot */

static mmio_file *slot_at(uint32_t index)
{
    mmio_file *chunk = atomic_load_explicit(&chunks[index >> CHUNK_BITS],
                                            memory_order_acquire);
    return &chunk[index & (CHUNK_SLOTS - 1)];
}

/* Adds a chunk of free slots; table_lock held. */
static int grow_table(void)
{
    uint32_t count = atomic_load_explicit(&slot_count, memory_order_relaxed);
    uint32_t c = count >> CHUNK_BITS;
    if (c >= MAX_CHUNKS)
        return -1;
    mmio_file *chunk = mmio_sys_calloc(CHUNK_SLOTS, sizeof *chunk);
    if (!chunk)
        return -1;
    for (uint32_t i = 0; i < CHUNK_SLOTS; i++) {
        chunk[i].index = count + i;
        /* Slots are handed out lowest first. */
        chunk[i].next_free = (i + 1 < CHUNK_SLOTS) ? count + i + 2 : free_head;
        atomic_init(&chunk[i].gen, 0);
    }
    atomic_store_explicit(&chunks[c], chunk, memory_order_release);
    atomic_store_explicit(&slot_count, count + CHUNK_SLOTS,
                          memory_order_release);
    free_head = count + 1;
    return 0;
}

mmio_file *mmio_handle_alloc(void)
{
    pthread_mutex_lock(&table_lock);
    if (free_head == 0 && grow_table() != 0) {
        pthread_mutex_unlock(&table_lock);
        return NULL;
    }
    mmio_file *f = slot_at(free_head - 1);
    free_head = f->next_free;
    pthread_mutex_unlock(&table_lock);

    /* The slot stays invalid (even) until mmioOpen publishes it. */
    memset(&f->info, 0, sizeof f->info);
    f->pin = NULL;
    f->is_mem = 0;
    f->next_free = 0;
    return f;
}

HMMIO mmio_handle_of(const mmio_file *f)
{
    uint32_t gen = atomic_load_explicit(&f->gen, memory_order_acquire);
    return (HMMIO)(((uintptr_t)(gen & GEN_MASK) << GEN_SHIFT) |
                   (uintptr_t)f->index);
}

void mmio_handle_publish(mmio_file *f)
{
    /* even (free) + 1 is odd and stays within GEN_MASK */
    uint32_t gen = atomic_load_explicit(&f->gen, memory_order_relaxed);
    atomic_store_explicit(&f->gen, (gen + 1) & GEN_MASK, memory_order_release);
}

void mmio_handle_free(mmio_file *f)
{
    uint32_t gen = atomic_load_explicit(&f->gen, memory_order_relaxed);
    if (gen & 1u) /* open: make it even so the old handle stops matching */
        atomic_store_explicit(&f->gen, (gen + 1) & GEN_MASK,
                              memory_order_release);
    pthread_mutex_lock(&table_lock);
    f->next_free = free_head;
    free_head = f->index + 1;
    pthread_mutex_unlock(&table_lock);
}

int mmio_handle_claim(mmio_file *f, HMMIO h)
{
    /* The generation the handle names, odd (open), made even (closing) by
     * exactly one caller: two threads closing one handle cannot both. */
    uint32_t gen = (uint32_t)(((uintptr_t)h >> GEN_SHIFT) & GEN_MASK);
    uint32_t closing = (gen + 1) & GEN_MASK;
    return atomic_compare_exchange_strong_explicit(&f->gen, &gen, closing,
                                                   memory_order_acq_rel,
                                                   memory_order_acquire)
               ? 0
               : -1;
}

mmio_file *mmio_handle_get(HMMIO h)
{
    uintptr_t v = (uintptr_t)h;
    uint32_t index = (uint32_t)(v & INDEX_MASK);
    uint32_t gen = (uint32_t)((v >> GEN_SHIFT) & GEN_MASK);
    if ((gen & 1u) == 0)
        return NULL;
    if (index >= atomic_load_explicit(&slot_count, memory_order_acquire))
        return NULL;
    mmio_file *f = slot_at(index);
    if (atomic_load_explicit(&f->gen, memory_order_acquire) != gen)
        return NULL;
    return f;
}
