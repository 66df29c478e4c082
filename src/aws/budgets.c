/*
 * budgets.c -- AWS Budgets: one COST budget per sandbox account (see budgets.h).
 *
 * Shapes (Budgets API reference): CreateBudget {"AccountId", "Budget": {"BudgetName",
 * "BudgetLimit": {"Amount": "50.00", "Unit": "USD"}, "CostFilters": {"LinkedAccount": [id]},
 * "TimeUnit", "TimePeriod": {"Start": epoch}?, "BudgetType": "COST"},
 * "NotificationsWithSubscribers": [...]} -> {}; DescribeBudget {"AccountId", "BudgetName"} ->
 * {"Budget": {...}}; UpdateBudget {"AccountId", "NewBudget": {...}} -> {}; DeleteBudget
 * {"AccountId", "BudgetName"} -> {}. Amounts are decimal strings; timestamps are epoch seconds
 * as JSON numbers (the JSON 1.1 protocol's default).
 */
#include "aws/budgets.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/orgs_int.h"
#include "util/jsonr.h"
#include "util/money.h"

#define PREFIX "AWSBudgetServiceGateway"

void
budgets_budget_init(struct budgets_budget *b, const char *account_id, int64_t limit, bool monthly,
                    int64_t start)
{
    memset(b, 0, sizeof(*b));
    snprintf(b->name, sizeof(b->name), "sandboxctl-%s", account_id);
    snprintf(b->linked_account, sizeof(b->linked_account), "%s", account_id);
    b->limit = limit;
    b->monthly = monthly;
    b->start = start;
}

bool
budgets_error_is(const struct sbx_err *err, const char *code)
{
    return err->code == SBX_E_AWS && strcmp(err->aws_code, code) == 0;
}

/* The Budget object of b; NULL when out of memory. */
static cJSON *
budget_object(const struct budgets_budget *b)
{
    cJSON *o = cJSON_CreateObject(), *lim, *filters, *ids, *tp;
    char amount[32];

    if (o == NULL)
        return NULL;
    money_format_plain(b->limit, amount, sizeof(amount));
    if (cJSON_AddStringToObject(o, "BudgetName", b->name) == NULL ||
        (lim = cJSON_AddObjectToObject(o, "BudgetLimit")) == NULL ||
        cJSON_AddStringToObject(lim, "Amount", amount) == NULL ||
        cJSON_AddStringToObject(lim, "Unit", "USD") == NULL ||
        (filters = cJSON_AddObjectToObject(o, "CostFilters")) == NULL ||
        (ids = cJSON_AddArrayToObject(filters, "LinkedAccount")) == NULL ||
        !cJSON_AddItemToArray(ids, cJSON_CreateString(b->linked_account)) ||
        cJSON_GetArraySize(ids) != 1 ||
        cJSON_AddStringToObject(o, "TimeUnit", b->monthly ? "MONTHLY" : "ANNUALLY") == NULL ||
        cJSON_AddStringToObject(o, "BudgetType", "COST") == NULL)
        goto oom;
    if (b->start > 0) {
        tp = cJSON_AddObjectToObject(o, "TimePeriod");
        if (tp == NULL || cJSON_AddNumberToObject(tp, "Start", (double)b->start) == NULL)
            goto oom;
    }
    return o;
oom:
    cJSON_Delete(o);
    return NULL;
}

/* One ACTUAL notification at pct percent with b's subscribers, appended to arr. */
static int
add_alert(cJSON *arr, const struct budgets_budget *b, int pct)
{
    cJSON *nws = cJSON_CreateObject(), *n, *subs;

    if (nws == NULL || !cJSON_AddItemToArray(arr, nws)) {
        cJSON_Delete(nws);
        return -1;
    }
    n = cJSON_AddObjectToObject(nws, "Notification");
    subs = cJSON_AddArrayToObject(nws, "Subscribers");
    if (n == NULL || subs == NULL ||
        cJSON_AddStringToObject(n, "NotificationType", "ACTUAL") == NULL ||
        cJSON_AddStringToObject(n, "ComparisonOperator", "GREATER_THAN") == NULL ||
        cJSON_AddNumberToObject(n, "Threshold", pct) == NULL ||
        cJSON_AddStringToObject(n, "ThresholdType", "PERCENTAGE") == NULL)
        return -1;
    for (int i = 0; i < b->nemails; i++) {
        cJSON *s = cJSON_CreateObject();

        if (s == NULL || !cJSON_AddItemToArray(subs, s)) {
            cJSON_Delete(s);
            return -1;
        }
        if (cJSON_AddStringToObject(s, "SubscriptionType", "EMAIL") == NULL ||
            cJSON_AddStringToObject(s, "Address", b->emails[i]) == NULL)
            return -1;
    }
    return 0;
}

/* {"AccountId": mgmt, key: b's Budget object}; NULL when out of memory. */
static cJSON *
budget_request(const char *mgmt, const char *key, const struct budgets_budget *b)
{
    cJSON *req = orgs_request("AccountId", mgmt, NULL);

    if (req != NULL && jsonr_add(req, key, budget_object(b)) != 0) {
        cJSON_Delete(req);
        return NULL;
    }
    return req;
}

