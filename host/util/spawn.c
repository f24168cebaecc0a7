/* SPDX-License-Identifier: MIT */
/*
 * spawn.c - what starting a helper process takes, alike for the checker
 * (loader/check.c) and an isolated plugin's helper (isolate/helper.c).
 */
#define _GNU_SOURCE
#include "util.h"

#include <signal.h>
#include <string.h>

extern char **environ;

void mmio_spawn_attr_init(posix_spawnattr_t *at, int own_group)
{
    posix_spawnattr_init(at);
    sigset_t none, dflt;
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE);
    sigaddset(&dflt, SIGCHLD);
    posix_spawnattr_setsigmask(at, &none);
    posix_spawnattr_setsigdefault(at, &dflt);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (own_group) {
        posix_spawnattr_setpgroup(at, 0); /* its own group: killed whole */
        flags |= POSIX_SPAWN_SETPGROUP;
    }
    posix_spawnattr_setflags(at, flags);
}

char **mmio_env_with(const char *entry)
{
    size_t nlen = strcspn(entry, "="); /* the name's length */
    size_t n = 0;
    while (environ && environ[n])
        n++;
    char **env = mmio_sys_calloc(n + 2, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], entry, nlen) != 0 || environ[i][nlen] != '=')
            env[k++] = environ[i];
    env[k] = (char *)entry;
    return env;
}
