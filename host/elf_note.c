#include "elf_note.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The ELF class, byte order and machine this host was built for. */
#if __SIZEOF_POINTER__ == 8
#define HOST_ELF_CLASS ELFCLASS64
#else
#define HOST_ELF_CLASS ELFCLASS32
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_ELF_DATA ELFDATA2LSB
#else
#define HOST_ELF_DATA ELFDATA2MSB
#endif

#if defined(__x86_64__)
#define HOST_ELF_MACHINE EM_X86_64
#elif defined(__i386__)
#define HOST_ELF_MACHINE EM_386
#elif defined(__aarch64__)
#define HOST_ELF_MACHINE EM_AARCH64
#elif defined(__arm__)
#define HOST_ELF_MACHINE EM_ARM
#elif defined(__riscv)
#define HOST_ELF_MACHINE EM_RISCV
#elif defined(__powerpc64__)
#define HOST_ELF_MACHINE EM_PPC64
#elif defined(__powerpc__)
#define HOST_ELF_MACHINE EM_PPC
#elif defined(__s390x__)
#define HOST_ELF_MACHINE EM_S390
#elif defined(__loongarch__)
#define HOST_ELF_MACHINE EM_LOONGARCH
#elif defined(__mips__)
#define HOST_ELF_MACHINE EM_MIPS
#else
#error "unknown machine: add its EM_* value to HOST_ELF_MACHINE in host/elf_note.c"
#endif

#define NOTE_HEADER_SIZE 12u
/* The section name string table is read whole. Typical ones are a few
 * hundred bytes, so this bound only stops absurd sizes. */
#define SHSTRTAB_MAX_SIZE (1024u * 1024u)

