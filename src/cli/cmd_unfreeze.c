/*
 * cmd_unfreeze.c -- `sandboxctl unfreeze ACCOUNT [--budget AMOUNT]`: lift a budget freeze.
 * Detaches the freeze SCP and moves the account back to active (audit event unfrozen);
 * --budget gives the account its own, higher budget first, so the next spend check does not
 * freeze it again at once. With owner access, the access the freeze revoked is granted again
 * first (the account passes through creating) and the owner's sign-in link is printed, as
 * create does.
 */
#include "cli/cmd.h"

#include <stdio.h>

#include "cli/cmd_util.h"
#include "engine/engine_budget.h"
#include "util/money.h"

const char cmd_unfreeze_usage[] =
        "usage: sandboxctl unfreeze ACCOUNT [--budget AMOUNT] [--dry-run] [--json]";

int
cmd_unfreeze(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct cmd_one c = { .cmd = "unfreeze", .usage = cmd_unfreeze_usage };
    int64_t budget = 0;
    char amount[32];
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_DRY_RUN(&c.dry_run),
        CMD_OPT_JSON(&c.json),
        CMD_OPT_BUDGET(&budget),
        CMD_OPT_END_ONE("ACCOUNT"),
    };

    if ((rc = cmd_one_open(ctx, &c, opt, argc, argv)) != 0)
        return rc;
    if (engine_unfreeze(c.e, &c.a, budget, &c.err) != 0)
        return cmd_one_fail(&c);
    if ((rc = cmd_access_wait(ctx, &c)) != 0)
        return cmd_one_end(&c, rc);
    if (c.json) {
        cJSON *o = cmd_one_json(&c);

        if (o != NULL && budget > 0)
            cJSON_AddStringToObject(o, "budget", money_format(budget, amount, sizeof(amount)));
        return cmd_one_end(&c, cmd_json_print(o));
    }
    printf("#%lld %s: %s%s%s%s\n", (long long)c.a.id, c.a.account_id,
           c.dry_run ? "would unfreeze (dry run: not changed)"
                     : "unfrozen, the freeze SCP detached",
           budget > 0 ? "; its own budget " : "",
           budget > 0 ? money_format(budget, amount, sizeof(amount)) : "",
           c.a.state == ENGINE_S_CREATING ? "; the owner's access is being granted again" : "");
    if (c.signin[0] != '\0')
        printf("sign in     %s\n", c.signin);
    return cmd_one_end(&c, SBX_EXIT_OK);
}
