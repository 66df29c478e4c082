/*
 * class_run.c -- plan, record, drive, end and resume classes (see class_run.h).
 *
 * Design notes:
 * - Validation happens completely before the first write: a class is never half-recorded,
 *   and the class row plus every seat row go in one transaction. Seats are requested through
 *   engine_request(), whose alias picker checks the store for taken aliases; since this
 *   transaction holds the write lock throughout, no other process can take one in between,
 *   and any failure (max_per_owner, a template error) rolls the whole class back.
 * - The free-slot check counts what AWS counts: ListAccounts (every member, closed ones
 *   until they leave after 90 days, plus the management account) and our rows that may not
 *   have reached the organization yet; the limit itself is limits.account_limit, since the
 *   Organizations API does not expose the quota.
 * - Seats are plain account rows; the class row only records intent (provisioning, ending)
 *   and its effective state is derived from the seats (class_effective_state()).
 */
#include "class/class_run.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/orgs.h"
#include "class/floor.h"
#include "engine/engine.h"
#include "engine/engine_alias.h"
#include "engine/engine_state.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/log.h"

void
class_plan_release(struct class_plan *p)
{
    if (p == NULL)
        return;
    for (int64_t i = 0; p->owners != NULL && i < p->seats; i++)
        free(p->owners[i]);
    free(p->owners);
    memset(p, 0, sizeof(*p));
}

/* The creation pipeline of limits (rate, burst, cap) with AWS's latency and follow-ups. */
static struct floor_pipeline
create_pipeline(const struct cfg_limits *l)
{
    struct floor_pipeline p = { 0 };

    p.submit = floor_bucket_full(l->create_rate, l->create_burst);
    p.cap = l->create_in_progress;
    p.latency = CLASS_CREATE_LATENCY;
    /* DescribeCreateAccountStatus, MoveAccount, TagResource per seat (AWS bursts 2, 3, 6). */
    p.nfollow = 3;
    p.follow[0] = floor_bucket_full(l->describe_rate, 2);
    p.follow[1] = floor_bucket_full(l->move_rate, 3);
    p.follow[2] = floor_bucket_full(l->tag_rate, 6);
    return p;
}

static int64_t
now_secs(struct class_env *e)
{
    return (int64_t)floor(clock_now(e->clock));
}

int
class_plan_make(struct class_env *e, const struct class_request *r, struct class_plan *p,
                struct sbx_err *err)
{
    const struct sbx_config *cfg = e->cfg;
    const char *kind = r->kind != NULL ? r->kind : "training";
    struct store_class existing = { 0 };
    struct orgs_account *accts = NULL;
    struct floor_pipeline pipe;
    struct floor_state fs = { 0 };
    size_t nacct = 0;
    int64_t nreq = 0, ncre = 0, base;
    char why[320], buf[32], buf2[32];
    int rc = -1;

