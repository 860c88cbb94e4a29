/*
 * The host's own copy of what plugins declare. Everything here is owned by
 * the catalog (heap strings and arrays) and never points into plugin
 * memory, so it stays valid whatever happens to the plugin afterwards.
 * Codes (types, key roles, billing, projections) are the SCHEMAREG_*
 * values of abi/schemareg/provider.h.
 */
#ifndef SCHEMAREG_CATALOG_H
#define SCHEMAREG_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "string_pool.h"

struct catalog_attribute {
    char *name;
    uint32_t type;
};

struct catalog_key {
    char *attribute_name;
    uint32_t key_type;
};

struct catalog_gsi {
    char *index_name;
    struct catalog_key *key_schema;
    size_t key_schema_count;
    uint32_t projection_type;
    char **non_key_attributes;
    size_t non_key_attributes_count;
    uint64_t read_capacity_units;
    uint64_t write_capacity_units;
};

struct catalog_table {
    char *name; /* bare name, without the capsule prefix */
    struct catalog_attribute *attributes;
    size_t attributes_count;
    struct catalog_key *key_schema;
    size_t key_schema_count;
    uint32_t billing_mode;
    uint64_t read_capacity_units;
    uint64_t write_capacity_units;
    struct catalog_gsi *gsis;
    size_t gsis_count;
    char *ttl_attribute; /* NULL when the table has no TTL */
};

struct catalog_seed {
    char *table;
    const char *item_json; /* in the provider's seed_items; NULL once released */
    char *condition_expression;
    char *expression_attribute_names_json;  /* NULL when absent */
    char *expression_attribute_values_json; /* NULL when absent */
};

struct catalog_plugin;

struct catalog_provider {
    char *service_id;
    char *description;
    struct catalog_table *tables;
    size_t tables_count;
    struct catalog_seed *seeds;
    size_t seeds_count;
    /* The seeds' item texts, the bulk of a large catalog, kept in blocks of
     * their own so that they can be released together. */
    struct string_pool seed_items;
    const struct catalog_plugin *plugin; /* the plugin that declared it */
};

struct catalog_plugin {
    char *path;
    char *plugin_name;
    char *plugin_version;
    uint32_t abi_major;
    uint32_t abi_minor;
    struct catalog_provider *providers;
    size_t providers_count;
};

/* Sanity limits on counts and string lengths. Both the ABI reader and the
 * JSON reader reject anything larger, so a garbage count in a plugin or
 * on the wire never turns into a huge allocation. */
#define CATALOG_MAX_PROVIDERS 256u
#define CATALOG_MAX_TABLES 256u
#define CATALOG_MAX_ATTRIBUTES 256u
#define CATALOG_MAX_KEYS 16u
#define CATALOG_MAX_GSIS 64u
#define CATALOG_MAX_NON_KEY_ATTRIBUTES 256u
#define CATALOG_MAX_SEEDS 10000u
/* Names, ids, expressions and the path of a plugin file. */
#define CATALOG_MAX_NAME_LEN 4096u
/* Seed item and expression JSON text. DynamoDB items are at most 400 KB;
 * the JSON text of one may be larger because of quoting and base64. */
#define CATALOG_MAX_JSON_LEN (1024u * 1024u)

/* Copies text into the provider's seed_items and frees it. Returns 0 with
 * the copy in *out (NULL for a NULL text), or -1 when memory runs out. */
int catalog_provider_keep_item(struct catalog_provider *provider, char *text, const char **out);

/* Frees the item text of every seed of the provider at once and sets each
 * item_json to NULL: for a run that has parsed every item it needs. */
void catalog_provider_release_items(struct catalog_provider *provider);

/* Frees everything the plugin owns, but not the struct itself, and zeroes
 * it. Safe on a zeroed or partly filled plugin. */
void catalog_plugin_clear(struct catalog_plugin *plugin);

/* Clears each of count plugins and frees the array. */
void catalog_plugins_free(struct catalog_plugin *plugins, size_t count);

/* Points the plugin member of each provider at plugin. Call it whenever a
 * struct catalog_plugin is copied or moved to a new address. */
void catalog_plugin_link(struct catalog_plugin *plugin);

/* Names of the SCHEMAREG_* codes as DynamoDB spells them ("S", "HASH",
 * "PAY_PER_REQUEST", "INCLUDE"), or NULL for an unknown code. */
const char *catalog_attribute_type_name(uint32_t type);
const char *catalog_key_type_name(uint32_t key_type);
const char *catalog_billing_mode_name(uint32_t billing_mode);
const char *catalog_projection_type_name(uint32_t projection_type);

/* Reverse of the functions above. Returns 0 and sets *code, or -1 when
 * name is not one of the known names. */
int catalog_attribute_type_parse(const char *name, uint32_t *code);
int catalog_key_type_parse(const char *name, uint32_t *code);
int catalog_billing_mode_parse(const char *name, uint32_t *code);
int catalog_projection_type_parse(const char *name, uint32_t *code);

/*
 * Collects pointers to every provider of the given plugins, sorted by
 * service id (strcmp; a NULL id sorts first), then by plugin path and
 * declaration order, so every run works in the same order. On success
 * *out is a malloc'd array the caller frees (NULL when there are no
 * providers) and the function returns 0; it returns -1 when out of memory.
 */
int catalog_providers_sorted(const struct catalog_plugin *plugins, size_t plugins_count,
                             const struct catalog_provider ***out, size_t *out_count);

/*
 * Converts a plugin to the JSON model described in docs/MODEL.md: every
 * field, seed items included both as parsed JSON and as the exact text.
 * Returns a new reference, or NULL with a message in err when a string is
 * not valid UTF-8 or memory runs out.
 */
json_t *catalog_plugin_to_json(const struct catalog_plugin *plugin, char *err, size_t err_size);

/*
 * Builds a plugin from the JSON model. Any malformed input (wrong type,
 * unknown or missing key, unknown code name, count or length above the
 * limits above) is rejected: the function returns -1, leaves *out zeroed
 * and writes a message naming the JSON location into err. Returns 0 on
 * success; the caller then owns *out and frees it with
 * catalog_plugin_clear().
 */
int catalog_plugin_from_json(const json_t *json, struct catalog_plugin *out, char *err,
                             size_t err_size);

#endif
