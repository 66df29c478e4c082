/*
 * cmd_class.c -- `sandboxctl class`: create, list, show, hand out (roster), end and resume
 * training classes.
 *
 * JSON output (stable field names):
 *   class list  -> {"classes": [CLASS, ...]}
 *   class show  -> {"class": CLASS, "seats": [SEAT, ...]}
 *   class create / resume / end -> the same as class show, after the work
 *   class roster --format json -> {"class": NAME, "seats": [ROSTER_ROW, ...]}
 * CLASS = {"name", "kind", "owner", "state", "seats" (count), "created_at", "expires_at" (the
 *          latest seat's expiry once seats are active, the planned one before),
 *          "ready_by", "start_at", "started_at", "ready_at", "end_at", "ended_at",
 *          "roster", "floor_seconds", "counts": {"waiting", "creating", "active", "failed",
 *          "closing", "quarantined", "closed"}}
 * SEAT = {"seat", "label", "owner", "display_name", "state", "phase", "expires_at",
 *         "account_id", "email", "name", "signin_url", "created_at", "active_at", "closed_at",
 *         "last_error"}
 * ROSTER_ROW = {"seat", "owner", "display_name", "state", "account_id", "email",
 *               "signin_url"}; the CSV roster has these columns in this order, with a header.
 * Times are RFC 3339 UTC strings, or null when unset; account_id is null until known.
 *
 * Behaviour worth knowing:
 * - create validates everything first (roster rows, owners, kind, TTL, free account slots
 *   counted as AWS counts them) and records the class and all its seats in one transaction;
 *   then, unless --no-wait, it drives the engine until every seat is active or failed, with
 *   progress on stderr (a redrawn line on a terminal, plain lines otherwise, none with
 *   --json). Exit status 8 when some seats failed: the class is usable with the others, and
 *   `class resume` retries the failed ones.
 * - --ready-by TIME: provisioning starts at TIME - floor * 1.25 - 5 min, where the floor is
 *   the ideal creation time of the class under the configured limits (class/floor.h). If
 *   that is in the future the class is recorded as scheduled (its seats due at the start
 *   time); `class create` then waits for the start unless --no-wait, and any `sandboxctl run`
 *   (cron, `run --watch`) after the start time provisions it as well. A start time in the
 *   past means "start now"; a TIME in the past is an error.
 * - Ctrl-C (or a crash) leaves nothing half done: the seats are rows the engine owns;
 *   `class resume` or `run` continue, and reconciliation finds creations that were sent.
 * - end asks every seat to close now (pre-close hooks, then the close quota and limits) and,
 *   unless --no-wait, waits until every seat is closed. It needs --yes when not on a terminal.
 */
#include "cli/cmd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aws/orgs.h"
#include "cfg.h"
#include "class/class.h"
#include "class/class_run.h"
#include "class/roster.h"
#include "cli/cmd_util.h"
#include "engine/engine.h"
#include "engine/engine_budget.h"
#include "engine/engine_directory.h"
#include "store/store.h"
#include "util/csv.h"
#include "util/duration.h"
#include "util/log.h"
#include "util/money.h"

const char cmd_class_usage[] =
        "usage: sandboxctl class create NAME --owner EMAIL (--seats N | --roster FILE)\n"
        "                        [--kind KIND] [--ttl DURATION] [--ready-by TIME] [--no-wait]\n"
        "                        [--budget AMOUNT] [--access-group GROUP] [--dry-run]\n"
        "                        [--json]\n"
        "       sandboxctl class list [--json]\n"
        "       sandboxctl class show NAME [--json]\n"
        "       sandboxctl class roster NAME [--format csv | json]\n"
        "       sandboxctl class end NAME [--yes] [--no-wait] [--dry-run] [--json]\n"
        "       sandboxctl class resume NAME [--no-wait] [--json]";

/* --- output helpers ------------------------------------------------------------------- */

/* Adds an RFC 3339 time, or null for 0. Returns false on out of memory. */
static bool
add_time(cJSON *o, const char *key, int64_t t)
{
    char buf[40];

    if (t == 0)
        return cJSON_AddNullToObject(o, key) != NULL;
    return cJSON_AddStringToObject(o, key, duration_format_time(t, buf, sizeof(buf))) != NULL;
}

static bool
add_str_or_null(cJSON *o, const char *key, const char *v)
{
    if (v == NULL || *v == '\0')
        return cJSON_AddNullToObject(o, key) != NULL;
    return cJSON_AddStringToObject(o, key, v) != NULL;
}

/*
 * The engine behind the seats' sign-in links when owners sign in through IAM Identity Center
 * (a read-only, dry-run engine: the links come from the store's assignments and the portal);
 * NULL otherwise, where the switch-role URL needs none. Free with engine_free.
 */
static struct engine *
link_engine(struct sbx_ctx *ctx)
{
    struct engine_opts eo = { 0 };
    struct engine *e = NULL;
    struct sbx_err err = { 0 };

    if (!ctx->cfg->access.enabled || ctx->orgs == NULL)
        return NULL;
    eo.cfg = ctx->cfg;
    eo.store = ctx->store;
    eo.orgs = ctx->orgs;
    eo.clock = &ctx->clock;
    eo.actor = "class show";
    eo.config_path = ctx->config_path != NULL ? ctx->config_path : ctx->cfg->path;
    eo.dry_run = true;
    if (engine_new(&eo, &e, &err) != 0) {
        log_warn("class: no access portal links: %s", err.msg);
        return NULL;
    }
    return e;
}

