/*
 * engine_directory.c -- owners against IAM Identity Center's identity store (see
 * engine_directory.h): missing users before a creation, users created for a class, and the
 * off-boarding `run` does when an owner's user leaves the directory, with its brake.
 *
 * Only a ResourceNotFoundException from GetUserId means "no such user". Any other failure
 * (throttling after the client's retries, a denial, a network error) stops the check: an
 * owner is never taken for gone because the directory could not be asked.
 */
#include "engine/engine_directory.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/idc.h"
#include "cfg.h"
#include "engine/engine.h"
#include "engine/engine_access.h"
#include "engine/engine_alias.h"
#include "engine/engine_int.h"
#include "engine/engine_state.h"
#include "util/grow.h"
#include "util/log.h"

#define META_CHECK_AT   "directory_check_at"
#define OFFBOARD_REASON "owner_left_directory"

/* --- a set of owner strings ---------------------------------------------------------------- */

struct owners {
    char **v;
    size_t n, cap;
};

static bool
owners_has(const struct owners *o, const char *s)
{
    for (size_t i = 0; i < o->n; i++) {
        if (strcmp(o->v[i], s) == 0)
            return true;
    }
    return false;
}

/* Adds a copy of s unless it is there (or empty); -1 when out of memory. */
static int
owners_add(struct owners *o, const char *s)
{
    if (s == NULL || *s == '\0' || owners_has(o, s))
        return 0;
    char **slot = grow_slot(&o->v, o->n, &o->cap, sizeof(*o->v));

    if (slot == NULL || (*slot = strdup(s)) == NULL)
        return -1;
    o->n++;
    return 0;
}

static void
owners_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* --- the client ---------------------------------------------------------------------------- */

struct dir {
    struct idc *c;
    struct engine_access_instance in;
};

static int
dir_open(struct engine *e, struct dir *d, struct sbx_err *err)
{
    struct idc_opts opts;

    memset(d, 0, sizeof(*d));
    if (e->orgs == NULL) {
        sbx_err_set(err, SBX_E_FAILURE, "the Identity Center check needs an AWS client");
        return -1;
    }
    engine_access_idc_opts(e->cfg, &opts);
    if (idc_new(e->orgs, &opts, &d->c, err) != 0)
        return -1;
    if (engine_access_instance(d->c, &e->cfg->access, &d->in, err) != 0) {
        idc_free(d->c);
        d->c = NULL;
        return -1;
    }
    return 0;
}

static void
dir_close(struct dir *d)
{
    engine_access_instance_release(&d->in);
    idc_free(d->c);
    memset(d, 0, sizeof(*d));
}

/* Looks owner up: *found, or -1 for any failure but "no such user". */
static int
dir_lookup(struct engine *e, struct dir *d, const char *owner, bool *found, struct sbx_err *err)
{
    char *uid = NULL;

    *found = false;
    if (engine_access_user_id(d->c, &e->cfg->access, d->in.identity_store_id, owner, &uid, err) ==
        0) {
        free(uid);
        *found = true;
        return 0;
    }
    if (err->code == SBX_E_NOTFOUND) {
        sbx_err_clear(err);
        return 0;
    }
    return -1;
}

/* --- creating users ------------------------------------------------------------------------ */

/*
 * The new user of owner: its user name is what the lookup uses (the template's expansion, or
 * the address), its display and given name the address's local part up to the first '.', '_'
 * or '-', its family name the rest of the local part (or the whole of it).
 */
