/*
 * engine_drift.c -- accounts the organization changed behind sandboxctl's back.
 *
 * Two kinds of drift. An account removed from the organization or closed outside sandboxctl
 * is moved to where it belongs (gone, suspended). An account someone repurposed -- moved out
 * of the OU sandboxctl put it in, or whose sandboxctl tags were removed or now name another
 * owner, kind or store -- is reported, and the engine refuses to nuke or close it (state
 * protected, engine_step.c) until it is back.
 *
 * The scan in `run` (engine_drift_scan) finds both before expiry comes; the checks before the
 * pre-close hooks and CloseAccount (eng_drift_check from engine_step.c's guard) are the ones
 * that protect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "engine/engine_int.h"
#include "util/log.h"

int64_t
eng_drift_recheck(const struct engine *e)
{
    return e->cfg->engine.drift_interval > 0 ? e->cfg->engine.drift_interval : 3600;
}

#define FINDING_MOVED "moved to "
#define FINDING_TAG   "tag "

bool
eng_drift_finding(const char *last_error)
{
    return last_error != NULL && (strncmp(last_error, FINDING_MOVED, strlen(FINDING_MOVED)) == 0 ||
                                  strncmp(last_error, FINDING_TAG, strlen(FINDING_TAG)) == 0);
}

struct kept_ou {
    char id[80];
};

static int
find_kept_ou(void *arg, const struct store_audit_row *r)
{
    struct kept_ou *k = arg;
    cJSON *d, *v;

    if (strcmp(r->event, "adopted") != 0 || r->detail == NULL)
        return 0;
    d = cJSON_Parse(r->detail);
    v = d != NULL ? cJSON_GetObjectItemCaseSensitive(d, "kept_ou") : NULL;
    if (cJSON_IsString(v))
        snprintf(k->id, sizeof(k->id), "%s", v->valuestring);
    cJSON_Delete(d);
    return 0;
}

#define HOMES 4

/* The OU ids where a may be: its kind's OU, the close-wait OU, the OU it was adopted in, and
 * the close-wait OU configured before. */
static int
home_ous(struct engine *e, const struct store_account *a, char ids[HOMES][80], char *kind_path,
         size_t kn, struct sbx_err *err)
{
    const struct cfg_kind *k = eng_kind(e, a->kind);
    const char *wait = e->cfg->org.close_wait_ou;
    char *id = NULL;

    memset(ids, 0, HOMES * sizeof(ids[0]));
    snprintf(kind_path, kn, "%s", k->ou != NULL && *k->ou != '\0' ? k->ou : "the root");
    if (eng_ensure_ou(e, k->ou != NULL ? k->ou : "", &id, err) != 0)
        return -1;
    snprintf(ids[0], sizeof(ids[0]), "%s", id);
    free(id);
    id = NULL;
    if (wait != NULL && *wait != '\0') {
        if (eng_ensure_ou(e, wait, &id, err) != 0)
            return -1;
        snprintf(ids[1], sizeof(ids[1]), "%s", id);
        free(id);
    }
    if (eng_is_pool(a) && k->pool_ou != NULL) {
        /* a pool account waits in its kind's pool OU (the kind's OU is not its home yet) */
        if (eng_ensure_ou(e, k->pool_ou, &id, err) != 0)
            return -1;
        snprintf(ids[0], sizeof(ids[0]), "%s", id);
        snprintf(kind_path, kn, "%s", k->pool_ou);
        free(id);
        id = NULL;
    }
    if (a->adopted) {
        struct kept_ou kept = { "" };

        if (store_audit_list(e->store, a->id, 0, find_kept_ou, &kept, err) != 0)
            return -1;
        memcpy(ids[2], kept.id, sizeof(ids[2]));
    }
    if (wait != NULL && *wait != '\0') {
        /* The wait OU configured before this one (eng_wait_ou_sync): where sandboxctl parked
         * the accounts that still wait, until the engine moves them on. */
        if (store_meta_get(e->store, ENG_META_PREV_WAIT_OU, &id, err) != 0)
            return -1;
        snprintf(ids[3], sizeof(ids[3]), "%s", id != NULL ? id : "");
        free(id);
    }
    return 0;
}

static void
moved_why(char *why, size_t n, const char *parent_id, const char *kind_path)
{
    snprintf(why, n, FINDING_MOVED "%s by someone else (sandboxctl keeps it in %s)", parent_id,
             kind_path);
}

