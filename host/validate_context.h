/*
 * Shared by the validation modules (validate.c, validate_table.c,
 * validate_seed.c): the provider being checked and the report that
 * collects its problems. Not part of the validation API.
 */
#ifndef SCHEMAREG_VALIDATE_CONTEXT_H
#define SCHEMAREG_VALIDATE_CONTEXT_H

#include <stddef.h>

#include <jansson.h>

#include <schemareg/provider.h>

#include "catalog.h"
#include "validate.h"

struct validate_context {
    struct validation_report *report;
    size_t capacity;
    const struct catalog_plugin *plugin;
    const struct catalog_provider *provider;
    size_t provider_index; /* names the provider when its service id is missing */
};

/*
 * Appends a problem under rule. The message starts with the plugin path
 * and the service, then fmt. Aborts when out of memory.
 */
void validate_add(struct validate_context *context, const char *rule,
                  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Returns nonzero when text is NULL or "". */
int validate_is_blank(const char *text);

/* Returns nonzero when text has min_len to max_len characters, all of them
 * in [A-Za-z0-9_.-], the set DynamoDB allows in table and index names. */
int validate_is_ddb_name(const char *text, size_t min_len, size_t max_len);

/* Finds an attribute definition of table by name, or returns NULL. */
const struct catalog_attribute *validate_find_attribute(
    const struct catalog_table *table, const char *name);

/* Returns "S", "N" or "B" for an attribute type code, or NULL. */
const char *validate_type_name(uint32_t type);

/*
 * Returns nonzero when expression is false for every existing item whose
 * partition key attribute is hash_key. That is the case when
 * attribute_not_exists(hash_key) is a term of a top-level AND, or of every
 * branch of a top-level OR, with the key given directly or through a
 * "#name" of names (an object, or NULL). Returns 0 for anything else, a
 * malformed expression included.
 */
int validate_condition_protects(const char *expression, const json_t *names,
                                const char *hash_key);

/* Rules on one table, and on the seeds of context->provider. */
void validate_table(struct validate_context *context,
                    const struct catalog_table *table, size_t index);
void validate_seeds(struct validate_context *context);

#endif
