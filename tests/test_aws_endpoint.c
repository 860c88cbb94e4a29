/* Region, endpoint and CA bundle resolution. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_test_support.h"
#include "credentials.h"

struct endpoint_case {
    const char *name;
    const char *option_region;
    const char *option_endpoint;
    const char *option_profile;
    const char *env[5];           /* NAME=VALUE */
    const char *config;           /* config file text, NULL for no file */
    const char *expected_region;  /* NULL when resolving must fail */
    const char *expected_region_source;
    const char *expected_endpoint;
    const char *expected_endpoint_source;
    const char *expected_error;   /* {dir} is the scratch directory */
};

static const struct endpoint_case endpoint_cases[] = {
    {.name = "--region wins", .option_region = "eu-west-1",
     .env = {"AWS_REGION=us-west-2", "AWS_DEFAULT_REGION=us-east-2"},
     .config = "[default]\nregion = ap-south-1\n",
     .expected_region = "eu-west-1", .expected_region_source = "command-line option --region",
     .expected_endpoint = "https://dynamodb.eu-west-1.amazonaws.com",
     .expected_endpoint_source = "default for region eu-west-1"},
    {.name = "AWS_REGION wins over AWS_DEFAULT_REGION",
     .env = {"AWS_REGION=us-west-2", "AWS_DEFAULT_REGION=us-east-2"},
     .config = "[default]\nregion = ap-south-1\n",
     .expected_region = "us-west-2", .expected_region_source = "AWS_REGION",
     .expected_endpoint = "https://dynamodb.us-west-2.amazonaws.com"},
    {.name = "AWS_DEFAULT_REGION wins over profile", .env = {"AWS_DEFAULT_REGION=us-east-2"},
     .config = "[default]\nregion = ap-south-1\n",
     .expected_region = "us-east-2", .expected_region_source = "AWS_DEFAULT_REGION"},
    {.name = "profile region", .config = "[default]\nregion = ap-south-1\n",
     .expected_region = "ap-south-1",
     .expected_region_source = "profile default in {dir}/config"},
    {.name = "named profile region", .option_profile = "dev",
     .config = "[default]\nregion = ap-south-1\n[profile dev]\nregion = sa-east-1\n",
     .expected_region = "sa-east-1", .expected_region_source = "profile dev in {dir}/config"},
    {.name = "China region", .env = {"AWS_REGION=cn-north-1"},
     .expected_region = "cn-north-1",
     .expected_endpoint = "https://dynamodb.cn-north-1.amazonaws.com.cn"},
    {.name = "second China region", .env = {"AWS_REGION=cn-northwest-1"},
     .expected_region = "cn-northwest-1",
     .expected_endpoint = "https://dynamodb.cn-northwest-1.amazonaws.com.cn"},
    {.name = "no region",
     .expected_error = "no AWS region set; pass --region, set AWS_REGION, or add "
                       "\"region = us-east-1\" (your region) to [default] in "
                       "{dir}/config (file not found)"},
    {.name = "no region in named profile", .option_profile = "dev",
     .config = "[profile dev]\noutput = json\n",
     .expected_error = "(your region) to [profile dev] in {dir}/config"},
    {.name = "invalid region", .env = {"AWS_REGION=us-east-1.evil.example/x"},
     .expected_error = "invalid region 'us-east-1.evil.example/x' from AWS_REGION"},
    {.name = "--endpoint-url wins", .option_endpoint = "http://127.0.0.1:8000/",
     .env = {"AWS_REGION=us-east-1", "AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8001"},
     .expected_region = "us-east-1", .expected_endpoint = "http://127.0.0.1:8000",
     .expected_endpoint_source = "command-line option --endpoint-url"},
    {.name = "service variable wins over global",
     .env = {"AWS_REGION=us-east-1", "AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8001",
             "AWS_ENDPOINT_URL=http://127.0.0.1:8002"},
     .expected_region = "us-east-1", .expected_endpoint = "http://127.0.0.1:8001",
     .expected_endpoint_source = "AWS_ENDPOINT_URL_DYNAMODB"},
    {.name = "global variable wins over config",
     .env = {"AWS_REGION=us-east-1", "AWS_ENDPOINT_URL=https://ddb.internal.example:8443"},
     .config = "[default]\nendpoint_url = http://127.0.0.1:8003\n",
     .expected_region = "us-east-1", .expected_endpoint = "https://ddb.internal.example:8443",
     .expected_endpoint_source = "AWS_ENDPOINT_URL"},
    {.name = "services section wins over profile",
     .env = {"AWS_REGION=us-east-1"},
     .config = "[default]\nendpoint_url = http://127.0.0.1:8003\nservices = local\n"
               "[services local]\ns3 =\n  endpoint_url = http://127.0.0.1:9000\n"
               "dynamodb =\n  endpoint_url = http://127.0.0.1:8004\n",
     .expected_region = "us-east-1", .expected_endpoint = "http://127.0.0.1:8004",
     .expected_endpoint_source = "services section local of profile default in {dir}/config"},
    {.name = "services section without dynamodb",
     .env = {"AWS_REGION=us-east-1"},
     .config = "[default]\nendpoint_url = http://127.0.0.1:8003\nservices = local\n"
               "[services local]\ns3 =\n  endpoint_url = http://127.0.0.1:9000\n",
     .expected_region = "us-east-1", .expected_endpoint = "http://127.0.0.1:8003",
     .expected_endpoint_source = "profile default in {dir}/config"},
    {.name = "ignore configured endpoints",
     .env = {"AWS_REGION=us-east-1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true",
             "AWS_ENDPOINT_URL=http://127.0.0.1:8002"},
     .config = "[default]\nendpoint_url = http://127.0.0.1:8003\n",
     .expected_region = "us-east-1",
     .expected_endpoint = "https://dynamodb.us-east-1.amazonaws.com"},
    {.name = "ignore keeps --endpoint-url", .option_endpoint = "http://127.0.0.1:8000",
     .env = {"AWS_REGION=us-east-1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=TRUE"},
     .expected_region = "us-east-1", .expected_endpoint = "http://127.0.0.1:8000"},
    {.name = "ignore set in profile",
     .env = {"AWS_REGION=us-east-1", "AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8001"},
     .config = "[default]\nignore_configured_endpoint_urls = true\n",
     .expected_region = "us-east-1",
     .expected_endpoint = "https://dynamodb.us-east-1.amazonaws.com"},
    {.name = "endpoint with path", .env = {"AWS_REGION=us-east-1"},
     .option_endpoint = "https://proxy.example/dynamodb//",
     .expected_region = "us-east-1", .expected_endpoint = "https://proxy.example/dynamodb"},
    {.name = "endpoint scheme", .env = {"AWS_REGION=us-east-1"},
     .option_endpoint = "ftp://127.0.0.1:8000",
     .expected_error = "endpoint URL 'ftp://127.0.0.1:8000' from command-line option "
                       "--endpoint-url must start with https:// or http://"},
    {.name = "endpoint without scheme", .env = {"AWS_REGION=us-east-1"},
     .option_endpoint = "127.0.0.1:8000",
     .expected_error = "endpoint URL '127.0.0.1:8000' from command-line option --endpoint-url"},
    {.name = "endpoint without host",
     .env = {"AWS_REGION=us-east-1", "AWS_ENDPOINT_URL=http://"},
     .expected_error = "endpoint URL 'http://' from AWS_ENDPOINT_URL is not a valid URL"},
    {.name = "endpoint with password",
     .env = {"AWS_REGION=us-east-1", "AWS_ENDPOINT_URL=http://user:pw@127.0.0.1:8000"},
     .expected_error = "endpoint URL from AWS_ENDPOINT_URL must not contain a user name or "
                       "password"},
    {.name = "endpoint with query",
     .env = {"AWS_REGION=us-east-1"},
     .config = "[default]\nendpoint_url = http://127.0.0.1:8000/?x=1\n",
     .expected_error = "from profile default in {dir}/config must not have a query or "
                       "fragment"},
};

