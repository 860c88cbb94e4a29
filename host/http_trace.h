/*
 * HTTP tracing (--trace-http): one trace-level log line per DynamoDB
 * request line, header and response status, with the value of every header
 * that carries a secret replaced by "<redacted>".
 */
#ifndef SCHEMAREG_HTTP_TRACE_H
#define SCHEMAREG_HTTP_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "http_client.h"

#define HTTP_TRACE_REDACTED "<redacted>"

/* Turns tracing on or off (default off). Lines are logged only when
 * LOG_LEVEL_TRACE is enabled too. */
void http_trace_set_enabled(bool enabled);
bool http_trace_enabled(void);

/* Returns true when a header of this name (case-insensitive, name_len
 * bytes) may carry a secret: Authorization, Proxy-Authorization, Cookie,
 * Set-Cookie, X-Amz-Security-Token, and any name that contains "token",
 * "secret", "signature", "credential" or "password". */
bool http_trace_header_is_secret(const char *name, size_t name_len);

/* Writes the header line "Name: value" to out as it is traced, with the
 * value redacted when the name is secret. A line without a colon is
 * redacted whole. out is always NUL-terminated when out_len > 0. */
void http_trace_format_header(const char *line, char *out, size_t out_len);

/* Logs "POST URL (Operation)" and each header of a request about to be
 * sent. */
void http_trace_request(const char *method, const char *url, const char *operation,
                        const struct curl_slist *headers);

/* Logs the outcome of one attempt: the HTTP status and body size, or the
 * transfer error when transfer_rc is not 0. */
void http_trace_response(const char *operation, int transfer_rc,
                         const struct http_response *response);

#endif
