/*
 * orgs.h -- typed AWS Organizations operations over JSON 1.1, with SigV4, standard-mode
 * retries, client-side pacing and complete pagination.
 *
 * One struct orgs per process: it owns the HTTP connection (reused across calls), the
 * credential cache (refreshed before expiry) and the retry quota. Every call returns 0, or -1
 * with err->code == SBX_E_AWS and err->aws telling the engine what happened (see sbx.h), after
 * the retries that standard mode allows -- except that CreateAccount, CloseAccount and
 * CreateOrganizationalUnit are never sent again once they may have reached AWS (awscall.h):
 * such a failure comes back at once for the caller to reconcile. List operations follow
 * NextToken until it is absent, never stopping on an empty page.
 *
 * Output structs are filled on success only and freed with their matching _free/_release.
 */
#ifndef SBX_ORGS_H
#define SBX_ORGS_H

#include <stdint.h>

#include "aws/creds.h"
#include "sbx.h"

struct sbx_clock;

struct orgs_tag {
    char *key;
    char *value;
};

struct orgs_account {
    char id[13];
    char *arn;
    char *email;
    char *name;
    char state[24];  /* State: ACTIVE, PENDING_CLOSURE, CLOSED, SUSPENDED, ... ("" if absent) */
    char status[24]; /* legacy Status: ACTIVE, PENDING_CLOSURE, SUSPENDED ("" if absent) */
    char joined_method[16];
    double joined; /* epoch seconds */
};

struct orgs_create_status {
    char id[48]; /* car-... */
    char *account_name;
    char state[16];          /* IN_PROGRESS, SUCCEEDED, FAILED */
    char account_id[13];     /* when SUCCEEDED */
    char failure_reason[64]; /* when FAILED */
    double requested;
    double completed; /* 0 while in progress */
};

struct orgs_ou {
    char *id;
    char *arn;
    char *name;
    char *path;
};

struct orgs_root {
    char *id;
    char *arn;
    char *name;
    bool scp_enabled; /* PolicyTypes holds SERVICE_CONTROL_POLICY with Status ENABLED */
};

/* A PolicySummary. */
struct orgs_policy {
    char id[136]; /* p-... */
    char *arn;
    char *name;
    char *description;
    char type[48]; /* SERVICE_CONTROL_POLICY, ... */
    bool aws_managed;
};

struct orgs_parent {
    char id[80];
    char type[24]; /* ROOT, ORGANIZATIONAL_UNIT */
};

struct orgs_organization {
    char *id;
    char *arn;
    char *feature_set;
    char *master_account_id;
    char *master_account_arn;
    char *master_account_email;
};

struct orgs_caller {
    char account[13];
    char *arn;
    char *user_id;
};

/* Per-operation client-side pacing (token bucket); ops not listed are not paced. */
enum orgs_op {
    ORGS_OP_CREATE_ACCOUNT = 0,
    ORGS_OP_DESCRIBE_CREATE_ACCOUNT_STATUS,
    ORGS_OP_LIST_CREATE_ACCOUNT_STATUS,
    ORGS_OP_CLOSE_ACCOUNT,
    ORGS_OP_DESCRIBE_ACCOUNT,
    ORGS_OP_LIST_ACCOUNTS,
    ORGS_OP_LIST_ACCOUNTS_FOR_PARENT,
    ORGS_OP_LIST_ROOTS,
    ORGS_OP_LIST_OUS_FOR_PARENT,
    ORGS_OP_CREATE_OU,
    ORGS_OP_MOVE_ACCOUNT,
    ORGS_OP_LIST_PARENTS,
    ORGS_OP_TAG_RESOURCE,
    ORGS_OP_UNTAG_RESOURCE,
    ORGS_OP_LIST_TAGS_FOR_RESOURCE,
    ORGS_OP_DESCRIBE_ORGANIZATION,
    ORGS_OP_CREATE_POLICY,
    ORGS_OP_ATTACH_POLICY,
    ORGS_OP_DETACH_POLICY,
    ORGS_OP_LIST_POLICIES,
    ORGS_OP_LIST_POLICIES_FOR_TARGET,
    ORGS_OP_ENABLE_POLICY_TYPE,
    ORGS_OP_COUNT
};

