/*
 * The connection pool (ddb_multi.h) against a scripted HTTP server on
 * 127.0.0.1: completions, retries on timers, the connection bound, and
 * a call whose reply is already waiting when ddb_multi_perform runs.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include <check.h>

#include "ddb_harness.h"
#include "ddb_multi.h"
#include "retry.h"

#define OK_BODY "{\"TableNames\":[]}"
/* Long enough that a wait which runs to its end fails the test case,
 * whose timeout is shorter. */
#define LONG_WAIT_MS 60000

struct outcome {
    int done;
    int rc;
    int attempts;
};

static void record(void *user, int rc, json_t *response, const struct ddb_error *error)
{
    struct outcome *outcome = user;

    outcome->done++;
    outcome->rc = rc;
    outcome->attempts = error->attempts;
    json_decref(response);
}

static void submit_list_tables(struct ddb_multi *multi, struct outcome *outcome)
{
    json_t *request = json_object();
    struct ddb_error error;

    ck_assert_int_eq(ddb_multi_submit(multi, "ListTables", request, 0, record, outcome, &error),
                     0);
    json_decref(request);
}

static struct ddb_multi *new_pool(struct harness *harness, long max_connections)
{
    char err[512] = "";
    struct ddb_multi *multi = ddb_multi_new(harness->client, max_connections, err, sizeof(err));

    ck_assert_msg(multi != NULL, "ddb_multi_new: %s", err);
    return multi;
}

static void sleep_ms(long ms)
{
    struct timespec delay = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    nanosleep(&delay, NULL);
}

/*
 * The reply is in the socket before ddb_multi_perform starts, so libcurl
 * ends the transfer in its first step. The call must complete in that
 * ddb_multi_perform; waiting for more network activity first would block
 * until the timeout, since nothing else is in flight.
 */
START_TEST(test_reply_already_waiting)
{
    struct fake_response script[] = {{200, OK_BODY, 0, 0, 100}};
    struct harness harness;
    struct outcome outcome = {0};

    harness_start(&harness, script, 1, NULL);
    struct ddb_multi *multi = new_pool(&harness, 4);
    submit_list_tables(multi, &outcome);

    /* Send the request without waiting. The server replies after 100 ms. */
    while (atomic_load(&harness.server.requests) == 0)
        ck_assert_int_eq(ddb_multi_perform(multi, 0), 0);
    sleep_ms(500);
    ck_assert_int_eq(outcome.done, 0);

    long long started = retry_now_ms();
    ck_assert_int_eq(ddb_multi_perform(multi, LONG_WAIT_MS), 0);
    long long waited = retry_now_ms() - started;

    ck_assert_int_eq(outcome.done, 1);
    ck_assert_int_eq(outcome.rc, 0);
    ck_assert_msg(waited < LONG_WAIT_MS / 2, "the completed call waited %lld ms", waited);
    ddb_multi_free(multi);
    harness_stop(&harness);
}
END_TEST

/* More calls than connections: each completes once, on at most
 * max_connections connections, and a 500 is retried on a timer. */
START_TEST(test_many_calls_few_connections)
{
    enum { CALLS = 24, CONNECTIONS = 3 };
    struct fake_response script[] = {{500, "oops", 0, 0, 0}, {200, OK_BODY, 0, 0, 0}};
    struct harness harness;
    struct outcome outcomes[CALLS] = {{0}};

    harness_start(&harness, script, 2, NULL);
    struct ddb_multi *multi = new_pool(&harness, CONNECTIONS);
    for (size_t i = 0; i < CALLS; i++)
        submit_list_tables(multi, &outcomes[i]);

    while (ddb_multi_pending(multi) > 0)
        ck_assert_int_eq(ddb_multi_perform(multi, 1000), 0);

    int attempts = 0;
    for (size_t i = 0; i < CALLS; i++) {
        ck_assert_int_eq(outcomes[i].done, 1);
        ck_assert_int_eq(outcomes[i].rc, 0);
        attempts += outcomes[i].attempts;
    }
    ck_assert_int_eq(attempts, CALLS + 1);
    ck_assert_int_eq(atomic_load(&harness.server.requests), CALLS + 1);
    ck_assert_int_le(atomic_load(&harness.server.connections), CONNECTIONS);
    ck_assert_int_le(ddb_multi_connections(multi), CONNECTIONS);
    ddb_multi_free(multi);
    harness_stop(&harness);
}
END_TEST

/* Calls still pending when the pool is freed end once, as failed. */
START_TEST(test_free_ends_pending_calls)
{
    struct fake_response script[] = {{200, OK_BODY, 0, 0, 0}};
    struct harness harness;
    struct outcome sent = {0};
    struct outcome queued = {0};

    harness_start(&harness, script, 1, NULL);
    struct ddb_multi *multi = new_pool(&harness, 2);
    submit_list_tables(multi, &sent);
    submit_list_tables(multi, &queued);
    ddb_multi_free(multi);

    ck_assert_int_eq(sent.done, 1);
    ck_assert_int_eq(sent.rc, -1);
    ck_assert_int_eq(queued.done, 1);
    ck_assert_int_eq(queued.rc, -1);
    harness_stop(&harness);
}
END_TEST

static Suite *multi_suite(void)
{
    Suite *suite = suite_create("ddb_multi");
    TCase *cases = tcase_create("pool");

    tcase_set_timeout(cases, 20);
    tcase_add_test(cases, test_reply_already_waiting);
    tcase_add_test(cases, test_many_calls_few_connections);
    tcase_add_test(cases, test_free_ends_pending_calls);
    suite_add_tcase(suite, cases);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(multi_suite());

    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? 0 : 1;
}
