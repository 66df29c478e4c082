/*
 * engine_pool.c -- a kind's warm pool (kinds.NAME.pool): accounts created ahead of time, never
 * handed out, so `create` and `class create` get a brand-new account in seconds.
 *
 * A pool account is an ordinary row with no owner (owner ""): requested, created at AWS's pace
 * (its priority is below every owned request, so a creation someone waits for always goes
 * first), then parked in the pool OU, tagged without an owner, as `pooled`. Hand-over is one
 * compare-and-set, pooled -> creating, that assigns the owner, lifetime and class in the same
 * transaction that checks max_per_owner: two processes can never both win the same row, and
 * from then on the row is an owned account being provisioned -- the creating phase moves it to
 * the kind's OU, tags it with owner and expiry and runs post-create hooks, resuming after a
 * crash like any creation. A handed-out account never returns to the pool; a surplus (the pool
 * shrank) closes through the normal path and counts against the close quota.
 *
 * The hand-over itself (engine_pool_take) is in engine_ops.c, beside engine_request, which
 * calls it; this file is the upkeep `run` does and the counts `quota` shows.
 */
#include "engine/engine_pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "util/log.h"

/* Close reason (and audit word) of a surplus pool account. */
#define POOL_SHRUNK "pool_shrunk"
/* The owner variable of a pool account's alias templates: {owner} expands to "pool". */
#define POOL_ALIAS_OWNER "pool@pool.invalid"
/* Priority of pool requests: below every owned request (0 and up). */
#define POOL_PRIORITY (-1)

int
engine_pool_count(struct engine *e, const char *kind, struct engine_pool_count *c,
                  struct sbx_err *err)
{
    struct store_filter f = { .owner = "", .kind = kind };

    memset(c, 0, sizeof(*c));
    if (store_account_count(e->store, ENGINE_S_REQUESTED, &f, &c->requested, err) != 0 ||
        store_account_count(e->store, ENGINE_S_CREATING, &f, &c->creating, err) != 0 ||
        store_account_count(e->store, ENGINE_S_POOLED, &f, &c->ready, err) != 0)
        return -1;
    return 0;
}

int
engine_pool_headroom(struct engine *e, int64_t *headroom, struct sbx_err *err)
{
    static const enum engine_state counted[] = {
        ENGINE_S_REQUESTED, ENGINE_S_CREATING,  ENGINE_S_POOLED,      ENGINE_S_ACTIVE,
        ENGINE_S_EXPIRING,  ENGINE_S_NUKING,    ENGINE_S_NUKE_FAILED, ENGINE_S_CLOSE_WAIT,
        ENGINE_S_CLOSING,   ENGINE_S_SUSPENDED, ENGINE_S_PROTECTED,
    };
    const struct cfg_limits *l = &e->cfg->limits;
    int64_t ours = 0, members = 0, pending = 0, req = 0, used;

    for (size_t i = 0; i < SBX_ARRAY_LEN(counted); i++) {
        int64_t n = 0;

        if (store_account_count(e->store, counted[i], NULL, &n, err) != 0)
            return -1;
        ours += n;
    }
    /* The last drift scan's member count includes accounts sandboxctl does not manage; rows
     * not yet in the organization (requested, creating without an id) come on top of it. */
    if (store_meta_get_int(e->store, "members", 0, &members, err) != 0 ||
        store_account_count_unassigned(e->store, ENGINE_S_CREATING, &pending, err) != 0 ||
        store_account_count(e->store, ENGINE_S_REQUESTED, NULL, &req, err) != 0)
        return -1;
    used = ours + 1; /* the management account */
    if (members + pending + req > used)
        used = members + pending + req;
    *headroom = (int64_t)l->account_limit - l->pool_reserve - used;
    if (*headroom < 0)
        *headroom = 0;
    return 0;
}

/* Records one pool request for kind k (store only; the submit phase sends it). */
static int
request_one(struct engine *e, const struct cfg_kind *k, int64_t now, struct sbx_err *err)
{
    const struct eng_new_row row = {
        .kind = k,
        .owner = "",
        .alias_owner = POOL_ALIAS_OWNER,
        .priority = POOL_PRIORITY,
        .pool = true,
        .now = now,
    };

    return eng_insert_requested(e, &row, NULL, err);
}

/* Surplus pool accounts of kind k: unsent requests are cancelled, ready ones closed. */
static int
shrink(struct engine *e, const struct cfg_kind *k, int64_t surplus, int64_t now, int *closed,
       struct sbx_err *err)
{
    static const enum engine_state order[] = { ENGINE_S_REQUESTED, ENGINE_S_POOLED };
    struct store_filter f = { .owner = "", .kind = k->name };

    for (size_t s = 0; s < SBX_ARRAY_LEN(order) && surplus > 0; s++) {
        struct store_account *rows = NULL;
        size_t n = 0;

        if (store_account_in_state(e->store, order[s], &f, (int)surplus, &rows, &n, err) != 0)
            return -1;
        for (size_t i = 0; i < n && surplus > 0; i++) {
            struct store_account *a = &rows[i];
            int rc;

            if (a->state == ENGINE_S_REQUESTED && a->submitted)
                continue; /* may exist at AWS: it becomes pooled, then closes */
            if (store_set_str(&a->reason, POOL_SHRUNK, err) != 0) {
                store_accounts_free(rows, n);
                return -1;
            }
            a->due_at = a->state == ENGINE_S_REQUESTED ? 0 : now;
            a->attempts = 0;
            rc = eng_transition(
                    e, a, a->state == ENGINE_S_REQUESTED ? ENGINE_S_FAILED : ENGINE_S_EXPIRING,
                    "close_requested", NULL, "the pool shrank", err);
            if (rc != 0 && err->code != SBX_E_CONFLICT) {
                store_accounts_free(rows, n);
                return -1;
            }
            if (rc != 0) {
                sbx_err_clear(err);
                continue;
            }
            surplus--;
            if (a->state == ENGINE_S_EXPIRING)
                (*closed)++;
        }
        store_accounts_free(rows, n);
    }
    return 0;
}

int
eng_pool_tend(struct engine *e, int64_t now, int *requested, int *closed, struct sbx_err *err)
{
    int64_t headroom = -1;

    *requested = 0;
    *closed = 0;
    for (int i = 0; i < e->cfg->nkinds; i++) {
        const struct cfg_kind *k = &e->cfg->kinds[i];
        struct engine_pool_count c;
        int64_t have, want;

        if (engine_pool_count(e, k->name, &c, err) != 0)
            return -1;
        have = c.requested + c.creating + c.ready;
        if (have > k->pool_size) {
            if (shrink(e, k, have - k->pool_size, now, closed, err) != 0)
                return -1;
            continue;
        }
        want = k->pool_size - have;
        if (want <= 0)
            continue;
        if (headroom < 0 && engine_pool_headroom(e, &headroom, err) != 0)
            return -1;
        if (want > headroom) {
            if (headroom == 0)
                log_debug("pool %s: %lld short, but the organization is at account_limit minus "
                          "pool_reserve",
                          k->name, (long long)want);
            want = headroom;
        }
        for (int64_t j = 0; j < want; j++) {
            if (request_one(e, k, now, err) != 0)
                return -1;
            (*requested)++;
            headroom--;
        }
    }
    return 0;
}
