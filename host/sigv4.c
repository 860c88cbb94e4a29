/* SigV4 signing: the string to sign, the signing-key cache and the outputs
 * of header and query (presigned URL) signing. */
#include "sigv4.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hash.h"
#include "sigv4_internal.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define SCOPE_TERMINATOR "aws4_request"
#define UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

/* Limits that keep every fixed buffer below large enough. AWS access key
 * ids are at most 128 characters and secret keys 40; region and service
 * names are short lower-case words. */
#define MAX_ACCESS_KEY_LEN 128
#define MAX_SECRET_KEY_LEN 512
#define MAX_SCOPE_PART_LEN 63

#define SCOPE_MAX (9 + 2 * (MAX_SCOPE_PART_LEN + 1) + sizeof(SCOPE_TERMINATOR))

#define KNOWN_FLAGS (SIGV4_NO_NORMALIZE_PATH | SIGV4_SIGN_BODY | SIGV4_UNSIGNED_PAYLOAD | \
                     SIGV4_OMIT_SESSION_TOKEN | SIGV4_SINGLE_ENCODE_PATH)

#define AUTHORIZATION_CREDENTIAL ALGORITHM " Credential="
#define AUTHORIZATION_SIGNED_HEADERS ", SignedHeaders="
#define AUTHORIZATION_SIGNATURE ", Signature="

/* The signing key of the last request, what it was derived from, and the
 * strings that depend only on those. The access key id and the secret are
 * copied to detect a change by comparing bytes, which costs less than
 * hashing them for every request. forget_key wipes the whole struct. */
struct key_cache {
    bool valid;
    char access_key[MAX_ACCESS_KEY_LEN];
    size_t access_key_len;
    char secret[MAX_SECRET_KEY_LEN];
    size_t secret_len;
    char date[8];
    char region[MAX_SCOPE_PART_LEN + 1];
    char service[MAX_SCOPE_PART_LEN + 1];
    char scope[SCOPE_MAX]; /* 20150830/us-east-1/dynamodb/aws4_request */
    size_t scope_len;
    char credential[MAX_ACCESS_KEY_LEN + 1 + SCOPE_MAX]; /* access key id, '/', scope */
    size_t credential_len;
};

struct sigv4_signer {
    struct hash_ctx hash;
    struct hash_block_cache canonical_hash;
    struct sigv4_scratch scratch;
    struct sigv4_buf canonical;
    struct sigv4_buf signed_headers;
    char string_to_sign[sizeof(ALGORITHM) + SIGV4_AMZ_DATE_LEN + SCOPE_MAX +
                        HASH_SHA256_HEX_LEN + 4];
    size_t string_to_sign_len;

    /* X-Amz-Date of the last signing time, reused within the same second. */
    bool date_valid;
    time_t date_time;
    char amz_date[SIGV4_AMZ_DATE_LEN + 1];

    struct key_cache key;
    struct hash_hmac_key key_hmac; /* keyed with the cached signing key */
    unsigned long key_derivations;

    /* The HMAC of the string to sign after its first three lines, which
     * change only with the date and the key. Each signature then hashes
     * only the last line, the hex digest of the canonical request. */
    EVP_MD_CTX *scope_hmac;
    bool scope_hmac_valid;
};

/* Values of one signing operation. */
struct signing {
    char payload_hash[HASH_SHA256_HEX_LEN + 1];
    char expires[11];
    char signature[HASH_SHA256_HEX_LEN + 1];
    const char *token; /* NULL when absent */
    size_t access_key_len;
    size_t secret_len;
};

struct sigv4_signer *sigv4_signer_new(void)
{
    struct sigv4_signer *signer = calloc(1, sizeof(*signer));
    if (!signer)
        return NULL;
    if (hash_ctx_init(&signer->hash) < 0) {
        free(signer);
        return NULL;
    }
    signer->scope_hmac = EVP_MD_CTX_new();
    if (!signer->scope_hmac || hash_hmac_key_init(&signer->key_hmac) < 0 ||
        hash_block_cache_init(&signer->canonical_hash) < 0) {
        EVP_MD_CTX_free(signer->scope_hmac);
        hash_hmac_key_free(&signer->key_hmac);
        hash_block_cache_free(&signer->canonical_hash);
        hash_ctx_free(&signer->hash);
        free(signer);
        return NULL;
    }
    return signer;
}

