/*
 * test_engine_create.c -- the engine's creation schedule against an in-process simulator, both
 * on fixed clocks moved together: the first poll of a creation comes at its submission plus
 * the latency learned from recent creations, polls follow every second for a few seconds and
 * then every few seconds, and the "stuck" warning counts from submission, not from the row's
 * creation (a seat queued behind others is not stuck when it has just been sent); and the
 * closing schedule: a closure seen done makes room for the next CloseAccount in the same step.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "aws/orgs.h"
#include "cfg.h"
#include "check.h"
#include "cli/cmd.h"
#include "engine/engine.h"
#include "engine/engine_int.h"
#include "sim/sim.h"
#include "store/store.h"
#include "util/clock.h"

#define T0 1800000000.0

/* A simulator whose creations take create_latency seconds, and an engine over it. */
static void
fx_init(struct check_fx *f, double create_latency, int in_progress, int64_t stuck)
{
    struct sim_opts so;

    sim_opts_init(&so);
    so.fixed_clock = true;
    so.start_time = T0;
    so.seed = 7;
    so.seeded = true;
    so.throttle = false;
    so.account_limit = 100;
    so.create_latency = create_latency;
    check_sim_open(f, &so);
    f->cfg->limits.create_in_progress = in_progress;
    f->cfg->limits.create_stuck = stuck;
    f->cfg->limits.account_limit = 100;
    check_engine_open(f, T0);
}

/* Moves the simulator and the engine forward together. */
static void
advance(struct check_fx *f, double secs)
{
    sim_advance(f->sim, secs);
    clock_advance(&f->clock, secs);
}

static void
step(struct check_fx *f)
{
    struct engine_step_report r = { 0 };
    struct sbx_err err = { 0 };
    double next;

    CHECK_OK(engine_step(f->e, NULL, &r, &next, &err), &err);
    if (r.errors > 0)
        CHECK_FAIL("step at +%.0f: %s", clock_now(&f->clock) - T0, r.last_error);
}

static int64_t
request(struct check_fx *f, const char *owner)
{
    struct engine_request r = { "demo", owner, ENGINE_TTL_DEFAULT, NULL, 0, NULL, 0, 0 };
    struct store_account a = { 0 };
    struct sbx_err err = { 0 };
    int64_t id;

    CHECK_OK(engine_request(f->e, &r, &a, &err), &err);
    id = a.id;
    store_account_release(&a);
    return id;
}

/* The row (caller releases it). */
static struct store_account
row(struct check_fx *f, int64_t id)
{
    struct store_account a = { 0 };
    struct sbx_err err = { 0 };

    CHECK_OK(store_account_get(f->store, id, &a, &err), &err);
    return a;
}

static void
check_state(struct check_fx *f, int64_t id, const char *state)
{
    struct store_account a = row(f, id);

    CHECK_STR_EQ(engine_state_name(a.state), state);
    store_account_release(&a);
}

/* Seconds after T0 of the row's next due time. */
static int64_t
due_after_t0(struct check_fx *f, int64_t id)
{
    struct store_account a = row(f, id);
    int64_t due = a.due_at - (int64_t)T0;

    store_account_release(&a);
    return due;
}

/* Makes the row due now, as if its poll had been scheduled for this moment. */
static void
make_due(struct check_fx *f, int64_t id)
{
    struct store_account a = row(f, id);
    struct sbx_err err = { 0 };
    struct store_audit_ev ev = {
        (int64_t)floor(clock_now(&f->clock)), "test", NULL, NULL, NULL, NULL
    };

    a.due_at = ev.ts;
    CHECK_OK(store_account_update(f->store, &a, a.state, &ev, &err), &err);
    store_account_release(&a);
}

/* How many times the simulator was asked op. */
static int
calls(struct check_fx *f, const char *op)
{
    struct sim_reply r;
    cJSON *j, *n;
    int v;

    CHECK(sim_admin_call(f->sim, "GET", "/__sim/state", NULL, 0, &r) == 0);
    CHECK_INT_EQ(r.status, 200);
    j = cJSON_ParseWithLength(r.body, r.len);
    CHECK(j != NULL);
    n = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "calls"), op);
    v = cJSON_IsNumber(n) ? (int)n->valuedouble : 0;
    cJSON_Delete(j);
    sim_reply_release(&r);
    return v;
}

