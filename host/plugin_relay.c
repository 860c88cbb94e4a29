#include "plugin_relay.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Sends one message of count jobs, retrying partial writes. The
 * descriptors go with the first byte, so they arrive ahead of their
 * indexes whatever the reader's buffer size. */
static int send_message(int socket_fd, const uint32_t *indexes, const int *fds, size_t count)
{
    union {
        struct cmsghdr align;
        char buffer[CMSG_SPACE(sizeof(int) * PLUGIN_RELAY_MAX_FDS)];
    } control;
    memset(&control, 0, sizeof(control));

    const char *data = (const char *)indexes;
    size_t left = count * sizeof(*indexes);
    int fds_sent = 0;

    while (left > 0) {
        struct iovec iov = {.iov_base = (void *)data, .iov_len = left};
        struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1};
        if (!fds_sent) {
            message.msg_control = control.buffer;
            message.msg_controllen = CMSG_SPACE(sizeof(int) * count);
            struct cmsghdr *header = CMSG_FIRSTHDR(&message);
            header->cmsg_level = SOL_SOCKET;
            header->cmsg_type = SCM_RIGHTS;
            header->cmsg_len = CMSG_LEN(sizeof(int) * count);
            memcpy(CMSG_DATA(header), fds, sizeof(int) * count);
        }

        ssize_t sent = sendmsg(socket_fd, &message, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent <= 0)
            return -1;
        fds_sent = 1;
        data += sent;
        left -= (size_t)sent;
    }
    return 0;
}

int plugin_relay_send_jobs(int socket_fd, const uint32_t *indexes, const int *fds,
                           size_t count)
{
    while (count > 0) {
        size_t batch = count < PLUGIN_RELAY_MAX_FDS ? count : PLUGIN_RELAY_MAX_FDS;
        if (send_message(socket_fd, indexes, fds, batch) != 0)
            return -1;
        indexes += batch;
        fds += batch;
        count -= batch;
    }
    return 0;
}

/* Appends the descriptors of every SCM_RIGHTS message to the receiver;
 * closes those that do not fit. Returns 0, or -1 when some did not fit. */
static int keep_fds(struct plugin_relay_receiver *receiver, struct msghdr *message)
{
    int status = 0;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(message); header != NULL;
         header = CMSG_NXTHDR(message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof(int));
            if (receiver->fds_count < sizeof(receiver->fds) / sizeof(receiver->fds[0])) {
                receiver->fds[receiver->fds_count++] = fd;
            } else {
                close(fd);
                status = -1;
            }
        }
    }
    return status;
}

/* Pairs one complete index with the oldest waiting descriptor. */
static int complete_job(struct plugin_relay_receiver *receiver, struct plugin_relay_job *job)
{
    if (receiver->fds_count == 0)
        return -1;
    memcpy(&job->index, receiver->partial, sizeof(job->index));
    job->fd = receiver->fds[0];
    receiver->fds_count--;
    memmove(receiver->fds, receiver->fds + 1, receiver->fds_count * sizeof(receiver->fds[0]));
    receiver->partial_length = 0;
    return 0;
}

int plugin_relay_receive_jobs(int socket_fd, struct plugin_relay_receiver *receiver,
                              struct plugin_relay_job *out, size_t *count)
{
    unsigned char data[sizeof(uint32_t) * PLUGIN_RELAY_MAX_FDS];
    union {
        struct cmsghdr align;
        char buffer[CMSG_SPACE(sizeof(int) * PLUGIN_RELAY_MAX_FDS)];
    } control;
    struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1,
                             .msg_control = control.buffer,
                             .msg_controllen = sizeof(control.buffer)};
    *count = 0;

    ssize_t got;
    do {
        got = recvmsg(socket_fd, &message, MSG_CMSG_CLOEXEC);
    } while (got < 0 && errno == EINTR);
    if (got < 0)
        return -1;

    int broken = keep_fds(receiver, &message) != 0 || (message.msg_flags & MSG_CTRUNC) != 0;
    if (got == 0 && !broken)
        return 0;

    for (ssize_t i = 0; i < got && !broken; i++) {
        receiver->partial[receiver->partial_length++] = data[i];
        if (receiver->partial_length < sizeof(receiver->partial))
            continue;
        if (complete_job(receiver, &out[*count]) != 0)
            broken = 1;
        else
            (*count)++;
    }

    if (broken) {
        errno = EPROTO;
        return -1;
    }
    return 1;
}

void plugin_relay_receiver_close(struct plugin_relay_receiver *receiver)
{
    for (size_t i = 0; i < receiver->fds_count; i++)
        close(receiver->fds[i]);
    receiver->fds_count = 0;
    receiver->partial_length = 0;
}

int plugin_relay_parse_header(const struct plugin_relay_header *header, size_t job_count,
                              char *err, size_t err_size)
{
    if (header->magic != PLUGIN_RELAY_MAGIC) {
        snprintf(err, err_size, "a result frame starts with 0x%08x, not 0x%08x",
                 (unsigned)header->magic, (unsigned)PLUGIN_RELAY_MAGIC);
        return -1;
    }
    if (header->index >= job_count) {
        snprintf(err, err_size, "result for job %u, but only %zu jobs were sent",
                 (unsigned)header->index, job_count);
        return -1;
    }

    int code_ok;
    switch (header->outcome) {
    case PLUGIN_RELAY_EXITED:
        code_ok = header->code >= 0 && header->code <= 255;
        break;
    case PLUGIN_RELAY_SIGNALED:
        code_ok = header->code > 0 && header->code < NSIG;
        break;
    case PLUGIN_RELAY_TIMED_OUT:
    case PLUGIN_RELAY_OVERFLOW:
    case PLUGIN_RELAY_LOADER_ERROR:
        code_ok = 1;
        break;
    default:
        snprintf(err, err_size, "unknown outcome %u for job %u", (unsigned)header->outcome,
                 (unsigned)header->index);
        return -1;
    }
    if (!code_ok) {
        snprintf(err, err_size, "invalid code %d for outcome %u of job %u", (int)header->code,
                 (unsigned)header->outcome, (unsigned)header->index);
        return -1;
    }

    const struct {
        uint32_t length;
        uint32_t max;
        const char *name;
    } parts[] = {
        {header->note_length, PLUGIN_RELAY_NOTE_MAX, "note"},
        {header->stdout_length, PLUGIN_RELAY_STDOUT_HEAD_MAX, "stdout head"},
        {header->stderr_length, PLUGIN_RELAY_STDERR_MAX, "stderr"},
        {header->result_length, PLUGIN_RELAY_RESULT_MAX, "result"},
    };
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (parts[i].length > parts[i].max) {
            snprintf(err, err_size, "%s of job %u is %u bytes, above the limit of %u",
                     parts[i].name, (unsigned)header->index, (unsigned)parts[i].length,
                     (unsigned)parts[i].max);
            return -1;
        }
    }
    if (header->stdout_length > header->stdout_total) {
        snprintf(err, err_size, "stdout head of job %u is longer than its stdout",
                 (unsigned)header->index);
        return -1;
    }
    return 0;
}

size_t plugin_relay_body_length(const struct plugin_relay_header *header)
{
    return (size_t)header->note_length + header->stdout_length + header->stderr_length +
           header->result_length;
}
