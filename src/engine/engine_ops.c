/*
 * engine_ops.c -- the operations behind the commands, on one account at a time: request (with
 * its email alias and name), close, extend, retry, adopt, and the close-quota view. Built on
 * the engine object (engine.c) and the organization (engine_aws.c); the lifecycle phases are
 * engine_step.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/engine_alias.h"
#include "engine/engine_int.h"
#include "engine/engine_pool.h"
#include "engine/engine_quota.h"
#include "util/duration.h"
#include "util/log.h"
#include "util/money.h"

/* --- requests --------------------------------------------------------------------------- */

static void
kind_names(const struct sbx_config *cfg, char *buf, size_t n)
{
    size_t o = 0;

    buf[0] = '\0';
    for (int i = 0; i < cfg->nkinds && o + 1 < n; i++) {
        int w = snprintf(buf + o, n - o, "%s%s", i > 0 ? ", " : "", cfg->kinds[i].name);

        if (w < 0)
            break;
        o += (size_t)w;
    }
}

/* The kind, the owner (normalised into owner_out) and the lifetime of a request. */
static int
check_request(struct engine *e, const struct engine_request *r, const struct cfg_kind **kind,
              char *owner_out, size_t owner_n, int64_t *ttl, struct sbx_err *err)
{
    char names[256], a[32], b[32];

    *kind = r->kind != NULL ? cfg_kind_find(e->cfg, r->kind) : NULL;
    if (*kind == NULL) {
        kind_names(e->cfg, names, sizeof(names));
        sbx_err_set(err, SBX_E_INVALID, "unknown kind '%s' (configured: %s)",
                    r->kind != NULL ? r->kind : "", names);
        return -1;
    }
    if (r->owner == NULL) {
        sbx_err_set(err, SBX_E_INVALID, "an owner is required");
        return -1;
    }
    if (engine_alias_normalize_owner(r->owner, e->cfg->org.owner_domain, owner_out, owner_n, err) !=
        0)
        return -1;
    *ttl = r->ttl == ENGINE_TTL_DEFAULT ? (*kind)->default_ttl : r->ttl;
    if (*ttl < 0) {
        sbx_err_set(err, SBX_E_INVALID, "invalid ttl: must not be negative");
        return -1;
    }
    if ((*kind)->max_ttl > 0 && *ttl == 0) {
        sbx_err_set(err, SBX_E_INVALID, "kind '%s' needs an expiry (its max_ttl is %s)",
                    (*kind)->name, duration_format((*kind)->max_ttl, a, sizeof(a)));
        return -1;
    }
    if ((*kind)->max_ttl > 0 && *ttl > (*kind)->max_ttl) {
        sbx_err_set(err, SBX_E_INVALID, "ttl %s is above the maximum of kind '%s' (%s)",
                    duration_format(*ttl, a, sizeof(a)), (*kind)->name,
                    duration_format((*kind)->max_ttl, b, sizeof(b)));
        return -1;
    }
    return 0;
}

/* Expands and validates one candidate alias pair for sequence number seq. */
static int
make_alias(struct engine *e, const struct cfg_kind *kind, const char *owner, const char *class_name,
           int64_t seat, const char *explicit_name, int64_t seq, char *email, size_t en, char *name,
           size_t nn, struct sbx_err *err)
{
    const char *et =
            kind->email_template != NULL ? kind->email_template : e->cfg->org.email_template;
    const char *nt = kind->name_template != NULL ? kind->name_template : e->cfg->org.name_template;
    struct engine_alias_vars v = { kind->name, owner, class_name, seat, seq, NULL };
    char rnd[9];

    if (et == NULL || nt == NULL) {
        sbx_err_set(err, SBX_E_CONFIG,
                    "organization.email_template and name_template are "
                    "required");
        return -1;
    }
    if (engine_alias_template_check(et, "email template", err) != 0 ||
        engine_alias_template_check(nt, "name template", err) != 0)
        return -1;
    if (engine_alias_template_uses(et, "rand") || engine_alias_template_uses(nt, "rand")) {
        if (engine_alias_random(rnd, 8, err) != 0)
            return -1;
        v.rand = rnd;
    }
    /* Expand into a roomy buffer so an alias over AWS's limit gets AWS's rule as the error. */
    if (engine_alias_expand(et, &v, email, en, err) != 0) {
        sbx_err_prefix(err, "email alias");
        return -1;
    }
    if (engine_alias_validate_email(email, err) != 0) {
        sbx_err_prefix(err, "email alias from template '%s'", et);
        return -1;
    }
    if (explicit_name != NULL) {
        snprintf(name, nn, "%s", explicit_name);
    } else if (engine_alias_expand(nt, &v, name, nn, err) != 0) {
        sbx_err_prefix(err, "account name");
        return -1;
    }
    if (engine_alias_validate_name(name, err) != 0)
        return -1;
    return 0;
}

