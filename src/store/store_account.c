/* store_account.c -- account rows: insert with alias reservation, read, compare-and-set
 * update, claims, listing and the engine's due-work queries. */
#include "store/store.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "util/duration.h"

/* The heap text of a struct store_account and its ACCOUNT_COLS columns. */
static const struct store_text_col account_text[] = {
    { 2, offsetof(struct store_account, email) },
    { 3, offsetof(struct store_account, name) },
    { 4, offsetof(struct store_account, kind) },
    { 5, offsetof(struct store_account, owner) },
    { 7, offsetof(struct store_account, class_name) },
    { 10, offsetof(struct store_account, reason) },
    { 11, offsetof(struct store_account, request_id) },
    { 28, offsetof(struct store_account, last_error) },
    { 30, offsetof(struct store_account, claim_by) },
    { -1, 0 },
};

void
store_account_release(struct store_account *a)
{
    store_row_release(a, sizeof(*a), account_text);
}

void
store_accounts_free(struct store_account *a, size_t n)
{
    store_rows_free(a, n, sizeof(*a), account_text);
}

int
store_set_str(char **field, const char *v, struct sbx_err *err)
{
    char *copy = NULL;

    if (v != NULL) {
        copy = sbx_strdup(v, err);
        if (copy == NULL)
            return -1;
    }
    free(*field);
    *field = copy;
    return 0;
}

/* The row's state column (text in SQLite) as the enum; -1 (err SBX_E_STORE) for a name this
 * binary does not know. The one place state text is read. */
static int
col_state(sqlite3_stmt *st, int col, int64_t id, enum engine_state *out, struct sbx_err *err)
{
    const char *t = store_col_text(st, col);

    if (engine_state_parse(t, out) != 0) {
        sbx_err_set(err, SBX_E_STORE, "account %lld: unknown state '%s' in the store",
                    (long long)id, t);
        return -1;
    }
    return 0;
}

/* The text stored for a state (the one place state text is written). */
static const char *
state_text(enum engine_state s)
{
    const char *t = engine_state_name(s);

    return t != NULL ? t : "";
}

/* Zeroes *a and reads the ACCOUNT_COLS columns of the current row that are not text. */
static void
read_numbers(sqlite3_stmt *st, struct store_account *a, enum engine_state state)
{
    memset(a, 0, sizeof(*a));
    a->id = sqlite3_column_int64(st, 0);
    snprintf(a->account_id, sizeof(a->account_id), "%s", store_col_text(st, 1));
    a->class_id = sqlite3_column_int64(st, 6);
    a->seat = sqlite3_column_int64(st, 8);
    a->state = state;
    a->ttl = sqlite3_column_int64(st, 12);
    a->expires_at = sqlite3_column_int64(st, 13);
    a->created_at = sqlite3_column_int64(st, 14);
    a->updated_at = sqlite3_column_int64(st, 15);
    a->due_at = sqlite3_column_int64(st, 16);
    a->attempts = sqlite3_column_int64(st, 17);
    a->warned_min = sqlite3_column_int64(st, 18);
    a->priority = sqlite3_column_int64(st, 19);
    a->active_at = sqlite3_column_int64(st, 20);
    a->close_requested_at = sqlite3_column_int64(st, 21);
    a->closed_at = sqlite3_column_int64(st, 22);
    a->adopted = sqlite3_column_int(st, 23) != 0;
    a->submitted = sqlite3_column_int(st, 24) != 0;
    a->close_sent = sqlite3_column_int(st, 25) != 0;
    a->post_close_pending = sqlite3_column_int(st, 26) != 0;
    a->close_pending = sqlite3_column_int(st, 27) != 0;
    a->version = sqlite3_column_int64(st, 29);
    a->claim_until = sqlite3_column_double(st, 31);
    a->parked = sqlite3_column_int(st, 32) != 0;
}

/* Reads the ACCOUNT_COLS columns of the current row into the struct store_account row (zeroed
 * first): a store_read_fn. */
static int
read_account(sqlite3_stmt *st, void *row, struct sbx_err *err)
{
    struct store_account *a = row;
    enum engine_state state;

    if (col_state(st, 9, sqlite3_column_int64(st, 0), &state, err) != 0)
        return -1;
    read_numbers(st, a, state);
    return store_read_texts(st, a, account_text, err);
}

/* The text of the borrowed views for a NULL reason or last error. */
static char empty_text[] = "";

/* A borrowed view of the current row: the strings point into SQLite's column buffers and die
 * at the next step or reset. Used where each row is looked at once (listing 100,000 rows
 * without 900,000 allocations); never release it. */
