/* test_store.c -- the SQLite store: schema, file mode, compare-and-set, claims, aliases,
 * queries, and the hash-chained audit log. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "store/store.h"
#include "store/store_int.h"

/* strdup reaches __wrap_strdup (test_store.cmake): fail_strdup_at >= 0 fails that call (0 is
 * the next one) as out of memory; -1 lets every call through. */
char *__real_strdup(const char *s);
char *__wrap_strdup(const char *s);
static int fail_strdup_at = -1;

char *
__wrap_strdup(const char *s)
{
    if (fail_strdup_at >= 0 && fail_strdup_at-- == 0) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_strdup(s);
}

static char *
db_path(void)
{
    char *dir = check_tmpdir();
    char *p = malloc(strlen(dir) + 16);

    CHECK(p != NULL);
    snprintf(p, strlen(dir) + 16, "%s/store.db", dir);
    free(dir);
    return p;
}

static struct store *
open_new(char **path_out)
{
    struct sbx_err err = { 0 };
    struct store *s = NULL;
    char *p = db_path();

    CHECK_OK(store_open(p, STORE_CREATE, &s, &err), &err);
    if (path_out != NULL)
        *path_out = p;
    else
        free(p);
    return s;
}

/* Undoes migration 8 -> 9 (the aws_budget plan's marks), the first step back to any older
 * schema. */
#define UNDO_REPLAN                                                                    \
    "DROP TRIGGER aws_budget_replan_new; DROP TRIGGER aws_budget_replan_row;"          \
    " DROP TRIGGER aws_budget_replan_limit; DROP TRIGGER aws_budget_replan_limit_set;" \
    " DROP INDEX aws_budget_pending; DROP TABLE aws_budget_replan;"

static void
raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;

    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        CHECK_FAIL("raw sql failed: %s: %s", sql, msg);
    sqlite3_close(db);
}

static const struct store_audit_ev ev_requested = { 1000, "test",      "requested",
                                                    NULL, "requested", NULL };

/* Inserts a requested account with the given email/name; returns its id. */
static int64_t
add_account(struct store *s, const char *email, const char *name, const char *owner)
{
    struct store_account a = { 0 };
    struct sbx_err err = { 0 };
    int64_t id;

    a.email = strdup(email);
    a.name = strdup(name);
    a.kind = strdup("demo");
    a.owner = strdup(owner);
    a.state = ENGINE_S_REQUESTED;
    a.due_at = 1000;
    CHECK_OK(store_account_insert(s, &a, 0, &ev_requested, &err), &err);
    CHECK(a.id > 0);
    CHECK_INT_EQ(a.version, 1);
    id = a.id;
    store_account_release(&a);
    return id;
}

TEST(creates_schema_and_reopens)
{
    struct sbx_err err = { 0 };
    struct store *s;
    char *path;

    s = open_new(&path);
    CHECK_INT_EQ(store_schema_version(s), store_schema_latest);
    CHECK(store_schema_latest >= 1);
    store_close(s);
    s = NULL;
    CHECK_OK(store_open(path, STORE_CREATE, &s, &err), &err);
    CHECK_INT_EQ(store_schema_version(s), store_schema_latest);
    store_close(s);
    free(path);
}

TEST(file_is_private)
{
    struct stat st;
    struct store *s;
    mode_t old = umask(0); /* prove the mode does not depend on the caller's umask */
    char *path;

    s = open_new(&path);
    umask(old);
    CHECK(stat(path, &st) == 0);
    CHECK_INT_EQ(st.st_mode & 0777, 0600);
    store_close(s);
    free(path);
}

TEST(refuses_newer_schema)
{
    struct sbx_err err = { 0 };
    struct store *s;
    char sql[64], want[64];
    char *path;

    s = open_new(&path);
    store_close(s);
    s = NULL;
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", store_schema_latest + 6);
    raw_exec(path, sql);
    CHECK_ERR(store_open(path, STORE_CREATE, &s, &err), &err, SBX_E_STORE);
    CHECK(s == NULL);
    snprintf(want, sizeof(want), "has schema %d, this sandboxctl knows up to %d",
             store_schema_latest + 6, store_schema_latest);
    CHECK_CONTAINS(err.msg, want);
    CHECK_CONTAINS(err.msg, "upgrade sandboxctl");
    free(path);
}

TEST(migrates_an_older_store)
{
    struct sbx_err err = { 0 };
    struct store *s = NULL;
    char *path = db_path();

    /* A store at schema 0 with nothing in it gets every migration. */
    raw_exec(path, "PRAGMA user_version = 0");
    CHECK_OK(store_open(path, STORE_CREATE, &s, &err), &err);
    CHECK_INT_EQ(store_schema_version(s), store_schema_latest);
    store_close(s);
    free(path);
}

TEST(unknown_parameter_name_fails)
{
    struct sbx_err err = { 0 };
    struct store *s = open_new(NULL);
    struct store_binder b = store_stmt(s, STORE_META_GET, &err);

    store_bind_text(&b, ":no_such_param", "x");
    CHECK_INT_EQ(store_step(&b), -1);
    CHECK_INT_EQ(err.code, SBX_E_STORE);
    CHECK_CONTAINS(err.msg, "no parameter ':no_such_param'");
    store_close(s);
}

TEST(compare_and_set)
{
    struct sbx_err err = { 0 };
    struct store *s = open_new(NULL);
    struct store_account a = { 0 }, b = { 0 };
    struct store_audit_ev ev = { 2000, "test", "transition", "requested", "creating", NULL };
    int64_t id = add_account(s, "a+1@example.com", "sbx-1", "o@example.com");

    CHECK_OK(store_account_get(s, id, &a, &err), &err);
    CHECK_OK(store_account_get(s, id, &b, &err), &err);
    CHECK_STR_EQ(engine_state_name(a.state), "requested");
    CHECK_STR_EQ(a.reason, "");
    a.state = ENGINE_S_CREATING;
    CHECK_OK(store_set_str(&a.request_id, "car-abc", &err), &err);
    CHECK_OK(store_account_update(s, &a, ENGINE_S_REQUESTED, &ev, &err), &err);
    CHECK_INT_EQ(a.version, 2);
    CHECK_INT_EQ(a.updated_at, 2000);

    /* b is stale (version 1): its write must lose and change nothing. */
    b.state = ENGINE_S_FAILED;
    CHECK_ERR(store_account_update(s, &b, ENGINE_S_REQUESTED, &ev, &err), &err, SBX_E_CONFLICT);
    /* Right version, wrong from-state: loses too. */
    store_account_release(&b);
    CHECK_OK(store_account_get(s, id, &b, &err), &err);
    CHECK_STR_EQ(engine_state_name(b.state), "creating");
    CHECK_STR_EQ(b.request_id, "car-abc");
    b.state = ENGINE_S_ACTIVE;
    CHECK_ERR(store_account_update(s, &b, ENGINE_S_REQUESTED, &ev, &err), &err, SBX_E_CONFLICT);
    CHECK_OK(store_account_update(s, &b, ENGINE_S_CREATING, &ev, &err), &err);
    store_account_release(&a);
    store_account_release(&b);
    store_close(s);
}

