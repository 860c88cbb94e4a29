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

/* Items per Query page. A batch item of 100 seeds is about 10 KB. jansson
 * parses a page into about as much again as its text, next to a response
 * buffer of up to twice the text. 25 items keep a page's share of the
 * peak memory under 1 MB, at the cost of one request per 25 items. */
#define LOAD_PAGE_ITEMS 25
/* A capsule of a thousand tables, each with a few indexes and a thousand
 * seeds, has about 15,000 items: 600 pages. More pages than this means
 * the endpoint's pagination never ends. */
#define LOAD_MAX_PAGES 10000

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
    pthread_mutex_init(&store->lock, NULL);
    string_pool_init(&store->strings);
    checkpoint_seed_set_init(&store->seeds);
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
    free(store->records);
    string_pool_free(&store->strings);
    checkpoint_seed_set_free(&store->seeds);
    free(store->slots);
    free(store->state_table);
    free(store->capsule);
    pthread_mutex_destroy(&store->lock);
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

static const char *string_value(const json_t *item, const char *name)
{
    return json_string_value(json_object_get(json_object_get(item, name), "S"));
}

/* FNV-1a: steps of one table share a long prefix, so every byte counts. */
static size_t hash_step(const char *step)
{
    uint64_t hash = 14695981039346656037ULL;

    for (const unsigned char *p = (const unsigned char *)step; *p; p++)
        hash = (hash ^ *p) * 1099511628211ULL;
    return (size_t)hash;
}

static void index_insert(struct checkpoint_store *store, size_t record)
{
    size_t mask = store->slots_count - 1;
    size_t slot = hash_step(store->records[record].step) & mask;

    while (store->slots[slot] != 0)
        slot = (slot + 1) & mask;
    store->slots[slot] = record + 1;
}

/* Rebuilds the index with room for twice the records. Returns 0 or -1. */
static int index_rebuild(struct checkpoint_store *store)
{
    size_t count = 64;

    while (count < 2 * store->records_count + 2)
        count *= 2;
    size_t *slots = calloc(count, sizeof(*slots));
    if (!slots)
        return -1;
    free(store->slots);
    store->slots = slots;
    store->slots_count = count;
    for (size_t i = 0; i < store->records_count; i++)
        index_insert(store, i);
    return 0;
}

/* Returns the index of step's record, or -1. */
static long index_lookup(const struct checkpoint_store *store, const char *step)
{
    if (store->slots_count == 0)
        return -1;

    size_t mask = store->slots_count - 1;
    for (size_t slot = hash_step(step) & mask; store->slots[slot] != 0;
         slot = (slot + 1) & mask) {
        size_t record = store->slots[slot] - 1;

        if (strcmp(store->records[record].step, step) == 0)
            return (long)record;
    }
    return -1;
}

/* The lock of a store that the caller may only read: locking is not a
 * change to the records it guards. */
static pthread_mutex_t *lock_of(const struct checkpoint_store *store)
{
    return (pthread_mutex_t *)&store->lock;
}

/* Adds record, or replaces the record of its step. Returns 0, or -1 when
 * memory runs out. Called with the lock held. */
static int put_record(struct checkpoint_store *store, const struct checkpoint_record *record)
{
    long existing = index_lookup(store, record->step);

    if (existing >= 0) {
        store->records[existing] = *record;
        return 0;
    }
    if (store->records_count == store->records_capacity) {
        size_t capacity = store->records_capacity ? store->records_capacity * 2 : 32;
        struct checkpoint_record *grown = realloc(store->records, capacity * sizeof(*grown));

        if (!grown)
            return -1;
        store->records = grown;
        store->records_capacity = capacity;
    }
    store->records[store->records_count++] = *record;
    if (2 * store->records_count + 2 > store->slots_count)
        return index_rebuild(store);
    index_insert(store, store->records_count - 1);
    return 0;
}

/* Copies the attributes a record shares with the other seeds of its
 * batch. Returns 0, or -1 when memory runs out. */
static int intern_common(struct checkpoint_store *store, const json_t *item,
                         struct checkpoint_record *record)
{
    struct string_pool *pool = &store->strings;
    const char *texts[] = {string_value(item, "status"), string_value(item, "table_name"),
                           string_value(item, "run_id"), string_value(item, "owner"),
                           string_value(item, "recorded_at")};
    const char **fields[] = {&record->status, &record->table_name, &record->run_id,
                             &record->owner, &record->recorded_at};

    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        *fields[i] = string_pool_intern(pool, texts[i]);
        if (texts[i] && !*fields[i])
            return -1;
    }
    const char *detail = string_value(item, "detail");
    record->detail = string_pool_copy(pool, detail);
    return detail && !record->detail ? -1 : 0;
}

