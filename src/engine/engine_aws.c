/*
 * engine_aws.c -- what the engine asks of the organization: its facts (management account,
 * root), OUs (created when missing), placing and tagging accounts, protection checks,
 * reconciliation lookups and `init`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/engine_alias.h"
#include "engine/engine_int.h"
#include "engine/engine_quota.h"
#include "util/duration.h"
#include "util/log.h"

static int
meta_copy(struct engine *e, const char *key, char *out, size_t n, struct sbx_err *err)
{
    char *v = NULL;

    if (store_meta_get(e->store, key, &v, err) != 0)
        return -1;
    snprintf(out, n, "%s", v != NULL ? v : "");
    free(v);
    return 0;
}

int
eng_load_org(struct engine *e, struct sbx_err *err)
{
    if (e->org_loaded)
        return 0;
    if (meta_copy(e, "management_account_id", e->mgmt_id, sizeof(e->mgmt_id), err) != 0 ||
        meta_copy(e, "root_id", e->root_id, sizeof(e->root_id), err) != 0)
        return -1;
    if ((e->mgmt_id[0] == '\0' || e->root_id[0] == '\0') && e->orgs == NULL) {
        sbx_err_set(err, SBX_E_STORE, "the organization is not known yet; run 'sandboxctl init'");
        return -1;
    }
    if (e->mgmt_id[0] == '\0') {
        struct orgs_organization org = { 0 };

        if (orgs_describe_organization(e->orgs, &org, err) != 0) {
            sbx_err_prefix(err, "cannot describe the organization");
            return -1;
        }
        snprintf(e->mgmt_id, sizeof(e->mgmt_id), "%s",
                 org.master_account_id != NULL ? org.master_account_id : "");
        orgs_organization_release(&org);
        if (!e->dry_run && store_meta_set(e->store, "management_account_id", e->mgmt_id, err) != 0)
            return -1;
    }
    if (e->root_id[0] == '\0') {
        struct orgs_root *roots = NULL;
        size_t n = 0;

        if (orgs_list_roots(e->orgs, &roots, &n, err) != 0) {
            sbx_err_prefix(err, "cannot list the organization's roots");
            return -1;
        }
        if (n == 0 || roots[0].id == NULL) {
            orgs_roots_free(roots, n);
            sbx_err_set(err, SBX_E_AWS, "the organization has no root");
            return -1;
        }
        snprintf(e->root_id, sizeof(e->root_id), "%s", roots[0].id);
        orgs_roots_free(roots, n);
        if (!e->dry_run && store_meta_set(e->store, "root_id", e->root_id, err) != 0)
            return -1;
    }
    e->org_loaded = true;
    return 0;
}

/* Finds (or creates) the OU called name under parent; *id heap. *created says which. */
static int
child_ou(struct engine *e, const char *parent, const char *name, char **id, bool *created,
         struct sbx_err *err)
{
    struct orgs_ou *ous = NULL, ou = { 0 };
    struct sbx_err cerr = { 0 };
    size_t n = 0;

    *id = NULL;
    *created = false;
    /* List, create, and after a failed create list once more: the last pass only looks. */
    for (int tries = 0; tries < 3; tries++) {
        if (orgs_list_ous_for_parent(e->orgs, parent, &ous, &n, err) != 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            if (ous[i].name != NULL && strcmp(ous[i].name, name) == 0) {
                *id = strdup(ous[i].id);
                orgs_ous_free(ous, n);
                if (*id == NULL)
                    return sbx_err_nomem(err);
                return 0;
            }
        }
        orgs_ous_free(ous, n);
        ous = NULL;
        if (e->dry_run) {
            *created = true;
            return 0; /* *id stays NULL: it would be created */
        }
        if (tries == 2)
            break;
        if (orgs_create_ou(e->orgs, parent, name, NULL, 0, &ou, &cerr) == 0) {
            *id = strdup(ou.id);
            orgs_ou_release(&ou);
            if (*id == NULL)
                return sbx_err_nomem(err);
            *created = true;
            log_info("created OU '%s' (%s) under %s", name, *id, parent);
            return 0;
        }
        /* Another process created it meanwhile, or the call may have taken effect and lost
         * its answer (a non-idempotent call is not retried: awscall.h): list again. */
        if (cerr.code != SBX_E_AWS ||
            (cerr.aws != SBX_AWS_DUPLICATE && cerr.aws != SBX_AWS_TRANSIENT &&
             cerr.aws != SBX_AWS_NETWORK && cerr.aws != SBX_AWS_PROTOCOL &&
             cerr.aws != SBX_AWS_THROTTLED && cerr.aws != SBX_AWS_CONCURRENT_MODIFICATION)) {
            *err = cerr;
            return -1;
        }
        log_info("CreateOrganizationalUnit '%s' under %s: %s; listing the OUs again", name, parent,
                 cerr.msg);
    }
    *err = cerr;
    return -1;
}

