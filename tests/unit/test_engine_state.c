/* test_engine_state.c -- the lifecycle table. */
#include "check.h"
#include "engine/engine_state.h"

TEST(names_round_trip)
{
    for (int i = 0; i < ENGINE_S_COUNT; i++) {
        enum engine_state s;

        CHECK(engine_state_name((enum engine_state)i) != NULL);
        CHECK_OK(engine_state_parse(engine_state_name((enum engine_state)i), &s) == 0 ? 0 : -1,
                 &(struct sbx_err){ 0 });
        CHECK_INT_EQ(s, i);
    }
    CHECK(engine_state_name(ENGINE_S_COUNT) == NULL);
    {
        enum engine_state s;

        CHECK(engine_state_parse("bogus", &s) == -1);
    }
}

TEST(happy_path_is_allowed)
{
    static const char *const path[] = { "requested",  "creating", "active",    "expiring", "nuking",
                                        "close_wait", "closing",  "suspended", "gone" };

    for (size_t i = 0; i + 1 < SBX_ARRAY_LEN(path); i++)
        CHECK(engine_transition_allowed_names(path[i], path[i + 1]));
}

TEST(shortcuts_are_refused)
{
    /* Nothing closes without being nuked; nothing is created twice; the end is the end. */
    CHECK(!engine_transition_allowed(ENGINE_S_ACTIVE, ENGINE_S_CLOSING));
    CHECK(!engine_transition_allowed(ENGINE_S_ACTIVE, ENGINE_S_CLOSE_WAIT));
    CHECK(!engine_transition_allowed(ENGINE_S_EXPIRING, ENGINE_S_CLOSING));
    CHECK(!engine_transition_allowed(ENGINE_S_NUKE_FAILED, ENGINE_S_CLOSING));
    CHECK(!engine_transition_allowed(ENGINE_S_CREATING, ENGINE_S_CREATING));
    CHECK(!engine_transition_allowed(ENGINE_S_ACTIVE, ENGINE_S_REQUESTED));
    CHECK(!engine_transition_allowed(ENGINE_S_SUSPENDED, ENGINE_S_ACTIVE));
    CHECK(!engine_transition_allowed(ENGINE_S_CLOSING, ENGINE_S_CLOSING));
    CHECK(!engine_transition_allowed_names("bogus", "active"));
    for (int i = 0; i < ENGINE_S_COUNT; i++)
        CHECK(!engine_transition_allowed(ENGINE_S_GONE, (enum engine_state)i));
}

TEST(quarantine_and_protection_need_a_human)
{
    CHECK(engine_transition_allowed(ENGINE_S_NUKING, ENGINE_S_NUKE_FAILED));
    CHECK(engine_transition_allowed(ENGINE_S_NUKE_FAILED, ENGINE_S_EXPIRING));
    CHECK(engine_transition_allowed(ENGINE_S_CLOSE_WAIT, ENGINE_S_PROTECTED));
    CHECK(engine_transition_allowed(ENGINE_S_PROTECTED, ENGINE_S_EXPIRING));
    CHECK(engine_transition_allowed(ENGINE_S_CLOSING, ENGINE_S_CLOSE_WAIT));
    CHECK(engine_state_terminal(ENGINE_S_GONE));
    CHECK(engine_state_terminal(ENGINE_S_FAILED));
    CHECK(!engine_state_terminal(ENGINE_S_NUKE_FAILED));
    CHECK(engine_state_open_at_aws(ENGINE_S_CLOSE_WAIT));
    CHECK(!engine_state_open_at_aws(ENGINE_S_CLOSING));
}

TEST(close_failed_is_seen_and_released)
{
    /* Only AWS refusing CloseAccount leads there; retry (or asking again) puts it back in
     * line for a close slot, never straight to closing or back to an unnuked state. */
    CHECK(engine_transition_allowed(ENGINE_S_CLOSING, ENGINE_S_CLOSE_FAILED));
    CHECK(engine_transition_allowed(ENGINE_S_CLOSE_FAILED, ENGINE_S_CLOSE_WAIT));
    CHECK(engine_transition_allowed(ENGINE_S_CLOSE_FAILED, ENGINE_S_SUSPENDED));
    CHECK(engine_transition_allowed(ENGINE_S_CLOSE_FAILED, ENGINE_S_GONE));
    CHECK(!engine_transition_allowed(ENGINE_S_CLOSE_WAIT, ENGINE_S_CLOSE_FAILED));
    CHECK(!engine_transition_allowed(ENGINE_S_CLOSE_FAILED, ENGINE_S_CLOSING));
    CHECK(!engine_transition_allowed(ENGINE_S_CLOSE_FAILED, ENGINE_S_ACTIVE));
    CHECK(!engine_transition_allowed(ENGINE_S_CLOSE_FAILED, ENGINE_S_EXPIRING));
    CHECK(engine_state_open_at_aws(ENGINE_S_CLOSE_FAILED));
    CHECK_STR_EQ(engine_state_name(ENGINE_S_CLOSE_FAILED), "close_failed");
}

TEST(released_is_the_end)
{
    /* `release` takes an open account out of the engine's hands, and nothing comes back. */
    static const enum engine_state open[] = { ENGINE_S_ACTIVE,      ENGINE_S_EXPIRING,
                                              ENGINE_S_NUKE_FAILED, ENGINE_S_CLOSE_WAIT,
                                              ENGINE_S_PROTECTED,   ENGINE_S_CLOSE_FAILED };

    for (size_t i = 0; i < SBX_ARRAY_LEN(open); i++)
        CHECK(engine_transition_allowed(open[i], ENGINE_S_RELEASED));
    CHECK(!engine_transition_allowed(ENGINE_S_NUKING, ENGINE_S_RELEASED));
    CHECK(!engine_transition_allowed(ENGINE_S_CLOSING, ENGINE_S_RELEASED));
    CHECK(!engine_transition_allowed(ENGINE_S_REQUESTED, ENGINE_S_RELEASED));
    CHECK(engine_state_terminal(ENGINE_S_RELEASED));
    for (int i = 0; i < ENGINE_S_COUNT; i++)
        CHECK(!engine_transition_allowed(ENGINE_S_RELEASED, (enum engine_state)i));
}

/* What `retry` moves an account to: `retry --dry-run` shows it without doing it. */
TEST(retry_targets)
{
    CHECK_INT_EQ(engine_retry_target(ENGINE_S_FAILED), ENGINE_S_REQUESTED);
    CHECK_INT_EQ(engine_retry_target(ENGINE_S_NUKE_FAILED), ENGINE_S_EXPIRING);
    CHECK_INT_EQ(engine_retry_target(ENGINE_S_PROTECTED), ENGINE_S_EXPIRING);
    CHECK_INT_EQ(engine_retry_target(ENGINE_S_CLOSE_FAILED), ENGINE_S_CLOSE_WAIT);
    for (int i = 0; i < ENGINE_S_COUNT; i++) {
        enum engine_state t = engine_retry_target((enum engine_state)i);

        if (t != ENGINE_S_COUNT)
            CHECK(engine_transition_allowed((enum engine_state)i, t));
    }
    CHECK_INT_EQ(engine_retry_target(ENGINE_S_ACTIVE), ENGINE_S_COUNT);
    CHECK_INT_EQ(engine_retry_target(ENGINE_S_CLOSING), ENGINE_S_COUNT);
}
