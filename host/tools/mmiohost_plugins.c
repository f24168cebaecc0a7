/* SPDX-License-Identifier: MIT */
/*
 * mmiohost_plugins.c - the plugin commands: list, scan, info, install,
 * remove.
 */
#include "mmiohost.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *scope_name(UINT s)
{
    return s == MMIO_SCOPE_BUILTIN  ? "built-in"
           : s == MMIO_SCOPE_GLOBAL ? "global"
                                    : "local";
}

static const char *state_name(UINT s)
{
    static const char *names[] = {"unscanned", "available", "loaded", "broken",
                                  "refused",   "disabled",  "crashed"};
    return s < 7 ? names[s] : "unknown";
}

/* Where an entry was found: "path", "user", "machine", "app", joined. */
static void layers_text(DWORD layers, char *out, size_t cap)
{
    static const char *names[] = {"path", "user", "machine", "app"};
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < 4; i++)
        if (layers & (1u << i))
            used += (size_t)snprintf(out + used, cap - used, "%s%s",
                                     used ? "," : "", names[i]);
}

/* ---- list / scan / info -------------------------------------------------- */

struct walk {
    int n;
    const char *only; /* info: a name or path */
    int found;
    int many;     /* info --json: several match, print an array */
    int single;   /* info of a file that is not listed */
    int unusable; /* info: one shown was broken or refused */
};

static BOOL CALLBACK print_proc(const MMIOPROCDESC *d, void *ctx)
{
    struct walk *w = ctx;
    char f[5];
    fourcc_text(d->fccIOProc, f);
    if (opt.json) {
        printf("%s\n    {\"fourcc\": ", w->n++ ? "," : "");
        json_str(f);
        printf(", \"scope\": \"%s\", \"task\": \"%p\", \"source\": ",
               scope_name(d->uScope), (void *)d->htask);
        json_str(d->pszSource);
        printf(", \"open\": %u}", d->cOpen);
    } else {
        char task[32] = "-";
        if (d->uScope == MMIO_SCOPE_LOCAL)
            snprintf(task, sizeof task, "%s", d->htask ? "" : "default");
        if (d->uScope == MMIO_SCOPE_LOCAL && d->htask)
            snprintf(task, sizeof task, "%p", (void *)d->htask);
        printf("'%s'  %-8s  %-14s  %-16s  %u\n", f, scope_name(d->uScope), task,
               d->pszSource, d->cOpen);
    }
    return TRUE;
}

static void print_plugin_json(const MMIOPLUGINDESC *d)
{
    printf("{\"name\": ");
    json_str(d->pszName);
    printf(", \"version\": ");
    json_str(d->pszVersion);
    printf(", \"description\": ");
    json_str(d->pszDescription);
    printf(", \"license\": ");
    json_str(d->pszLicense);
    printf(", \"path\": ");
    json_str(d->pszPath);
    printf(", \"state\": \"%s\", \"reason\": ", state_name(d->uState));
    json_str(d->pszReason);
    printf(", \"system_wide\": %s, \"kind\": \"%s\", \"symbol\": ",
           d->fSystemWide ? "true" : "false",
           d->uKind == MMIO_KIND_PROC ? "procedure" : "plugin");
    json_str(d->pszSymbol);
    printf(", \"layers\": [");
    for (int i = 0, k = 0; i < 4; i++)
        if (d->fLayers & (1u << i)) {
            static const char *names[] = {"path", "user", "machine", "app"};
            printf("%s\"%s\"", k++ ? ", " : "", names[i]);
        }
    printf("], \"fourccs\": [");
    for (int i = 0; d->pFourccs[i]; i++) {
        char f[5];
        fourcc_text(d->pFourccs[i], f);
        printf("%s", i ? ", " : "");
        json_str(f);
    }
    printf("]}");
}

