/* test_floor.c -- the ideal-scheduler makespan, against schedules worked out by hand. */
#include <math.h>

#include "check.h"
#include "class/floor.h"

#define CHECK_NEAR(a, b)                                                      \
    do {                                                                      \
        double check_x_ = (a), check_y_ = (b);                                \
        if (fabs(check_x_ - check_y_) > 1e-6)                                 \
            CHECK_FAIL("%s == %s: %.6f != %.6f", #a, #b, check_x_, check_y_); \
    } while (0)

/* AWS's CreateAccount limits: 0.1/s burst 3, 5 in progress, 60 s per creation. */
static struct floor_pipeline
create_pipeline(void)
{
    struct floor_pipeline p = { 0 };

    p.submit = floor_bucket_full(0.1, 3);
    p.cap = 5;
    p.latency = 60;
    return p;
}

/* AWS's CloseAccount limits: 0.05/s burst 1, 3 in flight, 300 s in PENDING_CLOSURE. */
static struct floor_pipeline
close_pipeline(void)
{
    struct floor_pipeline p = { 0 };

    p.submit = floor_bucket_full(0.05, 1);
    p.cap = 3;
    p.latency = 300;
    return p;
}

static double
makespan(const struct floor_pipeline *p, const struct floor_state *st)
{
    struct sbx_err err = { 0 };
    double v = -1;

    CHECK_OK(floor_makespan(p, st, &v, &err), &err);
    return v;
}

TEST(nothing_left_is_zero)
{
    struct floor_pipeline p = create_pipeline();
    struct floor_state st = { 0 };

    CHECK_NEAR(makespan(&p, &st), 0);
}

TEST(create_burst_then_rate)
{
    struct floor_pipeline p = create_pipeline();
    struct floor_state st = { 0 };

    /* 3 at t=0 (burst), then 10 and 20: the last completes at 80. */
    st.pending = 5;
    CHECK_NEAR(makespan(&p, &st), 80);
    /* The 6th waits for a slot at 60 (the bucket is full again by then): ends at 120. */
    st.pending = 6;
    CHECK_NEAR(makespan(&p, &st), 120);
    /* 8 start at 0,0,0,10,20,60,60,60; 9th at 70 (slot of the one started at 10). */
    st.pending = 9;
    CHECK_NEAR(makespan(&p, &st), 130);
}

TEST(create_sixty_seats)
{
    struct floor_pipeline p = create_pipeline();
    struct floor_state st = { 0 };

    /* 12 cycles of 60 s with starts at +0,+0,+0,+10,+20: last start 680, end 740. */
    st.pending = 60;
    CHECK_NEAR(makespan(&p, &st), 740);
}

TEST(create_rate_bound_without_cap)
{
    struct floor_pipeline p = create_pipeline();
    struct floor_state st = { 0 };

    /* With no in-progress cap only the bucket binds: starts 0,0,0,10,...,570 (60 seats). */
    p.cap = 0;
    st.pending = 60;
    CHECK_NEAR(makespan(&p, &st), 570 + 60);
}

TEST(close_sixty_accounts)
{
    struct floor_pipeline p = close_pipeline();
    struct floor_state st = { 0 };

    /* Starts 0,20,40, then each 300 s cycle repeats: last start 19*300+40 = 5740. */
    st.pending = 60;
    CHECK_NEAR(makespan(&p, &st), 6040);
    st.pending = 1;
    CHECK_NEAR(makespan(&p, &st), 300);
    st.pending = 4;
    CHECK_NEAR(makespan(&p, &st), 600);
}

TEST(quota_window_delays_the_rest)
{
    struct floor_pipeline p = { 0 };
    struct floor_state st = { 0 };

    /* Unpaced, no cap, quota 3 per 1000 s: three at 0, two at 1000, each taking 10 s. */
    p.latency = 10;
    p.quota = 3;
    p.window = 1000;
    st.pending = 5;
    CHECK_NEAR(makespan(&p, &st), 1010);
}

TEST(quota_counts_the_ledger)
{
    struct floor_pipeline p = { 0 };
    struct floor_state st = { 0 };
    const double ledger[] = { -900, -500, -100 };

    /* Quota 3 per 1000 s, already used at -900, -500, -100: the next slots open at 100, 500,
     * 900 (each when one of those leaves the window). */
    p.latency = 10;
    p.quota = 3;
    p.window = 1000;
    p.ledger = ledger;
    p.nledger = 3;
    st.pending = 1;
    CHECK_NEAR(makespan(&p, &st), 110);
    st.pending = 3;
    CHECK_NEAR(makespan(&p, &st), 910);
    /* The 4th needs its own first call (at 100) to leave the window: 1100. */
    st.pending = 4;
    CHECK_NEAR(makespan(&p, &st), 1110);
}

TEST(state_in_progress_and_empty_bucket)
{
    struct floor_pipeline p = create_pipeline();
    struct floor_state st = { 0 };
    const double rem[] = { 30, 30, 30, 30, 30 };

    /* All 5 slots busy for 30 s and the bucket empty: by 30 it holds 3 tokens again. */
    p.submit.level = 0;
    st.pending = 1;
    st.in_progress = rem;
    st.nin_progress = 5;
    CHECK_NEAR(makespan(&p, &st), 90);
    /* Nothing pending: the last in-progress completion is the answer. */
    st.pending = 0;
    CHECK_NEAR(makespan(&p, &st), 30);
}

TEST(state_overdue_in_progress_counts_as_now)
{
    struct floor_pipeline p = create_pipeline();
    struct floor_state st = { 0 };
    const double rem[] = { -5, 12 };

    st.in_progress = rem;
    st.nin_progress = 2;
    CHECK_NEAR(makespan(&p, &st), 12);
}

TEST(follow_up_calls_bind_when_slow)
{
    struct floor_pipeline p = { 0 };
    struct floor_state st = { 0 };

    /* Ten instant creations and a follow-up call at 1/s burst 1: done at 0..9. */
    p.nfollow = 1;
    p.follow[0] = floor_bucket_full(1, 1);
    st.pending = 10;
    CHECK_NEAR(makespan(&p, &st), 9);
    /* Two stages at 1/s burst 1 each: the second trails the first. */
    p.nfollow = 2;
    p.follow[1] = floor_bucket_full(1, 1);
    CHECK_NEAR(makespan(&p, &st), 9);
    /* Completed items awaiting follow-ups count too. */
    st.pending = 0;
    st.awaiting_follow = 3;
    CHECK_NEAR(makespan(&p, &st), 2);
}

TEST(follow_up_calls_at_aws_rates_do_not_bind_sixty_seats)
{
    struct floor_pipeline p = create_pipeline();
    struct floor_state st = { 0 };

    /* Describe 2/s burst 2, Move 2/s burst 3, Tag 4/s burst 6: the last seat finishes alone
     * at 740, so its follow-ups add nothing. */
    p.nfollow = 3;
    p.follow[0] = floor_bucket_full(2, 2);
    p.follow[1] = floor_bucket_full(2, 3);
    p.follow[2] = floor_bucket_full(4, 6);
    st.pending = 60;
    CHECK_NEAR(makespan(&p, &st), 740);
    /* 3 seats finishing together at 60: the third Describe waits 0.5 s (burst 2). */
    st.pending = 3;
    CHECK_NEAR(makespan(&p, &st), 60.5);
}

TEST(bucket_level_from_history)
{
    const double calls[] = { 0, 0, 0 };
    const double calls2[] = { 0, 5, 100 };

    /* No calls: full. */
    CHECK_NEAR(floor_bucket_level(0.1, 3, NULL, 0, 50), 3);
    /* Three at 0: empty, then 0.1/s. */
    CHECK_NEAR(floor_bucket_level(0.1, 3, calls, 3, 0), 0);
    CHECK_NEAR(floor_bucket_level(0.1, 3, calls, 3, 15), 1.5);
    CHECK_NEAR(floor_bucket_level(0.1, 3, calls, 3, 1000), 3);
    /* 3 -> 2 at 0, 2.5 -> 1.5 at 5, capped 3 -> 2 at 100. */
    CHECK_NEAR(floor_bucket_level(0.1, 3, calls2, 3, 100), 2);
    CHECK_NEAR(floor_bucket_level(0.1, 3, calls2, 3, 105), 2.5);
}

TEST(many_items_stay_fast_and_linear)
{
    struct floor_pipeline p = create_pipeline();
    struct floor_state st = { 0 };

    /* 100,000 creations: 20,000 cycles of 60 s, last start 19999*60+20. */
    st.pending = 100000;
    CHECK_NEAR(makespan(&p, &st), 19999.0 * 60 + 20 + 60);
}