static void substitute_dir(const char *pattern, const char *dir, char *out, size_t out_len)
{
    const char *mark = strstr(pattern, "{dir}");
    if (mark == NULL)
        snprintf(out, out_len, "%s", pattern);
    else
        snprintf(out, out_len, "%.*s%s%s", (int)(mark - pattern), pattern, dir, mark + 5);
}

static void set_environment(const struct endpoint_case *c, const char *dir)
{
    char path[4400];
    snprintf(path, sizeof(path), "%s/config", dir);
    setenv("AWS_CONFIG_FILE", path, 1);
    if (c->config != NULL)
        test_write_file("config", c->config);
    for (size_t i = 0; i < sizeof(c->env) / sizeof(c->env[0]) && c->env[i] != NULL; i++) {
        char name[128];
        const char *equals = strchr(c->env[i], '=');
        snprintf(name, sizeof(name), "%.*s", (int)(equals - c->env[i]), c->env[i]);
        setenv(name, equals + 1, 1);
    }
}

START_TEST(endpoint_case)
{
    const struct endpoint_case *c = &endpoint_cases[_i];
    const char *dir = test_clean_environment();
    set_environment(c, dir);
    struct aws_options options = {
        .region = c->option_region,
        .endpoint_url = c->option_endpoint,
        .profile = c->option_profile,
    };
    char err[2048] = "";
    char expected[2048];

    struct aws_config *config = aws_config_resolve(&options, err, sizeof(err));
    if (c->expected_region == NULL) {
        substitute_dir(c->expected_error, dir, expected, sizeof(expected));
        ck_assert_msg(config == NULL, "%s: resolved", c->name);
        ck_assert_msg(strstr(err, expected) != NULL, "%s: error '%s' lacks '%s'", c->name, err,
                      expected);
        return;
    }

    ck_assert_msg(config != NULL, "%s: %s", c->name, err);
    ck_assert_str_eq(aws_config_region(config), c->expected_region);
    if (c->expected_region_source != NULL) {
        substitute_dir(c->expected_region_source, dir, expected, sizeof(expected));
        ck_assert_str_eq(aws_config_region_source(config), expected);
    }
    if (c->expected_endpoint != NULL)
        ck_assert_str_eq(aws_config_endpoint(config), c->expected_endpoint);
    if (c->expected_endpoint_source != NULL) {
        substitute_dir(c->expected_endpoint_source, dir, expected, sizeof(expected));
        ck_assert_str_eq(aws_config_endpoint_source(config), expected);
    }
    ck_assert_ptr_null(aws_config_ca_bundle(config));
    aws_config_free(config);
}
END_TEST

