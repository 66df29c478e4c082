/* cmd_util.c -- tables, JSON output and engine setup shared by the lifecycle commands. */
#include "cli/cmd_util.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/orgs.h"
#include "cfg.h"
#include "engine/engine_directory.h"
#include "util/duration.h"
#include "util/grow.h"
#include "util/log.h"
#include "util/money.h"
#include "util/text.h"

/* Bulk output (a table or `list --json`) goes through one buffer of this size. */
#define CMD_OUT_BUF (256 * 1024)

/*
 * Tables keep every cell in one growing arena and track column widths as rows arrive: `list`
 * of 100,000 accounts is then a handful of reallocations instead of 800,000 small ones. Cells
 * are stored row after row, each as its length and its bytes (no NUL, no offset table): a
 * length below 255 is one byte, a longer one is 255 and then the length as a size_t. Printing
 * walks the arena in order; a new process pays for every page it touches, so the arena is
 * kept as small as the text.
 */
struct cmd_table {
    size_t ncols;
    char *arena;
    size_t len, cap;
    size_t nrows;
    size_t *w;
};

#define CELL_LONG 255

struct cmd_table *
cmd_table_new(const char *const *headers)
{
    struct cmd_table *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    while (headers[t->ncols] != NULL)
        t->ncols++;
    t->w = calloc(t->ncols, sizeof(*t->w));
    if (t->w == NULL || cmd_table_add(t, headers) != 0) {
        cmd_table_free(t);
        return NULL;
    }
    return t;
}

int
cmd_table_add(struct cmd_table *t, const char *const *cells)
{
    size_t lens[16], *lp = lens, need = 0, nesc = 0;
    char *esc[16] = { NULL }, *p;
    int rc = -1;

    if (t->ncols > SBX_ARRAY_LEN(lens)) {
        lp = malloc(t->ncols * sizeof(*lp));
        if (lp == NULL)
            return -1;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        lp[c] = cells[c] != NULL && cells[c][0] != '\0' ? strlen(cells[c]) : 1;
        /* A cell from input is printed escaped (text.h); plain text is the common case. */
        if (c < SBX_ARRAY_LEN(esc) && cells[c] != NULL && cells[c][0] != '\0' &&
            text_needs_escape(cells[c], lp[c])) {
            size_t elen = text_escape(NULL, 0, cells[c], lp[c]);

            esc[c] = malloc(elen + 1);
            if (esc[c] == NULL)
                goto out;
            text_escape(esc[c], elen + 1, cells[c], lp[c]);
            lp[c] = elen;
            nesc++;
        }
        need += lp[c] + (lp[c] < CELL_LONG ? 1 : 1 + sizeof(size_t));
    }
    if (grow_bytes(&t->arena, &t->cap, t->len + need, 65536) != 0)
        goto out;
    p = t->arena + t->len;
    for (size_t c = 0; c < t->ncols; c++) {
        const char *cell = c < SBX_ARRAY_LEN(esc) && esc[c] != NULL  ? esc[c]
                           : cells[c] != NULL && cells[c][0] != '\0' ? cells[c]
                                                                     : "-";

        if (lp[c] < CELL_LONG) {
            *p++ = (char)lp[c];
        } else {
            *p++ = (char)CELL_LONG;
            memcpy(p, &lp[c], sizeof(size_t));
            p += sizeof(size_t);
        }
        memcpy(p, cell, lp[c]);
        p += lp[c];
        if (lp[c] > t->w[c])
            t->w[c] = lp[c];
    }
    t->len = (size_t)(p - t->arena);
    t->nrows++;
    rc = 0;
out:
    for (size_t c = 0; nesc > 0 && c < SBX_ARRAY_LEN(esc); c++)
        free(esc[c]);
    if (lp != lens)
        free(lp);
    return rc;
}