static int
view_account(sqlite3_stmt *st, struct store_account *a, struct sbx_err *err)
{
    enum engine_state state;

#define VIEW_TEXT(col) \
    (sqlite3_column_type(st, col) == SQLITE_NULL ? NULL : (char *)store_col_text(st, col))
    if (col_state(st, 9, sqlite3_column_int64(st, 0), &state, err) != 0)
        return -1;
    read_numbers(st, a, state);
    a->email = VIEW_TEXT(2);
    a->name = VIEW_TEXT(3);
    a->kind = VIEW_TEXT(4);
    a->owner = VIEW_TEXT(5);
    a->class_name = VIEW_TEXT(7);
    a->reason = VIEW_TEXT(10);
    a->request_id = VIEW_TEXT(11);
    a->last_error = VIEW_TEXT(28);
    a->claim_by = VIEW_TEXT(30);
    if (a->reason == NULL)
        a->reason = empty_text;
    if (a->last_error == NULL)
        a->last_error = empty_text;
#undef VIEW_TEXT
    return 0;
}

/* Binds the mutable columns shared by INSERT and UPDATE. */
static void
bind_account(struct store_binder *b, const struct store_account *a)
{
    store_bind_text(b, ":account_id", a->account_id[0] != '\0' ? a->account_id : NULL);
    store_bind_text(b, ":email", a->email);
    store_bind_text(b, ":name", a->name);
    store_bind_text(b, ":kind", a->kind);
    store_bind_text(b, ":owner", a->owner);
    store_bind_int_or_null(b, ":class_id", a->class_id);
    store_bind_int_or_null(b, ":seat", a->seat);
    store_bind_text(b, ":state", state_text(a->state));
    store_bind_text(b, ":reason", a->reason != NULL ? a->reason : "");
    store_bind_text(b, ":request_id", a->request_id);
    store_bind_int_or_null(b, ":ttl", a->ttl);
    store_bind_int_or_null(b, ":expires_at", a->expires_at);
    store_bind_int_or_null(b, ":due_at", a->due_at);
    store_bind_int(b, ":attempts", a->attempts);
    store_bind_int_or_null(b, ":warned_min", a->warned_min);
    store_bind_int(b, ":priority", a->priority);
    store_bind_int_or_null(b, ":active_at", a->active_at);
    store_bind_int_or_null(b, ":close_requested_at", a->close_requested_at);
    store_bind_int_or_null(b, ":closed_at", a->closed_at);
    store_bind_int(b, ":adopted", a->adopted);
    store_bind_int(b, ":submitted", a->submitted);
    store_bind_int(b, ":close_sent", a->close_sent);
    store_bind_int(b, ":post_close_pending", a->post_close_pending);
    store_bind_int(b, ":close_pending", a->close_pending);
    store_bind_text(b, ":last_error", a->last_error != NULL ? a->last_error : "");
    store_bind_int(b, ":parked", a->parked);
}

int
store_alias_taken(struct store *s, const char *value, bool *taken, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_ALIAS_GET, err);

    store_bind_text(&b, ":value", value);
    return store_get_row(&b, NULL, NULL, taken);
}

int
store_alias_reserve(struct store *s, const char *value, const char *type, int64_t account,
                    int64_t now, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_ALIAS_INSERT, err);

    store_bind_text(&b, ":value", value);
    store_bind_text(&b, ":type", type);
    store_bind_int(&b, ":account", account);
    store_bind_int(&b, ":now", now);
    if (store_exec_stmt(&b) != 0) {
        if (err->code == SBX_E_CONFLICT)
            sbx_err_set(err, SBX_E_CONFLICT, "%s '%s' was already used by another account", type,
                        value);
        return -1;
    }
    return 0;
}

int
store_account_alive_for_owner(struct store *s, const char *owner, const char *kind, int64_t *n,
                              struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_ACCOUNT_ALIVE_FOR_OWNER, err);

    store_bind_text(&b, ":owner", owner);
    store_bind_text(&b, ":kind", kind);
    return store_get_int(&b, n);
}

