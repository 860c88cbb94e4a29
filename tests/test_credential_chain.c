/* The credentials chain: each source in order, and each failure. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_test_support.h"
#include "credentials.h"

#define PROCESS_OK(key)                                                                  \
    "credential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"" key "\", "        \
    "\"SecretAccessKey\": \"process-secret\"}'\n"

struct chain_case {
    const char *name;
    const char *option_key;      /* options.access_key_id */
    const char *option_secret;
    const char *option_profile;
    const char *env[6];          /* NAME=VALUE */
    const char *credentials;     /* credentials file text, NULL for no file */
    const char *config;          /* config file text, NULL for no file */
    const char *container_id;    /* set the full URI to the local server */
    const char *expected_key;    /* NULL when resolving or fetching fails */
    const char *expected_token;
    const char *expected_source; /* {dir} is the scratch directory */
    const char *expected_error;
};

static const struct chain_case chain_cases[] = {
    {.name = "options win over environment", .option_key = "OPTKEY",
     .option_secret = "option-secret",
     .env = {"AWS_ACCESS_KEY_ID=ENVKEY", "AWS_SECRET_ACCESS_KEY=env-secret"},
     .expected_key = "OPTKEY", .expected_source = "command-line options"},
    {.name = "environment wins over profile",
     .env = {"AWS_ACCESS_KEY_ID=ENVKEY", "AWS_SECRET_ACCESS_KEY=env-secret",
             "AWS_SESSION_TOKEN=env-token"},
     .credentials = "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = s\n",
     .expected_key = "ENVKEY", .expected_token = "env-token", .expected_source = "environment"},
    {.name = "legacy security token",
     .env = {"AWS_ACCESS_KEY_ID=ENVKEY", "AWS_SECRET_ACCESS_KEY=env-secret",
             "AWS_SECURITY_TOKEN=legacy-token"},
     .expected_key = "ENVKEY", .expected_token = "legacy-token",
     .expected_source = "environment"},
    {.name = "AWS_PROFILE keeps environment first",
     .env = {"AWS_ACCESS_KEY_ID=ENVKEY", "AWS_SECRET_ACCESS_KEY=env-secret",
             "AWS_PROFILE=dev"},
     .credentials = "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = s\n",
     .expected_key = "ENVKEY", .expected_source = "environment"},
    {.name = "--profile skips environment", .option_profile = "dev",
     .env = {"AWS_ACCESS_KEY_ID=ENVKEY", "AWS_SECRET_ACCESS_KEY=env-secret"},
     .credentials = "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = s\n",
     .expected_key = "DEVKEY", .expected_source = "profile dev in {dir}/credentials"},
    {.name = "empty environment counts as unset",
     .env = {"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY="},
     .credentials = "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = s\n",
     .expected_key = "FILEKEY", .expected_source = "profile default in {dir}/credentials"},
    {.name = "default profile with token",
     .credentials = "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = s\n"
                    "aws_session_token = file-token\n",
     .expected_key = "FILEKEY", .expected_token = "file-token",
     .expected_source = "profile default in {dir}/credentials"},
    {.name = "AWS_PROFILE selects profile", .env = {"AWS_PROFILE=dev"},
     .credentials = "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = s\n"
                    "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = s\n",
     .expected_key = "DEVKEY", .expected_source = "profile dev in {dir}/credentials"},
    {.name = "--profile wins over AWS_PROFILE", .option_profile = "dev",
     .env = {"AWS_PROFILE=other"},
     .credentials = "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = s\n",
     .expected_key = "DEVKEY", .expected_source = "profile dev in {dir}/credentials"},
    {.name = "keys in config file", .env = {"AWS_PROFILE=dev"},
     .config = "[profile dev]\naws_access_key_id = CFGKEY\naws_secret_access_key = s\n",
     .expected_key = "CFGKEY", .expected_source = "profile dev in {dir}/config"},
    {.name = "credentials keys win over credential_process", .env = {"AWS_PROFILE=dev"},
     .credentials = "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = s\n",
     .config = "[profile dev]\n" PROCESS_OK("PROCKEY"),
     .expected_key = "DEVKEY", .expected_source = "profile dev in {dir}/credentials"},
    {.name = "credential_process wins over config keys", .env = {"AWS_PROFILE=dev"},
     .config = "[profile dev]\naws_access_key_id = CFGKEY\naws_secret_access_key = s\n"
               PROCESS_OK("PROCKEY"),
     .expected_key = "PROCKEY", .expected_source = "credential_process of profile dev"},
    {.name = "credential_process in default profile",
     .config = "[default]\nregion = eu-west-1\n" PROCESS_OK("PROCKEY"),
     .expected_key = "PROCKEY", .expected_source = "credential_process of profile default"},
    {.name = "profile wins over container",
     .credentials = "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = s\n",
     .container_id = "unused", .expected_key = "FILEKEY",
     .expected_source = "profile default in {dir}/credentials"},
    {.name = "container last", .config = "[default]\nregion = eu-west-1\n",
     .container_id = "last", .expected_key = "ASIALAST1", .expected_token = "token-1",
     .expected_source = "container endpoint {server}/creds?id=last"},
    {.name = "partial options", .option_key = "OPTKEY",
     .expected_error = "the command line gives an access key ID without a secret access key"},
    {.name = "partial environment", .env = {"AWS_ACCESS_KEY_ID=ENVKEY"},
     .expected_error = "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"},
    {.name = "partial profile",
     .credentials = "[default]\naws_access_key_id = FILEKEY\n",
     .expected_error = "profile 'default' in {dir}/credentials sets aws_access_key_id but not "
                       "aws_secret_access_key"},
    {.name = "unknown --profile", .option_profile = "nope",
     .credentials = "[default]\n", .config = "[profile dev]\n",
     .expected_error = "profile 'nope' not found in {dir}/credentials or {dir}/config; "},
    {.name = "unknown AWS_PROFILE", .env = {"AWS_PROFILE=nope"},
     .expected_error = "profile 'nope' not found in {dir}/credentials (file not found) or "
                       "{dir}/config (file not found)"},
    {.name = "profile only in credentials exists", .option_profile = "dev",
     .credentials = "[dev]\n",
     .expected_error = "no AWS credentials found; checked in order: --access-key-id with "
                       "--secret-access-key, AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY "
                       "(skipped with --profile), aws_access_key_id with "
                       "aws_secret_access_key or credential_process in profile 'dev' of "
                       "{dir}/credentials and {dir}/config (not found), and container "
                       "credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI)"},
    {.name = "missing default profile is no error",
     .expected_error = "AWS_SECRET_ACCESS_KEY, aws_access_key_id with aws_secret_access_key "
                       "or credential_process in profile 'default' of {dir}/credentials "
                       "(not found) and {dir}/config (not found), and container"},
    {.name = "malformed credentials file",
     .credentials = "[default]\naws_access_key_id FILEKEY\n",
     .expected_error = "{dir}/credentials:2: expected 'key = value'"},
    {.name = "malformed config file", .config = "# settings\nregion = eu-west-1\n",
     .expected_error = "{dir}/config:2: property outside a section"},
    {.name = "container URL rejected",
     .env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://192.0.2.1/creds"},
     .expected_error = "AWS_CONTAINER_CREDENTIALS_FULL_URI http://192.0.2.1/creds uses http"},
    {.name = "credential_process failure",
     .config = "[default]\ncredential_process = sh -c 'echo sso session expired >&2; exit 4'\n",
     .expected_error = "credential_process of profile 'default' (sh) failed with exit "
                       "status 4; its error output is not shown"},
};

