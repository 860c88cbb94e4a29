/* schemareg-host plan: what provision would change, read-only. */
#include <stdio.h>

#include <jansson.h>

#include "checkpoint.h"
#include "cli.h"
#include "commands.h"
#include "log.h"
#include "plan.h"
#include "provision_cli.h"
#include "step_report.h"

static const struct cli_command_info info = {
    .name = "plan",
    .arguments = "--capsule CODE [--capsule CODE ...]",
    .summary =
        "Shows what provision would do in each capsule: tables to create, indexes to\n"
        "add, TTL to enable, seeds to write, and drift that provision cannot fix.\n"
        "Only reads (DescribeTable, DescribeTimeToLive, GetItem, the checkpoints).\n"
        "Exits 0 when nothing is to do, 2 when changes are pending, 1 on drift or error.",
    .options = PROVISION_CLI_OPTIONS_HELP,
};

static int handle_option(int opt, const char *arg, void *context)
{
    return provision_cli_option(context, opt, arg);
}

static const char *result_name(int exit_code)
{
    switch (exit_code) {
    case PLAN_EXIT_NO_CHANGES:
        return "no_changes";
    case PLAN_EXIT_CHANGES:
        return "changes";
    default:
        return "error";
    }
}

static int combine(int overall, int capsule)
{
    if (overall == PLAN_EXIT_ERROR || capsule == PLAN_EXIT_ERROR)
        return PLAN_EXIT_ERROR;
    if (overall == PLAN_EXIT_CHANGES || capsule == PLAN_EXIT_CHANGES)
        return PLAN_EXIT_CHANGES;
    return PLAN_EXIT_NO_CHANGES;
}

static int run(const struct provision_cli_args *args, const struct provision_cli_catalog *catalog,
               struct ddb_client *client)
{
    const char *state_table = args->state_table ? args->state_table : CHECKPOINT_DEFAULT_TABLE;
    json_t *capsules = json_array();
    int overall = PLAN_EXIT_NO_CHANGES;

    for (size_t i = 0; i < args->capsules_count; i++) {
        const char *capsule = args->capsules[i];
        struct step_report report;
        char err[1400] = "";

        step_report_init(&report, args->json ? NULL : stdout);
        int exit_code = plan_capsule(client, capsule, catalog->providers,
                                     catalog->providers_count, state_table, &report, err,
                                     sizeof(err));
        if (err[0])
            log_error("capsule %s: %s", capsule, err);
        overall = combine(overall, exit_code);

        if (args->json) {
            json_t *summary = step_report_json(&report);

            json_object_set_new(summary, "capsule", json_string(capsule));
            json_object_set_new(summary, "result", json_string(result_name(exit_code)));
            if (err[0])
                json_object_set_new(summary, "error", json_string(err));
            json_array_append_new(capsules, summary);
        } else {
            printf("capsule %s: %zu change(s) pending, %zu drift, %zu error(s)\n", capsule,
                   step_report_count(&report, STEP_PENDING) +
                       step_report_count(&report, STEP_IN_PROGRESS),
                   step_report_count(&report, STEP_DRIFT),
                   step_report_count(&report, STEP_FAILED));
        }
        step_report_free(&report);
    }

    if (args->json) {
        json_t *output = json_pack("{s:s, s:i, s:s, s:O, s:o}", "result", result_name(overall),
                                   "exit_code", overall, "state_table", state_table,
                                   "skipped_plugins", catalog->skipped, "capsules", capsules);
        provision_cli_print_json(output);
        json_decref(output);
    } else {
        json_decref(capsules);
    }
    return overall;
}

int cmd_plan(int argc, char **argv)
{
    static const struct option options[] = {
        CLI_COMMON_LONG_OPTIONS,
        PROVISION_CLI_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    struct provision_cli_args args;
    struct provision_cli_catalog catalog = {0};
    struct aws_config *config = NULL;
    struct ddb_client *client = NULL;
    int first_argument;
    int status = PLAN_EXIT_ERROR;

    provision_cli_args_init(&args);
    int parsed = cli_parse_command(argc, argv, &info, options, handle_option, &args,
                                   &first_argument);
    if (parsed != 0) {
        /* A usage error exits 1, not 2, because 2 means "changes pending". */
        status = parsed > 0 ? CLI_EXIT_OK : PLAN_EXIT_ERROR;
        goto cleanup;
    }
    if (first_argument < argc) {
        log_error("plan: unexpected argument \"%s\"; use --capsule CODE", argv[first_argument]);
        goto cleanup;
    }
    if (provision_cli_require_capsule(&args, "plan") != 0)
        goto cleanup;
    if (provision_cli_load(&args, &catalog) != 0)
        goto cleanup;
    if (provision_cli_connect(&args, &config, &client) != 0)
        goto cleanup;
    status = run(&args, &catalog, client);

cleanup:
    provision_cli_disconnect(config, client);
    provision_cli_catalog_free(&catalog);
    provision_cli_args_free(&args);
    return status;
}