static int
create_user(struct engine *e, struct dir *d, const char *owner, char **user_id, struct sbx_err *err)
{
    const char *at = strchr(owner, '@'), *path;
    char uname[256], local[130], given[130], family[130];
    size_t llen = at != NULL ? (size_t)(at - owner) : strlen(owner), cut;
    struct idc_new_user u;

    if (engine_access_user_key(&e->cfg->access, owner, &path, uname, sizeof(uname), err) != 0)
        return -1;
    if (llen >= sizeof(local))
        llen = sizeof(local) - 1;
    memcpy(local, owner, llen);
    local[llen] = '\0';
    cut = strcspn(local, "._-");
    snprintf(given, sizeof(given), "%.*s", (int)(cut > 0 ? cut : llen), local);
    snprintf(family, sizeof(family), "%s", cut > 0 && cut + 1 < llen ? local + cut + 1 : local);
    u.user_name = uname;
    u.display_name = local;
    u.given_name = given;
    u.family_name = family;
    u.email = at != NULL ? owner : NULL;
    if (idc_create_user(d->c, d->in.identity_store_id, &u, user_id, err) == 0)
        return 0;
    if (err->code == SBX_E_AWS && err->aws == SBX_AWS_ACCESS_DENIED) {
        char msg[sizeof(err->msg)];

        snprintf(msg, sizeof(msg), "%s", err->msg);
        sbx_err_set(err, SBX_E_CONFIG,
                    "access.create_users: identity store %s refused to create the user of %s "
                    "(%s): users can be created only in IAM Identity Center's own directory; "
                    "with an external identity provider create them there (or the caller lacks "
                    "identitystore:CreateUser)",
                    d->in.identity_store_id, owner, msg);
        return -1;
    }
    if (err->code == SBX_E_AWS && err->aws == SBX_AWS_CONFLICT) {
        /* A retried CreateUser that had taken effect, or a user made meanwhile: use it. */
        sbx_err_clear(err);
        return engine_access_user_id(d->c, &e->cfg->access, d->in.identity_store_id, owner, user_id,
                                     err);
    }
    sbx_err_prefix(err, "cannot create the Identity Center user of %s", owner);
    return -1;
}

/* Adds user_id to every access.user_groups group (already a member is fine). */
static int
join_groups(struct engine *e, struct dir *d, const char *owner, const char *user_id,
            struct sbx_err *err)
{
    const char *p = e->cfg->access.user_groups;

    while (p != NULL && *p != '\0') {
        size_t len = strcspn(p, ",");
        char name[1025], *gid = NULL;
        int rc;

        snprintf(name, sizeof(name), "%.*s", (int)len, p);
        p += len + (p[len] == ',' ? 1 : 0);
        if (idc_get_group_id(d->c, d->in.identity_store_id, name, &gid, err) != 0) {
            if (err->code == SBX_E_AWS && err->aws == SBX_AWS_NOT_FOUND)
                sbx_err_set(err, SBX_E_CONFIG,
                            "access.user_groups: no group '%s' in identity store %s", name,
                            d->in.identity_store_id);
            return -1;
        }
        rc = idc_create_group_membership(d->c, d->in.identity_store_id, gid, user_id, err);
        free(gid);
        if (rc != 0 && err->code == SBX_E_AWS && err->aws == SBX_AWS_CONFLICT) {
            sbx_err_clear(err);
            rc = 0;
        }
        if (rc != 0) {
            if (err->code == SBX_E_AWS && err->aws == SBX_AWS_ACCESS_DENIED)
                sbx_err_prefix(err,
                               "access.user_groups: identity store %s refused to add %s to "
                               "group '%s' (group memberships can be made only in IAM "
                               "Identity Center's own directory)",
                               d->in.identity_store_id, owner, name);
            else
                sbx_err_prefix(err, "cannot add %s to group '%s'", owner, name);
            return -1;
        }
    }
    return 0;
}

static int
audit(struct engine *e, const char *event, const char *detail, struct sbx_err *err)
{
    struct store_audit_ev ev = { eng_now(e), e->actor, event, NULL, NULL, detail };

    return store_audit_append(e->store, NULL, &ev, err);
}

static int
create_missing(struct engine *e, struct dir *d, struct engine_directory_users *r,
               struct sbx_err *err)
{
    size_t keep = 0;

