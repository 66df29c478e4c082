/*
 * cmd_run.c -- `sandboxctl run`: do all due work once (for cron or a systemd timer), or keep
 * going (`--watch`) until SIGINT/SIGTERM, sleeping until the next due work.
 *
 * A pass ends when nothing more can be done now; it still waits out short client-side pacing
 * (up to a minute of engine time) so one pass keeps AWS's pipeline full instead of leaving one
 * closure per cron interval. Exit status: 0, or 8 when some accounts hit errors (they are
 * retried on the next pass; see `list`/`show`), 4 when the store fails.
 */
#include "cli/cmd.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd_util.h"
#include "engine/engine_directory.h"
#include "util/clock.h"
#include "util/log.h"

const char cmd_run_usage[] = "usage: sandboxctl run [--watch | --once] [--dry-run] [--json]";

#define RUN_MAX_PACE_WAIT 60.0

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

struct count {
    const char *name;
    int value;
};

/* o[key] = {name: value, ...}, or null when the scan did not run. */
static cJSON *
counts_json(cJSON *o, const char *key, bool ran, const struct count *c, size_t n)
{
    cJSON *j;

    if (!ran) {
        cJSON_AddNullToObject(o, key);
        return NULL;
    }
    j = cJSON_AddObjectToObject(o, key);
    for (size_t i = 0; j != NULL && i < n; i++)
        cJSON_AddNumberToObject(j, c[i].name, c[i].value);
    return j;
}

static void
drift_json(cJSON *o, const struct engine_drift_report *d)
{
    const struct count c[] = {
        { "members", d->members }, { "scanned", d->scanned }, { "gone", d->gone },
        { "closed", d->closed },   { "moved", d->moved },     { "retagged", d->retagged },
        { "unknown", d->unknown }, { "errors", d->errors },
    };

    counts_json(o, "drift", d->ran, c, SBX_ARRAY_LEN(c));
}

static void
drift_line(const struct engine_drift_report *d)
{
    /* What the scan found, in words; only the non-zero counts are printed. */
    const struct count found[] = {
        { "gone", d->gone },
        { "closed outside sandboxctl", d->closed },
        { "moved out of its OU", d->moved },
        { "retagged", d->retagged },
        { "unknown in the sandbox OUs (not touched)", d->unknown },
        { "not checked (errors)", d->errors },
    };
    bool any = false;

    for (size_t i = 0; i < SBX_ARRAY_LEN(found); i++)
        any = any || found[i].value > 0;
    if (!d->ran || !any)
        return; /* nothing to say */
    printf("drift scan: %d member%s, %d account%s compared", d->members, d->members == 1 ? "" : "s",
           d->scanned, d->scanned == 1 ? "" : "s");
    for (size_t i = 0; i < SBX_ARRAY_LEN(found); i++)
        if (found[i].value > 0)
            printf(", %d %s", found[i].value, found[i].name);
    printf("\n");
}

static void
directory_json(cJSON *o, const struct engine_directory_report *dr)
{
    const struct count c[] = {
        { "owners", dr->owners },         { "vanished", dr->vanished },
        { "offboarded", dr->offboarded }, { "accounts", dr->accounts },
        { "refused", dr->refused },
    };
    cJSON *j = counts_json(o, "directory", dr->ran, c, SBX_ARRAY_LEN(c));

    if (j != NULL)
        cJSON_AddBoolToObject(j, "braked", dr->braked);
}

static void
directory_line(const struct engine_directory_report *dr)
{
    if (!dr->ran || dr->vanished == 0)
        return;
    printf("directory check: %d owner%s looked up, %d without an IAM Identity Center user, %d "
           "off-boarded (%d account%s asked to close",
           dr->owners, dr->owners == 1 ? "" : "s", dr->vanished, dr->offboarded, dr->accounts,
           dr->accounts == 1 ? "" : "s");
    if (dr->refused > 0)
        printf(", %d refused", dr->refused);
    printf(")%s\n", dr->braked ? ": the brake holds" : "");
}

struct pass {
    const struct engine_step_report *r;
    const struct engine_drift_report *d;
    const struct engine_directory_report *dr;
};

/* The end of a pass: with --json one line of type "pass" (its events were lines of their
 * own, printed as they happened). */
