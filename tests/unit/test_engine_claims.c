/* test_engine_claims.c -- the engine over a real store without AWS: claims (taken over from a
 * dead process, respected for a live one, expiring by the wall clock), transitions only along
 * the table with compare-and-set, requests (validation, unique aliases, max_per_owner) and the
 * store-only operations (close request, retry, extend). */
#include <sys/wait.h>
#include <unistd.h>

#include "cfg.h"
#include "check.h"
#include "engine/engine.h"
#include "engine/engine_int.h"
#include "store/store.h"
#include "util/clock.h"

struct fixture {
    struct sbx_config *cfg;
    struct store *store;
    struct sbx_clock clock;
    struct engine *e;
};

static void
setup(struct fixture *fx)
{
    struct sbx_err err = { 0 };
    struct engine_opts o = { 0 };
    char *dir = check_tmpdir(), path[4096];

    memset(fx, 0, sizeof(*fx));
    snprintf(path, sizeof(path), "%s/store.db", dir);
    free(dir);
    CHECK_OK(cfg_defaults(&fx->cfg, &err), &err);
    CHECK_OK(store_open(path, STORE_CREATE, &fx->store, &err), &err);
    clock_init_fixed(&fx->clock, 1800000000.0);
    o.cfg = fx->cfg;
    o.store = fx->store;
    o.clock = &fx->clock;
    o.actor = "test";
    CHECK_OK(engine_new(&o, &fx->e, &err), &err);
}

static void
teardown(struct fixture *fx)
{
    engine_free(fx->e);
    store_close(fx->store);
    cfg_free(fx->cfg);
}

static struct store_account
request(struct fixture *fx, const char *kind, const char *owner)
{
    struct engine_request r = { kind, owner, ENGINE_TTL_DEFAULT, NULL, 0, NULL, 0, 0 };
    struct store_account a = { 0 };
    struct sbx_err err = { 0 };

    CHECK_OK(engine_request(fx->e, &r, &a, &err), &err);
    CHECK(a.id > 0);
    return a;
}

/* The pid of a process that has exited and been reaped. */
static pid_t
dead_pid(void)
{
    pid_t pid = fork();

    CHECK(pid >= 0);
    if (pid == 0)
        _exit(0);
    CHECK(waitpid(pid, NULL, 0) == pid);
    return pid;
}

/* "host:" of this engine's claim id. */
static void
claim_as(struct fixture *fx, int64_t id, long pid, double until)
{
    const char *me = engine_claim_id(fx->e);
    const char *colon = strchr(me, ':');
    struct sbx_err err = { 0 };
    char by[256];
    bool got;

    CHECK(colon != NULL);
    snprintf(by, sizeof(by), "%.*s:%ld:other", (int)(colon - me), me, pid);
    CHECK_OK(store_account_claim(fx->store, id, by, clock_wall(), until, NULL, &got, &err), &err);
    CHECK(got);
}

TEST(claim_is_taken_over_from_a_dead_process)
{
    struct fixture fx;
    struct sbx_err err = { 0 };
    struct store_account a;
    bool got;

    setup(&fx);
    a = request(&fx, "demo", "a@corp.example");
    claim_as(&fx, a.id, (long)dead_pid(), clock_wall() + 3600);
    CHECK_OK(eng_reload(fx.e, &a, &err), &err);
    CHECK(!eng_claimed_by_other(fx.e, &a));
    CHECK_OK(eng_claim(fx.e, &a, 60, &got, &err), &err);
    CHECK(got);
    CHECK_STR_EQ(a.claim_by, engine_claim_id(fx.e));
    eng_unclaim(fx.e, &a);
    CHECK_OK(eng_reload(fx.e, &a, &err), &err);
    CHECK(a.claim_by == NULL);
    store_account_release(&a);
    teardown(&fx);
}

