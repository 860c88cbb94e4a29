#include "credentials_json.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Reads exactly count digits at *text into *value. */
static bool read_digits(const char **text, int count, int *value)
{
    *value = 0;
    for (int i = 0; i < count; i++) {
        if (!isdigit((unsigned char)(*text)[i]))
            return false;
        *value = *value * 10 + ((*text)[i] - '0');
    }
    *text += count;
    return true;
}

static bool expect(const char **text, const char *one_of)
{
    if (**text == '\0' || strchr(one_of, **text) == NULL)
        return false;
    (*text)++;
    return true;
}

/* Parses the zone: Z, or +HH:MM / -HH:MM into seconds east of UTC. */
static bool read_offset(const char **text, long *offset)
{
    if (expect(text, "Zz")) {
        *offset = 0;
        return true;
    }

    char sign = **text;
    int hours;
    int minutes;
    if (!expect(text, "+-") || !read_digits(text, 2, &hours) || !expect(text, ":") ||
        !read_digits(text, 2, &minutes) || hours > 23 || minutes > 59)
        return false;
    *offset = (hours * 3600L + minutes * 60L) * (sign == '-' ? -1 : 1);
    return true;
}

int credentials_json_parse_time(const char *text, time_t *out)
{
    int year, month, day, hour, minute, second;
    long offset;

    if (!read_digits(&text, 4, &year) || !expect(&text, "-") ||
        !read_digits(&text, 2, &month) || !expect(&text, "-") ||
        !read_digits(&text, 2, &day) || !expect(&text, "Tt") ||
        !read_digits(&text, 2, &hour) || !expect(&text, ":") ||
        !read_digits(&text, 2, &minute) || !expect(&text, ":") ||
        !read_digits(&text, 2, &second))
        return -1;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
        minute > 59 || second > 60)
        return -1;

    if (expect(&text, ".")) {
        if (!isdigit((unsigned char)*text))
            return -1;
        while (isdigit((unsigned char)*text))
            text++;
    }
    if (!read_offset(&text, &offset) || *text != '\0')
        return -1;

    struct tm tm = {
        .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
        .tm_hour = hour, .tm_min = minute, .tm_sec = second,
    };
    time_t utc = timegm(&tm);
    /* timegm normalises 31 February into March; reject such dates. */
    if (tm.tm_mday != day || tm.tm_mon != month - 1)
        return -1;
    *out = utc - offset;
    return 0;
}

void credentials_json_format_time(time_t t, char *buf, size_t buf_len)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, buf_len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int copy_string(json_t *document, const char *key, bool required,
                       char **out, char *err, size_t err_len)
{
    json_t *value = json_object_get(document, key);
    if (value == NULL || json_is_null(value)) {
        if (!required)
            return 0;
        snprintf(err, err_len, "missing \"%s\"", key);
        return -1;
    }
    if (!json_is_string(value) || json_string_length(value) == 0) {
        snprintf(err, err_len, "\"%s\" is not a non-empty string", key);
        return -1;
    }
    *out = strdup(json_string_value(value));
    if (*out == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    return 0;
}

static int check_version(json_t *document, char *err, size_t err_len)
{
    json_t *version = json_object_get(document, "Version");
    if (version == NULL) {
        snprintf(err, err_len, "missing \"Version\"; expected \"Version\": 1");
        return -1;
    }
    if (!json_is_integer(version) || json_integer_value(version) != 1) {
        snprintf(err, err_len, "unsupported \"Version\"; expected \"Version\": 1");
        return -1;
    }
    return 0;
}

static int read_expiration(json_t *document, time_t *expiration,
                           char *err, size_t err_len)
{
    json_t *value = json_object_get(document, "Expiration");
    if (value == NULL || json_is_null(value)) {
        *expiration = 0;
        return 0;
    }
    if (!json_is_string(value) ||
        credentials_json_parse_time(json_string_value(value), expiration) < 0) {
        snprintf(err, err_len, "\"Expiration\" is not an RFC 3339 time such as "
                               "2024-05-01T12:00:00Z");
        return -1;
    }
    return 0;
}

int credentials_json_parse(const char *text, size_t len,
                           const struct credentials_json_format *format,
                           struct aws_owned_credentials *out,
                           char *err, size_t err_len)
{
    int rc = -1;
    json_error_t error;
    json_t *document = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);
    if (document == NULL) {
        /* error.text may quote the input, so report only the position. */
        snprintf(err, err_len, "invalid JSON at line %d, column %d",
                 error.line, error.column);
        return -1;
    }
    if (!json_is_object(document)) {
        snprintf(err, err_len, "the JSON document is not an object");
        goto cleanup;
    }

    if (format->require_version && check_version(document, err, err_len) < 0)
        goto cleanup;
    if (copy_string(document, "AccessKeyId", true, &out->access_key_id, err, err_len) < 0 ||
        copy_string(document, "SecretAccessKey", true, &out->secret_access_key,
                    err, err_len) < 0 ||
        copy_string(document, format->token_key, false, &out->session_token,
                    err, err_len) < 0)
        goto cleanup;
    if (read_expiration(document, &out->expiration, err, err_len) < 0)
        goto cleanup;
    rc = 0;

cleanup:
    /* jansson does not wipe its strings; the document is short-lived. */
    json_decref(document);
    if (rc < 0)
        aws_owned_credentials_clear(out);
    return rc;
}