/* The wire name of op, e.g. "CreateAccount". */
const char *orgs_op_name(enum orgs_op op);

struct orgs;

/* What a client is built from; callers fill it from the configuration (aws and limits
 * groups). Strings are borrowed for orgs_new only. */
struct orgs_opts {
    const char *profile;          /* NULL or "": $AWS_PROFILE, then "default" */
    const char *region;           /* NULL or "": $AWS_REGION, $AWS_DEFAULT_REGION, the profile's,
                                     us-east-1 */
    const char *endpoint;         /* Organizations endpoint override (NULL: resolved as the AWS
                                     SDKs do) */
    const char *sts_endpoint;     /* STS endpoint override */
    const char *ce_endpoint;      /* Cost Explorer endpoint override */
    const char *budgets_endpoint; /* AWS Budgets endpoint override */
    int max_attempts;             /* attempts per call, standard retry mode ($AWS_MAX_ATTEMPTS
                                     overrides) */
    long connect_timeout;         /* seconds */
    long request_timeout;         /* seconds */
    /* Client-side pacing, calls per second (<= 0: not paced) and burst. */
    double create_rate; /* CreateAccount */
    int create_burst;
    double close_rate; /* CloseAccount */
    int close_burst;
    double describe_rate; /* DescribeCreateAccountStatus and DescribeAccount, burst 2 */
    double move_rate;     /* MoveAccount, burst 3 */
    double tag_rate;      /* TagResource and UntagResource, burst 6 */
};

/*
 * Creates a client from opts. clock is borrowed (NULL = real time). Credentials are resolved
 * lazily on the first call (so `doctor` can report each step). The operations opts does not
 * pace get AWS's per-account rates. On failure err says why (e.g. an invalid endpoint URL,
 * SBX_E_CONFIG).
 */
int orgs_new(const struct orgs_opts *opts, struct sbx_clock *clock, struct orgs **out,
             struct sbx_err *err) SBX_NODISCARD;
void orgs_free(struct orgs *o);

/* Resolves (or refreshes) credentials now. *source (borrowed, valid until orgs_free) names
 * the source that won. */
int orgs_credentials(struct orgs *o, const char **source, struct sbx_err *err) SBX_NODISCARD;
/*
 * A deep copy of the credentials the client signs with, resolved or refreshed first exactly as
 * before a call (so an assume-role profile is resolved over the client's own connection and
 * STS settings). On success *out is filled and the caller releases it with creds_release (which
 * wipes the secrets); on failure *out is zeroed and err says why (usually SBX_E_CREDS).
 */
int orgs_copy_credentials(struct orgs *o, struct creds *out, struct sbx_err *err) SBX_NODISCARD;
/* The endpoint URL and signing region in use (borrowed). */
const char *orgs_endpoint(const struct orgs *o);
const char *orgs_signing_region(const struct orgs *o);
/* Partition of the endpoint: "aws", "aws-cn", "aws-us-gov", ... (for ARNs and URLs). */
const char *orgs_partition(const struct orgs *o);
/* Where the endpoint came from: "default", "config aws.endpoint", "AWS_ENDPOINT_URL", ... */
const char *orgs_endpoint_source(const struct orgs *o);
/* The Cost Explorer endpoint URL in use (borrowed), or NULL in a partition without one. */
const char *orgs_ce_endpoint(const struct orgs *o);
/* The AWS Budgets endpoint URL in use (borrowed), or NULL in a partition without one. */
const char *orgs_budgets_endpoint(const struct orgs *o);
/* The STS endpoint URL in use (borrowed). */
const char *orgs_sts_endpoint(const struct orgs *o);
/* The access key id of the credentials in use (not secret; show it masked with
 * creds_mask_key_id), or NULL before they are resolved. Borrowed until the next call. */
