/*
 * Checks DynamoDB JSON (the wire form of AttributeValue, e.g.
 * {"pk":{"S":"plan#free"},"price":{"N":"9.5"}}) the way DynamoDB does
 * before it stores an item, and measures an item by DynamoDB's size rules.
 * Plugins send seed items as DynamoDB JSON text, so everything here must
 * cope with arbitrary input.
 */
#ifndef SCHEMAREG_DDB_JSON_H
#define SCHEMAREG_DDB_JSON_H

#include <stddef.h>

#include <jansson.h>

/* Maximum item size DynamoDB stores, attribute names included. */
#define DDB_JSON_ITEM_MAX_BYTES (400u * 1024u)
/* Maximum nesting of M and L values DynamoDB accepts. */
#define DDB_JSON_MAX_DEPTH 32u
/* Maximum significant digits of a number. */
#define DDB_JSON_NUMBER_MAX_DIGITS 38u
/* Maximum attribute name length in bytes. Key attributes are limited to 255. */
#define DDB_JSON_ATTRIBUTE_NAME_MAX_BYTES 65535u
#define DDB_JSON_KEY_ATTRIBUTE_NAME_MAX_BYTES 255u
/* Maximum partition key and sort key value length in bytes. */
#define DDB_JSON_PARTITION_KEY_MAX_BYTES 2048u
#define DDB_JSON_SORT_KEY_MAX_BYTES 1024u

/*
 * Called once per problem. path names the value inside the item, e.g.
 * "address.zip" or "tags[2]". message describes what is wrong and what a
 * valid value looks like.
 */
typedef void (*ddb_json_problem_fn)(void *context, const char *path,
                                    const char *message);

/*
 * Parses text as a JSON object with unique member names. Returns the
 * object (the caller owns it) or NULL with the reason in err.
 */
json_t *ddb_json_parse_object(const char *text, char *err, size_t err_len);

/*
 * Checks that item maps attribute names to AttributeValues: exactly one
 * type per value, S/N/B/BOOL/NULL/M/L/SS/NS/BS with the right JSON shape,
 * numbers in DynamoDB's syntax and range, base64 binaries, non-empty sets
 * with unique members and at most DDB_JSON_MAX_DEPTH levels of nesting.
 * Reports every problem through report (which may be NULL) and returns how
 * many there were.
 */
size_t ddb_json_check_item(const json_t *item, ddb_json_problem_fn report,
                           void *context);

/* Checks one AttributeValue as ddb_json_check_item does; path names it. */
size_t ddb_json_check_value(const json_t *value, const char *path,
                            ddb_json_problem_fn report, void *context);

/*
 * Returns the type name of a well-formed AttributeValue ("S", "N", "B",
 * "BOOL", "NULL", "M", "L", "SS", "NS" or "BS"), or NULL when value is not
 * an object with exactly one known type member.
 */
const char *ddb_json_value_type(const json_t *value);

/*
 * Checks a number in DynamoDB's syntax: an optional minus, digits with an
 * optional fraction and exponent (e.g. "-12.5e3"), at most 38 significant
 * digits, magnitude zero or between 1E-130 and 9.99...E+125. Returns 0, or
 * -1 with the reason in err.
 */
int ddb_json_check_number(const char *text, char *err, size_t err_len);

/*
 * Returns the size DynamoDB charges for item, in bytes: attribute name
 * lengths plus value sizes (see ddb_json.c for the rules). Only meaningful
 * for an item that ddb_json_check_item accepted.
 */
size_t ddb_json_item_size(const json_t *item);

/* Returns nonzero when two well-formed AttributeValues are equal as
 * DynamoDB compares them: N by numeric value ("1.50" equals "15e-1"), B by
 * decoded bytes, anything else by JSON equality. */
int ddb_json_values_equal(const json_t *a, const json_t *b);

/* Returns the stored size of one AttributeValue, without any name. */
size_t ddb_json_value_size(const json_t *value);

#endif
