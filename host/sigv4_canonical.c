/* Canonical URI, query string and headers of SigV4. */
#include "sigv4_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* Headers left out of every signature because proxies and HTTP clients add
 * or change them on the way (the same list as botocore 1.29). */
static const char *const unsigned_headers[] = {
    "expect",
    "user-agent",
    "x-amzn-trace-id",
};

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static void append_encoded_byte(struct sigv4_buf *out, unsigned char c, bool keep_slash)
{
    static const char digits[] = "0123456789ABCDEF";

    /* The caller reserved three bytes per input byte. */
    if (is_unreserved(c) || (keep_slash && c == '/')) {
        out->data[out->len++] = (char)c;
        return;
    }
    out->data[out->len++] = '%';
    out->data[out->len++] = digits[c >> 4];
    out->data[out->len++] = digits[c & 0x0f];
}

int sigv4_uri_encode(struct sigv4_buf *out, const char *data, size_t len,
                     bool keep_slash)
{
    if (len > SIZE_MAX / 3 || sigv4_buf_reserve(out, len * 3) < 0)
        return -1;
    for (size_t i = 0; i < len; i++)
        append_encoded_byte(out, (unsigned char)data[i], keep_slash);
    out->data[out->len] = '\0';
    return 0;
}

/* Decodes the valid %XX escapes of text and encodes the result. With
 * strict, an invalid escape returns -2 and its offset in bad_offset.
 * Without strict, the '%' of an invalid escape is taken literally. */
static int decode_and_encode(struct sigv4_buf *out, const char *text, size_t len,
                             bool strict, size_t *bad_offset)
{
    if (len > SIZE_MAX / 3 || sigv4_buf_reserve(out, len * 3) < 0)
        return -1;

    size_t start = out->len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '%') {
            int high = i + 2 < len ? hex_value(text[i + 1]) : -1;
            int low = i + 2 < len ? hex_value(text[i + 2]) : -1;
            if (high >= 0 && low >= 0) {
                c = (unsigned char)(high << 4 | low);
                i += 2;
            } else if (strict) {
                *bad_offset = i;
                out->len = start;
                out->data[start] = '\0';
                return -2;
            }
        }
        append_encoded_byte(out, c, false);
    }
    out->data[out->len] = '\0';
    return 0;
}

/* Appends one path segment (no '/' inside) in its canonical encoding. */
static int append_segment(struct sigv4_buf *out, const char *segment, size_t len,
                          uint32_t flags)
{
    if (flags & SIGV4_SINGLE_ENCODE_PATH) {
        size_t unused;
        return decode_and_encode(out, segment, len, false, &unused);
    }
    return sigv4_uri_encode(out, segment, len, false);
}

/* Drops the last "/segment" written after start, for a ".." segment. */
static void pop_segment(struct sigv4_buf *out, size_t start)
{
    if (out->len == start)
        return; /* ".." above the root stays at the root */
    while (out->len > start && out->data[out->len - 1] != '/')
        out->len--;
    if (out->len > start)
        out->len--;
    out->data[out->len] = '\0';
}

static int append_path_as_is(struct sigv4_buf *out, const char *path, uint32_t flags)
{
    if (path[0] != '/' && sigv4_buf_append_char(out, '/') < 0)
        return -1;

    const char *p = path;
    for (;;) {
        size_t len = strcspn(p, "/");
        if (append_segment(out, p, len, flags) < 0)
            return -1;
        p += len;
        if (*p == '\0')
            return 0;
        if (sigv4_buf_append_char(out, '/') < 0)
            return -1;
        p++;
    }
}

/* Removes "." and empty segments and resolves ".." as botocore's
 * remove_dot_segments does: the result keeps a trailing '/' only when the
 * path ends with '/' and some segment is left, so "/a/." becomes "/a". */
static int append_normalized_path(struct sigv4_buf *out, const char *path, uint32_t flags)
{
    size_t start = out->len;
    size_t path_len = strlen(path);
    const char *p = path;

    while (*p != '\0') {
        while (*p == '/')
            p++;
        size_t len = strcspn(p, "/");
        const char *segment = p;
        p += len;

        if (len == 0 || (len == 1 && segment[0] == '.'))
            continue;
        if (len == 2 && segment[0] == '.' && segment[1] == '.') {
            pop_segment(out, start);
            continue;
        }
        if (sigv4_buf_append_char(out, '/') < 0 ||
            append_segment(out, segment, len, flags) < 0)
            return -1;
    }

    bool trailing_slash = path_len > 0 && path[path_len - 1] == '/' && out->len > start;
    if (out->len == start || trailing_slash)
        return sigv4_buf_append_char(out, '/');
    return 0;
}