/* Is parent_id (a's parent OU) one of a's homes? A kind the configuration no longer has cannot
 * be judged: home. When not, why says "moved to PARENT by someone else (...)". */
static int
at_home(struct engine *e, const struct store_account *a, const char *parent_id, bool *home,
        char *why, size_t n, struct sbx_err *err)
{
    char ids[HOMES][80], kind_path[256];

    *home = true;
    if (n > 0)
        why[0] = '\0';
    if (cfg_kind_find(e->cfg, a->kind) == NULL)
        return 0;
    if (home_ous(e, a, ids, kind_path, sizeof(kind_path), err) != 0)
        return -1;
    for (int i = 0; i < HOMES; i++)
        if (ids[i][0] != '\0' && strcmp(parent_id, ids[i]) == 0)
            return 0;
    *home = false;
    moved_why(why, n, parent_id, kind_path);
    return 0;
}

int
eng_move_from_home(struct engine *e, const struct store_account *a, const char *path, bool *blocked,
                   char *why, size_t n, struct sbx_err *err)
{
    char ids[HOMES][80], kind_path[256], away[80];

    if (n > 0)
        why[0] = '\0';
    if (cfg_kind_find(e->cfg, a->kind) == NULL)
        return eng_move_to(e, a, path, blocked, err);
    if (home_ous(e, a, ids, kind_path, sizeof(kind_path), err) != 0 ||
        eng_move_to_from(e, a, path, (const char(*)[80])ids, HOMES, blocked, away, sizeof(away),
                         err) != 0)
        return -1;
    if (away[0] != '\0')
        moved_why(why, n, away, kind_path);
    return 0;
}

static const char *
tag_value(const struct orgs_tag *tags, size_t n, const char *key, bool *found)
{
    *found = false;
    for (size_t i = 0; i < n; i++) {
        if (tags[i].key != NULL && strcmp(tags[i].key, key) == 0) {
            *found = true;
            return tags[i].value != NULL ? tags[i].value : "";
        }
    }
    return NULL;
}

/* One of sandboxctl's tags: removed, or changed to name someone (something) else. */
static bool
tag_drifted(const struct orgs_tag *tags, size_t n, const char *key, const char *want, char *why,
            size_t wn)
{
    bool found;
    const char *v = tag_value(tags, n, key, &found);

    if (!found) {
        snprintf(why, wn, FINDING_TAG "%s=%s was removed by someone else", key, want);
        return true;
    }
    if (strcasecmp(v, want) != 0) {
        snprintf(why, wn, FINDING_TAG "%s was changed from '%s' to '%s' by someone else", key, want,
                 v);
        return true;
    }
    return false;
}

int
eng_drift_check(struct engine *e, const struct store_account *a, bool *drifted, char *why, size_t n,
                struct sbx_err *err)
{
    struct orgs_parent *parents = NULL;
    struct orgs_tag *tags = NULL;
    size_t np = 0, nt = 0;
    char *store_id = NULL;
    bool home = true;
    int rc = -1;

