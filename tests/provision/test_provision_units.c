/*
 * Unit tests of the provisioning pieces that need no server: capsule codes,
 * request bodies, table comparison, seed keys, the step report, batch
 * checkpoints, the string pool and the waiting line.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <schemareg/provider.h>

#include "capsule.h"
#include "checkpoint.h"
#include "checkpoint_seed_set.h"
#include "seed_key.h"
#include "step_report.h"
#include "string_pool.h"
#include "table_compare.h"
#include "table_describe.h"
#include "table_request.h"
#include "wait_progress.h"

/* --- Capsule codes -------------------------------------------------------- */

static const struct {
    const char *code;
    int valid;
} capsule_cases[] = {
    {"acme", 1},
    {"a", 1},
    {"0day", 1},
    {"acme-eu-1", 1},
    {"abcdefghijabcdefghijabcdefghij12", 1}, /* 32 characters */
    {"abcdefghijabcdefghijabcdefghij123", 0}, /* 33 characters */
    {"", 0},
    {"-acme", 0},
    {"Acme", 0},
    {"ac_me", 0},
    {"acme.eu", 0},
    {"acme eu", 0},
};

START_TEST(capsule_code_rules)
{
    char err[256];
    int rc = capsule_validate(capsule_cases[_i].code, err, sizeof(err));

    ck_assert_msg((rc == 0) == capsule_cases[_i].valid, "code \"%s\": rc %d, err %s",
                  capsule_cases[_i].code, rc, rc ? err : "");
    if (rc != 0)
        ck_assert_ptr_nonnull(strstr(err, "invalid capsule code"));
}
END_TEST

START_TEST(capsule_table_name_limit)
{
    char name[CAPSULE_TABLE_NAME_SIZE];
    char long_table[260];

    ck_assert_int_eq(capsule_table_name("acme", "plans", name, sizeof(name)), 0);
    ck_assert_str_eq(name, "acme-plans");

    memset(long_table, 'x', 250);
    long_table[250] = '\0';
    ck_assert_int_eq(capsule_table_name("acme", long_table, name, sizeof(name)), 0);
    long_table[251 - 1] = 'x';
    long_table[251] = '\0';
    ck_assert_int_eq(capsule_table_name("acme", long_table, name, sizeof(name)), -1);
}
END_TEST

/* --- A declared table used by the request and comparison tests ------------ */

static struct catalog_attribute attributes[] = {
    {.name = "pk", .type = SCHEMAREG_ATTR_S},
    {.name = "sk", .type = SCHEMAREG_ATTR_N},
    {.name = "customer", .type = SCHEMAREG_ATTR_S},
};
static struct catalog_key keys[] = {
    {.attribute_name = "pk", .key_type = SCHEMAREG_KEY_HASH},
    {.attribute_name = "sk", .key_type = SCHEMAREG_KEY_RANGE},
};
static struct catalog_key gsi_keys[] = {
    {.attribute_name = "customer", .key_type = SCHEMAREG_KEY_HASH},
    {.attribute_name = "sk", .key_type = SCHEMAREG_KEY_RANGE},
};
static char *projected[] = {"total"};
static struct catalog_gsi gsis[] = {
    {
        .index_name = "by-customer",
        .key_schema = gsi_keys,
        .key_schema_count = 2,
        .projection_type = SCHEMAREG_PROJECTION_INCLUDE,
        .non_key_attributes = projected,
        .non_key_attributes_count = 1,
        .read_capacity_units = 3,
        .write_capacity_units = 1,
    },
};

static struct catalog_table make_table(uint32_t billing_mode)
{
    struct catalog_table table = {
        .name = "invoices",
        .attributes = attributes,
        .attributes_count = 3,
        .key_schema = keys,
        .key_schema_count = 2,
        .billing_mode = billing_mode,
        .read_capacity_units = 5,
        .write_capacity_units = 2,
        .gsis = gsis,
        .gsis_count = 1,
    };
    return table;
}

static void assert_json_equal(json_t *actual, const char *expected_text)
{
    json_error_t error;
    json_t *expected = json_loads(expected_text, 0, &error);
    char *actual_text = json_dumps(actual, JSON_SORT_KEYS | JSON_COMPACT);

    ck_assert_msg(expected != NULL, "bad expected JSON: %s", error.text);
    ck_assert_msg(json_equal(actual, expected), "got %s", actual_text);
    free(actual_text);
    json_decref(expected);
}

