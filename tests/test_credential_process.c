/* credential_process: output parsing and every failure. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws_test_support.h"
#include "credential_process.h"

#define TIMEOUT_MS 10000

struct process_case {
    const char *name;
    const char *command;
    int timeout_ms;
    const char *expected_key;    /* NULL when the command must fail */
    const char *expected_token;  /* NULL for no session token */
    time_t expected_expiration;  /* 0 for none */
    const char *expected_error;
};

/* Every failing command also prints "LEAKED" somewhere on stdout, which no
 * message may repeat. */
static const struct process_case process_cases[] = {
    {"temporary credentials",
     "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"s3\", "
     "\"SessionToken\": \"tok\", \"Expiration\": \"2030-01-01T01:00:00Z\"}'",
     TIMEOUT_MS, "AKIDPROC", "tok", TEST_NOW + 3600, NULL},
    {"long-term credentials",
     "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDLONG\", \"SecretAccessKey\": \"s3\"}'",
     TIMEOUT_MS, "AKIDLONG", NULL, 0, NULL},
    {"expiration with offset and fraction",
     "echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s\", "
     "\"Expiration\": \"2030-01-01T02:00:00.123+01:00\"}'",
     TIMEOUT_MS, "A", NULL, TEST_NOW + 3600, NULL},
    {"null session token",
     "echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s\", "
     "\"SessionToken\": null}'",
     TIMEOUT_MS, "A", NULL, 0, NULL},
    {"non-zero exit",
     "echo 'token expired, run aws sso login' >&2; echo '{\"SecretAccessKey\": \"LEAKED\"}'; "
     "exit 3",
     TIMEOUT_MS, NULL, NULL, 0,
     "credential_process of profile 'dev' (echo) failed with exit status 3; its error output "
     "is not shown because it may contain secrets, so run the command by hand to see it"},
    {"secret on stderr",
     "echo '{\"AccessKeyId\": \"AKIDLEAKED\", \"SecretAccessKey\": \"LEAKED\"}' >&2; exit 3",
     TIMEOUT_MS, NULL, NULL, 0, "(echo) failed with exit status 3"},
    {"failure without stderr", "echo LEAKED; exit 1", TIMEOUT_MS, NULL, NULL, 0,
     "credential_process of profile 'dev' (echo) failed with exit status 1"},
    {"command not found", "/nonexistent/credential-helper LEAKED-ARG >/dev/null", TIMEOUT_MS,
     NULL, NULL, 0, "(/nonexistent/credential-helper) failed with exit status 127"},
    {"assignment before program", "TOKEN=LEAKED  OTHER=LEAKED /bin/false --key LEAKED",
     TIMEOUT_MS, NULL, NULL, 0, "(/bin/false) failed with exit status 1"},
    {"killed by signal", "echo LEAKED; kill -TERM $$", TIMEOUT_MS, NULL, NULL, 0,
     "credential_process of profile 'dev' (echo) was killed by signal 15"},
    {"stdout closed, still running",
     "printf '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"LEAKED\"}'; "
     "exec >/dev/null; exec sleep 30",
     300, NULL, NULL, 0,
     "credential_process of profile 'dev' timed out after 300 ms and was killed"},
    {"truncated JSON",
     "printf '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"LEAKED'",
     TIMEOUT_MS, NULL, NULL, 0,
     "credential_process of profile 'dev' printed bad credentials: invalid JSON at line 1"},
    {"empty output", "cat", TIMEOUT_MS, NULL, NULL, 0, "printed bad credentials: invalid JSON"},
    {"not an object", "echo '[\"LEAKED\"]'", TIMEOUT_MS, NULL, NULL, 0,
     "printed bad credentials: the JSON document is not an object"},
    {"missing version",
     "echo '{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"LEAKED\"}'", TIMEOUT_MS, NULL, NULL,
     0, "printed bad credentials: missing \"Version\""},
    {"unsupported version",
     "echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"LEAKED\"}'",
     TIMEOUT_MS, NULL, NULL, 0, "unsupported \"Version\"; expected \"Version\": 1"},
    {"missing secret key", "echo '{\"Version\": 1, \"AccessKeyId\": \"LEAKED\"}'", TIMEOUT_MS,
     NULL, NULL, 0, "missing \"SecretAccessKey\""},
    {"empty access key",
     "echo '{\"Version\": 1, \"AccessKeyId\": \"\", \"SecretAccessKey\": \"LEAKED\"}'",
     TIMEOUT_MS, NULL, NULL, 0, "\"AccessKeyId\" is not a non-empty string"},
    {"duplicate key",
     "echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"AccessKeyId\": \"B\", "
     "\"SecretAccessKey\": \"LEAKED\"}'",
     TIMEOUT_MS, NULL, NULL, 0, "printed bad credentials: invalid JSON"},
    {"bad expiration",
     "echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"LEAKED\", "
     "\"Expiration\": \"tomorrow\"}'",
     TIMEOUT_MS, NULL, NULL, 0, "\"Expiration\" is not an RFC 3339 time"},
    {"impossible date",
     "echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"LEAKED\", "
     "\"Expiration\": \"2030-02-31T00:00:00Z\"}'",
     TIMEOUT_MS, NULL, NULL, 0, "\"Expiration\" is not an RFC 3339 time"},
    {"expired credentials",
     "echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"LEAKED\", "
     "\"Expiration\": \"2029-12-31T23:00:00Z\"}'",
     TIMEOUT_MS, NULL, NULL, 0,
     "credential_process of profile 'dev' returned credentials that expired at "
     "2029-12-31T23:00:00Z"},
    {"output too large", "head -c 70000 /dev/zero | tr '\\0' L", TIMEOUT_MS, NULL, NULL, 0,
     "credential_process of profile 'dev' printed more than 65536 bytes"},
    {"timeout", "echo LEAKED; exec sleep 30", 300, NULL, NULL, 0,
     "credential_process of profile 'dev' timed out after 300 ms and was killed"},
};