static enum elf_note_status report(enum elf_note_status status, char *err, size_t err_size,
                                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum elf_note_status report(enum elf_note_status status, char *err, size_t err_size,
                                   const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(err, err_size, fmt, args);
    va_end(args);
    return status;
}

/* Reads exactly size bytes at offset. Returns -1 on an error or an early end of file. */
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

/* Nonzero when [offset, offset + size) lies inside a file of file_size bytes. */
static int in_file(uint64_t offset, uint64_t size, uint64_t file_size)
{
    return offset <= file_size && size <= file_size - offset;
}

static enum elf_note_status check_header(const ElfW(Ehdr) *header, uint64_t file_size,
                                         char *err, size_t err_size)
{
    const unsigned char *ident = header->e_ident;

    if (ident[EI_CLASS] != HOST_ELF_CLASS)
        return report(ELF_NOTE_WRONG_TARGET, err, err_size,
                      "built for %s ELF, but this host is %s; rebuild the plugin for this host",
                      ident[EI_CLASS] == ELFCLASS32 ? "32-bit" : "another class of",
                      HOST_ELF_CLASS == ELFCLASS64 ? "64-bit" : "32-bit");
    if (ident[EI_DATA] != HOST_ELF_DATA)
        return report(ELF_NOTE_WRONG_TARGET, err, err_size,
                      "built for another byte order; rebuild the plugin for this host");
    if (ident[EI_VERSION] != EV_CURRENT || header->e_version != EV_CURRENT)
        return report(ELF_NOTE_MALFORMED, err, err_size, "unknown ELF version %u",
                      (unsigned)ident[EI_VERSION]);
    if (file_size < sizeof(*header))
        return report(ELF_NOTE_NOT_ELF, err, err_size,
                      "not a shared object (truncated ELF header)");
    if (header->e_type != ET_DYN)
        return report(ELF_NOTE_NOT_ELF, err, err_size,
                      "not a shared object (ELF type %u; link it with -shared)",
                      (unsigned)header->e_type);
    if (header->e_machine != HOST_ELF_MACHINE)
        return report(ELF_NOTE_WRONG_TARGET, err, err_size,
                      "built for ELF machine %u, but this host is machine %u; rebuild the "
                      "plugin for this host",
                      (unsigned)header->e_machine, (unsigned)HOST_ELF_MACHINE);
    return ELF_NOTE_OK;
}

/*
 * Reads the section header table into *out (malloc'd) and resolves the
 * extended section count and string table index that ELF keeps in
 * section 0 when they do not fit in the ELF header.
 */
static enum elf_note_status read_sections(int fd, const ElfW(Ehdr) *header, uint64_t file_size,
                                          ElfW(Shdr) **out, size_t *out_count, size_t *strndx,
                                          char *err, size_t err_size)
{
    *out = NULL;
    if (header->e_shoff == 0)
        return report(ELF_NOTE_NOT_PLUGIN, err, err_size,
                      "not a schemareg plugin (no section headers, so no %s section)",
                      SCHEMAREG_NOTE_SECTION);
    if (header->e_shentsize != sizeof(ElfW(Shdr)))
        return report(ELF_NOTE_MALFORMED, err, err_size, "section header size %u, expected %zu",
                      (unsigned)header->e_shentsize, sizeof(ElfW(Shdr)));

    ElfW(Shdr) first;
    if (!in_file(header->e_shoff, sizeof(first), file_size) ||
        read_at(fd, &first, sizeof(first), header->e_shoff) != 0)
        return report(ELF_NOTE_MALFORMED, err, err_size,
                      "section header table at offset %llu lies outside the file",
                      (unsigned long long)header->e_shoff);

    uint64_t count = header->e_shnum != 0 ? header->e_shnum : first.sh_size;
    uint64_t index = header->e_shstrndx != SHN_XINDEX ? header->e_shstrndx : first.sh_link;
    if (count == 0 || count > ELF_NOTE_MAX_SECTIONS)
        return report(ELF_NOTE_MALFORMED, err, err_size, "invalid section count %llu",
                      (unsigned long long)count);
    if (!in_file(header->e_shoff, count * sizeof(ElfW(Shdr)), file_size))
        return report(ELF_NOTE_MALFORMED, err, err_size,
                      "section header table (%llu entries) lies outside the file",
                      (unsigned long long)count);
    if (index == SHN_UNDEF || index >= count)
        return report(ELF_NOTE_MALFORMED, err, err_size,
                      "section name table index %llu is out of range",
                      (unsigned long long)index);

    ElfW(Shdr) *sections = calloc((size_t)count, sizeof(*sections));
    if (sections == NULL)
        return report(ELF_NOTE_IO_ERROR, err, err_size, "out of memory");
    if (read_at(fd, sections, (size_t)count * sizeof(*sections), header->e_shoff) != 0) {
        free(sections);
        return report(ELF_NOTE_IO_ERROR, err, err_size, "cannot read the section headers");
    }

    *out = sections;
    *out_count = (size_t)count;
    *strndx = (size_t)index;
    return ELF_NOTE_OK;
}

static enum elf_note_status read_string_table(int fd, const ElfW(Shdr) *section,
                                              uint64_t file_size, char **out, char *err,
                                              size_t err_size)
{
    *out = NULL;
    if (section->sh_type != SHT_STRTAB || section->sh_size == 0 ||
        section->sh_size > SHSTRTAB_MAX_SIZE || !in_file(section->sh_offset, section->sh_size,
                                                        file_size))
        return report(ELF_NOTE_MALFORMED, err, err_size,
                      "invalid section name table (type %u, %llu bytes at offset %llu)",
                      (unsigned)section->sh_type, (unsigned long long)section->sh_size,
                      (unsigned long long)section->sh_offset);

    /* One extra NUL, so every name ends inside the buffer. */
    char *table = calloc((size_t)section->sh_size + 1, 1);
    if (table == NULL)
        return report(ELF_NOTE_IO_ERROR, err, err_size, "out of memory");
    if (read_at(fd, table, (size_t)section->sh_size, section->sh_offset) != 0) {
        free(table);
        return report(ELF_NOTE_IO_ERROR, err, err_size, "cannot read the section name table");
    }
    *out = table;
    return ELF_NOTE_OK;
}

/* Finds the one section named SCHEMAREG_NOTE_SECTION; *found is NULL when there is none. */
static enum elf_note_status find_note_section(const ElfW(Shdr) *sections, size_t count,
                                              const char *names, uint64_t names_size,
                                              const ElfW(Shdr) **found, char *err,
                                              size_t err_size)
{
    *found = NULL;
    for (size_t i = 0; i < count; i++) {
        if (sections[i].sh_name >= names_size)
            return report(ELF_NOTE_MALFORMED, err, err_size,
                          "section %zu has a name offset outside the name table", i);
        if (strcmp(names + sections[i].sh_name, SCHEMAREG_NOTE_SECTION) != 0)
            continue;
        if (*found != NULL)
            return report(ELF_NOTE_MALFORMED, err, err_size, "more than one %s section",
                          SCHEMAREG_NOTE_SECTION);
        *found = &sections[i];
    }
    return ELF_NOTE_OK;
}

static uint64_t align4(uint64_t value)
{
    return (value + 3u) & ~(uint64_t)3u;
}

/* Copies a NUL-padded fixed-size note field. Returns -1 when it has no NUL. */
static int copy_padded(char *out, const unsigned char *field, size_t size)
{
    if (memchr(field, '\0', size) == NULL)
        return -1;
    memcpy(out, field, size);
    return 0;
}

static enum elf_note_status parse_desc(const unsigned char *desc, uint64_t size,
                                       struct elf_note_info *info, char *err, size_t err_size)
{
    /* abi_major and abi_minor open the description in every ABI major. */
    if (size < 8)
        return report(ELF_NOTE_MALFORMED, err, err_size,
                      "schemareg note description is %llu bytes, too short for the ABI version",
                      (unsigned long long)size);
    memcpy(&info->abi_major, desc, 4);
    memcpy(&info->abi_minor, desc + 4, 4);

    if (info->abi_major != SCHEMAREG_ABI_MAJOR)
        return report(ELF_NOTE_ABI_MISMATCH, err, err_size,
                      "built for ABI major %u (ABI %u.%u), but this host supports ABI major %u; "
                      "rebuild the plugin against schemareg-provider %u.x or upgrade the host",
                      info->abi_major, info->abi_major, info->abi_minor, SCHEMAREG_ABI_MAJOR,
                      SCHEMAREG_ABI_MAJOR);

    if (size < sizeof(struct schema_note_desc_v1))
        return report(ELF_NOTE_MALFORMED, err, err_size,
                      "schemareg note description is %llu bytes, below the ABI 1.0 size %zu",
                      (unsigned long long)size, sizeof(struct schema_note_desc_v1));

    const unsigned char *name = desc + offsetof(struct schema_note_desc_v1, plugin_name);
    const unsigned char *version = desc + offsetof(struct schema_note_desc_v1, plugin_version);
    if (copy_padded(info->plugin_name, name, SCHEMAREG_NOTE_NAME_MAX) != 0)
        return report(ELF_NOTE_MALFORMED, err, err_size,
                      "plugin name in the schemareg note is not NUL-terminated");
    if (copy_padded(info->plugin_version, version, SCHEMAREG_NOTE_VERSION_MAX) != 0)
        return report(ELF_NOTE_MALFORMED, err, err_size,
                      "plugin version in the schemareg note is not NUL-terminated");
    return ELF_NOTE_OK;
}

/* Walks the notes of the section and parses the one schemareg note. */
static enum elf_note_status parse_notes(const unsigned char *data, uint64_t size,
                                        struct elf_note_info *info, char *err, size_t err_size)
{
    const unsigned char *desc = NULL;
    uint64_t desc_size = 0;
    uint64_t offset = 0;

    while (size - offset >= NOTE_HEADER_SIZE) {
        uint32_t header[3];
        memcpy(header, data + offset, sizeof(header));
        uint64_t name_size = align4(header[0]);
        uint64_t body_size = align4(header[1]);
        uint64_t left = size - offset - NOTE_HEADER_SIZE;
        if (name_size > left || body_size > left - name_size)
            return report(ELF_NOTE_MALFORMED, err, err_size,
                          "note at offset %llu of %s runs past the end of the section",
                          (unsigned long long)offset, SCHEMAREG_NOTE_SECTION);

        const unsigned char *name = data + offset + NOTE_HEADER_SIZE;
        if (header[0] == sizeof(SCHEMAREG_NOTE_NAME) && header[2] == SCHEMAREG_NOTE_TYPE &&
            memcmp(name, SCHEMAREG_NOTE_NAME, sizeof(SCHEMAREG_NOTE_NAME)) == 0) {
            if (desc != NULL)
                return report(ELF_NOTE_MALFORMED, err, err_size, "more than one schemareg note");
            desc = name + name_size;
            desc_size = header[1];
        }
        offset += NOTE_HEADER_SIZE + name_size + body_size;
    }

    if (desc == NULL)
        return report(ELF_NOTE_NOT_PLUGIN, err, err_size,
                      "not a schemareg plugin (%s holds no schemareg note)",
                      SCHEMAREG_NOTE_SECTION);
    return parse_desc(desc, desc_size, info, err, err_size);
}

static enum elf_note_status read_note(int fd, const ElfW(Shdr) *section, uint64_t file_size,
                                      struct elf_note_info *info, char *err, size_t err_size)
{
    if (section->sh_type != SHT_NOTE)
        return report(ELF_NOTE_MALFORMED, err, err_size, "%s has section type %u, not SHT_NOTE",
                      SCHEMAREG_NOTE_SECTION, (unsigned)section->sh_type);
    if (section->sh_size > ELF_NOTE_MAX_SECTION_SIZE ||
        !in_file(section->sh_offset, section->sh_size, file_size))
        return report(ELF_NOTE_MALFORMED, err, err_size,
                      "%s (%llu bytes at offset %llu) is too large or lies outside the file",
                      SCHEMAREG_NOTE_SECTION, (unsigned long long)section->sh_size,
                      (unsigned long long)section->sh_offset);

    unsigned char data[ELF_NOTE_MAX_SECTION_SIZE];
    if (read_at(fd, data, (size_t)section->sh_size, section->sh_offset) != 0)
        return report(ELF_NOTE_IO_ERROR, err, err_size, "cannot read %s", SCHEMAREG_NOTE_SECTION);
    return parse_notes(data, section->sh_size, info, err, err_size);
}

enum elf_note_status elf_note_read(int fd, struct elf_note_info *info, char *err,
                                   size_t err_size)
{
    enum elf_note_status status;
    ElfW(Shdr) *sections = NULL;
    char *names = NULL;
    memset(info, 0, sizeof(*info));

    struct stat st;
    if (fstat(fd, &st) != 0)
        return report(ELF_NOTE_IO_ERROR, err, err_size, "cannot stat: %s", strerror(errno));
    uint64_t file_size = (uint64_t)st.st_size;

    ElfW(Ehdr) header;
    memset(&header, 0, sizeof(header));
    size_t header_size = file_size < sizeof(header) ? (size_t)file_size : sizeof(header);
    if (file_size < EI_NIDENT || read_at(fd, &header, header_size, 0) != 0 ||
        memcmp(header.e_ident, ELFMAG, SELFMAG) != 0)
        return report(ELF_NOTE_NOT_ELF, err, err_size, "not a shared object (not an ELF file)");

    status = check_header(&header, file_size, err, err_size);
    if (status != ELF_NOTE_OK)
        goto cleanup;

    size_t count = 0;
    size_t strndx = 0;
    status = read_sections(fd, &header, file_size, &sections, &count, &strndx, err, err_size);
    if (status != ELF_NOTE_OK)
        goto cleanup;

    status = read_string_table(fd, &sections[strndx], file_size, &names, err, err_size);
    if (status != ELF_NOTE_OK)
        goto cleanup;

    const ElfW(Shdr) *note = NULL;
    status = find_note_section(sections, count, names, sections[strndx].sh_size, &note, err,
                               err_size);
    if (status != ELF_NOTE_OK)
        goto cleanup;
    if (note == NULL) {
        status = report(ELF_NOTE_NOT_PLUGIN, err, err_size,
                        "not a schemareg plugin (no %s section; declare the plugin with "
                        "SCHEMAREG_PLUGIN() from schemareg/provider.h)",
                        SCHEMAREG_NOTE_SECTION);
        goto cleanup;
    }

    status = read_note(fd, note, file_size, info, err, err_size);

cleanup:
    free(names);
    free(sections);
    return status;
}
