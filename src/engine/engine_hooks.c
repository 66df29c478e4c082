/*
 * engine_hooks.c -- running an event's hooks for a batch of accounts: the environment each
 * account's hooks see (DESIGN.md section 6), the hook_run records, and the verdicts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/creds.h"
#include "engine/engine_int.h"
#include "util/log.h"

#define EXTRA_MAX 16

/* Per-account strings the hook_env borrows. */
struct env_buf {
    char role_arn[160];
    char expires[32];
    char local_id[48];
    char attempt[48];
    char mgmt[64];
    char protected_ids[1024];
    char endpoint[600];
    char region[96];
    char portal[600];
    char link[900];
    char state_dir[1100];
    const char *extra[EXTRA_MAX + 1];
};

static void
fill_env(struct engine *e, const struct store_account *a, const struct eng_hook_opts *ho,
         struct env_buf *b, struct hook_env *env)
{
    const struct sbx_config *cfg = e->cfg;
    const char *partition = e->orgs != NULL ? orgs_partition(e->orgs) : "aws";
    size_t o = 0, x = 0;

    memset(env, 0, sizeof(*env));
    snprintf(b->role_arn, sizeof(b->role_arn), "arn:%s:iam::%s:role/%s",
             partition != NULL ? partition : "aws", a->account_id,
             cfg->aws.access_role != NULL ? cfg->aws.access_role : "OrganizationAccountAccessRole");
    engine_fmt_time(a->expires_at, b->expires, sizeof(b->expires));
    snprintf(b->local_id, sizeof(b->local_id), "SANDBOX_LOCAL_ID=%lld", (long long)a->id);
    snprintf(b->attempt, sizeof(b->attempt), "SANDBOX_HOOK_ATTEMPT=%lld",
             (long long)(ho->attempt > 0 ? ho->attempt : a->attempts + 1));
    b->extra[x++] = b->local_id;
    b->extra[x++] = b->attempt;
    if (e->mgmt_id[0] != '\0') {
        snprintf(b->mgmt, sizeof(b->mgmt), "SANDBOX_MANAGEMENT_ACCOUNT_ID=%s", e->mgmt_id);
        b->extra[x++] = b->mgmt;
    }
    o = (size_t)snprintf(b->protected_ids, sizeof(b->protected_ids), "SANDBOX_PROTECTED_ACCOUNTS=");
    for (int i = 0; i < cfg->org.nprotected_accounts && o < sizeof(b->protected_ids); i++) {
        int w = snprintf(b->protected_ids + o, sizeof(b->protected_ids) - o, "%s%s",
                         i > 0 ? "," : "", cfg->org.protected_accounts[i]);

        if (w < 0)
            break;
        o += (size_t)w;
    }
    b->extra[x++] = b->protected_ids;
    if (cfg->aws.endpoint != NULL && *cfg->aws.endpoint != '\0') {
        snprintf(b->endpoint, sizeof(b->endpoint), "SANDBOX_ENDPOINT_URL=%s", cfg->aws.endpoint);
        b->extra[x++] = b->endpoint;
    }
    snprintf(b->region, sizeof(b->region), "SANDBOX_REGION=%s",
             cfg->aws.region != NULL ? cfg->aws.region : "us-east-1");
    b->extra[x++] = b->region;
    if (e->cfg->access.enabled && a->account_id[0] != '\0' && !eng_is_pool(a)) {
        /* While its owner can sign in through IAM Identity Center: the portal and the link. */
        char portal[512], link[800];

        if (eng_access_link(e, a, portal, sizeof(portal), link, sizeof(link)) == 0 &&
            link[0] != '\0') {
            snprintf(b->portal, sizeof(b->portal), "SANDBOX_ACCESS_PORTAL_URL=%s", portal);
            snprintf(b->link, sizeof(b->link), "SANDBOX_ACCESS_URL=%s", link);
            b->extra[x++] = b->portal;
            b->extra[x++] = b->link;
        }
    }
    if (cfg->hooks.state_dir != NULL && *cfg->hooks.state_dir != '\0') {
        snprintf(b->state_dir, sizeof(b->state_dir), "SANDBOX_STATE_DIR=%s", cfg->hooks.state_dir);
        b->extra[x++] = b->state_dir;
    }
    for (size_t i = 0; ho->extra != NULL && ho->extra[i] != NULL && x < EXTRA_MAX; i++)
        b->extra[x++] = ho->extra[i];
    b->extra[x] = NULL;

    env->account_id = a->account_id[0] != '\0' ? a->account_id : NULL;
    env->email = a->email;
    env->name = a->name;
    env->owner = a->owner;
    env->kind = a->kind;
    env->class_name = a->class_name;
    env->expires_at = b->expires;
    env->reason = a->reason != NULL && *a->reason != '\0' ? a->reason : NULL;
    env->role_arn = a->account_id[0] != '\0' ? b->role_arn : NULL;
    env->warn_offset = ho->warn_offset;
    env->config_path = e->config_path;
    env->dry_run = e->dry_run;
    env->extra = b->extra;
}

/* The client's session for the events listed in hooks.pass_credentials (pre-close only by
 * default): a copy of exactly the credentials the engine's AWS calls are signed with, refreshed
 * if due (an assume-role profile resolves only through the client, which has the connection
 * and STS settings). NULL for any other event, and when they cannot be had; the hooks then run
 * without AWS_* variables. */
