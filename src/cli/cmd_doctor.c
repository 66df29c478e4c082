/*
 * cmd_doctor.c -- `sandboxctl doctor`: check config, endpoint, credentials and access to the
 * organization, one line per check.
 *
 * Each check prints "ok", "FAIL" or "skip" (when an earlier failure makes it meaningless),
 * its name and what it found. The exit status is 0 when every check passed, else that of the
 * first failure (3 config, 4 store, 5 AWS or credentials). The store check opens the store
 * without creating it and runs PRAGMA quick_check; a store not created yet is skipped. Secrets are
 * never shown: the access key id is masked and the secret key and session token never leave the
 * client.
 *
 * When the store exists and AWS answers, a last check warns about accounts AWS holds with this
 * store's identity tag that the store does not know: a store restored from an older copy (they
 * are never touched by this store). With the `access` group, the Identity Center instance, the
 * permission sets and each read call sandboxctl makes are checked (engine_directory_doctor),
 * and `run`'s directory brake is a warning while it holds.
 */
#include "cli/cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "aws/budgets.h"
#include "aws/creds.h"
#include "aws/orgs.h"
#include "cfg.h"
#include "engine/engine.h"
#include "engine/engine_directory.h"
#include "store/store.h"
#include "util/duration.h"
#include "util/log.h"
#include "util/money.h"
#include "util/text.h"

const char cmd_doctor_usage[] = "usage: sandboxctl doctor [--json]";

enum check_status {
    CHECK_OK,
    CHECK_FAIL,
    CHECK_SKIP,
    CHECK_WARN, /* worth a look; not a failure (the exit status stays 0) */
};

struct doctor {
    bool json;
    cJSON *checks; /* --json: array of check objects */
    int exit_code; /* of the first failure */
    bool failed;
};

static void report(struct doctor *d, const char *name, enum check_status st,
                   const struct sbx_err *err, const char *fmt, ...) SBX_PRINTF(5, 6);

static void
report(struct doctor *d, const char *name, enum check_status st, const struct sbx_err *err,
       const char *fmt, ...)
{
    static const char *const words[] = { "ok", "FAIL", "skip", "WARN" };
    static const char *const json_words[] = { "ok", "fail", "skip", "warn" };
    char detail[768];
    va_list ap;

    va_start(ap, fmt);
    text_vformat(detail, sizeof(detail), fmt, ap); /* values from AWS are escaped */
    va_end(ap);
    if (st == CHECK_FAIL && !d->failed) {
        d->failed = true;
        d->exit_code = err != NULL ? (int)sbx_err_exit_code(err) : SBX_EXIT_FAILURE;
    }
    if (!d->json) {
        printf("%-4s  %-12s  %s\n", words[st], name, detail);
        return;
    }
    if (d->checks != NULL) {
        cJSON *c = cJSON_CreateObject();

        if (c == NULL)
            return;
        cJSON_AddItemToArray(d->checks, c);
        cJSON_AddStringToObject(c, "check", name);
        cJSON_AddStringToObject(c, "status", json_words[st]);
        cJSON_AddStringToObject(c, "detail", detail);
        if (st == CHECK_FAIL && err != NULL && err->code == SBX_E_AWS) {
            cJSON_AddStringToObject(c, "aws_error", sbx_aws_errc_name(err->aws));
            if (err->aws_code[0] != '\0')
                cJSON_AddStringToObject(c, "aws_code", err->aws_code);
        }
    }
}

static void
skip(struct doctor *d, const char *name)
{
    report(d, name, CHECK_SKIP, NULL, "not checked (an earlier check failed)");
}

/*
 * True when a check failed because the endpoint did not answer in time (the transport says
 * "timed out", connect or request). The next checks go to the same endpoint and would each
 * wait out their own timeouts and retries: doctor stops there instead.
 */
static bool
timed_out(const struct sbx_err *err)
{
    return err->code == SBX_E_AWS &&
           (err->aws == SBX_AWS_TRANSIENT || err->aws == SBX_AWS_NETWORK) &&
           strstr(err->msg, "timed out") != NULL;
}

static void
skip_timeout(struct doctor *d, const char *name)
{
    report(d, name, CHECK_SKIP, NULL, "not checked (an earlier check timed out)");
}

/* "environment (key AKIA****MPLE)" plus its expiry when it has one. */
static void
describe_creds(struct orgs *o, const char *source, char *buf, size_t n)
{
    char masked[32], when[32];
    int64_t exp = orgs_credentials_expiration(o);

    creds_mask_key_id(orgs_access_key_id(o), masked, sizeof(masked));
    if (exp != 0)
        snprintf(buf, n, "%s (key %s, expires %s)", source, masked,
                 duration_format_time(exp, when, sizeof(when)));
    else
        snprintf(buf, n, "%s (key %s)", source, masked);
}

