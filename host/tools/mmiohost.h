/* SPDX-License-Identifier: MIT */
/* mmiohost.h - what the parts of mmiohost share: options, output helpers,
 * messages in words. */
#ifndef MMIOHOST_H
#define MMIOHOST_H

#include "mmio.h"

#include <stdio.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct options {
    int json;    /* --json */
    int force;   /* scan --force */
    int machine; /* install/remove --system */
    int replace; /* install --replace */
};
extern struct options opt;

/* "mmiohost: WHAT: TEXT" on stderr, with the error code in words. */
void say_error(const char *what, MMRESULT rc);
void json_str(const char *s);
void fourcc_text(FOURCC f, char out[5]);
/* mmioOpen with a message in words when it fails. */
/* The same, and the message (without "mmiohost: ") into why. */
HMMIO open_or_tell(const char *name, DWORD flags, char *why, size_t cap);
HMMIO open_or_say(const char *name, DWORD flags);

/* mmiohost_plugins.c */
int cmd_list(void);
int cmd_scan(void);
int cmd_info(const char *which);
int cmd_install(const char *path);
int cmd_remove(const char *name);

/* mmiohost_validate.c */
struct validate_opts {
    const char *fourcc;    /* --fourcc */
    const char *sample;    /* --sample */
    const char *reference; /* --reference: the bytes the sample must give */
    int level;             /* --level, 1-10 */
};
extern struct validate_opts vopt;
int cmd_validate(const char *plugin);

/* mmiohost_files.c */
int cmd_cat(const char *name);
int cmd_cp(const char *src, const char *dst);
int cmd_riff(const char *name);
int cmd_tone(const char *name, double seconds);

#endif
