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
    struct cmd_one c = { .cmd = "adopt", .usage = cmd_adopt_usage };
    const char *kind = NULL, *owner = NULL;
    int64_t ttl = ENGINE_TTL_DEFAULT;
    bool keep_ou = false, grant = true;
    char exp[32];
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_DRY_RUN(&c.dry_run),
        CMD_OPT_JSON(&c.json),
        { .name = "kind", 'k', CMD_OPT_STRING, &kind },
        { .name = "owner", 'o', CMD_OPT_STRING, &owner },
        { .name = "ttl", 't', CMD_OPT_DURATION, &ttl, .min = 1 },
        { .name = "keep-ou", 'K', CMD_OPT_SET, &keep_ou },
        { .name = "no-access", 'A', CMD_OPT_UNSET, &grant },
        CMD_OPT_END_ONE("ACCOUNT_ID"),
    };

    if ((rc = cmd_parse_opts("adopt", cmd_adopt_usage, opt, argc, argv)) != 0)
        return rc;
    if (kind == NULL || owner == NULL)
        return cmd_usage_error(cmd_adopt_usage, "adopt: --kind and --owner are required");
    rc = cmd_engine_open(ctx, "adopt", c.dry_run, NULL, &c.e);
    if (rc != 0)
        return rc;
    grant = grant && ctx->cfg->access.enabled;
    /* Before anything is tagged or recorded: the owner can sign in and the groups exist. */
    if (grant && (rc = cmd_owner_users(c.e, "adopt", &owner, 1, c.dry_run)) != 0)
        return cmd_one_end(&c, rc);
    if (grant && engine_directory_groups(c.e, kind, NULL, 0, &c.err) != 0)
        return cmd_one_fail(&c);
    if (engine_adopt(c.e, argv[optind], kind, owner, ttl, keep_ou, grant, &c.a, &c.err) != 0)
        return cmd_one_fail(&c);
    if ((rc = cmd_access_wait(ctx, &c)) != 0)
        return cmd_one_end(&c, rc);
    if (c.json)
        return cmd_one_end(&c, cmd_json_print(cmd_one_json(&c)));
    printf("%s #%lld %s <%s>: %s, owner %s, expires %s%s\n", c.dry_run ? "would adopt" : "adopted",
           (long long)c.a.id, c.a.account_id, c.a.email, c.a.kind, c.a.owner,
           cmd_time(c.a.expires_at, exp, sizeof(exp), true),
           c.dry_run ? " (dry run: nothing was changed)" : "");
    if (c.signin[0] != '\0')
        printf("sign in     %s\n", c.signin);
    return cmd_one_end(&c, SBX_EXIT_OK);
}
