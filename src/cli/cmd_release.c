/*
 * cmd_release.c -- `sandboxctl release ACCOUNT`: the inverse of adopt. sandboxctl stops
 * managing the account without closing it (its tags removed unless --keep-tags, moved with
 * --to-ou), and keeps its row as released with its history; nothing touches it again.
 */
#include "cli/cmd.h"

#include <stdio.h>
#include <string.h>

#include "cli/cmd_util.h"
#include "util/log.h"

const char cmd_release_usage[] =
        "usage: sandboxctl release ACCOUNT [--keep-tags] [--to-ou OU] [--dry-run] [--json]";

/* --to-ou: an OU path, neither empty nor starting or ending with '/'. */
static int
take_ou(const struct cmd_opt *o, const char *arg, char *why, size_t n)
{
    if (*arg == '\0' || *arg == '/' || arg[strlen(arg) - 1] == '/') {
        snprintf(why, n, "release: --to-ou needs an OU path such as 'Projects/Promoted' (got '%s')",
                 arg);
        return -1;
    }
    *(const char **)o->target = arg;
    return 0;
}

int
cmd_release(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct cmd_one c = { .cmd = "release", .usage = cmd_release_usage };
    struct engine_release_opts ro = { false, NULL };
    const char *before;
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_DRY_RUN(&c.dry_run),
        CMD_OPT_JSON(&c.json),
        { .name = "keep-tags", 'k', CMD_OPT_SET, &ro.keep_tags },
        { .name = "to-ou", 'o', CMD_OPT_CALL, &ro.to_ou, .fn = take_ou, .whole_msg = true },
        CMD_OPT_END_ONE("ACCOUNT"),
    };

    if ((rc = cmd_one_open(ctx, &c, opt, argc, argv)) != 0)
        return rc;
    before = engine_state_name(c.a.state);
    if (engine_release(c.e, &c.a, &ro, &c.err) != 0)
        return cmd_one_fail(&c);
    if (c.json) {
        cJSON *o = cmd_one_json(&c);

        if (o != NULL) {
            cJSON_AddStringToObject(o, "previous_state", before);
            cJSON_AddBoolToObject(o, "tags_removed", !ro.keep_tags);
            if (ro.to_ou != NULL)
                cJSON_AddStringToObject(o, "moved_to", ro.to_ou);
            else
                cJSON_AddNullToObject(o, "moved_to");
        }
        return cmd_one_end(&c, cmd_json_print(o));
    }
    printf("#%lld %s: %s -> released; sandboxctl's tags %s; %s%s%s\n", (long long)c.a.id,
           c.a.account_id, before, ro.keep_tags ? "kept" : "removed",
           ro.to_ou != NULL ? "moved to " : "left in its OU", ro.to_ou != NULL ? ro.to_ou : "",
           c.dry_run ? " (dry run: not changed)" : "");
    return cmd_one_end(&c, SBX_EXIT_OK);
}
