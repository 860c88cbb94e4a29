/*
 * Files named by the AWS configuration that are not regular files: a FIFO
 * without a writer must be rejected at once, not block the run, and every
 * message names the variable and the path.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aws_test_support.h"
#include "credentials.h"
#include "sigv4.h"

enum special_kind { SPECIAL_FIFO, SPECIAL_DIRECTORY, SPECIAL_SYSTEM };

struct file_type_case {
    const char *name;
    const char *variable;      /* set to the special file; NULL for the default path */
    const char *relative_path; /* under the scratch directory, or absolute for SPECIAL_SYSTEM */
    enum special_kind kind;
    const char *expected;      /* {path} is the special file's full path */
};

static const struct file_type_case cases[] = {
    {"config file FIFO", "AWS_CONFIG_FILE", "special", SPECIAL_FIFO,
     "AWS_CONFIG_FILE {path} is a FIFO, not a regular file; set AWS_CONFIG_FILE to a "
     "readable regular file"},
    {"config file directory", "AWS_CONFIG_FILE", "special", SPECIAL_DIRECTORY,
     "AWS_CONFIG_FILE {path} is a directory, not a regular file"},
    {"credentials file FIFO", "AWS_SHARED_CREDENTIALS_FILE", "special", SPECIAL_FIFO,
     "AWS_SHARED_CREDENTIALS_FILE {path} is a FIFO, not a regular file"},
    {"default config file FIFO", NULL, ".aws/config", SPECIAL_FIFO,
     "{path} (the default when AWS_CONFIG_FILE is not set) is a FIFO, not a regular file; "
     "replace it with a readable regular file, or set AWS_CONFIG_FILE to one"},
    {"CA bundle FIFO", "AWS_CA_BUNDLE", "special", SPECIAL_FIFO,
     "AWS_CA_BUNDLE {path} is a FIFO, not a regular file; set it to a readable PEM file"},
    {"CA bundle directory", "AWS_CA_BUNDLE", "special", SPECIAL_DIRECTORY,
     "AWS_CA_BUNDLE {path} is a directory, not a regular file"},
    {"config file character device", "AWS_CONFIG_FILE", "/dev/zero", SPECIAL_SYSTEM,
     "AWS_CONFIG_FILE {path} is a character device, not a regular file"},
    {"token file FIFO", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "special", SPECIAL_FIFO,
     "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {path} is a FIFO, not a regular file"},
};

static void make_special(const char *path, enum special_kind kind)
{
    if (kind == SPECIAL_FIFO)
        ck_assert_int_eq(mkfifo(path, 0600), 0);
    else if (kind == SPECIAL_DIRECTORY)
        ck_assert_int_eq(mkdir(path, 0700), 0);
}

START_TEST(special_file_rejected)
{
    const struct file_type_case *c = &cases[_i];
    const char *dir = test_clean_environment();
    char path[4200];
    char expected[8600];
    char err[8600] = "";

    snprintf(path, sizeof(path), "%s/.aws", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    if (c->kind == SPECIAL_SYSTEM)
        snprintf(path, sizeof(path), "%s", c->relative_path);
    else
        snprintf(path, sizeof(path), "%s/%s", dir, c->relative_path);
    make_special(path, c->kind);
    setenv("AWS_REGION", "us-east-1", 1);
    if (c->variable != NULL)
        setenv(c->variable, path, 1);
    /* The token file is read for container credentials; the port is never
     * reached because the token file is rejected first. */
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds", 1);

    struct aws_config *config = aws_config_resolve(&(struct aws_options){0}, err, sizeof(err));
    if (config != NULL) {
        struct sigv4_credentials creds = {0};
        ck_assert_int_eq(aws_config_credentials(config, TEST_NOW, &creds, err, sizeof(err)),
                         -1);
        aws_config_free(config);
    }

    const char *marker = strstr(c->expected, "{path}");
    ck_assert_ptr_nonnull(marker);
    snprintf(expected, sizeof(expected), "%.*s%s%s", (int)(marker - c->expected), c->expected,
             path, marker + strlen("{path}"));
    ck_assert_msg(strstr(err, expected) != NULL, "%s: error '%s' lacks '%s'", c->name, err,
                  expected);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("aws_file_types");
    TCase *tcase = tcase_create("special files");
    /* Without the checks, opening a FIFO blocks until this limit. */
    tcase_set_timeout(tcase, 20);
    tcase_add_loop_test(tcase, special_file_rejected, 0, sizeof(cases) / sizeof(cases[0]));
    suite_add_tcase(suite, tcase);

    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
