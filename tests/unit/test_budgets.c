/*
 * test_budgets.c -- the AWS Budgets client (budget.aws_budget) against a scripted local HTTP
 * server (request shapes, target and signing name, answers parsed, errors), the endpoint rules,
 * and the simulator's Budgets service driven directly (duplicate, not found, a bad limit,
 * another account's budgets, DescribeBudgets pages, persistence through the state dump).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/budgets.h"
#include "aws/endpoint.h"
#include "aws/orgs.h"
#include "check.h"
#include "responder.h"
#include "sim/sim.h"
#include "util/clock.h"

#define T0          1767225600.0 /* 2026-01-01T00:00:00Z */
#define TEST_AKID   "AKIAIOSFODNN7EXAMPLE"
#define TEST_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define MGMT        "111111111111"

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
    f->opts.budgets_endpoint = responder_url(f->r);
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

static void
sample(struct budgets_budget *b)
{
    budgets_budget_init(b, "222222222222", 5000, false, 1764892800); /* 2025-12-05 */
    b->alerts[b->nalerts++] = 50;
    b->alerts[b->nalerts++] = 80;
    b->alerts[b->nalerts++] = 100;
    b->emails[b->nemails++] = "alice@corp.example";
}

TEST(create_request_shape)
{
    struct budgets_budget b;
    cJSON *req;
    char *text;

    sample(&b);
    CHECK_STR_EQ(b.name, "sandboxctl-222222222222");
    req = budgets_create_request(MGMT, &b);
    CHECK(req != NULL);
    text = cJSON_PrintUnformatted(req);
    CHECK_STR_EQ(
            text,
            "{\"AccountId\":\"111111111111\",\"Budget\":{\"BudgetName\":"
            "\"sandboxctl-222222222222\",\"BudgetLimit\":{\"Amount\":\"50.00\",\"Unit\":\"USD\"},"
            "\"CostFilters\":{\"LinkedAccount\":[\"222222222222\"]},\"TimeUnit\":\"ANNUALLY\","
            "\"BudgetType\":\"COST\",\"TimePeriod\":{\"Start\":1764892800}},"
            "\"NotificationsWithSubscribers\":["
            "{\"Notification\":{\"NotificationType\":\"ACTUAL\",\"ComparisonOperator\":"
            "\"GREATER_THAN\",\"Threshold\":50,\"ThresholdType\":\"PERCENTAGE\"},\"Subscribers\":"
            "[{\"SubscriptionType\":\"EMAIL\",\"Address\":\"alice@corp.example\"}]},"
            "{\"Notification\":{\"NotificationType\":\"ACTUAL\",\"ComparisonOperator\":"
            "\"GREATER_THAN\",\"Threshold\":80,\"ThresholdType\":\"PERCENTAGE\"},\"Subscribers\":"
            "[{\"SubscriptionType\":\"EMAIL\",\"Address\":\"alice@corp.example\"}]},"
            "{\"Notification\":{\"NotificationType\":\"ACTUAL\",\"ComparisonOperator\":"
            "\"GREATER_THAN\",\"Threshold\":100,\"ThresholdType\":\"PERCENTAGE\"},\"Subscribers\":"
            "[{\"SubscriptionType\":\"EMAIL\",\"Address\":\"alice@corp.example\"}]}]}");
    cJSON_free(text);
    cJSON_Delete(req);

    /* monthly: AWS's default start (the month's first day); no subscriber: no notifications */
    budgets_budget_init(&b, "222222222222", 12345, true, 0);
    b.alerts[b.nalerts++] = 100;
    req = budgets_create_request(MGMT, &b);
    text = cJSON_PrintUnformatted(req);
    CHECK_CONTAINS(text, "\"Amount\":\"123.45\"");
    CHECK_CONTAINS(text, "\"TimeUnit\":\"MONTHLY\"");
    CHECK(strstr(text, "TimePeriod") == NULL);
    CHECK(strstr(text, "NotificationsWithSubscribers") == NULL);
    cJSON_free(text);
    cJSON_Delete(req);
}

