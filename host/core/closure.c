/* SPDX-License-Identifier: MIT */
/*
 * closure.c - context-bound procedures: mmioExtClosureCreate turns an
 * MMIOCTXPROC plus a context pointer into a plain LPMMIOPROC (a libffi
 * closure), so one procedure implementation can be installed many times
 * with different state.
 */
#include "internal.h"

#include <ffi.h>
#include <pthread.h>
#include <stdlib.h>

struct closure {
    ffi_closure *fc;
    LPMMIOPROC code;
    MMIOCTXPROC *proc;
    void *ctx;
    ffi_cif cif;
    ffi_type *args[4];
    struct closure *next;
};

static pthread_mutex_t closure_lock = PTHREAD_MUTEX_INITIALIZER;
static struct closure *closures;

static ffi_type *lparam_type(void)
{
    return sizeof(LPARAM) == 8 ? &ffi_type_sint64 : &ffi_type_sint32;
}

static void trampoline(ffi_cif *cif, void *ret, void **args, void *user)
{
    (void)cif;
    const struct closure *c = user;
    LRESULT r = c->proc(c->ctx, *(LPSTR *)args[0], *(UINT *)args[1],
                        *(LPARAM *)args[2], *(LPARAM *)args[3]);
    /* Integral results are returned widened to ffi_arg. */
    *(ffi_sarg *)ret = (ffi_sarg)r;
}

LPMMIOPROC mmioExtClosureCreate(MMIOCTXPROC *proc, void *ctx)
{
    if (!proc)
        return NULL;
    struct closure *c = mmio_sys_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    void *code = NULL;
    c->fc = ffi_closure_alloc(sizeof(ffi_closure), &code);
    if (!c->fc) {
        free(c);
        return NULL;
    }
    c->proc = proc;
    c->ctx = ctx;
    c->args[0] = &ffi_type_pointer;
    c->args[1] = &ffi_type_uint32;
    c->args[2] = lparam_type();
    c->args[3] = lparam_type();
    if (ffi_prep_cif(&c->cif, FFI_DEFAULT_ABI, 4, lparam_type(), c->args) !=
            FFI_OK ||
        ffi_prep_closure_loc(c->fc, &c->cif, trampoline, c, code) != FFI_OK) {
        ffi_closure_free(c->fc);
        free(c);
        return NULL;
    }
    /* The function-pointer value of executable closure memory. */
    c->code = (LPMMIOPROC)(uintptr_t)code;
    pthread_mutex_lock(&closure_lock);
    c->next = closures;
    closures = c;
    pthread_mutex_unlock(&closure_lock);
    return c->code;
}

void mmioExtClosureFree(LPMMIOPROC closure)
{
    pthread_mutex_lock(&closure_lock);
    struct closure **pc = &closures;
    while (*pc && (*pc)->code != closure)
        pc = &(*pc)->next;
    struct closure *c = *pc;
    if (c)
        *pc = c->next;
    pthread_mutex_unlock(&closure_lock);
    if (c) {
        ffi_closure_free(c->fc);
        free(c);
    }
}
