/* SPDX-License-Identifier: MIT */
/*
 * mmiohost.c - mmiohost, the command-line host: options, commands, output.
 *
 *   mmiohost [OPTIONS] COMMAND [ARGS]   (options before or after the command)
 *
 * Exit codes: 0 success, 1 the operation failed (said on stderr, in words),
 * 2 usage error.  Output that cannot be written (a full disk, a closed pipe)
 * is an error too.  The commands live in mmiohost_plugins.c and
 * mmiohost_files.c.
 */
#include "mmiohost.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MMIO_VERSION
#define MMIO_VERSION "unknown"
#endif

struct options opt;

struct command {
    const char *name;
    const char *args; /* usage */
    int min, max;     /* argument counts */
    int json;         /* accepts --json */
    const char *help;
};

static const struct command commands[] = {
    {"list", "", 0, 0, 1,
     "every procedure (FOURCC, scope, task, source, open files), every\n"
     "plugin and every recorded global procedure, with its state and where\n"
     "it was found"},
    {"scan", "[--force]", 0, 0, 1,
     "check the plugin path now (changed files only; --force: every file)"},
    {"info", "PLUGIN", 1, 1, 1, "one plugin, by name or path"},
    {"install", "[--system] [--replace] PLUGIN.so", 1, 1, 1,
     "make a plugin available to every program of yours (--system: of the\n"
     "machine; root).  The registry state records the file's path: moving\n"
     "or deleting it uninstalls it.  --replace: an upgrade, in place of the\n"
     "installed plugin of the same name"},
    {"remove", "[--system] NAME", 1, 1, 1,
     "withdraw an installed plugin or a recorded global procedure (name,\n"
     "path, symbol or FOURCC), also when its file is gone"},
    {"cat", "NAME", 1, 1, 0,
     "write NAME's bytes to standard output (any procedure)"},
    {"cp", "SRC DST", 2, 2, 1,
     "copy SRC to DST (any names, any procedures); refuses a file onto\n"
     "itself; a plain DST is replaced only when the copy is complete"},
    {"riff", "NAME", 1, 1, 1,
     "print the RIFF chunk tree of NAME; says what is wrong with a file that\n"
     "is not RIFF, truncated, RF64 or too large"},
    {"validate",
     "[--fourcc F] [--sample NAME [--reference FILE]] [--level 1-10] "
     "PLUGIN.so",
     1, 1, 1,
     "drive each procedure of a plugin through the message contract of the\n"
     "plugin guide, rule by rule (PASS, FAIL, SKIP); in a child process, so\n"
     "a crash is a verdict.  Exit 1 when a rule failed"},
    {"tone", "FILE [SECONDS]", 1, 2, 1,
     "write a 440 Hz 16-bit mono WAV file through mmioCreateChunk"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static int usage(FILE *out)
{
    fputs("usage: mmiohost [OPTIONS] COMMAND [ARGS]\n", out);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].args);
    fputs("options (before or after the command):\n"
          "  --config FILE   use FILE instead of $MMIO_CONFIG or the\n"
          "                  installed plugins.conf\n"
          "  --json          machine-readable output (all but cat)\n"
          "  --isolate       run plugins in helper processes (--no-isolate:\n"
          "                  in this one), whatever plugins.conf says\n"
          "  --help          this text; COMMAND --help: that command's\n"
          "  --version       the version\n"
          "exit codes: 0 success, 1 failure, 2 usage error\n",
          out);
    return out == stdout ? EXIT_OK : EXIT_USAGE;
}

static int command_usage(const struct command *c, FILE *out)
{
    fprintf(out, "usage: mmiohost [OPTIONS] %s %s\n%s\n", c->name, c->args,
            c->help);
    return out == stdout ? EXIT_OK : EXIT_USAGE;
}

void say_error(const char *what, MMRESULT rc)
{
    char text[128];
    mmioExtErrorText(rc, text, sizeof text);
    fprintf(stderr, "mmiohost: %s: %s\n", what, text);
}

HMMIO open_or_tell(const char *name, DWORD flags, char *why, size_t cap)
{
    MMIOINFO info = {0};
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", name);
    HMMIO h = mmioOpen(copy, &info, flags);
    if (!h) {
        char text[128];
        mmioExtErrorText(info.wErrorRet, text, sizeof text);
        fprintf(stderr, "mmiohost: cannot open %s: %s\n", name, text);
        if (why && cap)
            snprintf(why, cap, "cannot open %s: %s", name, text);
    }
    return h;
}

HMMIO open_or_say(const char *name, DWORD flags)
{
    return open_or_tell(name, flags, NULL, 0);
}

void json_str(const char *s)
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

void fourcc_text(FOURCC f, char out[5])
{
    for (int i = 0; i < 4; i++) {
        unsigned char c = (unsigned char)(f >> (8 * i));
        out[i] = (c >= 32 && c < 127) ? (char)c : '?';
    }
    out[4] = '\0';
}

