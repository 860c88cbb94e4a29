#include "container_credentials.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "aws_env.h"
#include "credentials_json.h"
#include "log.h"
#include "regular_file.h"

#define MAX_TOKEN_FILE_SIZE (16 * 1024)

static void free_secret(char *text)
{
    if (text == NULL)
        return;
    OPENSSL_cleanse(text, strlen(text));
    free(text);
}

void container_credentials_source_free(struct container_source *source)
{
    free(source->url);
    free_secret(source->token);
    free(source->token_file);
    *source = (struct container_source){0};
}

/* True for 127.0.0.0/8, ::1, localhost and the ECS and EKS addresses. */
static bool http_host_allowed(const char *host)
{
    static const char *const named[] = {
        "localhost", "169.254.170.2", "169.254.170.23",
    };
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        if (strcasecmp(host, named[i]) == 0)
            return true;
    }

    struct in_addr v4;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;

    char bare[INET6_ADDRSTRLEN];
    size_t len = strlen(host);
    if (len < 3 || host[0] != '[' || host[len - 1] != ']' || len - 2 >= sizeof(bare))
        return false;
    memcpy(bare, host + 1, len - 2);
    bare[len - 2] = '\0';

    struct in6_addr v6;
    struct in6_addr eks;
    inet_pton(AF_INET6, "fd00:ec2::23", &eks);
    if (inet_pton(AF_INET6, bare, &v6) != 1)
        return false;
    return IN6_IS_ADDR_LOOPBACK(&v6) || memcmp(&v6, &eks, sizeof(v6)) == 0;
}

static int check_parsed_url(CURLU *parsed, const char *url, char *err, size_t err_len)
{
    char *scheme = NULL;
    char *host = NULL;
    int rc = -1;

    if (curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
        snprintf(err, err_len, "AWS_CONTAINER_CREDENTIALS_FULL_URI %s has no host", url);
        goto cleanup;
    }
    if (strcasecmp(scheme, "https") == 0) {
        rc = 0;
        goto cleanup;
    }
    if (strcasecmp(scheme, "http") != 0) {
        snprintf(err, err_len, "AWS_CONTAINER_CREDENTIALS_FULL_URI %s must use https, "
                 "or http to a loopback address", url);
        goto cleanup;
    }
    if (!http_host_allowed(host)) {
        snprintf(err, err_len, "AWS_CONTAINER_CREDENTIALS_FULL_URI %s uses http to %s; "
                 "plain http is allowed only to a loopback address or the ECS and EKS "
                 "credential addresses, so use https", url, host);
        goto cleanup;
    }
    rc = 0;

cleanup:
    curl_free(scheme);
    curl_free(host);
    return rc;
}

int container_credentials_check_url(const char *url, char *err, size_t err_len)
{
    CURLU *parsed = curl_url();
    if (parsed == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }

    int rc = -1;
    if (curl_url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK)
        snprintf(err, err_len, "AWS_CONTAINER_CREDENTIALS_FULL_URI %s is not a valid URL",
                 url);
    else
        rc = check_parsed_url(parsed, url, err, err_len);
    curl_url_cleanup(parsed);
    return rc;
}

