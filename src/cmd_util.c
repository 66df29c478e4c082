/* cmd_util.c -- tables, JSON output and engine setup shared by the lifecycle commands. */
#include "cmd_util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/orgs.h"
#include "cfg.h"
#include "util/duration.h"
#include "util/log.h"

struct table {
    size_t ncols;
    char **cells; /* nrows * ncols, row 0 = headers */
    size_t nrows, cap;
};

struct table *
table_new(const char *const *headers)
{
    struct table *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    while (headers[t->ncols] != NULL)
        t->ncols++;
    if (table_add(t, headers) != 0) {
        table_free(t);
        return NULL;
    }
    return t;
}

int
table_add(struct table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap == 0 ? 64 : t->cap * 2;
        char **grown = realloc(t->cells, cap * t->ncols * sizeof(*grown));

        if (grown == NULL)
            return -1;
        t->cells = grown;
        t->cap = cap;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        char *copy = strdup(cells[c] != NULL && cells[c][0] != '\0' ? cells[c] : "-");

        if (copy == NULL) {
            for (size_t k = 0; k < c; k++)
                free(t->cells[t->nrows * t->ncols + k]);
            return -1;
        }
        t->cells[t->nrows * t->ncols + c] = copy;
    }
    t->nrows++;
    return 0;
}

void
table_print(const struct table *t, FILE *out)
{
    size_t *w = calloc(t->ncols, sizeof(*w));

    if (w == NULL)
        return;
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            size_t len = strlen(t->cells[r * t->ncols + c]);

            if (len > w[c])
                w[c] = len;
        }
    }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];

            if (c + 1 == t->ncols)
                fprintf(out, "%s\n", cell);
            else
                fprintf(out, "%-*s  ", (int)w[c], cell);
        }
    }
    free(w);
}

void
table_free(struct table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}

void
cmd_json_time(cJSON *obj, const char *key, int64_t t)
{
    char buf[32];

    if (t > 0)
        cJSON_AddStringToObject(obj, key, time_format(t, buf, sizeof(buf)));
    else
        cJSON_AddNullToObject(obj, key);
}

static void
add_str_or_null(cJSON *obj, const char *key, const char *v)
{
    if (v != NULL && *v != '\0')
        cJSON_AddStringToObject(obj, key, v);
    else
        cJSON_AddNullToObject(obj, key);
}

cJSON *
cmd_account_json(const struct store_account *a)
{
    cJSON *o = cJSON_CreateObject();

    if (o == NULL)
        return NULL;
    cJSON_AddNumberToObject(o, "id", (double)a->id);
    add_str_or_null(o, "account_id", a->account_id);
    cJSON_AddStringToObject(o, "email", a->email != NULL ? a->email : "");
    cJSON_AddStringToObject(o, "name", a->name != NULL ? a->name : "");
    cJSON_AddStringToObject(o, "owner", a->owner != NULL ? a->owner : "");
    cJSON_AddStringToObject(o, "kind", a->kind != NULL ? a->kind : "");
    add_str_or_null(o, "class", a->class_name);
    if (a->seat > 0)
        cJSON_AddNumberToObject(o, "seat", (double)a->seat);
    else
        cJSON_AddNullToObject(o, "seat");
    cJSON_AddStringToObject(o, "state", a->state);
    cJSON_AddStringToObject(o, "reason", a->reason != NULL ? a->reason : "");
    cmd_json_time(o, "expires_at", a->expires_at);
    cmd_json_time(o, "created_at", a->created_at);
    cmd_json_time(o, "active_at", a->active_at);
    cmd_json_time(o, "closed_at", a->closed_at);
    cmd_json_time(o, "updated_at", a->updated_at);
    cmd_json_time(o, "next_action_at", a->due_at);
    cJSON_AddNumberToObject(o, "attempts", (double)a->attempts);
    cJSON_AddStringToObject(o, "last_error", a->last_error != NULL ? a->last_error : "");
    cJSON_AddBoolToObject(o, "adopted", a->adopted);
    add_str_or_null(o, "request_id", a->request_id);
    return o;
}

void
cmd_report_json(cJSON *obj, const struct engine_step_report *r)
{
    cJSON *o = cJSON_AddObjectToObject(obj, "report");

    if (o == NULL)
        return;
    cJSON_AddNumberToObject(o, "submitted", r->submitted);
    cJSON_AddNumberToObject(o, "activated", r->activated);
    cJSON_AddNumberToObject(o, "warned", r->warned);
    cJSON_AddNumberToObject(o, "expired", r->expired);
    cJSON_AddNumberToObject(o, "nuked", r->nuked);
    cJSON_AddNumberToObject(o, "nuke_retries", r->nuke_retries);
    cJSON_AddNumberToObject(o, "quarantined", r->quarantined);
    cJSON_AddNumberToObject(o, "close_sent", r->close_sent);
    cJSON_AddNumberToObject(o, "closed", r->closed);
    cJSON_AddNumberToObject(o, "gone", r->gone);
    cJSON_AddNumberToObject(o, "refused", r->refused);
    cJSON_AddNumberToObject(o, "failed", r->failed);
    cJSON_AddNumberToObject(o, "deferred", r->deferred);
    cJSON_AddNumberToObject(o, "reconciled", r->reconciled);
    cJSON_AddNumberToObject(o, "errors", r->errors);
    cJSON_AddStringToObject(o, "last_error", r->last_error);
}

