/* SPDX-License-Identifier: MIT */
/*
 * tmpfile.h - files written through a temporary and put in place whole:
 * the one commit path of the bundled plugins.
 *
 * A target that is a plain local file (plug_is_local): the temporary is
 * made in the target's directory (so the final rename stays on one
 * filesystem) with no name where the filesystem allows (O_TMPFILE: a killed
 * process leaves nothing), else with a name unlinked at once, and is linked
 * and renamed over the target.
 *
 * A target inside a container or on storage without rename(2)
 * ("w.zip+x.flac", a remote object): the temporary is an unnamed local
 * file, and the commit copies it in through the container's procedure,
 * in one write-through-close where the procedure puts a written file in
 * place whole (MMIO_CAP_ATOMIC_CLOSE), else as a temporary name in the
 * container renamed over the target (MMIO_CAP_RENAME).  A container that
 * can do neither cannot be written all-or-nothing: tmp_can_commit says so
 * before anything is written.
 */
#ifndef MMIO_PLUGIN_TMPFILE_H
#define MMIO_PLUGIN_TMPFILE_H

#include <mmio_plugin.h>

#include <sys/types.h>

/* The directory part of path ("." when it has none), malloc'd. */
char *tmp_dir_of(const char *path);

/* path followed by suffix (malloc'd). */
char *tmp_name(const char *path, const char *suffix);

/* A read-write temporary for target (in its directory when it is local):
 * an fd, or -1 (errno). */
int tmp_beside(const char *target);

/* 0 when a temporary can be put in place as target all-or-nothing, else
 * MMSYSERR_NOTSUPPORTED and a message saying why. */
unsigned tmp_can_commit(const char *target);

/* Gives fd's file (its first len bytes; -1: all of it) the name target,
 * replacing whatever was there at once: a local target by link under a
 * unique name, then rename, with the target's permission bits if it
 * exists, else those a new file gets, synced first (needs an unnamed
 * temporary: on a filesystem without O_TMPFILE it fails); any other
 * through its container as said above.  0, or -1 with the target
 * unchanged.  fd stays open. */
int tmp_commit(int fd, const char *target);

/* Copies fd's bytes [0, end of file) into h (opened for writing): 0 or
 * -1. */
int tmp_copy_into(int fd, HMMIO h);

/* The permission bits target has, or a new file would get (0666 less the
 * umask, read without changing it). */
mode_t tmp_mode_for(const char *target);

#endif /* MMIO_PLUGIN_TMPFILE_H */
