/*
 * Rules on seed records: the target table, the item as DynamoDB JSON with
 * its keys and size, the condition expression and its placeholders, and
 * duplicates among the seeds of one table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddb_json.h"
#include "log.h"
#include "validate_context.h"

/* Outcome of one seed's checks, kept for the duplicate check. */
struct seed_state {
    const struct catalog_table *table;
    json_t *item;  /* the key attributes of the item; NULL unless it passed every check */
};

struct item_problem_context {
    struct validate_context *context;
    const char *what;
};

static void report_item_problem(void *opaque, const char *path,
                                const char *message)
{
    struct item_problem_context *item = opaque;

    if (path[0] == '\0')
        validate_add(item->context, "seed-item", "%s: %s; fix item_json",
                     item->what, message);
    else
        validate_add(item->context, "seed-item", "%s: attribute %s: %s; fix "
                     "item_json", item->what, path, message);
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

static const struct catalog_table *check_seed_table(struct validate_context *context,
                                                    const struct catalog_seed *seed,
                                                    const char *what)
{
    const struct catalog_table *table;

    if (validate_is_blank(seed->table)) {
        validate_add(context, "seed-table", "%s names no table; set .table to "
                     "the bare name of one of this provider's tables", what);
        return NULL;
    }
    table = find_table(context->provider, seed->table);
    if (table == NULL)
        validate_add(context, "seed-table", "%s targets table \"%s\", which "
                     "this provider does not declare; seeds may only target "
                     "their own provider's tables, so declare the table or fix "
                     "the name", what, seed->table);
    return table;
}

/* Checks one key attribute of a seed item against its definition. */
static int check_key_value(struct validate_context *context,
                           const struct catalog_table *table, const json_t *item,
                           const char *name, size_t max_bytes, const char *rule,
                           const char *role, const char *what)
{
    const struct catalog_attribute *attribute = validate_find_attribute(table, name);
    const json_t *value = json_object_get(item, name);
    const char *declared;
    const char *actual;
    size_t bytes;

    if (attribute == NULL)
        return 0; /* reported by key-attribute or gsi-key-attribute */
    declared = validate_type_name(attribute->type);
    if (declared == NULL)
        return 0; /* reported by attribute-type */

    actual = ddb_json_value_type(value);
    if (actual == NULL)
        return 0; /* reported by seed-item */
    if (strcmp(actual, declared) != 0) {
        validate_add(context, rule, "%s: %s attribute \"%s\" is %s but the "
                     "table declares it as %s; store it as {\"%s\": ...}", what,
                     role, name, actual, declared, declared);
        return -1;
    }

    bytes = ddb_json_value_size(value);
    if (strcmp(declared, "N") != 0 && bytes == 0) {
        validate_add(context, rule, "%s: %s attribute \"%s\" is empty; key "
                     "values must not be empty", what, role, name);
        return -1;
    }
    if (strcmp(declared, "N") != 0 && bytes > max_bytes) {
        validate_add(context, rule, "%s: %s attribute \"%s\" is %zu bytes; "
                     "DynamoDB allows at most %zu for this key", what, role,
                     name, bytes, max_bytes);
        return -1;
    }
    return 0;
}

static int check_seed_key(struct validate_context *context,
                          const struct catalog_table *table, const json_t *item,
                          const char *what)
{
    int status = 0;

    for (size_t i = 0; i < table->key_schema_count; i++) {
        const struct catalog_key *key = &table->key_schema[i];
        int is_range = key->key_type == SCHEMAREG_KEY_RANGE;

        if (validate_is_blank(key->attribute_name))
            continue;
        if (json_object_get(item, key->attribute_name) == NULL) {
            validate_add(context, "seed-key", "%s lacks %s key attribute "
                         "\"%s\"; every item must carry the table's key",
                         what, is_range ? "sort" : "partition",
                         key->attribute_name);
            status = -1;
            continue;
        }
        if (check_key_value(context, table, item, key->attribute_name,
                            is_range ? DDB_JSON_SORT_KEY_MAX_BYTES
                                     : DDB_JSON_PARTITION_KEY_MAX_BYTES,
                            "seed-key", is_range ? "sort key" : "partition key",
                            what) != 0)
            status = -1;
    }
    return status;
}

static int key_uses_table(const struct catalog_table *table, const char *name)
{
    for (size_t i = 0; i < table->key_schema_count; i++) {
        const char *key = table->key_schema[i].attribute_name;

        if (key != NULL && strcmp(key, name) == 0)
            return 1;
    }
    return 0;
}

/* Returns nonzero when a GSI key before gsis[g].key_schema[k] uses name, so
 * an attribute shared by several indexes is reported once. */
static int key_uses_earlier_gsi(const struct catalog_table *table, size_t g,
                                size_t k, const char *name)
{
    for (size_t i = 0; i <= g; i++) {
        size_t limit = i == g ? k : table->gsis[i].key_schema_count;

        for (size_t j = 0; j < limit; j++) {
            const char *key = table->gsis[i].key_schema[j].attribute_name;

            if (key != NULL && strcmp(key, name) == 0)
                return 1;
        }
    }
    return 0;
}

static void check_seed_gsi_keys(struct validate_context *context,
                                const struct catalog_table *table,
                                const json_t *item, const char *what)
{
    for (size_t g = 0; g < table->gsis_count; g++) {
        const struct catalog_gsi *gsi = &table->gsis[g];

        for (size_t k = 0; k < gsi->key_schema_count; k++) {
            const char *name = gsi->key_schema[k].attribute_name;
            int is_range = gsi->key_schema[k].key_type == SCHEMAREG_KEY_RANGE;
            char role[300];

            /* An item without a GSI key attribute is simply not indexed. */
            if (validate_is_blank(name) || json_object_get(item, name) == NULL)
                continue;
            if (key_uses_table(table, name) ||
                key_uses_earlier_gsi(table, g, k, name))
                continue; /* already checked */
            snprintf(role, sizeof(role), "GSI \"%.200s\" %s key",
                     gsi->index_name != NULL ? gsi->index_name : "(unnamed)",
                     is_range ? "sort" : "partition");
            check_key_value(context, table, item, name,
                            is_range ? DDB_JSON_SORT_KEY_MAX_BYTES
                                     : DDB_JSON_PARTITION_KEY_MAX_BYTES,
                            "seed-gsi-key", role, what);
        }
    }
}

/* Parses and checks the item. Returns it (the caller owns it) when it is
 * well-formed DynamoDB JSON, else NULL. */
static json_t *check_seed_item(struct validate_context *context,
                               const struct catalog_seed *seed, const char *what)
{
    struct item_problem_context problem_context = {context, what};
    char err[256];
    json_t *item;

    if (validate_is_blank(seed->item_json)) {
        validate_add(context, "seed-item", "%s has no item; set .item_json to "
                     "the item in DynamoDB JSON, e.g. {\"pk\":{\"S\":\"id\"}}",
                     what);
        return NULL;
    }
    item = ddb_json_parse_object(seed->item_json, err, sizeof(err));
    if (item == NULL) {
        validate_add(context, "seed-item", "%s: item_json is not a JSON "
                     "object: %s", what, err);
        return NULL;
    }
    if (ddb_json_check_item(item, report_item_problem, &problem_context) > 0) {
        json_decref(item);
        return NULL;
    }
    return item;
}

static void check_item_size(struct validate_context *context, const json_t *item,
                            const char *what)
{
    size_t size = ddb_json_item_size(item);

    if (size > DDB_JSON_ITEM_MAX_BYTES)
        validate_add(context, "seed-item-size", "%s: the item is %zu bytes by "
                     "DynamoDB's size rules; the maximum is %u, so shrink it or "
                     "split it into several items", what, size,
                     DDB_JSON_ITEM_MAX_BYTES);
}

static void report_value_problem(void *opaque, const char *path,
                                 const char *message)
{
    struct item_problem_context *values = opaque;

    validate_add(values->context, "seed-expression-values", "%s: "
                 "expression_attribute_values_json entry %s: %s", values->what,
                 path, message);
}

static void check_placeholder_value(struct validate_context *context,
                                    const json_t *value, const char *key,
                                    const char *what)
{
    struct item_problem_context values = {context, what};

    ddb_json_check_value(value, key, report_value_problem, &values);
}

static int is_placeholder_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_';
}

