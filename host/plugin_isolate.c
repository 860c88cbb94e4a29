#include "plugin_isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "plugin_child.h"
#include "plugin_wire.h"

#define MESSAGE_SIZE 1024
#define STDOUT_HEAD_SIZE 64   /* bytes of a plugin's stdout quoted in the error */
#define STDERR_KEPT_SIZE 1024 /* bytes of a plugin's stderr kept for messages */
#define QUOTE_SIZE 160        /* longest quoted stdout or stderr line */
#define READ_CHUNK_SIZE 16384
/* Bytes read from one pipe per wakeup, and from stdout or stderr once the
 * child has ended. */
#define POLL_READ_BUDGET (256u * 1024u)
#define FINAL_READ_BUDGET (4u * 1024u * 1024u)
/* How often a child's exit is checked when the kernel has no pidfd_open. */
#define EXIT_CHECK_INTERVAL_MS 5

/* A running child and what it has sent so far. */
struct child {
    struct plugin_isolate_job *job;
    pid_t pid;
    int pidfd;     /* readable once the child exits; -1 without pidfd_open */
    int result_fd; /* read ends of the three pipes, -1 after end of file */
    int out_fd;
    int err_fd;
    char *result;
    size_t result_len;
    size_t result_capacity;
    int result_overflow;
    char out_head[STDOUT_HEAD_SIZE];
    size_t out_len; /* every byte counted, the first ones kept in out_head */
    char err_text[STDERR_KEPT_SIZE];
    size_t err_len;
    long long deadline_ms;
    int exited;
};

