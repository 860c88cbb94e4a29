/* SigV4 signing: the string to sign, the signing-key cache and the outputs
 * of header and query (presigned URL) signing. */
#include "sigv4.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

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

struct sigv4_signer {
    struct hash_ctx hash;
    struct sigv4_scratch scratch;
    struct sigv4_buf canonical;
    struct sigv4_buf signed_headers;
    char string_to_sign[sizeof(ALGORITHM) + 17 + SCOPE_MAX + HASH_SHA256_HEX_LEN + 4];

    /* The signing key of the last request and what it was derived from.
     * Credentials are compared through a SHA-256 digest of the access key
     * and the secret, so the signer keeps no copy of the secret. */
    bool key_valid;
    unsigned char key[HASH_SHA256_LEN];
    unsigned char key_credentials[HASH_SHA256_LEN];
    char key_date[9];
    char key_region[MAX_SCOPE_PART_LEN + 1];
    char key_service[MAX_SCOPE_PART_LEN + 1];
    unsigned long key_derivations;
};

/* Values of one signing operation. */
struct signing {
    char amz_date[17];
    char date[9];
    char scope[SCOPE_MAX];
    char credential[MAX_ACCESS_KEY_LEN + 1 + SCOPE_MAX];
    char payload_hash[HASH_SHA256_HEX_LEN + 1];
    char expires[12];
    char signature[HASH_SHA256_HEX_LEN + 1];
    const char *token; /* NULL when absent */
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
    return signer;
}

static void forget_key(struct sigv4_signer *signer)
{
    OPENSSL_cleanse(signer->key, sizeof(signer->key));
    OPENSSL_cleanse(signer->key_credentials, sizeof(signer->key_credentials));
    signer->key_valid = false;
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
    size_t len = strlen(text);
    if (len == 0 || len > MAX_SCOPE_PART_LEN)
        return false;
    for (const char *p = text; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok)
            return false;
    }
    return true;
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