START_TEST(create_request_on_demand)
{
    struct catalog_table table = make_table(SCHEMAREG_BILLING_PAY_PER_REQUEST);
    json_t *request = table_request_create("acme-invoices", &table);

    assert_json_equal(request,
        "{\"TableName\":\"acme-invoices\",\"BillingMode\":\"PAY_PER_REQUEST\","
        "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
        "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
        "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"
        "{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"},"
        "{\"AttributeName\":\"customer\",\"AttributeType\":\"S\"}],"
        "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"by-customer\","
        "\"KeySchema\":[{\"AttributeName\":\"customer\",\"KeyType\":\"HASH\"},"
        "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
        "\"Projection\":{\"ProjectionType\":\"INCLUDE\",\"NonKeyAttributes\":[\"total\"]}}]}");
    json_decref(request);
}
END_TEST

START_TEST(create_request_provisioned)
{
    struct catalog_table table = make_table(SCHEMAREG_BILLING_PROVISIONED);
    json_t *request = table_request_create("acme-invoices", &table);
    json_t *index = json_array_get(json_object_get(request, "GlobalSecondaryIndexes"), 0);

    ck_assert_str_eq(json_string_value(json_object_get(request, "BillingMode")), "PROVISIONED");
    assert_json_equal(json_object_get(request, "ProvisionedThroughput"),
                      "{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":2}");
    assert_json_equal(json_object_get(index, "ProvisionedThroughput"),
                      "{\"ReadCapacityUnits\":3,\"WriteCapacityUnits\":1}");
    json_decref(request);
}
END_TEST

START_TEST(add_gsi_request)
{
    struct catalog_table table = make_table(SCHEMAREG_BILLING_PAY_PER_REQUEST);
    json_t *request = table_request_add_gsi("acme-invoices", &table, &gsis[0]);
    json_t *updates = json_object_get(request, "GlobalSecondaryIndexUpdates");

    ck_assert_int_eq(json_array_size(updates), 1);
    ck_assert_str_eq(json_string_value(json_object_get(
        json_object_get(json_array_get(updates, 0), "Create"), "IndexName")), "by-customer");
    ck_assert_int_eq(json_array_size(json_object_get(request, "AttributeDefinitions")), 3);
    json_decref(request);
}
END_TEST

/* --- Comparison with DescribeTable ---------------------------------------- */

