/*
 * The provisioning engine: creates what plugins declare for a capsule,
 * idempotently and resumably.
 *
 * Per capsule, per provider in service-id order, per table: CreateTable
 * {capsule}-{table} with keys, billing mode and every GSI; wait until the
 * table and its indexes are ACTIVE; add declared indexes an existing table
 * lacks, one at a time; enable TTL; write seeds with their condition.
 * Each completed step is recorded in the state table (checkpoint.h)
 * before the next step of that table starts, and a later run skips what
 * is recorded.
 *
 * Tables are provisioned concurrently, up to table_concurrency at once,
 * each on a worker thread with its own client. A table's seeds are
 * independent of each other: they are written up to seed_concurrency at
 * once over one pool of kept-alive connections (ddb_multi.h) that every
 * capsule of the run shares.
 */
#ifndef SCHEMAREG_PROVISION_H
#define SCHEMAREG_PROVISION_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "ddb_client.h"
#include "step_report.h"

/* Exit codes of provision (and their meaning for plan, see plan.h). */
#define PROVISION_EXIT_DONE 0
#define PROVISION_EXIT_FAILED 1
#define PROVISION_EXIT_IN_PROGRESS 3

#define PROVISION_DEFAULT_WAIT_TIMEOUT_S 600
/* Each attempt of a request, connecting included. */
#define PROVISION_DEFAULT_REQUEST_TIMEOUT_S 30
/* Small, so the account's other users keep control-plane headroom:
 * DynamoDB limits how many tables and indexes an account may create or
 * update at once and returns LimitExceededException beyond that. */
#define PROVISION_DEFAULT_TABLE_CONCURRENCY 4
#define PROVISION_DEFAULT_SEED_CONCURRENCY 16
#define PROVISION_MAX_TABLE_CONCURRENCY 64
#define PROVISION_MAX_SEED_CONCURRENCY 256

struct provision_options {
    const char *state_table;  /* NULL means CHECKPOINT_DEFAULT_TABLE */
    int64_t wait_timeout_ms;  /* per wait for ACTIVE */
    int64_t no_progress_ms;   /* 0 means table_wait's default */
    int table_concurrency;    /* tables at once; 0 means the default */
    int seed_concurrency;     /* seed writes at once; 0 means the default */
};

/* One capsule of a run: the caller sets capsule and initializes report;
 * provision_capsules fills the rest. */
struct provision_capsule_result {
    const char *capsule;
    struct step_report report;
    int exit_code;
    char err[1400]; /* why the whole capsule failed, or "" */
};

/* The providers of all plugins, sorted by service id. The array is owned
 * by the caller (free()); the providers stay owned by the plugins. */
int provision_collect_providers(const struct catalog_plugin *plugins, size_t plugins_count,
                                const struct catalog_provider ***providers, size_t *count);

/*
 * Provisions every table, index, TTL setting and seed of providers into
 * each capsule of results, adding a report entry per step; each report
 * ends sorted in service-id, table and step order. Sets each exit_code to
 * PROVISION_EXIT_DONE, PROVISION_EXIT_IN_PROGRESS when an index is still
 * being built, or PROVISION_EXIT_FAILED; a failure that stops the whole
 * capsule (invalid code, state table unusable) also leaves a message in
 * err. client is used by this thread only; workers get their own.
 * The seed items (item_json) are deflated per table and released before
 * the first table starts, so the caller must not need them afterwards. Returns the exit
 * code of the run: any failure, else any in progress.
 */
int provision_capsules(struct ddb_client *client, struct provision_capsule_result *results,
                       size_t results_count, const struct catalog_provider *const *providers,
                       size_t providers_count, const struct provision_options *options);

#endif