    memset(p, 0, sizeof(*p));
    p->now = now_secs(e);
    if (!class_name_valid(r->name, why, sizeof(why))) {
        sbx_err_set(err, SBX_E_INVALID, "%s", why);
        goto out;
    }
    p->kind = cfg_kind_find(cfg, kind);
    if (p->kind == NULL) {
        sbx_err_set(err, SBX_E_INVALID, "unknown kind '%s'", kind);
        goto out;
    }
    if (r->owner == NULL) {
        sbx_err_set(err, SBX_E_INVALID, "a class needs --owner (the instructor)");
        goto out;
    }
    if (engine_alias_normalize_owner(r->owner, cfg->org.owner_domain, p->owner, sizeof(p->owner),
                                     err) != 0) {
        sbx_err_prefix(err, "instructor");
        goto out;
    }
    p->ttl = r->ttl_set ? r->ttl : p->kind->default_ttl;
    if (p->kind->max_ttl > 0 && (p->ttl == 0 || p->ttl > p->kind->max_ttl)) {
        sbx_err_set(err, SBX_E_INVALID, "ttl %s is above the maximum %s of kind '%s'",
                    p->ttl == 0 ? "none" : duration_format(p->ttl, buf, sizeof(buf)),
                    duration_format(p->kind->max_ttl, buf2, sizeof(buf2)), p->kind->name);
        goto out;
    }
    p->seats = r->roster != NULL ? (int64_t)r->roster->n : r->seats;
    if (p->seats < 1 || p->seats > CLASS_MAX_SEATS) {
        sbx_err_set(err, SBX_E_INVALID, "a class has 1 to %d seats, not %lld", CLASS_MAX_SEATS,
                    (long long)p->seats);
        goto out;
    }
    p->owners = calloc((size_t)p->seats, sizeof(char *));
    if (p->owners == NULL)
        goto nomem;
    for (int64_t i = 0; i < p->seats; i++) {
        char norm[256];

        if (r->roster == NULL) {
            p->owners[i] = strdup(p->owner);
        } else {
            const struct roster_student *st = &r->roster->students[i];

            if (engine_alias_normalize_owner(st->email, cfg->org.owner_domain, norm, sizeof(norm),
                                             err) != 0) {
                sbx_err_prefix(err, "roster '%s' line %d", r->roster_label, st->line);
                err->code = SBX_E_INVALID;
                goto out;
            }
            p->owners[i] = strdup(norm);
        }
        if (p->owners[i] == NULL)
            goto nomem;
    }
    if (store_class_get(e->store, r->name, &existing, err) == 0) {
        sbx_err_set(err, SBX_E_CONFLICT, "class '%s' already exists", r->name);
        goto out;
    }
    if (err->code != SBX_E_NOTFOUND)
        goto out;
    sbx_err_clear(err);

    /* Free account slots, as AWS counts them. */
    if (orgs_list_accounts(e->orgs, &accts, &nacct, err) != 0) {
        sbx_err_prefix(err, "cannot count the organization's accounts");
        goto out;
    }
    if (store_account_count(e->store, ENGINE_S_REQUESTED, NULL, &nreq, err) != 0 ||
        store_account_count(e->store, ENGINE_S_CREATING, NULL, &ncre, err) != 0)
        goto out;
    p->account_limit = cfg->limits.account_limit;
    p->in_org = (int64_t)nacct;
    p->being_created = nreq + ncre;
    p->free_slots = p->account_limit - p->in_org - p->being_created;
    if (p->free_slots < 0)
        p->free_slots = 0;
    if (p->seats > p->free_slots) {
        sbx_err_set(err, SBX_E_INVALID,
                    "class '%s' needs %lld seats but the organization has room for %lld more "
                    "account%s (limit %lld; %lld in the organization, closed ones included for "
                    "90 days; %lld being created)",
                    r->name, (long long)p->seats, (long long)p->free_slots,
                    p->free_slots == 1 ? "" : "s", (long long)p->account_limit,
                    (long long)p->in_org, (long long)p->being_created);
        goto out;
    }

    pipe = create_pipeline(&cfg->limits);
    fs.pending = (size_t)p->seats;
    if (floor_makespan(&pipe, &fs, &p->floor, err) != 0)
        goto out;
    if (r->ready_by != 0) {
        int64_t start = class_ready_by_start(r->ready_by, p->floor);

        if (r->ready_by <= p->now) {
            sbx_err_set(err, SBX_E_INVALID, "--ready-by %s is in the past",
                        duration_format_time(r->ready_by, buf, sizeof(buf)));
            goto out;
        }
        if (start > p->now)
            p->start_at = start;
    }
    /* Seats live for ttl from the time the class is to be ready. */
    base = r->ready_by > p->now ? r->ready_by : p->now + (int64_t)ceil(p->floor);
    p->expires_at = p->ttl > 0 ? base + p->ttl : 0;
    rc = 0;
    goto out;
nomem:
    sbx_err_nomem(err);
out:
    orgs_accounts_free(accts, nacct);
    store_class_release(&existing);
    if (rc != 0)
        class_plan_release(p);
    return rc;
}

/* Records seat (1-based) of class c through the engine (validation, a unique alias), then,
 * for a scheduled class, makes it due at the start time. Runs inside the caller's
 * transaction. */
