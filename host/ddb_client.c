#include "ddb_client.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <zlib.h>

#include "ddb_client_internal.h"
#include "ddb_error.h"
#include "ddb_request.h"
#include "http_client.h"
#include "http_trace.h"
#include "log.h"
#include "retry.h"
#include "sigv4.h"

#define DDB_DEFAULT_CONNECT_TIMEOUT_MS 3000L
#define DDB_DEFAULT_REQUEST_TIMEOUT_MS 30000L

struct ddb_client {
    struct aws_config *config;
    struct http_client *http;
    struct sigv4_signer *signer;
    struct ddb_client_options options;
    struct retry_quota quota;
    long clock_offset;          /* seconds added to time() when signing */
    long limit_exceeded;        /* LimitExceededException responses so far */
    char url[1024];
    char host[512];
};

/* Splits the endpoint "scheme://authority[/path]" into the URL to POST to
 * and the Host header value that is signed. */
static int parse_endpoint(struct ddb_client *client, const char *endpoint,
                          char *err, size_t err_len)
{
    const char *authority = strstr(endpoint, "://");
    if (authority == NULL || authority == endpoint) {
        snprintf(err, err_len, "invalid endpoint URL \"%s\": expected http://HOST[:PORT] "
                 "or https://HOST[:PORT]", endpoint);
        return -1;
    }
    authority += 3;

    size_t authority_len = strcspn(authority, "/?#");
    if (authority_len == 0 || authority_len >= sizeof(client->host)) {
        snprintf(err, err_len, "invalid endpoint URL \"%s\": the host is missing or too long",
                 endpoint);
        return -1;
    }
    memcpy(client->host, authority, authority_len);
    client->host[authority_len] = '\0';

    const char *path = authority + authority_len;
    int written = snprintf(client->url, sizeof(client->url), "%.*s%s",
                           (int)(path - endpoint), endpoint, path[0] == '/' ? path : "/");
    if (written < 0 || (size_t)written >= sizeof(client->url)) {
        snprintf(err, err_len, "invalid endpoint URL \"%.64s...\": longer than %zu bytes",
                 endpoint, sizeof(client->url) - 1);
        return -1;
    }
    return 0;
}

static void apply_defaults(struct ddb_client_options *options)
{
    options->max_attempts = retry_resolve_max_attempts(options->max_attempts);
    if (options->connect_timeout_ms <= 0)
        options->connect_timeout_ms = DDB_DEFAULT_CONNECT_TIMEOUT_MS;
    if (options->request_timeout_ms <= 0)
        options->request_timeout_ms = DDB_DEFAULT_REQUEST_TIMEOUT_MS;
    if (options->retry_base_delay_ms <= 0)
        options->retry_base_delay_ms = RETRY_DEFAULT_BASE_DELAY_MS;
    if (options->retry_max_delay_ms <= 0)
        options->retry_max_delay_ms = RETRY_DEFAULT_MAX_DELAY_MS;
}

struct ddb_client *ddb_client_new(struct aws_config *config,
                                  const struct ddb_client_options *options,
                                  char *err, size_t err_len)
{
    struct ddb_client *client = calloc(1, sizeof(*client));
    if (client == NULL) {
        snprintf(err, err_len, "out of memory creating the DynamoDB client");
        return NULL;
    }
    client->config = config;
    if (options != NULL)
        client->options = *options;
    apply_defaults(&client->options);
    retry_quota_init(&client->quota);

    if (parse_endpoint(client, aws_config_endpoint(config), err, err_len) != 0)
        goto fail;

    struct http_client_options http_options;
    ddb_client_http_options(client, &http_options);
    client->http = http_client_new(&http_options, err, err_len);
    if (client->http == NULL)
        goto fail;

    client->signer = sigv4_signer_new();
    if (client->signer == NULL) {
        snprintf(err, err_len, "could not create the SigV4 signer: out of memory or "
                 "OpenSSL lacks HMAC-SHA256");
        goto fail;
    }
    return client;

fail:
    ddb_client_free(client);
    return NULL;
}

void ddb_client_free(struct ddb_client *client)
{
    if (client == NULL)
        return;
    http_client_free(client->http);
    sigv4_signer_free(client->signer);
    free(client);
}

struct ddb_client *ddb_client_clone(const struct ddb_client *client, char *err, size_t err_len)
{
    struct ddb_client *clone = ddb_client_new(client->config, &client->options, err, err_len);

    if (clone != NULL)
        clone->clock_offset = client->clock_offset;
    return clone;
}

void ddb_client_http_options(const struct ddb_client *client,
                             struct http_client_options *options)
{
    options->connect_timeout_ms = client->options.connect_timeout_ms;
    options->request_timeout_ms = client->options.request_timeout_ms;
    options->ca_bundle = aws_config_ca_bundle(client->config);
}

const char *ddb_client_url(const struct ddb_client *client)
{
    return client->url;
}

long ddb_client_limit_exceeded(const struct ddb_client *client)
{
    return client->limit_exceeded;
}

