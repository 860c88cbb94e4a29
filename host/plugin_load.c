#include "plugin_load.h"

#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi_reader.h"

/* dlerror() text without the "/proc/self/fd/N: " prefix, which names the
 * descriptor instead of the file the caller reports. */
static const char *dl_reason(const char *proc_path)
{
    const char *reason = dlerror();
    if (reason == NULL)
        return "unknown dynamic loader error";

    size_t length = strlen(proc_path);
    if (strncmp(reason, proc_path, length) == 0 && strncmp(reason + length, ": ", 2) == 0)
        reason += length + 2;
    return reason;
}

/* Finds the entry point and checks that it is defined by the plugin
 * itself, not by a library the plugin links against. */
static schemareg_providers_fn find_entry(void *handle, char *err, size_t err_size)
{
    dlerror();
    void *symbol = dlsym(handle, SCHEMAREG_ENTRY_SYMBOL);
    if (symbol == NULL) {
        snprintf(err, err_size,
                 "missing %s symbol; define the plugin with SCHEMAREG_PLUGIN() and do not hide "
                 "the entry point",
                 SCHEMAREG_ENTRY_SYMBOL);
        return NULL;
    }

    struct link_map *map = NULL;
    Dl_info info;
    memset(&info, 0, sizeof(info));
    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || dladdr(symbol, &info) == 0 ||
        info.dli_fname == NULL || map == NULL || strcmp(info.dli_fname, map->l_name) != 0) {
        snprintf(err, err_size, "%s is not defined by the plugin itself (found in %s)",
                 SCHEMAREG_ENTRY_SYMBOL,
                 info.dli_fname != NULL ? info.dli_fname : "an unknown object");
        return NULL;
    }

    schemareg_providers_fn entry;
    memcpy(&entry, &symbol, sizeof(entry));
    return entry;
}

int plugin_load_fd(int fd, const char *path, struct catalog_plugin *out, char *err,
                   size_t err_size)
{
    memset(out, 0, sizeof(*out));

    struct elf_note_info note;
    if (elf_note_read(fd, &note, err, err_size) != ELF_NOTE_OK) {
        close(fd);
        return -1;
    }

    char proc_path[64];
    snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", fd);
    void *handle = dlopen(proc_path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (handle == NULL) {
        snprintf(err, err_size, "dlopen failed: %s", dl_reason(proc_path));
        close(fd);
        return -1;
    }
    /* From here on fd stays open; see plugin_load.h. The handle is never
     * closed either: RTLD_NODELETE keeps the code mapped regardless. */

    schemareg_providers_fn entry = find_entry(handle, err, err_size);
    if (entry == NULL)
        return -1;

    const struct schema_plugin_v1 *declared = entry();
    if (abi_reader_copy_plugin(declared, out, err, err_size) != 0)
        return -1;

    out->path = strdup(path);
    if (out->path == NULL) {
        catalog_plugin_clear(out);
        snprintf(err, err_size, "out of memory");
        return -1;
    }

    return 0;
}
