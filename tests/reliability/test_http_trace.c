/* Redaction of traced HTTP headers (host/http_trace.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "http_trace.h"
#include "log.h"

struct header_case {
    const char *line;
    const char *expected;
};

static const struct header_case header_cases[] = {
    {"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/dynamodb/"
     "aws4_request, SignedHeaders=host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6",
     "Authorization: <redacted>"},
    {"authorization:AWS4-HMAC-SHA256 Signature=abc", "authorization: <redacted>"},
    {"Authorization : spaced name", "Authorization: <redacted>"},
    {"X-Amz-Security-Token: FQoGZXIvYXdzEXAMPLETOKEN", "X-Amz-Security-Token: <redacted>"},
    {"x-amz-security-token:lower", "x-amz-security-token: <redacted>"},
    {"Proxy-Authorization: Basic dXNlcjpwYXNz", "Proxy-Authorization: <redacted>"},
    {"Cookie: session=abc", "Cookie: <redacted>"},
    {"Set-Cookie: session=abc", "Set-Cookie: <redacted>"},
    {"X-Amz-Signature: 5d672d79", "X-Amz-Signature: <redacted>"},
    {"X-Custom-Secret-Key: hunter2", "X-Custom-Secret-Key: <redacted>"},
    {"X-Aws-Ec2-Metadata-Token: abc", "X-Aws-Ec2-Metadata-Token: <redacted>"},
    {"X-Amz-Credential: AKID/20150830", "X-Amz-Credential: <redacted>"},
    {"X-Password: p", "X-Password: <redacted>"},
    {"no colon at all", "<redacted>"},
    {"Host: 127.0.0.1:8000", "Host: 127.0.0.1:8000"},
    {"X-Amz-Date: 20150830T123600Z", "X-Amz-Date: 20150830T123600Z"},
    {"X-Amz-Target: DynamoDB_20120810.PutItem", "X-Amz-Target: DynamoDB_20120810.PutItem"},
    {"Content-Type: application/x-amz-json-1.0", "Content-Type: application/x-amz-json-1.0"},
    {"Expect:", "Expect:"},
};

START_TEST(test_format_header)
{
    const struct header_case *c = &header_cases[_i];
    char out[512];

    http_trace_format_header(c->line, out, sizeof(out));
    ck_assert_msg(strcmp(out, c->expected) == 0, "\"%s\" traced as \"%s\", expected \"%s\"",
                  c->line, out, c->expected);
}
END_TEST

START_TEST(test_format_header_truncates)
{
    char out[8];

    http_trace_format_header("Host: a-very-long-host-name", out, sizeof(out));
    ck_assert_str_eq(out, "Host: a");
}
END_TEST

START_TEST(test_truncated_secret_stays_redacted)
{
    char out[20];

    /* Even a buffer too short for the marker never gets the value. */
    http_trace_format_header("Authorization: Signature=abcdef", out, sizeof(out));
    ck_assert_ptr_null(strstr(out, "abcdef"));
    ck_assert_str_eq(out, "Authorization: <red");
}
END_TEST

START_TEST(test_enabled_needs_trace_level)
{
    http_trace_set_enabled(true);
    log_set_level(LOG_LEVEL_DEBUG);
    ck_assert(!http_trace_enabled());

    log_set_level(LOG_LEVEL_TRACE);
    ck_assert(http_trace_enabled());

    http_trace_set_enabled(false);
    ck_assert(!http_trace_enabled());
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("http_trace");
    TCase *tcase = tcase_create("redaction");

    tcase_add_loop_test(tcase, test_format_header, 0,
                        (int)(sizeof(header_cases) / sizeof(header_cases[0])));
    tcase_add_test(tcase, test_format_header_truncates);
    tcase_add_test(tcase, test_truncated_secret_stays_redacted);
    tcase_add_test(tcase, test_enabled_needs_trace_level);
    suite_add_tcase(suite, tcase);

    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
