/*
 * cmd_log.c -- `sandboxctl log`: the audit log (all of it, or one account's), and
 * `--verify`, which first checks the store file itself (PRAGMA quick_check: a damaged page is
 * named, not reported as a short but intact log), then walks the hash chain and names the
 * first event that was edited or deleted.
 */
#include "cli/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_util.h"
#include "util/duration.h"
#include "util/log.h"
#include "util/text.h"

const char cmd_log_usage[] = "usage: sandboxctl log [ACCOUNT] [--verify] [--limit N] [--json]";

struct log_ctx {
    bool json;
    size_t n;
};

static int
log_row(void *arg, const struct store_audit_row *r)
{
    struct log_ctx *lc = arg;
    char ts[32];

    if (lc->json) {
        cJSON *o = cmd_audit_json(r, true);
        char *text;

        if (o == NULL)
            return -1;
        cJSON_AddStringToObject(o, "hash", r->hash);
        text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (text == NULL)
            return -1;
        printf("%s    %s", lc->n > 0 ? ",\n" : "", text);
        cJSON_free(text);
    } else {
        printf("%6lld  %s  ", (long long)r->seq, cmd_time(r->ts, ts, sizeof(ts), false));
        if (r->account > 0)
            printf("#%-5lld %-12s ", (long long)r->account,
                   r->account_id[0] != '\0' ? r->account_id : "-");
        else
            printf("%-6s %-12s ", "-", "-");
        cmd_audit_line(r);
    }
    lc->n++;
    return 0;
}

static int
verify(struct sbx_ctx *ctx, bool json)
{
    struct store_audit_report r;
    struct sbx_err err = { 0 };
    char *head = NULL, why[512];
    bool intact;

    if (store_check_integrity(ctx->store, &intact, why, sizeof(why), &err) != 0)
        return cmd_fail("log", &err);
    if (!intact) {
        log_error("log: store '%s' is damaged (malformed: %s); the audit log cannot be "
                  "verified: restore a backup",
                  store_path(ctx->store), why);
        if (json) {
            cJSON *o = cJSON_CreateObject();

            if (o != NULL) {
                cJSON_AddBoolToObject(o, "ok", false);
                cJSON_AddStringToObject(o, "integrity", why);
            }
            cmd_json_print(o);
        }
        return SBX_EXIT_STORE;
    }
    if (store_audit_verify(ctx->store, &r, &err) != 0)
        return cmd_fail("log", &err);
    if (store_meta_get(ctx->store, "audit_head", &head, &err) != 0)
        return cmd_fail("log", &err);
    if (json) {
        cJSON *o = cJSON_CreateObject();

        if (o != NULL) {
            cJSON_AddBoolToObject(o, "ok", r.ok);
            cJSON_AddStringToObject(o, "integrity", "ok");
            cJSON_AddNumberToObject(o, "events", (double)r.rows);
            if (r.ok)
                cJSON_AddNullToObject(o, "bad_seq");
            else
                cJSON_AddNumberToObject(o, "bad_seq", (double)r.bad_seq);
            cJSON_AddStringToObject(o, "why", r.why);
            cJSON_AddStringToObject(o, "head", head != NULL ? head : "");
        }
        cmd_json_print(o);
    } else if (r.ok) {
        printf("audit log ok: %lld events, head %s\n", (long long)r.rows,
               head != NULL ? head : "(empty)");
    }
    free(head);
    if (!r.ok) {
        log_error("log: audit log verification failed at event %lld: %s", (long long)r.bad_seq,
                  r.why);
        return SBX_EXIT_STORE;
    }
    return SBX_EXIT_OK;
}

int
cmd_log(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct store_account a = { 0 };
    struct log_ctx lc = { 0 };
    struct sbx_err err = { 0 };
    bool do_verify = false;
    int64_t limit = 0;
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_JSON(&lc.json),
        { .name = "verify", 'v', CMD_OPT_SET, &do_verify },
        { .name = "limit", 'l', CMD_OPT_INT, &limit, .min = 1, .max = INT64_MAX },
        CMD_OPT_END,
    };

    if ((rc = cmd_parse_opts("log", cmd_log_usage, opt, argc, argv)) != 0)
        return rc;
    if (argc - optind > 1)
        return cmd_usage_error(cmd_log_usage, "log: at most one ACCOUNT");
    if (do_verify) {
        if (argc - optind != 0)
            return cmd_usage_error(cmd_log_usage, "log: --verify checks the whole log");
        return verify(ctx, lc.json);
    }
    if (argc - optind == 1) {
        rc = cmd_find_account(ctx, "log", argv[optind], &a);
        if (rc != 0)
            return rc;
    }
    if (lc.json)
        printf("{\n  \"events\": [\n");
    if (store_audit_list(ctx->store, a.id, limit, log_row, &lc, &err) != 0) {
        store_account_release(&a);
        if (err.code == SBX_E_OK)
            sbx_err_nomem(&err);
        return cmd_fail("log", &err);
    }
    if (lc.json)
        printf("%s  ],\n  \"count\": %zu\n}\n", lc.n > 0 ? "\n" : "", lc.n);
    store_account_release(&a);
    return SBX_EXIT_OK;
}
