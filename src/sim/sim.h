/*
 * sim.h -- `sandboxctl sim`: a local simulator of AWS Organizations (JSON 1.1) and the two STS
 * calls the client needs (query protocol), with AWS's limits, asynchrony and failures.
 *
 * Layers, each usable without the ones above it:
 *   struct sim           the organization and its rules (sim_state.c, sim_orgs.c, sim_sts.c,
 *                        sim_admin.c). Pure: requests in, replies out, time from its own clock.
 *                        Not thread-safe; the HTTP layer serialises calls with one mutex.
 *   struct sim_store     optional SQLite persistence of the whole state (sim_store.c).
 *   struct sim_server    libmicrohttpd on loopback: SigV4 checks, routing, faults (sim_http.c).
 *
 * Time: the simulator's clock (util/clock.h) is simulated time, normally running time_scale
 * times faster than real time and movable forward by the admin API; paused (--paused, the
 * admin pause), it moves only when advanced, so a test sees every intermediate state. Every
 * asynchronous transition (creation finishing, closure completing, the 90-day departure) is
 * computed lazily from timestamps when a request or admin call arrives (sim_catch_up), never with
 * timers, so advancing the clock by 100 days costs one pass over the accounts.
 */
#ifndef SBX_SIM_H
#define SBX_SIM_H

#include <stdint.h>

#include "sbx.h"

struct sbx_clock;
struct sockaddr;
struct sim;
struct sim_store;
struct sim_server;

#define SIM_MANAGEMENT_ID "111111111111"
#define SIM_ORG_ID        "o-a1b2c3d4e5"
#define SIM_DAY           86400.0

/* Everything configurable; sim_opts_init() fills AWS-like defaults. Strings are borrowed for
 * the duration of sim_new(), which copies them. */
struct sim_opts {
    const char *access_key_id;     /* management account's access key */
    const char *secret_access_key; /* its secret */
    const char *management_email;  /* "management@example.com" */
    double time_scale;             /* simulated seconds per real second (1) */
    bool fixed_clock;              /* start paused: time moves only by sim_advance() */
    double start_time;             /* simulated "now" at start; 0 = the wall clock */
    double create_latency;         /* seconds from CreateAccount to SUCCEEDED/FAILED (60) */
    double close_latency;          /* seconds in PENDING_CLOSURE (300) */
    int account_limit;             /* accounts in the organization, closed ones included (10) */
    int close_quota;               /* fixed closures per rolling 30 days; 0 = formula */
    int close_quota_min;           /* formula: max(min, pct% of members), at most max */
    int close_quota_pct;           /* (250, 20, 1000 per AWS-ORGANIZATIONS.md section 3.1) */
    int close_quota_max;
    uint64_t seed;           /* PRNG seed for ids and faults */
    bool seeded;             /* false: seed from getrandom() */
    bool throttle;           /* per-operation token buckets (true) */
    double error_rate;       /* fraction of calls answered ServiceException (500) */
    double throttle_rate;    /* fraction answered TooManyRequestsException */
    double drop_rate;        /* fraction whose response is dropped (connection closed) */
    int latency_ms;          /* added to every AWS-protocol response */
    const char *admin_token; /* NULL: the admin API answers loopback peers only; else it
                              * answers anyone presenting "Authorization: Bearer TOKEN" */
    double assign_latency;   /* seconds an account assignment or its deletion takes (2) */
    double ce_lag;           /* Cost Explorer: seconds before spend shows (43200, i.e. 12 h) */
    int ce_page_size;        /* Cost Explorer: groups per GetCostAndUsage page (500) */
};

/* Who signed a request (resolved from the access key by sim_auth_lookup). */
struct sim_caller {
    char account_id[13];
    bool management;   /* the organization's management account keys */
    char arn[256];     /* IAM user or assumed-role ARN */
    char user_id[160]; /* AIDA... or AROA...:session */
};

/* One answer. body is heap memory owned by the reply (sim_reply_release). */
struct sim_reply {
    int status;               /* HTTP status */
    const char *content_type; /* static string */
    char *body;
    size_t len;
    char request_id[40]; /* for x-amzn-RequestId */
    bool mutated;        /* state changed: persist before answering */
    bool drop;           /* fault: close the connection instead of answering */
    int latency_ms;      /* fault: wait this long before answering */
};

