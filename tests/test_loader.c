/* Loader tests: fixture plugins, directory scanning, trust checks. */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"
#include "schemareg/provider.h"
#include "test_support.h"

/* Time limit of every loader_scan() here, in milliseconds. */
#define TEST_TIMEOUT_MS 500

/* One fixture plugin alone in a directory and what loading it gives. */
struct fixture_case {
    const char *fixture;
    const char *expected_error; /* substring of the one error, or NULL when it loads */
    const char *plugin_name;    /* when it loads */
    int constructor_may_run;
    /* Crashes, exits, hangs or writes to the host's descriptors, so it is
     * only loaded in a child process, never in the test process. */
    int isolated_only;
};

static const struct fixture_case fixture_cases[] = {
    {"full.so", NULL, "fixture-full", 1, 0},
    {"older_minor.so", NULL, "older-minor", 1, 0},
    {"newer_minor.so", NULL, "newer-minor", 1, 0},
    {"null_service_id.so", NULL, "null-service-id", 1, 0},
    {"no_entry.so", "missing schemareg_providers symbol", NULL, 1, 0},
    {"abi_major_2.so",
     "built for ABI major 2 (ABI 2.0), but this host supports ABI major 1; rebuild the plugin "
     "against schemareg-provider 1.x or upgrade the host",
     NULL, 0, 0},
    {"struct_major_2.so", "schemareg_providers() returned ABI major 2", NULL, 1, 0},
    {"entry_null.so", "schemareg_providers() returned NULL", NULL, 1, 0},
    {"no_note.so", "not a schemareg plugin (no .note.schemareg section", NULL, 0, 0},
    {"junk.so", "not a shared object (not an ELF file)", NULL, 0, 0},
    {"garbage_counts.so", "providers_count 3000000000 is above the limit of 256", NULL, 1, 0},
    {"marker.so", NULL, "marker", 1, 0},
    {"ctor_segfault.so", "crashed while loading: killed by signal 11 (SIGSEGV)", NULL, 1, 1},
    {"ctor_abort.so",
     "crashed while loading: killed by signal 6 (SIGABRT); its stderr: \"ctor-abort: giving "
     "up\"",
     NULL, 1, 1},
    {"ctor_exit.so",
     "exited with status 0 before sending its providers (a constructor or the entry point "
     "ended the process)",
     NULL, 1, 1},
    {"ctor_hang.so",
     "timed out after 0.5 s while loading and was killed; raise --plugin-timeout if the plugin "
     "is only slow",
     NULL, 1, 1},
    {"ctor_spawn.so", NULL, "ctor-spawn", 1, 1},
    {"prints_stdout.so",
     "wrote 20 bytes to stdout while loading (\"hello from a plugin\"); a plugin must not "
     "print",
     NULL, 1, 1},
    {"prints_stderr.so", NULL, "prints-stderr", 1, 1},
    {"pipe_garbage.so", "sent malformed data to the host (not JSON: ", NULL, 1, 1},
    {"garbage_pointers.so", "crashed while loading: killed by signal 11 (SIGSEGV)", NULL, 1, 1},
    {"pipe_flood.so", "sent more than 67108864 bytes to the host and was killed", NULL, 1, 1},
    {"stdout_flood.so", "timed out after 0.5 s while loading and was killed", NULL, 1, 1},
};

#define FIXTURE_CASES_COUNT (sizeof(fixture_cases) / sizeof(fixture_cases[0]))

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void scan_in_mode(const char *dir, enum loader_mode mode, struct loader_result *result)
{
    const char *dirs[] = {dir};
    struct loader_options options = {.dirs = dirs, .dirs_count = 1, .mode = mode,
                                     .timeout_ms = TEST_TIMEOUT_MS};
    ck_assert_int_eq(loader_scan(&options, result), 0);
}

static void scan_one(const char *dir, int allow_insecure, struct loader_result *result)
{
    const char *dirs[] = {dir};
    struct loader_options options = {.dirs = dirs, .dirs_count = 1,
                                     .allow_insecure = allow_insecure,
                                     .timeout_ms = TEST_TIMEOUT_MS};
    ck_assert_int_eq(loader_scan(&options, result), 0);
}

