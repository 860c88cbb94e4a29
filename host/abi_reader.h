/*
 * Copies what a plugin's schemareg_providers() returned into the host's
 * catalog, reading each struct only as far as the plugin says it extends.
 */
#ifndef SCHEMAREG_ABI_READER_H
#define SCHEMAREG_ABI_READER_H

#include <stddef.h>

#include "catalog.h"
#include "schemareg/provider.h"

/*
 * Copies *plugin into *out (whose path member is left NULL for the caller).
 * A field is read only when it lies entirely inside the struct_size or
 * stride the plugin declares, so fields of a newer minor are ignored and
 * fields an older minor lacks read as zero or NULL. Rejects a NULL plugin,
 * an ABI major other than SCHEMAREG_ABI_MAJOR, a struct_size or stride
 * below the ABI 1.0 size, a count above the CATALOG_MAX_* limits, a NULL
 * array with a nonzero count, capacity units above INT64_MAX, and strings
 * longer than the limits or not valid UTF-8. NULL strings are copied as
 * NULL, because validation reports them.
 *
 * Returns 0, or -1 with *out zeroed and a message in err that locates the
 * field, e.g. "providers[1] (billing): tables[2] (invoices): attributes_stride 8
 * is below the ABI 1.0 size 16".
 */
int abi_reader_copy_plugin(const struct schema_plugin_v1 *plugin, struct catalog_plugin *out,
                           char *err, size_t err_size);

/* The ABI 1.0 size of each struct: the end of its last 1.0 field. Later
 * 1.x headers may make sizeof larger, never these values. */
#define ABI_READER_PLUGIN_MIN_SIZE                                                          \
    (offsetof(struct schema_plugin_v1, plugin_version) + sizeof(const char *))
#define ABI_READER_PROVIDER_MIN_SIZE                                                        \
    (offsetof(struct schema_provider_v1, seeds_stride) + sizeof(uint32_t))
#define ABI_READER_TABLE_MIN_SIZE                                                           \
    (offsetof(struct schema_table_v1, ttl_attribute) + sizeof(const char *))
#define ABI_READER_GSI_MIN_SIZE                                                             \
    (offsetof(struct schema_gsi_v1, write_capacity_units) + sizeof(uint64_t))
#define ABI_READER_ATTRIBUTE_MIN_SIZE                                                       \
    (offsetof(struct schema_attribute_v1, reserved) + sizeof(uint32_t))
#define ABI_READER_KEY_MIN_SIZE (offsetof(struct schema_key_v1, reserved) + sizeof(uint32_t))
#define ABI_READER_SEED_MIN_SIZE                                                            \
    (offsetof(struct schema_seed_v1, expression_attribute_values_json) + sizeof(const char *))

/* Largest stride or struct_size accepted; anything bigger is garbage. */
#define ABI_READER_MAX_STRUCT_SIZE 4096u

#endif
