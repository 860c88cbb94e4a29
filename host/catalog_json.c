/*
 * The catalog's JSON model (docs/MODEL.md): what `schemareg-host list
 * --json` prints and what a loader child process sends to its parent.
 * The reader trusts nothing in its input.
 */
#include "catalog.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_safe.h"

_Static_assert(sizeof(json_int_t) >= sizeof(int64_t), "jansson integers must hold int64_t");

/* Longest JSON location in a message, e.g. "providers[3].tables[12].gsis[2].key_schema[1]". */
#define WHERE_SIZE 160

static void join_where(char *out, const char *parent, const char *key, long index)
{
    int written;
    if (index >= 0)
        written = snprintf(out, WHERE_SIZE, "%s%s%s[%ld]", parent, *parent ? "." : "", key, index);
    else
        written = snprintf(out, WHERE_SIZE, "%s%s%s", parent, *parent ? "." : "", key);
    if (written < 0)
        out[0] = '\0';
}

static int fail(char *err, size_t err_size, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t err_size, const char *where, const char *fmt, ...)
{
    int prefix = snprintf(err, err_size, "%s%s", where, *where ? ": " : "");
    if (prefix < 0 || (size_t)prefix >= err_size)
        return -1;

    va_list args;
    va_start(args, fmt);
    vsnprintf(err + prefix, err_size - (size_t)prefix, fmt, args);
    va_end(args);
    return -1;
}

/* ---- Writing ---------------------------------------------------------- */

struct writer {
    char *err;
    size_t err_size;
    int failed;
};

static void set_value(struct writer *w, json_t *object, const char *where, const char *key,
                      json_t *value)
{
    if (value == NULL) {
        if (!w->failed)
            fail(w->err, w->err_size, where, "cannot convert \"%s\" to JSON (out of memory)", key);
        w->failed = 1;
        return;
    }
    if (json_object_set_new(object, key, value) != 0) {
        if (!w->failed)
            fail(w->err, w->err_size, where, "cannot add \"%s\" (out of memory)", key);
        w->failed = 1;
    }
}

static void set_string(struct writer *w, json_t *object, const char *where, const char *key,
                       const char *value)
{
    if (value == NULL) {
        set_value(w, object, where, key, json_null());
        return;
    }

    json_t *string = json_string(value);
    if (string == NULL) {
        if (!w->failed)
            fail(w->err, w->err_size, where, "\"%s\" is not valid UTF-8", key);
        w->failed = 1;
        return;
    }
    set_value(w, object, where, key, string);
}

/* Known codes become their names; unknown ones stay numbers, so nothing is lost. */
static void set_code(struct writer *w, json_t *object, const char *where, const char *key,
                     uint32_t code, const char *name)
{
    if (name != NULL)
        set_string(w, object, where, key, name);
    else
        set_value(w, object, where, key, json_integer(code));
}

static void set_units(struct writer *w, json_t *object, const char *where, const char *key,
                      uint64_t units)
{
    if (units > (uint64_t)INT64_MAX) {
        if (!w->failed)
            fail(w->err, w->err_size, where, "\"%s\" %llu is above the JSON integer range", key,
                 (unsigned long long)units);
        w->failed = 1;
        return;
    }
    set_value(w, object, where, key, json_integer((json_int_t)units));
}

/* The parsed form of a JSON text field, or null when the text is absent or invalid. */
static void append_value(struct writer *w, json_t *array, const char *where, json_t *value)
{
    if (value != NULL && json_array_append_new(array, value) == 0)
        return;
    if (!w->failed)
        fail(w->err, w->err_size, where, "cannot convert to JSON (out of memory)");
    w->failed = 1;
}

static json_t *parse_or_null(const char *text)
{
    if (text == NULL)
        return json_null();

    json_t *parsed = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    return parsed != NULL ? parsed : json_null();
}

