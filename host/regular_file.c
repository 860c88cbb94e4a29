#include "regular_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const char *file_type_name(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    return "not a file";
}

static bool is_dev_null(const struct stat *info)
{
    return S_ISCHR(info->st_mode) && major(info->st_rdev) == 1 && minor(info->st_rdev) == 3;
}

int regular_file_open(const char *path, int *fd, char *reason, size_t reason_len)
{
    struct stat info;
    int opened = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

    if (opened < 0) {
        if (errno == ENOENT)
            return 1;
        snprintf(reason, reason_len, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fstat(opened, &info) < 0) {
        snprintf(reason, reason_len, "cannot read its status: %s", strerror(errno));
        close(opened);
        return -1;
    }
    /* /dev/null is the usual way to turn a configuration file off, and it
     * reads as empty without blocking. */
    if (!S_ISREG(info.st_mode) && !is_dev_null(&info)) {
        snprintf(reason, reason_len, "is %s, not a regular file", file_type_name(info.st_mode));
        close(opened);
        return -1;
    }

    /* Reads of a regular file ignore O_NONBLOCK; clear it for clarity. */
    fcntl(opened, F_SETFL, fcntl(opened, F_GETFL) & ~O_NONBLOCK);
    *fd = opened;
    return 0;
}
