/*
 * Capsule codes and the physical table names derived from them.
 */
#ifndef SCHEMAREG_CAPSULE_H
#define SCHEMAREG_CAPSULE_H

#include <stddef.h>

/* Buffer size for a physical table name: the maximum of 255 characters
 * (capsule code, '-', bare name) and a NUL. */
#define CAPSULE_TABLE_NAME_SIZE 256

/* Checks that code is 1 to SCHEMAREG_CAPSULE_MAX_LEN characters of
 * [a-z0-9-] starting with a letter or digit. Returns 0, or -1 with a
 * message in err that quotes the code and states the rule. */
int capsule_validate(const char *code, char *err, size_t err_len);

/* Writes "{code}-{table}" into out. Returns 0, or -1 when the name does not
 * fit in out_len or exceeds DynamoDB's 255-character table name limit. */
int capsule_table_name(const char *code, const char *table, char *out, size_t out_len);

#endif
