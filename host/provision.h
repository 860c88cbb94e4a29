/*
 * The provisioning engine: creates what plugins declare for a capsule,
 * idempotently and resumably.
 *
 * Per capsule, per provider in service-id order, per table: CreateTable
 * {capsule}-{table} with keys, billing mode and every GSI; wait until the
 * table and its indexes are ACTIVE; add declared indexes an existing table
 * lacks, one at a time; enable TTL; write seeds with their condition.
 * Each completed step is recorded in the state table (checkpoint.h)
 * before the next one starts, and a later run skips what is recorded.
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

struct provision_options {
    const char *state_table;  /* NULL means CHECKPOINT_DEFAULT_TABLE */
    int64_t wait_timeout_ms;  /* per wait for ACTIVE */
    int64_t no_progress_ms;   /* 0 means table_wait's default */
};

/* The providers of all plugins, sorted by service id. The array is owned
 * by the caller (free()); the providers stay owned by the plugins. */
int provision_collect_providers(const struct catalog_plugin *plugins, size_t plugins_count,
                                const struct catalog_provider ***providers, size_t *count);

/*
 * Provisions every table, index, TTL setting and seed of providers into
 * capsule, adding a report entry per step. Returns PROVISION_EXIT_DONE,
 * PROVISION_EXIT_IN_PROGRESS when an index is still being built, or
 * PROVISION_EXIT_FAILED; a failure that stops the whole capsule (invalid
 * code, state table unusable) also leaves a message in err.
 */
int provision_capsule(struct ddb_client *client, const char *capsule,
                      const struct catalog_provider *const *providers, size_t providers_count,
                      const struct provision_options *options, struct step_report *report,
                      char *err, size_t err_len);

#endif
