/* test_engine_budget.c -- the spend guard's pure decision: which warnings fire, when the limit
 * fires, once each per period; money in integer cents. */
#include "check.h"
#include "engine/engine_budget.h"

static const int warn[] = { 50, 80 };

TEST(below_every_threshold_fires_nothing)
{
    struct engine_budget_verdict v;

    engine_budget_judge(2499, 5000, warn, 2, 0, false, &v);
    CHECK_INT_EQ(v.nfire, 0);
    CHECK_INT_EQ(v.warned, 0);
    CHECK(!v.exceeded);
}

TEST(a_threshold_fires_once_at_exactly_its_share)
{
    struct engine_budget_verdict v;

    engine_budget_judge(2500, 5000, warn, 2, 0, false, &v); /* exactly 50% */
    CHECK_INT_EQ(v.nfire, 1);
    CHECK_INT_EQ(v.fire[0], 50);
    CHECK_INT_EQ(v.warned, 50);
    CHECK(!v.exceeded);
    /* the next check, spend unchanged or higher but below 80%: nothing again */
    engine_budget_judge(3999, 5000, warn, 2, 50, false, &v);
    CHECK_INT_EQ(v.nfire, 0);
    CHECK_INT_EQ(v.warned, 50);
    engine_budget_judge(4000, 5000, warn, 2, 50, false, &v);
    CHECK_INT_EQ(v.nfire, 1);
    CHECK_INT_EQ(v.fire[0], 80);
}

/* A jump past several thresholds fires each one, lowest first, and the limit. */
TEST(a_jump_fires_every_threshold_passed_and_the_limit)
{
    struct engine_budget_verdict v;

    engine_budget_judge(5000, 5000, warn, 2, 0, false, &v);
    CHECK_INT_EQ(v.nfire, 2);
    CHECK_INT_EQ(v.fire[0], 50);
    CHECK_INT_EQ(v.fire[1], 80);
    CHECK_INT_EQ(v.warned, 80);
    CHECK(v.exceeded);
}

TEST(the_limit_fires_once_per_period)
{
    struct engine_budget_verdict v;

    engine_budget_judge(4999, 5000, NULL, 0, 0, false, &v);
    CHECK(!v.exceeded);
    engine_budget_judge(9000, 5000, NULL, 0, 0, true, &v);
    CHECK(!v.exceeded);
    CHECK_INT_EQ(v.nfire, 0);
}

TEST(no_budget_decides_nothing)
{
    struct engine_budget_verdict v;

    engine_budget_judge(1000000, 0, warn, 2, 0, false, &v);
    CHECK_INT_EQ(v.nfire, 0);
    CHECK(!v.exceeded);
}

/* Large amounts stay exact: no floating point anywhere. */
TEST(large_amounts_are_exact)
{
    struct engine_budget_verdict v;
    static const int w99[] = { 99 };

    engine_budget_judge(98999999999, 100000000000, w99, 1, 0, false, &v);
    CHECK_INT_EQ(v.nfire, 0);
    engine_budget_judge(99000000000, 100000000000, w99, 1, 0, false, &v);
    CHECK_INT_EQ(v.nfire, 1);
}

TEST(days_are_utc)
{
    char d[11];

    engine_budget_day(0, d);
    CHECK_STR_EQ(d, "1970-01-01");
    engine_budget_day(1796083199, d); /* 2026-11-30T23:59:59Z */
    CHECK_STR_EQ(d, "2026-11-30");
    engine_budget_day(1796083200, d);
    CHECK_STR_EQ(d, "2026-12-01");
}
