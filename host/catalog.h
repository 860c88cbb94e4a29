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
    char *item_json;
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

#endif
