/*
 * store.c -- opening the store (file mode, pragmas, migrations, prepared statements),
 * transactions, and the bind-by-name helpers.
 *
 * Durability: synchronous=FULL even in WAL mode. The engine records its intent (a requested
 * account, a CloseAccount about to be sent) before every AWS side effect, and that record is
 * only worth something if it survives the machine going down right after the call.
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store_int.h"

#define STORE_BUSY_TIMEOUT_MS 10000

void
store_sqlite_err(struct store *s, struct sbx_err *err, const char *what)
{
    sbx_err_set(err, SBX_E_STORE, "store '%s': %s: %s", s->path != NULL ? s->path : "?", what,
                s->db != NULL ? sqlite3_errmsg(s->db) : "not open");
}

struct binder
store_stmt(struct store *s, enum store_stmt id, struct sbx_err *err)
{
    struct binder b = { s, s->st[id], err, 0 };

    sqlite3_reset(b.st);
    sqlite3_clear_bindings(b.st);
    return b;
}

static int
param_index(struct binder *b, const char *name)
{
    int i;

    if (b->rc != 0)
        return 0;
    i = sqlite3_bind_parameter_index(b->st, name);
    if (i == 0) {
        sbx_err_set(b->err, SBX_E_STORE, "store: statement has no parameter '%s': %s", name,
                    sqlite3_sql(b->st));
        b->rc = -1;
    }
    return i;
}

static void
bind_check(struct binder *b, int rc, const char *name)
{
    if (rc != SQLITE_OK && b->rc == 0) {
        sbx_err_set(b->err, SBX_E_STORE, "store: cannot bind '%s': %s", name, sqlite3_errstr(rc));
        b->rc = -1;
    }
}

void
bind_text(struct binder *b, const char *name, const char *v)
{
    int i = param_index(b, name);

    if (i == 0)
        return;
    if (v == NULL)
        bind_check(b, sqlite3_bind_null(b->st, i), name);
    else
        bind_check(b, sqlite3_bind_text(b->st, i, v, -1, SQLITE_TRANSIENT), name);
}

void
bind_int(struct binder *b, const char *name, int64_t v)
{
    int i = param_index(b, name);

    if (i != 0)
        bind_check(b, sqlite3_bind_int64(b->st, i, v), name);
}

void
bind_int_or_null(struct binder *b, const char *name, int64_t v)
{
    int i = param_index(b, name);

    if (i == 0)
        return;
    if (v == 0)
        bind_check(b, sqlite3_bind_null(b->st, i), name);
    else
        bind_check(b, sqlite3_bind_int64(b->st, i, v), name);
}

void
bind_double(struct binder *b, const char *name, double v)
{
    int i = param_index(b, name);

    if (i != 0)
        bind_check(b, sqlite3_bind_double(b->st, i, v), name);
}

void
bind_null(struct binder *b, const char *name)
{
    int i = param_index(b, name);

    if (i != 0)
        bind_check(b, sqlite3_bind_null(b->st, i), name);
}

int
store_step(struct binder *b)
{
    int rc;

    if (b->rc != 0) {
        sqlite3_reset(b->st);
        return -1;
    }
    rc = sqlite3_step(b->st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    store_sqlite_err(b->s, b->err, "query failed");
    if (rc == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_CONSTRAINT)
        b->err->code = SBX_E_CONFLICT;
    sqlite3_reset(b->st);
    b->rc = -1;
    return -1;
}

int
store_exec_stmt(struct binder *b)
{
    int rc = store_step(b);

    sqlite3_reset(b->st);
    if (rc < 0)
        return -1;
    return 0;
}

void
store_done(struct binder *b)
{
    sqlite3_reset(b->st);
}

char *
col_strdup(sqlite3_stmt *st, int col, bool *oom)
{
    const unsigned char *t;
    char *copy;

    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return NULL;
    t = sqlite3_column_text(st, col);
    copy = strdup(t != NULL ? (const char *)t : "");
    if (copy == NULL)
        *oom = true;
    return copy;
}

const char *
col_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);

    return t != NULL ? (const char *)t : "";
}

static int
exec_sql(struct store *s, const char *sql, const char *what, struct sbx_err *err)
{
    char *msg = NULL;

    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        sbx_err_set(err, SBX_E_STORE, "store '%s': %s: %s", s->path, what,
                    msg != NULL ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int
read_user_version(struct store *s, int *version, struct sbx_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
        store_sqlite_err(s, err, "cannot read the schema version");
        return -1;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        store_sqlite_err(s, err, "cannot read the schema version");
        sqlite3_finalize(st);
        return -1;
    }
    *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return 0;
}

static int
refuse_newer(struct store *s, int version, struct sbx_err *err)
{
    if (version > store_schema_latest) {
        sbx_err_set(err, SBX_E_STORE,
                    "store '%s' has schema %d, this sandboxctl knows up to %d; upgrade "
                    "sandboxctl",
                    s->path, version, store_schema_latest);
        return -1;
    }
    return 0;
}

/* Applies each missing migration in its own BEGIN IMMEDIATE transaction. The version is
 * re-read inside the transaction: another process may have migrated meanwhile. */
