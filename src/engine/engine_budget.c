/*
 * engine_budget.c -- the spend guard (see engine_budget.h and DESIGN notes in
 * man/sandboxctl.cfg.5, KINDS budget).
 *
 * Spend comes from Cost Explorer (aws/ce.c), one paginated GetCostAndUsage request per check
 * for every managed account, grouped by linked account (AWS-ACCESS-SPEND-NUKE.md, "Spend":
 * each request costs USD 0.01, so checks are paced by budget.check_interval). Each account's
 * daily cost is stored in cents (store_spend.c) and a period's spend is the sum of its stored
 * days, so a later check only replaces figures AWS revised. The decision is a pure function
 * (engine_budget_judge); what it decides is written in one transaction with the account's
 * audit events, so a warning or a freeze is recorded exactly once per threshold and period.
 *
 * A freeze is two steps: the decision (active -> freezing, recorded first) and the freezing
 * phase (engine_step.c) that attaches the SCP and moves the row to frozen. A crash between
 * them leaves a freezing row that the next run finishes: never an account that is half
 * frozen. AttachPolicy answers DuplicatePolicyAttachmentException for a repeat (done).
 */
#include "engine/engine_budget.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/budgets.h"
#include "aws/ce.h"
#include "aws/sigv4.h"
#include "engine/engine_event.h"
#include "engine/engine_int.h"
#include "util/duration.h"
#include "util/log.h"
#include "util/money.h"

#define META_CHECKED_AT "budget_checked_at"
#define META_SCP_ID     "budget_scp_id"
#define SCP_TYPE        "SERVICE_CONTROL_POLICY"
#define RETRY_SECS      900           /* a failed check is retried after 15 minutes */
#define HISTORY_SECS    (400 * 86400) /* Cost Explorer's DAILY data reaches back 14 months */

/* budget.aws_budget: the fingerprint of the last plan (aws_budget_fingerprint; "" = none, and
 * the store's triggers mark changed rows only while it is set: store_sql.c, 8 -> 9) and when
 * every row was last planned */
#define META_AWS_BUDGET_PLAN       "aws_budget_plan"
#define META_AWS_BUDGET_PLANNED_AT "aws_budget_planned_at"

void
engine_budget_judge(int64_t spent, int64_t limit, const int *warn, int nwarn, int warned,
                    bool exceeded_before, struct engine_budget_verdict *v)
{
    memset(v, 0, sizeof(*v));
    v->warned = warned;
    if (limit <= 0)
        return;
    for (int i = 0; i < nwarn && v->nfire < CFG_MAX_BUDGET_WARN; i++) {
        /* spent / limit >= warn / 100, in integers (both far below 2^63 / 100) */
        if (warn[i] > warned && spent * 100 >= limit * (int64_t)warn[i]) {
            v->fire[v->nfire++] = warn[i];
            v->warned = warn[i];
        }
    }
    v->exceeded = !exceeded_before && spent >= limit;
}

void
engine_budget_day(int64_t t, char out[11])
{
    duration_format_day(t >= 0 ? t / 86400 : -((-t + 86399) / 86400), out);
}

int
engine_budget_of(struct engine *e, const struct store_account *a, int64_t now,
                 struct engine_budget *b, struct sbx_err *err)
{
    const struct cfg_kind *k = eng_kind(e, a->kind);
    struct store_budget sb;

    memset(b, 0, sizeof(*b));
    b->kind = &k->budget;
    if (store_budget_get(e->store, a->id, &sb, err) != 0)
        return -1;
    b->own = sb.limit > 0;
    b->limit = b->own ? sb.limit : k->budget.limit;
    engine_budget_day(now + 86400, b->until);
    if (k->budget.period == CFG_BUDGET_MONTHLY) {
        engine_budget_day(now, b->since);
        memcpy(b->since + 8, "01", 3);
        snprintf(b->period, sizeof(b->period), "%.7s", b->since);
    } else {
        int64_t from = a->active_at > 0 ? a->active_at : a->created_at;

        engine_budget_day(from > 0 ? from : now, b->since);
        snprintf(b->period, sizeof(b->period), "lease");
    }
    return 0;
}

int
engine_budget_status(const struct sbx_config *cfg, struct store *s, const struct store_account *a,
                     struct engine_budget_status *out, struct sbx_err *err)
{
    const struct cfg_kind *k = cfg_kind_find(cfg, a->kind);
    struct store_budget sb;

    memset(out, 0, sizeof(*out));
    if (store_budget_get(s, a->id, &sb, err) != 0)
        return -1;
    out->own = sb.limit > 0;
    out->limit = out->own ? sb.limit : (k != NULL ? k->budget.limit : 0);
    out->spent = sb.spent;
    snprintf(out->period, sizeof(out->period), "%s", sb.period);
    out->warned = sb.warned;
    out->exceeded = sb.exceeded;
    out->checked_at = sb.checked_at;
    return 0;
}

int
engine_budget_any(struct engine *e, bool *any, struct sbx_err *err)
{
    *any = false;
    for (int i = 0; i < e->cfg->nkinds; i++)
        *any = *any || e->cfg->kinds[i].budget.limit > 0;
    if (*any)
        return 0;
    return store_budget_any_limit(e->store, any, err);
}

/* --- the freeze policy -------------------------------------------------------------------- */

/*
 * Deny everything but reads and billing to every principal except the role sandboxctl works
 * through (aws.access_role), so the account can still be nuked while frozen; CloseAccount is
 * the management account's call, which SCPs never affect ("Service Control Policies (SCPs)
 * don't affect IAM principals in the management account", Organizations User Guide,
 * orgs_account_close_policy), so no detach is needed before the close. SCPs
 * take a wildcard only at the end of an action name; the document stays well below the 5,120
 * characters AWS allows.
 */
