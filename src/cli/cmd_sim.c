/*
 * cmd_sim.c -- `sandboxctl sim`: run the local AWS Organizations simulator (src/sim/) until
 * SIGINT or SIGTERM.
 *
 * Settings come from built-in defaults, then the config file's `sim` section, then
 * $SANDBOXCTL_SIM_SECRET (the secret key), then the command line. On start the command prints
 * the base URL on line 1 and `export` lines a shell can eval (the management account's keys,
 * region and endpoint); nothing else goes to stdout.
 */
#include "cli/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "sim/sim.h"
#include "util/duration.h"
#include "util/log.h"

#define SIM_DEFAULT_LISTEN "127.0.0.1:4566"
#define SIM_DEFAULT_AKID   "AKIASANDBOXCTLSIM01"
#define SIM_DEFAULT_SECRET "sandboxctl-simulator-secret-key-not-for-aws"

const char cmd_sim_usage[] =
        "usage: sandboxctl sim [-q] [--listen HOST:PORT] [--state FILE] [--admin-token TOKEN]\n"
        "                      [--access-key-id ID] [--secret-access-key KEY]\n"
        "                      [--management-email ADDR] [--time-scale N] [--paused]\n"
        "                      [--create-latency DURATION] [--close-latency DURATION]\n"
        "                      [--account-limit N]\n"
        "                      [--close-quota N | --close-quota-formula MIN,PCT,MAX]\n"
        "                      [--seed N] [--no-throttle] [--error-rate RATE]\n"
        "                      [--throttle-rate RATE] [--drop-rate RATE] [--latency-ms N]";

enum {
    OPT_LISTEN = 256,
    OPT_AKID,
    OPT_SECRET,
    OPT_STATE,
    OPT_TIME_SCALE,
    OPT_CREATE_LATENCY,
    OPT_CLOSE_LATENCY,
    OPT_ACCOUNT_LIMIT,
    OPT_CLOSE_QUOTA,
    OPT_CLOSE_QUOTA_FORMULA,
    OPT_SEED,
    OPT_NO_THROTTLE,
    OPT_ERROR_RATE,
    OPT_THROTTLE_RATE,
    OPT_DROP_RATE,
    OPT_LATENCY_MS,
    OPT_MGMT_EMAIL,
    OPT_PAUSED,
    OPT_ADMIN_TOKEN,
};

/* A number in [min, max], the whole string. */
static int
parse_double(const char *s, double min, double max, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || errno != 0 || !(v >= min && v <= max))
        return -1;
    *out = v;
    return 0;
}

/* Seconds: a plain (possibly fractional) number, or a duration such as "90s", "5m". */
static int
parse_latency(const char *s, double *out)
{
    struct sbx_err err = { 0 };
    int64_t d;

    if (parse_double(s, 0, 1e9, out) == 0)
        return 0;
    if (duration_parse(s, &d, &err) != 0 || d < 0)
        return -1;
    *out = (double)d;
    return 0;
}

static int
parse_int(const char *s, int64_t min, int64_t max, int *out)
{
    struct sbx_err err = { 0 };
    int64_t v;

    if (duration_parse_int64(s, min, max, &v, &err) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

/* Prints `export NAME=value`, single-quoting values with shell metacharacters. */
static void
print_export(const char *name, const char *value)
{
    bool plain = *value != '\0';

    for (const char *p = value; *p != '\0'; p++) {
        if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-=/.:,@%",
                   *p) == NULL)
            plain = false;
    }
    if (plain) {
        printf("export %s=%s\n", name, value);
        return;
    }
    printf("export %s='", name);
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*p);
    }
    fputs("'\n", stdout);
}

/* Applies the config's sim section (cfg_defaults() fills the same defaults as a file
 * without one) over the built-in defaults. */
static void
apply_config(const struct sbx_config *cfg, struct sim_opts *o, const char **listen,
             const char **state)
{
    const struct cfg_sim *c;

    if (cfg == NULL)
        return;
    c = &cfg->sim;
    if (c->listen != NULL && *c->listen != '\0')
        *listen = c->listen;
    if (c->access_key_id != NULL && *c->access_key_id != '\0')
        o->access_key_id = c->access_key_id;
    if (c->secret_access_key != NULL && *c->secret_access_key != '\0')
        o->secret_access_key = c->secret_access_key;
    if (c->state != NULL && *c->state != '\0')
        *state = c->state;
    if (c->time_scale > 0)
        o->time_scale = c->time_scale;
    o->create_latency = (double)c->create_latency;
    o->close_latency = (double)c->close_latency;
    if (c->account_limit > 0)
        o->account_limit = c->account_limit;
    o->seed = (uint64_t)c->seed;
    o->seeded = true;
    o->throttle = c->throttle;
}

/* The request log (without -q): one line per request on stderr. */
static void
log_line(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "sandboxctl: sim: %s\n", line);
}

