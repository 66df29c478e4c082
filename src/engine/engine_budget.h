/*
 * engine_budget.h -- the spend guard (engine_budget.c): budgets per kind and per account,
 * judged against Cost Explorer's daily cost per account, stored per account and day.
 */
#ifndef SBX_ENGINE_BUDGET_H
#define SBX_ENGINE_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "engine/engine.h"

/* The name of the service control policy a freeze attaches (created by `init`). */
#define ENGINE_FREEZE_SCP "sandboxctl-budget-freeze"

/* What one check decides for one account (engine_budget_judge). */
struct engine_budget_verdict {
    int fire[CFG_MAX_BUDGET_WARN]; /* warning thresholds to fire now (percent), ascending */
    int nfire;
    int warned;    /* the highest threshold fired in the period after this check */
    bool exceeded; /* the limit is reached now for the first time in the period */
};

/*
 * The pure decision: with spent and limit in cents (limit > 0), the thresholds warn[] (percent,
 * ascending), the highest threshold already fired in the period (warned, 0 = none) and whether
 * the limit already fired (exceeded_before), which warnings fire now (every threshold reached
 * and not yet fired, once each, lower ones too when the spend jumped past several) and whether
 * budget-exceeded fires (spent >= limit, once per period). Integer arithmetic only.
 */
void engine_budget_judge(int64_t spent, int64_t limit, const int *warn, int nwarn, int warned,
                         bool exceeded_before, struct engine_budget_verdict *v);

/* An account's budget in force: its own limit or its kind's, the kind's rules, its period. */
struct engine_budget {
    int64_t limit;                 /* cents; 0 = no budget */
    bool own;                      /* the account's own limit (--budget), not the kind's */
    const struct cfg_budget *kind; /* period, warn, at_limit */
    char period[16];               /* "lease" or "YYYY-MM" (monthly) */
    char since[11], until[11];     /* the period's days, since <= day < until (YYYY-MM-DD) */
};

/* The budget in force for a at time now; *b->limit 0 when it has none. */
int engine_budget_of(struct engine *e, const struct store_account *a, int64_t now,
                     struct engine_budget *b, struct sbx_err *err) SBX_NODISCARD;

/* What `list`, `show` and `class show` print about an account's budget (store only). */
struct engine_budget_status {
    int64_t limit;      /* cents in force; 0 = no budget */
    bool own;           /* the account's own (--budget), not its kind's */
    int64_t spent;      /* the period's spend at the last check, cents */
    char period[16];    /* "lease", "2026-12"; "" = never checked */
    int warned;         /* the highest warning fired in the period (percent) */
    bool exceeded;      /* the limit was reached in the period */
    int64_t checked_at; /* the last check; 0 = never */
};

/* a's budget and what the last check found, from cfg and the store only (no engine). */
int engine_budget_status(const struct sbx_config *cfg, struct store *s,
                         const struct store_account *a, struct engine_budget_status *out,
                         struct sbx_err *err) SBX_NODISCARD;

/* Formats epoch t's UTC day as YYYY-MM-DD into out. */
void engine_budget_day(int64_t t, char out[11]);

/* True when some kind has a budget or some account its own. */
int engine_budget_any(struct engine *e, bool *any, struct sbx_err *err) SBX_NODISCARD;

/*
 * `init`: when some kind has a budget, enables service control policies on the root (if they
 * are not) and creates the freeze policy ENGINE_FREEZE_SCP (if it does not exist), recording
 * its id in the store. *what says what it did ("" when no kind has a budget). Dry run: looks
 * only.
 */
int engine_budget_init(struct engine *e, char *what, size_t n, struct sbx_err *err) SBX_NODISCARD;

/* What `run`'s spend check did. */
struct engine_budget_report {
    bool checked;    /* a check ran (it was due) */
    int pages;       /* Cost Explorer requests sent (one per page) */
    size_t costs;    /* account-days stored */
    int warned;      /* budget-warning events */
    int exceeded;    /* budget-exceeded events */
    int frozen;      /* accounts sent to freeze */
    int closed;      /* accounts sent to close */
    int64_t next_at; /* when the next check is due (engine clock); 0 = no budgets */
    char error[512]; /* why Cost Explorer failed ("" = it did not); retried after 15 minutes */
};

