/*
 * cmd_quota.c -- `sandboxctl quota`: the close quota (used, free), closures in flight, and the
 * close queue with when each queued account is expected to close, and the kinds' warm pools
 * (what a shrunk pool will close at the next run, before it happens).
 */
#include "cli/cmd.h"

#include <stdio.h>

#include "cfg.h"
#include "cli/cmd_util.h"
#include "engine/engine_pool.h"
#include "util/log.h"

const char cmd_quota_usage[] = "usage: sandboxctl quota [--json]";

/* One kind's warm pool as quota shows it. */
struct pool_line {
    const char *kind;
    int size;
    struct engine_pool_count c;
    int64_t cancel; /* surplus requests not sent yet: cancelled, nothing to close */
    int64_t close;  /* surplus accounts that will close (against the close quota) */
};

/* The kinds with a pool, or with pool accounts left after their pool was removed. */
static int
pool_lines(struct engine *e, const struct sbx_config *cfg, struct pool_line *out, int *n,
           struct sbx_err *err)
{
    *n = 0;
    for (int i = 0; i < cfg->nkinds; i++) {
        struct pool_line *l = &out[*n];
        int64_t have, surplus;

        l->kind = cfg->kinds[i].name;
        l->size = cfg->kinds[i].pool_size;
        if (engine_pool_count(e, l->kind, &l->c, err) != 0)
            return -1;
        have = l->c.requested + l->c.creating + l->c.ready;
        if (l->size == 0 && have == 0)
            continue;
        surplus = have > l->size ? have - l->size : 0;
        l->cancel = surplus < l->c.requested ? surplus : l->c.requested;
        l->close = surplus - l->cancel;
        (*n)++;
    }
    return 0;
}

