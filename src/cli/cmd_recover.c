/*
 * cmd_recover.c -- `sandboxctl recover`: rebuild a lost or stale store from the organization.
 * Every account carries tags naming its store and row (engine_identity.c); the accounts
 * tagged as this store's that it does not know become rows again. A dry run (the default)
 * reports each difference; --apply writes.
 */
#include "cmd.h"

#include <stdio.h>

#include "cmd_util.h"
#include "engine/engine.h"
#include "util/log.h"

const char cmd_recover_usage[] = "usage: sandboxctl recover [--apply] [--json]";

struct recover_out {
    bool json;
    cJSON *arr;
    struct cmd_table *t;
    bool nomem;
};

static const char *
action_name(enum engine_recover_action a)
{
    switch (a) {
    case ENGINE_RECOVER_RESTORE:
        return "restore";
    case ENGINE_RECOVER_KNOWN:
        return "known";
    case ENGINE_RECOVER_DIFFERS:
        return "differs";
    case ENGINE_RECOVER_SKIPPED:
        return "skipped";
    }
    return "?";
}

static void
on_account(void *arg, const struct engine_recovery *r)
{
    struct recover_out *o = arg;
    char row[24] = "-";

    if (r->id > 0)
        snprintf(row, sizeof(row), "#%lld", (long long)r->id);
    if (o->json) {
        cJSON *a = cJSON_CreateObject();

        if (a == NULL || cJSON_AddStringToObject(a, "account_id", r->account_id) == NULL ||
            (r->id > 0 ? cJSON_AddNumberToObject(a, "id", (double)r->id)
                       : cJSON_AddNullToObject(a, "id")) == NULL ||
            cJSON_AddStringToObject(a, "aws_state", r->aws_state) == NULL ||
            cJSON_AddStringToObject(a, "action", action_name(r->action)) == NULL ||
            cJSON_AddStringToObject(a, "detail", r->detail) == NULL) {
            cJSON_Delete(a);
            o->nomem = true;
            return;
        }
        cJSON_AddItemToArray(o->arr, a);
        return;
    }
    {
        const char *cells[] = { r->account_id,          row,       r->aws_state,
                                action_name(r->action), r->detail, NULL };

        if (cmd_table_add(o->t, cells) != 0)
            o->nomem = true;
    }
}

int
cmd_recover(struct sbx_ctx *ctx, int argc, char **argv)
{
    static const char *const headers[] = { "ACCOUNT", "ROW", "AWS", "ACTION", "DETAIL", NULL };
    struct engine_recover_report rep;
    struct recover_out o = { 0 };
    struct sbx_err err = { 0 };
    struct engine *e = NULL;
    bool apply = false;
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_JSON(&o.json),
        { .name = "apply", 'a', CMD_OPT_SET, &apply },
        CMD_OPT_END_NO_OPERANDS,
    };

    if ((rc = cmd_parse_opts("recover", cmd_recover_usage, opt, argc, argv)) != 0)
        return rc;
    rc = cmd_engine_open(ctx, "recover", !apply, NULL, &e);
    if (rc != 0)
        return rc;
    o.arr = o.json ? cJSON_CreateArray() : NULL;
    o.t = o.json ? NULL : cmd_table_new(headers);
    if ((o.json && o.arr == NULL) || (!o.json && o.t == NULL)) {
        rc = SBX_EXIT_FAILURE;
        log_error("recover: out of memory");
        goto out;
    }
    if (engine_recover(e, apply, on_account, &o, &rep, &err) != 0) {
        rc = cmd_fail("recover", &err);
        goto out;
    }
    if (o.nomem) {
        log_error("recover: out of memory");
        rc = SBX_EXIT_FAILURE;
        goto out;
    }
    if (o.json) {
        cJSON *root = cJSON_CreateObject(), *sum;

        if (root == NULL) {
            log_error("recover: out of memory");
            rc = SBX_EXIT_FAILURE;
            goto out;
        }
        cJSON_AddBoolToObject(root, "dry_run", !apply);
        if (rep.store_id[0] != '\0')
            cJSON_AddStringToObject(root, "store_id", rep.store_id);
        else
            cJSON_AddNullToObject(root, "store_id");
        cJSON_AddBoolToObject(root, "identity_from_tags", rep.adopted_identity);
        cJSON_AddItemToObject(root, "accounts", o.arr);
        o.arr = NULL;
        sum = cJSON_AddObjectToObject(root, "summary");
        if (sum != NULL) {
            cJSON_AddNumberToObject(sum, "restore", rep.restored);
            cJSON_AddNumberToObject(sum, "known", rep.known);
            cJSON_AddNumberToObject(sum, "differs", rep.differ);
            cJSON_AddNumberToObject(sum, "skipped", rep.skipped);
        }
        rc = cmd_json_print(root);
        goto out;
    }
    cmd_table_print(o.t, stdout);
    if (rep.store_id[0] == '\0')
        printf("no account in the organization carries a store identity: nothing to recover\n");
    else
        printf("store %s%s: %d to restore, %d known, %d differ, %d skipped%s\n", rep.store_id,
               rep.adopted_identity ? " (taken from the accounts' tags)" : "", rep.restored,
               rep.known, rep.differ, rep.skipped,
               apply ? "" : "\ndry run: nothing was changed (--apply writes)");
    rc = SBX_EXIT_OK;
out:
    cmd_table_free(o.t);
    cJSON_Delete(o.arr);
    engine_free(e);
    return rc;
}
