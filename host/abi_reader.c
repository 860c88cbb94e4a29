#include "abi_reader.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Maximum length of the location prefix of a message. Names in it are cut
 * to 64 bytes. */
#define WHERE_SIZE 512

struct reader {
    char *err;
    size_t err_size;
};

static int fail(struct reader *r, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct reader *r, const char *where, const char *fmt, ...)
{
    int prefix = snprintf(r->err, r->err_size, "%s%s", where, *where ? ": " : "");
    if (prefix < 0 || (size_t)prefix >= r->err_size)
        return -1;

    va_list args;
    va_start(args, fmt);
    vsnprintf(r->err + prefix, r->err_size - (size_t)prefix, fmt, args);
    va_end(args);
    return -1;
}

/* Appends "key[index] (name)" to parent, e.g. "providers[0] (billing)". */
static void join_where(char *out, const char *parent, const char *key, size_t index,
                       const char *name)
{
    int written = snprintf(out, WHERE_SIZE, "%s%s%s[%zu]%s%.64s%s", parent, *parent ? ": " : "",
                           key, index, name ? " (" : "", name ? name : "", name ? ")" : "");
    if (written < 0)
        out[0] = '\0';
}

/*
 * Copies the field at offset into out when the field lies entirely inside
 * the size bytes the plugin declared for its struct; zeroes it otherwise.
 */
static void read_field(void *out, size_t field_size, const void *base, size_t size,
                       size_t offset)
{
    if (offset <= size && field_size <= size - offset)
        memcpy(out, (const unsigned char *)base + offset, field_size);
    else
        memset(out, 0, field_size);
}

#define READ_FIELD(out, base, size, type, field)                                          \
    do {                                                                                  \
        _Static_assert(sizeof(out) == sizeof(((const struct type *)0)->field),            \
                       "size of " #field);                                                \
        read_field(&(out), sizeof(out), (base), (size), offsetof(struct type, field));    \
    } while (0)

/* Nonzero when text[0..length) is well-formed UTF-8 (no overlongs, surrogates or
 * code points above U+10FFFF). */
static int utf8_valid(const unsigned char *text, size_t length)
{
    size_t i = 0;
    while (i < length) {
        unsigned char c = text[i];
        size_t extra;
        uint32_t point;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            point = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            point = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            point = c & 0x07u;
        } else {
            return 0;
        }

        if (extra > length - i - 1)
            return 0;
        for (size_t k = 1; k <= extra; k++) {
            if ((text[i + k] & 0xC0u) != 0x80u)
                return 0;
            point = (point << 6) | (text[i + k] & 0x3Fu);
        }
        if ((extra == 2 && point < 0x800) || (extra == 3 && point < 0x10000) ||
            (point >= 0xD800 && point <= 0xDFFF) || point > 0x10FFFF)
            return 0;
        i += extra + 1;
    }
    return 1;
}

/* Copies a plugin string of at most max_len bytes; NULL stays NULL. */
static int copy_string(struct reader *r, const char *where, const char *what,
                       const char *value, size_t max_len, char **out)
{
    *out = NULL;
    if (value == NULL)
        return 0;

    size_t length = strnlen(value, max_len + 1);
    if (length > max_len)
        return fail(r, where, "%s is longer than %zu bytes", what, max_len);
    if (!utf8_valid((const unsigned char *)value, length))
        return fail(r, where, "%s is not valid UTF-8", what);

    *out = strndup(value, length);
    if (*out == NULL)
        return fail(r, where, "out of memory");
    return 0;
}

static int check_units(struct reader *r, const char *where, const char *what, uint64_t units)
{
    if (units > (uint64_t)INT64_MAX)
        return fail(r, where, "%s %llu is above the maximum %lld", what,
                    (unsigned long long)units, (long long)INT64_MAX);
    return 0;
}

/* Checks the (pointer, count, stride) triple of an array field. */
static int check_array(struct reader *r, const char *where, const char *name, const void *array,
                       uint32_t count, uint32_t stride, size_t min_stride, size_t max_count)
{
    if (count == 0)
        return 0;
    if (count > max_count)
        return fail(r, where, "%s_count %u is above the limit of %zu", name, count, max_count);
    if (array == NULL)
        return fail(r, where, "%s is NULL but %s_count is %u", name, name, count);
    if (stride < min_stride)
        return fail(r, where, "%s_stride %u is below the ABI 1.0 size %zu", name, stride,
                    min_stride);
    if (stride > ABI_READER_MAX_STRUCT_SIZE)
        return fail(r, where, "%s_stride %u is above the limit of %u", name, stride,
                    ABI_READER_MAX_STRUCT_SIZE);
    return 0;
}

