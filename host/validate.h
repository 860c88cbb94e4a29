/*
 * Validation of what plugins declare, run before any infrastructure is
 * touched. Used by `schemareg-host validate` and by schemareg-lint.
 *
 * Every problem is reported, each under a rule name, so that one run shows
 * everything a plugin author has to fix:
 *
 *   service-id             present, [a-z0-9][a-z0-9_-]*, at most
 *                          VALIDATE_SERVICE_ID_MAX_LEN characters
 *   service-id-duplicate   no two providers share a service id
 *   table-name             present, 1 to SCHEMAREG_TABLE_NAME_MAX_LEN
 *                          characters of [A-Za-z0-9_.-], so that
 *                          "{capsule}-{name}" is a valid DynamoDB name for
 *                          every capsule code
 *   table-name-duplicate   unique within a provider and across providers,
 *                          because all tables share one capsule prefix
 *   attribute-name         present, at most 255 bytes
 *   attribute-type         S, N or B
 *   attribute-duplicate    each attribute defined once per table
 *   key-schema             1 or 2 elements, HASH first, at most one RANGE,
 *                          two different attributes
 *   key-attribute          every key attribute has a definition
 *   unused-attribute       every definition is used by a table or GSI key
 *   gsi-name               present, 3 to 255 characters of [A-Za-z0-9_.-]
 *   gsi-name-duplicate     unique within the table
 *   gsi-key-schema         as key-schema, for each GSI
 *   gsi-key-attribute      every GSI key attribute has a definition
 *   gsi-projection         ALL, KEYS_ONLY or INCLUDE; INCLUDE lists
 *                          non-key attributes, the others list none
 *   gsi-projected-attributes
 *                          at most 100 non-key attributes listed over all
 *                          of a table's GSIs, DynamoDB's fixed limit; an
 *                          attribute listed in two indexes counts twice
 *   billing-mode           PAY_PER_REQUEST or PROVISIONED
 *   capacity               PROVISIONED sets read and write capacity above 0
 *                          on the table and every GSI; PAY_PER_REQUEST
 *                          sets none
 *   ttl-attribute          when set, 1 to 255 bytes
 *   seed-table             present and the name of a table of the same
 *                          provider
 *   seed-item              valid DynamoDB JSON (see ddb_json.h)
 *   seed-key               carries the table's key attributes with the
 *                          declared types and non-empty values within
 *                          DynamoDB's key length limits
 *   seed-gsi-key           GSI key attributes, when present, have the
 *                          declared types and non-empty values
 *   seed-item-size         at most 400 KB by DynamoDB's size rules
 *   seed-duplicate         no two seeds of a table share a primary key
 *   seed-condition         every seed has a condition expression that
 *                          requires attribute_not_exists(K), K the table's
 *                          HASH key given directly or through a #name: the
 *                          check alone, a term of a top-level AND, or in
 *                          every branch of a top-level OR. So a run without
 *                          a checkpoint never overwrites data users changed
 *   seed-expression-names  a JSON object of "#name": "attribute"; every
 *                          #name in the condition is defined and every
 *                          defined one is used
 *   seed-expression-values a JSON object of ":value": AttributeValue; the
 *                          same rule for :value placeholders
 */
#ifndef SCHEMAREG_VALIDATE_H
#define SCHEMAREG_VALIDATE_H

#include <stddef.h>

#include "catalog.h"

#define VALIDATE_SERVICE_ID_MAX_LEN 64u

/*
 * One problem. plugin_path, service_id and rule point into the validated
 * plugins or static storage (service_id may be NULL when the provider has
 * none) and stay valid as long as the plugins do. message is owned by the
 * report and names the plugin path, service id, object and the fix.
 */
struct validation_problem {
    const char *plugin_path;
    const char *service_id;
    const char *rule;
    char *message;
};

struct validation_report {
    struct validation_problem *items;
    size_t count;
};

/*
 * Checks every rule on every provider of plugins and stores all problems
 * in *out, in plugin, provider and declaration order. *out is overwritten,
 * and the caller frees it with validation_report_free. Strings in plugins may be NULL.
 * Running out of memory aborts the process, because a partial report would
 * pass broken plugins as valid.
 */
void validate_plugins(const struct catalog_plugin *plugins, size_t plugins_count,
                      struct validation_report *out);

void validation_report_free(struct validation_report *report);

#endif
