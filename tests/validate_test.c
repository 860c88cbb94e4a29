/*
 * Validation rules one by one. Every case starts from a valid model of two
 * plugins, breaks one thing, and expects a problem under one rule with a
 * message that names the object and the fix.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <schemareg/provider.h>

#include "catalog.h"
#include "validate.h"

/* Storage for the whole model, so each case can change any part of it. */
struct model {
    struct catalog_attribute orders_attributes[6];
    struct catalog_key orders_keys[3];
    struct catalog_key gsi_keys[2];
    struct catalog_key gsi2_keys[1];
    char *gsi_non_key[2];
    struct catalog_gsi orders_gsis[2];
    struct catalog_attribute products_attributes[1];
    struct catalog_key products_keys[1];
    struct catalog_table shop_tables[2];
    struct catalog_seed shop_seeds[3];
    struct catalog_attribute accounts_attributes[1];
    struct catalog_key accounts_keys[1];
    struct catalog_table crm_tables[1];
    struct catalog_provider providers[2];
    struct catalog_plugin plugins[2];
};

static char long_text[420 * 1024];
static char long_item[sizeof(long_text) + 128];

static void model_init(struct model *m)
{
    memset(m, 0, sizeof(*m));

    m->orders_attributes[0] = (struct catalog_attribute){"pk", SCHEMAREG_ATTR_S};
    m->orders_attributes[1] = (struct catalog_attribute){"sk", SCHEMAREG_ATTR_S};
    m->orders_attributes[2] = (struct catalog_attribute){"customer_id", SCHEMAREG_ATTR_S};
    m->orders_attributes[3] = (struct catalog_attribute){"created_at", SCHEMAREG_ATTR_N};
    m->orders_keys[0] = (struct catalog_key){"pk", SCHEMAREG_KEY_HASH};
    m->orders_keys[1] = (struct catalog_key){"sk", SCHEMAREG_KEY_RANGE};
    m->gsi_keys[0] = (struct catalog_key){"customer_id", SCHEMAREG_KEY_HASH};
    m->gsi_keys[1] = (struct catalog_key){"created_at", SCHEMAREG_KEY_RANGE};
    m->gsi2_keys[0] = (struct catalog_key){"customer_id", SCHEMAREG_KEY_HASH};
    m->gsi_non_key[0] = "total";
    m->gsi_non_key[1] = "status";
    m->orders_gsis[0] = (struct catalog_gsi){
        .index_name = "by_customer",
        .key_schema = m->gsi_keys,
        .key_schema_count = 2,
        .projection_type = SCHEMAREG_PROJECTION_INCLUDE,
        .non_key_attributes = m->gsi_non_key,
        .non_key_attributes_count = 1,
    };
    m->orders_gsis[1] = (struct catalog_gsi){
        .index_name = "by_customer_keys",
        .key_schema = m->gsi2_keys,
        .key_schema_count = 1,
        .projection_type = SCHEMAREG_PROJECTION_KEYS_ONLY,
    };
    m->shop_tables[0] = (struct catalog_table){
        .name = "orders",
        .attributes = m->orders_attributes,
        .attributes_count = 4,
        .key_schema = m->orders_keys,
        .key_schema_count = 2,
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
        .gsis = m->orders_gsis,
        .gsis_count = 1,
        .ttl_attribute = "expires_at",
    };

    m->products_attributes[0] = (struct catalog_attribute){"pk", SCHEMAREG_ATTR_S};
    m->products_keys[0] = (struct catalog_key){"pk", SCHEMAREG_KEY_HASH};
    m->shop_tables[1] = (struct catalog_table){
        .name = "products",
        .attributes = m->products_attributes,
        .attributes_count = 1,
        .key_schema = m->products_keys,
        .key_schema_count = 1,
        .billing_mode = SCHEMAREG_BILLING_PROVISIONED,
        .read_capacity_units = 5,
        .write_capacity_units = 5,
    };

    m->shop_seeds[0] = (struct catalog_seed){
        .table = "products",
        .item_json = "{\"pk\":{\"S\":\"sku#1\"},\"price\":{\"N\":\"9.99\"}}",
        .condition_expression = "attribute_not_exists(#pk)",
        .expression_attribute_names_json = "{\"#pk\":\"pk\"}",
    };
    m->shop_seeds[1] = (struct catalog_seed){
        .table = "products",
        .item_json = "{\"pk\":{\"S\":\"sku#2\"},\"version\":{\"N\":\"1\"}}",
        .condition_expression = "attribute_not_exists(pk) AND "
                                "(version < :v OR attribute_not_exists(version))",
        .expression_attribute_values_json = "{\":v\":{\"N\":\"2\"}}",
    };
    m->shop_seeds[2] = (struct catalog_seed){
        .table = "orders",
        .item_json = "{\"pk\":{\"S\":\"order#1\"},\"sk\":{\"S\":\"line#1\"},"
                     "\"customer_id\":{\"S\":\"c1\"},"
                     "\"created_at\":{\"N\":\"1700000000\"}}",
        .condition_expression = "attribute_not_exists(pk)",
    };

    m->providers[0] = (struct catalog_provider){
        .service_id = "shop",
        .tables = m->shop_tables,
        .tables_count = 2,
        .seeds = m->shop_seeds,
        .seeds_count = 3,
        .plugin = &m->plugins[0],
    };
    m->plugins[0] = (struct catalog_plugin){
        .path = "/plugins/shop.so",
        .providers = &m->providers[0],
        .providers_count = 1,
    };

    m->accounts_attributes[0] = (struct catalog_attribute){"account_id", SCHEMAREG_ATTR_S};
    m->accounts_keys[0] = (struct catalog_key){"account_id", SCHEMAREG_KEY_HASH};
    m->crm_tables[0] = (struct catalog_table){
        .name = "accounts",
        .attributes = m->accounts_attributes,
        .attributes_count = 1,
        .key_schema = m->accounts_keys,
        .key_schema_count = 1,
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
    };
    m->providers[1] = (struct catalog_provider){
        .service_id = "crm",
        .tables = m->crm_tables,
        .tables_count = 1,
        .plugin = &m->plugins[1],
    };
    m->plugins[1] = (struct catalog_plugin){
        .path = "/plugins/crm.so",
        .providers = &m->providers[1],
        .providers_count = 1,
    };
}

