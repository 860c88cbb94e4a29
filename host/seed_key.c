#include "seed_key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

int seed_key_extract(const struct catalog_table *table, const json_t *item, json_t **key,
                     char *err, size_t err_len)
{
    if (!json_is_object(item)) {
        snprintf(err, err_len, "seed item for table %s is not a JSON object", table->name);
        return -1;
    }

    json_t *result = json_object();
    for (size_t i = 0; i < table->key_schema_count; i++) {
        const char *name = table->key_schema[i].attribute_name;
        json_t *value = json_object_get(item, name);

        if (!json_is_object(value)) {
            snprintf(err, err_len, "seed item for table %s has no key attribute %s",
                     table->name, name);
            json_decref(result);
            return -1;
        }
        json_object_set(result, name, value);
    }
    *key = result;
    return 0;
}

int seed_key_digest(const json_t *key, char digest[SEED_KEY_DIGEST_SIZE])
{
    char *text = json_dumps(key, JSON_COMPACT | JSON_SORT_KEYS);
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int hash_len = 0;
    int rc = -1;

    if (!text)
        return -1;
    if (EVP_Digest(text, strlen(text), hash, &hash_len, EVP_sha256(), NULL) != 1)
        goto cleanup;

    for (unsigned int i = 0; i < hash_len; i++)
        snprintf(digest + 2 * i, 3, "%02x", hash[i]);
    rc = 0;

cleanup:
    free(text);
    return rc;
}

void seed_key_format(const json_t *key, char *out, size_t out_len)
{
    const char *name;
    json_t *value;
    size_t used = 0;

    out[0] = '\0';
    json_object_foreach((json_t *)key, name, value) {
        const char *type;
        json_t *scalar;
        const char *text = "?";

        json_object_foreach(value, type, scalar) {
            if (json_is_string(scalar))
                text = json_string_value(scalar);
        }
        int written = snprintf(out + used, out_len - used, "%s%s=%s", used ? ", " : "", name, text);
        if (written < 0 || (size_t)written >= out_len - used)
            return;
        used += (size_t)written;
    }
}
