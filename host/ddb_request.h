/*
 * The headers of one signed DynamoDB JSON 1.0 request.
 */
#ifndef SCHEMAREG_DDB_REQUEST_H
#define SCHEMAREG_DDB_REQUEST_H

#include <stddef.h>
#include <time.h>

#include <curl/curl.h>

#include "credentials.h"
#include "sigv4.h"

struct ddb_request {
    struct curl_slist *headers; /* owned; contains the Authorization header */
};

/* Builds the headers of a POST of body to operation, signed for the time
 * now with the current credentials of config. host is the Host header
 * value. Returns 0, or -1 with a message in err that contains no secret. */
int ddb_request_build(struct ddb_request *request, struct aws_config *config,
                      struct sigv4_signer *signer, const char *host,
                      const char *operation, const char *body, size_t body_len,
                      time_t now, char *err, size_t err_len);

/* Frees the headers; the Authorization and token lines are wiped first. */
void ddb_request_free(struct ddb_request *request);

#endif
