#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http_trace.h"
#include "log.h"
#include "long_option.h"

const char cli_common_options_help[] =
    "  --plugin-dir DIR          load plugins from DIR (repeatable; default: the\n"
    "                            directories in SCHEMAREG_PLUGIN_PATH, else\n"
    "                            " SCHEMAREG_DEFAULT_PLUGIN_DIR ")\n"
    "  --allow-insecure-plugins  accept plugin files and directories that other\n"
    "                            users can write (development only)\n"
    "  --plugin-timeout SECONDS  time each plugin may take to load, in seconds\n"
    "                            (default 5, fractions allowed, at most 3600)\n"
    "  --load-in-process         load plugins in the host process instead of one\n"
    "                            child process each (debugging only: a crashing\n"
    "                            plugin then stops the host)\n"
    "  --log-level LEVEL         error, warn, info (default), debug or trace\n"
    "  --trace-http              log each DynamoDB request's method, URL, operation\n"
    "                            and headers, and its response status; sets\n"
    "                            --log-level trace. Credentials, tokens and\n"
    "                            signatures are shown as <redacted>\n"
    "  -v, --verbose             log one level more (repeatable)\n"
    "  -h, --help                print this help and exit\n";

/* Common options collected so far. The strings belong to argv. */
static const char **plugin_dirs;
static size_t plugin_dirs_count;
static int allow_insecure;
static int load_in_process;
static unsigned plugin_timeout_ms; /* 0 for the loader's default */

/* Largest --plugin-timeout, in seconds. */
#define MAX_PLUGIN_TIMEOUT_S 3600.0

static int set_plugin_timeout(const char *arg)
{
    char *end = NULL;
    errno = 0;
    double seconds = strtod(arg, &end);
    /* Written so that NaN fails the range check too. */
    if (errno != 0 || end == arg || *end != '\0' ||
        !(seconds > 0.0 && seconds <= MAX_PLUGIN_TIMEOUT_S)) {
        log_error("invalid --plugin-timeout \"%s\"; give a number of seconds above 0 and at "
                  "most 3600, such as 5 or 0.5",
                  arg);
        return -1;
    }

    /* Rounded up to whole milliseconds, so 0.0001 becomes 1 ms, not 0. */
    double ms = seconds * 1000.0;
    plugin_timeout_ms = (unsigned)ms;
    if ((double)plugin_timeout_ms < ms)
        plugin_timeout_ms++;
    return 1;
}

static int add_plugin_dir(const char *dir)
{
    const char **grown = realloc(plugin_dirs, (plugin_dirs_count + 1) * sizeof(*grown));
    if (grown == NULL) {
        log_error("out of memory while reading --plugin-dir");
        return -1;
    }
    plugin_dirs = grown;
    plugin_dirs[plugin_dirs_count++] = dir;
    return 1;
}

int cli_common_option(int opt, const char *arg)
{
    switch (opt) {
    case CLI_OPT_PLUGIN_DIR:
        if (arg[0] == '\0') {
            log_error("--plugin-dir needs a directory, not an empty string");
            return -1;
        }
        return add_plugin_dir(arg);

    case CLI_OPT_ALLOW_INSECURE:
        allow_insecure = 1;
        return 1;

    case CLI_OPT_LOAD_IN_PROCESS:
        load_in_process = 1;
        return 1;

    case CLI_OPT_PLUGIN_TIMEOUT:
        return set_plugin_timeout(arg);

    case CLI_OPT_LOG_LEVEL: {
        int level = log_parse_level(arg);
        if (level < 0) {
            log_error("invalid --log-level \"%s\"; use error, warn, info, debug or trace", arg);
            return -1;
        }
        log_set_level((enum log_level)level);
        return 1;
    }

    case CLI_OPT_TRACE_HTTP:
        http_trace_set_enabled(true);
        log_set_level(LOG_LEVEL_TRACE);
        return 1;

    case 'v':
        if (log_get_level() < LOG_LEVEL_TRACE)
            log_set_level(log_get_level() + 1);
        return 1;

    default:
        return 0;
    }
}