    *drifted = false;
    if (n > 0)
        why[0] = '\0';
    if (a->account_id[0] == '\0')
        return 0; /* nothing exists at AWS yet */
    if (orgs_list_parents(e->orgs, a->account_id, &parents, &np, err) != 0)
        goto out;
    if (np > 0 && at_home(e, a, parents[0].id, &home, why, n, err) != 0)
        goto out;
    if (!home) {
        *drifted = true;
        rc = 0;
        goto out;
    }
    if (orgs_list_tags(e->orgs, a->account_id, &tags, &nt, err) != 0)
        goto out;
    if (tag_drifted(tags, nt, TAG_MANAGED_BY, TAG_MANAGED_BY_VALUE, why, n) ||
        (!eng_is_pool(a) && tag_drifted(tags, nt, TAG_OWNER, a->owner, why, n)) ||
        tag_drifted(tags, nt, TAG_KIND, a->kind, why, n)) {
        *drifted = true;
        rc = 0;
        goto out;
    }
    /* The store tag is checked only where the account has one and this store has an id. */
    if (store_meta_get(e->store, ENGINE_META_STORE_ID, &store_id, err) != 0)
        goto out;
    if (store_id != NULL && *store_id != '\0') {
        bool found;
        const char *v = tag_value(tags, nt, TAG_STORE, &found);

        if (found && strcmp(v, store_id) != 0) {
            snprintf(why, n, FINDING_TAG "%s names another store ('%s', this one is '%s')",
                     TAG_STORE, v, store_id);
            *drifted = true;
        }
    }
    /* The row tags, where the account has them (engine_identity.c): a row id alone is reused
     * by a store restored from an older copy, so the row's creation time is compared too. */
    if (!*drifted) {
        bool has_row, has_created;
        const char *row = tag_value(tags, nt, TAG_ROW, &has_row);
        const char *created = tag_value(tags, nt, TAG_CREATED, &has_created);
        char mine[24], made[32];

        snprintf(mine, sizeof(mine), "%lld", (long long)a->id);
        engine_fmt_time(a->created_at, made, sizeof(made));
        if ((has_row && strcmp(row, mine) != 0) ||
            (has_row && has_created && strcmp(created, made) != 0)) {
            snprintf(why, n,
                     FINDING_TAG "%s=%s (%s=%s) names another row than this one (%s made %s)",
                     TAG_ROW, row, TAG_CREATED, has_created ? created : "?", mine, made);
            *drifted = true;
        }
    }
    rc = 0;
out:
    free(store_id);
    free(parents);
    orgs_tags_free(tags, nt);
    return rc;
}

int
eng_drift_mark(struct engine *e, struct store_account *a, const struct orgs_account *live,
               bool vanished, struct sbx_err *err)
{
    char *detail;
    int rc;

    if (vanished) {
        a->due_at = 0;
        detail = eng_detail("why", "not in the organization any more", NULL);
        rc = eng_transition(e, a, ENGINE_S_GONE, "vanished", detail,
                            "the account is no longer in the organization", err);
    } else {
        a->closed_at = eng_now(e);
        a->close_sent = true;
        a->due_at = a->closed_at + ENGINE_AFTERLIFE;
        detail = eng_detail("state", live->state[0] != '\0' ? live->state : live->status, NULL);
        rc = eng_transition(e, a, ENGINE_S_SUSPENDED, "closed_outside", detail,
                            "AWS reports the account already closed", err);
    }
    free(detail);
    return rc;
}

/* --- the scan ---------------------------------------------------------------------------- */

static int
cmp_account(const void *x, const void *y)
{
    return strcmp(((const struct orgs_account *)x)->id, ((const struct orgs_account *)y)->id);
}

static const struct orgs_account *
live_of(const struct orgs_account *accts, size_t n, const char *id)
{
    struct orgs_account key = { 0 };

    snprintf(key.id, sizeof(key.id), "%s", id);
    return bsearch(&key, accts, n, sizeof(*accts), cmp_account);
}

/* Writes a finding (or its resolution) on the row, with an audit event, once per change. */
static int
note_finding(struct engine *e, struct store_account *a, const char *why, struct sbx_err *err)
{
    struct store_audit_ev ev = { eng_now(e), e->actor, NULL, NULL, NULL, NULL };
    char *detail = NULL;
    int rc;

    if (strcmp(a->last_error, why) == 0 || (*why == '\0' && !eng_drift_finding(a->last_error)))
        return 0; /* already said */
    detail = *why != '\0' ? eng_detail("why", why, NULL) : eng_detail("was", a->last_error, NULL);
    ev.event = *why != '\0' ? "drift" : "drift_resolved";
    ev.detail = detail;
    if (store_set_str(&a->last_error, why, err) != 0) {
        free(detail);
        return -1;
    }
    rc = store_account_update(e->store, a, a->state, &ev, err);
    free(detail);
    if (rc == 0) {
        log_warn("account %lld %s: %s", (long long)a->id, a->account_id,
                 *why != '\0' ? why : "back where sandboxctl put it");
        eng_emit(e, a, ev.event, NULL, NULL, *why != '\0' ? why : "back where sandboxctl put it");
    }
    return rc;
}

/* One open row against AWS's listing: vanished, closed, moved, retagged. */
static int
scan_row(struct engine *e, struct store_account *a, const struct orgs_account *accts, size_t n,
         struct engine_drift_report *r, struct sbx_err *err)
{
    const struct orgs_account *live = live_of(accts, n, a->account_id);
    enum engine_state was = a->state;
    struct sbx_err aerr = { 0 };
    char why[512];
    bool got, drifted = false;
    int rc = 0;

