/*
 * Measures the hashing that every SigV4 signature needs, and nothing else:
 * an estimate of the highest rate a signer that hashes through OpenSSL's
 * EVP interface can reach on this machine.
 *
 *   sigv4_hash_floor [--seconds N] BODY_BYTES CANONICAL_REQUEST_BYTES STRING_TO_SIGN_BYTES
 *
 * Per signature it does the hash steps of schemareg's signer, with the
 * same OpenSSL calls and the same states kept between signatures:
 *   - SHA-256 of the body (EVP_DigestInit_ex2 with a prefetched EVP_MD);
 *   - SHA-256 of the canonical request, starting from a copy of the state
 *     after its first block, which consecutive requests to one endpoint
 *     share;
 *   - HMAC-SHA256 of the string to sign. The inner hash starts from a copy
 *     of the state after the key's ipad block and the lines before the
 *     digest line, which change only once a second. The outer hash starts
 *     from a copy of the state after the key's opad block.
 * Building the canonical request, formatting and hex encoding are left
 * out. Prints the rate as one JSON object.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "log.h"

#define BATCH 256
#define MAX_INPUT_BYTES 65536
#define SHA256_BLOCK_BYTES 64
#define DIGEST_HEX_BYTES 64 /* the last line of the string to sign */

struct hash_floor {
    EVP_MD *sha256;
    EVP_MD_CTX *digest;
    EVP_MD_CTX *canonical_first_block; /* after the canonical request's first block */
    EVP_MD_CTX *inner_prefix;          /* after ipad and the string to sign's first lines */
    EVP_MD_CTX *outer;                 /* after opad */
    unsigned char *body, *canonical_request, *string_to_sign;
    size_t body_len, canonical_request_len, string_to_sign_len;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_size(const char *text, size_t *size)
{
    char *end;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || value == 0 || value > MAX_INPUT_BYTES)
        return -1;
    *size = value;
    return 0;
}

/* Starts state with a 32-byte signing key XOR pad, as HMAC does. */
static int absorb_key_block(struct hash_floor *f, EVP_MD_CTX *state, unsigned char pad)
{
    unsigned char block[SHA256_BLOCK_BYTES];

    memset(block, pad, sizeof(block));
    for (size_t i = 0; i < 32; i++)
        block[i] ^= 0x5a;
    return EVP_DigestInit_ex2(state, f->sha256, NULL) == 1 &&
                   EVP_DigestUpdate(state, block, sizeof(block)) == 1
               ? 0
               : -1;
}

static int setup(struct hash_floor *f)
{
    f->body = calloc(1, f->body_len);
    f->canonical_request = calloc(1, f->canonical_request_len);
    f->string_to_sign = calloc(1, f->string_to_sign_len);
    f->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    f->digest = EVP_MD_CTX_new();
    f->canonical_first_block = EVP_MD_CTX_new();
    f->inner_prefix = EVP_MD_CTX_new();
    f->outer = EVP_MD_CTX_new();
    if (!f->body || !f->canonical_request || !f->string_to_sign || !f->sha256 || !f->digest ||
        !f->canonical_first_block || !f->inner_prefix || !f->outer)
        return -1;

    size_t prefix_len = f->string_to_sign_len - DIGEST_HEX_BYTES;
    if (EVP_DigestInit_ex2(f->canonical_first_block, f->sha256, NULL) != 1 ||
        EVP_DigestUpdate(f->canonical_first_block, f->canonical_request,
                         SHA256_BLOCK_BYTES) != 1 ||
        absorb_key_block(f, f->inner_prefix, 0x36) != 0 ||
        EVP_DigestUpdate(f->inner_prefix, f->string_to_sign, prefix_len) != 1 ||
        absorb_key_block(f, f->outer, 0x5c) != 0)
        return -1;
    return 0;
}

static void teardown(struct hash_floor *f)
{
    EVP_MD_CTX_free(f->outer);
    EVP_MD_CTX_free(f->inner_prefix);
    EVP_MD_CTX_free(f->canonical_first_block);
    EVP_MD_CTX_free(f->digest);
    EVP_MD_free(f->sha256);
    free(f->body);
    free(f->canonical_request);
    free(f->string_to_sign);
}

/* Continues from start (or from a fresh SHA-256 when start is NULL) with
 * len bytes of data and writes the digest to out. */
static int finish(struct hash_floor *f, const EVP_MD_CTX *start, const unsigned char *data,
                  size_t len, unsigned char out[32])
{
    unsigned int out_len;
    int started = start != NULL ? EVP_MD_CTX_copy_ex(f->digest, start)
                                : EVP_DigestInit_ex2(f->digest, f->sha256, NULL);
    return started == 1 && EVP_DigestUpdate(f->digest, data, len) == 1 &&
                   EVP_DigestFinal_ex(f->digest, out, &out_len) == 1
               ? 0
               : -1;
}

/* Does the hashing of one signature. Returns 0, or -1 when OpenSSL fails. */
static int hash_once(struct hash_floor *f)
{
    unsigned char out[32];
    unsigned char inner[32];
    size_t digest_line = f->string_to_sign_len - DIGEST_HEX_BYTES;

    if (finish(f, NULL, f->body, f->body_len, out) != 0 ||
        finish(f, f->canonical_first_block, f->canonical_request + SHA256_BLOCK_BYTES,
               f->canonical_request_len - SHA256_BLOCK_BYTES, out) != 0 ||
        finish(f, f->inner_prefix, f->string_to_sign + digest_line, DIGEST_HEX_BYTES,
               inner) != 0 ||
        finish(f, f->outer, inner, sizeof(inner), out) != 0)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    struct hash_floor f = {0};
    double seconds = 2.0;
    int first = 1;
    int status = 1;

    if (argc > 2 && strcmp(argv[1], "--seconds") == 0) {
        seconds = strtod(argv[2], NULL);
        first = 3;
    }
    if (argc - first != 3 || seconds <= 0 || seconds > 60 ||
        parse_size(argv[first], &f.body_len) != 0 ||
        parse_size(argv[first + 1], &f.canonical_request_len) != 0 ||
        parse_size(argv[first + 2], &f.string_to_sign_len) != 0 ||
        f.canonical_request_len < SHA256_BLOCK_BYTES ||
        f.string_to_sign_len < DIGEST_HEX_BYTES) {
        log_error("usage: sigv4_hash_floor [--seconds 0-60] BODY_BYTES "
                  "CANONICAL_REQUEST_BYTES STRING_TO_SIGN_BYTES (each 1 to %d; "
                  "CANONICAL_REQUEST_BYTES and STRING_TO_SIGN_BYTES at least %d)",
                  MAX_INPUT_BYTES, SHA256_BLOCK_BYTES);
        return 2;
    }

    if (setup(&f) != 0) {
        log_error("setting up SHA-256 and HMAC in OpenSSL failed");
        goto cleanup;
    }

    long signatures = 0;
    double started = now_seconds();
    double deadline = started + seconds;
    do {
        for (int i = 0; i < BATCH; i++) {
            if (hash_once(&f) != 0) {
                log_error("hashing failed in OpenSSL");
                goto cleanup;
            }
        }
        signatures += BATCH;
    } while (now_seconds() < deadline);
    double elapsed = now_seconds() - started;

    printf("{\"signer\": \"hashing only (OpenSSL %s)\", \"signatures\": %ld, "
           "\"seconds\": %.4f, \"per_second\": %.1f}\n",
           OpenSSL_version(OPENSSL_VERSION_STRING), signatures, elapsed,
           (double)signatures / elapsed);
    status = 0;

cleanup:
    teardown(&f);
    return status;
}