static struct catalog_table *orders(struct model *m) { return &m->shop_tables[0]; }
static struct catalog_table *products(struct model *m) { return &m->shop_tables[1]; }
static struct catalog_gsi *by_customer(struct model *m) { return &m->orders_gsis[0]; }

/* Mutations, one per case. */
static void no_service_id(struct model *m) { m->providers[0].service_id = NULL; }
static void empty_service_id(struct model *m) { m->providers[0].service_id = ""; }
static void bad_service_id(struct model *m) { m->providers[0].service_id = "Shop!"; }
static void dash_service_id(struct model *m) { m->providers[0].service_id = "-shop"; }
static void long_service_id(struct model *m)
{
    m->providers[0].service_id =
        "a2345678901234567890123456789012345678901234567890123456789012345";
}
static void shared_service_id(struct model *m) { m->providers[1].service_id = "shop"; }
static void no_table_name(struct model *m) { orders(m)->name = NULL; }
static void bad_table_name(struct model *m) { orders(m)->name = "orders!"; }
static void long_table_name(struct model *m)
{
    static char name[SCHEMAREG_TABLE_NAME_MAX_LEN + 2];

    memset(name, 'x', SCHEMAREG_TABLE_NAME_MAX_LEN + 1);
    orders(m)->name = name;
}
static void max_table_name(struct model *m)
{
    static char name[SCHEMAREG_TABLE_NAME_MAX_LEN + 1];

    memset(name, 'x', SCHEMAREG_TABLE_NAME_MAX_LEN);
    orders(m)->name = name;
    m->shop_seeds[2].table = name;
}
static void short_table_name(struct model *m)
{
    orders(m)->name = "o";
    m->shop_seeds[2].table = "o";
}
static void same_table_twice(struct model *m) { products(m)->name = "orders"; }
static void table_in_two_plugins(struct model *m) { m->crm_tables[0].name = "orders"; }
static void unnamed_attribute(struct model *m)
{
    m->orders_attributes[4] = (struct catalog_attribute){NULL, SCHEMAREG_ATTR_S};
    orders(m)->attributes_count = 5;
}
static void long_attribute_name(struct model *m)
{
    static char name[257];

    memset(name, 'k', 256);
    m->products_attributes[0].name = name;
    m->products_keys[0].attribute_name = name;
}
static void bad_attribute_type(struct model *m) { m->orders_attributes[3].type = 7; }
static void attribute_twice(struct model *m)
{
    m->orders_attributes[4] = (struct catalog_attribute){"pk", SCHEMAREG_ATTR_S};
    orders(m)->attributes_count = 5;
}
static void no_key_schema(struct model *m) { products(m)->key_schema_count = 0; }
static void range_before_hash(struct model *m)
{
    m->orders_keys[0].key_type = SCHEMAREG_KEY_RANGE;
    m->orders_keys[1].key_type = SCHEMAREG_KEY_HASH;
}
static void two_hash_keys(struct model *m) { m->orders_keys[1].key_type = SCHEMAREG_KEY_HASH; }
static void bad_key_type(struct model *m) { m->orders_keys[1].key_type = 9; }
static void three_keys(struct model *m)
{
    m->orders_keys[2] = (struct catalog_key){"created_at", SCHEMAREG_KEY_RANGE};
    orders(m)->key_schema_count = 3;
}
static void hash_equals_range(struct model *m) { m->orders_keys[1].attribute_name = "pk"; }
static void undeclared_key(struct model *m) { m->orders_keys[1].attribute_name = "line_id"; }
static void unused_attribute(struct model *m)
{
    m->orders_attributes[4] = (struct catalog_attribute){"status", SCHEMAREG_ATTR_S};
    orders(m)->attributes_count = 5;
}
static void unnamed_gsi(struct model *m) { by_customer(m)->index_name = NULL; }
static void short_gsi_name(struct model *m) { by_customer(m)->index_name = "ix"; }
static void bad_gsi_name(struct model *m) { by_customer(m)->index_name = "by customer"; }
static void gsi_twice(struct model *m)
{
    orders(m)->gsis_count = 2;
    m->orders_gsis[1].index_name = "by_customer";
}
static void gsi_range_only(struct model *m)
{
    m->gsi_keys[0].key_type = SCHEMAREG_KEY_RANGE;
    m->gsi_keys[1].key_type = SCHEMAREG_KEY_HASH;
}
static void gsi_undeclared_key(struct model *m) { m->gsi_keys[1].attribute_name = "region"; }
static void bad_projection(struct model *m) { by_customer(m)->projection_type = 9; }
static void include_nothing(struct model *m) { by_customer(m)->non_key_attributes_count = 0; }
static void all_with_attributes(struct model *m)
{
    by_customer(m)->projection_type = SCHEMAREG_PROJECTION_ALL;
}
static void include_twice(struct model *m)
{
    m->gsi_non_key[1] = "total";
    by_customer(m)->non_key_attributes_count = 2;
}
static void bad_billing(struct model *m) { orders(m)->billing_mode = 0; }
static void provisioned_no_read(struct model *m) { products(m)->read_capacity_units = 0; }
static void on_demand_with_capacity(struct model *m) { orders(m)->write_capacity_units = 5; }
static void provisioned_gsi_without(struct model *m)
{
    orders(m)->billing_mode = SCHEMAREG_BILLING_PROVISIONED;
    orders(m)->read_capacity_units = 5;
    orders(m)->write_capacity_units = 5;
}
static void on_demand_gsi_with(struct model *m) { by_customer(m)->read_capacity_units = 1; }
static void empty_ttl(struct model *m) { orders(m)->ttl_attribute = ""; }
static void no_seed_table(struct model *m) { m->shop_seeds[0].table = NULL; }
static void unknown_seed_table(struct model *m) { m->shop_seeds[0].table = "invoices"; }
static void foreign_seed_table(struct model *m) { m->shop_seeds[0].table = "accounts"; }
static void no_item(struct model *m) { m->shop_seeds[0].item_json = NULL; }
static void item_not_json(struct model *m) { m->shop_seeds[0].item_json = "{\"pk\":"; }
static void item_array(struct model *m) { m->shop_seeds[0].item_json = "[1]"; }
static void item_duplicate_name(struct model *m)
{
    m->shop_seeds[0].item_json = "{\"pk\":{\"S\":\"a\"},\"pk\":{\"S\":\"b\"}}";
}
static void item_bad_number(struct model *m)
{
    m->shop_seeds[0].item_json = "{\"pk\":{\"S\":\"a\"},\"price\":{\"N\":\"9,99\"}}";
}
static void item_cut_character(struct model *m)
{
    /* Fifteen three-byte digits: the message quotes the first 40 bytes,
     * which ends inside a character. */
    m->shop_seeds[0].item_json = "{\"pk\":{\"S\":\"a\"},\"price\":{\"N\":"
                                 "\"\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18"
                                 "\uff19\uff10\uff11\uff12\uff13\uff14\uff15\"}}";
}
static void item_empty_set(struct model *m)
{
    m->shop_seeds[0].item_json = "{\"pk\":{\"S\":\"a\"},\"tags\":{\"SS\":[]}}";
}
static void item_two_types(struct model *m)
{
    m->shop_seeds[0].item_json = "{\"pk\":{\"S\":\"a\"},\"x\":{\"S\":\"1\",\"N\":\"1\"}}";
}
static void item_bad_base64(struct model *m)
{
    m->shop_seeds[0].item_json = "{\"pk\":{\"S\":\"a\"},\"blob\":{\"B\":\"a$==\"}}";
}
static void item_nested_problem(struct model *m)
{
    m->shop_seeds[0].item_json =
        "{\"pk\":{\"S\":\"a\"},\"address\":{\"M\":{\"zip\":{\"N\":\"x1\"}}}}";
}
static void item_duplicate_number(struct model *m)
{
    m->shop_seeds[0].item_json = "{\"pk\":{\"S\":\"a\"},\"ns\":{\"NS\":[\"1\",\"1.0\"]}}";
}
static void item_missing_key(struct model *m)
{
    m->shop_seeds[0].item_json = "{\"price\":{\"N\":\"1\"}}";
}
static void item_wrong_key_type(struct model *m)
{
    m->shop_seeds[0].item_json = "{\"pk\":{\"N\":\"1\"}}";
}
static void item_empty_key(struct model *m) { m->shop_seeds[0].item_json = "{\"pk\":{\"S\":\"\"}}"; }
static void item_missing_sort_key(struct model *m)
{
    m->shop_seeds[2].item_json = "{\"pk\":{\"S\":\"order#1\"}}";
}
static void item_long_key(struct model *m)
{
    static char item[2200];
    char key[2050];

    memset(key, 'k', 2049);
    key[2049] = '\0';
    snprintf(item, sizeof(item), "{\"pk\":{\"S\":\"%s\"}}", key);
    m->shop_seeds[0].item_json = item;
}
static void item_long_sort_key(struct model *m)
{
    static char item[1200];
    char key[1026];

    memset(key, 's', 1025);
    key[1025] = '\0';
    snprintf(item, sizeof(item), "{\"pk\":{\"S\":\"o\"},\"sk\":{\"S\":\"%s\"}}", key);
    m->shop_seeds[2].item_json = item;
}
static void item_gsi_key_type(struct model *m)
{
    m->shop_seeds[2].item_json = "{\"pk\":{\"S\":\"order#1\"},\"sk\":{\"S\":\"line#1\"},"
                                 "\"customer_id\":{\"N\":\"1\"}}";
}
static void item_empty_gsi_key(struct model *m)
{
    m->shop_seeds[2].item_json = "{\"pk\":{\"S\":\"order#1\"},\"sk\":{\"S\":\"line#1\"},"
                                 "\"customer_id\":{\"S\":\"\"}}";
}
static void item_too_large(struct model *m)
{
    memset(long_text, 'x', sizeof(long_text) - 1);
    snprintf(long_item, sizeof(long_item), "{\"pk\":{\"S\":\"a\"},\"doc\":{\"S\":\"%s\"}}",
             long_text);
    m->shop_seeds[0].item_json = long_item;
}
static void same_seed_key(struct model *m)
{
    m->shop_seeds[1].item_json = "{\"pk\":{\"S\":\"sku#1\"}}";
}
static void no_condition(struct model *m) { m->shop_seeds[2].condition_expression = NULL; }
static void empty_condition(struct model *m) { m->shop_seeds[2].condition_expression = ""; }
static void condition_on_other_attribute(struct model *m)
{
    m->shop_seeds[2].condition_expression = "attribute_not_exists(plan_id)";
}
static void condition_or_weakens(struct model *m)
{
    m->shop_seeds[2].condition_expression = "attribute_exists(pk) OR attribute_not_exists(pk)";
}
static void condition_name_maps_elsewhere(struct model *m)
{
    m->shop_seeds[0].expression_attribute_names_json = "{\"#pk\":\"price\"}";
}
static void condition_on_sort_key(struct model *m)
{
    m->shop_seeds[2].condition_expression = "attribute_not_exists(sk)";
}
static void undefined_name(struct model *m) { m->shop_seeds[0].expression_attribute_names_json = NULL; }
static void unused_name(struct model *m)
{
    m->shop_seeds[0].expression_attribute_names_json = "{\"#pk\":\"pk\",\"#pkx\":\"x\"}";
}
static void names_not_object(struct model *m)
{
    m->shop_seeds[2].expression_attribute_names_json = "[\"pk\"]";
}
static void names_empty(struct model *m) { m->shop_seeds[2].expression_attribute_names_json = "{}"; }
static void names_bad_key(struct model *m)
{
    m->shop_seeds[0].expression_attribute_names_json = "{\"#pk\":\"pk\",\"pk\":\"pk\"}";
}
static void names_bad_value(struct model *m)
{
    m->shop_seeds[0].expression_attribute_names_json = "{\"#pk\":1}";
}
static void undefined_value(struct model *m) { m->shop_seeds[1].expression_attribute_values_json = NULL; }
static void unused_value(struct model *m)
{
    m->shop_seeds[1].expression_attribute_values_json = "{\":v\":{\"N\":\"2\"},\":vv\":{\"N\":\"3\"}}";
}
static void bad_value(struct model *m)
{
    m->shop_seeds[1].expression_attribute_values_json = "{\":v\":{\"N\":\"two\"}}";
}
static void value_not_attribute_value(struct model *m)
{
    m->shop_seeds[1].expression_attribute_values_json = "{\":v\":2}";
}

