/* SPDX-License-Identifier: MIT */
/*
 * sndfile.c - sound files as RIFF WAVE files, through libsndfile.
 *
 *   mmioOpen("song.flac+", NULL, MMIO_READ)    (or fccIOProc "FLAC")
 *
 * Reading: whatever libsndfile reads (FLAC, Ogg Vorbis, Opus, MP3, AIFF,
 * CAF, W64, AU) looks like a WAVE file, so code that walks RIFF chunks with
 * mmioDescend reads it unchanged (reader.c).  Writing: a WAVE file written
 * through it (mmioCreateChunk RIFF WAVE, "fmt ", "data", mmioAscend) is
 * encoded to the format the name's extension selects (writer.c).  A file
 * is opened for reading or for writing, not both.  The encoded file
 * replaces the target at close, whole: mmioFlush syncs the temporary it is
 * encoded into, but a process killed after it leaves the old target, not
 * a part of the new one (an encoder's header is only right at its end).
 *
 * Options (plugins.conf [plugin sndfile] options): "level=X", X from 0 to
 * 1, the compression level (FLAC: speed against size; Vorbis and Opus:
 * lower is better quality).
 */
#define _GNU_SOURCE
#include "sndfile_plugin.h"

#include "procutil.h"
#include "tmpfile.h"

#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The extensions taken (as the FOURCCs mmioOpen makes of them) and, in the
 * same order, what a file of each is written as. */
static const FOURCC fourccs[] = {mmioFOURCC('F', 'L', 'A', 'C'),
                                 mmioFOURCC('O', 'G', 'G', ' '),
                                 mmioFOURCC('O', 'G', 'A', ' '),
                                 mmioFOURCC('O', 'P', 'U', 'S'),
                                 mmioFOURCC('M', 'P', '3', ' '),
                                 mmioFOURCC('A', 'I', 'F', 'F'),
                                 mmioFOURCC('A', 'I', 'F', ' '),
                                 mmioFOURCC('C', 'A', 'F', ' '),
                                 mmioFOURCC('W', '6', '4', ' '),
                                 mmioFOURCC('A', 'U', ' ', ' '),
                                 0};
static const int majors[] = {SF_FORMAT_FLAC,
                             SF_FORMAT_OGG | SF_FORMAT_VORBIS,
                             SF_FORMAT_OGG | SF_FORMAT_VORBIS,
                             SF_FORMAT_OGG | SF_FORMAT_OPUS,
                             SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III,
                             SF_FORMAT_AIFF,
                             SF_FORMAT_AIFF,
                             SF_FORMAT_CAF,
                             SF_FORMAT_W64,
                             SF_FORMAT_AU};
#define NFORMATS (sizeof majors / sizeof *majors)

MMIOAPI const MMIOPLUGININFO mmioPluginInfo = {
    MMIO_PLUGIN_ABI,
    "sndfile",
    "1.0.0",
    "Sound files as WAVE files: FLAC, Ogg, Opus, MP3, AIFF... (libsndfile)",
    "MIT",
    fourccs};

static double level_option(void)
{
    const char *o = plug_option("level");
    double level = o ? strtod(o, NULL) : -1;
    return level >= 0 && level <= 1 ? level : -1;
}

struct sound {
    sreader *rd;
    swriter *wr;
};

/* The format a file of this name is written as, from its extension; 0 if
 * none of ours. */
static int major_for(const char *file)
{
    const char *dot = strrchr(file, '.');
    if (!dot || strchr(dot, '/'))
        return 0;
    FOURCC fcc = mmioStringToFOURCC(dot + 1, MMIO_TOUPPER);
    for (size_t i = 0; i < NFORMATS; i++)
        if (fourccs[i] == fcc)
            return majors[i];
    return 0;
}

static LRESULT sound_open(MMIOINFO *mi, const char *name)
{
    char *file;
    LRESULT answer = 0;
    if (!plug_open_start(mi, name, &file, &answer))
        return answer;
    DWORD fl = mi->dwFlags, rw = fl & MMIO_RWMODE;
    MMRESULT rc = 0;
    struct sound *s = NULL;
    int major = major_for(file);
    if (!(s = calloc(1, sizeof *s)))
        rc = MMIOERR_OUTOFMEMORY;
    else if (rw == MMIO_READ)
        rc = (fl & MMIO_CREATE) ? MMIOERR_ACCESSDENIED
                                : sreader_open(mi, file, &s->rd);
    else if (!major)
        rc = MMIOERR_INVALIDFILE; /* no extension to choose the format */
    else if ((rc = tmp_can_commit(file)) == 0)
        rc = swriter_open(file, major, level_option(), &s->wr);
    free(file);
    if (rc != 0 || !s) {
        free(s);
        return rc;
    }
    mmioPluginSetFileState(mi, s);
    mi->lDiskOffset = 0;
    return 0;
}

static LRESULT CALLBACK sound_proc(LPSTR info, UINT msg, LPARAM a, LPARAM b)
{
    MMIOINFO *mi = (MMIOINFO *)(void *)info;
    struct sound *s = msg == MMIOM_OPEN ? NULL : mmioPluginGetFileState(mi);
    LRESULT n;
    switch (msg) {
    case MMIOM_OPEN:
        return sound_open(mi, (const char *)a);
    case MMIOM_CLOSE: {
        if (!s) /* after an EXIST or DELETE open */
            return 0;
        MMRESULT rc = s->wr ? swriter_close(s->wr) : 0;
        sreader_close(s->rd);
        free(s);
        mmioPluginSetFileState(mi, NULL);
        return rc;
    }
    case MMIOM_READ:
        if (!s->rd || b < 0)
            return -1;
        n = sreader_read(s->rd, mi->lDiskOffset, (unsigned char *)a, (long)b);
        break;
    case MMIOM_WRITE:
    case MMIOM_WRITEFLUSH:
        if (!s->wr)
            return b == 0 && msg == MMIOM_WRITEFLUSH ? 0 : -1;
        n = swriter_write(s->wr, mi->lDiskOffset, (const unsigned char *)a,
                          (long)b);
        /* the file is put in place whole at close: a flush can only make
         * the temporary current (see the header comment) */
        if (n >= 0 && msg == MMIOM_WRITEFLUSH && swriter_flush(s->wr) != 0)
            n = -1;
        break;
    case MMIOM_SEEK:
        return plug_seek(mi, s->rd ? sreader_size(s->rd) : swriter_size(s->wr),
                         (LONG)a, (int)b);
    case MMIOM_RENAME:
        return plug_rename_files((const char *)a, (const char *)b);
    case MMIOM_CAPS: /* encoded to a temporary, put in place at close */
        return MMIO_CAPS_ANSWER | MMIO_CAP_ATOMIC_CLOSE;
    default: /* never 0 for what it does not do */
        return MMSYSERR_NOTSUPPORTED;
    }
    if (n > 0)
        mi->lDiskOffset += (LONG)n;
    return n;
}

MMIOAPI MMRESULT mmioPluginInstall(void)
{
    plug_keep_options();
    for (size_t i = 0; i < NFORMATS; i++)
        if (!mmioInstallIOProc(fourccs[i], sound_proc, MMIO_INSTALLPROC))
            return MMSYSERR_ERROR;
    return MMSYSERR_NOERROR;
}

MMIOAPI void mmioPluginRemove(void)
{
    for (size_t i = 0; i < NFORMATS; i++)
        mmioInstallIOProc(fourccs[i], sound_proc, MMIO_REMOVEPROC);
}
