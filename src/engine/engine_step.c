/*
 * engine_step.c -- one step of the lifecycle engine: every phase of DESIGN.md section 3 that
 * has work due now, without waiting for pacing, and the loop (`run`) built on it.
 *
 * Each phase reads the rows due in its state (index account_state_due), claims each row before
 * any side effect, re-checks the state after claiming (another process may have moved it), does
 * the work, and moves the row with a compare-and-set. Work an AWS token bucket does not allow
 * now is left for later and reported through pace_due, so a caller pipelining many accounts
 * never sleeps inside a step.
 *
 * Phase order matters only for latency within one step: finishing creations before submitting
 * new ones frees in-progress slots, and closures are polled after new ones are sent.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_budget.h"
#include "engine/engine_event.h"
#include "engine/engine_int.h"
#include "engine/engine_pool.h"
#include "engine/engine_quota.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/log.h"

struct step {
    struct engine *e;
    const struct engine_step_opts *o;
    struct engine_step_report *r;
    const struct store_filter *scope;
    int64_t now;
    double next;
    double close_gate;           /* when closing may resume (0 = not gated by time) */
    bool slots_blocked;          /* scoped requests are due but every creation slot is taken */
    struct store_account **held; /* rows a phase keeps claimed for its finish */
    size_t nheld;
};

static void
want(struct step *st, double t)
{
    if (t > 0 && t < st->next)
        st->next = t;
}

/* Work that waits for a token until due (engine time). */
static void
paced_until(struct step *st, double due)
{
    if (!st->r->pace_blocked || due < st->r->pace_due)
        st->r->pace_due = due;
    st->r->pace_blocked = true;
    want(st, due);
}

/* Work that waits for a token of op: due when the token comes, counted from the clock's time
 * (st->now is the whole second, which can put it in the past). */
static void
paced(struct step *st, enum orgs_op op)
{
    paced_until(st, clock_now(st->e->clock) + orgs_pace_wait(st->e->orgs, op));
}

static void
note_error(struct step *st, const struct store_account *a, const char *what,
           const struct sbx_err *err)
{
    st->r->errors++;
    snprintf(st->r->last_error, sizeof(st->r->last_error), "account %lld%s%s: %s: %s",
             (long long)a->id, a->account_id[0] != '\0' ? " " : "", a->account_id, what, err->msg);
    log_warn("%s", st->r->last_error);
}

static int64_t
backoff(int64_t attempts, int64_t base, int64_t cap)
{
    return eng_backoff(attempts, base, cap);
}

/* Records a per-row failure on the row (due later) and in the report. Store errors pass up. */
static int
row_failed(struct step *st, struct store_account *a, const char *what, const struct sbx_err *why,
           int64_t delay, struct sbx_err *err)
{
    char msg[600];

    note_error(st, a, what, why);
    snprintf(msg, sizeof(msg), "%s: %s", what, why->msg);
    if (eng_defer(st->e, a, delay, msg, err) != 0 && err->code != SBX_E_CONFLICT)
        return -1;
    return 0;
}

/* A store error that is only a lost race (SBX_E_CONFLICT) is not a failure of the step. */
static int
tolerate_conflict(struct sbx_err *err)
{
    if (err->code == SBX_E_CONFLICT) {
        log_debug("%s", err->msg);
        sbx_err_clear(err);
        return 0;
    }
    return -1;
}

/* An action's outcome rc: a row that moved is counted in *n; a lost race is not a failure. */
static int
counted(int rc, int *n, struct sbx_err *err)
{
    if (rc != 0)
        return tolerate_conflict(err);
    (*n)++;
    return 0;
}

/* Moves a to state `to` with one audit event (detail, freed here); counted as counted() says. */
static int
moved(struct step *st, struct store_account *a, enum engine_state to, const char *event,
      char *detail, const char *why, int *n, struct sbx_err *err)
{
    int rc = eng_transition(st->e, a, to, event, detail, why, err);

    free(detail);
    return counted(rc, n, err);
}

/* Saves a's fields without an event; a lost race is not a failure. */
static int
save_row(struct step *st, struct store_account *a, struct sbx_err *err)
{
    return eng_save(st->e, a, NULL, NULL, err) == 0 ? 0 : tolerate_conflict(err);
}

/* --- creation ---------------------------------------------------------------------------- */

/*
 * The alias of a is taken by account_id, which is not a's (why says whose): the account is
 * reported (a warning and an alias_taken event) and never touched, and a new alias is used.
 */
static int
alias_taken(struct step *st, struct store_account *a, const char *account_id, const char *why,
            struct sbx_err *err)
{
    struct engine *e = st->e;
    char old[256], *detail = NULL;
    int rc;

    snprintf(old, sizeof(old), "%s", a->email);
    if (eng_regenerate_alias(e, a, err) != 0)
        return -1;
    log_warn("account %lld: alias '%s' is taken by account %s, which is not this row's: %s; "
             "not touched, trying '%s'",
             (long long)a->id, old, account_id, why, a->email);
    a->submitted = false;
    free(a->request_id);
    a->request_id = NULL;
    a->account_id[0] = '\0';
    a->due_at = st->now;
    detail = eng_detail("old_email", old, "new_email", a->email, "new_name", a->name,
                        "foreign_account_id", account_id, "why", why, NULL);
    if (a->state == ENGINE_S_REQUESTED)
        rc = eng_save(e, a, "alias_taken", detail, err);
    else
        rc = eng_transition(e, a, ENGINE_S_REQUESTED, "alias_taken", detail,
                            "the alias belongs to an account that is not this row's", err);
    free(detail);
    return rc == 0 ? 0 : tolerate_conflict(err);
}

/*
 * An account found for a by its unique name or email is adopted into the row only when its
 * identity tags say it is this store's and this row's (engine_identity.c). *ours says so;
 * otherwise the row has been handled (alias taken, or deferred when the tags could not be
 * read).
 */
static int
found_is_ours(struct step *st, struct store_account *a, const char *account_id, bool *ours,
              struct sbx_err *err)
{
    struct sbx_err aerr = { 0 };
    enum eng_owner who;
    char why[300];

    *ours = false;
    if (eng_account_identity(st->e, a, account_id, &who, why, sizeof(why), &aerr) != 0)
        return row_failed(st, a, "reconcile (ListTagsForResource)", &aerr, 30, err);
    if (who == ENG_OWNER_OURS) {
        *ours = true;
        return 0;
    }
    return alias_taken(st, a, account_id, why, err);
}

/* A request with a's unique name is still in progress: whose it is shows once it succeeds
 * (its account's tags), so look again later rather than take it now. */
static int
found_in_progress(struct step *st, struct store_account *a, const char *request_id,
                  struct sbx_err *err)
{
    char msg[200];

    snprintf(msg, sizeof(msg),
             "a CreateAccount request with this name (%s) is in progress; checking whose it is "
             "when it is done",
             request_id);
    if (eng_defer(st->e, a, 30, msg, err) != 0)
        return tolerate_conflict(err);
    return 0;
}

/* The row follows the CreateAccount request cs: its id, and its account once it succeeded. */
static int
take_request(struct store_account *a, const struct orgs_create_status *cs, struct sbx_err *err)
{
    if (store_set_str(&a->request_id, cs->id, err) != 0)
        return -1;
    if (strcmp(cs->state, "SUCCEEDED") == 0)
        snprintf(a->account_id, sizeof(a->account_id), "%s", cs->account_id);
    return 0;
}

/* The row goes on creating, due now, from what an earlier request left at AWS (detail says
 * what; freed here): moved there because of why, or only saved (why NULL) when a failure of
 * its own request led here and it is creating already. */
static int
reconciled(struct step *st, struct store_account *a, char *detail, const char *why,
           struct sbx_err *err)
{
    int rc;

    a->due_at = st->now;
    if (why != NULL)
        return moved(st, a, ENGINE_S_CREATING, "reconciled", detail, why, &st->r->reconciled, err);
    rc = eng_save(st->e, a, "reconciled", detail, err);
    free(detail);
    return counted(rc, &st->r->reconciled, err);
}

/* A request cs with a's unique name, one that did not fail: a's once its account's tags say so
 * (in progress: looked at again later), and the row goes on creating with it. reason: why a's
 * own request failed (NULL: none did); why: as for reconciled(). */
static int
adopt_request(struct step *st, struct store_account *a, const struct orgs_create_status *cs,
              const char *reason, const char *why, struct sbx_err *err)
{
    bool ours = true;

    if (strcmp(cs->state, "IN_PROGRESS") == 0)
        return found_in_progress(st, a, cs->id, err);
    if (strcmp(cs->state, "SUCCEEDED") == 0 &&
        found_is_ours(st, a, cs->account_id, &ours, err) != 0)
        return -1;
    if (!ours)
        return 0;
    if (take_request(a, cs, err) != 0)
        return -1;
    return reconciled(st, a,
                      eng_detail("request_id", cs->id, "state", cs->state, "failed_reason", reason,
                                 "source", "ListCreateAccountStatus", NULL),
                      why, err);
}

/* An account with a's unique email: a's once its tags say so, and the row goes on creating with
 * it. reason and why: as for adopt_request(). */
static int
adopt_account(struct step *st, struct store_account *a, const char *account_id, const char *reason,
              const char *why, struct sbx_err *err)
{
    bool ours = false;

    if (found_is_ours(st, a, account_id, &ours, err) != 0)
        return -1;
    if (!ours)
        return 0;
    snprintf(a->account_id, sizeof(a->account_id), "%s", account_id);
    return reconciled(st, a,
                      eng_detail("account_id", account_id, "failed_reason", reason, "source",
                                 "ListAccounts", NULL),
                      why, err);
}

/* After a crash or an ambiguous CreateAccount: is there already a request or an account for this
 * row? *handled when the row moved on. */
static int
reconcile_requested(struct step *st, struct store_account *a, bool *handled, struct sbx_err *err)
{
    struct engine *e = st->e;
    struct orgs_create_status cs;
    struct sbx_err aerr = { 0 };
    char account_id[13];
    bool found = false;

    *handled = true;
    if (eng_find_create_request(e, a, &cs, &found, &aerr) != 0)
        return row_failed(st, a, "reconcile (ListCreateAccountStatus)", &aerr, 30, err);
    if (found)
        return adopt_request(st, a, &cs, NULL, "found the CreateAccount request sent before", err);
    if (eng_find_account_by_email(e, a->email, account_id, &found, &aerr) != 0)
        return row_failed(st, a, "reconcile (ListAccounts)", &aerr, 30, err);
    if (found)
        return adopt_account(st, a, account_id, NULL, "found the account created before", err);
    *handled = false;
    return 0; /* nothing was created: safe to send */
}

