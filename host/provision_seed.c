#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "provision_call.h"
#include "provision_steps.h"
#include "seed_key.h"

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

/* Parses the seed. Returns 0, or -1 with a message in err. */
static int prepare(struct provision_job *job, const struct catalog_seed *source,
                   struct seed_request *seed, char *err, size_t err_len)
{
    char digest[SEED_KEY_DIGEST_SIZE];
    int failed = 0;
    json_error_t error;

    seed->item = json_loads(source->item_json ? source->item_json : "", 0, &error);
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

/* One seed step in flight: its PutItem, the retries while the new table
 * is not visible yet, then its checkpoint. */
struct seed_write {
    struct provision_job *job;
    const struct catalog_seed *source;
    size_t index;
    struct seed_request seed;
    struct ddb_multi *multi;
    json_t *put;        /* the PutItem request */
    json_t *record;     /* the checkpoint request, once the item is in place */
    int64_t deadline_ms; /* ResourceNotFoundException is retried until then */
    long delay_ms;
    enum step_outcome outcome;
    provision_seed_done_fn *done;
    void *user;
};

static void finish(struct seed_write *write, int failed)
{
    provision_seed_done_fn *done = write->done;
    struct provision_job *job = write->job;
    void *user = write->user;

    seed_request_free(&write->seed);
    json_decref(write->put);
    json_decref(write->record);
    free(write);
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

static void recorded(void *user, int rc, json_t *response, const struct ddb_error *error)
{
    struct seed_write *write = user;
    char err[1400];
    char message[1600];

    provision_call_completed();
    json_decref(response);
    if (checkpoint_record_finish(write->job->store, write->record, rc, error, err,
                                 sizeof(err)) < 0) {
        snprintf(message, sizeof(message), "done, but recording the checkpoint failed: %s", err);
        fail(write, message);
        return;
    }
    provision_report_seed(write->job, write->index, write->outcome, write->seed.key_text,
                          write->seed.step, NULL);
    finish(write, 0);
}

static void submit_record(struct seed_write *write)
{
    struct ddb_error error;

    write->record = checkpoint_record_request(write->job->store, write->seed.step,
                                              write->job->physical_name, 0, NULL);
    if (!write->record) {
        fail(write, "done, but recording the checkpoint failed: out of memory");
        return;
    }
    if (ddb_multi_submit(write->multi, "PutItem", write->record, 0, recorded, write,
                         &error) != 0)
        fail_call(write, "done, but recording the checkpoint failed", &error);
}

static void submit_put(struct seed_write *write, long delay_ms);

static void put_done(void *user, int rc, json_t *response, const struct ddb_error *error)
{
    struct seed_write *write = user;

    provision_call_completed();
    json_decref(response);
    if (rc == 0) {
        write->outcome = STEP_WRITTEN;
        submit_record(write);
        return;
    }
    /* The condition failed: the item is there, maybe changed by a user,
     * and it stays as it is. */
    if (provision_error_is(error, "ConditionalCheckFailedException")) {
        write->outcome = STEP_ALREADY_PRESENT;
        submit_record(write);
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
    write->job = job;
    write->source = &job->provider->seeds[index];
    write->index = index;
    write->multi = multi;
    write->done = done;
    write->user = user;

    if (prepare(job, write->source, &write->seed, err, sizeof(err)) != 0) {
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
