#include "aws_env.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *aws_env_get(const char *name)
{
    const char *value = secure_getenv(name);
    if (value == NULL || value[0] == '\0')
        return NULL;
    return value;
}

/* HOME, else the password database entry of the real user. */
static const char *home_directory(char *buffer, size_t buffer_len)
{
    const char *home = aws_env_get("HOME");
    if (home != NULL)
        return home;

    struct passwd entry;
    struct passwd *found = NULL;
    if (getpwuid_r(getuid(), &entry, buffer, buffer_len, &found) != 0 || found == NULL)
        return NULL;
    return found->pw_dir;
}

static char *join_home(const char *relative, char *err, size_t err_len)
{
    char buffer[4096];
    const char *home = home_directory(buffer, sizeof(buffer));
    if (home == NULL) {
        snprintf(err, err_len, "cannot find the home directory for ~/%s; set HOME", relative);
        return NULL;
    }

    size_t len = strlen(home) + 1 + strlen(relative) + 1;
    char *path = malloc(len);
    if (path == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    snprintf(path, len, "%s/%s", home, relative);
    return path;
}

char *aws_env_path(const char *variable, const char *default_relative,
                   char *err, size_t err_len)
{
    const char *value = aws_env_get(variable);
    if (value == NULL)
        return join_home(default_relative, err, err_len);
    if (strncmp(value, "~/", 2) == 0)
        return join_home(value + 2, err, err_len);

    char *path = strdup(value);
    if (path == NULL)
        snprintf(err, err_len, "out of memory");
    return path;
}
