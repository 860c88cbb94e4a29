/*
 * Parts of the SigV4 signer shared between its source files and its unit
 * tests. Not an interface for the rest of the host: use sigv4.h.
 */
#ifndef SCHEMAREG_SIGV4_INTERNAL_H
#define SCHEMAREG_SIGV4_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigv4.h"

/* A growable byte string, always NUL-terminated once anything is appended.
 * Its memory is kept when it is reset and wiped when it is freed, because
 * canonical requests can contain a session token. */
struct sigv4_buf {
    char *data;
    size_t len;
    size_t cap;
};

/* Each returns 0, or -1 when memory runs out (the content is then unchanged). */
int sigv4_buf_reserve(struct sigv4_buf *buf, size_t extra);
int sigv4_buf_append(struct sigv4_buf *buf, const void *data, size_t len);
int sigv4_buf_append_str(struct sigv4_buf *buf, const char *text);
int sigv4_buf_append_char(struct sigv4_buf *buf, char c);
void sigv4_buf_reset(struct sigv4_buf *buf);
void sigv4_buf_free(struct sigv4_buf *buf);

/* A query parameter after decoding and encoding again. key and value point
 * into sigv4_scratch.encoded; offsets are kept while that buffer grows. */
struct sigv4_query_param {
    size_t key_offset;
    size_t key_len;
    size_t value_offset;
    size_t value_len;
    const char *key;
    const char *value;
};

/* A header that takes part in the signature. index is its position in the
 * request, so that repeated headers keep their order after sorting. */
struct sigv4_header_ref {
    const char *name;
    const char *value;
    size_t index;
};

/* Working memory of one signer, reused from request to request. */
struct sigv4_scratch {
    struct sigv4_buf encoded;
    struct sigv4_query_param *params;
    size_t params_cap;
    struct sigv4_header_ref *headers;
    size_t headers_cap;
    size_t headers_count;
};

void sigv4_scratch_free(struct sigv4_scratch *scratch);

/* Appends data percent-encoded as SigV4 requires: the RFC 3986 unreserved
 * characters A-Z a-z 0-9 - . _ ~ stay, '/' stays when keep_slash is true,
 * every other byte becomes %XX with upper-case hex. */
int sigv4_uri_encode(struct sigv4_buf *out, const char *data, size_t len,
                     bool keep_slash);

/* Appends the canonical URI of path (see SIGV4_NO_NORMALIZE_PATH and
 * SIGV4_SINGLE_ENCODE_PATH for the flags that change it). */
int sigv4_append_canonical_uri(struct sigv4_buf *out, const char *path,
                               uint32_t flags);

/* Appends the canonical query string of the raw query (may be NULL) plus
 * extra, whose keys and values are not yet encoded. Parameters are sorted
 * by encoded key, then by encoded value; a key without '=' gets an empty
 * value. Returns 0, or -1 with a message in err for an invalid
 * percent-encoding or when memory runs out. */
int sigv4_append_canonical_query(struct sigv4_scratch *scratch,
                                 struct sigv4_buf *out, const char *query,
                                 const struct sigv4_header *extra,
                                 size_t extra_count, char *err, size_t err_len);

/* Collects the headers to sign from the request and extra (headers the
 * signer adds) into scratch->headers, sorted by lower-case name. Skips the
 * headers that proxies change (User-Agent, Expect, X-Amzn-Trace-Id) and
 * rejects an invalid name or value, a request header named in reserved (a
 * NULL-terminated list of lower-case names the signer sets itself) and a
 * request without Host. Returns 0, or -1 with a message in err. */
int sigv4_collect_headers(struct sigv4_scratch *scratch,
                          const struct sigv4_header *headers, size_t count,
                          const struct sigv4_header *extra, size_t extra_count,
                          const char *const *reserved, char *err, size_t err_len);

/* Appends "name:value\n" for each collected header: lower-case names,
 * values trimmed with inner runs of spaces and tabs folded to one space,
 * repeated names joined into one line with commas. */
int sigv4_append_canonical_headers(const struct sigv4_scratch *scratch,
                                   struct sigv4_buf *out);

/* Appends the lower-case names of the collected headers joined with ';'. */
int sigv4_append_signed_headers(const struct sigv4_scratch *scratch,
                                struct sigv4_buf *out);

#endif
