/*
 * test_class_drive.c -- class_drive() following a simulator whose clock is paused: the driver
 * waits for the simulator's clock, not for real time. It re-reads the clock while it waits, so
 * a test that advances the clock each time it is read (as tests/integration/lib.sh's
 * `sbx_advancing clock` does) drives a scheduled class through its start time to ready; and
 * it steps the engine only when its wake time has come, not again and again while the clock
 * stands still. The driver runs in a thread; this thread plays the test, over HTTP.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "aws/http.h"
#include "check.h"
#include "class/class_run.h"
#include "sim/sim.h"
#include "util/clock.h"

#define T0 1800000000.0

struct fx {
    struct check_fx c;
    struct class_env env;
    struct http_client *http;
    char url[64];
    /* the driver thread */
    const char *name;
    struct sbx_err err;
    int rc;
    atomic_bool done;
};

/* A simulator with a paused clock (--paused, --time-scale 1000 so the client's real sleeps are
 * short), an engine following its clock, and an HTTP client for this thread's admin calls. */
static void
fx_init(struct fx *f)
{
    struct sim_opts so;
    struct http_opts ho = { 0 };
    struct sbx_err err = { 0 };

    memset(f, 0, sizeof(*f));
    sim_opts_init(&so);
    so.fixed_clock = true;
    so.time_scale = 1000;
    so.start_time = T0;
    so.throttle = false;
    so.account_limit = 100;
    so.create_latency = 60;
    check_sim_open(&f->c, &so);
    f->c.cfg->limits.account_limit = 100;
    check_engine_open(&f->c, 0);
    CHECK(f->c.clock.paused);
    snprintf(f->url, sizeof(f->url), "%s", f->c.cfg->aws.endpoint);
    f->env.cfg = f->c.cfg;
    f->env.store = f->c.store;
    f->env.orgs = f->c.orgs;
    f->env.clock = &f->c.clock;
    f->env.engine = f->c.e;
    f->env.actor = "test";
    CHECK_OK(http_client_new(&ho, &f->http, &err), &err);
}

static void
fx_done(struct fx *f)
{
    http_client_free(f->http);
    check_fx_close(&f->c);
}

/* The simulator's admin API over HTTP (the driver's thread uses the simulator meanwhile):
 * the parsed answer to method path (caller deletes it). */
static cJSON *
admin(struct fx *f, const char *method, const char *path, const char *body)
{
    struct http_header h[] = { { "Content-Type", "application/json" } };
    struct http_response r = { 0 };
    struct sbx_err err = { 0 };
    char url[128];
    cJSON *j;

    snprintf(url, sizeof(url), "%s/__sim/%s", f->url, path);
    CHECK_OK(http_request(f->http, method, url, 0, h, body != NULL ? 1 : 0, body,
                          body != NULL ? strlen(body) : 0, &r, &err),
             &err);
    CHECK_INT_EQ(r.status, 200);
    j = cJSON_ParseWithLength(r.body, r.body_len);
    CHECK(j != NULL);
    http_response_release(&r);
    return j;
}

static double
state_num(struct fx *f, const char *key, const char *sub)
{
    cJSON *j = admin(f, "GET", "state", NULL), *n = cJSON_GetObjectItemCaseSensitive(j, key);
    double v;

    if (sub != NULL)
        n = cJSON_GetObjectItemCaseSensitive(n, sub);
    v = cJSON_IsNumber(n) ? n->valuedouble : 0;
    cJSON_Delete(j);
    return v;
}

static void *
drive(void *arg)
{
    struct fx *f = arg;

    f->rc = class_drive(&f->env, f->name, CLASS_GOAL_SETTLED, NULL, &f->err);
    atomic_store(&f->done, true);
    return NULL;
}

static void
pause_real(double secs)
{
    struct timespec ts = { 0, (long)(secs * 1e9) };

    nanosleep(&ts, NULL);
}

TEST(scheduled_class_starts_when_the_paused_clock_is_advanced)
{
    struct class_request req = { 0 };
    struct class_plan plan = { 0 };
    struct class_view v = { 0 };
    struct sbx_err err = { 0 };
    struct fx f;
    pthread_t th;
    double reads = 0, seen, start_at;
    time_t give_up = time(NULL) + 120; /* a safety net for a stuck driver, not a measure */
    int advances = 0;
    cJSON *st, *reqs, *rq;

    fx_init(&f);
    req.name = "u1";
    req.owner = "prof@uni.example";
    req.seats = 2;
    req.ready_by = (int64_t)T0 + 3600;
    CHECK_OK(class_plan_make(&f.env, &req, &plan, &err), &err);
    CHECK(plan.start_at > (int64_t)T0);
    start_at = (double)plan.start_at;
    CHECK_OK(class_insert(&f.env, &req, &plan, &err), &err);
    class_plan_release(&plan);

    f.name = "u1";
    CHECK(pthread_create(&th, NULL, drive, &f) == 0);
    /* Each time the driver reads the clock it waits for it: move it 60 s. */
    while (!atomic_load(&f.done)) {
        seen = state_num(&f, "clock_reads", NULL);
        if (seen > reads) {
            cJSON_Delete(admin(&f, "POST", "advance", "{\"seconds\": 60}"));
            reads = state_num(&f, "clock_reads", NULL);
            advances++;
        }
        if (time(NULL) > give_up)
            CHECK_FAIL("class_drive still waiting after %d advances of the paused clock "
                       "(clock at +%.0f s, start at +%.0f s)",
                       advances, clock_now(&f.c.clock) - T0, start_at - T0);
        pause_real(0.005);
    }
    CHECK(pthread_join(th, NULL) == 0);
    CHECK_OK(f.rc, &f.err);

    CHECK_OK(class_view_load(f.c.store, "u1", &v, &err), &err);
    CHECK_STR_EQ(v.state, CLASS_READY);
    CHECK_INT_EQ(v.counts[CLASS_PHASE_ACTIVE], 2);
    class_view_release(&v);
    /* Nothing was sent before the start time. */
    st = admin(&f, "GET", "state", NULL);
    reqs = cJSON_GetObjectItemCaseSensitive(st, "create_requests");
    CHECK_INT_EQ(cJSON_GetArraySize(reqs), 2);
    cJSON_ArrayForEach(rq, reqs)
    {
        double t = cJSON_GetObjectItemCaseSensitive(rq, "RequestedTimestamp")->valuedouble;

        if (t < start_at)
            CHECK_FAIL("CreateAccount at +%.0f s, before the start at +%.0f s", t - T0,
                       start_at - T0);
    }
    cJSON_Delete(st);
    fx_done(&f);
}
