/*
 * Example product: identity. Users found by e-mail through a GSI, one-time
 * tokens (password reset, e-mail verification) that expire through TTL,
 * and the built-in roles the host seeds.
 */
#include <schemareg/provider.h>

static const struct schema_attribute_v1 users_attributes[] = {
    {.name = "user_id", .type = SCHEMAREG_ATTR_S},
    {.name = "email_normalized", .type = SCHEMAREG_ATTR_S},
};

static const struct schema_key_v1 users_key[] = {
    {.attribute_name = "user_id", .key_type = SCHEMAREG_KEY_HASH},
};

static const struct schema_key_v1 users_by_email_key[] = {
    {.attribute_name = "email_normalized", .key_type = SCHEMAREG_KEY_HASH},
};

static const struct schema_gsi_v1 users_gsis[] = {
    {
        .index_name = "users_by_email",
        SCHEMAREG_ARRAY(key_schema, users_by_email_key),
        .projection_type = SCHEMAREG_PROJECTION_KEYS_ONLY,
    },
};

/* A token is stored by the SHA-256 of its value, never the value itself. */
static const struct schema_attribute_v1 tokens_attributes[] = {
    {.name = "token_hash", .type = SCHEMAREG_ATTR_B},
    {.name = "user_id", .type = SCHEMAREG_ATTR_S},
    {.name = "issued_at", .type = SCHEMAREG_ATTR_N},
};

static const struct schema_key_v1 tokens_key[] = {
    {.attribute_name = "token_hash", .key_type = SCHEMAREG_KEY_HASH},
};

static const struct schema_key_v1 tokens_by_user_key[] = {
    {.attribute_name = "user_id", .key_type = SCHEMAREG_KEY_HASH},
    {.attribute_name = "issued_at", .key_type = SCHEMAREG_KEY_RANGE},
};

static const char *const tokens_by_user_projection[] = {"purpose", "expires_at"};

static const struct schema_gsi_v1 tokens_gsis[] = {
    {
        .index_name = "tokens_by_user",
        SCHEMAREG_ARRAY(key_schema, tokens_by_user_key),
        .projection_type = SCHEMAREG_PROJECTION_INCLUDE,
        .non_key_attributes = tokens_by_user_projection,
        .non_key_attributes_count = sizeof(tokens_by_user_projection) /
                                    sizeof(tokens_by_user_projection[0]),
    },
};

static const struct schema_attribute_v1 roles_attributes[] = {
    {.name = "role_id", .type = SCHEMAREG_ATTR_S},
};

static const struct schema_key_v1 roles_key[] = {
    {.attribute_name = "role_id", .key_type = SCHEMAREG_KEY_HASH},
};

static const struct schema_table_v1 identity_tables[] = {
    {
        .name = "users",
        SCHEMAREG_ARRAY(attributes, users_attributes),
        SCHEMAREG_ARRAY(key_schema, users_key),
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
        SCHEMAREG_ARRAY(gsis, users_gsis),
    },
    {
        .name = "tokens",
        SCHEMAREG_ARRAY(attributes, tokens_attributes),
        SCHEMAREG_ARRAY(key_schema, tokens_key),
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
        SCHEMAREG_ARRAY(gsis, tokens_gsis),
        .ttl_attribute = "expires_at",
    },
    {
        .name = "roles",
        SCHEMAREG_ARRAY(attributes, roles_attributes),
        SCHEMAREG_ARRAY(key_schema, roles_key),
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
    },
};

/* Built-in roles. "system" marks them so that the admin UI keeps them, and
 * the condition keeps permissions that an administrator edited. */
static const struct schema_seed_v1 identity_seeds[] = {
    {
        .table = "roles",
        .item_json = "{\"role_id\":{\"S\":\"admin\"},\"display_name\":{\"S\":\"Administrator\"},"
                     "\"permissions\":{\"SS\":[\"users:read\",\"users:write\","
                     "\"roles:read\",\"roles:write\",\"billing:manage\"]},"
                     "\"system\":{\"BOOL\":true}}",
        .condition_expression = "attribute_not_exists(role_id)",
    },
    {
        .table = "roles",
        .item_json = "{\"role_id\":{\"S\":\"member\"},\"display_name\":{\"S\":\"Member\"},"
                     "\"permissions\":{\"SS\":[\"users:read\",\"roles:read\"]},"
                     "\"system\":{\"BOOL\":true}}",
        .condition_expression = "attribute_not_exists(role_id)",
    },
    {
        .table = "roles",
        .item_json = "{\"role_id\":{\"S\":\"viewer\"},\"display_name\":{\"S\":\"Viewer\"},"
                     "\"permissions\":{\"SS\":[\"users:read\"]},"
                     "\"system\":{\"BOOL\":true}}",
        .condition_expression = "attribute_not_exists(role_id)",
    },
};

static const struct schema_provider_v1 identity_provider = {
    .struct_size = sizeof(struct schema_provider_v1),
    .service_id = "identity",
    .description = "Users, one-time tokens and built-in roles",
    SCHEMAREG_ARRAY(tables, identity_tables),
    SCHEMAREG_ARRAY(seeds, identity_seeds),
};

static const struct schema_provider_v1 *const identity_providers[] = {&identity_provider};

SCHEMAREG_PLUGIN("identity", "3.0.2", identity_providers)