    for (size_t i = 0; i < r->nmissing; i++) {
        char *uid = NULL, *detail;
        int rc;

        if (create_user(e, d, r->missing[i], &uid, err) != 0 ||
            join_groups(e, d, r->missing[i], uid, err) != 0) {
            free(uid);
            /* The ones not reached yet stay missing. */
            for (size_t j = i; j < r->nmissing; j++)
                r->missing[keep++] = r->missing[j];
            r->nmissing = keep;
            return -1;
        }
        detail = eng_detail("owner", r->missing[i], "user_id", uid, "identity_store",
                            d->in.identity_store_id, "groups", e->cfg->access.user_groups, NULL);
        rc = detail == NULL ? sbx_err_nomem(err) : audit(e, "user_created", detail, err);
        free(detail);
        free(uid);
        r->created[r->ncreated++] = r->missing[i];
        if (rc != 0) {
            for (size_t j = i + 1; j < r->nmissing; j++)
                r->missing[keep++] = r->missing[j];
            r->nmissing = keep;
            return -1;
        }
    }
    r->nmissing = 0;
    return 0;
}

/* "a@x, b@x, c@x" into buf (cut with ", ..." when it does not fit). */
static void
join_list(char *const *v, size_t n, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i > 0 ? ", " : "", v[i]);

        if (w < 0 || (size_t)w >= len - used) {
            if (len > 5)
                snprintf(buf + (len > 6 ? len - 6 : 0), 6, ", ...");
            return;
        }
        used += (size_t)w;
    }
}

int
engine_directory_users(struct engine *e, const char *const *owners, size_t n,
                       struct engine_directory_users *r, struct sbx_err *err)
{
    struct owners distinct = { 0 }, missing = { 0 };
    struct dir d;
    char list[400];
    int rc = -1;

    memset(r, 0, sizeof(*r));
    if (!e->cfg->access.enabled)
        return 0;
    r->checked = true;
    r->create = e->cfg->access.create_users;
    for (size_t i = 0; i < n; i++) {
        char norm[ALIAS_OWNER_MAX + 1];

        /* As the engine will record it (engine_request): the lookup is by that address. */
        if (engine_alias_normalize_owner(owners[i], e->cfg->org.owner_domain, norm, sizeof(norm),
                                         err) != 0) {
            owners_free(distinct.v, distinct.n);
            return -1;
        }
        if (owners_add(&distinct, norm) != 0) {
            owners_free(distinct.v, distinct.n);
            return sbx_err_nomem(err);
        }
    }
    if (dir_open(e, &d, err) != 0) {
        owners_free(distinct.v, distinct.n);
        return -1;
    }
    snprintf(r->store_id, sizeof(r->store_id), "%s", d.in.identity_store_id);
    for (size_t i = 0; i < distinct.n; i++) {
        bool found;

        if (dir_lookup(e, &d, distinct.v[i], &found, err) != 0)
            goto out;
        if (!found && owners_add(&missing, distinct.v[i]) != 0) {
            sbx_err_nomem(err);
            goto out;
        }
    }
    r->missing = missing.v;
    r->nmissing = missing.n;
    missing = (struct owners){ 0 };
    r->created = r->nmissing > 0 ? calloc(r->nmissing, sizeof(*r->created)) : NULL;
    if (r->nmissing > 0 && r->created == NULL) {
        sbx_err_nomem(err);
        goto out;
    }
    if (r->create && r->nmissing > 0) {
        if (e->dry_run) {
            for (size_t i = 0; i < r->nmissing; i++)
                r->created[r->ncreated++] = r->missing[i];
            r->nmissing = 0;
        } else if (create_missing(e, &d, r, err) != 0) {
            goto out;
        }
    }
    if (r->nmissing > 0) {
        join_list(r->missing, r->nmissing, list, sizeof(list));
        sbx_err_set(err, SBX_E_NOTFOUND,
                    "%zu owner%s %s no IAM Identity Center user in identity store %s (%s): "
                    "add %s there, or set access.create_users",
                    r->nmissing, r->nmissing == 1 ? "" : "s", r->nmissing == 1 ? "has" : "have",
                    d.in.identity_store_id, list, r->nmissing == 1 ? "it" : "them");
        goto out;
    }
    rc = 0;
out:
    owners_free(distinct.v, distinct.n);
    owners_free(missing.v, missing.n);
    dir_close(&d);
    return rc;
}