/* The host clients should use: the listen host, or loopback for "any" and bare ports. */
static void
host_of(const char *listen, char *host, size_t n)
{
    const char *colon = strrchr(listen, ':');
    size_t len = colon != NULL ? (size_t)(colon - listen) : 0;

    snprintf(host, n, "127.0.0.1");
    if (len > 0 && len < n && strncmp(listen, "0.0.0.0:", 8) != 0) {
        memcpy(host, listen, len);
        host[len] = '\0';
    }
}

static int
parse_formula(const char *s, struct sim_opts *o)
{
    int64_t v[3];
    char buf[64], *p = buf, *comma;
    struct sbx_err err = { 0 };

    if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
        return -1;
    for (int i = 0; i < 3; i++) {
        comma = strchr(p, ',');
        if ((i < 2) != (comma != NULL))
            return -1;
        if (comma != NULL)
            *comma = '\0';
        if (duration_parse_int64(p, 0, 1000000, &v[i], &err) != 0)
            return -1;
        p = comma != NULL ? comma + 1 : p;
    }
    if (v[1] > 100)
        return -1;
    o->close_quota = 0;
    o->close_quota_min = (int)v[0];
    o->close_quota_pct = (int)v[1];
    o->close_quota_max = (int)v[2];
    return 0;
}