void
cmd_table_print(const struct cmd_table *t, FILE *out)
{
    const char *cell = t->arena;
    struct jsonw w;
    size_t row_max = 1;

    if (t->nrows == 0 || jsonw_init(&w, out, CMD_OUT_BUF) != 0) {
        jsonw_release(&w);
        return;
    }
    for (size_t c = 0; c < t->ncols; c++)
        row_max += t->w[c] + 2;
    for (size_t r = 0; r < t->nrows; r++) {
        char *start = jsonw_reserve(&w, row_max), *p = start;

        if (p == NULL)
            break;
        for (size_t c = 0; c < t->ncols; c++) {
            size_t n = (unsigned char)*cell++;

            if (n == CELL_LONG) {
                memcpy(&n, cell, sizeof(size_t));
                cell += sizeof(size_t);
            }
            memcpy(p, cell, n);
            p += n;
            cell += n;
            if (c + 1 < t->ncols) {
                memset(p, ' ', t->w[c] - n + 2);
                p += t->w[c] - n + 2;
            }
        }
        *p++ = '\n';
        jsonw_commit(&w, (size_t)(p - start));
    }
    jsonw_flush(&w);
    jsonw_release(&w);
}

void
cmd_table_free(struct cmd_table *t)
{
    if (t == NULL)
        return;
    free(t->arena);
    free(t->w);
    free(t);
}

/* --- times ------------------------------------------------------------------------------- */

/* "00".."99": two digits per table lookup. */
static const char digits2[] = "000102030405060708091011121314151617181920212223242526272829"
                              "303132333435363738394041424344454647484950515253545556575859"
                              "606162636465666768697071727374757677787980818283848586878889"
                              "90919293949596979899";

/*
 * RFC 3339 UTC ("2026-11-26T17:54:12Z") without gmtime/strftime: days to civil date (Howard
 * Hinnant's algorithm), recomputed only when the day changes. Same output as duration_format_time()
 * for years 0000-9999; other years print as "0000-00-00T00:00:00Z".
 */
const char *
cmd_time_cached(struct cmd_time_cache *c, int64_t t)
{
    int64_t days, rem;
    unsigned s;

    if (t == c->t)
        return c->text;
    days = t / 86400;
    rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    if (days != c->day) {
        int64_t z = days + 719468, era, y;
        unsigned doe, yoe, doy, mp, d, m;

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
            memcpy(c->text, "0000-00-00T00:00:00Z", 21);
            c->t = t;
            c->day = INT64_MIN;
            return c->text;
        }
        memcpy(c->text, digits2 + 2 * (y / 100), 2);
        memcpy(c->text + 2, digits2 + 2 * (y % 100), 2);
        c->text[4] = '-';
        memcpy(c->text + 5, digits2 + 2 * m, 2);
        c->text[7] = '-';
        memcpy(c->text + 8, digits2 + 2 * d, 2);
        c->text[10] = 'T';
        c->text[13] = ':';
        c->text[16] = ':';
        c->text[19] = 'Z';
        c->text[20] = '\0';
        c->day = days;
    }
    s = (unsigned)rem;
    memcpy(c->text + 11, digits2 + 2 * (s / 3600), 2);
    memcpy(c->text + 14, digits2 + 2 * (s / 60 % 60), 2);
    memcpy(c->text + 17, digits2 + 2 * (s % 60), 2);
    c->t = t;
    return c->text;
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

/* --- the account object, written directly (the one definition of its JSON form) ---------- */

/* Room for everything but the strings: keys and punctuation (about 240 bytes), six times,
 * three numbers, null/true/false. */
#define ACCOUNT_FIXED_MAX 512

static inline char *
time_or_null(char *p, struct cmd_time_cache *c, int64_t t)
{
    if (t <= 0)
        return json_lit_into(p, "null");
    *p++ = '"';
    p = json_bytes_into(p, cmd_time_cached(c, t), 20);
    *p++ = '"';
    return p;
}

