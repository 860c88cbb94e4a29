/* The $ORIGIN search path check: real fixtures, then damaged copies. */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_runpath.h"
#include "test_support.h"

struct runpath_case {
    const char *fixture;
    size_t keep;          /* bytes of the fixture to keep, 0 for all */
    int expected;
    const char *tag;      /* expected tag when expected is 1 */
    const char *path;     /* expected search path when expected is 1 */
};

static const struct runpath_case cases[] = {
    {"origin_runpath.so", 0, 1, "DT_RUNPATH", "$ORIGIN/lib"},
    {"full.so", 0, 0, NULL, NULL},
    {"alpha.so", 0, 0, NULL, NULL},
    /* The section headers sit at the end of the file. */
    {"origin_runpath.so", 4096, -1, NULL, NULL},
};

/* Opens the first keep bytes (0 for all) of a fixture through a memfd. */
static int open_fixture(const char *fixture, size_t keep)
{
    char *path = support_fixture_path(fixture);
    int file = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_msg(file >= 0, "cannot open %s", path);
    struct stat st;
    ck_assert_int_eq(fstat(file, &st), 0);
    size_t size = keep != 0 && keep < (size_t)st.st_size ? keep : (size_t)st.st_size;
    unsigned char *data = malloc(size);
    ck_assert_ptr_nonnull(data);
    ck_assert_int_eq(read(file, data, size), (ssize_t)size);
    close(file);
    free(path);

    int fd = memfd_create("elf-runpath-test", MFD_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, size), (ssize_t)size);
    free(data);
    return fd;
}

START_TEST(runpath_case)
{
    const struct runpath_case *c = &cases[_i];
    int fd = open_fixture(c->fixture, c->keep);
    const char *tag = NULL;
    char path[256] = "";
    char err[256] = "";

    int found = elf_runpath_find_origin(fd, &tag, path, sizeof(path), err, sizeof(err));
    close(fd);

    ck_assert_msg(found == c->expected, "%s (%zu bytes): returned %d (%s)", c->fixture,
                  c->keep, found, err);
    if (c->expected == 1) {
        ck_assert_str_eq(tag, c->tag);
        ck_assert_str_eq(path, c->path);
    }
    if (c->expected < 0)
        ck_assert_str_ne(err, "");
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("elf_runpath");
    TCase *tcase = tcase_create("runpath");
    tcase_add_loop_test(tcase, runpath_case, 0, sizeof(cases) / sizeof(cases[0]));
    suite_add_tcase(suite, tcase);

    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