void cli_print_command_help(const struct cli_command_info *info)
{
    printf("Usage: schemareg-host [options] %s [options]%s%s\n\n%s\n\nOptions:\n%s%s"
           "\nLong options must be spelled in full.\n",
           info->name, info->arguments[0] ? " " : "", info->arguments, info->summary,
           info->options, cli_common_options_help);
}

struct cli_option_name cli_option_name(const char *argument)
{
    struct cli_option_name name;
    snprintf(name.text, sizeof(name.text), "%.*s", (int)strcspn(argument, "="), argument);
    return name;
}

int cli_reject_abbreviation(char *const *argv, const struct option *options, int longindex,
                            const char *command)
{
    char typed[64];
    const char *full = long_option_abbreviated(argv, options, longindex, typed, sizeof(typed));
    if (full == NULL)
        return 0;

    log_error("%s%sunknown option %s; did you mean --%s? Long options must be spelled in "
              "full", command != NULL ? command : "", command != NULL ? ": " : "", typed,
              full);
    return -1;
}

/* Builds the short option string ":hv" plus each short option of options. */
static void short_options(const struct option *options, char *out, size_t size)
{
    size_t n = 0;
    out[n++] = ':';
    for (size_t i = 0; options[i].name != NULL && n + 3 < size; i++) {
        int value = options[i].val;
        if (options[i].flag != NULL || value <= 0 || value > 127)
            continue;
        out[n++] = (char)value;
        if (options[i].has_arg == required_argument)
            out[n++] = ':';
    }
    out[n] = '\0';
}

int cli_parse_command(int argc, char **argv, const struct cli_command_info *info,
                      const struct option *options,
                      int (*handler)(int opt, const char *arg, void *context), void *context,
                      int *first_argument)
{
    char shorts[64];
    short_options(options, shorts, sizeof(shorts));

    /* optind 0 makes glibc start a fresh scan of this argv. */
    optind = 0;
    opterr = 0;
    int opt;
    int longindex = -1;
    while ((opt = getopt_long(argc, argv, shorts, options, &longindex)) != -1) {
        if (opt == '?') {
            log_error("%s: unknown option %s; run schemareg-host %s --help", info->name,
                      cli_option_name(argv[optind - 1]).text, info->name);
            return -1;
        }
        if (opt == ':') {
            log_error("%s: option %s needs a value", info->name, argv[optind - 1]);
            return -1;
        }
        if (cli_reject_abbreviation(argv, options, longindex, info->name) != 0)
            return -1;
        longindex = -1;
        if (opt == 'h') {
            cli_print_command_help(info);
            return 1;
        }

        int status = cli_common_option(opt, optarg);
        if (status == 0)
            status = handler != NULL ? (handler(opt, optarg, context) == 0 ? 1 : -1) : -1;
        if (status < 0)
            return -1;
    }

    *first_argument = optind;
    return 0;
}

void cli_loader_options(struct loader_options *out)
{
    memset(out, 0, sizeof(*out));
    out->dirs = plugin_dirs;
    out->dirs_count = plugin_dirs_count;
    out->dirs_origin = "--plugin-dir";
    out->allow_insecure = allow_insecure;
    out->mode = load_in_process ? LOADER_MODE_IN_PROCESS : LOADER_MODE_ISOLATED;
    out->timeout_ms = plugin_timeout_ms;
}

int cli_load_plugins(struct loader_result *result)
{
    struct loader_options options;
    cli_loader_options(&options);
    return loader_scan(&options, result);
}

int cli_scan_plugin_notes(struct loader_result *result)
{
    struct loader_options options;
    cli_loader_options(&options);
    options.mode = LOADER_MODE_NOTES_ONLY;
    return loader_scan(&options, result);
}

void cli_reset(void)
{
    free(plugin_dirs);
    plugin_dirs = NULL;
    plugin_dirs_count = 0;
    allow_insecure = 0;
    load_in_process = 0;
    plugin_timeout_ms = 0;
}
