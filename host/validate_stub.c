#include "validate_stub.h"

#include <stdlib.h>
#include <string.h>

void validate_plugins(const struct catalog_plugin *plugins, size_t plugins_count,
                      struct validation_report *out)
{
    (void)plugins;
    (void)plugins_count;
    memset(out, 0, sizeof(*out));
}

void validation_report_free(struct validation_report *report)
{
    for (size_t i = 0; i < report->count; i++)
        free(report->items[i].message);
    free(report->items);
    memset(report, 0, sizeof(*report));
}
