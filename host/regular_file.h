/*
 * Opening a file that must be a regular file, such as an AWS config file,
 * a token file or a CA bundle. The open never blocks, so a path that names
 * a FIFO without a writer is reported instead of hanging the run.
 */
#ifndef SCHEMAREG_REGULAR_FILE_H
#define SCHEMAREG_REGULAR_FILE_H

#include <stddef.h>

/*
 * Opens path read-only with O_NONBLOCK and O_CLOEXEC and checks with fstat
 * that it is a regular file, or /dev/null (character device 1:3), which
 * reads as an empty file. Returns 0 with the descriptor in *fd (the
 * caller closes it), 1 when path does not exist, or -1 with a reason such
 * as "is a FIFO, not a regular file" or "cannot open: Permission denied"
 * in reason, which callers put after the path.
 */
int regular_file_open(const char *path, int *fd, char *reason, size_t reason_len);

#endif