/* The element at index of an array with the given stride. */
static const void *element(const void *array, uint32_t stride, size_t index)
{
    return (const unsigned char *)array + (size_t)stride * index;
}

static int copy_keys(struct reader *r, const char *where, const struct schema_key_v1 *keys,
                     uint32_t count, uint32_t stride, struct catalog_key **out,
                     size_t *out_count)
{
    if (check_array(r, where, "key_schema", keys, count, stride, ABI_READER_KEY_MIN_SIZE,
                    CATALOG_MAX_KEYS) != 0)
        return -1;
    if (count == 0)
        return 0;

    *out = calloc(count, sizeof(**out));
    if (*out == NULL)
        return fail(r, where, "out of memory");
    *out_count = count;

    for (size_t i = 0; i < count; i++) {
        const void *key = element(keys, stride, i);
        const char *name;
        READ_FIELD(name, key, stride, schema_key_v1, attribute_name);
        READ_FIELD((*out)[i].key_type, key, stride, schema_key_v1, key_type);

        char child[WHERE_SIZE];
        join_where(child, where, "key_schema", i, NULL);
        if (copy_string(r, child, "attribute_name", name, CATALOG_MAX_NAME_LEN,
                        &(*out)[i].attribute_name) != 0)
            return -1;
    }
    return 0;
}

static int copy_attributes(struct reader *r, const char *where, const void *attributes,
                           uint32_t count, uint32_t stride, struct catalog_table *table)
{
    if (check_array(r, where, "attributes", attributes, count, stride,
                    ABI_READER_ATTRIBUTE_MIN_SIZE, CATALOG_MAX_ATTRIBUTES) != 0)
        return -1;
    if (count == 0)
        return 0;

    table->attributes = calloc(count, sizeof(*table->attributes));
    if (table->attributes == NULL)
        return fail(r, where, "out of memory");
    table->attributes_count = count;

    for (size_t i = 0; i < count; i++) {
        const void *attribute = element(attributes, stride, i);
        const char *name;
        READ_FIELD(name, attribute, stride, schema_attribute_v1, name);
        READ_FIELD(table->attributes[i].type, attribute, stride, schema_attribute_v1, type);

        char child[WHERE_SIZE];
        join_where(child, where, "attributes", i, NULL);
        if (copy_string(r, child, "name", name, CATALOG_MAX_NAME_LEN,
                        &table->attributes[i].name) != 0)
            return -1;
    }
    return 0;
}

static int copy_non_key_attributes(struct reader *r, const char *where,
                                   const char *const *names, uint32_t count,
                                   struct catalog_gsi *gsi)
{
    if (count == 0)
        return 0;
    if (count > CATALOG_MAX_NON_KEY_ATTRIBUTES)
        return fail(r, where, "non_key_attributes_count %u is above the limit of %u", count,
                    CATALOG_MAX_NON_KEY_ATTRIBUTES);
    if (names == NULL)
        return fail(r, where, "non_key_attributes is NULL but non_key_attributes_count is %u",
                    count);

    gsi->non_key_attributes = calloc(count, sizeof(*gsi->non_key_attributes));
    if (gsi->non_key_attributes == NULL)
        return fail(r, where, "out of memory");
    gsi->non_key_attributes_count = count;

    for (size_t i = 0; i < count; i++) {
        char what[64];
        snprintf(what, sizeof(what), "non_key_attributes[%zu]", i);
        if (copy_string(r, where, what, names[i], CATALOG_MAX_NAME_LEN,
                        &gsi->non_key_attributes[i]) != 0)
            return -1;
    }
    return 0;
}

