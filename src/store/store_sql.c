/*
 * store_sql.c -- every SQL string of the store. store_migrations[n] upgrades schema n -> n+1;
 * never edit a shipped one, append a new one. Values are always bound by name (:id), never
 * formatted into the text.
 *
 * Design notes:
 * - account rows are never deleted: "gone" is a state. Emails and names also live in `alias`,
 *   which a trigger makes undeletable, so an address stays reserved forever even if an account
 *   row's email is replaced after EMAIL_ALREADY_EXISTS (AWS never lets a closed account's
 *   address be reused).
 * - account_state_due (state, due_at) serves every engine query: rows due now in a state, the
 *   next due time per state, counts per state. An idle `run` pass on 100,000 accounts is a
 *   handful of index probes.
 * - audit rows are append-only (triggers refuse UPDATE and DELETE; the hash chain catches
 *   anyone who drops the triggers first). audit_head in meta records the newest seq and hash so
 *   that deleting the newest rows is detected too.
 */
#include "store/store_int.h"

const char *const store_migrations[] = {
    /* 0 -> 1: the initial schema. */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE class ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " kind TEXT NOT NULL,"
    " owner TEXT NOT NULL,"
    " seats INTEGER NOT NULL DEFAULT 0,"
    " state TEXT NOT NULL,"
    " expires_at INTEGER,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " detail TEXT NOT NULL DEFAULT '{}');"
    "CREATE TABLE account ("
    " id INTEGER PRIMARY KEY,"
    " account_id TEXT UNIQUE,"
    " email TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL UNIQUE,"
    " kind TEXT NOT NULL,"
    " owner TEXT NOT NULL,"
    " class_id INTEGER REFERENCES class(id),"
    " seat INTEGER,"
    " state TEXT NOT NULL,"
    " reason TEXT NOT NULL DEFAULT '',"
    " request_id TEXT,"
    " ttl INTEGER,"
    " expires_at INTEGER,"
    " created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL,"
    " due_at INTEGER,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " warned_min INTEGER,"
    " priority INTEGER NOT NULL DEFAULT 0,"
    " active_at INTEGER,"
    " close_requested_at INTEGER,"
    " closed_at INTEGER,"
    " adopted INTEGER NOT NULL DEFAULT 0,"
    " submitted INTEGER NOT NULL DEFAULT 0,"
    " close_sent INTEGER NOT NULL DEFAULT 0,"
    " post_close_pending INTEGER NOT NULL DEFAULT 0,"
    " close_pending INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " version INTEGER NOT NULL DEFAULT 1,"
    " claim_by TEXT,"
    " claim_until REAL);"
    "CREATE INDEX account_state_due ON account (state, due_at);"
    "CREATE INDEX account_owner ON account (owner, kind);"
    "CREATE INDEX account_class ON account (class_id);"
    "CREATE TABLE alias ("
    " value TEXT PRIMARY KEY,"
    " type TEXT NOT NULL,"
    " account INTEGER NOT NULL REFERENCES account(id),"
    " reserved_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TRIGGER alias_no_delete BEFORE DELETE ON alias"
    " BEGIN SELECT RAISE(ABORT, 'aliases are reserved forever'); END;"
    "CREATE TRIGGER alias_no_update BEFORE UPDATE ON alias"
    " BEGIN SELECT RAISE(ABORT, 'aliases are reserved forever'); END;"
    "CREATE TABLE ou (path TEXT PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE close_ledger ("
    " account_id TEXT PRIMARY KEY,"
    " requested_at INTEGER NOT NULL,"
    " source TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX close_ledger_time ON close_ledger (requested_at);"
    "CREATE TABLE hook_run ("
    " id INTEGER PRIMARY KEY,"
    " account INTEGER NOT NULL REFERENCES account(id),"
    " event TEXT NOT NULL,"
    " attempt INTEGER NOT NULL,"
    " status TEXT NOT NULL,"
    " exit_status INTEGER,"
    " log_path TEXT NOT NULL DEFAULT '',"
    " tail TEXT NOT NULL DEFAULT '',"
    " started_at INTEGER NOT NULL,"
    " ended_at INTEGER);"
    "CREATE INDEX hook_run_account ON hook_run (account, id);"
    "CREATE TABLE audit ("
    " seq INTEGER PRIMARY KEY,"
    " ts INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " account INTEGER,"
    " account_id TEXT NOT NULL DEFAULT '',"
    " event TEXT NOT NULL,"
    " from_state TEXT,"
    " to_state TEXT,"
    " detail TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL);"
    "CREATE INDEX audit_account ON audit (account, seq);"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "PRAGMA user_version = 1;",
    /* 1 -> 2: what a hook reported through SANDBOX_RESULT_FILE (JSON, "" = nothing). */
    "ALTER TABLE hook_run ADD COLUMN result TEXT NOT NULL DEFAULT '';"
    /* `metrics` counts accounts by state and kind from this index alone (no sort of the
     * table: 5x faster at 100,000 accounts). */
    "CREATE INDEX account_state_kind ON account (state, kind);"
    "PRAGMA user_version = 2;",
    /* 2 -> 3: the hook event outbox. A row is queued in the transaction that records its
     * occurrence, once per (account, event, key); uid is the id hooks see (SANDBOX_EVENT_ID),
     * the same on every delivery attempt. due_at is NULL once delivered. */
    "CREATE TABLE hook_event ("
    " id INTEGER PRIMARY KEY,"
    " account INTEGER NOT NULL REFERENCES account(id),"
    " event TEXT NOT NULL,"
    " key TEXT NOT NULL,"
    " uid TEXT NOT NULL UNIQUE,"
    " detail TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL,"
    " due_at INTEGER,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " delivered_at INTEGER,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " UNIQUE (account, event, key));"
    "CREATE INDEX hook_event_due ON hook_event (due_at) WHERE due_at IS NOT NULL;"
    "PRAGMA user_version = 3;",
    /* 3 -> 4: the IAM Identity Center account assignments sandboxctl made (store_access.c).
     * status: requested (CreateAccountAssignment intended; request_id once AWS took it),
     * granted, revoking (DeleteAccountAssignment intended; request_id once AWS took it),
     * revoked. A row is never deleted: it is the record of who could sign in where. */
    "CREATE TABLE access_assignment ("
    " id INTEGER PRIMARY KEY,"
    " account INTEGER NOT NULL REFERENCES account (id),"
    " account_id TEXT NOT NULL,"
    " instance_arn TEXT NOT NULL,"
    " permission_set_arn TEXT NOT NULL,"
    " permission_set_name TEXT NOT NULL DEFAULT '',"
    " principal_type TEXT NOT NULL CHECK (principal_type IN ('USER', 'GROUP')),"
    " principal_id TEXT NOT NULL,"
    " principal TEXT NOT NULL DEFAULT '',"
    " status TEXT NOT NULL CHECK (status IN ('requested', 'granted', 'revoking', 'revoked')),"
    " request_id TEXT NOT NULL DEFAULT '',"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " due_at INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL,"
    " granted_at INTEGER NOT NULL DEFAULT 0,"
    " revoked_at INTEGER NOT NULL DEFAULT 0,"
    " updated_at INTEGER NOT NULL,"
    " UNIQUE (account, permission_set_arn, principal_type, principal_id));"
    "CREATE INDEX access_assignment_due ON access_assignment (status, due_at);"
    "PRAGMA user_version = 4;",
    /* 4 -> 5: the spend guard. Cost Explorer's daily cost per AWS account (cents; days are
     * re-read while AWS may still revise them), and per account row its own budget (NULL =
     * the kind's) and what the last check found and fired in the current period. */
    "CREATE TABLE spend_day ("
    " account_id TEXT NOT NULL,"
    " day TEXT NOT NULL,"
    " cents INTEGER NOT NULL,"
    " PRIMARY KEY (account_id, day)) WITHOUT ROWID;"
    "CREATE TABLE account_budget ("
    " account INTEGER PRIMARY KEY REFERENCES account(id),"
    " limit_cents INTEGER,"
    " period TEXT NOT NULL DEFAULT '',"
    " warned INTEGER NOT NULL DEFAULT 0,"
    " exceeded INTEGER NOT NULL DEFAULT 0,"
    " spent INTEGER NOT NULL DEFAULT 0,"
    " checked_at INTEGER);"
    "PRAGMA user_version = 5;",
    /* 5 -> 6: budget.aws_budget. Per account row, the AWS Budget it should have (want_cents,
     * NULL = none: delete it) and the limit AWS last confirmed (have_cents, NULL = not known
     * to exist), written before each Budgets call; failed calls wait until due_at. */
    "CREATE TABLE aws_budget ("
    " account INTEGER PRIMARY KEY REFERENCES account(id),"
    " want_cents INTEGER,"
    " have_cents INTEGER,"
    " monthly INTEGER NOT NULL DEFAULT 0,"
    " start_at INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " due_at INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " updated_at INTEGER NOT NULL DEFAULT 0);"
    "PRAGMA user_version = 6;",
    /* 6 -> 7: the Identity Center groups a class's seats give access to (class create
     * --access-group), in the order given. */
    "CREATE TABLE class_access_group ("
    " class INTEGER NOT NULL REFERENCES class(id),"
    " pos INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " PRIMARY KEY (class, pos),"
    " UNIQUE (class, name));"
    "PRAGMA user_version = 7;",
    /* 7 -> 8: organization.close_wait_ou. parked: the account was found in, or moved to, the
     * wait OU while it waits for a close slot (the engine moves the others when pacing
     * allows); meta close_wait_parked_ou names the OU the flags are about. */
    "ALTER TABLE account ADD COLUMN parked INTEGER NOT NULL DEFAULT 0; PRAGMA user_version = 8;",
    /* 8 -> 9: budget.aws_budget without a walk over every account per step. While meta
     * aws_budget_plan holds the plan's fingerprint (not '': engine_budget.c), every write that may
     * change an account's AWS Budget (a new row; its state, kind, AWS id or start; its own limit)
     * marks the row in aws_budget_replan in the writer's transaction, and the engine plans only the
     * marked rows; the records still to send are found through aws_budget_pending. */
    "CREATE TABLE aws_budget_replan (account INTEGER PRIMARY KEY);"
    "CREATE INDEX aws_budget_pending ON aws_budget (account)"
    " WHERE want_cents IS NULL OR want_cents IS NOT have_cents;"
    "CREATE TRIGGER aws_budget_replan_new AFTER INSERT ON account"
    " WHEN coalesce((SELECT value FROM meta WHERE key = 'aws_budget_plan'), '') <> '' BEGIN"
    " INSERT OR IGNORE INTO aws_budget_replan (account) VALUES (NEW.id); END;"
    "CREATE TRIGGER aws_budget_replan_row"
    " AFTER UPDATE OF state, kind, account_id, active_at, created_at ON account"
    " WHEN coalesce((SELECT value FROM meta WHERE key = 'aws_budget_plan'), '') <> ''"
    " AND (OLD.state IS NOT NEW.state OR OLD.kind IS NOT NEW.kind"
    " OR OLD.account_id IS NOT NEW.account_id OR OLD.active_at IS NOT NEW.active_at"
    " OR OLD.created_at IS NOT NEW.created_at) BEGIN"
    " INSERT OR IGNORE INTO aws_budget_replan (account) VALUES (NEW.id); END;"
    "CREATE TRIGGER aws_budget_replan_limit AFTER INSERT ON account_budget"
    " WHEN coalesce((SELECT value FROM meta WHERE key = 'aws_budget_plan'), '') <> ''"
    " AND NEW.limit_cents IS NOT NULL BEGIN"
    " INSERT OR IGNORE INTO aws_budget_replan (account) VALUES (NEW.account); END;"
    "CREATE TRIGGER aws_budget_replan_limit_set AFTER UPDATE OF limit_cents ON account_budget"
    " WHEN coalesce((SELECT value FROM meta WHERE key = 'aws_budget_plan'), '') <> ''"
    " AND OLD.limit_cents IS NOT NEW.limit_cents BEGIN"
    " INSERT OR IGNORE INTO aws_budget_replan (account) VALUES (NEW.account); END;"
    "PRAGMA user_version = 9;",
};
const size_t store_nmigrations = SBX_ARRAY_LEN(store_migrations);
const int store_schema_latest = (int)SBX_ARRAY_LEN(store_migrations);

