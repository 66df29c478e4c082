/*
 * test_engine_directory.c -- owners against the identity store: the directory check's decision
 * (who is off-boarded, and the brake that holds when too many owners vanish at once), and,
 * against an in-process simulator, missing users, created users, and the paced check that
 * off-boards an owner who left.
 */
#include <stdbool.h>
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
#include "engine/engine_directory.h"
#include "engine/engine_state.h"
#include "sim/sim.h"
#include "store/store.h"
#include "util/clock.h"

#define T0 1800000000.0

/* n owners, the first `gone` of them vanished; returns how many would be off-boarded. */
static size_t
decide(size_t n, size_t gone, int brake_owners, int brake_percent, bool *braked, bool *off)
{
    struct engine_directory_owner v[200];
    static char names[200][24];

    CHECK(n <= 200);
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof(names[i]), "u%zu@corp.example", i);
        v[i].owner = names[i];
        v[i].vanished = i < gone;
    }
    return engine_directory_decide(v, n, brake_owners, brake_percent, off, braked);
}

TEST(vanished_owners_are_offboarded)
{
    bool off[200], braked = true;

    CHECK_INT_EQ((int)decide(20, 2, 5, 10, &braked, off), 2);
    CHECK(!braked);
    CHECK(off[0] && off[1] && !off[2] && !off[19]);
    CHECK_INT_EQ((int)decide(20, 0, 5, 10, &braked, off), 0);
    CHECK(!braked);
    CHECK_INT_EQ((int)decide(0, 0, 5, 10, &braked, off), 0);
    CHECK(!braked);
}

TEST(brake_needs_both_more_than_owners_and_more_than_share)
{
    bool off[200], braked = false;

    /* 6 of 20 (30%): more than 5 and more than 10% -> nobody. */
    CHECK_INT_EQ((int)decide(20, 6, 5, 10, &braked, off), 0);
    CHECK(braked);
    for (int i = 0; i < 20; i++)
        CHECK(!off[i]);
    /* 5 of 10: half of them, but not more than 5 owners -> off-boarded. */
    CHECK_INT_EQ((int)decide(10, 5, 5, 10, &braked, off), 5);
    CHECK(!braked);
    /* 6 of 100 (6%): more than 5 owners, not more than 10% -> off-boarded. */
    CHECK_INT_EQ((int)decide(100, 6, 5, 10, &braked, off), 6);
    CHECK(!braked);
    /* 10 of 100 is exactly 10%: not more -> off-boarded; 11 of 100 brakes. */
    CHECK_INT_EQ((int)decide(100, 10, 5, 10, &braked, off), 10);
    CHECK(!braked);
    CHECK_INT_EQ((int)decide(100, 11, 5, 10, &braked, off), 0);
    CHECK(braked);
    /* A brake of 0 owners and 0%: any vanished owner brakes. */
    CHECK_INT_EQ((int)decide(50, 1, 0, 0, &braked, off), 0);
    CHECK(braked);
    /* 100%: the share can never be exceeded -> never brakes. */
    CHECK_INT_EQ((int)decide(20, 20, 5, 100, &braked, off), 20);
    CHECK(!braked);
}

/* --- against the simulator --------------------------------------------------------------- */

static void
fx_init(struct check_fx *f, bool dry_run)
{
    struct sim_opts so;

    sim_opts_init(&so);
    so.fixed_clock = true;
    so.start_time = T0;
    so.seed = 7;
    so.seeded = true;
    check_sim_open(f, &so);
    f->cfg->aws.sso_endpoint = check_strdup(f->cfg->aws.endpoint);
    f->cfg->aws.identitystore_endpoint = check_strdup(f->cfg->aws.endpoint);
    f->cfg->aws.max_attempts = 2;
    f->cfg->access.enabled = true;
    f->dry_run = dry_run;
    check_engine_open(f, T0);
}

/* Moves the simulator and the engine forward together. */
static void
advance(struct check_fx *f, double secs)
{
    sim_advance(f->sim, secs);
    clock_advance(&f->clock, secs);
}

