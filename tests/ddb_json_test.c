/* DynamoDB JSON checks: numbers, items, equality and item size. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb_json.h"

struct number_case {
    const char *text;
    int valid;
    const char *message; /* substring of the error when invalid */
};

static const struct number_case number_cases[] = {
    {"0", 1, NULL},
    {"-0", 1, NULL},
    {"42", 1, NULL},
    {"-12.5e3", 1, NULL},
    {"1E+10", 1, NULL},
    {"007", 1, NULL},
    {"0.000", 1, NULL},
    {"12345678901234567890123456789012345678", 1, NULL},
    {"1234567890123456789012345678901234567800000", 1, NULL},
    {"0.00012345678901234567890123456789012345678", 1, NULL},
    {"9.9999999999999999999999999999999999999E+125", 1, NULL},
    {"-9.9999999999999999999999999999999999999E+125", 1, NULL},
    {"1E-130", 1, NULL},
    {"0e999999999999", 1, NULL},
    {"", 0, "must start with a digit"},
    {"-", 0, "must start with a digit"},
    {"+1", 0, "must start with a digit"},
    {".5", 0, "must start with a digit"},
    {"5.", 0, "decimal point must be followed by digits"},
    {"1e", 0, "exponent needs digits"},
    {"1e+", 0, "exponent needs digits"},
    {"1.2.3", 0, "unexpected character '.'"},
    {"1,5", 0, "unexpected character ','"},
    {" 1", 0, "must start with a digit"},
    {"1 ", 0, "unexpected character ' '"},
    {"NaN", 0, "must start with a digit"},
    {"Infinity", 0, "must start with a digit"},
    {"0x10", 0, "unexpected character 'x'"},
    {"123456789012345678901234567890123456789", 0, "has 39 significant digits"},
    {"1.00000000000000000000000000000000000001", 0, "has 39 significant digits"},
    {"1E+126", 0, "out of range"},
    {"10E+125", 0, "out of range"},
    {"1E-131", 0, "out of range"},
    {"0.1E-130", 0, "out of range"},
    {"1e99999999999999999999", 0, "out of range"},
};

START_TEST(number_syntax)
{
    const struct number_case *c = &number_cases[_i];
    char err[256] = "";
    int result = ddb_json_check_number(c->text, err, sizeof(err));

    if (c->valid) {
        ck_assert_msg(result == 0, "\"%s\" rejected: %s", c->text, err);
    } else {
        ck_assert_msg(result == -1, "\"%s\" accepted", c->text);
        ck_assert_msg(strstr(err, c->message) != NULL, "\"%s\": \"%s\" lacks \"%s\"",
                      c->text, err, c->message);
    }
}
END_TEST

struct item_case {
    const char *json;
    size_t problems;
    const char *path;    /* path of the first problem, when any */
    const char *message; /* substring of the first problem, when any */
};

