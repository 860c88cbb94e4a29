/*
 * Rules on one table: its name, attribute definitions, key schema, GSIs,
 * billing mode and TTL, checked the way CreateTable would check them.
 */
#include <stdio.h>
#include <string.h>

#include "validate_context.h"

/* Maximum key attribute name length DynamoDB accepts, in bytes. */
#define KEY_ATTRIBUTE_NAME_MAX_BYTES 255u
/* DynamoDB index names: 3 to 255 characters of [A-Za-z0-9_.-]. */
#define INDEX_NAME_MIN_LEN 3u
#define INDEX_NAME_MAX_LEN 255u

/* Names the table in messages even when its name is missing. */
static void describe_table(const struct catalog_table *table, size_t index,
                           char *buffer, size_t size)
{
    if (validate_is_blank(table->name))
        snprintf(buffer, size, "tables[%zu]", index);
    else
        snprintf(buffer, size, "table \"%.*s\"", 200, table->name);
}

static void check_table_name(struct validate_context *context,
                             const struct catalog_table *table, const char *what)
{
    if (validate_is_blank(table->name)) {
        validate_add(context, "table-name", "%s has no name; set .name to the "
                     "bare table name (the host adds the capsule prefix)", what);
        return;
    }
    if (!validate_is_ddb_name(table->name, 1, SCHEMAREG_TABLE_NAME_MAX_LEN))
        validate_add(context, "table-name", "%s has an invalid name; use 1 to "
                     "%u characters of A-Z a-z 0-9 _ . - so that "
                     "\"{capsule}-{name}\" stays a valid DynamoDB table name "
                     "for capsule codes of up to %u characters", what,
                     SCHEMAREG_TABLE_NAME_MAX_LEN, SCHEMAREG_CAPSULE_MAX_LEN);
}

static void check_attributes(struct validate_context *context,
                             const struct catalog_table *table, const char *what)
{
    for (size_t i = 0; i < table->attributes_count; i++) {
        const struct catalog_attribute *attribute = &table->attributes[i];

        if (validate_is_blank(attribute->name)) {
            validate_add(context, "attribute-name", "%s: attributes[%zu] has "
                         "no name; set the attribute name", what, i);
            continue;
        }
        if (strlen(attribute->name) > KEY_ATTRIBUTE_NAME_MAX_BYTES)
            validate_add(context, "attribute-name", "%s: attribute name "
                         "\"%.40s...\" is %zu bytes; key attribute names may "
                         "have at most %u", what, attribute->name,
                         strlen(attribute->name), KEY_ATTRIBUTE_NAME_MAX_BYTES);
        if (validate_type_name(attribute->type) == NULL)
            validate_add(context, "attribute-type", "%s: attribute \"%s\" has "
                         "type code %u; use SCHEMAREG_ATTR_S, SCHEMAREG_ATTR_N "
                         "or SCHEMAREG_ATTR_B", what, attribute->name,
                         attribute->type);
        for (size_t j = 0; j < i; j++) {
            const char *earlier = table->attributes[j].name;

            if (earlier != NULL && strcmp(earlier, attribute->name) == 0) {
                validate_add(context, "attribute-duplicate", "%s: attribute "
                             "\"%s\" is defined twice (attributes[%zu] and "
                             "[%zu]); keep one definition", what,
                             attribute->name, j, i);
                break;
            }
        }
    }
}

/* Checks shape and declarations of a table's or a GSI's key schema. */
static void check_key_schema(struct validate_context *context,
                             const struct catalog_table *table,
                             const struct catalog_key *keys, size_t count,
                             const char *rule, const char *attribute_rule,
                             const char *what)
{
    if (count == 0 || count > 2) {
        validate_add(context, rule, "%s has %zu key schema elements; declare "
                     "one HASH key and optionally one RANGE key", what, count);
        if (count == 0)
            return;
    }

    for (size_t i = 0; i < count; i++) {
        const struct catalog_key *key = &keys[i];
        uint32_t expected = i == 0 ? SCHEMAREG_KEY_HASH : SCHEMAREG_KEY_RANGE;

        if (validate_is_blank(key->attribute_name)) {
            validate_add(context, rule, "%s: key schema element %zu has no "
                         "attribute name; name a declared attribute",
                         what, i);
            continue;
        }
        if (key->key_type != SCHEMAREG_KEY_HASH &&
            key->key_type != SCHEMAREG_KEY_RANGE)
            validate_add(context, rule, "%s: key \"%s\" has key type code %u; "
                         "use SCHEMAREG_KEY_HASH or SCHEMAREG_KEY_RANGE", what,
                         key->attribute_name, key->key_type);
        else if (i < 2 && key->key_type != expected)
            validate_add(context, rule, "%s: key \"%s\" is %s but element %zu "
                         "must be %s; put the HASH key first and the RANGE "
                         "key second", what, key->attribute_name,
                         key->key_type == SCHEMAREG_KEY_HASH ? "HASH" : "RANGE",
                         i, i == 0 ? "HASH" : "RANGE");

        if (i == 1 && !validate_is_blank(keys[0].attribute_name) &&
            strcmp(keys[0].attribute_name, key->attribute_name) == 0)
            validate_add(context, rule, "%s: attribute \"%s\" is both the HASH "
                         "and the RANGE key; use two different attributes",
                         what, key->attribute_name);

        if (validate_find_attribute(table, key->attribute_name) == NULL)
            validate_add(context, attribute_rule, "%s: key attribute \"%s\" is "
                         "not declared; add it to the table's attributes with "
                         "its type (S, N or B)", what, key->attribute_name);
    }
}

