/* SPDX-License-Identifier: MIT */
/*
 * archive.c - changing a ZIP archive without losing anything.
 *
 * Writers of one archive, in any process, take turns under an exclusive
 * flock on ARCHIVE.lock (a file that stays put, unlike the archive, which
 * is replaced by rename).  libzip writes the new archive through our own
 * source, so its temporary is ARCHIVE.mmiotmp.XXXXXX, created only while
 * the lock is held: a writer that holds the lock and finds such a file
 * knows its maker is gone (killed mid-commit) and removes it.  A writer
 * killed at any point leaves the old archive or the new one, complete.
 *
 * An archive is read through mmio (inner.h): it may be a member of another
 * archive or a remote object.  One that is not a plain local file has no
 * lock file and no named temporary: the new archive is written to an
 * unnamed local temporary and put in place through its container
 * (tmpfile.h's commit path), whole or not at all.  Writers of such an
 * archive in two processes at once are not kept apart: the last commit
 * wins.
 */
#define _GNU_SOURCE
#include "zip_plugin.h"

#include "inner.h"
#include "procutil.h"
#include "tmpfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TMP_INFIX ".mmiotmp."

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int zarchive_lock(const char *archive)
{
    if (!plug_is_local(archive))
        return ZARCHIVE_NO_LOCK; /* see above: nothing to lock beside it */
    char *path = tmp_name(archive, ".lock");
    if (!path)
        return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    free(path);
    if (fd < 0)
        return -1;
    for (int waited = 0; waited < 60000; waited += 5) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            zarchive_clean(archive);
            return fd;
        }
        if (errno != EWOULDBLOCK && errno != EINTR)
            break;
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    close(fd);
    return -1;
}

void zarchive_unlock(int lock)
{
    if (lock >= 0 && lock != ZARCHIVE_NO_LOCK)
        close(lock); /* releases the flock */
}

unsigned zarchive_clean(const char *archive)
{
    if (!plug_is_local(archive))
        return 0;
    char *dir = tmp_dir_of(archive);
    char *prefix = tmp_name(base_of(archive), TMP_INFIX);
    DIR *d = dir && prefix ? opendir(dir) : NULL;
    unsigned removed = 0;
    if (d) {
        size_t plen = strlen(prefix);
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            struct stat st;
            /* ours by name, a regular file, and its owner's: a temporary
             * made under the lock we now hold, so its maker is gone */
            if (strncmp(e->d_name, prefix, plen) != 0 ||
                fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
                !S_ISREG(st.st_mode) || st.st_uid != geteuid())
                continue;
            if (unlinkat(dirfd(d), e->d_name, 0) == 0)
                removed++;
        }
        closedir(d);
    }
    free(dir);
    free(prefix);
    return removed;
}

/* The archive as a libzip source: read through mmio (the inner handle,
 * opened for the file mi serves), written to our temporary: for a plain
 * local archive a named one beside it, renamed into place; for any other
 * an unnamed local one, put in place through its container. */
struct source {
    char *path;
    const MMIOINFO *mi; /* for the inner open: share mode and task */
    int nested;         /* the archive is no plain local file */
    plug_inner in;      /* the archive, open while in.h */
    MMRESULT open_rc;   /* why the inner open failed (tried once) */
    int64_t rpos;
    int wfd;
    char *tmp;
    int64_t wpos;
    zip_error_t error;
};

static zip_int64_t fail(struct source *s, int ze)
{
    zip_error_set(&s->error, ze, errno);
    return -1;
}

/* Opens the archive through mmio if it is not open: 0, or -1 with errno
 * ENOENT when there is none (libzip then makes a new one, if asked). */
static int open_inner(struct source *s)
{
    if (s->in.h)
        return 0;
    if (!s->open_rc) /* once: a failure deep down is not retried */
        s->open_rc = plug_inner_open(&s->in, s->mi, s->path, 0);
    if (s->open_rc) {
        errno = s->open_rc == MMIOERR_FILENOTFOUND ? ENOENT : EIO;
        return -1;
    }
    return 0;
}

