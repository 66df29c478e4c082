/*
 * sim_admin.c -- the simulator's admin API under /__sim/: plain JSON, no signing, loopback
 * only. Tests and the engine's follow-the-clock mode use it (contract in briefs/common.md):
 *
 *   GET  /__sim/clock     {"now": <epoch seconds>, "scale": <time scale>, "paused": bool};
 *                         each answer counts in the state's "clock_reads" (a client following
 *                         a paused clock reads it whenever it waits for time)
 *   POST /__sim/advance   {"seconds": N | "90d"} -> the clock; everything due happens (the
 *                         clock never moves past 9999-12-31T23:59:59Z: larger values are 400)
 *   POST /__sim/pause     the clock stops; only advance moves it -> the clock
 *   POST /__sim/resume    it runs again at its time scale from where it stopped -> the clock
 *   POST /__sim/reset     an empty organization again (keys, options and the clock stay)
 *   GET|POST /__sim/faults  current faults / change some of them -> the faults in force;
 *                         "deny_ops" (operation names) are always answered access denied, as
 *                         "deny_format" says: json (AccessDeniedException, HTTP 400), xml (an
 *                         AccessDenied error document, HTTP 403) or html (a proxy's 403 page);
 *                         "latency_ops" (operation names) limits "latency_ms" to those calls
 *   GET  /__sim/state     the whole state (sim_state_json without the internal part)
 *   POST /__sim/accounts  {"Email","Name","Tags"?,"ParentId"?,"RoleName"?} -> {"Id"}: an
 *                         ACTIVE member that joined by invitation, immediately
 *   GET|POST /__sim/idc[/...]  IAM Identity Center: users, groups, assignments (sim_idc.c)
 *   GET|POST /__sim/spend {"AccountId": id, "PerDay": USD}? {"Lag": N | "12h"}?
 *                         {"PageSize": n}? -> the Cost Explorer settings and every account's
 *                         spend rate: from now on the account costs PerDay USD a day; Lag is
 *                         how long cost takes to show, PageSize the groups per page
 *
 * The HTTP layer serves these to loopback peers only, or with the --admin-token to anyone.
 * Errors answer {"error": "..."} with 400 (bad input), 404 (unknown path), 405 (method) or
 * 409 (conflict with the organization's state).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sim/sim_int.h"
#include "util/duration.h"

#define ADMIN_TYPE "application/json"

static int
answer_now(struct sim *s, struct sim_reply *r)
{
    cJSON *o = cJSON_CreateObject();
    int rc = -1;

    if (o != NULL && sim_json_add_num(o, "now", sim_now(s)) == 0 &&
        sim_json_add_num(o, "scale", sim_time_scale(s)) == 0 &&
        cJSON_AddBoolToObject(o, "paused", sim_paused(s)) != NULL)
        rc = sim_reply_json(r, 200, ADMIN_TYPE, o);
    cJSON_Delete(o);
    return rc;
}

static int
advance(struct sim *s, const cJSON *in, struct sim_reply *r)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, "seconds");
    struct sbx_err err = { 0 };
    double secs;

    if (cJSON_IsNumber(v)) {
        secs = v->valuedouble;
    } else if (cJSON_IsString(v)) {
        int64_t d;

        if (duration_parse(v->valuestring, &d, &err) != 0)
            return sim_admin_error(r, 400, "advance: %s", err.msg);
        secs = (double)d;
    } else {
        return sim_admin_error(r, 400, "advance: \"seconds\" must be a number or a duration");
    }
    if (!(secs >= 0) || !isfinite(secs))
        return sim_admin_error(r, 400, "advance: the clock only moves forward");
    if (secs > CLOCK_MAX_TIME - sim_now(s))
        return sim_admin_error(r, 400,
                               "advance: %g seconds would move the clock past "
                               "9999-12-31T23:59:59Z (at most %.0f more seconds)",
                               secs, floor(CLOCK_MAX_TIME - sim_now(s)));
    sim_advance(s, secs);
    r->mutated = true;
    return answer_now(s, r);
}

static int
answer_faults(struct sim *s, struct sim_reply *r)
{
    char *text = NULL;
    struct sbx_err err = { 0 };
    cJSON *root = NULL, *f;
    int rc = -1;

    /* The dump already renders faults; reuse it so the two cannot disagree. */
    if (sim_state_json(s, false, &text, &err) != 0)
        return -1;
    root = cJSON_Parse(text);
    f = cJSON_GetObjectItemCaseSensitive(root, "faults");
    if (f != NULL)
        rc = sim_reply_json(r, 200, ADMIN_TYPE, f);
    cJSON_Delete(root);
    free(text);
    return rc;
}

