/* SPDX-License-Identifier: MIT */
/*
 * mmio-scan - the checker: loads one plugin (or one global procedure) in a
 * process of its own, so a plugin that crashes, hangs or exits while loading
 * cannot take a program down.  Its protocol is in protocol/check_proto.h.
 *
 * Before loading anything it closes every descriptor it inherited but 0-2
 * and the verdict descriptor, reads its nonce, and (with --lib) loads the
 * caller's libmmio, so a plugin linked against libmmio finds it whatever the
 * caller's rpath.  A plugin's mmioInstallIOProc calls land in this program's
 * recorder below (an executable's symbols come first), not in any registry;
 * MMIO_IN_CHECKER (set by the caller) keeps libmmio's plugin host off.
 */
#define _GNU_SOURCE
#include "check_proto.h"
#include "close_fds.h"
#include "mmio_plugin.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static FOURCC installed[MMIO_CHECK_MAX_FOURCCS];
static int ninstalled;
static char nonce[40];

/* Exported from this executable, so the plugin's calls resolve here. */
MMIOAPI LPMMIOPROC mmioInstallIOProc(FOURCC fcc, LPMMIOPROC proc, DWORD flags)
{
    if ((flags & MMIO_INSTALLPROC) && proc &&
        ninstalled < MMIO_CHECK_MAX_FOURCCS)
        installed[ninstalled++] = fcc;
    return proc;
}

MMIOAPI LPMMIOPROC mmioInstallIOProcA(FOURCC fcc, LPMMIOPROC proc, DWORD flags)
{
    return mmioInstallIOProc(fcc, proc, flags);
}

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(MMIO_CHECK_FD, p, n);
        if (w <= 0)
            _exit(71);
        p += w;
        n -= (size_t)w;
    }
}

/* One frame: a header line, then the body. */
static void frame(const char *kind, const char *body)
{
    char head[128];
    size_t blen = strlen(body);
    int n = snprintf(head, sizeof head, "%s %s %s %zu\n", MMIO_CHECK_MAGIC,
                     nonce, kind, blen);
    if (n < 0 || (size_t)n >= sizeof head)
        _exit(70);
    write_all(head, (size_t)n);
    write_all(body, blen);
}

static _Noreturn void finish(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static _Noreturn void finish(const char *fmt, ...)
{
    char why[600], body[700];
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof why, fmt, ap);
        va_end(ap);
        for (char *p = why; *p; p++)
            if (*p == '\n' || *p == '\t')
                *p = ' ';
        snprintf(body, sizeof body, "refused\t%s\n", why);
    } else {
        snprintf(body, sizeof body, "ok\n");
    }
    frame("verdict", body);
    _exit(MMIO_CHECK_EXIT_OK); /* no plugin destructors or atexit handlers */
}

static int text_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (size_t i = 0; s[i]; i++)
        if (i > 255 || (unsigned char)s[i] < 32 || s[i] == 127)
            return 0;
    return 1;
}

static void read_nonce(void)
{
    size_t n = 0;
    while (n < sizeof nonce - 1) {
        ssize_t r = read(STDIN_FILENO, nonce + n, 1);
        if (r <= 0 || nonce[n] == '\n')
            break;
        n++;
    }
    nonce[n] = '\0';
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        close(null);
    }
}

static void check_proc(void *dl, const char *symbol)
{
    LPMMIOPROC proc = (LPMMIOPROC)(uintptr_t)dlsym(dl, symbol);
    if (!proc)
        finish("no symbol %s", symbol);
    /* A procedure must answer a message it does not know with an error;
     * one that crashes, hangs or exits on it would take programs down. */
    MMIOINFO info;
    memset(&info, 0, sizeof info);
    (void)proc((LPSTR)&info, MMIO_CHECK_PROBE_MSG, 0, 0);
    finish(NULL);
}

