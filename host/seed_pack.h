/*
 * The seed items of one table, deflated. A run keeps every table's items
 * from the start until its seeds are written, and on a large catalog they
 * are most of the host's memory. JSON items deflate to a fraction of their
 * size, and a table's items are inflated only while its seeds start.
 */
#ifndef SCHEMAREG_SEED_PACK_H
#define SCHEMAREG_SEED_PACK_H

#include <stddef.h>

#include "catalog.h"

struct seed_pack {
    unsigned char *data; /* zlib stream; NULL for a table without seeds */
    size_t size;
    size_t text_size;    /* inflated: the items, each followed by a NUL byte */
    size_t items_count;
};

/* Packs the item_json of every seed of provider that belongs to table, in
 * declaration order (a seed without item packs as an empty string).
 * Returns 0, or -1 when memory runs out or zlib fails. */
int seed_pack_build(const struct catalog_provider *provider, const char *table,
                    struct seed_pack *pack);

/* Inflates the pack. Returns the items, each followed by a NUL byte, in a
 * buffer the caller frees, or NULL when memory runs out or the stream is
 * not the one seed_pack_build wrote. */
char *seed_pack_open(const struct seed_pack *pack);

void seed_pack_free(struct seed_pack *pack);

/* A run's position in one pack: the seeds of a table take its items one
 * after the other, in declaration order. Zeroed before the first take. */
struct seed_pack_cursor {
    char *items;           /* the pack inflated, else NULL */
    const char *next;      /* in items: the next item to take */
    size_t items_taken;
};

/* Returns the next item of pack, inflating the pack when it is not
 * inflated, or NULL when memory runs out, the stream is damaged or every
 * item is taken. An item that could not be unpacked counts as taken, so
 * the takes after it still return their own items. The text stays valid
 * until seed_pack_cursor_settle or seed_pack_cursor_free. */
const char *seed_pack_take(const struct seed_pack *pack, struct seed_pack_cursor *cursor);

/* Frees the inflated items once every item is taken: call it when done
 * with the text of the last take. */
void seed_pack_cursor_settle(const struct seed_pack *pack, struct seed_pack_cursor *cursor);

/* Frees the inflated items, taken or not. */
void seed_pack_cursor_free(struct seed_pack_cursor *cursor);

#endif