static char *
freeze_policy(const char *access_role)
{
    static const char fmt[] =
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"SandboxctlBudgetFreeze\","
            "\"Effect\":\"Deny\",\"NotAction\":[\"aws-portal:View*\",\"billing:Get*\","
            "\"billing:List*\",\"ce:Get*\",\"ce:Describe*\",\"ce:List*\",\"budgets:View*\","
            "\"budgets:Describe*\",\"cur:Describe*\",\"cur:Get*\",\"pricing:*\","
            "\"account:Get*\",\"account:List*\",\"sts:GetCallerIdentity\",\"iam:Get*\","
            "\"iam:List*\",\"ec2:Describe*\",\"ec2:Get*\",\"s3:Get*\",\"s3:List*\","
            "\"cloudwatch:Describe*\",\"cloudwatch:Get*\",\"cloudwatch:List*\","
            "\"logs:Describe*\",\"logs:Get*\",\"logs:FilterLogEvents\",\"tag:Get*\","
            "\"support:*\",\"health:Describe*\",\"organizations:Describe*\","
            "\"organizations:List*\",\"sso:Describe*\",\"sso:List*\",\"sso:GetRoleCredentials\","
            "\"signin:*\"],\"Resource\":\"*\",\"Condition\":{\"ArnNotLike\":{"
            "\"aws:PrincipalArn\":\"arn:aws:iam::*:role/%s\"}}}]}";
    size_t n = sizeof(fmt) + strlen(access_role);
    char *p = malloc(n);

    if (p != NULL)
        snprintf(p, n, fmt, access_role);
    return p;
}

static bool
aws_code_is(const struct sbx_err *err, const char *code)
{
    return err->code == SBX_E_AWS && strcmp(err->aws_code, code) == 0;
}

/* The freeze policy's id: the store's, or found by name, or created when create (not in a dry
 * run); "" when there is none. */
static int
ensure_scp(struct engine *e, bool create, char *id, size_t n, bool *created, struct sbx_err *err)
{
    struct orgs_policy *pols = NULL, made = { 0 };
    size_t np = 0;
    char *stored = NULL, *doc = NULL;
    int rc = -1;

    *created = false;
    if (store_meta_get(e->store, META_SCP_ID, &stored, err) != 0)
        return -1;
    if (stored != NULL && *stored != '\0') {
        snprintf(id, n, "%s", stored);
        free(stored);
        return 0;
    }
    free(stored);
    id[0] = '\0';
    if (orgs_list_policies(e->orgs, SCP_TYPE, &pols, &np, err) != 0) {
        sbx_err_prefix(err, "cannot list the service control policies");
        return -1;
    }
    for (size_t i = 0; i < np; i++)
        if (pols[i].name != NULL && strcmp(pols[i].name, ENGINE_FREEZE_SCP) == 0)
            snprintf(id, n, "%s", pols[i].id);
    if (id[0] == '\0' && create && !e->dry_run) {
        doc = freeze_policy(e->cfg->aws.access_role);
        if (doc == NULL) {
            sbx_err_nomem(err);
            goto out;
        }
        if (orgs_create_policy(e->orgs, ENGINE_FREEZE_SCP,
                               "sandboxctl: an account over its budget (deny all but reads and "
                               "billing)",
                               SCP_TYPE, doc, &made, err) != 0) {
            sbx_err_prefix(err, "cannot create the service control policy %s", ENGINE_FREEZE_SCP);
            goto out;
        }
        snprintf(id, n, "%s", made.id);
        *created = true;
    }
    if (id[0] != '\0' && !e->dry_run && store_meta_set(e->store, META_SCP_ID, id, err) != 0)
        goto out;
    rc = 0;
out:
    free(doc);
    orgs_policy_release(&made);
    orgs_policies_free(pols, np);
    return rc;
}

int
engine_budget_init(struct engine *e, char *what, size_t n, struct sbx_err *err)
{
    struct orgs_root *roots = NULL;
    size_t nr = 0;
    bool any = false, enabled = false, created = false;
    char id[136];
    int rc = -1;

    what[0] = '\0';
    for (int i = 0; i < e->cfg->nkinds; i++)
        any = any || e->cfg->kinds[i].budget.limit > 0;
    if (!any)
        return 0;
    if (orgs_list_roots(e->orgs, &roots, &nr, err) != 0) {
        sbx_err_prefix(err, "cannot list the organization's root");
        return -1;
    }
    if (nr == 0) {
        sbx_err_set(err, SBX_E_AWS, "ListRoots returned no root");
        goto out;
    }
    enabled = roots[0].scp_enabled;
    if (!enabled && !e->dry_run) {
        if (orgs_enable_policy_type(e->orgs, roots[0].id, SCP_TYPE, err) != 0) {
            if (!aws_code_is(err, "PolicyTypeAlreadyEnabledException")) {
                sbx_err_prefix(err, "cannot enable service control policies on the root");
                goto out;
            }
            sbx_err_clear(err);
        }
    }
    if (ensure_scp(e, true, id, sizeof(id), &created, err) != 0)
        goto out;
    snprintf(what, n, "%s %s (%s)%s", ENGINE_FREEZE_SCP, id[0] != '\0' ? id : "-",
             e->dry_run && id[0] == '\0' ? "would create"
             : created                   ? "created"
                                         : "exists",
             enabled      ? ""
             : e->dry_run ? ", would enable SCPs on the root"
                          : ", SCPs enabled on the root");
    rc = 0;
out:
    orgs_roots_free(roots, nr);
    return rc;
}

/* Ends the transaction of a new limit (extend --budget, unfreeze): committed when the work in
 * it succeeded (ok), and the limit goes to the account's AWS Budget at once (a failure there
 * is the pass's to retry, not the command's); rolled back otherwise. */