static int
request_seat(struct class_env *e, const struct store_class *c, const char *owner, int64_t seat,
             const struct class_request *r, int64_t due, struct sbx_err *err)
{
    struct engine_request req = { 0 };
    struct store_account a = { 0 };
    int rc = -1;

    req.kind = c->kind;
    req.owner = owner;
    req.ttl = r->ttl_set ? r->ttl : ENGINE_TTL_DEFAULT;
    req.budget = r->budget;
    req.class_id = c->id;
    req.class_name = c->name;
    req.seat = seat;
    if (engine_request(e->engine, &req, &a, err) != 0)
        goto out;
    if (a.due_at != due) {
        struct store_audit_ev ev = { 0 };
        char detail[160];

        snprintf(detail, sizeof(detail), "{\"class\":\"%s\",\"seat\":%lld,\"due_at\":%lld}",
                 c->name, (long long)seat, (long long)due);
        ev.ts = now_secs(e);
        ev.actor = e->actor;
        ev.event = "scheduled";
        ev.detail = detail;
        a.due_at = due;
        if (store_account_update(e->store, &a, a.state, &ev, err) != 0)
            goto out;
    }
    rc = 0;
out:
    store_account_release(&a);
    return rc;
}

int
class_insert(struct class_env *e, const struct class_request *r, const struct class_plan *p,
             struct sbx_err *err)
{
    struct store_class c = { 0 };
    struct class_detail d = { 0 };
    struct store_audit_ev ev = { 0 };
    char *detail = NULL, evd[160];
    int64_t due = p->start_at != 0 ? p->start_at : p->now;
    int rc = -1;

    d.ttl = p->ttl;
    d.ready_by = r->ready_by;
    d.start_at = p->start_at != 0 ? p->start_at : p->now;
    d.started_at = p->start_at != 0 ? 0 : p->now;
    d.floor = p->floor;
    d.roster = (char *)(uintptr_t)r->roster_label; /* borrowed: only formatted below */
    if (r->roster != NULL) {
        d.names = sbx_calloc(r->roster->n, sizeof(char *), err);
        if (d.names == NULL)
            return -1;
        d.nnames = (int64_t)r->roster->n;
        for (size_t i = 0; i < r->roster->n; i++)
            d.names[i] = r->roster->students[i].name;
    }
    if (class_detail_format(&d, &detail, err) != 0)
        goto out;
    c.name = (char *)(uintptr_t)r->name;
    c.kind = p->kind->name;
    c.owner = (char *)(uintptr_t)p->owner;
    c.seats = p->seats;
    c.state = (char *)(uintptr_t)(p->start_at != 0 ? CLASS_SCHEDULED : CLASS_PROVISIONING);
    c.expires_at = p->expires_at;
    c.detail = detail;
    snprintf(evd, sizeof(evd), "{\"class\":\"%s\",\"seats\":%lld,\"start_at\":%lld}", r->name,
             (long long)p->seats, (long long)d.start_at);
    ev.ts = p->now;
    ev.actor = e->actor;
    ev.event = "class_created";
    ev.detail = evd;
    if (store_begin(e->store, err) != 0)
        goto out;
    if (store_class_insert(e->store, &c, &ev, err) != 0)
        goto out; /* rolled back */
    if (store_class_groups_set(e->store, c.id, r->groups, r->ngroups, err) != 0) {
        store_rollback(e->store);
        goto out;
    }
    for (int64_t i = 0; i < p->seats; i++) {
        if (request_seat(e, &c, p->owners[i], i + 1, r, due, err) != 0) {
            sbx_err_prefix(err, "seat %lld", (long long)(i + 1));
            store_rollback(e->store);
            goto out;
        }
    }
    if (store_commit(e->store, err) != 0)
        goto out;
    rc = 0;
out:
    free(d.names);
    free(detail);
    return rc;
}

/* Writes the class row of v with new_state and v->d as its detail, with an audit event. */
static int
update_class(struct class_env *e, struct class_view *v, const char *new_state, const char *event,
             struct sbx_err *err)
{
    struct store_audit_ev ev = { 0 };
    char *detail = NULL, evd[128];
    int rc = -1;

