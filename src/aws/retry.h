/*
 * retry.h -- AWS "standard" retry mode as pure code: which failures to retry, how long to wait,
 * and the client-wide retry quota (AWS-ORGANIZATIONS.md sections 6.1-6.3). The randomness and
 * the clock are the caller's: functions take a uniform random number in [0, 1) and return
 * delays in seconds for the caller to sleep on its own clock.
 *
 * Retried: transient failures (connection errors, 500/502/503/504, ServiceException and the
 * other transient codes), throttling (TooManyRequestsException at HTTP 400 included), and, as
 * an application-level retry the SDKs do not make, ConcurrentModificationException. Delay
 * before retry n (n = attempts made so far): rand * min(base * 2^(n-1), 20 s), base 1 s for
 * throttling and concurrent modification, 100 ms for transient failures; an
 * x-amz-retry-after header (milliseconds) raises it to max(t, min(after, t + 5 s)). Each retry
 * takes 5 tokens (10 after a timeout) from a 500-token quota; without enough tokens the error
 * is returned at once. A success puts back the last retry's cost, or 1 token if it needed none.
 */
#ifndef SBX_RETRY_H
#define SBX_RETRY_H

#include "sbx.h"

#define RETRY_QUOTA_MAX          500
#define RETRY_COST               5
#define RETRY_TIMEOUT_COST       10
#define RETRY_NO_RETRY_REFUND    1
#define RETRY_MAX_BACKOFF        20.0
#define RETRY_THROTTLE_BASE      1.0
#define RETRY_TRANSIENT_BASE     0.1
#define RETRY_AFTER_SLACK        5.0
#define RETRY_DEFAULT_ATTEMPTS   5
#define RETRY_MAX_ATTEMPTS_LIMIT 100

enum retry_kind {
    RETRY_NONE = 0,  /* not retryable */
    RETRY_TRANSIENT, /* 5xx, ServiceException, dropped connection */
    RETRY_TIMEOUT,   /* connect or read timeout: transient, but costs more quota */
    RETRY_THROTTLE,  /* throttling codes */
    RETRY_CONFLICT,  /* ConcurrentModificationException (application-level) */
};

/* One per client. */
struct retry_quota {
    int available; /* tokens, 0..RETRY_QUOTA_MAX */
};

/* One per call (all its attempts). Zero-initialise before the first attempt. */
struct retry_state {
    int attempts;  /* attempts made so far */
    int last_cost; /* tokens taken for the latest retry; 0 if none */
};

void retry_quota_init(struct retry_quota *q);

/* The retry kind of a failed attempt: err as filled by the transport or the error parser;
 * timed_out when the transport reported a timeout. */
enum retry_kind retry_classify(const struct sbx_err *err, bool timed_out);

/* Full-jitter delay before the next attempt, after `attempts` attempts (>= 1). */
double retry_backoff(enum retry_kind kind, int attempts, double r01);

/* Applies an x-amz-retry-after header value (milliseconds; NULL or invalid: ignored). */
double retry_apply_after(double delay, const char *retry_after);

/*
 * Called after a failed attempt (st->attempts already counts it). Returns true and sets
 * *delay when another attempt should be made, taking its cost from q; false when kind is
 * RETRY_NONE, max_attempts are used up, or q lacks the tokens (*why then says which, for the
 * error message: "after 5 attempts", "retry quota exhausted").
 */
bool retry_next(struct retry_state *st, struct retry_quota *q, int max_attempts,
                enum retry_kind kind, double r01, const char *retry_after, double *delay,
                const char **why);

/* Called once when a call succeeds: refunds its last retry's cost, or 1 token if none. */
void retry_on_success(const struct retry_state *st, struct retry_quota *q);

/*
 * Total attempts per call: $AWS_MAX_ATTEMPTS (env, may be NULL) if set, else configured if
 * > 0, else RETRY_DEFAULT_ATTEMPTS. A malformed or out-of-range env value is SBX_E_CONFIG.
 */
int retry_max_attempts(int configured, const char *env, int *out,
                       struct sbx_err *err) SBX_NODISCARD;

#endif
