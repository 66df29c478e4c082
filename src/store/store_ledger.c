/* store_ledger.c -- the close_ledger table: when each account's closure was requested, for the
 * rolling 30-day close quota. */
#include "store/store.h"

#include <stdlib.h>

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
    int64_t *arr = NULL;
    size_t len = 0, cap = 0;
    int rc;

    *ts = NULL;
    *n = 0;
    store_bind_int(&b, ":since", since);
    while ((rc = store_step(&b)) == 1) {
        if (store_reserve((void **)&arr, &cap, len, sizeof(*arr), err) != 0) {
            rc = -1;
            break;
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
