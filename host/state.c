/*
 * state.c - the global registry state shared by every program that uses the
 * same configuration: plugins installed system-wide, and global procedures
 * that live in shared objects other processes can load.
 *
 *   # libmmio global registry state 1
 *   plugin TAB /path/to/plugin.so
 *   proc TAB fourcc-hex TAB /path/to/lib.so TAB symbol
 *
 * Changes are read-modify-write under an exclusive lock on FILE.lock and
 * replace the file atomically, so readers never see half a file.
 */
#define _GNU_SOURCE
#include "mmio_internal.h"
#include "plugin.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define STATE_MAGIC "# libmmio global registry state 1\n"

void mmio_state_free(struct mmio_state *st)
{
    for (size_t i = 0; i < st->nplugins; i++)
        free(st->plugins[i]);
    free(st->plugins);
    for (size_t i = 0; i < st->nprocs; i++) {
        free(st->procs[i].lib);
        free(st->procs[i].symbol);
    }
    free(st->procs);
    memset(st, 0, sizeof *st);
}

static int add_plugin(struct mmio_state *st, const char *path)
{
    char **grown = realloc(st->plugins, (st->nplugins + 1) * sizeof *grown);
    if (!grown)
        return -1;
    st->plugins = grown;
    grown[st->nplugins] = strdup(path);
    return grown[st->nplugins++] ? 0 : -1;
}

static int add_proc(struct mmio_state *st, FOURCC fcc, const char *lib,
                    const char *sym)
{
    struct mmio_state_proc *grown =
        realloc(st->procs, (st->nprocs + 1) * sizeof *grown);
    if (!grown)
        return -1;
    st->procs = grown;
    grown[st->nprocs].fcc = fcc;
    grown[st->nprocs].lib = strdup(lib);
    grown[st->nprocs].symbol = strdup(sym);
    st->nprocs++;
    return 0;
}

int mmio_state_read(const char *file, struct mmio_state *st)
{
    memset(st, 0, sizeof *st);
    char *text = file ? mmio_read_all(file, NULL) : NULL;
    if (!text)
        return -1;
    char *next;
    for (char *line = text; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *f[4] = {0}, *save = NULL;
        int nf = 0;
        for (char *t = strtok_r(line, "\t", &save); t && nf < 4;
             t = strtok_r(NULL, "\t", &save))
            f[nf++] = t;
        if (nf == 2 && !strcmp(f[0], "plugin"))
            add_plugin(st, f[1]);
        else if (nf == 4 && !strcmp(f[0], "proc"))
            add_proc(st, (FOURCC)strtoul(f[1], NULL, 16), f[2], f[3]);
    }
    free(text);
    return 0;
}

static int state_write(const char *file, const struct mmio_state *st)
{
    size_t cap = 64, len = 0;
    for (size_t i = 0; i < st->nplugins; i++)
        cap += strlen(st->plugins[i]) + 16;
    for (size_t i = 0; i < st->nprocs; i++)
        cap += strlen(st->procs[i].lib) + strlen(st->procs[i].symbol) + 32;
    char *buf = malloc(cap);
    if (!buf)
        return -1;
    len += (size_t)snprintf(buf + len, cap - len, "%s", STATE_MAGIC);
    for (size_t i = 0; i < st->nplugins; i++)
        len += (size_t)snprintf(buf + len, cap - len, "plugin\t%s\n",
                                st->plugins[i]);
    for (size_t i = 0; i < st->nprocs; i++)
        len += (size_t)snprintf(buf + len, cap - len, "proc\t%08x\t%s\t%s\n",
                                (unsigned)st->procs[i].fcc, st->procs[i].lib,
                                st->procs[i].symbol);
    int rc = mmio_write_atomic(file, buf, len);
    free(buf);
    return rc;
}

int mmio_state_update(const char *file, mmio_state_edit edit, void *ctx)
{
    if (!file)
        return -1;
    char lockpath[4200];
    snprintf(lockpath, sizeof lockpath, "%s.lock", file);
    struct mmio_state st;
    if (mmio_make_parent(lockpath) != 0)
        return -1;
    int fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    flock(fd, LOCK_EX);
    mmio_state_read(file, &st);
    int rc = edit(&st, ctx);
    if (rc > 0) /* changed */
        rc = state_write(file, &st) == 0 ? 0 : -1;
    mmio_state_free(&st);
    flock(fd, LOCK_UN);
    close(fd);
    return rc;
}

struct proc_edit {
    FOURCC fcc;
    const char *lib, *sym;
    int add;
};

static int edit_proc(struct mmio_state *st, void *ctx)
{
    const struct proc_edit *e = ctx;
    for (size_t i = 0; i < st->nprocs; i++) {
        struct mmio_state_proc *p = &st->procs[i];
        if (p->fcc == e->fcc && !strcmp(p->lib, e->lib) &&
            !strcmp(p->symbol, e->sym)) {
            if (e->add)
                return 0; /* already recorded */
            free(p->lib);
            free(p->symbol);
            st->nprocs--;
            memmove(&st->procs[i], &st->procs[i + 1],
                    (st->nprocs - i) * sizeof st->procs[0]);
            return 1;
        }
    }
    if (!e->add)
        return 0;
    return add_proc(st, e->fcc, e->lib, e->sym) == 0 ? 1 : -1;
}

/* Whether path names this program's executable. */
static int is_main_program(const char *path)
{
    char exe[4096], real[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0 || !realpath(path, real))
        return 1; /* unknown: keep it to this process */
    exe[n] = '\0';
    return strcmp(exe, real) == 0;
}

void mmio_state_record_proc(FOURCC fcc, LPMMIOPROC proc, int add)
{
    Dl_info di;
    if (!dladdr((void *)(uintptr_t)proc, &di) || !di.dli_fname ||
        !di.dli_sname || !di.dli_saddr ||
        (uintptr_t)di.dli_saddr != (uintptr_t)proc ||
        is_main_program(di.dli_fname))
        return; /* not exported from a shared object: this process only */
    char state[4096], lib[4096];
    if (mmio_plugins_state_path(state, sizeof state) != 0 ||
        !realpath(di.dli_fname, lib))
        return;
    struct proc_edit e = {fcc, lib, di.dli_sname, add};
    mmio_state_update(state, edit_proc, &e);
}
