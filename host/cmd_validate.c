/* schemareg-host validate: every problem of every plugin, and an exit code for CI. */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "loader.h"
#include "log.h"
#include "text_safe.h"
#include "validate.h"

static const struct cli_command_info info = {
    .name = "validate",
    .arguments = "",
    .summary = "Loads every plugin and checks what it declares against the validation\n"
               "rules. Prints each problem with the plugin file and service id, and\n"
               "exits 0 when every plugin is valid, 1 otherwise.",
    .options = "",
};

/* The message already names the plugin file, service id and object. It
 * quotes plugin strings and file names, so it is made safe for the
 * terminal first. */
static void print_problem(const struct validation_problem *problem)
{
    text_safe_fputs(problem->message, stdout);
    printf(" [%s]\n", problem->rule != NULL ? problem->rule : "invalid");
}

static void print_load_error(const struct loader_error *error)
{
    text_safe_fputs(error->path, stdout);
    printf(": ");
    text_safe_fputs(error->message, stdout);
    printf(" [load]\n");
}

int cmd_validate(int argc, char **argv)
{
    static const struct option options[] = {CLI_COMMON_LONG_OPTIONS, {NULL, 0, NULL, 0}};

    int first_argument;
    int status = cli_parse_command(argc, argv, &info, options, NULL, NULL, &first_argument);
    if (status != 0)
        return status > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (first_argument < argc) {
        log_error("validate: unexpected argument \"%s\"; validate takes no arguments",
                  argv[first_argument]);
        return CLI_EXIT_USAGE;
    }

    struct loader_result result;
    int scanned = cli_load_plugins(&result);

    /* A plugin that failed to load is a problem like any rule violation. */
    for (size_t i = 0; i < result.errors_count; i++)
        print_load_error(&result.errors[i]);

    struct validation_report report;
    validate_plugins(result.plugins, result.plugins_count, &report);
    for (size_t i = 0; i < report.count; i++)
        print_problem(&report.items[i]);

    size_t problems = result.errors_count + report.count;
    const char *plugins = result.plugins_count == 1 ? "plugin" : "plugins";
    if (problems == 0 && scanned == 0)
        printf("%zu %s valid\n", result.plugins_count, plugins);
    else
        printf("%zu %s found, %zu %s loaded\n", problems, problems == 1 ? "problem" : "problems",
               result.plugins_count, plugins);

    int exit_code = problems == 0 && scanned == 0 ? CLI_EXIT_OK : CLI_EXIT_ERROR;
    validation_report_free(&report);
    loader_result_free(&result);
    return exit_code;
}
