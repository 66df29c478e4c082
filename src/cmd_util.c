/* cmd_util.c -- tables, JSON output and engine setup shared by the lifecycle commands. */
#include "cmd_util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/orgs.h"
#include "cfg.h"
#include "util/duration.h"
#include "util/log.h"

/*
 * Tables keep every cell in one growing arena (offsets, not pointers) and track column widths as
 * rows arrive: `list` of 100,000 accounts is then a handful of reallocations instead of 800,000
 * small ones.
 */
static void ob_putc(struct outbuf *ob, char c);

struct table {
    size_t ncols;
    char *arena;
    size_t len, cap;
    size_t *offs; /* nrows * ncols offsets into arena, row 0 = headers */
    size_t nrows, cap_rows;
    size_t *w;
};

struct table *
table_new(const char *const *headers)
{
    struct table *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    while (headers[t->ncols] != NULL)
        t->ncols++;
    t->w = calloc(t->ncols, sizeof(*t->w));
    if (t->w == NULL || table_add(t, headers) != 0) {
        table_free(t);
        return NULL;
    }
    return t;
}

int
table_add(struct table *t, const char *const *cells)
{
    if (t->nrows == t->cap_rows) {
        size_t cap = t->cap_rows == 0 ? 256 : t->cap_rows * 2;
        size_t *grown = realloc(t->offs, cap * t->ncols * sizeof(*grown));

        if (grown == NULL)
            return -1;
        t->offs = grown;
        t->cap_rows = cap;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        const char *cell = cells[c] != NULL && cells[c][0] != '\0' ? cells[c] : "-";
        size_t n = strlen(cell);

        if (t->len + n + 1 > t->cap) {
            size_t cap = t->cap == 0 ? 65536 : t->cap;
            char *grown;

            while (cap < t->len + n + 1)
                cap *= 2;
            grown = realloc(t->arena, cap);
            if (grown == NULL)
                return -1;
            t->arena = grown;
            t->cap = cap;
        }
        memcpy(t->arena + t->len, cell, n + 1);
        t->offs[t->nrows * t->ncols + c] = t->len;
        t->len += n + 1;
        if (n > t->w[c])
            t->w[c] = n;
    }
    t->nrows++;
    return 0;
}

void
table_print(const struct table *t, FILE *out)
{
    static const char spaces[] = "                                                                ";
    struct outbuf *ob = calloc(1, sizeof(*ob));

    if (ob == NULL)
        return;
    ob->f = out;
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->arena + t->offs[r * t->ncols + c];
            size_t n = strlen(cell), pad;

            outbuf_put(ob, cell, n);
            if (c + 1 == t->ncols) {
                ob_putc(ob, '\n');
                continue;
            }
            for (pad = t->w[c] - n + 2; pad > 0;) {
                size_t k = pad < sizeof(spaces) - 1 ? pad : sizeof(spaces) - 1;

                outbuf_put(ob, spaces, k);
                pad -= k;
            }
        }
    }
    outbuf_flush(ob);
    free(ob);
}

void
table_free(struct table *t)
{
    if (t == NULL)
        return;
    free(t->arena);
    free(t->offs);
    free(t->w);
    free(t);
}

/* RFC 3339 UTC ("2026-11-26T17:54:12Z") without gmtime/strftime: days to civil date (Howard
 * Hinnant's algorithm). Same output as time_format(), several times faster in bulk output. */