static int check_credentials(const struct sigv4_credentials *creds, char *err, size_t err_len)
{
    if (!creds || !creds->access_key_id || creds->access_key_id[0] == '\0') {
        snprintf(err, err_len, "missing access key id");
        return -1;
    }
    size_t key_len = strlen(creds->access_key_id);
    if (key_len > MAX_ACCESS_KEY_LEN) {
        snprintf(err, err_len, "access key id is %zu characters long; the maximum is %d",
                 key_len, MAX_ACCESS_KEY_LEN);
        return -1;
    }
    for (const char *p = creds->access_key_id; *p; p++) {
        if (*p <= ' ' || *p == '/' || *p == 0x7f) {
            snprintf(err, err_len,
                     "access key id contains a space, '/' or a control character");
            return -1;
        }
    }
    if (!creds->secret_access_key || creds->secret_access_key[0] == '\0') {
        snprintf(err, err_len, "missing secret access key");
        return -1;
    }
    if (strlen(creds->secret_access_key) > MAX_SECRET_KEY_LEN) {
        snprintf(err, err_len, "secret access key is longer than %d bytes",
                 MAX_SECRET_KEY_LEN);
        return -1;
    }
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

static int format_times(time_t time, struct signing *s, char *err, size_t err_len)
{
    struct tm tm;

    /* X-Amz-Date needs a four-digit year. */
    if (!gmtime_r(&time, &tm) || tm.tm_year < 1970 - 1900 || tm.tm_year > 9999 - 1900) {
        snprintf(err, err_len, "signing time %lld is outside the years 1970 to 9999",
                 (long long)time);
        return -1;
    }
    strftime(s->amz_date, sizeof(s->amz_date), "%Y%m%dT%H%M%SZ", &tm);
    memcpy(s->date, s->amz_date, 8);
    s->date[8] = '\0';
    return 0;
}

/* Fills the per-request values that do not depend on the canonical request. */
static int prepare_signing(struct sigv4_signer *signer,
                           const struct sigv4_credentials *creds,
                           const struct sigv4_params *params,
                           const struct sigv4_request *request,
                           struct signing *s, char *err, size_t err_len)
{
    if (format_times(params->time, s, err, err_len) < 0)
        return -1;
    snprintf(s->scope, sizeof(s->scope), "%s/%s/%s/" SCOPE_TERMINATOR,
             s->date, params->region, params->service);
    snprintf(s->credential, sizeof(s->credential), "%s/%s", creds->access_key_id, s->scope);
    snprintf(s->expires, sizeof(s->expires), "%u", params->expires);

    s->token = creds->session_token && creds->session_token[0] ? creds->session_token : NULL;

    if (params->flags & SIGV4_UNSIGNED_PAYLOAD) {
        snprintf(s->payload_hash, sizeof(s->payload_hash), UNSIGNED_PAYLOAD);
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
    static const char *const reserved[] = {
        "authorization", "x-amz-date", "x-amz-security-token", NULL,
    };
    static const char *const reserved_with_body_hash[] = {
        "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", NULL,
    };
    struct sigv4_header extra[3];
    size_t extra_count = 0;
    bool sign_body = mode == SIGV4_MODE_HEADER && (params->flags & SIGV4_SIGN_BODY);

    if (mode == SIGV4_MODE_HEADER) {
        extra[extra_count++] = (struct sigv4_header){"x-amz-date", s->amz_date};
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
                                 extra, extra_count,
                                 sign_body ? reserved_with_body_hash : reserved,
                                 err, err_len);
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
        extra[extra_count++] = (struct sigv4_header){"X-Amz-Credential", s->credential};
        extra[extra_count++] = (struct sigv4_header){"X-Amz-Date", s->amz_date};
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

static int digest_credentials(struct sigv4_signer *signer,
                              const struct sigv4_credentials *creds,
                              unsigned char out[HASH_SHA256_LEN])
{
    const char *access_key = creds->access_key_id;
    const char *secret = creds->secret_access_key;

    if (hash_sha256_begin(&signer->hash) < 0 ||
        hash_sha256_update(&signer->hash, access_key, strlen(access_key) + 1) < 0 ||
        hash_sha256_update(&signer->hash, secret, strlen(secret)) < 0)
        return -1;
    return hash_sha256_end(&signer->hash, out);
}

/* Derives HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request") into signer->key. */
static int derive_key(struct sigv4_signer *signer, const struct sigv4_credentials *creds,
                      const struct signing *s, const struct sigv4_params *params)
{
    unsigned char secret[4 + MAX_SECRET_KEY_LEN];
    unsigned char key[HASH_SHA256_LEN];
    size_t secret_len = strlen(creds->secret_access_key);
    struct hash_ctx *hash = &signer->hash;
    int rc = -1;

    memcpy(secret, "AWS4", 4);
    memcpy(secret + 4, creds->secret_access_key, secret_len);
    if (hash_hmac_sha256(hash, secret, 4 + secret_len, s->date, 8, key) < 0 ||
        hash_hmac_sha256(hash, key, sizeof(key), params->region,
                         strlen(params->region), key) < 0 ||
        hash_hmac_sha256(hash, key, sizeof(key), params->service,
                         strlen(params->service), key) < 0 ||
        hash_hmac_sha256(hash, key, sizeof(key), SCOPE_TERMINATOR,
                         strlen(SCOPE_TERMINATOR), signer->key) < 0)
        goto cleanup;
    rc = 0;

cleanup:
    OPENSSL_cleanse(secret, sizeof(secret));
    OPENSSL_cleanse(key, sizeof(key));
    return rc;
}

/* Makes signer->key the signing key for these credentials, date, region and
 * service, reusing the cached one when none of them changed. */
static int update_signing_key(struct sigv4_signer *signer,
                              const struct sigv4_credentials *creds,
                              const struct sigv4_params *params, const struct signing *s,
                              char *err, size_t err_len)
{
    unsigned char credentials[HASH_SHA256_LEN];
    int rc = -1;

    if (digest_credentials(signer, creds, credentials) < 0)
        goto fail;
    if (signer->key_valid &&
        CRYPTO_memcmp(credentials, signer->key_credentials, sizeof(credentials)) == 0 &&
        strcmp(signer->key_date, s->date) == 0 &&
        strcmp(signer->key_region, params->region) == 0 &&
        strcmp(signer->key_service, params->service) == 0) {
        rc = 0;
        goto cleanup;
    }

    forget_key(signer);
    if (derive_key(signer, creds, s, params) < 0)
        goto fail;
    memcpy(signer->key_credentials, credentials, sizeof(credentials));
    snprintf(signer->key_date, sizeof(signer->key_date), "%s", s->date);
    snprintf(signer->key_region, sizeof(signer->key_region), "%s", params->region);
    snprintf(signer->key_service, sizeof(signer->key_service), "%s", params->service);
    signer->key_valid = true;
    signer->key_derivations++;
    rc = 0;
    goto cleanup;

fail:
    forget_key(signer);
    snprintf(err, err_len, "deriving the signing key failed in OpenSSL");
cleanup:
    OPENSSL_cleanse(credentials, sizeof(credentials));
    return rc;
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
    char digest_hex[HASH_SHA256_HEX_LEN + 1];

    if (!signer || !params || !request) {
        snprintf(err, err_len, "missing signer, parameters or request");
        return -1;
    }
    if (check_credentials(creds, err, err_len) < 0 ||
        check_params(params, mode, err, err_len) < 0 ||
        prepare_signing(signer, creds, params, request, s, err, err_len) < 0 ||
        build_canonical_request(signer, params, mode, request, s, err, err_len) < 0)
        return -1;

    if (hash_sha256(&signer->hash, signer->canonical.data, signer->canonical.len, digest) < 0) {
        snprintf(err, err_len, "SHA-256 of the canonical request failed in OpenSSL");
        return -1;
    }
    hash_to_hex(digest, sizeof(digest), digest_hex);
    snprintf(signer->string_to_sign, sizeof(signer->string_to_sign),
             ALGORITHM "\n%s\n%s\n%s", s->amz_date, s->scope, digest_hex);

    if (update_signing_key(signer, creds, params, s, err, err_len) < 0)
        return -1;
    if (hash_hmac_sha256(&signer->hash, signer->key, sizeof(signer->key),
                         signer->string_to_sign, strlen(signer->string_to_sign), digest) < 0) {
        snprintf(err, err_len, "HMAC of the string to sign failed in OpenSSL");
        return -1;
    }
    hash_to_hex(digest, sizeof(digest), s->signature);
    return 0;
}

int sigv4_sign_headers(struct sigv4_signer *signer,
                       const struct sigv4_credentials *creds,
                       const struct sigv4_params *params,
                       const struct sigv4_request *request,
                       struct sigv4_signed_headers *out,
                       char *err, size_t err_len)
{
    struct signing s = {0};

    if (sign(signer, creds, params, SIGV4_MODE_HEADER, request, &s, err, err_len) < 0)
        return -1;

    int len = snprintf(out->authorization, sizeof(out->authorization),
                       ALGORITHM " Credential=%s, SignedHeaders=%s, Signature=%s",
                       s.credential, signer->signed_headers.data, s.signature);
    if (len < 0 || (size_t)len >= sizeof(out->authorization)) {
        OPENSSL_cleanse(out->authorization, sizeof(out->authorization));
        snprintf(err, err_len,
                 "Authorization header would be %d bytes, over the limit of %zu; "
                 "sign fewer headers", len, sizeof(out->authorization) - 1);
        return -1;
    }
    memcpy(out->x_amz_date, s.amz_date, sizeof(out->x_amz_date));
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
    struct signing s = {0};

    if (sign(signer, creds, params, SIGV4_MODE_QUERY, request, &s, err, err_len) < 0)
        return -1;

    /* The order of the AWS SigV4 test suite; servers accept any order. */
    struct sigv4_buf *out = &signer->scratch.encoded;
    sigv4_buf_reset(out);
    if (append_param(out, "X-Amz-Algorithm", ALGORITHM, true) < 0 ||
        append_param(out, "X-Amz-Credential", s.credential, false) < 0 ||
        append_param(out, "X-Amz-Date", s.amz_date, false) < 0 ||
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
    struct signing s = {0};

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
    struct signing s = {0};
    size_t len;

    if (sign(signer, creds, params, mode, request, &s, err, err_len) < 0)
        return -1;
    len = strlen(signer->string_to_sign);
    if (!out || len >= out_len) {
        snprintf(err, err_len, "the string to sign is %zu bytes, larger than the %zu-byte buffer",
                 len, out_len);
        return -1;
    }
    memcpy(out, signer->string_to_sign, len + 1);
    return 0;
}
