/* Shared credentials and config file parsing, and profile lookup. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdio.h>

#include "aws_ini.h"
#include "aws_profile.h"
#include "aws_test_support.h"

#define ABSENT NULL

struct lookup {
    const char *section;
    const char *parent;   /* nested block, or NULL for a top-level key */
    const char *key;
    const char *expected; /* ABSENT when the key must not be found */
};

struct ini_case {
    const char *name;
    const char *text;
    struct lookup lookups[6];
};

static const struct ini_case ini_cases[] = {
    {"plain property", "[default]\naws_access_key_id = AKID\n",
     {{"default", NULL, "aws_access_key_id", "AKID"}}},
    {"whitespace around everything", "  [ dev ]  \n\tkey=value\t\nother  =  two words  \n",
     {{"dev", NULL, "key", "value"}, {"dev", NULL, "other", "two words"}}},
    {"comments", "# top\n; top\n[a]\n# inside\nk = v # inline\nk2 = v;kept\nk3 = x ; c\n"
                 "k4 = #all comment\n",
     {{"a", NULL, "k", "v"}, {"a", NULL, "k2", "v;kept"}, {"a", NULL, "k3", "x"},
      {"a", NULL, "k4", ""}}},
    {"keys ignore case", "[a]\nAWS_Access_Key_ID = X\n",
     {{"a", NULL, "aws_access_key_id", "X"}, {"A", NULL, "aws_access_key_id", ABSENT}}},
    {"last definition wins", "[a]\nk = 1\nk = 2\n[b]\nk = 3\n[a]\nk = 4\n",
     {{"a", NULL, "k", "4"}, {"b", NULL, "k", "3"}}},
    {"nested block", "[profile dev]\ns3 =\n  max_concurrent_requests = 10\n  # comment\n\n"
                     "  addressing_style = path\nregion = us-west-2\n",
     {{"profile dev", "s3", "max_concurrent_requests", "10"},
      {"profile dev", "s3", "addressing_style", "path"},
      {"profile dev", NULL, "region", "us-west-2"},
      {"profile dev", NULL, "max_concurrent_requests", ABSENT},
      {"profile dev", NULL, "s3", ""}}},
    {"continuation line", "[a]\nk = first\n  second\nj = 1\n",
     {{"a", NULL, "k", "first\nsecond"}, {"a", NULL, "j", "1"}}},
    {"CRLF line ends", "[a]\r\nk = v\r\n\r\nj = w\r\n",
     {{"a", NULL, "k", "v"}, {"a", NULL, "j", "w"}}},
    {"empty value", "[a]\nk =\nj = 2\n", {{"a", NULL, "k", ""}, {"a", NULL, "j", "2"}}},
    {"equals sign in value", "[a]\nk = a=b==\n", {{"a", NULL, "k", "a=b=="}}},
    {"services section", "[services local]\ndynamodb =\n  endpoint_url = http://127.0.0.1:8000\n",
     {{"services local", "dynamodb", "endpoint_url", "http://127.0.0.1:8000"},
      {"services local", "s3", "endpoint_url", ABSENT}}},
    {"comment after header", "[a] # note\nk = v\n[b];note\nk = w\n",
     {{"a", NULL, "k", "v"}, {"b", NULL, "k", "w"}}},
    {"no final newline", "[a]\nk = v", {{"a", NULL, "k", "v"}}},
    {"nested block then section", "[a]\ns3 =\n  x = 1\n[b]\n  y = 2\n",
     {{"a", "s3", "x", "1"}, {"b", NULL, "y", "2"}, {"b", "s3", "x", ABSENT}}},
};

START_TEST(ini_parses_case)
{
    const struct ini_case *c = &ini_cases[_i];
    struct aws_ini *ini = NULL;
    char err[512] = "";

    int rc = aws_ini_parse("t.ini", c->text, strlen(c->text), &ini, err, sizeof(err));
    ck_assert_msg(rc == 0, "%s: %s", c->name, err);

    for (size_t i = 0; i < sizeof(c->lookups) / sizeof(c->lookups[0]); i++) {
        const struct lookup *l = &c->lookups[i];
        if (l->key == NULL)
            break;
        const char *value = aws_ini_get_nested(ini, l->section, l->parent, l->key, NULL);
        if (l->expected == ABSENT)
            ck_assert_msg(value == NULL, "%s: [%s] %s is '%s', expected absent",
                          c->name, l->section, l->key, value);
        else
            ck_assert_msg(value != NULL && strcmp(value, l->expected) == 0,
                          "%s: [%s] %s is '%s', expected '%s'", c->name, l->section,
                          l->key, value != NULL ? value : "(absent)", l->expected);
    }
    aws_ini_free(ini);
}
END_TEST