static int copy_gsi(struct reader *r, const char *parent, size_t index, const void *source,
                    uint32_t size, struct catalog_gsi *gsi)
{
    const char *index_name;
    const struct schema_key_v1 *keys;
    uint32_t keys_count, keys_stride, non_key_count;
    const char *const *non_key;

    READ_FIELD(index_name, source, size, schema_gsi_v1, index_name);
    READ_FIELD(keys, source, size, schema_gsi_v1, key_schema);
    READ_FIELD(keys_count, source, size, schema_gsi_v1, key_schema_count);
    READ_FIELD(keys_stride, source, size, schema_gsi_v1, key_schema_stride);
    READ_FIELD(gsi->projection_type, source, size, schema_gsi_v1, projection_type);
    READ_FIELD(non_key_count, source, size, schema_gsi_v1, non_key_attributes_count);
    READ_FIELD(non_key, source, size, schema_gsi_v1, non_key_attributes);
    READ_FIELD(gsi->read_capacity_units, source, size, schema_gsi_v1, read_capacity_units);
    READ_FIELD(gsi->write_capacity_units, source, size, schema_gsi_v1, write_capacity_units);

    char where[WHERE_SIZE];
    join_where(where, parent, "gsis", index, NULL);
    if (copy_string(r, where, "index_name", index_name, CATALOG_MAX_NAME_LEN,
                    &gsi->index_name) != 0)
        return -1;
    join_where(where, parent, "gsis", index, gsi->index_name);

    if (copy_keys(r, where, keys, keys_count, keys_stride, &gsi->key_schema,
                  &gsi->key_schema_count) != 0 ||
        copy_non_key_attributes(r, where, non_key, non_key_count, gsi) != 0 ||
        check_units(r, where, "read_capacity_units", gsi->read_capacity_units) != 0 ||
        check_units(r, where, "write_capacity_units", gsi->write_capacity_units) != 0)
        return -1;
    return 0;
}

static int copy_table(struct reader *r, const char *parent, size_t index, const void *source,
                      uint32_t size, struct catalog_table *table)
{
    const char *name, *ttl_attribute;
    const void *attributes, *gsis;
    const struct schema_key_v1 *keys;
    uint32_t attributes_count, attributes_stride, keys_count, keys_stride, gsis_count,
        gsis_stride;

    READ_FIELD(name, source, size, schema_table_v1, name);
    READ_FIELD(attributes, source, size, schema_table_v1, attributes);
    READ_FIELD(attributes_count, source, size, schema_table_v1, attributes_count);
    READ_FIELD(attributes_stride, source, size, schema_table_v1, attributes_stride);
    READ_FIELD(keys, source, size, schema_table_v1, key_schema);
    READ_FIELD(keys_count, source, size, schema_table_v1, key_schema_count);
    READ_FIELD(keys_stride, source, size, schema_table_v1, key_schema_stride);
    READ_FIELD(table->billing_mode, source, size, schema_table_v1, billing_mode);
    READ_FIELD(table->read_capacity_units, source, size, schema_table_v1, read_capacity_units);
    READ_FIELD(table->write_capacity_units, source, size, schema_table_v1, write_capacity_units);
    READ_FIELD(gsis, source, size, schema_table_v1, gsis);
    READ_FIELD(gsis_count, source, size, schema_table_v1, gsis_count);
    READ_FIELD(gsis_stride, source, size, schema_table_v1, gsis_stride);
    READ_FIELD(ttl_attribute, source, size, schema_table_v1, ttl_attribute);

    char where[WHERE_SIZE];
    join_where(where, parent, "tables", index, NULL);
    if (copy_string(r, where, "name", name, CATALOG_MAX_NAME_LEN, &table->name) != 0)
        return -1;
    join_where(where, parent, "tables", index, table->name);

    if (copy_attributes(r, where, attributes, attributes_count, attributes_stride, table) != 0 ||
        copy_keys(r, where, keys, keys_count, keys_stride, &table->key_schema,
                  &table->key_schema_count) != 0 ||
        check_units(r, where, "read_capacity_units", table->read_capacity_units) != 0 ||
        check_units(r, where, "write_capacity_units", table->write_capacity_units) != 0 ||
        copy_string(r, where, "ttl_attribute", ttl_attribute, CATALOG_MAX_NAME_LEN,
                    &table->ttl_attribute) != 0)
        return -1;

    if (check_array(r, where, "gsis", gsis, gsis_count, gsis_stride, ABI_READER_GSI_MIN_SIZE,
                    CATALOG_MAX_GSIS) != 0)
        return -1;
    if (gsis_count == 0)
        return 0;

    table->gsis = calloc(gsis_count, sizeof(*table->gsis));
    if (table->gsis == NULL)
        return fail(r, where, "out of memory");
    table->gsis_count = gsis_count;
    for (size_t i = 0; i < gsis_count; i++) {
        if (copy_gsi(r, where, i, element(gsis, gsis_stride, i), gsis_stride,
                     &table->gsis[i]) != 0)
            return -1;
    }
    return 0;
}

