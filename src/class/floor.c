/*
 * floor.c -- the ideal-scheduler makespan (see floor.h).
 *
 * Submissions are simulated one by one in O(n log cap): a min-heap holds the completion times
 * of items in progress, a running bucket level paces calls, and the quota looks back at the
 * (ascending) list of every submission time, past ones included.
 */
#include "class/floor.h"

#include <stdlib.h>

#include "util/heap.h"

/* Time tolerance: bucket arithmetic on doubles must not turn "exactly one token" into a miss. */
#define EPS 1e-9

struct bucket_run {
    double rate;
    double burst;
    double level;
    double last; /* time of level */
};

static void
run_init(struct bucket_run *b, const struct floor_bucket *fb)
{
    b->rate = fb->rate;
    b->burst = fb->burst < 1 ? 1 : fb->burst;
    b->level = fb->level < 0 ? 0 : fb->level > b->burst ? b->burst : fb->level;
    b->last = 0;
}

/* Takes one token at the earliest time >= t; returns that time. */
static double
run_take(struct bucket_run *b, double t)
{
    double lvl;

    if (b->rate <= 0)
        return t;
    if (t < b->last)
        t = b->last;
    lvl = b->level + b->rate * (t - b->last);
    if (lvl > b->burst)
        lvl = b->burst;
    if (lvl < 1 - EPS) {
        t += (1 - lvl) / b->rate;
        lvl = 1;
    }
    b->level = lvl - 1 < 0 ? 0 : lvl - 1;
    b->last = t;
    return t;
}

struct floor_bucket
floor_bucket_full(double rate, int burst)
{
    struct floor_bucket b = { rate, burst, burst };

    return b;
}

double
floor_bucket_level(double rate, int burst, const double *calls, size_t n, double now)
{
    double lvl = burst, last = n > 0 ? calls[0] : now;

    if (rate <= 0)
        return burst;
    for (size_t i = 0; i < n; i++) {
        lvl += rate * (calls[i] - last);
        if (lvl > burst)
            lvl = burst;
        lvl -= 1;
        if (lvl < 0)
            lvl = 0; /* a call made with an empty bucket (throttled elsewhere) leaves it empty */
        last = calls[i];
    }
    lvl += rate * (now - last);
    return lvl > burst ? burst : lvl < 0 ? 0 : lvl;
}

int
floor_makespan(const struct floor_pipeline *p, const struct floor_state *st, double *out,
               struct sbx_err *err)
{
    size_t total = st->pending + st->nin_progress + st->awaiting_follow;
    struct heap h = { NULL, 0 };
    double *done = NULL, *subs = NULL; /* completion times; every submission time */
    size_t ndone = 0, nsubs = 0;
    struct bucket_run sb;
    double t = 0, end = 0;
    int rc = -1;

    *out = 0;
    if (total == 0)
        return 0;
    h.v = malloc((st->nin_progress + st->pending + 1) * sizeof(double));
    done = malloc(total * sizeof(double));
    subs = malloc((p->nledger + st->pending + 1) * sizeof(double));
    if (h.v == NULL || done == NULL || subs == NULL) {
        sbx_err_nomem(err);
        goto out;
    }
    for (size_t i = 0; i < st->awaiting_follow; i++)
        done[ndone++] = 0;
    for (size_t i = 0; i < st->nin_progress; i++) {
        double c = st->in_progress[i] < 0 ? 0 : st->in_progress[i];

        heap_push(&h, c);
        done[ndone++] = c;
    }
    for (size_t i = 0; i < p->nledger; i++)
        subs[nsubs++] = p->ledger[i];

    run_init(&sb, &p->submit);
    for (size_t i = 0; i < st->pending; i++) {
        /* A free slot: wait for the earliest completions while the cap is reached. */
        while (p->cap > 0 && h.n >= (size_t)p->cap) {
            double c = heap_pop(&h);

            if (c > t)
                t = c;
        }
        /* The quota: the call that is quota-th from the end must have left the window. */
        if (p->quota > 0 && nsubs >= (size_t)p->quota) {
            double free_at = subs[nsubs - (size_t)p->quota] + p->window;

            if (free_at > t)
                t = free_at;
        }
        t = run_take(&sb, t);
        subs[nsubs++] = t;
        heap_push(&h, t + p->latency);
        done[ndone++] = t + p->latency;
    }

    /* Follow-up calls, served in completion order through each stage's bucket. */
    qsort(done, ndone, sizeof(double), heap_cmp_double);
    for (size_t k = 0; k < p->nfollow; k++) {
        struct bucket_run fb;
        double prev = 0;

        run_init(&fb, &p->follow[k]);
        for (size_t i = 0; i < ndone; i++) {
            double at = done[i] > prev ? done[i] : prev;

            done[i] = run_take(&fb, at);
            prev = done[i];
        }
    }
    for (size_t i = 0; i < ndone; i++) {
        if (done[i] > end)
            end = done[i];
    }
    *out = end;
    rc = 0;
out:
    free(h.v);
    free(done);
    free(subs);
    return rc;
}
