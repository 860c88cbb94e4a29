/* Leveled logging to stderr. The only module that writes diagnostics. */
#ifndef SCHEMAREG_LOG_H
#define SCHEMAREG_LOG_H

enum log_level {
    LOG_LEVEL_ERROR = 0,
    LOG_LEVEL_WARN = 1,
    LOG_LEVEL_INFO = 2,
    LOG_LEVEL_DEBUG = 3,
    LOG_LEVEL_TRACE = 4,
};

/* Sets the most verbose level that is printed (default LOG_LEVEL_INFO). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parses "error", "warn", "info", "debug" or "trace"; returns -1 otherwise. */
int log_parse_level(const char *text);

/* Sets the program name that starts every line, e.g. "schemareg-lint"
 * (default "schemareg"). name must stay valid while logging goes on. */
void log_set_program(const char *name);

/* Prints "PROGRAM: LEVEL: message" to stderr when level is enabled.
 * Callers must never pass secrets (secret keys, tokens, signatures). */
void log_write(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) log_write(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_write(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_write(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_trace(...) log_write(LOG_LEVEL_TRACE, __VA_ARGS__)

/* Rewrites one status line in place on stderr ("\r" then the text), for
 * long waits. Prints nothing unless stderr is a terminal and
 * LOG_LEVEL_INFO is enabled. */
void log_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Clears the status line left by log_progress, if any. */
void log_progress_end(void);

#endif