TEST(aliases_are_unique_forever)
{
    struct sbx_err err = { 0 };
    struct store *s = open_new(NULL);
    struct store_account a = { 0 }, dup = { 0 };
    struct store_audit_ev ev = { 2000, "test", "alias_regenerated", NULL, NULL, NULL };
    int64_t id = add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    bool taken;

    /* The row moves to a new alias; the old one stays reserved. */
    CHECK_OK(store_account_get(s, id, &a, &err), &err);
    CHECK_OK(store_set_str(&a.email, "a+2@example.com", &err), &err);
    CHECK_OK(store_account_update(s, &a, ENGINE_S_REQUESTED, &ev, &err), &err);
    CHECK_OK(store_alias_reserve(s, "a+2@example.com", "email", id, 2000, &err), &err);
    CHECK_OK(store_alias_taken(s, "a+1@example.com", &taken, &err), &err);
    CHECK(taken);

    dup.email = strdup("a+1@example.com");
    dup.name = strdup("sbx-99");
    dup.kind = strdup("demo");
    dup.owner = strdup("o@example.com");
    dup.state = ENGINE_S_REQUESTED;
    CHECK_ERR(store_account_insert(s, &dup, 0, &ev_requested, &err), &err, SBX_E_CONFLICT);
    CHECK_CONTAINS(err.msg, "a+1@example.com");
    /* A duplicate name is refused as well. */
    CHECK_OK(store_set_str(&dup.email, "a+3@example.com", &err), &err);
    CHECK_OK(store_set_str(&dup.name, "sbx-1", &err), &err);
    CHECK_ERR(store_account_insert(s, &dup, 0, &ev_requested, &err), &err, SBX_E_CONFLICT);
    /* Nothing of the failed inserts remains. */
    CHECK_OK(store_alias_taken(s, "a+3@example.com", &taken, &err), &err);
    CHECK(!taken);
    store_account_release(&a);
    store_account_release(&dup);
    store_close(s);
}

