/*
 * orgs.c -- the AWS Organizations client (see orgs.h).
 *
 * Requests are awsJson1_1 exactly as AWS-ORGANIZATIONS.md section 1.3 shows: POST /,
 * X-Amz-Target AWSOrganizationsV20161128.<Operation>, Content-Type application/x-amz-json-1.1,
 * a JSON object body with unset members omitted ("{}" when there are none). awscall.c signs,
 * sends and retries; this file builds bodies, paces calls, follows NextToken and turns
 * responses into the structs of orgs.h.
 *
 * Pacing: one token bucket per operation in clock time (so a simulator running faster than
 * real time refills faster too). A call takes a token, sleeping until one is there; the engine
 * can ask orgs_pace_wait() first to avoid sleeping. The rates of the operations the engine
 * plans around come from the options (the configuration's limits); the others are section
 * 3.4's per-account rates.
 *
 * Credentials resolve on first use and again when they expire within five minutes (judged by
 * the wall clock: credential expiry is a real-world time even when the client follows a
 * simulator's clock).
 */
#include "aws/orgs.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "aws/awscall.h"
#include "aws/awserr.h"
#include "aws/endpoint.h"
#include "aws/http.h"
#include "aws/orgs_int.h"
#include "aws/retry.h"
#include "aws/sts.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/grow.h"
#include "util/jsonr.h"
#include "util/log.h"

#define TARGET_PREFIX  "AWSOrganizationsV20161128."
#define PAGE_SIZE      20
#define REFRESH_MARGIN 300 /* seconds before expiry when credentials are refreshed */

struct pace {
    double rate;   /* tokens per second; <= 0: not paced */
    double burst;  /* bucket size */
    double tokens; /* at time `last` */
    double last;   /* clock time of the last refill; 0: bucket not used yet (full) */
};

struct orgs {
    struct http_client *http;
    struct sbx_clock *clock; /* borrowed, may be NULL (real time) */
    struct retry_quota quota;
    struct awscall_client call;
    struct endpoint ep;     /* Organizations */
    struct endpoint sts_ep; /* STS */
    struct endpoint ce_ep;  /* Cost Explorer ("" url: none, ce_problem says why) */
    char ce_problem[ORGS_PROBLEM_MAX];
    struct endpoint budgets_ep; /* AWS Budgets ("" url: none, budgets_problem says why) */
    char budgets_problem[ORGS_PROBLEM_MAX];
    char *profile;
    char *region;
    char *sts_override;
    struct creds_opts copts;
    struct creds creds;
    bool have_creds;
    struct pace pace[ORGS_OP_COUNT];
};

static const char *const op_names[ORGS_OP_COUNT] = {
    [ORGS_OP_CREATE_ACCOUNT] = "CreateAccount",
    [ORGS_OP_DESCRIBE_CREATE_ACCOUNT_STATUS] = "DescribeCreateAccountStatus",
    [ORGS_OP_LIST_CREATE_ACCOUNT_STATUS] = "ListCreateAccountStatus",
    [ORGS_OP_CLOSE_ACCOUNT] = "CloseAccount",
    [ORGS_OP_DESCRIBE_ACCOUNT] = "DescribeAccount",
    [ORGS_OP_LIST_ACCOUNTS] = "ListAccounts",
    [ORGS_OP_LIST_ACCOUNTS_FOR_PARENT] = "ListAccountsForParent",
    [ORGS_OP_LIST_ROOTS] = "ListRoots",
    [ORGS_OP_LIST_OUS_FOR_PARENT] = "ListOrganizationalUnitsForParent",
    [ORGS_OP_CREATE_OU] = "CreateOrganizationalUnit",
    [ORGS_OP_MOVE_ACCOUNT] = "MoveAccount",
    [ORGS_OP_LIST_PARENTS] = "ListParents",
    [ORGS_OP_TAG_RESOURCE] = "TagResource",
    [ORGS_OP_UNTAG_RESOURCE] = "UntagResource",
    [ORGS_OP_LIST_TAGS_FOR_RESOURCE] = "ListTagsForResource",
    [ORGS_OP_DESCRIBE_ORGANIZATION] = "DescribeOrganization",
    [ORGS_OP_CREATE_POLICY] = "CreatePolicy",
    [ORGS_OP_ATTACH_POLICY] = "AttachPolicy",
    [ORGS_OP_DETACH_POLICY] = "DetachPolicy",
    [ORGS_OP_LIST_POLICIES] = "ListPolicies",
    [ORGS_OP_LIST_POLICIES_FOR_TARGET] = "ListPoliciesForTarget",
    [ORGS_OP_ENABLE_POLICY_TYPE] = "EnablePolicyType",
};

/* Section 3.4 per-account (rate, burst) for the operations struct orgs_opts does not cover. */
static const struct {
    enum orgs_op op;
    double rate;
    int burst;
} default_pace[] = {
    { ORGS_OP_LIST_CREATE_ACCOUNT_STATUS, 5, 8 },
    { ORGS_OP_LIST_ACCOUNTS, 8, 12 },
    { ORGS_OP_LIST_ACCOUNTS_FOR_PARENT, 5, 8 },
    { ORGS_OP_LIST_ROOTS, 1, 2 },
    { ORGS_OP_LIST_OUS_FOR_PARENT, 5, 8 },
    { ORGS_OP_CREATE_OU, 1, 2 },
    { ORGS_OP_LIST_PARENTS, 5, 8 },
    { ORGS_OP_LIST_TAGS_FOR_RESOURCE, 10, 15 },
    { ORGS_OP_DESCRIBE_ORGANIZATION, 1, 2 },
    /* Not in section 3.4: the simulator's assumed rates. */
    { ORGS_OP_CREATE_POLICY, 1, 2 },
    { ORGS_OP_ENABLE_POLICY_TYPE, 1, 2 },
    { ORGS_OP_ATTACH_POLICY, 5, 8 },
    { ORGS_OP_DETACH_POLICY, 5, 8 },
    { ORGS_OP_LIST_POLICIES, 5, 8 },
    { ORGS_OP_LIST_POLICIES_FOR_TARGET, 5, 8 },
};

const char *
orgs_op_name(enum orgs_op op)
{
    return (size_t)op < ORGS_OP_COUNT ? op_names[op] : "Unknown";
}

/* Operations whose repetition repeats a side effect (a second account, a second closure
 * counted against the quota, a DuplicateOrganizationalUnitException or
 * DuplicatePolicyException): see awscall.h. */
static bool
non_idempotent(enum orgs_op op)
{
    return op == ORGS_OP_CREATE_ACCOUNT || op == ORGS_OP_CLOSE_ACCOUNT || op == ORGS_OP_CREATE_OU ||
           op == ORGS_OP_CREATE_POLICY;
}

/* --- pacing ----------------------------------------------------------------------------- */

void
orgs_set_pace(struct orgs *o, enum orgs_op op, double rate, int burst)
{
    struct pace *p;

    if ((size_t)op >= ORGS_OP_COUNT)
        return;
    p = &o->pace[op];
    p->rate = rate;
    p->burst = burst >= 1 ? burst : 1;
    p->tokens = p->burst;
    p->last = 0;
}

/* Tokens in the bucket at time now. */
static double
pace_tokens(const struct pace *p, double now)
{
    if (p->last == 0)
        return p->burst;
    return fmin(p->burst, p->tokens + fmax(0, now - p->last) * p->rate);
}

