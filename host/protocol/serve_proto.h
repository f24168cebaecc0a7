/* SPDX-License-Identifier: MIT */
/*
 * serve_proto.h - the private protocol between an application's proxy
 * procedures (host/isolate) and the helper that runs an isolated plugin
 * (tools/mmio-serve.c).  Not installed: both ends are built from here.
 *
 *   mmio-serve --lib LIBMMIO --parent PID PLUGIN.so [SYMBOL FOURCC]
 *
 * Descriptor MMIO_SERVE_FD is a SOCK_SEQPACKET socket to the application.
 * The helper loads the plugin (its options arrive in MMIO_SERVE_OPTIONS_ENV)
 * and answers with one packet: "ok" and a line "FOURCC WIDE" per procedure
 * it installed (WIDE: 0 for narrow names, else the WCHAR size), or "error
 * TEXT".  Every later packet from the application carries one descriptor, a
 * memfd holding a struct mmio_serve_chan, sealed against shrinking and
 * growing: the helper serves it on a thread of its own until told to quit.
 * The helper exits when the socket closes or its parent dies.
 *
 * A channel is used by one side at a time: `turn` says whose (a futex both
 * wait on).  The application fills `m` and data, stores SERVE_TURN_HELPER
 * and wakes; the helper does the work, fills the answer in place, stores
 * SERVE_TURN_APP and wakes.  Nothing in it is trusted by the application:
 * every count is checked before use.
 *
 * While it works, the plugin may need a file of the application's: a
 * container whose procedure is not the plugin's own ("a.zip+b.flac" for an
 * isolated sndfile).  The helper then fills `r` and rdata and stores
 * SERVE_TURN_CALL; the application, waiting for its answer, does what `r`
 * asks (r.op is an MMIOM_ message, on one of the handles it opened for this
 * helper), answers in place and stores SERVE_TURN_HELPER.  Calls nest: the
 * application's side may reach another isolated procedure on its own
 * channel.
 */
#ifndef MMIO_SERVE_PROTO_H
#define MMIO_SERVE_PROTO_H

#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MMIO_SERVE_FD 3
#define MMIO_SERVE_OPTIONS_ENV "MMIO_SERVE_OPTIONS"
#define MMIO_SERVE_WINDOW (131072)
#define MMIO_SERVE_SAID 1024
#define MMIO_SERVE_MAX_PROCS 64
/* Built with a sanitizer (gcc says it one way, clang another): its
 * shadow memory needs more address space than any limit leaves. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MMIO_SERVE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MMIO_SERVE_SANITIZED 1
#endif
#endif

/* Set in the helper: its libmmio's plugin host stays off (it loads nothing
 * and records nothing in the user's state). */
#define MMIO_SERVE_ENV "MMIO_IN_HELPER"

enum {
    SERVE_TURN_APP = 0,
    SERVE_TURN_HELPER = 1,
    SERVE_TURN_DEAD = 2, /* set by the application when the helper died */
    SERVE_TURN_CALL = 3, /* the helper asks the application (r, rdata) */
};

/* The symbol the helper exports for its libmmio's loader: a FOURCC that
 * no procedure here serves gets one that asks the application. */
#define MMIO_SERVE_PROVIDE_SYMBOL "mmio_serve_provide"
typedef unsigned (*mmio_serve_provide_fn)(uint32_t fcc);

enum {
    SERVE_OP_MSG = 1,  /* send msg to the procedure for fcc */
    SERVE_OP_QUIT = 2, /* end the channel's thread */
};

struct mmio_serve_msg {
    uint32_t op;
    uint32_t msg;  /* MMIOM_* */
    uint32_t fcc;  /* which of the plugin's procedures */
    uint32_t wide; /* names in data: 0 narrow, else the WCHAR size */
    int64_t a, b;  /* the message's scalar parameters */
    int64_t result;
    /* the MMIOINFO fields a procedure reads and writes, both ways */
    uint32_t flags;
    uint32_t error;
    int32_t disk_offset;
    uint32_t info[3];
    /* seek the procedure here first when its offset differs (read-ahead
     * left it past the application's): 1 in `sync` */
    int32_t sync_offset;
    uint32_t sync;
    uint32_t len;     /* bytes used in data: the request's, then the answer's */
    uint32_t opts_at; /* OPEN: the file's options at data + opts_at (a
                         route's); 0: the plugin's own */
    uint32_t slot;    /* READ: into data + slot * win (0 or 1) */
    uint32_t said_len;          /* bytes in said */
    char said[MMIO_SERVE_SAID]; /* what the plugin said, lines */
};

/* A call from the helper: op is MMIOM_OPEN (name in rdata; flags), CLOSE,
 * READ (a bytes), WRITE or WRITEFLUSH (len bytes), SEEK (a, b), RENAME
 * (two names, the second at rdata + b) or MMIOM_CAPS (of fcc). */
