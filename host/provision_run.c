/* The provisioning engine's run: capsules, table workers and the seed pump. */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capsule.h"
#include "checkpoint.h"
#include "ddb_multi.h"
#include "log.h"
#include "provision.h"
#include "provision_steps.h"
#include "seed_pack.h"

/* How long the seed pump waits for the pool when nothing happens; workers
 * wake it up sooner when a table's seeds are ready. */
#define PUMP_WAIT_MS 1000
/* A table worker's stack: its deepest path (a step's message buffers,
 * libcurl and OpenSSL below them) uses a few tens of KiB, so the default
 * 8 MiB per thread would only reserve address space. */
#define WORKER_STACK_SIZE (512 * 1024)

struct engine {
    struct ddb_multi *multi;
    struct provision_job *jobs; /* capsule, service-id and declaration order */
    size_t jobs_count;
    struct seed_pack *packs;    /* per table of every provider, in provider order */
    size_t seed_limit;

    pthread_mutex_t lock;       /* guards the fields below */
    pthread_cond_t changed;
    size_t next_job;            /* the next table a worker takes */
    size_t tables_running;
    size_t table_limit;         /* lowered after LimitExceededException */
    size_t workers_running;
    struct provision_job *ready_head; /* tables whose seeds are to be written */
    struct provision_job *ready_tail;
    size_t seeds_in_flight;
    int trim_due;               /* a table's seeds have all started since the last trim */
};

struct worker {
    struct engine *engine;
    struct ddb_client *client;
    pthread_t thread;
};

static int state_table_collides(const char *capsule, const struct catalog_provider *const *providers,
                                size_t count, const char *state_table, char *err, size_t err_len)
{
    for (size_t i = 0; i < count; i++) {
        for (size_t j = 0; j < providers[i]->tables_count; j++) {
            char name[CAPSULE_TABLE_NAME_SIZE];

            if (capsule_table_name(capsule, providers[i]->tables[j].name, name, sizeof(name)) != 0) {
                snprintf(err, err_len, "table name %s-%s is longer than 255 characters",
                         capsule, providers[i]->tables[j].name);
                return 1;
            }
            if (strcmp(name, state_table) == 0) {
                snprintf(err, err_len,
                         "table %s of service %s has the name of the state table; "
                         "choose another --state-table", name, providers[i]->service_id);
                return 1;
            }
        }
    }
    return 0;
}

/* Checks the capsule and reads its checkpoints into store. Returns 0, or
 * -1 with result->err set (store freed). */
static int open_capsule(struct ddb_client *client, struct provision_capsule_result *result,
                        const struct catalog_provider *const *providers, size_t providers_count,
                        const struct provision_options *options, struct checkpoint_store *store)
{
    const char *state_table = options->state_table ? options->state_table
                                                   : CHECKPOINT_DEFAULT_TABLE;
    char *err = result->err;
    size_t err_len = sizeof(result->err);

    if (capsule_validate(result->capsule, err, err_len) != 0 ||
        state_table_collides(result->capsule, providers, providers_count, state_table, err,
                             err_len))
        return -1;
    if (checkpoint_store_init(store, client, state_table, result->capsule) != 0) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    store->compact_seeds = 1;
    if (checkpoint_ensure_table(store, options->wait_timeout_ms, err, err_len) != 0 ||
        checkpoint_load(store, err, err_len) != 0) {
        checkpoint_store_free(store);
        return -1;
    }
    log_info("capsule %s: %zu checkpoint(s) read from %s, run %s", result->capsule,
             checkpoint_count(store), state_table, store->run_id);
    return 0;
}

static size_t count_tables(const struct catalog_provider *const *providers, size_t count)
{
    size_t tables = 0;

    for (size_t i = 0; i < count; i++)
        tables += providers[i]->tables_count;
    return tables;
}

/* Gives the heap's free pages back to the system. A table's seeds leave
 * freed requests, responses and parsed items between the report's entries,
 * and glibc keeps such pages for reuse. Returning them once per table keeps
 * the peak memory of a large run flat. */