/* Wipes the signing key and every state and string derived from it. */
static void forget_key(struct sigv4_signer *signer)
{
    EVP_MD_CTX_reset(signer->scope_hmac);
    signer->scope_hmac_valid = false;
    hash_hmac_key_clear(&signer->key_hmac);
    OPENSSL_cleanse(&signer->key, sizeof(signer->key));
    signer->key.valid = false;
}

void sigv4_signer_free(struct sigv4_signer *signer)
{
    if (!signer)
        return;
    forget_key(signer);
    OPENSSL_cleanse(signer->string_to_sign, sizeof(signer->string_to_sign));
    sigv4_buf_free(&signer->canonical);
    sigv4_buf_free(&signer->signed_headers);
    sigv4_scratch_free(&signer->scratch);
    hash_hmac_key_free(&signer->key_hmac);
    EVP_MD_CTX_free(signer->scope_hmac);
    hash_block_cache_free(&signer->canonical_hash);
    hash_ctx_free(&signer->hash);
    free(signer);
}

unsigned long sigv4_signer_key_derivations(const struct sigv4_signer *signer)
{
    return signer->key_derivations;
}

int sigv4_format_host(const char *scheme, const char *host, unsigned port,
                      char *out, size_t out_len)
{
    bool default_port = port == 0 ||
                        (port == 80 && strcmp(scheme, "http") == 0) ||
                        (port == 443 && strcmp(scheme, "https") == 0);
    int len = default_port ? snprintf(out, out_len, "%s", host)
                           : snprintf(out, out_len, "%s:%u", host, port);
    return len < 0 || (size_t)len >= out_len ? -1 : 0;
}

static bool is_scope_part(const char *text)
{
    const char *p = text;
    for (; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok)
            return false;
    }
    size_t len = (size_t)(p - text);
    return len > 0 && len <= MAX_SCOPE_PART_LEN;
}

static bool is_method(const char *method)
{
    if (!method || method[0] == '\0')
        return false;
    for (const char *p = method; *p; p++) {
        if (*p < 'A' || *p > 'Z')
            return false;
    }
    return true;
}

/* Checks the credentials and stores the lengths of the access key id and
 * the secret in s. */
static int check_credentials(const struct sigv4_credentials *creds, struct signing *s,
                             char *err, size_t err_len)
{
    if (!creds || !creds->access_key_id || creds->access_key_id[0] == '\0') {
        snprintf(err, err_len, "missing access key id");
        return -1;
    }
    const char *p = creds->access_key_id;
    for (; *p; p++) {
        if (*p <= ' ' || *p == '/' || *p == 0x7f) {
            snprintf(err, err_len,
                     "access key id contains a space, '/' or a control character");
            return -1;
        }
    }
    s->access_key_len = (size_t)(p - creds->access_key_id);
    if (s->access_key_len > MAX_ACCESS_KEY_LEN) {
        snprintf(err, err_len, "access key id is %zu characters long; the maximum is %d",
                 s->access_key_len, MAX_ACCESS_KEY_LEN);
        return -1;
    }
    if (!creds->secret_access_key || creds->secret_access_key[0] == '\0') {
        snprintf(err, err_len, "missing secret access key");
        return -1;
    }
    s->secret_len = strlen(creds->secret_access_key);
    if (s->secret_len > MAX_SECRET_KEY_LEN) {
        snprintf(err, err_len, "secret access key is longer than %d bytes",
                 MAX_SECRET_KEY_LEN);
        return -1;
    }
    s->token = creds->session_token && creds->session_token[0] ? creds->session_token : NULL;
    return 0;
}

