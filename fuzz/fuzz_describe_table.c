/*
 * Fuzz target: DynamoDB success responses as provisioning reads them. The
 * input is a DescribeTable response body. Its "Table" object is compared
 * with a fixed declaration (HASH and RANGE keys, two GSIs, TTL), as the
 * engine does for every existing table.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "catalog.h"
#include "schemareg/provider.h"
#include "table_compare.h"

static struct catalog_attribute attributes[] = {
    {"pk", SCHEMAREG_ATTR_S},
    {"sk", SCHEMAREG_ATTR_N},
    {"email", SCHEMAREG_ATTR_S},
    {"blob", SCHEMAREG_ATTR_B},
};
static struct catalog_key table_keys[] = {
    {"pk", SCHEMAREG_KEY_HASH},
    {"sk", SCHEMAREG_KEY_RANGE},
};
static struct catalog_key email_keys[] = {{"email", SCHEMAREG_KEY_HASH}};
static struct catalog_key blob_keys[] = {
    {"blob", SCHEMAREG_KEY_HASH},
    {"sk", SCHEMAREG_KEY_RANGE},
};
static char *included[] = {"name", "plan"};
static struct catalog_gsi gsis[] = {
    {"by-email", email_keys, 1, SCHEMAREG_PROJECTION_ALL, NULL, 0, 0, 0},
    {"by-blob", blob_keys, 2, SCHEMAREG_PROJECTION_INCLUDE, included, 2, 5, 5},
};
static const struct catalog_table declared = {
    .name = "widgets",
    .attributes = attributes,
    .attributes_count = sizeof(attributes) / sizeof(attributes[0]),
    .key_schema = table_keys,
    .key_schema_count = sizeof(table_keys) / sizeof(table_keys[0]),
    .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
    .gsis = gsis,
    .gsis_count = sizeof(gsis) / sizeof(gsis[0]),
    .ttl_attribute = "expires_at",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t error;
    json_t *response = json_loadb((const char *)data, size, 0, &error);
    if (response == NULL)
        return 0;

    const json_t *description = json_object_get(response, "Table");
    if (description != NULL) {
        struct table_comparison comparison;
        memset(&comparison, 0, sizeof(comparison));
        if (table_compare(description, &declared, &comparison) == 0) {
            if (memchr(comparison.drift_message, '\0', sizeof(comparison.drift_message)) == NULL)
                __builtin_trap(); /* unterminated drift message */
            for (size_t i = 0; i < comparison.undeclared_indexes_count; i++)
                (void)strlen(comparison.undeclared_indexes[i]);
            table_comparison_free(&comparison);
        }
        for (size_t i = 0; i < declared.gsis_count; i++)
            (void)table_compare_find_index(description, declared.gsis[i].index_name);
    }
    json_decref(response);
    return 0;
}
