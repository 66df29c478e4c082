/*
 * engine_int.h -- private to src/engine/engine*.c: the engine struct and the helpers the phases
 * share (transitions, claims, events, organization facts, hooks).
 */
#ifndef SBX_ENGINE_INT_H
#define SBX_ENGINE_INT_H

#include "aws/orgs.h"
#include "cfg.h"
#include "engine/engine.h"
#include "engine/engine_access.h"
#include "engine/engine_state.h"
#include "hook/hook.h"

/* Seconds (engine clock) between polls of a creation / a closure in progress. A creation is
 * first polled when it is expected to be done, then every ENGINE_POLL_OVERDUE seconds for
 * ENGINE_POLL_FAST_WINDOW seconds, then every ENGINE_POLL_CREATE (engine_poll.c). */
#define ENGINE_POLL_CREATE      5
#define ENGINE_POLL_CLOSE       10
#define ENGINE_POLL_OVERDUE     1
#define ENGINE_POLL_FAST_WINDOW 5
/* Expected CreateAccount latency before any is learned, its bounds, and how many recent
 * creations the learned median is taken over. */
#define ENGINE_CREATE_LATENCY_DEFAULT 30
#define ENGINE_CREATE_LATENCY_MIN     1
#define ENGINE_CREATE_LATENCY_MAX     300
#define ENGINE_CREATE_SAMPLES         9
/* Wall-clock seconds a claim for an AWS step lasts (renewed per step). */
#define ENGINE_CLAIM_AWS 300
/* AWS removes a closed account from the organization after this long. */
#define ENGINE_AFTERLIFE (90 * 86400)
/* Default estimate of how long a closure stays PENDING_CLOSURE, until the store has data. */
#define ENGINE_CLOSE_LATENCY_DEFAULT 300

/* sandboxctl's own tags on an account. The identity tags say whose it is (engine_identity.c):
 * TAG_STORE names the store that manages it (the store meta key ENGINE_META_STORE_ID, made by
 * init), TAG_ROW its row id there and TAG_CREATED when that row was made (RFC 3339). */
#define TAG_MANAGED_BY       "managed-by"
#define TAG_MANAGED_BY_VALUE "sandboxctl"
#define TAG_OWNER            "sandboxctl:owner"
#define TAG_KIND             "sandboxctl:kind"
#define TAG_EXPIRES          "sandboxctl:expires"
#define TAG_CLASS            "sandboxctl:class"
#define TAG_SEAT             "sandboxctl:seat"
#define TAG_STORE            "sandboxctl:store"
#define TAG_ROW              "sandboxctl:row"
#define TAG_CREATED          "sandboxctl:created"
#define ENGINE_META_STORE_ID "store_id"

struct engine {
    const struct sbx_config *cfg;
    struct store *store;
    struct orgs *orgs;
    struct sbx_clock *clock;
    char actor[160];
    char *config_path;
    bool dry_run;
    void (*on_event)(void *arg, const struct engine_event *ev);
    void *event_arg;
    char claim_id[192];
    char hostname[128];
    int max_attempts; /* the client's configured attempts, restored after single-shot calls */
    /* Organization facts (store meta), loaded on first need. */
    bool org_loaded;
    char mgmt_id[13];
    char root_id[64];
    /* Per-step caches of AWS listings used by reconciliation (freed at the end of a step). */
    bool cas_loaded;
    struct orgs_create_status *cas;
    size_t ncas;
    bool accts_loaded;
    struct orgs_account *accts;
    size_t naccts;
    struct engine_access_cache *access; /* Identity Center client, lookups (engine_grant.c) */
};

/* Seconds (wall clock) a claim lasts while hooks run: every executable may use its timeout. */
static inline double
eng_hook_claim_secs(const struct engine *e)
{
    return (double)(e->cfg->hooks.timeout * 4 + ENGINE_CLAIM_AWS);
}
/* Current engine time, whole seconds. */
int64_t eng_now(const struct engine *e);
/* The kind named by the row, or a fallback (no expiry rules, every hook) for a kind the config
 * no longer has. Never NULL. */
const struct cfg_kind *eng_kind(const struct engine *e, const char *name);
/* A pool account (engine_pool.c): created ahead for its kind's pool, no owner yet. */
static inline bool
eng_is_pool(const struct store_account *a)
{
    return a->owner != NULL && a->owner[0] == '\0';
}
/* When an active account next needs attention: the earliest unfired warning or its expiry. */
int64_t eng_active_due(const struct cfg_kind *k, const struct store_account *a);

