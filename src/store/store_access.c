/* store_access.c -- the access_assignment table: the IAM Identity Center account assignments
 * sandboxctl made, from the intent to grant to the confirmed revocation. */
#include "store/store.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

static void
bind_state(struct store_binder *b, const struct store_assignment *a, int64_t now)
{
    store_bind_text(b, ":status", a->status);
    store_bind_int(b, ":due_at", a->due_at);
    store_bind_int(b, ":now", now);
}

int
store_assignment_add(struct store *s, const struct store_assignment *a, int64_t now,
                     struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_ASSIGNMENT_INSERT, err);

    store_bind_int(&b, ":account", a->account);
    store_bind_text(&b, ":account_id", a->account_id);
    store_bind_text(&b, ":instance_arn", a->instance_arn);
    store_bind_text(&b, ":permission_set_arn", a->permission_set_arn);
    store_bind_text(&b, ":permission_set_name",
                    a->permission_set_name != NULL ? a->permission_set_name : "");
    store_bind_text(&b, ":principal_type", a->principal_type);
    store_bind_text(&b, ":principal_id", a->principal_id);
    store_bind_text(&b, ":principal", a->principal != NULL ? a->principal : "");
    bind_state(&b, a, now);
    return store_exec_stmt(&b);
}

int
store_assignment_update(struct store *s, const struct store_assignment *a, int64_t now,
                        struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_ASSIGNMENT_UPDATE, err);

    store_bind_int(&b, ":id", a->id);
    bind_state(&b, a, now);
    store_bind_text(&b, ":request_id", a->request_id != NULL ? a->request_id : "");
    store_bind_int(&b, ":attempts", a->attempts);
    store_bind_text(&b, ":last_error", a->last_error != NULL ? a->last_error : "");
    store_bind_int(&b, ":granted_at", a->granted_at);
    store_bind_int(&b, ":revoked_at", a->revoked_at);
    return store_exec_stmt(&b);
}

static void
copy_fixed(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);

    if (len >= n)
        len = n - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* The heap text of a struct store_assignment and its columns in STORE_ASSIGNMENT_LIST. */
static const struct store_text_col assignment_text[] = {
    { 3, offsetof(struct store_assignment, instance_arn) },
    { 4, offsetof(struct store_assignment, permission_set_arn) },
    { 5, offsetof(struct store_assignment, permission_set_name) },
    { 7, offsetof(struct store_assignment, principal_id) },
    { 8, offsetof(struct store_assignment, principal) },
    { 10, offsetof(struct store_assignment, request_id) },
    { 13, offsetof(struct store_assignment, last_error) },
    { -1, 0 },
};

/* A store_read_fn for one struct store_assignment. */
static int
read_assignment(sqlite3_stmt *st, void *row, struct sbx_err *err)
{
    struct store_assignment *a = row;

    memset(a, 0, sizeof(*a));
    a->id = sqlite3_column_int64(st, 0);
    a->account = sqlite3_column_int64(st, 1);
    copy_fixed(a->account_id, sizeof(a->account_id), store_col_text(st, 2));
    copy_fixed(a->principal_type, sizeof(a->principal_type), store_col_text(st, 6));
    copy_fixed(a->status, sizeof(a->status), store_col_text(st, 9));
    a->attempts = sqlite3_column_int64(st, 11);
    a->due_at = sqlite3_column_int64(st, 12);
    a->created_at = sqlite3_column_int64(st, 14);
    a->granted_at = sqlite3_column_int64(st, 15);
    a->revoked_at = sqlite3_column_int64(st, 16);
    a->updated_at = sqlite3_column_int64(st, 17);
    return store_read_texts(st, a, assignment_text, err);
}

void
store_assignments_free(struct store_assignment *v, size_t n)
{
    store_rows_free(v, n, sizeof(*v), assignment_text);
}

int
store_assignment_list(struct store *s, int64_t account, struct store_assignment **out, size_t *n,
                      struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_ASSIGNMENT_LIST, err);

    store_bind_int(&b, ":account", account);
    return store_collect(&b, sizeof(**out), read_assignment, assignment_text, (void **)out, n);
}

/* Runs stmt (a status change of every assignment of the account row); *changed: how many. */
static int
set_all(struct store *s, enum store_stmt stmt, int64_t account, int64_t now, int *changed,
        struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, stmt, err);

    store_bind_int(&b, ":account", account);
    store_bind_int(&b, ":now", now);
    return store_exec_changes(&b, changed);
}

int
store_assignment_revoke_all(struct store *s, int64_t account, int64_t now, int *changed,
                            struct sbx_err *err)
{
    return set_all(s, STORE_ASSIGNMENT_REVOKE_ALL, account, now, changed, err);
}

int
store_assignment_regrant_all(struct store *s, int64_t account, int64_t now, int *changed,
                             struct sbx_err *err)
{
    return set_all(s, STORE_ASSIGNMENT_REGRANT_ALL, account, now, changed, err);
}

int
store_assignment_due_accounts(struct store *s, int64_t now, int limit, int64_t **ids, size_t *n,
                              struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_ASSIGNMENT_DUE_ACCOUNTS, err);

    *ids = NULL;
    *n = 0;
    if (limit <= 0)
        return 0;
    store_bind_int(&b, ":now", now);
    store_bind_int(&b, ":limit", limit);
    return store_collect_int64(&b, ids, n);
}

int
store_assignment_next_due(struct store *s, int64_t *due, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_ASSIGNMENT_NEXT_DUE, err);

    *due = 0;
    return store_get_int(&b, due); /* MIN() of no row reads as 0 */
}

/* --- a class's groups -------------------------------------------------------------------- */

int
store_class_groups_set(struct store *s, int64_t class_id, const char *const *names, size_t n,
                       struct sbx_err *err)
{
    for (size_t i = 0; i < n; i++) {
        struct store_binder b = store_stmt(s, STORE_CLASS_GROUP_INSERT, err);

        store_bind_int(&b, ":class", class_id);
        store_bind_int(&b, ":pos", (int64_t)i);
        store_bind_text(&b, ":name", names[i]);
        if (store_exec_stmt(&b) != 0)
            return -1;
    }
    return 0;
}

void
store_strings_free(char **v, size_t n)
{
    store_rows_free(v, n, sizeof(*v), store_first_text);
}

int
store_class_groups(struct store *s, int64_t class_id, char ***names, size_t *n, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, STORE_CLASS_GROUP_LIST, err);

    store_bind_int(&b, ":class", class_id);
    return store_collect(&b, sizeof(**names), store_read_text, store_first_text, (void **)names, n);
}