static const char *const fail_reasons[] = {
    "ACCOUNT_LIMIT_EXCEEDED",
    "EMAIL_ALREADY_EXISTS",
    "INVALID_ADDRESS",
    "INVALID_EMAIL",
    "CONCURRENT_ACCOUNT_MODIFICATION",
    "INTERNAL_FAILURE",
    "GOVCLOUD_ACCOUNT_ALREADY_EXISTS",
    "MISSING_BUSINESS_VALIDATION",
    "FAILED_BUSINESS_VALIDATION",
    "PENDING_BUSINESS_VALIDATION",
    "INVALID_IDENTITY_FOR_BUSINESS_VALIDATION",
    "UNKNOWN_BUSINESS_VALIDATION",
    "MISSING_PAYMENT_INSTRUMENT",
    "INVALID_PAYMENT_INSTRUMENT",
    "UPDATE_EXISTING_RESOURCE_POLICY_WITH_TAGS_NOT_SUPPORTED",
};

/* Reads rate k (0..1) into *dst if present. Returns 0 (absent or read), 1 after answering
 * 400, -1 when out of memory. */
static int
rate_of(const cJSON *in, const char *k, double *dst, struct sim_reply *r)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, k);

    if (v == NULL)
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1)
        return sim_admin_error(r, 400, "faults: \"%s\" must be a number from 0 to 1", k) != 0 ? -1
                                                                                              : 1;
    *dst = v->valuedouble;
    return 0;
}

/* A list of operation names (or null: none) as a bit mask. Returns -1 when it is not one. */
static int
ops_mask(const cJSON *v, uint64_t *mask)
{
    const cJSON *e;
    uint64_t m = 0;

    if (!cJSON_IsArray(v) && !cJSON_IsNull(v))
        return -1;
    cJSON_ArrayForEach(e, v)
    {
        int op = cJSON_IsString(e) ? sim_op_find(e->valuestring) : -1;

        if (op < 0)
            return -1;
        m |= UINT64_C(1) << op;
    }
    *mask = m;
    return 0;
}

