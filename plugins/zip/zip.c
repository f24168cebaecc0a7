/* SPDX-License-Identifier: MIT */
/*
 * zip.c - the "ZIP " procedure: members of ZIP archives as files.
 *
 *   mmioOpen("songs.zip+intro.wav", NULL, MMIO_READ)
 *
 * Reading streams the member in place (reader.c): memory stays bounded
 * whatever its size, and seeks work.  Writing goes to an unnamed temporary
 * file next to the archive, committed into the archive at close (and at
 * mmioFlush) under the archive's writer lock (archive.c), so concurrent
 * writers in any process lose nothing and a killed writer leaves the old
 * archive or the new one.  A member name is the text after the last '+';
 * '\' separators become '/'; names that are absolute or climb with ".."
 * are refused (MMIOERR_INVALIDFILE).  Members of 2 GiB or more are
 * refused with MMSYSERR_NOTSUPPORTED: a LONG offset cannot reach past it.
 *
 * Options (plugins.conf [plugin zip] options): "store" writes members
 * uncompressed; "level=N" (1-9) sets the deflate level.
 */
#define _GNU_SOURCE
#include "zip_plugin.h"

#include "procutil.h"
#include "tmpfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FOURCC_ZIP mmioFOURCC('Z', 'I', 'P', ' ')

static const FOURCC fourccs[] = {FOURCC_ZIP, 0};

MMIOAPI const MMIOPLUGININFO mmioPluginInfo = {
    MMIO_PLUGIN_ABI, "zip",  "2.0.0", "Members of ZIP archives (libzip)",
    "MIT",           fourccs};

struct member {
    char *archive; /* the name up to the last '+' */
    char *name;    /* the member: after it */
    zreader *rd;   /* opened for reading */
    int fd;        /* opened for writing: the member's bytes */
    int64_t len;   /* ... and how many */
    int dirty;
    int failed; /* a write failed: nothing of this handle is committed */
};

static struct member *member_of(const MMIOINFO *mi)
{
    return mmioPluginGetFileState(mi);
}

static void free_member(struct member *m)
{
    if (!m)
        return;
    zreader_close(m->rd);
    if (m->fd >= 0)
        close(m->fd);
    free(m->archive);
    free(m->name);
    free(m);
}

/* A member name extracting tools could not turn into a path outside their
 * directory: relative, no ".." component. */
static int safe_name(const char *name)
{
    if (!*name || name[0] == '/')
        return 0;
    for (const char *p = name; p;) {
        const char *next = strchr(p, '/');
        size_t n = next ? (size_t)(next - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return 0;
        p = next ? next + 1 : NULL;
    }
    return 1;
}

/* Splits "archive+member" at the last '+': 0 or an MMIOERR_ code. */
static MMRESULT split(const char *fullname, char **archive, char **name)
{
    const char *plus = fullname ? strrchr(fullname, '+') : NULL;
    *archive = *name = NULL;
    if (!plus || plus == fullname || !plus[1])
        return MMIOERR_INVALIDFILE;
    *archive = strndup(fullname, (size_t)(plus - fullname));
    *name = strdup(plus + 1);
    if (!*archive || !*name) {
        free(*archive);
        free(*name);
        *archive = *name = NULL;
        return MMIOERR_OUTOFMEMORY;
    }
    for (char *p = *name; *p; p++)
        if (*p == '\\')
            *p = '/'; /* Windows code's separators; ZIP's is '/' */
    if (!safe_name(*name)) {
        free(*archive);
        free(*name);
        *archive = *name = NULL;
        return MMIOERR_INVALIDFILE;
    }
    return 0;
}

static int level_option(void)
{
    const char *o = plug_option("level");
    int level = o ? (int)strtol(o, NULL, 10) : 0;
    return level >= 1 && level <= 9 ? level : 0; /* 0: libzip's default */
}

/* Adds the member's bytes to the archive (replacing one of that name),
 * with the archive's permission bits.  Call with the lock held. */
static MMRESULT commit_locked(struct member *m)
{
    MMRESULT rc;
    mode_t mode = tmp_mode_for(m->archive);
    zip_t *z = zarchive_open(m->archive, 1, &rc);
    if (!z)
        return rc;
    int fd = dup(m->fd);
    FILE *fp = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!fp && fd >= 0)
        close(fd);
    /* the source owns fp from here */
    zip_source_t *src = fp ? zip_source_filep(z, fp, 0, m->len) : NULL;
    if (!src && fp)
        fclose(fp);
    zip_int64_t idx =
        src ? zip_file_add(z, m->name, src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8)
            : -1;
    if (idx < 0) {
        if (src)
            zip_source_free(src);
        zip_discard(z);
        return MMIOERR_CANNOTWRITE;
    }
    zip_uint64_t i = (zip_uint64_t)idx;
    int ok = zip_file_set_external_attributes(
                 z, i, 0, ZIP_OPSYS_UNIX,
                 ((zip_uint32_t)(mode & 0777) | S_IFREG) << 16) == 0;
    if (plug_flag("store"))
        ok &= zip_set_file_compression(z, i, ZIP_CM_STORE, 0) == 0;
    else
        ok &= zip_set_file_compression(z, i, ZIP_CM_DEFLATE,
                                       (zip_uint32_t)level_option()) == 0;
    if (!ok || zip_close(z) != 0) {
        zip_discard(z);
        return MMIOERR_CANNOTWRITE;
    }
    return 0;
}