/* The store: opens it as the commands do (never creating it) and checks its integrity. */
static void
check_store(struct doctor *d, const char *path)
{
    struct sbx_err err = { 0 };
    struct store *s = NULL;
    struct stat st;
    char why[512];
    bool ok = false;

    if (path != NULL && path[0] != '\0' && stat(path, &st) != 0 && errno == ENOENT) {
        report(d, "store", CHECK_SKIP, NULL, "%s does not exist yet ('sandboxctl init' creates it)",
               path);
        return;
    }
    if (store_open(path, 0, &s, &err) != 0 ||
        store_check_integrity(s, &ok, why, sizeof(why), &err) != 0) {
        report(d, "store", CHECK_FAIL, &err, "%s", err.msg);
    } else if (!ok) {
        sbx_err_set(&err, SBX_E_STORE, "damaged");
        report(d, "store", CHECK_FAIL, &err,
               "%s is damaged (malformed: %s); it is not written: restore a backup", path, why);
    } else {
        report(d, "store", CHECK_OK, NULL, "%s (schema %d), integrity ok", path,
               store_schema_version(s));
    }
    store_close(s);
}

/* The store against the organization: accounts tagged as this store's that it does not know. */
static void
check_tagged(struct doctor *d, struct sbx_ctx *ctx, struct orgs *o)
{
    struct engine_opts eo = { 0 };
    struct sbx_err err = { 0 };
    struct store *s = NULL;
    struct engine *e = NULL;
    char(*ids)[13] = NULL, list[400] = "";
    size_t n = 0, len = 0;

    struct stat st;

    if (ctx->cfg->store == NULL || ctx->cfg->store[0] == '\0' || stat(ctx->cfg->store, &st) != 0) {
        report(d, "accounts", CHECK_SKIP, NULL, "no store yet");
        return;
    }
    eo.cfg = ctx->cfg;
    eo.orgs = o;
    eo.clock = &ctx->clock;
    eo.actor = "doctor";
    eo.dry_run = true; /* doctor changes nothing */
    if (store_open(ctx->cfg->store, 0, &s, &err) != 0) {
        report(d, "accounts", CHECK_FAIL, &err, "%s: %s", ctx->cfg->store, err.msg);
        goto out;
    }
    eo.store = s;
    if (engine_new(&eo, &e, &err) != 0 || engine_unknown_tagged(e, &ids, &n, &err) != 0) {
        report(d, "accounts", CHECK_FAIL, &err, "%s: %s", ctx->cfg->store, err.msg);
        goto out;
    }
    for (size_t i = 0; i < n && len + 16 < sizeof(list); i++) {
        int w = snprintf(list + len, sizeof(list) - len, "%s%s", i > 0 ? ", " : "", ids[i]);

        if (w > 0)
            len += (size_t)w;
    }
    if (n == 0)
        report(d, "accounts", CHECK_OK, NULL,
               "%s: every account tagged as this store's is known to it", ctx->cfg->store);
    else
        report(d, "accounts", CHECK_WARN, NULL,
               "%s: AWS holds %zu account%s tagged as this store's that the store does not know "
               "(restored from an older copy?); they are never touched: %s",
               ctx->cfg->store, n, n == 1 ? "" : "s", list);
out:
    free(ids);
    engine_free(e);
    store_close(s);
}

/*
 * What the spend check costs: Cost Explorer charges USD 0.01 per API request
 * (AWS-ACCESS-SPEND-NUKE.md, "Spend"; aws.amazon.com/aws-cost-management/pricing), and a check
 * sends one GetCostAndUsage request per page of results. A month is 30.436875 days (2629746 s).
 */
static void
check_spend(struct doctor *d, const struct sbx_config *cfg)
{
    const int64_t month = 2629746;
    int64_t interval = cfg->budget.check_interval, cents;
    char every[32], cost[32];
    int kinds = 0;

    for (int i = 0; i < cfg->nkinds; i++)
        kinds += cfg->kinds[i].budget.limit > 0;
    duration_format(interval, every, sizeof(every));
    cents = (month + interval - 1) / interval; /* checks a month, one cent each per page */
    money_format(cents, cost, sizeof(cost));
    if (kinds == 0)
        report(d, "spend", CHECK_OK, NULL,
               "no kind has a budget: no Cost Explorer requests (an account's own --budget "
               "starts checks every %s, %s a month per page of results)",
               every, cost);
    else
        report(d, "spend", CHECK_OK, NULL,
               "%d kind%s with a budget, checked every %s: %lld Cost Explorer requests a month "
               "per page of results at USD 0.01 each = %s a month per page",
               kinds, kinds == 1 ? "" : "s", every, (long long)cents, cost);
}