    if (class_detail_format(&v->d, &detail, err) != 0)
        return -1;
    free(v->c.state);
    v->c.state = strdup(new_state);
    free(v->c.detail);
    v->c.detail = detail;
    if (v->c.state == NULL) {
        sbx_err_nomem(err);
        goto out;
    }
    snprintf(evd, sizeof(evd), "{\"class\":\"%s\",\"state\":\"%s\"}", v->c.name, new_state);
    ev.ts = now_secs(e);
    ev.actor = e->actor;
    ev.event = event;
    ev.detail = evd;
    rc = store_class_update(e->store, &v->c, &ev, err);
out:
    return rc;
}

/* The work class_end, class_resume and class_sync_state do on the class's view v (their own
 * changes written through update_class), at now; *n counts what they changed. */
typedef int (*view_fn)(struct class_env *e, struct class_view *v, int64_t now, int *n,
                       struct sbx_err *err);

/* Loads the class name, runs fn on it and lets it go. */
static int
with_view(struct class_env *e, const char *name, view_fn fn, int *n, struct sbx_err *err)
{
    struct class_view v = { 0 };
    int64_t now = now_secs(e);
    int rc = -1;

    *n = 0;
    if (class_view_load(e->store, name, &v, err) == 0)
        rc = fn(e, &v, now, n, err);
    class_view_release(&v);
    return rc;
}

static int
end_view(struct class_env *e, struct class_view *v, int64_t now, int *changed, struct sbx_err *err)
{
    for (size_t i = 0; i < v->nseats; i++) {
        struct class_seat *st = &v->seats[i];
        enum engine_close_outcome oc;
        char why[256];

        if (st->phase == CLASS_PHASE_CLOSED || st->phase == CLASS_PHASE_FAILED ||
            st->phase == CLASS_PHASE_CLOSING ||
            (st->phase == CLASS_PHASE_CREATING && st->a.close_pending))
            continue;
        /* Protection is checked by the engine right before the nuke and the close. */
        if (engine_close_request(e->engine, &st->a, CLASS_END_REASON, 0, false, &oc, why,
                                 sizeof(why), err) != 0) {
            sbx_err_prefix(err, "seat %s", st->label);
            return -1;
        }
        if (oc != ENGINE_CLOSE_DONE)
            (*changed)++;
    }
    if (strcmp(v->c.state, CLASS_ENDING) == 0 || strcmp(v->c.state, CLASS_ENDED) == 0)
        return 0;
    v->d.end_at = now;
    return update_class(e, v, CLASS_ENDING, "class_end", err);
}

int
class_end(struct class_env *e, const char *name, int *changed, struct sbx_err *err)
{
    return with_view(e, name, end_view, changed, err);
}

static int
resume_view(struct class_env *e, struct class_view *v, int64_t now, int *retried,
            struct sbx_err *err)
{
    if (strcmp(v->state, CLASS_ENDING) == 0 || strcmp(v->state, CLASS_ENDED) == 0) {
        sbx_err_set(err, SBX_E_INVALID, "class '%s' is %s; it cannot be resumed", v->c.name,
                    v->state);
        return -1;
    }
    for (size_t i = 0; i < v->nseats; i++) {
        struct class_seat *st = &v->seats[i];

        if (st->phase == CLASS_PHASE_FAILED) {
            /* A fresh alias on the same row; the failure stays in the audit log. */
            if (engine_retry(e->engine, &st->a, err) != 0) {
                sbx_err_prefix(err, "seat %s", st->label);
                return -1;
            }
            (*retried)++;
        } else if (st->phase == CLASS_PHASE_WAITING && st->a.due_at > now) {
            /* A scheduled class resumed by hand starts now. */
            struct store_audit_ev ev = { 0 };

            ev.ts = now;
            ev.actor = e->actor;
            ev.event = "resumed";
            st->a.due_at = now;
            if (store_account_update(e->store, &st->a, st->a.state, &ev, err) != 0)
                return -1;
        }
    }
    if (v->d.started_at == 0)
        v->d.started_at = now;
    v->d.ready_at = 0;
    return update_class(e, v, CLASS_PROVISIONING, "class_resume", err);
}

int
class_resume(struct class_env *e, const char *name, int *retried, struct sbx_err *err)
{
    return with_view(e, name, resume_view, retried, err);
}