/* Validates everything first, then applies: a rejected request changes nothing. */
static int
faults(struct sim *s, const cJSON *in, struct sim_reply *r)
{
    struct sim_faults nf = s->faults;
    const cJSON *v;
    char *match = NULL;
    int rc;

    rc = rate_of(in, "error_rate", &nf.error_rate, r);
    if (rc == 0)
        rc = rate_of(in, "throttle_rate", &nf.throttle_rate, r);
    if (rc == 0)
        rc = rate_of(in, "drop_rate", &nf.drop_rate, r);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    v = cJSON_GetObjectItemCaseSensitive(in, "latency_ms");
    if (v != NULL) {
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 600000)
            return sim_admin_error(r, 400, "faults: \"latency_ms\" must be 0 to 600000");
        nf.latency_ms = (int)v->valuedouble;
    }
    v = cJSON_GetObjectItemCaseSensitive(in, "fail_create_reason");
    if (v != NULL) {
        bool known = false;

        if (!cJSON_IsString(v))
            return sim_admin_error(r, 400, "faults: \"fail_create_reason\" must be a string");
        for (size_t i = 0; i < SBX_ARRAY_LEN(fail_reasons); i++)
            known = known || strcmp(fail_reasons[i], v->valuestring) == 0;
        if (!known)
            return sim_admin_error(r, 400, "faults: '%s' is not a CreateAccountFailureReason",
                                   v->valuestring);
        snprintf(nf.fail_create_reason, sizeof(nf.fail_create_reason), "%s", v->valuestring);
    }
    v = cJSON_GetObjectItemCaseSensitive(in, "ops");
    if (v != NULL && ops_mask(v, &nf.ops) != 0)
        return sim_admin_error(r, 400, "faults: \"ops\" must be a list of operation names");
    v = cJSON_GetObjectItemCaseSensitive(in, "latency_ops");
    if (v != NULL && ops_mask(v, &nf.latency_ops) != 0)
        return sim_admin_error(r, 400, "faults: \"latency_ops\" must be a list of operation names");
    v = cJSON_GetObjectItemCaseSensitive(in, "deny_ops");
    if (v != NULL && ops_mask(v, &nf.deny_ops) != 0)
        return sim_admin_error(r, 400, "faults: \"deny_ops\" must be a list of operation names");
    v = cJSON_GetObjectItemCaseSensitive(in, "deny_format");
    if (v != NULL) {
        if (!cJSON_IsString(v) ||
            (strcmp(v->valuestring, "json") != 0 && strcmp(v->valuestring, "xml") != 0 &&
             strcmp(v->valuestring, "html") != 0))
            return sim_admin_error(r, 400, "faults: \"deny_format\" must be json, xml or html");
        snprintf(nf.deny_format, sizeof(nf.deny_format), "%s", v->valuestring);
    }
    v = cJSON_GetObjectItemCaseSensitive(in, "fail_create_matching");
    if (v != NULL) {
        if (!cJSON_IsString(v) && !cJSON_IsNull(v))
            return sim_admin_error(r, 400, "faults: \"fail_create_matching\" must be a string");
        if (cJSON_IsString(v) && *v->valuestring != '\0') {
            match = strdup(v->valuestring);
            if (match == NULL)
                return -1;
        }
        free(s->faults.fail_create_matching);
        nf.fail_create_matching = match;
    }
    s->faults = nf;
    return answer_faults(s, r);
}

static int
add_account(struct sim *s, const cJSON *in, struct sim_reply *r)
{
    const cJSON *email = cJSON_GetObjectItemCaseSensitive(in, "Email");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(in, "Name");
    const cJSON *parent = cJSON_GetObjectItemCaseSensitive(in, "ParentId");
    const cJSON *role = cJSON_GetObjectItemCaseSensitive(in, "RoleName");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(in, "Tags"), *e;
    struct sim_account *a;
    char id[13];

    if (!cJSON_IsString(email) || strchr(email->valuestring, '@') == NULL ||
        strlen(email->valuestring) < 6 || strlen(email->valuestring) > 64)
        return sim_admin_error(r, 400,
                               "accounts: \"Email\" must be an address of 6 to 64 characters");
    if (!cJSON_IsString(name) || *name->valuestring == '\0' || strlen(name->valuestring) > 128)
        return sim_admin_error(r, 400, "accounts: \"Name\" must be 1 to 128 characters");
    if (parent != NULL && (!cJSON_IsString(parent) || !sim_parent_exists(s, parent->valuestring)))
        return sim_admin_error(r, 400, "accounts: \"ParentId\" must name the root or an OU");
    if (role != NULL && (!cJSON_IsString(role) || *role->valuestring == '\0'))
        return sim_admin_error(r, 400, "accounts: \"RoleName\" must be a role name");
    if (tags != NULL && (!cJSON_IsArray(tags) || cJSON_GetArraySize(tags) > SIM_MAX_TAGS))
        return sim_admin_error(r, 400, "accounts: \"Tags\" must be a list of at most 50 tags");
    cJSON_ArrayForEach(e, tags)
    {
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "Key")) ||
            !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "Value")))
            return sim_admin_error(r, 400, "accounts: every tag needs a string Key and Value");
    }
    if (sim_email_used(s, email->valuestring))
        return sim_admin_error(r, 409, "accounts: '%s' is already used by an account",
                               email->valuestring);
    /* Invitations count toward the account limit like creations (section 3.1). */
    if (sim_count_accounts(s) >= s->account_limit)
        return sim_admin_error(r, 409, "accounts: the organization is at its account limit (%d)",
                               s->account_limit);
    sim_new_account_id(s, id);
    a = sim_account_add(s, id, email->valuestring, name->valuestring,
                        role != NULL ? role->valuestring : NULL,
                        parent != NULL ? parent->valuestring : s->root_id, false, sim_now(s));
    if (a == NULL)
        return -1;
    cJSON_ArrayForEach(e, tags)
    {
        if (sim_tags_set(&a->tags, cJSON_GetObjectItemCaseSensitive(e, "Key")->valuestring,
                         cJSON_GetObjectItemCaseSensitive(e, "Value")->valuestring) != 0)
            return -1;
    }
    r->mutated = true;
    return sim_admin_member(r, 200, "Id", id);
}

