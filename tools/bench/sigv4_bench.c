/*
 * Counts schemareg SigV4 signatures per second for one request.
 *
 *   sigv4_bench [--seconds N] REQUEST.json
 *
 * REQUEST.json is tools/bench/sign_request.json: method, path, query,
 * headers, body, region, service, credentials and a fixed signing time. The
 * same signer signs the same request again and again, as a client does for
 * a stream of PutItem calls, so the derived signing key is reused as it is
 * in production (key_derivations in the output shows how often it was
 * derived). Prints the rate as one JSON object; never prints the signature.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "log.h"
#include "sigv4.h"

#define BATCH 256
#define MAX_HEADERS 16

struct sign_case {
    json_t *root; /* owns every string below */
    struct sigv4_credentials creds;
    struct sigv4_params params;
    struct sigv4_header headers[MAX_HEADERS];
    struct sigv4_request request;
};

static const char *string_field(json_t *object, const char *name)
{
    return json_string_value(json_object_get(object, name));
}

/* Loads path into c. Returns 0, or -1 after logging what is wrong. */
static int load_case(const char *path, struct sign_case *c)
{
    json_error_t json_error;
    c->root = json_load_file(path, 0, &json_error);
    if (c->root == NULL) {
        log_error("%s:%d: invalid JSON: %s", path, json_error.line, json_error.text);
        return -1;
    }

    json_t *headers = json_object_get(c->root, "headers");
    size_t count = json_array_size(headers);
    if (count == 0 || count > MAX_HEADERS) {
        log_error("%s: \"headers\" must list 1 to %d [name, value] pairs", path, MAX_HEADERS);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        json_t *pair = json_array_get(headers, i);
        c->headers[i].name = json_string_value(json_array_get(pair, 0));
        c->headers[i].value = json_string_value(json_array_get(pair, 1));
        if (c->headers[i].name == NULL || c->headers[i].value == NULL) {
            log_error("%s: header %zu is not a [name, value] pair of strings", path, i);
            return -1;
        }
    }

    const char *body = string_field(c->root, "body");
    c->creds.access_key_id = string_field(c->root, "access_key_id");
    c->creds.secret_access_key = string_field(c->root, "secret_access_key");
    c->params.region = string_field(c->root, "region");
    c->params.service = string_field(c->root, "service");
    c->params.time = (time_t)json_integer_value(json_object_get(c->root, "time"));
    c->request.method = string_field(c->root, "method");
    c->request.path = string_field(c->root, "path");
    c->request.query = string_field(c->root, "query");
    c->request.headers = c->headers;
    c->request.headers_count = count;
    c->request.body = body;
    c->request.body_len = body != NULL ? strlen(body) : 0;

    if (body == NULL || c->creds.access_key_id == NULL || c->creds.secret_access_key == NULL ||
        c->params.region == NULL || c->params.service == NULL || c->params.time <= 0 ||
        c->request.method == NULL || c->request.path == NULL) {
        log_error("%s: missing one of body, access_key_id, secret_access_key, region, "
                  "service, time, method, path",
                  path);
        return -1;
    }
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Signs c again and again for about `seconds`. Returns the number of
 * signatures and stores the time taken, or returns -1 on a signing error. */
static long sign_for(struct sigv4_signer *signer, const struct sign_case *c, double seconds,
                     double *elapsed)
{
    struct sigv4_signed_headers out;
    char err[256];
    long signatures = 0;
    double started = now_seconds();
    double deadline = started + seconds;

    do {
        for (int i = 0; i < BATCH; i++) {
            if (sigv4_sign_headers(signer, &c->creds, &c->params, &c->request, &out, err,
                                   sizeof(err)) != 0) {
                log_error("signing failed: %s", err);
                return -1;
            }
        }
        signatures += BATCH;
    } while (now_seconds() < deadline);

    *elapsed = now_seconds() - started;
    return signatures;
}

static int parse_seconds(const char *text, double *seconds)
{
    char *end;
    errno = 0;
    *seconds = strtod(text, &end);
    return errno == 0 && *end == '\0' && *seconds > 0 && *seconds <= 60 ? 0 : -1;
}

int main(int argc, char **argv)
{
    double seconds = 2.0;
    const char *path = NULL;
    struct sign_case c = {0};
    struct sigv4_signer *signer = NULL;
    int status = 1;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            if (parse_seconds(argv[++i], &seconds) != 0) {
                log_error("invalid --seconds '%s': expected a number from 0 to 60", argv[i]);
                return 2;
            }
        } else if (path == NULL && argv[i][0] != '-') {
            path = argv[i];
        } else {
            log_error("usage: sigv4_bench [--seconds N] REQUEST.json");
            return 2;
        }
    }
    if (path == NULL) {
        log_error("usage: sigv4_bench [--seconds N] REQUEST.json");
        return 2;
    }

    if (load_case(path, &c) != 0)
        goto cleanup;
    signer = sigv4_signer_new();
    if (signer == NULL) {
        log_error("out of memory creating the signer");
        goto cleanup;
    }

    double elapsed = 0;
    long signatures = sign_for(signer, &c, seconds, &elapsed);
    if (signatures < 0)
        goto cleanup;

    printf("{\"signer\": \"schemareg sigv4\", \"signatures\": %ld, \"seconds\": %.4f, "
           "\"per_second\": %.1f, \"key_derivations\": %lu}\n",
           signatures, elapsed, (double)signatures / elapsed,
           sigv4_signer_key_derivations(signer));
    status = 0;

cleanup:
    sigv4_signer_free(signer);
    json_decref(c.root);
    return status;
}
