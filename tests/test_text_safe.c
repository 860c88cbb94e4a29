/* Untrusted text made safe for a terminal line: escapes, invalid UTF-8 and
 * cuts at character boundaries. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "text_safe.h"

struct copy_case {
    const char *name;
    const char *input;
    size_t input_len;  /* 0 means strlen(input) */
    size_t out_size;
    const char *expected;
    bool fits;
};

static const struct copy_case copy_cases[] = {
    {"plain ASCII", "table users", 0, 64, "table users", true},
    {"UTF-8 kept", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0, 64,
     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", true},
    {"escape sequence", "a\x1b[31mred", 0, 64, "a\\x1b[31mred", true},
    {"newline forges a line", "x\nschemareg: info: forged", 0, 64,
     "x\\x0aschemareg: info: forged", true},
    {"tab and carriage return", "a\tb\rc", 0, 64, "a\\x09b\\x0dc", true},
    {"DEL", "a\x7f", 0, 64, "a\\x7f", true},
    {"C1 control", "a\xc2\x9b" "31m", 0, 64, "a\\xc2\\x9b31m", true},
    {"NUL inside", "a\0b", 3, 64, "a\\x00b", true},
    {"invalid byte", "bad\xff.so", 0, 64, "bad\\xff.so", true},
    {"lone continuation", "\x80x", 0, 64, "\\x80x", true},
    {"overlong slash", "\xc0\xaf", 0, 64, "\\xc0\\xaf", true},
    {"surrogate", "\xed\xa0\x80", 0, 64, "\\xed\\xa0\\x80", true},
    {"above U+10FFFF", "\xf4\x90\x80\x80", 0, 64, "\\xf4\\x90\\x80\\x80", true},
    {"sequence cut at the end", "ok\xc3", 0, 64, "ok\\xc3", true},
    {"bidi override", "abc\xe2\x80\xae" "cba", 0, 64, "abc\\u202ecba", true},
    {"line separator", "a\xe2\x80\xa8" "b", 0, 64, "a\\u2028b", true},
    {"backslash kept", "C:\\x", 0, 64, "C:\\x", true},
    {"exact fit", "abcdef", 0, 7, "abcdef", true},
    {"cut with ellipsis", "abcdefgh", 0, 7, "abc...", false},
    {"cut before multibyte", "ab\xc3\xa9\xc3\xa9\xc3\xa9", 0, 8, "ab\xc3\xa9...", false},
    {"cut never splits a character", "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 0, 8,
     "\xe2\x82\xac...", false},
    {"cut never splits an escape", "a\x1b\x1b\x1b\x1b", 0, 10, "a\\x1b...", false},
    {"too small for the ellipsis", "abcdef", 0, 3, "", false},
    {"empty", "", 0, 1, "", true},
};

START_TEST(copy_case)
{
    const struct copy_case *c = &copy_cases[_i];
    size_t len = c->input_len != 0 ? c->input_len : strlen(c->input);
    char out[128];

    memset(out, 'Z', sizeof(out));
    bool fits = text_safe_copy(out, c->out_size, c->input, len);

    ck_assert_msg(strcmp(out, c->expected) == 0, "%s: got \"%s\", expected \"%s\"", c->name,
                  out, c->expected);
    ck_assert_msg(fits == c->fits, "%s: fits is %d", c->name, fits);
    ck_assert_msg(strlen(out) < c->out_size, "%s: output overruns its size", c->name);
}
END_TEST

START_TEST(output_is_valid_utf8)
{
    unsigned char all[256];
    char out[256 * 4 + 1];

    for (size_t i = 0; i < sizeof(all); i++)
        all[i] = (unsigned char)i;
    ck_assert(text_safe_copy(out, sizeof(out), (const char *)all, sizeof(all)));

    json_t *string = json_string(out);
    ck_assert_msg(string != NULL, "the safe form of every byte is not valid UTF-8");
    json_decref(string);
    for (const char *p = out; *p != '\0'; p++)
        ck_assert_msg((unsigned char)*p >= 0x20 && *p != 0x7f, "control byte 0x%02x in the "
                      "output", (unsigned char)*p);
}
END_TEST

START_TEST(escaping_is_idempotent)
{
    const char *input = "a\x1b\xff\xc2\x9b\xe2\x80\xae";
    char once[128];
    char twice[128];

    text_safe_copy(once, sizeof(once), input, strlen(input));
    text_safe_copy(twice, sizeof(twice), once, strlen(once));
    ck_assert_str_eq(once, twice);
}
END_TEST

START_TEST(json_string_keeps_valid_text)
{
    json_t *valid = text_safe_json_string("line\nwith \x1b escape");
    json_t *invalid = text_safe_json_string("bad\xff\x1b.so");
    json_t *null = text_safe_json_string(NULL);

    /* Valid UTF-8 stays exact: JSON escapes controls itself. */
    ck_assert_str_eq(json_string_value(valid), "line\nwith \x1b escape");
    ck_assert_str_eq(json_string_value(invalid), "bad\\xff\\x1b.so");
    ck_assert(json_is_null(null));
    json_decref(valid);
    json_decref(invalid);
    json_decref(null);
}
END_TEST

START_TEST(fputs_has_no_limit)
{
    char *input = malloc(10001);
    char *output = NULL;
    size_t size = 0;

    ck_assert_ptr_nonnull(input);
    memset(input, '\x1b', 10000);
    input[10000] = '\0';
    FILE *stream = open_memstream(&output, &size);
    ck_assert_ptr_nonnull(stream);
    ck_assert_int_eq(text_safe_fputs(input, stream), 0);
    fclose(stream);

    ck_assert_uint_eq(size, 40000);
    ck_assert(strncmp(output, "\\x1b\\x1b", 8) == 0);
    free(output);
    free(input);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("text_safe");
    TCase *tcase = tcase_create("text_safe");
    tcase_add_loop_test(tcase, copy_case, 0, sizeof(copy_cases) / sizeof(copy_cases[0]));
    tcase_add_test(tcase, output_is_valid_utf8);
    tcase_add_test(tcase, escaping_is_idempotent);
    tcase_add_test(tcase, json_string_keeps_valid_text);
    tcase_add_test(tcase, fputs_has_no_limit);
    suite_add_tcase(suite, tcase);

    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
