#include "plugin_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "schemareg/provider.h"

/* Wraps value (a new reference) as {key: value} and dumps it compactly. */
static char *encode_member(const char *key, json_t *value)
{
    if (value == NULL)
        return NULL;

    json_t *root = json_object();
    if (root == NULL || json_object_set_new(root, key, value) != 0) {
        json_decref(root);
        return NULL;
    }
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return text;
}

/* Removes the parsed copies of each seed's JSON texts from model. The
 * host reads the exact texts, which win over the parsed forms, so the
 * parsed forms only made the message and its decoding about twice as
 * large: a plugin with thousands of seeds cost megabytes more to load. */
static void drop_parsed_seed_json(json_t *model)
{
    size_t i;
    json_t *provider;

    json_array_foreach(json_object_get(model, "providers"), i, provider) {
        size_t j;
        json_t *seed;

        json_array_foreach(json_object_get(provider, "seeds"), j, seed) {
            json_object_del(seed, "item");
            json_object_del(seed, "expression_attribute_names");
            json_object_del(seed, "expression_attribute_values");
        }
    }
}

char *plugin_wire_encode_plugin(const struct catalog_plugin *plugin, char *err,
                                size_t err_size)
{
    json_t *model = catalog_plugin_to_json(plugin, err, err_size);
    if (model == NULL)
        return NULL;
    drop_parsed_seed_json(model);

    char *text = encode_member("plugin", model);
    if (text == NULL)
        snprintf(err, err_size, "out of memory while encoding the providers");
    return text;
}

char *plugin_wire_encode_error(const char *message)
{
    return encode_member("error", json_string(message));
}

/* Length of the UTF-8 sequence that starts with lead byte c. */
static size_t utf8_length(unsigned char c)
{
    if (c >= 0xf0)
        return 4;
    if (c >= 0xe0)
        return 3;
    return c >= 0xc0 ? 2 : 1;
}

/* Copies text into out, replacing C0 controls and DEL by '?'. When
 * keep_utf8 is set, text is valid UTF-8: multibyte characters are kept
 * whole, except the C1 controls (U+0080 to U+009F, encoded C2 80 to C2 9F).
 * Otherwise every byte above 0x7e becomes '?'. */
static void copy_printable(const char *text, size_t size, int keep_utf8, char *out,
                           size_t out_size)
{
    if (out_size == 0)
        return;

    size_t n = 0;
    size_t i = 0;
    while (i < size) {
        unsigned char c = (unsigned char)text[i];
        size_t length = keep_utf8 && c > 0x7f ? utf8_length(c) : 1;
        int is_c1 = length == 2 && c == 0xc2 && i + 1 < size &&
                    (unsigned char)text[i + 1] <= 0x9f;
        int replace = is_c1 || c < 0x20 || c == 0x7f || (c > 0x7e && !keep_utf8);
        size_t written = replace ? 1 : length;

        if (i + length > size || n + written + 1 > out_size)
            break;
        if (replace)
            out[n] = '?';
        else
            memcpy(out + n, text + i, length);
        n += written;
        i += length;
    }
    out[n] = '\0';
}

void plugin_wire_printable(const char *text, size_t size, char *out, size_t out_size)
{
    size_t start = 0;
    while (start < size && (text[start] == '\n' || text[start] == '\r'))
        start++;
    size_t end = start;
    while (end < size && text[end] != '\n' && text[end] != '\r')
        end++;
    copy_printable(text + start, end - start, 0, out, out_size);
}

static enum plugin_wire_kind malformed(char *message, size_t message_size, const char *fmt,
                                       const char *detail)
{
    snprintf(message, message_size, fmt, detail);
    return PLUGIN_WIRE_MALFORMED;
}

static enum plugin_wire_kind decode_plugin(const json_t *model, const char *path,
                                           struct catalog_plugin *plugin, char *message,
                                           size_t message_size)
{
    char reason[512];
    if (catalog_plugin_from_json(model, plugin, reason, sizeof(reason)) != 0)
        return malformed(message, message_size, "invalid providers: %s", reason);

    if (plugin->abi_major != SCHEMAREG_ABI_MAJOR) {
        catalog_plugin_clear(plugin);
        return malformed(message, message_size, "%s", "providers declare another ABI major");
    }

    char *copy = strdup(path);
    if (copy == NULL) {
        catalog_plugin_clear(plugin);
        return malformed(message, message_size, "%s", "out of memory");
    }
    free(plugin->path);
    plugin->path = copy;
    return PLUGIN_WIRE_PLUGIN;
}

enum plugin_wire_kind plugin_wire_decode(const char *data, size_t size, const char *path,
                                         struct catalog_plugin *plugin, char *message,
                                         size_t message_size)
{
    memset(plugin, 0, sizeof(*plugin));

    json_error_t error;
    json_t *root = json_loadb(data, size, JSON_REJECT_DUPLICATES, &error);
    if (root == NULL) {
        char reason[sizeof(error.text) + 64];
        snprintf(reason, sizeof(reason), "%s at byte %d", error.text, error.position);
        return malformed(message, message_size, "not JSON: %s", reason);
    }

    enum plugin_wire_kind kind;
    const json_t *model = json_object_get(root, "plugin");
    const json_t *text = json_object_get(root, "error");
    if (!json_is_object(root) || json_object_size(root) != 1 ||
        (model == NULL && text == NULL)) {
        kind = malformed(message, message_size, "%s",
                         "expected an object with one member, \"plugin\" or \"error\"");
    } else if (model != NULL) {
        kind = decode_plugin(model, path, plugin, message, message_size);
    } else if (!json_is_string(text)) {
        kind = malformed(message, message_size, "%s", "\"error\" is not a string");
    } else {
        copy_printable(json_string_value(text), json_string_length(text), 1, message,
                       message_size);
        kind = PLUGIN_WIRE_ERROR;
    }

    json_decref(root);
    return kind;
}
