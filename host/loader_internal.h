/* Parts of the loader shared by its source files. */
#ifndef SCHEMAREG_LOADER_INTERNAL_H
#define SCHEMAREG_LOADER_INTERNAL_H

#include <stddef.h>

#include "catalog.h"
#include "elf_note.h"
#include "loader.h"

/* A plugin file that passed the trust checks and whose ELF note was read. */
struct loader_file {
    int fd;     /* the checked descriptor; loader_load_checked() takes it */
    char *path; /* owned */
    struct elf_note_info note;

    /* Outcome: plugin on success, else error (malloc'd, without the path). */
    struct catalog_plugin plugin;
    char *error;
};

struct plugin_isolate;

/* Loads every file as options->mode selects and sets each outcome. In
 * isolated mode *isolate is the session with the plugin loader process,
 * created at the first call; the caller frees it with
 * plugin_isolate_free() at the end of the run. */
void loader_load_checked(struct loader_file *files, size_t count,
                         const struct loader_options *options,
                         struct plugin_isolate **isolate);

#endif
