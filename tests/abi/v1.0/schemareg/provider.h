/*
 * schemareg provider ABI, version 1.
 *
 * This header is the whole contract between a product plugin and
 * schemareg-host. A plugin is a shared object that exports exactly one
 * symbol, schemareg_providers(), which returns a static description of the
 * DynamoDB tables, indexes, TTL settings and seed records its product
 * needs. The host copies what it reads, never writes to plugin memory and
 * never frees it.
 *
 * Compatibility rules for every 1.x header:
 *   - SCHEMAREG_ABI_MAJOR stays 1. A host accepts any plugin whose
 *     abi_major equals its own, whatever the minor, and rejects a plugin
 *     with a higher major before it calls the plugin's code.
 *   - A minor version may only append fields at the end of a struct, and
 *     may only add new #define codes. It never removes, reorders, retypes
 *     or resizes a field, and never changes what an existing code means.
 *   - Every struct reached through a pointer starts with struct_size, and
 *     every array is described by (pointer, count, stride), where stride is
 *     sizeof(element) as the plugin was compiled. A host reads a field only
 *     when it lies entirely inside struct_size or stride; fields a plugin
 *     does not have read as zero or NULL. So an older plugin works in a
 *     newer host and a newer-minor plugin works in an older host.
 *   - Anything else (removing a field, changing a meaning, a new entry
 *     point) needs SCHEMAREG_ABI_MAJOR 2 and a new set of _v2 structs.
 *
 * Only ABI-safe types appear: fixed-width integers, uint32_t codes instead
 * of enums, pointers, and NUL-terminated UTF-8 strings that must stay valid
 * for the life of the process (string literals are the normal choice). No
 * bool, no bitfields, no struct passed or returned by value.
 *
 * docs/ABI.md describes the same rules with examples.
 */
#ifndef SCHEMAREG_PROVIDER_H
#define SCHEMAREG_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCHEMAREG_ABI_MAJOR 1u
#define SCHEMAREG_ABI_MINOR 0u

/* Limits the host enforces. A capsule code is 1 to 32 characters of
 * [a-z0-9-], starting with a letter or digit; the host names each table
 * "{capsule}-{name}", so a bare table name may use up to
 * 255 - 33 = 222 characters and still form a valid DynamoDB table name. */
#define SCHEMAREG_CAPSULE_MAX_LEN 32u
#define SCHEMAREG_TABLE_NAME_MAX_LEN 222u

/* Attribute types (schema_attribute_v1.type). */
#define SCHEMAREG_ATTR_S 1u
#define SCHEMAREG_ATTR_N 2u
#define SCHEMAREG_ATTR_B 3u

/* Key roles (schema_key_v1.key_type). */
#define SCHEMAREG_KEY_HASH 1u
#define SCHEMAREG_KEY_RANGE 2u

/* Billing modes (schema_table_v1.billing_mode). */
#define SCHEMAREG_BILLING_PAY_PER_REQUEST 1u
#define SCHEMAREG_BILLING_PROVISIONED 2u

/* GSI projections (schema_gsi_v1.projection_type). */
#define SCHEMAREG_PROJECTION_ALL 1u
#define SCHEMAREG_PROJECTION_KEYS_ONLY 2u
#define SCHEMAREG_PROJECTION_INCLUDE 3u

/* One attribute definition: a name used by a table or index key. */
struct schema_attribute_v1 {
    const char *name;
    uint32_t type; /* SCHEMAREG_ATTR_* */
    uint32_t reserved;
};

/* One key schema element. HASH comes first, an optional RANGE second. */
struct schema_key_v1 {
    const char *attribute_name;
    uint32_t key_type; /* SCHEMAREG_KEY_* */
    uint32_t reserved;
};

/* One Global Secondary Index. */
struct schema_gsi_v1 {
    const char *index_name;
    const struct schema_key_v1 *key_schema;
    uint32_t key_schema_count;
    uint32_t key_schema_stride;
    uint32_t projection_type; /* SCHEMAREG_PROJECTION_* */
    uint32_t non_key_attributes_count;
    /* Attribute names copied into the index; INCLUDE projections only. */
    const char *const *non_key_attributes;
    /* Capacity units; used only when the table is PROVISIONED. */
    uint64_t read_capacity_units;
    uint64_t write_capacity_units;
};