/* Returns nonzero when placeholder ("#name" or ":value") has a valid name. */
static int is_placeholder(const char *text, char marker)
{
    if (text[0] != marker || text[1] == '\0')
        return 0;
    for (const char *p = text + 1; *p != '\0'; p++) {
        if (!is_placeholder_char(*p))
            return 0;
    }
    return 1;
}

/* Returns the first whole-token occurrence of placeholder in expression,
 * or NULL. */
static const char *find_token(const char *expression, const char *placeholder)
{
    size_t len = strlen(placeholder);

    for (const char *p = strchr(expression, placeholder[0]); p != NULL;
         p = strchr(p + 1, placeholder[0])) {
        if (strncmp(p, placeholder, len) == 0 && !is_placeholder_char(p[len]))
            return p;
    }
    return NULL;
}

/* Reports placeholders starting with marker that the expression uses but
 * defined (an object, or NULL when none were given) lacks. */
static void check_placeholders_defined(struct validate_context *context,
                                       const char *expression, char marker,
                                       const json_t *defined, const char *rule,
                                       const char *field, const char *what)
{
    for (const char *p = strchr(expression, marker); p != NULL;
         p = strchr(p + 1, marker)) {
        size_t len = 1;
        char placeholder[256];

        while (is_placeholder_char(p[len]))
            len++;
        if (len == 1 || len >= sizeof(placeholder))
            continue;
        memcpy(placeholder, p, len);
        placeholder[len] = '\0';

        /* Report each placeholder once, at its first use. */
        if (find_token(expression, placeholder) != p)
            continue;
        if (defined == NULL || json_object_get(defined, placeholder) == NULL)
            validate_add(context, rule, "%s: the condition uses %s but %s does "
                         "not define it; add it to %s", what, placeholder,
                         field, field);
    }
}