cJSON *
budgets_create_request(const char *mgmt, const struct budgets_budget *b)
{
    cJSON *req = budget_request(mgmt, "Budget", b), *arr;

    if (req == NULL)
        return NULL;
    if (b->nemails > 0 && b->nalerts > 0) {
        arr = cJSON_AddArrayToObject(req, "NotificationsWithSubscribers");
        if (arr == NULL)
            goto oom;
        for (int i = 0; i < b->nalerts; i++) {
            if (add_alert(arr, b, b->alerts[i]) != 0)
                goto oom;
        }
    }
    return req;
oom:
    cJSON_Delete(req);
    return NULL;
}

int
budgets_parse(const cJSON *budget, struct budgets_budget *out, struct sbx_err *err)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(budget, "BudgetName");
    const cJSON *lim = cJSON_GetObjectItemCaseSensitive(budget, "BudgetLimit");
    const cJSON *amount = cJSON_GetObjectItemCaseSensitive(lim, "Amount");
    const cJSON *unit = cJSON_GetObjectItemCaseSensitive(lim, "Unit");
    const cJSON *tu = cJSON_GetObjectItemCaseSensitive(budget, "TimeUnit");
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(budget, "TimePeriod"), "Start");
    const cJSON *linked = cJSON_GetArrayItem(
            cJSON_GetObjectItemCaseSensitive(
                    cJSON_GetObjectItemCaseSensitive(budget, "CostFilters"), "LinkedAccount"),
            0);

    memset(out, 0, sizeof(*out));
    if (!cJSON_IsString(name) || strlen(name->valuestring) >= sizeof(out->name))
        return orgs_protocol("DescribeBudget", "a budget without a valid BudgetName", err);
    if (!cJSON_IsString(amount) || money_from_decimal(amount->valuestring, &out->limit) != 0)
        return orgs_protocol("DescribeBudget", "a budget without a BudgetLimit.Amount", err);
    if (cJSON_IsString(unit) && strcmp(unit->valuestring, "USD") != 0)
        return orgs_protocol("DescribeBudget", "a budget limit in a currency other than USD", err);
    if (!cJSON_IsString(tu))
        return orgs_protocol("DescribeBudget", "a budget without a TimeUnit", err);
    snprintf(out->name, sizeof(out->name), "%s", name->valuestring);
    out->monthly = strcmp(tu->valuestring, "MONTHLY") == 0;
    if (cJSON_IsNumber(start) && isfinite(start->valuedouble) && start->valuedouble > 0)
        out->start = (int64_t)start->valuedouble;
    if (cJSON_IsString(linked))
        snprintf(out->linked_account, sizeof(out->linked_account), "%s", linked->valuestring);
    return 0;
}

/* Sends req (taken over) as operation op and discards the (empty) answer. */
static int
call(struct orgs *o, const char *op, cJSON *req, struct sbx_err *err)
{
    struct orgs_service_call sc = { .service = "budgets",
                                    .target_prefix = PREFIX,
                                    .operation = op };
    cJSON *resp = NULL;
    int rc;

    sc.ep = orgs_budgets_ep(o, err);
    if (sc.ep == NULL) {
        cJSON_Delete(req);
        return -1;
    }
    if (req == NULL)
        return sbx_err_nomem(err);
    rc = orgs_call_service(o, &sc, req, &resp, err);
    cJSON_Delete(req);
    cJSON_Delete(resp);
    return rc;
}

int
budgets_create(struct orgs *o, const char *mgmt, const struct budgets_budget *b,
               struct sbx_err *err)
{
    return call(o, "CreateBudget", budgets_create_request(mgmt, b), err);
}

int
budgets_update(struct orgs *o, const char *mgmt, const struct budgets_budget *b,
               struct sbx_err *err)
{
    return call(o, "UpdateBudget", budget_request(mgmt, "NewBudget", b), err);
}

int
budgets_delete(struct orgs *o, const char *mgmt, const char *name, struct sbx_err *err)
{
    return call(o, "DeleteBudget", orgs_request("AccountId", mgmt, "BudgetName", name, NULL), err);
}

int
budgets_describe(struct orgs *o, const char *mgmt, const char *name, struct budgets_budget *out,
                 struct sbx_err *err)
{
    struct orgs_service_call sc = { .service = "budgets",
                                    .target_prefix = PREFIX,
                                    .operation = "DescribeBudget" };
    const cJSON *budget;
    cJSON *resp = NULL;
    int rc = -1;

    sc.ep = orgs_budgets_ep(o, err);
    if (sc.ep == NULL)
        return -1;
    budget = orgs_service_member(o, &sc, orgs_request("AccountId", mgmt, "BudgetName", name, NULL),
                                 "Budget", &resp, err);
    if (budget != NULL)
        rc = budgets_parse(budget, out, err);
    cJSON_Delete(resp);
    return rc;
}
