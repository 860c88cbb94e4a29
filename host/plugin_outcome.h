/*
 * Turns what the plugin loader relays about one child into the outcome
 * of a job: the copied plugin, or the message that explains why it failed.
 */
#ifndef SCHEMAREG_PLUGIN_OUTCOME_H
#define SCHEMAREG_PLUGIN_OUTCOME_H

#include "plugin_isolate.h"
#include "plugin_relay.h"

/*
 * Sets job->plugin or job->error from a header that passed
 * plugin_relay_parse_header() and its body of
 * plugin_relay_body_length() bytes. timeout_ms is quoted when the child
 * timed out. Every byte of the body is treated as untrusted.
 */
void plugin_outcome_settle(struct plugin_isolate_job *job,
                           const struct plugin_relay_header *header, const char *body,
                           unsigned timeout_ms);

/* Sets job->error (malloc'd) from a format. */
void plugin_outcome_fail(struct plugin_isolate_job *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