/* Lists total distinct non-key attributes over the orders table's two
 * GSIs, split between them. */
static void project_in_total(struct model *m, size_t total)
{
    static char texts[128][24];
    static char *names[128];

    for (size_t i = 0; i < total; i++) {
        snprintf(texts[i], sizeof(texts[i]), "n%03zu", i);
        names[i] = texts[i];
    }
    struct catalog_gsi *first = by_customer(m);
    struct catalog_gsi *second = &m->orders_gsis[1];

    orders(m)->gsis_count = 2;
    first->non_key_attributes = names;
    first->non_key_attributes_count = total - total / 2;
    second->projection_type = SCHEMAREG_PROJECTION_INCLUDE;
    second->non_key_attributes = names + first->non_key_attributes_count;
    second->non_key_attributes_count = total / 2;
}
static void projects_100(struct model *m) { project_in_total(m, 100); }
static void projects_101(struct model *m) { project_in_total(m, 101); }

struct rule_case {
    const char *name;
    void (*mutate)(struct model *m);
    const char *rule;
    const char *message;
    int only_rule; /* nonzero when no other rule may fire */
};

static const struct rule_case rule_cases[] = {
    {"missing service id", no_service_id, "service-id", "providers[0] (no service id): the service id is missing", 1},
    {"empty service id", empty_service_id, "service-id", "service id is missing", 1},
    {"invalid service id", bad_service_id, "service-id", "service \"Shop!\": the service id is invalid", 1},
    {"service id with dash", dash_service_id, "service-id", "starting with a letter or digit", 1},
    {"long service id", long_service_id, "service-id", "65 characters long; use at most 64", 1},
    {"service id in two plugins", shared_service_id, "service-id-duplicate", "/plugins/crm.so: service \"shop\": service id \"shop\" is also declared by /plugins/shop.so", 1},
    {"missing table name", no_table_name, "table-name", "/plugins/shop.so: service \"shop\": tables[0] has no name", 0},
    {"invalid table name", bad_table_name, "table-name", "table \"orders!\" has an invalid name; use 1 to 222 characters", 0},
    {"table name too long", long_table_name, "table-name", "invalid name", 0},
    {"table twice in provider", same_table_twice, "table-name-duplicate", "tables[0] and tables[1] are both named \"orders\"", 0},
    {"table in two plugins", table_in_two_plugins, "table-name-duplicate", "/plugins/crm.so: service \"crm\": table \"orders\" is also declared by service \"shop\" in /plugins/shop.so", 1},
    {"unnamed attribute", unnamed_attribute, "attribute-name", "table \"orders\": attributes[4] has no name", 1},
    {"attribute name too long", long_attribute_name, "attribute-name", "is 256 bytes; key attribute names may have at most 255", 0},
    {"invalid attribute type", bad_attribute_type, "attribute-type", "attribute \"created_at\" has type code 7", 1},
    {"attribute defined twice", attribute_twice, "attribute-duplicate", "attribute \"pk\" is defined twice", 1},
    {"no key schema", no_key_schema, "key-schema", "table \"products\" has 0 key schema elements", 0},
    {"range key first", range_before_hash, "key-schema", "key \"pk\" is RANGE but element 0 must be HASH", 1},
    {"two hash keys", two_hash_keys, "key-schema", "key \"sk\" is HASH but element 1 must be RANGE", 1},
    {"invalid key type", bad_key_type, "key-schema", "key \"sk\" has key type code 9", 1},
    {"three key elements", three_keys, "key-schema", "has 3 key schema elements", 1},
    {"hash equals range", hash_equals_range, "key-schema", "attribute \"pk\" is both the HASH and the RANGE key", 0},
    {"undeclared key attribute", undeclared_key, "key-attribute", "table \"orders\": key attribute \"line_id\" is not declared", 0},
    {"unused attribute", unused_attribute, "unused-attribute", "table \"orders\": attribute \"status\" is defined but no table or GSI key uses it", 1},
    {"unnamed gsi", unnamed_gsi, "gsi-name", "table \"orders\", gsis[0] has no index name", 1},
    {"gsi name too short", short_gsi_name, "gsi-name", "GSI \"ix\" has an invalid index name; use 3 to 255", 1},
    {"gsi name with space", bad_gsi_name, "gsi-name", "GSI \"by customer\" has an invalid index name", 1},
    {"gsi name twice", gsi_twice, "gsi-name-duplicate", "gsis[0] and gsis[1] share the index name", 1},
    {"gsi range key first", gsi_range_only, "gsi-key-schema", "GSI \"by_customer\": key \"customer_id\" is RANGE but element 0 must be HASH", 1},
    {"gsi undeclared key", gsi_undeclared_key, "gsi-key-attribute", "GSI \"by_customer\": key attribute \"region\" is not declared", 0},
    {"invalid projection", bad_projection, "gsi-projection", "GSI \"by_customer\" has projection code 9", 1},
    {"include without attributes", include_nothing, "gsi-projection", "projects INCLUDE but lists no non-key attributes", 1},
    {"all with attributes", all_with_attributes, "gsi-projection", "lists 1 non-key attributes but its projection is ALL", 1},
    {"include attribute twice", include_twice, "gsi-projection", "lists non-key attribute \"total\" twice", 1},
    {"101 projected attributes", projects_101, "gsi-projected-attributes", "lists 101 non-key attributes over its GSIs, above DynamoDB's limit of 100", 1},
    {"invalid billing mode", bad_billing, "billing-mode", "table \"orders\" has billing mode code 0", 1},
    {"provisioned without read", provisioned_no_read, "capacity", "table \"products\" is PROVISIONED but its read or write capacity is 0", 1},
    {"on demand with capacity", on_demand_with_capacity, "capacity", "table \"orders\" is PAY_PER_REQUEST but sets capacity units", 1},
    {"provisioned gsi no capacity", provisioned_gsi_without, "capacity", "GSI \"by_customer\" (gsis[0]) has read or write capacity 0", 1},
    {"on demand gsi capacity", on_demand_gsi_with, "capacity", "GSI \"by_customer\" (gsis[0]) sets capacity units", 1},
    {"empty ttl attribute", empty_ttl, "ttl-attribute", "table \"orders\": the TTL attribute name is empty", 1},
    {"seed without table", no_seed_table, "seed-table", "seeds[0] names no table", 1},
    {"seed for unknown table", unknown_seed_table, "seed-table", "seeds[0] (table \"invoices\") targets table \"invoices\", which this provider does not declare", 1},
    {"seed for foreign table", foreign_seed_table, "seed-table", "targets table \"accounts\", which this provider does not declare", 1},
    {"seed without item", no_item, "seed-item", "seeds[0] (table \"products\") has no item", 1},
    {"item not json", item_not_json, "seed-item", "item_json is not a JSON object: invalid JSON", 1},
    {"item is array", item_array, "seed-item", "the JSON text must be an object", 1},
    {"item duplicate name", item_duplicate_name, "seed-item", "duplicate object key", 1},
    {"item invalid number", item_bad_number, "seed-item", "attribute price: \"9,99\" is not a number", 1},
    {"item number cut mid character", item_cut_character, "seed-item", "attribute price: \"\xef\xbc\x91", 1},
    {"item empty set", item_empty_set, "seed-item", "attribute tags: an SS set is empty", 1},
    {"item two types", item_two_types, "seed-item", "attribute x: an AttributeValue must have exactly one type key", 1},
    {"item invalid base64", item_bad_base64, "seed-item", "attribute blob: the B value is not base64", 1},
    {"item nested problem", item_nested_problem, "seed-item", "attribute address.zip: \"x1\" is not a number", 1},
    {"item duplicate set member", item_duplicate_number, "seed-item", "attribute ns[1]: duplicates member [0] of the NS set", 1},
    {"item without partition key", item_missing_key, "seed-key", "lacks partition key attribute \"pk\"", 1},
    {"item without sort key", item_missing_sort_key, "seed-key", "seeds[2] (table \"orders\") lacks sort key attribute \"sk\"", 1},
    {"item key wrong type", item_wrong_key_type, "seed-key", "partition key attribute \"pk\" is N but the table declares it as S", 1},
    {"item empty key", item_empty_key, "seed-key", "partition key attribute \"pk\" is empty", 1},
    {"item partition key too long", item_long_key, "seed-key", "is 2049 bytes; DynamoDB allows at most 2048", 1},
    {"item sort key too long", item_long_sort_key, "seed-key", "sort key attribute \"sk\" is 1025 bytes; DynamoDB allows at most 1024", 1},
    {"item gsi key wrong type", item_gsi_key_type, "seed-gsi-key", "GSI \"by_customer\" partition key attribute \"customer_id\" is N but the table declares it as S", 1},
    {"item gsi key empty", item_empty_gsi_key, "seed-gsi-key", "attribute \"customer_id\" is empty", 1},
    {"item too large", item_too_large, "seed-item-size", "the item is 430085 bytes by DynamoDB's size rules; the maximum is 409600", 1},
    {"seeds with same key", same_seed_key, "seed-duplicate", "seeds[0] and seeds[1] write the same primary key to table \"products\"", 1},
    {"seed without condition", no_condition, "seed-condition", "seeds[2] (table \"orders\") has no condition expression", 1},
    {"seed with empty condition", empty_condition, "seed-condition", "attribute_not_exists(pk)", 1},
    {"condition on other attribute", condition_on_other_attribute, "seed-condition", "seeds[2] (table \"orders\"): the condition \"attribute_not_exists(plan_id)\" does not require attribute_not_exists(pk) on the table's partition key \"pk\"", 1},
    {"condition weakened by or", condition_or_weakens, "seed-condition", "make \"attribute_not_exists(pk)\" (or attribute_not_exists(#name) with #name mapped to \"pk\") the condition", 1},
    {"condition name maps elsewhere", condition_name_maps_elsewhere, "seed-condition", "seeds[0] (table \"products\"): the condition \"attribute_not_exists(#pk)\" does not require", 1},
    {"condition on sort key", condition_on_sort_key, "seed-condition", "partition key \"pk\"", 1},
    {"undefined name placeholder", undefined_name, "seed-expression-names", "the condition uses #pk but expression_attribute_names_json does not define it", 1},
    {"unused name placeholder", unused_name, "seed-expression-names", "defines #pkx but the condition does not use it", 1},
    {"names not object", names_not_object, "seed-expression-names", "expression_attribute_names_json is not a JSON object", 1},
    {"names empty object", names_empty, "seed-expression-names", "is an empty object", 1},
    {"names invalid key", names_bad_key, "seed-expression-names", "key \"pk\" is invalid", 1},
    {"names value not string", names_bad_value, "seed-expression-names", "maps #pk to something other than a non-empty attribute name", 1},
    {"undefined value placeholder", undefined_value, "seed-expression-values", "the condition uses :v but expression_attribute_values_json does not define it", 1},
    {"unused value placeholder", unused_value, "seed-expression-values", "defines :vv but the condition does not use it", 1},
    {"invalid placeholder value", bad_value, "seed-expression-values", "entry :v: \"two\" is not a number", 1},
    {"placeholder value shape", value_not_attribute_value, "seed-expression-values", "entry :v: an AttributeValue must be a JSON object", 1},
};