double
orgs_pace_wait(const struct orgs *o, enum orgs_op op)
{
    const struct pace *p;
    double tokens;

    if ((size_t)op >= ORGS_OP_COUNT)
        return 0;
    p = &o->pace[op];
    if (p->rate <= 0)
        return 0;
    tokens = pace_tokens(p, clock_now(o->clock));
    return tokens >= 1 ? 0 : (1 - tokens) / p->rate;
}

/* Takes one token for op, sleeping on the client's clock until there is one. */
static int
pace_take(struct orgs *o, enum orgs_op op, struct sbx_err *err)
{
    struct pace *p = &o->pace[op];
    double now, wait;

    if (p->rate <= 0)
        return 0;
    wait = orgs_pace_wait(o, op);
    if (wait > 0) {
        log_debug("%s: pacing, waiting %.2fs", op_names[op], wait);
        if (clock_sleep(o->clock, wait) != 0) {
            sbx_err_set(err, SBX_E_FAILURE, "%s: interrupted while pacing", op_names[op]);
            return -1;
        }
    }
    now = clock_now(o->clock);
    p->tokens = pace_tokens(p, now) - 1;
    if (p->tokens < 0)
        p->tokens = 0;
    p->last = now;
    return 0;
}

/* --- client ------------------------------------------------------------------------------ */

static char *
dup_or_null(const char *s)
{
    return s != NULL && *s != '\0' ? strdup(s) : NULL;
}

static int
get_creds(void *ctx, bool force, const struct creds **out, struct sbx_err *err)
{
    struct orgs *o = ctx;
    int64_t now = (int64_t)clock_wall();
    struct creds fresh;

    if (!o->have_creds || force || creds_expiring(&o->creds, now, REFRESH_MARGIN)) {
        if (creds_resolve(&o->copts, &fresh, err) != 0) {
            /* Keep using credentials that are merely close to expiry. */
            if (!o->have_creds || force || creds_expiring(&o->creds, now, 0))
                return -1;
            log_warn("cannot refresh credentials, using the current ones: %s", err->msg);
        } else {
            if (o->have_creds && strcmp(o->creds.source, fresh.source) != 0)
                log_info("credentials now from %s", fresh.source);
            creds_release(&o->creds);
            o->creds = fresh;
            o->have_creds = true;
        }
    }
    *out = &o->creds;
    return 0;
}

int
orgs_resolve_service_ep(const char *profile, const struct orgs_service_ep *sv,
                        struct endpoint_opts *eo, struct sbx_err *err)
{
    struct endpoint_env env;
    struct sbx_err cerr = { 0 };
    char *profile_url = NULL;
    int rc;

    if (creds_profile_setting(profile, sv->section, "endpoint_url", &profile_url, err) != 0)
        return -1;
    eo->config_url = sv->config_url;
    eo->profile_url = profile_url;
    endpoint_env_read(sv->env_upper, &env);
    rc = sv->regional != NULL ? endpoint_resolve_regional(eo, &env, sv->regional, sv->ep, &cerr)
                              : sv->resolve(eo, &env, sv->ep, &cerr);
    free(profile_url);
    eo->profile_url = NULL;
    if (rc == 0)
        return 0;
    if (sv->problem == NULL || (sv->config_url != NULL && *sv->config_url != '\0') ||
        (env.service_url != NULL && *env.service_url != '\0')) {
        *err = cerr;
        return -1;
    }
    snprintf(sv->problem, ORGS_PROBLEM_MAX, "%s", cerr.msg);
    sv->ep->url[0] = '\0';
    return 0;
}

/* The endpoints of the four services the client reaches, with eo (region and flags set). */
static int
resolve_endpoints(struct orgs *o, const struct orgs_opts *opts, struct endpoint_opts *eo,
                  struct sbx_err *err)
{
    const struct orgs_service_ep services[] = {
        { "organizations", "ORGANIZATIONS", opts->endpoint, endpoint_resolve_orgs, NULL, &o->ep,
          NULL },
        { "sts", "STS", opts->sts_endpoint, endpoint_resolve_sts, NULL, &o->sts_ep, NULL },
        { "cost_explorer", "COST_EXPLORER", opts->ce_endpoint, endpoint_resolve_ce, NULL, &o->ce_ep,
          o->ce_problem },
        { "budgets", "BUDGETS", opts->budgets_endpoint, endpoint_resolve_budgets, NULL,
          &o->budgets_ep, o->budgets_problem },
    };

    for (size_t i = 0; i < SBX_ARRAY_LEN(services); i++) {
        if (orgs_resolve_service_ep(o->profile, &services[i], eo, err) != 0)
            return -1;
    }
    return 0;
}

/* The client's region: the configured one, $AWS_REGION, $AWS_DEFAULT_REGION, the profile's
 * region setting, else us-east-1; *out is heap memory. */
static int
client_region(const char *configured, const char *profile, char **out, struct sbx_err *err)
{
    const char *region = configured;
    char *profile_region = NULL;

    if (region == NULL || *region == '\0')
        region = getenv("AWS_REGION");
    if (region == NULL || *region == '\0')
        region = getenv("AWS_DEFAULT_REGION");
    if (region == NULL || *region == '\0') {
        if (creds_profile_setting(profile, NULL, "region", &profile_region, err) != 0)
            return -1;
        region = profile_region;
    }
    *out = strdup(region != NULL && *region != '\0' ? region : "us-east-1");
    free(profile_region);
    return *out == NULL ? sbx_err_nomem(err) : 0;
}

static bool
env_true(const char *name)
{
    const char *v = getenv(name);

    return v != NULL && strcasecmp(v, "true") == 0;
}

int
orgs_new(const struct orgs_opts *opts, struct sbx_clock *clock, struct orgs **out,
         struct sbx_err *err)
{
    struct orgs *o;
    struct http_opts hopts = { 0 };
    struct endpoint_opts eo = { 0 };
    const char *profile;
    const char *sts_regional = getenv("AWS_STS_REGIONAL_ENDPOINTS");
    int attempts;

    *out = NULL;
    o = sbx_calloc(1, sizeof(*o), err);
    if (o == NULL)
        return -1;
    o->clock = clock;
    retry_quota_init(&o->quota);
    o->copts.profile = opts->profile;
    o->copts.profile_explicit = opts->profile != NULL && *opts->profile != '\0';
    profile = creds_profile_name(&o->copts);
    o->profile = strdup(profile);
    if (o->profile == NULL)
        goto nomem;
    o->copts.profile = o->copts.profile_explicit ? o->profile : NULL;

    if (client_region(opts->region, o->profile, &o->region, err) != 0)
        goto fail;

    eo.region = o->region;
    eo.fips = env_true("AWS_USE_FIPS_ENDPOINT");
    eo.sts_global = sts_regional != NULL && strcasecmp(sts_regional, "legacy") == 0;
    if (resolve_endpoints(o, opts, &eo, err) != 0)
        goto fail;
    o->sts_override = dup_or_null(opts->sts_endpoint);
    if (opts->sts_endpoint != NULL && *opts->sts_endpoint != '\0' && o->sts_override == NULL)
        goto nomem;

    if (retry_max_attempts(opts->max_attempts, getenv("AWS_MAX_ATTEMPTS"), &attempts, err) != 0)
        goto fail;
    hopts.connect_timeout = opts->connect_timeout;
    hopts.request_timeout = opts->request_timeout;
    if (http_client_new(&hopts, &o->http, err) != 0)
        goto fail;