static const struct item_case item_cases[] = {
    {"{}", 0, NULL, NULL},
    {"{\"a\":{\"S\":\"x\"},\"b\":{\"N\":\"1\"},\"c\":{\"B\":\"AAEC\"},\"d\":{\"BOOL\":false},"
     "\"e\":{\"NULL\":true},\"f\":{\"M\":{}},\"g\":{\"L\":[]},\"h\":{\"SS\":[\"x\",\"y\"]},"
     "\"i\":{\"NS\":[\"1\",\"2\"]},\"j\":{\"BS\":[\"AA==\",\"AQ==\"]}}", 0, NULL, NULL},
    {"{\"a\":\"x\"}", 1, "a", "must be a JSON object with one type key"},
    {"{\"a\":{}}", 1, "a", "exactly one type key"},
    {"{\"a\":{\"S\":\"x\",\"N\":\"1\"}}", 1, "a", "exactly one type key (S, N, B, BOOL, NULL, M, L, SS, NS or BS), found 2"},
    {"{\"a\":{\"STRING\":\"x\"}}", 1, "a", "unknown type \"STRING\""},
    {"{\"a\":{\"s\":\"x\"}}", 1, "a", "unknown type \"s\""},
    {"{\"a\":{\"S\":1}}", 1, "a", "an S value must be a JSON string"},
    {"{\"a\":{\"N\":1}}", 1, "a", "an N value must be a JSON string"},
    {"{\"a\":{\"N\":\"1x\"}}", 1, "a", "unexpected character 'x'"},
    {"{\"a\":{\"B\":1}}", 1, "a", "a B value must be a JSON string in base64"},
    {"{\"a\":{\"B\":\"AAE\"}}", 1, "a", "length 3 is not a multiple of 4"},
    {"{\"a\":{\"B\":\"A=AA\"}}", 1, "a", "invalid character at offset 1"},
    {"{\"a\":{\"B\":\"AA=A\"}}", 1, "a", "'=' appears before the end"},
    {"{\"a\":{\"B\":\"AA-_\"}}", 1, "a", "invalid character at offset 2"},
    {"{\"a\":{\"BOOL\":\"true\"}}", 1, "a", "must be true or false"},
    {"{\"a\":{\"NULL\":false}}", 1, "a", "{\"NULL\": true}"},
    {"{\"a\":{\"M\":[]}}", 1, "a", "an M value must be a JSON object"},
    {"{\"a\":{\"L\":{}}}", 1, "a", "an L value must be a JSON array"},
    {"{\"a\":{\"L\":[{\"S\":\"x\"},{\"N\":\"y\"}]}}", 1, "a[1]", "\"y\" is not a number"},
    {"{\"a\":{\"M\":{\"b\":{\"M\":{\"c\":{\"BOOL\":1}}}}}}", 1, "a.b.c", "true or false"},
    {"{\"a\":{\"SS\":[]}}", 1, "a", "an SS set is empty"},
    {"{\"a\":{\"NS\":[]}}", 1, "a", "an NS set is empty"},
    {"{\"a\":{\"BS\":\"AA==\"}}", 1, "a", "a BS value must be a JSON array"},
    {"{\"a\":{\"SS\":[\"x\",\"x\"]}}", 1, "a[1]", "duplicates member [0] of the SS set"},
    {"{\"a\":{\"NS\":[\"10\",\"1e1\"]}}", 1, "a[1]", "duplicates member [0] of the NS set"},
    {"{\"a\":{\"NS\":[\"-0\",\"0.0\"]}}", 1, "a[1]", "duplicates member [0]"},
    {"{\"a\":{\"BS\":[\"AAE=\",\"AAE=\"]}}", 1, "a[1]", "duplicates member [0] of the BS set"},
    {"{\"a\":{\"NS\":[\"1\",\"x\"]}}", 1, "a[1]", "\"x\" is not a number"},
    {"{\"a\":{\"SS\":[\"x\",1]}}", 1, "a[1]", "must be a JSON string"},
    {"{\"\":{\"S\":\"x\"}}", 1, "", "attribute name must not be empty"},
    {"{\"a\":{\"N\":\"x\"},\"b\":{\"S\":2},\"c\":{\"SS\":[]}}", 3, "a", "is not a number"},
};

struct first_problem {
    size_t count;
    char path[256];
    char message[512];
};

static void record_problem(void *context, const char *path, const char *message)
{
    struct first_problem *first = context;

    if (first->count++ > 0)
        return;
    snprintf(first->path, sizeof(first->path), "%s", path);
    snprintf(first->message, sizeof(first->message), "%s", message);
}