/* The sign-in URL of a seat, "" while it has no account: with link_engine's engine e, the
 * access portal's link for its owner (also "" until the owner's access is granted), else the
 * console's switch-role URL. */
static void
seat_url(struct sbx_ctx *ctx, struct engine *e, const struct class_view *v,
         const struct class_seat *st, char *buf, size_t n)
{
    char display[96];

    buf[0] = '\0';
    if (st->a.account_id[0] == '\0' || ctx->orgs == NULL)
        return;
    if (e != NULL) {
        engine_access_link(e, &st->a, buf, n);
        return;
    }
    snprintf(display, sizeof(display), "%s-%s", v->c.name, st->label);
    if (class_signin_url(orgs_partition(ctx->orgs), ctx->cfg->aws.access_role, st->a.account_id,
                         display, buf, n) != 0)
        buf[0] = '\0';
}

/* The name a seat shows: the roster's display name, else "seat-NN". */
static const char *
seat_display(const struct class_seat *st, char *buf, size_t n)
{
    if (st->display_name != NULL && st->display_name[0] != '\0')
        return st->display_name;
    snprintf(buf, n, "seat-%s", st->label);
    return buf;
}

/*
 * When the class ends: its seats' expiries (each seat's account expires ttl after it became
 * active), so what `class show` says matches its seats. *first and *last span them; both are
 * the planned expiry stored at creation until a seat has one of its own, 0 for never.
 */
static void
class_expiry(const struct class_view *v, int64_t *first, int64_t *last)
{
    bool any = false;

    *first = *last = v->c.expires_at;
    for (size_t i = 0; i < v->nseats; i++) {
        int64_t t = v->seats[i].a.expires_at;

        if (t <= 0 || v->seats[i].a.active_at <= 0)
            continue;
        if (!any || t < *first)
            *first = t;
        if (!any || t > *last)
            *last = t;
        any = true;
    }
}

/* "access_groups": [GROUP, ...]. Returns false on out of memory. */
static bool
add_groups(cJSON *o, const char *const *groups, size_t n)
{
    cJSON *a = cJSON_AddArrayToObject(o, "access_groups");
    bool ok = a != NULL;

    for (size_t i = 0; ok && i < n; i++) {
        cJSON *g = cJSON_CreateString(groups[i]);

        ok = g != NULL && cJSON_AddItemToArray(a, g);
    }
    return ok;
}

/* "A, B" into buf (for the text output). */
static const char *
groups_text(const char *const *groups, size_t n, char *buf, size_t len)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i > 0 ? ", " : "", groups[i]);

        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