void
cmd_account_json_write(struct jsonw *w, const struct store_account *a)
{
    /* One cache per time field: each column tends to repeat its own day (or second). */
    static _Thread_local struct cmd_time_cache tc[6] = {
        CMD_TIME_CACHE_INIT, CMD_TIME_CACHE_INIT, CMD_TIME_CACHE_INIT,
        CMD_TIME_CACHE_INIT, CMD_TIME_CACHE_INIT, CMD_TIME_CACHE_INIT,
    };
    const char *email = a->email != NULL ? a->email : "", *name = a->name != NULL ? a->name : "";
    const char *owner = a->owner != NULL ? a->owner : "", *kind = a->kind != NULL ? a->kind : "";
    const char *reason = a->reason != NULL ? a->reason : "";
    const char *last_error = a->last_error != NULL ? a->last_error : "";
    const char *class_name = a->class_name != NULL ? a->class_name : "";
    const char *request_id = a->request_id != NULL ? a->request_id : "";
    size_t n_acct = strlen(a->account_id), n_email = strlen(email), n_name = strlen(name);
    size_t n_owner = strlen(owner), n_kind = strlen(kind), n_class = strlen(class_name);
    const char *state = engine_state_name(a->state);
    size_t n_state = strlen(state), n_reason = strlen(reason);
    size_t n_error = strlen(last_error), n_req = strlen(request_id);
    char *start, *p;

    start = p = jsonw_reserve(w, ACCOUNT_FIXED_MAX +
                                         6 * (n_acct + n_email + n_name + n_owner + n_kind +
                                              n_class + n_state + n_reason + n_error + n_req));
    if (p == NULL)
        return;
    p = json_lit_into(p, "\"id\":");
    p = jsonw_int_into(p, a->id);
    p = json_lit_into(p, ",\"account_id\":");
    p = n_acct > 0 ? jsonw_string_into(p, a->account_id, n_acct) : json_lit_into(p, "null");
    p = json_lit_into(p, ",\"email\":");
    p = jsonw_string_into(p, email, n_email);
    p = json_lit_into(p, ",\"name\":");
    p = jsonw_string_into(p, name, n_name);
    p = json_lit_into(p, ",\"owner\":");
    p = jsonw_string_into(p, owner, n_owner);
    p = json_lit_into(p, ",\"kind\":");
    p = jsonw_string_into(p, kind, n_kind);
    p = json_lit_into(p, ",\"class\":");
    p = n_class > 0 ? jsonw_string_into(p, class_name, n_class) : json_lit_into(p, "null");
    p = json_lit_into(p, ",\"seat\":");
    p = a->seat > 0 ? jsonw_int_into(p, a->seat) : json_lit_into(p, "null");
    p = json_lit_into(p, ",\"state\":");
    p = jsonw_string_into(p, state, n_state);
    p = json_lit_into(p, ",\"reason\":");
    p = jsonw_string_into(p, reason, n_reason);
    p = json_lit_into(p, ",\"expires_at\":");
    p = time_or_null(p, &tc[0], a->expires_at);
    p = json_lit_into(p, ",\"created_at\":");
    p = time_or_null(p, &tc[1], a->created_at);
    p = json_lit_into(p, ",\"active_at\":");
    p = time_or_null(p, &tc[2], a->active_at);
    p = json_lit_into(p, ",\"closed_at\":");
    p = time_or_null(p, &tc[3], a->closed_at);
    p = json_lit_into(p, ",\"updated_at\":");
    p = time_or_null(p, &tc[4], a->updated_at);
    p = json_lit_into(p, ",\"next_action_at\":");
    p = time_or_null(p, &tc[5], a->due_at);
    p = json_lit_into(p, ",\"attempts\":");
    p = jsonw_int_into(p, a->attempts);
    p = json_lit_into(p, ",\"last_error\":");
    p = jsonw_string_into(p, last_error, n_error);
    p = a->adopted ? json_lit_into(p, ",\"adopted\":true") : json_lit_into(p, ",\"adopted\":false");
    p = json_lit_into(p, ",\"request_id\":");
    p = n_req > 0 ? jsonw_string_into(p, request_id, n_req) : json_lit_into(p, "null");
    jsonw_commit(w, (size_t)(p - start));
}

