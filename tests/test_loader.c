/* Loader tests: fixture plugins, directory scanning, trust checks. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"
#include "schemareg/provider.h"
#include "test_support.h"

/* One fixture plugin alone in a directory and what loading it gives. */
struct fixture_case {
    const char *fixture;
    const char *expected_error; /* substring of the one error, or NULL when it loads */
    const char *plugin_name;    /* when it loads */
    int constructor_may_run;
};

static const struct fixture_case fixture_cases[] = {
    {"full.so", NULL, "fixture-full", 1},
    {"older_minor.so", NULL, "older-minor", 1},
    {"newer_minor.so", NULL, "newer-minor", 1},
    {"null_service_id.so", NULL, "null-service-id", 1},
    {"no_entry.so", "missing schemareg_providers symbol", NULL, 1},
    {"abi_major_2.so",
     "built for ABI major 2 (ABI 2.0), but this host supports ABI major 1; rebuild the plugin "
     "against schemareg-provider 1.x or upgrade the host",
     NULL, 0},
    {"struct_major_2.so", "schemareg_providers() returned ABI major 2", NULL, 1},
    {"entry_null.so", "schemareg_providers() returned NULL", NULL, 1},
    {"no_note.so", "not a schemareg plugin (no .note.schemareg section", NULL, 0},
    {"junk.so", "not a shared object (not an ELF file)", NULL, 0},
    {"garbage_counts.so", "providers_count 3000000000 is above the limit of 256", NULL, 1},
};

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void scan_one(const char *dir, int allow_insecure, struct loader_result *result)
{
    const char *dirs[] = {dir};
    struct loader_options options = {.dirs = dirs, .dirs_count = 1,
                                     .allow_insecure = allow_insecure};
    ck_assert_int_eq(loader_scan(&options, result), 0);
}

START_TEST(fixture_outcome)
{
    const struct fixture_case *c = &fixture_cases[_i];
    char *dir = support_make_dir();
    char *path = support_install(dir, c->fixture, c->fixture, 0644);
    char *marker = support_path(dir, "constructor-ran");
    setenv("SCHEMAREG_TEST_MARKER", marker, 1);

    struct loader_result result;
    scan_one(dir, 0, &result);

    if (c->expected_error == NULL) {
        ck_assert_uint_eq(result.errors_count, 0);
        ck_assert_uint_eq(result.plugins_count, 1);
        ck_assert_str_eq(result.plugins[0].plugin_name, c->plugin_name);
        ck_assert_str_eq(result.plugins[0].path, path);
    } else {
        ck_assert_uint_eq(result.plugins_count, 0);
        ck_assert_uint_eq(result.errors_count, 1);
        ck_assert_str_eq(result.errors[0].path, path);
        ck_assert_msg(strstr(result.errors[0].message, c->expected_error) != NULL,
                      "%s: expected \"%s\" in \"%s\"", c->fixture, c->expected_error,
                      result.errors[0].message);
    }
    if (!c->constructor_may_run)
        ck_assert_msg(!file_exists(marker), "%s: plugin code ran before the note check",
                      c->fixture);

    loader_result_free(&result);
    support_remove_dir(dir);
    free(marker);
    free(path);
    free(dir);
}
END_TEST

