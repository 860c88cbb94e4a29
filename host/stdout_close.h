/* The exit-time check that everything written to stdout reached it. */
#ifndef SCHEMAREG_STDOUT_CLOSE_H
#define SCHEMAREG_STDOUT_CLOSE_H

/*
 * Flushes and closes stdout. Returns 0, or -1 after logging "cannot write
 * to standard output" with the reason when any write failed (a full disk,
 * /dev/full, a closed pipe), so a tool never exits 0 with its output lost.
 * A stdout that was closed before the program started is not an error
 * when nothing was written to it. Call once, at exit.
 */
int stdout_close_checked(void);

#endif
