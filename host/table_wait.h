/*
 * Waits until a table and the indexes it must have are ACTIVE.
 */
#ifndef SCHEMAREG_TABLE_WAIT_H
#define SCHEMAREG_TABLE_WAIT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ddb_client.h"

enum table_wait_status {
    TABLE_WAIT_ACTIVE = 0,  /* the table and every listed index are ACTIVE */
    TABLE_WAIT_IN_PROGRESS, /* timed out while a listed index is still CREATING */
    TABLE_WAIT_FAILED,      /* timed out otherwise, no progress, or a request failed */
};

struct table_wait_options {
    const char *table_name;
    const char *const *indexes; /* index names that must be ACTIVE too */
    size_t indexes_count;
    int64_t timeout_ms;
    /* How long a listed index may stay absent from DescribeTable while the
     * table is ACTIVE before the wait fails as making no progress; 0 means
     * 15 s. Always capped at timeout_ms. */
    int64_t no_progress_ms;
};

/*
 * Polls DescribeTable: a first check at once, then after 1, 2, 4, 8 and
 * 10 s, and every 10 s after that, until done or timeout_ms. Shows a
 * progress line when stderr is a terminal. Stores the last "Table" object
 * in *description (caller owns it; may be NULL on failure) and a message
 * in err for TABLE_WAIT_IN_PROGRESS and TABLE_WAIT_FAILED.
 */
enum table_wait_status table_wait_active(struct ddb_client *client,
                                         const struct table_wait_options *options,
                                         json_t **description, char *err, size_t err_len);

#endif