int
store_account_insert(struct store *s, struct store_account *a, int max_alive,
                     const struct store_audit_ev *ev, struct sbx_err *err)
{
    int64_t now = store_ev_time(ev), alive = 0;
    struct store_binder b;

    if (store_begin(s, err) != 0)
        return -1;
    if (max_alive > 0) {
        if (store_account_alive_for_owner(s, a->owner, a->kind, &alive, err) != 0)
            goto fail;
        if (alive >= max_alive) {
            sbx_err_set(err, SBX_E_INVALID,
                        "owner '%s' already has %lld %s account%s (max_per_owner is %d)", a->owner,
                        (long long)alive, a->kind, alive == 1 ? "" : "s", max_alive);
            goto fail;
        }
    }
    b = store_stmt(s, STORE_ACCOUNT_INSERT, err);
    bind_account(&b, a);
    store_bind_int(&b, ":now", now);
    if (store_exec_stmt(&b) != 0) {
        if (err->code == SBX_E_CONFLICT)
            sbx_err_set(err, SBX_E_CONFLICT,
                        "email '%s' or name '%s' (or account id) is already in the store", a->email,
                        a->name);
        goto fail;
    }
    a->id = sqlite3_last_insert_rowid(s->db);
    a->version = 1;
    a->created_at = now;
    a->updated_at = now;
    if (store_alias_reserve(s, a->email, "email", a->id, now, err) != 0 ||
        store_alias_reserve(s, a->name, "name", a->id, now, err) != 0)
        goto fail;
    if (store_finish(s, 0, a, ev, err) != 0) {
        a->id = 0;
        return -1;
    }
    return 0;
fail:
    store_rollback(s);
    a->id = 0;
    return -1;
}

static int
get_one(struct store *s, enum store_stmt id, const char *param, const char *text, int64_t num,
        struct store_account *out, bool *found, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, id, err);

    if (text != NULL)
        store_bind_text(&b, param, text);
    else
        store_bind_int(&b, param, num);
    return store_get_row(&b, read_account, out, found);
}

int
store_account_get(struct store *s, int64_t id, struct store_account *out, struct sbx_err *err)
{
    bool found;

    if (get_one(s, STORE_ACCOUNT_GET, ":id", NULL, id, out, &found, err) != 0)
        return -1;
    if (!found) {
        sbx_err_set(err, SBX_E_NOTFOUND, "no account with local id %lld", (long long)id);
        return -1;
    }
    return 0;
}

int
store_account_reload(struct store *s, struct store_account *a, struct sbx_err *err)
{
    struct store_account fresh = { 0 };

    if (store_account_get(s, a->id, &fresh, err) != 0)
        return -1;
    store_account_release(a);
    *a = fresh;
    return 0;
}

static bool
all_digits(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
    }
    return true;
}

int
store_account_find(struct store *s, const char *key, struct store_account *out, struct sbx_err *err)
{
    bool found = false;
    const char *num = key[0] == '#' ? key + 1 : key;

    if (strlen(key) == 12 && all_digits(key)) {
        if (get_one(s, STORE_ACCOUNT_BY_ACCOUNT_ID, ":account_id", key, 0, out, &found, err) != 0)
            return -1;
    } else if (all_digits(num) && strlen(num) < 12) {
        int64_t id;

        if (duration_parse_int64(num, 1, INT64_MAX, &id, err) != 0)
            return -1;
        if (get_one(s, STORE_ACCOUNT_GET, ":id", NULL, id, out, &found, err) != 0)
            return -1;
    } else if (strchr(key, '@') != NULL) {
        if (get_one(s, STORE_ACCOUNT_BY_EMAIL, ":email", key, 0, out, &found, err) != 0)
            return -1;
    } else if (get_one(s, STORE_ACCOUNT_BY_NAME, ":name", key, 0, out, &found, err) != 0) {
        return -1;
    }
    if (!found) {
        sbx_err_set(err, SBX_E_NOTFOUND, "no managed account '%s'", key);
        return -1;
    }
    return 0;
}

int
store_account_update(struct store *s, struct store_account *a, enum engine_state from_state,
                     const struct store_audit_ev *ev, struct sbx_err *err)
{
    int64_t now = store_ev_time(ev);
    struct store_binder b;
    int changed, rc;

    if (store_begin(s, err) != 0)
        return -1;
    b = store_stmt(s, STORE_ACCOUNT_UPDATE, err);
    bind_account(&b, a);
    store_bind_int(&b, ":now", now);
    store_bind_int(&b, ":id", a->id);
    store_bind_text(&b, ":from_state", state_text(from_state));
    store_bind_int(&b, ":version", a->version);
    rc = store_exec_changes(&b, &changed);
    if (rc == 0 && changed != 1) {
        sbx_err_set(err, SBX_E_CONFLICT,
                    "account %lld changed meanwhile (expected state %s, version %lld)",
                    (long long)a->id, state_text(from_state), (long long)a->version);
        rc = -1;
    }
    if (store_finish(s, rc, a, ev, err) != 0)
        return -1;
    a->version++;
    a->updated_at = now;
    return 0;
}

