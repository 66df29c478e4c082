/* store_spend.c -- the spend guard's tables: spend per AWS account and day, budgets per row,
 * and the AWS Budget each row should have (budget.aws_budget). */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

int
store_spend_put(struct store *s, const char *account_id, const char *day, int64_t cents,
                struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_SPEND_PUT, err);

    store_bind_text(&b, ":account_id", account_id);
    store_bind_text(&b, ":day", day);
    store_bind_int(&b, ":cents", cents);
    return store_exec_stmt(&b);
}

int
store_spend_sum(struct store *s, const char *account_id, const char *since, const char *until,
                int64_t *cents, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_SPEND_SUM, err);

    store_bind_text(&b, ":account_id", account_id);
    store_bind_text(&b, ":since", since);
    store_bind_text(&b, ":until", until);
    return store_get_int(&b, cents); /* an aggregate: always one row */
}

int
store_spend_by_account(struct store *s, const char *since, const char *until,
                       int (*cb)(void *arg, const char *account_id, int64_t cents), void *arg,
                       struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_SPEND_BY_ACCOUNT, err);

    store_bind_text(&b, ":since", since);
    store_bind_text(&b, ":until", until);
    return store_each_text_int(&b, cb, arg);
}

/* Columns BUDGET_COLS (store_sql.c) but the account into the struct store_budget row (zeroed
 * first): a store_read_fn that cannot fail. */
static int
read_budget(sqlite3_stmt *st, void *row, struct sbx_err *err)
{
    struct store_budget *out = row;

    (void)err;
    memset(out, 0, sizeof(*out));
    out->limit = sqlite3_column_int64(st, 1);
    snprintf(out->period, sizeof(out->period), "%s", store_col_text(st, 2));
    out->warned = sqlite3_column_int(st, 3);
    out->exceeded = sqlite3_column_int(st, 4) != 0;
    out->spent = sqlite3_column_int64(st, 5);
    out->checked_at = sqlite3_column_int64(st, 6);
    return 0;
}

int
store_budget_get(struct store *s, int64_t account, struct store_budget *out, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_BUDGET_GET, err);

    memset(out, 0, sizeof(*out));
    store_bind_int(&b, ":account", account);
    return store_get_row(&b, read_budget, out, NULL);
}

int
store_budget_all(struct store *s,
                 int (*cb)(void *arg, int64_t account, const struct store_budget *b), void *arg,
                 struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_BUDGET_ALL, err);
    struct store_budget bu;
    int rc;

    while ((rc = store_step(&b)) == 1) {
        read_budget(b.st, &bu, err);
        rc = cb(arg, sqlite3_column_int64(b.st, 0), &bu);
        if (rc != 0)
            break;
    }
    store_done(&b);
    return rc;
}

int
store_spend_report(struct store *s, const char *since, const char *until,
                   int (*cb)(void *arg, const struct store_spend_row *r), void *arg,
                   struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_SPEND_REPORT, err);
    struct store_spend_row r;
    int rc;

    store_bind_text(&b, ":since", since);
    store_bind_text(&b, ":until", until);
    while ((rc = store_step(&b)) == 1) {
        r.owner = store_col_text(b.st, 0);
        r.kind = store_col_text(b.st, 1);
        r.class_name = store_col_text(b.st, 2);
        r.accounts = sqlite3_column_int64(b.st, 3);
        r.cents = sqlite3_column_int64(b.st, 4);
        rc = cb(arg, &r);
        if (rc != 0)
            break;
    }
    store_done(&b);
    return rc;
}

int
store_budget_put(struct store *s, int64_t account, const struct store_budget *bu,
                 struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_BUDGET_PUT, err);

    store_bind_int(&b, ":account", account);
    store_bind_int_or_null(&b, ":limit_cents", bu->limit);
    store_bind_text(&b, ":period", bu->period);
    store_bind_int(&b, ":warned", bu->warned);
    store_bind_int(&b, ":exceeded", bu->exceeded ? 1 : 0);
    store_bind_int(&b, ":spent", bu->spent);
    store_bind_int_or_null(&b, ":checked_at", bu->checked_at);
    return store_exec_stmt(&b);
}

int
store_budget_set_limit(struct store *s, int64_t account, int64_t limit, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_BUDGET_SET_LIMIT, err);

    store_bind_int(&b, ":account", account);
    store_bind_int_or_null(&b, ":limit_cents", limit);
    return store_exec_stmt(&b);
}

