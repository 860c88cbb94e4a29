/* Container credentials against a local server, URL rules and refresh. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aws_test_support.h"
#include "container_credentials.h"
#include "credentials.h"

static const char *server;

static void start_server(void)
{
    server = test_start_server();
}

static void set_full_uri(const char *query)
{
    char url[512];
    snprintf(url, sizeof(url), "%s/creds?%s", server, query);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
}

struct fetch_case {
    const char *id;
    const char *query;          /* after id=ID& */
    const char *token;          /* AWS_CONTAINER_AUTHORIZATION_TOKEN */
    const char *token_file;     /* contents of the token file, or NULL */
    const char *expected_key;   /* NULL when the fetch must fail */
    const char *expected_error;
    int expected_requests;
};

static const struct fetch_case fetch_cases[] = {
    {"plain", "mode=good", NULL, NULL, "ASIAPLAIN1", NULL, 1},
    {"envtoken", "mode=good&token=Bearer-abc", "Bearer-abc", NULL, "ASIAENVTOKEN1", NULL, 1},
    {"filetoken", "mode=good&token=Bearer-file", NULL, "Bearer-file\n", "ASIAFILETOKEN1", NULL,
     1},
    {"filewins", "mode=good&token=Bearer-file", "Bearer-env", "Bearer-file", "ASIAFILEWINS1",
     NULL, 1},
    {"notoken", "mode=good&token=Bearer-abc", NULL, NULL, NULL,
     "returned HTTP 401: authorization token rejected", 1},
    {"wrongtoken", "mode=good&token=Bearer-abc", "Bearer-xyz", NULL, NULL,
     "returned HTTP 401: authorization token rejected", 1},
    {"emptytokenfile", "mode=good", NULL, "\n", NULL,
     "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", 0},
    {"headerinjection", "mode=good", "Bearer-abc\r\nX-Injected: 1", NULL, NULL,
     "the container authorization token contains a line break", 0},
    {"badjson", "mode=badjson", NULL, NULL, NULL, "returned bad credentials: invalid JSON", 1},
    {"missingfield", "mode=missing", NULL, NULL, NULL,
     "returned bad credentials: missing \"SecretAccessKey\"", 1},
    {"servererror", "mode=error", NULL, NULL, NULL,
     "returned HTTP 500: credentials unavailable", CONTAINER_CREDENTIALS_MAX_ATTEMPTS},
    {"expired", "mode=good&expiration=2029-12-31T00:00:00Z", NULL, NULL, NULL,
     "returned credentials that expired at 2029-12-31T00:00:00Z", 1},
};

START_TEST(container_fetch_case)
{
    const struct fetch_case *c = &fetch_cases[_i];
    test_clean_environment();
    char query[256];
    snprintf(query, sizeof(query), "id=%s&%s", c->id, c->query);
    set_full_uri(query);
    if (c->token != NULL)
        setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", c->token, 1);
    if (c->token_file != NULL)
        setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", test_write_file("token", c->token_file),
               1);

    struct container_source source;
    struct aws_owned_credentials creds = {0};
    char err[1024] = "";
    ck_assert_int_eq(container_credentials_from_env(&source, err, sizeof(err)), 1);
    int rc = container_credentials_fetch(&source, NULL, TEST_NOW, &creds, err, sizeof(err));

    if (c->expected_key != NULL) {
        ck_assert_msg(rc == 0, "%s: %s", c->id, err);
        ck_assert_str_eq(creds.access_key_id, c->expected_key);
        ck_assert_str_eq(creds.secret_access_key, "secret-1");
        ck_assert_str_eq(creds.session_token, "token-1");
        ck_assert_int_eq((long long)creds.expiration, (long long)TEST_NOW + 3600);
    } else {
        ck_assert_msg(rc == -1, "%s: the fetch succeeded", c->id);
        ck_assert_msg(strstr(err, c->expected_error) != NULL, "%s: error '%s' lacks '%s'",
                      c->id, err, c->expected_error);
        ck_assert_msg(strstr(err, "LEAKED") == NULL, "%s: error '%s' repeats the body",
                      c->id, err);
        if (c->token != NULL)
            ck_assert_msg(strstr(err, c->token) == NULL, "%s: error '%s' shows the token",
                          c->id, err);
        ck_assert_ptr_null(creds.access_key_id);
    }
    ck_assert_int_eq(test_server_count(server, c->id), c->expected_requests);
    aws_owned_credentials_clear(&creds);
    container_credentials_source_free(&source);
}
END_TEST

