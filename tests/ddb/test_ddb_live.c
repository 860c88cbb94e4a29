/*
 * DynamoDB client against a real DynamoDB-compatible server: the endpoint
 * in SCHEMAREG_TEST_ENDPOINT, started by tests/servers/ddb-server run.
 * Exits 77 (skipped) when SCHEMAREG_TEST_ENDPOINT is not set.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "ddb_client.h"
#include "log.h"

#define TABLE "live-widgets"
#define ACTIVE_TIMEOUT_S 60

static struct aws_config *config;
static struct ddb_client *client;

static void client_setup(void)
{
    char err[512] = "";
    struct aws_options aws = {.endpoint_url = getenv("SCHEMAREG_TEST_ENDPOINT")};

    config = aws_config_resolve(&aws, err, sizeof(err));
    ck_assert_msg(config != NULL, "aws_config_resolve: %s", err);
    struct ddb_client_options options = {.max_attempts = 3, .retry_base_delay_ms = 50};
    client = ddb_client_new(config, &options, err, sizeof(err));
    ck_assert_msg(client != NULL, "ddb_client_new: %s", err);
}

static void client_teardown(void)
{
    ddb_client_free(client);
    aws_config_free(config);
}

/* Calls operation with the JSON text request; returns the response or NULL
 * with error filled. */
static json_t *call(const char *operation, const char *request_text, struct ddb_error *error)
{
    json_error_t json_error;
    json_t *request = json_loads(request_text, 0, &json_error);
    json_t *response = NULL;

    ck_assert_msg(request != NULL, "test request JSON: %s", json_error.text);
    int rc = ddb_call(client, operation, request, &response, error);
    json_decref(request);
    ck_assert((rc == 0) == (response != NULL));
    return response;
}

static void create_table_once(void)
{
    static bool created;
    struct ddb_error error;

    if (created)
        return;
    json_t *response = call("CreateTable",
                            "{\"TableName\":\"" TABLE "\","
                            "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\","
                            "\"AttributeType\":\"S\"}],"
                            "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
                            "\"BillingMode\":\"PAY_PER_REQUEST\"}",
                            &error);
    ck_assert_msg(response != NULL, "CreateTable: %s: %s", error.type, error.message);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(response, "TableDescription"), "TableName")),
                     TABLE);
    json_decref(response);

    /* Polls DescribeTable until the table is ACTIVE. */
    time_t deadline = time(NULL) + ACTIVE_TIMEOUT_S;
    const char *status = NULL;
    while (time(NULL) < deadline) {
        response = call("DescribeTable", "{\"TableName\":\"" TABLE "\"}", &error);
        ck_assert_msg(response != NULL, "DescribeTable: %s: %s", error.type, error.message);
        json_t *table = json_object_get(response, "Table");
        status = json_string_value(json_object_get(table, "TableStatus"));
        ck_assert_ptr_nonnull(status);
        bool active = strcmp(status, "ACTIVE") == 0;
        json_decref(response);
        if (active) {
            created = true;
            return;
        }
        struct timespec pause = {.tv_nsec = 200 * 1000000L};
        nanosleep(&pause, NULL);
    }
    ck_abort_msg("table " TABLE " not ACTIVE after %d s", ACTIVE_TIMEOUT_S);
}

START_TEST(test_put_get_round_trip)
{
    static const char item[] =
        "{\"pk\":{\"S\":\"widget-1\"},\"name\":{\"S\":\"gear\"},\"count\":{\"N\":\"42\"},"
        "\"tags\":{\"SS\":[\"a\",\"b\"]},\"ok\":{\"BOOL\":true}}";
    struct ddb_error error;
    json_error_t json_error;

    create_table_once();
    json_t *response = call("PutItem", "{\"TableName\":\"" TABLE "\",\"Item\":"
                            "{\"pk\":{\"S\":\"widget-1\"},\"name\":{\"S\":\"gear\"},"
                            "\"count\":{\"N\":\"42\"},\"tags\":{\"SS\":[\"a\",\"b\"]},"
                            "\"ok\":{\"BOOL\":true}}}",
                            &error);
    ck_assert_msg(response != NULL, "PutItem: %s: %s", error.type, error.message);
    ck_assert_int_eq(error.attempts, 1);
    json_decref(response);

    response = call("GetItem", "{\"TableName\":\"" TABLE "\",\"ConsistentRead\":true,"
                    "\"Key\":{\"pk\":{\"S\":\"widget-1\"}}}",
                    &error);
    ck_assert_msg(response != NULL, "GetItem: %s: %s", error.type, error.message);
    json_t *expected = json_loads(item, 0, &json_error);
    ck_assert_ptr_nonnull(expected);
    json_t *got = json_object_get(response, "Item");
    char *got_text = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
    ck_assert_msg(json_equal(got, expected), "GetItem returned %s", got_text);
    free(got_text);
    json_decref(expected);
    json_decref(response);
}
END_TEST

