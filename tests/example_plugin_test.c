/*
 * Validates one example plugin in isolation: loads the built .so with
 * dlopen, copies what it declares with the host's ABI reader and runs
 * every validation rule, with no host process and no network.
 *
 * Usage: example_plugin_test PLUGIN.so SERVICE_ID TABLE[,TABLE...] SEEDS
 */
#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <schemareg/provider.h>

#include "abi_reader.h"
#include "catalog.h"
#include "validate.h"

static const char *plugin_path;
static const char *expected_service_id;
static const char *expected_tables;
static size_t expected_seeds;

/* Loads the plugin and copies its declarations; fails the test on error. */
static void load_plugin(struct catalog_plugin *plugin)
{
    schemareg_providers_fn entry;
    void *handle;
    char err[512];

    handle = dlopen(plugin_path, RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(handle != NULL, "dlopen %s: %s", plugin_path, dlerror());
    *(void **)&entry = dlsym(handle, SCHEMAREG_ENTRY_SYMBOL);
    ck_assert_msg(entry != NULL, "%s lacks %s", plugin_path, SCHEMAREG_ENTRY_SYMBOL);
    ck_assert_msg(abi_reader_copy_plugin(entry(), plugin, err, sizeof(err)) == 0,
                  "%s: %s", plugin_path, err);
    plugin->path = strdup(plugin_path);
    ck_assert_ptr_nonnull(plugin->path);
    catalog_plugin_link(plugin);
    /* The copy no longer points into the plugin, so it may be unloaded. */
    dlclose(handle);
}

START_TEST(plugin_passes_validation)
{
    struct catalog_plugin plugin;
    struct validation_report report;

    load_plugin(&plugin);
    validate_plugins(&plugin, 1, &report);

    for (size_t i = 0; i < report.count; i++)
        fprintf(stderr, "[%s] %s\n", report.items[i].rule, report.items[i].message);
    ck_assert_msg(report.count == 0, "%s: %zu validation problems", plugin_path,
                  report.count);

    validation_report_free(&report);
    catalog_plugin_clear(&plugin);
}
END_TEST

START_TEST(plugin_declares_product)
{
    struct catalog_plugin plugin;
    const struct catalog_provider *provider;
    char *tables = strdup(expected_tables);
    char *cursor = tables;
    size_t index = 0;

    load_plugin(&plugin);
    ck_assert_uint_eq(plugin.abi_major, SCHEMAREG_ABI_MAJOR);
    ck_assert_str_eq(plugin.plugin_name, expected_service_id);
    ck_assert_ptr_nonnull(plugin.plugin_version);
    ck_assert_uint_eq(plugin.providers_count, 1);

    provider = &plugin.providers[0];
    ck_assert_str_eq(provider->service_id, expected_service_id);
    ck_assert_ptr_nonnull(provider->description);
    for (char *name = strsep(&cursor, ","); name != NULL; name = strsep(&cursor, ",")) {
        ck_assert_uint_lt(index, provider->tables_count);
        ck_assert_str_eq(provider->tables[index].name, name);
        index++;
    }
    ck_assert_uint_eq(provider->tables_count, index);
    ck_assert_uint_eq(provider->seeds_count, expected_seeds);

    free(tables);
    catalog_plugin_clear(&plugin);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *suite = suite_create("example_plugin");
    TCase *checks = tcase_create("checks");
    SRunner *runner;
    int failed;

    if (argc != 5) {
        fprintf(stderr, "usage: %s PLUGIN.so SERVICE_ID TABLE[,TABLE...] SEEDS\n",
                argv[0]);
        return 2;
    }
    plugin_path = argv[1];
    expected_service_id = argv[2];
    expected_tables = argv[3];
    expected_seeds = strtoul(argv[4], NULL, 10);

    tcase_add_test(checks, plugin_passes_validation);
    tcase_add_test(checks, plugin_declares_product);
    suite_add_tcase(suite, checks);
    runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
