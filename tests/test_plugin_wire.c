/* Tests of the messages loader child processes send to the host. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "plugin_wire.h"

#define PATH "/plugins/x.so"

/* Bytes a child might send and how the host must take them. */
struct decode_case {
    const char *data;
    enum plugin_wire_kind kind;
    const char *message; /* exact message, or a prefix when it ends in "..." */
};

static const struct decode_case decode_cases[] = {
    {"", PLUGIN_WIRE_MALFORMED, "not JSON: ..."},
    {"garbage", PLUGIN_WIRE_MALFORMED, "not JSON: ..."},
    {"{\"error\": \"a\"} trailing", PLUGIN_WIRE_MALFORMED, "not JSON: ..."},
    {"[]", PLUGIN_WIRE_MALFORMED, "expected an object with one member, \"plugin\" or \"error\""},
    {"{}", PLUGIN_WIRE_MALFORMED, "expected an object with one member, \"plugin\" or \"error\""},
    {"{\"other\": 1}", PLUGIN_WIRE_MALFORMED,
     "expected an object with one member, \"plugin\" or \"error\""},
    {"{\"error\": \"a\", \"plugin\": {}}", PLUGIN_WIRE_MALFORMED,
     "expected an object with one member, \"plugin\" or \"error\""},
    {"{\"error\": \"a\", \"error\": \"b\"}", PLUGIN_WIRE_MALFORMED, "not JSON: ..."},
    {"{\"error\": 7}", PLUGIN_WIRE_MALFORMED, "\"error\" is not a string"},
    {"{\"plugin\": 7}", PLUGIN_WIRE_MALFORMED, "invalid providers: ..."},
    {"{\"plugin\": {\"path\": \"/p\", \"plugin_name\": \"n\", \"plugin_version\": \"1\", "
     "\"abi_major\": 2, \"abi_minor\": 0, \"providers\": []}}",
     PLUGIN_WIRE_MALFORMED, "providers declare another ABI major"},
    {"{\"error\": \"schemareg_providers() returned NULL\"}", PLUGIN_WIRE_ERROR,
     "schemareg_providers() returned NULL"},
    {"{\"error\": \"red \\u001b[31m text\\r\\n\"}", PLUGIN_WIRE_ERROR, "red ?[31m text??"},
    {"{\"error\": \"C1 \\u009b control, caf\\u00e9\"}", PLUGIN_WIRE_ERROR,
     "C1 ? control, caf\xc3\xa9"},
};

static void assert_message(const char *actual, const char *expected)
{
    size_t length = strlen(expected);
    if (length > 3 && strcmp(expected + length - 3, "...") == 0)
        ck_assert_msg(strncmp(actual, expected, length - 3) == 0, "\"%s\" does not start with \"%.*s\"",
                      actual, (int)(length - 3), expected);
    else
        ck_assert_str_eq(actual, expected);
}

START_TEST(decode_outcome)
{
    const struct decode_case *c = &decode_cases[_i];
    struct catalog_plugin plugin;
    char message[256];
    enum plugin_wire_kind kind =
        plugin_wire_decode(c->data, strlen(c->data), PATH, &plugin, message, sizeof(message));
    ck_assert_msg(kind == c->kind, "case %d: kind %d, expected %d (%s)", _i, kind, c->kind,
                  message);
    assert_message(message, c->message);
    ck_assert_ptr_null(plugin.path);
    ck_assert_uint_eq(plugin.providers_count, 0);
}
END_TEST

START_TEST(plugin_round_trip_takes_host_path)
{
    struct catalog_plugin sent = {
        .path = "/child/chose/this.so",
        .plugin_name = "wire",
        .plugin_version = "1.2.3",
        .abi_major = 1,
        .abi_minor = 4,
    };
    char err[256];
    char *text = plugin_wire_encode_plugin(&sent, err, sizeof(err));
    ck_assert_msg(text != NULL, "%s", err);

    struct catalog_plugin received;
    char message[256];
    enum plugin_wire_kind kind =
        plugin_wire_decode(text, strlen(text), PATH, &received, message, sizeof(message));
    ck_assert_int_eq(kind, PLUGIN_WIRE_PLUGIN);
    ck_assert_str_eq(received.path, PATH);
    ck_assert_str_eq(received.plugin_name, "wire");
    ck_assert_str_eq(received.plugin_version, "1.2.3");
    ck_assert_uint_eq(received.abi_minor, 4);

    catalog_plugin_clear(&received);
    free(text);
}
END_TEST

START_TEST(error_round_trip)
{
    char *text = plugin_wire_encode_error("missing schemareg_providers symbol");
    ck_assert_ptr_nonnull(text);

    struct catalog_plugin plugin;
    char message[256];
    ck_assert_int_eq(plugin_wire_decode(text, strlen(text), PATH, &plugin, message,
                                        sizeof(message)),
                     PLUGIN_WIRE_ERROR);
    ck_assert_str_eq(message, "missing schemareg_providers symbol");
    free(text);
}
END_TEST

START_TEST(decoded_error_fits_buffer)
{
    const char *data = "{\"error\": \"caf\\u00e9\"}";
    struct catalog_plugin plugin;
    char message[5];
    ck_assert_int_eq(plugin_wire_decode(data, strlen(data), PATH, &plugin, message,
                                        sizeof(message)),
                     PLUGIN_WIRE_ERROR);
    /* "caf" and not half of the two-byte "é". */
    ck_assert_str_eq(message, "caf");
}
END_TEST

/* Raw bytes a plugin printed and the line the host quotes. */
struct printable_case {
    const char *text;
    size_t out_size;
    const char *expected;
};

static const struct printable_case printable_cases[] = {
    {"hello\n", 64, "hello"},
    {"\n\r\nsecond line\nthird", 64, "second line"},
    {"tab\there", 64, "tab?here"},
    {"\x1b]0;title\x07", 64, "?]0;title?"},
    {"caf\xc3\xa9", 64, "caf??"},
    {"truncated text", 6, "trunc"},
    {"", 64, ""},
};

START_TEST(printable_outcome)
{
    const struct printable_case *c = &printable_cases[_i];
    char out[64];
    plugin_wire_printable(c->text, strlen(c->text), out, c->out_size);
    ck_assert_str_eq(out, c->expected);
}
END_TEST

static Suite *wire_suite(void)
{
    Suite *suite = suite_create("plugin_wire");
    TCase *tc = tcase_create("messages");
    tcase_add_loop_test(tc, decode_outcome, 0,
                        (int)(sizeof(decode_cases) / sizeof(decode_cases[0])));
    tcase_add_test(tc, plugin_round_trip_takes_host_path);
    tcase_add_test(tc, error_round_trip);
    tcase_add_test(tc, decoded_error_fits_buffer);
    tcase_add_loop_test(tc, printable_outcome, 0,
                        (int)(sizeof(printable_cases) / sizeof(printable_cases[0])));
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(wire_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
