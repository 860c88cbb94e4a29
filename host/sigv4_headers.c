/* Canonical headers of SigV4: collecting, checking, sorting and writing
 * the signed headers. */
#include "sigv4_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Headers left out of every signature because proxies and HTTP clients add
 * or change them on the way (the same list as botocore 1.29). */
static const struct sigv4_name unsigned_headers[] = {
    SIGV4_NAME("expect"),
    SIGV4_NAME("user-agent"),
    SIGV4_NAME("x-amzn-trace-id"),
};

/* Up to this many headers are sorted by insertion, which is fastest for the
 * handful of headers a request has; more go through qsort. */
#define INSERTION_SORT_MAX 16

/* For each byte: its lower-case form when it may appear in an RFC 9110
 * token (letters, digits and !#$%&'*+-.^_`|~), else 0. */
static const unsigned char token_lower[256] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x21, 0x00, 0x23, 0x24, 0x25, 0x26, 0x27, 0x00, 0x00, 0x2a, 0x2b, 0x00, 0x2d, 0x2e, 0x00,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x5e, 0x5f,
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x00, 0x7c, 0x00, 0x7e, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static bool name_in_list(const char *lower, size_t len, const struct sigv4_name *list,
                         size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (list[i].len == len && memcmp(list[i].text, lower, len) == 0)
            return true;
    }
    return false;
}

/* Writes the lower-case form of name after the end of scratch->names,
 * without counting it in the buffer's length yet, and stores its length.
 * Returns 0, or -1 with a message in err for an empty name, an invalid byte
 * or when memory runs out. */
static int lower_name(struct sigv4_scratch *scratch, const char *name, size_t *len,
                      char *err, size_t err_len)
{
    if (!name || name[0] == '\0') {
        snprintf(err, err_len, "request has a header with an empty name");
        return -1;
    }
    *len = strlen(name);
    if (sigv4_buf_reserve(&scratch->names, *len) < 0) {
        snprintf(err, err_len, "out of memory while sorting the headers");
        return -1;
    }

    char *out = scratch->names.data + scratch->names.len;
    for (size_t i = 0; i < *len; i++) {
        unsigned char c = token_lower[(unsigned char)name[i]];
        if (c == 0) {
            snprintf(err, err_len,
                     "header name \"%.64s\" contains the invalid byte 0x%02x; "
                     "names are RFC 9110 tokens", name, (unsigned char)name[i]);
            return -1;
        }
        out[i] = (char)c;
    }
    return 0;
}

/* Tells whether none of the 8 bytes in word is a space, a tab, another
 * control character or DEL, the bytes that need a closer look. Subtracting
 * n from every byte sets the top bit of a byte below n whose top bit was
 * clear, and a borrow only starts at such a byte, so the test is exact for
 * "some byte is below n". DEL is found as a zero byte of word ^ 0x7f..7f. */
static bool is_plain_word(uint64_t word)
{
    const uint64_t ones = 0x0101010101010101u;
    const uint64_t highs = 0x8080808080808080u;
    uint64_t below_bang = (word - ones * '!') & ~word & highs;
    uint64_t del = word ^ (ones * 0x7f);
    uint64_t is_del = (del - ones) & ~del & highs;
    return (below_bang | is_del) == 0;
}

/* Rejects a value that cannot be sent in an HTTP/1.1 header field. Stores
 * its length, and whether it has a tab, a leading or trailing space or two
 * spaces in a row, which the canonical form removes. */
