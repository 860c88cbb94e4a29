/*
 * The steps of one DynamoDB call, shared by the blocking client
 * (ddb_client.c) and the concurrent one (ddb_multi.c): signing an attempt,
 * reading its response, and the retry decision of the standard mode.
 */
#ifndef SCHEMAREG_DDB_CLIENT_INTERNAL_H
#define SCHEMAREG_DDB_CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "ddb_client.h"
#include "ddb_request.h"
#include "http_client.h"

/* The retry bookkeeping of one call, across its attempts. */
struct ddb_retry_state {
    int max_attempts;
    long long limit_deadline_ms; /* 0: no control-plane deadline */
    long long deadline_ms;       /* 0: none; see ddb_call_options */
    bool clock_corrected;
    bool maybe_applied;          /* see ddb_error.maybe_applied */
    int last_quota_cost;
};

void ddb_retry_state_init(const struct ddb_client *client,
                          const struct ddb_call_options *options,
                          struct ddb_retry_state *state);

/* Builds the signed headers of one attempt, for the current time corrected
 * by the client's clock offset. Returns 0, or -1 with error filled. */
int ddb_client_sign(struct ddb_client *client, const char *operation, const char *body,
                    size_t body_len, struct ddb_request *request, struct ddb_error *error);

/* Turns the outcome of one attempt (transfer_rc as http_client_post
 * returns it) into a parsed response: checks x-amz-crc32, the status and
 * the JSON. Returns 0 with *response owned by the caller, or -1 with error
 * filled. */
int ddb_client_read_response(const struct ddb_client *client, const char *operation,
                             int transfer_rc, const struct http_response *http,
                             json_t **response, struct ddb_error *error);

/* Decides whether the failed attempt error->attempts is retried. Returns
 * the delay in milliseconds before the next attempt, or -1 for no retry.
 * Takes retry quota, counts LimitExceededException, and corrects the
 * clock offset after a clock-skew error. */
long ddb_client_retry_delay(struct ddb_client *client, const char *operation,
                            const struct http_response *http, const struct ddb_error *error,
                            struct ddb_retry_state *state);

/* Returns the timeout in milliseconds of the next attempt: the client's
 * request timeout, cut to the time left before the call's deadline; 0
 * when the deadline has passed. */
long ddb_retry_attempt_timeout(const struct ddb_client *client,
                               const struct ddb_retry_state *state);

/* Gives retry quota back after a call succeeded. */
void ddb_client_call_succeeded(struct ddb_client *client, const struct ddb_retry_state *state);

/* The HTTP settings (timeouts, CA bundle) of the client's own handle. */
void ddb_client_http_options(const struct ddb_client *client,
                             struct http_client_options *options);

/* The URL every request is posted to. */
const char *ddb_client_url(const struct ddb_client *client);

#endif
