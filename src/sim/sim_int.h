/*
 * sim_int.h -- the simulator's internal state, shared by the files of src/sim only (see sim.h).
 *
 * Arrays only grow (accounts that left the organization stay, flagged, so their ids and
 * emails are never reused and pagination offsets stay stable); sizes are bounded by the
 * account limit, so linear scans are cheap next to an HTTP round trip.
 */
#ifndef SBX_SIM_INT_H
#define SBX_SIM_INT_H

#include <stdint.h>

#include "sim/sim.h"
#include "util/clock.h"

#define SIM_MAX_TAGS        50 /* per root, OU or account */
#define SIM_MAX_OU_DEPTH    5
#define SIM_MAX_OUS         2000
#define SIM_CREATE_PARALLEL 5 /* creations in progress at once */
#define SIM_CLOSE_PARALLEL  3 /* closures in PENDING_CLOSURE at once */
#define SIM_CLOSE_WINDOW    (30 * SIM_DAY)
#define SIM_AFTERLIFE       (90 * SIM_DAY)
#define SIM_DEFAULT_ROLE    "OrganizationAccountAccessRole"
#define SIM_PAGE_DEFAULT    20
#define SIM_ID_LEN          72

#define SIM_FULL_ACCESS_ID     "p-FullAWSAccess" /* the AWS managed SCP */
#define SIM_MAX_POLICIES       1000              /* per policy type (Organizations quotas) */
#define SIM_SCP_MAX_CHARS      5120              /* SCP document size */
#define SIM_MAX_SCP_PER_TARGET 5                 /* SCPs attached to one root, OU or account */

struct cJSON;

struct sim_tag {
    char *key;
    char *value;
};

struct sim_tags {
    struct sim_tag *v;
    size_t n, cap;
};

/*
 * Account lifecycle. State (new field) ACTIVE -> PENDING_CLOSURE -> CLOSED; the legacy Status
 * reads ACTIVE -> PENDING_CLOSURE -> SUSPENDED. AWS-ORGANIZATIONS.md section 2 expects a
 * customer-closed account in its 90-day period to show State CLOSED and Status SUSPENDED
 * (State SUSPENDED being for accounts AWS suspends), so the simulator reports exactly that.
 * DEPARTED: left the organization 90 days after closing; invisible to the API.
 */
enum sim_acct_state {
    SIM_ACCT_ACTIVE = 0,
    SIM_ACCT_PENDING_CLOSURE,
    SIM_ACCT_CLOSED,
    SIM_ACCT_DEPARTED,
};

/* From `from` on (simulated time) the account costs per_day USD a day (admin /__sim/spend). */
struct sim_rate {
    double from;
    double per_day;
};

struct sim_account {
    char id[13];
    char *email;
    char *name;
    char *role_name; /* role AssumeRole may enter (RoleName at creation) */
    char parent_id[SIM_ID_LEN];
    enum sim_acct_state state;
    bool created; /* JoinedMethod CREATED, else INVITED */
    double joined;
    double closed;    /* CloseAccount accepted (PENDING_CLOSURE from then); 0 = never */
    double suspended; /* closure completed (State CLOSED); 0 = not yet */
    double departed;  /* left the organization; 0 = not yet */
    int close_calls;  /* CloseAccount calls naming this account, accepted or not */
    struct sim_tags tags;
    struct sim_rate *rates; /* in time order */
    size_t nrates, cap_rates;
};

struct sim_policy {
    char id[SIM_ID_LEN];
    char *name;
    char *description;
    char *content;
    int type; /* index into sim_policy_types */
    bool aws_managed;
    struct sim_tags tags;
};

struct sim_attach {
    char policy_id[SIM_ID_LEN];
    char target_id[SIM_ID_LEN];
};

struct sim_ou {
    char id[SIM_ID_LEN];
    char *name;
    char parent_id[SIM_ID_LEN];
    int depth; /* 1 = directly under the root */
    struct sim_tags tags;
};

