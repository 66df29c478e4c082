/*
 * sim_budgets.c -- AWS Budgets (JSON 1.1, X-Amz-Target AWSBudgetServiceGateway.<op>, signing
 * name "budgets"), as much as budget.aws_budget and the AWS CLI's look at it use:
 * CreateBudget, DescribeBudget, DescribeBudgets, UpdateBudget, DeleteBudget and
 * DescribeNotificationsForBudget, with AWS's errors (Budgets API reference): a name already
 * used is DuplicateRecordException, an unknown one NotFoundException, a bad limit, time unit,
 * type or more than 5 notifications / 10 email subscribers InvalidParameterException, another
 * account's budgets AccessDeniedException, more than SIM_MAX_BUDGETS budgets
 * CreationLimitExceededException, injected throttling ThrottlingException.
 *
 * The budgets live in s->budgets, a JSON array of {"AccountId", "Budget",
 * "NotificationsWithSubscribers"}: the state dump shows it as "budgets" and persistence saves
 * and restores it with the rest (sim_budgets_dump and sim_budgets_load in sim_json.c,
 * sim_budgets_release in sim_state.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sim/sim_int.h"
#include "util/duration.h"
#include "util/jsonr.h"

#define SIM_MAX_BUDGETS 20000      /* budgets per account (AWS Budgets quotas) */
#define MAX_ALERTS      5          /* notifications per budget */
#define MAX_EMAILS      10         /* email subscribers per notification */
#define DEFAULT_END     3706473600 /* 2087-06-15T00:00:00Z, AWS's default end date */
#define DEFAULT_PAGE    100
#define MAX_PAGE        1000

struct bctx {
    struct sim *s;
    struct sim_reply *r;
    const cJSON *in;
    const struct sim_caller *caller;
    int rc;
};

static int
fail(struct bctx *c, int status, const char *type, const char *msg)
{
    c->rc = sim_reply_error(c->s, c->r, true, status, type, NULL, "%s", msg);
    return c->rc;
}

static int
invalid(struct bctx *c, const char *msg)
{
    return fail(c, 400, "InvalidParameterException", msg);
}

static cJSON *
list(struct sim *s)
{
    if (s->budgets == NULL)
        s->budgets = cJSON_CreateArray();
    return s->budgets;
}

/* The record of the budget named name of account, or NULL. */
static cJSON *
find(struct sim *s, const char *account, const char *name)
{
    cJSON *e;

    cJSON_ArrayForEach(e, list(s))
    {
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(e, "Budget");
        const char *acct = jsonr_str(e, "AccountId"), *n = jsonr_str(b, "BudgetName");

        if (acct != NULL && n != NULL && strcmp(acct, account) == 0 && strcmp(n, name) == 0)
            return e;
    }
    return NULL;
}

/* The caller may only read and write its own account's budgets. */
static bool
account_ok(struct bctx *c, const char *op, const char **account)
{
    char msg[512];

    *account = jsonr_str(c->in, "AccountId");
    if (*account == NULL || strlen(*account) != 12 || strspn(*account, "0123456789") != 12) {
        invalid(c, "AccountId must be a 12-digit account id");
        return false;
    }
    if (strcmp(*account, c->caller->account_id) != 0) {
        snprintf(msg, sizeof(msg),
                 "User: %s is not authorized to perform: budgets:%s on resource: "
                 "arn:aws:budgets::%s:budget/*",
                 c->caller->arn, strcmp(op, "ViewBudget") == 0 ? "ViewBudget" : "ModifyBudget",
                 *account);
        fail(c, 400, "AccessDeniedException", msg);
        return false;
    }
    return true;
}

static bool
valid_name(const char *n)
{
    size_t len = n != NULL ? strlen(n) : 0;

    return len >= 1 && len <= 100 && strpbrk(n, ":\\") == NULL;
}

