/* SPDX-License-Identifier: MIT */
/*
 * zip.c - the "ZIP " procedure: members of ZIP archives as files.
 *
 *   mmioOpen("songs.zip+intro.wav", NULL, MMIO_READ)
 *
 * The member is read into memory at open (libzip cannot seek in compressed
 * data) and, when written, stored back into the archive at close (and at
 * mmioFlush), replacing a member of the same name.  Writers of one archive,
 * in any process, take turns under a lock on ARCHIVE.lock, so none loses
 * another's members.  Options (plugins.conf [plugin zip] options):
 * "store" writes members uncompressed.
 */
#define _GNU_SOURCE
#include <mmio_plugin.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define FOURCC_ZIP mmioFOURCC('Z', 'I', 'P', ' ')

static const FOURCC fourccs[] = {FOURCC_ZIP, 0};

static char install_options[256];

/* The options in force: a route's, else plugins.conf's at install. */
static const char *options(void)
{
    const char *o = mmioExtPluginOptions();
    return *o ? o : install_options;
}

MMIOAPI const MMIOPLUGININFO mmioPluginInfo = {
    MMIO_PLUGIN_ABI, "zip",  "1.0.0", "Members of ZIP archives (libzip)",
    "MIT",           fourccs};

struct member {
    char *archive; /* the name up to the last '+' */
    char *name;    /* the member: after it */
    char *data;
    size_t len, cap;
    int dirty;
    int store; /* write uncompressed */
};

static struct member *member_of(const MMIOINFO *mi)
{
    return mmioPluginGetFileState(mi);
}

static void free_member(struct member *m)
{
    if (!m)
        return;
    free(m->archive);
    free(m->name);
    free(m->data);
    free(m);
}