struct ini_error_case {
    const char *text;
    const char *expected;
};

static const struct ini_error_case ini_error_cases[] = {
    {"[a\nk = v\n", "t.ini:1: section header has no closing ']'"},
    {"k = v\n", "t.ini:1: property outside a section"},
    {"# c\n\n  k = v\n", "t.ini:3: property outside a section"},
    {"[a]\n\njust text\n", "t.ini:3: expected 'key = value'"},
    {"[a]\n = v\n", "t.ini:2: missing property name before '='"},
    {"[ ]\n", "t.ini:1: empty section name"},
    {"[a] junk\n", "t.ini:1: unexpected text after ']'"},
    {"[a]\ns3 =\n  no equals sign\n", "t.ini:3: expected 'key = value'"},
    {"[a]\nk = v\n[b\n", "t.ini:3: section header has no closing ']'"},
};

START_TEST(ini_rejects_malformed)
{
    const struct ini_error_case *c = &ini_error_cases[_i];
    struct aws_ini *ini = NULL;
    char err[512] = "";

    int rc = aws_ini_parse("t.ini", c->text, strlen(c->text), &ini, err, sizeof(err));
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(err, c->expected) != NULL, "error '%s' lacks '%s'", err, c->expected);
    ck_assert_ptr_null(ini);
}
END_TEST

START_TEST(ini_rejects_nul_byte)
{
    struct aws_ini *ini = NULL;
    char err[512] = "";
    static const char text[] = "[a]\nk = v\0w\n";

    ck_assert_int_eq(aws_ini_parse("t.ini", text, sizeof(text) - 1, &ini, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "t.ini: contains a NUL byte"));
}
END_TEST

START_TEST(ini_missing_file_is_empty)
{
    const char *dir = test_clean_environment();
    char path[4200];
    snprintf(path, sizeof(path), "%s/absent", dir);
    struct aws_ini *ini = NULL;
    char err[512] = "";

    ck_assert_int_eq(aws_ini_load(path, NULL, &ini, err, sizeof(err)), 0);
    ck_assert(!aws_ini_exists(ini));
    ck_assert_uint_eq(aws_ini_section_count(ini), 0);
    aws_ini_free(ini);
}
END_TEST

START_TEST(ini_unreadable_file_names_path)
{
    const char *dir = test_clean_environment();
    struct aws_ini *ini = NULL;
    char err[512] = "";

    ck_assert_int_eq(aws_ini_load(dir, NULL, &ini, err, sizeof(err)), -1);
    ck_assert_msg(strncmp(err, dir, strlen(dir)) == 0, "error '%s' lacks the path", err);
}
END_TEST

START_TEST(ini_load_reports_line)
{
    test_clean_environment();
    const char *path = test_write_file("config", "[default]\nregion = eu-west-1\noops\n");
    char expected[4400];
    snprintf(expected, sizeof(expected), "%s:3: expected 'key = value'", path);
    struct aws_ini *ini = NULL;
    char err[4600] = "";

    ck_assert_int_eq(aws_ini_load(path, NULL, &ini, err, sizeof(err)), -1);
    ck_assert_str_eq(err, expected);
}
END_TEST

/* Profile lookup across both files. */
struct profile_case {
    const char *name;
    const char *credentials;
    const char *config;
    const char *profile;
    const char *key;
    const char *expected;
    const char *expected_file; /* "credentials" or "config" */
};

