#include "ddb_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "text_safe.h"

/* Throttling error codes, as botocore 1.29.27 lists them in
 * retries/standard.py (ThrottledRetryableChecker), less
 * LimitExceededException, which has its own class. */
static const char *const throttling_codes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

/* Transient error codes: botocore's list plus the DynamoDB server errors
 * that may come with a 4xx-looking body. */
static const char *const transient_codes[] = {
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalServerError",
    "InternalFailure",
    "ServiceUnavailable",
    "ServiceUnavailableException",
};

static bool contains_code(const char *const *codes, size_t count, const char *type)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(codes[i], type) == 0)
            return true;
    }
    return false;
}

void ddb_error_clear(struct ddb_error *error)
{
    memset(error, 0, sizeof(*error));
}

void ddb_error_set(struct ddb_error *error, enum ddb_error_kind kind, const char *fmt, ...)
{
    int attempts = error->attempts;

    ddb_error_clear(error);
    error->kind = kind;
    error->attempts = attempts;

    /* Formatted whole, then cut at a character boundary and made safe for
     * the terminal, because messages quote servers and curl. */
    char *message = NULL;
    va_list args;
    va_start(args, fmt);
    int formatted = vasprintf(&message, fmt, args);
    va_end(args);
    if (formatted < 0) {
        snprintf(error->message, sizeof(error->message), "(out of memory formatting the "
                 "error message)");
        return;
    }
    text_safe_copy(error->message, sizeof(error->message), message, strlen(message));
    free(message);
}

/* Copies the part of __type after the last '#', e.g.
 * "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException". */
static void copy_short_type(char *out, size_t out_len, const char *type)
{
    const char *hash = strrchr(type, '#');
    const char *name = hash != NULL ? hash + 1 : type;
    text_safe_copy(out, out_len, name, strlen(name));
}

void ddb_error_from_response(struct ddb_error *error, long http_status,
                             const char *body, size_t body_len)
{
    int attempts = error->attempts;
    json_t *root = json_loadb(body, body_len, 0, NULL);
    const char *type = json_string_value(json_object_get(root, "__type"));

    ddb_error_clear(error);
    error->attempts = attempts;
    error->http_status = http_status;

    if (type == NULL || type[0] == '\0') {
        error->kind = DDB_ERROR_HTTP;
        snprintf(error->message, sizeof(error->message),
                 "HTTP status %ld without a DynamoDB error body", http_status);
        goto cleanup;
    }

    error->kind = DDB_ERROR_SERVICE;
    copy_short_type(error->type, sizeof(error->type), type);

    /* DynamoDB sends "message"; some errors and compatible servers send
     * "Message". */
    const char *message = json_string_value(json_object_get(root, "message"));
    if (message == NULL || message[0] == '\0')
        message = json_string_value(json_object_get(root, "Message"));
    /* dynalite 4.0 sends an empty message with ResourceInUseException. */
    if (message == NULL || message[0] == '\0')
        message = "(no message)";
    /* The server's text may hold control characters (a forged log line)
     * or be long: escaped, and cut at a character boundary. */
    text_safe_copy(error->message, sizeof(error->message), message, strlen(message));

cleanup:
    json_decref(root);
}

static bool is_clock_skew(const struct ddb_error *error)
{
    if (strcmp(error->type, "RequestTimeTooSkewed") == 0 ||
        strcmp(error->type, "RequestExpired") == 0)
        return true;

    /* DynamoDB reports a signing time off by more than five minutes as
     * InvalidSignatureException "Signature expired: ..." or "Signature not
     * yet current: ...". */
    if (strcmp(error->type, "InvalidSignatureException") == 0)
        return strstr(error->message, "Signature expired") != NULL ||
               strstr(error->message, "Signature not yet current") != NULL;
    return false;
}

static enum ddb_retry_class classify_service(const struct ddb_error *error)
{
    size_t throttling_count = sizeof(throttling_codes) / sizeof(throttling_codes[0]);
    size_t transient_count = sizeof(transient_codes) / sizeof(transient_codes[0]);

    if (strcmp(error->type, "LimitExceededException") == 0)
        return DDB_RETRY_LIMIT_EXCEEDED;
    if (contains_code(throttling_codes, throttling_count, error->type))
        return DDB_RETRY_THROTTLING;
    if (contains_code(transient_codes, transient_count, error->type))
        return DDB_RETRY_TRANSIENT;
    if (is_clock_skew(error))
        return DDB_RETRY_CLOCK_SKEW;
    return DDB_RETRY_NEVER;
}

static enum ddb_retry_class classify_status(long http_status)
{
    if (http_status == 429)
        return DDB_RETRY_THROTTLING;
    if (http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504)
        return DDB_RETRY_TRANSIENT;
    return DDB_RETRY_NEVER;
}

enum ddb_retry_class ddb_error_classify(const struct ddb_error *error)
{
    switch (error->kind) {
    case DDB_ERROR_SERVICE: {
        enum ddb_retry_class by_type = classify_service(error);
        return by_type != DDB_RETRY_NEVER ? by_type : classify_status(error->http_status);
    }
    case DDB_ERROR_HTTP:
        return classify_status(error->http_status);
    case DDB_ERROR_TRANSPORT:
        return DDB_RETRY_TIMEOUT;
    case DDB_ERROR_CHECKSUM:
        return DDB_RETRY_TRANSIENT;
    case DDB_ERROR_NONE:
    case DDB_ERROR_CLIENT:
        break;
    }
    return DDB_RETRY_NEVER;
}

const char *ddb_retry_class_name(enum ddb_retry_class retry_class)
{
    switch (retry_class) {
    case DDB_RETRY_NEVER:
        return "not retryable";
    case DDB_RETRY_THROTTLING:
        return "throttling";
    case DDB_RETRY_TRANSIENT:
        return "transient";
    case DDB_RETRY_TIMEOUT:
        return "transport";
    case DDB_RETRY_LIMIT_EXCEEDED:
        return "limit exceeded";
    case DDB_RETRY_CLOCK_SKEW:
        return "clock skew";
    }
    return "unknown";
}