/* One table, named without the capsule prefix. */
struct schema_table_v1 {
    const char *name;
    const struct schema_attribute_v1 *attributes;
    uint32_t attributes_count;
    uint32_t attributes_stride;
    const struct schema_key_v1 *key_schema;
    uint32_t key_schema_count;
    uint32_t key_schema_stride;
    uint32_t billing_mode; /* SCHEMAREG_BILLING_* */
    uint32_t reserved;
    /* Capacity units; used only when billing_mode is PROVISIONED. */
    uint64_t read_capacity_units;
    uint64_t write_capacity_units;
    const struct schema_gsi_v1 *gsis;
    uint32_t gsis_count;
    uint32_t gsis_stride;
    /* Name of the epoch-seconds attribute that expires items; NULL for none. */
    const char *ttl_attribute;
};

/*
 * One record the service expects to exist before its first request. The
 * host writes it with PutItem and condition_expression, so an item that
 * is already there (perhaps changed by a user) is never overwritten.
 * Validation rejects a seed without a condition.
 */
struct schema_seed_v1 {
    const char *table; /* bare table name of the same provider */
    /* The item in DynamoDB JSON, e.g. {"pk":{"S":"plan#free"}}. */
    const char *item_json;
    /* e.g. "attribute_not_exists(pk)" */
    const char *condition_expression;
    /* JSON object or NULL, e.g. {"#pk":"pk"} */
    const char *expression_attribute_names_json;
    /* JSON object in DynamoDB JSON or NULL, e.g. {":v":{"N":"1"}} */
    const char *expression_attribute_values_json;
};

/* Everything one product service declares. */
struct schema_provider_v1 {
    uint32_t struct_size; /* sizeof(struct schema_provider_v1) */
    uint32_t reserved;
    /* Service id, unique across all plugins, e.g. "billing". */
    const char *service_id;
    const char *description; /* optional */
    const struct schema_table_v1 *tables;
    uint32_t tables_count;
    uint32_t tables_stride;
    const struct schema_seed_v1 *seeds;
    uint32_t seeds_count;
    uint32_t seeds_stride;
};

/* What schemareg_providers() returns: the plugin's identity and providers. */
struct schema_plugin_v1 {
    uint32_t struct_size; /* sizeof(struct schema_plugin_v1) */
    uint32_t abi_major;   /* SCHEMAREG_ABI_MAJOR of the header built against */
    uint32_t abi_minor;   /* SCHEMAREG_ABI_MINOR of the header built against */
    uint32_t providers_count;
    const struct schema_provider_v1 *const *providers;
    const char *plugin_name;
    const char *plugin_version;
};

/* The one symbol a plugin exports. */
typedef const struct schema_plugin_v1 *(*schemareg_providers_fn)(void);
#define SCHEMAREG_ENTRY_SYMBOL "schemareg_providers"

/*
 * ELF note that identifies a plugin without running its code. The host
 * reads section SCHEMAREG_NOTE_SECTION from the file before dlopen and
 * rejects the file if the note is missing or names another ABI major.
 * Layout: the standard ELF note header (namesz, descsz, type), the name
 * "schemareg" padded to 12 bytes, then struct schema_note_desc_v1.
 */
#define SCHEMAREG_NOTE_SECTION ".note.schemareg"
#define SCHEMAREG_NOTE_NAME "schemareg"
#define SCHEMAREG_NOTE_TYPE 0x53520001u
#define SCHEMAREG_NOTE_NAME_MAX 64u
#define SCHEMAREG_NOTE_VERSION_MAX 32u

struct schema_note_desc_v1 {
    uint32_t abi_major;
    uint32_t abi_minor;
    char plugin_name[SCHEMAREG_NOTE_NAME_MAX];       /* NUL-padded */
    char plugin_version[SCHEMAREG_NOTE_VERSION_MAX]; /* NUL-padded */
};

struct schema_note_v1 {
    uint32_t namesz; /* sizeof(SCHEMAREG_NOTE_NAME), 10 */
    uint32_t descsz; /* sizeof(struct schema_note_desc_v1) */
    uint32_t type;   /* SCHEMAREG_NOTE_TYPE */
    char name[12];
    struct schema_note_desc_v1 desc;
};

/* Marks the entry point as the plugin's only exported symbol. Build
 * plugins with -fvisibility=hidden so nothing else leaks out. */
#if defined(__GNUC__) || defined(__clang__)
#define SCHEMAREG_EXPORT __attribute__((visibility("default")))
#else
#define SCHEMAREG_EXPORT
#endif

/* Fills the (pointer, count, stride) triple of an array field from a C
 * array, e.g. SCHEMAREG_ARRAY(tables, billing_tables) in an initializer. */
#define SCHEMAREG_ARRAY(field, array)                                      \
    .field = (array),                                                      \
    .field##_count = (uint32_t)(sizeof(array) / sizeof((array)[0])),       \
    .field##_stride = (uint32_t)sizeof((array)[0])

