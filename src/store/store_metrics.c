/* store_metrics.c -- the counts `sandboxctl metrics` exports, read in one pass each. */
#include "store/store.h"

#include "store/store_int.h"

int
store_metrics_accounts(struct store *s,
                       int (*cb)(void *arg, const char *state, const char *kind, int64_t n),
                       void *arg, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_METRICS_STATE_KIND, err);
    int rc;

    while ((rc = store_step(&b)) == 1) {
        rc = cb(arg, store_col_text(b.st, 0), store_col_text(b.st, 1),
                sqlite3_column_int64(b.st, 2));
        if (rc != 0)
            break;
    }
    store_done(&b);
    return rc;
}

/* Runs stmt, whose rows are (event, count), calling cb for each. */
static int
event_counts(struct store *s, enum store_stmt stmt,
             int (*cb)(void *arg, const char *event, int64_t n), void *arg, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, stmt, err);

    return store_each_text_int(&b, cb, arg);
}

int
store_metrics_hook_failures(struct store *s, int (*cb)(void *arg, const char *event, int64_t n),
                            void *arg, struct sbx_err *err)
{
    return event_counts(s, STORE_METRICS_HOOK_FAILURES, cb, arg, err);
}

int
store_metrics_hook_events_queued(struct store *s,
                                 int (*cb)(void *arg, const char *event, int64_t n), void *arg,
                                 struct sbx_err *err)
{
    return event_counts(s, STORE_METRICS_HOOK_EVENTS_QUEUED, cb, arg, err);
}