int
store_account_claim(struct store *s, int64_t id, const char *by, double now, double until,
                    const char *stale_by, bool *got, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_ACCOUNT_CLAIM, err);
    int changed, rc;

    store_bind_text(&b, ":by", by);
    store_bind_double(&b, ":until", until);
    store_bind_int(&b, ":id", id);
    store_bind_double(&b, ":now", now);
    store_bind_text(&b, ":stale_by", stale_by);
    rc = store_exec_changes(&b, &changed);
    *got = changed == 1;
    return rc;
}

int
store_account_unclaim(struct store *s, int64_t id, const char *by, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_ACCOUNT_UNCLAIM, err);

    store_bind_int(&b, ":id", id);
    store_bind_text(&b, ":by", by);
    return store_exec_stmt(&b);
}

void
store_bind_scope(struct store_binder *b, const struct store_filter *f)
{
    static const struct store_filter none = { 0 };

    if (f == NULL)
        f = &none;
    store_bind_int_or_null(b, ":id", f->id);
    store_bind_text(b, ":owner", f->owner);
    store_bind_text(b, ":kind", f->kind);
    store_bind_int_or_null(b, ":class_id", f->class_id);
    store_bind_text(b, ":class_name", f->class_name);
}

/* Calls cb with a borrowed view (view: view_account, view_brief or view_min) of each row of b
 * until cb returns non-zero (that value is returned; -1 on an error), then store_done. */
static int
each_view(struct store_binder *b,
          int (*view)(sqlite3_stmt *st, struct store_account *a, struct sbx_err *err),
          int (*cb)(void *arg, const struct store_account *a), void *arg)
{
    struct store_account a = { .reason = empty_text, .last_error = empty_text };
    int rc;

    while ((rc = store_step(b)) == 1) {
        if (view(b->st, &a, b->err) != 0) {
            rc = -1;
            break;
        }
        rc = cb(arg, &a);
        if (rc != 0)
            break;
    }
    store_done(b);
    return rc;
}

int
store_account_list(struct store *s, const struct store_filter *f,
                   int (*cb)(void *arg, const struct store_account *a), void *arg,
                   struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_ACCOUNT_LIST, err);

    store_bind_scope(&b, f);
    store_bind_text(&b, ":state", f != NULL && f->by_state ? state_text(f->state) : NULL);
    store_bind_int_or_null(&b, ":expires_before", f != NULL ? f->expires_before : 0);
    store_bind_int(&b, ":all", f != NULL && f->all);
    return each_view(&b, view_account, cb, arg);
}

/* The eight BRIEF_COLS columns (store_sql.c) of the _MIN forms into the borrowed view *a, whose
 * other members keep what they hold (each_view zeroes them once). sqlite3_column_text() is
 * NULL for SQL NULL: one call per column, not two. */
static int
view_min(sqlite3_stmt *st, struct store_account *a, struct sbx_err *err)
{
    const unsigned char *t;

    a->id = sqlite3_column_int64(st, 0);
    t = sqlite3_column_text(st, 1);
    if (t != NULL)
        memcpy(a->account_id, t, strnlen((const char *)t, sizeof(a->account_id) - 1) + 1);
    else
        a->account_id[0] = '\0';
    a->account_id[sizeof(a->account_id) - 1] = '\0';
    a->email = (char *)sqlite3_column_text(st, 2);
    a->kind = (char *)sqlite3_column_text(st, 3);
    a->owner = (char *)sqlite3_column_text(st, 4);
    a->class_id = sqlite3_column_int64(st, 5);
    a->expires_at = sqlite3_column_int64(st, 7);
    return col_state(st, 6, a->id, &a->state, err);
}

/* Every BRIEF_COLS column into the borrowed view *a. */
static int
view_brief(sqlite3_stmt *st, struct store_account *a, struct sbx_err *err)
{
    if (view_min(st, a, err) != 0)
        return -1;
    a->name = (char *)sqlite3_column_text(st, 8);
    a->seat = sqlite3_column_int64(st, 9);
    a->reason = (char *)sqlite3_column_text(st, 10);
    a->request_id = (char *)sqlite3_column_text(st, 11);
    a->created_at = sqlite3_column_int64(st, 12);
    a->updated_at = sqlite3_column_int64(st, 13);
    a->due_at = sqlite3_column_int64(st, 14);
    a->attempts = sqlite3_column_int64(st, 15);
    a->active_at = sqlite3_column_int64(st, 16);
    a->closed_at = sqlite3_column_int64(st, 17);
    a->adopted = sqlite3_column_int(st, 18) != 0;
    a->last_error = (char *)sqlite3_column_text(st, 19);
    if (a->reason == NULL)
        a->reason = empty_text;
    if (a->last_error == NULL)
        a->last_error = empty_text;
    return 0;
}

