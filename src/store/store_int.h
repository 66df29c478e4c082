/*
 * store_int.h -- private to src/store/: the statement table, the struct behind struct store,
 * and what every store_*.c file uses: the bind-by-name helpers and the row readers (one row:
 * store_get_row; every row into a heap array: store_collect).
 */
#ifndef SBX_STORE_INT_H
#define SBX_STORE_INT_H

#include <sqlite3.h>

#include "store/store.h"

enum store_stmt {
    STORE_META_GET = 0,
    STORE_META_SET,
    STORE_ACCOUNT_INSERT,
    STORE_ACCOUNT_GET,
    STORE_ACCOUNT_BY_ACCOUNT_ID,
    STORE_ACCOUNT_BY_EMAIL,
    STORE_ACCOUNT_BY_NAME,
    STORE_ACCOUNT_UPDATE,
    STORE_ACCOUNT_CLAIM,
    STORE_ACCOUNT_UNCLAIM,
    STORE_ACCOUNT_LIST,
    STORE_ACCOUNT_LIST_BRIEF,
    STORE_ACCOUNT_LIST_BRIEF_ALL,
    STORE_ACCOUNT_LIST_BRIEF_OPEN,
    STORE_ACCOUNT_LIST_MIN,
    STORE_ACCOUNT_LIST_MIN_ALL,
    STORE_ACCOUNT_LIST_MIN_OPEN,
    STORE_ACCOUNT_LIST_BY_OWNER,
    STORE_ACCOUNT_LIST_BY_CLASS,
    STORE_ACCOUNT_COUNT,
    STORE_ACCOUNT_NEXT_DUE,
    STORE_ACCOUNT_DUE,
    STORE_ACCOUNT_IN_STATE,
    STORE_ACCOUNT_UNPARKED,
    STORE_ACCOUNT_UNPARK_ALL,
    STORE_ACCOUNT_ALIVE_FOR_OWNER,
    STORE_ACCOUNT_COUNT_UNASSIGNED,
    STORE_ALIAS_GET,
    STORE_ALIAS_INSERT,
    STORE_OU_GET,
    STORE_OU_PUT,
    STORE_LEDGER_ADD,
    STORE_LEDGER_REMOVE,
    STORE_LEDGER_SINCE,
    STORE_HOOK_RUN_START,
    STORE_HOOK_RUN_FINISH,
    STORE_HOOK_RUN_LIST,
    STORE_HOOK_EVENT_ADD,
    STORE_HOOK_EVENT_DUE,
    STORE_HOOK_EVENT_NEXT_DUE,
    STORE_HOOK_EVENT_DELIVERED,
    STORE_HOOK_EVENT_FAILED,
    STORE_HOOK_EVENT_LIST,
    STORE_CLASS_INSERT,
    STORE_CLASS_GET,
    STORE_CLASS_UPDATE,
    STORE_CLASS_LIST,
    STORE_AUDIT_HEAD,
    STORE_AUDIT_INSERT,
    STORE_AUDIT_LIST,
    STORE_AUDIT_LIST_ACCOUNT,
    STORE_AUDIT_ALL,
    STORE_METRICS_STATE_KIND,
    STORE_METRICS_HOOK_FAILURES,
    STORE_SPEND_PUT,
    STORE_SPEND_SUM,
    STORE_SPEND_BY_ACCOUNT,
    STORE_BUDGET_GET,
    STORE_BUDGET_PUT,
    STORE_BUDGET_SET_LIMIT,
    STORE_BUDGET_ANY_LIMIT,
    STORE_BUDGET_ALL,
    STORE_AWS_BUDGET_ALL,
    STORE_AWS_BUDGET_GET,
    STORE_AWS_BUDGET_WANT,
    STORE_AWS_BUDGET_SYNCED,
    STORE_AWS_BUDGET_FAILED,
    STORE_AWS_BUDGET_DROP,
    STORE_AWS_BUDGET_PENDING,
    STORE_AWS_BUDGET_ANY,
    STORE_AWS_BUDGET_MARKED,
    STORE_AWS_BUDGET_ANY_MARKED,
    STORE_AWS_BUDGET_UNMARK,
    STORE_SPEND_REPORT,
    STORE_METRICS_HOOK_EVENTS_QUEUED,
    STORE_ASSIGNMENT_INSERT,
    STORE_ASSIGNMENT_UPDATE,
    STORE_ASSIGNMENT_LIST,
    STORE_ASSIGNMENT_REVOKE_ALL,
    STORE_ASSIGNMENT_DUE_ACCOUNTS,
    STORE_ASSIGNMENT_NEXT_DUE,
    STORE_ASSIGNMENT_REGRANT_ALL,
    STORE_CLASS_GROUP_INSERT,
    STORE_CLASS_GROUP_LIST,
    STORE_STMT_COUNT
};

