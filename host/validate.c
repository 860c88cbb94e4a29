/*
 * Validation entry point: the report, the provider-level rules and the
 * rules that compare providers with each other. Table rules live in
 * validate_table.c and seed rules in validate_seed.c.
 */
#include "validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "text_safe.h"
#include "validate_context.h"

static void *checked_realloc(void *pointer, size_t size)
{
    void *grown = realloc(pointer, size);

    if (grown == NULL) {
        log_error("out of memory while collecting validation problems");
        abort();
    }
    return grown;
}

/* Returns message made safe for a terminal line and for JSON (escaped
 * controls, \xNN for invalid UTF-8), and frees message. Messages quote
 * plugin strings, file names and strings cut to a maximum length, which
 * can split a character. */
static char *make_safe(char *message)
{
    size_t len = strlen(message);
    size_t size = len * 4 + 1; /* each byte grows to at most "\xNN" */
    char *safe = malloc(size);

    if (safe == NULL) {
        log_error("out of memory while collecting validation problems");
        abort();
    }
    text_safe_copy(safe, size, message, len);
    free(message);
    return safe;
}

static char *format_prefix(const struct validate_context *context)
{
    const char *path = context->plugin->path != NULL ? context->plugin->path
                                                     : "(unknown file)";
    const char *service_id = context->provider->service_id;
    char *prefix = NULL;
    int written;

    if (!validate_is_blank(service_id))
        written = asprintf(&prefix, "%s: service \"%s\": ", path, service_id);
    else
        written = asprintf(&prefix, "%s: providers[%zu] (no service id): ",
                           path, context->provider_index);
    if (written < 0) {
        log_error("out of memory while collecting validation problems");
        abort();
    }
    return prefix;
}

void validate_add(struct validate_context *context, const char *rule,
                  const char *fmt, ...)
{
    struct validation_report *report = context->report;
    struct validation_problem *problem;
    char *prefix = format_prefix(context);
    char *detail = NULL;
    char *message = NULL;
    va_list args;
    int written;

    va_start(args, fmt);
    written = vasprintf(&detail, fmt, args);
    va_end(args);
    if (written < 0 || asprintf(&message, "%s%s", prefix, detail) < 0) {
        log_error("out of memory while collecting validation problems");
        abort();
    }
    free(prefix);
    free(detail);
    message = make_safe(message);

    if (report->count == context->capacity) {
        context->capacity = context->capacity == 0 ? 16 : context->capacity * 2;
        report->items = checked_realloc(report->items,
                                        context->capacity * sizeof(*report->items));
    }
    problem = &report->items[report->count++];
    problem->plugin_path = context->plugin->path;
    problem->service_id = context->provider->service_id;
    problem->rule = rule;
    problem->message = message;
}

int validate_is_blank(const char *text)
{
    return text == NULL || text[0] == '\0';
}

int validate_is_ddb_name(const char *text, size_t min_len, size_t max_len)
{
    size_t len;

    if (text == NULL)
        return 0;
    len = strlen(text);
    if (len < min_len || len > max_len)
        return 0;
    return strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789_.-") == len;
}

const struct catalog_attribute *validate_find_attribute(
    const struct catalog_table *table, const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < table->attributes_count; i++) {
        const char *candidate = table->attributes[i].name;

        if (candidate != NULL && strcmp(candidate, name) == 0)
            return &table->attributes[i];
    }
    return NULL;
}

const char *validate_type_name(uint32_t type)
{
    switch (type) {
    case SCHEMAREG_ATTR_S:
        return "S";
    case SCHEMAREG_ATTR_N:
        return "N";
    case SCHEMAREG_ATTR_B:
        return "B";
    default:
        return NULL;
    }
}

static void check_service_id(struct validate_context *context)
{
    const char *service_id = context->provider->service_id;
    size_t len;

    if (validate_is_blank(service_id)) {
        validate_add(context, "service-id", "the service id is missing; set "
                     ".service_id to a name like \"billing\"");
        return;
    }

    len = strlen(service_id);
    if (len > VALIDATE_SERVICE_ID_MAX_LEN)
        validate_add(context, "service-id", "the service id is %zu characters "
                     "long; use at most %u", len, VALIDATE_SERVICE_ID_MAX_LEN);
    if (strspn(service_id, "abcdefghijklmnopqrstuvwxyz0123456789_-") != len ||
        service_id[0] == '-' || service_id[0] == '_')
        validate_add(context, "service-id", "the service id is invalid; use "
                     "lower-case letters, digits, '-' and '_', starting with a "
                     "letter or digit");
}

