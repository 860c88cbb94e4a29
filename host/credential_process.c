#include "credential_process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "credentials_json.h"

extern char **environ;

/* How often a command that closed its stdout is checked for its exit. */
#define WAIT_STEP_MS 10

struct process_output {
    char *out;              /* stdout, CREDENTIAL_PROCESS_MAX_OUTPUT + 1 bytes */
    size_t out_len;
    bool too_large;
    bool timed_out;
};

static long long monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Starts the command with stdin and stderr on /dev/null: what it writes to
 * stderr may hold secrets (a helper's debug output), so it is never read. */
static int spawn_shell(const char *command, int out_fd, pid_t *pid)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    char *const argv[] = {"/bin/sh", "-c", (char *)command, NULL};

    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    /* The command inherits no other open file, such as a curl socket. */
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);

    int rc = posix_spawn(pid, "/bin/sh", &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    return rc;
}

/* Appends what fd has to the buffer; returns false at end of file. */
static bool drain(int fd, char *buffer, size_t capacity, size_t *len, bool *overflow)
{
    char chunk[4096];
    ssize_t got = read(fd, chunk, sizeof(chunk));
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (got <= 0)
        return false;

    size_t room = capacity - *len;
    size_t keep = (size_t)got < room ? (size_t)got : room;
    memcpy(buffer + *len, chunk, keep);
    *len += keep;
    if (keep < (size_t)got)
        *overflow = true;
    OPENSSL_cleanse(chunk, sizeof(chunk));
    return true;
}

/* Reads stdout until it closes or the deadline passes. */
static void collect(int out_fd, long long deadline, struct process_output *output)
{
    struct pollfd fds[1] = {{.fd = out_fd, .events = POLLIN}};

    for (;;) {
        long long left = deadline - monotonic_ms();
        if (left <= 0) {
            output->timed_out = true;
            return;
        }
        int ready = poll(fds, 1, (int)left);
        if (ready < 0 && errno != EINTR)
            return;
        if (ready <= 0)
            continue;
        if (!drain(out_fd, output->out, CREDENTIAL_PROCESS_MAX_OUTPUT, &output->out_len,
                   &output->too_large))
            return;
    }
}

/* Waits for pid until the deadline, so a command that closed its stdout
 * and keeps running is bounded too. Returns false when the deadline
 * passed first. */
static bool wait_until(pid_t pid, long long deadline, int *status)
{
    for (;;) {
        pid_t done = waitpid(pid, status, WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR))
            return true;

        long long left = deadline - monotonic_ms();
        if (left <= 0)
            return false;
        long long step = left < WAIT_STEP_MS ? left : WAIT_STEP_MS;
        struct timespec pause = {.tv_sec = 0, .tv_nsec = (long)(step * 1000000)};
        nanosleep(&pause, NULL);
    }
}

/* Copies the command's program name into name: its first word after any
 * VAR=value assignments, without the arguments, which may hold secrets. */
static void program_name(const char *command, char *name, size_t name_len)
{
    const char *word = command;
    size_t len;

    for (;;) {
        word += strspn(word, " \t\n");
        len = strcspn(word, " \t\n");
        const char *equals = memchr(word, '=', len);
        size_t prefix = equals != NULL ? (size_t)(equals - word) : 0;
        bool assignment = prefix > 0 &&
                          strspn(word, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                       "0123456789_") == prefix &&
                          !(word[0] >= '0' && word[0] <= '9');
        if (!assignment)
            break;
        word += len;
    }
    if (len >= name_len)
        len = name_len - 1;
    memcpy(name, word, len);
    name[len] = '\0';
}

static void describe_failure(const char *profile, const char *command, int status,
                             char *err, size_t err_len)
{
    char program[128];
    char how[64];

    program_name(command, program, sizeof(program));
    if (WIFSIGNALED(status))
        snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
    else
        snprintf(how, sizeof(how), "failed with exit status %d", WEXITSTATUS(status));
    snprintf(err, err_len, "credential_process of profile '%s' (%s) %s; its error output is "
             "not shown because it may contain secrets, so run the command by hand to see "
             "it", profile, program, how);
}

