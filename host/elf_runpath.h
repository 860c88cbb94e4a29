/*
 * The library search path a plugin carries in its dynamic section. The
 * host loads each plugin from a checked descriptor, through
 * /proc/self/fd/N, so "$ORIGIN" in DT_RUNPATH or DT_RPATH expands to
 * /proc/self/fd and never finds the libraries next to the plugin file.
 */
#ifndef SCHEMAREG_ELF_RUNPATH_H
#define SCHEMAREG_ELF_RUNPATH_H

#include <stddef.h>

/* Largest dynamic section and dynamic string table read. */
#define ELF_RUNPATH_MAX_SECTION_SIZE (1024u * 1024u)

/*
 * Looks for "$ORIGIN" or "${ORIGIN}" in the DT_RUNPATH and DT_RPATH
 * entries of the ELF shared object open on fd, which elf_note_read() has
 * accepted. Returns 1 with the tag name ("DT_RUNPATH" or "DT_RPATH") in
 * *tag and the search path in path (cut to path_size), 0 when no entry
 * uses $ORIGIN or the file has no dynamic section, or -1 with a reason in
 * err when the section headers or the dynamic section are malformed.
 * Reads with pread, so the file offset of fd is left unchanged.
 */
int elf_runpath_find_origin(int fd, const char **tag, char *path, size_t path_size,
                            char *err, size_t err_size);

#endif
