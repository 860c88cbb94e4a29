/*
 * DynamoDB request bodies built from a declared table: CreateTable, and
 * UpdateTable for adding one global secondary index.
 */
#ifndef SCHEMAREG_TABLE_REQUEST_H
#define SCHEMAREG_TABLE_REQUEST_H

#include <jansson.h>

#include "catalog.h"

/* Returns the CreateTable body for table under physical_name, with key
 * schema, the attribute definitions the keys use, billing mode
 * (provisioned throughput when PROVISIONED) and every GSI. Caller owns it;
 * NULL only when memory runs out. */
json_t *table_request_create(const char *physical_name, const struct catalog_table *table);

/* Returns the UpdateTable body that creates gsi on an existing table. */
json_t *table_request_add_gsi(const char *physical_name, const struct catalog_table *table,
                              const struct catalog_gsi *gsi);

/* Returns "S", "N" or "B" for a SCHEMAREG_ATTR_* code, NULL otherwise. */
const char *table_request_attribute_type(uint32_t type);

/* Returns "HASH" or "RANGE" for a SCHEMAREG_KEY_* code, NULL otherwise. */
const char *table_request_key_type(uint32_t key_type);

/* Returns the declared type code of attribute name in table, 0 if absent. */
uint32_t table_request_find_attribute_type(const struct catalog_table *table, const char *name);

#endif
