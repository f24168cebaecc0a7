/* SPDX-License-Identifier: MIT */
/*
 * config.c - plugins.conf.
 *
 *   # comment
 *   [host]
 *   plugin_dir = DIR     repeatable; relative to this file
 *   cache = FILE         the scan cache
 *                        (default $XDG_CACHE_HOME/mmio/scan.cache)
 *   state = FILE         the user's registry state
 *                        (default $XDG_STATE_HOME/mmio/registry.state)
 *   system_state = FILE  the machine's registry state
 *                        (default <localstatedir>/lib/mmio/registry.state)
 *   lazy = yes|no        load plugins when first needed (default yes)
 *   scan_timeout = SECS  a plugin check taking longer is "hung"
 *                        (default 5, at least 0.1, at most 600)
 *   isolate = no|yes     run plugins in helper processes (default no;
 *                        $MMIO_ISOLATE overrides)
 *   [plugin NAME]
 *   enabled = yes|no
 *   options = TEXT       handed to the plugin (mmioExtPluginOptions)
 *   isolate = yes|no     this plugin in a helper process, or not
 *   timeout = SECS       an isolated plugin's limit per message (default 5)
 *   memory = MIB         an isolated plugin's address space (default 4096;
 *                        0: no limit)
 *   cpu = SECS           an isolated plugin's helper's CPU time (default 0:
 *                        no limit)
 *   network = no|yes     an isolated plugin may open sockets (default no)
 *   [route FOURCC]
 *   plugin = NAME        open FOURCC through this plugin ...
 *   fourcc = FOURCC      ... using its procedure for this FOURCC
 *   options = TEXT       ... with these options
 *
 * MMIO_PLUGIN_PATH (colon list of absolute directories) adds directories;
 * MMIO_CONFIG names the file.  Both are ignored in setuid/setgid processes
 * (secure_getenv).  Problems are reported as "file:line: what".
 */
#define _GNU_SOURCE
#include "config.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where the installed plugins.conf, plugin directory and machine state
 * are, relative to the directory libmmio.so is in, so an install to any
 * prefix works. */
#ifndef MMIO_SYSCONFDIR_REL
#define MMIO_SYSCONFDIR_REL "../etc/mmio"
#endif
#ifndef MMIO_PLUGINDIR_REL
#define MMIO_PLUGINDIR_REL "mmio/plugins"
#endif
#ifndef MMIO_STATEDIR_REL
#define MMIO_STATEDIR_REL "../var/lib/mmio"
#endif

#define CONFIG_CAP (1u << 20)
#define LINE_MAX_LEN 65536
#define SCAN_TIMEOUT_MIN 0.1

static void report(const char *file, int line, const char *msg, int *errors)
{
    mmio_msg("%s:%d: %s", file, line, msg);
    (*errors)++;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* p, or NULL with the configuration marked failed: every allocation of
 * the parser goes through here, so none is dropped unnoticed. */
static void *need(struct mmio_config *c, void *p)
{
    if (!p)
        c->failed = ENOMEM;
    return p;
}

/* Appends a copy of s to the plugin directories. */
static void push_dir(struct mmio_config *c, const char *s)
{
    char *copy = need(c, mmio_sys_strdup(s));
    if (copy && mmio_ptrs_push(&c->dirs, &c->ndirs, &c->cap_dirs, copy) != 0) {
        free(copy);
        c->failed = ENOMEM;
    }
}

/* dir/rel, or rel itself when absolute. */
static char *resolve(struct mmio_config *c, const char *dir, const char *rel)
{
    if (rel[0] == '/' || !dir)
        return need(c, mmio_sys_strdup(rel));
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *out = need(c, mmio_sys_malloc(n));
    if (out)
        snprintf(out, n, "%s/%s", dir, rel);
    return out;
}

static int parse_bool(const char *v, int *out)
{
    if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") ||
        !strcasecmp(v, "on"))
        *out = 1;
    else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") ||
             !strcmp(v, "0") || !strcasecmp(v, "off"))
        *out = 0;
    else
        return -1;
    return 0;
}

static int parse_fourcc(const char *v, FOURCC *out)
{
    size_t n = strlen(v);
    if (n == 0 || n > 4)
        return -1;
    *out = mmioStringToFOURCC(v, 0);
    return 0;
}

