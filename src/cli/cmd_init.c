/*
 * cmd_init.c -- `sandboxctl init`: create the store, discover the organization (management
 * account, root, member count), create every kind's OU that is missing and, when a kind has a
 * budget, the freeze SCP (engine_budget.h).
 */
#include "cli/cmd.h"

#include <stdio.h>

#include "cli/cmd_util.h"
#include "engine/engine_budget.h"
#include "store/store.h"
#include "util/log.h"

const char cmd_init_usage[] = "usage: sandboxctl init [--dry-run] [--json]";

int
cmd_init(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct engine_init_report r;
    char freeze_scp[256] = "";
    struct sbx_err err = { 0 };
    struct engine *e = NULL;
    bool dry_run = false, json = false;
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_DRY_RUN(&dry_run),
        CMD_OPT_JSON(&json),
        CMD_OPT_END_NO_OPERANDS,
    };

    if ((rc = cmd_parse_opts("init", cmd_init_usage, opt, argc, argv)) != 0)
        return rc;
    rc = cmd_engine_open(ctx, "init", dry_run, NULL, &e);
    if (rc != 0)
        return rc;
    /* The spend guard's freeze policy, when some kind has a budget (engine_budget.h). */
    if (engine_init_org(e, &r, &err) != 0 ||
        engine_budget_init(e, freeze_scp, sizeof(freeze_scp), &err) != 0) {
        rc = cmd_fail("init", &err);
        goto out;
    }
    if (json) {
        cJSON *o = cJSON_CreateObject(), *ous;

        if (o == NULL)
            goto nomem;
        cJSON_AddStringToObject(o, "store", store_path(ctx->store));
        cJSON_AddNumberToObject(o, "schema", store_schema_version(ctx->store));
        cJSON_AddStringToObject(o, "organization_id", r.org_id);
        cJSON_AddStringToObject(o, "management_account_id", r.management_account_id);
        cJSON_AddStringToObject(o, "management_email", r.management_email);
        cJSON_AddStringToObject(o, "root_id", r.root_id);
        cJSON_AddStringToObject(o, "feature_set", r.feature_set);
        cJSON_AddNumberToObject(o, "members", (double)r.members);
        cJSON_AddNumberToObject(o, "ous_created", r.ous_created);
        cJSON_AddBoolToObject(o, "dry_run", dry_run);
        if (freeze_scp[0] != '\0')
            cJSON_AddStringToObject(o, "freeze_scp", freeze_scp);
        ous = cJSON_AddArrayToObject(o, "ous");
        for (int i = 0; i < r.nous && ous != NULL; i++)
            cJSON_AddItemToArray(ous, cJSON_CreateString(r.ous[i]));
        if (cmd_json_print(o) != 0)
            goto nomem;
    } else {
        printf("store         %s (schema %d)\n", store_path(ctx->store),
               store_schema_version(ctx->store));
        printf("organization  %s (%s features)\n", r.org_id, r.feature_set);
        printf("management    %s <%s>\n", r.management_account_id, r.management_email);
        printf("root          %s\n", r.root_id);
        printf("members       %lld\n", (long long)r.members);
        for (int i = 0; i < r.nous; i++)
            printf("ou            %s\n", r.ous[i]);
        if (freeze_scp[0] != '\0')
            printf("freeze scp    %s\n", freeze_scp);
        if (dry_run)
            printf("dry run: nothing was changed\n");
    }
    rc = SBX_EXIT_OK;
    goto out;
nomem:
    rc = SBX_EXIT_FAILURE;
out:
    engine_free(e);
    return rc;
}
