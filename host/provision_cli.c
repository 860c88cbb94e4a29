#include "provision_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsule.h"
#include "log.h"
#include "provision.h"
#include "validate.h"

void provision_cli_args_init(struct provision_cli_args *args)
{
    memset(args, 0, sizeof(*args));
    args->wait_timeout_s = PROVISION_DEFAULT_WAIT_TIMEOUT_S;
}

void provision_cli_args_free(struct provision_cli_args *args)
{
    free(args->capsules);
    memset(args, 0, sizeof(*args));
}

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
    long value;

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
        if (parse_positive("--wait-timeout", arg, 7 * 24 * 3600, &value) != 0)
            return -1;
        args->wait_timeout_s = value;
        return 0;
    case PROVISION_OPT_MAX_ATTEMPTS:
        if (parse_positive("--max-attempts", arg, 100, &value) != 0)
            return -1;
        args->max_attempts = (int)value;
        return 0;
    case PROVISION_OPT_TABLE_CONCURRENCY:
        if (parse_positive("--table-concurrency", arg, PROVISION_MAX_TABLE_CONCURRENCY,
                           &value) != 0)
            return -1;
        args->table_concurrency = (int)value;
        return 0;
    case PROVISION_OPT_SEED_CONCURRENCY:
        if (parse_positive("--seed-concurrency", arg, PROVISION_MAX_SEED_CONCURRENCY,
                           &value) != 0)
            return -1;
        args->seed_concurrency = (int)value;
        return 0;
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
    if (catalog->providers_count == 0)
        log_warn("no valid plugin declares anything to provision");
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
    struct ddb_client_options options = {.max_attempts = args->max_attempts};

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