static struct mmio_plugin_conf *plugin_section(struct mmio_config *c,
                                               const char *name)
{
    for (size_t i = 0; i < c->nplugins; i++)
        if (!strcmp(c->plugins[i].name, name))
            return &c->plugins[i];
    char *copy = need(c, mmio_sys_strdup(name));
    if (!copy || mmio_vec_reserve(&c->plugins, &c->cap_plugins, c->nplugins + 1,
                                  sizeof *c->plugins) != 0) {
        free(copy);
        c->failed = ENOMEM;
        return NULL;
    }
    struct mmio_plugin_conf *p = &c->plugins[c->nplugins++];
    memset(p, 0, sizeof *p);
    p->name = copy;
    p->enabled = -1;
    p->isolate = -1;
    p->timeout_ms = MMIO_ISOLATE_TIMEOUT_MS;
    p->memory_mb = MMIO_ISOLATE_MEMORY_MB;
    return p;
}

enum section { SEC_NONE, SEC_HOST, SEC_PLUGIN, SEC_ROUTE };

struct parser {
    struct mmio_config *cfg;
    const char *file;
    char *dir; /* the file's directory */
    int line;
    int errors;
    enum section sec;
    struct mmio_plugin_conf *plugin;
    struct mmio_route *route;
};

static void set_str(struct parser *p, char **dst, const char *v)
{
    free(*dst);
    *dst = need(p->cfg, mmio_sys_strdup(v));
}

static void host_key(struct parser *p, struct mmio_config *c, const char *k,
                     const char *v)
{
    if (!strcmp(k, "plugin_dir")) {
        char *abs = resolve(c, p->dir, v);
        if (abs)
            push_dir(c, abs);
        free(abs);
    } else if (!strcmp(k, "cache") || !strcmp(k, "state") ||
               !strcmp(k, "system_state")) {
        char **dst = *k == 'c'                  ? &c->cache_path
                     : *k == 's' && k[1] == 'y' ? &c->system_state_path
                                                : &c->state_path;
        char *abs = resolve(c, p->dir, v);
        if (abs) {
            free(*dst);
            *dst = abs;
        }
    } else if (!strcmp(k, "lazy")) {
        if (parse_bool(v, &c->lazy) != 0)
            report(p->file, p->line, "lazy: expected yes or no", &p->errors);
    } else if (!strcmp(k, "isolate")) {
        if (parse_bool(v, &c->isolate) != 0)
            report(p->file, p->line, "isolate: expected yes or no", &p->errors);
    } else if (!strcmp(k, "scan_timeout")) {
        char *end;
        double secs = strtod(v, &end);
        if (end == v || *end || !(secs >= SCAN_TIMEOUT_MIN) || secs > 600)
            report(p->file, p->line,
                   "scan_timeout: expected seconds from 0.1 to 600",
                   &p->errors);
        else
            c->scan_timeout_ms = (int)(secs * 1000);
    } else {
        char msg[160];
        snprintf(msg, sizeof msg, "unknown key '%s' in [host]", k);
        report(p->file, p->line, msg, &p->errors);
    }
}

static void plugin_key(struct parser *p, const char *k, const char *v)
{
    if (!strcmp(k, "enabled")) {
        p->plugin->enabled_line = p->line;
        if (parse_bool(v, &p->plugin->enabled) != 0)
            report(p->file, p->line, "enabled: expected yes or no", &p->errors);
    } else if (!strcmp(k, "options")) {
        set_str(p, &p->plugin->options, v);
    } else if (!strcmp(k, "isolate") || !strcmp(k, "network")) {
        int *dst = *k == 'i' ? &p->plugin->isolate : &p->plugin->network;
        if (parse_bool(v, dst) != 0)
            report(p->file, p->line,
                   *k == 'i' ? "isolate: expected yes or no"
                             : "network: expected yes or no",
                   &p->errors);
    } else if (!strcmp(k, "timeout")) {
        char *end;
        double secs = strtod(v, &end);
        if (end == v || *end || !(secs >= 0.01) || secs > 3600)
            report(p->file, p->line,
                   "timeout: expected seconds from 0.01 to 3600", &p->errors);
        else
            p->plugin->timeout_ms = (int)(secs * 1000);
    } else if (!strcmp(k, "memory") || !strcmp(k, "cpu")) {
        char *end;
        long n = strtol(v, &end, 10);
        int mem = *k == 'm';
        if (end == v || *end || n < 0 || n > (1L << 24))
            report(p->file, p->line,
                   mem ? "memory: expected MiB (0: no limit)"
                       : "cpu: expected seconds (0: no limit)",
                   &p->errors);
        else if (mem)
            p->plugin->memory_mb = n;
        else
            p->plugin->cpu_s = n;
    } else {
        char msg[160];
        snprintf(msg, sizeof msg, "unknown key '%s' in [plugin]", k);
        report(p->file, p->line, msg, &p->errors);
    }
}