/* Column order is what store_spend.c's read_budget() expects. */
#define BUDGET_COLS "account, limit_cents, period, warned, exceeded, spent, checked_at"
/* Column order is what store_spend.c's read_aws_budget() expects. */
#define AWS_BUDGET_COLS                                                                       \
    "account, coalesce(want_cents, 0), coalesce(have_cents, 0), monthly, start_at, attempts," \
    " due_at, last_error, updated_at"

/* Column order is what store_account.c's read_account() expects. */
#define ACCOUNT_COLS                                                                                   \
    "a.id, a.account_id, a.email, a.name, a.kind, a.owner, a.class_id, c.name, a.seat,"                \
    " a.state, coalesce(a.reason, ''), a.request_id, a.ttl, a.expires_at, a.created_at, a.updated_at," \
    " a.due_at, a.attempts, a.warned_min, a.priority, a.active_at, a.close_requested_at,"              \
    " a.closed_at, a.adopted, a.submitted, a.close_sent, a.post_close_pending,"                        \
    " a.close_pending, coalesce(a.last_error, ''), a.version, a.claim_by, a.claim_until, a.parked"
#define ACCOUNT_FROM " FROM account a LEFT JOIN class c ON c.id = a.class_id"
/* Optional filters: a NULL parameter does not filter. */
#define ACCOUNT_SCOPE                                                                          \
    " (:id IS NULL OR a.id = :id) AND (:owner IS NULL OR a.owner = :owner)"                    \
    " AND (:kind IS NULL OR a.kind = :kind) AND (:class_id IS NULL OR a.class_id = :class_id)" \
    " AND (:class_name IS NULL OR c.name = :class_name)"