START_TEST(container_missing_token_file)
{
    test_clean_environment();
    set_full_uri("id=nofile&mode=good");
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/nonexistent/token", 1);

    struct container_source source;
    struct aws_owned_credentials creds = {0};
    char err[1024] = "";
    ck_assert_int_eq(container_credentials_from_env(&source, err, sizeof(err)), 1);
    ck_assert_int_eq(container_credentials_fetch(&source, NULL, TEST_NOW, &creds, err,
                                                 sizeof(err)), -1);
    ck_assert_str_eq(err, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE /nonexistent/token does "
                          "not exist; set it to the token file");
    ck_assert_int_eq(test_server_count(server, "nofile"), 0);
    container_credentials_source_free(&source);
}
END_TEST

/* A port nothing listens on: bound, then closed. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(address);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&address, len), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&address, &len), 0);
    close(fd);
    return ntohs(address.sin_port);
}

START_TEST(container_connection_refused)
{
    test_clean_environment();
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/creds", closed_port());
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);

    struct container_source source;
    struct aws_owned_credentials creds = {0};
    char err[1024] = "";
    ck_assert_int_eq(container_credentials_from_env(&source, err, sizeof(err)), 1);
    ck_assert_int_eq(container_credentials_fetch(&source, NULL, TEST_NOW, &creds, err,
                                                 sizeof(err)), -1);
    ck_assert_msg(strncmp(err, "container credentials endpoint ", 31) == 0 &&
                  strstr(err, url) != NULL, "error '%s' lacks the URL", err);
    container_credentials_source_free(&source);
}
END_TEST

struct url_case {
    const char *url;
    const char *expected_error; /* NULL when the URL is allowed */
};

static const struct url_case url_cases[] = {
    {"https://credentials.example.com/v1", NULL},
    {"http://127.0.0.1:8080/creds", NULL},
    {"http://127.5.6.7/creds", NULL},
    {"http://localhost:9/creds", NULL},
    {"http://[::1]:8080/creds", NULL},
    {"http://169.254.170.2/v2/credentials", NULL},
    {"http://169.254.170.23/v1/credentials", NULL},
    {"http://[fd00:ec2::23]/v1/credentials", NULL},
    {"http://10.0.0.1/creds", "plain http is allowed only to a loopback address"},
    {"http://example.com/creds", "plain http is allowed only to a loopback address"},
    {"http://127.0.0.1.example.com/", "plain http is allowed only to a loopback address"},
    {"http://169.254.169.254/latest", "plain http is allowed only to a loopback address"},
    {"http://[::2]/creds", "plain http is allowed only to a loopback address"},
    {"ftp://127.0.0.1/creds", "must use https, or http to a loopback address"},
    {"127.0.0.1:8080/creds", "is not a valid URL"},
    /* curl reads the first path segment as the host here. */
    {"http:///creds", "uses http to creds"},
};

START_TEST(container_url_case)
{
    const struct url_case *c = &url_cases[_i];
    char err[1024] = "";
    int rc = container_credentials_check_url(c->url, err, sizeof(err));
    if (c->expected_error == NULL) {
        ck_assert_msg(rc == 0, "%s: %s", c->url, err);
    } else {
        ck_assert_msg(rc == -1, "%s: allowed", c->url);
        ck_assert_msg(strstr(err, c->expected_error) != NULL, "%s: error '%s' lacks '%s'",
                      c->url, err, c->expected_error);
    }
}
END_TEST

