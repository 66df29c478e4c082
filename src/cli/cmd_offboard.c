/*
 * cmd_offboard.c -- `sandboxctl offboard OWNER`: nuke and close every account the owner has, in
 * any state, and say what happened to each. Idempotent: running it again reports the same
 * accounts further along. Off-boarded accounts close before expired ones (priority). An owner
 * with no accounts is a success with an empty summary (`"accounts": []`), not an error.
 */
#include "cli/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_util.h"
#include "engine/engine_alias.h"
#include "util/grow.h"
#include "util/log.h"

const char cmd_offboard_usage[] =
        "usage: sandboxctl offboard OWNER [--yes] [--no-wait] [--dry-run] [--json]";

#define OFFBOARD_PRIORITY 100

struct collect {
    struct cmd_close_item *items;
    size_t n, cap;
};

static int
collect_row(void *arg, const struct store_account *a)
{
    struct collect *c = arg;
    struct cmd_close_item *it = grow_slot(&c->items, c->n, &c->cap, sizeof(*it));

    if (it == NULL)
        return -1;
    /* The row passed in dies after the callback: keep the id, read the row afterwards. */
    it->a.id = a->id;
    c->n++;
    return 0;
}

int
cmd_offboard(struct sbx_ctx *ctx, int argc, char **argv)
{
    char owner[ALIAS_OWNER_MAX + 1], prompt[400];
    struct store_filter f = { 0 };
    struct collect c = { 0 };
    struct sbx_err err = { 0 };
    struct cmd_close_opts co;
    int rc = SBX_EXIT_FAILURE;

    if (cmd_parse_close_opts(argc, argv, cmd_offboard_usage, &co) != 0)
        return SBX_EXIT_USAGE;
    if (argc - optind != 1)
        return cmd_usage_error(cmd_offboard_usage, "offboard: name exactly one OWNER");
    if (engine_alias_normalize_owner(argv[optind], NULL, owner, sizeof(owner), &err) != 0)
        return cmd_fail("offboard", &err);
    f.owner = owner;
    f.all = true;
    if (store_account_list(ctx->store, &f, collect_row, &c, &err) != 0) {
        if (err.code == SBX_E_OK)
            sbx_err_nomem(&err);
        rc = cmd_fail("offboard", &err);
        goto out;
    }
    if (c.n == 0 && !co.json) {
        /* Not an error: an HR workflow off-boards every leaver, most of whom have none. */
        printf("owner '%s' has no managed accounts: nothing to do\n", owner);
        rc = SBX_EXIT_OK;
        goto out;
    }
    for (size_t i = 0; i < c.n; i++) {
        if (cmd_reload(ctx, &c.items[i].a, &err) != 0) {
            rc = cmd_fail("offboard", &err);
            goto out;
        }
    }
    snprintf(prompt, sizeof(prompt), "nuke and close all %zu account%s of %s?", c.n,
             c.n == 1 ? "" : "s", owner);
    rc = cmd_close_accounts(ctx, &(struct cmd_close_job){ .cmd = "offboard",
                                                          .usage = cmd_offboard_usage,
                                                          .prompt = c.n > 0 ? prompt : NULL,
                                                          .reason = "offboarded",
                                                          .priority = OFFBOARD_PRIORITY,
                                                          .opts = co,
                                                          .owner = owner,
                                                          .items = c.items,
                                                          .n = c.n });
out:
    for (size_t i = 0; i < c.n; i++)
        store_account_release(&c.items[i].a);
    free(c.items);
    return rc;
}
