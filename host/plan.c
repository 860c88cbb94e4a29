#include "plan.h"

#include <stdio.h>
#include <string.h>

#include "capsule.h"
#include "checkpoint.h"
#include "provision_call.h"
#include "seed_key.h"
#include "table_compare.h"
#include "table_describe.h"

struct plan_job {
    struct ddb_client *client;
    const char *capsule;
    const struct catalog_provider *provider;
    const struct catalog_table *table;
    char physical_name[CAPSULE_TABLE_NAME_SIZE];
    const struct checkpoint_store *store;
    struct step_report *report;
};

static void report(struct plan_job *job, enum step_kind kind, enum step_outcome outcome,
                   const char *name, const char *step, const char *message)
{
    step_report_add(job->report, kind, outcome, job->capsule, job->provider->service_id,
                    job->physical_name, name, step, message);
}

static void report_error(struct plan_job *job, enum step_kind kind, const char *name,
                         const char *step, const char *operation, const struct ddb_error *error)
{
    char text[1200];
    char message[1400];

    if (provision_error_is(error, "UnknownOperationException"))
        snprintf(message, sizeof(message),
                 "the endpoint does not implement %s (UnknownOperationException)", operation);
    else {
        provision_error_text(error, text, sizeof(text));
        snprintf(message, sizeof(message), "%s failed: %s", operation, text);
    }
    report(job, kind, STEP_FAILED, name, step, message);
}

/* Calls operation on the job's table with extra fields from request.
 * Returns 0, 1 when the table does not exist, or -1 (error filled). */
static int call(struct plan_job *job, const char *operation, json_t *request, json_t **response,
                struct ddb_error *error)
{
    json_object_set_new(request, "TableName", json_string(job->physical_name));
    int rc = provision_call(job->client, operation, request, response, error);

    json_decref(request);
    if (rc == 0)
        return 0;
    return provision_error_is(error, "ResourceNotFoundException") ? 1 : -1;
}

static void plan_missing_table(struct plan_job *job, const char *step)
{
    char message[128];

    snprintf(message, sizeof(message), "would be created with %zu index(es)",
             job->table->gsis_count);
    report(job, STEP_KIND_TABLE, STEP_PENDING, NULL, step, message);
    if (job->table->ttl_attribute)
        report(job, STEP_KIND_TTL, STEP_PENDING, job->table->ttl_attribute, NULL,
               "would be enabled once the table is ACTIVE");
    for (size_t i = 0; i < job->provider->seeds_count; i++) {
        const struct catalog_seed *seed = &job->provider->seeds[i];
        json_t *item = NULL;
        json_t *key = NULL;
        char key_text[512] = "";
        char err[512];

        if (strcmp(seed->table, job->table->name) != 0)
            continue;
        item = json_loads(seed->item_json ? seed->item_json : "", 0, NULL);
        if (item && seed_key_extract(job->table, item, &key, err, sizeof(err)) == 0)
            seed_key_format(key, key_text, sizeof(key_text));
        report(job, STEP_KIND_SEED, STEP_PENDING, key_text[0] ? key_text : NULL, NULL,
               "would be written once the table is ACTIVE");
        json_decref(item);
        json_decref(key);
    }
}

static void plan_indexes(struct plan_job *job, const json_t *description)
{
    struct table_comparison comparison;

    if (table_compare(description, job->table, &comparison) != 0)
        return;
    for (size_t i = 0; i < job->table->gsis_count; i++) {
        const char *name = job->table->gsis[i].index_name;
        const json_t *index = table_compare_find_index(description, name);
        const char *status = json_string_value(json_object_get(index, "IndexStatus"));
        char step[CHECKPOINT_STEP_SIZE];

        checkpoint_step_gsi(step, job->provider->service_id, job->table->name, name);
        if (!index)
            report(job, STEP_KIND_GSI, STEP_PENDING, name, step, "would be added");
        else if (status && strcmp(status, "ACTIVE") != 0)
            report(job, STEP_KIND_GSI, STEP_IN_PROGRESS, name, step, status);
        else
            report(job, STEP_KIND_GSI,
                   checkpoint_is_done(job->store, step) ? STEP_SKIPPED : STEP_ALREADY_PRESENT,
                   name, step, NULL);
    }
    for (size_t i = 0; i < comparison.undeclared_indexes_count; i++)
        report(job, STEP_KIND_GSI, STEP_UNDECLARED, comparison.undeclared_indexes[i], NULL,
               "no plugin declares this index; provision leaves it in place");
    table_comparison_free(&comparison);
}

