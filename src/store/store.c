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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store_int.h"
#include "util/grow.h"

#define STORE_BUSY_TIMEOUT_MS 10000

static int write_gate(struct store *s, struct sbx_err *err);

const char *
store_error_text(int rc, int sys_errno, const char *sqlite_msg, char *buf, size_t n)
{
    int primary = rc & 0xff;

    if (sqlite_msg == NULL)
        sqlite_msg = sqlite3_errstr(rc);
    /* SQLite reports a full disk as SQLITE_FULL ("database or disk is full") on most paths
     * and as a plain SQLITE_IOERR ("disk I/O error") on some (a failed fsync, a -shm page),
     * where only the OS error tells. Say what the operator must fix. */
    if (primary == SQLITE_FULL || (primary == SQLITE_IOERR && sys_errno == ENOSPC))
        snprintf(buf, n, "no space left on device");
    else if (primary == SQLITE_IOERR && sys_errno == EDQUOT)
        snprintf(buf, n, "disk quota exceeded");
    else if ((primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN) && sys_errno != 0)
        snprintf(buf, n, "%s (%s)", sqlite_msg, strerror(sys_errno));
    else
        snprintf(buf, n, "%s", sqlite_msg);
    return buf;
}

/* The text for the connection's last error (see store_error_text). */
static const char *
last_error_text(struct store *s, const char *msg, char *buf, size_t n)
{
    if (s->db == NULL) {
        snprintf(buf, n, "not open");
        return buf;
    }
    return store_error_text(sqlite3_extended_errcode(s->db), sqlite3_system_errno(s->db),
                            msg != NULL ? msg : sqlite3_errmsg(s->db), buf, n);
}

void
store_sqlite_err(struct store *s, struct sbx_err *err, const char *what)
{
    char text[256];

    sbx_err_set(err, SBX_E_STORE, "store '%s': %s: %s", s->path != NULL ? s->path : "?", what,
                last_error_text(s, NULL, text, sizeof(text)));
}

struct store_binder
store_stmt(struct store *s, enum store_stmt id, struct sbx_err *err)
{
    struct store_binder b = { s, s->st[id], err, 0 };

    sqlite3_reset(b.st);
    sqlite3_clear_bindings(b.st);
    return b;
}

static int
param_index(struct store_binder *b, const char *name)
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
bind_check(struct store_binder *b, int rc, const char *name)
{
    if (rc != SQLITE_OK && b->rc == 0) {
        sbx_err_set(b->err, SBX_E_STORE, "store: cannot bind '%s': %s", name, sqlite3_errstr(rc));
        b->rc = -1;
    }
}

void
store_bind_null(struct store_binder *b, const char *name)
{
    int i = param_index(b, name);

    if (i != 0)
        bind_check(b, sqlite3_bind_null(b->st, i), name);
}

void
store_bind_text(struct store_binder *b, const char *name, const char *v)
{
    int i;

    if (v == NULL) {
        store_bind_null(b, name);
        return;
    }
    i = param_index(b, name);
    if (i != 0)
        bind_check(b, sqlite3_bind_text(b->st, i, v, -1, SQLITE_TRANSIENT), name);
}

void
store_bind_int(struct store_binder *b, const char *name, int64_t v)
{
    int i = param_index(b, name);

    if (i != 0)
        bind_check(b, sqlite3_bind_int64(b->st, i, v), name);
}

void
store_bind_int_or_null(struct store_binder *b, const char *name, int64_t v)
{
    if (v == 0)
        store_bind_null(b, name);
    else
        store_bind_int(b, name, v);
}

void
store_bind_limit(struct store_binder *b, int64_t limit)
{
    store_bind_int(b, ":limit", limit > 0 ? limit : -1);
}

void
store_bind_double(struct store_binder *b, const char *name, double v)
{
    int i = param_index(b, name);

    if (i != 0)
        bind_check(b, sqlite3_bind_double(b->st, i, v), name);
}

