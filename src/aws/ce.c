/*
 * ce.c -- Cost Explorer GetCostAndUsage by linked account (see ce.h).
 *
 * Request (botocore ce 2017-10-25 model): {"TimePeriod": {"Start", "End"}, "Granularity":
 * "DAILY", "Metrics": ["UnblendedCost"], "GroupBy": [{"Type": "DIMENSION", "Key":
 * "LINKED_ACCOUNT"}], "NextPageToken"?}. Response: {"ResultsByTime": [{"TimePeriod": {"Start",
 * "End"}, "Total": {}, "Groups": [{"Keys": [account], "Metrics": {"UnblendedCost": {"Amount":
 * "1.23", "Unit": "USD"}}}], "Estimated": bool}], "NextPageToken"?}. Amounts are strings.
 */
#include "aws/ce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/orgs_int.h"
#include "util/duration.h"
#include "util/grow.h"
#include "util/jsonr.h"
#include "util/log.h"
#include "util/money.h"

#define OP "GetCostAndUsage"

bool
ce_valid_date(const char *s)
{
    return duration_parse_day(s) != INT64_MIN;
}

static int
protocol(const char *what, struct sbx_err *err)
{
    return orgs_protocol(OP, what, err);
}

static cJSON *
build_request(const char *start, const char *end)
{
    cJSON *req = cJSON_CreateObject();

    if (req == NULL ||
        jsonr_add(req, "TimePeriod", orgs_request("Start", start, "End", end, NULL)) != 0 ||
        cJSON_AddStringToObject(req, "Granularity", "DAILY") == NULL ||
        jsonr_add_one(req, "Metrics", cJSON_CreateString("UnblendedCost")) != 0 ||
        jsonr_add_one(req, "GroupBy",
                      orgs_request("Type", "DIMENSION", "Key", "LINKED_ACCOUNT", NULL)) != 0) {
        cJSON_Delete(req);
        return NULL;
    }
    return req;
}

/* What parse_day fills, page by page. */
struct ce_fill {
    struct ce_result res;
    size_t cap;
};

static int
push(struct ce_fill *f, const struct ce_cost *c)
{
    struct ce_cost *nc = grow_array(f->res.costs, f->res.n, &f->cap, sizeof(*nc));

    if (nc == NULL)
        return -1;
    f->res.costs = nc;
    f->res.costs[f->res.n++] = *c;
    return 0;
}

/* One ResultsByTime element (an orgs_service_collect item): its groups appended to the fill. */
static int
parse_day(void *ctx, const cJSON *day, struct sbx_err *err)
{
    struct ce_fill *f = ctx;
    const cJSON *tp = cJSON_GetObjectItemCaseSensitive(day, "TimePeriod");
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(tp, "Start");
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(day, "Groups"), *g;
    bool estimated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(day, "Estimated"));

    if (!cJSON_IsString(start) || !ce_valid_date(start->valuestring))
        return protocol("a result without a valid TimePeriod.Start", err);
    if (groups != NULL && !cJSON_IsNull(groups) && !cJSON_IsArray(groups))
        return protocol("Groups is not a list", err);
    cJSON_ArrayForEach(g, groups)
    {
        const cJSON *keys = cJSON_GetObjectItemCaseSensitive(g, "Keys");
        const cJSON *key = cJSON_GetArrayItem(keys, 0);
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(g, "Metrics"), "UnblendedCost");
        const cJSON *amount = cJSON_GetObjectItemCaseSensitive(m, "Amount");
        const cJSON *unit = cJSON_GetObjectItemCaseSensitive(m, "Unit");
        struct ce_cost c = { 0 };

        if (!cJSON_IsString(key) || strlen(key->valuestring) != 12 ||
            strspn(key->valuestring, "0123456789") != 12)
            return protocol("a group whose key is not a 12-digit account id", err);
        if (!cJSON_IsString(amount))
            return protocol("a group without UnblendedCost.Amount", err);
        if (money_from_decimal(amount->valuestring, &c.cents) != 0)
            return protocol("an UnblendedCost.Amount that is not a number", err);
        memcpy(c.account, key->valuestring, 13);
        memcpy(c.day, start->valuestring, 11);
        snprintf(c.unit, sizeof(c.unit), "%s", cJSON_IsString(unit) ? unit->valuestring : "");
        c.estimated = estimated;
        if (push(f, &c) != 0)
            return sbx_err_nomem(err);
    }
    return 0;
}

int
ce_daily_cost_by_account(struct orgs *o, const char *start, const char *end, struct ce_result *out,
                         struct sbx_err *err)
{
    struct ce_fill fill = { 0 };
    struct orgs_service_call sc = { 0 };
    cJSON *req;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!ce_valid_date(start) || !ce_valid_date(end) || strcmp(start, end) >= 0) {
        sbx_err_set(err, SBX_E_INVALID,
                    "cost period %s .. %s: dates must be YYYY-MM-DD with the start first",
                    start != NULL ? start : "?", end != NULL ? end : "?");
        return -1;
    }
    sc.ep = orgs_ce_ep(o, err);
    if (sc.ep == NULL)
        return -1;
    sc.service = "ce";
    sc.target_prefix = "AWSInsightsIndexService";
    sc.operation = OP;
    sc.token_key = "NextPageToken"; /* and no MaxResults: Cost Explorer pages by itself */
    sc.pages = &fill.res.pages;
    req = build_request(start, end); /* taken over below (NULL: out of memory) */
    rc = orgs_service_collect(o, &sc, req, "ResultsByTime", parse_day, &fill, err);
    if (rc != 0) {
        free(fill.res.costs);
        return -1;
    }
    log_debug(OP ": %zu cost%s in %d page%s", fill.res.n, fill.res.n == 1 ? "" : "s",
              fill.res.pages, fill.res.pages == 1 ? "" : "s");
    *out = fill.res;
    return 0;
}

void
ce_result_release(struct ce_result *r)
{
    if (r == NULL)
        return;
    free(r->costs);
    memset(r, 0, sizeof(*r));
}
