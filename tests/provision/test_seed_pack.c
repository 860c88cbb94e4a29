/*
 * Seed packs (seed_pack.h): a table's items deflated in declaration order,
 * other tables' items left out, streams that must not inflate, and the
 * cursor that hands the items to a table's seeds.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "seed_pack.h"

/* Fills provider with one seed per item, table names from tables. */
static void make_provider(struct catalog_provider *provider, const char *const *tables,
                          const char *const *items, size_t count)
{
    memset(provider, 0, sizeof(*provider));
    provider->seeds = calloc(count, sizeof(*provider->seeds));
    ck_assert_ptr_nonnull(provider->seeds);
    provider->seeds_count = count;
    for (size_t i = 0; i < count; i++) {
        provider->seeds[i].table = strdup(tables[i]);
        ck_assert_ptr_nonnull(provider->seeds[i].table);
        ck_assert_int_eq(catalog_provider_keep_item(provider, items[i] ? strdup(items[i]) : NULL,
                                                    &provider->seeds[i].item_json),
                         0);
    }
}

static void free_provider(struct catalog_provider *provider)
{
    for (size_t i = 0; i < provider->seeds_count; i++)
        free(provider->seeds[i].table);
    free(provider->seeds);
    string_pool_free(&provider->seed_items);
}

static const char *const mixed_tables[] = {"orders", "users", "orders", "orders"};
static const char *const mixed_items[] = {
    "{\"pk\":{\"S\":\"o1\"}}",
    "{\"pk\":{\"S\":\"u1\"}}",
    NULL,
    "{\"pk\":{\"S\":\"o3\"},\"note\":{\"S\":\"caf\xc3\xa9\"}}",
};

START_TEST(test_pack_keeps_table_items_in_order)
{
    struct catalog_provider provider;
    struct seed_pack pack;

    make_provider(&provider, mixed_tables, mixed_items, 4);
    ck_assert_int_eq(seed_pack_build(&provider, "orders", &pack), 0);
    ck_assert_uint_eq(pack.items_count, 3);

    char *text = seed_pack_open(&pack);
    ck_assert_ptr_nonnull(text);
    const char *item = text;
    ck_assert_str_eq(item, mixed_items[0]);
    item += strlen(item) + 1;
    ck_assert_str_eq(item, ""); /* a seed without item */
    item += strlen(item) + 1;
    ck_assert_str_eq(item, mixed_items[3]);
    item += strlen(item) + 1;
    ck_assert_int_eq(item - text, (long)pack.text_size);

    free(text);
    seed_pack_free(&pack);
    free_provider(&provider);
}
END_TEST

START_TEST(test_pack_of_table_without_seeds)
{
    struct catalog_provider provider;
    struct seed_pack pack;

    make_provider(&provider, mixed_tables, mixed_items, 4);
    ck_assert_int_eq(seed_pack_build(&provider, "invoices", &pack), 0);
    ck_assert_uint_eq(pack.items_count, 0);
    ck_assert_ptr_null(pack.data);
    ck_assert_ptr_null(seed_pack_open(&pack));
    seed_pack_free(&pack);
    free_provider(&provider);
}
END_TEST

START_TEST(test_pack_is_smaller_than_repetitive_items)
{
    enum { COUNT = 200 };
    const char *tables[COUNT];
    const char *items[COUNT];
    struct catalog_provider provider;
    struct seed_pack pack;

    for (size_t i = 0; i < COUNT; i++) {
        tables[i] = "config";
        items[i] = "{\"pk\":{\"S\":\"tenant-default\"},\"plan\":{\"S\":\"free\"},"
                   "\"limits\":{\"M\":{\"requests_per_minute\":{\"N\":\"60\"}}}}";
    }
    make_provider(&provider, tables, items, COUNT);
    ck_assert_int_eq(seed_pack_build(&provider, "config", &pack), 0);
    ck_assert_uint_eq(pack.text_size, COUNT * (strlen(items[0]) + 1));
    ck_assert_uint_lt(pack.size, pack.text_size / 4);
    seed_pack_free(&pack);
    free_provider(&provider);
}
END_TEST

START_TEST(test_damaged_pack_does_not_open)
{
    struct catalog_provider provider;
    struct seed_pack pack;

    make_provider(&provider, mixed_tables, mixed_items, 4);
    ck_assert_int_eq(seed_pack_build(&provider, "orders", &pack), 0);

    pack.data[pack.size / 2] ^= 0xff;
    ck_assert_ptr_null(seed_pack_open(&pack));
    pack.data[pack.size / 2] ^= 0xff;

    pack.text_size--; /* the stream inflates to a different size */
    ck_assert_ptr_null(seed_pack_open(&pack));
    pack.text_size++;

    char *text = seed_pack_open(&pack);
    ck_assert_ptr_nonnull(text);
    free(text);
    seed_pack_free(&pack);
    free_provider(&provider);
}
END_TEST

