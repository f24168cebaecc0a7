/* SPDX-License-Identifier: MIT */
/*
 * check.c - checking a plugin without risking the program: the mmio-scan
 * helper loads it in a child process with a time limit, and this file reads
 * its verdict.
 *
 * The verdict travels on a private pipe (the child's descriptor 3), framed
 * and versioned, and carries a nonce the child got on its standard input
 * before it loaded anything; the plugin's own standard output goes to
 * /dev/null.  The child runs in a process group of its own, which is killed
 * whole at the time limit; this side never waits past it.  The child closes
 * every other descriptor it inherited before loading the plugin, and the
 * environment variable MMIO_IN_CHECKER turns the plugin host off in there (a
 * plugin calling mmio during its install spawns no checkers).
 *
 * A verdict also says whose fault a failure was: a plugin that crashes,
 * hangs, exits or has a bad descriptor is at fault; a checker that cannot be
 * found or started, a fork refused by a process limit, or a kill from
 * outside are the environment's, and such verdicts are never cached.
 */
#define _GNU_SOURCE
#include "check_proto.h"
#include "loader.h"
#include "serve_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MMIO_LIBEXECDIR_REL
#define MMIO_LIBEXECDIR_REL "../libexec/mmio"
#endif

#define VERDICT_CAP 65536

static int in_checker, in_helper;
static pthread_once_t in_checker_once = PTHREAD_ONCE_INIT;

static void read_in_checker(void)
{
    const char *v = getenv(MMIO_CHECK_ENV);
    const char *h = getenv(MMIO_SERVE_ENV);
    in_helper = h && *h;
    in_checker = (v && *v) || in_helper;
}

int mmio_in_checker(void)
{
    pthread_once(&in_checker_once, read_in_checker);
    return in_checker;
}

int mmio_in_helper(void)
{
    pthread_once(&in_checker_once, read_in_checker);
    return in_helper;
}

void mmio_check_free(struct mmio_check *c)
{
    free(c->reason);
    free(c->name);
    free(c->version);
    free(c->description);
    free(c->license);
    free(c->fourccs);
    memset(c, 0, sizeof *c);
}

int mmio_check_copy(struct mmio_check *dst, const struct mmio_check *src)
{
    memset(dst, 0, sizeof *dst);
    dst->state = src->state;
    dst->fault = src->fault;
    dst->timeout_ms = src->timeout_ms;
    int failed = 0;
    dst->reason = mmio_strdup_opt(src->reason, &failed);
    dst->name = mmio_strdup_opt(src->name, &failed);
    dst->version = mmio_strdup_opt(src->version, &failed);
    dst->description = mmio_strdup_opt(src->description, &failed);
    dst->license = mmio_strdup_opt(src->license, &failed);
    size_t n = 0;
    while (src->fourccs && src->fourccs[n])
        n++;
    dst->fourccs = mmio_sys_calloc(n + 1, sizeof(FOURCC));
    if (dst->fourccs && n)
        memcpy(dst->fourccs, src->fourccs, n * sizeof(FOURCC));
    if (!dst->fourccs || failed) {
        mmio_check_free(dst);
        return -1;
    }
    return 0;
}

void mmio_check_set(struct mmio_check *c, UINT state, int fault,
                    const char *reason)
{
    c->state = state;
    c->fault = fault;
    free(c->reason);
    c->reason = mmio_sys_strdup(reason ? reason : "");
    if (!c->fourccs)
        c->fourccs = mmio_sys_calloc(1, sizeof(FOURCC));
}

