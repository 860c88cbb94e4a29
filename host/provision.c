#include "provision.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsule.h"
#include "checkpoint.h"
#include "log.h"
#include "provision_call.h"
#include "provision_steps.h"
#include "table_compare.h"
#include "table_describe.h"
#include "table_request.h"
#include "table_wait.h"

static int compare_service_ids(const void *left, const void *right)
{
    const struct catalog_provider *const *a = left;
    const struct catalog_provider *const *b = right;

    return strcmp((*a)->service_id, (*b)->service_id);
}

int provision_collect_providers(const struct catalog_plugin *plugins, size_t plugins_count,
                                const struct catalog_provider ***providers, size_t *count)
{
    size_t total = 0;

    for (size_t i = 0; i < plugins_count; i++)
        total += plugins[i].providers_count;

    const struct catalog_provider **list = calloc(total + 1, sizeof(*list));
    if (!list)
        return -1;

    size_t n = 0;
    for (size_t i = 0; i < plugins_count; i++) {
        for (size_t j = 0; j < plugins[i].providers_count; j++)
            list[n++] = &plugins[i].providers[j];
    }
    qsort(list, n, sizeof(*list), compare_service_ids);
    *providers = list;
    *count = n;
    return 0;
}

static void report_at(struct provision_job *job, unsigned long long order, enum step_kind kind,
                      enum step_outcome outcome, const char *name, const char *step,
                      const char *message)
{
    if (step_report_add_ordered(job->report, order, kind, outcome, job->capsule,
                                job->provider->service_id, job->physical_name, name, step,
                                message) != 0)
        log_error("out of memory reporting a step of table %s", job->physical_name);
}

void provision_report(struct provision_job *job, enum step_kind kind, enum step_outcome outcome,
                      const char *name, const char *step, const char *message)
{
    report_at(job, job->order, kind, outcome, name, step, message);
}

void provision_report_seed(struct provision_job *job, size_t seed_index,
                           enum step_outcome outcome, const char *name, const char *step,
                           const char *message)
{
    report_at(job, job->order + 1 + seed_index, STEP_KIND_SEED, outcome, name, step, message);
}

int provision_record(struct provision_job *job, enum step_kind kind, const char *name,
                     const char *step, int in_progress, const char *detail)
{
    char err[1400];

    if (checkpoint_record(job->store, job->client, step, job->physical_name, in_progress,
                          detail, err, sizeof(err)) >= 0)
        return 0;

    char message[1600];
    snprintf(message, sizeof(message), "done, but recording the checkpoint failed: %s", err);
    provision_report(job, kind, STEP_FAILED, name, step, message);
    return -1;
}

/* Fetches the table description: 0 found, 1 missing, -1 failed (reported).
 * The call ends within the wait timeout, as a wait's calls do. */
static int describe_table(struct provision_job *job, const char *step, json_t **description)
{
    char message[1400];
    int rc = table_describe(job->client, job->physical_name,
                            provision_now_ms() + job->options->wait_timeout_ms, description,
                            message, sizeof(message));

    if (rc < 0)
        provision_report(job, STEP_KIND_TABLE, STEP_FAILED, NULL, step, message);
    return rc;
}

/* Creates the missing table. Returns 0 or -1 (reported). On success
 * *description is the table as CreateTable returned it, or NULL. */