/* The `access` group against Identity Center: instance, permission sets, each read call. */
static void
check_access(struct doctor *d, struct sbx_ctx *ctx, struct orgs *o)
{
    struct engine_access_probe p[80];
    size_t n = engine_directory_doctor(ctx->cfg, o, p, SBX_ARRAY_LEN(p));

    for (size_t i = 0; i < n; i++)
        report(d, p[i].name,
               p[i].status == 0   ? CHECK_OK
               : p[i].status == 1 ? CHECK_FAIL
                                  : CHECK_SKIP,
               &p[i].err, "%s", p[i].detail);
}

/*
 * budget.aws_budget: the Budgets endpoint answers and the caller may read budgets
 * (DescribeBudget of a name sandboxctl never uses: NotFoundException is the good answer).
 * budgets:ModifyBudget cannot be tried without writing; `run` reports it when it is missing.
 */
static void
check_budgets(struct doctor *d, struct orgs *o, const char *mgmt)
{
    struct budgets_budget b;
    struct sbx_err err = { 0 };
    const char *url = orgs_budgets_endpoint(o);

    if (budgets_describe(o, mgmt, "sandboxctl-doctor-probe", &b, &err) == 0 ||
        budgets_error_is(&err, "NotFoundException"))
        report(d, "budgets", CHECK_OK, NULL,
               "%s: budgets:ViewBudget allowed in %s (budgets:ModifyBudget is first used by run)",
               url, mgmt);
    else
        report(d, "budgets", CHECK_FAIL, &err, "DescribeBudget (%s): %s",
               url != NULL ? url : "no endpoint", err.msg);
}

/* `run`'s directory brake (store meta) while it holds: nobody is being off-boarded. */
static void
check_brake(struct doctor *d, struct sbx_ctx *ctx)
{
    struct sbx_err err = { 0 };
    struct store *s = NULL;
    char *brake = NULL;
    struct stat st;

    if (!ctx->cfg->access.enabled || ctx->cfg->store == NULL || stat(ctx->cfg->store, &st) != 0 ||
        store_open(ctx->cfg->store, 0, &s, &err) != 0)
        return; /* no store (check_store said so), or no directory check */
    if (store_meta_get(s, ENGINE_META_DIRECTORY_BRAKE, &brake, &err) != 0)
        report(d, "directory", CHECK_FAIL, &err, "%s", err.msg);
    else if (brake != NULL && *brake != '\0')
        report(d, "directory", CHECK_WARN, NULL, "%s", brake);
    else
        report(d, "directory", CHECK_OK, NULL, "the directory check's brake does not hold");
    free(brake);
    store_close(s);
}

