/*
 * floor.h -- the makespan of an ideal scheduler: how long a batch of account creations (or
 * closures) takes at best under AWS's limits. Used for a class's ETA, for `--ready-by`, and
 * (the same model in python) by tests/bench/class-bench.sh as the floor the engine is
 * measured against.
 *
 * Model. Items go through one submitting call (CreateAccount or CloseAccount) paced by a
 * token bucket (rate tokens/s, at most burst tokens, `level` tokens at t = 0), at most `cap`
 * items in progress at once, an optional sliding-window quota on submissions (the close
 * quota: at most `quota` calls in any window of `window` seconds, counting past calls in
 * `ledger`), and a fixed latency from submission to completion. A completed item then makes
 * its follow-up calls in order (e.g. DescribeCreateAccountStatus, MoveAccount, TagResource),
 * each paced by its own bucket and taking no time itself. The ideal scheduler learns of a
 * completion instantly and submits each item as early as every constraint allows; since
 * every constraint only gets easier with time and items are identical, this greedy schedule
 * is optimal. Times are seconds relative to t = 0 ("now").
 *
 * Worked example (tests/unit/test_floor.c): 60 creations at 0.1/s burst 3, 5 in progress,
 * 60 s each: 3 at t=0, then t=10, t=20; each 60 s cycle repeats that, so the last one starts
 * at 11*60+20 = 680 and the floor is 740 s.
 */
#ifndef SBX_FLOOR_H
#define SBX_FLOOR_H

#include <stddef.h>

#include "sbx.h"

#define FLOOR_MAX_FOLLOW 4

struct floor_bucket {
    double rate;  /* tokens per second; <= 0 means unpaced */
    int burst;    /* bucket size (>= 1) */
    double level; /* tokens at t = 0, 0..burst */
};

struct floor_pipeline {
    struct floor_bucket submit;
    int cap;              /* items in progress at once; <= 0 means no cap */
    double latency;       /* seconds from submission to completion (>= 0) */
    int quota;            /* submissions per window; <= 0 means no quota */
    double window;        /* seconds */
    const double *ledger; /* past submission times (<= 0), ascending; borrowed */
    size_t nledger;
    struct floor_bucket follow[FLOOR_MAX_FOLLOW];
    size_t nfollow;
};

struct floor_state {
    size_t pending;            /* items not yet submitted */
    const double *in_progress; /* seconds until each in-progress item completes (< 0 = 0) */
    size_t nin_progress;
    size_t awaiting_follow; /* completed items that still need every follow-up call */
};

/*
 * Computes the makespan (seconds from t = 0 until the last item has completed and made its
 * follow-up calls) into *out; 0 when nothing is left. Returns 0, or -1 with err
 * (SBX_E_NOMEM).
 */
int floor_makespan(const struct floor_pipeline *p, const struct floor_state *st, double *out,
                   struct sbx_err *err) SBX_NODISCARD;

/*
 * Tokens in a bucket (rate, burst) at time now, given the times of the calls that used it
 * (ascending; the bucket was full before the first). Returns a value in 0..burst.
 */
double floor_bucket_level(double rate, int burst, const double *calls, size_t n, double now);

/* A full bucket with the given rate and burst. */
struct floor_bucket floor_bucket_full(double rate, int burst);

#endif