/* The times the class's state reached, recorded the first time a look sees them. */
static int
sync_view(struct class_env *e, struct class_view *v, int64_t now, int *n, struct sbx_err *err)
{
    bool dirty = false;

    (void)n;
    if (v->d.started_at == 0 && strcmp(v->state, CLASS_SCHEDULED) != 0) {
        v->d.started_at = now;
        dirty = true;
    }
    if (v->d.ready_at == 0 &&
        (strcmp(v->state, CLASS_READY) == 0 || strcmp(v->state, CLASS_PARTIAL) == 0)) {
        v->d.ready_at = now;
        dirty = true;
    }
    if (v->d.ended_at == 0 && strcmp(v->state, CLASS_ENDED) == 0) {
        v->d.ended_at = now;
        dirty = true;
    }
    if (!dirty && strcmp(v->state, v->c.state) == 0)
        return 0;
    return update_class(e, v, v->state, "class_state", err);
}

int
class_sync_state(struct class_env *e, const char *name, struct sbx_err *err)
{
    int unused;

    return with_view(e, name, sync_view, &unused, err);
}

double
class_eta(struct class_env *e, const struct class_view *v, enum class_goal goal)
{
    const struct cfg_limits *l = &e->cfg->limits;
    struct floor_pipeline p = { 0 };
    struct floor_state fs = { 0 };
    struct sbx_err err = { 0 };
    double *inflight = NULL, now = clock_now(e->clock), out = -1, wait;
    size_t n = 0;

    inflight = calloc(v->nseats + 1, sizeof(double));
    if (inflight == NULL)
        return -1;
    if (goal == CLASS_GOAL_SETTLED) {
        p = create_pipeline(l);
        wait = orgs_pace_wait(e->orgs, ORGS_OP_CREATE_ACCOUNT);
        for (size_t i = 0; i < v->nseats; i++) {
            const struct class_seat *st = &v->seats[i];

            if (st->phase == CLASS_PHASE_WAITING) {
                fs.pending++;
            } else if (st->phase == CLASS_PHASE_CREATING) {
                if (st->a.account_id[0] != '\0')
                    fs.awaiting_follow++;
                else
                    inflight[n++] = CLASS_CREATE_LATENCY - (now - (double)st->a.updated_at);
            }
        }
    } else {
        p.submit = floor_bucket_full(l->close_rate, l->close_burst);
        p.cap = l->close_in_flight;
        p.latency = CLASS_CLOSE_LATENCY;
        wait = orgs_pace_wait(e->orgs, ORGS_OP_CLOSE_ACCOUNT);
        for (size_t i = 0; i < v->nseats; i++) {
            const struct class_seat *st = &v->seats[i];

            if (st->phase == CLASS_PHASE_ACTIVE || st->phase == CLASS_PHASE_CREATING ||
                st->phase == CLASS_PHASE_WAITING) {
                fs.pending++;
            } else if (st->phase == CLASS_PHASE_CLOSING) {
                if (st->a.close_sent)
                    inflight[n++] = CLASS_CLOSE_LATENCY - (now - (double)st->a.close_requested_at);
                else
                    fs.pending++;
            }
        }
    }
    /* The client's bucket: at least one token when nothing to wait for, else empty-ish. */
    p.submit.level = wait <= 0 ? 1 : fmax(0, 1 - wait * p.submit.rate);
    fs.in_progress = inflight;
    fs.nin_progress = n;
    if (floor_makespan(&p, &fs, &out, &err) != 0)
        out = -1;
    free(inflight);
    return out;
}

/* True when v has reached goal. */
static bool
goal_reached(const struct class_view *v, enum class_goal goal)
{
    const int *c = v->counts;

    if (goal == CLASS_GOAL_SETTLED)
        return c[CLASS_PHASE_WAITING] + c[CLASS_PHASE_CREATING] == 0;
    return c[CLASS_PHASE_WAITING] + c[CLASS_PHASE_CREATING] + c[CLASS_PHASE_ACTIVE] +
                   c[CLASS_PHASE_CLOSING] ==
           0;
}

static void
fill_counts(const struct class_view *v, enum class_goal goal, double elapsed, double eta,
            struct progress_counts *pc)
{
    const int *c = v->counts;

