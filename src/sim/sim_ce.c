/*
 * sim_ce.c -- Cost Explorer GetCostAndUsage (JSON 1.1, X-Amz-Target
 * AWSInsightsIndexService.GetCostAndUsage), as much of it as a spend check uses: DAILY
 * granularity, cost metrics, no grouping or grouping by the LINKED_ACCOUNT dimension, and
 * AWS's pagination by NextPageToken.
 *
 * Cost comes from per-account spend rates that the admin API sets (POST /__sim/spend), and
 * shows only after a lag (ce_lag, AWS users report 12-24 h): a day's figure is the cost
 * accrued up to now - lag, so it grows while the day is recent, and a day is Estimated until
 * it ended more than the lag ago. All of this runs on the simulator's clock.
 *
 * Pages hold at most ce_page_size groups (AWS does not document its page size); the token
 * carries the (day, account) position where the next page starts, bound to this simulator
 * and to the request's period (a token sent with another request is RequestChangedException,
 * a forged one InvalidNextTokenException, as the ce API model lists them).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sim/sim_int.h"
#include "util/duration.h"

#define JSON_TYPE   "application/x-amz-json-1.1"
#define CE_MAX_DAYS (14 * 31 + 1) /* DAILY data reaches back 14 months */

static uint64_t
token_mac(const struct sim *s, const char *period, uint64_t pos)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ s->token_salt ^ 0xce;
    char buf[96];

    snprintf(buf, sizeof(buf), "%s|%" PRIu64, period, pos);
    for (const char *p = buf; *p != '\0'; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    return sim_rng_next(&h);
}

/* pos = day index << 32 | account index. period binds the token to the request. */
static void
make_token(const struct sim *s, const char *period, uint64_t pos, char out[64])
{
    snprintf(out, 64, "CE1%016" PRIx64 "%016" PRIx64, token_mac(s, period, pos), pos);
}

/* 0 ok, 1 forged, 2 made for another request. */
static int
check_token(const struct sim *s, const char *period, const char *tok, uint64_t *pos)
{
    char expect[64], hex[17];

    if (strlen(tok) != 35 || strncmp(tok, "CE1", 3) != 0 ||
        strspn(tok + 3, "0123456789abcdef") != 32)
        return 1;
    memcpy(hex, tok + 19, 16);
    hex[16] = '\0';
    *pos = strtoull(hex, NULL, 16);
    make_token(s, period, *pos, expect);
    if (strcmp(expect, tok) == 0)
        return 0;
    /* Made by this simulator for some other period? Only the MAC differs then. */
    return 2;
}

static int
validation(struct sim *s, struct sim_reply *r, const char *msg)
{
    return sim_reply_error(s, r, true, 400, "ValidationException", NULL, "%s", msg);
}

static bool
is_cost_metric(const char *m)
{
    static const char *const names[] = { "UnblendedCost", "BlendedCost", "AmortizedCost",
                                         "NetUnblendedCost", "NetAmortizedCost" };

    for (size_t i = 0; i < SBX_ARRAY_LEN(names); i++) {
        if (strcmp(m, names[i]) == 0)
            return true;
    }
    return false;
}

static int
add_amount(cJSON *metrics, const cJSON *names, double usd)
{
    const cJSON *m;
    char amount[48];

    snprintf(amount, sizeof(amount), "%.10g", usd);
    cJSON_ArrayForEach(m, names)
    {
        cJSON *v = cJSON_AddObjectToObject(metrics, m->valuestring);

        if (v == NULL || sim_json_add_str(v, "Amount", amount) != 0 ||
            sim_json_add_str(v, "Unit", "USD") != 0)
            return -1;
    }
    return 0;
}

