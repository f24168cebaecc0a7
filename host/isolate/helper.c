/* SPDX-License-Identifier: MIT */
/*
 * helper.c - the helper processes of an isolated plugin: started with
 * posix_spawn, watched through a pidfd by a thread of their own (which
 * reaps them and fails every waiting round trip the moment one dies),
 * killed when a message takes longer than the plugin's limit, restarted
 * on the next open within the restart limit, and their channels: memfds
 * sealed at their size, handed over on the helper's socket.
 */
#define _GNU_SOURCE
#include "iso.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define IDLE_MAX 8    /* idle channels kept per helper */
#define WRITERS_MAX 4 /* helpers that may write somewhere, kept running */

/* This process's pid without a system call per open (glibc asks the
 * kernel each time): read once, and again in a child of fork(). */
static _Atomic pid_t self_pid;
static pthread_once_t self_once = PTHREAD_ONCE_INIT;

static void pid_forked(void)
{
    atomic_store(&self_pid, getpid());
}

static void pid_init(void)
{
    atomic_store(&self_pid, getpid());
    pthread_atfork(NULL, NULL, pid_forked);
}

static pid_t self(void)
{
    pthread_once(&self_once, pid_init);
    return atomic_load_explicit(&self_pid, memory_order_relaxed);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- references --------------------------------------------------------- */
static void chan_free(struct chan *c)
{
    munmap(c->shm, c->size);
    free(c);
}

/* No lock held: closing what it left open runs procedures. */
static void helper_free(struct helper *h)
{
    iso_close_left(h);
    while (h->chans) {
        struct chan *c = h->chans;
        h->chans = c->next;
        chan_free(c);
    }
    if (h->sock >= 0)
        close(h->sock);
    if (h->pidfd >= 0)
        close(h->pidfd);
    free(h->key);
    free(h);
}

/* Drops a reference; 1 when it was the last (free it once unlocked). */
static int unref_locked(struct helper *h)
{
    return --h->refs == 0;
}

void iso_helper_put(struct helper *h)
{
    struct mmio_isolated *iso = h->iso;
    pthread_mutex_lock(&iso->lock);
    int last = unref_locked(h);
    pthread_mutex_unlock(&iso->lock);
    if (last)
        helper_free(h);
}

/* ---- death -------------------------------------------------------------- */
/* Takes h out of the running helpers (their reference goes). */
static void unlist_locked(struct helper *h)
{
    for (struct helper **p = &h->iso->running; *p; p = &(*p)->next)
        if (*p == h) {
            *p = h->next;
            h->next = NULL;
            unref_locked(h); /* never the last: the caller holds one */
            return;
        }
}

/* Marks h dead (why first, then the flag) and fails every round trip
 * waiting on it.  iso->lock held. */
static void bury_locked(struct helper *h, const char *why)
{
    if (atomic_load(&h->dead))
        return;
    snprintf(h->why, sizeof h->why, "%s", why);
    atomic_store(&h->dead, 1);
    for (struct chan *c = h->chans; c; c = c->next) {
        atomic_store(&c->shm->turn, SERVE_TURN_DEAD);
        mmio_serve_wake(&c->shm->turn);
    }
    unlist_locked(h);
}

static void signal_words(int sig, char *out, size_t cap)
{
    const char *abbrev = sigabbrev_np(sig);
    snprintf(out, cap, "signal %d, SIG%s: %s", sig, abbrev ? abbrev : "?",
             strsignal(sig));
}

/* The watcher: waits for the helper to end, reaps it and says why. */
static void *watch(void *arg)
{
    struct helper *h = arg;
    struct mmio_isolated *iso = h->iso;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    while (waitid((idtype_t)P_PIDFD, (id_t)h->pidfd, &si, WEXITED) != 0 &&
           errno == EINTR)
        ;
    char why[sizeof h->why];
    if (si.si_code == CLD_EXITED) {
        snprintf(why, sizeof why, "exited with status %d", si.si_status);
    } else {
        char sig[120];
        signal_words(si.si_status, sig, sizeof sig);
        snprintf(why, sizeof why, "died of %s", sig);
    }
    /* counted and recorded before anyone sees a file fail: a program
     * that reacts to the failure (clears the record, opens again) finds
     * the death already accounted for */
    pthread_mutex_lock(&iso->lock);
    if (h->retired) { /* stopped for another: its end is no crash */
        bury_locked(h, why);
        pthread_mutex_unlock(&iso->lock);
        iso_helper_put(h);
        return NULL;
    }
    if (h->why[0]) /* killed here for a hang: its own words */
        snprintf(why, sizeof why, "%s", h->why);
    double t = now_s();
    iso->deaths[iso->ndeaths++ % (MMIO_ISOLATE_RESTARTS + 1)] = t;
    int broken = 0;
    if (iso->ndeaths > MMIO_ISOLATE_RESTARTS &&
        t - iso->deaths[iso->ndeaths % (MMIO_ISOLATE_RESTARTS + 1)] <
            MMIO_ISOLATE_WINDOW_S) {
        broken = !iso->broken;
        iso->broken = 1;
        snprintf(iso->broken_why, sizeof iso->broken_why,
                 "its helper ended %d times in %d s, the last time: %s",
                 MMIO_ISOLATE_RESTARTS + 1, MMIO_ISOLATE_WINDOW_S, why);
    }
    char said[700];
    snprintf(said, sizeof said, "%s", broken ? iso->broken_why : why);
    pthread_mutex_unlock(&iso->lock);
    char err[700] = "";
    if (iso->conf.crashed)
        iso->conf.crashed(iso->conf.ctx, said, broken, err, sizeof err);
    pthread_mutex_lock(&iso->lock);
    if (err[0])
        snprintf(iso->pending, sizeof iso->pending, "%s", err);
    bury_locked(h, why);
    pthread_mutex_unlock(&iso->lock);
    iso_helper_put(h);
    return NULL;
}

void iso_say_pending(struct mmio_isolated *iso)
{
    char text[700];
    pthread_mutex_lock(&iso->lock);
    snprintf(text, sizeof text, "%s", iso->pending);
    iso->pending[0] = '\0';
    pthread_mutex_unlock(&iso->lock);
    if (text[0])
        mmio_msg("%s", text);
}

/* ---- start -------------------------------------------------------------- */
static int spawn(struct mmio_isolated *iso, struct helper *h, char *why,
                 size_t cap)
{
    const struct mmio_isolate_conf *cf = &iso->conf;
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0) {
        snprintf(why, cap, "cannot make a socket: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY,
                                     0);
    posix_spawn_file_actions_adddup2(&fa, sp[1], MMIO_SERVE_FD);
    mmio_spawn_attr_init(&at, 0);
    char parent[24], memory[24], cpu[24], fcc[16];
    snprintf(parent, sizeof parent, "%ld", (long)getpid());
    snprintf(memory, sizeof memory, "%ld", cf->memory_mb);
    snprintf(cpu, sizeof cpu, "%ld", cf->cpu_s);
    snprintf(fcc, sizeof fcc, "%08x", (unsigned)cf->proc_fcc);
    char *argv[24];
    int k = 0;
    argv[k++] = (char *)"mmio-serve";
    argv[k++] = (char *)"--lib";
    argv[k++] = (char *)mmio_lib_file();
    argv[k++] = (char *)"--parent";
    argv[k++] = parent;
    argv[k++] = (char *)"--memory";
    argv[k++] = memory;
    argv[k++] = (char *)"--cpu";
    argv[k++] = cpu;
    if (cf->network)
        argv[k++] = (char *)"--network";
    char *dirs = mmio_sys_strdup(h->key);
    for (char *d = dirs, *nl; d && *d && k < 16; d = nl + 1) {
        nl = strchr(d, '\n');
        if (nl)
            *nl = '\0';
        argv[k++] = (char *)"--write";
        argv[k++] = d;
        if (!nl)
            break;
    }
    argv[k++] = (char *)cf->path;
    if (cf->symbol) {
        argv[k++] = (char *)cf->symbol;
        argv[k++] = fcc;
    }
    argv[k] = NULL;
    /* the plugin's options ride in its environment */
    const char *opts = cf->options ? cf->options : "";
    size_t elen = strlen(MMIO_SERVE_OPTIONS_ENV) + strlen(opts) + 2;
    char *extra = mmio_sys_malloc(elen);
    if (extra)
        snprintf(extra, elen, "%s=%s", MMIO_SERVE_OPTIONS_ENV, opts);
    char **env = extra ? mmio_env_with(extra) : NULL;
    int rc = env && (dirs || !*h->key)
                 ? posix_spawn(&h->pid, cf->helper, &fa, &at, argv, env)
                 : ENOMEM;
    free(env);
    free(extra);
    free(dirs);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(sp[1]);
    if (rc != 0) {
        snprintf(why, cap, "cannot run the helper %s: %s", cf->helper,
                 strerror(rc));
        close(sp[0]);
        return -1;
    }
    h->sock = sp[0];
    h->pidfd = (int)syscall(SYS_pidfd_open, h->pid, 0);
    if (h->pidfd < 0) {
        snprintf(why, cap, "cannot watch the helper: %s", strerror(errno));
        kill(h->pid, SIGKILL);
        waitpid(h->pid, NULL, 0);
        return -1;
    }
    return 0;
}

/* The helper's first packet: the procedures it installed. */
static int hello(struct mmio_isolated *iso, struct helper *h, char *why,
                 size_t cap)
{
    char text[64 * MMIO_SERVE_MAX_PROCS + 64];
    struct pollfd p = {h->sock, POLLIN, 0};
    int pr;
    do
        pr = poll(&p, 1, iso->conf.timeout_ms);
    while (pr < 0 && errno == EINTR);
    ssize_t n = pr > 0 ? recv(h->sock, text, sizeof text - 1, 0) : -1;
    if (pr == 0) {
        snprintf(why, cap, "its helper did not load it within %d ms",
                 iso->conf.timeout_ms);
        return -1;
    }
    if (n <= 0) {
        snprintf(why, cap, "its helper ended while loading it");
        return -1;
    }
    text[n] = '\0';
    if (strncmp(text, "ok\n", 3) != 0) {
        snprintf(why, cap, "its helper could not load it: %.300s",
                 strncmp(text, "error ", 6) == 0 ? text + 6 : text);
        return -1;
    }
    if (iso->nprocs > 0)
        return 0; /* a restart: the procedures are known */
    int np = 0;
    for (char *line = strchr(text, '\n'); line && line[1];
         line = strchr(line + 1, '\n')) {
        char *end;
        unsigned long fcc = strtoul(line + 1, &end, 16);
        if (end == line + 1 || *end != ' ' || np >= MMIO_SERVE_MAX_PROCS)
            break;
        unsigned long wide = strtoul(end + 1, &end, 10);
        if (wide != 0 && wide != 2 && wide != 4)
            continue;
        iso->procs[np].iso = iso;
        iso->procs[np].fcc = (FOURCC)fcc;
        iso->procs[np].wide = (unsigned)wide;
        np++;
    }
    pthread_mutex_lock(&iso->lock);
    iso->nprocs = np;
    pthread_mutex_unlock(&iso->lock);
    return 0;
}

static struct helper *start(struct mmio_isolated *iso, const char *key,
                            char *why, size_t cap)
{
    struct helper *h = mmio_sys_calloc(1, sizeof *h);
    if (!h || !(h->key = mmio_sys_strdup(key))) {
        free(h);
        snprintf(why, cap, "out of memory");
        return NULL;
    }
    h->iso = iso;
    h->owner = self();
    h->sock = h->pidfd = -1;
    h->refs = 2; /* the running list and the watcher */
    if (spawn(iso, h, why, cap) != 0) {
        helper_free(h);
        return NULL;
    }
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, watch, h);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        snprintf(why, cap, "cannot start a thread: %s", strerror(rc));
        kill(h->pid, SIGKILL);
        waitpid(h->pid, NULL, 0);
        helper_free(h);
        return NULL;
    }
    if (hello(iso, h, why, cap) != 0) {
        pthread_mutex_lock(&iso->lock);
        kill(h->pid, SIGKILL); /* the watcher reaps it */
        h->refs--;             /* never became current */
        pthread_mutex_unlock(&iso->lock);
        return NULL;
    }
    return h;
}

