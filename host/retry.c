#include "retry.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"

void retry_quota_init(struct retry_quota *quota)
{
    quota->available = RETRY_QUOTA_CAPACITY;
    quota->capacity = RETRY_QUOTA_CAPACITY;
}

int retry_quota_acquire(struct retry_quota *quota, bool transport_failure)
{
    int cost = transport_failure ? RETRY_QUOTA_TIMEOUT_COST : RETRY_QUOTA_COST;

    if (quota->available < cost)
        return 0;
    quota->available -= cost;
    return cost;
}

void retry_quota_release(struct retry_quota *quota, int last_cost)
{
    int refund = last_cost > 0 ? last_cost : RETRY_QUOTA_SUCCESS_REFUND;

    quota->available += refund;
    if (quota->available > quota->capacity)
        quota->available = quota->capacity;
}

long retry_backoff_ms(int retry, long base_ms, long max_ms)
{
    long ceiling = base_ms;

    for (int i = 1; i < retry && ceiling < max_ms; i++)
        ceiling *= 2;
    if (ceiling > max_ms)
        ceiling = max_ms;
    if (ceiling <= 0)
        return 0;

    /* Full jitter: any delay from 0 to the ceiling, so that clients that
     * failed together do not retry together. */
    return (long)arc4random_uniform((uint32_t)ceiling + 1);
}

int retry_resolve_max_attempts(int max_attempts)
{
    if (max_attempts > 0)
        return max_attempts;

    const char *text = getenv("AWS_MAX_ATTEMPTS");
    if (text == NULL || text[0] == '\0')
        return RETRY_DEFAULT_MAX_ATTEMPTS;

    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < 1 || value > INT_MAX) {
        log_warn("ignoring AWS_MAX_ATTEMPTS=\"%s\": expected a positive integer; using %d",
                 text, RETRY_DEFAULT_MAX_ATTEMPTS);
        return RETRY_DEFAULT_MAX_ATTEMPTS;
    }
    return (int)value;
}

void retry_sleep_ms(long ms)
{
    struct timespec remaining = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    while (nanosleep(&remaining, &remaining) != 0 && errno == EINTR)
        continue;
}

long long retry_now_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}
