#include "ddb_multi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "ddb_client_internal.h"
#include "ddb_error.h"
#include "log.h"
#include "retry.h"

/* One call, from submission to its callback. */
struct call {
    struct ddb_multi *multi;
    const char *operation;
    char *body;
    size_t body_len;
    struct ddb_request request; /* headers of the attempt in flight */
    struct http_response http;
    struct ddb_retry_state retry;
    struct ddb_error error;
    CURL *curl;         /* while an attempt is in flight */
    long long due_ms;   /* while waiting: when the next attempt starts */
    ddb_multi_done_fn *done;
    void *user;
    struct call *next;  /* in multi->waiting */
    struct call *all_prev; /* in multi->all */
    struct call *all_next;
};

struct ddb_multi {
    struct ddb_client *client;
    CURLM *curlm;
    struct http_client_options http_options;
    long max_connections;
    CURL **idle;        /* configured easy handles kept for reuse */
    size_t idle_count;
    struct call *waiting;
    struct call *all;   /* every pending call, waiting or in flight */
    int closing;        /* ddb_multi_free runs: no more submissions */
    size_t pending;
    long connections;
};

struct ddb_multi *ddb_multi_new(struct ddb_client *client, long max_connections,
                                char *err, size_t err_len)
{
    struct ddb_multi *multi = calloc(1, sizeof(*multi));

    if (!multi || max_connections < 1) {
        snprintf(err, err_len, max_connections < 1 ? "the connection pool needs at least "
                 "one connection" : "out of memory creating the connection pool");
        free(multi);
        return NULL;
    }
    multi->client = client;
    multi->max_connections = max_connections;
    ddb_client_http_options(client, &multi->http_options);
    multi->idle = calloc((size_t)max_connections, sizeof(*multi->idle));
    multi->curlm = curl_multi_init();
    if (!multi->idle || !multi->curlm) {
        snprintf(err, err_len, "out of memory creating the connection pool");
        ddb_multi_free(multi);
        return NULL;
    }
    /* At most max_connections at once, all kept open between calls;
     * transfers beyond that wait inside libcurl for a free connection. */
    curl_multi_setopt(multi->curlm, CURLMOPT_MAX_TOTAL_CONNECTIONS, max_connections);
    curl_multi_setopt(multi->curlm, CURLMOPT_MAXCONNECTS, max_connections);
    return multi;
}

static void call_free(struct call *call)
{
    ddb_request_free(&call->request);
    http_response_free(&call->http);
    free(call->body);
    free(call);
}

static void complete(struct call *call, int rc, json_t *response);

void ddb_multi_free(struct ddb_multi *multi)
{
    if (!multi)
        return;

    /* Calls still pending end with an error, so their owners free what
     * they hold; their callbacks cannot submit more. */
    multi->closing = 1;
    multi->waiting = NULL;
    while (multi->all) {
        struct call *call = multi->all;

        if (call->curl) {
            curl_multi_remove_handle(multi->curlm, call->curl);
            curl_easy_cleanup(call->curl);
            call->curl = NULL;
        }
        ddb_error_set(&call->error, DDB_ERROR_CLIENT, "%s: cancelled before it completed",
                      call->operation);
        complete(call, -1, NULL);
    }
    for (size_t i = 0; i < multi->idle_count; i++)
        curl_easy_cleanup(multi->idle[i]);
    free(multi->idle);
    if (multi->curlm)
        curl_multi_cleanup(multi->curlm);
    free(multi);
}

size_t ddb_multi_pending(const struct ddb_multi *multi)
{
    return multi->pending;
}

long ddb_multi_connections(const struct ddb_multi *multi)
{
    return multi->connections;
}

void ddb_multi_wakeup(struct ddb_multi *multi)
{
    curl_multi_wakeup(multi->curlm);
}

int ddb_multi_submit(struct ddb_multi *multi, const char *operation, const json_t *request,
                     long delay_ms, ddb_multi_done_fn *done, void *user,
                     struct ddb_error *error)
{
    struct call *call = multi->closing ? NULL : calloc(1, sizeof(*call));

