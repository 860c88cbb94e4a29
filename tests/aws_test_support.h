/* Shared set-up for the AWS configuration tests: a clean environment, a
 * scratch directory and the local container credentials server. */
#ifndef SCHEMAREG_AWS_TEST_SUPPORT_H
#define SCHEMAREG_AWS_TEST_SUPPORT_H

#include <time.h>

/* 2030-01-01T00:00:00Z, the "now" of every test. */
#define TEST_NOW ((time_t)1893456000)

/* Unsets every AWS_* variable the resolver reads and points HOME at a new
 * empty scratch directory, whose path is returned. */
const char *test_clean_environment(void);

/* Writes text to NAME in the scratch directory; returns the full path,
 * valid until the next call. */
const char *test_write_file(const char *name, const char *text);

/* Starts tests/container_credentials_server.py and returns its base URL,
 * e.g. http://127.0.0.1:40123. The server stops when the test program
 * exits. */
const char *test_start_server(void);

/* Returns how many /creds requests the server has seen for id. */
int test_server_count(const char *base_url, const char *id);

#endif
