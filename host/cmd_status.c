/* schemareg-host status: the checkpoint records of a capsule. */
#include <stdio.h>

#include <jansson.h>

#include "checkpoint.h"
#include "cli.h"
#include "commands.h"
#include "log.h"
#include "provision_cli.h"

static const struct cli_command_info info = {
    .name = "status",
    .arguments = "--capsule CODE [--capsule CODE ...]",
    .summary =
        "Prints the steps recorded in the state table for each capsule: which tables,\n"
        "indexes, TTL settings and seeds provision completed, when and by which run.\n"
        "Loads no plugins. Exits 0, or 1 when the state table cannot be read.",
    .options = PROVISION_CLI_OPTIONS_HELP,
};

static int handle_option(int opt, const char *arg, void *context)
{
    return provision_cli_option(context, opt, arg);
}

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
    return object;
}

static void print_records(const struct checkpoint_store *store)
{
    if (!store->table_exists) {
        printf("capsule %s: state table %s does not exist; nothing was provisioned yet\n",
               store->capsule, store->state_table);
        return;
    }
    printf("capsule %s: %zu step(s) recorded in %s\n", store->capsule, store->records_count,
           store->state_table);
    for (size_t i = 0; i < store->records_count; i++) {
        const struct checkpoint_record *record = &store->records[i];

        printf("  %-11s %-20s %s\n", record->status,
               record->recorded_at ? record->recorded_at : "-", record->step);
        if (record->detail)
            printf("              %s\n", record->detail);
    }
}

static int show(const struct provision_cli_args *args, struct ddb_client *client)
{
    json_t *capsules = json_array();
    int status = CLI_EXIT_OK;

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
            checkpoint_store_free(&store);
            continue;
        }

        if (args->json) {
            json_t *records = json_array();

            for (size_t j = 0; j < store.records_count; j++)
                json_array_append_new(records, record_json(&store.records[j]));
            json_array_append_new(capsules,
                json_pack("{s:s, s:s, s:b, s:o}", "capsule", store.capsule, "state_table",
                          store.state_table, "state_table_exists", store.table_exists,
                          "records", records));
        } else {
            print_records(&store);
        }
        checkpoint_store_free(&store);
    }

    /* One capsule prints its object, several print an array of them. */
    if (args->json && status == CLI_EXIT_OK)
        provision_cli_print_json(json_array_size(capsules) == 1 ? json_array_get(capsules, 0)
                                                                : capsules);
    json_decref(capsules);
    return status;
}

int cmd_status(int argc, char **argv)
{
    static const struct option options[] = {
        CLI_COMMON_LONG_OPTIONS,
        PROVISION_CLI_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    struct provision_cli_args args;
    struct aws_config *config = NULL;
    struct ddb_client *client = NULL;
    int first_argument;
    int status = CLI_EXIT_ERROR;

    provision_cli_args_init(&args);
    int parsed = cli_parse_command(argc, argv, &info, options, handle_option, &args,
                                   &first_argument);
    if (parsed != 0) {
        status = parsed > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
        goto cleanup;
    }
    if (first_argument < argc) {
        log_error("status: unexpected argument \"%s\"; use --capsule CODE", argv[first_argument]);
        status = CLI_EXIT_USAGE;
        goto cleanup;
    }
    if (provision_cli_require_capsule(&args, "status") != 0) {
        status = CLI_EXIT_USAGE;
        goto cleanup;
    }
    if (provision_cli_connect(&args, &config, &client) != 0)
        goto cleanup;
    status = show(&args, client);

cleanup:
    provision_cli_disconnect(config, client);
    provision_cli_args_free(&args);
    return status;
}