static int check_params(const struct sigv4_params *params, enum sigv4_mode mode,
                        char *err, size_t err_len)
{
    if (!params->region || !is_scope_part(params->region)) {
        snprintf(err, err_len,
                 "invalid region \"%.64s\": expected 1 to %d letters, digits, '-', '_' or '.'",
                 params->region ? params->region : "", MAX_SCOPE_PART_LEN);
        return -1;
    }
    if (!params->service || !is_scope_part(params->service)) {
        snprintf(err, err_len,
                 "invalid service \"%.64s\": expected 1 to %d letters, digits, '-', '_' or '.'",
                 params->service ? params->service : "", MAX_SCOPE_PART_LEN);
        return -1;
    }
    if (params->flags & ~KNOWN_FLAGS) {
        snprintf(err, err_len, "unknown signing flags 0x%x", params->flags & ~KNOWN_FLAGS);
        return -1;
    }
    if (mode == SIGV4_MODE_QUERY &&
        (params->expires == 0 || params->expires > SIGV4_MAX_EXPIRES)) {
        snprintf(err, err_len, "invalid expiry %u seconds: expected 1 to %u",
                 params->expires, SIGV4_MAX_EXPIRES);
        return -1;
    }
    return 0;
}

/* Makes signer->amz_date the X-Amz-Date of time, formatting it only when
 * the second changed. */
static int update_date(struct sigv4_signer *signer, time_t time, char *err, size_t err_len)
{
    if (signer->date_valid && signer->date_time == time)
        return 0;

    signer->date_valid = false;
    signer->scope_hmac_valid = false;
    if (sigv4_format_amz_date(time, signer->amz_date) < 0) {
        snprintf(err, err_len, "signing time %lld is outside the years 1970 to 9999",
                 (long long)time);
        return -1;
    }
    signer->date_time = time;
    signer->date_valid = true;
    return 0;
}

/* Writes value in decimal and a NUL to out, which has room for 11 bytes. */
static void format_decimal(uint32_t value, char out[11])
{
    char digits[10];
    size_t count = 0;

    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0);
    for (size_t i = 0; i < count; i++)
        out[i] = digits[count - 1 - i];
    out[count] = '\0';
}

/* Fills the per-request values that do not depend on the canonical request. */
static int prepare_signing(struct sigv4_signer *signer, const struct sigv4_params *params,
                           enum sigv4_mode mode, const struct sigv4_request *request,
                           struct signing *s, char *err, size_t err_len)
{
    if (mode == SIGV4_MODE_QUERY)
        format_decimal(params->expires, s->expires);

    if (params->flags & SIGV4_UNSIGNED_PAYLOAD) {
        memcpy(s->payload_hash, UNSIGNED_PAYLOAD, sizeof(UNSIGNED_PAYLOAD));
        return 0;
    }
    unsigned char digest[HASH_SHA256_LEN];
    const void *body = request->body ? request->body : "";
    if (hash_sha256(&signer->hash, body, request->body ? request->body_len : 0, digest) < 0) {
        snprintf(err, err_len, "SHA-256 of the request body failed in OpenSSL");
        return -1;
    }
    hash_to_hex(digest, sizeof(digest), s->payload_hash);
    return 0;
}

/* Collects the signed headers: the request's own plus, in header mode, the
 * ones the signer adds. */
static int collect_headers(struct sigv4_signer *signer, const struct sigv4_params *params,
                           enum sigv4_mode mode, const struct sigv4_request *request,
                           const struct signing *s, char *err, size_t err_len)
{
    /* The last name is reserved only when the signer adds it. */
    static const struct sigv4_name reserved[] = {
        SIGV4_NAME("authorization"),
        SIGV4_NAME("x-amz-date"),
        SIGV4_NAME("x-amz-security-token"),
        SIGV4_NAME("x-amz-content-sha256"),
    };
    struct sigv4_header extra[3];
    size_t extra_count = 0;
    bool sign_body = mode == SIGV4_MODE_HEADER && (params->flags & SIGV4_SIGN_BODY);

    if (mode == SIGV4_MODE_HEADER) {
        extra[extra_count++] = (struct sigv4_header){"x-amz-date", signer->amz_date};
        if (s->token && !(params->flags & SIGV4_OMIT_SESSION_TOKEN))
            extra[extra_count++] = (struct sigv4_header){"x-amz-security-token", s->token};
        if (sign_body)
            extra[extra_count++] = (struct sigv4_header){"x-amz-content-sha256", s->payload_hash};
    }
    if (request->headers_count > 0 && !request->headers) {
        snprintf(err, err_len, "request has %zu headers but no header array",
                 request->headers_count);
        return -1;
    }
    return sigv4_collect_headers(&signer->scratch, request->headers, request->headers_count,
                                 extra, extra_count, reserved,
                                 sign_body ? 4 : 3, err, err_len);
}