int
engine_directory_groups(struct engine *e, const char *kind, const char *const *extra, size_t nextra,
                        struct sbx_err *err)
{
    struct owners missing = { 0 };
    char **groups = NULL, list[400], *gid;
    size_t n = 0;
    struct dir d;
    int rc = -1;

    if (!e->cfg->access.enabled)
        return 0;
    if (engine_access_groups(e->cfg, eng_kind(e, kind), extra, nextra, &groups, &n, err) != 0)
        return -1;
    if (n == 0) {
        store_strings_free(groups, n);
        return 0;
    }
    if (dir_open(e, &d, err) != 0) {
        store_strings_free(groups, n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (engine_access_group_id(d.c, d.in.identity_store_id, groups[i], &gid, err) == 0) {
            free(gid);
            continue;
        }
        if (err->code != SBX_E_NOTFOUND)
            goto out;
        sbx_err_clear(err);
        if (owners_add(&missing, groups[i]) != 0) {
            sbx_err_nomem(err);
            goto out;
        }
    }
    if (missing.n > 0) {
        join_list(missing.v, missing.n, list, sizeof(list));
        sbx_err_set(err, SBX_E_NOTFOUND,
                    "no IAM Identity Center group named %s in identity store %s (displayName): "
                    "create %s there, or correct access.groups, kinds.%s.access_groups or "
                    "--access-group",
                    list, d.in.identity_store_id, missing.n == 1 ? "it" : "them", kind);
        goto out;
    }
    rc = 0;
out:
    owners_free(missing.v, missing.n);
    store_strings_free(groups, n);
    dir_close(&d);
    return rc;
}

void
engine_directory_users_release(struct engine_directory_users *r)
{
    /* created[] and missing[] share the strings: missing[] owns every one of them until
     * create_missing moves them, so free what each holds exactly once. */
    for (size_t i = 0; i < r->nmissing; i++)
        free(r->missing[i]);
    for (size_t i = 0; i < r->ncreated; i++)
        free(r->created[i]);
    free(r->missing);
    free(r->created);
    memset(r, 0, sizeof(*r));
}

/* --- off-boarding -------------------------------------------------------------------------- */

size_t
engine_directory_decide(const struct engine_directory_owner *owners, size_t n, int brake_owners,
                        int brake_percent, bool *offboard, bool *braked)
{
    size_t vanished = 0, k = 0;

    for (size_t i = 0; i < n; i++)
        vanished += owners[i].vanished ? 1 : 0;
    /* Integer arithmetic: "more than p percent" is vanished * 100 > p * n. */
    *braked = vanished > (size_t)brake_owners && vanished * 100 > (size_t)brake_percent * n;
    for (size_t i = 0; i < n; i++) {
        offboard[i] = !*braked && owners[i].vanished;
        k += offboard[i] ? 1 : 0;
    }
    return k;
}

static int
collect_owner(void *arg, const struct store_account *a)
{
    return owners_add(arg, a->owner);
}

static int
collect_id(void *arg, const struct store_account *a)
{
    struct owners *ids = arg;
    char id[24];

    snprintf(id, sizeof(id), "%lld", (long long)a->id);
    return owners_add(ids, id);
}

/* Off-boards owner as `offboard` does: every account asked to close, protection checked. */
static int
offboard_owner(struct engine *e, const char *owner, struct engine_directory_report *r,
               struct sbx_err *err)
{
    struct store_filter f = { 0 };
    struct owners ids = { 0 };
    int rc = -1;

