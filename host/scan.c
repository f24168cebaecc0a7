/*
 * scan.c - checking plugin files without risking the host: each file is
 * checked by the mmio-scan helper in a child process with a time limit, and
 * plugin directories and files that others may write are refused.
 */
#define _GNU_SOURCE
#include "mmio_internal.h"
#include "plugin.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#ifndef MMIO_LIBEXECDIR_REL
#define MMIO_LIBEXECDIR_REL "../libexec/mmio"
#endif

int mmio_check_safe(const char *path, char *why, size_t cap)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(why, cap, "cannot stat: %s", strerror(errno));
        return -1;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(why, cap, "%s is writable by %s (mode %04o); refused",
                 S_ISDIR(st.st_mode) ? "directory" : "file",
                 (st.st_mode & S_IWOTH) ? "everyone" : "its group",
                 (unsigned)(st.st_mode & 07777));
        return -1;
    }
    return 0;
}

static int is_plugin_name(const char *n)
{
    size_t len = strlen(n);
    return n[0] != '.' && len > 3 && strcmp(n + len - 3, ".so") == 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int mmio_scan_dir(const char *dir, char ***paths, char *why, size_t cap)
{
    *paths = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return 0; /* a directory that does not exist holds no plugins */
    if (mmio_check_safe(dir, why, cap) != 0) {
        closedir(d);
        return -1;
    }
    size_t n = 0, room = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_plugin_name(e->d_name))
            continue;
        if (n == room) {
            room = room ? room * 2 : 16;
            char **grown = realloc(*paths, room * sizeof *grown);
            if (!grown)
                break;
            *paths = grown;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(len);
        if (!p)
            break;
        snprintf(p, len, "%s/%s", dir, e->d_name);
        (*paths)[n++] = p;
    }
    closedir(d);
    if (n > 1)
        qsort(*paths, n, sizeof **paths, by_name);
    return (int)n;
}

/* The helper: $MMIO_SCANNER, else next to libmmio (a build tree), else the
 * installed libexec directory. */
static const char *scanner_path(void)
{
    static char path[4096];
    const char *env = secure_getenv("MMIO_SCANNER");
    if (env && *env)
        return env;
    Dl_info di;
    if (path[0] == '\0' && dladdr((void *)(uintptr_t)mmio_scan_file, &di) &&
        di.dli_fname) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", di.dli_fname);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(dir, sizeof dir, ".");
        int n = snprintf(path, sizeof path, "%s/mmio-scan", dir);
        if (n < 0 || (size_t)n >= sizeof path || access(path, X_OK) != 0)
            n = snprintf(path, sizeof path, "%s/%s/mmio-scan", dir,
                         MMIO_LIBEXECDIR_REL);
        if (n < 0 || (size_t)n >= sizeof path)
            path[0] = '\0';
    }
    return path;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void set_reason(struct mmio_plugin_rec *rec, UINT state, const char *r)
{
    rec->state = state;
    free(rec->reason);
    rec->reason = strdup(r);
}

static void parse_answer(char *out, struct mmio_plugin_rec *rec, int *done)
{
    size_t nf = 0;
    free(rec->name);
    free(rec->version);
    free(rec->description);
    free(rec->license);
    rec->name = rec->version = rec->description = rec->license = NULL;
    free(rec->fourccs);
    rec->fourccs = calloc(65, sizeof(FOURCC));
    for (char *line = out, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *tab = strchr(line, '\t');
        char *val = tab ? tab + 1 : "";
        if (tab)
            *tab = '\0';
        if (!strcmp(line, "name"))
            rec->name = strdup(val);
        else if (!strcmp(line, "version"))
            rec->version = strdup(val);
        else if (!strcmp(line, "description"))
            rec->description = strdup(val);
        else if (!strcmp(line, "license"))
            rec->license = strdup(val);
        else if (!strcmp(line, "fourcc") && rec->fourccs && nf < 64)
            rec->fourccs[nf++] = (FOURCC)strtoul(val, NULL, 16);
        else if (!strcmp(line, "ok")) {
            set_reason(rec, MMIO_PLUGIN_AVAILABLE, "");
            *done = 1;
        } else if (!strcmp(line, "refused")) {
            set_reason(rec, MMIO_PLUGIN_REFUSED, val);
            *done = 1;
        }
    }
}

void mmio_scan_file(const char *path, int timeout_ms,
                    struct mmio_plugin_rec *rec)
{
    char why[512];
    if (mmio_check_safe(path, why, sizeof why) != 0) {
        set_reason(rec, MMIO_PLUGIN_REFUSED, why);
        return;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        set_reason(rec, MMIO_PLUGIN_BROKEN, "cannot create a pipe");
        return;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY,
                                     0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY,
                                     0);
    const char *helper = scanner_path();
    char *argv[] = {(char *)"mmio-scan", (char *)path, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, helper, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        if (snprintf(why, sizeof why, "cannot run the checker %s: %s", helper,
                     strerror(rc)) < 0)
            why[0] = '\0';
        set_reason(rec, MMIO_PLUGIN_BROKEN, why);
        close(fds[0]);
        return;
    }
    char out[8192];
    size_t len = 0;
    int timed_out = 0;
    double deadline = now_ms() + timeout_ms;
    for (;;) {
        int left = (int)(deadline - now_ms());
        struct pollfd pfd = {fds[0], POLLIN, 0};
        if (left <= 0 || poll(&pfd, 1, left) == 0) {
            timed_out = 1;
            kill(pid, SIGKILL);
            break;
        }
        ssize_t r = read(fds[0], out + len, sizeof out - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        if (len == sizeof out - 1)
            break;
    }
    close(fds[0]);
    out[len] = '\0';
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int done = 0;
    parse_answer(out, rec, &done);
    if (timed_out) {
        snprintf(why, sizeof why, "hung: no answer within %.1f s while loading",
                 timeout_ms / 1000.0);
        set_reason(rec, MMIO_PLUGIN_BROKEN, why);
    } else if (WIFSIGNALED(status)) {
        snprintf(why, sizeof why, "crashed with signal %d (%s) while loading",
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
        set_reason(rec, MMIO_PLUGIN_BROKEN, why);
    } else if (!done) {
        snprintf(why, sizeof why, "exited with status %d while loading",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        set_reason(rec, MMIO_PLUGIN_BROKEN, why);
    }
}