static cJSON *
class_json(const struct class_view *v)
{
    cJSON *o = cJSON_CreateObject(), *counts;
    bool ok = o != NULL;
    int64_t first, last;

    ok = ok && cJSON_AddStringToObject(o, "name", v->c.name) != NULL;
    ok = ok && cJSON_AddStringToObject(o, "kind", v->c.kind) != NULL;
    ok = ok && cJSON_AddStringToObject(o, "owner", v->c.owner) != NULL;
    ok = ok && cJSON_AddStringToObject(o, "state", v->state) != NULL;
    ok = ok && cJSON_AddNumberToObject(o, "seats", (double)v->c.seats) != NULL;
    ok = ok && add_time(o, "created_at", v->c.created_at);
    class_expiry(v, &first, &last);
    ok = ok && add_time(o, "expires_at", last);
    ok = ok && add_time(o, "ready_by", v->d.ready_by);
    ok = ok && add_time(o, "start_at", v->d.start_at);
    ok = ok && add_time(o, "started_at", v->d.started_at);
    ok = ok && add_time(o, "ready_at", v->d.ready_at);
    ok = ok && add_time(o, "end_at", v->d.end_at);
    ok = ok && add_time(o, "ended_at", v->d.ended_at);
    ok = ok && add_str_or_null(o, "roster", v->d.roster);
    ok = ok && cJSON_AddNumberToObject(o, "floor_seconds", v->d.floor) != NULL;
    ok = ok && add_groups(o, (const char *const *)v->groups, v->ngroups);
    counts = ok ? cJSON_AddObjectToObject(o, "counts") : NULL;
    ok = counts != NULL;
    for (int p = 0; ok && p < CLASS_PHASE_COUNT; p++)
        ok = cJSON_AddNumberToObject(counts, class_phase_name((enum class_phase)p), v->counts[p]) !=
             NULL;
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *
seat_json(struct sbx_ctx *ctx, struct engine *e, const struct class_view *v,
          const struct class_seat *st, bool roster_only)
{
    cJSON *o = cJSON_CreateObject();
    char url[512], dbuf[32];
    bool ok = o != NULL;

    seat_url(ctx, e, v, st, url, sizeof(url));
    ok = ok && cJSON_AddNumberToObject(o, "seat", (double)st->seat) != NULL;
    if (!roster_only)
        ok = ok && cJSON_AddStringToObject(o, "label", st->label) != NULL;
    ok = ok && cJSON_AddStringToObject(o, "owner", st->a.owner) != NULL;
    ok = ok &&
         cJSON_AddStringToObject(o, "display_name", seat_display(st, dbuf, sizeof(dbuf))) != NULL;
    ok = ok && cJSON_AddStringToObject(o, "state", engine_state_name(st->a.state)) != NULL;
    if (!roster_only)
        ok = ok && add_time(o, "expires_at", st->a.expires_at);
    if (!roster_only)
        ok = ok && cJSON_AddStringToObject(o, "phase", class_phase_name(st->phase)) != NULL;
    ok = ok && add_str_or_null(o, "account_id", st->a.account_id);
    ok = ok && cJSON_AddStringToObject(o, "email", st->a.email) != NULL;
    if (!roster_only)
        ok = ok && cJSON_AddStringToObject(o, "name", st->a.name) != NULL;
    ok = ok && add_str_or_null(o, "signin_url", url);
    if (!roster_only) {
        ok = ok && add_time(o, "created_at", st->a.created_at);
        ok = ok && add_time(o, "active_at", st->a.active_at);
        ok = ok && add_time(o, "closed_at", st->a.closed_at);
        ok = ok && add_str_or_null(o, "last_error", st->a.last_error);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Prints root as indented JSON and frees it. Returns an exit status. */
static int
print_json(cJSON *root)
{
    char *text = root != NULL ? cJSON_Print(root) : NULL;

    cJSON_Delete(root);
    if (text == NULL) {
        log_error("class: out of memory");
        return SBX_EXIT_FAILURE;
    }
    printf("%s\n", text);
    cJSON_free(text);
    return SBX_EXIT_OK;
}

/* {"class": CLASS, "seats": [SEAT, ...]}, or NULL on out of memory. */
static cJSON *
view_json(struct sbx_ctx *ctx, const struct class_view *v)
{
    cJSON *root = cJSON_CreateObject(), *c = class_json(v), *seats = NULL;
    struct engine *e = NULL;

    if (root == NULL || c == NULL) {
        cJSON_Delete(root);
        cJSON_Delete(c);
        return NULL;
    }
    cJSON_AddItemToObject(root, "class", c);
    seats = cJSON_AddArrayToObject(root, "seats");
    e = link_engine(ctx);
    for (size_t i = 0; seats != NULL && i < v->nseats; i++) {
        cJSON *s = seat_json(ctx, e, v, &v->seats[i], false);

        if (s == NULL || !cJSON_AddItemToArray(seats, s)) {
            cJSON_Delete(s);
            seats = NULL;
        }
    }
    engine_free(e);
    return seats != NULL ? root : (cJSON_Delete(root), NULL);
}

static int
print_view_json(struct sbx_ctx *ctx, const struct class_view *v)
{
    return print_json(view_json(ctx, v));
}

/* One line of counts, e.g. "58 active, 2 failed" (phases with zero seats left out). */
static void
counts_line(const struct class_view *v, char *buf, size_t n)
{
    size_t pos = 0;

    buf[0] = '\0';
    for (int p = 0; p < CLASS_PHASE_COUNT; p++) {
        if (v->counts[p] == 0)
            continue;
        pos += (size_t)snprintf(buf + pos, pos < n ? n - pos : 0, "%s%d %s", pos > 0 ? ", " : "",
                                v->counts[p], class_phase_name((enum class_phase)p));
        if (pos >= n)
            break;
    }
    if (buf[0] == '\0')
        snprintf(buf, n, "no seats");
}

static void
print_view_text(const struct class_view *v)
{
    char t1[40], t2[40], counts[256], dbuf[32], gbuf[512];
    int wo = 5, wd = 4, we = 5;
    int64_t first, last;

    counts_line(v, counts, sizeof(counts));
    printf("class %s (%s): %s, %lld seat%s, instructor %s\n", v->c.name, v->c.kind, v->state,
           (long long)v->c.seats, v->c.seats == 1 ? "" : "s", v->c.owner);
    class_expiry(v, &first, &last);
    printf("created %s, expires ", duration_format_time(v->c.created_at, t1, sizeof(t1)));
    if (first != last && first != 0)
        printf("%s to ", duration_format_time(first, t1, sizeof(t1)));
    printf("%s\n", last != 0 ? duration_format_time(last, t2, sizeof(t2)) : "never");
    if (v->d.ready_by != 0)
        printf("ready by %s (provisioning starts %s)\n",
               duration_format_time(v->d.ready_by, t1, sizeof(t1)),
               duration_format_time(v->d.start_at, t2, sizeof(t2)));
    if (v->ngroups > 0)
        printf("access groups: %s\n",
               groups_text((const char *const *)v->groups, v->ngroups, gbuf, sizeof(gbuf)));
    printf("seats: %s\n", counts);
    for (size_t i = 0; i < v->nseats; i++) {
        const struct class_seat *st = &v->seats[i];
        int l;

        l = (int)strlen(st->a.owner);
        wo = l > wo ? l : wo;
        l = (int)strlen(seat_display(st, dbuf, sizeof(dbuf)));
        wd = l > wd ? l : wd;
        l = (int)strlen(st->a.email);
        we = l > we ? l : we;
    }
    if (wd > 30)
        wd = 30;
    printf("\n%-5s %-*s %-*s %-11s %-12s %-*s %s\n", "SEAT", wo, "OWNER", wd, "NAME", "STATE",
           "ACCOUNT", we, "EMAIL", "ERROR");
    for (size_t i = 0; i < v->nseats; i++) {
        const struct class_seat *st = &v->seats[i];

        printf("%-5s %-*s %-*.*s %-11s %-12s %-*s %s\n", st->label, wo, st->a.owner, wd, wd,
               seat_display(st, dbuf, sizeof(dbuf)), engine_state_name(st->a.state),
               st->a.account_id[0] != '\0' ? st->a.account_id : "-", we, st->a.email,
               st->a.last_error != NULL ? st->a.last_error : "");
    }
}

/* --- list, show, roster ---------------------------------------------------------------- */

struct list_ctx {
    struct sbx_ctx *ctx;
    cJSON *arr; /* --json */
    int n;
    struct sbx_err *err;
};

static int
list_one(void *arg, const struct store_class *c)
{
    struct list_ctx *l = arg;
    struct class_view v = { 0 };
    char counts[256], t1[40];
    int64_t first, last;
    int rc = 0;

    if (class_view_load(l->ctx->store, c->name, &v, l->err) != 0)
        return -1;
    if (l->arr != NULL) {
        cJSON *o = class_json(&v);

        if (o == NULL || !cJSON_AddItemToArray(l->arr, o)) {
            cJSON_Delete(o);
            sbx_err_nomem(l->err);
            rc = -1;
        }
    } else {
        if (l->n == 0)
            printf("%-20s %-10s %-13s %5s  %-20s  %s\n", "CLASS", "KIND", "STATE", "SEATS",
                   "EXPIRES", "SEATS BY PHASE");
        counts_line(&v, counts, sizeof(counts));
        class_expiry(&v, &first, &last);
        printf("%-20s %-10s %-13s %5lld  %-20s  %s\n", v.c.name, v.c.kind, v.state,
               (long long)v.c.seats,
               last != 0 ? duration_format_time(last, t1, sizeof(t1)) : "never", counts);
    }
    l->n++;
    class_view_release(&v);
    return rc;
}

static int
class_list(struct sbx_ctx *ctx, bool json)
{
    struct sbx_err err = { 0 };
    struct list_ctx l = { ctx, NULL, 0, &err };
    cJSON *root = NULL;

    if (json) {
        root = cJSON_CreateObject();
        l.arr = root != NULL ? cJSON_AddArrayToObject(root, "classes") : NULL;
        if (l.arr == NULL) {
            cJSON_Delete(root);
            return print_json(NULL);
        }
    }
    if (store_class_list(ctx->store, list_one, &l, &err) != 0) {
        cJSON_Delete(root);
        return cmd_fail("class list", &err);
    }
    if (json)
        return print_json(root);
    if (l.n == 0)
        printf("no classes\n");
    return SBX_EXIT_OK;
}

/* The class's spend at the seats' last checks against their budgets (engine_budget.h). */
struct class_spend {
    int64_t spent, budget;
    int budgeted; /* seats with a budget */
};

static int
class_spend(struct sbx_ctx *ctx, const struct class_view *v, struct class_spend *t,
            struct sbx_err *err)
{
    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < v->nseats; i++) {
        struct engine_budget_status bs;

        if (v->seats[i].a.id == 0)
            continue;
        if (engine_budget_status(ctx->cfg, ctx->store, &v->seats[i].a, &bs, err) != 0)
            return -1;
        t->spent += bs.spent;
        t->budget += bs.limit;
        t->budgeted += bs.limit > 0;
    }
    return 0;
}

static int
class_show(struct sbx_ctx *ctx, const char *name, bool json)
{
    struct sbx_err err = { 0 };
    struct class_view v = { 0 };
    struct class_spend t;
    char b1[32], b2[32];
    int rc;

    if (class_view_load(ctx->store, name, &v, &err) != 0)
        return cmd_fail("class show", &err);
    if (class_spend(ctx, &v, &t, &err) != 0) {
        class_view_release(&v);
        return cmd_fail("class show", &err);
    }
    if (json) {
        cJSON *root = view_json(ctx, &v), *so;

        so = root != NULL ? cJSON_AddObjectToObject(root, "spend") : NULL;
        if (so != NULL) {
            cJSON_AddStringToObject(so, "spent_usd", money_format_plain(t.spent, b1, sizeof(b1)));
            cJSON_AddStringToObject(so, "budget_usd", money_format_plain(t.budget, b2, sizeof(b2)));
            cJSON_AddNumberToObject(so, "seats_with_budget", t.budgeted);
        }
        rc = print_json(root);
    } else {
        print_view_text(&v);
        printf("\nspend: %s at the last checks, budgets %s over %d seat%s with a budget\n",
               money_format(t.spent, b1, sizeof(b1)), money_format(t.budget, b2, sizeof(b2)),
               t.budgeted, t.budgeted == 1 ? "" : "s");
        rc = SBX_EXIT_OK;
    }
    class_view_release(&v);
    return rc;
}

static int
class_roster(struct sbx_ctx *ctx, const char *name, bool json)
{
    static const char *const cols[] = { "seat",       "owner", "display_name", "state",
                                        "account_id", "email", "signin_url" };
    struct sbx_err err = { 0 };
    struct class_view v = { 0 };
    struct engine *e = NULL;
    int rc = SBX_EXIT_OK;

    if (class_view_load(ctx->store, name, &v, &err) != 0)
        return cmd_fail("class roster", &err);
    e = link_engine(ctx);
    if (json) {
        cJSON *root = cJSON_CreateObject(), *seats = NULL;

        if (root != NULL && cJSON_AddStringToObject(root, "class", v.c.name) != NULL)
            seats = cJSON_AddArrayToObject(root, "seats");
        for (size_t i = 0; seats != NULL && i < v.nseats; i++) {
            cJSON *s = seat_json(ctx, e, &v, &v.seats[i], true);

            if (s == NULL || !cJSON_AddItemToArray(seats, s)) {
                cJSON_Delete(s);
                seats = NULL;
            }
        }
        if (seats == NULL) {
            cJSON_Delete(root);
            root = NULL;
        }
        rc = print_json(root);
        goto out;
    }
    if (roster_write_csv_record(stdout, cols, SBX_ARRAY_LEN(cols)) != 0)
        goto ioerr;
    for (size_t i = 0; i < v.nseats; i++) {
        const struct class_seat *st = &v.seats[i];
        char seat[24], url[512], dbuf[32];
        const char *vals[SBX_ARRAY_LEN(cols)];

        snprintf(seat, sizeof(seat), "%lld", (long long)st->seat);
        seat_url(ctx, e, &v, st, url, sizeof(url));
        vals[0] = seat;
        vals[1] = st->a.owner;
        vals[2] = seat_display(st, dbuf, sizeof(dbuf));
        vals[3] = engine_state_name(st->a.state);
        vals[4] = st->a.account_id;
        vals[5] = st->a.email;
        vals[6] = url;
        /* Cells from the roster (display names) never run as spreadsheet formulas. */
        if (roster_write_csv_record(stdout, vals, SBX_ARRAY_LEN(vals)) != 0)
            goto ioerr;
    }
    goto out;
ioerr:
    log_error("class roster: cannot write to standard output");
    rc = SBX_EXIT_FAILURE;
out:
    engine_free(e);
    class_view_release(&v);
    return rc;
}

/* --- create, end, resume ---------------------------------------------------------------- */

struct class_cmd {
    struct sbx_ctx *ctx;
    struct engine *engine;
    struct class_env env;
    char actor[96];
};

static int
setup_engine(struct class_cmd *cc, struct sbx_ctx *ctx, const char *what, bool dry_run,
             struct sbx_err *err)
{
    struct engine_opts eo = { 0 };

    memset(cc, 0, sizeof(*cc));
    cc->ctx = ctx;
    snprintf(cc->actor, sizeof(cc->actor), "class %s (pid %ld)", what, (long)getpid());
    eo.cfg = ctx->cfg;
    eo.store = ctx->store;
    eo.orgs = ctx->orgs;
    eo.clock = &ctx->clock;
    eo.actor = cc->actor;
    eo.config_path = ctx->config_path != NULL ? ctx->config_path : ctx->cfg->path;
    eo.dry_run = dry_run;
    if (engine_new(&eo, &cc->engine, err) != 0)
        return -1;
    cc->env.cfg = ctx->cfg;
    cc->env.config_path = eo.config_path;
    cc->env.store = ctx->store;
    cc->env.orgs = ctx->orgs;
    cc->env.clock = &ctx->clock;
    cc->env.engine = cc->engine;
    cc->env.actor = cc->actor;
    cc->env.verbosity = ctx->verbosity;
    return 0;
}

/* Drives name to goal with progress (none with --json), then prints the class. Returns the
 * exit status: 0, or 8 when some seats failed (or were quarantined). */
static int
drive_and_print(struct class_cmd *cc, const char *cmd, const char *name, enum class_goal goal,
                bool wait, bool json)
{
    struct sbx_err err = { 0 };
    struct progress prog;
    struct class_view v = { 0 };
    char label[96];
    int rc;

    if (wait) {
        snprintf(label, sizeof(label), "class %s: %s", name,
                 goal == CLASS_GOAL_SETTLED ? "creating" : "closing");
        progress_init(&prog, stderr, progress_mode_for(stderr, json), label);
        if (class_drive(&cc->env, name, goal, &prog, &err) != 0) {
            if (strcmp(err.msg, "interrupted") == 0)
                log_error("%s: interrupted; the work is recorded, `sandboxctl class resume %s` "
                          "(or `sandboxctl run`) continues it",
                          cmd, name);
            else
                cmd_fail(cmd, &err);
            return err.code == SBX_E_FAILURE ? SBX_EXIT_FAILURE : (int)sbx_err_exit_code(&err);
        }
    }
    if (class_view_load(cc->ctx->store, name, &v, &err) != 0)
        return cmd_fail(cmd, &err);
    rc = json ? print_view_json(cc->ctx, &v) : (print_view_text(&v), SBX_EXIT_OK);
    if (rc == SBX_EXIT_OK && wait) {
        int bad = goal == CLASS_GOAL_SETTLED ? v.counts[CLASS_PHASE_FAILED]
                                             : v.counts[CLASS_PHASE_QUARANTINED];

        if (bad > 0) {
            if (!json)
                log_warn("%s: %d seat%s of class '%s' %s; see `sandboxctl class show %s`%s", cmd,
                         bad, bad == 1 ? "" : "s", name,
                         goal == CLASS_GOAL_SETTLED ? "failed" : "could not be closed", name,
                         goal == CLASS_GOAL_SETTLED ? " and `sandboxctl class resume`" : "");
            rc = SBX_EXIT_PARTIAL;
        }
    }
    class_view_release(&v);
    return rc;
}

static int
print_plan(const struct class_request *r, const struct class_plan *p, bool json)
{
    char t1[40], t2[40], d1[32], gbuf[512];

    if (json) {
        cJSON *o = cJSON_CreateObject(), *plan = NULL;
        bool ok = o != NULL && (plan = cJSON_AddObjectToObject(o, "plan")) != NULL;

        ok = ok && cJSON_AddStringToObject(plan, "name", r->name) != NULL;
        ok = ok && cJSON_AddStringToObject(plan, "kind", p->kind->name) != NULL;
        ok = ok && cJSON_AddStringToObject(plan, "owner", p->owner) != NULL;
        ok = ok && cJSON_AddNumberToObject(plan, "seats", (double)p->seats) != NULL;
        ok = ok && cJSON_AddNumberToObject(plan, "free_slots", (double)p->free_slots) != NULL;
        ok = ok && cJSON_AddNumberToObject(plan, "floor_seconds", p->floor) != NULL;
        ok = ok && add_time(plan, "start_at", p->start_at != 0 ? p->start_at : p->now);
        ok = ok && add_time(plan, "ready_by", r->ready_by);
        ok = ok && add_time(plan, "expires_at", p->expires_at);
        ok = ok && add_groups(plan, r->groups, r->ngroups);
        if (!ok) {
            cJSON_Delete(o);
            o = NULL;
        }
        return print_json(o);
    }
    printf("would create class %s (%s): %lld seats for instructor %s\n", r->name, p->kind->name,
           (long long)p->seats, p->owner);
    printf("organization: %lld accounts of %lld (%lld being created), room for %lld\n",
           (long long)p->in_org, (long long)p->account_limit, (long long)p->being_created,
           (long long)p->free_slots);
    printf("provisioning takes at least %s at AWS's limits; starts %s\n",
           duration_format((int64_t)ceil(p->floor), d1, sizeof(d1)),
           p->start_at != 0 ? duration_format_time(p->start_at, t1, sizeof(t1)) : "now");
    if (r->ready_by != 0)
        printf("ready by %s\n", duration_format_time(r->ready_by, t2, sizeof(t2)));
    printf("seats expire %s\n",
           p->expires_at != 0 ? duration_format_time(p->expires_at, t2, sizeof(t2)) : "never");
    if (r->ngroups > 0)
        printf("access groups: %s\n", groups_text(r->groups, r->ngroups, gbuf, sizeof(gbuf)));
    return SBX_EXIT_OK;
}

/* --access-group GROUP, repeatable: a group's displayName, each once. */
struct class_groups {
    const char *v[CLASS_MAX_GROUPS];
    size_t n;
};

static int
take_group(const struct cmd_opt *o, const char *arg, char *why, size_t n)
{
    struct class_groups *g = o->target;
    size_t len = strlen(arg);

    if (len == 0 || len > 1024 || strchr(arg, ',') != NULL) {
        snprintf(why, n, "a group's displayName: 1-1024 characters, no comma (got '%.64s')", arg);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)arg[i] < 0x20 || arg[i] == 0x7f) {
            snprintf(why, n, "a group name holds a control character");
            return -1;
        }
    }
    for (size_t i = 0; i < g->n; i++) {
        if (strcmp(g->v[i], arg) == 0) {
            snprintf(why, n, "group '%s' is given twice", arg);
            return -1;
        }
    }
    if (g->n == CLASS_MAX_GROUPS) {
        snprintf(why, n, "at most %d groups", CLASS_MAX_GROUPS);
        return -1;
    }
    g->v[g->n++] = arg;
    return 0;
}

