/*
 * engine.h -- the lifecycle engine: requests, the step function that does all due work, and
 * the operations behind the commands (close, offboard, extend, retry, adopt, init, quota).
 *
 * Data flows one way: commands call the engine; the engine calls the store, the AWS client and
 * the hook runner; it never prints (events reach the caller through engine_opts.on_event).
 *
 * Safety rules the engine keeps (DESIGN.md section 3):
 * - every state change is a compare-and-set on the row plus one audit event, in one
 *   transaction, and only along engine_state.h's table;
 * - intent is recorded before every AWS side effect (the `submitted` flag before CreateAccount,
 *   the closing state and a close-ledger row before CloseAccount), and CreateAccount and
 *   CloseAccount are sent with a single attempt, on a connection of their own (the client
 *   never lets libcurl or its retries re-send them): an ambiguous outcome (timeout, 5xx,
 *   dropped connection) is resolved by reconciliation (ListCreateAccountStatus / ListAccounts
 *   matched on the unique name and email; DescribeAccount for closures), never by blindly
 *   sending again; a call that provably never left (SBX_AWS_NETWORK) is simply rescheduled;
 * - every side effect on an account happens under a claim (claim_by = host:pid:random), so
 *   several engine processes never run a hook or a close twice. Claims expire by the wall
 *   clock, not the engine's clock: a test advancing a simulator by 30 days must not make a
 *   running hook's claim look stale. A claim held by a dead process on this host is taken
 *   over at once (kill(pid, 0) == ESRCH), so a crash never stalls the next pass;
 * - protection is checked against live state (DescribeAccount, ListTagsForResource) right
 *   before the nuke starts and again right before CloseAccount; a refusal is an audit event
 *   and the `protected` state, never a silent skip.
 *
 * Building on it (e.g. pipelined class provisioning): engine_request() for each seat (cheap:
 * store only), then engine_step() in a loop with a scope (class_id) until every seat is active;
 * engine_step() never blocks on pacing: an operation whose token bucket is empty is skipped
 * and reported through pace_due / next_due.
 */
#ifndef SBX_ENGINE_H
#define SBX_ENGINE_H

#include <stdint.h>

#include "sbx.h"
#include "store/store.h"

struct sbx_config;
struct sbx_clock;
struct orgs;
struct engine;

/* Something happened to an account (for live output); strings borrowed for the call. */
struct engine_event {
    const struct store_account *account; /* the row after the change */
    const char *event;                   /* "transition", "warned", "close_refused", ... */
    const char *from;                    /* NULL when not a state change */
    const char *to;
    const char *message; /* human text, "" when none */
    /* Hook events of the outbox (event "nuke-failed", "quarantined", ...) only: */
    const char *id;     /* SANDBOX_EVENT_ID; NULL for every other event */
    const char *detail; /* SANDBOX_EVENT_DETAIL, "" when none */
    bool delivered;     /* its hooks succeeded (else the delivery is retried later) */
};

struct engine_opts {
    const struct sbx_config *cfg;
    struct store *store;
    struct orgs *orgs;       /* NULL: store-only use (list, show, quota, log) */
    struct sbx_clock *clock; /* the engine's "now" (may follow the simulator's clock) */
    const char *actor;       /* for the audit log, e.g. "alice (offboard)"; NULL = "sandboxctl" */
    const char *config_path; /* SANDBOX_CONFIG for hooks; may be NULL */
    bool dry_run;            /* report what would happen; change nothing anywhere */
    void (*on_event)(void *arg, const struct engine_event *ev);
    void *event_arg;
};

/* Creates an engine over borrowed components. *out is freed with engine_free. */
int engine_new(const struct engine_opts *o, struct engine **out, struct sbx_err *err) SBX_NODISCARD;
void engine_free(struct engine *e);
/* The engine's current time (epoch seconds), from its clock. */
double engine_now(const struct engine *e);
/* Re-reads the simulator's clock when aws.follow_sim_clock is set (no-op otherwise). */
int engine_resync_clock(struct engine *e, struct sbx_err *err) SBX_NODISCARD;
/* Sleeps secs of the engine's clock, then re-reads the simulator's clock it follows (paused,
 * that clock moves only when a test advances it); a failed re-read is logged, and the next sleep
 * tries again. -1 when a signal cut the sleep short. */
int engine_sleep(struct engine *e, double secs);

/* --- requests --------------------------------------------------------------------------- */

struct engine_request {
    const char *kind;
    const char *owner;
    int64_t ttl;            /* seconds; ENGINE_TTL_DEFAULT = the kind's default */
    const char *name;       /* explicit account name; NULL = from the template */
    int64_t class_id;       /* 0 = none */
    const char *class_name; /* for {class}; NULL = none */
    int64_t seat;           /* 0 = none */
    int64_t budget;         /* the account's own budget in cents (--budget); 0 = its kind's */
};
#define ENGINE_TTL_DEFAULT (-1)