static const struct profile_case profile_cases[] = {
    {"credentials file section", "[dev]\nregion = a\n", "", "dev", "region", "a", "credentials"},
    {"config profile section", "", "[profile dev]\nregion = b\n", "dev", "region", "b", "config"},
    {"config bare section is not a profile", "", "[dev]\nregion = b\n", "dev", "region",
     ABSENT, NULL},
    {"blanks in profile header", "", "[profile \t dev]\nregion = c\n", "dev", "region", "c",
     "config"},
    {"config default section", "", "[default]\nregion = d\n", "default", "region", "d",
     "config"},
    {"profile default wins over default", "",
     "[default]\nregion = d\n[profile default]\nregion = e\n", "default", "region", "e",
     "config"},
    {"default fills profile default", "",
     "[profile default]\nregion = e\n[default]\noutput = json\n", "default", "output", "json",
     "config"},
    {"credentials file wins", "[dev]\nregion = f\n", "[profile dev]\nregion = g\n", "dev",
     "region", "f", "credentials"},
    {"config fills what credentials lack", "[dev]\naws_access_key_id = K\n",
     "[profile dev]\nregion = g\n", "dev", "region", "g", "config"},
    {"profile prefix in credentials is literal", "[profile dev]\nregion = h\n", "", "dev",
     "region", ABSENT, NULL},
};

START_TEST(profile_lookup_case)
{
    const struct profile_case *c = &profile_cases[_i];
    test_clean_environment();
    char credentials_path[4400];
    snprintf(credentials_path, sizeof(credentials_path), "%s",
             test_write_file("credentials", c->credentials));
    setenv("AWS_SHARED_CREDENTIALS_FILE", credentials_path, 1);
    setenv("AWS_CONFIG_FILE", test_write_file("config", c->config), 1);

    struct aws_profile_files files;
    char err[512] = "";
    ck_assert_msg(aws_profile_files_load(&files, err, sizeof(err)) == 0, "%s", err);

    const struct aws_ini *file = NULL;
    const char *value = aws_profile_get(&files, c->profile, c->key, &file);
    if (c->expected == ABSENT) {
        ck_assert_msg(value == NULL, "%s: got '%s'", c->name, value);
    } else {
        ck_assert_msg(value != NULL && strcmp(value, c->expected) == 0, "%s: got '%s'",
                      c->name, value != NULL ? value : "(absent)");
        const struct aws_ini *expected_file =
            strcmp(c->expected_file, "credentials") == 0 ? files.credentials : files.config;
        ck_assert_msg(file == expected_file, "%s: value from the wrong file", c->name);
    }
    aws_profile_files_free(&files);
}
END_TEST

START_TEST(profile_files_default_to_home)
{
    const char *home = test_clean_environment();
    char dir[4200];
    snprintf(dir, sizeof(dir), "%s/.aws", home);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    test_write_file(".aws/credentials", "[home]\naws_access_key_id = K\n");
    test_write_file(".aws/config", "[profile home]\nregion = r\n");

    struct aws_profile_files files;
    char err[512] = "";
    ck_assert_msg(aws_profile_files_load(&files, err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(aws_profile_get(&files, "home", "aws_access_key_id", NULL), "K");
    ck_assert_str_eq(aws_profile_get(&files, "home", "region", NULL), "r");
    aws_profile_files_free(&files);
}
END_TEST

START_TEST(profile_files_expand_tilde)
{
    test_clean_environment();
    test_write_file("creds", "[tilde]\naws_access_key_id = K\n");
    setenv("AWS_SHARED_CREDENTIALS_FILE", "~/creds", 1);

    struct aws_profile_files files;
    char err[512] = "";
    ck_assert_msg(aws_profile_files_load(&files, err, sizeof(err)) == 0, "%s", err);
    ck_assert(aws_profile_exists(&files, "tilde"));
    aws_profile_files_free(&files);
}
END_TEST

static Suite *ini_suite(void)
{
    Suite *suite = suite_create("aws_ini");
    TCase *parse = tcase_create("parse");
    tcase_add_loop_test(parse, ini_parses_case, 0,
                        (int)(sizeof(ini_cases) / sizeof(ini_cases[0])));
    tcase_add_loop_test(parse, ini_rejects_malformed, 0,
                        (int)(sizeof(ini_error_cases) / sizeof(ini_error_cases[0])));
    tcase_add_test(parse, ini_rejects_nul_byte);
    tcase_add_test(parse, ini_missing_file_is_empty);
    tcase_add_test(parse, ini_unreadable_file_names_path);
    tcase_add_test(parse, ini_load_reports_line);
    suite_add_tcase(suite, parse);

    TCase *profiles = tcase_create("profiles");
    tcase_add_loop_test(profiles, profile_lookup_case, 0,
                        (int)(sizeof(profile_cases) / sizeof(profile_cases[0])));
    tcase_add_test(profiles, profile_files_default_to_home);
    tcase_add_test(profiles, profile_files_expand_tilde);
    suite_add_tcase(suite, profiles);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(ini_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
