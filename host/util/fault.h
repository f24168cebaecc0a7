/* SPDX-License-Identifier: MIT */
/*
 * fault.h - the fault seam's controls (builds with -DMMIO_FAULTS=ON only).
 *
 * Every system call and allocation of the library that can fail goes
 * through util/sys.c (open, read, write, pread, pwrite, fsync, rename,
 * linkat, malloc, calloc, realloc, strdup).  A fault build can make the Nth
 * call of one of them fail, so the error paths run in tests:
 *
 *   MMIO_FAULT=CALL:N[+][:ERRNO][,...]   in the environment, read at the
 *                                        first call the library makes
 *   mmio_fault_arm("CALL:N[+][:ERRNO]")  from a test, in the process
 *
 * N counts calls of CALL from the moment it is armed (1: the next one);
 * "+" fails that call and every later one; ERRNO is a number or a name
 * (EIO, ENOSPC, EACCES, ENOMEM...; default ENOMEM for allocations, EIO
 * for the rest).  mmio_fault_arm(NULL) or "" disarms everything.
 */
#ifndef MMIO_FAULT_H
#define MMIO_FAULT_H

#include "mmio.h"

/* 0, or -1 for a spec that does not parse (nothing is armed then). */
MMIOAPI int mmio_fault_arm(const char *spec);
/* Calls of CALL ("open", "malloc"...) made since the library started or it
 * was last armed: how far to loop N.  -1 for an unknown name. */
MMIOAPI long mmio_fault_calls(const char *call);
/* Faults made since the last arm (a test that armed N past the last call
 * sees 0: the operation is done). */
MMIOAPI long mmio_fault_fired(void);

#endif