/* Start of the period of unit that contains t (UTC), AWS's default TimePeriod.Start. */
static double
period_start(const char *unit, double t)
{
    char day[11];
    int64_t days = (int64_t)floor(t / 86400);

    duration_format_day(days, day); /* YYYY-MM-DD */
    if (strcmp(unit, "DAILY") == 0)
        return (double)days * 86400;
    if (strcmp(unit, "ANNUALLY") == 0)
        memcpy(day + 5, "01", 2);
    else if (strcmp(unit, "QUARTERLY") == 0) {
        int m = (day[5] - '0') * 10 + (day[6] - '0');

        m -= (m - 1) % 3;
        day[5] = (char)('0' + m / 10);
        day[6] = (char)('0' + m % 10);
    }
    memcpy(day + 8, "01", 2);
    return (double)duration_parse_day(day) * 86400;
}

/*
 * A checked copy of the request's budget object (NULL with the error answered): name, type,
 * time unit, a positive limit, the time period (AWS's defaults filled in), the filters.
 */
static cJSON *
checked_budget(struct bctx *c, const cJSON *b)
{
    static const char *const units[] = { "DAILY", "MONTHLY", "QUARTERLY", "ANNUALLY" };
    static const char *const types[] = { "USAGE",
                                         "COST",
                                         "RI_UTILIZATION",
                                         "RI_COVERAGE",
                                         "SAVINGS_PLANS_UTILIZATION",
                                         "SAVINGS_PLANS_COVERAGE" };
    const cJSON *lim = cJSON_GetObjectItemCaseSensitive(b, "BudgetLimit");
    const char *amount = jsonr_str(lim, "Amount"), *unit = jsonr_str(lim, "Unit");
    const char *tu = jsonr_str(b, "TimeUnit"), *type = jsonr_str(b, "BudgetType");
    const cJSON *tp = cJSON_GetObjectItemCaseSensitive(b, "TimePeriod");
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(tp, "Start");
    const cJSON *end = cJSON_GetObjectItemCaseSensitive(tp, "End");
    bool unit_ok = false, type_ok = false;
    char *endp = NULL;
    double v, t0, t1;
    cJSON *out, *otp;

    if (!cJSON_IsObject(b))
        return invalid(c, "Budget is required"), NULL;
    if (!valid_name(jsonr_str(b, "BudgetName")))
        return invalid(c, "BudgetName must be 1 to 100 characters without ':' or '\\'"), NULL;
    for (size_t i = 0; tu != NULL && i < SBX_ARRAY_LEN(units); i++)
        unit_ok = unit_ok || strcmp(tu, units[i]) == 0;
    for (size_t i = 0; type != NULL && i < SBX_ARRAY_LEN(types); i++)
        type_ok = type_ok || strcmp(type, types[i]) == 0;
    if (!unit_ok)
        return invalid(c, "TimeUnit must be DAILY, MONTHLY, QUARTERLY or ANNUALLY"), NULL;
    if (!type_ok)
        return invalid(c, "BudgetType is not a budget type"), NULL;
    if (strcmp(type, "COST") == 0 && strcmp(tu, "DAILY") == 0)
        return invalid(c, "A COST budget cannot have the DAILY time unit"), NULL;
    if (amount == NULL || unit == NULL || *unit == '\0')
        return invalid(c, "BudgetLimit needs an Amount and a Unit"), NULL;
    v = strtod(amount, &endp);
    if (*amount == '\0' || strspn(amount, "0123456789.") != strlen(amount) || *endp != '\0' ||
        !isfinite(v) || v <= 0 || v > 1e12)
        return invalid(c, "BudgetLimit.Amount must be a positive number"), NULL;
    t0 = cJSON_IsNumber(start) ? start->valuedouble : period_start(tu, sim_now(c->s));
    t1 = cJSON_IsNumber(end) ? end->valuedouble : DEFAULT_END;
    if (tp != NULL && !cJSON_IsObject(tp))
        return invalid(c, "TimePeriod must be an object"), NULL;
    if (!(t0 < t1))
        return invalid(c, "The start date of a budget must come before its end date"), NULL;
    out = cJSON_Duplicate(b, true);
    if (out == NULL)
        return NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(out, "TimePeriod");
    otp = cJSON_AddObjectToObject(out, "TimePeriod");
    cJSON_DeleteItemFromObjectCaseSensitive(out, "LastUpdatedTime");
    if (otp == NULL || sim_json_add_num(otp, "Start", t0) != 0 ||
        sim_json_add_num(otp, "End", t1) != 0 ||
        sim_json_add_num(out, "LastUpdatedTime", sim_ms(sim_now(c->s))) != 0) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

/* Checks NotificationsWithSubscribers: at most 5, each with at most 10 email subscribers. */
static bool
notifications_ok(struct bctx *c, const cJSON *nws)
{
    const cJSON *e;

    if (nws == NULL)
        return true;
    if (!cJSON_IsArray(nws) || cJSON_GetArraySize(nws) > MAX_ALERTS) {
        invalid(c, "A budget can have at most 5 notifications");
        return false;
    }
    cJSON_ArrayForEach(e, nws)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "Notification");
        const cJSON *subs = cJSON_GetObjectItemCaseSensitive(e, "Subscribers");
        const cJSON *th = cJSON_GetObjectItemCaseSensitive(n, "Threshold"), *sub;
        int emails = 0;

        if (jsonr_str(n, "NotificationType") == NULL ||
            jsonr_str(n, "ComparisonOperator") == NULL || !cJSON_IsNumber(th) ||
            th->valuedouble < 0) {
            invalid(c, "A notification needs NotificationType, ComparisonOperator and Threshold");
            return false;
        }
        if (!cJSON_IsArray(subs) || cJSON_GetArraySize(subs) < 1) {
            invalid(c, "A notification needs at least one subscriber");
            return false;
        }
        cJSON_ArrayForEach(sub, subs)
        {
            const char *t = jsonr_str(sub, "SubscriptionType"), *a = jsonr_str(sub, "Address");

            if (t == NULL || a == NULL || (strcmp(t, "EMAIL") != 0 && strcmp(t, "SNS") != 0)) {
                invalid(c, "A subscriber needs SubscriptionType EMAIL or SNS and an Address");
                return false;
            }
            if (strcmp(t, "EMAIL") == 0 && (++emails > MAX_EMAILS || strchr(a, '@') == NULL)) {
                invalid(c, "A notification has at most 10 email subscribers, each an address");
                return false;
            }
        }
    }
    return true;
}