/* Builds the URL only; nothing is sent to 169.254.170.2. */
START_TEST(container_relative_uri_wins)
{
    test_clean_environment();
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/task-1?x=1", 1);
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/other", 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer-abc", 1);

    struct container_source source;
    char err[512] = "";
    ck_assert_int_eq(container_credentials_from_env(&source, err, sizeof(err)), 1);
    ck_assert_str_eq(source.url, "http://169.254.170.2/v2/credentials/task-1?x=1");
    ck_assert_str_eq(source.token, "Bearer-abc");
    ck_assert_ptr_null(source.token_file);
    container_credentials_source_free(&source);
}
END_TEST

START_TEST(container_relative_uri_needs_slash)
{
    test_clean_environment();
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/credentials", 1);

    struct container_source source;
    char err[512] = "";
    ck_assert_int_eq(container_credentials_from_env(&source, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI v2/credentials must be a "
                          "path starting with '/' and without whitespace");
}
END_TEST

START_TEST(container_not_configured)
{
    test_clean_environment();
    struct container_source source;
    char err[512] = "";
    ck_assert_int_eq(container_credentials_from_env(&source, err, sizeof(err)), 0);
    ck_assert_ptr_null(source.url);
}
END_TEST

/* The chain picks container credentials; returns the resolved config. */
static struct aws_config *resolve_container(const char *query)
{
    test_clean_environment();
    setenv("AWS_REGION", "us-east-1", 1);
    set_full_uri(query);
    char err[1024] = "";
    struct aws_config *config = aws_config_resolve(&(struct aws_options){0}, err, sizeof(err));
    ck_assert_msg(config != NULL, "%s", err);
    return config;
}

static void expect_key(struct aws_config *config, time_t now, const char *expected_key)
{
    struct sigv4_credentials creds;
    char err[1024] = "";
    ck_assert_msg(aws_config_credentials(config, now, &creds, err, sizeof(err)) == 0,
                  "%s", err);
    ck_assert_str_eq(creds.access_key_id, expected_key);
}

START_TEST(container_refresh_near_expiry)
{
    /* Each request returns credentials valid one hour longer. */
    struct aws_config *config =
        resolve_container("id=refresh&mode=good&expiration=2030-01-01T01:00:00Z&step=3600");
    time_t expiry = TEST_NOW + 3600;

    expect_key(config, TEST_NOW, "ASIAREFRESH1");
    ck_assert_int_eq(test_server_count(server, "refresh"), 1);

    expect_key(config, expiry - AWS_CREDENTIALS_REFRESH_WINDOW - 1, "ASIAREFRESH1");
    ck_assert_int_eq(test_server_count(server, "refresh"), 1);

    expect_key(config, expiry - AWS_CREDENTIALS_REFRESH_WINDOW, "ASIAREFRESH2");
    ck_assert_int_eq(test_server_count(server, "refresh"), 2);

    expect_key(config, expiry + 60, "ASIAREFRESH2");
    ck_assert_int_eq(test_server_count(server, "refresh"), 2);
    aws_config_free(config);
}
END_TEST

START_TEST(container_refresh_failure_keeps_valid)
{
    /* The server returns credentials for the first request only, then HTTP 500. */
    struct aws_config *config =
        resolve_container("id=once&mode=goodonce&expiration=2030-01-01T01:00:00Z");
    time_t expiry = TEST_NOW + 3600;
    int attempts = CONTAINER_CREDENTIALS_MAX_ATTEMPTS;

    expect_key(config, TEST_NOW, "ASIAONCE1");
    ck_assert_int_eq(test_server_count(server, "once"), 1);

    expect_key(config, expiry - 100, "ASIAONCE1");
    ck_assert_int_eq(test_server_count(server, "once"), 1 + attempts);

    /* Within 30 seconds of a failed refresh, no new attempt is made. */
    expect_key(config, expiry - 71, "ASIAONCE1");
    ck_assert_int_eq(test_server_count(server, "once"), 1 + attempts);

    expect_key(config, expiry - 70, "ASIAONCE1");
    ck_assert_int_eq(test_server_count(server, "once"), 1 + 2 * attempts);

    struct sigv4_credentials creds;
    char err[1024] = "";
    ck_assert_int_eq(aws_config_credentials(config, expiry, &creds, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "expired at 2030-01-01T01:00:00Z and could not be refreshed: ")
                  != NULL, "error '%s' lacks the expiry", err);
    ck_assert_msg(strstr(err, "returned HTTP 500: credentials unavailable") != NULL,
                  "error '%s' lacks the reason", err);
    ck_assert_msg(strstr(err, "secret-1") == NULL, "error '%s' shows the secret", err);
    ck_assert_int_eq(test_server_count(server, "once"), 1 + 3 * attempts);
    aws_config_free(config);
}
END_TEST

START_TEST(container_token_file_read_again)
{
    /* The server expects Bearer-1 on the first request, Bearer-2 on the
     * second, as when EKS rotates the token file. */
    test_clean_environment();
    setenv("AWS_REGION", "us-east-1", 1);
    set_full_uri("id=rotate&mode=good&tokenprefix=Bearer-");
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", test_write_file("token", "Bearer-1"), 1);
    char err[1024] = "";
    struct aws_config *config = aws_config_resolve(&(struct aws_options){0}, err, sizeof(err));
    ck_assert_msg(config != NULL, "%s", err);

    expect_key(config, TEST_NOW, "ASIAROTATE1");
    test_write_file("token", "Bearer-2\n");
    expect_key(config, TEST_NOW + 3600 - AWS_CREDENTIALS_REFRESH_WINDOW, "ASIAROTATE2");
    ck_assert_int_eq(test_server_count(server, "rotate"), 2);
    aws_config_free(config);
}
END_TEST

START_TEST(container_chain_source_described)
{
    struct aws_config *config = resolve_container("id=described&mode=good");
    char expected[512];
    snprintf(expected, sizeof(expected), "container endpoint %s/creds?id=described&mode=good",
             server);
    ck_assert_str_eq(aws_config_credentials_source(config), expected);
    /* Resolving sends nothing; the first request waits for credentials. */
    ck_assert_int_eq(test_server_count(server, "described"), 0);
    aws_config_free(config);
}
END_TEST

static Suite *container_suite(void)
{
    Suite *suite = suite_create("container_credentials");
    TCase *fetch = tcase_create("fetch");
    tcase_add_unchecked_fixture(fetch, start_server, NULL);
    tcase_set_timeout(fetch, 30);
    tcase_add_loop_test(fetch, container_fetch_case, 0,
                        (int)(sizeof(fetch_cases) / sizeof(fetch_cases[0])));
    tcase_add_test(fetch, container_missing_token_file);
    tcase_add_test(fetch, container_connection_refused);
    tcase_add_test(fetch, container_refresh_near_expiry);
    tcase_add_test(fetch, container_refresh_failure_keeps_valid);
    tcase_add_test(fetch, container_chain_source_described);
    tcase_add_test(fetch, container_token_file_read_again);
    suite_add_tcase(suite, fetch);

    TCase *urls = tcase_create("urls");
    tcase_add_loop_test(urls, container_url_case, 0,
                        (int)(sizeof(url_cases) / sizeof(url_cases[0])));
    tcase_add_test(urls, container_relative_uri_wins);
    tcase_add_test(urls, container_relative_uri_needs_slash);
    tcase_add_test(urls, container_not_configured);
    suite_add_tcase(suite, urls);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(container_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
