/* SPDX-License-Identifier: MIT */
/*
 * mmiohost_files.c - the file commands: cat, cp, riff, tone.  Every one
 * reports what did not happen: a copy onto itself is refused, a DOS
 * destination is written to a temporary file renamed at the end (a failed
 * copy leaves the old file as it was), a destination in a container is
 * written under a temporary name in that container and renamed over the
 * target when complete (a copy whose source fails midway never replaces
 * the old data), and riff says what is wrong with a file instead of
 * printing a tree it made up.
 */
#define _GNU_SOURCE
#include "mmiohost.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- which procedure a name selects (as mmioOpen decides) ---------------- */

/* Whether name is opened by the built-in DOS procedure (a plain file). */
struct claim {
    FOURCC fcc;
    int found;
};

static BOOL CALLBACK claims(const MMIOPLUGINDESC *d, void *ctx)
{
    struct claim *c = ctx;
    for (const FOURCC *f = d->pFourccs; *f; f++)
        c->found |= *f == c->fcc && d->uState != MMIO_PLUGIN_DISABLED;
    return !c->found;
}

/* A name no procedure claims is a plain file.  One whose procedure cannot
 * be had now but that a listed plugin claims is not: its open says why,
 * where a plain copy would make a file named like a container's member. */
static int is_plain_file(const char *name)
{
    FOURCC f = mmioExtNameFOURCC(name);
    if (!f || f == FOURCC_DOS)
        return 1;
    if (mmioInstallIOProc(f, NULL, MMIO_FINDPROC))
        return 0;
    struct claim c = {f, 0};
    if (mmioExtEnumPlugins(claims, &c) != MMSYSERR_NOERROR)
        return 0; /* no list: not known to be plain */
    return !c.found;
}

/* The same file, for cp: same device and inode for plain files, else the
 * same container (resolved) and the same member. */
static int same_file(const char *a, const char *b)
{
    int pa = is_plain_file(a), pb = is_plain_file(b);
    struct stat sa, sb;
    if (pa && pb)
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
               sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (pa != pb)
        return 0;
    const char *ma = strrchr(a, '+'), *mb = strrchr(b, '+');
    char ca[PATH_MAX], cb[PATH_MAX], ra[PATH_MAX], rb[PATH_MAX];
    snprintf(ca, sizeof ca, "%.*s", (int)(ma - a), a);
    snprintf(cb, sizeof cb, "%.*s", (int)(mb - b), b);
    const char *xa = realpath(ca, ra) ? ra : ca;
    const char *xb = realpath(cb, rb) ? rb : cb;
    return strcmp(xa, xb) == 0 && strcmp(ma, mb) == 0;
}

/* ---- progress ----------------------------------------------------------- */

struct progress {
    int on; /* stderr is a terminal */
    double start, last;
    long long bytes;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress_show(struct progress *p, int done)
{
    if (!p->on)
        return;
    double t = now_s();
    if (!done && t - p->last < 0.25)
        return;
    p->last = t;
    double secs = t - p->start > 1e-6 ? t - p->start : 1e-6;
    fprintf(stderr, "\r%lld bytes, %.1f MB/s%s", p->bytes,
            (double)p->bytes / secs / 1e6, done ? "\n" : "");
}

/* ---- cat / cp ------------------------------------------------------------ */

static int copy_stream(HMMIO in, HMMIO out, const char *src, const char *dst)
{
    static char buf[65536];
    struct progress p = {isatty(STDERR_FILENO), now_s(), 0, 0};
    p.last = p.start;
    for (;;) {
        LONG n = mmioRead(in, buf, (LONG)sizeof buf);
        if (n < 0) {
            progress_show(&p, 1);
            say_error(src, MMIOERR_CANNOTREAD);
            return EXIT_FAIL;
        }
        if (n == 0)
            break;
        if (out) {
            if (mmioWrite(out, buf, n) != n) {
                progress_show(&p, 1);
                say_error(dst, MMIOERR_CANNOTWRITE);
                return EXIT_FAIL;
            }
        } else if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
            progress_show(&p, 1);
            return EXIT_FAIL; /* main reports the output error */
        }
        p.bytes += n;
        progress_show(&p, 0);
    }
    if (p.last > p.start) /* something was shown: end its line */
        progress_show(&p, 1);
    return EXIT_OK;
}

