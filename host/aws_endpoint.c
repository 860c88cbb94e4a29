/* Region and endpoint resolution. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "aws_config_internal.h"
#include "aws_env.h"

#define DYNAMODB_SERVICE_ID "dynamodb"

/* A region is one DNS label: letters, digits and inner hyphens. */
static bool region_valid(const char *region)
{
    size_t len = strlen(region);
    if (len == 0 || len > 63 || region[0] == '-' || region[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!isalnum((unsigned char)region[i]) && region[i] != '-')
            return false;
    }
    return true;
}

/* Writes the config file section a profile's settings go in. */
static void profile_section_label(const char *profile, char *buf, size_t buf_len)
{
    if (strcmp(profile, "default") == 0)
        snprintf(buf, buf_len, "[default]");
    else
        snprintf(buf, buf_len, "[profile %s]", profile);
}

int aws_endpoint_resolve_region(struct aws_config *config, const struct aws_options *options,
                                const struct aws_profile_files *files,
                                char *err, size_t err_len)
{
    const char *region = NULL;
    int rc = 0;
    const struct aws_ini *file = NULL;

    if (options->region != NULL && options->region[0] != '\0') {
        region = options->region;
        rc = aws_config_set(&config->region_source, "command-line option --region");
    } else if ((region = aws_env_get("AWS_REGION")) != NULL) {
        rc = aws_config_set(&config->region_source, "AWS_REGION");
    } else if ((region = aws_env_get("AWS_DEFAULT_REGION")) != NULL) {
        rc = aws_config_set(&config->region_source, "AWS_DEFAULT_REGION");
    } else if ((region = aws_profile_get(files, config->profile, "region", &file)) != NULL) {
        rc = aws_config_set(&config->region_source, "profile %s in %s", config->profile,
                            aws_ini_path(file));
    } else {
        char section[300];
        profile_section_label(config->profile, section, sizeof(section));
        snprintf(err, err_len, "no AWS region set; pass --region, set AWS_REGION, or add "
                 "\"region = us-east-1\" (your region) to %s in %s%s", section,
                 aws_ini_path(files->config),
                 aws_ini_exists(files->config) ? "" : " (file not found)");
        return -1;
    }
    if (rc < 0 || aws_config_set(&config->region, "%s", region) < 0) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }

    if (!region_valid(region)) {
        snprintf(err, err_len, "invalid region '%s' from %s; a region is a name such as "
                 "us-east-1", region, config->region_source);
        return -1;
    }
    return 0;
}

/* NOTE: FIPS and dual-stack endpoints (AWS_USE_FIPS_ENDPOINT,
 * AWS_USE_DUALSTACK_ENDPOINT) are not derived; pass them as endpoint URLs. */
void aws_endpoint_default(const char *region, char *buf, size_t buf_len)
{
    const char *suffix = strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
    snprintf(buf, buf_len, "https://%s.%s.%s", DYNAMODB_SERVICE_ID, region, suffix);
}