static json_t *keys_to_json(struct writer *w, const struct catalog_key *keys, size_t count,
                            const char *parent)
{
    json_t *array = json_array();
    for (size_t i = 0; array != NULL && i < count; i++) {
        char where[WHERE_SIZE];
        join_where(where, parent, "key_schema", (long)i);

        json_t *key = json_object();
        set_string(w, key, where, "attribute_name", keys[i].attribute_name);
        set_code(w, key, where, "key_type", keys[i].key_type,
                 catalog_key_type_name(keys[i].key_type));
        append_value(w, array, where, key);
    }
    return array;
}

static json_t *gsi_to_json(struct writer *w, const struct catalog_gsi *gsi, const char *where)
{
    json_t *object = json_object();
    if (object == NULL)
        return NULL;

    set_string(w, object, where, "index_name", gsi->index_name);
    set_value(w, object, where, "key_schema",
              keys_to_json(w, gsi->key_schema, gsi->key_schema_count, where));
    set_code(w, object, where, "projection_type", gsi->projection_type,
             catalog_projection_type_name(gsi->projection_type));

    json_t *non_key = json_array();
    for (size_t i = 0; non_key != NULL && i < gsi->non_key_attributes_count; i++) {
        const char *name = gsi->non_key_attributes[i];
        json_t *item = name != NULL ? json_string(name) : json_null();
        if (item == NULL) {
            if (!w->failed)
                fail(w->err, w->err_size, where, "non_key_attributes[%zu] is not valid UTF-8", i);
            w->failed = 1;
            continue;
        }
        append_value(w, non_key, where, item);
    }
    set_value(w, object, where, "non_key_attributes", non_key);
    set_units(w, object, where, "read_capacity_units", gsi->read_capacity_units);
    set_units(w, object, where, "write_capacity_units", gsi->write_capacity_units);
    return object;
}

static json_t *table_to_json(struct writer *w, const struct catalog_table *table,
                             const char *where)
{
    json_t *object = json_object();
    if (object == NULL)
        return NULL;

    set_string(w, object, where, "name", table->name);

    json_t *attributes = json_array();
    for (size_t i = 0; attributes != NULL && i < table->attributes_count; i++) {
        char child[WHERE_SIZE];
        join_where(child, where, "attributes", (long)i);

        json_t *attribute = json_object();
        set_string(w, attribute, child, "name", table->attributes[i].name);
        set_code(w, attribute, child, "type", table->attributes[i].type,
                 catalog_attribute_type_name(table->attributes[i].type));
        append_value(w, attributes, child, attribute);
    }
    set_value(w, object, where, "attributes", attributes);
    set_value(w, object, where, "key_schema",
              keys_to_json(w, table->key_schema, table->key_schema_count, where));
    set_code(w, object, where, "billing_mode", table->billing_mode,
             catalog_billing_mode_name(table->billing_mode));
    set_units(w, object, where, "read_capacity_units", table->read_capacity_units);
    set_units(w, object, where, "write_capacity_units", table->write_capacity_units);

    json_t *gsis = json_array();
    for (size_t i = 0; gsis != NULL && i < table->gsis_count; i++) {
        char child[WHERE_SIZE];
        join_where(child, where, "gsis", (long)i);
        append_value(w, gsis, child, gsi_to_json(w, &table->gsis[i], child));
    }
    set_value(w, object, where, "gsis", gsis);
    set_string(w, object, where, "ttl_attribute", table->ttl_attribute);
    return object;
}

static json_t *seed_to_json(struct writer *w, const struct catalog_seed *seed, const char *where)
{
    json_t *object = json_object();
    if (object == NULL)
        return NULL;

    set_string(w, object, where, "table", seed->table);
    set_value(w, object, where, "item", parse_or_null(seed->item_json));
    set_string(w, object, where, "item_json", seed->item_json);
    set_string(w, object, where, "condition_expression", seed->condition_expression);
    set_value(w, object, where, "expression_attribute_names",
              parse_or_null(seed->expression_attribute_names_json));
    set_string(w, object, where, "expression_attribute_names_json",
               seed->expression_attribute_names_json);
    set_value(w, object, where, "expression_attribute_values",
              parse_or_null(seed->expression_attribute_values_json));
    set_string(w, object, where, "expression_attribute_values_json",
               seed->expression_attribute_values_json);
    return object;
}