/* Operations the simulator knows (for counting, throttling and fault selection). */
enum sim_op {
    SIM_OP_CREATE_ACCOUNT = 0,
    SIM_OP_DESCRIBE_CREATE_ACCOUNT_STATUS,
    SIM_OP_LIST_CREATE_ACCOUNT_STATUS,
    SIM_OP_CLOSE_ACCOUNT,
    SIM_OP_DESCRIBE_ACCOUNT,
    SIM_OP_LIST_ACCOUNTS,
    SIM_OP_LIST_ACCOUNTS_FOR_PARENT,
    SIM_OP_LIST_ROOTS,
    SIM_OP_LIST_OUS_FOR_PARENT,
    SIM_OP_CREATE_OU,
    SIM_OP_MOVE_ACCOUNT,
    SIM_OP_LIST_PARENTS,
    SIM_OP_TAG_RESOURCE,
    SIM_OP_UNTAG_RESOURCE,
    SIM_OP_LIST_TAGS_FOR_RESOURCE,
    SIM_OP_DESCRIBE_ORGANIZATION,
    SIM_OP_ASSUME_ROLE,
    SIM_OP_GET_CALLER_IDENTITY,
    /* IAM Identity Center (sim_idc.c) */
    SIM_OP_LIST_INSTANCES,
    SIM_OP_LIST_PERMISSION_SETS,
    SIM_OP_DESCRIBE_PERMISSION_SET,
    SIM_OP_CREATE_ACCOUNT_ASSIGNMENT,
    SIM_OP_DESCRIBE_ASSIGNMENT_CREATION_STATUS,
    SIM_OP_DELETE_ACCOUNT_ASSIGNMENT,
    SIM_OP_DESCRIBE_ASSIGNMENT_DELETION_STATUS,
    SIM_OP_LIST_ACCOUNT_ASSIGNMENTS,
    SIM_OP_GET_USER_ID,
    SIM_OP_DESCRIBE_USER,
    SIM_OP_GET_GROUP_ID,
    SIM_OP_CREATE_USER,
    SIM_OP_CREATE_GROUP_MEMBERSHIP,
    SIM_OP_GET_COST_AND_USAGE,
    SIM_OP_CREATE_POLICY,
    SIM_OP_DESCRIBE_POLICY,
    SIM_OP_ATTACH_POLICY,
    SIM_OP_DETACH_POLICY,
    SIM_OP_LIST_POLICIES,
    SIM_OP_LIST_POLICIES_FOR_TARGET,
    SIM_OP_ENABLE_POLICY_TYPE,
    /* AWS Budgets (sim_budgets.c) */
    SIM_OP_CREATE_BUDGET,
    SIM_OP_DESCRIBE_BUDGET,
    SIM_OP_DESCRIBE_BUDGETS,
    SIM_OP_UPDATE_BUDGET,
    SIM_OP_DELETE_BUDGET,
    SIM_OP_DESCRIBE_NOTIFICATIONS_FOR_BUDGET,
    SIM_OP_COUNT
};
/* The fault masks (sim_int.h) hold one bit per operation. */
_Static_assert(SIM_OP_COUNT <= 64, "enum sim_op outgrew the 64-bit operation masks");

/* Fills o with the defaults above (no keys: the caller must set them). */
void sim_opts_init(struct sim_opts *o);

/*
 * Creates an empty organization (management account, root) per opts. *out is owned by the
 * caller (sim_free). Fails with SBX_E_INVALID for unusable options.
 */
int sim_new(const struct sim_opts *opts, struct sim **out, struct sbx_err *err) SBX_NODISCARD;
void sim_free(struct sim *s);

/* The simulator's clock (borrowed; valid until sim_free) and its current time. */
struct sbx_clock *sim_clock(struct sim *s);
double sim_now(const struct sim *s);
double sim_time_scale(const struct sim *s);
/* Applies every transition due up to now, in time order. */
void sim_catch_up(struct sim *s);
/* Moves simulated time forward by secs (>= 0; never past CLOCK_MAX_TIME) and catches up. */
void sim_advance(struct sim *s, double secs);
/* Pauses the clock (simulated time then moves only by sim_advance) / lets it run again at its
 * time scale from where it stopped. A paused clock stays paused across a save and load. */
