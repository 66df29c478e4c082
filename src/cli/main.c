/*
 * main.c -- sandboxctl: global options, the command table, setup, and the exit status.
 *
 * As in git, a command is a file (cmd_<name>.c), a prototype in cmd.h and a row below; the
 * flags say what main() prepares first (config, store, AWS client).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "aws/orgs.h"
#include "cfg.h"
#include "cli/cmd.h"
#include "sbx.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"

const struct cmd cmd_table[] = {
    { "init", cmd_init, CMD_CONFIG | CMD_STORE | CMD_STORE_CREATE | CMD_AWS, cmd_init_usage,
      "create the store, discover the organization, create the kinds' OUs" },
    { "create", cmd_create, CMD_CONFIG | CMD_STORE | CMD_AWS, cmd_create_usage,
      "create a sandbox account" },
    { "list", cmd_list, CMD_CONFIG | CMD_STORE | CMD_CLOCK, cmd_list_usage,
      "list managed accounts" },
    { "show", cmd_show, CMD_CONFIG | CMD_STORE | CMD_CLOCK, cmd_show_usage,
      "show one account, its hook runs and its history" },
    { "extend", cmd_extend, CMD_CONFIG | CMD_STORE | CMD_AWS, cmd_extend_usage,
      "move an account's expiry" },
    { "offboard", cmd_offboard, CMD_CONFIG | CMD_STORE | CMD_AWS, cmd_offboard_usage,
      "nuke and close every account an owner has" },
    { "close", cmd_close, CMD_CONFIG | CMD_STORE | CMD_AWS, cmd_close_usage,
      "nuke and close accounts now" },
    { "adopt", cmd_adopt, CMD_CONFIG | CMD_STORE | CMD_AWS, cmd_adopt_usage,
      "bring an existing member account under management" },
    { "recover", cmd_recover, CMD_CONFIG | CMD_STORE | CMD_STORE_CREATE | CMD_AWS,
      cmd_recover_usage, "rebuild a lost or stale store from the accounts' tags" },
    { "run", cmd_run, CMD_CONFIG | CMD_STORE | CMD_AWS, cmd_run_usage,
      "do all due work once (--watch: keep going)" },
    { "quota", cmd_quota, CMD_CONFIG | CMD_STORE | CMD_CLOCK, cmd_quota_usage,
      "show the close quota, free slots and the close queue" },
    { "metrics", cmd_metrics, CMD_CONFIG | CMD_STORE | CMD_CLOCK, cmd_metrics_usage,
      "print metrics in the Prometheus text format" },
    { "log", cmd_log, CMD_CONFIG | CMD_STORE, cmd_log_usage, "show or verify the audit log" },
    { "backup", cmd_backup, CMD_CONFIG | CMD_STORE, cmd_backup_usage,
      "copy the store consistently, even while the engine runs" },
    { "retry", cmd_retry, CMD_CONFIG | CMD_STORE | CMD_AWS, cmd_retry_usage,
      "release a quarantined or failed account for another attempt" },
    { "release", cmd_release, CMD_CONFIG | CMD_STORE | CMD_AWS, cmd_release_usage,
      "stop managing an account without closing it" },
    { "unfreeze", cmd_unfreeze, CMD_CONFIG | CMD_STORE | CMD_AWS, cmd_unfreeze_usage,
      "lift a budget freeze: detach the freeze SCP, back to active" },
    { "spend", cmd_spend, CMD_CONFIG | CMD_STORE | CMD_CLOCK, cmd_spend_usage,
      "report spend by owner, kind and class over a period (chargeback)" },
    { "class", cmd_class, CMD_CONFIG | CMD_STORE | CMD_AWS, cmd_class_usage,
      "create, show, hand out and end training classes" },
    { "policy", cmd_policy, CMD_CONFIG_OPT, cmd_policy_usage,
      "print the IAM protect or operator policy" },
    { "doctor", cmd_doctor, CMD_CONFIG_OPT, cmd_doctor_usage,
      "check config, credentials, endpoint and organization access" },
    { "sim", cmd_sim, CMD_CONFIG_OPT, cmd_sim_usage, "run the local AWS Organizations simulator" },
    { NULL, NULL, 0, NULL, NULL },
};

static const char main_usage[] = "usage: sandboxctl [-v | -vv] [-c FILE] COMMAND [ARGS]\n"
                                 "       sandboxctl --version\n"
                                 "       sandboxctl --help | help [COMMAND]";

static void
print_help(FILE *out)
{
    fprintf(out, "%s\n\ncommands:\n", main_usage);
    for (const struct cmd *c = cmd_table; c->name != NULL; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out,
            "\nglobal options:\n"
            "  -c, --config FILE  configuration file (else $SANDBOXCTL_CONFIG, then "
            "%s)\n"
            "  -v, --verbose      more diagnostics on stderr (repeat for debug)\n"
            "  -h, --help         this help; `sandboxctl help COMMAND` for one command\n"
            "      --version      print the version\n"
            "\nexit status: 0 ok, 1 failure, 2 usage, 3 config, 4 store, 5 AWS, 6 hook,\n"
            "7 not found, 8 partial success. See sandboxctl(1).\n",
            CFG_DEFAULT_PATH);
}

static const struct cmd *
find_cmd(const char *name)
{
    for (const struct cmd *c = cmd_table; c->name != NULL; c++) {
        if (strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

int
cmd_print_usage(const char *name)
{
    const struct cmd *c = find_cmd(name);

    if (c == NULL) {
        log_error("help: unknown command '%s'", name);
        return SBX_EXIT_USAGE;
    }
    printf("%s\n", c->usage);
    return SBX_EXIT_OK;
}

/* CMD_CLOCK: reads the simulator's clock with a client made for that alone (the clock needs
 * no credentials). A store-only command still works without it, so a failure only warns. */