static MMRESULT load(struct member *m)
{
    int err = 0;
    zip_t *z = zip_open(m->archive, ZIP_RDONLY, &err);
    if (!z)
        return err == ZIP_ER_NOENT ? MMIOERR_FILENOTFOUND : MMIOERR_CANNOTOPEN;
    zip_stat_t st;
    MMRESULT rc = MMIOERR_FILENOTFOUND;
    if (zip_stat(z, m->name, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
        st.size < INT32_MAX) {
        zip_file_t *f = zip_fopen(z, m->name, 0);
        m->cap = (size_t)st.size + 1;
        m->data = malloc(m->cap);
        rc = MMIOERR_CANNOTREAD;
        if (f && m->data &&
            zip_fread(f, m->data, st.size) == (zip_int64_t)st.size) {
            m->len = (size_t)st.size;
            rc = 0;
        }
        if (f)
            zip_fclose(f);
    }
    zip_discard(z);
    return rc;
}

/* Writers of one archive take turns: each re-reads the archive inside an
 * exclusive lock on ARCHIVE.lock (a file that stays put, unlike the archive,
 * which libzip replaces by rename), so no member written by another
 * process is lost.  -1 when the lock cannot be had within 10 s. */
static int lock_archive(const char *archive)
{
    size_t n = strlen(archive) + 6;
    char *path = malloc(n);
    if (!path)
        return -1;
    snprintf(path, n, "%s.lock", archive);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    free(path);
    if (fd < 0)
        return -1;
    for (int waited = 0; waited < 10000; waited += 5) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return fd;
        if (errno != EWOULDBLOCK && errno != EINTR)
            break;
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    close(fd);
    return -1;
}

static MMRESULT store_locked(struct member *m);

static MMRESULT store(struct member *m)
{
    int lock = lock_archive(m->archive);
    if (lock < 0)
        return MMIOERR_CANNOTWRITE;
    MMRESULT rc = store_locked(m);
    close(lock); /* releases the lock */
    return rc;
}

static MMRESULT store_locked(struct member *m)
{
    int err = 0;
    /* the archive keeps its permission bits (libzip's new file would not) */
    struct stat before;
    int existed = stat(m->archive, &before) == 0;
    zip_t *z = zip_open(m->archive, ZIP_CREATE, &err);
    if (!z)
        return MMIOERR_CANNOTWRITE;
    /* m->data outlives zip_close, which is when libzip reads it */
    zip_source_t *src = zip_source_buffer(z, m->data ? m->data : "", m->len, 0);
    zip_int64_t idx =
        src ? zip_file_add(z, m->name, src, ZIP_FL_OVERWRITE) : -1;
    if (idx < 0) {
        if (src)
            zip_source_free(src);
        zip_discard(z);
        return MMIOERR_CANNOTWRITE;
    }
    if (m->store)
        zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
    if (zip_close(z) != 0)
        return MMIOERR_CANNOTWRITE;
    if (existed)
        chmod(m->archive, before.st_mode & 07777);
    return 0;
}

/* Splits "archive+member" (at the last '+'); 0 or an MMIOERR_ code. */
static MMRESULT split(const char *fullname, char **archive, char **name)
{
    const char *plus = fullname ? strrchr(fullname, '+') : NULL;
    *archive = *name = NULL;
    if (!plus || plus == fullname || !plus[1])
        return MMIOERR_INVALIDFILE;
    *archive = strndup(fullname, (size_t)(plus - fullname));
    *name = strdup(plus + 1);
    if (*archive && *name)
        return 0;
    free(*archive);
    free(*name);
    return MMIOERR_OUTOFMEMORY;
}

/* MMIO_EXIST: looks the name up, decompressing nothing.  MMIO_DELETE:
 * deletes the member.  Either way nothing stays open. */
static LRESULT zip_exist_or_delete(const char *fullname, int delete)
{
    char *archive, *name;
    MMRESULT rc = split(fullname, &archive, &name);
    if (rc != 0)
        return rc;
    int err = 0, lock = delete ? lock_archive(archive) : -1;
    if (delete &&lock < 0) {
        free(archive);
        free(name);
        return MMIOERR_CANNOTWRITE;
    }
    zip_t *z = zip_open(archive, delete ? 0 : ZIP_RDONLY, &err);
    if (!z) {
        rc = err == ZIP_ER_NOENT ? MMIOERR_FILENOTFOUND : MMIOERR_CANNOTOPEN;
    } else {
        zip_int64_t idx = zip_name_locate(z, name, 0);
        if (idx < 0)
            rc = MMIOERR_FILENOTFOUND;
        else if (delete &&(zip_delete(z, (zip_uint64_t)idx) != 0 ||
                           zip_close(z) != 0))
            rc = MMIOERR_CANNOTWRITE;
        if (!delete || rc != 0)
            zip_discard(z);
    }
    if (lock >= 0)
        close(lock);
    free(archive);
    free(name);
    return rc;
}

/* MMIOM_RENAME: a member renamed within its archive. */
static LRESULT rename_member(const char *from, const char *to)
{
    char *archive, *name, *archive2, *name2;
    MMRESULT rc = split(from, &archive, &name);
    if (rc != 0)
        return rc;
    rc = split(to, &archive2, &name2);
    if (rc != 0) {
        free(archive);
        free(name);
        return rc;
    }
    int err = 0;
    int same = strcmp(archive, archive2) == 0;
    int lock = same ? lock_archive(archive) : -1;
    zip_t *z = same && lock >= 0 ? zip_open(archive, 0, &err) : NULL;
    if (!z) {
        rc = !same                 ? MMSYSERR_NOTSUPPORTED
             : lock < 0            ? MMIOERR_CANNOTWRITE
             : err == ZIP_ER_NOENT ? MMIOERR_FILENOTFOUND
                                   : MMIOERR_CANNOTOPEN;
    } else {
        zip_int64_t idx = zip_name_locate(z, name, 0);
        if (idx < 0)
            rc = MMIOERR_FILENOTFOUND;
        else if (zip_file_rename(z, (zip_uint64_t)idx, name2, 0) != 0 ||
                 zip_close(z) != 0)
            rc = MMIOERR_CANNOTWRITE;
        if (rc != 0)
            zip_discard(z);
    }
    if (lock >= 0)
        close(lock);
    free(archive);
    free(name);
    free(archive2);
    free(name2);
    return rc;
}

static LRESULT zip_open_member(MMIOINFO *mi, const char *fullname)
{
    if (mi->dwFlags & (MMIO_EXIST | MMIO_DELETE))
        return zip_exist_or_delete(fullname, (mi->dwFlags & MMIO_DELETE) != 0);
    const char *plus = fullname ? strrchr(fullname, '+') : NULL;
    if (!plus || plus == fullname || !plus[1])
        return MMIOERR_INVALIDFILE;
    struct member *m = calloc(1, sizeof *m);
    if (!m)
        return MMIOERR_OUTOFMEMORY;
    m->archive = strndup(fullname, (size_t)(plus - fullname));
    m->name = strdup(plus + 1);
    m->store = strstr(options(), "store") != NULL;
    DWORD rw = mi->dwFlags & MMIO_RWMODE;
    MMRESULT rc = (!m->archive || !m->name) ? MMIOERR_OUTOFMEMORY : 0;
    if (rc == 0 && (mi->dwFlags & MMIO_CREATE))
        m->dirty = 1; /* a new, empty member */
    else if (rc == 0)
        rc = load(m);
    if (rc == 0 && rw == MMIO_READ && (mi->dwFlags & MMIO_CREATE))
        rc = MMIOERR_ACCESSDENIED;
    if (rc != 0) {
        free_member(m);
        return rc;
    }
    mmioPluginSetFileState(mi, m);
    mi->lDiskOffset = 0;
    return 0;
}

static LRESULT zip_write(MMIOINFO *mi, const char *src, LONG n)
{
    struct member *m = member_of(mi);
    size_t end = (size_t)mi->lDiskOffset + (size_t)n;
    if (end > INT32_MAX)
        return -1;
    if (end > m->cap) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap < end)
            cap *= 2;
        char *grown = realloc(m->data, cap);
        if (!grown)
            return -1;
        m->data = grown;
        m->cap = cap;
    }
    if ((size_t)mi->lDiskOffset > m->len) /* a gap reads as zeros */
        memset(m->data + m->len, 0, (size_t)mi->lDiskOffset - m->len);
    memcpy(m->data + mi->lDiskOffset, src, (size_t)n);
    mi->lDiskOffset += n;
    if (end > m->len)
        m->len = end;
    m->dirty = 1;
    return n;
}

