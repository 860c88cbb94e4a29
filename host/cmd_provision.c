/* schemareg-host provision: creates what the plugins declare in one or more capsules. */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "log.h"
#include "provision.h"
#include "provision_cli.h"
#include "step_report.h"

static const struct cli_command_info info = {
    .name = "provision",
    .arguments = "--capsule CODE [--capsule CODE ...]",
    .summary =
        "Creates the tables, indexes, TTL settings and seed records that the plugins\n"
        "declare, in each capsule, and records each completed step in the state table\n"
        "so a re-run skips it. Safe to run again at any time. Exits 0 when everything\n"
        "is in place, 1 on any error (invalid plugins, drift, failed requests), 3 when\n"
        "an index is still being built (run again later).",
    .options =
        PROVISION_CLI_OPTIONS_HELP
        "  --wait-timeout SECONDS    longest wait for a table or index to become ACTIVE\n"
        "                            (default 600)\n"
        PROVISION_CLI_SKIP_INVALID_HELP
        "  --table-concurrency N     tables provisioned at once, 1 to 64 (default 4);\n"
        "                            lowered during the run on LimitExceededException\n"
        "  --seed-concurrency N      seed writes at once over kept-alive connections,\n"
        "                            1 to 256 (default 16), shared by all capsules\n",
};

static const char *result_name(int exit_code)
{
    switch (exit_code) {
    case PROVISION_EXIT_DONE:
        return "done";
    case PROVISION_EXIT_IN_PROGRESS:
        return "in_progress";
    default:
        return "failed";
    }
}

static void print_summary(const struct provision_capsule_result *result)
{
    const struct step_report *report = &result->report;

    printf("capsule %s: %s (%zu created, %zu written, %zu already present, %zu skipped, "
           "%zu failed)\n",
           result->capsule, result_name(result->exit_code),
           step_report_count(report, STEP_CREATED), step_report_count(report, STEP_WRITTEN),
           step_report_count(report, STEP_ALREADY_PRESENT),
           step_report_count(report, STEP_SKIPPED),
           provision_cli_failures(result) + step_report_count(report, STEP_DRIFT));
    provision_cli_print_error(result);
    step_report_print_problems(report, stdout);
    if (result->exit_code == PROVISION_EXIT_IN_PROGRESS)
        printf("  an index is still being built: run provision again later\n");
}

static int run(const struct provision_cli_args *args, const struct provision_cli_catalog *catalog,
               struct ddb_client *client)
{
    struct provision_options options = {
        .state_table = args->state_table,
        .wait_timeout_ms = (int64_t)args->wait_timeout_s * 1000,
        .table_concurrency = args->table_concurrency,
        .seed_concurrency = args->seed_concurrency,
    };
    struct provision_capsule_result *results = provision_cli_results_new(args);

    if (!results) {
        log_error("out of memory starting the run");
        return PROVISION_EXIT_FAILED;
    }

    int overall = provision_capsules(client, results, args->capsules_count, catalog->providers,
                                     catalog->providers_count, &options);

    for (size_t i = 0; i < args->capsules_count; i++)
        provision_cli_report_capsule(args, &results[i], print_summary);
    return provision_cli_finish(args, catalog, results, result_name, overall);
}

int cmd_provision(int argc, char **argv)
{
    static const struct option options[] = {
        CLI_COMMON_LONG_OPTIONS,
        PROVISION_CLI_LONG_OPTIONS,
        {"wait-timeout", required_argument, NULL, PROVISION_OPT_WAIT_TIMEOUT},
        {"skip-invalid", no_argument, NULL, PROVISION_OPT_SKIP_INVALID},
        {"table-concurrency", required_argument, NULL, PROVISION_OPT_TABLE_CONCURRENCY},
        {"seed-concurrency", required_argument, NULL, PROVISION_OPT_SEED_CONCURRENCY},
        {NULL, 0, NULL, 0},
    };
    static const struct provision_cli_command command = {
        .info = &info,
        .options = options,
        .usage_exit = CLI_EXIT_USAGE,
        .load_plugins = 1,
        .run = run,
    };

    return provision_cli_main(argc, argv, &command);
}