const char *orgs_access_key_id(const struct orgs *o);
/* Expiry of the credentials in use (epoch seconds), 0 if none or not resolved. */
int64_t orgs_credentials_expiration(const struct orgs *o);
/* Tokens left in the client's retry quota (standard mode, 500 at start). */
int orgs_retry_quota(const struct orgs *o);

/* Sets the pacing of op: rate calls/s and burst; rate <= 0 disables pacing. */
void orgs_set_pace(struct orgs *o, enum orgs_op op, double rate, int burst);
/* Seconds (clock time) until op may be called without waiting; 0 if now. */
double orgs_pace_wait(const struct orgs *o, enum orgs_op op);
/* Overrides max attempts (>= 1) for subsequent calls. */
void orgs_set_max_attempts(struct orgs *o, int attempts);
/* The max attempts in force: opts->max_attempts, or $AWS_MAX_ATTEMPTS which overrides it, or
 * the last orgs_set_max_attempts(). */
int orgs_max_attempts(const struct orgs *o);

/* --- operations ----------------------------------------------------------------------- */

/* tags may be NULL/0. role_name NULL = AWS default. On success st is the initial status. */
int orgs_create_account(struct orgs *o, const char *email, const char *name, const char *role_name,
                        const struct orgs_tag *tags, size_t ntags, struct orgs_create_status *st,
                        struct sbx_err *err) SBX_NODISCARD;
int orgs_describe_create_account_status(struct orgs *o, const char *request_id,
                                        struct orgs_create_status *st,
                                        struct sbx_err *err) SBX_NODISCARD;
/* states: NULL-terminated list such as {"IN_PROGRESS", NULL}, or NULL for all. */
int orgs_list_create_account_status(struct orgs *o, const char *const *states,
                                    struct orgs_create_status **out, size_t *n,
                                    struct sbx_err *err) SBX_NODISCARD;
int orgs_close_account(struct orgs *o, const char *account_id, struct sbx_err *err) SBX_NODISCARD;
int orgs_describe_account(struct orgs *o, const char *account_id, struct orgs_account *out,
                          struct sbx_err *err) SBX_NODISCARD;
int orgs_list_accounts(struct orgs *o, struct orgs_account **out, size_t *n,
                       struct sbx_err *err) SBX_NODISCARD;
int orgs_list_accounts_for_parent(struct orgs *o, const char *parent_id, struct orgs_account **out,
                                  size_t *n, struct sbx_err *err) SBX_NODISCARD;
int orgs_list_roots(struct orgs *o, struct orgs_root **out, size_t *n,
                    struct sbx_err *err) SBX_NODISCARD;
int orgs_list_ous_for_parent(struct orgs *o, const char *parent_id, struct orgs_ou **out, size_t *n,
                             struct sbx_err *err) SBX_NODISCARD;
int orgs_create_ou(struct orgs *o, const char *parent_id, const char *name,
                   const struct orgs_tag *tags, size_t ntags, struct orgs_ou *out,
                   struct sbx_err *err) SBX_NODISCARD;
int orgs_move_account(struct orgs *o, const char *account_id, const char *source_parent,
                      const char *dest_parent, struct sbx_err *err) SBX_NODISCARD;
int orgs_list_parents(struct orgs *o, const char *child_id, struct orgs_parent **out, size_t *n,
                      struct sbx_err *err) SBX_NODISCARD;
int orgs_tag_resource(struct orgs *o, const char *resource_id, const struct orgs_tag *tags,
                      size_t ntags, struct sbx_err *err) SBX_NODISCARD;
int orgs_untag_resource(struct orgs *o, const char *resource_id, const char *const *keys,
                        size_t nkeys, struct sbx_err *err) SBX_NODISCARD;
