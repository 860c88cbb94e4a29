/*
 * Parser for a raw HTTP/1.1 request in the format of the AWS SigV4 test
 * suite's request.txt: "METHOD target HTTP/1.1", where the target runs to
 * the final " HTTP/1.1" and may hold raw spaces and UTF-8; then "Name:value"
 * header lines, where a line that starts with a space or tab continues the
 * previous header; then, after the first empty line, the body. Lines end in
 * LF or CRLF.
 */
#ifndef SCHEMAREG_HTTP_REQUEST_H
#define SCHEMAREG_HTTP_REQUEST_H

#include <stddef.h>

#include "sigv4.h"

/* One header line as written, without its line ending. */
struct http_raw_line {
    const char *text;
    size_t len;
};

struct http_request {
    const char *method;
    const char *target;  /* as written, e.g. "/a b/?x=1" */
    const char *path;    /* target up to the first '?' */
    const char *query;   /* target after the first '?', or NULL without '?' */
    struct sigv4_header *headers; /* continuation lines folded in with one space */
    size_t headers_count;
    struct http_raw_line *raw_lines; /* header lines as written */
    size_t raw_lines_count;
    const unsigned char *body;
    size_t body_len;

    char *text;    /* copy of the input that raw_lines and body point into */
    char *strings; /* NUL-terminated method, target, path, query, names, values */
};

/* Parses len bytes of text into request. Returns 0, or -1 with a message in
 * err that starts with "line N:" and says what is wrong. Free the request
 * with http_request_free in both cases. */
int http_request_parse(const char *text, size_t len, struct http_request *request,
                       char *err, size_t err_len);
void http_request_free(struct http_request *request);

#endif