static int
ensure_ou(struct engine *e, const char *path, char **id, bool *created_any, struct sbx_err *err)
{
    char prefix[1024], *parent = NULL, *cur = NULL;
    const char *seg = path;

    *id = NULL;
    if (created_any != NULL)
        *created_any = false;
    if (eng_load_org(e, err) != 0)
        return -1;
    if (path == NULL || *path == '\0') {
        *id = strdup(e->root_id);
        goto check;
    }
    if (store_ou_get(e->store, path, &cur, err) != 0)
        return -1;
    if (cur != NULL && *cur != '\0') {
        *id = cur;
        return 0;
    }
    free(cur);
    cur = NULL;
    parent = strdup(e->root_id);
    if (parent == NULL)
        goto nomem;
    while (*seg != '\0') {
        const char *slash = strchr(seg, '/');
        size_t len = slash != NULL ? (size_t)(slash - seg) : strlen(seg);
        char name[256];
        bool created = false;

        if (len == 0 || len >= sizeof(name) || (size_t)(seg - path) + len >= sizeof(prefix)) {
            sbx_err_set(err, SBX_E_CONFIG, "invalid OU path '%s'", path);
            goto fail;
        }
        memcpy(name, seg, len);
        name[len] = '\0';
        memcpy(prefix, path, (size_t)(seg - path) + len);
        prefix[(size_t)(seg - path) + len] = '\0';
        if (store_ou_get(e->store, prefix, &cur, err) != 0)
            goto fail;
        if (cur == NULL || *cur == '\0') {
            free(cur);
            cur = NULL;
            if (parent == NULL) {
                created = true; /* dry-run: the parent would be created too */
            } else if (child_ou(e, parent, name, &cur, &created, err) != 0) {
                sbx_err_prefix(err, "cannot find or create OU '%s'", prefix);
                goto fail;
            }
            if (created && created_any != NULL)
                *created_any = true;
            if (cur != NULL && !e->dry_run && store_ou_put(e->store, prefix, cur, err) != 0)
                goto fail;
        }
        free(parent);
        parent = cur;
        cur = NULL;
        seg += len;
        if (*seg == '/')
            seg++;
    }
    *id = parent;
    return 0;
check:
    if (*id == NULL)
        goto nomem;
    return 0;
nomem:
    sbx_err_nomem(err);
fail:
    free(parent);
    free(cur);
    return -1;
}

int
eng_ensure_ou(struct engine *e, const char *path, char **id, struct sbx_err *err)
{
    if (ensure_ou(e, path, id, NULL, err) != 0)
        return -1;
    if (*id == NULL) {
        sbx_err_set(err, SBX_E_FAILURE, "OU '%s' does not exist (dry run)", path);
        return -1;
    }
    return 0;
}

int
eng_place_account(struct engine *e, const struct store_account *a, bool *blocked,
                  struct sbx_err *err)
{
    const struct cfg_kind *k = eng_kind(e, a->kind);

    if (eng_is_pool(a))
        return eng_move_to(e, a, k->pool_ou, blocked, err);
    return eng_move_to(e, a, k->ou != NULL ? k->ou : "", blocked, err);
}

int
eng_move_to_from(struct engine *e, const struct store_account *a, const char *path,
                 const char (*from)[80], size_t nfrom, bool *blocked, char *away, size_t n_away,
                 struct sbx_err *err)
{
    struct orgs_parent *parents = NULL;
    size_t n = 0;
    char *target = NULL;
    bool known = from == NULL;
    int rc = -1;