static int
limit_commit(struct engine *e, bool ok, struct sbx_err *err)
{
    struct eng_aws_budget_report r;
    struct sbx_err aerr = { 0 };

    if (!ok || store_commit(e->store, err) != 0) {
        store_rollback(e->store);
        return -1;
    }
    if (eng_aws_budget_pass(e, &r, &aerr) != 0)
        log_warn("AWS Budgets: %s", aerr.msg);
    else if (r.failed > 0)
        log_warn("%s (retried by run)", r.error);
    return 0;
}

/* --- freeze and unfreeze ------------------------------------------------------------------- */

int
eng_budget_freeze(struct engine *e, const struct store_account *a, struct sbx_err *err)
{
    char id[136];
    bool created = false;

    if (ensure_scp(e, true, id, sizeof(id), &created, err) != 0)
        return -1;
    if (orgs_attach_policy(e->orgs, id, a->account_id, err) != 0) {
        if (!aws_code_is(err, "DuplicatePolicyAttachmentException"))
            return -1;
        sbx_err_clear(err); /* attached before a crash or a lost answer */
    }
    return 0;
}

int
engine_budget_set(struct engine *e, struct store_account *a, int64_t limit, struct sbx_err *err)
{
    char amount[32], *detail;
    int rc = -1;

    if (e->dry_run)
        return 0;
    detail = eng_detail("limit", money_format(limit, amount, sizeof(amount)), NULL);
    if (store_begin(e->store, err) == 0) {
        bool ok = store_budget_set_limit(e->store, a->id, limit, err) == 0 &&
                  eng_save(e, a, "budget_set", detail, err) == 0;

        rc = limit_commit(e, ok, err);
    }
    free(detail);
    return rc;
}

int
engine_unfreeze(struct engine *e, struct store_account *a, int64_t limit, struct sbx_err *err)
{
    const struct cfg_kind *k = eng_kind(e, a->kind);
    char id[136], amount[32], *detail = NULL;
    bool created = false, regrant = false, ok;
    int rc = -1;

    if (a->state != ENGINE_S_FROZEN) {
        sbx_err_set(err, SBX_E_INVALID, "account %lld is %s, not frozen", (long long)a->id,
                    engine_state_name(a->state));
        return -1;
    }
    if (e->dry_run)
        return 0;
    /* the store's id, or the policy found by name (a store rebuilt by recover) */
    if (ensure_scp(e, false, id, sizeof(id), &created, err) != 0)
        return -1;
    if (id[0] != '\0' && orgs_detach_policy(e->orgs, id, a->account_id, err) != 0) {
        if (!aws_code_is(err, "PolicyNotAttachedException")) {
            sbx_err_prefix(err, "cannot detach %s from account %s", ENGINE_FREEZE_SCP,
                           a->account_id);
            return -1;
        }
        sbx_err_clear(err);
    }
    detail = eng_detail("policy", id, "limit",
                        limit > 0 ? money_format(limit, amount, sizeof(amount)) : NULL, NULL);
    if (store_begin(e->store, err) != 0)
        goto out;
    /* With owner access, the access the freeze revoked is granted again (the creating phase's
     * grant step) before the account is active again. */
    if (eng_access_regrant(e, a, &regrant, err) != 0) {
        store_rollback(e->store);
        goto out;
    }
    a->due_at = regrant ? eng_now(e) : eng_active_due(k, a);
    ok = (limit <= 0 || store_budget_set_limit(e->store, a->id, limit, err) == 0) &&
         eng_transition(e, a, regrant ? ENGINE_S_CREATING : ENGINE_S_ACTIVE, "unfrozen", detail,
                        "the freeze SCP is detached", err) == 0;
    rc = limit_commit(e, ok, err);
out:
    free(detail);
    return rc;
}

/* --- the check ---------------------------------------------------------------------------- */

static int
cmp_row_account(const void *x, const void *y)
{
    return strcmp(((const struct store_account *)x)->account_id,
                  ((const struct store_account *)y)->account_id);
}

/* The rows a check covers: every open, in-use account with an AWS account id. */
static int
checked_rows(struct engine *e, struct store_account **out, size_t *n, struct sbx_err *err)
{
    static const enum engine_state states[] = { ENGINE_S_ACTIVE, ENGINE_S_FREEZING,
                                                ENGINE_S_FROZEN };
    struct store_account *all = NULL;
    size_t nall = 0;

    for (size_t s = 0; s < SBX_ARRAY_LEN(states); s++) {
        struct store_account *rows = NULL, *grown;
        size_t nr = 0;

        if (store_account_in_state(e->store, states[s], NULL, 0, &rows, &nr, err) != 0)
            goto fail;
        grown = nr > 0 ? realloc(all, (nall + nr) * sizeof(*all)) : all;
        if (nr > 0 && grown == NULL) {
            store_accounts_free(rows, nr);
            sbx_err_nomem(err);
            goto fail;
        }
        all = grown;
        for (size_t i = 0; i < nr; i++) {
            if (rows[i].account_id[0] != '\0')
                all[nall++] = rows[i];
            else
                store_account_release(&rows[i]);
        }
        free(rows);
    }
    if (nall > 0)
        qsort(all, nall, sizeof(*all), cmp_row_account);
    *out = all;
    *n = nall;
    return 0;
fail:
    store_accounts_free(all, nall);
    return -1;
}

/* Records the verdict for one active account in the open transaction. A lost race on the row
 * (SBX_E_CONFLICT) skips the account; the next check judges it again. */
static int
judge_one(struct engine *e, struct store_account *a, int64_t now, struct engine_budget_report *r,
          struct sbx_err *err)
{
    struct engine_budget b;
    struct store_budget sb;
    struct engine_budget_verdict v;
    char spent_s[32], limit_s[32], pct[8], key[48], line[200], *detail = NULL;
    int rc = -1;

