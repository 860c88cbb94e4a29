#include "plugin_child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "catalog.h"
#include "plugin_load.h"
#include "plugin_wire.h"

/* Exit status of a child that could not even report its failure. */
#define CHILD_EXIT_INTERNAL 125

#define ERROR_SIZE 1024

/* Every descriptor the child keeps ends at or above this while they are
 * moved, so a dup2() into 0 to 4 never overwrites one still needed. */
#define FD_PARKING 10

static void reset_signals(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);

    /* SIGKILL, SIGSTOP and the signals glibc reserves fail with EINVAL. */
    for (int signal_number = 1; signal_number < NSIG; signal_number++)
        sigaction(signal_number, &action, NULL);

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Moves the descriptors to their fixed numbers and closes all others.
 * Returns 0, or -1 when a descriptor could not be moved. */
static int arrange_fds(const struct plugin_child_fds *fds)
{
    int sources[] = {fds->null, fds->out, fds->err, fds->result, fds->plugin};
    int parked[5];

    for (int i = 0; i < 5; i++) {
        parked[i] = fcntl(sources[i], F_DUPFD, FD_PARKING);
        if (parked[i] < 0)
            return -1;
    }
    for (int i = 0; i < 5; i++) {
        if (dup2(parked[i], i) != i)
            return -1;
    }
    /* Also closes the other children's pipes and the loader's socket. */
    if (close_range(5, ~0u, 0) != 0) {
        for (int fd = 5; fd < 65536; fd++)
            close(fd);
    }
    return 0;
}

static int write_all(int fd, const char *data, size_t size)
{
    while (size > 0) {
        ssize_t written = write(fd, data, size);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return -1;
        data += written;
        size -= (size_t)written;
    }
    return 0;
}

/* Loads the plugin and returns the message to send, or NULL. */
static char *load_and_encode(const char *path)
{
    char err[ERROR_SIZE];
    struct catalog_plugin plugin;
    if (plugin_load_fd(PLUGIN_CHILD_PLUGIN_FD, path, &plugin, err, sizeof(err)) != 0)
        return plugin_wire_encode_error(err);

    char *message = plugin_wire_encode_plugin(&plugin, err, sizeof(err));
    catalog_plugin_clear(&plugin);
    return message != NULL ? message : plugin_wire_encode_error(err);
}

_Noreturn void plugin_child_run(const struct plugin_child_fds *fds, const char *path,
                                pid_t loader_pid)
{
    /* Drops output the loader had buffered but not written at fork time, so
     * the plugin's stdout pipe receives only what the plugin prints. */
    __fpurge(stdout);
    __fpurge(stderr);

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != loader_pid)
        _exit(CHILD_EXIT_INTERNAL);
    setpgid(0, 0);
    reset_signals();

    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);

    if (arrange_fds(fds) != 0)
        _exit(CHILD_EXIT_INTERNAL);

    char *message = load_and_encode(path);

    /* Pushes what the plugin printed with stdio into the stdout pipe, so
     * the loader receives it even though the child never returns from main. */
    fflush(stdout);

    if (message == NULL || write_all(PLUGIN_CHILD_RESULT_FD, message, strlen(message)) != 0)
        _exit(CHILD_EXIT_INTERNAL);
    _exit(0);
}
