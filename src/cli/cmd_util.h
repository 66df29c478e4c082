/*
 * cmd_util.h -- what the lifecycle commands share: tables, JSON output, the engine set up for a
 * command, and live event lines.
 *
 * JSON output is API. Field names below never change meaning; new fields may be added.
 *
 * Account object (list, show, create, extend, adopt, retry, and inside offboard/close/run):
 *   "id"            number   local id (stable; `#ID` or `ID` names the account in commands)
 *   "account_id"    string   AWS account id, null until AWS assigned one
 *   "email"         string   the root email alias (unique forever)
 *   "name"          string   the AWS account name
 *   "owner"         string   owner's email address (lower case)
 *   "kind"          string   developer, training, demo, or a configured kind
 *   "class"         string   training class name, null when none
 *   "seat"          number   seat in the class, null when none
 *   "state"         string   requested creating active expiring nuking nuke_failed close_wait
 *                            closing suspended gone failed protected
 *   "reason"        string   why it is closing: expired, offboarded, manual ("" = not closing)
 *   "expires_at"    string   RFC 3339 UTC, null = never
 *   "created_at"    string   RFC 3339 UTC (request time)
 *   "active_at"     string   RFC 3339 UTC, null until active
 *   "closed_at"     string   RFC 3339 UTC when AWS reported it closed, null before
 *   "updated_at"    string   RFC 3339 UTC
 *   "next_action_at" string  RFC 3339 UTC when the engine next has work for it, null = none
 *   "attempts"      number   failed attempts of the current step
 *   "last_error"    string   "" = none
 *   "adopted"       bool     brought under management by `adopt`
 *   "request_id"    string   CreateAccount request id, null when none
 * Event object ("events" of run, offboard, close):
 *   "id", "account_id", "event", "from", "to", "message"
 * Step report object ("report"): "submitted" "activated" "warned" "expired" "nuked"
 *   "nuke_retries" "quarantined" "close_sent" "closed" "gone" "refused" "failed" "deferred"
 *   "reconciled" "errors" (numbers), "last_error" (string)
 */
#ifndef SBX_CMD_UTIL_H
#define SBX_CMD_UTIL_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "cli/cmd.h"
#include "engine/engine.h"
#include "util/jsonw.h"

/* --- tables --------------------------------------------------------------------------- */

struct cmd_table;

/* A table with ncols columns titled by the NULL-terminated header list. */
struct cmd_table *cmd_table_new(const char *const *headers);
/* Adds a row of ncols strings (copied; NULL or "" prints as "-"). Returns -1 when out of
 * memory. */
int cmd_table_add(struct cmd_table *t, const char *const *cells);
/* Prints the table with columns as wide as their widest cell, two spaces apart (the last
 * column unpadded), through one large buffer. */
void cmd_table_print(const struct cmd_table *t, FILE *out);
void cmd_table_free(struct cmd_table *t);

/* --- JSON ----------------------------------------------------------------------------- */

/* The account object documented above; NULL when out of memory. */
cJSON *cmd_account_json(const struct store_account *a);
/* Writes the members of the account object (without the braces) to w: the streaming form
 * `list --json` uses and the one definition of the object (cmd_account_json parses it). */
void cmd_account_json_write(struct jsonw *w, const struct store_account *a);
/* Adds the step report object as "report" to obj. */
void cmd_report_json(cJSON *obj, const struct engine_step_report *r);
/* Prints obj (formatted) and a newline to stdout and frees it. Returns the exit status:
 * SBX_EXIT_OK, or SBX_EXIT_FAILURE when out of memory (said on stderr). */
int cmd_json_print(cJSON *obj);
/* The same on one line, flushed at once (a line of a JSON lines stream). */
int cmd_json_line(cJSON *obj);
/* The audit event object of `log --json` (account true: with "id" and "account_id", no
 * "hash") and of `show --json`'s history; NULL when out of memory. */
cJSON *cmd_audit_json(const struct store_audit_row *r, bool account);
/* Prints the end of an audit event's line: event, "from -> to", detail and [actor], escaped. */
void cmd_audit_line(const struct store_audit_row *r);
/* Adds key: RFC 3339 time, or null when t <= 0. */
void cmd_json_time(cJSON *obj, const char *key, int64_t t);

