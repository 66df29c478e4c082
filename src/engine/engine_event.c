/*
 * engine_event.c -- the durable hook event outbox (engine_event.h): queueing an event with its
 * occurrence, and delivering queued events by running their hooks.
 */
#include "engine/engine_event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_alias.h"
#include "util/log.h"

#define EVENT_DETAIL_MAX 1024 /* bytes of SANDBOX_EVENT_DETAIL */
#define EVENT_BATCH      200  /* events looked at per delivery pass */

/* Copies src into dst (n bytes) as one line: line breaks become " | ", other control
 * characters '?'. */
static void
one_line(char *dst, size_t n, const char *src)
{
    size_t o = 0;

    for (const unsigned char *p = (const unsigned char *)src; *p != '\0' && o + 1 < n; p++) {
        if (*p == '\n' || *p == '\r') {
            if (o > 0 && p[1] != '\0' && p[1] != '\n' && p[1] != '\r' && o + 4 < n) {
                memcpy(dst + o, " | ", 3);
                o += 3;
            }
        } else {
            dst[o++] = (char)(*p < 0x20 || *p == 0x7f ? '?' : *p);
        }
    }
    dst[o] = '\0';
}

int
eng_event_queue(struct engine *e, enum cfg_hook_event ev, const struct store_account *a,
                const char *key, const char *detail, struct sbx_err *err)
{
    char uid[48], rnd[25], line[EVENT_DETAIL_MAX];
    bool added = false;

    if (e->dry_run)
        return 0;
    if ((int)ev < 0 || ev >= CFG_HOOK_EVENT_COUNT || key == NULL || *key == '\0') {
        sbx_err_set(err, SBX_E_FAILURE, "account %lld: cannot queue hook event %d with key '%s'",
                    (long long)a->id, (int)ev, key != NULL ? key : "");
        return -1;
    }
    if (engine_alias_random(rnd, sizeof(rnd) - 1, err) != 0)
        return -1;
    snprintf(uid, sizeof(uid), "evt-%s", rnd);
    one_line(line, sizeof(line), detail != NULL ? detail : "");
    if (store_hook_event_add(e->store, a->id, cfg_hook_event_name(ev), key, uid, line, eng_now(e),
                             &added, err) != 0)
        return -1;
    if (added)
        log_info("account %lld%s%s: %s queued (%s, %s)", (long long)a->id,
                 a->account_id[0] != '\0' ? " " : "", a->account_id, cfg_hook_event_name(ev), uid,
                 key);
    return 0;
}

static enum cfg_hook_event
event_by_name(const char *name)
{
    for (int i = 0; i < CFG_HOOK_EVENT_COUNT; i++) {
        if (strcmp(cfg_hook_event_name((enum cfg_hook_event)i), name) == 0)
            return (enum cfg_hook_event)i;
    }
    return CFG_HOOK_EVENT_COUNT;
}

/* Is event id of account still queued and due by now (another process may have delivered it
 * between our read and our claim)? */
static int
still_due(struct engine *e, int64_t account, int64_t id, int64_t now, bool *due,
          struct sbx_err *err)
{
    struct store_filter one = { .id = account };
    struct store_hook_event *evs = NULL;
    size_t n = 0;

