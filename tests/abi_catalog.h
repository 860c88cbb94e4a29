/*
 * Test-side copy of a plugin's ABI structs into the host catalog model,
 * honouring every array stride, so plugin tests can validate a .so without
 * the host's loader.
 */
#ifndef SCHEMAREG_TESTS_ABI_CATALOG_H
#define SCHEMAREG_TESTS_ABI_CATALOG_H

#include <stddef.h>

#include <schemareg/provider.h>

#include "catalog.h"

/* Copies descriptor into *out (path is copied too). Returns 0, or -1 with
 * the reason in err when a struct is smaller than version 1.0. */
int abi_catalog_copy(const struct schema_plugin_v1 *descriptor, const char *path,
                     struct catalog_plugin *out, char *err, size_t err_len);

void abi_catalog_free(struct catalog_plugin *plugin);

#endif
