#include "plugin_isolate.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "plugin_outcome.h"
#include "plugin_relay.h"
#include "plugin_spawn.h"

#define ERROR_SIZE 512

/* How long the loader may send nothing while jobs are open, beyond the
 * per-plugin timeout. A running child ends by its deadline, and the
 * loader starts the next one at once, so a healthy loader sends a frame
 * at least every timeout_ms plus the time to fork and reap. */
#define LOADER_GRACE_MS 5000

/* How long a loader may take to exit once the host closes its socket at
 * the end of a run, before it is killed. */
#define LOADER_EXIT_WAIT_MS 1000

struct plugin_isolate {
    struct plugin_isolate_options options;
    char *loader_path;
    pid_t pid; /* 0 while no loader runs */
    int socket_fd;
    struct sigaction saved_sigchld;
    int sigchld_changed;
};

/* Result of reading from the loader. */
enum read_status {
    READ_OK = 0,
    READ_ENDED,   /* end of stream or a read error: the loader is gone */
    READ_STALLED, /* nothing arrived within the grace time */
};

static long long monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* With SIGCHLD ignored, which a parent process can pass on through exec,
 * the kernel reaps children itself and waitpid() cannot report how the
 * loader ended. Sets the default action in that case. */
static void stop_ignoring_sigchld(struct plugin_isolate *isolate)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);

    if (sigaction(SIGCHLD, NULL, &isolate->saved_sigchld) != 0 ||
        isolate->saved_sigchld.sa_handler != SIG_IGN)
        return;
    isolate->sigchld_changed = sigaction(SIGCHLD, &action, NULL) == 0;
}

struct plugin_isolate *plugin_isolate_new(const struct plugin_isolate_options *options)
{
    struct plugin_isolate *isolate = calloc(1, sizeof(*isolate));
    if (isolate == NULL)
        return NULL;
    isolate->loader_path = plugin_spawn_find_loader();
    if (isolate->loader_path == NULL) {
        free(isolate);
        return NULL;
    }
    isolate->options = *options;
    isolate->socket_fd = -1;
    stop_ignoring_sigchld(isolate);
    return isolate;
}

/* Kills the loader and returns how it ended, as a phrase. The kill comes
 * before the socket closes, so a loader still running cannot take the end
 * of the stream as a normal stop and exit on its own. */
static void stop_loader(struct plugin_isolate *isolate, char *how, size_t how_size)
{
    if (isolate->pid != 0)
        kill(isolate->pid, SIGKILL);
    if (isolate->socket_fd >= 0)
        close(isolate->socket_fd);
    isolate->socket_fd = -1;
    if (isolate->pid == 0)
        return;

    int status = 0;
    pid_t waited;
    do {
        waited = waitpid(isolate->pid, &status, 0);
    } while (waited < 0 && errno == EINTR);
    isolate->pid = 0;

    if (waited < 0)
        snprintf(how, how_size, "ended (its exit status is unknown: %s)", strerror(errno));
    else if (WIFEXITED(status))
        snprintf(how, how_size, "exited with status %d", WEXITSTATUS(status));
    else if (WTERMSIG(status) == SIGKILL)
        snprintf(how, how_size, "was killed by signal %d (SIGKILL)", SIGKILL);
    else
        snprintf(how, how_size, "was killed by signal %d", WTERMSIG(status));
}

/*
 * Reads exactly size bytes. The deadline moves on with every byte that
 * arrives, so a large result is never cut short while it flows.
 */
static enum read_status read_exact(int fd, void *buffer, size_t size, unsigned stall_ms)
{
    char *data = buffer;
    long long deadline = monotonic_ms() + stall_ms;
    while (size > 0) {
        long long left = deadline - monotonic_ms();
        if (left <= 0)
            return READ_STALLED;

        struct pollfd watched = {.fd = fd, .events = POLLIN};
        int ready = poll(&watched, 1, (int)left);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0)
            continue;
        if (ready < 0)
            return READ_ENDED;

        ssize_t got = read(fd, data, size);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            return READ_ENDED;
        data += got;
        size -= (size_t)got;
        deadline = monotonic_ms() + stall_ms;
    }
    return READ_OK;
}

/* Fails every unanswered job after a loader failure. */
static void fail_unanswered(struct plugin_isolate_job *jobs, size_t count,
                            const unsigned char *answered, const char *reason)
{
    for (size_t i = 0; i < count; i++) {
        if (!answered[i])
            plugin_outcome_fail(&jobs[i], "not loaded: %s", reason);
    }
}

/* Starts the loader unless it runs. Returns 0, or -1 after failing every
 * job with the reason. */
static int ensure_loader(struct plugin_isolate *isolate, struct plugin_isolate_job *jobs,
                         size_t count)
{
    if (isolate->pid != 0)
        return 0;

    char err[ERROR_SIZE];
    if (plugin_spawn_start(isolate->loader_path, isolate->options.timeout_ms,
                           isolate->options.max_children, &isolate->pid, &isolate->socket_fd,
                           err, sizeof(err)) == 0)
        return 0;

    log_error("%s", err);
    for (size_t i = 0; i < count; i++)
        plugin_outcome_fail(&jobs[i], "not loaded: %s", err);
    return -1;
}

