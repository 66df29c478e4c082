/*
 * cmd_list.c -- `sandboxctl list`: managed accounts, filtered, as a table or JSON.
 *
 * Rows stream from the store: JSON is written one account object at a time, so listing
 * 100,000 accounts does not build one huge document in memory.
 */
#include "cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "cmd_util.h"
#include "engine/engine_alias.h"
#include "engine/engine_state.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/log.h"

const char cmd_list_usage[] =
        "usage: sandboxctl list [--owner EMAIL] [--kind KIND] [--state STATE] [--class CLASS]\n"
        "                       [--expiring-within DURATION] [--all] [--json]";

struct list_ctx {
    bool json;
    size_t n;
    struct table *t;
    int64_t now;
};

static int
list_row(void *arg, const struct store_account *a)
{
    struct list_ctx *lc = arg;

    if (lc->json) {
        cJSON *o = cmd_account_json(a);
        char *text = o != NULL ? cJSON_PrintUnformatted(o) : NULL;

        cJSON_Delete(o);
        if (text == NULL)
            return -1;
        printf("%s    %s", lc->n > 0 ? ",\n" : "", text);
        cJSON_free(text);
    } else {
        char id[24], exp[32];
        const char *cells[9];

        snprintf(id, sizeof(id), "#%lld", (long long)a->id);
        cells[0] = id;
        cells[1] = a->account_id;
        cells[2] = a->state;
        cells[3] = a->kind;
        cells[4] = a->owner;
        cells[5] = cmd_time(a->expires_at, exp, sizeof(exp), true);
        cells[6] = a->class_name;
        cells[7] = a->email;
        cells[8] = NULL;
        if (table_add(lc->t, cells) != 0)
            return -1;
    }
    lc->n++;
    return 0;
}

int
cmd_list(struct sbx_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        { "owner", required_argument, NULL, 'o' },
        { "kind", required_argument, NULL, 'k' },
        { "state", required_argument, NULL, 's' },
        { "class", required_argument, NULL, 'c' },
        { "expiring-within", required_argument, NULL, 'e' },
        { "all", no_argument, NULL, 'a' },
        { "json", no_argument, NULL, 'j' },
        { NULL, 0, NULL, 0 },
    };
    static const char *const headers[] = { "ID",      "ACCOUNT", "STATE", "KIND", "OWNER",
                                           "EXPIRES", "CLASS",   "EMAIL", NULL };
    struct store_filter f = { 0 };
    struct list_ctx lc = { 0 };
    struct sbx_err err = { 0 };
    char owner[ALIAS_OWNER_MAX + 1];
    int64_t within = -1;
    int ch, rc;

    /* 0, not 1: glibc re-initialises getopt, so options may follow operands (main() parsed
     * the global options in "+" mode, which glibc would otherwise keep). */
    optind = 0;
    while ((ch = getopt_long(argc, argv, "o:k:s:c:e:aj", opts, NULL)) != -1) {
        switch (ch) {
        case 'o':
            if (alias_normalize_owner(optarg, NULL, owner, sizeof(owner), &err) != 0)
                return cmd_usage_error(cmd_list_usage, "list: %s", err.msg);
            f.owner = owner;
            break;
        case 'k':
            if (cfg_kind_find(ctx->cfg, optarg) == NULL)
                return cmd_usage_error(cmd_list_usage, "list: unknown kind '%s'", optarg);
            f.kind = optarg;
            break;
        case 's': {
            enum engine_state s;

            if (engine_state_parse(optarg, &s) != 0)
                return cmd_usage_error(cmd_list_usage,
                                       "list: unknown state '%s' (requested, creating, active, "
                                       "expiring, nuking, nuke_failed, close_wait, closing, "
                                       "suspended, gone, failed, protected)",
                                       optarg);
            f.state = optarg;
            break;
        }
        case 'c':
            f.class_name = optarg;
            break;
        case 'e':
            if (duration_parse(optarg, &within, &err) != 0)
                return cmd_usage_error(cmd_list_usage, "list: --expiring-within: %s", err.msg);
            break;
        case 'a':
            f.all = true;
            break;
        case 'j':
            lc.json = true;
            break;
        default:
            return cmd_usage_error(cmd_list_usage, NULL);
        }
    }
    if (optind != argc)
        return cmd_usage_error(cmd_list_usage, "unexpected argument '%s'", argv[optind]);
    cmd_sync_clock(ctx);
    lc.now = (int64_t)clock_now(&ctx->clock);
    if (within >= 0)
        f.expires_before = lc.now + within;
    if (lc.json) {
        printf("{\n  \"accounts\": [\n");
    } else {
        lc.t = table_new(headers);
        if (lc.t == NULL) {
            log_error("list: out of memory");
            return SBX_EXIT_FAILURE;
        }
    }
    if (store_account_list(ctx->store, &f, list_row, &lc, &err) != 0) {
        table_free(lc.t);
        if (err.code == SBX_E_OK)
            sbx_err_set(&err, SBX_E_NOMEM, "out of memory");
        return cmd_fail("list", &err);
    }
    if (lc.json) {
        printf("%s  ],\n  \"count\": %zu\n}\n", lc.n > 0 ? "\n" : "", lc.n);
        rc = SBX_EXIT_OK;
    } else {
        if (lc.n > 0)
            table_print(lc.t, stdout);
        else
            printf("no accounts\n");
        table_free(lc.t);
        rc = SBX_EXIT_OK;
    }
    return rc;
}