START_TEST(newer_minor_fields)
{
    char *dir = support_make_dir();
    free(support_install(dir, "newer_minor.so", "newer_minor.so", 0644));

    struct loader_result result;
    scan_one(dir, 0, &result);
    ck_assert_uint_eq(result.plugins_count, 1);

    const struct catalog_plugin *plugin = &result.plugins[0];
    ck_assert_uint_eq(plugin->abi_minor, 7);
    ck_assert_uint_eq(plugin->providers_count, 1);
    const struct catalog_provider *provider = &plugin->providers[0];
    ck_assert_str_eq(provider->service_id, "newer-minor");
    ck_assert_str_eq(provider->description, "From ABI 1.7");
    ck_assert_ptr_eq(provider->plugin, plugin);

    ck_assert_uint_eq(provider->tables_count, 2);
    const struct catalog_table *first = &provider->tables[0];
    const struct catalog_table *second = &provider->tables[1];
    ck_assert_str_eq(first->name, "first");
    ck_assert_str_eq(second->name, "second");
    ck_assert_uint_eq(first->attributes_count, 3);
    ck_assert_str_eq(first->attributes[2].name, "gk");
    ck_assert_uint_eq(first->attributes[2].type, SCHEMAREG_ATTR_B);
    ck_assert_uint_eq(first->key_schema_count, 2);
    ck_assert_str_eq(first->key_schema[1].attribute_name, "sk");
    ck_assert_uint_eq(first->key_schema[1].key_type, SCHEMAREG_KEY_RANGE);
    ck_assert_str_eq(first->ttl_attribute, "ttl");
    ck_assert_uint_eq(first->gsis_count, 2);
    ck_assert_str_eq(first->gsis[1].index_name, "by_gk_again");
    ck_assert_uint_eq(first->gsis[1].projection_type, SCHEMAREG_PROJECTION_ALL);
    ck_assert_str_eq(first->gsis[1].key_schema[0].attribute_name, "gk");
    ck_assert_uint_eq(second->billing_mode, SCHEMAREG_BILLING_PROVISIONED);
    ck_assert_uint_eq(second->read_capacity_units, 11);
    ck_assert_uint_eq(second->write_capacity_units, 12);
    ck_assert_ptr_null(second->ttl_attribute);

    ck_assert_uint_eq(provider->seeds_count, 2);
    ck_assert_str_eq(provider->seeds[1].table, "second");
    ck_assert_ptr_null(provider->seeds[1].expression_attribute_names_json);

    loader_result_free(&result);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(null_service_id_copied_as_null)
{
    char *dir = support_make_dir();
    free(support_install(dir, "null_service_id.so", "null_service_id.so", 0644));

    struct loader_result result;
    scan_one(dir, 0, &result);
    ck_assert_uint_eq(result.plugins_count, 1);
    ck_assert_uint_eq(result.plugins[0].providers_count, 1);
    ck_assert_ptr_null(result.plugins[0].providers[0].service_id);
    ck_assert_str_eq(result.plugins[0].providers[0].tables[0].name, "items");

    loader_result_free(&result);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(files_load_in_byte_order)
{
    char *dir = support_make_dir();
    free(support_install(dir, "gamma.so", "b.so", 0644));
    free(support_install(dir, "alpha.so", "B.so", 0644));
    free(support_install(dir, "beta.so", "a.so", 0644));
    free(support_install(dir, "full.so", "Z_full.so", 0644));

    struct loader_result result;
    scan_one(dir, 0, &result);
    ck_assert_uint_eq(result.errors_count, 0);
    ck_assert_uint_eq(result.plugins_count, 4);
    ck_assert_str_eq(result.plugins[0].plugin_name, "alpha");
    ck_assert_str_eq(result.plugins[1].plugin_name, "fixture-full");
    ck_assert_str_eq(result.plugins[2].plugin_name, "beta");
    ck_assert_str_eq(result.plugins[3].plugin_name, "gamma");

    loader_result_free(&result);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(dotfiles_and_other_names_skipped)
{
    char *dir = support_make_dir();
    free(support_install(dir, "alpha.so", ".hidden.so", 0644));
    free(support_install(dir, "junk.so", "alpha.so.1", 0644));
    free(support_install(dir, "junk.so", "notes.txt", 0644));
    free(support_install(dir, "junk.so", ".so", 0644));
    free(support_install(dir, "beta.so", "beta.so", 0644));

    struct loader_result result;
    scan_one(dir, 0, &result);
    ck_assert_uint_eq(result.errors_count, 0);
    ck_assert_uint_eq(result.plugins_count, 1);
    ck_assert_str_eq(result.plugins[0].plugin_name, "beta");

    loader_result_free(&result);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(duplicate_service_ids_name_both_files)
{
    char *dir = support_make_dir();
    char *first = support_install(dir, "dup_a.so", "dup_a.so", 0644);
    char *second = support_install(dir, "dup_b.so", "dup_b.so", 0644);

    struct loader_result result;
    scan_one(dir, 0, &result);
    ck_assert_uint_eq(result.plugins_count, 1);
    ck_assert_str_eq(result.plugins[0].path, first);
    ck_assert_uint_eq(result.errors_count, 1);
    ck_assert_str_eq(result.errors[0].path, second);
    ck_assert_ptr_nonnull(strstr(result.errors[0].message, "duplicate service id \"shared\""));
    ck_assert_ptr_nonnull(strstr(result.errors[0].message, first));

    loader_result_free(&result);
    support_remove_dir(dir);
    free(first);
    free(second);
    free(dir);
}
END_TEST

START_TEST(same_file_twice_loaded_once)
{
    char *dir = support_make_dir();
    char *other = support_make_dir();
    char *path = support_install(dir, "alpha.so", "alpha.so", 0644);
    char *link_path = support_path(other, "alpha.so");
    ck_assert_int_eq(link(path, link_path), 0);

    /* The same directory twice, then a hard link in a second one. */
    const char *dirs[] = {dir, dir, other};
    struct loader_options options = {.dirs = dirs, .dirs_count = 3};
    struct loader_result result;
    ck_assert_int_eq(loader_scan(&options, &result), 0);
    ck_assert_uint_eq(result.errors_count, 0);
    ck_assert_uint_eq(result.plugins_count, 1);
    ck_assert_str_eq(result.plugins[0].path, path);

    loader_result_free(&result);
    support_remove_dir(dir);
    support_remove_dir(other);
    free(link_path);
    free(path);
    free(other);
    free(dir);
}
END_TEST

START_TEST(symlink_rejected)
{
    char *dir = support_make_dir();
    char *target = support_install(dir, "alpha.so", "alpha.so.real", 0644);
    char *path = support_path(dir, "alpha.so");
    ck_assert_int_eq(symlink(target, path), 0);

    struct loader_result result;
    scan_one(dir, 0, &result);
    ck_assert_uint_eq(result.plugins_count, 0);
    ck_assert_uint_eq(result.errors_count, 1);
    ck_assert_str_eq(result.errors[0].path, path);
    ck_assert_ptr_nonnull(strstr(result.errors[0].message, "symbolic link"));

    loader_result_free(&result);
    support_remove_dir(dir);
    free(target);
    free(path);
    free(dir);
}
END_TEST

START_TEST(fifo_rejected_without_blocking)
{
    char *dir = support_make_dir();
    char *path = support_path(dir, "pipe.so");
    ck_assert_int_eq(mkfifo(path, 0644), 0);

    struct loader_result result;
    scan_one(dir, 0, &result);
    ck_assert_uint_eq(result.errors_count, 1);
    ck_assert_ptr_nonnull(strstr(result.errors[0].message, "not a regular file"));

    loader_result_free(&result);
    support_remove_dir(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(world_writable_file_rejected)
{
    char *dir = support_make_dir();
    char *path = support_install(dir, "alpha.so", "alpha.so", 0646);

    struct loader_result result;
    scan_one(dir, 0, &result);
    ck_assert_uint_eq(result.plugins_count, 0);
    ck_assert_uint_eq(result.errors_count, 1);
    ck_assert_str_eq(result.errors[0].path, path);
    ck_assert_ptr_nonnull(strstr(result.errors[0].message, "file is world-writable (mode 0646)"));
    loader_result_free(&result);

    scan_one(dir, 1, &result);
    ck_assert_uint_eq(result.errors_count, 0);
    ck_assert_uint_eq(result.plugins_count, 1);
    loader_result_free(&result);

    support_remove_dir(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(group_writable_directory_rejected)
{
    char *dir = support_make_dir();
    free(support_install(dir, "alpha.so", "alpha.so", 0644));
    ck_assert_int_eq(chmod(dir, 0775), 0);

    struct loader_result result;
    const char *dirs[] = {dir};
    struct loader_options options = {.dirs = dirs, .dirs_count = 1};
    ck_assert_int_eq(loader_scan(&options, &result), -1);
    ck_assert_uint_eq(result.plugins_count, 0);
    ck_assert_uint_eq(result.errors_count, 1);
    ck_assert_str_eq(result.errors[0].path, dir);
    ck_assert_ptr_nonnull(strstr(result.errors[0].message, "directory is group-writable"));
    loader_result_free(&result);

    scan_one(dir, 1, &result);
    ck_assert_uint_eq(result.plugins_count, 1);
    loader_result_free(&result);

    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(file_of_other_user_rejected)
{
    if (geteuid() != 0) {
        fprintf(stderr, "file_of_other_user_rejected: skipped, needs root to chown\n");
        return;
    }
    char *dir = support_make_dir();
    char *path = support_install(dir, "alpha.so", "alpha.so", 0644);
    ck_assert_int_eq(chown(path, 65534, 65534), 0);

    struct loader_result result;
    scan_one(dir, 0, &result);
    ck_assert_uint_eq(result.plugins_count, 0);
    ck_assert_uint_eq(result.errors_count, 1);
    ck_assert_ptr_nonnull(strstr(result.errors[0].message, "file is owned by uid 65534"));

    loader_result_free(&result);
    support_remove_dir(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(missing_directory_reported)
{
    char *dir = support_make_dir();
    char *missing = support_path(dir, "absent");

    const char *dirs[] = {missing};
    struct loader_options options = {.dirs = dirs, .dirs_count = 1};
    struct loader_result result;
    ck_assert_int_eq(loader_scan(&options, &result), -1);
    ck_assert_uint_eq(result.errors_count, 1);
    ck_assert_str_eq(result.errors[0].path, missing);
    ck_assert_str_eq(result.errors[0].message,
                     "plugin directory does not exist; create it or pass --plugin-dir DIR");

    loader_result_free(&result);
    support_remove_dir(dir);
    free(missing);
    free(dir);
}
END_TEST

START_TEST(empty_directory_loads_nothing)
{
    char *dir = support_make_dir();
    struct loader_result result;
    scan_one(dir, 0, &result);
    ck_assert_uint_eq(result.errors_count, 0);
    ck_assert_uint_eq(result.plugins_count, 0);

    loader_result_free(&result);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

START_TEST(plugin_path_environment_used)
{
    char *first = support_make_dir();
    char *second = support_make_dir();
    free(support_install(first, "beta.so", "beta.so", 0644));
    free(support_install(second, "alpha.so", "alpha.so", 0644));

    char *list = NULL;
    ck_assert_int_ge(asprintf(&list, ":%s::%s:", first, second), 0);
    setenv("SCHEMAREG_PLUGIN_PATH", list, 1);

    struct loader_options options = {0};
    struct loader_result result;
    ck_assert_int_eq(loader_scan(&options, &result), 0);
    ck_assert_uint_eq(result.errors_count, 0);
    ck_assert_uint_eq(result.plugins_count, 2);
    ck_assert_str_eq(result.plugins[0].plugin_name, "beta");
    ck_assert_str_eq(result.plugins[1].plugin_name, "alpha");

    loader_result_free(&result);
    unsetenv("SCHEMAREG_PLUGIN_PATH");
    support_remove_dir(first);
    support_remove_dir(second);
    free(list);
    free(first);
    free(second);
}
END_TEST

START_TEST(named_files_loaded)
{
    char *dir = support_make_dir();
    char *good = support_install(dir, "alpha.so", "alpha.so", 0644);
    char *bad = support_install(dir, "junk.so", "junk.so", 0644);

    const char *paths[] = {bad, good};
    struct loader_options options = {0};
    struct loader_result result;
    ck_assert_int_eq(loader_load_files(paths, 2, &options, &result), 0);
    ck_assert_uint_eq(result.plugins_count, 1);
    ck_assert_str_eq(result.plugins[0].path, good);
    ck_assert_uint_eq(result.errors_count, 1);
    ck_assert_str_eq(result.errors[0].path, bad);

    loader_result_free(&result);
    support_remove_dir(dir);
    free(good);
    free(bad);
    free(dir);
}
END_TEST

START_TEST(providers_sorted_by_service_id)
{
    char *dir = support_make_dir();
    free(support_install(dir, "full.so", "a_full.so", 0644));
    free(support_install(dir, "beta.so", "b_beta.so", 0644));
    free(support_install(dir, "alpha.so", "c_alpha.so", 0644));

    struct loader_result result;
    scan_one(dir, 0, &result);
    ck_assert_uint_eq(result.plugins_count, 3);

    const struct catalog_provider **sorted = NULL;
    size_t count = 0;
    ck_assert_int_eq(catalog_providers_sorted(result.plugins, result.plugins_count, &sorted,
                                              &count),
                     0);
    ck_assert_uint_eq(count, 4);
    const char *expected[] = {"accounts", "alpha", "beta", "orders"};
    for (size_t i = 0; i < count; i++)
        ck_assert_str_eq(sorted[i]->service_id, expected[i]);
    ck_assert_ptr_eq(sorted[0]->plugin, &result.plugins[0]);
    ck_assert_ptr_eq(sorted[1]->plugin, &result.plugins[2]);

    free(sorted);
    loader_result_free(&result);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

static Suite *loader_suite(void)
{
    Suite *suite = suite_create("loader");
    TCase *fixtures = tcase_create("fixtures");
    tcase_add_loop_test(fixtures, fixture_outcome, 0,
                        (int)(sizeof(fixture_cases) / sizeof(fixture_cases[0])));
    tcase_add_test(fixtures, newer_minor_fields);
    tcase_add_test(fixtures, null_service_id_copied_as_null);
    suite_add_tcase(suite, fixtures);

    TCase *scanning = tcase_create("scanning");
    tcase_add_test(scanning, files_load_in_byte_order);
    tcase_add_test(scanning, dotfiles_and_other_names_skipped);
    tcase_add_test(scanning, duplicate_service_ids_name_both_files);
    tcase_add_test(scanning, same_file_twice_loaded_once);
    tcase_add_test(scanning, missing_directory_reported);
    tcase_add_test(scanning, empty_directory_loads_nothing);
    tcase_add_test(scanning, plugin_path_environment_used);
    tcase_add_test(scanning, named_files_loaded);
    tcase_add_test(scanning, providers_sorted_by_service_id);
    suite_add_tcase(suite, scanning);

    TCase *trust = tcase_create("trust");
    tcase_add_test(trust, symlink_rejected);
    tcase_add_test(trust, fifo_rejected_without_blocking);
    tcase_add_test(trust, world_writable_file_rejected);
    tcase_add_test(trust, group_writable_directory_rejected);
    tcase_add_test(trust, file_of_other_user_rejected);
    suite_add_tcase(suite, trust);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(loader_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