void sim_pause(struct sim *s);
void sim_resume(struct sim *s);
bool sim_paused(const struct sim *s);
/* Empties the organization again (keeps keys, options, ids never reused, and the clock). */
void sim_reset(struct sim *s);

/* The admin token (sim_opts.admin_token), or NULL. */
const char *sim_admin_token(const struct sim *s);

/* The operation named name ("CreateAccount", "AssumeRole"), or -1. */
int sim_op_find(const char *name);
const char *sim_op_name(enum sim_op op);

/* Fills c as the management account's IAM user. */
void sim_caller_management(const struct sim *s, struct sim_caller *c);

/* Result of resolving an access key. */
enum sim_auth_result {
    SIM_AUTH_OK = 0,
    SIM_AUTH_UNKNOWN_KEY, /* no such key: UnrecognizedClientException / InvalidClientTokenId */
    SIM_AUTH_BAD_TOKEN,   /* temporary key without, or with the wrong, session token */
    SIM_AUTH_EXPIRED,     /* temporary credentials past their expiration (simulated time) */
};

/*
 * Resolves access_key_id (and the X-Amz-Security-Token value, NULL if absent) to its secret
 * (copied into secret, size n; the caller wipes it) and caller identity.
 */
enum sim_auth_result sim_auth_lookup(struct sim *s, const char *access_key_id,
                                     const char *session_token, char *secret, size_t n,
                                     struct sim_caller *caller);

/*
 * Runs one Organizations operation (JSON 1.1). op is the X-Amz-Target suffix, body the raw
 * JSON (may be empty). Always fills r with the AWS-shaped answer (success, modeled error,
 * throttling or an injected fault); returns -1 only when out of memory (r is then empty).
 */
int sim_orgs_call(struct sim *s, const char *op, const char *body, size_t len,
                  const struct sim_caller *caller, struct sim_reply *r) SBX_NODISCARD;

/*
 * Runs one IAM Identity Center operation: sso-admin (X-Amz-Target prefix SWBExternalService)
 * when identitystore is false, identitystore (AWSIdentityStore) when true. Same contract.
 */
int sim_idc_call(struct sim *s, bool identitystore, const char *op, const char *body, size_t len,
                 const struct sim_caller *caller, struct sim_reply *r) SBX_NODISCARD;
/* Runs one AWS Budgets operation (JSON 1.1, X-Amz-Target AWSBudgetServiceGateway.<op>); same
 * contract as sim_orgs_call. */
int sim_budgets_call(struct sim *s, const char *op, const char *body, size_t len,
                     const struct sim_caller *caller, struct sim_reply *r) SBX_NODISCARD;
/* Runs one Cost Explorer operation (JSON 1.1, X-Amz-Target AWSInsightsIndexService.<op>);
 * same contract as sim_orgs_call. Only GetCostAndUsage is known. */
int sim_ce_call(struct sim *s, const char *op, const char *body, size_t len,
                const struct sim_caller *caller, struct sim_reply *r) SBX_NODISCARD;

/* Runs one STS query-protocol request (form body with Action=...). Same contract. */
int sim_sts_call(struct sim *s, const char *body, size_t len, const struct sim_caller *caller,
                 struct sim_reply *r) SBX_NODISCARD;

/* Answers an admin request under /__sim/ (method "GET"/"POST", path after the host). */
int sim_admin_call(struct sim *s, const char *method, const char *path, const char *body,
                   size_t len, struct sim_reply *r) SBX_NODISCARD;
/* Fills r with the admin API's 413 for a body over max bytes (r zeroed by the caller). */
int sim_admin_too_big(struct sim_reply *r, size_t max) SBX_NODISCARD;

