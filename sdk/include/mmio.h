/* SPDX-License-Identifier: MIT */
/*
 * mmio.h - the Windows Multimedia File I/O API (mmio*) for Linux.
 *
 * Names, types, structure layouts and values follow the Win32 headers so
 * that code written against <mmsystem.h> compiles unchanged.  Extensions
 * that have no Win32 counterpart carry the prefix mmioExt.
 */
#ifndef MMIO_H
#define MMIO_H

#include <stddef.h> /* NULL and wchar_t, as windows.h provides them */
#include <stdint.h>
#include <wchar.h> /* WCHAR_MAX: whether wchar_t is UTF-16 (-fshort-wchar) */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Win32 base types (only those this API uses) ---------------------- */
#ifndef MMIO_NO_WIN32_TYPES
typedef uint32_t DWORD;
typedef uint32_t UINT;
typedef uint16_t WORD;
typedef uint8_t BYTE;
typedef int32_t LONG;
typedef int BOOL;
typedef intptr_t LPARAM;
typedef intptr_t LRESULT;
typedef char *LPSTR;
typedef char *HPSTR;
typedef const char *LPCSTR;
typedef wchar_t WCHAR;
typedef WCHAR *LPWSTR;
typedef const WCHAR *LPCWSTR;
typedef void *LPVOID;
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef CALLBACK
#define CALLBACK
#endif
#ifndef WINAPI
#define WINAPI
#endif
#endif /* MMIO_NO_WIN32_TYPES */

/* What libmmio exports: exactly the functions declared with MMIOAPI. */
#if defined(__GNUC__)
#define MMIOAPI __attribute__((visibility("default")))
#else
#define MMIOAPI
#endif

typedef DWORD FOURCC;
typedef UINT MMRESULT;
typedef struct HMMIO__ *HMMIO;
typedef struct HTASK__ *HTASK;

/* ---- FOURCCs ------------------------------------------------------------ */
#define mmioFOURCC(ch0, ch1, ch2, ch3)                                         \
    ((FOURCC)(BYTE)(ch0) | ((FOURCC)(BYTE)(ch1) << 8) |                        \
     ((FOURCC)(BYTE)(ch2) << 16) | ((FOURCC)(BYTE)(ch3) << 24))
#define MAKEFOURCC(ch0, ch1, ch2, ch3) mmioFOURCC(ch0, ch1, ch2, ch3)

#define FOURCC_RIFF mmioFOURCC('R', 'I', 'F', 'F')
#define FOURCC_LIST mmioFOURCC('L', 'I', 'S', 'T')
#define FOURCC_DOS mmioFOURCC('D', 'O', 'S', ' ')
#define FOURCC_MEM mmioFOURCC('M', 'E', 'M', ' ')

/* ---- Error codes -------------------------------------------------------- */
#define MMSYSERR_BASE 0
#define MMSYSERR_NOERROR 0
#define MMSYSERR_ERROR 1
#define MMSYSERR_BADDEVICEID 2
#define MMSYSERR_NOTENABLED 3
#define MMSYSERR_ALLOCATED 4
#define MMSYSERR_INVALHANDLE 5
#define MMSYSERR_NODRIVER 6
#define MMSYSERR_NOMEM 7
#define MMSYSERR_NOTSUPPORTED 8
#define MMSYSERR_BADERRNUM 9
#define MMSYSERR_INVALFLAG 10
#define MMSYSERR_INVALPARAM 11

#define MMIOERR_BASE 256
#define MMIOERR_FILENOTFOUND (MMIOERR_BASE + 1)
#define MMIOERR_OUTOFMEMORY (MMIOERR_BASE + 2)
#define MMIOERR_CANNOTOPEN (MMIOERR_BASE + 3)
#define MMIOERR_CANNOTCLOSE (MMIOERR_BASE + 4)
#define MMIOERR_CANNOTREAD (MMIOERR_BASE + 5)
#define MMIOERR_CANNOTWRITE (MMIOERR_BASE + 6)
#define MMIOERR_CANNOTSEEK (MMIOERR_BASE + 7)
#define MMIOERR_CANNOTEXPAND (MMIOERR_BASE + 8)
#define MMIOERR_CHUNKNOTFOUND (MMIOERR_BASE + 9)
#define MMIOERR_UNBUFFERED (MMIOERR_BASE + 10)
#define MMIOERR_PATHNOTFOUND (MMIOERR_BASE + 11)
#define MMIOERR_ACCESSDENIED (MMIOERR_BASE + 12)
#define MMIOERR_SHARINGVIOLATION (MMIOERR_BASE + 13)
#define MMIOERR_NETWORKERROR (MMIOERR_BASE + 14)
#define MMIOERR_TOOMANYOPENFILES (MMIOERR_BASE + 15)
#define MMIOERR_INVALIDFILE (MMIOERR_BASE + 16)

