/* Unit tests of the SigV4 canonicalisation, the signing-key cache and the
 * request parser that schemareg-sigv4 uses. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "http_request.h"
#include "sigv4.h"
#include "sigv4_internal.h"

#define SUITE_TIME 1440938160 /* 2015-08-30T12:36:00Z */

static const struct sigv4_credentials suite_creds = {
    "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL,
};

/* Canonical URI */

struct uri_case {
    const char *path;
    uint32_t flags;
    const char *expected;
};

static const struct uri_case uri_cases[] = {
    {"", 0, "/"},
    {NULL, 0, "/"},
    {"/", 0, "/"},
    {"//", 0, "/"},
    {"/a/b", 0, "/a/b"},
    {"/a/b/", 0, "/a/b/"},
    {"/a//b//", 0, "/a/b/"},
    {"/./a", 0, "/a"},
    {"/a/.", 0, "/a"},
    {"/a/./", 0, "/a/"},
    {"/a/..", 0, "/"},
    {"/a/../", 0, "/"},
    {"/a/b/../c", 0, "/a/c"},
    {"/../../a", 0, "/a"},
    {"/a/b/../..", 0, "/"},
    {"/...", 0, "/..."},
    {"/a..b/.c", 0, "/a..b/.c"},
    {"/%20", 0, "/%2520"},
    {"/a b", 0, "/a%20b"},
    {"/%2F", 0, "/%252F"},
    {"/a+b=c", 0, "/a%2Bb%3Dc"},
    {"/\xe1\x88\xb4", 0, "/%E1%88%B4"},
    {"/-._~", 0, "/-._~"},
    {"a", 0, "/a"},
    {"/%2e%2e/a", 0, "/%252e%252e/a"},
    /* Without normalization the segments stay, and are still encoded. */
    {"//a/./../b/", SIGV4_NO_NORMALIZE_PATH, "//a/./../b/"},
    {"/a b", SIGV4_NO_NORMALIZE_PATH, "/a%20b"},
    {"/%20", SIGV4_NO_NORMALIZE_PATH, "/%2520"},
    {"", SIGV4_NO_NORMALIZE_PATH, "/"},
    {"a/b", SIGV4_NO_NORMALIZE_PATH, "/a/b"},
    /* Amazon S3: as sent, decoded once and encoded once. */
    {"/%20", SIGV4_S3_PATH, "/%20"},
    {"/a b", SIGV4_S3_PATH, "/a%20b"},
    {"/a%3db", SIGV4_S3_PATH, "/a%3Db"},
    {"/a=b", SIGV4_S3_PATH, "/a%3Db"},
    {"/a%2Fb", SIGV4_S3_PATH, "/a%2Fb"},
    {"/100%", SIGV4_S3_PATH, "/100%25"},
    {"/%zz", SIGV4_S3_PATH, "/%25zz"},
    {"//a/../b", SIGV4_S3_PATH, "//a/../b"},
};

START_TEST(canonical_uri_table)
{
    const struct uri_case *c = &uri_cases[_i];
    struct sigv4_buf out = {0};

    ck_assert_int_eq(sigv4_append_canonical_uri(&out, c->path, c->flags), 0);
    ck_assert_msg(strcmp(out.data, c->expected) == 0, "path \"%s\" flags %u: got \"%s\", expected \"%s\"",
                  c->path ? c->path : "(null)", c->flags, out.data, c->expected);
    sigv4_buf_free(&out);
}
END_TEST

/* Canonical query */

struct query_case {
    const char *query;
    const char *expected;
};

static const struct query_case query_cases[] = {
    {NULL, ""},
    {"", ""},
    {"a=1", "a=1"},
    {"b=2&a=1", "a=1&b=2"},
    {"a=2&a=1&a=10", "a=1&a=10&a=2"},
    {"a=1&a=1", "a=1&a=1"},
    {"id-type=x&id=y", "id=y&id-type=x"},
    {"id=z&id-type=x&id=y", "id=y&id=z&id-type=x"},
    {"flag", "flag="},
    {"flag&a=1", "a=1&flag="},
    {"a=", "a="},
    {"=v", "=v"},
    {"a=1&&b=2&", "a=1&b=2"},
    {"a=b=c", "a=b%3Dc"},
    {"a+b=c+d", "a%2Bb=c%2Bd"},
    {"a%20b=c%20d", "a%20b=c%20d"},
    {"a b=c d", "a%20b=c%20d"},
    {"k=%2f%7E", "k=%2F~"},
    {"k=%25", "k=%25"},
    {"list[0]=x&list[1]=y", "list%5B0%5D=x&list%5B1%5D=y"},
    {"Param2=v&Param1=v&param0=v", "Param1=v&Param2=v&param0=v"},
    {"\xe1\x88\xb4=bar", "%E1%88%B4=bar"},
    {"%E1%88%B4=bar", "%E1%88%B4=bar"},
    {"k=/?:@", "k=%2F%3F%3A%40"},
    {"-._~=-._~", "-._~=-._~"},
};