START_TEST(item_checks)
{
    const struct item_case *c = &item_cases[_i];
    struct first_problem first = {0};
    char err[256];
    json_t *item = ddb_json_parse_object(c->json, err, sizeof(err));
    size_t problems;

    ck_assert_msg(item != NULL, "%s: %s", c->json, err);
    problems = ddb_json_check_item(item, record_problem, &first);
    ck_assert_msg(problems == c->problems, "%s: %zu problems, expected %zu (%s)",
                  c->json, problems, c->problems, first.message);
    ck_assert_uint_eq(first.count, problems);
    if (c->problems > 0) {
        ck_assert_str_eq(first.path, c->path);
        ck_assert_msg(strstr(first.message, c->message) != NULL,
                      "%s: \"%s\" lacks \"%s\"", c->json, first.message, c->message);
    }
    json_decref(item);
}
END_TEST

/* Builds nested maps depth levels deep around a string. */
static char *nested_maps(unsigned int depth)
{
    size_t size = depth * 24 + 64;
    char *json = malloc(size);
    size_t len = 0;

    len += (size_t)snprintf(json + len, size - len, "{\"a\":");
    for (unsigned int i = 0; i < depth; i++)
        len += (size_t)snprintf(json + len, size - len, "{\"M\":{\"b\":");
    len += (size_t)snprintf(json + len, size - len, "{\"S\":\"x\"}");
    for (unsigned int i = 0; i < depth; i++)
        len += (size_t)snprintf(json + len, size - len, "}}");
    snprintf(json + len, size - len, "}");
    return json;
}

START_TEST(nesting_depth_limit)
{
    char *allowed = nested_maps(DDB_JSON_MAX_DEPTH);
    char *too_deep = nested_maps(DDB_JSON_MAX_DEPTH + 1);
    json_t *item;
    struct first_problem first = {0};

    item = ddb_json_parse_object(allowed, NULL, 0);
    ck_assert_ptr_nonnull(item);
    ck_assert_uint_eq(ddb_json_check_item(item, NULL, NULL), 0);
    json_decref(item);

    item = ddb_json_parse_object(too_deep, NULL, 0);
    ck_assert_ptr_nonnull(item);
    ck_assert_uint_eq(ddb_json_check_item(item, record_problem, &first), 1);
    ck_assert_ptr_nonnull(strstr(first.message, "deeper than 32 levels"));
    json_decref(item);

    free(allowed);
    free(too_deep);
}
END_TEST

struct parse_case {
    const char *text;
    const char *message;
};

static const struct parse_case parse_cases[] = {
    {"", "invalid JSON"},
    {"{\"a\":", "invalid JSON"},
    {"[]", "must be an object"},
    {"\"text\"", "invalid JSON"},
    {"{\"a\":1,\"a\":2}", "duplicate object key"},
    {"{\"a\":\"\\u0000\"}", "invalid JSON"},
};

START_TEST(parse_rejects)
{
    const struct parse_case *c = &parse_cases[_i];
    char err[256] = "";
    json_t *object = ddb_json_parse_object(c->text, err, sizeof(err));

    ck_assert_ptr_null(object);
    ck_assert_msg(strstr(err, c->message) != NULL, "%s: \"%s\" lacks \"%s\"",
                  c->text, err, c->message);
}
END_TEST

struct size_case {
    const char *json;
    size_t size;
};

/* Expected sizes follow the DynamoDB Developer Guide's item size rules. */
static const struct size_case size_cases[] = {
    {"{}", 0},
    {"{\"a\":{\"S\":\"hello\"}}", 6},
    {"{\"a\":{\"S\":\"\\u00e9\"}}", 3},
    {"{\"n\":{\"N\":\"12345\"}}", 5},
    {"{\"n\":{\"N\":\"1234\"}}", 4},
    {"{\"n\":{\"N\":\"0.00100\"}}", 3},
    {"{\"b\":{\"B\":\"aGVsbG8=\"}}", 6},
    {"{\"b\":{\"B\":\"\"}}", 1},
    {"{\"f\":{\"BOOL\":true}}", 2},
    {"{\"null\":{\"NULL\":true}}", 5},
    {"{\"m\":{\"M\":{}}}", 4},
    {"{\"m\":{\"M\":{\"k\":{\"S\":\"v\"}}}}", 7},
    {"{\"l\":{\"L\":[{\"S\":\"ab\"},{\"N\":\"1\"}]}}", 10},
    {"{\"ss\":{\"SS\":[\"a\",\"bc\"]}}", 5},
    {"{\"ns\":{\"NS\":[\"1\",\"100\"]}}", 6},
    {"{\"bs\":{\"BS\":[\"AA==\",\"AAE=\"]}}", 5},
    {"{\"pk\":{\"S\":\"plan#free\"},\"price\":{\"N\":\"0\"}}", 2 + 9 + 5 + 1},
};

