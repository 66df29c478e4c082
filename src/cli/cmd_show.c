/*
 * cmd_show.c -- `sandboxctl show ACCOUNT`: one account, its tags at AWS, its hook runs (with
 * the tail of their output) and its history from the audit log.
 *
 * The record comes from the store; the tags are read live (ListTagsForResource) because they
 * are what protection is decided on. When they cannot be read (no credentials, AWS down) the
 * rest is still shown and the tags say why they are missing. Every value is printed escaped
 * (util/text.h): an owner, a hook's output or an AWS message cannot drive the terminal.
 */
#include "cli/cmd.h"

#include <stdio.h>
#include <string.h>

#include "aws/orgs.h"
#include "cli/cmd_util.h"
#include "engine/engine_budget.h"
#include "engine/engine_state.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/money.h"
#include "util/text.h"

const char cmd_show_usage[] = "usage: sandboxctl show ACCOUNT [--json]";

struct show_ctx {
    bool json;
    cJSON *arr;
};

/* The account's tags at AWS, or why they are not known. */
struct show_tags {
    struct orgs_tag *tags;
    size_t n;
    bool known;
    char why[400]; /* when !known */
};

/* "label         value" with the value escaped. */
static void
field(const char *label, const char *value)
{
    printf("%-14s", label);
    text_fputs(value, stdout);
    putchar('\n');
}

/* key: a positive amount as a "12.34" string, else null (no budget). */
static void
json_usd(cJSON *o, const char *key, int64_t cents)
{
    char amount[32];

    if (cents > 0)
        cJSON_AddStringToObject(o, key, money_format_plain(cents, amount, sizeof(amount)));
    else
        cJSON_AddNullToObject(o, key);
}

static void
read_tags(struct sbx_ctx *ctx, const struct store_account *a, struct show_tags *t)
{
    struct sbx_err err = { 0 };
    struct orgs_opts opts;
    struct orgs *o = NULL;
    if (a->account_id[0] == '\0') {
        snprintf(t->why, sizeof(t->why), "no account at AWS yet");
        return;
    }
    if (a->state == ENGINE_S_GONE || a->state == ENGINE_S_FAILED) {
        snprintf(t->why, sizeof(t->why), "the account has left the organization");
        return;
    }
    cmd_orgs_opts(ctx->cfg, &opts);
    if (orgs_new(&opts, &ctx->clock, &o, &err) != 0 ||
        orgs_list_tags(o, a->account_id, &t->tags, &t->n, &err) != 0) {
        text_format(t->why, sizeof(t->why), "cannot read them: %s", err.msg);
        log_warn("show: cannot read the tags of %s: %s", a->account_id, err.msg);
    } else {
        t->known = true;
    }
    orgs_free(o);
}

static int
hook_row(void *arg, const struct store_hook_run *r)
{
    struct show_ctx *sc = arg;
    char started[32], ended[32];

    if (sc->json) {
        cJSON *o = cJSON_CreateObject();

        if (o == NULL)
            return -1;
        cJSON_AddStringToObject(o, "event", r->event);
        cJSON_AddNumberToObject(o, "attempt", (double)r->attempt);
        cJSON_AddStringToObject(o, "status", r->status);
        cJSON_AddNumberToObject(o, "exit_status", (double)r->exit_status);
        cmd_json_time(o, "started_at", r->started_at);
        cmd_json_time(o, "ended_at", r->ended_at);
        cJSON_AddStringToObject(o, "log", r->log_path != NULL ? r->log_path : "");
        cJSON_AddStringToObject(o, "tail", r->tail != NULL ? r->tail : "");
        if (r->result != NULL && r->result[0] != '\0') {
            /* Stored only after the runner validated it; kept as text if that ever fails. */
            cJSON *doc = cJSON_Parse(r->result);

            if (doc != NULL)
                cJSON_AddItemToObject(o, "result", doc);
            else
                cJSON_AddStringToObject(o, "result", r->result);
        }
        cJSON_AddItemToArray(sc->arr, o);
        return 0;
    }
    printf("  %s  %-14s attempt %lld  %-8s",
           cmd_time(r->started_at, started, sizeof(started), false), r->event,
           (long long)r->attempt, r->status);
    if (strcmp(r->status, "ok") != 0 && strcmp(r->status, "running") != 0)
        printf(" (exit %lld)", (long long)r->exit_status);
    if (r->ended_at > 0)
        printf("  ended %s", cmd_time(r->ended_at, ended, sizeof(ended), false));
    printf("\n");
    if (r->log_path != NULL && r->log_path[0] != '\0') {
        printf("    log: ");
        text_fputs(r->log_path, stdout);
        putchar('\n');
    }
    if (r->result != NULL && r->result[0] != '\0') {
        printf("    result: ");
        text_fputs(r->result, stdout);
        putchar('\n');
    }
    if (r->tail != NULL && r->tail[0] != '\0') {
        const char *p = r->tail;

        /* A hook's output, line by line, each escaped: it cannot drive the terminal. */
        while (*p != '\0') {
            const char *nl = strchr(p, '\n');
            size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);

            printf("    | ");
            text_fwrite(p, len, stdout);
            putchar('\n');
            p += len;
            if (*p == '\n')
                p++;
        }
    }
    return 0;
}

