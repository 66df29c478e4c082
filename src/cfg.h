/*
 * cfg.h -- the configuration file (libconfig) loaded into a typed, validated struct.
 *
 * Lookup order: --config FILE, then $SANDBOXCTL_CONFIG, then /etc/sandboxctl/sandboxctl.cfg.
 * Every value is validated at load; every error names file, line and key; unknown keys are
 * rejected. After cfg_load() returns, the struct owns copies of every string and libconfig's
 * tree is gone. Durations are whole seconds (see util/duration.h).
 *
 * Every key is one row of the key table in cfg.c (section, name, type, field, range, default,
 * validator): the table alone drives defaults, loading, range errors and unknown-key errors,
 * and tests/unit/test_cfg_doc.c checks it against sandboxctl.cfg(5), the complete key
 * reference; config/ holds examples.
 */
#ifndef SBX_CFG_H
#define SBX_CFG_H

#include <stdint.h>

#include "sbx.h"

#define CFG_DEFAULT_PATH    "/etc/sandboxctl/sandboxctl.cfg"
#define CFG_MAX_KINDS       32
#define CFG_MAX_TAGS        48 /* AWS allows 50 per account; sandboxctl adds its own */
#define CFG_MAX_WARN        8
#define CFG_MAX_BUDGET_WARN 8
#define CFG_MAX_PROTECT     64

/* Hook events; a kind chooses which of them run. The first four are steps of the lifecycle
 * that run their hooks directly; the others are queued in the store's outbox with their
 * occurrence and delivered by the engine (engine/engine_event.h). */
enum cfg_hook_event {
    CFG_HOOK_POST_CREATE = 0,
    CFG_HOOK_EXPIRY_WARNING,
    CFG_HOOK_PRE_CLOSE,
    CFG_HOOK_POST_CLOSE,
    CFG_HOOK_NUKE_FAILED,     /* a pre-close attempt failed */
    CFG_HOOK_QUARANTINED,     /* nuke_failed after hooks.max_attempts failures */
    CFG_HOOK_CLOSE_FAILED,    /* CloseAccount refused (not for quota or closures in flight) */
    CFG_HOOK_BUDGET_WARNING,  /* spend reached a warning threshold of the budget */
    CFG_HOOK_BUDGET_EXCEEDED, /* spend reached the budget's limit */
    CFG_HOOK_EVENT_COUNT
};

/* A kind's spend budget (kinds.NAME.budget). */
enum cfg_budget_period {
    CFG_BUDGET_LEASE = 0, /* since the account became active */
    CFG_BUDGET_MONTHLY    /* this calendar month (UTC) */
};
enum cfg_at_limit {
    CFG_AT_LIMIT_NOTIFY = 0, /* the budget-exceeded event only */
    CFG_AT_LIMIT_FREEZE,     /* attach the freeze SCP, revoke owner access */
    CFG_AT_LIMIT_CLOSE       /* nuke and close, reason "budget" */
};

struct cfg_budget {
    int64_t limit;                 /* minor units (cents of USD); 0 = no budget */
    char *period_name;             /* "lease" or "monthly" (period holds it parsed) */
    char *at_limit_name;           /* "notify", "freeze" or "close" (at_limit holds it parsed) */
    int warn[CFG_MAX_BUDGET_WARN]; /* warning thresholds, percent of the limit, ascending */
    int nwarn;
    enum cfg_budget_period period;
    enum cfg_at_limit at_limit;
};

struct cfg_tag {
    char *key;
    char *value;
};