static const char *
fast_time(int64_t t, char out[21])
{
    int64_t days = t / 86400, rem = t % 86400, z, era, y;
    unsigned doe, yoe, doy, mp, d, m, hh, mm, ss;

    static _Thread_local int64_t cached_days = INT64_MIN;
    static _Thread_local char cached_date[11];

    if (rem < 0) {
        rem += 86400;
        days--;
    }
    if (days == cached_days) {
        /* Bulk output: most timestamps share a day with the previous one. */
        memcpy(out, cached_date, 10);
        goto clock;
    }
    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = (int64_t)yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    if (y < 0 || y > 9999) {
        snprintf(out, 21, "%s", "0000-00-00T00:00:00Z");
        return out;
    }
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    memcpy(cached_date, out, 10);
    cached_days = days;
clock:
    hh = (unsigned)(rem / 3600);
    mm = (unsigned)(rem / 60 % 60);
    ss = (unsigned)(rem % 60);
    out[10] = 'T';
    out[11] = (char)('0' + hh / 10);
    out[12] = (char)('0' + hh % 10);
    out[13] = ':';
    out[14] = (char)('0' + mm / 10);
    out[15] = (char)('0' + mm % 10);
    out[16] = ':';
    out[17] = (char)('0' + ss / 10);
    out[18] = (char)('0' + ss % 10);
    out[19] = 'Z';
    out[20] = '\0';
    return out;
}

/* --- a plain output buffer (stdio's per-call locking dominates bulk output otherwise) ------ */

void
outbuf_flush(struct outbuf *ob)
{
    if (ob->len > 0)
        fwrite(ob->b, 1, ob->len, ob->f);
    ob->len = 0;
}

void
outbuf_put(struct outbuf *ob, const char *s, size_t n)
{
    if (n <= sizeof(ob->b) - ob->len) {
        memcpy(ob->b + ob->len, s, n);
        ob->len += n;
        return;
    }
    while (n > 0) {
        size_t room = sizeof(ob->b) - ob->len, k = n < room ? n : room;

        memcpy(ob->b + ob->len, s, k);
        ob->len += k;
        s += k;
        n -= k;
        if (ob->len == sizeof(ob->b))
            outbuf_flush(ob);
    }
}

static void
ob_puts(struct outbuf *ob, const char *s)
{
    outbuf_put(ob, s, strlen(s));
}

static void
ob_putc(struct outbuf *ob, char c)
{
    if (ob->len == sizeof(ob->b))
        outbuf_flush(ob);
    ob->b[ob->len++] = c;
}

const char *
cmd_fmt_int(int64_t v, char buf[24])
{
    char *p = buf + 23;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    *p = '\0';
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        *--p = '-';
    return p;
}

static void
ob_int(struct outbuf *ob, int64_t v)
{
    char buf[24];

    ob_puts(ob, cmd_fmt_int(v, buf));
}

/* --- the account object, written directly (the one definition of its JSON form) ---------- */

static void
json_str(struct outbuf *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = s;

    const char *p = s;

    ob_putc(o, '"');
    for (;; p++) {
        unsigned char ch = (unsigned char)*p;

        if (ch >= 0x20 && ch != '"' && ch != '\\')
            continue;
        if (ch == '\0')
            break;
        outbuf_put(o, run, (size_t)(p - run));
        run = p + 1;
        switch (ch) {
        case '"':
            ob_puts(o, "\\\"");
            break;
        case '\\':
            ob_puts(o, "\\\\");
            break;
        case '\n':
            ob_puts(o, "\\n");
            break;
        case '\r':
            ob_puts(o, "\\r");
            break;
        case '\t':
            ob_puts(o, "\\t");
            break;
        default:
            ob_puts(o, "\\u00");
            ob_putc(o, hex[ch >> 4]);
            ob_putc(o, hex[ch & 15]);
        }
    }
    outbuf_put(o, run, (size_t)(p - run));
    ob_putc(o, '"');
}

/* Values the engine validated to [A-Za-z0-9_.:-] (account ids, states, kinds, request ids)
 * need no escaping. */
static void
json_plain(struct outbuf *o, const char *s)
{
    ob_putc(o, '"');
    outbuf_put(o, s, strlen(s));
    ob_putc(o, '"');
}

static void
json_key_n(struct outbuf *o, const char *key, size_t n, bool first)
{
    if (!first)
        ob_putc(o, ',');
    ob_putc(o, '"');
    outbuf_put(o, key, n);
    outbuf_put(o, "\":", 2);
}

/* Keys are literals: their length is known at compile time. */
#define json_key(o, key, first) json_key_n((o), (key), sizeof(key) - 1, (first))