    o->copts.region = o->region;
    o->copts.sts_endpoint = o->sts_override;
    o->copts.http = o->http;
    o->copts.clock = clock;
    o->copts.max_attempts = attempts;
    o->call.http = o->http;
    o->call.clock = clock;
    o->call.quota = &o->quota;
    o->call.max_attempts = attempts;
    o->call.get_creds = get_creds;
    o->call.creds_ctx = o;

    orgs_set_pace(o, ORGS_OP_CREATE_ACCOUNT, opts->create_rate, opts->create_burst);
    orgs_set_pace(o, ORGS_OP_CLOSE_ACCOUNT, opts->close_rate, opts->close_burst);
    orgs_set_pace(o, ORGS_OP_DESCRIBE_CREATE_ACCOUNT_STATUS, opts->describe_rate, 2);
    orgs_set_pace(o, ORGS_OP_DESCRIBE_ACCOUNT, opts->describe_rate, 2);
    orgs_set_pace(o, ORGS_OP_MOVE_ACCOUNT, opts->move_rate, 3);
    orgs_set_pace(o, ORGS_OP_TAG_RESOURCE, opts->tag_rate, 6);
    orgs_set_pace(o, ORGS_OP_UNTAG_RESOURCE, opts->tag_rate, 6);
    for (size_t i = 0; i < SBX_ARRAY_LEN(default_pace); i++)
        orgs_set_pace(o, default_pace[i].op, default_pace[i].rate, default_pace[i].burst);

    log_debug("organizations endpoint %s (%s), signing region %s; sts endpoint %s (%s)", o->ep.url,
              o->ep.source, o->ep.signing_region, o->sts_ep.url, o->sts_ep.source);
    *out = o;
    return 0;
nomem:
    sbx_err_nomem(err);
fail:
    orgs_free(o);
    return -1;
}

void
orgs_free(struct orgs *o)
{
    if (o == NULL)
        return;
    creds_release(&o->creds);
    http_client_free(o->http);
    free(o->profile);
    free(o->region);
    free(o->sts_override);
    free(o);
}

int
orgs_credentials(struct orgs *o, const char **source, struct sbx_err *err)
{
    const struct creds *c;

    if (get_creds(o, false, &c, err) != 0)
        return -1;
    *source = c->source;
    return 0;
}

int
orgs_copy_credentials(struct orgs *o, struct creds *out, struct sbx_err *err)
{
    const struct creds *c;

    memset(out, 0, sizeof(*out));
    if (get_creds(o, false, &c, err) != 0)
        return -1;
    return creds_copy(out, c, err);
}

const char *
orgs_endpoint(const struct orgs *o)
{
    return o->ep.url;
}

const char *
orgs_signing_region(const struct orgs *o)
{
    return o->ep.signing_region;
}

const char *
orgs_partition(const struct orgs *o)
{
    return o->ep.partition;
}

const char *
orgs_endpoint_source(const struct orgs *o)
{
    return o->ep.source;
}

const char *
orgs_sts_endpoint(const struct orgs *o)
{
    return o->sts_ep.url;
}

const char *
orgs_access_key_id(const struct orgs *o)
{
    return o->have_creds ? o->creds.access_key_id : NULL;
}

int64_t
orgs_credentials_expiration(const struct orgs *o)
{
    return o->have_creds ? o->creds.expiration : 0;
}

int
orgs_retry_quota(const struct orgs *o)
{
    return o->quota.available;
}

void
orgs_set_max_attempts(struct orgs *o, int attempts)
{
    o->call.max_attempts = attempts >= 1 ? attempts : 1;
}

int
orgs_max_attempts(const struct orgs *o)
{
    return o->call.max_attempts;
}

/* --- JSON helpers ------------------------------------------------------------------------ */

/* A timestamp: a JSON number of epoch seconds (any JSON number form), or tolerated as an
 * ISO 8601 string. 0 when absent. */
static double
jtime(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    int64_t t;

    if (cJSON_IsNumber(v))
        return v->valuedouble;
    if (cJSON_IsString(v) && duration_parse_time(v->valuestring, &t, NULL) == 0)
        return (double)t;
    return 0;
}

static int
protocol(const char *op, const char *what, struct sbx_err *err)
{
    sbx_err_set(err, SBX_E_AWS, "%s: %s", op, what);
    err->aws = SBX_AWS_PROTOCOL;
    return -1;
}

int
orgs_protocol(const char *op, const char *what, struct sbx_err *err)
{
    return protocol(op, what, err);
}

static bool
add_tags(cJSON *req, const char *name, const struct orgs_tag *tags, size_t ntags)
{
    cJSON *arr;

    if (tags == NULL || ntags == 0)
        return true;
    arr = cJSON_AddArrayToObject(req, name);
    for (size_t i = 0; arr != NULL && i < ntags; i++) {
        cJSON *t = orgs_request("Key", tags[i].key, "Value",
                                tags[i].value != NULL ? tags[i].value : "", NULL);

        if (t == NULL)
            return false;
        cJSON_AddItemToArray(arr, t);
    }
    return arr != NULL;
}

/*
 * One JSON 1.1 call to ep: sends req ("{}" when NULL) as target and parses the 2xx body into
 * *resp (an empty body becomes an empty object). The caller deletes *resp.
 */
static int
json_call(struct orgs *o, const struct endpoint *ep, const char *service, const char *target,
          const char *opname, bool non_idem, const cJSON *req, cJSON **resp, struct sbx_err *err)
{
    struct http_response r = { 0 };
    struct awscall_req areq = { 0 };
    char *body = NULL;
    const char *problem;
    int rc = -1;

    *resp = NULL;
    body = req != NULL ? cJSON_PrintUnformatted(req) : NULL;
    if (req != NULL && body == NULL)
        return sbx_err_nomem(err);
    areq.ep = ep;
    areq.service = service;
    areq.proto = AWSCALL_JSON;
    areq.operation = opname;
    areq.target = target;
    areq.body = body != NULL ? body : "{}";
    areq.body_len = strlen(areq.body);
    areq.non_idempotent = non_idem;
    if (awscall_send(&o->call, &areq, &r, err) != 0)
        goto out;
    problem = awserr_json_problem(r.body, r.body_len);
    if (problem != NULL && strcmp(problem, "empty response body") == 0) {
        *resp = cJSON_CreateObject();
        if (*resp == NULL) {
            sbx_err_nomem(err);
            goto out;
        }
    } else if (problem != NULL) {
        awserr_protocol(r.status, problem, r.body, r.body_len, err);
        err->aws = SBX_AWS_PROTOCOL;
        sbx_err_prefix(err, "%s", opname);
        goto out;
    } else {
        *resp = cJSON_ParseWithLength(r.body, r.body_len);
        if (*resp == NULL) {
            sbx_err_nomem(err);
            goto out;
        }
    }
    rc = 0;
out:
    http_response_release(&r);
    cJSON_free(body);
    return rc;
}

/* One Organizations operation: paces, then json_call. */
static int
orgs_call(struct orgs *o, enum orgs_op op, const cJSON *req, cJSON **resp, struct sbx_err *err)
{
    char target[96];

    *resp = NULL;
    if (pace_take(o, op, err) != 0)
        return -1;
    snprintf(target, sizeof(target), TARGET_PREFIX "%s", op_names[op]);
    return json_call(o, &o->ep, "organizations", target, op_names[op], non_idempotent(op), req,
                     resp, err);
}

