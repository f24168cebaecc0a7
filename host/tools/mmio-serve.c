/* SPDX-License-Identifier: MIT */
/*
 * mmio-serve - the helper an isolated plugin runs in: it loads one plugin
 * (or one global procedure) and serves the application's proxy procedures
 * over shared-memory channels, so a plugin that crashes, hangs or leaks
 * costs this process, never the application.  The protocol is in
 * protocol/serve_proto.h.
 *
 * Like the checker, it loads the application's libmmio by path (--lib) and
 * exports the functions a plugin installs with and reads its options from,
 * so a plugin's calls land here first: what it installs is recorded (and
 * passed on to libmmio for every thread, so a name nested in the plugin's
 * own format still finds it).  Before loading anything it confines itself:
 * no new privileges, memory and CPU limits, no sockets unless the plugin needs
 * the network (--network), and no writing but beneath the --write directories
 * (Landlock; none for a helper serving reads).
 */
#define _GNU_SOURCE
#include "close_fds.h"
#include "mmio_plugin.h"
#include "serve_proto.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- what the plugin installed ------------------------------------------ */
static struct served {
    LPMMIOPROC proc;
    FOURCC fcc;
    unsigned wide;
} served[MMIO_SERVE_MAX_PROCS];
static int nserved;
static int recording; /* only the plugin's own install is recorded */
static const char *options = "";
static _Thread_local const char *file_options; /* a route's, per file */

typedef LPMMIOPROC (*install_fn)(FOURCC, LPMMIOPROC, DWORD);

static LPMMIOPROC record(const char *real, FOURCC fcc, LPMMIOPROC proc,
                         DWORD flags, unsigned wide)
{
    if (recording && (flags & MMIO_INSTALLPROC) && proc &&
        nserved < MMIO_SERVE_MAX_PROCS) {
        served[nserved].fcc = fcc;
        served[nserved].proc = proc;
        served[nserved].wide = wide;
        nserved++;
    }
    install_fn next = (install_fn)(uintptr_t)dlsym(RTLD_NEXT, real);
    if (!next)
        return proc;
    if (flags & MMIO_INSTALLPROC)
        flags |= MMIO_GLOBALPROC; /* every channel thread sees it */
    return next(fcc, proc, flags);
}

/* Exported from this executable, so the plugin's calls resolve here. */
MMIOAPI LPMMIOPROC mmioInstallIOProc(FOURCC fcc, LPMMIOPROC proc, DWORD flags)
{
    unsigned wide = (flags & MMIO_UNICODEPROC) ? sizeof(wchar_t) : 0;
    return record("mmioInstallIOProc", fcc, proc, flags, wide);
}

MMIOAPI LPMMIOPROC mmioInstallIOProcA(FOURCC fcc, LPMMIOPROC proc, DWORD flags)
{
    return mmioInstallIOProc(fcc, proc, flags);
}

MMIOAPI LPMMIOPROC mmioInstallIOProcW(FOURCC fcc, LPMMIOPROC proc, DWORD flags)
{
    return record("mmioInstallIOProcW", fcc, proc, flags, sizeof(wchar_t));
}

MMIOAPI LPMMIOPROC mmioExtInstallIOProcW16(FOURCC fcc, LPMMIOPROC proc,
                                           DWORD flags)
{
    return record("mmioExtInstallIOProcW16", fcc, proc, flags, 2);
}

MMIOAPI LPCSTR mmioExtPluginOptions(void)
{
    return file_options ? file_options : options;
}

/* ---- what the plugin says, carried back with the answer ------------------ */
static _Thread_local struct mmio_serve_msg *saying;

static void collect(LPCSTR text, void *ctx)
{
    (void)ctx;
    struct mmio_serve_msg *m = saying;
    if (!m || !text)
        return;
    size_t room = sizeof m->said - m->said_len;
    int n = snprintf(m->said + m->said_len, room, "%s\n", text);
    if (n > 0)
        m->said_len += (size_t)n < room ? (uint32_t)n : (uint32_t)room - 1;
}

