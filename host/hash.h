/*
 * SHA-256 and HMAC-SHA256 through the OpenSSL 3 EVP interfaces.
 *
 * A hash_ctx fetches the algorithms and allocates the OpenSSL contexts once,
 * so hashing in a loop allocates nothing in this module. OpenSSL 3.0 itself
 * still allocates and frees one digest state per EVP_DigestInit_ex2 and per
 * EVP_MD_CTX_copy_ex (measured on 3.0.22). A hash_ctx is not thread-safe.
 */
#ifndef SCHEMAREG_HASH_H
#define SCHEMAREG_HASH_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/types.h>

#define HASH_SHA256_LEN 32
#define HASH_SHA256_HEX_LEN 64
#define HASH_SHA256_BLOCK_LEN 64

struct hash_ctx {
    EVP_MD *sha256;
    EVP_MD_CTX *md_ctx;
    EVP_MAC *hmac;
    EVP_MAC_CTX *mac_ctx;
};

/* An HMAC-SHA256 key prepared for many messages: the SHA-256 states after
 * the key XOR ipad block and after the key XOR opad block. Copying them
 * costs less than hashing those two blocks again for every message. Both
 * states are secret; EVP_MD_CTX_reset and EVP_MD_CTX_free wipe them. */
struct hash_hmac_key {
    EVP_MD_CTX *inner;
    EVP_MD_CTX *outer;
};

/* SHA-256 for messages that often share their first block, such as the
 * canonical requests of one client to one endpoint. It keeps the state
 * after the first block of the last message and starts the next message
 * from it when that starts with the same bytes, so a repeated first block
 * is not hashed again. The kept block is wiped when the cache is freed. */
struct hash_block_cache {
    EVP_MD_CTX *state;
    unsigned char block[HASH_SHA256_BLOCK_LEN];
    bool valid;
};

/* Fetches SHA-256 and HMAC. Returns 0, or -1 when OpenSSL cannot provide
 * them (for example a FIPS provider without them loaded). */
int hash_ctx_init(struct hash_ctx *ctx);
void hash_ctx_free(struct hash_ctx *ctx);

/* Each returns 0, or -1 when OpenSSL reports an error. */
int hash_sha256_begin(struct hash_ctx *ctx);
int hash_sha256_update(struct hash_ctx *ctx, const void *data, size_t len);
int hash_sha256_end(struct hash_ctx *ctx, unsigned char out[HASH_SHA256_LEN]);
int hash_sha256(struct hash_ctx *ctx, const void *data, size_t len,
                unsigned char out[HASH_SHA256_LEN]);
int hash_hmac_sha256(struct hash_ctx *ctx, const void *key, size_t key_len,
                     const void *data, size_t len,
                     unsigned char out[HASH_SHA256_LEN]);

/* Allocates the state of cache. Returns 0, or -1 when memory runs out. */
int hash_block_cache_init(struct hash_block_cache *cache);
void hash_block_cache_free(struct hash_block_cache *cache);
/* Computes the SHA-256 of data in ctx's digest context, through cache.
 * Returns 0, or -1 when OpenSSL reports an error. */
int hash_sha256_cached(struct hash_ctx *ctx, struct hash_block_cache *cache,
                       const void *data, size_t len, unsigned char out[HASH_SHA256_LEN]);

/* Allocates the two states of key, unkeyed. Returns 0, or -1 when memory
 * runs out. */
int hash_hmac_key_init(struct hash_hmac_key *key);
/* Keys key with secret, at most HASH_SHA256_BLOCK_LEN bytes long (SigV4
 * signing keys are 32). Returns 0, or -1 when OpenSSL reports an error or
 * secret is too long, and then leaves key unkeyed. */
int hash_hmac_key_set(struct hash_ctx *ctx, struct hash_hmac_key *key,
                      const unsigned char *secret, size_t secret_len);
/* Wipes the keyed states. The key stays allocated for hash_hmac_key_set. */
void hash_hmac_key_clear(struct hash_hmac_key *key);
/* Wipes and frees both states. */
void hash_hmac_key_free(struct hash_hmac_key *key);
/* Computes HMAC-SHA256 of data with a key set by hash_hmac_key_set, in
 * ctx's digest context. Returns 0, or -1 when OpenSSL reports an error. */
int hash_hmac_sha256_keyed(struct hash_ctx *ctx, const struct hash_hmac_key *key,
                           const void *data, size_t len,
                           unsigned char out[HASH_SHA256_LEN]);
/* Starts an HMAC with key in state (an allocated EVP_MD_CTX) and absorbs
 * prefix, the start that several messages share. state is as secret as
 * the key. Returns 0, or -1 when OpenSSL reports an error. */
int hash_hmac_sha256_start(const struct hash_hmac_key *key, EVP_MD_CTX *state,
                           const void *prefix, size_t len);
/* Computes the HMAC of the prefix absorbed in state followed by data,
 * leaving state as it was, so the next message can start from it too.
 * Returns 0, or -1 when OpenSSL reports an error. */
int hash_hmac_sha256_resume(struct hash_ctx *ctx, const struct hash_hmac_key *key,
                            const EVP_MD_CTX *state, const void *data, size_t len,
                            unsigned char out[HASH_SHA256_LEN]);

/* Writes 2 * len lower-case hex digits and a NUL to out. */
void hash_to_hex(const unsigned char *bytes, size_t len, char *out);

#endif
