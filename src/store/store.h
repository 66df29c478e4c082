/*
 * store.h -- the SQLite state store: accounts, classes, hook runs, the close ledger and the
 * hash-chained audit log.
 *
 * Opening sets WAL, a busy timeout, foreign keys and SQLITE_DBCONFIG_DEFENSIVE, creates the
 * file 0600 (only when asked: STORE_CREATE), applies each missing append-only migration in its
 * own transaction, and refuses a schema newer than this binary knows.
 *
 * Files, one per table: store.c (opening, transactions, integrity, binders, row readers),
 * store_account.c (account, alias), store_audit.c, store_meta.c, store_ou.c, store_class.c,
 * store_hook_run.c, store_hook_event.c (the hook event outbox), store_ledger.c, store_access.c
 * (Identity Center assignments), store_spend.c (spend, budgets), store_backup.c (online
 * backup) and store_sql.c (every SQL string).
 *
 * Concurrency: several sandboxctl processes may use one store at once (cron overlap, a manual
 * `offboard` beside `run --watch`). Every write transaction is BEGIN IMMEDIATE (so a reader
 * never has to upgrade its lock, which SQLite's busy handler cannot retry), and account rows
 * carry a version number: store_account_update() is a compare-and-set on (id, state, version),
 * so a writer that read a stale row loses with SBX_E_CONFLICT instead of overwriting. Claims
 * (claim_by, claim_until) mark the process working on an account's side effects.
 *
 * Strings in the structs below are heap copies owned by the struct (released with the
 * matching _release function); pointers returned nowhere else stay valid after a call.
 */
#ifndef SBX_STORE_H
#define SBX_STORE_H

#include <stdint.h>

#include "engine/engine_state.h"
#include "sbx.h"

struct store;

/* The highest schema version this binary knows (store_migrations has this many entries). */
extern const int store_schema_latest;

/* What store_open may do beyond opening an initialised store. */
enum store_open_flags {
    /* Create the store when the file is missing or empty (only `init` does: a typo in the
     * store path must not become a fresh store). Without it, a missing, empty or foreign file,
     * or a store `init` never completed (no organization recorded), is refused. */
    STORE_CREATE = 1 << 0,
    /* Run PRAGMA quick_check before the connection's first write (a migration, a transaction,
     * a single write statement) and refuse that write, and every later one, when the store
     * fails it. A pass that writes nothing (an idle `run`) pays nothing; one that writes pays
     * the check once. Commands that write pass it; read-only ones see SQLite's own errors. */
    STORE_CHECK = 1 << 1,
};

/*
 * Opens the store at path as flags say. Always refused (SBX_E_STORE, the path named): a
 * directory writable by its group or others or owned by another user (root excepted), since
 * whoever can write there can plant the -wal and -shm files; a store file, -wal or -shm that
 * is not a regular file. *out is owned by the caller (store_close).
 */
int store_open(const char *path, unsigned flags, struct store **out,
               struct sbx_err *err) SBX_NODISCARD;
void store_close(struct store *s);
/* The path the store was opened with (borrowed). */
const char *store_path(const struct store *s);
/* The schema version (PRAGMA user_version) of the open store. */
int store_schema_version(struct store *s);

/*
 * Runs PRAGMA quick_check (every page and row readable and well formed; indexes are not
 * matched against their tables, which integrity_check would add at several times the cost).
 * *ok says whether it passed; when not, why holds SQLite's first findings (or its "database
 * disk image is malformed" when the check itself hits the damage). Returns -1 only when the
 * check could not run for another reason (busy, I/O error: err set).
 */
int store_check_integrity(struct store *s, bool *ok, char *why, size_t why_size,
                          struct sbx_err *err) SBX_NODISCARD;

/*
 * Copies the whole store to path with SQLite's online backup: one consistent snapshot, even
 * while other processes write. The copy is written to a temporary file beside path (created
 * 0600), checked with PRAGMA quick_check, flushed to disk and renamed into place; an existing
 * path is replaced only when overwrite is set (else SBX_E_CONFLICT). *pages receives the
 * number of pages copied.
 */
int store_backup(struct store *s, const char *path, bool overwrite, int64_t *pages,
                 struct sbx_err *err) SBX_NODISCARD;

