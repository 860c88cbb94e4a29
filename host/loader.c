#include "loader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "elf_note.h"
#include "loader_internal.h"
#include "log.h"
#include "plugin_isolate.h"
#include "plugin_trust.h"

#define ERROR_SIZE 1024

/* Checked files wait for loading with their descriptors open. So they are
 * loaded in batches of at most this many, and at most a quarter of
 * RLIMIT_NOFILE, which leaves descriptors for the loader's socket and
 * libcurl whatever the number of plugins. */
#define LOAD_BATCH_SIZE 128

/* A file already loaded in this run, to load each device and inode once. */
struct seen_file {
    dev_t dev;
    ino_t ino;
    char *path;
};

/* State of one loader_scan() or loader_load_files() call. */
struct run {
    const struct loader_options *options;
    struct loader_result *result;
    struct seen_file *seen;
    size_t seen_count;
    struct loader_file *files; /* checked files, loaded by finish_run() */
    size_t files_count;
    struct plugin_isolate *isolate; /* created by the first isolated batch */
    size_t batch_size;              /* see LOAD_BATCH_SIZE */
    const char *missing_dir_fix; /* how to fix a missing plugin directory, or NULL */
};

static void add_error(struct run *run, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_error(struct run *run, const char *path, const char *fmt, ...)
{
    char message[ERROR_SIZE];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof(message), fmt, args);
    va_end(args);

    struct loader_result *result = run->result;
    struct loader_error *errors =
        realloc(result->errors, (result->errors_count + 1) * sizeof(*errors));
    if (errors == NULL) {
        log_error("%s: %s (and out of memory while recording it)", path, message);
        return;
    }
    result->errors = errors;

    struct loader_error *error = &errors[result->errors_count];
    error->path = strdup(path);
    error->message = strdup(message);
    if (error->path == NULL || error->message == NULL) {
        free(error->path);
        free(error->message);
        log_error("%s: %s (and out of memory while recording it)", path, message);
        return;
    }
    result->errors_count++;
    log_debug("%s: %s", path, message);
}

/* Moves *plugin into the result; on failure the plugin is freed. */
static void add_plugin(struct run *run, struct catalog_plugin *plugin)
{
    struct loader_result *result = run->result;
    struct catalog_plugin *plugins =
        realloc(result->plugins, (result->plugins_count + 1) * sizeof(*plugins));
    if (plugins == NULL) {
        add_error(run, plugin->path, "out of memory");
        catalog_plugin_clear(plugin);
        return;
    }
    result->plugins = plugins;
    result->plugins[result->plugins_count++] = *plugin;
    memset(plugin, 0, sizeof(*plugin));
}

/* Returns the path under which the same file was already loaded, or NULL
 * after remembering this one. */
static const char *remember_file(struct run *run, const struct stat *st, const char *path)
{
    for (size_t i = 0; i < run->seen_count; i++) {
        if (run->seen[i].dev == st->st_dev && run->seen[i].ino == st->st_ino)
            return run->seen[i].path;
    }

    struct seen_file *seen = realloc(run->seen, (run->seen_count + 1) * sizeof(*seen));
    if (seen == NULL)
        return NULL;
    run->seen = seen;
    seen[run->seen_count].dev = st->st_dev;
    seen[run->seen_count].ino = st->st_ino;
    seen[run->seen_count].path = strdup(path);
    if (seen[run->seen_count].path != NULL)
        run->seen_count++;
    return NULL;
}

static void load_checked_files(struct run *run);

/* Queues a checked file for loading; takes ownership of fd. */
static void add_checked_file(struct run *run, int fd, const char *path,
                             const struct elf_note_info *note)
{
    if (run->files_count >= run->batch_size)
        load_checked_files(run);

    struct loader_file *files = realloc(run->files, (run->files_count + 1) * sizeof(*files));
    char *copy = files != NULL ? strdup(path) : NULL;
    if (files != NULL)
        run->files = files;
    if (copy == NULL) {
        add_error(run, path, "out of memory");
        close(fd);
        return;
    }

    struct loader_file *file = &run->files[run->files_count++];
    memset(file, 0, sizeof(*file));
    file->fd = fd;
    file->path = copy;
    file->note = *note;
}

/* Applies plugin_trust_check(), or only warns under allow_insecure. */
static int check_trust(struct run *run, const struct stat *st, const char *what,
                       const char *path)
{
    char problem[ERROR_SIZE];
    const char *fix = NULL;
    if (plugin_trust_check(st, what, problem, sizeof(problem), &fix) == 0)
        return 0;

    if (run->options->allow_insecure) {
        log_warn("%s: %s; accepted because of --allow-insecure-plugins", path, problem);
        return 0;
    }
    add_error(run, path, "%s; %s, or use --allow-insecure-plugins for development", problem,
              fix);
    return -1;
}