static BOOL CALLBACK print_plugin(const MMIOPLUGINDESC *d, void *ctx)
{
    struct walk *w = ctx;
    if (w->only && strcmp(w->only, d->pszName) != 0 &&
        strcmp(w->only, d->pszPath) != 0)
        return TRUE;
    int detail = w->only || w->single; /* info: one plugin in full */
    w->found++;
    if (d->uState == MMIO_PLUGIN_BROKEN || d->uState == MMIO_PLUGIN_REFUSED)
        w->unusable = 1;
    if (opt.json) {
        if (!detail || w->many) /* info prints one object alone */
            printf("%s\n    ", w->n++ ? "," : "");
        print_plugin_json(d);
        return TRUE;
    }
    char fccs[128] = "";
    size_t used = 0;
    for (int i = 0; d->pFourccs[i] && used + 6 < sizeof fccs; i++) {
        char f[5];
        fourcc_text(d->pFourccs[i], f);
        used += (size_t)snprintf(fccs + used, sizeof fccs - used, "%s%s",
                                 i ? "," : "", f);
    }
    char where[64];
    layers_text(d->fLayers, where, sizeof where);
    if (detail) {
        printf("name:        %s\nkind:        %s\nversion:     %s\n"
               "description: %s\nlicense:     %s\npath:        %s\n"
               "state:       %s\nfourccs:     %s\nfound in:    %s\n",
               d->pszName, d->uKind == MMIO_KIND_PROC ? "procedure" : "plugin",
               d->pszVersion, d->pszDescription, d->pszLicense, d->pszPath,
               state_name(d->uState), fccs, *where ? where : "(not listed)");
        if (*d->pszReason)
            printf("reason:      %s\n", d->pszReason);
        return TRUE;
    }
    printf("%-12s %-8s %-9s %-14s %-12s %s%s\n", *d->pszName ? d->pszName : "-",
           d->uKind == MMIO_KIND_PROC ? "proc"
           : *d->pszVersion           ? d->pszVersion
                                      : "-",
           state_name(d->uState), *fccs ? fccs : "-", where, d->pszPath,
           d->uKind == MMIO_KIND_PROC ? " (global procedure)" : "");
    if (*d->pszReason)
        printf("             reason: %s\n", d->pszReason);
    return TRUE;
}

static int list_plugins(void)
{
    struct walk w = {0};
    if (opt.json)
        printf("  \"plugins\": [");
    else
        printf("PLUGIN       VERSION  STATE     FOURCCS        FOUND IN     "
               "PATH\n");
    mmioExtEnumPlugins(print_plugin, &w);
    if (opt.json)
        printf("%s]", w.n ? "\n  " : "");
    else if (w.found == 0)
        printf("(no plugins on the path)\n");
    return EXIT_OK;
}

/* ---- two plugins claiming one FOURCC: said, with the one that wins ---- */

#define MAX_CLAIMS 512
struct claims {
    struct {
        FOURCC fcc;
        char name[64], path[512];
    } first[MAX_CLAIMS];
    int n;
};

static BOOL CALLBACK note_claims(const MMIOPLUGINDESC *d, void *ctx)
{
    struct claims *c = ctx;
    if (d->uKind != MMIO_KIND_PLUGIN ||
        (d->uState != MMIO_PLUGIN_AVAILABLE && d->uState != MMIO_PLUGIN_LOADED))
        return TRUE;
    for (const FOURCC *f = d->pFourccs; *f; f++) {
        int k = 0;
        while (k < c->n && c->first[k].fcc != *f)
            k++;
        if (k < c->n) { /* the list's order is the order of the search */
            char text[5];
            fourcc_text(*f, text);
            fprintf(stderr,
                    "mmiohost: warning: plugins %s (%s) and %s (%s) both serve "
                    "'%s': %s is used (found first: plugin directories in "
                    "order, then the machine's and the user's states); "
                    "disable one in plugins.conf or route '%s' to the other\n",
                    c->first[k].name, c->first[k].path, d->pszName, d->pszPath,
                    text, c->first[k].name, text);
        } else if (c->n < MAX_CLAIMS) {
            c->first[c->n].fcc = *f;
            snprintf(c->first[c->n].name, sizeof c->first[c->n].name, "%s",
                     d->pszName);
            snprintf(c->first[c->n].path, sizeof c->first[c->n].path, "%s",
                     d->pszPath);
            c->n++;
        }
    }
    return TRUE;
}

