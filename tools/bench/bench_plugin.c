/*
 * Template plugin for tools/bench/list_bench.sh. The script copies the
 * built file and replaces the placeholder "bench-XXXXXXXX" (same length)
 * with a unique name, giving each copy its own service id, table names
 * and ELF note.
 */
#include <schemareg/provider.h>

#define NAME "bench-XXXXXXXX"

static const struct schema_attribute_v1 attributes[] = {
    {.name = "pk", .type = SCHEMAREG_ATTR_S},
    {.name = "sk", .type = SCHEMAREG_ATTR_S},
    {.name = "status", .type = SCHEMAREG_ATTR_S},
};

static const struct schema_key_v1 keys[] = {
    {.attribute_name = "pk", .key_type = SCHEMAREG_KEY_HASH},
    {.attribute_name = "sk", .key_type = SCHEMAREG_KEY_RANGE},
};

static const struct schema_key_v1 status_keys[] = {
    {.attribute_name = "status", .key_type = SCHEMAREG_KEY_HASH},
};

static const struct schema_gsi_v1 gsis[] = {{
    .index_name = "by_status",
    SCHEMAREG_ARRAY(key_schema, status_keys),
    .projection_type = SCHEMAREG_PROJECTION_KEYS_ONLY,
}};

static const struct schema_table_v1 tables[] = {{
    .name = NAME,
    SCHEMAREG_ARRAY(attributes, attributes),
    SCHEMAREG_ARRAY(key_schema, keys),
    .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
    SCHEMAREG_ARRAY(gsis, gsis),
    .ttl_attribute = "expires_at",
}};

static const struct schema_seed_v1 seeds[] = {{
    .table = NAME,
    .item_json = "{\"pk\":{\"S\":\"config\"},\"sk\":{\"S\":\"defaults\"}}",
    .condition_expression = "attribute_not_exists(pk)",
}};

static const struct schema_provider_v1 provider = {
    .struct_size = sizeof(struct schema_provider_v1),
    .service_id = NAME,
    .description = "Benchmark provider",
    SCHEMAREG_ARRAY(tables, tables),
    SCHEMAREG_ARRAY(seeds, seeds),
};

static const struct schema_provider_v1 *const providers[] = {&provider};

SCHEMAREG_PLUGIN(NAME, "1.0.0", providers)