int
eng_pick_alias(struct engine *e, const struct cfg_kind *kind, const char *owner,
               const char *class_name, int64_t seat, const char *explicit_name, char *email,
               size_t en, char *name, size_t nn, int64_t *seq_out, struct sbx_err *err)
{
    int64_t base;

    /* Peek at the counter; the caller advances it in the transaction that inserts the row, so
     * invalid input changes nothing in the store. */
    if (store_meta_get_int(e->store, "alias_seq", 0, &base, err) != 0)
        return -1;
    for (int attempt = 0; attempt < 100; attempt++) {
        bool taken_e = false, taken_n = false;
        int64_t seq = base + 1 + attempt;

        if (make_alias(e, kind, owner, class_name, seat, explicit_name, seq, email, en, name, nn,
                       err) != 0)
            return -1;
        if (store_alias_taken(e->store, email, &taken_e, err) != 0 ||
            store_alias_taken(e->store, name, &taken_n, err) != 0)
            return -1;
        if (explicit_name != NULL && taken_n) {
            sbx_err_set(err, SBX_E_INVALID, "account name '%s' was already used", name);
            return -1;
        }
        if (!taken_e && !taken_n) {
            *seq_out = seq;
            return 0;
        }
    }
    sbx_err_set(err, SBX_E_FAILURE,
                "could not find an unused email alias and account name after 100 tries (do the "
                "templates use {seq} or {rand}?)");
    return -1;
}

/* Advances the alias counter to at least seq (inside the caller's transaction). */
int
eng_commit_seq(struct engine *e, int64_t seq, struct sbx_err *err)
{
    int64_t cur;

    if (store_meta_get_int(e->store, "alias_seq", 0, &cur, err) != 0)
        return -1;
    return cur >= seq ? 0 : store_meta_set_int(e->store, "alias_seq", seq, err);
}

/* A kind's warm pool hands over here (engine_pool.h): taking a pool account is part of a
 * request, so it lives beside engine_request. */
int
engine_pool_take(struct engine *e, const struct cfg_kind *k, const char *owner, int64_t ttl,
                 int64_t class_id, int64_t seat, struct store_account *out, bool *got,
                 struct sbx_err *err)
{
    struct store_filter f = { .owner = "", .kind = k->name };
    struct store_account *rows = NULL;
    size_t n = 0;
    int rc = -1;

    *got = false;
    if (e->dry_run)
        return 0; /* a dry run shows the request it would make */
    /* A few candidates: a lost race moves on to the next ready one. */
    if (store_account_in_state(e->store, ENGINE_S_POOLED, &f, 8, &rows, &n, err) != 0)
        return -1;
    for (size_t i = 0; i < n && !*got; i++) {
        struct store_account *a = &rows[i];
        char *detail = NULL;
        int64_t now = eng_now(e), alive = 0;

        if (a->account_id[0] == '\0' || eng_claimed_by_other(e, a))
            continue;
        if (store_begin(e->store, err) != 0)
            goto out;
        if (k->max_per_owner > 0) {
            if (store_account_alive_for_owner(e->store, owner, k->name, &alive, err) != 0) {
                store_rollback(e->store);
                goto out;
            }
            if (alive >= k->max_per_owner) {
                store_rollback(e->store);
                sbx_err_set(err, SBX_E_INVALID,
                            "owner '%s' already has %lld %s account%s (max_per_owner is %d)", owner,
                            (long long)alive, k->name, alive == 1 ? "" : "s", k->max_per_owner);
                goto out;
            }
        }
        if (store_set_str(&a->owner, owner, err) != 0) {
            store_rollback(e->store);
            goto out;
        }
        a->ttl = ttl;
        a->expires_at = ttl > 0 ? now + ttl : 0; /* provisioning counts it from activation */
        a->class_id = class_id;
        a->seat = seat;
        a->priority = 0;
        a->attempts = 0;
        a->due_at = now;
        detail = eng_detail("owner", owner, "account_id", a->account_id, NULL);
        if (eng_transition(e, a, ENGINE_S_CREATING, "handed_over", detail, "from the pool", err) !=
                    0 ||
            store_commit(e->store, err) != 0) {
            free(detail);
            store_rollback(e->store);
            if (err->code == SBX_E_CONFLICT) {
                log_debug("pool %s: account %lld was taken meanwhile: %s", k->name,
                          (long long)a->id, err->msg);
                sbx_err_clear(err);
                continue;
            }
            goto out;
        }
        free(detail);
        if (eng_reload(e, a, err) != 0)
            goto out;
        *out = *a;
        memset(a, 0, sizeof(*a));
        *got = true;
    }
    rc = 0;
out:
    store_accounts_free(rows, n);
    return rc;
}

int
engine_request(struct engine *e, const struct engine_request *r, struct store_account *out,
               struct sbx_err *err)
{
    const struct cfg_kind *kind;
    char owner[ALIAS_OWNER_MAX + 1];
    int64_t ttl;