START_TEST(ca_bundle_from_environment)
{
    test_clean_environment();
    setenv("AWS_REGION", "us-east-1", 1);
    char bundle[4400];
    snprintf(bundle, sizeof(bundle), "%s", test_write_file("ca.pem", "not checked here\n"));
    setenv("AWS_CA_BUNDLE", bundle, 1);
    test_write_file("config", "[default]\nca_bundle = /nonexistent/profile-ca.pem\n");
    char err[1024] = "";

    struct aws_config *config = aws_config_resolve(&(struct aws_options){0}, err, sizeof(err));
    ck_assert_msg(config != NULL, "%s", err);
    ck_assert_str_eq(aws_config_ca_bundle(config), bundle);
    aws_config_free(config);
}
END_TEST

START_TEST(ca_bundle_from_profile)
{
    test_clean_environment();
    setenv("AWS_REGION", "us-east-1", 1);
    char bundle[4400];
    snprintf(bundle, sizeof(bundle), "%s", test_write_file("ca.pem", "not checked here\n"));
    char config_text[4600];
    snprintf(config_text, sizeof(config_text), "[default]\nca_bundle = %s\n", bundle);
    setenv("AWS_CONFIG_FILE", test_write_file("config", config_text), 1);
    char err[1024] = "";

    struct aws_config *config = aws_config_resolve(&(struct aws_options){0}, err, sizeof(err));
    ck_assert_msg(config != NULL, "%s", err);
    ck_assert_str_eq(aws_config_ca_bundle(config), bundle);
    aws_config_free(config);
}
END_TEST

START_TEST(ca_bundle_missing)
{
    test_clean_environment();
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_CA_BUNDLE", "/nonexistent/ca.pem", 1);
    char err[1024] = "";

    ck_assert_ptr_null(aws_config_resolve(&(struct aws_options){0}, err, sizeof(err)));
    ck_assert_str_eq(err, "AWS_CA_BUNDLE /nonexistent/ca.pem does not exist; set it to a "
                          "readable PEM file of CA certificates");
}
END_TEST

START_TEST(describe_names_every_source)
{
    const char *dir = test_clean_environment();
    setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:8000", 1);
    setenv("AWS_CONFIG_FILE", test_write_file("config", "[default]\nregion = eu-north-1\n"), 1);
    char err[1024] = "";
    char expected[4600];
    snprintf(expected, sizeof(expected),
             "credentials from environment; region eu-north-1 from profile default in "
             "%s/config; endpoint http://127.0.0.1:8000 from AWS_ENDPOINT_URL", dir);

    struct aws_config *config = aws_config_resolve(&(struct aws_options){0}, err, sizeof(err));
    ck_assert_msg(config != NULL, "%s", err);
    char line[4600];
    ck_assert_str_eq(aws_config_describe(config, line, sizeof(line)), expected);
    aws_config_free(config);
}
END_TEST

static Suite *endpoint_suite(void)
{
    Suite *suite = suite_create("aws_endpoint");
    TCase *cases = tcase_create("resolve");
    tcase_add_loop_test(cases, endpoint_case, 0,
                        (int)(sizeof(endpoint_cases) / sizeof(endpoint_cases[0])));
    tcase_add_test(cases, ca_bundle_from_environment);
    tcase_add_test(cases, ca_bundle_from_profile);
    tcase_add_test(cases, ca_bundle_missing);
    tcase_add_test(cases, describe_names_every_source);
    suite_add_tcase(suite, cases);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(endpoint_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
