/*
 * DynamoDB error parsing and the retry classification of the AWS SDKs'
 * standard mode.
 */
#ifndef SCHEMAREG_DDB_ERROR_H
#define SCHEMAREG_DDB_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#include "ddb_client.h"

enum ddb_retry_class {
    DDB_RETRY_NEVER = 0,
    DDB_RETRY_THROTTLING,     /* throttling codes and HTTP 429 */
    DDB_RETRY_TRANSIENT,      /* 5xx, InternalServerError, bad crc32 */
    DDB_RETRY_TIMEOUT,        /* transport failures: costs more retry quota */
    DDB_RETRY_LIMIT_EXCEEDED, /* too many control-plane operations at once */
    DDB_RETRY_CLOCK_SKEW,     /* the signature time is off: fix the clock once */
};

void ddb_error_clear(struct ddb_error *error);

/* Fills error with kind and a printf-style message. */
void ddb_error_set(struct ddb_error *error, enum ddb_error_kind kind,
                   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Fills error from an HTTP error response: DDB_ERROR_SERVICE with the short
 * type after '#' in __type and message or Message when the body is a
 * DynamoDB error, DDB_ERROR_HTTP with the status otherwise. */
void ddb_error_from_response(struct ddb_error *error, long http_status,
                             const char *body, size_t body_len);

enum ddb_retry_class ddb_error_classify(const struct ddb_error *error);

const char *ddb_retry_class_name(enum ddb_retry_class retry_class);

#endif