/* Who may use the admin API (sim_http.c; pure functions of their arguments). */
enum sim_admin_access {
    SIM_ADMIN_ALLOW = 0,
    SIM_ADMIN_NOT_LOOPBACK, /* no admin token, and the peer is not loopback: 403 */
    SIM_ADMIN_NO_TOKEN,     /* a token is set and the request has no bearer token: 401 */
    SIM_ADMIN_BAD_TOKEN,    /* ... or the wrong one: 401 */
};
/* True for an IPv4 peer in 127.0.0.0/8, IPv6 ::1, and IPv4-mapped ::ffff:127.0.0.0/104. */
bool sim_peer_is_loopback(const struct sockaddr *peer);
/*
 * Decides an admin request from peer (NULL if unknown: not loopback) given the simulator's
 * admin token (NULL: none) and the request's Authorization header (NULL if absent). GET
 * /__sim/clock is allowed to all; without a token, loopback peers only; with one, every peer
 * must send "Bearer TOKEN" (compared in constant time).
 */
enum sim_admin_access sim_admin_access(const struct sockaddr *peer, const char *token,
                                       const char *authorization, const char *method,
                                       const char *path);

/*
 * Builds an AWS error reply: JSON 1.1 when json, else STS query XML. type is the __type/Code,
 * reason the Reason member (NULL if none).
 */
int sim_reply_error(struct sim *s, struct sim_reply *r, bool json, int status, const char *type,
                    const char *reason, const char *fmt, ...) SBX_PRINTF(7, 8) SBX_NODISCARD;
void sim_reply_release(struct sim_reply *r);
/* A fresh request id (UUID form) into out[40]. Thread-safe. */
void sim_request_id(char out[40]);

/*
 * The whole state as JSON (the admin dump, GET /__sim/state). internal adds what persistence
 * needs beyond the dump (PRNG state, sessions with their secrets, token buckets, the clock
 * anchor). *out is a heap string the caller frees with free().
 */
int sim_state_json(struct sim *s, bool internal, char **out, struct sbx_err *err) SBX_NODISCARD;
/* Replaces the state with one produced by sim_state_json(s, true, ...). */
int sim_state_load(struct sim *s, const char *json, struct sbx_err *err) SBX_NODISCARD;

/* --- persistence (sim_store.c) ------------------------------------------------------- */

/* Opens or creates the SQLite state file (0600, WAL). */
int sim_store_open(const char *path, struct sim_store **out, struct sbx_err *err) SBX_NODISCARD;
void sim_store_close(struct sim_store *st);
/* Loads the saved state into s if there is one; *found says whether there was. */
int sim_store_load(struct sim_store *st, struct sim *s, bool *found,
                   struct sbx_err *err) SBX_NODISCARD;
/* Saves the whole state of s in one transaction. */
int sim_store_save(struct sim_store *st, struct sim *s, struct sbx_err *err) SBX_NODISCARD;

/* --- HTTP server (sim_http.c) --------------------------------------------------------- */

/*
 * Serves s on listen ("HOST:PORT", port 0 = any free port; HOST must be an IPv4 address) from
 * libmicrohttpd's own threads. st (may be NULL) is written after every mutating request. log
 * (may be NULL) is called from the server's threads with one line per request served ("200
 * CreateAccount", "400 CloseAccount ConstraintViolationException (CLOSE_ACCOUNT_QUOTA_EXCEEDED)").
 * s and st stay owned by the caller and must outlive the server.
 */
int sim_server_start(struct sim *s, struct sim_store *st, const char *listen,
                     void (*log)(void *arg, const char *line), void *log_arg,
                     struct sim_server **out, struct sbx_err *err) SBX_NODISCARD;
/* The port actually bound. */
int sim_server_port(const struct sim_server *srv);
/* The address actually bound, "HOST:PORT", into buf (size n). */
void sim_server_address(const struct sim_server *srv, char *buf, size_t n);
/* Saves the state now (under the server's lock). */
int sim_server_save(struct sim_server *srv, struct sbx_err *err) SBX_NODISCARD;
/* Reports (and forgets) the last failure to persist after a request: -1 with err if any. */
int sim_server_check(struct sim_server *srv, struct sbx_err *err) SBX_NODISCARD;
/* Stops serving (waits for in-flight requests) and frees srv; accepts NULL. */
void sim_server_stop(struct sim_server *srv);

#endif
