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
    struct store_account a = { 0 };
    struct sbx_err err = { 0 };
    struct engine *e = NULL;
    int64_t budget = 0;
    bool dry_run = false, json = false;
    char amount[32], signin[1024] = "";
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_DRY_RUN(&dry_run),
        CMD_OPT_JSON(&json),
        CMD_OPT_BUDGET(&budget),
        CMD_OPT_END,
    };

    if ((rc = cmd_parse_opts("unfreeze", cmd_unfreeze_usage, opt, argc, argv)) != 0)
        return rc;
    rc = cmd_open_one_account(ctx, "unfreeze", cmd_unfreeze_usage, argc, argv, dry_run, NULL, &a,
                              &e);
    if (rc != 0)
        return rc;
    if (engine_unfreeze(e, &a, budget, &err) != 0) {
        rc = cmd_fail("unfreeze", &err);
        goto out;
    }
    if (!dry_run && (rc = cmd_access_wait(ctx, e, "unfreeze", &a, signin, sizeof(signin))) != 0)
        goto out;
    if (json) {
        cJSON *o = cmd_account_json(&a);

        if (o != NULL) {
            cJSON_AddBoolToObject(o, "dry_run", dry_run);
            if (budget > 0)
                cJSON_AddStringToObject(o, "budget", money_format(budget, amount, sizeof(amount)));
            if (signin[0] != '\0')
                cJSON_AddStringToObject(o, "signin_url", signin);
        }
        rc = cmd_json_print(o) == 0 ? SBX_EXIT_OK : SBX_EXIT_FAILURE;
    } else {
        printf("#%lld %s: %s%s%s%s\n", (long long)a.id, a.account_id,
               dry_run ? "would unfreeze (dry run: not changed)"
                       : "unfrozen, the freeze SCP detached",
               budget > 0 ? "; its own budget " : "",
               budget > 0 ? money_format(budget, amount, sizeof(amount)) : "",
               a.state == ENGINE_S_CREATING ? "; the owner's access is being granted again" : "");
        if (signin[0] != '\0')
            printf("sign in     %s\n", signin);
        rc = SBX_EXIT_OK;
    }
out:
    store_account_release(&a);
    engine_free(e);
    return rc;
}
