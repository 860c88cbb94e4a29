/*
 * AWS Signature Version 4, for any service and region.
 *
 * A signer caches the derived signing key for one (credentials, date,
 * region, service) combination and derives it again only when one of them
 * changes; the cached key is wiped with OPENSSL_cleanse. A signer keeps its
 * scratch buffers between requests, so signing allocates only when a request
 * is larger than every request before it. A signer is not thread-safe: use
 * one per thread.
 *
 * Error messages name the request part that is wrong (header name, query
 * offset, region) and never contain the secret key, the session token or a
 * signature.
 */
#ifndef SCHEMAREG_SIGV4_H
#define SCHEMAREG_SIGV4_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct sigv4_credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL or "" for long-term credentials */
};

struct sigv4_header {
    const char *name;
    const char *value;
};

/* The request as it goes on the wire. path is the raw path as sent
 * (already percent-encoded where the client encodes), query the raw query
 * string without '?' (NULL or "" for none). headers must include Host, with
 * the port when it is not the scheme's default (see sigv4_format_host). */
struct sigv4_request {
    const char *method;
    const char *path;
    const char *query;
    const struct sigv4_header *headers;
    size_t headers_count;
    const void *body;
    size_t body_len;
};

/* Keep ".", ".." and empty path segments in the canonical URI. */
#define SIGV4_NO_NORMALIZE_PATH 0x1u
/* Add a signed x-amz-content-sha256 header holding the payload hash
 * (header mode only). */
#define SIGV4_SIGN_BODY 0x2u
/* Use "UNSIGNED-PAYLOAD" as the payload hash instead of hashing the body. */
#define SIGV4_UNSIGNED_PAYLOAD 0x4u
/* Leave the session token out of the signature; the caller adds it to the
 * request after signing (some services expect this). */
#define SIGV4_OMIT_SESSION_TOKEN 0x8u
/* Decode the path once and encode it once, instead of encoding the path as
 * sent once more, so "%20" stays "%20" rather than becoming "%2520". */
#define SIGV4_SINGLE_ENCODE_PATH 0x10u
/* The canonical URI rules of Amazon S3. */
#define SIGV4_S3_PATH (SIGV4_NO_NORMALIZE_PATH | SIGV4_SINGLE_ENCODE_PATH)

/* The largest X-Amz-Expires that AWS accepts: seven days, in seconds. */
#define SIGV4_MAX_EXPIRES 604800u

enum sigv4_mode {
    SIGV4_MODE_HEADER, /* Authorization header */
    SIGV4_MODE_QUERY,  /* presigned URL: X-Amz-* query parameters */
};

struct sigv4_params {
    const char *region;
    const char *service;
    time_t time; /* seconds since the epoch, UTC */
    uint32_t flags;
    uint32_t expires; /* query mode: X-Amz-Expires, 1 to SIGV4_MAX_EXPIRES seconds */
};

/* Headers to add to the request for header-mode signing. The strings live
 * in the output struct, so no allocation is needed per request. When the
 * credentials have a session token, the caller also adds
 * X-Amz-Security-Token with the token, whether or not it was signed. */
struct sigv4_signed_headers {
    char x_amz_date[17];            /* 20150830T123600Z */
    char content_sha256[65];        /* set when SIGV4_SIGN_BODY is given, else "" */
    char signature[65];             /* hex; also inside authorization */
    char authorization[2048];
};

struct sigv4_signer;

/* Returns NULL when memory or the OpenSSL algorithms are unavailable. */
struct sigv4_signer *sigv4_signer_new(void);
/* Wipes the cached signing key and frees the signer; NULL is a no-op. */
void sigv4_signer_free(struct sigv4_signer *signer);

/* Signs a request for the Authorization header. Returns 0, or -1 with a
 * message in err that never contains secrets. */
int sigv4_sign_headers(struct sigv4_signer *signer,
                       const struct sigv4_credentials *creds,
                       const struct sigv4_params *params,
                       const struct sigv4_request *request,
                       struct sigv4_signed_headers *out,
                       char *err, size_t err_len);

/* Signs a request as a presigned URL. Writes the query parameters to append
 * to the target (after '?' or '&', without either) to query_out:
 * X-Amz-Algorithm, -Credential, -Date, -SignedHeaders, -Expires, the
 * session token if any, then X-Amz-Signature, all percent-encoded.
 * Returns 0, or -1 with a message in err (also when query_out is too small). */
int sigv4_presign(struct sigv4_signer *signer,
                  const struct sigv4_credentials *creds,
                  const struct sigv4_params *params,
                  const struct sigv4_request *request,
                  char *query_out, size_t query_out_len,
                  char *err, size_t err_len);

/* Write the canonical request or the string to sign that the signer builds
 * for mode to out, NUL-terminated, so a rejected signature can be compared
 * with the server's. Return 0, or -1 with a message in err (also when out is
 * too small). */
int sigv4_canonical_request(struct sigv4_signer *signer,
                            const struct sigv4_credentials *creds,
                            const struct sigv4_params *params,
                            enum sigv4_mode mode,
                            const struct sigv4_request *request,
                            char *out, size_t out_len,
                            char *err, size_t err_len);
int sigv4_string_to_sign(struct sigv4_signer *signer,
                         const struct sigv4_credentials *creds,
                         const struct sigv4_params *params,
                         enum sigv4_mode mode,
                         const struct sigv4_request *request,
                         char *out, size_t out_len,
                         char *err, size_t err_len);

/* Number of times the signer derived a signing key, for tests of the cache. */
unsigned long sigv4_signer_key_derivations(const struct sigv4_signer *signer);

/* Writes the Host header value for a URL's scheme, host and port: the port
 * is left out when it is 0 or the scheme's default (80 for http, 443 for
 * https). host is written as given; an IPv6 literal keeps its brackets.
 * Returns 0, or -1 when out is too small. */
int sigv4_format_host(const char *scheme, const char *host, unsigned port,
                      char *out, size_t out_len);

#endif
