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

/* How long the command may run, from its start to its exit, before it is
 * killed. */
#define CREDENTIAL_PROCESS_TIMEOUT_MS 60000
/* Output larger than this is rejected. */
#define CREDENTIAL_PROCESS_MAX_OUTPUT (64 * 1024)

/* Runs command with /bin/sh -c, stdin and stderr on /dev/null, in its own
 * process group, and parses its stdout into out. The command must exit
 * within timeout_ms, counted from its start whether or not it still
 * keeps stdout open, or its whole process group is killed. Credentials
 * that have expired at now are rejected. Messages name the profile, the
 * exit status or signal and the program name (the command's first word),
 * never its arguments, stdout or stderr. Returns 0, or -1 with a message
 * in err. */
int credential_process_fetch(const char *profile, const char *command,
                             int timeout_ms, time_t now,
                             struct aws_owned_credentials *out,
                             char *err, size_t err_len);

#endif