    r->scanned++;
    if (live != NULL && !orgs_account_is_closed(live) && was != ENGINE_S_ACTIVE &&
        was != ENGINE_S_NUKE_FAILED && was != ENGINE_S_CLOSE_WAIT && was != ENGINE_S_EXPIRING)
        return 0; /* protected: the engine's re-check looks at it */
    if (live != NULL && orgs_account_is_closed(live) &&
        (was == ENGINE_S_EXPIRING || was == ENGINE_S_CLOSE_WAIT))
        return 0; /* on its way: the close guard records it as closing or closed */
    if (live != NULL && !orgs_account_is_closed(live)) {
        if (eng_drift_check(e, a, &drifted, why, sizeof(why), &aerr) != 0) {
            log_warn("account %lld %s: drift check: %s", (long long)a->id, a->account_id, aerr.msg);
            r->errors++;
            return 0;
        }
        if (drifted && strncmp(why, FINDING_MOVED, strlen(FINDING_MOVED)) == 0)
            r->moved++;
        else if (drifted)
            r->retagged++;
    } else if (live == NULL) {
        r->gone++;
    } else {
        r->closed++;
    }
    if (e->dry_run || (live != NULL && !orgs_account_is_closed(live) && !drifted &&
                       !eng_drift_finding(a->last_error)))
        return 0;
    /* Claim before writing, and look again: another process may be working on it. */
    if (eng_claim(e, a, ENGINE_CLAIM_AWS, &got, err) != 0)
        return -1;
    if (!got || a->state != was)
        goto out;
    if (live == NULL || orgs_account_is_closed(live))
        rc = eng_drift_mark(e, a, live, live == NULL, err);
    else
        rc = note_finding(e, a, drifted ? why : "", err);
    if (rc != 0 && err->code == SBX_E_CONFLICT) {
        sbx_err_clear(err);
        rc = 0;
    }
out:
    eng_unclaim(e, a);
    return rc;
}

static bool
row_known(struct engine *e, const char *account_id)
{
    struct store_account a = { 0 };
    struct sbx_err err = { 0 };
    bool known = store_account_find(e->store, account_id, &a, &err) == 0;

    store_account_release(&a);
    return known || err.code != SBX_E_NOTFOUND; /* a store error reports nothing */
}

/* Accounts in the sandbox OUs (kinds' and close-wait) that no store row knows. */
static int
scan_unknown(struct engine *e, struct engine_drift_report *r, struct sbx_err *err)
{
    const char *seen[CFG_MAX_KINDS + 1];
    int nseen = 0;

    for (int i = 0; i <= e->cfg->nkinds; i++) {
        const char *path = i < e->cfg->nkinds ? e->cfg->kinds[i].ou : e->cfg->org.close_wait_ou;
        struct orgs_account *in = NULL;
        size_t n = 0;
        char *id = NULL;
        bool dup = false;

        if (path == NULL || *path == '\0')
            continue; /* the root holds everything: not a sandbox OU */
        for (int j = 0; j < nseen; j++)
            dup = dup || strcmp(seen[j], path) == 0;
        if (dup)
            continue;
        seen[nseen++] = path;
        if (eng_ensure_ou(e, path, &id, err) != 0)
            return -1;
        if (orgs_list_accounts_for_parent(e->orgs, id, &in, &n, err) != 0) {
            free(id);
            return -1;
        }
        for (size_t k = 0; k < n; k++) {
            struct store_account stray = { 0 };
            char msg[512];

            if (row_known(e, in[k].id))
                continue;
            r->unknown++;
            snprintf(stray.account_id, sizeof(stray.account_id), "%s", in[k].id);
            snprintf(msg, sizeof(msg),
                     "in sandbox OU %s (%s) but unknown to this store (%s); not touched", path, id,
                     in[k].email != NULL ? in[k].email : "no email");
            log_warn("account %s: %s", in[k].id, msg);
            eng_emit(e, &stray, "unknown_account", NULL, NULL, msg);
        }
        orgs_accounts_free(in, n);
        free(id);
    }
    return 0;
}

