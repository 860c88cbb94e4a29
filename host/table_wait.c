#include "table_wait.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "provision_call.h"
#include "table_compare.h"
#include "table_describe.h"
#include "wait_progress.h"

#define FIRST_DELAY_MS 1000
#define MAX_DELAY_MS 10000
#define DEFAULT_NO_PROGRESS_MS 15000
/* A table can be missing from DescribeTable for a moment right after
 * CreateTable, because DynamoDB propagates new tables with a delay. */
#define NOT_FOUND_GRACE_MS 10000
/* A poll starts only while at least this much of the wait is left, so its
 * DescribeTable, which must end by the wait's deadline, has time to. */
#define POLL_RESERVE_MS 1000

/* The state of the table and its indexes in one DescribeTable response. */
struct wait_state {
    const char *table_status;
    int all_active;
    int index_creating;          /* a listed index is CREATING */
    const char *missing_index;   /* a listed index that is not described */
    const char *blocked_index;   /* a listed index DELETING or otherwise stuck */
    char detail[512];            /* e.g. "table ACTIVE, index by-customer CREATING (backfilling)" */
};

static const char *status_of(const json_t *object, const char *field)
{
    const char *value = json_string_value(json_object_get(object, field));

    return value ? value : "UNKNOWN";
}

static void inspect(const json_t *table, const struct table_wait_options *options,
                    struct wait_state *state)
{
    memset(state, 0, sizeof(*state));
    state->table_status = status_of(table, "TableStatus");
    state->all_active = strcmp(state->table_status, "ACTIVE") == 0;

    int used = snprintf(state->detail, sizeof(state->detail), "table %s", state->table_status);

    for (size_t i = 0; i < options->indexes_count; i++) {
        const char *name = options->indexes[i];
        const json_t *index = table_compare_find_index(table, name);
        const char *index_status = index ? status_of(index, "IndexStatus") : "not listed";
        int backfilling = index && json_is_true(json_object_get(index, "Backfilling"));

        if (!index)
            state->missing_index = name;
        else if (strcmp(index_status, "CREATING") == 0)
            state->index_creating = 1;
        else if (strcmp(index_status, "ACTIVE") != 0 && strcmp(index_status, "UPDATING") != 0)
            state->blocked_index = name;
        if (!index || strcmp(index_status, "ACTIVE") != 0)
            state->all_active = 0;

        if (used >= 0 && (size_t)used < sizeof(state->detail))
            used += snprintf(state->detail + used, sizeof(state->detail) - (size_t)used,
                             ", index %s %s%s", name, index_status,
                             backfilling ? " (backfilling)" : "");
    }
}

/*
 * Returns why a table in status can never become ACTIVE without an
 * operator, or NULL while waiting can still end in ACTIVE. DynamoDB's
 * statuses: CREATING, UPDATING, ACTIVE, DELETING,
 * INACCESSIBLE_ENCRYPTION_CREDENTIALS, ARCHIVING and ARCHIVED. A status
 * outside that list is unknown, so waiting on it would be a guess.
 */
static const char *terminal_reason(const char *status)
{
    static const struct {
        const char *status;
        const char *reason;
    } terminal[] = {
        {"DELETING", "the table is being deleted; run again once it is gone"},
        {"INACCESSIBLE_ENCRYPTION_CREDENTIALS",
         "DynamoDB cannot use the table's KMS key; restore access to the key, then run "
         "again"},
        {"ARCHIVING", "DynamoDB is archiving the table because its KMS key stayed "
                      "inaccessible; restore the table from its backup"},
        {"ARCHIVED", "DynamoDB archived the table because its KMS key stayed inaccessible; "
                     "restore the table from its backup"},
    };

    if (strcmp(status, "ACTIVE") == 0 || strcmp(status, "CREATING") == 0 ||
        strcmp(status, "UPDATING") == 0)
        return NULL;
    for (size_t i = 0; i < sizeof(terminal) / sizeof(terminal[0]); i++) {
        if (strcmp(status, terminal[i].status) == 0)
            return terminal[i].reason;
    }
    return "this status is not one DynamoDB documents, so it may never become ACTIVE; "
           "check the table with aws dynamodb describe-table and check the endpoint";
}

