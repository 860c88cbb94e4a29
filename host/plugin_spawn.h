/*
 * Finding and starting schemareg-plugin-loader, the small program that
 * forks one child per plugin on the host's behalf.
 */
#ifndef SCHEMAREG_PLUGIN_SPAWN_H
#define SCHEMAREG_PLUGIN_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Returns the loader's path (malloc'd, or NULL when out of memory). That is
 * SCHEMAREG_PLUGIN_LOADER when set (read with secure_getenv, so ignored
 * under setuid). Otherwise it is the loader of the build tree when the
 * running program is inside that build tree, else the installed path from
 * config.h.
 */
char *plugin_spawn_find_loader(void);

/*
 * Starts the loader at path with posix_spawn. It gets /dev/null as stdin
 * and stdout, the host's stderr, and its end of a new Unix stream socket as
 * descriptor 3 (host/plugin_relay.h), and no other descriptor. Its
 * environment contains only what plugin_spawn_environment() keeps. Stores
 * the loader's pid and the host's end of the socket (close-on-exec).
 * Returns 0, or -1 with the reason in err.
 */
int plugin_spawn_start(const char *path, unsigned timeout_ms, unsigned max_children,
                       pid_t *pid, int *socket_fd, char *err, size_t err_size);

/*
 * Builds the loader's environment from env: PATH, TZ, TMPDIR, LANG,
 * LANGUAGE, LC_*, LD_LIBRARY_PATH and SCHEMAREG_*, nothing else, so no
 * credential in the host's environment (AWS_SECRET_ACCESS_KEY and the
 * like) reaches plugin code. Under setuid or other elevated privilege
 * (privileged nonzero) nothing is kept. Returns a NULL-terminated array that points into
 * env (free only the array), or NULL when out of memory.
 */
char **plugin_spawn_environment(char *const *env, int privileged);

#endif