/* ---- the application's files -------------------------------------------
 * A container the plugin opens whose FOURCC no procedure here serves is
 * the application's: this procedure, installed for that FOURCC on first
 * need (mmio_serve_provide), asks the application over the channel whose
 * message is being served on this thread. */
struct channel {
    struct mmio_serve_chan *c;
    unsigned char *data, *rdata; /* 2 x win and win bytes, after the header */
    uint32_t win;
    size_t size;
    MMIOINFO mi; /* the open file's, as the procedure keeps it */
    LPMMIOPROC proc;
    char *options; /* the open file's, when a route gave it its own */
};

static _Thread_local struct channel *current;

/* One call: 0 and the answer in c->r, or -1 when there is no channel. */
static int call_app(struct channel *ch)
{
    if (!ch)
        return -1;
    struct mmio_serve_chan *c = ch->c;
    mmio_serve_pass(c, SERVE_TURN_CALL);
    while (atomic_load(&c->turn) == SERVE_TURN_CALL)
        mmio_serve_await(c, MMIO_SERVE_SIDE_HELPER, SERVE_TURN_CALL, NULL);
    return 0;
}

static void call_start(struct channel *ch, UINT op, const MMIOINFO *mi)
{
    struct mmio_serve_chan *c = ch->c;
    memset(&c->r, 0, sizeof c->r);
    c->r.op = op;
    c->r.fcc = mi->fccIOProc;
    c->r.handle = (uint64_t)(uintptr_t)mmioPluginGetFileState(mi);
}

/* The bytes of a name and its NUL into rdata at off: the new end. */
static size_t put_name(struct channel *ch, size_t off, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (off + n + 1 > ch->win)
        n = off + 1 < ch->win ? ch->win - off - 1 : 0;
    memcpy(ch->rdata + off, s ? s : "", n);
    ch->rdata[off + n] = '\0';
    return off + n + 1;
}

static LRESULT CALLBACK app_proc(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    MMIOINFO *mi = (MMIOINFO *)info;
    struct channel *c = current;
    if (!c)
        return msg == MMIOM_OPEN ? MMIOERR_CANNOTOPEN : -1;
    LRESULT done = 0;
    switch (msg) {
    case MMIOM_OPEN:
        call_start(c, msg, mi);
        c->c->r.flags = mi->dwFlags;
        c->c->r.len = (uint32_t)put_name(c, 0, (const char *)a);
        if (call_app(c) != 0)
            return MMIOERR_CANNOTOPEN;
        mmioPluginSetFileState(mi, (void *)(uintptr_t)c->c->r.handle);
        mi->lDiskOffset = 0;
        return (LRESULT)c->c->r.result;
    case MMIOM_CLOSE:
        if (!mmioPluginGetFileState(mi))
            return 0; /* after EXIST or DELETE: nothing was kept open */
        call_start(c, msg, mi);
        c->c->r.a = a;
        call_app(c);
        mmioPluginSetFileState(mi, NULL);
        return (LRESULT)c->c->r.result;
    case MMIOM_READ:
        while (done < b) {
            LPARAM n = b - done < (LPARAM)c->win ? b - done : (LPARAM)c->win;
            call_start(c, msg, mi);
            c->c->r.a = n;
            call_app(c);
            LRESULT got = (LRESULT)c->c->r.result;
            if (got < 0 || got > n)
                return done ? done : -1;
            memcpy((char *)a + done, c->rdata, (size_t)got);
            done += got;
            mi->lDiskOffset += (LONG)got;
            if (got < n)
                break;
        }
        return done;
    case MMIOM_WRITE:
    case MMIOM_WRITEFLUSH:
        do {
            LPARAM n = b - done < (LPARAM)c->win ? b - done : (LPARAM)c->win;
            call_start(c, msg, mi);
            memcpy(c->rdata, (const char *)a + done, (size_t)n);
            c->c->r.len = (uint32_t)n;
            call_app(c);
            LRESULT put = (LRESULT)c->c->r.result;
            if (put < 0 || put > n)
                return done ? done : -1;
            done += put;
            mi->lDiskOffset += (LONG)put;
            if (put < n)
                break;
        } while (done < b);
        return done;
    case MMIOM_SEEK:
        call_start(c, msg, mi);
        c->c->r.a = a;
        c->c->r.b = b;
        call_app(c);
        if (c->c->r.result >= 0)
            mi->lDiskOffset = (LONG)c->c->r.result;
        return (LRESULT)c->c->r.result;
    case MMIOM_RENAME:
        call_start(c, msg, mi);
        c->c->r.b = (int64_t)put_name(c, 0, (const char *)a);
        c->c->r.len = (uint32_t)put_name(c, (size_t)c->c->r.b, (const char *)b);
        call_app(c);
        return (LRESULT)c->c->r.result;
    case MMIOM_CAPS:
        call_start(c, msg, mi);
        call_app(c);
        return (LRESULT)c->c->r.result;
    default:
        return MMSYSERR_NOTSUPPORTED;
    }
}

