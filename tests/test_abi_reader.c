/* ABI reader tests on structs built in this process: sizes, strides, limits. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "abi_reader.h"

static const struct schema_attribute_v1 attributes[] = {
    {.name = "pk", .type = SCHEMAREG_ATTR_S},
};
static const struct schema_key_v1 keys[] = {
    {.attribute_name = "pk", .key_type = SCHEMAREG_KEY_HASH},
};

/* A valid plugin the cases below break one field at a time. */
struct sample {
    struct schema_table_v1 table;
    struct schema_seed_v1 seed;
    struct schema_provider_v1 provider;
    const struct schema_provider_v1 *providers[1];
    struct schema_plugin_v1 plugin;
};

static void sample_init(struct sample *s)
{
    memset(s, 0, sizeof(*s));
    s->table = (struct schema_table_v1){
        .name = "items",
        SCHEMAREG_ARRAY(attributes, attributes),
        SCHEMAREG_ARRAY(key_schema, keys),
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
    };
    s->seed = (struct schema_seed_v1){
        .table = "items",
        .item_json = "{\"pk\":{\"S\":\"x\"}}",
        .condition_expression = "attribute_not_exists(pk)",
    };
    s->provider = (struct schema_provider_v1){
        .struct_size = sizeof(struct schema_provider_v1),
        .service_id = "sample",
        .tables = &s->table,
        .tables_count = 1,
        .tables_stride = sizeof(struct schema_table_v1),
        .seeds = &s->seed,
        .seeds_count = 1,
        .seeds_stride = sizeof(struct schema_seed_v1),
    };
    s->providers[0] = &s->provider;
    s->plugin = (struct schema_plugin_v1){
        .struct_size = sizeof(struct schema_plugin_v1),
        .abi_major = SCHEMAREG_ABI_MAJOR,
        .abi_minor = SCHEMAREG_ABI_MINOR,
        .providers_count = 1,
        .providers = s->providers,
        .plugin_name = "sample",
        .plugin_version = "1.0.0",
    };
}

static char long_name[CATALOG_MAX_NAME_LEN + 2];
static const char *const null_names[] = {NULL};

/* One broken field and the message it must produce. */
struct reject_case {
    const char *name;
    void (*apply)(struct sample *s);
    const char *expected;
};

static void abi_major_2(struct sample *s) { s->plugin.abi_major = 2; }
static void plugin_too_small(struct sample *s) { s->plugin.struct_size = 16; }
static void plugin_too_large(struct sample *s) { s->plugin.struct_size = 1u << 20; }
static void no_providers(struct sample *s) { s->plugin.providers_count = 0; }
static void huge_providers_count(struct sample *s) { s->plugin.providers_count = 257; }
static void null_providers_array(struct sample *s) { s->plugin.providers = NULL; }
static void null_provider(struct sample *s) { s->providers[0] = NULL; }
static void provider_too_small(struct sample *s) { s->provider.struct_size = 8; }
static void tables_stride_small(struct sample *s) { s->provider.tables_stride = 8; }
static void tables_null(struct sample *s) { s->provider.tables = NULL; }
static void huge_seeds_count(struct sample *s) { s->provider.seeds_count = 4000000000u; }
static void seeds_stride_huge(struct sample *s) { s->provider.seeds_stride = 1u << 20; }
static void keys_stride_small(struct sample *s) { s->table.key_schema_stride = 4; }
static void attributes_null(struct sample *s) { s->table.attributes = NULL; }
static void name_too_long(struct sample *s) { s->table.name = long_name; }
static void name_not_utf8(struct sample *s) { s->table.name = "caf\xc3"; }
static void overlong_utf8(struct sample *s) { s->provider.service_id = "\xc0\xaf"; }
static void surrogate_utf8(struct sample *s) { s->seed.item_json = "\xed\xa0\x80"; }
static void capacity_huge(struct sample *s) { s->table.read_capacity_units = UINT64_MAX; }

static void gsi_non_key_null(struct sample *s)
{
    static struct schema_gsi_v1 gsi;
    gsi = (struct schema_gsi_v1){.index_name = "g", .non_key_attributes_count = 2};
    s->table.gsis = &gsi;
    s->table.gsis_count = 1;
    s->table.gsis_stride = sizeof(gsi);
}

static const struct reject_case reject_cases[] = {
    {"abi major 2", abi_major_2,
     "schemareg_providers() returned ABI major 2, but this host supports ABI major 1"},
    {"plugin struct too small", plugin_too_small,
     "struct schema_plugin_v1 struct_size 16 is below the ABI 1.0 size 40"},
    {"plugin struct too large", plugin_too_large,
     "struct schema_plugin_v1 struct_size 1048576 is above the limit of 4096"},
    {"no providers", no_providers, "returned no providers (providers_count is 0)"},
    {"huge providers count", huge_providers_count,
     "providers_count 257 is above the limit of 256"},
    {"NULL providers", null_providers_array, "providers is NULL but providers_count is 1"},
    {"NULL provider", null_provider, "providers[0]: provider pointer is NULL"},
    {"provider too small", provider_too_small,
     "providers[0]: struct_size 8 is below the ABI 1.0 size 56"},
    {"tables stride small", tables_stride_small,
     "providers[0] (sample): tables_stride 8 is below the ABI 1.0 size 88"},
    {"tables NULL", tables_null, "providers[0] (sample): tables is NULL but tables_count is 1"},
    {"huge seeds count", huge_seeds_count, "seeds_count 4000000000 is above the limit of 10000"},
    {"seeds stride huge", seeds_stride_huge, "seeds_stride 1048576 is above the limit of 4096"},
    {"keys stride small", keys_stride_small,
     "providers[0] (sample): tables[0] (items): key_schema_stride 4 is below the ABI 1.0 size 16"},
    {"attributes NULL", attributes_null,
     "tables[0] (items): attributes is NULL but attributes_count is 1"},
    {"name too long", name_too_long, "tables[0]: name is longer than 4096 bytes"},
    {"name not UTF-8", name_not_utf8, "tables[0]: name is not valid UTF-8"},
    {"overlong UTF-8", overlong_utf8, "providers[0]: service_id is not valid UTF-8"},
    {"surrogate UTF-8", surrogate_utf8, "seeds[0]: item_json is not valid UTF-8"},
    {"capacity above int64", capacity_huge,
     "tables[0] (items): read_capacity_units 18446744073709551615 is above the maximum"},
    {"GSI non-key NULL", gsi_non_key_null,
     "gsis[0] (g): non_key_attributes is NULL but non_key_attributes_count is 2"},
};

