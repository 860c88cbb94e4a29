/* Unit tests of the SigV4 canonicalisation, the signing-key cache, the
 * hashing and allocations of the signer and the request parser that
 * schemareg-sigv4 uses. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hash.h"
#include "http_request.h"
#include "sigv4.h"
#include "sigv4_internal.h"

/* AddressSanitizer owns malloc, so a sanitized build cannot replace it and
 * skips the allocation-counting test. */
#if defined(__SANITIZE_ADDRESS__)
#define SIGV4_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIGV4_TEST_SANITIZED 1
#endif
#endif

static unsigned long openssl_allocations;
static int openssl_counted; /* CRYPTO_set_mem_functions succeeded */

#ifndef SIGV4_TEST_SANITIZED
static unsigned long allocations;

/* Allocation counters. This program replaces malloc and its relatives,
 * which forward to glibc. OpenSSL's allocations are also counted on their
 * own through CRYPTO_set_mem_functions, so the signer's own allocations are
 * the difference. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);


void *malloc(size_t size)
{
    allocations++;
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size)
{
    allocations++;
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size)
{
    allocations++;
    return __libc_realloc(pointer, size);
}

/* glibc's own reallocarray would call its internal realloc, unseen here. */
void *reallocarray(void *pointer, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    return realloc(pointer, count * size);
}

void free(void *pointer)
{
    __libc_free(pointer);
}

#endif

static void *count_openssl_malloc(size_t size, const char *file, int line)
{
    (void)file;
    (void)line;
    openssl_allocations++;
    return malloc(size);
}

static void *count_openssl_realloc(void *pointer, size_t size, const char *file, int line)
{
    (void)file;
    (void)line;
    openssl_allocations++;
    return realloc(pointer, size);
}

static void count_openssl_free(void *pointer, const char *file, int line)
{
    (void)file;
    (void)line;
    free(pointer);
}

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
    {{{"Host", "a b"}, {"X-Tab", "a\t"}, {"X-Lead", "\ta"}, {"X-Two", "a  b"}}, 4,
     "host:a b\nx-lead:a\nx-tab:a\nx-two:a b\n", "host;x-lead;x-tab;x-two"},
    {{{"Host", "h"}, {"X_A!~", "1"}, {"x-a", "2"}, {"X-A", "3"}}, 3,
     "host:h\nx-a:2\nx_a!~:1\n", "host;x-a;x_a!~"},
    {{{"Host", "h"}, {"X-Utf8", "caf\xc3\xa9  au lait"}}, 2,
     "host:h\nx-utf8:caf\xc3\xa9 au lait\n", "host;x-utf8"},
};

