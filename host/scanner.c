/*
 * scanner.c - mmio-scan, the helper that checks one plugin file in a process
 * of its own, so a plugin that crashes, hangs or exits while loading cannot
 * take the host down.
 *
 *   mmio-scan PLUGIN.so
 *
 * It loads the file, checks the descriptor, runs mmioPluginInstall (its
 * mmioInstallIOProc calls land in this program's own recorder, below, not in
 * any registry) and mmioPluginRemove, and prints what it found:
 *
 *   name<TAB>...  version<TAB>...  description<TAB>...  license<TAB>...
 *   fourcc<TAB>HEX (one per FOURCC)
 *   ok | refused<TAB>REASON
 *
 * The host reads a missing last line as "broken" (crashed, hung, exited).
 */
#define _GNU_SOURCE
#include "mmio_plugin.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_FOURCCS 64

static FOURCC installed[MAX_FOURCCS];
static int ninstalled;

/* Exported from this executable, so the plugin's calls resolve here. */
MMIOAPI LPMMIOPROC mmioInstallIOProc(FOURCC fcc, LPMMIOPROC proc, DWORD flags)
{
    if ((flags & MMIO_INSTALLPROC) && proc && ninstalled < MAX_FOURCCS)
        installed[ninstalled++] = fcc;
    return proc;
}

MMIOAPI LPMMIOPROC mmioInstallIOProcA(FOURCC fcc, LPMMIOPROC proc, DWORD flags)
{
    return mmioInstallIOProc(fcc, proc, flags);
}

static int finish(const char *refusal, const char *detail)
{
    if (refusal)
        printf("refused\t%s%s\n", refusal, detail ? detail : "");
    else
        printf("ok\n");
    fflush(stdout);
    _exit(0); /* no plugin destructors or atexit handlers */
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

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: mmio-scan PLUGIN.so\n", stderr);
        return 2;
    }
    void *dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!dl)
        return finish("cannot load: ", dlerror());
    const MMIOPLUGININFO *info = dlsym(dl, MMIO_PLUGIN_INFO_SYMBOL);
    if (!info)
        return finish("no mmioPluginInfo descriptor", NULL);
    if (info->abi != MMIO_PLUGIN_ABI) {
        char msg[96];
        snprintf(msg, sizeof msg, "plugin ABI %u, this host speaks %u",
                 (unsigned)info->abi, (unsigned)MMIO_PLUGIN_ABI);
        return finish(msg, NULL);
    }
    if (!text_ok(info->name) || !text_ok(info->version) ||
        !text_ok(info->description) || !text_ok(info->license))
        return finish("descriptor has an empty or malformed "
                      "name/version/description/license",
                      NULL);
    if (strchr(info->name, '/') || strchr(info->name, ' '))
        return finish("plugin name contains '/' or a space", NULL);
    if (!info->fourccs || !info->fourccs[0])
        return finish("descriptor lists no FOURCC", NULL);
    int n = 0;
    while (n < MAX_FOURCCS && info->fourccs[n])
        n++;
    if (n == MAX_FOURCCS)
        return finish("FOURCC list not 0-terminated (or over 63 entries)",
                      NULL);
    MMIOPLUGININSTALL install =
        (MMIOPLUGININSTALL)(uintptr_t)dlsym(dl, MMIO_PLUGIN_INSTALL_SYMBOL);
    if (!install)
        return finish("no mmioPluginInstall symbol", NULL);

    printf("name\t%s\nversion\t%s\ndescription\t%s\nlicense\t%s\n", info->name,
           info->version, info->description, info->license);
    for (int i = 0; i < n; i++)
        printf("fourcc\t%08x\n", (unsigned)info->fourccs[i]);
    fflush(stdout); /* a crash in install still leaves the descriptor */

    MMRESULT rc = install();
    if (rc != MMSYSERR_NOERROR) {
        char msg[64];
        snprintf(msg, sizeof msg, "mmioPluginInstall returned %u",
                 (unsigned)rc);
        return finish(msg, NULL);
    }
    for (int i = 0; i < ninstalled; i++) {
        int listed = 0;
        for (int j = 0; j < n; j++)
            listed |= installed[i] == info->fourccs[j];
        if (!listed) {
            char msg[96];
            snprintf(msg, sizeof msg,
                     "installs FOURCC %08x, which its descriptor does not list",
                     (unsigned)installed[i]);
            return finish(msg, NULL);
        }
    }
    MMIOPLUGINREMOVE remove =
        (MMIOPLUGINREMOVE)(uintptr_t)dlsym(dl, MMIO_PLUGIN_REMOVE_SYMBOL);
    if (remove)
        remove();
    return finish(NULL, NULL);
}