int
store_step(struct store_binder *b)
{
    int rc;

    if (b->rc != 0) {
        sqlite3_reset(b->st);
        return -1;
    }
    /* A write outside a transaction (inside one, store_begin passed the gate). */
    if (b->s->tx_depth == 0 && !sqlite3_stmt_readonly(b->st) && write_gate(b->s, b->err) != 0) {
        sqlite3_reset(b->st);
        b->rc = -1;
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
store_exec_stmt(struct store_binder *b)
{
    int rc = store_step(b);

    sqlite3_reset(b->st);
    if (rc < 0)
        return -1;
    return 0;
}

void
store_done(struct store_binder *b)
{
    sqlite3_reset(b->st);
}

int
store_each_text_int(struct store_binder *b, int (*cb)(void *arg, const char *text, int64_t n),
                    void *arg)
{
    int rc;

    while ((rc = store_step(b)) == 1) {
        rc = cb(arg, store_col_text(b->st, 0), sqlite3_column_int64(b->st, 1));
        if (rc != 0)
            break;
    }
    store_done(b);
    return rc;
}

int
store_exec_changes(struct store_binder *b, int *changed)
{
    *changed = 0;
    if (store_exec_stmt(b) != 0)
        return -1;
    *changed = sqlite3_changes(b->s->db);
    return 0;
}

int
store_reserve(void **arr, size_t *cap, size_t len, size_t size, struct sbx_err *err)
{
    void *grown = grow_array(*arr, len, cap, size);

    if (grown == NULL)
        return sbx_err_nomem(err);
    *arr = grown;
    return 0;
}

void
store_rows_free(void *rows, size_t n, size_t size, const struct store_text_col *texts)
{
    if (rows == NULL)
        return;
    for (size_t i = 0; texts != NULL && i < n; i++)
        store_free_texts((char *)rows + i * size, texts);
    free(rows);
}

int
store_collect(struct store_binder *b, size_t size, store_read_fn read,
              const struct store_text_col *texts, void **out, size_t *n)
{
    char *v = NULL;
    size_t len = 0, cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    while ((rc = store_step(b)) == 1) {
        if (store_reserve((void **)&v, &cap, len, size, b->err) != 0 ||
            read(b->st, v + len * size, b->err) != 0) {
            rc = -1;
            break;
        }
        len++;
    }
    store_done(b);
    if (rc < 0) {
        store_rows_free(v, len, size, texts);
        return -1;
    }
    *out = v;
    *n = len;
    return 0;
}

int
store_read_int64(sqlite3_stmt *st, void *row, struct sbx_err *err)
{
    (void)err;
    *(int64_t *)row = sqlite3_column_int64(st, 0);
    return 0;
}

int
store_collect_int64(struct store_binder *b, int64_t **out, size_t *n)
{
    return store_collect(b, sizeof(**out), store_read_int64, NULL, (void **)out, n);
}

const struct store_text_col store_first_text[] = { { 0, 0 }, { -1, 0 } };

static char **
text_member(void *row, const struct store_text_col *t)
{
    return (char **)((char *)row + t->off);
}

int
store_read_texts(sqlite3_stmt *st, void *row, const struct store_text_col *t, struct sbx_err *err)
{
    bool oom = false;

    for (const struct store_text_col *i = t; i->col >= 0; i++) {
        char *copy = NULL;

        if (sqlite3_column_type(st, i->col) != SQLITE_NULL) {
            copy = strdup(store_col_text(st, i->col));
            oom = oom || copy == NULL;
        }
        *text_member(row, i) = copy;
    }
    if (!oom)
        return 0;
    store_free_texts(row, t);
    return sbx_err_nomem(err);
}

void
store_free_texts(void *row, const struct store_text_col *t)
{
    for (; row != NULL && t->col >= 0; t++) {
        free(*text_member(row, t));
        *text_member(row, t) = NULL;
    }
}

void
store_row_release(void *row, size_t size, const struct store_text_col *t)
{
    if (row == NULL)
        return;
    store_free_texts(row, t);
    memset(row, 0, size);
}

const char *
store_col_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);

    return t != NULL ? (const char *)t : "";
}

int
store_get_row(struct store_binder *b, store_read_fn read, void *row, bool *found)
{
    int rc = store_step(b);

    if (rc == 1 && read != NULL && read(b->st, row, b->err) != 0)
        rc = -1;
    if (found != NULL)
        *found = rc == 1;
    store_done(b);
    return rc < 0 ? -1 : 0;
}

int
store_read_text(sqlite3_stmt *st, void *row, struct sbx_err *err)
{
    return store_read_texts(st, row, store_first_text, err);
}

int
store_get_text(struct store *s, enum store_stmt stmt, const char *param, const char *arg,
               char **value, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, stmt, err);

    *value = NULL;
    store_bind_text(&b, param, arg);
    return store_get_row(&b, store_read_text, value, NULL);
}

int
store_put_text(struct store *s, enum store_stmt stmt, const char *param1, const char *arg1,
               const char *param2, const char *arg2, struct sbx_err *err)
{
    struct store_binder b = store_stmt(s, stmt, err);

    store_bind_text(&b, param1, arg1);
    store_bind_text(&b, param2, arg2);
    return store_exec_stmt(&b);
}

