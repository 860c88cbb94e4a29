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
 * the message. Returns 0, or -1 with a message in err that states the fix.
 */
int plugin_trust_check(const struct stat *st, const char *what, char *err, size_t err_size);

#endif
