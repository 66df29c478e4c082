/* store_ledger.c -- the close_ledger table: when each account's closure was requested, for the
 * rolling 30-day close quota. */
#include "store/store.h"

#include "store/store_int.h"

int
store_ledger_add(struct store *s, const char *account_id, int64_t ts, const char *source,
                 struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_LEDGER_ADD, err);

    store_bind_text(&b, ":account_id", account_id);
    store_bind_int(&b, ":ts", ts);
    store_bind_text(&b, ":source", source);
    return store_exec_stmt(&b);
}

int
store_ledger_remove(struct store *s, const char *account_id, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_LEDGER_REMOVE, err);

    store_bind_text(&b, ":account_id", account_id);
    return store_exec_stmt(&b);
}

int
store_ledger_since(struct store *s, int64_t since, int64_t **ts, size_t *n, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_LEDGER_SINCE, err);

    store_bind_int(&b, ":since", since);
    return store_collect_int64(&b, ts, n);
}
