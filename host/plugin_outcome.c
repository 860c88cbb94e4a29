#include "plugin_outcome.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "plugin_wire.h"

#define MESSAGE_SIZE 1024
#define QUOTE_SIZE 160 /* longest quoted stdout or stderr line */

/* The parts of a frame's body. */
struct frame_parts {
    const char *note;
    const char *stdout_head;
    const char *stderr_text;
    const char *result;
};

void plugin_outcome_fail(struct plugin_isolate_job *job, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    free(job->error);
    if (vasprintf(&job->error, fmt, args) < 0)
        job->error = NULL;
    va_end(args);
    if (job->error == NULL)
        job->error = strdup("out of memory while recording why the plugin failed");
}

/* "1", "0.5" or "2.25" for a number of milliseconds. */
static void format_seconds(unsigned ms, char *out, size_t size)
{
    int length = snprintf(out, size, "%u.%03u", ms / 1000, ms % 1000);
    while (length > 0 && out[length - 1] == '0')
        out[--length] = '\0';
    if (length > 0 && out[length - 1] == '.')
        out[--length] = '\0';
}

/* "; its stderr: \"...\"" with the first line of the child's stderr, or "". */
static void stderr_suffix(const char *text, size_t length, char *out, size_t size)
{
    char line[QUOTE_SIZE];
    plugin_wire_printable(text, length, line, sizeof(line));
    if (line[0] == '\0')
        snprintf(out, size, "%s", "");
    else
        snprintf(out, size, "; its stderr: \"%s\"", line);
}

static void describe_signal(int signal_number, char *out, size_t size)
{
    const char *abbreviation = sigabbrev_np(signal_number);
    if (abbreviation != NULL)
        snprintf(out, size, "%d (SIG%s)", signal_number, abbreviation);
    else
        snprintf(out, size, "%d", signal_number);
}

/* Decodes what a child that exited normally sent. */
static void take_result(struct plugin_isolate_job *job, const struct plugin_relay_header *header,
                        const struct frame_parts *parts, const char *suffix)
{
    char message[MESSAGE_SIZE];
    enum plugin_wire_kind kind = plugin_wire_decode(parts->result, header->result_length,
                                                    job->path, &job->plugin, message,
                                                    sizeof(message));

    if (kind == PLUGIN_WIRE_MALFORMED)
        plugin_outcome_fail(job, "sent malformed data to the host (%s); the plugin is not "
                                 "loaded%s", message, suffix);
    else if (kind == PLUGIN_WIRE_ERROR)
        plugin_outcome_fail(job, "%s", message);
    else if (header->stderr_length > 0)
        log_warn("%s: loaded, but wrote to stderr while loading%s", job->path, suffix);
}

void plugin_outcome_settle(struct plugin_isolate_job *job,
                           const struct plugin_relay_header *header, const char *body,
                           unsigned timeout_ms)
{
    struct frame_parts parts;
    parts.note = body;
    parts.stdout_head = parts.note + header->note_length;
    parts.stderr_text = parts.stdout_head + header->stdout_length;
    parts.result = parts.stderr_text + header->stderr_length;

    char suffix[QUOTE_SIZE + 32];
    stderr_suffix(parts.stderr_text, header->stderr_length, suffix, sizeof(suffix));

    if (header->outcome == PLUGIN_RELAY_LOADER_ERROR) {
        char note[QUOTE_SIZE];
        plugin_wire_printable(parts.note, header->note_length, note, sizeof(note));
        plugin_outcome_fail(job, "the plugin loader could not load it: %s", note);
    } else if (header->outcome == PLUGIN_RELAY_TIMED_OUT) {
        char seconds[32];
        format_seconds(timeout_ms, seconds, sizeof(seconds));
        plugin_outcome_fail(job, "timed out after %s s while loading and was killed; raise "
                                 "--plugin-timeout if the plugin is only slow%s",
                            seconds, suffix);
    } else if (header->outcome == PLUGIN_RELAY_OVERFLOW) {
        plugin_outcome_fail(job, "sent more than %u bytes to the host and was killed%s",
                            PLUGIN_WIRE_MAX_SIZE, suffix);
    } else if (header->outcome == PLUGIN_RELAY_SIGNALED) {
        char signal_text[64];
        describe_signal(header->code, signal_text, sizeof(signal_text));
        plugin_outcome_fail(job, "crashed while loading: killed by signal %s%s", signal_text,
                            suffix);
    } else if (header->stdout_total > 0) {
        char head[QUOTE_SIZE];
        plugin_wire_printable(parts.stdout_head, header->stdout_length, head, sizeof(head));
        plugin_outcome_fail(job, "wrote %llu bytes to stdout while loading (\"%s\"); a plugin "
                                 "must not print, because stdout carries the host's output%s",
                            (unsigned long long)header->stdout_total, head, suffix);
    } else if (header->code != 0 || header->result_length == 0) {
        plugin_outcome_fail(job, "exited with status %d before sending its providers (a "
                                 "constructor or the entry point ended the process)%s",
                            (int)header->code, suffix);
    } else {
        take_result(job, header, &parts, suffix);
    }

    if (job->error != NULL)
        catalog_plugin_clear(&job->plugin);
}