static int
class_create(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct class_groups groups = { { 0 }, 0 };
    struct class_request req = { 0 };
    struct class_plan plan = { 0 };
    struct class_cmd cc = { 0 };
    struct roster roster = { 0 };
    struct sbx_err err = { 0 };
    const char *seats_arg = NULL, *roster_path = NULL;
    bool wait = true, dry_run = false, json = false;
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_DRY_RUN(&dry_run),
        CMD_OPT_JSON(&json),
        { .name = "owner", 'o', CMD_OPT_STRING, &req.owner },
        { .name = "seats", 's', CMD_OPT_STRING, &seats_arg },
        { .name = "roster", 'r', CMD_OPT_STRING, &roster_path },
        { .name = "kind", 'k', CMD_OPT_STRING, &req.kind },
        { .name = "ttl", 't', CMD_OPT_DURATION, &req.ttl, .given = &req.ttl_set },
        { .name = "ready-by", 'b', CMD_OPT_TIME, &req.ready_by },
        { .name = "no-wait", 'W', CMD_OPT_UNSET, &wait },
        CMD_OPT_BUDGET(&req.budget),
        { .name = "access-group", 'g', CMD_OPT_CALL, &groups, .fn = take_group },
        CMD_OPT_END,
    };

    if ((rc = cmd_parse_opts("class create", cmd_class_usage, opt, argc, argv)) != 0)
        return rc;
    if (optind + 1 != argc)
        return cmd_usage_error(cmd_class_usage, optind == argc ? "class create: missing NAME"
                                                               : "class create: one NAME only");
    req.name = argv[optind];
    req.groups = groups.v;
    req.ngroups = groups.n;
    if ((seats_arg == NULL) == (roster_path == NULL))
        return cmd_usage_error(cmd_class_usage,
                               "class create: give exactly one of --seats N and --roster FILE");
    if (req.ngroups > 0 && !ctx->cfg->access.enabled)
        return cmd_usage_error(cmd_class_usage,
                               "class create: --access-group needs owner access: an `access` "
                               "group in the configuration (%s)",
                               ctx->config_path != NULL ? ctx->config_path : ctx->cfg->path);
    if (req.owner == NULL)
        return cmd_usage_error(cmd_class_usage, "class create: --owner (the instructor) is "
                                                "required");
    if (seats_arg != NULL &&
        duration_parse_int64(seats_arg, 1, CLASS_MAX_SEATS, &req.seats, &err) != 0)
        return cmd_usage_error(cmd_class_usage, "class create: --seats: %s", err.msg);
    if (roster_path != NULL) {
        if (roster_load(roster_path, &roster, &err) != 0)
            return cmd_fail("class create", &err);
        req.roster = &roster;
        req.roster_label = roster_path;
    }
    if (setup_engine(&cc, ctx, "create", dry_run, &err) != 0) {
        rc = cmd_fail("class create", &err);
        goto out;
    }
    if (class_plan_make(&cc.env, &req, &plan, &err) != 0) {
        rc = cmd_fail("class create", &err);
        goto out;
    }
    /* Every student can sign in, or no seat is created (all the missing named at once). */
    rc = cmd_owner_users(cc.engine, "class create", (const char *const *)plan.owners,
                         (size_t)plan.seats, dry_run);
    if (rc != 0)
        goto out;
    /* Every group exists, or no seat is created. */
    if (engine_directory_groups(cc.engine, plan.kind->name, req.groups, req.ngroups, &err) != 0) {
        rc = cmd_fail("class create", &err);
        goto out;
    }
    if (dry_run) {
        rc = print_plan(&req, &plan, json);
        goto out;
    }
    if (class_insert(&cc.env, &req, &plan, &err) != 0) {
        rc = cmd_fail("class create", &err);
        goto out;
    }
    if (plan.start_at != 0 && !json) {
        char t1[40], t2[40];

        log_warn(
                "class create: class '%s' is scheduled: provisioning starts %s to be ready by %s%s",
                req.name, duration_format_time(plan.start_at, t1, sizeof(t1)),
                duration_format_time(req.ready_by, t2, sizeof(t2)),
                wait ? " (waiting; Ctrl-C leaves it to `sandboxctl run`)" : "");
    }
    rc = drive_and_print(&cc, "class create", req.name, CLASS_GOAL_SETTLED, wait, json);