START_TEST(canonical_headers_table)
{
    const struct header_case *c = &header_cases[_i];
    struct sigv4_scratch scratch = {0};
    struct sigv4_buf canonical = {0};
    struct sigv4_buf names = {0};
    char err[256] = "";

    ck_assert_msg(sigv4_collect_headers(&scratch, c->headers, c->count, NULL, 0, NULL, 0,
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

/* More headers than the insertion sort takes, in reverse order, with a
 * name repeated far apart. */
START_TEST(canonical_headers_many)
{
    struct sigv4_header headers[40];
    char names[40][16];
    char values[40][16];
    size_t count = 0;
    struct sigv4_scratch scratch = {0};
    struct sigv4_buf canonical = {0};
    struct sigv4_buf signed_names = {0};
    char expected[1024] = "";
    char err[256] = "";

    headers[count++] = (struct sigv4_header){"X-H05", "first"};
    for (int i = 29; i >= 0; i--) {
        snprintf(names[i], sizeof(names[i]), "X-H%02d", i);
        snprintf(values[i], sizeof(values[i]), "v%d", i);
        headers[count++] = (struct sigv4_header){names[i], values[i]};
    }
    headers[count++] = (struct sigv4_header){"Host", "h"};
    headers[count++] = (struct sigv4_header){"x-h05", "last"};

    ck_assert_msg(sigv4_collect_headers(&scratch, headers, count, NULL, 0, NULL, 0,
                                        err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(sigv4_append_canonical_headers(&scratch, &canonical), 0);
    ck_assert_int_eq(sigv4_append_signed_headers(&scratch, &signed_names), 0);

    strcat(expected, "host:h\n");
    for (int i = 0; i < 30; i++) {
        char line[64];
        if (i == 5)
            snprintf(line, sizeof(line), "x-h05:first,v5,last\n");
        else
            snprintf(line, sizeof(line), "x-h%02d:v%d\n", i, i);
        strcat(expected, line);
    }
    ck_assert_str_eq(canonical.data, expected);
    ck_assert_uint_eq(strlen(signed_names.data), strlen("host") + 30 * strlen(";x-h00"));
    ck_assert_ptr_nonnull(strstr(signed_names.data, "host;x-h00;x-h01;"));
    sigv4_buf_free(&canonical);
    sigv4_buf_free(&signed_names);
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
    static const struct sigv4_name reserved[] = {SIGV4_NAME("authorization"),
                                                 SIGV4_NAME("x-amz-date")};
    const struct bad_header_case *c = &bad_header_cases[_i];
    struct sigv4_scratch scratch = {0};
    char err[256] = "";

    ck_assert_int_eq(sigv4_collect_headers(&scratch, c->headers, c->count, NULL, 0, reserved, 2,
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

/* X-Amz-Date */

struct date_case {
    time_t time;
    const char *expected;
};

static const struct date_case date_cases[] = {
    {0, "19700101T000000Z"},
    {SUITE_TIME, "20150830T123600Z"},
    {951782399, "20000228T235959Z"},
    {951782400, "20000229T000000Z"},
    {951868800, "20000301T000000Z"},
    {4107542399, "21000228T235959Z"},
    {4107542400, "21000301T000000Z"},
    {253402300799, "99991231T235959Z"},
};

START_TEST(amz_date_table)
{
    const struct date_case *c = &date_cases[_i];
    char out[SIGV4_AMZ_DATE_LEN + 1];

    ck_assert_int_eq(sigv4_format_amz_date(c->time, out), 0);
    ck_assert_str_eq(out, c->expected);
}
END_TEST

/* Every 1,000,003 seconds from 1970 to 9999, compared with gmtime_r: about
 * 253,000 times in every month, 173 of them on a 29 February. */
START_TEST(amz_date_matches_gmtime)
{
    for (long long t = 0; t <= 253402300799LL; t += 1000003) {
        time_t time = (time_t)t;
        struct tm tm;
        char expected[32];
        char out[SIGV4_AMZ_DATE_LEN + 1];

        ck_assert_ptr_nonnull(gmtime_r(&time, &tm));
        strftime(expected, sizeof(expected), "%Y%m%dT%H%M%SZ", &tm);
        ck_assert_int_eq(sigv4_format_amz_date(time, out), 0);
        ck_assert_msg(strcmp(out, expected) == 0, "time %lld: got %s, expected %s", t, out,
                      expected);
    }
}
END_TEST

START_TEST(amz_date_rejects_out_of_range)
{
    char out[SIGV4_AMZ_DATE_LEN + 1];

    ck_assert_int_eq(sigv4_format_amz_date(-1, out), -1);
    ck_assert_int_eq(sigv4_format_amz_date((time_t)253402300800LL, out), -1);
}
END_TEST

/* Hashing */

/* Messages hashed one after another through one block cache: each digest
 * must equal a plain SHA-256, whether the first block matches the last
 * message's or not. */
START_TEST(sha256_block_cache_matches_plain)
{
    static const size_t lengths[] = {0, 63, 64, 65, 200, 200, 64, 200, 130};
    unsigned char message[256];
    struct hash_ctx ctx;
    struct hash_block_cache cache;

    ck_assert_int_eq(hash_ctx_init(&ctx), 0);
    ck_assert_int_eq(hash_block_cache_init(&cache), 0);
    for (size_t i = 0; i < sizeof(message); i++)
        message[i] = (unsigned char)(i * 7);

    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        unsigned char cached[HASH_SHA256_LEN];
        unsigned char plain[HASH_SHA256_LEN];

        if (i == 7)
            message[10] ^= 1; /* a new first block */
        ck_assert_int_eq(hash_sha256_cached(&ctx, &cache, message, lengths[i], cached), 0);
        ck_assert_int_eq(hash_sha256(&ctx, message, lengths[i], plain), 0);
        ck_assert_msg(memcmp(cached, plain, sizeof(plain)) == 0, "message %zu of %zu bytes",
                      i, lengths[i]);
    }
    hash_block_cache_free(&cache);
    hash_ctx_free(&ctx);
}
END_TEST

/* The prepared-key HMAC, with and without a shared prefix, against
 * OpenSSL's EVP_MAC HMAC. */
START_TEST(hmac_prepared_key_matches_evp_mac)
{
    static const size_t key_lengths[] = {0, 1, 32, 63, 64};
    static const char message[] = "AWS4-HMAC-SHA256\n20150830T123600Z\n"
                                  "20150830/us-east-1/service/aws4_request\n"
                                  "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0";
    size_t prefix_len = strlen(message) - HASH_SHA256_HEX_LEN;
    unsigned char secret[64];
    struct hash_ctx ctx;
    struct hash_hmac_key key;

    ck_assert_int_eq(hash_ctx_init(&ctx), 0);
    ck_assert_int_eq(hash_hmac_key_init(&key), 0);
    EVP_MD_CTX *prefix = EVP_MD_CTX_new();
    ck_assert_ptr_nonnull(prefix);
    for (size_t i = 0; i < sizeof(secret); i++)
        secret[i] = (unsigned char)(0xa5 ^ i);

    for (size_t i = 0; i < sizeof(key_lengths) / sizeof(key_lengths[0]); i++) {
        size_t len = key_lengths[i];
        unsigned char expected[HASH_SHA256_LEN];
        unsigned char keyed[HASH_SHA256_LEN];
        unsigned char resumed[HASH_SHA256_LEN];

        ck_assert_int_eq(hash_hmac_sha256(&ctx, secret, len, message, strlen(message),
                                          expected), 0);
        ck_assert_int_eq(hash_hmac_key_set(&ctx, &key, secret, len), 0);
        ck_assert_int_eq(hash_hmac_sha256_keyed(&ctx, &key, message, strlen(message),
                                                keyed), 0);
        ck_assert_int_eq(hash_hmac_sha256_start(&key, prefix, message, prefix_len), 0);
        ck_assert_int_eq(hash_hmac_sha256_resume(&ctx, &key, prefix, message + prefix_len,
                                                 HASH_SHA256_HEX_LEN, resumed), 0);
        ck_assert_msg(memcmp(keyed, expected, sizeof(expected)) == 0, "key of %zu bytes", len);
        ck_assert_msg(memcmp(resumed, expected, sizeof(expected)) == 0, "key of %zu bytes",
                      len);
    }
    EVP_MD_CTX_free(prefix);
    hash_hmac_key_free(&key);
    hash_ctx_free(&ctx);
}
END_TEST

START_TEST(hmac_prepared_key_rejects_long_key)
{
    unsigned char secret[HASH_SHA256_BLOCK_LEN + 1] = {0};
    struct hash_ctx ctx;
    struct hash_hmac_key key;

    ck_assert_int_eq(hash_ctx_init(&ctx), 0);
    ck_assert_int_eq(hash_hmac_key_init(&key), 0);
    ck_assert_int_eq(hash_hmac_key_set(&ctx, &key, secret, sizeof(secret)), -1);
    hash_hmac_key_free(&key);
    hash_ctx_free(&ctx);
}
END_TEST

START_TEST(hex_known_bytes)
{
    static const unsigned char bytes[] = {0x00, 0x09, 0x0a, 0x7f, 0x80, 0xab, 0xff};
    char out[2 * sizeof(bytes) + 1];

    hash_to_hex(bytes, sizeof(bytes), out);
    ck_assert_str_eq(out, "00090a7f80abff");
}
END_TEST

/* Every byte value, at even and odd positions, against snprintf. */
START_TEST(hex_all_bytes)
{
    unsigned char bytes[2 * 256 + 1];
    char out[2 * sizeof(bytes) + 1];
    char expected[2 * sizeof(bytes) + 1];

    for (size_t i = 0; i < sizeof(bytes); i++)
        bytes[i] = (unsigned char)(i / 2 + i % 2 * 0x5b);
    for (size_t len = sizeof(bytes) - 1; len <= sizeof(bytes); len++) {
        for (size_t i = 0; i < len; i++)
            snprintf(expected + 2 * i, 3, "%02x", bytes[i]);
        expected[2 * len] = '\0';
        hash_to_hex(bytes, len, out);
        ck_assert_str_eq(out, expected);
    }
}
END_TEST

/* Allocations */

#ifndef SIGV4_TEST_SANITIZED
static const struct sigv4_header put_item_headers[] = {
    {"Host", "dynamodb.us-east-1.amazonaws.com"},
    {"Content-Type", "application/x-amz-json-1.0"},
    {"X-Amz-Target", "DynamoDB_20120810.PutItem"},
};

static const char put_item_body[] =
    "{\"TableName\":\"acme-t000\",\"Item\":{\"pk\":{\"S\":\"acme#00007\"}},"
    "\"ConditionExpression\":\"attribute_not_exists(pk)\"}";

/* OpenSSL 3.0 allocates one digest state per EVP_DigestInit_ex2 and per
 * EVP_MD_CTX_copy_ex. A signature makes at most six: the body hash, two
 * for the canonical request hash when its first block differs from the
 * last request's (as it does here, alternating header and query mode),
 * the HMAC prefix when the second changed, and the inner and outer HMAC. */
#define OPENSSL_ALLOCATIONS_PER_SIGNATURE_MAX 6
#define SIGNATURES 20

/* After a first signature has sized the buffers, signing requests of the
 * same size allocates nothing in the signer, header and query mode alike,
 * also when the signing time moves on every request. */
START_TEST(signing_allocates_nothing_when_warm)
{
    struct sigv4_signer *signer = sigv4_signer_new();
    struct sigv4_credentials creds = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                      "session-token"};
    struct sigv4_request request = {
        .method = "POST", .path = "/", .headers = put_item_headers, .headers_count = 3,
        .body = put_item_body, .body_len = strlen(put_item_body),
    };
    struct sigv4_params params = suite_params();
    struct sigv4_signed_headers out;
    char query[4096];
    char err[256] = "";

    ck_assert_msg(openssl_counted, "CRYPTO_set_mem_functions failed");
    ck_assert_ptr_nonnull(signer);
    params.flags = SIGV4_SIGN_BODY;
    ck_assert_int_eq(sigv4_sign_headers(signer, &creds, &params, &request, &out,
                                        err, sizeof(err)), 0);
    ck_assert_int_eq(sigv4_presign(signer, &creds, &params, &request, query, sizeof(query),
                                   err, sizeof(err)), 0);

    unsigned long before = allocations;
    unsigned long openssl_before = openssl_allocations;
    int failures = 0;
    for (int i = 0; i < SIGNATURES; i++) {
        params.time = SUITE_TIME + i;
        failures += sigv4_sign_headers(signer, &creds, &params, &request, &out,
                                       err, sizeof(err)) != 0;
        failures += sigv4_presign(signer, &creds, &params, &request, query, sizeof(query),
                                  err, sizeof(err)) != 0;
    }
    unsigned long total = allocations - before;
    unsigned long by_openssl = openssl_allocations - openssl_before;

    ck_assert_msg(failures == 0, "%s", err);
    ck_assert_msg(total == by_openssl, "the signer allocated %lu times in %d signatures",
                  total - by_openssl, 2 * SIGNATURES);
    ck_assert_uint_le(by_openssl, 2 * SIGNATURES * OPENSSL_ALLOCATIONS_PER_SIGNATURE_MAX);
    sigv4_signer_free(signer);
}
END_TEST
#endif

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
    tcase_add_test(canonical, canonical_headers_many);
    tcase_add_loop_test(canonical, collect_headers_rejects, 0, TABLE_SIZE(bad_header_cases));
    suite_add_tcase(suite, canonical);

    tcase_add_test(signing, sign_headers_vanilla);
    tcase_add_test(signing, sign_headers_unsigned_payload);
    tcase_add_test(signing, presign_small_buffer);
    tcase_add_loop_test(signing, presign_rejects_bad_params, 0, TABLE_SIZE(bad_params_cases));
    tcase_add_test(signing, errors_omit_secrets);
    tcase_add_test(signing, signing_key_cache);
#ifndef SIGV4_TEST_SANITIZED
    tcase_add_test(signing, signing_allocates_nothing_when_warm);
#endif
    tcase_add_loop_test(signing, amz_date_table, 0, TABLE_SIZE(date_cases));
    tcase_add_test(signing, amz_date_matches_gmtime);
    tcase_add_test(signing, amz_date_rejects_out_of_range);
    tcase_add_test(signing, sha256_block_cache_matches_plain);
    tcase_add_test(signing, hmac_prepared_key_matches_evp_mac);
    tcase_add_test(signing, hmac_prepared_key_rejects_long_key);
    tcase_add_test(signing, hex_known_bytes);
    tcase_add_test(signing, hex_all_bytes);
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
    /* Before anything makes OpenSSL allocate. */
    openssl_counted = CRYPTO_set_mem_functions(count_openssl_malloc, count_openssl_realloc,
                                               count_openssl_free);
    SRunner *runner = srunner_create(sigv4_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
