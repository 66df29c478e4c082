/*
 * test_sim.c -- the simulator's state machine, driven directly: JSON in, JSON out, a fixed
 * clock moved only by sim_advance(). Every limit and failure AWS documents is exercised here;
 * the HTTP layer has its own integration tests (tests/integration/t00*-sim-*.sh).
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "sim/sim.h"
#include "util/clock.h"

#define T0 1767225600.0 /* 2026-01-01T00:00:00Z */

static struct sim_caller mgmt;

static void
opts_base(struct sim_opts *o)
{
    sim_opts_init(o);
    o->access_key_id = "AKIDTEST";
    o->secret_access_key = "secret";
    o->fixed_clock = true;
    o->start_time = T0;
    o->seed = 42;
    o->seeded = true;
    o->throttle = false;
    o->account_limit = 100;
}

static struct sim *
mk(const struct sim_opts *o)
{
    struct sim *s = NULL;
    struct sbx_err err = { 0 };

    CHECK_OK(sim_new(o, &s, &err), &err);
    sim_caller_management(s, &mgmt);
    return s;
}

static struct sim *
mk_default(void)
{
    struct sim_opts o;

    opts_base(&o);
    return mk(&o);
}

/* An admin call with a NUL-terminated body. */
static int
admin(struct sim *s, const char *method, const char *path, const char *body, struct sim_reply *r)
{
    return sim_admin_call(s, method, path, body, body != NULL ? strlen(body) : 0, r);
}

/* Runs op with body as caller; returns the parsed answer (an empty object for no body). */
static cJSON *
call_as(struct sim *s, const struct sim_caller *who, const char *op, const char *body, int *status)
{
    struct sim_reply r;
    cJSON *out;

    CHECK(sim_orgs_call(s, op, body, strlen(body), who, &r) == 0);
    if (status != NULL)
        *status = r.status;
    out = r.len == 0 ? cJSON_CreateObject() : cJSON_Parse(r.body);
    CHECK(out != NULL);
    CHECK_STR_EQ(r.content_type, "application/x-amz-json-1.1");
    CHECK(strlen(r.request_id) == 36);
    sim_reply_release(&r);
    return out;
}

static cJSON *
call(struct sim *s, const char *op, const char *body, int *status)
{
    return call_as(s, &mgmt, op, body, status);
}

static const char *
str(const cJSON *o, const char *path)
{
    /* path: "A.B.C" through objects */
    char buf[256], *p = buf, *dot;
    const cJSON *cur = o;

    snprintf(buf, sizeof(buf), "%s", path);
    for (;;) {
        dot = strchr(p, '.');
        if (dot != NULL)
            *dot = '\0';
        cur = cJSON_GetObjectItemCaseSensitive(cur, p);
        if (dot == NULL)
            break;
        p = dot + 1;
    }
    return cJSON_IsString(cur) ? cur->valuestring : NULL;
}

/* Expects an error of type (and reason, if non-NULL) with HTTP status. */
static void
expect_error(struct sim *s, const char *op, const char *body, int status, const char *type,
             const char *reason)
{
    int st = 0;
    cJSON *o = call(s, op, body, &st);

    if (st != status || str(o, "__type") == NULL || strcmp(str(o, "__type"), type) != 0 ||
        (reason != NULL && (str(o, "Reason") == NULL || strcmp(str(o, "Reason"), reason) != 0))) {
        char *t = cJSON_PrintUnformatted(o);

        CHECK_FAIL("%s %s: expected %d %s/%s, got %d %s", op, body, status, type,
                   reason ? reason : "-", st, t);
    }
    CHECK(str(o, "Message") != NULL);
    cJSON_Delete(o);
}

static void
expect_ok(struct sim *s, const char *op, const char *body)
{
    int st = 0;
    cJSON *o = call(s, op, body, &st);

    if (st != 200) {
        char *t = cJSON_PrintUnformatted(o);

        CHECK_FAIL("%s %s: expected 200, got %d %s", op, body, st, t);
    }
    cJSON_Delete(o);
}

/* CreateAccount; returns the request id (static buffer). */
static const char *
create(struct sim *s, const char *email)
{
    static char id[64];
    char body[256];
    int st = 0;
    cJSON *o;

    snprintf(body, sizeof(body), "{\"Email\":\"%s\",\"AccountName\":\"acct %s\"}", email, email);
    o = call(s, "CreateAccount", body, &st);
    CHECK_INT_EQ(st, 200);
    CHECK_STR_EQ(str(o, "CreateAccountStatus.State"), "IN_PROGRESS");
    snprintf(id, sizeof(id), "%s", str(o, "CreateAccountStatus.Id"));
    cJSON_Delete(o);
    return id;
}

/* DescribeCreateAccountStatus; copies State, AccountId and FailureReason. */
static void
status_of(struct sim *s, const char *car, char *state, char *account, char *reason)
{
    char body[128];
    int st = 0;
    cJSON *o;

    snprintf(body, sizeof(body), "{\"CreateAccountRequestId\":\"%s\"}", car);
    o = call(s, "DescribeCreateAccountStatus", body, &st);
    CHECK_INT_EQ(st, 200);
    snprintf(state, 32, "%s", str(o, "CreateAccountStatus.State"));
    snprintf(account, 16, "%s",
             str(o, "CreateAccountStatus.AccountId") ? str(o, "CreateAccountStatus.AccountId")
                                                     : "");
    snprintf(reason, 64, "%s",
             str(o, "CreateAccountStatus.FailureReason")
                     ? str(o, "CreateAccountStatus.FailureReason")
                     : "");
    cJSON_Delete(o);
}

/* Creates an account and waits (simulated) until it exists; returns its id (static). */
static const char *
create_ok(struct sim *s, const char *email)
{
    static char acct[16];
    char car[64], state[32], reason[64];

    snprintf(car, sizeof(car), "%s", create(s, email));
    sim_advance(s, 60);
    status_of(s, car, state, acct, reason);
    CHECK_STR_EQ(state, "SUCCEEDED");
    CHECK_INT_EQ(strlen(acct), 12);
    return acct;
}

static void
close_ok(struct sim *s, const char *acct)
{
    char body[64];

    snprintf(body, sizeof(body), "{\"AccountId\":\"%s\"}", acct);
    expect_ok(s, "CloseAccount", body);
}

static void
describe(struct sim *s, const char *acct, char *state, char *status)
{
    char body[64];
    cJSON *o;
    int st = 0;

    snprintf(body, sizeof(body), "{\"AccountId\":\"%s\"}", acct);
    o = call(s, "DescribeAccount", body, &st);
    CHECK_INT_EQ(st, 200);
    snprintf(state, 32, "%s", str(o, "Account.State"));
    snprintf(status, 32, "%s", str(o, "Account.Status"));
    cJSON_Delete(o);
}

static cJSON *
dump(struct sim *s)
{
    char *text = NULL;
    struct sbx_err err = { 0 };
    cJSON *o;

    CHECK_OK(sim_state_json(s, false, &text, &err), &err);
    o = cJSON_Parse(text);
    CHECK(o != NULL);
    free(text);
    return o;
}

static double
dump_num(struct sim *s, const char *section, const char *key)
{
    cJSON *d = dump(s);
    const cJSON *v =
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, section), key);
    double n;

    CHECK(cJSON_IsNumber(v));
    n = v->valuedouble;
    cJSON_Delete(d);
    return n;
}

/* ----------------------------------------------------------------------------------------- */

TEST(create_account_is_asynchronous)
{
    struct sim *s = mk_default();
    char car[64], state[32], acct[16], reason[64], st2[32], status[32];

    snprintf(car, sizeof(car), "%s", create(s, "a1@example.com"));
    CHECK(strncmp(car, "car-", 4) == 0 && strlen(car) == 36);
    status_of(s, car, state, acct, reason);
    CHECK_STR_EQ(state, "IN_PROGRESS");
    sim_advance(s, 59);
    status_of(s, car, state, acct, reason);
    CHECK_STR_EQ(state, "IN_PROGRESS");
    sim_advance(s, 1);
    status_of(s, car, state, acct, reason);
    CHECK_STR_EQ(state, "SUCCEEDED");
    CHECK_INT_EQ(strlen(acct), 12);
    describe(s, acct, st2, status);
    CHECK_STR_EQ(st2, "ACTIVE");
    CHECK_STR_EQ(status, "ACTIVE");
    expect_error(s, "DescribeCreateAccountStatus",
                 "{\"CreateAccountRequestId\":\"car-00000000000000000000000000000000\"}", 400,
                 "CreateAccountStatusNotFoundException", NULL);
    sim_free(s);
}

