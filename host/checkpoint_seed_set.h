/*
 * The seed steps a capsule's checkpoints record, kept compactly for a run
 * that only asks whether each seed is done: 24 bytes per seed (a 128-bit
 * digest of the step id and the table's name) instead of a whole record.
 * 10,000 recorded seeds take under 400 KiB.
 */
#ifndef SCHEMAREG_CHECKPOINT_SEED_SET_H
#define SCHEMAREG_CHECKPOINT_SEED_SET_H

#include <stddef.h>

#define CHECKPOINT_SEED_DIGEST_LEN 16

struct checkpoint_seed_entry {
    unsigned char digest[CHECKPOINT_SEED_DIGEST_LEN]; /* the first bytes of SHA-256(step) */
    const char *table_name; /* borrowed, outlives the set; NULL marks an empty slot */
};

/* An open-addressing hash set. Not thread-safe. */
struct checkpoint_seed_set {
    struct checkpoint_seed_entry *slots;
    size_t slots_count; /* 0 or a power of two above count * 4 / 3 */
    size_t count;
};

void checkpoint_seed_set_init(struct checkpoint_seed_set *set);
void checkpoint_seed_set_free(struct checkpoint_seed_set *set);

/* Adds the seed step of table_name. Returns 0, or -1 when memory runs out
 * or hashing fails. */
int checkpoint_seed_set_add(struct checkpoint_seed_set *set, const char *step,
                            const char *table_name);

/* Returns nonzero when step is in the set. */
int checkpoint_seed_set_contains(const struct checkpoint_seed_set *set, const char *step);

/* Removes the seeds of table_name and returns how many. Should memory run
 * out, it removes every seed instead. */
size_t checkpoint_seed_set_forget_table(struct checkpoint_seed_set *set,
                                        const char *table_name);

#endif
