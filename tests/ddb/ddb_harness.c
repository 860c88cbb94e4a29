#include "ddb_harness.h"

#include <stdio.h>

#include <check.h>

void harness_start(struct harness *harness, const struct fake_response *script,
                   size_t script_len, const struct ddb_client_options *options)
{
    char err[512] = "";
    char endpoint[64];

    ck_assert_int_eq(fake_server_start(&harness->server, script, script_len), 0);
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", harness->server.port);

    struct aws_options aws = {
        .access_key_id = "AKIASCHEMAREGTEST",
        .secret_access_key = "schemaregtestsecretkey",
        .region = "us-east-1",
        .endpoint_url = endpoint,
    };
    harness->config = aws_config_resolve(&aws, err, sizeof(err));
    ck_assert_msg(harness->config != NULL, "aws_config_resolve: %s", err);

    struct ddb_client_options defaults = {.max_attempts = 3, .retry_base_delay_ms = 1};
    harness->client = ddb_client_new(harness->config, options != NULL ? options : &defaults,
                                     err, sizeof(err));
    ck_assert_msg(harness->client != NULL, "ddb_client_new: %s", err);
}

void harness_stop(struct harness *harness)
{
    ddb_client_free(harness->client);
    aws_config_free(harness->config);
    fake_server_stop(&harness->server);
}