/*
 * Transactions nest: the outermost store_begin() issues BEGIN IMMEDIATE and the matching
 * store_commit() COMMITs; inner pairs only count. store_rollback() rolls the whole transaction
 * back (whatever the depth) and is safe to call when none is open.
 */
int store_begin(struct store *s, struct sbx_err *err) SBX_NODISCARD;
int store_commit(struct store *s, struct sbx_err *err) SBX_NODISCARD;
void store_rollback(struct store *s);

/* --- accounts ------------------------------------------------------------------------- */

struct store_account {
    int64_t id;          /* local id (primary key) */
    char account_id[13]; /* AWS account id, "" until known */
    char *email;         /* root email alias (unique forever) */
    char *name;          /* account name (unique forever) */
    char *kind;
    char *owner;             /* owner's email address, lower case */
    int64_t class_id;        /* 0 = not in a class */
    char *class_name;        /* read-only (joined); NULL = not in a class */
    int64_t seat;            /* 0 = none */
    enum engine_state state; /* see engine/engine_state.h; text in SQLite, converted here */
    char *reason;            /* why it is closing: expired, offboarded, manual, ... ("" none) */
    char *request_id;        /* CreateAccount request id, NULL until known */
    int64_t ttl;             /* requested lifetime in seconds, 0 = none */
    int64_t expires_at;      /* epoch seconds, 0 = never */
    int64_t created_at;
    int64_t updated_at;
    int64_t due_at;             /* when the engine next has work for this row; 0 = none */
    int64_t attempts;           /* failed attempts of the current step (hooks, create) */
    int64_t warned_min;         /* smallest expiry-warning offset already fired; 0 = none */
    int64_t priority;           /* close-queue priority: higher closes first */
    int64_t active_at;          /* when it became active, 0 = not yet */
    int64_t close_requested_at; /* CloseAccount intent time, 0 = none */
    int64_t closed_at;          /* when AWS reported it closed, 0 = not yet */
    bool adopted;               /* brought under management by `adopt` */
    bool submitted;             /* CreateAccount may have been sent (intent recorded) */
    bool close_sent;            /* CloseAccount answered success (or the account is closing) */
    bool post_close_pending;    /* post-close hooks still to run */
    bool close_pending;         /* asked to close while still being created */
    bool parked;                /* in organization.close_wait_ou while it waits (close_wait) */
    char *last_error;           /* "" = none */
    int64_t version;            /* bumped by every write; the compare-and-set token */
    char *claim_by;             /* NULL = unclaimed */
    double claim_until;         /* wall-clock seconds */
};

/* Frees the strings of a and zeroes it. Accepts a zeroed struct. */
void store_account_release(struct store_account *a);
void store_accounts_free(struct store_account *a, size_t n);
/* Replaces *field with a copy of v (NULL allowed). Returns -1 (err SBX_E_NOMEM) on failure. */
int store_set_str(char **field, const char *v, struct sbx_err *err) SBX_NODISCARD;

/*
 * What an audit event records beyond the account it is about. Strings are borrowed. Every
 * write function takes one: ts is the write's time (the store never reads the clock itself,
 * since the engine may follow a simulator's clock); event NULL means "write, but no audit
 * event" (e.g. rescheduling a poll).
 */
struct store_audit_ev {
    int64_t ts;             /* epoch seconds */
    const char *actor;      /* who: "engine (host:pid)", "alice (offboard)", ... */
    const char *event;      /* "requested", "transition", "close_refused", ... */
    const char *from_state; /* NULL when not a transition */
    const char *to_state;   /* NULL when not a transition */
    const char *detail;     /* a JSON object as text; NULL = "{}" */
};

/*
 * Inserts a new account row and reserves its email and name forever, with one audit event,
 * in one transaction. If max_alive > 0, refuses (SBX_E_INVALID) when the owner already has
 * max_alive accounts of the same kind that are not failed, closing or closed. A taken alias
 * (email or name reserved by any row, ever) fails with SBX_E_CONFLICT so the caller can try
 * the next one. On success a->id, a->version and a->created_at/updated_at are set.
 */
int store_account_insert(struct store *s, struct store_account *a, int max_alive,
                         const struct store_audit_ev *ev, struct sbx_err *err) SBX_NODISCARD;