/* States whose rows count against a kind's max_per_owner (see engine/state.h). */
#define ALIVE_STATES                                                                        \
    "('requested', 'creating', 'active', 'expiring', 'nuking', 'nuke_failed', 'protected'," \
    " 'freezing', 'frozen')"
#define CLASS_COLS "id, name, kind, owner, seats, state, expires_at, created_at, updated_at, detail"
/* Column order is what store_access.c's read_assignment() expects. */
#define ASSIGNMENT_COLS                                                                           \
    "id, account, account_id, instance_arn, permission_set_arn, permission_set_name,"             \
    " principal_type, principal_id, principal, status, request_id, attempts, due_at, last_error," \
    " created_at, granted_at, revoked_at, updated_at"
#define AUDIT_COLS \
    "seq, ts, actor, account, account_id, event, from_state, to_state, detail, prev_hash, hash"
#define HOOK_EVENT_COLS                                                                     \
    "e.id, e.account, e.event, e.key, e.uid, e.detail, e.created_at, e.due_at, e.attempts," \
    " e.delivered_at, e.last_error"
#define HOOK_RUN_COLS                                                                         \
    "id, account, event, attempt, status, exit_status, log_path, tail, started_at, ended_at," \
    " result"

const char *const store_sql[STORE_STMT_COUNT] = {
    [STORE_META_GET] = "SELECT value FROM meta WHERE key = :key",
    [STORE_META_SET] = "INSERT INTO meta (key, value) VALUES (:key, :value)"
                       " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [STORE_ACCOUNT_INSERT] =
            "INSERT INTO account (account_id, email, name, kind, owner, class_id, seat, state,"
            " reason, request_id, ttl, expires_at, created_at, updated_at, due_at, attempts,"
            " warned_min, priority, active_at, close_requested_at, closed_at, adopted,"
            " submitted, close_sent, post_close_pending, close_pending, last_error, parked,"
            " version)"
            " VALUES (:account_id, :email, :name, :kind, :owner, :class_id, :seat, :state,"
            " :reason, :request_id, :ttl, :expires_at, :now, :now, :due_at, :attempts,"
            " :warned_min, :priority, :active_at, :close_requested_at, :closed_at, :adopted,"
            " :submitted, :close_sent, :post_close_pending, :close_pending, :last_error, :parked,"
            " 1)",
    [STORE_ACCOUNT_GET] = "SELECT " ACCOUNT_COLS ACCOUNT_FROM " WHERE a.id = :id",
    [STORE_ACCOUNT_BY_ACCOUNT_ID] =
            "SELECT " ACCOUNT_COLS ACCOUNT_FROM " WHERE a.account_id = :account_id",
    [STORE_ACCOUNT_BY_EMAIL] = "SELECT " ACCOUNT_COLS ACCOUNT_FROM " WHERE a.email = :email",
    [STORE_ACCOUNT_BY_NAME] = "SELECT " ACCOUNT_COLS ACCOUNT_FROM " WHERE a.name = :name",
    [STORE_ACCOUNT_UPDATE] =
            "UPDATE account SET account_id = :account_id, email = :email, name = :name,"
            " kind = :kind, owner = :owner, class_id = :class_id, seat = :seat,"
            " state = :state, reason = :reason, request_id = :request_id, ttl = :ttl,"
            " expires_at = :expires_at, updated_at = :now, due_at = :due_at,"
            " attempts = :attempts, warned_min = :warned_min, priority = :priority,"
            " active_at = :active_at, close_requested_at = :close_requested_at,"
            " closed_at = :closed_at, adopted = :adopted, submitted = :submitted,"
            " close_sent = :close_sent, post_close_pending = :post_close_pending,"
            " close_pending = :close_pending, last_error = :last_error, parked = :parked,"
            " version = version + 1"
            " WHERE id = :id AND state = :from_state AND version = :version",
    [STORE_ACCOUNT_CLAIM] =
            "UPDATE account SET claim_by = :by, claim_until = :until"
            " WHERE id = :id AND (claim_by IS NULL OR claim_until < :now OR claim_by = :by"
            " OR claim_by = :stale_by)",
    [STORE_ACCOUNT_UNCLAIM] = "UPDATE account SET claim_by = NULL, claim_until = NULL"
                              " WHERE id = :id AND claim_by = :by",
    [STORE_ACCOUNT_LIST] = "SELECT " ACCOUNT_COLS ACCOUNT_FROM " WHERE" ACCOUNT_SCOPE
                           " AND (:state IS NULL OR a.state = :state)"
                           " AND (:expires_before IS NULL OR (a.expires_at IS NOT NULL"
                           " AND a.expires_at <= :expires_before))"
                           " AND (:all = 1 OR :state IS NOT NULL"
                           " OR a.state NOT IN ('failed', 'gone'))"
                           " ORDER BY a.id",
/* list's hot path: the columns `list` shows, no join (class names come from the caller),
 * so 100,000 rows stream in well under 100 ms. The table's eight columns come first: the
 * _MIN forms select only those (SQLite decodes every selected column of every row, so the
 * table's scan is then less than half the work of the JSON's). */
#define BRIEF_MIN_COLS "id, account_id, email, kind, owner, class_id, state, expires_at"
#define BRIEF_COLS                                                                       \
    "SELECT " BRIEF_MIN_COLS ", name, seat, reason, request_id, created_at, updated_at," \
    " due_at, attempts, active_at, closed_at, adopted, last_error FROM account"
#define BRIEF_MIN "SELECT " BRIEF_MIN_COLS " FROM account"
/* Hidden by default: two comparisons are cheaper per row than NOT IN's list. */
#define BRIEF_OPEN " state <> 'failed' AND state <> 'gone'"
/* The filters other than the one an index serves; a NULL parameter does not filter. */
#define BRIEF_FILTERS                                                         \
    " (:owner IS NULL OR owner = :owner) AND (:kind IS NULL OR kind = :kind)" \
    " AND (:class_id IS NULL OR class_id = :class_id)"                        \
    " AND (:state IS NULL OR state = :state)"                                 \
    " AND (:expires_before IS NULL OR (expires_at IS NOT NULL"                \
    " AND expires_at <= :expires_before))"                                    \
    " AND (:all = 1 OR :state IS NOT NULL OR (" BRIEF_OPEN "))"
    /* Without filters the per-row WHERE costs as much as reading the row: plain forms. */
    [STORE_ACCOUNT_LIST_BRIEF_ALL] = BRIEF_COLS " ORDER BY id",
    [STORE_ACCOUNT_LIST_BRIEF_OPEN] = BRIEF_COLS " WHERE" BRIEF_OPEN " ORDER BY id",
    [STORE_ACCOUNT_LIST_BRIEF] = BRIEF_COLS " WHERE" BRIEF_FILTERS " ORDER BY id",
    [STORE_ACCOUNT_LIST_MIN_ALL] = BRIEF_MIN " ORDER BY id",
    [STORE_ACCOUNT_LIST_MIN_OPEN] = BRIEF_MIN " WHERE" BRIEF_OPEN " ORDER BY id",
    [STORE_ACCOUNT_LIST_MIN] = BRIEF_MIN " WHERE" BRIEF_FILTERS " ORDER BY id",
    /* An owner's or a class's rows are few: found through account_owner / account_class
     * (a "(:x IS NULL OR x = :x)" term can use no index) and sorted, every column. State,
     * kind and expiry filters scan instead: a state or kind may hold most rows, and an index
     * walk plus a sort of most of the table costs more than the scan in id order. */
    [STORE_ACCOUNT_LIST_BY_OWNER] =
            BRIEF_COLS " WHERE owner = :owner AND" BRIEF_FILTERS " ORDER BY id",
    [STORE_ACCOUNT_LIST_BY_CLASS] =
            BRIEF_COLS " WHERE class_id = :class_id AND" BRIEF_FILTERS " ORDER BY id",
    [STORE_ACCOUNT_COUNT] =
            "SELECT count(*)" ACCOUNT_FROM " WHERE a.state = :state AND" ACCOUNT_SCOPE,
    [STORE_ACCOUNT_NEXT_DUE] = "SELECT min(a.due_at)" ACCOUNT_FROM
                               " WHERE a.state = :state AND a.due_at > 0 AND" ACCOUNT_SCOPE,
    [STORE_ACCOUNT_DUE] =
            "SELECT " ACCOUNT_COLS ACCOUNT_FROM
            " WHERE a.state = :state AND a.due_at > 0 AND a.due_at <= :now AND" ACCOUNT_SCOPE
            " ORDER BY a.priority DESC, a.due_at, a.id LIMIT :limit",
    [STORE_ACCOUNT_IN_STATE] =
            "SELECT " ACCOUNT_COLS ACCOUNT_FROM " WHERE a.state = :state AND" ACCOUNT_SCOPE
            " ORDER BY a.id LIMIT :limit",
    [STORE_ACCOUNT_UNPARKED] =
            "SELECT " ACCOUNT_COLS ACCOUNT_FROM " WHERE a.state = 'close_wait' AND a.parked = 0"
            " AND a.account_id IS NOT NULL AND" ACCOUNT_SCOPE
            " ORDER BY a.last_error <> '', a.priority DESC, a.due_at, a.id LIMIT :limit",
    [STORE_ACCOUNT_UNPARK_ALL] =
            "UPDATE account SET parked = 0, version = version + 1 WHERE parked = 1",
    [STORE_ACCOUNT_ALIVE_FOR_OWNER] =
            "SELECT count(*) FROM account WHERE owner = :owner AND kind = :kind"
            " AND state IN " ALIVE_STATES,
    [STORE_ACCOUNT_COUNT_UNASSIGNED] = "SELECT count(*) FROM account WHERE state = :state"
                                       " AND account_id IS NULL",
    [STORE_ALIAS_GET] = "SELECT account FROM alias WHERE value = :value",
    [STORE_ALIAS_INSERT] = "INSERT INTO alias (value, type, account, reserved_at)"
                           " VALUES (:value, :type, :account, :now)",
    [STORE_OU_GET] = "SELECT id FROM ou WHERE path = :path",
    [STORE_OU_PUT] = "INSERT INTO ou (path, id) VALUES (:path, :id)"
                     " ON CONFLICT (path) DO UPDATE SET id = excluded.id",
    [STORE_LEDGER_ADD] = "INSERT INTO close_ledger (account_id, requested_at, source)"
                         " VALUES (:account_id, :ts, :source) ON CONFLICT DO NOTHING",
    [STORE_LEDGER_REMOVE] = "DELETE FROM close_ledger WHERE account_id = :account_id",
    [STORE_LEDGER_SINCE] = "SELECT requested_at FROM close_ledger WHERE requested_at > :since"
                           " ORDER BY requested_at",
    [STORE_HOOK_RUN_START] = "INSERT INTO hook_run (account, event, attempt, status, started_at)"
                             " VALUES (:account, :event, :attempt, 'running', :now)",
    [STORE_HOOK_RUN_FINISH] = "UPDATE hook_run SET status = :status, exit_status = :exit_status,"
                              " log_path = :log_path, tail = :tail, result = :result,"
                              " ended_at = :now"
                              " WHERE id = :id",
    [STORE_HOOK_EVENT_ADD] =
            "INSERT INTO hook_event (account, event, key, uid, detail, created_at, due_at)"
            " VALUES (:account, :event, :key, :uid, :detail, :now, :now)"
            " ON CONFLICT (account, event, key) DO NOTHING",
/* An account's events go in the order they were queued: one waits while an earlier one of
 * its account is still queued (its delivery failed and waits for the retry). */
#define HOOK_EVENT_QUEUED                                                     \
    " FROM hook_event e JOIN account a ON a.id = e.account"                   \
    " LEFT JOIN class c ON c.id = a.class_id WHERE e.due_at IS NOT NULL"      \
    " AND NOT EXISTS (SELECT 1 FROM hook_event p WHERE p.account = e.account" \
    " AND p.id < e.id AND p.due_at IS NOT NULL) AND"
    [STORE_HOOK_EVENT_DUE] =
            "SELECT " HOOK_EVENT_COLS HOOK_EVENT_QUEUED " e.due_at <= :now AND" ACCOUNT_SCOPE
            " ORDER BY e.due_at, e.id LIMIT :limit",
    /* An event of a claimed account waits for the claim's end (a past end reads as due). */
    [STORE_HOOK_EVENT_NEXT_DUE] = "SELECT min(max(e.due_at, CAST(ceil(coalesce(a.claim_until, 0))"
                                  " AS INTEGER)))" HOOK_EVENT_QUEUED ACCOUNT_SCOPE,
    [STORE_HOOK_EVENT_DELIVERED] = "UPDATE hook_event SET due_at = NULL, attempts = attempts + 1,"
                                   " delivered_at = :now, last_error = ''"
                                   " WHERE id = :id AND due_at IS NOT NULL",
    [STORE_HOOK_EVENT_FAILED] = "UPDATE hook_event SET due_at = :due_at, attempts = attempts + 1,"
                                " last_error = :error WHERE id = :id AND due_at IS NOT NULL",
    [STORE_HOOK_EVENT_LIST] = "SELECT " HOOK_EVENT_COLS " FROM hook_event e"
                              " WHERE e.account = :account ORDER BY e.id DESC LIMIT :limit",
    /* `metrics`: one pass over the index account_state_kind, and over the failed hook runs. */
    [STORE_METRICS_STATE_KIND] = "SELECT state, kind, COUNT(*) FROM account GROUP BY state, kind",
    [STORE_METRICS_HOOK_FAILURES] =
            "SELECT event, COUNT(*) FROM hook_run"
            " WHERE status IN ('failed', 'timeout', 'error') GROUP BY event",
    [STORE_SPEND_PUT] = "INSERT INTO spend_day (account_id, day, cents)"
                        " VALUES (:account_id, :day, :cents)"
                        " ON CONFLICT (account_id, day) DO UPDATE SET cents = excluded.cents",
    [STORE_SPEND_SUM] = "SELECT coalesce(sum(cents), 0) FROM spend_day"
                        " WHERE account_id = :account_id AND day >= :since AND day < :until",
    [STORE_SPEND_BY_ACCOUNT] = "SELECT account_id, sum(cents) FROM spend_day"
                               " WHERE day >= :since AND day < :until GROUP BY account_id",
    [STORE_BUDGET_GET] = "SELECT " BUDGET_COLS " FROM account_budget WHERE account = :account",
    [STORE_BUDGET_PUT] =
            "INSERT INTO account_budget (account, limit_cents, period, warned, exceeded, spent,"
            " checked_at) VALUES (:account, :limit_cents, :period, :warned, :exceeded, :spent,"
            " :checked_at) ON CONFLICT (account) DO UPDATE SET period = excluded.period,"
            " warned = excluded.warned, exceeded = excluded.exceeded, spent = excluded.spent,"
            " checked_at = excluded.checked_at",
    [STORE_BUDGET_SET_LIMIT] = "INSERT INTO account_budget (account, limit_cents)"
                               " VALUES (:account, :limit_cents) ON CONFLICT (account)"
                               " DO UPDATE SET limit_cents = excluded.limit_cents",
    [STORE_BUDGET_ANY_LIMIT] = "SELECT 1 FROM account_budget WHERE limit_cents IS NOT NULL"
                               " LIMIT 1",
    [STORE_AWS_BUDGET_ALL] = "SELECT " AWS_BUDGET_COLS " FROM aws_budget ORDER BY account",
    [STORE_AWS_BUDGET_GET] = "SELECT " AWS_BUDGET_COLS " FROM aws_budget WHERE account = :account",
    [STORE_AWS_BUDGET_WANT] =
            "INSERT INTO aws_budget (account, want_cents, monthly, start_at, updated_at)"
            " VALUES (:account, :want, :monthly, :start_at, :now) ON CONFLICT (account)"
            " DO UPDATE SET want_cents = excluded.want_cents, monthly = excluded.monthly,"
            " start_at = excluded.start_at, attempts = 0, due_at = 0, last_error = '',"
            " updated_at = excluded.updated_at",
    [STORE_AWS_BUDGET_SYNCED] = "UPDATE aws_budget SET have_cents = :have, attempts = 0,"
                                " due_at = 0, last_error = '', updated_at = :now"
                                " WHERE account = :account",
    [STORE_AWS_BUDGET_FAILED] = "UPDATE aws_budget SET attempts = :attempts, due_at = :due_at,"
                                " last_error = :error, updated_at = :now WHERE account = :account",
    [STORE_AWS_BUDGET_DROP] = "DELETE FROM aws_budget WHERE account = :account"
                              " AND want_cents IS NULL",
    /* The same condition as the index aws_budget_pending, so that it serves the query. */
    [STORE_AWS_BUDGET_PENDING] = "SELECT " AWS_BUDGET_COLS " FROM aws_budget"
                                 " WHERE want_cents IS NULL OR want_cents IS NOT have_cents"
                                 " ORDER BY account",
    [STORE_AWS_BUDGET_ANY] = "SELECT 1 FROM aws_budget LIMIT 1",
    [STORE_AWS_BUDGET_MARKED] = "SELECT account FROM aws_budget_replan ORDER BY account",
    [STORE_AWS_BUDGET_ANY_MARKED] = "SELECT 1 FROM aws_budget_replan LIMIT 1",
    [STORE_AWS_BUDGET_UNMARK] = "DELETE FROM aws_budget_replan",
    [STORE_BUDGET_ALL] = "SELECT " BUDGET_COLS " FROM account_budget ORDER BY account",
    /* `spend`: cost per owner, kind and class over days since <= day < until, for the
     * accounts this store manages (found by their AWS id, which is unique). */
    [STORE_SPEND_REPORT] =
            "SELECT a.owner, a.kind, coalesce(c.name, ''), count(DISTINCT a.id), sum(s.cents)"
            " FROM spend_day s JOIN account a ON a.account_id = s.account_id"
            " LEFT JOIN class c ON c.id = a.class_id"
            " WHERE s.day >= :since AND s.day < :until"
            " GROUP BY a.owner, a.kind, c.name ORDER BY a.owner, a.kind, c.name",
    [STORE_METRICS_HOOK_EVENTS_QUEUED] = "SELECT event, COUNT(*) FROM hook_event"
                                         " WHERE due_at IS NOT NULL GROUP BY event",
    [STORE_HOOK_RUN_LIST] = "SELECT " HOOK_RUN_COLS " FROM hook_run WHERE account = :account"
                            " ORDER BY id DESC LIMIT :limit",
    [STORE_CLASS_INSERT] = "INSERT INTO class (name, kind, owner, seats, state, expires_at,"
                           " created_at, updated_at, detail) VALUES (:name, :kind, :owner,"
                           " :seats, :state, :expires_at, :now, :now, :detail)",
    [STORE_CLASS_GET] = "SELECT " CLASS_COLS " FROM class WHERE name = :name",
    [STORE_CLASS_UPDATE] = "UPDATE class SET seats = :seats, state = :state,"
                           " expires_at = :expires_at, updated_at = :now, detail = :detail"
                           " WHERE id = :id",
    [STORE_CLASS_LIST] = "SELECT " CLASS_COLS " FROM class ORDER BY id",
    [STORE_AUDIT_HEAD] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
    [STORE_AUDIT_INSERT] = "INSERT INTO audit (" AUDIT_COLS ") VALUES (:seq, :ts, :actor,"
                           " :account, :account_id, :event, :from_state, :to_state, :detail,"
                           " :prev_hash, :hash)",
    [STORE_AUDIT_LIST] = "SELECT * FROM (SELECT " AUDIT_COLS " FROM audit"
                         " ORDER BY seq DESC LIMIT :limit) ORDER BY seq",
    [STORE_AUDIT_LIST_ACCOUNT] = "SELECT * FROM (SELECT " AUDIT_COLS " FROM audit"
                                 " WHERE account = :account ORDER BY seq DESC LIMIT :limit)"
                                 " ORDER BY seq",
    [STORE_AUDIT_ALL] = "SELECT " AUDIT_COLS " FROM audit ORDER BY seq",
    [STORE_ASSIGNMENT_INSERT] =
            "INSERT INTO access_assignment (account, account_id, instance_arn,"
            " permission_set_arn, permission_set_name, principal_type, principal_id, principal,"
            " status, due_at, created_at, updated_at) VALUES (:account, :account_id,"
            " :instance_arn, :permission_set_arn, :permission_set_name, :principal_type,"
            " :principal_id, :principal, :status, :due_at, :now, :now)"
            " ON CONFLICT DO NOTHING",
    [STORE_ASSIGNMENT_UPDATE] = "UPDATE access_assignment SET status = :status,"
                                " request_id = :request_id, attempts = :attempts,"
                                " due_at = :due_at, last_error = :last_error,"
                                " granted_at = :granted_at, revoked_at = :revoked_at,"
                                " updated_at = :now WHERE id = :id",
    [STORE_ASSIGNMENT_LIST] = "SELECT " ASSIGNMENT_COLS " FROM access_assignment"
                              " WHERE account = :account ORDER BY id",
    [STORE_ASSIGNMENT_REVOKE_ALL] = "UPDATE access_assignment SET status = 'revoking',"
                                    " request_id = '', attempts = 0, due_at = :now,"
                                    " last_error = '', updated_at = :now"
                                    " WHERE account = :account"
                                    " AND status IN ('requested', 'granted')",
    [STORE_ASSIGNMENT_DUE_ACCOUNTS] = "SELECT DISTINCT account FROM access_assignment"
                                      " WHERE status = 'revoking' AND due_at <= :now"
                                      " ORDER BY account LIMIT :limit",
    [STORE_ASSIGNMENT_NEXT_DUE] = "SELECT MIN(due_at) FROM access_assignment"
                                  " WHERE status = 'revoking'",
    [STORE_ASSIGNMENT_REGRANT_ALL] = "UPDATE access_assignment SET status = 'requested',"
                                     " request_id = '', attempts = 0, due_at = :now,"
                                     " last_error = '', revoked_at = 0, updated_at = :now"
                                     " WHERE account = :account AND principal != ''"
                                     " AND status IN ('revoking', 'revoked')",
    [STORE_CLASS_GROUP_INSERT] = "INSERT INTO class_access_group (class, pos, name)"
                                 " VALUES (:class, :pos, :name)",
    [STORE_CLASS_GROUP_LIST] = "SELECT name FROM class_access_group WHERE class = :class"
                               " ORDER BY pos",
};