    if (engine_budget_of(e, a, now, &b, err) != 0 || store_budget_get(e->store, a->id, &sb, err))
        return -1;
    if (b.limit <= 0)
        return 0;
    if (strcmp(sb.period, b.period) != 0) { /* a new month: its warnings fire again */
        snprintf(sb.period, sizeof(sb.period), "%s", b.period);
        sb.warned = 0;
        sb.exceeded = false;
    }
    if (store_spend_sum(e->store, a->account_id, b.since, b.until, &sb.spent, err) != 0)
        return -1;
    engine_budget_judge(sb.spent, b.limit, b.kind->warn, b.kind->nwarn, sb.warned, sb.exceeded, &v);
    money_format(sb.spent, spent_s, sizeof(spent_s));
    money_format(b.limit, limit_s, sizeof(limit_s));
    if (v.exceeded) {
        static const char *const actions[] = { "notify", "freeze", "close" };
        enum cfg_at_limit act = b.kind->at_limit;

        detail = eng_detail("spent", spent_s, "limit", limit_s, "period", b.period, "action",
                            actions[act], NULL);
        if (detail == NULL)
            goto nomem;
        if (act == CFG_AT_LIMIT_FREEZE) {
            a->due_at = now;
            a->attempts = 0;
            rc = eng_transition(e, a, ENGINE_S_FREEZING, "budget_exceeded", detail,
                                "over budget: freezing", err);
        } else if (act == CFG_AT_LIMIT_CLOSE) {
            if (store_set_str(&a->reason, "budget", err) != 0)
                goto out;
            a->due_at = now;
            a->attempts = 0;
            rc = eng_transition(e, a, ENGINE_S_EXPIRING, "budget_exceeded", detail, "budget", err);
        } else {
            rc = eng_save(e, a, "budget_exceeded", detail, err);
        }
        if (rc != 0)
            goto out;
        snprintf(key, sizeof(key), "exceeded-%s", b.period);
        snprintf(line, sizeof(line), "spent=%s limit=%s period=%s action=%s", spent_s, limit_s,
                 b.period, actions[act]);
        if (eng_event_queue(e, CFG_HOOK_BUDGET_EXCEEDED, a, key, line, err) != 0)
            goto out;
        r->exceeded++;
        r->frozen += act == CFG_AT_LIMIT_FREEZE;
        r->closed += act == CFG_AT_LIMIT_CLOSE;
        free(detail);
        detail = NULL;
    }
    for (int i = 0; i < v.nfire; i++) {
        snprintf(pct, sizeof(pct), "%d%%", v.fire[i]);
        detail = eng_detail("threshold", pct, "spent", spent_s, "limit", limit_s, "period",
                            b.period, NULL);
        if (detail == NULL)
            goto nomem;
        /* the row moved on above (a version later): audit events only, no row write */
        {
            struct store_audit_ev ev = { now, e->actor, "budget_warning", NULL, NULL, detail };

            if (store_audit_append(e->store, a, &ev, err) != 0)
                goto out;
            snprintf(key, sizeof(key), "warn-%d-%s", v.fire[i], b.period);
            snprintf(line, sizeof(line), "threshold=%s spent=%s limit=%s period=%s", pct, spent_s,
                     limit_s, b.period);
            if (eng_event_queue(e, CFG_HOOK_BUDGET_WARNING, a, key, line, err) != 0)
                goto out;
            eng_emit(e, a, "budget_warning", NULL, NULL, pct);
        }
        free(detail);
        detail = NULL;
        r->warned++;
    }
    sb.warned = v.warned;
    sb.exceeded = sb.exceeded || v.exceeded;
    sb.checked_at = now;
    sb.limit = 0; /* not written by store_budget_put */
    rc = store_budget_put(e->store, a->id, &sb, err);
    goto out;
nomem:
    sbx_err_nomem(err);
out:
    free(detail);
    return rc;
}

int
engine_budget_check(struct engine *e, bool force, struct engine_budget_report *r,
                    struct sbx_err *err)
{
    struct store_account *rows = NULL;
    struct ce_result res = { 0 };
    struct sbx_err cerr = { 0 };
    size_t n = 0;
    int64_t now = eng_now(e), last = 0, interval = e->cfg->budget.check_interval, first;
    char since[11], until[11];
    bool any = false;
    int rc = -1;

    memset(r, 0, sizeof(*r));
    if (engine_budget_any(e, &any, err) != 0)
        return -1;
    if (!any)
        return 0;
    if (store_meta_get_int(e->store, META_CHECKED_AT, 0, &last, err) != 0)
        return -1;
    r->next_at = last > 0 ? last + interval : now;
    if (!force && r->next_at > now)
        return 0;
    if (checked_rows(e, &rows, &n, err) != 0)
        return -1;
    r->checked = true;
    r->next_at = now + interval;
    if (n == 0) {
        rc = store_meta_set_int(e->store, META_CHECKED_AT, now, err);
        goto out;
    }
    /* One request from the earliest day any period needs (at most 14 months back). */
    first = now;
    for (size_t i = 0; i < n; i++) {
        int64_t from = rows[i].active_at > 0 ? rows[i].active_at : rows[i].created_at;

        if (from > 0 && from < first)
            first = from;
    }
    if (first < now - HISTORY_SECS)
        first = now - HISTORY_SECS;
    engine_budget_day(first, since);
    engine_budget_day(now + 86400, until);
    {
        /* monthly budgets need the month's first day even for an account older than it */
        char month[11];

        engine_budget_day(now, month);
        memcpy(month + 8, "01", 3);
        if (strcmp(month, since) < 0)
            memcpy(since, month, sizeof(month));
    }
    if (ce_daily_cost_by_account(e->orgs, since, until, &res, &cerr) != 0) {
        snprintf(r->error, sizeof(r->error), "spend check: %s", cerr.msg);
        log_warn("%s (again in %d minutes)", r->error, RETRY_SECS / 60);
        r->next_at = now + RETRY_SECS;
        rc = store_meta_set_int(e->store, META_CHECKED_AT, now - interval + RETRY_SECS, err);
        goto out;
    }
    r->pages = res.pages;
    if (store_begin(e->store, err) != 0)
        goto out;
    for (size_t i = 0; i < res.n; i++) {
        struct store_account key = { 0 };

        memcpy(key.account_id, res.costs[i].account, sizeof(key.account_id));
        if (bsearch(&key, rows, n, sizeof(*rows), cmp_row_account) == NULL)
            continue; /* not an account this store manages */
        if (store_spend_put(e->store, res.costs[i].account, res.costs[i].day, res.costs[i].cents,
                            err) != 0)
            goto rollback;
        r->costs++;
    }
    for (size_t i = 0; i < n; i++) {
        if (rows[i].state != ENGINE_S_ACTIVE)
            continue;
        if (judge_one(e, &rows[i], now, r, err) != 0) {
            if (err->code != SBX_E_CONFLICT)
                goto rollback;
            log_debug("spend check: %s (judged again next check)", err->msg);
            sbx_err_clear(err);
        }
    }
    if (store_meta_set_int(e->store, META_CHECKED_AT, now, err) != 0 ||
        store_commit(e->store, err) != 0)
        goto rollback;
    log_info("spend check: %zu account-day%s from %d Cost Explorer request%s; %d warning%s, "
             "%d over budget",
             r->costs, r->costs == 1 ? "" : "s", r->pages, r->pages == 1 ? "" : "s", r->warned,
             r->warned == 1 ? "" : "s", r->exceeded);
    rc = 0;
    goto out;
rollback:
    store_rollback(e->store);
out:
    ce_result_release(&res);
    store_accounts_free(rows, n);
    return rc;
}