int cmd_cat(const char *name)
{
    HMMIO h = open_or_say(name, MMIO_READ);
    if (!h)
        return EXIT_FAIL;
    int rc = copy_stream(h, NULL, name, NULL);
    mmioClose(h, 0);
    return rc;
}

/* A temporary name beside dst in the same container, served by the same
 * procedure: "a.zip+m.wav" -> "a.zip+m.wav.mmiotmp.PID"; a whole-file
 * name "d.wav.gz+" keeps its extension: "d.wav.mmiotmpPID.gz+".  0, or -1
 * when dst has no such name. */
static int container_temp(const char *dst, char *out, size_t cap)
{
    const char *plus = strrchr(dst, '+');
    if (!plus)
        return -1;
    int n;
    if (plus[1]) {
        n = snprintf(out, cap, "%s.mmiotmp.%ld", dst, (long)getpid());
    } else {
        const char *base = dst;
        for (const char *p = dst; p < plus; p++)
            if (*p == '/')
                base = p + 1;
        const char *dot = NULL;
        for (const char *p = base; p < plus; p++)
            if (*p == '.')
                dot = p;
        if (!dot)
            return -1;
        n = snprintf(out, cap, "%.*s.mmiotmp%ld%s", (int)(dot - dst), dst,
                     (long)getpid(), dot);
    }
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* Whether the procedure serving name renames (asked with names that do
 * not exist: a procedure that cannot rename says MMSYSERR_NOTSUPPORTED). */
static int renames(const char *name)
{
    char from[PATH_MAX + 64], to[PATH_MAX + 80];
    snprintf(from, sizeof from, "%s", name);
    snprintf(to, sizeof to, "%s.probe", name);
    return mmioRename(from, to, NULL, 0) != MMSYSERR_NOTSUPPORTED;
}

/* cp into a container: through a temporary name there, renamed when the
 * copy is complete, removed when not.  A procedure that cannot rename gets
 * the copy directly; if the copy fails its handle is abandoned unclosed,
 * as if the process had been killed (procedures that commit at close, as
 * the bundled ones do, then keep the old data). */
static int copy_into_container(HMMIO in, const char *src, const char *dst)
{
    char tmp[PATH_MAX + 64];
    int staged = container_temp(dst, tmp, sizeof tmp) == 0 && renames(tmp);
    const char *target = staged ? tmp : dst;
    HMMIO out = open_or_say(target, MMIO_WRITE | MMIO_CREATE | MMIO_ALLOCBUF);
    if (!out)
        return EXIT_FAIL;
    int rc = copy_stream(in, out, src, dst);
    if (rc != EXIT_OK && !staged)
        return rc; /* abandoned: never committed */
    MMRESULT crc = mmioClose(out, 0);
    if (crc != MMSYSERR_NOERROR && rc == EXIT_OK) {
        say_error(dst, crc);
        rc = EXIT_FAIL;
    }
    if (staged && rc == EXIT_OK) {
        MMRESULT rr = mmioRename(tmp, dst, NULL, 0);
        if (rr != MMSYSERR_NOERROR) {
            char text[128];
            mmioExtErrorText(rr, text, sizeof text);
            fprintf(stderr, "mmiohost: cp: cannot rename %s to %s: %s\n", tmp,
                    dst, text);
            rc = EXIT_FAIL;
        }
    }
    if (staged && rc != EXIT_OK)
        mmioOpen(tmp, NULL, MMIO_DELETE);
    return rc;
}

/* The mode a new destination gets (the umask's), or the one it has. */
static mode_t mode_for(const char *dst)
{
    struct stat st;
    if (stat(dst, &st) == 0)
        return st.st_mode & 07777;
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

/* Gives fd's file the name dst, replacing it at once (a link under a
 * unique name, then rename): 0 or -1. */
static int link_into_place(int fd, const char *dst)
{
    char name[PATH_MAX + 32], proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    for (int tries = 0; tries < 100; tries++) {
        snprintf(name, sizeof name, "%s.mmiolink.XXXXXX", dst);
        int probe = mkstemp(name); /* a unique name, given up for the link */
        if (probe < 0)
            return -1;
        close(probe);
        unlink(name);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0) {
            if (rename(name, dst) == 0)
                return 0;
            unlink(name);
            return -1;
        }
        if (errno != EEXIST)
            return -1;
    }
    return -1;
}

/* cp to a plain file: into an unnamed file in the destination's directory
 * (a killed copy leaves nothing), put in place only when the copy is
 * complete, with the destination's mode or the umask's.  Where the file
 * system has no unnamed files, a named temporary beside it. */
static int copy_to_plain_file(HMMIO in, const char *src, const char *dst)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(dst, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - dst) : 1,
             slash ? (slash == dst ? "/" : dst) : ".");
    mode_t mode = mode_for(dst);
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    char tmp[PATH_MAX + 16] = "";
    if (fd < 0) {
        snprintf(tmp, sizeof tmp, "%s.XXXXXX", dst);
        fd = mkstemp(tmp);
    }
    if (fd < 0 || fchmod(fd, mode) != 0) {
        fprintf(stderr, "mmiohost: cp: cannot create a file beside %s: %s\n",
                dst, strerror(errno));
        if (fd >= 0)
            close(fd);
        if (*tmp)
            unlink(tmp);
        return EXIT_FAIL;
    }
    /* the descriptor handed to the DOS procedure, as Windows code does */
    MMIOINFO info = {0};
    info.fccIOProc = FOURCC_DOS;
    info.adwInfo[0] = (DWORD)fd;
    HMMIO out = mmioOpen(NULL, &info, MMIO_WRITE | MMIO_ALLOCBUF);
    int rc = EXIT_FAIL;
    if (!out) {
        say_error(dst, info.wErrorRet);
    } else {
        rc = copy_stream(in, out, src, dst);
        MMRESULT crc = mmioClose(out, MMIO_FHOPEN); /* fd stays ours */
        if (crc != MMSYSERR_NOERROR && rc == EXIT_OK) {
            say_error(dst, crc);
            rc = EXIT_FAIL;
        }
    }
    if (rc == EXIT_OK && fsync(fd) != 0)
        rc = EXIT_FAIL;
    if (rc == EXIT_OK &&
        (*tmp ? rename(tmp, dst) : link_into_place(fd, dst)) != 0) {
        fprintf(stderr, "mmiohost: cp: cannot put %s in place: %s\n", dst,
                strerror(errno));
        rc = EXIT_FAIL;
    }
    close(fd);
    if (rc != EXIT_OK && *tmp)
        unlink(tmp);
    return rc;
}