static int create_table(struct provision_job *job, const char *step, json_t **description)
{
    char message[1400] = "";
    int discarded = checkpoint_discard_table(job->store, job->client, job->physical_name, message,
                                             sizeof(message));

    if (discarded < 0) {
        provision_report(job, STEP_KIND_TABLE, STEP_FAILED, NULL, step, message);
        return -1;
    }

    json_t *request = table_request_create(job->physical_name, job->table);
    json_t *response = NULL;
    struct ddb_error error;
    int rc = provision_call(job->client, "CreateTable", request, &response, &error);
    int created = rc == 0;

    json_decref(request);
    *description = json_incref(json_object_get(response, "TableDescription"));
    json_decref(response);

    /* ResourceInUseException means the table exists: another host (or an
     * earlier, interrupted run) created it a moment ago. That is success
     * on purpose, so concurrent and repeated runs converge; the wait and
     * the comparison below check what is really there. */
    if (rc != 0 && !provision_error_is(&error, "ResourceInUseException")) {
        char text[1200];
        provision_error_text(&error, text, sizeof(text));
        snprintf(message, sizeof(message), "CreateTable failed: %s", text);
        provision_report(job, STEP_KIND_TABLE, STEP_FAILED, NULL, step, message);
        return -1;
    }
    /* An attempt whose reply was lost most likely created the table that
     * the retry then found in use. */
    if (rc != 0 && error.maybe_applied) {
        log_info("table %s: the reply to CreateTable was lost and the retry found the "
                 "table; counted as created by this run", job->physical_name);
        created = 1;
    }

    if (discarded > 0)
        snprintf(message, sizeof(message),
                 "the table was missing although %d checkpoint(s) recorded it; "
                 "it was recreated and its steps run again", discarded);
    provision_report(job, STEP_KIND_TABLE, created ? STEP_CREATED : STEP_ALREADY_PRESENT, NULL,
                     step, discarded > 0 ? message : NULL);
    return 0;
}

/* Returns nonzero when the described table and all its described
 * declared indexes are ACTIVE, so no wait is needed. With all_indexes set,
 * every declared index must also be described. */
static int active_now(const json_t *description, const struct catalog_table *table,
                      int all_indexes)
{
    const char *status = json_string_value(json_object_get(description, "TableStatus"));

    if (!status || strcmp(status, "ACTIVE") != 0)
        return 0;
    for (size_t i = 0; i < table->gsis_count; i++) {
        const json_t *index = table_compare_find_index(description, table->gsis[i].index_name);
        const char *index_status = json_string_value(json_object_get(index, "IndexStatus"));

        if (!index && all_indexes)
            return 0;
        if (index && (!index_status || strcmp(index_status, "ACTIVE") != 0))
            return 0;
    }
    return 1;
}

/*
 * Waits for the table and the declared indexes it has (or must have, when
 * all_indexes is set). Returns the wait status and replaces *description
 * with the latest one; a failure is reported under kind/name/step.
 */
static enum table_wait_status wait_for_table(struct provision_job *job, json_t **description,
                                             int all_indexes, const char *extra_index)
{
    const struct catalog_table *table = job->table;
    const char **indexes = calloc(table->gsis_count + 2, sizeof(*indexes));
    size_t count = 0;
    char err[1400] = "";

    if (!indexes) {
        provision_report(job, STEP_KIND_TABLE, STEP_FAILED, NULL, NULL, "out of memory");
        return TABLE_WAIT_FAILED;
    }
    for (size_t i = 0; i < table->gsis_count; i++) {
        const char *name = table->gsis[i].index_name;

        if (all_indexes || (*description && table_compare_find_index(*description, name)))
            indexes[count++] = name;
    }
    if (extra_index)
        indexes[count++] = extra_index;

    struct table_wait_options wait = {
        .table_name = job->physical_name,
        .indexes = indexes,
        .indexes_count = count,
        .timeout_ms = job->options->wait_timeout_ms,
        .no_progress_ms = job->options->no_progress_ms,
    };
    json_t *latest = NULL;
    enum table_wait_status status = table_wait_active(job->client, &wait, &latest, err,
                                                      sizeof(err));
    free(indexes);

    if (latest) {
        json_decref(*description);
        *description = latest;
    }
    if (status == TABLE_WAIT_FAILED) {
        enum step_kind kind = extra_index ? STEP_KIND_GSI : STEP_KIND_TABLE;
        provision_report(job, kind, STEP_FAILED, extra_index, NULL, err);
    } else if (status == TABLE_WAIT_IN_PROGRESS) {
        log_warn("%s", err);
    }
    return status;
}

/* Records and reports each declared index found in description: done when
 * ACTIVE, in progress when still CREATING; created when the table was. Returns -1 when recording
 * failed, 1 when an index is still being built, 0 otherwise. */
