/* retry.c -- standard-mode retry decisions, backoff and the retry quota (see retry.h). */
#include "aws/retry.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/duration.h"

void
retry_quota_init(struct retry_quota *q)
{
    q->available = RETRY_QUOTA_MAX;
}

enum retry_kind
retry_classify(const struct sbx_err *err, bool timed_out)
{
    if (err->code != SBX_E_AWS)
        return RETRY_NONE;
    switch (err->aws) {
    case SBX_AWS_THROTTLED:
        return RETRY_THROTTLE;
    case SBX_AWS_TRANSIENT:
    case SBX_AWS_NETWORK:
        return timed_out ? RETRY_TIMEOUT : RETRY_TRANSIENT;
    case SBX_AWS_CONCURRENT_MODIFICATION:
        return RETRY_CONFLICT;
    default:
        return RETRY_NONE;
    }
}

double
retry_backoff(enum retry_kind kind, int attempts, double r01)
{
    double base = kind == RETRY_THROTTLE || kind == RETRY_CONFLICT ? RETRY_THROTTLE_BASE
                                                                   : RETRY_TRANSIENT_BASE;
    double cap;

    if (attempts < 1)
        attempts = 1;
    if (r01 < 0)
        r01 = 0;
    if (r01 >= 1)
        r01 = nextafter(1.0, 0.0);
    /* 2^(n-1) overflows nothing below 2^1023; the cap applies long before that. */
    cap = attempts > 60 ? RETRY_MAX_BACKOFF
                        : fmin(base * ldexp(1.0, attempts - 1), RETRY_MAX_BACKOFF);
    return r01 * cap;
}

double
retry_apply_after(double delay, const char *retry_after)
{
    int64_t ms;
    double after;

    if (retry_after == NULL || *retry_after == '\0')
        return delay;
    if (duration_parse_int64(retry_after, 0, INT64_C(86400000), &ms, NULL) != 0)
        return delay;
    after = (double)ms / 1000.0;
    return fmax(delay, fmin(after, delay + RETRY_AFTER_SLACK));
}

bool
retry_next(struct retry_state *st, struct retry_quota *q, int max_attempts, enum retry_kind kind,
           double r01, const char *retry_after, double *delay, const char **why)
{
    int cost = kind == RETRY_TIMEOUT ? RETRY_TIMEOUT_COST : RETRY_COST;

    *delay = 0;
    *why = NULL;
    if (kind == RETRY_NONE)
        return false;
    if (st->attempts >= max_attempts) {
        *why = "attempts exhausted";
        return false;
    }
    if (q->available < cost) {
        *why = "retry quota exhausted";
        return false;
    }
    q->available -= cost;
    st->last_cost = cost;
    *delay = retry_apply_after(retry_backoff(kind, st->attempts, r01), retry_after);
    return true;
}

void
retry_on_success(const struct retry_state *st, struct retry_quota *q)
{
    q->available += st->last_cost > 0 ? st->last_cost : RETRY_NO_RETRY_REFUND;
    if (q->available > RETRY_QUOTA_MAX)
        q->available = RETRY_QUOTA_MAX;
}

int
retry_max_attempts(int configured, const char *env, int *out, struct sbx_err *err)
{
    int64_t v;

    if (env != NULL && *env != '\0') {
        if (duration_parse_int64(env, 1, RETRY_MAX_ATTEMPTS_LIMIT, &v, NULL) != 0) {
            sbx_err_set(err, SBX_E_CONFIG,
                        "invalid AWS_MAX_ATTEMPTS '%.32s': must be a number from 1 to %d", env,
                        RETRY_MAX_ATTEMPTS_LIMIT);
            return -1;
        }
        *out = (int)v;
        return 0;
    }
    *out = configured > 0 ? configured : RETRY_DEFAULT_ATTEMPTS;
    return 0;
}
