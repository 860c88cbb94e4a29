/*
 * Test plugin "accounts": a table with two GSIs (KEYS_ONLY and INCLUDE),
 * TTL and one seed. Built with TEST_EXTRA_GSI it declares a third index,
 * so a later run must add it to the existing table.
 */
#include <schemareg/provider.h>

static const struct schema_attribute_v1 user_attributes[] = {
    {.name = "user_id", .type = SCHEMAREG_ATTR_S},
    {.name = "email", .type = SCHEMAREG_ATTR_S},
    {.name = "org", .type = SCHEMAREG_ATTR_S},
    {.name = "name", .type = SCHEMAREG_ATTR_S},
#ifdef TEST_EXTRA_GSI
    {.name = "created_at", .type = SCHEMAREG_ATTR_N},
#endif
};

static const struct schema_key_v1 user_keys[] = {
    {.attribute_name = "user_id", .key_type = SCHEMAREG_KEY_HASH},
};

static const struct schema_key_v1 by_email_keys[] = {
    {.attribute_name = "email", .key_type = SCHEMAREG_KEY_HASH},
};

static const struct schema_key_v1 by_org_keys[] = {
    {.attribute_name = "org", .key_type = SCHEMAREG_KEY_HASH},
    {.attribute_name = "name", .key_type = SCHEMAREG_KEY_RANGE},
};

static const char *const by_org_projected[] = {"role"};

#ifdef TEST_EXTRA_GSI
static const struct schema_key_v1 by_created_keys[] = {
    {.attribute_name = "org", .key_type = SCHEMAREG_KEY_HASH},
    {.attribute_name = "created_at", .key_type = SCHEMAREG_KEY_RANGE},
};
#endif

static const struct schema_gsi_v1 user_gsis[] = {
    {
        .index_name = "by-email",
        SCHEMAREG_ARRAY(key_schema, by_email_keys),
        .projection_type = SCHEMAREG_PROJECTION_KEYS_ONLY,
    },
    {
        .index_name = "by-org",
        SCHEMAREG_ARRAY(key_schema, by_org_keys),
        .projection_type = SCHEMAREG_PROJECTION_INCLUDE,
        .non_key_attributes = by_org_projected,
        .non_key_attributes_count = 1,
    },
#ifdef TEST_EXTRA_GSI
    {
        .index_name = "by-created",
        SCHEMAREG_ARRAY(key_schema, by_created_keys),
        .projection_type = SCHEMAREG_PROJECTION_ALL,
    },
#endif
};

static const struct schema_table_v1 account_tables[] = {
    {
        .name = "users",
        SCHEMAREG_ARRAY(attributes, user_attributes),
        SCHEMAREG_ARRAY(key_schema, user_keys),
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
        SCHEMAREG_ARRAY(gsis, user_gsis),
        .ttl_attribute = "purge_at",
    },
};

static const struct schema_seed_v1 account_seeds[] = {
    {
        .table = "users",
        .item_json = "{\"user_id\":{\"S\":\"admin\"},\"email\":{\"S\":\"admin@example.com\"},"
                     "\"org\":{\"S\":\"root\"},\"name\":{\"S\":\"Administrator\"},"
                     "\"role\":{\"S\":\"owner\"}}",
        .condition_expression = "attribute_not_exists(user_id)",
    },
};

static const struct schema_provider_v1 accounts_provider = {
    .struct_size = sizeof(struct schema_provider_v1),
    .service_id = "accounts",
    SCHEMAREG_ARRAY(tables, account_tables),
    SCHEMAREG_ARRAY(seeds, account_seeds),
};

static const struct schema_provider_v1 *const providers[] = {&accounts_provider};

SCHEMAREG_PLUGIN("test-accounts", "1.0.0", providers)
