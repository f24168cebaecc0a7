/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the sndfile plugin's WAVE side.  The input, split at
 * random points, is written as a WAVE image through the writer (writer.c,
 * wave.c) into a FLAC in a temporary directory: any header must be taken or
 * refused without a crash.  A header the parser takes must describe a
 * format the header builder writes back to the same fields. */
#define _GNU_SOURCE
#include "scratch.h"
#include "sndfile_plugin.h"

#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = fuzz_scratch();
    struct wave_format f;
    size_t start;
    if (wave_parse(data, size, &f, &start) == 1) {
        unsigned char hdr[WAVE_HEADER_MAX];
        struct wave_format back;
        size_t len = wave_header(&f, 0, hdr), start2;
        if (wave_parse(hdr, len, &back, &start2) != 1 || start2 != len ||
            back.channels != f.channels || back.rate != f.rate ||
            back.bits != f.bits || back.is_float != f.is_float)
            abort(); /* what we write we read back */
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/out.flac", dir);
    swriter *w;
    if (swriter_open(path, SF_FORMAT_FLAC, -1, &w) != 0)
        return 0;
    size_t at = 0;
    while (at < size) { /* pieces whose sizes the data chooses */
        size_t n = 1 + data[at] % 97;
        n = n < size - at ? n : size - at;
        if (swriter_write(w, (int64_t)at, data + at, (long)n) != (long)n)
            break;
        at += n;
    }
    swriter_close(w);
    unlink(path);
    return 0;
}