int
store_budget_any_limit(struct store *s, bool *any, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_BUDGET_ANY_LIMIT, err);

    return store_get_row(&b, NULL, NULL, any);
}

/* --- budget.aws_budget ---------------------------------------------------------------------- */

/* Columns AWS_BUDGET_COLS (store_sql.c) into the struct store_aws_budget row: a
 * store_read_fn that cannot fail. */
static int
read_aws_budget(sqlite3_stmt *st, void *row, struct sbx_err *err)
{
    struct store_aws_budget *out = row;

    (void)err;
    memset(out, 0, sizeof(*out));
    out->account = sqlite3_column_int64(st, 0);
    out->want = sqlite3_column_int64(st, 1);
    out->have = sqlite3_column_int64(st, 2);
    out->monthly = sqlite3_column_int(st, 3) != 0;
    out->start_at = sqlite3_column_int64(st, 4);
    out->attempts = sqlite3_column_int(st, 5);
    out->due_at = sqlite3_column_int64(st, 6);
    snprintf(out->error, sizeof(out->error), "%s", store_col_text(st, 7));
    out->updated_at = sqlite3_column_int64(st, 8);
    return 0;
}

int
store_aws_budget_all(struct store *s, struct store_aws_budget **out, size_t *n, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_AWS_BUDGET_ALL, err);

    return store_collect(&b, sizeof(**out), read_aws_budget, NULL, (void **)out, n);
}

int
store_aws_budget_get(struct store *s, int64_t account, struct store_aws_budget *out, bool *found,
                     struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_AWS_BUDGET_GET, err);

    memset(out, 0, sizeof(*out));
    store_bind_int(&b, ":account", account);
    return store_get_row(&b, read_aws_budget, out, found);
}

int
store_aws_budget_want(struct store *s, const struct store_aws_budget *bu, int64_t now,
                      struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_AWS_BUDGET_WANT, err);

    store_bind_int(&b, ":account", bu->account);
    store_bind_int_or_null(&b, ":want", bu->want);
    store_bind_int(&b, ":monthly", bu->monthly ? 1 : 0);
    store_bind_int(&b, ":start_at", bu->start_at);
    store_bind_int(&b, ":now", now);
    return store_exec_stmt(&b);
}

int
store_aws_budget_synced(struct store *s, int64_t account, int64_t have, int64_t now,
                        struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_AWS_BUDGET_SYNCED, err);

    store_bind_int(&b, ":account", account);
    store_bind_int_or_null(&b, ":have", have);
    store_bind_int(&b, ":now", now);
    return store_exec_stmt(&b);
}

int
store_aws_budget_failed(struct store *s, int64_t account, int attempts, int64_t due_at,
                        const char *error, int64_t now, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_AWS_BUDGET_FAILED, err);

    store_bind_int(&b, ":account", account);
    store_bind_int(&b, ":attempts", attempts);
    store_bind_int(&b, ":due_at", due_at);
    store_bind_text(&b, ":error", error);
    store_bind_int(&b, ":now", now);
    return store_exec_stmt(&b);
}

int
store_aws_budget_drop(struct store *s, int64_t account, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_AWS_BUDGET_DROP, err);

    store_bind_int(&b, ":account", account);
    return store_exec_stmt(&b);
}

int
store_aws_budget_pending(struct store *s, struct store_aws_budget **out, size_t *n,
                         struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_AWS_BUDGET_PENDING, err);

    return store_collect(&b, sizeof(**out), read_aws_budget, NULL, (void **)out, n);
}

int
store_aws_budget_any(struct store *s, bool *any, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_AWS_BUDGET_ANY, err);

    return store_get_row(&b, NULL, NULL, any);
}

int
store_aws_budget_marked(struct store *s, int64_t **ids, size_t *n, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_AWS_BUDGET_MARKED, err);

    return store_collect_int64(&b, ids, n);
}

int
store_aws_budget_any_marked(struct store *s, bool *any, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_AWS_BUDGET_ANY_MARKED, err);

    return store_get_row(&b, NULL, NULL, any);
}

int
store_aws_budget_unmark(struct store *s, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_AWS_BUDGET_UNMARK, err);

    return store_exec_stmt(&b);
}
