/*
 * engine_grant.c -- owners' access in the lifecycle: the IAM Identity Center account
 * assignments sandboxctl makes when an account is provisioned, and deletes before the account
 * is nuked (or at once, for an offboarding or a freeze).
 *
 * Every assignment is a row of the store (store_access.c) written before the call that makes
 * or deletes it, so a crash never loses one: a row whose request id is known is polled, one
 * without is sent (again). Sending again is safe: CreateAccountAssignment for an assignment
 * that exists succeeds without a second one (AWS documents the API as idempotent), and
 * DeleteAccountAssignment for one that does not exist is ResourceNotFoundException, which
 * here means "revoked". Identity Center runs one provisioning operation per account at a
 * time; a second one meets ConflictException, and so does a deletion while the creation is in
 * progress: both wait with a backoff and try again.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_access.h"
#include "engine/engine_int.h"
#include "util/grow.h"
#include "util/log.h"

/* Seconds between polls of an assignment operation (doubling per poll up to the cap) and
 * between tries after a refusal (ConflictException, throttling, a failed operation). A seat
 * is ready only once its grant is seen done, so the polls stay close together: at 1, 3, 7,
 * 11, 15... s an assignment is seen at most 4 s after AWS finished it (permission-set
 * provisioning takes seconds), and a class with its creations five at a time has about five
 * grants in flight, about one poll a second. */
#define POLL_FIRST  1
#define POLL_CAP    4
#define RETRY_FIRST 5
#define RETRY_CAP   600

/* A refusal that passes by itself (throttling, a conflict, a transient failure), or an owner
 * without a user (the directory check off-boards them): a wait, not a failure. */
static bool
waits(const struct sbx_err *e)
{
    if (e->code == SBX_E_NOTFOUND)
        return true;
    return e->code == SBX_E_AWS && (e->aws == SBX_AWS_THROTTLED || e->aws == SBX_AWS_CONFLICT ||
                                    e->aws == SBX_AWS_TRANSIENT || e->aws == SBX_AWS_NETWORK);
}

/* The Identity Center client, made on first need. */
static int
client(struct engine *e, struct idc **out, struct sbx_err *err)
{
    struct idc_opts opts;

    if (e->access == NULL) {
        if (e->orgs == NULL) {
            sbx_err_set(err, SBX_E_FAILURE, "owner access needs an AWS client");
            return -1;
        }
        if ((e->access = calloc(1, sizeof(*e->access))) == NULL)
            return sbx_err_nomem(err);
    }
    if (e->access->idc == NULL) {
        engine_access_idc_opts(e->cfg, &opts);
        if (idc_new(e->orgs, &opts, &e->access->idc, err) != 0)
            return -1;
    }
    *out = e->access->idc;
    return 0;
}

static int
instance(struct engine *e, const struct engine_access_instance **out, struct sbx_err *err)
{
    struct idc *c;

    if (client(e, &c, err) != 0)
        return -1;
    if (!e->access->have_instance) {
        if (engine_access_instance(c, &e->cfg->access, &e->access->in, err) != 0)
            return -1;
        e->access->have_instance = true;
    }
    *out = &e->access->in;
    return 0;
}

/* The permission set of kind: its ARN and its name (the role name of the portal's link). */
static int
permission_set(struct engine *e, const char *kind, const char **arn, const char **name,
               struct sbx_err *err)
{
    const struct cfg_kind *k = eng_kind(e, kind);
    const char *want = engine_access_permission_set_for(e->cfg, k);
    const struct engine_access_instance *in;
    struct engine_access_cache *x;
    struct idc_permission_set ps;
    char *a = NULL, *n = NULL, *kd = NULL;

