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

/* ---- composition: a procedure whose files live in other files --------
 *
 * The name rule (Windows'): the procedure is chosen by the extension
 * before a name's last '+'; the procedure that receives "A+B" opens its
 * container A through mmio, so A is resolved by the same rule again and
 * names nest ("album.zip+disc1.zip+t.flac+"), up to MMIO_MAX_NESTING
 * levels (deeper: MMIOERR_CANNOTOPEN and a message).
 *
 * mmioPluginOpenContainer opens A for the procedure serving mi: unbuffered
 * (large reads pass straight down), in the read/write mode of dwFlags
 * (with MMIO_CREATE, MMIO_EXIST or MMIO_DELETE if given there), the share
 * mode of dwFlags or else of mi's open (so locks reach the innermost
 * file), and mi's task.  NULL when
 * it cannot be opened, with the inner level's error in *puError (a missing
 * file MMIOERR_FILENOTFOUND, a directory MMIOERR_ACCESSDENIED) and a
 * message naming the level that failed. */
#define MMIO_MAX_NESTING 16
MMIOAPI HMMIO mmioPluginOpenContainer(const MMIOINFO *mi, LPCSTR pszName,
                                      DWORD dwFlags, UINT *puError);

/* MMIOM_CAPS (both parameters 0; the MMIOINFO holds no open file): what a
 * procedure guarantees, answered as MMIO_CAPS_ANSWER | MMIO_CAP_* bits.  A
 * procedure that does not know the message guarantees nothing (any answer
 * without MMIO_CAPS_ANSWER is taken as 0). */
#define MMIOM_CAPS 0x7F00
#define MMIO_CAPS_ANSWER 0x40000000L
#define MMIO_CAP_LOCAL 0x1  /* names are local paths (the DOS procedure) */
#define MMIO_CAP_RENAME 0x2 /* mmioRename replaces the target atomically */
#define MMIO_CAP_ATOMIC_CLOSE                                                  \
    0x4 /* a file written is in place whole at                                 \
           mmioClose, or not at all */
/* The MMIO_CAP_* bits of the procedure pszName selects (0: none, or no
 * such procedure). */
MMIOAPI DWORD mmioPluginQueryCaps(LPCSTR pszName);

/* A message for a person (printf's format), to the application's message
 * callback (mmioExtSetMessageCallback), else stderr: why an open was
 * refused, what a file holds that is wrong. */
MMIOAPI void mmioPluginMessage(LPCSTR pszFormat, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#define MMIO_PLUGIN_INFO_SYMBOL "mmioPluginInfo"
#define MMIO_PLUGIN_INSTALL_SYMBOL "mmioPluginInstall"
#define MMIO_PLUGIN_REMOVE_SYMBOL "mmioPluginRemove"

#ifdef __cplusplus
}
#endif

#endif /* MMIO_PLUGIN_H */
