/*
 * DynamoDB error parsing, retry classification and backoff bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "ddb_error.h"
#include "log.h"
#include "retry.h"

struct parse_case {
    long status;
    const char *body;
    enum ddb_error_kind kind;
    const char *type;
    const char *message;
    enum ddb_retry_class retry_class;
};

static const struct parse_case parse_cases[] = {
    {400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\","
          "\"message\":\"Requested resource not found\"}",
     DDB_ERROR_SERVICE, "ResourceNotFoundException", "Requested resource not found",
     DDB_RETRY_NEVER},
    {400, "{\"__type\":\"com.amazon.coral.validate#ValidationException\","
          "\"Message\":\"Upper-case Message key\"}",
     DDB_ERROR_SERVICE, "ValidationException", "Upper-case Message key", DDB_RETRY_NEVER},
    {400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceInUseException\","
          "\"message\":\"\"}",
     DDB_ERROR_SERVICE, "ResourceInUseException", "(no message)", DDB_RETRY_NEVER},
    {400, "{\"__type\":\"ThrottlingException\"}",
     DDB_ERROR_SERVICE, "ThrottlingException", "(no message)", DDB_RETRY_THROTTLING},
    {400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
          "ProvisionedThroughputExceededException\",\"message\":\"m\"}",
     DDB_ERROR_SERVICE, "ProvisionedThroughputExceededException", "m", DDB_RETRY_THROTTLING},
    {400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#LimitExceededException\","
          "\"message\":\"Too many operations\"}",
     DDB_ERROR_SERVICE, "LimitExceededException", "Too many operations",
     DDB_RETRY_LIMIT_EXCEEDED},
    {500, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\","
          "\"message\":\"Internal server error\"}",
     DDB_ERROR_SERVICE, "InternalServerError", "Internal server error", DDB_RETRY_TRANSIENT},
    {503, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#SomethingNew\",\"message\":\"m\"}",
     DDB_ERROR_SERVICE, "SomethingNew", "m", DDB_RETRY_TRANSIENT},
    {400, "{\"__type\":\"com.amazon.coral.service#InvalidSignatureException\","
          "\"message\":\"Signature expired: 20200101T000000Z is now earlier than "
          "20200101T001000Z\"}",
     DDB_ERROR_SERVICE, "InvalidSignatureException", NULL, DDB_RETRY_CLOCK_SKEW},
    {400, "{\"__type\":\"com.amazon.coral.service#InvalidSignatureException\","
          "\"message\":\"The request signature we calculated does not match\"}",
     DDB_ERROR_SERVICE, "InvalidSignatureException", NULL, DDB_RETRY_NEVER},
    {403, "{\"__type\":\"RequestTimeTooSkewed\",\"message\":\"m\"}",
     DDB_ERROR_SERVICE, "RequestTimeTooSkewed", "m", DDB_RETRY_CLOCK_SKEW},
    {502, "<html>Bad Gateway</html>", DDB_ERROR_HTTP, "", NULL, DDB_RETRY_TRANSIENT},
    {504, "", DDB_ERROR_HTTP, "", NULL, DDB_RETRY_TRANSIENT},
    {429, "", DDB_ERROR_HTTP, "", NULL, DDB_RETRY_THROTTLING},
    {413, "too large", DDB_ERROR_HTTP, "", NULL, DDB_RETRY_NEVER},
    {400, "{\"__type\":42}", DDB_ERROR_HTTP, "", NULL, DDB_RETRY_NEVER},
    /* A server message cannot forge a log line or move the cursor. */
    {400, "{\"__type\":\"ValidationException\","
          "\"message\":\"something new\\nschemareg: info: forged\\u001b[2J\"}",
     DDB_ERROR_SERVICE, "ValidationException",
     "something new\\x0aschemareg: info: forged\\x1b[2J", DDB_RETRY_NEVER},
};

START_TEST(test_long_message_cut_between_characters)
{
    /* 3,000 two-byte characters: more than the message buffer holds. */
    size_t count = 3000;
    char *body = malloc(count * 2 + 64);
    ck_assert_ptr_nonnull(body);
    size_t len = (size_t)sprintf(body, "{\"__type\":\"ValidationException\",\"message\":\"");
    for (size_t i = 0; i < count; i++) {
        body[len++] = '\xc3';
        body[len++] = '\xa9';
    }
    len += (size_t)sprintf(body + len, "\"}");

    struct ddb_error error;
    ddb_error_clear(&error);
    ddb_error_from_response(&error, 400, body, len);

    size_t message_len = strlen(error.message);
    ck_assert_uint_lt(message_len, sizeof(error.message));
    ck_assert_str_eq(error.message + message_len - 3, "...");
    ck_assert_uint_eq((message_len - 3) % 2, 0);
    for (size_t i = 0; i + 3 < message_len; i += 2) {
        ck_assert_int_eq((unsigned char)error.message[i], 0xc3);
        ck_assert_int_eq((unsigned char)error.message[i + 1], 0xa9);
    }
    free(body);
}
END_TEST