int
orgs_call_service(struct orgs *o, const struct orgs_service_call *sc, const cJSON *req,
                  cJSON **resp, struct sbx_err *err)
{
    char target[128];

    snprintf(target, sizeof(target), "%s.%s", sc->target_prefix, sc->operation);
    return json_call(o, sc->ep, sc->service, target, sc->operation, sc->non_idempotent, req, resp,
                     err);
}

/* A billing service's endpoint, or NULL with why the client has none. */
static const struct endpoint *
billing_ep(const struct endpoint *ep, const char *problem, struct sbx_err *err)
{
    if (ep->url[0] == '\0') {
        sbx_err_set(err, SBX_E_CONFIG, "%s", problem);
        return NULL;
    }
    return ep;
}

const struct endpoint *
orgs_ce_ep(const struct orgs *o, struct sbx_err *err)
{
    return billing_ep(&o->ce_ep, o->ce_problem, err);
}

const struct endpoint *
orgs_budgets_ep(const struct orgs *o, struct sbx_err *err)
{
    return billing_ep(&o->budgets_ep, o->budgets_problem, err);
}

const char *
orgs_budgets_endpoint(const struct orgs *o)
{
    return o->budgets_ep.url[0] != '\0' ? o->budgets_ep.url : NULL;
}

const char *
orgs_ce_endpoint(const struct orgs *o)
{
    return o->ce_ep.url[0] != '\0' ? o->ce_ep.url : NULL;
}

const char *
orgs_region(const struct orgs *o)
{
    return o->region;
}

const char *
orgs_profile(const struct orgs *o)
{
    return o->profile;
}

/* The object member key of resp, which must be present. */
static const cJSON *
member(const char *op, const cJSON *resp, const char *key, struct sbx_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(resp, key);

    if (!cJSON_IsObject(v)) {
        sbx_err_set(err, SBX_E_AWS, "%s: response lacks %s", op, key);
        err->aws = SBX_AWS_PROTOCOL;
        return NULL;
    }
    return v;
}

/* --- growable arrays --------------------------------------------------------------------- */

void *
orgs_vec_push(struct orgs_vec *v)
{
    void *slot = grow_slot(&v->items, v->n, &v->cap, v->size);

    if (slot != NULL)
        v->n++;
    return slot;
}

int
orgs_vec_item(void *ctx, const cJSON *it, struct sbx_err *err)
{
    struct orgs_vec *v = ctx;
    void *slot = orgs_vec_push(v);

    if (slot == NULL)
        return sbx_err_nomem(err);
    if (v->parse(it, slot, err) != 0) {
        v->n--;
        return -1;
    }
    return 0;
}

int
orgs_vec_settle(struct orgs_vec *v, int rc)
{
    if (rc != 0) {
        jsonr_free_array(v->items, v->n, v->size, v->fields);
        v->items = NULL;
        v->n = 0;
    }
    return rc;
}

/* Sends one request: an Organizations operation (sc NULL: paced) or another service's. */
static int
send(struct orgs *o, enum orgs_op op, const struct orgs_service_call *sc, const cJSON *req,
     cJSON **resp, struct sbx_err *err)
{
    return sc != NULL ? orgs_call_service(o, sc, req, resp, err) : orgs_call(o, op, req, resp, err);
}

/*
 * Follows NextToken: sends req (adding MaxResults when has_max and NextToken from the
 * previous page), calls item() for every element of result_key, and stops only when a page
 * has no NextToken, never on an empty page.
 */
static int
paginate(struct orgs *o, enum orgs_op op, const struct orgs_service_call *sc, cJSON *req,
         bool has_max, const char *result_key,
         int (*item)(void *ctx, const cJSON *it, struct sbx_err *err), void *ctx,
         struct sbx_err *err)
{
    const char *opname = sc != NULL ? sc->operation : op_names[op];
    /* the page token's name: NextToken, or the service's own (Cost Explorer's NextPageToken) */
    const char *tk = sc != NULL && sc->token_key != NULL ? sc->token_key : "NextToken";
    char *token = NULL;
    int rc = -1, pages = 0;

    if (has_max && (sc == NULL || sc->page_size > 0) &&
        cJSON_AddNumberToObject(req, "MaxResults", sc != NULL ? sc->page_size : PAGE_SIZE) == NULL)
        return sbx_err_nomem(err);
    for (;;) {
        cJSON *resp = NULL;
        const cJSON *arr, *it;
        const char *next;

        cJSON_DeleteItemFromObjectCaseSensitive(req, tk);
        if (token != NULL && cJSON_AddStringToObject(req, tk, token) == NULL) {
            sbx_err_nomem(err);
            goto out;
        }
        if (send(o, op, sc, req, &resp, err) != 0)
            goto out;
        pages++;
        if (sc != NULL && sc->pages != NULL)
            *sc->pages = pages;
        arr = cJSON_GetObjectItemCaseSensitive(resp, result_key);
        if (arr != NULL && !cJSON_IsNull(arr) && !cJSON_IsArray(arr)) {
            cJSON_Delete(resp);
            protocol(opname, "result list is not an array", err);
            goto out;
        }
        cJSON_ArrayForEach(it, arr)
        {
            /* Organizations lists objects; another service's item() checks its own. */
            if ((sc == NULL && !cJSON_IsObject(it)) || item(ctx, it, err) != 0) {
                if (sc == NULL && !cJSON_IsObject(it))
                    protocol(opname, "result list holds a non-object", err);
                cJSON_Delete(resp);
                goto out;
            }
        }
        next = jsonr_str(resp, tk);
        if (next == NULL || *next == '\0') {
            cJSON_Delete(resp);
            break;
        }
        if (token != NULL && strcmp(token, next) == 0) {
            char what[96];

            cJSON_Delete(resp);
            snprintf(what, sizeof(what), "%s repeated: the listing does not advance", tk);
            protocol(opname, what, err);
            goto out;
        }
        free(token);
        token = strdup(next);
        cJSON_Delete(resp);
        if (token == NULL) {
            sbx_err_nomem(err);
            goto out;
        }
    }
    log_debug("%s: %d page%s", opname, pages, pages == 1 ? "" : "s");
    rc = 0;
out:
    free(token);
    return rc;
}

/* --- result parsing ---------------------------------------------------------------------- */

/* The heap strings of each struct, read from these members and freed by its release. */
static const struct jsonr_field account_fields[] = {
    { "Arn", offsetof(struct orgs_account, arn) },
    { "Email", offsetof(struct orgs_account, email) },
    { "Name", offsetof(struct orgs_account, name) },
    { NULL, 0 },
};
static const struct jsonr_field create_status_fields[] = {
    { "AccountName", offsetof(struct orgs_create_status, account_name) },
    { NULL, 0 },
};
static const struct jsonr_field ou_fields[] = {
    { "Id", offsetof(struct orgs_ou, id) },
    { "Arn", offsetof(struct orgs_ou, arn) },
    { "Name", offsetof(struct orgs_ou, name) },
    { "Path", offsetof(struct orgs_ou, path) },
    { NULL, 0 },
};
static const struct jsonr_field root_fields[] = {
    { "Id", offsetof(struct orgs_root, id) },
    { "Arn", offsetof(struct orgs_root, arn) },
    { "Name", offsetof(struct orgs_root, name) },
    { NULL, 0 },
};
static const struct jsonr_field policy_fields[] = {
    { "Arn", offsetof(struct orgs_policy, arn) },
    { "Name", offsetof(struct orgs_policy, name) },
    { "Description", offsetof(struct orgs_policy, description) },
    { NULL, 0 },
};
static const struct jsonr_field tag_fields[] = {
    { "Key", offsetof(struct orgs_tag, key) },
    { "Value", offsetof(struct orgs_tag, value) },
    { NULL, 0 },
};
static const struct jsonr_field organization_fields[] = {
    { "Id", offsetof(struct orgs_organization, id) },
    { "Arn", offsetof(struct orgs_organization, arn) },
    { "FeatureSet", offsetof(struct orgs_organization, feature_set) },
    { "MasterAccountId", offsetof(struct orgs_organization, master_account_id) },
    { "MasterAccountArn", offsetof(struct orgs_organization, master_account_arn) },
    { "MasterAccountEmail", offsetof(struct orgs_organization, master_account_email) },
    { NULL, 0 },
};

