#include "ddb_request.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#define DDB_TARGET_PREFIX "DynamoDB_20120810."
#define DDB_CONTENT_TYPE "application/x-amz-json-1.0"

/* Serializes credential refreshes and the use of the credential strings,
 * which a refresh by another thread would free, across the threads that
 * share one aws_config. Held for microseconds per request. */
static pthread_mutex_t credentials_lock = PTHREAD_MUTEX_INITIALIZER;

static int append_header(struct ddb_request *request, const char *name, const char *value,
                         char *err, size_t err_len)
{
    char line[4096];
    /* "Name:" with nothing after the colon makes curl drop a header that it
     * would add itself. */
    int written = snprintf(line, sizeof(line), "%s:%s%s", name, value[0] != '\0' ? " " : "",
                           value);
    if (written < 0 || (size_t)written >= sizeof(line)) {
        snprintf(err, err_len, "the %s header is longer than %zu bytes", name, sizeof(line) - 1);
        return -1;
    }

    struct curl_slist *appended = curl_slist_append(request->headers, line);
    OPENSSL_cleanse(line, sizeof(line));
    if (appended == NULL) {
        snprintf(err, err_len, "out of memory adding the %s header", name);
        return -1;
    }
    request->headers = appended;
    return 0;
}

static int build_locked(struct ddb_request *request, struct aws_config *config,
                      struct sigv4_signer *signer, const char *host,
                      const char *operation, const char *body, size_t body_len,
                      time_t now, char *err, size_t err_len)
{
    struct sigv4_credentials creds;
    struct sigv4_signed_headers signed_headers;
    char target[256];

    request->headers = NULL;
    if (aws_config_credentials(config, now, &creds, err, err_len) != 0)
        return -1;

    snprintf(target, sizeof(target), "%s%s", DDB_TARGET_PREFIX, operation);
    const struct sigv4_header headers[] = {
        {"Host", host},
        {"Content-Type", DDB_CONTENT_TYPE},
        {"X-Amz-Target", target},
    };
    const struct sigv4_request to_sign = {
        .method = "POST",
        .path = "/",
        .query = NULL,
        .headers = headers,
        .headers_count = sizeof(headers) / sizeof(headers[0]),
        .body = body,
        .body_len = body_len,
    };
    const struct sigv4_params params = {
        .region = aws_config_region(config),
        .service = "dynamodb",
        .time = now,
        .flags = 0,
    };
    if (sigv4_sign_headers(signer, &creds, &params, &to_sign, &signed_headers,
                           err, err_len) != 0)
        return -1;

    bool has_token = creds.session_token != NULL && creds.session_token[0] != '\0';
    int rc = -1;
    if (append_header(request, "Host", host, err, err_len) != 0 ||
        append_header(request, "Content-Type", DDB_CONTENT_TYPE, err, err_len) != 0 ||
        append_header(request, "X-Amz-Target", target, err, err_len) != 0 ||
        append_header(request, "X-Amz-Date", signed_headers.x_amz_date, err, err_len) != 0 ||
        (has_token && append_header(request, "X-Amz-Security-Token", creds.session_token,
                                    err, err_len) != 0) ||
        append_header(request, "Authorization", signed_headers.authorization,
                      err, err_len) != 0 ||
        /* No "Expect: 100-continue" round trip for bodies over 1 KiB, and an
         * uncompressed body, because x-amz-crc32 covers the bytes as sent. */
        append_header(request, "Expect", "", err, err_len) != 0 ||
        append_header(request, "Accept-Encoding", "identity", err, err_len) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    OPENSSL_cleanse(&signed_headers, sizeof(signed_headers));
    if (rc != 0)
        ddb_request_free(request);
    return rc;
}

int ddb_request_build(struct ddb_request *request, struct aws_config *config,
                      struct sigv4_signer *signer, const char *host,
                      const char *operation, const char *body, size_t body_len,
                      time_t now, char *err, size_t err_len)
{
    pthread_mutex_lock(&credentials_lock);
    int rc = build_locked(request, config, signer, host, operation, body, body_len, now,
                          err, err_len);
    pthread_mutex_unlock(&credentials_lock);
    return rc;
}

void ddb_request_free(struct ddb_request *request)
{
    for (struct curl_slist *item = request->headers; item != NULL; item = item->next)
        OPENSSL_cleanse(item->data, strlen(item->data));
    curl_slist_free_all(request->headers);
    request->headers = NULL;
}
