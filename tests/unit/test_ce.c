/*
 * test_ce.c -- the Cost Explorer client (GetCostAndUsage by linked account) against a scripted
 * local HTTP server (request shape, signing name, pagination, malformed answers, endpoint
 * overrides), and the simulator's GetCostAndUsage driven directly and over HTTP (spend rates,
 * the data lag on the simulator's clock, pages, token errors, persistence).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/ce.h"
#include "aws/orgs.h"
#include "check.h"
#include "responder.h"
#include "sim/sim.h"
#include "util/clock.h"

#define T0          1767225600.0 /* 2026-01-01T00:00:00Z */
#define DAY         86400.0
#define TEST_AKID   "AKIAIOSFODNN7EXAMPLE"
#define TEST_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

#define REQ_BODY                                                                              \
    "{\"TimePeriod\":{\"Start\":\"2026-12-01\",\"End\":\"2026-12-04\"},\"Granularity\":"      \
    "\"DAILY\",\"Metrics\":[\"UnblendedCost\"],\"GroupBy\":[{\"Type\":\"DIMENSION\",\"Key\":" \
    "\"LINKED_ACCOUNT\"}]}"

#define GROUP(acct, amount)                                                               \
    "{\"Keys\":[\"" acct "\"],\"Metrics\":{\"UnblendedCost\":{\"Amount\":\"" amount "\"," \
    "\"Unit\":\"USD\"}}}"
#define DAY_RESULT(start, end, est, groups)                   \
    "{\"TimePeriod\":{\"Start\":\"" start "\",\"End\":\"" end \
    "\"},\"Total\":{},\"Groups\":[" groups "],\"Estimated\":" est "}"

struct fx {
    struct responder *r;
    struct orgs_opts opts;
    struct sbx_clock clk;
    struct orgs *o;
    char *home;
};

static void
fx_init(struct fx *f)
{
    struct sbx_err err = { 0 };

    memset(f, 0, sizeof(*f));
    f->home = check_aws_home(TEST_AKID, TEST_SECRET);
    f->r = responder_start();
    f->opts.endpoint = responder_url(f->r);
    f->opts.sts_endpoint = responder_url(f->r);
    f->opts.ce_endpoint = responder_url(f->r);
    f->opts.max_attempts = 3;
    f->opts.connect_timeout = 5;
    f->opts.request_timeout = 10;
    clock_init_fixed(&f->clk, T0);
    CHECK_OK(orgs_new(&f->opts, &f->clk, &f->o, &err), &err);
}

static void
fx_done(struct fx *f)
{
    orgs_free(f->o);
    responder_stop(f->r);
    free(f->home);
}

TEST(request_shape_and_parsing)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct ce_result res;
    const struct responder_request *q;

    fx_init(&f);
    responder_push_simple(
            f.r, 200,
            "{\"GroupDefinitions\":[{\"Type\":\"DIMENSION\",\"Key\":\"LINKED_ACCOUNT\"}],"
            "\"ResultsByTime\":[" DAY_RESULT(
                    "2026-12-01", "2026-12-02", "false",
                    GROUP("222222222222", "12.5") "," GROUP(
                            "333333333333",
                            "0.0000001")) "," DAY_RESULT("2026-12-02", "2026-12-03", "true",
                                                         GROUP("222222222222",
                                                               "7")) "," DAY_RESULT("2026-12-03",
                                                                                    "2026-12-04",
                                                                                    "true", ) "],"
                                                                                              "\"DimensionValueAttributes\":[]}");
    CHECK_OK(ce_daily_cost_by_account(f.o, "2026-12-01", "2026-12-04", &res, &err), &err);
    CHECK_INT_EQ(res.pages, 1);
    CHECK_INT_EQ(res.n, 3);
    CHECK_STR_EQ(res.costs[0].account, "222222222222");
    CHECK_STR_EQ(res.costs[0].day, "2026-12-01");
    CHECK_INT_EQ(res.costs[0].cents, 1250);
    CHECK_STR_EQ(res.costs[0].unit, "USD");
    CHECK(!res.costs[0].estimated);
    CHECK_STR_EQ(res.costs[1].account, "333333333333");
    CHECK_INT_EQ(res.costs[1].cents, 0); /* a ten-millionth of a dollar rounds to no cent */
    CHECK_STR_EQ(res.costs[2].day, "2026-12-02");
    CHECK(res.costs[2].estimated);
    ce_result_release(&res);

    CHECK_INT_EQ(responder_count(f.r), 1);
    q = responder_request(f.r, 0);
    CHECK_STR_EQ(q->method, "POST");
    CHECK_STR_EQ(q->url, "/");
    CHECK_STR_EQ(q->body, REQ_BODY);
    CHECK_STR_EQ(responder_header(q, "X-Amz-Target"), "AWSInsightsIndexService.GetCostAndUsage");
    CHECK_STR_EQ(responder_header(q, "Content-Type"), "application/x-amz-json-1.1");
    CHECK_CONTAINS(responder_header(q, "Authorization"), "/20260101/us-east-1/ce/aws4_request");
    fx_done(&f);
}