static long long monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void set_error(struct plugin_isolate_job *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_error(struct plugin_isolate_job *job, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    if (vasprintf(&job->error, fmt, args) < 0)
        job->error = NULL;
    va_end(args);
    if (job->error == NULL)
        job->error = strdup("out of memory while recording why the plugin failed");
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Appends data to the result buffer, up to PLUGIN_WIRE_MAX_SIZE bytes. */
static void keep_result(struct child *child, const char *data, size_t size)
{
    if (child->result_len + size > PLUGIN_WIRE_MAX_SIZE) {
        child->result_overflow = 1;
        return;
    }
    if (child->result_len + size > child->result_capacity) {
        size_t capacity = child->result_capacity > 0 ? child->result_capacity : READ_CHUNK_SIZE;
        while (capacity < child->result_len + size)
            capacity *= 2;
        char *grown = realloc(child->result, capacity);
        if (grown == NULL) {
            child->result_overflow = 1;
            return;
        }
        child->result = grown;
        child->result_capacity = capacity;
    }
    memcpy(child->result + child->result_len, data, size);
    child->result_len += size;
}

static void keep_out(struct child *child, const char *data, size_t size)
{
    if (child->out_len < sizeof(child->out_head)) {
        size_t room = sizeof(child->out_head) - child->out_len;
        memcpy(child->out_head + child->out_len, data, size < room ? size : room);
    }
    child->out_len += size;
}

static void keep_err(struct child *child, const char *data, size_t size)
{
    size_t room = sizeof(child->err_text) - child->err_len;
    size_t kept = size < room ? size : room;
    memcpy(child->err_text + child->err_len, data, kept);
    child->err_len += kept;
}

/* Reads what *fd has now (it is non-blocking), up to budget bytes, into
 * the child's buffer for that pipe, and closes *fd at end of file or on a
 * read error. The budget keeps a plugin that writes without pause from
 * holding the host in this loop. */
static void drain(struct child *child, int *fd, size_t budget,
                  void (*keep)(struct child *, const char *, size_t))
{
    char chunk[READ_CHUNK_SIZE];
    size_t total = 0;
    while (*fd >= 0 && total < budget) {
        ssize_t got = read(*fd, chunk, sizeof(chunk));
        if (got > 0) {
            keep(child, chunk, (size_t)got);
            total += (size_t)got;
            continue;
        }
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        close_fd(fd);
    }
}

static int pidfd_open_or_fail(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

static void set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Forks a child for job. Returns 0, or -1 after setting job->error. */
static int start_child(struct child *child, struct plugin_isolate_job *job, int null_fd,
                       unsigned timeout_ms)
{
    int pipes[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
    memset(child, 0, sizeof(*child));
    child->job = job;

    for (int i = 0; i < 3; i++) {
        if (pipe2(pipes[i], O_CLOEXEC) != 0) {
            set_error(job, "cannot create a pipe to a loader process: %s", strerror(errno));
            goto fail;
        }
    }

    /* TODO: fork from a small loader program instead; fork() of the host
     * copies the page tables of every library it maps (docs/KNOWN_ISSUES.md). */
    pid_t host_pid = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        struct plugin_child_fds fds = {
            .plugin = job->fd,
            .result = pipes[0][1],
            .out = pipes[1][1],
            .err = pipes[2][1],
            .null = null_fd,
        };
        plugin_child_run(&fds, job->path, host_pid);
    }
    if (pid < 0) {
        set_error(job, "cannot start a loader process: %s", strerror(errno));
        goto fail;
    }

    /* Also done by the child; whichever runs first wins the race. */
    setpgid(pid, pid);
    child->pid = pid;
    child->pidfd = pidfd_open_or_fail(pid);
    child->result_fd = pipes[0][0];
    child->out_fd = pipes[1][0];
    child->err_fd = pipes[2][0];
    for (int i = 0; i < 3; i++) {
        close(pipes[i][1]);
        set_nonblocking(pipes[i][0]);
    }
    close_fd(&job->fd);
    child->deadline_ms = monotonic_ms() + timeout_ms;
    return 0;

fail:
    for (int i = 0; i < 3; i++) {
        close_fd(&pipes[i][0]);
        close_fd(&pipes[i][1]);
    }
    close_fd(&job->fd);
    return -1;
}

/* Waits until a child sends data or exits, or the nearest deadline. */
static void wait_for_events(struct child *children, size_t count, struct pollfd *fds)
{
    long long now = monotonic_ms();
    long long wait_ms = -1;
    size_t n = 0;

    for (size_t i = 0; i < count; i++) {
        struct child *child = &children[i];
        long long left = child->deadline_ms > now ? child->deadline_ms - now : 0;
        if (child->pidfd < 0 && left > EXIT_CHECK_INTERVAL_MS)
            left = EXIT_CHECK_INTERVAL_MS;
        if (wait_ms < 0 || left < wait_ms)
            wait_ms = left;

        int watched[] = {child->pidfd, child->result_fd, child->out_fd, child->err_fd};
        for (size_t j = 0; j < 4; j++)
            fds[n++] = (struct pollfd){.fd = watched[j], .events = POLLIN};
    }

    if (poll(fds, n, (int)wait_ms) < 0 && errno != EINTR)
        log_debug("poll on plugin loader processes failed: %s", strerror(errno));

    for (size_t i = 0; i < count; i++) {
        struct child *child = &children[i];
        const struct pollfd *mine = &fds[i * 4];
        if (mine[0].fd >= 0 && mine[0].revents != 0)
            child->exited = 1;
        if (mine[1].revents != 0)
            drain(child, &child->result_fd, POLL_READ_BUDGET, keep_result);
        if (mine[2].revents != 0)
            drain(child, &child->out_fd, POLL_READ_BUDGET, keep_out);
        if (mine[3].revents != 0)
            drain(child, &child->err_fd, POLL_READ_BUDGET, keep_err);

        siginfo_t info;
        memset(&info, 0, sizeof(info));
        if (child->pidfd < 0 &&
            waitid(P_PID, (id_t)child->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            info.si_pid != 0)
            child->exited = 1;
    }
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

/* "; stderr: \"...\"" with the first line of the child's stderr, or "". */
static void stderr_suffix(const struct child *child, char *out, size_t size)
{
    char line[QUOTE_SIZE];
    plugin_wire_printable(child->err_text, child->err_len, line, sizeof(line));
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
static void take_result(struct child *child, const char *suffix)
{
    struct plugin_isolate_job *job = child->job;
    char message[MESSAGE_SIZE];
    enum plugin_wire_kind kind = plugin_wire_decode(child->result, child->result_len, job->path,
                                                    &job->plugin, message, sizeof(message));

    if (kind == PLUGIN_WIRE_MALFORMED)
        set_error(job, "sent malformed data to the host (%s); the plugin is not loaded%s",
                  message, suffix);
    else if (kind == PLUGIN_WIRE_ERROR)
        set_error(job, "%s", message);
    else if (child->err_len > 0)
        log_warn("%s: loaded, but wrote to stderr while loading%s", job->path, suffix);
}

/* Turns a finished child's exit status and output into the job outcome. */
static void settle(struct child *child, int status, int timed_out, unsigned timeout_ms)
{
    struct plugin_isolate_job *job = child->job;
    char suffix[QUOTE_SIZE + 32];
    stderr_suffix(child, suffix, sizeof(suffix));

    if (timed_out) {
        char seconds[32];
        format_seconds(timeout_ms, seconds, sizeof(seconds));
        set_error(job, "timed out after %s s while loading and was killed; raise "
                       "--plugin-timeout if the plugin is only slow%s", seconds, suffix);
    } else if (child->result_overflow) {
        set_error(job, "sent more than %u bytes to the host and was killed%s",
                  PLUGIN_WIRE_MAX_SIZE, suffix);
    } else if (WIFSIGNALED(status)) {
        char signal_text[64];
        describe_signal(WTERMSIG(status), signal_text, sizeof(signal_text));
        set_error(job, "crashed while loading: killed by signal %s%s", signal_text, suffix);
    } else if (child->out_len > 0) {
        char head[QUOTE_SIZE];
        size_t kept = child->out_len < sizeof(child->out_head) ? child->out_len
                                                               : sizeof(child->out_head);
        plugin_wire_printable(child->out_head, kept, head, sizeof(head));
        set_error(job, "wrote %zu bytes to stdout while loading (\"%s\"); a plugin must not "
                       "print, because stdout carries the host's output%s",
                  child->out_len, head, suffix);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || child->result_len == 0) {
        set_error(job, "exited with status %d before sending its providers (a constructor or "
                       "the entry point ended the process)%s",
                  WIFEXITED(status) ? WEXITSTATUS(status) : -1, suffix);
    } else {
        take_result(child, suffix);
    }

    if (job->error != NULL)
        catalog_plugin_clear(&job->plugin);
}

/* Kills what is left of the child's process group, collects the rest of
 * its output and its exit status, and records the outcome. */
static void finish_child(struct child *child, int timed_out, unsigned timeout_ms)
{
    /* Until waitpid() reaps the child, its process group id cannot be
     * reused, so this reaches only the child and what it started. */
    kill(-child->pid, SIGKILL);
    kill(child->pid, SIGKILL);

    /* What is left is at most a pipe buffer per pipe, unless a process
     * that left the group still writes; the budget bounds that case. */
    drain(child, &child->result_fd, PLUGIN_WIRE_MAX_SIZE + 1u, keep_result);
    drain(child, &child->out_fd, FINAL_READ_BUDGET, keep_out);
    drain(child, &child->err_fd, FINAL_READ_BUDGET, keep_err);

    int status = 0;
    pid_t waited;
    do {
        waited = waitpid(child->pid, &status, 0);
    } while (waited < 0 && errno == EINTR);

    if (waited == child->pid)
        settle(child, status, timed_out, timeout_ms);
    else
        set_error(child->job, "cannot collect the exit status of its loader process: %s",
                  strerror(errno));

    close_fd(&child->pidfd);
    close_fd(&child->result_fd);
    close_fd(&child->out_fd);
    close_fd(&child->err_fd);
    free(child->result);
    child->result = NULL;
}

/* With SIGCHLD ignored, which a parent process can pass on through exec,
 * the kernel reaps children itself and waitpid() cannot report how they
 * ended. Sets the default action in that case; returns 1 when it did. */
static int stop_ignoring_sigchld(struct sigaction *saved)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);

    if (sigaction(SIGCHLD, NULL, saved) != 0 || saved->sa_handler != SIG_IGN)
        return 0;
    return sigaction(SIGCHLD, &action, NULL) == 0;
}

void plugin_isolate_run(struct plugin_isolate_job *jobs, size_t count,
                        const struct plugin_isolate_options *options)
{
    struct sigaction saved_sigchld;
    int sigchld_changed = stop_ignoring_sigchld(&saved_sigchld);

    size_t max_children = options->max_children;
    struct child *children = calloc(max_children, sizeof(*children));
    struct pollfd *fds = calloc(max_children * 4, sizeof(*fds));
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

    if (children == NULL || fds == NULL || null_fd < 0) {
        for (size_t i = 0; i < count; i++) {
            set_error(&jobs[i], "cannot prepare loader processes: %s",
                      null_fd < 0 ? strerror(errno) : "out of memory");
            close_fd(&jobs[i].fd);
        }
        goto cleanup;
    }

    /* A child starts with a copy of the host's stdio buffers. */
    fflush(stdout);
    fflush(stderr);

    size_t next = 0;
    size_t running = 0;
    while (next < count || running > 0) {
        while (running < max_children && next < count) {
            if (start_child(&children[running], &jobs[next], null_fd, options->timeout_ms) == 0)
                running++;
            next++;
        }
        if (running == 0)
            continue;

        wait_for_events(children, running, fds);

        long long now = monotonic_ms();
        for (size_t i = running; i-- > 0;) {
            struct child *child = &children[i];
            int timed_out = !child->exited && !child->result_overflow &&
                            now >= child->deadline_ms;
            if (!child->exited && !child->result_overflow && !timed_out)
                continue;

            finish_child(child, timed_out, options->timeout_ms);
            children[i] = children[--running];
        }
    }

cleanup:
    if (sigchld_changed)
        sigaction(SIGCHLD, &saved_sigchld, NULL);
    if (null_fd >= 0)
        close(null_fd);
    free(fds);
    free(children);
}