    if (instance(e, &in, err) != 0)
        return -1;
    x = e->access;
    for (size_t i = 0; i < x->nps; i++) {
        if (strcmp(x->ps[i].kind, kind) == 0) {
            *arn = x->ps[i].arn;
            *name = x->ps[i].name;
            return 0;
        }
    }
    if (engine_access_permission_set_arn(x->idc, in->arn, want, &a, err) != 0)
        return -1;
    if (strncmp(want, "arn:", 4) != 0) {
        n = strdup(want);
    } else {
        if (idc_describe_permission_set(x->idc, in->arn, a, &ps, err) != 0) {
            free(a);
            return -1;
        }
        n = strdup(ps.name);
        idc_permission_set_release(&ps);
    }
    kd = strdup(kind);
    if (n == NULL || kd == NULL || x->nps >= SBX_ARRAY_LEN(x->ps)) {
        free(a);
        free(n);
        free(kd);
        return sbx_err_nomem(err);
    }
    x->ps[x->nps].kind = kd;
    x->ps[x->nps].arn = a;
    x->ps[x->nps].name = n;
    *arn = a;
    *name = n;
    x->nps++;
    return 0;
}

static void
note_due(struct eng_access_progress *p, int64_t due)
{
    if (due > 0 && (p->next == 0 || due < p->next))
        p->next = due;
}

static int
set_str(char **dst, const char *v, struct sbx_err *err)
{
    char *c = strdup(v != NULL ? v : "");

    if (c == NULL)
        return sbx_err_nomem(err);
    free(*dst);
    *dst = c;
    return 0;
}

static int
audit(struct engine *e, const struct store_account *a, const struct store_assignment *g,
      const char *event, const char *extra_key, const char *extra, struct sbx_err *err)
{
    char *detail = eng_detail(
            "principal", g->principal, "principal_type", g->principal_type, "principal_id",
            g->principal_id, "permission_set",
            g->permission_set_name[0] != '\0' ? g->permission_set_name : g->permission_set_arn,
            "request_id", g->request_id[0] != '\0' ? g->request_id : NULL, extra_key, extra, NULL);
    int rc;

    if (detail == NULL)
        return sbx_err_nomem(err);
    rc = store_audit_append(
            e->store, a,
            &(struct store_audit_ev){ eng_now(e), e->actor, event, NULL, NULL, detail }, err);
    free(detail);
    if (rc == 0)
        eng_emit(e, a, event, NULL, NULL, g->principal);
    return rc;
}

/* A refusal or a failed operation: try again after a backoff; the reason stays on the row. */
static int
retry_later(struct engine *e, struct store_assignment *g, const char *what, const char *why,
            bool failed, struct eng_access_progress *p, struct sbx_err *err)
{
    char msg[600];

    if (failed)
        p->failed = true;

    snprintf(msg, sizeof(msg), "%s: %s", what, why);
    snprintf(p->why, sizeof(p->why), "%s", msg);
    g->due_at = eng_now(e) + eng_backoff(g->attempts, RETRY_FIRST, RETRY_CAP);
    g->attempts++;
    if (set_str(&g->last_error, msg, err) != 0)
        return -1;
    note_due(p, g->due_at);
    return store_assignment_update(e->store, g, eng_now(e), err);
}

/* An operation in progress at AWS: look again later. */
static int
poll_later(struct engine *e, struct store_assignment *g, struct eng_access_progress *p,
           struct sbx_err *err)
{
    g->due_at = eng_now(e) + eng_backoff(g->attempts, POLL_FIRST, POLL_CAP);
    g->attempts++;
    note_due(p, g->due_at);
    return store_assignment_update(e->store, g, eng_now(e), err);
}

/* g has arrived (granted, or revoked when `revoked`): recorded and audited together
 * (access_granted / access_revoked, with the note if any). */
static int
mark_done(struct engine *e, const struct store_account *a, struct store_assignment *g, bool revoked,
          const char *note, struct sbx_err *err)
{
    int rc;

    snprintf(g->status, sizeof(g->status), "%s", revoked ? "revoked" : "granted");
    *(revoked ? &g->revoked_at : &g->granted_at) = eng_now(e);
    g->attempts = 0;
    g->due_at = 0;
    if (set_str(&g->last_error, "", err) != 0 || store_begin(e->store, err) != 0)
        return -1;
    rc = store_assignment_update(e->store, g, eng_now(e), err) != 0 ||
                         audit(e, a, g, revoked ? "access_revoked" : "access_granted",
                               note != NULL ? "note" : NULL, note, err) != 0 ||
                         store_commit(e->store, err) != 0
                 ? -1
                 : 0;
    if (rc != 0)
        store_rollback(e->store);
    return rc;
}

