/*
 * Fuzz target: the raw HTTP request parser of schemareg-sigv4 and the
 * SigV4 canonicaliser. The input is a request in the SigV4 test suite's
 * request.txt format; when it parses, its canonical request, string to
 * sign and Authorization header are computed with fixed credentials.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http_request.h"
#include "sigv4.h"

/* The AWS SigV4 test suite's example credentials; not a real key. */
static const struct sigv4_credentials test_credentials = {
    .access_key_id = "AKIDEXAMPLE",
    .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    .session_token = NULL,
};

static struct sigv4_signer *signer;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (signer == NULL)
        signer = sigv4_signer_new();
    if (signer == NULL)
        return 0;

    struct http_request parsed;
    memset(&parsed, 0, sizeof(parsed));
    char err[512];
    if (http_request_parse((const char *)data, size, &parsed, err, sizeof(err)) != 0)
        goto cleanup;

    struct sigv4_request request = {
        .method = parsed.method,
        .path = parsed.path,
        .query = parsed.query,
        .headers = parsed.headers,
        .headers_count = parsed.headers_count,
        .body = parsed.body,
        .body_len = parsed.body_len,
    };
    /* The flags vary with the input length so every mode gets exercised. */
    struct sigv4_params params = {
        .region = "us-east-1",
        .service = "service",
        .time = 1440938160, /* 2015-08-30T12:36:00Z, as in the test suite */
        .flags = (uint32_t)(size % 16),
    };

    enum sigv4_mode mode = (size / 16) % 2 ? SIGV4_MODE_QUERY : SIGV4_MODE_HEADER;

    static char out[65536];
    (void)sigv4_canonical_request(signer, &test_credentials, &params, mode,
                                  &request, out, sizeof(out), err, sizeof(err));
    (void)sigv4_string_to_sign(signer, &test_credentials, &params, mode,
                               &request, out, sizeof(out), err, sizeof(err));
    struct sigv4_signed_headers signed_headers;
    (void)sigv4_sign_headers(signer, &test_credentials, &params, &request, &signed_headers,
                             err, sizeof(err));
    (void)sigv4_presign(signer, &test_credentials, &params, &request, out, sizeof(out),
                        err, sizeof(err));

cleanup:
    http_request_free(&parsed);
    return 0;
}