    *blocked = false;
    if (n_away > 0)
        away[0] = '\0';
    if (eng_ensure_ou(e, path, &target, err) != 0)
        return -1;
    if (orgs_pace_wait(e->orgs, ORGS_OP_LIST_PARENTS) > 0) {
        *blocked = true;
        rc = 0;
        goto out;
    }
    if (orgs_list_parents(e->orgs, a->account_id, &parents, &n, err) != 0)
        goto out;
    if (n > 0 && strcmp(parents[0].id, target) == 0) {
        rc = 0;
        goto out;
    }
    for (size_t i = 0; i < nfrom && !known && n > 0; i++)
        known = from[i][0] != '\0' && strcmp(parents[0].id, from[i]) == 0;
    if (!known && n > 0) {
        snprintf(away, n_away, "%s", parents[0].id);
        rc = 0;
        goto out;
    }
    if (orgs_pace_wait(e->orgs, ORGS_OP_MOVE_ACCOUNT) > 0) {
        *blocked = true;
        rc = 0;
        goto out;
    }
    if (orgs_move_account(e->orgs, a->account_id, n > 0 ? parents[0].id : e->root_id, target,
                          err) != 0) {
        if (err->aws == SBX_AWS_DUPLICATE) {
            rc = 0; /* already there */
        } else if (err->aws == SBX_AWS_NOT_FOUND) {
            /* A cached OU may have been deleted: forget it so the next try recreates it. */
            struct sbx_err ignored = { 0 };

            if (*path != '\0' && store_ou_put(e->store, path, "", &ignored) != 0)
                log_warn("cannot forget OU '%s': %s", path, ignored.msg);
        }
        goto out;
    }
    rc = 0;
out:
    free(parents);
    free(target);
    return rc;
}

int
eng_move_to(struct engine *e, const struct store_account *a, const char *path, bool *blocked,
            struct sbx_err *err)
{
    return eng_move_to_from(e, a, path, NULL, 0, blocked, NULL, 0, err);
}

int
eng_tag_account(struct engine *e, const struct store_account *a, bool *blocked, struct sbx_err *err)
{
    const struct cfg_kind *k = eng_kind(e, a->kind);
    struct orgs_tag tags[CFG_MAX_TAGS + 12];
    struct eng_identity id;
    char expires[32], seat[24];
    size_t n = 0;

    *blocked = false;
    if (orgs_pace_wait(e->orgs, ORGS_OP_TAG_RESOURCE) > 0) {
        *blocked = true;
        return 0;
    }
    /* An adopted account is tagged before its row exists; its identity follows the insert. */
    if (a->id > 0) {
        if (eng_identity_tags(e, a, &id, err) != 0)
            return -1;
        for (size_t i = 0; i < id.n; i++)
            tags[n++] = id.tags[i];
    }
    engine_fmt_time(a->expires_at, expires, sizeof(expires));
    tags[n++] = (struct orgs_tag){ (char *)TAG_MANAGED_BY, (char *)TAG_MANAGED_BY_VALUE };
    if (!eng_is_pool(a))
        tags[n++] = (struct orgs_tag){ (char *)TAG_OWNER, a->owner }; /* a pool one has none */
    tags[n++] = (struct orgs_tag){ (char *)TAG_KIND, a->kind };
    tags[n++] = (struct orgs_tag){ (char *)TAG_EXPIRES,
                                   expires[0] != '\0' ? expires : (char *)"never" };
    if (a->class_name != NULL)
        tags[n++] = (struct orgs_tag){ (char *)TAG_CLASS, a->class_name };
    if (a->seat > 0) {
        snprintf(seat, sizeof(seat), "%lld", (long long)a->seat);
        tags[n++] = (struct orgs_tag){ (char *)TAG_SEAT, seat };
    }
    for (int i = 0; i < k->ntags && n < SBX_ARRAY_LEN(tags); i++)
        tags[n++] = (struct orgs_tag){ k->tags[i].key, k->tags[i].value };
    return orgs_tag_resource(e->orgs, a->account_id, tags, n, err);
}

int
eng_create_account(struct engine *e, const struct store_account *a, struct orgs_create_status *st,
                   struct sbx_err *err)
{
    struct eng_identity id;
    int rc;

    /* The account carries its store and row from its first moment, so a lost answer is
     * reconciled only into this row (engine_identity.c). */
    if (eng_identity_tags(e, a, &id, err) != 0)
        return -1;
    /* One attempt: the client already never re-sends a CreateAccount that may have reached
     * AWS (orgs.h); beyond that the engine wants every failure back at once -- a throttled or
     * unsent call is deferred and rescheduled, never slept on inside a step. */
    orgs_set_max_attempts(e->orgs, 1);
    rc = orgs_create_account(e->orgs, a->email, a->name, e->cfg->aws.access_role, id.tags, id.n, st,
                             err);
    orgs_set_max_attempts(e->orgs, e->max_attempts);
    return rc;
}

int
eng_close_account(struct engine *e, const char *account_id, struct sbx_err *err)
{
    int rc;

    /* One attempt, as for CreateAccount: a CloseAccount that may have reached AWS is never
     * re-sent by the client (a double close), and the engine defers the rest itself. */
    orgs_set_max_attempts(e->orgs, 1);
    rc = orgs_close_account(e->orgs, account_id, err);
    orgs_set_max_attempts(e->orgs, e->max_attempts);
    return rc;
}