/* Reads the row with local id `id` into *out (SBX_E_NOTFOUND if absent). */
int store_account_get(struct store *s, int64_t id, struct store_account *out,
                      struct sbx_err *err) SBX_NODISCARD;
/* Re-reads *a (by a->id) from the store; *a is left as it was on failure. */
int store_account_reload(struct store *s, struct store_account *a,
                         struct sbx_err *err) SBX_NODISCARD;
/*
 * Finds an account by key: a 12-digit AWS account id, a local id ("42" or "#42"), an email
 * or an account name. SBX_E_NOTFOUND (with the key quoted) when nothing matches.
 */
int store_account_find(struct store *s, const char *key, struct store_account *out,
                       struct sbx_err *err) SBX_NODISCARD;
/*
 * Compare-and-set: writes every mutable column of a where id = a->id, state = from_state and
 * version = a->version, and appends ev (when non-NULL) to the audit log, in one transaction.
 * On success a->version and a->updated_at (= ev->ts, or now) are updated. If the row changed
 * meanwhile, fails with SBX_E_CONFLICT and changes nothing.
 */
int store_account_update(struct store *s, struct store_account *a, enum engine_state from_state,
                         const struct store_audit_ev *ev, struct sbx_err *err) SBX_NODISCARD;
/*
 * Claims the row for `by` until `until` (wall-clock seconds) if it is unclaimed, its claim
 * expired (claim_until < now), it is already ours, or it is held by `stale_by` (a holder the
 * caller proved dead; NULL = none). *got says whether the claim was taken. Claims do not
 * change the row's version: they are not row data (store_account_update never writes them), so
 * extending a claim must not invalidate the claimant's in-memory copy of the row.
 */
int store_account_claim(struct store *s, int64_t id, const char *by, double now, double until,
                        const char *stale_by, bool *got, struct sbx_err *err) SBX_NODISCARD;
/* Drops our claim (no-op if someone else holds it). */
int store_account_unclaim(struct store *s, int64_t id, const char *by,
                          struct sbx_err *err) SBX_NODISCARD;

/* Filters for listing; NULL / 0 fields do not filter. */
struct store_filter {
    int64_t id; /* one row */
    const char *owner;
    const char *kind;
    bool by_state; /* filter on state */
    enum engine_state state;
    const char *class_name;
    int64_t class_id;
    int64_t expires_before; /* expires_at != 0 and expires_at <= this */
    bool all;               /* include failed and gone rows (default: hide them) */
};

/* Calls cb for each matching row in local-id order; a non-zero return from cb stops the walk
 * and is returned. The row passed to cb is valid during the call only. */
int store_account_list(struct store *s, const struct store_filter *f,
                       int (*cb)(void *arg, const struct store_account *a), void *arg,
                       struct sbx_err *err) SBX_NODISCARD;
/*
 * Like store_account_list, for bulk output: only the fields `list` shows are filled (id,
 * account_id, email, name, kind, owner, class_id, seat, state, reason, request_id, the times,
 * attempts, adopted, last_error); with minimal only id, account_id, email, kind, owner,
 * class_id, state and expires_at. class_name is always NULL (the caller maps class_id) and
 * f->class_name and f->id are ignored (filter by class_id). Rows are zeroed between fields
 * only as far as filled: callers read only those fields. An owner or class_id filter is
 * served by its index; the others scan in id order.
 */
int store_account_list_brief(struct store *s, const struct store_filter *f, bool minimal,
                             int (*cb)(void *arg, const struct store_account *a), void *arg,
                             struct sbx_err *err) SBX_NODISCARD;
/* Number of rows in state (filter f may be NULL). */
int store_account_count(struct store *s, enum engine_state state, const struct store_filter *f,
                        int64_t *n, struct sbx_err *err) SBX_NODISCARD;
/* Smallest due_at (> 0) among rows in state matching f; 0 if none. */
int store_account_next_due(struct store *s, enum engine_state state, const struct store_filter *f,
                           int64_t *due, struct sbx_err *err) SBX_NODISCARD;
/*
 * Rows in state with 0 < due_at <= now, matching f, highest priority first then earliest
 * due, at most limit. *out is a heap array the caller frees with store_accounts_free.
 */