/* Each case runs isolated (_i < FIXTURE_CASES_COUNT), then in process. */
START_TEST(fixture_outcome)
{
    const struct fixture_case *c = &fixture_cases[(size_t)_i % FIXTURE_CASES_COUNT];
    enum loader_mode mode =
        (size_t)_i < FIXTURE_CASES_COUNT ? LOADER_MODE_ISOLATED : LOADER_MODE_IN_PROCESS;
    if (mode == LOADER_MODE_IN_PROCESS && c->isolated_only)
        return;

    char *dir = support_make_dir();
    char *path = support_install(dir, c->fixture, c->fixture, 0644);
    char *marker = support_path(dir, "constructor-ran");
    setenv("SCHEMAREG_TEST_MARKER", marker, 1);

    struct loader_result result;
    scan_in_mode(dir, mode, &result);

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
                      "%s (mode %d): expected \"%s\" in \"%s\"", c->fixture, (int)mode,
                      c->expected_error, result.errors[0].message);
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
    ck_assert_str_eq(result.errors[0].message, "plugin directory does not exist");

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

/* Returns nonzero when a line of /proc/self/maps contains text. */
static int mapped(const char *text)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    ck_assert_ptr_nonnull(maps);
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof(line), maps) != NULL)
        found = strstr(line, text) != NULL;
    fclose(maps);
    return found;
}

START_TEST(isolated_load_maps_no_plugin_code)
{
    char *dir = support_make_dir();
    char *marker = support_path(dir, "constructor-ran");
    setenv("SCHEMAREG_TEST_MARKER", marker, 1);
    free(support_install(dir, "marker.so", "marker.so", 0644));

    struct loader_result result;
    scan_in_mode(dir, LOADER_MODE_ISOLATED, &result);
    ck_assert_uint_eq(result.plugins_count, 1);
    ck_assert_uint_eq(result.plugins[0].providers_count, 1);
    ck_assert_msg(file_exists(marker), "the constructor did not run in the child");
    ck_assert_msg(!mapped(dir), "isolated loading mapped the plugin into the host");
    loader_result_free(&result);

    /* The same check detects an in-process load, so it can fail. */
    scan_in_mode(dir, LOADER_MODE_IN_PROCESS, &result);
    ck_assert_uint_eq(result.plugins_count, 1);
    ck_assert_msg(mapped(dir), "/proc/self/maps does not show an in-process load");
    loader_result_free(&result);

    support_remove_dir(dir);
    free(marker);
    free(dir);
}
END_TEST

START_TEST(notes_only_runs_no_code)
{
    char *dir = support_make_dir();
    char *marker = support_path(dir, "constructor-ran");
    setenv("SCHEMAREG_TEST_MARKER", marker, 1);
    free(support_install(dir, "marker.so", "a_marker.so", 0644));
    free(support_install(dir, "ctor_segfault.so", "b_ctor_segfault.so", 0644));
    free(support_install(dir, "ctor_hang.so", "c_ctor_hang.so", 0644));
    free(support_install(dir, "full.so", "d_full.so", 0644));

    struct loader_result result;
    scan_in_mode(dir, LOADER_MODE_NOTES_ONLY, &result);
    ck_assert_uint_eq(result.errors_count, 0);
    ck_assert_uint_eq(result.plugins_count, 4);

    const char *names[] = {"marker", "ctor-segfault", "ctor-hang", "fixture-full"};
    const char *versions[] = {"1.0.0", "1.0.0", "1.0.0", "2.3.4"};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_str_eq(result.plugins[i].plugin_name, names[i]);
        ck_assert_str_eq(result.plugins[i].plugin_version, versions[i]);
        ck_assert_uint_eq(result.plugins[i].abi_major, 1);
        ck_assert_uint_eq(result.plugins[i].providers_count, 0);
    }
    ck_assert_msg(!file_exists(marker), "a constructor ran while reading notes");
    ck_assert_msg(!mapped(dir), "reading notes mapped a plugin");

    loader_result_free(&result);
    support_remove_dir(dir);
    free(marker);
    free(dir);
}
END_TEST

START_TEST(crashes_among_good_plugins)
{
    char *dir = support_make_dir();
    char *alpha = support_install(dir, "alpha.so", "a_alpha.so", 0644);
    char *segfault = support_install(dir, "ctor_segfault.so", "b_segfault.so", 0644);
    char *beta = support_install(dir, "beta.so", "c_beta.so", 0644);
    char *exits = support_install(dir, "ctor_exit.so", "d_exit.so", 0644);
    char *gamma = support_install(dir, "gamma.so", "e_gamma.so", 0644);

    struct loader_result result;
    scan_in_mode(dir, LOADER_MODE_ISOLATED, &result);
    ck_assert_uint_eq(result.plugins_count, 3);
    ck_assert_str_eq(result.plugins[0].path, alpha);
    ck_assert_str_eq(result.plugins[1].path, beta);
    ck_assert_str_eq(result.plugins[2].path, gamma);
    ck_assert_str_eq(result.plugins[2].providers[0].service_id, "gamma");
    ck_assert_ptr_eq(result.plugins[2].providers[0].plugin, &result.plugins[2]);

    ck_assert_uint_eq(result.errors_count, 2);
    ck_assert_str_eq(result.errors[0].path, segfault);
    ck_assert_ptr_nonnull(strstr(result.errors[0].message, "killed by signal 11 (SIGSEGV)"));
    ck_assert_str_eq(result.errors[1].path, exits);
    ck_assert_ptr_nonnull(strstr(result.errors[1].message, "exited with status 0"));

    loader_result_free(&result);
    support_remove_dir(dir);
    free(alpha);
    free(segfault);
    free(beta);
    free(exits);
    free(gamma);
    free(dir);
}
END_TEST

