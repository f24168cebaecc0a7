/* SPDX-License-Identifier: MIT */
/*
 * iso.h - what the isolation layer's files share: helper.c runs helper
 * processes and their channels, proxy.c is the procedure the application
 * calls.
 *
 * Locking: iso->lock guards the current helper, the file slots, the idle
 * channels and the restart history.  It is never held across a round trip,
 * a spawn or a wait for the helper; a start is claimed (iso->starting) and
 * others wait on iso->cond.
 */
#ifndef MMIO_ISO_H
#define MMIO_ISO_H

#include "isolate.h"
#include "mmio_plugin.h"
#include "serve_proto.h"
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

struct helper;

/* A channel: one shared-memory window, used by one file (or one
 * question) at a time. */
struct chan {
    struct mmio_serve_chan *shm;
    unsigned char *data, *rdata; /* 2 x win and win bytes, after the header */
    uint32_t win;
    size_t size;
    struct helper *h;
    struct chan *next; /* in h's list of every channel */
    int idle;
};

struct helper {
    struct mmio_isolated *iso;
    pid_t pid;
    int pidfd, sock;
    unsigned refs;       /* iso->lock: the current slot, files, the watcher */
    atomic_int dead;     /* set once, after why */
    char why[400];       /* how it ended */
    struct chan *chans;  /* iso->lock */
    unsigned nidle;      /* iso->lock */
    pid_t owner;         /* the process that started it (not a fork) */
    char *key;           /* where it may write: "" nowhere, else
                            directories, one a line (iso_write_key) */
    struct helper *next; /* iso->lock: in iso->running */
    int retired;         /* stopped for another: its end is no crash */
    HMMIO *handles;      /* iso->lock: what it opened here (reverse.c) */
    size_t nhandles, caphandles;
};

struct proxy_proc {
    struct mmio_isolated *iso;
    FOURCC fcc;
    unsigned wide;
    LPMMIOPROC closure;
};

struct mmio_isolated {
    struct mmio_isolate_conf conf; /* strings owned */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct helper *running; /* the helpers serving files, one per key */
    int starting;
    int broken;
    char broken_why[600];
    double deaths[MMIO_ISOLATE_RESTARTS + 1]; /* when, a ring */
    unsigned ndeaths;
    struct proxy_proc procs[MMIO_SERVE_MAX_PROCS];
    int nprocs;
    char pending[700];    /* to say on the application's next call */
    struct pfile **files; /* slot i+1 is in an open MMIOINFO's dwReserved1 */
    size_t nfiles, capfiles;
};

/* ---- helper.c ---------------------------------------------------------- */
/* The running helper for key (where the file's plugin may write: "" for
 * nowhere, else directories one a line; see iso_write_key), started if
 * needed: a reference, or NULL with why. */
struct helper *iso_helper_get(struct mmio_isolated *iso, const char *key,
                              char *why, size_t cap);
/* Where a plugin serving name (a file, or a second name for RENAME) may
 * write: the directory of its container when that is a local file, else
 * the temporary directory (its spool); appended to key as a line. */
void iso_write_key(const char *name, char *key, size_t cap);
void iso_helper_put(struct helper *h);
/* Says what the reaping thread could not (on the caller's thread). */
void iso_say_pending(struct mmio_isolated *iso);
/* An idle channel of h, or a new one: NULL when none can be made. */
struct chan *iso_chan_get(struct helper *h);
void iso_chan_put(struct chan *c);
/* One round trip, serving the helper's calls meanwhile: 0, or -1 when the
 * helper is dead or was killed for taking longer than the limit (h->why
 * says which). */
int iso_round_trip(struct chan *c);
/* The two halves: the request handed over (0, or -1: the helper is dead),
 * and later its answer waited for, as iso_round_trip does. */
int iso_post(struct chan *c);
int iso_collect(struct chan *c);

/* ---- reverse.c --------------------------------------------------------- */
/* Does what the helper asks in c->shm->r, answering in place. */
void iso_serve_call(struct chan *c);
/* Closes what a dead helper left open (files it was writing stay open:
 * closing would commit them); no lock held. */
void iso_close_left(struct helper *h);

#endif