enum sim_car_state {
    SIM_CAR_IN_PROGRESS = 0,
    SIM_CAR_SUCCEEDED,
    SIM_CAR_FAILED,
};

struct sim_create_req {
    char id[40]; /* car-[a-z0-9]{32} */
    char *email;
    char *account_name;
    char *role_name;
    struct sim_tags tags;
    enum sim_car_state state;
    char account_id[13];     /* when SUCCEEDED (chosen at request time, never reused) */
    char forced_failure[64]; /* decided at request time ("" = decide at completion) */
    char failure[64];        /* FailureReason once FAILED */
    double requested;
    double completed; /* 0 while IN_PROGRESS */
};

struct sim_close {
    char account_id[13];
    double t;
};

/* Temporary credentials handed out by AssumeRole. */
struct sim_session {
    char access_key_id[24]; /* ASIA... */
    char secret[48];
    char *token;
    char account_id[13];
    char *role_name;
    char *session_name;
    char role_id[24]; /* AROA... */
    double expires;
};

struct sim_bucket {
    double tokens;
    double last;
};

struct sim_faults {
    double error_rate;
    double throttle_rate;
    double drop_rate;
    int latency_ms;
    char *fail_create_matching; /* NULL = off */
    char fail_create_reason[64];
    uint64_t ops;         /* bit per enum sim_op limiting error/throttle/drop; 0 = all */
    uint64_t deny_ops;    /* bit per enum sim_op always answered "access denied"; 0 = none */
    uint64_t latency_ops; /* bit per enum sim_op that latency_ms delays; 0 = every call */
    char deny_format[8];  /* how: "json" (AccessDeniedException), "xml" or "html" (HTTP 403) */
};

/* --- IAM Identity Center (sim_idc.c) --- */

#define SIM_IDC_INSTANCE_ARN "arn:aws:sso:::instance/ssoins-72230a1b2c3d4e5f"
#define SIM_IDC_STORE_ID     "d-9067a1b2c3"

struct sim_idc_user {
    char id[48];
    char *user_name;
    char *email;
    char *display_name;
};

struct sim_idc_group {
    char id[48];
    char *name;
};

/* A user's membership of a group (CreateGroupMembership). */
struct sim_idc_membership {
    char id[40];
    char group_id[48];
    char user_id[48];
};

struct sim_idc_assignment {
    char account_id[13];
    char ps_arn[128];
    char principal_type[8];
    char principal_id[48];
};

/* One CreateAccountAssignment or DeleteAccountAssignment request. */
struct sim_idc_op {
    char id[40];
    bool deletion;
    struct sim_idc_assignment a;
    double requested;
    double due;        /* completes at this simulated time */
    bool applied;      /* its effect is in the assignment list (or it failed) */
    char failure[160]; /* "" unless FAILED */
};

struct sim_idc {
    double assign_latency;
    double write_rate; /* CreateAccountAssignment + DeleteAccountAssignment per second,
                          one bucket of a second's worth (at least 1); 0 = unlimited */
    struct sim_bucket write_bucket;
    bool external_source; /* users come from an external IdP: user and membership writes refused */
    struct sim_idc_user *users;
    size_t nusers, cap_users;
    struct sim_idc_group *groups;
    size_t ngroups, cap_groups;
    struct sim_idc_membership *memberships;
    size_t nmemberships, cap_memberships;
    struct sim_idc_assignment *assignments;
    size_t nassignments, cap_assignments;
    struct sim_idc_op *ops;
    size_t nops, cap_ops;
};

struct sim {
    /* options (copied) */
    char *access_key_id;
    char *secret_access_key;
    char *admin_token; /* NULL: admin API for loopback peers only */
    char *management_email;
    double create_latency;
    double close_latency;
    int account_limit;
    int close_quota, close_quota_min, close_quota_pct, close_quota_max;
    bool throttle;
    double ce_lag;                /* seconds before spend shows in Cost Explorer */
    int ce_page_size;             /* groups per GetCostAndUsage page */
    struct sim_faults faults_opt; /* from the options; reset restores it */
    struct sbx_clock clock;