struct cfg_kind {
    char *name;          /* "developer", "training", "demo", or user-defined */
    int64_t default_ttl; /* seconds; 0 = no expiry unless --ttl given */
    int64_t max_ttl;     /* seconds; 0 = unlimited */
    char *ou;            /* OU path below the root, e.g. "Sandboxes/Developers"; "" = root */
    struct cfg_tag tags[CFG_MAX_TAGS];
    int ntags;
    int max_per_owner;          /* 0 = unlimited */
    int64_t warn[CFG_MAX_WARN]; /* expiry-warning offsets before expiry, seconds, descending */
    int nwarn;
    bool hooks[CFG_HOOK_EVENT_COUNT]; /* which hook events run for this kind */
    char *email_template;             /* overrides the organization's template when set */
    char *name_template;              /* overrides the organization's template when set */
    char *permission_set;     /* Identity Center permission set (name or ARN); NULL = access's */
    char *access_groups;      /* comma-separated Identity Center groups given access to the
                                 kind's accounts; NULL = access.groups, "" = none */
    int pool_size;            /* pool.size: fresh accounts kept ready; 0 = no pool */
    char *pool_ou;            /* pool.ou: where pool accounts wait (never "" = root) */
    struct cfg_budget budget; /* budget = { limit; period; warn; at_limit; } */
};

struct cfg_aws {
    char *profile;                /* AWS profile; NULL = $AWS_PROFILE or "default" */
    char *region;                 /* client region; NULL = $AWS_REGION / profile / us-east-1 */
    char *endpoint;               /* Organizations endpoint override (http(s)://host[:port]) */
    char *sts_endpoint;           /* STS endpoint override */
    char *ce_endpoint;            /* Cost Explorer endpoint override */
    char *budgets_endpoint;       /* AWS Budgets endpoint override */
    char *sso_endpoint;           /* IAM Identity Center (sso-admin) endpoint override */
    char *identitystore_endpoint; /* Identity Store endpoint override */
    int max_attempts;             /* total attempts per call, standard retry mode (default 5) */
    int64_t connect_timeout;      /* seconds (default 10) */
    int64_t request_timeout;      /* seconds (default 60) */
    char *access_role;     /* role created in members (default OrganizationAccountAccessRole) */
    bool follow_sim_clock; /* take "now" from the simulator's admin API (simulator only) */
};

struct cfg_org {
    char *email_template; /* e.g. "aws-sandbox+{kind}-{owner}-{seq}@corp.example" */
    char *name_template;  /* e.g. "sbx-{kind}-{owner}-{seq}" */
    char *owner_domain;   /* if set, owners must be addresses in this domain */
    struct cfg_tag protected_tags[CFG_MAX_PROTECT]; /* never close accounts with these tags */
    int nprotected_tags;
    char *protected_accounts[CFG_MAX_PROTECT]; /* never close these ids */
    int nprotected_accounts;
    char *close_wait_ou; /* optional OU path where nuked accounts wait for a close slot */
};

/* AWS limits the engine plans around (DESIGN.md section 4); all overridable. */
struct cfg_limits {
    double create_rate;     /* CreateAccount calls per second (0.1) */
    int create_burst;       /* (3) */
    int create_in_progress; /* creations in progress at once (5) */
    double close_rate;      /* CloseAccount calls per second (0.05) */
    int close_burst;        /* (1) */
    int close_in_flight;    /* closures in PENDING_CLOSURE at once (3) */
    int close_quota;        /* closures per rolling 30 days; 0 = AWS formula */
    int close_quota_min;    /* AWS formula floor (250) */
    int close_quota_pct;    /* AWS formula percentage of members (20) */
    int close_quota_max;    /* AWS formula cap (1000) */
    double describe_rate;   /* DescribeCreateAccountStatus / DescribeAccount calls/s (2) */
    double move_rate;       /* MoveAccount calls/s (2) */
    double tag_rate;        /* TagResource calls/s (4) */
    int account_limit;      /* accounts in the organization, closed ones included (10) */
    int pool_reserve;       /* accounts the pools leave free below account_limit (2) */
    int64_t create_stuck;   /* creation considered stuck after this long (10m) */
};