/*
 * Validates r (owner, kind, ttl against the kind's maximum, templates, AWS's email and name
 * rules, max_per_owner), reserves a unique email alias and name, and records the account as
 * requested, due now. No AWS call. On success *out holds the new row (store_account_release).
 * In dry-run nothing is written and out->id is 0. Errors: SBX_E_INVALID for bad input (the
 * store is unchanged), SBX_E_STORE.
 */
int engine_request(struct engine *e, const struct engine_request *r, struct store_account *out,
                   struct sbx_err *err) SBX_NODISCARD;

/* --- the step function -------------------------------------------------------------------- */

struct engine_step_opts {
    const struct store_filter *scope; /* only these accounts (id, owner, class); NULL = all */
    bool no_close;                    /* skip the close phases (e.g. `create` waiting) */
};

struct engine_step_report {
    int submitted;        /* CreateAccount calls accepted */
    int activated;        /* accounts that became active */
    int warned;           /* expiry warnings fired */
    int expired;          /* active -> expiring */
    int nuked;            /* pre-close hooks succeeded */
    int nuke_retries;     /* pre-close hooks failed, will retry */
    int quarantined;      /* -> nuke_failed */
    int close_sent;       /* CloseAccount calls accepted */
    int closed;           /* -> suspended */
    int gone;             /* -> gone */
    int refused;          /* protection refusals */
    int failed;           /* creations that failed */
    int deferred;         /* closes pushed back by AWS (quota, closures in flight) */
    int reconciled;       /* rows repaired from AWS's view after a crash or an ambiguous call */
    int errors;           /* AWS or hook errors (the row is retried later) */
    int pooled;           /* pool accounts created and ready to hand out */
    int pool_requested;   /* pool accounts requested to fill the pools */
    int pool_closed;      /* surplus pool accounts sent to close (the pool shrank) */
    int events_delivered; /* hook events delivered (nuke-failed, quarantined, ...) */
    int events_failed;    /* hook event deliveries that failed (retried later) */
    int budget_checks;    /* spend checks run (Cost Explorer, budget.check_interval) */
    int budget_warned;    /* budget-warning events */
    int budget_exceeded;  /* budget-exceeded events */
    int frozen;           /* freezing -> frozen (the freeze SCP attached) */
    bool did_work;        /* something changed or an AWS call was made */
    bool pace_blocked;    /* some work waits only for a client-side token bucket */
    double pace_due;      /* when that work can go (engine clock), if pace_blocked */
    char last_error[512];
};

/* Adds one step's counts, work and last error to r (pacing is the caller's to merge). */
void engine_step_report_add(struct engine_step_report *r, const struct engine_step_report *one);

/*
 * Does all work that is possible now within the scope, without waiting for pacing: submits
 * requested creations up to limits.create_in_progress, polls creating ones, moves and tags
 * created ones (post-create hooks), fires due expiry warnings once each, expires, runs pre-close
 * hooks (at most hooks.parallel accounts at once), closes within the quota, closures in flight
 * and rate, polls closing ones, runs post-close hooks, and marks accounts gone after the 90-day
 * period. Adds to *r (zero it first). *next_due is the engine-clock time of the next work
 * (HUGE_VAL when nothing is scheduled). Per-account problems are recorded on the account and in
 * r->errors; -1 is returned only when the store fails.
 */
int engine_step(struct engine *e, const struct engine_step_opts *o, struct engine_step_report *r,
                double *next_due, struct sbx_err *err) SBX_NODISCARD;

/*
 * One pass: engine_step() until nothing more is due now, sleeping (engine clock) for pacing
 * waits of at most max_pace_wait seconds. *next_due as for engine_step.
 */
int engine_run(struct engine *e, const struct engine_step_opts *o, double max_pace_wait,
               struct engine_step_report *r, double *next_due, struct sbx_err *err) SBX_NODISCARD;

/* --- drift: the organization changed behind sandboxctl's back ---------------------------- */

struct engine_drift_report {
    bool ran;        /* false: not due yet (see next_at) */
    int64_t next_at; /* engine time the next scan is due; 0 = never (drift_interval 0) */
    int members;     /* accounts in the organization (stored for the close-quota formula) */
    int scanned;     /* open store rows compared with AWS */
    int gone;        /* -> gone: no longer in the organization */
    int closed;      /* -> suspended: closed outside sandboxctl */
    int moved;       /* reported: outside their OU */
    int retagged;    /* reported: sandboxctl's tags removed or changed */
    int unknown;     /* reported: in a sandbox OU, unknown to the store (never touched) */
    int errors;      /* rows that could not be checked (retried at the next scan) */
};

