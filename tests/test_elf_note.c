/* ELF note reader tests: real fixtures, then truncated and corrupted copies. */
#include <check.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_note.h"
#include "test_support.h"

struct image {
    unsigned char *data;
    size_t size;
};

static struct image load_fixture(const char *fixture)
{
    char *path = support_fixture_path(fixture);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_msg(fd >= 0, "cannot open %s", path);
    struct stat st;
    ck_assert_int_eq(fstat(fd, &st), 0);

    struct image image = {malloc((size_t)st.st_size), (size_t)st.st_size};
    ck_assert_ptr_nonnull(image.data);
    ck_assert_int_eq(read(fd, image.data, image.size), (ssize_t)image.size);
    close(fd);
    free(path);
    return image;
}

/* Runs elf_note_read on the first size bytes of data, through a memfd. */
static enum elf_note_status read_bytes(const unsigned char *data, size_t size,
                                       struct elf_note_info *info, char *err, size_t err_size)
{
    int fd = memfd_create("elf-note-test", MFD_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    if (size > 0)
        ck_assert_int_eq(write(fd, data, size), (ssize_t)size);
    enum elf_note_status status = elf_note_read(fd, info, err, err_size);
    close(fd);
    return status;
}

static const ElfW(Shdr) *section_named(const struct image *image, const char *name)
{
    const ElfW(Ehdr) *header = (const ElfW(Ehdr) *)image->data;
    const ElfW(Shdr) *sections = (const ElfW(Shdr) *)(image->data + header->e_shoff);
    const char *names = (const char *)image->data + sections[header->e_shstrndx].sh_offset;
    for (size_t i = 0; i < header->e_shnum; i++) {
        if (strcmp(names + sections[i].sh_name, name) == 0)
            return &sections[i];
    }
    ck_abort_msg("no section %s in fixture", name);
    return NULL;
}

/* A fixture file and the status and message elf_note_read gives it. */
struct file_case {
    const char *fixture;
    enum elf_note_status status;
    const char *expected;
};

static const struct file_case file_cases[] = {
    {"full.so", ELF_NOTE_OK, ""},
    {"older_minor.so", ELF_NOTE_OK, ""},
    {"junk.so", ELF_NOTE_NOT_ELF, "not a shared object (not an ELF file)"},
    {"no_note.so", ELF_NOTE_NOT_PLUGIN, "not a schemareg plugin (no .note.schemareg section"},
    {"abi_major_2.so", ELF_NOTE_ABI_MISMATCH,
     "built for ABI major 2 (ABI 2.0), but this host supports ABI major 1"},
};

START_TEST(fixture_status)
{
    const struct file_case *c = &file_cases[_i];
    struct image image = load_fixture(c->fixture);
    struct elf_note_info info;
    char err[512] = "";

    ck_assert_int_eq(read_bytes(image.data, image.size, &info, err, sizeof(err)), c->status);
    ck_assert_msg(strstr(err, c->expected) != NULL, "%s: expected \"%s\" in \"%s\"",
                  c->fixture, c->expected, err);
    free(image.data);
}
END_TEST

START_TEST(note_fields_read)
{
    struct image image = load_fixture("full.so");
    struct elf_note_info info;
    char err[512] = "";

    ck_assert_int_eq(read_bytes(image.data, image.size, &info, err, sizeof(err)), ELF_NOTE_OK);
    ck_assert_uint_eq(info.abi_major, 1);
    ck_assert_uint_eq(info.abi_minor, 0);
    ck_assert_str_eq(info.plugin_name, "fixture-full");
    ck_assert_str_eq(info.plugin_version, "2.3.4");
    free(image.data);
}
END_TEST

START_TEST(truncated_files_rejected)
{
    struct image image = load_fixture("full.so");
    struct elf_note_info info;
    char err[512];

    /* Section headers sit at the end of the file, so every prefix fails. */
    for (size_t size = 0; size < image.size; size += size < 128 ? 1 : 61) {
        enum elf_note_status status = read_bytes(image.data, size, &info, err, sizeof(err));
        ck_assert_msg(status != ELF_NOTE_OK, "prefix of %zu bytes accepted", size);
    }
    ck_assert_int_eq(read_bytes(image.data, image.size - 1, &info, err, sizeof(err)),
                     ELF_NOTE_MALFORMED);
    free(image.data);
}
END_TEST

/* One corruption of full.so and the status it must give. */
struct corrupt_case {
    const char *name;
    void (*apply)(struct image *image);
    enum elf_note_status status;
    const char *expected;
};

static ElfW(Ehdr) *header_of(struct image *image)
{
    return (ElfW(Ehdr) *)image->data;
}

static ElfW(Shdr) *note_section(struct image *image)
{
    return (ElfW(Shdr) *)section_named(image, SCHEMAREG_NOTE_SECTION);
}

static unsigned char *note_data(struct image *image)
{
    return image->data + note_section(image)->sh_offset;
}

static void class_32(struct image *image) { image->data[EI_CLASS] = ELFCLASS32; }
static void big_endian(struct image *image) { image->data[EI_DATA] = ELFDATA2MSB; }
static void machine_arm(struct image *image) { header_of(image)->e_machine = EM_ARM; }
static void type_exec(struct image *image) { header_of(image)->e_type = ET_EXEC; }
static void shoff_huge(struct image *image) { header_of(image)->e_shoff = (ElfW(Off))1 << 60; }
static void shoff_zero(struct image *image) { header_of(image)->e_shoff = 0; }
static void shnum_huge(struct image *image) { header_of(image)->e_shnum = 0xfff0; }
static void shentsize_bad(struct image *image) { header_of(image)->e_shentsize = 10; }
static void shstrndx_bad(struct image *image) { header_of(image)->e_shstrndx = 0xfeff; }

static void shstrtab_offset_huge(struct image *image)
{
    ElfW(Ehdr) *header = header_of(image);
    ElfW(Shdr) *sections = (ElfW(Shdr) *)(image->data + header->e_shoff);
    sections[header->e_shstrndx].sh_offset = (ElfW(Off))-16;
}

static void note_size_huge(struct image *image) { note_section(image)->sh_size = 1u << 30; }
static void note_not_note(struct image *image) { note_section(image)->sh_type = SHT_PROGBITS; }
static void namesz_huge(struct image *image) { memset(note_data(image), 0xff, 4); }

static void descsz_huge(struct image *image)
{
    uint32_t descsz = 0xfffffff0u;
    memcpy(note_data(image) + 4, &descsz, 4);
}

/* Shrinks the description and the section with it, so the note stays well formed. */
static void set_descsz(struct image *image, uint32_t descsz)
{
    memcpy(note_data(image) + 4, &descsz, 4);
    note_section(image)->sh_size = offsetof(struct schema_note_v1, desc) + descsz;
}

static void descsz_short(struct image *image) { set_descsz(image, 4); }
static void descsz_below_1_0(struct image *image) { set_descsz(image, 16); }

static void note_type_other(struct image *image)
{
    uint32_t type = 1;
    memcpy(note_data(image) + 8, &type, 4);
}

static void name_unterminated(struct image *image)
{
    memset(note_data(image) + offsetof(struct schema_note_v1, desc.plugin_name), 'A',
           SCHEMAREG_NOTE_NAME_MAX);
}

static void version_unterminated(struct image *image)
{
    memset(note_data(image) + offsetof(struct schema_note_v1, desc.plugin_version), 'A',
           SCHEMAREG_NOTE_VERSION_MAX);
}

static void abi_major_0(struct image *image)
{
    memset(note_data(image) + offsetof(struct schema_note_v1, desc.abi_major), 0, 4);
}

static const struct corrupt_case corrupt_cases[] = {
    {"32-bit class", class_32, ELF_NOTE_WRONG_TARGET, "built for 32-bit ELF"},
    {"big endian", big_endian, ELF_NOTE_WRONG_TARGET, "another byte order"},
    {"ARM machine", machine_arm, ELF_NOTE_WRONG_TARGET, "built for ELF machine 40"},
    {"executable type", type_exec, ELF_NOTE_NOT_ELF, "not a shared object (ELF type 2"},
    {"section table offset huge", shoff_huge, ELF_NOTE_MALFORMED, "lies outside the file"},
    {"no section table", shoff_zero, ELF_NOTE_NOT_PLUGIN, "no section headers"},
    {"section count huge", shnum_huge, ELF_NOTE_MALFORMED, "lies outside the file"},
    {"section header size", shentsize_bad, ELF_NOTE_MALFORMED, "section header size 10"},
    {"name table index", shstrndx_bad, ELF_NOTE_MALFORMED, "index 65279 is out of range"},
    {"name table offset", shstrtab_offset_huge, ELF_NOTE_MALFORMED,
     "invalid section name table"},
    {"note section huge", note_size_huge, ELF_NOTE_MALFORMED, "is too large or lies outside"},
    {"note section type", note_not_note, ELF_NOTE_MALFORMED, "not SHT_NOTE"},
    {"namesz huge", namesz_huge, ELF_NOTE_MALFORMED, "runs past the end of the section"},
    {"descsz huge", descsz_huge, ELF_NOTE_MALFORMED, "runs past the end of the section"},
    {"descsz short", descsz_short, ELF_NOTE_MALFORMED, "too short for the ABI version"},
    {"descsz below 1.0", descsz_below_1_0, ELF_NOTE_MALFORMED, "below the ABI 1.0 size 104"},
    {"other note type", note_type_other, ELF_NOTE_NOT_PLUGIN, "holds no schemareg note"},
    {"name unterminated", name_unterminated, ELF_NOTE_MALFORMED,
     "plugin name in the schemareg note is not NUL-terminated"},
    {"version unterminated", version_unterminated, ELF_NOTE_MALFORMED,
     "plugin version in the schemareg note is not NUL-terminated"},
    {"ABI major 0", abi_major_0, ELF_NOTE_ABI_MISMATCH, "built for ABI major 0"},
};

START_TEST(corrupt_file_rejected)
{
    const struct corrupt_case *c = &corrupt_cases[_i];
    struct image image = load_fixture("full.so");
    c->apply(&image);

    struct elf_note_info info;
    char err[512] = "";
    ck_assert_int_eq(read_bytes(image.data, image.size, &info, err, sizeof(err)), c->status);
    ck_assert_msg(strstr(err, c->expected) != NULL, "%s: expected \"%s\" in \"%s\"", c->name,
                  c->expected, err);
    free(image.data);
}
END_TEST

/* Sets each byte of the ELF header, the section header table and the note
 * to 0xff in turn; every result must be a status, never a crash, and an
 * OK result must carry terminated strings. */
START_TEST(every_header_byte_flipped)
{
    struct image image = load_fixture("full.so");
    const ElfW(Ehdr) *header = header_of(&image);
    const ElfW(Shdr) *note = section_named(&image, SCHEMAREG_NOTE_SECTION);
    size_t ranges[3][2] = {
        {0, sizeof(ElfW(Ehdr))},
        {header->e_shoff, header->e_shoff + (size_t)header->e_shnum * sizeof(ElfW(Shdr))},
        {note->sh_offset, note->sh_offset + note->sh_size},
    };

    unsigned char *copy = malloc(image.size);
    ck_assert_ptr_nonnull(copy);
    for (size_t r = 0; r < 3; r++) {
        for (size_t offset = ranges[r][0]; offset < ranges[r][1]; offset++) {
            memcpy(copy, image.data, image.size);
            copy[offset] = 0xff;

            struct elf_note_info info;
            char err[512];
            enum elf_note_status status = read_bytes(copy, image.size, &info, err, sizeof(err));
            ck_assert_int_le(status, ELF_NOTE_ABI_MISMATCH);
            if (status == ELF_NOTE_OK) {
                ck_assert_ptr_nonnull(memchr(info.plugin_name, '\0', sizeof(info.plugin_name)));
                ck_assert_ptr_nonnull(
                    memchr(info.plugin_version, '\0', sizeof(info.plugin_version)));
            }
        }
    }
    free(copy);
    free(image.data);
}
END_TEST

static Suite *elf_note_suite(void)
{
    Suite *suite = suite_create("elf_note");
    TCase *tc = tcase_create("read");
    tcase_add_loop_test(tc, fixture_status, 0, (int)(sizeof(file_cases) / sizeof(file_cases[0])));
    tcase_add_test(tc, note_fields_read);
    tcase_add_test(tc, truncated_files_rejected);
    tcase_add_loop_test(tc, corrupt_file_rejected, 0,
                        (int)(sizeof(corrupt_cases) / sizeof(corrupt_cases[0])));
    tcase_add_test(tc, every_header_byte_flipped);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(elf_note_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
