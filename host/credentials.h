/*
 * AWS credentials, region and endpoint, resolved the way the AWS SDKs do.
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

struct aws_config;

/* Resolves region and endpoint and prepares the credentials chain.
 * Returns NULL with a message in err naming the file, line or profile. */
struct aws_config *aws_config_resolve(const struct aws_options *options,
                                      char *err, size_t err_len);
void aws_config_free(struct aws_config *config);

const char *aws_config_region(const struct aws_config *config);
/* e.g. https://dynamodb.us-east-1.amazonaws.com or http://127.0.0.1:8000 */
const char *aws_config_endpoint(const struct aws_config *config);
/* AWS_CA_BUNDLE, or NULL */
const char *aws_config_ca_bundle(const struct aws_config *config);

/* Fills creds with current credentials, refreshing temporary ones that
 * expire within five minutes. The strings stay valid until the next call
 * or aws_config_free. Returns 0, or -1 with a message in err. */
int aws_config_credentials(struct aws_config *config, time_t now,
                           struct sigv4_credentials *creds,
                           char *err, size_t err_len);

#endif