static void
create_budget(struct bctx *c)
{
    const char *account;
    const cJSON *nws = cJSON_GetObjectItemCaseSensitive(c->in, "NotificationsWithSubscribers");
    cJSON *b, *rec;
    char msg[300];

    if (!account_ok(c, "ModifyBudget", &account))
        return;
    b = checked_budget(c, cJSON_GetObjectItemCaseSensitive(c->in, "Budget"));
    if (b == NULL) {
        if (c->rc == 0 && c->r->body == NULL)
            c->rc = -1;
        return;
    }
    if (!notifications_ok(c, nws)) {
        cJSON_Delete(b);
        return;
    }
    if (find(c->s, account, jsonr_str(b, "BudgetName")) != NULL) {
        snprintf(msg, sizeof(msg), "Error creating budget: %s - the budget already exists.",
                 jsonr_str(b, "BudgetName"));
        cJSON_Delete(b);
        fail(c, 400, "DuplicateRecordException", msg);
        return;
    }
    if (cJSON_GetArraySize(list(c->s)) >= SIM_MAX_BUDGETS) {
        cJSON_Delete(b);
        fail(c, 400, "CreationLimitExceededException",
             "You've reached the limit on the number of budgets you can create.");
        return;
    }
    rec = cJSON_CreateObject();
    if (rec == NULL || sim_json_add_str(rec, "AccountId", account) != 0 ||
        !cJSON_AddItemToObject(rec, "Budget", b)) {
        cJSON_Delete(rec);
        cJSON_Delete(b);
        c->rc = -1;
        return;
    }
    if (nws != NULL) {
        cJSON *copy = cJSON_Duplicate(nws, true);

        if (copy == NULL || !cJSON_AddItemToObject(rec, "NotificationsWithSubscribers", copy)) {
            cJSON_Delete(copy);
            cJSON_Delete(rec);
            c->rc = -1;
            return;
        }
    }
    cJSON_AddItemToArray(list(c->s), rec);
    c->r->mutated = true;
    c->rc = sim_reply_empty(c->r);
}