/* More plugins than children run at once, every one still in order. */
START_TEST(many_plugins_keep_order)
{
    char *dir = support_make_dir();
    const char *fixtures[] = {"alpha.so", "beta.so", "gamma.so", "full.so", "ctor_abort.so"};
    char names[5][32];
    for (size_t i = 0; i < 5; i++) {
        snprintf(names[i], sizeof(names[i]), "%02zu_%s", i, fixtures[i]);
        free(support_install(dir, fixtures[i], names[i], 0644));
    }

    const char *dirs[] = {dir};
    struct loader_options options = {.dirs = dirs, .dirs_count = 1, .max_children = 2,
                                     .timeout_ms = TEST_TIMEOUT_MS};
    struct loader_result result;
    ck_assert_int_eq(loader_scan(&options, &result), 0);
    ck_assert_uint_eq(result.plugins_count, 4);
    ck_assert_str_eq(result.plugins[0].plugin_name, "alpha");
    ck_assert_str_eq(result.plugins[1].plugin_name, "beta");
    ck_assert_str_eq(result.plugins[2].plugin_name, "gamma");
    ck_assert_str_eq(result.plugins[3].plugin_name, "fixture-full");
    ck_assert_uint_eq(result.plugins[3].providers_count, 2);
    ck_assert_uint_eq(result.errors_count, 1);
    ck_assert_ptr_nonnull(strstr(result.errors[0].path, "04_ctor_abort.so"));

    loader_result_free(&result);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

/* More plugins than descriptors: checked files wait open in batches. */
START_TEST(plugins_beyond_descriptor_limit)
{
    enum { PLUGINS = 300 };
    char *dir = support_make_dir();
    for (int i = 0; i < PLUGINS; i++) {
        char name[32];
        snprintf(name, sizeof(name), "p%03d.so", i);
        free(support_install(dir, "alpha.so", name, 0644));
    }
    struct rlimit limit = {256, 256};
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &limit), 0);

    struct loader_result result;
    scan_in_mode(dir, LOADER_MODE_ISOLATED, &result);

    /* Every copy loads; all but the first declare a duplicate service id. */
    ck_assert_uint_eq(result.plugins_count, 1);
    ck_assert_uint_eq(result.errors_count, PLUGINS - 1);
    for (size_t i = 0; i < result.errors_count; i++)
        ck_assert_msg(strstr(result.errors[i].message, "duplicate service id \"alpha\"") != NULL,
                      "%s: %s", result.errors[i].path, result.errors[i].message);

    loader_result_free(&result);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

/* Returns the contents of a small file (malloc'd), or NULL when missing. */
static char *read_text(const char *path)
{
    FILE *file = fopen(path, "r");
    if (file == NULL)
        return NULL;
    char *text = calloc(4096, 1);
    ck_assert_ptr_nonnull(text);
    size_t length = fread(text, 1, 4095, file);
    text[length] = '\0';
    fclose(file);
    return text;
}

/* One child at a time, so the plugin before the one that kills the loader
 * is reported and the ones after it are not started. */