static void
assignment_of(const struct store_assignment *g, struct idc_assignment *out)
{
    out->instance_arn = g->instance_arn;
    out->account_id = g->account_id;
    out->permission_set_arn = g->permission_set_arn;
    out->principal_type = g->principal_type;
    out->principal_id = g->principal_id;
}

/* What an operation's first answer or its status says, for a creation or a deletion. */
static int
outcome(struct engine *e, const struct store_account *a, struct store_assignment *g,
        const struct idc_assignment_status *st, bool deletion, struct eng_access_progress *p,
        struct sbx_err *err)
{
    if (strcmp(st->status, "SUCCEEDED") == 0)
        return mark_done(e, a, g, deletion, NULL, err);
    if (strcmp(st->status, "FAILED") == 0) {
        /* A failed operation changed nothing: send it again after a while. */
        if (set_str(&g->request_id, "", err) != 0)
            return -1;
        return retry_later(
                e, g,
                deletion ? "DeleteAccountAssignment failed" : "CreateAccountAssignment failed",
                st->failure_reason != NULL ? st->failure_reason : "no reason given", true, p, err);
    }
    if (st->request_id[0] != '\0' && strcmp(st->request_id, g->request_id) != 0 &&
        set_str(&g->request_id, st->request_id, err) != 0)
        return -1;
    return poll_later(e, g, p, err);
}

/*
 * Seconds until an assignment write (CreateAccountAssignment or DeleteAccountAssignment) may be
 * sent under access.assign_rate: a token bucket holding a second's worth (at least 1), full
 * at the engine's start; 0 when it may go now (its token taken).
 */
static double
write_token(struct engine *e)
{
    struct engine_access_cache *x = e->access;
    double rate = e->cfg->access.assign_rate, burst = fmax(1, floor(rate)), now = engine_now(e);

    x->write_tokens = x->write_last == 0
                              ? burst
                              : fmin(burst, x->write_tokens + fmax(0, now - x->write_last) * rate);
    x->write_last = now;
    if (x->write_tokens >= 1) {
        x->write_tokens -= 1;
        return 0;
    }
    return (1 - x->write_tokens) / rate;
}

/* One step of one assignment toward its goal (granted, or revoked). */
static int
advance(struct engine *e, const struct store_account *a, struct store_assignment *g, bool deletion,
        struct eng_access_progress *p, struct sbx_err *err)
{
    struct idc_assignment_status st = { 0 };
    struct idc_assignment as;
    struct sbx_err aerr = { 0 };
    struct idc *c;
    double wait;
    int call, rc;

    if (client(e, &c, err) != 0) {
        snprintf(p->why, sizeof(p->why), "%s", err->msg);
        p->failed = true;
        sbx_err_clear(err);
        note_due(p, eng_now(e) + RETRY_CAP);
        return 0;
    }
    if (g->request_id[0] == '\0' && (wait = write_token(e)) > 0) {
        /* Paced: the request waits for its token, the row for the second it comes. */
        p->paced = p->paced > 0 ? fmin(p->paced, engine_now(e) + wait) : engine_now(e) + wait;
        g->due_at = (int64_t)ceil(engine_now(e) + wait);
        note_due(p, g->due_at);
        return store_assignment_update(e->store, g, eng_now(e), err);
    }
    p->worked = true;
    assignment_of(g, &as);
    if (g->request_id[0] == '\0') {
        call = deletion ? idc_delete_account_assignment(c, &as, &st, &aerr)
                        : idc_create_account_assignment(c, &as, &st, &aerr);
    } else {
        call = deletion ? idc_describe_assignment_deletion_status(c, g->instance_arn, g->request_id,
                                                                  &st, &aerr)
                        : idc_describe_assignment_creation_status(c, g->instance_arn, g->request_id,
                                                                  &st, &aerr);
    }
    if (call == 0) {
        rc = outcome(e, a, g, &st, deletion, p, err);
        idc_assignment_status_release(&st);
        return rc;
    }
    if (aerr.code == SBX_E_AWS && aerr.aws == SBX_AWS_NOT_FOUND) {
        if (g->request_id[0] != '\0') {
            /* AWS does not know the request (any more): ask again. */
            if (set_str(&g->request_id, "", err) != 0)
                return -1;
            g->due_at = eng_now(e);
            note_due(p, g->due_at);
            return store_assignment_update(e->store, g, eng_now(e), err);
        }
        if (deletion)
            return mark_done(e, a, g, true, "no such assignment at AWS", err);
    }
    return retry_later(e, g,
                       g->request_id[0] != '\0'
                               ? (deletion ? "DescribeAccountAssignmentDeletionStatus"
                                           : "DescribeAccountAssignmentCreationStatus")
                               : (deletion ? "DeleteAccountAssignment" : "CreateAccountAssignment"),
                       aerr.msg, !waits(&aerr), p, err);
}

