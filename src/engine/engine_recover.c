/*
 * engine_recover.c -- the store against the organization, by the accounts' identity tags
 * (engine_identity.c): accounts tagged as this store's that it does not know (doctor), and
 * `recover`, which rebuilds a lost or stale store's rows from them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/log.h"

int
engine_unknown_tagged(struct engine *e, char (**ids)[13], size_t *n, struct sbx_err *err)
{
    char mine[ENG_STORE_ID_LEN];
    struct orgs_account *accts = NULL;
    char(*out)[13] = NULL;
    size_t na = 0, m = 0;
    int rc = -1;

    *ids = NULL;
    *n = 0;
    if (eng_store_id(e, false, mine, err) != 0)
        return -1;
    if (mine[0] == '\0')
        return 0; /* a store without an identity: nothing can carry it */
    if (orgs_list_accounts(e->orgs, &accts, &na, err) != 0)
        return -1;
    out = sbx_calloc(na + 1, sizeof(*out), err);
    if (out == NULL)
        goto out;
    for (size_t i = 0; i < na; i++) {
        struct store_account row = { 0 };
        struct sbx_err nf = { 0 };
        struct orgs_tag *tags = NULL;
        size_t ntags = 0;
        const char *store;

        if (accts[i].id[0] == '\0')
            continue;
        /* Known accounts need no AWS call; only the others' tags are read. */
        if (store_account_find(e->store, accts[i].id, &row, &nf) == 0) {
            store_account_release(&row);
            continue;
        }
        if (nf.code != SBX_E_NOTFOUND) {
            *err = nf;
            goto out;
        }
        if (orgs_list_tags(e->orgs, accts[i].id, &tags, &ntags, err) != 0)
            goto out;
        store = eng_identity_tag_value(tags, ntags, TAG_STORE);
        if (store != NULL && strcmp(store, mine) == 0)
            snprintf(out[m++], sizeof(out[0]), "%s", accts[i].id);
        orgs_tags_free(tags, ntags);
    }
    *ids = out;
    *n = m;
    out = NULL;
    rc = 0;
out:
    free(out);
    orgs_accounts_free(accts, na);
    return rc;
}

/* --- recover ----------------------------------------------------------------------------- */

/* The store ids tagged on accounts (distinct, at most max); *n of them. */
static int
tagged_store_ids(struct engine *e, const struct orgs_account *accts, size_t na,
                 char (*ids)[ENG_STORE_ID_LEN], size_t max, size_t *n, struct sbx_err *err)
{
    *n = 0;
    for (size_t i = 0; i < na; i++) {
        struct orgs_tag *tags = NULL;
        size_t ntags = 0;
        const char *store;
        bool seen = false;

        if (strcmp(accts[i].id, e->mgmt_id) == 0)
            continue;
        if (orgs_list_tags(e->orgs, accts[i].id, &tags, &ntags, err) != 0)
            return -1;
        store = eng_identity_tag_value(tags, ntags, TAG_STORE);
        for (size_t j = 0; store != NULL && j < *n; j++)
            seen = seen || strcmp(ids[j], store) == 0;
        if (store != NULL && !seen && *n < max && strlen(store) < ENG_STORE_ID_LEN)
            snprintf(ids[(*n)++], ENG_STORE_ID_LEN, "%s", store);
        orgs_tags_free(tags, ntags);
    }
    return 0;
}

/* 0: open, 1: closing (PENDING_CLOSURE), 2: closed (SUSPENDED, CLOSED). */
static int
live_closed_state(const struct orgs_account *live)
{
    bool pending = strcmp(live->state, "PENDING_CLOSURE") == 0 ||
                   (live->state[0] == '\0' && strcmp(live->status, "PENDING_CLOSURE") == 0);

    if (pending)
        return 1;
    return orgs_account_is_closed(live) ? 2 : 0;
}

/* Builds the row for a tagged account the store lost: its state from AWS, the rest from its
 * tags. Returns false (with why) when the tags do not allow it. */