#define DEFINITIONS_OK                                                              \
    "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}," \
    "{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"},"                          \
    "{\"AttributeName\":\"customer\",\"AttributeType\":\"S\"}]"
#define KEYS_OK                                                          \
    "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"    \
    "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}]"
#define GSI_OK                                                                          \
    "{\"IndexName\":\"by-customer\",\"IndexStatus\":\"ACTIVE\",\"KeySchema\":["        \
    "{\"AttributeName\":\"customer\",\"KeyType\":\"HASH\"},"                           \
    "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}]}"

static const struct {
    const char *name;
    const char *description;
    int drift;
    const char *drift_text; /* substring of the drift message, or NULL */
    size_t missing;
    size_t undeclared;
} compare_cases[] = {
    {"identical", "{" KEYS_OK "," DEFINITIONS_OK ",\"GlobalSecondaryIndexes\":[" GSI_OK "]}",
     0, NULL, 0, 0},
    {"index missing", "{" KEYS_OK "," DEFINITIONS_OK "}", 0, NULL, 1, 0},
    {"extra index",
     "{" KEYS_OK "," DEFINITIONS_OK ",\"GlobalSecondaryIndexes\":[" GSI_OK ","
     "{\"IndexName\":\"legacy\",\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}]}",
     0, NULL, 0, 1},
    {"other hash key",
     "{\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
     "\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"N\"}]}",
     1, "found HASH id (N)", 1, 0},
    {"range key type",
     "{" KEYS_OK ",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"
     "{\"AttributeName\":\"sk\",\"AttributeType\":\"S\"}]}",
     1, "declared HASH pk (S), RANGE sk (N), found HASH pk (S), RANGE sk (S)", 1, 0},
    {"range key missing",
     "{\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]," DEFINITIONS_OK "}",
     1, "key schema drift", 1, 0},
    {"index keys differ",
     "{" KEYS_OK "," DEFINITIONS_OK ",\"GlobalSecondaryIndexes\":[{\"IndexName\":\"by-customer\","
     "\"KeySchema\":[{\"AttributeName\":\"customer\",\"KeyType\":\"HASH\"}]}]}",
     1, "index by-customer key schema drift", 0, 0},
};

START_TEST(compare_with_description)
{
    struct catalog_table table = make_table(SCHEMAREG_BILLING_PAY_PER_REQUEST);
    json_t *description = json_loads(compare_cases[_i].description, 0, NULL);
    struct table_comparison comparison;

    ck_assert_ptr_nonnull(description);
    ck_assert_int_eq(table_compare(description, &table, &comparison), 0);
    ck_assert_msg(comparison.drift == compare_cases[_i].drift, "%s: drift %d",
                  compare_cases[_i].name, comparison.drift);
    if (compare_cases[_i].drift_text)
        ck_assert_msg(strstr(comparison.drift_message, compare_cases[_i].drift_text),
                      "%s: message \"%s\"", compare_cases[_i].name, comparison.drift_message);
    ck_assert_uint_eq(comparison.missing_gsis_count, compare_cases[_i].missing);
    ck_assert_uint_eq(comparison.undeclared_indexes_count, compare_cases[_i].undeclared);
    table_comparison_free(&comparison);
    json_decref(description);
}
END_TEST

/* --- Seed keys ------------------------------------------------------------ */

START_TEST(seed_key_ignores_attribute_order)
{
    struct catalog_table table = make_table(SCHEMAREG_BILLING_PAY_PER_REQUEST);
    json_t *first = json_loads("{\"pk\":{\"S\":\"a#1\"},\"sk\":{\"N\":\"7\"},\"x\":{\"S\":\"y\"}}",
                               0, NULL);
    json_t *second = json_loads("{\"x\":{\"S\":\"z\"},\"sk\":{\"N\":\"7\"},\"pk\":{\"S\":\"a#1\"}}",
                                0, NULL);
    json_t *key1 = NULL;
    json_t *key2 = NULL;
    char err[256];
    char digest1[SEED_KEY_DIGEST_SIZE];
    char digest2[SEED_KEY_DIGEST_SIZE];
    char text[128];

    ck_assert_int_eq(seed_key_extract(&table, first, &key1, err, sizeof(err)), 0);
    ck_assert_int_eq(seed_key_extract(&table, second, &key2, err, sizeof(err)), 0);
    ck_assert_int_eq(seed_key_digest(key1, digest1), 0);
    ck_assert_int_eq(seed_key_digest(key2, digest2), 0);
    ck_assert_str_eq(digest1, digest2);
    ck_assert_uint_eq(strlen(digest1), 64);

    seed_key_format(key1, text, sizeof(text));
    ck_assert_str_eq(text, "pk=a#1, sk=7");

    json_decref(first);
    json_decref(second);
    json_decref(key1);
    json_decref(key2);
}
END_TEST

START_TEST(seed_key_missing_attribute)
{
    struct catalog_table table = make_table(SCHEMAREG_BILLING_PAY_PER_REQUEST);
    json_t *item = json_loads("{\"pk\":{\"S\":\"a\"}}", 0, NULL);
    json_t *key = NULL;
    char err[256];

    ck_assert_int_eq(seed_key_extract(&table, item, &key, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "no key attribute sk"));
    ck_assert_ptr_null(key);
    json_decref(item);
}
END_TEST

/* --- Step ids and the report ------------------------------------------------ */

START_TEST(step_ids)
{
    char step[CHECKPOINT_STEP_SIZE];

    checkpoint_step_table(step, "billing", "invoices");
    ck_assert_str_eq(step, "table#billing#invoices");
    checkpoint_step_gsi(step, "billing", "invoices", "by-customer");
    ck_assert_str_eq(step, "gsi#billing#invoices#by-customer");
    checkpoint_step_ttl(step, "billing", "invoices");
    ck_assert_str_eq(step, "ttl#billing#invoices");
    checkpoint_step_seed(step, "billing", "plans", "ab12");
    ck_assert_str_eq(step, "seed#billing#plans#ab12");
}
END_TEST

START_TEST(report_counts_and_json)
{
    struct step_report report;
    FILE *live = tmpfile();
    char line[512];

    step_report_init(&report, live);
    step_report_add(&report, STEP_KIND_TABLE, STEP_CREATED, "acme", "billing", "acme-plans",
                    NULL, "table#billing#plans", NULL);
    step_report_add(&report, STEP_KIND_SEED, STEP_ALREADY_PRESENT, "acme", "billing",
                    "acme-plans", "plan_id=free", "seed#billing#plans#00", NULL);
    step_report_add(&report, STEP_KIND_TABLE, STEP_DRIFT, "acme", "billing", "acme-invoices",
                    NULL, NULL, "key schema drift");

    ck_assert_uint_eq(step_report_count(&report, STEP_CREATED), 1);
    ck_assert_uint_eq(step_report_count(&report, STEP_DRIFT), 1);

    json_t *summary = step_report_json(&report);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(summary, "counts"),
                                                        "already_present")), 1);
    ck_assert_uint_eq(json_array_size(json_object_get(summary, "steps")), 3);
    ck_assert_str_eq(json_string_value(json_object_get(
        json_array_get(json_object_get(summary, "steps"), 2), "outcome")), "drift");
    json_decref(summary);

    rewind(live);
    ck_assert_ptr_nonnull(fgets(line, sizeof(line), live));
    ck_assert_str_eq(line, "table acme-plans: created\n");
    ck_assert_ptr_nonnull(fgets(line, sizeof(line), live));
    ck_assert_str_eq(line, "seed  acme-plans plan_id=free: already present\n");
    fclose(live);
    step_report_free(&report);
}
END_TEST