/* The groups an account's assignments go to: its kind's (or access.groups), then its class's. */
static int
account_groups(struct engine *e, const struct store_account *a, char ***names, size_t *n,
               struct sbx_err *err)
{
    char **cls = NULL;
    size_t ncls = 0;
    int rc;

    if (a->class_id > 0 && store_class_groups(e->store, a->class_id, &cls, &ncls, err) != 0)
        return -1;
    rc = engine_access_groups(e->cfg, eng_kind(e, a->kind), (const char *const *)cls, ncls, names,
                              n, err);
    store_strings_free(cls, ncls);
    return rc;
}

/* The id of group name, looked up once per engine. */
static int
group_id(struct engine *e, const char *store_id, const char *name, const char **id,
         struct sbx_err *err)
{
    struct engine_access_cache *x = e->access;
    char *gid = NULL, *nm;
    void *grown;

    for (size_t i = 0; i < x->ngroups; i++) {
        if (strcmp(x->groups[i].name, name) == 0) {
            *id = x->groups[i].id;
            return 0;
        }
    }
    if (engine_access_group_id(x->idc, store_id, name, &gid, err) != 0)
        return -1;
    nm = strdup(name);
    grown = nm != NULL ? grow_array(x->groups, x->ngroups, &x->capgroups, sizeof(*x->groups))
                       : NULL;
    if (grown == NULL) {
        free(nm);
        free(gid);
        return sbx_err_nomem(err);
    }
    x->groups = grown;
    x->groups[x->ngroups].name = nm;
    x->groups[x->ngroups].id = gid;
    *id = x->groups[x->ngroups++].id;
    return 0;
}

/*
 * The owner's assignment and one per group of the account (account_groups), recorded as
 * intended (status requested) with an audit event each, in one transaction: all or none.
 */
static int
plan_grant(struct engine *e, const struct store_account *a, struct eng_access_progress *p,
           bool *planned, struct sbx_err *err)
{
    const struct engine_access_instance *in;
    const char *ps_arn, *ps_name;
    struct store_assignment g = { 0 };
    struct sbx_err aerr = { 0 };
    const char **gids = NULL;
    char *user = NULL, **groups = NULL;
    size_t ngroups = 0;
    int rc = -1;

    *planned = false;
    if (account_groups(e, a, &groups, &ngroups, err) != 0)
        return -1;
    if (ngroups > 0 && (gids = calloc(ngroups, sizeof(*gids))) == NULL) {
        sbx_err_nomem(err);
        goto out;
    }
    if (instance(e, &in, &aerr) != 0 || permission_set(e, a->kind, &ps_arn, &ps_name, &aerr) != 0 ||
        engine_access_user_id(e->access->idc, &e->cfg->access, in->identity_store_id, a->owner,
                              &user, &aerr) != 0)
        goto wait;
    for (size_t i = 0; i < ngroups; i++) {
        if (group_id(e, in->identity_store_id, groups[i], &gids[i], &aerr) != 0)
            goto wait;
    }
    g.account = a->id;
    snprintf(g.account_id, sizeof(g.account_id), "%s", a->account_id);
    g.instance_arn = in->arn;
    g.permission_set_arn = (char *)ps_arn;
    g.permission_set_name = (char *)ps_name;
    snprintf(g.status, sizeof(g.status), "requested");
    g.request_id = (char *)"";
    g.due_at = eng_now(e);
    if (store_begin(e->store, err) != 0)
        goto out;
    for (size_t i = 0; i <= ngroups; i++) {
        snprintf(g.principal_type, sizeof(g.principal_type), "%s", i == 0 ? "USER" : "GROUP");
        g.principal_id = i == 0 ? user : (char *)gids[i - 1];
        g.principal = i == 0 ? a->owner : groups[i - 1];
        if (store_assignment_add(e->store, &g, eng_now(e), err) != 0 ||
            audit(e, a, &g, "access_requested", NULL, NULL, err) != 0) {
            store_rollback(e->store);
            goto out;
        }
    }
    if (store_commit(e->store, err) != 0) {
        store_rollback(e->store);
        goto out;
    }
    *planned = true;
    rc = 0;
    goto out;
wait:
    if (aerr.code == SBX_E_NOMEM) {
        *err = aerr;
        goto out;
    }
    snprintf(p->why, sizeof(p->why), "cannot grant access: %s", aerr.msg);
    p->failed = !waits(&aerr);
    note_due(p, eng_now(e) + RETRY_CAP);
    rc = 0;
out:
    free(gids);
    store_strings_free(groups, ngroups);
    free(user);
    return rc;
}