START_TEST(canonical_query_table)
{
    const struct query_case *c = &query_cases[_i];
    struct sigv4_scratch scratch = {0};
    struct sigv4_buf out = {0};
    char err[256] = "";

    ck_assert_msg(sigv4_append_canonical_query(&scratch, &out, c->query, NULL, 0,
                                               err, sizeof(err)) == 0,
                  "query \"%s\": %s", c->query ? c->query : "(null)", err);
    ck_assert_msg(strcmp(out.data ? out.data : "", c->expected) == 0,
                  "query \"%s\": got \"%s\", expected \"%s\"",
                  c->query ? c->query : "(null)", out.data ? out.data : "", c->expected);
    sigv4_buf_free(&out);
    sigv4_scratch_free(&scratch);
}
END_TEST

static const char *const bad_queries[] = {"a=%", "a=%2", "a=%zz", "%g0=1", "a=1&b=%2x"};

START_TEST(canonical_query_bad_escape)
{
    struct sigv4_scratch scratch = {0};
    struct sigv4_buf out = {0};
    char err[256] = "";

    ck_assert_int_eq(sigv4_append_canonical_query(&scratch, &out, bad_queries[_i], NULL, 0,
                                                  err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "invalid percent-encoding at offset") != NULL, "%s", err);
    sigv4_buf_free(&out);
    sigv4_scratch_free(&scratch);
}
END_TEST

START_TEST(canonical_query_extra_params_sorted)
{
    struct sigv4_scratch scratch = {0};
    struct sigv4_buf out = {0};
    const struct sigv4_header extra[] = {{"X-Amz-Date", "20150830T123600Z"},
                                         {"X-Amz-Credential", "AK/20150830/r/s/aws4_request"}};
    char err[256] = "";

    ck_assert_int_eq(sigv4_append_canonical_query(&scratch, &out, "b=1&Z=2", extra, 2,
                                                  err, sizeof(err)), 0);
    ck_assert_str_eq(out.data, "X-Amz-Credential=AK%2F20150830%2Fr%2Fs%2Faws4_request&"
                               "X-Amz-Date=20150830T123600Z&Z=2&b=1");
    sigv4_buf_free(&out);
    sigv4_scratch_free(&scratch);
}
END_TEST

/* Canonical headers */

struct header_case {
    struct sigv4_header headers[4];
    size_t count;
    const char *canonical;
    const char *signed_names;
};

static const struct header_case header_cases[] = {
    {{{"Host", "example.com"}}, 1, "host:example.com\n", "host"},
    {{{"Host", "  example.com  "}, {"X-B", "a \t  b\t\tc "}}, 2,
     "host:example.com\nx-b:a b c\n", "host;x-b"},
    {{{"My-H", "v2"}, {"Host", "h"}, {"my-h", "v1"}, {"MY-H", " v3 "}}, 4,
     "host:h\nmy-h:v2,v1,v3\n", "host;my-h"},
    {{{"Host", "h:8443"}, {"Content-Type", "text/plain"}, {"content-length", "0"}}, 3,
     "content-length:0\ncontent-type:text/plain\nhost:h:8443\n", "content-length;content-type;host"},
    {{{"Host", "h"}, {"X-Empty", ""}, {"X-Spaces", "   "}}, 3,
     "host:h\nx-empty:\nx-spaces:\n", "host;x-empty;x-spaces"},
    {{{"Host", "h"}, {"User-Agent", "curl"}, {"Expect", "100-continue"}, {"X-Amzn-Trace-Id", "x"}}, 4,
     "host:h\n", "host"},
    {{{"Host", "h"}, {"X-A", "\"a   b\""}}, 2, "host:h\nx-a:\"a b\"\n", "host;x-a"},
    {{{"Host", "h"}, {"x-amz-target", "DynamoDB_20120810.PutItem"}}, 2,
     "host:h\nx-amz-target:DynamoDB_20120810.PutItem\n", "host;x-amz-target"},
};