#ifdef __cplusplus
#define SCHEMAREG_EXTERN_C extern "C"
#else
#define SCHEMAREG_EXTERN_C
#endif

/*
 * Defines the plugin's ELF note and its schemareg_providers() entry point.
 * NAME and VERSION are string literals (at most 63 and 31 bytes);
 * PROVIDERS is a C array of const struct schema_provider_v1 pointers.
 * Use it once, at file scope, in one source file of the plugin.
 */
#define SCHEMAREG_PLUGIN(NAME, VERSION, PROVIDERS)                         \
    __attribute__((section(SCHEMAREG_NOTE_SECTION), used, aligned(4)))    \
    static const struct schema_note_v1 schemareg_plugin_note = {          \
        sizeof(SCHEMAREG_NOTE_NAME),                                       \
        sizeof(struct schema_note_desc_v1),                                \
        SCHEMAREG_NOTE_TYPE,                                               \
        SCHEMAREG_NOTE_NAME,                                               \
        {SCHEMAREG_ABI_MAJOR, SCHEMAREG_ABI_MINOR, NAME, VERSION}};        \
    static const struct schema_plugin_v1 schemareg_plugin_descriptor = {  \
        sizeof(struct schema_plugin_v1),                                   \
        SCHEMAREG_ABI_MAJOR,                                               \
        SCHEMAREG_ABI_MINOR,                                               \
        (uint32_t)(sizeof(PROVIDERS) / sizeof((PROVIDERS)[0])),            \
        (PROVIDERS),                                                       \
        NAME,                                                              \
        VERSION};                                                          \
    SCHEMAREG_EXTERN_C SCHEMAREG_EXPORT const struct schema_plugin_v1 *    \
    schemareg_providers(void);                                             \
    SCHEMAREG_EXTERN_C SCHEMAREG_EXPORT const struct schema_plugin_v1 *    \
    schemareg_providers(void)                                              \
    {                                                                      \
        return &schemareg_plugin_descriptor;                               \
    }

/* Offsets of every published field, fixed for all 1.x versions. They are
 * checked on LP64 targets (C11 or C++11 and later); a C99 build skips the
 * checks because it has no static assertions. */
#if defined(__SIZEOF_POINTER__) && __SIZEOF_POINTER__ == 8 &&              \
    ((defined(__cplusplus) && __cplusplus >= 201103L) ||                   \
     (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L))
