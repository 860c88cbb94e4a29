#include "aws_test_support.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

extern char **environ;

static const char *const aws_variables[] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_CA_BUNDLE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
};

static char scratch[4096];
static char file_path[4096 + 256];
static char server_url[64];

const char *test_clean_environment(void)
{
    for (size_t i = 0; i < sizeof(aws_variables) / sizeof(aws_variables[0]); i++)
        unsetenv(aws_variables[i]);

    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof(scratch), "%s/schemareg-aws-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(scratch) == NULL) {
        perror("mkdtemp");
        abort();
    }
    setenv("HOME", scratch, 1);
    return scratch;
}

const char *test_write_file(const char *name, const char *text)
{
    snprintf(file_path, sizeof(file_path), "%s/%s", scratch, name);
    FILE *file = fopen(file_path, "w");
    if (file == NULL || fputs(text, file) < 0 || fclose(file) != 0) {
        perror(file_path);
        abort();
    }
    return file_path;
}

const char *test_start_server(void)
{
    if (server_url[0] != '\0')
        return server_url;

    const char *python = getenv("PYTHON3");
    const char *script = getenv("CONTAINER_SERVER_SCRIPT");
    int to_server[2];
    int from_server[2];
    if (python == NULL || script == NULL || pipe(to_server) < 0 || pipe(from_server) < 0) {
        fprintf(stderr, "set PYTHON3 and CONTAINER_SERVER_SCRIPT\n");
        abort();
    }

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_server[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, from_server[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
    char *const argv[] = {(char *)python, (char *)script, NULL};
    pid_t pid;
    if (posix_spawn(&pid, python, &actions, NULL, argv, environ) != 0) {
        perror(python);
        abort();
    }
    posix_spawn_file_actions_destroy(&actions);

    /* The write end of to_server stays open: the server exits when this
     * process does. */
    close(to_server[0]);
    close(from_server[1]);
    FILE *output = fdopen(from_server[0], "r");
    int port = 0;
    if (output == NULL || fscanf(output, "%d", &port) != 1 || port <= 0) {
        fprintf(stderr, "the container credentials server did not print its port\n");
        abort();
    }
    fclose(output);
    snprintf(server_url, sizeof(server_url), "http://127.0.0.1:%d", port);
    return server_url;
}

static size_t collect(char *chunk, size_t size, size_t count, void *context)
{
    char *buffer = context;
    size_t used = strlen(buffer);
    size_t len = size * count;
    if (used + len >= 256)
        return 0;
    memcpy(buffer + used, chunk, len);
    buffer[used + len] = '\0';
    return len;
}

int test_server_count(const char *base_url, const char *id)
{
    char url[256];
    char body[256] = "";
    snprintf(url, sizeof(url), "%s/count?id=%s", base_url, id);

    CURL *curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
    CURLcode code = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    if (code != CURLE_OK)
        return -1;

    json_t *document = json_loads(body, 0, NULL);
    int count = (int)json_integer_value(json_object_get(document, "count"));
    json_decref(document);
    return count;
}