static int
fail_creation(struct step *st, struct store_account *a, const char *why, struct sbx_err *err)
{
    if (store_set_str(&a->last_error, why, err) != 0)
        return -1;
    a->due_at = 0;
    return moved(st, a, ENGINE_S_FAILED, "create_failed", eng_detail("error", why, NULL), why,
                 &st->r->failed, err);
}

/* When a creation was sent, in engine time: AWS's RequestedTimestamp, kept within the row's
 * life (a request cannot precede its row nor follow now, whatever the two clocks say); 0 when
 * AWS did not give it. */
static double
request_sent(const struct store_account *a, const struct orgs_create_status *cs, int64_t now)
{
    if (cs->requested <= 0)
        return 0;
    return fmin(fmax(cs->requested, (double)a->created_at), (double)now);
}

static int
newest_submitted(void *arg, const struct store_audit_row *r)
{
    if (strcmp(r->event, "submitted") == 0)
        *(int64_t *)arg = r->ts;
    return 0;
}

/* When a's CreateAccount was sent (sent > 0: as AWS says); otherwise when the engine recorded
 * it as submitted, or, failing that, when the row was made. */
static int64_t
submitted_at(struct engine *e, const struct store_account *a, double sent)
{
    struct sbx_err err = { 0 };
    int64_t t = 0;

    if (sent > 0)
        return (int64_t)floor(sent);
    if (store_audit_list(e->store, a->id, 32, newest_submitted, &t, &err) != 0)
        log_debug("account %lld: submission time unknown: %s", (long long)a->id, err.msg);
    return t > 0 ? t : a->created_at;
}

static int
submit_one(struct step *st, struct store_account *a, struct sbx_err *err)
{
    struct engine *e = st->e;
    struct orgs_create_status cs = { 0 };
    struct sbx_err aerr = { 0 };
    char msg[600];
    bool handled;
    int rc = -1;

    if (a->submitted) {
        if (reconcile_requested(st, a, &handled, err) != 0)
            return -1;
        if (handled)
            return 0;
    }
    /* Intent first: if we crash after the call, the next pass reconciles instead of sending
     * a second CreateAccount. */
    a->submitted = true;
    a->attempts++;
    if (eng_save(e, a, NULL, NULL, err) != 0)
        return tolerate_conflict(err);
    st->r->did_work = true;
    if (eng_create_account(e, a, &cs, &aerr) == 0) {
        if (take_request(a, &cs, err) != 0)
            goto out;
        a->attempts = 0;
        /* First poll when it should be done (engine_poll.c). */
        a->due_at = eng_create_poll_due(
                e, cs.requested > 0 ? request_sent(a, &cs, st->now) : engine_now(e), st->now);
        if (store_set_str(&a->last_error, "", err) != 0)
            goto out;
        rc = moved(st, a, ENGINE_S_CREATING, "submitted", eng_detail("request_id", cs.id, NULL),
                   NULL, &st->r->submitted, err);
        goto out;
    }
    snprintf(msg, sizeof(msg), "CreateAccount: %s", aerr.msg);
    if (aerr.code != SBX_E_AWS) {
        a->submitted = false; /* nothing was sent (credentials, configuration) */
        rc = row_failed(st, a, "CreateAccount", &aerr, 60, err);
        goto out;
    }
    switch (aerr.aws) {
    case SBX_AWS_ACCOUNT_LIMIT:
        a->submitted = false;
        rc = fail_creation(st, a, msg, err);
        goto out;
    case SBX_AWS_CREATE_RATE:
        a->submitted = false;
        rc = row_failed(st, a, "CreateAccount", &aerr, 3600, err);
        goto out;
    case SBX_AWS_THROTTLED: {
        /* Throttling refused the call before it ran, so nothing was created. The client paces
         * below AWS's rate, yet two clocks a few milliseconds apart can still meet a throttle:
         * not an error of the pass, just another try at the next token. */
        double wait = orgs_pace_wait(e->orgs, ORGS_OP_CREATE_ACCOUNT);

        a->submitted = false;
        rc = eng_defer(e, a, wait > 1 ? (int64_t)ceil(wait) : 1, msg, err);
        if (rc != 0)
            rc = tolerate_conflict(err);
        goto out;
    }
    case SBX_AWS_CONCURRENT_MODIFICATION:
    case SBX_AWS_CONFLICT:
    case SBX_AWS_CONSTRAINT:
        /* Refused before it ran (including AWS's "another request is in progress" for a sixth
         * creation), so not created; may pass later. */
        a->submitted = false;
        if (a->attempts >= 20) {
            rc = fail_creation(st, a, msg, err);
            goto out;
        }
        rc = row_failed(st, a, "CreateAccount", &aerr, backoff(a->attempts, 30, 1800), err);
        goto out;
    case SBX_AWS_NETWORK:
        /* The client proves the request never left (no connection; see awscall.h). */
        a->submitted = false;
        rc = row_failed(st, a, "CreateAccount", &aerr, backoff(a->attempts, 10, 600), err);
        goto out;
    case SBX_AWS_TRANSIENT:
    case SBX_AWS_PROTOCOL:
    case SBX_AWS_OTHER:
        /* Ambiguous: it may have been created. Keep the intent; reconcile before resending. */
        rc = row_failed(st, a, "CreateAccount", &aerr, backoff(a->attempts, 10, 600), err);
        goto out;
    default:
        a->submitted = false;
        rc = fail_creation(st, a, msg, err);
        goto out;
    }
out:
    orgs_create_status_release(&cs);
    return rc;
}

/*
 * A CreateAccount request of ours FAILED. Two reasons can mean "another request of ours did
 * it": EMAIL_ALREADY_EXISTS (our alias is ours alone, so an account with it is one we created)
 * and CONCURRENT_ACCOUNT_MODIFICATION (a second request with the same details while the first
 * was in progress -- e.g. a transport that re-sent the POST after a dropped connection). Look
 * for that other request (by our unique name) and that account (by our unique email) before
 * concluding anything, so a duplicate never leaves the real account orphaned.
 */
static int
handle_create_failed(struct step *st, struct store_account *a, const char *reason,
                     struct sbx_err *err)
{
    struct engine *e = st->e;
    struct orgs_create_status cs;
    struct sbx_err aerr = { 0 };
    char account_id[13], old[256], msg[300], *detail = NULL;
    bool found = false, dup_email = strcmp(reason, "EMAIL_ALREADY_EXISTS") == 0;
    int rc;

    snprintf(msg, sizeof(msg), "CreateAccount failed: %s", reason);
    if (!dup_email && strcmp(reason, "CONCURRENT_ACCOUNT_MODIFICATION") != 0)
        return fail_creation(st, a, msg, err);
    if (eng_find_create_request(e, a, &cs, &found, &aerr) != 0)
        return row_failed(st, a, "ListCreateAccountStatus", &aerr, 30, err);
    if (found && strcmp(cs.state, "FAILED") != 0 &&
        (a->request_id == NULL || strcmp(cs.id, a->request_id) != 0))
        return adopt_request(st, a, &cs, reason, NULL, err);
    if (eng_find_account_by_email(e, a->email, account_id, &found, &aerr) != 0)
        return row_failed(st, a, "ListAccounts", &aerr, 30, err);
    if (found)
        return adopt_account(st, a, account_id, reason, NULL, err);
    snprintf(old, sizeof(old), "%s", a->email);
    if (dup_email && eng_regenerate_alias(e, a, err) != 0)
        return -1;
    /* A new request: nothing of ours exists at AWS (a concurrent duplicate that left nothing
     * behind is simply sent again). */
    a->submitted = false;
    free(a->request_id);
    a->request_id = NULL;
    a->due_at = st->now + (dup_email ? 0 : 30);
    detail = eng_detail("old_email", old, "new_email", a->email, "new_name", a->name,
                        "failed_reason", reason, NULL);
    rc = eng_transition(e, a, ENGINE_S_REQUESTED, dup_email ? "alias_regenerated" : "resubmit",
                        detail, dup_email ? "EMAIL_ALREADY_EXISTS: trying a new alias" : msg, err);
    free(detail);
    return rc == 0 ? 0 : tolerate_conflict(err);
}

/* A pool account created, in its pool OU and tagged (no owner): ready to hand out. Post-create
 * hooks run when it is handed over, for its owner. */
static int
park_in_pool(struct step *st, struct store_account *a, struct sbx_err *err)
{
    char *detail = eng_detail("account_id", a->account_id, NULL);
    int rc;

    a->attempts = 0;
    a->due_at = 0;
    a->expires_at = 0;
    if (a->close_pending) {
        /* asked to close while it was being created */
        a->close_pending = false;
        a->due_at = st->now;
    }
    rc = eng_transition(st->e, a, ENGINE_S_POOLED, "pooled", detail, "ready in the pool", err);
    free(detail);
    if (rc != 0)
        return tolerate_conflict(err);
    st->r->pooled++;
    if (a->due_at != 0) {
        detail = eng_detail("reason", a->reason, NULL);
        rc = eng_transition(st->e, a, ENGINE_S_EXPIRING, "close_requested", detail, a->reason, err);
        free(detail);
        if (rc != 0)
            return tolerate_conflict(err);
    }
    return 0;
}

/* --- owner access ------------------------------------------------------------------------ */

/* Owner access applies to a: configured, an owner's account (not the pool's), not closing. */
static bool
grants_access(const struct step *st, const struct store_account *a)
{
    return st->e->cfg->access.enabled && !eng_is_pool(a) && !a->close_pending;
}

/* Whether a's grant has begun (so its placement and tags are done: the grant follows them). */
static int
grant_begun(struct step *st, const struct store_account *a, bool *begun, struct sbx_err *err)
{
    struct store_assignment *v = NULL;
    size_t n = 0;

    *begun = false;
    if (!grants_access(st, a))
        return 0;
    if (store_assignment_list(st->e->store, a->id, &v, &n, err) != 0)
        return -1;
    *begun = n > 0;
    store_assignments_free(v, n);
    return 0;
}

/* What one step of a grant or a revocation (p) did, in the step's report. */
static void
access_progress(struct step *st, const struct eng_access_progress *p)
{
    if (p->worked)
        st->r->did_work = true;
    if (p->paced > 0)
        paced_until(st, p->paced);
}

/* One step of the owner's grant; *ready once the owner can sign in (or access does not apply),
 * else the row waits (due when the assignment is next looked at). */
static int
grant_step(struct step *st, struct store_account *a, bool *ready, struct sbx_err *err)
{
    struct eng_access_progress p;

    *ready = true;
    if (!grants_access(st, a))
        return 0;
    if (eng_access_grant(st->e, a, &p, err) != 0)
        return -1;
    access_progress(st, &p);
    if (p.done)
        return 0;
    *ready = false;
    if (p.failed) {
        struct sbx_err why = { 0 };

        sbx_err_set(&why, SBX_E_AWS, "%s", p.why);
        note_error(st, a, "granting access", &why);
    } else if (p.why[0] != '\0') {
        log_info("account %lld %s: granting access waits: %s", (long long)a->id, a->account_id,
                 p.why);
    }
    a->due_at = p.next > 0 ? p.next : st->now + 60;
    if (strcmp(p.why, a->last_error) != 0 && store_set_str(&a->last_error, p.why, err) != 0)
        return -1;
    return save_row(st, a, err);
}