static LRESULT CALLBACK zip_proc(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    MMIOINFO *mi = (MMIOINFO *)(void *)info;
    struct member *m = msg == MMIOM_OPEN ? NULL : member_of(mi);
    switch (msg) {
    case MMIOM_OPEN:
        return zip_open_member(mi, (const char *)a);
    case MMIOM_CLOSE: {
        if (!m) /* after an EXIST or DELETE open: nothing was kept */
            return 0;
        MMRESULT rc = (m->dirty && (mi->dwFlags & MMIO_RWMODE) != MMIO_READ)
                          ? store(m)
                          : 0;
        free_member(m);
        return rc;
    }
    case MMIOM_READ: {
        LONG left = (LONG)m->len - mi->lDiskOffset;
        LONG n = left < (LONG)b ? left : (LONG)b;
        if (n <= 0)
            return 0;
        memcpy((char *)a, m->data + mi->lDiskOffset, (size_t)n);
        mi->lDiskOffset += n;
        return n;
    }
    case MMIOM_WRITE:
        return zip_write(mi, (const char *)a, (LONG)b);
    case MMIOM_WRITEFLUSH: {
        /* mmioFlush: what was written so far goes into the archive now */
        LRESULT n = zip_write(mi, (const char *)a, (LONG)b);
        if (n >= 0 && m->dirty && store(m) != 0)
            return -1;
        return n;
    }
    case MMIOM_RENAME:
        return rename_member((const char *)a, (const char *)b);
    case MMIOM_SEEK: {
        int64_t pos = b == SEEK_SET   ? (int64_t)a
                      : b == SEEK_CUR ? (int64_t)mi->lDiskOffset + (LONG)a
                      : b == SEEK_END ? (int64_t)m->len - (LONG)a
                                      : -1;
        if (pos < 0 || pos > INT32_MAX)
            return -1;
        mi->lDiskOffset = (LONG)pos;
        return (LRESULT)pos;
    }
    default: /* never 0 for what it does not do */
        return MMSYSERR_NOTSUPPORTED;
    }
}

MMIOAPI MMRESULT mmioPluginInstall(void)
{
    /* plugins.conf's options reach a procedure through a [route] only;
     * otherwise those given at install hold */
    snprintf(install_options, sizeof install_options, "%s",
             mmioExtPluginOptions());
    return mmioInstallIOProc(FOURCC_ZIP, zip_proc, MMIO_INSTALLPROC)
               ? MMSYSERR_NOERROR
               : MMSYSERR_ERROR;
}

MMIOAPI void mmioPluginRemove(void)
{
    mmioInstallIOProc(FOURCC_ZIP, zip_proc, MMIO_REMOVEPROC);
}