    /* organization */
    char root_id[16];
    struct sim_tags root_tags;
    struct sim_account *accounts; /* [0] is the management account */
    size_t naccounts, cap_accounts;
    struct sim_ou *ous;
    size_t nous, cap_ous;
    struct sim_create_req *reqs;
    size_t nreqs, cap_reqs;
    struct sim_close *closes;
    size_t ncloses, cap_closes;
    struct sim_session *sessions;
    size_t nsessions, cap_sessions;
    struct sim_policy *policies;
    size_t npolicies, cap_policies;
    struct sim_attach *attach; /* policy attachments */
    size_t nattach, cap_attach;
    uint32_t policy_types; /* bit per sim_policy_types entry enabled in the root */

    /* machinery */
    uint64_t rng_ids;    /* splitmix64 state: ids */
    uint64_t rng_faults; /* splitmix64 state: fault draws (separate, so ids don't shift) */
    uint64_t token_salt; /* binds NextTokens to this simulator */
    struct sim_bucket buckets[SIM_OP_COUNT];
    long calls[SIM_OP_COUNT];
    long clock_reads; /* GET /__sim/clock answered: a following client waiting for time */
    double next_due;  /* earliest pending transition; catch-up is skipped before it */
    struct sim_faults faults;
    struct sim_idc idc;
    struct cJSON *budgets; /* AWS Budgets: [{"AccountId", "Budget", ...}] (sim_budgets.c) */
};

/* --- sim_idc.c ----------------------------------------------------------------------- */

/* sim_state.c: the directory and assignment lists. */
struct sim_idc_user *sim_idc_user_find(struct sim *s, const char *id);
struct sim_idc_group *sim_idc_group_find(struct sim *s, const char *id);
bool sim_idc_principal_exists(struct sim *s, const char *type, const char *id);
struct sim_idc_assignment *sim_idc_assignment_find(struct sim *s,
                                                   const struct sim_idc_assignment *a);
/* Appends a user (display and email may be NULL) or group; NULL when out of memory. */
struct sim_idc_user *sim_idc_user_add(struct sim *s, const char *id, const char *name,
                                      const char *email, const char *display);
struct sim_idc_group *sim_idc_group_add(struct sim *s, const char *id, const char *name);
/* Appends user's membership of group under id; -1 when out of memory. */
int sim_idc_membership_add(struct sim *s, const char *id, const char *group, const char *user);
/* Frees users, groups, assignments and requests (the latency stays). */
void sim_idc_release(struct sim *s);
/* Applies every assignment request due by now. */
void sim_idc_catch_up(struct sim *s);
/* sim_json.c: adds the "identity_center" member to a state dump; loads it back. -1: out of memory /
 * malformed. */
int sim_idc_dump(struct sim *s, struct cJSON *root);
int sim_idc_load(struct sim *s, const struct cJSON *root);
/* sim_budgets.c: frees the budgets; adds the "budgets" member to a state dump; loads it back
 * (-1: out of memory / malformed). */
void sim_budgets_release(struct sim *s);
int sim_budgets_dump(struct sim *s, struct cJSON *root);
int sim_budgets_load(struct sim *s, const struct cJSON *root);
/* sim_json.c: an admin API error answer {"error": message} with HTTP status; -1 when out of
 * memory. */
int sim_admin_error(struct sim_reply *r, int status, const char *fmt, ...) SBX_PRINTF(3, 4);
/* sim_json.c: an admin API answer of one string member {key: value} with HTTP status; -1 when
 * out of memory. */
int sim_admin_member(struct sim_reply *r, int status, const char *key, const char *value);
/* sim_idc.c: admin API under /__sim/idc/ (what = the path after "/__sim/"). in is the POST body or
 * NULL. */
int sim_idc_admin(struct sim *s, const char *method, const char *what, const struct cJSON *in,
                  struct sim_reply *r);