int sigv4_append_canonical_uri(struct sigv4_buf *out, const char *path,
                               uint32_t flags)
{
    if (!path)
        path = "";
    if (flags & SIGV4_NO_NORMALIZE_PATH)
        return append_path_as_is(out, path, flags);
    return append_normalized_path(out, path, flags);
}

static int reserve_params(struct sigv4_scratch *scratch, size_t count)
{
    if (count <= scratch->params_cap)
        return 0;

    struct sigv4_query_param *params = reallocarray(scratch->params, count, sizeof(*params));
    if (!params)
        return -1;
    scratch->params = params;
    scratch->params_cap = count;
    return 0;
}

static size_t count_params(const char *query)
{
    size_t count = 1;
    for (const char *p = query; *p; p++)
        count += *p == '&';
    return count;
}

/* Decodes one query key or value, encodes it again into scratch->encoded
 * and stores where it went. Returns 0, -1 when memory runs out or -2 with
 * the offset of an invalid escape within the query in bad_offset. */
static int encode_query_part(struct sigv4_scratch *scratch, const char *query,
                             const char *text, size_t len,
                             size_t *offset, size_t *out_len, size_t *bad_offset)
{
    size_t escape_offset = 0;

    *offset = scratch->encoded.len;
    int rc = decode_and_encode(&scratch->encoded, text, len, true, &escape_offset);
    *out_len = scratch->encoded.len - *offset;
    if (rc == -2)
        *bad_offset = (size_t)(text - query) + escape_offset;
    return rc;
}

/* Decodes and encodes the parameters of the raw query into
 * scratch->params, after the count already there. */
static int encode_query_params(struct sigv4_scratch *scratch, const char *query,
                               size_t *count, char *err, size_t err_len)
{
    const char *p = query;

    while (*p != '\0') {
        size_t len = strcspn(p, "&");
        const char *param = p;
        p += len;
        if (*p == '&')
            p++;
        if (len == 0)
            continue; /* "a=1&&b=2": an empty piece is no parameter */

        const char *equals = memchr(param, '=', len);
        size_t key_len = equals ? (size_t)(equals - param) : len;
        const char *value = equals ? equals + 1 : param + len;
        size_t value_len = equals ? len - key_len - 1 : 0;

        struct sigv4_query_param *out = &scratch->params[*count];
        size_t bad_offset = 0;
        int rc = encode_query_part(scratch, query, param, key_len,
                                   &out->key_offset, &out->key_len, &bad_offset);
        if (rc == 0)
            rc = encode_query_part(scratch, query, value, value_len,
                                   &out->value_offset, &out->value_len, &bad_offset);
        if (rc == -2) {
            snprintf(err, err_len,
                     "invalid percent-encoding at offset %zu of the query string; "
                     "a literal '%%' must be sent as %%25", bad_offset);
            return -1;
        }
        if (rc < 0) {
            snprintf(err, err_len, "out of memory while encoding the query string");
            return -1;
        }
        (*count)++;
    }
    return 0;
}

static int encode_extra_params(struct sigv4_scratch *scratch,
                               const struct sigv4_header *extra, size_t extra_count,
                               size_t *count)
{
    for (size_t i = 0; i < extra_count; i++) {
        struct sigv4_query_param *out = &scratch->params[*count];

        out->key_offset = scratch->encoded.len;
        if (sigv4_uri_encode(&scratch->encoded, extra[i].name, strlen(extra[i].name), false) < 0)
            return -1;
        out->key_len = scratch->encoded.len - out->key_offset;

        out->value_offset = scratch->encoded.len;
        if (sigv4_uri_encode(&scratch->encoded, extra[i].value, strlen(extra[i].value), false) < 0)
            return -1;
        out->value_len = scratch->encoded.len - out->value_offset;
        (*count)++;
    }
    return 0;
}

static int compare_bytes(const char *a, size_t a_len, const char *b, size_t b_len)
{
    int diff = memcmp(a, b, a_len < b_len ? a_len : b_len);
    if (diff != 0)
        return diff;
    return (a_len > b_len) - (a_len < b_len);
}

