/* SPDX-License-Identifier: MIT */
/*
 * trace.c - MMIO_DEBUG=proc:N: each message a procedure gets, with its
 * arguments, its answer, how long it took and lDiskOffset before and
 * after (util/debug.c says the rest).
 */
#include "internal.h"

#include <stdio.h>
#include <time.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

const char *mmio_file_source(const mmio_file *f)
{
    if (f->info.pIOProc == mmio_proc_dos || f->info.pIOProc == mmio_proc_mem)
        return "built-in";
    return mmio_registry_source(f->pin);
}

LRESULT mmio_send_traced(mmio_file *f, UINT msg, LPARAM a, LPARAM b)
{
    int level = msg == MMIOM_OPEN || msg == MMIOM_CLOSE ? 1 : 5;
    if (!MMIO_DEBUGGING(MMIO_DEBUG_PROC, level))
        return f->info.pIOProc((LPSTR)&f->info, msg, a, b);
    LONG before = f->info.lDiskOffset;
    char args[700];
    if (msg == MMIOM_OPEN) {
        char name[600];
        if (mmio_registry_wide(f->pin))
            snprintf(name, sizeof name, "(a wide name)");
        else
            mmio_debug_name((const char *)a, name, sizeof name);
        snprintf(args, sizeof args, "\"%s\" flags 0x%lx", name,
                 (unsigned long)f->info.dwFlags);
    } else if (msg == MMIOM_SEEK) {
        snprintf(args, sizeof args, "%ld %s", (long)a,
                 b == 0   ? "SEEK_SET"
                 : b == 1 ? "SEEK_CUR"
                          : "SEEK_END");
    } else if (msg == MMIOM_READ || msg == MMIOM_WRITE ||
               msg == MMIOM_WRITEFLUSH) {
        snprintf(args, sizeof args, "%ld bytes", (long)b);
    } else {
        snprintf(args, sizeof args, "0x%lx 0x%lx", (unsigned long)a,
                 (unsigned long)b);
    }
    double t0 = now_us();
    LRESULT r = f->info.pIOProc((LPSTR)&f->info, msg, a, b);
    double took = now_us() - t0;
    char fcc[5], mbuf[24];
    mmio_fourcc_text(f->info.fccIOProc, fcc);
    mmio_debug(MMIO_DEBUG_PROC,
               "'%s' (%s) %s %s -> %ld (%.1f us) lDiskOffset %ld -> %ld", fcc,
               mmio_file_source(f), mmio_message_name(msg, mbuf, sizeof mbuf),
               args, (long)r, took, (long)before, (long)f->info.lDiskOffset);
    return r;
}