TEST(pagination_follows_next_page_token)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct ce_result res;

    fx_init(&f);
    responder_push_simple(f.r, 200,
                          "{\"ResultsByTime\":[" DAY_RESULT(
                                  "2026-12-01", "2026-12-02", "false",
                                  GROUP("222222222222", "1")) "],"
                                                              "\"NextPageToken\":\"page-2\"}");
    /* An empty page that still carries a token must not end the listing. */
    responder_push_simple(f.r, 200, "{\"ResultsByTime\":[],\"NextPageToken\":\"page-3\"}");
    responder_push_simple(f.r, 200,
                          "{\"ResultsByTime\":[" DAY_RESULT("2026-12-01", "2026-12-02", "false",
                                                            GROUP("444444444444", "2")) "]}");
    CHECK_OK(ce_daily_cost_by_account(f.o, "2026-12-01", "2026-12-04", &res, &err), &err);
    CHECK_INT_EQ(res.pages, 3);
    CHECK_INT_EQ(responder_count(f.r), 3);
    CHECK_INT_EQ(res.n, 2);
    CHECK_STR_EQ(res.costs[1].account, "444444444444");
    CHECK(strstr(responder_request(f.r, 0)->body, "NextPageToken") == NULL);
    CHECK_CONTAINS(responder_request(f.r, 1)->body, "\"NextPageToken\":\"page-2\"");
    CHECK_CONTAINS(responder_request(f.r, 2)->body, "\"NextPageToken\":\"page-3\"");
    ce_result_release(&res);
    fx_done(&f);
}

TEST(repeated_token_is_refused)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct ce_result res;

    fx_init(&f);
    responder_push_simple(f.r, 200, "{\"ResultsByTime\":[],\"NextPageToken\":\"same\"}");
    responder_push_simple(f.r, 200, "{\"ResultsByTime\":[],\"NextPageToken\":\"same\"}");
    CHECK_ERR(ce_daily_cost_by_account(f.o, "2026-12-01", "2026-12-04", &res, &err), &err,
              SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_PROTOCOL);
    CHECK_CONTAINS(err.msg, "NextPageToken repeated");
    CHECK(res.costs == NULL && res.n == 0);
    fx_done(&f);
}

TEST(malformed_answers_are_protocol_errors)
{
    static const char *const bodies[] = {
        "{\"ResultsByTime\":{}}",
        "{\"ResultsByTime\":[" DAY_RESULT("2026-12-01", "2026-12-02", "false",
                                          GROUP("2222", "1")) "]}",
        "{\"ResultsByTime\":[" DAY_RESULT("2026-12-01", "2026-12-02", "false",
                                          GROUP("222222222222", "lots")) "]}",
        "{\"ResultsByTime\":[" DAY_RESULT("2026-13-01", "2026-12-02", "false", ) "]}",
    };

    for (size_t i = 0; i < SBX_ARRAY_LEN(bodies); i++) {
        struct fx f;
        struct sbx_err err = { 0 };
        struct ce_result res;

        fx_init(&f);
        responder_push_simple(f.r, 200, bodies[i]);
        CHECK_ERR(ce_daily_cost_by_account(f.o, "2026-12-01", "2026-12-04", &res, &err), &err,
                  SBX_E_AWS);
        CHECK_INT_EQ(err.aws, SBX_AWS_PROTOCOL);
        CHECK_CONTAINS(err.msg, "GetCostAndUsage");
        fx_done(&f);
    }
}