    f.owner = owner;
    f.all = true;
    if (store_account_list(e->store, &f, collect_id, &ids, err) != 0) {
        if (err->code == SBX_E_OK)
            sbx_err_nomem(err);
        goto out;
    }
    for (size_t i = 0; i < ids.n; i++) {
        struct store_account a;
        enum engine_close_outcome oc;
        char why[256];

        if (store_account_get(e->store, strtoll(ids.v[i], NULL, 10), &a, err) != 0)
            goto out;
        if (engine_close_request(e, &a, OFFBOARD_REASON, ENGINE_OFFBOARD_PRIORITY, true, &oc, why,
                                 sizeof(why), err) != 0) {
            sbx_err_prefix(err, "off-boarding %s (left the directory)", owner);
            store_account_release(&a);
            goto out;
        }
        if (oc == ENGINE_CLOSE_QUEUED || oc == ENGINE_CLOSE_CANCELLED ||
            oc == ENGINE_CLOSE_AFTER_CREATE)
            r->accounts++;
        else if (oc == ENGINE_CLOSE_REFUSED)
            r->refused++;
        store_account_release(&a);
    }
    r->offboarded++;
    rc = 0;
out:
    owners_free(ids.v, ids.n);
    return rc;
}

/* The brake held: audit, remember for `doctor`, tell the caller. */
static int
brake(struct engine *e, const struct engine_directory_owner *v, size_t n,
      struct engine_directory_report *r, struct sbx_err *err)
{
    char names[300], count[32], checked[32], at[32], *detail;
    struct owners gone = { 0 };
    int rc;

    for (size_t i = 0; i < n; i++) {
        if (v[i].vanished && owners_add(&gone, v[i].owner) != 0) {
            owners_free(gone.v, gone.n);
            return sbx_err_nomem(err);
        }
    }
    join_list(gone.v, gone.n, names, sizeof(names));
    owners_free(gone.v, gone.n);
    r->braked = true;
    snprintf(r->brake, sizeof(r->brake),
             "directory brake at %s: %d of %d owners have no IAM Identity Center user (more than "
             "%d and more than %d%%), so nobody was off-boarded; check the identity source "
             "(IdP, SCIM sync), then off-board real leavers with `sandboxctl offboard` (%s)",
             engine_fmt_time(eng_now(e), at, sizeof(at)), r->vanished, r->owners,
             e->cfg->access.brake_owners, e->cfg->access.brake_percent, names);
    if (e->dry_run)
        return 0;
    snprintf(count, sizeof(count), "%d", r->vanished);
    snprintf(checked, sizeof(checked), "%d", r->owners);
    detail = eng_detail("vanished", count, "checked", checked, "owners", names, NULL);
    rc = detail == NULL ? sbx_err_nomem(err) : audit(e, "directory_brake", detail, err);
    free(detail);
    if (rc == 0)
        rc = store_meta_set(e->store, ENGINE_META_DIRECTORY_BRAKE, r->brake, err);
    return rc;
}

static int
check_owners(struct engine *e, struct engine_directory_report *r, struct sbx_err *err)
{
    static const enum engine_state live[] = { ENGINE_S_REQUESTED, ENGINE_S_CREATING,
                                              ENGINE_S_ACTIVE };
    struct owners owners = { 0 };
    struct engine_directory_owner *v = NULL;
    bool *off = NULL;
    struct dir d = { 0 };
    int rc = -1;

    for (size_t s = 0; s < SBX_ARRAY_LEN(live); s++) {
        struct store_filter f = { 0 };

        f.by_state = true;
        f.state = live[s];
        if (store_account_list_brief(e->store, &f, true, collect_owner, &owners, err) != 0) {
            if (err->code == SBX_E_OK)
                sbx_err_nomem(err);
            goto out;
        }
    }
    r->owners = (int)owners.n;
    if (owners.n == 0) {
        rc = 0;
        goto out;
    }
    v = calloc(owners.n, sizeof(*v));
    off = calloc(owners.n, sizeof(*off));
    if (v == NULL || off == NULL) {
        sbx_err_nomem(err);
        goto out;
    }
    if (dir_open(e, &d, err) != 0)
        goto out;
    for (size_t i = 0; i < owners.n; i++) {
        bool found;

        v[i].owner = owners.v[i];
        if (dir_lookup(e, &d, owners.v[i], &found, err) != 0) {
            sbx_err_prefix(err,
                           "directory check stopped after %zu of %zu owners, nobody "
                           "off-boarded",
                           i, owners.n);
            goto out;
        }
        v[i].vanished = !found;
        r->vanished += found ? 0 : 1;
    }
    engine_directory_decide(v, owners.n, e->cfg->access.brake_owners, e->cfg->access.brake_percent,
                            off, &r->braked);
    if (r->braked) {
        rc = brake(e, v, owners.n, r, err);
        goto out;
    }
    if (!e->dry_run && store_meta_set(e->store, ENGINE_META_DIRECTORY_BRAKE, "", err) != 0)
        goto out;
    for (size_t i = 0; i < owners.n; i++) {
        if (!off[i])
            continue;
        if (e->dry_run) {
            r->offboarded++;
            continue;
        }
        if (offboard_owner(e, owners.v[i], r, err) != 0)
            goto out;
    }
    rc = 0;
out:
    if (d.c != NULL)
        dir_close(&d);
    free(v);
    free(off);
    owners_free(owners.v, owners.n);
    return rc;
}

int
engine_directory_check(struct engine *e, bool force, struct engine_directory_report *r,
                       struct sbx_err *err)
{
    int64_t interval = e->cfg->access.directory_interval, now = eng_now(e), last = 0;
    int rc;