struct cfg_hooks {
    char *dir;            /* contains post-create.d/, pre-close.d/, ... */
    char *log_dir;        /* per-run output; default <store dir>/hook-logs */
    char *state_dir;      /* hooks' own state (SANDBOX_STATE_DIR); default <store dir>/hook-state */
    int64_t timeout;      /* per hook executable (60m) */
    int64_t output_limit; /* bytes of a run's output kept in its log (1 MiB) */
    int parallel;         /* accounts whose hooks run at once (4) */
    int max_attempts;     /* failures before quarantine (3) */
    int64_t retry_backoff; /* first retry delay, doubled each time (5m) */
    /* events whose hooks get AWS_* of the management session (pre-close only) */
    bool pass_credentials[CFG_HOOK_EVENT_COUNT];
    char *nuke_config_dir; /* where the aws-nuke hook writes generated configs */
    char *nuke_regions;    /* comma-separated regions for aws-nuke (e.g. "us-east-1,global") */
    char *webhook_url;     /* for notification hooks */
    char *mail_from;       /* for notification hooks */
};

/* The engine's own schedule. */
struct cfg_engine {
    int64_t drift_interval; /* seconds between drift scans in `run` (1h); 0 = never */
};

/* The spend check of `run` (Cost Explorer, one paginated request per check). */
struct cfg_spend {
    int64_t check_interval; /* seconds between checks (6h) */
    bool aws_budget;        /* also an AWS Budget per account with email alerts (false) */
    char *alert_email;      /* another subscriber of those alerts besides the owner; NULL = none */
};

/* Owner access through IAM Identity Center; only in force when the `access` group exists. */
struct cfg_access {
    bool enabled;             /* the file has an `access` group */
    char *instance;           /* instance ARN; NULL = the one instance there is */
    char *region;             /* the instance's home region; NULL = aws.region's resolution */
    char *user_name_template; /* NULL: owners are matched by address (emails.value); else the
                                 userName, from {owner} and {local} (the address before '@') */
    char *permission_set;     /* default permission set, a name or an ARN */
    char *portal_url;   /* the access portal (start URL); NULL = https://ID.awsapps.com/start */
    bool revoke_others; /* at the end, also delete others' assignments of the kind's set */
    bool create_users;  /* create missing owners' users (Identity Center's directory only) */
    char *user_groups;  /* comma-separated groups a created user joins; NULL = none */
    char *groups;       /* comma-separated groups given access to every owner's account (the
                           kinds' access_groups replace it); NULL = none */
    double assign_rate; /* CreateAccountAssignment + DeleteAccountAssignment per second (5) */
    int64_t directory_interval; /* seconds between directory checks in `run` (1h); 0 = never */
    int brake_owners;           /* the brake holds when more than this many owners vanish ... */
    int brake_percent;          /* ... and more than this share of the checked owners (%) */
};

/* Knobs of `sandboxctl sim`; every one also has a command-line option. */
struct cfg_sim {
    char *listen;        /* "127.0.0.1:4566"; port 0 picks a free one */
    char *access_key_id; /* management account's key */
    char *secret_access_key;
    char *state;            /* SQLite state file; NULL = in memory */
    double time_scale;      /* 1 */
    int64_t create_latency; /* seconds until SUCCEEDED (60) */
    int64_t close_latency;  /* seconds in PENDING_CLOSURE (300) */
    int account_limit;      /* 10 */
    int64_t seed;
    bool throttle; /* token buckets on (true) */
};

struct sbx_config {
    char *path;  /* file it came from */
    char *store; /* SQLite store path */
    struct cfg_aws aws;
    struct cfg_org org;
    struct cfg_limits limits;
    struct cfg_hooks hooks;
    struct cfg_engine engine;
    struct cfg_access access;
    struct cfg_spend budget;
    struct cfg_sim sim;
    struct cfg_kind kinds[CFG_MAX_KINDS];
    int nkinds;
};