TEST(calls_over_http)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct budgets_budget b, got;
    const struct responder_request *q;

    fx_init(&f);
    sample(&b);
    responder_push_simple(f.r, 200, "{}");
    CHECK_OK(budgets_create(f.o, MGMT, &b, &err), &err);
    q = responder_request(f.r, 0);
    CHECK_STR_EQ(responder_header(q, "X-Amz-Target"), "AWSBudgetServiceGateway.CreateBudget");
    CHECK_STR_EQ(responder_header(q, "Content-Type"), "application/x-amz-json-1.1");
    CHECK_CONTAINS(responder_header(q, "Authorization"),
                   "/20260101/us-east-1/budgets/aws4_request");

    responder_push_simple(f.r, 200,
                          "{\"Budget\":{\"BudgetName\":\"sandboxctl-222222222222\","
                          "\"BudgetLimit\":{\"Amount\":\"50.0\",\"Unit\":\"USD\"},"
                          "\"CostFilters\":{\"LinkedAccount\":[\"222222222222\"]},"
                          "\"TimeUnit\":\"ANNUALLY\",\"TimePeriod\":{\"Start\":1764892800.0,"
                          "\"End\":3706473600.0},\"BudgetType\":\"COST\"}}");
    CHECK_OK(budgets_describe(f.o, MGMT, b.name, &got, &err), &err);
    CHECK_STR_EQ(responder_request(f.r, 1)->body,
                 "{\"AccountId\":\"111111111111\",\"BudgetName\":\"sandboxctl-222222222222\"}");
    CHECK_STR_EQ(got.name, "sandboxctl-222222222222");
    CHECK_STR_EQ(got.linked_account, "222222222222");
    CHECK_INT_EQ(got.limit, 5000);
    CHECK(!got.monthly);
    CHECK_INT_EQ(got.start, 1764892800);

    responder_push_simple(f.r, 200, "{}");
    CHECK_OK(budgets_update(f.o, MGMT, &b, &err), &err);
    q = responder_request(f.r, 2);
    CHECK_STR_EQ(responder_header(q, "X-Amz-Target"), "AWSBudgetServiceGateway.UpdateBudget");
    CHECK_CONTAINS(q->body, "\"NewBudget\":{\"BudgetName\":\"sandboxctl-222222222222\"");
    CHECK(strstr(q->body, "Notifications") == NULL);

    responder_push_simple(f.r, 400,
                          "{\"__type\":\"NotFoundException\",\"Message\":\"Unable to delete "
                          "budget: sandboxctl-222222222222 - the budget doesn't exist.\"}");
    CHECK_ERR(budgets_delete(f.o, MGMT, b.name, &err), &err, SBX_E_AWS);
    CHECK(budgets_error_is(&err, "NotFoundException"));
    CHECK_STR_EQ(responder_header(responder_request(f.r, 3), "X-Amz-Target"),
                 "AWSBudgetServiceGateway.DeleteBudget");
    sbx_err_clear(&err);

    responder_push_simple(f.r, 200, "{\"Budget\":{\"BudgetName\":\"x\"}}");
    CHECK_ERR(budgets_describe(f.o, MGMT, b.name, &got, &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_PROTOCOL);
    CHECK_CONTAINS(err.msg, "BudgetLimit.Amount");
    fx_done(&f);
}

TEST(endpoint_rules)
{
    struct endpoint_opts eo = { 0 };
    struct endpoint_env env = { 0 };
    struct endpoint ep;
    struct sbx_err err = { 0 };

    eo.region = "eu-west-1";
    CHECK_OK(endpoint_resolve_budgets(&eo, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "https://budgets.amazonaws.com");
    CHECK_STR_EQ(ep.signing_region, "us-east-1");
    eo.region = "cn-north-1";
    CHECK_OK(endpoint_resolve_budgets(&eo, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "https://budgets.amazonaws.com.cn");
    CHECK_STR_EQ(ep.signing_region, "cn-northwest-1");
    eo.region = "us-gov-west-1";
    CHECK_ERR(endpoint_resolve_budgets(&eo, &env, &ep, &err), &err, SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "aws.budgets_endpoint");
    sbx_err_clear(&err);
    env.service_url = "http://127.0.0.1:4566";
    CHECK_OK(endpoint_resolve_budgets(&eo, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.url, "http://127.0.0.1:4566");
    CHECK_STR_EQ(ep.source, "AWS_ENDPOINT_URL_BUDGETS");
    eo.config_url = "http://127.0.0.1:5555";
    CHECK_OK(endpoint_resolve_budgets(&eo, &env, &ep, &err), &err);
    CHECK_STR_EQ(ep.source, "config aws.budgets_endpoint");
}

/* --- the simulator ------------------------------------------------------------------------ */

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
    so.start_time = T0 + 3600 * 24 * 40; /* 2026-02-10 */
    so.seed = 11;
    so.seeded = true;
    so.throttle = false;
    CHECK_OK(sim_new(&so, &s, &err), &err);
    return s;
}

/* One call as the management account; the answer's body parsed (the caller deletes it). */
static cJSON *
call(struct sim *s, const char *op, const char *body, int *status)
{
    struct sim_caller mgmt;
    struct sim_reply r;
    cJSON *out;

    sim_caller_management(s, &mgmt);
    CHECK(sim_budgets_call(s, op, body, strlen(body), &mgmt, &r) == 0);
    *status = r.status;
    out = r.len > 0 ? cJSON_ParseWithLength(r.body, r.len) : cJSON_CreateObject(); /* no output */
    CHECK(out != NULL);
    sim_reply_release(&r);
    return out;
}

static const char *
type_of(const cJSON *o)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "__type");

    return cJSON_IsString(t) ? t->valuestring : "";
}

#define BUDGET(name, amount)                                                    \
    "{\"BudgetName\":\"" name "\",\"BudgetLimit\":{\"Amount\":\"" amount "\","  \
    "\"Unit\":\"USD\"},\"CostFilters\":{\"LinkedAccount\":[\"222222222222\"]}," \
    "\"TimeUnit\":\"MONTHLY\",\"BudgetType\":\"COST\"}"