/* One step of deleting a's assignments once revocation began; *done when none remains. */
static int
revoke_step(struct step *st, struct store_account *a, bool *done, int64_t *next,
            struct sbx_err *err)
{
    struct eng_access_progress p;

    if (eng_access_revoke(st->e, a, &p, err) != 0)
        return -1;
    access_progress(st, &p);
    *done = p.done;
    *next = p.next > 0 ? p.next : st->now + 60;
    if (p.failed) {
        st->r->errors++;
        log_warn("account %lld %s: revoking access: %s", (long long)a->id, a->account_id, p.why);
    } else if (p.why[0] != '\0') {
        log_info("account %lld %s: revoking access waits: %s", (long long)a->id, a->account_id,
                 p.why);
    }
    return 0;
}

/* Revocations not tied to a nuke (an offboarding while the account cannot close yet, a
 * freeze): up to 50 accounts whose deletions are due, each claimed while it is worked on. */
static int
revoke_pass(struct step *st, struct sbx_err *err)
{
    struct engine *e = st->e;
    int64_t *ids = NULL, next;
    size_t n = 0;
    int rc = -1;

    if (store_assignment_due_accounts(e->store, st->now, 50, &ids, &n, err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct store_account a;
        bool got = false, done;
        int r;

        if (eng_claim_id(e, ids[i], ENGINE_CLAIM_AWS, &a, &got, err) != 0)
            goto out;
        r = got ? revoke_step(st, &a, &done, &next, err) : 0;
        if (got)
            eng_unclaim(e, &a);
        store_account_release(&a);
        if (r != 0)
            goto out;
    }
    rc = 0;
out:
    free(ids);
    return rc;
}

/* Moves a created account into its OU, tags it, grants its owner access, runs post-create
 * hooks, activates it. */
static int
provision(struct step *st, struct store_account *a, struct sbx_err *err)
{
    struct engine *e = st->e;
    const struct cfg_kind *k = eng_kind(e, a->kind);
    struct sbx_err aerr = { 0 };
    char msg[1][256], *detail = NULL;
    bool blocked = false, ok[1], got, begun, ready, again;
    struct store_account *one[1] = { a };
    int rc;

    if (a->active_at == 0 && a->ttl > 0)
        a->expires_at = st->now + a->ttl; /* the lifetime counts from activation */
    if (grant_begun(st, a, &begun, err) != 0)
        return -1;
    begun = begun || a->adopted; /* adopt placed and tagged it (or kept its OU) */
    if (!begun && eng_place_account(e, a, &blocked, &aerr) != 0)
        return row_failed(st, a, "placing the account in its OU", &aerr,
                          backoff(a->attempts++, 10, 600), err);
    if (!begun && !blocked && eng_tag_account(e, a, &blocked, &aerr) != 0)
        return row_failed(st, a, "tagging the account", &aerr, backoff(a->attempts++, 10, 600),
                          err);
    if (blocked) {
        paced(st, ORGS_OP_MOVE_ACCOUNT);
        a->due_at = (int64_t)ceil(st->r->pace_due);
        if (eng_save(e, a, NULL, NULL, err) != 0)
            return tolerate_conflict(err);
        return 0;
    }
    st->r->did_work = true;
    if (eng_is_pool(a))
        return park_in_pool(st, a, err);
    /* The owner can sign in before the account is active and its post-create hooks run. */
    if (grant_step(st, a, &ready, err) != 0)
        return -1;
    if (!ready)
        return 0;
    /* Post-create hooks run once for an account sandboxctl created: not when an account
     * active before (unfrozen) comes back, nor for an adopted one. */
    if (!a->close_pending && a->active_at == 0 && !a->adopted && k->hooks[CFG_HOOK_POST_CREATE]) {
        if (eng_claim(e, a, eng_hook_claim_secs(e), &got, err) != 0)
            return -1;
        if (a->active_at == 0 && a->ttl > 0)
            a->expires_at = st->now + a->ttl; /* eng_claim re-read the row */
        if (eng_run_hooks(e, CFG_HOOK_POST_CREATE, one, 1, NULL, ok, msg, err) != 0)
            return -1;
        if (!ok[0]) {
            /* Post-create hooks inform; they do not hold the account back. */
            detail = eng_detail("event", "post-create", "error", msg[0], NULL);
            if (store_set_str(&a->last_error, msg[0], err) != 0 ||
                store_audit_append(e->store, a,
                                   &(struct store_audit_ev){ st->now, e->actor, "hook_failed", NULL,
                                                             NULL, detail },
                                   err) != 0) {
                free(detail);
                return -1;
            }
            free(detail);
            detail = NULL;
            st->r->errors++;
        } else if (store_set_str(&a->last_error, "", err) != 0) {
            return -1;
        }
    }
    again = a->active_at != 0;
    if (!again)
        a->active_at = st->now;
    a->attempts = 0;
    a->due_at = eng_active_due(k, a);
    detail = eng_detail("account_id", a->account_id, NULL);
    rc = eng_transition(e, a, ENGINE_S_ACTIVE, again ? "reactivated" : "activated", detail,
                        again ? "the owner's access is granted again" : NULL, err);
    free(detail);
    if (rc != 0)
        return tolerate_conflict(err);
    st->r->activated++;
    if (a->close_pending) {
        /* Asked to close while it was being created (offboard, close). */
        a->close_pending = false;
        a->due_at = st->now;
        detail = eng_detail("reason", a->reason, NULL);
        rc = eng_transition(e, a, ENGINE_S_EXPIRING, "close_requested", detail, a->reason, err);
        free(detail);
        if (rc != 0)
            return tolerate_conflict(err);
    }
    return 0;
}

static int
poll_creation(struct step *st, struct store_account *a, struct sbx_err *err)
{
    struct engine *e = st->e;
    struct orgs_create_status cs = { 0 };
    struct sbx_err aerr = { 0 };
    char *detail = NULL, age[32];
    int rc = 0;

    if (a->request_id == NULL) {
        bool handled = false;

        /* Only reconciliation leaves a creating row without a request id but with an account
         * id; without either, look again. */
        if (reconcile_requested(st, a, &handled, err) != 0)
            return -1;
        if (!handled) {
            sbx_err_set(&aerr, SBX_E_FAILURE, "no CreateAccount request or account found");
            return row_failed(st, a, "reconcile", &aerr, 60, err);
        }
        return 0;
    }
    st->r->did_work = true;
    if (orgs_describe_create_account_status(e->orgs, a->request_id, &cs, &aerr) != 0)
        return row_failed(st, a, "DescribeCreateAccountStatus", &aerr,
                          backoff(a->attempts++, 5, 300), err);
    if (strcmp(cs.state, "SUCCEEDED") == 0) {
        if (cs.requested > 0 && cs.completed >= cs.requested)
            eng_learn_create_latency(e, cs.completed - cs.requested);
        snprintf(a->account_id, sizeof(a->account_id), "%s", cs.account_id);
        detail = eng_detail("account_id", cs.account_id, "request_id", cs.id, NULL);
        rc = eng_save(e, a, "created", detail, err);
        if (rc != 0)
            rc = tolerate_conflict(err);
        else
            rc = provision(st, a, err);
    } else if (strcmp(cs.state, "FAILED") == 0) {
        rc = handle_create_failed(st, a, cs.failure_reason, err);
    } else {
        double sent = request_sent(a, &cs, st->now);
        int64_t stuck = e->cfg->limits.create_stuck;
        /* Stuck counts from the CreateAccount call, not from the row: a request that waited
         * for a creation slot (a class's later seats) is not late when it has just been sent.
         * The row's age bounds it, so the submission time is looked up only when it may be. */
        int64_t since = stuck > 0 && a->last_error[0] == '\0' && st->now - a->created_at > stuck
                                ? submitted_at(e, a, sent)
                                : st->now;

        a->due_at = eng_create_poll_due(e, sent, st->now);
        if (stuck > 0 && st->now - since > stuck) {
            char msg[128];

            snprintf(msg, sizeof(msg), "CreateAccount still in progress after %s",
                     duration_format(st->now - since, age, sizeof(age)));
            if (store_set_str(&a->last_error, msg, err) != 0) {
                orgs_create_status_release(&cs);
                return -1;
            }
            log_warn("account %lld: %s", (long long)a->id, msg);
        }
        if (eng_save(e, a, NULL, NULL, err) != 0)
            rc = tolerate_conflict(err);
    }
    free(detail);
    orgs_create_status_release(&cs);
    return rc;
}

/* --- active: warnings and expiry ------------------------------------------------------------ */

static int
warn_one(struct step *st, struct store_account *a, int64_t offset, struct sbx_err *err)
{
    struct engine *e = st->e;
    const struct cfg_kind *k = eng_kind(e, a->kind);
    char off[32], skipped[256] = "", msg[1][256], *detail = NULL;
    struct store_account *one[1] = { a };
    size_t o = 0;
    bool ok[1];
    int rc;

    duration_format(offset, off, sizeof(off));
    for (int i = 0; i < k->nwarn; i++) {
        char b[32];

        if (k->warn[i] > offset && (a->warned_min == 0 || k->warn[i] < a->warned_min) &&
            o < sizeof(skipped)) {
            int w = snprintf(skipped + o, sizeof(skipped) - o, "%s%s", o > 0 ? "," : "",
                             duration_format(k->warn[i], b, sizeof(b)));

            if (w > 0)
                o += (size_t)w;
        }
    }
    if (eng_run_hooks(e, CFG_HOOK_EXPIRY_WARNING, one, 1, off, ok, msg, err) != 0)
        return -1;
    st->r->did_work = true;
    a->warned_min = offset;
    a->due_at = eng_active_due(k, a);
    detail = eng_detail("offset", off, "skipped", o > 0 ? skipped : NULL, "hook_error",
                        ok[0] ? NULL : msg[0], NULL);
    rc = eng_save(e, a, "warned", detail, err);
    free(detail);
    if (rc != 0)
        return tolerate_conflict(err);
    st->r->warned++;
    if (!ok[0])
        st->r->errors++;
    return 0;
}

/* --- nuke ------------------------------------------------------------------------------------- */

/* Drift: AWS already has this open account closed, or it left the organization. */
static int
drift(struct step *st, struct store_account *a, const struct orgs_account *live, bool vanished,
      struct sbx_err *err)
{
    int rc = eng_drift_mark(st->e, a, live, vanished, err);

    if (rc == 0 && vanished)
        st->r->gone++;
    else if (rc == 0)
        st->r->closed++;
    st->r->did_work = true;
    return rc == 0 ? 0 : tolerate_conflict(err);
}

/* The destructive step `what` is refused for why: a is protected, due again at due (0: only
 * after `retry`). */
static int
refuse(struct step *st, struct store_account *a, const char *what, const char *why, int64_t due,
       struct sbx_err *err)
{
    if (store_set_str(&a->last_error, why, err) != 0)
        return -1;
    a->due_at = due;
    return moved(st, a, ENGINE_S_PROTECTED, "close_refused",
                 eng_detail("step", what, "why", why, NULL), why, &st->r->refused, err);
}

/* Repurposed (moved, retagged): not nuked, not closed; looked at again later (phase
 * protected), closes normally once it is back. */
static int
refuse_drifted(struct step *st, struct store_account *a, const char *what, const char *why,
               struct sbx_err *err)
{
    return refuse(st, a, what, why, st->now + eng_drift_recheck(st->e), err);
}

static bool
live_pending(const struct orgs_account *live)
{
    return strcmp(live->state, "PENDING_CLOSURE") == 0 ||
           (live->state[0] == '\0' && strcmp(live->status, "PENDING_CLOSURE") == 0);
}

/*
 * Checks protection and the live account right before a destructive step. *go is true when the
 * step may proceed; otherwise the row has been moved (protected, gone, suspended) or deferred.
 */
static int
guard(struct step *st, struct store_account *a, const char *what, bool *go, bool *pending,
      struct sbx_err *err)
{
    struct engine *e = st->e;
    struct orgs_account live = { 0 };
    struct sbx_err aerr = { 0 };
    char why[400];
    bool prot = false;
    int rc = 0;

    *go = false;
    if (pending != NULL)
        *pending = false;
    st->r->did_work = true;
    if (eng_protection_live(e, a, &prot, why, sizeof(why), &live, &aerr) != 0) {
        if (aerr.code == SBX_E_AWS && aerr.aws == SBX_AWS_NOT_FOUND)
            rc = drift(st, a, &live, true, err);
        else
            rc = row_failed(st, a, what, &aerr, backoff(a->attempts, 30, 3600), err);
        goto out;
    }
    if (prot) {
        rc = refuse(st, a, what, why, 0, err);
        goto out;
    }
    if (live.id[0] != '\0' && orgs_account_is_closed(&live)) {
        if (live_pending(&live) && pending != NULL) {
            *pending = true; /* closing already (outside sandboxctl, or our lost response) */
            *go = true;
            goto out;
        }
        rc = drift(st, a, &live, false, err);
        goto out;
    }
    if (eng_drift_check(e, a, &prot, why, sizeof(why), &aerr) != 0) {
        rc = row_failed(st, a, what, &aerr, backoff(a->attempts, 30, 3600), err);
        goto out;
    }
    if (prot) {
        rc = refuse_drifted(st, a, what, why, err);
        goto out;
    }
    *go = true;
out:
    orgs_account_release(&live);
    return rc;
}

/* --- the wait OU -------------------------------------------------------------------------
 *
 * Accounts that wait for a close slot (close_wait) are moved to organization.close_wait_ou, a
 * locked-down OU, so a queued account is not usable meanwhile. The phase after sending closures
 * moves every waiting account not yet parked, as MoveAccount's and ListParents' pacing allow
 * (the rest wait for a later step), and marks the row parked in the store: a new process knows
 * which are left, and a parked account costs no call again. An account is moved only from one
 * of its homes (eng_move_from_home): one someone moved elsewhere while it waited is refused
 * as drifted, as the close would refuse it, not fetched back to be closed. Closing never
 * depends on the move: with a close slot free, the account closes wherever it is (its kind's
 * OU is a home the close's drift check accepts), so an account that gets a slot in the step
 * that nuked it is not moved.
 */

#define PARK_FAILED "cannot move it to the wait OU"
#define PARK_RETRY  300 /* a failed move is tried again at the next step, at the latest then */

static const char *
wait_ou(const struct engine *e)
{
    const char *ou = e->cfg->org.close_wait_ou;

    return ou != NULL && *ou != '\0' ? ou : NULL;
}

/* Nothing to do without a wait OU (the step brought the flags up to it: eng_wait_ou_sync). */
static int
park_batch(struct step *st, int *limit, struct sbx_err *err)
{
    (void)err;
    *limit = wait_ou(st->e) != NULL ? 50 : 0;
    return 0;
}

static int
park_rows(struct step *st, int limit, struct store_account **rows, size_t *n, struct sbx_err *err)
{
    return store_account_unparked(st->e->store, st->scope, limit, rows, n, err);
}

/* A move needs MoveAccount's token too (ListParents' is the phase's): without it the row waits,
 * unclaimed, for a later step. */
static bool
park_ready(struct step *st, const struct store_account *a)
{
    (void)a;
    if (orgs_pace_wait(st->e->orgs, ORGS_OP_MOVE_ACCOUNT) <= 0)
        return true;
    paced(st, ORGS_OP_MOVE_ACCOUNT);
    return false;
}

/* A failed move: logged and kept in last_error once per reason, not at every step's retry. */
static int
park_failed(struct step *st, struct store_account *a, const struct sbx_err *aerr,
            struct sbx_err *err)
{
    char msg[600];

    want(st, (double)(st->now + PARK_RETRY));
    snprintf(msg, sizeof(msg), PARK_FAILED " '%s': %s", wait_ou(st->e), aerr->msg);
    if (strcmp(a->last_error, msg) == 0)
        return 0;
    log_warn("account %lld %s: %s; it waits where it is, tried again later", (long long)a->id,
             a->account_id, msg);
    if (store_set_str(&a->last_error, msg, err) != 0)
        return -1;
    return save_row(st, a, err);
}

static int
park_act(struct step *st, struct store_account *a, struct sbx_err *err)
{
    struct engine *e = st->e;
    const char *ou = wait_ou(e);
    struct sbx_err aerr = { 0 };
    char *detail, why[400];
    bool blocked = false;
    int rc;

    if (a->parked || ou == NULL)
        return 0;
    if (eng_move_from_home(e, a, ou, &blocked, why, sizeof(why), &aerr) != 0)
        return park_failed(st, a, &aerr, err);
    if (why[0] != '\0') /* someone moved it meanwhile: not fetched back to be closed */
        return refuse_drifted(st, a, "move to the wait OU", why, err);
    if (blocked) {
        paced(st, orgs_pace_wait(e->orgs, ORGS_OP_LIST_PARENTS) > 0 ? ORGS_OP_LIST_PARENTS
                                                                    : ORGS_OP_MOVE_ACCOUNT);
        return 0;
    }
    a->parked = true;
    if (strncmp(a->last_error, PARK_FAILED, strlen(PARK_FAILED)) == 0 &&
        store_set_str(&a->last_error, "", err) != 0)
        return -1;
    detail = eng_detail("ou", ou, NULL);
    rc = eng_save(e, a, "parked", detail, err);
    free(detail);
    if (rc != 0)
        return tolerate_conflict(err);
    st->r->did_work = true;
    return 0;
}

/* --- close --------------------------------------------------------------------------------------
 */

/*
 * When to look at a closure next. Every poll is a DescribeAccount, a claim, a save and an
 * engine step, and a closure takes minutes, so once closures have been seen (meta
 * close_latency_min, the shortest) the first poll waits for most of that; after that, and
 * before anything is learned, every ENGINE_POLL_CLOSE seconds. Polling no sooner than needed
 * keeps a long wait (a class's 60 closures) from costing thousands of steps.
 */
#define CLOSE_LATENCY_MIN "close_latency_min"

static int64_t
close_poll_due(struct step *st, const struct store_account *a)
{
    struct sbx_err ignored = { 0 };
    int64_t est = -1, expected;

    if (store_meta_get_int(st->e->store, CLOSE_LATENCY_MIN, -1, &est, &ignored) != 0 || est <= 0)
        return st->now + ENGINE_POLL_CLOSE;
    expected = (a->close_requested_at > 0 ? a->close_requested_at : st->now) + est * 4 / 5;
    return expected > st->now + ENGINE_POLL_CLOSE ? expected : st->now + ENGINE_POLL_CLOSE;
}

/* AWS did not take a's closure (why): the ledger row goes and the row leaves closing, for
 * now (back to close_wait, due at due) or, refused, for good (close_failed, with the
 * close-failed event queued in the same transaction). The reason stays. */
static int
leave_closing(struct step *st, struct store_account *a, bool refused, const char *why, int64_t due,
              struct sbx_err *err)
{
    struct engine *e = st->e;
    char *detail = eng_detail(refused ? "error" : "why", why, NULL), key[32];
    int rc = -1;

    if (store_begin(e->store, err) != 0)
        goto out;
    a->close_requested_at = 0;
    a->close_sent = false;
    a->due_at = due;
    /* The event's key: the row's version this change writes, unique per refusal. */
    snprintf(key, sizeof(key), "v%lld", (long long)a->version + 1);
    if (store_set_str(&a->last_error, why, err) != 0 ||
        store_ledger_remove(e->store, a->account_id, err) != 0 ||
        (refused && eng_event_queue(e, CFG_HOOK_CLOSE_FAILED, a, key, why, err) != 0) ||
        eng_transition(e, a, refused ? ENGINE_S_CLOSE_FAILED : ENGINE_S_CLOSE_WAIT,
                       refused ? "close_failed" : "close_deferred", detail, why, err) != 0 ||
        store_commit(e->store, err) != 0) {
        store_rollback(e->store);
        rc = tolerate_conflict(err);
        goto out;
    }
    if (!refused)
        st->r->deferred++;
    rc = 0;
out:
    free(detail);
    return rc;
}

/* closing -> close_wait: AWS did not take the closure now; sent again when due. */
static int
revert_close(struct step *st, struct store_account *a, const char *why, int64_t due,
             struct sbx_err *err)
{
    return leave_closing(st, a, false, why, due, err);
}

/* closing -> close_failed: AWS refused the closure. */
static int
close_failed(struct step *st, struct store_account *a, const char *why, struct sbx_err *err)
{
    return leave_closing(st, a, true, why, 0, err);
}

/* AWS said the close quota is used up: remember until when (the window's oldest closure ages
 * out; with no local record of it, back off a day) and at what count. */
static int
learn_quota(struct step *st, struct sbx_err *err)
{
    struct engine *e = st->e;
    int64_t *ledger = NULL, nb;
    size_t n = 0;

    if (store_ledger_since(e->store, st->now - QUOTA_WINDOW, &ledger, &n, err) != 0)
        return -1;
    nb = n > 0 ? ledger[0] + QUOTA_WINDOW : st->now + 86400;
    if (nb <= st->now)
        nb = st->now + 3600;
    free(ledger);
    if (store_meta_set_int(e->store, "quota_not_before", nb, err) != 0 ||
        store_meta_set_int(e->store, "quota_learned", (int64_t)n, err) != 0 ||
        store_meta_set_int(e->store, "quota_learned_at", st->now, err) != 0)
        return -1;
    want(st, (double)nb);
    return 0;
}

/* The outcome of a CloseAccount call for a row in closing (intent recorded). */
static int
after_close_call(struct step *st, struct store_account *a, int call_rc, const struct sbx_err *aerr,
                 struct sbx_err *err)
{
    struct engine *e = st->e;
    char msg[600], *detail = NULL;
    int rc;

    if (call_rc == 0 || (aerr->code == SBX_E_AWS &&
                         (aerr->aws == SBX_AWS_ALREADY_CLOSED || aerr->aws == SBX_AWS_CONFLICT))) {
        a->close_sent = true;
        a->due_at = close_poll_due(st, a);
        if (store_set_str(&a->last_error, "", err) != 0)
            return -1;
        detail = call_rc == 0 ? NULL : eng_detail("note", aerr->msg, NULL);
        rc = eng_save(e, a, "close_sent", detail, err);
        free(detail);
        if (rc != 0)
            return tolerate_conflict(err);
        st->r->close_sent++;
        return 0;
    }
    snprintf(msg, sizeof(msg), "CloseAccount: %s", aerr->msg);
    if (aerr->code != SBX_E_AWS)
        return revert_close(st, a, msg, st->now + 60, err);
    switch (aerr->aws) {
    case SBX_AWS_CLOSE_QUOTA:
        /* Revert first so the ledger no longer holds this account when we learn from it. */
        if (revert_close(st, a, msg, st->now + 60, err) != 0)
            return -1;
        return learn_quota(st, err);
    case SBX_AWS_CLOSE_IN_FLIGHT:
        if (store_meta_set_int(e->store, "close_in_flight_until", st->now + 60, err) != 0)
            return -1;
        return revert_close(st, a, msg, st->now + 60, err);
    case SBX_AWS_CANNOT_CLOSE_MGMT:
        if (store_ledger_remove(e->store, a->account_id, err) != 0 ||
            store_set_str(&a->last_error, msg, err) != 0)
            return -1;
        a->due_at = 0;
        return moved(st, a, ENGINE_S_PROTECTED, "close_refused", eng_detail("why", msg, NULL), msg,
                     &st->r->refused, err);
    case SBX_AWS_NOT_FOUND:
        a->due_at = 0;
        return moved(st, a, ENGINE_S_GONE, "vanished", eng_detail("why", msg, NULL), msg,
                     &st->r->gone, err);
    case SBX_AWS_THROTTLED:
        /* Throttling refuses a call before it runs: not closed, back in line shortly. */
        return revert_close(st, a, msg, st->now + 30, err);
    case SBX_AWS_NETWORK:
        /* The client proves the request never left (no connection; see awscall.h). */
        note_error(st, a, "CloseAccount", aerr);
        return revert_close(st, a, msg, st->now + 30, err);
    case SBX_AWS_TRANSIENT:
    case SBX_AWS_PROTOCOL:
    case SBX_AWS_OTHER:
        /* Ambiguous: maybe closed. Keep the intent; DescribeAccount decides next time. */
        return row_failed(st, a, "CloseAccount", aerr, 30, err);
    default:
        /* Refused for a reason no wait cures (access denied, a refused request): not queued
         * behind the operator's back, but a failure they see. */
        note_error(st, a, "CloseAccount", aerr);
        return close_failed(st, a, msg, err);
    }
}

static int
close_one(struct step *st, struct store_account *a, struct sbx_err *err)
{
    struct engine *e = st->e;
    struct sbx_err aerr = { 0 };
    bool go, pending;
    int call_rc;

    if (guard(st, a, "close", &go, &pending, err) != 0)
        return -1;
    if (!go)
        return 0;
    /* Intent: the closing state and its ledger row are written before the call. */
    if (store_begin(e->store, err) != 0)
        return -1;
    a->close_requested_at = st->now;
    a->close_sent = pending;
    a->due_at = close_poll_due(st, a);
    if (store_ledger_add(e->store, a->account_id, st->now, pending ? "observed" : "engine", err) !=
                0 ||
        eng_transition(e, a, ENGINE_S_CLOSING, pending ? "already_closing" : "close_started", NULL,
                       NULL, err) != 0 ||
        store_commit(e->store, err) != 0) {
        store_rollback(e->store);
        return tolerate_conflict(err);
    }
    if (pending)
        return 0;
    call_rc = eng_close_account(e, a->account_id, &aerr);
    return after_close_call(st, a, call_rc, &aerr, err);
}

/* Keeps a running estimate of how long closures stay pending (for `quota`'s forecast). */
static void
learn_latency(struct step *st, const struct store_account *a)
{
    struct sbx_err ignored = { 0 };
    int64_t est = ENGINE_CLOSE_LATENCY_DEFAULT, took;

    if (a->close_requested_at <= 0 || st->now <= a->close_requested_at)
        return;
    took = st->now - a->close_requested_at;
    if (store_meta_get_int(st->e->store, "close_latency", ENGINE_CLOSE_LATENCY_DEFAULT, &est,
                           &ignored) != 0)
        return;
    est = (est * 3 + took) / 4;
    if (store_meta_set_int(st->e->store, "close_latency", est, &ignored) != 0)
        log_debug("cannot record close latency: %s", ignored.msg);
    /* The shortest closure seen bounds when the next one can be done: polls wait for that.
     * An observation is late by however long nobody looked (a cron `run`, a test's jump of
     * the clock), so only one made within two poll intervals of the previous look counts. */
    if (st->now - a->updated_at > 2 * ENGINE_POLL_CLOSE)
        return;
    if (store_meta_get_int(st->e->store, CLOSE_LATENCY_MIN, -1, &est, &ignored) == 0 &&
        (est <= 0 || took < est) &&
        store_meta_set_int(st->e->store, CLOSE_LATENCY_MIN, took, &ignored) != 0)
        log_debug("cannot record close latency: %s", ignored.msg);
}

/* DescribeAccount does not know the account any more: it left the organization (-> gone). */
static int
left_organization(struct step *st, struct store_account *a, struct sbx_err *err)
{
    a->due_at = 0;
    return moved(st, a, ENGINE_S_GONE, "left_organization", NULL, NULL, &st->r->gone, err);
}

static int
poll_closing(struct step *st, struct store_account *a, struct sbx_err *err)
{
    struct engine *e = st->e;
    const struct cfg_kind *k = eng_kind(e, a->kind);
    struct orgs_account live = { 0 };
    struct sbx_err aerr = { 0 };
    int rc = 0;

    st->r->did_work = true;
    if (orgs_describe_account(e->orgs, a->account_id, &live, &aerr) != 0) {
        if (aerr.code == SBX_E_AWS && aerr.aws == SBX_AWS_NOT_FOUND)
            return left_organization(st, a, err);
        return row_failed(st, a, "DescribeAccount", &aerr, backoff(a->attempts++, 10, 600), err);
    }
    if (orgs_account_is_closed(&live) && !live_pending(&live)) {
        if (store_ledger_add(e->store, a->account_id,
                             a->close_requested_at > 0 ? a->close_requested_at : st->now, "engine",
                             err) != 0)
            goto fail;
        learn_latency(st, a);
        a->close_sent = true;
        a->closed_at = st->now;
        a->attempts = 0;
        a->post_close_pending = k->hooks[CFG_HOOK_POST_CLOSE] &&
                                hook_event_has_hooks(&e->cfg->hooks, CFG_HOOK_POST_CLOSE);
        a->due_at = a->post_close_pending ? st->now : st->now + ENGINE_AFTERLIFE;
        if (store_set_str(&a->last_error, "", err) != 0)
            goto fail;
        rc = moved(st, a, ENGINE_S_SUSPENDED, "closed",
                   eng_detail("state", live.state[0] != '\0' ? live.state : live.status, NULL),
                   NULL, &st->r->closed, err);
    } else if (live_pending(&live)) {
        a->due_at = close_poll_due(st, a);
        if (!a->close_sent) {
            a->close_sent = true; /* our call went through although its answer was lost */
            rc = eng_save(e, a, "close_confirmed", NULL, err);
            if (rc == 0)
                st->r->reconciled++;
        } else {
            rc = eng_save(e, a, NULL, NULL, err);
        }
        if (rc != 0)
            rc = tolerate_conflict(err);
    } else if (!a->close_sent) {
        /* Still ACTIVE and our call is not known to have happened (crash between the intent
         * and the call, or an ambiguous error): send it now. */
        if (orgs_pace_wait(e->orgs, ORGS_OP_CLOSE_ACCOUNT) > 0) {
            paced(st, ORGS_OP_CLOSE_ACCOUNT);
            a->due_at = (int64_t)ceil(st->r->pace_due);
            rc = save_row(st, a, err);
        } else {
            char why[512];
            bool drifted = false;

            /* Right before CloseAccount: still where sandboxctl put it, still tagged as ours. */
            if (eng_drift_check(e, a, &drifted, why, sizeof(why), &aerr) != 0) {
                rc = row_failed(st, a, "close", &aerr, 30, err);
            } else if (drifted) {
                if (store_ledger_remove(e->store, a->account_id, err) != 0)
                    goto fail;
                a->close_requested_at = 0;
                rc = refuse_drifted(st, a, "close", why, err);
            } else {
                int call_rc = eng_close_account(e, a->account_id, &aerr);

                rc = after_close_call(st, a, call_rc, &aerr, err);
            }
        }
    } else {
        /* AWS accepted the call but does not show the closure yet. Never send it again. */
        a->due_at = st->now + ENGINE_POLL_CLOSE;
        if (st->now - a->close_requested_at > 3600 && a->last_error[0] == '\0' &&
            store_set_str(&a->last_error, "CloseAccount accepted but AWS still shows ACTIVE",
                          err) != 0)
            goto fail;
        rc = save_row(st, a, err);
    }
    orgs_account_release(&live);
    return rc;
fail:
    orgs_account_release(&live);
    return -1;
}

/* --- after closure ------------------------------------------------------------------------------
 */

static int
suspended_one(struct step *st, struct store_account *a, struct sbx_err *err)
{
    struct engine *e = st->e;
    struct orgs_account live = { 0 };
    struct sbx_err aerr = { 0 };
    struct store_account *one[1] = { a };
    char msg[1][256], *detail = NULL;
    bool ok[1];
    int rc;

    st->r->did_work = true;
    if (a->post_close_pending) {
        if (eng_run_hooks(e, CFG_HOOK_POST_CLOSE, one, 1, NULL, ok, msg, err) != 0)
            return -1;
        a->post_close_pending = false;
        a->due_at = (a->closed_at > 0 ? a->closed_at : st->now) + ENGINE_AFTERLIFE;
        detail = eng_detail("event", "post-close", "error", ok[0] ? NULL : msg[0], NULL);
        rc = eng_save(e, a, ok[0] ? "post_close_hooks" : "hook_failed", detail, err);
        free(detail);
        if (!ok[0])
            st->r->errors++;
        return rc == 0 ? 0 : tolerate_conflict(err);
    }
    if (orgs_describe_account(e->orgs, a->account_id, &live, &aerr) != 0) {
        if (aerr.code == SBX_E_AWS && aerr.aws == SBX_AWS_NOT_FOUND)
            return left_organization(st, a, err);
        return row_failed(st, a, "DescribeAccount", &aerr, 3600, err);
    }
    orgs_account_release(&live);
    a->due_at = st->now + 86400; /* still visible: AWS removes it a little later */
    return save_row(st, a, err);
}

/* --- the phases -------------------------------------------------------------------------------
 *
 * What differs between the lifecycle's phases is data: the state they work on, how many rows a
 * step takes (fixed, or worked out from slots and quotas), which AWS operation paces them and
 * whether a paced row ends the phase or only skips that row, how long a claim must last, and
 * the per-row action. The driver below holds what does not differ, above all the crash-safety
 * rule: a row is claimed before any side effect and its state re-checked after claiming.
 */

/* Submission: AWS's in-progress limit is per organization, so the batch is what the creations
 * in progress (every one, not just the scope's) leave free. */
static int
submit_batch(struct step *st, int *limit, struct sbx_err *err)
{
    const struct cfg_limits *l = &st->e->cfg->limits;
    int64_t inprog = 0, cap = l->create_in_progress;

    *limit = 0;
    if (store_account_count_unassigned(st->e->store, ENGINE_S_CREATING, &inprog, err) != 0)
        return -1;
    if (inprog >= cap) {
        int64_t due = 0;

        /* Polling the creations in progress frees slots. */
        if (store_account_next_due(st->e->store, ENGINE_S_REQUESTED, st->scope, &due, err) != 0)
            return -1;
        st->slots_blocked = due > 0 && due <= st->now;
        return 0;
    }
    *limit = (int)(cap - inprog);
    return 0;
}

static void
submit_dry(struct step *st, const struct store_account *a)
{
    (void)a;
    st->r->submitted++;
}

static bool
creating_paces(const struct store_account *a)
{
    return a->account_id[0] == '\0'; /* provisioning has its own pacing (MoveAccount) */
}

static int
creating_act(struct step *st, struct store_account *a, struct sbx_err *err)
{
    return a->account_id[0] == '\0' ? poll_creation(st, a, err) : provision(st, a, err);
}

/* The most imminent warning offset due and not yet fired (warn[] is descending); 0 = none. */
static int64_t
warning_due(const struct cfg_kind *k, const struct store_account *a, int64_t now)
{
    int64_t best = 0;

    for (int w = 0; w < k->nwarn; w++) {
        if ((a->warned_min == 0 || k->warn[w] < a->warned_min) && a->expires_at - k->warn[w] <= now)
            best = k->warn[w];
    }
    return best;
}

static bool
expired(const struct step *st, const struct store_account *a)
{
    return a->expires_at > 0 && a->expires_at <= st->now;
}

static void
active_dry(struct step *st, const struct store_account *a)
{
    if (expired(st, a))
        st->r->expired++;
    else if (warning_due(eng_kind(st->e, a->kind), a, st->now) > 0)
        st->r->warned++;
}

/* Warning hooks may run their full timeout under the claim. */
static double
active_claim(const struct step *st, const struct store_account *a)
{
    return expired(st, a) ? ENGINE_CLAIM_AWS : eng_hook_claim_secs(st->e);
}

static int
expire_one(struct step *st, struct store_account *a, struct sbx_err *err)
{
    char when[32], *detail;
    int rc;

    if (store_set_str(&a->reason, "expired", err) != 0)
        return -1;
    a->due_at = st->now;
    a->attempts = 0;
    detail = eng_detail("expires_at", engine_fmt_time(a->expires_at, when, sizeof(when)), NULL);
    rc = eng_transition(st->e, a, ENGINE_S_EXPIRING, "expired", detail, "expired", err);
    free(detail);
    if (rc == 0)
        st->r->did_work = true;
    return counted(rc, &st->r->expired, err);
}

static int
active_act(struct step *st, struct store_account *a, struct sbx_err *err)
{
    const struct cfg_kind *k = eng_kind(st->e, a->kind);
    int64_t best, due;

    if (expired(st, a))
        return expire_one(st, a, err);
    best = warning_due(k, a, st->now);
    if (best > 0)
        return warn_one(st, a, best, err);
    due = eng_active_due(k, a);
    if (due == a->due_at)
        return 0;
    a->due_at = due; /* the config's offsets changed */
    return save_row(st, a, err);
}

/* --- the spend guard's freeze (engine_budget.c decides; these finish) ------------------------ */

/* freezing: attach the freeze SCP, begin revoking the owner's access, then frozen. Until the
 * row says frozen the SCP may or may not be attached; this phase finishes it after a crash. */
static int
freezing_act(struct step *st, struct store_account *a, struct sbx_err *err)
{
    struct sbx_err aerr = { 0 };

    if (eng_budget_freeze(st->e, a, &aerr) != 0)
        return row_failed(st, a, "freeze (AttachPolicy)", &aerr, 60, err);
    /* The owner's access ends with the freeze (durably marked here; the run loop deletes the
     * assignments). A crash before this line leaves the row freezing: both steps repeat. */
    if (eng_access_revoke_begin(st->e, a, "budget", &aerr) != 0)
        return row_failed(st, a, "freeze (revoke access)", &aerr, 60, err);
    st->r->did_work = true;
    a->due_at = a->expires_at;
    a->attempts = 0;
    if (store_set_str(&a->last_error, "", err) != 0)
        return -1;
    return moved(st, a, ENGINE_S_FROZEN, "frozen", NULL, "the freeze SCP is attached",
                 &st->r->frozen, err);
}

/* frozen: nothing to do until expiry, when it closes like any account (the SCP spares the
 * role the nuke and the close work through). */
static int
frozen_act(struct step *st, struct store_account *a, struct sbx_err *err)
{
    if (expired(st, a))
        return expire_one(st, a, err);
    if (a->due_at == a->expires_at)
        return 0;
    a->due_at = a->expires_at; /* extended */
    return save_row(st, a, err);
}

/* Pre-close hooks run for the whole batch at once (hooks.parallel of them side by side). */
static int
nuke_batch(struct step *st, int *limit, struct sbx_err *err)
{
    (void)err;
    *limit = st->e->cfg->hooks.parallel;
    return 0;
}

static void
nuke_dry(struct step *st, const struct store_account *a)
{
    (void)a;
    st->r->nuked++;
}

static double
hook_claim(const struct step *st, const struct store_account *a)
{
    (void)a;
    return eng_hook_claim_secs(st->e);
}

/* Checks the account and marks it nuking; the row stays claimed for nuke_finish. Its owner's
 * access is revoked first: no pre-close hook runs while an assignment sandboxctl made remains. */
static int
nuke_act(struct step *st, struct store_account *a, struct sbx_err *err)
{
    int64_t next;
    bool go, revoked;

    if (eng_access_revoke_begin(st->e, a, a->reason != NULL ? a->reason : "closing", err) != 0)
        return -1;
    if (st->e->cfg->access.enabled && st->e->cfg->access.revoke_others &&
        a->account_id[0] != '\0') {
        char why[600];

        if (eng_access_revoke_others(st->e, a, why, sizeof(why), err) != 0)
            return -1;
        if (why[0] != '\0') {
            struct sbx_err aerr = { 0 };

            sbx_err_set(&aerr, SBX_E_AWS, "%s", why);
            return row_failed(st, a, "revoking others' access", &aerr,
                              backoff(a->attempts++, 30, 3600), err);
        }
    }
    if (revoke_step(st, a, &revoked, &next, err) != 0)
        return -1;
    if (!revoked) {
        a->due_at = next;
        return save_row(st, a, err);
    }
    if (guard(st, a, "nuke", &go, NULL, err) != 0)
        return -1;
    if (!go)
        return 0;
    a->due_at = st->now + (int64_t)eng_hook_claim_secs(st->e); /* recovery if we die mid-hook */
    if (eng_transition(st->e, a, ENGINE_S_NUKING, "nuke_started", NULL, NULL, err) != 0)
        return tolerate_conflict(err);
    st->held[st->nheld++] = a;
    return 0;
}

static int
nuke_finish(struct step *st, struct sbx_err *err)
{
    struct engine *e = st->e;
    const struct cfg_hooks *hc = &e->cfg->hooks;
    char(*msg)[256] = NULL;
    char(*tails)[800] = NULL;
    int64_t *runs = NULL;
    bool *ok = NULL;
    int rc = -1;

    if (st->nheld == 0)
        return 0;
    ok = calloc(st->nheld, sizeof(*ok));
    msg = calloc(st->nheld, sizeof(*msg));
    tails = calloc(st->nheld, sizeof(*tails));
    runs = calloc(st->nheld, sizeof(*runs));
    if (ok == NULL || msg == NULL || tails == NULL || runs == NULL) {
        sbx_err_nomem(err);
        goto out;
    }
    {
        const struct eng_hook_opts o = { .run_ids = runs, .details = tails };

        if (eng_run_hooks_opts(e, CFG_HOOK_PRE_CLOSE, st->held, st->nheld, &o, ok, msg, err) != 0)
            goto out;
    }
    for (size_t j = 0; j < st->nheld; j++) {
        struct store_account *a = st->held[j];
        char *detail = NULL;
        int r;

        st->now = eng_now(e);
        if (ok[j]) {
            a->attempts = 0;
            a->due_at = st->now;
            if (store_set_str(&a->last_error, "", err) != 0)
                goto out;
            a->parked = false; /* where it is now is for the wait OU's phase to find out */
            r = eng_transition(e, a, ENGINE_S_CLOSE_WAIT, "nuked", NULL, NULL, err);
            if (r == 0)
                st->r->nuked++;
        } else {
            bool quarantine = a->attempts + 1 >= hc->max_attempts;
            char key[48];

            /* The events' key: the failed run, unique per attempt (the row's version when no
             * run was recorded). Queued with the transition: both or neither are durable. */
            if (runs[j] > 0)
                snprintf(key, sizeof(key), "run-%lld", (long long)runs[j]);
            else
                snprintf(key, sizeof(key), "v%lld", (long long)a->version + 1);
            a->attempts++;
            if (store_set_str(&a->last_error, msg[j], err) != 0)
                goto out;
            detail = eng_detail("error", msg[j], NULL);
            if (quarantine) {
                a->due_at = 0;
            } else {
                int64_t base = hc->retry_backoff;

                a->due_at = st->now + backoff(a->attempts - 1, base, base * 64);
            }
            r = store_begin(e->store, err);
            if (r == 0)
                r = eng_event_queue(e, CFG_HOOK_NUKE_FAILED, a, key,
                                    tails[j][0] != '\0' ? tails[j] : msg[j], err);
            if (r == 0 && quarantine)
                r = eng_event_queue(e, CFG_HOOK_QUARANTINED, a, key, msg[j], err);
            if (r == 0)
                r = quarantine ? eng_transition(e, a, ENGINE_S_NUKE_FAILED, "quarantined", detail,
                                                msg[j], err)
                               : eng_transition(e, a, ENGINE_S_EXPIRING, "nuke_retry", detail,
                                                msg[j], err);
            if (r == 0)
                r = store_commit(e->store, err);
            if (r != 0)
                store_rollback(e->store);
            else if (quarantine)
                st->r->quarantined++;
            else
                st->r->nuke_retries++;
            free(detail);
        }
        if (r != 0 && tolerate_conflict(err) != 0)
            goto out;
    }
    rc = 0;
out:
    free(ok);
    free(msg);
    free(tails);
    free(runs);
    return rc;
}

/* Nuking rows whose claimant died (crash, SIGKILL) go back to expiring to be nuked again; a
 * live claimant's row is looked at again when its claim's due time comes. */
static bool
recover_ready(struct step *st, const struct store_account *a)
{
    if (!eng_claimed_by_other(st->e, a))
        return true;
    want(st, (double)a->due_at);
    return false;
}

static int
recover_act(struct step *st, struct store_account *a, struct sbx_err *err)
{
    int rc;

    a->due_at = st->now;
    rc = eng_transition(st->e, a, ENGINE_S_EXPIRING, "nuke_interrupted", NULL,
                        "the process running its hooks is gone", err);
    if (rc == 0)
        st->r->did_work = true;
    return counted(rc, &st->r->reconciled, err);
}

/* A repurposed account (refuse_drifted) is looked at again when due: back where sandboxctl
 * put it, with its tags, it goes on closing (the nuke and close guards check it all again). */
static int
protected_act(struct step *st, struct store_account *a, struct sbx_err *err)
{
    struct sbx_err aerr = { 0 };
    char why[512], *detail;
    bool drifted = false;
    int rc;

    st->r->did_work = true;
    if (!eng_drift_finding(a->last_error)) {
        a->due_at = 0; /* protected for another reason: `retry` after a human looked */
        return save_row(st, a, err);
    }
    if (eng_drift_check(st->e, a, &drifted, why, sizeof(why), &aerr) != 0)
        return row_failed(st, a, "drift re-check", &aerr, eng_drift_recheck(st->e), err);
    if (drifted) {
        a->due_at = st->now + eng_drift_recheck(st->e);
        if (strcmp(why, a->last_error) != 0 && store_set_str(&a->last_error, why, err) != 0)
            return -1;
        return save_row(st, a, err);
    }
    detail = eng_detail("was", a->last_error, NULL);
    a->due_at = st->now;
    a->attempts = 0;
    if (store_set_str(&a->last_error, "", err) != 0) {
        free(detail);
        return -1;
    }
    rc = eng_transition(st->e, a, ENGINE_S_EXPIRING, "drift_resolved", detail,
                        "back where sandboxctl put it: closing", err);
    free(detail);
    return rc == 0 ? 0 : tolerate_conflict(err);
}

/* Closing: as many as the close quota, the closures in flight and AWS's refusals allow now.
 * A gate in time is kept in close_gate for compute_next. */
static int
close_batch(struct step *st, int *limit, struct sbx_err *err)
{
    struct engine *e = st->e;
    const struct cfg_limits *l = &e->cfg->limits;
    int64_t in_flight = 0, queued = 0, nb, in_flight_until, members, learned, learned_at;
    int64_t *ledger = NULL;
    size_t nled = 0, used;
    int max = l->close_in_flight, quota, slots;
    struct engine_quota_params p = { 1, QUOTA_WINDOW, 1, 0, 0 };

    *limit = 0;
    if (store_account_count(e->store, ENGINE_S_CLOSE_WAIT, st->scope, &queued, err) != 0)
        return -1;
    if (queued == 0)
        return 0;
    if (store_account_count(e->store, ENGINE_S_CLOSING, NULL, &in_flight, err) != 0 ||
        store_meta_get_int(e->store, "quota_not_before", 0, &nb, err) != 0 ||
        store_meta_get_int(e->store, "close_in_flight_until", 0, &in_flight_until, err) != 0 ||
        store_meta_get_int(e->store, "members", 0, &members, err) != 0 ||
        store_meta_get_int(e->store, "quota_learned", 0, &learned, err) != 0 ||
        store_meta_get_int(e->store, "quota_learned_at", 0, &learned_at, err) != 0)
        return -1;
    if (in_flight >= max)
        return 0; /* polling the closures in flight frees slots */
    if (nb > st->now) {
        st->close_gate = (double)nb;
        return 0;
    }
    if (in_flight_until > st->now) {
        st->close_gate = (double)in_flight_until;
        return 0;
    }
    if (learned_at <= st->now - QUOTA_WINDOW)
        learned = 0;
    quota = engine_quota_effective(l, members, learned);
    if (store_ledger_since(e->store, st->now - QUOTA_WINDOW, &ledger, &nled, err) != 0)
        return -1;
    used = engine_quota_used(&p, ledger, nled, st->now);
    if (used >= (size_t)quota) {
        /* The oldest closure that keeps the count at the quota ages out first. */
        st->close_gate = (double)(ledger[used - (size_t)quota] + QUOTA_WINDOW);
        free(ledger);
        return 0;
    }
    free(ledger);
    slots = max - (int)in_flight;
    if ((size_t)quota - used < (size_t)slots)
        slots = (int)((size_t)quota - used);
    *limit = slots;
    return 0;
}

static void
close_dry(struct step *st, const struct store_account *a)
{
    (void)a;
    st->r->close_sent++;
}

static bool
suspended_paces(const struct store_account *a)
{
    return !a->post_close_pending; /* post-close hooks call no AWS */
}

static double
suspended_claim(const struct step *st, const struct store_account *a)
{
    return a->post_close_pending ? eng_hook_claim_secs(st->e) : ENGINE_CLAIM_AWS;
}

struct phase {
    enum engine_state state;
    bool closes;  /* part of closing (skipped with no_close) */
    bool any_due; /* every row in the state, due or not (recovery), and no dry run */
    int limit;    /* rows per step, unless batch says */
    int (*batch)(struct step *st, int *limit, struct sbx_err *err); /* *limit 0: none now */
    /* the rows (NULL: those due in state, or every one with any_due) */
    int (*rows)(struct step *st, int limit, struct store_account **rows, size_t *n,
                struct sbx_err *err);
    bool paced; /* rows wait for a token of pace_op ... */
    enum orgs_op pace_op;
    /* ... only these rows, the others go on (NULL: every row, and a paced row ends the phase:
     * the rows behind it need the same token) */
    bool (*paces)(const struct store_account *a);
    bool (*ready)(struct step *st, const struct store_account *a);         /* before claiming */
    double (*claim)(const struct step *st, const struct store_account *a); /* NULL: an AWS call's */
    int (*act)(struct step *st, struct store_account *a, struct sbx_err *err);
    void (*dry)(struct step *st, const struct store_account *a); /* what a dry run counts */
    int (*finish)(struct step *st, struct sbx_err *err);         /* after the rows (held claims) */
};

/*
 * The lifecycle, in the order a step runs it. Finishing creations before submitting new ones
 * frees in-progress slots, and polling closures before sending new ones frees closures in
 * flight: the step that sees a closure done sends the next one. Adding a phase is a row here
 * and its action.
 */
enum {
    PH_CREATING,
    PH_SUBMIT
};
static const struct phase phases[] = {
    [PH_CREATING] = { .state = ENGINE_S_CREATING,
                      .limit = 50,
                      .paced = true,
                      .pace_op = ORGS_OP_DESCRIBE_CREATE_ACCOUNT_STATUS,
                      .paces = creating_paces,
                      .act = creating_act },
    [PH_SUBMIT] = { .state = ENGINE_S_REQUESTED,
                    .batch = submit_batch,
                    .paced = true,
                    .pace_op = ORGS_OP_CREATE_ACCOUNT,
                    .act = submit_one,
                    .dry = submit_dry },
    { .state = ENGINE_S_ACTIVE,
      .limit = 200,
      .claim = active_claim,
      .act = active_act,
      .dry = active_dry },
    { .state = ENGINE_S_FREEZING,
      .limit = 50,
      .paced = true,
      .pace_op = ORGS_OP_ATTACH_POLICY,
      .act = freezing_act },
    { .state = ENGINE_S_FROZEN, .limit = 200, .act = frozen_act },
    { .state = ENGINE_S_NUKING,
      .closes = true,
      .any_due = true,
      .limit = 200,
      .ready = recover_ready,
      .act = recover_act },
    { .state = ENGINE_S_PROTECTED,
      .closes = true,
      .limit = 50,
      .paced = true,
      .pace_op = ORGS_OP_LIST_PARENTS,
      .act = protected_act },
    { .state = ENGINE_S_EXPIRING,
      .closes = true,
      .batch = nuke_batch,
      .claim = hook_claim,
      .act = nuke_act,
      .dry = nuke_dry,
      .finish = nuke_finish },
    { .state = ENGINE_S_CLOSING,
      .closes = true,
      .limit = 50,
      .paced = true,
      .pace_op = ORGS_OP_DESCRIBE_ACCOUNT,
      .act = poll_closing },
    { .state = ENGINE_S_CLOSE_WAIT,
      .closes = true,
      .batch = close_batch,
      .paced = true,
      .pace_op = ORGS_OP_CLOSE_ACCOUNT,
      .act = close_one,
      .dry = close_dry },
    { .state = ENGINE_S_CLOSE_WAIT, /* the waiting accounts to the wait OU */
      .closes = true,
      .any_due = true,
      .batch = park_batch,
      .rows = park_rows,
      .paced = true,
      .pace_op = ORGS_OP_LIST_PARENTS,
      .ready = park_ready,
      .act = park_act },
    { .state = ENGINE_S_SUSPENDED,
      .closes = true,
      .limit = 50,
      .paced = true,
      .pace_op = ORGS_OP_DESCRIBE_ACCOUNT,
      .paces = suspended_paces,
      .claim = suspended_claim,
      .act = suspended_one },
};

static int
phase_rows(struct step *st, const struct phase *ph, int limit, struct store_account **rows,
           size_t *n, struct sbx_err *err)
{
    if (ph->rows != NULL)
        return ph->rows(st, limit, rows, n, err);
    if (ph->any_due)
        return store_account_in_state(st->e->store, ph->state, st->scope, limit, rows, n, err);
    return store_account_due(st->e->store, ph->state, st->now, st->scope, limit, rows, n, err);
}

/* The one driver: claim before any side effect, re-check the state after claiming (another
 * process may have moved the row), act, release. */
static int
run_phase(struct step *st, const struct phase *ph, struct sbx_err *err)
{
    struct engine *e = st->e;
    struct store_account *rows = NULL, **held = NULL;
    int limit = ph->limit, rc = -1;
    size_t n = 0;

    st->now = eng_now(e);
    if (ph->any_due && e->dry_run)
        return 0;
    if (ph->batch != NULL && ph->batch(st, &limit, err) != 0)
        return -1;
    if (limit <= 0)
        return 0;
    if (phase_rows(st, ph, limit, &rows, &n, err) != 0)
        return -1;
    if (n > 0 && ph->finish != NULL && (held = calloc(n, sizeof(*held))) == NULL) {
        sbx_err_nomem(err);
        goto out;
    }
    st->held = held;
    st->nheld = 0;
    for (size_t i = 0; i < n; i++) {
        struct store_account *a = &rows[i];
        size_t nheld = st->nheld;
        double secs;
        bool got;
        int r = 0;

        if (e->dry_run) {
            if (ph->dry != NULL)
                ph->dry(st, a);
            continue;
        }
        if (ph->paced && (ph->paces == NULL || ph->paces(a)) &&
            orgs_pace_wait(e->orgs, ph->pace_op) > 0) {
            paced(st, ph->pace_op);
            if (ph->paces == NULL)
                break;
            continue;
        }
        if (ph->ready != NULL && !ph->ready(st, a))
            continue;
        secs = ph->claim != NULL ? ph->claim(st, a) : ENGINE_CLAIM_AWS;
        if (eng_claim(e, a, secs, &got, err) != 0)
            goto out;
        if (!got)
            continue;
        if (a->state == ph->state && (ph->any_due || a->due_at <= st->now))
            r = ph->act(st, a, err);
        if (st->nheld == nheld)
            eng_unclaim(e, a); /* not held for finish */
        if (r != 0)
            goto out;
    }
    rc = ph->finish != NULL ? ph->finish(st, err) : 0;
out:
    for (size_t j = 0; j < st->nheld; j++)
        eng_unclaim(e, st->held[j]);
    st->held = NULL;
    st->nheld = 0;
    free(held);
    store_accounts_free(rows, n);
    return rc;
}

/* --- step and run -------------------------------------------------------------------------------
 */

static int
compute_next(struct step *st, struct sbx_err *err)
{
    static const enum engine_state states[] = { ENGINE_S_CREATING, ENGINE_S_ACTIVE,
                                                ENGINE_S_FREEZING, ENGINE_S_FROZEN,
                                                ENGINE_S_EXPIRING, ENGINE_S_PROTECTED,
                                                ENGINE_S_CLOSING,  ENGINE_S_SUSPENDED };
    struct engine *e = st->e;
    const struct cfg_limits *l = &e->cfg->limits;
    int64_t due = 0, inprog = 0, queued = 0;

    for (size_t i = 0; i < SBX_ARRAY_LEN(states); i++) {
        if (st->o != NULL && st->o->no_close && i >= 4)
            break;
        if (store_account_next_due(e->store, states[i], st->scope, &due, err) != 0)
            return -1;
        want(st, (double)due);
    }
    /* Queued hook events (a failed delivery's retry). */
    if (eng_event_next_due(e, st->scope, &due, err) != 0)
        return -1;
    want(st, (double)due);
    /* Requested rows only count when a creation slot is free. */
    if (store_account_count_unassigned(e->store, ENGINE_S_CREATING, &inprog, err) != 0)
        return -1;
    if (inprog < l->create_in_progress) {
        if (store_account_next_due(e->store, ENGINE_S_REQUESTED, st->scope, &due, err) != 0)
            return -1;
        want(st, (double)due);
    }
    if (st->o == NULL || !st->o->no_close) {
        if (store_assignment_next_due(e->store, &due, err) != 0)
            return -1;
        want(st, (double)due);
        if (store_account_count(e->store, ENGINE_S_CLOSE_WAIT, st->scope, &queued, err) != 0)
            return -1;
        if (queued > 0 && st->close_gate > 0)
            want(st, st->close_gate);
        else if (queued > 0) {
            int64_t in_flight = 0;

            if (store_account_count(e->store, ENGINE_S_CLOSING, NULL, &in_flight, err) != 0)
                return -1;
            if (in_flight < l->close_in_flight &&
                store_account_next_due(e->store, ENGINE_S_CLOSE_WAIT, st->scope, &due, err) == 0)
                want(st, (double)due);
        }
    }
    return 0;
}

int
engine_step(struct engine *e, const struct engine_step_opts *o, struct engine_step_report *r,
            double *next_due, struct sbx_err *err)
{
    struct step st = {
        e, o, r, o != NULL ? o->scope : NULL, eng_now(e), HUGE_VAL, 0, false, NULL, 0
    };
    bool no_close = o != NULL && o->no_close;
    struct engine_budget_report bud;
    double budget_next = 0, aws_budget_next = 0;
    int rc = -1;

    *next_due = HUGE_VAL;
    if (e->orgs == NULL && !e->dry_run) {
        sbx_err_set(err, SBX_E_FAILURE, "engine_step needs an AWS client");
        return -1;
    }
    if (st.scope == NULL && !no_close && !e->dry_run) {
        /* `run`: keep the kinds' pools full (requests only; the phases below create them,
         * after every owned request) and close a shrunk pool's surplus. */
        if (eng_pool_tend(e, st.now, &r->pool_requested, &r->pool_closed, err) != 0)
            goto out;
        /* The spend check, when due (budget.check_interval); it judges before the phases
         * below act on what it decided (freezing, expiring). */
        if (engine_budget_check(e, false, &bud, err) != 0)
            goto out;
        r->budget_checks += bud.checked;
        r->budget_warned += bud.warned;
        r->budget_exceeded += bud.exceeded;
        if (bud.checked && bud.error[0] == '\0')
            r->did_work = true;
        if (bud.error[0] != '\0') {
            r->errors++;
            snprintf(r->last_error, sizeof(r->last_error), "%s", bud.error);
        }
        budget_next = (double)bud.next_at;
    }
    if (!no_close && !e->dry_run && revoke_pass(&st, err) != 0)
        goto out;
    if (!no_close && eng_wait_ou_sync(e, err) != 0)
        goto out;
    for (size_t i = 0; i < SBX_ARRAY_LEN(phases); i++) {
        if (phases[i].closes && no_close)
            continue;
        if (run_phase(&st, &phases[i], err) != 0)
            goto out;
        if (i == PH_SUBMIT && st.scope != NULL && st.slots_blocked) {
            /* Our requests wait for a creation slot held by accounts outside the scope: poll
             * those creations (it is the engine's work anyway) so waiting here cannot
             * deadlock. */
            st.scope = NULL;
            if (run_phase(&st, &phases[PH_CREATING], err) != 0)
                goto out;
            st.scope = o->scope;
            st.slots_blocked = false;
            if (run_phase(&st, &phases[PH_SUBMIT], err) != 0)
                goto out;
        }
    }
    if (!e->dry_run) {
        /* budget.aws_budget: the accounts' AWS Budgets, once the phases above moved them. */
        struct eng_aws_budget_report ab;

        if (eng_aws_budget_pass(e, &ab, err) != 0)
            goto out;
        r->did_work = r->did_work || ab.done > 0;
        if (ab.failed > 0) {
            r->errors += ab.failed;
            snprintf(r->last_error, sizeof(r->last_error), "%s", ab.error);
        }
        aws_budget_next = (double)ab.next_at;
    }
    if (!e->dry_run) {
        /* The hook events queued by this step or earlier ones (engine_event.h). */
        struct eng_event_report er = { 0 };

        if (eng_event_deliver(e, st.scope, &er, err) != 0)
            goto out;
        r->events_delivered += er.delivered;
        r->events_failed += er.failed;
        r->did_work = r->did_work || er.delivered > 0 || er.failed > 0;
    }
    st.now = eng_now(e);
    if (compute_next(&st, err) != 0)
        goto out;
    want(&st, budget_next);
    want(&st, aws_budget_next);
    *next_due = st.next;
    rc = 0;
out:
    eng_drop_caches(e);
    return rc;
}

void
engine_step_report_add(struct engine_step_report *r, const struct engine_step_report *one)
{
    r->submitted += one->submitted;
    r->activated += one->activated;
    r->warned += one->warned;
    r->expired += one->expired;
    r->nuked += one->nuked;
    r->nuke_retries += one->nuke_retries;
    r->quarantined += one->quarantined;
    r->close_sent += one->close_sent;
    r->closed += one->closed;
    r->gone += one->gone;
    r->refused += one->refused;
    r->failed += one->failed;
    r->deferred += one->deferred;
    r->reconciled += one->reconciled;
    r->pooled += one->pooled;
    r->pool_requested += one->pool_requested;
    r->pool_closed += one->pool_closed;
    r->frozen += one->frozen;
    r->budget_checks += one->budget_checks;
    r->budget_warned += one->budget_warned;
    r->budget_exceeded += one->budget_exceeded;
    r->events_delivered += one->events_delivered;
    r->events_failed += one->events_failed;
    r->errors += one->errors;
    r->did_work = r->did_work || one->did_work;
    if (one->last_error[0] != '\0')
        memcpy(r->last_error, one->last_error, sizeof(r->last_error));
}

int
engine_run(struct engine *e, const struct engine_step_opts *o, double max_pace_wait,
           struct engine_step_report *r, double *next_due, struct sbx_err *err)
{
    for (int guard_steps = 0; guard_steps < 100000; guard_steps++) {
        struct engine_step_report one = { 0 };
        double now;

        if (engine_step(e, o, &one, next_due, err) != 0)
            return -1;
        engine_step_report_add(r, &one);
        if (e->dry_run)
            return 0; /* nothing changes, so another step would report the same */
        if (one.did_work)
            continue;
        now = engine_now(e);
        /* A paused clock (a simulator's, for tests) moves only when the test advances it:
         * sleeping on it cannot bring the token nearer, so the pass ends here. */
        if (one.pace_blocked && one.pace_due - now <= max_pace_wait && !e->clock->paused) {
            double wait = one.pace_due - now;

            if (wait > 0)
                clock_sleep(e->clock, wait + 0.01);
            continue;
        }
        r->pace_blocked = one.pace_blocked;
        r->pace_due = one.pace_due;
        return 0;
    }
    return 0;
}