/* --- Batch checkpoints ------------------------------------------------------- */

static const char *item_string(const json_t *request, const char *name)
{
    return json_string_value(json_object_get(
        json_object_get(json_object_get(request, "Item"), name), "S"));
}

START_TEST(batch_request_lists_seeds)
{
    struct checkpoint_store store;
    const struct checkpoint_seed seeds[] = {
        {"seed#billing#plans#aa", "plan_id=free"},
        {"seed#billing#plans#bb", "plan_id=pro"},
    };

    ck_assert_int_eq(checkpoint_store_init(&store, NULL, NULL, "acme"), 0);
    json_t *first = checkpoint_batch_request(&store, "billing", "plans", "acme-plans", seeds, 2);
    json_t *second = checkpoint_batch_request(&store, "billing", "plans", "acme-plans", seeds, 1);
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_nonnull(second);

    char expected[128];
    snprintf(expected, sizeof(expected), "seeds#billing#plans#%s#1", store.run_id);
    ck_assert_str_eq(item_string(first, "step"), expected);
    snprintf(expected, sizeof(expected), "seeds#billing#plans#%s#2", store.run_id);
    ck_assert_str_eq(item_string(second, "step"), expected);
    ck_assert_str_eq(item_string(first, "capsule"), "acme");
    ck_assert_str_eq(item_string(first, "status"), "done");
    ck_assert_str_eq(item_string(first, "table_name"), "acme-plans");
    ck_assert_str_eq(json_string_value(json_object_get(first, "ConditionExpression")),
                     "attribute_not_exists(#step)");

    json_t *listed = json_loads(item_string(first, "seeds"), 0, NULL);
    ck_assert_uint_eq(json_object_size(listed), 2);
    ck_assert_str_eq(json_string_value(json_object_get(listed, "seed#billing#plans#aa")),
                     "plan_id=free");
    ck_assert_str_eq(json_string_value(json_object_get(listed, "seed#billing#plans#bb")),
                     "plan_id=pro");
    json_decref(listed);
    json_decref(first);
    json_decref(second);
    checkpoint_store_free(&store);
}
END_TEST

/* --- String pool -------------------------------------------------------------- */

