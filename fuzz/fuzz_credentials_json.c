/*
 * Fuzz target: the JSON credentials documents of credential_process and of
 * the container credentials endpoints. The first input byte picks the
 * format (even: credential_process, odd: container); the rest is the
 * document.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "credentials_json.h"

static const struct credentials_json_format process_format = {
    .token_key = "SessionToken",
    .require_version = true,
};
static const struct credentials_json_format container_format = {
    .token_key = "Token",
    .require_version = false,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const struct credentials_json_format *format =
        (data[0] & 1) ? &container_format : &process_format;

    struct aws_owned_credentials creds;
    memset(&creds, 0, sizeof(creds));
    char err[512];
    int rc = credentials_json_parse((const char *)data + 1, size - 1, format, &creds,
                                    err, sizeof(err));
    if (rc == 0) {
        if (creds.access_key_id == NULL || creds.secret_access_key == NULL)
            __builtin_trap(); /* success without the two required values */
        (void)strlen(creds.access_key_id);
        (void)strlen(creds.secret_access_key);
        if (creds.session_token != NULL)
            (void)strlen(creds.session_token);
    }
    aws_owned_credentials_clear(&creds);
    return 0;
}
