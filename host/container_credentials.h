/*
 * Container credentials, as ECS tasks and EKS Pod Identity serve them: an
 * HTTP GET that returns {"AccessKeyId", "SecretAccessKey", "Token",
 * "Expiration"}.
 *
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is resolved against
 * http://169.254.170.2 and wins over AWS_CONTAINER_CREDENTIALS_FULL_URI.
 * A full URI must use https, or http to a loopback address or to the ECS
 * and EKS credential addresses (169.254.170.2, 169.254.170.23,
 * fd00:ec2::23), the hosts the AWS SDKs accept. The Authorization header
 * comes from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, read again on every
 * request because EKS rotates it, else AWS_CONTAINER_AUTHORIZATION_TOKEN.
 */
#ifndef SCHEMAREG_CONTAINER_CREDENTIALS_H
#define SCHEMAREG_CONTAINER_CREDENTIALS_H

#include <stddef.h>
#include <time.h>

#include "credentials.h"

#define CONTAINER_CREDENTIALS_ECS_ORIGIN "http://169.254.170.2"
#define CONTAINER_CREDENTIALS_CONNECT_TIMEOUT_MS 2000L
#define CONTAINER_CREDENTIALS_TIMEOUT_MS 5000L
/* Attempts per fetch; transport errors and HTTP 5xx are retried. */
#define CONTAINER_CREDENTIALS_MAX_ATTEMPTS 3
#define CONTAINER_CREDENTIALS_MAX_RESPONSE (64 * 1024)

struct container_source {
    char *url;
    char *token;        /* AWS_CONTAINER_AUTHORIZATION_TOKEN, or NULL */
    char *token_file;   /* AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, or NULL */
};

/* Fills source from the environment without contacting anything. Returns
 * 1 when container credentials are configured, 0 when not, or -1 with a
 * message in err (for example a full URI that is not allowed). */
int container_credentials_from_env(struct container_source *source,
                                   char *err, size_t err_len);

/* Wipes the token and frees the strings. */
void container_credentials_source_free(struct container_source *source);

/* Checks that a full URI may be used (see above). Returns 0 or -1. */
int container_credentials_check_url(const char *url, char *err, size_t err_len);

/* Requests credentials from source->url. ca_bundle may be NULL.
 * Credentials that have expired at now are rejected. Returns 0, or -1
 * with a message in err that names the URL. */
int container_credentials_fetch(const struct container_source *source,
                                const char *ca_bundle, time_t now,
                                struct aws_owned_credentials *out,
                                char *err, size_t err_len);

#endif
