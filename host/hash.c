#include "hash.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

int hash_ctx_init(struct hash_ctx *ctx)
{
    *ctx = (struct hash_ctx){0};

    ctx->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    ctx->md_ctx = EVP_MD_CTX_new();
    ctx->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!ctx->sha256 || !ctx->md_ctx || !ctx->hmac)
        goto fail;

    ctx->mac_ctx = EVP_MAC_CTX_new(ctx->hmac);
    if (!ctx->mac_ctx)
        goto fail;

    /* The digest is set once here; EVP_MAC_init then only replaces the key. */
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    if (!EVP_MAC_CTX_set_params(ctx->mac_ctx, params))
        goto fail;
    return 0;

fail:
    hash_ctx_free(ctx);
    return -1;
}

void hash_ctx_free(struct hash_ctx *ctx)
{
    EVP_MAC_CTX_free(ctx->mac_ctx);
    EVP_MAC_free(ctx->hmac);
    EVP_MD_CTX_free(ctx->md_ctx);
    EVP_MD_free(ctx->sha256);
    *ctx = (struct hash_ctx){0};
}

int hash_sha256_begin(struct hash_ctx *ctx)
{
    return EVP_DigestInit_ex2(ctx->md_ctx, ctx->sha256, NULL) ? 0 : -1;
}

int hash_sha256_update(struct hash_ctx *ctx, const void *data, size_t len)
{
    return EVP_DigestUpdate(ctx->md_ctx, data, len) ? 0 : -1;
}

int hash_sha256_end(struct hash_ctx *ctx, unsigned char out[HASH_SHA256_LEN])
{
    unsigned int out_len = 0;

    if (!EVP_DigestFinal_ex(ctx->md_ctx, out, &out_len) || out_len != HASH_SHA256_LEN)
        return -1;
    return 0;
}

int hash_sha256(struct hash_ctx *ctx, const void *data, size_t len,
                unsigned char out[HASH_SHA256_LEN])
{
    if (hash_sha256_begin(ctx) < 0 || hash_sha256_update(ctx, data, len) < 0)
        return -1;
    return hash_sha256_end(ctx, out);
}

int hash_hmac_sha256(struct hash_ctx *ctx, const void *key, size_t key_len,
                     const void *data, size_t len,
                     unsigned char out[HASH_SHA256_LEN])
{
    size_t out_len = 0;

    if (!EVP_MAC_init(ctx->mac_ctx, key, key_len, NULL))
        return -1;
    if (!EVP_MAC_update(ctx->mac_ctx, data, len))
        return -1;
    if (!EVP_MAC_final(ctx->mac_ctx, out, &out_len, HASH_SHA256_LEN) ||
        out_len != HASH_SHA256_LEN)
        return -1;
    return 0;
}

int hash_block_cache_init(struct hash_block_cache *cache)
{
    *cache = (struct hash_block_cache){0};
    cache->state = EVP_MD_CTX_new();
    return cache->state ? 0 : -1;
}

void hash_block_cache_free(struct hash_block_cache *cache)
{
    EVP_MD_CTX_free(cache->state);
    OPENSSL_cleanse(cache->block, sizeof(cache->block));
    *cache = (struct hash_block_cache){0};
}

int hash_sha256_cached(struct hash_ctx *ctx, struct hash_block_cache *cache,
                       const void *data, size_t len, unsigned char out[HASH_SHA256_LEN])
{
    if (len < HASH_SHA256_BLOCK_LEN)
        return hash_sha256(ctx, data, len, out);

    if (!cache->valid || memcmp(cache->block, data, HASH_SHA256_BLOCK_LEN) != 0) {
        cache->valid = false;
        if (!EVP_DigestInit_ex2(cache->state, ctx->sha256, NULL) ||
            !EVP_DigestUpdate(cache->state, data, HASH_SHA256_BLOCK_LEN))
            return -1;
        memcpy(cache->block, data, HASH_SHA256_BLOCK_LEN);
        cache->valid = true;
    }
    if (!EVP_MD_CTX_copy_ex(ctx->md_ctx, cache->state) ||
        !EVP_DigestUpdate(ctx->md_ctx, (const unsigned char *)data + HASH_SHA256_BLOCK_LEN,
                          len - HASH_SHA256_BLOCK_LEN))
        return -1;
    return hash_sha256_end(ctx, out);
}

int hash_hmac_key_init(struct hash_hmac_key *key)
{
    key->inner = EVP_MD_CTX_new();
    key->outer = EVP_MD_CTX_new();
    if (!key->inner || !key->outer) {
        hash_hmac_key_free(key);
        return -1;
    }
    return 0;
}