/* ---- Flags -------------------------------------------------------------- */
#define CFSEPCHAR '+'

#define MMIO_RWMODE 0x00000003
#define MMIO_SHAREMODE 0x00000070

#define MMIO_CREATE 0x00001000
#define MMIO_PARSE 0x00000100
#define MMIO_DELETE 0x00000200
#define MMIO_EXIST 0x00004000
#define MMIO_ALLOCBUF 0x00010000
#define MMIO_GETTEMP 0x00020000
#define MMIO_DIRTY 0x10000000

#define MMIO_READ 0x00000000
#define MMIO_WRITE 0x00000001
#define MMIO_READWRITE 0x00000002

#define MMIO_COMPAT 0x00000000
#define MMIO_EXCLUSIVE 0x00000010
#define MMIO_DENYWRITE 0x00000020
#define MMIO_DENYREAD 0x00000030
#define MMIO_DENYNONE 0x00000040

#define MMIO_FHOPEN 0x0010   /* mmioClose */
#define MMIO_EMPTYBUF 0x0010 /* mmioFlush */
#define MMIO_TOUPPER 0x0010  /* mmioStringToFOURCC */
#define MMIO_INSTALLPROC 0x00010000
#define MMIO_GLOBALPROC 0x10000000
#define MMIO_REMOVEPROC 0x00020000
#define MMIO_UNICODEPROC 0x01000000
#define MMIO_FINDPROC 0x00040000
#define MMIO_FINDCHUNK 0x0010 /* mmioDescend */
#define MMIO_FINDRIFF 0x0020
#define MMIO_FINDLIST 0x0040
#define MMIO_CREATERIFF 0x0020 /* mmioCreateChunk */
#define MMIO_CREATELIST 0x0040

/* ---- Messages ----------------------------------------------------------- */
#define MMIOM_READ MMIO_READ
#define MMIOM_WRITE MMIO_WRITE
#define MMIOM_SEEK 2
#define MMIOM_OPEN 3
#define MMIOM_CLOSE 4
#define MMIOM_WRITEFLUSH 5
#define MMIOM_RENAME 6
#define MMIOM_USER 0x8000

#define MMIO_DEFAULTBUFFER 8192

#ifndef SEEK_SET
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#endif

/* ---- Structures --------------------------------------------------------- */
typedef LRESULT(CALLBACK MMIOPROC)(LPSTR lpmmioinfo, UINT uMsg, LPARAM lParam1,
                                   LPARAM lParam2);
typedef MMIOPROC *LPMMIOPROC;

typedef struct _MMIOINFO {
    DWORD dwFlags;
    FOURCC fccIOProc;
    LPMMIOPROC pIOProc;
    UINT wErrorRet;
    HTASK htask;
    LONG cchBuffer;
    HPSTR pchBuffer;
    HPSTR pchNext;
    HPSTR pchEndRead;
    HPSTR pchEndWrite;
    LONG lBufOffset;
    LONG lDiskOffset;
    DWORD adwInfo[3];
    DWORD dwReserved1;
    DWORD dwReserved2;
    HMMIO hmmio;
} MMIOINFO, *PMMIOINFO, *NPMMIOINFO, *LPMMIOINFO;
typedef const MMIOINFO *LPCMMIOINFO;

typedef struct _MMCKINFO {
    FOURCC ckid;
    DWORD cksize;
    FOURCC fccType;
    DWORD dwDataOffset;
    DWORD dwFlags;
} MMCKINFO, *PMMCKINFO, *NPMMCKINFO, *LPMMCKINFO;
typedef const MMCKINFO *LPCMMCKINFO;

/* ---- Functions ---------------------------------------------------------- */
/* Wide names: WCHAR is wchar_t, UTF-32 on Linux, or UTF-16 in code built
 * with -fshort-wchar, whose calls go to the UTF-16 entry points below. */
