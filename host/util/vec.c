/* SPDX-License-Identifier: MIT */
/*
 * vec.c - growable arrays with the size arithmetic checked.
 */
#include "util.h"

#include <stdlib.h>
#include <string.h>

int mmio_vec_reserve(void *items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t want = *cap ? *cap : 8;
    while (want < need) {
        if (want > SIZE_MAX / 2)
            return -1;
        want *= 2;
    }
    if (size && want > SIZE_MAX / size)
        return -1;
    void **slot = items;
    void *grown = mmio_sys_realloc(*slot, want * size);
    if (!grown)
        return -1;
    *slot = grown;
    *cap = want;
    return 0;
}

int mmio_ptrs_push(void *arr, size_t *n, size_t *cap, void *p)
{
    if (*n == SIZE_MAX || mmio_vec_reserve(arr, cap, *n + 1, sizeof p) != 0)
        return -1;
    void ***slot = arr;
    (*slot)[(*n)++] = p;
    return 0;
}