START_TEST(loader_death_fails_unanswered)
{
    char *dir = support_make_dir();
    char *alpha = support_install(dir, "alpha.so", "a_alpha.so", 0644);
    char *killer = support_install(dir, "kills_loader.so", "b_kills_loader.so", 0644);
    char *beta = support_install(dir, "beta.so", "c_beta.so", 0644);
    char *gamma = support_install(dir, "gamma.so", "d_gamma.so", 0644);

    const char *dirs[] = {dir};
    struct loader_options options = {.dirs = dirs, .dirs_count = 1, .max_children = 1,
                                     .timeout_ms = TEST_TIMEOUT_MS};
    struct loader_result result;
    ck_assert_int_eq(loader_scan(&options, &result), 0);
    ck_assert_uint_eq(result.plugins_count, 1);
    ck_assert_str_eq(result.plugins[0].path, alpha);

    const char *failed[] = {killer, beta, gamma};
    ck_assert_uint_eq(result.errors_count, 3);
    for (size_t i = 0; i < 3; i++) {
        const char *message = result.errors[i].message;
        ck_assert_str_eq(result.errors[i].path, failed[i]);
        ck_assert_msg(strstr(message, "not loaded: the plugin loader process ended before it "
                                      "reported on this plugin") != NULL,
                      "%s: %s", failed[i], message);
        ck_assert_msg(strstr(message, "killed by signal 9 (SIGKILL)") != NULL, "%s: %s",
                      failed[i], message);
    }
    loader_result_free(&result);

    /* The next run starts a new loader. */
    char *other = support_make_dir();
    free(support_install(other, "beta.so", "beta.so", 0644));
    scan_in_mode(other, LOADER_MODE_ISOLATED, &result);
    ck_assert_uint_eq(result.errors_count, 0);
    ck_assert_uint_eq(result.plugins_count, 1);
    loader_result_free(&result);

    support_remove_dir(other);
    support_remove_dir(dir);
    free(other);
    free(alpha);
    free(killer);
    free(beta);
    free(gamma);
    free(dir);
}
END_TEST

/* Credential variables of the host, as AWS tools read them. */
static const char *const host_secrets[][2] = {
    {"AWS_ACCESS_KEY_ID", "AKIDHOSTONLYEXAMPLE"},
    {"AWS_SECRET_ACCESS_KEY", "host-only-secret-access-key"},
    {"AWS_SESSION_TOKEN", "host-only-session-token"},
};

START_TEST(host_environment_hidden_from_plugins)
{
    char *dir = support_make_dir();
    char *marker = support_path(dir, "environment");
    setenv("SCHEMAREG_TEST_MARKER", marker, 1);
    free(support_install(dir, "env_marker.so", "env_marker.so", 0644));
    for (size_t i = 0; i < 3; i++)
        setenv(host_secrets[i][0], host_secrets[i][1], 1);
    setenv("HOME", "/home/host-only", 1);

    struct loader_result result;
    scan_in_mode(dir, LOADER_MODE_ISOLATED, &result);
    ck_assert_uint_eq(result.errors_count, 0);
    ck_assert_uint_eq(result.plugins_count, 1);
    loader_result_free(&result);

    char *seen = read_text(marker);
    ck_assert_msg(seen != NULL, "the constructor did not write %s", marker);
    for (size_t i = 0; i < 3; i++) {
        char unset[64];
        snprintf(unset, sizeof(unset), "%s unset\n", host_secrets[i][0]);
        ck_assert_msg(strstr(seen, unset) != NULL, "expected \"%s\" in \"%s\"", unset, seen);
        ck_assert_msg(strstr(seen, host_secrets[i][1]) == NULL, "plugin saw %s: %s",
                      host_secrets[i][0], seen);
    }
    ck_assert_ptr_nonnull(strstr(seen, "HOME unset\n"));
    free(seen);
    unlink(marker);

    /* The same fixture in the host's process reads the host's environment,
     * so the check above can fail. */
    scan_in_mode(dir, LOADER_MODE_IN_PROCESS, &result);
    ck_assert_uint_eq(result.plugins_count, 1);
    loader_result_free(&result);
    seen = read_text(marker);
    ck_assert_ptr_nonnull(seen);
    ck_assert_ptr_nonnull(strstr(seen, "AWS_SECRET_ACCESS_KEY=host-only-secret-access-key\n"));
    free(seen);

    for (size_t i = 0; i < 3; i++)
        unsetenv(host_secrets[i][0]);
    support_remove_dir(dir);
    free(marker);
    free(dir);
}
END_TEST

START_TEST(symlinked_directory_rejected)
{
    char *dir = support_make_dir();
    free(support_install(dir, "alpha.so", "alpha.so", 0644));
    char *link_path = support_path(dir, "link");
    ck_assert_int_eq(symlink(dir, link_path), 0);

    const char *dirs[] = {link_path};
    struct loader_options options = {.dirs = dirs, .dirs_count = 1};
    struct loader_result result;
    ck_assert_int_eq(loader_scan(&options, &result), -1);
    ck_assert_uint_eq(result.plugins_count, 0);
    ck_assert_uint_eq(result.errors_count, 1);
    ck_assert_str_eq(result.errors[0].path, link_path);
    ck_assert_ptr_nonnull(strstr(result.errors[0].message,
                                 "plugin directory is a symbolic link"));

    loader_result_free(&result);
    support_remove_dir(dir);
    free(link_path);
    free(dir);
}
END_TEST

