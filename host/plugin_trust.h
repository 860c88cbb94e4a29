/*
 * Ownership and permission rules for plugin files and the directories that
 * contain them, checked on open descriptors so the checked file is the
 * loaded one.
 */
#ifndef SCHEMAREG_PLUGIN_TRUST_H
#define SCHEMAREG_PLUGIN_TRUST_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * Checks that st (from fstat) is owned by root or by the effective user and
 * is neither group- nor world-writable. what is "file" or "directory" for
 * the message. Returns 0, or -1 with the problem in problem and the fix
 * ("run chmod go-w on it") in *fix, to join as the caller needs.
 */
int plugin_trust_check(const struct stat *st, const char *what, char *problem,
                       size_t problem_size, const char **fix);

#endif
