/* The loader's second step: getting what each checked plugin file declares. */
#include "loader_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "plugin_isolate.h"
#include "plugin_load.h"

#define ERROR_SIZE 1024
#define CHILDREN_PER_CPU 4u
#define MIN_DEFAULT_CHILDREN 4u
#define MAX_DEFAULT_CHILDREN 32u

static char *copy_or_null(const char *text)
{
    return text != NULL ? strdup(text) : NULL;
}

static void set_error(struct loader_file *file, const char *message)
{
    file->error = strdup(message);
    if (file->error == NULL)
        log_error("%s: %s (and out of memory while recording it)", file->path, message);
}

/* Fills the plugin with the identity from the note, and no providers. */
static void load_note(struct loader_file *file)
{
    struct catalog_plugin *plugin = &file->plugin;
    plugin->path = strdup(file->path);
    plugin->plugin_name = copy_or_null(file->note.plugin_name);
    plugin->plugin_version = copy_or_null(file->note.plugin_version);
    plugin->abi_major = file->note.abi_major;
    plugin->abi_minor = file->note.abi_minor;
    if (plugin->path == NULL || plugin->plugin_name == NULL || plugin->plugin_version == NULL) {
        catalog_plugin_clear(plugin);
        set_error(file, "out of memory");
    }
    close(file->fd);
    file->fd = -1;
}

static void load_in_process(struct loader_file *file)
{
    char reason[ERROR_SIZE];
    if (plugin_load_fd(file->fd, file->path, &file->plugin, reason, sizeof(reason)) != 0)
        set_error(file, reason);
    /* plugin_load_fd() took the descriptor. */
    file->fd = -1;
}

/* Four children per online CPU, from 4 to 32. Most of a child's life is
 * the kernel's process setup and teardown, so more children than CPUs
 * keep the loader's fork() calls overlapped with the children's work.
 * Loading 500 plugins through loader_scan() on a 2-CPU machine at load
 * average 7.5 took 160 to 210 ms with 4, 8 or 16 children, and 225 to
 * 280 ms with 2. */
static unsigned default_children(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1)
        cpus = 1;
    unsigned long children = (unsigned long)cpus * CHILDREN_PER_CPU;
    if (children < MIN_DEFAULT_CHILDREN)
        return MIN_DEFAULT_CHILDREN;
    return children < MAX_DEFAULT_CHILDREN ? (unsigned)children : MAX_DEFAULT_CHILDREN;
}

static void fail_all(struct loader_file *files, size_t count, const char *message)
{
    for (size_t i = 0; i < count; i++) {
        set_error(&files[i], message);
        close(files[i].fd);
        files[i].fd = -1;
    }
}

static void load_isolated(struct loader_file *files, size_t count,
                          const struct loader_options *options,
                          struct plugin_isolate **isolate)
{
    if (*isolate == NULL) {
        struct plugin_isolate_options isolate_options = {
            .timeout_ms = options->timeout_ms > 0 ? options->timeout_ms
                                                  : LOADER_DEFAULT_TIMEOUT_MS,
            .max_children = options->max_children > 0 ? options->max_children
                                                       : default_children(),
        };
        *isolate = plugin_isolate_new(&isolate_options);
    }
    struct plugin_isolate_job *jobs = calloc(count, sizeof(*jobs));
    if (*isolate == NULL || jobs == NULL) {
        fail_all(files, count, "out of memory");
        free(jobs);
        return;
    }

    for (size_t i = 0; i < count; i++) {
        jobs[i].fd = files[i].fd;
        jobs[i].path = files[i].path;
        files[i].fd = -1;
    }

    plugin_isolate_run(*isolate, jobs, count);

    for (size_t i = 0; i < count; i++) {
        files[i].plugin = jobs[i].plugin;
        files[i].error = jobs[i].error;
    }
    free(jobs);
}

/* Warns when the ELF note and the struct the entry point returned disagree. */
static void compare_identity(const struct loader_file *file)
{
    const struct elf_note_info *note = &file->note;
    const struct catalog_plugin *plugin = &file->plugin;
    const char *name = plugin->plugin_name != NULL ? plugin->plugin_name : "";
    const char *version = plugin->plugin_version != NULL ? plugin->plugin_version : "";

    if (strcmp(note->plugin_name, name) != 0 || strcmp(note->plugin_version, version) != 0 ||
        note->abi_minor != plugin->abi_minor)
        log_warn("%s: ELF note declares %s %s (ABI %u.%u) but schemareg_providers() returned "
                 "%s %s (ABI %u.%u); rebuild the plugin from one SCHEMAREG_PLUGIN() declaration",
                 file->path, note->plugin_name, note->plugin_version, note->abi_major,
                 note->abi_minor, name, version, plugin->abi_major, plugin->abi_minor);
}

void loader_load_checked(struct loader_file *files, size_t count,
                         const struct loader_options *options,
                         struct plugin_isolate **isolate)
{
    if (options->mode == LOADER_MODE_NOTES_ONLY) {
        for (size_t i = 0; i < count; i++)
            load_note(&files[i]);
        return;
    }

    if (options->mode == LOADER_MODE_IN_PROCESS) {
        for (size_t i = 0; i < count; i++)
            load_in_process(&files[i]);
    } else if (count > 0) {
        load_isolated(files, count, options, isolate);
    }

    for (size_t i = 0; i < count; i++) {
        const struct catalog_plugin *plugin = &files[i].plugin;
        if (files[i].error != NULL)
            continue;
        compare_identity(&files[i]);
        log_debug("%s: loaded %s %s (ABI %u.%u), %zu providers", files[i].path,
                  plugin->plugin_name != NULL ? plugin->plugin_name : "(unnamed)",
                  plugin->plugin_version != NULL ? plugin->plugin_version : "",
                  plugin->abi_major, plugin->abi_minor, plugin->providers_count);
    }
}
