/*
 * Profiles of the shared credentials file (AWS_SHARED_CREDENTIALS_FILE,
 * default ~/.aws/credentials) and the config file (AWS_CONFIG_FILE, default
 * ~/.aws/config).
 *
 * A profile NAME is the section [NAME] in the credentials file and
 * [profile NAME] in the config file. In the config file the default
 * profile may also be [default], but [profile default] wins over it. A key
 * set in both files takes the credentials file's value, as botocore merges
 * them.
 */
#ifndef SCHEMAREG_AWS_PROFILE_H
#define SCHEMAREG_AWS_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "aws_ini.h"

struct aws_profile_files {
    struct aws_ini *credentials;
    struct aws_ini *config;
};

/* Loads both files from their paths; a missing file counts as empty.
 * Returns 0, or -1 with the file and line in err. */
int aws_profile_files_load(struct aws_profile_files *files,
                           char *err, size_t err_len);
void aws_profile_files_free(struct aws_profile_files *files);

bool aws_profile_exists(const struct aws_profile_files *files, const char *profile);

/* Returns the profile's value for key, or NULL. When file is not NULL it
 * receives the file the value came from. */
const char *aws_profile_get(const struct aws_profile_files *files,
                            const char *profile, const char *key,
                            const struct aws_ini **file);

/* Returns key from the nested block for service in the [services NAME]
 * section that the profile's "services = NAME" names, or NULL. */
const char *aws_profile_service_get(const struct aws_profile_files *files,
                                    const char *profile, const char *service,
                                    const char *key);

/* Writes "profile 'NAME' not found in PATH or PATH" with the fix to err. */
void aws_profile_not_found(const struct aws_profile_files *files,
                           const char *profile, char *err, size_t err_len);

#endif