/* Checks and loads one plugin file; takes ownership of fd. */
static void load_open_file(struct run *run, int fd, const char *path)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        add_error(run, path, "cannot stat: %s", strerror(errno));
        close(fd);
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        add_error(run, path, "not a regular file; only regular *.so files are loaded");
        close(fd);
        return;
    }
    if (check_trust(run, &st, "file", path) != 0) {
        close(fd);
        return;
    }

    const char *first = remember_file(run, &st, path);
    if (first != NULL) {
        log_warn("%s: same file as %s (same device and inode); loaded once", path, first);
        close(fd);
        return;
    }

    /* No code of the file runs before its note names this ABI major. */
    char reason[ERROR_SIZE];
    struct elf_note_info note;
    if (elf_note_read(fd, &note, reason, sizeof(reason)) != ELF_NOTE_OK) {
        add_error(run, path, "%s", reason);
        close(fd);
        return;
    }
    add_checked_file(run, fd, path, &note);
}

/* Opens name inside the directory dirfd without following symlinks and
 * loads it. A FIFO would block a plain open, hence O_NONBLOCK. */
static void load_entry(struct run *run, int dirfd, const char *name, const char *path)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if (errno == ELOOP)
            add_error(run, path,
                      "is a symbolic link, and symbolic links are not followed; install the "
                      "file itself in the plugin directory");
        else
            add_error(run, path, "cannot open: %s", strerror(errno));
        return;
    }
    load_open_file(run, fd, path);
}

/* Records why open() failed with open_errno on a plugin directory. */
static void report_directory_error(struct run *run, const char *dir, int open_errno)
{
    /* With O_DIRECTORY, Linux reports a symbolic link as ENOTDIR. The
     * lstat() only picks the message; open() already rejected the link. */
    struct stat st;
    int is_link = open_errno == ELOOP || (open_errno == ENOTDIR && lstat(dir, &st) == 0 &&
                                          S_ISLNK(st.st_mode));

    if (is_link)
        add_error(run, dir, "plugin directory is a symbolic link, and symbolic links are not "
                            "followed; name the directory itself");
    else if (open_errno == ENOENT)
        add_error(run, dir, "plugin directory does not exist%s%s",
                  run->missing_dir_fix != NULL ? "; " : "",
                  run->missing_dir_fix != NULL ? run->missing_dir_fix : "");
    else
        add_error(run, dir, "cannot open plugin directory: %s", strerror(open_errno));
}

/* Opens and checks a plugin directory. Returns its descriptor, or -1 after
 * recording the reason. */
static int open_directory(struct run *run, const char *dir)
{
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dirfd < 0) {
        report_directory_error(run, dir, errno);
        return -1;
    }

    struct stat st;
    if (fstat(dirfd, &st) != 0) {
        add_error(run, dir, "cannot stat plugin directory: %s", strerror(errno));
        close(dirfd);
        return -1;
    }
    if (check_trust(run, &st, "directory", dir) != 0) {
        close(dirfd);
        return -1;
    }
    return dirfd;
}