TEST(throttling_is_retried)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct ce_result res;

    fx_init(&f);
    responder_push_simple(f.r, 400,
                          "{\"__type\":\"LimitExceededException\",\"Message\":\"Rate exceeded\"}");
    responder_push_simple(f.r, 200, "{\"ResultsByTime\":[]}");
    CHECK_OK(ce_daily_cost_by_account(f.o, "2026-12-01", "2026-12-04", &res, &err), &err);
    CHECK_INT_EQ(responder_count(f.r), 2);
    CHECK_INT_EQ(res.pages, 1);
    ce_result_release(&res);
    fx_done(&f);
}

TEST(bad_period_is_refused_without_a_request)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct ce_result res;

    fx_init(&f);
    CHECK_ERR(ce_daily_cost_by_account(f.o, "2026-12-04", "2026-12-04", &res, &err), &err,
              SBX_E_INVALID);
    CHECK_ERR(ce_daily_cost_by_account(f.o, "2026-02-29", "2026-03-04", &res, &err), &err,
              SBX_E_INVALID);
    CHECK_ERR(ce_daily_cost_by_account(f.o, "2026-12-01", "tomorrow", &res, &err), &err,
              SBX_E_INVALID);
    CHECK_INT_EQ(responder_count(f.r), 0);
    CHECK(ce_valid_date("2024-02-29"));
    CHECK(!ce_valid_date("2100-02-29"));
    fx_done(&f);
}

TEST(endpoint_overrides)
{
    struct orgs_opts opts = { 0 };
    struct orgs *o = NULL;
    struct sbx_err err = { 0 };
    struct ce_result res;
    char *home;

    home = check_aws_home(TEST_AKID, TEST_SECRET);
    opts.max_attempts = 1;
    /* The default: the one aws-partition endpoint, signed for us-east-1. */
    CHECK_OK(orgs_new(&opts, NULL, &o, &err), &err);
    CHECK_STR_EQ(orgs_ce_endpoint(o), "https://ce.us-east-1.amazonaws.com");
    orgs_free(o);
    opts.region = "cn-north-1";
    CHECK_OK(orgs_new(&opts, NULL, &o, &err), &err);
    CHECK_STR_EQ(orgs_ce_endpoint(o), "https://ce.cn-northwest-1.amazonaws.com.cn");
    orgs_free(o);
    /* The environment variable, then the configuration over it. */
    opts.region = NULL;
    setenv("AWS_ENDPOINT_URL_COST_EXPLORER", "http://127.0.0.1:4599", 1);
    CHECK_OK(orgs_new(&opts, NULL, &o, &err), &err);
    CHECK_STR_EQ(orgs_ce_endpoint(o), "http://127.0.0.1:4599");
    orgs_free(o);
    opts.ce_endpoint = "http://127.0.0.1:4600/";
    CHECK_OK(orgs_new(&opts, NULL, &o, &err), &err);
    CHECK_STR_EQ(orgs_ce_endpoint(o), "http://127.0.0.1:4600");
    orgs_free(o);
    /* A bad override is a configuration error at once. */
    opts.ce_endpoint = "http://127.0.0.1:4600/path";
    CHECK_ERR(orgs_new(&opts, NULL, &o, &err), &err, SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "aws.ce_endpoint");
    /* A partition without Cost Explorer: the client works, the spend request says why not. */
    unsetenv("AWS_ENDPOINT_URL_COST_EXPLORER");
    opts.ce_endpoint = NULL;
    opts.region = "us-gov-west-1";
    CHECK_OK(orgs_new(&opts, NULL, &o, &err), &err);
    CHECK(orgs_ce_endpoint(o) == NULL);
    CHECK_ERR(ce_daily_cost_by_account(o, "2026-12-01", "2026-12-04", &res, &err), &err,
              SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "aws-us-gov");
    orgs_free(o);
    free(home);
}