static void plan_ttl(struct plan_job *job)
{
    const char *attribute = job->table->ttl_attribute;
    char step[CHECKPOINT_STEP_SIZE];
    json_t *response = NULL;
    struct ddb_error error;

    if (!attribute || !*attribute)
        return;
    /* The live setting is read even when a checkpoint records the step,
     * so TTL changed by hand shows as drift. */
    checkpoint_step_ttl(step, job->provider->service_id, job->table->name);
    int recorded = checkpoint_is_done(job->store, step);
    if (call(job, "DescribeTimeToLive", json_object(), &response, &error) != 0) {
        report_error(job, STEP_KIND_TTL, attribute, step, "DescribeTimeToLive", &error);
        return;
    }

    json_t *description = json_object_get(response, "TimeToLiveDescription");
    const char *status = json_string_value(json_object_get(description, "TimeToLiveStatus"));
    const char *current = json_string_value(json_object_get(description, "AttributeName"));
    int enabled = status && (strcmp(status, "ENABLED") == 0 || strcmp(status, "ENABLING") == 0);

    char message[700];
    if (enabled && current && strcmp(current, attribute) != 0) {
        snprintf(message, sizeof(message),
                 "TTL is %s on attribute %s, but %s is declared; DynamoDB allows one TTL "
                 "change per table per hour", status, current, attribute);
        report(job, STEP_KIND_TTL, STEP_DRIFT, attribute, step, message);
    } else if (enabled) {
        report(job, STEP_KIND_TTL, recorded ? STEP_SKIPPED : STEP_ALREADY_PRESENT, attribute,
               step, NULL);
    } else if (recorded) {
        /* provision skips a recorded step, so it would not enable TTL. */
        snprintf(message, sizeof(message),
                 "TTL is %s, but a checkpoint records it enabled on %s; enable it by hand",
                 status ? status : "DISABLED", attribute);
        report(job, STEP_KIND_TTL, STEP_DRIFT, attribute, step, message);
    } else {
        report(job, STEP_KIND_TTL, STEP_PENDING, attribute, step, "would be enabled");
    }
    json_decref(response);
}

static void plan_seed(struct plan_job *job, const struct catalog_seed *seed)
{
    json_t *item = json_loads(seed->item_json ? seed->item_json : "", 0, NULL);
    json_t *key = NULL;
    json_t *response = NULL;
    char err[512];
    char key_text[512] = "";
    char digest[SEED_KEY_DIGEST_SIZE];
    char step[CHECKPOINT_STEP_SIZE];
    struct ddb_error error;

    if (!item || seed_key_extract(job->table, item, &key, err, sizeof(err)) != 0 ||
        seed_key_digest(key, digest) != 0) {
        report(job, STEP_KIND_SEED, STEP_FAILED, NULL, NULL,
               item ? err : "the seed item is not valid JSON");
        goto cleanup;
    }
    seed_key_format(key, key_text, sizeof(key_text));
    checkpoint_step_seed(step, job->provider->service_id, job->table->name, digest);
    if (checkpoint_is_done(job->store, step)) {
        report(job, STEP_KIND_SEED, STEP_SKIPPED, key_text, step, NULL);
        goto cleanup;
    }

    json_t *request = json_pack("{s:O, s:b}", "Key", key, "ConsistentRead", 1);
    if (call(job, "GetItem", request, &response, &error) != 0) {
        report_error(job, STEP_KIND_SEED, key_text, step, "GetItem", &error);
        goto cleanup;
    }
    if (json_object_get(response, "Item"))
        report(job, STEP_KIND_SEED, STEP_ALREADY_PRESENT, key_text, step, NULL);
    else
        report(job, STEP_KIND_SEED, STEP_PENDING, key_text, step, "would be written");

cleanup:
    json_decref(item);
    json_decref(key);
    json_decref(response);
}