static int key_uses(const struct catalog_key *keys, size_t count,
                    const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (keys[i].attribute_name != NULL &&
            strcmp(keys[i].attribute_name, name) == 0)
            return 1;
    }
    return 0;
}

static void check_unused_attributes(struct validate_context *context,
                                    const struct catalog_table *table,
                                    const char *what)
{
    for (size_t i = 0; i < table->attributes_count; i++) {
        const char *name = table->attributes[i].name;
        int used;

        if (validate_is_blank(name))
            continue;
        used = key_uses(table->key_schema, table->key_schema_count, name);
        for (size_t g = 0; !used && g < table->gsis_count; g++)
            used = key_uses(table->gsis[g].key_schema,
                            table->gsis[g].key_schema_count, name);
        if (!used)
            validate_add(context, "unused-attribute", "%s: attribute \"%s\" is "
                         "defined but no table or GSI key uses it, and "
                         "DynamoDB rejects such definitions; remove it (items "
                         "may still carry the attribute)", what, name);
    }
}

static void check_projection(struct validate_context *context,
                             const struct catalog_gsi *gsi, const char *what)
{
    switch (gsi->projection_type) {
    case SCHEMAREG_PROJECTION_ALL:
    case SCHEMAREG_PROJECTION_KEYS_ONLY:
        if (gsi->non_key_attributes_count > 0)
            validate_add(context, "gsi-projection", "%s lists %zu non-key "
                         "attributes but its projection is %s; remove them or "
                         "use SCHEMAREG_PROJECTION_INCLUDE", what,
                         gsi->non_key_attributes_count,
                         gsi->projection_type == SCHEMAREG_PROJECTION_ALL
                             ? "ALL" : "KEYS_ONLY");
        return;
    case SCHEMAREG_PROJECTION_INCLUDE:
        break;
    default:
        validate_add(context, "gsi-projection", "%s has projection code %u; use "
                     "SCHEMAREG_PROJECTION_ALL, _KEYS_ONLY or _INCLUDE", what,
                     gsi->projection_type);
        return;
    }

    if (gsi->non_key_attributes_count == 0)
        validate_add(context, "gsi-projection", "%s projects INCLUDE but lists "
                     "no non-key attributes; list them or use KEYS_ONLY", what);
    for (size_t i = 0; i < gsi->non_key_attributes_count; i++) {
        const char *name = gsi->non_key_attributes[i];

        if (validate_is_blank(name)) {
            validate_add(context, "gsi-projection", "%s: non-key attribute "
                         "[%zu] is empty; name an attribute", what, i);
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            const char *earlier = gsi->non_key_attributes[j];

            if (earlier != NULL && strcmp(earlier, name) == 0) {
                validate_add(context, "gsi-projection", "%s lists non-key "
                             "attribute \"%s\" twice; list it once", what, name);
                break;
            }
        }
    }
}

/* DynamoDB's limit on the non-key attributes that INCLUDE projections list,
 * summed over a table's secondary indexes. Unlike the number of GSIs per
 * table, it cannot be raised. */
#define PROJECTED_ATTRIBUTES_MAX 100u

static void check_projected_total(struct validate_context *context,
                                  const struct catalog_table *table, const char *what)
{
    size_t total = 0;

    for (size_t g = 0; g < table->gsis_count; g++) {
        if (table->gsis[g].projection_type == SCHEMAREG_PROJECTION_INCLUDE)
            total += table->gsis[g].non_key_attributes_count;
    }
    if (total > PROJECTED_ATTRIBUTES_MAX)
        validate_add(context, "gsi-projected-attributes", "%s lists %zu non-key "
                     "attributes over its GSIs, above DynamoDB's limit of %u per "
                     "table (an attribute listed in two indexes counts twice); "
                     "list fewer, or project ALL", what, total,
                     PROJECTED_ATTRIBUTES_MAX);
}