TEST(sim_budgets_errors_and_listing)
{
    struct sim *s = sim_mk();
    struct sim_caller other;
    struct sim_reply r;
    struct sbx_err err = { 0 };
    char *dump = NULL;
    cJSON *o;
    int st;

    o = call(s, "CreateBudget", "{\"AccountId\":\"" MGMT "\",\"Budget\":" BUDGET("b1", "50") "}",
             &st);
    CHECK_INT_EQ(st, 200);
    cJSON_Delete(o);
    o = call(s, "CreateBudget", "{\"AccountId\":\"" MGMT "\",\"Budget\":" BUDGET("b1", "60") "}",
             &st);
    CHECK_INT_EQ(st, 400);
    CHECK_STR_EQ(type_of(o), "DuplicateRecordException");
    cJSON_Delete(o);
    o = call(s, "CreateBudget", "{\"AccountId\":\"" MGMT "\",\"Budget\":" BUDGET("b2", "-1") "}",
             &st);
    CHECK_STR_EQ(type_of(o), "InvalidParameterException");
    cJSON_Delete(o);
    o = call(s, "CreateBudget", "{\"AccountId\":\"" MGMT "\",\"Budget\":" BUDGET("b2", "ten") "}",
             &st);
    CHECK_STR_EQ(type_of(o), "InvalidParameterException");
    cJSON_Delete(o);
    o = call(s, "DescribeBudget", "{\"AccountId\":\"" MGMT "\",\"BudgetName\":\"nope\"}", &st);
    CHECK_STR_EQ(type_of(o), "NotFoundException");
    cJSON_Delete(o);
    o = call(s, "DeleteBudget", "{\"AccountId\":\"" MGMT "\",\"BudgetName\":\"nope\"}", &st);
    CHECK_STR_EQ(type_of(o), "NotFoundException");
    cJSON_Delete(o);
    o = call(s, "UpdateBudget",
             "{\"AccountId\":\"" MGMT "\",\"NewBudget\":" BUDGET("nope", "1") "}", &st);
    CHECK_STR_EQ(type_of(o), "NotFoundException");
    cJSON_Delete(o);

    /* the default start of a MONTHLY budget is the month's first day (2026-02-01) */
    o = call(s, "DescribeBudget", "{\"AccountId\":\"" MGMT "\",\"BudgetName\":\"b1\"}", &st);
    CHECK_INT_EQ(st, 200);
    CHECK_INT_EQ((long long)cJSON_GetObjectItemCaseSensitive(
                         cJSON_GetObjectItemCaseSensitive(
                                 cJSON_GetObjectItemCaseSensitive(o, "Budget"), "TimePeriod"),
                         "Start")
                         ->valuedouble,
                 1769904000LL);
    cJSON_Delete(o);
    o = call(s, "UpdateBudget",
             "{\"AccountId\":\"" MGMT "\",\"NewBudget\":" BUDGET("b1", "75.5") "}", &st);
    CHECK_INT_EQ(st, 200);
    cJSON_Delete(o);

    /* another account may not see the management account's budgets */
    sim_caller_management(s, &other);
    snprintf(other.account_id, sizeof(other.account_id), "333333333333");
    CHECK(sim_budgets_call(s, "DescribeBudgets", "{\"AccountId\":\"" MGMT "\"}",
                           strlen("{\"AccountId\":\"" MGMT "\"}"), &other, &r) == 0);
    CHECK_INT_EQ(r.status, 400);
    CHECK_CONTAINS(r.body, "AccessDeniedException");
    sim_reply_release(&r);

    /* pages of one */
    o = call(s, "CreateBudget", "{\"AccountId\":\"" MGMT "\",\"Budget\":" BUDGET("b2", "1") "}",
             &st);
    cJSON_Delete(o);
    o = call(s, "DescribeBudgets", "{\"AccountId\":\"" MGMT "\",\"MaxResults\":1}", &st);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "Budgets")), 1);
    CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(o, "NextToken")->valuestring, "BUDGETS-1");
    cJSON_Delete(o);
    o = call(s, "DescribeBudgets",
             "{\"AccountId\":\"" MGMT "\",\"MaxResults\":1,\"NextToken\":\"BUDGETS-1\"}", &st);
    CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(
                         cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "Budgets"), 0),
                         "BudgetName")
                         ->valuestring,
                 "b2");
    CHECK(cJSON_GetObjectItemCaseSensitive(o, "NextToken") == NULL);
    cJSON_Delete(o);

    /* the dump carries the budgets, and loading it restores them */
    CHECK_OK(sim_state_json(s, true, &dump, &err), &err);
    CHECK_CONTAINS(dump, "\"Amount\":\"75.5\"");
    sim_free(s);
    s = sim_mk();
    CHECK_OK(sim_state_load(s, dump, &err), &err);
    free(dump);
    o = call(s, "DeleteBudget", "{\"AccountId\":\"" MGMT "\",\"BudgetName\":\"b1\"}", &st);
    CHECK_INT_EQ(st, 200);
    cJSON_Delete(o);
    o = call(s, "DescribeBudgets", "{\"AccountId\":\"" MGMT "\"}", &st);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "Budgets")), 1);
    cJSON_Delete(o);
    sim_free(s);
}