static int check_url_parts(CURLU *parsed, const char *url, const char *origin,
                           char *err, size_t err_len)
{
    char *scheme = NULL;
    char *host = NULL;
    char *part = NULL;
    int rc = -1;

    if (curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
        snprintf(err, err_len, "endpoint URL '%s' from %s must start with https:// or http://",
                 url, origin);
        goto cleanup;
    }
    if (curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
        snprintf(err, err_len, "endpoint URL '%s' from %s has no host", url, origin);
        goto cleanup;
    }
    if (curl_url_get(parsed, CURLUPART_USER, &part, 0) == CURLUE_OK) {
        snprintf(err, err_len, "endpoint URL from %s must not contain a user name or "
                 "password", origin);
        goto cleanup;
    }
    if (curl_url_get(parsed, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK) {
        snprintf(err, err_len, "endpoint URL '%s' from %s must not have a query or fragment",
                 url, origin);
        goto cleanup;
    }
    rc = 0;

cleanup:
    curl_free(scheme);
    curl_free(host);
    curl_free(part);
    return rc;
}

char *aws_endpoint_normalize(const char *url, const char *origin, char *err, size_t err_len)
{
    CURLU *parsed = curl_url();
    if (parsed == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }

    char *normalized = NULL;
    if (curl_url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK) {
        snprintf(err, err_len, "endpoint URL '%s' from %s is not a valid URL; expected "
                 "e.g. https://dynamodb.us-east-1.amazonaws.com or http://127.0.0.1:8000",
                 url, origin);
        goto cleanup;
    }
    if (check_url_parts(parsed, url, origin, err, err_len) < 0)
        goto cleanup;

    normalized = strdup(url);
    if (normalized == NULL) {
        snprintf(err, err_len, "out of memory");
        goto cleanup;
    }
    size_t len = strlen(normalized);
    while (len > 0 && normalized[len - 1] == '/')
        normalized[--len] = '\0';

cleanup:
    curl_url_cleanup(parsed);
    return normalized;
}

static bool is_true(const char *value)
{
    return value != NULL && strcasecmp(value, "true") == 0;
}

/* The configured endpoint and where it came from, or NULL for the default.
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the profile's
 * ignore_configured_endpoint_urls) skips all but --endpoint-url. */
static const char *configured_endpoint(const struct aws_config *config,
                                       const struct aws_options *options,
                                       const struct aws_profile_files *files,
                                       char *origin, size_t origin_len)
{
    const char *profile = config->profile;
    const struct aws_ini *file = NULL;
    const char *url;

    if (options->endpoint_url != NULL && options->endpoint_url[0] != '\0') {
        snprintf(origin, origin_len, "command-line option --endpoint-url");
        return options->endpoint_url;
    }
    const char *ignore = aws_env_get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    if (ignore == NULL)
        ignore = aws_profile_get(files, profile, "ignore_configured_endpoint_urls", NULL);
    if (is_true(ignore))
        return NULL;

    if ((url = aws_env_get("AWS_ENDPOINT_URL_DYNAMODB")) != NULL) {
        snprintf(origin, origin_len, "AWS_ENDPOINT_URL_DYNAMODB");
        return url;
    }
    if ((url = aws_env_get("AWS_ENDPOINT_URL")) != NULL) {
        snprintf(origin, origin_len, "AWS_ENDPOINT_URL");
        return url;
    }
    url = aws_profile_service_get(files, profile, DYNAMODB_SERVICE_ID, "endpoint_url");
    if (url != NULL) {
        snprintf(origin, origin_len, "services section %s of profile %s in %s",
                 aws_profile_get(files, profile, "services", NULL), profile,
                 aws_ini_path(files->config));
        return url;
    }
    if ((url = aws_profile_get(files, profile, "endpoint_url", &file)) != NULL) {
        snprintf(origin, origin_len, "profile %s in %s", profile, aws_ini_path(file));
        return url;
    }
    return NULL;
}

int aws_endpoint_resolve_url(struct aws_config *config, const struct aws_options *options,
                             const struct aws_profile_files *files,
                             char *err, size_t err_len)
{
    char origin[1024];
    const char *url = configured_endpoint(config, options, files, origin, sizeof(origin));

    if (url == NULL) {
        char buf[256];
        aws_endpoint_default(config->region, buf, sizeof(buf));
        if (aws_config_set(&config->endpoint, "%s", buf) < 0 ||
            aws_config_set(&config->endpoint_source, "default for region %s",
                           config->region) < 0)
            goto out_of_memory;
        return 0;
    }

    config->endpoint = aws_endpoint_normalize(url, origin, err, err_len);
    if (config->endpoint == NULL)
        return -1;
    if (aws_config_set(&config->endpoint_source, "%s", origin) < 0)
        goto out_of_memory;
    return 0;

out_of_memory:
    snprintf(err, err_len, "out of memory");
    return -1;
}
