/*
 * cmd_spend.c -- `sandboxctl spend`: what the managed accounts cost over a period, by owner,
 * kind and class, for chargeback. Reads the spend `run` stored per account and day (Cost
 * Explorer's UnblendedCost, in cents); nothing is asked of AWS here.
 */
#include "cli/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_util.h"
#include "engine/engine_budget.h"
#include "store/store.h"
#include "util/csv.h"
#include "util/duration.h"
#include "util/grow.h"
#include "util/money.h"

const char cmd_spend_usage[] =
        "usage: sandboxctl spend [--since DAY] [--until DAY] [--by owner | kind | class]\n"
        "                        [--csv | --json]";

struct spend_line {
    char *owner, *kind, *class_name;
    int64_t accounts, cents;
};

struct spend_rep {
    struct spend_line *v;
    size_t n, cap;
    const char *by; /* NULL: owner, kind and class */
    int64_t total;
};

static const char *
key_of(const struct spend_rep *r, const struct store_spend_row *row)
{
    if (strcmp(r->by, "owner") == 0)
        return row->owner;
    if (strcmp(r->by, "kind") == 0)
        return row->kind;
    return row->class_name;
}

static int
add_row(void *arg, const struct store_spend_row *row)
{
    struct spend_rep *r = arg;
    struct spend_line *l = NULL;

    r->total += row->cents;
    if (r->by != NULL) {
        for (size_t i = 0; i < r->n; i++)
            if (strcmp(r->v[i].owner, key_of(r, row)) == 0)
                l = &r->v[i];
    }
    if (l == NULL) {
        struct spend_line *nv = grow_array(r->v, r->n, &r->cap, sizeof(*nv));

        if (nv == NULL)
            return -1;
        r->v = nv;
        l = &r->v[r->n++];
        memset(l, 0, sizeof(*l));
        l->owner = strdup(r->by != NULL ? key_of(r, row) : row->owner);
        l->kind = strdup(row->kind);
        l->class_name = strdup(row->class_name);
        if (l->owner == NULL || l->kind == NULL || l->class_name == NULL)
            return -1;
    }
    l->accounts += row->accounts;
    l->cents += row->cents;
    return 0;
}

static void
rep_free(struct spend_rep *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].owner);
        free(r->v[i].kind);
        free(r->v[i].class_name);
    }
    free(r->v);
}

/* The header and one line's fields, as the table, the CSV and the JSON name them. */
static size_t
fields(const struct spend_rep *r, const struct spend_line *l, const char **name, const char **val,
       char amount[32], char count[32])
{
    size_t n = 0;

    if (r->by == NULL || strcmp(r->by, "owner") == 0) {
        name[n] = "owner";
        val[n++] = l != NULL ? l->owner : NULL;
    }
    if (r->by == NULL || strcmp(r->by, "kind") == 0) {
        name[n] = "kind";
        val[n++] = l != NULL ? (r->by != NULL ? l->owner : l->kind) : NULL;
    }
    if (r->by == NULL || strcmp(r->by, "class") == 0) {
        name[n] = "class";
        val[n++] = l != NULL ? (r->by != NULL ? l->owner : l->class_name) : NULL;
    }
    name[n] = "accounts";
    if (l != NULL)
        snprintf(count, 32, "%lld", (long long)l->accounts);
    val[n++] = count;
    name[n] = "spend_usd";
    if (l != NULL)
        money_format_plain(l->cents, amount, 32);
    val[n++] = amount;
    return n;
}

static int
spend_day_opt(const struct cmd_opt *o, const char *arg, char *why, size_t n)
{
    if (duration_parse_day(arg) == INT64_MIN) {
        snprintf(why, n, "'%s' is not a day YYYY-MM-DD that exists", arg);
        return -1;
    }
    *(const char **)o->target = arg;
    return 0;
}

static int
spend_by_opt(const struct cmd_opt *o, const char *arg, char *why, size_t n)
{
    if (strcmp(arg, "owner") != 0 && strcmp(arg, "kind") != 0 && strcmp(arg, "class") != 0) {
        snprintf(why, n, "must be owner, kind or class (got '%s')", arg);
        return -1;
    }
    *(const char **)o->target = arg;
    return 0;
}