int
eng_wait_ou_sync(struct engine *e, struct sbx_err *err)
{
    const char *ou = e->cfg->org.close_wait_ou;
    char *was = NULL, *was_id = NULL;
    int rc = -1;

    if (ou == NULL || *ou == '\0' || e->dry_run)
        return 0;
    if (store_meta_get(e->store, ENG_META_PARKED_OU, &was, err) != 0)
        return -1;
    if (was != NULL && strcmp(was, ou) == 0) {
        free(was);
        return 0;
    }
    if (was != NULL && store_ou_get(e->store, was, &was_id, err) != 0)
        goto out;
    if (store_begin(e->store, err) != 0)
        goto out;
    if (store_account_unpark_all(e->store, err) != 0 ||
        store_meta_set(e->store, ENG_META_PARKED_OU, ou, err) != 0 ||
        (was != NULL &&
         store_meta_set(e->store, ENG_META_PREV_WAIT_OU, was_id != NULL ? was_id : "", err) != 0) ||
        store_commit(e->store, err) != 0) {
        store_rollback(e->store);
        goto out;
    }
    if (was != NULL)
        log_info("organization.close_wait_ou is now '%s' (was '%s'): waiting accounts move there",
                 ou, was);
    rc = 0;
out:
    free(was);
    free(was_id);
    return rc;
}

int
engine_drift_scan(struct engine *e, bool force, struct engine_drift_report *r, struct sbx_err *err)
{
    static const enum engine_state open[] = { ENGINE_S_ACTIVE,     ENGINE_S_NUKE_FAILED,
                                              ENGINE_S_PROTECTED,  ENGINE_S_EXPIRING,
                                              ENGINE_S_CLOSE_WAIT, ENGINE_S_CLOSE_FAILED,
                                              ENGINE_S_POOLED,     ENGINE_S_FREEZING,
                                              ENGINE_S_FROZEN };
    int64_t interval = e->cfg->engine.drift_interval, now = eng_now(e), last = 0;
    struct orgs_account *accts = NULL;
    size_t naccts = 0;
    int rc = -1;

    memset(r, 0, sizeof(*r));
    if (interval <= 0 && !force)
        return 0;
    if (store_meta_get_int(e->store, "drift_scan_at", 0, &last, err) != 0)
        return -1;
    if (!force && last > 0 && now - last < interval) {
        r->next_at = last + interval;
        return 0;
    }
    if (e->orgs == NULL) {
        sbx_err_set(err, SBX_E_FAILURE, "the drift scan needs an AWS client");
        return -1;
    }
    r->ran = true;
    if (eng_wait_ou_sync(e, err) != 0 || eng_load_org(e, err) != 0)
        goto out;
    if (orgs_list_accounts(e->orgs, &accts, &naccts, err) != 0) {
        sbx_err_prefix(err, "drift scan: cannot list the organization's accounts");
        goto out;
    }
    qsort(accts, naccts, sizeof(*accts), cmp_account);
    r->members = (int)naccts;
    if (!e->dry_run && (store_meta_set_int(e->store, "members", (int64_t)naccts, err) != 0 ||
                        store_meta_set_int(e->store, "members_at", now, err) != 0))
        goto out;
    for (size_t s = 0; s < SBX_ARRAY_LEN(open); s++) {
        struct store_account *rows = NULL;
        size_t n = 0;

        if (store_account_in_state(e->store, open[s], NULL, 0, &rows, &n, err) != 0)
            goto out;
        for (size_t i = 0; i < n; i++) {
            if (rows[i].account_id[0] == '\0' || strcmp(rows[i].account_id, e->mgmt_id) == 0)
                continue;
            if (scan_row(e, &rows[i], accts, naccts, r, err) != 0) {
                store_accounts_free(rows, n);
                goto out;
            }
        }
        store_accounts_free(rows, n);
    }
    if (scan_unknown(e, r, err) != 0) {
        sbx_err_prefix(err, "drift scan");
        goto out;
    }
    if (!e->dry_run && store_meta_set_int(e->store, "drift_scan_at", now, err) != 0)
        goto out;
    rc = 0;
out:
    /* Paced also when it failed: the next try is an interval away, not the next pass. */
    if (!e->dry_run && rc != 0) {
        struct sbx_err ignored = { 0 };

        if (store_meta_set_int(e->store, "drift_scan_at", now, &ignored) != 0)
            log_debug("cannot record the drift scan time: %s", ignored.msg);
    }
    r->next_at = interval > 0 ? now + interval : 0;
    orgs_accounts_free(accts, naccts);
    return rc;
}
