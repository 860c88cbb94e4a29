#include "plugin_trust.h"

#include <stdio.h>
#include <unistd.h>

int plugin_trust_check(const struct stat *st, const char *what, char *problem,
                       size_t problem_size, const char **fix)
{
    uid_t euid = geteuid();

    if (st->st_uid != 0 && st->st_uid != euid) {
        snprintf(problem, problem_size,
                 "%s is owned by uid %lu, not by root or the current user (uid %lu)", what,
                 (unsigned long)st->st_uid, (unsigned long)euid);
        *fix = "change its owner";
        return -1;
    }
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        snprintf(problem, problem_size, "%s is %s-writable (mode %04o)", what,
                 (st->st_mode & S_IWOTH) != 0 ? "world" : "group",
                 (unsigned)(st->st_mode & 07777));
        *fix = "run chmod go-w on it";
        return -1;
    }
    return 0;
}
