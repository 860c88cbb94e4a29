/*
 * The loop of schemareg-plugin-loader: receives checked plugin descriptors
 * from the host, loads each in its own child process and sends each
 * child's outcome back (host/plugin_relay.h).
 */
#ifndef SCHEMAREG_PLUGIN_SUPERVISE_H
#define SCHEMAREG_PLUGIN_SUPERVISE_H

struct plugin_supervise_options {
    unsigned timeout_ms;   /* per plugin, counted from its fork; must be > 0 */
    unsigned max_children; /* children running at once; must be > 0 */
};

/*
 * Serves the host on socket_fd until the host closes it. Each child is
 * driven by plugin_child_run(). A child that has not exited timeout_ms
 * after it started is killed with SIGKILL; after every child its whole
 * process group is killed too. Every job gets exactly one result frame,
 * unless the host closes the socket first, in which case the running
 * children are killed and their jobs dropped. Returns the exit status of
 * the loader process: 0 when the host closed the socket, 1 on a broken
 * stream or a failure of the loader itself (logged).
 */
int plugin_supervise_run(int socket_fd, const struct plugin_supervise_options *options);

#endif