static void plan_table(struct plan_job *job)
{
    char step[CHECKPOINT_STEP_SIZE];
    char message[1400];
    json_t *description = NULL;

    checkpoint_step_table(step, job->provider->service_id, job->table->name);
    int rc = table_describe(job->client, job->physical_name, 0, &description, message,
                            sizeof(message));
    if (rc == 1) {
        plan_missing_table(job, step);
        return;
    }
    if (rc < 0) {
        report(job, STEP_KIND_TABLE, STEP_FAILED, NULL, step, message);
        return;
    }

    struct table_comparison comparison;
    if (table_compare(description, job->table, &comparison) == 0) {
        int drift = comparison.drift;

        if (drift)
            report(job, STEP_KIND_TABLE, STEP_DRIFT, NULL, step, comparison.drift_message);
        table_comparison_free(&comparison);
        if (drift)
            goto cleanup;
    }
    report(job, STEP_KIND_TABLE,
           checkpoint_is_done(job->store, step) ? STEP_SKIPPED : STEP_ALREADY_PRESENT,
           NULL, step, NULL);
    plan_indexes(job, description);
    plan_ttl(job);
    for (size_t i = 0; i < job->provider->seeds_count; i++) {
        if (strcmp(job->provider->seeds[i].table, job->table->name) == 0)
            plan_seed(job, &job->provider->seeds[i]);
    }

cleanup:
    json_decref(description);
}

int plan_capsule(struct ddb_client *client, const char *capsule,
                 const struct catalog_provider *const *providers, size_t providers_count,
                 const char *state_table, struct step_report *report_out,
                 char *err, size_t err_len)
{
    struct checkpoint_store store;
    size_t first = report_out->count;

    if (capsule_validate(capsule, err, err_len) != 0)
        return PLAN_EXIT_ERROR;
    if (checkpoint_store_init(&store, client, state_table, capsule) != 0) {
        snprintf(err, err_len, "out of memory");
        return PLAN_EXIT_ERROR;
    }
    store.compact_seeds = 1;
    if (checkpoint_load(&store, err, err_len) != 0) {
        checkpoint_store_free(&store);
        return PLAN_EXIT_ERROR;
    }

    for (size_t i = 0; i < providers_count; i++) {
        for (size_t j = 0; j < providers[i]->tables_count; j++) {
            struct plan_job job = {
                .client = client,
                .capsule = capsule,
                .provider = providers[i],
                .table = &providers[i]->tables[j],
                .store = &store,
                .report = report_out,
            };

            if (capsule_table_name(capsule, job.table->name, job.physical_name,
                                   sizeof(job.physical_name)) != 0) {
                snprintf(err, err_len, "table name %s-%s is longer than 255 characters",
                         capsule, job.table->name);
                checkpoint_store_free(&store);
                return PLAN_EXIT_ERROR;
            }
            plan_table(&job);
        }
    }
    checkpoint_store_free(&store);

    int pending = 0;
    for (size_t i = first; i < report_out->count; i++) {
        enum step_outcome outcome = report_out->entries[i].outcome;

        if (outcome == STEP_FAILED || outcome == STEP_DRIFT)
            return PLAN_EXIT_ERROR;
        pending |= outcome == STEP_PENDING || outcome == STEP_IN_PROGRESS;
    }
    return pending ? PLAN_EXIT_CHANGES : PLAN_EXIT_NO_CHANGES;
}
