/*
 * engine.c -- the engine object and what every phase and operation shares: the clock, events,
 * transitions along the lifecycle table, claims, and the single-shot calls for the two
 * non-idempotent AWS operations. The operations behind the commands are in engine_ops.c.
 */
#include "engine/engine.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "engine/engine_alias.h"
#include "engine/engine_int.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/jsonr.h"
#include "util/log.h"

/* A stand-in for accounts whose kind was removed from the config: no expiry rules, no
 * warnings, every hook event. */
static char fallback_name[] = "unknown";
static const struct cfg_kind fallback_kind = {
    .name = fallback_name,
    .hooks = { true, true, true, true },
};

int64_t
eng_now(const struct engine *e)
{
    return (int64_t)floor(clock_now(e->clock));
}

double
engine_now(const struct engine *e)
{
    return clock_now(e->clock);
}

const char *
engine_claim_id(const struct engine *e)
{
    return e->claim_id;
}

const struct cfg_kind *
eng_kind(const struct engine *e, const char *name)
{
    const struct cfg_kind *k = name != NULL ? cfg_kind_find(e->cfg, name) : NULL;

    return k != NULL ? k : &fallback_kind;
}

int
engine_new(const struct engine_opts *o, struct engine **out, struct sbx_err *err)
{
    struct engine *e = calloc(1, sizeof(*e));
    char rnd[9];

    *out = NULL;
    if (e == NULL)
        goto nomem;
    e->cfg = o->cfg;
    e->store = o->store;
    e->orgs = o->orgs;
    e->clock = o->clock;
    e->dry_run = o->dry_run;
    e->on_event = o->on_event;
    e->event_arg = o->event_arg;
    snprintf(e->actor, sizeof(e->actor), "%s", o->actor != NULL ? o->actor : "sandboxctl");
    if (o->config_path != NULL) {
        e->config_path = strdup(o->config_path);
        if (e->config_path == NULL)
            goto nomem;
    }
    if (gethostname(e->hostname, sizeof(e->hostname) - 1) != 0 || e->hostname[0] == '\0')
        snprintf(e->hostname, sizeof(e->hostname), "localhost");
    for (char *p = e->hostname; *p != '\0'; p++) {
        if (*p == ':')
            *p = '-'; /* ':' separates the claim id's fields */
    }
    if (engine_alias_random(rnd, 8, err) != 0) {
        free(e->config_path);
        free(e);
        return -1;
    }
    snprintf(e->claim_id, sizeof(e->claim_id), "%s:%ld:%s", e->hostname, (long)getpid(), rnd);
    e->max_attempts = o->orgs != NULL ? orgs_max_attempts(o->orgs) : 1;
    *out = e;
    return 0;
nomem:
    if (e != NULL)
        free(e->config_path);
    free(e);
    return sbx_err_nomem(err);
}

void
engine_free(struct engine *e)
{
    if (e == NULL)
        return;
    eng_drop_caches(e);
    engine_access_cache_free(e->access);
    free(e->config_path);
    free(e);
}

void
eng_drop_caches(struct engine *e)
{
    orgs_create_statuses_free(e->cas, e->ncas);
    orgs_accounts_free(e->accts, e->naccts);
    e->cas = NULL;
    e->ncas = 0;
    e->cas_loaded = false;
    e->accts = NULL;
    e->naccts = 0;
    e->accts_loaded = false;
}

int
engine_resync_clock(struct engine *e, struct sbx_err *err)
{
    if (e->orgs == NULL || !e->cfg->aws.follow_sim_clock)
        return 0;
    return orgs_sim_clock(e->orgs, e->clock, err);
}

int
engine_sleep(struct engine *e, double secs)
{
    struct sbx_err err = { 0 };
    int rc = clock_sleep(e->clock, secs);

    if (engine_resync_clock(e, &err) != 0)
        log_warn("cannot read the simulator's clock: %s", err.msg);
    return rc;
}

bool
eng_pace_sleep(struct engine *e, double wait, double deadline)
{
    if (engine_now(e) >= deadline)
        return false;
    engine_sleep(e, wait > 0 ? wait : 0.05);
    return true;
}

const char *
engine_fmt_time(int64_t t, char *buf, size_t n)
{
    if (t <= 0) {
        if (n > 0)
            buf[0] = '\0';
        return buf;
    }
    return duration_format_time(t, buf, n);
}

char *
eng_detail(const char *key, ...)
{
    char *text = NULL;
    va_list ap;
    cJSON *obj;

    va_start(ap, key);
    obj = jsonr_vstrings(key, ap);
    va_end(ap);
    if (obj != NULL)
        text = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    return text;
}

void
eng_emit(struct engine *e, const struct store_account *a, const char *event, const char *from,
         const char *to, const char *message)
{
    struct engine_event ev = {
        a, event, from, to, message != NULL ? message : "", NULL, NULL, false
    };

    if (e->on_event != NULL)
        e->on_event(e->event_arg, &ev);
}

