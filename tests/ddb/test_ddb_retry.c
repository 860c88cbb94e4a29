/*
 * DynamoDB client retries, errors and transport against a scripted HTTP
 * server on 127.0.0.1.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>

#include "ddb_client.h"
#include "ddb_error.h"
#include "http_client.h"
#include "ddb_harness.h"
#include "fake_server.h"
#include "log.h"
#include "retry.h"

#define OK_BODY "{\"TableNames\":[]}"
#define THROTTLED(type) \
    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#" type "\",\"message\":\"slow down\"}"
#define VALIDATION_BODY \
    "{\"__type\":\"com.amazon.coral.validate#ValidationException\"," \
    "\"message\":\"1 validation error detected\"}"
#define CONDITION_BODY \
    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\"," \
    "\"message\":\"The conditional request failed\"}"
#define SKEW_BODY \
    "{\"__type\":\"com.amazon.coral.service#InvalidSignatureException\"," \
    "\"message\":\"Signature expired: 20200101T000000Z is now earlier than 20200101T001000Z\"}"
#define TOO_SKEWED_BODY \
    "{\"__type\":\"RequestTimeTooSkewed\",\"Message\":\"The difference is too large\"}"
#define INTERNAL_BODY \
    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\"," \
    "\"message\":\"Internal server error\"}"

static int list_tables(struct harness *harness, const struct ddb_call_options *options,
                       struct ddb_error *error)
{
    json_t *request = json_object();
    json_t *response = NULL;

    int rc = ddb_call_with(harness->client, "ListTables", request, options, &response, error);
    if (rc == 0)
        ck_assert_ptr_nonnull(json_object_get(response, "TableNames"));
    json_decref(response);
    json_decref(request);
    return rc;
}

/* One scripted exchange and its expected outcome. */
struct retry_case {
    const char *name;
    struct fake_response script[6];
    size_t script_len;
    int expected_rc;
    int expected_attempts;
    enum ddb_error_kind expected_kind;
    const char *expected_type;
};

static const struct retry_case retry_cases[] = {
    {"500 then success", {{500, "oops", 0, 0, 0}, {200, OK_BODY, 0, 0, 0}}, 2,
     0, 2, DDB_ERROR_NONE, ""},
    {"503 twice then success",
     {{503, "", 0, 0, 0}, {503, "", 0, 0, 0}, {200, OK_BODY, 0, 0, 0}}, 3,
     0, 3, DDB_ERROR_NONE, ""},
    {"InternalServerError then success",
     {{500, INTERNAL_BODY, 0, 0, 0}, {200, OK_BODY, 0, 0, 0}}, 2,
     0, 2, DDB_ERROR_NONE, ""},
    {"ThrottlingException then success",
     {{400, THROTTLED("ThrottlingException"), 0, 0, 0}, {200, OK_BODY, 0, 0, 0}}, 2,
     0, 2, DDB_ERROR_NONE, ""},
    {"ProvisionedThroughputExceeded twice then success",
     {{400, THROTTLED("ProvisionedThroughputExceededException"), 0, 0, 0},
      {400, THROTTLED("ProvisionedThroughputExceededException"), 0, 0, 0},
      {200, OK_BODY, 0, 0, 0}}, 3,
     0, 3, DDB_ERROR_NONE, ""},
    {"RequestLimitExceeded then success",
     {{400, THROTTLED("RequestLimitExceeded"), 0, 0, 0}, {200, OK_BODY, 0, 0, 0}}, 2,
     0, 2, DDB_ERROR_NONE, ""},
    {"TransactionInProgress then success",
     {{400, THROTTLED("TransactionInProgressException"), 0, 0, 0}, {200, OK_BODY, 0, 0, 0}},
     2, 0, 2, DDB_ERROR_NONE, ""},
    {"429 without body then success", {{429, "", 0, 0, 0}, {200, OK_BODY, 0, 0, 0}}, 2,
     0, 2, DDB_ERROR_NONE, ""},
    {"bad crc32 then success", {{200, OK_BODY, true, 0, 0}, {200, OK_BODY, 0, 0, 0}}, 2,
     0, 2, DDB_ERROR_NONE, ""},
    {"bad crc32 every time", {{200, OK_BODY, true, 0, 0}}, 1,
     -1, 3, DDB_ERROR_CHECKSUM, ""},
    {"500 every time", {{500, "oops", 0, 0, 0}}, 1,
     -1, 3, DDB_ERROR_HTTP, ""},
    {"throttled every time", {{400, THROTTLED("ThrottlingException"), 0, 0, 0}}, 1,
     -1, 3, DDB_ERROR_SERVICE, "ThrottlingException"},
    {"LimitExceeded without deadline", {{400, THROTTLED("LimitExceededException"), 0, 0, 0}},
     1, -1, 3, DDB_ERROR_SERVICE, "LimitExceededException"},
    {"ValidationException not retried",
     {{400, VALIDATION_BODY, 0, 0, 0}, {200, OK_BODY, 0, 0, 0}}, 2,
     -1, 1, DDB_ERROR_SERVICE, "ValidationException"},
    {"ConditionalCheckFailed not retried",
     {{400, CONDITION_BODY, 0, 0, 0}, {200, OK_BODY, 0, 0, 0}}, 2,
     -1, 1, DDB_ERROR_SERVICE, "ConditionalCheckFailedException"},
    {"403 without body not retried", {{403, "", 0, 0, 0}, {200, OK_BODY, 0, 0, 0}}, 2,
     -1, 1, DDB_ERROR_HTTP, ""},
    {"invalid JSON not retried", {{200, "{not json", 0, 0, 0}, {200, OK_BODY, 0, 0, 0}}, 2,
     -1, 1, DDB_ERROR_CLIENT, ""},
    {"skew corrected once then success",
     {{400, SKEW_BODY, 0, 3600, 0}, {200, OK_BODY, 0, 0, 0}}, 2,
     0, 2, DDB_ERROR_NONE, ""},
    {"RequestTimeTooSkewed corrected then success",
     {{400, TOO_SKEWED_BODY, 0, -1800, 0}, {200, OK_BODY, 0, 0, 0}}, 2,
     0, 2, DDB_ERROR_NONE, ""},
    {"skew twice not retried again", {{400, SKEW_BODY, 0, 3600, 0}}, 1,
     -1, 2, DDB_ERROR_SERVICE, "InvalidSignatureException"},
};