int store_account_due(struct store *s, enum engine_state state, int64_t now,
                      const struct store_filter *f, int limit, struct store_account **out,
                      size_t *n, struct sbx_err *err) SBX_NODISCARD;
/* Every row in state matching f (any due time), oldest first, at most limit. */
int store_account_in_state(struct store *s, enum engine_state state, const struct store_filter *f,
                           int limit, struct store_account **out, size_t *n,
                           struct sbx_err *err) SBX_NODISCARD;
/* Rows in close_wait with an AWS account not yet parked in the wait OU, matching f, at most
 * limit: those without an error first (a few that keep failing never hold up the others), then
 * in the order they close (as store_account_due). */
int store_account_unparked(struct store *s, const struct store_filter *f, int limit,
                           struct store_account **out, size_t *n,
                           struct sbx_err *err) SBX_NODISCARD;
/* Forgets every row's parked flag (the wait OU changed): the engine looks again. */
int store_account_unpark_all(struct store *s, struct sbx_err *err) SBX_NODISCARD;
/* Number of rows in state that have no AWS account id yet (creations in progress). */
int store_account_count_unassigned(struct store *s, enum engine_state state, int64_t *n,
                                   struct sbx_err *err) SBX_NODISCARD;
/* Number of rows of owner+kind that count against max_per_owner. */
int store_account_alive_for_owner(struct store *s, const char *owner, const char *kind, int64_t *n,
                                  struct sbx_err *err) SBX_NODISCARD;

/* True when value (an email or an account name) was ever reserved by any account. */
int store_alias_taken(struct store *s, const char *value, bool *taken,
                      struct sbx_err *err) SBX_NODISCARD;
/* Reserves value for account id forever (SBX_E_CONFLICT if taken). */
int store_alias_reserve(struct store *s, const char *value, const char *type, int64_t account,
                        int64_t now, struct sbx_err *err) SBX_NODISCARD;

/* --- meta (key/value), sequences, OUs ------------------------------------------------ */

/* *value is a heap string (free) or NULL when the key is absent. */
int store_meta_get(struct store *s, const char *key, char **value,
                   struct sbx_err *err) SBX_NODISCARD;
int store_meta_set(struct store *s, const char *key, const char *value,
                   struct sbx_err *err) SBX_NODISCARD;
/* Integer view of a meta key: *value = def when absent or not a number. */
int store_meta_get_int(struct store *s, const char *key, int64_t def, int64_t *value,
                       struct sbx_err *err) SBX_NODISCARD;
int store_meta_set_int(struct store *s, const char *key, int64_t value,
                       struct sbx_err *err) SBX_NODISCARD;
/* Atomically increments the counter `key` (starting at 1) and returns the new value. */
int store_seq_next(struct store *s, const char *key, int64_t *out,
                   struct sbx_err *err) SBX_NODISCARD;

/* OU id cached for an OU path ("Sandboxes/Demos"); *id heap or NULL when unknown. */
int store_ou_get(struct store *s, const char *path, char **id, struct sbx_err *err) SBX_NODISCARD;
int store_ou_put(struct store *s, const char *path, const char *id,
                 struct sbx_err *err) SBX_NODISCARD;

/* --- close ledger --------------------------------------------------------------------- */

/* Records a closure of account_id at ts (idempotent: the first time wins). */
int store_ledger_add(struct store *s, const char *account_id, int64_t ts, const char *source,
                     struct sbx_err *err) SBX_NODISCARD;
int store_ledger_remove(struct store *s, const char *account_id, struct sbx_err *err) SBX_NODISCARD;
/* Closure times after `since`, ascending. *ts is a heap array (free). */
int store_ledger_since(struct store *s, int64_t since, int64_t **ts, size_t *n,
                       struct sbx_err *err) SBX_NODISCARD;

/* --- Identity Center assignments (store_access.c) -------------------------------------- */

/* One account assignment sandboxctl made (or is making, or revoked). status: "requested"
 * (CreateAccountAssignment intended; request_id once AWS took it), "granted", "revoking"
 * (DeleteAccountAssignment intended; request_id once AWS took it), "revoked". */