/* --- budget.aws_budget: an AWS Budget per account -------------------------------------------- */

#define AWS_BUDGET_BATCH     20         /* Budgets calls per pass */
#define AWS_BUDGET_RETRY     60         /* the first retry after a failure, doubling ... */
#define AWS_BUDGET_RETRY_MAX (6 * 3600) /* ... up to 6 hours */

/* Every row is planned again after an hour, whatever the marks say (a safety net). */
#define AWS_BUDGET_REPLAN_ALL 3600

/*
 * What AWS Budget a's budget b maps to. AWS Budgets has no period of arbitrary length: TimeUnit
 * is DAILY, MONTHLY, QUARTERLY or ANNUALLY and TimePeriod.Start may be any day (Budgets API
 * reference: Budget, TimePeriod -- "If you created your budget and didn't specify a start
 * date, AWS defaults to the start of your chosen time period"). A monthly budget is MONTHLY
 * from AWS's default start (the month's first day), as sandboxctl counts it; a lease is
 * ANNUALLY from the day the account became active, which sums the lease's spend without a
 * reset for a year (a longer lease starts again at zero at AWS, not in sandboxctl).
 */
static void
aws_budget_intent(const struct store_account *a, const struct engine_budget *b,
                  struct store_aws_budget *out)
{
    int64_t from = a->active_at > 0 ? a->active_at : a->created_at;

    memset(out, 0, sizeof(*out));
    out->account = a->id;
    out->want = b->limit > 0 ? b->limit : 0;
    out->monthly = b->kind->period == CFG_BUDGET_MONTHLY;
    out->start_at = out->monthly || from <= 0 ? 0 : from - from % 86400;
}

static int
cmp_aws_budget(const void *x, const void *y)
{
    int64_t a = ((const struct store_aws_budget *)x)->account;
    int64_t b = ((const struct store_aws_budget *)y)->account;

    return a < b ? -1 : a > b;
}

static struct store_aws_budget *
find_aws_budget(struct store_aws_budget *recs, size_t n, int64_t account)
{
    struct store_aws_budget key = { .account = account };

    return n > 0 ? bsearch(&key, recs, n, sizeof(*recs), cmp_aws_budget) : NULL;
}

/* States whose account keeps its AWS Budget (open and managed); a budget is created only
 * for active, freezing and frozen ones (checked_rows). */
static bool
keeps_aws_budget(enum engine_state s)
{
    switch (s) {
    case ENGINE_S_ACTIVE:
    case ENGINE_S_FREEZING:
    case ENGINE_S_FROZEN:
    case ENGINE_S_EXPIRING:
    case ENGINE_S_NUKING:
    case ENGINE_S_NUKE_FAILED:
    case ENGINE_S_CLOSE_WAIT:
    case ENGINE_S_CLOSE_FAILED:
    case ENGINE_S_PROTECTED:
        return true;
    default:
        return false;
    }
}

/* Records want, the intent for its row, when it differs from what the row's record (have,
 * NULL without one) asks. */
static int
aws_budget_want(struct engine *e, int64_t now, const struct store_aws_budget *want,
                const struct store_aws_budget *have, struct sbx_err *err)
{
    if (have == NULL ? want->want == 0
                     : have->want == want->want && have->monthly == want->monthly &&
                               have->start_at == want->start_at)
        return 0;
    return store_aws_budget_want(e->store, want, now, err);
}

/* The intent for row a, that makes or keeps a budget (creates_aws_budget): its limit and
 * period, recorded when it differs from have (NULL: no record). */
static int
aws_budget_plan_row(struct engine *e, int64_t now, const struct store_account *a,
                    const struct store_aws_budget *have, struct sbx_err *err)
{
    struct engine_budget b;
    struct store_aws_budget want;

    if (engine_budget_of(e, a, now, &b, err) != 0)
        return -1;
    aws_budget_intent(a, &b, &want);
    return aws_budget_want(e, now, &want, have, err);
}

/* Rec's row (in state s) left the states that keep a budget: none is wanted any more. */
static int
aws_budget_plan_gone(struct engine *e, int64_t now, enum engine_state s,
                     const struct store_aws_budget *rec, struct sbx_err *err)
{
    struct store_aws_budget gone = *rec;

    if (rec->want == 0 || keeps_aws_budget(s))
        return 0; /* on its way to the close: the budget stays until the close is sent */
    gone.want = 0;
    return aws_budget_want(e, now, &gone, rec, err);
}