    memset(out, 0, sizeof(*out));
    if (check_request(e, r, &kind, owner, sizeof(owner), &ttl, err) != 0)
        return -1;
    if (r->name != NULL && engine_alias_validate_name(r->name, err) != 0)
        return -1;
    if (kind->max_per_owner > 0) {
        int64_t alive = 0;

        if (store_account_alive_for_owner(e->store, owner, kind->name, &alive, err) != 0)
            return -1;
        if (alive >= kind->max_per_owner) {
            sbx_err_set(err, SBX_E_INVALID,
                        "owner '%s' already has %lld %s account%s (max_per_owner is %d)", owner,
                        (long long)alive, kind->name, alive == 1 ? "" : "s", kind->max_per_owner);
            return -1;
        }
    }
    if (r->name == NULL) {
        bool got = false;

        /* A ready pool account first (an explicit name needs a new account). */
        if (engine_pool_take(e, kind, owner, ttl, r->class_id, r->seat, out, &got, err) != 0)
            return -1;
        if (got) {
            if (r->class_name != NULL && store_set_str(&out->class_name, r->class_name, err) != 0)
                return -1;
            /* the hand-over is done: the budget follows as its own write */
            if (r->budget > 0 && !e->dry_run &&
                store_budget_set_limit(e->store, out->id, r->budget, err) != 0)
                return -1;
            return 0;
        }
    }
    {
        const struct eng_new_row row = {
            .kind = kind,
            .owner = owner,
            .alias_owner = owner,
            .class_name = r->class_name,
            .class_id = r->class_id,
            .seat = r->seat,
            .name = r->name,
            .ttl = ttl,
            .max_alive = kind->max_per_owner,
            .budget = r->budget,
            .now = eng_now(e),
        };

        return eng_insert_requested(e, &row, out, err);
    }
}

int
eng_insert_requested(struct engine *e, const struct eng_new_row *n, struct store_account *out,
                     struct sbx_err *err)
{
    char email[256], name[256], ttlbuf[32], budgetbuf[32];
    struct store_account a = { 0 };
    char *detail = NULL;
    int rc = -1;

    for (int attempt = 0; attempt < 20; attempt++) {
        int64_t seq;

        if (eng_pick_alias(e, n->kind, n->alias_owner, n->class_name, n->seat, n->name, email,
                           sizeof(email), name, sizeof(name), &seq, err) != 0)
            goto out;
        store_account_release(&a);
        if ((a.email = strdup(email)) == NULL || (a.name = strdup(name)) == NULL ||
            (a.kind = strdup(n->kind->name)) == NULL || (a.owner = strdup(n->owner)) == NULL ||
            (a.reason = strdup("")) == NULL || (a.last_error = strdup("")) == NULL ||
            (n->class_name != NULL && (a.class_name = strdup(n->class_name)) == NULL))
            goto nomem;
        a.state = ENGINE_S_REQUESTED;
        a.class_id = n->class_id;
        a.seat = n->seat;
        a.ttl = n->ttl;
        a.expires_at = n->ttl > 0 ? n->now + n->ttl : 0;
        a.priority = n->priority;
        a.due_at = n->now;
        if (e->dry_run)
            goto done;
        free(detail);
        detail = eng_detail(
                "kind", n->kind->name, "owner", n->pool ? NULL : n->owner, "pool",
                n->pool ? "true" : NULL, "email", email, "name", name, "ttl",
                n->pool ? NULL : duration_format(n->ttl, ttlbuf, sizeof(ttlbuf)), "budget",
                n->budget > 0 ? money_format(n->budget, budgetbuf, sizeof(budgetbuf)) : NULL, NULL);
        {
            struct store_audit_ev ev = {
                n->now, e->actor, "requested", NULL, engine_state_name(ENGINE_S_REQUESTED), detail
            };

            if (store_begin(e->store, err) != 0)
                goto out;
            if (eng_commit_seq(e, seq, err) != 0 ||
                store_account_insert(e->store, &a, n->max_alive, &ev, err) != 0 ||
                (n->budget > 0 && store_budget_set_limit(e->store, a.id, n->budget, err) != 0) ||
                store_commit(e->store, err) != 0) {
                store_rollback(e->store);
                if (err->code == SBX_E_CONFLICT && n->name == NULL) {
                    sbx_err_clear(err);
                    continue; /* another process took this alias meanwhile */
                }
                goto out;
            }
        }
        eng_emit(e, &a, "requested", NULL, engine_state_name(ENGINE_S_REQUESTED),
                 n->pool ? "for the pool" : NULL);
        goto done;
    }
    sbx_err_set(err, SBX_E_FAILURE, "could not reserve an unused email alias%s",
                n->pool ? " for the pool" : "");
    goto out;
nomem:
    sbx_err_nomem(err);
    goto out;
done:
    if (out != NULL) {
        *out = a;
        memset(&a, 0, sizeof(a));
    }
    rc = 0;
out:
    free(detail);
    store_account_release(&a);
    return rc;
}

/* --- close, extend, retry ------------------------------------------------------------------ */