int
store_account_list_brief(struct store *s, const struct store_filter *f, bool minimal,
                         int (*cb)(void *arg, const struct store_account *a), void *arg,
                         struct sbx_err *err)
{
    static const struct store_filter none = { 0 };
    enum store_stmt id;
    struct store_binder b;

    if (f == NULL)
        f = &none;
    if (f->owner != NULL)
        id = STORE_ACCOUNT_LIST_BY_OWNER;
    else if (f->class_id != 0)
        id = STORE_ACCOUNT_LIST_BY_CLASS;
    else if (f->kind != NULL || f->by_state || f->expires_before != 0)
        id = minimal ? STORE_ACCOUNT_LIST_MIN : STORE_ACCOUNT_LIST_BRIEF;
    else if (f->all)
        id = minimal ? STORE_ACCOUNT_LIST_MIN_ALL : STORE_ACCOUNT_LIST_BRIEF_ALL;
    else
        id = minimal ? STORE_ACCOUNT_LIST_MIN_OPEN : STORE_ACCOUNT_LIST_BRIEF_OPEN;
    b = store_stmt(s, id, err);
    if (id == STORE_ACCOUNT_LIST_BY_OWNER || id == STORE_ACCOUNT_LIST_BY_CLASS ||
        id == STORE_ACCOUNT_LIST_MIN || id == STORE_ACCOUNT_LIST_BRIEF) {
        store_bind_text(&b, ":owner", f->owner);
        store_bind_text(&b, ":kind", f->kind);
        store_bind_int_or_null(&b, ":class_id", f->class_id);
        store_bind_text(&b, ":state", f->by_state ? state_text(f->state) : NULL);
        store_bind_int_or_null(&b, ":expires_before", f->expires_before);
        store_bind_int(&b, ":all", f->all);
    }
    /* Two calls, each with its reader as a constant: a direct call per row, not one through a
     * pointer (100,000 rows for `list --all`). */
    return minimal ? each_view(&b, view_min, cb, arg) : each_view(&b, view_brief, cb, arg);
}

/* Runs stmt, one aggregate over the rows in state within f's scope, into *value. */
static int
state_aggregate(struct store *s, enum store_stmt stmt, enum engine_state state,
                const struct store_filter *f, int64_t *value, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, stmt, err);

    store_bind_text(&b, ":state", state_text(state));
    store_bind_scope(&b, f);
    return store_get_int(&b, value);
}

int
store_account_count(struct store *s, enum engine_state state, const struct store_filter *f,
                    int64_t *n, struct sbx_err *err)
{
    return state_aggregate(s, STORE_ACCOUNT_COUNT, state, f, n, err);
}

int
store_account_count_unassigned(struct store *s, enum engine_state state, int64_t *n,
                               struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_ACCOUNT_COUNT_UNASSIGNED, err);

    store_bind_text(&b, ":state", state_text(state));
    return store_get_int(&b, n);
}

int
store_account_next_due(struct store *s, enum engine_state state, const struct store_filter *f,
                       int64_t *due, struct sbx_err *err)
{
    return state_aggregate(s, STORE_ACCOUNT_NEXT_DUE, state, f, due, err); /* NULL reads as 0 */
}

int
store_account_due(struct store *s, enum engine_state state, int64_t now,
                  const struct store_filter *f, int limit, struct store_account **out, size_t *n,
                  struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_ACCOUNT_DUE, err);

    store_bind_text(&b, ":state", state_text(state));
    store_bind_int(&b, ":now", now);
    store_bind_scope(&b, f);
    store_bind_limit(&b, limit);
    return store_collect(&b, sizeof(**out), read_account, account_text, (void **)out, n);
}

int
store_account_in_state(struct store *s, enum engine_state state, const struct store_filter *f,
                       int limit, struct store_account **out, size_t *n, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_ACCOUNT_IN_STATE, err);

    store_bind_text(&b, ":state", state_text(state));
    store_bind_scope(&b, f);
    store_bind_limit(&b, limit);
    return store_collect(&b, sizeof(**out), read_account, account_text, (void **)out, n);
}

int
store_account_unparked(struct store *s, const struct store_filter *f, int limit,
                       struct store_account **out, size_t *n, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_ACCOUNT_UNPARKED, err);

    store_bind_scope(&b, f);
    store_bind_limit(&b, limit);
    return store_collect(&b, sizeof(**out), read_account, account_text, (void **)out, n);
}

int
store_account_unpark_all(struct store *s, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_ACCOUNT_UNPARK_ALL, err);

    return store_exec_stmt(&b);
}