static int
parse_account(const cJSON *j, void *slot, struct sbx_err *err)
{
    struct orgs_account *a = slot;
    const char *id = jsonr_str(j, "Id");

    memset(a, 0, sizeof(*a));
    if (id == NULL || strlen(id) != 12)
        return protocol("Account", "account without a 12-digit Id", err);
    memcpy(a->id, id, 13);
    if (jsonr_dup_fields(j, a, account_fields) != 0)
        return sbx_err_nomem(err);
    jsonr_copy(j, "State", a->state, sizeof(a->state));
    jsonr_copy(j, "Status", a->status, sizeof(a->status));
    jsonr_copy(j, "JoinedMethod", a->joined_method, sizeof(a->joined_method));
    a->joined = jtime(j, "JoinedTimestamp");
    return 0;
}

static int
parse_create_status(const cJSON *j, void *slot, struct sbx_err *err)
{
    struct orgs_create_status *s = slot;
    const char *id = jsonr_str(j, "Id");

    memset(s, 0, sizeof(*s));
    if (id == NULL || *id == '\0' || strlen(id) >= sizeof(s->id))
        return protocol("CreateAccountStatus", "status without a valid Id", err);
    snprintf(s->id, sizeof(s->id), "%s", id);
    if (jsonr_dup_fields(j, s, create_status_fields) != 0)
        return sbx_err_nomem(err);
    jsonr_copy(j, "State", s->state, sizeof(s->state));
    jsonr_copy(j, "AccountId", s->account_id, sizeof(s->account_id));
    jsonr_copy(j, "FailureReason", s->failure_reason, sizeof(s->failure_reason));
    s->requested = jtime(j, "RequestedTimestamp");
    s->completed = jtime(j, "CompletedTimestamp");
    return 0;
}

/* An element with the string member key, else "op: what"; its fields into slot. */
static int
parse_keyed(const cJSON *j, const char *key, const char *op, const char *what,
            const struct jsonr_field *f, void *slot, struct sbx_err *err)
{
    if (jsonr_str(j, key) == NULL)
        return protocol(op, what, err);
    return jsonr_dup_fields(j, slot, f) != 0 ? sbx_err_nomem(err) : 0;
}

static int
parse_ou(const cJSON *j, void *slot, struct sbx_err *err)
{
    memset(slot, 0, sizeof(struct orgs_ou));
    return parse_keyed(j, "Id", "OrganizationalUnit", "OU without an Id", ou_fields, slot, err);
}

/* A Root's PolicyTypes lists SERVICE_CONTROL_POLICY as ENABLED. */
static bool
root_scp_enabled(const cJSON *root)
{
    const cJSON *t;

    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(root, "PolicyTypes"))
    {
        const char *type = jsonr_str(t, "Type"), *status = jsonr_str(t, "Status");

        if (type != NULL && status != NULL && strcmp(type, "SERVICE_CONTROL_POLICY") == 0 &&
            strcmp(status, "ENABLED") == 0)
            return true;
    }
    return false;
}

static int
parse_root(const cJSON *j, void *slot, struct sbx_err *err)
{
    struct orgs_root *r = slot;

    if (parse_keyed(j, "Id", "ListRoots", "root without an Id", root_fields, r, err) != 0)
        return -1;
    r->scp_enabled = root_scp_enabled(j);
    return 0;
}

static int
parse_policy(const char *op, const cJSON *j, struct orgs_policy *p, struct sbx_err *err)
{
    const char *id = jsonr_str(j, "Id");

    memset(p, 0, sizeof(*p));
    if (id == NULL || strlen(id) >= sizeof(p->id))
        return protocol(op, "policy without a valid Id", err);
    snprintf(p->id, sizeof(p->id), "%s", id);
    jsonr_copy(j, "Type", p->type, sizeof(p->type));
    p->aws_managed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "AwsManaged"));
    return jsonr_dup_fields(j, p, policy_fields) != 0 ? sbx_err_nomem(err) : 0;
}

static int
parse_listed_policy(const cJSON *j, void *slot, struct sbx_err *err)
{
    return parse_policy("ListPolicies", j, slot, err);
}

static int
parse_parent(const cJSON *j, void *slot, struct sbx_err *err)
{
    struct orgs_parent *p = slot;

    if (jsonr_str(j, "Id") == NULL)
        return protocol("ListParents", "parent without an Id", err);
    jsonr_copy(j, "Id", p->id, sizeof(p->id));
    jsonr_copy(j, "Type", p->type, sizeof(p->type));
    return 0;
}

/* A tag without a Value has the value "". */
static int
parse_tag(const cJSON *j, void *slot, struct sbx_err *err)
{
    struct orgs_tag *t = slot;

    if (parse_keyed(j, "Key", "ListTagsForResource", "tag without a Key", tag_fields, t, err) != 0)
        return -1;
    if (t->value == NULL && (t->value = strdup("")) == NULL) {
        jsonr_free_fields(t, tag_fields);
        return sbx_err_nomem(err);
    }
    return 0;
}

/* --- operations -------------------------------------------------------------------------- */

/* Creates the request object with the given string members (name, value pairs, NULL-ended);
 * NULL values are omitted. */
cJSON *
orgs_request(const char *name, ...)
{
    va_list ap;
    cJSON *req;

    va_start(ap, name);
    req = jsonr_vstrings(name, ap);
    va_end(ap);
    return req;
}

static int
need(const char *op, const char *what, const char *v, struct sbx_err *err)
{
    if (v != NULL && *v != '\0')
        return 0;
    sbx_err_set(err, SBX_E_INVALID, "%s: %s is required", op, what);
    return -1;
}

/* Adds the tags to req as its Tags member; deletes req and returns NULL when out of memory. */
static cJSON *
with_tags(cJSON *req, const struct orgs_tag *tags, size_t ntags)
{
    if (req != NULL && !add_tags(req, "Tags", tags, ntags)) {
        cJSON_Delete(req);
        return NULL;
    }
    return req;
}

/*
 * Sends req (taken over; NULL means it could not be built) and returns the object member key
 * of the response, or NULL with err set. *resp holds the response: the caller deletes it.
 */
static const cJSON *
send_member(struct orgs *o, enum orgs_op op, const struct orgs_service_call *sc, cJSON *req,
            const char *key, cJSON **resp, struct sbx_err *err)
{
    const cJSON *v = NULL;

    *resp = NULL;
    if (req == NULL) {
        sbx_err_nomem(err);
        return NULL;
    }
    if (send(o, op, sc, req, resp, err) == 0)
        v = member(sc != NULL ? sc->operation : op_names[op], *resp, key, err);
    cJSON_Delete(req);
    return v;
}

