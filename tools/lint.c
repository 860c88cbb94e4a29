/*
 * schemareg-lint: runs the host's validation rules on the plugin files
 * named on the command line, for a product team's CI. It reads no host
 * configuration, scans no plugin directory and uses no network.
 *
 * Exit codes: 0 every file loaded and is valid, 1 a file failed to load or
 * has validation problems, or the output could not be written, 2 usage
 * error.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "elf_note.h"
#include "elf_runpath.h"
#include "loader.h"
#include "log.h"
#include "long_option.h"
#include "stdout_close.h"
#include "text_safe.h"
#include "validate.h"

#define EXIT_VALID 0
#define EXIT_PROBLEMS 1
#define EXIT_USAGE 2

struct lint_options {
    int json;
    int allow_insecure;
};

static void print_usage(FILE *stream)
{
    fprintf(stream,
            "Usage: schemareg-lint [--json] [--allow-insecure-plugins] PLUGIN.so...\n\n"
            "Loads exactly the given plugin files and checks what they declare with\n"
            "the validation rules of schemareg-host validate. Prints every problem\n"
            "with its rule name, plugin file and service id.\n\n"
            "Options:\n"
            "  --json             print one JSON document instead of text\n"
            "  --allow-insecure-plugins\n"
            "                     accept plugin files and directories writable by\n"
            "                     other users (development only)\n"
            "  --log-level LEVEL  error, warn, info, debug or trace (default warn)\n"
            "  --help             print this help and exit\n"
            "  --version          print the version and exit\n"
            "Long options must be spelled in full.\n\n"
            "Exit codes: 0 all plugins valid, 1 a plugin failed to load or has\n"
            "problems or the output could not be written, 2 usage error.\n");
}

/* Parses the options. Returns -1 to continue, or an exit code. */
static int parse_options(int argc, char **argv, struct lint_options *options,
                         int *first_file)
{
    enum { OPT_HELP = 256, OPT_VERSION, OPT_JSON, OPT_INSECURE, OPT_LOG_LEVEL };
    static const struct option long_options[] = {
        {"help", no_argument, NULL, OPT_HELP},
        {"version", no_argument, NULL, OPT_VERSION},
        {"json", no_argument, NULL, OPT_JSON},
        {"allow-insecure-plugins", no_argument, NULL, OPT_INSECURE},
        {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
        {NULL, 0, NULL, 0},
    };
    int option;
    int level;
    int longindex = -1;
    char typed[64];
    const char *full;

    opterr = 0;
    while ((option = getopt_long(argc, argv, ":", long_options, &longindex)) != -1) {
        if (option != '?' && option != ':' &&
            (full = long_option_abbreviated(argv, long_options, longindex, typed,
                                            sizeof(typed))) != NULL) {
            log_error("unknown option %s; did you mean --%s? Long options must be spelled "
                      "in full", typed, full);
            return EXIT_USAGE;
        }
        longindex = -1;
        switch (option) {
        case OPT_HELP:
            print_usage(stdout);
            return EXIT_VALID;
        case OPT_VERSION:
            printf("schemareg-lint %s\n", SCHEMAREG_VERSION);
            return EXIT_VALID;
        case OPT_JSON:
            options->json = 1;
            break;
        case OPT_INSECURE:
            options->allow_insecure = 1;
            break;
        case OPT_LOG_LEVEL:
            level = log_parse_level(optarg);
            if (level < 0) {
                log_error("invalid --log-level \"%s\"; use error, warn, info, "
                          "debug or trace", optarg);
                return EXIT_USAGE;
            }
            log_set_level((enum log_level)level);
            break;
        case ':':
            log_error("option %s needs a value", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            log_error("unknown option \"%.*s\"; see schemareg-lint --help",
                      (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
            return EXIT_USAGE;
        }
    }

    if (optind >= argc) {
        log_error("no plugin files given; usage: schemareg-lint [--json] PLUGIN.so...");
        return EXIT_USAGE;
    }
    *first_file = optind;
    return -1;
}

/*
 * Warns when a plugin file searches its libraries through $ORIGIN. The
 * host loads plugins through /proc/self/fd/N, where $ORIGIN means
 * /proc/self/fd, so such a library is never found (docs/SECURITY.md).
 * Files that cannot be read are reported by the loader already.
 */
static void warn_origin_runpath(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct elf_note_info note;
    struct stat st;
    const char *tag = NULL;
    char search_path[512];
    char err[256];

    if (fd < 0)
        return;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        elf_note_read(fd, &note, err, sizeof(err)) == ELF_NOTE_OK &&
        elf_runpath_find_origin(fd, &tag, search_path, sizeof(search_path), err,
                                sizeof(err)) == 1)
        log_warn("%s: %s \"%s\" uses $ORIGIN, which never finds libraries next to the "
                 "plugin, because the host loads plugins through /proc/self/fd; link "
                 "private libraries statically or install them in the system library path "
                 "(docs/SECURITY.md)", path, tag, search_path);
    close(fd);
}

static void print_text(const struct loader_result *result,
                       const struct validation_report *report, size_t files_count)
{
    size_t problems = result->errors_count + report->count;

    /* Messages quote plugin strings and file names: made safe for the
     * terminal first. */
    for (size_t i = 0; i < result->errors_count; i++) {
        text_safe_fputs(result->errors[i].path, stdout);
        printf(": ");
        text_safe_fputs(result->errors[i].message, stdout);
        printf(" [load]\n");
    }
    for (size_t i = 0; i < report->count; i++) {
        text_safe_fputs(report->items[i].message, stdout);
        printf(" [%s]\n", report->items[i].rule);
    }

    const char *files = files_count == 1 ? "plugin file" : "plugin files";
    if (problems == 0)
        printf("%zu of %zu %s valid\n", result->plugins_count, files_count, files);
    else
        printf("%zu %s in %zu %s\n", problems, problems == 1 ? "problem" : "problems",
               files_count, files);
}

/* File names need not be valid UTF-8, and messages quote them. */
static json_t *string_or_null(const char *text)
{
    return text_safe_json_string(text);
}

static json_t *build_json(const struct loader_result *result,
                          const struct validation_report *report)
{
    json_t *plugins = json_array();
    json_t *problems = json_array();
    size_t total = result->errors_count + report->count;
    int failed = plugins == NULL || problems == NULL;

    for (size_t i = 0; !failed && i < result->plugins_count; i++) {
        const struct catalog_plugin *plugin = &result->plugins[i];
        json_t *services = json_array();

        for (size_t p = 0; services != NULL && p < plugin->providers_count; p++)
            failed |= json_array_append_new(services,
                string_or_null(plugin->providers[p].service_id)) != 0;
        failed |= json_array_append_new(plugins, json_pack("{s:o, s:o, s:o, s:o}",
            "path", string_or_null(plugin->path),
            "plugin_name", string_or_null(plugin->plugin_name),
            "plugin_version", string_or_null(plugin->plugin_version),
            "service_ids", services)) != 0;
    }

    for (size_t i = 0; !failed && i < result->errors_count; i++)
        failed |= json_array_append_new(problems, json_pack("{s:s, s:o, s:n, s:o}",
            "rule", "load",
            "plugin_path", string_or_null(result->errors[i].path),
            "service_id",
            "message", string_or_null(result->errors[i].message))) != 0;

    for (size_t i = 0; !failed && i < report->count; i++) {
        const struct validation_problem *problem = &report->items[i];

        failed |= json_array_append_new(problems, json_pack("{s:s, s:o, s:o, s:o}",
            "rule", problem->rule,
            "plugin_path", string_or_null(problem->plugin_path),
            "service_id", string_or_null(problem->service_id),
            "message", string_or_null(problem->message))) != 0;
    }

    /* A partial document would hide problems, so any failure drops it all. */
    if (failed) {
        json_decref(plugins);
        json_decref(problems);
        return NULL;
    }
    return json_pack("{s:b, s:I, s:o, s:o}", "valid", total == 0,
                     "problem_count", (json_int_t)total,
                     "plugins", plugins, "problems", problems);
}

static int print_json(const struct loader_result *result,
                      const struct validation_report *report)
{
    json_t *document = build_json(result, report);
    int status;

    if (document == NULL) {
        log_error("failed to build the JSON report (out of memory or a string "
                  "that is not valid UTF-8)");
        return -1;
    }
    status = json_dumpf(document, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(document);
    if (status != 0) {
        log_error("failed to write the JSON report to standard output");
        return -1;
    }
    putchar('\n');
    return 0;
}

int main(int argc, char **argv)
{
    struct lint_options options = {0};
    struct loader_options load_options = {0};
    struct loader_result result = {0};
    struct validation_report report = {0};
    const char *const *files;
    size_t files_count;
    int first_file = 0;
    int exit_code;

    log_set_program("schemareg-lint");
    log_set_level(LOG_LEVEL_WARN);
    exit_code = parse_options(argc, argv, &options, &first_file);
    if (exit_code >= 0)
        return stdout_close_checked() == 0 ? exit_code : EXIT_PROBLEMS;

    files = (const char *const *)&argv[first_file];
    files_count = (size_t)(argc - first_file);
    load_options.allow_insecure = options.allow_insecure;

    if (loader_load_files(files, files_count, &load_options, &result) != 0) {
        log_error("loading the plugin files failed");
        exit_code = EXIT_PROBLEMS;
        goto cleanup;
    }
    validate_plugins(result.plugins, result.plugins_count, &report);
    for (size_t i = 0; i < files_count; i++)
        warn_origin_runpath(files[i]);

    if (options.json) {
        if (print_json(&result, &report) != 0) {
            exit_code = EXIT_PROBLEMS;
            goto cleanup;
        }
    } else {
        print_text(&result, &report, files_count);
    }
    exit_code = result.errors_count + report.count == 0 ? EXIT_VALID : EXIT_PROBLEMS;

cleanup:
    validation_report_free(&report);
    loader_result_free(&result);
    if (stdout_close_checked() != 0)
        exit_code = EXIT_PROBLEMS;
    return exit_code;
}
