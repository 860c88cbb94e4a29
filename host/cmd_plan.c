/* schemareg-host plan: what provision would change, read-only. */
#include <stdio.h>

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
        "Exits 0 when nothing is to do, 2 when changes are pending, 1 on drift, on\n"
        "error and on a usage error.",
    .options = PROVISION_CLI_OPTIONS_HELP PROVISION_CLI_SKIP_INVALID_HELP,
};

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

static void print_summary(const struct provision_capsule_result *result)
{
    const struct step_report *report = &result->report;

    printf("capsule %s: %zu change(s) pending, %zu drift, %zu error(s)\n", result->capsule,
           step_report_count(report, STEP_PENDING) + step_report_count(report, STEP_IN_PROGRESS),
           step_report_count(report, STEP_DRIFT), provision_cli_failures(result));
    provision_cli_print_error(result);
}

static int run(const struct provision_cli_args *args, const struct provision_cli_catalog *catalog,
               struct ddb_client *client)
{
    const char *state_table = args->state_table ? args->state_table : CHECKPOINT_DEFAULT_TABLE;
    struct provision_capsule_result *results = provision_cli_results_new(args);
    int overall = PLAN_EXIT_NO_CHANGES;

    if (!results) {
        log_error("out of memory starting the plan");
        return PLAN_EXIT_ERROR;
    }
    for (size_t i = 0; i < args->capsules_count; i++) {
        struct provision_capsule_result *result = &results[i];

        result->exit_code = plan_capsule(client, result->capsule, catalog->providers,
                                         catalog->providers_count, state_table,
                                         &result->report, result->err, sizeof(result->err));
        overall = combine(overall, result->exit_code);
        /* Reported before the next capsule starts, so the summary follows its steps. */
        provision_cli_report_capsule(args, result, print_summary);
    }
    return provision_cli_finish(args, catalog, results, result_name, overall);
}

int cmd_plan(int argc, char **argv)
{
    static const struct option options[] = {
        CLI_COMMON_LONG_OPTIONS,
        PROVISION_CLI_LONG_OPTIONS,
        {"skip-invalid", no_argument, NULL, PROVISION_OPT_SKIP_INVALID},
        {NULL, 0, NULL, 0},
    };
    /* A usage error exits 1, not 2, because 2 means "changes pending". */
    static const struct provision_cli_command command = {
        .info = &info,
        .options = options,
        .usage_exit = PLAN_EXIT_ERROR,
        .load_plugins = 1,
        .run = run,
    };

    return provision_cli_main(argc, argv, &command);
}
