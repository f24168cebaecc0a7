/* SPDX-License-Identifier: MIT */
/*
 * inner.h - a procedure's container, opened through mmio and read at
 * offsets.
 *
 * The procedure serving "A+B" opens A with mmioPluginOpenContainer, so A
 * is whatever the name rule makes of it: a plain file, a member of an
 * archive, a remote object.  Reads at an offset seek the inner handle only
 * when it is elsewhere (sequential reads cost one call each); when A is a
 * plain file (the DOS procedure), reads go to its descriptor with pread,
 * as fast as before and past the 2 GiB a LONG offset reaches.
 */
#ifndef MMIO_PLUGIN_INNER_H
#define MMIO_PLUGIN_INNER_H

#include <mmio_plugin.h>

#include <stdint.h>

typedef struct plug_inner {
    HMMIO h;
    int fd;      /* the DOS procedure's descriptor, or -1 */
    int64_t pos; /* where h is */
    int64_t size;
} plug_inner;

/* Opens file, the container of the file mi serves, for reading (flags
 * may add share bits): 0 or the inner level's MMIOERR_ code. */
MMRESULT plug_inner_open(plug_inner *in, const MMIOINFO *mi, const char *file,
                         DWORD flags);
/* Up to n bytes at `at`: the count, 0 at the end, -1 on an error. */
long plug_inner_read(plug_inner *in, void *buf, long n, int64_t at);
/* The container's size in bytes (-1 when it cannot be told). */
int64_t plug_inner_size(const plug_inner *in);
/* Closes it (nothing to commit: opened for reading). */
void plug_inner_close(plug_inner *in);

/* Whether a file is a plain local file (the DOS procedure serves it):
 * then a writer may make its temporary beside it and rename it by path. */
int plug_is_local(const char *file);

#endif /* MMIO_PLUGIN_INNER_H */
