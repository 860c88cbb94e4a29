/*
 * Crash isolation: loads each plugin in its own child process, so a plugin
 * that crashes, exits, hangs or prints cannot harm the host. The children
 * are forked by schemareg-plugin-loader (host/plugin_supervise.h), which
 * the host starts once and feeds checked descriptors. The host process
 * never maps plugin code here; it only reads and checks what the loader
 * relays (host/plugin_relay.h, host/plugin_wire.h).
 */
#ifndef SCHEMAREG_PLUGIN_ISOLATE_H
#define SCHEMAREG_PLUGIN_ISOLATE_H

#include <stddef.h>

#include "catalog.h"

/* One plugin file to load. */
struct plugin_isolate_job {
    int fd;           /* checked descriptor; plugin_isolate_run() closes it */
    const char *path; /* for messages and the copied plugin */

    /* Outcome: on success error is NULL and plugin contains the providers;
     * otherwise error is a malloc'd reason that does not name the file. */
    struct catalog_plugin plugin;
    char *error;
};

struct plugin_isolate_options {
    unsigned timeout_ms;   /* per plugin, counted from its fork; must be > 0 */
    unsigned max_children; /* children running at once; must be > 0 */
};

/* A session with the plugin loader process; opaque. */
struct plugin_isolate;

/* Creates a session; the loader process starts at the first run. Returns
 * NULL when out of memory. */
struct plugin_isolate *plugin_isolate_new(const struct plugin_isolate_options *options);

/*
 * Loads every job, with up to max_children children at a time. A child
 * that has not exited timeout_ms after it started is killed with SIGKILL,
 * together with any process it started. Every job ends with either a
 * plugin or an error. The error is one of: killed by a signal, exited
 * before sending its providers, timed out, wrote to stdout, sent malformed
 * data, or the error the child itself reported. It can also be a failure of
 * the loader process (could not start, died, stalled or sent an invalid
 * frame) before it reported on the job. After a loader failure the next
 * run starts a new loader.
 */
void plugin_isolate_run(struct plugin_isolate *isolate, struct plugin_isolate_job *jobs,
                        size_t count);

/* Stops the loader process, if one runs, and frees the session. */
void plugin_isolate_free(struct plugin_isolate *isolate);

#endif