static enum table_wait_status timed_out(const struct table_wait_options *options,
                                        const struct wait_state *state,
                                        char *err, size_t err_len)
{
    int table_usable = strcmp(state->table_status, "ACTIVE") == 0 ||
                       strcmp(state->table_status, "UPDATING") == 0;

    if (table_usable && state->index_creating && !state->missing_index) {
        snprintf(err, err_len,
                 "%s: index build still in progress after %llds (%s); run again later",
                 options->table_name, (long long)(options->timeout_ms / 1000), state->detail);
        return TABLE_WAIT_IN_PROGRESS;
    }
    snprintf(err, err_len,
             "%s: timed out after %llds waiting for ACTIVE (%s); run again, or raise --wait-timeout",
             options->table_name, (long long)(options->timeout_ms / 1000), state->detail);
    return TABLE_WAIT_FAILED;
}

enum table_wait_status table_wait_active(struct ddb_client *client,
                                         const struct table_wait_options *options,
                                         json_t **description, char *err, size_t err_len)
{
    int64_t start = provision_now_ms();
    int64_t no_progress_ms = options->no_progress_ms > 0 ? options->no_progress_ms
                                                         : DEFAULT_NO_PROGRESS_MS;
    int64_t missing_since = -1;
    int64_t delay = FIRST_DELAY_MS;
    enum table_wait_status status = TABLE_WAIT_FAILED;
    json_t *table = NULL;

    int64_t last_poll = options->timeout_ms > POLL_RESERVE_MS
                            ? options->timeout_ms - POLL_RESERVE_MS : 0;

    if (no_progress_ms > options->timeout_ms)
        no_progress_ms = options->timeout_ms;

    for (;;) {
        json_decref(table);
        table = NULL;
        int rc = table_describe(client, options->table_name, start + options->timeout_ms,
                                &table, err, err_len);
        int64_t elapsed = provision_now_ms() - start;

        if (rc < 0) {
            if (elapsed >= last_poll) {
                size_t used = strlen(err);
                snprintf(err + used, err_len - used, " (within the wait of %llds; raise "
                         "--wait-timeout or --request-timeout if the endpoint is only slow)",
                         (long long)(options->timeout_ms / 1000));
            }
            goto done;
        }
        if (rc == 1 && (elapsed >= NOT_FOUND_GRACE_MS || elapsed >= last_poll)) {
            snprintf(err, err_len, "%s: table not found while waiting for it to become ACTIVE",
                     options->table_name);
            goto done;
        }

        struct wait_state state = {.table_status = "not found", .detail = "table not found"};
        if (rc == 0)
            inspect(table, options, &state);

        if (rc == 0 && state.all_active) {
            status = TABLE_WAIT_ACTIVE;
            goto done;
        }
        const char *reason = rc == 0 ? terminal_reason(state.table_status) : NULL;
        if (reason) {
            snprintf(err, err_len, "%s: table status %s never becomes ACTIVE: %s",
                     options->table_name, state.table_status, reason);
            goto done;
        }
        if (state.blocked_index) {
            snprintf(err, err_len, "%s: index %s never becomes ACTIVE from its status (%s); "
                     "check the index with aws dynamodb describe-table, then run again",
                     options->table_name, state.blocked_index, state.detail);
            goto done;
        }

        /* An endpoint can accept an index creation and then never list the
         * index: stop instead of waiting forever. */
        if (state.missing_index && strcmp(state.table_status, "ACTIVE") == 0) {
            if (missing_since < 0)
                missing_since = elapsed;
            if (elapsed - missing_since >= no_progress_ms || elapsed >= last_poll) {
                snprintf(err, err_len,
                         "%s: no progress: the endpoint accepted the creation of index %s, but "
                         "DescribeTable shows the table ACTIVE without the index after %llds; "
                         "check that the endpoint builds global secondary indexes, and the "
                         "table with aws dynamodb describe-table",
                         options->table_name, state.missing_index,
                         (long long)((elapsed - missing_since) / 1000));
                goto done;
            }
        } else {
            missing_since = -1;
        }

        if (elapsed >= last_poll) {
            status = timed_out(options, &state, err, err_len);
            goto done;
        }

        char progress[sizeof(state.detail) + 64];
        snprintf(progress, sizeof(progress), "%s, %llds of %llds", state.detail,
                 (long long)(elapsed / 1000), (long long)(options->timeout_ms / 1000));
        wait_progress_update(options->table_name, progress);
        int64_t remaining = last_poll - elapsed;
        provision_sleep_ms(delay < remaining ? delay : remaining);
        delay = delay * 2 > MAX_DELAY_MS ? MAX_DELAY_MS : delay * 2;
    }

done:
    wait_progress_remove(options->table_name);
    *description = table;
    return status;
}
