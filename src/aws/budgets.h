/*
 * budgets.h -- AWS Budgets (JSON 1.1, X-Amz-Target prefix AWSBudgetServiceGateway, signing
 * name "budgets", one global endpoint: budgets.amazonaws.com signed for us-east-1): the calls
 * that keep one COST budget per sandbox account, made in the management account and filtered
 * on the linked account. AWS-ACCESS-SPEND-NUKE.md, "Spend"; the request and answer shapes
 * are the Budgets API reference's (CreateBudget, DescribeBudget, UpdateBudget, DeleteBudget).
 *
 * The calls go over the Organizations client's connection, credentials and retry policy
 * (orgs_call_service() in orgs_int.h: ThrottlingException and 5xx answers are retried there),
 * to the endpoint orgs_budgets_endpoint() reports.
 */
#ifndef SBX_BUDGETS_H
#define SBX_BUDGETS_H

#include <stdbool.h>
#include <stdint.h>

#include "sbx.h"

struct orgs;
struct cJSON;

#define BUDGETS_MAX_ALERTS 5 /* notifications per budget (Budgets API reference, CreateBudget) */
#define BUDGETS_MAX_EMAILS 2 /* the owner and budget.alert_email (AWS allows 10) */

/* One account's budget as sandboxctl keeps it. */
struct budgets_budget {
    char name[64];                  /* BudgetName: "sandboxctl-<account id>" */
    char linked_account[13];        /* CostFilters.LinkedAccount[0] */
    int64_t limit;                  /* BudgetLimit.Amount in cents, Unit USD */
    bool monthly;                   /* TimeUnit MONTHLY; otherwise ANNUALLY (a lease) */
    int64_t start;                  /* TimePeriod.Start (epoch seconds); 0 = AWS's default */
    int alerts[BUDGETS_MAX_ALERTS]; /* ACTUAL GREATER_THAN PERCENTAGE thresholds */
    int nalerts;
    const char *emails[BUDGETS_MAX_EMAILS]; /* EMAIL subscribers of every alert (borrowed) */
    int nemails;
};

/* Fills b for account_id with limit (cents); alerts and subscribers are the caller's. */
void budgets_budget_init(struct budgets_budget *b, const char *account_id, int64_t limit,
                         bool monthly, int64_t start);

/*
 * The CreateBudget request for b in the management account mgmt (NULL when out of memory):
 * {"AccountId", "Budget": {...}, "NotificationsWithSubscribers": [{"Notification":
 * {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": pct,
 * "ThresholdType": "PERCENTAGE"}, "Subscribers": [{"SubscriptionType": "EMAIL", "Address"}]}]}
 * (notifications only when b has subscribers). Exposed for the unit tests.
 */
struct cJSON *budgets_create_request(const char *mgmt, const struct budgets_budget *b);

/* Reads a DescribeBudget "Budget" object into out (name, linked account, limit, time unit,
 * start); SBX_AWS_PROTOCOL when it is malformed. */
int budgets_parse(const struct cJSON *budget, struct budgets_budget *out,
                  struct sbx_err *err) SBX_NODISCARD;

/* CreateBudget with its notifications. An existing name is SBX_E_AWS with aws_code
 * DuplicateRecordException. */
int budgets_create(struct orgs *o, const char *mgmt, const struct budgets_budget *b,
                   struct sbx_err *err) SBX_NODISCARD;
/* DescribeBudget by name into out; a missing one is NotFoundException. */
int budgets_describe(struct orgs *o, const char *mgmt, const char *name, struct budgets_budget *out,
                     struct sbx_err *err) SBX_NODISCARD;
/* UpdateBudget: b's limit, time unit, period and filter (the notifications stay). */
int budgets_update(struct orgs *o, const char *mgmt, const struct budgets_budget *b,
                   struct sbx_err *err) SBX_NODISCARD;
/* DeleteBudget by name (its notifications and subscribers go with it); a missing one is
 * NotFoundException. */
int budgets_delete(struct orgs *o, const char *mgmt, const char *name,
                   struct sbx_err *err) SBX_NODISCARD;

/* True when err is the AWS error code (e.g. "NotFoundException"). */
bool budgets_error_is(const struct sbx_err *err, const char *code);

#endif
