/* SPDX-License-Identifier: MIT */
/*
 * loader_hooks.h - what the loader offers the composition file
 * (host/compose.c): the two functions it sets as the core's hooks
 * (core.h's struct mmio_core_hooks).  Nothing else of the loader is
 * visible outside host/loader.
 */
#ifndef MMIO_LOADER_HOOKS_H
#define MMIO_LOADER_HOOKS_H

#include "mmio.h"

/* A lookup missed fcc: loads what provides it (provide.c). */
UINT mmio_loader_provide(FOURCC fcc);
/* An application installed or removed a global procedure (provide.c). */
void mmio_loader_global_changed(FOURCC fcc, LPMMIOPROC proc, int added);

#endif
