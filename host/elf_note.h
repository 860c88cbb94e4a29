/*
 * Reads a plugin's schemareg ELF note from an open file, without loading
 * or running it. Every offset and size in the file is checked against the
 * file size before it is used.
 */
#ifndef SCHEMAREG_ELF_NOTE_H
#define SCHEMAREG_ELF_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "schemareg/provider.h"

enum elf_note_status {
    ELF_NOTE_OK = 0,
    ELF_NOTE_IO_ERROR,     /* the file could not be read */
    ELF_NOTE_NOT_ELF,      /* not an ELF shared object at all */
    ELF_NOTE_WRONG_TARGET, /* ELF, but for another class, byte order or machine */
    ELF_NOTE_NOT_PLUGIN,   /* a shared object without the schemareg note */
    ELF_NOTE_MALFORMED,    /* headers, sections or the note are inconsistent */
    ELF_NOTE_ABI_MISMATCH, /* the note names an ABI major this host does not support */
};

/* What the note declares. Strings are NUL-terminated. */
struct elf_note_info {
    uint32_t abi_major;
    uint32_t abi_minor;
    char plugin_name[SCHEMAREG_NOTE_NAME_MAX];
    char plugin_version[SCHEMAREG_NOTE_VERSION_MAX];
};

/* Largest .note.schemareg section and section header table accepted. */
#define ELF_NOTE_MAX_SECTION_SIZE 4096u
#define ELF_NOTE_MAX_SECTIONS 65535u

/*
 * Checks that fd is an ELF shared object for this host's class, byte
 * order and machine, finds section SCHEMAREG_NOTE_SECTION and parses its
 * schemareg note into *info. Returns ELF_NOTE_OK, or another status with
 * a message in err that does not name the file (the caller adds it).
 * Reads with pread, so the file offset of fd is left unchanged.
 */
enum elf_note_status elf_note_read(int fd, struct elf_note_info *info, char *err,
                                   size_t err_size);

#endif
