/*
 * cmd_close.c -- `sandboxctl close ACCOUNT...`: nuke and close accounts now, within the close
 * quota (an account that must wait for a slot stays queued and `run` closes it). Protected
 * accounts are refused with a message and an audit event.
 */
#include "cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_util.h"
#include "util/log.h"

const char cmd_close_usage[] =
        "usage: sandboxctl close ACCOUNT... [--yes] [--no-wait] [--dry-run] [--json]";

#define CLOSE_PRIORITY 50

int
cmd_close(struct sbx_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "yes", no_argument, NULL, 'y' },
        { "no-wait", no_argument, NULL, 'W' },
        { "dry-run", no_argument, NULL, 'n' },
        { "json", no_argument, NULL, 'j' },
        { NULL, 0, NULL, 0 },
    };
    struct cmd_close_item *items = NULL;
    struct cmd_events ev = { 0 };
    struct engine *e = NULL;
    bool yes = false, wait = true, dry_run = false, json = false;
    size_t n = 0;
    char prompt[200];
    int ch, rc = SBX_EXIT_FAILURE;

    while ((ch = getopt_long(argc, argv, "yWnj", opts, NULL)) != -1) {
        switch (ch) {
        case 'y':
            yes = true;
            break;
        case 'W':
            wait = false;
            break;
        case 'n':
            dry_run = true;
            break;
        case 'j':
            json = true;
            break;
        default:
            return cmd_usage_error(cmd_close_usage, NULL);
        }
    }
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
    if (!yes && !dry_run) {
        snprintf(prompt, sizeof(prompt), "nuke and close %zu account%s?", n, n == 1 ? "" : "s");
        if (!cmd_confirm(prompt)) {
            rc = cmd_usage_error(cmd_close_usage,
                                 "close: not confirmed (pass --yes when not on a terminal)");
            goto out;
        }
    }
    ev.json = json;
    rc = cmd_engine_open(ctx, "close", dry_run, &ev, &e);
    if (rc != 0)
        goto out;
    rc = cmd_close_accounts(ctx, "close", e, items, n, "manual", CLOSE_PRIORITY, wait, dry_run,
                            json, NULL, &ev);
out:
    for (size_t i = 0; i < n; i++)
        store_account_release(&items[i].a);
    free(items);
    cJSON_Delete(ev.array);
    engine_free(e);
    return rc;
}