static int
close_request_once(struct engine *e, struct store_account *a, const char *reason, int64_t priority,
                   bool check_protection, enum engine_close_outcome *outcome, char *why,
                   size_t whylen, struct sbx_err *err)
{
    enum engine_state s = a->state;
    int64_t now = eng_now(e);
    char *detail = NULL;
    int rc = -1;

    switch (s) {
    case ENGINE_S_GONE:
    case ENGINE_S_SUSPENDED:
    case ENGINE_S_FAILED:
        *outcome = ENGINE_CLOSE_DONE;
        return 0;
    case ENGINE_S_CLOSING:
        *outcome = ENGINE_CLOSE_QUEUED;
        return 0;
    case ENGINE_S_CLOSE_WAIT:
    case ENGINE_S_EXPIRING:
    case ENGINE_S_NUKING:
        *outcome = ENGINE_CLOSE_QUEUED;
        if (priority <= a->priority || e->dry_run)
            return 0;
        a->priority = priority;
        return eng_save(e, a, NULL, NULL, err);
    case ENGINE_S_REQUESTED:
    case ENGINE_S_CREATING:
        if (s == ENGINE_S_REQUESTED && !a->submitted) {
            *outcome = ENGINE_CLOSE_CANCELLED;
            if (e->dry_run)
                return 0;
            if (store_set_str(&a->reason, reason, err) != 0)
                return -1;
            a->due_at = 0;
            detail = eng_detail("reason", reason, NULL);
            rc = eng_transition(e, a, ENGINE_S_FAILED, "cancelled", detail,
                                "cancelled before CreateAccount was sent", err);
            free(detail);
            return rc;
        }
        *outcome = ENGINE_CLOSE_AFTER_CREATE;
        if (a->close_pending || e->dry_run)
            return 0;
        a->close_pending = true;
        a->priority = priority > a->priority ? priority : a->priority;
        if (store_set_str(&a->reason, reason, err) != 0)
            return -1;
        detail = eng_detail("reason", reason, NULL);
        rc = eng_save(e, a, "close_requested", detail, err);
        free(detail);
        return rc;
    case ENGINE_S_CLOSE_FAILED:
        /* AWS refused the closure before: ask again (the cause may be gone); nuked already,
         * so back in line, and the close re-checks protection live. */
        *outcome = ENGINE_CLOSE_QUEUED;
        if (e->dry_run)
            return 0;
        detail = eng_detail("reason", reason, "previous_error", a->last_error, NULL);
        if (store_set_str(&a->reason, reason, err) != 0 ||
            store_set_str(&a->last_error, "", err) != 0)
            goto out;
        a->priority = priority > a->priority ? priority : a->priority;
        a->due_at = now;
        rc = eng_transition(e, a, ENGINE_S_CLOSE_WAIT, "close_requested", detail, reason, err);
        goto out;
    case ENGINE_S_ACTIVE:
    case ENGINE_S_POOLED:
    case ENGINE_S_NUKE_FAILED:
    case ENGINE_S_PROTECTED:
    case ENGINE_S_FREEZING:
    case ENGINE_S_FROZEN:
        break;
    case ENGINE_S_RELEASED:
        *outcome = ENGINE_CLOSE_RELEASED;
        snprintf(why, whylen, "released: sandboxctl no longer manages it");
        return 0;
    case ENGINE_S_COUNT:
        sbx_err_set(err, SBX_E_STORE, "account %lld has no valid state", (long long)a->id);
        return -1;
    }
    if (check_protection && e->orgs != NULL) {
        bool prot = false;

        if (engine_check_protection(e, a, &prot, why, whylen, err) != 0)
            return -1;
        /* Repurposed (moved, retagged by someone else): refused like a protected account. */
        if (!prot && eng_drift_check(e, a, &prot, why, whylen, err) != 0)
            return -1;
        if (prot) {
            *outcome = ENGINE_CLOSE_REFUSED;
            if (e->dry_run)
                return 0;
            detail = eng_detail("reason", reason, "why", why, NULL);
            if (store_set_str(&a->last_error, why, err) != 0)
                goto out;
            rc = eng_save(e, a, "close_refused", detail, err);
            goto out;
        }
    } else if (s == ENGINE_S_PROTECTED && !check_protection) {
        snprintf(why, whylen, "%s", a->last_error);
        *outcome = ENGINE_CLOSE_REFUSED;
        return 0;
    }
    *outcome = ENGINE_CLOSE_QUEUED;
    if (e->dry_run)
        return 0;
    if (store_set_str(&a->reason, reason, err) != 0 || store_set_str(&a->last_error, "", err) != 0)
        return -1;
    a->priority = priority > a->priority ? priority : a->priority;
    a->attempts = 0;
    a->due_at = now;
    detail = eng_detail("reason", reason, NULL);
    rc = eng_transition(e, a, ENGINE_S_EXPIRING, "close_requested", detail, reason, err);
out:
    free(detail);
    return rc;
}

int
engine_close_request(struct engine *e, struct store_account *a, const char *reason,
                     int64_t priority, bool check_protection, enum engine_close_outcome *outcome,
                     char *why, size_t whylen, struct sbx_err *err)
{
    if (whylen > 0)
        why[0] = '\0';
    for (int tries = 0;; tries++) {
        if (close_request_once(e, a, reason, priority, check_protection, outcome, why, whylen,
                               err) == 0) {
            /* Access ends at once for an account on its way out, and for every account of an
             * owner who left, even one that cannot close (yet). */
            bool leaver = strcmp(reason, "offboarded") == 0 ||
                          strcmp(reason, "owner_left_directory") == 0;

            if (*outcome == ENGINE_CLOSE_QUEUED || *outcome == ENGINE_CLOSE_AFTER_CREATE ||
                (leaver && *outcome == ENGINE_CLOSE_REFUSED))
                return eng_access_revoke_begin(e, a, reason, err);
            return 0;
        }
        /* Lost a race with another process: look again, unless it keeps happening. */
        if (err->code != SBX_E_CONFLICT || tries >= 5 || eng_reload(e, a, err) != 0)
            return -1;
    }
}

