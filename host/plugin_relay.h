/*
 * The stream between schemareg-host and schemareg-plugin-loader, a Unix
 * stream socket that is descriptor 3 in the loader.
 *
 * The host sends jobs: each job is a 4-byte index, and the checked plugin
 * descriptor travels with it as SCM_RIGHTS ancillary data, at most
 * PLUGIN_RELAY_MAX_FDS jobs per sendmsg(). The loader sends back one
 * result frame per job: a fixed header followed by the loader's own note,
 * the head of the child's stdout, its stderr and its result pipe bytes.
 * Both ends run on the same machine, so integers are in host byte order.
 * The host treats every frame as untrusted (plugin_relay_parse_header()).
 */
#ifndef SCHEMAREG_PLUGIN_RELAY_H
#define SCHEMAREG_PLUGIN_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "plugin_wire.h"

/* The socket's descriptor number in the loader process. */
#define PLUGIN_RELAY_SOCKET_FD 3

/* Jobs, and so descriptors, per sendmsg(); below SCM_MAX_FD (253). */
#define PLUGIN_RELAY_MAX_FDS 64

/* Limits of the parts of a result frame, in bytes. */
#define PLUGIN_RELAY_NOTE_MAX 512
#define PLUGIN_RELAY_STDOUT_HEAD_MAX 64
#define PLUGIN_RELAY_STDERR_MAX 1024
#define PLUGIN_RELAY_RESULT_MAX PLUGIN_WIRE_MAX_SIZE

/* Outcome of a loader child. */
enum plugin_relay_outcome {
    PLUGIN_RELAY_EXITED = 1,       /* code is the exit status */
    PLUGIN_RELAY_SIGNALED = 2,     /* code is the signal number */
    PLUGIN_RELAY_TIMED_OUT = 3,    /* killed at the time limit */
    PLUGIN_RELAY_OVERFLOW = 4,     /* killed after more than RESULT_MAX result bytes */
    PLUGIN_RELAY_LOADER_ERROR = 5, /* the loader could not start or wait for the child */
};

struct plugin_relay_header {
    uint32_t magic; /* PLUGIN_RELAY_MAGIC */
    uint32_t index; /* the job's index as the host sent it */
    uint32_t outcome;
    int32_t code;
    uint64_t stdout_total; /* bytes the child wrote to stdout, of which the head follows */
    uint32_t note_length;  /* the loader's own message, for PLUGIN_RELAY_LOADER_ERROR */
    uint32_t stdout_length;
    uint32_t stderr_length;
    uint32_t result_length;
};

#define PLUGIN_RELAY_MAGIC 0x31524c53u /* "SLR1" in little endian */

/* One job as the loader received it. */
struct plugin_relay_job {
    uint32_t index;
    int fd;
};

/* Jobs received but not yet complete: the bytes of a partly received
 * index, and descriptors that arrived ahead of their index. */
struct plugin_relay_receiver {
    unsigned char partial[sizeof(uint32_t)];
    size_t partial_length;
    int fds[2 * PLUGIN_RELAY_MAX_FDS];
    size_t fds_count;
};

/* Room a plugin_relay_receive_jobs() call needs in its output array. */
#define PLUGIN_RELAY_RECEIVE_MAX (PLUGIN_RELAY_MAX_FDS + 1)

/*
 * Sends count jobs (indexes[i] with fds[i]) in messages of at most
 * PLUGIN_RELAY_MAX_FDS. Blocks until sent, and sends with MSG_NOSIGNAL so a
 * closed peer gives EPIPE rather than SIGPIPE. The descriptors stay open in
 * the caller. Returns 0, or -1 with errno set.
 */
int plugin_relay_send_jobs(int socket_fd, const uint32_t *indexes, const int *fds,
                           size_t count);

/*
 * Reads once from socket_fd and stores each job completed by what arrived
 * in out (room for PLUGIN_RELAY_RECEIVE_MAX), setting *count. The
 * receiver starts zeroed. Returns 1 after reading, 0 at end of stream, and
 * -1 on a read error or when the stream breaks the format (a job without
 * a descriptor, truncated ancillary data), with errno set (EPROTO for the
 * format).
 */
int plugin_relay_receive_jobs(int socket_fd, struct plugin_relay_receiver *receiver,
                              struct plugin_relay_job *out, size_t *count);

/* Closes the descriptors the receiver still holds. */
void plugin_relay_receiver_close(struct plugin_relay_receiver *receiver);

/*
 * Checks a received header: magic, an index below job_count, a known
 * outcome with a plausible code, and each length within its limit.
 * Returns 0, or -1 with the reason in err.
 */
int plugin_relay_parse_header(const struct plugin_relay_header *header, size_t job_count,
                              char *err, size_t err_size);

/* Total bytes of the parts that follow a checked header. */
size_t plugin_relay_body_length(const struct plugin_relay_header *header);

#endif