START_TEST(string_pool_interns_and_copies)
{
    struct string_pool pool;
    char large[70000];

    string_pool_init(&pool);
    const char *a = string_pool_intern(&pool, "acme-plans");
    const char *b = string_pool_intern(&pool, "acme-plans");
    const char *c = string_pool_copy(&pool, "acme-plans");
    ck_assert_ptr_eq(a, b);
    ck_assert_ptr_ne(a, c);
    ck_assert_str_eq(c, "acme-plans");
    ck_assert_ptr_null(string_pool_copy(&pool, NULL));

    /* Enough interned strings to grow the set several times. */
    for (int i = 0; i < 1000; i++) {
        char text[32];
        snprintf(text, sizeof(text), "table-%d", i);
        ck_assert_str_eq(string_pool_intern(&pool, text), text);
    }
    ck_assert_ptr_eq(string_pool_intern(&pool, "acme-plans"), a);

    /* A string larger than a block gets a block of its own. */
    memset(large, 'x', sizeof(large) - 1);
    large[sizeof(large) - 1] = '\0';
    const char *copy = string_pool_copy(&pool, large);
    ck_assert_ptr_nonnull(copy);
    ck_assert_uint_eq(strlen(copy), sizeof(large) - 1);
    ck_assert_str_eq(a, "acme-plans");
    string_pool_free(&pool);
}
END_TEST

/* --- Waiting line ---------------------------------------------------------------- */

START_TEST(wait_line_combines_tables)
{
    char line[512];

    ck_assert_uint_eq(wait_progress_line(line, sizeof(line)), 0);
    ck_assert_str_eq(line, "");

    wait_progress_update("acme-a", "table CREATING, 1s of 600s");
    ck_assert_uint_eq(wait_progress_line(line, sizeof(line)), 1);
    ck_assert_str_eq(line, "waiting for acme-a: table CREATING, 1s of 600s");

    wait_progress_update("acme-b", "table CREATING, 0s of 600s");
    wait_progress_update("acme-c", "table ACTIVE, index by-x CREATING, 0s of 600s");
    wait_progress_update("acme-a", "table ACTIVE, 2s of 600s");
    ck_assert_uint_eq(wait_progress_line(line, sizeof(line)), 3);
    ck_assert_str_eq(line, "waiting for 3 tables: acme-a (table ACTIVE, 2s of 600s), "
                           "acme-b (table CREATING, 0s of 600s), "
                           "acme-c (table ACTIVE, index by-x CREATING, 0s of 600s)");

    wait_progress_remove("acme-a");
    wait_progress_remove("acme-c");
    ck_assert_uint_eq(wait_progress_line(line, sizeof(line)), 1);
    ck_assert_str_eq(line, "waiting for acme-b: table CREATING, 0s of 600s");

    /* A short buffer truncates the line, still terminated. */
    wait_progress_update("acme-d", "table CREATING, 0s of 600s");
    ck_assert_uint_eq(wait_progress_line(line, 16), 2);
    ck_assert_str_eq(line, "waiting for 2 t");

    wait_progress_remove("acme-b");
    wait_progress_remove("acme-d");
    wait_progress_remove("never-waited");
    ck_assert_uint_eq(wait_progress_line(line, sizeof(line)), 0);
}
END_TEST

/* --- Compact seed set and DescribeTable shapes ------------------------------------- */

START_TEST(seed_set_adds_finds_and_forgets)
{
    struct checkpoint_seed_set set;
    char step[CHECKPOINT_STEP_SIZE];

    checkpoint_seed_set_init(&set);
    /* Enough seeds to grow the table several times. */
    for (int i = 0; i < 2000; i++) {
        snprintf(step, sizeof(step), "seed#svc#%s#%064d", i % 2 ? "odd" : "even", i);
        ck_assert_int_eq(checkpoint_seed_set_add(&set, step, i % 2 ? "acme-odd" : "acme-even"),
                         0);
    }
    ck_assert_int_eq(checkpoint_seed_set_add(&set, step, "acme-odd"), 0);
    ck_assert_uint_eq(set.count, 2000);
    ck_assert(checkpoint_seed_set_contains(&set, "seed#svc#even#" "0000000000000000000000000000"
                                                 "000000000000000000000000000000000000"));
    ck_assert(!checkpoint_seed_set_contains(&set, "seed#svc#odd#" "0000000000000000000000000000"
                                                  "000000000000000000000000000000000000"));
    ck_assert(!checkpoint_seed_set_contains(&set, "table#svc#even"));

    ck_assert_uint_eq(checkpoint_seed_set_forget_table(&set, "acme-odd"), 1000);
    ck_assert_uint_eq(set.count, 1000);
    snprintf(step, sizeof(step), "seed#svc#odd#%064d", 1);
    ck_assert(!checkpoint_seed_set_contains(&set, step));
    snprintf(step, sizeof(step), "seed#svc#even#%064d", 1998);
    ck_assert(checkpoint_seed_set_contains(&set, step));
    checkpoint_seed_set_free(&set);
}
END_TEST