static int
migrate(struct store *s, struct sbx_err *err)
{
    int version;

    if (read_user_version(s, &version, err) != 0 || refuse_newer(s, version, err) != 0)
        return -1;
    while (version < store_schema_latest) {
        if (exec_sql(s, "BEGIN IMMEDIATE", "cannot start a migration", err) != 0)
            return -1;
        if (read_user_version(s, &version, err) != 0)
            goto fail;
        if (version >= store_schema_latest)
            break;
        if (exec_sql(s, store_migrations[version], "migration failed", err) != 0)
            goto fail;
        if (exec_sql(s, "COMMIT", "cannot commit a migration", err) != 0)
            goto fail;
        if (read_user_version(s, &version, err) != 0)
            return -1;
    }
    if (sqlite3_get_autocommit(s->db) == 0 &&
        exec_sql(s, "COMMIT", "cannot commit a migration", err) != 0)
        goto fail;
    return refuse_newer(s, version, err);
fail:
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* Creates the file 0600 before SQLite sees it (SQLite would use 0644 less the umask). The
 * -wal and -shm files SQLite creates later copy the main file's permissions. */
static int
create_private(const char *path, struct sbx_err *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

    if (fd < 0) {
        sbx_err_set(err, SBX_E_STORE, "cannot open store '%s': %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

int
store_open(const char *path, struct store **out, struct sbx_err *err)
{
    struct store *s = NULL;
    int rc = -1, on = 0;

    *out = NULL;
    if (path == NULL || *path == '\0') {
        sbx_err_set(err, SBX_E_STORE, "no store path configured");
        return -1;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        goto nomem;
    s->path = strdup(path);
    if (s->path == NULL)
        goto nomem;
    if (create_private(path, err) != 0)
        goto out;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        store_sqlite_err(s, err, "cannot open");
        goto out;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
    if (sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on) != SQLITE_OK || on != 1) {
        store_sqlite_err(s, err, "cannot enable defensive mode");
        goto out;
    }
    if (exec_sql(s, "PRAGMA foreign_keys = ON", "cannot enable foreign keys", err) != 0 ||
        exec_sql(s, "PRAGMA journal_mode = WAL", "cannot enable WAL", err) != 0 ||
        exec_sql(s, "PRAGMA synchronous = FULL", "cannot set synchronous", err) != 0)
        goto out;
    if (migrate(s, err) != 0)
        goto out;
    for (size_t i = 0; i < STORE_STMT_COUNT; i++) {
        if (sqlite3_prepare_v3(s->db, store_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                               NULL) != SQLITE_OK) {
            store_sqlite_err(s, err, "cannot prepare a statement");
            sbx_err_prefix(err, "statement %zu", i);
            goto out;
        }
    }
    *out = s;
    s = NULL;
    rc = 0;
    goto out;
nomem:
    sbx_err_set(err, SBX_E_NOMEM, "out of memory");
out:
    store_close(s);
    return rc;
}

void
store_close(struct store *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < STORE_STMT_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    if (s->db != NULL)
        sqlite3_close(s->db);
    free(s->path);
    free(s);
}

const char *
store_path(const struct store *s)
{
    return s->path;
}

int
store_schema_version(struct store *s)
{
    struct sbx_err err = { 0 };
    int v = -1;

    if (read_user_version(s, &v, &err) != 0)
        return -1;
    return v;
}

int
store_begin(struct store *s, struct sbx_err *err)
{
    if (s->tx_depth == 0 && exec_sql(s, "BEGIN IMMEDIATE", "cannot start a transaction", err) != 0)
        return -1;
    s->tx_depth++;
    return 0;
}

int
store_commit(struct store *s, struct sbx_err *err)
{
    if (s->tx_depth == 0)
        return 0;
    if (s->tx_depth == 1 && exec_sql(s, "COMMIT", "cannot commit", err) != 0) {
        store_rollback(s);
        return -1;
    }
    s->tx_depth--;
    return 0;
}

void
store_rollback(struct store *s)
{
    if (s == NULL || s->tx_depth == 0)
        return;
    s->tx_depth = 0;
    if (sqlite3_get_autocommit(s->db) == 0)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}
