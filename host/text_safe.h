/*
 * Untrusted text (plugin strings, file names, server messages, stored
 * records) made safe for one line of a terminal or a JSON string:
 * - C0 controls (newline and tab included), DEL and C1 controls become
 *   \xNN, one escape per byte (a C1 control, U+0080 to U+009F, is two bytes
 *   in UTF-8: "\xc2\x9b");
 * - bytes that are not part of valid UTF-8 (overlong forms, surrogates,
 *   code points above U+10FFFF, cut sequences) become \xNN;
 * - the Unicode line and paragraph separators and the bidirectional
 *   embedding, override and isolate controls (U+2028, U+2029, U+202A to
 *   U+202E, U+2066 to U+2069), which can make a line read differently from
 *   its bytes, become \u2028 and so on.
 * Every other character is copied as it is, backslashes included.
 */
#ifndef SCHEMAREG_TEXT_SAFE_H
#define SCHEMAREG_TEXT_SAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/*
 * Copies text (len bytes, NULs included and escaped) into out, which
 * receives at most out_size - 1 bytes and a NUL. When the result does not
 * fit, it is cut before a whole character or escape and ends with "...".
 * Returns true when everything fit.
 */
bool text_safe_copy(char *out, size_t out_size, const char *text, size_t len);

/* Returns the safe form of a NUL-terminated text in buffer (size bytes),
 * cut as text_safe_copy cuts, or "(null)" for NULL. For use in printf. */
const char *text_safe(const char *text, char *buffer, size_t size);

/* Writes the safe form of text to stream, without a length limit. Returns 0,
 * or EOF on a write error. */
int text_safe_fputs(const char *text, FILE *stream);

/* Returns a JSON string of text: the text itself when it is valid UTF-8,
 * else its safe form, so one bad byte never loses the whole string. JSON
 * escapes control characters itself. NULL gives JSON null; NULL is
 * returned only when out of memory. */
json_t *text_safe_json_string(const char *text);

#endif