/* Orders by key, then by value, so "id" sorts before "id-type". */
static int compare_params(const void *a, const void *b)
{
    const struct sigv4_query_param *x = a;
    const struct sigv4_query_param *y = b;

    int diff = compare_bytes(x->key, x->key_len, y->key, y->key_len);
    if (diff != 0)
        return diff;
    return compare_bytes(x->value, x->value_len, y->value, y->value_len);
}

int sigv4_append_canonical_query(struct sigv4_scratch *scratch,
                                 struct sigv4_buf *out, const char *query,
                                 const struct sigv4_header *extra,
                                 size_t extra_count, char *err, size_t err_len)
{
    size_t count = 0;

    if (!query)
        query = "";
    sigv4_buf_reset(&scratch->encoded);
    if (reserve_params(scratch, count_params(query) + extra_count) < 0 ||
        encode_extra_params(scratch, extra, extra_count, &count) < 0) {
        snprintf(err, err_len, "out of memory while encoding the query string");
        return -1;
    }
    if (encode_query_params(scratch, query, &count, err, err_len) < 0)
        return -1;

    /* The encoded buffer no longer moves, so offsets can become pointers. */
    for (size_t i = 0; i < count; i++) {
        scratch->params[i].key = scratch->encoded.data + scratch->params[i].key_offset;
        scratch->params[i].value = scratch->encoded.data + scratch->params[i].value_offset;
    }
    qsort(scratch->params, count, sizeof(scratch->params[0]), compare_params);

    for (size_t i = 0; i < count; i++) {
        const struct sigv4_query_param *param = &scratch->params[i];
        if ((i > 0 && sigv4_buf_append_char(out, '&') < 0) ||
            sigv4_buf_append(out, param->key, param->key_len) < 0 ||
            sigv4_buf_append_char(out, '=') < 0 ||
            sigv4_buf_append(out, param->value, param->value_len) < 0) {
            snprintf(err, err_len, "out of memory while building the canonical request");
            return -1;
        }
    }
    return 0;
}

static bool is_token_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int compare_names(const char *a, const char *b)
{
    while (*a != '\0' && lower(*a) == lower(*b)) {
        a++;
        b++;
    }
    return (unsigned char)lower(*a) - (unsigned char)lower(*b);
}

static bool name_in_list(const char *name, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (compare_names(name, list[i]) == 0)
            return true;
    }
    return false;
}

static size_t list_length(const char *const *list)
{
    size_t count = 0;
    while (list && list[count])
        count++;
    return count;
}

/* Rejects what cannot be sent as an HTTP/1.1 header field. */
static int check_header(const struct sigv4_header *header, char *err, size_t err_len)
{
    if (!header->name || header->name[0] == '\0') {
        snprintf(err, err_len, "request has a header with an empty name");
        return -1;
    }
    for (const char *p = header->name; *p; p++) {
        if (!is_token_char((unsigned char)*p)) {
            snprintf(err, err_len,
                     "header name \"%.64s\" contains the invalid byte 0x%02x; "
                     "names are RFC 9110 tokens", header->name, (unsigned char)*p);
            return -1;
        }
    }
    if (!header->value) {
        snprintf(err, err_len, "header %.64s has no value", header->name);
        return -1;
    }
    for (const char *p = header->value; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            snprintf(err, err_len,
                     "header %.64s contains the control character 0x%02x; "
                     "fold or remove line breaks before signing", header->name, c);
            return -1;
        }
    }
    return 0;
}

static int compare_header_refs(const void *a, const void *b)
{
    const struct sigv4_header_ref *x = a;
    const struct sigv4_header_ref *y = b;

    int diff = compare_names(x->name, y->name);
    if (diff != 0)
        return diff;
    return (x->index > y->index) - (x->index < y->index);
}

static int reserve_headers(struct sigv4_scratch *scratch, size_t count)
{
    if (count <= scratch->headers_cap)
        return 0;

    struct sigv4_header_ref *refs = reallocarray(scratch->headers, count, sizeof(*refs));
    if (!refs)
        return -1;
    scratch->headers = refs;
    scratch->headers_cap = count;
    return 0;
}

