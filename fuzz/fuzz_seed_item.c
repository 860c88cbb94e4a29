/*
 * Fuzz target: seed item validation. The input is a seed item as a plugin
 * would declare it, DynamoDB JSON text. It goes through the same parse,
 * check and size steps as validation of a seed, and a valid item then has
 * its key extracted and hashed as provisioning does.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "ddb_json.h"
#include "schemareg/provider.h"
#include "seed_key.h"

/* The table that every input item is a seed of: key pk (S), sk (N). */
static struct catalog_attribute seed_attributes[] = {
    {"pk", SCHEMAREG_ATTR_S},
    {"sk", SCHEMAREG_ATTR_N},
};
static struct catalog_key seed_keys[] = {
    {"pk", SCHEMAREG_KEY_HASH},
    {"sk", SCHEMAREG_KEY_RANGE},
};
static const struct catalog_table seed_table = {
    .name = "widgets",
    .attributes = seed_attributes,
    .attributes_count = 2,
    .key_schema = seed_keys,
    .key_schema_count = 2,
    .billing_mode = SCHEMAREG_BILLING_PAY_PER_REQUEST,
};

/* Extracts, hashes and formats the item's key as provisioning does for
 * the checkpoint of a seed. */
static void use_seed_key(const json_t *item)
{
    char err[256];
    json_t *key = NULL;
    if (seed_key_extract(&seed_table, item, &key, err, sizeof(err)) != 0)
        return;

    char digest[SEED_KEY_DIGEST_SIZE];
    if (seed_key_digest(key, digest) == 0 && strlen(digest) != SEED_KEY_DIGEST_SIZE - 1)
        __builtin_trap(); /* a digest that is not 64 hex digits */
    char formatted[512];
    seed_key_format(key, formatted, sizeof(formatted));
    if (memchr(formatted, '\0', sizeof(formatted)) == NULL)
        __builtin_trap(); /* unterminated key text */
    json_decref(key);
}

static void ignore_problem(void *context, const char *path, const char *message)
{
    size_t *problems = context;
    (*problems)++;
    /* Touch both strings so a dangling pointer is caught here. */
    (void)strlen(path);
    (void)strlen(message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* ddb_json_parse_object takes NUL-terminated text. */
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    char err[256];
    json_t *item = ddb_json_parse_object(text, err, sizeof(err));
    if (item == NULL)
        goto cleanup;

    size_t problems = 0;
    size_t reported = ddb_json_check_item(item, ignore_problem, &problems);
    if (reported != problems)
        abort();
    if (reported == 0) {
        (void)ddb_json_item_size(item);
        const char *name;
        json_t *value;
        json_object_foreach(item, name, value) {
            if (ddb_json_value_type(value) == NULL)
                abort(); /* the check accepted a value without a type */
            if (!ddb_json_values_equal(value, value))
                abort();
            (void)ddb_json_value_size(value);
        }
        use_seed_key(item);
    }
    json_decref(item);

cleanup:
    free(text);
    return 0;
}