/* --- sim_state.c --------------------------------------------------------------------- */

uint64_t sim_rng_next(uint64_t *state);
/* Uniform double in [0, 1) from the fault stream. */
double sim_rng_unit(uint64_t *state);

/* New ids from the id stream, never equal to an existing one. */
void sim_new_account_id(struct sim *s, char out[13]);
void sim_new_car_id(struct sim *s, char out[40]);
void sim_new_ou_id(struct sim *s, char out[SIM_ID_LEN]);
void sim_new_policy_id(struct sim *s, char out[SIM_ID_LEN]);

struct sim_account *sim_account_find(struct sim *s, const char *id); /* departed excluded */
struct sim_account *sim_account_find_any(struct sim *s, const char *id);
struct sim_ou *sim_ou_find(struct sim *s, const char *id);
struct sim_create_req *sim_req_find(struct sim *s, const char *id);
/* A zeroed request in the slot after the last, with copies of email, name and role (NULL:
 * the default role); not counted yet: the caller increments s->nreqs to keep it. NULL when
 * out of memory. */
struct sim_create_req *sim_req_new(struct sim *s, const char *email, const char *name,
                                   const char *role);
/* True if id names the root or an existing OU. */
bool sim_parent_exists(struct sim *s, const char *id);
/* True for an address an account of this organization has ever had (case-insensitive). */
bool sim_email_used(struct sim *s, const char *email);

/*
 * Appends a copy of the size bytes at item to the array the caller holds in *itemsp (the
 * address of its pointer; *n elements, room for *cap; grow_slot()) and counts it in *n. -1 when
 * out of memory, the array unchanged. Arrays in the simulator only grow.
 */
int sim_append(void *itemsp, size_t *n, size_t *cap, size_t size, const void *item);
/* Appends a member account (ACTIVE, under parent); returns it or NULL if out of memory. */
struct sim_account *sim_account_add(struct sim *s, const char *id, const char *email,
                                    const char *name, const char *role, const char *parent,
                                    bool created, double joined);

/* Accounts in the organization now (management, members of every state but departed). */
int sim_count_accounts(const struct sim *s);
int sim_count_closing(const struct sim *s);
int sim_count_creating(const struct sim *s);
/* Records a closure of account_id accepted at t in the 30-day ledger; -1 when out of memory. */
int sim_close_add(struct sim *s, const char *account_id, double t);
/* Appends an OU (strings copied, no tags) under parent, its depth from that parent's; NULL
 * when out of memory. */
struct sim_ou *sim_ou_add(struct sim *s, const char *id, const char *name, const char *parent);
/* Closures accepted within the rolling 30-day window ending now. */
int sim_close_used(const struct sim *s, double now);
/* The close quota in force now (fixed or formula). */
int sim_close_limit(const struct sim *s);
/* Recomputes next_due after a change that adds a pending transition. */
void sim_schedule(struct sim *s);

/* Tag lists */
int sim_tags_set(struct sim_tags *t, const char *key, const char *value); /* add or replace */
void sim_tags_remove(struct sim_tags *t, const char *key);
int sim_tags_copy(struct sim_tags *dst, const struct sim_tags *src);
void sim_tags_release(struct sim_tags *t);
/* Frees what session ss holds and wipes its secret (the slot itself stays). */
void sim_session_release(struct sim_session *ss);
struct sim_tags *sim_tags_of(struct sim *s, const char *resource_id); /* NULL: not found */

/* Sets a's spend rate from now on (USD per day, >= 0); -1 when out of memory. */
int sim_rate_set(struct sim *s, struct sim_account *a, double per_day);
/* USD a costs over [t0, t1) of simulated time (0 outside its life in the organization). */
double sim_cost_between(const struct sim_account *a, double t0, double t1);

