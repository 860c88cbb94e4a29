/*
 * schemareg-plugin-loader: started by schemareg-host once per run to load
 * plugins in child processes forked from this small program rather than
 * from the host (docs/SECURITY.md, "What runs where"). It links only what
 * loading needs, so a fork is cheap, and a child never contains host memory.
 *
 * Usage: schemareg-plugin-loader --parent-pid=PID --timeout-ms=MS
 *        --max-children=N, with the socket of host/plugin_relay.h as
 *        descriptor 3.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "plugin_relay.h"
#include "plugin_supervise.h"

#define EXIT_USAGE 2

/* Parses "NAME=VALUE" for a decimal VALUE in 1..max. Returns 1 when arg
 * is that option and valid, 0 when it is another option, -1 when invalid. */
static int parse_number(const char *arg, const char *name, unsigned long max,
                        unsigned long *out)
{
    size_t length = strlen(name);
    if (strncmp(arg, name, length) != 0 || arg[length] != '=')
        return 0;

    const char *text = arg + length + 1;
    char *end = NULL;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 || value == 0 ||
        value > max)
        return -1;
    *out = value;
    return 1;
}

static int parse_arguments(int argc, char **argv, pid_t *parent_pid,
                           struct plugin_supervise_options *options)
{
    unsigned long pid = 0, timeout_ms = 0, max_children = 0;
    for (int i = 1; i < argc; i++) {
        int matched = parse_number(argv[i], "--parent-pid", INT_MAX, &pid);
        if (matched == 0)
            matched = parse_number(argv[i], "--timeout-ms", UINT_MAX, &timeout_ms);
        if (matched == 0)
            matched = parse_number(argv[i], "--max-children", 1024, &max_children);
        if (matched != 1) {
            log_error("plugin loader: invalid argument \"%s\"", argv[i]);
            return -1;
        }
    }
    if (pid == 0 || timeout_ms == 0 || max_children == 0) {
        log_error("plugin loader: --parent-pid, --timeout-ms and --max-children are required");
        return -1;
    }

    *parent_pid = (pid_t)pid;
    options->timeout_ms = (unsigned)timeout_ms;
    options->max_children = (unsigned)max_children;
    return 0;
}

int main(int argc, char **argv)
{
    pid_t parent_pid;
    struct plugin_supervise_options options;
    if (parse_arguments(argc, argv, &parent_pid, &options) != 0) {
        log_error("schemareg-plugin-loader is started by schemareg-host and is not meant to "
                  "be run by hand");
        return EXIT_USAGE;
    }

    /* The kernel kills the loader when the host ends. Checking the parent
     * after setting this covers a host that ended just before. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent_pid)
        return EXIT_FAILURE;

    /* The host passes only descriptors 0 to 3; close any that leaked. */
    if (close_range(PLUGIN_RELAY_SOCKET_FD + 1, ~0u, 0) != 0) {
        for (int fd = PLUGIN_RELAY_SOCKET_FD + 1; fd < 65536; fd++)
            close(fd);
    }

    struct stat st;
    if (fstat(PLUGIN_RELAY_SOCKET_FD, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        log_error("plugin loader: descriptor %d is not the host's socket",
                  PLUGIN_RELAY_SOCKET_FD);
        return EXIT_USAGE;
    }

    return plugin_supervise_run(PLUGIN_RELAY_SOCKET_FD, &options);
}
