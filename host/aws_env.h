/* Environment access for the AWS configuration. */
#ifndef SCHEMAREG_AWS_ENV_H
#define SCHEMAREG_AWS_ENV_H

#include <stddef.h>

/* Returns the variable's value through secure_getenv, or NULL when it is
 * unset or empty: the AWS SDKs treat an empty variable as unset. */
const char *aws_env_get(const char *name);

/* Returns a newly allocated path: the value of variable when set, else
 * default_relative under the home directory ("~/" at the start of the
 * variable's value is expanded too). Returns NULL with a message in err. */
char *aws_env_path(const char *variable, const char *default_relative,
                   char *err, size_t err_len);

#endif
