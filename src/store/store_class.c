/* store_class.c -- the class table: training classes (their seats are account rows). */
#include "store/store.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* The heap text of a struct store_class and its columns in the class table. */
static const struct store_text_col class_text[] = {
    { 1, offsetof(struct store_class, name) },   { 2, offsetof(struct store_class, kind) },
    { 3, offsetof(struct store_class, owner) },  { 5, offsetof(struct store_class, state) },
    { 9, offsetof(struct store_class, detail) }, { -1, 0 },
};

void
store_class_release(struct store_class *c)
{
    store_row_release(c, sizeof(*c), class_text);
}

/* One row of the class table into the struct store_class row: a store_read_fn. */
static int
read_class(sqlite3_stmt *st, void *row, struct sbx_err *err)
{
    struct store_class *c = row;

    memset(c, 0, sizeof(*c));
    c->id = sqlite3_column_int64(st, 0);
    c->seats = sqlite3_column_int64(st, 4);
    c->expires_at = sqlite3_column_int64(st, 6);
    c->created_at = sqlite3_column_int64(st, 7);
    c->updated_at = sqlite3_column_int64(st, 8);
    return store_read_texts(st, c, class_text, err);
}

/* Binds the columns a class write sets: seats, state, expiry, detail and the time now. */
static void
bind_class(struct store_binder *b, const struct store_class *c, int64_t now)
{
    store_bind_int(b, ":seats", c->seats);
    store_bind_text(b, ":state", c->state != NULL ? c->state : "open");
    store_bind_int_or_null(b, ":expires_at", c->expires_at);
    store_bind_int(b, ":now", now);
    store_bind_text(b, ":detail", c->detail != NULL ? c->detail : "{}");
}

int
store_class_insert(struct store *s, struct store_class *c, const struct store_audit_ev *ev,
                   struct sbx_err *err)
{
    int64_t now = store_ev_time(ev);
    struct store_binder b;
    int rc;

    if (store_begin(s, err) != 0)
        return -1;
    b = store_stmt(s, STORE_CLASS_INSERT, err);
    store_bind_text(&b, ":name", c->name);
    store_bind_text(&b, ":kind", c->kind);
    store_bind_text(&b, ":owner", c->owner);
    bind_class(&b, c, now);
    rc = store_exec_stmt(&b);
    if (rc != 0 && err->code == SBX_E_CONFLICT)
        sbx_err_set(err, SBX_E_CONFLICT, "class '%s' already exists", c->name);
    if (rc == 0) {
        c->id = sqlite3_last_insert_rowid(s->db);
        c->created_at = now;
        c->updated_at = now;
    }
    return store_finish(s, rc, NULL, ev, err);
}

int
store_class_get(struct store *s, const char *name, struct store_class *out, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_CLASS_GET, err);
    bool found;

    store_bind_text(&b, ":name", name);
    if (store_get_row(&b, read_class, out, &found) != 0)
        return -1;
    if (!found) {
        sbx_err_set(err, SBX_E_NOTFOUND, "no class '%s'", name);
        return -1;
    }
    return 0;
}

int
store_class_update(struct store *s, const struct store_class *c, const struct store_audit_ev *ev,
                   struct sbx_err *err)
{
    struct store_binder b;
    int changed, rc;

    if (store_begin(s, err) != 0)
        return -1;
    b = store_stmt(s, STORE_CLASS_UPDATE, err);
    bind_class(&b, c, store_ev_time(ev));
    store_bind_int(&b, ":id", c->id);
    rc = store_exec_changes(&b, &changed);
    if (rc == 0 && changed != 1) {
        sbx_err_set(err, SBX_E_NOTFOUND, "no class with id %lld", (long long)c->id);
        rc = -1;
    }
    return store_finish(s, rc, NULL, ev, err);
}

int
store_class_list(struct store *s, int (*cb)(void *arg, const struct store_class *c), void *arg,
                 struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_CLASS_LIST, err);
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