static bool
is(const struct store_assignment *g, const char *status)
{
    return strcmp(g->status, status) == 0;
}

/*
 * Whether g waits this pass (1) rather than advancing (0): nothing is done before its due time;
 * and Identity Center runs one assignment operation per account at a time (a second one is
 * ConflictException), so while one of the account's operations is in flight (due to be
 * polled at inflight_due, 0 = none) a request not yet sent waits until then. -1: store error.
 */
static int
one_at_a_time(struct engine *e, struct store_assignment *g, int64_t inflight_due, int64_t now,
              struct eng_access_progress *p, struct sbx_err *err)
{
    if (g->due_at <= now && (inflight_due == 0 || g->request_id[0] != '\0'))
        return 0;
    if (g->due_at < inflight_due) {
        g->due_at = inflight_due;
        if (store_assignment_update(e->store, g, now, err) != 0)
            return -1;
    }
    note_due(p, g->due_at);
    return 1;
}

/* An operation of g in flight at AWS: when it is next polled (0 = none). */
static int64_t
in_flight(const struct store_assignment *g, const char *status, int64_t inflight_due)
{
    if (inflight_due == 0 && is(g, status) && g->request_id[0] != '\0')
        return g->due_at;
    return inflight_due;
}

/* One walk over a's assignments v toward granted (or, revoking, toward revoked): each row on
 * its way is advanced, one operation per account in flight at AWS at a time; p->done when
 * every row has arrived. A grant advances every row; a revocation only those marked revoking
 * (the others wait for eng_access_revoke_begin). */
static int
walk(struct engine *e, const struct store_account *a, struct store_assignment *v, size_t n,
     bool revoking, struct eng_access_progress *p, struct sbx_err *err)
{
    const char *goal = revoking ? "revoked" : "granted";
    int64_t now = eng_now(e), inflight = 0;
    int w;

    p->done = true;
    for (size_t i = 0; i < n; i++) {
        struct store_assignment *g = &v[i];

        if (is(g, goal))
            continue;
        if ((!revoking || is(g, "revoking")) &&
            ((w = one_at_a_time(e, g, inflight, now, p, err)) < 0 ||
             (w == 0 && advance(e, a, g, revoking, p, err) != 0)))
            return -1;
        if (!is(g, goal)) {
            p->done = false;
            note_due(p, g->due_at);
        }
        inflight = in_flight(g, revoking ? "revoking" : "requested", inflight);
    }
    return 0;
}

int
eng_access_grant(struct engine *e, const struct store_account *a, struct eng_access_progress *p,
                 struct sbx_err *err)
{
    struct store_assignment *v = NULL;
    size_t n = 0;
    int rc = -1;

