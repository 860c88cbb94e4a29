/*
 * Stands in for schemareg-plugin-loader and misbehaves as
 * SCHEMAREG_TEST_FAKE_LOADER selects, so tests can check that the host
 * treats what the loader sends as untrusted. It waits for the jobs of a
 * two-plugin run, then sends the frames of the selected mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin_relay.h"

#define JOBS_EXPECTED 2

static void write_all(const void *data, size_t size)
{
    const char *bytes = data;
    while (size > 0) {
        ssize_t written = write(PLUGIN_RELAY_SOCKET_FD, bytes, size);
        if (written <= 0)
            exit(1);
        bytes += written;
        size -= (size_t)written;
    }
}

/* Sends a frame whose only part is a result. */
static void send_result(uint32_t index, uint32_t outcome, int32_t code, const char *result)
{
    struct plugin_relay_header header = {
        .magic = PLUGIN_RELAY_MAGIC,
        .index = index,
        .outcome = outcome,
        .code = code,
        .result_length = (uint32_t)strlen(result),
    };
    write_all(&header, sizeof(header));
    write_all(result, strlen(result));
}

static void send_error_result(uint32_t index)
{
    send_result(index, PLUGIN_RELAY_EXITED, 0, "{\"error\": \"from the fake loader\"}");
}

static void run_mode(const char *mode)
{
    struct plugin_relay_header header = {.magic = PLUGIN_RELAY_MAGIC};

    if (strcmp(mode, "bad-magic") == 0) {
        header.magic = 0x41414141u;
        write_all(&header, sizeof(header));
    } else if (strcmp(mode, "index-out-of-range") == 0) {
        send_result(7, PLUGIN_RELAY_EXITED, 0, "");
    } else if (strcmp(mode, "unknown-outcome") == 0) {
        send_result(0, 99, 0, "");
    } else if (strcmp(mode, "bad-signal") == 0) {
        send_result(0, PLUGIN_RELAY_SIGNALED, 0, "");
    } else if (strcmp(mode, "oversized-stderr") == 0) {
        header.outcome = PLUGIN_RELAY_EXITED;
        header.stderr_length = PLUGIN_RELAY_STDERR_MAX + 1;
        write_all(&header, sizeof(header));
    } else if (strcmp(mode, "second-result") == 0) {
        send_error_result(0);
        send_error_result(0);
    } else if (strcmp(mode, "truncated") == 0) {
        header.outcome = PLUGIN_RELAY_EXITED;
        header.result_length = 100;
        write_all(&header, sizeof(header));
        write_all("{\"plugin\"", 9);
        exit(0);
    } else if (strcmp(mode, "exit") == 0) {
        exit(3);
    } else if (strcmp(mode, "stall") == 0) {
        send_error_result(0);
        pause();
    } else if (strcmp(mode, "hostile-text") == 0) {
        static const char note[] = "\x1b[31mred\x07 and more\nsecond line";
        header.outcome = PLUGIN_RELAY_LOADER_ERROR;
        header.note_length = sizeof(note) - 1;
        write_all(&header, sizeof(header));
        write_all(note, sizeof(note) - 1);
        send_result(1, PLUGIN_RELAY_EXITED, 0, "not json");
    }
    /* Keeps the socket open until the host closes it. */
    char byte;
    while (read(PLUGIN_RELAY_SOCKET_FD, &byte, 1) > 0) {
    }
}

int main(void)
{
    const char *mode = getenv("SCHEMAREG_TEST_FAKE_LOADER");
    if (mode == NULL)
        return 2;

    struct plugin_relay_receiver receiver;
    memset(&receiver, 0, sizeof(receiver));
    size_t received = 0;
    while (received < JOBS_EXPECTED) {
        struct plugin_relay_job jobs[PLUGIN_RELAY_RECEIVE_MAX];
        size_t count = 0;
        if (plugin_relay_receive_jobs(PLUGIN_RELAY_SOCKET_FD, &receiver, jobs, &count) <= 0)
            return 1;
        for (size_t i = 0; i < count; i++)
            close(jobs[i].fd);
        received += count;
    }

    run_mode(mode);
    return 0;
}
