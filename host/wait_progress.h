/*
 * The terminal status line of the tables being waited on. Tables wait
 * concurrently, each on its own worker thread, so they share one line:
 * "waiting for acme-a: table CREATING, 3s of 600s" for one table,
 * "waiting for 3 tables: acme-a (table CREATING), ..." for several.
 * The line is printed with log_progress, so only on a terminal.
 */
#ifndef SCHEMAREG_WAIT_PROGRESS_H
#define SCHEMAREG_WAIT_PROGRESS_H

#include <stddef.h>

/* Most tables on the line: the most tables provisioned at once. A table
 * beyond it is left off the line. */
#define WAIT_PROGRESS_MAX_TABLES 64

/* Sets the state of table_name (e.g. "table CREATING, 3s of 600s") and
 * prints the line again. Thread-safe. */
void wait_progress_update(const char *table_name, const char *state);

/* Removes table_name, then prints the line of the tables still waiting,
 * or clears it when none is. Thread-safe. */
void wait_progress_remove(const char *table_name);

/* Writes the current line into out (at most out_len bytes, terminated).
 * Returns the number of tables waiting. Thread-safe. */
size_t wait_progress_line(char *out, size_t out_len);

#endif
