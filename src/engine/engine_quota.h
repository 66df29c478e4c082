/*
 * engine_quota.h -- the close quota: how many closures AWS allows now, and when each queued
 * account is expected to close. Pure functions of their inputs (no store, no clock).
 *
 * AWS allows (AWS-ORGANIZATIONS.md section 3.1) at most `quota` CloseAccount calls in any
 * rolling 30-day window, at most `in_flight_max` closures in PENDING_CLOSURE at once, and paces
 * CloseAccount at `rate` calls per second. The planner walks the queue in order and gives each
 * account the earliest time at which all three allow one more closure, given the closures
 * already in the ledger, those still in flight, and a learned "no closure before" marker (set
 * when AWS answered CLOSE_ACCOUNT_QUOTA_EXCEEDED although the local ledger had room: closures
 * made outside sandboxctl count too).
 */
#ifndef SBX_ENGINE_QUOTA_H
#define SBX_ENGINE_QUOTA_H

#include <stddef.h>
#include <stdint.h>

#include "sbx.h"

#define QUOTA_WINDOW (30 * 86400)

struct cfg_limits;

struct engine_quota_params {
    int quota;         /* closures per window (>= 1) */
    int64_t window;    /* seconds (QUOTA_WINDOW) */
    int in_flight_max; /* closures in progress at once (>= 1) */
    double rate;       /* CloseAccount calls per second; <= 0 = unpaced */
    double latency;    /* expected seconds from CloseAccount until the closure completes */
};

struct engine_quota_input {
    int64_t now;
    const int64_t *ledger; /* closure times, ascending (older than now - window ignored) */
    size_t nledger;
    const int64_t *in_flight_done; /* expected completion time of each closure in flight */
    size_t nin_flight;
    int64_t not_before; /* learned marker: no closure before this (0 = none) */
    double pace_wait;   /* seconds until the next CloseAccount may be sent */
    size_t queue;       /* accounts waiting to close, in order */
};

/*
 * The quota AWS applies: limits->close_quota when set, else max(close_quota_min,
 * close_quota_pct% of members) capped at close_quota_max. learned > 0 (the count at which AWS
 * last refused, within the last window) lowers it.
 */
int engine_quota_effective(const struct cfg_limits *limits, int64_t members, int64_t learned);
/* Closures counted in the window ending at now. */
size_t engine_quota_used(const struct engine_quota_params *p, const int64_t *ledger, size_t n,
                         int64_t now);
/*
 * Fills eta[0..in->queue-1] with the expected CloseAccount time of each queued account
 * (nondecreasing). Returns 0, or -1 (SBX_E_NOMEM / SBX_E_INVALID for nonsense parameters).
 */
int engine_quota_plan(const struct engine_quota_params *p, const struct engine_quota_input *in,
                      int64_t *eta, struct sbx_err *err) SBX_NODISCARD;

#endif
