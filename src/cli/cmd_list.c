/*
 * cmd_list.c -- `sandboxctl list`: managed accounts, filtered, as a table or JSON.
 *
 * Rows stream from the store: JSON is written one account object at a time, so listing
 * 100,000 accounts does not build one huge document in memory.
 */
#include "cli/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cli/cmd_util.h"
#include "engine/engine_alias.h"
#include "engine/engine_state.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/grow.h"
#include "util/log.h"
#include "util/money.h"

/* `list --json` output buffer: a handful of large writes for 50 MB of JSON. */
#define CMD_LIST_BUF (256 * 1024)

const char cmd_list_usage[] =
        "usage: sandboxctl list [--owner EMAIL | --pool] [--kind KIND] [--state STATE]\n"
        "                       [--class CLASS] [--expiring-within DURATION] [--all] [--json]";

struct class_name {
    int64_t id;
    char *name;
};

struct list_ctx {
    bool json;
    size_t n;
    struct cmd_table *t;
    int64_t now;
    struct class_name *classes; /* the few classes, to name each row's class_id */
    size_t nclasses;
    struct jsonw w;                /* JSON output */
    struct cmd_time_cache expires; /* the table's EXPIRES column */
    /* Budgets (some kind or account has one): the SPEND column, spent_usd and budget_usd. */
    const struct sbx_config *cfg;
    bool budgets;
    struct list_budget *bud; /* by row id, ascending (store_budget_all's order) */
    size_t nbud, capbud;
};

struct list_budget {
    int64_t account, limit, spent;
};

static int
add_budget(void *arg, int64_t account, const struct store_budget *b)
{
    struct list_ctx *lc = arg;
    struct list_budget *grown = grow_array(lc->bud, lc->nbud, &lc->capbud, sizeof(*grown));

    if (grown == NULL)
        return -1;
    lc->bud = grown;
    lc->bud[lc->nbud].account = account;
    lc->bud[lc->nbud].limit = b->limit;
    lc->bud[lc->nbud].spent = b->spent;
    lc->nbud++;
    if (b->limit > 0)
        lc->budgets = true;
    return 0;
}

/* Row a's spend at the last check and budget in force ("-" each when none). */
static void
row_budget(const struct list_ctx *lc, const struct store_account *a, char spent[32], char limit[32])
{
    const struct cfg_kind *k = cfg_kind_find(lc->cfg, a->kind);
    int64_t lim = k != NULL ? k->budget.limit : 0, sp = -1;
    size_t lo = 0, hi = lc->nbud;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (lc->bud[mid].account < a->id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < lc->nbud && lc->bud[lo].account == a->id) {
        sp = lc->bud[lo].spent;
        if (lc->bud[lo].limit > 0)
            lim = lc->bud[lo].limit;
    }
    snprintf(spent, 32, "-");
    snprintf(limit, 32, "-");
    if (sp >= 0)
        money_format_plain(sp, spent, 32);
    if (lim > 0)
        money_format_plain(lim, limit, 32);
}

static int
add_class(void *arg, const struct store_class *c)
{
    struct list_ctx *lc = arg;
    struct class_name *grown = realloc(lc->classes, (lc->nclasses + 1) * sizeof(*grown));

    if (grown == NULL)
        return -1;
    lc->classes = grown;
    lc->classes[lc->nclasses].id = c->id;
    lc->classes[lc->nclasses].name = strdup(c->name);
    if (lc->classes[lc->nclasses].name == NULL)
        return -1;
    lc->nclasses++;
    return 0;
}