START_TEST(test_cursor_takes_items_in_order)
{
    struct catalog_provider provider;
    struct seed_pack pack;
    struct seed_pack_cursor cursor = {0};

    make_provider(&provider, mixed_tables, mixed_items, 4);
    ck_assert_int_eq(seed_pack_build(&provider, "orders", &pack), 0);

    ck_assert_str_eq(seed_pack_take(&pack, &cursor), mixed_items[0]);
    seed_pack_cursor_settle(&pack, &cursor);
    ck_assert_ptr_nonnull(cursor.items);
    ck_assert_str_eq(seed_pack_take(&pack, &cursor), "");
    seed_pack_cursor_settle(&pack, &cursor);
    ck_assert_str_eq(seed_pack_take(&pack, &cursor), mixed_items[3]);
    seed_pack_cursor_settle(&pack, &cursor);
    ck_assert_ptr_null(cursor.items); /* freed after the last item */
    ck_assert_ptr_null(seed_pack_take(&pack, &cursor));

    seed_pack_free(&pack);
    free_provider(&provider);
}
END_TEST

/* A take whose pack does not inflate fails alone: the next take, once the
 * pack inflates again, returns the next seed's item, not the failed one's. */
START_TEST(test_cursor_skips_item_that_failed)
{
    struct catalog_provider provider;
    struct seed_pack pack;
    struct seed_pack_cursor cursor = {0};

    make_provider(&provider, mixed_tables, mixed_items, 4);
    ck_assert_int_eq(seed_pack_build(&provider, "orders", &pack), 0);

    pack.data[pack.size / 2] ^= 0xff;
    ck_assert_ptr_null(seed_pack_take(&pack, &cursor));
    ck_assert_uint_eq(cursor.items_taken, 1);
    pack.data[pack.size / 2] ^= 0xff;

    ck_assert_str_eq(seed_pack_take(&pack, &cursor), "");
    ck_assert_str_eq(seed_pack_take(&pack, &cursor), mixed_items[3]);
    seed_pack_cursor_settle(&pack, &cursor);
    ck_assert_ptr_null(cursor.items);

    seed_pack_free(&pack);
    free_provider(&provider);
}
END_TEST

START_TEST(test_cursor_free_before_last_item)
{
    struct catalog_provider provider;
    struct seed_pack pack;
    struct seed_pack_cursor cursor = {0};

    make_provider(&provider, mixed_tables, mixed_items, 4);
    ck_assert_int_eq(seed_pack_build(&provider, "orders", &pack), 0);
    ck_assert_ptr_nonnull(seed_pack_take(&pack, &cursor));
    seed_pack_cursor_settle(&pack, &cursor);
    ck_assert_ptr_nonnull(cursor.items);
    seed_pack_cursor_free(&cursor);
    ck_assert_ptr_null(cursor.items);

    seed_pack_free(&pack);
    free_provider(&provider);
}
END_TEST

START_TEST(test_release_items_clears_every_seed)
{
    struct catalog_provider provider;

    make_provider(&provider, mixed_tables, mixed_items, 4);
    catalog_provider_release_items(&provider);
    for (size_t i = 0; i < provider.seeds_count; i++)
        ck_assert_ptr_null(provider.seeds[i].item_json);
    ck_assert_ptr_null(provider.seed_items.blocks);
    free_provider(&provider);
}
END_TEST

static Suite *seed_pack_suite(void)
{
    Suite *suite = suite_create("seed_pack");
    TCase *cases = tcase_create("pack");

    tcase_add_test(cases, test_pack_keeps_table_items_in_order);
    tcase_add_test(cases, test_pack_of_table_without_seeds);
    tcase_add_test(cases, test_pack_is_smaller_than_repetitive_items);
    tcase_add_test(cases, test_damaged_pack_does_not_open);
    tcase_add_test(cases, test_cursor_takes_items_in_order);
    tcase_add_test(cases, test_cursor_skips_item_that_failed);
    tcase_add_test(cases, test_cursor_free_before_last_item);
    tcase_add_test(cases, test_release_items_clears_every_seed);
    suite_add_tcase(suite, cases);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(seed_pack_suite());

    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
