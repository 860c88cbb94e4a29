#include "fake_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#define POLL_INTERVAL_MS 50

/* Waits until fd is readable or the server stops. */
static bool wait_readable(struct fake_server *server, int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};

    while (!atomic_load(&server->stopping)) {
        int ready = poll(&pfd, 1, POLL_INTERVAL_MS);
        if (ready > 0)
            return true;
        if (ready < 0 && errno != EINTR)
            return false;
    }
    return false;
}

static void copy_header(const char *head, const char *name, char *out, size_t out_len)
{
    size_t name_len = strlen(name);

    out[0] = '\0';
    for (const char *line = head; line != NULL; line = strstr(line, "\r\n")) {
        if (line != head)
            line += 2;
        if (strncasecmp(line, name, name_len) == 0 && line[name_len] == ':') {
            const char *value = line + name_len + 1;
            while (*value == ' ')
                value++;
            size_t len = strcspn(value, "\r\n");
            if (len >= out_len)
                len = out_len - 1;
            memcpy(out, value, len);
            out[len] = '\0';
            return;
        }
    }
}

/* Reads one request (head and Content-Length body). Returns false at end of
 * connection. */
static bool read_request(struct fake_server *server, int fd)
{
    char buffer[65536];
    size_t used = 0;
    char *head_end = NULL;

    while (head_end == NULL) {
        if (used == sizeof(buffer) - 1 || !wait_readable(server, fd))
            return false;
        ssize_t got = recv(fd, buffer + used, sizeof(buffer) - 1 - used, 0);
        if (got <= 0)
            return false;
        used += (size_t)got;
        buffer[used] = '\0';
        head_end = strstr(buffer, "\r\n\r\n");
    }

    char length_text[32];
    *head_end = '\0';
    copy_header(buffer, "Content-Length", length_text, sizeof(length_text));
    copy_header(buffer, "X-Amz-Target", server->last_target, sizeof(server->last_target));
    copy_header(buffer, "X-Amz-Date", server->last_amz_date, sizeof(server->last_amz_date));

    size_t body_len = (size_t)strtoul(length_text, NULL, 10);
    size_t body_have = used - (size_t)(head_end + 4 - buffer);
    while (body_have < body_len) {
        char discard[4096];
        if (!wait_readable(server, fd))
            return false;
        ssize_t got = recv(fd, discard, sizeof(discard), 0);
        if (got <= 0)
            return false;
        body_have += (size_t)got;
    }
    return true;
}

/* Sleeps ms milliseconds, or less when the server stops. */
static void sleep_ms(struct fake_server *server, long ms)
{
    for (long slept = 0; slept < ms && !atomic_load(&server->stopping);
         slept += POLL_INTERVAL_MS) {
        struct timespec delay = {.tv_nsec = POLL_INTERVAL_MS * 1000000L};
        nanosleep(&delay, NULL);
    }
}

static bool send_response(int fd, const struct fake_response *response)
{
    const char *body = response->body != NULL ? response->body : "";
    size_t body_len = strlen(body);
    uint32_t checksum = (uint32_t)crc32(0L, (const Bytef *)body, (uInt)body_len);
    if (response->bad_crc32)
        checksum ^= 0x5a5a5a5au;

    time_t date = time(NULL) + response->date_offset_s;
    struct tm utc;
    char date_text[64];
    gmtime_r(&date, &utc);
    strftime(date_text, sizeof(date_text), "%a, %d %b %Y %H:%M:%S GMT", &utc);

    char head[512];
    int head_len = snprintf(head, sizeof(head),
                            "HTTP/1.1 %d Fake\r\n"
                            "Content-Type: application/x-amz-json-1.0\r\n"
                            "Content-Length: %zu\r\n"
                            "x-amz-crc32: %u\r\n"
                            "Date: %s\r\n"
                            "Connection: keep-alive\r\n\r\n",
                            response->status, body_len, checksum, date_text);

    /* One send for head and body: two small writes would wait for the
     * client's delayed ACK (Nagle's algorithm), about 40 ms per response. */
    size_t total = (size_t)head_len + body_len;
    char *message = malloc(total);
    if (message == NULL)
        return false;
    memcpy(message, head, (size_t)head_len);
    memcpy(message + head_len, body, body_len);
    bool sent = send(fd, message, total, MSG_NOSIGNAL) == (ssize_t)total;
    free(message);
    return sent;
}

static void *serve_connection(void *arg)
{
    struct fake_connection *connection = arg;
    struct fake_server *server = connection->server;

    while (read_request(server, connection->fd)) {
        int index = atomic_fetch_add(&server->requests, 1);
        size_t step = (size_t)index < server->script_len ? (size_t)index
                                                         : server->script_len - 1;
        const struct fake_response *response = &server->script[step];

        if (response->delay_ms > 0)
            sleep_ms(server, response->delay_ms);
        if (!send_response(connection->fd, response))
            break;
    }
    close(connection->fd);
    return NULL;
}

static void *serve(void *arg)
{
    struct fake_server *server = arg;

    while (wait_readable(server, server->listen_fd)) {
        int fd = accept(server->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;

        int index = atomic_fetch_add(&server->connections, 1);
        if (index >= FAKE_SERVER_MAX_CONNECTIONS) {
            close(fd);
            continue;
        }
        struct fake_connection *connection = &server->open[index];
        connection->server = server;
        connection->fd = fd;
        if (pthread_create(&connection->thread, NULL, serve_connection, connection) != 0) {
            close(fd);
            connection->fd = -1;
        }
    }
    return NULL;
}

int fake_server_start(struct fake_server *server, const struct fake_response *script,
                      size_t script_len)
{
    memset(server, 0, sizeof(*server));
    server->script = script;
    server->script_len = script_len;

    server->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (server->listen_fd < 0)
        return -1;

    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t address_len = sizeof(address);
    if (bind(server->listen_fd, (struct sockaddr *)&address, sizeof(address)) != 0 ||
        listen(server->listen_fd, 8) != 0 ||
        getsockname(server->listen_fd, (struct sockaddr *)&address, &address_len) != 0)
        goto fail;
    server->port = ntohs(address.sin_port);

    if (pthread_create(&server->thread, NULL, serve, server) != 0)
        goto fail;
    return 0;

fail:
    close(server->listen_fd);
    return -1;
}

void fake_server_stop(struct fake_server *server)
{
    atomic_store(&server->stopping, true);
    pthread_join(server->thread, NULL);

    int opened = atomic_load(&server->connections);
    for (int i = 0; i < opened && i < FAKE_SERVER_MAX_CONNECTIONS; i++) {
        if (server->open[i].fd >= 0)
            pthread_join(server->open[i].thread, NULL);
    }
    close(server->listen_fd);
}