TEST(first_poll_waits_for_the_expected_latency)
{
    struct check_fx f;
    struct store_account a;
    int64_t id, id2;
    int polls;

    fx_init(&f, 40, 5, 600);
    id = request(&f, "a@corp.example");
    step(&f);
    check_state(&f, id, "creating");
    /* Nothing learned yet: the default latency. */
    CHECK_INT_EQ(due_after_t0(&f, id), 30);
    advance(&f, 10);
    step(&f);
    CHECK_INT_EQ(calls(&f, "DescribeCreateAccountStatus"), 0);
    advance(&f, 20);
    step(&f);
    CHECK_INT_EQ(calls(&f, "DescribeCreateAccountStatus"), 1);
    /* Overdue: every second for a few seconds, then every few seconds. */
    CHECK_INT_EQ(due_after_t0(&f, id), 31);
    for (int i = 0; i < 20; i++) {
        a = row(&f, id);
        if (a.state == ENGINE_S_ACTIVE) {
            store_account_release(&a);
            break;
        }
        store_account_release(&a);
        advance(&f, 1);
        step(&f);
    }
    a = row(&f, id);
    CHECK_STR_EQ(engine_state_name(a.state), "active");
    CHECK_INT_EQ(a.active_at - (int64_t)T0, 40);
    store_account_release(&a);
    polls = calls(&f, "DescribeCreateAccountStatus");
    if (polls > 8)
        CHECK_FAIL("%d polls for a 40 s creation", polls);

    /* Learned from that creation: the next one is first polled 40 s after it was sent. */
    id2 = request(&f, "b@corp.example");
    step(&f);
    check_state(&f, id2, "creating");
    CHECK_INT_EQ(due_after_t0(&f, id2), 40 + 40);
    check_fx_close(&f);
}

TEST(stuck_warning_counts_from_submission)
{
    struct check_fx f;
    struct store_account a;
    int64_t first, queued;

    /* One creation at a time, each taking an hour; "stuck" after 10 minutes. */
    fx_init(&f, 3600, 1, 600);
    first = request(&f, "a@corp.example");
    queued = request(&f, "b@corp.example");
    step(&f);
    check_state(&f, first, "creating");
    check_state(&f, queued, "requested");
    advance(&f, 700);
    step(&f);
    a = row(&f, first);
    CHECK_CONTAINS(a.last_error, "CreateAccount still in progress after 11m40s");
    store_account_release(&a);

    /* The first one finishes; the queued one goes out an hour after its row was made. */
    advance(&f, 2900);
    step(&f);
    check_state(&f, first, "active");
    check_state(&f, queued, "creating");
    advance(&f, 120);
    make_due(&f, queued);
    step(&f);
    a = row(&f, queued);
    CHECK_STR_EQ(engine_state_name(a.state), "creating");
    CHECK_STR_EQ(a.last_error, "");
    store_account_release(&a);

    /* Stuck for real: 11m40s after it was sent. */
    advance(&f, 580);
    make_due(&f, queued);
    step(&f);
    a = row(&f, queued);
    CHECK_CONTAINS(a.last_error, "CreateAccount still in progress after 11m40s");
    store_account_release(&a);
    check_fx_close(&f);
}

/* The median of the last samples, the default before any, bounded. */
TEST(create_latency_is_the_bounded_median_of_recent_creations)
{
    struct check_fx f;
    struct sbx_err err = { 0 };
    char *text = NULL;

    fx_init(&f, 60, 5, 600);
    CHECK(eng_create_latency(f.e) == ENGINE_CREATE_LATENCY_DEFAULT);
    eng_learn_create_latency(f.e, 61.5);
    CHECK(fabs(eng_create_latency(f.e) - 61.5) < 1e-9);
    eng_learn_create_latency(f.e, 10);
    CHECK(fabs(eng_create_latency(f.e) - 35.75) < 1e-9); /* even count: mean of the middle two */
    eng_learn_create_latency(f.e, 50);
    CHECK(fabs(eng_create_latency(f.e) - 50) < 1e-9);
    /* Only the newest ENGINE_CREATE_SAMPLES count: nine slow ones push the others out. */
    for (int i = 0; i < ENGINE_CREATE_SAMPLES; i++)
        eng_learn_create_latency(f.e, 100 + i);
    CHECK(fabs(eng_create_latency(f.e) - 104) < 1e-9);
    CHECK_OK(store_meta_get(f.store, "create_latencies", &text, &err), &err);
    CHECK_STR_EQ(text, "100.000 101.000 102.000 103.000 104.000 105.000 106.000 107.000 108.000");
    free(text);
    /* Bounded both ways; garbage in the store is ignored. */
    CHECK_OK(store_meta_set(f.store, "create_latencies", "4000 5000 6000", &err), &err);
    CHECK(eng_create_latency(f.e) == ENGINE_CREATE_LATENCY_MAX);
    CHECK_OK(store_meta_set(f.store, "create_latencies", "0.01 0.02", &err), &err);
    CHECK(eng_create_latency(f.e) == ENGINE_CREATE_LATENCY_MIN);
    CHECK_OK(store_meta_set(f.store, "create_latencies", "fast", &err), &err);
    CHECK(eng_create_latency(f.e) == ENGINE_CREATE_LATENCY_DEFAULT);
    check_fx_close(&f);
}

