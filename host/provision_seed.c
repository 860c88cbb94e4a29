#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "provision_call.h"
#include "provision_steps.h"
#include "seed_key.h"
#include "seed_pack.h"

/* DynamoDB can return ResourceNotFoundException for a short while after a
 * new table turns ACTIVE; PutItem is retried for at most this long. */
#define NOT_FOUND_RETRY_MS 10000
#define NOT_FOUND_FIRST_DELAY_MS 250

/* The parsed pieces of one seed, owned here. */
struct seed_request {
    json_t *item;
    json_t *key;
    json_t *names;  /* may be NULL */
    json_t *values; /* may be NULL */
    char key_text[512];
    char step[CHECKPOINT_STEP_SIZE];
};

static void seed_request_free(struct seed_request *seed)
{
    json_decref(seed->item);
    json_decref(seed->key);
    json_decref(seed->names);
    json_decref(seed->values);
}

static json_t *parse_optional(const char *text, const char *what, char *err, size_t err_len,
                              int *failed)
{
    json_error_t error;

    if (!text || !*text)
        return NULL;
    json_t *value = json_loads(text, 0, &error);
    if (!json_is_object(value)) {
        snprintf(err, err_len, "%s is not a JSON object: %s", what,
                 value ? "another JSON type" : error.text);
        json_decref(value);
        *failed = 1;
        return NULL;
    }
    return value;
}

/* Parses the seed, whose item text is item_json. Returns 0, or -1 with a
 * message in err. */
static int prepare(struct provision_job *job, const struct catalog_seed *source,
                   const char *item_json, struct seed_request *seed, char *err, size_t err_len)
{
    char digest[SEED_KEY_DIGEST_SIZE];
    int failed = 0;
    json_error_t error;

    seed->item = json_loads(item_json, 0, &error);
    if (!seed->item) {
        snprintf(err, err_len, "seed item is not valid JSON: %s", error.text);
        return -1;
    }
    if (seed_key_extract(job->table, seed->item, &seed->key, err, err_len) != 0)
        return -1;
    seed_key_format(seed->key, seed->key_text, sizeof(seed->key_text));
    if (seed_key_digest(seed->key, digest) != 0) {
        snprintf(err, err_len, "hashing the seed key failed");
        return -1;
    }
    checkpoint_step_seed(seed->step, job->provider->service_id, job->table->name, digest);

    seed->names = parse_optional(source->expression_attribute_names_json,
                                 "expression_attribute_names_json", err, err_len, &failed);
    seed->values = parse_optional(source->expression_attribute_values_json,
                                  "expression_attribute_values_json", err, err_len, &failed);
    return failed ? -1 : 0;
}

/* One seed step in flight: its PutItem and the retries while the new
 * table is not visible yet. */
struct seed_write {
    struct provision_job *job;
    const struct catalog_seed *source;
    size_t index;
    struct seed_request seed;
    struct ddb_multi *multi;
    json_t *put;        /* the PutItem request */
    int64_t deadline_ms; /* ResourceNotFoundException is retried until then */
    long delay_ms;
    provision_seed_done_fn *done;
    void *user;
};

/* A seed in place, waiting for its batch's checkpoint. */
struct batch_seed {
    size_t index;
    enum step_outcome outcome; /* STEP_WRITTEN or STEP_ALREADY_PRESENT */
    char *step;
    char *key;
};

/* Seeds of one table recorded together in one checkpoint item. */
struct seed_batch {
    struct provision_job *job;
    struct batch_seed seeds[CHECKPOINT_BATCH_MAX_SEEDS];
    size_t count;
    json_t *request;   /* the checkpoint PutItem, once sent */
    int slot_failed;   /* the seed whose slot the batch took had failed */
    provision_seed_done_fn *done;
    void *user;
};

static void batch_free(struct seed_batch *batch)
{
    for (size_t i = 0; i < batch->count; i++) {
        free(batch->seeds[i].step);
        free(batch->seeds[i].key);
    }
    json_decref(batch->request);
    free(batch);
}

