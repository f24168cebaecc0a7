/*
 * mmio_plugin.h - what a libmmio plugin exports.
 *
 *   const MMIOPLUGININFO mmioPluginInfo = { MMIO_PLUGIN_ABI, "name",
 *       "1.0.0", "what it does", "MIT", fourccs };
 *   MMRESULT mmioPluginInstall(void);  calls mmioInstallIOProc per FOURCC
 *   void mmioPluginRemove(void);       optional
 *
 * The host checks the descriptor before it runs any code of the plugin.
 */
#ifndef MMIO_PLUGIN_H
#define MMIO_PLUGIN_H

#include "mmio.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MMIO_PLUGIN_ABI 1

typedef struct MMIOPLUGININFO {
    DWORD abi;               /* MMIO_PLUGIN_ABI; any other value is refused */
    const char *name;        /* short unique name, e.g. "zip" */
    const char *version;     /* e.g. "1.0.0" */
    const char *description; /* one line */
    const char *license;     /* e.g. "MIT" */
    const FOURCC *fourccs;   /* 0-terminated: the procedures it installs */
} MMIOPLUGININFO;

typedef MMRESULT (*MMIOPLUGININSTALL)(void);
typedef void (*MMIOPLUGINREMOVE)(void);

/* Per-file state for a procedure: one pointer, kept in adwInfo[0] (low 32
 * bits) and adwInfo[1] (high 32 bits), which the procedure owns. */
static inline void mmioPluginSetFileState(MMIOINFO *mi, void *state)
{
    uint64_t v = (uint64_t)(uintptr_t)state;
    mi->adwInfo[0] = (DWORD)v;
    mi->adwInfo[1] = (DWORD)(v >> 32);
}

static inline void *mmioPluginGetFileState(const MMIOINFO *mi)
{
    return (void *)(uintptr_t)((uint64_t)mi->adwInfo[0] |
                               ((uint64_t)mi->adwInfo[1] << 32));
}

#define MMIO_PLUGIN_INFO_SYMBOL "mmioPluginInfo"
#define MMIO_PLUGIN_INSTALL_SYMBOL "mmioPluginInstall"
#define MMIO_PLUGIN_REMOVE_SYMBOL "mmioPluginRemove"

#ifdef __cplusplus
}
#endif

#endif /* MMIO_PLUGIN_H */