    ddb_error_clear(error);
    if (multi->closing) {
        ddb_error_set(error, DDB_ERROR_CLIENT, "%s: the connection pool is closing", operation);
        return -1;
    }
    if (!call) {
        ddb_error_set(error, DDB_ERROR_CLIENT, "%s: out of memory", operation);
        return -1;
    }
    call->body = json_dumps(request, JSON_COMPACT);
    if (!call->body) {
        ddb_error_set(error, DDB_ERROR_CLIENT, "%s: could not encode the request as JSON",
                      operation);
        free(call);
        return -1;
    }
    call->multi = multi;
    call->operation = operation;
    call->body_len = strlen(call->body);
    call->done = done;
    call->user = user;
    call->due_ms = retry_now_ms() + (delay_ms > 0 ? delay_ms : 0);
    http_response_init(&call->http);
    ddb_retry_state_init(multi->client, NULL, &call->retry);
    log_trace("%s request: %s", operation, call->body);

    call->next = multi->waiting;
    multi->waiting = call;
    call->all_next = multi->all;
    if (multi->all)
        multi->all->all_prev = call;
    multi->all = call;
    multi->pending++;
    return 0;
}

static void complete(struct call *call, int rc, json_t *response)
{
    struct ddb_multi *multi = call->multi;

    if (rc == 0) {
        ddb_client_call_succeeded(multi->client, &call->retry);
        log_trace("%s response: %s", call->operation, call->http.body);
    } else {
        call->error.maybe_applied = call->retry.maybe_applied;
        log_debug("%s failed after %d attempt(s): %s%s%s", call->operation,
                  call->error.attempts, call->error.type,
                  call->error.type[0] != '\0' ? ": " : "", call->error.message);
    }
    multi->pending--;
    if (call->all_prev)
        call->all_prev->all_next = call->all_next;
    else
        multi->all = call->all_next;
    if (call->all_next)
        call->all_next->all_prev = call->all_prev;
    call->done(call->user, rc, response, &call->error);
    call_free(call);
}

static CURL *take_handle(struct ddb_multi *multi)
{
    if (multi->idle_count > 0)
        return multi->idle[--multi->idle_count];

    CURL *curl = curl_easy_init();
    if (curl && http_easy_configure(curl, &multi->http_options) != 0) {
        curl_easy_cleanup(curl);
        curl = NULL;
    }
    return curl;
}

static void return_handle(struct ddb_multi *multi, CURL *curl)
{
    if ((long)multi->idle_count < multi->max_connections)
        multi->idle[multi->idle_count++] = curl;
    else
        curl_easy_cleanup(curl);
}

/* Signs and starts the next attempt, or completes the call when that
 * fails. */
static void start_attempt(struct call *call)
{
    struct ddb_multi *multi = call->multi;
    const char *url = ddb_client_url(multi->client);

    call->error.attempts++;
    ddb_request_free(&call->request);
    if (ddb_client_sign(multi->client, call->operation, call->body, call->body_len,
                        &call->request, &call->error) != 0) {
        complete(call, -1, NULL);
        return;
    }

    call->curl = take_handle(multi);
    if (!call->curl) {
        ddb_error_set(&call->error, DDB_ERROR_CLIENT, "%s %s: curl_easy_init failed",
                      call->operation, url);
        complete(call, -1, NULL);
        return;
    }
    http_easy_prepare_post(call->curl, url, call->request.headers, call->body, call->body_len,
                           &call->http);
    curl_easy_setopt(call->curl, CURLOPT_PRIVATE, call);

    CURLMcode code = curl_multi_add_handle(multi->curlm, call->curl);
    if (code != CURLM_OK) {
        ddb_error_set(&call->error, DDB_ERROR_CLIENT, "%s %s: curl_multi_add_handle failed: %s",
                      call->operation, url, curl_multi_strerror(code));
        return_handle(multi, call->curl);
        call->curl = NULL;
        complete(call, -1, NULL);
    }
}

