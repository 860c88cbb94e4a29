#include "table_describe.h"

#include <stdio.h>

#include "provision_call.h"

/* Checks that object has a string member name. */
static int check_string(const json_t *object, const char *path, const char *name,
                        char *problem, size_t problem_len)
{
    if (json_is_string(json_object_get(object, name)))
        return 0;
    snprintf(problem, problem_len, "%s.%s is %s", path, name,
             json_object_get(object, name) ? "not a string" : "missing");
    return -1;
}

/* Checks an array of objects that each have the string members first and
 * second, e.g. KeySchema entries with AttributeName and KeyType. */
static int check_pairs(const json_t *parent, const char *path, const char *name,
                       int required, const char *first, const char *second,
                       char *problem, size_t problem_len)
{
    const json_t *array = json_object_get(parent, name);
    char entry_path[256];
    size_t i;
    json_t *entry;

    if (!array && !required)
        return 0;
    if (!json_is_array(array) || (required && json_array_size(array) == 0)) {
        snprintf(problem, problem_len, "%s.%s is %s", path, name,
                 !array ? "missing" : json_is_array(array) ? "empty" : "not an array");
        return -1;
    }
    json_array_foreach(array, i, entry) {
        snprintf(entry_path, sizeof(entry_path), "%s.%s[%zu]", path, name, i);
        if (!json_is_object(entry)) {
            snprintf(problem, problem_len, "%s is not an object", entry_path);
            return -1;
        }
        if (check_string(entry, entry_path, first, problem, problem_len) != 0 ||
            check_string(entry, entry_path, second, problem, problem_len) != 0)
            return -1;
    }
    return 0;
}

static int check_indexes(const json_t *table, char *problem, size_t problem_len)
{
    const json_t *indexes = json_object_get(table, "GlobalSecondaryIndexes");
    char path[256];
    size_t i;
    json_t *index;

    if (!indexes)
        return 0;
    if (!json_is_array(indexes)) {
        snprintf(problem, problem_len, "Table.GlobalSecondaryIndexes is not an array");
        return -1;
    }
    json_array_foreach(indexes, i, index) {
        snprintf(path, sizeof(path), "Table.GlobalSecondaryIndexes[%zu]", i);
        if (!json_is_object(index)) {
            snprintf(problem, problem_len, "%s is not an object", path);
            return -1;
        }
        if (check_string(index, path, "IndexName", problem, problem_len) != 0 ||
            check_string(index, path, "IndexStatus", problem, problem_len) != 0 ||
            check_pairs(index, path, "KeySchema", 1, "AttributeName", "KeyType", problem,
                        problem_len) != 0)
            return -1;
    }
    return 0;
}

int table_describe_check(const json_t *response, const char *table_name,
                         char *err, size_t err_len)
{
    const json_t *table = json_object_get(response, "Table");
    char problem[512];

    if (!json_is_object(response))
        snprintf(problem, sizeof(problem), "the reply is not a JSON object");
    else if (!table)
        snprintf(problem, sizeof(problem), "the reply has no Table object");
    else if (!json_is_object(table))
        snprintf(problem, sizeof(problem), "the reply's Table is not an object");
    else if (check_string(table, "Table", "TableStatus", problem, sizeof(problem)) == 0 &&
             check_pairs(table, "Table", "KeySchema", 1, "AttributeName", "KeyType",
                         problem, sizeof(problem)) == 0 &&
             check_pairs(table, "Table", "AttributeDefinitions", 1, "AttributeName",
                         "AttributeType", problem, sizeof(problem)) == 0 &&
             check_indexes(table, problem, sizeof(problem)) == 0)
        return 0;

    snprintf(err, err_len, "malformed response from the endpoint: DescribeTable %s: %s; "
             "check that --endpoint-url names a DynamoDB endpoint", table_name, problem);
    return -1;
}

int table_describe(struct ddb_client *client, const char *table_name, int64_t deadline_ms,
                   json_t **table, char *err, size_t err_len)
{
    json_t *request = json_pack("{s:s}", "TableName", table_name);
    json_t *response = NULL;
    struct ddb_error error;

    *table = NULL;
    if (!request) {
        snprintf(err, err_len, "out of memory describing table %s", table_name);
        return -1;
    }
    int rc = provision_call_until(client, "DescribeTable", request, deadline_ms, &response,
                                  &error);
    json_decref(request);
    if (rc != 0) {
        if (provision_error_is(&error, "ResourceNotFoundException"))
            return 1;
        char text[1200];
        provision_error_text(&error, text, sizeof(text));
        snprintf(err, err_len, "DescribeTable %s failed: %s", table_name, text);
        return -1;
    }
    if (table_describe_check(response, table_name, err, err_len) != 0) {
        json_decref(response);
        return -1;
    }
    *table = json_incref(json_object_get(response, "Table"));
    json_decref(response);
    return 0;
}
