/*
 * The child side of isolated plugin loading: runs in a process forked from
 * schemareg-plugin-loader, loads one plugin and sends its providers to the
 * loader, which relays them to the host.
 */
#ifndef SCHEMAREG_PLUGIN_CHILD_H
#define SCHEMAREG_PLUGIN_CHILD_H

#include <sys/types.h>

/* Descriptors of a child process as plugin_child_run() arranges them. A
 * test fixture may rely on PLUGIN_CHILD_RESULT_FD to write to the pipe. */
#define PLUGIN_CHILD_RESULT_FD 3
#define PLUGIN_CHILD_PLUGIN_FD 4

/* Descriptors the child receives from the loader; the child owns them. */
struct plugin_child_fds {
    int plugin;  /* the checked plugin file */
    int result;  /* write end of the result pipe */
    int out;     /* write end of the pipe that replaces stdout */
    int err;     /* write end of the pipe that replaces stderr */
    int null;    /* /dev/null, opened for reading, for stdin */
};

/*
 * Runs in the child right after fork(). Moves the descriptors to 0 to 4,
 * closes every other one, resets signal dispositions and the signal mask,
 * and disables core dumps. Sets PR_SET_PDEATHSIG so the kernel kills the
 * child when the loader (loader_pid) dies. Then loads the plugin with
 * plugin_load_fd() and writes one plugin_wire message to the result pipe. Ends with _exit(), so no atexit
 * handler and no plugin destructor runs, unless the plugin itself exits.
 */
_Noreturn void plugin_child_run(const struct plugin_child_fds *fds, const char *path,
                                pid_t loader_pid);

#endif
