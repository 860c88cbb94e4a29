#include "step_report.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "text_safe.h"

static const char *const outcome_names[] = {
    [STEP_CREATED] = "created",
    [STEP_WRITTEN] = "written",
    [STEP_ALREADY_PRESENT] = "already_present",
    [STEP_SKIPPED] = "skipped",
    [STEP_IN_PROGRESS] = "in_progress",
    [STEP_FAILED] = "failed",
    [STEP_DRIFT] = "drift",
    [STEP_UNDECLARED] = "undeclared",
    [STEP_PENDING] = "pending",
};

/* Words for the human-readable line. */
static const char *const outcome_labels[] = {
    [STEP_CREATED] = "created",
    [STEP_WRITTEN] = "written",
    [STEP_ALREADY_PRESENT] = "already present",
    [STEP_SKIPPED] = "skipped (checkpoint)",
    [STEP_IN_PROGRESS] = "in progress",
    [STEP_FAILED] = "FAILED",
    [STEP_DRIFT] = "DRIFT",
    [STEP_UNDECLARED] = "undeclared, left in place",
    [STEP_PENDING] = "would change",
};

static const char *const kind_names[] = {
    [STEP_KIND_TABLE] = "table",
    [STEP_KIND_GSI] = "gsi",
    [STEP_KIND_TTL] = "ttl",
    [STEP_KIND_SEED] = "seed",
};

const char *step_outcome_name(enum step_outcome outcome)
{
    return outcome_names[outcome];
}

const char *step_kind_name(enum step_kind kind)
{
    return kind_names[kind];
}

void step_report_init(struct step_report *report, FILE *live)
{
    memset(report, 0, sizeof(*report));
    string_pool_init(&report->strings);
    report->live = live;
    pthread_mutex_init(&report->lock, NULL);
}

void step_report_free(struct step_report *report)
{
    free(report->entries);
    string_pool_free(&report->strings);
    pthread_mutex_destroy(&report->lock);
    memset(report, 0, sizeof(*report));
}

static const char *outcome_label(const struct step_entry *entry)
{
    if (entry->kind == STEP_KIND_TTL && entry->outcome == STEP_CREATED)
        return "enabled";
    return outcome_labels[entry->outcome];
}

/* Prints the entry's line with one write, so lines of concurrent reports
 * on the same stream never mix. */
static void print_entry(const struct step_entry *entry, FILE *out)
{
    char *line = NULL;
    size_t line_len = 0;
    FILE *buffer = open_memstream(&line, &line_len);

    if (!buffer) {
        log_error("out of memory printing a step of table %s", entry->table);
        return;
    }
    /* Names and messages may come from plugins or the server, so control
     * characters are escaped before they reach a terminal. */
    fprintf(buffer, "%-5s ", kind_names[entry->kind]);
    text_safe_fputs(entry->table, buffer);
    if (entry->name) {
        fputc(' ', buffer);
        text_safe_fputs(entry->name, buffer);
    }
    fprintf(buffer, ": %s", outcome_label(entry));
    if (entry->message) {
        fputs(": ", buffer);
        text_safe_fputs(entry->message, buffer);
    }
    fputc('\n', buffer);
    fclose(buffer);

    fputs(line, out);
    /* Flushed per line so a run that is killed still shows its steps. */
    fflush(out);
    free(line);
}

int step_report_add_ordered(struct step_report *report, unsigned long long order,
                            enum step_kind kind, enum step_outcome outcome,
                            const char *capsule, const char *service, const char *table,
                            const char *name, const char *step, const char *message)
{
    int rc = -1;

    pthread_mutex_lock(&report->lock);
    if (report->count == report->capacity) {
        size_t capacity = report->capacity ? report->capacity * 2 : 32;
        struct step_entry *grown = realloc(report->entries, capacity * sizeof(*grown));

        if (!grown)
            goto cleanup;
        report->entries = grown;
        report->capacity = capacity;
    }

    struct string_pool *pool = &report->strings;
    struct step_entry *entry = &report->entries[report->count];
    *entry = (struct step_entry){
        .kind = (unsigned char)kind,
        .outcome = (unsigned char)outcome,
        .capsule = string_pool_intern(pool, capsule),
        .service = string_pool_intern(pool, service),
        .table = string_pool_intern(pool, table),
        .name = string_pool_copy(pool, name),
        .step = string_pool_copy(pool, step),
        .message = string_pool_copy(pool, message),
        .order = order,
        .sequence = (unsigned)report->count,
    };
    if ((capsule && !entry->capsule) || (service && !entry->service) ||
        (table && !entry->table) || (name && !entry->name) || (step && !entry->step) ||
        (message && !entry->message))
        goto cleanup;
    report->count++;

    if (report->live)
        print_entry(entry, report->live);
    rc = 0;

cleanup:
    pthread_mutex_unlock(&report->lock);
    return rc;
}

