/*
 * cfg.h -- the configuration file (libconfig) loaded into a typed, validated struct.
 *
 * Lookup order: --config FILE, then $SANDBOXCTL_CONFIG, then /etc/sandboxctl/sandboxctl.cfg.
 * Every value is validated at load; every error names file, line and key; unknown keys are
 * rejected. After cfg_load() returns, the struct owns copies of every string and libconfig's
 * tree is gone. Durations are whole seconds (see util/duration.h).
 *
 * The complete key reference is sandboxctl.cfg(5); config/ holds examples.
 */
#ifndef SBX_CFG_H
#define SBX_CFG_H

#include <stdint.h>

#include "sbx.h"

#define CFG_DEFAULT_PATH "/etc/sandboxctl/sandboxctl.cfg"
#define CFG_MAX_KINDS    32
#define CFG_MAX_TAGS     48 /* AWS allows 50 per account; sandboxctl adds its own */
#define CFG_MAX_WARN     8
#define CFG_MAX_PROTECT  64

/* Hook events; a kind chooses which of them run. */
enum cfg_hook_event {
    CFG_HOOK_POST_CREATE = 0,
    CFG_HOOK_EXPIRY_WARNING,
    CFG_HOOK_PRE_CLOSE,
    CFG_HOOK_POST_CLOSE,
    CFG_HOOK_EVENT_COUNT
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
};

struct cfg_aws {
    char *profile;           /* AWS profile; NULL = $AWS_PROFILE or "default" */
    char *region;            /* client region; NULL = $AWS_REGION / profile / us-east-1 */
    char *endpoint;          /* Organizations endpoint override (http(s)://host[:port]) */
    char *sts_endpoint;      /* STS endpoint override */
    int max_attempts;        /* total attempts per call, standard retry mode (default 5) */
    int64_t connect_timeout; /* seconds (default 10) */
    int64_t request_timeout; /* seconds (default 60) */
    char *access_role;       /* role created in members (default OrganizationAccountAccessRole) */
    bool follow_sim_clock;   /* take "now" from the simulator's admin API (simulator only) */
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
    int64_t create_stuck;   /* creation considered stuck after this long (10m) */
};

struct cfg_hooks {
    char *dir;             /* contains post-create.d/, pre-close.d/, ... */
    char *log_dir;         /* per-run output; default <store dir>/hook-logs */
    int64_t timeout;       /* per hook executable (60m) */
    int64_t output_limit;  /* bytes of a run's output kept in its log (1 MiB) */
    int parallel;          /* accounts whose hooks run at once (4) */
    int max_attempts;      /* failures before quarantine (3) */
    int64_t retry_backoff; /* first retry delay, doubled each time (5m) */
    bool pass_credentials; /* put AWS_* of the management session into hooks' env */
    char *nuke_config_dir; /* where the aws-nuke hook writes generated configs */
    char *nuke_regions;    /* comma-separated regions for aws-nuke (e.g. "us-east-1,global") */
    char *webhook_url;     /* for notification hooks */
    char *mail_from;       /* for notification hooks */
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
    struct cfg_sim sim;
    struct cfg_kind kinds[CFG_MAX_KINDS];
    int nkinds;
};

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
/* "post-create", "expiry-warning", "pre-close", "post-close". */
const char *cfg_hook_event_name(enum cfg_hook_event ev);

#endif