int
cmd_quota(struct sbx_ctx *ctx, int argc, char **argv)
{
    static const char *const headers[] = { "ID",       "ACCOUNT", "OWNER", "REASON",
                                           "EXPECTED", "IN",      NULL };
    struct engine_quota_view v = { 0 };
    struct pool_line pools[CFG_MAX_KINDS];
    int npools = 0;
    int64_t headroom = 0;
    struct sbx_err err = { 0 };
    struct engine *e = NULL;
    struct cmd_table *t = NULL;
    bool json = false;
    int64_t now;
    char b1[32], b2[32];
    int rc;
    const struct cmd_opt opt[] = {
        CMD_OPT_JSON(&json),
        CMD_OPT_END_NO_OPERANDS,
    };

    if ((rc = cmd_parse_opts("quota", cmd_quota_usage, opt, argc, argv)) != 0)
        return rc;
    rc = cmd_engine_open(ctx, "quota", false, NULL, &e);
    if (rc != 0)
        return rc;
    if (engine_quota(e, &v, &err) != 0 || pool_lines(e, ctx->cfg, pools, &npools, &err) != 0 ||
        engine_pool_headroom(e, &headroom, &err) != 0) {
        rc = cmd_fail("quota", &err);
        goto out;
    }
    now = (int64_t)engine_now(e);
    if (json) {
        cJSON *o = cJSON_CreateObject(), *q;

        if (o == NULL)
            goto nomem;
        cJSON_AddNumberToObject(o, "quota", v.quota);
        cJSON_AddStringToObject(o, "quota_source", v.quota_source);
        cJSON_AddNumberToObject(o, "window_days", 30);
        cJSON_AddNumberToObject(o, "used", v.used);
        cJSON_AddNumberToObject(o, "free", v.free_slots);
        cJSON_AddNumberToObject(o, "in_flight", v.in_flight);
        cJSON_AddNumberToObject(o, "in_flight_max", v.in_flight_max);
        cmd_json_time(o, "not_before", v.not_before);
        cmd_json_time(o, "next_slot_at", v.next_slot);
        cJSON_AddNumberToObject(o, "queued", (double)v.nqueue);
        q = cJSON_AddArrayToObject(o, "queue");
        for (size_t i = 0; i < v.nqueue && q != NULL; i++) {
            cJSON *it = cJSON_CreateObject();

            if (it == NULL)
                continue;
            cJSON_AddNumberToObject(it, "id", (double)v.queue[i].id);
            cJSON_AddStringToObject(it, "account_id", v.queue[i].account_id);
            cJSON_AddStringToObject(it, "name", v.queue[i].name);
            cJSON_AddStringToObject(it, "owner", v.queue[i].owner);
            cJSON_AddStringToObject(it, "reason", v.queue[i].reason);
            cmd_json_time(it, "expected_close_at", v.queue[i].eta);
            cJSON_AddItemToArray(q, it);
        }
        q = cJSON_AddArrayToObject(o, "pools");
        for (int i = 0; i < npools && q != NULL; i++) {
            cJSON *it = cJSON_CreateObject();

            if (it == NULL)
                continue;
            cJSON_AddStringToObject(it, "kind", pools[i].kind);
            cJSON_AddNumberToObject(it, "size", pools[i].size);
            cJSON_AddNumberToObject(it, "ready", (double)pools[i].c.ready);
            cJSON_AddNumberToObject(it, "creating", (double)pools[i].c.creating);
            cJSON_AddNumberToObject(it, "requested", (double)pools[i].c.requested);
            cJSON_AddNumberToObject(it, "surplus_to_close", (double)pools[i].close);
            cJSON_AddNumberToObject(it, "surplus_to_cancel", (double)pools[i].cancel);
            cJSON_AddItemToArray(q, it);
        }
        cJSON_AddNumberToObject(o, "pool_headroom", (double)headroom);
        rc = cmd_json_print(o);
        goto out;
    }
    printf("close quota    %d per rolling 30 days (%s)\n", v.quota, v.quota_source);
    printf("used           %d\n", v.used);
    printf("free slots     %d\n", v.free_slots);
    printf("in flight      %d of %d\n", v.in_flight, v.in_flight_max);
    if (v.next_slot > 0)
        printf("next slot      %s (%s)\n", cmd_time(v.next_slot, b1, sizeof(b1), false),
               cmd_rel(v.next_slot, now, b2, sizeof(b2)));
    if (v.not_before > 0)
        printf("AWS refused    no closure before %s (learned from CLOSE_ACCOUNT_QUOTA_EXCEEDED)\n",
               cmd_time(v.not_before, b1, sizeof(b1), false));
    printf("queued         %zu\n", v.nqueue);
    if (v.nqueue > 0) {
        t = cmd_table_new(headers);
        if (t == NULL)
            goto nomem;
        for (size_t i = 0; i < v.nqueue; i++) {
            char id[24];
            const char *cells[7];

            snprintf(id, sizeof(id), "#%lld", (long long)v.queue[i].id);
            cells[0] = id;
            cells[1] = v.queue[i].account_id;
            cells[2] = v.queue[i].owner;
            cells[3] = v.queue[i].reason;
            cells[4] = cmd_time(v.queue[i].eta, b1, sizeof(b1), false);
            cells[5] = cmd_rel(v.queue[i].eta, now, b2, sizeof(b2));
            cells[6] = NULL;
            if (cmd_table_add(t, cells) != 0)
                goto nomem;
        }
        printf("\n");
        cmd_table_print(t, stdout);
    }
    for (int i = 0; i < npools; i++) {
        if (i == 0)
            printf("\npools          may grow by %lld account%s (limits.account_limit minus "
                   "limits.pool_reserve)\n",
                   (long long)headroom, headroom == 1 ? "" : "s");
        printf("  %-12s size %d, ready %lld, being created %lld, requested %lld\n", pools[i].kind,
               pools[i].size, (long long)pools[i].c.ready, (long long)pools[i].c.creating,
               (long long)pools[i].c.requested);
        if (pools[i].close > 0)
            printf("  %-12s the pool shrank: %lld surplus account%s will close at the next run "
                   "(counts against the close quota)\n",
                   "", (long long)pools[i].close, pools[i].close == 1 ? "" : "s");
        if (pools[i].cancel > 0)
            printf("  %-12s the pool shrank: %lld request%s not sent yet will be cancelled\n", "",
                   (long long)pools[i].cancel, pools[i].cancel == 1 ? "" : "s");
    }
    rc = SBX_EXIT_OK;
    goto out;
nomem:
    log_error("quota: out of memory");
    rc = SBX_EXIT_FAILURE;
out:
    cmd_table_free(t);
    engine_quota_view_release(&v);
    engine_free(e);
    return rc;
}
