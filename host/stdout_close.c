#include "stdout_close.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>

#include "log.h"

int stdout_close_checked(void)
{
    bool pending = __fpending(stdout) != 0;
    bool failed_before = ferror(stdout) != 0;
    int close_error = 0;

    if (fclose(stdout) != 0)
        close_error = errno;
    /* As gnulib's close_stream: EBADF with nothing to write means stdout
     * was closed on purpose ("tool >&-"). */
    if (!failed_before && (close_error == 0 || (close_error == EBADF && !pending)))
        return 0;

    if (close_error != 0)
        log_error("cannot write to standard output: %s", strerror(close_error));
    else
        log_error("cannot write to standard output");
    return -1;
}