static int
get_cost_and_usage(struct sim *s, const cJSON *in, struct sim_reply *r)
{
    const cJSON *tp = cJSON_GetObjectItemCaseSensitive(in, "TimePeriod");
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(tp, "Start");
    const cJSON *end = cJSON_GetObjectItemCaseSensitive(tp, "End");
    const cJSON *gran = cJSON_GetObjectItemCaseSensitive(in, "Granularity");
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(in, "Metrics"), *m;
    const cJSON *group_by = cJSON_GetObjectItemCaseSensitive(in, "GroupBy");
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(in, "NextPageToken");
    double now = sim_now(s), seen = now - s->ce_lag;
    int64_t d0, d1;
    uint64_t pos = 0;
    size_t di, ai, taken = 0;
    bool grouped = false, more = false;
    char period[64];
    cJSON *root = NULL, *results, *attrs = NULL;
    int rc;

    if (!cJSON_IsObject(tp) || !cJSON_IsString(start) || !cJSON_IsString(end))
        return validation(s, r, "TimePeriod with Start and End is required");
    d0 = duration_parse_day(start->valuestring);
    d1 = duration_parse_day(end->valuestring);
    if (d0 == INT64_MIN || d1 == INT64_MIN)
        return validation(s, r, "Start and End must be dates in the form YYYY-MM-DD");
    if (d0 >= d1)
        return validation(s, r, "Start date (inclusive) must be before end date (exclusive)");
    if (d1 - d0 > CE_MAX_DAYS)
        return validation(s, r, "Time period exceeds the 14 months of daily data available");
    if (gran != NULL && (!cJSON_IsString(gran) || strcmp(gran->valuestring, "DAILY") != 0))
        return validation(s, r, "Granularity must be DAILY (the only one this simulator models)");
    if (!cJSON_IsArray(metrics) || cJSON_GetArraySize(metrics) == 0)
        return validation(s, r, "Metrics are required");
    cJSON_ArrayForEach(m, metrics)
    {
        if (!cJSON_IsString(m) || !is_cost_metric(m->valuestring))
            return validation(s, r, "Metrics must be cost metrics such as UnblendedCost");
    }
    if (group_by != NULL && !cJSON_IsNull(group_by)) {
        const cJSON *g = cJSON_GetArrayItem(group_by, 0);
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(g, "Type");
        const cJSON *key = cJSON_GetObjectItemCaseSensitive(g, "Key");

        if (!cJSON_IsArray(group_by) || cJSON_GetArraySize(group_by) > 2)
            return validation(s, r, "GroupBy takes at most two groupings");
        if (cJSON_GetArraySize(group_by) == 1) {
            if (!cJSON_IsString(type) || !cJSON_IsString(key) ||
                strcmp(type->valuestring, "DIMENSION") != 0 ||
                strcmp(key->valuestring, "LINKED_ACCOUNT") != 0)
                return validation(
                        s, r, "GroupBy: only {Type: DIMENSION, Key: LINKED_ACCOUNT} is modeled");
            grouped = true;
        } else if (cJSON_GetArraySize(group_by) == 2) {
            return validation(s, r, "GroupBy: only one grouping (LINKED_ACCOUNT) is modeled");
        }
    }
    snprintf(period, sizeof(period), "%s|%s|%d", start->valuestring, end->valuestring, grouped);
    if (tok != NULL && !cJSON_IsNull(tok)) {
        int t = cJSON_IsString(tok) ? check_token(s, period, tok->valuestring, &pos) : 1;

        if (t == 1)
            return sim_reply_error(s, r, true, 400, "InvalidNextTokenException", NULL,
                                   "The NextPageToken is invalid");
        if (t == 2)
            return sim_reply_error(s, r, true, 400, "RequestChangedException", NULL,
                                   "The request changed between pages of the same listing");
    }
    root = cJSON_CreateObject();
    results = root != NULL ? cJSON_AddArrayToObject(root, "ResultsByTime") : NULL;
    if (results == NULL)
        goto oom;
    if (grouped) {
        cJSON *g = sim_json_add_item(cJSON_AddArrayToObject(root, "GroupDefinitions"));

        if (g == NULL)
            goto oom;
        if (sim_json_add_str(g, "Type", "DIMENSION") != 0 ||
            sim_json_add_str(g, "Key", "LINKED_ACCOUNT") != 0)
            goto oom;
        attrs = cJSON_CreateArray();
        if (attrs == NULL)
            goto oom;
    }
    di = (size_t)(pos >> 32);
    ai = (size_t)(pos & 0xffffffffu);
    for (; di < (size_t)(d1 - d0) && !more; di++, ai = 0) {
        double t0 = (double)(d0 + (int64_t)di) * SIM_DAY, t1 = t0 + SIM_DAY;
        double upto = seen < t1 ? seen : t1;
        cJSON *day = sim_json_add_item(results), *o, *groups, *total;
        char buf[11];
        double sum = 0;

        if (day == NULL)
            goto oom;
        o = cJSON_AddObjectToObject(day, "TimePeriod");
        duration_format_day(d0 + (int64_t)di, buf);
        if (o == NULL || sim_json_add_str(o, "Start", buf) != 0)
            goto oom;
        duration_format_day(d0 + (int64_t)di + 1, buf);
        if (sim_json_add_str(o, "End", buf) != 0)
            goto oom;
        total = cJSON_AddObjectToObject(day, "Total");
        groups = cJSON_AddArrayToObject(day, "Groups");
        if (total == NULL || groups == NULL)
            goto oom;
        for (; ai < s->naccounts; ai++) {
            const struct sim_account *a = &s->accounts[ai];
            double usd = upto > t0 ? sim_cost_between(a, t0, upto) : 0;
            cJSON *g, *keys;

            sum += usd;
            if (!grouped || usd <= 0)
                continue;
            if (taken == (size_t)s->ce_page_size) {
                more = true;
                break;
            }
            g = sim_json_add_item(groups);
            if (g == NULL)
                goto oom;
            keys = cJSON_AddArrayToObject(g, "Keys");
            if (keys == NULL)
                goto oom;
            cJSON_AddItemToArray(keys, cJSON_CreateString(a->id));
            o = cJSON_AddObjectToObject(g, "Metrics");
            if (cJSON_GetArraySize(keys) != 1 || o == NULL || add_amount(o, metrics, usd) != 0)
                goto oom;
            taken++;
        }
        /* Grouped answers carry an empty Total, as AWS's do. */
        if (!grouped && add_amount(total, metrics, sum) != 0)
            goto oom;
        if (cJSON_AddBoolToObject(day, "Estimated", t1 + s->ce_lag > now) == NULL)
            goto oom;
        if (more)
            break;
    }
    if (more) {
        char next[64];

        make_token(s, period, ((uint64_t)di << 32) | ai, next);
        if (sim_json_add_str(root, "NextPageToken", next) != 0)
            goto oom;
    }
    if (attrs != NULL) {
        /* Names of the accounts in this page's groups. */
        const cJSON *day, *g;

        cJSON_ArrayForEach(day, results)
        {
            cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(day, "Groups"))
            {
                const char *id = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(g, "Keys"), 0)
                                         ->valuestring;
                const struct sim_account *a = sim_account_find_any(s, id);
                bool seen_id = false;
                const cJSON *e;
                cJSON *v, *at;

                cJSON_ArrayForEach(e, attrs)
                {
                    if (strcmp(cJSON_GetObjectItemCaseSensitive(e, "Value")->valuestring, id) == 0)
                        seen_id = true;
                }
                if (seen_id)
                    continue;
                v = sim_json_add_item(attrs);
                if (v == NULL)
                    goto oom;
                at = cJSON_AddObjectToObject(v, "Attributes");
                if (sim_json_add_str(v, "Value", id) != 0 || at == NULL ||
                    sim_json_add_str(at, "description", a != NULL ? a->name : "") != 0)
                    goto oom;
            }
        }
        cJSON_AddItemToObject(root, "DimensionValueAttributes", attrs);
        attrs = NULL;
    }
    rc = sim_reply_json(r, 200, JSON_TYPE, root);
    cJSON_Delete(root);
    return rc;
