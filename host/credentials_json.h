/*
 * The JSON credentials document of credential_process
 * ({"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken",
 * "Expiration"}) and of container credential endpoints ("Token" in place of
 * "SessionToken", no "Version").
 */
#ifndef SCHEMAREG_CREDENTIALS_JSON_H
#define SCHEMAREG_CREDENTIALS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "credentials.h"

struct credentials_json_format {
    const char *token_key;  /* "SessionToken" or "Token" */
    bool require_version;   /* "Version": 1 must be present */
};

/* Parses len bytes of text into out (which the caller clears later).
 * Messages in err never quote the document, which contains secrets. */
int credentials_json_parse(const char *text, size_t len,
                           const struct credentials_json_format *format,
                           struct aws_owned_credentials *out,
                           char *err, size_t err_len);

/* Parses an RFC 3339 date-time such as 2024-05-01T12:00:00Z or
 * 2024-05-01T14:00:00.123+02:00 (fractions of a second are dropped).
 * Returns 0, or -1 when text is not one. */
int credentials_json_parse_time(const char *text, time_t *out);

/* Formats t as 2024-05-01T12:00:00Z into buf (at least 21 bytes). */
void credentials_json_format_time(time_t t, char *buf, size_t buf_len);

#endif
