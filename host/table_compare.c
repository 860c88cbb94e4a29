#include "table_compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table_request.h"

static const char *string_field(const json_t *object, const char *name)
{
    const char *value = json_string_value(json_object_get(object, name));

    return value ? value : "";
}

static void append(char *out, size_t out_len, const char *text)
{
    size_t used = strlen(out);

    if (used + 1 < out_len)
        snprintf(out + used, out_len - used, "%s", text);
}

void table_compare_format_declared(const struct catalog_table *table,
                                   const struct catalog_key *keys, size_t count,
                                   char *out, size_t out_len)
{
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        const char *type = table_request_attribute_type(
            table_request_find_attribute_type(table, keys[i].attribute_name));
        char part[300];

        snprintf(part, sizeof(part), "%s%s %s (%s)", i ? ", " : "",
                 table_request_key_type(keys[i].key_type), keys[i].attribute_name,
                 type ? type : "?");
        append(out, out_len, part);
    }
}

static const char *described_type(const json_t *description, const char *attribute)
{
    size_t i;
    json_t *definition;

    json_array_foreach(json_object_get(description, "AttributeDefinitions"), i, definition) {
        if (strcmp(string_field(definition, "AttributeName"), attribute) == 0)
            return string_field(definition, "AttributeType");
    }
    return "?";
}

static void format_described(const json_t *description, const json_t *key_schema,
                             char *out, size_t out_len)
{
    size_t i;
    json_t *key;

    out[0] = '\0';
    json_array_foreach(key_schema, i, key) {
        const char *name = string_field(key, "AttributeName");
        char part[300];

        snprintf(part, sizeof(part), "%s%s %s (%s)", i ? ", " : "",
                 string_field(key, "KeyType"), name, described_type(description, name));
        append(out, out_len, part);
    }
}

/* Returns nonzero when key_schema as described equals the declared keys,
 * roles, order and attribute types included. */
static int keys_match(const json_t *description, const json_t *key_schema,
                      const struct catalog_table *table,
                      const struct catalog_key *keys, size_t count)
{
    if (json_array_size(key_schema) != count)
        return 0;

    for (size_t i = 0; i < count; i++) {
        const json_t *key = json_array_get(key_schema, i);
        const char *name = keys[i].attribute_name;
        const char *declared_type = table_request_attribute_type(
            table_request_find_attribute_type(table, name));

        if (strcmp(string_field(key, "AttributeName"), name) != 0)
            return 0;
        if (strcmp(string_field(key, "KeyType"), table_request_key_type(keys[i].key_type)) != 0)
            return 0;
        if (!declared_type || strcmp(described_type(description, name), declared_type) != 0)
            return 0;
    }
    return 1;
}

const json_t *table_compare_find_index(const json_t *description, const char *index_name)
{
    size_t i;
    json_t *index;

    json_array_foreach(json_object_get(description, "GlobalSecondaryIndexes"), i, index) {
        if (strcmp(string_field(index, "IndexName"), index_name) == 0)
            return index;
    }
    return NULL;
}

static const struct catalog_gsi *find_declared_gsi(const struct catalog_table *table,
                                                   const char *index_name)
{
    for (size_t i = 0; i < table->gsis_count; i++) {
        if (strcmp(table->gsis[i].index_name, index_name) == 0)
            return &table->gsis[i];
    }
    return NULL;
}

static void compare_table_keys(const json_t *description, const struct catalog_table *table,
                               struct table_comparison *out)
{
    const json_t *key_schema = json_object_get(description, "KeySchema");
    char declared[480];
    char found[480];

    if (keys_match(description, key_schema, table, table->key_schema, table->key_schema_count))
        return;

    table_compare_format_declared(table, table->key_schema, table->key_schema_count,
                                  declared, sizeof(declared));
    format_described(description, key_schema, found, sizeof(found));
    out->drift = 1;
    snprintf(out->drift_message, sizeof(out->drift_message),
             "key schema drift: declared %s, found %s", declared, found);
}

static int compare_indexes(const json_t *description, const struct catalog_table *table,
                           struct table_comparison *out)
{
    out->missing_gsis = calloc(table->gsis_count + 1, sizeof(*out->missing_gsis));
    if (!out->missing_gsis)
        return -1;

    for (size_t i = 0; i < table->gsis_count; i++) {
        const struct catalog_gsi *gsi = &table->gsis[i];
        const json_t *index = table_compare_find_index(description, gsi->index_name);

        if (!index) {
            out->missing_gsis[out->missing_gsis_count++] = gsi;
            continue;
        }
        if (out->drift)
            continue;
        if (!keys_match(description, json_object_get(index, "KeySchema"), table,
                        gsi->key_schema, gsi->key_schema_count)) {
            char declared[480];
            char found[480];

            table_compare_format_declared(table, gsi->key_schema, gsi->key_schema_count,
                                          declared, sizeof(declared));
            format_described(description, json_object_get(index, "KeySchema"), found,
                             sizeof(found));
            out->drift = 1;
            snprintf(out->drift_message, sizeof(out->drift_message),
                     "index %s key schema drift: declared %s, found %s",
                     gsi->index_name, declared, found);
        }
    }

    size_t i;
    json_t *index;
    const json_t *indexes = json_object_get(description, "GlobalSecondaryIndexes");

    out->undeclared_indexes = calloc(json_array_size(indexes) + 1, sizeof(char *));
    if (!out->undeclared_indexes)
        return -1;
    json_array_foreach(indexes, i, index) {
        const char *name = string_field(index, "IndexName");

        if (find_declared_gsi(table, name))
            continue;
        out->undeclared_indexes[out->undeclared_indexes_count] = strdup(name);
        if (!out->undeclared_indexes[out->undeclared_indexes_count])
            return -1;
        out->undeclared_indexes_count++;
    }
    return 0;
}

int table_compare(const json_t *description, const struct catalog_table *table,
                  struct table_comparison *out)
{
    memset(out, 0, sizeof(*out));
    compare_table_keys(description, table, out);
    if (compare_indexes(description, table, out) != 0) {
        table_comparison_free(out);
        return -1;
    }
    return 0;
}

void table_comparison_free(struct table_comparison *comparison)
{
    for (size_t i = 0; i < comparison->undeclared_indexes_count; i++)
        free(comparison->undeclared_indexes[i]);
    free(comparison->undeclared_indexes);
    free(comparison->missing_gsis);
    memset(comparison, 0, sizeof(*comparison));
}
