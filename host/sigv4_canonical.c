/* Canonical URI and query string of SigV4. */
#include "sigv4_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

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
    if (count > 1)
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

void sigv4_scratch_free(struct sigv4_scratch *scratch)
{
    sigv4_buf_free(&scratch->encoded);
    sigv4_buf_free(&scratch->names);
    free(scratch->params);
    free(scratch->headers);
    *scratch = (struct sigv4_scratch){0};
}