int sigv4_collect_headers(struct sigv4_scratch *scratch,
                          const struct sigv4_header *headers, size_t count,
                          const struct sigv4_header *extra, size_t extra_count,
                          const char *const *reserved, char *err, size_t err_len)
{
    size_t unsigned_count = sizeof(unsigned_headers) / sizeof(unsigned_headers[0]);
    size_t reserved_count = list_length(reserved);
    bool has_host = false;

    scratch->headers_count = 0;
    if (count > SIZE_MAX - extra_count || reserve_headers(scratch, count + extra_count) < 0) {
        snprintf(err, err_len, "out of memory while sorting the headers");
        return -1;
    }

    for (size_t i = 0; i < count; i++) {
        const struct sigv4_header *header = &headers[i];
        if (check_header(header, err, err_len) < 0)
            return -1;
        if (name_in_list(header->name, reserved, reserved_count)) {
            snprintf(err, err_len,
                     "request already has the header %s; remove it because the signer sets it",
                     header->name);
            return -1;
        }
        if (name_in_list(header->name, unsigned_headers, unsigned_count))
            continue;
        has_host = has_host || compare_names(header->name, "host") == 0;
        scratch->headers[scratch->headers_count++] =
            (struct sigv4_header_ref){header->name, header->value, i};
    }
    if (!has_host) {
        snprintf(err, err_len,
                 "request has no Host header; add the endpoint's host, with the "
                 "port when it is not the scheme's default");
        return -1;
    }

    for (size_t i = 0; i < extra_count; i++) {
        scratch->headers[scratch->headers_count++] =
            (struct sigv4_header_ref){extra[i].name, extra[i].value, count + i};
    }
    qsort(scratch->headers, scratch->headers_count, sizeof(scratch->headers[0]),
          compare_header_refs);
    return 0;
}

static int append_lower(struct sigv4_buf *out, const char *text)
{
    size_t len = strlen(text);

    if (sigv4_buf_reserve(out, len) < 0)
        return -1;
    for (size_t i = 0; i < len; i++)
        out->data[out->len++] = lower(text[i]);
    out->data[out->len] = '\0';
    return 0;
}

/* Appends value without leading and trailing spaces and tabs, with each
 * inner run of them folded to one space. */
static int append_trimmed_value(struct sigv4_buf *out, const char *value)
{
    size_t len = strlen(value);
    bool pending_space = false;

    if (sigv4_buf_reserve(out, len) < 0)
        return -1;
    while (is_space(*value))
        value++;
    for (; *value; value++) {
        if (is_space(*value)) {
            pending_space = true;
            continue;
        }
        if (pending_space)
            out->data[out->len++] = ' ';
        pending_space = false;
        out->data[out->len++] = *value;
    }
    out->data[out->len] = '\0';
    return 0;
}

int sigv4_append_canonical_headers(const struct sigv4_scratch *scratch,
                                   struct sigv4_buf *out)
{
    const struct sigv4_header_ref *refs = scratch->headers;

    for (size_t i = 0; i < scratch->headers_count; i++) {
        bool same_as_previous = i > 0 && compare_names(refs[i - 1].name, refs[i].name) == 0;
        if (same_as_previous) {
            if (sigv4_buf_append_char(out, ',') < 0)
                return -1;
        } else {
            if (i > 0 && sigv4_buf_append_char(out, '\n') < 0)
                return -1;
            if (append_lower(out, refs[i].name) < 0 || sigv4_buf_append_char(out, ':') < 0)
                return -1;
        }
        if (append_trimmed_value(out, refs[i].value) < 0)
            return -1;
    }
    if (scratch->headers_count > 0)
        return sigv4_buf_append_char(out, '\n');
    return 0;
}

int sigv4_append_signed_headers(const struct sigv4_scratch *scratch,
                                struct sigv4_buf *out)
{
    const struct sigv4_header_ref *refs = scratch->headers;

    for (size_t i = 0; i < scratch->headers_count; i++) {
        if (i > 0 && compare_names(refs[i - 1].name, refs[i].name) == 0)
            continue;
        if (i > 0 && sigv4_buf_append_char(out, ';') < 0)
            return -1;
        if (append_lower(out, refs[i].name) < 0)
            return -1;
    }
    return 0;
}

void sigv4_scratch_free(struct sigv4_scratch *scratch)
{
    sigv4_buf_free(&scratch->encoded);
    free(scratch->params);
    free(scratch->headers);
    *scratch = (struct sigv4_scratch){0};
}