START_TEST(item_size)
{
    const struct size_case *c = &size_cases[_i];
    json_t *item = ddb_json_parse_object(c->json, NULL, 0);

    ck_assert_ptr_nonnull(item);
    ck_assert_uint_eq(ddb_json_check_item(item, NULL, NULL), 0);
    ck_assert_msg(ddb_json_item_size(item) == c->size, "%s: %zu bytes, expected %zu",
                  c->json, ddb_json_item_size(item), c->size);
    json_decref(item);
}
END_TEST

struct equal_case {
    const char *a;
    const char *b;
    int equal;
};

static const struct equal_case equal_cases[] = {
    {"{\"S\":\"x\"}", "{\"S\":\"x\"}", 1},
    {"{\"S\":\"x\"}", "{\"S\":\"x \"}", 0},
    {"{\"N\":\"1.50\"}", "{\"N\":\"15e-1\"}", 1},
    {"{\"N\":\"-1\"}", "{\"N\":\"1\"}", 0},
    {"{\"N\":\"1\"}", "{\"S\":\"1\"}", 0},
    {"{\"B\":\"AAE=\"}", "{\"B\":\"AAE=\"}", 1},
    {"{\"B\":\"AAE=\"}", "{\"B\":\"AAI=\"}", 0},
    {"{\"M\":{\"a\":{\"S\":\"x\"}}}", "{\"M\":{\"a\":{\"S\":\"x\"}}}", 1},
};

START_TEST(values_equal)
{
    const struct equal_case *c = &equal_cases[_i];
    json_t *a = json_loads(c->a, 0, NULL);
    json_t *b = json_loads(c->b, 0, NULL);

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(ddb_json_values_equal(a, b) != 0, c->equal);
    ck_assert_int_eq(ddb_json_values_equal(b, a) != 0, c->equal);
    json_decref(a);
    json_decref(b);
}
END_TEST

START_TEST(value_type_names)
{
    json_t *value = json_loads("{\"NS\":[\"1\"]}", 0, NULL);
    json_t *two = json_loads("{\"S\":\"a\",\"N\":\"1\"}", 0, NULL);

    ck_assert_str_eq(ddb_json_value_type(value), "NS");
    ck_assert_ptr_null(ddb_json_value_type(two));
    ck_assert_ptr_null(ddb_json_value_type(NULL));
    json_decref(value);
    json_decref(two);
}
END_TEST

#define COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))

static Suite *ddb_json_suite(void)
{
    Suite *suite = suite_create("ddb_json");
    TCase *checks = tcase_create("checks");

    tcase_add_loop_test(checks, number_syntax, 0, COUNT(number_cases));
    tcase_add_loop_test(checks, item_checks, 0, COUNT(item_cases));
    tcase_add_loop_test(checks, parse_rejects, 0, COUNT(parse_cases));
    tcase_add_loop_test(checks, item_size, 0, COUNT(size_cases));
    tcase_add_loop_test(checks, values_equal, 0, COUNT(equal_cases));
    tcase_add_test(checks, nesting_depth_limit);
    tcase_add_test(checks, value_type_names);
    suite_add_tcase(suite, checks);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(ddb_json_suite());
    int failed;

    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
