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
    struct engine_release_opts ro = { false, NULL };
    struct store_account a = { 0 };
    struct sbx_err err = { 0 };
    struct engine *e = NULL;
    bool dry_run = false, json = false;
    const char *before;
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_DRY_RUN(&dry_run),
        CMD_OPT_JSON(&json),
        { .name = "keep-tags", 'k', CMD_OPT_SET, &ro.keep_tags },
        { .name = "to-ou", 'o', CMD_OPT_CALL, &ro.to_ou, .fn = take_ou, .whole_msg = true },
        CMD_OPT_END,
    };

    if ((rc = cmd_parse_opts("release", cmd_release_usage, opt, argc, argv)) != 0)
        return rc;
    rc = cmd_open_one_account(ctx, "release", cmd_release_usage, argc, argv, dry_run, NULL, &a, &e);
    if (rc != 0)
        return rc;
    before = engine_state_name(a.state);
    if (engine_release(e, &a, &ro, &err) != 0) {
        rc = cmd_fail("release", &err);
        goto out;
    }
    if (json) {
        cJSON *o = cmd_account_json(&a);

        if (o != NULL) {
            cJSON_AddStringToObject(o, "previous_state", before);
            cJSON_AddBoolToObject(o, "tags_removed", !ro.keep_tags);
            if (ro.to_ou != NULL)
                cJSON_AddStringToObject(o, "moved_to", ro.to_ou);
            else
                cJSON_AddNullToObject(o, "moved_to");
            cJSON_AddBoolToObject(o, "dry_run", dry_run);
        }
        rc = cmd_json_print(o) == 0 ? SBX_EXIT_OK : SBX_EXIT_FAILURE;
    } else {
        printf("#%lld %s: %s -> released; sandboxctl's tags %s; %s%s%s\n", (long long)a.id,
               a.account_id, before, ro.keep_tags ? "kept" : "removed",
               ro.to_ou != NULL ? "moved to " : "left in its OU", ro.to_ou != NULL ? ro.to_ou : "",
               dry_run ? " (dry run: not changed)" : "");
        rc = SBX_EXIT_OK;
    }
out:
    store_account_release(&a);
    engine_free(e);
    return rc;
}
