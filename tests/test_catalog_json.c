/* Catalog JSON model tests: round trips and malformed input. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "loader.h"
#include "schemareg/provider.h"
#include "test_support.h"

static void assert_same_string(const char *a, const char *b, const char *what)
{
    if (a == NULL || b == NULL)
        ck_assert_msg(a == b, "%s: one is NULL", what);
    else
        ck_assert_msg(strcmp(a, b) == 0, "%s: \"%s\" != \"%s\"", what, a, b);
}

static void assert_same_keys(const struct catalog_key *a, size_t a_count,
                             const struct catalog_key *b, size_t b_count)
{
    ck_assert_uint_eq(a_count, b_count);
    for (size_t i = 0; i < a_count; i++) {
        assert_same_string(a[i].attribute_name, b[i].attribute_name, "key attribute_name");
        ck_assert_uint_eq(a[i].key_type, b[i].key_type);
    }
}

static void assert_same_table(const struct catalog_table *a, const struct catalog_table *b)
{
    assert_same_string(a->name, b->name, "table name");
    ck_assert_uint_eq(a->attributes_count, b->attributes_count);
    for (size_t i = 0; i < a->attributes_count; i++) {
        assert_same_string(a->attributes[i].name, b->attributes[i].name, "attribute name");
        ck_assert_uint_eq(a->attributes[i].type, b->attributes[i].type);
    }
    assert_same_keys(a->key_schema, a->key_schema_count, b->key_schema, b->key_schema_count);
    ck_assert_uint_eq(a->billing_mode, b->billing_mode);
    ck_assert_uint_eq(a->read_capacity_units, b->read_capacity_units);
    ck_assert_uint_eq(a->write_capacity_units, b->write_capacity_units);
    assert_same_string(a->ttl_attribute, b->ttl_attribute, "ttl_attribute");

    ck_assert_uint_eq(a->gsis_count, b->gsis_count);
    for (size_t i = 0; i < a->gsis_count; i++) {
        const struct catalog_gsi *x = &a->gsis[i];
        const struct catalog_gsi *y = &b->gsis[i];
        assert_same_string(x->index_name, y->index_name, "index_name");
        assert_same_keys(x->key_schema, x->key_schema_count, y->key_schema, y->key_schema_count);
        ck_assert_uint_eq(x->projection_type, y->projection_type);
        ck_assert_uint_eq(x->non_key_attributes_count, y->non_key_attributes_count);
        for (size_t j = 0; j < x->non_key_attributes_count; j++)
            assert_same_string(x->non_key_attributes[j], y->non_key_attributes[j],
                               "non_key_attributes");
        ck_assert_uint_eq(x->read_capacity_units, y->read_capacity_units);
        ck_assert_uint_eq(x->write_capacity_units, y->write_capacity_units);
    }
}

static void assert_same_plugin(const struct catalog_plugin *a, const struct catalog_plugin *b)
{
    assert_same_string(a->path, b->path, "path");
    assert_same_string(a->plugin_name, b->plugin_name, "plugin_name");
    assert_same_string(a->plugin_version, b->plugin_version, "plugin_version");
    ck_assert_uint_eq(a->abi_major, b->abi_major);
    ck_assert_uint_eq(a->abi_minor, b->abi_minor);
    ck_assert_uint_eq(a->providers_count, b->providers_count);

    for (size_t i = 0; i < a->providers_count; i++) {
        const struct catalog_provider *x = &a->providers[i];
        const struct catalog_provider *y = &b->providers[i];
        assert_same_string(x->service_id, y->service_id, "service_id");
        assert_same_string(x->description, y->description, "description");
        ck_assert_ptr_eq(y->plugin, b);
        ck_assert_uint_eq(x->tables_count, y->tables_count);
        for (size_t j = 0; j < x->tables_count; j++)
            assert_same_table(&x->tables[j], &y->tables[j]);

        ck_assert_uint_eq(x->seeds_count, y->seeds_count);
        for (size_t j = 0; j < x->seeds_count; j++) {
            const struct catalog_seed *s = &x->seeds[j];
            const struct catalog_seed *t = &y->seeds[j];
            assert_same_string(s->table, t->table, "seed table");
            assert_same_string(s->item_json, t->item_json, "item_json");
            assert_same_string(s->condition_expression, t->condition_expression,
                               "condition_expression");
            assert_same_string(s->expression_attribute_names_json,
                               t->expression_attribute_names_json, "names");
            assert_same_string(s->expression_attribute_values_json,
                               t->expression_attribute_values_json, "values");
        }
    }
}

/* Converts to JSON text and back, checking both steps. */
static void round_trip(const struct catalog_plugin *plugin, struct catalog_plugin *out)
{
    char err[512] = "";
    json_t *json = catalog_plugin_to_json(plugin, err, sizeof(err));
    ck_assert_msg(json != NULL, "to_json failed: %s", err);
    char *text = json_dumps(json, JSON_COMPACT);
    ck_assert_ptr_nonnull(text);

    json_t *parsed = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(parsed);
    ck_assert_msg(catalog_plugin_from_json(parsed, out, err, sizeof(err)) == 0,
                  "from_json failed: %s", err);

    json_t *again = catalog_plugin_to_json(out, err, sizeof(err));
    ck_assert_ptr_nonnull(again);
    ck_assert_msg(json_equal(json, again), "second conversion differs");

    json_decref(again);
    json_decref(parsed);
    free(text);
    json_decref(json);
}