    *due = false;
    if (store_hook_event_due(e->store, now, &one, 0, &evs, &n, err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        *due = *due || evs[i].id == id;
    store_hook_events_free(evs, n);
    return 0;
}

/* Runs ev's hooks for its (claimed) account and records the outcome. */
static int
run_event(struct engine *e, const struct store_hook_event *ev, struct store_account *a,
          struct eng_event_report *r, struct sbx_err *err)
{
    enum cfg_hook_event hev = event_by_name(ev->event);
    char idv[64], detailv[EVENT_DETAIL_MAX + 32], timev[64], when[32], msg[1][256];
    const char *extra[4] = { idv, timev, NULL, NULL };
    struct eng_hook_opts o = { .extra = extra, .attempt = ev->attempts + 1 };
    struct engine_event out = { 0 };
    bool ok = false;
    int64_t now;

    if (hev == CFG_HOOK_EVENT_COUNT) {
        /* Queued by a newer sandboxctl: keep it for that one. */
        log_warn("account %lld: hook event '%s' (%s) is unknown to this sandboxctl; left queued",
                 (long long)a->id, ev->event, ev->uid);
        return 0;
    }
    snprintf(idv, sizeof(idv), "SANDBOX_EVENT_ID=%s", ev->uid);
    snprintf(timev, sizeof(timev), "SANDBOX_EVENT_TIME=%s",
             engine_fmt_time(ev->created_at, when, sizeof(when)));
    if (ev->detail != NULL && *ev->detail != '\0') {
        snprintf(detailv, sizeof(detailv), "SANDBOX_EVENT_DETAIL=%s", ev->detail);
        extra[2] = detailv;
    }
    if (eng_run_hooks_opts(e, hev, &a, 1, &o, &ok, msg, err) != 0)
        return -1;
    now = eng_now(e);
    if (ok) {
        if (store_hook_event_delivered(e->store, ev->id, now, err) != 0)
            return -1;
        r->delivered++;
    } else {
        int64_t base = e->cfg->hooks.retry_backoff > 0 ? e->cfg->hooks.retry_backoff : 1;
        int64_t delay = base;

        for (int64_t i = 0; i < ev->attempts && delay < base * 64; i++)
            delay *= 2;
        if (delay > base * 64)
            delay = base * 64;
        if (store_hook_event_failed(e->store, ev->id, now + delay, msg[0], err) != 0)
            return -1;
        log_warn("account %lld%s%s: %s hooks failed (%s), retried in %llds: %s", (long long)a->id,
                 a->account_id[0] != '\0' ? " " : "", a->account_id, ev->event, ev->uid,
                 (long long)delay, msg[0]);
        r->failed++;
    }
    out.account = a;
    out.event = ev->event;
    out.message = ok ? ev->detail : msg[0];
    out.id = ev->uid;
    out.detail = ev->detail;
    out.delivered = ok;
    if (e->on_event != NULL)
        e->on_event(e->event_arg, &out);
    return 0;
}

int
eng_event_deliver(struct engine *e, const struct store_filter *scope, struct eng_event_report *r,
                  struct sbx_err *err)
{
    struct store_hook_event *evs = NULL;
    int64_t *failed_accts = NULL;
    size_t n = 0, nfailed = 0;
    int rc = -1;

    if (e->dry_run)
        return 0;
    if (store_hook_event_due(e->store, eng_now(e), scope, EVENT_BATCH, &evs, &n, err) != 0)
        return -1;
    if (n == 0)
        return 0;
    failed_accts = sbx_calloc(n, sizeof(*failed_accts), err);
    if (failed_accts == NULL)
        goto out;
    for (size_t i = 0; i < n; i++) {
        struct store_account a = { 0 };
        bool got = false, due = false, held_back = false;
        int before = r->failed, res = 0;

        /* An account whose earlier event just failed keeps its later ones for the retry, so
         * its events arrive in the order they happened. */
        for (size_t j = 0; j < nfailed; j++)
            held_back = held_back || failed_accts[j] == evs[i].account;
        if (held_back)
            continue;
        if (eng_claim_id(e, evs[i].account, eng_hook_claim_secs(e), &a, &got, err) != 0)
            goto out;
        if (got) {
            res = still_due(e, a.id, evs[i].id, eng_now(e), &due, err);
            if (res == 0 && due)
                res = run_event(e, &evs[i], &a, r, err);
            eng_unclaim(e, &a);
        } else {
            log_debug("account %lld: %s waits: the account is claimed by %s", (long long)a.id,
                      evs[i].event, a.claim_by != NULL ? a.claim_by : "another process");
        }
        if (!got || r->failed > before)
            failed_accts[nfailed++] = evs[i].account;
        store_account_release(&a);
        if (res != 0)
            goto out;
    }
    rc = 0;
out:
    free(failed_accts);
    store_hook_events_free(evs, n);
    return rc;
}

int
eng_event_next_due(struct engine *e, const struct store_filter *scope, int64_t *due,
                   struct sbx_err *err)
{
    *due = 0;
    return store_hook_event_next_due(e->store, scope, due, err);
}