/* Starts state with the block secret XOR pad (RFC 2104). */
static int absorb_padded_key(struct hash_ctx *ctx, EVP_MD_CTX *state,
                             const unsigned char *secret, size_t secret_len,
                             unsigned char pad)
{
    unsigned char block[HASH_SHA256_BLOCK_LEN];

    memset(block, pad, sizeof(block));
    for (size_t i = 0; i < secret_len; i++)
        block[i] ^= secret[i];
    int ok = EVP_DigestInit_ex2(state, ctx->sha256, NULL) &&
             EVP_DigestUpdate(state, block, sizeof(block));
    OPENSSL_cleanse(block, sizeof(block));
    return ok ? 0 : -1;
}

int hash_hmac_key_set(struct hash_ctx *ctx, struct hash_hmac_key *key,
                      const unsigned char *secret, size_t secret_len)
{
    if (secret_len > HASH_SHA256_BLOCK_LEN ||
        absorb_padded_key(ctx, key->inner, secret, secret_len, 0x36) < 0 ||
        absorb_padded_key(ctx, key->outer, secret, secret_len, 0x5c) < 0) {
        hash_hmac_key_clear(key);
        return -1;
    }
    return 0;
}

void hash_hmac_key_clear(struct hash_hmac_key *key)
{
    /* Resetting frees the provider's digest state, which OpenSSL wipes. */
    if (key->inner)
        EVP_MD_CTX_reset(key->inner);
    if (key->outer)
        EVP_MD_CTX_reset(key->outer);
}

void hash_hmac_key_free(struct hash_hmac_key *key)
{
    EVP_MD_CTX_free(key->inner);
    EVP_MD_CTX_free(key->outer);
    *key = (struct hash_hmac_key){0};
}

int hash_hmac_sha256_start(const struct hash_hmac_key *key, EVP_MD_CTX *state,
                           const void *prefix, size_t len)
{
    if (!EVP_MD_CTX_copy_ex(state, key->inner) || !EVP_DigestUpdate(state, prefix, len)) {
        EVP_MD_CTX_reset(state);
        return -1;
    }
    return 0;
}

int hash_hmac_sha256_resume(struct hash_ctx *ctx, const struct hash_hmac_key *key,
                            const EVP_MD_CTX *state, const void *data, size_t len,
                            unsigned char out[HASH_SHA256_LEN])
{
    unsigned char inner[HASH_SHA256_LEN];
    unsigned int inner_len = 0;
    unsigned int out_len = 0;
    int rc = -1;

    if (!EVP_MD_CTX_copy_ex(ctx->md_ctx, state) ||
        !EVP_DigestUpdate(ctx->md_ctx, data, len) ||
        !EVP_DigestFinal_ex(ctx->md_ctx, inner, &inner_len) || inner_len != HASH_SHA256_LEN)
        goto cleanup;
    if (!EVP_MD_CTX_copy_ex(ctx->md_ctx, key->outer) ||
        !EVP_DigestUpdate(ctx->md_ctx, inner, sizeof(inner)) ||
        !EVP_DigestFinal_ex(ctx->md_ctx, out, &out_len) || out_len != HASH_SHA256_LEN)
        goto cleanup;
    rc = 0;

cleanup:
    OPENSSL_cleanse(inner, sizeof(inner));
    return rc;
}

int hash_hmac_sha256_keyed(struct hash_ctx *ctx, const struct hash_hmac_key *key,
                           const void *data, size_t len,
                           unsigned char out[HASH_SHA256_LEN])
{
    return hash_hmac_sha256_resume(ctx, key, key->inner, data, len, out);
}

void hash_to_hex(const unsigned char *bytes, size_t len, char *out)
{
    /* Two digits per byte value, so each byte takes one lookup. */
    static const char pairs[] =
        "000102030405060708090a0b0c0d0e0f"
        "101112131415161718191a1b1c1d1e1f"
        "202122232425262728292a2b2c2d2e2f"
        "303132333435363738393a3b3c3d3e3f"
        "404142434445464748494a4b4c4d4e4f"
        "505152535455565758595a5b5c5d5e5f"
        "606162636465666768696a6b6c6d6e6f"
        "707172737475767778797a7b7c7d7e7f"
        "808182838485868788898a8b8c8d8e8f"
        "909192939495969798999a9b9c9d9e9f"
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
        "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
        "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
        "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
        "e0e1e2e3e4e5e6e7e8e9eaebecedeeef"
        "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

    for (size_t i = 0; i < len; i++)
        memcpy(out + 2 * i, pairs + 2 * bytes[i], 2);
    out[2 * len] = '\0';
}
