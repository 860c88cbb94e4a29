#include "plugin_supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "plugin_child.h"
#include "plugin_relay.h"

#define READ_CHUNK_SIZE 16384
/* Bytes read from one pipe per wakeup, and from stdout or stderr once the
 * child has ended. */
#define POLL_READ_BUDGET (256u * 1024u)
#define FINAL_READ_BUDGET (4u * 1024u * 1024u)
/* How often a child's exit is checked when the kernel has no pidfd_open. */
#define EXIT_CHECK_INTERVAL_MS 5
/* No new child starts while more than this many result bytes wait for
 * the host to read them. */
#define OUTPUT_BACKLOG_MAX (8u * 1024u * 1024u)
/* Rounds of killing the processes the loader adopted, each of which can
 * orphan the next generation. */
#define ADOPTED_KILL_ROUNDS 64

/* A running child and what it has sent so far. */
struct child {
    uint32_t index; /* the job's index as the host sent it */
    pid_t pid;
    int pidfd;     /* readable once the child exits; -1 without pidfd_open */
    int result_fd; /* read ends of the three pipes, -1 after end of file */
    int out_fd;
    int err_fd;
    char *result;
    size_t result_len;
    size_t result_capacity;
    int result_overflow;
    char out_head[PLUGIN_RELAY_STDOUT_HEAD_MAX];
    uint64_t out_len; /* every byte counted, the first ones kept in out_head */
    char err_text[PLUGIN_RELAY_STDERR_MAX];
    size_t err_len;
    long long deadline_ms;
    int exited;
};

/* State of the loader process. */
struct supervisor {
    const struct plugin_supervise_options *options;
    int socket_fd;
    int null_fd;
    struct plugin_relay_receiver receiver;
    int host_closed;

    struct plugin_relay_job *pending; /* received, not started, oldest first */
    size_t pending_count;
    size_t pending_capacity;

    struct child *children;
    size_t running;
    struct pollfd *fds;

    char *output; /* result frames not yet written to the socket */
    size_t output_len;
    size_t output_sent;
    size_t output_capacity;
};