/* Appends the canonical query, with the X-Amz-* parameters in query mode. */
static int append_query(struct sigv4_signer *signer, const struct sigv4_params *params,
                        enum sigv4_mode mode, const struct sigv4_request *request,
                        const struct signing *s, char *err, size_t err_len)
{
    struct sigv4_header extra[6];
    size_t extra_count = 0;

    if (mode == SIGV4_MODE_QUERY) {
        extra[extra_count++] = (struct sigv4_header){"X-Amz-Algorithm", ALGORITHM};
        extra[extra_count++] = (struct sigv4_header){"X-Amz-Credential", signer->key.credential};
        extra[extra_count++] = (struct sigv4_header){"X-Amz-Date", signer->amz_date};
        extra[extra_count++] = (struct sigv4_header){"X-Amz-Expires", s->expires};
        if (s->token && !(params->flags & SIGV4_OMIT_SESSION_TOKEN))
            extra[extra_count++] = (struct sigv4_header){"X-Amz-Security-Token", s->token};
        extra[extra_count++] =
            (struct sigv4_header){"X-Amz-SignedHeaders", signer->signed_headers.data};
    }
    return sigv4_append_canonical_query(&signer->scratch, &signer->canonical, request->query,
                                        extra, extra_count, err, err_len);
}

/* Builds the canonical request in signer->canonical:
 * method, URI, query, headers, signed header names and payload hash. */
static int build_canonical_request(struct sigv4_signer *signer,
                                   const struct sigv4_params *params, enum sigv4_mode mode,
                                   const struct sigv4_request *request,
                                   const struct signing *s, char *err, size_t err_len)
{
    struct sigv4_buf *out = &signer->canonical;

    if (!is_method(request->method)) {
        snprintf(err, err_len, "invalid method \"%.32s\": expected upper-case letters",
                 request->method ? request->method : "");
        return -1;
    }
    if (collect_headers(signer, params, mode, request, s, err, err_len) < 0)
        return -1;

    sigv4_buf_reset(&signer->signed_headers);
    sigv4_buf_reset(out);
    if (sigv4_append_signed_headers(&signer->scratch, &signer->signed_headers) < 0 ||
        sigv4_buf_append_str(out, request->method) < 0 ||
        sigv4_buf_append_char(out, '\n') < 0 ||
        sigv4_append_canonical_uri(out, request->path, params->flags) < 0 ||
        sigv4_buf_append_char(out, '\n') < 0)
        goto oom;
    if (append_query(signer, params, mode, request, s, err, err_len) < 0)
        return -1;
    if (sigv4_buf_append_char(out, '\n') < 0 ||
        sigv4_append_canonical_headers(&signer->scratch, out) < 0 ||
        sigv4_buf_append_char(out, '\n') < 0 ||
        sigv4_buf_append(out, signer->signed_headers.data, signer->signed_headers.len) < 0 ||
        sigv4_buf_append_char(out, '\n') < 0 ||
        sigv4_buf_append_str(out, s->payload_hash) < 0)
        goto oom;
    return 0;

oom:
    snprintf(err, err_len, "out of memory while building the canonical request");
    return -1;
}

static char *put(char *out, const char *text, size_t len)
{
    memcpy(out, text, len);
    return out + len;
}

/* Fills the scope and credential strings of the cache from its date,
 * region, service and access key id. */
static void build_scope(struct key_cache *key)
{
    char *p = key->scope;

    p = put(p, key->date, sizeof(key->date));
    *p++ = '/';
    p = put(p, key->region, strlen(key->region));
    *p++ = '/';
    p = put(p, key->service, strlen(key->service));
    *p++ = '/';
    p = put(p, SCOPE_TERMINATOR, sizeof(SCOPE_TERMINATOR));
    key->scope_len = (size_t)(p - key->scope) - 1;

    p = put(key->credential, key->access_key, key->access_key_len);
    *p++ = '/';
    put(p, key->scope, key->scope_len + 1);
    key->credential_len = key->access_key_len + 1 + key->scope_len;
}