/* --- the simulator's GetCostAndUsage ------------------------------------------------- */

static struct sim *
sim_mk(void)
{
    struct sim_opts so;
    struct sim *s = NULL;
    struct sbx_err err = { 0 };

    sim_opts_init(&so);
    so.access_key_id = "AKIDTEST";
    so.secret_access_key = "secret";
    so.fixed_clock = true;
    so.start_time = T0;
    so.seed = 11;
    so.seeded = true;
    so.throttle = false;
    so.account_limit = 100;
    CHECK_OK(sim_new(&so, &s, &err), &err);
    return s;
}

static cJSON *
sim_admin(struct sim *s, const char *method, const char *path, const char *body, int status)
{
    struct sim_reply r;
    cJSON *out;

    CHECK(sim_admin_call(s, method, path, body, body != NULL ? strlen(body) : 0, &r) == 0);
    if (r.status != status)
        CHECK_FAIL("%s %s: status %d, expected %d: %.*s", method, path, r.status, status,
                   (int)r.len, r.body);
    out = cJSON_ParseWithLength(r.body, r.len);
    CHECK(out != NULL);
    sim_reply_release(&r);
    return out;
}

/* A new member account with spend rate per_day (USD); its id into id. */
static void
sim_member(struct sim *s, const char *name, double per_day, char id[13])
{
    char body[200];
    cJSON *o;

    snprintf(body, sizeof(body), "{\"Email\":\"%s@example.com\",\"Name\":\"%s\"}", name, name);
    o = sim_admin(s, "POST", "/__sim/accounts", body, 200);
    snprintf(id, 13, "%s", cJSON_GetObjectItemCaseSensitive(o, "Id")->valuestring);
    cJSON_Delete(o);
    if (per_day > 0) {
        snprintf(body, sizeof(body), "{\"AccountId\":\"%s\",\"PerDay\":%g}", id, per_day);
        cJSON_Delete(sim_admin(s, "POST", "/__sim/spend", body, 200));
    }
}

static cJSON *
ce_call(struct sim *s, const char *body, int *status)
{
    struct sim_caller mgmt;
    struct sim_reply r;
    cJSON *out;

    sim_caller_management(s, &mgmt);
    CHECK(sim_ce_call(s, "GetCostAndUsage", body, strlen(body), &mgmt, &r) == 0);
    *status = r.status;
    out = cJSON_ParseWithLength(r.body, r.len);
    CHECK(out != NULL);
    sim_reply_release(&r);
    return out;
}

static const char *
err_type(const cJSON *o)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "__type");

    return cJSON_IsString(t) ? t->valuestring : "";
}

/* Amount of account id on result day index di of a reply, or -1 when it has no group. */
static double
amount_of(const cJSON *reply, int di, const char *id)
{
    const cJSON *day =
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(reply, "ResultsByTime"), di);
    const cJSON *g;

    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(day, "Groups"))
    {
        const cJSON *k = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(g, "Keys"), 0);

        if (strcmp(k->valuestring, id) == 0)
            return atof(cJSON_GetObjectItemCaseSensitive(
                                cJSON_GetObjectItemCaseSensitive(
                                        cJSON_GetObjectItemCaseSensitive(g, "Metrics"),
                                        "UnblendedCost"),
                                "Amount")
                                ->valuestring);
    }
    return -1;
}

#define SIM_REQ(start, end, extra)                                                    \
    "{\"TimePeriod\":{\"Start\":\"" start "\",\"End\":\"" end "\"},\"Granularity\":"  \
    "\"DAILY\",\"Metrics\":[\"UnblendedCost\"],\"GroupBy\":[{\"Type\":\"DIMENSION\"," \
    "\"Key\":\"LINKED_ACCOUNT\"}]" extra "}"

