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
        "                      [--assign-latency DURATION]\n"
        "                      [--account-limit N]\n"
        "                      [--close-quota N | --close-quota-formula MIN,PCT,MAX]\n"
        "                      [--seed N] [--no-throttle] [--error-rate RATE]\n"
        "                      [--throttle-rate RATE] [--drop-rate RATE] [--latency-ms N]";

/* Seconds: a plain (possibly fractional) number, or a duration such as "90s", "5m". */
static int
take_latency(const struct cmd_opt *o, const char *arg, char *why, size_t n)
{
    struct sbx_err err = { 0 };
    int64_t d;

    (void)why;
    (void)n;
    if (cmd_opt_parse_double(arg, 0, 1e9, o->target) == 0)
        return 0;
    if (duration_parse(arg, &d, &err) != 0 || d < 0)
        return -1;
    *(double *)o->target = (double)d;
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

/* --close-quota-formula MIN,PCT,MAX into the sim_opts (target). */
static int
take_formula(const struct cmd_opt *opt, const char *s, char *why, size_t n)
{
    struct sim_opts *o = opt->target;
    int64_t v[3];
    char buf[64], *p = buf, *comma;
    struct sbx_err err = { 0 };

    snprintf(why, n, "MIN,PCT,MAX");
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

/* --admin-token: not empty. */
static int
take_token(const struct cmd_opt *o, const char *arg, char *why, size_t n)
{
    if (*arg == '\0') {
        snprintf(why, n, "empty --admin-token");
        return -1;
    }
    *(const char **)o->target = arg;
    return 0;
}

int
cmd_sim(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct sim_opts o;
    struct sbx_err err = { 0 };
    struct sim *s = NULL;
    struct sim_store *st = NULL;
    struct sim_server *srv = NULL;
    const char *listen = SIM_DEFAULT_LISTEN, *state = NULL, *env;
    sigset_t set;
    bool quiet = false, found = false;
    char url[96], host[64], bound[64];
    int rc = SBX_EXIT_FAILURE;
    int64_t seed = 0;
    bool seed_given = false;
    const struct cmd_opt opt[] = {
        { .name = "listen", 0, CMD_OPT_STRING, &listen },
        { .name = "access-key-id", 0, CMD_OPT_STRING, &o.access_key_id },
        { .name = "secret-access-key", 0, CMD_OPT_STRING, &o.secret_access_key },
        { .name = "state", 0, CMD_OPT_STRING, &state },
        { .name = "time-scale", 0, CMD_OPT_DOUBLE, &o.time_scale, .lo = 1e-3, .hi = 1e7 },
        { .name = "create-latency", 0, CMD_OPT_CALL, &o.create_latency, .fn = take_latency },
        { .name = "close-latency", 0, CMD_OPT_CALL, &o.close_latency, .fn = take_latency },
        { .name = "assign-latency", 0, CMD_OPT_CALL, &o.assign_latency, .fn = take_latency },
        { "account-limit", 0, CMD_OPT_INT32, &o.account_limit, .min = 1, .max = 1000000 },
        { "close-quota", 0, CMD_OPT_INT32, &o.close_quota, .min = 0, .max = 1000000 },
        { .name = "close-quota-formula", 0, CMD_OPT_CALL, &o, .fn = take_formula },
        { .name = "seed",
          0,
          CMD_OPT_INT,
          &seed,
          .given = &seed_given,
          .min = INT64_MIN,
          .max = INT64_MAX },
        { .name = "no-throttle", 0, CMD_OPT_UNSET, &o.throttle },
        { .name = "error-rate", 0, CMD_OPT_DOUBLE, &o.error_rate, .lo = 0, .hi = 1 },
        { .name = "throttle-rate", 0, CMD_OPT_DOUBLE, &o.throttle_rate, .lo = 0, .hi = 1 },
        { .name = "drop-rate", 0, CMD_OPT_DOUBLE, &o.drop_rate, .lo = 0, .hi = 1 },
        { "latency-ms", 0, CMD_OPT_INT32, &o.latency_ms, .min = 0, .max = 600000 },
        { .name = "management-email", 0, CMD_OPT_STRING, &o.management_email },
        { .name = "paused", 0, CMD_OPT_SET, &o.fixed_clock },
        { .name = "admin-token",
          0,
          CMD_OPT_CALL,
          &o.admin_token,
          .fn = take_token,
          .whole_msg = true },
        { .name = "quiet", 'q', CMD_OPT_SET, &quiet },
        CMD_OPT_END_NO_OPERANDS,
    };

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
    /* sim's own wording for a bad value: "invalid --<name> '<value>'" (no .cmd) */
    rc = cmd_parse_opts(NULL, cmd_sim_usage, opt, argc, argv);
    if (rc != 0)
        return rc;
    if (seed_given) {
        o.seed = (uint64_t)seed;
        o.seeded = true;
    }
    rc = SBX_EXIT_FAILURE;

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
