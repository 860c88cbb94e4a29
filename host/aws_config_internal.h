/* The resolved configuration, shared by the files that fill it. */
#ifndef SCHEMAREG_AWS_CONFIG_INTERNAL_H
#define SCHEMAREG_AWS_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <time.h>

#include "aws_profile.h"
#include "container_credentials.h"
#include "credentials.h"

enum aws_credentials_kind {
    AWS_CREDENTIALS_NONE,
    AWS_CREDENTIALS_STATIC,
    AWS_CREDENTIALS_PROCESS,
    AWS_CREDENTIALS_CONTAINER,
};

struct aws_config {
    char *region;
    char *region_source;
    char *endpoint;
    char *endpoint_source;
    char *ca_bundle;

    enum aws_credentials_kind kind;
    char *credentials_source;
    char *credentials_missing;               /* the error for AWS_CREDENTIALS_NONE */
    struct aws_owned_credentials current;   /* static, or the last fetched */
    char *profile;
    char *process_command;                   /* for AWS_CREDENTIALS_PROCESS */
    int process_timeout_ms;
    struct container_source container;       /* for AWS_CREDENTIALS_CONTAINER */
    bool fetch_attempted;
    time_t last_fetch_attempt;
};

/* Sets a string field to a formatted copy. Returns 0, or -1 when out of
 * memory. */
int aws_config_set(char **field, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Chooses the credentials source (see credentials.h) and copies static
 * keys. profile_from_option is true when --profile named the profile,
 * which skips the environment keys. Returns 0, or -1 with a message. */
int credentials_select(struct aws_config *config, const struct aws_options *options,
                       const struct aws_profile_files *files, bool profile_from_option,
                       char *err, size_t err_len);

/* Region, then endpoint (which needs the region). Return 0, or -1 with a
 * message. */
int aws_endpoint_resolve_region(struct aws_config *config, const struct aws_options *options,
                                const struct aws_profile_files *files,
                                char *err, size_t err_len);
int aws_endpoint_resolve_url(struct aws_config *config, const struct aws_options *options,
                             const struct aws_profile_files *files,
                             char *err, size_t err_len);

/* Checks an endpoint URL (http or https, a host, no user, query or
 * fragment) and returns a copy without trailing slashes, or NULL with a
 * message that names origin, e.g. "AWS_ENDPOINT_URL". */
char *aws_endpoint_normalize(const char *url, const char *origin, char *err, size_t err_len);

/* Writes https://dynamodb.REGION.amazonaws.com (.amazonaws.com.cn for
 * cn- regions) into buf. */
void aws_endpoint_default(const char *region, char *buf, size_t buf_len);

#endif