int
store_get_int(struct store_binder *b, int64_t *value)
{
    bool found;

    if (store_get_row(b, store_read_int64, value, &found) != 0)
        return -1;
    return found ? 0 : -1;
}

int64_t
store_ev_time(const struct store_audit_ev *ev)
{
    return ev != NULL ? ev->ts : 0;
}

static int
exec_sql(struct store *s, const char *sql, const char *what, struct sbx_err *err)
{
    char *msg = NULL, text[256];

    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        sbx_err_set(err, SBX_E_STORE, "store '%s': %s: %s", s->path, what,
                    last_error_text(s, msg, text, sizeof(text)));
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
        if (write_gate(s, err) != 0 ||
            exec_sql(s, "BEGIN IMMEDIATE", "cannot start a migration", err) != 0)
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

/*
 * Whoever can write to the store's directory can replace the store or plant its -wal and -shm
 * files (SQLite follows a symlink there). Sticky /tmp is no exception: the sticky bit stops
 * others from removing our files, not from creating ours first.
 */
void
store_dir_of(const char *path, char *dir, size_t n)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        snprintf(dir, n, ".");
    else if (slash == path)
        snprintf(dir, n, "/");
    else
        snprintf(dir, n, "%.*s", (int)(slash - path), path);
}

int
store_check_dir(const char *path, struct sbx_err *err)
{
    char dir[4096];
    struct stat st;

    store_dir_of(path, dir, sizeof(dir));
    if (stat(dir, &st) != 0) {
        sbx_err_set(err, SBX_E_STORE, "store '%s': cannot use directory '%s': %s", path, dir,
                    strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        sbx_err_set(err, SBX_E_STORE, "store '%s': '%s' is not a directory", path, dir);
        return -1;
    }
    if (st.st_uid != geteuid() && st.st_uid != 0) {
        sbx_err_set(err, SBX_E_STORE,
                    "store '%s': directory '%s' is owned by uid %lu, not by this user or root; "
                    "its owner could replace the store",
                    path, dir, (unsigned long)st.st_uid);
        return -1;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        sbx_err_set(err, SBX_E_STORE,
                    "store '%s': directory '%s' is writable by %s (mode %04o): anyone who can "
                    "write there can plant the store's -wal and -shm files; run "
                    "'chmod go-w %s' or move the store",
                    path, dir, (st.st_mode & S_IWOTH) ? "others" : "its group",
                    (unsigned)(st.st_mode & 07777), dir);
        return -1;
    }
    return 0;
}

/* The store file and its -wal and -shm companions, where they exist, are regular files. Sets
 * *missing and *empty for the store file itself. */
static int
check_files(const char *path, bool *missing, bool *empty, struct sbx_err *err)
{
    static const char *const suffixes[] = { "", "-wal", "-shm" };
    char name[4200];
    struct stat st;

    *missing = false;
    *empty = false;
    for (size_t i = 0; i < SBX_ARRAY_LEN(suffixes); i++) {
        snprintf(name, sizeof(name), "%s%s", path, suffixes[i]);
        if (lstat(name, &st) != 0) {
            if (errno != ENOENT) {
                sbx_err_set(err, SBX_E_STORE, "store '%s': cannot use '%s': %s", path, name,
                            strerror(errno));
                return -1;
            }
            if (i == 0)
                *missing = true;
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            sbx_err_set(err, SBX_E_STORE, "store '%s': '%s' is %s, not a regular file", path, name,
                        S_ISLNK(st.st_mode) ? "a symbolic link" : "of another type");
            return -1;
        }
        if (i == 0 && st.st_size == 0)
            *empty = true;
    }
    return 0;
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
store_quick_check(sqlite3 *db, bool *ok, char *why, size_t why_size)
{
    sqlite3_stmt *st = NULL;
    size_t used = 0;
    int rc, primary;

    *ok = true;
    if (why_size > 0)
        why[0] = '\0';
    /* At most 10 findings: one is enough to refuse, a few help whoever repairs it. */
    rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(10)", -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);

        if (line == NULL || strcmp(line, "ok") == 0)
            continue;
        *ok = false;
        if (used < why_size) {
            int n = snprintf(why + used, why_size - used, "%s%s", used > 0 ? "; " : "", line);

            used += n > 0 ? (size_t)n : 0;
        }
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return SQLITE_OK;
    primary = sqlite3_extended_errcode(db) & 0xff;
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
        *ok = false;
        snprintf(why, why_size, "%s", sqlite3_errmsg(db));
        return SQLITE_OK;
    }
    return rc;
}

int
store_check_integrity(struct store *s, bool *ok, char *why, size_t why_size, struct sbx_err *err)
{
    if (store_quick_check(s->db, ok, why, why_size) != SQLITE_OK) {
        store_sqlite_err(s, err, "cannot check integrity");
        return -1;
    }
    return 0;
}

/* STORE_CHECK: the first write of the connection waits for the integrity check; a damaged
 * store refuses that write and every later one. */
static int
write_gate(struct store *s, struct sbx_err *err)
{
    char why[200]; /* the first findings; the message must keep its advice */
    bool ok;

    if (!s->check_pending)
        return 0;
    if (store_check_integrity(s, &ok, why, sizeof(why), err) != 0)
        return -1;
    if (!ok) {
        sbx_err_set(err, SBX_E_STORE,
                    "store '%s' is damaged (malformed: %s); refusing to write to it: restore "
                    "a backup (sandboxctl backup) or rebuild it",
                    s->path, why);
        return -1;
    }
    s->check_pending = false;
    return 0;
}

/* Without STORE_CREATE: a store whose schema is missing, or that `init` never completed (it
 * records the organization), is not one to work on. */
static int
refuse_uninitialised(struct store *s, int version, struct sbx_err *err)
{
    sqlite3_stmt *st = NULL;
    bool have_org = false;

    if (version > 0 &&
        sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'org_id' AND value <> ''", -1,
                           &st, NULL) == SQLITE_OK) {
        int rc = sqlite3_step(st);

        have_org = rc == SQLITE_ROW;
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            store_sqlite_err(s, err, "cannot read the store's metadata");
            sqlite3_finalize(st);
            return -1;
        }
    } else if (version > 0) {
        store_sqlite_err(s, err, "cannot read the store's metadata");
        return -1;
    }
    sqlite3_finalize(st);
    if (!have_org) {
        sbx_err_set(err, SBX_E_STORE,
                    "store '%s' is not initialised (%s); run 'sandboxctl init' or fix the store "
                    "path",
                    s->path,
                    version == 0 ? "it has no schema" : "'sandboxctl init' never completed");
        return -1;
    }
    return 0;
}

