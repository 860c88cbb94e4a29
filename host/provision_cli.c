#include "provision_cli.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsule.h"
#include "checkpoint.h"
#include "config.h"
#include "log.h"
#include "provision.h"
#include "provision_call.h"
#include "validate.h"

void provision_cli_args_init(struct provision_cli_args *args)
{
    memset(args, 0, sizeof(*args));
    args->wait_timeout_s = PROVISION_DEFAULT_WAIT_TIMEOUT_S;
    args->request_timeout_s = PROVISION_DEFAULT_REQUEST_TIMEOUT_S;
}

void provision_cli_args_free(struct provision_cli_args *args)
{
    free(args->capsules);
    memset(args, 0, sizeof(*args));
}

/* Parses the value arg of a numeric option as a whole number from 1 to
 * max and stores it in *out. Returns 0, or -1 after logging the invalid
 * value, and then *out is unchanged. */
static int parse_positive(const char *option, const char *arg, long max, long *out)
{
    char *end = NULL;

    errno = 0;
    long value = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || value < 1 || value > max) {
        log_error("invalid %s \"%s\": expected a whole number from 1 to %ld", option, arg, max);
        return -1;
    }
    *out = value;
    return 0;
}

/* Calls parse_positive for an option that is stored as an int. */
static int parse_positive_int(const char *option, const char *arg, int max, int *out)
{
    long value;

    if (parse_positive(option, arg, max, &value) != 0)
        return -1;
    *out = (int)value;
    return 0;
}

static int add_capsule(struct provision_cli_args *args, const char *code)
{
    char err[256];

    if (capsule_validate(code, err, sizeof(err)) != 0) {
        log_error("--capsule: %s", err);
        return -1;
    }
    for (size_t i = 0; i < args->capsules_count; i++) {
        if (strcmp(args->capsules[i], code) == 0)
            return 0;
    }

    const char **grown = realloc(args->capsules, (args->capsules_count + 1) * sizeof(*grown));
    if (!grown) {
        log_error("out of memory reading --capsule");
        return -1;
    }
    args->capsules = grown;
    args->capsules[args->capsules_count++] = code;
    return 0;
}

int provision_cli_option(struct provision_cli_args *args, int opt, const char *arg)
{
    switch (opt) {
    case PROVISION_OPT_CAPSULE:
        return add_capsule(args, arg);
    case PROVISION_OPT_STATE_TABLE:
        if (strlen(arg) < 3 || strlen(arg) > 255) {
            log_error("invalid --state-table \"%s\": a table name has 3 to 255 characters", arg);
            return -1;
        }
        args->state_table = arg;
        return 0;
    case PROVISION_OPT_JSON:
        args->json = 1;
        return 0;
    case PROVISION_OPT_WAIT_TIMEOUT:
        return parse_positive("--wait-timeout", arg, 7 * 24 * 3600, &args->wait_timeout_s);
    case PROVISION_OPT_MAX_ATTEMPTS:
        return parse_positive_int("--max-attempts", arg, 100, &args->max_attempts);
    case PROVISION_OPT_REQUEST_TIMEOUT:
        return parse_positive("--request-timeout", arg, 3600, &args->request_timeout_s);
    case PROVISION_OPT_TABLE_CONCURRENCY:
        return parse_positive_int("--table-concurrency", arg, PROVISION_MAX_TABLE_CONCURRENCY,
                                  &args->table_concurrency);
    case PROVISION_OPT_SEED_CONCURRENCY:
        return parse_positive_int("--seed-concurrency", arg, PROVISION_MAX_SEED_CONCURRENCY,
                                  &args->seed_concurrency);
    case PROVISION_OPT_SKIP_INVALID:
        args->skip_invalid = 1;
        return 0;
    case PROVISION_OPT_REGION:
        args->aws.region = arg;
        return 0;
    case PROVISION_OPT_ENDPOINT_URL:
        args->aws.endpoint_url = arg;
        return 0;
    case PROVISION_OPT_PROFILE:
        args->aws.profile = arg;
        return 0;
    case PROVISION_OPT_ACCESS_KEY_ID:
        args->aws.access_key_id = arg;
        return 0;
    case PROVISION_OPT_SECRET_ACCESS_KEY:
        args->aws.secret_access_key = arg;
        return 0;
    case PROVISION_OPT_SESSION_TOKEN:
        args->aws.session_token = arg;
        return 0;
    default:
        return -1;
    }
}