/* Derives HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request") and keys signer->key_hmac with it. */
static int derive_key(struct sigv4_signer *signer, const struct sigv4_credentials *creds,
                      const struct signing *s, const struct sigv4_params *params)
{
    unsigned char secret[4 + MAX_SECRET_KEY_LEN];
    unsigned char key[HASH_SHA256_LEN];
    struct hash_ctx *hash = &signer->hash;
    int rc = -1;

    memcpy(secret, "AWS4", 4);
    memcpy(secret + 4, creds->secret_access_key, s->secret_len);
    if (hash_hmac_sha256(hash, secret, 4 + s->secret_len, signer->amz_date, 8, key) < 0 ||
        hash_hmac_sha256(hash, key, sizeof(key), params->region,
                         strlen(params->region), key) < 0 ||
        hash_hmac_sha256(hash, key, sizeof(key), params->service,
                         strlen(params->service), key) < 0 ||
        hash_hmac_sha256(hash, key, sizeof(key), SCOPE_TERMINATOR,
                         strlen(SCOPE_TERMINATOR), key) < 0 ||
        hash_hmac_key_set(hash, &signer->key_hmac, key, sizeof(key)) < 0)
        goto cleanup;
    rc = 0;

cleanup:
    OPENSSL_cleanse(secret, sizeof(secret));
    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}

static bool key_matches(const struct key_cache *key, const struct sigv4_credentials *creds,
                        const struct signing *s, const char *amz_date,
                        const struct sigv4_params *params)
{
    return key->valid &&
           memcmp(key->date, amz_date, sizeof(key->date)) == 0 &&
           strcmp(key->region, params->region) == 0 &&
           strcmp(key->service, params->service) == 0 &&
           key->access_key_len == s->access_key_len &&
           memcmp(key->access_key, creds->access_key_id, s->access_key_len) == 0 &&
           key->secret_len == s->secret_len &&
           CRYPTO_memcmp(key->secret, creds->secret_access_key, s->secret_len) == 0;
}

/* Makes signer->key_hmac hold the signing key for these credentials, date,
 * region and service, reusing the cached one when none of them changed. */
static int update_signing_key(struct sigv4_signer *signer,
                              const struct sigv4_credentials *creds,
                              const struct sigv4_params *params, const struct signing *s,
                              char *err, size_t err_len)
{
    struct key_cache *key = &signer->key;

    if (key_matches(key, creds, s, signer->amz_date, params))
        return 0;

    forget_key(signer);
    if (derive_key(signer, creds, s, params) < 0) {
        forget_key(signer);
        snprintf(err, err_len, "deriving the signing key failed in OpenSSL");
        return -1;
    }
    memcpy(key->access_key, creds->access_key_id, s->access_key_len);
    key->access_key_len = s->access_key_len;
    memcpy(key->secret, creds->secret_access_key, s->secret_len);
    key->secret_len = s->secret_len;
    memcpy(key->date, signer->amz_date, sizeof(key->date));
    /* check_params limited both to MAX_SCOPE_PART_LEN characters. */
    memcpy(key->region, params->region, strlen(params->region) + 1);
    memcpy(key->service, params->service, strlen(params->service) + 1);
    build_scope(key);
    key->valid = true;
    signer->key_derivations++;
    return 0;
}

/* Writes the string to sign to signer->string_to_sign: algorithm, date,
 * scope and the hex SHA-256 of the canonical request, one per line. Starts
 * signer->scope_hmac from the first three lines when it is not valid. */