void
cmd_json_time(cJSON *obj, const char *key, int64_t t)
{
    struct cmd_time_cache c = CMD_TIME_CACHE_INIT;

    if (t > 0)
        cJSON_AddStringToObject(obj, key, cmd_time_cached(&c, t));
    else
        cJSON_AddNullToObject(obj, key);
}

cJSON *
cmd_account_json(const struct store_account *a)
{
    struct jsonw w;
    cJSON *o = NULL;

    /* One definition of the object: the streaming writer's, parsed back. */
    if (jsonw_init(&w, NULL, 1024) == 0) {
        jsonw_raw(&w, "{", 1);
        cmd_account_json_write(&w, a);
        jsonw_raw(&w, "}", 1);
        if (!w.failed)
            o = cJSON_ParseWithLength(w.buf, w.len);
    }
    jsonw_release(&w);
    return o;
}

/* The counters of a step report: their JSON key and their words in the one-line summary, in
 * the order both print them. */
/* clang-format off */
#define REPORT_ITEM(field, words) { #field, words, offsetof(struct engine_step_report, field) }
/* clang-format on */
static const struct {
    const char *key, *words;
    size_t off;
} report_items[] = {
    REPORT_ITEM(submitted, "submitted"),
    REPORT_ITEM(activated, "activated"),
    REPORT_ITEM(warned, "warned"),
    REPORT_ITEM(expired, "expired"),
    REPORT_ITEM(nuked, "nuked"),
    REPORT_ITEM(nuke_retries, "nuke retries"),
    REPORT_ITEM(quarantined, "quarantined"),
    REPORT_ITEM(close_sent, "close sent"),
    REPORT_ITEM(closed, "closed"),
    REPORT_ITEM(gone, "gone"),
    REPORT_ITEM(refused, "refused"),
    REPORT_ITEM(failed, "failed"),
    REPORT_ITEM(deferred, "deferred"),
    REPORT_ITEM(reconciled, "reconciled"),
    REPORT_ITEM(pool_requested, "pool requested"),
    REPORT_ITEM(pooled, "pooled"),
    REPORT_ITEM(pool_closed, "pool surplus closing"),
    REPORT_ITEM(budget_checks, "spend checks"),
    REPORT_ITEM(budget_warned, "budget warnings"),
    REPORT_ITEM(budget_exceeded, "over budget"),
    REPORT_ITEM(frozen, "frozen"),
    REPORT_ITEM(events_delivered, "hook events delivered"),
    REPORT_ITEM(events_failed, "hook event deliveries failed"),
    REPORT_ITEM(errors, "errors"),
};
#undef REPORT_ITEM

static int
report_count(const struct engine_step_report *r, size_t i)
{
    int n;

    memcpy(&n, (const char *)r + report_items[i].off, sizeof(n));
    return n;
}

void
cmd_report_json(cJSON *obj, const struct engine_step_report *r)
{
    cJSON *o = cJSON_AddObjectToObject(obj, "report");

    if (o == NULL)
        return;
    for (size_t i = 0; i < SBX_ARRAY_LEN(report_items); i++)
        cJSON_AddNumberToObject(o, report_items[i].key, report_count(r, i));
    cJSON_AddStringToObject(o, "last_error", r->last_error);
}