static int
answer_spend(struct sim *s, struct sim_reply *r)
{
    cJSON *o = cJSON_CreateObject(), *rates;
    int rc = -1;

    if (o == NULL || sim_json_add_num(o, "Lag", s->ce_lag) != 0 ||
        sim_json_add_num(o, "PageSize", s->ce_page_size) != 0)
        goto out;
    rates = cJSON_AddObjectToObject(o, "PerDay");
    if (rates == NULL)
        goto out;
    for (size_t i = 0; i < s->naccounts; i++) {
        const struct sim_account *a = &s->accounts[i];

        if (a->nrates > 0 && sim_json_add_num(rates, a->id, a->rates[a->nrates - 1].per_day) != 0)
            goto out;
    }
    rc = sim_reply_json(r, 200, ADMIN_TYPE, o);
out:
    cJSON_Delete(o);
    return rc;
}

static int
spend(struct sim *s, const cJSON *in, struct sim_reply *r)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(in, "AccountId");
    const cJSON *per_day = cJSON_GetObjectItemCaseSensitive(in, "PerDay");
    const cJSON *lag = cJSON_GetObjectItemCaseSensitive(in, "Lag");
    const cJSON *page = cJSON_GetObjectItemCaseSensitive(in, "PageSize");
    struct sim_account *a = NULL;
    double lag_secs = s->ce_lag;

    if ((id == NULL) != (per_day == NULL))
        return sim_admin_error(r, 400, "spend: \"AccountId\" and \"PerDay\" go together");
    if (id != NULL) {
        if (!cJSON_IsString(id) || (a = sim_account_find(s, id->valuestring)) == NULL)
            return sim_admin_error(r, 400,
                                   "spend: \"AccountId\" must name an account of the "
                                   "organization");
        if (!cJSON_IsNumber(per_day) || !(per_day->valuedouble >= 0) ||
            !isfinite(per_day->valuedouble))
            return sim_admin_error(r, 400, "spend: \"PerDay\" must be a number of USD >= 0");
    }
    if (lag != NULL) {
        struct sbx_err err = { 0 };
        int64_t d;

        if (cJSON_IsNumber(lag)) {
            lag_secs = lag->valuedouble;
        } else if (cJSON_IsString(lag) && duration_parse(lag->valuestring, &d, &err) == 0) {
            lag_secs = (double)d;
        } else {
            return sim_admin_error(r, 400, "spend: \"Lag\" must be seconds or a duration");
        }
        if (!(lag_secs >= 0) || !isfinite(lag_secs))
            return sim_admin_error(r, 400, "spend: \"Lag\" must not be negative");
    }
    if (page != NULL &&
        (!cJSON_IsNumber(page) || page->valuedouble < 1 || page->valuedouble > 100000 ||
         page->valuedouble != floor(page->valuedouble)))
        return sim_admin_error(r, 400,
                               "spend: \"PageSize\" must be a whole number from 1 to 100000");
    if (a != NULL && sim_rate_set(s, a, per_day->valuedouble) != 0)
        return -1;
    s->ce_lag = lag_secs;
    if (page != NULL)
        s->ce_page_size = (int)page->valuedouble;
    r->mutated = true;
    return answer_spend(s, r);
}