/* Reports every seed of the batch with its outcome, or as failed with
 * message when message is set. */
static void batch_report(struct seed_batch *batch, const char *message)
{
    for (size_t i = 0; i < batch->count; i++) {
        const struct batch_seed *seed = &batch->seeds[i];

        provision_report_seed(batch->job, seed->index, message ? STEP_FAILED : seed->outcome,
                              seed->key, seed->step, message);
    }
}

/* Ends the batch: reports its seeds, frees it and gives its slot back. */
static void batch_end(struct seed_batch *batch, const char *failure)
{
    provision_seed_done_fn *done = batch->done;
    struct provision_job *job = batch->job;
    void *user = batch->user;
    int failed = batch->slot_failed || failure != NULL;

    batch_report(batch, failure);
    batch_free(batch);
    done(job, failed, user);
}

static void batch_recorded(void *user, int rc, json_t *response, const struct ddb_error *error)
{
    struct seed_batch *batch = user;
    char err[1400];
    char message[1600];

    provision_call_completed();
    json_decref(response);
    if (checkpoint_batch_finish(batch->job->store, batch->request, rc, error, err,
                                sizeof(err)) != 0) {
        snprintf(message, sizeof(message), "done, but recording the checkpoint failed: %s",
                 err);
        batch_end(batch, message);
        return;
    }
    batch_end(batch, NULL);
}

static int compare_seed_index(const void *left, const void *right)
{
    const struct batch_seed *a = left;
    const struct batch_seed *b = right;

    return (a->index > b->index) - (a->index < b->index);
}

/* Sends the job's batch checkpoint, which takes over the write slot of
 * the seed that ended last (its done and user). The seeds are listed in
 * declaration order, whatever order their writes ended in, so the same
 * run over the same catalog records the same batch. */
static void batch_send(struct provision_job *job, struct ddb_multi *multi, int slot_failed,
                       provision_seed_done_fn *done, void *user)
{
    struct seed_batch *batch = job->batch;
    struct checkpoint_seed seeds[CHECKPOINT_BATCH_MAX_SEEDS];
    struct ddb_error error;
    char text[1200];
    char message[1400];

    job->batch = NULL;
    batch->slot_failed = slot_failed;
    batch->done = done;
    batch->user = user;
    qsort(batch->seeds, batch->count, sizeof(batch->seeds[0]), compare_seed_index);
    for (size_t i = 0; i < batch->count; i++)
        seeds[i] = (struct checkpoint_seed){batch->seeds[i].step, batch->seeds[i].key};

    batch->request = checkpoint_batch_request(job->store, job->provider->service_id,
                                              job->table->name, job->physical_name, seeds,
                                              batch->count);
    if (!batch->request) {
        batch_end(batch, "done, but recording the checkpoint failed: out of memory");
        return;
    }
    if (ddb_multi_submit(multi, "PutItem", batch->request, 0, batch_recorded, batch,
                         &error) != 0) {
        provision_error_text(&error, text, sizeof(text));
        snprintf(message, sizeof(message), "done, but recording the checkpoint failed: %s",
                 text);
        batch_end(batch, message);
    }
}

/* Adds a seed in place to the job's batch. Returns 0, or -1 when memory
 * runs out. */
static int batch_add(struct seed_write *write, enum step_outcome outcome)
{
    struct provision_job *job = write->job;

    if (!job->batch) {
        job->batch = calloc(1, sizeof(*job->batch));
        if (!job->batch)
            return -1;
        job->batch->job = job;
    }

    struct batch_seed *seed = &job->batch->seeds[job->batch->count];
    seed->index = write->index;
    seed->outcome = outcome;
    seed->step = strdup(write->seed.step);
    seed->key = strdup(write->seed.key_text);
    if (!seed->step || !seed->key) {
        free(seed->step);
        free(seed->key);
        return -1;
    }
    job->batch->count++;
    return 0;
}