    memset(r, 0, sizeof(*r));
    if (!e->cfg->access.enabled || (interval <= 0 && !force))
        return 0;
    if (store_meta_get_int(e->store, META_CHECK_AT, 0, &last, err) != 0)
        return -1;
    if (!force && last > 0 && now - last < interval) {
        r->next_at = last + interval;
        return 0;
    }
    r->ran = true;
    rc = check_owners(e, r, err);
    /* Paced also when it failed: the next try is an interval away, not the next pass. */
    if (!e->dry_run) {
        struct sbx_err merr = { 0 };

        if (store_meta_set_int(e->store, META_CHECK_AT, now, &merr) != 0) {
            if (rc == 0) {
                *err = merr;
                rc = -1;
            } else {
                log_debug("cannot record the directory check time: %s", merr.msg);
            }
        }
    }
    r->next_at = interval > 0 ? now + interval : 0;
    return rc;
}

/* --- doctor -------------------------------------------------------------------------------- */

struct probes {
    struct engine_access_probe *v;
    size_t n, cap;
};

static struct engine_access_probe *probe_add(struct probes *p, const char *name, int status,
                                             const struct sbx_err *err, const char *fmt, ...)
        SBX_PRINTF(5, 6);

static struct engine_access_probe *
probe_add(struct probes *p, const char *name, int status, const struct sbx_err *err,
          const char *fmt, ...)
{
    struct engine_access_probe *r;
    va_list ap;

    if (p->n >= p->cap)
        return NULL;
    r = &p->v[p->n++];
    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", name);
    r->status = status;
    if (err != NULL)
        r->err = *err;
    va_start(ap, fmt);
    vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
    va_end(ap);
    return r;
}

/* A read call's answer: allowed unless IAM denied it (a made-up id not found is allowed). */
static void
probe_call(struct probes *p, const char *action, int rc, struct sbx_err *err)
{
    if (rc == 0)
        probe_add(p, action, 0, NULL, "allowed");
    else if (err->code == SBX_E_AWS &&
             (err->aws == SBX_AWS_NOT_FOUND || err->aws == SBX_AWS_INVALID_INPUT))
        probe_add(p, action, 0, NULL, "allowed (the made-up id is unknown, as expected)");
    else if (err->code == SBX_E_AWS && err->aws == SBX_AWS_ACCESS_DENIED)
        probe_add(p, action, 1, err, "denied: %s", err->msg);
    else
        probe_add(p, action, 1, err, "%s", err->msg);
    sbx_err_clear(err);
}

#define PROBE_ID "00000000-0000-4000-8000-000000000000"

/* One call of each read kind, with made-up ids where one is needed. */
static void
probe_reads(struct probes *p, struct idc *c, const struct engine_access_instance *in,
            const char *ps_arn)
{
    struct idc_assignment_status st;
    struct idc_account_assignment *as = NULL;
    struct idc_permission_set ps;
    struct idc_user u;
    struct sbx_err err = { 0 };
    char **sets = NULL, *id = NULL;
    size_t n = 0;
    int rc;

    rc = idc_list_permission_sets(c, in->arn, &sets, &n, &err);
    idc_strings_free(sets, n);
    probe_call(p, "sso:ListPermissionSets", rc, &err);
    rc = idc_describe_permission_set(c, in->arn, ps_arn, &ps, &err);
    if (rc == 0)
        idc_permission_set_release(&ps);
    probe_call(p, "sso:DescribePermissionSet", rc, &err);
    /* The management account's own id is not needed: any twelve digits ask the question. */
    rc = idc_list_account_assignments(c, in->arn, "000000000000", ps_arn, &as, &n, &err);
    idc_account_assignments_free(as, rc == 0 ? n : 0);
    probe_call(p, "sso:ListAccountAssignments", rc, &err);
    rc = idc_describe_assignment_creation_status(c, in->arn, PROBE_ID, &st, &err);
    if (rc == 0)
        idc_assignment_status_release(&st);
    probe_call(p, "sso:DescribeAccountAssignmentCreationStatus", rc, &err);
    rc = idc_describe_assignment_deletion_status(c, in->arn, PROBE_ID, &st, &err);
    if (rc == 0)
        idc_assignment_status_release(&st);
    probe_call(p, "sso:DescribeAccountAssignmentDeletionStatus", rc, &err);
    rc = idc_get_user_id(c, in->identity_store_id, "userName", "sandboxctl-doctor-probe", &id,
                         &err);
    free(id);
    id = NULL;
    probe_call(p, "identitystore:GetUserId", rc, &err);
    rc = idc_describe_user(c, in->identity_store_id, PROBE_ID, &u, &err);
    if (rc == 0)
        idc_user_release(&u);
    probe_call(p, "identitystore:DescribeUser", rc, &err);
    rc = idc_get_group_id(c, in->identity_store_id, "sandboxctl-doctor-probe", &id, &err);
    free(id);
    probe_call(p, "identitystore:GetGroupId", rc, &err);
}

/* The kinds whose accounts group gives access to, "kinds a, b" into buf (len bytes). */
static void
group_users(const struct sbx_config *cfg, const char *group, char *buf, size_t len)
{
    char *kinds[64];
    size_t nk = 0;

    for (int k = 0; k < cfg->nkinds && nk < SBX_ARRAY_LEN(kinds); k++) {
        char **groups = NULL;
        size_t n = 0;
        struct sbx_err err = { 0 };
        bool uses = false;

        if (engine_access_groups(cfg, &cfg->kinds[k], NULL, 0, &groups, &n, &err) != 0)
            continue;
        for (size_t i = 0; i < n && !uses; i++)
            uses = strcmp(groups[i], group) == 0;
        store_strings_free(groups, n);
        if (uses)
            kinds[nk++] = cfg->kinds[k].name;
    }
    if (nk == 0) {
        snprintf(buf, len, "no kind");
        return;
    }
    snprintf(buf, len, "kind%s ", nk == 1 ? "" : "s");
    join_list(kinds, nk, buf + strlen(buf), len - strlen(buf));
}

/*
 * Every group the configuration gives access (access.groups and each kind's access_groups),
 * once each: found by displayName (its id), or not there, which is what `create` of that kind
 * would refuse (exit 7). The kinds that name a group follow it.
 */
static void
probe_groups(struct probes *p, const struct sbx_config *cfg, struct idc *c,
             const struct engine_access_instance *in)
{
    struct owners seen = { 0 };

    for (int k = -1; k < cfg->nkinds; k++) {
        const struct cfg_kind *kind = k < 0 ? NULL : &cfg->kinds[k];
        char **groups = NULL, *gid = NULL;
        size_t n = 0;
        struct sbx_err err = { 0 };

        if (engine_access_groups(cfg, kind, NULL, 0, &groups, &n, &err) != 0) {
            probe_add(p, "access groups", 1, &err, "%s", err.msg);
            break;
        }
        for (size_t i = 0; i < n; i++) {
            char name[48], kinds[160];

            if (owners_has(&seen, groups[i]))
                continue;
            if (owners_add(&seen, groups[i]) != 0) {
                sbx_err_nomem(&err);
                probe_add(p, "access groups", 1, &err, "%s", err.msg);
                break;
            }
            group_users(cfg, groups[i], kinds, sizeof(kinds));
            snprintf(name, sizeof(name), "group %s", groups[i]);
            if (engine_access_group_id(c, in->identity_store_id, groups[i], &gid, &err) == 0)
                probe_add(p, name, 0, NULL, "%s, for %s", gid, kinds);
            else
                probe_add(p, name, 1, &err, "%s; needed by %s", err.msg, kinds);
            free(gid);
            gid = NULL;
            sbx_err_clear(&err);
        }
        store_strings_free(groups, n);
    }
    owners_free(seen.v, seen.n);
}

size_t
engine_directory_doctor(const struct sbx_config *cfg, struct orgs *o,
                        struct engine_access_probe *out, size_t n)
{
    struct probes p = { out, 0, n };
    struct engine_access_instance in = { 0 };
    struct sbx_err err = { 0 };
    struct idc_opts opts;
    struct idc *c = NULL;
    char *first_ps = NULL;

