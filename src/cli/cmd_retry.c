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
    struct cmd_one c = { .cmd = "retry", .usage = cmd_retry_usage };
    const char *next = NULL;
    enum engine_state from;
    char before[16];
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_DRY_RUN(&c.dry_run),
        CMD_OPT_JSON(&c.json),
        CMD_OPT_END_ONE("ACCOUNT"),
    };

    if ((rc = cmd_one_open(ctx, &c, opt, argc, argv)) != 0)
        return rc;
    from = c.a.state;
    snprintf(before, sizeof(before), "%s", engine_state_name(from));
    if (engine_retry(c.e, &c.a, &c.err) != 0)
        return cmd_one_fail(&c);
    /* A dry run changes nothing, so the state it would reach comes from the lifecycle table. */
    next = engine_state_name(c.dry_run ? engine_retry_target(from) : c.a.state);
    if (c.json) {
        cJSON *o = cmd_one_json(&c);

        if (o != NULL) {
            cJSON_AddStringToObject(o, "previous_state", before);
            cJSON_AddStringToObject(o, "next_state", next);
        }
        return cmd_one_end(&c, cmd_json_print(o));
    }
    printf("#%lld %s: %s -> %s; the next `sandboxctl run` takes it from here%s\n",
           (long long)c.a.id, c.a.account_id[0] != '\0' ? c.a.account_id : c.a.email, before, next,
           c.dry_run ? " (dry run: not changed)" : "");
    return cmd_one_end(&c, SBX_EXIT_OK);
}
