/*
 * cmd_adopt.c -- `sandboxctl adopt ACCOUNT_ID`: bring an existing member account under
 * management (tagged, moved to its kind's OU unless --keep-ou, then treated like any other).
 * With owner access configured (and not --no-access) the owner must have an Identity Center
 * user and the kind's groups must exist before anything happens; the account is then active
 * once its owner (and the groups) can sign in, which adopt waits for, printing the link.
 */
#include "cli/cmd.h"

#include <stdio.h>

#include "cfg.h"
#include "cli/cmd_util.h"
#include "engine/engine.h"
#include "engine/engine_directory.h"
#include "util/duration.h"
#include "util/log.h"

const char cmd_adopt_usage[] =
        "usage: sandboxctl adopt ACCOUNT_ID --kind KIND --owner EMAIL [--ttl DURATION]\n"
        "                        [--keep-ou] [--no-access] [--dry-run] [--json]";

int
cmd_adopt(struct sbx_ctx *ctx, int argc, char **argv)
{
    const char *kind = NULL, *owner = NULL;
    int64_t ttl = ENGINE_TTL_DEFAULT;
    struct store_account a = { 0 };
    struct sbx_err err = { 0 };
    struct engine *e = NULL;
    bool keep_ou = false, dry_run = false, json = false, grant = true;
    char exp[32], signin[1024] = "";
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_DRY_RUN(&dry_run),
        CMD_OPT_JSON(&json),
        { .name = "kind", 'k', CMD_OPT_STRING, &kind },
        { .name = "owner", 'o', CMD_OPT_STRING, &owner },
        { .name = "ttl", 't', CMD_OPT_DURATION, &ttl, .min = 1 },
        { .name = "keep-ou", 'K', CMD_OPT_SET, &keep_ou },
        { .name = "no-access", 'A', CMD_OPT_UNSET, &grant },
        CMD_OPT_END,
    };

    if ((rc = cmd_parse_opts("adopt", cmd_adopt_usage, opt, argc, argv)) != 0)
        return rc;
    if (argc - optind != 1)
        return cmd_usage_error(cmd_adopt_usage, "adopt: name exactly one ACCOUNT_ID");
    if (kind == NULL || owner == NULL)
        return cmd_usage_error(cmd_adopt_usage, "adopt: --kind and --owner are required");
    rc = cmd_engine_open(ctx, "adopt", dry_run, NULL, &e);
    if (rc != 0)
        return rc;
    grant = grant && ctx->cfg->access.enabled;
    /* Before anything is tagged or recorded: the owner can sign in and the groups exist. */
    if (grant && (rc = cmd_owner_users(e, "adopt", &owner, 1, dry_run)) != 0)
        goto out;
    if (grant && engine_directory_groups(e, kind, NULL, 0, &err) != 0) {
        rc = cmd_fail("adopt", &err);
        goto out;
    }
    if (engine_adopt(e, argv[optind], kind, owner, ttl, keep_ou, grant, &a, &err) != 0) {
        rc = cmd_fail("adopt", &err);
        goto out;
    }
    if (!dry_run && (rc = cmd_access_wait(ctx, e, "adopt", &a, signin, sizeof(signin))) != 0)
        goto out;
    if (json) {
        cJSON *o = cmd_account_json(&a);

        if (o != NULL)
            cJSON_AddBoolToObject(o, "dry_run", dry_run);
        if (o != NULL && signin[0] != '\0')
            cJSON_AddStringToObject(o, "signin_url", signin);
        rc = cmd_json_print(o) == 0 ? SBX_EXIT_OK : SBX_EXIT_FAILURE;
    } else {
        printf("%s #%lld %s <%s>: %s, owner %s, expires %s%s\n",
               dry_run ? "would adopt" : "adopted", (long long)a.id, a.account_id, a.email, a.kind,
               a.owner, cmd_time(a.expires_at, exp, sizeof(exp), true),
               dry_run ? " (dry run: nothing was changed)" : "");
        if (signin[0] != '\0')
            printf("sign in     %s\n", signin);
        rc = SBX_EXIT_OK;
    }
out:
    store_account_release(&a);
    engine_free(e);
    return rc;
}