START_TEST(canonical_headers_table)
{
    const struct header_case *c = &header_cases[_i];
    struct sigv4_scratch scratch = {0};
    struct sigv4_buf canonical = {0};
    struct sigv4_buf names = {0};
    char err[256] = "";

    ck_assert_msg(sigv4_collect_headers(&scratch, c->headers, c->count, NULL, 0, NULL,
                                        err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(sigv4_append_canonical_headers(&scratch, &canonical), 0);
    ck_assert_int_eq(sigv4_append_signed_headers(&scratch, &names), 0);
    ck_assert_str_eq(canonical.data, c->canonical);
    ck_assert_str_eq(names.data, c->signed_names);
    sigv4_buf_free(&canonical);
    sigv4_buf_free(&names);
    sigv4_scratch_free(&scratch);
}
END_TEST

struct bad_header_case {
    struct sigv4_header headers[2];
    size_t count;
    const char *message;
};

static const struct bad_header_case bad_header_cases[] = {
    {{{"X-A", "1"}}, 1, "no Host header"},
    {{{"Host", "h"}, {"Bad Name", "1"}}, 2, "invalid byte 0x20"},
    {{{"Host", "h"}, {"", "1"}}, 2, "empty name"},
    {{{"Host", "h"}, {"X-A", "a\r\nb"}}, 2, "control character 0x0d"},
    {{{"Host", "h"}, {"Authorization", "x"}}, 2, "already has the header Authorization"},
    {{{"Host", "h"}, {"X-Amz-Date", "x"}}, 2, "already has the header X-Amz-Date"},
};

START_TEST(collect_headers_rejects)
{
    static const char *const reserved[] = {"authorization", "x-amz-date", NULL};
    const struct bad_header_case *c = &bad_header_cases[_i];
    struct sigv4_scratch scratch = {0};
    char err[256] = "";

    ck_assert_int_eq(sigv4_collect_headers(&scratch, c->headers, c->count, NULL, 0, reserved,
                                           err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, c->message) != NULL, "expected \"%s\" in \"%s\"", c->message, err);
    sigv4_scratch_free(&scratch);
}
END_TEST

/* Signing */

static const struct sigv4_header vanilla_headers[] = {{"Host", "example.amazonaws.com"}};

static struct sigv4_request vanilla_request(void)
{
    return (struct sigv4_request){
        .method = "GET", .path = "/", .headers = vanilla_headers, .headers_count = 1,
    };
}

static struct sigv4_params suite_params(void)
{
    return (struct sigv4_params){
        .region = "us-east-1", .service = "service", .time = SUITE_TIME, .expires = 3600,
    };
}

START_TEST(sign_headers_vanilla)
{
    struct sigv4_signer *signer = sigv4_signer_new();
    struct sigv4_request request = vanilla_request();
    struct sigv4_params params = suite_params();
    struct sigv4_signed_headers out;
    char err[256] = "";

    ck_assert_ptr_nonnull(signer);
    ck_assert_msg(sigv4_sign_headers(signer, &suite_creds, &params, &request, &out,
                                     err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(out.x_amz_date, "20150830T123600Z");
    ck_assert_str_eq(out.content_sha256, "");
    ck_assert_str_eq(out.signature,
                     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    ck_assert_str_eq(out.authorization,
                     "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                     "aws4_request, SignedHeaders=host;x-amz-date, Signature="
                     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    sigv4_signer_free(signer);
}
END_TEST

START_TEST(sign_headers_unsigned_payload)
{
    struct sigv4_signer *signer = sigv4_signer_new();
    struct sigv4_request request = vanilla_request();
    struct sigv4_params params = suite_params();
    struct sigv4_signed_headers out;
    char canonical[1024];
    char err[256] = "";

    params.flags = SIGV4_UNSIGNED_PAYLOAD | SIGV4_SIGN_BODY;
    request.body = "ignored";
    request.body_len = 7;
    ck_assert_int_eq(sigv4_sign_headers(signer, &suite_creds, &params, &request, &out,
                                        err, sizeof(err)), 0);
    ck_assert_str_eq(out.content_sha256, "UNSIGNED-PAYLOAD");
    ck_assert_int_eq(sigv4_canonical_request(signer, &suite_creds, &params, SIGV4_MODE_HEADER,
                                             &request, canonical, sizeof(canonical),
                                             err, sizeof(err)), 0);
    ck_assert_str_eq(canonical, "GET\n/\n\nhost:example.amazonaws.com\n"
                                "x-amz-content-sha256:UNSIGNED-PAYLOAD\n"
                                "x-amz-date:20150830T123600Z\n\n"
                                "host;x-amz-content-sha256;x-amz-date\nUNSIGNED-PAYLOAD");
    sigv4_signer_free(signer);
}
END_TEST

START_TEST(presign_small_buffer)
{
    struct sigv4_signer *signer = sigv4_signer_new();
    struct sigv4_request request = vanilla_request();
    struct sigv4_params params = suite_params();
    char query[64];
    char err[256] = "";

    ck_assert_int_eq(sigv4_presign(signer, &suite_creds, &params, &request, query,
                                   sizeof(query), err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "larger than the 64-byte buffer") != NULL, "%s", err);
    sigv4_signer_free(signer);
}
END_TEST

struct bad_params_case {
    const char *region;
    const char *service;
    uint32_t expires;
    const char *message;
};

static const struct bad_params_case bad_params_cases[] = {
    {"", "s", 3600, "invalid region"},
    {"us east", "s", 3600, "invalid region"},
    {"us-east-1/x", "s", 3600, "invalid region"},
    {"us-east-1", "", 3600, "invalid service"},
    {"us-east-1", "s", 0, "invalid expiry"},
    {"us-east-1", "s", SIGV4_MAX_EXPIRES + 1, "invalid expiry"},
};

START_TEST(presign_rejects_bad_params)
{
    const struct bad_params_case *c = &bad_params_cases[_i];
    struct sigv4_signer *signer = sigv4_signer_new();
    struct sigv4_request request = vanilla_request();
    struct sigv4_params params = {.region = c->region, .service = c->service,
                                  .time = SUITE_TIME, .expires = c->expires};
    char query[4096];
    char err[256] = "";

    ck_assert_int_eq(sigv4_presign(signer, &suite_creds, &params, &request, query,
                                   sizeof(query), err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, c->message) != NULL, "expected \"%s\" in \"%s\"", c->message, err);
    ck_assert_ptr_null(strstr(err, suite_creds.secret_access_key));
    sigv4_signer_free(signer);
}
END_TEST

START_TEST(errors_omit_secrets)
{
    struct sigv4_signer *signer = sigv4_signer_new();
    struct sigv4_credentials creds = {"AKID", "secret-value-xyz", "token-value-xyz"};
    const struct sigv4_header headers[] = {{"Host", "h"}, {"X-Amz-Security-Token", "token-value-xyz"}};
    struct sigv4_request request = {.method = "GET", .path = "/", .headers = headers,
                                    .headers_count = 2};
    struct sigv4_params params = suite_params();
    struct sigv4_signed_headers out;
    char err[256] = "";

    ck_assert_int_eq(sigv4_sign_headers(signer, &creds, &params, &request, &out,
                                        err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "X-Amz-Security-Token"));
    ck_assert_ptr_null(strstr(err, "token-value-xyz"));
    ck_assert_ptr_null(strstr(err, "secret-value-xyz"));
    sigv4_signer_free(signer);
}
END_TEST

/* Signing-key cache */

struct cache_step {
    const char *access_key;
    const char *secret;
    const char *token;
    const char *region;
    const char *service;
    time_t time;
    unsigned long derivations; /* after this step */
};

static const struct cache_step cache_steps[] = {
    {"AK1", "secret1", NULL, "us-east-1", "dynamodb", SUITE_TIME, 1},
    {"AK1", "secret1", NULL, "us-east-1", "dynamodb", SUITE_TIME + 60, 1},       /* same day */
    {"AK1", "secret1", "token", "us-east-1", "dynamodb", SUITE_TIME + 120, 1},   /* token is not in the key */
    {"AK1", "secret1", NULL, "us-east-1", "dynamodb", SUITE_TIME + 86400, 2},    /* next day */
    {"AK1", "secret1", NULL, "eu-west-1", "dynamodb", SUITE_TIME + 86400, 3},    /* region */
    {"AK1", "secret1", NULL, "eu-west-1", "s3", SUITE_TIME + 86400, 4},          /* service */
    {"AK1", "secret2", NULL, "eu-west-1", "s3", SUITE_TIME + 86400, 5},          /* secret */
    {"AK2", "secret2", NULL, "eu-west-1", "s3", SUITE_TIME + 86400, 6},          /* access key */
    {"AK2", "secret2", NULL, "eu-west-1", "s3", SUITE_TIME + 86400, 6},
    {"AK", "2secret2", NULL, "eu-west-1", "s3", SUITE_TIME + 86400, 7},          /* same concatenation */
    {"AK1", "secret1", NULL, "us-east-1", "dynamodb", SUITE_TIME, 8},            /* back to the first */
};

START_TEST(signing_key_cache)
{
    struct sigv4_signer *signer = sigv4_signer_new();
    struct sigv4_signer *fresh = sigv4_signer_new();
    struct sigv4_request request = vanilla_request();

    for (size_t i = 0; i < sizeof(cache_steps) / sizeof(cache_steps[0]); i++) {
        const struct cache_step *step = &cache_steps[i];
        struct sigv4_credentials creds = {step->access_key, step->secret, step->token};
        struct sigv4_params params = {.region = step->region, .service = step->service,
                                      .time = step->time};
        struct sigv4_signed_headers cached;
        struct sigv4_signed_headers derived;
        char err[256] = "";

        ck_assert_msg(sigv4_sign_headers(signer, &creds, &params, &request, &cached,
                                         err, sizeof(err)) == 0, "step %zu: %s", i, err);
        ck_assert_msg(sigv4_signer_key_derivations(signer) == step->derivations,
                      "step %zu: %lu derivations, expected %lu", i,
                      sigv4_signer_key_derivations(signer), step->derivations);

        /* A signer that derives its key afresh must agree with the cache. */
        sigv4_signer_free(fresh);
        fresh = sigv4_signer_new();
        ck_assert_int_eq(sigv4_sign_headers(fresh, &creds, &params, &request, &derived,
                                            err, sizeof(err)), 0);
        ck_assert_str_eq(cached.signature, derived.signature);
    }
    sigv4_signer_free(fresh);
    sigv4_signer_free(signer);
}
END_TEST

/* Host header */

struct host_case {
    const char *scheme;
    const char *host;
    unsigned port;
    const char *expected;
};

static const struct host_case host_cases[] = {
    {"https", "dynamodb.us-east-1.amazonaws.com", 443, "dynamodb.us-east-1.amazonaws.com"},
    {"https", "example.com", 0, "example.com"},
    {"https", "example.com", 80, "example.com:80"},
    {"http", "127.0.0.1", 80, "127.0.0.1"},
    {"http", "127.0.0.1", 8000, "127.0.0.1:8000"},
    {"http", "127.0.0.1", 443, "127.0.0.1:443"},
    {"https", "[::1]", 8443, "[::1]:8443"},
};

START_TEST(format_host_table)
{
    const struct host_case *c = &host_cases[_i];
    char out[128];

    ck_assert_int_eq(sigv4_format_host(c->scheme, c->host, c->port, out, sizeof(out)), 0);
    ck_assert_str_eq(out, c->expected);
}
END_TEST

START_TEST(format_host_small_buffer)
{
    char out[8];

    ck_assert_int_eq(sigv4_format_host("http", "example.com", 8080, out, sizeof(out)), -1);
}
END_TEST

/* Request parser */

START_TEST(parse_request_folds_and_splits)
{
    static const char text[] =
        "POST /a b/?x=1&y HTTP/1.1\r\n"
        "Host:example.com\r\n"
        "My-Header: one\r\n"
        "   two  \r\n"
        "\tthree\r\n"
        "\r\n"
        "body\nline";
    struct http_request request;
    char err[256] = "";

    ck_assert_msg(http_request_parse(text, sizeof(text) - 1, &request, err, sizeof(err)) == 0,
                  "%s", err);
    ck_assert_str_eq(request.method, "POST");
    ck_assert_str_eq(request.target, "/a b/?x=1&y");
    ck_assert_str_eq(request.path, "/a b/");
    ck_assert_str_eq(request.query, "x=1&y");
    ck_assert_uint_eq(request.headers_count, 2);
    ck_assert_str_eq(request.headers[1].name, "My-Header");
    ck_assert_str_eq(request.headers[1].value, "one two three");
    ck_assert_uint_eq(request.raw_lines_count, 4);
    ck_assert_uint_eq(request.raw_lines[2].len, 8);
    ck_assert_uint_eq(request.body_len, 9);
    ck_assert_int_eq(memcmp(request.body, "body\nline", 9), 0);
    http_request_free(&request);
}
END_TEST

START_TEST(parse_request_without_query_or_body)
{
    static const char text[] = "GET /x HTTP/1.1\nHost:h";
    struct http_request request;
    char err[256] = "";

    ck_assert_int_eq(http_request_parse(text, sizeof(text) - 1, &request, err, sizeof(err)), 0);
    ck_assert_ptr_null(request.query);
    ck_assert_uint_eq(request.headers_count, 1);
    ck_assert_str_eq(request.headers[0].value, "h");
    ck_assert_uint_eq(request.body_len, 0);
    http_request_free(&request);
}
END_TEST

struct bad_request_case {
    const char *text;
    const char *message;
};

static const struct bad_request_case bad_requests[] = {
    {"", "line 1: the request is empty"},
    {"GET\n", "line 1: expected \"METHOD target HTTP/1.1\""},
    {"GET / HTTP/1.0\n", "line 1: the request line does not end with \" HTTP/1.1\""},
    {"GET x HTTP/1.1\n", "line 1: the target must start with '/'"},
    {"GET  HTTP/1.1\n", "line 1: the target must start with '/'"},
    {"G(T / HTTP/1.1\n", "line 1: the method contains the invalid byte 0x28"},
    {"GET /\x01 HTTP/1.1\n", "line 1: the target contains the control character 0x01"},
    {"GET / HTTP/1.1\n value\n", "line 2: a continuation line"},
    {"GET / HTTP/1.1\nHost:h\nNoColon\n", "line 3: expected \"Name:value\", found no ':'"},
    {"GET / HTTP/1.1\nHost:h\n:v\n", "line 3: the header name is empty"},
    {"GET / HTTP/1.1\nHost:h\nBad Name:v\n", "line 3: the header name contains the invalid byte 0x20"},
    {"GET / HTTP/1.1\nHost:h\nX:a\x7f\n", "line 3: the header contains the control character 0x7f"},
};

START_TEST(parse_request_rejects)
{
    const struct bad_request_case *c = &bad_requests[_i];
    struct http_request request;
    char err[256] = "";

    ck_assert_int_eq(http_request_parse(c->text, strlen(c->text), &request, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, c->message) == err, "expected \"%s\", got \"%s\"", c->message, err);
    http_request_free(&request);
}
END_TEST

#define TABLE_SIZE(table) ((int)(sizeof(table) / sizeof((table)[0])))

static Suite *sigv4_suite(void)
{
    Suite *suite = suite_create("sigv4");
    TCase *canonical = tcase_create("canonical");
    TCase *signing = tcase_create("signing");
    TCase *parser = tcase_create("parser");

    tcase_add_loop_test(canonical, canonical_uri_table, 0, TABLE_SIZE(uri_cases));
    tcase_add_loop_test(canonical, canonical_query_table, 0, TABLE_SIZE(query_cases));
    tcase_add_loop_test(canonical, canonical_query_bad_escape, 0, TABLE_SIZE(bad_queries));
    tcase_add_test(canonical, canonical_query_extra_params_sorted);
    tcase_add_loop_test(canonical, canonical_headers_table, 0, TABLE_SIZE(header_cases));
    tcase_add_loop_test(canonical, collect_headers_rejects, 0, TABLE_SIZE(bad_header_cases));
    suite_add_tcase(suite, canonical);

    tcase_add_test(signing, sign_headers_vanilla);
    tcase_add_test(signing, sign_headers_unsigned_payload);
    tcase_add_test(signing, presign_small_buffer);
    tcase_add_loop_test(signing, presign_rejects_bad_params, 0, TABLE_SIZE(bad_params_cases));
    tcase_add_test(signing, errors_omit_secrets);
    tcase_add_test(signing, signing_key_cache);
    tcase_add_loop_test(signing, format_host_table, 0, TABLE_SIZE(host_cases));
    tcase_add_test(signing, format_host_small_buffer);
    suite_add_tcase(suite, signing);

    tcase_add_test(parser, parse_request_folds_and_splits);
    tcase_add_test(parser, parse_request_without_query_or_body);
    tcase_add_loop_test(parser, parse_request_rejects, 0, TABLE_SIZE(bad_requests));
    suite_add_tcase(suite, parser);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(sigv4_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