int orgs_list_tags(struct orgs *o, const char *resource_id, struct orgs_tag **out, size_t *n,
                   struct sbx_err *err) SBX_NODISCARD;
int orgs_describe_organization(struct orgs *o, struct orgs_organization *out,
                               struct sbx_err *err) SBX_NODISCARD;
/*
 * Policies. type is a PolicyType ("SERVICE_CONTROL_POLICY"). CreatePolicy is never repeated
 * once it may have taken effect (a repeat would be DuplicatePolicyException): on an uncertain
 * failure the caller looks for the name with orgs_list_policies. AttachPolicy and DetachPolicy
 * are retried; a retry after an unseen success answers DuplicatePolicyAttachmentException or
 * PolicyNotAttachedException, which callers read as done. EnablePolicyType answers
 * PolicyTypeAlreadyEnabledException when the type is on already.
 */
int orgs_enable_policy_type(struct orgs *o, const char *root_id, const char *type,
                            struct sbx_err *err) SBX_NODISCARD;
int orgs_create_policy(struct orgs *o, const char *name, const char *description, const char *type,
                       const char *content, struct orgs_policy *out,
                       struct sbx_err *err) SBX_NODISCARD;
int orgs_attach_policy(struct orgs *o, const char *policy_id, const char *target_id,
                       struct sbx_err *err) SBX_NODISCARD;
int orgs_detach_policy(struct orgs *o, const char *policy_id, const char *target_id,
                       struct sbx_err *err) SBX_NODISCARD;
int orgs_list_policies(struct orgs *o, const char *type, struct orgs_policy **out, size_t *n,
                       struct sbx_err *err) SBX_NODISCARD;
int orgs_list_policies_for_target(struct orgs *o, const char *target_id, const char *type,
                                  struct orgs_policy **out, size_t *n,
                                  struct sbx_err *err) SBX_NODISCARD;

/* STS GetCallerIdentity with the client's credentials. */
int orgs_get_caller_identity(struct orgs *o, struct orgs_caller *out,
                             struct sbx_err *err) SBX_NODISCARD;
/* STS AssumeRole into role_arn with the client's credentials; out is filled (creds_release). */
int orgs_assume_role(struct orgs *o, const char *role_arn, const char *session_name,
                     int duration_secs, struct creds *out, struct sbx_err *err) SBX_NODISCARD;

/*
 * Simulator only: reads the simulator's clock (GET <endpoint>/__sim/clock, which answers
 * {"now": <epoch seconds>, "scale": <time scale>}) and sets *clock to follow it (a scaled
 * clock). Used when aws.follow_sim_clock is set, so expiry is judged in simulated time.
 */
int orgs_sim_clock(struct orgs *o, struct sbx_clock *clock, struct sbx_err *err) SBX_NODISCARD;

/* --- release --------------------------------------------------------------------------- */
void orgs_account_release(struct orgs_account *a);
void orgs_accounts_free(struct orgs_account *a, size_t n);
void orgs_create_status_release(struct orgs_create_status *s);
void orgs_create_statuses_free(struct orgs_create_status *s, size_t n);
void orgs_ou_release(struct orgs_ou *ou);
void orgs_ous_free(struct orgs_ou *ous, size_t n);
void orgs_roots_free(struct orgs_root *r, size_t n);
void orgs_tags_free(struct orgs_tag *t, size_t n);
void orgs_organization_release(struct orgs_organization *org);
void orgs_caller_release(struct orgs_caller *c);
void orgs_policy_release(struct orgs_policy *p);
void orgs_policies_free(struct orgs_policy *p, size_t n);

/* True when the account is closed or closing at AWS (State PENDING_CLOSURE/CLOSED/SUSPENDED,
 * or legacy Status PENDING_CLOSURE/SUSPENDED). */
bool orgs_account_is_closed(const struct orgs_account *a);

#endif