struct store_assignment {
    int64_t id;
    int64_t account; /* the account row */
    char account_id[13];
    char *instance_arn;
    char *permission_set_arn;
    char *permission_set_name; /* "" when unknown */
    char principal_type[8];    /* USER, GROUP */
    char *principal_id;
    char *principal; /* who, for people: the owner's address or the group's name */
    char status[12];
    char *request_id; /* "" when no request is known to AWS */
    int64_t attempts;
    int64_t due_at;
    char *last_error;
    int64_t created_at;
    int64_t granted_at;
    int64_t revoked_at;
    int64_t updated_at;
};

/* Records the intent to grant (status "requested", due at a->due_at); an assignment already
 * recorded for the same account, permission set and principal is left as it is. */
int store_assignment_add(struct store *s, const struct store_assignment *a, int64_t now,
                         struct sbx_err *err) SBX_NODISCARD;
/* Writes a's status, request_id, attempts, due_at, last_error, granted_at and revoked_at. */
int store_assignment_update(struct store *s, const struct store_assignment *a, int64_t now,
                            struct sbx_err *err) SBX_NODISCARD;
/* Every assignment of the account row, oldest first (store_assignments_free). */
int store_assignment_list(struct store *s, int64_t account, struct store_assignment **out,
                          size_t *n, struct sbx_err *err) SBX_NODISCARD;
/* Marks every requested or granted assignment of the account row revoking, due now; *changed
 * says how many. */
int store_assignment_revoke_all(struct store *s, int64_t account, int64_t now, int *changed,
                                struct sbx_err *err) SBX_NODISCARD;
/* Up to limit account rows with a revocation due at now (*ids heap, free()). */
int store_assignment_due_accounts(struct store *s, int64_t now, int limit, int64_t **ids, size_t *n,
                                  struct sbx_err *err) SBX_NODISCARD;
/* The earliest due time of a revocation; 0 when none is pending. */
int store_assignment_next_due(struct store *s, int64_t *due, struct sbx_err *err) SBX_NODISCARD;
void store_assignments_free(struct store_assignment *v, size_t n);
/* Marks every revoking or revoked assignment sandboxctl made for a person or a group of the
 * account row (not the others' it deleted) requested again, due now; *changed says how many. */
int store_assignment_regrant_all(struct store *s, int64_t account, int64_t now, int *changed,
                                 struct sbx_err *err) SBX_NODISCARD;
/* Records names[0..n) as the Identity Center groups of class class_id's seats, in order. */
int store_class_groups_set(struct store *s, int64_t class_id, const char *const *names, size_t n,
                           struct sbx_err *err) SBX_NODISCARD;
/* The groups of class class_id, in order (*names heap array of heap strings, none: NULL and 0;
 * store_strings_free). */
int store_class_groups(struct store *s, int64_t class_id, char ***names, size_t *n,
                       struct sbx_err *err) SBX_NODISCARD;
void store_strings_free(char **v, size_t n);

/* --- metrics ---------------------------------------------------------------------------- */

/* Calls cb with (state, kind, number of accounts) for every pair that has accounts. */
int store_metrics_accounts(struct store *s,
                           int (*cb)(void *arg, const char *state, const char *kind, int64_t n),
                           void *arg, struct sbx_err *err) SBX_NODISCARD;
/* Calls cb with (event, number of failed hook runs: failed, timeout or error) per event. */
int store_metrics_hook_failures(struct store *s, int (*cb)(void *arg, const char *event, int64_t n),
                                void *arg, struct sbx_err *err) SBX_NODISCARD;
/* Calls cb with (event, number of hook events queued and not yet delivered) per event. */
int store_metrics_hook_events_queued(struct store *s,
                                     int (*cb)(void *arg, const char *event, int64_t n), void *arg,
                                     struct sbx_err *err) SBX_NODISCARD;

/* --- hook runs ------------------------------------------------------------------------ */

struct store_hook_run {
    int64_t id;
    int64_t account;
    char event[24];
    int64_t attempt;
    char status[16]; /* running, ok, failed, timeout, error */
    int64_t exit_status;
    char *log_path;
    char *tail;
    int64_t started_at;
    int64_t ended_at; /* 0 while running */
    char *result;     /* the hooks' result documents (JSON object), "" when none */
};