int
cmd_sim(struct sbx_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "listen", required_argument, NULL, OPT_LISTEN },
        { "access-key-id", required_argument, NULL, OPT_AKID },
        { "secret-access-key", required_argument, NULL, OPT_SECRET },
        { "state", required_argument, NULL, OPT_STATE },
        { "time-scale", required_argument, NULL, OPT_TIME_SCALE },
        { "create-latency", required_argument, NULL, OPT_CREATE_LATENCY },
        { "close-latency", required_argument, NULL, OPT_CLOSE_LATENCY },
        { "account-limit", required_argument, NULL, OPT_ACCOUNT_LIMIT },
        { "close-quota", required_argument, NULL, OPT_CLOSE_QUOTA },
        { "close-quota-formula", required_argument, NULL, OPT_CLOSE_QUOTA_FORMULA },
        { "seed", required_argument, NULL, OPT_SEED },
        { "no-throttle", no_argument, NULL, OPT_NO_THROTTLE },
        { "error-rate", required_argument, NULL, OPT_ERROR_RATE },
        { "throttle-rate", required_argument, NULL, OPT_THROTTLE_RATE },
        { "drop-rate", required_argument, NULL, OPT_DROP_RATE },
        { "latency-ms", required_argument, NULL, OPT_LATENCY_MS },
        { "management-email", required_argument, NULL, OPT_MGMT_EMAIL },
        { "paused", no_argument, NULL, OPT_PAUSED },
        { "admin-token", required_argument, NULL, OPT_ADMIN_TOKEN },
        { "quiet", no_argument, NULL, 'q' },
        { NULL, 0, NULL, 0 },
    };
    struct sim_opts o;
    struct sbx_err err = { 0 };
    struct sim *s = NULL;
    struct sim_store *st = NULL;
    struct sim_server *srv = NULL;
    const char *listen = SIM_DEFAULT_LISTEN, *state = NULL, *env;
    sigset_t set;
    bool quiet = false, found = false;
    char url[96], host[64], bound[64];
    int ch, rc = SBX_EXIT_FAILURE;
    int64_t seed;

    sim_opts_init(&o);
    o.access_key_id = SIM_DEFAULT_AKID;
    o.secret_access_key = SIM_DEFAULT_SECRET;
    apply_config(ctx->cfg, &o, &listen, &state);
    env = getenv("SANDBOXCTL_SIM_SECRET");
    if (env != NULL && *env != '\0')
        o.secret_access_key = env;
    env = getenv("SANDBOXCTL_SIM_ADMIN_TOKEN");
    if (env != NULL && *env != '\0')
        o.admin_token = env;
    while ((ch = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
        switch (ch) {
        case OPT_LISTEN:
            listen = optarg;
            break;
        case OPT_AKID:
            o.access_key_id = optarg;
            break;
        case OPT_SECRET:
            o.secret_access_key = optarg;
            break;
        case OPT_STATE:
            state = optarg;
            break;
        case OPT_TIME_SCALE:
            if (parse_double(optarg, 1e-3, 1e7, &o.time_scale) != 0)
                return cmd_usage_error(cmd_sim_usage, "invalid --time-scale '%s'", optarg);
            break;
        case OPT_CREATE_LATENCY:
            if (parse_latency(optarg, &o.create_latency) != 0)
                return cmd_usage_error(cmd_sim_usage, "invalid --create-latency '%s'", optarg);
            break;
        case OPT_CLOSE_LATENCY:
            if (parse_latency(optarg, &o.close_latency) != 0)
                return cmd_usage_error(cmd_sim_usage, "invalid --close-latency '%s'", optarg);
            break;
        case OPT_ACCOUNT_LIMIT:
            if (parse_int(optarg, 1, 1000000, &o.account_limit) != 0)
                return cmd_usage_error(cmd_sim_usage, "invalid --account-limit '%s'", optarg);
            break;
        case OPT_CLOSE_QUOTA:
            if (parse_int(optarg, 0, 1000000, &o.close_quota) != 0)
                return cmd_usage_error(cmd_sim_usage, "invalid --close-quota '%s'", optarg);
            break;
        case OPT_CLOSE_QUOTA_FORMULA:
            if (parse_formula(optarg, &o) != 0)
                return cmd_usage_error(cmd_sim_usage,
                                       "invalid --close-quota-formula '%s' (MIN,PCT,MAX)", optarg);
            break;
        case OPT_SEED:
            if (duration_parse_int64(optarg, INT64_MIN, INT64_MAX, &seed, &err) != 0)
                return cmd_usage_error(cmd_sim_usage, "invalid --seed '%s'", optarg);
            o.seed = (uint64_t)seed;
            o.seeded = true;
            break;
        case OPT_NO_THROTTLE:
            o.throttle = false;
            break;
        case OPT_ERROR_RATE:
            if (parse_double(optarg, 0, 1, &o.error_rate) != 0)
                return cmd_usage_error(cmd_sim_usage, "invalid --error-rate '%s'", optarg);
            break;
        case OPT_THROTTLE_RATE:
            if (parse_double(optarg, 0, 1, &o.throttle_rate) != 0)
                return cmd_usage_error(cmd_sim_usage, "invalid --throttle-rate '%s'", optarg);
            break;
        case OPT_DROP_RATE:
            if (parse_double(optarg, 0, 1, &o.drop_rate) != 0)
                return cmd_usage_error(cmd_sim_usage, "invalid --drop-rate '%s'", optarg);
            break;
        case OPT_LATENCY_MS:
            if (parse_int(optarg, 0, 600000, &o.latency_ms) != 0)
                return cmd_usage_error(cmd_sim_usage, "invalid --latency-ms '%s'", optarg);
            break;
        case OPT_ADMIN_TOKEN:
            if (*optarg == '\0')
                return cmd_usage_error(cmd_sim_usage, "empty --admin-token");
            o.admin_token = optarg;
            break;
        case OPT_PAUSED:
            o.fixed_clock = true;
            break;
        case OPT_MGMT_EMAIL:
            o.management_email = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        default:
            return cmd_usage_error(cmd_sim_usage, NULL);
        }
    }
    if (optind != argc)
        return cmd_usage_error(cmd_sim_usage, "unexpected argument '%s'", argv[optind]);

    if (sim_new(&o, &s, &err) != 0)
        goto fail;
    if (state != NULL) {
        if (sim_store_open(state, &st, &err) != 0 || sim_store_load(st, s, &found, &err) != 0 ||
            sim_store_save(st, s, &err) != 0)
            goto fail;
    }
    /* Block the stop signals before libmicrohttpd starts its threads, so they inherit the
     * mask and only this thread receives them (in sigtimedwait below). */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (sim_server_start(s, st, listen, quiet ? NULL : log_line, NULL, &srv, &err) != 0)
        goto fail;
    host_of(listen, host, sizeof(host));
    sim_server_address(srv, bound, sizeof(bound));
    if (strncmp(bound, "127.", 4) != 0 && o.admin_token == NULL)
        log_warn("sim: listening on %s: the admin API (/__sim/) answers loopback peers only; "
                 "--admin-token serves it to others",
                 bound);
    snprintf(url, sizeof(url), "http://%s:%d", host, sim_server_port(srv));
    printf("%s\n", url);
    print_export("AWS_ACCESS_KEY_ID", o.access_key_id);
    print_export("AWS_SECRET_ACCESS_KEY", o.secret_access_key);
    print_export("AWS_REGION", "us-east-1");
    print_export("AWS_ENDPOINT_URL", url);
    fflush(stdout);
    if (!quiet)
        fprintf(stderr,
                "sandboxctl: sim: organization %s (management account %s) on %s (bound to %s)%s%s; "
                "time scale %g%s; SIGINT or SIGTERM stops\n",
                SIM_ORG_ID, SIM_MANAGEMENT_ID, url, bound, state != NULL ? ", state " : "",
                state != NULL ? state : "", o.time_scale,
                sim_paused(s) ? " (paused: only /__sim/advance moves the clock)" : "");
    for (;;) {
        struct timespec tick = { 1, 0 };
        int sig = sigtimedwait(&set, NULL, &tick);

        if (sig == SIGINT || sig == SIGTERM)
            break;
        if (sim_server_check(srv, &err) != 0)
            log_error("sim: %s", err.msg);
    }
    sim_server_stop(srv);
    srv = NULL;
    if (st != NULL && sim_store_save(st, s, &err) != 0)
        goto fail;
    if (!quiet)
        fprintf(stderr, "sandboxctl: sim: stopped\n");
    rc = SBX_EXIT_OK;
    goto out;
fail:
    rc = cmd_fail("sim", &err);
out:
    sim_server_stop(srv);
    sim_store_close(st);
    sim_free(s);
    return rc;
}