/* A writer with no file open stops (its socket shut: it exits), so that
 * at most WRITERS_MAX run.  iso->lock held. */
static void retire_idle_writer_locked(struct mmio_isolated *iso)
{
    unsigned writers = 0;
    struct helper *idle = NULL;
    for (struct helper *w = iso->running; w; w = w->next)
        if (*w->key) {
            writers++;
            if (w->refs == 2) /* the list's and the watcher's */
                idle = w;
        }
    if (writers < WRITERS_MAX || !idle)
        return;
    idle->retired = 1;
    shutdown(idle->sock, SHUT_RDWR);
    unlist_locked(idle);
}

struct helper *iso_helper_get(struct mmio_isolated *iso, const char *key,
                              char *why, size_t cap)
{
    pthread_mutex_lock(&iso->lock);
    while (iso->starting)
        pthread_cond_wait(&iso->cond, &iso->lock);
    struct helper *dropped = NULL;
    if (iso->running && iso->running->owner != self()) {
        /* a child of fork(): the parent's helpers are not ours to use
         * (their watchers are not here); left as they are */
        iso->running = NULL;
    }
    struct helper *h = iso->running;
    while (h && strcmp(h->key, key) != 0)
        h = h->next;
    if (!h && iso->broken) {
        snprintf(why, cap, "%s", iso->broken_why);
        pthread_mutex_unlock(&iso->lock);
        return NULL;
    }
    if (!h) {
        iso->starting = 1;
        if (*key)
            retire_idle_writer_locked(iso);
        pthread_mutex_unlock(&iso->lock);
        h = start(iso, key, why, cap);
        pthread_mutex_lock(&iso->lock);
        iso->starting = 0;
        pthread_cond_broadcast(&iso->cond);
        if (h && atomic_load(&h->dead)) { /* died at once */
            snprintf(why, cap, "its helper %s", h->why);
            if (unref_locked(h))
                dropped = h;
            h = NULL;
        } else if (h) {
            h->next = iso->running;
            iso->running = h;
        }
    }
    if (h)
        h->refs++;
    pthread_mutex_unlock(&iso->lock);
    if (dropped)
        helper_free(dropped);
    return h;
}