TEST(claim_of_a_live_process_is_respected_until_it_expires)
{
    struct fixture fx;
    struct sbx_err err = { 0 };
    struct store_account a;
    bool got;

    setup(&fx);
    a = request(&fx, "demo", "a@corp.example");
    claim_as(&fx, a.id, (long)getppid(), clock_wall() + 3600);
    CHECK_OK(eng_reload(fx.e, &a, &err), &err);
    CHECK(eng_claimed_by_other(fx.e, &a));
    CHECK_OK(eng_claim(fx.e, &a, 60, &got, &err), &err);
    CHECK(!got);
    /* Expired by the wall clock: anyone may take it. The engine clock does not matter. */
    claim_as(&fx, a.id, (long)getppid(), clock_wall() - 1);
    clock_advance(&fx.clock, -86400.0 * 365);
    CHECK_OK(eng_reload(fx.e, &a, &err), &err);
    CHECK(!eng_claimed_by_other(fx.e, &a));
    CHECK_OK(eng_claim(fx.e, &a, 60, &got, &err), &err);
    CHECK(got);
    store_account_release(&a);
    teardown(&fx);
}

TEST(claim_on_another_host_is_not_second_guessed)
{
    struct fixture fx;
    struct sbx_err err = { 0 };
    struct store_account a;
    bool got;

    setup(&fx);
    a = request(&fx, "demo", "a@corp.example");
    CHECK_OK(store_account_claim(fx.store, a.id, "elsewhere:1:x", clock_wall(), clock_wall() + 3600,
                                 NULL, &got, &err),
             &err);
    CHECK_OK(eng_reload(fx.e, &a, &err), &err);
    CHECK(eng_claimed_by_other(fx.e, &a));
    CHECK_OK(eng_claim(fx.e, &a, 60, &got, &err), &err);
    CHECK(!got);
    store_account_release(&a);
    teardown(&fx);
}

TEST(transitions_follow_the_table)
{
    struct fixture fx;
    struct sbx_err err = { 0 };
    struct store_account a, stale = { 0 };

    setup(&fx);
    a = request(&fx, "demo", "a@corp.example");
    CHECK_ERR(eng_transition(fx.e, &a, ENGINE_S_CLOSING, "bogus", NULL, NULL, &err), &err,
              SBX_E_FAILURE);
    CHECK_CONTAINS(err.msg, "requested -> closing is not allowed");
    CHECK_STR_EQ(engine_state_name(a.state), "requested");
    CHECK_OK(store_account_get(fx.store, a.id, &stale, &err), &err);
    CHECK_OK(eng_transition(fx.e, &a, ENGINE_S_CREATING, "submitted", NULL, NULL, &err), &err);
    /* A writer holding the old version loses and changes nothing. */
    CHECK_ERR(eng_transition(fx.e, &stale, ENGINE_S_FAILED, "create_failed", NULL, NULL, &err),
              &err, SBX_E_CONFLICT);
    CHECK_STR_EQ(engine_state_name(stale.state), "requested");
    CHECK_OK(eng_reload(fx.e, &stale, &err), &err);
    CHECK_STR_EQ(engine_state_name(stale.state), "creating");
    store_account_release(&a);
    store_account_release(&stale);
    teardown(&fx);
}