/* --- engine for a command ------------------------------------------------------------------ */

/* Collects engine events: printed as lines when json is false, kept as an array otherwise,
 * or, with lines set, printed at once as one JSON object per line stamped with that clock's
 * time (`run --json`). */
struct cmd_events {
    bool json;
    bool quiet;   /* collect only */
    cJSON *array; /* events when json */
    int count;
    const struct sbx_clock *lines; /* json: one line per event, at once; NULL = the array */
};

/*
 * Creates the engine a command uses over ctx's config, store, client and clock, with the audit
 * actor "<user> (<cmd>)". ev may be NULL. Logs and returns an exit status on failure, 0 on
 * success.
 */
int cmd_engine_open(struct sbx_ctx *ctx, const char *cmd, bool dry_run, struct cmd_events *ev,
                    struct engine **out);

/* Decimal text of v in buf (no printf); returns a pointer into buf. */
const char *cmd_fmt_int(int64_t v, char buf[24]);
/* RFC 3339 for t > 0, else "-" (or "never" when never_word). */
const char *cmd_time(int64_t t, char *buf, size_t n, bool never_word);
/* The last time formatted through it, for bulk output: rows often repeat a second or a day. */
struct cmd_time_cache {
    int64_t t, day;
    char text[21];
};
#define CMD_TIME_CACHE_INIT      \
    {                            \
        INT64_MIN, INT64_MIN, "" \
    }
/* RFC 3339 UTC text of t ("2026-11-26T17:54:12Z", 20 characters) in c->text, as cmd_time
 * writes it for t > 0; valid until the next call with c. */
const char *cmd_time_cached(struct cmd_time_cache *c, int64_t t);
/* "in 3d" / "2h ago" relative to now. */
const char *cmd_rel(int64_t t, int64_t now, char *buf, size_t n);
/* Prints the step report as one line ("3 submitted, 1 closed, ...") or "nothing to do". */
void cmd_report_line(FILE *out, const struct engine_step_report *r);
/* The options of every command that closes accounts (close, offboard, class end). */
struct cmd_close_opts {
    bool yes;     /* --yes: no confirmation on a terminal */
    bool wait;    /* false with --no-wait: request the closes and return */
    bool dry_run; /* --dry-run */
    bool json;    /* --json */
};

/*
 * Parses --yes, --no-wait, --dry-run and --json from argv (cmd_parse_opts; operands stay
 * in argv[optind..]). Returns 0, or prints usage and returns SBX_EXIT_USAGE for anything else.
 */
int cmd_parse_close_opts(int argc, char **argv, const char *usage, struct cmd_close_opts *o);

/* Resolves ACCOUNT (account id, local id, email, name) or logs and returns exit status 7. */
int cmd_find_account(struct sbx_ctx *ctx, const char *cmd, const char *key,
                     struct store_account *out);

/*
 * The ACCOUNT of a command on one account (the operand CMD_OPT_END_ONE("ACCOUNT") asks for):
 * resolves key into *a, then, when e is not NULL, opens the command's engine into *e (see
 * cmd_engine_open). Returns 0, or the exit status with *a released and nothing open.
 */
int cmd_open_one_account(struct sbx_ctx *ctx, const char *cmd, const char *key, bool dry_run,
                         struct cmd_events *ev, struct store_account *a, struct engine **e);

/*
 * A command on one ACCOUNT through the engine (extend, unfreeze, release, retry; adopt, whose
 * account is not managed yet, opens only the engine): what every such command holds, from
 * cmd_one_open() to cmd_one_end().
 */
struct cmd_one {
    const char *cmd;   /* names the command in messages: "retry" */
    const char *usage; /* its usage text */
    bool dry_run;      /* --dry-run (the row CMD_OPT_DRY_RUN(&one.dry_run)) */
    bool json;         /* --json (CMD_OPT_JSON(&one.json)) */
    struct store_account a;
    struct engine *e;
    struct sbx_err err; /* what the command's engine call failed with (cmd_one_fail) */
    char signin[1024];  /* the owner's sign-in link once cmd_access_wait() found it, or "" */
};

/* Parses argv against opt (ended by CMD_OPT_END_ONE("ACCOUNT")), then opens the one ACCOUNT
 * and the engine (cmd_open_one_account). Returns 0, or the exit status with nothing open. */