static void route_key(struct parser *p, const char *k, const char *v)
{
    if (!strcmp(k, "plugin")) {
        set_str(p, &p->route->plugin, v);
    } else if (!strcmp(k, "fourcc")) {
        if (parse_fourcc(v, &p->route->target) != 0)
            report(p->file, p->line, "fourcc: expected 1 to 4 characters",
                   &p->errors);
    } else if (!strcmp(k, "options")) {
        set_str(p, &p->route->options, v);
    } else {
        char msg[160];
        snprintf(msg, sizeof msg, "unknown key '%s' in [route]", k);
        report(p->file, p->line, msg, &p->errors);
    }
}

static void section_line(struct parser *p, struct mmio_config *c, char *s)
{
    char *end = strchr(s, ']');
    if (!end || trim(end + 1)[0] != '\0') {
        report(p->file, p->line, "expected [section]", &p->errors);
        p->sec = SEC_NONE;
        return;
    }
    *end = '\0';
    char *name = trim(s + 1);
    char *arg = name + strcspn(name, " \t");
    if (*arg)
        *arg++ = '\0';
    arg = trim(arg);
    if (!strcmp(name, "host") && !*arg) {
        p->sec = SEC_HOST;
    } else if (!strcmp(name, "plugin") && *arg) {
        p->sec = SEC_PLUGIN;
        p->plugin = plugin_section(c, arg);
        if (p->plugin && !p->plugin->line)
            p->plugin->line = p->line;
    } else if (!strcmp(name, "route") && *arg) {
        FOURCC fcc;
        if (parse_fourcc(arg, &fcc) != 0) {
            report(p->file, p->line, "route: expected [route FOURCC]",
                   &p->errors);
            p->sec = SEC_NONE;
            return;
        }
        if (mmio_vec_reserve(&c->routes, &c->cap_routes, c->nroutes + 1,
                             sizeof *c->routes) != 0) {
            c->failed = ENOMEM;
            p->sec = SEC_NONE;
            return;
        }
        p->route = &c->routes[c->nroutes++];
        memset(p->route, 0, sizeof *p->route);
        p->route->fcc = fcc;
        p->route->line = p->line;
        p->sec = SEC_ROUTE;
    } else {
        report(p->file, p->line,
               "unknown section (expected [host], [plugin NAME] or "
               "[route FOURCC])",
               &p->errors);
        p->sec = SEC_NONE;
    }
}

static void parse_line(struct parser *p, struct mmio_config *c, char *s)
{
    s = trim(s);
    if (*s == '#' || *s == ';' || *s == '\0')
        return;
    if (*s == '[') {
        section_line(p, c, s);
        return;
    }
    char *eq = strchr(s, '=');
    if (!eq) {
        report(p->file, p->line, "expected key = value", &p->errors);
        return;
    }
    *eq = '\0';
    char *k = trim(s), *v = trim(eq + 1);
    switch (p->sec) {
    case SEC_HOST:
        host_key(p, c, k, v);
        break;
    case SEC_PLUGIN:
        if (p->plugin)
            plugin_key(p, k, v);
        break;
    case SEC_ROUTE:
        route_key(p, k, v);
        break;
    default:
        report(p->file, p->line, "key outside a section", &p->errors);
    }
}

/* Lines are taken whole whatever their length: a long comment never leaks
 * a tail that would be read as a key.  Past LINE_MAX_LEN a line is refused. */
static int parse_text(char *text, struct parser *p, struct mmio_config *c)
{
    char *next;
    for (char *line = text; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        p->line++;
        if (strlen(line) > LINE_MAX_LEN) {
            report(p->file, p->line, "line too long", &p->errors);
            continue;
        }
        parse_line(p, c, line);
    }
    for (size_t i = 0; i < c->nroutes; i++)
        if (!c->routes[i].plugin) {
            report(p->file, p->line, "a [route] section names no plugin",
                   &p->errors);
        }
    return p->errors;
}

/* $XDG_<kind>_HOME/mmio/<leaf>, else $HOME/<fallback>/mmio/<leaf>. */
static char *xdg_file(struct mmio_config *c, const char *xdg,
                      const char *fallback, const char *leaf)
{
    const char *base = secure_getenv(xdg);
    char buf[4096];
    if (base && base[0] == '/') {
        snprintf(buf, sizeof buf, "%s/mmio/%s", base, leaf);
    } else {
        const char *home = secure_getenv("HOME");
        if (!home || home[0] != '/')
            return NULL;
        snprintf(buf, sizeof buf, "%s/%s/mmio/%s", home, fallback, leaf);
    }
    return need(c, mmio_sys_strdup(buf));
}