void mmio_tool_path(const char *tool, const char *env, char *out, size_t cap)
{
    const char *set = secure_getenv(env);
    if (set && *set) {
        snprintf(out, cap, "%s", set);
        return;
    }
    /* a build tree keeps it beside the library; an install in libexec */
    char built[4200], leaf[64];
    snprintf(built, sizeof built, "%s/%s", mmio_lib_dir(), tool);
    snprintf(leaf, sizeof leaf, "/%s", tool);
    if (access(built, X_OK) == 0)
        snprintf(out, cap, "%s", built);
    else if (mmio_lib_relative(out, cap, MMIO_LIBEXECDIR_REL, leaf))
        out[0] = '\0';
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void nonce_make(char out[33])
{
    unsigned char raw[16];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        for (size_t i = 0; i < sizeof raw; i++)
            raw[i] = (unsigned char)((uint64_t)ts.tv_nsec >> (i % 8) ^
                                     (uint64_t)getpid() >> (i % 4) ^ i);
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

/* One "key TAB value" line of a frame body into the verdict. */
/* Where the checker was when it last said (load, install, remove). */
static _Thread_local char phase[16];

static void take_line(struct mmio_check *c, char *line, size_t *nf, int *done,
                      int *nomem)
{
    char *tab = strchr(line, '\t');
    char *val = tab ? tab + 1 : (char *)"";
    if (tab)
        *tab = '\0';
    static const char *const keys[] = {"name", "version", "description",
                                       "license"};
    char **fields[] = {&c->name, &c->version, &c->description, &c->license};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (!strcmp(line, keys[k])) {
            free(*fields[k]);
            *fields[k] = mmio_strdup_opt(val, nomem);
            return;
        }
    if (!strcmp(line, "phase")) {
        snprintf(phase, sizeof phase, "%s", val);
        return;
    }
    if (!strcmp(line, "fourcc") && *nf < MMIO_CHECK_MAX_FOURCCS) {
        c->fourccs[(*nf)++] = (FOURCC)strtoul(val, NULL, 16);
        c->fourccs[*nf] = 0;
    } else if (!strcmp(line, "ok")) {
        mmio_check_set(c, MMIO_PLUGIN_AVAILABLE, FAULT_NONE, "");
        *done = 1;
    } else if (!strcmp(line, "refused")) {
        /* a library the plugin needs that this process cannot find is the
         * environment's doing, not the plugin's */
        int env = strstr(val, "cannot open shared object file") != NULL ||
                  strncmp(val, "cannot load libmmio", 19) == 0;
        mmio_check_set(c, MMIO_PLUGIN_REFUSED, env ? FAULT_ENV : FAULT_PLUGIN,
                       val);
        *done = 1;
    }
}

/* Parses the frames in buf; *done when a verdict frame was complete,
 * *nomem when a field could not be kept.  Anything not framed with our
 * nonce and version is ignored. */
static void parse_frames(char *buf, size_t len, const char *nonce,
                         struct mmio_check *c, int *done, int *nomem)
{
    size_t nf = 0, at = 0;
    while (at < len && !*done) {
        char *nl = memchr(buf + at, '\n', len - at);
        if (!nl)
            return;
        *nl = '\0';
        /* "MAGIC NONCE KIND LENGTH" */
        char *f[4] = {0}, *save = NULL;
        int words = 0;
        for (char *t = strtok_r(buf + at, " ", &save); t && words < 4;
             t = strtok_r(NULL, " ", &save))
            f[words++] = t;
        char *num_end = NULL;
        unsigned long body = words == 4 ? strtoul(f[3], &num_end, 10) : 0;
        if (words != 4 || !num_end || *num_end != '\0' ||
            strcmp(f[0], MMIO_CHECK_MAGIC) != 0 || strcmp(f[1], nonce) != 0 ||
            body > len - (size_t)(nl + 1 - buf))
            return;
        const char *kind = f[2];
        char *p = nl + 1, *end = p + body;
        at = (size_t)(end - buf);
        int is_verdict = !strcmp(kind, "verdict");
        while (p < end) {
            char *eol = memchr(p, '\n', (size_t)(end - p));
            if (!eol)
                break;
            *eol = '\0';
            int line_done = 0;
            take_line(c, p, &nf, &line_done, nomem);
            if (is_verdict && line_done)
                *done = 1;
            p = eol + 1;
        }
    }
}

static void broken(struct mmio_check *c, int fault, const char *fmt, ...)
    MMIO_PRINTF(3, 4);
static void broken(struct mmio_check *c, int fault, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    mmio_check_set(c, MMIO_PLUGIN_BROKEN, fault, why);
}

struct child {
    pid_t pid;
    int verdict; /* read end */
};

/* Starts the checker on path and hands it the nonce: 0, or the errno of
 * what failed (why says it). */
static int spawn(const char *path, const char *symbol, const char *nonce,
                 struct child *ch, char *why, size_t cap)
{
    char helper[4200];
    mmio_tool_path("mmio-scan", "MMIO_SCANNER", helper, sizeof helper);
    int vp[2], np[2];
    if (pipe2(vp, O_CLOEXEC) != 0) {
        int err = errno ? errno : EIO;
        snprintf(why, cap, "cannot create a pipe: %s", strerror(err));
        return err;
    }
    if (pipe2(np, O_CLOEXEC) != 0) {
        int err = errno ? errno : EIO;
        snprintf(why, cap, "cannot create a pipe: %s", strerror(err));
        close(vp[0]);
        close(vp[1]);
        return err;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, np[0], STDIN_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY,
                                     0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY,
                                     0);
    posix_spawn_file_actions_adddup2(&fa, vp[1], MMIO_CHECK_FD);
    mmio_spawn_attr_init(&at, 1);
    char **env = mmio_env_with(MMIO_CHECK_ENV "=1");
    const char *lib = mmio_lib_file();
    char *argv[8];
    int k = 0;
    argv[k++] = (char *)"mmio-scan";
    if (*lib) {
        argv[k++] = (char *)"--lib";
        argv[k++] = (char *)lib;
    }
    argv[k++] = (char *)path;
    if (symbol)
        argv[k++] = (char *)symbol;
    argv[k] = NULL;
    int rc = env ? posix_spawn(&ch->pid, helper, &fa, &at, argv, env) : ENOMEM;
    free(env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(vp[1]);
    close(np[0]);
    if (rc != 0) {
        snprintf(why, cap, "cannot run the checker %.400s: %s", helper,
                 strerror(rc));
        close(vp[0]);
        close(np[1]);
        return rc;
    }
    /* 33 bytes always fit in an empty pipe: this never blocks */
    char line[40];
    int n = snprintf(line, sizeof line, "%s\n", nonce);
    if (mmio_sys_write(np[1], line, (size_t)n) != n) {
        /* this side's failure: the checker, without its nonce, would be
         * taken for a plugin that says nothing */
        int err = errno ? errno : EIO;
        snprintf(why, cap, "cannot send the checker its nonce: %s",
                 strerror(err));
        close(np[1]);
        close(vp[0]);
        kill(-ch->pid, SIGKILL);
        while (waitpid(ch->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        return err;
    }
    close(np[1]);
    ch->verdict = vp[0];
    return 0;
}

enum { VERDICT_READ = 0, VERDICT_LATE = 1, VERDICT_UNREADABLE = 2 };

/* Reads the verdict until EOF or the deadline: VERDICT_READ, VERDICT_LATE
 * when the deadline hit, VERDICT_UNREADABLE when reading failed here (errno
 * kept): this process's trouble, never the plugin's. */
static int read_verdict(int fd, double deadline, char *buf, size_t cap,
                        size_t *len)
{
    for (;;) {
        int left = (int)(deadline - now_ms());
        struct pollfd pfd = {fd, POLLIN, 0};
        if (left <= 0)
            return VERDICT_LATE;
        int pr = poll(&pfd, 1, left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return VERDICT_UNREADABLE;
        if (pr == 0)
            return VERDICT_LATE;
        char scratch[4096];
        char *dst = *len < cap ? buf + *len : scratch;
        size_t room = *len < cap ? cap - *len : sizeof scratch;
        ssize_t r = mmio_sys_read(fd, dst, room);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return VERDICT_UNREADABLE;
        if (r == 0)
            return VERDICT_READ;
        if (dst != scratch)
            *len += (size_t)r; /* past the cap: read and dropped */
    }
}

/* Waits for the child until the deadline; 1 and *status when it ended. */
static int wait_until(pid_t pid, double deadline, int *status)
{
    long pause_ns = 20000; /* the child has usually just exited */
    for (;;) {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            si.si_pid == pid) {
            *status = si.si_code == CLD_EXITED ? (si.si_status & 0xff) << 8
                                               : (si.si_status & 0x7f);
            return 1;
        }
        if (now_ms() >= deadline)
            return 0;
        struct timespec ts = {0, pause_ns};
        nanosleep(&ts, NULL);
        if (pause_ns < 2000000)
            pause_ns *= 2;
    }
}

/* Whether a name can ever choose fcc: the extension before a name's last
 * '+' is upper-cased and space-padded, so a FOURCC with a lower-case
 * letter, a byte outside what an extension holds, or a space before its
 * end never comes of one. */
static int name_can_choose(FOURCC fcc)
{
    int ended = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char ch = (unsigned char)(fcc >> (8 * i));
        if (ch == ' ' && i > 0) {
            ended = 1;
            continue;
        }
        if (ended || ch <= ' ' || ch >= 0x7f || (ch >= 'a' && ch <= 'z') ||
            ch == '.' || ch == '/' || ch == '+')
            return 0;
    }
    return 1;
}

/* A plugin that would install a built-in FOURCC, or one no name can
 * choose, is refused with the reason (it could never be used as meant). */
static void refuse_unreachable(struct mmio_check *c)
{
    for (size_t i = 0; c->fourccs && c->fourccs[i]; i++) {
        FOURCC f = c->fourccs[i];
        char text[5];
        mmio_fourcc_text(f, text);
        if (f == FOURCC_DOS || f == FOURCC_MEM) {
            broken(c, FAULT_PLUGIN,
                   "FOURCC '%s' is built in: a plugin cannot serve it", text);
            c->state = MMIO_PLUGIN_REFUSED;
            return;
        }
        if (!name_can_choose(f)) {
            broken(c, FAULT_PLUGIN,
                   "FOURCC '%s' can never be chosen by a name (extensions "
                   "are upper-cased and space-padded: 1 to 4 of A-Z, 0-9 and "
                   "punctuation other than . / +)",
                   text);
            c->state = MMIO_PLUGIN_REFUSED;
            return;
        }
    }
}

void mmio_check_run(const char *path, const char *symbol, int timeout_ms,
                    struct mmio_check *c)
{
    memset(c, 0, sizeof *c);
    c->timeout_ms = timeout_ms;
    c->fourccs = mmio_sys_calloc(MMIO_CHECK_MAX_FOURCCS + 1, sizeof(FOURCC));
    if (!c->fourccs) {
        mmio_check_set(c, MMIO_PLUGIN_BROKEN, FAULT_HOST, "out of memory");
        return;
    }
    char nonce[33], why[600];
    nonce_make(nonce);
    struct child ch = {.pid = -1, .verdict = -1};
    double deadline = now_ms() + timeout_ms;
    int err = spawn(path, symbol, nonce, &ch, why, sizeof why);
    if (err != 0) {
        /* no memory, no process slot: this process's trouble of the
         * moment; a checker that is not there: the installation's */
        mmio_check_set(c, MMIO_PLUGIN_BROKEN,
                       mmio_errno_transient(err) ? FAULT_HOST : FAULT_ENV, why);
        return;
    }
    char *buf = mmio_sys_malloc(VERDICT_CAP + 1);
    size_t len = 0;
    int got = buf ? read_verdict(ch.verdict, deadline, buf, VERDICT_CAP, &len)
                  : VERDICT_UNREADABLE;
    int read_errno = buf ? errno : ENOMEM;
    close(ch.verdict);
    int status = 0;
    int ended = got == VERDICT_READ && wait_until(ch.pid, deadline, &status);
    /* Whatever is left of the group (the checker past its time, children
     * the plugin started) goes now; the leader is reaped after. */
    kill(-ch.pid, SIGKILL);
    while (waitpid(ch.pid, ended ? NULL : &status, 0) < 0 && errno == EINTR)
        ;
    int done = 0, nomem = 0;
    phase[0] = '\0';
    if (buf)
        parse_frames(buf, len, nonce, c, &done, &nomem);
    free(buf);
    /* what the plugin was doing when it went wrong, in words */
    const char *during = !strcmp(phase, "install")  ? "in mmioPluginInstall"
                         : !strcmp(phase, "remove") ? "in mmioPluginRemove"
                         : !strcmp(phase, "load")
                             ? "while loading (its constructors)"
                             : "while loading";
    if (nomem) {
        broken(c, FAULT_HOST, "out of memory while reading the verdict");
    } else if (got == VERDICT_UNREADABLE) {
        /* the child may die of SIGPIPE now: that is this side's doing */
        broken(c, FAULT_HOST, "cannot read the checker's verdict: %s",
               strerror(read_errno));
    } else if (!ended) {
        broken(c, FAULT_PLUGIN, "hung: no answer within %.1f s %s",
               timeout_ms / 1000.0, during);
    } else if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        /* nobody here sent it: a limit or an administrator did */
        broken(c, sig == SIGKILL ? FAULT_ENV : FAULT_PLUGIN,
               "crashed with signal %d (%s) %s", sig, strsignal(sig), during);
    } else if (!done || WEXITSTATUS(status) != MMIO_CHECK_EXIT_OK) {
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (code == MMIO_CHECK_EXIT_USAGE)
            broken(c, FAULT_ENV, "the checker refused its arguments");
        else
            broken(c, FAULT_PLUGIN, "exited with status %d %s", code, during);
    } else if (c->state == MMIO_PLUGIN_AVAILABLE && !symbol) {
        refuse_unreachable(c); /* a plugin file's, not an application's */
    }
}
