/*
 * Placeholder for validate.h until the validation library is in the tree:
 * the same API, and an implementation that reports no problems.
 */
#ifndef SCHEMAREG_VALIDATE_STUB_H
#define SCHEMAREG_VALIDATE_STUB_H

#include <stddef.h>

#include "catalog.h"

struct validation_problem {
    const char *plugin_path;
    const char *service_id;
    const char *rule;
    char *message;
};

struct validation_report {
    struct validation_problem *items;
    size_t count;
};

void validate_plugins(const struct catalog_plugin *plugins, size_t plugins_count,
                      struct validation_report *out);
void validation_report_free(struct validation_report *report);

#endif
