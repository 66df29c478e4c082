/* store_misc.c -- meta keys and counters, the OU cache, the close ledger, hook runs and
 * classes. */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "util/duration.h"

/* Runs a one-parameter statement and copies the first column of its row, if any, into *value
 * (NULL when there is no row). */
static int
get_text(struct store *s, enum store_stmt stmt, const char *param, const char *arg, char **value,
         struct sbx_err *err)
{
    struct binder b = store_stmt(s, stmt, err);
    bool oom = false;
    int rc;

    *value = NULL;
    bind_text(&b, param, arg);
    rc = store_step(&b);
    if (rc == 1)
        *value = col_strdup(b.st, 0, &oom);
    store_done(&b);
    if (oom) {
        sbx_err_set(err, SBX_E_NOMEM, "out of memory");
        return -1;
    }
    return rc < 0 ? -1 : 0;
}

int
store_meta_get(struct store *s, const char *key, char **value, struct sbx_err *err)
{
    return get_text(s, STORE_META_GET, ":key", key, value, err);
}

int
store_meta_set(struct store *s, const char *key, const char *value, struct sbx_err *err)
{
    struct binder b = store_stmt(s, STORE_META_SET, err);

    bind_text(&b, ":key", key);
    bind_text(&b, ":value", value);
    return store_exec_stmt(&b);
}

int
store_meta_get_int(struct store *s, const char *key, int64_t def, int64_t *value,
                   struct sbx_err *err)
{
    struct sbx_err ignored = { 0 };
    char *text = NULL;

    if (store_meta_get(s, key, &text, err) != 0)
        return -1;
    if (text == NULL || parse_int64(text, INT64_MIN, INT64_MAX, value, &ignored) != 0)
        *value = def;
    free(text);
    return 0;
}

int
store_meta_set_int(struct store *s, const char *key, int64_t value, struct sbx_err *err)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%lld", (long long)value);
    return store_meta_set(s, key, buf, err);
}

int
store_seq_next(struct store *s, const char *key, int64_t *out, struct sbx_err *err)
{
    int64_t v;

    if (store_begin(s, err) != 0)
        return -1;
    if (store_meta_get_int(s, key, 0, &v, err) != 0 ||
        store_meta_set_int(s, key, v + 1, err) != 0 || store_commit(s, err) != 0) {
        store_rollback(s);
        return -1;
    }
    *out = v + 1;
    return 0;
}

int
store_ou_get(struct store *s, const char *path, char **id, struct sbx_err *err)
{
    return get_text(s, STORE_OU_GET, ":path", path, id, err);
}

int
store_ou_put(struct store *s, const char *path, const char *id, struct sbx_err *err)
{
    struct binder b = store_stmt(s, STORE_OU_PUT, err);

    bind_text(&b, ":path", path);
    bind_text(&b, ":id", id);
    return store_exec_stmt(&b);
}

int
store_ledger_add(struct store *s, const char *account_id, int64_t ts, const char *source,
                 struct sbx_err *err)
{
    struct binder b = store_stmt(s, STORE_LEDGER_ADD, err);

    bind_text(&b, ":account_id", account_id);
    bind_int(&b, ":ts", ts);
    bind_text(&b, ":source", source);
    return store_exec_stmt(&b);
}

int
store_ledger_remove(struct store *s, const char *account_id, struct sbx_err *err)
{
    struct binder b = store_stmt(s, STORE_LEDGER_REMOVE, err);

    bind_text(&b, ":account_id", account_id);
    return store_exec_stmt(&b);
}

int
store_ledger_since(struct store *s, int64_t since, int64_t **ts, size_t *n, struct sbx_err *err)
{
    struct binder b = store_stmt(s, STORE_LEDGER_SINCE, err);
    int64_t *arr = NULL, *grown;
    size_t len = 0, cap = 0;
    int rc;

    *ts = NULL;
    *n = 0;
    bind_int(&b, ":since", since);
    while ((rc = store_step(&b)) == 1) {
        if (len == cap) {
            cap = cap == 0 ? 64 : cap * 2;
            grown = realloc(arr, cap * sizeof(*arr));
            if (grown == NULL) {
                sbx_err_set(err, SBX_E_NOMEM, "out of memory");
                rc = -1;
                break;
            }
            arr = grown;
        }
        arr[len++] = sqlite3_column_int64(b.st, 0);
    }
    store_done(&b);
    if (rc < 0) {
        free(arr);
        return -1;
    }
    *ts = arr;
    *n = len;
    return 0;
}