/* An admin call that must succeed. */
static void
admin(struct check_fx *f, const char *path, const char *body)
{
    struct sim_reply r;

    CHECK(sim_admin_call(f->sim, "POST", path, body, strlen(body), &r) == 0);
    if (r.status != 200)
        CHECK_FAIL("POST %s %s: %d %.*s", path, body, r.status, (int)r.len, r.body);
    sim_reply_release(&r);
}

static void
add_user(struct check_fx *f, const char *email)
{
    char body[256];

    snprintf(body, sizeof(body), "{\"UserName\":\"%s\",\"Email\":\"%s\"}", email, email);
    admin(f, "/__sim/idc/users", body);
}

static int
users_in_sim(struct check_fx *f)
{
    struct sim_reply r;
    cJSON *o;
    int n;

    CHECK(sim_admin_call(f->sim, "GET", "/__sim/idc", NULL, 0, &r) == 0);
    o = cJSON_ParseWithLength(r.body, r.len);
    sim_reply_release(&r);
    n = cJSON_GetArraySize(cJSON_GetObjectItem(o, "users"));
    cJSON_Delete(o);
    return n;
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

static enum engine_state
state_of(struct check_fx *f, int64_t id, char *reason, size_t n)
{
    struct store_account a = { 0 };
    struct sbx_err err = { 0 };
    enum engine_state st;

    CHECK_OK(store_account_get(f->store, id, &a, &err), &err);
    st = a.state;
    if (reason != NULL)
        snprintf(reason, n, "%s", a.reason != NULL ? a.reason : "");
    store_account_release(&a);
    return st;
}

TEST(missing_users_are_named_before_anything_is_created)
{
    const char *owners[] = { "ann@corp.example", "bob@corp.example", "ann@corp.example",
                             "cat@corp.example" };
    struct engine_directory_users r;
    struct sbx_err err = { 0 };
    struct check_fx f;

    fx_init(&f, false);
    add_user(&f, "ann@corp.example");
    CHECK_ERR(engine_directory_users(f.e, owners, 4, &r, &err), &err, SBX_E_NOTFOUND);
    CHECK_CONTAINS(err.msg, "2 owners have no IAM Identity Center user");
    CHECK_CONTAINS(err.msg, "bob@corp.example, cat@corp.example");
    CHECK_INT_EQ((int)r.nmissing, 2);
    CHECK_INT_EQ((int)r.ncreated, 0);
    engine_directory_users_release(&r);
    CHECK_OK(engine_directory_users(f.e, owners, 1, &r, &err), &err);
    CHECK_INT_EQ((int)r.nmissing, 0);
    engine_directory_users_release(&r);
    /* Without the access group nothing is looked up. */
    f.cfg->access.enabled = false;
    CHECK_OK(engine_directory_users(f.e, owners, 4, &r, &err), &err);
    CHECK(!r.checked);
    engine_directory_users_release(&r);
    check_fx_close(&f);
}

TEST(create_users_creates_and_joins_groups_or_is_refused_by_an_external_source)
{
    const char *owners[] = { "ann.lee@corp.example", "bob@corp.example" };
    struct engine_directory_users r;
    struct sbx_err err = { 0 };
    struct sim_reply rep;
    struct check_fx f;
    cJSON *o;

    fx_init(&f, false);
    f.cfg->access.create_users = true;
    f.cfg->access.user_groups = check_strdup("students");
    admin(&f, "/__sim/idc/groups", "{\"DisplayName\":\"students\"}");
    /* An external identity source: refused, said so, nothing created. */
    admin(&f, "/__sim/idc", "{\"identity_source\":\"external\"}");
    CHECK_ERR(engine_directory_users(f.e, owners, 2, &r, &err), &err, SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "users can be created only in IAM Identity Center's own directory");
    CHECK_INT_EQ((int)r.nmissing, 2);
    engine_directory_users_release(&r);
    CHECK_INT_EQ(users_in_sim(&f), 0);
    /* Identity Center's own directory: both created, in the group, audited. */
    admin(&f, "/__sim/idc", "{\"identity_source\":\"internal\"}");
    CHECK_OK(engine_directory_users(f.e, owners, 2, &r, &err), &err);
    CHECK_INT_EQ((int)r.ncreated, 2);
    CHECK_INT_EQ((int)r.nmissing, 0);
    engine_directory_users_release(&r);
    CHECK_INT_EQ(users_in_sim(&f), 2);
    CHECK(sim_admin_call(f.sim, "GET", "/__sim/idc", NULL, 0, &rep) == 0);
    o = cJSON_ParseWithLength(rep.body, rep.len);
    sim_reply_release(&rep);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(o, "memberships")), 2);
    CHECK_STR_EQ(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "users"), 0),
                                     "DisplayName")
                         ->valuestring,
                 "ann.lee");
    cJSON_Delete(o);
    /* Found now: nothing more to create. */
    CHECK_OK(engine_directory_users(f.e, owners, 2, &r, &err), &err);
    CHECK_INT_EQ((int)r.ncreated, 0);
    engine_directory_users_release(&r);
    check_fx_close(&f);
}

