#include "http_client.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct http_client {
    CURL *curl;
    long connections;
};

static size_t write_body(char *data, size_t size, size_t count, void *user)
{
    struct http_response *response = user;
    size_t len = size * count;
    size_t needed = response->body_len + len + 1;

    if (needed > HTTP_MAX_BODY) {
        response->body_too_large = true;
        return 0;
    }
    if (needed > response->body_capacity) {
        size_t capacity = response->body_capacity > 0 ? response->body_capacity : 4096;
        while (capacity < needed)
            capacity *= 2;
        char *grown = realloc(response->body, capacity);
        if (grown == NULL)
            return 0;
        response->body = grown;
        response->body_capacity = capacity;
    }

    memcpy(response->body + response->body_len, data, len);
    response->body_len += len;
    response->body[response->body_len] = '\0';
    return len;
}

/* Copies the value of header line "Name: value\r\n" into out when its name
 * is name. */
static bool header_value(const char *line, size_t len, const char *name,
                         char *out, size_t out_len)
{
    size_t name_len = strlen(name);

    if (len <= name_len || line[name_len] != ':' || strncasecmp(line, name, name_len) != 0)
        return false;

    const char *value = line + name_len + 1;
    const char *end = line + len;
    while (value < end && isspace((unsigned char)*value))
        value++;
    while (end > value && isspace((unsigned char)end[-1]))
        end--;

    size_t value_len = (size_t)(end - value);
    if (value_len >= out_len)
        value_len = out_len - 1;
    memcpy(out, value, value_len);
    out[value_len] = '\0';
    return true;
}

static size_t read_header(char *line, size_t size, size_t count, void *user)
{
    struct http_response *response = user;
    size_t len = size * count;
    char crc32_text[32];

    /* A status line starts a new header block (after "100 Continue"), so
     * the values of the previous block are cleared. */
    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        response->date[0] = '\0';
        response->has_crc32 = false;
        response->crc32_valid = false;
        return len;
    }

    header_value(line, len, "Date", response->date, sizeof(response->date));
    if (header_value(line, len, "x-amz-crc32", crc32_text, sizeof(crc32_text))) {
        char *end = NULL;
        errno = 0;
        unsigned long long value = strtoull(crc32_text, &end, 10);
        response->has_crc32 = true;
        response->crc32_valid = errno == 0 && crc32_text[0] != '\0' && *end == '\0' &&
                                value <= UINT32_MAX;
        response->crc32 = response->crc32_valid ? (uint32_t)value : 0;
    }
    return len;
}

int http_easy_configure(CURL *curl, const struct http_client_options *options)
{
    CURLcode code = CURLE_OK;

    code |= curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    code |= curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, options->connect_timeout_ms);
    code |= curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, options->request_timeout_ms);
    code |= curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    code |= curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
#if LIBCURL_VERSION_NUM >= 0x075500
    code |= curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    code |= curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    code |= curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    code |= curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    code |= curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
    code |= curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, read_header);
    if (options->ca_bundle != NULL)
        code |= curl_easy_setopt(curl, CURLOPT_CAINFO, options->ca_bundle);
    return code == CURLE_OK ? 0 : -1;
}

struct http_client *http_client_new(const struct http_client_options *options,
                                    char *err, size_t err_len)
{
    struct http_client *client = calloc(1, sizeof(*client));
    if (client == NULL) {
        snprintf(err, err_len, "out of memory creating the HTTP client");
        return NULL;
    }

    client->curl = curl_easy_init();
    if (client->curl == NULL) {
        snprintf(err, err_len, "curl_easy_init failed: libcurl could not be initialized");
        free(client);
        return NULL;
    }
    if (http_easy_configure(client->curl, options) != 0) {
        snprintf(err, err_len, "libcurl rejected an option: it lacks HTTP or TLS support");
        http_client_free(client);
        return NULL;
    }
    return client;
}

void http_client_free(struct http_client *client)
{
    if (client == NULL)
        return;
    curl_easy_cleanup(client->curl);
    free(client);
}

void http_client_set_timeout(struct http_client *client, long timeout_ms)
{
    curl_easy_setopt(client->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
}

void http_response_init(struct http_response *response)
{
    memset(response, 0, sizeof(*response));
}

void http_response_free(struct http_response *response)
{
    free(response->body);
    http_response_init(response);
}

static void http_response_reset(struct http_response *response)
{
    char *body = response->body;
    size_t capacity = response->body_capacity;

    http_response_init(response);
    response->body = body;
    response->body_capacity = capacity;
    if (body != NULL)
        body[0] = '\0';
}

void http_easy_prepare_post(CURL *curl, const char *url, const struct curl_slist *headers,
                            const void *body, size_t body_len, struct http_response *response)
{
    http_response_reset(response);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, response);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, response);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, response->curl_error);
}

static void describe_body_too_large(CURL *curl, struct http_response *response)
{
    curl_off_t declared = -1;
    char size[64] = "";

    if (curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &declared) == CURLE_OK &&
        declared > 0)
        snprintf(size, sizeof(size), " (Content-Length %lld bytes)", (long long)declared);
    snprintf(response->curl_error, sizeof(response->curl_error),
             "the response body%s is larger than the limit of 64 MiB (%u bytes) for a "
             "DynamoDB response; check that the endpoint is DynamoDB", size,
             HTTP_MAX_BODY - 1);
}

int http_easy_finish_post(CURL *curl, CURLcode code, struct http_response *response,
                          long *connections)
{
    long connects = 0;

    response->curl_code = code;
    if (curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK)
        *connections += connects;
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);

    if (response->curl_code != CURLE_OK) {
        /* libcurl reports the refused write as "Failure writing output to
         * destination", which names no cause. */
        if (response->body_too_large)
            describe_body_too_large(curl, response);
        else if (response->curl_error[0] == '\0')
            snprintf(response->curl_error, sizeof(response->curl_error), "%s",
                     curl_easy_strerror(response->curl_code));
        response->status = 0;
        return -1;
    }

    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
    if (response->body == NULL) {
        response->body = calloc(1, 1);
        if (response->body == NULL) {
            snprintf(response->curl_error, sizeof(response->curl_error),
                     "out of memory reading the response");
            response->curl_code = CURLE_OUT_OF_MEMORY;
            return -1;
        }
        response->body_capacity = 1;
    }
    return 0;
}

int http_client_post(struct http_client *client, const char *url,
                     const struct curl_slist *headers,
                     const void *body, size_t body_len,
                     struct http_response *response)
{
    http_easy_prepare_post(client->curl, url, headers, body, body_len, response);
    CURLcode code = curl_easy_perform(client->curl);
    return http_easy_finish_post(client->curl, code, response, &client->connections);
}

long http_client_connections(const struct http_client *client)
{
    return client->connections;
}
