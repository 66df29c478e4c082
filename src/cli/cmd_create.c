/*
 * cmd_create.c -- `sandboxctl create`: request an account (unique alias reserved, intent
 * recorded), submit it and by default wait until it is active: moved to its kind's OU, tagged,
 * post-create hooks run.
 */
#include "cli/cmd.h"

#include <stdio.h>
#include <string.h>

#include "aws/orgs.h"
#include "cfg.h"
#include "cli/cmd_util.h"
#include "engine/engine_directory.h"
#include "util/log.h"

const char cmd_create_usage[] =
        "usage: sandboxctl create --kind KIND --owner EMAIL [--ttl DURATION] [--name NAME]\n"
        "                         [--budget AMOUNT] [--timeout DURATION] [--no-wait] [--dry-run]\n"
        "                         [--json]";

/* Prints a, with signin (the access portal's link to it for its owner) unless empty. */
static void
print_account(const struct store_account *a, bool json, const char *note, const char *signin)
{
    char exp[32];

    if (json) {
        cJSON *o = cmd_account_json(a);

        if (o != NULL && note != NULL)
            cJSON_AddStringToObject(o, "note", note);
        if (o != NULL && signin != NULL && signin[0] != '\0')
            cJSON_AddStringToObject(o, "signin_url", signin);
        cmd_json_print(o);
        return;
    }
    if (a->id > 0)
        printf("id          #%lld\n", (long long)a->id);
    else
        printf("id          - (not created)\n");
    printf("account     %s\n", a->account_id[0] != '\0' ? a->account_id : "-");
    printf("email       %s\n", a->email);
    printf("name        %s\n", a->name);
    printf("owner       %s\n", a->owner);
    printf("kind        %s\n", a->kind);
    printf("state       %s\n", engine_state_name(a->state));
    printf("expires     %s\n", cmd_time(a->expires_at, exp, sizeof(exp), true));
    if (a->last_error != NULL && a->last_error[0] != '\0')
        printf("last error  %s\n", a->last_error);
    if (signin != NULL && signin[0] != '\0')
        printf("sign in     %s\n", signin);
    if (note != NULL)
        printf("%s\n", note);
}

/*
 * The wait timed out. A request never sent is cancelled, so a create that reports failure never
 * creates an account later; one that AWS may have received is followed by `run` and said so.
 */
static int
give_up(struct sbx_ctx *ctx, struct engine *e, struct store_account *a, bool json)
{
    enum engine_close_outcome outcome = ENGINE_CLOSE_QUEUED;
    struct sbx_err err = { 0 };
    char why[256], last[300];

    snprintf(last, sizeof(last), "%s", a->last_error != NULL ? a->last_error : "");
    if (a->state == ENGINE_S_REQUESTED && !a->submitted) {
        if (engine_close_request(e, a, "create_timeout", 0, false, &outcome, why, sizeof(why),
                                 &err) != 0 ||
            cmd_reload(ctx, a, &err) != 0)
            return cmd_fail("create", &err);
    }
    if (outcome == ENGINE_CLOSE_CANCELLED) {
        log_error("create: account #%lld: timed out before CreateAccount could be sent: "
                  "cancelled (last error: %s)",
                  (long long)a->id, last[0] != '\0' ? last : "none");
        print_account(a, json, "cancelled: nothing was sent to AWS", NULL);
        return SBX_EXIT_FAILURE;
    }
    log_error("create: account #%lld: timed out while AWS creates it", (long long)a->id);
    print_account(a, json,
                  "still being created (AWS has the request); `sandboxctl run` (or run --watch) "
                  "finishes it",
                  NULL);
    return SBX_EXIT_FAILURE;
}

int
cmd_create(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct engine_request req = { NULL, NULL, ENGINE_TTL_DEFAULT, NULL, 0, NULL, 0, 0 };
    struct store_account a = { 0 };
    struct sbx_err err = { 0 };
    struct cmd_events ev = { 0 };
    struct engine *e = NULL;
    bool dry_run = false, json = false, wait = true, timed_out;
    char signin[1024];
    int64_t timeout = 1800;
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_DRY_RUN(&dry_run),
        CMD_OPT_JSON(&json),
        { .name = "kind", 'k', CMD_OPT_STRING, &req.kind },
        { .name = "owner", 'o', CMD_OPT_STRING, &req.owner },
        { .name = "ttl", 't', CMD_OPT_DURATION, &req.ttl, .min = 1 },
        { .name = "name", 'N', CMD_OPT_STRING, &req.name },
        { .name = "timeout", 'T', CMD_OPT_DURATION, &timeout },
        { .name = "no-wait", 'W', CMD_OPT_UNSET, &wait },
        CMD_OPT_BUDGET(&req.budget),
        CMD_OPT_END_NO_OPERANDS,
    };

    if ((rc = cmd_parse_opts("create", cmd_create_usage, opt, argc, argv)) != 0)
        return rc;
    if (req.kind == NULL || req.owner == NULL)
        return cmd_usage_error(cmd_create_usage, "create: --kind and --owner are required");
    ev.quiet = true; /* the final state is what create prints */
    if (!dry_run && ctx->orgs != NULL) {
        const char *source;

        /* Without credentials nothing can be sent: fail now and record nothing, rather than
         * leave a request that some later `run` would submit. */
        if (orgs_credentials(ctx->orgs, &source, &err) != 0)
            return cmd_fail("create", &err);
    }
    rc = cmd_engine_open(ctx, "create", dry_run, &ev, &e);
    if (rc != 0)
        return rc;
    /* Before anything is recorded or sent: the owner can sign in, or nothing is created. */
    rc = cmd_owner_users(e, "create", &req.owner, 1, dry_run);
    if (rc != 0)
        goto out;
    if (engine_directory_groups(e, req.kind, NULL, 0, &err) != 0) {
        rc = cmd_fail("create", &err);
        goto out;
    }
    if (engine_request(e, &req, &a, &err) != 0) {
        rc = cmd_fail("create", &err);
        goto out;
    }
    if (dry_run) {
        print_account(&a, json, "dry run: nothing was changed", NULL);
        rc = SBX_EXIT_OK;
        goto out;
    }
    rc = cmd_drive_account(ctx, e, "create", &a, wait, engine_now(e) + (double)timeout, &timed_out);
    if (rc != 0)
        goto out;
    if (timed_out) {
        rc = give_up(ctx, e, &a, json);
        goto out;
    }
    if (a.state == ENGINE_S_FAILED) {
        log_error("create: account #%lld failed: %s", (long long)a.id, a.last_error);
        print_account(&a, json, NULL, NULL);
        rc = SBX_EXIT_AWS;
        goto out;
    }
    engine_access_link(e, &a, signin, sizeof(signin));
    print_account(&a, json, NULL, signin);
    rc = SBX_EXIT_OK;
out:
    store_account_release(&a);
    cJSON_Delete(ev.array);
    engine_free(e);
    return rc;
}