/* MMIO_PLUGIN_PATH: absolute directories only; a relative or empty entry
 * would load plugins from wherever the program happens to run. */
static void add_env_dirs(struct mmio_config *c)
{
    const char *extra = secure_getenv("MMIO_PLUGIN_PATH");
    if (!extra || !*extra)
        return;
    char *copy = need(c, mmio_sys_strdup(extra));
    for (char *d = copy, *colon; d; d = colon) {
        colon = strchr(d, ':');
        if (colon)
            *colon++ = '\0';
        if (d[0] == '/')
            push_dir(c, d);
        else
            mmio_msg("MMIO_PLUGIN_PATH: %s entry '%s' ignored (only absolute "
                     "directories are searched)",
                     *d ? "relative" : "empty", d);
    }
    free(copy);
}

int mmio_config_load(const char *file, struct mmio_config *c)
{
    memset(c, 0, sizeof *c);
    c->lazy = 1;
    c->scan_timeout_ms = 5000;
    int explicit = file != NULL;
    if (!file)
        file = secure_getenv("MMIO_CONFIG");
    char installed[4200];
    if (file && *file) {
        explicit = 1;
    } else {
        if (mmio_lib_relative(installed, sizeof installed, MMIO_SYSCONFDIR_REL,
                              "/plugins.conf") != 0)
            installed[0] = '\0';
        file = installed;
    }

    int errors = 0;
    char why[600];
    size_t len = 0;
    char *text =
        *file ? mmio_read_trusted(file, CONFIG_CAP, &len, why, sizeof why)
              : NULL;
    if (!text && (explicit || (*file && errno != ENOENT))) {
        mmio_msg("%s", why);
        errors = -1;
        /* a file that is there but failed to read is not "no file" */
        if (mmio_errno_transient(errno))
            c->failed = errno;
    }
    if (text && strlen(text) != len) {
        mmio_msg("%s: holds a NUL byte: not a text file; ignored", file);
        free(text);
        text = NULL;
        errors = -1;
    }
    if (text) {
        struct parser p = {0};
        p.cfg = c;
        p.file = file;
        c->path = realpath(file, NULL);
        if (!c->path && errno == ENOMEM)
            c->failed = ENOMEM;
        p.dir = need(c, mmio_sys_strdup(c->path ? c->path : file));
        char *slash = p.dir ? strrchr(p.dir, '/') : NULL;
        if (slash)
            *slash = '\0';
        else {
            free(p.dir);
            p.dir = NULL;
        }
        errors = parse_text(text, &p, c);
        free(p.dir);
        free(text);
    }

    add_env_dirs(c);
    const char *iso = secure_getenv("MMIO_ISOLATE");
    if (iso && *iso && parse_bool(iso, &c->isolate) != 0)
        mmio_msg("MMIO_ISOLATE=%s: expected yes or no; ignored", iso);
    char path[4200];
    if (mmio_lib_relative(path, sizeof path, MMIO_PLUGINDIR_REL, "") == 0)
        push_dir(c, path);
    if (!c->cache_path)
        c->cache_path = xdg_file(c, "XDG_CACHE_HOME", ".cache", "scan.cache");
    if (!c->state_path)
        c->state_path =
            xdg_file(c, "XDG_STATE_HOME", ".local/state", "registry.state");
    if (!c->system_state_path &&
        mmio_lib_relative(path, sizeof path, MMIO_STATEDIR_REL,
                          "/registry.state") == 0)
        c->system_state_path = need(c, mmio_sys_strdup(path));
    return errors;
}

const struct mmio_plugin_conf *mmio_config_plugin(const struct mmio_config *c,
                                                  const char *name)
{
    for (size_t i = 0; name && i < c->nplugins; i++)
        if (!strcmp(c->plugins[i].name, name))
            return &c->plugins[i];
    return NULL;
}

void mmio_config_free(struct mmio_config *c)
{
    free(c->path);
    for (size_t i = 0; i < c->ndirs; i++)
        free(c->dirs[i]);
    free(c->dirs);
    free(c->cache_path);
    free(c->state_path);
    free(c->system_state_path);
    for (size_t i = 0; i < c->nplugins; i++) {
        free(c->plugins[i].name);
        free(c->plugins[i].options);
    }
    free(c->plugins);
    for (size_t i = 0; i < c->nroutes; i++) {
        free(c->routes[i].plugin);
        free(c->routes[i].options);
    }
    free(c->routes);
    memset(c, 0, sizeof *c);
}
