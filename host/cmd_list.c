/* schemareg-host list: what the plugins declare, as text or as JSON. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "catalog.h"
#include "cli.h"
#include "commands.h"
#include "loader.h"
#include "log.h"
#include "schemareg/provider.h"
#include "text_safe.h"

enum { OPT_JSON = CLI_OPT_FIRST_COMMAND_OPTION, OPT_PROVIDERS };

static const struct cli_command_info info = {
    .name = "list",
    .arguments = "",
    .summary = "Shows every plugin's name, version and ABI version, read from its ELF\n"
               "note without running any plugin code. --providers and --json load\n"
               "the plugins, each in its own process, and show what they declare.\n"
               "Exits 1 when a plugin is rejected or failed to load.",
    .options = "  --providers               also show each plugin's providers, tables, GSIs,\n"
               "                            TTL attributes and seed counts\n"
               "  --json                    print the complete model as JSON (docs/MODEL.md)\n",
};

struct list_options {
    int json;
    int providers;
};

static int handle_option(int opt, const char *arg, void *context)
{
    struct list_options *options = context;
    (void)arg;
    if (opt == OPT_JSON)
        options->json = 1;
    else if (opt == OPT_PROVIDERS)
        options->providers = 1;
    else
        return -1;
    return 0;
}

/* Prints a plugin string or file name made safe for the terminal
 * (host/text_safe.h), or "(none)" for NULL. Write errors surface through
 * ferror(stdout) at exit. */
static void print_safe(const char *text)
{
    text_safe_fputs(text != NULL ? text : "(none)", stdout);
}

/* The declared type of an attribute, or "?" when it has no definition. */
static const char *attribute_type(const struct catalog_table *table, const char *name)
{
    for (size_t i = 0; name != NULL && i < table->attributes_count; i++) {
        const struct catalog_attribute *attribute = &table->attributes[i];
        if (attribute->name != NULL && strcmp(attribute->name, name) == 0) {
            const char *type = catalog_attribute_type_name(attribute->type);
            return type != NULL ? type : "?";
        }
    }
    return "?";
}

static void print_keys(const struct catalog_table *table, const struct catalog_key *keys,
                       size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const char *role = catalog_key_type_name(keys[i].key_type);
        printf("%s", i > 0 ? ", " : "");
        print_safe(keys[i].attribute_name);
        printf(" %s (%s)", role != NULL ? role : "?", attribute_type(table, keys[i].attribute_name));
    }
    if (count == 0)
        printf("(none)");
}

static void print_capacity(uint32_t billing_mode, uint64_t read, uint64_t write)
{
    if (billing_mode == SCHEMAREG_BILLING_PROVISIONED)
        printf(", read %llu, write %llu", (unsigned long long)read, (unsigned long long)write);
}

static void print_gsi(const struct catalog_table *table, const struct catalog_gsi *gsi)
{
    const char *projection = catalog_projection_type_name(gsi->projection_type);

    printf("      gsi ");
    print_safe(gsi->index_name);
    printf(": key ");
    print_keys(table, gsi->key_schema, gsi->key_schema_count);
    printf("; projection %s", projection != NULL ? projection : "?");
    for (size_t i = 0; i < gsi->non_key_attributes_count; i++) {
        printf("%s", i == 0 ? " (" : ", ");
        print_safe(gsi->non_key_attributes[i]);
    }
    printf("%s", gsi->non_key_attributes_count > 0 ? ")" : "");
    print_capacity(table->billing_mode, gsi->read_capacity_units, gsi->write_capacity_units);
    printf("\n");
}

static void print_table(const struct catalog_table *table)
{
    const char *billing = catalog_billing_mode_name(table->billing_mode);

    printf("    table ");
    print_safe(table->name);
    printf(": key ");
    print_keys(table, table->key_schema, table->key_schema_count);
    printf("; %s", billing != NULL ? billing : "unknown billing mode");
    print_capacity(table->billing_mode, table->read_capacity_units, table->write_capacity_units);
    printf("; TTL ");
    print_safe(table->ttl_attribute != NULL ? table->ttl_attribute : "off");
    printf("\n");

    for (size_t i = 0; i < table->gsis_count; i++)
        print_gsi(table, &table->gsis[i]);
}