/* Returns nonzero when the job's batch is to be recorded now: it is full,
 * or no seed of the table is left to start or still in flight. */
static int batch_due(const struct provision_job *job)
{
    if (!job->batch || job->batch->count == 0)
        return 0;
    if (job->batch->count == CHECKPOINT_BATCH_MAX_SEEDS)
        return 1;
    return job->seeds_pending == 0 &&
           provision_seed_next(job, job->next_seed) >= job->provider->seeds_count;
}

/* Ends a seed's step: frees it, then either sends the table's batch
 * checkpoint, which takes over the seed's write slot, or gives the slot
 * back. */
static void finish(struct seed_write *write, int failed)
{
    provision_seed_done_fn *done = write->done;
    struct provision_job *job = write->job;
    struct ddb_multi *multi = write->multi;
    void *user = write->user;

    seed_request_free(&write->seed);
    json_decref(write->put);
    free(write);
    job->seeds_pending--;
    if (batch_due(job))
        batch_send(job, multi, failed, done, user);
    else
        done(job, failed, user);
}

static void fail(struct seed_write *write, const char *message)
{
    provision_report_seed(write->job, write->index, STEP_FAILED,
                          write->seed.key_text[0] ? write->seed.key_text : NULL,
                          write->seed.step[0] ? write->seed.step : NULL, message);
    finish(write, 1);
}

static void fail_call(struct seed_write *write, const char *what, const struct ddb_error *error)
{
    char text[1200];
    char message[1400];

    provision_error_text(error, text, sizeof(text));
    snprintf(message, sizeof(message), "%s: %s", what, text);
    fail(write, message);
}

/* The item is in place: the seed joins the table's batch. */
static void in_place(struct seed_write *write, enum step_outcome outcome)
{
    if (batch_add(write, outcome) != 0) {
        fail(write, "done, but recording the checkpoint failed: out of memory");
        return;
    }
    finish(write, 0);
}

static void submit_put(struct seed_write *write, long delay_ms);

/* The item as read back after a lost reply: when it equals the seed, the
 * lost attempt wrote it. */
static void read_back_done(void *user, int rc, json_t *response, const struct ddb_error *error)
{
    struct seed_write *write = user;
    const json_t *item = json_object_get(response, "Item");
    int same = rc == 0 && item && json_equal(item, write->seed.item);

    provision_call_completed();
    if (rc != 0) {
        char text[1200];
        provision_error_text(error, text, sizeof(text));
        log_warn("seed %s of table %s: reading the item back after a lost reply failed, so "
                 "it is counted as already present: %s", write->seed.key_text,
                 write->job->physical_name, text);
    } else if (same) {
        log_info("seed %s of table %s: the reply to PutItem was lost and the item in place "
                 "equals the seed; counted as written by this run", write->seed.key_text,
                 write->job->physical_name);
    }
    json_decref(response);
    in_place(write, same ? STEP_WRITTEN : STEP_ALREADY_PRESENT);
}

/* Reads the seed's item back, after a retry's condition failed although an
 * earlier attempt may have written the item and lost the reply. */
static void read_back(struct seed_write *write)
{
    json_t *request = json_pack("{s:s, s:O, s:b}", "TableName", write->job->physical_name,
                                "Key", write->seed.key, "ConsistentRead", 1);
    struct ddb_error error;

    if (!request) {
        in_place(write, STEP_ALREADY_PRESENT);
        return;
    }
    int rc = ddb_multi_submit(write->multi, "GetItem", request, 0, read_back_done, write,
                              &error);
    json_decref(request);
    if (rc != 0)
        in_place(write, STEP_ALREADY_PRESENT);
}