static void check_table_names_unique(struct validate_context *context)
{
    const struct catalog_provider *provider = context->provider;

    for (size_t i = 0; i < provider->tables_count; i++) {
        const char *name = provider->tables[i].name;

        if (validate_is_blank(name))
            continue;
        for (size_t j = 0; j < i; j++) {
            const char *earlier = provider->tables[j].name;

            if (earlier != NULL && strcmp(earlier, name) == 0) {
                validate_add(context, "table-name-duplicate", "tables[%zu] and "
                             "tables[%zu] are both named \"%s\"; rename one",
                             j, i, name);
                break;
            }
        }
    }
}

static void validate_provider(struct validate_context *context)
{
    check_service_id(context);

    for (size_t i = 0; i < context->provider->tables_count; i++)
        validate_table(context, &context->provider->tables[i], i);
    check_table_names_unique(context);

    validate_seeds(context);
}

/* One provider with the plugin that declared it, for cross-plugin rules. */
struct provider_ref {
    const struct catalog_plugin *plugin;
    const struct catalog_provider *provider;
    size_t index;
};

static const char *plugin_path_of(const struct provider_ref *ref)
{
    return ref->plugin->path != NULL ? ref->plugin->path : "(unknown file)";
}

static const struct catalog_table *find_table(const struct catalog_provider *provider,
                                              const char *name)
{
    for (size_t i = 0; i < provider->tables_count; i++) {
        const char *candidate = provider->tables[i].name;

        if (candidate != NULL && strcmp(candidate, name) == 0)
            return &provider->tables[i];
    }
    return NULL;
}

/* Reports a service id or table name that an earlier provider already used.
 * The problem is filed under the later provider and names both files. */
static void check_against_earlier(struct validate_context *context,
                                  const struct provider_ref *refs, size_t current)
{
    const struct catalog_provider *provider = refs[current].provider;

    for (size_t e = 0; e < current; e++) {
        const struct catalog_provider *earlier = refs[e].provider;

        if (!validate_is_blank(provider->service_id) &&
            earlier->service_id != NULL &&
            strcmp(earlier->service_id, provider->service_id) == 0)
            validate_add(context, "service-id-duplicate", "service id \"%s\" "
                         "is also declared by %s; service ids must be unique "
                         "across all plugins, so rename one or install only "
                         "one of the two files", provider->service_id,
                         plugin_path_of(&refs[e]));
    }

    for (size_t t = 0; t < provider->tables_count; t++) {
        const char *name = provider->tables[t].name;

        if (validate_is_blank(name))
            continue;
        for (size_t e = 0; e < current; e++) {
            if (find_table(refs[e].provider, name) == NULL)
                continue;
            validate_add(context, "table-name-duplicate", "table \"%s\" is also "
                         "declared by service \"%s\" in %s; all tables share "
                         "one capsule, so rename one of them (a service prefix "
                         "such as \"%s_%s\" avoids clashes)", name,
                         refs[e].provider->service_id != NULL
                             ? refs[e].provider->service_id : "(no id)",
                         plugin_path_of(&refs[e]),
                         provider->service_id != NULL ? provider->service_id
                                                      : "service",
                         name);
            break;
        }
    }
}

void validate_plugins(const struct catalog_plugin *plugins, size_t plugins_count,
                      struct validation_report *out)
{
    struct validate_context context = {.report = out};
    struct provider_ref *refs = NULL;
    size_t refs_count = 0;

    out->items = NULL;
    out->count = 0;

    for (size_t p = 0; p < plugins_count; p++)
        refs_count += plugins[p].providers_count;
    if (refs_count > 0)
        refs = checked_realloc(NULL, refs_count * sizeof(*refs));

    refs_count = 0;
    for (size_t p = 0; p < plugins_count; p++) {
        for (size_t i = 0; i < plugins[p].providers_count; i++) {
            refs[refs_count].plugin = &plugins[p];
            refs[refs_count].provider = &plugins[p].providers[i];
            refs[refs_count].index = i;

            context.plugin = &plugins[p];
            context.provider = &plugins[p].providers[i];
            context.provider_index = i;
            validate_provider(&context);
            check_against_earlier(&context, refs, refs_count);
            refs_count++;
        }
    }

    free(refs);
}

void validation_report_free(struct validation_report *report)
{
    if (report == NULL)
        return;
    for (size_t i = 0; i < report->count; i++)
        free(report->items[i].message);
    free(report->items);
    report->items = NULL;
    report->count = 0;
}