static json_t *provider_to_json(struct writer *w, const struct catalog_provider *provider,
                                const char *where)
{
    json_t *object = json_object();
    if (object == NULL)
        return NULL;

    set_string(w, object, where, "service_id", provider->service_id);
    set_string(w, object, where, "description", provider->description);

    json_t *tables = json_array();
    for (size_t i = 0; tables != NULL && i < provider->tables_count; i++) {
        char child[WHERE_SIZE];
        join_where(child, where, "tables", (long)i);
        append_value(w, tables, child, table_to_json(w, &provider->tables[i], child));
    }
    set_value(w, object, where, "tables", tables);

    json_t *seeds = json_array();
    for (size_t i = 0; seeds != NULL && i < provider->seeds_count; i++) {
        char child[WHERE_SIZE];
        join_where(child, where, "seeds", (long)i);
        append_value(w, seeds, child, seed_to_json(w, &provider->seeds[i], child));
    }
    set_value(w, object, where, "seeds", seeds);
    return object;
}

json_t *catalog_plugin_to_json(const struct catalog_plugin *plugin, char *err, size_t err_size)
{
    struct writer w = {err, err_size, 0};
    json_t *object = json_object();
    if (object == NULL) {
        fail(err, err_size, "", "out of memory");
        return NULL;
    }

    /* A file name need not be valid UTF-8: its invalid bytes appear as \xNN. */
    set_value(&w, object, "", "path", text_safe_json_string(plugin->path));
    set_string(&w, object, "", "plugin_name", plugin->plugin_name);
    set_string(&w, object, "", "plugin_version", plugin->plugin_version);
    set_value(&w, object, "", "abi_major", json_integer(plugin->abi_major));
    set_value(&w, object, "", "abi_minor", json_integer(plugin->abi_minor));

    json_t *providers = json_array();
    for (size_t i = 0; providers != NULL && i < plugin->providers_count; i++) {
        char where[WHERE_SIZE];
        join_where(where, "", "providers", (long)i);
        append_value(&w, providers, where, provider_to_json(&w, &plugin->providers[i], where));
    }
    set_value(&w, object, "", "providers", providers);

    if (w.failed) {
        json_decref(object);
        return NULL;
    }
    return object;
}

/* ---- Reading ---------------------------------------------------------- */

struct reader {
    char *err;
    size_t err_size;
};

/* Checks that json is an object whose keys are all in allowed (NULL-terminated). */
static int check_object(struct reader *r, const json_t *json, const char *where,
                        const char *const *allowed)
{
    if (!json_is_object(json))
        return fail(r->err, r->err_size, where, "expected a JSON object");

    const char *key;
    json_t *value;
    json_object_foreach((json_t *)json, key, value) {
        size_t i = 0;
        while (allowed[i] != NULL && strcmp(allowed[i], key) != 0)
            i++;
        if (allowed[i] == NULL)
            return fail(r->err, r->err_size, where, "unknown key \"%s\"", key);
    }
    return 0;
}

static const json_t *get_required(struct reader *r, const json_t *object, const char *where,
                                  const char *key)
{
    const json_t *value = json_object_get(object, key);
    if (value == NULL)
        fail(r->err, r->err_size, where, "missing key \"%s\"", key);
    return value;
}