START_TEST(test_parse_case)
{
    const struct parse_case *test_case = &parse_cases[_i];
    struct ddb_error error;

    ddb_error_clear(&error);
    error.attempts = 2;
    ddb_error_from_response(&error, test_case->status, test_case->body,
                            strlen(test_case->body));

    ck_assert_int_eq(error.kind, test_case->kind);
    ck_assert_int_eq(error.http_status, test_case->status);
    ck_assert_int_eq(error.attempts, 2);
    ck_assert_str_eq(error.type, test_case->type);
    if (test_case->message != NULL)
        ck_assert_str_eq(error.message, test_case->message);
    ck_assert_str_ne(error.message, "");
    ck_assert_int_eq(ddb_error_classify(&error), test_case->retry_class);
}
END_TEST

START_TEST(test_classify_transport_and_checksum)
{
    struct ddb_error error;

    ddb_error_clear(&error);
    ddb_error_set(&error, DDB_ERROR_TRANSPORT, "Couldn't connect to server");
    ck_assert_int_eq(ddb_error_classify(&error), DDB_RETRY_TIMEOUT);

    ddb_error_set(&error, DDB_ERROR_CHECKSUM, "crc32 mismatch");
    ck_assert_int_eq(ddb_error_classify(&error), DDB_RETRY_TRANSIENT);

    ddb_error_set(&error, DDB_ERROR_CLIENT, "invalid JSON");
    ck_assert_int_eq(ddb_error_classify(&error), DDB_RETRY_NEVER);
}
END_TEST

START_TEST(test_backoff_within_bounds)
{
    static const struct {
        int retry;
        long ceiling_ms;
    } cases[] = {{1, 1000}, {2, 2000}, {3, 4000}, {5, 16000}, {6, 20000}, {40, 20000}};

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long max_seen = 0;
        for (int draw = 0; draw < 200; draw++) {
            long delay = retry_backoff_ms(cases[i].retry, 1000, 20000);
            ck_assert_int_ge(delay, 0);
            ck_assert_int_le(delay, cases[i].ceiling_ms);
            if (delay > max_seen)
                max_seen = delay;
        }
        /* Full jitter spreads over the whole range: 200 draws all in the
         * lower half would happen with probability 2^-200. */
        ck_assert_int_gt(max_seen, cases[i].ceiling_ms / 2);
    }
}
END_TEST

START_TEST(test_quota_costs_and_refunds)
{
    struct retry_quota quota;

    retry_quota_init(&quota);
    ck_assert_int_eq(retry_quota_acquire(&quota, false), RETRY_QUOTA_COST);
    ck_assert_int_eq(retry_quota_acquire(&quota, true), RETRY_QUOTA_TIMEOUT_COST);
    ck_assert_int_eq(quota.available,
                     RETRY_QUOTA_CAPACITY - RETRY_QUOTA_COST - RETRY_QUOTA_TIMEOUT_COST);

    retry_quota_release(&quota, RETRY_QUOTA_TIMEOUT_COST);
    ck_assert_int_eq(quota.available, RETRY_QUOTA_CAPACITY - RETRY_QUOTA_COST);
    retry_quota_release(&quota, 0);
    ck_assert_int_eq(quota.available,
                     RETRY_QUOTA_CAPACITY - RETRY_QUOTA_COST + RETRY_QUOTA_SUCCESS_REFUND);
    retry_quota_release(&quota, RETRY_QUOTA_TIMEOUT_COST);
    ck_assert_int_eq(quota.available, RETRY_QUOTA_CAPACITY);

    quota.available = RETRY_QUOTA_TIMEOUT_COST - 1;
    ck_assert_int_eq(retry_quota_acquire(&quota, true), 0);
    ck_assert_int_eq(retry_quota_acquire(&quota, false), RETRY_QUOTA_COST);
}
END_TEST

START_TEST(test_max_attempts_resolution)
{
    static const struct {
        int option;
        const char *env;
        int expected;
    } cases[] = {
        {0, NULL, 3}, {0, "7", 7}, {4, "7", 4}, {0, "0", 3},
        {0, "-2", 3}, {0, "many", 3}, {0, "", 3}, {1, NULL, 1},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].env != NULL)
            setenv("AWS_MAX_ATTEMPTS", cases[i].env, 1);
        else
            unsetenv("AWS_MAX_ATTEMPTS");
        ck_assert_int_eq(retry_resolve_max_attempts(cases[i].option), cases[i].expected);
    }
    unsetenv("AWS_MAX_ATTEMPTS");
}
END_TEST

static Suite *error_suite(void)
{
    Suite *suite = suite_create("ddb_error");
    TCase *cases = tcase_create("parse");

    tcase_add_loop_test(cases, test_parse_case, 0,
                        (int)(sizeof(parse_cases) / sizeof(parse_cases[0])));
    tcase_add_test(cases, test_classify_transport_and_checksum);
    tcase_add_test(cases, test_long_message_cut_between_characters);
    tcase_add_test(cases, test_backoff_within_bounds);
    tcase_add_test(cases, test_quota_costs_and_refunds);
    tcase_add_test(cases, test_max_attempts_resolution);
    suite_add_tcase(suite, cases);
    return suite;
}

int main(void)
{
    log_set_level(LOG_LEVEL_ERROR);
    SRunner *runner = srunner_create(error_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
