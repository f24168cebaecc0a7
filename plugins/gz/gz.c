/* SPDX-License-Identifier: MIT */
/*
 * gz.c - the "GZ  " procedure: gzip streams as plain files.
 *
 *   mmioOpen("take.wav.gz+", NULL, MMIO_READ)   (or fccIOProc "GZ  ")
 *
 * Reading inflates as it goes (multi-member files included); memory stays a
 * few buffers plus one checkpoint (inflate state and window) per MiB of
 * output, so seeking forward inflates, seeking backward resumes from the
 * nearest checkpoint.  Writing deflates as it goes; MMIOM_WRITEFLUSH (sent
 * by mmioFlush) does a sync flush to the file, so what mmioFlush returned
 * for is readable by zcat even if the process dies; close writes the
 * trailer.  A file is opened for reading or for writing, not both.
 */
#define _GNU_SOURCE
#include <mmio_plugin.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define FOURCC_GZ mmioFOURCC('G', 'Z', ' ', ' ')
#define CHUNK 65536
#define CHECKPOINT_EVERY (1L << 20)
#define MAX_CHECKPOINTS 4096

static const FOURCC fourccs[] = {FOURCC_GZ, 0};

static char install_options[256];

/* The options in force: a route's, else plugins.conf's at install. */
static const char *options(void)
{
    const char *o = mmioExtPluginOptions();
    return *o ? o : install_options;
}

MMIOAPI const MMIOPLUGININFO mmioPluginInfo = {
    MMIO_PLUGIN_ABI, "gz",   "1.0.0", "gzip streams as files (zlib)",
    "MIT",           fourccs};

struct checkpoint {
    z_stream zs;     /* a copy, with its window */
    off_t in_pos;    /* file offset of the next input byte */
    int64_t out_pos; /* uncompressed offset */
};

struct gz {
    int fd;
    int writing;
    int level;
    z_stream zs;
    int zs_live;
    unsigned char in[CHUNK], out[CHUNK];
    off_t in_pos;           /* reading: file offset after what is in zs */
    int64_t out_pos;        /* uncompressed position of the stream */
    int eof;                /* reading: the last member ended */
    int64_t size;           /* uncompressed size, once known; -1 */
    struct checkpoint **cp; /* each on its own: zlib's state points back at
                               its z_stream, which therefore never moves */
    size_t ncp;
    int64_t next_cp;
};

static struct gz *gz_of(const MMIOINFO *mi)
{
    return mmioPluginGetFileState(mi);
}

/* The file a name names: up to the last '+', or all of it. */
static char *file_of(const char *name)
{
    const char *plus = name ? strrchr(name, '+') : NULL;
    return name ? strndup(name, plus ? (size_t)(plus - name) : strlen(name))
                : NULL;
}

static int level_option(void)
{
    const char *o = strstr(options(), "level=");
    int level = o ? (int)strtol(o + 6, NULL, 10) : Z_DEFAULT_COMPRESSION;
    return level >= 0 && level <= 9 ? level : Z_DEFAULT_COMPRESSION;
}

static void drop_checkpoints(struct gz *g)
{
    for (size_t i = 0; i < g->ncp; i++) {
        inflateEnd(&g->cp[i]->zs);
        free(g->cp[i]);
    }
    free(g->cp);
    g->cp = NULL;
    g->ncp = 0;
}

static void free_gz(struct gz *g)
{
    if (!g)
        return;
    if (g->zs_live)
        (void)(g->writing ? deflateEnd(&g->zs) : inflateEnd(&g->zs));
    drop_checkpoints(g);
    if (g->fd >= 0)
        close(g->fd);
    free(g);
}

/* Reading: (re)starts the stream at the beginning of the file. */
static int restart(struct gz *g)
{
    if (g->zs_live)
        inflateEnd(&g->zs);
    memset(&g->zs, 0, sizeof g->zs);
    g->zs_live = inflateInit2(&g->zs, 15 + 32) == Z_OK;
    g->in_pos = 0;
    g->out_pos = 0;
    g->eof = 0;
    return g->zs_live ? 0 : -1;
}

static void maybe_checkpoint(struct gz *g)
{
    if (g->out_pos < g->next_cp || g->ncp >= MAX_CHECKPOINTS ||
        g->zs.avail_in != 0) /* only where no input is pending */
        return;
    struct checkpoint **grown =
        realloc(g->cp, (g->ncp + 1) * sizeof(struct checkpoint *));
    if (!grown)
        return;
    g->cp = grown;
    struct checkpoint *c = calloc(1, sizeof *c);
    if (!c || inflateCopy(&c->zs, &g->zs) != Z_OK) {
        free(c);
        return;
    }
    c->in_pos = g->in_pos;
    c->out_pos = g->out_pos;
    g->cp[g->ncp++] = c;
    g->next_cp = g->out_pos + CHECKPOINT_EVERY;
}

