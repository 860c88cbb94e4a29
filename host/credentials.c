/* The credentials chain and the refresh of temporary credentials. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "aws_config_internal.h"
#include "aws_env.h"
#include "credential_process.h"
#include "credentials_json.h"
#include "log.h"

/* After a failed refresh of credentials that are still valid, the next
 * attempt waits this many seconds, so a broken source does not slow every
 * request down. */
#define REFRESH_RETRY_INTERVAL 30

static void free_secret(char *text)
{
    if (text == NULL)
        return;
    OPENSSL_cleanse(text, strlen(text));
    free(text);
}

void aws_owned_credentials_clear(struct aws_owned_credentials *creds)
{
    free_secret(creds->access_key_id);
    free_secret(creds->secret_access_key);
    free_secret(creds->session_token);
    *creds = (struct aws_owned_credentials){0};
}

static int set_static(struct aws_config *config, const char *access_key_id,
                      const char *secret_access_key, const char *session_token)
{
    config->kind = AWS_CREDENTIALS_STATIC;
    config->current.access_key_id = strdup(access_key_id);
    config->current.secret_access_key = strdup(secret_access_key);
    if (session_token != NULL)
        config->current.session_token = strdup(session_token);
    if (config->current.access_key_id == NULL || config->current.secret_access_key == NULL ||
        (session_token != NULL && config->current.session_token == NULL))
        return -1;
    return 0;
}

static int select_options(struct aws_config *config, const struct aws_options *options,
                          char *err, size_t err_len)
{
    if (options->access_key_id == NULL || options->secret_access_key == NULL) {
        snprintf(err, err_len, "the command line gives %s without %s; pass both the access "
                 "key ID and the secret access key",
                 options->access_key_id != NULL ? "an access key ID" : "a secret key or token",
                 options->access_key_id != NULL ? "a secret access key" : "an access key ID");
        return -1;
    }
    if (set_static(config, options->access_key_id, options->secret_access_key,
                   options->session_token) < 0 ||
        aws_config_set(&config->credentials_source, "command-line options") < 0) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    return 0;
}