static int run(const struct command *c, int nargs, char **args)
{
    if (!strcmp(c->name, "list"))
        return cmd_list();
    if (!strcmp(c->name, "scan"))
        return cmd_scan();
    if (!strcmp(c->name, "info"))
        return cmd_info(args[0]);
    if (!strcmp(c->name, "install"))
        return cmd_install(args[0]);
    if (!strcmp(c->name, "remove"))
        return cmd_remove(args[0]);
    if (!strcmp(c->name, "cat"))
        return cmd_cat(args[0]);
    if (!strcmp(c->name, "cp"))
        return cmd_cp(args[0], args[1]);
    if (!strcmp(c->name, "riff"))
        return cmd_riff(args[0]);
    if (!strcmp(c->name, "validate"))
        return cmd_validate(args[0]);
    double secs = 1.0;
    if (nargs == 2) {
        char *end = NULL;
        secs = strtod(args[1], &end);
        if (end == args[1] || *end != '\0' || !(secs > 0) || secs > 3600) {
            fprintf(stderr, "mmiohost: tone: bad duration: %s\n", args[1]);
            return EXIT_USAGE;
        }
    }
    return cmd_tone(args[0], secs);
}

/* Standard output must have been written: a full disk or a closed pipe is
 * an error, not a success. */
static int finish(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "mmiohost: cannot write the output: %s\n",
                strerror(errno ? errno : EIO));
        return EXIT_FAIL;
    }
    return rc;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* a closed pipe is an error we report */
    const char *config = NULL, *name = NULL;
    char **args = argv; /* the command's arguments, gathered in place */
    int nargs = 0, help = 0, only_args = 0, validate_only = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_args || a[0] != '-' || !strcmp(a, "-")) {
            if (!name)
                name = a;
            else
                args[nargs++] = argv[i];
        } else if (!strcmp(a, "--")) {
            only_args = 1;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help = 1;
        } else if (!strcmp(a, "--version")) {
            printf("mmiohost (libmmio) %s\n", MMIO_VERSION);
            return finish(EXIT_OK);
        } else if (!strcmp(a, "--json")) {
            opt.json = 1;
        } else if (!strcmp(a, "--force")) {
            opt.force = 1;
        } else if (!strcmp(a, "--isolate") || !strcmp(a, "--no-isolate")) {
            /* read with plugins.conf, before anything loads */
            setenv("MMIO_ISOLATE", a[2] == 'i' ? "yes" : "no", 1);
        } else if (!strcmp(a, "--system")) {
            opt.machine = 1;
        } else if (!strcmp(a, "--replace")) {
            opt.replace = 1;
        } else if (!strcmp(a, "--fourcc") || !strcmp(a, "--sample") ||
                   !strcmp(a, "--level") || !strcmp(a, "--reference")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "mmiohost: %s needs a value\n", a);
                return EXIT_USAGE;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--fourcc"))
                vopt.fourcc = v;
            else if (!strcmp(a, "--sample"))
                vopt.sample = v;
            else if (!strcmp(a, "--reference"))
                vopt.reference = v;
            else
                vopt.level = (int)strtol(v, NULL, 10);
            validate_only = 1;
        } else if (!strcmp(a, "--config")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "mmiohost: --config needs a FILE\n");
                return EXIT_USAGE;
            }
            config = argv[++i];
        } else {
            fprintf(stderr, "mmiohost: unknown option %s\n", a);
            return usage(stderr);
        }
    }
    if (!name)
        return help ? finish(usage(stdout)) : usage(stderr);
    if (!strcmp(name, "help"))
        return finish(usage(stdout));
    const struct command *c = NULL;
    for (size_t i = 0; i < NCOMMANDS && !c; i++)
        if (!strcmp(commands[i].name, name))
            c = &commands[i];
    if (!c) {
        fprintf(stderr, "mmiohost: unknown command %s\n", name);
        return usage(stderr);
    }
    if (help)
        return finish(command_usage(c, stdout));
    int wrong = nargs < c->min || nargs > c->max;
    if (!wrong && opt.json && !c->json) {
        fprintf(stderr, "mmiohost: %s has no --json output\n", c->name);
        return EXIT_USAGE;
    }
    if ((opt.force && strcmp(c->name, "scan") != 0) ||
        (validate_only && strcmp(c->name, "validate") != 0) ||
        (vopt.reference && !vopt.sample) ||
        (opt.machine && strcmp(c->name, "install") != 0 &&
         strcmp(c->name, "remove") != 0) ||
        (opt.replace && strcmp(c->name, "install") != 0)) {
        fprintf(stderr, "mmiohost: %s: option not for this command\n", c->name);
        return EXIT_USAGE;
    }
    if (wrong)
        return command_usage(c, stderr);
    if (config && mmioExtConfigure(config) != MMSYSERR_NOERROR)
        return EXIT_FAIL; /* the library said why */
    return finish(run(c, nargs, args));
}