    memset(pc, 0, sizeof(*pc));
    pc->total = (int)v->nseats;
    pc->elapsed = elapsed;
    pc->eta = eta;
    if (goal == CLASS_GOAL_SETTLED) {
        pc->done = c[CLASS_PHASE_ACTIVE];
        pc->in_progress = c[CLASS_PHASE_CREATING];
        pc->failed = c[CLASS_PHASE_FAILED];
    } else {
        /* Seats that never existed at AWS have nothing to close: count them as done. */
        pc->done = c[CLASS_PHASE_CLOSED] + c[CLASS_PHASE_FAILED];
        pc->in_progress = c[CLASS_PHASE_CLOSING];
        pc->failed = c[CLASS_PHASE_QUARANTINED];
    }
}

/* Longest single sleep while driving, so progress and the clock re-sync stay fresh (real
 * seconds), and the shortest pause when work is due but was not done (e.g. a claim held by
 * another process), so the loop never spins. A clock following a paused simulator is re-read
 * every DRIVE_PAUSED_POLL_REAL while the driver waits for it. */
#define DRIVE_MAX_SLEEP_REAL   1.0
#define DRIVE_MIN_SLEEP_REAL   0.001
#define DRIVE_RESYNC_REAL      5.0
#define DRIVE_PAUSED_POLL_REAL 0.02

/* Runs one engine step scoped to account id (accumulating into *r). */
static int
step_one(struct class_env *e, const struct engine_step_opts *base, int64_t id,
         struct engine_step_report *r, struct sbx_err *err)
{
    struct store_filter one = *base->scope;
    struct engine_step_opts so = *base;
    struct engine_step_report r1 = { 0 };
    double next_due;

    one.id = id;
    so.scope = &one;
    if (engine_step(e->engine, &so, &r1, &next_due, err) != 0)
        return -1;
    engine_step_report_add(r, &r1);
    return r1.submitted;
}

/* Submits waiting seats (in seat order) while creation slots and tokens allow. */
static int
fill_slots(struct class_env *e, const struct class_view *v, const struct engine_step_opts *so,
           int64_t now, size_t *next_waiting, struct engine_step_report *r, struct sbx_err *err)
{
    for (; *next_waiting < v->nseats; (*next_waiting)++) {
        const struct class_seat *st = &v->seats[*next_waiting];
        int got;

        if (st->phase != CLASS_PHASE_WAITING || st->a.due_at > now || st->a.due_at == 0)
            continue;
        if (orgs_pace_wait(e->orgs, ORGS_OP_CREATE_ACCOUNT) > 0)
            return 0;
        got = step_one(e, so, st->a.id, r, err);
        if (got < 0)
            return -1;
        if (got == 0 && !st->a.submitted)
            return 0; /* no slot (or claimed elsewhere): the full step will see to it */
    }
    return 0;
}

static int
cmp_due(const void *a, const void *b)
{
    const struct class_seat *const *x = a, *const *y = b;

    return (*x)->a.due_at < (*y)->a.due_at ? -1 : (*x)->a.due_at > (*y)->a.due_at;
}

/*
 * Seat-by-seat steps for provisioning. A full engine step polls every creation that is due
 * and finishes each one (move, tag, hooks) before it submits anything, so when several
 * creations complete together the first freed slot waits for all of them. Stepping one seat
 * at a time -- the next due creation, then the waiting seats while a slot is free -- puts a
 * new CreateAccount out right after each slot frees. The full class-scoped step that follows
 * still does everything else (and anything these steps left).
 */
static int
seat_steps(struct class_env *e, struct class_view *v, const struct engine_step_opts *so,
           struct engine_step_report *r, struct sbx_err *err)
{
    const struct class_seat **due = NULL;
    int64_t now = (int64_t)floor(clock_now(e->clock));
    size_t ndue = 0, next_waiting = 0;
    int rc = -1;

