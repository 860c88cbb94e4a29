/*
 * Fuzz target: the shared credentials and config file parser. The input is
 * the file's contents; every section and a few well-known keys are looked
 * up so that the parsed structure is walked, not only built.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aws_ini.h"

static const char *const lookup_keys[] = {
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token",
    "region", "credential_process", "source_profile", "role_arn",
    "endpoint_url", "services", "s3",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct aws_ini *ini = NULL;
    char err[512];
    if (aws_ini_parse("fuzz-input", (const char *)data, size, &ini, err, sizeof(err)) != 0) {
        (void)strlen(err);
        goto cleanup;
    }

    size_t sections = aws_ini_section_count(ini);
    for (size_t i = 0; i < sections; i++) {
        const char *section = aws_ini_section_name(ini, i);
        if (!aws_ini_has_section(ini, section))
            __builtin_trap(); /* a listed section must be found */
        for (size_t k = 0; k < sizeof(lookup_keys) / sizeof(lookup_keys[0]); k++) {
            unsigned line = 0;
            const char *value = aws_ini_get(ini, section, lookup_keys[k], &line);
            if (value != NULL)
                (void)strlen(value);
            value = aws_ini_get_nested(ini, section, lookup_keys[k], "endpoint_url", &line);
            if (value != NULL)
                (void)strlen(value);
        }
    }

cleanup:
    aws_ini_free(ini);
    return 0;
}
