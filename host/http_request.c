#include "http_request.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTP_VERSION_SUFFIX " HTTP/1.1"

/* Cursor over the NUL-terminated strings that the parser writes. */
struct strings {
    char *next;
};

static bool is_token_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_control(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

static char *store(struct strings *strings, const char *text, size_t len)
{
    char *copy = strings->next;
    memcpy(copy, text, len);
    copy[len] = '\0';
    strings->next += len + 1;
    return copy;
}

/* Returns the length of the line at text (up to LF, without a CR before
 * it) and sets next to the start of the following line. */
static size_t line_length(const char *text, const char *end, const char **next)
{
    const char *newline = memchr(text, '\n', (size_t)(end - text));
    const char *line_end = newline ? newline : end;

    *next = newline ? newline + 1 : end;
    if (line_end > text && line_end[-1] == '\r')
        line_end--;
    return (size_t)(line_end - text);
}

static int find_control(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (is_control((unsigned char)text[i]))
            return (int)(unsigned char)text[i];
    }
    return -1;
}

static int parse_request_line(struct http_request *request, struct strings *strings,
                              const char *line, size_t len, char *err, size_t err_len)
{
    const char *space = memchr(line, ' ', len);
    size_t suffix_len = strlen(HTTP_VERSION_SUFFIX);

    if (!space || space == line) {
        snprintf(err, err_len, "line 1: expected \"METHOD target HTTP/1.1\"");
        return -1;
    }
    for (const char *p = line; p < space; p++) {
        if (!is_token_char((unsigned char)*p)) {
            snprintf(err, err_len, "line 1: the method contains the invalid byte 0x%02x",
                     (unsigned char)*p);
            return -1;
        }
    }

    const char *target = space + 1;
    size_t rest = len - (size_t)(target - line);
    if (rest < suffix_len || memcmp(line + len - suffix_len, HTTP_VERSION_SUFFIX, suffix_len) != 0) {
        snprintf(err, err_len, "line 1: the request line does not end with \" HTTP/1.1\"");
        return -1;
    }
    size_t target_len = rest - suffix_len;
    if (target_len == 0 || target[0] != '/') {
        snprintf(err, err_len, "line 1: the target must start with '/'");
        return -1;
    }
    int control = find_control(target, target_len);
    if (control >= 0) {
        snprintf(err, err_len, "line 1: the target contains the control character 0x%02x",
                 control);
        return -1;
    }

    const char *question = memchr(target, '?', target_len);
    size_t path_len = question ? (size_t)(question - target) : target_len;
    request->method = store(strings, line, (size_t)(space - line));
    request->target = store(strings, target, target_len);
    request->path = store(strings, target, path_len);
    if (question)
        request->query = store(strings, question + 1, target_len - path_len - 1);
    return 0;
}

/* Appends a continuation line to the value of the last header, which is
 * the last string written, with one space between. */
static int fold_line(struct http_request *request, struct strings *strings,
                     const char *line, size_t len, size_t line_number,
                     char *err, size_t err_len)
{
    if (request->headers_count == 0) {
        snprintf(err, err_len, "line %zu: a continuation line (starting with a space "
                 "or tab) comes before any header", line_number);
        return -1;
    }
    while (len > 0 && is_space(*line)) {
        line++;
        len--;
    }
    while (len > 0 && is_space(line[len - 1]))
        len--;

    char *value_end = strings->next - 1;
    *value_end = ' ';
    memcpy(value_end + 1, line, len);
    value_end[1 + len] = '\0';
    strings->next = value_end + len + 2;
    return 0;
}

static bool find_host(const struct http_request *request)
{
    for (size_t i = 0; i < request->headers_count; i++) {
        if (strcasecmp(request->headers[i].name, "host") == 0)
            return true;
    }
    return false;
}

static int parse_header_line(struct http_request *request, struct strings *strings,
                             const char *line, size_t len, size_t line_number,
                             char *err, size_t err_len)
{
    const char *colon = memchr(line, ':', len);
    if (!colon) {
        snprintf(err, err_len, "line %zu: expected \"Name:value\", found no ':'", line_number);
        return -1;
    }
    if (colon == line) {
        snprintf(err, err_len, "line %zu: the header name is empty", line_number);
        return -1;
    }
    for (const char *p = line; p < colon; p++) {
        if (!is_token_char((unsigned char)*p)) {
            snprintf(err, err_len,
                     "line %zu: the header name contains the invalid byte 0x%02x",
                     line_number, (unsigned char)*p);
            return -1;
        }
    }

    const char *value = colon + 1;
    size_t value_len = len - (size_t)(value - line);
    while (value_len > 0 && is_space(*value)) {
        value++;
        value_len--;
    }
    while (value_len > 0 && is_space(value[value_len - 1]))
        value_len--;

    size_t name_len = (size_t)(colon - line);
    if (name_len == 4 && strncasecmp(line, "host", 4) == 0 && find_host(request)) {
        snprintf(err, err_len, "line %zu: a second Host header; HTTP/1.1 allows one per "
                 "request (RFC 9112, section 3.2), so remove one", line_number);
        return -1;
    }

    struct sigv4_header *header = &request->headers[request->headers_count++];
    header->name = store(strings, line, name_len);
    header->value = store(strings, value, value_len);
    return 0;
}

static int parse_header_lines(struct http_request *request, struct strings *strings,
                              const char *p, const char *end, char *err, size_t err_len)
{
    size_t line_number = 1;

    while (p < end) {
        const char *next;
        size_t len = line_length(p, end, &next);
        line_number++;

        if (len == 0) {
            request->body = (const unsigned char *)next;
            request->body_len = (size_t)(end - next);
            return 0;
        }
        int control = find_control(p, len);
        if (control >= 0) {
            snprintf(err, err_len, "line %zu: the header contains the control character 0x%02x",
                     line_number, control);
            return -1;
        }

        request->raw_lines[request->raw_lines_count++] = (struct http_raw_line){p, len};
        int rc = is_space(*p)
                     ? fold_line(request, strings, p, len, line_number, err, err_len)
                     : parse_header_line(request, strings, p, len, line_number, err, err_len);
        if (rc < 0)
            return -1;
        p = next;
    }
    request->body = (const unsigned char *)end;
    request->body_len = 0;
    return 0;
}

int http_request_parse(const char *text, size_t len, struct http_request *request,
                       char *err, size_t err_len)
{
    *request = (struct http_request){0};

    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';

    /* Each stored string is at most as long as its line; the target is
     * stored three times (target, path, query). */
    request->text = malloc(len + 1);
    request->strings = malloc(3 * len + lines + 16);
    request->headers = calloc(lines, sizeof(*request->headers));
    request->raw_lines = calloc(lines, sizeof(*request->raw_lines));
    if (!request->text || !request->strings || !request->headers || !request->raw_lines) {
        snprintf(err, err_len, "out of memory while reading a %zu-byte request", len);
        return -1;
    }
    memcpy(request->text, text, len);
    request->text[len] = '\0';

    const char *end = request->text + len;
    const char *next;
    size_t first_len = line_length(request->text, end, &next);
    struct strings strings = {request->strings};

    if (len == 0) {
        snprintf(err, err_len, "line 1: the request is empty");
        return -1;
    }
    if (parse_request_line(request, &strings, request->text, first_len, err, err_len) < 0)
        return -1;
    return parse_header_lines(request, &strings, next, end, err, err_len);
}

void http_request_free(struct http_request *request)
{
    free(request->text);
    free(request->strings);
    free(request->headers);
    free(request->raw_lines);
    *request = (struct http_request){0};
}