static void release_free_pages(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

/* Deflates the seed items of every table into packs, in provider and table
 * order, and releases the plain items. Returns 0, or -1 when memory runs
 * out (the items are then kept). */
static int pack_seeds(struct seed_pack *packs, const struct catalog_provider *const *providers,
                      size_t providers_count)
{
    size_t pack = 0;

    for (size_t i = 0; i < providers_count; i++) {
        for (size_t j = 0; j < providers[i]->tables_count; j++) {
            if (seed_pack_build(providers[i], providers[i]->tables[j].name, &packs[pack++]) != 0)
                return -1;
        }
    }
    /* The catalog is heap memory that the run may change, see
     * provision_capsules. */
    for (size_t i = 0; i < providers_count; i++)
        catalog_provider_release_items((struct catalog_provider *)providers[i]);
    /* Before the checkpoints are read, so their pages reuse these. */
    release_free_pages();
    return 0;
}

/* Appends the jobs of one capsule, each table's summary position after
 * the previous table's seeds. */
static void add_jobs(struct engine *engine, struct provision_capsule_result *result,
                     struct checkpoint_store *store,
                     const struct catalog_provider *const *providers, size_t providers_count,
                     const struct provision_options *options)
{
    unsigned long long order = 0;
    size_t pack = 0;

    for (size_t i = 0; i < providers_count; i++) {
        for (size_t j = 0; j < providers[i]->tables_count; j++) {
            struct provision_job *job = &engine->jobs[engine->jobs_count++];

            *job = (struct provision_job){
                .capsule = result->capsule,
                .provider = providers[i],
                .table = &providers[i]->tables[j],
                .store = store,
                .report = &result->report,
                .options = options,
                .order = order,
                .pack = &engine->packs[pack++],
            };
            capsule_table_name(result->capsule, job->table->name, job->physical_name,
                               sizeof(job->physical_name));
            order += 1 + providers[i]->seeds_count;
        }
    }
}

/* Takes the next table, waiting while table_limit tables run. Returns
 * NULL when every table is taken. Called with the lock held. */
static struct provision_job *take_job(struct engine *engine)
{
    while (engine->next_job < engine->jobs_count &&
           engine->tables_running >= engine->table_limit)
        pthread_cond_wait(&engine->changed, &engine->lock);
    if (engine->next_job >= engine->jobs_count)
        return NULL;
    engine->tables_running++;
    return &engine->jobs[engine->next_job++];
}

static void *run_worker(void *argument)
{
    struct worker *worker = argument;
    struct engine *engine = worker->engine;

    pthread_mutex_lock(&engine->lock);
    for (;;) {
        struct provision_job *job = take_job(engine);

        if (!job)
            break;
        pthread_mutex_unlock(&engine->lock);

        long limits_before = ddb_client_limit_exceeded(worker->client);
        job->client = worker->client;
        job->result = provision_table_steps(job);
        int limited = ddb_client_limit_exceeded(worker->client) > limits_before;

        pthread_mutex_lock(&engine->lock);
        engine->tables_running--;
        /* The account has too many control-plane operations running:
         * start fewer tables at once for the rest of the run. */
        if (limited && engine->table_limit > 1) {
            engine->table_limit--;
            log_info("LimitExceededException on %s: provisioning at most %zu table(s) at once",
                     job->physical_name, engine->table_limit);
        }
        if (job->seeds_ready) {
            if (engine->ready_tail)
                engine->ready_tail->next_ready = job;
            else
                engine->ready_head = job;
            engine->ready_tail = job;
        }
        pthread_cond_broadcast(&engine->changed);
        ddb_multi_wakeup(engine->multi);
    }
    engine->workers_running--;
    pthread_mutex_unlock(&engine->lock);
    ddb_multi_wakeup(engine->multi);
    return NULL;
}

static void seed_done(struct provision_job *job, int failed, void *user)
{
    struct engine *engine = user;

    pthread_mutex_lock(&engine->lock);
    engine->seeds_in_flight--;
    if (failed)
        job->seeds_failed = 1;
    pthread_mutex_unlock(&engine->lock);
}

/* Returns the next seed to start, removing tables without seeds left from
 * the queue, or NULL. Called with the lock held. */
static struct provision_job *next_seed(struct engine *engine, size_t *index)
{
    while (engine->ready_head) {
        struct provision_job *job = engine->ready_head;

        *index = provision_seed_next(job, job->next_seed);
        if (*index < job->provider->seeds_count) {
            job->next_seed = *index + 1;
            return job;
        }
        engine->ready_head = job->next_ready;
        if (!engine->ready_head)
            engine->ready_tail = NULL;
        engine->trim_due = 1;
    }
    return NULL;
}

/* Returns whether a table's seeds have all started since the last trim,
 * and clears the mark. Called with the lock held. */
static int take_trim_due(struct engine *engine)
{
    int due = engine->trim_due;

    engine->trim_due = 0;
    return due;
}

/* Writes seeds as tables become ready, seed_limit at once, until every
 * worker ended and every seed is done. Runs on the thread that owns the
 * pool. Returns 0, or -1 when the pool failed. */
static int pump_seeds(struct engine *engine)
{
    pthread_mutex_lock(&engine->lock);
    for (;;) {
        struct provision_job *job;
        size_t index;

        while (engine->seeds_in_flight < engine->seed_limit &&
               (job = next_seed(engine, &index)) != NULL) {
            int trim = take_trim_due(engine);

            engine->seeds_in_flight++;
            /* seed_done may run at once and takes the lock. Seeds that
             * end at once (done by a checkpoint) keep this loop going
             * through whole tables, so it trims here too. */
            pthread_mutex_unlock(&engine->lock);
            if (trim)
                release_free_pages();
            provision_seed_start(job, index, engine->multi, seed_done, engine);
            pthread_mutex_lock(&engine->lock);
        }
        if (engine->workers_running == 0 && !engine->ready_head &&
            engine->seeds_in_flight == 0)
            break;
        int trim = take_trim_due(engine);
        pthread_mutex_unlock(&engine->lock);

        if (trim)
            release_free_pages();
        if (ddb_multi_perform(engine->multi, PUMP_WAIT_MS) != 0)
            return -1;
        pthread_mutex_lock(&engine->lock);
    }
    pthread_mutex_unlock(&engine->lock);
    return 0;
}

/* Starts up to count workers, each with a clone of client. Returns how
 * many started. */
static size_t start_workers(struct engine *engine, struct ddb_client *client,
                            struct worker *workers, size_t count)
{
    size_t started = 0;
    pthread_attr_t attributes;

    if (pthread_attr_init(&attributes) != 0) {
        log_error("could not start the table workers: pthread_attr_init failed");
        return 0;
    }
    pthread_attr_setstacksize(&attributes, WORKER_STACK_SIZE);
    for (; started < count; started++) {
        struct worker *worker = &workers[started];
        char err[1024];

        worker->engine = engine;
        worker->client = ddb_client_clone(client, err, sizeof(err));
        if (!worker->client) {
            log_error("could not start table worker %zu: %s", started + 1, err);
            break;
        }
        pthread_mutex_lock(&engine->lock);
        engine->workers_running++;
        pthread_mutex_unlock(&engine->lock);
        if (pthread_create(&worker->thread, &attributes, run_worker, worker) != 0) {
            log_error("could not start table worker %zu: pthread_create failed", started + 1);
            pthread_mutex_lock(&engine->lock);
            engine->workers_running--;
            pthread_mutex_unlock(&engine->lock);
            ddb_client_free(worker->client);
            break;
        }
    }
    pthread_attr_destroy(&attributes);
    return started;
}

/* Runs every job: workers for the table steps, this thread for seeds.
 * Returns 0, or -1 when the run could not start or the pool failed; jobs
 * not run then keep result -1. */
static int run_jobs(struct engine *engine, struct ddb_client *client,
                    const struct provision_options *options)
{
    size_t workers_count = (size_t)(options->table_concurrency > 0
                                        ? options->table_concurrency
                                        : PROVISION_DEFAULT_TABLE_CONCURRENCY);
    struct worker *workers = NULL;
    char err[1024];
    int rc = -1;

    if (workers_count > engine->jobs_count)
        workers_count = engine->jobs_count;
    engine->table_limit = workers_count;
    engine->seed_limit = (size_t)(options->seed_concurrency > 0
                                      ? options->seed_concurrency
                                      : PROVISION_DEFAULT_SEED_CONCURRENCY);
    for (size_t i = 0; i < engine->jobs_count; i++)
        engine->jobs[i].result = -1;

    engine->multi = ddb_multi_new(client, (long)engine->seed_limit, err, sizeof(err));
    workers = calloc(workers_count + 1, sizeof(*workers));
    if (!engine->multi || !workers) {
        log_error("%s", engine->multi ? "out of memory starting the table workers" : err);
        goto cleanup;
    }

    size_t started = start_workers(engine, client, workers, workers_count);
    if (started == 0 && engine->jobs_count > 0)
        goto cleanup;
    /* Fewer workers than asked for still take every table. */
    pthread_mutex_lock(&engine->lock);
    engine->table_limit = started;
    pthread_mutex_unlock(&engine->lock);

    rc = pump_seeds(engine);
    for (size_t i = 0; i < started; i++) {
        pthread_join(workers[i].thread, NULL);
        ddb_client_free(workers[i].client);
    }

cleanup:
    /* Ends calls still pending after a pool failure, as failed seeds, and
     * then the batches whose checkpoint could not be sent. */
    ddb_multi_free(engine->multi);
    engine->multi = NULL;
    for (size_t i = 0; i < engine->jobs_count; i++)
        provision_seed_abandon(&engine->jobs[i]);
    free(workers);
    return rc;
}

static int combine(int overall, int code)
{
    if (overall == PROVISION_EXIT_FAILED || code == PROVISION_EXIT_FAILED)
        return PROVISION_EXIT_FAILED;
    if (overall == PROVISION_EXIT_IN_PROGRESS || code == PROVISION_EXIT_IN_PROGRESS)
        return PROVISION_EXIT_IN_PROGRESS;
    return PROVISION_EXIT_DONE;
}

static int job_exit_code(const struct provision_job *job)
{
    if (job->result < 0 || job->seeds_failed)
        return PROVISION_EXIT_FAILED;
    return job->result > 0 ? PROVISION_EXIT_IN_PROGRESS : PROVISION_EXIT_DONE;
}

int provision_capsules(struct ddb_client *client, struct provision_capsule_result *results,
                       size_t results_count, const struct catalog_provider *const *providers,
                       size_t providers_count, const struct provision_options *options)
{
    size_t tables = count_tables(providers, providers_count);
    struct checkpoint_store *stores = calloc(results_count + 1, sizeof(*stores));
    int *opened = calloc(results_count + 1, sizeof(*opened));
    struct engine engine = {0};
    int overall = PROVISION_EXIT_DONE;

    pthread_mutex_init(&engine.lock, NULL);
    pthread_cond_init(&engine.changed, NULL);
    engine.jobs = calloc(results_count * tables + 1, sizeof(*engine.jobs));
    engine.packs = calloc(tables + 1, sizeof(*engine.packs));
    if (!stores || !opened || !engine.jobs || !engine.packs ||
        pack_seeds(engine.packs, providers, providers_count) != 0) {
        for (size_t i = 0; i < results_count; i++) {
            snprintf(results[i].err, sizeof(results[i].err), "out of memory");
            results[i].exit_code = PROVISION_EXIT_FAILED;
        }
        overall = PROVISION_EXIT_FAILED;
        goto cleanup;
    }

    for (size_t i = 0; i < results_count; i++) {
        results[i].err[0] = '\0';
        results[i].exit_code = PROVISION_EXIT_DONE;
        if (open_capsule(client, &results[i], providers, providers_count, options,
                         &stores[i]) != 0) {
            results[i].exit_code = PROVISION_EXIT_FAILED;
            continue;
        }
        opened[i] = 1;
        add_jobs(&engine, &results[i], &stores[i], providers, providers_count, options);
    }

    /* Give back the pages freed after reading the checkpoints. */
    release_free_pages();

    if (engine.jobs_count > 0 && run_jobs(&engine, client, options) != 0) {
        for (size_t i = 0; i < results_count; i++) {
            if (!opened[i])
                continue;
            snprintf(results[i].err, sizeof(results[i].err),
                     "the run stopped early: the table workers or the connection pool "
                     "could not run (see the log); run again");
            results[i].exit_code = PROVISION_EXIT_FAILED;
        }
    }

    for (size_t i = 0; i < results_count; i++) {
        for (size_t j = 0; j < engine.jobs_count; j++) {
            if (engine.jobs[j].report == &results[i].report)
                results[i].exit_code = combine(results[i].exit_code,
                                               job_exit_code(&engine.jobs[j]));
        }
    }
    for (size_t i = 0; i < results_count; i++) {
        step_report_sort(&results[i].report);
        overall = combine(overall, results[i].exit_code);
    }

cleanup:
    for (size_t i = 0; opened && i < results_count; i++) {
        if (opened[i])
            checkpoint_store_free(&stores[i]);
    }
    free(engine.jobs);
    for (size_t i = 0; engine.packs && i < tables; i++)
        seed_pack_free(&engine.packs[i]);
    free(engine.packs);
    free(stores);
    free(opened);
    pthread_cond_destroy(&engine.changed);
    pthread_mutex_destroy(&engine.lock);
    return overall;
}
