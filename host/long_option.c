#include "long_option.h"

#include <stdio.h>
#include <string.h>

const char *long_option_abbreviated(char *const *argv, const struct option *options,
                                    int longindex, char *typed, size_t typed_size)
{
    if (longindex < 0 || optind < 1)
        return NULL;

    /* getopt_long() leaves optind after the last argument it consumed,
     * which is the option itself or its value given as a separate argument. */
    const char *token = argv[optind - 1];
    if (optarg != NULL && optarg == token && optind >= 2)
        token = argv[optind - 2];
    if (strncmp(token, "--", 2) != 0)
        return NULL;

    const char *name = options[longindex].name;
    size_t length = strcspn(token + 2, "=");
    if (length == strlen(name) && strncmp(token + 2, name, length) == 0)
        return NULL;
    snprintf(typed, typed_size, "--%.*s", (int)length, token + 2);
    return name;
}