int cmd_cp(const char *src, const char *dst)
{
    if (same_file(src, dst)) {
        fprintf(stderr, "mmiohost: cp: %s and %s are the same file\n", src,
                dst);
        return EXIT_FAIL;
    }
    HMMIO in = open_or_say(src, MMIO_READ);
    if (!in)
        return EXIT_FAIL;
    int rc = is_plain_file(dst) ? copy_to_plain_file(in, src, dst)
                                : copy_into_container(in, src, dst);
    mmioClose(in, 0);
    if (rc == EXIT_OK && opt.json) {
        printf("{\"copied\": ");
        json_str(src);
        printf(", \"to\": ");
        json_str(dst);
        printf("}\n");
    }
    return rc;
}

/* ---- riff ---------------------------------------------------------------- */

struct walker {
    HMMIO h;
    int64_t size;      /* of the file */
    int count;         /* chunks listed */
    char problem[512]; /* the first thing wrong */
};

static void walk(struct walker *w, const MMCKINFO *parent, int depth)
{
    MMCKINFO ck = {0};
    int count = 0;
    int64_t end =
        parent ? (int64_t)parent->dwDataOffset + parent->cksize : INT64_MAX;
    char parent_id[5] = "";
    if (parent)
        fourcc_text(parent->ckid, parent_id);
    while (mmioDescend(w->h, &ck, parent, 0) == MMSYSERR_NOERROR) {
        char id[5], type[5];
        int is_list = ck.ckid == FOURCC_RIFF || ck.ckid == FOURCC_LIST;
        fourcc_text(ck.ckid, id);
        fourcc_text(ck.fccType, type);
        int64_t data_end = (int64_t)ck.dwDataOffset + ck.cksize;
        /* past its parent: nothing inside can be trusted; past only the
         * end of the file (truncated): its children say where */
        int past = data_end > end;
        int past_file = !past && data_end > w->size;
        if (past && !w->problem[0]) {
            if (parent && data_end <= w->size)
                snprintf(w->problem, sizeof w->problem,
                         "chunk '%s' at offset %lu (size %lu) runs past the "
                         "end of its parent '%s'",
                         id, (unsigned long)ck.dwDataOffset - 8,
                         (unsigned long)ck.cksize, parent_id);
            else
                snprintf(w->problem, sizeof w->problem,
                         "chunk '%s' at offset %lu (size %lu) runs past the "
                         "end of the file (%lld bytes): truncated",
                         id, (unsigned long)ck.dwDataOffset - 8,
                         (unsigned long)ck.cksize, (long long)w->size);
        }
        if (opt.json) {
            printf("%s\n%*s{\"id\": ", count++ ? "," : "", depth * 2 + 4, "");
            json_str(id);
            if (is_list) {
                printf(", \"type\": ");
                json_str(type);
            }
            printf(", \"offset\": %lu, \"size\": %lu",
                   (unsigned long)ck.dwDataOffset - 8,
                   (unsigned long)ck.cksize);
        } else {
            printf("%*s%s", depth * 2, "", id);
            if (is_list)
                printf(" '%s'", type);
            printf("  offset %lu  size %lu\n",
                   (unsigned long)ck.dwDataOffset - 8,
                   (unsigned long)ck.cksize);
        }
        w->count++;
        if (is_list && !past && depth < 64) {
            if (opt.json)
                printf(", \"children\": [");
            walk(w, &ck, depth + 1);
            if (opt.json)
                printf("]");
        }
        if (past_file && !w->problem[0]) /* no child said it */
            snprintf(w->problem, sizeof w->problem,
                     "chunk '%s' at offset %lu (size %lu) runs past the end "
                     "of the file (%lld bytes): truncated",
                     id, (unsigned long)ck.dwDataOffset - 8,
                     (unsigned long)ck.cksize, (long long)w->size);
        past |= past_file;
        if (opt.json)
            printf("}");
        if (past || mmioAscend(w->h, &ck, 0) != MMSYSERR_NOERROR)
            break;
        if (!parent && ck.ckid != FOURCC_RIFF)
            break; /* a top level that is not RIFF: nothing more to trust */
    }
}

