/* SPDX-License-Identifier: MIT */
/*
 * procutil.h - what the bundled procedures do alike.
 *
 * Linked into each plugin (each keeps its own copy of the options).
 */
#ifndef MMIO_PLUGIN_PROCUTIL_H
#define MMIO_PLUGIN_PROCUTIL_H

#include <mmio_plugin.h>

#include <stddef.h>
#include <stdint.h>

/* Keeps the options the plugin is being installed with; call it from
 * mmioPluginInstall.  (plugins.conf's options reach a procedure through a
 * [route] only; otherwise those given at install hold.) */
void plug_keep_options(void);
/* The text after "key=" in the options in force, or NULL. */
const char *plug_option(const char *key);
/* The value of "key=" in the options in force, up to a space or a comma,
 * into buf (n bytes; "" when there is none). */
void plug_option_text(const char *key, char *buf, size_t n);
/* Whether a bare word (e.g. "store") is among the options in force. */
int plug_flag(const char *word);

/* The file a name names: up to its last '+', or all of it (malloc'd). */
char *plug_file_of(const char *name);
/* MMIOM_RENAME of the files two names name, through the procedure that
 * serves them (mmioRename). */
LRESULT plug_rename_files(const char *from, const char *to);
/* The MMIOERR_ code of an errno from opening or finding a file. */
MMRESULT plug_errno_result(int err);
/* MMIO_EXIST (looks the file up) or MMIO_DELETE (removes it) of the file
 * a name names, through the procedure that serves it: 0 or an MMIOERR_
 * code. */
LRESULT plug_exist_or_delete(const char *file, DWORD flags);

/* The start of MMIOM_OPEN for a procedure whose files are read or written,
 * never both: 1 with the file the name names in *file (malloc'd) to go
 * on, or 0 with the answer in *rc and *file NULL: MMIO_EXIST / MMIO_DELETE
 * done, a name without a file (MMIOERR_INVALIDFILE), MMIO_READWRITE
 * (MMSYSERR_NOTSUPPORTED), no memory. */
int plug_open_start(const MMIOINFO *mi, const char *name, char **file,
                    LRESULT *rc);

/* pread, retried after a signal: the count, 0 at the end, -1 (errno). */
long plug_pread(int fd, void *buf, size_t n, int64_t at);
/* Writes all n bytes at offset at (or, when at < 0, at the file's
 * position), retried after a signal: 0, or -1 (errno). */
int plug_write_all(int fd, const void *buf, size_t n, int64_t at);

/* MMIOM_SEEK in a file of size bytes: SEEK_END counts back from the end;
 * positions stay within a LONG.  The new position, or -1. */
LRESULT plug_seek(MMIOINFO *mi, int64_t size, LONG off, int how);

#endif /* MMIO_PLUGIN_PROCUTIL_H */