TEST(describe_account_shape)
{
    struct sim *s = mk_default();
    const char *acct = create_ok(s, "shape@example.com");
    char body[64], want[128];
    cJSON *o;
    int st;

    snprintf(body, sizeof(body), "{\"AccountId\":\"%s\"}", acct);
    o = call(s, "DescribeAccount", body, &st);
    CHECK_STR_EQ(str(o, "Account.JoinedMethod"), "CREATED");
    CHECK_STR_EQ(str(o, "Account.Email"), "shape@example.com");
    snprintf(want, sizeof(want), "arn:aws:organizations::111111111111:account/o-a1b2c3d4e5/%s",
             acct);
    CHECK_STR_EQ(str(o, "Account.Arn"), want);
    CHECK(cJSON_IsNumber(
            cJSON_GetObjectItem(cJSON_GetObjectItem(o, "Account"), "JoinedTimestamp")));
    CHECK_CONTAINS(
            cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "Account"), "Paths"), 0)
                    ->valuestring,
            "o-a1b2c3d4e5/r-");
    cJSON_Delete(o);
    sim_free(s);
}

TEST(duplicate_email_fails_even_after_closure_and_departure)
{
    struct sim *s = mk_default();
    const char *acct = create_ok(s, "dup@example.com");
    char car[64], state[32], id[16], reason[64];

    close_ok(s, acct);
    sim_advance(s, 300);
    snprintf(car, sizeof(car), "%s", create(s, "DUP@example.com"));
    sim_advance(s, 60);
    status_of(s, car, state, id, reason);
    CHECK_STR_EQ(state, "FAILED");
    CHECK_STR_EQ(reason, "EMAIL_ALREADY_EXISTS");
    sim_advance(s, 91 * 86400.0);
    snprintf(car, sizeof(car), "%s", create(s, "dup@example.com"));
    sim_advance(s, 60);
    status_of(s, car, state, id, reason);
    CHECK_STR_EQ(reason, "EMAIL_ALREADY_EXISTS");
    /* the management account's address is taken too */
    snprintf(car, sizeof(car), "%s", create(s, "management@example.com"));
    sim_advance(s, 60);
    status_of(s, car, state, id, reason);
    CHECK_STR_EQ(reason, "EMAIL_ALREADY_EXISTS");
    sim_free(s);
}

TEST(duplicate_in_flight_request_is_concurrent_modification)
{
    struct sim *s = mk_default();
    char a[64], b[64], state[32], id[16], reason[64];

    snprintf(a, sizeof(a), "%s", create(s, "twice@example.com"));
    snprintf(b, sizeof(b), "%s", create(s, "twice@example.com"));
    sim_advance(s, 60);
    status_of(s, a, state, id, reason);
    CHECK_STR_EQ(state, "SUCCEEDED");
    status_of(s, b, state, id, reason);
    CHECK_STR_EQ(state, "FAILED");
    CHECK_STR_EQ(reason, "CONCURRENT_ACCOUNT_MODIFICATION");
    sim_free(s);
}

TEST(strict_email_rules_fail_asynchronously)
{
    struct sim *s = mk_default();
    char car[64], state[32], id[16], reason[64];

    snprintf(car, sizeof(car), "%s", create(s, "a,b@example.com"));
    sim_advance(s, 60);
    status_of(s, car, state, id, reason);
    CHECK_STR_EQ(reason, "INVALID_EMAIL");
    sim_free(s);
}

TEST(account_limit_counts_closed_accounts_for_90_days)
{
    struct sim_opts o;
    struct sim *s;
    char acct[16], car[64], state[32], id[16], reason[64];

    opts_base(&o);
    o.account_limit = 3; /* management + 2 */
    s = mk(&o);
    create_ok(s, "l1@example.com");
    snprintf(acct, sizeof(acct), "%s", create_ok(s, "l2@example.com"));
    snprintf(car, sizeof(car), "%s", create(s, "l3@example.com"));
    sim_advance(s, 60);
    status_of(s, car, state, id, reason);
    CHECK_STR_EQ(state, "FAILED");
    CHECK_STR_EQ(reason, "ACCOUNT_LIMIT_EXCEEDED");
    close_ok(s, acct);
    sim_advance(s, 86400);
    snprintf(car, sizeof(car), "%s", create(s, "l4@example.com"));
    sim_advance(s, 60);
    status_of(s, car, state, id, reason);
    CHECK_STR_EQ(reason, "ACCOUNT_LIMIT_EXCEEDED");
    /* 90 days after the closure completed the account leaves and frees its slot */
    sim_advance(s, 90 * 86400.0);
    create_ok(s, "l5@example.com");
    sim_free(s);
}

TEST(only_five_creations_in_progress)
{
    struct sim *s = mk_default();
    int st;
    cJSON *o;

    for (int i = 0; i < 5; i++) {
        char email[64];

        snprintf(email, sizeof(email), "p%d@example.com", i);
        create(s, email);
    }
    o = call(s, "CreateAccount", "{\"Email\":\"p5@example.com\",\"AccountName\":\"p5\"}", &st);
    CHECK_INT_EQ(st, 400);
    CHECK_STR_EQ(str(o, "__type"), "TooManyRequestsException");
    CHECK_CONTAINS(str(o, "Message"), "another request is already in progress");
    cJSON_Delete(o);
    CHECK_INT_EQ(dump_num(s, "limits", "creating"), 5);
    sim_advance(s, 60);
    create(s, "p5@example.com");
    sim_free(s);
}

TEST(close_account_states_and_errors)
{
    struct sim *s = mk_default();
    char acct[16], state[32], status[32], body[64];

    snprintf(acct, sizeof(acct), "%s", create_ok(s, "c1@example.com"));
    expect_error(s, "CloseAccount", "{\"AccountId\":\"111111111111\"}", 400,
                 "ConstraintViolationException", "CANNOT_CLOSE_MANAGEMENT_ACCOUNT");
    expect_error(s, "CloseAccount", "{\"AccountId\":\"999999999999\"}", 400,
                 "AccountNotFoundException", NULL);
    close_ok(s, acct);
    describe(s, acct, state, status);
    CHECK_STR_EQ(state, "PENDING_CLOSURE");
    CHECK_STR_EQ(status, "PENDING_CLOSURE");
    snprintf(body, sizeof(body), "{\"AccountId\":\"%s\"}", acct);
    expect_error(s, "CloseAccount", body, 400, "ConflictException", NULL);
    sim_advance(s, 300);
    describe(s, acct, state, status);
    CHECK_STR_EQ(state, "CLOSED");
    CHECK_STR_EQ(status, "SUSPENDED");
    expect_error(s, "CloseAccount", body, 400, "AccountAlreadyClosedException", NULL);
    sim_free(s);
}

TEST(at_most_three_closures_in_flight)
{
    struct sim *s = mk_default();
    char ids[4][16], body[64];

    for (int i = 0; i < 4; i++) {
        char email[64];

        snprintf(email, sizeof(email), "f%d@example.com", i);
        snprintf(ids[i], sizeof(ids[i]), "%s", create_ok(s, email));
    }
    for (int i = 0; i < 3; i++)
        close_ok(s, ids[i]);
    snprintf(body, sizeof(body), "{\"AccountId\":\"%s\"}", ids[3]);
    expect_error(s, "CloseAccount", body, 400, "ConstraintViolationException",
                 "CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED");
    sim_advance(s, 299);
    expect_error(s, "CloseAccount", body, 400, "ConstraintViolationException",
                 "CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED");
    sim_advance(s, 1);
    close_ok(s, ids[3]);
    sim_free(s);
}