MMIOAPI unsigned mmio_serve_provide(uint32_t fcc)
{
    install_fn next =
        (install_fn)(uintptr_t)dlsym(RTLD_NEXT, "mmioInstallIOProc");
    if (!next || !next(fcc, app_proc, MMIO_INSTALLPROC | MMIO_GLOBALPROC))
        return MMIOERR_CANNOTOPEN;
    return 0;
}

/* ---- one channel --------------------------------------------------------- */
static const struct served *find(FOURCC fcc)
{
    for (int i = 0; i < nserved; i++)
        if (served[i].fcc == fcc)
            return &served[i];
    return NULL;
}

static LRESULT deliver(struct channel *ch, UINT msg, LPARAM a, LPARAM b)
{
    return ch->proc((LPSTR)&ch->mi, msg, a, b);
}

static void serve_one(struct channel *ch)
{
    struct mmio_serve_msg *m = &ch->c->m;
    const uint32_t win = ch->win;
    const struct served *s = find(m->fcc);
    m->said_len = 0;
    if (!s) {
        m->result = MMIOERR_CANNOTOPEN;
        m->len = 0;
        return;
    }
    if (m->msg == MMIOM_OPEN || m->msg == MMIOM_RENAME ||
        m->msg == MMIOM_CAPS) {
        free(ch->options);
        ch->options = NULL;
        if (m->msg == MMIOM_OPEN && m->opts_at > 0 && m->opts_at < win) {
            ch->data[win - 1] = 0;
            ch->options = strdup((const char *)ch->data + m->opts_at);
        }
        memset(&ch->mi, 0, sizeof ch->mi);
        ch->mi.fccIOProc = s->fcc;
        ch->mi.pIOProc = s->proc;
        ch->mi.lDiskOffset = m->disk_offset;
        ch->proc = s->proc;
    }
    if (!ch->proc) {
        m->result = -1;
        m->len = 0;
        return;
    }
    ch->mi.dwFlags = m->flags;
    ch->mi.wErrorRet = m->error;
    memcpy(ch->mi.adwInfo, m->info, sizeof ch->mi.adwInfo);
    if (m->sync && ch->mi.lDiskOffset != m->sync_offset &&
        deliver(ch, MMIOM_SEEK, m->sync_offset, SEEK_SET) != m->sync_offset) {
        m->result = -1;
        m->len = 0;
        return;
    }
    LPARAM a = (LPARAM)m->a, b = (LPARAM)m->b;
    uint32_t len = m->len;
    switch (m->msg) {
    case MMIOM_OPEN:
        ch->data[win - 4] = ch->data[win - 3] = 0; /* always ends */
        ch->data[win - 2] = ch->data[win - 1] = 0;
        a = (LPARAM)ch->data;
        break;
    case MMIOM_RENAME:
        ch->data[win - 4] = ch->data[win - 3] = 0;
        ch->data[win - 2] = ch->data[win - 1] = 0;
        a = (LPARAM)ch->data;
        b = (LPARAM)(ch->data + (m->b >= 0 && m->b < win - 4 ? m->b : 0));
        break;
    case MMIOM_READ:
        a = (LPARAM)(ch->data + (m->slot == 1 ? win : 0));
        b = m->a < 0 || m->a > win ? 0 : (LPARAM)m->a;
        break;
    case MMIOM_WRITE:
    case MMIOM_WRITEFLUSH:
        a = (LPARAM)ch->data;
        b = len <= win ? (LPARAM)len : 0;
        break;
    default:
        break;
    }
    saying = m;
    file_options = ch->options;
    m->result = deliver(ch, m->msg, a, b);
    file_options = NULL;
    saying = NULL;
    m->len = m->msg == MMIOM_READ && m->result > 0 ? (uint32_t)m->result : 0;
    m->flags = ch->mi.dwFlags;
    m->error = ch->mi.wErrorRet;
    m->disk_offset = ch->mi.lDiskOffset;
    memcpy(m->info, ch->mi.adwInfo, sizeof m->info);
    if (m->msg == MMIOM_CLOSE || m->msg == MMIOM_RENAME ||
        m->msg == MMIOM_CAPS || (m->msg == MMIOM_OPEN && m->result != 0))
        ch->proc = NULL;
}

