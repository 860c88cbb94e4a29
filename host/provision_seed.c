#include <stdio.h>
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

/* Writes the seed unless it exists. Returns STEP_WRITTEN,
 * STEP_ALREADY_PRESENT, or STEP_FAILED with a message in err. */
static enum step_outcome put_seed(struct provision_job *job, const struct catalog_seed *source,
                                  const struct seed_request *seed, char *err, size_t err_len)
{
    json_t *request = json_pack("{s:s, s:O, s:s}", "TableName", job->physical_name,
                                "Item", seed->item,
                                "ConditionExpression", source->condition_expression);
    int64_t deadline = provision_now_ms() + NOT_FOUND_RETRY_MS;
    int64_t delay = NOT_FOUND_FIRST_DELAY_MS;
    enum step_outcome outcome = STEP_FAILED;
    struct ddb_error error;

    if (seed->names)
        json_object_set(request, "ExpressionAttributeNames", seed->names);
    if (seed->values)
        json_object_set(request, "ExpressionAttributeValues", seed->values);

    for (;;) {
        json_t *response = NULL;
        int rc = provision_call(job->client, "PutItem", request, &response, &error);

        json_decref(response);
        if (rc == 0) {
            outcome = STEP_WRITTEN;
            break;
        }
        /* The condition failed: the item is there, maybe changed by a
         * user, and it stays as it is. */
        if (provision_error_is(&error, "ConditionalCheckFailedException")) {
            outcome = STEP_ALREADY_PRESENT;
            break;
        }
        if (provision_error_is(&error, "ResourceNotFoundException") &&
            provision_now_ms() + delay < deadline) {
            log_debug("PutItem on %s: table not visible yet, retrying in %lld ms",
                      job->physical_name, (long long)delay);
            provision_sleep_ms(delay);
            delay *= 2;
            continue;
        }

        char text[1200];
        provision_error_text(&error, text, sizeof(text));
        snprintf(err, err_len, "PutItem failed: %s", text);
        break;
    }
    json_decref(request);
    return outcome;
}

/* Runs one seed step. Returns 0 or -1 (reported). */
static int seed_step(struct provision_job *job, const struct catalog_seed *source)
{
    struct seed_request seed = {0};
    char err[1400];
    int rc = -1;

    if (prepare(job, source, &seed, err, sizeof(err)) != 0) {
        provision_report(job, STEP_KIND_SEED, STEP_FAILED, seed.key_text[0] ? seed.key_text : NULL,
                         seed.step[0] ? seed.step : NULL, err);
        goto cleanup;
    }
    if (!source->condition_expression || !*source->condition_expression) {
        /* Validation rejects such seeds; this guard keeps the promise
         * that user data is never overwritten even if validation is skipped. */
        provision_report(job, STEP_KIND_SEED, STEP_FAILED, seed.key_text, seed.step,
                         "the seed has no condition expression, so it is not written");
        goto cleanup;
    }
    if (checkpoint_is_done(job->store, seed.step)) {
        provision_report(job, STEP_KIND_SEED, STEP_SKIPPED, seed.key_text, seed.step, NULL);
        rc = 0;
        goto cleanup;
    }

    enum step_outcome outcome = put_seed(job, source, &seed, err, sizeof(err));
    if (outcome == STEP_FAILED) {
        provision_report(job, STEP_KIND_SEED, STEP_FAILED, seed.key_text, seed.step, err);
        goto cleanup;
    }
    if (provision_record(job, STEP_KIND_SEED, seed.key_text, seed.step, 0, NULL) != 0)
        goto cleanup;
    provision_report(job, STEP_KIND_SEED, outcome, seed.key_text, seed.step, NULL);
    rc = 0;

cleanup:
    seed_request_free(&seed);
    return rc;
}

int provision_seed_steps(struct provision_job *job)
{
    int rc = 0;

    for (size_t i = 0; i < job->provider->seeds_count; i++) {
        const struct catalog_seed *seed = &job->provider->seeds[i];

        if (strcmp(seed->table, job->table->name) != 0)
            continue;
        if (seed_step(job, seed) != 0)
            rc = -1;
    }
    return rc;
}