/* What the first bytes say, before any walking: "" when it is RIFF. */
static void check_head(HMMIO h, const char *name, int64_t size, char *why,
                       size_t cap)
{
    unsigned char head[12] = {0};
    LONG n = mmioRead(h, (HPSTR)head, 12);
    mmioSeek(h, 0, SEEK_SET);
    struct stat st;
    if (is_plain_file(name) && stat(name, &st) == 0 && st.st_size > INT32_MAX)
        snprintf(why, cap,
                 "the file is %lld bytes: mmio positions are LONG, so files "
                 "are limited to 2 GiB (2147483647 bytes)",
                 (long long)st.st_size);
    else if (n >= 4 && !memcmp(head, "RF64", 4))
        snprintf(why, cap, "an RF64 (64-bit RIFF) file: not supported");
    else if (n < 12 || memcmp(head, "RIFF", 4) != 0)
        snprintf(why, cap, "not a RIFF file%s",
                 n < 12 ? " (shorter than a RIFF header)" : "");
    else if (size < 0)
        snprintf(why, cap, "cannot find the end of the file");
}

int cmd_riff(const char *name)
{
    char why[4400];
    HMMIO h = open_or_tell(name, MMIO_READ | MMIO_ALLOCBUF, why, sizeof why);
    if (!h) {
        if (opt.json) { /* one document whatever happened */
            printf("{\n  \"file\": ");
            json_str(name);
            printf(",\n  \"chunks\": [],\n  \"error\": ");
            json_str(why);
            printf("\n}\n");
        }
        return EXIT_FAIL;
    }
    struct walker w = {h, mmioSeek(h, 0, SEEK_END), 0, ""};
    mmioSeek(h, 0, SEEK_SET);
    check_head(h, name, w.size, w.problem, sizeof w.problem);
    int walkable = !w.problem[0];
    if (opt.json) {
        printf("{\n  \"file\": ");
        json_str(name);
        printf(",\n  \"chunks\": [");
    }
    if (walkable)
        walk(&w, NULL, 0);
    mmioClose(h, 0);
    if (opt.json) {
        printf("%s],\n  \"error\": ", w.count ? "\n  " : "");
        if (w.problem[0])
            json_str(w.problem);
        else
            printf("null");
        printf("\n}\n");
    }
    if (w.problem[0]) {
        fprintf(stderr, "mmiohost: %s: %s\n", name, w.problem);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

/* ---- tone ---------------------------------------------------------------- */

int cmd_tone(const char *name, double seconds)
{
    const DWORD rate = 22050;
    HMMIO h = open_or_say(name, MMIO_WRITE | MMIO_CREATE | MMIO_ALLOCBUF);
    if (!h)
        return EXIT_FAIL;
    MMCKINFO riff = {0}, fmt = {0}, data = {0};
    /* WAVEFORMATEX for PCM: tag 1, mono, rate, byte rate, align 2, 16 bits */
    unsigned char wf[16] = {1, 0, 1, 0};
    DWORD bytes_per_sec = rate * 2;
    for (int i = 0; i < 4; i++) {
        wf[4 + i] = (unsigned char)(rate >> (8 * i));
        wf[8 + i] = (unsigned char)(bytes_per_sec >> (8 * i));
    }
    wf[12] = 2;
    wf[14] = 16;
    riff.fccType = mmioFOURCC('W', 'A', 'V', 'E');
    fmt.ckid = mmioFOURCC('f', 'm', 't', ' ');
    data.ckid = mmioFOURCC('d', 'a', 't', 'a');
    int ok = mmioCreateChunk(h, &riff, MMIO_CREATERIFF) == 0 &&
             mmioCreateChunk(h, &fmt, 0) == 0 &&
             mmioWrite(h, (const char *)wf, 16) == 16 &&
             mmioAscend(h, &fmt, 0) == 0 && mmioCreateChunk(h, &data, 0) == 0;
    long frames = (long)(seconds * rate);
    for (long i = 0; ok && i < frames; i++) {
        double v = sin(2.0 * 3.14159265358979 * 440.0 * (double)i / rate);
        int s = (int)(v * 12000.0);
        char le[2] = {(char)(s & 0xff), (char)((s >> 8) & 0xff)};
        ok = mmioWrite(h, le, 2) == 2;
    }
    ok = ok && mmioAscend(h, &data, 0) == 0 && mmioAscend(h, &riff, 0) == 0;
    MMRESULT rc = mmioClose(h, 0);
    if (!ok || rc != 0) {
        say_error(name, rc ? rc : MMIOERR_CANNOTWRITE);
        return EXIT_FAIL;
    }
    if (opt.json) {
        printf("{\"file\": ");
        json_str(name);
        printf(", \"frames\": %ld, \"rate\": %lu}\n", frames,
               (unsigned long)rate);
    } else {
        printf("wrote %s: %ld frames at %lu Hz\n", name, frames,
               (unsigned long)rate);
    }
    return EXIT_OK;
}
