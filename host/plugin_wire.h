/*
 * The message a plugin loader child process sends to the host over a
 * pipe: one JSON object, either {"plugin": MODEL} with the model of
 * docs/MODEL.md, or {"error": "message"} when loading failed in a way the
 * child could still report. The host treats the bytes as untrusted.
 */
#ifndef SCHEMAREG_PLUGIN_WIRE_H
#define SCHEMAREG_PLUGIN_WIRE_H

#include <stddef.h>

#include "catalog.h"

/* Largest message the host reads from a child, in bytes. A plugin whose
 * model serializes to more is rejected. */
#define PLUGIN_WIRE_MAX_SIZE (64u * 1024u * 1024u)

enum plugin_wire_kind {
    PLUGIN_WIRE_MALFORMED = -1, /* not a valid message; the reason is in message */
    PLUGIN_WIRE_PLUGIN = 0,     /* *plugin contains the copied model */
    PLUGIN_WIRE_ERROR = 1,      /* the child's error message is in message */
};

/* Encodes a plugin or an error message. Returns a malloc'd NUL-terminated
 * JSON text, or NULL with a reason in err. */
char *plugin_wire_encode_plugin(const struct catalog_plugin *plugin, char *err,
                                size_t err_size);
char *plugin_wire_encode_error(const char *message);

/*
 * Decodes size bytes of data. A plugin must declare SCHEMAREG_ABI_MAJOR;
 * its path is replaced by a copy of path, so the host never reports a path
 * the child chose. Control characters and non-ASCII bytes in a received
 * error message are replaced by '?', so it is safe to print on a terminal.
 */
enum plugin_wire_kind plugin_wire_decode(const char *data, size_t size, const char *path,
                                         struct catalog_plugin *plugin, char *message,
                                         size_t message_size);

/* Copies at most size bytes of text into out as one printable ASCII line:
 * stops at the first line break after leading ones, and replaces other
 * control characters and bytes above 0x7e by '?'. */
void plugin_wire_printable(const char *text, size_t size, char *out, size_t out_size);

#endif
