#include "plugin_trust.h"

#include <stdio.h>
#include <unistd.h>

int plugin_trust_check(const struct stat *st, const char *what, char *err, size_t err_size)
{
    uid_t euid = geteuid();

    if (st->st_uid != 0 && st->st_uid != euid) {
        snprintf(err, err_size,
                 "%s is owned by uid %lu, not by root or the current user (uid %lu); "
                 "change its owner or use --allow-insecure-plugins for development",
                 what, (unsigned long)st->st_uid, (unsigned long)euid);
        return -1;
    }
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        snprintf(err, err_size,
                 "%s is %s-writable (mode %04o); run chmod go-w on it or use "
                 "--allow-insecure-plugins for development",
                 what, (st->st_mode & S_IWOTH) != 0 ? "world" : "group",
                 (unsigned)(st->st_mode & 07777));
        return -1;
    }
    return 0;
}
