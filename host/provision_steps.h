/*
 * Internal to the provisioning engine: the state shared by the steps of
 * one table, and the TTL and seed steps.
 */
#ifndef SCHEMAREG_PROVISION_STEPS_H
#define SCHEMAREG_PROVISION_STEPS_H

#include "capsule.h"
#include "catalog.h"
#include "checkpoint.h"
#include "ddb_client.h"
#include "provision.h"
#include "step_report.h"

struct provision_job {
    struct ddb_client *client;
    const char *capsule;
    const struct catalog_provider *provider;
    const struct catalog_table *table;
    char physical_name[CAPSULE_TABLE_NAME_SIZE];
    struct checkpoint_store *store;
    struct step_report *report;
    const struct provision_options *options;
};

/* Adds a report entry for the job's table. */
void provision_report(struct provision_job *job, enum step_kind kind, enum step_outcome outcome,
                      const char *name, const char *step, const char *message);

/* Records step done (or in progress) and reports a failure to do so.
 * Returns 0 when recorded (by this run or another), -1 on failure. */
int provision_record(struct provision_job *job, enum step_kind kind, const char *name,
                     const char *step, int in_progress, const char *detail);

/* Enables the declared TTL. Returns 0, or -1 when the step failed or
 * drifted (already reported). */
int provision_ttl_step(struct provision_job *job);

/* Writes the seeds declared for the job's table. Returns 0, or -1 when a
 * seed failed (already reported). */
int provision_seed_steps(struct provision_job *job);

#endif
