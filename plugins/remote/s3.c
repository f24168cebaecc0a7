/* SPDX-License-Identifier: MIT */
/* s3.c - S3 names, endpoints and credentials (s3.h). */
#define _GNU_SOURCE
#include "s3.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procutil.h"

#define PROFILE_FILE_MAX (1L << 20)

static const char *env(const char *name)
{
    const char *v = secure_getenv(name);
    return v && *v ? v : NULL;
}

/* The value of key in [section] of an AWS INI file (config files name a
 * profile "[profile NAME]", credentials files "[NAME]"): 1 with it in dst,
 * else 0.  The file is hostile: a regular file, capped in size. */
static int profile_value(const char *path, const char *profile, int config_file,
                         const char *key, char *dst, size_t n)
{
    if (!path)
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    struct stat st;
    FILE *f = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size > PROFILE_FILE_MAX || !(f = fdopen(fd, "r"))) {
        close(fd);
        return 0;
    }
    char want[200], line[4096];
    if (config_file && strcmp(profile, "default") != 0)
        snprintf(want, sizeof want, "profile %s", profile);
    else
        snprintf(want, sizeof want, "%s", profile);
    int in = 0, found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        s[strcspn(s, "\r\n")] = '\0';
        if (*s == '#' || *s == ';' || !*s)
            continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (end) {
                *end = '\0';
                in = !strcmp(s + 1, want);
            }
            continue;
        }
        char *eq = strchr(s, '=');
        if (!in || !eq)
            continue;
        char *k = s, *v = eq + 1;
        *eq = '\0';
        for (char *e = eq - 1; e >= k && isspace((unsigned char)*e); e--)
            *e = '\0';
        while (isspace((unsigned char)*v))
            v++;
        for (char *e = v + strlen(v) - 1; e >= v && isspace((unsigned char)*e);
             e--)
            *e = '\0';
        if (!strcmp(k, key)) {
            snprintf(dst, n, "%s", v);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

/* ~/.aws/NAME, or what the variable says: malloc'd, or NULL. */
static char *aws_file(const char *variable, const char *name)
{
    const char *v = env(variable);
    if (v)
        return strdup(v);
    const char *home = env("HOME");
    char *p = NULL;
    if (home && asprintf(&p, "%s/.aws/%s", home, name) < 0)
        p = NULL;
    return p;
}

int s3_config(struct s3 *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    const char *profile = env("AWS_PROFILE");
    if (!profile)
        profile = "default";
    char *creds = aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    char *conf = aws_file("AWS_CONFIG_FILE", "config");
    char key[256] = "", secret[256] = "", token[2048] = "";

    const char *k = env("AWS_ACCESS_KEY_ID"), *s = env("AWS_SECRET_ACCESS_KEY");
    if (k && s) {
        snprintf(key, sizeof key, "%s", k);
        snprintf(secret, sizeof secret, "%s", s);
        const char *t = env("AWS_SESSION_TOKEN");
        snprintf(token, sizeof token, "%s", t ? t : "");
    } else {
        for (int c = 0; c < 2 && !*secret; c++) {
            const char *path = c == 0 ? creds : conf;
            if (profile_value(path, profile, c, "aws_access_key_id", key,
                              sizeof key) &&
                profile_value(path, profile, c, "aws_secret_access_key", secret,
                              sizeof secret))
                profile_value(path, profile, c, "aws_session_token", token,
                              sizeof token);
            else
                *key = *secret = '\0';
        }
    }

    const char *r = env("AWS_REGION");
    if (!r)
        r = env("AWS_DEFAULT_REGION");
    if (r)
        snprintf(cfg->region, sizeof cfg->region, "%s", r);
    if (!*cfg->region)
        plug_option_text("region", cfg->region, sizeof cfg->region);
    if (!*cfg->region)
        profile_value(conf, profile, 1, "region", cfg->region,
                      sizeof cfg->region);
    if (!*cfg->region)
        snprintf(cfg->region, sizeof cfg->region, "us-east-1");

    const char *e = env("AWS_ENDPOINT_URL_S3");
    if (!e)
        e = env("AWS_ENDPOINT_URL");
    if (e)
        snprintf(cfg->endpoint, sizeof cfg->endpoint, "%s", e);
    if (!*cfg->endpoint)
        plug_option_text("endpoint", cfg->endpoint, sizeof cfg->endpoint);
    if (!*cfg->endpoint)
        profile_value(conf, profile, 1, "endpoint_url", cfg->endpoint,
                      sizeof cfg->endpoint);
    int custom = *cfg->endpoint != '\0';
    if (!custom)
        snprintf(cfg->endpoint, sizeof cfg->endpoint,
                 "https://s3.%s.amazonaws.com", cfg->region);
    size_t len = strlen(cfg->endpoint);
    while (len && cfg->endpoint[len - 1] == '/')
        cfg->endpoint[--len] = '\0';
    free(creds);
    free(conf);

    if (strncmp(cfg->endpoint, "http://", 7) != 0 &&
        strncmp(cfg->endpoint, "https://", 8) != 0) {
        mmioPluginMessage("s3: the endpoint must be an http:// or https:// "
                          "URL (AWS_ENDPOINT_URL, endpoint=)");
        return -1;
    }
    char addressing[16];
    plug_option_text("addressing", addressing, sizeof addressing);
    if (*addressing && strcmp(addressing, "path") != 0 &&
        strcmp(addressing, "virtual") != 0) {
        mmioPluginMessage("s3: addressing=%s: path or virtual", addressing);
        return -1;
    }
    cfg->path_style = *addressing ? !strcmp(addressing, "path") : custom;

    if (*key && *secret) {
        cfg->signed_ = 1;
        snprintf(cfg->auth.sigv4, sizeof cfg->auth.sigv4, "aws:amz:%s:s3",
                 cfg->region);
        snprintf(cfg->auth.userpwd, sizeof cfg->auth.userpwd, "%s:%s", key,
                 secret);
        if (*token)
            snprintf(cfg->auth.token, sizeof cfg->auth.token,
                     "x-amz-security-token: %s", token);
    }
    memset(secret, 0, sizeof secret);
    return 0;
}

int s3_split(const char *name, char **bucket, char **key)
{
    *bucket = *key = NULL;
    if (strncmp(name, "s3://", 5) != 0)
        return -1;
    const char *b = name + 5, *slash = strchr(b, '/');
    if (!slash || slash == b || !slash[1])
        return -1;
    *bucket = strndup(b, (size_t)(slash - b));
    *key = strdup(slash + 1);
    if (!*bucket || !*key) {
        free(*bucket);
        free(*key);
        *bucket = *key = NULL;
        return -1;
    }
    return 0;
}

/* key percent-encoded as S3 signs a path: unreserved bytes and '/' kept. */
static char *encode_key(const char *key)
{
    size_t n = strlen(key);
    char *out = malloc(n * 3 + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        if (isalnum(*p) || strchr("-._~/", *p))
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    *o = '\0';
    return out;
}

char *s3_url(const struct s3 *cfg, const char *bucket, const char *key,
             const char *query)
{
    char *k = encode_key(key), *url = NULL;
    if (!k)
        return NULL;
    int path = cfg->path_style || strchr(bucket, '.') != NULL;
    int rc;
    if (path) {
        rc = asprintf(&url, "%s/%s/%s%s", cfg->endpoint, bucket, k, query);
    } else {
        const char *host = strstr(cfg->endpoint, "://") + 3;
        rc = asprintf(&url, "%.*s%s.%s/%s%s", (int)(host - cfg->endpoint),
                      cfg->endpoint, bucket, host, k, query);
    }
    free(k);
    return rc < 0 ? NULL : url;
}

char *s3_copy_source(const char *bucket, const char *key)
{
    char *k = encode_key(key), *h = NULL;
    if (k && asprintf(&h, "x-amz-copy-source: /%s/%s", bucket, k) < 0)
        h = NULL;
    free(k);
    return h;
}