static int
list_row(void *arg, const struct store_account *row)
{
    struct list_ctx *lc = arg;
    struct store_account copy = *row;
    const struct store_account *a = &copy;

    for (size_t i = 0; row->class_id > 0 && i < lc->nclasses; i++) {
        if (lc->classes[i].id == row->class_id)
            copy.class_name = lc->classes[i].name;
    }

    if (lc->json) {
        static const char first[] = "    {", next[] = ",\n    {";

        if (lc->n > 0)
            jsonw_raw(&lc->w, next, sizeof(next) - 1);
        else
            jsonw_raw(&lc->w, first, sizeof(first) - 1);
        cmd_account_json_write(&lc->w, a);
        if (lc->budgets) {
            char spent[32], limit[32], more[128];
            int k;

            row_budget(lc, a, spent, limit);
            k = snprintf(more, sizeof(more), ", \"spent_usd\": %s%s%s, \"budget_usd\": %s%s%s",
                         *spent == '-' ? "" : "\"", *spent == '-' ? "null" : spent,
                         *spent == '-' ? "" : "\"", *limit == '-' ? "" : "\"",
                         *limit == '-' ? "null" : limit, *limit == '-' ? "" : "\"");
            jsonw_raw(&lc->w, more, (size_t)k);
        }
        jsonw_raw(&lc->w, "}", 1);
        if (lc->w.failed)
            return -1;
    } else {
        char id[1 + JSONW_INT_MAX + 1];
        const char *cells[10];
        char spent[32], limit[32], spend[72];

        id[0] = '#';
        *jsonw_int_into(id + 1, a->id) = '\0';
        cells[0] = id;
        cells[1] = a->account_id;
        cells[2] = engine_state_name(a->state);
        cells[3] = a->kind;
        cells[4] = a->owner;
        cells[5] = a->expires_at > 0 ? cmd_time_cached(&lc->expires, a->expires_at) : "never";
        cells[6] = a->class_name;
        cells[7] = a->email;
        cells[8] = NULL;
        if (lc->budgets) {
            row_budget(lc, a, spent, limit);
            snprintf(spend, sizeof(spend), "%s/%s", spent, limit);
            cells[8] = strcmp(spend, "-/-") == 0 ? "-" : spend;
            cells[9] = NULL;
        }
        if (cmd_table_add(lc->t, cells) != 0)
            return -1;
    }
    lc->n++;
    return 0;
}

/* --owner: normalised into target (ALIAS_OWNER_MAX + 1 bytes). */
static int
take_owner(const struct cmd_opt *o, const char *arg, char *why, size_t n)
{
    struct sbx_err err = { 0 };

    if (engine_alias_normalize_owner(arg, NULL, o->target, ALIAS_OWNER_MAX + 1, &err) != 0) {
        snprintf(why, n, "list: %s", err.msg);
        return -1;
    }
    return 0;
}

/* --kind: a kind of the configuration (data). */
static int
take_kind(const struct cmd_opt *o, const char *arg, char *why, size_t n)
{
    if (cfg_kind_find(o->data, arg) == NULL) {
        snprintf(why, n, "list: unknown kind '%s'", arg);
        return -1;
    }
    *(const char **)o->target = arg;
    return 0;
}

/* --state: a state name, into the filter (target). */
static int
take_state(const struct cmd_opt *o, const char *arg, char *why, size_t n)
{
    struct store_filter *f = o->target;

    if (engine_state_parse(arg, &f->state) != 0) {
        snprintf(why, n,
                 "list: unknown state '%s' (requested, creating, active, expiring, nuking, "
                 "nuke_failed, close_wait, closing, suspended, gone, failed, protected, "
                 "released, close_failed, pooled, freezing, frozen)",
                 arg);
        return -1;
    }
    f->by_state = true;
    return 0;
}

