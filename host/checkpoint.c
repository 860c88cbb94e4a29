#include "checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/rand.h>

#include "log.h"
#include "provision_call.h"
#include "table_wait.h"

static void record_free(struct checkpoint_record *record)
{
    free(record->step);
    free(record->status);
    free(record->table_name);
    free(record->run_id);
    free(record->owner);
    free(record->recorded_at);
    free(record->detail);
    memset(record, 0, sizeof(*record));
}

static void make_run_id(char out[33])
{
    unsigned char bytes[16];

    if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
        /* Uniqueness matters, secrecy does not: fall back to time and pid. */
        snprintf(out, 33, "%016llx%016llx", (unsigned long long)time(NULL),
                 (unsigned long long)getpid());
        return;
    }
    for (size_t i = 0; i < sizeof(bytes); i++)
        snprintf(out + 2 * i, 3, "%02x", bytes[i]);
}

int checkpoint_store_init(struct checkpoint_store *store, struct ddb_client *client,
                          const char *state_table, const char *capsule)
{
    char host[256] = "unknown";

    memset(store, 0, sizeof(*store));
    store->client = client;
    store->state_table = strdup(state_table ? state_table : CHECKPOINT_DEFAULT_TABLE);
    store->capsule = strdup(capsule);
    if (!store->state_table || !store->capsule) {
        checkpoint_store_free(store);
        return -1;
    }
    make_run_id(store->run_id);
    gethostname(host, sizeof(host) - 1);
    snprintf(store->owner, sizeof(store->owner), "%s:%ld", host, (long)getpid());
    return 0;
}

void checkpoint_store_free(struct checkpoint_store *store)
{
    for (size_t i = 0; i < store->records_count; i++)
        record_free(&store->records[i]);
    free(store->records);
    free(store->state_table);
    free(store->capsule);
    memset(store, 0, sizeof(*store));
}

static void describe_error(const char *operation, const char *table,
                           const struct ddb_error *error, char *err, size_t err_len)
{
    char text[1200];

    provision_error_text(error, text, sizeof(text));
    snprintf(err, err_len, "%s on state table %s failed: %s", operation, table, text);
}

int checkpoint_ensure_table(struct checkpoint_store *store, int64_t timeout_ms,
                            char *err, size_t err_len)
{
    json_t *request = json_pack(
        "{s:s, s:[{s:s, s:s}, {s:s, s:s}], s:[{s:s, s:s}, {s:s, s:s}], s:s}",
        "TableName", store->state_table,
        "KeySchema", "AttributeName", "capsule", "KeyType", "HASH",
        "AttributeName", "step", "KeyType", "RANGE",
        "AttributeDefinitions", "AttributeName", "capsule", "AttributeType", "S",
        "AttributeName", "step", "AttributeType", "S",
        "BillingMode", "PAY_PER_REQUEST");
    json_t *response = NULL;
    json_t *description = NULL;
    struct ddb_error error;
    int rc = -1;

    /* ResourceInUseException means the table exists already, perhaps made
     * by another host a moment ago: that is the outcome we want. */
    if (provision_call(store->client, "CreateTable", request, &response, &error) != 0 &&
        !provision_error_is(&error, "ResourceInUseException")) {
        describe_error("CreateTable", store->state_table, &error, err, err_len);
        goto cleanup;
    }

    struct table_wait_options wait = {.table_name = store->state_table, .timeout_ms = timeout_ms};
    if (table_wait_active(store->client, &wait, &description, err, err_len) != TABLE_WAIT_ACTIVE)
        goto cleanup;

    store->table_exists = 1;
    rc = 0;

cleanup:
    json_decref(request);
    json_decref(response);
    json_decref(description);
    return rc;
}

static char *string_attribute(const json_t *item, const char *name)
{
    const char *value = json_string_value(json_object_get(json_object_get(item, name), "S"));

    return value ? strdup(value) : NULL;
}

