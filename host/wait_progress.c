#include "wait_progress.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

struct waiting_table {
    char name[256];
    char state[192];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct waiting_table tables[WAIT_PROGRESS_MAX_TABLES];
static size_t tables_count; /* entries of tables in use */

static long find(const char *name)
{
    for (size_t i = 0; i < tables_count; i++) {
        if (strcmp(tables[i].name, name) == 0)
            return (long)i;
    }
    return -1;
}

/* Appends text to out at *used, keeping out terminated. */
static void append(char *out, size_t out_len, size_t *used, const char *fmt, const char *a,
                   const char *b)
{
    if (*used >= out_len)
        return;

    int written = snprintf(out + *used, out_len - *used, fmt, a, b);
    if (written > 0)
        *used += (size_t)written;
}

/* Called with the lock held. */
static size_t format_line(char *out, size_t out_len)
{
    size_t waiting = tables_count;
    size_t used = 0;
    char count[64];

    out[0] = '\0';
    if (waiting == 0)
        return 0;
    if (waiting == 1) {
        append(out, out_len, &used, "waiting for %s: %s", tables[0].name, tables[0].state);
        return 1;
    }
    snprintf(count, sizeof(count), "%zu tables", waiting);
    append(out, out_len, &used, "waiting for %s%s:", count, "");
    for (size_t i = 0; i < tables_count; i++)
        append(out, out_len, &used, i > 0 ? ", %s (%s)" : " %s (%s)", tables[i].name,
               tables[i].state);
    return waiting;
}

/* Prints the line, or clears it when no table is waiting. Called with the
 * lock held, so lines of two threads never mix. */
static void print_line(void)
{
    char line[1024];

    if (format_line(line, sizeof(line)) == 0)
        log_progress_end();
    else
        log_progress("%s", line);
}

void wait_progress_update(const char *table_name, const char *state)
{
    pthread_mutex_lock(&lock);
    long index = find(table_name);
    if (index < 0 && tables_count < WAIT_PROGRESS_MAX_TABLES) {
        index = (long)tables_count++;
        snprintf(tables[index].name, sizeof(tables[index].name), "%s", table_name);
    }
    if (index >= 0)
        snprintf(tables[index].state, sizeof(tables[index].state), "%s", state);
    print_line();
    pthread_mutex_unlock(&lock);
}

void wait_progress_remove(const char *table_name)
{
    pthread_mutex_lock(&lock);
    long index = find(table_name);
    if (index >= 0) {
        /* Keep the order in which the tables started waiting. */
        memmove(&tables[index], &tables[index + 1],
                (tables_count - (size_t)index - 1) * sizeof(tables[0]));
        tables_count--;
    }
    print_line();
    pthread_mutex_unlock(&lock);
}

size_t wait_progress_line(char *out, size_t out_len)
{
    pthread_mutex_lock(&lock);
    size_t waiting = format_line(out, out_len);
    pthread_mutex_unlock(&lock);
    return waiting;
}