TEST(sim_spend_shows_after_the_lag)
{
    struct sim *s = sim_mk();
    char a[13], b[13], c[13];
    cJSON *o;
    int st;

    sim_member(s, "alpha", 24, a);
    sim_member(s, "beta", 48, b);
    sim_member(s, "gamma", 0, c);
    /* Default lag 12 h: after 12 h nothing shows yet. */
    sim_advance(s, 12 * 3600);
    o = ce_call(s, SIM_REQ("2026-01-01", "2026-01-03", ), &st);
    CHECK_INT_EQ(st, 200);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "ResultsByTime")), 2);
    CHECK(amount_of(o, 0, a) < 0);
    cJSON_Delete(o);
    /* 2 days later: day 1 complete, day 2 half visible (12 h lag), day 2 estimated. */
    sim_advance(s, 36 * 3600);
    o = ce_call(s, SIM_REQ("2026-01-01", "2026-01-03", ), &st);
    CHECK_INT_EQ(st, 200);
    CHECK(fabs(amount_of(o, 0, a) - 24) < 1e-6);
    CHECK(fabs(amount_of(o, 0, b) - 48) < 1e-6);
    CHECK(amount_of(o, 0, c) < 0); /* no cost, no group */
    CHECK(fabs(amount_of(o, 1, a) - 12) < 1e-6);
    CHECK(!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "ResultsByTime"), 0),
            "Estimated")));
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "ResultsByTime"), 1),
            "Estimated")));
    cJSON_Delete(o);
    /* Lag 0 and a new rate from now on. */
    cJSON_Delete(sim_admin(s, "POST", "/__sim/spend", "{\"Lag\":0}", 200));
    {
        char body[100];

        snprintf(body, sizeof(body), "{\"AccountId\":\"%s\",\"PerDay\":240}", a);
        cJSON_Delete(sim_admin(s, "POST", "/__sim/spend", body, 200));
    }
    sim_advance(s, 6 * 3600); /* 2026-01-03 06:00 */
    o = ce_call(s, SIM_REQ("2026-01-02", "2026-01-04", ), &st);
    CHECK(fabs(amount_of(o, 0, a) - 24) < 1e-6);
    CHECK(fabs(amount_of(o, 1, a) - 60) < 1e-6);
    cJSON_Delete(o);
    sim_free(s);
}

TEST(sim_pages_and_token_errors)
{
    struct sim *s = sim_mk();
    char ids[5][13], body[400];
    const char *tok;
    cJSON *o, *o2;
    int st, groups = 0, pages = 0;
    char token[64] = "";

    for (int i = 0; i < 5; i++) {
        char name[16];

        snprintf(name, sizeof(name), "acct%d", i);
        sim_member(s, name, 10 + i, ids[i]);
    }
    cJSON_Delete(sim_admin(s, "POST", "/__sim/spend", "{\"Lag\":\"0s\",\"PageSize\":3}", 200));
    sim_advance(s, 3 * DAY);
    /* 3 days x 5 accounts = 15 groups, 3 per page: 5 pages, the last without a token. */
    do {
        const cJSON *day;

        if (token[0] != '\0')
            snprintf(body, sizeof(body),
                     SIM_REQ("2026-01-01", "2026-01-04", ",\"NextPageToken\":\"%s\""), token);
        else
            snprintf(body, sizeof(body), "%s", SIM_REQ("2026-01-01", "2026-01-04", ));
        o = ce_call(s, body, &st);
        CHECK_INT_EQ(st, 200);
        pages++;
        cJSON_ArrayForEach(day, cJSON_GetObjectItemCaseSensitive(o, "ResultsByTime")) groups +=
                cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(day, "Groups"));
        tok = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "NextPageToken"))
                      ? cJSON_GetObjectItemCaseSensitive(o, "NextPageToken")->valuestring
                      : "";
        snprintf(token, sizeof(token), "%s", tok);
        if (token[0] != '\0') {
            /* The same token with another period: RequestChangedException. */
            snprintf(body, sizeof(body),
                     SIM_REQ("2026-01-01", "2026-01-03", ",\"NextPageToken\":\"%s\""), token);
            o2 = ce_call(s, body, &st);
            CHECK_INT_EQ(st, 400);
            CHECK_STR_EQ(err_type(o2), "RequestChangedException");
            cJSON_Delete(o2);
        }
        cJSON_Delete(o);
    } while (token[0] != '\0' && pages < 20);
    CHECK_INT_EQ(pages, 5);
    CHECK_INT_EQ(groups, 15);
    o = ce_call(s, SIM_REQ("2026-01-01", "2026-01-04", ",\"NextPageToken\":\"forged\""), &st);
    CHECK_INT_EQ(st, 400);
    CHECK_STR_EQ(err_type(o), "InvalidNextTokenException");
    cJSON_Delete(o);
    sim_free(s);
}

