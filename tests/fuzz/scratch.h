/* SPDX-License-Identifier: MIT */
/* scratch.h - a fuzz target's working directory. */
#ifndef MMIO_FUZZ_SCRATCH_H
#define MMIO_FUZZ_SCRATCH_H

/* A directory of this process's own under $TMPDIR (or /tmp), made on the
 * first call and removed with everything in it when the process exits:
 * a fuzz run leaves nothing behind.  Aborts when it cannot be made. */
const char *fuzz_scratch(void);

#endif