START_TEST(test_retry_case)
{
    const struct retry_case *test_case = &retry_cases[_i];
    struct harness harness;
    struct ddb_error error;

    harness_start(&harness, test_case->script, test_case->script_len, NULL);
    int rc = list_tables(&harness, NULL, &error);

    ck_assert_msg(rc == test_case->expected_rc, "%s: rc %d, error %s: %s", test_case->name,
                  rc, error.type, error.message);
    ck_assert_msg(error.attempts == test_case->expected_attempts, "%s: %d attempts",
                  test_case->name, error.attempts);
    ck_assert_int_eq(atomic_load(&harness.server.requests), test_case->expected_attempts);
    if (rc != 0) {
        ck_assert_int_eq(error.kind, test_case->expected_kind);
        ck_assert_str_eq(error.type, test_case->expected_type);
        ck_assert_str_ne(error.message, "");
    }
    harness_stop(&harness);
}
END_TEST

START_TEST(test_huge_body_not_retried)
{
    /* One byte over the limit, then a good response that must not be requested. */
    size_t size = HTTP_MAX_BODY;
    char *body = malloc(size + 1);
    ck_assert_ptr_nonnull(body);
    memset(body, ' ', size);
    body[0] = '{';
    body[size - 1] = '}';
    body[size] = '\0';
    struct fake_response script[] = {{200, body, 0, 0, 0}, {200, OK_BODY, 0, 0, 0}};
    struct harness harness;
    struct ddb_error error;

    harness_start(&harness, script, 2, NULL);
    int rc = list_tables(&harness, NULL, &error);

    ck_assert_int_eq(rc, -1);
    ck_assert_int_eq(error.attempts, 1);
    ck_assert_int_eq(atomic_load(&harness.server.requests), 1);
    ck_assert_int_eq(error.kind, DDB_ERROR_CLIENT);
    ck_assert_int_eq(ddb_error_classify(&error), DDB_RETRY_NEVER);
    ck_assert_msg(strstr(error.message, "the response body (Content-Length 67108864 bytes) "
                                        "is larger than the limit of 64 MiB (67108863 "
                                        "bytes)") != NULL, "message: %s", error.message);
    harness_stop(&harness);
    free(body);
}
END_TEST

START_TEST(test_skew_signs_with_server_time)
{
    static const struct fake_response script[] = {
        {400, SKEW_BODY, 0, 3600, 0},
        {200, OK_BODY, 0, 0, 0},
    };
    struct harness harness;
    struct ddb_error error;

    harness_start(&harness, script, 2, NULL);
    ck_assert_int_eq(list_tables(&harness, NULL, &error), 0);

    long offset = ddb_client_clock_offset(harness.client);
    ck_assert_msg(offset >= 3595 && offset <= 3605, "clock offset %ld, expected about 3600",
                  offset);

    /* The retried request carries the corrected time in X-Amz-Date. */
    struct tm signed_tm;
    memset(&signed_tm, 0, sizeof(signed_tm));
    ck_assert_ptr_nonnull(strptime(harness.server.last_amz_date, "%Y%m%dT%H%M%SZ",
                                   &signed_tm));
    long ahead = (long)(timegm(&signed_tm) - time(NULL));
    ck_assert_msg(ahead >= 3590 && ahead <= 3610, "X-Amz-Date %s is %ld s ahead",
                  harness.server.last_amz_date, ahead);
    harness_stop(&harness);
}
END_TEST

