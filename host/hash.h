/*
 * SHA-256 and HMAC-SHA256 through the OpenSSL 3 EVP interfaces.
 *
 * A hash_ctx fetches the algorithms and allocates the OpenSSL contexts once,
 * so hashing in a loop allocates nothing. It is not thread-safe.
 */
#ifndef SCHEMAREG_HASH_H
#define SCHEMAREG_HASH_H

#include <stddef.h>

#include <openssl/types.h>

#define HASH_SHA256_LEN 32
#define HASH_SHA256_HEX_LEN 64

struct hash_ctx {
    EVP_MD *sha256;
    EVP_MD_CTX *md_ctx;
    EVP_MAC *hmac;
    EVP_MAC_CTX *mac_ctx;
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

/* Writes 2 * len lower-case hex digits and a NUL to out. */
void hash_to_hex(const unsigned char *bytes, size_t len, char *out);

#endif