START_TEST(full_fixture_round_trip)
{
    char *dir = support_make_dir();
    free(support_install(dir, "full.so", "full.so", 0644));
    const char *dirs[] = {dir};
    struct loader_options options = {.dirs = dirs, .dirs_count = 1};
    struct loader_result result;
    ck_assert_int_eq(loader_scan(&options, &result), 0);
    ck_assert_uint_eq(result.plugins_count, 1);

    struct catalog_plugin copy;
    round_trip(&result.plugins[0], &copy);
    assert_same_plugin(&result.plugins[0], &copy);

    catalog_plugin_clear(&copy);
    loader_result_free(&result);
    support_remove_dir(dir);
    free(dir);
}
END_TEST

/* A plugin built by hand with unknown codes, NULL strings and invalid JSON text. */
START_TEST(odd_values_round_trip)
{
    struct catalog_attribute attribute = {.name = NULL, .type = 9};
    struct catalog_key key = {.attribute_name = "pk", .key_type = 0};
    char *non_key[] = {NULL, "x"};
    struct catalog_gsi gsi = {.index_name = NULL, .projection_type = 77,
                              .non_key_attributes = non_key, .non_key_attributes_count = 2,
                              .read_capacity_units = (uint64_t)INT64_MAX};
    struct catalog_table table = {.name = "t", .attributes = &attribute, .attributes_count = 1,
                                  .key_schema = &key, .key_schema_count = 1,
                                  .billing_mode = 1000, .gsis = &gsi, .gsis_count = 1};
    struct catalog_seed seed = {.table = NULL, .item_json = "{not json",
                                .condition_expression = NULL,
                                .expression_attribute_names_json = "[1, 2]"};
    struct catalog_provider provider = {.service_id = NULL, .tables = &table, .tables_count = 1,
                                        .seeds = &seed, .seeds_count = 1};
    struct catalog_plugin plugin = {.path = "/p.so", .abi_major = 1, .abi_minor = 99,
                                    .providers = &provider, .providers_count = 1};

    char err[512] = "";
    json_t *json = catalog_plugin_to_json(&plugin, err, sizeof(err));
    ck_assert_ptr_nonnull(json);
    json_t *jprovider = json_array_get(json_object_get(json, "providers"), 0);
    json_t *jtable = json_array_get(json_object_get(jprovider, "tables"), 0);
    json_t *jseed = json_array_get(json_object_get(jprovider, "seeds"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(jtable, "billing_mode")), 1000);
    ck_assert(json_is_null(json_object_get(jseed, "item")));
    ck_assert_str_eq(json_string_value(json_object_get(jseed, "item_json")), "{not json");
    ck_assert(json_is_array(json_object_get(jseed, "expression_attribute_names")));
    json_decref(json);

    struct catalog_plugin copy;
    round_trip(&plugin, &copy);
    assert_same_plugin(&plugin, &copy);
    catalog_plugin_clear(&copy);
}
END_TEST

START_TEST(invalid_utf8_rejected_by_to_json)
{
    struct catalog_provider provider = {.service_id = "bad\xff"};
    struct catalog_plugin plugin = {.path = "/p.so", .providers = &provider,
                                    .providers_count = 1};
    char err[512] = "";
    ck_assert_ptr_null(catalog_plugin_to_json(&plugin, err, sizeof(err)));
    ck_assert_str_eq(err, "providers[0]: \"service_id\" is not valid UTF-8");
}
END_TEST