const char *
engine_close_verdict(const struct store_account *a, enum engine_close_outcome outcome,
                     bool *failure)
{
    *failure = false;
    if (outcome == ENGINE_CLOSE_REFUSED) {
        *failure = true;
        return "refused";
    }
    switch (a->state) {
    case ENGINE_S_PROTECTED:
        *failure = true;
        return "refused";
    case ENGINE_S_SUSPENDED:
    case ENGINE_S_GONE:
        return "closed";
    case ENGINE_S_RELEASED:
        return "released";
    case ENGINE_S_CLOSING:
        return "closing";
    case ENGINE_S_CLOSE_WAIT:
        return "queued";
    case ENGINE_S_EXPIRING:
    case ENGINE_S_NUKING:
        return a->attempts > 0 ? "nuke_retrying" : "nuking";
    case ENGINE_S_NUKE_FAILED:
        *failure = true;
        return "quarantined";
    case ENGINE_S_CLOSE_FAILED:
        *failure = true;
        return "close_failed";
    case ENGINE_S_REQUESTED:
    case ENGINE_S_CREATING:
        return "closes_after_create";
    case ENGINE_S_FAILED:
        /* Cancelled by a close request before it was sent, or a creation that failed. */
        return outcome == ENGINE_CLOSE_CANCELLED || (a->reason != NULL && a->reason[0] != '\0')
                       ? "cancelled"
                       : "nothing_to_close";
    case ENGINE_S_ACTIVE:
        if (outcome == ENGINE_CLOSE_QUEUED)
            return "queued"; /* dry run */
        break;
    default:
        break;
    }
    *failure = true;
    return "not_closing";
}

int
engine_extend(struct engine *e, struct store_account *a, int64_t new_expiry, char *warning,
              size_t warnlen, struct sbx_err *err)
{
    const struct cfg_kind *k = eng_kind(e, a->kind);
    int64_t now = eng_now(e), base, cap;
    char from[32], to[32], capbuf[32], maxbuf[32], *detail = NULL;
    enum engine_state s = a->state;
    int rc = -1;

    if (warnlen > 0)
        warning[0] = '\0';
    if (new_expiry <= now) {
        sbx_err_set(err, SBX_E_INVALID, "the new expiry %s is not in the future",
                    engine_fmt_time(new_expiry, to, sizeof(to)));
        return -1;
    }
    base = a->active_at > 0 ? a->active_at : (a->created_at > 0 ? a->created_at : now);
    cap = k->max_ttl > 0 ? base + k->max_ttl : 0;
    if (cap > 0 && new_expiry > cap) {
        sbx_err_set(err, SBX_E_INVALID,
                    "the new expiry %s is beyond the maximum of kind '%s' (%s from %s): the "
                    "latest allowed is %s",
                    engine_fmt_time(new_expiry, to, sizeof(to)), k->name,
                    duration_format(k->max_ttl, maxbuf, sizeof(maxbuf)),
                    a->active_at > 0 ? "activation" : "the request",
                    engine_fmt_time(cap, capbuf, sizeof(capbuf)));
        return -1;
    }
    switch (s) {
    case ENGINE_S_REQUESTED:
    case ENGINE_S_CREATING:
    case ENGINE_S_ACTIVE:
    case ENGINE_S_FROZEN: /* stays frozen: only the expiry moves */
        break;
    case ENGINE_S_EXPIRING:
        if (strcmp(a->reason, "expired") != 0) {
            sbx_err_set(err, SBX_E_INVALID,
                        "account %lld is closing (%s); it can no longer be extended",
                        (long long)a->id, a->reason);
            return -1;
        }
        break;
    case ENGINE_S_NUKE_FAILED:
    case ENGINE_S_PROTECTED:
        break;
    default:
        sbx_err_set(err, SBX_E_INVALID, "account %lld is %s; it can no longer be extended",
                    (long long)a->id, engine_state_name(s));
        return -1;
    }
    if (e->dry_run)
        return 0;
    engine_fmt_time(a->expires_at, from, sizeof(from));
    engine_fmt_time(new_expiry, to, sizeof(to));
    detail = eng_detail("from", from[0] != '\0' ? from : "never", "to", to, NULL);
    if (detail == NULL)
        goto nomem;
    a->expires_at = new_expiry;
    a->warned_min = 0;
    if (s == ENGINE_S_REQUESTED || s == ENGINE_S_CREATING) {
        a->ttl = 0; /* an explicit expiry: activation keeps it */
        rc = eng_save(e, a, "extended", detail, err);
        goto out;
    }
    if (store_set_str(&a->last_error, "", err) != 0 || store_set_str(&a->reason, "", err) != 0)
        goto out;
    a->attempts = 0;
    a->priority = 0;
    a->due_at = eng_active_due(k, a);
    if (s == ENGINE_S_ACTIVE || s == ENGINE_S_FROZEN)
        rc = eng_save(e, a, "extended", detail, err);
    else
        rc = eng_transition(e, a, ENGINE_S_ACTIVE, "extended", detail, "kept by extend", err);
    if (rc == 0 && e->orgs != NULL && a->account_id[0] != '\0') {
        struct sbx_err terr = { 0 };
        bool blocked = false;

        if (eng_tag_account(e, a, &blocked, &terr) != 0)
            snprintf(warning, warnlen, "cannot update the expiry tag at AWS: %s", terr.msg);
    }
    goto out;
nomem:
    sbx_err_nomem(err);
out:
    free(detail);
    return rc;
}