void store_hook_run_release(struct store_hook_run *r);
/* Records a run that is starting; *run_id identifies it for store_hook_run_finish. */
int store_hook_run_start(struct store *s, int64_t account, const char *event, int64_t attempt,
                         int64_t started_at, int64_t *run_id, struct sbx_err *err) SBX_NODISCARD;
/* result: the JSON object hook_result.result holds, NULL or "" for none. */
int store_hook_run_finish(struct store *s, int64_t run_id, const char *status, int64_t exit_status,
                          const char *log_path, const char *tail, const char *result,
                          int64_t ended_at, struct sbx_err *err) SBX_NODISCARD;
/* The account's hook runs, newest first, at most limit (0 = all). */
int store_hook_runs(struct store *s, int64_t account, int limit,
                    int (*cb)(void *arg, const struct store_hook_run *r), void *arg,
                    struct sbx_err *err) SBX_NODISCARD;

/* --- hook events (the outbox) -------------------------------------------------------- */

struct store_hook_event {
    int64_t id;
    int64_t account;
    char event[32];
    char *key;
    char uid[48]; /* SANDBOX_EVENT_ID: the same on every delivery attempt */
    char *detail; /* one line, "" when none */
    int64_t created_at;
    int64_t due_at; /* 0 once delivered */
    int64_t attempts;
    int64_t delivered_at; /* 0 while queued */
    char *last_error;
};

void store_hook_event_release(struct store_hook_event *ev);
void store_hook_events_free(struct store_hook_event *evs, size_t n);
/* Queues event for account once per (account, event, key), due now; *added false when that
 * key was queued before (nothing changes). detail may be NULL. */
int store_hook_event_add(struct store *s, int64_t account, const char *event, const char *key,
                         const char *uid, const char *detail, int64_t now, bool *added,
                         struct sbx_err *err) SBX_NODISCARD;
/* Queued events due by now of the accounts matching f (NULL = all), earliest first, at most
 * limit. *out is freed with store_hook_events_free. */
int store_hook_event_due(struct store *s, int64_t now, const struct store_filter *f, int limit,
                         struct store_hook_event **out, size_t *n,
                         struct sbx_err *err) SBX_NODISCARD;
/* Earliest due time of a queued event of the accounts matching f; 0 when none is queued. */
int store_hook_event_next_due(struct store *s, const struct store_filter *f, int64_t *due,
                              struct sbx_err *err) SBX_NODISCARD;
/* Marks a queued event delivered (a no-op when it already is). */
int store_hook_event_delivered(struct store *s, int64_t id, int64_t now,
                               struct sbx_err *err) SBX_NODISCARD;
/* Records a failed delivery: due again at due_at, why in error. */
int store_hook_event_failed(struct store *s, int64_t id, int64_t due_at, const char *error,
                            struct sbx_err *err) SBX_NODISCARD;
/* The account's events, newest first, at most limit (0 = all). */
int store_hook_events(struct store *s, int64_t account, int limit,
                      int (*cb)(void *arg, const struct store_hook_event *ev), void *arg,
                      struct sbx_err *err) SBX_NODISCARD;

/* --- classes --------------------------------------------------------------------------- */

struct store_class {
    int64_t id;
    char *name;
    char *kind;
    char *owner; /* instructor */
    int64_t seats;
    char *state; /* open, ended, ... (owned by the class commands) */
    int64_t expires_at;
    int64_t created_at;
    int64_t updated_at;
    char *detail; /* JSON object text */
};

void store_class_release(struct store_class *c);
/* Inserts c (id set on success); SBX_E_CONFLICT if the name exists. Audited with ev. */
int store_class_insert(struct store *s, struct store_class *c, const struct store_audit_ev *ev,
                       struct sbx_err *err) SBX_NODISCARD;
/* SBX_E_NOTFOUND when absent. */
int store_class_get(struct store *s, const char *name, struct store_class *out,
                    struct sbx_err *err) SBX_NODISCARD;
/* Updates state, expires_at, seats and detail of the class with c->id. */
int store_class_update(struct store *s, const struct store_class *c,
                       const struct store_audit_ev *ev, struct sbx_err *err) SBX_NODISCARD;