long ddb_client_connections(const struct ddb_client *client)
{
    return http_client_connections(client->http);
}

long ddb_client_clock_offset(const struct ddb_client *client)
{
    return client->clock_offset;
}

int ddb_client_sign(struct ddb_client *client, const char *operation, const char *body,
                    size_t body_len, struct ddb_request *request, struct ddb_error *error)
{
    char err[512];
    time_t now = time(NULL) + client->clock_offset;

    if (ddb_request_build(request, client->config, client->signer, client->host,
                          operation, body, body_len, now, err, sizeof(err)) != 0) {
        ddb_error_set(error, DDB_ERROR_CLIENT, "%s %s: %s", operation, client->url, err);
        return -1;
    }
    http_trace_request("POST", client->url, operation, request->headers);
    return 0;
}

int ddb_client_read_response(const struct ddb_client *client, const char *operation,
                             int transfer_rc, const struct http_response *http,
                             json_t **response, struct ddb_error *error)
{
    http_trace_response(operation, transfer_rc, http);
    /* A body over the limit would be as large on every attempt, so it is
     * a client error, which is never retried. */
    if (transfer_rc != 0 && http->body_too_large) {
        ddb_error_set(error, DDB_ERROR_CLIENT, "%s %s: %s", operation, client->url,
                      http->curl_error);
        error->http_status = http->status;
        return -1;
    }
    if (transfer_rc != 0) {
        ddb_error_set(error, DDB_ERROR_TRANSPORT, "%s %s: %s", operation, client->url,
                      http->curl_error);
        return -1;
    }

    if (http->has_crc32) {
        uint32_t actual = (uint32_t)crc32(0L, (const Bytef *)http->body, (uInt)http->body_len);
        if (!http->crc32_valid || actual != http->crc32) {
            ddb_error_set(error, DDB_ERROR_CHECKSUM,
                          "%s %s: response body CRC32 %u does not match the x-amz-crc32 "
                          "header; the response was damaged in transit", operation,
                          client->url, actual);
            error->http_status = http->status;
            return -1;
        }
    }

    if (http->status != 200) {
        ddb_error_from_response(error, http->status, http->body, http->body_len);
        return -1;
    }

    json_error_t json_error;
    *response = json_loadb(http->body, http->body_len, 0, &json_error);
    if (*response == NULL) {
        ddb_error_set(error, DDB_ERROR_CLIENT, "%s %s: invalid JSON in the response: %s",
                      operation, client->url, json_error.text);
        error->http_status = http->status;
        return -1;
    }
    return 0;
}

/* Sends one signed attempt. Returns 0 with the parsed body in *response, or
 * -1 with error filled (kind, type, message). */
static int send_attempt(struct ddb_client *client, const char *operation,
                        const char *body, size_t body_len,
                        struct http_response *http, json_t **response,
                        struct ddb_error *error)
{
    struct ddb_request request;

    if (ddb_client_sign(client, operation, body, body_len, &request, error) != 0)
        return -1;

    int rc = http_client_post(client->http, client->url, request.headers,
                              body, body_len, http);
    ddb_request_free(&request);
    return ddb_client_read_response(client, operation, rc, http, response, error);
}

/* Sets the clock offset from the server's Date header (RFC 9110
 * IMF-fixdate). Returns false when the header is missing or unparsable. */
static bool correct_clock(struct ddb_client *client, const char *date)
{
    struct tm parsed;
    memset(&parsed, 0, sizeof(parsed));

    const char *end = strptime(date, "%a, %d %b %Y %H:%M:%S GMT", &parsed);
    if (date[0] == '\0' || end == NULL || *end != '\0')
        return false;

    time_t server_time = timegm(&parsed);
    client->clock_offset = (long)(server_time - time(NULL));
    log_info("DynamoDB clock skew: server time is %s, local clock off by %ld s; "
             "signing with the server's time", date, client->clock_offset);
    return true;
}

void ddb_retry_state_init(const struct ddb_client *client,
                          const struct ddb_call_options *options,
                          struct ddb_retry_state *state)
{
    memset(state, 0, sizeof(*state));
    state->max_attempts = client->options.max_attempts;
    if (options != NULL && options->max_attempts > 0)
        state->max_attempts = options->max_attempts;
    if (options != NULL && options->limit_exceeded_deadline_ms > 0)
        state->limit_deadline_ms = retry_now_ms() + options->limit_exceeded_deadline_ms;
    if (options != NULL && options->deadline_ms > 0)
        state->deadline_ms = options->deadline_ms;
}

long ddb_retry_attempt_timeout(const struct ddb_client *client,
                               const struct ddb_retry_state *state)
{
    long timeout_ms = client->options.request_timeout_ms;

    if (state->deadline_ms <= 0)
        return timeout_ms;

    long long left = state->deadline_ms - retry_now_ms();
    if (left <= 0)
        return 0;
    return left < timeout_ms ? (long)left : timeout_ms;
}

/* Returns true when the failed attempt may have reached the server and
 * been applied there: its reply was lost, damaged or a server error. */
