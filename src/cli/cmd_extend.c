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
    struct cmd_one c = { .cmd = "extend", .usage = cmd_extend_usage };
    int64_t by = -1, until = -1, budget = 0, target, now;
    char warning[600] = "", b1[32], b2[32];
    const char *name;
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_DRY_RUN(&c.dry_run),
        CMD_OPT_JSON(&c.json),
        { .name = "by", 'b', CMD_OPT_DURATION, &by, .min = 1 },
        { .name = "until", 'u', CMD_OPT_TIME, &until },
        CMD_OPT_BUDGET(&budget),
        CMD_OPT_END_ONE("ACCOUNT"),
    };

    if ((rc = cmd_parse_opts("extend", cmd_extend_usage, opt, argc, argv)) != 0)
        return rc;
    if (by >= 0 && until >= 0)
        return cmd_usage_error(cmd_extend_usage, "extend: give exactly one of --by and --until");
    if (by < 0 && until < 0 && budget == 0)
        return cmd_usage_error(cmd_extend_usage,
                               "extend: give exactly one of --by and --until (or --budget)");
    rc = cmd_open_one_account(ctx, "extend", argv[optind], c.dry_run, NULL, &c.a, &c.e);
    if (rc != 0)
        return rc;
    now = (int64_t)engine_now(c.e);
    if (by > 0)
        target = (c.a.expires_at > now ? c.a.expires_at : now) + by;
    else
        target = until >= 0 ? until : c.a.expires_at;
    cmd_time(c.a.expires_at, b1, sizeof(b1), true);
    if ((by >= 0 || until >= 0) &&
        engine_extend(c.e, &c.a, target, warning, sizeof(warning), &c.err) != 0)
        return cmd_one_fail(&c);
    /* --budget: the account's own budget from now on (engine_budget.h) */
    if (budget > 0 && engine_budget_set(c.e, &c.a, budget, &c.err) != 0)
        return cmd_one_fail(&c);
    if (warning[0] != '\0')
        log_warn("extend: %s", warning);
    if (c.json) {
        cJSON *o = cmd_one_json(&c);

        if (o != NULL) {
            cJSON_AddStringToObject(o, "previous_expires_at", b1);
            if (budget > 0)
                cJSON_AddStringToObject(o, "budget", money_format(budget, b2, sizeof(b2)));
            if (c.dry_run) {
                cJSON_DeleteItemFromObject(o, "expires_at");
                cmd_json_time(o, "expires_at", target);
            }
        }
        return cmd_one_end(&c, cmd_json_print(o));
    }
    name = c.a.account_id[0] != '\0' ? c.a.account_id : c.a.email;
    if (by >= 0 || until >= 0)
        printf("#%lld %s: expiry %s -> %s%s\n", (long long)c.a.id, name, b1,
               cmd_time(target, b2, sizeof(b2), true), c.dry_run ? " (dry run: not changed)" : "");
    if (budget > 0)
        printf("#%lld %s: budget %s (its own)%s\n", (long long)c.a.id, name,
               money_format(budget, b2, sizeof(b2)), c.dry_run ? " (dry run: not changed)" : "");
    return cmd_one_end(&c, SBX_EXIT_OK);
}