int
eng_tag_protected(struct engine *e, const char *account_id, bool *prot, char *why, size_t n,
                  struct sbx_err *err)
{
    const struct sbx_config *cfg = e->cfg;
    struct orgs_tag *tags = NULL;
    size_t ntags = 0;

    if (cfg->org.nprotected_tags == 0)
        return 0;
    if (orgs_list_tags(e->orgs, account_id, &tags, &ntags, err) != 0)
        return -1;
    for (size_t t = 0; t < ntags && !*prot; t++) {
        for (int i = 0; i < cfg->org.nprotected_tags; i++) {
            const struct cfg_tag *pt = &cfg->org.protected_tags[i];

            if (tags[t].key != NULL && strcmp(tags[t].key, pt->key) == 0 &&
                (strcmp(pt->value, "*") == 0 ||
                 (tags[t].value != NULL && strcmp(tags[t].value, pt->value) == 0))) {
                snprintf(why, n, "%s has the protected tag %s=%s", account_id, pt->key,
                         tags[t].value != NULL ? tags[t].value : "");
                *prot = true;
                break;
            }
        }
    }
    orgs_tags_free(tags, ntags);
    return 0;
}

/* Protection, with the account's live view (describe) for callers that need it. */
static int
protection(struct engine *e, const struct store_account *a, bool *prot, char *why, size_t n,
           struct orgs_account *live, struct sbx_err *err)
{
    const struct sbx_config *cfg = e->cfg;

    *prot = false;
    if (n > 0)
        why[0] = '\0';
    if (a->account_id[0] == '\0')
        return 0; /* nothing exists at AWS */
    if (eng_load_org(e, err) != 0)
        return -1;
    if (strcmp(a->account_id, e->mgmt_id) == 0) {
        snprintf(why, n, "%s is the organization's management account", a->account_id);
        *prot = true;
        return 0;
    }
    for (int i = 0; i < cfg->org.nprotected_accounts; i++) {
        if (strcmp(cfg->org.protected_accounts[i], a->account_id) == 0) {
            snprintf(why, n, "%s is listed in organization.protected_accounts", a->account_id);
            *prot = true;
            return 0;
        }
    }
    if (!a->adopted && a->request_id == NULL && !a->submitted) {
        snprintf(why, n, "%s was neither created nor adopted by sandboxctl", a->account_id);
        *prot = true;
        return 0;
    }
    if (orgs_describe_account(e->orgs, a->account_id, live, err) != 0)
        return -1;
    if (live->email != NULL && strcasecmp(live->email, a->email) != 0) {
        snprintf(why, n, "%s has email '%s' at AWS, not '%s' (not the account sandboxctl manages)",
                 a->account_id, live->email, a->email);
        *prot = true;
        return 0;
    }
    return eng_tag_protected(e, a->account_id, prot, why, n, err);
}

int
eng_protection_live(struct engine *e, const struct store_account *a, bool *prot, char *why,
                    size_t n, struct orgs_account *live, struct sbx_err *err)
{
    memset(live, 0, sizeof(*live));
    return protection(e, a, prot, why, n, live, err);
}

int
engine_check_protection(struct engine *e, const struct store_account *a, bool *prot, char *why,
                        size_t n, struct sbx_err *err)
{
    struct orgs_account live = { 0 };
    int rc = protection(e, a, prot, why, n, &live, err);

    orgs_account_release(&live);
    return rc;
}

static int
state_rank(const char *s)
{
    if (strcmp(s, "SUCCEEDED") == 0)
        return 3;
    if (strcmp(s, "IN_PROGRESS") == 0)
        return 2;
    return 1;
}

int
eng_find_create_request(struct engine *e, const struct store_account *a,
                        struct orgs_create_status *out, bool *found, struct sbx_err *err)
{
    const struct orgs_create_status *best = NULL;

    *found = false;
    memset(out, 0, sizeof(*out));
    if (!e->cas_loaded) {
        if (orgs_list_create_account_status(e->orgs, NULL, &e->cas, &e->ncas, err) != 0)
            return -1;
        e->cas_loaded = true;
    }
    /* Names are unique per attempt (a new alias gets a new name), so a match is this row's. */
    for (size_t i = 0; i < e->ncas; i++) {
        const struct orgs_create_status *c = &e->cas[i];

        if (c->account_name == NULL || strcmp(c->account_name, a->name) != 0)
            continue;
        if (best == NULL || state_rank(c->state) > state_rank(best->state))
            best = c;
    }
    if (best == NULL)
        return 0;
    *out = *best;
    out->account_name = NULL; /* not copied: the caller only needs ids and state */
    *found = true;
    return 0;
}