/* True when the pass makes or keeps a budget for row a: the key is on and a is an active,
 * freezing or frozen member account (checked_rows, but the management account). */
static bool
creates_aws_budget(const struct engine *e, const struct store_account *a)
{
    return e->cfg->budget.aws_budget &&
           (a->state == ENGINE_S_ACTIVE || a->state == ENGINE_S_FREEZING ||
            a->state == ENGINE_S_FROZEN) &&
           a->account_id[0] != '\0' && strcmp(a->account_id, e->mgmt_id) != 0;
}

/*
 * Records what every account's AWS Budget should be, before any call: one for each active,
 * freezing or frozen account with a budget in force (its limit and period), none for an
 * account that is being closed, closed, gone or released.
 */
static int
aws_budget_plan_all(struct engine *e, int64_t now, struct sbx_err *err)
{
    struct store_account *rows = NULL;
    struct store_aws_budget *recs = NULL;
    size_t n = 0, nrecs = 0;
    bool *open = NULL;
    int rc = -1;

    if (store_aws_budget_all(e->store, &recs, &nrecs, err) != 0)
        return -1;
    open = sbx_calloc(nrecs + 1, sizeof(*open), err);
    if (open == NULL || (e->cfg->budget.aws_budget && checked_rows(e, &rows, &n, err) != 0))
        goto out;
    for (size_t i = 0; i < n; i++) {
        struct store_aws_budget *have;

        if (!creates_aws_budget(e, &rows[i]))
            continue;
        have = find_aws_budget(recs, nrecs, rows[i].id);
        if (have != NULL)
            open[have - recs] = true;
        if (aws_budget_plan_row(e, now, &rows[i], have, err) != 0)
            goto out;
    }
    /* Accounts being closed, closed or released: their budgets go (also when the key was
     * turned off since they were made). */
    for (size_t i = 0; i < nrecs; i++) {
        struct store_account a = { 0 };
        enum engine_state state;

        if (recs[i].want == 0 || open[i])
            continue;
        if (store_account_get(e->store, recs[i].account, &a, err) != 0)
            goto out;
        state = a.state;
        store_account_release(&a);
        if (aws_budget_plan_gone(e, now, state, &recs[i], err) != 0)
            goto out;
    }
    rc = 0;
out:
    free(open);
    free(recs);
    store_accounts_free(rows, n);
    return rc;
}

/* aws_budget_plan_all for row id alone. */
static int
aws_budget_plan_id(struct engine *e, int64_t now, int64_t id, struct sbx_err *err)
{
    struct store_account a = { 0 };
    struct store_aws_budget rec;
    bool found = false;
    int rc = -1;

    if (store_account_get(e->store, id, &a, err) != 0) {
        if (err->code != SBX_E_NOTFOUND)
            return -1;
        sbx_err_clear(err); /* a mark without its row (a limit written outside sandboxctl) */
        return 0;
    }
    if (store_aws_budget_get(e->store, id, &rec, &found, err) == 0)
        rc = creates_aws_budget(e, &a) ? aws_budget_plan_row(e, now, &a, found ? &rec : NULL, err)
             : found                   ? aws_budget_plan_gone(e, now, a.state, &rec, err)
                                       : 0;
    store_account_release(&a);
    return rc;
}

/* aws_budget_plan_all for the marked rows only (store_aws_budget_marked): the others have not
 * changed since the last plan. */
static int
aws_budget_plan_marked(struct engine *e, int64_t now, struct sbx_err *err)
{
    int64_t *ids = NULL;
    size_t n = 0, i = 0;

    if (store_aws_budget_marked(e->store, &ids, &n, err) != 0)
        return -1;
    while (i < n && aws_budget_plan_id(e, now, ids[i], err) == 0)
        i++;
    free(ids);
    return i < n ? -1 : 0;
}

/*
 * The plan's fingerprint into out: what the intents depend on besides the rows (the key, the
 * management account, every kind's name, limit and period), as a SHA-256 in hex. A plan
 * recorded under another fingerprint is made again for every row.
 */
static int
aws_budget_fingerprint(const struct engine *e, char out[65], struct sbx_err *err)
{
    size_t cap = 64, len; /* 64: room for the numbers of one piece */
    char *text;

    for (int i = 0; i < e->cfg->nkinds; i++)
        cap += strlen(e->cfg->kinds[i].name) + 64;
    if ((text = sbx_calloc(1, cap, err)) == NULL)
        return -1;
    len = (size_t)snprintf(text, cap, "1 %d %s", e->cfg->budget.aws_budget ? 1 : 0, e->mgmt_id);
    for (int i = 0; i < e->cfg->nkinds; i++) {
        const struct cfg_kind *k = &e->cfg->kinds[i];

        len += (size_t)snprintf(text + len, cap - len, " %zu:%s %lld %d", strlen(k->name), k->name,
                                (long long)k->budget.limit, (int)k->budget.period);
    }
    sigv4_sha256_hex(text, len, out);
    free(text);
    return 0;
}

/*
 * Whether a plan is due (*due), and of every row (*full), from what the store holds now: of
 * every row when the recorded plan is of another fingerprint (the configuration changed, or
 * never planned), when the engine's clock went back before the last full plan, and once every
 * AWS_BUDGET_REPLAN_ALL seconds as a safety net; otherwise of the rows the store marked since,
 * if any. fp is the fingerprint to record; "" with the key off and no record left (the marks
 * stop and the plan is forgotten, so turning the key on plans every row).
 */
static int
aws_budget_plan_due(struct engine *e, int64_t now, char fp[65], bool *due, bool *full,
                    struct sbx_err *err)
{
    char *plan = NULL;
    int64_t at = 0;
    bool recs = false, marked = false;
    int rc = -1;

