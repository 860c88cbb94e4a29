#include "table_request.h"

#include <string.h>

#include <schemareg/provider.h>

const char *table_request_attribute_type(uint32_t type)
{
    switch (type) {
    case SCHEMAREG_ATTR_S:
        return "S";
    case SCHEMAREG_ATTR_N:
        return "N";
    case SCHEMAREG_ATTR_B:
        return "B";
    default:
        return NULL;
    }
}

const char *table_request_key_type(uint32_t key_type)
{
    switch (key_type) {
    case SCHEMAREG_KEY_HASH:
        return "HASH";
    case SCHEMAREG_KEY_RANGE:
        return "RANGE";
    default:
        return NULL;
    }
}

uint32_t table_request_find_attribute_type(const struct catalog_table *table, const char *name)
{
    for (size_t i = 0; i < table->attributes_count; i++) {
        if (strcmp(table->attributes[i].name, name) == 0)
            return table->attributes[i].type;
    }
    return 0;
}

static json_t *key_schema_json(const struct catalog_key *keys, size_t count)
{
    json_t *array = json_array();

    for (size_t i = 0; i < count; i++) {
        json_array_append_new(array,
            json_pack("{s:s, s:s}", "AttributeName", keys[i].attribute_name,
                      "KeyType", table_request_key_type(keys[i].key_type)));
    }
    return array;
}

static json_t *throughput_json(uint64_t read_units, uint64_t write_units)
{
    return json_pack("{s:I, s:I}", "ReadCapacityUnits", (json_int_t)read_units,
                     "WriteCapacityUnits", (json_int_t)write_units);
}

/* Appends a definition for each key attribute not yet in definitions.
 * DynamoDB rejects definitions that no key uses, so only key attributes
 * are ever sent. */
static void add_key_definitions(json_t *definitions, const struct catalog_table *table,
                                const struct catalog_key *keys, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const char *name = keys[i].attribute_name;
        size_t index;
        json_t *existing;
        int found = 0;

        json_array_foreach(definitions, index, existing) {
            if (strcmp(json_string_value(json_object_get(existing, "AttributeName")), name) == 0)
                found = 1;
        }
        if (found)
            continue;

        const char *type = table_request_attribute_type(table_request_find_attribute_type(table, name));
        json_array_append_new(definitions,
            json_pack("{s:s, s:s}", "AttributeName", name, "AttributeType", type ? type : "S"));
    }
}

static json_t *gsi_json(const struct catalog_table *table, const struct catalog_gsi *gsi)
{
    const char *projection = gsi->projection_type == SCHEMAREG_PROJECTION_KEYS_ONLY ? "KEYS_ONLY"
                           : gsi->projection_type == SCHEMAREG_PROJECTION_INCLUDE   ? "INCLUDE"
                                                                                    : "ALL";
    json_t *projection_json = json_pack("{s:s}", "ProjectionType", projection);

    if (gsi->projection_type == SCHEMAREG_PROJECTION_INCLUDE) {
        json_t *names = json_array();

        for (size_t i = 0; i < gsi->non_key_attributes_count; i++)
            json_array_append_new(names, json_string(gsi->non_key_attributes[i]));
        json_object_set_new(projection_json, "NonKeyAttributes", names);
    }

    json_t *index = json_pack("{s:s, s:o, s:o}", "IndexName", gsi->index_name,
                              "KeySchema", key_schema_json(gsi->key_schema, gsi->key_schema_count),
                              "Projection", projection_json);
    if (table->billing_mode == SCHEMAREG_BILLING_PROVISIONED) {
        json_object_set_new(index, "ProvisionedThroughput",
                            throughput_json(gsi->read_capacity_units, gsi->write_capacity_units));
    }
    return index;
}

json_t *table_request_create(const char *physical_name, const struct catalog_table *table)
{
    json_t *definitions = json_array();

    add_key_definitions(definitions, table, table->key_schema, table->key_schema_count);
    for (size_t i = 0; i < table->gsis_count; i++)
        add_key_definitions(definitions, table, table->gsis[i].key_schema,
                            table->gsis[i].key_schema_count);

    json_t *request = json_pack("{s:s, s:o, s:o}", "TableName", physical_name,
                                "KeySchema", key_schema_json(table->key_schema, table->key_schema_count),
                                "AttributeDefinitions", definitions);
    if (!request)
        return NULL;

    if (table->billing_mode == SCHEMAREG_BILLING_PROVISIONED) {
        json_object_set_new(request, "BillingMode", json_string("PROVISIONED"));
        json_object_set_new(request, "ProvisionedThroughput",
                            throughput_json(table->read_capacity_units, table->write_capacity_units));
    } else {
        json_object_set_new(request, "BillingMode", json_string("PAY_PER_REQUEST"));
    }

    if (table->gsis_count > 0) {
        json_t *indexes = json_array();

        for (size_t i = 0; i < table->gsis_count; i++)
            json_array_append_new(indexes, gsi_json(table, &table->gsis[i]));
        json_object_set_new(request, "GlobalSecondaryIndexes", indexes);
    }
    return request;
}

json_t *table_request_add_gsi(const char *physical_name, const struct catalog_table *table,
                              const struct catalog_gsi *gsi)
{
    json_t *definitions = json_array();

    add_key_definitions(definitions, table, table->key_schema, table->key_schema_count);
    add_key_definitions(definitions, table, gsi->key_schema, gsi->key_schema_count);

    return json_pack("{s:s, s:o, s:[{s:o}]}", "TableName", physical_name,
                     "AttributeDefinitions", definitions,
                     "GlobalSecondaryIndexUpdates", "Create", gsi_json(table, gsi));
}
