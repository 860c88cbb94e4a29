/*
 * Parts of the SigV4 signer shared between its source files and its unit
 * tests. Not an interface for the rest of the host: use sigv4.h.
 */
#ifndef SCHEMAREG_SIGV4_INTERNAL_H
#define SCHEMAREG_SIGV4_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

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
int sigv4_buf_grow(struct sigv4_buf *buf, size_t extra);
void sigv4_buf_reset(struct sigv4_buf *buf);
void sigv4_buf_free(struct sigv4_buf *buf);

/* Makes room for extra more bytes and a NUL. Inline, like the appends
 * below, because the signer calls them dozens of times per request and
 * the buffer nearly always has room already. */
static inline int sigv4_buf_reserve(struct sigv4_buf *buf, size_t extra)
{
    /* cap is 0 or at least len + 1. */
    if (extra < buf->cap - buf->len)
        return 0;
    return sigv4_buf_grow(buf, extra);
}

static inline int sigv4_buf_append(struct sigv4_buf *buf, const void *data, size_t len)
{
    if (sigv4_buf_reserve(buf, len) < 0)
        return -1;
    if (len > 0)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
    return 0;
}

static inline int sigv4_buf_append_str(struct sigv4_buf *buf, const char *text)
{
    return sigv4_buf_append(buf, text, strlen(text));
}

static inline int sigv4_buf_append_char(struct sigv4_buf *buf, char c)
{
    return sigv4_buf_append(buf, &c, 1);
}

/* Length of an X-Amz-Date value, 20150830T123600Z. */
#define SIGV4_AMZ_DATE_LEN 16

/* Writes the X-Amz-Date of time (seconds since the epoch, UTC) and a NUL.
 * Returns 0, or -1 when time is before 1970 or after 9999. */
int sigv4_format_amz_date(time_t time, char out[SIGV4_AMZ_DATE_LEN + 1]);

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

/* A header that takes part in the signature. name is its lower-case name
 * in sigv4_scratch.names (name_offset while that buffer grows), without a
 * NUL. index is its position in the request, so that repeated headers keep
 * their order after sorting. */
struct sigv4_header_ref {
    const char *name;
    size_t name_offset;
    size_t name_len;
    const char *value;
    size_t value_len;
    bool fold; /* the value needs trimming or folding of spaces and tabs */
    size_t index;
};

/* Working memory of one signer, reused from request to request. */
struct sigv4_scratch {
    struct sigv4_buf encoded;
    struct sigv4_query_param *params;
    size_t params_cap;
    struct sigv4_buf names; /* lower-case names of the collected headers */
    struct sigv4_header_ref *headers;
    size_t headers_cap;
    size_t headers_count;
    size_t canonical_len_max; /* bytes the canonical headers take at most */
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

/* A lower-case header name with its length, for lists the signer checks
 * every header against. */
struct sigv4_name {
    const char *text;
    size_t len;
};

#define SIGV4_NAME(literal) {literal, sizeof(literal) - 1}

/* Collects the headers to sign from the request and extra (headers the
 * signer adds) into scratch->headers, sorted by lower-case name. Skips the
 * headers that proxies change (User-Agent, Expect, X-Amzn-Trace-Id) and
 * rejects an invalid name or value, a request header named in reserved
 * (reserved_count names the signer sets itself) and a request without
 * Host. Returns 0, or -1 with a message in err. */
int sigv4_collect_headers(struct sigv4_scratch *scratch,
                          const struct sigv4_header *headers, size_t count,
                          const struct sigv4_header *extra, size_t extra_count,
                          const struct sigv4_name *reserved, size_t reserved_count,
                          char *err, size_t err_len);

/* Appends "name:value\n" for each collected header: lower-case names,
 * values trimmed with inner runs of spaces and tabs folded to one space,
 * repeated names joined into one line with commas. */
int sigv4_append_canonical_headers(const struct sigv4_scratch *scratch,
                                   struct sigv4_buf *out);

/* Appends the lower-case names of the collected headers joined with ';'. */
int sigv4_append_signed_headers(const struct sigv4_scratch *scratch,
                                struct sigv4_buf *out);

#endif