/* ---- channels ----------------------------------------------------------- */
static int send_fd(int sock, int fd)
{
    char byte = 'c';
    struct iovec iov = {&byte, 1};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = u.buf;
    mh.msg_controllen = sizeof u.buf;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    ssize_t r;
    do
        r = sendmsg(sock, &mh, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    return r == 1 ? 0 : -1;
}

/* The window a channel can have: a memfd obeys this process's
 * RLIMIT_FSIZE, so under a small limit the window shrinks to fit. */
static uint32_t window(void)
{
    struct rlimit rl;
    uint32_t win = MMIO_SERVE_WINDOW;
    if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < mmio_serve_size(win)) {
        rlim_t room = rl.rlim_cur > sizeof(struct mmio_serve_chan)
                          ? rl.rlim_cur - sizeof(struct mmio_serve_chan)
                          : 0;
        win = (uint32_t)(room / 3) & ~(uint32_t)(MMIO_SERVE_MIN_WINDOW - 1);
    }
    return win;
}

static struct chan *chan_new(struct helper *h)
{
    uint32_t win = window();
    if (win < MMIO_SERVE_MIN_WINDOW)
        return NULL;
    size_t size = mmio_serve_size(win);
    int fd = memfd_create("mmio-channel", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return NULL;
    struct chan *c = NULL;
    void *map = MAP_FAILED;
    if (ftruncate(fd, (off_t)size) == 0 &&
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0)
        map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map != MAP_FAILED && send_fd(h->sock, fd) == 0) {
        c = mmio_sys_calloc(1, sizeof *c);
        if (c) {
            c->shm = map;
            c->size = size;
            c->win = win;
            c->data = (unsigned char *)map + sizeof *c->shm;
            c->rdata = c->data + 2 * (size_t)win;
            c->h = h;
            map = MAP_FAILED;
        }
    }
    if (map != MAP_FAILED)
        munmap(map, size);
    close(fd);
    return c;
}