TEST(requests_validate_and_reserve_unique_aliases)
{
    struct fixture fx;
    struct sbx_err err = { 0 };
    struct store_account a, b, c = { 0 };
    struct engine_request r = { "demo", "a@corp.example", 4 * 86400, NULL, 0, NULL, 0, 0 };
    int64_t n = 0;

    setup(&fx);
    a = request(&fx, "demo", "A@Corp.Example");
    b = request(&fx, "demo", "a@corp.example");
    CHECK_STR_EQ(a.owner, "a@corp.example");
    CHECK(strcmp(a.email, b.email) != 0);
    CHECK(strcmp(a.name, b.name) != 0);
    CHECK_INT_EQ(a.expires_at, 1800000000 + 8 * 3600);
    CHECK_ERR(engine_request(fx.e, &r, &c, &err), &err, SBX_E_INVALID); /* 4d > 3d */
    r.ttl = ENGINE_TTL_DEFAULT;
    r.kind = "nope";
    CHECK_ERR(engine_request(fx.e, &r, &c, &err), &err, SBX_E_INVALID);
    r.kind = "demo";
    r.owner = "nobody";
    CHECK_ERR(engine_request(fx.e, &r, &c, &err), &err, SBX_E_INVALID);
    /* developer: one per owner. */
    store_account_release(&c);
    c = request(&fx, "developer", "d@corp.example");
    CHECK_INT_EQ(c.expires_at, 0);
    store_account_release(&c);
    r.kind = "developer";
    r.owner = "d@corp.example";
    CHECK_ERR(engine_request(fx.e, &r, &c, &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "max_per_owner");
    CHECK_OK(store_account_count(fx.store, ENGINE_S_REQUESTED, NULL, &n, &err), &err);
    CHECK_INT_EQ(n, 3);
    store_account_release(&a);
    store_account_release(&b);
    teardown(&fx);
}

TEST(close_request_without_aws)
{
    struct fixture fx;
    struct sbx_err err = { 0 };
    struct store_account a, b;
    enum engine_close_outcome out;
    char why[128];

    setup(&fx);
    /* Not sent yet: cancelled. */
    a = request(&fx, "demo", "a@corp.example");
    CHECK_OK(engine_close_request(fx.e, &a, "offboarded", 100, false, &out, why, sizeof(why), &err),
             &err);
    CHECK_INT_EQ(out, ENGINE_CLOSE_CANCELLED);
    CHECK_STR_EQ(engine_state_name(a.state), "failed");
    CHECK_STR_EQ(a.reason, "offboarded");
    /* Idempotent. */
    CHECK_OK(engine_close_request(fx.e, &a, "offboarded", 100, false, &out, why, sizeof(why), &err),
             &err);
    CHECK_INT_EQ(out, ENGINE_CLOSE_DONE);
    /* Active: expiring now, with the priority and reason. */
    b = request(&fx, "demo", "b@corp.example");
    CHECK_OK(eng_transition(fx.e, &b, ENGINE_S_CREATING, "submitted", NULL, NULL, &err), &err);
    CHECK_OK(eng_transition(fx.e, &b, ENGINE_S_ACTIVE, "activated", NULL, NULL, &err), &err);
    CHECK_OK(engine_close_request(fx.e, &b, "manual", 50, false, &out, why, sizeof(why), &err),
             &err);
    CHECK_INT_EQ(out, ENGINE_CLOSE_QUEUED);
    CHECK_STR_EQ(engine_state_name(b.state), "expiring");
    CHECK_INT_EQ(b.priority, 50);
    CHECK_INT_EQ(b.due_at, 1800000000);
    store_account_release(&a);
    store_account_release(&b);
    teardown(&fx);
}

TEST(extend_is_capped_and_retry_needs_a_stuck_account)
{
    struct fixture fx;
    struct sbx_err err = { 0 };
    struct store_account a;
    char warn[128];

    setup(&fx);
    a = request(&fx, "demo", "a@corp.example");
    CHECK_OK(eng_transition(fx.e, &a, ENGINE_S_CREATING, "submitted", NULL, NULL, &err), &err);
    a.active_at = 1800000000;
    CHECK_OK(eng_transition(fx.e, &a, ENGINE_S_ACTIVE, "activated", NULL, NULL, &err), &err);
    CHECK_ERR(engine_extend(fx.e, &a, 1800000000 + 3 * 86400 + 1, warn, sizeof(warn), &err), &err,
              SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "latest allowed is");
    CHECK_ERR(engine_extend(fx.e, &a, 1799999999, warn, sizeof(warn), &err), &err, SBX_E_INVALID);
    CHECK_OK(engine_extend(fx.e, &a, 1800000000 + 3 * 86400, warn, sizeof(warn), &err), &err);
    CHECK_INT_EQ(a.expires_at, 1800000000 + 3 * 86400);
    /* demo warns 1h before: that is the next due time. */
    CHECK_INT_EQ(a.due_at, 1800000000 + 3 * 86400 - 3600);
    CHECK_ERR(engine_retry(fx.e, &a, &err), &err, SBX_E_INVALID);
    store_account_release(&a);
    teardown(&fx);
}