static int build_string_to_sign(struct sigv4_signer *signer, char *err, size_t err_len)
{
    unsigned char digest[HASH_SHA256_LEN];
    const struct sigv4_buf *canonical = &signer->canonical;

    if (hash_sha256_cached(&signer->hash, &signer->canonical_hash, canonical->data,
                           canonical->len, digest) < 0) {
        snprintf(err, err_len, "SHA-256 of the canonical request failed in OpenSSL");
        return -1;
    }

    char *p = put(signer->string_to_sign, ALGORITHM "\n", sizeof(ALGORITHM));
    p = put(p, signer->amz_date, SIGV4_AMZ_DATE_LEN);
    *p++ = '\n';
    p = put(p, signer->key.scope, signer->key.scope_len);
    *p++ = '\n';
    hash_to_hex(digest, sizeof(digest), p);
    signer->string_to_sign_len = (size_t)(p - signer->string_to_sign) + HASH_SHA256_HEX_LEN;

    if (!signer->scope_hmac_valid) {
        if (hash_hmac_sha256_start(&signer->key_hmac, signer->scope_hmac,
                                   signer->string_to_sign,
                                   (size_t)(p - signer->string_to_sign)) < 0) {
            snprintf(err, err_len, "HMAC of the string to sign failed in OpenSSL");
            return -1;
        }
        signer->scope_hmac_valid = true;
    }
    return 0;
}

/* Runs every signing step for mode: the canonical request ends up in
 * signer->canonical, the string to sign in signer->string_to_sign and the
 * signature in s->signature. */
static int sign(struct sigv4_signer *signer, const struct sigv4_credentials *creds,
                const struct sigv4_params *params, enum sigv4_mode mode,
                const struct sigv4_request *request, struct signing *s,
                char *err, size_t err_len)
{
    unsigned char digest[HASH_SHA256_LEN];

    if (!signer || !params || !request) {
        snprintf(err, err_len, "missing signer, parameters or request");
        return -1;
    }
    if (check_credentials(creds, s, err, err_len) < 0 ||
        check_params(params, mode, err, err_len) < 0 ||
        update_date(signer, params->time, err, err_len) < 0 ||
        update_signing_key(signer, creds, params, s, err, err_len) < 0 ||
        prepare_signing(signer, params, mode, request, s, err, err_len) < 0 ||
        build_canonical_request(signer, params, mode, request, s, err, err_len) < 0 ||
        build_string_to_sign(signer, err, err_len) < 0)
        return -1;

    /* The digest line is the last HASH_SHA256_HEX_LEN bytes. */
    const char *digest_line =
        signer->string_to_sign + signer->string_to_sign_len - HASH_SHA256_HEX_LEN;
    if (hash_hmac_sha256_resume(&signer->hash, &signer->key_hmac, signer->scope_hmac,
                                digest_line, HASH_SHA256_HEX_LEN, digest) < 0) {
        snprintf(err, err_len, "HMAC of the string to sign failed in OpenSSL");
        return -1;
    }
    hash_to_hex(digest, sizeof(digest), s->signature);
    return 0;
}

/* Writes the Authorization header value to out. Returns 0, or -1 with a
 * message in err when it does not fit. */
static int format_authorization(const struct sigv4_signer *signer, const struct signing *s,
                                struct sigv4_signed_headers *out, char *err, size_t err_len)
{
    const struct key_cache *key = &signer->key;
    const struct sigv4_buf *names = &signer->signed_headers;
    size_t len = sizeof(AUTHORIZATION_CREDENTIAL) - 1 + key->credential_len +
                 sizeof(AUTHORIZATION_SIGNED_HEADERS) - 1 + names->len +
                 sizeof(AUTHORIZATION_SIGNATURE) - 1 + HASH_SHA256_HEX_LEN;

    if (len >= sizeof(out->authorization)) {
        snprintf(err, err_len,
                 "Authorization header would be %zu bytes, over the limit of %zu; "
                 "sign fewer headers", len, sizeof(out->authorization) - 1);
        return -1;
    }
    char *p = put(out->authorization, AUTHORIZATION_CREDENTIAL,
                  sizeof(AUTHORIZATION_CREDENTIAL) - 1);
    p = put(p, key->credential, key->credential_len);
    p = put(p, AUTHORIZATION_SIGNED_HEADERS, sizeof(AUTHORIZATION_SIGNED_HEADERS) - 1);
    p = put(p, names->data, names->len);
    p = put(p, AUTHORIZATION_SIGNATURE, sizeof(AUTHORIZATION_SIGNATURE) - 1);
    put(p, s->signature, HASH_SHA256_HEX_LEN + 1);
    return 0;
}

