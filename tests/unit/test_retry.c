/* test_retry.c -- standard-mode retry decisions, backoff bounds and the retry quota. */
#include <math.h>

#include "aws/retry.h"
#include "check.h"

static struct sbx_err
aws_err(enum sbx_aws_errc c)
{
    struct sbx_err e = { 0 };

    e.code = SBX_E_AWS;
    e.aws = c;
    return e;
}

TEST(classification)
{
    struct sbx_err e;

    e = aws_err(SBX_AWS_THROTTLED);
    CHECK_INT_EQ(retry_classify(&e, false), RETRY_THROTTLE);
    e = aws_err(SBX_AWS_TRANSIENT);
    CHECK_INT_EQ(retry_classify(&e, false), RETRY_TRANSIENT);
    CHECK_INT_EQ(retry_classify(&e, true), RETRY_TIMEOUT);
    e = aws_err(SBX_AWS_NETWORK);
    CHECK_INT_EQ(retry_classify(&e, false), RETRY_TRANSIENT);
    e = aws_err(SBX_AWS_CONCURRENT_MODIFICATION);
    CHECK_INT_EQ(retry_classify(&e, false), RETRY_CONFLICT);
    for (int c = SBX_AWS_CLOSE_QUOTA; c <= SBX_AWS_OTHER; c++) {
        if (c == SBX_AWS_CONCURRENT_MODIFICATION || c == SBX_AWS_NETWORK)
            continue;
        e = aws_err((enum sbx_aws_errc)c);
        if (retry_classify(&e, false) != RETRY_NONE)
            CHECK_FAIL("%s must not be retried", sbx_aws_errc_name((enum sbx_aws_errc)c));
    }
    sbx_err_set(&e, SBX_E_CREDS, "no credentials");
    CHECK_INT_EQ(retry_classify(&e, false), RETRY_NONE);
}

TEST(full_jitter_backoff)
{
    /* rand * min(base * 2^(n-1), 20 s): throttling base 1 s, transient base 100 ms. */
    CHECK(retry_backoff(RETRY_THROTTLE, 1, 0.5) == 0.5);
    CHECK(retry_backoff(RETRY_THROTTLE, 2, 0.5) == 1.0);
    CHECK(retry_backoff(RETRY_THROTTLE, 3, 0.5) == 2.0);
    CHECK(retry_backoff(RETRY_THROTTLE, 6, 0.5) == 10.0);
    CHECK(retry_backoff(RETRY_THROTTLE, 7, 0.5) == 10.0); /* capped at 20 s */
    CHECK(retry_backoff(RETRY_THROTTLE, 1000, 0.5) == 10.0);
    CHECK(retry_backoff(RETRY_CONFLICT, 2, 0.25) == 0.5);
    CHECK(fabs(retry_backoff(RETRY_TRANSIENT, 1, 0.5) - 0.05) < 1e-12);
    CHECK(fabs(retry_backoff(RETRY_TIMEOUT, 3, 1.0 - 1e-9) - 0.4) < 1e-6);
    CHECK(retry_backoff(RETRY_TRANSIENT, 9, 0.5) == 10.0);
    CHECK(retry_backoff(RETRY_THROTTLE, 1, 0) == 0);
    CHECK(retry_backoff(RETRY_THROTTLE, 1, 7.0) < 1.0); /* clamped below 1 */
}

TEST(retry_after_header)
{
    /* delay = max(t, min(after, t + 5 s)); invalid values are ignored. */
    CHECK(retry_apply_after(0.5, "3000") == 3.0);
    CHECK(retry_apply_after(0.5, "60000") == 5.5);
    CHECK(retry_apply_after(4.0, "1000") == 4.0);
    CHECK(retry_apply_after(0.5, "0") == 0.5);
    CHECK(retry_apply_after(0.5, NULL) == 0.5);
    CHECK(retry_apply_after(0.5, "") == 0.5);
    CHECK(retry_apply_after(0.5, "soon") == 0.5);
    CHECK(retry_apply_after(0.5, "-100") == 0.5);
    CHECK(retry_apply_after(0.5, "1.5") == 0.5);
}

TEST(attempts_and_quota)
{
    struct retry_quota q;
    struct retry_state st = { 0 };
    double delay;
    const char *why;

    retry_quota_init(&q);
    CHECK_INT_EQ(q.available, 500);
    st.attempts = 1;
    CHECK(retry_next(&st, &q, 3, RETRY_THROTTLE, 0.5, NULL, &delay, &why));
    CHECK(delay == 0.5);
    CHECK_INT_EQ(q.available, 495);
    st.attempts = 2;
    CHECK(retry_next(&st, &q, 3, RETRY_TIMEOUT, 0.5, NULL, &delay, &why));
    CHECK_INT_EQ(q.available, 485); /* timeouts cost 10 */
    st.attempts = 3;
    CHECK(!retry_next(&st, &q, 3, RETRY_THROTTLE, 0.5, NULL, &delay, &why));
    CHECK_STR_EQ(why, "attempts exhausted");
    CHECK_INT_EQ(q.available, 485);
    /* Success refunds the last retry's cost. */
    retry_on_success(&st, &q);
    CHECK_INT_EQ(q.available, 495);
    /* A first-try success adds 1, never above 500. */
    st = (struct retry_state){ .attempts = 1 };
    for (int i = 0; i < 10; i++)
        retry_on_success(&st, &q);
    CHECK_INT_EQ(q.available, 500);
    /* Not retryable: no cost. */
    CHECK(!retry_next(&st, &q, 5, RETRY_NONE, 0.5, NULL, &delay, &why));
    CHECK(why == NULL);
    CHECK_INT_EQ(q.available, 500);
}

TEST(quota_runs_out)
{
    struct retry_quota q;
    struct retry_state st = { 0 };
    double delay;
    const char *why;
    int retries = 0;

    retry_quota_init(&q);
    for (;;) {
        st.attempts++;
        if (!retry_next(&st, &q, RETRY_MAX_ATTEMPTS_LIMIT + 1000, RETRY_TRANSIENT, 0.1, NULL,
                        &delay, &why))
            break;
        retries++;
    }
    CHECK_INT_EQ(retries, 100); /* 500 tokens / 5 */
    CHECK_STR_EQ(why, "retry quota exhausted");
    CHECK_INT_EQ(q.available, 0);
}

TEST(max_attempts_setting)
{
    struct sbx_err err = { 0 };
    int n;

    CHECK_OK(retry_max_attempts(0, NULL, &n, &err), &err);
    CHECK_INT_EQ(n, RETRY_DEFAULT_ATTEMPTS);
    CHECK_OK(retry_max_attempts(8, NULL, &n, &err), &err);
    CHECK_INT_EQ(n, 8);
    CHECK_OK(retry_max_attempts(8, "", &n, &err), &err);
    CHECK_INT_EQ(n, 8);
    CHECK_OK(retry_max_attempts(8, "2", &n, &err), &err);
    CHECK_INT_EQ(n, 2);
    CHECK_ERR(retry_max_attempts(8, "0", &n, &err), &err, SBX_E_CONFIG);
    CHECK_ERR(retry_max_attempts(8, "three", &n, &err), &err, SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "invalid AWS_MAX_ATTEMPTS 'three'");
}
