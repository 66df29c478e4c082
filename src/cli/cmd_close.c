/*
 * cmd_close.c -- `sandboxctl close ACCOUNT...`: nuke and close accounts now, within the close
 * quota (an account that must wait for a slot stays queued and `run` closes it). Protected
 * accounts are refused with a message and an audit event.
 */
#include "cli/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_util.h"
#include "util/log.h"

const char cmd_close_usage[] =
        "usage: sandboxctl close ACCOUNT... [--yes] [--no-wait] [--dry-run] [--json]";

#define CLOSE_PRIORITY 50

int
cmd_close(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct cmd_close_item *items = NULL;
    struct cmd_close_opts co;
    size_t n = 0;
    char prompt[200];
    int rc = SBX_EXIT_FAILURE;

    if (cmd_parse_close_opts(argc, argv, cmd_close_usage, &co) != 0)
        return SBX_EXIT_USAGE;
    if (optind == argc)
        return cmd_usage_error(cmd_close_usage, "close: name at least one ACCOUNT");
    items = calloc((size_t)(argc - optind), sizeof(*items));
    if (items == NULL) {
        log_error("close: out of memory");
        return SBX_EXIT_FAILURE;
    }
    /* Resolve every name first: an unknown one changes nothing at all. */
    for (int i = optind; i < argc; i++) {
        bool dup = false;

        rc = cmd_find_account(ctx, "close", argv[i], &items[n].a);
        if (rc != 0)
            goto out;
        for (size_t j = 0; j < n; j++)
            dup = dup || items[j].a.id == items[n].a.id;
        if (dup)
            store_account_release(&items[n].a);
        else
            n++;
    }
    snprintf(prompt, sizeof(prompt), "nuke and close %zu account%s?", n, n == 1 ? "" : "s");
    rc = cmd_close_accounts(ctx, &(struct cmd_close_job){ .cmd = "close",
                                                          .usage = cmd_close_usage,
                                                          .prompt = prompt,
                                                          .reason = "manual",
                                                          .priority = CLOSE_PRIORITY,
                                                          .opts = co,
                                                          .items = items,
                                                          .n = n });
out:
    for (size_t i = 0; i < n; i++)
        store_account_release(&items[i].a);
    free(items);
    return rc;
}
