/*
 * engine_pool.h -- a kind's warm pool of fresh, never-used accounts (engine_pool.c).
 */
#ifndef SBX_ENGINE_POOL_H
#define SBX_ENGINE_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"

struct cfg_kind;

/* A kind's pool rows by stage. */
struct engine_pool_count {
    int64_t requested; /* recorded, waiting for a creation slot */
    int64_t creating;  /* CreateAccount sent, or created and being parked */
    int64_t ready;     /* pooled: ready to hand out */
};

int engine_pool_count(struct engine *e, const char *kind, struct engine_pool_count *c,
                      struct sbx_err *err) SBX_NODISCARD;

/* How many more accounts the pools may add: limits.account_limit minus limits.pool_reserve
 * minus the accounts in the organization (the larger of the store's open rows plus the
 * management account and the last drift scan's member count plus creations not yet in it). */
int engine_pool_headroom(struct engine *e, int64_t *headroom, struct sbx_err *err) SBX_NODISCARD;

/*
 * `run`'s pool upkeep: for each kind, requests the pool accounts it lacks (within the
 * headroom; they are created after every owned request) and, when the pool shrank, cancels
 * unsent pool requests and closes surplus ready accounts through the normal close path.
 * *requested and *closed count what it did.
 */
int eng_pool_tend(struct engine *e, int64_t now, int *requested, int *closed,
                  struct sbx_err *err) SBX_NODISCARD;

/*
 * Hands a ready pool account of kind k to owner: one compare-and-set (pooled -> creating with
 * the owner, lifetime, class and seat, checked against max_per_owner in the same
 * transaction). *got false when none is ready (or in dry-run). On success *out is the row,
 * due now: the creating phase moves it to the kind's OU, tags it and runs post-create hooks.
 */
int engine_pool_take(struct engine *e, const struct cfg_kind *k, const char *owner, int64_t ttl,
                     int64_t class_id, int64_t seat, struct store_account *out, bool *got,
                     struct sbx_err *err) SBX_NODISCARD;

#endif
