/*
 * Loads one plugin from an open, already trusted descriptor: checks its
 * ELF note, maps it with dlopen and copies what its entry point returns.
 */
#ifndef SCHEMAREG_PLUGIN_LOAD_H
#define SCHEMAREG_PLUGIN_LOAD_H

#include <stddef.h>

#include "catalog.h"
#include "elf_note.h"

/*
 * Reads the ELF note of fd (rejecting the file before any of its code runs
 * when the note is missing or names another ABI major), then loads the
 * same descriptor with dlopen("/proc/self/fd/N", RTLD_NOW | RTLD_LOCAL |
 * RTLD_NODELETE), calls schemareg_providers() and copies the result into
 * *out, with out->path set to a copy of path.
 *
 * Takes ownership of fd. When dlopen succeeded the descriptor stays open
 * for the life of the process: glibc remembers a loaded object by the name
 * it was opened with, so a reused descriptor number would make a later
 * dlopen of "/proc/self/fd/N" return the earlier plugin. Otherwise fd is
 * closed.
 *
 * Returns 0, or -1 with a message in err that does not name the file.
 */
int plugin_load_fd(int fd, const char *path, struct catalog_plugin *out, char *err,
                   size_t err_size);

#endif