int
eng_find_account_by_email(struct engine *e, const char *email, char account_id[13], bool *found,
                          struct sbx_err *err)
{
    *found = false;
    account_id[0] = '\0';
    if (!e->accts_loaded) {
        if (orgs_list_accounts(e->orgs, &e->accts, &e->naccts, err) != 0)
            return -1;
        e->accts_loaded = true;
    }
    for (size_t i = 0; i < e->naccts; i++) {
        if (e->accts[i].email != NULL && strcasecmp(e->accts[i].email, email) == 0) {
            snprintf(account_id, 13, "%s", e->accts[i].id);
            *found = true;
            return 0;
        }
    }
    return 0;
}

/* --- init ------------------------------------------------------------------------------------ */

static void
note_ou(struct engine_init_report *r, const char *path, const char *id, bool created, bool dry)
{
    if (r->nous >= (int)SBX_ARRAY_LEN(r->ous))
        return;
    snprintf(r->ous[r->nous++], sizeof(r->ous[0]), "%s=%s (%s)", path, id != NULL ? id : "-",
             created ? (dry ? "would create" : "created") : "exists");
    if (created)
        r->ous_created++;
    else
        r->ous_existing++;
}

int
engine_init_org(struct engine *e, struct engine_init_report *r, struct sbx_err *err)
{
    struct orgs_organization org = { 0 };
    struct orgs_account *accts = NULL;
    size_t naccts = 0;
    char *detail = NULL, members[32];
    int rc = -1;

    memset(r, 0, sizeof(*r));
    if (orgs_describe_organization(e->orgs, &org, err) != 0) {
        sbx_err_prefix(err, "cannot describe the organization");
        return -1;
    }
    snprintf(r->org_id, sizeof(r->org_id), "%s", org.id != NULL ? org.id : "");
    snprintf(r->management_account_id, sizeof(r->management_account_id), "%s",
             org.master_account_id != NULL ? org.master_account_id : "");
    snprintf(r->management_email, sizeof(r->management_email), "%s",
             org.master_account_email != NULL ? org.master_account_email : "");
    snprintf(r->feature_set, sizeof(r->feature_set), "%s",
             org.feature_set != NULL ? org.feature_set : "");
    if (!e->dry_run) {
        char store_id[ENG_STORE_ID_LEN];

        /* The store's identity, tagged on every account it creates (engine_identity.c). */
        if (eng_store_id(e, true, store_id, err) != 0 ||
            store_meta_set(e->store, "org_id", r->org_id, err) != 0 ||
            store_meta_set(e->store, "management_account_id", r->management_account_id, err) != 0)
            goto out;
    }
    snprintf(e->mgmt_id, sizeof(e->mgmt_id), "%s", r->management_account_id);
    e->root_id[0] = '\0';
    e->org_loaded = false;
    if (eng_load_org(e, err) != 0)
        goto out;
    snprintf(r->root_id, sizeof(r->root_id), "%s", e->root_id);
    if (orgs_list_accounts(e->orgs, &accts, &naccts, err) != 0) {
        sbx_err_prefix(err, "cannot list the organization's accounts");
        goto out;
    }
    r->members = (int64_t)naccts;
    if (!e->dry_run && (store_meta_set_int(e->store, "members", r->members, err) != 0 ||
                        store_meta_set_int(e->store, "members_at", eng_now(e), err) != 0))
        goto out;
    for (int i = 0; i < e->cfg->nkinds + 1; i++) {
        const char *path = i < e->cfg->nkinds ? e->cfg->kinds[i].ou : e->cfg->org.close_wait_ou;
        bool dup = false, created = false;
        char *id = NULL;

        if (path == NULL || *path == '\0')
            continue;
        for (int j = 0; j < r->nous; j++)
            dup = dup || strncmp(r->ous[j], path, strlen(path)) == 0;
        if (dup)
            continue;
        if (ensure_ou(e, path, &id, &created, err) != 0)
            goto out;
        note_ou(r, path, id, created, e->dry_run);
        free(id);
    }
    if (!e->dry_run) {
        struct store_audit_ev ev = { eng_now(e), e->actor, "init", NULL, NULL, NULL };

        snprintf(members, sizeof(members), "%lld", (long long)r->members);
        detail = eng_detail("org_id", r->org_id, "management_account_id", r->management_account_id,
                            "root_id", r->root_id, "members", members, NULL);
        ev.detail = detail;
        if (store_audit_append(e->store, NULL, &ev, err) != 0)
            goto out;
    }
    rc = 0;
out:
    free(detail);
    orgs_accounts_free(accts, naccts);
    orgs_organization_release(&org);
    return rc;
}