out:
    class_plan_release(&plan);
    roster_release(&roster);
    engine_free(cc.engine);
    return rc;
}

static int
class_end_cmd(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct cmd_close_opts co;
    struct class_cmd cc = { 0 };
    struct class_view v = { 0 };
    struct sbx_err err = { 0 };
    char prompt[160];
    int rc, changed = 0;

    if (cmd_parse_close_opts(argc, argv, cmd_class_usage, &co) != 0)
        return SBX_EXIT_USAGE;
    if (optind + 1 != argc)
        return cmd_usage_error(cmd_class_usage, "class end: give one class NAME");
    if (class_view_load(ctx->store, argv[optind], &v, &err) != 0)
        return cmd_fail("class end", &err);
    if (co.dry_run) {
        int open = v.counts[CLASS_PHASE_ACTIVE] + v.counts[CLASS_PHASE_CREATING] +
                   v.counts[CLASS_PHASE_WAITING] + v.counts[CLASS_PHASE_QUARANTINED];

        printf("would end class %s: %d seat%s to nuke and close (%d already closing or closed)\n",
               v.c.name, open, open == 1 ? "" : "s",
               v.counts[CLASS_PHASE_CLOSING] + v.counts[CLASS_PHASE_CLOSED]);
        class_view_release(&v);
        return SBX_EXIT_OK;
    }
    snprintf(prompt, sizeof(prompt), "nuke and close all %zu seats of class '%s'?", v.nseats,
             v.c.name);
    class_view_release(&v);
    if (!co.yes && !cmd_confirm(prompt))
        return cmd_usage_error(cmd_class_usage,
                               "class end: not confirmed (pass --yes when not on a terminal)");
    if (setup_engine(&cc, ctx, "end", false, &err) != 0)
        return cmd_fail("class end", &err);
    if (class_end(&cc.env, argv[optind], &changed, &err) != 0) {
        rc = cmd_fail("class end", &err);
        goto out;
    }
    log_info("class end: %d seat%s asked to close", changed, changed == 1 ? "" : "s");
    rc = drive_and_print(&cc, "class end", argv[optind], CLASS_GOAL_CLOSED, co.wait, co.json);
out:
    engine_free(cc.engine);
    return rc;
}