static int
audit_row(void *arg, const struct store_audit_row *r)
{
    struct show_ctx *sc = arg;
    char ts[32];

    if (sc->json) {
        cJSON *o = cmd_audit_json(r, false);

        if (o == NULL)
            return -1;
        cJSON_AddItemToArray(sc->arr, o);
        return 0;
    }
    printf("  %s  ", cmd_time(r->ts, ts, sizeof(ts), false));
    cmd_audit_line(r);
    return 0;
}

int
cmd_show(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct store_account a = { 0 };
    struct sbx_err err = { 0 };
    struct show_ctx sc = { 0 };
    struct show_tags tags = { 0 };
    struct engine_budget_status bs;
    struct engine_aws_budget_status ab;
    int64_t now;
    char b1[32], b2[32];
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_JSON(&sc.json),
        CMD_OPT_END_ONE("ACCOUNT"),
    };

    if ((rc = cmd_parse_opts("show", cmd_show_usage, opt, argc, argv)) != 0)
        return rc;
    rc = cmd_open_one_account(ctx, "show", argv[optind], false, NULL, &a, NULL);
    if (rc != 0)
        return rc;
    now = (int64_t)clock_now(&ctx->clock);
    if (engine_budget_status(ctx->cfg, ctx->store, &a, &bs, &err) != 0 ||
        engine_aws_budget_status(ctx->store, &a, &ab, &err) != 0)
        goto fail;
    read_tags(ctx, &a, &tags);
    if (sc.json) {
        cJSON *o = cmd_account_json(&a), *to;

        if (o == NULL)
            goto nomem;
        if (tags.known) {
            to = cJSON_AddObjectToObject(o, "tags");
            for (size_t i = 0; to != NULL && i < tags.n; i++)
                cJSON_AddStringToObject(to, tags.tags[i].key, tags.tags[i].value);
        } else {
            cJSON_AddNullToObject(o, "tags");
            cJSON_AddStringToObject(o, "tags_unavailable", tags.why);
        }
        if (bs.limit > 0 || bs.checked_at > 0) {
            cJSON *bo = cJSON_AddObjectToObject(o, "budget");

            if (bo != NULL) {
                json_usd(bo, "limit_usd", bs.limit);
                cJSON_AddBoolToObject(bo, "own", bs.own);
                cJSON_AddStringToObject(bo, "spent_usd",
                                        money_format_plain(bs.spent, b1, sizeof(b1)));
                cJSON_AddStringToObject(bo, "period", bs.period);
                cJSON_AddNumberToObject(bo, "warned_pct", bs.warned);
                cJSON_AddBoolToObject(bo, "exceeded", bs.exceeded);
                cmd_json_time(bo, "checked_at", bs.checked_at);
            }
        } else {
            cJSON_AddNullToObject(o, "budget");
        }
        if (ab.known) {
            cJSON *bo = cJSON_AddObjectToObject(o, "aws_budget");

            if (bo != NULL) {
                cJSON_AddStringToObject(bo, "name", ab.name);
                cJSON_AddStringToObject(bo, "state", ab.state);
                json_usd(bo, "limit_usd", ab.want);
                cJSON_AddNumberToObject(bo, "attempts", ab.attempts);
                if (ab.error[0] != '\0') {
                    cJSON_AddStringToObject(bo, "last_error", ab.error);
                    cmd_json_time(bo, "retry_at", ab.due_at);
                }
            }
        } else {
            cJSON_AddNullToObject(o, "aws_budget");
        }
        sc.arr = cJSON_AddArrayToObject(o, "hook_runs");
        if (sc.arr == NULL || store_hook_runs(ctx->store, a.id, 20, hook_row, &sc, &err) != 0) {
            cJSON_Delete(o);
            goto fail;
        }
        sc.arr = cJSON_AddArrayToObject(o, "history");
        if (sc.arr == NULL || store_audit_list(ctx->store, a.id, 0, audit_row, &sc, &err) != 0) {
            cJSON_Delete(o);
            goto fail;
        }
        if (cmd_json_print(o) != 0)
            goto nomem;
        rc = SBX_EXIT_OK;
        goto out;
    }
    printf("id            #%lld\n", (long long)a.id);
    field("account", a.account_id[0] != '\0' ? a.account_id : "-");
    field("email", a.email);
    field("name", a.name);
    field("owner", a.owner);
    printf("%-14s", "kind");
    text_fputs(a.kind, stdout);
    printf("%s\n", a.adopted ? " (adopted)" : "");
    if (a.class_name != NULL) {
        printf("%-14s", "class");
        text_fputs(a.class_name, stdout);
        printf(" seat %lld\n", (long long)a.seat);
    }
    printf("%-14s%s", "state", engine_state_name(a.state));
    if (a.reason[0] != '\0') {
        putchar(' ');
        text_fputs(a.reason, stdout);
    }
    putchar('\n');
    printf("expires       %s (%s)\n", cmd_time(a.expires_at, b1, sizeof(b1), true),
           cmd_rel(a.expires_at, now, b2, sizeof(b2)));
    if (bs.limit > 0 || bs.checked_at > 0) {
        char lim[32], sp[32];

        printf("budget        %s spent of %s (%s", money_format(bs.spent, sp, sizeof(sp)),
               bs.limit > 0 ? money_format(bs.limit, lim, sizeof(lim)) : "no budget",
               bs.own ? "its own" : "the kind's");
        if (bs.period[0] != '\0')
            printf(", period %s", bs.period);
        if (bs.warned > 0)
            printf(", warned at %d%%", bs.warned);
        if (bs.exceeded)
            printf(", over budget");
        printf(bs.checked_at > 0 ? ", checked %s)\n" : ", not checked yet)\n",
               cmd_time(bs.checked_at, b1, sizeof(b1), false));
    }
    if (ab.known) {
        char lim[32];

        printf("aws budget    %s, %s", ab.name, ab.state);
        if (ab.want > 0)
            printf(", %s", money_format(ab.want, lim, sizeof(lim)));
        if (ab.error[0] != '\0') {
            printf(", %d failed attempt%s, again %s: ", ab.attempts, ab.attempts == 1 ? "" : "s",
                   cmd_time(ab.due_at, b1, sizeof(b1), false));
            text_fputs(ab.error, stdout);
        }
        putchar('\n');
    }
    printf("created       %s\n", cmd_time(a.created_at, b1, sizeof(b1), false));
    if (a.active_at > 0)
        printf("active since  %s\n", cmd_time(a.active_at, b1, sizeof(b1), false));
    if (a.closed_at > 0)
        printf("closed        %s\n", cmd_time(a.closed_at, b1, sizeof(b1), false));
    if (a.due_at > 0)
        printf("next action   %s (%s)\n", cmd_time(a.due_at, b1, sizeof(b1), false),
               cmd_rel(a.due_at, now, b2, sizeof(b2)));
    if (a.attempts > 0)
        printf("attempts      %lld\n", (long long)a.attempts);
    if (a.state == ENGINE_S_PROTECTED && a.last_error[0] != '\0') {
        printf("%-14s", "protected");
        text_fputs(a.last_error, stdout);
        printf(" (not nuked, not closed)\n");
    } else if (a.last_error[0] != '\0') {
        field("last error", a.last_error);
    }
    if (a.request_id != NULL)
        field("request", a.request_id);
    if (!tags.known) {
        printf("tags          (");
        text_fputs(tags.why, stdout);
        printf(")\n");
    } else if (tags.n == 0) {
        printf("tags          none\n");
    } else {
        for (size_t i = 0; i < tags.n; i++) {
            printf("%-14s", i == 0 ? "tags" : "");
            text_fputs(tags.tags[i].key, stdout);
            putchar('=');
            text_fputs(tags.tags[i].value, stdout);
            putchar('\n');
        }
    }
    printf("\nhook runs (newest first):\n");
    if (store_hook_runs(ctx->store, a.id, 10, hook_row, &sc, &err) != 0)
        goto fail;
    printf("\nhistory:\n");
    if (store_audit_list(ctx->store, a.id, 0, audit_row, &sc, &err) != 0)
        goto fail;
    rc = SBX_EXIT_OK;
    goto out;
nomem:
    sbx_err_nomem(&err);
fail:
    rc = cmd_fail("show", &err);
out:
    orgs_tags_free(tags.tags, tags.n);
    store_account_release(&a);
    return rc;
}