static void put_done(void *user, int rc, json_t *response, const struct ddb_error *error)
{
    struct seed_write *write = user;

    provision_call_completed();
    json_decref(response);
    if (rc == 0) {
        in_place(write, STEP_WRITTEN);
        return;
    }
    /* The condition failed: the item is there, maybe changed by a user,
     * and it stays as it is. */
    if (provision_error_is(error, "ConditionalCheckFailedException")) {
        if (error->maybe_applied)
            read_back(write);
        else
            in_place(write, STEP_ALREADY_PRESENT);
        return;
    }
    if (provision_error_is(error, "ResourceNotFoundException") &&
        provision_now_ms() + write->delay_ms < write->deadline_ms) {
        long delay = write->delay_ms;

        log_debug("PutItem on %s: table not visible yet, retrying in %ld ms",
                  write->job->physical_name, delay);
        write->delay_ms *= 2;
        submit_put(write, delay);
        return;
    }
    fail_call(write, "PutItem failed", error);
}

static void submit_put(struct seed_write *write, long delay_ms)
{
    struct ddb_error error;

    if (ddb_multi_submit(write->multi, "PutItem", write->put, delay_ms, put_done, write,
                         &error) != 0)
        fail_call(write, "PutItem failed", &error);
}

static json_t *put_request(const struct provision_job *job, const struct catalog_seed *source,
                           const struct seed_request *seed)
{
    json_t *request = json_pack("{s:s, s:O, s:s}", "TableName", job->physical_name,
                                "Item", seed->item,
                                "ConditionExpression", source->condition_expression);

    if (request && seed->names)
        json_object_set(request, "ExpressionAttributeNames", seed->names);
    if (request && seed->values)
        json_object_set(request, "ExpressionAttributeValues", seed->values);
    return request;
}

size_t provision_seed_next(const struct provision_job *job, size_t from)
{
    const struct catalog_provider *provider = job->provider;

    while (from < provider->seeds_count &&
           strcmp(provider->seeds[from].table, job->table->name) != 0)
        from++;
    return from;
}

void provision_seed_start(struct provision_job *job, size_t index, struct ddb_multi *multi,
                          provision_seed_done_fn *done, void *user)
{
    struct seed_write *write = calloc(1, sizeof(*write));
    char err[1400];

    if (!write) {
        provision_report_seed(job, index, STEP_FAILED, NULL, NULL, "out of memory");
        done(job, 1, user);
        return;
    }
    job->seeds_pending++;
    write->job = job;
    write->source = &job->provider->seeds[index];
    write->index = index;
    write->multi = multi;
    write->done = done;
    write->user = user;

    const char *item_json = seed_pack_take(job->pack, &job->items);
    if (!item_json) {
        fail(write, "unpacking the seed item failed: out of memory");
        return;
    }
    int prepared = prepare(job, write->source, item_json, &write->seed, err, sizeof(err));
    seed_pack_cursor_settle(job->pack, &job->items);
    if (prepared != 0) {
        fail(write, err);
        return;
    }
    if (!write->source->condition_expression || !*write->source->condition_expression) {
        /* Validation rejects such seeds; this guard keeps the promise
         * that user data is never overwritten even if validation is skipped. */
        fail(write, "the seed has no condition expression, so it is not written");
        return;
    }
    if (checkpoint_is_done(job->store, write->seed.step)) {
        provision_report_seed(job, index, STEP_SKIPPED, write->seed.key_text, write->seed.step,
                              NULL);
        finish(write, 0);
        return;
    }

    write->put = put_request(job, write->source, &write->seed);
    if (!write->put) {
        fail(write, "out of memory");
        return;
    }
    write->deadline_ms = provision_now_ms() + NOT_FOUND_RETRY_MS;
    write->delay_ms = NOT_FOUND_FIRST_DELAY_MS;
    submit_put(write, 0);
}

void provision_seed_abandon(struct provision_job *job)
{
    seed_pack_cursor_free(&job->items);
    if (!job->batch)
        return;
    batch_report(job->batch, "done, but the run stopped before its checkpoint was recorded; "
                             "the next run finds the item in place");
    batch_free(job->batch);
    job->batch = NULL;
    job->seeds_failed = 1;
}