static char *build_url(char *err, size_t err_len)
{
    const char *relative = aws_env_get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    if (relative != NULL) {
        if (relative[0] != '/' || strpbrk(relative, " \t\r\n") != NULL) {
            snprintf(err, err_len, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI %s must be a "
                     "path starting with '/' and without whitespace", relative);
            return NULL;
        }
        size_t len = strlen(CONTAINER_CREDENTIALS_ECS_ORIGIN) + strlen(relative) + 1;
        char *url = malloc(len);
        if (url != NULL)
            snprintf(url, len, "%s%s", CONTAINER_CREDENTIALS_ECS_ORIGIN, relative);
        else
            snprintf(err, err_len, "out of memory");
        return url;
    }

    const char *full = aws_env_get("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (container_credentials_check_url(full, err, err_len) < 0)
        return NULL;
    char *url = strdup(full);
    if (url == NULL)
        snprintf(err, err_len, "out of memory");
    return url;
}

int container_credentials_from_env(struct container_source *source,
                                   char *err, size_t err_len)
{
    *source = (struct container_source){0};
    if (aws_env_get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") == NULL &&
        aws_env_get("AWS_CONTAINER_CREDENTIALS_FULL_URI") == NULL)
        return 0;

    source->url = build_url(err, err_len);
    if (source->url == NULL)
        goto fail;

    const char *token_file = aws_env_get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *token = aws_env_get("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    if (token_file != NULL) {
        source->token_file = strdup(token_file);
        if (source->token_file == NULL)
            goto out_of_memory;
    } else if (token != NULL) {
        source->token = strdup(token);
        if (source->token == NULL)
            goto out_of_memory;
    }
    return 1;

out_of_memory:
    snprintf(err, err_len, "out of memory");
fail:
    container_credentials_source_free(source);
    return -1;
}

/* Reads the token file, without trailing whitespace. */
static char *read_token_file(const char *path, char *err, size_t err_len)
{
    char reason[128];
    int fd;
    int found = regular_file_open(path, &fd, reason, sizeof(reason));
    if (found != 0) {
        if (found == 1)
            snprintf(reason, sizeof(reason), "does not exist");
        snprintf(err, err_len, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s %s; set it to the "
                 "token file", path, reason);
        return NULL;
    }
    FILE *file = fdopen(fd, "rb");
    if (file == NULL) {
        snprintf(err, err_len, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s",
                 path, strerror(errno));
        close(fd);
        return NULL;
    }

    char *token = calloc(1, MAX_TOKEN_FILE_SIZE + 1);
    size_t len = 0;
    if (token != NULL)
        len = fread(token, 1, MAX_TOKEN_FILE_SIZE, file);
    bool failed = token == NULL || ferror(file);
    fclose(file);
    if (failed) {
        snprintf(err, err_len, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s", path);
        free_secret(token);
        return NULL;
    }

    while (len > 0 && strchr(" \t\r\n", token[len - 1]) != NULL)
        token[--len] = '\0';
    if (len == 0) {
        snprintf(err, err_len, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s is empty", path);
        free_secret(token);
        return NULL;
    }
    return token;
}

/* Builds "Authorization: TOKEN", or NULL header when there is no token. */
static int authorization_header(const struct container_source *source, char **header,
                                char *err, size_t err_len)
{
    *header = NULL;
    char *token = NULL;
    if (source->token_file != NULL) {
        token = read_token_file(source->token_file, err, err_len);
        if (token == NULL)
            return -1;
    } else if (source->token != NULL) {
        token = strdup(source->token);
    } else {
        return 0;
    }

    int rc = -1;
    if (token == NULL) {
        snprintf(err, err_len, "out of memory");
        goto cleanup;
    }
    if (strpbrk(token, "\r\n") != NULL) {
        snprintf(err, err_len, "the container authorization token contains a line break, "
                 "which is not allowed in an HTTP header");
        goto cleanup;
    }
    size_t len = strlen("Authorization: ") + strlen(token) + 1;
    *header = malloc(len);
    if (*header == NULL) {
        snprintf(err, err_len, "out of memory");
        goto cleanup;
    }
    snprintf(*header, len, "Authorization: %s", token);
    rc = 0;

cleanup:
    free_secret(token);
    return rc;
}

struct response {
    char data[CONTAINER_CREDENTIALS_MAX_RESPONSE];
    size_t len;
    bool too_large;
};

static size_t write_body(char *chunk, size_t size, size_t count, void *context)
{
    struct response *response = context;
    size_t len = size * count;
    if (len > sizeof(response->data) - response->len) {
        response->too_large = true;
        return 0;
    }
    memcpy(response->data + response->len, chunk, len);
    response->len += len;
    return len;
}

static void set_options(CURL *curl, const char *url, const char *ca_bundle,
                        struct curl_slist *headers, struct response *response)
{
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, response);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, CONTAINER_CREDENTIALS_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, CONTAINER_CREDENTIALS_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    /* Plain http goes only to loopback or link-local addresses, which no
     * proxy can reach. */
    if (strncasecmp(url, "http:", 5) == 0)
        curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    if (ca_bundle != NULL)
        curl_easy_setopt(curl, CURLOPT_CAINFO, ca_bundle);
}

/* Appends the server's "message" field, when the error body has one. */
static void describe_http_error(const char *url, long status, const struct response *response,
                                char *err, size_t err_len)
{
    json_t *body = json_loadb(response->data, response->len, 0, NULL);
    const char *message = json_string_value(json_object_get(body, "message"));
    if (message != NULL)
        snprintf(err, err_len, "container credentials endpoint %s returned HTTP %ld: %.200s",
                 url, status, message);
    else
        snprintf(err, err_len, "container credentials endpoint %s returned HTTP %ld",
                 url, status);
    json_decref(body);
}

/* One request. Returns 0, 1 when a retry may succeed, or -1. */
static int request_once(CURL *curl, const char *url, struct response *response,
                        char *err, size_t err_len)
{
    char curl_error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    response->len = 0;
    response->too_large = false;

    CURLcode code = curl_easy_perform(curl);
    if (response->too_large) {
        snprintf(err, err_len, "container credentials endpoint %s returned more than %d bytes",
                 url, CONTAINER_CREDENTIALS_MAX_RESPONSE);
        return -1;
    }
    if (code != CURLE_OK) {
        snprintf(err, err_len, "container credentials endpoint %s: %s", url,
                 curl_error[0] != '\0' ? curl_error : curl_easy_strerror(code));
        return 1;
    }

    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200)
        return 0;
    describe_http_error(url, status, response, err, err_len);
    return status >= 500 ? 1 : -1;
}

static int request_with_retries(CURL *curl, const char *url, struct response *response,
                                char *err, size_t err_len)
{
    for (int attempt = 1;; attempt++) {
        int rc = request_once(curl, url, response, err, err_len);
        if (rc <= 0 || attempt == CONTAINER_CREDENTIALS_MAX_ATTEMPTS)
            return rc == 0 ? 0 : -1;
        log_debug("%s; retrying (attempt %d of %d)", err, attempt + 1,
                  CONTAINER_CREDENTIALS_MAX_ATTEMPTS);
        usleep(100000u * (unsigned)attempt);
    }
}

static int parse_response(const char *url, const struct response *response, time_t now,
                          struct aws_owned_credentials *out, char *err, size_t err_len)
{
    static const struct credentials_json_format format = {
        .token_key = "Token",
        .require_version = false,
    };
    char reason[256];

    if (credentials_json_parse(response->data, response->len, &format, out,
                               reason, sizeof(reason)) < 0) {
        snprintf(err, err_len, "container credentials endpoint %s returned bad credentials: %s",
                 url, reason);
        return -1;
    }
    if (out->expiration != 0 && out->expiration <= now) {
        char when[32];
        credentials_json_format_time(out->expiration, when, sizeof(when));
        snprintf(err, err_len, "container credentials endpoint %s returned credentials that "
                 "expired at %s; check the system clock", url, when);
        aws_owned_credentials_clear(out);
        return -1;
    }
    return 0;
}

int container_credentials_fetch(const struct container_source *source,
                                const char *ca_bundle, time_t now,
                                struct aws_owned_credentials *out,
                                char *err, size_t err_len)
{
    int rc = -1;
    char *authorization = NULL;
    struct curl_slist *headers = NULL;
    struct response *response = NULL;
    CURL *curl = NULL;

    if (authorization_header(source, &authorization, err, err_len) < 0)
        goto cleanup;

    response = calloc(1, sizeof(*response));
    curl = curl_easy_init();
    headers = curl_slist_append(NULL, "Accept: application/json");
    if (response == NULL || curl == NULL || headers == NULL) {
        snprintf(err, err_len, "container credentials: out of memory");
        goto cleanup;
    }
    if (authorization != NULL) {
        struct curl_slist *appended = curl_slist_append(headers, authorization);
        if (appended == NULL) {
            snprintf(err, err_len, "container credentials: out of memory");
            goto cleanup;
        }
        headers = appended;
    }

    set_options(curl, source->url, ca_bundle, headers, response);
    if (request_with_retries(curl, source->url, response, err, err_len) < 0)
        goto cleanup;
    if (parse_response(source->url, response, now, out, err, err_len) < 0)
        goto cleanup;
    rc = 0;

cleanup:
    curl_easy_cleanup(curl);
    for (struct curl_slist *item = headers; item != NULL; item = item->next)
        OPENSSL_cleanse(item->data, strlen(item->data));
    curl_slist_free_all(headers);
    free_secret(authorization);
    if (response != NULL) {
        OPENSSL_cleanse(response, sizeof(*response));
        free(response);
    }
    return rc;
}
