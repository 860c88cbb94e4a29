/* Temporary plugin directories filled with copies of the built fixtures. */
#ifndef SCHEMAREG_TEST_SUPPORT_H
#define SCHEMAREG_TEST_SUPPORT_H

#include <sys/types.h>

/* Creates a new mode-0700 directory under the build directory and returns
 * its path (malloc'd). Aborts the test on failure. */
char *support_make_dir(void);

/* Copies fixture file fixture (e.g. "full.so") from FIXTURE_DIR to
 * dir/name with the given mode and returns the new path (malloc'd). */
char *support_install(const char *dir, const char *fixture, const char *name, mode_t mode);

/* Returns dir/name (malloc'd). */
char *support_path(const char *dir, const char *name);

/* Removes dir and everything in it. */
void support_remove_dir(const char *dir);

/* Returns the full path of a fixture in FIXTURE_DIR (malloc'd). */
char *support_fixture_path(const char *fixture);

#endif