int
store_open(const char *path, unsigned flags, struct store **out, struct sbx_err *err)
{
    struct store *s = NULL;
    bool create = (flags & STORE_CREATE) != 0, missing, empty;
    int rc = -1, on = 0, version = 0;

    *out = NULL;
    if (path == NULL || *path == '\0') {
        sbx_err_set(err, SBX_E_STORE, "no store path configured");
        return -1;
    }
    if (store_check_dir(path, err) != 0 || check_files(path, &missing, &empty, err) != 0)
        return -1;
    if (!create && missing) {
        sbx_err_set(err, SBX_E_STORE,
                    "store '%s' does not exist; 'sandboxctl init' creates it (or fix the store "
                    "path in the configuration)",
                    path);
        return -1;
    }
    if (!create && empty) {
        sbx_err_set(err, SBX_E_STORE,
                    "store '%s' is empty, not a sandboxctl store; 'sandboxctl init' creates one "
                    "(or restore a backup)",
                    path);
        return -1;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        goto nomem;
    s->path = strdup(path);
    if (s->path == NULL)
        goto nomem;
    if (create && create_private(path, err) != 0)
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
    if (exec_sql(s, "PRAGMA foreign_keys = ON", "cannot enable foreign keys", err) != 0)
        goto out;
    s->check_pending = (flags & STORE_CHECK) != 0;
    /* An uninitialised store is refused before any migration touches it. */
    if (!create && (read_user_version(s, &version, err) != 0 ||
                    (version <= store_schema_latest && refuse_uninitialised(s, version, err) != 0)))
        goto out;
    if (exec_sql(s, "PRAGMA journal_mode = WAL", "cannot enable WAL", err) != 0 ||
        exec_sql(s, "PRAGMA synchronous = FULL", "cannot set synchronous", err) != 0)
        goto out;
    if (migrate(s, err) != 0)
        goto out;
    if (!create && refuse_uninitialised(s, store_schema_latest, err) != 0)
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
    sbx_err_nomem(err);
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
    if (s->tx_depth == 0 &&
        (write_gate(s, err) != 0 ||
         exec_sql(s, "BEGIN IMMEDIATE", "cannot start a transaction", err) != 0))
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