TEST(close_quota_exhausted_then_recovered_when_window_rolls)
{
    struct sim_opts o;
    struct sim *s;
    char ids[3][16], body[64];

    opts_base(&o);
    o.close_quota = 2;
    s = mk(&o);
    for (int i = 0; i < 3; i++) {
        char email[64];

        snprintf(email, sizeof(email), "q%d@example.com", i);
        snprintf(ids[i], sizeof(ids[i]), "%s", create_ok(s, email));
    }
    close_ok(s, ids[0]);
    sim_advance(s, 10 * 86400.0);
    close_ok(s, ids[1]);
    sim_advance(s, 600);
    snprintf(body, sizeof(body), "{\"AccountId\":\"%s\"}", ids[2]);
    expect_error(s, "CloseAccount", body, 400, "ConstraintViolationException",
                 "CLOSE_ACCOUNT_QUOTA_EXCEEDED");
    CHECK_INT_EQ(dump_num(s, "limits", "close_used_30d"), 2);
    /* 30 days after the first closure one slot is free again; not a second before */
    sim_advance(s, 20 * 86400.0 - 600 - 1);
    expect_error(s, "CloseAccount", body, 400, "ConstraintViolationException",
                 "CLOSE_ACCOUNT_QUOTA_EXCEEDED");
    sim_advance(s, 1);
    close_ok(s, ids[2]);
    sim_free(s);
}

TEST(close_quota_formula)
{
    struct sim_opts o;
    struct sim *s;

    opts_base(&o);
    s = mk(&o);
    CHECK_INT_EQ(dump_num(s, "limits", "close_quota"), 250); /* max(250, 20% of 0) */
    sim_free(s);
    opts_base(&o);
    o.close_quota_min = 1;
    o.close_quota_pct = 50;
    o.close_quota_max = 3;
    s = mk(&o);
    CHECK_INT_EQ(dump_num(s, "limits", "close_quota"), 1);
    create_ok(s, "k1@example.com");
    create_ok(s, "k2@example.com");
    create_ok(s, "k3@example.com");
    create_ok(s, "k4@example.com");
    CHECK_INT_EQ(dump_num(s, "limits", "close_quota"), 2); /* 50% of 4 members */
    for (int i = 5; i < 12; i++) {
        char email[64];

        snprintf(email, sizeof(email), "k%d@example.com", i);
        create_ok(s, email);
    }
    CHECK_INT_EQ(dump_num(s, "limits", "close_quota"), 3); /* capped */
    sim_free(s);
}

TEST(closed_accounts_leave_after_90_days)
{
    struct sim *s = mk_default();
    char acct[16], body[64];
    cJSON *o, *d;
    int st;

    snprintf(acct, sizeof(acct), "%s", create_ok(s, "gone@example.com"));
    close_ok(s, acct);
    sim_advance(s, 300 + 90 * 86400.0 - 1);
    o = call(s, "ListAccounts", "{}", &st);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(o, "Accounts")), 2);
    cJSON_Delete(o);
    sim_advance(s, 1);
    o = call(s, "ListAccounts", "{}", &st);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(o, "Accounts")), 1);
    cJSON_Delete(o);
    snprintf(body, sizeof(body), "{\"AccountId\":\"%s\"}", acct);
    expect_error(s, "DescribeAccount", body, 400, "AccountNotFoundException", NULL);
    d = dump(s);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(d, "departed")), 1);
    CHECK_STR_EQ(str(cJSON_GetArrayItem(cJSON_GetObjectItem(d, "departed"), 0), "Id"), acct);
    cJSON_Delete(d);
    sim_free(s);
}

TEST(one_big_clock_jump_applies_events_in_order)
{
    struct sim_opts o;
    struct sim *s;
    char a[16], car[64], state[32], id[16], reason[64];

    opts_base(&o);
    o.account_limit = 2;
    s = mk(&o);
    snprintf(a, sizeof(a), "%s", create_ok(s, "j1@example.com"));
    close_ok(s, a);
    sim_advance(s, 90 * 86400.0 + 200); /* 100 s before the departure */
    snprintf(car, sizeof(car), "%s", create(s, "j2@example.com"));
    /* one jump covers both the departure (t+100) and the creation finishing (t+60 after
     * request, which is before the departure): the creation must see the slot still taken */
    sim_advance(s, 1000);
    status_of(s, car, state, id, reason);
    CHECK_STR_EQ(reason, "ACCOUNT_LIMIT_EXCEEDED");
    snprintf(car, sizeof(car), "%s", create(s, "j3@example.com"));
    sim_advance(s, 60);
    status_of(s, car, state, id, reason);
    CHECK_STR_EQ(state, "SUCCEEDED");
    sim_free(s);
}

TEST(throttling_token_buckets)
{
    struct sim_opts o;
    struct sim *s;
    int st;
    cJSON *r;

    opts_base(&o);
    o.throttle = true;
    s = mk(&o);
    /* DescribeOrganization: 1/s, burst 2 */
    expect_ok(s, "DescribeOrganization", "{}");
    expect_ok(s, "DescribeOrganization", "");
    r = call(s, "DescribeOrganization", "{}", &st);
    CHECK_INT_EQ(st, 400);
    CHECK_STR_EQ(str(r, "__type"), "TooManyRequestsException");
    CHECK_CONTAINS(str(r, "Message"), "too many requests");
    cJSON_Delete(r);
    sim_advance(s, 1);
    expect_ok(s, "DescribeOrganization", "{}");
    /* CloseAccount: 0.05/s, burst 1 -- one call per 20 s, whatever its outcome */
    expect_error(s, "CloseAccount", "{\"AccountId\":\"999999999999\"}", 400,
                 "AccountNotFoundException", NULL);
    expect_error(s, "CloseAccount", "{\"AccountId\":\"999999999999\"}", 400,
                 "TooManyRequestsException", NULL);
    sim_advance(s, 19.9);
    expect_error(s, "CloseAccount", "{\"AccountId\":\"999999999999\"}", 400,
                 "TooManyRequestsException", NULL);
    sim_advance(s, 0.2);
    expect_error(s, "CloseAccount", "{\"AccountId\":\"999999999999\"}", 400,
                 "AccountNotFoundException", NULL);
    /* CreateAccount: 0.1/s, burst 3 */
    create(s, "t1@example.com");
    create(s, "t2@example.com");
    create(s, "t3@example.com");
    expect_error(s, "CreateAccount", "{\"Email\":\"t4@example.com\",\"AccountName\":\"t4\"}", 400,
                 "TooManyRequestsException", NULL);
    sim_advance(s, 10);
    create(s, "t4@example.com");
    sim_free(s);
}

TEST(pagination_max_results_and_tokens)
{
    struct sim *s = mk_default();
    char body[256], tok[256] = "";
    int st, pages = 0, total = 0;
    cJSON *o;

    for (int i = 0; i < 5; i++) {
        char email[64];

        snprintf(email, sizeof(email), "pg%d@example.com", i);
        create(s, email);
    }
    sim_advance(s, 60);
    do {
        if (tok[0] != '\0')
            snprintf(body, sizeof(body), "{\"MaxResults\":2,\"NextToken\":\"%s\"}", tok);
        else
            snprintf(body, sizeof(body), "{\"MaxResults\":2}");
        o = call(s, "ListAccounts", body, &st);
        CHECK_INT_EQ(st, 200);
        total += cJSON_GetArraySize(cJSON_GetObjectItem(o, "Accounts"));
        CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(o, "Accounts")) <= 2);
        snprintf(tok, sizeof(tok), "%s", str(o, "NextToken") ? str(o, "NextToken") : "");
        cJSON_Delete(o);
        pages++;
    } while (tok[0] != '\0');
    CHECK_INT_EQ(total, 6);
    CHECK_INT_EQ(pages, 3);
    expect_error(s, "ListAccounts", "{\"MaxResults\":0}", 400, "InvalidInputException",
                 "MIN_VALUE_EXCEEDED");
    expect_error(s, "ListAccounts", "{\"MaxResults\":21}", 400, "InvalidInputException",
                 "MAX_VALUE_EXCEEDED");
    expect_error(s, "ListAccounts", "{\"NextToken\":\"garbage\"}", 400, "InvalidInputException",
                 "INVALID_NEXT_TOKEN");
    /* a token is bound to its operation */
    o = call(s, "ListAccounts", "{\"MaxResults\":1}", &st);
    snprintf(body, sizeof(body), "{\"NextToken\":\"%s\"}", str(o, "NextToken"));
    cJSON_Delete(o);
    expect_error(s, "ListCreateAccountStatus", body, 400, "InvalidInputException",
                 "INVALID_NEXT_TOKEN");
    o = call(s, "ListCreateAccountStatus", "{\"States\":[\"SUCCEEDED\"],\"MaxResults\":20}", &st);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(o, "CreateAccountStatuses")), 5);
    CHECK(cJSON_GetObjectItem(o, "NextToken") == NULL);
    cJSON_Delete(o);
    expect_error(s, "ListCreateAccountStatus", "{\"States\":[\"DONE\"]}", 400,
                 "InvalidInputException", "INVALID_ENUM");
    sim_free(s);
}

