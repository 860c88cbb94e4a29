#include "checkpoint_seed_set.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

void checkpoint_seed_set_init(struct checkpoint_seed_set *set)
{
    memset(set, 0, sizeof(*set));
}

void checkpoint_seed_set_free(struct checkpoint_seed_set *set)
{
    free(set->slots);
    memset(set, 0, sizeof(*set));
}

/* A 128-bit digest: two steps that differ collide with probability 2^-128,
 * so a seed is never taken for another that is recorded. */
static int digest_of(const char *step, unsigned char out[CHECKPOINT_SEED_DIGEST_LEN])
{
    unsigned char full[EVP_MAX_MD_SIZE];
    unsigned int full_len = 0;

    if (EVP_Digest(step, strlen(step), full, &full_len, EVP_sha256(), NULL) != 1 ||
        full_len < CHECKPOINT_SEED_DIGEST_LEN)
        return -1;
    memcpy(out, full, CHECKPOINT_SEED_DIGEST_LEN);
    return 0;
}

static size_t slot_of(const unsigned char digest[CHECKPOINT_SEED_DIGEST_LEN], size_t mask)
{
    uint64_t start;

    memcpy(&start, digest, sizeof(start));
    return (size_t)start & mask;
}

static void insert(struct checkpoint_seed_entry *slots, size_t slots_count,
                   const struct checkpoint_seed_entry *entry)
{
    size_t mask = slots_count - 1;
    size_t slot = slot_of(entry->digest, mask);

    while (slots[slot].table_name)
        slot = (slot + 1) & mask;
    slots[slot] = *entry;
}

/* Rebuilds the table with slots_count slots, leaving out the entries of
 * skip_table (when not NULL). Returns 0, or -1 when memory runs out. */
static int rebuild(struct checkpoint_seed_set *set, size_t slots_count, const char *skip_table)
{
    struct checkpoint_seed_entry *slots = calloc(slots_count, sizeof(*slots));
    size_t count = 0;

    if (!slots)
        return -1;
    for (size_t i = 0; i < set->slots_count; i++) {
        const struct checkpoint_seed_entry *entry = &set->slots[i];

        if (!entry->table_name ||
            (skip_table && strcmp(entry->table_name, skip_table) == 0))
            continue;
        insert(slots, slots_count, entry);
        count++;
    }
    free(set->slots);
    set->slots = slots;
    set->slots_count = slots_count;
    set->count = count;
    return 0;
}

static long find(const struct checkpoint_seed_set *set,
                 const unsigned char digest[CHECKPOINT_SEED_DIGEST_LEN])
{
    if (set->slots_count == 0)
        return -1;

    size_t mask = set->slots_count - 1;
    for (size_t slot = slot_of(digest, mask); set->slots[slot].table_name;
         slot = (slot + 1) & mask) {
        if (memcmp(set->slots[slot].digest, digest, CHECKPOINT_SEED_DIGEST_LEN) == 0)
            return (long)slot;
    }
    return -1;
}

int checkpoint_seed_set_add(struct checkpoint_seed_set *set, const char *step,
                            const char *table_name)
{
    struct checkpoint_seed_entry entry = {.table_name = table_name};

    if (!table_name || digest_of(step, entry.digest) != 0)
        return -1;
    if (find(set, entry.digest) >= 0)
        return 0;
    /* Keep the load at most 3/4 so probes stay short. */
    if (4 * (set->count + 1) > 3 * set->slots_count) {
        size_t slots_count = set->slots_count ? set->slots_count * 2 : 256;

        if (rebuild(set, slots_count, NULL) != 0)
            return -1;
    }
    insert(set->slots, set->slots_count, &entry);
    set->count++;
    return 0;
}

int checkpoint_seed_set_contains(const struct checkpoint_seed_set *set, const char *step)
{
    unsigned char digest[CHECKPOINT_SEED_DIGEST_LEN];

    return digest_of(step, digest) == 0 && find(set, digest) >= 0;
}

size_t checkpoint_seed_set_forget_table(struct checkpoint_seed_set *set,
                                        const char *table_name)
{
    size_t before = set->count;

    if (set->slots_count == 0)
        return 0;
    /* Without memory to rebuild, forget every seed: a seed taken for not
     * done is only written again with its condition, which is safe. */
    if (rebuild(set, set->slots_count, table_name) != 0) {
        checkpoint_seed_set_free(set);
        return before;
    }
    return before - set->count;
}
