/*
 * The one path by which provisioning, planning and checkpoints reach
 * DynamoDB, plus the monotonic clock and sleep they share.
 *
 * Test hook: when SCHEMAREG_TEST_KILL_AFTER_REQUESTS=N is set to a positive
 * integer, the process raises SIGKILL right after the Nth call returns, so
 * crash recovery can be tested at chosen points of a run. It does nothing
 * when the variable is unset or empty. Calls made concurrently count in
 * the order they complete.
 */
#ifndef SCHEMAREG_PROVISION_CALL_H
#define SCHEMAREG_PROVISION_CALL_H

#include <stdint.h>

#include <jansson.h>

#include "ddb_client.h"

/* Calls ddb_call() and then applies the test hook. Same contract as
 * ddb_call(): 0 with *response owned by the caller, or -1 with error.
 * CreateTable, UpdateTable and UpdateTimeToLive retry
 * LimitExceededException for up to 15 minutes. Thread-safe as long as
 * each thread has its own client. */
int provision_call(struct ddb_client *client, const char *operation,
                   const json_t *request, json_t **response, struct ddb_error *error);

/* provision_call that ends by deadline_ms (provision_now_ms() time; 0
 * for none), every attempt and backoff included: see
 * ddb_call_options.deadline_ms. */
int provision_call_until(struct ddb_client *client, const char *operation,
                         const json_t *request, int64_t deadline_ms, json_t **response,
                         struct ddb_error *error);

/* Counts one completed call and applies the test hook; for calls made
 * without provision_call, e.g. through ddb_multi. */
void provision_call_completed(void);

/* Returns how many calls this process has completed (provision_call and
 * provision_call_completed). */
long provision_call_count(void);

/* Returns nonzero when error is a service error of the given type, e.g.
 * "ResourceNotFoundException". */
int provision_error_is(const struct ddb_error *error, const char *type);

/* Formats error as "Type: message" (or curl's reason) into out. */
void provision_error_text(const struct ddb_error *error, char *out, size_t out_len);

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t provision_now_ms(void);

/* Sleeps for ms milliseconds, resuming after signals. */
void provision_sleep_ms(int64_t ms);

#endif