static struct creds *
hook_creds(struct engine *e, enum cfg_hook_event ev)
{
    struct sbx_err err = { 0 };
    struct creds *c;

    if (!e->cfg->hooks.pass_credentials[ev])
        return NULL;
    if (e->orgs == NULL) {
        log_warn("hooks: cannot pass credentials: no AWS client");
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        log_warn("hooks: cannot pass credentials: out of memory");
        return NULL;
    }
    if (orgs_copy_credentials(e->orgs, c, &err) != 0) {
        log_warn("hooks: cannot pass credentials: %s", err.msg);
        free(c);
        return NULL;
    }
    return c;
}

/* One line: what failed and how, then at most tail_max bytes of the output's tail (its start
 * when from_end is false, its end otherwise). */
static void
verdict(const struct hook_result *r, char *msg, size_t n, int tail_max, bool from_end)
{
    size_t tl = strlen(r->tail);
    const char *tail =
            from_end && tl > (size_t)tail_max ? r->tail + tl - (size_t)tail_max : r->tail;
    const char *sep = tail[0] != '\0' ? ": " : "";

    if (r->timed_out)
        snprintf(msg, n, "hook '%s' timed out%s%.*s", r->failed, sep, tail_max, tail);
    else if (r->status >= 128)
        snprintf(msg, n, "hook '%s' was killed by signal %d%s%.*s", r->failed, r->status - 128, sep,
                 tail_max, tail);
    else
        snprintf(msg, n, "hook '%s' exited %d%s%.*s", r->failed, r->status, sep, tail_max, tail);
    /* One line: the tail may span several. */
    for (char *p = msg; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    }
}

int
eng_run_hooks(struct engine *e, enum cfg_hook_event ev, struct store_account *const *accts,
              size_t n, const char *warn_offset, bool *ok, char (*msg)[256], struct sbx_err *err)
{
    const struct eng_hook_opts o = { .warn_offset = warn_offset };

    return eng_run_hooks_opts(e, ev, accts, n, &o, ok, msg, err);
}

int
eng_run_hooks_opts(struct engine *e, enum cfg_hook_event ev, struct store_account *const *accts,
                   size_t n, const struct eng_hook_opts *o, bool *ok, char (*msg)[256],
                   struct sbx_err *err)
{
    const char *evname = cfg_hook_event_name(ev);
    struct env_buf *bufs = NULL;
    struct hook_env *envs = NULL;
    struct hook_result *res = NULL;
    struct sbx_err *errs = NULL;
    size_t *idx = NULL, m = 0;
    int64_t *runs = NULL, now = eng_now(e);
    struct creds *creds = NULL;
    int rc = -1;

    for (size_t i = 0; i < n; i++) {
        ok[i] = true;
        msg[i][0] = '\0';
        if (o->run_ids != NULL)
            o->run_ids[i] = 0;
        if (o->details != NULL)
            o->details[i][0] = '\0';
    }
    if (n == 0 || e->dry_run || !hook_event_has_hooks(&e->cfg->hooks, ev))
        return 0;
    {
        struct sbx_err ignored = { 0 };

        /* For SANDBOX_MANAGEMENT_ACCOUNT_ID; hooks still run when it cannot be had. */
        if (eng_load_org(e, &ignored) != 0)
            log_debug("hooks: organization unknown: %s", ignored.msg);
    }
    bufs = calloc(n, sizeof(*bufs));
    envs = calloc(n, sizeof(*envs));
    res = calloc(n, sizeof(*res));
    errs = calloc(n, sizeof(*errs));
    idx = calloc(n, sizeof(*idx));
    runs = calloc(n, sizeof(*runs));
    if (bufs == NULL || envs == NULL || res == NULL || errs == NULL || idx == NULL ||
        runs == NULL) {
        sbx_err_nomem(err);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const struct cfg_kind *k = eng_kind(e, accts[i]->kind);

        if (!k->hooks[ev])
            continue; /* this kind does not run this event */
        fill_env(e, accts[i], o, &bufs[m], &envs[m]);
        if (store_hook_run_start(e->store, accts[i]->id, evname,
                                 o->attempt > 0 ? o->attempt : accts[i]->attempts + 1, now,
                                 &runs[m], err) != 0)
            goto out;
        if (o->run_ids != NULL)
            o->run_ids[i] = runs[m];
        idx[m++] = i;
    }
    if (m == 0) {
        rc = 0;
        goto out;
    }
    creds = hook_creds(e, ev);
    hook_run_batch(&e->cfg->hooks, ev, envs, m, creds, res, errs);
    now = eng_now(e);
    for (size_t j = 0; j < m; j++) {
        size_t i = idx[j];
        const char *status;

        if (errs[j].code != SBX_E_OK) {
            ok[i] = false;
            snprintf(msg[i], sizeof(msg[i]), "%s hooks could not run: %.200s", evname, errs[j].msg);
            if (o->details != NULL)
                snprintf(o->details[i], sizeof(o->details[i]), "%s", msg[i]);
            status = "error";
        } else if (res[j].status != 0 || res[j].timed_out) {
            ok[i] = false;
            verdict(&res[j], msg[i], sizeof(msg[i]), 180, false);
            if (o->details != NULL)
                verdict(&res[j], o->details[i], sizeof(o->details[i]), ENG_HOOK_DETAIL_TAIL, true);
            status = res[j].timed_out ? "timeout" : "failed";
        } else {
            status = "ok";
        }
        if (store_hook_run_finish(e->store, runs[j], status, res[j].status, res[j].log_path,
                                  errs[j].code != SBX_E_OK ? errs[j].msg : res[j].tail,
                                  res[j].result, now, err) != 0)
            goto out;
    }
    rc = 0;
out:
    if (creds != NULL) {
        creds_release(creds);
        free(creds);
    }
    free(bufs);
    free(envs);
    free(res);
    free(errs);
    free(idx);
    free(runs);
    return rc;
}