static bool
recovered_row(struct engine *e, const struct orgs_account *live, const struct orgs_tag *tags,
              size_t ntags, int64_t now, struct store_account *a, char *why, size_t n)
{
    const char *owner = eng_identity_tag_value(tags, ntags, "sandboxctl:owner");
    const char *kind = eng_identity_tag_value(tags, ntags, "sandboxctl:kind");
    const char *expires = eng_identity_tag_value(tags, ntags, "sandboxctl:expires");
    const struct cfg_kind *k = NULL;
    struct sbx_err perr = { 0 };

    for (int i = 0; kind != NULL && i < e->cfg->nkinds; i++) {
        if (strcmp(e->cfg->kinds[i].name, kind) == 0)
            k = &e->cfg->kinds[i];
    }
    if (owner == NULL || *owner == '\0' || k == NULL) {
        snprintf(why, n, "its tags name no owner or a kind the configuration lacks (%s)",
                 kind != NULL ? kind : "none");
        return false;
    }
    snprintf(a->account_id, sizeof(a->account_id), "%s", live->id);
    a->email = strdup(live->email != NULL ? live->email : "");
    a->name = strdup(live->name != NULL ? live->name : live->id);
    a->kind = strdup(k->name);
    a->owner = strdup(owner);
    a->reason = strdup("");
    a->last_error = strdup("");
    if (a->email == NULL || a->name == NULL || a->kind == NULL || a->owner == NULL ||
        a->reason == NULL || a->last_error == NULL) {
        snprintf(why, n, "out of memory");
        return false;
    }
    if (expires != NULL && strcmp(expires, "never") != 0 &&
        duration_parse_time(expires, &a->expires_at, &perr) != 0) {
        snprintf(why, n, "its sandboxctl:expires tag '%s' is not a time", expires);
        return false;
    }
    a->submitted = true; /* created by this store: its tags say so */
    a->active_at = now;
    if (live_closed_state(live) == 2) {
        a->state = ENGINE_S_SUSPENDED;
        a->close_sent = true;
        a->closed_at = now;
        a->due_at = now + ENGINE_AFTERLIFE;
    } else if (live_closed_state(live) == 1) {
        a->state = ENGINE_S_CLOSING;
        a->close_sent = true;
        a->close_requested_at = now;
        a->due_at = now;
    } else {
        a->state = ENGINE_S_ACTIVE;
        a->due_at = eng_active_due(k, a);
    }
    return true;
}

/* A store made anew records the organization, as `init` does, so it counts as initialised. */
static int
remember_org(struct engine *e, struct sbx_err *err)
{
    struct orgs_organization org = { 0 };
    int rc = -1;

    if (orgs_describe_organization(e->orgs, &org, err) != 0)
        return -1;
    if (store_meta_set(e->store, "org_id", org.id != NULL ? org.id : "", err) == 0 &&
        store_meta_set(e->store, "management_account_id", e->mgmt_id, err) == 0)
        rc = 0;
    orgs_organization_release(&org);
    return rc;
}

