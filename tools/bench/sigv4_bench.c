/*
 * Measures header-mode SigV4 signatures per second for a typical DynamoDB
 * PutItem request with temporary credentials, with the signing key cached
 * as in a long provisioning run.
 *
 * Usage: sigv4_bench [ITERATIONS]   (default 200000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sigv4.h"

static const char put_item_body[] =
    "{\"TableName\":\"ACME-orders\",\"Item\":{\"pk\":{\"S\":\"order#2024-05-01#000123\"},"
    "\"sk\":{\"S\":\"line#0001\"},\"product\":{\"S\":\"widget-deluxe\"},"
    "\"quantity\":{\"N\":\"3\"},\"price\":{\"N\":\"19.99\"},\"currency\":{\"S\":\"EUR\"},"
    "\"ttl\":{\"N\":\"1735689600\"}},\"ConditionExpression\":\"attribute_not_exists(pk)\"}";

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
    long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
    if (iterations <= 0) {
        fprintf(stderr, "usage: sigv4_bench [ITERATIONS]\n");
        return 2;
    }

    char content_length[16];
    snprintf(content_length, sizeof(content_length), "%zu", strlen(put_item_body));
    const struct sigv4_header headers[] = {
        {"Host", "dynamodb.eu-west-1.amazonaws.com"},
        {"Content-Type", "application/x-amz-json-1.0"},
        {"X-Amz-Target", "DynamoDB_20120810.PutItem"},
        {"Content-Length", content_length},
        {"User-Agent", "schemareg/0.1.0"},
    };
    const struct sigv4_request request = {
        .method = "POST", .path = "/", .query = NULL,
        .headers = headers, .headers_count = sizeof(headers) / sizeof(headers[0]),
        .body = put_item_body, .body_len = strlen(put_item_body),
    };
    /* As long as the STS token of the AWS test suite's post-sts cases. */
    char token[337];
    memset(token, 'T', sizeof(token) - 1);
    token[sizeof(token) - 1] = '\0';
    const struct sigv4_credentials creds = {
        "ASIAEXAMPLEEXAMPLE12", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token,
    };
    struct sigv4_params params = {
        .region = "eu-west-1", .service = "dynamodb", .time = time(NULL),
    };

    struct sigv4_signer *signer = sigv4_signer_new();
    if (!signer) {
        fprintf(stderr, "sigv4_bench: cannot create a signer\n");
        return 1;
    }

    struct sigv4_signed_headers out;
    char err[256];
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < iterations; i++) {
        if (sigv4_sign_headers(signer, &creds, &params, &request, &out, err, sizeof(err)) < 0) {
            fprintf(stderr, "sigv4_bench: signing failed: %s\n", err);
            sigv4_signer_free(signer);
            return 1;
        }
    }
    double elapsed = seconds_since(&start);

    printf("%ld PutItem signatures in %.3f s: %.0f per second, %.2f us each, "
           "%lu signing-key derivations\n",
           iterations, elapsed, (double)iterations / elapsed, elapsed * 1e6 / (double)iterations,
           sigv4_signer_key_derivations(signer));
    sigv4_signer_free(signer);
    return 0;
}
