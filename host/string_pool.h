/*
 * Strings that live as long as their pool: copied into large blocks, so
 * ten thousand short strings cost a few allocations instead of one each,
 * and optionally interned, so a value that repeats (a table name, a run
 * id) is stored once. Not thread-safe: the owner of a pool locks it.
 */
#ifndef SCHEMAREG_STRING_POOL_H
#define SCHEMAREG_STRING_POOL_H

#include <stddef.h>

struct string_pool_block;

struct string_pool {
    struct string_pool_block *blocks; /* newest first */
    char *free_at;                    /* unused bytes of the newest block */
    size_t free_left;
    const char **slots;   /* open-addressing set of interned strings; NULL when empty */
    size_t slots_count;   /* a power of two, or 0 */
    size_t interned_count;
};

void string_pool_init(struct string_pool *pool);

/* Frees every string of the pool at once. */
void string_pool_free(struct string_pool *pool);

/* Returns a copy of text owned by the pool, NULL for a NULL text, or NULL
 * when memory runs out. */
const char *string_pool_copy(struct string_pool *pool, const char *text);

/* Like string_pool_copy, but returns the earlier copy when the pool
 * already interned an equal string. */
const char *string_pool_intern(struct string_pool *pool, const char *text);

#endif
