/* schemareg-host status: the checkpoint records of a capsule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "checkpoint.h"
#include "cli.h"
#include "commands.h"
#include "log.h"
#include "provision_cli.h"
#include "text_safe.h"

static const struct cli_command_info info = {
    .name = "status",
    .arguments = "--capsule CODE [--capsule CODE ...]",
    .summary =
        "Prints the steps recorded in the state table for each capsule: which tables,\n"
        "indexes, TTL settings and seeds provision completed, when and by which run.\n"
        "Loads no plugins. Exits 0, or 1 when the state table cannot be read.",
    .options = PROVISION_CLI_OPTIONS_HELP,
};

static json_t *record_json(const struct checkpoint_record *record)
{
    json_t *object = json_pack("{s:s, s:s}", "step", record->step, "status", record->status);

    if (record->table_name)
        json_object_set_new(object, "table", json_string(record->table_name));
    if (record->recorded_at)
        json_object_set_new(object, "recorded_at", json_string(record->recorded_at));
    if (record->run_id)
        json_object_set_new(object, "run_id", json_string(record->run_id));
    if (record->owner)
        json_object_set_new(object, "owner", json_string(record->owner));
    if (record->detail)
        json_object_set_new(object, "detail", json_string(record->detail));
    if (record->key)
        json_object_set_new(object, "key", json_string(record->key));
    if (record->item_step && strcmp(record->item_step, record->step) != 0)
        json_object_set_new(object, "batch", json_string(record->item_step));
    return object;
}

static int compare_steps(const void *left, const void *right)
{
    const struct checkpoint_record *const *a = left;
    const struct checkpoint_record *const *b = right;

    return strcmp((*a)->step, (*b)->step);
}

/* Returns the store's records sorted by step (caller frees the array), or
 * NULL when memory runs out. A batch's seeds are read in no fixed order. */
static const struct checkpoint_record **sorted_records(const struct checkpoint_store *store)
{
    const struct checkpoint_record **sorted = calloc(store->records_count + 1, sizeof(*sorted));

    if (!sorted)
        return NULL;
    for (size_t i = 0; i < store->records_count; i++)
        sorted[i] = &store->records[i];
    qsort(sorted, store->records_count, sizeof(*sorted), compare_steps);
    return sorted;
}

static void print_records(const struct checkpoint_store *store,
                          const struct checkpoint_record **records)
{
    if (!store->table_exists) {
        printf("capsule %s: state table %s does not exist; nothing was provisioned yet\n",
               store->capsule, store->state_table);
        return;
    }
    printf("capsule %s: %zu step(s) recorded in %s\n", store->capsule, store->records_count,
           store->state_table);
    for (size_t i = 0; i < store->records_count; i++) {
        const struct checkpoint_record *record = records[i];

        /* Records come from a table anyone with write access can change, so
         * their text is escaped before it reaches a terminal. */
        char status[64];
        char recorded_at[64];
        char step[1024];
        char key[1024];
        char detail[2048];

        printf("  %-11s %-20s %s%s%s\n", text_safe(record->status, status, sizeof(status)),
               record->recorded_at ? text_safe(record->recorded_at, recorded_at,
                                               sizeof(recorded_at)) : "-",
               text_safe(record->step, step, sizeof(step)), record->key ? "  " : "",
               record->key ? text_safe(record->key, key, sizeof(key)) : "");
        if (record->detail)
            printf("              %s\n", text_safe(record->detail, detail, sizeof(detail)));
    }
}

/* Reads and prints the records of each capsule. With --json the output is
 * always {"capsules": [...]}, however many capsules there are; a capsule
 * whose records could not be read has an "error" member. */
static int show(const struct provision_cli_args *args, const struct provision_cli_catalog *catalog,
                struct ddb_client *client)
{
    json_t *capsules = json_array();
    int status = CLI_EXIT_OK;

    (void)catalog;
    for (size_t i = 0; i < args->capsules_count; i++) {
        struct checkpoint_store store;
        char err[1400];

        if (checkpoint_store_init(&store, client, args->state_table, args->capsules[i]) != 0) {
            log_error("out of memory");
            status = CLI_EXIT_ERROR;
            break;
        }
        if (checkpoint_load(&store, err, sizeof(err)) != 0) {
            log_error("capsule %s: %s", args->capsules[i], err);
            status = CLI_EXIT_ERROR;
            json_array_append_new(capsules,
                json_pack("{s:s, s:s, s:s}", "capsule", store.capsule, "state_table",
                          store.state_table, "error", err));
            checkpoint_store_free(&store);
            continue;
        }

        const struct checkpoint_record **sorted = sorted_records(&store);
        if (!sorted) {
            log_error("out of memory");
            status = CLI_EXIT_ERROR;
            checkpoint_store_free(&store);
            break;
        }
        if (args->json) {
            json_t *records = json_array();

            for (size_t j = 0; j < store.records_count; j++)
                json_array_append_new(records, record_json(sorted[j]));
            json_array_append_new(capsules,
                json_pack("{s:s, s:s, s:b, s:o}", "capsule", store.capsule, "state_table",
                          store.state_table, "state_table_exists", store.table_exists,
                          "records", records));
        } else {
            print_records(&store, sorted);
        }
        free(sorted);
        checkpoint_store_free(&store);
    }

    if (args->json) {
        json_t *output = json_pack("{s:o}", "capsules", capsules);

        provision_cli_print_json(output);
        json_decref(output);
    } else {
        json_decref(capsules);
    }
    return status;
}

int cmd_status(int argc, char **argv)
{
    static const struct option options[] = {
        CLI_COMMON_LONG_OPTIONS,
        PROVISION_CLI_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    static const struct provision_cli_command command = {
        .info = &info,
        .options = options,
        .usage_exit = CLI_EXIT_USAGE,
        .load_plugins = 0,
        .run = show,
    };

    return provision_cli_main(argc, argv, &command);
}