#if defined(WCHAR_MAX) && WCHAR_MAX <= 0xFFFF
#define mmioOpenW mmioExtOpenW16
#define mmioRenameW mmioExtRenameW16
#define mmioStringToFOURCCW mmioExtStringToFOURCCW16
#define mmioInstallIOProcW mmioExtInstallIOProcW16
#endif
MMIOAPI FOURCC mmioStringToFOURCC(LPCSTR sz, UINT uFlags);
MMIOAPI FOURCC mmioStringToFOURCCA(LPCSTR sz, UINT uFlags);
MMIOAPI LPMMIOPROC mmioInstallIOProc(FOURCC fccIOProc, LPMMIOPROC pIOProc,
                                     DWORD dwFlags);
MMIOAPI LPMMIOPROC mmioInstallIOProcA(FOURCC fccIOProc, LPMMIOPROC pIOProc,
                                      DWORD dwFlags);
MMIOAPI HMMIO mmioOpen(LPSTR pszFileName, LPMMIOINFO pmmioinfo, DWORD fdwOpen);
MMIOAPI HMMIO mmioOpenA(LPSTR pszFileName, LPMMIOINFO pmmioinfo, DWORD fdwOpen);
MMIOAPI MMRESULT mmioRename(LPCSTR pszFileName, LPCSTR pszNewFileName,
                            LPCMMIOINFO pmmioinfo, DWORD fdwRename);
MMIOAPI MMRESULT mmioRenameA(LPCSTR pszFileName, LPCSTR pszNewFileName,
                             LPCMMIOINFO pmmioinfo, DWORD fdwRename);
MMIOAPI MMRESULT mmioClose(HMMIO hmmio, UINT fuClose);
MMIOAPI LONG mmioRead(HMMIO hmmio, HPSTR pch, LONG cch);
MMIOAPI LONG mmioWrite(HMMIO hmmio, const char *pch, LONG cch);
MMIOAPI LONG mmioSeek(HMMIO hmmio, LONG lOffset, int iOrigin);
MMIOAPI MMRESULT mmioGetInfo(HMMIO hmmio, LPMMIOINFO pmmioinfo, UINT fuInfo);
MMIOAPI MMRESULT mmioSetInfo(HMMIO hmmio, LPCMMIOINFO pmmioinfo, UINT fuInfo);
MMIOAPI MMRESULT mmioSetBuffer(HMMIO hmmio, LPSTR pchBuffer, LONG cchBuffer,
                               UINT fuBuffer);
MMIOAPI MMRESULT mmioFlush(HMMIO hmmio, UINT fuFlush);
MMIOAPI MMRESULT mmioAdvance(HMMIO hmmio, LPMMIOINFO pmmioinfo, UINT fuAdvance);
MMIOAPI LRESULT mmioSendMessage(HMMIO hmmio, UINT uMsg, LPARAM lParam1,
                                LPARAM lParam2);
MMIOAPI MMRESULT mmioDescend(HMMIO hmmio, LPMMCKINFO pmmcki,
                             const MMCKINFO *pmmckiParent, UINT fuDescend);
MMIOAPI MMRESULT mmioAscend(HMMIO hmmio, LPMMCKINFO pmmcki, UINT fuAscend);
MMIOAPI MMRESULT mmioCreateChunk(HMMIO hmmio, LPMMCKINFO pmmcki, UINT fuCreate);

/* The wide-character functions: names are converted to UTF-8 for the file
 * system (an invalid sequence fails with MMSYSERR_INVALPARAM).  A procedure
 * installed with mmioInstallIOProcW (or with MMIO_UNICODEPROC) receives
 * wide names in MMIOM_OPEN and MMIOM_RENAME; any other, narrow ones. */
MMIOAPI HMMIO mmioOpenW(LPWSTR pszFileName, LPMMIOINFO pmmioinfo,
                        DWORD fdwOpen);
MMIOAPI MMRESULT mmioRenameW(LPCWSTR pszFileName, LPCWSTR pszNewFileName,
                             LPCMMIOINFO pmmioinfo, DWORD fdwRename);
MMIOAPI FOURCC mmioStringToFOURCCW(LPCWSTR sz, UINT uFlags);
MMIOAPI LPMMIOPROC mmioInstallIOProcW(FOURCC fccIOProc, LPMMIOPROC pIOProc,
                                      DWORD dwFlags);

/* With UNICODE defined, the unsuffixed names are the wide functions, as in
 * Windows' header (TCHAR code builds unchanged). */
#ifdef UNICODE
#undef mmioOpen
#undef mmioRename
#undef mmioStringToFOURCC
#undef mmioInstallIOProc
#define mmioOpen mmioOpenW
#define mmioRename mmioRenameW
#define mmioStringToFOURCC mmioStringToFOURCCW
#define mmioInstallIOProc mmioInstallIOProcW
#endif

