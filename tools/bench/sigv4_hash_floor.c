/*
 * Measures the hashing that every SigV4 signature needs, and nothing else:
 * an estimate of the highest rate a signer that hashes through OpenSSL's
 * EVP interface can reach on this machine.
 *
 *   sigv4_hash_floor [--seconds N] BODY_BYTES CANONICAL_REQUEST_BYTES STRING_TO_SIGN_BYTES
 *
 * Per signature: SHA-256 of the body, SHA-256 of the canonical request, and
 * HMAC-SHA256 of the string to sign with the cached signing key (a copy of
 * a context keyed once, so the key's padding blocks are not hashed again).
 * Building the canonical request, formatting and hex encoding are left
 * out. Prints the rate as one JSON object.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "log.h"

#define BATCH 256
#define MAX_INPUT_BYTES 65536

struct hash_floor {
    EVP_MD *sha256;
    EVP_MD_CTX *digest;
    EVP_MAC *hmac;
    EVP_MAC_CTX *keyed; /* keyed once with the signing key */
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

static int setup(struct hash_floor *f)
{
    static unsigned char signing_key[32] = {0x5a};

    f->body = calloc(1, f->body_len);
    f->canonical_request = calloc(1, f->canonical_request_len);
    f->string_to_sign = calloc(1, f->string_to_sign_len);
    f->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    f->digest = EVP_MD_CTX_new();
    f->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    f->keyed = f->hmac != NULL ? EVP_MAC_CTX_new(f->hmac) : NULL;
    if (!f->body || !f->canonical_request || !f->string_to_sign || !f->sha256 || !f->digest ||
        !f->keyed)
        return -1;

    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    return EVP_MAC_init(f->keyed, signing_key, sizeof(signing_key), params) == 1 ? 0 : -1;
}

static void teardown(struct hash_floor *f)
{
    EVP_MAC_CTX_free(f->keyed);
    EVP_MAC_free(f->hmac);
    EVP_MD_CTX_free(f->digest);
    EVP_MD_free(f->sha256);
    free(f->body);
    free(f->canonical_request);
    free(f->string_to_sign);
}

static int sha256(struct hash_floor *f, const unsigned char *data, size_t len,
                  unsigned char out[32])
{
    unsigned int out_len;
    return EVP_DigestInit_ex(f->digest, f->sha256, NULL) == 1 &&
                   EVP_DigestUpdate(f->digest, data, len) == 1 &&
                   EVP_DigestFinal_ex(f->digest, out, &out_len) == 1
               ? 0
               : -1;
}

/* Does the hashing of one signature. Returns 0, or -1 when OpenSSL fails. */
static int hash_once(struct hash_floor *f)
{
    unsigned char out[32];
    size_t out_len;

    if (sha256(f, f->body, f->body_len, out) != 0 ||
        sha256(f, f->canonical_request, f->canonical_request_len, out) != 0)
        return -1;

    EVP_MAC_CTX *mac = EVP_MAC_CTX_dup(f->keyed);
    int ok = mac != NULL && EVP_MAC_update(mac, f->string_to_sign, f->string_to_sign_len) == 1 &&
             EVP_MAC_final(mac, out, &out_len, sizeof(out)) == 1;
    EVP_MAC_CTX_free(mac);
    return ok ? 0 : -1;
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
        parse_size(argv[first + 2], &f.string_to_sign_len) != 0) {
        log_error("usage: sigv4_hash_floor [--seconds 0-60] BODY_BYTES "
                  "CANONICAL_REQUEST_BYTES STRING_TO_SIGN_BYTES (each 1 to %d)",
                  MAX_INPUT_BYTES);
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
