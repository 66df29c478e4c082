/*
 * cmd_extend.c -- `sandboxctl extend ACCOUNT`: move an account's expiry, never beyond its kind's
 * max_ttl counted from activation. Warnings fire again for the new expiry.
 */
#include "cli/cmd.h"

#include <stdio.h>

#include "cli/cmd_util.h"
#include "engine/engine_budget.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/log.h"
#include "util/money.h"

const char cmd_extend_usage[] =
        "usage: sandboxctl extend ACCOUNT (--by DURATION | --until TIME | --budget AMOUNT)\n"
        "                         [--dry-run] [--json]";

int
cmd_extend(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct store_account a = { 0 };
    struct sbx_err err = { 0 };
    struct engine *e = NULL;
    int64_t by = -1, until = -1, budget = 0, target, now;
    bool dry_run = false, json = false;
    char warning[600] = "", b1[32], b2[32];
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_DRY_RUN(&dry_run),
        CMD_OPT_JSON(&json),
        { .name = "by", 'b', CMD_OPT_DURATION, &by, .min = 1 },
        { .name = "until", 'u', CMD_OPT_TIME, &until },
        CMD_OPT_BUDGET(&budget),
        CMD_OPT_END,
    };

    if ((rc = cmd_parse_opts("extend", cmd_extend_usage, opt, argc, argv)) != 0)
        return rc;
    /* A wrong number of ACCOUNTs is reported first (by cmd_open_one_account). */
    if (argc - optind == 1 && by >= 0 && until >= 0)
        return cmd_usage_error(cmd_extend_usage, "extend: give exactly one of --by and --until");
    if (argc - optind == 1 && by < 0 && until < 0 && budget == 0)
        return cmd_usage_error(cmd_extend_usage,
                               "extend: give exactly one of --by and --until (or --budget)");
    rc = cmd_open_one_account(ctx, "extend", cmd_extend_usage, argc, argv, dry_run, NULL, &a, &e);
    if (rc != 0)
        return rc;
    now = (int64_t)engine_now(e);
    if (by > 0)
        target = (a.expires_at > now ? a.expires_at : now) + by;
    else
        target = until >= 0 ? until : a.expires_at;
    cmd_time(a.expires_at, b1, sizeof(b1), true);
    if ((by >= 0 || until >= 0) &&
        engine_extend(e, &a, target, warning, sizeof(warning), &err) != 0) {
        rc = cmd_fail("extend", &err);
        goto out;
    }
    /* --budget: the account's own budget from now on (engine_budget.h) */
    if (budget > 0 && engine_budget_set(e, &a, budget, &err) != 0) {
        rc = cmd_fail("extend", &err);
        goto out;
    }
    if (warning[0] != '\0')
        log_warn("extend: %s", warning);
    if (json) {
        cJSON *o = cmd_account_json(&a);

        if (o != NULL) {
            cJSON_AddStringToObject(o, "previous_expires_at", b1);
            cJSON_AddBoolToObject(o, "dry_run", dry_run);
            if (budget > 0)
                cJSON_AddStringToObject(o, "budget", money_format(budget, b2, sizeof(b2)));
            if (dry_run) {
                cJSON_DeleteItemFromObject(o, "expires_at");
                cmd_json_time(o, "expires_at", target);
            }
        }
        rc = cmd_json_print(o) == 0 ? SBX_EXIT_OK : SBX_EXIT_FAILURE;
    } else {
        if (by >= 0 || until >= 0)
            printf("#%lld %s: expiry %s -> %s%s\n", (long long)a.id,
                   a.account_id[0] != '\0' ? a.account_id : a.email, b1,
                   cmd_time(target, b2, sizeof(b2), true),
                   dry_run ? " (dry run: not changed)" : "");
        if (budget > 0)
            printf("#%lld %s: budget %s (its own)%s\n", (long long)a.id,
                   a.account_id[0] != '\0' ? a.account_id : a.email,
                   money_format(budget, b2, sizeof(b2)), dry_run ? " (dry run: not changed)" : "");
        rc = SBX_EXIT_OK;
    }
out:
    store_account_release(&a);
    engine_free(e);
    return rc;
}
