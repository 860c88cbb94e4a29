/*
 * Test plugin "billing": a table with a range key, a GSI and TTL, and a
 * PROVISIONED table with conditional seeds. Built with TEST_EXTRA_GSI the
 * PROVISIONED table declares an index, so a later run must add it.
 */
#include <schemareg/provider.h>

static const struct schema_attribute_v1 invoice_attributes[] = {
    {.name = "pk", .type = SCHEMAREG_ATTR_S},
    {.name = "sk", .type = SCHEMAREG_ATTR_S},
    {.name = "customer", .type = SCHEMAREG_ATTR_S},
    {.name = "issued_at", .type = SCHEMAREG_ATTR_N},
};

static const struct schema_key_v1 invoice_keys[] = {
    {.attribute_name = "pk", .key_type = SCHEMAREG_KEY_HASH},
    {.attribute_name = "sk", .key_type = SCHEMAREG_KEY_RANGE},
};

static const struct schema_key_v1 by_customer_keys[] = {
    {.attribute_name = "customer", .key_type = SCHEMAREG_KEY_HASH},
    {.attribute_name = "issued_at", .key_type = SCHEMAREG_KEY_RANGE},
};

static const struct schema_gsi_v1 invoice_gsis[] = {
    {
        .index_name = "by-customer",
        SCHEMAREG_ARRAY(key_schema, by_customer_keys),
        .projection_type = SCHEMAREG_PROJECTION_ALL,
    },
};

static const struct schema_attribute_v1 plan_attributes[] = {
    {.name = "plan_id", .type = SCHEMAREG_ATTR_S},
#ifdef TEST_EXTRA_GSI
    {.name = "label", .type = SCHEMAREG_ATTR_S},
#endif
};

static const struct schema_key_v1 plan_keys[] = {
    {.attribute_name = "plan_id", .key_type = SCHEMAREG_KEY_HASH},
};

#ifdef TEST_EXTRA_GSI
static const struct schema_key_v1 by_label_keys[] = {
    {.attribute_name = "label", .key_type = SCHEMAREG_KEY_HASH},
};

static const struct schema_gsi_v1 plan_gsis[] = {
    {
        .index_name = "by-label",
        SCHEMAREG_ARRAY(key_schema, by_label_keys),
        .projection_type = SCHEMAREG_PROJECTION_KEYS_ONLY,
        .read_capacity_units = 1,
        .write_capacity_units = 1,
    },
};
#endif

static const struct schema_table_v1 billing_tables[] = {
    {
        .name = "invoices",
        SCHEMAREG_ARRAY(attributes, invoice_attributes),
        SCHEMAREG_ARRAY(key_schema, invoice_keys),
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
        SCHEMAREG_ARRAY(gsis, invoice_gsis),
        .ttl_attribute = "expires_at",
    },
    {
        .name = "plans",
        SCHEMAREG_ARRAY(attributes, plan_attributes),
        SCHEMAREG_ARRAY(key_schema, plan_keys),
        .billing_mode = SCHEMAREG_BILLING_PROVISIONED,
        .read_capacity_units = 5,
        .write_capacity_units = 2,
#ifdef TEST_EXTRA_GSI
        SCHEMAREG_ARRAY(gsis, plan_gsis),
#endif
    },
};

static const struct schema_seed_v1 billing_seeds[] = {
    {
        .table = "plans",
        .item_json = "{\"plan_id\":{\"S\":\"free\"},\"price_cents\":{\"N\":\"0\"},"
                     "\"label\":{\"S\":\"Free\"}}",
        .condition_expression = "attribute_not_exists(plan_id)",
    },
    {
        .table = "plans",
        .item_json = "{\"plan_id\":{\"S\":\"pro\"},\"price_cents\":{\"N\":\"2500\"},"
                     "\"label\":{\"S\":\"Pro\"}}",
        .condition_expression = "attribute_not_exists(#id)",
        .expression_attribute_names_json = "{\"#id\":\"plan_id\"}",
    },
};

static const struct schema_provider_v1 billing_provider = {
    .struct_size = sizeof(struct schema_provider_v1),
    .service_id = "billing",
    .description = "Invoices and price plans",
    SCHEMAREG_ARRAY(tables, billing_tables),
    SCHEMAREG_ARRAY(seeds, billing_seeds),
};

static const struct schema_provider_v1 *const providers[] = {&billing_provider};

SCHEMAREG_PLUGIN("test-billing", "1.0.0", providers)
