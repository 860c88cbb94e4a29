/*
 * Example product: a CRM. Accounts, their contacts (listed per owner
 * through a GSI) and login sessions that DynamoDB expires through TTL.
 */
#include <schemareg/provider.h>

static const struct schema_attribute_v1 accounts_attributes[] = {
    {.name = "account_id", .type = SCHEMAREG_ATTR_S},
};

static const struct schema_key_v1 accounts_key[] = {
    {.attribute_name = "account_id", .key_type = SCHEMAREG_KEY_HASH},
};

/* Contacts live under their account, and owner_id is the sales rep. */
static const struct schema_attribute_v1 contacts_attributes[] = {
    {.name = "account_id", .type = SCHEMAREG_ATTR_S},
    {.name = "contact_id", .type = SCHEMAREG_ATTR_S},
    {.name = "owner_id", .type = SCHEMAREG_ATTR_S},
    {.name = "updated_at", .type = SCHEMAREG_ATTR_S},
};

static const struct schema_key_v1 contacts_key[] = {
    {.attribute_name = "account_id", .key_type = SCHEMAREG_KEY_HASH},
    {.attribute_name = "contact_id", .key_type = SCHEMAREG_KEY_RANGE},
};

static const struct schema_key_v1 contacts_by_owner_key[] = {
    {.attribute_name = "owner_id", .key_type = SCHEMAREG_KEY_HASH},
    {.attribute_name = "updated_at", .key_type = SCHEMAREG_KEY_RANGE},
};

static const char *const contacts_by_owner_projection[] = {
    "first_name", "last_name", "email", "phone",
};

static const struct schema_gsi_v1 contacts_gsis[] = {
    {
        .index_name = "contacts_by_owner",
        SCHEMAREG_ARRAY(key_schema, contacts_by_owner_key),
        .projection_type = SCHEMAREG_PROJECTION_INCLUDE,
        .non_key_attributes = contacts_by_owner_projection,
        .non_key_attributes_count = sizeof(contacts_by_owner_projection) /
                                    sizeof(contacts_by_owner_projection[0]),
    },
};

static const struct schema_attribute_v1 sessions_attributes[] = {
    {.name = "session_id", .type = SCHEMAREG_ATTR_S},
};

static const struct schema_key_v1 sessions_key[] = {
    {.attribute_name = "session_id", .key_type = SCHEMAREG_KEY_HASH},
};

static const struct schema_table_v1 crm_tables[] = {
    {
        .name = "accounts",
        SCHEMAREG_ARRAY(attributes, accounts_attributes),
        SCHEMAREG_ARRAY(key_schema, accounts_key),
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
    },
    {
        .name = "contacts",
        SCHEMAREG_ARRAY(attributes, contacts_attributes),
        SCHEMAREG_ARRAY(key_schema, contacts_key),
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
        SCHEMAREG_ARRAY(gsis, contacts_gsis),
    },
    {
        .name = "sessions",
        SCHEMAREG_ARRAY(attributes, sessions_attributes),
        SCHEMAREG_ARRAY(key_schema, sessions_key),
        .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
        .ttl_attribute = "expires_at",
    },
};

static const struct schema_provider_v1 crm_provider = {
    .struct_size = sizeof(struct schema_provider_v1),
    .service_id = "crm",
    .description = "Accounts, contacts by owner and login sessions",
    SCHEMAREG_ARRAY(tables, crm_tables),
};

static const struct schema_provider_v1 *const crm_providers[] = {&crm_provider};

SCHEMAREG_PLUGIN("crm", "1.4.0", crm_providers)
