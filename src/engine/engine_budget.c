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

#include "aws/ce.h"
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
            sbx_err_set(err, SBX_E_NOMEM, "out of memory");
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
    if (store_begin(e->store, err) != 0)
        goto out;
    if (store_budget_set_limit(e->store, a->id, limit, err) != 0 ||
        eng_save(e, a, "budget_set", detail, err) != 0 || store_commit(e->store, err) != 0) {
        store_rollback(e->store);
        goto out;
    }
    rc = 0;
out:
    free(detail);
    return rc;
}

int
engine_unfreeze(struct engine *e, struct store_account *a, int64_t limit, struct sbx_err *err)
{
    const struct cfg_kind *k = eng_kind(e, a->kind);
    char id[136], amount[32], *detail = NULL;
    bool created = false, regrant = false;
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
    if ((limit > 0 && store_budget_set_limit(e->store, a->id, limit, err) != 0) ||
        eng_transition(e, a, regrant ? ENGINE_S_CREATING : ENGINE_S_ACTIVE, "unfrozen", detail,
                       "the freeze SCP is detached", err) != 0 ||
        store_commit(e->store, err) != 0) {
        store_rollback(e->store);
        goto out;
    }
    rc = 0;
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
            sbx_err_set(err, SBX_E_NOMEM, "out of memory");
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
    sbx_err_set(err, SBX_E_NOMEM, "out of memory");
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