static MMRESULT commit(struct member *m)
{
    int lock = zarchive_lock(m->archive);
    if (lock == -1)
        return MMIOERR_CANNOTWRITE;
    MMRESULT rc = commit_locked(m);
    zarchive_unlock(lock);
    if (rc == 0)
        m->dirty = 0;
    return rc;
}

/* MMIO_EXIST: looks the name up, inflating nothing. */
static LRESULT exist(const MMIOINFO *mi, const char *archive, const char *name)
{
    MMRESULT rc;
    zip_t *z = zarchive_open_read(mi, archive, &rc);
    if (!z)
        return rc;
    rc = zip_name_locate(z, name, 0) < 0 ? MMIOERR_FILENOTFOUND : 0;
    zip_discard(z);
    return rc;
}

/* Under the lock: MMIO_DELETE of a member (to == NULL) or mmioRename. */
static LRESULT change(const char *archive, const char *name, const char *to)
{
    if (!mmioOpen((LPSTR)archive, NULL, MMIO_EXIST))
        return MMIOERR_FILENOTFOUND; /* no archive: no member to change */
    int lock = zarchive_lock(archive);
    if (lock == -1)
        return MMIOERR_CANNOTWRITE;
    MMRESULT rc;
    zip_t *z = zarchive_open(archive, 0, &rc);
    if (z) {
        zip_int64_t idx = zip_name_locate(z, name, 0);
        zip_int64_t old = to ? zip_name_locate(z, to, 0) : -1;
        zip_uint64_t i = (zip_uint64_t)idx;
        if (idx < 0)
            rc = MMIOERR_FILENOTFOUND;
        else if (old == idx)
            rc = 0; /* renamed onto itself: nothing to do */
        /* as rename(2) does, a member of the new name is replaced, in the
         * same commit: the archive never lacks both */
        else if ((old >= 0 && zip_delete(z, (zip_uint64_t)old) != 0) ||
                 (to ? zip_file_rename(z, i, to, ZIP_FL_ENC_UTF_8) != 0
                     : zip_delete(z, i) != 0) ||
                 zip_close(z) != 0)
            rc = MMIOERR_CANNOTWRITE;
        else {
            z = NULL; /* zip_close freed it */
            rc = 0;
        }
        if (z)
            zip_discard(z);
    }
    zarchive_unlock(lock);
    return rc;
}

static LRESULT rename_member(const char *from, const char *to)
{
    char *archive, *name, *archive2, *name2;
    MMRESULT rc = split(from, &archive, &name);
    if (rc != 0)
        return rc;
    rc = split(to, &archive2, &name2);
    if (rc == 0) {
        /* moving between archives is a copy, not a rename: not done here */
        rc = strcmp(archive, archive2) != 0 ? MMSYSERR_NOTSUPPORTED
                                            : change(archive, name, name2);
        free(archive2);
        free(name2);
    }
    free(archive);
    free(name);
    return rc;
}

/* Opened for writing: the member's bytes go to a temporary next to the
 * archive, starting as the member's current bytes unless MMIO_CREATE. */
static MMRESULT open_for_writing(const MMIOINFO *mi, struct member *m,
                                 DWORD flags)
{
    MMRESULT can = tmp_can_commit(m->archive);
    if (can != 0)
        return can;
    m->fd = tmp_beside(m->archive);
    if (m->fd < 0)
        return errno == ENOENT ? MMIOERR_PATHNOTFOUND : MMIOERR_CANNOTWRITE;
    if (flags & MMIO_CREATE) {
        m->dirty = 1; /* a new, empty member, even if nothing is written */
        return 0;
    }
    zreader *r;
    MMRESULT rc = zreader_open(mi, m->archive, m->name, &r);
    if (rc != 0)
        return rc;
    m->len = zreader_size(r);
    if (zreader_copy_to(r, m->fd) != 0)
        rc = MMIOERR_CANNOTREAD;
    zreader_close(r);
    return rc;
}