/*
 * The drift scan `run` does every engine.drift_interval (or now when force): lists the
 * organization's accounts and the sandbox OUs, moves rows whose account left the organization
 * or was closed outside sandboxctl to gone / suspended (audited), reports accounts moved out
 * of their OU or retagged (an audit event and last_error, once per finding) and accounts in the
 * sandbox OUs that no row knows (events only), and refreshes the stored member count. Dry-run
 * reports without writing. Events go to the engine's event callback.
 */
int engine_drift_scan(struct engine *e, bool force, struct engine_drift_report *r,
                      struct sbx_err *err) SBX_NODISCARD;

/* --- operations on one account ----------------------------------------------------------- */

struct engine_release_opts {
    bool keep_tags;    /* leave sandboxctl's tags on the account */
    const char *to_ou; /* OU path to move it to (created when missing); NULL = leave it */
};

/*
 * `release`: the inverse of adopt. Stops managing a (active, expiring, nuke_failed,
 * close_wait or protected) without closing it: moves it to o->to_ou when given, removes
 * sandboxctl's tags unless o->keep_tags, and keeps its row as released with its audit history;
 * the engine never touches it again. Refused (SBX_E_INVALID) in any other state, and
 * (SBX_E_CONFLICT) while another process works on it. Dry-run checks and changes nothing.
 */
int engine_release(struct engine *e, struct store_account *a, const struct engine_release_opts *o,
                   struct sbx_err *err) SBX_NODISCARD;

enum engine_close_outcome {
    ENGINE_CLOSE_QUEUED,       /* now on its way to closing (or already was) */
    ENGINE_CLOSE_CANCELLED,    /* a creation that had not been sent: cancelled */
    ENGINE_CLOSE_AFTER_CREATE, /* still being created: closes as soon as it exists */
    ENGINE_CLOSE_DONE,         /* already closed, gone, or failed (nothing to close) */
    ENGINE_CLOSE_REFUSED,      /* protected: refused (audited) */
    ENGINE_CLOSE_RELEASED,     /* handed over by `release`: never touched */
};

/* The close priority of an off-boarded owner's accounts (`offboard`, the directory check):
 * ahead of expired ones. */
#define ENGINE_OFFBOARD_PRIORITY 100

/*
 * Asks for a to be closed with reason ("manual", "offboarded", ...) and priority (higher closes
 * first): active -> expiring now; a quarantined account gets another attempt; a creation not
 * yet sent is cancelled; one in flight closes once created. When check_protection is set the
 * live protection rules are checked first (needs AWS) and a protected account is refused with
 * an audit event. *a is updated. Idempotent.
 */
int engine_close_request(struct engine *e, struct store_account *a, const char *reason,
                         int64_t priority, bool check_protection,
                         enum engine_close_outcome *outcome, char *why, size_t whylen,
                         struct sbx_err *err) SBX_NODISCARD;

/*
 * What a close request for a came to, in the one word `close` and `offboard` report, from its
 * state after the request (and the engine runs that followed) and the request's outcome:
 * refused, closed, closing, queued, nuking, nuke_retrying, quarantined, close_failed,
 * closes_after_create, cancelled, nothing_to_close, released or not_closing. *failure says
 * whether it needs a human.
 */
const char *engine_close_verdict(const struct store_account *a, enum engine_close_outcome outcome,
                                 bool *failure);

/*
 * Checks a's protection: the management account, organization.protected_accounts, accounts
 * neither created nor adopted by sandboxctl, and (live) the protected tags and the account's
 * email at AWS. *protected and why (a sentence) say the verdict. Needs AWS.
 */
int engine_check_protection(struct engine *e, const struct store_account *a, bool *protected,
                            char *why, size_t whylen, struct sbx_err *err) SBX_NODISCARD;

/* The portal's direct link to a's console for its owner (the access portal, the account, the
 * owner's permission set) while the owner's IAM Identity Center assignment on a is granted;
 * "" otherwise, and when it cannot be had (logged). For rosters and notices. */
void engine_access_link(struct engine *e, const struct store_account *a, char *link, size_t n);

/*
 * Moves a's expiry to new_expiry (epoch seconds): refused (SBX_E_INVALID) beyond the kind's
 * max_ttl counted from activation, or in the past, or for states that cannot be extended.
 * An expired account not yet being nuked, a quarantined or a protected one becomes active
 * again. Re-tags the expiry at AWS (best effort; a failure is in *warning).
 */
int engine_extend(struct engine *e, struct store_account *a, int64_t new_expiry, char *warning,
                  size_t warnlen, struct sbx_err *err) SBX_NODISCARD;

/* Releases a quarantined (nuke_failed), protected, close_failed or failed account for another
 * attempt: attempts reset, due now (a failed creation gets a new alias, a close_failed one goes
 * back in line for a close slot). SBX_E_INVALID otherwise. */
int engine_retry(struct engine *e, struct store_account *a, struct sbx_err *err) SBX_NODISCARD;