/* Unlinks the waiting calls that are due at now. */
static struct call *take_due(struct ddb_multi *multi, long long now)
{
    struct call *due = NULL;
    struct call **link = &multi->waiting;

    while (*link) {
        struct call *call = *link;

        if (call->due_ms > now) {
            link = &call->next;
            continue;
        }
        *link = call->next;
        call->next = due;
        due = call;
    }
    return due;
}

/* Starts every waiting call that is due, including those that callbacks
 * submit meanwhile. Returns the milliseconds until the next one is due,
 * or -1 when none waits. */
static long start_due(struct ddb_multi *multi)
{
    long long now = retry_now_ms();
    struct call *due;

    while ((due = take_due(multi, now)) != NULL) {
        while (due) {
            struct call *call = due;

            due = call->next;
            call->next = NULL;
            start_attempt(call);
        }
    }

    long next = -1;
    for (struct call *call = multi->waiting; call; call = call->next) {
        if (next < 0 || call->due_ms - now < next)
            next = (long)(call->due_ms - now);
    }
    return next;
}

/* Reads the outcome of the finished attempt of call, then completes the
 * call or schedules its retry. */
static void finish_attempt(struct call *call, CURLcode result)
{
    struct ddb_multi *multi = call->multi;
    json_t *response = NULL;

    curl_multi_remove_handle(multi->curlm, call->curl);
    int transfer_rc = http_easy_finish_post(call->curl, result, &call->http,
                                            &multi->connections);
    return_handle(multi, call->curl);
    call->curl = NULL;
    ddb_request_free(&call->request);

    if (ddb_client_read_response(multi->client, call->operation, transfer_rc, &call->http,
                                 &response, &call->error) == 0) {
        complete(call, 0, response);
        return;
    }

    long delay_ms = ddb_client_retry_delay(multi->client, call->operation, &call->http,
                                           &call->error, &call->retry);
    if (delay_ms < 0) {
        complete(call, -1, NULL);
        return;
    }
    /* The next attempt fills the error afresh; its count stays. */
    int attempts = call->error.attempts;
    ddb_error_clear(&call->error);
    call->error.attempts = attempts;
    call->due_ms = retry_now_ms() + delay_ms;
    call->next = multi->waiting;
    multi->waiting = call;
}

/* Completes every call whose transfer ended. Returns how many ended. */
static size_t finish_ended(struct ddb_multi *multi)
{
    size_t ended = 0;
    int queued;
    CURLMsg *message;

    while ((message = curl_multi_info_read(multi->curlm, &queued)) != NULL) {
        struct call *call = NULL;

        if (message->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, (char **)&call);
        finish_attempt(call, message->data.result);
        ended++;
    }
    return ended;
}

static int pool_failed(CURLMcode code)
{
    if (code == CURLM_OK)
        return 0;
    log_error("the connection pool failed: %s", curl_multi_strerror(code));
    return 1;
}

int ddb_multi_perform(struct ddb_multi *multi, long timeout_ms)
{
    int running = 0;
    long next_due = start_due(multi);

    if (next_due >= 0 && next_due < timeout_ms)
        timeout_ms = next_due;

    /* Against a fast server a transfer can end within this first step.
     * Its call completes now, without a wait. curl_multi_poll waits only
     * for sockets and wakeups, not for ended transfers whose message is
     * queued (seen with libcurl 7.88.1), so waiting first would leave the
     * caller's freed slots idle until the timeout. */
    if (pool_failed(curl_multi_perform(multi->curlm, &running)))
        return -1;
    if (finish_ended(multi) == 0) {
        if (pool_failed(curl_multi_poll(multi->curlm, NULL, 0, (int)timeout_ms, NULL)) ||
            pool_failed(curl_multi_perform(multi->curlm, &running)))
            return -1;
        finish_ended(multi);
    }
    start_due(multi);
    return 0;
}