static int select_environment(struct aws_config *config, char *err, size_t err_len)
{
    const char *access_key_id = aws_env_get("AWS_ACCESS_KEY_ID");
    const char *secret_access_key = aws_env_get("AWS_SECRET_ACCESS_KEY");
    const char *session_token = aws_env_get("AWS_SESSION_TOKEN");
    if (session_token == NULL)
        session_token = aws_env_get("AWS_SECURITY_TOKEN");

    if (access_key_id == NULL || secret_access_key == NULL) {
        snprintf(err, err_len, "%s is set but %s is not; set both or neither",
                 access_key_id != NULL ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                 access_key_id != NULL ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
        return -1;
    }
    if (set_static(config, access_key_id, secret_access_key, session_token) < 0 ||
        aws_config_set(&config->credentials_source, "environment") < 0) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    return 0;
}

static int select_profile_keys(struct aws_config *config, const struct aws_profile_files *files,
                               char *err, size_t err_len)
{
    const char *profile = config->profile;
    const struct aws_ini *file = NULL;
    const struct aws_ini *secret_file = NULL;
    const char *access_key_id = aws_profile_get(files, profile, "aws_access_key_id", &file);
    const char *secret = aws_profile_get(files, profile, "aws_secret_access_key", &secret_file);
    const char *token = aws_profile_get(files, profile, "aws_session_token", NULL);
    if (token == NULL)
        token = aws_profile_get(files, profile, "aws_security_token", NULL);

    if (access_key_id == NULL || secret == NULL) {
        snprintf(err, err_len, "profile '%s' in %s sets %s but not %s; add the missing key",
                 profile, aws_ini_path(file != NULL ? file : secret_file),
                 access_key_id != NULL ? "aws_access_key_id" : "aws_secret_access_key",
                 access_key_id != NULL ? "aws_secret_access_key" : "aws_access_key_id");
        return -1;
    }
    if (set_static(config, access_key_id, secret, token) < 0 ||
        aws_config_set(&config->credentials_source, "profile %s in %s", profile,
                       aws_ini_path(file)) < 0) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    return 0;
}

static int select_process(struct aws_config *config, const char *command,
                          char *err, size_t err_len)
{
    config->kind = AWS_CREDENTIALS_PROCESS;
    config->process_timeout_ms = CREDENTIAL_PROCESS_TIMEOUT_MS;
    config->process_command = strdup(command);
    if (config->process_command == NULL ||
        aws_config_set(&config->credentials_source, "credential_process of profile %s",
                       config->profile) < 0) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    return 0;
}

/* Static keys in the credentials file come first, then credential_process,
 * then static keys in the config file: the order of botocore's providers.
 * Returns 1 when the profile gave no credentials. */
static int select_profile(struct aws_config *config, const struct aws_profile_files *files,
                          char *err, size_t err_len)
{
    const struct aws_ini *file = NULL;
    const char *profile = config->profile;
    bool has_keys = aws_profile_get(files, profile, "aws_access_key_id", &file) != NULL ||
                    aws_profile_get(files, profile, "aws_secret_access_key", &file) != NULL;
    const char *command = aws_profile_get(files, profile, "credential_process", NULL);

    if (has_keys && (file == files->credentials || command == NULL))
        return select_profile_keys(config, files, err, err_len);
    if (command != NULL)
        return select_process(config, command, err, err_len);
    return 1;
}

static int select_container(struct aws_config *config, char *err, size_t err_len)
{
    int found = container_credentials_from_env(&config->container, err, err_len);
    if (found <= 0)
        return found < 0 ? -1 : 1;

    config->kind = AWS_CREDENTIALS_CONTAINER;
    if (aws_config_set(&config->credentials_source, "container endpoint %s",
                       config->container.url) < 0) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    return 0;
}

static const char *file_note(const struct aws_ini *file)
{
    return aws_ini_exists(file) ? "" : " (not found)";
}

/* The error for a chain that found nothing: every source it checked, in
 * order, so the user can pick one. It must fit the 512-byte error buffers
 * of the DynamoDB client together with the operation and URL. */
static int describe_missing(struct aws_config *config, const struct aws_profile_files *files,
                            bool profile_from_option)
{
    return aws_config_set(
        &config->credentials_missing,
        "no AWS credentials found; checked in order: --access-key-id with "
        "--secret-access-key, AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY%s, "
        "aws_access_key_id with aws_secret_access_key or credential_process in profile "
        "'%s' of %s%s and %s%s, and container credentials "
        "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI)",
        profile_from_option ? " (skipped with --profile)" : "", config->profile,
        aws_ini_path(files->credentials), file_note(files->credentials),
        aws_ini_path(files->config), file_note(files->config));
}

/* Warns about credential sources that the AWS SDKs support and schemareg
 * does not, so "no AWS credentials found" does not read as a typo. */
static void warn_unsupported_sources(const struct aws_config *config,
                                     const struct aws_profile_files *files)
{
    static const char *const environment[] = {"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"};
    static const char *const profile_keys[] = {
        "role_arn", "web_identity_token_file", "credential_source", "sso_session",
        "sso_start_url", "sso_account_id",
    };
    const char *source = NULL;
    const char *where = "is set";

    for (size_t i = 0; source == NULL && i < sizeof(environment) / sizeof(environment[0]); i++) {
        if (aws_env_get(environment[i]) != NULL)
            source = environment[i];
    }
    for (size_t i = 0; source == NULL && i < sizeof(profile_keys) / sizeof(profile_keys[0]);
         i++) {
        if (aws_profile_get(files, config->profile, profile_keys[i], NULL) != NULL) {
            source = profile_keys[i];
            where = "is set in the profile";
        }
    }
    if (source == NULL)
        return;
    log_warn("%s %s, but schemareg does not support web identity, assume-role or IAM "
             "Identity Center (SSO) credentials (docs/KNOWN_ISSUES.md); use a profile with "
             "credential_process = aws configure export-credentials --profile NAME --format "
             "process", source, where);
}

int credentials_select(struct aws_config *config, const struct aws_options *options,
                       const struct aws_profile_files *files, bool profile_from_option,
                       char *err, size_t err_len)
{
    if (options->access_key_id != NULL || options->secret_access_key != NULL ||
        options->session_token != NULL)
        return select_options(config, options, err, err_len);

    if (!profile_from_option && (aws_env_get("AWS_ACCESS_KEY_ID") != NULL ||
                                 aws_env_get("AWS_SECRET_ACCESS_KEY") != NULL))
        return select_environment(config, err, err_len);

    int rc = select_profile(config, files, err, err_len);
    if (rc <= 0)
        return rc;

    rc = select_container(config, err, err_len);
    if (rc <= 0)
        return rc;

    config->kind = AWS_CREDENTIALS_NONE;
    warn_unsupported_sources(config, files);
    if (aws_config_set(&config->credentials_source, "none") < 0 ||
        describe_missing(config, files, profile_from_option) < 0) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    return 0;
}

static int fetch(struct aws_config *config, time_t now, struct aws_owned_credentials *fresh,
                 char *err, size_t err_len)
{
    if (config->kind == AWS_CREDENTIALS_PROCESS)
        return credential_process_fetch(config->profile, config->process_command,
                                        config->process_timeout_ms, now, fresh,
                                        err, err_len);
    return container_credentials_fetch(&config->container, config->ca_bundle, now, fresh,
                                       err, err_len);
}

static bool needs_refresh(const struct aws_config *config, time_t now)
{
    const struct aws_owned_credentials *current = &config->current;
    if (current->access_key_id == NULL)
        return true;
    return current->expiration != 0 &&
           now >= current->expiration - AWS_CREDENTIALS_REFRESH_WINDOW;
}

/* Fetches new credentials when the current ones are missing or expire
 * soon. Keeps the current ones when they are still valid and the fetch
 * fails, or failed less than REFRESH_RETRY_INTERVAL seconds ago. */
static int refresh(struct aws_config *config, time_t now, char *err, size_t err_len)
{
    struct aws_owned_credentials *current = &config->current;
    bool usable = current->access_key_id != NULL && now < current->expiration;
    char when[32] = "";
    if (current->access_key_id != NULL)
        credentials_json_format_time(current->expiration, when, sizeof(when));

    if (usable && config->fetch_attempted &&
        now < config->last_fetch_attempt + REFRESH_RETRY_INTERVAL)
        return 0;

    struct aws_owned_credentials fresh = {0};
    char reason[1024];
    config->fetch_attempted = true;
    config->last_fetch_attempt = now;
    if (fetch(config, now, &fresh, reason, sizeof(reason)) == 0) {
        aws_owned_credentials_clear(current);
        *current = fresh;
        log_debug("credentials from %s refreshed", config->credentials_source);
        return 0;
    }

    if (usable) {
        log_warn("%s; keeping the current credentials, which expire at %s", reason, when);
        return 0;
    }
    if (current->access_key_id != NULL)
        snprintf(err, err_len, "credentials from %s expired at %s and could not be "
                 "refreshed: %s", config->credentials_source, when, reason);
    else
        snprintf(err, err_len, "%s", reason);
    return -1;
}

int aws_config_credentials(struct aws_config *config, time_t now,
                           struct sigv4_credentials *creds,
                           char *err, size_t err_len)
{
    if (config->kind == AWS_CREDENTIALS_NONE) {
        snprintf(err, err_len, "%s", config->credentials_missing);
        return -1;
    }
    if (config->kind != AWS_CREDENTIALS_STATIC && needs_refresh(config, now) &&
        refresh(config, now, err, err_len) < 0)
        return -1;

    creds->access_key_id = config->current.access_key_id;
    creds->secret_access_key = config->current.secret_access_key;
    creds->session_token = config->current.session_token;
    return 0;
}

const char *aws_config_credentials_source(const struct aws_config *config)
{
    return config->credentials_source;
}