static void
print_pass(bool json, const struct sbx_clock *clock, const struct pass *p, double next,
           bool dry_run)
{
    const struct engine_step_report *r = p->r;
    const struct engine_drift_report *d = p->d;

    char b[32];

    if (json) {
        cJSON *o = cJSON_CreateObject();

        if (o == NULL)
            return;
        cJSON_AddStringToObject(o, "type", "pass");
        cmd_json_time(o, "time", (int64_t)clock_now(clock));
        cJSON_AddStringToObject(o, "event", "pass");
        cJSON_AddBoolToObject(o, "dry_run", dry_run);
        cmd_report_json(o, r);
        drift_json(o, d);
        directory_json(o, p->dr);
        if (isfinite(next))
            cmd_json_time(o, "next_due_at", (int64_t)ceil(next));
        else
            cJSON_AddNullToObject(o, "next_due_at");
        (void)cmd_json_line(o);
    } else {
        drift_line(d);
        directory_line(p->dr);
        if (dry_run)
            printf("dry run, would do: ");
        cmd_report_line(stdout, r);
        if (isfinite(next))
            printf("next due work at %s\n", cmd_time((int64_t)ceil(next), b, sizeof(b), false));
        if (r->errors > 0 && r->last_error[0] != '\0')
            log_warn("run: %d error%s; last: %s", r->errors, r->errors == 1 ? "" : "s",
                     r->last_error);
    }
    fflush(stdout);
}

int
cmd_run(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct cmd_events ev = { 0 };
    struct sbx_err err = { 0 };
    struct engine *e = NULL;
    bool watch = false, once = false, dry_run = false, json = false, errors = false;
    struct sigaction sa;
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_DRY_RUN(&dry_run),
        CMD_OPT_JSON(&json),
        { .name = "watch", 'w', CMD_OPT_SET, &watch },
        { .name = "once", '1', CMD_OPT_SET, &once },
        CMD_OPT_END_NO_OPERANDS,
    };

    if ((rc = cmd_parse_opts("run", cmd_run_usage, opt, argc, argv)) != 0)
        return rc;
    if (watch && once)
        return cmd_usage_error(cmd_run_usage, "run: --watch and --once exclude each other");
    ev.json = json;
    ev.lines = json ? &ctx->clock : NULL;
    rc = cmd_engine_open(ctx, "run", dry_run, &ev, &e);
    if (rc != 0)
        return rc;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: a sleep ends at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    do {
        struct engine_step_report r = { 0 };
        struct engine_drift_report d = { 0 };
        struct engine_directory_report dr = { 0 };
        double next = HUGE_VAL, now, wait;
        int step_rc;

        if (watch && engine_resync_clock(e, &err) != 0) {
            log_warn("run: cannot read the simulator's clock: %s", err.msg);
            sbx_err_clear(&err);
        }
        /* The drift scan first: what left or changed is out of the way of the pass. */
        if (engine_drift_scan(e, false, &d, &err) != 0) {
            /* Not an account's error: the pass goes on; the scan is tried again an
             * engine.drift_interval later. */
            log_warn("run: %s (tried again in engine.drift_interval)", err.msg);
            sbx_err_clear(&err);
        }
        /* Owners who left the directory: off-boarded before the pass closes anything. */
        if (engine_directory_check(e, false, &dr, &err) != 0) {
            /* Nobody was off-boarded on a half-done check; tried again an interval later. */
            log_warn("run: directory check: %s (tried again in access.directory_interval)",
                     err.msg);
            sbx_err_clear(&err);
        }
        if (dr.braked)
            log_warn("run: %s", dr.brake);
        if (once)
            step_rc = engine_step(e, NULL, &r, &next, &err);
        else
            step_rc = engine_run(e, NULL, RUN_MAX_PACE_WAIT, &r, &next, &err);
        if (step_rc != 0) {
            rc = cmd_fail("run", &err);
            goto out;
        }
        errors = errors || r.errors > 0 || d.errors > 0;
        if (!dry_run && r.errors == 0 && d.errors == 0)
            cmd_mark_run_ok(ctx, (int64_t)engine_now(e));
        if (!watch || r.did_work || ev.count > 0 || json || dr.vanished > 0)
            print_pass(json, &ctx->clock, &(struct pass){ &r, &d, &dr }, next, dry_run);
        ev.count = 0;
        if (!watch || stop_requested)
            break;
        /* Sleep until the next due work, at most 5 s of real time (new requests from other
         * commands appear in the store without telling us; an idle pass is a few index
         * lookups) and at least 0.2 s. */
        now = engine_now(e);
        wait = isfinite(next) ? next - now : 3600;
        if (clock_real_secs(&ctx->clock, wait) > 5)
            wait = 5 * (ctx->clock.scale > 0 ? ctx->clock.scale : 1);
        if (clock_real_secs(&ctx->clock, wait) < 0.2)
            wait = 0.2 * (ctx->clock.scale > 0 ? ctx->clock.scale : 1);
        clock_sleep(&ctx->clock, wait);
    } while (!stop_requested);
    rc = errors ? SBX_EXIT_PARTIAL : SBX_EXIT_OK;
out:
    cJSON_Delete(ev.array);
    engine_free(e);
    return rc;
}