static int copy_seed(struct reader *r, const char *parent, size_t index, const void *source,
                     uint32_t size, struct catalog_provider *provider, struct catalog_seed *seed)
{
    const char *table, *item, *condition, *names, *values;
    READ_FIELD(table, source, size, schema_seed_v1, table);
    READ_FIELD(item, source, size, schema_seed_v1, item_json);
    READ_FIELD(condition, source, size, schema_seed_v1, condition_expression);
    READ_FIELD(names, source, size, schema_seed_v1, expression_attribute_names_json);
    READ_FIELD(values, source, size, schema_seed_v1, expression_attribute_values_json);

    char where[WHERE_SIZE];
    join_where(where, parent, "seeds", index, NULL);
    char *item_copy = NULL;
    if (copy_string(r, where, "table", table, CATALOG_MAX_NAME_LEN, &seed->table) != 0 ||
        copy_string(r, where, "item_json", item, CATALOG_MAX_JSON_LEN, &item_copy) != 0)
        return -1;
    if (catalog_provider_keep_item(provider, item_copy, &seed->item_json) != 0)
        return fail(r, where, "out of memory");
    if (copy_string(r, where, "condition_expression", condition, CATALOG_MAX_JSON_LEN,
                    &seed->condition_expression) != 0 ||
        copy_string(r, where, "expression_attribute_names_json", names, CATALOG_MAX_JSON_LEN,
                    &seed->expression_attribute_names_json) != 0 ||
        copy_string(r, where, "expression_attribute_values_json", values, CATALOG_MAX_JSON_LEN,
                    &seed->expression_attribute_values_json) != 0)
        return -1;
    return 0;
}

static int copy_provider(struct reader *r, size_t index, const struct schema_provider_v1 *source,
                         struct catalog_provider *provider)
{
    char where[WHERE_SIZE];
    join_where(where, "", "providers", index, NULL);
    if (source == NULL)
        return fail(r, where, "provider pointer is NULL");

    uint32_t size;
    memcpy(&size, source, sizeof(size));
    if (size < ABI_READER_PROVIDER_MIN_SIZE)
        return fail(r, where, "struct_size %u is below the ABI 1.0 size %zu", size,
                    ABI_READER_PROVIDER_MIN_SIZE);
    if (size > ABI_READER_MAX_STRUCT_SIZE)
        return fail(r, where, "struct_size %u is above the limit of %u", size,
                    ABI_READER_MAX_STRUCT_SIZE);

    const char *service_id, *description;
    const void *tables, *seeds;
    uint32_t tables_count, tables_stride, seeds_count, seeds_stride;
    READ_FIELD(service_id, source, size, schema_provider_v1, service_id);
    READ_FIELD(description, source, size, schema_provider_v1, description);
    READ_FIELD(tables, source, size, schema_provider_v1, tables);
    READ_FIELD(tables_count, source, size, schema_provider_v1, tables_count);
    READ_FIELD(tables_stride, source, size, schema_provider_v1, tables_stride);
    READ_FIELD(seeds, source, size, schema_provider_v1, seeds);
    READ_FIELD(seeds_count, source, size, schema_provider_v1, seeds_count);
    READ_FIELD(seeds_stride, source, size, schema_provider_v1, seeds_stride);

    if (copy_string(r, where, "service_id", service_id, CATALOG_MAX_NAME_LEN,
                    &provider->service_id) != 0)
        return -1;
    join_where(where, "", "providers", index, provider->service_id);
    if (copy_string(r, where, "description", description, CATALOG_MAX_NAME_LEN,
                    &provider->description) != 0)
        return -1;

    if (check_array(r, where, "tables", tables, tables_count, tables_stride,
                    ABI_READER_TABLE_MIN_SIZE, CATALOG_MAX_TABLES) != 0 ||
        check_array(r, where, "seeds", seeds, seeds_count, seeds_stride,
                    ABI_READER_SEED_MIN_SIZE, CATALOG_MAX_SEEDS) != 0)
        return -1;