int
engine_retry(struct engine *e, struct store_account *a, struct sbx_err *err)
{
    enum engine_state s = a->state;
    char *detail = NULL;
    int rc;

    if (s != ENGINE_S_NUKE_FAILED && s != ENGINE_S_PROTECTED && s != ENGINE_S_FAILED &&
        s != ENGINE_S_CLOSE_FAILED) {
        sbx_err_set(err, SBX_E_INVALID,
                    "account %lld is %s; only quarantined (nuke_failed), protected, close_failed "
                    "or failed accounts can be retried",
                    (long long)a->id, engine_state_name(s));
        return -1;
    }
    if (e->dry_run)
        return 0;
    detail = eng_detail("previous_error", a->last_error, "attempts_reset", "true", NULL);
    a->attempts = 0;
    a->due_at = eng_now(e);
    if (store_set_str(&a->last_error, "", err) != 0) {
        free(detail);
        return -1;
    }
    if (s == ENGINE_S_FAILED) {
        /* A failed creation may have consumed its address at AWS: ask again with a new one. */
        if (eng_regenerate_alias(e, a, err) != 0) {
            free(detail);
            return -1;
        }
        a->submitted = false;
        free(a->request_id);
        a->request_id = NULL;
        rc = eng_transition(e, a, ENGINE_S_REQUESTED, "retry", detail, "released by retry", err);
    } else if (s == ENGINE_S_CLOSE_FAILED) {
        /* Nuked already: back in line for a close slot. */
        rc = eng_transition(e, a, ENGINE_S_CLOSE_WAIT, "retry", detail, "released by retry", err);
    } else {
        rc = eng_transition(e, a, ENGINE_S_EXPIRING, "retry", detail, "released by retry", err);
    }
    free(detail);
    return rc;
}

/* --- close quota view ------------------------------------------------------------------------ */

void
engine_quota_view_release(struct engine_quota_view *v)
{
    if (v == NULL)
        return;
    free(v->queue);
    memset(v, 0, sizeof(*v));
}

int
engine_quota(struct engine *e, struct engine_quota_view *v, struct sbx_err *err)
{
    const struct cfg_limits *l = &e->cfg->limits;
    struct store_account *queue = NULL, *closing = NULL;
    size_t nqueue = 0, nclosing = 0, nledger = 0;
    int64_t now = eng_now(e), members, learned, learned_at, latency, in_flight = 0;
    int64_t *ledger = NULL, *done = NULL, *eta = NULL;
    struct engine_quota_params p;
    struct engine_quota_input in = { 0 };
    int rc = -1;

    memset(v, 0, sizeof(*v));
    if (store_meta_get_int(e->store, "members", 0, &members, err) != 0 ||
        store_meta_get_int(e->store, "quota_learned", 0, &learned, err) != 0 ||
        store_meta_get_int(e->store, "quota_learned_at", 0, &learned_at, err) != 0 ||
        store_meta_get_int(e->store, "quota_not_before", 0, &v->not_before, err) != 0 ||
        store_meta_get_int(e->store, "close_latency", ENGINE_CLOSE_LATENCY_DEFAULT, &latency,
                           err) != 0)
        goto out;
    if (learned_at <= now - QUOTA_WINDOW)
        learned = 0;
    v->quota = engine_quota_effective(l, members, learned);
    if (l->close_quota > 0)
        snprintf(v->quota_source, sizeof(v->quota_source), "config");
    else if (learned > 0 && learned == v->quota)
        snprintf(v->quota_source, sizeof(v->quota_source), "learned from AWS");
    else
        snprintf(v->quota_source, sizeof(v->quota_source), "formula (%lld members)",
                 (long long)members);
    if (v->not_before <= now)
        v->not_before = 0;
    if (store_ledger_since(e->store, now - QUOTA_WINDOW, &ledger, &nledger, err) != 0)
        goto out;
    p = (struct engine_quota_params){ v->quota, QUOTA_WINDOW, l->close_in_flight, l->close_rate,
                                      (double)latency };
    v->used = (int)engine_quota_used(&p, ledger, nledger, now);
    v->free_slots = v->quota > v->used ? v->quota - v->used : 0;
    v->next_slot = nledger > 0 ? ledger[0] + QUOTA_WINDOW : 0;
    if (store_account_count(e->store, ENGINE_S_CLOSING, NULL, &in_flight, err) != 0)
        goto out;
    v->in_flight = (int)in_flight;
    v->in_flight_max = p.in_flight_max;
    if (store_account_in_state(e->store, ENGINE_S_CLOSING, NULL, 0, &closing, &nclosing, err) !=
                0 ||
        store_account_due(e->store, ENGINE_S_CLOSE_WAIT, INT64_MAX, NULL, 0, &queue, &nqueue,
                          err) != 0)
        goto out;
    done = calloc(nclosing + 1, sizeof(*done));
    eta = calloc(nqueue + 1, sizeof(*eta));
    v->queue = calloc(nqueue + 1, sizeof(*v->queue));
    if (done == NULL || eta == NULL || v->queue == NULL) {
        sbx_err_nomem(err);
        goto out;
    }
    for (size_t i = 0; i < nclosing; i++) {
        int64_t start = closing[i].close_requested_at > 0 ? closing[i].close_requested_at : now;

        done[i] = start + latency > now ? start + latency : now + ENGINE_POLL_CLOSE;
    }
    in.now = now;
    in.ledger = ledger;
    in.nledger = nledger;
    in.in_flight_done = done;
    in.nin_flight = nclosing;
    in.not_before = v->not_before;
    in.pace_wait = e->orgs != NULL ? orgs_pace_wait(e->orgs, ORGS_OP_CLOSE_ACCOUNT) : 0;
    in.queue = nqueue;
    if (engine_quota_plan(&p, &in, eta, err) != 0)
        goto out;
    for (size_t i = 0; i < nqueue; i++) {
        struct engine_quota_item *it = &v->queue[i];

        it->id = queue[i].id;
        snprintf(it->account_id, sizeof(it->account_id), "%s", queue[i].account_id);
        snprintf(it->name, sizeof(it->name), "%s", queue[i].name);
        snprintf(it->owner, sizeof(it->owner), "%s", queue[i].owner);
        snprintf(it->reason, sizeof(it->reason), "%s", queue[i].reason);
        it->eta = eta[i];
    }
    v->nqueue = nqueue;
    rc = 0;
out:
    if (rc != 0)
        engine_quota_view_release(v);
    free(ledger);
    free(done);
    free(eta);
    store_accounts_free(queue, nqueue);
    store_accounts_free(closing, nclosing);
    return rc;
}

