#include "seed_pack.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

/* The fastest level: JSON items deflate well already, and packing runs
 * before any table is provisioned. */
#define PACK_LEVEL Z_BEST_SPEED

static int belongs(const struct catalog_seed *seed, const char *table)
{
    return seed->table && strcmp(seed->table, table) == 0;
}

static const char *item_text(const struct catalog_seed *seed)
{
    return seed->item_json ? seed->item_json : "";
}

/* Returns the table's items joined, each followed by a NUL byte, or NULL
 * when memory runs out. */
static char *join_items(const struct catalog_provider *provider, const char *table,
                        size_t *size, size_t *count)
{
    *size = 0;
    *count = 0;
    for (size_t i = 0; i < provider->seeds_count; i++) {
        if (!belongs(&provider->seeds[i], table))
            continue;
        *size += strlen(item_text(&provider->seeds[i])) + 1;
        (*count)++;
    }

    char *text = malloc(*size + 1);
    if (!text)
        return NULL;
    char *at = text;
    for (size_t i = 0; i < provider->seeds_count; i++) {
        if (!belongs(&provider->seeds[i], table))
            continue;
        size_t length = strlen(item_text(&provider->seeds[i])) + 1;
        memcpy(at, item_text(&provider->seeds[i]), length);
        at += length;
    }
    return text;
}

int seed_pack_build(const struct catalog_provider *provider, const char *table,
                    struct seed_pack *pack)
{
    size_t text_size;
    size_t count;
    int rc = -1;

    memset(pack, 0, sizeof(*pack));
    char *text = join_items(provider, table, &text_size, &count);
    if (!text)
        return -1;
    if (count == 0) {
        free(text);
        return 0;
    }
    if (text_size > ULONG_MAX)
        goto cleanup;

    uLongf size = compressBound((uLong)text_size);
    pack->data = malloc(size);
    if (!pack->data ||
        compress2(pack->data, &size, (const Bytef *)text, (uLong)text_size, PACK_LEVEL) != Z_OK)
        goto cleanup;

    /* compressBound reserves room for incompressible text. */
    unsigned char *fitted = realloc(pack->data, size);
    if (fitted)
        pack->data = fitted;
    pack->size = size;
    pack->text_size = text_size;
    pack->items_count = count;
    rc = 0;

cleanup:
    free(text);
    if (rc != 0)
        seed_pack_free(pack);
    return rc;
}

char *seed_pack_open(const struct seed_pack *pack)
{
    if (!pack->data)
        return NULL;

    char *text = malloc(pack->text_size + 1);
    uLongf size = (uLongf)pack->text_size;
    if (!text)
        return NULL;
    if (uncompress((Bytef *)text, &size, pack->data, (uLong)pack->size) != Z_OK ||
        size != pack->text_size || text[size - 1] != '\0') {
        free(text);
        return NULL;
    }
    text[size] = '\0';
    return text;
}

void seed_pack_free(struct seed_pack *pack)
{
    free(pack->data);
    memset(pack, 0, sizeof(*pack));
}

const char *seed_pack_take(const struct seed_pack *pack, struct seed_pack_cursor *cursor)
{
    if (cursor->items_taken >= pack->items_count)
        return NULL;
    if (!cursor->items) {
        cursor->items = seed_pack_open(pack);
        if (!cursor->items) {
            cursor->items_taken++;
            return NULL;
        }
        cursor->next = cursor->items;
        for (size_t i = 0; i < cursor->items_taken; i++)
            cursor->next += strlen(cursor->next) + 1;
    }

    const char *item = cursor->next;
    cursor->next += strlen(item) + 1;
    cursor->items_taken++;
    return item;
}

void seed_pack_cursor_settle(const struct seed_pack *pack, struct seed_pack_cursor *cursor)
{
    if (cursor->items_taken >= pack->items_count)
        seed_pack_cursor_free(cursor);
}

void seed_pack_cursor_free(struct seed_pack_cursor *cursor)
{
    free(cursor->items);
    cursor->items = NULL;
    cursor->next = NULL;
}