/* Copies a JSON string (or null, giving NULL) of at most max_len bytes. */
static int copy_string(struct reader *r, const json_t *value, const char *where,
                       const char *what, size_t max_len, char **out)
{
    *out = NULL;
    if (json_is_null(value))
        return 0;
    if (!json_is_string(value))
        return fail(r->err, r->err_size, where, "\"%s\" must be a string or null", what);

    size_t length = json_string_length(value);
    const char *text = json_string_value(value);
    if (length > max_len)
        return fail(r->err, r->err_size, where, "\"%s\" is %zu bytes, above the limit of %zu",
                    what, length, max_len);
    if (strlen(text) != length)
        return fail(r->err, r->err_size, where, "\"%s\" contains a NUL character", what);

    *out = strdup(text);
    if (*out == NULL)
        return fail(r->err, r->err_size, where, "out of memory");
    return 0;
}

static int read_string(struct reader *r, const json_t *object, const char *where,
                       const char *key, size_t max_len, char **out)
{
    const json_t *value = get_required(r, object, where, key);
    if (value == NULL)
        return -1;
    return copy_string(r, value, where, key, max_len, out);
}

static int read_integer(struct reader *r, const json_t *object, const char *where,
                        const char *key, uint64_t max, uint64_t *out)
{
    const json_t *value = get_required(r, object, where, key);
    if (value == NULL)
        return -1;
    if (!json_is_integer(value))
        return fail(r->err, r->err_size, where, "\"%s\" must be an integer", key);

    json_int_t number = json_integer_value(value);
    if (number < 0 || (uint64_t)number > max)
        return fail(r->err, r->err_size, where, "\"%s\" %lld is outside 0..%llu", key,
                    (long long)number, (unsigned long long)max);
    *out = (uint64_t)number;
    return 0;
}

static int read_u32(struct reader *r, const json_t *object, const char *where, const char *key,
                    uint32_t *out)
{
    uint64_t value = 0;
    if (read_integer(r, object, where, key, UINT32_MAX, &value) != 0)
        return -1;
    *out = (uint32_t)value;
    return 0;
}

static int read_units(struct reader *r, const json_t *object, const char *where,
                      const char *key, uint64_t *out)
{
    return read_integer(r, object, where, key, (uint64_t)INT64_MAX, out);
}

/* A code is its name ("HASH") or, for a code without a name, its number. */
static int read_code(struct reader *r, const json_t *object, const char *where,
                     const char *key, int (*parse)(const char *, uint32_t *), uint32_t *out)
{
    const json_t *value = get_required(r, object, where, key);
    if (value == NULL)
        return -1;

    if (json_is_string(value)) {
        if (parse(json_string_value(value), out) != 0)
            return fail(r->err, r->err_size, where, "\"%s\" has unknown value \"%s\"", key,
                        json_string_value(value));
        return 0;
    }
    return read_u32(r, object, where, key, out);
}

/* Checks that object[key] is an array of at most max elements and returns it. */
static const json_t *get_array(struct reader *r, const json_t *object, const char *where,
                               const char *key, size_t max)
{
    const json_t *array = get_required(r, object, where, key);
    if (array == NULL)
        return NULL;
    if (!json_is_array(array)) {
        fail(r->err, r->err_size, where, "\"%s\" must be an array", key);
        return NULL;
    }
    if (json_array_size(array) > max) {
        fail(r->err, r->err_size, where, "\"%s\" has %zu elements, above the limit of %zu", key,
             json_array_size(array), max);
        return NULL;
    }
    return array;
}

/* Allocates count zeroed elements, or sets *out to NULL for a zero count. */
static int alloc_array(struct reader *r, const char *where, size_t count, size_t size,
                       void **out)
{
    *out = NULL;
    if (count == 0)
        return 0;
    *out = calloc(count, size);
    if (*out == NULL)
        return fail(r->err, r->err_size, where, "out of memory");
    return 0;
}

static int read_keys(struct reader *r, const json_t *object, const char *parent,
                     struct catalog_key **out, size_t *out_count)
{
    static const char *const allowed[] = {"attribute_name", "key_type", NULL};

    const json_t *array = get_array(r, object, parent, "key_schema", CATALOG_MAX_KEYS);
    if (array == NULL)
        return -1;

