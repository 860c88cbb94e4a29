/*
 * Test plugin that fails validation: its seed has no condition
 * expression, so provisioning must not start without --skip-invalid.
 */
#include <schemareg/provider.h>

static const struct schema_attribute_v1 note_attributes[] = {
    {.name = "id", .type = SCHEMAREG_ATTR_S},
};

static const struct schema_key_v1 note_keys[] = {
    {.attribute_name = "id", .key_type = SCHEMAREG_KEY_HASH},
};

static const struct schema_table_v1 note_tables[] = {
    {
        .name = "notes",
        SCHEMAREG_ARRAY(attributes, note_attributes),
        SCHEMAREG_ARRAY(key_schema, note_keys),
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
    },
};

static const struct schema_seed_v1 note_seeds[] = {
    {.table = "notes", .item_json = "{\"id\":{\"S\":\"welcome\"}}"},
};

static const struct schema_provider_v1 notes_provider = {
    .struct_size = sizeof(struct schema_provider_v1),
    .service_id = "notes",
    SCHEMAREG_ARRAY(tables, note_tables),
    SCHEMAREG_ARRAY(seeds, note_seeds),
};

static const struct schema_provider_v1 *const providers[] = {&notes_provider};

SCHEMAREG_PLUGIN("test-broken", "1.0.0", providers)
