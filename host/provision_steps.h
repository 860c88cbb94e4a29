/*
 * Internal to the provisioning engine: the state shared by the steps of
 * one table, the table, TTL and seed steps, and how they run concurrently.
 *
 * A table's steps up to TTL run on one worker thread with that thread's
 * client (provision_table_steps). Its seeds then run on the thread that
 * drives the connection pool (provision_seed_start), several at a time.
 */
#ifndef SCHEMAREG_PROVISION_STEPS_H
#define SCHEMAREG_PROVISION_STEPS_H

#include "capsule.h"
#include "catalog.h"
#include "checkpoint.h"
#include "ddb_client.h"
#include "ddb_multi.h"
#include "provision.h"
#include "seed_pack.h"
#include "step_report.h"

struct provision_job {
    struct ddb_client *client; /* of the worker thread running the table steps */
    const char *capsule;
    const struct catalog_provider *provider;
    const struct catalog_table *table;
    char physical_name[CAPSULE_TABLE_NAME_SIZE];
    struct checkpoint_store *store;
    struct step_report *report;
    const struct provision_options *options;
    unsigned long long order;  /* summary position of the table's first step */

    int result;                /* table steps: 0 done, 1 index in progress, -1 failed */
    int table_created;         /* this run created the table, so its TTL is off */
    int seeds_ready;           /* the table is ACTIVE: its seeds may be written */
    size_t next_seed;          /* index in provider->seeds to look from */
    int seeds_failed;          /* a seed step failed (reported) */
    /* Seed state of the thread that drives the connection pool: */
    size_t seeds_pending;      /* seeds started whose step is not over */
    struct seed_batch *batch;  /* seeds in place, waiting for their checkpoint */
    const struct seed_pack *pack; /* the table's seed items */
    struct seed_pack_cursor items; /* the pack, inflated while its seeds start */
    struct provision_job *next_ready; /* in the engine's queue of seeds to write */
};

struct seed_batch;

/* Called once per seed started with provision_seed_start, when it no
 * longer takes a write slot: when its step is over, or, for the seed that
 * completes a batch, once the batch's checkpoint is written. failed is
 * nonzero when a seed step failed (reported). */
typedef void provision_seed_done_fn(struct provision_job *job, int failed, void *user);

/* Adds a report entry for the job's table. */
void provision_report(struct provision_job *job, enum step_kind kind, enum step_outcome outcome,
                      const char *name, const char *step, const char *message);

/* provision_report at position (1 + the seed's index) in the table's part
 * of the summary, so seeds are listed in declaration order. */
void provision_report_seed(struct provision_job *job, size_t seed_index,
                           enum step_outcome outcome, const char *name, const char *step,
                           const char *message);

/* Brings the job's table to its declared state up to TTL, with
 * job->client. Returns 0 done, 1 an index is in progress, -1 failed
 * (reported); sets job->seeds_ready when the seeds may be written. */
int provision_table_steps(struct provision_job *job);

/* Records step done (or in progress) and reports a failure to do so.
 * Returns 0 when recorded (by this run or another), -1 on failure. */
int provision_record(struct provision_job *job, enum step_kind kind, const char *name,
                     const char *step, int in_progress, const char *detail);

/* Enables the declared TTL. Returns 0, or -1 when the step failed or
 * drifted (already reported). */
int provision_ttl_step(struct provision_job *job);

/* Returns the index in job->provider->seeds of the first seed of the
 * job's table at or after from, or seeds_count when there is none. */
size_t provision_seed_next(const struct provision_job *job, size_t from);

/*
 * Starts the step of seed index of the job's provider: skipped when a
 * checkpoint records it, otherwise a conditional PutItem through multi.
 * Seeds in place join the table's batch. Its checkpoint, one PutItem for
 * up to CHECKPOINT_BATCH_MAX_SEEDS seeds, is written once the batch is
 * full or the table has no seed left to start or in flight. Each seed is
 * reported when its batch is recorded. Calls done exactly once, from
 * this call or later from ddb_multi_perform. Call it, and everything
 * below, on the thread that drives multi; job->next_seed must already be
 * past index.
 */
void provision_seed_start(struct provision_job *job, size_t index, struct ddb_multi *multi,
                          provision_seed_done_fn *done, void *user);

/* Frees the job's inflated seed items, and reports the seeds of a batch
 * whose checkpoint was never sent (the pool stopped) as failed. */
void provision_seed_abandon(struct provision_job *job);

#endif