/* Sends req (taken over) and parses the object member key of the answer into out. */
static int
call_parse(struct orgs *o, enum orgs_op op, cJSON *req, const char *key,
           int (*parse)(const cJSON *j, void *out, struct sbx_err *err), void *out,
           struct sbx_err *err)
{
    cJSON *resp;
    const cJSON *m = send_member(o, op, NULL, req, key, &resp, err);
    int rc = m != NULL ? parse(m, out, err) : -1;

    cJSON_Delete(resp);
    return rc;
}

const cJSON *
orgs_service_member(struct orgs *o, const struct orgs_service_call *sc, cJSON *req, const char *key,
                    cJSON **resp, struct sbx_err *err)
{
    return send_member(o, ORGS_OP_COUNT, sc, req, key, resp, err);
}

/*
 * Collects every page of a listing into v (see paginate); takes req over (NULL means it could
 * not be built). On failure v keeps what was parsed so far, for the caller to free.
 */
static int
send_collect(struct orgs *o, enum orgs_op op, const struct orgs_service_call *sc, cJSON *req,
             bool has_max, const char *result_key,
             int (*item)(void *ctx, const cJSON *it, struct sbx_err *err), void *ctx,
             struct sbx_err *err)
{
    int rc;

    if (req == NULL)
        return sbx_err_nomem(err);
    rc = paginate(o, op, sc, req, has_max, result_key, item, ctx, err);
    cJSON_Delete(req);
    return rc;
}

/* Collects every page of listing op into v (orgs_vec_item); takes req over. On failure v is
 * left empty. */
static int
collect(struct orgs *o, enum orgs_op op, cJSON *req, bool has_max, const char *result_key,
        struct orgs_vec *v, struct sbx_err *err)
{
    return orgs_vec_settle(
            v, send_collect(o, op, NULL, req, has_max, result_key, orgs_vec_item, v, err));
}

int
orgs_service_collect(struct orgs *o, const struct orgs_service_call *sc, cJSON *req,
                     const char *result_key,
                     int (*item)(void *ctx, const cJSON *it, struct sbx_err *err), void *ctx,
                     struct sbx_err *err)
{
    return send_collect(o, ORGS_OP_COUNT, sc, req, true, result_key, item, ctx, err);
}

int
orgs_create_account(struct orgs *o, const char *email, const char *name, const char *role_name,
                    const struct orgs_tag *tags, size_t ntags, struct orgs_create_status *st,
                    struct sbx_err *err)
{
    if (need("CreateAccount", "Email", email, err) != 0 ||
        need("CreateAccount", "AccountName", name, err) != 0)
        return -1;
    return call_parse(o, ORGS_OP_CREATE_ACCOUNT,
                      with_tags(orgs_request("Email", email, "AccountName", name, "RoleName",
                                             role_name, NULL),
                                tags, ntags),
                      "CreateAccountStatus", parse_create_status, st, err);
}

int
orgs_describe_create_account_status(struct orgs *o, const char *request_id,
                                    struct orgs_create_status *st, struct sbx_err *err)
{
    if (need("DescribeCreateAccountStatus", "CreateAccountRequestId", request_id, err) != 0)
        return -1;
    return call_parse(o, ORGS_OP_DESCRIBE_CREATE_ACCOUNT_STATUS,
                      orgs_request("CreateAccountRequestId", request_id, NULL),
                      "CreateAccountStatus", parse_create_status, st, err);
}

int
orgs_list_create_account_status(struct orgs *o, const char *const *states,
                                struct orgs_create_status **out, size_t *n, struct sbx_err *err)
{
    struct orgs_vec v = { .size = sizeof(**out),
                          .parse = parse_create_status,
                          .fields = create_status_fields };
    cJSON *req = cJSON_CreateObject();
    size_t nstates = 0;
    int rc;

    while (states != NULL && states[nstates] != NULL)
        nstates++;
    if (req != NULL && nstates > 0 && jsonr_add_strings(req, "States", states, nstates) != 0) {
        cJSON_Delete(req);
        req = NULL;
    }
    rc = collect(o, ORGS_OP_LIST_CREATE_ACCOUNT_STATUS, req, true, "CreateAccountStatuses", &v,
                 err);
    *out = v.items;
    *n = v.n;
    return rc;
}

/* Operations without output: success is any 2xx with an empty body or an object. */
static int
no_output(struct orgs *o, enum orgs_op op, cJSON *req, struct sbx_err *err)
{
    cJSON *resp = NULL;
    int rc;

    if (req == NULL)
        return sbx_err_nomem(err);
    rc = orgs_call(o, op, req, &resp, err);
    cJSON_Delete(resp);
    cJSON_Delete(req);
    return rc;
}

int
orgs_close_account(struct orgs *o, const char *account_id, struct sbx_err *err)
{
    if (need("CloseAccount", "AccountId", account_id, err) != 0)
        return -1;
    return no_output(o, ORGS_OP_CLOSE_ACCOUNT, orgs_request("AccountId", account_id, NULL), err);
}

int
orgs_describe_account(struct orgs *o, const char *account_id, struct orgs_account *out,
                      struct sbx_err *err)
{
    if (need("DescribeAccount", "AccountId", account_id, err) != 0)
        return -1;
    return call_parse(o, ORGS_OP_DESCRIBE_ACCOUNT, orgs_request("AccountId", account_id, NULL),
                      "Account", parse_account, out, err);
}

static int
list_accounts(struct orgs *o, enum orgs_op op, cJSON *req, struct orgs_account **out, size_t *n,
              struct sbx_err *err)
{
    struct orgs_vec v = { .size = sizeof(**out), .parse = parse_account, .fields = account_fields };
    int rc = collect(o, op, req, true, "Accounts", &v, err);

    *out = v.items;
    *n = v.n;
    return rc;
}

int
orgs_list_accounts(struct orgs *o, struct orgs_account **out, size_t *n, struct sbx_err *err)
{
    return list_accounts(o, ORGS_OP_LIST_ACCOUNTS, cJSON_CreateObject(), out, n, err);
}

int
orgs_list_accounts_for_parent(struct orgs *o, const char *parent_id, struct orgs_account **out,
                              size_t *n, struct sbx_err *err)
{
    *out = NULL;
    *n = 0;
    if (need("ListAccountsForParent", "ParentId", parent_id, err) != 0)
        return -1;
    return list_accounts(o, ORGS_OP_LIST_ACCOUNTS_FOR_PARENT,
                         orgs_request("ParentId", parent_id, NULL), out, n, err);
}

int
orgs_list_roots(struct orgs *o, struct orgs_root **out, size_t *n, struct sbx_err *err)
{
    struct orgs_vec v = { .size = sizeof(**out), .parse = parse_root, .fields = root_fields };
    int rc = collect(o, ORGS_OP_LIST_ROOTS, cJSON_CreateObject(), true, "Roots", &v, err);

    *out = v.items;
    *n = v.n;
    return rc;
}

int
orgs_list_ous_for_parent(struct orgs *o, const char *parent_id, struct orgs_ou **out, size_t *n,
                         struct sbx_err *err)
{
    struct orgs_vec v = { .size = sizeof(**out), .parse = parse_ou, .fields = ou_fields };
    int rc = need("ListOrganizationalUnitsForParent", "ParentId", parent_id, err);