static int check_value(const struct sigv4_header *header, size_t *value_len, bool *fold,
                       char *err, size_t err_len)
{
    if (!header->value) {
        snprintf(err, err_len, "header %.64s has no value", header->name);
        return -1;
    }

    const char *value = header->value;
    size_t len = strlen(value);
    bool after_space = true; /* so that a leading space counts */
    *fold = false;
    for (size_t i = 0; i < len; i++) {
        uint64_t word;
        if (i % 8 == 0 && len - i >= 8) {
            memcpy(&word, value + i, sizeof(word));
            if (is_plain_word(word)) {
                after_space = false;
                i += 7;
                continue;
            }
        }

        unsigned char c = (unsigned char)value[i];
        if (c > ' ' && c != 0x7f) {
            after_space = false;
        } else if (c == ' ' || c == '\t') {
            *fold = *fold || c == '\t' || after_space;
            after_space = true;
        } else {
            snprintf(err, err_len,
                     "header %.64s contains the control character 0x%02x; "
                     "fold or remove line breaks before signing", header->name, c);
            return -1;
        }
    }
    *fold = *fold || after_space;
    *value_len = len;
    return 0;
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

/* Adds a header whose lower-case name was just written by lower_name (or
 * copied) to scratch->names. */
static void add_ref(struct sigv4_scratch *scratch, size_t name_len, const char *value,
                    size_t value_len, bool fold, size_t index)
{
    scratch->headers[scratch->headers_count++] = (struct sigv4_header_ref){
        .name_offset = scratch->names.len,
        .name_len = name_len,
        .value = value,
        .value_len = value_len,
        .fold = fold,
        .index = index,
    };
    scratch->names.len += name_len;
    /* Name, ':' or ',', value and '\n': the most a header adds. */
    scratch->canonical_len_max += name_len + value_len + 2;
}

/* Orders by lower-case name, then by position in the request, so repeated
 * headers keep their order. */
static int compare_refs(const struct sigv4_header_ref *x, const struct sigv4_header_ref *y)
{
    size_t len = x->name_len < y->name_len ? x->name_len : y->name_len;

    /* A loop rather than memcmp: names are short and mostly differ early. */
    for (size_t i = 0; i < len; i++) {
        if (x->name[i] != y->name[i])
            return (unsigned char)x->name[i] < (unsigned char)y->name[i] ? -1 : 1;
    }
    if (x->name_len != y->name_len)
        return x->name_len < y->name_len ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static int compare_refs_qsort(const void *a, const void *b)
{
    return compare_refs(a, b);
}

static void sort_refs(struct sigv4_header_ref *refs, size_t count)
{
    if (count > INSERTION_SORT_MAX) {
        qsort(refs, count, sizeof(refs[0]), compare_refs_qsort);
        return;
    }
    for (size_t i = 1; i < count; i++) {
        struct sigv4_header_ref ref = refs[i];
        size_t j = i;
        while (j > 0 && compare_refs(&refs[j - 1], &ref) > 0) {
            refs[j] = refs[j - 1];
            j--;
        }
        refs[j] = ref;
    }
}

/* Adds the request's own headers, after checking each. */
static int collect_request_headers(struct sigv4_scratch *scratch,
                                   const struct sigv4_header *headers, size_t count,
                                   const struct sigv4_name *reserved, size_t reserved_count,
                                   char *err, size_t err_len)
{
    bool has_host = false;

    for (size_t i = 0; i < count; i++) {
        const struct sigv4_header *header = &headers[i];
        size_t name_len = 0;
        size_t value_len = 0;
        bool fold = false;
        if (lower_name(scratch, header->name, &name_len, err, err_len) < 0 ||
            check_value(header, &value_len, &fold, err, err_len) < 0)
            return -1;

        const char *lower = scratch->names.data + scratch->names.len;
        if (name_in_list(lower, name_len, reserved, reserved_count)) {
            snprintf(err, err_len,
                     "request already has the header %s; remove it because the signer sets it",
                     header->name);
            return -1;
        }
        if (name_in_list(lower, name_len, unsigned_headers,
                         sizeof(unsigned_headers) / sizeof(unsigned_headers[0])))
            continue;
        has_host = has_host || (name_len == 4 && memcmp(lower, "host", 4) == 0);
        add_ref(scratch, name_len, header->value, value_len, fold, i);
    }
    if (!has_host) {
        snprintf(err, err_len,
                 "request has no Host header; add the endpoint's host, with the "
                 "port when it is not the scheme's default");
        return -1;
    }
    return 0;
}

int sigv4_collect_headers(struct sigv4_scratch *scratch,
                          const struct sigv4_header *headers, size_t count,
                          const struct sigv4_header *extra, size_t extra_count,
                          const struct sigv4_name *reserved, size_t reserved_count,
                          char *err, size_t err_len)
{
    scratch->headers_count = 0;
    scratch->canonical_len_max = 0;
    sigv4_buf_reset(&scratch->names);
    if (count > SIZE_MAX - extra_count || reserve_headers(scratch, count + extra_count) < 0) {
        snprintf(err, err_len, "out of memory while sorting the headers");
        return -1;
    }
    if (collect_request_headers(scratch, headers, count, reserved, reserved_count,
                                err, err_len) < 0)
        return -1;

    /* The signer's own headers have lower-case names and checked values.
     * They take the folding path, which is right for any value. */
    for (size_t i = 0; i < extra_count; i++) {
        size_t name_len = strlen(extra[i].name);
        if (sigv4_buf_reserve(&scratch->names, name_len) < 0) {
            snprintf(err, err_len, "out of memory while sorting the headers");
            return -1;
        }
        memcpy(scratch->names.data + scratch->names.len, extra[i].name, name_len);
        add_ref(scratch, name_len, extra[i].value, strlen(extra[i].value), true, count + i);
    }

    /* scratch->names no longer moves, so offsets can become pointers. */
    for (size_t i = 0; i < scratch->headers_count; i++)
        scratch->headers[i].name = scratch->names.data + scratch->headers[i].name_offset;
    sort_refs(scratch->headers, scratch->headers_count);
    return 0;
}

static bool same_name(const struct sigv4_header_ref *a, const struct sigv4_header_ref *b)
{
    return a->name_len == b->name_len && memcmp(a->name, b->name, a->name_len) == 0;
}

/* Writes value without leading and trailing spaces and tabs, with each
 * inner run of them folded to one space, and returns the end. */
static char *write_folded(char *out, const char *value, size_t len)
{
    size_t i = 0;

    while (i < len && is_space(value[i]))
        i++;
    while (len > i && is_space(value[len - 1]))
        len--;
    while (i < len) {
        char c = value[i++];
        if (is_space(c)) {
            /* The value ends with a non-space, so the run ends before len. */
            while (is_space(value[i]))
                i++;
            c = ' ';
        }
        *out++ = c;
    }
    return out;
}

int sigv4_append_canonical_headers(const struct sigv4_scratch *scratch,
                                   struct sigv4_buf *out)
{
    const struct sigv4_header_ref *refs = scratch->headers;

    if (sigv4_buf_reserve(out, scratch->canonical_len_max) < 0)
        return -1;

    char *p = out->data + out->len;
    for (size_t i = 0; i < scratch->headers_count; i++) {
        if (i > 0 && same_name(&refs[i - 1], &refs[i])) {
            *p++ = ',';
        } else {
            if (i > 0)
                *p++ = '\n';
            memcpy(p, refs[i].name, refs[i].name_len);
            p += refs[i].name_len;
            *p++ = ':';
        }
        if (refs[i].fold) {
            p = write_folded(p, refs[i].value, refs[i].value_len);
        } else {
            memcpy(p, refs[i].value, refs[i].value_len);
            p += refs[i].value_len;
        }
    }
    if (scratch->headers_count > 0)
        *p++ = '\n';
    *p = '\0';
    out->len = (size_t)(p - out->data);
    return 0;
}

int sigv4_append_signed_headers(const struct sigv4_scratch *scratch,
                                struct sigv4_buf *out)
{
    const struct sigv4_header_ref *refs = scratch->headers;

    /* Each name and one ';' at most. */
    if (sigv4_buf_reserve(out, scratch->names.len + scratch->headers_count) < 0)
        return -1;

    char *p = out->data + out->len;
    for (size_t i = 0; i < scratch->headers_count; i++) {
        if (i > 0 && same_name(&refs[i - 1], &refs[i]))
            continue;
        if (i > 0)
            *p++ = ';';
        memcpy(p, refs[i].name, refs[i].name_len);
        p += refs[i].name_len;
    }
    *p = '\0';
    out->len = (size_t)(p - out->data);
    return 0;
}
