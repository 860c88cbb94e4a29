/*
 * The step-by-step report of a provision or plan run: each step is printed
 * as it happens and summarized as text or JSON at the end.
 */
#ifndef SCHEMAREG_STEP_REPORT_H
#define SCHEMAREG_STEP_REPORT_H

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "string_pool.h"

enum step_kind {
    STEP_KIND_TABLE,
    STEP_KIND_GSI,
    STEP_KIND_TTL,
    STEP_KIND_SEED,
};

enum step_outcome {
    STEP_CREATED,         /* table or index created, TTL enabled */
    STEP_WRITTEN,         /* seed written */
    STEP_ALREADY_PRESENT, /* found in place, nothing written */
    STEP_SKIPPED,         /* recorded done by a checkpoint */
    STEP_IN_PROGRESS,     /* index still being built: run again */
    STEP_FAILED,          /* error; the message gives the reason */
    STEP_DRIFT,           /* differs from the declaration and cannot be fixed safely */
    STEP_UNDECLARED,      /* an undeclared index; reported, never deleted */
    STEP_PENDING,         /* plan only: provision would change this */
};

/* One step. The strings belong to the report's pool. */
struct step_entry {
    const char *capsule;
    const char *service;
    const char *table;   /* physical table name */
    const char *name;    /* index name, TTL attribute or seed key; NULL for tables */
    const char *step;    /* checkpoint step id; NULL when none */
    const char *message; /* why, for failures, drift and pending changes; may be NULL */
    unsigned long long order; /* position in the summary; see step_report_sort */
    unsigned sequence;        /* when it was added: 0 for the first entry */
    unsigned char kind;       /* enum step_kind */
    unsigned char outcome;    /* enum step_outcome */
};

/* Entries of a report, added by any thread: each add takes the lock. */
struct step_report {
    struct step_entry *entries;
    size_t count;
    size_t capacity;
    struct string_pool strings; /* capsule, service and table interned, the rest copied */
    FILE *live; /* each step is printed here as it is added; NULL for none */
    pthread_mutex_t lock;
};

void step_report_init(struct step_report *report, FILE *live);
void step_report_free(struct step_report *report);

/* Appends a step and prints its line to report->live. name, step and
 * message may be NULL. Returns 0, or -1 when memory runs out. */
int step_report_add(struct step_report *report, enum step_kind kind, enum step_outcome outcome,
                    const char *capsule, const char *service, const char *table,
                    const char *name, const char *step, const char *message);

/* step_report_add with the entry's position in the summary: entries are
 * sorted by order, then by when they were added (step_report_add uses
 * order 0). */
int step_report_add_ordered(struct step_report *report, unsigned long long order,
                            enum step_kind kind, enum step_outcome outcome,
                            const char *capsule, const char *service, const char *table,
                            const char *name, const char *step, const char *message);

/* Sorts the entries by order, then by when they were added, so a summary
 * does not depend on which concurrent step finished first. Call it once
 * every step is added. */
void step_report_sort(struct step_report *report);

/* Returns how many entries have outcome. */
size_t step_report_count(const struct step_report *report, enum step_outcome outcome);

/* "created", "written", "already_present", ... as used in JSON. */
const char *step_outcome_name(enum step_outcome outcome);
const char *step_kind_name(enum step_kind kind);

/* Prints, for each table with a failed, drifted or in-progress step, one
 * summary line per such step. */
void step_report_print_problems(const struct step_report *report, FILE *out);

/* Returns {"outcome": count, ...} for every outcome. */
json_t *step_report_counts_json(const struct step_report *report);

/* Returns {kind, outcome, capsule, service, table, name, step, message}
 * of one entry, without the members that are NULL. */
json_t *step_report_entry_json(const struct step_entry *entry);

/* Returns {"counts": {...}, "steps": [...]} for the whole report. */
json_t *step_report_json(const struct step_report *report);

#endif