/* ---- Extensions (no Win32 counterpart) ------------------------------------
 * Tasks: a process is one application (task) by default.  A host serving
 * several applications creates a task for each; installs without
 * MMIO_GLOBALPROC land in the calling thread's current task, and
 * MMIOINFO.htask selects a task at mmioOpen. */
MMIOAPI HTASK mmioExtTaskCreate(void);
/* Destroys a task and its local procedures; MMSYSERR_ALLOCATED while a file
 * opened through one of them is still open. */
MMIOAPI MMRESULT mmioExtTaskDestroy(HTASK htask);
/* Makes htask current for the calling thread (NULL: the process' default
 * task); returns the previous one. */
MMIOAPI HTASK mmioExtTaskSetCurrent(HTASK htask);
MMIOAPI HTASK mmioExtTaskGetCurrent(void);

/* Closures: a procedure that takes a context pointer, bound to a context,
 * becomes a plain LPMMIOPROC (libffi).  NULL when it cannot be allocated. */
typedef LRESULT(CALLBACK MMIOCTXPROC)(void *ctx, LPSTR lpmmioinfo, UINT uMsg,
                                      LPARAM lParam1, LPARAM lParam2);
MMIOAPI LPMMIOPROC mmioExtClosureCreate(MMIOCTXPROC *proc, void *ctx);
MMIOAPI void mmioExtClosureFree(LPMMIOPROC closure);

/* Plugins.  mmioExtLoadPlugin checks a plugin file (in a separate process)
 * and installs it for the calling task only (dwFlags 0) or for every task
 * of this process (MMIO_GLOBALPROC). */
MMIOAPI MMRESULT mmioExtLoadPlugin(LPCSTR pszPath, DWORD dwFlags);
/* mmioExtLoadPlugin's choice of where the plugin's code runs, whatever
 * plugins.conf says (neither: as it says): in a helper process, or here. */
#define MMIO_PLUGIN_ISOLATED 0x00100000
#define MMIO_PLUGIN_INPROCESS 0x00200000
/* The options string plugins.conf gives the plugin whose code is running
 * (during mmioPluginInstall and inside its procedures); "" when none. */
MMIOAPI LPCSTR mmioExtPluginOptions(void);

/* Uses this configuration file instead of MMIO_CONFIG / the installed one;
 * call before anything needs a plugin.  NULL restores the default. */
MMIOAPI MMRESULT mmioExtConfigure(LPCSTR pszConfigFile);
/* The FOURCC a compound name selects, as mmioOpen reads it
 * ("a.zip+b.wav" -> "ZIP "), or 0 when the name selects none. */
MMIOAPI FOURCC mmioExtNameFOURCC(LPCSTR pszFileName);

/* The text of an MMSYSERR_ or MMIOERR_ code ("file not found"), at most
 * cchText bytes with the NUL; MMSYSERR_BADERRNUM (and "unknown error N")
 * for a code that is neither. */
MMIOAPI MMRESULT mmioExtErrorText(MMRESULT uError, LPSTR pszText, UINT cchText);
/* The last message the library said on the calling thread (the real cause
 * of the last failure: a broken plugin, a missing route...), at most cap
 * bytes with the NUL; "" when it said nothing.  Traces (MMIO_DEBUG) are
 * not kept. */
MMIOAPI MMRESULT mmioExtLastMessage(LPSTR pszText, UINT cchText);

/* Rescans the plugin path now (only changed files are rescanned). */
MMIOAPI MMRESULT mmioExtScan(void);
/* mmioExtScan with flags: MMIO_RESCAN_FORCE checks every file again, cached
 * or not. */
#define MMIO_RESCAN_FORCE 0x1
MMIOAPI MMRESULT mmioExtRescan(DWORD dwFlags);

/* Every message the library has for a person (configuration errors, refused
 * plugin files, unreadable state files, ...) goes to this callback instead
 * of stderr; NULL restores stderr.  The text has no trailing newline. */
typedef void(CALLBACK MMIOMESSAGEPROC)(LPCSTR pszMessage, void *ctx);
MMIOAPI MMRESULT mmioExtSetMessageCallback(MMIOMESSAGEPROC *cb, void *ctx);

#define MMIO_SCOPE_BUILTIN 0
#define MMIO_SCOPE_GLOBAL 1
#define MMIO_SCOPE_LOCAL 2

