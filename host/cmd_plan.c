/* schemareg-host plan: not implemented yet; accepts --help and the common options. */
#include "cli.h"
#include "commands.h"
#include "log.h"

static const struct cli_command_info info = {
    .name = "plan",
    .arguments = "",
    .summary = "Shows what provision would change for a capsule, without changing anything.",
    .options = "",
};

int cmd_plan(int argc, char **argv)
{
    static const struct option options[] = {CLI_COMMON_LONG_OPTIONS, {NULL, 0, NULL, 0}};

    int first_argument;
    int status = cli_parse_command(argc, argv, &info, options, NULL, NULL, &first_argument);
    if (status != 0)
        return status > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;

    log_error("plan: not implemented in this build");
    return CLI_EXIT_ERROR;
}
