#include "sigv4_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

int sigv4_buf_reserve(struct sigv4_buf *buf, size_t extra)
{
    if (extra > SIZE_MAX - buf->len - 1)
        return -1;

    size_t needed = buf->len + extra + 1;
    if (needed <= buf->cap)
        return 0;

    size_t cap = buf->cap ? buf->cap : 256;
    while (cap < needed)
        cap = cap > SIZE_MAX / 2 ? needed : cap * 2;

    /* Not realloc: the old block may hold a token and must be wiped. */
    char *data = malloc(cap);
    if (!data)
        return -1;
    if (buf->data) {
        memcpy(data, buf->data, buf->len + 1);
        OPENSSL_cleanse(buf->data, buf->cap);
        free(buf->data);
    }
    buf->data = data;
    buf->cap = cap;
    return 0;
}

int sigv4_buf_append(struct sigv4_buf *buf, const void *data, size_t len)
{
    if (sigv4_buf_reserve(buf, len) < 0)
        return -1;
    if (len > 0)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
    return 0;
}

int sigv4_buf_append_str(struct sigv4_buf *buf, const char *text)
{
    return sigv4_buf_append(buf, text, strlen(text));
}

int sigv4_buf_append_char(struct sigv4_buf *buf, char c)
{
    return sigv4_buf_append(buf, &c, 1);
}

void sigv4_buf_reset(struct sigv4_buf *buf)
{
    buf->len = 0;
    if (buf->data)
        buf->data[0] = '\0';
}

void sigv4_buf_free(struct sigv4_buf *buf)
{
    if (buf->data) {
        OPENSSL_cleanse(buf->data, buf->cap);
        free(buf->data);
    }
    *buf = (struct sigv4_buf){0};
}
