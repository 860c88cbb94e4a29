/*
 * A DynamoDB client wired to a scripted server on 127.0.0.1 (fake_server.h),
 * with static test credentials. The harness functions fail the current
 * Check test when the server or the client cannot be set up.
 */
#ifndef SCHEMAREG_TEST_DDB_HARNESS_H
#define SCHEMAREG_TEST_DDB_HARNESS_H

#include <stddef.h>

#include "credentials.h"
#include "ddb_client.h"
#include "fake_server.h"

struct harness {
    struct fake_server server;
    struct aws_config *config;
    struct ddb_client *client;
};

/* Starts the server with script and a client for it. options NULL means
 * three attempts and a 1 ms backoff base, so retries do not slow tests. */
void harness_start(struct harness *harness, const struct fake_response *script,
                   size_t script_len, const struct ddb_client_options *options);
void harness_stop(struct harness *harness);

#endif