    if (!cfg->access.enabled)
        return 0;
    engine_access_idc_opts(cfg, &opts);
    if (idc_new(o, &opts, &c, &err) != 0) {
        probe_add(&p, "access instance", 1, &err, "%s", err.msg);
        return p.n;
    }
    /* ListInstances: the instance check is its call. */
    if (engine_access_instance(c, &cfg->access, &in, &err) != 0) {
        probe_add(&p, "access instance", 1, &err, "%s", err.msg);
        probe_add(&p, "access calls", 2, NULL, "skipped: no instance to ask");
        idc_free(c);
        return p.n;
    }
    probe_add(&p, "access instance", 0, NULL, "%s (identity store %s) in %s", in.arn,
              in.identity_store_id, idc_region(c));
    for (int k = -1; k < cfg->nkinds; k++) {
        const char *want = k < 0 ? cfg->access.permission_set : cfg->kinds[k].permission_set;
        char name[48], *arn = NULL;

        if (want == NULL || (k >= 0 && cfg->access.permission_set != NULL &&
                             strcmp(want, cfg->access.permission_set) == 0))
            continue;
        snprintf(name, sizeof(name), "permission set %s", k < 0 ? "(default)" : cfg->kinds[k].name);
        if (engine_access_permission_set_arn(c, in.arn, want, &arn, &err) != 0) {
            probe_add(&p, name, 1, &err, "%s", err.msg);
            sbx_err_clear(&err);
            continue;
        }
        probe_add(&p, name, 0, NULL, "%s: %s", want, arn);
        if (first_ps == NULL)
            first_ps = arn;
        else
            free(arn);
    }
    probe_groups(&p, cfg, c, &in);
    probe_add(&p, "sso:ListInstances", 0, NULL, "allowed");
    probe_reads(&p, c, &in,
                first_ps != NULL ? first_ps
                                 : "arn:aws:sso:::permissionSet/ssoins-0000000000000000/"
                                   "ps-0000000000000000");
    probe_add(&p, "access writes", 2, NULL,
              "not tried (they would change something): sso:CreateAccountAssignment, "
              "sso:DeleteAccountAssignment%s",
              cfg->access.create_users
                      ? ", identitystore:CreateUser, identitystore:CreateGroupMembership"
                      : "");
    free(first_ps);
    engine_access_instance_release(&in);
    idc_free(c);
    return p.n;
}
