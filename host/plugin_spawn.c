#include "plugin_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "plugin_relay.h"

extern char **environ;

/* Descriptors above this are free while the spawn moves the socket to 3. */
#define FD_PARKING 10

char *plugin_spawn_find_loader(void)
{
    const char *env = secure_getenv("SCHEMAREG_PLUGIN_LOADER");
    if (env != NULL && env[0] != '\0')
        return strdup(env);

    /* A program run from the build tree uses the loader built with it,
     * so tests and benchmarks need no installation. */
    char self[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", self, sizeof(self) - 1);
    size_t root_length = strlen(SCHEMAREG_BUILD_ROOT);
    if (length > 0) {
        self[length] = '\0';
        if (strncmp(self, SCHEMAREG_BUILD_ROOT, root_length) == 0 && self[root_length] == '/')
            return strdup(SCHEMAREG_BUILD_PLUGIN_LOADER);
    }
    return strdup(SCHEMAREG_PLUGIN_LOADER_PATH);
}

static int is_kept(const char *entry, int privileged)
{
    static const char *const names[] = {"PATH=", "TZ=", "TMPDIR=", "LANG=", "LANGUAGE=",
                                        "LD_LIBRARY_PATH="};
    static const char *const prefixes[] = {"LC_", "SCHEMAREG_"};

    if (privileged)
        return 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strncmp(entry, names[i], strlen(names[i])) == 0)
            return 1;
    }
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        if (strncmp(entry, prefixes[i], strlen(prefixes[i])) == 0 && strchr(entry, '=') != NULL)
            return 1;
    }
    return 0;
}

char **plugin_spawn_environment(char *const *env, int privileged)
{
    size_t count = 0;
    while (env != NULL && env[count] != NULL)
        count++;

    char **kept = calloc(count + 1, sizeof(*kept));
    if (kept == NULL)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        if (is_kept(env[i], privileged))
            kept[n++] = env[i];
    }
    kept[n] = NULL;
    return kept;
}

/* Fills the spawn attributes and file actions. Returns 0 or an errno. */
static int prepare(posix_spawnattr_t *attributes, posix_spawn_file_actions_t *actions,
                   int loader_end)
{
    sigset_t all;
    sigset_t none;
    sigfillset(&all);
    sigemptyset(&none);

    /* Handlers and the mask of the host must not reach the loader. */
    int error = posix_spawnattr_setsigdefault(attributes, &all);
    if (error == 0)
        error = posix_spawnattr_setsigmask(attributes, &none);
    if (error == 0)
        error = posix_spawnattr_setflags(attributes,
                                         POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    if (error == 0)
        error = posix_spawn_file_actions_addopen(actions, STDIN_FILENO, "/dev/null", O_RDONLY,
                                                 0);
    if (error == 0)
        error = posix_spawn_file_actions_addopen(actions, STDOUT_FILENO, "/dev/null", O_WRONLY,
                                                 0);
    if (error == 0)
        error = posix_spawn_file_actions_adddup2(actions, loader_end, PLUGIN_RELAY_SOCKET_FD);
    if (error == 0)
        error = posix_spawn_file_actions_addclosefrom_np(actions, PLUGIN_RELAY_SOCKET_FD + 1);
    return error;
}

int plugin_spawn_start(const char *path, unsigned timeout_ms, unsigned max_children,
                       pid_t *pid, int *socket_fd, char *err, size_t err_size)
{
    int pair[2] = {-1, -1};
    int loader_end = -1;
    char **env = NULL;
    int status = -1;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_t actions;
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_init(&actions);

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        snprintf(err, err_size, "cannot create a socket for the plugin loader: %s",
                 strerror(errno));
        goto cleanup;
    }
    /* dup2() onto its own number would keep close-on-exec set. */
    loader_end = fcntl(pair[1], F_DUPFD_CLOEXEC, FD_PARKING);
    env = plugin_spawn_environment(environ, getauxval(AT_SECURE) != 0);
    if (loader_end < 0 || env == NULL) {
        snprintf(err, err_size, "cannot prepare the plugin loader: %s",
                 loader_end < 0 ? strerror(errno) : "out of memory");
        goto cleanup;
    }

    char parent[32], timeout[32], children[32];
    snprintf(parent, sizeof(parent), "--parent-pid=%ld", (long)getpid());
    snprintf(timeout, sizeof(timeout), "--timeout-ms=%u", timeout_ms);
    snprintf(children, sizeof(children), "--max-children=%u", max_children);
    char *argv[] = {"schemareg-plugin-loader", parent, timeout, children, NULL};

    /* posix_spawn() reports a failed exec too, but not under emulators
     * such as valgrind that turn its vfork into a fork. */
    int error = access(path, X_OK) == 0 ? 0 : errno;
    if (error == 0)
        error = prepare(&attributes, &actions, loader_end);
    if (error == 0)
        error = posix_spawn(pid, path, &actions, &attributes, argv, env);
    if (error != 0) {
        snprintf(err, err_size, "cannot start the plugin loader %s: %s; reinstall schemareg, "
                 "or set SCHEMAREG_PLUGIN_LOADER to the path of schemareg-plugin-loader",
                 path, strerror(error));
        goto cleanup;
    }

    *socket_fd = pair[0];
    pair[0] = -1;
    status = 0;

cleanup:
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    free(env);
    for (int i = 0; i < 2; i++) {
        if (pair[i] >= 0)
            close(pair[i]);
    }
    if (loader_end >= 0)
        close(loader_end);
    return status;
}