/*
 * `run`'s spend check, paced by budget.check_interval (the last check's time is in the
 * store): one paginated GetCostAndUsage grouped by linked account for every managed account
 * with a budget in force (active, freezing, frozen), the cost stored per account and day, then
 * each active account judged (engine_budget_judge): budget-warning and budget-exceeded
 * recorded once per threshold and period, and at the limit notify, freeze (active ->
 * freezing, the freezing phase attaches the SCP) or close (reason "budget"). A Cost Explorer
 * failure is reported in r->error (not err) and retried after 15 minutes; -1 only for store
 * errors. force: check even if not due.
 */
int engine_budget_check(struct engine *e, bool force, struct engine_budget_report *r,
                        struct sbx_err *err) SBX_NODISCARD;

/*
 * The freezing phase's AWS work for a (state freezing): attaches the freeze SCP (an earlier
 * attachment counts as done) and begins revoking the owner's access. -1 with err when AWS
 * refused or failed (the row is retried).
 */
int eng_budget_freeze(struct engine *e, const struct store_account *a,
                      struct sbx_err *err) SBX_NODISCARD;

/*
 * `unfreeze`: detaches the freeze SCP from a frozen account (an earlier detachment counts as
 * done) and moves it back to active; limit > 0 sets the account's own budget first (cents).
 * The owner's access is not granted again here.
 */
int engine_unfreeze(struct engine *e, struct store_account *a, int64_t limit,
                    struct sbx_err *err) SBX_NODISCARD;

/* What one pass of budget.aws_budget did (eng_aws_budget_pass). */
struct eng_aws_budget_report {
    int done;        /* budgets created, updated or deleted */
    int failed;      /* Budgets calls that failed (retried at their due time) */
    int64_t next_at; /* the earliest record waiting (a retry, or the next batch); 0 = none */
    char error[512]; /* the last failure ("" = none) */
};

/*
 * budget.aws_budget, at the end of every engine step (not in a dry run): records what AWS
 * Budget every account should have -- `sandboxctl-<account id>` with its budget's limit for
 * an active, freezing or frozen account with a budget in force; none once the account is
 * being closed, closed or released -- then makes up to 20 due records true at AWS
 * (CreateBudget, UpdateBudget, DeleteBudget; DuplicateRecordException means made before:
 * described and updated when it differs; NotFoundException on a delete means gone). Each
 * result is written with its audit event (aws_budget_created, aws_budget_updated,
 * aws_budget_deleted, aws_budget_failed at the first failure); a failure is retried after 1
 * minute doubling to 6 hours and never blocks the account. With the key off and no record
 * left, nothing is called. -1 only for store errors.
 */
int eng_aws_budget_pass(struct engine *e, struct eng_aws_budget_report *r,
                        struct sbx_err *err) SBX_NODISCARD;

/* An account's AWS Budget as `show` prints it (store only). */
struct engine_aws_budget_status {
    bool known;        /* the account has a record (budget.aws_budget was on for it) */
    char name[64];     /* "sandboxctl-<account id>" */
    int64_t want;      /* the limit it should have, cents; 0 = to be deleted */
    int64_t have;      /* the limit AWS confirmed, cents; 0 = not made yet */
    const char *state; /* "in place", "creating", "updating", "deleting", "failing" */
    int attempts;      /* failed calls since the last success */
    int64_t due_at;    /* the next try after a failure */
    char error[512];   /* the last failure */
};
int engine_aws_budget_status(struct store *s, const struct store_account *a,
                             struct engine_aws_budget_status *out,
                             struct sbx_err *err) SBX_NODISCARD;

/* Sets a's own budget (cents; audit event budget_set). */
int engine_budget_set(struct engine *e, struct store_account *a, int64_t limit,
                      struct sbx_err *err) SBX_NODISCARD;

#endif
