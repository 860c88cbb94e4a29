#include "string_pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Bytes per block: large enough that blocks are few, small enough that a
 * pool of a handful of strings stays cheap. */
#define BLOCK_SIZE (32 * 1024)

struct string_pool_block {
    struct string_pool_block *next;
    char data[];
};

void string_pool_init(struct string_pool *pool)
{
    memset(pool, 0, sizeof(*pool));
}

void string_pool_free(struct string_pool *pool)
{
    struct string_pool_block *block = pool->blocks;

    while (block) {
        struct string_pool_block *next = block->next;

        free(block);
        block = next;
    }
    free(pool->slots);
    memset(pool, 0, sizeof(*pool));
}

/* Returns size bytes of the pool, in a new block when the newest one is
 * full. A string longer than a block gets a block of its own. */
static char *allocate(struct string_pool *pool, size_t size)
{
    if (size > pool->free_left) {
        size_t data_size = size > BLOCK_SIZE ? size : BLOCK_SIZE;
        struct string_pool_block *block = malloc(sizeof(*block) + data_size);

        if (!block)
            return NULL;
        block->next = pool->blocks;
        pool->blocks = block;
        pool->free_at = block->data;
        pool->free_left = data_size;
    }

    char *out = pool->free_at;
    pool->free_at += size;
    pool->free_left -= size;
    return out;
}

const char *string_pool_copy(struct string_pool *pool, const char *text)
{
    if (!text)
        return NULL;

    size_t size = strlen(text) + 1;
    char *copy = allocate(pool, size);
    if (copy)
        memcpy(copy, text, size);
    return copy;
}

/* FNV-1a. */
static size_t hash_text(const char *text)
{
    uint64_t hash = 14695981039346656037ULL;

    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        hash = (hash ^ *p) * 1099511628211ULL;
    return (size_t)hash;
}

static size_t find_slot(const struct string_pool *pool, const char *text)
{
    size_t mask = pool->slots_count - 1;
    size_t slot = hash_text(text) & mask;

    while (pool->slots[slot] && strcmp(pool->slots[slot], text) != 0)
        slot = (slot + 1) & mask;
    return slot;
}

/* Doubles the set. Returns 0, or -1 when memory runs out. */
static int grow(struct string_pool *pool)
{
    size_t count = pool->slots_count ? pool->slots_count * 2 : 64;
    const char **old = pool->slots;
    size_t old_count = pool->slots_count;

    pool->slots = calloc(count, sizeof(*pool->slots));
    if (!pool->slots) {
        pool->slots = old;
        return -1;
    }
    pool->slots_count = count;
    for (size_t i = 0; i < old_count; i++) {
        if (old[i])
            pool->slots[find_slot(pool, old[i])] = old[i];
    }
    free(old);
    return 0;
}

const char *string_pool_intern(struct string_pool *pool, const char *text)
{
    if (!text)
        return NULL;
    if (2 * (pool->interned_count + 1) > pool->slots_count && grow(pool) != 0)
        return NULL;

    size_t slot = find_slot(pool, text);
    if (pool->slots[slot])
        return pool->slots[slot];

    const char *copy = string_pool_copy(pool, text);
    if (copy) {
        pool->slots[slot] = copy;
        pool->interned_count++;
    }
    return copy;
}