typedef struct MMIOPROCDESC {
    FOURCC fccIOProc;
    LPMMIOPROC pIOProc;
    UINT uScope;      /* MMIO_SCOPE_* */
    HTASK htask;      /* the task, for local procedures */
    LPCSTR pszSource; /* plugin name, "built-in", or "application" */
    UINT cOpen;       /* files open through it */
} MMIOPROCDESC;

/* 0 is never a state: every listed file has been checked (the value is
 * kept free so that a zeroed MMIOPLUGINDESC says nothing). */
#define MMIO_PLUGIN_AVAILABLE 1 /* checked, not loaded yet */
#define MMIO_PLUGIN_LOADED 2
#define MMIO_PLUGIN_BROKEN 3   /* crashed, hung or exited while checked */
#define MMIO_PLUGIN_REFUSED 4  /* bad descriptor, unsafe permissions, ... */
#define MMIO_PLUGIN_DISABLED 5 /* enabled = no in plugins.conf */
#define MMIO_PLUGIN_CRASHED 6  /* crashed isolated: not loaded in-process */

/* What an entry of mmioExtEnumPlugins is. */
#define MMIO_KIND_PLUGIN 0 /* a plugin file */
#define MMIO_KIND_PROC 1   /* a global procedure recorded by an application */
/* Where it was found (bits of MMIOPLUGINDESC.fLayers). */
#define MMIO_LAYER_PATH 0    /* a plugin directory */
#define MMIO_LAYER_USER 1    /* the user's registry state */
#define MMIO_LAYER_MACHINE 2 /* the machine's registry state */
#define MMIO_LAYER_APP 3     /* loaded by this application */

typedef struct MMIOPLUGINDESC {
    LPCSTR pszPath;
    LPCSTR pszName;
    LPCSTR pszVersion;
    LPCSTR pszDescription;
    LPCSTR pszLicense;
    const FOURCC *pFourccs; /* 0-terminated */
    UINT uState;            /* MMIO_PLUGIN_* */
    LPCSTR pszReason;       /* why broken, refused or disabled; else "" */
    BOOL fSystemWide;       /* listed in a registry state (user or machine) */
    UINT uKind;             /* MMIO_KIND_* */
    LPCSTR pszSymbol;       /* MMIO_KIND_PROC: the procedure; else "" */
    DWORD fLayers;          /* 1 << MMIO_LAYER_*, one bit per place found */
} MMIOPLUGINDESC;

/* Calls back once per item; a FALSE return stops the walk. */
typedef BOOL(CALLBACK MMIOENUMPROCS)(const MMIOPROCDESC *desc, void *ctx);
typedef BOOL(CALLBACK MMIOENUMPLUGINS)(const MMIOPLUGINDESC *desc, void *ctx);
MMIOAPI MMRESULT mmioExtEnumProcs(MMIOENUMPROCS *cb, void *ctx);
MMIOAPI MMRESULT mmioExtEnumPlugins(MMIOENUMPLUGINS *cb, void *ctx);
/* Checks any plugin file (installed or not) in the checker, loads nothing
 * here, and calls cb once with what it found. */
MMIOAPI MMRESULT mmioExtCheckPlugin(LPCSTR pszPath, MMIOENUMPLUGINS *cb,
                                    void *ctx);

/* System-wide install: recorded in the machine's registry state (the
 * configuration's system_state; writing it needs root in an installed
 * libmmio), seen by every program on the machine (running ones at their
 * next open that needs it).  The error text, if any, goes to szError. */
MMIOAPI MMRESULT mmioExtInstallSystemWide(LPCSTR pszPath, LPSTR szError,
                                          UINT cchError);
MMIOAPI MMRESULT mmioExtRemoveSystemWide(LPCSTR pszName, LPSTR szError,
                                         UINT cchError);
/* The same with a choice of layer: 0 the user's registry state (every
 * program of this user), MMIO_INSTALL_MACHINE the machine's (what the two
 * functions above use). */
#define MMIO_INSTALL_MACHINE 0x1
MMIOAPI MMRESULT mmioExtInstallPlugin(LPCSTR pszPath, DWORD dwFlags,
                                      LPSTR szError, UINT cchError);
/* Removes a plugin (by name or path) or a recorded global procedure (by
 * symbol, library path or FOURCC) from a layer, also when its file is gone. */
MMIOAPI MMRESULT mmioExtRemovePlugin(LPCSTR pszName, DWORD dwFlags,
                                     LPSTR szError, UINT cchError);

#ifdef __cplusplus
}
#endif

#endif /* MMIO_H */