static LRESULT zip_open_member(MMIOINFO *mi, const char *fullname)
{
    char *archive, *name;
    MMRESULT rc = split(fullname, &archive, &name);
    if (rc != 0)
        return rc;
    DWORD fl = mi->dwFlags, rw = fl & MMIO_RWMODE;
    if (fl & (MMIO_EXIST | MMIO_DELETE)) {
        rc = (fl & MMIO_DELETE) ? change(archive, name, NULL)
                                : exist(mi, archive, name);
        free(archive);
        free(name);
        return rc;
    }
    struct member *m = calloc(1, sizeof *m);
    if (!m) {
        free(archive);
        free(name);
        return MMIOERR_OUTOFMEMORY;
    }
    m->archive = archive;
    m->name = name;
    m->fd = -1;
    if (rw == MMIO_READ)
        rc = (fl & MMIO_CREATE) ? MMIOERR_ACCESSDENIED
                                : zreader_open(mi, archive, name, &m->rd);
    else
        rc = open_for_writing(mi, m, fl);
    if (rc != 0) {
        free_member(m);
        return rc;
    }
    mmioPluginSetFileState(mi, m);
    mi->lDiskOffset = 0;
    return 0;
}

static LRESULT zip_read(MMIOINFO *mi, struct member *m, char *dst, LONG n)
{
    long got;
    if (m->rd) {
        got = zreader_read(m->rd, mi->lDiskOffset, dst, n);
    } else {
        if (mi->lDiskOffset >= m->len)
            return 0;
        got = plug_pread(m->fd, dst, (size_t)n, mi->lDiskOffset);
    }
    if (got > 0)
        mi->lDiskOffset += (LONG)got;
    return got;
}

static LRESULT zip_write(MMIOINFO *mi, struct member *m, const char *src,
                         LONG n)
{
    if (m->fd < 0 || m->failed || n < 0 ||
        (int64_t)mi->lDiskOffset + n > INT32_MAX)
        return -1;
    /* a gap before it reads as zeros */
    if (plug_write_all(m->fd, src, (size_t)n, mi->lDiskOffset) != 0) {
        m->failed = 1; /* a partial member is never committed */
        return -1;
    }
    mi->lDiskOffset += n;
    if (mi->lDiskOffset > m->len)
        m->len = mi->lDiskOffset;
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
        MMRESULT rc = m->failed  ? MMIOERR_CANNOTWRITE
                      : m->dirty ? commit(m)
                                 : 0;
        free_member(m);
        mmioPluginSetFileState(mi, NULL);
        return rc;
    }
    case MMIOM_READ:
        return b < 0 ? -1 : zip_read(mi, m, (char *)a, (LONG)b);
    case MMIOM_WRITE:
        return zip_write(mi, m, (const char *)a, (LONG)b);
    case MMIOM_WRITEFLUSH: {
        /* mmioFlush: what was written so far goes into the archive now */
        if (m->rd)
            return b == 0 ? 0 : -1; /* opened for reading: nothing to do */
        LRESULT n = zip_write(mi, m, (const char *)a, (LONG)b);
        return n >= 0 && m->dirty && commit(m) != 0 ? -1 : n;
    }
    case MMIOM_RENAME:
        return rename_member((const char *)a, (const char *)b);
    case MMIOM_CAPS: /* a member is committed whole at close; a rename
                        replaces in the same commit */
        return MMIO_CAPS_ANSWER | MMIO_CAP_ATOMIC_CLOSE | MMIO_CAP_RENAME;
    case MMIOM_SEEK:
        return plug_seek(mi, m->rd ? zreader_size(m->rd) : m->len, (LONG)a,
                         (int)b);
    default: /* never 0 for what it does not do */
        return MMSYSERR_NOTSUPPORTED;
    }
}

MMIOAPI MMRESULT mmioPluginInstall(void)
{
    plug_keep_options();
    return mmioInstallIOProc(FOURCC_ZIP, zip_proc, MMIO_INSTALLPROC)
               ? MMSYSERR_NOERROR
               : MMSYSERR_ERROR;
}

MMIOAPI void mmioPluginRemove(void)
{
    mmioInstallIOProc(FOURCC_ZIP, zip_proc, MMIO_REMOVEPROC);
}
