/* SPDX-License-Identifier: MIT */
/*
 * check_proto.h - the private protocol between the loader (check.c) and the
 * checker (tools/mmio-scan.c).  Not installed: both are built from here.
 *
 *   mmio-scan [--lib LIBMMIO] PLUGIN.so          check a plugin
 *   mmio-scan [--lib LIBMMIO] LIBRARY.so SYMBOL  check a global procedure
 *
 * Standard input brings one line, the nonce.  Descriptor MMIO_CHECK_FD
 * carries frames, each "MAGIC NONCE KIND LENGTH\n" and LENGTH bytes of
 * "key TAB value\n" lines: kind "desc" (name, version, description, license,
 * fourcc HEX...), written before the plugin's install runs, and kind
 * "verdict" (a line "ok" or "refused TAB reason").  The checker exits with
 * MMIO_CHECK_EXIT_OK after a verdict.
 */
#ifndef MMIO_CHECK_PROTO_H
#define MMIO_CHECK_PROTO_H

#define MMIO_CHECK_MAGIC "MMIOCHECK/1"
#define MMIO_CHECK_FD 3
#define MMIO_CHECK_ENV "MMIO_IN_CHECKER"
#define MMIO_CHECK_MAX_FOURCCS 64
#define MMIO_CHECK_EXIT_OK 0
#define MMIO_CHECK_EXIT_USAGE 64
/* The message a global procedure is probed with: below MMIOM_USER and used
 * by nothing, so a procedure must answer it with an error. */
#define MMIO_CHECK_PROBE_MSG 0x7fff

#endif
