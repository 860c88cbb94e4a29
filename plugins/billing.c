/*
 * Example product: billing. Invoices on a composite key with a GSI by
 * customer and status, on provisioned capacity, and a plan catalogue that
 * the host seeds once per capsule.
 */
#include <schemareg/provider.h>

/* Invoices are keyed by the billing account and an invoice number that
 * sorts by issue date, e.g. "2024-05#000123". */
static const struct schema_attribute_v1 invoices_attributes[] = {
    {.name = "account_id", .type = SCHEMAREG_ATTR_S},
    {.name = "invoice_number", .type = SCHEMAREG_ATTR_S},
    {.name = "customer_id", .type = SCHEMAREG_ATTR_S},
    {.name = "status", .type = SCHEMAREG_ATTR_S},
};

static const struct schema_key_v1 invoices_key[] = {
    {.attribute_name = "account_id", .key_type = SCHEMAREG_KEY_HASH},
    {.attribute_name = "invoice_number", .key_type = SCHEMAREG_KEY_RANGE},
};

static const struct schema_key_v1 invoices_by_customer_status_key[] = {
    {.attribute_name = "customer_id", .key_type = SCHEMAREG_KEY_HASH},
    {.attribute_name = "status", .key_type = SCHEMAREG_KEY_RANGE},
};

static const struct schema_gsi_v1 invoices_gsis[] = {
    {
        .index_name = "invoices_by_customer_status",
        SCHEMAREG_ARRAY(key_schema, invoices_by_customer_status_key),
        .projection_type = SCHEMAREG_PROJECTION_ALL,
        .read_capacity_units = 5,
        .write_capacity_units = 5,
    },
};

static const struct schema_attribute_v1 plans_attributes[] = {
    {.name = "plan_id", .type = SCHEMAREG_ATTR_S},
};

static const struct schema_key_v1 plans_key[] = {
    {.attribute_name = "plan_id", .key_type = SCHEMAREG_KEY_HASH},
};

static const struct schema_table_v1 billing_tables[] = {
    {
        .name = "invoices",
        SCHEMAREG_ARRAY(attributes, invoices_attributes),
        SCHEMAREG_ARRAY(key_schema, invoices_key),
        .billing_mode = SCHEMAREG_BILLING_PROVISIONED,
        .read_capacity_units = 10,
        .write_capacity_units = 5,
        SCHEMAREG_ARRAY(gsis, invoices_gsis),
    },
    {
        .name = "plans",
        SCHEMAREG_ARRAY(attributes, plans_attributes),
        SCHEMAREG_ARRAY(key_schema, plans_key),
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
    },
};

/* Prices are in cents so that no float rounding ever reaches an invoice. */
static const struct schema_seed_v1 billing_seeds[] = {
    {
        .table = "plans",
        .item_json = "{\"plan_id\":{\"S\":\"free\"},\"display_name\":{\"S\":\"Free\"},"
                     "\"monthly_price_cents\":{\"N\":\"0\"},\"currency\":{\"S\":\"USD\"},"
                     "\"features\":{\"SS\":[\"invoices\"]},"
                     "\"limits\":{\"M\":{\"invoices_per_month\":{\"N\":\"20\"},"
                     "\"seats\":{\"N\":\"1\"}}},\"active\":{\"BOOL\":true}}",
        .condition_expression = "attribute_not_exists(plan_id)",
    },
    {
        .table = "plans",
        .item_json = "{\"plan_id\":{\"S\":\"starter\"},\"display_name\":{\"S\":\"Starter\"},"
                     "\"monthly_price_cents\":{\"N\":\"1900\"},\"currency\":{\"S\":\"USD\"},"
                     "\"features\":{\"SS\":[\"invoices\",\"reminders\"]},"
                     "\"limits\":{\"M\":{\"invoices_per_month\":{\"N\":\"500\"},"
                     "\"seats\":{\"N\":\"3\"}}},\"active\":{\"BOOL\":true}}",
        .condition_expression = "attribute_not_exists(plan_id)",
    },
    {
        .table = "plans",
        .item_json = "{\"plan_id\":{\"S\":\"pro\"},\"display_name\":{\"S\":\"Pro\"},"
                     "\"monthly_price_cents\":{\"N\":\"7900\"},\"currency\":{\"S\":\"USD\"},"
                     "\"features\":{\"SS\":[\"invoices\",\"reminders\",\"tax_reports\","
                     "\"multi_currency\"]},"
                     "\"limits\":{\"M\":{\"invoices_per_month\":{\"N\":\"10000\"},"
                     "\"seats\":{\"N\":\"15\"}}},\"active\":{\"BOOL\":true}}",
        .condition_expression = "attribute_not_exists(plan_id)",
    },
    {
        .table = "plans",
        .item_json = "{\"plan_id\":{\"S\":\"enterprise\"},"
                     "\"display_name\":{\"S\":\"Enterprise\"},"
                     "\"monthly_price_cents\":{\"NULL\":true},\"currency\":{\"S\":\"USD\"},"
                     "\"features\":{\"SS\":[\"invoices\",\"reminders\",\"tax_reports\","
                     "\"multi_currency\",\"sso\",\"audit_log\"]},"
                     "\"limits\":{\"M\":{\"seats\":{\"N\":\"500\"}}},"
                     "\"active\":{\"BOOL\":true}}",
        .condition_expression = "attribute_not_exists(#id)",
        .expression_attribute_names_json = "{\"#id\":\"plan_id\"}",
    },
};

static const struct schema_provider_v1 billing_provider = {
    .struct_size = sizeof(struct schema_provider_v1),
    .service_id = "billing",
    .description = "Invoices and the plan catalogue",
    SCHEMAREG_ARRAY(tables, billing_tables),
    SCHEMAREG_ARRAY(seeds, billing_seeds),
};

static const struct schema_provider_v1 *const billing_providers[] = {&billing_provider};

SCHEMAREG_PLUGIN("billing", "2.1.0", billing_providers)