    size_t count = json_array_size(array);
    if (alloc_array(r, parent, count, sizeof(**out), (void **)out) != 0)
        return -1;
    *out_count = count;

    for (size_t i = 0; i < count; i++) {
        char where[WHERE_SIZE];
        join_where(where, parent, "key_schema", (long)i);
        const json_t *key = json_array_get(array, i);

        if (check_object(r, key, where, allowed) != 0 ||
            read_string(r, key, where, "attribute_name", CATALOG_MAX_NAME_LEN,
                        &(*out)[i].attribute_name) != 0 ||
            read_code(r, key, where, "key_type", catalog_key_type_parse, &(*out)[i].key_type) != 0)
            return -1;
    }
    return 0;
}

static int read_attributes(struct reader *r, const json_t *object, const char *parent,
                           struct catalog_table *table)
{
    static const char *const allowed[] = {"name", "type", NULL};

    const json_t *array = get_array(r, object, parent, "attributes", CATALOG_MAX_ATTRIBUTES);
    if (array == NULL)
        return -1;

    size_t count = json_array_size(array);
    if (alloc_array(r, parent, count, sizeof(*table->attributes), (void **)&table->attributes) != 0)
        return -1;
    table->attributes_count = count;

    for (size_t i = 0; i < count; i++) {
        char where[WHERE_SIZE];
        join_where(where, parent, "attributes", (long)i);
        const json_t *attribute = json_array_get(array, i);
        struct catalog_attribute *out = &table->attributes[i];

        if (check_object(r, attribute, where, allowed) != 0 ||
            read_string(r, attribute, where, "name", CATALOG_MAX_NAME_LEN, &out->name) != 0 ||
            read_code(r, attribute, where, "type", catalog_attribute_type_parse, &out->type) != 0)
            return -1;
    }
    return 0;
}

static int read_non_key_attributes(struct reader *r, const json_t *object, const char *parent,
                                   struct catalog_gsi *gsi)
{
    const json_t *array = get_array(r, object, parent, "non_key_attributes",
                                    CATALOG_MAX_NON_KEY_ATTRIBUTES);
    if (array == NULL)
        return -1;

    size_t count = json_array_size(array);
    if (alloc_array(r, parent, count, sizeof(*gsi->non_key_attributes),
                    (void **)&gsi->non_key_attributes) != 0)
        return -1;
    gsi->non_key_attributes_count = count;

    for (size_t i = 0; i < count; i++) {
        char where[WHERE_SIZE];
        join_where(where, parent, "non_key_attributes", (long)i);
        if (copy_string(r, json_array_get(array, i), where, "non_key_attributes",
                        CATALOG_MAX_NAME_LEN, &gsi->non_key_attributes[i]) != 0)
            return -1;
    }
    return 0;
}

static int read_gsi(struct reader *r, const json_t *object, const char *where,
                    struct catalog_gsi *gsi)
{
    static const char *const allowed[] = {
        "index_name",         "key_schema",          "projection_type", "non_key_attributes",
        "read_capacity_units", "write_capacity_units", NULL,
    };

    if (check_object(r, object, where, allowed) != 0 ||
        read_string(r, object, where, "index_name", CATALOG_MAX_NAME_LEN, &gsi->index_name) != 0 ||
        read_keys(r, object, where, &gsi->key_schema, &gsi->key_schema_count) != 0 ||
        read_code(r, object, where, "projection_type", catalog_projection_type_parse,
                  &gsi->projection_type) != 0 ||
        read_non_key_attributes(r, object, where, gsi) != 0 ||
        read_units(r, object, where, "read_capacity_units", &gsi->read_capacity_units) != 0 ||
        read_units(r, object, where, "write_capacity_units", &gsi->write_capacity_units) != 0)
        return -1;
    return 0;
}

static int read_table(struct reader *r, const json_t *object, const char *where,
                      struct catalog_table *table)
{
    static const char *const allowed[] = {
        "name",         "attributes", "key_schema",    "billing_mode", "read_capacity_units",
        "write_capacity_units", "gsis", "ttl_attribute", NULL,
    };

