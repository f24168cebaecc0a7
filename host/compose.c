/* SPDX-License-Identifier: MIT */
/*
 * compose.c - the one place that knows both the core and the loader: it
 * plugs the loader into the core's hooks when libmmio is loaded.  Without
 * this file the core is a complete mmio library with no plugins (the build
 * links core + util alone to prove it).
 */
#include "core.h"
#include "loader_hooks.h"

__attribute__((constructor)) static void mmio_compose(void)
{
    static const struct mmio_core_hooks hooks = {
        mmio_loader_provide,
        mmio_loader_global_changed,
    };
    mmio_core_set_hooks(&hooks);
}