int
sim_admin_too_big(struct sim_reply *r, size_t max)
{
    return sim_admin_error(r, 413, "the request body is larger than %zu bytes", max);
}

int
sim_admin_call(struct sim *s, const char *method, const char *path, const char *body, size_t len,
               struct sim_reply *r)
{
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    const char *what = path + strlen("/__sim/");
    cJSON *in = NULL;
    char *text = NULL;
    struct sbx_err err = { 0 };
    int rc = -1;

    memset(r, 0, sizeof(*r));
    sim_request_id(r->request_id);
    if (strncmp(path, "/__sim/", 7) != 0) {
        rc = sim_admin_error(r, 404, "no such admin path '%s'", path);
        goto out;
    }
    if (post) {
        in = sim_json_object(body, len);
        if (in == NULL) {
            rc = sim_admin_error(r, 400, "the body must be a JSON object");
            goto out;
        }
    }
    sim_catch_up(s);
    if (strcmp(what, "clock") == 0 && get) {
        s->clock_reads++;
        rc = answer_now(s, r);
    } else if (strcmp(what, "advance") == 0 && post) {
        rc = advance(s, in, r);
    } else if (strcmp(what, "pause") == 0 && post) {
        sim_pause(s);
        r->mutated = true;
        rc = answer_now(s, r);
    } else if (strcmp(what, "resume") == 0 && post) {
        sim_resume(s);
        r->mutated = true;
        rc = answer_now(s, r);
    } else if (strcmp(what, "reset") == 0 && post) {
        sim_reset(s);
        r->mutated = true;
        rc = answer_now(s, r);
    } else if (strcmp(what, "faults") == 0 && (get || post)) {
        rc = post ? faults(s, in, r) : answer_faults(s, r);
    } else if (strcmp(what, "state") == 0 && get) {
        if (sim_state_json(s, false, &text, &err) != 0)
            goto out;
        r->body = text;
        r->len = strlen(text);
        r->status = 200;
        r->content_type = ADMIN_TYPE;
        text = NULL;
        rc = 0;
    } else if (strcmp(what, "accounts") == 0 && post) {
        rc = add_account(s, in, r);
    } else if (strcmp(what, "idc") == 0 || strncmp(what, "idc/", 4) == 0) {
        rc = sim_idc_admin(s, method, what, in, r);
    } else if (strcmp(what, "spend") == 0 && (get || post)) {
        rc = post ? spend(s, in, r) : answer_spend(s, r);
    } else if (strcmp(what, "clock") == 0 || strcmp(what, "advance") == 0 ||
               strcmp(what, "reset") == 0 || strcmp(what, "faults") == 0 ||
               strcmp(what, "pause") == 0 || strcmp(what, "resume") == 0 ||
               strcmp(what, "state") == 0 || strcmp(what, "accounts") == 0 ||
               strcmp(what, "spend") == 0) {
        rc = sim_admin_error(r, 405, "method %s not allowed on %s", method, path);
    } else {
        rc = sim_admin_error(r, 404, "no such admin path '%s'", path);
    }
out:
    cJSON_Delete(in);
    free(text);
    if (rc != 0)
        sim_reply_release(r);
    return rc;
}
