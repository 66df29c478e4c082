/*
 * ce_bench.c -- sbx_bench_ce: one spend fetch for many accounts, as the spend check makes it.
 *
 * usage: sbx_bench_ce [-c] [-a ACCOUNTS] [-d DAYS] [-p PAGE_SIZE]
 *
 * Builds a simulator in this process (fixed clock, no throttling, no lag) with ACCOUNTS member
 * accounts that each spend money every day, serves it on 127.0.0.1, and makes one
 * ce_daily_cost_by_account() call over the last DAYS days with the project's client (SigV4,
 * keep-alive, JSON parsing). Prints one line: accounts, days, cost rows, pages the client
 * read, GetCostAndUsage requests the simulator answered, the client thread's CPU seconds
 * (the simulator runs on its own threads and is not counted) and the wall seconds.
 * Exits 1 if requests != pages (the client must send exactly one request per page).
 *
 * -c measures `run`'s whole spend check instead (engine_budget_check): a store in a temporary
 * directory holds one active row per account (kind budget 100 USD, warnings at 50 and 80 %),
 * and the check fetches the days since activation, stores each account-day, sums and judges
 * every account and records the warnings (audit events, hook events queued) in one
 * transaction. The line adds the account-days stored and the warnings.
 */
#include "aws/ce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aws/orgs.h"
#include "cli/cmd.h"
#include "engine/engine_budget.h"
#include "engine/engine_state.h"
#include "sim/sim.h"
#include "store/store.h"
#include "util/clock.h"

#define T0 1767225600.0 /* 2026-01-01T00:00:00Z */

static double
cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
wall_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
admin(struct sim *s, const char *path, const char *body, cJSON **out)
{
    struct sim_reply r;
    int ok;

    if (sim_admin_call(s, body != NULL ? "POST" : "GET", path, body,
                       body != NULL ? strlen(body) : 0, &r) != 0)
        return -1;
    ok = r.status == 200;
    if (ok && out != NULL)
        *out = cJSON_ParseWithLength(r.body, r.len);
    sim_reply_release(&r);
    return ok ? 0 : -1;
}

static long
ce_requests(struct sim *s)
{
    struct sbx_err err = { 0 };
    char *json = NULL;
    cJSON *root;
    long n = -1;

    if (sim_state_json(s, false, &json, &err) != 0)
        return -1;
    root = cJSON_Parse(json);
    free(json);
    if (root != NULL) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(root, "calls"), "GetCostAndUsage");

        if (cJSON_IsNumber(v))
            n = (long)v->valuedouble;
    }
    cJSON_Delete(root);
    return n;
}

/* -c: the whole check of `run` over a store with one active row per account. */
static int
whole_check(struct sim *s, const struct orgs_opts *oo, int accounts, int days, char **ids)
{
    struct sbx_config *cfg = NULL;
    struct store *st = NULL;
    struct orgs *o = NULL;
    struct engine *e = NULL;
    struct engine_opts eo = { 0 };
    struct engine_budget_report r;
    struct sbx_clock clk;
    struct sbx_err err = { 0 };
    static const char *const leftovers[] = { "store.db", "store.db-wal", "store.db-shm",
                                             "store.db-journal" };
    char dir[] = "/tmp/sbx-bench-ce.XXXXXX", path[4200];
    double cpu0, wall0, cpu, wall;
    long before, requests;
    int rc = 1;

    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof(path), "%s/store.db", dir);
    if (cfg_defaults(&cfg, &err) != 0 || store_open(path, STORE_CREATE, &st, &err) != 0)
        goto out;
    cfg->kinds[0].budget.limit = 10000; /* 100 USD */
    cfg->kinds[0].budget.warn[0] = 50;
    cfg->kinds[0].budget.warn[1] = 80;
    cfg->kinds[0].budget.nwarn = 2;
    cfg->budget.check_interval = 6 * 3600;
    if (store_begin(st, &err) != 0)
        goto out;
    for (int i = 0; i < accounts; i++) {
        struct store_account a = { 0 };
        struct store_audit_ev ev = { (int64_t)T0, "bench", "adopted", NULL, "active", NULL };
        char email[64], name[64], owner[] = "owner@example.com", empty[] = "";

        snprintf(email, sizeof(email), "bench%d@example.com", i);
        snprintf(name, sizeof(name), "bench%d", i);
        snprintf(a.account_id, sizeof(a.account_id), "%s", ids[i]);
        a.email = email;
        a.name = name;
        a.kind = cfg->kinds[0].name;
        a.owner = owner;
        a.reason = empty;
        a.last_error = empty;
        a.state = ENGINE_S_ACTIVE;
        a.active_at = (int64_t)T0;
        a.adopted = true;
        if (store_account_insert(st, &a, 0, &ev, &err) != 0) {
            store_rollback(st);
            goto out;
        }
    }
    if (store_commit(st, &err) != 0)
        goto out;
    clock_init_fixed(&clk, T0 + days * 86400.0);
    if (orgs_new(oo, &clk, &o, &err) != 0)
        goto out;
    eo.cfg = cfg;
    eo.store = st;
    eo.orgs = o;
    eo.clock = &clk;
    eo.actor = "bench";
    if (engine_new(&eo, &e, &err) != 0)
        goto out;
    before = ce_requests(s);
    cpu0 = cpu_now();
    wall0 = wall_now();
    if (engine_budget_check(e, true, &r, &err) != 0)
        goto out;
    cpu = cpu_now() - cpu0;
    wall = wall_now() - wall0;
    requests = ce_requests(s) - before;
    printf("check: accounts %d days %d stored %zu pages %d requests %ld warnings %d cpu %.3f "
           "wall %.3f%s%s\n",
           accounts, days, r.costs, r.pages, requests, r.warned, cpu, wall,
           r.error[0] != '\0' ? " error " : "", r.error);
    rc = r.error[0] == '\0' && requests == r.pages && r.costs > 0 ? 0 : 1;
