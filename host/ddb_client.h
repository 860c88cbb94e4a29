/*
 * DynamoDB JSON 1.0 protocol client: signed POST requests over a reused
 * libcurl connection, typed errors, and the AWS SDKs' "standard" retry mode.
 */
#ifndef SCHEMAREG_DDB_CLIENT_H
#define SCHEMAREG_DDB_CLIENT_H

#include <stddef.h>

#include <jansson.h>

#include "credentials.h"

enum ddb_error_kind {
    DDB_ERROR_NONE = 0,
    DDB_ERROR_SERVICE,   /* the server returned an error body (__type) */
    DDB_ERROR_HTTP,      /* an HTTP error status without a parsable body */
    DDB_ERROR_TRANSPORT, /* connect, TLS, timeout or reset; curl's reason kept */
    DDB_ERROR_CHECKSUM,  /* x-amz-crc32 did not match the body */
    DDB_ERROR_CLIENT,    /* a local failure: bad JSON, out of memory */
};

struct ddb_error {
    enum ddb_error_kind kind;
    long http_status;
    char type[128];     /* short exception name, e.g. ResourceInUseException */
    char message[1024]; /* the server's message or curl's reason */
    int attempts;       /* how many attempts were made */
    /* Nonzero when an attempt before the last one failed after its
     * request may have reached the server: a transport failure, a 5xx
     * status or a damaged response. The server may then have applied the
     * request, even though the call failed or a retry's condition failed. */
    int maybe_applied;
};

struct ddb_client_options {
    int max_attempts;           /* data-plane calls; 0 means AWS_MAX_ATTEMPTS or 3 */
    long connect_timeout_ms;    /* 0 means 3000 */
    long request_timeout_ms;    /* each attempt, connection included; 0 means 30000 */
    long retry_base_delay_ms;   /* backoff base; 0 means 1000, as botocore's standard mode */
    long retry_max_delay_ms;    /* backoff cap; 0 means 20000 */
};

/* Per-call settings; a zeroed struct (or NULL) keeps the client's. */
struct ddb_call_options {
    int max_attempts;   /* 0 means the client's max_attempts */
    /* Control-plane calls (CreateTable, UpdateTable, UpdateTimeToLive):
     * milliseconds from the start of the call during which
     * LimitExceededException is retried with backoff, past max_attempts.
     * 0 means LimitExceededException counts as any throttling error. */
    long limit_exceeded_deadline_ms;
    /* Time on the monotonic clock of retry_now_ms() by which the whole
     * call ends, every attempt and backoff included: each attempt's
     * timeout is cut to the time left, and no retry starts that could not
     * end in time. 0 means no deadline beyond the attempts' own timeouts. */
    long long deadline_ms;
};

struct ddb_client;

/* Creates a client for the endpoint, region and credentials in config.
 * config must outlive the client. */
struct ddb_client *ddb_client_new(struct aws_config *config,
                                  const struct ddb_client_options *options,
                                  char *err, size_t err_len);
void ddb_client_free(struct ddb_client *client);

/*
 * Calls operation (e.g. "CreateTable") with request as the JSON body.
 * Returns 0 and stores the parsed response in *response (caller owns it),
 * or -1 and fills error. Retryable failures are retried before returning.
 */
int ddb_call(struct ddb_client *client, const char *operation,
             const json_t *request, json_t **response, struct ddb_error *error);

/* ddb_call with per-call options; options may be NULL. */
int ddb_call_with(struct ddb_client *client, const char *operation,
                  const json_t *request, const struct ddb_call_options *options,
                  json_t **response, struct ddb_error *error);

/* Creates a client with the configuration and options of client, and its
 * clock offset, for use by another thread: a client is not thread-safe. */
struct ddb_client *ddb_client_clone(const struct ddb_client *client, char *err, size_t err_len);

/* Number of LimitExceededException responses the client has received. */
long ddb_client_limit_exceeded(const struct ddb_client *client);

/* Number of TCP connections the client has opened so far; stays at 1 over
 * many calls while keep-alive works. */
long ddb_client_connections(const struct ddb_client *client);

/* Seconds added to the local clock when signing, learned from the server's
 * Date header after a clock-skew error; 0 until then. */
long ddb_client_clock_offset(const struct ddb_client *client);

#endif