/* Parses an expression attribute names or values object and checks its
 * shape and that the condition uses every entry. Returns the object
 * (caller owns it), or NULL when json_text is NULL or invalid. */
static json_t *check_placeholder_object(struct validate_context *context,
                                        const char *json_text,
                                        const char *expression, char marker,
                                        const char *rule, const char *field,
                                        const char *what)
{
    char err[256];
    json_t *object;
    const char *key;
    json_t *value;

    if (json_text == NULL)
        return NULL;
    object = ddb_json_parse_object(json_text, err, sizeof(err));
    if (object == NULL) {
        validate_add(context, rule, "%s: %s is not a JSON object: %s", what,
                     field, err);
        return NULL;
    }
    if (json_object_size(object) == 0)
        validate_add(context, rule, "%s: %s is an empty object, which DynamoDB "
                     "rejects; set the field to NULL", what, field);

    json_object_foreach(object, key, value) {
        if (!is_placeholder(key, marker)) {
            validate_add(context, rule, "%s: %s key \"%.100s\" is invalid; "
                         "keys are '%c' followed by letters, digits or '_'",
                         what, field, key, marker);
            continue;
        }
        if (marker == '#' && (!json_is_string(value) ||
                              json_string_length(value) == 0))
            validate_add(context, rule, "%s: %s maps %s to something other "
                         "than a non-empty attribute name string", what, field,
                         key);
        if (marker == ':')
            check_placeholder_value(context, value, key, what);
        if (!validate_is_blank(expression) && find_token(expression, key) == NULL)
            validate_add(context, rule, "%s: %s defines %s but the condition "
                         "does not use it, and DynamoDB rejects unused entries; "
                         "remove it", what, field, key);
    }
    return object;
}

/* Returns the partition key attribute of a valid key schema, whose first
 * element is the HASH key, or NULL. */
static const char *hash_key_name(const struct catalog_table *table)
{
    if (table->key_schema_count == 0 ||
        table->key_schema[0].key_type != SCHEMAREG_KEY_HASH)
        return NULL;
    return table->key_schema[0].attribute_name;
}

/* Reports a condition that would let PutItem replace an existing item. */
static void check_condition_protects(struct validate_context *context,
                                     const struct catalog_seed *seed,
                                     const struct catalog_table *table,
                                     const json_t *names, const char *what)
{
    const char *key = table != NULL ? hash_key_name(table) : NULL;

    if (validate_is_blank(key))
        return; /* reported by seed-table or key-schema */
    if (validate_condition_protects(seed->condition_expression, names, key))
        return;
    validate_add(context, "seed-condition", "%s: the condition \"%.200s\" "
                 "does not require attribute_not_exists(%s) on the table's "
                 "partition key \"%s\", so a run that finds no checkpoint "
                 "would overwrite an item that exists, changes by users "
                 "included; make \"attribute_not_exists(%s)\" (or "
                 "attribute_not_exists(#name) with #name mapped to \"%s\") "
                 "the condition, or a term joined to the rest with AND",
                 what, seed->condition_expression, key, key, key, key);
}

