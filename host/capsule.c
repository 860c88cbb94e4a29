#include "capsule.h"

#include <stdio.h>
#include <string.h>

#include <schemareg/provider.h>

static int is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int capsule_validate(const char *code, char *err, size_t err_len)
{
    size_t len = code ? strlen(code) : 0;

    if (len == 0 || len > SCHEMAREG_CAPSULE_MAX_LEN) {
        snprintf(err, err_len,
                 "invalid capsule code \"%s\": it must be 1 to %u characters long",
                 code ? code : "", SCHEMAREG_CAPSULE_MAX_LEN);
        return -1;
    }
    if (!is_lower_alnum(code[0])) {
        snprintf(err, err_len,
                 "invalid capsule code \"%s\": it must start with a lower-case letter or a digit",
                 code);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if (!is_lower_alnum(code[i]) && code[i] != '-') {
            snprintf(err, err_len,
                     "invalid capsule code \"%s\": character %zu is not one of a-z, 0-9 or '-'",
                     code, i + 1);
            return -1;
        }
    }
    return 0;
}

int capsule_table_name(const char *code, const char *table, char *out, size_t out_len)
{
    int written = snprintf(out, out_len, "%s-%s", code, table);

    if (written < 0 || (size_t)written >= out_len || written > 255)
        return -1;
    return 0;
}