/* Builds a JSON object text from key/value string pairs (NULL-terminated list; a NULL value
 * is skipped). Returns a heap string or NULL (out of memory). */
char *eng_detail(const char *key, ...);
/* Calls the on_event hook. */
void eng_emit(struct engine *e, const struct store_account *a, const char *event, const char *from,
              const char *to, const char *message);

/*
 * Moves a to state `to` (which must be allowed from a->state by the table) writing every field
 * of a, with one audit event (event, detail JSON or NULL). On SBX_E_CONFLICT a is left as the
 * caller had it (state restored) and nothing changed.
 */
int eng_transition(struct engine *e, struct store_account *a, enum engine_state to,
                   const char *event, const char *detail, const char *message,
                   struct sbx_err *err) SBX_NODISCARD;
/* Writes a's fields without a state change; event NULL = no audit event. */
int eng_save(struct engine *e, struct store_account *a, const char *event, const char *detail,
             struct sbx_err *err) SBX_NODISCARD;
/* Re-reads a from the store. */
int eng_reload(struct engine *e, struct store_account *a, struct sbx_err *err) SBX_NODISCARD;
/* Claims a for secs wall-clock seconds (taking over from a dead holder on this host); on
 * success *got is set and a is re-read. */
int eng_claim(struct engine *e, struct store_account *a, double secs, bool *got,
              struct sbx_err *err) SBX_NODISCARD;
/* Reads the account with this id into *a and claims it as eng_claim() does; *a is to be
 * released (and, when *got, unclaimed) by the caller, and holds nothing after an error. */
int eng_claim_id(struct engine *e, int64_t id, double secs, struct store_account *a, bool *got,
                 struct sbx_err *err) SBX_NODISCARD;
/* Drops our claim on a (errors are logged, not returned). */
void eng_unclaim(struct engine *e, const struct store_account *a);
/* True when a's claim is held by someone else who is alive (or whose claim has not expired). */
bool eng_claimed_by_other(const struct engine *e, const struct store_account *a);
/* Records an error on a (last_error, due later) without a state change. */
int eng_defer(struct engine *e, struct store_account *a, int64_t delay, const char *msg,
              struct sbx_err *err) SBX_NODISCARD;

/* Picks an unused email alias and account name for the kind's templates (the next {seq},
 * returned in *seq); explicit_name overrides the name template. Nothing is written. */
int eng_pick_alias(struct engine *e, const struct cfg_kind *kind, const char *owner,
                   const char *class_name, int64_t seat, const char *explicit_name, char *email,
                   size_t en, char *name, size_t nn, int64_t *seq,
                   struct sbx_err *err) SBX_NODISCARD;
/* Advances the alias counter to at least seq; call inside the transaction that uses it. */
int eng_commit_seq(struct engine *e, int64_t seq, struct sbx_err *err) SBX_NODISCARD;

/* A new account to request: everything but its alias. */
struct eng_new_row {
    const struct cfg_kind *kind;
    const char *owner;       /* the row's owner ("" for a pool account) */
    const char *alias_owner; /* whose alias is picked (the pool's own for a pool account) */
    const char *class_name;  /* NULL: not a class seat */
    int64_t class_id, seat;
    const char *name; /* an explicit account name, or NULL: from the name template */
    int64_t ttl;      /* 0: no expiry */
    int64_t priority;
    int max_alive;  /* store_account_insert's limit of the owner's live accounts (0: none) */
    int64_t budget; /* cents, set in the same transaction (0: none) */
    bool pool;      /* a pool account: its audit detail and event say so */
    int64_t now;    /* due now */
};

/*
 * Inserts a requested row for n under a fresh alias: picks the email and name, writes the row,
 * the alias counter, the budget and the "requested" audit event in one transaction, and picks
 * again (up to 20 times) when another process took the alias meanwhile; an explicit name is
 * not picked again. In a dry run nothing is written. *out (NULL: not wanted) is the new row.
 */
int eng_insert_requested(struct engine *e, const struct eng_new_row *n, struct store_account *out,
                         struct sbx_err *err) SBX_NODISCARD;
/* Protection check that also returns the live DescribeAccount view (orgs_account_release). */
int eng_protection_live(struct engine *e, const struct store_account *a, bool *prot, char *why,
                        size_t n, struct orgs_account *live, struct sbx_err *err) SBX_NODISCARD;

/* --- engine_aws.c ---------------------------------------------------------------------- */

