#include "provision_call.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

/* How long CreateTable, UpdateTable and UpdateTimeToLive keep retrying
 * LimitExceededException (too many control-plane operations at once in
 * the account) before the step fails. */
#define LIMIT_EXCEEDED_DEADLINE_MS (15L * 60 * 1000)

static long kill_after_requests; /* 0: disabled */
static pthread_once_t kill_hook_once = PTHREAD_ONCE_INIT;
static atomic_long calls_made;

static void read_kill_hook(void)
{
    const char *value = getenv("SCHEMAREG_TEST_KILL_AFTER_REQUESTS");
    char *end = NULL;
    long parsed = value && *value ? strtol(value, &end, 10) : 0;

    kill_after_requests = (end && *end == '\0' && parsed > 0) ? parsed : 0;
}

void provision_call_completed(void)
{
    long calls = atomic_fetch_add(&calls_made, 1) + 1;

    pthread_once(&kill_hook_once, read_kill_hook);
    if (kill_after_requests == 0)
        return;
    if (calls == kill_after_requests) {
        log_warn("SCHEMAREG_TEST_KILL_AFTER_REQUESTS=%ld reached, raising SIGKILL",
                 kill_after_requests);
        fflush(stdout);
        raise(SIGKILL);
    }
}

int provision_call(struct ddb_client *client, const char *operation,
                   const json_t *request, json_t **response, struct ddb_error *error)
{
    return provision_call_until(client, operation, request, 0, response, error);
}

int provision_call_until(struct ddb_client *client, const char *operation,
                         const json_t *request, int64_t deadline_ms, json_t **response,
                         struct ddb_error *error)
{
    json_t *table = json_object_get(request, "TableName");

    int control_plane = strcmp(operation, "CreateTable") == 0 ||
                        strcmp(operation, "UpdateTable") == 0 ||
                        strcmp(operation, "UpdateTimeToLive") == 0;
    struct ddb_call_options options = {
        .limit_exceeded_deadline_ms = control_plane ? LIMIT_EXCEEDED_DEADLINE_MS : 0,
        .deadline_ms = deadline_ms,
    };

    log_debug("DynamoDB %s %s", operation, table ? json_string_value(table) : "");
    memset(error, 0, sizeof(*error));
    int rc = ddb_call_with(client, operation, request, &options, response, error);

    provision_call_completed();
    return rc;
}

long provision_call_count(void)
{
    return atomic_load(&calls_made);
}

int provision_error_is(const struct ddb_error *error, const char *type)
{
    return error->kind == DDB_ERROR_SERVICE && strcmp(error->type, type) == 0;
}

void provision_error_text(const struct ddb_error *error, char *out, size_t out_len)
{
    if (error->kind == DDB_ERROR_SERVICE && error->type[0])
        snprintf(out, out_len, "%s: %s", error->type, error->message);
    else if (error->kind == DDB_ERROR_HTTP)
        snprintf(out, out_len, "HTTP %ld: %s", error->http_status, error->message);
    else
        snprintf(out, out_len, "%s", error->message[0] ? error->message : "request failed");
}

int64_t provision_now_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void provision_sleep_ms(int64_t ms)
{
    struct timespec delay = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};

    while (ms > 0 && nanosleep(&delay, &delay) != 0 && errno == EINTR)
        continue;
}
