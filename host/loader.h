/*
 * Finds plugin files, loads them and copies what they declare into the
 * host's catalog. One bad plugin never stops the others from loading.
 */
#ifndef SCHEMAREG_LOADER_H
#define SCHEMAREG_LOADER_H

#include <stddef.h>

#include "catalog.h"

/* Loading strategy for a plugin file that passed the trust checks and
 * whose ELF note was read. */
enum loader_mode {
    /* Each plugin is loaded in its own child process (host/plugin_isolate.h);
     * the host process never maps plugin code. The default. */
    LOADER_MODE_ISOLATED = 0,
    /* Plugins are loaded in the host process, for debugging them. A plugin
     * that crashes or exits ends the host. */
    LOADER_MODE_IN_PROCESS,
    /* Only the ELF notes are read: each plugin has its name, version and
     * ABI version and no providers, and no plugin code runs. */
    LOADER_MODE_NOTES_ONLY,
};

/* Per-plugin time limit of isolated loading when timeout_ms is 0. */
#define LOADER_DEFAULT_TIMEOUT_MS 5000u

struct loader_options {
    /* Directories to scan, in order. When dirs_count is 0 the loader uses
     * SCHEMAREG_PLUGIN_PATH, and when that is unset the built-in default. */
    const char *const *dirs;
    size_t dirs_count;
    /* What named dirs, for the fix in messages about them, e.g.
     * "--plugin-dir"; NULL for no fix. */
    const char *dirs_origin;
    /* Nonzero to accept plugin files and directories that are writable by
     * others (development only; a warning is printed). */
    int allow_insecure;
    enum loader_mode mode;
    /* Isolated mode: time a plugin's child process may take, in
     * milliseconds (0 for LOADER_DEFAULT_TIMEOUT_MS), and how many children
     * run at once (0 for four per online CPU, from 4 to 32). */
    unsigned timeout_ms;
    unsigned max_children;
};

/* A plugin file that could not be loaded, and why. */
struct loader_error {
    char *path;
    char *message;
};

struct loader_result {
    /* In load order: directory, then name. In LOADER_MODE_NOTES_ONLY every
     * plugin has providers_count 0. */
    struct catalog_plugin *plugins;
    size_t plugins_count;
    struct loader_error *errors;
    size_t errors_count;
};

/* Scans the configured directories for *.so files and loads each. Returns
 * 0 when scanning worked (per-file failures are in errors), -1 when no
 * directory could be read at all. */
int loader_scan(const struct loader_options *options, struct loader_result *result);

/* Loads exactly the given files, as schemareg-lint does. */
int loader_load_files(const char *const *paths, size_t paths_count,
                      const struct loader_options *options,
                      struct loader_result *result);

void loader_result_free(struct loader_result *result);

#endif