START_TEST(test_limit_exceeded_within_deadline)
{
    static const struct fake_response script[] = {
        {400, THROTTLED("LimitExceededException"), 0, 0, 0},
        {400, THROTTLED("LimitExceededException"), 0, 0, 0},
        {400, THROTTLED("LimitExceededException"), 0, 0, 0},
        {400, THROTTLED("LimitExceededException"), 0, 0, 0},
        {400, THROTTLED("LimitExceededException"), 0, 0, 0},
        {200, OK_BODY, 0, 0, 0},
    };
    struct ddb_call_options control_plane = {.limit_exceeded_deadline_ms = 60000};
    struct harness harness;
    struct ddb_error error;

    harness_start(&harness, script, 6, NULL);
    int rc = list_tables(&harness, &control_plane, &error);

    ck_assert_msg(rc == 0, "error %s: %s", error.type, error.message);
    ck_assert_int_eq(error.attempts, 6);
    harness_stop(&harness);
}
END_TEST

START_TEST(test_call_max_attempts_overrides)
{
    static const struct fake_response script[] = {{500, "oops", 0, 0, 0}};
    struct ddb_call_options one_attempt = {.max_attempts = 1};
    struct harness harness;
    struct ddb_error error;

    harness_start(&harness, script, 1, NULL);
    ck_assert_int_eq(list_tables(&harness, &one_attempt, &error), -1);
    ck_assert_int_eq(error.attempts, 1);
    ck_assert_int_eq(error.http_status, 500);
    harness_stop(&harness);
}
END_TEST

START_TEST(test_aws_max_attempts_env)
{
    static const struct fake_response script[] = {{500, "oops", 0, 0, 0}};
    struct ddb_client_options options = {.retry_base_delay_ms = 1};
    struct harness harness;
    struct ddb_error error;

    setenv("AWS_MAX_ATTEMPTS", "5", 1);
    harness_start(&harness, script, 1, &options);
    unsetenv("AWS_MAX_ATTEMPTS");

    ck_assert_int_eq(list_tables(&harness, NULL, &error), -1);
    ck_assert_int_eq(error.attempts, 5);
    harness_stop(&harness);
}
END_TEST

START_TEST(test_retry_quota_exhausted)
{
    static const struct fake_response script[] = {{500, "oops", 0, 0, 0}};
    struct harness harness;
    struct ddb_error error;

    harness_start(&harness, script, 1, NULL);

    /* Each failing call takes two retries of RETRY_QUOTA_COST tokens. */
    int full_calls = RETRY_QUOTA_CAPACITY / (2 * RETRY_QUOTA_COST);
    for (int i = 0; i < full_calls; i++) {
        ck_assert_int_eq(list_tables(&harness, NULL, &error), -1);
        ck_assert_int_eq(error.attempts, 3);
    }
    ck_assert_int_eq(list_tables(&harness, NULL, &error), -1);
    ck_assert_int_eq(error.attempts, 1);
    harness_stop(&harness);
}
END_TEST

START_TEST(test_keep_alive_one_connection)
{
    static const struct fake_response script[] = {{200, OK_BODY, 0, 0, 0}};
    struct harness harness;
    struct ddb_error error;

    harness_start(&harness, script, 1, NULL);
    for (int i = 0; i < 20; i++)
        ck_assert_int_eq(list_tables(&harness, NULL, &error), 0);

    ck_assert_int_eq(ddb_client_connections(harness.client), 1);
    ck_assert_int_eq(atomic_load(&harness.server.connections), 1);
    ck_assert_int_eq(atomic_load(&harness.server.requests), 20);
    ck_assert_str_eq(harness.server.last_target, "DynamoDB_20120810.ListTables");
    harness_stop(&harness);
}
END_TEST

START_TEST(test_request_timeout)
{
    static const struct fake_response script[] = {
        {200, OK_BODY, 0, 0, 1500},
        {200, OK_BODY, 0, 0, 0},
    };
    struct ddb_client_options options = {
        .max_attempts = 1,
        .request_timeout_ms = 300,
        .retry_base_delay_ms = 1,
    };
    struct harness harness;
    struct ddb_error error;

    harness_start(&harness, script, 2, &options);
    ck_assert_int_eq(list_tables(&harness, NULL, &error), -1);
    ck_assert_int_eq(error.kind, DDB_ERROR_TRANSPORT);
    ck_assert_int_eq(error.attempts, 1);
    ck_assert_msg(strstr(error.message, "timed out") != NULL, "message: %s", error.message);

    /* The next call opens a new connection and succeeds. */
    ck_assert_int_eq(list_tables(&harness, NULL, &error), 0);
    harness_stop(&harness);
}
END_TEST

