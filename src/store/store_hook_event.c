/* store_hook_event.c -- the hook_event table: the outbox of hook events (nuke-failed,
 * quarantined, close-failed, ...), queued with their occurrence and delivered by the engine. */
#include "store/store.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* The heap text of a struct store_hook_event and its HOOK_EVENT_COLS columns. */
static const struct store_text_col event_text[] = {
    { 3, offsetof(struct store_hook_event, key) },
    { 5, offsetof(struct store_hook_event, detail) },
    { 10, offsetof(struct store_hook_event, last_error) },
    { -1, 0 },
};

void
store_hook_event_release(struct store_hook_event *ev)
{
    store_row_release(ev, sizeof(*ev), event_text);
}

void
store_hook_events_free(struct store_hook_event *evs, size_t n)
{
    store_rows_free(evs, n, sizeof(*evs), event_text);
}

int
store_hook_event_add(struct store *s, int64_t account, const char *event, const char *key,
                     const char *uid, const char *detail, int64_t now, bool *added,
                     struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_HOOK_EVENT_ADD, err);
    int changed, rc;

    store_bind_int(&b, ":account", account);
    store_bind_text(&b, ":event", event);
    store_bind_text(&b, ":key", key);
    store_bind_text(&b, ":uid", uid);
    store_bind_text(&b, ":detail", detail != NULL ? detail : "");
    store_bind_int(&b, ":now", now);
    rc = store_exec_changes(&b, &changed);
    *added = changed > 0;
    return rc;
}

/* One row of HOOK_EVENT_COLS into the struct store_hook_event row: a store_read_fn. */
static int
read_event(sqlite3_stmt *st, void *row, struct sbx_err *err)
{
    struct store_hook_event *ev = row;

    memset(ev, 0, sizeof(*ev));
    ev->id = sqlite3_column_int64(st, 0);
    ev->account = sqlite3_column_int64(st, 1);
    snprintf(ev->event, sizeof(ev->event), "%s", store_col_text(st, 2));
    snprintf(ev->uid, sizeof(ev->uid), "%s", store_col_text(st, 4));
    ev->created_at = sqlite3_column_int64(st, 6);
    ev->due_at = sqlite3_column_int64(st, 7);
    ev->attempts = sqlite3_column_int64(st, 8);
    ev->delivered_at = sqlite3_column_int64(st, 9);
    return store_read_texts(st, ev, event_text, err);
}

int
store_hook_event_due(struct store *s, int64_t now, const struct store_filter *f, int limit,
                     struct store_hook_event **out, size_t *n, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_HOOK_EVENT_DUE, err);

    store_bind_int(&b, ":now", now);
    store_bind_scope(&b, f);
    store_bind_limit(&b, limit);
    return store_collect(&b, sizeof(**out), read_event, event_text, (void **)out, n);
}

int
store_hook_event_next_due(struct store *s, const struct store_filter *f, int64_t *due,
                          struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_HOOK_EVENT_NEXT_DUE, err);

    store_bind_scope(&b, f);
    return store_get_int(&b, due); /* NULL (none queued) reads as 0 */
}

int
store_hook_event_delivered(struct store *s, int64_t id, int64_t now, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_HOOK_EVENT_DELIVERED, err);

    store_bind_int(&b, ":id", id);
    store_bind_int(&b, ":now", now);
    return store_exec_stmt(&b);
}

int
store_hook_event_failed(struct store *s, int64_t id, int64_t due_at, const char *error,
                        struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_HOOK_EVENT_FAILED, err);

    store_bind_int(&b, ":id", id);
    store_bind_int(&b, ":due_at", due_at);
    store_bind_text(&b, ":error", error != NULL ? error : "");
    return store_exec_stmt(&b);
}

int
store_hook_events(struct store *s, int64_t account, int limit,
                  int (*cb)(void *arg, const struct store_hook_event *ev), void *arg,
                  struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_HOOK_EVENT_LIST, err);
    struct store_hook_event ev;
    int rc;

    store_bind_int(&b, ":account", account);
    store_bind_limit(&b, limit);
    while ((rc = store_step(&b)) == 1) {
        if (read_event(b.st, &ev, err) != 0) {
            rc = -1;
            break;
        }
        rc = cb(arg, &ev);
        store_hook_event_release(&ev);
        if (rc != 0)
            break;
    }
    store_done(&b);
    return rc;
}