TEST(check_offboards_a_leaver_paced)
{
    struct engine_directory_report r;
    struct sbx_err err = { 0 };
    char reason[64];
    int64_t ann, bob;
    struct check_fx f;

    fx_init(&f, false);
    add_user(&f, "ann@corp.example");
    add_user(&f, "bob@corp.example");
    ann = request(&f, "ann@corp.example");
    bob = request(&f, "bob@corp.example");
    CHECK_OK(engine_directory_check(f.e, false, &r, &err), &err);
    CHECK(r.ran);
    CHECK_INT_EQ(r.owners, 2);
    CHECK_INT_EQ(r.vanished, 0);
    admin(&f, "/__sim/idc/users/delete", "{\"UserName\":\"bob@corp.example\"}");
    /* Paced: not due again before the interval. */
    advance(&f, 3599);
    CHECK_OK(engine_directory_check(f.e, false, &r, &err), &err);
    CHECK(!r.ran);
    CHECK(r.next_at == (int64_t)T0 + 3600);
    advance(&f, 1);
    CHECK_OK(engine_directory_check(f.e, false, &r, &err), &err);
    CHECK(r.ran && !r.braked);
    CHECK_INT_EQ(r.vanished, 1);
    CHECK_INT_EQ(r.offboarded, 1);
    CHECK_INT_EQ(r.accounts, 1);
    CHECK_INT_EQ((int)state_of(&f, ann, NULL, 0), ENGINE_S_REQUESTED);
    CHECK_INT_EQ((int)state_of(&f, bob, reason, sizeof(reason)), ENGINE_S_FAILED);
    CHECK_STR_EQ(reason, "owner_left_directory");
    check_fx_close(&f);
}

TEST(brake_holds_when_six_of_twenty_vanish)
{
    struct engine_directory_report r;
    struct sbx_err err = { 0 };
    int64_t ids[20];
    char owner[64], *brake = NULL;
    struct check_fx f;

    fx_init(&f, false);
    for (int i = 0; i < 20; i++) {
        snprintf(owner, sizeof(owner), "u%02d@corp.example", i);
        if (i >= 6)
            add_user(&f, owner);
        ids[i] = request(&f, owner);
    }
    CHECK_OK(engine_directory_check(f.e, true, &r, &err), &err);
    CHECK(r.ran && r.braked);
    CHECK_INT_EQ(r.owners, 20);
    CHECK_INT_EQ(r.vanished, 6);
    CHECK_INT_EQ(r.offboarded, 0);
    CHECK_CONTAINS(r.brake, "6 of 20 owners have no IAM Identity Center user");
    for (int i = 0; i < 20; i++)
        CHECK_INT_EQ((int)state_of(&f, ids[i], NULL, 0), ENGINE_S_REQUESTED);
    CHECK_OK(store_meta_get(f.store, ENGINE_META_DIRECTORY_BRAKE, &brake, &err), &err);
    CHECK(brake != NULL);
    CHECK_CONTAINS(brake, "6 of 20 owners");
    free(brake);
    brake = NULL;
    /* Five of them come back: one vanished of 20 is off-boarded and the brake is released. */
    for (int i = 1; i < 6; i++) {
        snprintf(owner, sizeof(owner), "u%02d@corp.example", i);
        add_user(&f, owner);
    }
    CHECK_OK(engine_directory_check(f.e, true, &r, &err), &err);
    CHECK(!r.braked);
    CHECK_INT_EQ(r.offboarded, 1);
    CHECK_INT_EQ((int)state_of(&f, ids[0], NULL, 0), ENGINE_S_FAILED);
    CHECK_OK(store_meta_get(f.store, ENGINE_META_DIRECTORY_BRAKE, &brake, &err), &err);
    CHECK(brake == NULL || *brake == '\0');
    free(brake);
    check_fx_close(&f);
}