TEST(sim_validation_errors)
{
    static const char *const bad[] = {
        "{}",
        SIM_REQ("2026-01-03", "2026-01-01", ),
        SIM_REQ("2026-01-01", "2026-02-30", ),
        SIM_REQ("2024-01-01", "2026-01-01", ),
        "{\"TimePeriod\":{\"Start\":\"2026-01-01\",\"End\":\"2026-01-02\"},\"Granularity\":"
        "\"DAILY\",\"Metrics\":[\"Money\"]}",
        "{\"TimePeriod\":{\"Start\":\"2026-01-01\",\"End\":\"2026-01-02\"},\"Granularity\":"
        "\"DAILY\",\"Metrics\":[\"UnblendedCost\"],\"GroupBy\":[{\"Type\":\"TAG\",\"Key\":"
        "\"owner\"}]}",
    };
    struct sim *s = sim_mk();

    for (size_t i = 0; i < SBX_ARRAY_LEN(bad); i++) {
        int st;
        cJSON *o = ce_call(s, bad[i], &st);

        CHECK_INT_EQ(st, 400);
        CHECK_STR_EQ(err_type(o), "ValidationException");
        cJSON_Delete(o);
    }
    cJSON_Delete(sim_admin(s, "POST", "/__sim/spend",
                           "{\"AccountId\":\"999999999999\","
                           "\"PerDay\":1}",
                           400));
    cJSON_Delete(sim_admin(s, "POST", "/__sim/spend", "{\"Lag\":-5}", 400));
    cJSON_Delete(sim_admin(s, "POST", "/__sim/spend", "{\"PageSize\":0}", 400));
    sim_free(s);
}

TEST(sim_spend_survives_a_restart)
{
    struct sim *s = sim_mk(), *s2 = sim_mk();
    struct sbx_err err = { 0 };
    char a[13], *json = NULL;
    cJSON *o;
    int st;

    sim_member(s, "alpha", 24, a);
    cJSON_Delete(sim_admin(s, "POST", "/__sim/spend", "{\"Lag\":3600,\"PageSize\":7}", 200));
    sim_advance(s, 2 * DAY);
    CHECK_OK(sim_state_json(s, true, &json, &err), &err);
    CHECK_OK(sim_state_load(s2, json, &err), &err);
    free(json);
    o = sim_admin(s2, "GET", "/__sim/spend", NULL, 200);
    CHECK_INT_EQ(cJSON_GetObjectItemCaseSensitive(o, "Lag")->valuedouble, 3600);
    CHECK_INT_EQ(cJSON_GetObjectItemCaseSensitive(o, "PageSize")->valuedouble, 7);
    CHECK_INT_EQ(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "PerDay"), a)
                         ->valuedouble,
                 24);
    cJSON_Delete(o);
    o = ce_call(s2, SIM_REQ("2026-01-01", "2026-01-02", ), &st);
    CHECK(fabs(amount_of(o, 0, a) - 24) < 1e-6);
    cJSON_Delete(o);
    sim_free(s);
    sim_free(s2);
}