int provision_cli_require_capsule(const struct provision_cli_args *args, const char *command)
{
    if (args->capsules_count > 0)
        return 0;
    log_error("%s: --capsule CODE is required; run schemareg-host %s --help", command, command);
    return -1;
}

static const char *problem_of(const struct validation_report *report, const char *path)
{
    for (size_t i = 0; i < report->count; i++) {
        if (report->items[i].plugin_path && strcmp(report->items[i].plugin_path, path) == 0)
            return report->items[i].message;
    }
    return NULL;
}

static void skip_plugin(struct provision_cli_catalog *catalog, const char *path,
                        const char *reason)
{
    json_array_append_new(catalog->skipped,
                          json_pack("{s:s, s:s}", "path", path, "reason", reason));
}

int provision_cli_load(const struct provision_cli_args *args, struct provision_cli_catalog *catalog)
{
    struct validation_report report = {0};
    int rc = -1;

    memset(catalog, 0, sizeof(*catalog));
    catalog->skipped = json_array();
    if (cli_load_plugins(&catalog->loaded) != 0) {
        log_error("no plugin directory could be read; set --plugin-dir or SCHEMAREG_PLUGIN_PATH");
        return -1;
    }

    for (size_t i = 0; i < catalog->loaded.errors_count; i++) {
        const struct loader_error *error = &catalog->loaded.errors[i];

        log_error("%s: %s", error->path, error->message);
        skip_plugin(catalog, error->path, error->message);
    }

    validate_plugins(catalog->loaded.plugins, catalog->loaded.plugins_count, &report);
    for (size_t i = 0; i < report.count; i++)
        log_error("%s", report.items[i].message);

    int invalid = catalog->loaded.errors_count > 0 || report.count > 0;
    if (invalid && !args->skip_invalid) {
        log_error("invalid plugins: nothing was provisioned; fix them, or pass --skip-invalid "
                  "to provision the valid ones");
        goto cleanup;
    }

    catalog->valid = calloc(catalog->loaded.plugins_count + 1, sizeof(*catalog->valid));
    if (!catalog->valid)
        goto cleanup;
    for (size_t i = 0; i < catalog->loaded.plugins_count; i++) {
        const struct catalog_plugin *plugin = &catalog->loaded.plugins[i];
        const char *problem = problem_of(&report, plugin->path);

        if (problem) {
            log_warn("%s: skipped because it is invalid (--skip-invalid)", plugin->path);
            skip_plugin(catalog, plugin->path, problem);
            continue;
        }
        catalog->valid[catalog->valid_count++] = *plugin;
    }
    if (provision_collect_providers(catalog->valid, catalog->valid_count, &catalog->providers,
                                    &catalog->providers_count) != 0)
        goto cleanup;
    rc = 0;

cleanup:
    validation_report_free(&report);
    return rc;
}

void provision_cli_catalog_free(struct provision_cli_catalog *catalog)
{
    free(catalog->providers);
    free(catalog->valid);
    json_decref(catalog->skipped);
    loader_result_free(&catalog->loaded);
    memset(catalog, 0, sizeof(*catalog));
}

int provision_cli_connect(const struct provision_cli_args *args, struct aws_config **config,
                          struct ddb_client **client)
{
    char err[1024];
    struct ddb_client_options options = {
        .max_attempts = args->max_attempts,
        .request_timeout_ms = args->request_timeout_s * 1000,
    };