int
engine_recover(struct engine *e, bool apply, void (*cb)(void *arg, const struct engine_recovery *r),
               void *arg, struct engine_recover_report *rep, struct sbx_err *err)
{
    char mine[ENG_STORE_ID_LEN], ids[8][ENG_STORE_ID_LEN];
    struct orgs_account *accts = NULL;
    size_t na = 0, nids = 0;
    int64_t now = eng_now(e);
    int rc = -1;

    memset(rep, 0, sizeof(*rep));
    if (eng_load_org(e, err) != 0 || eng_store_id(e, false, mine, err) != 0)
        return -1;
    if (orgs_list_accounts(e->orgs, &accts, &na, err) != 0)
        return -1;
    if (mine[0] == '\0') {
        /* A store made anew: its identity is the one the organization's accounts carry. */
        if (tagged_store_ids(e, accts, na, ids, SBX_ARRAY_LEN(ids), &nids, err) != 0)
            goto out;
        if (nids > 1) {
            sbx_err_set(err, SBX_E_INVALID,
                        "accounts of %zu stores are in the organization (%s, %s%s): cannot tell "
                        "which one this store was",
                        nids, ids[0], ids[1], nids > 2 ? ", ..." : "");
            goto out;
        }
        if (nids == 1) {
            snprintf(mine, sizeof(mine), "%s", ids[0]);
            rep->adopted_identity = true;
            if (apply && (store_meta_set(e->store, ENGINE_META_STORE_ID, mine, err) != 0 ||
                          remember_org(e, err) != 0))
                goto out;
        }
    }
    snprintf(rep->store_id, sizeof(rep->store_id), "%s", mine);
    for (size_t i = 0; i < na && mine[0] != '\0'; i++) {
        struct engine_recovery r = { 0 };
        struct store_account row = { 0 }, a = { 0 };
        struct sbx_err nf = { 0 };
        struct orgs_tag *tags = NULL;
        size_t ntags = 0;
        const char *store;
        bool known;

        if (strcmp(accts[i].id, e->mgmt_id) == 0)
            continue;
        if (orgs_list_tags(e->orgs, accts[i].id, &tags, &ntags, err) != 0)
            goto out;
        store = eng_identity_tag_value(tags, ntags, TAG_STORE);
        if (store == NULL || strcmp(store, mine) != 0) {
            orgs_tags_free(tags, ntags);
            continue;
        }
        known = store_account_find(e->store, accts[i].id, &row, &nf) == 0;
        if (!known && nf.code != SBX_E_NOTFOUND) {
            *err = nf;
            orgs_tags_free(tags, ntags);
            goto out;
        }
        snprintf(r.account_id, sizeof(r.account_id), "%s", accts[i].id);
        snprintf(r.aws_state, sizeof(r.aws_state), "%s",
                 accts[i].state[0] != '\0' ? accts[i].state : accts[i].status);
        if (known) {
            const char *owner = eng_identity_tag_value(tags, ntags, "sandboxctl:owner");

            r.id = row.id;
            if (owner != NULL && strcmp(owner, row.owner) != 0) {
                r.action = ENGINE_RECOVER_DIFFERS;
                snprintf(r.detail, sizeof(r.detail), "owner '%s' in the store, '%s' at AWS",
                         row.owner, owner);
                rep->differ++;
            } else {
                r.action = ENGINE_RECOVER_KNOWN;
                rep->known++;
            }
        } else if (!recovered_row(e, &accts[i], tags, ntags, now, &a, r.detail, sizeof(r.detail))) {
            r.action = ENGINE_RECOVER_SKIPPED;
            rep->skipped++;
        } else {
            r.action = ENGINE_RECOVER_RESTORE;
            snprintf(r.detail, sizeof(r.detail), "%s, owner %s, kind %s",
                     engine_state_name(a.state), a.owner, a.kind);
            rep->restored++;
            if (apply) {
                char *detail = eng_detail("account_id", a.account_id, "owner", a.owner, "kind",
                                          a.kind, "former_row",
                                          eng_identity_tag_value(tags, ntags, TAG_ROW), NULL);
                struct store_audit_ev ev = {
                    now, e->actor, "recovered", NULL, engine_state_name(a.state), detail
                };
                struct sbx_err terr = { 0 };
                bool blocked = false;
                int irc = store_account_insert(e->store, &a, 0, &ev, err);

                free(detail);
                if (irc != 0) {
                    store_account_release(&a);
                    orgs_tags_free(tags, ntags);
                    goto out;
                }
                r.id = a.id;
                /* The new row's identity, so reconciliation, doctor and the drift checks know
                 * it as this row (a command may wait out the client's pacing). */
                double until = engine_now(e) + ENG_PACE_WAIT_MAX;

                while (a.state == ENGINE_S_ACTIVE && eng_tag_account(e, &a, &blocked, &terr) == 0 &&
                       blocked) {
                    if (!eng_pace_sleep(e, orgs_pace_wait(e->orgs, ORGS_OP_TAG_RESOURCE), until))
                        break;
                }
                if (a.state == ENGINE_S_ACTIVE && (terr.code != 0 || blocked))
                    log_warn("recover: account %s: cannot tag its new row: %s", a.account_id,
                             blocked ? "paced" : terr.msg);
            }
        }
        if (cb != NULL)
            cb(arg, &r);
        store_account_release(&row);
        store_account_release(&a);
        orgs_tags_free(tags, ntags);
    }
    rc = 0;
out:
    orgs_accounts_free(accts, na);
    return rc;
}
