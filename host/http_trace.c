#include "http_trace.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "log.h"

static atomic_bool trace_enabled;

/* Header names whose whole value is a credential or a signature. */
static const char *const secret_names[] = {
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-amz-security-token",
};

/* Parts of a header name that mark it as secret wherever they appear. */
static const char *const secret_parts[] = {
    "token", "secret", "signature", "credential", "password",
};

void http_trace_set_enabled(bool enabled)
{
    atomic_store(&trace_enabled, enabled);
}

bool http_trace_enabled(void)
{
    return atomic_load(&trace_enabled) && log_get_level() >= LOG_LEVEL_TRACE;
}

static bool name_contains(const char *name, size_t name_len, const char *part)
{
    size_t part_len = strlen(part);

    for (size_t start = 0; start + part_len <= name_len; start++) {
        if (strncasecmp(name + start, part, part_len) == 0)
            return true;
    }
    return false;
}

bool http_trace_header_is_secret(const char *name, size_t name_len)
{
    for (size_t i = 0; i < sizeof(secret_names) / sizeof(secret_names[0]); i++) {
        if (strlen(secret_names[i]) == name_len &&
            strncasecmp(name, secret_names[i], name_len) == 0)
            return true;
    }
    for (size_t i = 0; i < sizeof(secret_parts) / sizeof(secret_parts[0]); i++) {
        if (name_contains(name, name_len, secret_parts[i]))
            return true;
    }
    return false;
}

void http_trace_format_header(const char *line, char *out, size_t out_len)
{
    const char *colon = strchr(line, ':');

    if (out_len == 0)
        return;
    if (colon == NULL) {
        snprintf(out, out_len, "%s", HTTP_TRACE_REDACTED);
        return;
    }

    /* Trailing blanks of the name do not hide it from the check. */
    size_t name_len = (size_t)(colon - line);
    while (name_len > 0 && (line[name_len - 1] == ' ' || line[name_len - 1] == '\t'))
        name_len--;

    if (http_trace_header_is_secret(line, name_len))
        snprintf(out, out_len, "%.*s: %s", (int)name_len, line, HTTP_TRACE_REDACTED);
    else
        snprintf(out, out_len, "%s", line);
}

void http_trace_request(const char *method, const char *url, const char *operation,
                        const struct curl_slist *headers)
{
    char line[1024];

    if (!http_trace_enabled())
        return;
    log_trace("http: > %s %s (%s)", method, url, operation);
    for (const struct curl_slist *header = headers; header != NULL; header = header->next) {
        http_trace_format_header(header->data, line, sizeof(line));
        log_trace("http: > %s", line);
    }
}

void http_trace_response(const char *operation, int transfer_rc,
                         const struct http_response *response)
{
    if (!http_trace_enabled())
        return;
    if (transfer_rc != 0) {
        log_trace("http: < %s: no response: %s", operation, response->curl_error);
        return;
    }
    log_trace("http: < %s: HTTP %ld, %zu byte body%s", operation, response->status,
              response->body_len, response->has_crc32 ? ", x-amz-crc32 present" : "");
}
