/*
 * ce.h -- AWS Cost Explorer: the one request the spend check needs. GetCostAndUsage with
 * Granularity DAILY, Metrics [UnblendedCost] and GroupBy [{DIMENSION, LINKED_ACCOUNT}], sent
 * from the management account, returns every member account's cost in one paginated listing
 * (AWS-ACCESS-SPEND-NUKE.md, "Spend"). Each request costs USD 0.01, so the caller paces checks
 * and this module sends exactly one request per page (NextPageToken until it is absent).
 *
 * The calls go over the Organizations client's connection, credentials and retry quota
 * (orgs_call_service() in orgs_int.h), to the endpoint orgs_ce_endpoint() reports.
 */
#ifndef SBX_CE_H
#define SBX_CE_H

#include <stddef.h>
#include <stdint.h>

#include "sbx.h"

struct orgs;

/* One account's cost on one day. */
struct ce_cost {
    char account[13]; /* linked account id */
    char day[11];     /* the day, YYYY-MM-DD (UTC) */
    int64_t cents;    /* UnblendedCost.Amount in cents, rounded half away from zero */
    char unit[8];     /* UnblendedCost.Unit, "USD" */
    bool estimated;   /* AWS may still revise the day's figure */
};

struct ce_result {
    struct ce_cost *costs;
    size_t n;
    int pages; /* requests sent (one per page) */
};

/*
 * Daily unblended cost per linked account for the days start .. end - 1 (YYYY-MM-DD; end is
 * exclusive, as in the API). Follows NextPageToken to the end, never stopping on an empty
 * page, refusing a repeated token. On success *out is filled (ce_result_release); on failure
 * err says why (SBX_E_AWS with err->aws, SBX_E_INVALID for bad dates, SBX_E_CONFIG when there
 * is no Cost Explorer endpoint).
 */
int ce_daily_cost_by_account(struct orgs *o, const char *start, const char *end,
                             struct ce_result *out, struct sbx_err *err) SBX_NODISCARD;
void ce_result_release(struct ce_result *r);

/* True when s is a date YYYY-MM-DD that exists. */
bool ce_valid_date(const char *s);

#endif