/* The record named by the request's BudgetName (or NewBudget's), or NULL with NotFound. */
static cJSON *
named(struct bctx *c, const char *account, const char *name, const char *verb)
{
    cJSON *rec;
    char msg[300];

    if (!valid_name(name)) {
        invalid(c, "BudgetName must be 1 to 100 characters without ':' or '\\'");
        return NULL;
    }
    rec = find(c->s, account, name);
    if (rec == NULL) {
        snprintf(msg, sizeof(msg), "Unable to %s budget: %s - the budget doesn't exist.", verb,
                 name);
        fail(c, 400, "NotFoundException", msg);
    }
    return rec;
}

/* The caller's budget the request's BudgetName names, or NULL with the error answered. */
static cJSON *
requested(struct bctx *c, const char *action, const char *verb)
{
    const char *account;

    if (!account_ok(c, action, &account))
        return NULL;
    return named(c, account, jsonr_str(c->in, "BudgetName"), verb);
}

static void
describe_budget(struct bctx *c)
{
    const cJSON *rec = requested(c, "ViewBudget", "get");
    cJSON *o;

    if (rec == NULL)
        return;
    o = cJSON_CreateObject();
    if (o == NULL ||
        !cJSON_AddItemToObject(
                o, "Budget",
                cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rec, "Budget"), true))) {
        cJSON_Delete(o);
        c->rc = -1;
        return;
    }
    c->rc = sim_reply_json(c->r, 200, NULL, o);
    cJSON_Delete(o);
}

/* An answer object holding an empty array `key` (*arr); NULL, with c->rc set, when out of
 * memory. */
static cJSON *
answer_with_array(struct bctx *c, const char *key, cJSON **arr)
{
    cJSON *o = cJSON_CreateObject();

    if ((*arr = cJSON_AddArrayToObject(o, key)) == NULL) {
        cJSON_Delete(o);
        c->rc = -1;
        return NULL;
    }
    return o;
}
static void
describe_budgets(struct bctx *c)
{
    const char *account, *tok = jsonr_str(c->in, "NextToken");
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(c->in, "MaxResults"), *rec;
    int page = DEFAULT_PAGE, from = 0, i = 0, taken = 0;
    cJSON *o, *arr;

    if (!account_ok(c, "ViewBudget", &account))
        return;
    if (max != NULL) {
        if (!cJSON_IsNumber(max) || max->valueint < 1 || max->valueint > MAX_PAGE) {
            invalid(c, "MaxResults must be from 1 to 1000");
            return;
        }
        page = max->valueint;
    }
    if (tok != NULL) {
        char *end = NULL;
        long v = strncmp(tok, "BUDGETS-", 8) == 0 ? strtol(tok + 8, &end, 10) : -1;

        if (v < 0 || end == NULL || *end != '\0') {
            fail(c, 400, "InvalidNextTokenException", "The pagination token is invalid.");
            return;
        }
        from = (int)v;
    }
    if ((o = answer_with_array(c, "Budgets", &arr)) == NULL)
        return;
    cJSON_ArrayForEach(rec, list(c->s))
    {
        const char *owner = jsonr_str(rec, "AccountId");

        if (owner == NULL || strcmp(owner, account) != 0)
            continue;
        if (i++ < from)
            continue;
        if (taken == page) {
            char next[32];

            snprintf(next, sizeof(next), "BUDGETS-%d", from + taken);
            if (sim_json_add_str(o, "NextToken", next) != 0)
                c->rc = -1;
            break;
        }
        cJSON_AddItemToArray(
                arr, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rec, "Budget"), true));
        taken++;
    }
    if (c->rc == 0)
        c->rc = sim_reply_json(c->r, 200, NULL, o);
    cJSON_Delete(o);
}