static void *serve(void *arg)
{
    struct channel *ch = arg;
    struct mmio_serve_chan *c = ch->c;
    current = ch;
    for (;;) {
        uint32_t t = atomic_load(&c->turn);
        if (t != SERVE_TURN_HELPER) {
            mmio_serve_await(c, MMIO_SERVE_SIDE_HELPER, t, NULL);
            continue;
        }
        if (c->m.op == SERVE_OP_QUIT)
            break;
        serve_one(ch);
        mmio_serve_pass(c, SERVE_TURN_APP);
    }
    munmap(c, ch->size);
    free(ch->options);
    free(ch);
    return NULL;
}

/* A packet with a channel's memfd: mapped and served on a new thread. */
static void add_channel(int sock)
{
    char byte;
    struct iovec iov = {&byte, 1};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u;
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = u.buf;
    mh.msg_controllen = sizeof u.buf;
    ssize_t r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    if (r <= 0)
        _exit(0); /* the application closed the socket: it is gone */
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    if (!cm || cm->cmsg_type != SCM_RIGHTS)
        return;
    int fd;
    memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    struct stat st;
    void *map = MAP_FAILED;
    uint32_t win = 0;
    if (fstat(fd, &st) == 0 && st.st_size > 0 &&
        (win = mmio_serve_win_of((size_t)st.st_size)) != 0)
        map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                   fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return;
    struct channel *ch = calloc(1, sizeof *ch);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (ch) {
        ch->c = map;
        ch->size = (size_t)st.st_size;
        ch->win = win;
        ch->data = (unsigned char *)map + sizeof *ch->c;
        ch->rdata = ch->data + 2 * (size_t)win;
        if (pthread_create(&t, &attr, serve, ch) != 0) {
            free(ch);
            munmap(map, (size_t)st.st_size);
        }
    } else {
        munmap(map, (size_t)st.st_size);
    }
    pthread_attr_destroy(&attr);
}

/* ---- start --------------------------------------------------------------- */
static void say(int sock, const char *text)
{
    if (send(sock, text, strlen(text), MSG_NOSIGNAL) < 0)
        _exit(0);
}