    if (rc == 0)
        rc = collect(o, ORGS_OP_LIST_OUS_FOR_PARENT, orgs_request("ParentId", parent_id, NULL),
                     true, "OrganizationalUnits", &v, err);
    *out = v.items;
    *n = v.n;
    return rc;
}

int
orgs_create_ou(struct orgs *o, const char *parent_id, const char *name, const struct orgs_tag *tags,
               size_t ntags, struct orgs_ou *out, struct sbx_err *err)
{
    if (need("CreateOrganizationalUnit", "ParentId", parent_id, err) != 0 ||
        need("CreateOrganizationalUnit", "Name", name, err) != 0)
        return -1;
    return call_parse(
            o, ORGS_OP_CREATE_OU,
            with_tags(orgs_request("ParentId", parent_id, "Name", name, NULL), tags, ntags),
            "OrganizationalUnit", parse_ou, out, err);
}

int
orgs_enable_policy_type(struct orgs *o, const char *root_id, const char *type, struct sbx_err *err)
{
    if (need("EnablePolicyType", "RootId", root_id, err) != 0 ||
        need("EnablePolicyType", "PolicyType", type, err) != 0)
        return -1;
    return no_output(o, ORGS_OP_ENABLE_POLICY_TYPE,
                     orgs_request("RootId", root_id, "PolicyType", type, NULL), err);
}

int
orgs_create_policy(struct orgs *o, const char *name, const char *description, const char *type,
                   const char *content, struct orgs_policy *out, struct sbx_err *err)
{
    cJSON *req = NULL, *resp = NULL;
    const cJSON *pol, *sum;
    int rc = -1;

    if (need("CreatePolicy", "Name", name, err) != 0 ||
        need("CreatePolicy", "Type", type, err) != 0 ||
        need("CreatePolicy", "Content", content, err) != 0)
        return -1;
    req = orgs_request("Content", content, "Description", description != NULL ? description : "",
                       "Name", name, "Type", type, NULL);
    if (req == NULL)
        return sbx_err_nomem(err);
    if (orgs_call(o, ORGS_OP_CREATE_POLICY, req, &resp, err) != 0)
        goto out;
    pol = member("CreatePolicy", resp, "Policy", err);
    sum = pol != NULL ? member("CreatePolicy", pol, "PolicySummary", err) : NULL;
    if (sum == NULL || parse_policy("CreatePolicy", sum, out, err) != 0)
        goto out;
    rc = 0;
out:
    cJSON_Delete(resp);
    cJSON_Delete(req);
    return rc;
}

/* AttachPolicy or DetachPolicy: the same members, no output. */
static int
policy_target(struct orgs *o, enum orgs_op op, const char *policy_id, const char *target_id,
              struct sbx_err *err)
{
    if (need(op_names[op], "PolicyId", policy_id, err) != 0 ||
        need(op_names[op], "TargetId", target_id, err) != 0)
        return -1;
    return no_output(o, op, orgs_request("PolicyId", policy_id, "TargetId", target_id, NULL), err);
}

int
orgs_attach_policy(struct orgs *o, const char *policy_id, const char *target_id,
                   struct sbx_err *err)
{
    return policy_target(o, ORGS_OP_ATTACH_POLICY, policy_id, target_id, err);
}

int
orgs_detach_policy(struct orgs *o, const char *policy_id, const char *target_id,
                   struct sbx_err *err)
{
    return policy_target(o, ORGS_OP_DETACH_POLICY, policy_id, target_id, err);
}

static int
list_policies(struct orgs *o, enum orgs_op op, cJSON *req, struct orgs_policy **out, size_t *n,
              struct sbx_err *err)
{
    struct orgs_vec v = { .size = sizeof(**out),
                          .parse = parse_listed_policy,
                          .fields = policy_fields };
    int rc = collect(o, op, req, true, "Policies", &v, err);

    *out = v.items;
    *n = v.n;
    return rc;
}

int
orgs_list_policies(struct orgs *o, const char *type, struct orgs_policy **out, size_t *n,
                   struct sbx_err *err)
{
    *out = NULL;
    *n = 0;
    if (need("ListPolicies", "Filter", type, err) != 0)
        return -1;
    return list_policies(o, ORGS_OP_LIST_POLICIES, orgs_request("Filter", type, NULL), out, n, err);
}

int
orgs_list_policies_for_target(struct orgs *o, const char *target_id, const char *type,
                              struct orgs_policy **out, size_t *n, struct sbx_err *err)
{
    *out = NULL;
    *n = 0;
    if (need("ListPoliciesForTarget", "TargetId", target_id, err) != 0 ||
        need("ListPoliciesForTarget", "Filter", type, err) != 0)
        return -1;
    return list_policies(o, ORGS_OP_LIST_POLICIES_FOR_TARGET,
                         orgs_request("TargetId", target_id, "Filter", type, NULL), out, n, err);
}

int
orgs_move_account(struct orgs *o, const char *account_id, const char *source_parent,
                  const char *dest_parent, struct sbx_err *err)
{
    if (need("MoveAccount", "AccountId", account_id, err) != 0 ||
        need("MoveAccount", "SourceParentId", source_parent, err) != 0 ||
        need("MoveAccount", "DestinationParentId", dest_parent, err) != 0)
        return -1;
    return no_output(o, ORGS_OP_MOVE_ACCOUNT,
                     orgs_request("AccountId", account_id, "SourceParentId", source_parent,
                                  "DestinationParentId", dest_parent, NULL),
                     err);
}

int
orgs_list_parents(struct orgs *o, const char *child_id, struct orgs_parent **out, size_t *n,
                  struct sbx_err *err)
{
    struct orgs_vec v = { .size = sizeof(**out), .parse = parse_parent };
    int rc = need("ListParents", "ChildId", child_id, err);

    if (rc == 0)
        rc = collect(o, ORGS_OP_LIST_PARENTS, orgs_request("ChildId", child_id, NULL), true,
                     "Parents", &v, err);
    *out = v.items;
    *n = v.n;
    return rc;
}

int
orgs_tag_resource(struct orgs *o, const char *resource_id, const struct orgs_tag *tags,
                  size_t ntags, struct sbx_err *err)
{
    if (need("TagResource", "ResourceId", resource_id, err) != 0)
        return -1;
    if (tags == NULL || ntags == 0) {
        sbx_err_set(err, SBX_E_INVALID, "TagResource: at least one tag is required");
        return -1;
    }
    return no_output(o, ORGS_OP_TAG_RESOURCE,
                     with_tags(orgs_request("ResourceId", resource_id, NULL), tags, ntags), err);
}

int
orgs_untag_resource(struct orgs *o, const char *resource_id, const char *const *keys, size_t nkeys,
                    struct sbx_err *err)
{
    cJSON *req;

    if (need("UntagResource", "ResourceId", resource_id, err) != 0)
        return -1;
    if (keys == NULL || nkeys == 0) {
        sbx_err_set(err, SBX_E_INVALID, "UntagResource: at least one tag key is required");
        return -1;
    }
    req = orgs_request("ResourceId", resource_id, NULL);
    if (req != NULL && jsonr_add_strings(req, "TagKeys", keys, nkeys) != 0) {
        cJSON_Delete(req);
        req = NULL;
    }
    return no_output(o, ORGS_OP_UNTAG_RESOURCE, req, err);
}

int
orgs_list_tags(struct orgs *o, const char *resource_id, struct orgs_tag **out, size_t *n,
               struct sbx_err *err)
{
    struct orgs_vec v = { .size = sizeof(**out), .parse = parse_tag, .fields = tag_fields };
    int rc = need("ListTagsForResource", "ResourceId", resource_id, err);

