/*
 * HTTP POST over one reused libcurl easy handle, so that calls share a
 * kept-alive connection. TLS peer and host verification are always on.
 */
#ifndef SCHEMAREG_HTTP_CLIENT_H
#define SCHEMAREG_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

/* The largest response body plus one: a larger body is a broken or
 * hostile server, because a DynamoDB response is at most a few megabytes
 * (BatchGetItem: 16 MB). */
#define HTTP_MAX_BODY (64u * 1024u * 1024u)

struct http_client_options {
    long connect_timeout_ms;
    long request_timeout_ms; /* the whole transfer, connection included */
    const char *ca_bundle;   /* PEM file of trusted CAs, or NULL for the system's */
};

struct http_response {
    long status;         /* 0 when no response arrived */
    char *body;          /* NUL-terminated; owned by the response */
    size_t body_len;
    size_t body_capacity;
    char date[64];       /* the Date header, or "" */
    bool has_crc32;      /* an x-amz-crc32 header was present */
    bool crc32_valid;    /* its value is a decimal number below 2^32 */
    uint32_t crc32;      /* its value when crc32_valid */
    bool body_too_large; /* the transfer stopped at HTTP_MAX_BODY */
    CURLcode curl_code;  /* CURLE_OK unless the transfer failed */
    char curl_error[CURL_ERROR_SIZE]; /* curl's reason when curl_code is set */
};

struct http_client;

struct http_client *http_client_new(const struct http_client_options *options,
                                    char *err, size_t err_len);
void http_client_free(struct http_client *client);

/* Sets the timeout of the whole transfer, connection included, for the
 * posts that follow. */
void http_client_set_timeout(struct http_client *client, long timeout_ms);

/* Sends a POST of body to url with headers and fills response, which is
 * reset first. Returns 0 when an HTTP response of any status arrived, or -1
 * when the transfer failed, with curl's reason in response->curl_error. */
int http_client_post(struct http_client *client, const char *url,
                     const struct curl_slist *headers,
                     const void *body, size_t body_len,
                     struct http_response *response);

/* Applies the settings of http_client_new (timeouts, TLS verification,
 * protocols, response callbacks) to an easy handle that a curl multi
 * handle drives. Returns 0, or -1 when libcurl rejects an option. */
int http_easy_configure(CURL *curl, const struct http_client_options *options);

/* Sets up a configured easy handle for a POST of body to url that fills
 * response, which is reset first. headers and body must stay valid until
 * the transfer ends. */
void http_easy_prepare_post(CURL *curl, const char *url, const struct curl_slist *headers,
                            const void *body, size_t body_len, struct http_response *response);

/* Completes response after the transfer of curl ended with code and adds
 * the connections it opened to *connections. Same result as
 * http_client_post: 0 when a response arrived, -1 otherwise. */
int http_easy_finish_post(CURL *curl, CURLcode code, struct http_response *response,
                          long *connections);

void http_response_init(struct http_response *response);
void http_response_free(struct http_response *response);

/* Number of connections opened since the client was created. */
long http_client_connections(const struct http_client *client);

#endif