/* Replaces {dir} and {server} in pattern. */
static void substitute(const char *pattern, const char *dir, const char *server,
                       char *out, size_t out_len)
{
    size_t used = 0;
    out[0] = '\0';
    while (*pattern != '\0' && used + 1 < out_len) {
        const char *value = NULL;
        size_t skip = 0;
        if (strncmp(pattern, "{dir}", 5) == 0) {
            value = dir;
            skip = 5;
        } else if (strncmp(pattern, "{server}", 8) == 0) {
            value = server;
            skip = 8;
        }
        if (value != NULL) {
            used += (size_t)snprintf(out + used, out_len - used, "%s", value);
            pattern += skip;
        } else {
            out[used++] = *pattern++;
            out[used] = '\0';
        }
    }
}

static const char *server;

static void start_server(void)
{
    server = test_start_server();
}

static void set_environment(const struct chain_case *c, const char *dir)
{
    char path[4400];
    setenv("AWS_REGION", "us-east-1", 1);
    snprintf(path, sizeof(path), "%s/credentials", dir);
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    snprintf(path, sizeof(path), "%s/config", dir);
    setenv("AWS_CONFIG_FILE", path, 1);
    if (c->credentials != NULL)
        test_write_file("credentials", c->credentials);
    if (c->config != NULL)
        test_write_file("config", c->config);

    if (c->container_id != NULL) {
        char url[512];
        snprintf(url, sizeof(url), "%s/creds?id=%s", server, c->container_id);
        setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    }
    for (size_t i = 0; i < sizeof(c->env) / sizeof(c->env[0]) && c->env[i] != NULL; i++) {
        char name[128];
        const char *equals = strchr(c->env[i], '=');
        snprintf(name, sizeof(name), "%.*s", (int)(equals - c->env[i]), c->env[i]);
        setenv(name, equals + 1, 1);
    }
}

static void check_secrets_absent(const char *text)
{
    static const char *const secrets[] = {
        "option-secret", "env-secret", "process-secret", "secret-1", "env-token",
        "file-token", "legacy-token",
    };
    for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
        ck_assert_msg(strstr(text, secrets[i]) == NULL, "'%s' shows a secret", text);
}