TEST(request_validation)
{
    struct sim *s = mk_default();
    char body[512], longname[60];

    expect_error(s, "CreateAccount", "{\"AccountName\":\"x\"}", 400, "InvalidInputException",
                 "INPUT_REQUIRED");
    expect_error(s, "CreateAccount", "{\"Email\":\"a@b.co\"}", 400, "InvalidInputException",
                 "INPUT_REQUIRED");
    expect_error(s, "CreateAccount", "{\"Email\":\"a@b.c\",\"AccountName\":\"x\"}", 400,
                 "InvalidInputException", "MIN_LENGTH_EXCEEDED");
    expect_error(s, "CreateAccount", "{\"Email\":\"not-an-email\",\"AccountName\":\"x\"}", 400,
                 "InvalidInputException", "INVALID_PATTERN");
    memset(longname, 'n', 51);
    longname[51] = '\0';
    snprintf(body, sizeof(body), "{\"Email\":\"v@example.com\",\"AccountName\":\"%s\"}", longname);
    expect_error(s, "CreateAccount", body, 400, "InvalidInputException", "MAX_LENGTH_EXCEEDED");
    expect_error(s, "CreateAccount",
                 "{\"Email\":\"v@example.com\",\"AccountName\":\"x\",\"RoleName\":"
                 "\"AWSServiceRoleForX\"}",
                 400, "InvalidInputException", "INVALID_ROLE_NAME");
    expect_error(s, "CreateAccount",
                 "{\"Email\":\"v@example.com\",\"AccountName\":\"x\",\"IamUserAccessToBilling\":"
                 "\"MAYBE\"}",
                 400, "InvalidInputException", "INVALID_ENUM");
    expect_error(s, "CreateAccount", "{\"Email\":5,\"AccountName\":\"x\"}", 400,
                 "SerializationException", NULL);
    expect_error(s, "DescribeAccount", "{\"AccountId\":\"12345\"}", 400, "InvalidInputException",
                 "INVALID_PATTERN");
    expect_error(s, "DescribeAccount", "not json", 400, "SerializationException", NULL);
    expect_error(s, "NoSuchOperation", "{}", 400, "UnknownOperationException", NULL);
    expect_error(s, "ListParents", "{\"ChildId\":\"r-abcd\"}", 400, "InvalidInputException",
                 "INVALID_PATTERN");
    sim_free(s);
}

TEST(tags_limits_and_validation)
{
    struct sim *s = mk_default();
    char acct[16], body[8192];
    size_t off;
    int st;
    cJSON *o;

    expect_error(s, "CreateAccount",
                 "{\"Email\":\"t@example.com\",\"AccountName\":\"t\",\"Tags\":[{\"Key\":\"a\","
                 "\"Value\":\"1\"},{\"Key\":\"a\",\"Value\":\"2\"}]}",
                 400, "InvalidInputException", "DUPLICATE_TAG_KEY");
    expect_error(s, "CreateAccount",
                 "{\"Email\":\"t@example.com\",\"AccountName\":\"t\",\"Tags\":[{\"Key\":"
                 "\"aws:x\",\"Value\":\"1\"}]}",
                 400, "InvalidInputException", "INVALID_SYSTEM_TAGS_PARAMETER");
    off = (size_t)snprintf(body, sizeof(body),
                           "{\"Email\":\"t@example.com\",\"AccountName\":\"t\",\"Tags\":[");
    for (int i = 0; i < 51; i++)
        off += (size_t)snprintf(body + off, sizeof(body) - off,
                                "%s{\"Key\":\"k%d\",\"Value\":\"v\"}", i ? "," : "", i);
    snprintf(body + off, sizeof(body) - off, "]}");
    expect_error(s, "CreateAccount", body, 400, "ConstraintViolationException",
                 "MAX_TAG_LIMIT_EXCEEDED");
    /* creation with tags carries them to the account */
    o = call(s, "CreateAccount",
             "{\"Email\":\"t@example.com\",\"AccountName\":\"t\",\"Tags\":[{\"Key\":\"owner\","
             "\"Value\":\"dev1@corp.example\"}]}",
             &st);
    CHECK_INT_EQ(st, 200);
    cJSON_Delete(o);
    sim_advance(s, 60);
    o = call(s, "ListAccounts", "{}", &st);
    snprintf(acct, sizeof(acct), "%s",
             str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "Accounts"), 1), "Id"));
    cJSON_Delete(o);
    snprintf(body, sizeof(body), "{\"ResourceId\":\"%s\"}", acct);
    o = call(s, "ListTagsForResource", body, &st);
    CHECK_STR_EQ(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "Tags"), 0), "Value"),
                 "dev1@corp.example");
    cJSON_Delete(o);
    /* TagResource up to 50 in total, then MAX_TAG_LIMIT_EXCEEDED */
    off = (size_t)snprintf(body, sizeof(body), "{\"ResourceId\":\"%s\",\"Tags\":[", acct);
    for (int i = 0; i < 49; i++)
        off += (size_t)snprintf(body + off, sizeof(body) - off,
                                "%s{\"Key\":\"k%d\",\"Value\":\"v\"}", i ? "," : "", i);
    snprintf(body + off, sizeof(body) - off, "]}");
    expect_ok(s, "TagResource", body);
    snprintf(body, sizeof(body),
             "{\"ResourceId\":\"%s\",\"Tags\":[{\"Key\":\"owner\",\"Value\":\"new\"}]}", acct);
    expect_ok(s, "TagResource", body); /* replacing a key does not add one */
    snprintf(body, sizeof(body),
             "{\"ResourceId\":\"%s\",\"Tags\":[{\"Key\":\"one-too-many\",\"Value\":\"\"}]}", acct);
    expect_error(s, "TagResource", body, 400, "ConstraintViolationException",
                 "MAX_TAG_LIMIT_EXCEEDED");
    snprintf(body, sizeof(body), "{\"ResourceId\":\"%s\",\"TagKeys\":[\"k0\",\"absent\"]}", acct);
    expect_ok(s, "UntagResource", body);
    expect_error(s, "TagResource",
                 "{\"ResourceId\":\"999999999999\",\"Tags\":[{\"Key\":\"a\",\"Value\":\"b\"}]}",
                 400, "TargetNotFoundException", NULL);
    /* ListTagsForResource pages through 49 tags */
    {
        char tok[128] = "";
        int total = 0;

        do {
            if (tok[0] != '\0')
                snprintf(body, sizeof(body), "{\"ResourceId\":\"%s\",\"NextToken\":\"%s\"}", acct,
                         tok);
            else
                snprintf(body, sizeof(body), "{\"ResourceId\":\"%s\"}", acct);
            o = call(s, "ListTagsForResource", body, &st);
            CHECK_INT_EQ(st, 200);
            total += cJSON_GetArraySize(cJSON_GetObjectItem(o, "Tags"));
            snprintf(tok, sizeof(tok), "%s", str(o, "NextToken") ? str(o, "NextToken") : "");
            cJSON_Delete(o);
        } while (tok[0] != '\0');
        CHECK_INT_EQ(total, 49);
    }
    sim_free(s);
}