    due = sbx_calloc(v->nseats + 1, sizeof(*due), err);
    if (due == NULL)
        return -1;
    for (size_t i = 0; i < v->nseats; i++) {
        if (v->seats[i].phase == CLASS_PHASE_CREATING && v->seats[i].a.due_at > 0 &&
            v->seats[i].a.due_at <= now)
            due[ndue++] = &v->seats[i];
    }
    qsort(due, ndue, sizeof(*due), cmp_due);
    if (fill_slots(e, v, so, now, &next_waiting, r, err) != 0)
        goto out;
    for (size_t i = 0; i < ndue; i++) {
        if (step_one(e, so, due[i]->a.id, r, err) < 0 ||
            fill_slots(e, v, so, now, &next_waiting, r, err) != 0)
            goto out;
    }
    rc = 0;
out:
    free(due);
    return rc;
}

/* Adds to *wake the next due time of the class's rows in state (0: none). A due time already
 * passed counts only when the step waited for no token: a row left due because its call waits
 * for a token (DescribeCreateAccountStatus's burst is 2, DescribeAccount's 1) is woken by that
 * token's time, and waking at its stale due time would spin. */
static void
wake_at_due(struct class_env *e, const struct store_filter *scope, enum engine_state state,
            const struct engine_step_report *r, double now, double *wake)
{
    struct sbx_err err = { 0 };
    int64_t due = 0;

    if (store_account_next_due(e->store, state, scope, &due, &err) == 0 && due > 0 &&
        ((double)due > now || !r->pace_blocked))
        *wake = fmin(*wake, (double)due);
}

/* When the driver should look again (engine clock): the engine's next due time when it is
 * ahead, the pacing time of work blocked on a token bucket, and the next poll of the class's
 * creations (the engine's next due time can be a requested row that only waits for a token). */
static double
wake_time(struct class_env *e, const struct store_filter *scope, enum class_goal goal,
          const struct engine_step_report *r, double next_due, double now)
{
    double wake = next_due > now ? next_due : HUGE_VAL;

    if (r->pace_blocked)
        wake = fmin(wake, r->pace_due);
    wake_at_due(e, scope, ENGINE_S_CREATING, r, now, &wake);
    if (goal == CLASS_GOAL_CLOSED) {
        /* Not close_wait: a queued row stays due while it waits for the close quota, a
         * closure in flight or the CloseAccount token, and the engine's next_due already says
         * when that gate opens. Waking at the row's stale due time would spin. */
        static const enum engine_state closing[] = { ENGINE_S_EXPIRING, ENGINE_S_NUKING,
                                                     ENGINE_S_CLOSING };

        for (size_t i = 0; i < SBX_ARRAY_LEN(closing); i++)
            wake_at_due(e, scope, closing[i], r, now, &wake);
    }
    return wake;
}

/*
 * Waits on the engine's clock until `until`. A clock following a paused simulator stands still
 * until the simulator is advanced: sleeping on it takes real time and moves nothing, so the
 * driver re-reads the simulator's clock every DRIVE_PAUSED_POLL_REAL real seconds until it has
 * reached `until` (or runs again). Any other clock sleeps at most DRIVE_MAX_SLEEP_REAL real
 * seconds, so progress and the periodic re-sync (*last_sync) stay fresh.
 */
static int
drive_wait(struct class_env *e, double until, double *last_sync, struct sbx_err *err)
{
    double wait = until - clock_now(e->clock), real;

    while (e->clock->paused && wait > 0) {
        if (clock_sleep(e->clock, DRIVE_PAUSED_POLL_REAL * e->clock->scale) != 0)
            goto interrupted;
        if (engine_resync_clock(e->engine, err) != 0)
            return -1;
        *last_sync = clock_mono();
        wait = until - clock_now(e->clock);
    }
    if (wait > 0) {
        real = clock_real_secs(e->clock, wait);
        if (real > DRIVE_MAX_SLEEP_REAL)
            wait = wait * DRIVE_MAX_SLEEP_REAL / real;
        else if (real < DRIVE_MIN_SLEEP_REAL)
            wait = DRIVE_MIN_SLEEP_REAL * e->clock->scale;
        if (clock_sleep(e->clock, wait) != 0)
            goto interrupted;
    }
    if (clock_mono() - *last_sync > DRIVE_RESYNC_REAL) {
        if (engine_resync_clock(e->engine, err) != 0)
            return -1;
        *last_sync = clock_mono();
    }
    return 0;
interrupted:
    sbx_err_set(err, SBX_E_FAILURE, "interrupted");
    return -1;
}

