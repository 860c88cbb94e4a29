#include "elf_runpath.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_note.h"

static int read_at(int fd, void *buffer, size_t size, uint64_t offset)
{
    unsigned char *out = buffer;
    while (size > 0) {
        ssize_t n = pread(fd, out, size, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        out += n;
        size -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

/* Reads a whole section of at most ELF_RUNPATH_MAX_SECTION_SIZE bytes plus
 * a NUL into a new buffer, or returns NULL. */
static void *read_section(int fd, const ElfW(Shdr) *section, uint64_t file_size)
{
    uint64_t offset = section->sh_offset;
    uint64_t size = section->sh_size;

    if (size > ELF_RUNPATH_MAX_SECTION_SIZE || offset > file_size || size > file_size - offset)
        return NULL;
    char *data = calloc((size_t)size + 1, 1);
    if (data != NULL && read_at(fd, data, (size_t)size, offset) != 0) {
        free(data);
        return NULL;
    }
    return data;
}

static int uses_origin(const char *text)
{
    return strstr(text, "$ORIGIN") != NULL || strstr(text, "${ORIGIN}") != NULL;
}

/* Scans the dynamic section for a search path with $ORIGIN. */
static int scan_dynamic(const ElfW(Dyn) *entries, size_t count, const char *strings,
                        uint64_t strings_size, const char **tag, char *path, size_t path_size)
{
    for (size_t i = 0; i < count && entries[i].d_tag != DT_NULL; i++) {
        ElfW(Sxword) kind = entries[i].d_tag;
        uint64_t offset = entries[i].d_un.d_val;

        if ((kind != DT_RUNPATH && kind != DT_RPATH) || offset >= strings_size)
            continue;
        if (!uses_origin(strings + offset))
            continue;
        *tag = kind == DT_RUNPATH ? "DT_RUNPATH" : "DT_RPATH";
        snprintf(path, path_size, "%s", strings + offset);
        return 1;
    }
    return 0;
}

int elf_runpath_find_origin(int fd, const char **tag, char *path, size_t path_size,
                            char *err, size_t err_size)
{
    ElfW(Ehdr) header;
    ElfW(Shdr) *sections = NULL;
    ElfW(Dyn) *entries = NULL;
    char *strings = NULL;
    struct stat st;
    int found = -1;

    if (fstat(fd, &st) != 0 || read_at(fd, &header, sizeof(header), 0) != 0 ||
        header.e_shentsize != sizeof(ElfW(Shdr))) {
        snprintf(err, err_size, "cannot read the ELF header");
        goto cleanup;
    }
    uint64_t file_size = (uint64_t)st.st_size;
    uint64_t count = header.e_shnum;
    if (count == 0 || count > ELF_NOTE_MAX_SECTIONS || header.e_shoff > file_size ||
        count * sizeof(ElfW(Shdr)) > file_size - header.e_shoff) {
        snprintf(err, err_size, "the section header table lies outside the file");
        goto cleanup;
    }
    sections = calloc((size_t)count, sizeof(*sections));
    if (sections == NULL ||
        read_at(fd, sections, (size_t)count * sizeof(*sections), header.e_shoff) != 0) {
        snprintf(err, err_size, "cannot read the section headers");
        goto cleanup;
    }

    found = 0;
    for (size_t i = 0; i < count && found == 0; i++) {
        const ElfW(Shdr) *dynamic = &sections[i];
        if (dynamic->sh_type != SHT_DYNAMIC)
            continue;
        if (dynamic->sh_link >= count || sections[dynamic->sh_link].sh_type != SHT_STRTAB) {
            snprintf(err, err_size, "the dynamic section names no string table");
            found = -1;
            break;
        }
        entries = read_section(fd, dynamic, file_size);
        strings = read_section(fd, &sections[dynamic->sh_link], file_size);
        if (entries == NULL || strings == NULL) {
            snprintf(err, err_size, "the dynamic section or its string table is too large, "
                     "lies outside the file or cannot be read");
            found = -1;
            break;
        }
        found = scan_dynamic(entries, (size_t)(dynamic->sh_size / sizeof(*entries)), strings,
                             sections[dynamic->sh_link].sh_size, tag, path, path_size);
        free(entries);
        free(strings);
        entries = NULL;
        strings = NULL;
    }

cleanup:
    free(entries);
    free(strings);
    free(sections);
    return found;
}