    if (check_object(r, object, where, allowed) != 0 ||
        read_string(r, object, where, "name", CATALOG_MAX_NAME_LEN, &table->name) != 0 ||
        read_attributes(r, object, where, table) != 0 ||
        read_keys(r, object, where, &table->key_schema, &table->key_schema_count) != 0 ||
        read_code(r, object, where, "billing_mode", catalog_billing_mode_parse,
                  &table->billing_mode) != 0 ||
        read_units(r, object, where, "read_capacity_units", &table->read_capacity_units) != 0 ||
        read_units(r, object, where, "write_capacity_units", &table->write_capacity_units) != 0 ||
        read_string(r, object, where, "ttl_attribute", CATALOG_MAX_NAME_LEN,
                    &table->ttl_attribute) != 0)
        return -1;

    const json_t *gsis = get_array(r, object, where, "gsis", CATALOG_MAX_GSIS);
    if (gsis == NULL)
        return -1;
    size_t count = json_array_size(gsis);
    if (alloc_array(r, where, count, sizeof(*table->gsis), (void **)&table->gsis) != 0)
        return -1;
    table->gsis_count = count;

    for (size_t i = 0; i < count; i++) {
        char child[WHERE_SIZE];
        join_where(child, where, "gsis", (long)i);
        if (read_gsi(r, json_array_get(gsis, i), child, &table->gsis[i]) != 0)
            return -1;
    }
    return 0;
}

/*
 * Reads a JSON text field of a seed. The exact text ("item_json") wins;
 * without it the parsed form ("item") is serialized again. At least one
 * of the two keys must be present.
 */
static int read_json_text(struct reader *r, const json_t *object, const char *where,
                          const char *text_key, const char *parsed_key, char **out)
{
    *out = NULL;
    const json_t *text = json_object_get(object, text_key);
    const json_t *parsed = json_object_get(object, parsed_key);
    if (text == NULL && parsed == NULL)
        return fail(r->err, r->err_size, where, "missing key \"%s\"", text_key);

    if (text != NULL)
        return copy_string(r, text, where, text_key, CATALOG_MAX_JSON_LEN, out);
    if (json_is_null(parsed))
        return 0;

    *out = json_dumps(parsed, JSON_COMPACT | JSON_ENCODE_ANY);
    if (*out == NULL)
        return fail(r->err, r->err_size, where, "cannot serialize \"%s\"", parsed_key);
    if (strlen(*out) > CATALOG_MAX_JSON_LEN)
        return fail(r->err, r->err_size, where, "\"%s\" is above the limit of %u bytes",
                    parsed_key, CATALOG_MAX_JSON_LEN);
    return 0;
}

static int read_seed(struct reader *r, const json_t *object, const char *where,
                     struct catalog_provider *provider, struct catalog_seed *seed)
{
    static const char *const allowed[] = {
        "table",
        "item",
        "item_json",
        "condition_expression",
        "expression_attribute_names",
        "expression_attribute_names_json",
        "expression_attribute_values",
        "expression_attribute_values_json",
        NULL,
    };

    char *item = NULL;

    if (check_object(r, object, where, allowed) != 0 ||
        read_string(r, object, where, "table", CATALOG_MAX_NAME_LEN, &seed->table) != 0)
        return -1;
    if (read_json_text(r, object, where, "item_json", "item", &item) != 0) {
        free(item);
        return -1;
    }
    if (catalog_provider_keep_item(provider, item, &seed->item_json) != 0)
        return fail(r->err, r->err_size, where, "out of memory");
    if (read_string(r, object, where, "condition_expression", CATALOG_MAX_JSON_LEN,
                    &seed->condition_expression) != 0 ||
        read_json_text(r, object, where, "expression_attribute_names_json",
                       "expression_attribute_names", &seed->expression_attribute_names_json) != 0 ||
        read_json_text(r, object, where, "expression_attribute_values_json",
                       "expression_attribute_values",
                       &seed->expression_attribute_values_json) != 0)
        return -1;
    return 0;
}