/* A new temporary for the new archive, with the archive's mode. */
static int begin_write(struct source *s)
{
    s->wpos = 0;
    if (s->nested) { /* unnamed, local: copied in at the commit */
        s->wfd = tmp_beside(s->path);
        return s->wfd >= 0 ? 0 : -1;
    }
    free(s->tmp);
    s->tmp = tmp_name(s->path, TMP_INFIX "XXXXXX");
    if (!s->tmp)
        return -1;
    s->wfd = mkostemp(s->tmp, O_CLOEXEC);
    if (s->wfd < 0)
        return -1;
    if (fchmod(s->wfd, tmp_mode_for(s->path)) != 0) {
        close(s->wfd);
        unlink(s->tmp);
        s->wfd = -1;
        return -1;
    }
    return 0;
}

static void rollback(struct source *s)
{
    if (s->wfd < 0)
        return;
    close(s->wfd);
    s->wfd = -1;
    if (!s->nested)
        unlink(s->tmp);
}

static int commit(struct source *s)
{
    plug_inner_close(&s->in); /* the old archive is read no more */
    if (s->nested) {
        int ok = tmp_commit(s->wfd, s->path) == 0;
        close(s->wfd);
        s->wfd = -1;
        return ok ? 0 : -1;
    }
    int ok = fsync(s->wfd) == 0;
    ok &= close(s->wfd) == 0;
    s->wfd = -1;
    ok = ok && rename(s->tmp, s->path) == 0;
    if (!ok)
        unlink(s->tmp);
    return ok ? 0 : -1;
}

static zip_int64_t stat_archive(struct source *s, zip_stat_t *zst)
{
    if (open_inner(s) != 0)
        return fail(s, ZIP_ER_READ); /* ENOENT: libzip makes a new one */
    zip_stat_init(zst);
    zst->size = (zip_uint64_t)plug_inner_size(&s->in);
    zst->valid = ZIP_STAT_SIZE;
    return sizeof *zst;
}