static int record_present_indexes(struct provision_job *job, const json_t *description,
                                  int table_created)
{
    int building = 0;

    for (size_t i = 0; i < job->table->gsis_count; i++) {
        const char *name = job->table->gsis[i].index_name;
        const json_t *index = table_compare_find_index(description, name);
        const char *status = json_string_value(json_object_get(index, "IndexStatus"));
        char step[CHECKPOINT_STEP_SIZE];

        if (!index)
            continue;
        checkpoint_step_gsi(step, job->provider->service_id, job->table->name, name);
        int active = status && strcmp(status, "ACTIVE") == 0;
        int was_done = checkpoint_is_done(job->store, step);

        if (active && was_done) {
            provision_report(job, STEP_KIND_GSI, STEP_SKIPPED, name, step, NULL);
            continue;
        }
        if (!active) {
            int recorded = checkpoint_exists(job->store, step);
            char detail[200];

            building = 1;
            snprintf(detail, sizeof(detail), "index %s %s%s; run again to finish", name,
                     status ? status : "UNKNOWN",
                     json_is_true(json_object_get(index, "Backfilling")) ? ", backfilling" : "");
            if (!recorded && provision_record(job, STEP_KIND_GSI, name, step, 1, detail) != 0)
                return -1;
            provision_report(job, STEP_KIND_GSI, STEP_IN_PROGRESS, name, step, detail);
            continue;
        }
        if (provision_record(job, STEP_KIND_GSI, name, step, 0, NULL) != 0)
            return -1;
        provision_report(job, STEP_KIND_GSI, table_created ? STEP_CREATED : STEP_ALREADY_PRESENT,
                         name, step, NULL);
    }
    return building;
}

/* Adds one missing index with UpdateTable. Returns 0 or -1 (reported). */
static int add_index(struct provision_job *job, const struct catalog_gsi *gsi)
{
    json_t *request = table_request_add_gsi(job->physical_name, job->table, gsi);
    json_t *response = NULL;
    struct ddb_error error;
    int rc = provision_call(job->client, "UpdateTable", request, &response, &error);

    json_decref(request);
    json_decref(response);
    if (rc == 0)
        return 0;
    /* An earlier attempt whose reply was lost added the index, so the
     * retry gets "already exists" and counts the index as added. */
    if (error.maybe_applied && provision_error_is(&error, "ValidationException") &&
        strstr(error.message, "already exists")) {
        log_info("table %s: the reply to UpdateTable was lost and the retry found index %s; "
                 "counted as added by this run", job->physical_name, gsi->index_name);
        return 0;
    }

    char text[1200];
    char message[1400];
    provision_error_text(&error, text, sizeof(text));
    snprintf(message, sizeof(message), "UpdateTable adding the index failed: %s", text);
    provision_report(job, STEP_KIND_GSI, STEP_FAILED, gsi->index_name, NULL, message);
    return -1;
}

/*
 * Adds the declared indexes the table lacks, one UpdateTable per index
 * because DynamoDB allows one index change at a time, each waited ACTIVE
 * before the next. Returns 0, 1 when an index is still being built, -1 on
 * failure (reported).
 */
static int add_missing_indexes(struct provision_job *job, json_t **description)
{
    struct table_comparison comparison;

    if (table_compare(*description, job->table, &comparison) != 0)
        return -1;

    int rc = 0;
    for (size_t i = 0; i < comparison.missing_gsis_count && rc == 0; i++) {
        const struct catalog_gsi *gsi = comparison.missing_gsis[i];

        log_info("adding index %s to table %s", gsi->index_name, job->physical_name);
        if (add_index(job, gsi) != 0) {
            rc = -1;
            break;
        }

        enum table_wait_status status = wait_for_table(job, description, 0, gsi->index_name);
        if (status == TABLE_WAIT_FAILED) {
            rc = -1;
            break;
        }
        /* Report just this index; the others were reported before. */
        char step[CHECKPOINT_STEP_SIZE];
        checkpoint_step_gsi(step, job->provider->service_id, job->table->name, gsi->index_name);
        if (status == TABLE_WAIT_IN_PROGRESS) {
            if (provision_record(job, STEP_KIND_GSI, gsi->index_name, step, 1,
                                 "index created, still being built") != 0)
                rc = -1;
            else
                provision_report(job, STEP_KIND_GSI, STEP_IN_PROGRESS, gsi->index_name, step,
                                 "index created, still being built; run again to finish");
            rc = rc ? rc : 1;
            break;
        }
        if (provision_record(job, STEP_KIND_GSI, gsi->index_name, step, 0, NULL) != 0) {
            rc = -1;
            break;
        }
        provision_report(job, STEP_KIND_GSI, STEP_CREATED, gsi->index_name, step, NULL);
    }
    table_comparison_free(&comparison);
    return rc;
}

