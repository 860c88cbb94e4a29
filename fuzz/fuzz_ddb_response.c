/*
 * Fuzz target: DynamoDB responses and error bodies. The first two input
 * bytes pick an HTTP status (200 to 599); the rest is the body, which goes
 * through the error parser and the retry classification as the client
 * does with every response.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ddb_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    long status = 200 + ((long)data[0] << 8 | data[1]) % 400;
    const char *body = (const char *)data + 2;
    size_t body_len = size - 2;

    struct ddb_error error;
    ddb_error_clear(&error);
    ddb_error_from_response(&error, status, body, body_len);
    if (memchr(error.type, '\0', sizeof(error.type)) == NULL ||
        memchr(error.message, '\0', sizeof(error.message)) == NULL)
        __builtin_trap(); /* unterminated type or message */
    if (strchr(error.type, '#') != NULL)
        __builtin_trap(); /* the namespace prefix must be cut off */
    (void)ddb_retry_class_name(ddb_error_classify(&error));
    return 0;
}
