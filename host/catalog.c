#include "catalog.h"

#include <stdlib.h>
#include <string.h>

#include "schemareg/provider.h"

static void free_keys(struct catalog_key *keys, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(keys[i].attribute_name);
    free(keys);
}

static void clear_gsi(struct catalog_gsi *gsi)
{
    free(gsi->index_name);
    free_keys(gsi->key_schema, gsi->key_schema_count);
    for (size_t i = 0; i < gsi->non_key_attributes_count; i++)
        free(gsi->non_key_attributes[i]);
    free(gsi->non_key_attributes);
}

static void clear_table(struct catalog_table *table)
{
    free(table->name);
    for (size_t i = 0; i < table->attributes_count; i++)
        free(table->attributes[i].name);
    free(table->attributes);
    free_keys(table->key_schema, table->key_schema_count);
    for (size_t i = 0; i < table->gsis_count; i++)
        clear_gsi(&table->gsis[i]);
    free(table->gsis);
    free(table->ttl_attribute);
}

static void clear_seed(struct catalog_seed *seed)
{
    free(seed->table);
    free(seed->condition_expression);
    free(seed->expression_attribute_names_json);
    free(seed->expression_attribute_values_json);
}

static void clear_provider(struct catalog_provider *provider)
{
    free(provider->service_id);
    free(provider->description);
    for (size_t i = 0; i < provider->tables_count; i++)
        clear_table(&provider->tables[i]);
    free(provider->tables);
    for (size_t i = 0; i < provider->seeds_count; i++)
        clear_seed(&provider->seeds[i]);
    free(provider->seeds);
    string_pool_free(&provider->seed_items);
}

int catalog_provider_keep_item(struct catalog_provider *provider, char *text, const char **out)
{
    *out = string_pool_copy(&provider->seed_items, text);
    int failed = text != NULL && *out == NULL;

    free(text);
    return failed ? -1 : 0;
}

void catalog_provider_release_items(struct catalog_provider *provider)
{
    for (size_t i = 0; i < provider->seeds_count; i++)
        provider->seeds[i].item_json = NULL;
    string_pool_free(&provider->seed_items);
}

void catalog_plugin_clear(struct catalog_plugin *plugin)
{
    if (plugin == NULL)
        return;

    free(plugin->path);
    free(plugin->plugin_name);
    free(plugin->plugin_version);
    for (size_t i = 0; i < plugin->providers_count; i++)
        clear_provider(&plugin->providers[i]);
    free(plugin->providers);
    memset(plugin, 0, sizeof(*plugin));
}

void catalog_plugins_free(struct catalog_plugin *plugins, size_t count)
{
    if (plugins == NULL)
        return;

    for (size_t i = 0; i < count; i++)
        catalog_plugin_clear(&plugins[i]);
    free(plugins);
}

void catalog_plugin_link(struct catalog_plugin *plugin)
{
    for (size_t i = 0; i < plugin->providers_count; i++)
        plugin->providers[i].plugin = plugin;
}

/* One SCHEMAREG_* code and its DynamoDB spelling. */
struct code_name {
    uint32_t code;
    const char *name;
};

static const struct code_name attribute_types[] = {
    {SCHEMAREG_ATTR_S, "S"},
    {SCHEMAREG_ATTR_N, "N"},
    {SCHEMAREG_ATTR_B, "B"},
};

static const struct code_name key_types[] = {
    {SCHEMAREG_KEY_HASH, "HASH"},
    {SCHEMAREG_KEY_RANGE, "RANGE"},
};

static const struct code_name billing_modes[] = {
    {SCHEMAREG_BILLING_PAY_PER_REQUEST, "PAY_PER_REQUEST"},
    {SCHEMAREG_BILLING_PROVISIONED, "PROVISIONED"},
};

static const struct code_name projection_types[] = {
    {SCHEMAREG_PROJECTION_ALL, "ALL"},
    {SCHEMAREG_PROJECTION_KEYS_ONLY, "KEYS_ONLY"},
    {SCHEMAREG_PROJECTION_INCLUDE, "INCLUDE"},
};

#define TABLE_SIZE(table) (sizeof(table) / sizeof((table)[0]))

static const char *name_of(const struct code_name *table, size_t count, uint32_t code)
{
    for (size_t i = 0; i < count; i++) {
        if (table[i].code == code)
            return table[i].name;
    }
    return NULL;
}

static int code_of(const struct code_name *table, size_t count, const char *name,
                   uint32_t *code)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(table[i].name, name) == 0) {
            *code = table[i].code;
            return 0;
        }
    }
    return -1;
}

const char *catalog_attribute_type_name(uint32_t type)
{
    return name_of(attribute_types, TABLE_SIZE(attribute_types), type);
}

const char *catalog_key_type_name(uint32_t key_type)
{
    return name_of(key_types, TABLE_SIZE(key_types), key_type);
}

const char *catalog_billing_mode_name(uint32_t billing_mode)
{
    return name_of(billing_modes, TABLE_SIZE(billing_modes), billing_mode);
}

const char *catalog_projection_type_name(uint32_t projection_type)
{
    return name_of(projection_types, TABLE_SIZE(projection_types), projection_type);
}

int catalog_attribute_type_parse(const char *name, uint32_t *code)
{
    return code_of(attribute_types, TABLE_SIZE(attribute_types), name, code);
}

int catalog_key_type_parse(const char *name, uint32_t *code)
{
    return code_of(key_types, TABLE_SIZE(key_types), name, code);
}

int catalog_billing_mode_parse(const char *name, uint32_t *code)
{
    return code_of(billing_modes, TABLE_SIZE(billing_modes), name, code);
}

int catalog_projection_type_parse(const char *name, uint32_t *code)
{
    return code_of(projection_types, TABLE_SIZE(projection_types), name, code);
}

/* NULL sorts before any string. */
static int compare_nullable(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int compare_providers(const void *left, const void *right)
{
    const struct catalog_provider *a = *(const struct catalog_provider *const *)left;
    const struct catalog_provider *b = *(const struct catalog_provider *const *)right;

    int order = compare_nullable(a->service_id, b->service_id);
    if (order != 0)
        return order;

    const char *a_path = a->plugin != NULL ? a->plugin->path : NULL;
    const char *b_path = b->plugin != NULL ? b->plugin->path : NULL;
    order = compare_nullable(a_path, b_path);
    if (order != 0)
        return order;

    /* Same plugin: keep declaration order, which is address order. */
    return (a > b) - (a < b);
}

int catalog_providers_sorted(const struct catalog_plugin *plugins, size_t plugins_count,
                             const struct catalog_provider ***out, size_t *out_count)
{
    size_t total = 0;
    for (size_t i = 0; i < plugins_count; i++)
        total += plugins[i].providers_count;

    *out = NULL;
    *out_count = 0;
    if (total == 0)
        return 0;

    const struct catalog_provider **sorted = calloc(total, sizeof(*sorted));
    if (sorted == NULL)
        return -1;

    size_t n = 0;
    for (size_t i = 0; i < plugins_count; i++) {
        for (size_t j = 0; j < plugins[i].providers_count; j++)
            sorted[n++] = &plugins[i].providers[j];
    }
    qsort(sorted, total, sizeof(*sorted), compare_providers);

    *out = sorted;
    *out_count = total;
    return 0;
}