TEST(organizational_units_depth_and_duplicates)
{
    struct sim *s = mk_default();
    char parent[96], body[256], root[32];
    int st;
    cJSON *o;

    o = call(s, "ListRoots", "{}", &st);
    snprintf(root, sizeof(root), "%s",
             str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "Roots"), 0), "Id"));
    cJSON_Delete(o);
    CHECK(strncmp(root, "r-", 2) == 0 && strlen(root) == 6);
    snprintf(parent, sizeof(parent), "%s", root);
    for (int depth = 1; depth <= 5; depth++) {
        snprintf(body, sizeof(body), "{\"ParentId\":\"%s\",\"Name\":\"L%d\"}", parent, depth);
        o = call(s, "CreateOrganizationalUnit", body, &st);
        CHECK_INT_EQ(st, 200);
        snprintf(parent, sizeof(parent), "%s", str(o, "OrganizationalUnit.Id"));
        CHECK(strncmp(parent, "ou-", 3) == 0);
        CHECK_CONTAINS(str(o, "OrganizationalUnit.Path"), parent);
        cJSON_Delete(o);
    }
    snprintf(body, sizeof(body), "{\"ParentId\":\"%s\",\"Name\":\"L6\"}", parent);
    expect_error(s, "CreateOrganizationalUnit", body, 400, "ConstraintViolationException",
                 "OU_DEPTH_LIMIT_EXCEEDED");
    snprintf(body, sizeof(body), "{\"ParentId\":\"%s\",\"Name\":\"L1\"}", root);
    expect_error(s, "CreateOrganizationalUnit", body, 400, "DuplicateOrganizationalUnitException",
                 NULL);
    expect_error(s, "CreateOrganizationalUnit",
                 "{\"ParentId\":\"ou-zzzz-zzzzzzzz\",\"Name\":\"x\"}", 400,
                 "ParentNotFoundException", NULL);
    snprintf(body, sizeof(body), "{\"ParentId\":\"%s\"}", root);
    o = call(s, "ListOrganizationalUnitsForParent", body, &st);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(o, "OrganizationalUnits")), 1);
    cJSON_Delete(o);
    sim_free(s);
}

TEST(move_account_and_parents)
{
    struct sim *s = mk_default();
    char acct[16], ou[96], root[32], body[512];
    int st;
    cJSON *o;

    snprintf(acct, sizeof(acct), "%s", create_ok(s, "mv@example.com"));
    o = call(s, "ListRoots", "{}", &st);
    snprintf(root, sizeof(root), "%s",
             str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "Roots"), 0), "Id"));
    cJSON_Delete(o);
    snprintf(body, sizeof(body), "{\"ParentId\":\"%s\",\"Name\":\"Sandboxes\"}", root);
    o = call(s, "CreateOrganizationalUnit", body, &st);
    snprintf(ou, sizeof(ou), "%s", str(o, "OrganizationalUnit.Id"));
    cJSON_Delete(o);
    snprintf(body, sizeof(body),
             "{\"AccountId\":\"%s\",\"SourceParentId\":\"%s\",\"DestinationParentId\":\"%s\"}",
             acct, ou, root);
    expect_error(s, "MoveAccount", body, 400, "SourceParentNotFoundException", NULL);
    snprintf(body, sizeof(body),
             "{\"AccountId\":\"%s\",\"SourceParentId\":\"%s\",\"DestinationParentId\":\"%s\"}",
             acct, root, ou);
    expect_ok(s, "MoveAccount", body);
    expect_error(s, "MoveAccount", body, 400, "SourceParentNotFoundException", NULL);
    snprintf(body, sizeof(body),
             "{\"AccountId\":\"%s\",\"SourceParentId\":\"%s\",\"DestinationParentId\":\"%s\"}",
             acct, ou, ou);
    expect_error(s, "MoveAccount", body, 400, "DuplicateAccountException", NULL);
    snprintf(body, sizeof(body), "{\"ChildId\":\"%s\"}", acct);
    o = call(s, "ListParents", body, &st);
    CHECK_STR_EQ(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "Parents"), 0), "Id"), ou);
    CHECK_STR_EQ(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "Parents"), 0), "Type"),
                 "ORGANIZATIONAL_UNIT");
    cJSON_Delete(o);
    snprintf(body, sizeof(body), "{\"ParentId\":\"%s\"}", ou);
    o = call(s, "ListAccountsForParent", body, &st);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(o, "Accounts")), 1);
    CHECK_CONTAINS(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "Accounts"), 0), "Id"), acct);
    cJSON_Delete(o);
    expect_error(s, "ListParents", "{\"ChildId\":\"999999999999\"}", 400, "ChildNotFoundException",
                 NULL);
    sim_free(s);
}

/* Runs 200 DescribeOrganization calls; returns a signature of which ones failed. */
static void
fault_pattern(uint64_t seed, char *out, size_t n)
{
    struct sim_opts o;
    struct sim *s;
    struct sim_reply r;

    opts_base(&o);
    o.seed = seed;
    o.error_rate = 0.3;
    s = mk(&o);
    for (size_t i = 0; i + 1 < n && i < 200; i++) {
        CHECK(sim_orgs_call(s, "DescribeOrganization", "{}", 2, &mgmt, &r) == 0);
        out[i] = r.status == 500 ? 'E' : '.';
        out[i + 1] = '\0';
        if (r.status == 500)
            CHECK_CONTAINS(r.body, "\"__type\":\"ServiceException\"");
        sim_reply_release(&r);
    }
    sim_free(s);
}

TEST(faults_are_reproducible_with_seed)
{
    char a[256], b[256], c[256];
    size_t errors = 0;

    fault_pattern(7, a, sizeof(a));
    fault_pattern(7, b, sizeof(b));
    fault_pattern(8, c, sizeof(c));
    CHECK_STR_EQ(a, b);
    CHECK(strcmp(a, c) != 0);
    for (const char *p = a; *p != '\0'; p++)
        errors += *p == 'E';
    CHECK(errors > 30 && errors < 90);
}

TEST(faults_admin_drop_throttle_and_forced_failure)
{
    struct sim *s = mk_default();
    struct sim_reply r;
    char car[64], state[32], id[16], reason[64];
    cJSON *d;

    CHECK(admin(s, "POST", "/__sim/faults", "{\"drop_rate\":1,\"ops\":[\"CreateAccount\"]}", &r) ==
          0);
    CHECK_INT_EQ(r.status, 200);
    sim_reply_release(&r);
    /* dropped: the answer is lost but the creation happened */
    CHECK(sim_orgs_call(s, "CreateAccount", "{\"Email\":\"d@example.com\",\"AccountName\":\"d\"}",
                        strlen("{\"Email\":\"d@example.com\",\"AccountName\":\"d\"}"), &mgmt,
                        &r) == 0);
    CHECK(r.drop);
    sim_reply_release(&r);
    CHECK(sim_orgs_call(s, "DescribeOrganization", "{}", 2, &mgmt, &r) == 0);
    CHECK(!r.drop); /* other operations are not selected */
    sim_reply_release(&r);
    CHECK_INT_EQ(dump_num(s, "limits", "creating"), 1);
    CHECK(admin(s, "POST", "/__sim/faults", "{\"drop_rate\":0,\"throttle_rate\":1,\"ops\":[]}",
                &r) == 0);
    sim_reply_release(&r);
    expect_error(s, "ListRoots", "{}", 400, "TooManyRequestsException", NULL);
    CHECK(admin(s, "POST", "/__sim/faults",
                "{\"throttle_rate\":0,\"fail_create_matching\":\"+doomed\","
                "\"fail_create_reason\":\"INTERNAL_FAILURE\"}",
                &r) == 0);
    CHECK_INT_EQ(r.status, 200);
    sim_reply_release(&r);
    snprintf(car, sizeof(car), "%s", create(s, "x+doomed@example.com"));
    sim_advance(s, 60);
    status_of(s, car, state, id, reason);
    CHECK_STR_EQ(reason, "INTERNAL_FAILURE");
    CHECK(admin(s, "POST", "/__sim/faults", "{\"error_rate\":2}", &r) == 0);
    CHECK_INT_EQ(r.status, 400);
    sim_reply_release(&r);
    CHECK(admin(s, "POST", "/__sim/faults", "{\"fail_create_reason\":\"NOPE\"}", &r) == 0);
    CHECK_INT_EQ(r.status, 400);
    sim_reply_release(&r);
    d = dump(s);
    CHECK_INT_EQ(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "calls"), "CreateAccount")->valueint,
                 2);
    cJSON_Delete(d);
    sim_free(s);
}