/* Runs the command and leaves its exit status and output. */
static int run(const char *profile, const char *command, int timeout_ms,
               int *status, struct process_output *output, char *err, size_t err_len)
{
    int out_pipe[2] = {-1, -1};
    int rc = -1;

    if (pipe2(out_pipe, O_CLOEXEC) < 0) {
        snprintf(err, err_len, "credential_process of profile '%s': cannot create a pipe: %s",
                 profile, strerror(errno));
        goto cleanup;
    }

    pid_t pid;
    int spawn_rc = spawn_shell(command, out_pipe[1], &pid);
    if (spawn_rc != 0) {
        snprintf(err, err_len, "credential_process of profile '%s': cannot start /bin/sh: %s",
                 profile, strerror(spawn_rc));
        goto cleanup;
    }
    close(out_pipe[1]);
    out_pipe[1] = -1;

    /* One deadline covers reading and waiting for the exit. */
    long long deadline = monotonic_ms() + timeout_ms;
    collect(out_pipe[0], deadline, output);
    if (!output->timed_out && !wait_until(pid, deadline, status))
        output->timed_out = true;
    if (output->timed_out) {
        kill(-pid, SIGKILL);
        while (waitpid(pid, status, 0) < 0 && errno == EINTR)
            continue;
    }
    rc = 0;

cleanup:
    for (int i = 0; i < 2; i++) {
        if (out_pipe[i] >= 0)
            close(out_pipe[i]);
    }
    return rc;
}

static int check_result(const char *profile, const char *command, int status,
                        struct process_output *output, int timeout_ms,
                        char *err, size_t err_len)
{
    if (output->timed_out) {
        snprintf(err, err_len, "credential_process of profile '%s' timed out after %d ms "
                 "and was killed with its process group (the limit covers the whole run, "
                 "not only the output)", profile, timeout_ms);
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        describe_failure(profile, command, status, err, err_len);
        return -1;
    }
    if (output->too_large) {
        snprintf(err, err_len, "credential_process of profile '%s' printed more than %d bytes",
                 profile, CREDENTIAL_PROCESS_MAX_OUTPUT);
        return -1;
    }
    return 0;
}

static int parse_output(const char *profile, struct process_output *output, time_t now,
                        struct aws_owned_credentials *out, char *err, size_t err_len)
{
    static const struct credentials_json_format format = {
        .token_key = "SessionToken",
        .require_version = true,
    };
    char reason[256];

    if (credentials_json_parse(output->out, output->out_len, &format, out,
                               reason, sizeof(reason)) < 0) {
        snprintf(err, err_len, "credential_process of profile '%s' printed bad credentials: "
                 "%s", profile, reason);
        return -1;
    }
    if (out->expiration != 0 && out->expiration <= now) {
        char when[32];
        credentials_json_format_time(out->expiration, when, sizeof(when));
        snprintf(err, err_len, "credential_process of profile '%s' returned credentials "
                 "that expired at %s; check the command and the system clock", profile, when);
        aws_owned_credentials_clear(out);
        return -1;
    }
    return 0;
}

int credential_process_fetch(const char *profile, const char *command,
                             int timeout_ms, time_t now,
                             struct aws_owned_credentials *out,
                             char *err, size_t err_len)
{
    int rc = -1;
    int status = 0;
    struct process_output output = {0};

    output.out = malloc(CREDENTIAL_PROCESS_MAX_OUTPUT + 1);
    if (output.out == NULL) {
        snprintf(err, err_len, "credential_process of profile '%s': out of memory", profile);
        goto cleanup;
    }

    if (run(profile, command, timeout_ms, &status, &output, err, err_len) < 0)
        goto cleanup;
    if (check_result(profile, command, status, &output, timeout_ms, err, err_len) < 0)
        goto cleanup;
    if (parse_output(profile, &output, now, out, err, err_len) < 0)
        goto cleanup;
    rc = 0;

cleanup:
    if (output.out != NULL) {
        OPENSSL_cleanse(output.out, CREDENTIAL_PROCESS_MAX_OUTPUT + 1);
        free(output.out);
    }
    return rc;
}