/* Models at the edge of a rule that must pass. */
struct valid_case {
    const char *name;
    void (*mutate)(struct model *m);
};

static void nothing(struct model *m) { (void)m; }
static void max_gsi_name(struct model *m)
{
    static char name[256];

    memset(name, 'g', 255);
    by_customer(m)->index_name = name;
}
static void empty_non_key_values(struct model *m)
{
    m->shop_seeds[0].item_json = "{\"pk\":{\"S\":\"a\"},\"note\":{\"S\":\"\"},"
                                 "\"blob\":{\"B\":\"\"},\"tags\":{\"SS\":[\"\",\"x\"]}}";
}
static void extreme_numbers(struct model *m)
{
    m->shop_seeds[0].item_json =
        "{\"pk\":{\"S\":\"a\"},"
        "\"max\":{\"N\":\"9.9999999999999999999999999999999999999E+125\"},"
        "\"min\":{\"N\":\"1E-130\"},\"neg\":{\"N\":\"-0.000123\"},"
        "\"digits\":{\"N\":\"12345678901234567890123456789012345678\"}}";
}
static void no_ttl(struct model *m) { orders(m)->ttl_attribute = NULL; }
static void key_at_max_length(struct model *m)
{
    static char item[2200];
    char key[2049];

    memset(key, 'k', 2048);
    key[2048] = '\0';
    snprintf(item, sizeof(item), "{\"pk\":{\"S\":\"%s\"}}", key);
    m->shop_seeds[0].item_json = item;
}
static void item_without_gsi_keys(struct model *m)
{
    m->shop_seeds[2].item_json = "{\"pk\":{\"S\":\"order#2\"},\"sk\":{\"S\":\"l\"}}";
}
static void number_keys_equal_by_text_only(struct model *m)
{
    m->shop_seeds[1].item_json = "{\"pk\":{\"S\":\"sku#1 \"}}";
}
static void two_gsis_share_key(struct model *m) { orders(m)->gsis_count = 2; }