static int
class_resume_cmd(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct class_cmd cc = { 0 };
    struct sbx_err err = { 0 };
    bool wait = true, json = false;
    const struct cmd_opt opt[] = {
        CMD_OPT_JSON(&json),
        { .name = "no-wait", 'W', CMD_OPT_UNSET, &wait },
        CMD_OPT_END,
    };
    int rc, retried = 0;

    rc = cmd_parse_opts("class", cmd_class_usage, opt, argc, argv);
    if (rc != 0)
        return rc;
    if (optind + 1 != argc)
        return cmd_usage_error(cmd_class_usage, "class resume: give one class NAME");
    if (setup_engine(&cc, ctx, "resume", false, &err) != 0)
        return cmd_fail("class resume", &err);
    if (class_resume(&cc.env, argv[optind], &retried, &err) != 0) {
        rc = cmd_fail("class resume", &err);
        goto out;
    }
    log_info("class resume: %d failed seat%s released for another attempt", retried,
             retried == 1 ? "" : "s");
    rc = drive_and_print(&cc, "class resume", argv[optind], CLASS_GOAL_SETTLED, wait, json);
out:
    engine_free(cc.engine);
    return rc;
}

/* --json of list and show (data: whether this is roster, which takes --format json). */
static int
take_json(const struct cmd_opt *o, const char *arg, char *why, size_t n)
{
    (void)arg;
    if (*(const bool *)o->data) {
        snprintf(why, n, "class roster: use --format json");
        return -1;
    }
    *(bool *)o->target = true;
    return 0;
}

