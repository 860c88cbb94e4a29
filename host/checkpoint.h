/*
 * Checkpoints: the record of completed provisioning steps, kept in a
 * DynamoDB table of the host's own.
 *
 * State table (default name CHECKPOINT_DEFAULT_TABLE, PAY_PER_REQUEST):
 *   capsule (S, HASH)   capsule code, e.g. "acme"
 *   step    (S, RANGE)  step id of the record:
 *       table#{service}#{table}              table exists and is ACTIVE
 *       gsi#{service}#{table}#{index}        index is ACTIVE (or being built)
 *       ttl#{service}#{table}                TTL is enabled on the declared attribute
 *       seeds#{service}#{table}#{run_id}#{n} a batch of seeds written or found
 *   status (S)        "done", or "in_progress" for an index still being built
 *   table_name (S)    physical table the step belongs to, e.g. "acme-billing"
 *   run_id (S)        random id of the run that wrote the record
 *   owner (S)         "hostname:pid" of that run
 *   recorded_at (S)   UTC time, ISO 8601
 *   detail (S)        optional human-readable note
 *   seeds (S)         batch records only: a JSON object as text that maps
 *                     the step id seed#{service}#{table}#{sha256} (sha256
 *                     of the seed's key) of each seed of the batch to the
 *                     key as text, e.g. {"seed#billing#plans#0fac...":
 *                     "plan_id=free"}
 *
 * Reading expands each batch into one record per seed, so a seed's step
 * is looked up like any other. A single seed#... item (one seed per
 * record) is read too.
 *
 * A "done" record is written only when none exists or the existing one is
 * "in_progress" (a conditional PutItem), so two hosts never overwrite each
 * other's completed steps. Records are deleted only when their table is
 * found missing, so the steps of a recreated table run again.
 */
#ifndef SCHEMAREG_CHECKPOINT_H
#define SCHEMAREG_CHECKPOINT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "checkpoint_seed_set.h"
#include "ddb_client.h"
#include "string_pool.h"

#define CHECKPOINT_DEFAULT_TABLE "schemareg-state"
#define CHECKPOINT_STEP_SIZE 512
/* Maximum seeds per batch record. 100 seed step ids and keys of up to 512
 * bytes each stay far below DynamoDB's item size limit of 400 KB. */
#define CHECKPOINT_BATCH_MAX_SEEDS 100

/* One recorded step. The strings belong to the store's pool. */
struct checkpoint_record {
    const char *step;
    const char *status; /* "done" or "in_progress" */
    const char *table_name;
    const char *run_id;
    const char *owner;
    const char *recorded_at;
    const char *detail;    /* may be NULL */
    const char *key;       /* a seed's key as text, e.g. "plan_id=free"; may be NULL */
    const char *item_step; /* step of the item that holds the record: step itself, or
                              the seeds#... batch a seed belongs to */
};

/* One seed of a batch record. */
struct checkpoint_seed {
    const char *step; /* seed#{service}#{table}#{sha256} */
    const char *key;  /* the key as text */
};

/* The records of one capsule, plus what a run needs to write more. The
 * functions below are thread-safe unless noted; records is read directly
 * only while no other thread uses the store. */
struct checkpoint_store {
    struct ddb_client *client; /* borrowed; used by ensure_table and load */
    char *state_table;
    char *capsule;
    char run_id[33];
    char owner[300];
    struct checkpoint_record *records;
    size_t records_count;
    size_t records_capacity;
    int table_exists; /* the state table was found (or created) */
    size_t *slots;    /* hash index of records by step: index + 1, 0 when empty */
    size_t slots_count; /* a power of two, at least twice records_count */
    unsigned long batches_started; /* numbers this run's batch records */
    struct string_pool strings;    /* the records' strings */
    /* Set before checkpoint_load by a run that only asks whether each seed
     * is done (provision, plan): a batch item then reads as one record of
     * its own step plus its seeds in seeds, not as one record per seed. */
    int compact_seeds;
    struct checkpoint_seed_set seeds;
    pthread_mutex_t lock; /* guards records, slots, batches_started, strings and seeds */
};