/* Inflates up to n bytes into dst (NULL: discard); bytes made, -1 on a
 * damaged stream or a read error. */
static long inflate_some(struct gz *g, unsigned char *dst, long n)
{
    long done = 0;
    while (done < n && !g->eof) {
        if (g->zs.avail_in == 0) {
            ssize_t r = pread(g->fd, g->in, CHUNK, g->in_pos);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                return -1;
            if (r == 0)
                return -1; /* the file ended inside a stream: truncated */
            g->zs.next_in = g->in;
            g->zs.avail_in = (uInt)r;
            g->in_pos += r;
        }
        unsigned char scratch[CHUNK];
        long want = n - done < CHUNK ? n - done : CHUNK;
        g->zs.next_out = dst ? dst + done : scratch;
        g->zs.avail_out = (uInt)want;
        int rc = inflate(&g->zs, Z_NO_FLUSH);
        long made = want - (long)g->zs.avail_out;
        done += made;
        g->out_pos += made;
        if (rc == Z_STREAM_END) {
            /* another member may follow (skip padding zeros) */
            unsigned char peek[2];
            off_t at = g->in_pos - (off_t)g->zs.avail_in;
            while (pread(g->fd, peek, 1, at) == 1 && peek[0] == 0)
                at++;
            if (pread(g->fd, peek, 2, at) == 2 && peek[0] == 0x1f &&
                peek[1] == 0x8b) {
                inflateReset(&g->zs);
                g->zs.avail_in = 0;
                g->in_pos = at;
            } else {
                g->eof = 1;
                g->size = g->out_pos;
            }
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            return -1; /* bad data, bad CRC or length */
        }
        maybe_checkpoint(g);
    }
    return done;
}

/* Reading: moves the stream to uncompressed position pos. */
static int64_t seek_to(struct gz *g, int64_t pos)
{
    if (pos < g->out_pos) {
        /* back: the nearest checkpoint at or before pos, else the start */
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < g->ncp; i++)
            if (g->cp[i]->out_pos <= pos)
                best = i;
        if (best == SIZE_MAX) {
            if (restart(g) != 0)
                return -1;
        } else {
            inflateEnd(&g->zs);
            if (inflateCopy(&g->zs, &g->cp[best]->zs) != Z_OK) {
                g->zs_live = 0;
                return -1;
            }
            g->zs.avail_in = 0;
            g->in_pos = g->cp[best]->in_pos;
            g->out_pos = g->cp[best]->out_pos;
            g->eof = 0;
        }
    }
    while (g->out_pos < pos && !g->eof) {
        int64_t left = pos - g->out_pos;
        if (inflate_some(g, NULL, left < CHUNK ? (long)left : CHUNK) < 0)
            return -1;
    }
    return g->out_pos;
}

static LRESULT gz_open(MMIOINFO *mi, const char *name)
{
    char *file = file_of(name);
    if (!file || !*file) {
        free(file);
        return MMIOERR_INVALIDFILE;
    }
    DWORD fl = mi->dwFlags, rw = fl & MMIO_RWMODE;
    LRESULT rc = 0;
    if (fl & (MMIO_EXIST | MMIO_DELETE)) {
        struct stat st;
        rc = (fl & MMIO_DELETE) ? (unlink(file) == 0 ? 0 : errno)
                                : (stat(file, &st) == 0 ? 0 : errno);
        free(file);
        return rc == 0        ? 0
               : rc == ENOENT ? MMIOERR_FILENOTFOUND
                              : MMIOERR_ACCESSDENIED;
    }
    if (rw == MMIO_READWRITE) {
        free(file);
        return MMSYSERR_NOTSUPPORTED; /* a gzip stream is read or written */
    }
    struct gz *g = calloc(1, sizeof *g);
    if (!g) {
        free(file);
        return MMIOERR_OUTOFMEMORY;
    }
    g->size = -1;
    g->next_cp = CHECKPOINT_EVERY;
    g->writing = rw == MMIO_WRITE;
    g->fd = open(file,
                 g->writing ? O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
                            : O_RDONLY | O_CLOEXEC,
                 0666);
    free(file);
    if (g->fd < 0) {
        rc = errno == ENOENT ? MMIOERR_FILENOTFOUND : MMIOERR_CANNOTOPEN;
        g->fd = -1;
        free_gz(g);
        return rc;
    }
    if (g->writing) {
        g->level = level_option();
        g->zs_live = deflateInit2(&g->zs, g->level, Z_DEFLATED, 15 + 16, 8,
                                  Z_DEFAULT_STRATEGY) == Z_OK;
    } else {
        restart(g);
    }
    if (!g->zs_live) {
        free_gz(g);
        return MMIOERR_OUTOFMEMORY;
    }
    mmioPluginSetFileState(mi, g);
    mi->lDiskOffset = 0;
    return 0;
}