/* Loads the management account id and root id (store meta, else AWS). */
int eng_load_org(struct engine *e, struct sbx_err *err) SBX_NODISCARD;
/* The OU id for path ("" = the root), creating missing OUs. *id is heap. */
int eng_ensure_ou(struct engine *e, const char *path, char **id, struct sbx_err *err) SBX_NODISCARD;
/* Moves a into its kind's OU when it is elsewhere. *blocked set when pacing made it wait. */
int eng_place_account(struct engine *e, const struct store_account *a, bool *blocked,
                      struct sbx_err *err) SBX_NODISCARD;
/* Moves a into the OU at path ("" = the root) when it is elsewhere. */
int eng_move_to(struct engine *e, const struct store_account *a, const char *path, bool *blocked,
                struct sbx_err *err) SBX_NODISCARD;
/* eng_move_to, but only from one of the OU ids from[0..nfrom) ("" ignored; from NULL: any):
 * from another parent nothing is moved, and away (n_away bytes) names that parent ("" when
 * it was one of them). */
int eng_move_to_from(struct engine *e, const struct store_account *a, const char *path,
                     const char (*from)[80], size_t nfrom, bool *blocked, char *away, size_t n_away,
                     struct sbx_err *err) SBX_NODISCARD;
/* Tags a with owner, kind, expiry, class, seat, managed-by, the kind's tags and (once a has a
 * row) its identity tags. */
int eng_tag_account(struct engine *e, const struct store_account *a, bool *blocked,
                    struct sbx_err *err) SBX_NODISCARD;
/*
 * For a command's loop that waits out the client's pacing (a step never waits): sleeps wait
 * seconds on the engine's clock and re-reads a simulator's clock, which, paused, moves only
 * when a test advances it. False, without sleeping, once that clock has passed deadline.
 */
bool eng_pace_sleep(struct engine *e, double wait, double deadline);
/* How long a command waits out pacing on one call before it gives up, in seconds. */
#define ENG_PACE_WAIT_MAX 600
/* Single-shot AWS call wrappers for the two non-idempotent operations (CreateAccount
 * carries a's identity tags). */
int eng_create_account(struct engine *e, const struct store_account *a,
                       struct orgs_create_status *st, struct sbx_err *err) SBX_NODISCARD;
int eng_close_account(struct engine *e, const char *account_id, struct sbx_err *err) SBX_NODISCARD;
/* Is account_id protected by one of organization.protected_tags, by its live tags? *prot set
 * with the reason in why. */
int eng_tag_protected(struct engine *e, const char *account_id, bool *prot, char *why, size_t n,
                      struct sbx_err *err) SBX_NODISCARD;
/* Reconciliation lookups (cached per step): the create request made with a's unique name, and
 * the account with a's email. found_* false when AWS has none. */
int eng_find_create_request(struct engine *e, const struct store_account *a,
                            struct orgs_create_status *out, bool *found,
                            struct sbx_err *err) SBX_NODISCARD;
int eng_find_account_by_email(struct engine *e, const char *email, char account_id[13], bool *found,
                              struct sbx_err *err) SBX_NODISCARD;
/* Drops the per-step caches (engine.c). */
void eng_drop_caches(struct engine *e);
/* (engine_ops.c) Replaces a's email and name with fresh unique ones (after
 * EMAIL_ALREADY_EXISTS); reserves them. The old ones stay reserved. Does not write a itself. */
int eng_regenerate_alias(struct engine *e, struct store_account *a,
                         struct sbx_err *err) SBX_NODISCARD;

/* --- engine_poll.c --------------------------------------------------------------------- */

/* Expected seconds from CreateAccount to its completion: the median Requested -> Completed
 * time of the last ENGINE_CREATE_SAMPLES creations (store meta), ENGINE_CREATE_LATENCY_DEFAULT
 * before any, bounded to [ENGINE_CREATE_LATENCY_MIN, ENGINE_CREATE_LATENCY_MAX]. A store
 * error gives the default. */
double eng_create_latency(struct engine *e);
/* Records one finished creation's Requested -> Completed seconds (best effort, not in dry-run). */
void eng_learn_create_latency(struct engine *e, double secs);
/* When (engine time) to poll next a creation in progress that was sent at `sent` (engine-clock
 * epoch seconds; <= 0 when unknown), now being now: its expected completion while that is
 * ahead, then every ENGINE_POLL_OVERDUE seconds for ENGINE_POLL_FAST_WINDOW seconds, then every
 * ENGINE_POLL_CREATE seconds (also when sent is unknown). */
