/*
 * Fuzz target: seed item validation. The input is a seed item as a plugin
 * would declare it, DynamoDB JSON text; it goes through the same parse,
 * check and size steps as validation of a seed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ddb_json.h"

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
    }
    json_decref(item);

cleanup:
    free(text);
    return 0;
}