/* --- adopt ----------------------------------------------------------------------------------- */

int
eng_regenerate_alias(struct engine *e, struct store_account *a, struct sbx_err *err)
{
    const struct cfg_kind *k = eng_kind(e, a->kind);
    int64_t now = eng_now(e);
    char email[256], name[256];

    for (int tries = 0; tries < 20; tries++) {
        int64_t seq;

        if (eng_pick_alias(e, k, a->owner, a->class_name, a->seat, NULL, email, sizeof(email), name,
                           sizeof(name), &seq, err) != 0)
            return -1;
        if (store_begin(e->store, err) != 0)
            return -1;
        if (eng_commit_seq(e, seq, err) != 0 ||
            store_alias_reserve(e->store, email, "email", a->id, now, err) != 0 ||
            store_alias_reserve(e->store, name, "name", a->id, now, err) != 0) {
            store_rollback(e->store);
            if (err->code == SBX_E_CONFLICT)
                continue; /* another process took it first */
            return -1;
        }
        if (store_commit(e->store, err) != 0)
            return -1;
        /* The old email and name stay reserved forever; the row moves to the new pair. */
        if (store_set_str(&a->email, email, err) != 0 || store_set_str(&a->name, name, err) != 0)
            return -1;
        return 0;
    }
    sbx_err_set(err, SBX_E_FAILURE, "could not reserve a new email alias");
    return -1;
}