static const struct valid_case valid_cases[] = {
    {"baseline", nothing},
    {"table name at 222 characters", max_table_name},
    {"one character table name", short_table_name},
    {"gsi name at 255 characters", max_gsi_name},
    {"empty non-key values", empty_non_key_values},
    {"numbers at the limits", extreme_numbers},
    {"table without ttl", no_ttl},
    {"partition key at 2048 bytes", key_at_max_length},
    {"item without gsi keys", item_without_gsi_keys},
    {"keys differing by a space", number_keys_equal_by_text_only},
    {"100 projected attributes", projects_100},
    {"two gsis share a key", two_gsis_share_key},
};

/* Returns nonzero when text is valid UTF-8, as JSON output requires. */
static int validate_utf8(const char *text)
{
    json_t *string = json_string(text);
    int valid = string != NULL;

    json_decref(string);
    return valid;
}

static void print_report(const char *name, const struct validation_report *report)
{
    for (size_t i = 0; i < report->count; i++)
        fprintf(stderr, "%s: [%s] %s\n", name, report->items[i].rule,
                report->items[i].message);
}

START_TEST(rule_reports_problem)
{
    const struct rule_case *c = &rule_cases[_i];
    struct model m;
    struct validation_report report;
    int found = 0;

    model_init(&m);
    c->mutate(&m);
    validate_plugins(m.plugins, 2, &report);

    for (size_t i = 0; i < report.count; i++) {
        const struct validation_problem *problem = &report.items[i];

        if (strcmp(problem->rule, c->rule) == 0 &&
            strstr(problem->message, c->message) != NULL)
            found = 1;
        if (c->only_rule)
            ck_assert_msg(strcmp(problem->rule, c->rule) == 0,
                          "%s: unexpected [%s] %s", c->name, problem->rule,
                          problem->message);
        ck_assert_ptr_nonnull(problem->plugin_path);
        ck_assert_msg(validate_utf8(problem->message), "%s: message is not valid "
                      "UTF-8: %s", c->name, problem->message);
        ck_assert_msg(strstr(problem->message, problem->plugin_path) == problem->message,
                      "%s: message does not start with the plugin path: %s",
                      c->name, problem->message);
    }
    if (!found)
        print_report(c->name, &report);
    ck_assert_msg(found, "%s: no [%s] problem containing \"%s\"", c->name,
                  c->rule, c->message);

    validation_report_free(&report);
}
END_TEST