int
eng_transition(struct engine *e, struct store_account *a, enum engine_state to, const char *event,
               const char *detail, const char *message, struct sbx_err *err)
{
    struct store_audit_ev ev = { eng_now(e), e->actor, event, NULL, NULL, detail };
    enum engine_state from = a->state;

    if (!engine_transition_allowed(from, to)) {
        sbx_err_set(err, SBX_E_FAILURE, "account %lld: transition %s -> %s is not allowed",
                    (long long)a->id, engine_state_name(from), engine_state_name(to));
        return -1;
    }
    ev.from_state = engine_state_name(from);
    ev.to_state = engine_state_name(to);
    a->state = to;
    if (store_account_update(e->store, a, from, &ev, err) != 0) {
        a->state = from;
        return -1;
    }
    log_info("account %lld%s%s: %s -> %s (%s)%s%s", (long long)a->id,
             a->account_id[0] != '\0' ? " " : "", a->account_id, ev.from_state, ev.to_state, event,
             message != NULL && *message != '\0' ? ": " : "", message != NULL ? message : "");
    eng_emit(e, a, event, ev.from_state, ev.to_state, message);
    return 0;
}

int
eng_save(struct engine *e, struct store_account *a, const char *event, const char *detail,
         struct sbx_err *err)
{
    struct store_audit_ev ev = { eng_now(e), e->actor, event, NULL, NULL, detail };

    if (store_account_update(e->store, a, a->state, &ev, err) != 0)
        return -1;
    if (event != NULL)
        eng_emit(e, a, event, NULL, NULL, NULL);
    return 0;
}

int
eng_reload(struct engine *e, struct store_account *a, struct sbx_err *err)
{
    return store_account_reload(e->store, a, err);
}

int
eng_defer(struct engine *e, struct store_account *a, int64_t delay, const char *msg,
          struct sbx_err *err)
{
    if (store_set_str(&a->last_error, msg, err) != 0)
        return -1;
    a->due_at = eng_now(e) + (delay > 0 ? delay : 1);
    return eng_save(e, a, NULL, NULL, err);
}

/* "host:pid:random" -> is it a process on this host that no longer exists? */
static bool
holder_dead(const struct engine *e, const char *holder)
{
    const char *c1, *c2;
    size_t hlen;
    long pid;
    char *end;

    if (holder == NULL)
        return false;
    c1 = strchr(holder, ':');
    if (c1 == NULL)
        return false;
    c2 = strchr(c1 + 1, ':');
    hlen = (size_t)(c1 - holder);
    if (c2 == NULL || hlen != strlen(e->hostname) || memcmp(holder, e->hostname, hlen) != 0)
        return false;
    errno = 0;
    pid = strtol(c1 + 1, &end, 10);
    if (end != c2 || pid <= 0 || errno != 0)
        return false;
    if (pid == (long)getpid())
        return false; /* another engine in this process: alive */
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

bool
eng_claimed_by_other(const struct engine *e, const struct store_account *a)
{
    if (a->claim_by == NULL || strcmp(a->claim_by, e->claim_id) == 0)
        return false;
    if (a->claim_until < clock_wall())
        return false;
    return !holder_dead(e, a->claim_by);
}

int
eng_claim(struct engine *e, struct store_account *a, double secs, bool *got, struct sbx_err *err)
{
    double now = clock_wall();
    const char *stale = holder_dead(e, a->claim_by) ? a->claim_by : NULL;
    char *stale_copy = NULL;
    int rc;

    *got = false;
    if (stale != NULL) {
        stale_copy = sbx_strdup(stale, err);
        if (stale_copy == NULL)
            return -1;
        log_info("account %lld: taking over the claim of '%s' (process gone)", (long long)a->id,
                 stale_copy);
    }
    rc = store_account_claim(e->store, a->id, e->claim_id, now, now + secs, stale_copy, got, err);
    free(stale_copy);
    if (rc != 0)
        return -1;
    if (!*got)
        return 0;
    if (eng_reload(e, a, err) != 0) {
        eng_unclaim(e, a);
        *got = false;
        return -1;
    }
    return 0;
}

int
eng_claim_id(struct engine *e, int64_t id, double secs, struct store_account *a, bool *got,
             struct sbx_err *err)
{
    *got = false;
    if (store_account_get(e->store, id, a, err) != 0)
        return -1;
    if (eng_claim(e, a, secs, got, err) != 0) {
        store_account_release(a);
        return -1;
    }
    return 0;
}

void
eng_unclaim(struct engine *e, const struct store_account *a)
{
    struct sbx_err err = { 0 };

    if (store_account_unclaim(e->store, a->id, e->claim_id, &err) != 0)
        log_warn("account %lld: cannot release claim: %s", (long long)a->id, err.msg);
}

int64_t
eng_active_due(const struct cfg_kind *k, const struct store_account *a)
{
    int64_t due;

    if (a->expires_at <= 0)
        return 0;
    due = a->expires_at;
    /* warn[] is descending: the first unfired offset is the earliest warning. */
    for (int i = 0; i < k->nwarn; i++) {
        if (a->warned_min == 0 || k->warn[i] < a->warned_min) {
            if (a->expires_at - k->warn[i] < due)
                due = a->expires_at - k->warn[i];
            break;
        }
    }
    return due > 0 ? due : 1;
}