int
engine_adopt(struct engine *e, const char *account_id, const char *kind, const char *owner,
             int64_t ttl, bool keep_ou, bool grant, struct store_account *out, struct sbx_err *err)
{
    struct engine_request r = { kind, owner, ttl, NULL, 0, NULL, 0, 0 };
    struct store_account a = { 0 }, existing = { 0 };
    struct orgs_account live = { 0 };
    struct sbx_err nf = { 0 };
    const struct cfg_kind *k;
    int64_t now = eng_now(e);
    char kept[80] = "";
    char *detail = NULL;
    bool ok_id = strlen(account_id) == 12, blocked;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    for (const char *p = account_id; *p != '\0'; p++)
        ok_id = ok_id && *p >= '0' && *p <= '9';
    if (!ok_id) {
        sbx_err_set(err, SBX_E_INVALID, "invalid account id '%s': must be 12 digits", account_id);
        return -1;
    }
    /* Validate kind, owner and ttl as for a new account (dry-run request writes nothing). */
    {
        bool saved = e->dry_run;
        struct store_account probe = { 0 };

        e->dry_run = true;
        rc = engine_request(e, &r, &probe, err);
        e->dry_run = saved;
        if (rc != 0)
            return -1;
        rc = -1;
        a.owner = probe.owner;
        probe.owner = NULL;
        a.ttl = probe.ttl;
        store_account_release(&probe);
    }
    k = eng_kind(e, kind);
    if (store_account_find(e->store, account_id, &existing, &nf) == 0) {
        bool gone = existing.state == ENGINE_S_GONE;

        store_account_release(&existing);
        if (!gone) {
            sbx_err_set(err, SBX_E_INVALID, "account %s is already managed", account_id);
            goto out;
        }
    } else if (nf.code != SBX_E_NOTFOUND) {
        *err = nf;
        goto out;
    }
    if (eng_load_org(e, err) != 0)
        goto out;
    if (strcmp(account_id, e->mgmt_id) == 0) {
        sbx_err_set(err, SBX_E_PROTECTED,
                    "refusing to adopt %s: it is the organization's management account",
                    account_id);
        goto out;
    }
    if (orgs_describe_account(e->orgs, account_id, &live, err) != 0) {
        if (err->aws == SBX_AWS_NOT_FOUND)
            sbx_err_set(err, SBX_E_NOTFOUND, "account %s is not in the organization", account_id);
        goto out;
    }
    if (orgs_account_is_closed(&live)) {
        sbx_err_set(err, SBX_E_INVALID, "account %s is closed (%s)", account_id,
                    live.state[0] != '\0' ? live.state : live.status);
        goto out;
    }
    /* Protected accounts are refused, checked live before anything is tagged or moved. */
    {
        bool prot = false;
        char why[300] = "";

        for (int i = 0; i < e->cfg->org.nprotected_accounts && !prot; i++) {
            if (strcmp(e->cfg->org.protected_accounts[i], account_id) == 0) {
                snprintf(why, sizeof(why), "%s is listed in organization.protected_accounts",
                         account_id);
                prot = true;
            }
        }
        if (!prot && eng_tag_protected(e, account_id, &prot, why, sizeof(why), err) != 0) {
            sbx_err_prefix(err, "cannot check protection of %s", account_id);
            goto out;
        }
        if (prot) {
            struct store_audit_ev ev = { now, e->actor, "adopt_refused", NULL, NULL, NULL };
            struct sbx_err aerr = { 0 };

            detail = eng_detail("account_id", account_id, "why", why, NULL);
            ev.detail = detail;
            if (!e->dry_run && store_audit_append(e->store, NULL, &ev, &aerr) != 0)
                log_warn("adopt: cannot record the refusal: %s", aerr.msg);
            sbx_err_set(err, SBX_E_PROTECTED, "refusing to adopt %s: %s", account_id, why);
            goto out;
        }
    }
    snprintf(a.account_id, sizeof(a.account_id), "%s", account_id);
    a.email = strdup(live.email != NULL ? live.email : "");
    a.name = strdup(live.name != NULL ? live.name : account_id);
    a.kind = strdup(k->name);
    a.reason = strdup("");
    a.last_error = strdup("");
    if (a.email == NULL || a.name == NULL || a.kind == NULL || a.reason == NULL ||
        a.last_error == NULL) {
        sbx_err_nomem(err);
        goto out;
    }
    a.state = ENGINE_S_ACTIVE;
    a.adopted = true;
    a.active_at = now;
    a.expires_at = a.ttl > 0 ? now + a.ttl : 0;
    a.due_at = eng_active_due(k, &a);
    if (grant && e->cfg->access.enabled) {
        /* Active once its owner can sign in: the creating phase's grant step. */
        a.state = ENGINE_S_CREATING;
        a.active_at = 0;
        a.due_at = now;
    }
    if (e->dry_run) {
        *out = a;
        memset(&a, 0, sizeof(a));
        rc = 0;
        goto out;
    }
    if (eng_tag_account(e, &a, &blocked, err) != 0)
        goto out;
    if (!keep_ou && eng_place_account(e, &a, &blocked, err) != 0)
        goto out;
    if (keep_ou) {
        /* Where it stays is where sandboxctl put it (the drift checks read it back). */
        struct orgs_parent *parents = NULL;
        size_t np = 0;

        if (orgs_list_parents(e->orgs, account_id, &parents, &np, err) != 0)
            goto out;
        snprintf(kept, sizeof(kept), "%s", np > 0 ? parents[0].id : e->root_id);
        free(parents);
    }
    detail = eng_detail("account_id", account_id, "kind", k->name, "owner", a.owner, "email",
                        a.email, "kept_ou", keep_ou ? kept : NULL, NULL);
    {
        struct store_audit_ev ev = { now,   e->actor, "adopted", NULL, engine_state_name(a.state),
                                     detail };

        if (store_account_insert(e->store, &a, k->max_per_owner, &ev, err) != 0)
            goto out;
    }
    {
        struct sbx_err terr = { 0 };

        /* Now that the row exists, the account carries its identity too (best effort: the
         * row is what makes it managed; a later extend re-tags it). */
        if (eng_tag_account(e, &a, &blocked, &terr) != 0 || blocked)
            log_warn("adopt: account %s: cannot tag its store and row yet: %s", account_id,
                     blocked ? "paced" : terr.msg);
    }
    eng_emit(e, &a, "adopted", NULL, engine_state_name(a.state), NULL);
    *out = a;
    memset(&a, 0, sizeof(a));
    rc = 0;
out:
    free(detail);
    orgs_account_release(&live);
    store_account_release(&a);
    return rc;
}
