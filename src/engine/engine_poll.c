/*
 * engine_poll.c -- when to poll a creation in flight, and how long creations take.
 *
 * Every poll costs a claim, a DescribeCreateAccountStatus (2 per second at most, shared by
 * every creation in flight) and a durable save, and a creation takes about a minute, so polls
 * that find it still in progress only delay the work that matters: noticing the moment a
 * creation slot frees. The first poll therefore waits for the creation's expected completion:
 * its submission time (AWS's RequestedTimestamp, else the engine's own clock when it sent the
 * call) plus the latency learned from recent creations. After that the creation is overdue and
 * is polled every second for a few seconds -- most finish close to the median -- and then every
 * ENGINE_POLL_CREATE seconds.
 *
 * The latency is the median of the Requested -> Completed times AWS reported for the last
 * ENGINE_CREATE_SAMPLES successful creations, kept in the store (meta "create_latencies", the
 * newest last) so that one-shot commands (`create`, `run`) learn from earlier processes too.
 * Before any is known it is ENGINE_CREATE_LATENCY_DEFAULT (real AWS takes somewhat longer, so
 * the first creation costs a few extra polls, never a late one); it is bounded so that a freak
 * sample cannot postpone polls for long.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "util/heap.h"
#include "util/log.h"

#define LATENCY_KEY "create_latencies"

/* Parses the stored samples (space-separated seconds) into v; returns how many. */
static size_t
parse_samples(const char *text, double *v, size_t max)
{
    const char *p = text;
    size_t n = 0;

    while (p != NULL && *p != '\0' && n < max) {
        char *end;
        double d = strtod(p, &end);

        if (end == p)
            break;
        if (isfinite(d) && d >= 0)
            v[n++] = d;
        p = end;
    }
    return n;
}

double
eng_create_latency(struct engine *e)
{
    double v[ENGINE_CREATE_SAMPLES], med;
    struct sbx_err err = { 0 };
    char *text = NULL;
    size_t n;

    if (store_meta_get(e->store, LATENCY_KEY, &text, &err) != 0) {
        log_debug("creation latency unknown: %s", err.msg);
        return ENGINE_CREATE_LATENCY_DEFAULT;
    }
    n = parse_samples(text, v, SBX_ARRAY_LEN(v));
    free(text);
    if (n == 0)
        return ENGINE_CREATE_LATENCY_DEFAULT;
    qsort(v, n, sizeof(v[0]), heap_cmp_double);
    med = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return fmin(fmax(med, ENGINE_CREATE_LATENCY_MIN), ENGINE_CREATE_LATENCY_MAX);
}

void
eng_learn_create_latency(struct engine *e, double secs)
{
    double v[ENGINE_CREATE_SAMPLES + 1];
    struct sbx_err err = { 0 };
    char *text = NULL, buf[ENGINE_CREATE_SAMPLES * 24];
    size_t n, first, len = 0;

    if (e->dry_run || !isfinite(secs) || secs < 0)
        return;
    if (store_meta_get(e->store, LATENCY_KEY, &text, &err) != 0) {
        log_debug("cannot record creation latency: %s", err.msg);
        return;
    }
    n = parse_samples(text, v, ENGINE_CREATE_SAMPLES);
    free(text);
    v[n++] = secs;
    first = n > ENGINE_CREATE_SAMPLES ? n - ENGINE_CREATE_SAMPLES : 0;
    buf[0] = '\0';
    for (size_t i = first; i < n; i++) {
        int w = snprintf(buf + len, sizeof(buf) - len, "%s%.3f", i > first ? " " : "", v[i]);

        if (w < 0 || (size_t)w >= sizeof(buf) - len)
            break;
        len += (size_t)w;
    }
    if (store_meta_set(e->store, LATENCY_KEY, buf, &err) != 0)
        log_debug("cannot record creation latency: %s", err.msg);
}

int64_t
eng_create_poll_due(struct engine *e, double sent, int64_t now)
{
    double expected;

    if (sent <= 0)
        return now + ENGINE_POLL_CREATE;
    expected = sent + eng_create_latency(e);
    if ((double)now < expected)
        return (int64_t)ceil(expected);
    if ((double)now < expected + ENGINE_POLL_FAST_WINDOW)
        return now + ENGINE_POLL_OVERDUE;
    return now + ENGINE_POLL_CREATE;
}

int64_t
eng_backoff(int64_t attempts, int64_t base, int64_t cap)
{
    int64_t d = base;

    for (int64_t i = 0; i < attempts && d < cap; i++)
        d *= 2;
    return d < cap ? d : cap;
}