static int append_record(struct checkpoint_store *store, const json_t *item)
{
    if (store->records_count == store->records_capacity) {
        size_t capacity = store->records_capacity ? store->records_capacity * 2 : 32;
        struct checkpoint_record *grown = realloc(store->records, capacity * sizeof(*grown));

        if (!grown)
            return -1;
        store->records = grown;
        store->records_capacity = capacity;
    }

    struct checkpoint_record *record = &store->records[store->records_count];
    record->step = string_attribute(item, "step");
    record->status = string_attribute(item, "status");
    record->table_name = string_attribute(item, "table_name");
    record->run_id = string_attribute(item, "run_id");
    record->owner = string_attribute(item, "owner");
    record->recorded_at = string_attribute(item, "recorded_at");
    record->detail = string_attribute(item, "detail");
    if (!record->step || !record->status) {
        /* A record without a step or status is not ours: ignore it. */
        record_free(record);
        return 0;
    }
    store->records_count++;
    return 0;
}

static void remove_record(struct checkpoint_store *store, const char *step)
{
    for (size_t i = 0; i < store->records_count; i++) {
        if (strcmp(store->records[i].step, step) != 0)
            continue;
        record_free(&store->records[i]);
        store->records[i] = store->records[--store->records_count];
        return;
    }
}

int checkpoint_load(struct checkpoint_store *store, char *err, size_t err_len)
{
    json_t *start_key = NULL;
    int rc = -1;

    for (;;) {
        json_t *request = json_pack(
            "{s:s, s:s, s:{s:s}, s:{s:{s:s}}, s:b}",
            "TableName", store->state_table,
            "KeyConditionExpression", "#capsule = :capsule",
            "ExpressionAttributeNames", "#capsule", "capsule",
            "ExpressionAttributeValues", ":capsule", "S", store->capsule,
            "ConsistentRead", 1);
        json_t *response = NULL;
        struct ddb_error error;

        if (start_key)
            json_object_set_new(request, "ExclusiveStartKey", start_key);
        start_key = NULL;

        int call_rc = provision_call(store->client, "Query", request, &response, &error);
        json_decref(request);
        if (call_rc != 0) {
            if (provision_error_is(&error, "ResourceNotFoundException")) {
                store->table_exists = 0;
                rc = 0;
                goto cleanup;
            }
            describe_error("Query", store->state_table, &error, err, err_len);
            goto cleanup;
        }
        store->table_exists = 1;

        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(response, "Items"), i, item) {
            if (append_record(store, item) != 0) {
                json_decref(response);
                snprintf(err, err_len, "out of memory reading checkpoints");
                goto cleanup;
            }
        }
        start_key = json_incref(json_object_get(response, "LastEvaluatedKey"));
        json_decref(response);
        if (!start_key)
            break;
    }
    rc = 0;

cleanup:
    json_decref(start_key);
    return rc;
}

const struct checkpoint_record *checkpoint_find(const struct checkpoint_store *store,
                                                const char *step)
{
    for (size_t i = 0; i < store->records_count; i++) {
        if (strcmp(store->records[i].step, step) == 0)
            return &store->records[i];
    }
    return NULL;
}

int checkpoint_is_done(const struct checkpoint_store *store, const char *step)
{
    const struct checkpoint_record *record = checkpoint_find(store, step);

    return record && strcmp(record->status, "done") == 0;
}

static void utc_now(char out[32])
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *record_item(const struct checkpoint_store *store, const char *step,
                           const char *table_name, const char *status, const char *detail,
                           const char *recorded_at)
{
    json_t *item = json_pack(
        "{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}",
        "capsule", "S", store->capsule, "step", "S", step, "status", "S", status,
        "table_name", "S", table_name, "run_id", "S", store->run_id,
        "owner", "S", store->owner, "recorded_at", "S", recorded_at);

    if (item && detail && *detail)
        json_object_set_new(item, "detail", json_pack("{s:s}", "S", detail));
    return item;
}

static int remember(struct checkpoint_store *store, const json_t *item)
{
    remove_record(store, json_string_value(json_object_get(json_object_get(item, "step"), "S")));
    return append_record(store, item);
}

