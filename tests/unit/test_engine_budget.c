/* test_engine_budget.c -- the spend guard's pure decision: which warnings fire, when the limit
 * fires, once each per period; money in integer cents. And the check itself against an
 * in-process simulator on fixed clocks moved together: a monthly budget's warnings fire again
 * in a new month, an account's own budget wins over its kind's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/orgs.h"
#include "check.h"
#include "cli/cmd.h"
#include "engine/engine_budget.h"
#include "sim/sim.h"
#include "store/store.h"
#include "util/clock.h"

#define T0 1800921600.0 /* 2027-01-26T00:00:00Z */

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

/* --- the check against the simulator --------------------------------------------------------- */

static void
fx_init(struct check_fx *f)
{
    struct sim_opts so;

    sim_opts_init(&so);
    so.fixed_clock = true;
    so.start_time = T0;
    so.seed = 7;
    so.seeded = true;
    so.throttle = false;
    so.ce_lag = 0;
    check_sim_open(f, &so);
    free(f->cfg->aws.ce_endpoint);
    f->cfg->aws.ce_endpoint = check_strdup(f->cfg->aws.endpoint);
    check_engine_open(f, T0);
}

static void
advance(struct check_fx *f, double secs)
{
    sim_advance(f->sim, secs);
    clock_advance(&f->clock, secs);
}

static void
admin(struct check_fx *f, const char *path, const char *body, char *id, size_t n)
{
    struct sim_reply r;
    cJSON *o;

    CHECK(sim_admin_call(f->sim, "POST", path, body, strlen(body), &r) == 0);
    CHECK_INT_EQ(r.status, 200);
    if (id != NULL) {
        o = cJSON_ParseWithLength(r.body, r.len);
        CHECK(o != NULL && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "Id")));
        snprintf(id, n, "%s", cJSON_GetObjectItemCaseSensitive(o, "Id")->valuestring);
        cJSON_Delete(o);
    }
    sim_reply_release(&r);
}

/* An active row of kind (first kind) for a new member that spends per_day USD a day. */
static int64_t
active_account(struct check_fx *f, int n, int per_day, char *id)
{
    struct store_account a = { 0 };
    struct store_audit_ev ev = { (int64_t)T0, "test", "adopted", NULL, "active", NULL };
    struct sbx_err err = { 0 };
    char body[160], email[64], name[64], owner[] = "o@corp.example", empty[] = "";

    snprintf(email, sizeof(email), "b%d@example.com", n);
    snprintf(name, sizeof(name), "b%d", n);
    snprintf(body, sizeof(body), "{\"Email\":\"%s\",\"Name\":\"%s\"}", email, name);
    admin(f, "/__sim/accounts", body, id, 13);
    snprintf(body, sizeof(body), "{\"AccountId\":\"%s\",\"PerDay\":%d}", id, per_day);
    admin(f, "/__sim/spend", body, NULL, 0);
    snprintf(a.account_id, sizeof(a.account_id), "%s", id);
    a.email = email;
    a.name = name;
    a.kind = f->cfg->kinds[0].name;
    a.owner = owner;
    a.reason = empty;
    a.last_error = empty;
    a.state = ENGINE_S_ACTIVE;
    a.active_at = (int64_t)clock_now(&f->clock);
    CHECK_OK(store_account_insert(f->store, &a, 0, &ev, &err), &err);
    return a.id;
}

static void
check(struct check_fx *f, struct engine_budget_report *r)
{
    struct sbx_err err = { 0 };

    CHECK_OK(engine_budget_check(f->e, false, r, &err), &err);
    CHECK_STR_EQ(r->error, "");
}

/* A monthly budget: 24 USD a day against 20 USD; the 50% warning fires on day one, again in
 * the next month (a new period), and the limit then; an account's own 100 USD budget waits. */
TEST(monthly_warnings_fire_again_in_a_new_month)
{
    struct check_fx f;
    struct engine_budget_report r;
    struct engine_budget_status st;
    struct sbx_err err = { 0 };
    struct store_account a = { 0 };
    char id[13], own_id[13];
    int64_t row, own;

    fx_init(&f);
    f.cfg->kinds[0].budget.limit = 2000;
    f.cfg->kinds[0].budget.period = CFG_BUDGET_MONTHLY;
    f.cfg->kinds[0].budget.warn[0] = 50;
    f.cfg->kinds[0].budget.nwarn = 1;
    f.cfg->budget.check_interval = 3600;
    advance(&f, 5 * 86400); /* 2027-01-31T00:00Z */
    row = active_account(&f, 1, 24, id);
    own = active_account(&f, 2, 24, own_id);
    CHECK_OK(store_budget_set_limit(f.store, own, 10000, &err), &err);

    check(&f, &r); /* nothing spent yet */
    CHECK(r.checked);
    CHECK_INT_EQ(r.warned, 0);
    advance(&f, 1800);
    check(&f, &r);
    CHECK(!r.checked);             /* paced: an interval after the last */
    advance(&f, 12 * 3600 - 1800); /* 12 USD of 20: 50% */
    check(&f, &r);
    CHECK(r.checked);
    CHECK_INT_EQ(r.pages, 1);
    CHECK_INT_EQ(r.warned, 1); /* the kind's budget only; the own 100 USD is at 12% */
    CHECK_OK(store_account_get(f.store, row, &a, &err), &err);
    CHECK_OK(engine_budget_status(f.cfg, f.store, &a, &st, &err), &err);
    CHECK_INT_EQ(st.limit, 2000);
    CHECK_INT_EQ(st.spent, 1200);
    CHECK_STR_EQ(st.period, "2027-01");
    CHECK_INT_EQ(st.warned, 50);
    store_account_release(&a);
    advance(&f, 3600);
    check(&f, &r);
    CHECK_INT_EQ(r.warned, 0); /* once per threshold and period */

    advance(&f, 11 * 3600); /* 2027-02-01T00:00Z: a new month, nothing spent in it */
    check(&f, &r);
    CHECK_INT_EQ(r.warned, 0);
    advance(&f, 11 * 3600); /* 11 USD in February */
    check(&f, &r);
    CHECK_INT_EQ(r.warned, 1);
    CHECK_INT_EQ(r.exceeded, 0);
    advance(&f, 10 * 3600); /* 21 USD */
    check(&f, &r);
    CHECK_INT_EQ(r.exceeded, 1);
    CHECK_INT_EQ(r.frozen, 0); /* at_limit notify */
    CHECK_OK(store_account_get(f.store, row, &a, &err), &err);
    CHECK_INT_EQ(a.state, ENGINE_S_ACTIVE);
    CHECK_OK(engine_budget_status(f.cfg, f.store, &a, &st, &err), &err);
    CHECK_STR_EQ(st.period, "2027-02");
    CHECK(st.exceeded);
    store_account_release(&a);
    CHECK_OK(store_account_get(f.store, own, &a, &err), &err);
    CHECK_OK(engine_budget_status(f.cfg, f.store, &a, &st, &err), &err);
    CHECK(st.own);
    CHECK_INT_EQ(st.limit, 10000);
    CHECK(!st.exceeded);
    store_account_release(&a);
    check_fx_close(&f);
}