/* Prepares store for capsule. Returns 0, or -1 when memory runs out. */
int checkpoint_store_init(struct checkpoint_store *store, struct ddb_client *client,
                          const char *state_table, const char *capsule);
void checkpoint_store_free(struct checkpoint_store *store);

/* Creates the state table unless it exists and waits until it is ACTIVE.
 * Safe to call from several hosts at once. Returns 0 or -1 with err. */
int checkpoint_ensure_table(struct checkpoint_store *store, int64_t timeout_ms,
                            char *err, size_t err_len);

/* Reads every record of the capsule (strongly consistent Query, all
 * pages). A missing state table reads as no records and leaves
 * table_exists 0. Returns 0 or -1 with err, which names the state table;
 * a LastEvaluatedKey that comes back, or more than ten thousand pages,
 * is such an error, so a broken endpoint cannot keep the read going. */
int checkpoint_load(struct checkpoint_store *store, char *err, size_t err_len);

/* Returns the record for step, or NULL (for a seed of a compact store
 * too). Not thread-safe: the record can move when another thread records
 * a step. */
const struct checkpoint_record *checkpoint_find(const struct checkpoint_store *store,
                                                const char *step);

/* Number of steps read or recorded: records and compact seeds. */
size_t checkpoint_count(const struct checkpoint_store *store);

/* Returns nonzero when step is recorded, done or in progress. */
int checkpoint_exists(const struct checkpoint_store *store, const char *step);

/* Returns nonzero when step is recorded as done. */
int checkpoint_is_done(const struct checkpoint_store *store, const char *step);

/*
 * Records step as "done" (or "in_progress" when in_progress is nonzero)
 * with client. Returns 0 when recorded, 1 when another run had already
 * recorded it done (the record is left as it is), or -1 with err.
 */
int checkpoint_record(struct checkpoint_store *store, struct ddb_client *client,
                      const char *step, const char *table_name, int in_progress,
                      const char *detail, char *err, size_t err_len);

/* checkpoint_record in two halves, for a caller that sends the request
 * itself: checkpoint_record_request returns the conditional PutItem
 * request (caller owns it) or NULL when memory runs out, and
 * checkpoint_record_finish takes the call's outcome (rc and error as
 * ddb_call returns them) and returns what checkpoint_record returns. */
json_t *checkpoint_record_request(struct checkpoint_store *store, const char *step,
                                  const char *table_name, int in_progress, const char *detail);
int checkpoint_record_finish(struct checkpoint_store *store, const json_t *request, int rc,
                             const struct ddb_error *error, char *err, size_t err_len);

/*
 * Records seeds (at most CHECKPOINT_BATCH_MAX_SEEDS) of table_name as done
 * in one item, in two halves like checkpoint_record_request: service and
 * table name the batch's step id. The request is conditional on the step
 * not existing, and the step is new for each batch. So a
 * ConditionalCheckFailedException means that an earlier attempt of this
 * very request succeeded, and checkpoint_batch_finish returns 0. The seeds
 * are not added to the store's records: a run looks each seed up once,
 * before writing it, so keeping 10,000 recorded seeds in memory would
 * serve no lookup.
 */
json_t *checkpoint_batch_request(struct checkpoint_store *store, const char *service,
                                 const char *table, const char *table_name,
                                 const struct checkpoint_seed *seeds, size_t count);
int checkpoint_batch_finish(struct checkpoint_store *store, const json_t *request, int rc,
                            const struct ddb_error *error, char *err, size_t err_len);

/* Deletes every record of table_name with client, e.g. after the table
 * was found deleted, so its steps run again. A batch item is deleted
 * with all its seeds. Returns the number of records forgotten or -1. */
int checkpoint_discard_table(struct checkpoint_store *store, struct ddb_client *client,
                             const char *table_name, char *err, size_t err_len);

/* Step ids, written into out (CHECKPOINT_STEP_SIZE bytes). */
void checkpoint_step_table(char *out, const char *service, const char *table);
void checkpoint_step_gsi(char *out, const char *service, const char *table, const char *index);
void checkpoint_step_ttl(char *out, const char *service, const char *table);
void checkpoint_step_seed(char *out, const char *service, const char *table,
                          const char *key_digest);

#endif