static void
sts(struct sim *s, const struct sim_caller *who, const char *body, struct sim_reply *r)
{
    CHECK(sim_sts_call(s, body, strlen(body), who, r) == 0);
}

/* Copies the text of <tag>...</tag> from xml. */
static void
xml_get(const char *xml, const char *tag, char *out, size_t n)
{
    char open[64], close[64];
    const char *a, *b;

    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    a = strstr(xml, open);
    CHECK(a != NULL);
    a += strlen(open);
    b = strstr(a, close);
    CHECK(b != NULL);
    snprintf(out, n, "%.*s", (int)(b - a), a);
}

TEST(sts_assume_role_and_member_credentials)
{
    struct sim *s = mk_default();
    struct sim_reply r;
    struct sim_caller member;
    char acct[16], body[512], akid[64], secret[128], token[512], got[128], arn[256];
    int st;
    cJSON *o;

    snprintf(acct, sizeof(acct), "%s", create_ok(s, "sts@example.com"));
    sts(s, &mgmt, "Action=GetCallerIdentity&Version=2011-06-15", &r);
    CHECK_INT_EQ(r.status, 200);
    xml_get(r.body, "Account", got, sizeof(got));
    CHECK_STR_EQ(got, "111111111111");
    sim_reply_release(&r);
    snprintf(body, sizeof(body),
             "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%%3Aaws%%3Aiam%%3A%%3A%s%%3Arole%%2F"
             "OrganizationAccountAccessRole&RoleSessionName=nuke-session&DurationSeconds=3600",
             acct);
    sts(s, &mgmt, body, &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(r.content_type, "text/xml");
    xml_get(r.body, "AccessKeyId", akid, sizeof(akid));
    xml_get(r.body, "SecretAccessKey", secret, sizeof(secret));
    xml_get(r.body, "SessionToken", token, sizeof(token));
    CHECK(strncmp(akid, "ASIA", 4) == 0);
    sim_reply_release(&r);
    /* the simulator accepts the new keys, only with their token */
    CHECK_INT_EQ(sim_auth_lookup(s, akid, NULL, got, sizeof(got), &member), SIM_AUTH_BAD_TOKEN);
    CHECK_INT_EQ(sim_auth_lookup(s, akid, "wrong", got, sizeof(got), &member), SIM_AUTH_BAD_TOKEN);
    CHECK_INT_EQ(sim_auth_lookup(s, "AKIDNOPE", NULL, got, sizeof(got), &member),
                 SIM_AUTH_UNKNOWN_KEY);
    CHECK_INT_EQ(sim_auth_lookup(s, akid, token, got, sizeof(got), &member), SIM_AUTH_OK);
    CHECK_STR_EQ(got, secret);
    CHECK_STR_EQ(member.account_id, acct);
    CHECK(!member.management);
    sts(s, &member, "Action=GetCallerIdentity&Version=2011-06-15", &r);
    xml_get(r.body, "Arn", got, sizeof(got));
    snprintf(arn, sizeof(arn),
             "arn:aws:sts::%s:assumed-role/OrganizationAccountAccessRole/nuke-session", acct);
    CHECK_STR_EQ(got, arn);
    sim_reply_release(&r);
    /* members may describe their organization, nothing else */
    o = call_as(s, &member, "DescribeOrganization", "{}", &st);
    CHECK_INT_EQ(st, 200);
    cJSON_Delete(o);
    o = call_as(s, &member, "ListAccounts", "{}", &st);
    CHECK_INT_EQ(st, 400);
    CHECK_STR_EQ(str(o, "__type"), "AccessDeniedException");
    CHECK_CONTAINS(str(o, "Message"), "must be the management account");
    cJSON_Delete(o);
    /* members cannot chain into other roles; a wrong role name is denied */
    sts(s, &member, body, &r);
    CHECK_INT_EQ(r.status, 403);
    CHECK_CONTAINS(r.body, "<Code>AccessDenied</Code>");
    sim_reply_release(&r);
    snprintf(body, sizeof(body),
             "Action=AssumeRole&RoleArn=arn%%3Aaws%%3Aiam%%3A%%3A%s%%3Arole%%2FOther"
             "&RoleSessionName=x1",
             acct);
    sts(s, &mgmt, body, &r);
    CHECK_INT_EQ(r.status, 403);
    sim_reply_release(&r);
    snprintf(body, sizeof(body),
             "Action=AssumeRole&RoleArn=arn%%3Aaws%%3Aiam%%3A%%3A%s%%3Arole%%2F"
             "OrganizationAccountAccessRole&RoleSessionName=x1&DurationSeconds=7200",
             acct);
    sts(s, &mgmt, body, &r);
    CHECK_INT_EQ(r.status, 400);
    CHECK_CONTAINS(r.body, "<Code>ValidationError</Code>");
    sim_reply_release(&r);
    sts(s, &mgmt, "Action=AssumeRole&RoleSessionName=x1", &r);
    CHECK_INT_EQ(r.status, 400);
    sim_reply_release(&r);
    sts(s, &mgmt, "Action=Frobnicate", &r);
    CHECK_CONTAINS(r.body, "<Code>InvalidAction</Code>");
    sim_reply_release(&r);
    /* the session expires in simulated time */
    sim_advance(s, 3600);
    CHECK_INT_EQ(sim_auth_lookup(s, akid, token, got, sizeof(got), &member), SIM_AUTH_EXPIRED);
    sim_free(s);
}

TEST(admin_api)
{
    struct sim *s = mk_default();
    struct sim_reply r;
    cJSON *o, *d;
    char id[16];

    CHECK(admin(s, "GET", "/__sim/clock", NULL, &r) == 0);
    o = cJSON_Parse(r.body);
    CHECK(fabs(cJSON_GetObjectItem(o, "now")->valuedouble - T0) < 1e-6);
    CHECK(cJSON_GetObjectItem(o, "scale")->valuedouble == 1);
    cJSON_Delete(o);
    sim_reply_release(&r);
    CHECK(admin(s, "POST", "/__sim/advance", "{\"seconds\":3600}", &r) == 0);
    o = cJSON_Parse(r.body);
    CHECK(fabs(cJSON_GetObjectItem(o, "now")->valuedouble - (T0 + 3600)) < 1e-6);
    cJSON_Delete(o);
    sim_reply_release(&r);
    CHECK(admin(s, "POST", "/__sim/advance", "{\"seconds\":\"1d\"}", &r) == 0);
    CHECK_INT_EQ(r.status, 200);
    sim_reply_release(&r);
    CHECK(fabs(sim_now(s) - (T0 + 3600 + 86400)) < 1e-6);
    CHECK(admin(s, "POST", "/__sim/advance", "{\"seconds\":-5}", &r) == 0);
    CHECK_INT_EQ(r.status, 400);
    sim_reply_release(&r);
    CHECK(admin(s, "POST", "/__sim/accounts",
                "{\"Email\":\"inv@example.com\",\"Name\":\"Invited\",\"Tags\":[{\"Key\":"
                "\"AccountType\",\"Value\":\"Critical\"}]}",
                &r) == 0);
    CHECK_INT_EQ(r.status, 200);
    o = cJSON_Parse(r.body);
    snprintf(id, sizeof(id), "%s", str(o, "Id"));
    cJSON_Delete(o);
    sim_reply_release(&r);
    CHECK(admin(s, "POST", "/__sim/accounts", "{\"Email\":\"inv@example.com\",\"Name\":\"Again\"}",
                &r) == 0);
    CHECK_INT_EQ(r.status, 409);
    sim_reply_release(&r);
    d = dump(s);
    o = cJSON_GetArrayItem(cJSON_GetObjectItem(d, "accounts"), 1);
    CHECK_STR_EQ(str(o, "Id"), id);
    CHECK_STR_EQ(str(o, "JoinedMethod"), "INVITED");
    CHECK_STR_EQ(str(o, "State"), "ACTIVE");
    CHECK_STR_EQ(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "Tags"), 0), "Value"), "Critical");
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(o, "ClosedTimestamp")));
    CHECK_STR_EQ(str(d, "organization.Id"), "o-a1b2c3d4e5");
    cJSON_Delete(d);
    CHECK(admin(s, "POST", "/__sim/reset", "", &r) == 0);
    CHECK_INT_EQ(r.status, 200);
    sim_reply_release(&r);
    d = dump(s);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(d, "accounts")), 1);
    cJSON_Delete(d);
    CHECK(fabs(sim_now(s) - (T0 + 3600 + 86400)) < 1e-6); /* the clock stays */
    CHECK(admin(s, "GET", "/__sim/nothing", NULL, &r) == 0);
    CHECK_INT_EQ(r.status, 404);
    sim_reply_release(&r);
    CHECK(admin(s, "GET", "/__sim/reset", NULL, &r) == 0);
    CHECK_INT_EQ(r.status, 405);
    sim_reply_release(&r);
    sim_free(s);
}

