/*
 * cli.c - mmiohost, the command-line host.
 *
 *   mmiohost [--config FILE] [--json] COMMAND [ARGS]
 *     list                 every procedure and every plugin, with states
 *     scan [--force]       check the plugin path now (changed files only;
 *                          --force: every file)
 *     info PLUGIN          one plugin, by name or path
 *     install [--system] PLUGIN.so  make a plugin available to every
 *                          program of yours (--system: of the machine)
 *     remove [--system] NAME  withdraw an installed plugin or a recorded
 *                          global procedure
 *     cat NAME             stream a file through the procedure NAME selects
 *     cp SRC DST           copy between any two names
 *     riff NAME            the RIFF chunk tree with offsets and sizes
 *     tone FILE [SECONDS]  write a 440 Hz WAV through mmioCreateChunk
 *
 * Exit codes: 0 success, 1 the operation failed, 2 usage error.  Errors go
 * to stderr.
 */
#include "mmio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static int json;
static int force;   /* scan --force */
static int machine; /* install/remove --system */

static int usage(FILE *out)
{
    fputs("usage: mmiohost [--config FILE] [--json] COMMAND [ARGS]\n"
          "  list                 procedures and plugins, with their state\n"
          "  scan [--force]       check the plugin path now (--force: every\n"
          "                       file again, cached or not)\n"
          "  info PLUGIN          one plugin (name or path)\n"
          "  install [--system] PLUGIN.so\n"
          "                       make a plugin available to every program of\n"
          "                       yours (--system: of the machine; root)\n"
          "  remove [--system] NAME\n"
          "                       withdraw an installed plugin or a recorded\n"
          "                       global procedure (by name, path, symbol or\n"
          "                       FOURCC), also when its file is gone\n"
          "  cat NAME             write NAME's bytes to standard output\n"
          "  cp SRC DST           copy SRC to DST (any names, any procedures)\n"
          "  riff NAME            print the RIFF chunk tree of NAME\n"
          "  tone FILE [SECONDS]  write a 440 Hz 16-bit mono WAV file\n"
          "options:\n"
          "  --config FILE        use FILE instead of $MMIO_CONFIG or the\n"
          "                       installed plugins.conf\n"
          "  --json               machine-readable output (list, info, riff)\n"
          "  --help               this text\n"
          "exit codes: 0 success, 1 failure, 2 usage error\n",
          out);
    return out == stdout ? EXIT_OK : EXIT_USAGE;
}

/* ---- output helpers ---------------------------------------------------- */