static int is_plugin_name(const char *name)
{
    size_t length = strlen(name);
    return name[0] != '.' && length > 3 && strcmp(name + length - 3, ".so") == 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the *.so names in the directory, sorted by strcmp. */
static int list_plugin_names(struct run *run, int dirfd, const char *dir, char ***out,
                             size_t *out_count)
{
    char **names = NULL;
    size_t count = 0;
    *out = NULL;
    *out_count = 0;

    int listfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    DIR *stream = listfd >= 0 ? fdopendir(listfd) : NULL;
    if (stream == NULL) {
        add_error(run, dir, "cannot list plugin directory: %s", strerror(errno));
        if (listfd >= 0)
            close(listfd);
        return -1;
    }

    struct dirent *entry;
    errno = 0;
    while ((entry = readdir(stream)) != NULL) {
        if (!is_plugin_name(entry->d_name))
            continue;
        char **grown = realloc(names, (count + 1) * sizeof(*names));
        char *copy = grown != NULL ? strdup(entry->d_name) : NULL;
        if (grown != NULL)
            names = grown;
        if (copy == NULL) {
            add_error(run, dir, "out of memory while listing the directory");
            break;
        }
        names[count++] = copy;
        errno = 0;
    }
    if (entry == NULL && errno != 0)
        add_error(run, dir, "cannot list plugin directory: %s", strerror(errno));
    closedir(stream);

    if (count > 0)
        qsort(names, count, sizeof(*names), compare_names);
    *out = names;
    *out_count = count;
    return 0;
}

static char *join_path(const char *dir, const char *name)
{
    size_t length = strlen(dir);
    const char *separator = length > 0 && dir[length - 1] == '/' ? "" : "/";
    char *path = NULL;
    if (asprintf(&path, "%s%s%s", dir, separator, name) < 0)
        return NULL;
    return path;
}

/* Loads every plugin of one directory. Returns 0 when it could be read. */
static int scan_directory(struct run *run, const char *dir)
{
    int dirfd = open_directory(run, dir);
    if (dirfd < 0)
        return -1;

    char **names = NULL;
    size_t count = 0;
    int status = list_plugin_names(run, dirfd, dir, &names, &count);
    if (status == 0 && count == 0)
        log_warn("%s: plugin directory contains no *.so files", dir);

    for (size_t i = 0; i < count; i++) {
        char *path = join_path(dir, names[i]);
        if (path == NULL)
            add_error(run, dir, "out of memory");
        else
            load_entry(run, dirfd, names[i], path);
        free(path);
        free(names[i]);
    }
    free(names);
    close(dirfd);
    return status;
}

/* Returns the plugin that declares service_id among the first count
 * plugins, or NULL. */
static const struct catalog_plugin *find_service(const struct catalog_plugin *plugins,
                                                 size_t count, const char *service_id)
{
    for (size_t i = 0; i < count; i++) {
        for (size_t j = 0; j < plugins[i].providers_count; j++) {
            const char *other = plugins[i].providers[j].service_id;
            if (other != NULL && strcmp(other, service_id) == 0)
                return &plugins[i];
        }
    }
    return NULL;
}

/*
 * Drops every plugin that declares a service id an earlier plugin already
 * declared, recording an error that names both files. Earlier means
 * earlier in load order, so the outcome does not depend on readdir order.
 */
static void drop_duplicate_services(struct run *run)
{
    struct loader_result *result = run->result;
    size_t kept = 0;

    for (size_t i = 0; i < result->plugins_count; i++) {
        struct catalog_plugin *plugin = &result->plugins[i];
        const struct catalog_plugin *first = NULL;
        const char *service_id = NULL;

        for (size_t j = 0; j < plugin->providers_count && first == NULL; j++) {
            service_id = plugin->providers[j].service_id;
            if (service_id != NULL)
                first = find_service(result->plugins, kept, service_id);
        }

        if (first != NULL) {
            add_error(run, plugin->path,
                      "duplicate service id \"%s\", already declared by %s; service ids must be "
                      "unique across plugins, so this plugin is not loaded",
                      service_id, first->path);
            catalog_plugin_clear(plugin);
            continue;
        }
        if (kept != i)
            result->plugins[kept] = *plugin;
        kept++;
    }

    result->plugins_count = kept;
    for (size_t i = 0; i < kept; i++)
        catalog_plugin_link(&result->plugins[i]);
}

/* Loads the checked files and moves each outcome into the result, in the
 * order the files were found. */
static void load_checked_files(struct run *run)
{
    loader_load_checked(run->files, run->files_count, run->options, &run->isolate);

    for (size_t i = 0; i < run->files_count; i++) {
        struct loader_file *file = &run->files[i];
        if (file->error != NULL)
            add_error(run, file->path, "%s", file->error);
        else if (file->plugin.path == NULL)
            add_error(run, file->path, "out of memory");
        else
            add_plugin(run, &file->plugin);

        catalog_plugin_clear(&file->plugin);
        free(file->error);
        free(file->path);
    }
    free(run->files);
    run->files = NULL;
    run->files_count = 0;
}

static void finish_run(struct run *run)
{
    load_checked_files(run);
    plugin_isolate_free(run->isolate);
    run->isolate = NULL;
    drop_duplicate_services(run);
    for (size_t i = 0; i < run->seen_count; i++)
        free(run->seen[i].path);
    free(run->seen);
}

static size_t choose_batch_size(void)
{
    struct rlimit limit;

    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
        limit.rlim_cur / 4 >= LOAD_BATCH_SIZE)
        return LOAD_BATCH_SIZE;
    return limit.rlim_cur >= 8 ? (size_t)(limit.rlim_cur / 4) : 1;
}

static void start_run(struct run *run, const struct loader_options *options,
                      struct loader_result *result)
{
    memset(result, 0, sizeof(*result));
    memset(run, 0, sizeof(*run));
    run->options = options;
    run->result = result;
    run->batch_size = choose_batch_size();

