/*
 * Stand-ins for the SigV4 signer and the credentials chain, so that the
 * DynamoDB client tests link before those modules exist. DynamoDB Local and
 * dynalite check the form of the Authorization header, not the signature.
 * TODO: delete this file once host/sigv4.c and host/credentials.c exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "credentials.h"
#include "sigv4.h"

struct sigv4_signer {
    int unused;
};

struct sigv4_signer *sigv4_signer_new(void)
{
    return calloc(1, sizeof(struct sigv4_signer));
}

void sigv4_signer_free(struct sigv4_signer *signer)
{
    free(signer);
}

int sigv4_sign_headers(struct sigv4_signer *signer, const struct sigv4_credentials *creds,
                       const struct sigv4_params *params, const struct sigv4_request *request,
                       struct sigv4_signed_headers *out, char *err, size_t err_len)
{
    (void)signer;
    (void)request;
    (void)err;
    (void)err_len;

    struct tm utc;
    gmtime_r(&params->time, &utc);
    memset(out, 0, sizeof(*out));
    strftime(out->x_amz_date, sizeof(out->x_amz_date), "%Y%m%dT%H%M%SZ", &utc);
    snprintf(out->authorization, sizeof(out->authorization),
             "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, "
             "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=%064d",
             creds->access_key_id, out->x_amz_date, params->region, params->service, 0);
    return 0;
}

struct aws_config {
    char *region;
    char *endpoint;
    const char *access_key_id;
    const char *secret_access_key;
};

static const char *env_or(const char *name, const char *fallback)
{
    const char *value = getenv(name);
    return value != NULL && value[0] != '\0' ? value : fallback;
}

struct aws_config *aws_config_resolve(const struct aws_options *options, char *err,
                                      size_t err_len)
{
    struct aws_config *config = calloc(1, sizeof(*config));
    if (config == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    const char *region = options->region != NULL ? options->region
                                                 : env_or("AWS_REGION", "us-east-1");
    config->region = strdup(region);
    config->endpoint = strdup(options->endpoint_url != NULL ? options->endpoint_url
                                                            : "http://127.0.0.1:8000");
    config->access_key_id = env_or("AWS_ACCESS_KEY_ID", "AKIASCHEMAREGTEST");
    config->secret_access_key = env_or("AWS_SECRET_ACCESS_KEY", "schemaregtestsecretkey");
    return config;
}

void aws_config_free(struct aws_config *config)
{
    if (config == NULL)
        return;
    free(config->region);
    free(config->endpoint);
    free(config);
}

const char *aws_config_region(const struct aws_config *config)
{
    return config->region;
}

const char *aws_config_endpoint(const struct aws_config *config)
{
    return config->endpoint;
}

const char *aws_config_ca_bundle(const struct aws_config *config)
{
    (void)config;
    return NULL;
}

int aws_config_credentials(struct aws_config *config, time_t now,
                           struct sigv4_credentials *creds, char *err, size_t err_len)
{
    (void)now;
    (void)err;
    (void)err_len;
    creds->access_key_id = config->access_key_id;
    creds->secret_access_key = config->secret_access_key;
    creds->session_token = NULL;
    return 0;
}