int
cmd_spend(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct spend_rep r = { 0 };
    struct sbx_err err = { 0 };
    const char *since = NULL, *until = NULL, *name[5], *val[5];
    char since_buf[11], until_buf[11], amount[32], count[32];
    bool csv = false, json = false;
    int64_t now = (int64_t)clock_now(&ctx->clock);
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_JSON(&json),
        { .name = "csv", 0, CMD_OPT_SET, &csv },
        { .name = "since", 0, CMD_OPT_CALL, &since, .fn = spend_day_opt },
        { .name = "until", 0, CMD_OPT_CALL, &until, .fn = spend_day_opt },
        { .name = "by", 0, CMD_OPT_CALL, &r.by, .fn = spend_by_opt },
        CMD_OPT_END_NO_OPERANDS,
    };

    if ((rc = cmd_parse_opts("spend", cmd_spend_usage, opt, argc, argv)) != 0)
        return rc;
    if (csv && json)
        return cmd_usage_error(cmd_spend_usage, "spend: --csv and --json exclude each other");
    /* Default: this calendar month (UTC) up to and including today. */
    if (since == NULL) {
        engine_budget_day(now, since_buf);
        memcpy(since_buf + 8, "01", 3);
        since = since_buf;
    }
    if (until == NULL) {
        engine_budget_day(now + 86400, until_buf);
        until = until_buf;
    }
    if (strcmp(since, until) >= 0)
        return cmd_usage_error(cmd_spend_usage, "spend: --since %s is not before --until %s", since,
                               until);
    if (store_spend_report(ctx->store, since, until, add_row, &r, &err) != 0) {
        if (err.code == 0)
            sbx_err_nomem(&err);
        rc = cmd_fail("spend", &err);
        goto out;
    }
    if (json) {
        cJSON *o = cJSON_CreateObject(), *rows;

        if (o == NULL)
            goto nomem;
        cJSON_AddStringToObject(o, "since", since);
        cJSON_AddStringToObject(o, "until", until);
        cJSON_AddStringToObject(o, "by", r.by != NULL ? r.by : "owner,kind,class");
        rows = cJSON_AddArrayToObject(o, "rows");
        for (size_t i = 0; i < r.n && rows != NULL; i++) {
            cJSON *row = cJSON_CreateObject();
            size_t nf = fields(&r, &r.v[i], name, val, amount, count);

            cJSON_AddItemToArray(rows, row);
            for (size_t j = 0; j + 2 < nf; j++)
                cJSON_AddStringToObject(row, name[j], val[j]);
            cJSON_AddNumberToObject(row, "accounts", (double)r.v[i].accounts);
            cJSON_AddNumberToObject(row, "spend_cents", (double)r.v[i].cents);
            cJSON_AddStringToObject(row, "spend_usd", amount);
        }
        cJSON_AddNumberToObject(o, "total_cents", (double)r.total);
        cJSON_AddStringToObject(o, "total_usd",
                                money_format_plain(r.total, amount, sizeof(amount)));
        rc = cmd_json_print(o);
        goto out;
    }
    if (csv) {
        size_t nf = fields(&r, NULL, name, val, amount, count);

        for (size_t j = 0; j < nf; j++)
            if ((j > 0 && fputc(',', stdout) == EOF) || csv_write_field(stdout, name[j]) != 0)
                goto write_err;
        if (csv_end_record(stdout) != 0)
            goto write_err;
        for (size_t i = 0; i < r.n; i++) {
            nf = fields(&r, &r.v[i], name, val, amount, count);
            for (size_t j = 0; j < nf; j++)
                if ((j > 0 && fputc(',', stdout) == EOF) || csv_write_field(stdout, val[j]) != 0)
                    goto write_err;
            if (csv_end_record(stdout) != 0)
                goto write_err;
        }
        rc = SBX_EXIT_OK;
        goto out;
    }
    printf("spend %s .. %s (the days since <= day < until, UTC)\n", since, until);
    {
        size_t nf = fields(&r, NULL, name, val, amount, count);

        for (size_t j = 0; j < nf; j++)
            printf(j + 2 < nf ? "%-32s " : "%12s ", name[j]);
        printf("\n");
        for (size_t i = 0; i < r.n; i++) {
            nf = fields(&r, &r.v[i], name, val, amount, count);
            for (size_t j = 0; j < nf; j++)
                printf(j + 2 < nf ? "%-32s " : "%12s ", *val[j] != '\0' ? val[j] : "-");
            printf("\n");
        }
    }
    printf("total %s\n", money_format(r.total, amount, sizeof(amount)));
    rc = SBX_EXIT_OK;
    goto out;
write_err:
    sbx_err_set(&err, SBX_E_FAILURE, "cannot write the CSV to standard output");
    rc = cmd_fail("spend", &err);
    goto out;
nomem:
    sbx_err_nomem(&err);
    rc = cmd_fail("spend", &err);
out:
    rep_free(&r);
    return rc;
}