/* Reports drift and undeclared indexes of an existing table. Returns -1
 * on drift (an error for this table), 0 otherwise. */
static int check_existing(struct provision_job *job, const json_t *description, const char *step)
{
    struct table_comparison comparison;
    int rc = 0;

    if (table_compare(description, job->table, &comparison) != 0) {
        provision_report(job, STEP_KIND_TABLE, STEP_FAILED, NULL, step, "out of memory");
        return -1;
    }
    if (comparison.drift) {
        char message[1400];

        snprintf(message, sizeof(message),
                 "%s; schemareg never deletes or recreates a table: migrate the data and "
                 "recreate the table by hand, or change the declaration",
                 comparison.drift_message);
        provision_report(job, STEP_KIND_TABLE, STEP_DRIFT, NULL, step, message);
        rc = -1;
    }
    for (size_t i = 0; i < comparison.undeclared_indexes_count; i++)
        provision_report(job, STEP_KIND_GSI, STEP_UNDECLARED, comparison.undeclared_indexes[i],
                         NULL, "no plugin declares this index; it is left in place");
    table_comparison_free(&comparison);
    return rc;
}

int provision_table_steps(struct provision_job *job)
{
    char step[CHECKPOINT_STEP_SIZE];
    json_t *description = NULL;
    int created = 0;
    int rc = -1;

    checkpoint_step_table(step, job->provider->service_id, job->table->name);

    /* A cheap DescribeTable confirms the table even when a checkpoint
     * records it, so a table deleted behind the host's back is recreated. */
    int found = describe_table(job, step, &description);
    if (found < 0)
        goto cleanup;
    if (found == 1) {
        if (create_table(job, step, &description) != 0)
            goto cleanup;
        created = 1;
    } else if (check_existing(job, description, step) != 0) {
        goto cleanup;
    }

    /* DynamoDB replies to CreateTable with the table CREATING. A server
     * that creates tables ACTIVE at once (DynamoDB Local) returns them
     * ACTIVE, and then nothing is left to wait for. */
    if (!description || !active_now(description, job->table, created)) {
        enum table_wait_status status = wait_for_table(job, &description, created, NULL);

        if (status == TABLE_WAIT_FAILED)
            goto cleanup;
    }

    if (!checkpoint_is_done(job->store, step)) {
        if (provision_record(job, STEP_KIND_TABLE, NULL, step, 0, NULL) != 0)
            goto cleanup;
        if (!created)
            provision_report(job, STEP_KIND_TABLE, STEP_ALREADY_PRESENT, NULL, step, NULL);
    } else if (!created) {
        provision_report(job, STEP_KIND_TABLE, STEP_SKIPPED, NULL, step, NULL);
    }

    int building = record_present_indexes(job, description, created);
    if (building < 0)
        goto cleanup;
    if (!building) {
        building = add_missing_indexes(job, &description);
        if (building < 0)
            goto cleanup;
    }

    /* TTL and seeds need only the table to be ACTIVE, not its indexes. */
    job->table_created = created;
    int ttl_failed = provision_ttl_step(job) != 0;

    job->seeds_ready = 1;
    rc = ttl_failed ? -1 : building;

cleanup:
    json_decref(description);
    return rc;
}
