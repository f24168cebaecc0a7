/* SPDX-License-Identifier: MIT */
/* zip_plugin.h - what the zip plugin's files share (not installed). */
#ifndef MMIO_ZIP_PLUGIN_H
#define MMIO_ZIP_PLUGIN_H

#include <mmio_plugin.h>

#include <stdint.h>
#include <sys/types.h>
#include <zip.h>

/* reader.c: a member read in place, streaming. */
typedef struct zreader zreader;

/* Opens member name of archive for reading: 0 or an MMIOERR_ code (a
 * member of 2 GiB or more, beyond what a LONG offset reaches, is
 * MMSYSERR_NOTSUPPORTED; an encrypted one MMIOERR_CANNOTREAD). */
MMRESULT zreader_open(const MMIOINFO *mi, const char *archive, const char *name,
                      zreader **out);
/* Up to n bytes at pos: the count, 0 at the end, -1 on damaged data (a
 * bad CRC included) or a read error. */
long zreader_read(zreader *r, int64_t pos, void *dst, long n);
int64_t zreader_size(const zreader *r);
void zreader_close(zreader *r);
/* Copies the whole member into fd (from its start): 0 or -1. */
int zreader_copy_to(zreader *r, int fd);

/* archive.c: opening archives, and changing them safely against other
 * writers. */

/* Opens the archive read-only, through mmio for the file mi serves (mi may
 * be NULL): NULL with *rc set to an MMIOERR_ code. */
zip_t *zarchive_open_read(const MMIOINFO *mi, const char *archive,
                          MMRESULT *rc);

/* Takes the archive's writer lock (ARCHIVE.lock), waiting up to 60 s, and
 * removes temporaries that dead writers left: the lock fd, -1 when it
 * could not be taken, ZARCHIVE_NO_LOCK for an archive that is no plain
 * local file (archive.c). */
#define ZARCHIVE_NO_LOCK (-2)
int zarchive_lock(const char *archive);
void zarchive_unlock(int lock);
/* Opens the archive (creating it if create) for changes; zip_close then
 * writes a temporary next to it and renames it into place, keeping the
 * archive's permission bits.  Call with the lock held.  NULL with *rc set
 * to an MMIOERR_ code. */
zip_t *zarchive_open(const char *archive, int create, MMRESULT *rc);
/* Removes the temporaries of writers that are no longer running; the
 * count.  Call with the lock held. */
unsigned zarchive_clean(const char *archive);

#endif /* MMIO_ZIP_PLUGIN_H */