static _Noreturn void fail(int sock, const char *fmt, const char *arg)
{
    char text[1200];
    snprintf(text, sizeof text, "error ");
    size_t n = strlen(text);
    snprintf(text + n, sizeof text - n, fmt, arg ? arg : "");
    say(sock, text);
    _exit(1);
}

/* socket() and socketpair() fail with EACCES: the plugin reaches no
 * network and no local daemon. */
static int deny_sockets(void)
{
#if defined(__x86_64__)
#define SERVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SERVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif
#ifdef SERVE_AUDIT_ARCH
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SERVE_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socketpair, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
    };
    struct sock_fprog prog = {sizeof f / sizeof f[0], f};
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
#else
    return 0;
#endif
}

/* Landlock: nothing written, made, removed or renamed anywhere but
 * beneath the directories given (--write: where the files this helper
 * serves are, or the temporary directory for a spool).  Reading stays
 * open: the plugin's libraries, its configuration, the files it serves.
 * A kernel without Landlock leaves this undone (0); -1 when it failed. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
static int confine_writes(char *const *dirs, int ndirs)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
                       LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1)
        return 0;
    __u64 writes =
        LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
        LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
        LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
        LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
        LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
    if (abi >= 2)
        writes |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3)
        writes |= LANDLOCK_ACCESS_FS_TRUNCATE;
    struct landlock_ruleset_attr attr = {.handled_access_fs = writes};
    int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
    if (rs < 0)
        return -1;
    for (int i = 0; i < ndirs; i++) {
        int fd = open(dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            continue; /* not there: nothing to write in it */
        struct landlock_path_beneath_attr pb = {.allowed_access = writes,
                                                .parent_fd = fd};
        long r = syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH,
                         &pb, 0);
        close(fd);
        if (r != 0) {
            close(rs);
            return -1;
        }
    }
    long r = syscall(SYS_landlock_restrict_self, rs, 0);
    close(rs);
    return r == 0 ? 0 : -1;
}

static void confine(long memory_mb, long cpu_s, int network, char *const *dirs,
                    int ndirs)
{
    if (cpu_s > 0) { /* SIGXCPU at the limit, SIGKILL a little after */
        struct rlimit rl = {(rlim_t)cpu_s, (rlim_t)cpu_s + 5};
        setrlimit(RLIMIT_CPU, &rl);
    }
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
#ifdef MMIO_SERVE_SANITIZED
    memory_mb = 0;
#endif
    if (memory_mb > 0) {
        struct rlimit rl = {(rlim_t)memory_mb << 20, (rlim_t)memory_mb << 20};
        setrlimit(RLIMIT_AS, &rl);
    }
    struct rlimit core = {0, 0}; /* a crash is reported, not dumped */
    setrlimit(RLIMIT_CORE, &core);
    if (!network && deny_sockets() != 0)
        _exit(72);
    if (confine_writes(dirs, ndirs) != 0)
        _exit(73);
}

static void load(int sock, const char *path, const char *symbol, FOURCC fcc)
{
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl)
        fail(sock, "cannot load: %s", dlerror());
    recording = 1;
    if (symbol) {
        LPMMIOPROC proc = (LPMMIOPROC)(uintptr_t)dlsym(dl, symbol);
        if (!proc)
            fail(sock, "no symbol %s", symbol);
        mmioInstallIOProc(fcc, proc, MMIO_INSTALLPROC);
    } else {
        const MMIOPLUGININFO *info = dlsym(dl, MMIO_PLUGIN_INFO_SYMBOL);
        MMIOPLUGININSTALL install =
            (MMIOPLUGININSTALL)(uintptr_t)dlsym(dl, MMIO_PLUGIN_INSTALL_SYMBOL);
        if (!info || info->abi != MMIO_PLUGIN_ABI || !install)
            fail(sock, "not a plugin of this ABI%s", NULL);
        MMRESULT rc = install();
        if (rc != MMSYSERR_NOERROR) {
            char code[32];
            snprintf(code, sizeof code, "%u", (unsigned)rc);
            fail(sock, "mmioPluginInstall returned %s", code);
        }
    }
    recording = 0;
    char text[64 * MMIO_SERVE_MAX_PROCS] = "ok\n";
    size_t n = strlen(text);
    for (int i = 0; i < nserved; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%08x %u\n",
                              (unsigned)served[i].fcc, served[i].wide);
    say(sock, text);
}

