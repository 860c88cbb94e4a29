/*
 * The retry policy of the AWS SDKs' "standard" mode, as botocore 1.29.27
 * implements it in retries/standard.py and retries/quota.py: a bounded
 * number of attempts, truncated exponential backoff with full jitter and a
 * retry quota shared by all calls of one client.
 */
#ifndef SCHEMAREG_RETRY_H
#define SCHEMAREG_RETRY_H

#include <stdbool.h>

#define RETRY_DEFAULT_MAX_ATTEMPTS 3
#define RETRY_DEFAULT_BASE_DELAY_MS 1000L
#define RETRY_DEFAULT_MAX_DELAY_MS 20000L
#define RETRY_QUOTA_CAPACITY 500
#define RETRY_QUOTA_COST 5
#define RETRY_QUOTA_TIMEOUT_COST 10
#define RETRY_QUOTA_SUCCESS_REFUND 1

/* Retry quota (botocore's RetryQuota): each retry takes tokens, each
 * success gives some back, so a failing endpoint soon stops being retried
 * at all. Not thread-safe: one per client. */
struct retry_quota {
    int available;
    int capacity;
};

void retry_quota_init(struct retry_quota *quota);

/* Takes the tokens for one retry: RETRY_QUOTA_TIMEOUT_COST after a
 * transport failure, RETRY_QUOTA_COST otherwise. Returns the tokens taken,
 * or 0 when the quota is exhausted and the call must not be retried. */
int retry_quota_acquire(struct retry_quota *quota, bool transport_failure);

/* Gives tokens back after a successful call: the tokens of its last retry,
 * or RETRY_QUOTA_SUCCESS_REFUND when it succeeded at the first attempt
 * (last_cost 0). */
void retry_quota_release(struct retry_quota *quota, int last_cost);

/* Returns the delay before retry number `retry` (1 for the first retry):
 * a uniformly random value in [0, min(base_ms * 2^(retry-1), max_ms)]. */
long retry_backoff_ms(int retry, long base_ms, long max_ms);

/* Returns max_attempts when it is positive, else AWS_MAX_ATTEMPTS when it
 * is a positive integer, else RETRY_DEFAULT_MAX_ATTEMPTS. An invalid
 * AWS_MAX_ATTEMPTS is logged and ignored. */
int retry_resolve_max_attempts(int max_attempts);

/* Sleeps for ms milliseconds, resuming after signals. */
void retry_sleep_ms(long ms);

/* Milliseconds on the monotonic clock. */
long long retry_now_ms(void);

#endif