/* Value types of the key table. */
enum cfg_type {
    CFG_STR,      /* char *; see CFG_OPTIONAL and CFG_EMPTY for "" */
    CFG_PATH,     /* char *, a path; a relative one is resolved against the file's directory */
    CFG_SECRET,   /* char *, never echoed in a message, wiped when freed */
    CFG_INT,      /* int within [min, max] */
    CFG_INT64,    /* int64_t within [min, max] */
    CFG_DOUBLE,   /* double within (min, max] */
    CFG_BOOL,     /* bool */
    CFG_DURATION, /* int64_t seconds, written as a duration string, within [min, max] */
    CFG_EVENTS,   /* bool[CFG_HOOK_EVENT_COUNT], written as a list of distinct event names */
    CFG_TAGS,     /* struct cfg_tag[max], "Key=Value" strings; count in the int at `count` */
    CFG_ACCOUNTS, /* char *[max], distinct 12-digit account ids; count at `count` */
    CFG_WARN,  /* int64_t[max], distinct durations of 1s..365d, largest first; count at `count` */
    CFG_MONEY, /* int64_t minor units (cents), written "50 USD" (util/money.h) */
    CFG_PCTS,  /* int[max], distinct percentages 1..100, ascending; count at `count` */
};

#define CFG_OPTIONAL 0x1u /* strings: "" leaves the key unset (NULL) */
#define CFG_EMPTY    0x2u /* strings: "" is a value of its own (a kind's ou: the root) */
#define CFG_NO_BOOL  0x4u /* events: false means none; true is refused (it once meant all) */

/* A string validator: returns 0, or -1 with why filled ("must be ..."). */
typedef int (*cfg_check_fn)(const char *v, char *why, size_t n);

/* One key of the file. */
struct cfg_key {
    const char *section; /* "" for the top level, "aws", "limits", ...; "kinds" for a kind's */
    const char *name;
    enum cfg_type type;
    size_t offset;      /* of the field in struct sbx_config (struct cfg_kind for a kind's) */
    size_t count;       /* lists: offset of the int holding the number of entries */
    int64_t min, max;   /* numbers and durations: the range; lists: max = capacity */
    const char *def;    /* the default as written in the file, without quotes; events: names
                           separated by ','; NULL = unset (or computed, as the man page says) */
    cfg_check_fn check; /* strings: the validator; NULL = any */
    unsigned flags;     /* CFG_OPTIONAL, CFG_EMPTY, CFG_NO_BOOL */
};

/* The key table: top-level keys and the groups' keys, in the man page's order. */
const struct cfg_key *cfg_keys(size_t *n);
/* The keys of each group under `kinds`. */
const struct cfg_key *cfg_kind_keys(size_t *n);
/*
 * The default of k as a configuration file would write it ("\"10m\"", "0.1", "true",
 * "[ \"pre-close\" ]") into buf; returns buf, or NULL when the key has no fixed default or
 * buf is too small.
 */
const char *cfg_key_default(const struct cfg_key *k, char *buf, size_t n);

/*
 * Resolves the path to load: explicit (may be NULL), then $SANDBOXCTL_CONFIG, then the
 * default. Returns a borrowed pointer (argument, environment or static string).
 */
const char *cfg_resolve_path(const char *explicit_path);

/*
 * Loads and validates path into a new config. On success *out is set and owned by the caller
 * (cfg_free). On failure err (SBX_E_CONFIG) reads "FILE:LINE: key 'a.b': why".
 */
int cfg_load(const char *path, struct sbx_config **out, struct sbx_err *err) SBX_NODISCARD;
/* A config holding only defaults (no file); used by commands that can run without one. */
int cfg_defaults(struct sbx_config **out, struct sbx_err *err) SBX_NODISCARD;
void cfg_free(struct sbx_config *cfg);

/* The kind named name, or NULL. */
const struct cfg_kind *cfg_kind_find(const struct sbx_config *cfg, const char *name);
/* "post-create", "expiry-warning", "pre-close", "post-close", "nuke-failed", "quarantined",
 * "close-failed". */
const char *cfg_hook_event_name(enum cfg_hook_event ev);

#endif
