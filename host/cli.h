/*
 * Shared parts of the schemareg-host command line: exit codes, the options
 * every command accepts, and option parsing for commands.
 */
#ifndef SCHEMAREG_CLI_H
#define SCHEMAREG_CLI_H

#include <getopt.h>
#include <stddef.h>

#include "loader.h"

/* Exit codes, documented in docs/CLI.md. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_ERROR 1       /* a failure, or invalid plugins */
#define CLI_EXIT_USAGE 2       /* invalid command line */
#define CLI_EXIT_PENDING 2     /* plan: changes are pending */
#define CLI_EXIT_IN_PROGRESS 3 /* provision: work still in progress, run it again */

/* getopt_long values of the common options. */
enum cli_option_id {
    CLI_OPT_PLUGIN_DIR = 0x100,
    CLI_OPT_ALLOW_INSECURE,
    CLI_OPT_LOAD_IN_PROCESS,
    CLI_OPT_PLUGIN_TIMEOUT,
    CLI_OPT_LOG_LEVEL,
    CLI_OPT_VERSION,
    CLI_OPT_TRACE_HTTP,
    CLI_OPT_FIRST_COMMAND_OPTION = 0x200, /* commands number their own options from here */
};

/* Entries for a command's struct option array; -h and -v are short too. */
#define CLI_COMMON_LONG_OPTIONS                                                            \
    {"plugin-dir", required_argument, NULL, CLI_OPT_PLUGIN_DIR},                           \
        {"allow-insecure-plugins", no_argument, NULL, CLI_OPT_ALLOW_INSECURE},             \
        {"load-in-process", no_argument, NULL, CLI_OPT_LOAD_IN_PROCESS},                   \
        {"plugin-timeout", required_argument, NULL, CLI_OPT_PLUGIN_TIMEOUT},               \
        {"log-level", required_argument, NULL, CLI_OPT_LOG_LEVEL},                         \
        {"trace-http", no_argument, NULL, CLI_OPT_TRACE_HTTP},                             \
        {"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'}

/* Help lines for the common options, for every --help text. */
extern const char cli_common_options_help[];

/* Help text of a command, printed by --help. */
struct cli_command_info {
    const char *name;      /* e.g. "list" */
    const char *arguments; /* after "[options]" in the usage line, or "" */
    const char *summary;   /* one sentence */
    const char *options;   /* help lines for the command's own options, or "" */
};

/*
 * Applies one common option. Returns 1 when opt was a common option, 0
 * when it was not, and -1 when its value is invalid (after logging why).
 */
int cli_common_option(int opt, const char *arg);

/*
 * Parses a command's options with getopt_long; argv[0] is the command
 * name. Common options and --help are handled here, every other option is
 * passed to handler, which returns 0 or -1 for an invalid value. On return
 * *first_argument is the index of the first positional argument.
 * Returns 0 to go on, 1 after printing --help, -1 on a usage error (logged).
 */
int cli_parse_command(int argc, char **argv, const struct cli_command_info *info,
                      const struct option *options,
                      int (*handler)(int opt, const char *arg, void *context), void *context,
                      int *first_argument);

/* An option argument without any "=VALUE", which may be a secret. */
struct cli_option_name {
    char text[64];
};
struct cli_option_name cli_option_name(const char *argument);

/* Logs an error and returns -1 when the long option that getopt_long()
 * has just returned was abbreviated on the command line (see
 * long_option.h); command (or NULL) starts the message. Returns 0
 * otherwise. */
int cli_reject_abbreviation(char *const *argv, const struct option *options, int longindex,
                            const char *command);

/* Prints a command's --help text to stdout. */
void cli_print_command_help(const struct cli_command_info *info);

/* Fills loader options from the common options. The pointers stay valid
 * until cli_reset(). */
void cli_loader_options(struct loader_options *out);

/* Scans the plugin directories the common options select and loads every
 * plugin as they select (isolated unless --load-in-process). Call it before
 * reading credentials, so that under --load-in-process no plugin
 * constructor runs while credentials are in memory. Isolated children are
 * forked from schemareg-plugin-loader and never hold the host's memory.
 * Returns what loader_scan() returns. */
int cli_load_plugins(struct loader_result *result);

/* Like cli_load_plugins(), but reads only the plugins' ELF notes, so no
 * plugin code runs and no plugin has providers. */
int cli_scan_plugin_notes(struct loader_result *result);

/* Frees what the common options collected. */
void cli_reset(void);

#endif