int64_t eng_create_poll_due(struct engine *e, double sent, int64_t now);
/* base doubled attempts times, at most cap (seconds). */
int64_t eng_backoff(int64_t attempts, int64_t base, int64_t cap);

/* --- engine_drift.c -------------------------------------------------------------------- */

/* Seconds between looks at accounts that drifted (engine.drift_interval, or an hour). */
int64_t eng_drift_recheck(const struct engine *e);
/*
 * Is a still where sandboxctl put it, with sandboxctl's tags? Its parent must be its kind's OU,
 * the close-wait OU (or the one configured before it, ENG_META_PREV_WAIT_OU), or (adopted with
 * --keep-ou) the OU it was adopted in; its managed-by,
 * owner and kind tags must be sandboxctl's (and the identity tags, where the account has them,
 * this store's and this row's: row id and creation time). *drifted with the reason in why
 * ("moved to ou-... by someone else", "tag ...").
 */
int eng_drift_check(struct engine *e, const struct store_account *a, bool *drifted, char *why,
                    size_t n, struct sbx_err *err) SBX_NODISCARD;
/* Store meta: the wait OU the accounts' parked flags are about (a path), and the id of the
 * wait OU configured before it (the accounts sandboxctl parked there are at home there). */
#define ENG_META_PARKED_OU    "close_wait_parked_ou"
#define ENG_META_PREV_WAIT_OU "close_wait_prev_ou_id"
/* Brings the store up to organization.close_wait_ou before anything judges where an account
 * belongs (the drift scan, a step): when it names another OU than the parked flags are about,
 * every flag is forgotten (the waiting accounts move to the new one) and the old OU is recorded
 * as ENG_META_PREV_WAIT_OU, in one transaction. Nothing without a wait OU or in a dry run. */
int eng_wait_ou_sync(struct engine *e, struct sbx_err *err) SBX_NODISCARD;
/* eng_move_to, but only from one of a's homes (eng_drift_check's): from anywhere else someone
 * moved it on purpose, and it stays there, why saying so ("moved to ou-... by someone else");
 * why is "" otherwise. */
int eng_move_from_home(struct engine *e, const struct store_account *a, const char *path,
                       bool *blocked, char *why, size_t n, struct sbx_err *err) SBX_NODISCARD;
/* True when a last_error text is a drift finding of eng_drift_check. */
bool eng_drift_finding(const char *last_error);
/* Moves an open row whose account vanished (gone) or is closed at AWS (suspended); audited. */
int eng_drift_mark(struct engine *e, struct store_account *a, const struct orgs_account *live,
                   bool vanished, struct sbx_err *err) SBX_NODISCARD;

/* --- engine_hooks.c -------------------------------------------------------------------- */

/*
 * Runs event's hooks for the n accounts (batch, at most hooks.parallel at once), recording
 * each run in hook_run. ok[i] says whether account i's hooks succeeded; msg[i] (256 bytes each)
 * says why not. warn_offset is for expiry-warning (NULL otherwise). Returns -1 only on store
 * failure.
 */
int eng_run_hooks(struct engine *e, enum cfg_hook_event ev, struct store_account *const *accts,
                  size_t n, const char *warn_offset, bool *ok, char (*msg)[256],
                  struct sbx_err *err) SBX_NODISCARD;

#define ENG_HOOK_DETAIL_TAIL 700 /* bytes of a failed run's output tail in its detail */

/* What eng_run_hooks_opts adds to eng_run_hooks. */
struct eng_hook_opts {
    const char *warn_offset;  /* SANDBOX_WARN_OFFSET (expiry-warning) */
    const char *const *extra; /* more "KEY=VALUE" for every account; NULL-terminated or NULL */
    int64_t attempt;          /* SANDBOX_HOOK_ATTEMPT and the run's attempt; 0 = attempts + 1 */
    int64_t *run_ids;         /* out (n): each account's hook_run id, 0 when none ran; or NULL */
    char (*details)[800];     /* out (n): a failure in one line with the end of the output's
                                 tail (ENG_HOOK_DETAIL_TAIL bytes), "" on success; or NULL */
};
/* eng_run_hooks with the options above. */
int eng_run_hooks_opts(struct engine *e, enum cfg_hook_event ev, struct store_account *const *accts,
                       size_t n, const struct eng_hook_opts *o, bool *ok, char (*msg)[256],
                       struct sbx_err *err) SBX_NODISCARD;

/* --- engine_grant.c ----------------------------------------------------------------------- */