    if (tables_count > 0) {
        provider->tables = calloc(tables_count, sizeof(*provider->tables));
        if (provider->tables == NULL)
            return fail(r, where, "out of memory");
        provider->tables_count = tables_count;
    }
    for (size_t i = 0; i < tables_count; i++) {
        if (copy_table(r, where, i, element(tables, tables_stride, i), tables_stride,
                       &provider->tables[i]) != 0)
            return -1;
    }

    if (seeds_count > 0) {
        provider->seeds = calloc(seeds_count, sizeof(*provider->seeds));
        if (provider->seeds == NULL)
            return fail(r, where, "out of memory");
        provider->seeds_count = seeds_count;
    }
    for (size_t i = 0; i < seeds_count; i++) {
        if (copy_seed(r, where, i, element(seeds, seeds_stride, i), seeds_stride, provider,
                      &provider->seeds[i]) != 0)
            return -1;
    }
    return 0;
}

static int copy_plugin(struct reader *r, const struct schema_plugin_v1 *plugin,
                       struct catalog_plugin *out)
{
    if (plugin == NULL)
        return fail(r, "", "schemareg_providers() returned NULL");

    /* struct_size and abi_major open the struct in every ABI major. */
    uint32_t size, abi_major;
    memcpy(&size, plugin, sizeof(size));
    memcpy(&abi_major, (const unsigned char *)plugin + sizeof(size), sizeof(abi_major));
    if (abi_major != SCHEMAREG_ABI_MAJOR)
        return fail(r, "",
                    "schemareg_providers() returned ABI major %u, but this host supports ABI "
                    "major %u; rebuild the plugin against schemareg-provider %u.x or upgrade "
                    "the host",
                    abi_major, SCHEMAREG_ABI_MAJOR, SCHEMAREG_ABI_MAJOR);
    if (size < ABI_READER_PLUGIN_MIN_SIZE)
        return fail(r, "", "struct schema_plugin_v1 struct_size %u is below the ABI 1.0 size %zu",
                    size, ABI_READER_PLUGIN_MIN_SIZE);
    if (size > ABI_READER_MAX_STRUCT_SIZE)
        return fail(r, "", "struct schema_plugin_v1 struct_size %u is above the limit of %u",
                    size, ABI_READER_MAX_STRUCT_SIZE);

    uint32_t count;
    const struct schema_provider_v1 *const *providers;
    const char *name, *version;
    out->abi_major = abi_major;
    READ_FIELD(out->abi_minor, plugin, size, schema_plugin_v1, abi_minor);
    READ_FIELD(count, plugin, size, schema_plugin_v1, providers_count);
    READ_FIELD(providers, plugin, size, schema_plugin_v1, providers);
    READ_FIELD(name, plugin, size, schema_plugin_v1, plugin_name);
    READ_FIELD(version, plugin, size, schema_plugin_v1, plugin_version);

    if (copy_string(r, "", "plugin_name", name, CATALOG_MAX_NAME_LEN, &out->plugin_name) != 0 ||
        copy_string(r, "", "plugin_version", version, CATALOG_MAX_NAME_LEN,
                    &out->plugin_version) != 0)
        return -1;

    if (count > CATALOG_MAX_PROVIDERS)
        return fail(r, "", "providers_count %u is above the limit of %u", count,
                    CATALOG_MAX_PROVIDERS);
    if (count == 0)
        return fail(r, "", "schemareg_providers() returned no providers (providers_count is 0)");
    if (providers == NULL)
        return fail(r, "", "providers is NULL but providers_count is %u", count);

    out->providers = calloc(count, sizeof(*out->providers));
    if (out->providers == NULL)
        return fail(r, "", "out of memory");
    out->providers_count = count;
    for (size_t i = 0; i < count; i++) {
        if (copy_provider(r, i, providers[i], &out->providers[i]) != 0)
            return -1;
    }
    return 0;
}

int abi_reader_copy_plugin(const struct schema_plugin_v1 *plugin, struct catalog_plugin *out,
                           char *err, size_t err_size)
{
    struct reader r = {err, err_size};
    memset(out, 0, sizeof(*out));

    if (copy_plugin(&r, plugin, out) != 0) {
        catalog_plugin_clear(out);
        return -1;
    }
    catalog_plugin_link(out);
    return 0;
}