/* --format csv | json of roster (data: whether this is roster). */
static int
take_format(const struct cmd_opt *o, const char *arg, char *why, size_t n)
{
    if (!*(const bool *)o->data)
        snprintf(why, n, "--format is for `class roster`");
    else if (strcmp(arg, "json") == 0)
        *(bool *)o->target = true;
    else if (strcmp(arg, "csv") != 0)
        snprintf(why, n, "class roster: --format is csv or json, not '%s'", arg);
    return why[0] != '\0' ? -1 : 0;
}

/* Options of the read-only subcommands: --json, or --format csv|json for roster. */
static int
read_opts(int argc, char **argv, bool roster, bool *json, const char **name)
{
    const struct cmd_opt opt[] = {
        { .name = "json",
          'j',
          CMD_OPT_CALL_SET,
          json,
          .fn = take_json,
          .data = &roster,
          .whole_msg = true },
        { .name = "format",
          'f',
          CMD_OPT_CALL,
          json,
          .fn = take_format,
          .data = &roster,
          .whole_msg = true },
        CMD_OPT_END,
    };
    int rc;

    *json = false;
    rc = cmd_parse_opts("class", cmd_class_usage, opt, argc, argv);
    if (rc != 0)
        return rc;
    if (name == NULL) {
        if (optind != argc)
            return cmd_usage_error(cmd_class_usage, "class list: unexpected argument '%s'",
                                   argv[optind]);
        return SBX_EXIT_OK;
    }
    if (optind + 1 != argc)
        return cmd_usage_error(cmd_class_usage, "class %s: give one class NAME", argv[0]);
    *name = argv[optind];
    return SBX_EXIT_OK;
}