/*
 * Brings an existing member account under management as active (adopted): refuses the
 * management account, unknown or closed accounts, and accounts already managed. Reserves its
 * email and name, tags it, and moves it to the kind's OU unless keep_ou. With grant and the
 * `access` group it is recorded as creating instead: the creating phase grants its owner (and
 * the kind's groups) access, then activates it (no post-create hooks).
 */
int engine_adopt(struct engine *e, const char *account_id, const char *kind, const char *owner,
                 int64_t ttl, bool keep_ou, bool grant, struct store_account *out,
                 struct sbx_err *err) SBX_NODISCARD;

/* --- organization ------------------------------------------------------------------------- */

struct engine_init_report {
    char org_id[64];
    char management_account_id[13];
    char management_email[128];
    char root_id[64];
    char feature_set[32];
    int64_t members; /* accounts in the organization, management included */
    int ous_created;
    int ous_existing;
    char ous[32][160]; /* "path=id (created|exists|would create)" per kind OU */
    int nous;
};

/* Discovers the organization (DescribeOrganization, ListRoots, ListAccounts), records it in the
 * store, and creates every kind's OU (and close_wait_ou) when missing. Dry-run creates nothing.
 */
int engine_init_org(struct engine *e, struct engine_init_report *r,
                    struct sbx_err *err) SBX_NODISCARD;

/* --- close quota -------------------------------------------------------------------------- */

struct engine_quota_item {
    int64_t id;
    char account_id[13];
    char name[64];
    char owner[128];
    char reason[32];
    int64_t eta; /* expected CloseAccount time */
};

struct engine_quota_view {
    int quota;             /* closures allowed per rolling 30 days */
    char quota_source[48]; /* "config", "formula (N members)", "learned from AWS" */
    int used;              /* closures in the last 30 days (ledger) */
    int free_slots;        /* quota - used (>= 0) */
    int in_flight;         /* closures in progress */
    int in_flight_max;
    int64_t not_before; /* learned marker, 0 = none */
    int64_t next_slot;  /* when the oldest closure in the window ages out (0 = none) */
    size_t nqueue;
    struct engine_quota_item *queue; /* heap (engine_quota_view_release) */
};

/* The quota picture and the close queue with expected close times. Store only. */
int engine_quota(struct engine *e, struct engine_quota_view *v, struct sbx_err *err) SBX_NODISCARD;
void engine_quota_view_release(struct engine_quota_view *v);

/* --- helpers for the commands ------------------------------------------------------------- */

/* Formats the expiry of a ("" for never) as RFC 3339 into buf. */
const char *engine_fmt_time(int64_t t, char *buf, size_t n);
/* The claim id of this engine ("host:pid:random"). */
const char *engine_claim_id(const struct engine *e);

/*
 * The accounts AWS holds that carry this store's identity tag (sandboxctl:store) but that the
 * store does not know -- what a store restored from an older copy misses. *ids (heap, one
 * free) holds *n account ids. Reads ListAccounts, and the tags of every account the store does
 * not know. A store without an identity has none.
 */
int engine_unknown_tagged(struct engine *e, char (**ids)[13], size_t *n,
                          struct sbx_err *err) SBX_NODISCARD;

/* What `recover` found for one account tagged with this store's identity. */
enum engine_recover_action {
    ENGINE_RECOVER_RESTORE, /* the store lost it: a row is (or would be) made from its tags */
    ENGINE_RECOVER_KNOWN,   /* the store knows it */
    ENGINE_RECOVER_DIFFERS, /* the store knows it, but its tags say otherwise (detail) */
    ENGINE_RECOVER_SKIPPED, /* lost, but its tags do not allow a row (detail) */
};

struct engine_recovery {
    int64_t id; /* the row (0 when none is made) */
    char account_id[13];
    char aws_state[24];
    enum engine_recover_action action;
    char detail[256];
};

struct engine_recover_report {
    char store_id[33];     /* "" when neither the store nor any account has one */
    bool adopted_identity; /* a new store took its identity from the accounts' tags */
    int restored, known, differ, skipped;
};

/*
 * Rebuilds the store from the organization: every account tagged with this store's identity
 * (sandboxctl:store) that the store does not know becomes a row again, its state from AWS
 * (active, closing or suspended) and its owner, kind and expiry from its tags; its new row id
 * is tagged back. A store without an identity (made anew after the file was lost) takes the
 * one the accounts carry, refusing when several stores' accounts are there. Nothing is written
 * unless apply. cb (may be NULL) hears of every tagged account. Needs AWS.
 */
int engine_recover(struct engine *e, bool apply,
                   void (*cb)(void *arg, const struct engine_recovery *r), void *arg,
                   struct engine_recover_report *rep, struct sbx_err *err) SBX_NODISCARD;

#endif