START_TEST(process_case)
{
    const struct process_case *c = &process_cases[_i];
    struct aws_owned_credentials creds = {0};
    char err[1024] = "";

    int rc = credential_process_fetch("dev", c->command, c->timeout_ms, TEST_NOW, &creds,
                                      err, sizeof(err));
    if (c->expected_key == NULL) {
        ck_assert_msg(rc == -1, "%s: the command succeeded", c->name);
        ck_assert_msg(strstr(err, c->expected_error) != NULL, "%s: error '%s' lacks '%s'",
                      c->name, err, c->expected_error);
        ck_assert_msg(strstr(err, "LEAKED") == NULL, "%s: error '%s' repeats stdout",
                      c->name, err);
        ck_assert_ptr_null(creds.access_key_id);
        return;
    }

    ck_assert_msg(rc == 0, "%s: %s", c->name, err);
    ck_assert_str_eq(creds.access_key_id, c->expected_key);
    ck_assert_ptr_nonnull(creds.secret_access_key);
    if (c->expected_token == NULL)
        ck_assert_ptr_null(creds.session_token);
    else
        ck_assert_str_eq(creds.session_token, c->expected_token);
    ck_assert_int_eq((long long)creds.expiration, (long long)c->expected_expiration);
    aws_owned_credentials_clear(&creds);
}
END_TEST

/* True once pid has exited: gone, or a zombie waiting for its new parent. */
static bool process_ended(long pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *file = fopen(path, "r");
    if (file == NULL)
        return true;
    char state = '?';
    int fields = fscanf(file, "%*d (%*[^)]) %c", &state);
    fclose(file);
    return fields == 1 && (state == 'Z' || state == 'X');
}

/* Commands that start a background process and do not exit in time: one
 * keeps stdout open, the other closes it first. */
static const char *const group_commands[] = {
    "sleep 30 & echo $! > \"$HOME/background.pid\"; wait",
    "exec >/dev/null; sleep 30 & echo $! > \"$HOME/background.pid\"; wait",
};

START_TEST(process_timeout_kills_group)
{
    const char *dir = test_clean_environment();
    struct aws_owned_credentials creds = {0};
    char err[1024] = "";

    int rc = credential_process_fetch("dev", group_commands[_i], 300, TEST_NOW, &creds, err,
                                      sizeof(err));
    ck_assert_int_eq(rc, -1);
    ck_assert_ptr_nonnull(strstr(err, "timed out after 300 ms"));

    char path[4200];
    snprintf(path, sizeof(path), "%s/background.pid", dir);
    FILE *file = fopen(path, "r");
    ck_assert_ptr_nonnull(file);
    long pid = 0;
    ck_assert_int_eq(fscanf(file, "%ld", &pid), 1);
    fclose(file);

    /* SIGKILL reaches the background sleep asynchronously: allow it 2 s. */
    for (int i = 0; i < 200 && !process_ended(pid); i++)
        usleep(10000);
    ck_assert_msg(process_ended(pid), "background process %ld still runs", pid);
}
END_TEST

static Suite *process_suite(void)
{
    Suite *suite = suite_create("credential_process");
    TCase *cases = tcase_create("fetch");
    tcase_set_timeout(cases, 30);
    tcase_add_loop_test(cases, process_case, 0,
                        (int)(sizeof(process_cases) / sizeof(process_cases[0])));
    tcase_add_loop_test(cases, process_timeout_kills_group, 0,
                        (int)(sizeof(group_commands) / sizeof(group_commands[0])));
    suite_add_tcase(suite, cases);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(process_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
