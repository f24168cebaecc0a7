/* SPDX-License-Identifier: MIT */
/* procutil.c - what the bundled procedures do alike (procutil.h). */
#define _GNU_SOURCE
#include "procutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char install_options[256];

void plug_keep_options(void)
{
    snprintf(install_options, sizeof install_options, "%s",
             mmioExtPluginOptions());
}

static const char *options(void)
{
    const char *o = mmioExtPluginOptions();
    return *o ? o : install_options;
}

/* Where word starts a whole word of the options, or NULL. */
static const char *find_word(const char *opts, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(opts, word); p; p = strstr(p + 1, word))
        if ((p == opts || p[-1] == ' ' || p[-1] == ',') &&
            (word[n - 1] == '=' || p[n] == 0 || p[n] == ' ' || p[n] == ','))
            return p;
    return NULL;
}

const char *plug_option(const char *key)
{
    char word[64];
    snprintf(word, sizeof word, "%s=", key);
    const char *p = find_word(options(), word);
    return p ? p + strlen(word) : NULL;
}

void plug_option_text(const char *key, char *buf, size_t n)
{
    const char *v = plug_option(key);
    size_t len = v ? strcspn(v, " ,") : 0;
    snprintf(buf, n, "%.*s", (int)len, v ? v : "");
}

int plug_flag(const char *word)
{
    return find_word(options(), word) != NULL;
}

char *plug_file_of(const char *name)
{
    const char *plus = name ? strrchr(name, '+') : NULL;
    return name ? strndup(name, plus ? (size_t)(plus - name) : strlen(name))
                : NULL;
}

LRESULT plug_rename_files(const char *from, const char *to)
{
    char *a = plug_file_of(from), *b = plug_file_of(to);
    /* through whatever serves the files: a directory, an archive... */
    MMRESULT rc = a && b ? mmioRename(a, b, NULL, 0) : MMIOERR_OUTOFMEMORY;
    free(a);
    free(b);
    return rc;
}

LRESULT plug_seek(MMIOINFO *mi, int64_t size, LONG off, int how)
{
    int64_t pos = how == SEEK_SET   ? (int64_t)off
                  : how == SEEK_CUR ? (int64_t)mi->lDiskOffset + off
                  : how == SEEK_END ? size - off /* counts back */
                                    : -1;
    if (pos < 0 || pos > INT32_MAX)
        return -1;
    mi->lDiskOffset = (LONG)pos;
    return (LRESULT)pos;
}

MMRESULT plug_errno_result(int err)
{
    return err == ENOENT                   ? MMIOERR_FILENOTFOUND
           : err == EACCES || err == EPERM ? MMIOERR_ACCESSDENIED
                                           : MMIOERR_CANNOTOPEN;
}

LRESULT plug_exist_or_delete(const char *file, DWORD flags)
{
    MMIOINFO info = {0};
    HMMIO h = mmioOpen((LPSTR)file, &info,
                       flags & (MMIO_EXIST | MMIO_DELETE | MMIO_SHAREMODE));
    return h ? 0 : info.wErrorRet ? info.wErrorRet : MMIOERR_FILENOTFOUND;
}

int plug_open_start(const MMIOINFO *mi, const char *name, char **file,
                    LRESULT *rc)
{
    DWORD fl = mi->dwFlags;
    *file = plug_file_of(name);
    if (!*file || !**file)
        *rc = *file ? MMIOERR_INVALIDFILE : MMIOERR_OUTOFMEMORY;
    else if (fl & (MMIO_EXIST | MMIO_DELETE))
        *rc = plug_exist_or_delete(*file, fl);
    else if ((fl & MMIO_RWMODE) == MMIO_READWRITE)
        *rc = MMSYSERR_NOTSUPPORTED; /* decoded and encoded: one way only */
    else
        return 1;
    free(*file);
    *file = NULL;
    return 0;
}

long plug_pread(int fd, void *buf, size_t n, int64_t at)
{
    ssize_t r;
    do
        r = pread(fd, buf, n, (off_t)at);
    while (r < 0 && errno == EINTR);
    return (long)r;
}

int plug_write_all(int fd, const void *buf, size_t n, int64_t at)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = at < 0 ? write(fd, p, n) : pwrite(fd, p, n, (off_t)at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
        if (at >= 0)
            at += w;
    }
    return 0;
}