int cmd_one_open(struct sbx_ctx *ctx, struct cmd_one *c, const struct cmd_opt *opt, int argc,
                 char **argv);
/* The account object with "dry_run" and, when there is one, "signin_url"; NULL when out of
 * memory. */
cJSON *cmd_one_json(const struct cmd_one *c);
/* Releases what c holds and returns rc. */
int cmd_one_end(struct cmd_one *c, int rc);
/* Logs c->err as the command's failure (cmd_fail), releases what c holds and returns the exit
 * status. */
int cmd_one_fail(struct cmd_one *c);

/* Re-reads *a from the store (releasing the old copy). */
int cmd_reload(struct sbx_ctx *ctx, struct store_account *a, struct sbx_err *err);

/* --- closing several accounts (offboard, close) ------------------------------------------- */

struct cmd_close_item {
    struct store_account a;
    enum engine_close_outcome outcome;
    char why[400];
};

/* One close job: which accounts, why, and how the command was asked to do it. */
struct cmd_close_job {
    const char *cmd;              /* "close", "offboard": names the command in messages */
    const char *reason;           /* recorded on each account: "manual", "offboarded" */
    int64_t priority;             /* close-queue priority (higher closes first) */
    const char *usage;            /* the command's usage, after "not confirmed" */
    const char *prompt;           /* the question on a terminal, unless --yes; NULL: none */
    struct cmd_close_opts opts;   /* yes, wait, dry_run, json */
    const char *owner;            /* off-boarding: the owner (in the JSON; one run for all) */
    struct cmd_close_item *items; /* the resolved accounts; updated */
    size_t n;
};

/*
 * Confirms (job->prompt, unless --yes or --dry-run: "<cmd>: not confirmed" is a usage error),
 * opens the command's engine, then asks for each item's account to close (the job's reason and
 * priority; protection checked live), then, when opts.wait is set, runs the engine on just those
 * accounts until nothing more can happen now (nuked, closed within the quota and closures in
 * flight). Prints the summary (table or JSON, each account's outcome as engine_close_verdict()
 * words it) and returns the exit status: 0 when every account is closed or on its way,
 * SBX_EXIT_PARTIAL when some were refused or quarantined (SBX_EXIT_FAILURE when all of them were,
 * except for an owner's off-boarding, which is partial whenever anything failed).
 */
int cmd_close_accounts(struct sbx_ctx *ctx, const struct cmd_close_job *job);

/* --budget AMOUNT ("100 USD", "100USD"): an account's own budget in cents (int64_t target). */
int cmd_opt_money(const struct cmd_opt *o, const char *arg, char *why, size_t n);
#define CMD_OPT_BUDGET(target)                                           \
    {                                                                    \
        .name = "budget", 0, CMD_OPT_CALL, (target), .fn = cmd_opt_money \
    }

/*
 * With the `access` group: every owner in owners[0..n) needs an IAM Identity Center user
 * (engine_directory_users; created when access.create_users). Says on stderr which users were
 * created (in dry-run: would be). Returns 0, or the command's exit status after printing the
 * error (7 naming every owner without a user, 3 when the identity source refuses to create).
 */
int cmd_owner_users(struct engine *e, const char *cmd, const char *const *owners, size_t n,
                    bool dry_run);

/*
 * Runs engine steps on account a alone until it is no longer being provisioned (requested or
 * creating: its owner's access included), sleeping no longer than the engine asks; with !wait
 * one step only. Stops at deadline (engine time) with *timed_out. a is reloaded after every
 * step. Returns 0, or the exit status after printing the error (cmd names the command).
 */
int cmd_drive_account(struct sbx_ctx *ctx, struct engine *e, const char *cmd,
                      struct store_account *a, bool wait, double deadline, bool *timed_out);

/*
 * For an account a command moved to creating for its owner's access (unfreeze, adopt): waits
 * up to 30 minutes until it is active (cmd_drive_account), warning when it is not yet (`run`
 * finishes it), and fills c->signin with the owner's sign-in link ("" when none). Nothing in a
 * dry run. Returns 0, or the exit status after printing the error.
 */
int cmd_access_wait(struct sbx_ctx *ctx, struct cmd_one *c);

#endif
