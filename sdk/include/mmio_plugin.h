/* SPDX-License-Identifier: MIT */
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

/* What a plugin defines: exported and with C linkage whatever the plugin's
 * language or default visibility (a C++ plugin's `const` descriptor would
 * otherwise have internal linkage and its install a mangled name). */
MMIOAPI extern const MMIOPLUGININFO mmioPluginInfo;
MMIOAPI MMRESULT mmioPluginInstall(void);
MMIOAPI void mmioPluginRemove(void);

#if defined(__cplusplus) ||                                                    \
    (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)
#define MMIO_PLUGIN_INLINE static inline
#elif defined(__GNUC__)
#define MMIO_PLUGIN_INLINE static __inline__
#else
#define MMIO_PLUGIN_INLINE static
#endif

/* Per-file state for a procedure: one pointer, kept in adwInfo[0] (low 32
 * bits) and adwInfo[1] (high 32 bits), which the procedure owns. */
MMIO_PLUGIN_INLINE void mmioPluginSetFileState(MMIOINFO *mi, void *state)
{
    uintptr_t v = (uintptr_t)state;
    mi->adwInfo[0] = (DWORD)(v & 0xFFFFFFFFu);
    mi->adwInfo[1] = (DWORD)((v >> 16) >> 16); /* 0 where pointers are 32-bit */
}

MMIO_PLUGIN_INLINE void *mmioPluginGetFileState(const MMIOINFO *mi)
{
    uintptr_t v = (uintptr_t)mi->adwInfo[1];
    return (void *)(((v << 16) << 16) | (uintptr_t)mi->adwInfo[0]);
}

#define MMIO_PLUGIN_INFO_SYMBOL "mmioPluginInfo"
#define MMIO_PLUGIN_INSTALL_SYMBOL "mmioPluginInstall"
#define MMIO_PLUGIN_REMOVE_SYMBOL "mmioPluginRemove"

#ifdef __cplusplus
}
#endif

#endif /* MMIO_PLUGIN_H */
