/*
 * DynamoDB client behind the fault-injecting proxy: each fault kind at
 * rate 1.0 ends in the expected error after max_attempts, and at rate 0.3
 * on several seeds every call succeeds through the retries.
 *
 *   test_ddb_faults PROXY_SCRIPT
 *
 * Runs under tests/servers/ddb-server run, which sets
 * SCHEMAREG_TEST_ENDPOINT; exits 77 (skipped) when that is not set.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "ddb_client.h"
#include "log.h"

#define TABLE "fault-widgets"
#define EXIT_SKIP 77
#define REQUEST_TIMEOUT_MS 400
#define DELAY_MS "1500"

extern char **environ;

static const char *proxy_script;
static const char *upstream_endpoint;

struct proxy {
    pid_t pid;
    char endpoint[64];
};

/* Starts faultproxy.py in front of the test server with the given
 * options and reads the port it prints. */
static void proxy_start(struct proxy *proxy, const char *rate, const char *seed,
                        const char *kinds)
{
    const char *port = strrchr(upstream_endpoint, ':') + 1;
    char *const argv[] = {
        "/usr/bin/python3", (char *)proxy_script, "--upstream", (char *)port,
        "--rate", (char *)rate, "--seed", (char *)seed, "--kinds", (char *)kinds,
        "--delay-ms", DELAY_MS, NULL,
    };
    int pipe_fds[2];
    ck_assert_int_eq(pipe(pipe_fds), 0);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    int rc = posix_spawn(&proxy->pid, argv[0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    ck_assert_msg(rc == 0, "posix_spawn %s: %s", argv[0], strerror(rc));

    FILE *output = fdopen(pipe_fds[0], "r");
    char line[32] = "";
    ck_assert_msg(fgets(line, sizeof(line), output) != NULL, "faultproxy printed no port");
    fclose(output);
    snprintf(proxy->endpoint, sizeof(proxy->endpoint), "http://127.0.0.1:%d", atoi(line));
}

static void proxy_stop(struct proxy *proxy)
{
    int status;
    kill(proxy->pid, SIGTERM);
    ck_assert_int_eq(waitpid(proxy->pid, &status, 0), proxy->pid);
}

struct client {
    struct aws_config *config;
    struct ddb_client *ddb;
};

static void client_open(struct client *client, const char *endpoint, int max_attempts)
{
    char err[512] = "";
    struct aws_options aws = {.endpoint_url = endpoint};
    client->config = aws_config_resolve(&aws, err, sizeof(err));
    ck_assert_msg(client->config != NULL, "aws_config_resolve: %s", err);

    struct ddb_client_options options = {
        .max_attempts = max_attempts,
        .request_timeout_ms = REQUEST_TIMEOUT_MS,
        .retry_base_delay_ms = 5,
        .retry_max_delay_ms = 20,
    };
    client->ddb = ddb_client_new(client->config, &options, err, sizeof(err));
    ck_assert_msg(client->ddb != NULL, "ddb_client_new: %s", err);
}

static void client_close(struct client *client)
{
    ddb_client_free(client->ddb);
    aws_config_free(client->config);
}

static json_t *put_item_request(const char *key)
{
    return json_pack("{s:s, s:{s:{s:s}, s:{s:s}}}", "TableName", TABLE,
                     "Item", "pk", "S", key, "v", "N", "1");
}

static json_t *get_item_request(const char *key)
{
    return json_pack("{s:s, s:{s:{s:s}}, s:b}", "TableName", TABLE,
                     "Key", "pk", "S", key, "ConsistentRead", 1);
}

/* Calls operation and returns ddb_call's result; the response is dropped. */
static int call(struct client *client, const char *operation, json_t *request,
                struct ddb_error *error)
{
    json_t *response = NULL;
    int rc = ddb_call(client->ddb, operation, request, &response, error);
    json_decref(request);
    json_decref(response);
    return rc;
}

/* Returns nonzero when the item with key exists, read past the proxy. */
static int item_exists(const char *key)
{
    struct client direct;
    client_open(&direct, upstream_endpoint, 3);
    json_t *response = NULL;
    struct ddb_error error;
    json_t *request = get_item_request(key);
    int rc = ddb_call(direct.ddb, "GetItem", request, &response, &error);
    json_decref(request);
    ck_assert_msg(rc == 0, "GetItem %s: %s", key, error.message);
    int exists = json_object_get(response, "Item") != NULL;
    json_decref(response);
    client_close(&direct);
    return exists;
}

static void create_table(void)
{
    struct client direct;
    client_open(&direct, upstream_endpoint, 3);
    json_t *request = json_pack(
        "{s:s, s:[{s:s, s:s}], s:[{s:s, s:s}], s:s}", "TableName", TABLE,
        "AttributeDefinitions", "AttributeName", "pk", "AttributeType", "S",
        "KeySchema", "AttributeName", "pk", "KeyType", "HASH",
        "BillingMode", "PAY_PER_REQUEST");
    struct ddb_error error;
    int rc = call(&direct, "CreateTable", request, &error);
    ck_assert_msg(rc == 0 || strcmp(error.type, "ResourceInUseException") == 0,
                  "CreateTable: %s %s", error.type, error.message);
    client_close(&direct);
}

struct fault_case {
    const char *kind;
    enum ddb_error_kind error_kind;
    const char *error_type; /* short __type, or "" */
    long http_status;       /* 0: not checked, as no whole response arrives */
    int applied;            /* the server applied the PutItem */
};

static const struct fault_case fault_cases[] = {
    {"ProvisionedThroughputExceededException", DDB_ERROR_SERVICE,
     "ProvisionedThroughputExceededException", 400, 0},
    {"ThrottlingException", DDB_ERROR_SERVICE, "ThrottlingException", 400, 0},
    {"LimitExceededException", DDB_ERROR_SERVICE, "LimitExceededException", 400, 0},
    {"http_500", DDB_ERROR_SERVICE, "InternalServerError", 500, 0},
    {"http_503", DDB_ERROR_HTTP, "", 503, 0},
    {"reset_before", DDB_ERROR_TRANSPORT, "", 0, 0},
    {"reset_after", DDB_ERROR_TRANSPORT, "", 0, 1},
    {"truncate", DDB_ERROR_TRANSPORT, "", 0, 1},
    {"bad_crc32", DDB_ERROR_CHECKSUM, "", 200, 1},
    {"delay", DDB_ERROR_TRANSPORT, "", 0, 1},
};

#define MAX_ATTEMPTS_AT_FULL_RATE 2

START_TEST(test_kind_at_full_rate)
{
    const struct fault_case *c = &fault_cases[_i];
    create_table();

    struct proxy proxy;
    proxy_start(&proxy, "1.0", "1", c->kind);
    struct client client;
    client_open(&client, proxy.endpoint, MAX_ATTEMPTS_AT_FULL_RATE);

    char key[128];
    snprintf(key, sizeof(key), "full-%s", c->kind);
    struct ddb_error error;
    int rc = call(&client, "PutItem", put_item_request(key), &error);
    client_close(&client);
    proxy_stop(&proxy);

    ck_assert_msg(rc == -1, "%s: PutItem succeeded", c->kind);
    ck_assert_msg(error.kind == c->error_kind, "%s: error kind %d, expected %d (%s)",
                  c->kind, error.kind, c->error_kind, error.message);
    ck_assert_str_eq(error.type, c->error_type);
    if (c->http_status != 0)
        ck_assert_int_eq(error.http_status, c->http_status);
    ck_assert_int_eq(error.attempts, MAX_ATTEMPTS_AT_FULL_RATE);
    ck_assert_int_eq(item_exists(key), c->applied);
}
END_TEST

#define SURVIVAL_CALLS 30
#define SURVIVAL_MAX_ATTEMPTS 8

static const char *const survival_seeds[] = {"1", "2", "3"};

START_TEST(test_calls_survive_faults)
{
    create_table();

    struct proxy proxy;
    proxy_start(&proxy, "0.3", survival_seeds[_i], "all");
    struct client client;
    client_open(&client, proxy.endpoint, SURVIVAL_MAX_ATTEMPTS);

    int retried = 0;
    for (int i = 0; i < SURVIVAL_CALLS; i++) {
        char key[64];
        snprintf(key, sizeof(key), "survive-%s-%d", survival_seeds[_i], i);
        struct ddb_error error;
        int rc = call(&client, "PutItem", put_item_request(key), &error);
        ck_assert_msg(rc == 0, "seed %s PutItem %s: %s %s", survival_seeds[_i], key,
                      error.type, error.message);
        retried += error.attempts > 1;
        rc = call(&client, "GetItem", get_item_request(key), &error);
        ck_assert_msg(rc == 0, "seed %s GetItem %s: %s %s", survival_seeds[_i], key,
                      error.type, error.message);
        retried += error.attempts > 1;
    }
    client_close(&client);
    proxy_stop(&proxy);

    /* At rate 0.3 over 60 calls, calls without any retry would mean the
     * proxy injected nothing. */
    ck_assert_int_gt(retried, 0);
    for (int i = 0; i < SURVIVAL_CALLS; i++) {
        char key[64];
        snprintf(key, sizeof(key), "survive-%s-%d", survival_seeds[_i], i);
        ck_assert_msg(item_exists(key), "item %s missing", key);
    }
}
END_TEST

int main(int argc, char **argv)
{
    upstream_endpoint = getenv("SCHEMAREG_TEST_ENDPOINT");
    if (upstream_endpoint == NULL || argc != 2) {
        fprintf(stderr, "test_ddb_faults: skipped: run as 'ddb-server run KIND -- %s "
                        "PROXY_SCRIPT'\n", argv[0]);
        return EXIT_SKIP;
    }
    proxy_script = argv[1];
    log_set_level(LOG_LEVEL_WARN);

    Suite *suite = suite_create("ddb_faults");
    TCase *tcase = tcase_create("faults");
    tcase_set_timeout(tcase, 120);
    tcase_add_loop_test(tcase, test_kind_at_full_rate, 0,
                        (int)(sizeof(fault_cases) / sizeof(fault_cases[0])));
    tcase_add_loop_test(tcase, test_calls_survive_faults, 0,
                        (int)(sizeof(survival_seeds) / sizeof(survival_seeds[0])));
    suite_add_tcase(suite, tcase);

    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