/* How many of the rows are in state. */
static int
count_state(struct check_fx *f, const int64_t *ids, size_t n, enum engine_state state)
{
    int count = 0;

    for (size_t i = 0; i < n; i++) {
        struct store_account a = row(f, ids[i]);

        count += a.state == state;
        store_account_release(&a);
    }
    return count;
}

/*
 * A step does all the work possible now: the step whose poll sees a closure done sends the
 * next queued CloseAccount in its place, not a later step (a driver sleeping until the next
 * poll would leave the freed slot empty until then). Three closures in flight at most, one
 * CloseAccount per 20 s, closures of 300 s (the simulator's defaults and the engine's).
 */
TEST(step_that_sees_a_closure_done_sends_the_next)
{
    struct check_fx f;
    struct sbx_err err = { 0 };
    int64_t ids[4];
    char why[256];
    int t;

    fx_init(&f, 10, 5, 600);
    for (size_t i = 0; i < SBX_ARRAY_LEN(ids); i++) {
        char owner[64];

        snprintf(owner, sizeof(owner), "u%zu@corp.example", i);
        ids[i] = request(&f, owner);
    }
    for (t = 0; t < 300 && count_state(&f, ids, 4, ENGINE_S_ACTIVE) < 4; t++) {
        step(&f);
        advance(&f, 1);
    }
    CHECK_INT_EQ(count_state(&f, ids, 4, ENGINE_S_ACTIVE), 4);
    for (size_t i = 0; i < SBX_ARRAY_LEN(ids); i++) {
        struct store_account a = row(&f, ids[i]);
        enum engine_close_outcome outcome;

        CHECK_OK(
                engine_close_request(f.e, &a, "manual", 0, false, &outcome, why, sizeof(why), &err),
                &err);
        CHECK_INT_EQ(outcome, ENGINE_CLOSE_QUEUED);
        store_account_release(&a);
    }
    for (t = 0; t < 300 && calls(&f, "CloseAccount") < 3; t++) {
        step(&f);
        advance(&f, 1);
    }
    CHECK_INT_EQ(calls(&f, "CloseAccount"), 3);
    CHECK_INT_EQ(count_state(&f, ids, 4, ENGINE_S_CLOSE_WAIT), 1);
    /* Every second a step, until one sees the first closure done. */
    for (t = 0; t < 400 && count_state(&f, ids, 4, ENGINE_S_SUSPENDED) == 0; t++) {
        advance(&f, 1);
        step(&f);
    }
    CHECK_INT_EQ(count_state(&f, ids, 4, ENGINE_S_SUSPENDED), 1);
    CHECK_INT_EQ(calls(&f, "CloseAccount"), 4);
    CHECK_INT_EQ(count_state(&f, ids, 4, ENGINE_S_CLOSE_WAIT), 0);
    CHECK_INT_EQ(count_state(&f, ids, 4, ENGINE_S_CLOSING), 3);
    check_fx_close(&f);
}

/* A step that leaves work waiting for a client-side token says when the token comes: the
 * clock's time plus the wait, not the whole second before it. At T0 + 9.7 a CreateAccount
 * token 0.3 s away is due at T0 + 10; counted from T0 + 9 it would be T0 + 9.3, already past,
 * and a caller waiting for pace_due (class_drive) would step again and again until the token
 * came (on a paused clock, until the clock is advanced). */
TEST(pace_due_is_when_the_token_comes)
{
    struct engine_step_report r = { 0 };
    struct sbx_err err = { 0 };
    struct check_fx f;
    double next, wait;

    fx_init(&f, 40, 5, 600);
    for (int i = 0; i < 4; i++) {
        char owner[64];

        snprintf(owner, sizeof(owner), "u%d@corp.example", i);
        request(&f, owner);
    }
    /* The burst of three goes; the fourth waits 10 s for a token (one every 10 s). */
    step(&f);
    CHECK_INT_EQ(calls(&f, "CreateAccount"), 3);
    advance(&f, 9.7);
    wait = orgs_pace_wait(f.orgs, ORGS_OP_CREATE_ACCOUNT);
    CHECK(wait > 0.2 && wait < 0.4);
    CHECK_OK(engine_step(f.e, NULL, &r, &next, &err), &err);
    CHECK_INT_EQ(calls(&f, "CreateAccount"), 3);
    CHECK(r.pace_blocked);
    if (fabs(r.pace_due - (clock_now(&f.clock) + wait)) > 1e-6)
        CHECK_FAIL("pace_due %.3f, want now + %.3f = %.3f", r.pace_due - T0, wait,
                   clock_now(&f.clock) + wait - T0);
    check_fx_close(&f);
}
