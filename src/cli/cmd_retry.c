/*
 * cmd_retry.c -- `sandboxctl retry ACCOUNT`: release a quarantined (nuke_failed), protected,
 * close_failed or failed account for another attempt; the next `run` picks it up.
 */
#include "cli/cmd.h"

#include <stdio.h>
#include <string.h>

#include "cli/cmd_util.h"
#include "engine/engine_state.h"
#include "util/log.h"

const char cmd_retry_usage[] = "usage: sandboxctl retry ACCOUNT [--dry-run] [--json]";

int
cmd_retry(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct store_account a = { 0 };
    struct sbx_err err = { 0 };
    struct engine *e = NULL;
    bool dry_run = false, json = false;
    const char *next = NULL;
    enum engine_state from;
    char before[16];
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_DRY_RUN(&dry_run),
        CMD_OPT_JSON(&json),
        CMD_OPT_END,
    };

    if ((rc = cmd_parse_opts("retry", cmd_retry_usage, opt, argc, argv)) != 0)
        return rc;
    rc = cmd_open_one_account(ctx, "retry", cmd_retry_usage, argc, argv, dry_run, NULL, &a, &e);
    if (rc != 0)
        return rc;
    from = a.state;
    snprintf(before, sizeof(before), "%s", engine_state_name(from));
    if (engine_retry(e, &a, &err) != 0) {
        rc = cmd_fail("retry", &err);
        goto out;
    }
    /* A dry run changes nothing, so the state it would reach comes from the lifecycle table. */
    next = engine_state_name(dry_run ? engine_retry_target(from) : a.state);
    if (json) {
        cJSON *o = cmd_account_json(&a);

        if (o != NULL) {
            cJSON_AddStringToObject(o, "previous_state", before);
            cJSON_AddStringToObject(o, "next_state", next);
            cJSON_AddBoolToObject(o, "dry_run", dry_run);
        }
        rc = cmd_json_print(o) == 0 ? SBX_EXIT_OK : SBX_EXIT_FAILURE;
    } else {
        printf("#%lld %s: %s -> %s; the next `sandboxctl run` takes it from here%s\n",
               (long long)a.id, a.account_id[0] != '\0' ? a.account_id : a.email, before, next,
               dry_run ? " (dry run: not changed)" : "");
        rc = SBX_EXIT_OK;
    }
out:
    store_account_release(&a);
    engine_free(e);
    return rc;
}
