/*
 * hook.h -- run-parts style execution of hook executables (DESIGN.md section 6).
 *
 * For an event, every executable in <hooks.dir>/<event>.d/ runs in lexical order, without a
 * shell, with an environment built from nothing (PATH, LC_ALL, HOME=/nonexistent, the
 * SANDBOX_* variables, and AWS_* only for events hooks.pass_credentials lists), stdin from
 * /dev/null, stdout+stderr captured to one log file per run (at most hooks.output_limit
 * bytes per executable: head and tail, with a note of what was left out). The first
 * executable that fails (non-zero exit, signal, or timeout) stops the sequence. On timeout
 * the whole process group is killed (SIGTERM, then SIGKILL after 5 s); util/spawn.h runs the
 * executables. Files that are not regular, not executable, writable by group/other, or owned
 * by someone other than us or root are refused (and make the event fail), except names
 * starting with '.' or ending in '~', '.disabled', '.sample', which are skipped. hooks.dir,
 * the event directory and each hook are checked from '/' down with lstat() (sudo/OpenSSH
 * style); a symbolic link is followed only when the link and its target pass.
 *
 * Result protocol: each executable finds in SANDBOX_RESULT_FILE the path of an empty file it
 * may fill with one small JSON document (at most HOOK_RESULT_MAX bytes) about what it did,
 * also when it fails. Valid documents are collected into one JSON object keyed by the
 * executable's name (hook_result.result); an oversized or invalid one is left out with a note
 * in the log and does not change the hook's outcome.
 */
#ifndef SBX_HOOK_H
#define SBX_HOOK_H

#include "cfg.h"
#include "sbx.h"

struct creds;

/* What a hook learns about the account (all strings borrowed; NULL = variable not set). */
struct hook_env {
    const char *account_id;  /* SANDBOX_ACCOUNT_ID */
    const char *email;       /* SANDBOX_EMAIL */
    const char *name;        /* SANDBOX_ACCOUNT_NAME */
    const char *owner;       /* SANDBOX_OWNER */
    const char *kind;        /* SANDBOX_KIND */
    const char *class_name;  /* SANDBOX_CLASS */
    const char *expires_at;  /* SANDBOX_EXPIRES_AT (RFC 3339, "" = never) */
    const char *reason;      /* SANDBOX_REASON: expired, offboarded, manual, ... */
    const char *role_arn;    /* SANDBOX_ROLE_ARN: the member account's access role */
    const char *warn_offset; /* SANDBOX_WARN_OFFSET for expiry-warning (e.g. "1d") */
    const char *config_path; /* SANDBOX_CONFIG: the sandboxctl config in use */
    bool dry_run;            /* SANDBOX_DRY_RUN=1 */
    /* Extra "KEY=VALUE" entries (e.g. SANDBOX_MANAGEMENT_ACCOUNT_ID,
     * SANDBOX_PROTECTED_ACCOUNTS, SANDBOX_ENDPOINT_URL); NULL-terminated or NULL. */
    const char *const *extra;
};

#define HOOK_RESULT_MAX 4096 /* bytes of one executable's result document */

struct hook_result {
    int status; /* 0 ok; exit status of the failing hook; 128+N for signal N */
    bool timed_out;
    int ran;             /* executables started */
    char failed[256];    /* basename of the failing executable, "" if none */
    char log_path[1024]; /* this run's output file ("" when nothing ran) */
    char tail[1024];     /* last lines of the output, for `show` and errors */
    /* {"<executable>": <its result document>, ...}; "" when no executable wrote one */
    char result[2 * HOOK_RESULT_MAX];
};

/*
 * Runs the event's executables for one account and waits. Returns 0 when the sequence ran
 * (check out->status for the outcome, 0 = every hook succeeded or none exists), -1 with err
 * when it could not run at all (unsafe hook file, cannot fork, cannot create the log).
 * creds, when non-NULL and hooks.pass_credentials lists ev, are exported as AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN in the environment only.
 */
int hook_run(const struct cfg_hooks *hc, enum cfg_hook_event ev, const struct hook_env *env,
             const struct creds *creds, struct hook_result *out, struct sbx_err *err) SBX_NODISCARD;

/*
 * Runs the event for n accounts with at most hc->parallel sequences at once, and waits for
 * all. results[i] and errs[i] (arrays of n) receive each account's outcome as hook_run()
 * would. Returns the number of accounts whose sequence could not run (errs set).
 */
size_t hook_run_batch(const struct cfg_hooks *hc, enum cfg_hook_event ev,
                      const struct hook_env *envs, size_t n, const struct creds *creds,
                      struct hook_result *results, struct sbx_err *errs);

/* True when the event directory has at least one executable that would run. */
bool hook_event_has_hooks(const struct cfg_hooks *hc, enum cfg_hook_event ev);

#endif