static bool may_have_applied(const struct ddb_error *error)
{
    return error->kind == DDB_ERROR_TRANSPORT || error->kind == DDB_ERROR_CHECKSUM ||
           error->http_status >= 500;
}

/* Returns true when a retry after delay_ms would start too late to end
 * before the call's deadline. */
static bool past_deadline(const struct ddb_retry_state *state, long delay_ms)
{
    return state->deadline_ms > 0 && retry_now_ms() + delay_ms >= state->deadline_ms;
}

long ddb_client_retry_delay(struct ddb_client *client, const char *operation,
                            const struct http_response *http, const struct ddb_error *error,
                            struct ddb_retry_state *state)
{
    enum ddb_retry_class retry_class = ddb_error_classify(error);
    int attempt = error->attempts;
    const char *what = error->type[0] != '\0' ? error->type : error->message;

    if (retry_class == DDB_RETRY_NEVER)
        return -1;
    if (may_have_applied(error))
        state->maybe_applied = true;

    if (retry_class == DDB_RETRY_CLOCK_SKEW) {
        if (state->clock_corrected || past_deadline(state, 0) ||
            !correct_clock(client, http->date))
            return -1;
        state->clock_corrected = true;
        log_info("retrying %s after %s (attempt %d, clock corrected)", operation, what,
                 attempt);
        return 0;
    }

    long delay_ms = retry_backoff_ms(attempt, client->options.retry_base_delay_ms,
                                     client->options.retry_max_delay_ms);
    if (past_deadline(state, delay_ms)) {
        log_info("not retrying %s after %s: the call's deadline passes before the next "
                 "attempt could end", operation, what);
        return -1;
    }

    /* Too many table or index operations at once: wait for others to end,
     * as long as the control-plane deadline allows, whatever max_attempts. */
    if (retry_class == DDB_RETRY_LIMIT_EXCEEDED) {
        client->limit_exceeded++;
        if (state->limit_deadline_ms > 0) {
            if (retry_now_ms() + delay_ms >= state->limit_deadline_ms)
                return -1;
            log_info("retrying %s after %s (attempt %d, waiting %ld ms)", operation, what,
                     attempt, delay_ms);
            return delay_ms;
        }
    }

    if (attempt >= state->max_attempts)
        return -1;

    int cost = retry_quota_acquire(&client->quota, retry_class == DDB_RETRY_TIMEOUT);
    if (cost == 0) {
        log_info("not retrying %s after %s: the client's retry quota is exhausted "
                 "after many failures", operation, what);
        return -1;
    }
    state->last_quota_cost = cost;

    log_info("retrying %s after %s error %s (attempt %d of %d, waiting %ld ms)",
             operation, ddb_retry_class_name(retry_class), what, attempt,
             state->max_attempts, delay_ms);
    return delay_ms;
}

void ddb_client_call_succeeded(struct ddb_client *client, const struct ddb_retry_state *state)
{
    retry_quota_release(&client->quota, state->last_quota_cost);
}

int ddb_call_with(struct ddb_client *client, const char *operation,
                  const json_t *request, const struct ddb_call_options *options,
                  json_t **response, struct ddb_error *error)
{
    struct http_response http;
    struct ddb_retry_state state;
    int rc = -1;

    *response = NULL;
    ddb_error_clear(error);
    http_response_init(&http);
    ddb_retry_state_init(client, options, &state);

    char *body = json_dumps(request, JSON_COMPACT);
    if (body == NULL) {
        ddb_error_set(error, DDB_ERROR_CLIENT, "%s: could not encode the request as JSON",
                      operation);
        goto cleanup;
    }
    size_t body_len = strlen(body);
    log_trace("%s request: %s", operation, body);

    for (;;) {
        long timeout_ms = ddb_retry_attempt_timeout(client, &state);

        if (timeout_ms <= 0) {
            ddb_error_set(error, DDB_ERROR_TRANSPORT, "%s %s: the call's deadline passed "
                          "before attempt %d could start", operation, client->url,
                          error->attempts + 1);
            rc = -1;
            break;
        }
        http_client_set_timeout(client->http, timeout_ms);
        error->attempts++;
        rc = send_attempt(client, operation, body, body_len, &http, response, error);
        if (rc == 0)
            break;

        long delay_ms = ddb_client_retry_delay(client, operation, &http, error, &state);
        if (delay_ms < 0)
            break;
        retry_sleep_ms(delay_ms);
    }

    if (rc == 0) {
        ddb_client_call_succeeded(client, &state);
        log_trace("%s response: %s", operation, http.body);
    } else {
        error->maybe_applied = state.maybe_applied;
        log_debug("%s failed after %d attempt(s): %s%s%s", operation, error->attempts,
                  error->type, error->type[0] != '\0' ? ": " : "", error->message);
    }

cleanup:
    free(body);
    http_response_free(&http);
    return rc;
}

int ddb_call(struct ddb_client *client, const char *operation,
             const json_t *request, json_t **response, struct ddb_error *error)
{
    return ddb_call_with(client, operation, request, NULL, response, error);
}