TEST(throttled_directory_offboards_nobody)
{
    struct engine_directory_report r;
    struct sbx_err err = { 0 };
    int64_t ann;
    struct check_fx f;

    fx_init(&f, false);
    ann = request(&f, "ann@corp.example"); /* no user: would be off-boarded */
    admin(&f, "/__sim/faults", "{\"throttle_rate\":1,\"ops\":[\"GetUserId\"]}");
    CHECK(engine_directory_check(f.e, false, &r, &err) != 0);
    CHECK(err.code == SBX_E_AWS && err.aws == SBX_AWS_THROTTLED);
    CHECK_CONTAINS(err.msg, "nobody off-boarded");
    CHECK_INT_EQ((int)state_of(&f, ann, NULL, 0), ENGINE_S_REQUESTED);
    /* Tried again an interval later, not at the next pass. */
    admin(&f, "/__sim/faults", "{\"throttle_rate\":0}");
    CHECK_OK(engine_directory_check(f.e, false, &r, &err), &err);
    CHECK(!r.ran);
    advance(&f, 3600);
    CHECK_OK(engine_directory_check(f.e, false, &r, &err), &err);
    CHECK(r.ran);
    CHECK_INT_EQ(r.offboarded, 1);
    check_fx_close(&f);
}

TEST(doctor_probes_instance_permission_sets_and_each_read_call)
{
    struct engine_access_probe p[32];
    struct check_fx f;
    size_t n;
    int failed = 0;

    fx_init(&f, false);
    f.cfg->kinds[0].permission_set = check_strdup("ReadOnlyAccess");
    admin(&f, "/__sim/faults", "{\"deny_ops\":[\"GetGroupId\"]}");
    n = engine_directory_doctor(f.cfg, f.orgs, p, 32);
    CHECK(n > 10);
    CHECK_STR_EQ(p[0].name, "access instance");
    CHECK_INT_EQ(p[0].status, 0);
    CHECK_CONTAINS(p[0].detail, "d-9067a1b2c3");
    for (size_t i = 0; i < n; i++) {
        if (p[i].status == 1) {
            failed++;
            CHECK_STR_EQ(p[i].name, "identitystore:GetGroupId");
            CHECK_CONTAINS(p[i].detail, "denied");
        }
        if (strcmp(p[i].name, "permission set developer") == 0)
            CHECK_CONTAINS(p[i].detail, "ReadOnlyAccess: arn:aws:sso:::permissionSet/");
        if (strcmp(p[i].name, "identitystore:GetUserId") == 0)
            CHECK_INT_EQ(p[i].status, 0);
    }
    CHECK_INT_EQ(failed, 1);
    CHECK_STR_EQ(p[n - 1].name, "access writes");
    /* A permission set that does not exist is named. */
    free(f.cfg->kinds[0].permission_set);
    f.cfg->kinds[0].permission_set = check_strdup("NoSuchSet");
    n = engine_directory_doctor(f.cfg, f.orgs, p, 32);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(p[i].name, "permission set developer") == 0) {
            CHECK_INT_EQ(p[i].status, 1);
            CHECK_CONTAINS(p[i].detail, "no permission set named 'NoSuchSet'");
        }
    }
    f.cfg->access.enabled = false;
    CHECK_INT_EQ((int)engine_directory_doctor(f.cfg, f.orgs, p, 32), 0);
    check_fx_close(&f);
}
