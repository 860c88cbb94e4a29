/*
 * AWS Signature Version 4, for any service and region.
 *
 * A signer caches the derived signing key for one (credentials, date,
 * region, service) combination and derives it again only when one of them
 * changes; the cached key is wiped with OPENSSL_cleanse. A signer is not
 * thread-safe: use one per thread.
 */
#ifndef SCHEMAREG_SIGV4_H
#define SCHEMAREG_SIGV4_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct sigv4_credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL for long-term credentials */
};

struct sigv4_header {
    const char *name;
    const char *value;
};

/* The request as it goes on the wire. path is the raw path as sent
 * (already percent-encoded where the client encodes), query the raw query
 * string without '?' (NULL or "" for none). headers must include Host. */
struct sigv4_request {
    const char *method;
    const char *path;
    const char *query;
    const struct sigv4_header *headers;
    size_t headers_count;
    const void *body;
    size_t body_len;
};

#define SIGV4_NO_NORMALIZE_PATH 0x1u    /* keep ".", ".." and "//", encode once (S3) */
#define SIGV4_SIGN_BODY 0x2u            /* add a signed x-amz-content-sha256 header */
#define SIGV4_UNSIGNED_PAYLOAD 0x4u     /* payload hash "UNSIGNED-PAYLOAD" */
#define SIGV4_OMIT_SESSION_TOKEN 0x8u   /* add the token after signing, unsigned */

struct sigv4_params {
    const char *region;
    const char *service;
    time_t time; /* seconds since the epoch, UTC */
    uint32_t flags;
};

/* Headers to add to the request for header-mode signing. The strings live
 * in the output struct, so no allocation is needed per request. */
struct sigv4_signed_headers {
    char x_amz_date[17];            /* 20150830T123600Z */
    char content_sha256[65];        /* set when SIGV4_SIGN_BODY is given */
    char authorization[2048];
};

struct sigv4_signer;

struct sigv4_signer *sigv4_signer_new(void);
void sigv4_signer_free(struct sigv4_signer *signer);

/* Signs a request for the Authorization header. Returns 0, or -1 with a
 * message in err that never contains secrets. */
int sigv4_sign_headers(struct sigv4_signer *signer,
                       const struct sigv4_credentials *creds,
                       const struct sigv4_params *params,
                       const struct sigv4_request *request,
                       struct sigv4_signed_headers *out,
                       char *err, size_t err_len);

#endif
