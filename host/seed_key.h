/*
 * The primary key of a seed item: extraction, a stable digest for
 * checkpoint names, and a short form for people.
 */
#ifndef SCHEMAREG_SEED_KEY_H
#define SCHEMAREG_SEED_KEY_H

#include <stddef.h>

#include <jansson.h>

#include "catalog.h"

#define SEED_KEY_DIGEST_SIZE 65 /* 64 hex digits and NUL */

/* Stores in *key a new object with the item's table key attributes, in
 * DynamoDB JSON. Returns 0, or -1 with a message in err when the item is
 * not an object or lacks a key attribute. */
int seed_key_extract(const struct catalog_table *table, const json_t *item, json_t **key,
                     char *err, size_t err_len);

/* Writes the lower-case hex SHA-256 of the key's compact, key-sorted JSON,
 * so the same key always gives the same digest. Returns 0 or -1. */
int seed_key_digest(const json_t *key, char digest[SEED_KEY_DIGEST_SIZE]);

/* Writes "pk=plan#free, sk=1" (values of S and N keys; B as base64). */
void seed_key_format(const json_t *key, char *out, size_t out_len);

#endif