extern const char *const store_sql[STORE_STMT_COUNT];
extern const char *const store_migrations[];
extern const size_t store_nmigrations;

struct store {
    sqlite3 *db;
    sqlite3_stmt *st[STORE_STMT_COUNT];
    char *path;
    int tx_depth;
    bool check_pending; /* STORE_CHECK: the integrity check still stands before the next write */
};

/*
 * A binder collects the first failure of a series of bind calls, so a caller binds every
 * parameter and checks once. Binding a name the statement does not have is an error (a typo
 * in a parameter name must not silently leave it NULL).
 */
struct store_binder {
    struct store *s;
    sqlite3_stmt *st;
    struct sbx_err *err;
    int rc;
};

/* Resets statement id (clearing old bindings) and returns a binder for it. */
struct store_binder store_stmt(struct store *s, enum store_stmt id, struct sbx_err *err);
void store_bind_text(struct store_binder *b, const char *name, const char *v); /* NULL binds NULL */
void store_bind_int(struct store_binder *b, const char *name, int64_t v);
void store_bind_int_or_null(struct store_binder *b, const char *name, int64_t v); /* 0 binds NULL */
/* Binds :limit, a LIMIT clause's count: limit, or none (-1 to SQLite) when it is 0 or less. */
void store_bind_limit(struct store_binder *b, int64_t limit);
void store_bind_double(struct store_binder *b, const char *name, double v);
void store_bind_null(struct store_binder *b, const char *name);
/* Binds a filter's account scope (:id, :owner, :kind, :class_id, :class_name; NULL f = all). */
void store_bind_scope(struct store_binder *b, const struct store_filter *f);
/* Steps once: 1 = a row is ready, 0 = done, -1 = error (err set, statement reset). */
int store_step(struct store_binder *b);
/* Steps to completion expecting no row; resets. 0 or -1. */
int store_exec_stmt(struct store_binder *b);
/* Resets the statement (call after reading rows). */
void store_done(struct store_binder *b);
/* Steps through rows of (text, integer), calling cb for each until it returns non-zero (that
 * value is returned; -1 on a store error), then store_done. */
int store_each_text_int(struct store_binder *b, int (*cb)(void *arg, const char *text, int64_t n),
                        void *arg);
/*
 * The text for a failed SQLite call with (extended) result code rc, OS error sys_errno
 * (sqlite3_system_errno, 0 = none) and SQLite's message (NULL: the code's generic text):
 * "no space left on device" for SQLITE_FULL and for an I/O error caused by ENOSPC (SQLite's
 * own text there is "disk I/O error"), "disk quota exceeded" for EDQUOT, SQLite's message
 * with the OS error's text for other I/O and open errors, else SQLite's message. Written to
 * buf (n bytes); returns buf.
 */
const char *store_error_text(int rc, int sys_errno, const char *sqlite_msg, char *buf, size_t n);
/*
 * The directory that holds path (a store or a backup) is writable by its owner only, and that
 * owner is this user or root; else SBX_E_STORE naming the directory and why.
 */
int store_check_dir(const char *path, struct sbx_err *err);
/*
 * PRAGMA quick_check on db (see store_check_integrity): SQLITE_OK with the verdict in *ok and
 * why, or SQLite's error code when the check could not run (the connection's error says
 * why).
 */
int store_quick_check(sqlite3 *db, bool *ok, char *why, size_t why_size);
/* Fills err from the connection's last error (as store_error_text words it), prefixed by
 * what. */
void store_sqlite_err(struct store *s, struct sbx_err *err, const char *what);
/* Runs one-parameter statement stmt with param bound to arg and copies the first column of
 * its row into *value (a heap string, NULL when there is no row). */
int store_get_text(struct store *s, enum store_stmt stmt, const char *param, const char *arg,
                   char **value, struct sbx_err *err);