int
cmd_json_print(cJSON *obj)
{
    char *text;

    if (obj == NULL) {
        log_error("out of memory");
        return -1;
    }
    text = cJSON_Print(obj);
    cJSON_Delete(obj);
    if (text == NULL) {
        log_error("out of memory");
        return -1;
    }
    fputs(text, stdout);
    fputc('\n', stdout);
    cJSON_free(text);
    return 0;
}

const char *
cmd_time(int64_t t, char *buf, size_t n, bool never_word)
{
    if (t > 0)
        return time_format(t, buf, n);
    snprintf(buf, n, "%s", never_word ? "never" : "-");
    return buf;
}

const char *
cmd_rel(int64_t t, int64_t now, char *buf, size_t n)
{
    char d[32];

    if (t <= 0) {
        snprintf(buf, n, "-");
    } else if (t >= now) {
        snprintf(buf, n, "in %s", duration_format(t - now, d, sizeof(d)));
    } else {
        snprintf(buf, n, "%s ago", duration_format(now - t, d, sizeof(d)));
    }
    return buf;
}

void
cmd_report_line(FILE *out, const struct engine_step_report *r)
{
    const struct {
        const char *what;
        int n;
    } items[] = {
        { "submitted", r->submitted },
        { "activated", r->activated },
        { "warned", r->warned },
        { "expired", r->expired },
        { "nuked", r->nuked },
        { "nuke retries", r->nuke_retries },
        { "quarantined", r->quarantined },
        { "close sent", r->close_sent },
        { "closed", r->closed },
        { "gone", r->gone },
        { "refused", r->refused },
        { "failed", r->failed },
        { "deferred", r->deferred },
        { "reconciled", r->reconciled },
        { "errors", r->errors },
    };
    bool any = false;

    for (size_t i = 0; i < SBX_ARRAY_LEN(items); i++) {
        if (items[i].n == 0)
            continue;
        fprintf(out, "%s%d %s", any ? ", " : "", items[i].n, items[i].what);
        any = true;
    }
    fprintf(out, "%s\n", any ? "" : "nothing to do");
}

static void
on_event(void *arg, const struct engine_event *ev)
{
    struct cmd_events *ce = arg;
    const struct store_account *a = ev->account;

    ce->count++;
    if (ce->json) {
        cJSON *o;

        if (ce->array == NULL)
            ce->array = cJSON_CreateArray();
        o = cJSON_CreateObject();
        if (ce->array == NULL || o == NULL) {
            cJSON_Delete(o);
            return;
        }
        cJSON_AddNumberToObject(o, "id", (double)a->id);
        add_str_or_null(o, "account_id", a->account_id);
        cJSON_AddStringToObject(o, "event", ev->event);
        add_str_or_null(o, "from", ev->from);
        add_str_or_null(o, "to", ev->to);
        cJSON_AddStringToObject(o, "message", ev->message);
        cJSON_AddItemToArray(ce->array, o);
        return;
    }
    if (ce->quiet)
        return;
    printf("#%lld %-12s %-24s", (long long)a->id, a->account_id[0] != '\0' ? a->account_id : "-",
           ev->event);
    if (ev->from != NULL || ev->to != NULL)
        printf(" %s -> %s", ev->from != NULL ? ev->from : "-", ev->to != NULL ? ev->to : "-");
    if (ev->message[0] != '\0')
        printf(" (%s)", ev->message);
    printf("\n");
    fflush(stdout);
}

int
cmd_engine_open(struct sbx_ctx *ctx, const char *cmd, bool dry_run, struct cmd_events *ev,
                struct engine **out)
{
    struct engine_opts o = { 0 };
    struct sbx_err err = { 0 };
    const char *user = getenv("SUDO_USER");
    char actor[160];