struct chan *iso_chan_get(struct helper *h)
{
    struct mmio_isolated *iso = h->iso;
    pthread_mutex_lock(&iso->lock);
    for (struct chan *c = h->chans; c; c = c->next)
        if (c->idle) {
            c->idle = 0;
            h->nidle--;
            pthread_mutex_unlock(&iso->lock);
            return c;
        }
    pthread_mutex_unlock(&iso->lock);
    struct chan *c = chan_new(h);
    if (!c) {
        /* a helper that cannot take a channel is usually dying: wait for
         * its watcher, so the caller can say why */
        struct pollfd p = {h->pidfd, POLLIN, 0};
        if (poll(&p, 1, 0) == 1)
            for (int i = 0; i < 1000 && !atomic_load(&h->dead); i++)
                usleep(1000);
        return NULL;
    }
    pthread_mutex_lock(&iso->lock);
    c->next = h->chans;
    h->chans = c;
    if (atomic_load(&h->dead)) /* died meanwhile: bury_locked missed it */
        atomic_store(&c->shm->turn, SERVE_TURN_DEAD);
    pthread_mutex_unlock(&iso->lock);
    return c;
}

void iso_chan_put(struct chan *c)
{
    struct helper *h = c->h;
    pthread_mutex_lock(&h->iso->lock);
    if (h->nidle < IDLE_MAX || atomic_load(&h->dead)) {
        c->idle = 1;
        h->nidle++;
    } else { /* its thread in the helper ends; the mapping goes */
        c->shm->m.op = SERVE_OP_QUIT;
        mmio_serve_pass(c->shm, SERVE_TURN_HELPER);
        struct chan **pc = &h->chans;
        while (*pc != c)
            pc = &(*pc)->next;
        *pc = c->next;
        chan_free(c);
    }
    pthread_mutex_unlock(&h->iso->lock);
}