static void
update_budget(struct bctx *c)
{
    const char *account;
    const cJSON *nb = cJSON_GetObjectItemCaseSensitive(c->in, "NewBudget");
    cJSON *rec, *b;

    if (!account_ok(c, "ModifyBudget", &account))
        return;
    if (!cJSON_IsObject(nb)) {
        invalid(c, "NewBudget is required");
        return;
    }
    rec = named(c, account, jsonr_str(nb, "BudgetName"), "update");
    if (rec == NULL)
        return;
    b = checked_budget(c, nb);
    if (b == NULL) {
        if (c->rc == 0 && c->r->body == NULL)
            c->rc = -1;
        return;
    }
    cJSON_ReplaceItemInObjectCaseSensitive(rec, "Budget", b);
    c->r->mutated = true;
    c->rc = sim_reply_empty(c->r);
}

static void
delete_budget(struct bctx *c)
{
    cJSON *rec = requested(c, "ModifyBudget", "delete"), *e;
    int i = 0;

    if (rec == NULL)
        return;
    cJSON_ArrayForEach(e, list(c->s))
    {
        if (e == rec)
            break;
        i++;
    }
    cJSON_DeleteItemFromArray(list(c->s), i);
    c->r->mutated = true;
    c->rc = sim_reply_empty(c->r);
}

static void
describe_notifications(struct bctx *c)
{
    const cJSON *rec = requested(c, "ViewBudget", "get"), *e;
    cJSON *o, *arr;

    if (rec == NULL)
        return;
    if ((o = answer_with_array(c, "Notifications", &arr)) == NULL)
        return;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rec, "NotificationsWithSubscribers"))
    {
        cJSON_AddItemToArray(
                arr, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(e, "Notification"), true));
    }
    c->rc = sim_reply_json(c->r, 200, NULL, o);
    cJSON_Delete(o);
}

int
sim_budgets_call(struct sim *s, const char *opname, const char *body, size_t len,
                 const struct sim_caller *caller, struct sim_reply *r)
{
    static const struct {
        const char *name;
        enum sim_op op;
        void (*fn)(struct bctx *c);
    } handlers[] = {
        { "CreateBudget", SIM_OP_CREATE_BUDGET, create_budget },
        { "DescribeBudget", SIM_OP_DESCRIBE_BUDGET, describe_budget },
        { "DescribeBudgets", SIM_OP_DESCRIBE_BUDGETS, describe_budgets },
        { "UpdateBudget", SIM_OP_UPDATE_BUDGET, update_budget },
        { "DeleteBudget", SIM_OP_DELETE_BUDGET, delete_budget },
        { "DescribeNotificationsForBudget", SIM_OP_DESCRIBE_NOTIFICATIONS_FOR_BUDGET,
          describe_notifications },
    };
    struct bctx c = { s, r, NULL, caller, 0 };
    cJSON *in = NULL;
    size_t h;
    bool error, throttle, drop;
    int rc;

    memset(r, 0, sizeof(*r));
    sim_request_id(r->request_id);
    for (h = 0; h < SBX_ARRAY_LEN(handlers); h++) {
        if (strcmp(handlers[h].name, opname) == 0)
            break;
    }
    if (h == SBX_ARRAY_LEN(handlers))
        return sim_reply_error(s, r, true, 400, "UnknownOperationException", NULL,
                               "Unknown operation %s", opname);
    in = sim_json_request(s, body, len, r, &rc);
    if (in == NULL)
        return rc;
    c.in = in;
    sim_call_start(s, handlers[h].op, r, &error, &throttle, &drop);
    if (error) {
        fail(&c, 500, "InternalErrorException", "An error on the server occurred.");
    } else if (throttle) {
        fail(&c, 400, "ThrottlingException", "Rate exceeded");
    } else if (sim_call_denied(s, handlers[h].op)) {
        char msg[400];

        snprintf(msg, sizeof(msg),
                 "User: %s is not authorized to perform: budgets:%s with an explicit deny in an "
                 "identity-based policy",
                 caller->arn, strncmp(opname, "Describe", 8) == 0 ? "ViewBudget" : "ModifyBudget");
        fail(&c, 400, "AccessDeniedException", msg);
    } else {
        handlers[h].fn(&c);
        r->drop = drop; /* after the work, as a lost answer is */
    }
    return sim_call_end(in, r, c.rc != 0);
}