static void warn_conflicts(void)
{
    static struct claims c;
    c.n = 0;
    mmioExtEnumPlugins(note_claims, &c);
}

int cmd_list(void)
{
    warn_conflicts();
    struct walk w = {0};
    if (opt.json)
        printf("{\n  \"procedures\": [");
    else
        printf("FOURCC  SCOPE     TASK            SOURCE            OPEN\n");
    mmioExtEnumProcs(print_proc, &w);
    if (opt.json)
        printf("%s],\n", w.n ? "\n  " : "");
    else
        printf("\n");
    list_plugins();
    if (opt.json)
        printf("\n}\n");
    return EXIT_OK;
}

int cmd_scan(void)
{
    if (mmioExtRescan(opt.force ? MMIO_RESCAN_FORCE : 0) != MMSYSERR_NOERROR) {
        fprintf(stderr, "mmiohost: scan failed\n");
        return EXIT_FAIL;
    }
    warn_conflicts();
    if (opt.json)
        printf("{\n");
    list_plugins();
    if (opt.json)
        printf("\n}\n");
    return EXIT_OK;
}

static BOOL CALLBACK count_matches(const MMIOPLUGINDESC *d, void *ctx)
{
    struct walk *w = ctx;
    if (!strcmp(w->only, d->pszName) || !strcmp(w->only, d->pszPath))
        w->found++;
    return TRUE;
}

int cmd_info(const char *which)
{
    struct walk w = {0};
    w.only = which;
    warn_conflicts();
    mmioExtEnumPlugins(count_matches, &w);
    int matches = w.found;
    if (!matches && strchr(which, '/')) {
        /* a file, listed or not: checked now, loaded nowhere */
        w.only = NULL;
        w.single = 1;
        MMRESULT rc = mmioExtCheckPlugin(which, print_plugin, &w);
        if (rc != MMSYSERR_NOERROR) {
            say_error(which, rc);
            return EXIT_FAIL;
        }
        if (opt.json)
            printf("\n");
        return w.unusable ? EXIT_FAIL : EXIT_OK; /* a CI gate */
    }
    if (!matches) {
        fprintf(stderr, "mmiohost: info: no plugin named %s\n", which);
        return EXIT_FAIL;
    }
    /* one JSON document: an object, or an array when names repeat */
    w.found = 0;
    w.many = matches > 1;
    if (opt.json && w.many)
        printf("[");
    mmioExtEnumPlugins(print_plugin, &w);
    if (opt.json)
        printf("%s\n", w.many ? "\n]" : "");
    /* a plugin that is broken or refused: said, and the exit says it too,
     * so info can gate a build */
    return w.unusable ? EXIT_FAIL : EXIT_OK;
}

/* The layers (MMIO_LAYER_* bits) where a plugin of this name or path is
 * listed, and its path. */
struct where {
    const char *name;
    DWORD layers;
    char path[1024];
};

static BOOL CALLBACK find_where(const MMIOPLUGINDESC *d, void *ctx)
{
    struct where *w = ctx;
    if (strcmp(d->pszName, w->name) != 0 && strcmp(d->pszPath, w->name) != 0)
        return TRUE;
    w->layers |= d->fLayers;
    snprintf(w->path, sizeof w->path, "%s", d->pszPath);
    return TRUE;
}

static const char *layer_words(DWORD layer)
{
    return layer ? "for every user of this machine (the machine's registry "
                   "state)"
                 : "for you (your registry state)";
}