    /* ListTagsForResource pages by NextToken only: it has no MaxResults. */
    if (rc == 0)
        rc = collect(o, ORGS_OP_LIST_TAGS_FOR_RESOURCE,
                     orgs_request("ResourceId", resource_id, NULL), false, "Tags", &v, err);
    *out = v.items;
    *n = v.n;
    return rc;
}

int
orgs_describe_organization(struct orgs *o, struct orgs_organization *out, struct sbx_err *err)
{
    cJSON *resp = NULL;
    const cJSON *org;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    /* No input members: the body is "{}" (section 1.3). */
    if (orgs_call(o, ORGS_OP_DESCRIBE_ORGANIZATION, NULL, &resp, err) != 0)
        goto out;
    org = member("DescribeOrganization", resp, "Organization", err);
    if (org == NULL)
        goto out;
    if (jsonr_str(org, "Id") == NULL || jsonr_str(org, "MasterAccountId") == NULL) {
        protocol("DescribeOrganization", "organization without Id or MasterAccountId", err);
        goto out;
    }
    if (jsonr_dup_fields(org, out, organization_fields) != 0) {
        sbx_err_nomem(err);
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(resp);
    return rc;
}

int
orgs_get_caller_identity(struct orgs *o, struct orgs_caller *out, struct sbx_err *err)
{
    struct sts_identity id;

    memset(out, 0, sizeof(*out));
    if (sts_get_caller_identity(&o->call, &o->sts_ep, &id, err) != 0)
        return -1;
    memcpy(out->account, id.account, sizeof(out->account));
    out->arn = id.arn;
    out->user_id = id.user_id;
    return 0;
}

int
orgs_assume_role(struct orgs *o, const char *role_arn, const char *session_name, int duration_secs,
                 struct creds *out, struct sbx_err *err)
{
    struct sts_assume_params p = { 0 };

    p.role_arn = role_arn;
    p.session_name = session_name != NULL ? session_name : "sandboxctl";
    p.duration_secs = duration_secs;
    return sts_assume_role(&o->call, &o->sts_ep, &p, out, err);
}

int
orgs_sim_clock(struct orgs *o, struct sbx_clock *clock, struct sbx_err *err)
{
    struct http_response r = { 0 };
    struct http_header h[] = { { "Accept", "application/json" } };
    char url[400];
    cJSON *j = NULL;
    const cJSON *now, *scale;
    int rc = -1;

    snprintf(url, sizeof(url), "%s/__sim/clock", o->ep.url);
    if (http_request(o->http, "GET", url, 0, h, SBX_ARRAY_LEN(h), NULL, 0, &r, err) != 0) {
        sbx_err_prefix(err, "cannot read the simulator clock");
        return -1;
    }
    if (r.status != 200) {
        awserr_protocol(r.status, "unexpected answer", r.body, r.body_len, err);
        sbx_err_prefix(err, "cannot read the simulator clock at '%s'", url);
        goto out;
    }
    j = cJSON_ParseWithLength(r.body, r.body_len);
    now = cJSON_GetObjectItemCaseSensitive(j, "now");
    scale = cJSON_GetObjectItemCaseSensitive(j, "scale");
    if (!cJSON_IsNumber(now) || (scale != NULL && !cJSON_IsNumber(scale))) {
        awserr_protocol(r.status, "expected {\"now\": ..., \"scale\": ...}", r.body, r.body_len,
                        err);
        err->aws = SBX_AWS_PROTOCOL;
        sbx_err_prefix(err, "cannot read the simulator clock at '%s'", url);
        goto out;
    }
    /* A clock past year 9999 (or running absurdly fast) would overflow the conversions to
     * 64-bit seconds everywhere times are stored: refuse it rather than follow it. */
    if (!clock_plausible(now->valuedouble, scale != NULL ? scale->valuedouble : 1)) {
        sbx_err_set(err, SBX_E_AWS,
                    "cannot follow the simulator clock at '%s': now %g, scale %g is out of range "
                    "(a time from 1970 to 9999, a scale above 0 and at most %g)",
                    url, now->valuedouble, scale != NULL ? scale->valuedouble : 1.0,
                    CLOCK_MAX_SCALE);
        err->aws = SBX_AWS_PROTOCOL;
        goto out;
    }
    /* A paused simulator's time moves only when a test advances it: the client's clock stands
     * still too (its waits take real time, and the engine's periodic resync sees advances). */
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "paused")))
        clock_init_paused(clock, now->valuedouble, scale != NULL ? scale->valuedouble : 1);
    else
        clock_init_scaled(clock, now->valuedouble, scale != NULL ? scale->valuedouble : 1);
    log_debug("following the simulator clock: now %.3f, scale %g%s", now->valuedouble,
              scale != NULL ? scale->valuedouble : 1.0, clock->paused ? ", paused" : "");
    rc = 0;
out:
    cJSON_Delete(j);
    http_response_release(&r);
    return rc;
}

/* --- release ----------------------------------------------------------------------------- */

void
orgs_account_release(struct orgs_account *a)
{
    if (a != NULL)
        jsonr_free_fields(a, account_fields);
}

void
orgs_accounts_free(struct orgs_account *a, size_t n)
{
    jsonr_free_array(a, n, sizeof(*a), account_fields);
}

void
orgs_create_status_release(struct orgs_create_status *s)
{
    if (s != NULL)
        jsonr_free_fields(s, create_status_fields);
}

void
orgs_create_statuses_free(struct orgs_create_status *s, size_t n)
{
    jsonr_free_array(s, n, sizeof(*s), create_status_fields);
}

void
orgs_ou_release(struct orgs_ou *ou)
{
    if (ou != NULL)
        jsonr_free_fields(ou, ou_fields);
}

void
orgs_ous_free(struct orgs_ou *ous, size_t n)
{
    jsonr_free_array(ous, n, sizeof(*ous), ou_fields);
}

void
orgs_roots_free(struct orgs_root *r, size_t n)
{
    jsonr_free_array(r, n, sizeof(*r), root_fields);
}

void
orgs_tags_free(struct orgs_tag *t, size_t n)
{
    jsonr_free_array(t, n, sizeof(*t), tag_fields);
}

void
orgs_organization_release(struct orgs_organization *org)
{
    if (org != NULL)
        jsonr_free_fields(org, organization_fields);
}

void
orgs_policy_release(struct orgs_policy *p)
{
    if (p != NULL)
        jsonr_free_fields(p, policy_fields);
}

void
orgs_policies_free(struct orgs_policy *p, size_t n)
{
    jsonr_free_array(p, n, sizeof(*p), policy_fields);
}

void
orgs_caller_release(struct orgs_caller *c)
{
    if (c == NULL)
        return;
    free(c->arn);
    free(c->user_id);
    memset(c, 0, sizeof(*c));
}

bool
orgs_account_is_closed(const struct orgs_account *a)
{
    static const char *const closed_states[] = { "PENDING_CLOSURE", "CLOSED", "SUSPENDED" };

    for (size_t i = 0; i < SBX_ARRAY_LEN(closed_states); i++) {
        if (strcmp(a->state, closed_states[i]) == 0)
            return true;
    }
    return strcmp(a->status, "PENDING_CLOSURE") == 0 || strcmp(a->status, "SUSPENDED") == 0;
}