/* Adds one record per seed of a batch item, whose seeds attribute is the
 * JSON text of {seed step: key text}. Text that is not such an object is
 * ignored, like any record that is not ours. Returns 0 or -1. Called with
 * the lock held. */
static int put_batch(struct checkpoint_store *store, const char *seeds_text,
                     const struct checkpoint_record *batch)
{
    json_t *seeds = json_loads(seeds_text, 0, NULL);
    const char *seed_step;
    json_t *key;
    int rc = 0;

    /* A compact store keeps the batch item as a record, so discarding its
     * table deletes it, and each seed as an entry of the seed set. */
    if (store->compact_seeds && seeds) {
        struct checkpoint_record record = *batch;

        record.step = record.item_step;
        rc = put_record(store, &record);
        json_object_foreach(seeds, seed_step, key) {
            if (rc == 0)
                rc = checkpoint_seed_set_add(&store->seeds, seed_step, batch->table_name);
        }
        json_decref(seeds);
        return rc;
    }

    json_object_foreach(seeds, seed_step, key) {
        struct checkpoint_record record = *batch;
        const char *key_text = json_string_value(key);

        record.step = string_pool_copy(&store->strings, seed_step);
        record.key = string_pool_copy(&store->strings, key_text);
        if (!record.step || (key_text && !record.key) || put_record(store, &record) != 0) {
            rc = -1;
            break;
        }
    }
    json_decref(seeds);
    return rc;
}

/* Adds the record of item, or the records of its seeds when it is a
 * batch. An item without a step or status is not ours and is ignored.
 * Returns 0, or -1 when memory runs out. Called with the lock held. */
static int put_item(struct checkpoint_store *store, const json_t *item)
{
    const char *step = string_value(item, "step");
    struct checkpoint_record record = {0};

    if (!step || !string_value(item, "status"))
        return 0;
    if (intern_common(store, item, &record) != 0)
        return -1;
    record.item_step = string_pool_copy(&store->strings, step);
    if (!record.item_step)
        return -1;

    const char *seeds = string_value(item, "seeds");
    if (seeds)
        return put_batch(store, seeds, &record);
    record.step = record.item_step;
    return put_record(store, &record);
}

/* Adds the items of one Query page. Returns 0, or -1 when memory runs out. */
static int put_page(struct checkpoint_store *store, const json_t *response)
{
    size_t i;
    json_t *item;

    json_array_foreach(json_object_get(response, "Items"), i, item) {
        pthread_mutex_lock(&store->lock);
        int put = put_item(store, item);
        pthread_mutex_unlock(&store->lock);
        if (put != 0)
            return -1;
    }
    return 0;
}

/*
 * Checks the LastEvaluatedKey of page number page (1 for the first)
 * against the keys of the earlier pages in seen (a set of their compact
 * JSON texts) and adds it. A key that comes back, or more pages than
 * LOAD_MAX_PAGES, means the endpoint's pagination never ends. Returns 0,
 * or -1 with err.
 */
static int check_next_key(const struct checkpoint_store *store, json_t *seen,
                          const json_t *key, unsigned long page, char *err, size_t err_len)
{
    char *text = json_dumps(key, JSON_COMPACT | JSON_SORT_KEYS);
    int rc = -1;

    if (!text) {
        snprintf(err, err_len, "Query on state table %s returned a LastEvaluatedKey that "
                 "cannot be read back", store->state_table);
        return -1;
    }
    if (!json_is_object(key)) {
        snprintf(err, err_len, "malformed response from the endpoint: Query on state table "
                 "%s returned a LastEvaluatedKey that is not an object (page %lu)",
                 store->state_table, page);
    } else if (json_object_get(seen, text)) {
        snprintf(err, err_len, "Query on state table %s returned the LastEvaluatedKey "
                 "%.200s of an earlier page again (page %lu): the endpoint's pagination "
                 "does not advance, so the checkpoints cannot be read; check the endpoint",
                 store->state_table, text, page);
    } else if (page >= LOAD_MAX_PAGES) {
        snprintf(err, err_len, "Query on state table %s returned more than %d pages for "
                 "capsule %s: the endpoint's pagination does not end; check the endpoint",
                 store->state_table, LOAD_MAX_PAGES, store->capsule);
    } else if (json_object_set_new(seen, text, json_null()) != 0) {
        snprintf(err, err_len, "out of memory reading checkpoints");
    } else {
        rc = 0;
    }
    free(text);
    return rc;
}