static int write_out(struct gz *g, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(g->fd, g->out + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

/* Deflates src with flush; 0 or -1. */
static int deflate_all(struct gz *g, const char *src, long n, int flush)
{
    g->zs.next_in = (Bytef *)(uintptr_t)src;
    g->zs.avail_in = (uInt)n;
    do {
        g->zs.next_out = g->out;
        g->zs.avail_out = CHUNK;
        int rc = deflate(&g->zs, flush);
        if (rc == Z_STREAM_ERROR)
            return -1;
        if (write_out(g, CHUNK - g->zs.avail_out) != 0)
            return -1;
    } while (g->zs.avail_out == 0 ||
             (flush == Z_FINISH && g->zs.avail_in != 0));
    return 0;
}

static LRESULT CALLBACK gz_proc(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    MMIOINFO *mi = (MMIOINFO *)(void *)info;
    struct gz *g = msg == MMIOM_OPEN ? NULL : gz_of(mi);
    switch (msg) {
    case MMIOM_OPEN:
        return gz_open(mi, (const char *)a);
    case MMIOM_CLOSE: {
        if (!g)
            return 0;
        int rc = 0;
        if (g->writing) {
            rc = deflate_all(g, "", 0, Z_FINISH);
            if (fsync(g->fd) != 0)
                rc = -1;
        }
        if (close(g->fd) != 0)
            rc = -1;
        g->fd = -1;
        free_gz(g);
        mmioPluginSetFileState(mi, NULL);
        return rc == 0 ? 0 : MMIOERR_CANNOTWRITE;
    }
    case MMIOM_READ: {
        if (g->writing || b < 0)
            return -1;
        if (seek_to(g, mi->lDiskOffset) != mi->lDiskOffset)
            return mi->lDiskOffset > g->out_pos && g->eof ? 0 : -1;
        long n = inflate_some(g, (unsigned char *)a, (long)b);
        if (n < 0)
            return -1;
        mi->lDiskOffset += (LONG)n;
        return n;
    }
    case MMIOM_WRITE:
    case MMIOM_WRITEFLUSH: {
        if (!g->writing || b < 0 ||
            deflate_all(g, (const char *)a, (long)b,
                        msg == MMIOM_WRITEFLUSH ? Z_SYNC_FLUSH : Z_NO_FLUSH))
            return -1;
        if (msg == MMIOM_WRITEFLUSH && fdatasync(g->fd) != 0)
            return -1;
        mi->lDiskOffset += (LONG)b;
        return b;
    }
    case MMIOM_SEEK: {
        int64_t target;
        if (b == SEEK_SET)
            target = a;
        else if (b == SEEK_CUR)
            target = (int64_t)mi->lDiskOffset + a;
        else if (b == SEEK_END && !g->writing) {
            /* the size is known once the stream was read to its end */
            if (g->size < 0 && seek_to(g, INT64_MAX) < 0)
                return -1;
            target = g->size - a;
        } else if (b == SEEK_END) {
            target = mi->lDiskOffset - a;
        } else {
            return -1;
        }
        if (target < 0 || target > INT32_MAX ||
            (g->writing && target != mi->lDiskOffset))
            return -1; /* a stream being written only goes forward */
        mi->lDiskOffset = (LONG)target;
        return (LRESULT)target;
    }
    case MMIOM_RENAME: {
        char *from = file_of((const char *)a), *to = file_of((const char *)b);
        int ok = from && to && rename(from, to) == 0;
        int err = errno;
        free(from);
        free(to);
        return ok              ? 0
               : err == ENOENT ? MMIOERR_FILENOTFOUND
                               : MMIOERR_CANNOTWRITE;
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
    return mmioInstallIOProc(FOURCC_GZ, gz_proc, MMIO_INSTALLPROC)
               ? MMSYSERR_NOERROR
               : MMSYSERR_ERROR;
}

MMIOAPI void mmioPluginRemove(void)
{
    mmioInstallIOProc(FOURCC_GZ, gz_proc, MMIO_REMOVEPROC);
}