static void json_str(const char *s)
{
    putchar('"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void fourcc_text(FOURCC f, char out[5])
{
    for (int i = 0; i < 4; i++) {
        unsigned char c = (unsigned char)(f >> (8 * i));
        out[i] = (c >= 32 && c < 127) ? (char)c : '?';
    }
    out[4] = '\0';
}

static const char *scope_name(UINT s)
{
    return s == MMIO_SCOPE_BUILTIN  ? "built-in"
           : s == MMIO_SCOPE_GLOBAL ? "global"
                                    : "local";
}

static const char *state_name(UINT s)
{
    static const char *names[] = {"unscanned", "available", "loaded",
                                  "broken",    "refused",   "disabled"};
    return s < 6 ? names[s] : "unknown";
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

static HMMIO open_or_say(const char *name, DWORD flags)
{
    MMIOINFO info = {0};
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", name);
    HMMIO h = mmioOpen(copy, &info, flags);
    if (!h)
        fprintf(stderr, "mmiohost: %s: cannot open (error %u)\n", name,
                info.wErrorRet);
    return h;
}

/* ---- list / scan / info -------------------------------------------------- */

struct walk {
    int n;
    const char *only; /* info: a name or path */
    int found;
};

static BOOL CALLBACK print_proc(const MMIOPROCDESC *d, void *ctx)
{
    struct walk *w = ctx;
    char f[5];
    fourcc_text(d->fccIOProc, f);
    if (json) {
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
    w->found++;
    if (json) {
        if (!w->only) /* info prints the object alone */
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
    if (w->only) {
        printf("name:        %s\nkind:        %s\nversion:     %s\n"
               "description: %s\nlicense:     %s\npath:        %s\n"
               "state:       %s\nfourccs:     %s\nfound in:    %s\n",
               d->pszName, d->uKind == MMIO_KIND_PROC ? "procedure" : "plugin",
               d->pszVersion, d->pszDescription, d->pszLicense, d->pszPath,
               state_name(d->uState), fccs, where);
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
    if (json)
        printf("  \"plugins\": [");
    else
        printf("PLUGIN       VERSION  STATE     FOURCCS        FOUND IN     "
               "PATH\n");
    mmioExtEnumPlugins(print_plugin, &w);
    if (json)
        printf("%s]", w.n ? "\n  " : "");
    else if (w.found == 0)
        printf("(no plugins on the path)\n");
    return EXIT_OK;
}

static int cmd_list(void)
{
    struct walk w = {0};
    if (json)
        printf("{\n  \"procedures\": [");
    else
        printf("FOURCC  SCOPE     TASK            SOURCE            OPEN\n");
    mmioExtEnumProcs(print_proc, &w);
    if (json)
        printf("%s],\n", w.n ? "\n  " : "");
    else
        printf("\n");
    list_plugins();
    if (json)
        printf("\n}\n");
    return EXIT_OK;
}

static int cmd_scan(void)
{
    if (mmioExtRescan(force ? MMIO_RESCAN_FORCE : 0) != MMSYSERR_NOERROR) {
        fprintf(stderr, "mmiohost: scan failed\n");
        return EXIT_FAIL;
    }
    if (json)
        printf("{\n");
    list_plugins();
    if (json)
        printf("\n}\n");
    return EXIT_OK;
}

static int cmd_info(const char *which)
{
    struct walk w = {0};
    w.only = which;
    mmioExtEnumPlugins(print_plugin, &w);
    if (json && w.found)
        printf("\n");
    if (!w.found) {
        fprintf(stderr, "mmiohost: info: no plugin named %s\n", which);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

static int cmd_install(const char *path)
{
    char err[1024];
    if (mmioExtInstallPlugin(path, machine ? MMIO_INSTALL_MACHINE : 0, err,
                             sizeof err) != MMSYSERR_NOERROR) {
        fprintf(stderr, "mmiohost: install %s: %s\n", path, err);
        return EXIT_FAIL;
    }
    printf("installed %s\n", path);
    return EXIT_OK;
}

static int cmd_remove(const char *name)
{
    char err[1024];
    if (mmioExtRemovePlugin(name, machine ? MMIO_INSTALL_MACHINE : 0, err,
                            sizeof err) != MMSYSERR_NOERROR) {
        fprintf(stderr, "mmiohost: remove %s: %s\n", name, err);
        return EXIT_FAIL;
    }
    printf("removed %s\n", name);
    return EXIT_OK;
}

/* ---- riff ------------------------------------------------------------------
 */

static int walk(HMMIO h, const MMCKINFO *parent, int depth, int *n)
{
    MMCKINFO ck = {0};
    int count = 0;
    while (mmioDescend(h, &ck, parent, 0) == MMSYSERR_NOERROR) {
        char id[5], type[5];
        int is_list = ck.ckid == FOURCC_RIFF || ck.ckid == FOURCC_LIST;
        fourcc_text(ck.ckid, id);
        fourcc_text(ck.fccType, type);
        if (json) {
            printf("%s\n%*s{\"id\": ", count++ ? "," : "", depth * 2 + 2, "");
            json_str(id);
            if (is_list) {
                printf(", \"type\": ");
                json_str(type);
            }
            printf(", \"offset\": %lu, \"size\": %lu",
                   (unsigned long)ck.dwDataOffset - 8,
                   (unsigned long)ck.cksize);
        } else {
            printf("%*s%s", depth * 2, "", id);
            if (is_list)
                printf(" '%s'", type);
            printf("  offset %lu  size %lu\n",
                   (unsigned long)ck.dwDataOffset - 8,
                   (unsigned long)ck.cksize);
        }
        (*n)++;
        if (is_list) {
            if (json)
                printf(", \"children\": [");
            walk(h, &ck, depth + 1, n);
            if (json)
                printf("]");
        }
        if (json)
            printf("}");
        if (mmioAscend(h, &ck, 0) != MMSYSERR_NOERROR)
            return -1;
        if (!parent && ck.ckid != FOURCC_RIFF)
            break; /* a top level that is not RIFF: stop at the first chunk */
    }
    return 0;
}

static int cmd_riff(const char *name)
{
    HMMIO h = open_or_say(name, MMIO_READ | MMIO_ALLOCBUF);
    if (!h)
        return EXIT_FAIL;
    int n = 0;
    if (json)
        printf("[");
    int rc = walk(h, NULL, 0, &n);
    if (json)
        printf("\n]\n");
    mmioClose(h, 0);
    if (n == 0) {
        fprintf(stderr, "mmiohost: %s: no RIFF chunks\n", name);
        return EXIT_FAIL;
    }
    return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

/* ---- cat / cp / tone ------------------------------------------------------
 */

static int copy_stream(HMMIO in, HMMIO out, const char *src, const char *dst)
{
    static char buf[65536];
    for (;;) {
        LONG n = mmioRead(in, buf, (LONG)sizeof buf);
        if (n < 0) {
            fprintf(stderr, "mmiohost: %s: read error\n", src);
            return EXIT_FAIL;
        }
        if (n == 0)
            return EXIT_OK;
        if (out) {
            if (mmioWrite(out, buf, n) != n) {
                fprintf(stderr, "mmiohost: %s: write error\n", dst);
                return EXIT_FAIL;
            }
        } else if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
            return EXIT_FAIL;
        }
    }
}

static int cmd_cat(const char *name)
{
    HMMIO h = open_or_say(name, MMIO_READ);
    if (!h)
        return EXIT_FAIL;
    int rc = copy_stream(h, NULL, name, NULL);
    mmioClose(h, 0);
    return rc;
}

static int cmd_cp(const char *src, const char *dst)
{
    HMMIO in = open_or_say(src, MMIO_READ);
    if (!in)
        return EXIT_FAIL;
    HMMIO out = open_or_say(dst, MMIO_WRITE | MMIO_CREATE | MMIO_ALLOCBUF);
    if (!out) {
        mmioClose(in, 0);
        return EXIT_FAIL;
    }
    int rc = copy_stream(in, out, src, dst);
    if (mmioClose(out, 0) != MMSYSERR_NOERROR) {
        fprintf(stderr, "mmiohost: %s: write error at close\n", dst);
        rc = EXIT_FAIL;
    }
    mmioClose(in, 0);
    return rc;
}

static int cmd_tone(const char *name, double seconds)
{
    const DWORD rate = 22050;
    HMMIO h = open_or_say(name, MMIO_WRITE | MMIO_CREATE | MMIO_ALLOCBUF);
    if (!h)
        return EXIT_FAIL;
    MMCKINFO riff = {0}, fmt = {0}, data = {0};
    /* WAVEFORMATEX for PCM: tag 1, mono, rate, byte rate, align 2, 16 bits */
    unsigned char wf[16] = {1, 0, 1, 0};
    DWORD bytes_per_sec = rate * 2;
    for (int i = 0; i < 4; i++) {
        wf[4 + i] = (unsigned char)(rate >> (8 * i));
        wf[8 + i] = (unsigned char)(bytes_per_sec >> (8 * i));
    }
    wf[12] = 2;
    wf[14] = 16;
    riff.fccType = mmioFOURCC('W', 'A', 'V', 'E');
    fmt.ckid = mmioFOURCC('f', 'm', 't', ' ');
    data.ckid = mmioFOURCC('d', 'a', 't', 'a');
    int ok = mmioCreateChunk(h, &riff, MMIO_CREATERIFF) == 0 &&
             mmioCreateChunk(h, &fmt, 0) == 0 &&
             mmioWrite(h, (const char *)wf, 16) == 16 &&
             mmioAscend(h, &fmt, 0) == 0 && mmioCreateChunk(h, &data, 0) == 0;
    long frames = (long)(seconds * rate);
    for (long i = 0; ok && i < frames; i++) {
        double v = sin(2.0 * 3.14159265358979 * 440.0 * (double)i / rate);
        int s = (int)(v * 12000.0);
        char le[2] = {(char)(s & 0xff), (char)((s >> 8) & 0xff)};
        ok = mmioWrite(h, le, 2) == 2;
    }
    ok = ok && mmioAscend(h, &data, 0) == 0 && mmioAscend(h, &riff, 0) == 0;
    MMRESULT rc = mmioClose(h, 0);
    if (!ok || rc != 0) {
        fprintf(stderr, "mmiohost: %s: write error\n", name);
        return EXIT_FAIL;
    }
    printf("wrote %s: %ld frames at %lu Hz\n", name, frames,
           (unsigned long)rate);
    return EXIT_OK;
}

static int cmd_tone_args(int argc, char **argv)
{
    double secs = 1.0;
    if (argc == 2) {
        char *end = NULL;
        secs = strtod(argv[1], &end);
        if (*end != '\0' || secs <= 0 || secs > 3600) {
            fprintf(stderr, "mmiohost: tone: bad duration: %s\n", argv[1]);
            return EXIT_USAGE;
        }
    }
    return cmd_tone(argv[0], secs);
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return usage(stdout);
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
            if (mmioExtConfigure(argv[++i]) != MMSYSERR_NOERROR)
                return EXIT_FAIL; /* the library said why on stderr */
        } else {
            fprintf(stderr, "mmiohost: unknown option %s\n", argv[i]);
            return usage(stderr);
        }
    }
    if (i >= argc)
        return usage(stderr);
    const char *cmd = argv[i++];
    for (; i < argc; i++) { /* a command's own options */
        if (!strcmp(argv[i], "--force") && !strcmp(cmd, "scan"))
            force = 1;
        else if (!strcmp(argv[i], "--system") &&
                 (!strcmp(cmd, "install") || !strcmp(cmd, "remove")))
            machine = 1;
        else
            break;
    }
    int nargs = argc - i;
    char **args = argv + i;
    if (!strcmp(cmd, "help"))
        return usage(stdout);
    if (!strcmp(cmd, "list") && nargs == 0)
        return cmd_list();
    if (!strcmp(cmd, "scan") && nargs == 0)
        return cmd_scan();
    if (!strcmp(cmd, "info") && nargs == 1)
        return cmd_info(args[0]);
    if (!strcmp(cmd, "install") && nargs == 1)
        return cmd_install(args[0]);
    if (!strcmp(cmd, "remove") && nargs == 1)
        return cmd_remove(args[0]);
    if (!strcmp(cmd, "cat") && nargs == 1)
        return cmd_cat(args[0]);
    if (!strcmp(cmd, "cp") && nargs == 2)
        return cmd_cp(args[0], args[1]);
    if (!strcmp(cmd, "riff") && nargs == 1)
        return cmd_riff(args[0]);
    if (!strcmp(cmd, "tone") && (nargs == 1 || nargs == 2))
        return cmd_tone_args(nargs, args);
    fprintf(stderr, "mmiohost: unknown command or wrong arguments: %s\n", cmd);
    return usage(stderr);
}
