/*
 * credential_process: a profile's command that prints credentials as JSON
 * on stdout ({"Version": 1, "AccessKeyId", "SecretAccessKey",
 * "SessionToken", "Expiration"}).
 */
#ifndef SCHEMAREG_CREDENTIAL_PROCESS_H
#define SCHEMAREG_CREDENTIAL_PROCESS_H

#include <stddef.h>
#include <time.h>

#include "credentials.h"

/* How long the command may run before it is killed. */
#define CREDENTIAL_PROCESS_TIMEOUT_MS 60000
/* Output larger than this is rejected. */
#define CREDENTIAL_PROCESS_MAX_OUTPUT (64 * 1024)

/* Runs command with /bin/sh -c, stdin from /dev/null, in its own process
 * group (killed as a whole on timeout), and parses its stdout into out.
 * Credentials that have expired at now are rejected. Messages name the
 * profile and the first line the command wrote to stderr, never its
 * stdout. Returns 0, or -1 with a message in err. */
int credential_process_fetch(const char *profile, const char *command,
                             int timeout_ms, time_t now,
                             struct aws_owned_credentials *out,
                             char *err, size_t err_len);

#endif