    if (user == NULL || *user == '\0')
        user = getenv("USER");
    if (user == NULL || *user == '\0')
        user = getenv("LOGNAME");
    if (user == NULL || *user == '\0') {
        static char uid[32];

        snprintf(uid, sizeof(uid), "uid %ld", (long)getuid());
        user = uid;
    }
    snprintf(actor, sizeof(actor), "%s (%s)", user, cmd);
    o.cfg = ctx->cfg;
    o.store = ctx->store;
    o.orgs = ctx->orgs;
    o.clock = &ctx->clock;
    o.actor = actor;
    o.config_path = ctx->cfg != NULL ? ctx->cfg->path : ctx->config_path;
    o.dry_run = dry_run;
    if (ev != NULL) {
        o.on_event = on_event;
        o.event_arg = ev;
    }
    if (engine_new(&o, out, &err) != 0)
        return cmd_fail(cmd, &err);
    return 0;
}

int
cmd_find_account(struct sbx_ctx *ctx, const char *cmd, const char *key, struct store_account *out)
{
    struct sbx_err err = { 0 };

    if (store_account_find(ctx->store, key, out, &err) != 0)
        return cmd_fail(cmd, &err);
    return 0;
}

int
cmd_reload(struct sbx_ctx *ctx, struct store_account *a, struct sbx_err *err)
{
    struct store_account fresh = { 0 };

    if (store_account_get(ctx->store, a->id, &fresh, err) != 0)
        return -1;
    store_account_release(a);
    *a = fresh;
    return 0;
}

/* What happened to an account, in one word, and whether it counts as a failure. */
static const char *
close_verdict(const struct cmd_close_item *it, bool *failure)
{
    const char *s = it->a.state;

    *failure = false;
    if (it->outcome == ENGINE_CLOSE_REFUSED || strcmp(s, "protected") == 0) {
        *failure = true;
        return "refused";
    }
    if (strcmp(s, "suspended") == 0 || strcmp(s, "gone") == 0)
        return "closed";
    if (strcmp(s, "closing") == 0)
        return "closing";
    if (strcmp(s, "close_wait") == 0)
        return "queued";
    if (strcmp(s, "expiring") == 0 || strcmp(s, "nuking") == 0)
        return it->a.attempts > 0 ? "nuke_retrying" : "nuking";
    if (strcmp(s, "nuke_failed") == 0) {
        *failure = true;
        return "quarantined";
    }
    if (strcmp(s, "requested") == 0 || strcmp(s, "creating") == 0)
        return "closes_after_create";
    if (strcmp(s, "failed") == 0)
        return it->outcome == ENGINE_CLOSE_CANCELLED ||
                               (it->a.reason != NULL && it->a.reason[0] != '\0')
                       ? "cancelled" /* cancelled by a close request before it was sent */
                       : "nothing_to_close";
    if (strcmp(s, "active") == 0 && it->outcome == ENGINE_CLOSE_QUEUED)
        return "queued"; /* dry run */
    *failure = true;
    return "not_closing";
}