static void print_plugin(const struct catalog_plugin *plugin)
{
    print_safe(plugin->path);
    printf(": ");
    print_safe(plugin->plugin_name);
    printf(" ");
    print_safe(plugin->plugin_version);
    printf(" (ABI %u.%u)\n", plugin->abi_major, plugin->abi_minor);

    for (size_t i = 0; i < plugin->providers_count; i++) {
        const struct catalog_provider *provider = &plugin->providers[i];
        printf("  provider ");
        print_safe(provider->service_id);
        if (provider->description != NULL) {
            printf(": ");
            print_safe(provider->description);
        }
        printf("\n");

        for (size_t j = 0; j < provider->tables_count; j++)
            print_table(&provider->tables[j]);
        printf("    seeds: %zu\n", provider->seeds_count);
    }
}

static void print_text(const struct loader_result *result)
{
    for (size_t i = 0; i < result->plugins_count; i++)
        print_plugin(&result->plugins[i]);
    if (result->plugins_count == 0)
        printf("no plugins loaded\n");
}

/* {"plugins": [...], "errors": [{"path", "message"}]}; NULL on failure (logged). */
static json_t *result_to_json(const struct loader_result *result)
{
    json_t *root = json_object();
    json_t *plugins = json_array();
    json_t *errors = json_array();
    if (root == NULL || plugins == NULL || errors == NULL)
        goto fail;

    for (size_t i = 0; i < result->plugins_count; i++) {
        char err[512];
        json_t *plugin = catalog_plugin_to_json(&result->plugins[i], err, sizeof(err));
        if (plugin == NULL) {
            log_error("%s: cannot convert to JSON: %s", result->plugins[i].path, err);
            goto fail;
        }
        if (json_array_append_new(plugins, plugin) != 0)
            goto fail;
    }

    for (size_t i = 0; i < result->errors_count; i++) {
        /* A file name need not be valid UTF-8, and the message quotes it. */
        json_t *error = json_pack("{s:o, s:o}",
                                  "path", text_safe_json_string(result->errors[i].path),
                                  "message", text_safe_json_string(result->errors[i].message));
        if (error == NULL || json_array_append_new(errors, error) != 0)
            goto fail;
    }

    if (json_object_set_new(root, "plugins", plugins) != 0) {
        plugins = NULL;
        goto fail;
    }
    if (json_object_set_new(root, "errors", errors) != 0) {
        json_decref(root);
        return NULL;
    }
    return root;

fail:
    json_decref(plugins);
    json_decref(errors);
    json_decref(root);
    return NULL;
}

static int print_json(const struct loader_result *result)
{
    json_t *root = result_to_json(result);
    if (root == NULL) {
        log_error("list: cannot build the JSON output");
        return -1;
    }

    int status = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    json_decref(root);
    if (status != 0 || fputc('\n', stdout) == EOF) {
        log_error("list: cannot write the JSON output");
        return -1;
    }
    return 0;
}

int cmd_list(int argc, char **argv)
{
    static const struct option options[] = {
        CLI_COMMON_LONG_OPTIONS,
        {"json", no_argument, NULL, OPT_JSON},
        {"providers", no_argument, NULL, OPT_PROVIDERS},
        {NULL, 0, NULL, 0},
    };

    struct list_options list = {0};
    int first_argument;
    int status = cli_parse_command(argc, argv, &info, options, handle_option, &list,
                                   &first_argument);
    if (status != 0)
        return status > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (first_argument < argc) {
        log_error("list: unexpected argument \"%s\"; list takes no arguments",
                  argv[first_argument]);
        return CLI_EXIT_USAGE;
    }

    /* Providers need the plugins' code to run; names and versions do not. */
    struct loader_result result;
    int scanned = list.json || list.providers ? cli_load_plugins(&result)
                                              : cli_scan_plugin_notes(&result);

    int printed = list.json ? print_json(&result) : (print_text(&result), 0);
    for (size_t i = 0; i < result.errors_count; i++)
        log_error("%s: %s", result.errors[i].path, result.errors[i].message);

    int exit_code = scanned == 0 && printed == 0 && result.errors_count == 0 ? CLI_EXIT_OK
                                                                             : CLI_EXIT_ERROR;
    loader_result_free(&result);
    return exit_code;
}