START_TEST(chain_case)
{
    const struct chain_case *c = &chain_cases[_i];
    const char *dir = test_clean_environment();
    set_environment(c, dir);
    struct aws_options options = {
        .access_key_id = c->option_key,
        .secret_access_key = c->option_secret,
        .profile = c->option_profile,
    };
    char err[2048] = "";
    char expected[2048];

    struct aws_config *config = aws_config_resolve(&options, err, sizeof(err));
    struct sigv4_credentials creds = {0};
    int rc = config != NULL ? aws_config_credentials(config, TEST_NOW, &creds, err, sizeof(err))
                            : -1;

    if (c->expected_key == NULL) {
        substitute(c->expected_error, dir, server, expected, sizeof(expected));
        ck_assert_msg(rc == -1, "%s: no error", c->name);
        ck_assert_msg(strstr(err, expected) != NULL, "%s: error '%s' lacks '%s'", c->name,
                      err, expected);
        check_secrets_absent(err);
        aws_config_free(config);
        return;
    }

    ck_assert_msg(rc == 0, "%s: %s", c->name, err);
    ck_assert_str_eq(creds.access_key_id, c->expected_key);
    if (c->expected_token == NULL)
        ck_assert_ptr_null(creds.session_token);
    else
        ck_assert_str_eq(creds.session_token, c->expected_token);
    substitute(c->expected_source, dir, server, expected, sizeof(expected));
    ck_assert_str_eq(aws_config_credentials_source(config), expected);

    char line[2048];
    aws_config_describe(config, line, sizeof(line));
    ck_assert_msg(strstr(line, expected) != NULL, "'%s' lacks the source", line);
    check_secrets_absent(line);
    aws_config_free(config);
}
END_TEST

/* The command counts its runs in a file and prints credentials that
 * expire N hours after TEST_NOW on run N. */
static const char counting_process[] =
    "[default]\n"
    "credential_process = sh -c 'n=$(cat \"$HOME/runs\" 2>/dev/null || echo 0); "
    "n=$((n + 1)); echo $n > \"$HOME/runs\"; "
    "printf \"{\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"PROC%d\\\", "
    "\\\"SecretAccessKey\\\": \\\"process-secret\\\", \\\"SessionToken\\\": \\\"t\\\", "
    "\\\"Expiration\\\": \\\"2030-01-01T0%d:00:00Z\\\"}\" $n $n'\n";

static int process_runs(const char *dir)
{
    char path[4400];
    snprintf(path, sizeof(path), "%s/runs", dir);
    FILE *file = fopen(path, "r");
    int runs = 0;
    if (file != NULL) {
        if (fscanf(file, "%d", &runs) != 1)
            runs = -1;
        fclose(file);
    }
    return runs;
}

static void expect_key(struct aws_config *config, time_t now, const char *expected)
{
    struct sigv4_credentials creds;
    char err[1024] = "";
    ck_assert_msg(aws_config_credentials(config, now, &creds, err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(creds.access_key_id, expected);
}

START_TEST(chain_process_refresh)
{
    const char *dir = test_clean_environment();
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_CONFIG_FILE", test_write_file("config", counting_process), 1);
    char err[1024] = "";
    struct aws_config *config = aws_config_resolve(&(struct aws_options){0}, err, sizeof(err));
    ck_assert_msg(config != NULL, "%s", err);
    ck_assert_int_eq(process_runs(dir), 0);

    expect_key(config, TEST_NOW, "PROC1");
    expect_key(config, TEST_NOW + 3600 - AWS_CREDENTIALS_REFRESH_WINDOW - 1, "PROC1");
    ck_assert_int_eq(process_runs(dir), 1);

    expect_key(config, TEST_NOW + 3600 - AWS_CREDENTIALS_REFRESH_WINDOW, "PROC2");
    ck_assert_int_eq(process_runs(dir), 2);
    aws_config_free(config);
}
END_TEST

START_TEST(chain_static_never_refreshes)
{
    test_clean_environment();
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    char err[1024] = "";
    struct aws_config *config = aws_config_resolve(&(struct aws_options){0}, err, sizeof(err));
    ck_assert_msg(config != NULL, "%s", err);

    unsetenv("AWS_ACCESS_KEY_ID");
    expect_key(config, TEST_NOW, "ENVKEY");
    expect_key(config, TEST_NOW + 10 * 365 * 86400L, "ENVKEY");
    aws_config_free(config);
}
END_TEST

static Suite *chain_suite(void)
{
    Suite *suite = suite_create("credential_chain");
    TCase *cases = tcase_create("chain");
    tcase_add_unchecked_fixture(cases, start_server, NULL);
    tcase_set_timeout(cases, 30);
    tcase_add_loop_test(cases, chain_case, 0, (int)(sizeof(chain_cases) / sizeof(chain_cases[0])));
    tcase_add_test(cases, chain_process_refresh);
    tcase_add_test(cases, chain_static_never_refreshes);
    suite_add_tcase(suite, cases);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(chain_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
