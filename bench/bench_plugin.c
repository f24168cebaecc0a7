/* The plugin bench_plugins copies 200 times; each copy gets its own name
 * ("benchplugin-NNN") and FOURCC ("ZNNN") by patching these bytes. */
#include <mmio_plugin.h>

static const FOURCC fourccs[] = {mmioFOURCC('Z', '0', '0', '0'), 0};

MMIOAPI const MMIOPLUGININFO mmioPluginInfo = {
    MMIO_PLUGIN_ABI, "benchplugin-000", "1.0.0", "benchmark plugin", "MIT",
    fourccs};

static LRESULT CALLBACK bench_proc(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    (void)info, (void)msg, (void)a, (void)b;
    return 0;
}

MMIOAPI MMRESULT mmioPluginInstall(void)
{
    return mmioInstallIOProc(fourccs[0], bench_proc, MMIO_INSTALLPROC)
               ? MMSYSERR_NOERROR
               : MMSYSERR_ERROR;
}
