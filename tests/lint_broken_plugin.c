/*
 * A plugin that loads but breaks several validation rules at once, for the
 * schemareg-lint test: an undeclared key attribute, an unused attribute
 * definition, an invalid table name, a seed for an unknown table and a
 * seed without a condition.
 */
#include <schemareg/provider.h>

static const struct schema_attribute_v1 orders_attributes[] = {
    {.name = "order_id", .type = SCHEMAREG_ATTR_S},
    {.name = "note", .type = SCHEMAREG_ATTR_S},
};

static const struct schema_key_v1 orders_key[] = {
    {.attribute_name = "order_id", .key_type = SCHEMAREG_KEY_HASH},
    {.attribute_name = "line_no", .key_type = SCHEMAREG_KEY_RANGE},
};

static const struct schema_attribute_v1 audit_attributes[] = {
    {.name = "event_id", .type = SCHEMAREG_ATTR_S},
};

static const struct schema_key_v1 audit_key[] = {
    {.attribute_name = "event_id", .key_type = SCHEMAREG_KEY_HASH},
};

static const struct schema_table_v1 broken_tables[] = {
    {
        .name = "orders",
        SCHEMAREG_ARRAY(attributes, orders_attributes),
        SCHEMAREG_ARRAY(key_schema, orders_key),
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
    },
    {
        .name = "audit log",
        SCHEMAREG_ARRAY(attributes, audit_attributes),
        SCHEMAREG_ARRAY(key_schema, audit_key),
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
    },
};

static const struct schema_seed_v1 broken_seeds[] = {
    {
        .table = "invoices",
        .item_json = "{\"invoice_id\":{\"S\":\"1\"}}",
        .condition_expression = "attribute_not_exists(invoice_id)",
    },
    {
        .table = "orders",
        .item_json = "{\"order_id\":{\"S\":\"1\"},\"line_no\":{\"S\":\"1\"}}",
    },
};

static const struct schema_provider_v1 broken_provider = {
    .struct_size = sizeof(struct schema_provider_v1),
    .service_id = "broken",
    SCHEMAREG_ARRAY(tables, broken_tables),
    SCHEMAREG_ARRAY(seeds, broken_seeds),
};

static const struct schema_provider_v1 *const broken_providers[] = {&broken_provider};

SCHEMAREG_PLUGIN("broken", "0.0.1", broken_providers)