/* A FOURCC as text ("TAX "), '?' for what is not printable. */
static const char *fourcc_words(FOURCC f)
{
    static char out[5];
    for (int i = 0; i < 4; i++) {
        unsigned char c = (unsigned char)(f >> (8 * i));
        out[i] = (char)(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return out;
}

/* A code in words, from the libmmio loaded here (none: ""). */
static void error_text(MMRESULT rc, char *out, size_t cap)
{
    typedef MMRESULT (*text_fn)(MMRESULT, LPSTR, UINT);
    text_fn f = (text_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "mmioExtErrorText");
    if (!f || f(rc, out, (UINT)cap) != MMSYSERR_NOERROR)
        out[0] = '\0';
}

static void check_plugin(void *dl)
{
    const MMIOPLUGININFO *info = dlsym(dl, MMIO_PLUGIN_INFO_SYMBOL);
    if (!info)
        finish("no mmioPluginInfo descriptor");
    if (info->abi != MMIO_PLUGIN_ABI)
        finish("plugin ABI %u, this host speaks %u", (unsigned)info->abi,
               (unsigned)MMIO_PLUGIN_ABI);
    const char *fields[][2] = {{"name", info->name},
                               {"version", info->version},
                               {"description", info->description},
                               {"license", info->license}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!text_ok(fields[i][1]))
            finish("descriptor's %s is empty or malformed (a NULL, an empty "
                   "string, or one over 255 bytes or with control characters)",
                   fields[i][0]);
    if (strchr(info->name, '/') || strchr(info->name, ' '))
        finish("plugin name contains '/' or a space");
    if (!info->fourccs || !info->fourccs[0])
        finish("descriptor lists no FOURCC");
    int n = 0;
    while (n < MMIO_CHECK_MAX_FOURCCS && info->fourccs[n])
        n++;
    if (n == MMIO_CHECK_MAX_FOURCCS)
        finish("FOURCC list not 0-terminated (or over %d entries)",
               MMIO_CHECK_MAX_FOURCCS - 1);
    MMIOPLUGININSTALL install =
        (MMIOPLUGININSTALL)(uintptr_t)dlsym(dl, MMIO_PLUGIN_INSTALL_SYMBOL);
    if (!install)
        finish("no mmioPluginInstall symbol");

    char body[2048];
    int len =
        snprintf(body, sizeof body,
                 "name\t%s\nversion\t%s\ndescription\t%s\nlicense\t%s\n",
                 info->name, info->version, info->description, info->license);
    for (int i = 0; i < n && len > 0 && (size_t)len < sizeof body; i++)
        len += snprintf(body + len, sizeof body - (size_t)len, "fourcc\t%08x\n",
                        (unsigned)info->fourccs[i]);
    frame("desc", body); /* a crash in install still leaves the descriptor */

    frame("phase", "phase\tinstall\n");
    MMRESULT rc = install();
    if (rc != MMSYSERR_NOERROR) {
        char text[128] = "";
        error_text(rc, text, sizeof text);
        finish("mmioPluginInstall returned %u%s%s%s", (unsigned)rc,
               *text ? " (" : "", text, *text ? ")" : "");
    }
    for (int i = 0; i < ninstalled; i++) {
        int listed = 0;
        for (int j = 0; j < n; j++)
            listed |= installed[i] == info->fourccs[j];
        if (!listed)
            finish("installs FOURCC '%s' (%08x), which its descriptor does "
                   "not list",
                   fourcc_words(installed[i]), (unsigned)installed[i]);
    }
    MMIOPLUGINREMOVE remove =
        (MMIOPLUGINREMOVE)(uintptr_t)dlsym(dl, MMIO_PLUGIN_REMOVE_SYMBOL);
    if (remove) {
        frame("phase", "phase\tremove\n");
        remove();
    }
    finish(NULL);
}

int main(int argc, char **argv)
{
    mmio_close_fds_above(MMIO_CHECK_FD); /* inherited: not the plugin's */
    int a = 1;
    const char *lib = NULL;
    if (a + 1 < argc && !strcmp(argv[a], "--lib")) {
        lib = argv[a + 1];
        a += 2;
    }
    if (argc - a < 1 || argc - a > 2 || fcntl(MMIO_CHECK_FD, F_GETFD) < 0) {
        fputs("usage: mmio-scan [--lib LIBMMIO] PLUGIN.so [SYMBOL]\n"
              "(run by libmmio, with a verdict pipe on descriptor 3)\n",
              stderr);
        return MMIO_CHECK_EXIT_USAGE;
    }
    fcntl(MMIO_CHECK_FD, F_SETFD, FD_CLOEXEC); /* not for the plugin's exec */
    read_nonce();
    setenv(MMIO_CHECK_ENV, "1", 1);
    if (lib && !dlopen(lib, RTLD_NOW | RTLD_GLOBAL))
        finish("cannot load libmmio %s: %s", lib, dlerror());
    frame("phase", "phase\tload\n"); /* its constructors run in dlopen */
    void *dl = dlopen(argv[a], RTLD_NOW | RTLD_LOCAL);
    if (!dl)
        finish("cannot load: %s", dlerror());
    if (argc - a == 2)
        check_proc(dl, argv[a + 1]);
    check_plugin(dl);
    return MMIO_CHECK_EXIT_OK;
}