static void
json_str_or_null_n(struct outbuf *o, const char *key, size_t n, const char *v)
{
    json_key_n(o, key, n, false);
    if (v != NULL && *v != '\0')
        json_str(o, v);
    else
        ob_puts(o, "null");
}

#define json_str_or_null(o, key, v) json_str_or_null_n((o), (key), sizeof(key) - 1, (v))

static void
json_time_field_n(struct outbuf *o, const char *key, size_t n, int64_t t)
{
    char buf[21];

    json_key_n(o, key, n, false);
    if (t > 0) {
        ob_putc(o, '"');
        outbuf_put(o, fast_time(t, buf), 20);
        ob_putc(o, '"');
    } else {
        ob_puts(o, "null");
    }
}

#define json_time_field(o, key, t) json_time_field_n((o), (key), sizeof(key) - 1, (t))

void
cmd_account_json_write(struct outbuf *o, const struct store_account *a)
{
    json_key(o, "id", true);
    ob_int(o, a->id);
    json_key(o, "account_id", false);
    if (a->account_id[0] != '\0')
        json_plain(o, a->account_id);
    else
        outbuf_put(o, "null", 4);
    json_key(o, "email", false);
    json_str(o, a->email != NULL ? a->email : "");
    json_key(o, "name", false);
    json_str(o, a->name != NULL ? a->name : "");
    json_key(o, "owner", false);
    json_str(o, a->owner != NULL ? a->owner : "");
    json_key(o, "kind", false);
    json_plain(o, a->kind != NULL ? a->kind : "");
    json_str_or_null(o, "class", a->class_name);
    json_key(o, "seat", false);
    if (a->seat > 0)
        ob_int(o, a->seat);
    else
        ob_puts(o, "null");
    json_key(o, "state", false);
    json_plain(o, a->state);
    json_key(o, "reason", false);
    json_str(o, a->reason != NULL ? a->reason : "");
    json_time_field(o, "expires_at", a->expires_at);
    json_time_field(o, "created_at", a->created_at);
    json_time_field(o, "active_at", a->active_at);
    json_time_field(o, "closed_at", a->closed_at);
    json_time_field(o, "updated_at", a->updated_at);
    json_time_field(o, "next_action_at", a->due_at);
    json_key(o, "attempts", false);
    ob_int(o, a->attempts);
    json_key(o, "last_error", false);
    json_str(o, a->last_error != NULL ? a->last_error : "");
    json_key(o, "adopted", false);
    ob_puts(o, a->adopted ? "true" : "false");
    json_str_or_null(o, "request_id", a->request_id);
}

void
cmd_json_time(cJSON *obj, const char *key, int64_t t)
{
    char buf[21];

    if (t > 0)
        cJSON_AddStringToObject(obj, key, fast_time(t, buf));
    else
        cJSON_AddNullToObject(obj, key);
}

cJSON *
cmd_account_json(const struct store_account *a)
{
    char *buf = NULL;
    size_t len = 0;
    cJSON *o = NULL;
    FILE *mem = open_memstream(&buf, &len);
    struct outbuf *ob;

    /* One definition of the object: the streaming writer's, parsed back. */
    if (mem == NULL)
        return NULL;
    ob = calloc(1, sizeof(*ob));
    if (ob == NULL) {
        fclose(mem);
        free(buf);
        return NULL;
    }
    ob->f = mem;
    ob_putc(ob, '{');
    cmd_account_json_write(ob, a);
    ob_putc(ob, '}');
    outbuf_flush(ob);
    free(ob);
    if (fclose(mem) == 0 && buf != NULL)
        o = cJSON_ParseWithLength(buf, len);
    free(buf);
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
    char fast[21];

    if (t > 0) {
        snprintf(buf, n, "%s", fast_time(t, fast));
        return buf;
    }
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
add_str_or_null(cJSON *obj, const char *key, const char *v)
{
    if (v != NULL && *v != '\0')
        cJSON_AddStringToObject(obj, key, v);
    else
        cJSON_AddNullToObject(obj, key);
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
