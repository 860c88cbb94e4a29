/* schemareg-host provision: not implemented yet; accepts --help and the common options. */
#include "cli.h"
#include "commands.h"
#include "log.h"

static const struct cli_command_info info = {
    .name = "provision",
    .arguments = "",
    .summary = "Creates the tables, indexes, TTL settings and seed records of a capsule.",
    .options = "",
};

int cmd_provision(int argc, char **argv)
{
    static const struct option options[] = {CLI_COMMON_LONG_OPTIONS, {NULL, 0, NULL, 0}};

    int first_argument;
    int status = cli_parse_command(argc, argv, &info, options, NULL, NULL, &first_argument);
    if (status != 0)
        return status > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;

    log_error("provision: not implemented in this build");
    return CLI_EXIT_ERROR;
}