int step_report_add(struct step_report *report, enum step_kind kind, enum step_outcome outcome,
                    const char *capsule, const char *service, const char *table,
                    const char *name, const char *step, const char *message)
{
    return step_report_add_ordered(report, 0, kind, outcome, capsule, service, table, name,
                                   step, message);
}

static int compare_entries(const void *left, const void *right)
{
    const struct step_entry *a = left;
    const struct step_entry *b = right;

    if (a->order != b->order)
        return a->order < b->order ? -1 : 1;
    if (a->sequence != b->sequence)
        return a->sequence < b->sequence ? -1 : 1;
    return 0;
}

void step_report_sort(struct step_report *report)
{
    pthread_mutex_lock(&report->lock);
    /* entries is NULL while the report is empty; qsort's must not be. */
    if (report->count > 1)
        qsort(report->entries, report->count, sizeof(*report->entries), compare_entries);
    pthread_mutex_unlock(&report->lock);
}

size_t step_report_count(const struct step_report *report, enum step_outcome outcome)
{
    size_t count = 0;

    for (size_t i = 0; i < report->count; i++)
        count += report->entries[i].outcome == outcome;
    return count;
}

static int is_problem(enum step_outcome outcome)
{
    return outcome == STEP_FAILED || outcome == STEP_DRIFT || outcome == STEP_IN_PROGRESS;
}

void step_report_print_problems(const struct step_report *report, FILE *out)
{
    for (size_t i = 0; i < report->count; i++) {
        const struct step_entry *entry = &report->entries[i];

        if (!is_problem(entry->outcome))
            continue;
        fputs("  ", out);
        text_safe_fputs(entry->table, out);
        fprintf(out, " %s", kind_names[entry->kind]);
        if (entry->name) {
            fputc(' ', out);
            text_safe_fputs(entry->name, out);
        }
        fprintf(out, ": %s", outcome_label(entry));
        if (entry->message) {
            fputs(": ", out);
            text_safe_fputs(entry->message, out);
        }
        fputc('\n', out);
    }
}

static void set_optional(json_t *object, const char *key, const char *value)
{
    if (value)
        json_object_set_new(object, key, json_string(value));
}

json_t *step_report_counts_json(const struct step_report *report)
{
    json_t *counts = json_object();

    for (size_t outcome = 0; outcome < sizeof(outcome_names) / sizeof(outcome_names[0]); outcome++)
        json_object_set_new(counts, outcome_names[outcome],
                            json_integer((json_int_t)step_report_count(report, outcome)));
    return counts;
}

json_t *step_report_entry_json(const struct step_entry *entry)
{
    json_t *step = json_pack("{s:s, s:s}", "kind", kind_names[entry->kind],
                             "outcome", outcome_names[entry->outcome]);

    set_optional(step, "capsule", entry->capsule);
    set_optional(step, "service", entry->service);
    set_optional(step, "table", entry->table);
    set_optional(step, "name", entry->name);
    set_optional(step, "step", entry->step);
    set_optional(step, "message", entry->message);
    return step;
}

json_t *step_report_json(const struct step_report *report)
{
    json_t *steps = json_array();

    for (size_t i = 0; i < report->count; i++)
        json_array_append_new(steps, step_report_entry_json(&report->entries[i]));
    return json_pack("{s:o, s:o}", "counts", step_report_counts_json(report), "steps", steps);
}