/* Policy types (the PolicyType enum of the API model); SCP is index 0. */
#define SIM_POLICY_TYPES 13
#define SIM_SCP          0
extern const char *const sim_policy_types[SIM_POLICY_TYPES];
int sim_policy_type_find(const char *name); /* index or -1 */
struct sim_policy *sim_policy_find(struct sim *s, const char *id);
/* Appends a policy (strings copied); NULL when out of memory. */
struct sim_policy *sim_policy_add(struct sim *s, const char *id, const char *name,
                                  const char *description, const char *content, int type,
                                  bool aws_managed);
bool sim_attached(const struct sim *s, const char *policy_id, const char *target_id);
int sim_attach_add(struct sim *s, const char *policy_id, const char *target_id);
void sim_attach_remove(struct sim *s, const char *policy_id, const char *target_id);
/* Policies of type attached to target. */
int sim_attach_count(struct sim *s, const char *target_id, int type);
/* When SCPs are enabled, a new root, OU or account gets FullAWSAccess, as at AWS. */
int sim_full_access_attach(struct sim *s, const char *target_id);

/* Legacy Status and new State strings of an account. */
const char *sim_acct_status(const struct sim_account *a);
const char *sim_acct_state_name(const struct sim_account *a);

/* ARNs and paths into buf (size n); return buf. */
const char *sim_account_arn(const struct sim *s, const char *id, char *buf, size_t n);
const char *sim_path_of(struct sim *s, const char *id, char *buf, size_t n);

/* The injected latency of a call of op (ms): latency_ms, unless latency_ops leaves op out. */
int sim_fault_latency(const struct sim *s, enum sim_op op);
/*
 * The start every service's call shares (sim_orgs.c): the clock caught up, the call of op
 * counted, its injected latency set in r and its injected faults drawn (the same stream for
 * every service): *error, *throttle, and *drop for an answer to be lost.
 */
void sim_call_start(struct sim *s, enum sim_op op, struct sim_reply *r, bool *error, bool *throttle,
                    bool *drop);
/* True when the faults answer a call of op "access denied" (deny_ops). */
bool sim_call_denied(const struct sim *s, enum sim_op op);
/* The end every service's call shares: frees the request in; a call that ran out of memory
 * (oom) releases its reply and returns -1, any other 0. */
int sim_call_end(struct cJSON *in, struct sim_reply *r, bool oom);

/* Token bucket for op in simulated time: true if a token was taken. */
bool sim_bucket_take(struct sim *s, enum sim_op op);

/* Timestamps round to milliseconds, as AWS's are. */
double sim_ms(double t);

/* A request body as a JSON object (an empty body is {}), or NULL when it is not one (or out of
 * memory). */
struct cJSON *sim_json_object(const char *body, size_t len);
/* A JSON 1.1 request body as an object (an empty body is {}), or NULL with the
 * SerializationException answered in r and *rc what that answer returned. */
struct cJSON *sim_json_request(struct sim *s, const char *body, size_t len, struct sim_reply *r,
                               int *rc);
/* JSON helpers over cJSON that return -1 when out of memory. */
int sim_json_add_str(struct cJSON *o, const char *k, const char *v);
int sim_json_add_num(struct cJSON *o, const char *k, double v);
/* A new object appended to array arr; NULL when out of memory or arr is NULL (so a failed
 * cJSON_AddArrayToObject() can be passed straight in). */
struct cJSON *sim_json_add_item(struct cJSON *arr);
/* Serialises o into r->body (200, application/x-amz-json-1.1 unless r->status/type set). */
int sim_reply_json(struct sim_reply *r, int status, const char *content_type,
                   const struct cJSON *o);
/* An empty 200 JSON 1.1 reply (operations without output). */
int sim_reply_empty(struct sim_reply *r);
/* A reply with a copy of body (a NUL-terminated string), whatever the protocol. */
int sim_reply_text(struct sim_reply *r, int status, const char *content_type, const char *body);

/* Formats t as ISO 8601 UTC ("2026-11-26T18:00:00Z") and as SigV4 date ("20261126T180000Z"). */
const char *sim_iso8601(double t, char *buf, size_t n);
const char *sim_amz_date(double t, char *buf, size_t n);

#endif
