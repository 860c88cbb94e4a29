#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "text_safe.h"

static enum log_level current_level = LOG_LEVEL_INFO;
static const char *program_name = "schemareg";

static const char *const level_names[] = {
    [LOG_LEVEL_ERROR] = "error",
    [LOG_LEVEL_WARN] = "warn",
    [LOG_LEVEL_INFO] = "info",
    [LOG_LEVEL_DEBUG] = "debug",
    [LOG_LEVEL_TRACE] = "trace",
};

void log_set_program(const char *name)
{
    program_name = name;
}

void log_set_level(enum log_level level)
{
    current_level = level;
}

enum log_level log_get_level(void)
{
    return current_level;
}

int log_parse_level(const char *text)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(text, level_names[i]) == 0)
            return (int)i;
    }
    return -1;
}

void log_write(enum log_level level, const char *fmt, ...)
{
    if (level > current_level)
        return;

    /* The message is formatted whole, then made safe for one terminal
     * line (host/text_safe.h), because it may quote plugin strings, file
     * names or server messages with control characters or invalid UTF-8.
     * One buffered line per message, so lines from concurrent writers
     * never interleave mid-line. */
    char line[4096];
    char fallback[sizeof(line)];
    char *message = NULL;
    int prefix = snprintf(line, sizeof(line), "%s: %s: ", program_name,
                          level_names[level]);
    va_list args;
    va_start(args, fmt);
    int formatted = vasprintf(&message, fmt, args);
    va_end(args);
    if (formatted < 0) {
        message = NULL;
        va_start(args, fmt);
        formatted = vsnprintf(fallback, sizeof(fallback), fmt, args);
        va_end(args);
        if (formatted < 0)
            fallback[0] = '\0';
    }

    const char *text = message != NULL ? message : fallback;
    size_t len = strlen(text);
    if (len > 0 && text[len - 1] == '\n')
        len--;
    text_safe_copy(line + prefix, sizeof(line) - (size_t)prefix, text, len);
    free(message);
    fprintf(stderr, "%s\n", line);
}

static int progress_shown;

void log_progress(const char *fmt, ...)
{
    if (current_level < LOG_LEVEL_INFO || !isatty(STDERR_FILENO))
        return;

    char raw[256];
    char line[256];
    va_list args;
    va_start(args, fmt);
    vsnprintf(raw, sizeof(raw), fmt, args);
    va_end(args);
    text_safe_copy(line, sizeof(line), raw, strlen(raw));

    /* "\033[K" erases what a longer previous line left on the right. */
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    progress_shown = 1;
}

void log_progress_end(void)
{
    if (!progress_shown)
        return;
    fprintf(stderr, "\r\033[K");
    fflush(stderr);
    progress_shown = 0;
}