static const struct {
    const char *reply;
    const char *problem; /* NULL: well formed */
} describe_cases[] = {
    {"{\"Table\": {\"TableStatus\": \"ACTIVE\", \"KeySchema\": [{\"AttributeName\": \"pk\", "
     "\"KeyType\": \"HASH\"}], \"AttributeDefinitions\": [{\"AttributeName\": \"pk\", "
     "\"AttributeType\": \"S\"}]}}", NULL},
    {"{}", "the reply has no Table object"},
    {"[1, 2, 3]", "the reply is not a JSON object"},
    {"{\"Table\": 5}", "the reply's Table is not an object"},
    {"{\"Table\": {\"KeySchema\": []}}", "Table.TableStatus is missing"},
    {"{\"Table\": {\"TableStatus\": \"ACTIVE\", \"KeySchema\": []}}", "Table.KeySchema is empty"},
    {"{\"Table\": {\"TableStatus\": \"ACTIVE\", \"KeySchema\": [{\"AttributeName\": \"pk\", "
     "\"KeyType\": \"HASH\"}], \"AttributeDefinitions\": [\"pk\"]}}",
     "Table.AttributeDefinitions[0] is not an object"},
    {"{\"Table\": {\"TableStatus\": \"ACTIVE\", \"KeySchema\": [{\"AttributeName\": \"pk\", "
     "\"KeyType\": \"HASH\"}], \"AttributeDefinitions\": [{\"AttributeName\": \"pk\", "
     "\"AttributeType\": \"S\"}], \"GlobalSecondaryIndexes\": [{\"IndexName\": \"by-x\", "
     "\"KeySchema\": [{\"AttributeName\": \"x\", \"KeyType\": \"HASH\"}]}]}}",
     "Table.GlobalSecondaryIndexes[0].IndexStatus is missing"},
};

START_TEST(describe_reply_shapes)
{
    json_t *reply = json_loads(describe_cases[_i].reply, 0, NULL);
    char err[1024] = "";

    ck_assert_ptr_nonnull(reply);
    int rc = table_describe_check(reply, "acme-users", err, sizeof(err));
    if (!describe_cases[_i].problem) {
        ck_assert_int_eq(rc, 0);
    } else {
        ck_assert_int_eq(rc, -1);
        ck_assert_msg(strstr(err, "malformed response from the endpoint: DescribeTable "
                                  "acme-users: ") && strstr(err, describe_cases[_i].problem),
                      "case %d: %s", _i, err);
    }
    json_decref(reply);
}
END_TEST

static Suite *provision_suite(void)
{
    Suite *suite = suite_create("provision");
    TCase *units = tcase_create("units");

    tcase_add_loop_test(units, capsule_code_rules, 0,
                        sizeof(capsule_cases) / sizeof(capsule_cases[0]));
    tcase_add_test(units, capsule_table_name_limit);
    tcase_add_test(units, create_request_on_demand);
    tcase_add_test(units, create_request_provisioned);
    tcase_add_test(units, add_gsi_request);
    tcase_add_loop_test(units, compare_with_description, 0,
                        sizeof(compare_cases) / sizeof(compare_cases[0]));
    tcase_add_test(units, seed_key_ignores_attribute_order);
    tcase_add_test(units, seed_key_missing_attribute);
    tcase_add_test(units, step_ids);
    tcase_add_test(units, report_counts_and_json);
    tcase_add_test(units, batch_request_lists_seeds);
    tcase_add_test(units, string_pool_interns_and_copies);
    tcase_add_test(units, wait_line_combines_tables);
    tcase_add_test(units, seed_set_adds_finds_and_forgets);
    tcase_add_loop_test(units, describe_reply_shapes, 0,
                        sizeof(describe_cases) / sizeof(describe_cases[0]));
    suite_add_tcase(suite, units);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(provision_suite());

    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