TEST(describe_organization_shape)
{
    struct sim *s = mk_default();
    int st;
    cJSON *o = call(s, "DescribeOrganization", "{}", &st);

    CHECK_INT_EQ(st, 200);
    CHECK_STR_EQ(str(o, "Organization.Id"), "o-a1b2c3d4e5");
    CHECK_STR_EQ(str(o, "Organization.MasterAccountId"), "111111111111");
    CHECK_STR_EQ(str(o, "Organization.MasterAccountEmail"), "management@example.com");
    CHECK_STR_EQ(str(o, "Organization.FeatureSet"), "ALL");
    CHECK_STR_EQ(str(o, "Organization.Arn"),
                 "arn:aws:organizations::111111111111:organization/o-a1b2c3d4e5");
    cJSON_Delete(o);
    sim_free(s);
}

/* Two dumps equal in everything (the persisted clock makes "now" equal too). */
static void
check_same_state(struct sim *a, struct sim *b)
{
    char *ta = NULL, *tb = NULL;
    struct sbx_err err = { 0 };

    CHECK_OK(sim_state_json(a, false, &ta, &err), &err);
    CHECK_OK(sim_state_json(b, false, &tb, &err), &err);
    CHECK_STR_EQ(tb, ta);
    free(ta);
    free(tb);
}

static void
root_of(struct sim *s, char *root, size_t n)
{
    int st;
    cJSON *o = call(s, "ListRoots", "{}", &st);

    snprintf(root, n, "%s", str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "Roots"), 0), "Id"));
    cJSON_Delete(o);
}

/* An organization with something of everything: OUs, tags, closures, sessions, requests. */
static struct sim *
busy_org(void)
{
    struct sim *s = mk_default();
    struct sim_reply r;
    char a[16], root[32], body[256];
    cJSON *o;
    int st;

    snprintf(a, sizeof(a), "%s", create_ok(s, "st1@example.com"));
    create_ok(s, "st2@example.com");
    create(s, "st3@example.com");
    close_ok(s, a);
    root_of(s, root, sizeof(root));
    snprintf(body, sizeof(body),
             "{\"ParentId\":\"%s\",\"Name\":\"Sandboxes\",\"Tags\":[{\"Key\":\"k\","
             "\"Value\":\"v\"}]}",
             root);
    o = call(s, "CreateOrganizationalUnit", body, &st);
    CHECK_INT_EQ(st, 200);
    cJSON_Delete(o);
    snprintf(body, sizeof(body),
             "{\"ResourceId\":\"%s\",\"Tags\":[{\"Key\":\"r\",\"Value\":\"1\"}]}", root);
    expect_ok(s, "TagResource", body);
    snprintf(body, sizeof(body),
             "Action=AssumeRole&RoleArn=arn:aws:iam::%s:role/"
             "OrganizationAccountAccessRole&RoleSessionName=s1",
             create_ok(s, "st4@example.com"));
    sts(s, &mgmt, body, &r);
    CHECK_INT_EQ(r.status, 200);
    sim_reply_release(&r);
    return s;
}

TEST(state_json_round_trip)
{
    struct sim *a = busy_org(), *b = mk_default();
    char *text = NULL, *again = NULL;
    struct sbx_err err = { 0 };

    CHECK_OK(sim_state_json(a, true, &text, &err), &err);
    CHECK_OK(sim_state_load(b, text, &err), &err);
    check_same_state(a, b);
    CHECK_OK(sim_state_json(b, true, &again, &err), &err);
    /* the internal part (PRNG, sessions, buckets) survives too: both now make the same ids */
    CHECK_STR_EQ(create(a, "next@example.com"), create(b, "next@example.com"));
    CHECK_ERR(sim_state_load(b, "{\"accounts\":[]}", &err), &err, SBX_E_STORE);
    free(text);
    free(again);
    sim_free(a);
    sim_free(b);
}

TEST(store_save_and_load)
{
    struct sim *a = busy_org(), *b = mk_default();
    struct sim_store *st = NULL;
    struct sbx_err err = { 0 };
    char path[4096], *dir = check_tmpdir();
    bool found = true;

    snprintf(path, sizeof(path), "%s/sim.db", dir);
    free(dir);
    CHECK_OK(sim_store_open(path, &st, &err), &err);
    CHECK_OK(sim_store_load(st, b, &found, &err), &err);
    CHECK(!found);
    CHECK_OK(sim_store_save(st, a, &err), &err);
    sim_store_close(st);
    st = NULL;
    CHECK_OK(sim_store_open(path, &st, &err), &err);
    CHECK_OK(sim_store_load(st, b, &found, &err), &err);
    CHECK(found);
    check_same_state(a, b);
    sim_store_close(st);
    sim_free(a);
    sim_free(b);
}

TEST(ids_are_never_reused_across_reset)
{
    struct sim *s = mk_default();
    char first[16];
    struct sim_reply r;

    snprintf(first, sizeof(first), "%s", create_ok(s, "r1@example.com"));
    CHECK(admin(s, "POST", "/__sim/reset", "{}", &r) == 0);
    sim_reply_release(&r);
    CHECK(strcmp(create_ok(s, "r1@example.com"), first) != 0);
    sim_free(s);
}

/* Status of an admin call, the reply released. */
static int
admin_status(struct sim *s, const char *method, const char *path, const char *body)
{
    struct sim_reply r;
    int status;

    CHECK(admin(s, method, path, body, &r) == 0);
    status = r.status;
    sim_reply_release(&r);
    return status;
}

TEST(paused_clock_moves_only_by_advance)
{
    struct sim_opts o;
    struct sim *s;
    struct sim_reply r;
    double t;

    opts_base(&o);
    o.fixed_clock = false;
    o.time_scale = 1e6; /* a second a microsecond, were it running */
    s = mk(&o);
    CHECK(!sim_paused(s));
    CHECK_INT_EQ(admin_status(s, "POST", "/__sim/pause", NULL), 200);
    CHECK(sim_paused(s));
    t = sim_now(s);
    CHECK(t == round(t * 1000) / 1000); /* on the millisecond grid */
    for (int i = 0; i < 1000; i++)
        CHECK(sim_now(s) == t);
    CHECK(admin(s, "GET", "/__sim/clock", NULL, &r) == 0);
    CHECK(strstr(r.body, "\"paused\":true") != NULL);
    CHECK(strstr(r.body, "\"scale\":1000000") != NULL);
    sim_reply_release(&r);
    CHECK_INT_EQ(admin_status(s, "POST", "/__sim/advance", "{\"seconds\":60}"), 200);
    CHECK(sim_now(s) == t + 60);
    CHECK_INT_EQ(admin_status(s, "POST", "/__sim/pause", NULL), 200); /* again: no change */
    CHECK(sim_now(s) == t + 60);
    CHECK_INT_EQ(admin_status(s, "GET", "/__sim/resume", NULL), 405);
    CHECK_INT_EQ(admin_status(s, "POST", "/__sim/resume", NULL), 200);
    CHECK(!sim_paused(s));
    CHECK(sim_now(s) >= t + 60);
    sim_free(s);
}

