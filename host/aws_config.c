/* Resolution of the whole AWS configuration and its accessors. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws_config_internal.h"
#include "aws_env.h"
#include "regular_file.h"

int aws_config_set(char **field, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *text = NULL;
    int rc = vasprintf(&text, fmt, args);
    va_end(args);
    if (rc < 0)
        return -1;
    free(*field);
    *field = text;
    return 0;
}

/* --profile, AWS_PROFILE, else "default". */
static int choose_profile(struct aws_config *config, const struct aws_options *options,
                          bool *explicit)
{
    const char *profile = options->profile;
    if (profile == NULL || profile[0] == '\0')
        profile = aws_env_get("AWS_PROFILE");
    *explicit = profile != NULL;
    return aws_config_set(&config->profile, "%s", profile != NULL ? profile : "default");
}

static int resolve_ca_bundle(struct aws_config *config, const struct aws_profile_files *files,
                             char *err, size_t err_len)
{
    const char *origin = "AWS_CA_BUNDLE";
    const struct aws_ini *file = NULL;
    const char *path = aws_env_get("AWS_CA_BUNDLE");
    if (path == NULL) {
        path = aws_profile_get(files, config->profile, "ca_bundle", &file);
        origin = "ca_bundle";
    }
    if (path == NULL)
        return 0;

    /* Opened without blocking, so a FIFO cannot stall the run here or in
     * libcurl later. */
    char reason[128];
    int fd;
    int found = regular_file_open(path, &fd, reason, sizeof(reason));
    if (found != 0) {
        if (found == 1)
            snprintf(reason, sizeof(reason), "does not exist");
        snprintf(err, err_len, "%s %s%s%s %s; set it to a readable PEM file of CA "
                 "certificates", origin, path, file != NULL ? " in " : "",
                 file != NULL ? aws_ini_path(file) : "", reason);
        return -1;
    }
    close(fd);
    if (aws_config_set(&config->ca_bundle, "%s", path) < 0) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    return 0;
}

struct aws_config *aws_config_resolve(const struct aws_options *options,
                                      char *err, size_t err_len)
{
    struct aws_profile_files files = {0};
    bool explicit_profile = false;
    struct aws_config *config = calloc(1, sizeof(*config));
    if (config == NULL || choose_profile(config, options, &explicit_profile) < 0) {
        snprintf(err, err_len, "out of memory");
        goto fail;
    }

    if (aws_profile_files_load(&files, err, err_len) < 0)
        goto fail;
    if (explicit_profile && !aws_profile_exists(&files, config->profile)) {
        aws_profile_not_found(&files, config->profile, err, err_len);
        goto fail;
    }

    bool profile_from_option = options->profile != NULL && options->profile[0] != '\0';
    if (aws_endpoint_resolve_region(config, options, &files, err, err_len) < 0 ||
        aws_endpoint_resolve_url(config, options, &files, err, err_len) < 0 ||
        resolve_ca_bundle(config, &files, err, err_len) < 0 ||
        credentials_select(config, options, &files, profile_from_option, err, err_len) < 0)
        goto fail;

    aws_profile_files_free(&files);
    return config;

fail:
    aws_profile_files_free(&files);
    aws_config_free(config);
    return NULL;
}

void aws_config_free(struct aws_config *config)
{
    if (config == NULL)
        return;
    aws_owned_credentials_clear(&config->current);
    container_credentials_source_free(&config->container);
    free(config->region);
    free(config->region_source);
    free(config->endpoint);
    free(config->endpoint_source);
    free(config->ca_bundle);
    free(config->credentials_source);
    free(config->credentials_missing);
    free(config->profile);
    free(config->process_command);
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
    return config->ca_bundle;
}

const char *aws_config_region_source(const struct aws_config *config)
{
    return config->region_source;
}

const char *aws_config_endpoint_source(const struct aws_config *config)
{
    return config->endpoint_source;
}

const char *aws_config_describe(const struct aws_config *config, char *buf, size_t buf_len)
{
    snprintf(buf, buf_len, "credentials from %s; region %s from %s; endpoint %s from %s%s%s",
             config->credentials_source, config->region, config->region_source,
             config->endpoint, config->endpoint_source,
             config->ca_bundle != NULL ? "; CA bundle " : "",
             config->ca_bundle != NULL ? config->ca_bundle : "");
    return buf;
}