/* Sends every job's descriptor to the loader, then closes it here. */
static int send_jobs(struct plugin_isolate *isolate, struct plugin_isolate_job *jobs,
                     size_t count)
{
    uint32_t *indexes = calloc(count, sizeof(*indexes));
    int *fds = calloc(count, sizeof(*fds));
    int status = -1;
    if (indexes != NULL && fds != NULL) {
        for (size_t i = 0; i < count; i++) {
            indexes[i] = (uint32_t)i;
            fds[i] = jobs[i].fd;
        }
        status = plugin_relay_send_jobs(isolate->socket_fd, indexes, fds, count);
    }
    for (size_t i = 0; i < count; i++) {
        close(jobs[i].fd);
        jobs[i].fd = -1;
    }
    free(indexes);
    free(fds);
    return status;
}

/*
 * Receives one frame and settles its job. Returns 0, or -1 with the
 * reason the loader must be stopped in reason.
 */
static int receive_frame(struct plugin_isolate *isolate, struct plugin_isolate_job *jobs,
                         size_t count, unsigned char *answered, char *reason,
                         size_t reason_size)
{
    unsigned stall_ms = isolate->options.timeout_ms + LOADER_GRACE_MS;
    struct plugin_relay_header header;
    enum read_status read = read_exact(isolate->socket_fd, &header, sizeof(header), stall_ms);

    char err[ERROR_SIZE];
    char *body = NULL;
    size_t body_length = 0;
    if (read == READ_OK && plugin_relay_parse_header(&header, count, err, sizeof(err)) != 0) {
        snprintf(reason, reason_size, "the plugin loader process sent an invalid result (%s)",
                 err);
        return -1;
    }
    if (read == READ_OK && answered[header.index]) {
        snprintf(reason, reason_size, "the plugin loader process sent a second result for job "
                 "%u", (unsigned)header.index);
        return -1;
    }
    if (read == READ_OK) {
        body_length = plugin_relay_body_length(&header);
        body = malloc(body_length + 1);
        if (body == NULL) {
            snprintf(reason, reason_size, "out of memory while reading a %zu-byte result",
                     body_length);
            return -1;
        }
        read = read_exact(isolate->socket_fd, body, body_length, stall_ms);
    }

    if (read == READ_STALLED) {
        snprintf(reason, reason_size, "the plugin loader process sent nothing for %u ms and "
                 "was stopped", stall_ms);
        free(body);
        return -1;
    }
    if (read == READ_ENDED) {
        snprintf(reason, reason_size, "the plugin loader process ended before it reported on "
                 "this plugin");
        free(body);
        return -1;
    }

    answered[header.index] = 1;
    plugin_outcome_settle(&jobs[header.index], &header, body, isolate->options.timeout_ms);
    free(body);
    return 0;
}

void plugin_isolate_run(struct plugin_isolate *isolate, struct plugin_isolate_job *jobs,
                        size_t count)
{
    if (count == 0)
        return;
    unsigned char *answered = calloc(count, 1);
    if (answered == NULL) {
        for (size_t i = 0; i < count; i++) {
            plugin_outcome_fail(&jobs[i], "out of memory");
            close(jobs[i].fd);
            jobs[i].fd = -1;
        }
        return;
    }
    if (ensure_loader(isolate, jobs, count) != 0) {
        for (size_t i = 0; i < count; i++) {
            close(jobs[i].fd);
            jobs[i].fd = -1;
        }
        free(answered);
        return;
    }

    char reason[ERROR_SIZE + 128];
    reason[0] = '\0';
    int failed = 0;
    if (send_jobs(isolate, jobs, count) != 0) {
        snprintf(reason, sizeof(reason), "cannot send plugins to the plugin loader process: %s",
                 strerror(errno));
        failed = 1;
    }
    for (size_t answers = 0; !failed && answers < count; answers++)
        failed = receive_frame(isolate, jobs, count, answered, reason, sizeof(reason)) != 0;

    if (failed) {
        char how[128];
        how[0] = '\0';
        stop_loader(isolate, how, sizeof(how));
        log_error("%s; the plugin loader process %s; the plugins it had not reported on are "
                  "not loaded", reason, how);
        char full[sizeof(reason) + sizeof(how) + 64];
        snprintf(full, sizeof(full), "%s (it %s)", reason, how);
        fail_unanswered(jobs, count, answered, full);
    }
    free(answered);
}

/* Closes the socket of an idle loader, which then exits, and reaps it.
 * Returns 0, or -1 when it did not exit in time and is still running. */
static int close_loader(struct plugin_isolate *isolate)
{
    close(isolate->socket_fd);
    isolate->socket_fd = -1;

    long long deadline = monotonic_ms() + LOADER_EXIT_WAIT_MS;
    do {
        int status = 0;
        pid_t waited = waitpid(isolate->pid, &status, WNOHANG);
        if (waited == isolate->pid || (waited < 0 && errno != EINTR)) {
            if (waited == isolate->pid && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
                log_debug("the plugin loader process ended with wait status %d", status);
            isolate->pid = 0;
            return 0;
        }
        struct timespec pause = {.tv_sec = 0, .tv_nsec = 1000000};
        nanosleep(&pause, NULL);
    } while (monotonic_ms() < deadline);
    return -1;
}

void plugin_isolate_free(struct plugin_isolate *isolate)
{
    if (isolate == NULL)
        return;
    char how[128];
    if (isolate->pid != 0 && close_loader(isolate) != 0)
        log_warn("the plugin loader process did not exit within %d ms of the end of loading "
                 "and was killed", LOADER_EXIT_WAIT_MS);
    stop_loader(isolate, how, sizeof(how));
    if (isolate->sigchld_changed)
        sigaction(SIGCHLD, &isolate->saved_sigchld, NULL);
    free(isolate->loader_path);
    free(isolate);
}