int main(int argc, char **argv)
{
    mmio_close_fds_above(MMIO_SERVE_FD); /* inherited: not the plugin's */
    const char *lib = NULL, *symbol = NULL;
    long parent = 0, memory_mb = 0, cpu_s = 0;
    int network = 0, a = 1, ndirs = 0;
    char *dirs[8];
    FOURCC fcc = 0;
    for (; a < argc && !strncmp(argv[a], "--", 2); a++) {
        if (!strcmp(argv[a], "--network"))
            network = 1;
        else if (a + 1 < argc && !strcmp(argv[a], "--lib"))
            lib = argv[++a];
        else if (a + 1 < argc && !strcmp(argv[a], "--parent"))
            parent = strtol(argv[++a], NULL, 10);
        else if (a + 1 < argc && !strcmp(argv[a], "--memory"))
            memory_mb = strtol(argv[++a], NULL, 10);
        else if (a + 1 < argc && !strcmp(argv[a], "--cpu"))
            cpu_s = strtol(argv[++a], NULL, 10);
        else if (a + 1 < argc && !strcmp(argv[a], "--write") && ndirs < 8)
            dirs[ndirs++] = argv[++a];
        else
            break;
    }
    if (argc - a == 3) {
        symbol = argv[a + 1];
        fcc = (FOURCC)strtoul(argv[a + 2], NULL, 16);
    }
    if (!lib || parent <= 0 || (argc - a != 1 && argc - a != 3) ||
        fcntl(MMIO_SERVE_FD, F_GETFD) < 0) {
        fputs(
            "usage: mmio-serve --lib LIBMMIO --parent PID [--memory MB] "
            "[--cpu S] [--network] [--write DIR]... PLUGIN.so [SYMBOL FOURCC]\n"
            "(run by libmmio, with a socket on descriptor 3)\n",
            stderr);
        return 64;
    }
    int sock = MMIO_SERVE_FD;
    fcntl(sock, F_SETFD, FD_CLOEXEC);
    /* the parent watched through a pidfd: PR_SET_PDEATHSIG would follow
     * the thread that spawned this process, not the application */
    int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)parent, 0);
    if (pidfd < 0 || getppid() != (pid_t)parent)
        _exit(0);
    const char *o = getenv(MMIO_SERVE_OPTIONS_ENV);
    options = o ? strdup(o) : "";
    unsetenv(MMIO_SERVE_OPTIONS_ENV);
    setenv(MMIO_SERVE_ENV, "1", 1);
    confine(memory_mb, cpu_s, network, dirs, ndirs);
    void *libmmio = dlopen(lib, RTLD_NOW | RTLD_GLOBAL);
    if (!libmmio)
        fail(sock, "cannot load libmmio: %s", dlerror());
    typedef MMRESULT (*cb_fn)(MMIOMESSAGEPROC *, void *);
    cb_fn set_cb =
        (cb_fn)(uintptr_t)dlsym(libmmio, "mmioExtSetMessageCallback");
    if (set_cb)
        set_cb(collect, NULL);
    load(sock, argv[a], symbol, fcc);
    for (;;) {
        struct pollfd p[2] = {{sock, POLLIN, 0}, {pidfd, POLLIN, 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            _exit(0);
        }
        if (p[1].revents)
            _exit(0); /* the application is gone */
        if (p[0].revents & POLLIN)
            add_channel(sock);
        else if (p[0].revents)
            _exit(0);
    }
}