static zip_int64_t source_cb(void *ud, void *data, zip_uint64_t len,
                             zip_source_cmd_t cmd)
{
    struct source *s = ud;
    switch (cmd) {
    case ZIP_SOURCE_OPEN:
        s->rpos = 0;
        return open_inner(s) == 0 ? 0 : fail(s, ZIP_ER_OPEN);
    case ZIP_SOURCE_READ: {
        long want = len > (1u << 30) ? 1L << 30 : (long)len;
        long r = plug_inner_read(&s->in, data, want, s->rpos);
        if (r < 0) {
            errno = EIO;
            return fail(s, ZIP_ER_READ);
        }
        s->rpos += r;
        return r;
    }
    case ZIP_SOURCE_SEEK: {
        zip_int64_t at = zip_source_seek_compute_offset(
            (zip_uint64_t)s->rpos, (zip_uint64_t)plug_inner_size(&s->in), data,
            len, &s->error);
        if (at < 0)
            return -1;
        s->rpos = at;
        return 0;
    }
    case ZIP_SOURCE_TELL:
        return s->rpos;
    case ZIP_SOURCE_CLOSE:
        return 0; /* kept open for the commit's last reads */
    case ZIP_SOURCE_STAT:
        return len < sizeof(zip_stat_t) ? fail(s, ZIP_ER_INVAL)
                                        : stat_archive(s, data);
    case ZIP_SOURCE_BEGIN_WRITE:
        return begin_write(s) == 0 ? 0 : fail(s, ZIP_ER_TMPOPEN);
    case ZIP_SOURCE_WRITE:
        if (plug_write_all(s->wfd, data, len, -1) != 0)
            return fail(s, ZIP_ER_WRITE);
        s->wpos += (int64_t)len;
        return (zip_int64_t)len;
    case ZIP_SOURCE_SEEK_WRITE: {
        struct stat st;
        if (fstat(s->wfd, &st) != 0)
            return fail(s, ZIP_ER_SEEK);
        zip_int64_t at = zip_source_seek_compute_offset(
            (zip_uint64_t)s->wpos, (zip_uint64_t)st.st_size, data, len,
            &s->error);
        if (at < 0 || lseek(s->wfd, at, SEEK_SET) < 0)
            return at < 0 ? -1 : fail(s, ZIP_ER_SEEK);
        s->wpos = at;
        return 0;
    }
    case ZIP_SOURCE_TELL_WRITE:
        return s->wpos;
    case ZIP_SOURCE_COMMIT_WRITE:
        return commit(s) == 0 ? 0 : fail(s, ZIP_ER_RENAME);
    case ZIP_SOURCE_ROLLBACK_WRITE:
        rollback(s);
        return 0;
    case ZIP_SOURCE_REMOVE: /* the last member went: so does the archive */
        plug_inner_close(&s->in);
        return mmioOpen(s->path, NULL, MMIO_DELETE) ? 0
                                                    : fail(s, ZIP_ER_REMOVE);
    case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&s->error, data, len);
    case ZIP_SOURCE_FREE:
        plug_inner_close(&s->in);
        rollback(s);
        zip_error_fini(&s->error);
        free(s->tmp);
        free(s->path);
        free(s);
        return 0;
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(
            ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
            ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL,
            ZIP_SOURCE_SUPPORTS, ZIP_SOURCE_BEGIN_WRITE, ZIP_SOURCE_WRITE,
            ZIP_SOURCE_SEEK_WRITE, ZIP_SOURCE_TELL_WRITE,
            ZIP_SOURCE_COMMIT_WRITE, ZIP_SOURCE_ROLLBACK_WRITE,
            ZIP_SOURCE_REMOVE, -1);
    default:
        zip_error_set(&s->error, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
}

/* The MMIOERR_ code of a libzip error from opening an archive. */
static MMRESULT open_error(int ze)
{
    return ze == ZIP_ER_NOENT                          ? MMIOERR_FILENOTFOUND
           : ze == ZIP_ER_NOZIP || ze == ZIP_ER_INCONS ? MMIOERR_INVALIDFILE
                                                       : MMIOERR_CANNOTOPEN;
}

/* The archive through a source of ours, read-only or for changes: NULL
 * with *rc set to an MMIOERR_ code. */
static zip_t *open_archive(const MMIOINFO *mi, const char *archive, int flags,
                           MMRESULT *rc)
{
    struct source *s = calloc(1, sizeof *s);
    *rc = MMIOERR_OUTOFMEMORY;
    if (!s || !(s->path = strdup(archive))) {
        free(s);
        return NULL;
    }
    s->mi = mi;
    s->wfd = -1;
    s->in.fd = -1;
    s->nested = !plug_is_local(archive);
    zip_error_init(&s->error);
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t *src = zip_source_function_create(source_cb, s, &err);
    if (!src) {
        zip_error_fini(&s->error);
        free(s->path);
        free(s);
        zip_error_fini(&err);
        return NULL;
    }
    zip_t *z = NULL;
    /* an archive about to be made is not there: that is no failure */
    if ((flags & ZIP_CREATE) && !mmioOpen(s->path, NULL, MMIO_EXIST))
        s->open_rc = MMIOERR_FILENOTFOUND;
    int opened = open_inner(s) == 0;
    if (!opened &&
        !(s->open_rc == MMIOERR_FILENOTFOUND && (flags & ZIP_CREATE)))
        *rc = s->open_rc; /* the inner level's error, as it said it */
    else if (opened && !(flags & ZIP_CREATE) && plug_inner_size(&s->in) == 0)
        *rc = MMIOERR_INVALIDFILE; /* empty: no archive (libzip: "no file") */
    else if (!(z = zip_open_from_source(src, flags, &err)))
        *rc = open_error(zip_error_code_zip(&err));
    if (z)
        *rc = 0;
    else
        zip_source_free(src); /* frees s */
    zip_error_fini(&err);
    return z;
}

zip_t *zarchive_open_read(const MMIOINFO *mi, const char *archive, MMRESULT *rc)
{
    return open_archive(mi, archive, ZIP_RDONLY, rc);
}

zip_t *zarchive_open(const char *archive, int create, MMRESULT *rc)
{
    return open_archive(NULL, archive, create ? ZIP_CREATE : 0, rc);
}