/* Where an account's assignments stand after one step of eng_access_grant/eng_access_revoke. */
struct eng_access_progress {
    bool done;     /* every assignment granted (grant), or none left (revoke) */
    bool worked;   /* an AWS call was made */
    int64_t next;  /* when (engine time) the next step is due; 0 = nothing pending */
    char why[600]; /* the last refusal or failure, "" when none */
    bool failed;   /* why is a failure for the operator, not a wait (throttling, conflict,
                      an owner without a user, which the directory check handles) */
    double paced;  /* a request waits for access.assign_rate until then (engine time); 0: none */
};

/*
 * One step toward the owner's access to a (an account provisioned in its OU, with an account
 * id): the first call records the owner's assignment (audit access_requested); later calls
 * send or poll it; audit access_granted once AWS says SUCCEEDED. Done at once when revocation
 * began. Refusals and failures wait on the assignment row (p->why, p->next); -1 only for
 * store errors.
 */
int eng_access_grant(struct engine *e, const struct store_account *a, struct eng_access_progress *p,
                     struct sbx_err *err) SBX_NODISCARD;
/* One step of deleting a's assignments marked by eng_access_revoke_begin (audit access_revoked
 * for each deletion AWS confirms); p->done when none remains. -1 only for store errors. */
int eng_access_revoke(struct engine *e, const struct store_account *a,
                      struct eng_access_progress *p, struct sbx_err *err) SBX_NODISCARD;
/* Marks every assignment sandboxctl made on a for deletion, durably (audit access_revoking);
 * the run loop (and the commands that wait) delete them and wait for AWS; 0 when there is
 * nothing to revoke or access is not configured. Idempotent. */
int eng_access_revoke_begin(struct engine *e, const struct store_account *a, const char *reason,
                            struct sbx_err *err) SBX_NODISCARD;
/* With access.revoke_others: records every assignment of a's kind's permission set on a that
 * sandboxctl did not make (ListAccountAssignments) as to be deleted (audit access_revoking).
 * why says why the listing failed ("" when it did not). -1 only for store errors. */
int eng_access_revoke_others(struct engine *e, const struct store_account *a, char *why, size_t n,
                             struct sbx_err *err) SBX_NODISCARD;
/* Access given back (an unfreeze): every assignment sandboxctl made for a's owner and groups
 * that a freeze revoked (or is revoking) is requested again, due now, with one audit event
 * access_requested; *regrant says whether there was any (a then goes through the grant step
 * again before it is active). Inside the caller's transaction; nothing when access is not
 * configured. */
int eng_access_regrant(struct engine *e, const struct store_account *a, bool *regrant,
                       struct sbx_err *err) SBX_NODISCARD;
/* The access portal's URL and the direct link to a's console through it, for a's owner while
 * an assignment to a user is granted ("" and "" otherwise). Best effort: a failure is logged
 * and leaves both "". */
int eng_access_link(struct engine *e, const struct store_account *a, char *portal, size_t pn,
                    char *link, size_t ln);

/* --- engine_identity.c ------------------------------------------------------------------- */

#define ENG_STORE_ID_LEN 33 /* 32 hex digits and a NUL */

/* The identity tags of one row; tags[] point into the buffers. */
struct eng_identity {
    char store[ENG_STORE_ID_LEN];
    char row[24];
    char created[32];
    struct orgs_tag tags[3];
    size_t n;
};

/* Whose an account is, by its identity tags. */
enum eng_owner {
    ENG_OWNER_OURS,     /* this store's, this row's */
    ENG_OWNER_UNTAGGED, /* no store tag: made outside sandboxctl or before identities */
    ENG_OWNER_FOREIGN,  /* another store's, or another row's (a restored older store) */
};

/* The store's id (store meta); when there is none and create is true (and not a dry run),
 * makes one. out is "" when there is none. */
int eng_store_id(struct engine *e, bool create, char out[ENG_STORE_ID_LEN],
                 struct sbx_err *err) SBX_NODISCARD;
/* Fills id with a's identity tags (making the store id if needed). */
int eng_identity_tags(struct engine *e, const struct store_account *a, struct eng_identity *id,
                      struct sbx_err *err) SBX_NODISCARD;
/* Reads account_id's live tags and says whether it is a's (*who); why explains otherwise. */
int eng_account_identity(struct engine *e, const struct store_account *a, const char *account_id,
                         enum eng_owner *who, char *why, size_t n,
                         struct sbx_err *err) SBX_NODISCARD;
/* The value of tag key among tags; NULL when there is none. */
const char *eng_identity_tag_value(const struct orgs_tag *tags, size_t n, const char *key);

#endif
