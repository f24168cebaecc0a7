/* SPDX-License-Identifier: MIT */
/*
 * names.c - FOURCCs and file names: mmioStringToFOURCC, the procedure a
 * compound name ("archive.xyz+member") selects, MMIO_PARSE full paths and
 * MMIO_GETTEMP temporary names.
 */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

FOURCC mmioStringToFOURCC(LPCSTR sz, UINT uFlags)
{
    unsigned char c[4] = {' ', ' ', ' ', ' '};
    for (int i = 0; sz && i < 4 && sz[i] != '\0'; i++) {
        c[i] = (unsigned char)sz[i];
        if (uFlags & MMIO_TOUPPER)
            c[i] = (unsigned char)toupper(c[i]);
    }
    return mmioFOURCC(c[0], c[1], c[2], c[3]);
}

FOURCC mmioStringToFOURCCA(LPCSTR sz, UINT uFlags)
{
    return mmioStringToFOURCC(sz, uFlags);
}

FOURCC mmioExtNameFOURCC(LPCSTR name)
{
    return mmio_name_fourcc(name);
}

/* A URL's scheme chooses its procedure: "SCHEME://REST" with no '+' after
 * the "://" (a '+' there is the container rule's, as in any name) gives the
 * scheme's first four characters, upper-cased and space-padded ("https" and
 * "http" both 'HTTP', "s3" 'S3  ').  A scheme is a letter, then letters,
 * digits, '-' or '.' (no '+': that is the container separator). */
static FOURCC scheme_fourcc(const char *name)
{
    const char *sep = strstr(name, "://");
    if (!sep || sep == name || strchr(sep, CFSEPCHAR))
        return 0;
    if (!((*name >= 'A' && *name <= 'Z') || (*name >= 'a' && *name <= 'z')))
        return 0;
    for (const char *p = name; p < sep; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
            return 0;
    char scheme[5] = {0};
    size_t n = (size_t)(sep - name);
    memcpy(scheme, name, n < 4 ? n : 4);
    return mmioStringToFOURCC(scheme, MMIO_TOUPPER);
}

FOURCC mmio_name_fourcc(const char *name)
{
    if (!name)
        return 0;
    const char *plus = strrchr(name, CFSEPCHAR);
    if (!plus)
        return scheme_fourcc(name);
    const char *dot = NULL;
    for (const char *p = name; p < plus; p++)
        if (*p == '.')
            dot = p;
    if (!dot)
        return 0;
    size_t len = (size_t)(plus - dot - 1);
    /* An extension is 1..4 characters of the last path component. */
    if (len == 0 || len > 4 || memchr(dot + 1, '/', len))
        return 0;
    char ext[5] = {0};
    memcpy(ext, dot + 1, len);
    return mmioStringToFOURCC(ext, MMIO_TOUPPER);
}

/* Appends component [s, s+n) to path (length *len), resolving "." and "..". */
static int push_component(char *path, size_t *len, size_t cap, const char *s,
                          size_t n)
{
    if (n == 0 || (n == 1 && s[0] == '.'))
        return 0;
    if (n == 2 && s[0] == '.' && s[1] == '.') {
        while (*len > 1 && path[*len - 1] != '/')
            (*len)--;
        if (*len > 1)
            (*len)--; /* drop the slash too, but keep the root */
        path[*len] = '\0';
        return 0;
    }
    size_t need = *len + (*len > 1 ? 1 : 0) + n + 1;
    if (need > cap)
        return -1;
    if (*len > 1)
        path[(*len)++] = '/';
    memcpy(path + *len, s, n);
    *len += n;
    path[*len] = '\0';
    return 0;
}

static int append_path(char *path, size_t *len, size_t cap, const char *src)
{
    while (*src) {
        const char *slash = strchr(src, '/');
        size_t n = slash ? (size_t)(slash - src) : strlen(src);
        if (push_component(path, len, cap, src, n) != 0)
            return -1;
        src += n;
        if (*src == '/')
            src++;
    }
    return 0;
}

UINT mmio_name_fullpath(const char *name, char *out, size_t cap)
{
    char full[4096] = "/";
    size_t len = 1;
    if (!name || !*name)
        return MMIOERR_PATHNOTFOUND;
    if (name[0] != '/') {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd) ||
            append_path(full, &len, sizeof full, cwd) != 0)
            return MMIOERR_PATHNOTFOUND;
    }
    if (append_path(full, &len, sizeof full, name) != 0)
        return MMIOERR_OUTOFMEMORY; /* longer than any path */
    if (len + 1 > cap)
        return MMIOERR_OUTOFMEMORY;
    memmove(out, full, len + 1); /* out may be name */
    return 0;
}

BOOL mmio_name_gettemp(char *buf, size_t cap)
{
    char tmpl[4096];
    const char *dir = getenv("TMPDIR");
    if (buf && buf[0] != '\0')
        dir = buf; /* the caller names the directory */
    if (!dir || !*dir)
        dir = "/tmp";
    int n = snprintf(tmpl, sizeof tmpl, "%s%smmio%s", dir,
                     dir[strlen(dir) - 1] == '/' ? "" : "/", "XXXXXX");
    if (n < 0 || (size_t)n >= sizeof tmpl || (size_t)n + 1 > cap || !buf)
        return FALSE;
    int fd = mkstemp(tmpl);
    if (fd < 0)
        return FALSE;
    close(fd);
    memcpy(buf, tmpl, (size_t)n + 1);
    return TRUE;
}
