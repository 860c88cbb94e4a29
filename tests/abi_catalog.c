/* Copies ABI structs into catalog structs; see abi_catalog.h. */
#include "abi_catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *copy_string(const char *text)
{
    char *copy;

    if (text == NULL)
        return NULL;
    copy = strdup(text);
    if (copy == NULL)
        abort();
    return copy;
}

static void *allocate(size_t count, size_t size)
{
    void *memory = calloc(count == 0 ? 1 : count, size);

    if (memory == NULL)
        abort();
    return memory;
}

/* Element i of an ABI array whose elements are stride bytes apart. */
static const void *element_at(const void *base, size_t stride, size_t i)
{
    return (const char *)base + stride * i;
}

static struct catalog_key *copy_keys(const struct schema_key_v1 *keys,
                                     uint32_t count, uint32_t stride)
{
    struct catalog_key *copy = allocate(count, sizeof(*copy));

    for (uint32_t i = 0; i < count; i++) {
        const struct schema_key_v1 *key = element_at(keys, stride, i);

        copy[i].attribute_name = copy_string(key->attribute_name);
        copy[i].key_type = key->key_type;
    }
    return copy;
}

static void copy_gsi(const struct schema_gsi_v1 *gsi, struct catalog_gsi *out)
{
    out->index_name = copy_string(gsi->index_name);
    out->key_schema = copy_keys(gsi->key_schema, gsi->key_schema_count,
                                gsi->key_schema_stride);
    out->key_schema_count = gsi->key_schema_count;
    out->projection_type = gsi->projection_type;
    out->non_key_attributes = allocate(gsi->non_key_attributes_count, sizeof(char *));
    for (uint32_t i = 0; i < gsi->non_key_attributes_count; i++)
        out->non_key_attributes[i] = copy_string(gsi->non_key_attributes[i]);
    out->non_key_attributes_count = gsi->non_key_attributes_count;
    out->read_capacity_units = gsi->read_capacity_units;
    out->write_capacity_units = gsi->write_capacity_units;
}

static void copy_table(const struct schema_table_v1 *table, struct catalog_table *out)
{
    out->name = copy_string(table->name);
    out->attributes = allocate(table->attributes_count, sizeof(*out->attributes));
    for (uint32_t i = 0; i < table->attributes_count; i++) {
        const struct schema_attribute_v1 *attribute =
            element_at(table->attributes, table->attributes_stride, i);

        out->attributes[i].name = copy_string(attribute->name);
        out->attributes[i].type = attribute->type;
    }
    out->attributes_count = table->attributes_count;
    out->key_schema = copy_keys(table->key_schema, table->key_schema_count,
                                table->key_schema_stride);
    out->key_schema_count = table->key_schema_count;
    out->billing_mode = table->billing_mode;
    out->read_capacity_units = table->read_capacity_units;
    out->write_capacity_units = table->write_capacity_units;
    out->gsis = allocate(table->gsis_count, sizeof(*out->gsis));
    for (uint32_t i = 0; i < table->gsis_count; i++)
        copy_gsi(element_at(table->gsis, table->gsis_stride, i), &out->gsis[i]);
    out->gsis_count = table->gsis_count;
    out->ttl_attribute = copy_string(table->ttl_attribute);
}

static void copy_provider(const struct schema_provider_v1 *provider,
                          const struct catalog_plugin *plugin,
                          struct catalog_provider *out)
{
    out->service_id = copy_string(provider->service_id);
    out->description = copy_string(provider->description);
    out->tables = allocate(provider->tables_count, sizeof(*out->tables));
    for (uint32_t i = 0; i < provider->tables_count; i++)
        copy_table(element_at(provider->tables, provider->tables_stride, i),
                   &out->tables[i]);
    out->tables_count = provider->tables_count;
    out->seeds = allocate(provider->seeds_count, sizeof(*out->seeds));
    for (uint32_t i = 0; i < provider->seeds_count; i++) {
        const struct schema_seed_v1 *seed =
            element_at(provider->seeds, provider->seeds_stride, i);

        out->seeds[i].table = copy_string(seed->table);
        out->seeds[i].item_json = copy_string(seed->item_json);
        out->seeds[i].condition_expression = copy_string(seed->condition_expression);
        out->seeds[i].expression_attribute_names_json =
            copy_string(seed->expression_attribute_names_json);
        out->seeds[i].expression_attribute_values_json =
            copy_string(seed->expression_attribute_values_json);
    }
    out->seeds_count = provider->seeds_count;
    out->plugin = plugin;
}

int abi_catalog_copy(const struct schema_plugin_v1 *descriptor, const char *path,
                     struct catalog_plugin *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    if (descriptor->struct_size < sizeof(struct schema_plugin_v1)) {
        snprintf(err, err_len, "%s: plugin struct is %u bytes, expected %zu",
                 path, descriptor->struct_size, sizeof(struct schema_plugin_v1));
        return -1;
    }
    for (uint32_t i = 0; i < descriptor->providers_count; i++) {
        if (descriptor->providers[i]->struct_size < sizeof(struct schema_provider_v1)) {
            snprintf(err, err_len, "%s: providers[%u] struct is %u bytes, "
                     "expected %zu", path, i, descriptor->providers[i]->struct_size,
                     sizeof(struct schema_provider_v1));
            return -1;
        }
    }

    out->path = copy_string(path);
    out->plugin_name = copy_string(descriptor->plugin_name);
    out->plugin_version = copy_string(descriptor->plugin_version);
    out->abi_major = descriptor->abi_major;
    out->abi_minor = descriptor->abi_minor;
    out->providers = allocate(descriptor->providers_count, sizeof(*out->providers));
    for (uint32_t i = 0; i < descriptor->providers_count; i++)
        copy_provider(descriptor->providers[i], out, &out->providers[i]);
    out->providers_count = descriptor->providers_count;
    return 0;
}

static void free_keys(struct catalog_key *keys, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(keys[i].attribute_name);
    free(keys);
}

static void free_table(struct catalog_table *table)
{
    free(table->name);
    for (size_t i = 0; i < table->attributes_count; i++)
        free(table->attributes[i].name);
    free(table->attributes);
    free_keys(table->key_schema, table->key_schema_count);
    for (size_t g = 0; g < table->gsis_count; g++) {
        struct catalog_gsi *gsi = &table->gsis[g];

        free(gsi->index_name);
        free_keys(gsi->key_schema, gsi->key_schema_count);
        for (size_t i = 0; i < gsi->non_key_attributes_count; i++)
            free(gsi->non_key_attributes[i]);
        free(gsi->non_key_attributes);
    }
    free(table->gsis);
    free(table->ttl_attribute);
}

void abi_catalog_free(struct catalog_plugin *plugin)
{
    for (size_t p = 0; p < plugin->providers_count; p++) {
        struct catalog_provider *provider = &plugin->providers[p];

        free(provider->service_id);
        free(provider->description);
        for (size_t t = 0; t < provider->tables_count; t++)
            free_table(&provider->tables[t]);
        free(provider->tables);
        for (size_t s = 0; s < provider->seeds_count; s++) {
            struct catalog_seed *seed = &provider->seeds[s];

            free(seed->table);
            free(seed->item_json);
            free(seed->condition_expression);
            free(seed->expression_attribute_names_json);
            free(seed->expression_attribute_values_json);
        }
        free(provider->seeds);
    }
    free(plugin->providers);
    free(plugin->path);
    free(plugin->plugin_name);
    free(plugin->plugin_version);
    memset(plugin, 0, sizeof(*plugin));
}