int
cmd_close_accounts(struct sbx_ctx *ctx, const char *cmd, struct engine *e,
                   struct cmd_close_item *items, size_t n, const char *reason, int64_t priority,
                   bool wait, bool dry_run, bool json, const char *owner, struct cmd_events *ev)
{
    static const char *const headers[] = { "ID",       "ACCOUNT", "STATE", "OUTCOME",
                                           "EXPECTED", "DETAIL",  NULL };
    struct engine_quota_view qv = { 0 };
    struct engine_step_report total = { 0 };
    struct sbx_err err = { 0 };
    struct table *t = NULL;
    size_t failures = 0;
    bool have_quota = false;
    int rc = SBX_EXIT_FAILURE;

    for (size_t i = 0; i < n; i++) {
        if (engine_close_request(e, &items[i].a, reason, priority, true, &items[i].outcome,
                                 items[i].why, sizeof(items[i].why), &err) != 0) {
            if (err.code == SBX_E_AWS || err.code == SBX_E_NOTFOUND) {
                /* Could not check protection now: leave it untouched and report it. */
                items[i].outcome = ENGINE_CLOSE_REFUSED;
                snprintf(items[i].why, sizeof(items[i].why), "cannot check protection: %s",
                         err.msg);
                sbx_err_clear(&err);
                continue;
            }
            return cmd_fail(cmd, &err);
        }
    }
    if (wait && !dry_run) {
        for (size_t i = 0; i < n; i++) {
            struct store_filter scope = { .id = items[i].a.id };
            struct engine_step_opts so = { &scope, false };
            double next;

            if (items[i].outcome == ENGINE_CLOSE_REFUSED || items[i].outcome == ENGINE_CLOSE_DONE)
                continue;
            if (owner != NULL) {
                scope.id = 0;
                scope.owner = owner;
            }
            if (engine_run(e, &so, 120, &total, &next, &err) != 0)
                return cmd_fail(cmd, &err);
            if (owner != NULL)
                break; /* one run covers every account of the owner */
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!dry_run && cmd_reload(ctx, &items[i].a, &err) != 0)
            return cmd_fail(cmd, &err);
    }
    if (engine_quota(e, &qv, &err) == 0)
        have_quota = true;
    else
        sbx_err_clear(&err);
    if (json) {
        cJSON *o = cJSON_CreateObject(), *arr, *sum;

        if (o == NULL)
            goto nomem;
        if (owner != NULL)
            cJSON_AddStringToObject(o, "owner", owner);
        cJSON_AddBoolToObject(o, "dry_run", dry_run);
        arr = cJSON_AddArrayToObject(o, "accounts");
        sum = cJSON_AddObjectToObject(o, "summary");
        for (size_t i = 0; i < n && arr != NULL && sum != NULL; i++) {
            bool fail;
            const char *v = close_verdict(&items[i], &fail);
            cJSON *a = cmd_account_json(&items[i].a), *cnt;

            if (a == NULL)
                continue;
            cJSON_AddStringToObject(a, "outcome", v);
            cJSON_AddStringToObject(a, "message", items[i].why);
            cJSON_AddNullToObject(a, "expected_close_at");
            for (size_t q = 0; have_quota && q < qv.nqueue; q++) {
                if (qv.queue[q].id == items[i].a.id) {
                    cJSON_DeleteItemFromObject(a, "expected_close_at");
                    cmd_json_time(a, "expected_close_at", qv.queue[q].eta);
                }
            }
            cJSON_AddItemToArray(arr, a);
            cnt = cJSON_GetObjectItem(sum, v);
            if (cnt != NULL)
                cJSON_SetNumberValue(cnt, cnt->valuedouble + 1);
            else
                cJSON_AddNumberToObject(sum, v, 1);
            failures += fail;
        }
        cJSON_AddBoolToObject(o, "ok", failures == 0);
        cmd_report_json(o, &total);
        if (ev != NULL && ev->array != NULL) {
            cJSON_AddItemToObject(o, "events", ev->array);
            ev->array = NULL;
        }
        if (cmd_json_print(o) != 0)
            goto nomem;
    } else {
        t = table_new(headers);
        if (t == NULL)
            goto nomem;
        for (size_t i = 0; i < n; i++) {
            bool fail;
            const char *v = close_verdict(&items[i], &fail);
            char id[24], eta[32] = "";
            const char *cells[7];

            for (size_t q = 0; have_quota && q < qv.nqueue; q++) {
                if (qv.queue[q].id == items[i].a.id)
                    cmd_time(qv.queue[q].eta, eta, sizeof(eta), false);
            }
            snprintf(id, sizeof(id), "#%lld", (long long)items[i].a.id);
            cells[0] = id;
            cells[1] = items[i].a.account_id;
            cells[2] = items[i].a.state;
            cells[3] = v;
            cells[4] = eta;
            cells[5] = items[i].why[0] != '\0' ? items[i].why : items[i].a.last_error;
            cells[6] = NULL;
            if (table_add(t, cells) != 0)
                goto nomem;
            failures += fail;
        }
        table_print(t, stdout);
        if (dry_run)
            printf("dry run: nothing was changed\n");
        else if (failures > 0)
            printf("%zu of %zu account%s need a human (refused or quarantined)\n", failures, n,
                   n == 1 ? "" : "s");
    }
    for (size_t i = 0; i < n; i++) {
        bool fail;
        const char *v = close_verdict(&items[i], &fail);

        if (fail)
            log_error("%s: account #%lld %s: %s", cmd, (long long)items[i].a.id, v,
                      items[i].why[0] != '\0' ? items[i].why : items[i].a.last_error);
    }
    /* Offboarding is one job over many accounts: any failure is a partial success. */
    rc = failures == 0                    ? SBX_EXIT_OK
         : failures == n && owner == NULL ? SBX_EXIT_FAILURE
                                          : SBX_EXIT_PARTIAL;
    goto out;
nomem:
    log_error("%s: out of memory", cmd);
    rc = SBX_EXIT_FAILURE;
out:
    table_free(t);
    engine_quota_view_release(&qv);
    return rc;
}

void
cmd_sync_clock(struct sbx_ctx *ctx)
{
    struct sbx_err err = { 0 };
    struct orgs *o = NULL;

    if (ctx->cfg == NULL || !ctx->cfg->aws.follow_sim_clock)
        return;
    if (ctx->orgs != NULL) {
        o = ctx->orgs;
    } else if (orgs_new(ctx->cfg, &ctx->clock, &o, &err) != 0) {
        log_warn("cannot follow the simulator's clock: %s", err.msg);
        return;
    }
    if (orgs_sim_clock(o, &ctx->clock, &err) != 0)
        log_warn("cannot follow the simulator's clock: %s", err.msg);
    if (o != ctx->orgs)
        orgs_free(o);
}