out:
    if (err.code != 0)
        fprintf(stderr, "sbx_bench_ce: %s\n", err.msg);
    engine_free(e);
    orgs_free(o);
    store_close(st);
    cfg_free(cfg);
    for (size_t i = 0; i < sizeof(leftovers) / sizeof(leftovers[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, leftovers[i]);
        unlink(path);
    }
    if (rmdir(dir) != 0)
        fprintf(stderr, "sbx_bench_ce: cannot remove %s\n", dir);
    return rc;
}

int
main(int argc, char **argv)
{
    struct sim_opts so;
    struct sim *s = NULL;
    struct sim_server *srv = NULL;
    struct orgs_opts oo = { 0 };
    struct orgs *o = NULL;
    struct sbx_clock clk;
    struct sbx_err err = { 0 };
    struct ce_result res;
    int accounts = 1000, days = 1, page = 500, opt;
    bool whole = false;
    char **ids = NULL;
    char url[64], start[11], end[11], body[256];
    double cpu0, wall0, cpu, wall;
    time_t t;
    long requests;

    while ((opt = getopt(argc, argv, "ca:d:p:")) != -1) {
        switch (opt) {
        case 'c':
            whole = true;
            break;
        case 'a':
            accounts = (int)strtol(optarg, NULL, 10);
            break;
        case 'd':
            days = (int)strtol(optarg, NULL, 10);
            break;
        case 'p':
            page = (int)strtol(optarg, NULL, 10);
            break;
        default:
            fprintf(stderr, "usage: sbx_bench_ce [-c] [-a ACCOUNTS] [-d DAYS] [-p PAGE_SIZE]\n");
            return 2;
        }
    }
    if (accounts < 1 || days < 1 || days > 400 || page < 1) {
        fprintf(stderr, "sbx_bench_ce: bad arguments\n");
        return 2;
    }
    setenv("AWS_ACCESS_KEY_ID", "AKIDBENCH", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "benchsecret", 1);
    setenv("AWS_CONFIG_FILE", "/dev/null", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
    sim_opts_init(&so);
    so.access_key_id = "AKIDBENCH";
    so.secret_access_key = "benchsecret";
    so.fixed_clock = true;
    so.start_time = T0;
    so.seed = 1;
    so.seeded = true;
    so.throttle = false;
    so.account_limit = accounts + 1;
    so.ce_lag = 0;
    so.ce_page_size = page;
    if (sim_new(&so, &s, &err) != 0)
        goto fail;
    ids = calloc((size_t)accounts, sizeof(*ids));
    if (ids == NULL)
        goto fail_msg;
    for (int i = 0; i < accounts; i++) {
        cJSON *out = NULL;
        const cJSON *id;

        snprintf(body, sizeof(body), "{\"Email\":\"bench%d@example.com\",\"Name\":\"bench%d\"}", i,
                 i);
        if (admin(s, "/__sim/accounts", body, &out) != 0 || out == NULL)
            goto fail_msg;
        id = cJSON_GetObjectItemCaseSensitive(out, "Id");
        ids[i] = strdup(id->valuestring);
        snprintf(body, sizeof(body), "{\"AccountId\":\"%s\",\"PerDay\":%d.5}", id->valuestring,
                 1 + i % 50);
        cJSON_Delete(out);
        if (admin(s, "/__sim/spend", body, NULL) != 0)
            goto fail_msg;
    }
    sim_advance(s, days * 86400.0);
    t = (time_t)T0;
    strftime(start, sizeof(start), "%Y-%m-%d", gmtime(&t));
    t = (time_t)(T0 + days * 86400.0);
    strftime(end, sizeof(end), "%Y-%m-%d", gmtime(&t));
    if (sim_server_start(s, NULL, "127.0.0.1:0", NULL, NULL, &srv, &err) != 0)
        goto fail;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", sim_server_port(srv));
    oo.endpoint = url;
    oo.sts_endpoint = url;
    oo.ce_endpoint = url;
    oo.max_attempts = 1;
    oo.connect_timeout = 5;
    oo.request_timeout = 60;
    clock_init_fixed(&clk, T0 + days * 86400.0);
    if (orgs_new(&oo, &clk, &o, &err) != 0)
        goto fail;
    if (whole) {
        int rc = whole_check(s, &oo, accounts, days, ids);

        orgs_free(o);
        sim_server_stop(srv);
        sim_free(s);
        return rc;
    }
    cpu0 = cpu_now();
    wall0 = wall_now();
    if (ce_daily_cost_by_account(o, start, end, &res, &err) != 0)
        goto fail;
    cpu = cpu_now() - cpu0;
    wall = wall_now() - wall0;
    requests = ce_requests(s);
    printf("accounts %d days %d rows %zu pages %d requests %ld cpu %.3f wall %.3f\n", accounts,
           days, res.n, res.pages, requests, cpu, wall);
    {
        int rc = requests == res.pages && res.n == (size_t)accounts * (size_t)days ? 0 : 1;

        ce_result_release(&res);
        orgs_free(o);
        sim_server_stop(srv);
        sim_free(s);
        return rc;
    }
fail_msg:
    fprintf(stderr, "sbx_bench_ce: setting up the simulator failed\n");
    return 1;
fail:
    fprintf(stderr, "sbx_bench_ce: %s\n", err.msg);
    return 1;
}