START_TEST(plugin_rejected)
{
    const struct reject_case *c = &reject_cases[_i];
    memset(long_name, 'a', sizeof(long_name) - 1);

    struct sample s;
    sample_init(&s);
    c->apply(&s);

    struct catalog_plugin out;
    char err[512] = "";
    ck_assert_int_eq(abi_reader_copy_plugin(&s.plugin, &out, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, c->expected) != NULL, "%s: expected \"%s\" in \"%s\"", c->name,
                  c->expected, err);
    ck_assert_ptr_null(out.providers);
    ck_assert_ptr_null(out.plugin_name);
}
END_TEST

START_TEST(null_plugin_rejected)
{
    struct catalog_plugin out;
    char err[256];
    ck_assert_int_eq(abi_reader_copy_plugin(NULL, &out, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "schemareg_providers() returned NULL");
}
END_TEST

START_TEST(sample_copied)
{
    struct sample s;
    sample_init(&s);

    struct catalog_plugin out;
    char err[256] = "";
    ck_assert_int_eq(abi_reader_copy_plugin(&s.plugin, &out, err, sizeof(err)), 0);
    ck_assert_str_eq(out.plugin_name, "sample");
    ck_assert_ptr_null(out.path);
    ck_assert_uint_eq(out.providers_count, 1);
    ck_assert_ptr_eq(out.providers[0].plugin, &out);
    ck_assert_str_eq(out.providers[0].tables[0].key_schema[0].attribute_name, "pk");
    ck_assert_str_eq(out.providers[0].seeds[0].condition_expression, "attribute_not_exists(pk)");
    ck_assert_ptr_ne(out.providers[0].tables[0].name, s.table.name);
    catalog_plugin_clear(&out);
}
END_TEST

START_TEST(null_strings_copied_as_null)
{
    struct sample s;
    sample_init(&s);
    s.provider.service_id = NULL;
    s.table.name = NULL;
    s.seed.item_json = NULL;
    s.seed.condition_expression = NULL;
    s.plugin.plugin_name = NULL;
    static struct schema_gsi_v1 gsi = {.non_key_attributes_count = 1,
                                       .non_key_attributes = null_names};
    s.table.gsis = &gsi;
    s.table.gsis_count = 1;
    s.table.gsis_stride = sizeof(gsi);

    struct catalog_plugin out;
    char err[256] = "";
    ck_assert_int_eq(abi_reader_copy_plugin(&s.plugin, &out, err, sizeof(err)), 0);
    ck_assert_ptr_null(out.plugin_name);
    ck_assert_ptr_null(out.providers[0].service_id);
    ck_assert_ptr_null(out.providers[0].tables[0].name);
    ck_assert_ptr_null(out.providers[0].tables[0].gsis[0].index_name);
    ck_assert_ptr_null(out.providers[0].tables[0].gsis[0].non_key_attributes[0]);
    ck_assert_ptr_null(out.providers[0].seeds[0].item_json);
    catalog_plugin_clear(&out);
}
END_TEST

START_TEST(counts_zero_ignore_pointers)
{
    struct sample s;
    sample_init(&s);
    s.provider.seeds = NULL;
    s.provider.seeds_count = 0;
    s.provider.seeds_stride = 0;
    s.table.gsis = (const void *)1;
    s.table.gsis_count = 0;

    struct catalog_plugin out;
    char err[256] = "";
    ck_assert_int_eq(abi_reader_copy_plugin(&s.plugin, &out, err, sizeof(err)), 0);
    ck_assert_uint_eq(out.providers[0].seeds_count, 0);
    ck_assert_ptr_null(out.providers[0].seeds);
    ck_assert_ptr_null(out.providers[0].tables[0].gsis);
    catalog_plugin_clear(&out);
}
END_TEST

static Suite *abi_reader_suite(void)
{
    Suite *suite = suite_create("abi_reader");
    TCase *tc = tcase_create("copy");
    tcase_add_loop_test(tc, plugin_rejected, 0,
                        (int)(sizeof(reject_cases) / sizeof(reject_cases[0])));
    tcase_add_test(tc, null_plugin_rejected);
    tcase_add_test(tc, sample_copied);
    tcase_add_test(tc, null_strings_copied_as_null);
    tcase_add_test(tc, counts_zero_ignore_pointers);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(abi_reader_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
