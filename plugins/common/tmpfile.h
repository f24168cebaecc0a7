/* SPDX-License-Identifier: MIT */
/*
 * tmpfile.h - files written beside their target and put in place whole.
 *
 * Shared by the zip and sndfile plugins.  A temporary is made in the
 * target's directory (so the final rename stays on one filesystem) with no
 * name where the filesystem allows (O_TMPFILE: a killed process leaves
 * nothing), else with a name unlinked at once.
 */
#ifndef MMIO_PLUGIN_TMPFILE_H
#define MMIO_PLUGIN_TMPFILE_H

#include <sys/types.h>

/* The directory part of path ("." when it has none), malloc'd. */
char *tmp_dir_of(const char *path);

/* path followed by suffix (malloc'd). */
char *tmp_name(const char *path, const char *suffix);

/* A read-write temporary in target's directory: an fd, or -1 (errno). */
int tmp_beside(const char *target);

/* Gives fd's file the name target, replacing whatever was there at once
 * (link under a unique name, then rename), with the target's permission
 * bits if it exists, else those a new file gets.  Syncs it first.  0, or -1
 * with the target unchanged.  fd stays open.  Needs an unnamed temporary:
 * on a filesystem without O_TMPFILE it fails. */
int tmp_commit(int fd, const char *target);

/* The permission bits target has, or a new file would get (0666 less the
 * umask, read without changing it). */
mode_t tmp_mode_for(const char *target);

#endif /* MMIO_PLUGIN_TMPFILE_H */