TEST(paused_clock_survives_save_and_load)
{
    struct sim_opts o;
    struct sim *a, *b;
    struct sbx_err err = { 0 };
    char *json = NULL;

    opts_base(&o);
    o.fixed_clock = false;
    a = mk(&o);
    sim_pause(a);
    sim_advance(a, 3600);
    CHECK_OK(sim_state_json(a, true, &json, &err), &err);
    b = mk(&o); /* a running clock, loading a paused one */
    CHECK_OK(sim_state_load(b, json, &err), &err);
    CHECK(sim_paused(b));
    CHECK(sim_now(b) == sim_now(a));
    free(json);
    sim_free(a);
    sim_free(b);
}

TEST(advance_is_bounded)
{
    struct sim *s = mk_default();
    struct sim_reply r;
    char body[64];

    CHECK_INT_EQ(admin_status(s, "POST", "/__sim/advance", "{\"seconds\":1e300}"), 400);
    CHECK_INT_EQ(admin_status(s, "POST", "/__sim/advance", "{\"seconds\":1e18}"), 400);
    CHECK(sim_now(s) == T0);
    CHECK(admin(s, "POST", "/__sim/advance", "{\"seconds\":1e300}", &r) == 0);
    CHECK(strstr(r.body, "9999-12-31T23:59:59Z") != NULL);
    sim_reply_release(&r);
    /* up to the last representable instant is fine; one second more is not */
    snprintf(body, sizeof(body), "{\"seconds\":%.0f}", CLOCK_MAX_TIME - T0);
    CHECK_INT_EQ(admin_status(s, "POST", "/__sim/advance", body), 200);
    CHECK(sim_now(s) == CLOCK_MAX_TIME);
    CHECK_INT_EQ(admin_status(s, "POST", "/__sim/advance", "{\"seconds\":1}"), 400);
    CHECK_INT_EQ(admin_status(s, "POST", "/__sim/advance", "{\"seconds\":0}"), 200);
    sim_advance(s, 1e300); /* the C API clamps */
    CHECK(sim_now(s) == CLOCK_MAX_TIME);
    sim_free(s);
}

TEST(clock_plausible_bounds)
{
    CHECK(clock_plausible(T0, 1));
    CHECK(clock_plausible(CLOCK_MAX_TIME, CLOCK_MAX_SCALE));
    CHECK(!clock_plausible(1e300, 1));
    CHECK(!clock_plausible(CLOCK_MAX_TIME + 1, 1));
    CHECK(!clock_plausible(0, 1));
    CHECK(!clock_plausible(-5, 1));
    CHECK(!clock_plausible(NAN, 1));
    CHECK(!clock_plausible(INFINITY, 1));
    CHECK(!clock_plausible(T0, 0));
    CHECK(!clock_plausible(T0, -1));
    CHECK(!clock_plausible(T0, 1e300));
    CHECK(!clock_plausible(T0, NAN));
}

static struct sockaddr_in
v4(const char *a)
{
    struct sockaddr_in sa;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    CHECK(inet_pton(AF_INET, a, &sa.sin_addr) == 1);
    return sa;
}

static struct sockaddr_in6
v6(const char *a)
{
    struct sockaddr_in6 sa;

    memset(&sa, 0, sizeof(sa));
    sa.sin6_family = AF_INET6;
    CHECK(inet_pton(AF_INET6, a, &sa.sin6_addr) == 1);
    return sa;
}

#define IS_LOOPBACK(sa) sim_peer_is_loopback((const struct sockaddr *)(const void *)&(sa))

TEST(admin_loopback_predicate)
{
    struct sockaddr_in a;
    struct sockaddr_in6 b;
    struct sockaddr_un u;

    a = v4("127.0.0.1");
    CHECK(IS_LOOPBACK(a));
    a = v4("127.255.255.254");
    CHECK(IS_LOOPBACK(a));
    a = v4("127.0.0.2");
    CHECK(IS_LOOPBACK(a));
    a = v4("128.0.0.1");
    CHECK(!IS_LOOPBACK(a));
    a = v4("126.255.255.255");
    CHECK(!IS_LOOPBACK(a));
    a = v4("10.0.0.1");
    CHECK(!IS_LOOPBACK(a));
    a = v4("0.0.0.0");
    CHECK(!IS_LOOPBACK(a));
    a = v4("192.168.1.127");
    CHECK(!IS_LOOPBACK(a));
    b = v6("::1");
    CHECK(IS_LOOPBACK(b));
    b = v6("::ffff:127.0.0.1");
    CHECK(IS_LOOPBACK(b));
    b = v6("::ffff:10.0.0.1");
    CHECK(!IS_LOOPBACK(b));
    b = v6("::2");
    CHECK(!IS_LOOPBACK(b));
    b = v6("fe80::1");
    CHECK(!IS_LOOPBACK(b));
    b = v6("::127.0.0.1"); /* IPv4-compatible, not mapped: not loopback */
    CHECK(!IS_LOOPBACK(b));
    memset(&u, 0, sizeof(u));
    u.sun_family = AF_UNIX;
    CHECK(!IS_LOOPBACK(u));
    CHECK(!sim_peer_is_loopback(NULL));
}

TEST(admin_access_rules)
{
    struct sockaddr_in lo = v4("127.0.0.1"), far = v4("203.0.113.7");
    const struct sockaddr *plo = (const struct sockaddr *)(const void *)&lo;
    const struct sockaddr *pfar = (const struct sockaddr *)(const void *)&far;

    /* no token: loopback only */
    CHECK_INT_EQ(sim_admin_access(plo, NULL, NULL, "POST", "/__sim/reset"), SIM_ADMIN_ALLOW);
    CHECK_INT_EQ(sim_admin_access(pfar, NULL, NULL, "POST", "/__sim/reset"),
                 SIM_ADMIN_NOT_LOOPBACK);
    CHECK_INT_EQ(sim_admin_access(pfar, NULL, "Bearer x", "GET", "/__sim/state"),
                 SIM_ADMIN_NOT_LOOPBACK);
    CHECK_INT_EQ(sim_admin_access(NULL, NULL, NULL, "GET", "/__sim/state"), SIM_ADMIN_NOT_LOOPBACK);
    /* the clock is readable by anyone; nothing else is */
    CHECK_INT_EQ(sim_admin_access(pfar, NULL, NULL, "GET", "/__sim/clock"), SIM_ADMIN_ALLOW);
    CHECK_INT_EQ(sim_admin_access(pfar, NULL, NULL, "POST", "/__sim/clock"),
                 SIM_ADMIN_NOT_LOOPBACK);
    CHECK_INT_EQ(sim_admin_access(pfar, "tok", NULL, "GET", "/__sim/clock"), SIM_ADMIN_ALLOW);
    /* a token: required from everyone, loopback included */
    CHECK_INT_EQ(sim_admin_access(plo, "tok", NULL, "POST", "/__sim/reset"), SIM_ADMIN_NO_TOKEN);
    CHECK_INT_EQ(sim_admin_access(plo, "tok", "Basic dG9r", "POST", "/__sim/reset"),
                 SIM_ADMIN_NO_TOKEN);
    CHECK_INT_EQ(sim_admin_access(plo, "tok", "Bearer to", "POST", "/__sim/reset"),
                 SIM_ADMIN_BAD_TOKEN);
    CHECK_INT_EQ(sim_admin_access(plo, "tok", "Bearer toky", "POST", "/__sim/reset"),
                 SIM_ADMIN_BAD_TOKEN);
    CHECK_INT_EQ(sim_admin_access(pfar, "tok", "Bearer tok", "POST", "/__sim/reset"),
                 SIM_ADMIN_ALLOW);
    CHECK_INT_EQ(sim_admin_access(plo, "tok", "bearer tok", "POST", "/__sim/reset"),
                 SIM_ADMIN_ALLOW);
}

TEST(admin_body_too_big_is_413)
{
    struct sim_reply r = { 0 };

    CHECK(sim_admin_too_big(&r, 1048576) == 0);
    CHECK_INT_EQ(r.status, 413);
    CHECK(strstr(r.body, "larger than 1048576 bytes") != NULL);
    sim_reply_release(&r);
}