static long long monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Appends data to the result buffer, up to PLUGIN_RELAY_RESULT_MAX bytes. */
static void keep_result(struct child *child, const char *data, size_t size)
{
    if (child->result_len + size > PLUGIN_RELAY_RESULT_MAX) {
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
        size_t room = sizeof(child->out_head) - (size_t)child->out_len;
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
 * holding the loader in this loop. */
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

/* Appends bytes to the output buffer. Returns 0, or -1 when out of memory. */
static int append_output(struct supervisor *supervisor, const void *data, size_t size)
{
    if (supervisor->output_len + size > supervisor->output_capacity) {
        size_t capacity = supervisor->output_capacity > 0 ? supervisor->output_capacity
                                                          : READ_CHUNK_SIZE;
        while (capacity < supervisor->output_len + size)
            capacity *= 2;
        char *grown = realloc(supervisor->output, capacity);
        if (grown == NULL)
            return -1;
        supervisor->output = grown;
        supervisor->output_capacity = capacity;
    }
    memcpy(supervisor->output + supervisor->output_len, data, size);
    supervisor->output_len += size;
    return 0;
}

/* Queues the result frame of one job. Returns 0, or -1 when out of memory. */
static int queue_frame(struct supervisor *supervisor, const struct plugin_relay_header *header,
                       const char *note, const struct child *child)
{
    int status = append_output(supervisor, header, sizeof(*header));
    if (status == 0)
        status = append_output(supervisor, note, header->note_length);
    if (status == 0 && child != NULL) {
        status = append_output(supervisor, child->out_head, header->stdout_length);
        if (status == 0)
            status = append_output(supervisor, child->err_text, header->stderr_length);
        if (status == 0)
            status = append_output(supervisor, child->result, header->result_length);
    }
    if (status != 0)
        log_error("plugin loader: out of memory while queueing the result of job %u",
                  (unsigned)header->index);
    return status;
}

static int queue_loader_error(struct supervisor *supervisor, uint32_t index, const char *fmt,
                              ...) __attribute__((format(printf, 3, 4)));

/* Queues a PLUGIN_RELAY_LOADER_ERROR frame whose note is the message. */
static int queue_loader_error(struct supervisor *supervisor, uint32_t index, const char *fmt,
                              ...)
{
    char note[PLUGIN_RELAY_NOTE_MAX];
    va_list args;
    va_start(args, fmt);
    vsnprintf(note, sizeof(note), fmt, args);
    va_end(args);

    struct plugin_relay_header header = {
        .magic = PLUGIN_RELAY_MAGIC,
        .index = index,
        .outcome = PLUGIN_RELAY_LOADER_ERROR,
        .note_length = (uint32_t)strlen(note),
    };
    return queue_frame(supervisor, &header, note, NULL);
}

/* Forks a child for job, which it takes. Returns 0 when the child runs;
 * otherwise queues a loader error for the job and returns -1, or -2 when
 * even that failed. */
static int start_child(struct supervisor *supervisor, struct child *child,
                       struct plugin_relay_job job)
{
    int pipes[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
    memset(child, 0, sizeof(*child));
    child->index = job.index;
    int status = -1;

    for (int i = 0; i < 3; i++) {
        if (pipe2(pipes[i], O_CLOEXEC) != 0) {
            status = queue_loader_error(supervisor, job.index,
                                        "cannot create a pipe to a loader process: %s",
                                        strerror(errno));
            goto fail;
        }
    }

    char label[32];
    snprintf(label, sizeof(label), "plugin job %u", (unsigned)job.index);
    pid_t loader_pid = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        struct plugin_child_fds fds = {
            .plugin = job.fd,
            .result = pipes[0][1],
            .out = pipes[1][1],
            .err = pipes[2][1],
            .null = supervisor->null_fd,
        };
        plugin_child_run(&fds, label, loader_pid);
    }
    if (pid < 0) {
        status = queue_loader_error(supervisor, job.index, "cannot start a loader process: %s",
                                    strerror(errno));
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
    close(job.fd);
    child->deadline_ms = monotonic_ms() + supervisor->options->timeout_ms;
    return 0;

fail:
    for (int i = 0; i < 3; i++) {
        close_fd(&pipes[i][0]);
        close_fd(&pipes[i][1]);
    }
    close(job.fd);
    return status == 0 ? -1 : -2;
}

/* Queues the frame of a child that ended with the given wait status. */
static int queue_child_frame(struct supervisor *supervisor, const struct child *child,
                             int status, int timed_out)
{
    struct plugin_relay_header header = {
        .magic = PLUGIN_RELAY_MAGIC,
        .index = child->index,
        .stdout_total = child->out_len,
        .stdout_length = (uint32_t)(child->out_len < sizeof(child->out_head)
                                        ? child->out_len
                                        : sizeof(child->out_head)),
        .stderr_length = (uint32_t)child->err_len,
    };

    if (timed_out) {
        header.outcome = PLUGIN_RELAY_TIMED_OUT;
    } else if (child->result_overflow) {
        header.outcome = PLUGIN_RELAY_OVERFLOW;
    } else if (WIFSIGNALED(status)) {
        header.outcome = PLUGIN_RELAY_SIGNALED;
        header.code = WTERMSIG(status);
    } else {
        header.outcome = PLUGIN_RELAY_EXITED;
        header.code = WEXITSTATUS(status);
        header.result_length = (uint32_t)child->result_len;
    }
    return queue_frame(supervisor, &header, "", child);
}

/* Returns nonzero when pid is a plugin child the loader started itself. */
static int is_started_child(const struct supervisor *supervisor, pid_t pid)
{
    for (size_t i = 0; i < supervisor->running; i++) {
        if (supervisor->children[i].pid == pid)
            return 1;
    }
    return 0;
}

/* Reads the loader's children from procfs into pids. Returns how many, or
 * -1 when the kernel does not list children (CONFIG_PROC_CHILDREN). */
static int read_children(pid_t *pids, int max)
{
    char path[64];
    char text[4096];

    snprintf(path, sizeof(path), "/proc/self/task/%ld/children", (long)getpid());
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t length = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (length < 0)
        return -1;
    text[length] = '\0';

    int count = 0;
    for (char *at = text, *end; count < max; at = end) {
        long pid = strtol(at, &end, 10);
        if (end == at)
            break;
        pids[count++] = (pid_t)pid;
    }
    return count;
}

/*
 * Kills and reaps every child of the loader that it did not start. The
 * loader is a child subreaper, so a process that a plugin started in a
 * session of its own becomes the loader's child, not init's, once its
 * parent exits. Killing one can orphan its own children, so this repeats
 * until no such child is left, within a bound against a fork loop.
 */
static void kill_adopted(struct supervisor *supervisor)
{
    static int unlisted_logged;
    pid_t pids[256];

    for (int round = 0; round < ADOPTED_KILL_ROUNDS; round++) {
        int count = read_children(pids, (int)(sizeof(pids) / sizeof(pids[0])));
        int killed = 0;

        if (count < 0) {
            if (!unlisted_logged++)
                log_warn("plugin loader: /proc does not list child processes, so a process "
                         "a plugin starts in a new session can outlive the load");
            return;
        }
        for (int i = 0; i < count; i++) {
            if (is_started_child(supervisor, pids[i]))
                continue;
            /* Until it is reaped below, the adopted pid cannot be reused. */
            kill(pids[i], SIGKILL);
            while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
                ;
            killed++;
        }
        if (killed == 0)
            return;
    }
    log_warn("plugin loader: processes started by plugins were still appearing after %d "
             "rounds of killing them", ADOPTED_KILL_ROUNDS);
}

/* Kills what is left of the child's process group, collects the rest of
 * its output and its exit status, and queues its frame when report is
 * set. Returns what queueing returned, or 0. */
static int finish_child(struct supervisor *supervisor, struct child *child, int timed_out,
                        int report)
{
    /* Until waitpid() reaps the child, its process group id cannot be
     * reused, so this reaches only the child and what it started. */
    kill(-child->pid, SIGKILL);
    kill(child->pid, SIGKILL);

    /* What is left is at most a pipe buffer per pipe, unless a process
     * that left the group still writes; the budget bounds that case. */
    drain(child, &child->result_fd, PLUGIN_RELAY_RESULT_MAX + 1u, keep_result);
    drain(child, &child->out_fd, FINAL_READ_BUDGET, keep_out);
    drain(child, &child->err_fd, FINAL_READ_BUDGET, keep_err);

    int status = 0;
    pid_t waited;
    do {
        waited = waitpid(child->pid, &status, 0);
    } while (waited < 0 && errno == EINTR);

    /* Whatever the child started in another session is the loader's own
     * child by now, if the process that started it has exited. */
    kill_adopted(supervisor);

    int queued = 0;
    if (report && waited == child->pid)
        queued = queue_child_frame(supervisor, child, status, timed_out);
    else if (report)
        queued = queue_loader_error(supervisor, child->index,
                                    "cannot collect the exit status of its loader process: %s",
                                    strerror(errno));

    close_fd(&child->pidfd);
    close_fd(&child->result_fd);
    close_fd(&child->out_fd);
    close_fd(&child->err_fd);
    free(child->result);
    child->result = NULL;
    return queued;
}

/* Starts children for pending jobs while there is room. Returns 0, or -1
 * when the loader cannot go on. */
static int start_pending(struct supervisor *supervisor)
{
    size_t started = 0;
    while (started < supervisor->pending_count &&
           supervisor->running < supervisor->options->max_children &&
           supervisor->output_len - supervisor->output_sent < OUTPUT_BACKLOG_MAX) {
        struct plugin_relay_job job = supervisor->pending[started++];
        int status = start_child(supervisor, &supervisor->children[supervisor->running], job);
        if (status == 0)
            supervisor->running++;
        else if (status == -2)
            return -1;
    }
    supervisor->pending_count -= started;
    /* pending may be NULL when empty, and memmove's pointers must not be. */
    if (supervisor->pending_count > 0)
        memmove(supervisor->pending, supervisor->pending + started,
                supervisor->pending_count * sizeof(*supervisor->pending));
    return 0;
}

/* Receives jobs from the host. Returns 0, or -1 on a broken stream. */
static int receive_jobs(struct supervisor *supervisor)
{
    struct plugin_relay_job jobs[PLUGIN_RELAY_RECEIVE_MAX];
    size_t count = 0;
    int status = plugin_relay_receive_jobs(supervisor->socket_fd, &supervisor->receiver, jobs,
                                           &count);
    if (status == 0 || (status < 0 && errno == ECONNRESET)) {
        supervisor->host_closed = 1;
        return 0;
    }
    if (status < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    if (status < 0 && errno == EPROTO) {
        log_error("plugin loader: the host sent a job without a plugin descriptor");
        return -1;
    }
    if (status < 0) {
        log_error("plugin loader: cannot read jobs from the host: %s", strerror(errno));
        return -1;
    }

    if (supervisor->pending_count + count > supervisor->pending_capacity) {
        size_t capacity = supervisor->pending_capacity * 2 + count;
        struct plugin_relay_job *grown =
            realloc(supervisor->pending, capacity * sizeof(*grown));
        if (grown == NULL) {
            for (size_t i = 0; i < count; i++)
                close(jobs[i].fd);
            log_error("plugin loader: out of memory while receiving jobs");
            return -1;
        }
        supervisor->pending = grown;
        supervisor->pending_capacity = capacity;
    }
    memcpy(supervisor->pending + supervisor->pending_count, jobs, count * sizeof(*jobs));
    supervisor->pending_count += count;
    return 0;
}

/* Writes queued frames without blocking. Returns 0, or -1 when the host
 * no longer reads. */
static int send_output(struct supervisor *supervisor)
{
    while (supervisor->output_sent < supervisor->output_len) {
        ssize_t sent = send(supervisor->socket_fd, supervisor->output + supervisor->output_sent,
                            supervisor->output_len - supervisor->output_sent, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (sent <= 0)
            return -1;
        supervisor->output_sent += (size_t)sent;
    }
    supervisor->output_len = 0;
    supervisor->output_sent = 0;
    return 0;
}

/* Milliseconds until the nearest child deadline, or -1 with no child. */
static int poll_timeout(const struct supervisor *supervisor)
{
    long long now = monotonic_ms();
    long long wait_ms = -1;
    for (size_t i = 0; i < supervisor->running; i++) {
        const struct child *child = &supervisor->children[i];
        long long left = child->deadline_ms > now ? child->deadline_ms - now : 0;
        if (child->pidfd < 0 && left > EXIT_CHECK_INTERVAL_MS)
            left = EXIT_CHECK_INTERVAL_MS;
        if (wait_ms < 0 || left < wait_ms)
            wait_ms = left;
    }
    return (int)wait_ms;
}

/* Reads what each child sent and notes which ones have exited. */
static void update_children(struct supervisor *supervisor, const struct pollfd *fds)
{
    for (size_t i = 0; i < supervisor->running; i++) {
        struct child *child = &supervisor->children[i];
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

/* Waits for the socket, the children or the nearest deadline, then acts
 * on what happened. Returns 0, or -1 when the loader must stop. */
static int wait_and_serve(struct supervisor *supervisor)
{
    struct pollfd *fds = supervisor->fds;
    size_t n = 0;
    for (size_t i = 0; i < supervisor->running; i++) {
        const struct child *child = &supervisor->children[i];
        int watched[] = {child->pidfd, child->result_fd, child->out_fd, child->err_fd};
        for (size_t j = 0; j < 4; j++)
            fds[n++] = (struct pollfd){.fd = watched[j], .events = POLLIN};
    }

    /* Jobs are received only while a child could start, so the loader
     * keeps few descriptors open whatever the host sends. */
    short events = 0;
    if (supervisor->pending_count < supervisor->options->max_children)
        events |= POLLIN;
    if (supervisor->output_len > supervisor->output_sent)
        events |= POLLOUT;
    fds[n] = (struct pollfd){.fd = supervisor->socket_fd, .events = events};

    if (poll(fds, n + 1, poll_timeout(supervisor)) < 0 && errno != EINTR) {
        log_error("plugin loader: poll failed: %s", strerror(errno));
        return -1;
    }

    update_children(supervisor, fds);

    short socket_events = fds[n].revents;
    if ((socket_events & POLLIN) != 0 && receive_jobs(supervisor) != 0)
        return -1;
    if ((socket_events & (POLLHUP | POLLERR)) != 0 && (socket_events & POLLIN) == 0)
        supervisor->host_closed = 1;
    if ((socket_events & POLLOUT) != 0 && send_output(supervisor) != 0)
        supervisor->host_closed = 1;
    return 0;
}

/* Finishes every child that exited, overflowed or timed out. */
static int reap_children(struct supervisor *supervisor)
{
    long long now = monotonic_ms();
    for (size_t i = supervisor->running; i-- > 0;) {
        struct child *child = &supervisor->children[i];
        int timed_out = !child->exited && !child->result_overflow && now >= child->deadline_ms;
        if (!child->exited && !child->result_overflow && !timed_out)
            continue;

        if (finish_child(supervisor, child, timed_out, 1) != 0)
            return -1;
        supervisor->children[i] = supervisor->children[--supervisor->running];
    }
    return 0;
}

/* With SIGCHLD ignored, which the host could pass on through exec, the
 * kernel reaps children itself and waitpid() cannot report how they
 * ended; SIGPIPE must not end the loader when the host goes away. */
static void set_signal_actions(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    sigemptyset(&action.sa_mask);
    action.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &action, NULL);
    action.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &action, NULL);
}

int plugin_supervise_run(int socket_fd, const struct plugin_supervise_options *options)
{
    struct supervisor supervisor = {
        .options = options,
        .socket_fd = socket_fd,
        .null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC),
        .children = calloc(options->max_children, sizeof(struct child)),
        .fds = calloc((size_t)options->max_children * 4 + 1, sizeof(struct pollfd)),
    };
    int status = 1;

    set_signal_actions();
    /* Orphans below the loader become its children, see kill_adopted. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        log_warn("plugin loader: cannot become a child subreaper (%s), so a process a "
                 "plugin starts in a new session can outlive the load", strerror(errno));
    set_nonblocking(socket_fd);
    if (supervisor.null_fd < 0 || supervisor.children == NULL || supervisor.fds == NULL) {
        log_error("plugin loader: cannot prepare loader processes: %s",
                  supervisor.null_fd < 0 ? strerror(errno) : "out of memory");
        goto cleanup;
    }

    for (;;) {
        /* Results go out before the next child starts, so a child that
         * kills the loader loses no finished result that fits in the
         * socket buffer. */
        if (send_output(&supervisor) != 0)
            supervisor.host_closed = 1;
        if (start_pending(&supervisor) != 0)
            goto cleanup;
        if (supervisor.host_closed)
            break;
        if (wait_and_serve(&supervisor) != 0 || reap_children(&supervisor) != 0)
            goto cleanup;
    }
    status = 0;

cleanup:
    /* The host reads no more results, or the loader cannot send them. */
    for (size_t i = 0; i < supervisor.running; i++)
        finish_child(&supervisor, &supervisor.children[i], 0, 0);
    supervisor.running = 0;
    kill_adopted(&supervisor);
    for (size_t i = 0; i < supervisor.pending_count; i++)
        close(supervisor.pending[i].fd);
    plugin_relay_receiver_close(&supervisor.receiver);
    if (supervisor.null_fd >= 0)
        close(supervisor.null_fd);
    free(supervisor.pending);
    free(supervisor.children);
    free(supervisor.fds);
    free(supervisor.output);
    return status;
}