static void check_condition(struct validate_context *context,
                            const struct catalog_seed *seed,
                            const struct catalog_table *table, const char *what)
{
    const char *expression = seed->condition_expression;
    size_t problems_before_names;
    int names_valid;
    json_t *names;
    json_t *values;

    if (validate_is_blank(expression))
        validate_add(context, "seed-condition", "%s has no condition "
                     "expression, so every run would overwrite the item, "
                     "changes by users included; set .condition_expression, "
                     "e.g. \"attribute_not_exists(pk)\"", what);

    problems_before_names = context->report->count;
    names = check_placeholder_object(context, seed->expression_attribute_names_json,
                                     expression, '#', "seed-expression-names",
                                     "expression_attribute_names_json", what);
    if (!validate_is_blank(expression) &&
        (seed->expression_attribute_names_json == NULL || names != NULL))
        check_placeholders_defined(context, expression, '#', names,
                                   "seed-expression-names",
                                   "expression_attribute_names_json", what);
    names_valid = context->report->count == problems_before_names;

    values = check_placeholder_object(context, seed->expression_attribute_values_json,
                                      expression, ':', "seed-expression-values",
                                      "expression_attribute_values_json", what);
    if (!validate_is_blank(expression) &&
        (seed->expression_attribute_values_json == NULL || values != NULL))
        check_placeholders_defined(context, expression, ':', values,
                                   "seed-expression-values",
                                   "expression_attribute_values_json", what);

    /* A broken #name is reported by seed-expression-names alone. */
    if (!validate_is_blank(expression) && names_valid)
        check_condition_protects(context, seed, table, names, what);

    json_decref(names);
    json_decref(values);
}

/* Returns the key attributes of item in a new object, so a provider's
 * thousands of seeds are compared without keeping their whole items;
 * NULL when memory runs out, which only skips the duplicate check. */
static json_t *primary_key_of(const struct catalog_table *table, json_t *item)
{
    json_t *key = json_object();

    for (size_t i = 0; key && i < table->key_schema_count; i++) {
        const char *name = table->key_schema[i].attribute_name;
        json_t *value = name ? json_object_get(item, name) : NULL;

        if (value && json_object_set(key, name, value) != 0) {
            json_decref(key);
            key = NULL;
        }
    }
    return key;
}

static void check_seed(struct validate_context *context,
                       const struct catalog_seed *seed, size_t index,
                       struct seed_state *state)
{
    char what[300];
    json_t *item;

    if (validate_is_blank(seed->table))
        snprintf(what, sizeof(what), "seeds[%zu]", index);
    else
        snprintf(what, sizeof(what), "seeds[%zu] (table \"%.200s\")", index,
                 seed->table);

    state->table = check_seed_table(context, seed, what);
    item = check_seed_item(context, seed, what);
    check_condition(context, seed, state->table, what);
    if (item == NULL)
        return;

    check_item_size(context, item, what);
    if (state->table == NULL) {
        json_decref(item);
        return;
    }
    check_seed_gsi_keys(context, state->table, item, what);
    if (check_seed_key(context, state->table, item, what) != 0) {
        json_decref(item);
        return;
    }
    state->item = primary_key_of(state->table, item);
    json_decref(item);
}

/* Returns nonzero when two items of table have equal primary keys. */
static int same_primary_key(const struct catalog_table *table, const json_t *a,
                            const json_t *b)
{
    for (size_t i = 0; i < table->key_schema_count; i++) {
        const char *name = table->key_schema[i].attribute_name;

        if (name == NULL ||
            !ddb_json_values_equal(json_object_get(a, name), json_object_get(b, name)))
            return 0;
    }
    return table->key_schema_count > 0;
}

static void check_duplicate_seeds(struct validate_context *context,
                                  const struct seed_state *states, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (states[i].item == NULL)
            continue;
        for (size_t j = 0; j < i; j++) {
            if (states[j].item == NULL || states[j].table != states[i].table)
                continue;
            if (same_primary_key(states[i].table, states[j].item, states[i].item)) {
                validate_add(context, "seed-duplicate", "seeds[%zu] and "
                             "seeds[%zu] write the same primary key to table "
                             "\"%s\", so the second never takes effect; "
                             "remove one or change its key", j, i,
                             states[i].table->name);
                break;
            }
        }
    }
}

void validate_seeds(struct validate_context *context)
{
    const struct catalog_provider *provider = context->provider;
    struct seed_state *states;

    if (provider->seeds_count == 0)
        return;
    states = calloc(provider->seeds_count, sizeof(*states));
    if (states == NULL) {
        log_error("out of memory while validating seeds");
        abort();
    }

    for (size_t i = 0; i < provider->seeds_count; i++)
        check_seed(context, &provider->seeds[i], i, &states[i]);
    check_duplicate_seeds(context, states, provider->seeds_count);

    for (size_t i = 0; i < provider->seeds_count; i++)
        json_decref(states[i].item);
    free(states);
}
