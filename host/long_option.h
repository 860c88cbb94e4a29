/*
 * getopt_long() without abbreviations. glibc accepts any unambiguous prefix
 * of a long option ("--capsul" for "--capsule"), so a script that relies on
 * a prefix breaks when a later option shares it. The tools reject prefixes.
 */
#ifndef SCHEMAREG_LONG_OPTION_H
#define SCHEMAREG_LONG_OPTION_H

#include <getopt.h>
#include <stddef.h>

/*
 * Checks the long option that getopt_long() has just returned with index
 * longindex into options. Returns the option's full name when the command
 * line gave a prefix of it, and writes the prefix as given ("--capsul",
 * without any "=VALUE", which may be a secret) to typed. Returns NULL when
 * the option was spelled in full or longindex is negative (a short
 * option). Call it before the next getopt_long() call, which may reorder
 * argv.
 */
const char *long_option_abbreviated(char *const *argv, const struct option *options,
                                    int longindex, char *typed, size_t typed_size);

#endif