/* What to do next, after a failed edit of a layer. */
static void hint(const char *what, const char *target, MMRESULT rc, DWORD layer)
{
    if (layer && geteuid() != 0 && rc == MMIOERR_CANNOTWRITE) {
        fprintf(stderr, "mmiohost: the machine's registry state can only be "
                        "changed by root: run it as root\n");
        return;
    }
    if (!strcmp(what, "install") && rc == MMSYSERR_ALLOCATED) {
        fprintf(stderr,
                "mmiohost: to put this file in its place, run "
                "mmiohost install --replace%s %s\n",
                layer ? " --system" : "", target);
        return;
    }
    if (!strcmp(what, "remove") && rc == MMIOERR_FILENOTFOUND) {
        struct where w = {target, 0, ""};
        mmioExtEnumPlugins(find_where, &w);
        DWORD other =
            layer ? (1u << MMIO_LAYER_USER) : (1u << MMIO_LAYER_MACHINE);
        if (w.layers & other)
            fprintf(stderr, "mmiohost: %s is installed %s: use %s\n", target,
                    layer_words(!layer),
                    layer ? "remove without --system" : "remove --system");
        else if (w.layers & (1u << MMIO_LAYER_PATH))
            fprintf(stderr,
                    "mmiohost: %s is not installed but found on the "
                    "plugin path (%s): remove the file, or disable it "
                    "in plugins.conf\n",
                    target, w.path);
    }
}

/* install and remove: one registry state edit, then what was done. */
static int edit_layer(const char *what, const char *done, const char *target,
                      MMRESULT (*edit)(LPCSTR, DWORD, LPSTR, UINT))
{
    char err[1024];
    DWORD layer = opt.machine ? MMIO_INSTALL_MACHINE : 0;
    MMRESULT rc = edit(target, layer, err, sizeof err);
    if (rc != MMSYSERR_NOERROR) {
        fprintf(stderr, "mmiohost: cannot %s %s: %s\n", what, target, err);
        hint(what, target, rc, layer);
        return EXIT_FAIL;
    }
    if (opt.json) {
        printf("{\"%s\": ", done);
        json_str(target);
        printf(", \"layer\": \"%s\"}\n", layer ? "machine" : "user");
    } else if (!strcmp(what, "install")) {
        printf("installed %s %s; the state records this path, so moving or "
               "deleting the file uninstalls it\n",
               target, layer_words(layer));
    } else {
        printf("removed %s %s\n", target, layer_words(layer));
    }
    return EXIT_OK;
}

/* The name a plugin file's descriptor gives, or "" (checked, not loaded). */
static BOOL CALLBACK take_name(const MMIOPLUGINDESC *d, void *ctx)
{
    snprintf(ctx, 256, "%s", d->pszName);
    return FALSE;
}

int cmd_install(const char *path)
{
    if (opt.replace) {
        /* an upgrade: what is installed under its name goes first */
        char name[256] = "";
        if (mmioExtCheckPlugin(path, take_name, name) != MMSYSERR_NOERROR ||
            !*name) {
            fprintf(stderr, "mmiohost: cannot install %s: not a plugin\n",
                    path);
            return EXIT_FAIL;
        }
        char err[1024];
        MMRESULT rc = mmioExtRemovePlugin(
            name, opt.machine ? MMIO_INSTALL_MACHINE : 0, err, sizeof err);
        if (rc != MMSYSERR_NOERROR && rc != MMIOERR_FILENOTFOUND) {
            fprintf(stderr, "mmiohost: cannot replace %s: %s\n", name, err);
            hint("remove", name, rc, opt.machine);
            return EXIT_FAIL;
        }
    }
    return edit_layer("install", "installed", path, mmioExtInstallPlugin);
}

int cmd_remove(const char *name)
{
    return edit_layer("remove", "removed", name, mmioExtRemovePlugin);
}