oom:
    cJSON_Delete(attrs);
    cJSON_Delete(root);
    return -1;
}

int
sim_ce_call(struct sim *s, const char *opname, const char *body, size_t len,
            const struct sim_caller *caller, struct sim_reply *r)
{
    cJSON *in = NULL;
    bool error, throttle, drop;
    int rc;

    memset(r, 0, sizeof(*r));
    sim_request_id(r->request_id);
    if (strcmp(opname, "GetCostAndUsage") != 0)
        return sim_reply_error(s, r, true, 400, "UnknownOperationException", NULL,
                               "Unknown operation %s", opname);
    in = sim_json_request(s, body, len, r, &rc);
    if (in == NULL)
        return rc;
    sim_call_start(s, SIM_OP_GET_COST_AND_USAGE, r, &error, &throttle, &drop);
    if (error) {
        rc = sim_reply_error(s, r, true, 500, "InternalServerError", NULL,
                             "An internal error occurred");
    } else if (throttle) {
        rc = sim_reply_error(s, r, true, 400, "LimitExceededException", NULL, "Rate exceeded");
    } else if (!caller->management) {
        /* A member account sees only its own cost; the spend check never calls from one. */
        rc = sim_reply_error(s, r, true, 400, "AccessDeniedException", NULL,
                             "User: %s is not authorized to perform: ce:GetCostAndUsage with "
                             "the linked-account grouping of the organization",
                             caller->arn);
    } else if (!sim_bucket_take(s, SIM_OP_GET_COST_AND_USAGE)) {
        rc = sim_reply_error(s, r, true, 400, "LimitExceededException", NULL, "Rate exceeded");
    } else {
        rc = get_cost_and_usage(s, in, r);
        r->drop = drop; /* nothing changed: a dropped answer is simply lost */
    }
    return sim_call_end(in, r, rc != 0);
}