/* A request that the server rejects, and the error it must return. */
struct error_case {
    const char *name;
    const char *operation;
    const char *request;
    const char *expected_type;
};

static const struct error_case error_cases[] = {
    {"missing table", "DescribeTable", "{\"TableName\":\"no-such-table\"}",
     "ResourceNotFoundException"},
    {"GetItem on missing table", "GetItem",
     "{\"TableName\":\"no-such-table\",\"Key\":{\"pk\":{\"S\":\"x\"}}}",
     "ResourceNotFoundException"},
    {"item without its key", "PutItem",
     "{\"TableName\":\"" TABLE "\",\"Item\":{\"name\":{\"S\":\"no key\"}}}",
     "ValidationException"},
    {"key of the wrong type", "GetItem",
     "{\"TableName\":\"" TABLE "\",\"Key\":{\"pk\":{\"N\":\"1\"}}}", "ValidationException"},
    {"condition on an existing item", "PutItem",
     "{\"TableName\":\"" TABLE "\",\"Item\":{\"pk\":{\"S\":\"widget-1\"}},"
     "\"ConditionExpression\":\"attribute_not_exists(pk)\"}",
     "ConditionalCheckFailedException"},
    {"table that exists", "CreateTable",
     "{\"TableName\":\"" TABLE "\","
     "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
     "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
     "\"BillingMode\":\"PAY_PER_REQUEST\"}",
     "ResourceInUseException"},
};

START_TEST(test_error_case)
{
    const struct error_case *test_case = &error_cases[_i];
    struct ddb_error error;

    create_table_once();
    json_t *seed = call("PutItem", "{\"TableName\":\"" TABLE "\","
                        "\"Item\":{\"pk\":{\"S\":\"widget-1\"}}}", &error);
    ck_assert_msg(seed != NULL, "PutItem: %s: %s", error.type, error.message);
    json_decref(seed);

    json_t *response = call(test_case->operation, test_case->request, &error);
    ck_assert_msg(response == NULL, "%s: the call succeeded", test_case->name);
    ck_assert_int_eq(error.kind, DDB_ERROR_SERVICE);
    ck_assert_int_eq(error.http_status, 400);
    ck_assert_msg(strcmp(error.type, test_case->expected_type) == 0, "%s: type %s: %s",
                  test_case->name, error.type, error.message);
    ck_assert_msg(strlen(error.message) > 10, "%s: message \"%s\"", test_case->name,
                  error.message);
    ck_assert_msg(strstr(error.message, "HTTP status") == NULL, "%s: message \"%s\"",
                  test_case->name, error.message);
    ck_assert_msg(strchr(error.type, '#') == NULL, "type %s", error.type);
    /* Non-retryable errors are returned after the first attempt. */
    ck_assert_int_eq(error.attempts, 1);
}
END_TEST

START_TEST(test_connection_reused)
{
    struct ddb_error error;

    create_table_once();
    long before = ddb_client_connections(client);
    for (int i = 0; i < 25; i++) {
        json_t *response = call("DescribeTable", "{\"TableName\":\"" TABLE "\"}", &error);
        ck_assert_msg(response != NULL, "DescribeTable: %s: %s", error.type, error.message);
        json_decref(response);
    }
    /* An error response must not close the connection either. */
    json_t *missing = call("DescribeTable", "{\"TableName\":\"no-such-table\"}", &error);
    ck_assert_ptr_null(missing);

    ck_assert_int_le(before, 1);
    ck_assert_int_eq(ddb_client_connections(client), 1);
}
END_TEST

static Suite *live_suite(void)
{
    Suite *suite = suite_create("ddb_live");
    TCase *cases = tcase_create("server");

    /* One process for all tests, so the table is created once and the
     * connection count covers every call. */
    tcase_add_unchecked_fixture(cases, client_setup, client_teardown);
    tcase_set_timeout(cases, 120);
    tcase_add_test(cases, test_put_get_round_trip);
    tcase_add_loop_test(cases, test_error_case, 0,
                        (int)(sizeof(error_cases) / sizeof(error_cases[0])));
    tcase_add_test(cases, test_connection_reused);
    suite_add_tcase(suite, cases);
    return suite;
}

int main(void)
{
    if (getenv("SCHEMAREG_TEST_ENDPOINT") == NULL) {
        fprintf(stdout, "SCHEMAREG_TEST_ENDPOINT is not set: run through "
                        "tests/servers/ddb-server run; skipping\n");
        return 77;
    }
    log_set_level(LOG_LEVEL_WARN);
    SRunner *runner = srunner_create(live_suite());
    /* No fork: the fixture's client and its connection live across tests. */
    srunner_set_fork_status(runner, CK_NOFORK);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
