#include "text_safe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One unit of output: a character copied as it is, or its escape. */
struct unit {
    const char *bytes;
    size_t len;
    char escape[24];
};

/* Returns the length of the valid UTF-8 sequence at s (at most len bytes)
 * and its code point, or 0 when s does not start one. */
static size_t utf8_sequence(const unsigned char *s, size_t len, uint32_t *code_point)
{
    size_t need;
    uint32_t value;
    uint32_t min;

    if (s[0] < 0x80) {
        *code_point = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        need = 2, value = s[0] & 0x1f, min = 0x80;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        need = 3, value = s[0] & 0x0f, min = 0x800;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        need = 4, value = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (need > len)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        value = value << 6 | (s[i] & 0x3f);
    }
    if (value < min || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
        return 0;
    *code_point = value;
    return need;
}

/* Returns nonzero for the separators and bidirectional controls that can
 * make a line display differently from its bytes. */
static int is_layout_control(uint32_t code_point)
{
    return (code_point >= 0x2028 && code_point <= 0x202e) ||
           (code_point >= 0x2066 && code_point <= 0x2069);
}

static void escape_bytes(struct unit *unit, const unsigned char *s, size_t count)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;

    for (size_t i = 0; i < count; i++) {
        unit->escape[n++] = '\\';
        unit->escape[n++] = 'x';
        unit->escape[n++] = hex[s[i] >> 4];
        unit->escape[n++] = hex[s[i] & 0x0f];
    }
    unit->escape[n] = '\0';
    unit->bytes = unit->escape;
    unit->len = n;
}

/* Reads the unit at text (len bytes left) and returns how many input bytes
 * it covers. */
static size_t next_unit(const char *text, size_t len, struct unit *unit)
{
    const unsigned char *s = (const unsigned char *)text;
    uint32_t code_point = 0;
    size_t size = utf8_sequence(s, len, &code_point);

    if (size == 0) {
        escape_bytes(unit, s, 1);
        return 1;
    }
    if (code_point < 0x20 || (code_point >= 0x7f && code_point <= 0x9f)) {
        escape_bytes(unit, s, size);
        return size;
    }
    if (is_layout_control(code_point)) {
        snprintf(unit->escape, sizeof(unit->escape), "\\u%04x", (unsigned)code_point);
        unit->bytes = unit->escape;
        unit->len = strlen(unit->escape);
        return size;
    }
    unit->bytes = text;
    unit->len = size;
    return size;
}

bool text_safe_copy(char *out, size_t out_size, const char *text, size_t len)
{
    static const char ellipsis[] = "...";
    size_t n = 0;
    size_t mark = 0; /* the last unit boundary after which "..." still fits */
    size_t i = 0;

    if (out_size == 0)
        return len == 0;
    while (i < len) {
        struct unit unit;
        size_t used = next_unit(text + i, len - i, &unit);

        if (n + unit.len + 1 > out_size) {
            n = mark;
            if (n + sizeof(ellipsis) <= out_size) {
                memcpy(out + n, ellipsis, sizeof(ellipsis) - 1);
                n += sizeof(ellipsis) - 1;
            }
            out[n] = '\0';
            return false;
        }
        memcpy(out + n, unit.bytes, unit.len);
        n += unit.len;
        i += used;
        if (n + sizeof(ellipsis) <= out_size)
            mark = n;
    }
    out[n] = '\0';
    return true;
}

const char *text_safe(const char *text, char *buffer, size_t size)
{
    if (text == NULL)
        text = "(null)";
    text_safe_copy(buffer, size, text, strlen(text));
    return buffer;
}

int text_safe_fputs(const char *text, FILE *stream)
{
    size_t len = strlen(text);
    size_t i = 0;

    while (i < len) {
        struct unit unit;
        size_t used = next_unit(text + i, len - i, &unit);

        if (fwrite(unit.bytes, 1, unit.len, stream) != unit.len)
            return EOF;
        i += used;
    }
    return 0;
}

json_t *text_safe_json_string(const char *text)
{
    json_t *string;
    char *safe;
    size_t size;

    if (text == NULL)
        return json_null();
    string = json_string(text);
    if (string != NULL)
        return string;

    /* Invalid UTF-8: each byte grows to at most 4 ("\xNN"). */
    size = strlen(text) * 4 + 1;
    safe = malloc(size);
    if (safe == NULL)
        return NULL;
    text_safe_copy(safe, size, text, strlen(text));
    string = json_string(safe);
    free(safe);
    return string;
}
