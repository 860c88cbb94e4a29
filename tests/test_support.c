#include "test_support.h"

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *fixture_dir(void)
{
    const char *dir = getenv("FIXTURE_DIR");
    ck_assert_msg(dir != NULL, "FIXTURE_DIR is not set; run the tests with meson test");
    return dir;
}

char *support_path(const char *dir, const char *name)
{
    char *path = NULL;
    ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
    return path;
}

char *support_fixture_path(const char *fixture)
{
    return support_path(fixture_dir(), fixture);
}

char *support_make_dir(void)
{
    char *template = support_path(fixture_dir(), "tmp-XXXXXX");
    ck_assert_msg(mkdtemp(template) != NULL, "mkdtemp %s failed", template);
    return template;
}

char *support_install(const char *dir, const char *fixture, const char *name, mode_t mode)
{
    char *source = support_fixture_path(fixture);
    char *target = support_path(dir, name);

    int in = open(source, O_RDONLY | O_CLOEXEC);
    ck_assert_msg(in >= 0, "cannot open fixture %s", source);
    int out = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    ck_assert_msg(out >= 0, "cannot create %s", target);

    char buffer[65536];
    ssize_t n;
    while ((n = read(in, buffer, sizeof(buffer))) > 0)
        ck_assert_int_eq(write(out, buffer, (size_t)n), n);
    ck_assert_int_eq(n, 0);
    close(in);
    ck_assert_int_eq(fchmod(out, mode), 0);
    close(out);

    free(source);
    return target;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void support_remove_dir(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
