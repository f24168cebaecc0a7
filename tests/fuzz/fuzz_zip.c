/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the zip plugin's member reader (reader.c, zseek.c) on
 * any archive.  The input is an archive image; every member is read through
 * to its end, then at scattered offsets backward and forward, and what the
 * reads return is checked against the member's sequential bytes: a
 * damaged archive may give errors, never a crash, a hang, bytes beyond the
 * member or different bytes at the same offset. */
#define _GNU_SOURCE
#include "zip_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CAP (1 << 20) /* bytes of a member compared */

static unsigned char first[CAP], again[4096];

static void read_member(const char *archive, const char *name)
{
    zreader *r;
    if (zreader_open(NULL, archive, name, &r) != 0)
        return;
    int64_t size = zreader_size(r);
    int64_t got = 0;
    long n;
    while (got < CAP &&
           (n = zreader_read(r, got, first + got,
                             CAP - got < 4096 ? (long)(CAP - got) : 4096)) > 0)
        got += n;
    if (got > size)
        abort(); /* more than the member holds */
    for (int64_t at = got - 1; at >= 0; at -= 1 + at / 3) {
        n = zreader_read(r, at, again, sizeof again);
        if (n < 0)
            continue; /* damage found again */
        long same = got - at < n ? (long)(got - at) : n;
        if (memcmp(again, first + at, (size_t)same) != 0)
            abort(); /* the same offset read differently */
    }
    zreader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz.zip", 0);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int err;
    zip_t *z = zip_open(path, ZIP_RDONLY, &err);
    if (z) {
        zip_int64_t count = zip_get_num_entries(z, 0);
        for (zip_int64_t i = 0; i < count && i < 16; i++) {
            const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
            if (name)
                read_member(path, name);
        }
        zip_discard(z);
    }
    close(fd);
    return 0;
}
