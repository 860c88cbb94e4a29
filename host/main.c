/* schemareg-host: finds product plugins and provisions what they declare. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "log.h"
#include "schemareg/provider.h"
#include "stdout_close.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"list", cmd_list, "show the loaded plugins and what they declare"},
    {"validate", cmd_validate, "check every plugin; exit 1 when any is invalid"},
    {"plan", cmd_plan, "show what provision would change for a capsule"},
    {"provision", cmd_provision, "create the tables and seed records of a capsule"},
    {"status", cmd_status, "show the provisioning state of a capsule"},
};

#define COMMANDS_COUNT (sizeof(commands) / sizeof(commands[0]))

static void print_help(void)
{
    printf("Usage: schemareg-host [options] COMMAND [options]\n\n"
           "Loads schemareg product plugins and provisions the DynamoDB tables,\n"
           "indexes, TTL settings and seed records they declare for a capsule.\n\n"
           "Commands:\n");
    for (size_t i = 0; i < COMMANDS_COUNT; i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    printf("\nOptions (accepted before or after the command):\n%s"
           "  --version                 print the version and exit\n\n"
           "Long options must be spelled in full. Run schemareg-host COMMAND --help\n"
           "for the options of a command.\n\n"
           "Exit codes: 0 success, 1 error or invalid plugins, 2 usage error,\n"
           "3 provisioning still in progress. plan exits 2 when changes are pending,\n"
           "so its usage errors exit 1.\n",
           cli_common_options_help);
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < COMMANDS_COUNT; i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

/* Parses the options before the command. Returns -1 to go on to the
 * command, or an exit code. */
static int parse_global_options(int argc, char **argv)
{
    static const struct option options[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"version", no_argument, NULL, CLI_OPT_VERSION},
        {NULL, 0, NULL, 0},
    };

    opterr = 0;
    int opt;
    int longindex = -1;
    /* "+" stops at the command name, so its options stay for the command. */
    while ((opt = getopt_long(argc, argv, "+:hv", options, &longindex)) != -1) {
        if (opt != '?' && opt != ':' &&
            cli_reject_abbreviation(argv, options, longindex, NULL) != 0)
            return CLI_EXIT_USAGE;
        longindex = -1;
        if (opt == 'h') {
            print_help();
            return CLI_EXIT_OK;
        }
        if (opt == CLI_OPT_VERSION) {
            printf("schemareg-host %s (provider ABI %u.%u)\n", SCHEMAREG_VERSION,
                   SCHEMAREG_ABI_MAJOR, SCHEMAREG_ABI_MINOR);
            return CLI_EXIT_OK;
        }
        if (opt == '?') {
            log_error("unknown option %s; run schemareg-host --help",
                      cli_option_name(argv[optind - 1]).text);
            return CLI_EXIT_USAGE;
        }
        if (opt == ':') {
            log_error("option %s needs a value", argv[optind - 1]);
            return CLI_EXIT_USAGE;
        }
        if (cli_common_option(opt, optarg) < 0)
            return CLI_EXIT_USAGE;
    }
    return -1;
}

int main(int argc, char **argv)
{
    log_set_program("schemareg-host");
    int status = parse_global_options(argc, argv);
    if (status >= 0)
        goto cleanup;

    if (optind >= argc) {
        log_error("no command given; run schemareg-host --help for the list of commands");
        status = CLI_EXIT_USAGE;
        goto cleanup;
    }

    const struct command *command = find_command(argv[optind]);
    if (command == NULL) {
        log_error("unknown command \"%s\"; run schemareg-host --help for the list of commands",
                  argv[optind]);
        status = CLI_EXIT_USAGE;
        goto cleanup;
    }
    status = command->run(argc - optind, argv + optind);

cleanup:
    cli_reset();
    /* Lost output is an error whatever the command found: a CI job must
     * not read "changes pending" or success from an empty file. */
    if (stdout_close_checked() != 0)
        status = CLI_EXIT_ERROR;
    return status;
}
