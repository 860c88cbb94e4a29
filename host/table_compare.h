/*
 * Compares a table as DynamoDB describes it with its declaration.
 */
#ifndef SCHEMAREG_TABLE_COMPARE_H
#define SCHEMAREG_TABLE_COMPARE_H

#include <stddef.h>

#include <jansson.h>

#include "catalog.h"

struct table_comparison {
    /* Nonzero when the table's key schema or a key attribute type differs
     * from the declaration, or a declared index exists with other keys.
     * Drift is never repaired: nothing is deleted. */
    int drift;
    char drift_message[1200];
    /* Declared GSIs the table does not have, in declaration order. */
    const struct catalog_gsi **missing_gsis;
    size_t missing_gsis_count;
    /* Names of indexes the table has but no plugin declares (owned). */
    char **undeclared_indexes;
    size_t undeclared_indexes_count;
};

/* Compares description (the "Table" object of a DescribeTable response)
 * with table. Returns 0 and fills out (free with table_comparison_free),
 * or -1 when memory runs out. */
int table_compare(const json_t *description, const struct catalog_table *table,
                  struct table_comparison *out);
void table_comparison_free(struct table_comparison *comparison);

/* Writes "HASH pk (S), RANGE sk (N)" for a declared key schema into out. */
void table_compare_format_declared(const struct catalog_table *table,
                                   const struct catalog_key *keys, size_t count,
                                   char *out, size_t out_len);

/* Returns the description of index_name in description's
 * GlobalSecondaryIndexes, or NULL. */
const json_t *table_compare_find_index(const json_t *description, const char *index_name);

#endif
