/* test_engine_quota.c -- the close-quota formula and the planner. */
#include "cfg.h"
#include "check.h"
#include "engine/engine_quota.h"

static const struct engine_quota_params params = { 3, QUOTA_WINDOW, 3, 0.05, 300 };

TEST(effective_quota)
{
    struct cfg_limits l = { 0 };

    l.close_quota_min = 250;
    l.close_quota_pct = 20;
    l.close_quota_max = 1000;
    CHECK_INT_EQ(engine_quota_effective(&l, 100, 0), 250);
    CHECK_INT_EQ(engine_quota_effective(&l, 2000, 0), 400);
    CHECK_INT_EQ(engine_quota_effective(&l, 9000, 0), 1000);
    CHECK_INT_EQ(engine_quota_effective(&l, 9000, 7), 7); /* learned from AWS's refusal */
    l.close_quota = 12;
    CHECK_INT_EQ(engine_quota_effective(&l, 9000, 0), 12);
    CHECK_INT_EQ(engine_quota_effective(&l, 9000, 20), 12);
}

TEST(used_counts_the_window)
{
    int64_t ledger[] = { 10, 100, 1000 + QUOTA_WINDOW };

    CHECK_INT_EQ(engine_quota_used(&params, ledger, 3, 1000 + QUOTA_WINDOW), 1);
    CHECK_INT_EQ(engine_quota_used(&params, ledger, 3, 50 + QUOTA_WINDOW), 1);
    CHECK_INT_EQ(engine_quota_used(&params, ledger, 3, 5 + QUOTA_WINDOW), 2);
}

TEST(plan_empty_org_is_paced)
{
    struct sbx_err err = { 0 };
    struct engine_quota_input in = { .now = 1000, .queue = 3 };
    struct engine_quota_params p = params;
    int64_t eta[3];

    p.quota = 100;
    CHECK_OK(engine_quota_plan(&p, &in, eta, &err), &err);
    CHECK_INT_EQ(eta[0], 1000);
    CHECK_INT_EQ(eta[1], 1020); /* 1 call per 20 s */
    CHECK_INT_EQ(eta[2], 1040);
}

TEST(plan_waits_for_in_flight)
{
    struct sbx_err err = { 0 };
    int64_t done[] = { 1500, 1200, 1800 };
    struct engine_quota_input in = { .now = 1000,
                                     .in_flight_done = done,
                                     .nin_flight = 3,
                                     .queue = 2 };
    struct engine_quota_params p = params;
    int64_t eta[2];

    p.quota = 100;
    CHECK_OK(engine_quota_plan(&p, &in, eta, &err), &err);
    CHECK_INT_EQ(eta[0], 1200); /* the first closure in flight finishes */
    CHECK_INT_EQ(eta[1], 1500);
}

TEST(plan_rolls_the_window)
{
    struct sbx_err err = { 0 };
    int64_t ledger[] = { 500, 600, 700 };
    struct engine_quota_input in = { .now = 1000, .ledger = ledger, .nledger = 3, .queue = 4 };
    int64_t eta[4];

    /* Quota 3 used up: each queued account waits for one of the old closures to age out. */
    CHECK_OK(engine_quota_plan(&params, &in, eta, &err), &err);
    CHECK_INT_EQ(eta[0], 500 + QUOTA_WINDOW);
    CHECK_INT_EQ(eta[1], 600 + QUOTA_WINDOW);
    CHECK_INT_EQ(eta[2], 700 + QUOTA_WINDOW);
    CHECK_INT_EQ(eta[3], 500 + 2 * QUOTA_WINDOW); /* its own planned closures count too */
}

TEST(plan_honours_marker_and_pacing)
{
    struct sbx_err err = { 0 };
    struct engine_quota_input in = { .now = 1000, .not_before = 5000, .queue = 2 };
    struct engine_quota_params p = params;
    int64_t eta[2];

    p.quota = 100;
    CHECK_OK(engine_quota_plan(&p, &in, eta, &err), &err);
    CHECK_INT_EQ(eta[0], 5000);
    CHECK_INT_EQ(eta[1], 5020);
    in.not_before = 0;
    in.pace_wait = 12.5;
    CHECK_OK(engine_quota_plan(&p, &in, eta, &err), &err);
    CHECK_INT_EQ(eta[0], 1013);
}

TEST(plan_rejects_nonsense)
{
    struct sbx_err err = { 0 };
    struct engine_quota_input in = { .now = 1000, .queue = 1 };
    struct engine_quota_params p = params;
    int64_t eta[1];

    p.quota = 0;
    CHECK_ERR(engine_quota_plan(&p, &in, eta, &err), &err, SBX_E_INVALID);
}

TEST(plan_many_is_fast_and_monotone)
{
    struct sbx_err err = { 0 };
    size_t n = 100000;
    int64_t *eta = malloc(n * sizeof(*eta));
    struct engine_quota_input in = { .now = 0, .queue = n };
    struct engine_quota_params p = { 250, QUOTA_WINDOW, 3, 0.05, 300 };

    CHECK(eta != NULL);
    CHECK_OK(engine_quota_plan(&p, &in, eta, &err), &err);
    for (size_t i = 1; i < n; i++)
        CHECK(eta[i] >= eta[i - 1]);
    /* 250 per window: the 251st waits a full window after the first. */
    CHECK_INT_EQ(eta[250], eta[0] + QUOTA_WINDOW);
    free(eta);
}
