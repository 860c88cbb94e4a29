#include <stdio.h>
#include <string.h>

#include "log.h"
#include "provision_call.h"
#include "provision_steps.h"

/* TTL settings as DescribeTimeToLive reports them. */
struct ttl_state {
    char status[32]; /* ENABLED, ENABLING, DISABLED, DISABLING */
    char attribute[256];
};

static void report_error(struct provision_job *job, const char *step, const char *operation,
                         const struct ddb_error *error)
{
    const char *attribute = job->table->ttl_attribute;
    char message[1600];

    if (provision_error_is(error, "UnknownOperationException")) {
        snprintf(message, sizeof(message),
                 "the endpoint has no TTL API (%s returned UnknownOperationException); "
                 "dynalite does not implement TTL: use DynamoDB Local or AWS, "
                 "or enable TTL on attribute %s by other means",
                 operation, attribute);
    } else {
        char text[1200];
        provision_error_text(error, text, sizeof(text));
        snprintf(message, sizeof(message), "%s failed: %s", operation, text);
    }
    provision_report(job, STEP_KIND_TTL, STEP_FAILED, attribute, step, message);
}

/* Returns 0 with state filled, or -1 (reported). */
static int describe_ttl(struct provision_job *job, const char *step, struct ttl_state *state)
{
    json_t *request = json_pack("{s:s}", "TableName", job->physical_name);
    json_t *response = NULL;
    struct ddb_error error;
    int rc = provision_call(job->client, "DescribeTimeToLive", request, &response, &error);

    json_decref(request);
    if (rc != 0) {
        report_error(job, step, "DescribeTimeToLive", &error);
        return -1;
    }

    json_t *description = json_object_get(response, "TimeToLiveDescription");
    const char *status = json_string_value(json_object_get(description, "TimeToLiveStatus"));
    const char *attribute = json_string_value(json_object_get(description, "AttributeName"));

    snprintf(state->status, sizeof(state->status), "%s", status ? status : "DISABLED");
    snprintf(state->attribute, sizeof(state->attribute), "%s", attribute ? attribute : "");
    json_decref(response);
    return 0;
}

/* Returns 0 when enabled (or already enabled), -1 (reported) otherwise. */
static int enable_ttl(struct provision_job *job, const char *step, int *already)
{
    json_t *request = json_pack("{s:s, s:{s:b, s:s}}", "TableName", job->physical_name,
                                "TimeToLiveSpecification", "Enabled", 1,
                                "AttributeName", job->table->ttl_attribute);
    json_t *response = NULL;
    struct ddb_error error;
    int rc = provision_call(job->client, "UpdateTimeToLive", request, &response, &error);

    json_decref(request);
    json_decref(response);
    *already = 0;
    if (rc == 0)
        return 0;

    /* Another run enabled it between our DescribeTimeToLive and now, or
     * an earlier attempt of this call did and its reply was lost. */
    if (provision_error_is(&error, "ValidationException") &&
        strstr(error.message, "already enabled")) {
        *already = !error.maybe_applied;
        return 0;
    }
    report_error(job, step, "UpdateTimeToLive", &error);
    return -1;
}

/*
 * Confirms a TTL step that a checkpoint records: one DescribeTimeToLive,
 * so TTL switched to another attribute or disabled by hand is reported
 * as drift, as plan reports it. Nothing is changed. Returns 0, or -1
 * (reported).
 */
static int confirm_recorded(struct provision_job *job, const char *step)
{
    const char *attribute = job->table->ttl_attribute;
    struct ttl_state state;
    char message[1024];

    if (describe_ttl(job, step, &state) != 0)
        return -1;

    int enabled = strcmp(state.status, "ENABLED") == 0 || strcmp(state.status, "ENABLING") == 0;
    if (enabled && strcmp(state.attribute, attribute) == 0) {
        provision_report(job, STEP_KIND_TTL, STEP_SKIPPED, attribute, step, NULL);
        return 0;
    }
    if (enabled)
        snprintf(message, sizeof(message),
                 "TTL is %s on attribute %s, but %s is declared and a checkpoint records it "
                 "enabled; someone changed it: disable TTL on %s by hand, then enable it on %s "
                 "after an hour (DynamoDB allows one TTL change per table per hour)",
                 state.status, state.attribute, attribute, state.attribute, attribute);
    else
        snprintf(message, sizeof(message),
                 "TTL is %s, but a checkpoint records it enabled on %s; someone changed it: "
                 "enable TTL on %s by hand (schemareg leaves a recorded step as it is)",
                 state.status, attribute, attribute);
    provision_report(job, STEP_KIND_TTL, STEP_DRIFT, attribute, step, message);
    return -1;
}

int provision_ttl_step(struct provision_job *job)
{
    const char *attribute = job->table->ttl_attribute;
    char step[CHECKPOINT_STEP_SIZE];
    struct ttl_state state;

    if (!attribute || !*attribute)
        return 0;

    checkpoint_step_ttl(step, job->provider->service_id, job->table->name);
    if (checkpoint_is_done(job->store, step))
        return confirm_recorded(job, step);
    if (job->table_created)
        state = (struct ttl_state){.status = "DISABLED"};
    else if (describe_ttl(job, step, &state) != 0)
        return -1;

    int enabled = strcmp(state.status, "ENABLED") == 0 || strcmp(state.status, "ENABLING") == 0;
    if (enabled && strcmp(state.attribute, attribute) != 0) {
        char message[1024];

        snprintf(message, sizeof(message),
                 "TTL is %s on attribute %s, but %s is declared; DynamoDB allows one TTL "
                 "change per table per hour, so it cannot be switched in one run: disable TTL "
                 "on %s by hand, then run again after an hour",
                 state.status, state.attribute, attribute, state.attribute);
        provision_report(job, STEP_KIND_TTL, STEP_DRIFT, attribute, step, message);
        return -1;
    }
    if (strcmp(state.status, "DISABLING") == 0) {
        provision_report(job, STEP_KIND_TTL, STEP_FAILED, attribute, step,
                         "TTL is being disabled on this table; DynamoDB allows one TTL change "
                         "per table per hour: run again later");
        return -1;
    }

    int already = enabled;
    if (!enabled && enable_ttl(job, step, &already) != 0)
        return -1;
    if (provision_record(job, STEP_KIND_TTL, attribute, step, 0, NULL) != 0)
        return -1;
    provision_report(job, STEP_KIND_TTL, already ? STEP_ALREADY_PRESENT : STEP_CREATED,
                     attribute, step, NULL);
    return 0;
}
