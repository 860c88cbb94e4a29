/*
 * Crash isolation: loads each plugin in its own child process, so a plugin
 * that crashes, exits, hangs or prints cannot harm the host. The host
 * process never maps plugin code here; it only reads the providers each
 * child sends back (host/plugin_wire.h).
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

/*
 * Loads every job, each in a child that plugin_child_run() drives, with up
 * to max_children at a time. A child that has not exited timeout_ms after
 * it started is killed with SIGKILL, together with any process it started.
 * Every job ends with either a plugin or an error: killed by a signal,
 * exited before sending its providers, timed out, wrote to stdout, sent
 * malformed data, or the error the child itself reported.
 */
void plugin_isolate_run(struct plugin_isolate_job *jobs, size_t count,
                        const struct plugin_isolate_options *options);

#endif