void
store_hook_run_release(struct store_hook_run *r)
{
    if (r == NULL)
        return;
    free(r->log_path);
    free(r->tail);
    memset(r, 0, sizeof(*r));
}

int
store_hook_run_start(struct store *s, int64_t account, const char *event, int64_t attempt,
                     int64_t started_at, int64_t *run_id, struct sbx_err *err)
{
    struct binder b = store_stmt(s, STORE_HOOK_RUN_START, err);

    bind_int(&b, ":account", account);
    bind_text(&b, ":event", event);
    bind_int(&b, ":attempt", attempt);
    bind_int(&b, ":now", started_at);
    if (store_exec_stmt(&b) != 0)
        return -1;
    *run_id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int
store_hook_run_finish(struct store *s, int64_t run_id, const char *status, int64_t exit_status,
                      const char *log_path, const char *tail, int64_t ended_at, struct sbx_err *err)
{
    struct binder b = store_stmt(s, STORE_HOOK_RUN_FINISH, err);

    bind_text(&b, ":status", status);
    bind_int(&b, ":exit_status", exit_status);
    bind_text(&b, ":log_path", log_path != NULL ? log_path : "");
    bind_text(&b, ":tail", tail != NULL ? tail : "");
    bind_int(&b, ":now", ended_at);
    bind_int(&b, ":id", run_id);
    return store_exec_stmt(&b);
}

int
store_hook_runs(struct store *s, int64_t account, int limit,
                int (*cb)(void *arg, const struct store_hook_run *r), void *arg,
                struct sbx_err *err)
{
    struct binder b = store_stmt(s, STORE_HOOK_RUN_LIST, err);
    struct store_hook_run r;
    bool oom = false;
    int rc;

    bind_int(&b, ":account", account);
    bind_int(&b, ":limit", limit > 0 ? limit : -1);
    while ((rc = store_step(&b)) == 1) {
        memset(&r, 0, sizeof(r));
        r.id = sqlite3_column_int64(b.st, 0);
        r.account = sqlite3_column_int64(b.st, 1);
        snprintf(r.event, sizeof(r.event), "%s", col_text(b.st, 2));
        r.attempt = sqlite3_column_int64(b.st, 3);
        snprintf(r.status, sizeof(r.status), "%s", col_text(b.st, 4));
        r.exit_status = sqlite3_column_int64(b.st, 5);
        r.log_path = col_strdup(b.st, 6, &oom);
        r.tail = col_strdup(b.st, 7, &oom);
        r.started_at = sqlite3_column_int64(b.st, 8);
        r.ended_at = sqlite3_column_int64(b.st, 9);
        if (oom) {
            store_hook_run_release(&r);
            sbx_err_set(err, SBX_E_NOMEM, "out of memory");
            rc = -1;
            break;
        }
        rc = cb(arg, &r);
        store_hook_run_release(&r);
        if (rc != 0)
            break;
    }
    store_done(&b);
    return rc;
}

void
store_class_release(struct store_class *c)
{
    if (c == NULL)
        return;
    free(c->name);
    free(c->kind);
    free(c->owner);
    free(c->state);
    free(c->detail);
    memset(c, 0, sizeof(*c));
}

static int
read_class(sqlite3_stmt *st, struct store_class *c, struct sbx_err *err)
{
    bool oom = false;

    memset(c, 0, sizeof(*c));
    c->id = sqlite3_column_int64(st, 0);
    c->name = col_strdup(st, 1, &oom);
    c->kind = col_strdup(st, 2, &oom);
    c->owner = col_strdup(st, 3, &oom);
    c->seats = sqlite3_column_int64(st, 4);
    c->state = col_strdup(st, 5, &oom);
    c->expires_at = sqlite3_column_int64(st, 6);
    c->created_at = sqlite3_column_int64(st, 7);
    c->updated_at = sqlite3_column_int64(st, 8);
    c->detail = col_strdup(st, 9, &oom);
    if (oom) {
        store_class_release(c);
        sbx_err_set(err, SBX_E_NOMEM, "out of memory");
        return -1;
    }
    return 0;
}

static int64_t
ev_now(const struct store_audit_ev *ev)
{
    return ev != NULL ? ev->ts : 0;
}

int
store_class_insert(struct store *s, struct store_class *c, const struct store_audit_ev *ev,
                   struct sbx_err *err)
{
    int64_t now = ev_now(ev);
    struct binder b;

    if (store_begin(s, err) != 0)
        return -1;
    b = store_stmt(s, STORE_CLASS_INSERT, err);
    bind_text(&b, ":name", c->name);
    bind_text(&b, ":kind", c->kind);
    bind_text(&b, ":owner", c->owner);
    bind_int(&b, ":seats", c->seats);
    bind_text(&b, ":state", c->state != NULL ? c->state : "open");
    bind_int_or_null(&b, ":expires_at", c->expires_at);
    bind_int(&b, ":now", now);
    bind_text(&b, ":detail", c->detail != NULL ? c->detail : "{}");
    if (store_exec_stmt(&b) != 0) {
        if (err->code == SBX_E_CONFLICT)
            sbx_err_set(err, SBX_E_CONFLICT, "class '%s' already exists", c->name);
        goto fail;
    }
    c->id = sqlite3_last_insert_rowid(s->db);
    c->created_at = now;
    c->updated_at = now;
    if (ev != NULL && ev->event != NULL && store_audit_append(s, NULL, ev, err) != 0)
        goto fail;
    if (store_commit(s, err) != 0)
        goto fail;
    return 0;
fail:
    store_rollback(s);
    return -1;
}

int
store_class_get(struct store *s, const char *name, struct store_class *out, struct sbx_err *err)
{
    struct binder b = store_stmt(s, STORE_CLASS_GET, err);
    int rc;

    bind_text(&b, ":name", name);
    rc = store_step(&b);
    if (rc == 1)
        rc = read_class(b.st, out, err) == 0 ? 1 : -1;
    store_done(&b);
    if (rc == 0)
        sbx_err_set(err, SBX_E_NOTFOUND, "no class '%s'", name);
    return rc == 1 ? 0 : -1;
}

int
store_class_update(struct store *s, const struct store_class *c, const struct store_audit_ev *ev,
                   struct sbx_err *err)
{
    struct binder b;

    if (store_begin(s, err) != 0)
        return -1;
    b = store_stmt(s, STORE_CLASS_UPDATE, err);
    bind_int(&b, ":seats", c->seats);
    bind_text(&b, ":state", c->state != NULL ? c->state : "open");
    bind_int_or_null(&b, ":expires_at", c->expires_at);
    bind_int(&b, ":now", ev_now(ev));
    bind_text(&b, ":detail", c->detail != NULL ? c->detail : "{}");
    bind_int(&b, ":id", c->id);
    if (store_exec_stmt(&b) != 0)
        goto fail;
    if (sqlite3_changes(s->db) != 1) {
        sbx_err_set(err, SBX_E_NOTFOUND, "no class with id %lld", (long long)c->id);
        goto fail;
    }
    if (ev != NULL && ev->event != NULL && store_audit_append(s, NULL, ev, err) != 0)
        goto fail;
    if (store_commit(s, err) != 0)
        goto fail;
    return 0;
fail:
    store_rollback(s);
    return -1;
}

int
store_class_list(struct store *s, int (*cb)(void *arg, const struct store_class *c), void *arg,
                 struct sbx_err *err)
{
    struct binder b = store_stmt(s, STORE_CLASS_LIST, err);
    struct store_class c;
    int rc;

    while ((rc = store_step(&b)) == 1) {
        if (read_class(b.st, &c, err) != 0) {
            rc = -1;
            break;
        }
        rc = cb(arg, &c);
        store_class_release(&c);
        if (rc != 0)
            break;
    }
    store_done(&b);
    return rc;
}