int
cmd_list(struct sbx_ctx *ctx, int argc, char **argv)
{
    static const char *const headers[] = { "ID",      "ACCOUNT", "STATE", "KIND", "OWNER",
                                           "EXPIRES", "CLASS",   "EMAIL", NULL,   NULL };
    static const char *const headers_spend[] = { "ID",      "ACCOUNT", "STATE", "KIND",  "OWNER",
                                                 "EXPIRES", "CLASS",   "EMAIL", "SPEND", NULL };
    struct store_filter f = { 0 };
    struct list_ctx lc = { .expires = CMD_TIME_CACHE_INIT };
    struct sbx_err err = { 0 };
    char owner[ALIAS_OWNER_MAX + 1];
    const char *class_name = NULL;
    int64_t within = -1;
    bool pool = false;
    const struct cmd_opt opt[] = {
        CMD_OPT_JSON(&lc.json),
        { .name = "owner", 'o', CMD_OPT_CALL, owner, .fn = take_owner, .whole_msg = true },
        { .name = "kind",
          'k',
          CMD_OPT_CALL,
          &f.kind,
          .fn = take_kind,
          .data = ctx->cfg,
          .whole_msg = true },
        { .name = "state", 's', CMD_OPT_CALL, &f, .fn = take_state, .whole_msg = true },
        { .name = "class", 'c', CMD_OPT_STRING, &class_name },
        { .name = "expiring-within", 'e', CMD_OPT_DURATION, &within },
        { .name = "all", 'a', CMD_OPT_SET, &f.all },
        { .name = "pool", 'p', CMD_OPT_SET, &pool },
        CMD_OPT_END_NO_OPERANDS,
    };
    int rc;

    owner[0] = '\0';
    rc = cmd_parse_opts("list", cmd_list_usage, opt, argc, argv);
    if (rc != 0)
        return rc;
    if (owner[0] != '\0')
        f.owner = owner;
    if (pool && f.owner != NULL)
        return cmd_usage_error(cmd_list_usage,
                               "list: --pool and --owner exclude each other (pool accounts "
                               "have no owner)");
    if (pool)
        f.owner = ""; /* the kinds' warm pools: accounts without an owner */
    if (within >= 0) {
        lc.now = (int64_t)clock_now(&ctx->clock);
        f.expires_before = lc.now + within;
    }
    if (store_class_list(ctx->store, add_class, &lc, &err) != 0)
        goto fail;
    lc.cfg = ctx->cfg;
    for (int i = 0; i < ctx->cfg->nkinds; i++)
        lc.budgets = lc.budgets || ctx->cfg->kinds[i].budget.limit > 0;
    if (store_budget_all(ctx->store, add_budget, &lc, &err) != 0)
        goto fail;
    if (class_name != NULL) {
        f.class_id = -1; /* an unknown class matches nothing */
        for (size_t i = 0; i < lc.nclasses; i++) {
            if (strcmp(lc.classes[i].name, class_name) == 0)
                f.class_id = lc.classes[i].id;
        }
    }
    if (lc.json) {
        static const char head[] = "{\n  \"accounts\": [\n";

        if (jsonw_init(&lc.w, stdout, CMD_LIST_BUF) != 0)
            goto nomem;
        jsonw_raw(&lc.w, head, sizeof(head) - 1);
    } else {
        lc.t = cmd_table_new(lc.budgets ? headers_spend : headers);
        if (lc.t == NULL)
            goto nomem;
    }
    if (f.class_id != -1 &&
        store_account_list_brief(ctx->store, &f, !lc.json, list_row, &lc, &err) != 0)
        goto fail;
    if (lc.json) {
        char tail[64];
        int k = snprintf(tail, sizeof(tail), "%s  ],\n  \"count\": %zu\n}\n", lc.n > 0 ? "\n" : "",
                         lc.n);

        jsonw_raw(&lc.w, tail, (size_t)k);
        if (jsonw_flush(&lc.w) != 0)
            goto fail;
    } else if (lc.n > 0) {
        cmd_table_print(lc.t, stdout);
    } else {
        printf("no accounts\n");
    }
    rc = SBX_EXIT_OK;
    goto out;
nomem:
    sbx_err_nomem(&err);
fail:
    if (err.code == SBX_E_OK && ferror(stdout)) {
        /* The JSON writer hit a write error: main() reports it, as for every command. */
        rc = SBX_EXIT_FAILURE;
    } else {
        if (err.code == SBX_E_OK)
            sbx_err_nomem(&err);
        rc = cmd_fail("list", &err);
    }
out:
    jsonw_release(&lc.w);
    cmd_table_free(lc.t);
    for (size_t i = 0; i < lc.nclasses; i++)
        free(lc.classes[i].name);
    free(lc.classes);
    free(lc.bud);
    return rc;
}
