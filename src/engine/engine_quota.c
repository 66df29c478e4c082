/*
 * engine_quota.c -- the close-quota planner (see engine_quota.h).
 *
 * The walk is O((queue + ledger) log in_flight): planned times never decrease, so the start of
 * the rolling window only moves forward (one index into the merged ledger), and closures in
 * flight are a min-heap of completion times from which finished ones are popped.
 */
#include "engine/engine_quota.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "util/heap.h"

int
engine_quota_effective(const struct cfg_limits *limits, int64_t members, int64_t learned)
{
    int64_t q;

    if (limits->close_quota > 0) {
        q = limits->close_quota;
    } else {
        q = members * limits->close_quota_pct / 100;
        if (q < limits->close_quota_min)
            q = limits->close_quota_min;
        if (limits->close_quota_max > 0 && q > limits->close_quota_max)
            q = limits->close_quota_max;
    }
    if (learned > 0 && learned < q)
        q = learned;
    if (q < 1)
        q = 1;
    return (int)q;
}

size_t
engine_quota_used(const struct engine_quota_params *p, const int64_t *ledger, size_t n, int64_t now)
{
    size_t used = 0;

    for (size_t i = 0; i < n; i++) {
        if (ledger[i] > now - p->window && ledger[i] <= now)
            used++;
    }
    return used;
}

int
engine_quota_plan(const struct engine_quota_params *p, const struct engine_quota_input *in,
                  int64_t *eta, struct sbx_err *err)
{
    struct heap h = { 0 };
    int64_t *led = NULL, t, prev_call = 0, spacing;
    size_t nled = 0, lo = 0;
    int rc = -1;

    if (p->quota < 1 || p->in_flight_max < 1 || p->window < 1) {
        sbx_err_set(err, SBX_E_INVALID,
                    "quota plan: quota, closures in flight and window "
                    "must be positive");
        return -1;
    }
    if (in->queue == 0)
        return 0;
    led = malloc((in->nledger + in->queue) * sizeof(*led));
    h.v = malloc((in->nin_flight + in->queue) * sizeof(*h.v));
    if (led == NULL || h.v == NULL) {
        sbx_err_nomem(err);
        goto out;
    }
    for (size_t i = 0; i < in->nledger; i++) {
        if (in->ledger[i] > in->now - p->window)
            led[nled++] = in->ledger[i];
    }
    for (size_t i = 0; i < in->nin_flight; i++)
        heap_push(&h, (double)in->in_flight_done[i]);
    spacing = p->rate > 0 ? (int64_t)ceil(1.0 / p->rate) : 0;
    t = in->now + (int64_t)ceil(in->pace_wait > 0 ? in->pace_wait : 0);
    if (t < in->not_before)
        t = in->not_before;
    for (size_t q = 0; q < in->queue; q++) {
        if (q > 0 && t < prev_call + spacing)
            t = prev_call + spacing;
        /* Each constraint only moves t forward; repeat until all hold at once. */
        for (;;) {
            bool moved = false;

            while (h.n > 0 && h.v[0] <= (double)t)
                heap_pop(&h);
            if (h.n >= (size_t)p->in_flight_max) {
                t = (int64_t)h.v[0]; /* whole seconds: exact in a double */
                moved = true;
                continue;
            }
            while (lo < nled && led[lo] <= t - p->window)
                lo++;
            if (nled - lo >= (size_t)p->quota) {
                t = led[lo] + p->window;
                moved = true;
            }
            if (!moved)
                break;
        }
        eta[q] = t;
        prev_call = t;
        led[nled++] = t;
        heap_push(&h, (double)(t + (int64_t)ceil(p->latency > 0 ? p->latency : 0)));
    }
    rc = 0;
out:
    free(led);
    free(h.v);
    return rc;
}