START_TEST(test_timeout_retried)
{
    static const struct fake_response script[] = {
        {200, OK_BODY, 0, 0, 1500},
        {200, OK_BODY, 0, 0, 0},
    };
    struct ddb_client_options options = {
        .max_attempts = 2,
        .request_timeout_ms = 300,
        .retry_base_delay_ms = 1,
    };
    struct harness harness;
    struct ddb_error error;

    harness_start(&harness, script, 2, &options);
    ck_assert_int_eq(list_tables(&harness, NULL, &error), 0);
    ck_assert_int_eq(error.attempts, 2);
    harness_stop(&harness);
}
END_TEST

/* Returns a loopback port that nothing listens on. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t address_len = sizeof(address);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&address, sizeof(address)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&address, &address_len), 0);
    close(fd);
    return ntohs(address.sin_port);
}

START_TEST(test_closed_port_keeps_curl_reason)
{
    char endpoint[64];
    char err[512] = "";
    struct ddb_error error;
    json_t *request = json_object();
    json_t *response = NULL;

    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", closed_port());
    struct aws_options aws = {
        .access_key_id = "AKIASCHEMAREGTEST",
        .secret_access_key = "schemaregtestsecretkey",
        .region = "us-east-1",
        .endpoint_url = endpoint,
    };
    struct aws_config *config = aws_config_resolve(&aws, err, sizeof(err));
    ck_assert_msg(config != NULL, "%s", err);
    struct ddb_client_options options = {.max_attempts = 2, .retry_base_delay_ms = 1};
    struct ddb_client *client = ddb_client_new(config, &options, err, sizeof(err));
    ck_assert_msg(client != NULL, "%s", err);

    ck_assert_int_eq(ddb_call(client, "ListTables", request, &response, &error), -1);
    ck_assert_ptr_null(response);
    ck_assert_int_eq(error.kind, DDB_ERROR_TRANSPORT);
    ck_assert_int_eq(error.attempts, 2);
    ck_assert_int_eq(error.http_status, 0);
    ck_assert_msg(strstr(error.message, "ListTables") != NULL, "message: %s", error.message);
    ck_assert_msg(strstr(error.message, "Couldn't connect to server") != NULL ||
                      strstr(error.message, "Connection refused") != NULL,
                  "message: %s", error.message);

    ddb_client_free(client);
    aws_config_free(config);
    json_decref(request);
}
END_TEST

START_TEST(test_invalid_endpoint_rejected)
{
    char err[512] = "";
    struct aws_options aws = {
        .access_key_id = "AKIASCHEMAREGTEST",
        .secret_access_key = "schemaregtestsecretkey",
        .region = "us-east-1",
        .endpoint_url = "127.0.0.1:8000",
    };
    struct aws_config *config = aws_config_resolve(&aws, err, sizeof(err));

    /* The credentials module may reject the URL itself; either way the
     * client must not be created. */
    if (config != NULL) {
        struct ddb_client *client = ddb_client_new(config, NULL, err, sizeof(err));
        ck_assert_ptr_null(client);
        ck_assert_msg(strstr(err, "127.0.0.1:8000") != NULL, "err: %s", err);
        aws_config_free(config);
    }
}
END_TEST

static Suite *retry_suite(void)
{
    Suite *suite = suite_create("ddb_retry");
    TCase *cases = tcase_create("scripted");

    tcase_set_timeout(cases, 30);
    tcase_add_loop_test(cases, test_retry_case, 0,
                        (int)(sizeof(retry_cases) / sizeof(retry_cases[0])));
    tcase_add_test(cases, test_skew_signs_with_server_time);
    tcase_add_test(cases, test_huge_body_not_retried);
    tcase_add_test(cases, test_limit_exceeded_within_deadline);
    tcase_add_test(cases, test_call_max_attempts_overrides);
    tcase_add_test(cases, test_aws_max_attempts_env);
    tcase_add_test(cases, test_retry_quota_exhausted);
    tcase_add_test(cases, test_keep_alive_one_connection);
    tcase_add_test(cases, test_request_timeout);
    tcase_add_test(cases, test_timeout_retried);
    tcase_add_test(cases, test_closed_port_keeps_curl_reason);
    tcase_add_test(cases, test_invalid_endpoint_rejected);
    suite_add_tcase(suite, cases);
    return suite;
}

int main(void)
{
    log_set_level(LOG_LEVEL_WARN);
    SRunner *runner = srunner_create(retry_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
