/* The host against a plugin loader that misbehaves (fake_plugin_loader.c):
 * every frame is checked, and a broken loader fails only the plugins it
 * had not reported on. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "test_support.h"

#define TEST_TIMEOUT_MS 500

struct fake_case {
    const char *mode;
    const char *first_error;  /* substring of the error of the first plugin */
    const char *second_error; /* and of the second */
};

static const struct fake_case fake_cases[] = {
    {"bad-magic", "not loaded: the plugin loader process sent an invalid result (a result "
                  "frame starts with 0x41414141, not 0x31524c53)",
     "a result frame starts with 0x41414141"},
    {"index-out-of-range", "sent an invalid result (result for job 7, but only 2 jobs were "
                           "sent)",
     "result for job 7"},
    {"unknown-outcome", "sent an invalid result (unknown outcome 99 for job 0)",
     "unknown outcome 99"},
    {"bad-signal", "sent an invalid result (invalid code 0 for outcome 2 of job 0)",
     "invalid code 0"},
    {"oversized-stderr", "sent an invalid result (stderr of job 0 is 1025 bytes, above the "
                         "limit of 1024)",
     "stderr of job 0 is 1025 bytes"},
    {"second-result", "from the fake loader",
     "not loaded: the plugin loader process sent a second result for job 0 (it was killed by "
     "signal 9 (SIGKILL))"},
    {"truncated", "the plugin loader process ended before it reported on this plugin (it "
                  "exited with status 0)",
     "ended before it reported on this plugin"},
    {"exit", "the plugin loader process ended before it reported on this plugin (it exited "
             "with status 3)",
     "exited with status 3"},
    {"stall", "from the fake loader",
     "not loaded: the plugin loader process sent nothing for 5500 ms and was stopped (it was "
     "killed by signal 9 (SIGKILL))"},
    {"hostile-text", "the plugin loader could not load it: ?[31mred? and more",
     "sent malformed data to the host (not JSON: "},
};

START_TEST(fake_loader_outcome)
{
    const struct fake_case *c = &fake_cases[_i];
    const char *fake = getenv("FAKE_LOADER");
    ck_assert_msg(fake != NULL, "FAKE_LOADER is not set; run the tests with meson test");
    setenv("SCHEMAREG_PLUGIN_LOADER", fake, 1);
    setenv("SCHEMAREG_TEST_FAKE_LOADER", c->mode, 1);

    char *dir = support_make_dir();
    char *first = support_install(dir, "alpha.so", "a_alpha.so", 0644);
    char *second = support_install(dir, "beta.so", "b_beta.so", 0644);

    const char *dirs[] = {dir};
    struct loader_options options = {.dirs = dirs, .dirs_count = 1,
                                     .timeout_ms = TEST_TIMEOUT_MS};
    struct loader_result result;
    ck_assert_int_eq(loader_scan(&options, &result), 0);
    ck_assert_uint_eq(result.plugins_count, 0);
    ck_assert_uint_eq(result.errors_count, 2);
    ck_assert_str_eq(result.errors[0].path, first);
    ck_assert_str_eq(result.errors[1].path, second);
    ck_assert_msg(strstr(result.errors[0].message, c->first_error) != NULL,
                  "%s: expected \"%s\" in \"%s\"", c->mode, c->first_error,
                  result.errors[0].message);
    ck_assert_msg(strstr(result.errors[1].message, c->second_error) != NULL,
                  "%s: expected \"%s\" in \"%s\"", c->mode, c->second_error,
                  result.errors[1].message);
    for (size_t i = 0; i < 2; i++)
        ck_assert_msg(strchr(result.errors[i].message, '\x1b') == NULL &&
                          strchr(result.errors[i].message, '\n') == NULL,
                      "%s: control character in \"%s\"", c->mode, result.errors[i].message);

    loader_result_free(&result);
    support_remove_dir(dir);
    free(first);
    free(second);
    free(dir);
}
END_TEST

START_TEST(missing_loader_reported)
{
    setenv("SCHEMAREG_PLUGIN_LOADER", "/nonexistent/schemareg-plugin-loader", 1);
    char *dir = support_make_dir();
    free(support_install(dir, "alpha.so", "alpha.so", 0644));

    const char *dirs[] = {dir};
    struct loader_options options = {.dirs = dirs, .dirs_count = 1};
    struct loader_result result;
    ck_assert_int_eq(loader_scan(&options, &result), 0);
    ck_assert_uint_eq(result.plugins_count, 0);
    ck_assert_uint_eq(result.errors_count, 1);
    ck_assert_ptr_nonnull(strstr(result.errors[0].message,
                                 "not loaded: cannot start the plugin loader "
                                 "/nonexistent/schemareg-plugin-loader: No such file or "
                                 "directory; reinstall schemareg, or set "
                                 "SCHEMAREG_PLUGIN_LOADER"));

    loader_result_free(&result);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("plugin_isolate");
    TCase *fake = tcase_create("fake loader");
    tcase_set_timeout(fake, 30);
    tcase_add_loop_test(fake, fake_loader_outcome, 0,
                        (int)(sizeof(fake_cases) / sizeof(fake_cases[0])));
    tcase_add_test(fake, missing_loader_reported);
    suite_add_tcase(suite, fake);

    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