START_TEST(edge_case_is_valid)
{
    const struct valid_case *c = &valid_cases[_i];
    struct model m;
    struct validation_report report;

    model_init(&m);
    c->mutate(&m);
    validate_plugins(m.plugins, 2, &report);

    print_report(c->name, &report);
    ck_assert_msg(report.count == 0, "%s: %zu unexpected problems", c->name,
                  report.count);
    validation_report_free(&report);
}
END_TEST

START_TEST(all_problems_reported)
{
    static const char *const expected_rules[] = {
        "service-id", "table-name", "key-attribute", "unused-attribute",
        "gsi-projection", "capacity", "seed-table", "seed-condition",
        "seed-item", "service-id-duplicate",
    };
    struct model m;
    struct validation_report report;

    model_init(&m);
    bad_service_id(&m);
    bad_table_name(&m);
    undeclared_key(&m);
    unused_attribute(&m);
    bad_projection(&m);
    provisioned_no_read(&m);
    unknown_seed_table(&m);
    no_condition(&m);
    item_bad_number(&m);
    m.providers[1].service_id = "Shop!";
    validate_plugins(m.plugins, 2, &report);

    for (size_t r = 0; r < sizeof(expected_rules) / sizeof(expected_rules[0]); r++) {
        int found = 0;

        for (size_t i = 0; i < report.count; i++)
            found |= strcmp(report.items[i].rule, expected_rules[r]) == 0;
        ck_assert_msg(found, "rule %s not reported", expected_rules[r]);
    }
    ck_assert_str_eq(report.items[0].plugin_path, "/plugins/shop.so");
    ck_assert_str_eq(report.items[report.count - 1].plugin_path, "/plugins/crm.so");
    ck_assert_str_eq(report.items[report.count - 1].rule, "service-id-duplicate");
    validation_report_free(&report);
}
END_TEST