    *due = *full = false;
    fp[0] = '\0';
    if (!e->cfg->budget.aws_budget && store_aws_budget_any(e->store, &recs, err) != 0)
        return -1;
    if (store_meta_get(e->store, META_AWS_BUDGET_PLAN, &plan, err) != 0)
        return -1;
    if (!e->cfg->budget.aws_budget && !recs) {
        *due = plan != NULL && plan[0] != '\0';
        rc = 0;
        goto out;
    }
    if (aws_budget_fingerprint(e, fp, err) != 0 ||
        store_meta_get_int(e->store, META_AWS_BUDGET_PLANNED_AT, 0, &at, err) != 0)
        goto out;
    *full = plan == NULL || strcmp(plan, fp) != 0 || now < at || now - at >= AWS_BUDGET_REPLAN_ALL;
    if (!*full && store_aws_budget_any_marked(e->store, &marked, err) != 0)
        goto out;
    *due = *full || marked;
    rc = 0;
out:
    free(plan);
    return rc;
}

/* Inside the plan's transaction: the intents of every row (full) or of the marked ones, the
 * marks cleared, the fingerprint fp recorded ("": the key is off and nothing is left, so only
 * the marks and the record go). */
static int
aws_budget_replan(struct engine *e, int64_t now, const char *fp, bool full, struct sbx_err *err)
{
    if (fp[0] != '\0' &&
        (full ? aws_budget_plan_all(e, now, err) : aws_budget_plan_marked(e, now, err)) != 0)
        return -1;
    if (store_aws_budget_unmark(e->store, err) != 0 ||
        store_meta_set(e->store, META_AWS_BUDGET_PLAN, fp, err) != 0)
        return -1;
    return full ? store_meta_set_int(e->store, META_AWS_BUDGET_PLANNED_AT, now, err) : 0;
}

/* Plans the intents when aws_budget_plan_due says so, in one transaction with the marks'
 * removal and the plan's fingerprint; no transaction at all when nothing is due. */
static int
aws_budget_plan(struct engine *e, int64_t now, struct sbx_err *err)
{
    char fp[65];
    bool due, full;

    if (aws_budget_plan_due(e, now, fp, &due, &full, err) != 0)
        return -1;
    if (!due)
        return 0;
    if (store_begin(e->store, err) != 0)
        return -1;
    /* again in the transaction: another process may have planned, or turned the key off */
    if (aws_budget_plan_due(e, now, fp, &due, &full, err) != 0 ||
        (due && aws_budget_replan(e, now, fp, full, err) != 0) ||
        store_commit(e->store, err) != 0) {
        store_rollback(e->store);
        return -1;
    }
    return 0;
}

/* The AWS Budget of a as rec wants it: limit, period, the kind's warnings and 100%, mailed to
 * the owner and budget.alert_email. */
static void
aws_budget_of(struct engine *e, const struct store_account *a, const struct store_aws_budget *rec,
              struct budgets_budget *b)
{
    const struct cfg_budget *kb = &eng_kind(e, a->kind)->budget;
    const char *extra = e->cfg->budget.alert_email;
    int first = kb->nwarn > BUDGETS_MAX_ALERTS - 1 ? kb->nwarn - (BUDGETS_MAX_ALERTS - 1) : 0;

    budgets_budget_init(b, a->account_id, rec->want, rec->monthly, rec->start_at);
    for (int i = first; i < kb->nwarn; i++) /* the highest ones when there are too many */
        b->alerts[b->nalerts++] = kb->warn[i];
    b->alerts[b->nalerts++] = 100;
    if (a->owner != NULL && strchr(a->owner, '@') != NULL)
        b->emails[b->nemails++] = a->owner;
    if (extra != NULL && *extra != '\0' && (b->nemails == 0 || strcmp(extra, a->owner) != 0))
        b->emails[b->nemails++] = extra;
}

/* Makes AWS's budget for a what rec wants; *what says what was done ("created", "updated",
 * "existed"). A budget found by name (made before a crash or a lost answer) is updated when it
 * differs. */
static int
aws_budget_put(struct engine *e, const struct store_account *a, const struct store_aws_budget *rec,
               const char **what, struct sbx_err *err)
{
    struct budgets_budget b, live;

    aws_budget_of(e, a, rec, &b);
    if (rec->have > 0) {
        *what = "updated";
        if (budgets_update(e->orgs, e->mgmt_id, &b, err) == 0)
            return 0;
        if (!budgets_error_is(err, "NotFoundException"))
            return -1;
        sbx_err_clear(err); /* deleted outside sandboxctl: made again */
    }
    *what = "created";
    if (budgets_create(e->orgs, e->mgmt_id, &b, err) == 0)
        return 0;
    if (!budgets_error_is(err, "DuplicateRecordException"))
        return -1;
    sbx_err_clear(err);
    if (budgets_describe(e->orgs, e->mgmt_id, b.name, &live, err) != 0)
        return -1;
    if (live.limit == b.limit && live.monthly == b.monthly &&
        (b.start == 0 || live.start == b.start) &&
        strcmp(live.linked_account, b.linked_account) == 0) {
        *what = "existed";
        return 0;
    }
    *what = "updated";
    return budgets_update(e->orgs, e->mgmt_id, &b, err);
}