int checkpoint_record(struct checkpoint_store *store, const char *step, const char *table_name,
                      int in_progress, const char *detail, char *err, size_t err_len)
{
    const char *status = in_progress ? "in_progress" : "done";
    char recorded_at[32];
    json_t *response = NULL;
    struct ddb_error error;
    int rc = -1;

    utc_now(recorded_at);
    json_t *item = record_item(store, step, table_name, status, detail, recorded_at);
    /* Never replace a "done" record: a step another host completed stays
     * recorded as that host wrote it. */
    json_t *request = json_pack(
        "{s:s, s:O, s:s, s:{s:s, s:s}, s:{s:{s:s}}}",
        "TableName", store->state_table, "Item", item,
        "ConditionExpression", "attribute_not_exists(#step) OR #status = :in_progress",
        "ExpressionAttributeNames", "#step", "step", "#status", "status",
        "ExpressionAttributeValues", ":in_progress", "S", "in_progress");

    if (!item || !request) {
        snprintf(err, err_len, "out of memory recording step %s", step);
        goto cleanup;
    }

    if (provision_call(store->client, "PutItem", request, &response, &error) != 0) {
        if (provision_error_is(&error, "ConditionalCheckFailedException")) {
            log_info("step %s of capsule %s was already recorded done by another run",
                     step, store->capsule);
            rc = 1;
            goto cleanup;
        }
        describe_error("PutItem", store->state_table, &error, err, err_len);
        goto cleanup;
    }

    if (remember(store, item) != 0) {
        snprintf(err, err_len, "out of memory recording step %s", step);
        goto cleanup;
    }
    log_debug("recorded step %s of capsule %s as %s", step, store->capsule, status);
    rc = 0;

cleanup:
    json_decref(item);
    json_decref(request);
    json_decref(response);
    return rc;
}

static int delete_record(struct checkpoint_store *store, const struct checkpoint_record *record,
                         char *err, size_t err_len)
{
    /* Delete only the record as read: if another host rewrote it since,
     * its newer record stays. */
    json_t *request = json_pack(
        "{s:s, s:{s:{s:s}, s:{s:s}}, s:s, s:{s:s}, s:{s:{s:s}}}",
        "TableName", store->state_table,
        "Key", "capsule", "S", store->capsule, "step", "S", record->step,
        "ConditionExpression", "#run_id = :run_id",
        "ExpressionAttributeNames", "#run_id", "run_id",
        "ExpressionAttributeValues", ":run_id", "S", record->run_id ? record->run_id : "");
    json_t *response = NULL;
    struct ddb_error error;
    int rc = 0;

    if (provision_call(store->client, "DeleteItem", request, &response, &error) != 0 &&
        !provision_error_is(&error, "ConditionalCheckFailedException")) {
        describe_error("DeleteItem", store->state_table, &error, err, err_len);
        rc = -1;
    }
    json_decref(request);
    json_decref(response);
    return rc;
}

int checkpoint_discard_table(struct checkpoint_store *store, const char *table_name,
                             char *err, size_t err_len)
{
    int deleted = 0;
    size_t i = 0;

    while (i < store->records_count) {
        struct checkpoint_record *record = &store->records[i];

        if (!record->table_name || strcmp(record->table_name, table_name) != 0) {
            i++;
            continue;
        }
        if (delete_record(store, record, err, err_len) != 0)
            return -1;
        record_free(record);
        store->records[i] = store->records[--store->records_count];
        deleted++;
    }
    return deleted;
}

void checkpoint_step_table(char *out, const char *service, const char *table)
{
    snprintf(out, CHECKPOINT_STEP_SIZE, "table#%s#%s", service, table);
}

void checkpoint_step_gsi(char *out, const char *service, const char *table, const char *index)
{
    snprintf(out, CHECKPOINT_STEP_SIZE, "gsi#%s#%s#%s", service, table, index);
}

void checkpoint_step_ttl(char *out, const char *service, const char *table)
{
    snprintf(out, CHECKPOINT_STEP_SIZE, "ttl#%s#%s", service, table);
}

void checkpoint_step_seed(char *out, const char *service, const char *table,
                          const char *key_digest)
{
    snprintf(out, CHECKPOINT_STEP_SIZE, "seed#%s#%s#%s", service, table, key_digest);
}