int
cmd_doctor(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct doctor d = { 0 };
    struct sbx_err err = { 0 };
    struct orgs_opts client_opts;
    struct orgs *o = NULL;
    struct orgs_organization org = { 0 };
    struct orgs_root *roots = NULL;
    struct orgs_caller caller = { 0 };
    size_t nroots = 0;
    const char *source;
    char buf[512];
    bool have_org = false, aws_ok = false;
    /* --json without -j (the short letter was never taken here) */
    int rc;
    const struct cmd_opt opt[] = {
        { .name = "json", 0, CMD_OPT_SET, &d.json },
        CMD_OPT_END_NO_OPERANDS,
    };

    if ((rc = cmd_parse_opts("doctor", cmd_doctor_usage, opt, argc, argv)) != 0)
        return rc;
    if (d.json) {
        d.checks = cJSON_CreateArray();
        if (d.checks == NULL) {
            log_error("doctor: out of memory");
            return SBX_EXIT_FAILURE;
        }
    }

    /* main() loaded the config (or defaults) already; a bad file never gets here. */
    if (ctx->cfg->path != NULL)
        report(&d, "config", CHECK_OK, NULL, "%s", ctx->cfg->path);
    else
        report(&d, "config", CHECK_OK, NULL, "defaults (no config file at '%s')",
               cfg_resolve_path(ctx->config_path));

    cmd_orgs_opts(ctx->cfg, &client_opts);
    if (orgs_new(&client_opts, &ctx->clock, &o, &err) != 0) {
        const char *name = err.code == SBX_E_CREDS ? "credentials" : "endpoint";

        if (err.code == SBX_E_CREDS)
            skip(&d, "endpoint");
        report(&d, name, CHECK_FAIL, &err, "%s", err.msg);
        if (err.code != SBX_E_CREDS)
            skip(&d, "credentials");
        goto aws_skipped;
    }
    if (ctx->cfg->aws.follow_sim_clock && orgs_sim_clock(o, &ctx->clock, &err) != 0) {
        report(&d, "endpoint", CHECK_FAIL, &err, "%s", err.msg);
        skip(&d, "credentials");
        goto aws_skipped;
    }
    report(&d, "endpoint", CHECK_OK, NULL, "%s (%s), signing region %s, partition %s",
           orgs_endpoint(o), orgs_endpoint_source(o), orgs_signing_region(o), orgs_partition(o));

    if (orgs_credentials(o, &source, &err) != 0) {
        report(&d, "credentials", CHECK_FAIL, &err, "%s", err.msg);
        goto aws_skipped;
    }
    describe_creds(o, source, buf, sizeof(buf));
    report(&d, "credentials", CHECK_OK, NULL, "%s", buf);

    if (orgs_describe_organization(o, &org, &err) != 0) {
        sbx_err_prefix(&err, "DescribeOrganization"); /* named once */
        report(&d, "organization", CHECK_FAIL, &err, "%s", err.msg);
        if (timed_out(&err)) {
            skip_timeout(&d, "root");
            skip_timeout(&d, "caller");
            goto done;
        }
    } else {
        have_org = true;
        report(&d, "organization", CHECK_OK, NULL, "%s, feature set %s, management account %s",
               org.id, org.feature_set != NULL ? org.feature_set : "?", org.master_account_id);
    }

    if (orgs_list_roots(o, &roots, &nroots, &err) != 0) {
        sbx_err_prefix(&err, "ListRoots"); /* named once */
        report(&d, "root", CHECK_FAIL, &err, "%s", err.msg);
        if (timed_out(&err)) {
            skip_timeout(&d, "caller");
            goto done;
        }
    } else if (nroots == 0) {
        sbx_err_set(&err, SBX_E_AWS, "the organization has no root");
        err.aws = SBX_AWS_PROTOCOL;
        sbx_err_prefix(&err, "ListRoots"); /* named once */
        report(&d, "root", CHECK_FAIL, &err, "%s", err.msg);
    } else {
        report(&d, "root", CHECK_OK, NULL, "%s%s%s", roots[0].id, roots[0].name != NULL ? " " : "",
               roots[0].name != NULL ? roots[0].name : "");
    }

    if (orgs_get_caller_identity(o, &caller, &err) != 0) {
        report(&d, "caller", CHECK_FAIL, &err, "GetCallerIdentity (STS %s): %s",
               orgs_sts_endpoint(o), err.msg);
    } else if (!have_org) {
        report(&d, "caller", CHECK_FAIL, NULL,
               "%s (account %s): cannot tell whether it is the management account", caller.arn,
               caller.account);
    } else if (strcmp(caller.account, org.master_account_id) == 0) {
        report(&d, "caller", CHECK_OK, NULL, "%s (account %s): the management account", caller.arn,
               caller.account);
    } else {
        struct sbx_err e = { 0 };

        sbx_err_set(&e, SBX_E_AWS, "not the management account");
        e.aws = SBX_AWS_ACCESS_DENIED;
        report(&d, "caller", CHECK_FAIL, &e,
               "%s (account %s) is not the management account %s: creating and closing "
               "accounts need it",
               caller.arn, caller.account, org.master_account_id);
    }
    aws_ok = have_org && !d.failed;
    goto done;

aws_skipped:
    skip(&d, "organization");
    skip(&d, "root");
    skip(&d, "caller");
done:
    /* Last, so the AWS checks keep their places in --json's array. */
    check_store(&d, ctx->cfg->store);
    if (aws_ok && !d.failed)
        check_tagged(&d, ctx, o);
    else
        skip(&d, "accounts");
    if (ctx->cfg->access.enabled && aws_ok)
        check_access(&d, ctx, o);
    else if (ctx->cfg->access.enabled)
        skip(&d, "access");
    if (ctx->cfg->budget.aws_budget && aws_ok)
        check_budgets(&d, o, org.master_account_id);
    else if (ctx->cfg->budget.aws_budget)
        skip(&d, "budgets");
    check_brake(&d, ctx);
    check_spend(&d, ctx->cfg);
    if (d.json) {
        cJSON *root = cJSON_CreateObject();
        char *text = NULL;

        if (root != NULL) {
            cJSON_AddBoolToObject(root, "ok", !d.failed);
            cJSON_AddItemToObject(root, "checks", d.checks);
            d.checks = NULL;
            if (have_org && caller.arn != NULL)
                cJSON_AddBoolToObject(root, "management_account",
                                      strcmp(caller.account, org.master_account_id) == 0);
            text = cJSON_Print(root);
        }
        if (text == NULL) {
            log_error("doctor: out of memory");
            if (!d.failed)
                d.exit_code = SBX_EXIT_FAILURE;
            d.failed = true;
        } else {
            printf("%s\n", text);
        }
        cJSON_free(text);
        cJSON_Delete(root);
        cJSON_Delete(d.checks);
    }
    orgs_caller_release(&caller);
    orgs_roots_free(roots, nroots);
    orgs_organization_release(&org);
    orgs_free(o);
    return d.failed ? d.exit_code : SBX_EXIT_OK;
}
