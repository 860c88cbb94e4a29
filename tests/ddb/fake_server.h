/*
 * A scripted HTTP/1.1 server on 127.0.0.1 for client tests. It sends the
 * n-th scripted response to the n-th request (the last one repeats) and
 * keeps connections alive. Each connection is served by its own thread, so a
 * delayed response does not hold up the next connection.
 */
#ifndef SCHEMAREG_TEST_FAKE_SERVER_H
#define SCHEMAREG_TEST_FAKE_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct fake_response {
    int status;
    const char *body;
    bool bad_crc32;       /* send an x-amz-crc32 that does not match the body */
    long date_offset_s;   /* the Date header is now plus this many seconds */
    long delay_ms;        /* wait this long before responding */
};

#define FAKE_SERVER_MAX_CONNECTIONS 16

struct fake_connection {
    struct fake_server *server;
    int fd;
    pthread_t thread;
};

struct fake_server {
    int listen_fd;
    int port;
    pthread_t thread;
    atomic_bool stopping;
    const struct fake_response *script;
    size_t script_len;
    atomic_int requests;
    atomic_int connections;
    struct fake_connection open[FAKE_SERVER_MAX_CONNECTIONS];
    char last_target[128];   /* X-Amz-Target of the last request */
    char last_amz_date[32];  /* X-Amz-Date of the last request */
};

/* Starts the server thread. Returns 0, or -1 when the socket or thread
 * cannot be created. */
int fake_server_start(struct fake_server *server, const struct fake_response *script,
                      size_t script_len);
void fake_server_stop(struct fake_server *server);

#endif