int checkpoint_load(struct checkpoint_store *store, char *err, size_t err_len)
{
    json_t *start_key = NULL;
    json_t *seen = json_object();
    int rc = -1;

    if (!seen) {
        snprintf(err, err_len, "out of memory reading checkpoints");
        return -1;
    }
    for (unsigned long page = 1;; page++) {
        json_t *request = json_pack(
            "{s:s, s:s, s:{s:s}, s:{s:{s:s}}, s:b, s:i}",
            "TableName", store->state_table,
            "KeyConditionExpression", "#capsule = :capsule",
            "ExpressionAttributeNames", "#capsule", "capsule",
            "ExpressionAttributeValues", ":capsule", "S", store->capsule,
            "ConsistentRead", 1, "Limit", LOAD_PAGE_ITEMS);
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

        if (put_page(store, response) != 0) {
            json_decref(response);
            snprintf(err, err_len, "out of memory reading checkpoints");
            goto cleanup;
        }
        start_key = json_incref(json_object_get(response, "LastEvaluatedKey"));
        json_decref(response);
        if (!start_key)
            break;
        if (check_next_key(store, seen, start_key, page, err, err_len) != 0)
            goto cleanup;
    }
    rc = 0;

cleanup:
    json_decref(start_key);
    json_decref(seen);
    return rc;
}

const struct checkpoint_record *checkpoint_find(const struct checkpoint_store *store,
                                                const char *step)
{
    pthread_mutex_lock(lock_of(store));
    long index = index_lookup(store, step);
    pthread_mutex_unlock(lock_of(store));
    return index >= 0 ? &store->records[index] : NULL;
}

size_t checkpoint_count(const struct checkpoint_store *store)
{
    pthread_mutex_lock(lock_of(store));
    size_t count = store->records_count + store->seeds.count;
    pthread_mutex_unlock(lock_of(store));
    return count;
}

/* Seeds of batches are recorded done, so a seed in the set is done. */
int checkpoint_exists(const struct checkpoint_store *store, const char *step)
{
    return checkpoint_is_done(store, step) || checkpoint_find(store, step) != NULL;
}

