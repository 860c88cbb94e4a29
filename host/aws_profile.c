#include "aws_profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_env.h"
#include "log.h"

/* The AWS CLI ignores a missing file. A path set explicitly that does not
 * exist is almost always a typo that silently drops profile settings such
 * as endpoint_url, so it gets a warning. */
static void warn_if_missing(const char *variable, const struct aws_ini *file)
{
    if (aws_env_get(variable) != NULL && !aws_ini_exists(file))
        log_warn("%s names %s, which does not exist; no profile settings are read from it. "
                 "Fix the path or unset %s", variable, aws_ini_path(file), variable);
}

int aws_profile_files_load(struct aws_profile_files *files,
                           char *err, size_t err_len)
{
    int rc = -1;
    char *credentials_path = NULL;
    char *config_path = NULL;
    *files = (struct aws_profile_files){0};

    credentials_path = aws_env_path("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials",
                                    err, err_len);
    if (credentials_path == NULL)
        goto cleanup;
    config_path = aws_env_path("AWS_CONFIG_FILE", ".aws/config", err, err_len);
    if (config_path == NULL)
        goto cleanup;

    if (aws_ini_load(credentials_path, "AWS_SHARED_CREDENTIALS_FILE", &files->credentials,
                     err, err_len) < 0)
        goto cleanup;
    if (aws_ini_load(config_path, "AWS_CONFIG_FILE", &files->config, err, err_len) < 0)
        goto cleanup;
    warn_if_missing("AWS_SHARED_CREDENTIALS_FILE", files->credentials);
    warn_if_missing("AWS_CONFIG_FILE", files->config);
    rc = 0;

cleanup:
    if (rc < 0)
        aws_profile_files_free(files);
    free(credentials_path);
    free(config_path);
    return rc;
}

void aws_profile_files_free(struct aws_profile_files *files)
{
    aws_ini_free(files->credentials);
    aws_ini_free(files->config);
    *files = (struct aws_profile_files){0};
}

/* Matches a config section "KIND NAME", with any blanks between. */
static bool section_matches(const char *section, const char *kind, const char *name)
{
    size_t kind_len = strlen(kind);
    if (strncmp(section, kind, kind_len) != 0)
        return false;
    const char *rest = section + kind_len;
    if (*rest != ' ' && *rest != '\t')
        return false;
    rest += strspn(rest, " \t");
    return strcmp(rest, name) == 0;
}

/* The config section for kind NAME, or NULL. */
static const char *config_section(const struct aws_ini *config, const char *kind,
                                  const char *name)
{
    for (size_t i = 0; i < aws_ini_section_count(config); i++) {
        const char *section = aws_ini_section_name(config, i);
        if (section_matches(section, kind, name))
            return section;
    }
    return NULL;
}

/* A profile's config section: [profile NAME], or [default] for the
 * default profile when [profile default] is absent. */
static const char *profile_section(const struct aws_ini *config, const char *profile)
{
    const char *section = config_section(config, "profile", profile);
    if (section == NULL && strcmp(profile, "default") == 0 &&
        aws_ini_has_section(config, "default"))
        section = "default";
    return section;
}

bool aws_profile_exists(const struct aws_profile_files *files, const char *profile)
{
    return aws_ini_has_section(files->credentials, profile) ||
           profile_section(files->config, profile) != NULL;
}

const char *aws_profile_get(const struct aws_profile_files *files,
                            const char *profile, const char *key,
                            const struct aws_ini **file)
{
    const char *value = aws_ini_get(files->credentials, profile, key, NULL);
    if (value != NULL) {
        if (file != NULL)
            *file = files->credentials;
        return value;
    }

    const char *section = profile_section(files->config, profile);
    if (section == NULL)
        return NULL;
    value = aws_ini_get(files->config, section, key, NULL);
    /* [default] still applies to keys that [profile default] lacks. */
    if (value == NULL && strcmp(section, "default") != 0 && strcmp(profile, "default") == 0)
        value = aws_ini_get(files->config, "default", key, NULL);
    if (value != NULL && file != NULL)
        *file = files->config;
    return value;
}

const char *aws_profile_service_get(const struct aws_profile_files *files,
                                    const char *profile, const char *service,
                                    const char *key)
{
    const char *services = aws_profile_get(files, profile, "services", NULL);
    if (services == NULL)
        return NULL;
    const char *section = config_section(files->config, "services", services);
    if (section == NULL)
        return NULL;
    return aws_ini_get_nested(files->config, section, service, key, NULL);
}

static const char *existence_note(const struct aws_ini *file)
{
    return aws_ini_exists(file) ? "" : " (file not found)";
}

void aws_profile_not_found(const struct aws_profile_files *files,
                           const char *profile, char *err, size_t err_len)
{
    snprintf(err, err_len,
             "profile '%s' not found in %s%s or %s%s; add [%s] to the credentials "
             "file or [profile %s] to the config file, or name another profile "
             "with --profile or AWS_PROFILE",
             profile,
             aws_ini_path(files->credentials), existence_note(files->credentials),
             aws_ini_path(files->config), existence_note(files->config),
             profile, profile);
}