/* Prints obj (and frees it): indented, or on one line and flushed. */
static int
json_out(cJSON *obj, bool one_line)
{
    char *text;

    if (obj == NULL) {
        log_error("out of memory");
        return SBX_EXIT_FAILURE;
    }
    text = one_line ? cJSON_PrintUnformatted(obj) : cJSON_Print(obj);
    cJSON_Delete(obj);
    if (text == NULL) {
        log_error("out of memory");
        return SBX_EXIT_FAILURE;
    }
    fputs(text, stdout);
    fputc('\n', stdout);
    cJSON_free(text);
    if (one_line)
        fflush(stdout);
    return SBX_EXIT_OK;
}

int
cmd_json_print(cJSON *obj)
{
    return json_out(obj, false);
}

int
cmd_json_line(cJSON *obj)
{
    return json_out(obj, true);
}

const char *
cmd_time(int64_t t, char *buf, size_t n, bool never_word)
{
    struct cmd_time_cache c = CMD_TIME_CACHE_INIT;

    snprintf(buf, n, "%s", t > 0 ? cmd_time_cached(&c, t) : never_word ? "never" : "-");
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
    bool any = false;

    for (size_t i = 0; i < SBX_ARRAY_LEN(report_items); i++) {
        int n = report_count(r, i);

        if (n == 0)
            continue;
        fprintf(out, "%s%d %s", any ? ", " : "", n, report_items[i].words);
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

/* One engine event as JSON (the shape man/sandboxctl.1 documents under run --json). */
static cJSON *
event_json(const struct cmd_events *ce, const struct engine_event *ev)
{
    const struct store_account *a = ev->account;
    cJSON *o = cJSON_CreateObject();

    if (o == NULL)
        return NULL;
    if (ce->lines != NULL) {
        cJSON_AddStringToObject(o, "type", ev->id != NULL ? "hook-event" : "lifecycle");
        cmd_json_time(o, "time", (int64_t)clock_now(ce->lines));
    }
    cJSON_AddNumberToObject(o, "id", (double)a->id);
    add_str_or_null(o, "account_id", a->account_id);
    cJSON_AddStringToObject(o, "event", ev->event);
    add_str_or_null(o, "from", ev->from);
    add_str_or_null(o, "to", ev->to);
    cJSON_AddStringToObject(o, "message", ev->message);
    add_str_or_null(o, "owner", a->owner);
    add_str_or_null(o, "kind", a->kind);
    cJSON_AddStringToObject(o, "state", engine_state_name(a->state));
    add_str_or_null(o, "detail", ev->id != NULL ? ev->detail : ev->message);
    if (ev->id != NULL) {
        cJSON_AddStringToObject(o, "event_id", ev->id);
        cJSON_AddBoolToObject(o, "delivered", ev->delivered);
    }
    return o;
}

static void
on_event(void *arg, const struct engine_event *ev)
{
    struct cmd_events *ce = arg;
    const struct store_account *a = ev->account;

    ce->count++;
    if (ce->json) {
        cJSON *o = event_json(ce, ev);

        if (o != NULL && ce->lines != NULL) {
            /* One line per event, as it happens (log shippers read them as they come). */
            cmd_json_line(o);
            return;
        }
        if (ce->array == NULL)
            ce->array = cJSON_CreateArray();
        if (ce->array == NULL || o == NULL) {
            cJSON_Delete(o);
            return;
        }
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

static void
add_state_or_null(cJSON *o, const char *key, const char *v)
{
    if (v != NULL)
        cJSON_AddStringToObject(o, key, v);
    else
        cJSON_AddNullToObject(o, key);
}

cJSON *
cmd_audit_json(const struct store_audit_row *r, bool account)
{
    cJSON *o = cJSON_CreateObject(), *detail;

    if (o == NULL)
        return NULL;
    cJSON_AddNumberToObject(o, "seq", (double)r->seq);
    cmd_json_time(o, "ts", r->ts);
    cJSON_AddStringToObject(o, "actor", r->actor);
    if (account) {
        if (r->account > 0)
            cJSON_AddNumberToObject(o, "id", (double)r->account);
        else
            cJSON_AddNullToObject(o, "id");
        add_str_or_null(o, "account_id", r->account_id);
    }
    cJSON_AddStringToObject(o, "event", r->event);
    add_state_or_null(o, "from", r->from_state);
    add_state_or_null(o, "to", r->to_state);
    detail = cJSON_Parse(r->detail);
    cJSON_AddItemToObject(o, "detail", detail != NULL ? detail : cJSON_CreateObject());
    return o;
}

void
cmd_audit_line(const struct store_audit_row *r)
{
    printf("%-18s", r->event);
    if (r->from_state != NULL || r->to_state != NULL)
        printf(" %s -> %s", r->from_state != NULL ? r->from_state : "-",
               r->to_state != NULL ? r->to_state : "-");
    /* Details and actor hold values from input: escaped, never raw on the terminal. */
    if (strcmp(r->detail, "{}") != 0) {
        fputs("  ", stdout);
        text_fputs(r->detail, stdout);
    }
    fputs("  [", stdout);
    text_fputs(r->actor, stdout);
    fputs("]\n", stdout);
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
cmd_open_one_account(struct sbx_ctx *ctx, const char *cmd, const char *key, bool dry_run,
                     struct cmd_events *ev, struct store_account *a, struct engine **e)
{
    int rc = cmd_find_account(ctx, cmd, key, a);

    if (rc != 0 || e == NULL)
        return rc;
    rc = cmd_engine_open(ctx, cmd, dry_run, ev, e);
    if (rc != 0)
        store_account_release(a);
    return rc;
}

int
cmd_one_open(struct sbx_ctx *ctx, struct cmd_one *c, const struct cmd_opt *opt, int argc,
             char **argv)
{
    int rc = cmd_parse_opts(c->cmd, c->usage, opt, argc, argv);

    if (rc != 0)
        return rc;
    return cmd_open_one_account(ctx, c->cmd, argv[optind], c->dry_run, NULL, &c->a, &c->e);
}

cJSON *
cmd_one_json(const struct cmd_one *c)
{
    cJSON *o = cmd_account_json(&c->a);

    if (o == NULL)
        return NULL;
    cJSON_AddBoolToObject(o, "dry_run", c->dry_run);
    if (c->signin[0] != '\0')
        cJSON_AddStringToObject(o, "signin_url", c->signin);
    return o;
}

int
cmd_one_end(struct cmd_one *c, int rc)
{
    store_account_release(&c->a);
    engine_free(c->e);
    c->e = NULL;
    return rc;
}

int
cmd_one_fail(struct cmd_one *c)
{
    return cmd_one_end(c, cmd_fail(c->cmd, &c->err));
}

int
cmd_reload(struct sbx_ctx *ctx, struct store_account *a, struct sbx_err *err)
{
    return store_account_reload(ctx->store, a, err);
}

static const char *
item_verdict(const struct cmd_close_item *it, bool *failure)
{
    return engine_close_verdict(&it->a, it->outcome, failure);
}

/* The exit status sandboxctl(1) documents for a verdict that needs a human. */
static int
verdict_exit(const char *v)
{
    if (strcmp(v, "quarantined") == 0)
        return SBX_EXIT_HOOK;
    if (strcmp(v, "close_failed") == 0)
        return SBX_EXIT_AWS; /* AWS refused CloseAccount */
    return SBX_EXIT_FAILURE; /* refused (protected), not closing */
}

static int
close_accounts(struct sbx_ctx *ctx, struct engine *e, const struct cmd_close_job *job,
               struct cmd_events *ev)
{
    const char *cmd = job->cmd, *owner = job->owner;
    struct cmd_close_item *items = job->items;
    size_t n = job->n;
    bool wait = job->opts.wait, dry_run = job->opts.dry_run, json = job->opts.json;
    static const char *const headers[] = { "ID",       "ACCOUNT", "STATE", "OUTCOME",
                                           "EXPECTED", "DETAIL",  NULL };
    struct engine_quota_view qv = { 0 };
    struct engine_step_report total = { 0 };
    struct sbx_err err = { 0 };
    struct cmd_table *t = NULL;
    size_t failures = 0;
    bool have_quota = false;
    int rc = SBX_EXIT_FAILURE, fail_exit = 0;

    for (size_t i = 0; i < n; i++) {
        if (engine_close_request(e, &items[i].a, job->reason, job->priority, true,
                                 &items[i].outcome, items[i].why, sizeof(items[i].why),
                                 &err) != 0) {
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
            const char *v = item_verdict(&items[i], &fail);
            cJSON *a = cmd_account_json(&items[i].a), *cnt;

            if (a == NULL)
                continue;
            cJSON_AddStringToObject(a, "outcome", v);
            /* Why it needs a human: the request's answer, or what the engine found since. */
            cJSON_AddStringToObject(a, "message",
                                    items[i].why[0] != '\0' || !fail ? items[i].why
                                                                     : items[i].a.last_error);
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
        t = cmd_table_new(headers);
        if (t == NULL)
            goto nomem;
        for (size_t i = 0; i < n; i++) {
            bool fail;
            const char *v = item_verdict(&items[i], &fail);
            char id[24], eta[32] = "";
            const char *cells[7];

            for (size_t q = 0; have_quota && q < qv.nqueue; q++) {
                if (qv.queue[q].id == items[i].a.id)
                    cmd_time(qv.queue[q].eta, eta, sizeof(eta), false);
            }
            snprintf(id, sizeof(id), "#%lld", (long long)items[i].a.id);
            cells[0] = id;
            cells[1] = items[i].a.account_id;
            cells[2] = engine_state_name(items[i].a.state);
            cells[3] = v;
            cells[4] = eta;
            cells[5] = items[i].why[0] != '\0' ? items[i].why : items[i].a.last_error;
            cells[6] = NULL;
            if (cmd_table_add(t, cells) != 0)
                goto nomem;
            failures += fail;
        }
        cmd_table_print(t, stdout);
        if (dry_run)
            printf("dry run: nothing was changed\n");
        else if (failures > 0)
            printf("%zu of %zu account%s %s a human (refused, quarantined or close failed)\n",
                   failures, n, n == 1 ? "" : "s", failures == 1 ? "needs" : "need");
    }
    for (size_t i = 0; i < n; i++) {
        bool fail;
        const char *v = item_verdict(&items[i], &fail);

        if (!fail)
            continue;
        log_error("%s: account #%lld %s: %s", cmd, (long long)items[i].a.id, v,
                  items[i].why[0] != '\0' ? items[i].why : items[i].a.last_error);
        /* Every account failed the same way: that failure's status; mixed: 1. */
        fail_exit =
                fail_exit == 0 || fail_exit == verdict_exit(v) ? verdict_exit(v) : SBX_EXIT_FAILURE;
    }
    /* Offboarding is one job over many accounts: any failure is a partial success. */
    rc = failures == 0                    ? SBX_EXIT_OK
         : failures == n && owner == NULL ? fail_exit
                                          : SBX_EXIT_PARTIAL;
    goto out;
nomem:
    log_error("%s: out of memory", cmd);
    rc = SBX_EXIT_FAILURE;
out:
    cmd_table_free(t);
    engine_quota_view_release(&qv);
    return rc;
}

int
cmd_close_accounts(struct sbx_ctx *ctx, const struct cmd_close_job *job)
{
    struct cmd_events ev = { .json = job->opts.json };
    struct engine *e = NULL;
    int rc;

    if (job->prompt != NULL && !job->opts.yes && !job->opts.dry_run && !cmd_confirm(job->prompt))
        return cmd_usage_error(job->usage, "%s: not confirmed (pass --yes when not on a terminal)",
                               job->cmd);
    rc = cmd_engine_open(ctx, job->cmd, job->opts.dry_run, &ev, &e);
    if (rc == 0)
        rc = close_accounts(ctx, e, job, &ev);
    cJSON_Delete(ev.array);
    engine_free(e);
    return rc;
}

int
cmd_parse_close_opts(int argc, char **argv, const char *usage, struct cmd_close_opts *o)
{
    const struct cmd_opt opt[] = {
        CMD_OPT_DRY_RUN(&o->dry_run),
        CMD_OPT_JSON(&o->json),
        { .name = "yes", 'y', CMD_OPT_SET, &o->yes },
        { .name = "no-wait", 'W', CMD_OPT_UNSET, &o->wait },
        CMD_OPT_END,
    };

    *o = (struct cmd_close_opts){ .wait = true };
    return cmd_parse_opts(NULL, usage, opt, argc, argv);
}

int
cmd_opt_money(const struct cmd_opt *o, const char *arg, char *why, size_t n)
{
    struct sbx_err err = { 0 };
    int64_t cents;

    if (money_parse(arg, &cents, &err) != 0) {
        snprintf(why, n, "%s", err.msg);
        return -1;
    }
    if (cents == 0) {
        snprintf(why, n, "a budget must be more than 0 USD");
        return -1;
    }
    *(int64_t *)o->target = cents;
    return 0;
}

int
cmd_owner_users(struct engine *e, const char *cmd, const char *const *owners, size_t n,
                bool dry_run)
{
    struct engine_directory_users r;
    struct sbx_err err = { 0 };
    int rc = SBX_EXIT_OK;

    if (engine_directory_users(e, owners, n, &r, &err) != 0)
        rc = cmd_fail(cmd, &err);
    for (size_t i = 0; i < r.ncreated; i++)
        log_warn("%s: %s the IAM Identity Center user of %s (access.create_users)", cmd,
                 dry_run ? "would create" : "created", r.created[i]);
    engine_directory_users_release(&r);
    return rc;
}

int
cmd_drive_account(struct sbx_ctx *ctx, struct engine *e, const char *cmd, struct store_account *a,
                  bool wait, double deadline, bool *timed_out)
{
    struct sbx_err err = { 0 };

    *timed_out = false;
    for (;;) {
        struct store_filter scope = { .id = a->id };
        struct engine_step_opts so = { &scope, true };
        struct engine_step_report r = { 0 };
        double next = 0, now;

        if (engine_run(e, &so, wait ? 600 : 0, &r, &next, &err) != 0 ||
            cmd_reload(ctx, a, &err) != 0)
            return cmd_fail(cmd, &err);
        if ((a->state != ENGINE_S_REQUESTED && a->state != ENGINE_S_CREATING) || !wait)
            return 0;
        now = engine_now(e);
        if (now >= deadline) {
            *timed_out = true;
            return 0;
        }
        if (next > deadline)
            next = deadline;
        /* Poll no faster than the engine asks for. */
        engine_sleep(e, next > now ? next - now : 0.5);
    }
}

int
cmd_access_wait(struct sbx_ctx *ctx, struct cmd_one *c)
{
    struct store_account *a = &c->a;
    bool timed_out = false;
    int rc;

    c->signin[0] = '\0';
    if (c->dry_run)
        return 0;
    if (a->state == ENGINE_S_CREATING &&
        (rc = cmd_drive_account(ctx, c->e, c->cmd, a, true, engine_now(c->e) + 1800, &timed_out)) !=
                0)
        return rc;
    if (timed_out)
        log_warn("%s: account #%lld: its owner's access is not granted yet (%s); `sandboxctl "
                 "run` finishes it",
                 c->cmd, (long long)a->id,
                 a->last_error != NULL && a->last_error[0] != '\0' ? a->last_error : "in progress");
    engine_access_link(c->e, a, c->signin, sizeof(c->signin));
    return 0;
}