    if (options->allow_insecure)
        log_warn("insecure plugin loading is enabled: plugin files and directories that other "
                 "users can write are accepted; use this only for development");
    if (options->mode == LOADER_MODE_IN_PROCESS)
        log_warn("plugins are loaded in the host process: a plugin that crashes, exits or "
                 "hangs stops the host; use this only to debug a plugin");
}

/* Splits SCHEMAREG_PLUGIN_PATH at colons, skipping empty parts. */
static int split_path_list(const char *list, char ***out, size_t *out_count)
{
    char **dirs = NULL;
    size_t count = 0;
    const char *start = list;

    while (*start != '\0') {
        const char *end = strchr(start, ':');
        size_t length = end != NULL ? (size_t)(end - start) : strlen(start);
        if (length > 0) {
            char **grown = realloc(dirs, (count + 1) * sizeof(*dirs));
            if (grown == NULL)
                goto fail;
            dirs = grown;
            dirs[count] = strndup(start, length);
            if (dirs[count] == NULL)
                goto fail;
            count++;
        }
        if (end == NULL)
            break;
        start = end + 1;
    }

    *out = dirs;
    *out_count = count;
    return 0;

fail:
    for (size_t i = 0; i < count; i++)
        free(dirs[i]);
    free(dirs);
    return -1;
}

int loader_scan(const struct loader_options *options, struct loader_result *result)
{
    struct run run;
    start_run(&run, options, result);

    const char *const *dirs = options->dirs;
    size_t dirs_count = options->dirs_count;
    char **env_dirs = NULL;
    size_t env_count = 0;
    const char *default_dir = SCHEMAREG_DEFAULT_PLUGIN_DIR;
    char origin_fix[128];

    if (dirs_count == 0) {
        const char *env = secure_getenv("SCHEMAREG_PLUGIN_PATH");
        if (env != NULL && split_path_list(env, &env_dirs, &env_count) != 0) {
            log_error("out of memory while reading SCHEMAREG_PLUGIN_PATH");
            finish_run(&run);
            return -1;
        }
        if (env_count > 0) {
            log_debug("plugin directories from SCHEMAREG_PLUGIN_PATH: %s", env);
            dirs = (const char *const *)env_dirs;
            dirs_count = env_count;
            run.missing_dir_fix = "fix SCHEMAREG_PLUGIN_PATH, or pass --plugin-dir DIR";
        } else {
            dirs = &default_dir;
            dirs_count = 1;
            run.missing_dir_fix = "install plugins into this built-in default, pass "
                                  "--plugin-dir DIR or set SCHEMAREG_PLUGIN_PATH";
        }
    } else if (options->dirs_origin != NULL) {
        /* The caller's option named the directory, so the fix is the path. */
        snprintf(origin_fix, sizeof(origin_fix), "check the path given with %s",
                 options->dirs_origin);
        run.missing_dir_fix = origin_fix;
    }

    size_t readable = 0;
    for (size_t i = 0; i < dirs_count; i++) {
        if (scan_directory(&run, dirs[i]) == 0)
            readable++;
    }

    for (size_t i = 0; i < env_count; i++)
        free(env_dirs[i]);
    free(env_dirs);
    finish_run(&run);
    return readable > 0 ? 0 : -1;
}

/* Loads one file named on the command line, checking its directory too. */
static void load_named_file(struct run *run, const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL ? strdup(".") : strndup(path, (size_t)(slash - path));
    if (dir != NULL && dir[0] == '\0') {
        free(dir);
        dir = strdup("/");
    }
    if (dir == NULL) {
        add_error(run, path, "out of memory");
        return;
    }

    const char *name = slash == NULL ? path : slash + 1;
    int dirfd = open_directory(run, dir);
    if (dirfd >= 0) {
        load_entry(run, dirfd, name, path);
        close(dirfd);
    }
    free(dir);
}

int loader_load_files(const char *const *paths, size_t paths_count,
                      const struct loader_options *options, struct loader_result *result)
{
    struct run run;
    start_run(&run, options, result);

    for (size_t i = 0; i < paths_count; i++)
        load_named_file(&run, paths[i]);

    finish_run(&run);
    return 0;
}

void loader_result_free(struct loader_result *result)
{
    if (result == NULL)
        return;

    catalog_plugins_free(result->plugins, result->plugins_count);
    for (size_t i = 0; i < result->errors_count; i++) {
        free(result->errors[i].path);
        free(result->errors[i].message);
    }
    free(result->errors);
    memset(result, 0, sizeof(*result));
}