int sigv4_sign_headers(struct sigv4_signer *signer,
                       const struct sigv4_credentials *creds,
                       const struct sigv4_params *params,
                       const struct sigv4_request *request,
                       struct sigv4_signed_headers *out,
                       char *err, size_t err_len)
{
    struct signing s;

    if (sign(signer, creds, params, SIGV4_MODE_HEADER, request, &s, err, err_len) < 0 ||
        format_authorization(signer, &s, out, err, err_len) < 0)
        return -1;
    memcpy(out->x_amz_date, signer->amz_date, sizeof(out->x_amz_date));
    memcpy(out->signature, s.signature, sizeof(out->signature));
    if (params->flags & SIGV4_SIGN_BODY)
        memcpy(out->content_sha256, s.payload_hash, sizeof(out->content_sha256));
    else
        out->content_sha256[0] = '\0';
    return 0;
}

/* Appends "&key=encoded value" (no '&' when first). */
static int append_param(struct sigv4_buf *out, const char *key, const char *value, bool first)
{
    if ((!first && sigv4_buf_append_char(out, '&') < 0) ||
        sigv4_buf_append_str(out, key) < 0 || sigv4_buf_append_char(out, '=') < 0)
        return -1;
    return sigv4_uri_encode(out, value, strlen(value), false);
}

static int copy_out(const struct sigv4_buf *text, const char *what, char *out, size_t out_len,
                    char *err, size_t err_len)
{
    if (!out || text->len >= out_len) {
        snprintf(err, err_len, "the %s is %zu bytes, larger than the %zu-byte buffer",
                 what, text->len, out_len);
        return -1;
    }
    memcpy(out, text->data, text->len + 1);
    return 0;
}

int sigv4_presign(struct sigv4_signer *signer,
                  const struct sigv4_credentials *creds,
                  const struct sigv4_params *params,
                  const struct sigv4_request *request,
                  char *query_out, size_t query_out_len,
                  char *err, size_t err_len)
{
    struct signing s;

    if (sign(signer, creds, params, SIGV4_MODE_QUERY, request, &s, err, err_len) < 0)
        return -1;

    /* The order of the AWS SigV4 test suite; servers accept any order. */
    struct sigv4_buf *out = &signer->scratch.encoded;
    sigv4_buf_reset(out);
    if (append_param(out, "X-Amz-Algorithm", ALGORITHM, true) < 0 ||
        append_param(out, "X-Amz-Credential", signer->key.credential, false) < 0 ||
        append_param(out, "X-Amz-Date", signer->amz_date, false) < 0 ||
        append_param(out, "X-Amz-SignedHeaders", signer->signed_headers.data, false) < 0 ||
        append_param(out, "X-Amz-Expires", s.expires, false) < 0 ||
        (s.token && append_param(out, "X-Amz-Security-Token", s.token, false) < 0) ||
        append_param(out, "X-Amz-Signature", s.signature, false) < 0) {
        snprintf(err, err_len, "out of memory while building the presigned query");
        return -1;
    }
    return copy_out(out, "presigned query", query_out, query_out_len, err, err_len);
}

int sigv4_canonical_request(struct sigv4_signer *signer,
                            const struct sigv4_credentials *creds,
                            const struct sigv4_params *params,
                            enum sigv4_mode mode,
                            const struct sigv4_request *request,
                            char *out, size_t out_len,
                            char *err, size_t err_len)
{
    struct signing s;

    if (sign(signer, creds, params, mode, request, &s, err, err_len) < 0)
        return -1;
    return copy_out(&signer->canonical, "canonical request", out, out_len, err, err_len);
}

int sigv4_string_to_sign(struct sigv4_signer *signer,
                         const struct sigv4_credentials *creds,
                         const struct sigv4_params *params,
                         enum sigv4_mode mode,
                         const struct sigv4_request *request,
                         char *out, size_t out_len,
                         char *err, size_t err_len)
{
    struct signing s;

    if (sign(signer, creds, params, mode, request, &s, err, err_len) < 0)
        return -1;
    size_t len = signer->string_to_sign_len;
    if (!out || len >= out_len) {
        snprintf(err, err_len, "the string to sign is %zu bytes, larger than the %zu-byte buffer",
                 len, out_len);
        return -1;
    }
    memcpy(out, signer->string_to_sign, len + 1);
    return 0;
}