    memset(p, 0, sizeof(*p));
    if (store_assignment_list(e->store, a->id, &v, &n, err) != 0)
        return -1;
    if (n == 0) {
        bool planned = false;

        if (plan_grant(e, a, p, &planned, err) != 0)
            return -1;
        if (!planned)
            return 0;
        if (store_assignment_list(e->store, a->id, &v, &n, err) != 0)
            return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i].principal[0] != '\0' && (is(&v[i], "revoking") || is(&v[i], "revoked"))) {
            /* Revocation began (a close or offboarding asked for it): grant no more. */
            p->done = true;
            p->next = 0;
            rc = 0;
            goto out;
        }
    }
    rc = walk(e, a, v, n, false, p, err);
out:
    store_assignments_free(v, n);
    return rc;
}

int
eng_access_revoke(struct engine *e, const struct store_account *a, struct eng_access_progress *p,
                  struct sbx_err *err)
{
    struct store_assignment *v = NULL;
    size_t n = 0;
    int rc;

    memset(p, 0, sizeof(*p));
    if (store_assignment_list(e->store, a->id, &v, &n, err) != 0)
        return -1;
    rc = walk(e, a, v, n, true, p, err);
    store_assignments_free(v, n);
    return rc;
}

int
eng_access_revoke_others(struct engine *e, const struct store_account *a, char *why, size_t n,
                         struct sbx_err *err)
{
    const struct engine_access_instance *in;
    const char *ps_arn, *ps_name;
    struct idc_account_assignment *live = NULL;
    struct store_assignment *v = NULL;
    struct sbx_err aerr = { 0 };
    size_t nlive = 0, nv = 0;
    int rc = -1;

    why[0] = '\0';
    if (instance(e, &in, &aerr) != 0 || permission_set(e, a->kind, &ps_arn, &ps_name, &aerr) != 0 ||
        idc_list_account_assignments(e->access->idc, in->arn, a->account_id, ps_arn, &live, &nlive,
                                     &aerr) != 0) {
        if (aerr.code == SBX_E_NOMEM) {
            *err = aerr;
            return -1;
        }
        snprintf(why, n, "cannot list the account's assignments: %s", aerr.msg);
        return 0;
    }
    if (store_assignment_list(e->store, a->id, &v, &nv, err) != 0)
        goto out;
    if (store_begin(e->store, err) != 0)
        goto out;
    for (size_t i = 0; i < nlive; i++) {
        struct store_assignment g = { 0 }, *seen = NULL;

        for (size_t j = 0; j < nv && seen == NULL; j++) {
            if (strcmp(v[j].principal_type, live[i].principal_type) == 0 &&
                strcmp(v[j].principal_id, live[i].principal_id) == 0 &&
                strcmp(v[j].permission_set_arn, live[i].permission_set_arn) == 0)
                seen = &v[j];
        }
        if (seen != NULL && !is(seen, "revoked"))
            continue; /* on its way out already */
        if (seen != NULL) {
            /* Deleted before, assigned again since: delete it again. */
            snprintf(seen->status, sizeof(seen->status), "revoking");
            seen->due_at = eng_now(e);
            if (set_str(&seen->request_id, "", err) != 0 ||
                store_assignment_update(e->store, seen, eng_now(e), err) != 0 ||
                audit(e, a, seen, "access_revoking", "note", "assigned again", err) != 0) {
                store_rollback(e->store);
                goto out;
            }
            continue;
        }
        /* Someone else's: recorded as to be deleted (principal "" = not made by sandboxctl). */
        g.account = a->id;
        snprintf(g.account_id, sizeof(g.account_id), "%s", a->account_id);
        g.instance_arn = in->arn;
        g.permission_set_arn = live[i].permission_set_arn;
        g.permission_set_name = (char *)ps_name;
        snprintf(g.principal_type, sizeof(g.principal_type), "%s", live[i].principal_type);
        g.principal_id = live[i].principal_id;
        g.principal = (char *)"";
        g.request_id = (char *)"";
        snprintf(g.status, sizeof(g.status), "revoking");
        g.due_at = eng_now(e);
        if (store_assignment_add(e->store, &g, eng_now(e), err) != 0 ||
            audit(e, a, &g, "access_revoking", "note", "made outside sandboxctl", err) != 0) {
            store_rollback(e->store);
            goto out;
        }
    }
    if (store_commit(e->store, err) != 0)
        goto out;
    rc = 0;
out:
    idc_account_assignments_free(live, nlive);
    store_assignments_free(v, nv);
    return rc;
}