#ifdef __cplusplus
#define SCHEMAREG_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#else
#define SCHEMAREG_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#endif
#define SCHEMAREG_P_ sizeof(void *)
#define SCHEMAREG_AT_(type, field, offset)                                 \
    SCHEMAREG_STATIC_ASSERT(offsetof(struct type, field) == (offset),      \
                            #type "." #field " moved")

SCHEMAREG_AT_(schema_attribute_v1, name, 0);
SCHEMAREG_AT_(schema_attribute_v1, type, SCHEMAREG_P_);
SCHEMAREG_AT_(schema_attribute_v1, reserved, SCHEMAREG_P_ + 4);

SCHEMAREG_AT_(schema_key_v1, attribute_name, 0);
SCHEMAREG_AT_(schema_key_v1, key_type, SCHEMAREG_P_);
SCHEMAREG_AT_(schema_key_v1, reserved, SCHEMAREG_P_ + 4);

SCHEMAREG_AT_(schema_gsi_v1, index_name, 0);
SCHEMAREG_AT_(schema_gsi_v1, key_schema, SCHEMAREG_P_);
SCHEMAREG_AT_(schema_gsi_v1, key_schema_count, 2 * SCHEMAREG_P_);
SCHEMAREG_AT_(schema_gsi_v1, key_schema_stride, 2 * SCHEMAREG_P_ + 4);
SCHEMAREG_AT_(schema_gsi_v1, projection_type, 2 * SCHEMAREG_P_ + 8);
SCHEMAREG_AT_(schema_gsi_v1, non_key_attributes_count, 2 * SCHEMAREG_P_ + 12);
SCHEMAREG_AT_(schema_gsi_v1, non_key_attributes, 2 * SCHEMAREG_P_ + 16);
SCHEMAREG_AT_(schema_gsi_v1, read_capacity_units, 3 * SCHEMAREG_P_ + 16);
SCHEMAREG_AT_(schema_gsi_v1, write_capacity_units, 3 * SCHEMAREG_P_ + 24);

SCHEMAREG_AT_(schema_table_v1, name, 0);
SCHEMAREG_AT_(schema_table_v1, attributes, SCHEMAREG_P_);
SCHEMAREG_AT_(schema_table_v1, attributes_count, 2 * SCHEMAREG_P_);
SCHEMAREG_AT_(schema_table_v1, attributes_stride, 2 * SCHEMAREG_P_ + 4);
SCHEMAREG_AT_(schema_table_v1, key_schema, 2 * SCHEMAREG_P_ + 8);
SCHEMAREG_AT_(schema_table_v1, key_schema_count, 3 * SCHEMAREG_P_ + 8);
SCHEMAREG_AT_(schema_table_v1, key_schema_stride, 3 * SCHEMAREG_P_ + 12);
SCHEMAREG_AT_(schema_table_v1, billing_mode, 3 * SCHEMAREG_P_ + 16);
SCHEMAREG_AT_(schema_table_v1, reserved, 3 * SCHEMAREG_P_ + 20);
SCHEMAREG_AT_(schema_table_v1, read_capacity_units, 3 * SCHEMAREG_P_ + 24);
SCHEMAREG_AT_(schema_table_v1, write_capacity_units, 3 * SCHEMAREG_P_ + 32);
SCHEMAREG_AT_(schema_table_v1, gsis, 3 * SCHEMAREG_P_ + 40);
SCHEMAREG_AT_(schema_table_v1, gsis_count, 4 * SCHEMAREG_P_ + 40);
SCHEMAREG_AT_(schema_table_v1, gsis_stride, 4 * SCHEMAREG_P_ + 44);
SCHEMAREG_AT_(schema_table_v1, ttl_attribute, 4 * SCHEMAREG_P_ + 48);

SCHEMAREG_AT_(schema_seed_v1, table, 0);
SCHEMAREG_AT_(schema_seed_v1, item_json, SCHEMAREG_P_);
SCHEMAREG_AT_(schema_seed_v1, condition_expression, 2 * SCHEMAREG_P_);
SCHEMAREG_AT_(schema_seed_v1, expression_attribute_names_json, 3 * SCHEMAREG_P_);
SCHEMAREG_AT_(schema_seed_v1, expression_attribute_values_json, 4 * SCHEMAREG_P_);

SCHEMAREG_AT_(schema_provider_v1, struct_size, 0);
SCHEMAREG_AT_(schema_provider_v1, reserved, 4);
SCHEMAREG_AT_(schema_provider_v1, service_id, 8);
SCHEMAREG_AT_(schema_provider_v1, description, 8 + SCHEMAREG_P_);
SCHEMAREG_AT_(schema_provider_v1, tables, 8 + 2 * SCHEMAREG_P_);
SCHEMAREG_AT_(schema_provider_v1, tables_count, 8 + 3 * SCHEMAREG_P_);
SCHEMAREG_AT_(schema_provider_v1, tables_stride, 12 + 3 * SCHEMAREG_P_);
SCHEMAREG_AT_(schema_provider_v1, seeds, 16 + 3 * SCHEMAREG_P_);
SCHEMAREG_AT_(schema_provider_v1, seeds_count, 16 + 4 * SCHEMAREG_P_);
SCHEMAREG_AT_(schema_provider_v1, seeds_stride, 20 + 4 * SCHEMAREG_P_);

SCHEMAREG_AT_(schema_plugin_v1, struct_size, 0);
SCHEMAREG_AT_(schema_plugin_v1, abi_major, 4);
SCHEMAREG_AT_(schema_plugin_v1, abi_minor, 8);
SCHEMAREG_AT_(schema_plugin_v1, providers_count, 12);
SCHEMAREG_AT_(schema_plugin_v1, providers, 16);
SCHEMAREG_AT_(schema_plugin_v1, plugin_name, 16 + SCHEMAREG_P_);
SCHEMAREG_AT_(schema_plugin_v1, plugin_version, 16 + 2 * SCHEMAREG_P_);

SCHEMAREG_AT_(schema_note_desc_v1, abi_major, 0);
SCHEMAREG_AT_(schema_note_desc_v1, abi_minor, 4);
SCHEMAREG_AT_(schema_note_desc_v1, plugin_name, 8);
SCHEMAREG_AT_(schema_note_desc_v1, plugin_version, 8 + SCHEMAREG_NOTE_NAME_MAX);
SCHEMAREG_AT_(schema_note_v1, namesz, 0);
SCHEMAREG_AT_(schema_note_v1, descsz, 4);
SCHEMAREG_AT_(schema_note_v1, type, 8);
SCHEMAREG_AT_(schema_note_v1, name, 12);
SCHEMAREG_AT_(schema_note_v1, desc, 24);

#undef SCHEMAREG_AT_
#undef SCHEMAREG_P_
#undef SCHEMAREG_STATIC_ASSERT
#endif

#ifdef __cplusplus
}
#endif

#endif /* SCHEMAREG_PROVIDER_H */