/* ---- a round trip ------------------------------------------------------- */
int iso_post(struct chan *c)
{
    struct helper *h = c->h;
    _Atomic uint32_t *turn = &c->shm->turn;
    if (atomic_load(&h->dead))
        return -1;
    c->shm->m.op = SERVE_OP_MSG;
    uint32_t expect = SERVE_TURN_APP;
    if (!atomic_compare_exchange_strong(turn, &expect, SERVE_TURN_HELPER))
        return -1; /* dead (or the helper wrote the turn out of order) */
    if (atomic_load(&c->shm->sleepers))
        mmio_serve_wake(turn);
    return 0;
}

int iso_round_trip(struct chan *c)
{
    return iso_post(c) == 0 ? iso_collect(c) : -1;
}

int iso_collect(struct chan *c)
{
    struct helper *h = c->h;
    _Atomic uint32_t *turn = &c->shm->turn;
    int limit = h->iso->conf.timeout_ms;
    double deadline = now_s() + limit / 1000.0;
    for (;;) {
        uint32_t t = atomic_load(turn);
        if (t == SERVE_TURN_APP)
            return 0;
        if (t == SERVE_TURN_DEAD || atomic_load(&h->dead))
            return -1;
        if (t == SERVE_TURN_CALL) { /* its plugin needs a file of ours */
            iso_serve_call(c);
            uint32_t call = SERVE_TURN_CALL;
            if (atomic_compare_exchange_strong(turn, &call,
                                               SERVE_TURN_HELPER) &&
                atomic_load(&c->shm->sleepers))
                mmio_serve_wake(turn);
            deadline = now_s() + limit / 1000.0;
            continue;
        }
        double left = deadline - now_s();
        if (left <= 0)
            break;
        struct timespec rel = {(time_t)left,
                               (long)((left - (double)(time_t)left) * 1e9)};
        mmio_serve_await(c->shm, MMIO_SERVE_SIDE_APP, t, &rel);
    }
    /* hung: killed, and every handle it served fails from now on */
    struct mmio_isolated *iso = h->iso;
    char why[200];
    snprintf(why, sizeof why,
             "did not answer within %d ms (the plugin's timeout) and was "
             "killed",
             limit);
    pthread_mutex_lock(&iso->lock);
    bury_locked(h, why);
    pthread_mutex_unlock(&iso->lock);
    syscall(SYS_pidfd_send_signal, h->pidfd, SIGKILL, NULL, 0);
    return -1;
}

/* ---- where a helper may write ------------------------------------------ */
void iso_write_key(const char *name, char *key, size_t cap)
{
    if (!name)
        return;
    /* the container: the name up to its last '+' (all of it without one) */
    const char *plus = strrchr(name, '+');
    size_t n = plus ? (size_t)(plus - name) : strlen(name);
    char dir[4200];
    const char *tmp = getenv("TMPDIR");
    if (memchr(name, '+', n) || strstr(name, "://") || n == 0 ||
        n >= sizeof dir) {
        /* in another container or remote: the plugin writes a spool */
        snprintf(dir, sizeof dir, "%s", tmp && *tmp == '/' ? tmp : "/tmp");
    } else {
        char file[4200];
        memcpy(file, name, n);
        file[n] = '\0';
        char *slash = strrchr(file, '/');
        if (!slash)
            snprintf(file, sizeof file, ".");
        else if (slash == file)
            file[1] = '\0';
        else
            *slash = '\0';
        if (!realpath(file, dir))
            snprintf(dir, sizeof dir, "%s", file);
    }
    size_t used = strlen(key);
    for (const char *k = key; *k;) { /* already there */
        size_t l = strcspn(k, "\n");
        if (l == strlen(dir) && !strncmp(k, dir, l))
            return;
        k += l + (k[l] == '\n');
    }
    snprintf(key + used, cap - used, "%s%s", used ? "\n" : "", dir);
}
