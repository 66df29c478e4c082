/*
 * cmd.h -- the command layer: one file per subcommand (cmd_<name>.c), a row in main.c's
 * table, and the context main() sets up before calling it.
 *
 * Only main.c and cmd_*.c print errors or choose exit statuses.
 */
#ifndef SBX_CMD_H
#define SBX_CMD_H

#include <stdint.h>

#include "cli/cmd_opt.h"
#include "sbx.h"
#include "util/clock.h"

struct sbx_config;
struct store;
struct orgs;
struct orgs_opts;

/* What main() sets up before running a command (git's RUN_SETUP). */
enum cmd_flags {
    CMD_CONFIG = 1 << 0, /* load the config file (a missing file is an error) */
    /* Open the store named by the config: it must exist, and PRAGMA quick_check stands before
     * the command's first write to it (STORE_CHECK). */
    CMD_STORE = 1 << 1,
    CMD_AWS = 1 << 2,        /* create the Organizations client (credentials resolve lazily) */
    CMD_CONFIG_OPT = 1 << 3, /* load the config if one exists, else use defaults */
    /* Without CMD_AWS: when aws.follow_sim_clock is set, set ctx->clock from the simulator's
     * clock anyway (a short-lived client, no credentials; a failure only warns), so that a
     * store-only command judges times as the engine does. CMD_AWS does this by itself. */
    CMD_CLOCK = 1 << 4,
    /* With CMD_STORE: create the store when it is missing (init alone). */
    CMD_STORE_CREATE = 1 << 5,
};

struct sbx_ctx {
    const char *config_path; /* --config, or NULL */
    struct sbx_config *cfg;  /* CMD_CONFIG: loaded config */
    struct store *store;     /* CMD_STORE */
    struct orgs *orgs;       /* CMD_AWS */
    struct sbx_clock clock;  /* real time, or the simulator's clock (aws.follow_sim_clock) */
    int verbosity;           /* number of -v */
};

struct cmd {
    const char *name;
    int (*fn)(struct sbx_ctx *ctx, int argc, char **argv);
    unsigned flags;
    const char *usage;   /* man-page form; diffed against sandboxctl.1 SYNOPSIS by a test */
    const char *summary; /* one line for `sandboxctl --help` */
};

/* The command table (main.c), terminated by a zeroed row. */
extern const struct cmd cmd_table[];

/* Prints "usage: ..." (and "sandboxctl: <fmt>" first when fmt is non-NULL) to stderr;
 * returns SBX_EXIT_USAGE. */
int cmd_usage_error(const char *usage, const char *fmt, ...) SBX_PRINTF(2, 3);
/* Logs "<cmd>: <err->msg>" and returns the exit status for err. */
int cmd_fail(const char *cmd, const struct sbx_err *err);
/* Asks "prompt [y/N] " on the terminal; true if the user typed y/yes. Non-terminal stdin (and
 * no --yes) answers false, so scripts must pass --yes. */
bool cmd_confirm(const char *prompt);
/* The Organizations client's options from the configuration's aws and limits groups; the
 * strings in out are borrowed from cfg. */
void cmd_orgs_opts(const struct sbx_config *cfg, struct orgs_opts *out);
/* Prints the usage text of the named command to stdout (for `sandboxctl help CMD`). */
int cmd_print_usage(const char *name);

/* Usage texts, one per command file, in man-page form. */
extern const char cmd_adopt_usage[];
extern const char cmd_backup_usage[];
extern const char cmd_recover_usage[];
extern const char cmd_class_usage[];
extern const char cmd_close_usage[];
extern const char cmd_create_usage[];
extern const char cmd_doctor_usage[];
extern const char cmd_extend_usage[];
extern const char cmd_init_usage[];
extern const char cmd_list_usage[];
extern const char cmd_log_usage[];
extern const char cmd_offboard_usage[];
extern const char cmd_policy_usage[];
extern const char cmd_quota_usage[];
extern const char cmd_metrics_usage[];
extern const char cmd_retry_usage[];
extern const char cmd_release_usage[];
extern const char cmd_unfreeze_usage[];
extern const char cmd_spend_usage[];
extern const char cmd_run_usage[];
extern const char cmd_show_usage[];
extern const char cmd_sim_usage[];

int cmd_adopt(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_backup(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_recover(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_class(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_close(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_create(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_doctor(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_extend(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_init(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_list(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_log(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_offboard(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_policy(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_quota(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_metrics(struct sbx_ctx *ctx, int argc, char **argv);
/*
 * `run` records the engine time at the end of each pass without errors in <store>.last-run
 * (not in the store: an idle pass writes nothing to it, and so pays no integrity check);
 * `metrics` reads it. Best effort: a pass does not fail because the mark cannot be written.
 */
void cmd_mark_run_ok(const struct sbx_ctx *ctx, int64_t now);
/* The time cmd_mark_run_ok recorded; 0 when none (or unreadable). */
int64_t cmd_last_run_ok(const struct sbx_ctx *ctx);
int cmd_retry(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_release(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_unfreeze(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_spend(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_run(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_show(struct sbx_ctx *ctx, int argc, char **argv);
int cmd_sim(struct sbx_ctx *ctx, int argc, char **argv);

#endif
