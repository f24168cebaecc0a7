/* SPDX-License-Identifier: MIT */
/*
 * s3.h - where an s3://BUCKET/KEY name lives and how its requests are
 * signed.
 *
 * Credentials: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+
 * AWS_SESSION_TOKEN), else the profile AWS_PROFILE names ("default") in
 * ~/.aws/credentials, then in ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE
 * and AWS_CONFIG_FILE move them).  None: requests go unsigned (a public
 * bucket), and a refusal says no credentials were found.
 * Region: AWS_REGION, AWS_DEFAULT_REGION, the option region=, the
 * profile's region, else us-east-1.
 * Endpoint: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the option endpoint=,
 * the profile's endpoint_url, else https://s3.REGION.amazonaws.com.
 * Addressing: the option addressing=path|virtual; by default virtual-host
 * (https://BUCKET.s3...) on AWS, path (ENDPOINT/BUCKET/KEY) on any other
 * endpoint, and path for a bucket name with a dot.
 * Secrets stay in struct rq_auth: no message, trace or URL holds them.
 */
#ifndef MMIO_REMOTE_S3_H
#define MMIO_REMOTE_S3_H

#include "request.h"

struct s3 {
    char endpoint[400]; /* scheme://host[:port], no trailing '/' */
    char region[64];
    int path_style;
    int signed_; /* credentials were found */
    struct rq_auth auth;
};

/* Reads the configuration as said above: 0, or -1 with a message. */
int s3_config(struct s3 *cfg);

/* Splits "s3://BUCKET/KEY": 0 with both malloc'd, or -1 (a name without
 * a bucket or a key). */
int s3_split(const char *name, char **bucket, char **key);

/* The https URL of BUCKET/KEY, the key percent-encoded as S3 signs it,
 * then query (e.g. "?uploads=", or ""): malloc'd. */
char *s3_url(const struct s3 *cfg, const char *bucket, const char *key,
             const char *query);

/* The x-amz-copy-source header for BUCKET/KEY (malloc'd). */
char *s3_copy_source(const char *bucket, const char *key);

#endif /* MMIO_REMOTE_S3_H */