static void check_gsi(struct validate_context *context,
                      const struct catalog_table *table, size_t index,
                      const char *table_what)
{
    const struct catalog_gsi *gsi = &table->gsis[index];
    char what[512];

    if (validate_is_blank(gsi->index_name)) {
        snprintf(what, sizeof(what), "%s, gsis[%zu]", table_what, index);
        validate_add(context, "gsi-name", "%s has no index name; set "
                     ".index_name", what);
    } else {
        snprintf(what, sizeof(what), "%s, GSI \"%.*s\"", table_what, 200,
                 gsi->index_name);
        if (!validate_is_ddb_name(gsi->index_name, INDEX_NAME_MIN_LEN,
                                  INDEX_NAME_MAX_LEN))
            validate_add(context, "gsi-name", "%s has an invalid index name; "
                         "use %u to %u characters of A-Z a-z 0-9 _ . -", what,
                         INDEX_NAME_MIN_LEN, INDEX_NAME_MAX_LEN);
        for (size_t j = 0; j < index; j++) {
            const char *earlier = table->gsis[j].index_name;

            if (earlier != NULL && strcmp(earlier, gsi->index_name) == 0) {
                validate_add(context, "gsi-name-duplicate", "%s: gsis[%zu] and "
                             "gsis[%zu] share the index name; rename one",
                             what, j, index);
                break;
            }
        }
    }

    check_key_schema(context, table, gsi->key_schema, gsi->key_schema_count,
                     "gsi-key-schema", "gsi-key-attribute", what);
    check_projection(context, gsi, what);
}

static void check_capacity(struct validate_context *context,
                           const struct catalog_table *table, const char *what)
{
    int provisioned = table->billing_mode == SCHEMAREG_BILLING_PROVISIONED;

    if (provisioned && (table->read_capacity_units == 0 ||
                        table->write_capacity_units == 0))
        validate_add(context, "capacity", "%s is PROVISIONED but its read or "
                     "write capacity is 0; set both above 0", what);
    if (!provisioned && (table->read_capacity_units != 0 ||
                         table->write_capacity_units != 0))
        validate_add(context, "capacity", "%s is PAY_PER_REQUEST but sets "
                     "capacity units; remove them or use PROVISIONED", what);

    for (size_t g = 0; g < table->gsis_count; g++) {
        const struct catalog_gsi *gsi = &table->gsis[g];
        const char *name = validate_is_blank(gsi->index_name) ? "(unnamed)"
                                                               : gsi->index_name;

        if (provisioned && (gsi->read_capacity_units == 0 ||
                            gsi->write_capacity_units == 0))
            validate_add(context, "capacity", "%s is PROVISIONED but GSI "
                         "\"%s\" (gsis[%zu]) has read or write capacity 0; set "
                         "both above 0", what, name, g);
        if (!provisioned && (gsi->read_capacity_units != 0 ||
                             gsi->write_capacity_units != 0))
            validate_add(context, "capacity", "%s is PAY_PER_REQUEST but GSI "
                         "\"%s\" (gsis[%zu]) sets capacity units; remove them",
                         what, name, g);
    }
}

static void check_billing(struct validate_context *context,
                          const struct catalog_table *table, const char *what)
{
    if (table->billing_mode != SCHEMAREG_BILLING_PAY_PER_REQUEST &&
        table->billing_mode != SCHEMAREG_BILLING_PROVISIONED) {
        validate_add(context, "billing-mode", "%s has billing mode code %u; use "
                     "SCHEMAREG_BILLING_PAY_PER_REQUEST or "
                     "SCHEMAREG_BILLING_PROVISIONED", what, table->billing_mode);
        return;
    }
    check_capacity(context, table, what);
}

static void check_ttl(struct validate_context *context,
                      const struct catalog_table *table, const char *what)
{
    const char *name = table->ttl_attribute;

    if (name == NULL)
        return;
    if (name[0] == '\0')
        validate_add(context, "ttl-attribute", "%s: the TTL attribute name is "
                     "empty; name the epoch-seconds attribute, or set "
                     ".ttl_attribute to NULL for no TTL", what);
    else if (strlen(name) > KEY_ATTRIBUTE_NAME_MAX_BYTES)
        validate_add(context, "ttl-attribute", "%s: the TTL attribute name is "
                     "%zu bytes; use at most %u", what, strlen(name),
                     KEY_ATTRIBUTE_NAME_MAX_BYTES);
}

void validate_table(struct validate_context *context,
                    const struct catalog_table *table, size_t index)
{
    char what[256];

    describe_table(table, index, what, sizeof(what));

    check_table_name(context, table, what);
    check_attributes(context, table, what);
    check_key_schema(context, table, table->key_schema, table->key_schema_count,
                     "key-schema", "key-attribute", what);

    for (size_t g = 0; g < table->gsis_count; g++)
        check_gsi(context, table, g, what);
    check_projected_total(context, table, what);

    check_unused_attributes(context, table, what);
    check_billing(context, table, what);
    check_ttl(context, table, what);
}
