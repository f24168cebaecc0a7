/* SPDX-License-Identifier: MIT */
/*
 * close_fds.h - what the library's helper programs (tools/mmio-scan,
 * tools/mmio-serve) do first: close every descriptor they inherited above
 * the ones their protocol gives them, so a plugin reaches nothing of the
 * caller's by accident.
 */
#ifndef MMIO_CLOSE_FDS_H
#define MMIO_CLOSE_FDS_H

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

static inline void mmio_close_fds_above(int keep)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) {
        for (int fd = keep + 1; fd < 65536; fd++)
            close(fd);
        return;
    }
    int self = dirfd(d);
    struct dirent *e;
    int fds[1024], n = 0;
    while ((e = readdir(d)) != NULL && n < 1024) {
        int fd = (int)strtol(e->d_name, NULL, 10);
        if (fd > keep && fd != self)
            fds[n++] = fd;
    }
    closedir(d);
    for (int i = 0; i < n; i++)
        close(fds[i]);
}

#endif