/* Audits event for changed assignments of a, all marked at once for reason. */
static int
audit_marked(struct engine *e, const struct store_account *a, const char *event, const char *reason,
             int changed, struct sbx_err *err)
{
    char count[24], *detail;
    int rc;

    snprintf(count, sizeof(count), "%d", changed);
    detail = eng_detail("reason", reason, "assignments", count, NULL);
    rc = detail == NULL ? sbx_err_nomem(err)
                        : store_audit_append(e->store, a,
                                             &(struct store_audit_ev){ eng_now(e), e->actor, event,
                                                                       NULL, NULL, detail },
                                             err);
    free(detail);
    return rc;
}

int
eng_access_revoke_begin(struct engine *e, const struct store_account *a, const char *reason,
                        struct sbx_err *err)
{
    int changed = 0;

    if (e->dry_run)
        return 0;
    if (store_begin(e->store, err) != 0)
        return -1;
    if (store_assignment_revoke_all(e->store, a->id, eng_now(e), &changed, err) != 0) {
        store_rollback(e->store);
        return -1;
    }
    if (changed == 0)
        return store_commit(e->store, err);
    if (audit_marked(e, a, "access_revoking", reason, changed, err) != 0 ||
        store_commit(e->store, err) != 0) {
        store_rollback(e->store);
        return -1;
    }
    log_info("account %lld %s: revoking %d Identity Center assignment%s (%s)", (long long)a->id,
             a->account_id, changed, changed == 1 ? "" : "s", reason);
    return 0;
}

int
eng_access_regrant(struct engine *e, const struct store_account *a, bool *regrant,
                   struct sbx_err *err)
{
    int changed = 0;

    *regrant = false;
    if (!e->cfg->access.enabled || eng_is_pool(a))
        return 0;
    if (store_assignment_regrant_all(e->store, a->id, eng_now(e), &changed, err) != 0)
        return -1;
    if (changed == 0)
        return 0;
    if (audit_marked(e, a, "access_requested", "unfrozen", changed, err) != 0)
        return -1;
    *regrant = true;
    return 0;
}

int
eng_access_link(struct engine *e, const struct store_account *a, char *portal, size_t pn,
                char *link, size_t ln)
{
    const struct engine_access_instance *in;
    struct store_assignment *v = NULL;
    struct sbx_err err = { 0 };
    const char *role = NULL;
    size_t n = 0;
    int rc = -1;

    portal[0] = link[0] = '\0';
    if (store_assignment_list(e->store, a->id, &v, &n, &err) != 0)
        goto out;
    for (size_t i = 0; i < n && role == NULL; i++) {
        if (is(&v[i], "granted") && strcmp(v[i].principal_type, "USER") == 0 &&
            v[i].permission_set_name[0] != '\0')
            role = v[i].permission_set_name;
    }
    if (role == NULL) {
        rc = 0; /* nobody can sign in through Identity Center */
        goto out;
    }
    if (e->cfg->access.portal_url != NULL) {
        snprintf(portal, pn, "%s", e->cfg->access.portal_url);
    } else {
        if (instance(e, &in, &err) != 0)
            goto out;
        if (engine_access_portal_url(in->identity_store_id, portal, pn) != 0) {
            sbx_err_set(&err, SBX_E_INVALID, "the portal URL is too long");
            goto out;
        }
    }
    if (engine_access_console_url(portal, a->account_id, role, link, ln) != 0) {
        sbx_err_set(&err, SBX_E_INVALID, "the account's sign-in link is too long");
        goto out;
    }
    rc = 0;
out:
    if (rc != 0) {
        log_warn("account %lld: no access portal link: %s", (long long)a->id, err.msg);
        portal[0] = link[0] = '\0';
    }
    store_assignments_free(v, n);
    return rc;
}

void
engine_access_link(struct engine *e, const struct store_account *a, char *link, size_t n)
{
    char portal[512];

    link[0] = '\0';
    if (e->cfg->access.enabled && a->account_id[0] != '\0' &&
        eng_access_link(e, a, portal, sizeof(portal), link, n) != 0)
        link[0] = '\0';
}