    *client = NULL;
    *config = aws_config_resolve(&args->aws, err, sizeof(err));
    if (!*config) {
        log_error("%s", err);
        return -1;
    }
    *client = ddb_client_new(*config, &options, err, sizeof(err));
    if (!*client) {
        log_error("%s", err);
        aws_config_free(*config);
        *config = NULL;
        return -1;
    }
    char description[1024];
    log_debug("AWS configuration: %s",
              aws_config_describe(*config, description, sizeof(description)));
    return 0;
}

void provision_cli_disconnect(struct aws_config *config, struct ddb_client *client)
{
    if (client)
        ddb_client_free(client);
    if (config)
        aws_config_free(config);
}

void provision_cli_print_json(const json_t *value)
{
    char *text = json_dumps(value, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

    if (text) {
        fputs(text, stdout);
        fputc('\n', stdout);
        free(text);
    }
}

/* Describes the plugin directories that were searched, as the loader
 * chose them: --plugin-dir, else SCHEMAREG_PLUGIN_PATH, else the built-in
 * directory. */
static void describe_plugin_dirs(char *out, size_t out_len)
{
    struct loader_options options;
    const char *env = secure_getenv("SCHEMAREG_PLUGIN_PATH");
    size_t used = 0;

    cli_loader_options(&options);
    if (options.dirs_count == 0 && env && strspn(env, ":") < strlen(env)) {
        snprintf(out, out_len, "SCHEMAREG_PLUGIN_PATH=%s", env);
        return;
    }
    if (options.dirs_count == 0) {
        snprintf(out, out_len, "%s (the built-in plugin directory)",
                 SCHEMAREG_DEFAULT_PLUGIN_DIR);
        return;
    }
    out[0] = '\0';
    for (size_t i = 0; i < options.dirs_count && used < out_len; i++) {
        int written = snprintf(out + used, out_len - used, "%s%s", i > 0 ? ", " : "",
                               options.dirs[i]);

        if (written < 0)
            break;
        used += (size_t)written;
    }
}

/* Returns nonzero when the catalog declares at least one table. */
static int declares_tables(const struct provision_cli_catalog *catalog)
{
    for (size_t i = 0; i < catalog->providers_count; i++) {
        if (catalog->providers[i]->tables_count > 0)
            return 1;
    }
    return 0;
}

static int handle_option(int opt, const char *arg, void *context)
{
    return provision_cli_option(context, opt, arg);
}

/* Parses argv. Returns 0 to go on, or the exit code to stop with. */
static int parse(int argc, char **argv, const struct provision_cli_command *command,
                 struct provision_cli_args *args, int *exit_code)
{
    const char *name = command->info->name;
    int first_argument;
    int parsed = cli_parse_command(argc, argv, command->info, command->options, handle_option,
                                   args, &first_argument);

    *exit_code = command->usage_exit;
    if (parsed > 0) {
        *exit_code = CLI_EXIT_OK;
        return -1;
    }
    if (parsed < 0)
        return -1;
    if (first_argument < argc) {
        log_error("%s: unexpected argument \"%s\"; use --capsule CODE", name,
                  argv[first_argument]);
        return -1;
    }
    if (provision_cli_require_capsule(args, name) != 0)
        return -1;
    return 0;
}

int provision_cli_main(int argc, char **argv, const struct provision_cli_command *command)
{
    struct provision_cli_args args;
    struct provision_cli_catalog catalog = {0};
    struct aws_config *config = NULL;
    struct ddb_client *client = NULL;
    int status;

    provision_cli_args_init(&args);
    if (parse(argc, argv, command, &args, &status) != 0)
        goto cleanup;

#ifdef __GLIBC__
    /* Two malloc arenas instead of one per worker thread, and a fixed
     * mmap threshold so a large buffer (a response body, a plugin's
     * message, the report's entries) goes back to the system when freed
     * instead of raising the threshold and staying in the heap. */
    mallopt(M_ARENA_MAX, 2);
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
    /* Plugins are loaded and validated before any request is sent. */
    status = CLI_EXIT_ERROR;
    if (command->load_plugins) {
        if (provision_cli_load(&args, &catalog) != 0)
            goto cleanup;
        if (!declares_tables(&catalog)) {
            char dirs[2048];

            describe_plugin_dirs(dirs, sizeof(dirs));
            log_error("%s: nothing to provision: %zu valid plugin(s) found in %s, and none "
                      "declares a table; check --plugin-dir or SCHEMAREG_PLUGIN_PATH",
                      command->info->name, catalog.valid_count, dirs);
            goto cleanup;
        }
    }
#ifdef __GLIBC__
    /* Loading and validating a large catalog parses every seed; give the
     * freed heap back to the system before the run grows its own. */
    malloc_trim(0);
#endif
    if (provision_cli_connect(&args, &config, &client) != 0)
        goto cleanup;
    status = command->run(&args, command->load_plugins ? &catalog : NULL, client);

cleanup:
    provision_cli_disconnect(config, client);
    provision_cli_catalog_free(&catalog);
    provision_cli_args_free(&args);
    return status;
}

size_t provision_cli_failures(const struct provision_capsule_result *result)
{
    return step_report_count(&result->report, STEP_FAILED) + (result->err[0] ? 1 : 0);
}

void provision_cli_print_error(const struct provision_capsule_result *result)
{
    if (result->err[0])
        printf("  %s\n", result->err);
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

static void print_capsule(const struct provision_capsule_result *result,
                          const char *(*result_name)(int exit_code))
{
    json_t *capsule = json_pack("{s:s, s:s, s:o}", "capsule", result->capsule,
                                "result", result_name(result->exit_code),
                                "counts", step_report_counts_json(&result->report));

    if (result->err[0])
        json_object_set_new(capsule, "error", json_string(result->err));
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

/*
 * Prints the JSON result of plan or provision on stdout, one step at a
 * time so thousands of steps never exist whole as JSON: {"result",
 * "exit_code", "state_table", "requests", "skipped_plugins", "capsules":
 * [{"capsule", "result", "counts", "error" (when set), "steps": [...]}]}.
 */
static void print_capsules(const struct provision_cli_args *args,
                           const struct provision_cli_catalog *catalog,
                           const struct provision_capsule_result *results,
                           const char *(*result_name)(int exit_code), int overall)
{
    json_t *head = json_pack(
        "{s:s, s:i, s:s, s:I, s:O}", "result", result_name(overall), "exit_code", overall,
        "state_table", args->state_table ? args->state_table : CHECKPOINT_DEFAULT_TABLE,
        "requests", (json_int_t)provision_call_count(), "skipped_plugins", catalog->skipped);

    print_compact(head, 1);
    json_decref(head);
    fputs(",\n\"capsules\": [", stdout);
    for (size_t i = 0; i < args->capsules_count; i++) {
        fputs(i > 0 ? ",\n" : "\n", stdout);
        print_capsule(&results[i], result_name);
    }
    fputs("]}\n", stdout);
    fflush(stdout);
}

struct provision_capsule_result *provision_cli_results_new(const struct provision_cli_args *args)
{
    struct provision_capsule_result *results = calloc(args->capsules_count, sizeof(*results));

    if (!results)
        return NULL;
    for (size_t i = 0; i < args->capsules_count; i++) {
        results[i].capsule = args->capsules[i];
        step_report_init(&results[i].report, args->json ? NULL : stdout);
    }
    return results;
}

void provision_cli_report_capsule(const struct provision_cli_args *args,
                                  const struct provision_capsule_result *result,
                                  provision_cli_summary_fn *print_summary)
{
    if (result->err[0])
        log_error("capsule %s: %s", result->capsule, result->err);
    if (!args->json)
        print_summary(result);
}

int provision_cli_finish(const struct provision_cli_args *args,
                         const struct provision_cli_catalog *catalog,
                         struct provision_capsule_result *results,
                         const char *(*result_name)(int exit_code), int overall)
{
    if (args->json)
        print_capsules(args, catalog, results, result_name, overall);

    for (size_t i = 0; i < args->capsules_count; i++)
        step_report_free(&results[i].report);
    free(results);
    return overall;
}
