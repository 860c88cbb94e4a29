/*
 * Read-only planning: what `provision` would do for a capsule, found with
 * DescribeTable, DescribeTimeToLive, GetItem and the checkpoints, without
 * writing anything (the state table is not created either).
 */
#ifndef SCHEMAREG_PLAN_H
#define SCHEMAREG_PLAN_H

#include <stddef.h>

#include "catalog.h"
#include "ddb_client.h"
#include "step_report.h"

/* Exit codes, as `terraform plan -detailed-exitcode` uses them. */
#define PLAN_EXIT_NO_CHANGES 0
#define PLAN_EXIT_ERROR 1
#define PLAN_EXIT_CHANGES 2

/*
 * Adds a report entry per step: STEP_PENDING for what provision would
 * create, add, enable or write, STEP_DRIFT and STEP_FAILED for problems.
 * Returns PLAN_EXIT_ERROR on any drift or failure (with err set when the
 * whole capsule failed), else PLAN_EXIT_CHANGES when something is pending
 * or an index is still being built, else PLAN_EXIT_NO_CHANGES.
 */
int plan_capsule(struct ddb_client *client, const char *capsule,
                 const struct catalog_provider *const *providers, size_t providers_count,
                 const char *state_table, struct step_report *report,
                 char *err, size_t err_len);

#endif
