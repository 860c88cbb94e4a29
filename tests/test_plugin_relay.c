/* The stream between the host and the plugin loader: jobs with their
 * descriptors, result header checks, and the loader's environment. */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_relay.h"
#include "plugin_spawn.h"

/* More jobs than one message carries, so they span three sendmsg calls. */
#define ROUND_TRIP_JOBS 150

START_TEST(jobs_keep_index_and_descriptor)
{
    int pair[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);

    /* Each job's descriptor is a pipe whose write end carries its index. */
    uint32_t indexes[ROUND_TRIP_JOBS];
    int read_ends[ROUND_TRIP_JOBS];
    for (uint32_t i = 0; i < ROUND_TRIP_JOBS; i++) {
        int pipe_fds[2];
        ck_assert_int_eq(pipe2(pipe_fds, O_CLOEXEC), 0);
        ck_assert_int_eq(write(pipe_fds[1], &i, sizeof(i)), (ssize_t)sizeof(i));
        close(pipe_fds[1]);
        indexes[i] = 1000 + i;
        read_ends[i] = pipe_fds[0];
    }
    ck_assert_int_eq(plugin_relay_send_jobs(pair[0], indexes, read_ends, ROUND_TRIP_JOBS), 0);
    for (size_t i = 0; i < ROUND_TRIP_JOBS; i++)
        close(read_ends[i]);
    close(pair[0]);

    struct plugin_relay_receiver receiver;
    memset(&receiver, 0, sizeof(receiver));
    size_t received = 0;
    for (;;) {
        struct plugin_relay_job jobs[PLUGIN_RELAY_RECEIVE_MAX];
        size_t count = 0;
        int status = plugin_relay_receive_jobs(pair[1], &receiver, jobs, &count);
        ck_assert_int_ge(status, 0);
        if (status == 0)
            break;
        for (size_t i = 0; i < count; i++, received++) {
            uint32_t sent_index = 0;
            ck_assert_uint_eq(jobs[i].index, 1000 + received);
            ck_assert_int_eq(read(jobs[i].fd, &sent_index, sizeof(sent_index)),
                             (ssize_t)sizeof(sent_index));
            ck_assert_uint_eq(sent_index, received);
            ck_assert_int_eq(fcntl(jobs[i].fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
            close(jobs[i].fd);
        }
    }
    ck_assert_uint_eq(received, ROUND_TRIP_JOBS);
    ck_assert_uint_eq(receiver.fds_count, 0);
    close(pair[1]);
}
END_TEST

START_TEST(index_without_descriptor_rejected)
{
    int pair[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    uint32_t index = 0;
    ck_assert_int_eq(write(pair[0], &index, sizeof(index)), (ssize_t)sizeof(index));

    struct plugin_relay_receiver receiver;
    memset(&receiver, 0, sizeof(receiver));
    struct plugin_relay_job jobs[PLUGIN_RELAY_RECEIVE_MAX];
    size_t count = 0;
    ck_assert_int_eq(plugin_relay_receive_jobs(pair[1], &receiver, jobs, &count), -1);
    ck_assert_uint_eq(count, 0);
    close(pair[0]);
    close(pair[1]);
}
END_TEST

/* A header field to change and whether the result must pass. */
struct header_case {
    const char *name;
    void (*change)(struct plugin_relay_header *header);
    const char *error; /* expected message, or NULL when valid */
};

static void no_change(struct plugin_relay_header *h) { (void)h; }
static void bad_magic(struct plugin_relay_header *h) { h->magic = 0; }
static void last_index(struct plugin_relay_header *h) { h->index = 3; }
static void index_too_high(struct plugin_relay_header *h) { h->index = 4; }
static void outcome_zero(struct plugin_relay_header *h) { h->outcome = 0; }
static void exit_status_256(struct plugin_relay_header *h) { h->code = 256; }
static void exit_status_negative(struct plugin_relay_header *h) { h->code = -1; }
static void signal_nine(struct plugin_relay_header *h)
{
    h->outcome = PLUGIN_RELAY_SIGNALED;
    h->code = 9;
}
static void signal_too_high(struct plugin_relay_header *h)
{
    h->outcome = PLUGIN_RELAY_SIGNALED;
    h->code = 65;
}
static void note_too_long(struct plugin_relay_header *h) { h->note_length = 513; }
static void stdout_head_too_long(struct plugin_relay_header *h)
{
    h->stdout_total = 1000;
    h->stdout_length = 65;
}
static void stdout_head_beyond_total(struct plugin_relay_header *h)
{
    h->stdout_total = 3;
    h->stdout_length = 4;
}
static void result_at_limit(struct plugin_relay_header *h)
{
    h->result_length = PLUGIN_RELAY_RESULT_MAX;
}
static void result_too_long(struct plugin_relay_header *h)
{
    h->result_length = PLUGIN_RELAY_RESULT_MAX + 1;
}

static const struct header_case header_cases[] = {
    {"valid", no_change, NULL},
    {"last index", last_index, NULL},
    {"signal 9", signal_nine, NULL},
    {"result at limit", result_at_limit, NULL},
    {"bad magic", bad_magic, "a result frame starts with 0x00000000, not 0x31524c53"},
    {"index too high", index_too_high, "result for job 4, but only 4 jobs were sent"},
    {"outcome zero", outcome_zero, "unknown outcome 0 for job 1"},
    {"exit status 256", exit_status_256, "invalid code 256 for outcome 1 of job 1"},
    {"exit status -1", exit_status_negative, "invalid code -1 for outcome 1 of job 1"},
    {"signal 65", signal_too_high, "invalid code 65 for outcome 2 of job 1"},
    {"note too long", note_too_long, "note of job 1 is 513 bytes, above the limit of 512"},
    {"stdout head too long", stdout_head_too_long,
     "stdout head of job 1 is 65 bytes, above the limit of 64"},
    {"stdout head beyond total", stdout_head_beyond_total,
     "stdout head of job 1 is longer than its stdout"},
    {"result too long", result_too_long,
     "result of job 1 is 67108865 bytes, above the limit of 67108864"},
};

START_TEST(header_checked)
{
    const struct header_case *c = &header_cases[_i];
    struct plugin_relay_header header = {
        .magic = PLUGIN_RELAY_MAGIC,
        .index = 1,
        .outcome = PLUGIN_RELAY_EXITED,
    };
    c->change(&header);

    char err[256] = "";
    int status = plugin_relay_parse_header(&header, 4, err, sizeof(err));
    if (c->error == NULL) {
        ck_assert_msg(status == 0, "%s: rejected with \"%s\"", c->name, err);
    } else {
        ck_assert_msg(status == -1, "%s: accepted", c->name);
        ck_assert_str_eq(err, c->error);
    }
}
END_TEST

START_TEST(environment_keeps_only_listed)
{
    char *env[] = {
        "PATH=/usr/bin",
        "AWS_SECRET_ACCESS_KEY=secret",
        "AWS_ACCESS_KEY_ID=AKID",
        "AWS_SESSION_TOKEN=token",
        "AWS_PROFILE=prod",
        "HOME=/root",
        "LANG=C.UTF-8",
        "LC_ALL=C",
        "LD_PRELOAD=/tmp/x.so",
        "LD_LIBRARY_PATH=/opt/lib",
        "SCHEMAREG_TEST_MARKER=/tmp/m",
        "PATHX=1",
        "TZ=UTC",
        NULL,
    };
    const char *expected[] = {"PATH=/usr/bin", "LANG=C.UTF-8", "LC_ALL=C",
                              "LD_LIBRARY_PATH=/opt/lib", "SCHEMAREG_TEST_MARKER=/tmp/m",
                              "TZ=UTC"};
    size_t expected_count = sizeof(expected) / sizeof(expected[0]);

    char **kept = plugin_spawn_environment(env, 0);
    ck_assert_ptr_nonnull(kept);
    size_t count = 0;
    while (kept[count] != NULL)
        count++;
    ck_assert_uint_eq(count, expected_count);
    for (size_t i = 0; i < expected_count; i++)
        ck_assert_str_eq(kept[i], expected[i]);
    free(kept);

    kept = plugin_spawn_environment(env, 1);
    ck_assert_ptr_nonnull(kept);
    ck_assert_ptr_null(kept[0]);
    free(kept);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("plugin_relay");
    TCase *relay = tcase_create("relay");
    tcase_add_test(relay, jobs_keep_index_and_descriptor);
    tcase_add_test(relay, index_without_descriptor_rejected);
    tcase_add_loop_test(relay, header_checked, 0,
                        (int)(sizeof(header_cases) / sizeof(header_cases[0])));
    tcase_add_test(relay, environment_keeps_only_listed);
    suite_add_tcase(suite, relay);

    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
