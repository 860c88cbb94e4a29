/*
 * Finds plugin files, loads them and copies what they declare into the
 * host's catalog. One bad plugin never stops the others from loading.
 */
#ifndef SCHEMAREG_LOADER_H
#define SCHEMAREG_LOADER_H

#include <stddef.h>

#include "catalog.h"

struct loader_options {
    /* Directories to scan, in order. When dirs_count is 0 the loader uses
     * SCHEMAREG_PLUGIN_PATH, and when that is unset the built-in default. */
    const char *const *dirs;
    size_t dirs_count;
    /* Nonzero to accept plugin files and directories that are writable by
     * others (development only; a warning is printed). */
    int allow_insecure;
};

/* A plugin file that could not be loaded, and why. */
struct loader_error {
    char *path;
    char *message;
};

struct loader_result {
    struct catalog_plugin *plugins; /* in load order: directory, then name */
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