int store_class_list(struct store *s, int (*cb)(void *arg, const struct store_class *c), void *arg,
                     struct sbx_err *err) SBX_NODISCARD;

/* --- audit log -------------------------------------------------------------------------- */

struct store_audit_row {
    int64_t seq;
    int64_t ts;
    const char *actor;
    int64_t account;        /* local id, 0 = none */
    const char *account_id; /* "" = none */
    const char *event;
    const char *from_state; /* NULL = none */
    const char *to_state;   /* NULL = none */
    const char *detail;
    const char *prev_hash;
    const char *hash;
};

/*
 * Appends an event about account a (NULL: about no account) to the hash-chained log:
 * hash = SHA-256(canonical serialisation of every field, prev_hash included). Runs in the
 * caller's transaction when one is open, else in its own.
 */
int store_audit_append(struct store *s, const struct store_account *a,
                       const struct store_audit_ev *ev, struct sbx_err *err) SBX_NODISCARD;
/* Events about account (0 = all), oldest first; limit > 0 keeps only the newest limit. */
int store_audit_list(struct store *s, int64_t account, int64_t limit,
                     int (*cb)(void *arg, const struct store_audit_row *r), void *arg,
                     struct sbx_err *err) SBX_NODISCARD;

struct store_audit_report {
    bool ok;
    int64_t rows;    /* rows checked */
    int64_t bad_seq; /* first bad sequence number (0 when ok) */
    char why[256];   /* what is wrong at bad_seq */
};

/*
 * Walks the whole chain in one read transaction: sequence numbers must run 1..N without a
 * gap, each prev_hash must equal the previous row's hash, each hash must match its row, and
 * the last row must match the head recorded beside the log (so deleting the newest rows is
 * detected too). Returns 0 with the verdict in *r; -1 only when the store cannot be read.
 */
int store_audit_verify(struct store *s, struct store_audit_report *r,
                       struct sbx_err *err) SBX_NODISCARD;
/* Hex SHA-256 (65 bytes with NUL) of the canonical serialisation of r (r->hash ignored). */
void store_audit_hash(const struct store_audit_row *r, char out[65]);

/* --- store_spend.c: spend per account and day, budgets ----------------------------------- */

/* Records account_id's cost on day (YYYY-MM-DD), in cents, replacing an earlier figure. */
int store_spend_put(struct store *s, const char *account_id, const char *day, int64_t cents,
                    struct sbx_err *err) SBX_NODISCARD;
/* The sum of account_id's cost on the days since <= day < until (YYYY-MM-DD), cents. */
int store_spend_sum(struct store *s, const char *account_id, const char *since, const char *until,
                    int64_t *cents, struct sbx_err *err) SBX_NODISCARD;
/* Calls cb for every AWS account with cost on the days since <= day < until, with its sum. */
int store_spend_by_account(struct store *s, const char *since, const char *until,
                           int (*cb)(void *arg, const char *account_id, int64_t cents), void *arg,
                           struct sbx_err *err) SBX_NODISCARD;

/* An account row's budget: its own limit and what the spend check found and fired. */
struct store_budget {
    int64_t limit;      /* the account's own limit in cents; 0 = its kind's */
    char period[16];    /* the period the rest is about: "lease" or "2026-12"; "" = none yet */
    int warned;         /* the highest warning threshold fired in the period (percent); 0 none */
    bool exceeded;      /* budget-exceeded fired in the period */
    int64_t spent;      /* spend over the period at the last check, cents */
    int64_t checked_at; /* the last check's time; 0 = never */
};
/* The budget of row account (zeroed when it has none). */
int store_budget_get(struct store *s, int64_t account, struct store_budget *out,
                     struct sbx_err *err) SBX_NODISCARD;
/* Records what a check found (period, warned, exceeded, spent, checked_at; not the limit). */
int store_budget_put(struct store *s, int64_t account, const struct store_budget *b,
                     struct sbx_err *err) SBX_NODISCARD;
/* Calls cb for every row's budget record (account = the row's id), in row order. */
int store_budget_all(struct store *s,
                     int (*cb)(void *arg, int64_t account, const struct store_budget *b), void *arg,
                     struct sbx_err *err) SBX_NODISCARD;