START_TEST(parsed_item_accepted_without_text)
{
    const char *text =
        "{\"path\":\"/p.so\",\"plugin_name\":\"p\",\"plugin_version\":\"1\",\"abi_major\":1,"
        "\"abi_minor\":0,\"providers\":[{\"service_id\":\"s\",\"description\":null,"
        "\"tables\":[],\"seeds\":[{\"table\":\"t\",\"item\":{\"pk\":{\"S\":\"a\"}},"
        "\"condition_expression\":\"attribute_not_exists(pk)\","
        "\"expression_attribute_names\":null,\"expression_attribute_values\":{\":v\":"
        "{\"N\":\"1\"}}}]}]}";
    json_t *json = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(json);

    struct catalog_plugin plugin;
    char err[512] = "";
    ck_assert_msg(catalog_plugin_from_json(json, &plugin, err, sizeof(err)) == 0, "%s", err);
    const struct catalog_seed *seed = &plugin.providers[0].seeds[0];
    ck_assert_str_eq(seed->item_json, "{\"pk\":{\"S\":\"a\"}}");
    ck_assert_ptr_null(seed->expression_attribute_names_json);
    ck_assert_str_eq(seed->expression_attribute_values_json, "{\":v\":{\"N\":\"1\"}}");

    catalog_plugin_clear(&plugin);
    json_decref(json);
}
END_TEST

/* Malformed input: the provider part (or whole document) and the message. */
struct malformed_case {
    const char *document; /* "%s" stands for the providers array when present */
    const char *providers;
    const char *expected;
};

#define PLUGIN_DOC                                                                          \
    "{\"path\":\"/p.so\",\"plugin_name\":\"p\",\"plugin_version\":\"1\",\"abi_major\":1,"  \
    "\"abi_minor\":0,\"providers\":%s}"
#define TABLE(fields)                                                                       \
    "[{\"service_id\":\"s\",\"description\":null,\"seeds\":[],\"tables\":[{" fields "}]}]"
#define TABLE_OK                                                                            \
    "\"name\":\"t\",\"attributes\":[],\"key_schema\":[],\"read_capacity_units\":0,"         \
    "\"write_capacity_units\":0,\"gsis\":[],\"ttl_attribute\":null,"

static const struct malformed_case malformed_cases[] = {
    {"[]", NULL, "expected a JSON object"},
    {"{\"path\":null}", NULL, "missing key \"plugin_name\""},
    {PLUGIN_DOC, "{}", "\"providers\" must be an array"},
    {"{\"path\":1,\"plugin_name\":null,\"plugin_version\":null,\"abi_major\":1,"
     "\"abi_minor\":0,\"providers\":[]}",
     NULL, "\"path\" must be a string or null"},
    {"{\"path\":null,\"plugin_name\":null,\"plugin_version\":null,\"abi_major\":-1,"
     "\"abi_minor\":0,\"providers\":[]}",
     NULL, "\"abi_major\" -1 is outside 0..4294967295"},
    {"{\"path\":null,\"plugin_name\":null,\"plugin_version\":null,\"abi_major\":4294967296,"
     "\"abi_minor\":0,\"providers\":[]}",
     NULL, "\"abi_major\" 4294967296 is outside"},
    {"{\"path\":null,\"plugin_name\":null,\"plugin_version\":null,\"abi_major\":1.5,"
     "\"abi_minor\":0,\"providers\":[]}",
     NULL, "\"abi_major\" must be an integer"},
    {"{\"path\":null,\"plugin_name\":null,\"plugin_version\":null,\"abi_major\":1,"
     "\"abi_minor\":0,\"providers\":[],\"extra\":true}",
     NULL, "unknown key \"extra\""},
    {"{\"path\":\"a\\u0000b\",\"plugin_name\":null,\"plugin_version\":null,\"abi_major\":1,"
     "\"abi_minor\":0,\"providers\":[]}",
     NULL, "\"path\" contains a NUL character"},
    {PLUGIN_DOC, "[1]", "providers[0]: expected a JSON object"},
    {PLUGIN_DOC, "[{\"service_id\":\"s\",\"description\":null,\"tables\":[]}]",
     "providers[0]: missing key \"seeds\""},
    {PLUGIN_DOC, TABLE(TABLE_OK "\"billing_mode\":\"FAST\""),
     "providers[0].tables[0]: \"billing_mode\" has unknown value \"FAST\""},
    {PLUGIN_DOC, TABLE(TABLE_OK "\"billing_mode\":true"),
     "providers[0].tables[0]: \"billing_mode\" must be an integer"},
    {PLUGIN_DOC,
     TABLE("\"name\":\"t\",\"attributes\":[{\"name\":\"a\",\"type\":\"X\"}],\"key_schema\":[],"
           "\"billing_mode\":1,\"read_capacity_units\":0,\"write_capacity_units\":0,"
           "\"gsis\":[],\"ttl_attribute\":null"),
     "providers[0].tables[0].attributes[0]: \"type\" has unknown value \"X\""},
    {PLUGIN_DOC,
     TABLE("\"name\":\"t\",\"attributes\":[],\"key_schema\":[{\"attribute_name\":\"a\"}],"
           "\"billing_mode\":1,\"read_capacity_units\":0,\"write_capacity_units\":0,"
           "\"gsis\":[],\"ttl_attribute\":null"),
     "providers[0].tables[0].key_schema[0]: missing key \"key_type\""},
    {PLUGIN_DOC,
     TABLE("\"name\":\"t\",\"attributes\":[],\"key_schema\":[],\"billing_mode\":1,"
           "\"read_capacity_units\":-5,\"write_capacity_units\":0,\"gsis\":[],"
           "\"ttl_attribute\":null"),
     "\"read_capacity_units\" -5 is outside"},
    {PLUGIN_DOC,
     TABLE(TABLE_OK "\"billing_mode\":1,\"gsis\":[{\"index_name\":\"g\",\"key_schema\":[],"
                    "\"projection_type\":\"ALL\",\"non_key_attributes\":[3],"
                    "\"read_capacity_units\":0,\"write_capacity_units\":0}]"),
     "gsis[0].non_key_attributes[0]: \"non_key_attributes\" must be a string or null"},
    {PLUGIN_DOC,
     "[{\"service_id\":\"s\",\"description\":null,\"tables\":[],\"seeds\":[{\"table\":\"t\","
     "\"condition_expression\":null,\"expression_attribute_names_json\":null,"
     "\"expression_attribute_values_json\":null}]}]",
     "providers[0].seeds[0]: missing key \"item_json\""},
};