int checkpoint_is_done(const struct checkpoint_store *store, const char *step)
{
    pthread_mutex_lock(lock_of(store));
    long index = index_lookup(store, step);
    int done = index >= 0 ? strcmp(store->records[index].status, "done") == 0
                          : checkpoint_seed_set_contains(&store->seeds, step);
    pthread_mutex_unlock(lock_of(store));
    return done;
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

json_t *checkpoint_record_request(struct checkpoint_store *store, const char *step,
                                  const char *table_name, int in_progress, const char *detail)
{
    char recorded_at[32];

    utc_now(recorded_at);
    json_t *item = record_item(store, step, table_name, in_progress ? "in_progress" : "done",
                               detail, recorded_at);
    if (!item)
        return NULL;
    /* Never replace a "done" record: a step another host completed stays
     * recorded as that host wrote it. */
    return json_pack(
        "{s:s, s:o, s:s, s:{s:s, s:s}, s:{s:{s:s}}}",
        "TableName", store->state_table, "Item", item,
        "ConditionExpression", "attribute_not_exists(#step) OR #status = :in_progress",
        "ExpressionAttributeNames", "#step", "step", "#status", "status",
        "ExpressionAttributeValues", ":in_progress", "S", "in_progress");
}

int checkpoint_record_finish(struct checkpoint_store *store, const json_t *request, int rc,
                             const struct ddb_error *error, char *err, size_t err_len)
{
    const json_t *item = json_object_get(request, "Item");
    const char *step = json_string_value(json_object_get(json_object_get(item, "step"), "S"));
    const char *status = json_string_value(json_object_get(json_object_get(item, "status"), "S"));

    if (rc != 0) {
        if (provision_error_is(error, "ConditionalCheckFailedException")) {
            log_info("step %s of capsule %s was already recorded done by another run",
                     step, store->capsule);
            return 1;
        }
        describe_error("PutItem", store->state_table, error, err, err_len);
        return -1;
    }

    pthread_mutex_lock(&store->lock);
    int put = put_item(store, item);
    pthread_mutex_unlock(&store->lock);
    if (put != 0) {
        snprintf(err, err_len, "out of memory recording step %s", step);
        return -1;
    }
    log_debug("recorded step %s of capsule %s as %s", step, store->capsule, status);
    return 0;
}

/* Reads step's record back. Returns 1 when this run wrote it, 0 when
 * another run did or it is gone, -1 with err when the read failed. */
static int record_is_ours(struct checkpoint_store *store, struct ddb_client *client,
                          const char *step, char *err, size_t err_len)
{
    json_t *request = json_pack("{s:s, s:{s:{s:s}, s:{s:s}}, s:b}",
                                "TableName", store->state_table,
                                "Key", "capsule", "S", store->capsule, "step", "S", step,
                                "ConsistentRead", 1);
    json_t *response = NULL;
    struct ddb_error error;
    int rc = -1;

    if (provision_call(client, "GetItem", request, &response, &error) != 0) {
        describe_error("GetItem", store->state_table, &error, err, err_len);
        goto cleanup;
    }
    const char *run_id = string_value(json_object_get(response, "Item"), "run_id");
    rc = run_id && strcmp(run_id, store->run_id) == 0;

cleanup:
    json_decref(request);
    json_decref(response);
    return rc;
}

int checkpoint_record(struct checkpoint_store *store, struct ddb_client *client,
                      const char *step, const char *table_name, int in_progress,
                      const char *detail, char *err, size_t err_len)
{
    json_t *request = checkpoint_record_request(store, step, table_name, in_progress, detail);
    json_t *response = NULL;
    struct ddb_error error;

    if (!request) {
        snprintf(err, err_len, "out of memory recording step %s", step);
        return -1;
    }
    int rc = provision_call(client, "PutItem", request, &response, &error);

    /* The condition also fails on a retry whose earlier attempt wrote the
     * record but lost the reply. The stored run id shows which case it is. */
    if (rc != 0 && error.maybe_applied &&
        provision_error_is(&error, "ConditionalCheckFailedException")) {
        int ours = record_is_ours(store, client, step, err, err_len);

        if (ours < 0) {
            json_decref(request);
            return -1;
        }
        if (ours) {
            log_info("step %s of capsule %s: the reply to the checkpoint write was lost; "
                     "the record in place is this run's", step, store->capsule);
            rc = 0;
        }
    }
    rc = checkpoint_record_finish(store, request, rc, &error, err, err_len);
    json_decref(request);
    json_decref(response);
    return rc;
}

json_t *checkpoint_batch_request(struct checkpoint_store *store, const char *service,
                                 const char *table, const char *table_name,
                                 const struct checkpoint_seed *seeds, size_t count)
{
    char step[CHECKPOINT_STEP_SIZE];
    char recorded_at[32];
    json_t *map = json_object();

    pthread_mutex_lock(&store->lock);
    unsigned long number = ++store->batches_started;
    pthread_mutex_unlock(&store->lock);
    snprintf(step, sizeof(step), "seeds#%s#%s#%s#%lu", service, table, store->run_id, number);

    for (size_t i = 0; map && i < count; i++) {
        if (json_object_set_new(map, seeds[i].step, json_string(seeds[i].key)) != 0) {
            json_decref(map);
            map = NULL;
        }
    }
    /* One string attribute, not a DynamoDB map: reading a page of batches
     * then costs one string per batch instead of an object per seed. */
    char *seeds_text = map ? json_dumps(map, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(map);
    utc_now(recorded_at);
    json_t *item = seeds_text ? record_item(store, step, table_name, "done", NULL, recorded_at)
                              : NULL;
    if (!item || json_object_set_new(item, "seeds", json_pack("{s:s}", "S", seeds_text)) != 0) {
        json_decref(item);
        free(seeds_text);
        return NULL;
    }
    free(seeds_text);
    return json_pack("{s:s, s:o, s:s, s:{s:s}}", "TableName", store->state_table, "Item", item,
                     "ConditionExpression", "attribute_not_exists(#step)",
                     "ExpressionAttributeNames", "#step", "step");
}

int checkpoint_batch_finish(struct checkpoint_store *store, const json_t *request, int rc,
                            const struct ddb_error *error, char *err, size_t err_len)
{
    const json_t *item = json_object_get(request, "Item");
    const char *step = string_value(item, "step");

    /* The step is new to this run, so the condition fails only when an
     * earlier attempt of this request was stored although its response
     * was lost: the batch is recorded. */
    if (rc != 0 && !provision_error_is(error, "ConditionalCheckFailedException")) {
        describe_error("PutItem", store->state_table, error, err, err_len);
        return -1;
    }

    log_debug("recorded the seeds of batch %s of capsule %s", step, store->capsule);
    return 0;
}

static int delete_record(struct checkpoint_store *store, struct ddb_client *client,
                         const char *step, const char *run_id, char *err, size_t err_len)
{
    /* Delete only the record as read: if another host rewrote it since,
     * its newer record stays. */
    json_t *request = json_pack(
        "{s:s, s:{s:{s:s}, s:{s:s}}, s:s, s:{s:s}, s:{s:{s:s}}}",
        "TableName", store->state_table,
        "Key", "capsule", "S", store->capsule, "step", "S", step,
        "ConditionExpression", "#run_id = :run_id",
        "ExpressionAttributeNames", "#run_id", "run_id",
        "ExpressionAttributeValues", ":run_id", "S", run_id ? run_id : "");
    json_t *response = NULL;
    struct ddb_error error;
    int rc = 0;

    if (provision_call(client, "DeleteItem", request, &response, &error) != 0 &&
        !provision_error_is(&error, "ConditionalCheckFailedException")) {
        describe_error("DeleteItem", store->state_table, &error, err, err_len);
        rc = -1;
    }
    json_decref(request);
    json_decref(response);
    return rc;
}

/* Copies the item step and run id of each item that holds a record of
 * table_name, once per item, so the deletes run without the lock.
 * Returns the count, or -1. */
static long copy_table_items(struct checkpoint_store *store, const char *table_name,
                             char ***steps, char ***run_ids)
{
    long count = 0;

    pthread_mutex_lock(&store->lock);
    *steps = calloc(store->records_count + 1, sizeof(**steps));
    *run_ids = calloc(store->records_count + 1, sizeof(**run_ids));
    for (size_t i = 0; *steps && *run_ids && i < store->records_count; i++) {
        const struct checkpoint_record *record = &store->records[i];

        if (!record->table_name || strcmp(record->table_name, table_name) != 0)
            continue;
        /* The seeds of one batch are adjacent, as they are read and
         * recorded together. Should they not be, the batch is listed
         * twice and its second DeleteItem finds no item, which is fine. */
        if (count > 0 && strcmp((*steps)[count - 1], record->item_step) == 0)
            continue;
        (*steps)[count] = strdup(record->item_step);
        (*run_ids)[count] = record->run_id ? strdup(record->run_id) : NULL;
        if (!(*steps)[count] || (record->run_id && !(*run_ids)[count])) {
            count = -1;
            break;
        }
        count++;
    }
    if (!*steps || !*run_ids)
        count = -1;
    pthread_mutex_unlock(&store->lock);
    return count;
}

/* Forgets every record of table_name and rebuilds the index. Returns how
 * many were forgotten. Called with the lock held. */
static size_t forget_table(struct checkpoint_store *store, const char *table_name)
{
    size_t kept = 0;

    for (size_t i = 0; i < store->records_count; i++) {
        const struct checkpoint_record *record = &store->records[i];

        if (record->table_name && strcmp(record->table_name, table_name) == 0)
            continue;
        store->records[kept++] = *record;
    }

    size_t forgotten = store->records_count - kept;
    store->records_count = kept;
    forgotten += checkpoint_seed_set_forget_table(&store->seeds, table_name);
    if (store->slots_count > 0) {
        memset(store->slots, 0, store->slots_count * sizeof(*store->slots));
        for (size_t i = 0; i < store->records_count; i++)
            index_insert(store, i);
    }
    return forgotten;
}

int checkpoint_discard_table(struct checkpoint_store *store, struct ddb_client *client,
                             const char *table_name, char *err, size_t err_len)
{
    char **steps = NULL;
    char **run_ids = NULL;
    long count = copy_table_items(store, table_name, &steps, &run_ids);
    int rc = -1;

    if (count < 0) {
        snprintf(err, err_len, "out of memory discarding the checkpoints of table %s",
                 table_name);
        goto cleanup;
    }
    for (long i = 0; i < count; i++) {
        if (delete_record(store, client, steps[i], run_ids[i], err, err_len) != 0)
            goto cleanup;
    }
    pthread_mutex_lock(&store->lock);
    rc = (int)forget_table(store, table_name);
    pthread_mutex_unlock(&store->lock);

cleanup:
    for (long i = 0; steps && run_ids && steps[i]; i++) {
        free(steps[i]);
        free(run_ids[i]);
    }
    free(steps);
    free(run_ids);
    return rc;
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