TEST(max_alive_per_owner)
{
    struct sbx_err err = { 0 };
    struct store *s = open_new(NULL);
    struct store_account a = { 0 };
    int64_t n = -1;

    add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    CHECK_OK(store_account_alive_for_owner(s, "o@example.com", "demo", &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    a.email = strdup("a+2@example.com");
    a.name = strdup("sbx-2");
    a.kind = strdup("demo");
    a.owner = strdup("o@example.com");
    a.state = ENGINE_S_REQUESTED;
    CHECK_ERR(store_account_insert(s, &a, 1, &ev_requested, &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "max_per_owner");
    CHECK_OK(store_account_insert(s, &a, 2, &ev_requested, &err), &err);
    store_account_release(&a);
    store_close(s);
}

TEST(claims)
{
    struct sbx_err err = { 0 };
    struct store *s = open_new(NULL);
    int64_t id = add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    struct store_account a = { 0 };
    bool got;

    CHECK_OK(store_account_claim(s, id, "host:1:a", 100.0, 200.0, NULL, &got, &err), &err);
    CHECK(got);
    CHECK_OK(store_account_claim(s, id, "host:2:b", 150.0, 250.0, NULL, &got, &err), &err);
    CHECK(!got);
    /* Re-claiming our own claim extends it. */
    CHECK_OK(store_account_claim(s, id, "host:1:a", 150.0, 300.0, NULL, &got, &err), &err);
    CHECK(got);
    /* A holder proven dead can be replaced before its claim expires. */
    CHECK_OK(store_account_claim(s, id, "host:2:b", 160.0, 400.0, "host:1:a", &got, &err), &err);
    CHECK(got);
    /* After expiry anyone may claim. */
    CHECK_OK(store_account_claim(s, id, "host:3:c", 401.0, 500.0, NULL, &got, &err), &err);
    CHECK(got);
    CHECK_OK(store_account_get(s, id, &a, &err), &err);
    CHECK_STR_EQ(a.claim_by, "host:3:c");
    store_account_release(&a);
    CHECK_OK(store_account_unclaim(s, id, "host:2:b", &err), &err); /* not ours: no-op */
    CHECK_OK(store_account_get(s, id, &a, &err), &err);
    CHECK_STR_EQ(a.claim_by, "host:3:c");
    store_account_release(&a);
    CHECK_OK(store_account_unclaim(s, id, "host:3:c", &err), &err);
    CHECK_OK(store_account_get(s, id, &a, &err), &err);
    CHECK(a.claim_by == NULL);
    store_account_release(&a);
    store_close(s);
}

TEST(find_by_every_key)
{
    struct sbx_err err = { 0 };
    struct store *s = open_new(NULL);
    struct store_account a = { 0 };
    struct store_audit_ev ev = { 2000, "test", NULL, NULL, NULL, NULL };
    int64_t id = add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    char key[16];

    CHECK_OK(store_account_get(s, id, &a, &err), &err);
    snprintf(a.account_id, sizeof(a.account_id), "123456789012");
    CHECK_OK(store_account_update(s, &a, ENGINE_S_REQUESTED, &ev, &err), &err);
    store_account_release(&a);
    CHECK_OK(store_account_find(s, "123456789012", &a, &err), &err);
    CHECK_INT_EQ(a.id, id);
    store_account_release(&a);
    snprintf(key, sizeof(key), "#%lld", (long long)id);
    CHECK_OK(store_account_find(s, key, &a, &err), &err);
    store_account_release(&a);
    CHECK_OK(store_account_find(s, key + 1, &a, &err), &err);
    store_account_release(&a);
    CHECK_OK(store_account_find(s, "a+1@example.com", &a, &err), &err);
    store_account_release(&a);
    CHECK_OK(store_account_find(s, "sbx-1", &a, &err), &err);
    store_account_release(&a);
    CHECK_ERR(store_account_find(s, "999999999999", &a, &err), &err, SBX_E_NOTFOUND);
    CHECK_CONTAINS(err.msg, "999999999999");
    CHECK_ERR(store_account_find(s, "nobody@example.com", &a, &err), &err, SBX_E_NOTFOUND);
    store_close(s);
}

TEST(due_queries)
{
    struct sbx_err err = { 0 };
    struct store *s = open_new(NULL);
    struct store_account *rows = NULL, a = { 0 };
    struct store_audit_ev ev = { 2000, "test", NULL, NULL, NULL, NULL };
    int64_t ids[3], due = 0, n = 0;
    size_t nrows = 0;

    ids[0] = add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    ids[1] = add_account(s, "a+2@example.com", "sbx-2", "p@example.com");
    ids[2] = add_account(s, "a+3@example.com", "sbx-3", "o@example.com");
    for (int i = 0; i < 3; i++) {
        CHECK_OK(store_account_get(s, ids[i], &a, &err), &err);
        a.due_at = 500 + 100 * i;
        a.priority = i == 2 ? 5 : 0;
        CHECK_OK(store_account_update(s, &a, ENGINE_S_REQUESTED, &ev, &err), &err);
        store_account_release(&a);
    }
    CHECK_OK(store_account_next_due(s, ENGINE_S_REQUESTED, NULL, &due, &err), &err);
    CHECK_INT_EQ(due, 500);
    CHECK_OK(store_account_next_due(s, ENGINE_S_ACTIVE, NULL, &due, &err), &err);
    CHECK_INT_EQ(due, 0);
    CHECK_OK(store_account_count(s, ENGINE_S_REQUESTED, NULL, &n, &err), &err);
    CHECK_INT_EQ(n, 3);
    /* Due at 650: the first two; priority first. */
    CHECK_OK(store_account_due(s, ENGINE_S_REQUESTED, 650, NULL, 10, &rows, &nrows, &err), &err);
    CHECK_INT_EQ(nrows, 2);
    CHECK_INT_EQ(rows[0].id, ids[0]);
    store_accounts_free(rows, nrows);
    CHECK_OK(store_account_due(s, ENGINE_S_REQUESTED, 1000, NULL, 10, &rows, &nrows, &err), &err);
    CHECK_INT_EQ(nrows, 3);
    CHECK_INT_EQ(rows[0].id, ids[2]);
    store_accounts_free(rows, nrows);
    /* Scoped to an owner. */
    {
        struct store_filter f = { .owner = "o@example.com" };

        CHECK_OK(store_account_due(s, ENGINE_S_REQUESTED, 1000, &f, 0, &rows, &nrows, &err), &err);
        CHECK_INT_EQ(nrows, 2);
        store_accounts_free(rows, nrows);
        CHECK_OK(store_account_count(s, ENGINE_S_REQUESTED, &f, &n, &err), &err);
        CHECK_INT_EQ(n, 2);
    }
    store_close(s);
}

/* The close_wait rows not yet parked in the wait OU: the parked and the ones without an AWS
 * account are left out, a failed one comes last; the flags survive a write, are forgotten all
 * at once, and a store from before the flag is migrated with every row unparked. */
TEST(parked_rows)
{
    struct sbx_err err = { 0 };
    struct store *s;
    struct store_account *rows = NULL, a = { 0 };
    struct store_audit_ev ev = { 2000, "test", NULL, NULL, NULL, NULL };
    int64_t ids[4];
    size_t n = 0;
    char *path;

    s = open_new(&path);
    for (int i = 0; i < 4; i++) {
        char email[32], name[16];

        snprintf(email, sizeof(email), "a+%d@example.com", i);
        snprintf(name, sizeof(name), "sbx-%d", i);
        ids[i] = add_account(s, email, name, "o@example.com");
        CHECK_OK(store_account_get(s, ids[i], &a, &err), &err);
        a.state = ENGINE_S_CLOSE_WAIT;
        if (i != 3)
            snprintf(a.account_id, sizeof(a.account_id), "10000000000%d", i);
        a.parked = i == 1;
        if (i == 0)
            CHECK_OK(store_set_str(&a.last_error, "cannot move it", &err), &err);
        CHECK_OK(store_account_update(s, &a, ENGINE_S_REQUESTED, &ev, &err), &err);
        store_account_release(&a);
    }
    CHECK_OK(store_account_get(s, ids[1], &a, &err), &err);
    CHECK(a.parked);
    store_account_release(&a);
    CHECK_OK(store_account_unparked(s, NULL, 10, &rows, &n, &err), &err);
    CHECK_INT_EQ(n, 2);
    CHECK_INT_EQ(rows[0].id, ids[2]);
    CHECK_INT_EQ(rows[1].id, ids[0]);
    CHECK(!rows[0].parked);
    store_accounts_free(rows, n);
    CHECK_OK(store_account_unpark_all(s, &err), &err);
    CHECK_OK(store_account_unparked(s, NULL, 10, &rows, &n, &err), &err);
    CHECK_INT_EQ(n, 3);
    store_accounts_free(rows, n);
    CHECK_OK(store_account_get(s, ids[1], &a, &err), &err);
    CHECK(!a.parked);
    CHECK_INT_EQ(a.version, 3); /* a process holding the row parked loses its write */
    a.parked = true;
    CHECK_OK(store_account_update(s, &a, ENGINE_S_CLOSE_WAIT, &ev, &err), &err);
    store_account_release(&a);
    store_close(s);

    raw_exec(path, UNDO_REPLAN "ALTER TABLE account DROP COLUMN parked; PRAGMA user_version = 7");
    s = NULL;
    CHECK_OK(store_open(path, STORE_CREATE, &s, &err), &err);
    CHECK_INT_EQ(store_schema_version(s), store_schema_latest);
    CHECK_OK(store_account_unparked(s, NULL, 10, &rows, &n, &err), &err);
    CHECK_INT_EQ(n, 3);
    store_accounts_free(rows, n);
    store_close(s);
    free(path);
}

static int
count_cb(void *arg, const struct store_account *a)
{
    (void)a;
    (*(int *)arg)++;
    return 0;
}

TEST(list_filters)
{
    struct sbx_err err = { 0 };
    struct store *s = open_new(NULL);
    struct store_account a = { 0 };
    struct store_audit_ev ev = { 2000, "test", NULL, NULL, NULL, NULL };
    struct store_filter f = { 0 };
    int64_t id;
    int n;

    add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    id = add_account(s, "a+2@example.com", "sbx-2", "p@example.com");
    CHECK_OK(store_account_get(s, id, &a, &err), &err);
    a.state = ENGINE_S_GONE;
    a.expires_at = 5000;
    CHECK_OK(store_account_update(s, &a, ENGINE_S_REQUESTED, &ev, &err), &err);
    store_account_release(&a);
    n = 0;
    CHECK_OK(store_account_list(s, &f, count_cb, &n, &err), &err);
    CHECK_INT_EQ(n, 1); /* gone rows hidden by default */
    f.all = true;
    n = 0;
    CHECK_OK(store_account_list(s, &f, count_cb, &n, &err), &err);
    CHECK_INT_EQ(n, 2);
    memset(&f, 0, sizeof(f));
    f.state = ENGINE_S_GONE;
    f.by_state = true;
    n = 0;
    CHECK_OK(store_account_list(s, &f, count_cb, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    memset(&f, 0, sizeof(f));
    f.all = true;
    f.expires_before = 4000;
    n = 0;
    CHECK_OK(store_account_list(s, &f, count_cb, &n, &err), &err);
    CHECK_INT_EQ(n, 0);
    f.expires_before = 5000;
    n = 0;
    CHECK_OK(store_account_list(s, &f, count_cb, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    memset(&f, 0, sizeof(f));
    f.owner = "o@example.com";
    n = 0;
    CHECK_OK(store_account_list(s, &f, count_cb, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    store_close(s);
}

/* A state name this binary does not know (a newer binary's, or an edit) stops every reader of
 * that row with the row named, and leaves the rows before it as they were read. */
TEST(unknown_state_stops_every_reader)
{
    struct sbx_err err = { 0 };
    char *path;
    struct store *s = open_new(&path);
    struct store_account a = { 0 };
    int n;

    add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    add_account(s, "a+2@example.com", "sbx-2", "o@example.com");
    add_account(s, "a+3@example.com", "sbx-3", "o@example.com");
    raw_exec(path, "UPDATE account SET state = 'bogus' WHERE id = 2");

    n = 0;
    CHECK_ERR(store_account_list(s, NULL, count_cb, &n, &err), &err, SBX_E_STORE);
    CHECK_CONTAINS(err.msg, "account 2: unknown state 'bogus'");
    CHECK_INT_EQ(n, 1);
    for (int minimal = 0; minimal <= 1; minimal++) {
        struct store_filter all = { .all = true };

        memset(&err, 0, sizeof(err));
        n = 0;
        CHECK_ERR(store_account_list_brief(s, &all, minimal, count_cb, &n, &err), &err,
                  SBX_E_STORE);
        CHECK_CONTAINS(err.msg, "account 2: unknown state 'bogus'");
        CHECK_INT_EQ(n, 1);
    }
    memset(&err, 0, sizeof(err));
    CHECK_ERR(store_account_find(s, "sbx-2", &a, &err), &err, SBX_E_STORE);
    CHECK_CONTAINS(err.msg, "unknown state 'bogus'");
    CHECK_OK(store_account_find(s, "sbx-3", &a, &err), &err);
    CHECK_INT_EQ(a.id, 3);
    CHECK(a.state == ENGINE_S_REQUESTED);
    store_account_release(&a);
    store_close(s);
    free(path);
}

/* A row's text copied through its table: when any copy fails, the read fails as out of memory
 * with none of the row's text left set (so its release frees nothing twice) and nothing
 * leaked (the asan presets check); the next read succeeds. */
TEST(row_text_out_of_memory)
{
    struct sbx_err err = { 0 };
    struct store *s = open_new(NULL);
    struct store_account a = { 0 };
    int64_t id = add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    int failed = 0;

    for (int k = 0; k < 32; k++) {
        int rc;

        memset(&err, 0, sizeof(err));
        fail_strdup_at = k;
        rc = store_account_get(s, id, &a, &err);
        fail_strdup_at = -1;
        if (rc == 0)
            break;
        CHECK(err.code == SBX_E_NOMEM);
        CHECK(a.email == NULL && a.name == NULL && a.kind == NULL && a.owner == NULL);
        store_account_release(&a);
        failed++;
    }
    CHECK(failed >= 4); /* email, name, kind and owner are each copied */
    CHECK_STR_EQ(a.email, "a+1@example.com");
    CHECK_STR_EQ(a.owner, "o@example.com");
    store_account_release(&a);
    store_close(s);
}

TEST(ledger_and_meta)
{
    struct sbx_err err = { 0 };
    struct store *s = open_new(NULL);
    int64_t *ts = NULL, v = 0;
    size_t n = 0;
    char *text = NULL;

    CHECK_OK(store_ledger_add(s, "111111111112", 100, "engine", &err), &err);
    CHECK_OK(store_ledger_add(s, "111111111113", 300, "engine", &err), &err);
    CHECK_OK(store_ledger_add(s, "111111111112", 900, "engine", &err), &err); /* first wins */
    CHECK_OK(store_ledger_since(s, 50, &ts, &n, &err), &err);
    CHECK_INT_EQ(n, 2);
    CHECK_INT_EQ(ts[0], 100);
    CHECK_INT_EQ(ts[1], 300);
    free(ts);
    CHECK_OK(store_ledger_remove(s, "111111111112", &err), &err);
    CHECK_OK(store_ledger_since(s, 0, &ts, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    free(ts);

    CHECK_OK(store_meta_get(s, "nope", &text, &err), &err);
    CHECK(text == NULL);
    CHECK_OK(store_meta_set_int(s, "k", 42, &err), &err);
    CHECK_OK(store_meta_get_int(s, "k", 0, &v, &err), &err);
    CHECK_INT_EQ(v, 42);
    CHECK_OK(store_seq_next(s, "seq", &v, &err), &err);
    CHECK_INT_EQ(v, 1);
    CHECK_OK(store_seq_next(s, "seq", &v, &err), &err);
    CHECK_INT_EQ(v, 2);
    CHECK_OK(store_ou_put(s, "Sandboxes/Demos", "ou-ab12-12345678", &err), &err);
    CHECK_OK(store_ou_get(s, "Sandboxes/Demos", &text, &err), &err);
    CHECK_STR_EQ(text, "ou-ab12-12345678");
    free(text);
    store_close(s);
}

/* Appends n events and returns the store path (store closed). */
static char *
store_with_events(int n)
{
    struct sbx_err err = { 0 };
    struct store_audit_report r;
    char *path;
    struct store *s = open_new(&path);
    int64_t id = add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    struct store_account a = { 0 };

    CHECK_OK(store_account_get(s, id, &a, &err), &err);
    for (int i = 1; i < n; i++) {
        struct store_audit_ev ev = { 1000 + i, "test", "note", NULL, NULL, "{\"i\":1}" };

        CHECK_OK(store_audit_append(s, &a, &ev, &err), &err);
    }
    CHECK_OK(store_audit_verify(s, &r, &err), &err);
    CHECK(r.ok);
    CHECK_INT_EQ(r.rows, n);
    store_account_release(&a);
    store_close(s);
    return path;
}

static struct store_audit_report
verify_path(const char *path)
{
    struct sbx_err err = { 0 };
    struct store_audit_report r;
    struct store *s = NULL;

    CHECK_OK(store_open(path, STORE_CREATE, &s, &err), &err);
    CHECK_OK(store_audit_verify(s, &r, &err), &err);
    store_close(s);
    return r;
}

TEST(audit_is_append_only)
{
    char *path = store_with_events(3);
    sqlite3 *db = NULL;

    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "UPDATE audit SET actor = 'x' WHERE seq = 2", NULL, NULL, NULL) !=
          SQLITE_OK);
    CHECK(sqlite3_exec(db, "DELETE FROM audit WHERE seq = 2", NULL, NULL, NULL) != SQLITE_OK);
    sqlite3_close(db);
    CHECK(verify_path(path).ok);
    free(path);
}

TEST(audit_detects_edit)
{
    char *path = store_with_events(5);
    struct store_audit_report r;

    raw_exec(path, "DROP TRIGGER audit_no_update;"
                   "UPDATE audit SET detail = '{\"i\":2}' WHERE seq = 3");
    r = verify_path(path);
    CHECK(!r.ok);
    CHECK_INT_EQ(r.bad_seq, 3);
    CHECK_CONTAINS(r.why, "edited");
    free(path);
}

TEST(audit_detects_rehashed_edit)
{
    char *path = store_with_events(5);
    struct store_audit_report r;

    /* Even with a fresh hash on the edited row, the next row's prev_hash breaks. */
    raw_exec(path, "DROP TRIGGER audit_no_update;"
                   "UPDATE audit SET hash = 'ffff' WHERE seq = 2");
    r = verify_path(path);
    CHECK(!r.ok);
    CHECK_INT_EQ(r.bad_seq, 2);
    free(path);
}

TEST(audit_detects_delete_in_middle)
{
    char *path = store_with_events(5);
    struct store_audit_report r;

    raw_exec(path, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 2");
    r = verify_path(path);
    CHECK(!r.ok);
    CHECK_INT_EQ(r.bad_seq, 2);
    CHECK_CONTAINS(r.why, "missing");
    free(path);
}

TEST(audit_detects_delete_of_newest)
{
    char *path = store_with_events(5);
    struct store_audit_report r;

    raw_exec(path, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 5");
    r = verify_path(path);
    CHECK(!r.ok);
    CHECK_INT_EQ(r.bad_seq, 5);
    CHECK_CONTAINS(r.why, "head");
    free(path);
}

TEST(audit_hash_is_unambiguous)
{
    struct store_audit_row a = { 1, 5, "x", 0, "", "ab", NULL, NULL, "{}", "00", NULL };
    struct store_audit_row b = a;
    char ha[65], hb[65];

    /* Moving a character between adjacent fields changes the hash. */
    b.actor = "xa";
    b.event = "b";
    store_audit_hash(&a, ha);
    store_audit_hash(&b, hb);
    CHECK(strcmp(ha, hb) != 0);
    /* NULL and "" differ. */
    b = a;
    b.from_state = "";
    store_audit_hash(&b, hb);
    CHECK(strcmp(ha, hb) != 0);
    CHECK_INT_EQ(strlen(ha), 64);
}

struct hook_run_seen {
    int n;
    char status[16];
    char result[256];
};

static int
see_hook_run(void *arg, const struct store_hook_run *r)
{
    struct hook_run_seen *seen = arg;

    seen->n++;
    snprintf(seen->status, sizeof(seen->status), "%s", r->status);
    snprintf(seen->result, sizeof(seen->result), "%s", r->result != NULL ? r->result : "(null)");
    return 0;
}

TEST(hook_runs)
{
    struct sbx_err err = { 0 };
    struct store *s = open_new(NULL);
    int64_t id = add_account(s, "a+1@example.com", "sbx-1", "o@example.com"), run = 0;

    CHECK_OK(store_hook_run_start(s, id, "pre-close", 1, 100, &run, &err), &err);
    CHECK(run > 0);
    CHECK_OK(store_hook_run_finish(s, run, "failed", 3, "/tmp/x.log", "boom",
                                   "{\"50-aws-nuke\":{\"left_total\":2}}", 110, &err),
             &err);
    {
        struct hook_run_seen seen = { 0 };

        CHECK_OK(store_hook_runs(s, id, 0, see_hook_run, &seen, &err), &err);
        CHECK_INT_EQ(seen.n, 1);
        CHECK_STR_EQ(seen.status, "failed");
        CHECK_STR_EQ(seen.result, "{\"50-aws-nuke\":{\"left_total\":2}}");
    }
    store_close(s);
}

/* The hook event outbox: once per (account, event, key), due at once, an account's events in
 * queue order (one waits while an earlier one waits for its retry), delivered ones gone. */
TEST(hook_events)
{
    struct sbx_err err = { 0 };
    struct store *s = open_new(NULL);
    struct store_filter only_b = { 0 };
    struct store_hook_event *evs = NULL;
    int64_t a = add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    int64_t b = add_account(s, "b+1@example.com", "sbx-2", "p@example.com");
    int64_t due = -1;
    size_t n = 0;
    bool added = false;

    CHECK_OK(store_hook_event_add(s, a, "nuke-failed", "run-1", "evt-a1", "exited 1", 100, &added,
                                  &err),
             &err);
    CHECK(added);
    CHECK_OK(store_hook_event_add(s, a, "nuke-failed", "run-1", "evt-other", "again", 101, &added,
                                  &err),
             &err);
    CHECK(!added); /* the same occurrence: nothing changes */
    CHECK_OK(store_hook_event_add(s, a, "quarantined", "run-1", "evt-a2", NULL, 102, &added, &err),
             &err);
    CHECK(added);
    CHECK_OK(
            store_hook_event_add(s, b, "close-failed", "v7", "evt-b1", "denied", 103, &added, &err),
            &err);
    CHECK_OK(store_hook_event_next_due(s, NULL, &due, &err), &err);
    CHECK_INT_EQ(due, 100);
    /* An event of an account another process holds is due when the claim ends, not now: a
     * watching `run` sleeps instead of spinning on it. */
    CHECK_OK(store_account_claim(s, a, "other", 50, 400, NULL, &added, &err), &err);
    CHECK(added);
    CHECK_OK(store_hook_event_next_due(s, NULL, &due, &err), &err);
    CHECK_INT_EQ(due, 103);
    CHECK_OK(store_account_claim(s, b, "other", 50, 450.5, NULL, &added, &err), &err);
    CHECK_OK(store_hook_event_next_due(s, NULL, &due, &err), &err);
    CHECK_INT_EQ(due, 400);
    CHECK_OK(store_account_unclaim(s, a, "other", &err), &err);
    CHECK_OK(store_hook_event_next_due(s, NULL, &due, &err), &err);
    CHECK_INT_EQ(due, 100);
    CHECK_OK(store_account_unclaim(s, b, "other", &err), &err);
    /* Only the first of a's events is due while it is queued. */
    CHECK_OK(store_hook_event_due(s, 200, NULL, 0, &evs, &n, &err), &err);
    CHECK_INT_EQ(n, 2);
    CHECK_STR_EQ(evs[0].uid, "evt-a1");
    CHECK_STR_EQ(evs[0].detail, "exited 1");
    CHECK_STR_EQ(evs[0].key, "run-1");
    CHECK_INT_EQ(evs[0].created_at, 100);
    CHECK_STR_EQ(evs[1].uid, "evt-b1");
    /* a's first delivery fails: it and the event behind it wait for the retry. */
    CHECK_OK(store_hook_event_failed(s, evs[0].id, 500, "receiver down", &err), &err);
    store_hook_events_free(evs, n);
    CHECK_OK(store_hook_event_due(s, 200, NULL, 0, &evs, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(evs[0].uid, "evt-b1");
    CHECK_OK(store_hook_event_delivered(s, evs[0].id, 201, &err), &err);
    store_hook_events_free(evs, n);
    CHECK_OK(store_hook_event_next_due(s, NULL, &due, &err), &err);
    CHECK_INT_EQ(due, 500);
    only_b.id = b;
    CHECK_OK(store_hook_event_next_due(s, &only_b, &due, &err), &err);
    CHECK_INT_EQ(due, 0);
    CHECK_OK(store_hook_event_due(s, 500, NULL, 0, &evs, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(evs[0].uid, "evt-a1");
    CHECK_INT_EQ(evs[0].attempts, 1);
    CHECK_STR_EQ(evs[0].last_error, "receiver down");
    CHECK_OK(store_hook_event_delivered(s, evs[0].id, 501, &err), &err);
    store_hook_events_free(evs, n);
    CHECK_OK(store_hook_event_due(s, 500, NULL, 0, &evs, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(evs[0].uid, "evt-a2");
    CHECK_OK(store_hook_event_delivered(s, evs[0].id, 502, &err), &err);
    store_hook_events_free(evs, n);
    CHECK_OK(store_hook_event_next_due(s, NULL, &due, &err), &err);
    CHECK_INT_EQ(due, 0);
    store_close(s);
}

/* A schema-1 store (hook_run without result) with a run in it gets the column, empty. */
TEST(migrates_hook_run_result)
{
    struct sbx_err err = { 0 };
    struct store *s;
    struct hook_run_seen seen = { 0 };
    char *path;
    int64_t id;

    s = open_new(&path);
    id = add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    store_close(s);
    raw_exec(path, UNDO_REPLAN
             "DROP TABLE access_assignment; DROP TABLE hook_event; DROP TABLE spend_day;"
             " DROP TABLE account_budget; DROP TABLE aws_budget; DROP TABLE class_access_group;"
             "ALTER TABLE hook_run DROP COLUMN result; DROP INDEX account_state_kind;"
             " ALTER TABLE account DROP COLUMN parked;"
             "INSERT INTO hook_run (account, event, attempt, status, exit_status, started_at,"
             " ended_at) VALUES (1, 'pre-close', 1, 'ok', 0, 100, 110);"
             "PRAGMA user_version = 1");
    s = NULL;
    CHECK_OK(store_open(path, STORE_CREATE, &s, &err), &err);
    CHECK_INT_EQ(store_schema_version(s), store_schema_latest);
    CHECK_OK(store_hook_runs(s, id, 0, see_hook_run, &seen, &err), &err);
    CHECK_INT_EQ(seen.n, 1);
    CHECK_STR_EQ(seen.status, "ok");
    CHECK_STR_EQ(seen.result, "");
    store_close(s);
    free(path);
}

/* A schema-3 store gets the spend guard's tables: spend per day summed over a period, a
 * budget per row with its own limit kept apart from what the checks record. */
TEST(migrates_spend_tables)
{
    struct sbx_err err = { 0 };
    struct store *s;
    struct store_budget b = { 0 };
    char *path;
    int64_t id, sum = -1;
    bool any = true;

    s = open_new(&path);
    id = add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    store_close(s);
    raw_exec(path,
             UNDO_REPLAN "DROP TABLE spend_day; DROP TABLE account_budget; DROP TABLE aws_budget;"
                         " DROP TABLE class_access_group; ALTER TABLE account DROP COLUMN parked;"
                         " PRAGMA user_version = 4");
    s = NULL;
    CHECK_OK(store_open(path, STORE_CREATE, &s, &err), &err);
    CHECK_INT_EQ(store_schema_version(s), store_schema_latest);
    CHECK_OK(store_spend_put(s, "111111111111", "2026-12-01", 1250, &err), &err);
    CHECK_OK(store_spend_put(s, "111111111111", "2026-12-02", 100, &err), &err);
    CHECK_OK(store_spend_put(s, "111111111111", "2026-12-02", 300, &err), &err); /* revised */
    CHECK_OK(store_spend_put(s, "222222222222", "2026-12-02", 7, &err), &err);
    CHECK_OK(store_spend_sum(s, "111111111111", "2026-12-01", "2026-12-03", &sum, &err), &err);
    CHECK_INT_EQ(sum, 1550);
    CHECK_OK(store_spend_sum(s, "111111111111", "2026-12-02", "2026-12-03", &sum, &err), &err);
    CHECK_INT_EQ(sum, 300);
    CHECK_OK(store_budget_any_limit(s, &any, &err), &err);
    CHECK(!any);
    CHECK_OK(store_budget_get(s, id, &b, &err), &err);
    CHECK_INT_EQ(b.limit, 0);
    CHECK_INT_EQ(b.checked_at, 0);
    b.warned = 50;
    b.spent = 2500;
    b.checked_at = 100;
    snprintf(b.period, sizeof(b.period), "lease");
    CHECK_OK(store_budget_put(s, id, &b, &err), &err);
    CHECK_OK(store_budget_set_limit(s, id, 10000, &err), &err);
    memset(&b, 0, sizeof(b));
    CHECK_OK(store_budget_get(s, id, &b, &err), &err);
    CHECK_INT_EQ(b.limit, 10000);
    CHECK_INT_EQ(b.warned, 50);
    CHECK_INT_EQ(b.spent, 2500);
    CHECK_STR_EQ(b.period, "lease");
    CHECK_OK(store_budget_any_limit(s, &any, &err), &err);
    CHECK(any);
    store_close(s);
    free(path);
}

/* 5 -> 6: the AWS Budget records (budget.aws_budget): intent, what AWS has, failures, drop. */
TEST(migrates_aws_budget)
{
    struct sbx_err err = { 0 };
    struct store *s;
    struct store_aws_budget w = { 0 }, got, *all = NULL;
    size_t n = 0;
    char *path;
    int64_t id;
    bool found = true;

    s = open_new(&path);
    id = add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    store_close(s);
    raw_exec(path, UNDO_REPLAN "DROP TABLE aws_budget; DROP TABLE class_access_group;"
                               " ALTER TABLE account DROP COLUMN parked; PRAGMA user_version = 5");
    s = NULL;
    CHECK_OK(store_open(path, STORE_CREATE, &s, &err), &err);
    CHECK_INT_EQ(store_schema_version(s), store_schema_latest);
    CHECK_OK(store_aws_budget_get(s, id, &got, &found, &err), &err);
    CHECK(!found);
    w.account = id;
    w.want = 10000;
    w.start_at = 86400;
    CHECK_OK(store_aws_budget_want(s, &w, 100, &err), &err);
    CHECK_OK(store_aws_budget_failed(s, id, 1, 160, "AccessDeniedException: no", 100, &err), &err);
    CHECK_OK(store_aws_budget_get(s, id, &got, &found, &err), &err);
    CHECK(found);
    CHECK_INT_EQ(got.want, 10000);
    CHECK_INT_EQ(got.have, 0);
    CHECK_INT_EQ(got.start_at, 86400);
    CHECK(!got.monthly);
    CHECK_INT_EQ(got.attempts, 1);
    CHECK_INT_EQ(got.due_at, 160);
    CHECK_STR_EQ(got.error, "AccessDeniedException: no");
    CHECK_OK(store_aws_budget_synced(s, id, 10000, 200, &err), &err);
    CHECK_OK(store_aws_budget_get(s, id, &got, &found, &err), &err);
    CHECK_INT_EQ(got.have, 10000);
    CHECK_INT_EQ(got.attempts, 0);
    CHECK_STR_EQ(got.error, "");
    /* the drop only forgets a record whose budget should not exist */
    CHECK_OK(store_aws_budget_drop(s, id, &err), &err);
    CHECK_OK(store_aws_budget_all(s, &all, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    free(all);
    w.want = 0; /* the intent to delete keeps what AWS has */
    CHECK_OK(store_aws_budget_want(s, &w, 300, &err), &err);
    CHECK_OK(store_aws_budget_get(s, id, &got, &found, &err), &err);
    CHECK_INT_EQ(got.want, 0);
    CHECK_INT_EQ(got.have, 10000);
    CHECK_OK(store_aws_budget_drop(s, id, &err), &err);
    CHECK_OK(store_aws_budget_all(s, &all, &n, &err), &err);
    CHECK_INT_EQ(n, 0);
    free(all);
    store_close(s);
    free(path);
}

/* The rows marked count how many ids store_aws_budget_marked lists (want) and unmarks them. */
static void
check_marked(struct store *s, size_t want, int64_t first)
{
    struct sbx_err err = { 0 };
    int64_t *ids = NULL;
    size_t n = 0;
    bool any = true;

    CHECK_OK(store_aws_budget_marked(s, &ids, &n, &err), &err);
    CHECK_INT_EQ(n, want);
    if (n > 0)
        CHECK_INT_EQ(ids[0], first);
    free(ids);
    CHECK_OK(store_aws_budget_unmark(s, &err), &err);
    CHECK_OK(store_aws_budget_any_marked(s, &any, &err), &err);
    CHECK(!any);
}

/* 8 -> 9: while a plan is recorded (meta aws_budget_plan), a new row, a change of its state,
 * kind, AWS id or start and its own limit mark it (triggers, in the writing transaction); what the
 * spend check records does not; without a plan nothing is marked. Pending records are the ones
 * still to send. */
TEST(aws_budget_marks_follow_the_plan)
{
    struct sbx_err err = { 0 };
    struct store *s = open_new(NULL);
    struct store_account a = { 0 };
    struct store_audit_ev ev = { 2000, "test", "transition", "requested", "creating", NULL };
    struct store_budget b = { 0 };
    struct store_aws_budget w = { 0 }, *recs = NULL;
    size_t n = 0;
    int64_t id, other;
    bool any = true;

    id = add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    CHECK_OK(store_budget_set_limit(s, id, 500, &err), &err);
    check_marked(s, 0, 0); /* no plan recorded: no marks */

    CHECK_OK(store_meta_set(s, "aws_budget_plan", "f1", &err), &err);
    other = add_account(s, "a+2@example.com", "sbx-2", "o@example.com");
    check_marked(s, 1, other);
    CHECK_OK(store_account_get(s, id, &a, &err), &err);
    a.state = ENGINE_S_CREATING;
    CHECK_OK(store_account_update(s, &a, ENGINE_S_REQUESTED, &ev, &err), &err);
    check_marked(s, 1, id);
    a.attempts = 3; /* not what a budget depends on */
    CHECK_OK(store_account_update(s, &a, ENGINE_S_CREATING, &ev, &err), &err);
    check_marked(s, 0, 0);
    a.active_at = 5000;
    CHECK_OK(store_account_update(s, &a, ENGINE_S_CREATING, &ev, &err), &err);
    check_marked(s, 1, id);
    store_account_release(&a);
    CHECK_OK(store_budget_set_limit(s, id, 700, &err), &err);
    check_marked(s, 1, id);
    CHECK_OK(store_budget_set_limit(s, id, 700, &err), &err); /* the same limit */
    check_marked(s, 0, 0);
    CHECK_OK(store_budget_set_limit(s, other, 900, &err), &err); /* a new own limit */
    check_marked(s, 1, other);
    b.spent = 100; /* the spend check records, no limit */
    CHECK_OK(store_budget_put(s, id, &b, &err), &err);
    check_marked(s, 0, 0);

    /* the plan forgotten ("" : the key off with nothing made): the marks stop */
    CHECK_OK(store_meta_set(s, "aws_budget_plan", "", &err), &err);
    CHECK_OK(store_budget_set_limit(s, id, 800, &err), &err);
    check_marked(s, 0, 0);

    /* pending: to create (want, no have), in place (skipped), to delete (no want) */
    w.account = id;
    w.want = 800;
    CHECK_OK(store_aws_budget_want(s, &w, 100, &err), &err);
    w.account = other;
    w.want = 900;
    CHECK_OK(store_aws_budget_want(s, &w, 100, &err), &err);
    CHECK_OK(store_aws_budget_synced(s, other, 900, 110, &err), &err);
    CHECK_OK(store_aws_budget_pending(s, &recs, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(recs[0].account, id);
    free(recs);
    w.want = 0;
    CHECK_OK(store_aws_budget_want(s, &w, 120, &err), &err);
    CHECK_OK(store_aws_budget_pending(s, &recs, &n, &err), &err);
    CHECK_INT_EQ(n, 2);
    CHECK_INT_EQ(recs[1].account, other);
    CHECK_INT_EQ(recs[1].want, 0);
    free(recs);
    CHECK_OK(store_aws_budget_any(s, &any, &err), &err);
    CHECK(any);
    store_close(s);
}

TEST(error_text_names_a_full_disk)
{
    char buf[256];

    /* SQLite's own words are "database or disk is full" and, on the paths where a full disk
     * surfaces as a failed write or fsync, "disk I/O error". */
    CHECK_STR_EQ(store_error_text(SQLITE_FULL, 0, "database or disk is full", buf, sizeof(buf)),
                 "no space left on device");
    CHECK_STR_EQ(store_error_text(SQLITE_IOERR_WRITE, ENOSPC, "disk I/O error", buf, sizeof(buf)),
                 "no space left on device");
    CHECK_STR_EQ(store_error_text(SQLITE_IOERR_FSYNC, ENOSPC, "disk I/O error", buf, sizeof(buf)),
                 "no space left on device");
    CHECK_STR_EQ(store_error_text(SQLITE_IOERR_WRITE, EDQUOT, "disk I/O error", buf, sizeof(buf)),
                 "disk quota exceeded");
    /* Other I/O errors keep SQLite's text and add the OS's. */
    CHECK_STR_EQ(store_error_text(SQLITE_IOERR_READ, EIO, "disk I/O error", buf, sizeof(buf)),
                 "disk I/O error (Input/output error)");
    CHECK_STR_EQ(store_error_text(SQLITE_IOERR, 0, "disk I/O error", buf, sizeof(buf)),
                 "disk I/O error");
    /* Not an I/O error: SQLite's message, whatever errno was left behind. */
    CHECK_STR_EQ(store_error_text(SQLITE_CORRUPT, ENOSPC, "database disk image is malformed", buf,
                                  sizeof(buf)),
                 "database disk image is malformed");
    CHECK_STR_EQ(store_error_text(SQLITE_CONSTRAINT_UNIQUE, 0, NULL, buf, sizeof(buf)),
                 sqlite3_errstr(SQLITE_CONSTRAINT_UNIQUE));
}

TEST(open_refuses_missing_empty_and_uninitialised)
{
    struct sbx_err err = { 0 };
    struct store *s = NULL;
    char *path = db_path();
    FILE *f;

    /* Missing: refused, and nothing is created. */
    CHECK_ERR(store_open(path, 0, &s, &err), &err, SBX_E_STORE);
    CHECK_CONTAINS(err.msg, path);
    CHECK_CONTAINS(err.msg, "does not exist");
    CHECK(access(path, F_OK) != 0);
    /* Empty. */
    f = fopen(path, "w");
    CHECK(f != NULL);
    fclose(f);
    CHECK_ERR(store_open(path, 0, &s, &err), &err, SBX_E_STORE);
    CHECK_CONTAINS(err.msg, "is empty");
    /* Created with STORE_CREATE but never initialised (no organization recorded). */
    CHECK_OK(store_open(path, STORE_CREATE, &s, &err), &err);
    store_close(s);
    s = NULL;
    CHECK_ERR(store_open(path, 0, &s, &err), &err, SBX_E_STORE);
    CHECK_CONTAINS(err.msg, "not initialised");
    CHECK(s == NULL);
    /* Initialised: opens, and a sound store takes writes after the check. */
    raw_exec(path, "INSERT INTO meta (key, value) VALUES ('org_id', 'o-abc')");
    CHECK_OK(store_open(path, STORE_CHECK, &s, &err), &err);
    CHECK_OK(store_meta_set(s, "k", "v", &err), &err);
    store_close(s);
    free(path);
}

TEST(open_refuses_a_directory_others_can_write)
{
    struct sbx_err err = { 0 };
    struct store *s = NULL;
    char *path = db_path(), *dir = strdup(path), wal[4200];

    CHECK(dir != NULL);
    *strrchr(dir, '/') = '\0';
    CHECK(chmod(dir, 0777) == 0);
    CHECK_ERR(store_open(path, STORE_CREATE, &s, &err), &err, SBX_E_STORE);
    CHECK_CONTAINS(err.msg, "writable by others");
    CHECK(access(path, F_OK) != 0);
    CHECK(chmod(dir, 0720) == 0);
    CHECK_ERR(store_open(path, STORE_CREATE, &s, &err), &err, SBX_E_STORE);
    CHECK_CONTAINS(err.msg, "writable by its group");
    CHECK(chmod(dir, 0700) == 0);
    /* A -wal that is a symbolic link is refused by name. */
    snprintf(wal, sizeof(wal), "%s-wal", path);
    CHECK(symlink("/nonexistent", wal) == 0);
    CHECK_ERR(store_open(path, STORE_CREATE, &s, &err), &err, SBX_E_STORE);
    CHECK_CONTAINS(err.msg, "-wal' is a symbolic link");
    CHECK(unlink(wal) == 0);
    CHECK_OK(store_open(path, STORE_CREATE, &s, &err), &err);
    store_close(s);
    free(dir);
    free(path);
}

/* Zeroes page `page` (1-based) of the file at path. */
static void
zero_page(const char *path, long page)
{
    char zeros[65536] = { 0 };
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int size;
    FILE *f;

    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    size = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    CHECK(size > 0 && size <= (int)sizeof(zeros));
    f = fopen(path, "r+b");
    CHECK(f != NULL);
    CHECK(fseek(f, (page - 1) * size, SEEK_SET) == 0);
    CHECK(fwrite(zeros, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
}

/* Root page of table name in the store at path. */
static long
root_page(const char *path, const char *name)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long page;

    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_master WHERE name = ?", -1, &st,
                             NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    page = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return page;
}

TEST(damaged_store_refuses_writes)
{
    struct sbx_err err = { 0 };
    struct store *s;
    char *path, why[512], *value = NULL;
    bool ok = false;

    s = open_new(&path);
    add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    CHECK_OK(store_check_integrity(s, &ok, why, sizeof(why), &err), &err);
    CHECK(ok);
    store_close(s);
    s = NULL;
    zero_page(path, root_page(path, "close_ledger"));
    /* Readers still open it (and see SQLite's errors where they touch the damage)... */
    CHECK_OK(store_open(path, STORE_CREATE, &s, &err), &err);
    CHECK_OK(store_check_integrity(s, &ok, why, sizeof(why), &err), &err);
    CHECK(!ok);
    CHECK(why[0] != '\0');
    store_close(s);
    s = NULL;
    /* ...writers open it too, and read, but their first write is refused, in a transaction
     * or not, and so is every later one. */
    CHECK_OK(store_open(path, STORE_CREATE | STORE_CHECK, &s, &err), &err);
    CHECK_OK(store_meta_get(s, "org_id", &value, &err), &err);
    free(value);
    CHECK_ERR(store_meta_set(s, "k", "v", &err), &err, SBX_E_STORE);
    CHECK_CONTAINS(err.msg, "is damaged (malformed");
    CHECK_CONTAINS(err.msg, path);
    CHECK_ERR(store_begin(s, &err), &err, SBX_E_STORE);
    CHECK_CONTAINS(err.msg, "is damaged (malformed");
    CHECK_ERR(store_meta_set(s, "k", "v", &err), &err, SBX_E_STORE);
    store_close(s);
    free(path);
}

TEST(backup_is_a_private_consistent_copy)
{
    struct sbx_err err = { 0 };
    struct store *s, *copy = NULL;
    struct store_account a = { 0 };
    char *path, dest[4200];
    struct stat st;
    int64_t pages = 0;

    s = open_new(&path);
    add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    snprintf(dest, sizeof(dest), "%s.bak", path);
    CHECK_OK(store_backup(s, dest, false, &pages, &err), &err);
    CHECK(pages > 1);
    CHECK(stat(dest, &st) == 0);
    CHECK_INT_EQ(st.st_mode & 0777, 0600);
    /* One self-contained file: no -wal beside it. */
    {
        char wal[4300];

        snprintf(wal, sizeof(wal), "%s-wal", dest);
        CHECK(access(wal, F_OK) != 0);
    }
    /* Never over an existing file without overwrite. */
    CHECK_ERR(store_backup(s, dest, false, &pages, &err), &err, SBX_E_CONFLICT);
    CHECK_CONTAINS(err.msg, "exists");
    add_account(s, "a+2@example.com", "sbx-2", "o@example.com");
    CHECK_OK(store_backup(s, dest, true, &pages, &err), &err);
    store_close(s);
    CHECK_OK(store_open(dest, STORE_CREATE | STORE_CHECK, &copy, &err), &err);
    CHECK_OK(store_account_find(copy, "sbx-2", &a, &err), &err);
    store_account_release(&a);
    store_close(copy);
    free(path);
}

static struct store_assignment
assignment(int64_t account, const char *principal_id)
{
    struct store_assignment g = { 0 };

    g.account = account;
    snprintf(g.account_id, sizeof(g.account_id), "123456789012");
    g.instance_arn = (char *)"arn:aws:sso:::instance/ssoins-1";
    g.permission_set_arn = (char *)"arn:aws:sso:::permissionSet/ssoins-1/ps-1";
    g.permission_set_name = (char *)"AdministratorAccess";
    snprintf(g.principal_type, sizeof(g.principal_type), "USER");
    g.principal_id = (char *)principal_id;
    g.principal = (char *)"o@example.com";
    snprintf(g.status, sizeof(g.status), "requested");
    g.due_at = 1000;
    return g;
}

/* Assignments: the intent once per principal, its progress written back, and revocation
 * marking every live one due at once (and nothing already revoked). */
TEST(assignments_from_intent_to_revoked)
{
    struct sbx_err err = { 0 };
    struct store *s = open_new(NULL);
    int64_t id = add_account(s, "a+1@example.com", "sbx-1", "o@example.com"), due, *ids;
    struct store_assignment g = assignment(id, "u-1"), h = assignment(id, "u-2"), *v;
    size_t n;
    int changed;

    CHECK_OK(store_assignment_add(s, &g, 1000, &err), &err);
    CHECK_OK(store_assignment_add(s, &g, 1001, &err), &err); /* the same intent: kept once */
    CHECK_OK(store_assignment_add(s, &h, 1000, &err), &err);
    CHECK_OK(store_assignment_list(s, id, &v, &n, &err), &err);
    CHECK_INT_EQ(n, 2);
    CHECK_STR_EQ(v[0].status, "requested");
    CHECK_STR_EQ(v[0].request_id, "");
    CHECK_STR_EQ(v[0].permission_set_name, "AdministratorAccess");
    /* The first is granted, the second already revoked. */
    snprintf(v[0].status, sizeof(v[0].status), "granted");
    v[0].granted_at = 1010;
    free(v[0].request_id);
    v[0].request_id = strdup("req-1");
    snprintf(v[1].status, sizeof(v[1].status), "revoked");
    v[1].revoked_at = 1011;
    CHECK_OK(store_assignment_update(s, &v[0], 1010, &err), &err);
    CHECK_OK(store_assignment_update(s, &v[1], 1011, &err), &err);
    store_assignments_free(v, n);
    CHECK_OK(store_assignment_next_due(s, &due, &err), &err);
    CHECK_INT_EQ(due, 0);

    CHECK_OK(store_assignment_revoke_all(s, id, 2000, &changed, &err), &err);
    CHECK_INT_EQ(changed, 1);
    CHECK_OK(store_assignment_revoke_all(s, id, 2001, &changed, &err), &err);
    CHECK_INT_EQ(changed, 0); /* idempotent */
    CHECK_OK(store_assignment_list(s, id, &v, &n, &err), &err);
    CHECK_STR_EQ(v[0].status, "revoking");
    CHECK_STR_EQ(v[0].request_id, ""); /* the deletion is a new request */
    CHECK_INT_EQ(v[0].due_at, 2000);
    CHECK_INT_EQ(v[0].granted_at, 1010);
    CHECK_STR_EQ(v[1].status, "revoked");
    store_assignments_free(v, n);
    CHECK_OK(store_assignment_next_due(s, &due, &err), &err);
    CHECK_INT_EQ(due, 2000);
    CHECK_OK(store_assignment_due_accounts(s, 1999, 10, &ids, &n, &err), &err);
    CHECK_INT_EQ(n, 0);
    free(ids);
    CHECK_OK(store_assignment_due_accounts(s, 2000, 10, &ids, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(ids[0], id);
    free(ids);

    /* Granted again (an unfreeze): both are requested anew, but not another's assignment. */
    g = assignment(id, "u-3");
    g.principal = (char *)"";
    snprintf(g.status, sizeof(g.status), "revoking");
    CHECK_OK(store_assignment_add(s, &g, 2100, &err), &err);
    CHECK_OK(store_assignment_regrant_all(s, id, 3000, &changed, &err), &err);
    CHECK_INT_EQ(changed, 2);
    CHECK_OK(store_assignment_list(s, id, &v, &n, &err), &err);
    CHECK_INT_EQ(n, 3);
    CHECK_STR_EQ(v[0].status, "requested");
    CHECK_INT_EQ(v[0].due_at, 3000);
    CHECK_STR_EQ(v[1].status, "requested");
    CHECK_INT_EQ(v[1].revoked_at, 0);
    CHECK_STR_EQ(v[2].status, "revoking");
    store_assignments_free(v, n);
    store_close(s);
}

/* A class's groups, in the order given; a schema-6 store gets their table, empty. */
TEST(class_groups_in_order_and_migrated)
{
    struct sbx_err err = { 0 };
    struct store_class cl = { 0 };
    struct store_audit_ev ev = { 100, "test", "class_created", NULL, NULL, "{}" };
    const char *const groups[] = { "Instructors", "TAs" };
    struct store *s;
    char *path, **v;
    size_t n;

    s = open_new(&path);
    cl.name = (char *)"c1";
    cl.kind = (char *)"training";
    cl.owner = (char *)"prof@example.com";
    cl.state = (char *)"provisioning";
    cl.detail = (char *)"{}";
    CHECK_OK(store_class_insert(s, &cl, &ev, &err), &err);
    CHECK_OK(store_class_groups_set(s, cl.id, groups, 2, &err), &err);
    CHECK_OK(store_class_groups(s, cl.id, &v, &n, &err), &err);
    CHECK_INT_EQ(n, 2);
    CHECK_STR_EQ(v[0], "Instructors");
    CHECK_STR_EQ(v[1], "TAs");
    store_strings_free(v, n);
    CHECK_OK(store_class_groups(s, cl.id + 1, &v, &n, &err), &err);
    CHECK_INT_EQ(n, 0);
    store_close(s);
    raw_exec(path,
             UNDO_REPLAN "DROP TABLE class_access_group; ALTER TABLE account DROP COLUMN parked;"
                         " PRAGMA user_version = 6");
    s = NULL;
    CHECK_OK(store_open(path, STORE_CREATE, &s, &err), &err);
    CHECK_INT_EQ(store_schema_version(s), store_schema_latest);
    CHECK_OK(store_class_groups(s, cl.id, &v, &n, &err), &err);
    CHECK_INT_EQ(n, 0);
    store_close(s);
    free(path);
}

/* A schema-3 store gets the assignment table, empty. */
TEST(migrates_to_assignments)
{
    struct sbx_err err = { 0 };
    struct store *s;
    struct store_assignment *v;
    char *path;
    size_t n;
    int64_t id;

    s = open_new(&path);
    id = add_account(s, "a+1@example.com", "sbx-1", "o@example.com");
    store_close(s);
    raw_exec(path, UNDO_REPLAN
             "DROP TABLE access_assignment; DROP TABLE spend_day; DROP TABLE account_budget;"
             " DROP TABLE aws_budget; DROP TABLE class_access_group;"
             " ALTER TABLE account DROP COLUMN parked; PRAGMA user_version = 3");
    s = NULL;
    CHECK_OK(store_open(path, STORE_CREATE, &s, &err), &err);
    CHECK_INT_EQ(store_schema_version(s), store_schema_latest);
    CHECK_OK(store_assignment_list(s, id, &v, &n, &err), &err);
    CHECK_INT_EQ(n, 0);
    store_assignments_free(v, n);
    store_close(s);
    free(path);
}