START_TEST(empty_input_is_clean)
{
    struct validation_report report = {(void *)1, 7};

    validate_plugins(NULL, 0, &report);
    ck_assert_uint_eq(report.count, 0);
    ck_assert_ptr_null(report.items);
    validation_report_free(&report);
}
END_TEST

START_TEST(report_free_resets)
{
    struct model m;
    struct validation_report report;

    model_init(&m);
    no_service_id(&m);
    validate_plugins(m.plugins, 2, &report);
    ck_assert_uint_eq(report.count, 1);
    ck_assert_ptr_null(report.items[0].service_id);
    validation_report_free(&report);
    ck_assert_uint_eq(report.count, 0);
    ck_assert_ptr_null(report.items);
}
END_TEST

static Suite *validate_suite(void)
{
    Suite *suite = suite_create("validate");
    TCase *rules = tcase_create("rules");
    TCase *reports = tcase_create("reports");

    tcase_add_loop_test(rules, rule_reports_problem, 0,
                        sizeof(rule_cases) / sizeof(rule_cases[0]));
    tcase_add_loop_test(rules, edge_case_is_valid, 0,
                        sizeof(valid_cases) / sizeof(valid_cases[0]));
    tcase_add_test(reports, all_problems_reported);
    tcase_add_test(reports, empty_input_is_clean);
    tcase_add_test(reports, report_free_resets);
    suite_add_tcase(suite, rules);
    suite_add_tcase(suite, reports);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(validate_suite());
    int failed;

    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
