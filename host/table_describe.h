/*
 * DescribeTable with the reply's shape checked, so a broken or hostile
 * endpoint's reply is reported as malformed instead of being read as a
 * table without keys (which would look like drift).
 */
#ifndef SCHEMAREG_TABLE_DESCRIBE_H
#define SCHEMAREG_TABLE_DESCRIBE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ddb_client.h"

/*
 * Checks that response, a parsed DescribeTable reply for table_name, has
 * what the host reads. That is a "Table" object with a string
 * TableStatus, and non-empty KeySchema and AttributeDefinitions arrays of
 * objects with string names and types. A GlobalSecondaryIndexes member,
 * when present, is an array whose entries have a string IndexName and
 * IndexStatus and a KeySchema like the table's. Returns 0, or -1 with err
 * set to "malformed response from the endpoint: ..." naming the table and
 * the missing or mistyped field.
 */
int table_describe_check(const json_t *response, const char *table_name,
                         char *err, size_t err_len);

/*
 * Calls DescribeTable on table_name, ending by deadline_ms (see
 * provision_call_until; 0 for none). Returns 0 with the checked "Table"
 * object in *table (caller owns it), 1 when the table does not exist, or
 * -1 with err set: the request failed or the reply is malformed.
 */
int table_describe(struct ddb_client *client, const char *table_name, int64_t deadline_ms,
                   json_t **table, char *err, size_t err_len);

#endif
