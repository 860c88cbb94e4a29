/* schemareg-host provision: creates what the plugins declare in one or more capsules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "checkpoint.h"
#include "cli.h"
#include "commands.h"
#include "log.h"
#include "provision.h"
#include "provision_call.h"
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
        "  --skip-invalid            provision the valid plugins and report the invalid\n"
        "                            ones instead of stopping\n"
        "  --table-concurrency N     tables provisioned at once, 1 to 64 (default 4);\n"
        "                            lowered during the run on LimitExceededException\n"
        "  --seed-concurrency N      seed writes at once over kept-alive connections,\n"
        "                            1 to 256 (default 16), shared by all capsules\n",
};

static int handle_option(int opt, const char *arg, void *context)
{
    return provision_cli_option(context, opt, arg);
}

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

static void print_summary(const char *capsule, const struct step_report *report, int exit_code,
                          const char *error)
{
    printf("capsule %s: %s (%zu created, %zu written, %zu already present, %zu skipped, "
           "%zu failed)\n",
           capsule, result_name(exit_code),
           step_report_count(report, STEP_CREATED), step_report_count(report, STEP_WRITTEN),
           step_report_count(report, STEP_ALREADY_PRESENT),
           step_report_count(report, STEP_SKIPPED),
           step_report_count(report, STEP_FAILED) + step_report_count(report, STEP_DRIFT));
    if (error && *error)
        printf("  %s\n", error);
    step_report_print_problems(report, stdout);
    if (exit_code == PROVISION_EXIT_IN_PROGRESS)
        printf("  an index is still being built: run provision again later\n");
}

/* Prints value compactly, without its closing brace when open is set. */
static void print_compact(const json_t *value, int open)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER);

    if (!text) {
        log_error("out of memory printing the JSON result");
        return;
    }
    size_t len = strlen(text);
    if (open && len > 0 && text[len - 1] == '}')
        text[len - 1] = '\0';
    fputs(text, stdout);
    free(text);
}

/* Prints the result as one JSON object, step by step, so the output of
 * thousands of steps never exists whole in memory. */
static void print_json(const struct provision_cli_args *args,
                       const struct provision_cli_catalog *catalog,
                       const struct provision_capsule_result *results, int overall)
{
    json_t *head = json_pack(
        "{s:s, s:i, s:s, s:I, s:O}", "result", result_name(overall), "exit_code", overall,
        "state_table", args->state_table ? args->state_table : CHECKPOINT_DEFAULT_TABLE,
        "requests", (json_int_t)provision_call_count(), "skipped_plugins", catalog->skipped);

    print_compact(head, 1);
    json_decref(head);
    fputs(",\n\"capsules\": [", stdout);
    for (size_t i = 0; i < args->capsules_count; i++) {
        const struct provision_capsule_result *result = &results[i];
        json_t *capsule = json_pack("{s:s, s:s, s:o}", "capsule", result->capsule,
                                    "result", result_name(result->exit_code),
                                    "counts", step_report_counts_json(&result->report));

        if (result->err[0])
            json_object_set_new(capsule, "error", json_string(result->err));
        fputs(i > 0 ? ",\n" : "\n", stdout);
        print_compact(capsule, 1);
        json_decref(capsule);
        fputs(", \"steps\": [", stdout);
        for (size_t j = 0; j < result->report.count; j++) {
            json_t *step = step_report_entry_json(&result->report.entries[j]);

            fputs(j > 0 ? ",\n  " : "\n  ", stdout);
            print_compact(step, 0);
            json_decref(step);
        }
        fputs("]}", stdout);
    }
    fputs("]}\n", stdout);
    fflush(stdout);
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
    struct provision_capsule_result *results = calloc(args->capsules_count, sizeof(*results));

    if (!results) {
        log_error("out of memory starting the run");
        return PROVISION_EXIT_FAILED;
    }
    for (size_t i = 0; i < args->capsules_count; i++) {
        results[i].capsule = args->capsules[i];
        step_report_init(&results[i].report, args->json ? NULL : stdout);
    }

    int overall = provision_capsules(client, results, args->capsules_count, catalog->providers,
                                     catalog->providers_count, &options);

    for (size_t i = 0; i < args->capsules_count; i++) {
        if (results[i].err[0])
            log_error("capsule %s: %s", results[i].capsule, results[i].err);
        if (!args->json)
            print_summary(results[i].capsule, &results[i].report, results[i].exit_code,
                          results[i].err);
    }
    if (args->json)
        print_json(args, catalog, results, overall);

    for (size_t i = 0; i < args->capsules_count; i++)
        step_report_free(&results[i].report);
    free(results);
    return overall;
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
    struct provision_cli_args args;
    struct provision_cli_catalog catalog = {0};
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
        log_error("provision: unexpected argument \"%s\"; use --capsule CODE", argv[first_argument]);
        status = CLI_EXIT_USAGE;
        goto cleanup;
    }
    if (provision_cli_require_capsule(&args, "provision") != 0) {
        status = CLI_EXIT_USAGE;
        goto cleanup;
    }

    /* Plugins are loaded and validated before any request is sent. */
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
