/* SPDX-License-Identifier: MIT */
/* The plugin bench_plugins copies 200 times; each copy gets its own name
 * ("benchplugin-NNN") and FOURCC ("ZNNN") by patching these bytes.  With
 * BENCH_INSTALL_MS set, its install takes that long (a plugin with real
 * set-up work), so parallel loads can be told from serial ones. */
#define _POSIX_C_SOURCE 200809L
#include <mmio_plugin.h>
#include <stdlib.h>
#include <time.h>

static const FOURCC fourccs[] = {mmioFOURCC('Z', '0', '0', '0'), 0};

MMIOAPI const MMIOPLUGININFO mmioPluginInfo = {
    MMIO_PLUGIN_ABI, "benchplugin-000", "1.0.0", "benchmark plugin", "MIT",
    fourccs};

static LRESULT CALLBACK bench_proc(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    (void)info, (void)a, (void)b;
    /* an empty file: opens, closes, reads nothing */
    return msg == MMIOM_OPEN || msg == MMIOM_CLOSE || msg == MMIOM_READ
               ? 0
               : MMSYSERR_NOTSUPPORTED;
}

MMIOAPI MMRESULT mmioPluginInstall(void)
{
    const char *ms = getenv("BENCH_INSTALL_MS");
    if (ms && !getenv("MMIO_IN_CHECKER")) {
        long n = strtol(ms, NULL, 10);
        struct timespec ts = {n / 1000, (n % 1000) * 1000000};
        nanosleep(&ts, NULL);
    }
    return mmioInstallIOProc(fourccs[0], bench_proc, MMIO_INSTALLPROC)
               ? MMSYSERR_NOERROR
               : MMSYSERR_ERROR;
}
