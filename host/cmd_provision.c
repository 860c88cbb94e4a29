/* schemareg-host provision: creates what the plugins declare in one or more capsules. */
#include <stdio.h>

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
        "                            ones instead of stopping\n",
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

/* Folds a capsule's exit code into the run's: any failure wins over
 * in-progress, which wins over done. */
static int combine(int overall, int capsule)
{
    if (overall == PROVISION_EXIT_FAILED || capsule == PROVISION_EXIT_FAILED)
        return PROVISION_EXIT_FAILED;
    if (overall == PROVISION_EXIT_IN_PROGRESS || capsule == PROVISION_EXIT_IN_PROGRESS)
        return PROVISION_EXIT_IN_PROGRESS;
    return PROVISION_EXIT_DONE;
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

static int run(const struct provision_cli_args *args, const struct provision_cli_catalog *catalog,
               struct ddb_client *client)
{
    struct provision_options options = {
        .state_table = args->state_table,
        .wait_timeout_ms = (int64_t)args->wait_timeout_s * 1000,
    };
    json_t *capsules = json_array();
    int overall = PROVISION_EXIT_DONE;

    for (size_t i = 0; i < args->capsules_count; i++) {
        const char *capsule = args->capsules[i];
        struct step_report report;
        char err[1400] = "";

        step_report_init(&report, args->json ? NULL : stdout);
        int exit_code = provision_capsule(client, capsule, catalog->providers,
                                          catalog->providers_count, &options, &report, err,
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
            print_summary(capsule, &report, exit_code, err);
        }
        step_report_free(&report);
    }

    if (args->json) {
        json_t *output = json_pack(
            "{s:s, s:i, s:s, s:I, s:O, s:o}", "result", result_name(overall),
            "exit_code", overall, "state_table",
            args->state_table ? args->state_table : CHECKPOINT_DEFAULT_TABLE,
            "requests", (json_int_t)provision_call_count(), "skipped_plugins", catalog->skipped,
            "capsules", capsules);
        provision_cli_print_json(output);
        json_decref(output);
    } else {
        json_decref(capsules);
    }
    return overall;
}

int cmd_provision(int argc, char **argv)
{
    static const struct option options[] = {
        CLI_COMMON_LONG_OPTIONS,
        PROVISION_CLI_LONG_OPTIONS,
        {"wait-timeout", required_argument, NULL, PROVISION_OPT_WAIT_TIMEOUT},
        {"skip-invalid", no_argument, NULL, PROVISION_OPT_SKIP_INVALID},
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