static void
follow_sim_clock(struct sbx_ctx *ctx)
{
    struct sbx_err err = { 0 };
    struct orgs_opts opts;
    struct orgs *o = NULL;

    cmd_orgs_opts(ctx->cfg, &opts);
    if (orgs_new(&opts, &ctx->clock, &o, &err) != 0 || orgs_sim_clock(o, &ctx->clock, &err) != 0)
        log_warn("cannot follow the simulator's clock (using real time): %s", err.msg);
    orgs_free(o);
}

/* Loads config, store and AWS client as the command's flags ask. */
static int
setup(struct sbx_ctx *ctx, const struct cmd *c, struct sbx_err *err)
{
    clock_init_real(&ctx->clock);
    if (c->flags & (CMD_CONFIG | CMD_CONFIG_OPT)) {
        const char *path = cfg_resolve_path(ctx->config_path);

        if ((c->flags & CMD_CONFIG_OPT) && ctx->config_path == NULL && access(path, F_OK) != 0) {
            if (cfg_defaults(&ctx->cfg, err) != 0)
                return -1;
        } else if (cfg_load(path, &ctx->cfg, err) != 0) {
            return -1;
        }
    }
    if (c->flags & CMD_AWS) {
        struct orgs_opts opts;

        cmd_orgs_opts(ctx->cfg, &opts);
        if (orgs_new(&opts, &ctx->clock, &ctx->orgs, err) != 0)
            return -1;
        if (ctx->cfg->aws.follow_sim_clock && orgs_sim_clock(ctx->orgs, &ctx->clock, err) != 0)
            return -1;
    } else if ((c->flags & CMD_CLOCK) && ctx->cfg != NULL && ctx->cfg->aws.follow_sim_clock) {
        follow_sim_clock(ctx);
    }
    if (c->flags & CMD_STORE) {
        /* The integrity check stands before the first write: read-only commands never pay it. */
        unsigned how = STORE_CHECK | (c->flags & CMD_STORE_CREATE ? STORE_CREATE : 0);

        if (store_open(ctx->cfg->store, how, &ctx->store, err) != 0)
            return -1;
    }
    return 0;
}

static void
teardown(struct sbx_ctx *ctx)
{
    store_close(ctx->store);
    orgs_free(ctx->orgs);
    cfg_free(ctx->cfg);
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct sbx_ctx ctx = { 0 };
    struct sbx_err err = { 0 };
    const struct cmd *c;
    int ch, rc;

    log_set_progname("sandboxctl");
    /* "+" stops at the first non-option: the rest belongs to the command. */
    while ((ch = getopt_long(argc, argv, "+c:vhV", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            ctx.config_path = optarg;
            break;
        case 'v':
            ctx.verbosity++;
            break;
        case 'h':
            print_help(stdout);
            return SBX_EXIT_OK;
        case 'V':
            printf("sandboxctl %s\n", SBX_VERSION);
            return SBX_EXIT_OK;
        default:
            fprintf(stderr, "%s\n", main_usage);
            return SBX_EXIT_USAGE;
        }
    }
    log_set_level(ctx.verbosity >= 2   ? LOG_LVL_DEBUG
                  : ctx.verbosity == 1 ? LOG_LVL_INFO
                                       : LOG_LVL_WARN);
    if (optind == argc) {
        print_help(stderr);
        return SBX_EXIT_USAGE;
    }
    if (strcmp(argv[optind], "help") == 0) {
        if (optind + 1 < argc)
            return cmd_print_usage(argv[optind + 1]);
        print_help(stdout);
        return SBX_EXIT_OK;
    }
    c = find_cmd(argv[optind]);
    if (c == NULL) {
        log_error("'%s' is not a sandboxctl command; see 'sandboxctl --help'", argv[optind]);
        return SBX_EXIT_USAGE;
    }
    argc -= optind;
    argv += optind;
    /* The command parses its own options from argv[1]. 0, not 1: glibc then re-initialises
     * getopt, dropping the "+" (stop at the first operand) mode parsed above, so a command's
     * options may follow its operands (`close ACCOUNT --yes`). */
    optind = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("%s\n", c->usage);
            return SBX_EXIT_OK;
        }
        if (strcmp(argv[i], "--") == 0)
            break;
    }

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error("cannot initialise libcurl");
        return SBX_EXIT_FAILURE;
    }
    if (setup(&ctx, c, &err) != 0) {
        rc = cmd_fail(c->name, &err);
    } else {
        rc = c->fn(&ctx, argc, argv);
    }
    teardown(&ctx);
    curl_global_cleanup();
    if (fflush(stdout) != 0 || ferror(stdout)) {
        log_error("cannot write to standard output");
        if (rc == SBX_EXIT_OK)
            rc = SBX_EXIT_FAILURE;
    }
    return rc;
}