/* A short pause when work is due but was not done (e.g. a claim held by another process): on
 * a clock following a paused simulator, one poll interval and a re-read of the clock (a test
 * moving it then sees the driver wait), else DRIVE_MIN_SLEEP_REAL. */
static int
drive_pause(struct class_env *e, double *last_sync, struct sbx_err *err)
{
    bool paused = e->clock->paused;

    if (clock_sleep(e->clock, (paused ? DRIVE_PAUSED_POLL_REAL : DRIVE_MIN_SLEEP_REAL) *
                                      e->clock->scale) != 0) {
        sbx_err_set(err, SBX_E_FAILURE, "interrupted");
        return -1;
    }
    if (!paused)
        return 0;
    *last_sync = clock_mono();
    return engine_resync_clock(e->engine, err);
}

int
class_drive(struct class_env *e, const char *name, enum class_goal goal, struct progress *prog,
            struct sbx_err *err)
{
    struct engine_step_opts so = { 0 };
    struct store_filter scope = { 0 };
    struct class_view v = { 0 };
    struct progress_counts pc;
    double start = clock_now(e->clock), last_sync = clock_mono();
    int rc = -1;

    if (class_view_load(e->store, name, &v, err) != 0)
        return -1;
    scope.class_id = v.c.id;
    scope.all = true;
    so.scope = &scope;
    so.no_close = goal == CLASS_GOAL_SETTLED;
    /* A scheduled class waits for its start time (the seats are due then). */
    while (goal == CLASS_GOAL_SETTLED && strcmp(v.state, CLASS_SCHEDULED) == 0 &&
           clock_now(e->clock) < (double)v.d.start_at) {
        double left = (double)v.d.start_at - clock_now(e->clock);

        fill_counts(&v, goal, 0, left + v.d.floor, &pc);
        if (prog != NULL)
            progress_update(prog, &pc, clock_mono());
        if (drive_wait(e, clock_now(e->clock) + fmin(left, 60.0), &last_sync, err) != 0)
            goto out;
        start = clock_now(e->clock);
    }
    for (;;) {
        struct engine_step_report r = { 0 };
        double next_due = HUGE_VAL, now, wait, t0 = clock_mono();

        if (goal == CLASS_GOAL_SETTLED && seat_steps(e, &v, &so, &r, err) != 0)
            goto out;
        if (engine_step(e->engine, &so, &r, &next_due, err) != 0)
            goto out;
        class_view_release(&v);
        if (class_view_load(e->store, name, &v, err) != 0)
            goto out;
        now = clock_now(e->clock);
        log_debug("class %s: step at %.1f took %.1f ms: %d submitted, %d activated, %d closed, "
                  "%d errors",
                  name, now - start, (clock_mono() - t0) * 1000, r.submitted, r.activated, r.closed,
                  r.errors);
        if (prog != NULL) {
            fill_counts(&v, goal, now - start, class_eta(e, &v, goal), &pc);
            progress_update(prog, &pc, clock_mono());
        }
        if (goal_reached(&v, goal))
            break;
        wait = wake_time(e, &scope, goal, &r, next_due, now) - now;
        if ((wait <= 0 && !r.did_work) || wait == HUGE_VAL) {
            /* Work is due but was not done, or nothing says when: a short pause, never a
             * wait for a clock that may not move. After work, more may be possible now. */
            if (drive_pause(e, &last_sync, err) != 0)
                goto out;
            wait = 0;
        }
        if (drive_wait(e, now + fmax(wait, 0), &last_sync, err) != 0)
            goto out;
    }
    if (prog != NULL) {
        fill_counts(&v, goal, clock_now(e->clock) - start, 0, &pc);
        progress_finish(prog, &pc);
    }
    rc = 0;
out:
    class_view_release(&v);
    {
        /* Record how far the class got even when interrupted; keep the first error. */
        struct sbx_err serr = { 0 };

        if (class_sync_state(e, name, &serr) != 0 && rc == 0) {
            *err = serr;
            rc = -1;
        }
    }
    return rc;
}