int
cmd_class(struct sbx_ctx *ctx, int argc, char **argv)
{
    const char *sub, *name = NULL;
    bool json = false;
    int rc;

    if (argc < 2)
        return cmd_usage_error(cmd_class_usage, "class: missing subcommand");
    sub = argv[1];
    argc--;
    argv++;
    if (strcmp(sub, "create") == 0)
        return class_create(ctx, argc, argv);
    if (strcmp(sub, "end") == 0)
        return class_end_cmd(ctx, argc, argv);
    if (strcmp(sub, "resume") == 0)
        return class_resume_cmd(ctx, argc, argv);
    if (strcmp(sub, "list") == 0) {
        rc = read_opts(argc, argv, false, &json, NULL);
        return rc != SBX_EXIT_OK ? rc : class_list(ctx, json);
    }
    if (strcmp(sub, "show") == 0) {
        rc = read_opts(argc, argv, false, &json, &name);
        return rc != SBX_EXIT_OK ? rc : class_show(ctx, name, json);
    }
    if (strcmp(sub, "roster") == 0) {
        rc = read_opts(argc, argv, true, &json, &name);
        return rc != SBX_EXIT_OK ? rc : class_roster(ctx, name, json);
    }
    return cmd_usage_error(cmd_class_usage, "class: unknown subcommand '%s'", sub);
}
