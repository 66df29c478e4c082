/* store_hook_run.c -- the hook_run table: one row per hook run, its status, log and tail. */
#include "store/store.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* The heap text of a struct store_hook_run and its columns in STORE_HOOK_RUN_LIST. */
static const struct store_text_col run_text[] = {
    { 6, offsetof(struct store_hook_run, log_path) },
    { 7, offsetof(struct store_hook_run, tail) },
    { 10, offsetof(struct store_hook_run, result) },
    { -1, 0 },
};

void
store_hook_run_release(struct store_hook_run *r)
{
    store_row_release(r, sizeof(*r), run_text);
}

int
store_hook_run_start(struct store *s, int64_t account, const char *event, int64_t attempt,
                     int64_t started_at, int64_t *run_id, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_HOOK_RUN_START, err);

    store_bind_int(&b, ":account", account);
    store_bind_text(&b, ":event", event);
    store_bind_int(&b, ":attempt", attempt);
    store_bind_int(&b, ":now", started_at);
    if (store_exec_stmt(&b) != 0)
        return -1;
    *run_id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int
store_hook_run_finish(struct store *s, int64_t run_id, const char *status, int64_t exit_status,
                      const char *log_path, const char *tail, const char *result, int64_t ended_at,
                      struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_HOOK_RUN_FINISH, err);

    store_bind_text(&b, ":status", status);
    store_bind_int(&b, ":exit_status", exit_status);
    store_bind_text(&b, ":log_path", log_path != NULL ? log_path : "");
    store_bind_text(&b, ":tail", tail != NULL ? tail : "");
    store_bind_text(&b, ":result", result != NULL ? result : "");
    store_bind_int(&b, ":now", ended_at);
    store_bind_int(&b, ":id", run_id);
    return store_exec_stmt(&b);
}

int
store_hook_runs(struct store *s, int64_t account, int limit,
                int (*cb)(void *arg, const struct store_hook_run *r), void *arg,
                struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_HOOK_RUN_LIST, err);
    struct store_hook_run r;
    int rc;

    store_bind_int(&b, ":account", account);
    store_bind_limit(&b, limit);
    while ((rc = store_step(&b)) == 1) {
        memset(&r, 0, sizeof(r));
        r.id = sqlite3_column_int64(b.st, 0);
        r.account = sqlite3_column_int64(b.st, 1);
        snprintf(r.event, sizeof(r.event), "%s", store_col_text(b.st, 2));
        r.attempt = sqlite3_column_int64(b.st, 3);
        snprintf(r.status, sizeof(r.status), "%s", store_col_text(b.st, 4));
        r.exit_status = sqlite3_column_int64(b.st, 5);
        r.started_at = sqlite3_column_int64(b.st, 8);
        r.ended_at = sqlite3_column_int64(b.st, 9);
        if (store_read_texts(b.st, &r, run_text, err) != 0) {
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