/* One record's Budgets call(s) and what they did, recorded with an audit event. */
static int
aws_budget_sync(struct engine *e, const struct store_aws_budget *rec, int64_t now, char *failed,
                size_t nfailed, struct sbx_err *err)
{
    struct store_account a = { 0 };
    struct sbx_err aerr = { 0 };
    struct store_audit_ev ev = { now, e->actor, NULL, NULL, NULL, NULL };
    const char *what = "deleted";
    char amount[32], name[64], *detail = NULL;
    int call_rc, rc = -1;

    failed[0] = '\0';
    if (store_account_get(e->store, rec->account, &a, err) != 0)
        return -1;
    snprintf(name, sizeof(name), "sandboxctl-%s", a.account_id);
    if (a.account_id[0] == '\0') {
        call_rc = 0; /* never had an AWS account, so never a budget */
    } else if (eng_load_org(e, &aerr) != 0) {
        call_rc = -1;
    } else if (rec->want > 0) {
        call_rc = aws_budget_put(e, &a, rec, &what, &aerr);
    } else {
        call_rc = budgets_delete(e->orgs, e->mgmt_id, name, &aerr);
        if (call_rc != 0 && budgets_error_is(&aerr, "NotFoundException")) {
            call_rc = 0; /* never made, or deleted before a crash or by AWS at its end date */
            sbx_err_clear(&aerr);
        }
    }
    if (call_rc != 0) {
        int attempts = rec->attempts + 1;
        int64_t delay = AWS_BUDGET_RETRY;

        for (int i = 1; i < attempts && delay < AWS_BUDGET_RETRY_MAX; i++)
            delay *= 2;
        if (delay > AWS_BUDGET_RETRY_MAX)
            delay = AWS_BUDGET_RETRY_MAX;
        snprintf(failed, nfailed, "account %lld: AWS Budget %s: %s", (long long)a.id, name,
                 aerr.msg);
        log_warn("account %lld: AWS Budget %s: %s (again in %lld s)", (long long)a.id, name,
                 aerr.msg, (long long)delay);
        detail = eng_detail("budget", name, "error", aerr.msg, NULL);
        ev.event = "aws_budget_failed";
        ev.detail = detail;
        if (store_begin(e->store, err) != 0)
            goto out;
        if (store_aws_budget_failed(e->store, a.id, attempts, now + delay, aerr.msg, now, err) !=
                    0 ||
            (attempts == 1 && store_audit_append(e->store, &a, &ev, err) != 0) ||
            store_commit(e->store, err) != 0) {
            store_rollback(e->store);
            goto out;
        }
        rc = 0;
        goto out;
    }
    detail = eng_detail("budget", name, "limit",
                        rec->want > 0 ? money_format(rec->want, amount, sizeof(amount)) : NULL,
                        "period", rec->want > 0 ? (rec->monthly ? "MONTHLY" : "ANNUALLY") : NULL,
                        "found", strcmp(what, "existed") == 0 ? "already there" : NULL, NULL);
    ev.event = rec->want == 0                 ? "aws_budget_deleted"
               : strcmp(what, "updated") == 0 ? "aws_budget_updated"
                                              : "aws_budget_created";
    ev.detail = detail;
    if (store_begin(e->store, err) != 0)
        goto out;
    if ((rec->want > 0 ? store_aws_budget_synced(e->store, a.id, rec->want, now, err)
                       : store_aws_budget_drop(e->store, a.id, err)) != 0 ||
        store_audit_append(e->store, &a, &ev, err) != 0 || store_commit(e->store, err) != 0) {
        store_rollback(e->store);
        goto out;
    }
    log_info("account %lld: AWS Budget %s %s", (long long)a.id, name,
             rec->want == 0 ? "deleted" : what);
    rc = 0;
out:
    free(detail);
    store_account_release(&a);
    return rc;
}

int
eng_aws_budget_pass(struct engine *e, struct eng_aws_budget_report *r, struct sbx_err *err)
{
    struct store_aws_budget *recs = NULL;
    size_t n = 0;
    int64_t now = eng_now(e);
    int calls = 0, rc = -1;

    memset(r, 0, sizeof(*r));
    if (e->dry_run || e->orgs == NULL)
        return 0;
    if (e->cfg->budget.aws_budget && eng_load_org(e, err) != 0) {
        if (err->code == SBX_E_STORE)
            goto out;
        /* the management account is not known yet (DescribeOrganization failed): the budgets
         * wait for the next step, the lifecycle does not */
        r->failed++;
        r->next_at = now + AWS_BUDGET_RETRY;
        snprintf(r->error, sizeof(r->error), "AWS Budgets: %s", err->msg);
        sbx_err_clear(err);
        goto done;
    }
    if (aws_budget_plan(e, now, err) != 0 ||
        store_aws_budget_pending(e->store, &recs, &n, err) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        char failed[700];

        if (recs[i].due_at > now || calls >= AWS_BUDGET_BATCH) {
            int64_t due = recs[i].due_at > now ? recs[i].due_at : now;

            if (r->next_at == 0 || due < r->next_at)
                r->next_at = due;
            continue;
        }
        calls++;
        if (aws_budget_sync(e, &recs[i], now, failed, sizeof(failed), err) != 0)
            goto out;
        if (failed[0] != '\0') {
            r->failed++;
            snprintf(r->error, sizeof(r->error), "%s", failed);
        } else {
            r->done++;
        }
    }
done:
    rc = 0;
out:
    free(recs);
    return rc;
}

int
engine_aws_budget_status(struct store *s, const struct store_account *a,
                         struct engine_aws_budget_status *out, struct sbx_err *err)
{
    struct store_aws_budget rec;

    memset(out, 0, sizeof(*out));
    if (store_aws_budget_get(s, a->id, &rec, &out->known, err) != 0)
        return -1;
    if (!out->known)
        return 0;
    snprintf(out->name, sizeof(out->name), "sandboxctl-%s", a->account_id);
    out->want = rec.want;
    out->have = rec.have;
    out->attempts = rec.attempts;
    out->due_at = rec.due_at;
    snprintf(out->error, sizeof(out->error), "%s", rec.error);
    out->state = rec.want == 0          ? "deleting"
                 : rec.want == rec.have ? "in place"
                 : rec.error[0] != '\0' ? "failing"
                 : rec.have > 0         ? "updating"
                                        : "creating";
    if (rec.want == 0 && rec.error[0] != '\0')
        out->state = "failing";
    return 0;
}