START_TEST(malformed_rejected)
{
    const struct malformed_case *c = &malformed_cases[_i];
    char text[4096];
    if (c->providers != NULL)
        snprintf(text, sizeof(text), c->document, c->providers);
    else
        snprintf(text, sizeof(text), "%s", c->document);

    json_error_t error;
    json_t *json = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
    ck_assert_msg(json != NULL, "case %d does not parse: %s", _i, error.text);

    struct catalog_plugin plugin;
    char err[512] = "";
    ck_assert_int_eq(catalog_plugin_from_json(json, &plugin, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, c->expected) != NULL, "case %d: expected \"%s\" in \"%s\"", _i,
                  c->expected, err);
    ck_assert_ptr_null(plugin.providers);
    ck_assert_ptr_null(plugin.path);
    json_decref(json);
}
END_TEST

START_TEST(too_many_providers_rejected)
{
    json_t *providers = json_array();
    for (unsigned i = 0; i <= CATALOG_MAX_PROVIDERS; i++)
        json_array_append_new(providers, json_object());
    json_t *json = json_pack("{s:n, s:n, s:n, s:i, s:i, s:o}", "path", "plugin_name",
                             "plugin_version", "abi_major", 1, "abi_minor", 0, "providers",
                             providers);
    ck_assert_ptr_nonnull(json);

    struct catalog_plugin plugin;
    char err[512] = "";
    ck_assert_int_eq(catalog_plugin_from_json(json, &plugin, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "\"providers\" has 257 elements, above the limit of 256");
    json_decref(json);
}
END_TEST

START_TEST(null_json_rejected)
{
    struct catalog_plugin plugin;
    char err[512] = "";
    ck_assert_int_eq(catalog_plugin_from_json(NULL, &plugin, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "no JSON value");
}
END_TEST

static Suite *catalog_json_suite(void)
{
    Suite *suite = suite_create("catalog_json");
    TCase *tc = tcase_create("model");
    tcase_add_test(tc, full_fixture_round_trip);
    tcase_add_test(tc, odd_values_round_trip);
    tcase_add_test(tc, invalid_utf8_rejected_by_to_json);
    tcase_add_test(tc, parsed_item_accepted_without_text);
    tcase_add_loop_test(tc, malformed_rejected, 0,
                        (int)(sizeof(malformed_cases) / sizeof(malformed_cases[0])));
    tcase_add_test(tc, too_many_providers_rejected);
    tcase_add_test(tc, null_json_rejected);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(catalog_json_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