/* Runs two-parameter statement stmt with param1 bound to arg1 and param2 to arg2 (a key and
 * its value: store_get_text's counterpart). 0 or -1. */
int store_put_text(struct store *s, enum store_stmt stmt, const char *param1, const char *arg1,
                   const char *param2, const char *arg2, struct sbx_err *err);
/* Steps b's statement once and reads the first column of its row as an integer into *value
 * (a row must come: none is an error left to the caller's SQL, -1 without err). Resets. */
int store_get_int(struct store_binder *b, int64_t *value);
/* The time of a write: ev's (the caller's clock; the store never reads the time), 0 without
 * one. */
int64_t store_ev_time(const struct store_audit_ev *ev);
/* Ends the transaction a write began with store_begin: when rc is 0 (the write succeeded),
 * appends ev for account a (may be NULL) if ev names an event and commits; on any failure,
 * rc != 0 included, rolls back. 0, or -1 with err set. */
int store_finish(struct store *s, int rc, const struct store_account *a,
                 const struct store_audit_ev *ev, struct sbx_err *err);
/* The directory that holds path (".", "/" or path up to its last '/') into dir (size n). */
void store_dir_of(const char *path, char *dir, size_t n);
/* store_exec_stmt, then how many rows the statement changed into *changed (0 on an error).
 * 0 or -1. */
int store_exec_changes(struct store_binder *b, int *changed);
/* Reads the current row of st into row (an element the caller's size): 0, or -1 with err set
 * and nothing of the row left to release. */
typedef int (*store_read_fn)(sqlite3_stmt *st, void *row, struct sbx_err *err);
/* A heap text column of a row struct: the column it is read from and the char * member it
 * is copied into. A row struct's table of them, ended by { -1, 0 }, is the one list of the
 * text it owns: read with store_read_texts, freed with store_free_texts. */
struct store_text_col {
    int col;    /* column index in the statement's result; -1 ends the table */
    size_t off; /* offsetof(struct ..., member) */
};
/* The table of a row that is one char *: the first column. */
extern const struct store_text_col store_first_text[];
/* Copies the text columns of t from the current row of st into row's members (NULL stays
 * NULL). 0, or when a copy fails -1 with err SBX_E_NOMEM and row's members of t NULL. */
int store_read_texts(sqlite3_stmt *st, void *row, const struct store_text_col *t,
                     struct sbx_err *err);
/* Frees row's members of t and sets them to NULL; a NULL row is nothing to free. */
void store_free_texts(void *row, const struct store_text_col *t);
/* store_free_texts, then zeroes the size bytes of row (the public store_X_release). */
void store_row_release(void *row, size_t size, const struct store_text_col *t);
/* Every row of b, each read by read into the next element (size bytes) of a heap array, into
 * *out and *n (free with store_rows_free). texts: the heap text one read row owns (NULL:
 * none); on an error the rows read so far are freed. 0 or -1. */
int store_collect(struct store_binder *b, size_t size, store_read_fn read,
                  const struct store_text_col *texts, void **out, size_t *n);
/* Steps b once; when a row comes, read (NULL: none) reads it into row and *found (may be
 * NULL) is set. Resets. 0, or -1 on an error (err set). */
int store_get_row(struct store_binder *b, store_read_fn read, void *row, bool *found);
/* store_read_fns of the first column: as an int64_t, as a heap string (char *, NULL for
 * NULL). */
int store_read_int64(sqlite3_stmt *st, void *row, struct sbx_err *err);
int store_read_text(sqlite3_stmt *st, void *row, struct sbx_err *err);
/* store_collect of the first column of every row as an integer. */
int store_collect_int64(struct store_binder *b, int64_t **out, size_t *n);
/* Frees the texts (NULL: none) of each of the n elements (size bytes) of rows and the
 * array; NULL rows is nothing to free. */
void store_rows_free(void *rows, size_t n, size_t size, const struct store_text_col *texts);
/* grow_array (util/grow.h) for *arr of len elements of size bytes, *cap of room: room for one
 * more; -1 with err (SBX_E_NOMEM) when out of memory (*arr and *cap kept). */
int store_reserve(void **arr, size_t *cap, size_t len, size_t size, struct sbx_err *err);
/* Text column or "" (borrowed until the next step/reset). */
const char *store_col_text(sqlite3_stmt *st, int col);

#endif