struct mmio_serve_call {
    uint32_t op;
    uint32_t flags;
    uint32_t fcc;
    uint32_t error;
    uint64_t handle; /* the application's, from OPEN */
    int64_t a, b;
    int64_t result;
    uint32_t len;
    uint32_t pad;
};

/* A channel's memfd: this header, then data (two read windows of `win`
 * bytes: a READ's `slot` says which; everything else uses the first) and
 * rdata (`win` bytes).  win is MMIO_SERVE_WINDOW, or less when the
 * application's RLIMIT_FSIZE, which memfds obey, allows less; the helper
 * takes it from the memfd's size. */
struct mmio_serve_chan {
    _Atomic uint32_t turn;
    _Atomic uint32_t sleepers; /* sides asleep on turn (futex) */
    _Atomic int32_t cpu[2];    /* where each side (MMIO_SERVE_SIDE_*) last
                                  waited: spinning for a thread on one's own
                                  CPU only keeps it from running */
    struct mmio_serve_msg m;
    struct mmio_serve_call r;
};
#define MMIO_SERVE_MIN_WINDOW 4096
static inline size_t mmio_serve_size(uint32_t win)
{
    return sizeof(struct mmio_serve_chan) + 3 * (size_t)win;
}
/* The window a memfd of `size` bytes has; 0 when it is no channel's. */
static inline uint32_t mmio_serve_win_of(size_t size)
{
    if (size < mmio_serve_size(MMIO_SERVE_MIN_WINDOW) ||
        size > mmio_serve_size(MMIO_SERVE_WINDOW))
        return 0;
    size_t win = (size - sizeof(struct mmio_serve_chan)) / 3;
    return mmio_serve_size((uint32_t)win) == size ? (uint32_t)win : 0;
}

/* ---- handing a channel over ----------------------------------------------
 * A round trip is two hand-overs, and waking a sleeping thread on another
 * CPU costs tens of microseconds on a virtual machine (a few on the same
 * CPU).  So a side that waits first spins a little (a caller in a loop of
 * small reads sends its next request within that time, and the answer to
 * a small one comes within it), or, when both sides share a CPU (the
 * scheduler likes to put threads that wake each other together), yields
 * it for that time; then it sleeps on the futex, counted in `sleepers`;
 * the other side makes the wake-up call only when someone sleeps.  Shared
 * futexes: the channel is mapped in two processes. */
#define MMIO_SERVE_SPIN_NS 30000

static inline void mmio_serve_wake(_Atomic uint32_t *word)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0);
}

/* turn = to, and whoever sleeps on it woken. */
static inline void mmio_serve_pass(struct mmio_serve_chan *c, uint32_t to)
{
    atomic_store(&c->turn, to);
    if (atomic_load(&c->sleepers))
        mmio_serve_wake(&c->turn);
}

static inline double mmio_serve_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

enum { MMIO_SERVE_SIDE_APP = 0, MMIO_SERVE_SIDE_HELPER = 1 };

/* Returns once turn no longer holds `was`, or (rel not NULL) after about
 * rel: spinning first when the other side last ran on another CPU, then
 * asleep. */
static inline void mmio_serve_await(struct mmio_serve_chan *c, int side,
                                    uint32_t was, const struct timespec *rel)
{
    int here = sched_getcpu();
    atomic_store_explicit(&c->cpu[side], here, memory_order_relaxed);
    int there = atomic_load_explicit(&c->cpu[!side], memory_order_relaxed);
    static _Atomic int cpus; /* 0: not asked yet (any thread may ask) */
    int n = atomic_load_explicit(&cpus, memory_order_relaxed);
    if (!n) {
        n = (int)sysconf(_SC_NPROCESSORS_ONLN);
        atomic_store_explicit(&cpus, n, memory_order_relaxed);
    }
    if (n > 1 && here != there) {
        double until = mmio_serve_now_ns() + MMIO_SERVE_SPIN_NS;
        for (unsigned i = 1;; i++) {
            if (atomic_load_explicit(&c->turn, memory_order_acquire) != was)
                return;
            if (i % 64 == 0 && mmio_serve_now_ns() > until)
                break;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#elif defined(__aarch64__)
            __asm__ volatile("yield");
#endif
        }
    } else if (n > 1) {
        /* on one CPU: give it over until the answer comes, without the
         * cost of sleeping and being woken */
        double until = mmio_serve_now_ns() + MMIO_SERVE_SPIN_NS;
        while (mmio_serve_now_ns() < until) {
            if (atomic_load_explicit(&c->turn, memory_order_acquire) != was)
                return;
            sched_yield();
        }
    }
    atomic_fetch_add(&c->sleepers, 1);
    if (atomic_load(&c->turn) == was)
        syscall(SYS_futex, (uint32_t *)&c->turn, FUTEX_WAIT, was, rel, NULL, 0);
    atomic_fetch_sub(&c->sleepers, 1);
}

#endif
