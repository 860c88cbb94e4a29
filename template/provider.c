/*
 * A schemareg provider plugin for one service. Copy this file, rename the
 * service, tables and seeds, and build it with the line in README.md.
 *
 * Everything below is static data: schemareg-host copies what it needs
 * and never writes to it or frees it. Table names are bare; the host
 * prefixes them with the capsule code ("acme-orders").
 */
#include <schemareg/provider.h>

/* Attribute definitions list only key attributes (table and GSI keys).
 * Other attributes need no declaration, and DynamoDB rejects unused ones. */
static const struct schema_attribute_v1 orders_attributes[] = {
    {.name = "customer_id", .type = SCHEMAREG_ATTR_S},
    {.name = "order_id", .type = SCHEMAREG_ATTR_S},
    {.name = "status", .type = SCHEMAREG_ATTR_S},
    {.name = "created_at", .type = SCHEMAREG_ATTR_N},
};

/* HASH first, then an optional RANGE. */
static const struct schema_key_v1 orders_key[] = {
    {.attribute_name = "customer_id", .key_type = SCHEMAREG_KEY_HASH},
    {.attribute_name = "order_id", .key_type = SCHEMAREG_KEY_RANGE},
};

static const struct schema_key_v1 orders_by_status_key[] = {
    {.attribute_name = "status", .key_type = SCHEMAREG_KEY_HASH},
    {.attribute_name = "created_at", .key_type = SCHEMAREG_KEY_RANGE},
};

static const char *const orders_by_status_projection[] = {"total_cents"};

static const struct schema_gsi_v1 orders_gsis[] = {
    {
        .index_name = "orders_by_status",
        SCHEMAREG_ARRAY(key_schema, orders_by_status_key),
        .projection_type = SCHEMAREG_PROJECTION_INCLUDE,
        .non_key_attributes = orders_by_status_projection,
        .non_key_attributes_count = 1,
    },
};

static const struct schema_attribute_v1 settings_attributes[] = {
    {.name = "setting_id", .type = SCHEMAREG_ATTR_S},
};

static const struct schema_key_v1 settings_key[] = {
    {.attribute_name = "setting_id", .key_type = SCHEMAREG_KEY_HASH},
};

static const struct schema_table_v1 myservice_tables[] = {
    {
        .name = "orders",
        SCHEMAREG_ARRAY(attributes, orders_attributes),
        SCHEMAREG_ARRAY(key_schema, orders_key),
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
        SCHEMAREG_ARRAY(gsis, orders_gsis),
        .ttl_attribute = "expires_at", /* epoch seconds, or NULL for no TTL */
    },
    {
        .name = "settings",
        SCHEMAREG_ARRAY(attributes, settings_attributes),
        SCHEMAREG_ARRAY(key_schema, settings_key),
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
    },
};

/* Records the service needs before its first request. The condition keeps
 * a record that already exists, so a re-run never overwrites user edits. */
static const struct schema_seed_v1 myservice_seeds[] = {
    {
        .table = "settings",
        .item_json = "{\"setting_id\":{\"S\":\"defaults\"},"
                     "\"currency\":{\"S\":\"EUR\"},\"page_size\":{\"N\":\"50\"}}",
        .condition_expression = "attribute_not_exists(setting_id)",
    },
};

static const struct schema_provider_v1 myservice_provider = {
    .struct_size = sizeof(struct schema_provider_v1),
    .service_id = "myservice",
    .description = "Orders by customer and status, and service settings",
    SCHEMAREG_ARRAY(tables, myservice_tables),
    SCHEMAREG_ARRAY(seeds, myservice_seeds),
};

static const struct schema_provider_v1 *const myservice_providers[] = {
    &myservice_provider,
};

/* Plugin name, plugin version, providers. Exports schemareg_providers(). */
SCHEMAREG_PLUGIN("myservice", "0.1.0", myservice_providers)
