#include "hash.h"

#include <openssl/core_names.h>
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

void hash_to_hex(const unsigned char *bytes, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0x0f];
    }
    out[2 * len] = '\0';
}
