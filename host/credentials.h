/*
 * AWS credentials, region and endpoint, resolved the way the AWS SDKs do.
 *
 * Credentials come from the first source that provides them:
 *   1. command-line options (struct aws_options);
 *   2. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 *      AWS_SESSION_TOKEN (skipped when --profile is given, as the AWS CLI
 *      does, so an explicit profile is never shadowed);
 *   3. the profile (--profile, AWS_PROFILE, else "default") in the shared
 *      credentials file and the config file: static keys or
 *      credential_process;
 *   4. container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
 *      AWS_CONTAINER_CREDENTIALS_FULL_URI), as ECS and EKS Pod Identity
 *      serve them.
 * Environment variables are read with secure_getenv, and an empty value
 * counts as unset. A config is not thread-safe: use it from one thread.
 */
#ifndef SCHEMAREG_CREDENTIALS_H
#define SCHEMAREG_CREDENTIALS_H

#include <stddef.h>
#include <time.h>

#include "sigv4.h"

/* What the command line gives; every field may be NULL. */
struct aws_options {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
    const char *profile;
    const char *region;
    const char *endpoint_url;
};

/* Credentials owned by their holder; every string is wiped on clear.
 * expiration is 0 for credentials that never expire. */
struct aws_owned_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;
    time_t expiration;
};

/* Wipes and frees the strings and zeroes the struct. */
void aws_owned_credentials_clear(struct aws_owned_credentials *creds);

/* Temporary credentials are refreshed when they expire within this many
 * seconds. */
#define AWS_CREDENTIALS_REFRESH_WINDOW 300

struct aws_config;

/* Resolves region and endpoint and prepares the credentials chain.
 * Returns NULL with a message in err naming the file, line or profile. */
struct aws_config *aws_config_resolve(const struct aws_options *options,
                                      char *err, size_t err_len);
void aws_config_free(struct aws_config *config);

const char *aws_config_region(const struct aws_config *config);
/* e.g. https://dynamodb.us-east-1.amazonaws.com or http://127.0.0.1:8000,
 * without a trailing slash */
const char *aws_config_endpoint(const struct aws_config *config);
/* AWS_CA_BUNDLE or the profile's ca_bundle, or NULL */
const char *aws_config_ca_bundle(const struct aws_config *config);

/* Fills creds with current credentials, refreshing temporary ones that
 * expire within AWS_CREDENTIALS_REFRESH_WINDOW seconds. When a refresh
 * fails while the current credentials are still valid, they are kept and
 * a warning is logged. The strings stay valid until the next call or
 * aws_config_free. Returns 0, or -1 with a message in err. */
int aws_config_credentials(struct aws_config *config, time_t now,
                           struct sigv4_credentials *creds,
                           char *err, size_t err_len);

/* Where the credentials, region and endpoint come from, e.g.
 * "environment", "profile dev in /home/u/.aws/credentials",
 * "credential_process of profile dev". Never contains secrets. */
const char *aws_config_credentials_source(const struct aws_config *config);
const char *aws_config_region_source(const struct aws_config *config);
const char *aws_config_endpoint_source(const struct aws_config *config);

/* Writes one line for debug logs: each resolved value and its source.
 * Never contains secrets. Returns buf. */
const char *aws_config_describe(const struct aws_config *config,
                                char *buf, size_t buf_len);

#endif
