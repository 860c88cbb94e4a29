/*
 * Concurrent DynamoDB calls over one libcurl multi handle, whose
 * connection cache keeps a pool of kept-alive connections.
 *
 * Each call is signed when its attempt starts, retried in the standard
 * mode of its client (ddb_client.h) without blocking the other calls, since
 * a retry waits on a timer, and completed by a callback. Everything runs on
 * the thread that calls ddb_multi_perform, except ddb_multi_wakeup.
 */
#ifndef SCHEMAREG_DDB_MULTI_H
#define SCHEMAREG_DDB_MULTI_H

#include <stddef.h>

#include <jansson.h>

#include "ddb_client.h"

struct ddb_multi;

/* Called once per call from ddb_multi_perform: rc 0 with response (owned
 * by the callback, may be kept), or -1 with error. The callback may
 * submit more calls. */
typedef void ddb_multi_done_fn(void *user, int rc, json_t *response,
                               const struct ddb_error *error);

/* Creates a multi handle that signs and retries with client, which it
 * borrows: client must outlive it and must not be used by another thread
 * meanwhile. max_connections bounds the connection pool. Returns NULL
 * with a message in err. */
struct ddb_multi *ddb_multi_new(struct ddb_client *client, long max_connections,
                                char *err, size_t err_len);
void ddb_multi_free(struct ddb_multi *multi);

/*
 * Queues a call of operation (a string literal or other storage that
 * outlives the call) with request as the JSON body, to start after
 * delay_ms. Returns 0, after which done is called exactly once from
 * ddb_multi_perform, or -1 with error filled when the request cannot be
 * encoded or memory runs out (done is not called).
 */
int ddb_multi_submit(struct ddb_multi *multi, const char *operation, const json_t *request,
                     long delay_ms, ddb_multi_done_fn *done, void *user,
                     struct ddb_error *error);

/* Starts the calls that are due, waits up to timeout_ms for network
 * activity, a due timer or ddb_multi_wakeup, and completes the calls
 * that ended, running their callbacks. Returns 0, or -1 when libcurl's
 * multi interface fails (logged). */
int ddb_multi_perform(struct ddb_multi *multi, long timeout_ms);

/* Number of calls submitted and not completed yet. */
size_t ddb_multi_pending(const struct ddb_multi *multi);

/* Makes a ddb_multi_perform that is waiting return early. Safe to call
 * from any thread. */
void ddb_multi_wakeup(struct ddb_multi *multi);

/* Number of connections opened so far. */
long ddb_multi_connections(const struct ddb_multi *multi);

#endif