static int read_provider(struct reader *r, const json_t *object, const char *where,
                         struct catalog_provider *provider)
{
    static const char *const allowed[] = {"service_id", "description", "tables", "seeds", NULL};

    if (check_object(r, object, where, allowed) != 0 ||
        read_string(r, object, where, "service_id", CATALOG_MAX_NAME_LEN,
                    &provider->service_id) != 0 ||
        read_string(r, object, where, "description", CATALOG_MAX_NAME_LEN,
                    &provider->description) != 0)
        return -1;

    const json_t *tables = get_array(r, object, where, "tables", CATALOG_MAX_TABLES);
    if (tables == NULL)
        return -1;
    size_t count = json_array_size(tables);
    if (alloc_array(r, where, count, sizeof(*provider->tables), (void **)&provider->tables) != 0)
        return -1;
    provider->tables_count = count;
    for (size_t i = 0; i < count; i++) {
        char child[WHERE_SIZE];
        join_where(child, where, "tables", (long)i);
        if (read_table(r, json_array_get(tables, i), child, &provider->tables[i]) != 0)
            return -1;
    }

    const json_t *seeds = get_array(r, object, where, "seeds", CATALOG_MAX_SEEDS);
    if (seeds == NULL)
        return -1;
    count = json_array_size(seeds);
    if (alloc_array(r, where, count, sizeof(*provider->seeds), (void **)&provider->seeds) != 0)
        return -1;
    provider->seeds_count = count;
    for (size_t i = 0; i < count; i++) {
        char child[WHERE_SIZE];
        join_where(child, where, "seeds", (long)i);
        if (read_seed(r, json_array_get(seeds, i), child, provider, &provider->seeds[i]) != 0)
            return -1;
    }
    return 0;
}

static int read_plugin(struct reader *r, const json_t *json, struct catalog_plugin *plugin)
{
    static const char *const allowed[] = {
        "path", "plugin_name", "plugin_version", "abi_major", "abi_minor", "providers", NULL,
    };

    if (check_object(r, json, "", allowed) != 0 ||
        read_string(r, json, "", "path", CATALOG_MAX_NAME_LEN, &plugin->path) != 0 ||
        read_string(r, json, "", "plugin_name", CATALOG_MAX_NAME_LEN, &plugin->plugin_name) != 0 ||
        read_string(r, json, "", "plugin_version", CATALOG_MAX_NAME_LEN,
                    &plugin->plugin_version) != 0 ||
        read_u32(r, json, "", "abi_major", &plugin->abi_major) != 0 ||
        read_u32(r, json, "", "abi_minor", &plugin->abi_minor) != 0)
        return -1;

    const json_t *providers = get_array(r, json, "", "providers", CATALOG_MAX_PROVIDERS);
    if (providers == NULL)
        return -1;
    size_t count = json_array_size(providers);
    if (alloc_array(r, "", count, sizeof(*plugin->providers), (void **)&plugin->providers) != 0)
        return -1;
    plugin->providers_count = count;
    for (size_t i = 0; i < count; i++) {
        char where[WHERE_SIZE];
        join_where(where, "", "providers", (long)i);
        if (read_provider(r, json_array_get(providers, i), where, &plugin->providers[i]) != 0)
            return -1;
    }
    return 0;
}

int catalog_plugin_from_json(const json_t *json, struct catalog_plugin *out, char *err,
                             size_t err_size)
{
    struct reader r = {err, err_size};
    memset(out, 0, sizeof(*out));

    if (json == NULL)
        return fail(err, err_size, "", "no JSON value");
    if (read_plugin(&r, json, out) != 0) {
        catalog_plugin_clear(out);
        return -1;
    }

    catalog_plugin_link(out);
    return 0;
}