/* One line of the chargeback report: the cost of an owner's accounts of a kind in a class. */
struct store_spend_row {
    const char *owner; /* borrowed for the callback */
    const char *kind;
    const char *class_name; /* "" = not in a class */
    int64_t accounts;       /* accounts with cost in the period */
    int64_t cents;
};
/* Calls cb per (owner, kind, class) with cost on the days since <= day < until, sorted. */
int store_spend_report(struct store *s, const char *since, const char *until,
                       int (*cb)(void *arg, const struct store_spend_row *r), void *arg,
                       struct sbx_err *err) SBX_NODISCARD;
/* True when some account row has its own limit. */
int store_budget_any_limit(struct store *s, bool *any, struct sbx_err *err) SBX_NODISCARD;
/* Sets row account's own limit (cents; 0 = back to its kind's). */
int store_budget_set_limit(struct store *s, int64_t account, int64_t limit,
                           struct sbx_err *err) SBX_NODISCARD;

/* An account row's AWS Budget (budget.aws_budget): what it should be and what AWS has. */
struct store_aws_budget {
    int64_t account;    /* the row */
    int64_t want;       /* the limit it should have, cents; 0 = it should not exist */
    int64_t have;       /* the limit AWS confirmed, cents; 0 = not known to exist */
    bool monthly;       /* MONTHLY; otherwise ANNUALLY from start_at (a lease) */
    int64_t start_at;   /* the budget's start (epoch seconds); 0 = AWS's default */
    int attempts;       /* failed calls since the last success */
    int64_t due_at;     /* the next call waits until then (after a failure) */
    char error[512];    /* the last failure ("" = none) */
    int64_t updated_at; /* the last change */
};
/* Every row's record, in row order (*out is the caller's to free). */
int store_aws_budget_all(struct store *s, struct store_aws_budget **out, size_t *n,
                         struct sbx_err *err) SBX_NODISCARD;
/* Row account's record into out; *found false (out zeroed) when it has none. */
int store_aws_budget_get(struct store *s, int64_t account, struct store_aws_budget *out,
                         bool *found, struct sbx_err *err) SBX_NODISCARD;
/* Records the intent: the budget b->want (0 = none), b->monthly from b->start_at; the failure
 * count starts again. What AWS has (have) is kept. */
int store_aws_budget_want(struct store *s, const struct store_aws_budget *b, int64_t now,
                          struct sbx_err *err) SBX_NODISCARD;
/* AWS has the limit have now (cents); the failure count is cleared. */
int store_aws_budget_synced(struct store *s, int64_t account, int64_t have, int64_t now,
                            struct sbx_err *err) SBX_NODISCARD;
/* A failed call: attempts so far, retried at due_at, why. */
int store_aws_budget_failed(struct store *s, int64_t account, int attempts, int64_t due_at,
                            const char *error, int64_t now, struct sbx_err *err) SBX_NODISCARD;
/* Forgets row account's record once its budget is deleted (only while want is 0). */
int store_aws_budget_drop(struct store *s, int64_t account, struct sbx_err *err) SBX_NODISCARD;
/* The records still to send (want 0, or want other than have), in row order (*out is the
 * caller's to free): an index serves it, so a store in sync reads nothing. */
int store_aws_budget_pending(struct store *s, struct store_aws_budget **out, size_t *n,
                             struct sbx_err *err) SBX_NODISCARD;
/* True when some row has a record. */
int store_aws_budget_any(struct store *s, bool *any, struct sbx_err *err) SBX_NODISCARD;
/*
 * The rows to plan again. While meta aws_budget_plan is set and not "", triggers mark a row
 * (in the writer's transaction) when it is inserted, when its state, kind, AWS id, created_at
 * or active_at changes, and when its own limit is set or changed; the engine plans the marked
 * rows and unmarks them in one transaction. *ids (row order) is the caller's to free.
 */
int store_aws_budget_marked(struct store *s, int64_t **ids, size_t *n,
                            struct sbx_err *err) SBX_NODISCARD;
/* True when some row is marked. */
int store_aws_budget_any_marked(struct store *s, bool *any, struct sbx_err *err) SBX_NODISCARD;
/* Unmarks every row. */
int store_aws_budget_unmark(struct store *s, struct sbx_err *err) SBX_NODISCARD;

#endif