TEST(client_against_simulator)
{
    struct sim *s = sim_mk();
    struct sim_server *srv = NULL;
    struct orgs_opts opts = { 0 };
    struct orgs *o = NULL;
    struct sbx_clock clk;
    struct sbx_err err = { 0 };
    struct ce_result res;
    char url[64], ids[4][13], *home;
    int64_t total = 0;

    home = check_aws_home("AKIDTEST", "secret");
    for (int i = 0; i < 4; i++) {
        char name[16];

        snprintf(name, sizeof(name), "member%d", i);
        sim_member(s, name, 10 * (i + 1), ids[i]);
    }
    cJSON_Delete(sim_admin(s, "POST", "/__sim/spend", "{\"Lag\":\"12h\",\"PageSize\":3}", 200));
    sim_advance(s, 3 * DAY);
    CHECK_OK(sim_server_start(s, NULL, "127.0.0.1:0", NULL, NULL, &srv, &err), &err);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", sim_server_port(srv));
    opts.endpoint = url;
    opts.sts_endpoint = url;
    opts.ce_endpoint = url;
    opts.max_attempts = 1;
    opts.connect_timeout = 5;
    opts.request_timeout = 10;
    clock_init_fixed(&clk, T0 + 3 * DAY); /* signs with the simulator's time */
    CHECK_OK(orgs_new(&opts, &clk, &o, &err), &err);
    CHECK_OK(ce_daily_cost_by_account(o, "2026-01-01", "2026-01-04", &res, &err), &err);
    /* Days 1 and 2 complete, day 3 up to 12:00: 4 + 4 + 4 groups, 3 a page = 4 requests. */
    CHECK_INT_EQ(res.n, 12);
    CHECK_INT_EQ(res.pages, 4);
    for (size_t i = 0; i < res.n; i++)
        total += res.costs[i].cents;
    CHECK_INT_EQ(total, 250 * (10 + 20 + 30 + 40));
    CHECK(!res.costs[0].estimated);
    CHECK(res.costs[res.n - 1].estimated);
    CHECK_STR_EQ(res.costs[res.n - 1].day, "2026-01-03");
    ce_result_release(&res);
    orgs_free(o);
    sim_server_stop(srv);
    sim_free(s);
    free(home);
}

TEST(sim_faults_reach_cost_explorer)
{
    struct sim *s = sim_mk();
    struct sim_server *srv = NULL;
    struct orgs_opts opts = { 0 };
    struct orgs *o = NULL;
    struct sbx_clock clk;
    struct sbx_err err = { 0 };
    struct ce_result res;
    struct orgs_root *roots = NULL;
    size_t nroots = 0;
    char url[64], id[13], *home;
    cJSON *st;

    home = check_aws_home("AKIDTEST", "secret");
    sim_member(s, "alpha", 10, id);
    /* Every GetCostAndUsage fails; other operations do not. */
    cJSON_Delete(sim_admin(s, "POST", "/__sim/faults",
                           "{\"error_rate\":1,\"ops\":[\"GetCostAndUsage\"]}", 200));
    CHECK_OK(sim_server_start(s, NULL, "127.0.0.1:0", NULL, NULL, &srv, &err), &err);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", sim_server_port(srv));
    opts.endpoint = url;
    opts.sts_endpoint = url;
    opts.ce_endpoint = url;
    opts.max_attempts = 3;
    opts.connect_timeout = 5;
    opts.request_timeout = 10;
    clock_init_fixed(&clk, T0);
    CHECK_OK(orgs_new(&opts, &clk, &o, &err), &err);
    CHECK_ERR(ce_daily_cost_by_account(o, "2025-12-30", "2026-01-01", &res, &err), &err, SBX_E_AWS);
    CHECK_STR_EQ(err.aws_code, "InternalServerError");
    CHECK_CONTAINS(err.msg, "after 3 attempts");
    CHECK_OK(orgs_list_roots(o, &roots, &nroots, &err), &err);
    orgs_roots_free(roots, nroots);
    sim_server_stop(srv);
    st = sim_admin(s, "GET", "/__sim/state", NULL, 200);
    CHECK_INT_EQ(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(st, "calls"),
                                                  "GetCostAndUsage")
                         ->valuedouble,
                 3);
    cJSON_Delete(st);
    orgs_free(o);
    sim_free(s);
    free(home);
}