/* Directory modes that let others replace a plugin. */
static const mode_t unsafe_directory_modes[] = {0777, 01777, 0757, 0775};

START_TEST(writable_directory_rejected)
{
    mode_t mode = unsafe_directory_modes[_i];
    char *dir = support_make_dir();
    free(support_install(dir, "alpha.so", "alpha.so", 0644));
    ck_assert_int_eq(chmod(dir, mode), 0);

    const char *dirs[] = {dir};
    struct loader_options options = {.dirs = dirs, .dirs_count = 1};
    struct loader_result result;
    ck_assert_int_eq(loader_scan(&options, &result), -1);
    ck_assert_uint_eq(result.plugins_count, 0);
    ck_assert_uint_eq(result.errors_count, 1);
    ck_assert_str_eq(result.errors[0].path, dir);
    const char *expected = (mode & S_IWOTH) != 0 ? "directory is world-writable"
                                                 : "directory is group-writable";
    ck_assert_msg(strstr(result.errors[0].message, expected) != NULL,
                  "mode %04o: expected \"%s\" in \"%s\"", (unsigned)mode, expected,
                  result.errors[0].message);

    loader_result_free(&result);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

/* Kills every process named name (comm) and returns how many there were.
 * The kill keeps a failed test from leaving them behind. */
static int kill_processes_named(const char *name)
{
    DIR *proc = opendir("/proc");
    struct dirent *entry;
    int found = 0;

    ck_assert_ptr_nonnull(proc);
    while ((entry = readdir(proc)) != NULL) {
        char path[300];
        char comm[64] = "";
        long pid = strtol(entry->d_name, NULL, 10);

        if (pid <= 0)
            continue;
        snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
        FILE *file = fopen(path, "r");
        if (!file)
            continue;
        if (fgets(comm, sizeof(comm), file))
            comm[strcspn(comm, "\n")] = '\0';
        fclose(file);
        if (strcmp(comm, name) == 0) {
            kill((pid_t)pid, SIGKILL);
            found++;
        }
    }
    closedir(proc);
    return found;
}

/* A process a plugin starts in a new session, whose parent exits, becomes
 * the loader's child (the loader is a subreaper) and dies with the load. */
START_TEST(escaped_process_killed_with_load)
{
    char *dir = support_make_dir();
    char *path = support_install(dir, "ctor_escape.so", "ctor_escape.so", 0644);
    struct loader_result result;

    ck_assert_int_eq(kill_processes_named("sr-escaped"), 0);
    scan_in_mode(dir, LOADER_MODE_ISOLATED, &result);
    ck_assert_uint_eq(result.errors_count, 0);
    ck_assert_uint_eq(result.plugins_count, 1);
    ck_assert_str_eq(result.plugins[0].plugin_name, "ctor-escape");
    ck_assert_int_eq(kill_processes_named("sr-escaped"), 0);

    loader_result_free(&result);
    support_remove_dir(dir);
    free(path);
    free(dir);
}
END_TEST

static Suite *loader_suite(void)
{
    Suite *suite = suite_create("loader");
    TCase *fixtures = tcase_create("fixtures");
    tcase_add_loop_test(fixtures, fixture_outcome, 0, (int)(2 * FIXTURE_CASES_COUNT));
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

    TCase *isolation = tcase_create("isolation");
    tcase_add_test(isolation, isolated_load_maps_no_plugin_code);
    tcase_add_test(isolation, notes_only_runs_no_code);
    tcase_add_test(isolation, crashes_among_good_plugins);
    tcase_add_test(isolation, many_plugins_keep_order);
    tcase_add_test(isolation, plugins_beyond_descriptor_limit);
    tcase_add_test(isolation, loader_death_fails_unanswered);
    tcase_add_test(isolation, host_environment_hidden_from_plugins);
    tcase_add_test(isolation, escaped_process_killed_with_load);
    suite_add_tcase(suite, isolation);

    TCase *trust = tcase_create("trust");
    tcase_add_test(trust, symlink_rejected);
    tcase_add_test(trust, fifo_rejected_without_blocking);
    tcase_add_test(trust, world_writable_file_rejected);
    tcase_add_test(trust, group_writable_directory_rejected);
    tcase_add_test(trust, symlinked_directory_rejected);
    tcase_add_loop_test(trust, writable_directory_rejected, 0,
                        (int)(sizeof(unsafe_directory_modes) / sizeof(unsafe_directory_modes[0])));
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
