/*
 * sim_json.c -- replies (JSON 1.1 and STS XML errors) and the JSON form of the whole state:
 * the admin dump (GET /__sim/state) and, with the internal part, what the state file keeps.
 *
 * One format serves both so that what tests compare and what a restart restores cannot drift
 * apart. Secrets (session secrets and tokens) appear only in the internal part, which is
 * never served over HTTP.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "sim/sim_int.h"
#include "util/clock.h"
#include "util/grow.h"
#include "util/jsonr.h"

/* --- replies --------------------------------------------------------------------------- */

static int
reply_take(struct sim_reply *r, int status, const char *content_type, const char *body, size_t len)
{
    char *copy = malloc(len + 1);

    if (copy == NULL)
        return -1;
    memcpy(copy, body, len);
    copy[len] = '\0';
    free(r->body);
    r->body = copy;
    r->len = len;
    r->status = status;
    r->content_type = content_type;
    if (r->request_id[0] == '\0')
        sim_request_id(r->request_id);
    return 0;
}

int
sim_reply_json(struct sim_reply *r, int status, const char *content_type, const cJSON *o)
{
    char *text = cJSON_PrintUnformatted(o);
    int rc;

    if (text == NULL)
        return -1;
    rc = reply_take(r, status, content_type, text, strlen(text));
    cJSON_free(text);
    return rc;
}

int
sim_reply_text(struct sim_reply *r, int status, const char *content_type, const char *body)
{
    return reply_take(r, status, content_type, body, strlen(body));
}

int
sim_reply_empty(struct sim_reply *r)
{
    /* Smithy: operations without output SHOULD answer an empty body (section 1.4). */
    return reply_take(r, 200, "application/x-amz-json-1.1", "", 0);
}

/* Escapes the five XML specials into buf. */
static void
xml_escape(const char *in, char *buf, size_t n)
{
    size_t o = 0;

    for (; *in != '\0' && o + 7 < n; in++) {
        const char *rep = NULL;

        switch (*in) {
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '&':
            rep = "&amp;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        default:
            break;
        }
        if (rep != NULL) {
            size_t k = strlen(rep);

            memcpy(buf + o, rep, k);
            o += k;
        } else {
            buf[o++] = *in;
        }
    }
    buf[o] = '\0';
}

int
sim_admin_member(struct sim_reply *r, int status, const char *key, const char *value)
{
    cJSON *o = cJSON_CreateObject();
    int rc = -1;

    if (o != NULL && sim_json_add_str(o, key, value) == 0)
        rc = sim_reply_json(r, status, "application/json", o);
    cJSON_Delete(o);
    return rc;
}

/* An admin API error answer (sim_int.h). */
int
sim_admin_error(struct sim_reply *r, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sim_admin_member(r, status, "error", msg);
}

int
sim_reply_error(struct sim *s, struct sim_reply *r, bool json, int status, const char *type,
                const char *reason, const char *fmt, ...)
{
    char msg[1024], esc[2048], xml[4096];
    cJSON *o = NULL;
    va_list ap;
    int rc = -1;

    (void)s;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (r->request_id[0] == '\0')
        sim_request_id(r->request_id);
    if (json) {
        o = cJSON_CreateObject();
        if (o == NULL || sim_json_add_str(o, "__type", type) != 0 ||
            sim_json_add_str(o, "Message", msg) != 0 ||
            (reason != NULL && sim_json_add_str(o, "Reason", reason) != 0))
            goto out;
        rc = sim_reply_json(r, status, "application/x-amz-json-1.1", o);
        goto out;
    }
    /* STS (query protocol) error document, section 5.4. */
    xml_escape(msg, esc, sizeof(esc));
    snprintf(xml, sizeof(xml),
             "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
             "  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n    <Message>%s</Message>\n"
             "  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n",
             status >= 500 ? "Receiver" : "Sender", type, esc, r->request_id);
    rc = reply_take(r, status, "text/xml", xml, strlen(xml));
out:
    cJSON_Delete(o);
    return rc;
}

void
sim_reply_release(struct sim_reply *r)
{
    if (r == NULL)
        return;
    free(r->body);
    memset(r, 0, sizeof(*r));
}

cJSON *
sim_json_object(const char *body, size_t len)
{
    /* Smithy: servers must accept an empty body as {} (section 1.3). */
    cJSON *in = len == 0 ? cJSON_CreateObject() : cJSON_ParseWithLength(body, len);

    if (in != NULL && cJSON_IsObject(in))
        return in;
    cJSON_Delete(in);
    return NULL;
}

cJSON *
sim_json_request(struct sim *s, const char *body, size_t len, struct sim_reply *r, int *rc)
{
    cJSON *in = sim_json_object(body, len);

    if (in != NULL)
        return in;
    *rc = sim_reply_error(s, r, true, 400, "SerializationException", NULL,
                          "Start of structure or map found where not expected.");
    return NULL;
}

int
sim_json_add_str(cJSON *o, const char *k, const char *v)
{
    return cJSON_AddStringToObject(o, k, v) == NULL ? -1 : 0;
}

int
sim_json_add_num(cJSON *o, const char *k, double v)
{
    return cJSON_AddNumberToObject(o, k, v) == NULL ? -1 : 0;
}

cJSON *
sim_json_add_item(cJSON *arr)
{
    cJSON *o = arr != NULL ? cJSON_CreateObject() : NULL;

    if (o != NULL && !cJSON_AddItemToArray(arr, o)) {
        cJSON_Delete(o);
        o = NULL;
    }
    return o;
}

/* --- dump ------------------------------------------------------------------------------ */

/* Fills o with the members of one element (item) of an array being dumped; -1: out of memory. */
typedef int dump_fn(cJSON *o, const void *item, void *ctx);

/* Member k of o: an array with one object per element of items (n of size bytes each), filled
 * by fill (ctx passed through). -1 when out of memory. */
static int
add_objects(cJSON *o, const char *k, const void *items, size_t n, size_t size, dump_fn *fill,
            void *ctx)
{
    cJSON *arr = cJSON_AddArrayToObject(o, k);
    const char *item = items;

    if (arr == NULL)
        return -1;
    for (size_t i = 0; i < n; i++, item += size) {
        cJSON *e = sim_json_add_item(arr);

        if (e == NULL || fill(e, item, ctx) != 0)
            return -1;
    }
    return 0;
}

static int
dump_tag(cJSON *o, const void *item, void *ctx)
{
    const struct sim_tag *t = item;

    (void)ctx;
    return sim_json_add_str(o, "Key", t->key) != 0 || sim_json_add_str(o, "Value", t->value) != 0
                   ? -1
                   : 0;
}

static int
add_tags(cJSON *o, const char *k, const struct sim_tags *t)
{
    return add_objects(o, k, t->v, t->n, sizeof(*t->v), dump_tag, NULL);
}

static int
add_num_or_null(cJSON *o, const char *k, double v)
{
    if (v > 0)
        return sim_json_add_num(o, k, v);
    return cJSON_AddNullToObject(o, k) == NULL ? -1 : 0;
}

static int
add_str_or_null(cJSON *o, const char *k, const char *v)
{
    if (v != NULL && *v != '\0')
        return sim_json_add_str(o, k, v);
    return cJSON_AddNullToObject(o, k) == NULL ? -1 : 0;
}

static int
add_hex64(cJSON *o, const char *k, uint64_t v)
{
    char buf[24];

    snprintf(buf, sizeof(buf), "%016" PRIx64, v);
    return sim_json_add_str(o, k, buf);
}

static int
dump_rate(cJSON *o, const void *item, void *ctx)
{
    const struct sim_rate *rate = item;

    (void)ctx;
    return sim_json_add_num(o, "From", rate->from) != 0 ||
                           sim_json_add_num(o, "PerDay", rate->per_day) != 0
                   ? -1
                   : 0;
}

static int
dump_account(struct sim *s, cJSON *arr, const struct sim_account *a)
{
    cJSON *o = sim_json_add_item(arr);
    char arn[160];

    if (o == NULL)
        return -1;
    if (sim_json_add_str(o, "Id", a->id) != 0 ||
        sim_json_add_str(o, "Arn", sim_account_arn(s, a->id, arn, sizeof(arn))) != 0 ||
        sim_json_add_str(o, "Email", a->email) != 0 || sim_json_add_str(o, "Name", a->name) != 0 ||
        sim_json_add_str(o, "State", sim_acct_state_name(a)) != 0 ||
        sim_json_add_str(o, "Status", sim_acct_status(a)) != 0 ||
        sim_json_add_str(o, "ParentId", a->parent_id) != 0 ||
        sim_json_add_str(o, "JoinedMethod", a->created ? "CREATED" : "INVITED") != 0 ||
        sim_json_add_num(o, "JoinedTimestamp", a->joined) != 0 ||
        add_num_or_null(o, "ClosedTimestamp", a->closed) != 0 ||
        add_num_or_null(o, "SuspendedTimestamp", a->suspended) != 0 ||
        add_num_or_null(o, "DepartedTimestamp", a->departed) != 0 ||
        sim_json_add_str(o, "RoleName", a->role_name) != 0 || add_tags(o, "Tags", &a->tags) != 0 ||
        sim_json_add_num(o, "CloseCalls", a->close_calls))
        return -1;
    if (a->nrates > 0 &&
        add_objects(o, "SpendRates", a->rates, a->nrates, sizeof(*a->rates), dump_rate, NULL) != 0)
        return -1;
    return 0;
}

static const char *const car_states[] = { "IN_PROGRESS", "SUCCEEDED", "FAILED" };

/* ctx: the internal form (a bool). */
static int
dump_request(cJSON *o, const void *item, void *ctx)
{
    const struct sim_create_req *r = item;
    const bool *internal = ctx;

    if (sim_json_add_str(o, "Id", r->id) != 0 || sim_json_add_str(o, "Email", r->email) != 0 ||
        sim_json_add_str(o, "AccountName", r->account_name) != 0 ||
        sim_json_add_str(o, "State", car_states[r->state]) != 0 ||
        add_str_or_null(o, "AccountId", r->account_id) != 0 ||
        add_str_or_null(o, "FailureReason", r->failure) != 0 ||
        sim_json_add_num(o, "RequestedTimestamp", r->requested) != 0 ||
        add_num_or_null(o, "CompletedTimestamp", r->completed) != 0 ||
        sim_json_add_str(o, "RoleName", r->role_name) != 0 || add_tags(o, "Tags", &r->tags) != 0)
        return -1;
    if (*internal && sim_json_add_str(o, "ForcedFailure", r->forced_failure) != 0)
        return -1;
    return 0;
}

/* The operations whose bit is set in mask, as a list of names. */
static int
dump_ops(cJSON *o, const char *key, uint64_t mask)
{
    cJSON *ops = cJSON_AddArrayToObject(o, key);

    if (ops == NULL)
        return -1;
    for (int i = 0; i < SIM_OP_COUNT; i++) {
        if ((mask & (UINT64_C(1) << i)) != 0) {
            cJSON *n = cJSON_CreateString(sim_op_name((enum sim_op)i));

            if (n == NULL)
                return -1;
            cJSON_AddItemToArray(ops, n);
        }
    }
    return 0;
}

static int
dump_policy(cJSON *o, const void *item, void *ctx)
{
    const struct sim_policy *p = item;

    (void)ctx;
    return sim_json_add_str(o, "Id", p->id) != 0 || sim_json_add_str(o, "Name", p->name) != 0 ||
                           sim_json_add_str(o, "Description", p->description) != 0 ||
                           sim_json_add_str(o, "Content", p->content) != 0 ||
                           sim_json_add_str(o, "Type", sim_policy_types[p->type]) != 0 ||
                           cJSON_AddBoolToObject(o, "AwsManaged", p->aws_managed) == NULL ||
                           add_tags(o, "Tags", &p->tags) != 0
                   ? -1
                   : 0;
}

static int
dump_attachment(cJSON *o, const void *item, void *ctx)
{
    const struct sim_attach *at = item;

    (void)ctx;
    return sim_json_add_str(o, "PolicyId", at->policy_id) != 0 ||
                           sim_json_add_str(o, "TargetId", at->target_id) != 0
                   ? -1
                   : 0;
}

/* Enabled policy types, policies (with their content) and attachments. */
static int
dump_policies(struct sim *s, cJSON *root)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "policy_types");

    if (arr == NULL)
        return -1;
    for (int t = 0; t < SIM_POLICY_TYPES; t++) {
        if ((s->policy_types & (1u << t)) == 0)
            continue;
        cJSON_AddItemToArray(arr, cJSON_CreateString(sim_policy_types[t]));
    }
    return add_objects(root, "policies", s->policies, s->npolicies, sizeof(*s->policies),
                       dump_policy, NULL) != 0 ||
                           add_objects(root, "attachments", s->attach, s->nattach,
                                       sizeof(*s->attach), dump_attachment, NULL) != 0
                   ? -1
                   : 0;
}

static int
dump_faults(cJSON *root, const struct sim_faults *f)
{
    cJSON *o = cJSON_AddObjectToObject(root, "faults");

    if (o == NULL || sim_json_add_num(o, "error_rate", f->error_rate) != 0 ||
        sim_json_add_num(o, "throttle_rate", f->throttle_rate) != 0 ||
        sim_json_add_num(o, "drop_rate", f->drop_rate) != 0 ||
        sim_json_add_num(o, "latency_ms", f->latency_ms) != 0 ||
        add_str_or_null(o, "fail_create_matching", f->fail_create_matching) != 0 ||
        sim_json_add_str(o, "fail_create_reason", f->fail_create_reason) != 0 ||
        sim_json_add_str(o, "deny_format", f->deny_format) != 0)
        return -1;
    return dump_ops(o, "ops", f->ops) != 0 || dump_ops(o, "deny_ops", f->deny_ops) != 0 ||
                           dump_ops(o, "latency_ops", f->latency_ops) != 0
                   ? -1
                   : 0;
}

static int
dump_session(cJSON *e, const void *item, void *ctx)
{
    const struct sim_session *ss = item;

    (void)ctx;
    return sim_json_add_str(e, "AccessKeyId", ss->access_key_id) != 0 ||
                           sim_json_add_str(e, "SecretAccessKey", ss->secret) != 0 ||
                           sim_json_add_str(e, "SessionToken", ss->token) != 0 ||
                           sim_json_add_str(e, "AccountId", ss->account_id) != 0 ||
                           sim_json_add_str(e, "RoleName", ss->role_name) != 0 ||
                           sim_json_add_str(e, "SessionName", ss->session_name) != 0 ||
                           sim_json_add_str(e, "RoleId", ss->role_id) != 0 ||
                           sim_json_add_num(e, "Expires", ss->expires) != 0
                   ? -1
                   : 0;
}

static int
dump_internal(struct sim *s, cJSON *root)
{
    cJSON *in = cJSON_AddObjectToObject(root, "internal"), *o;

    if (in == NULL || add_hex64(in, "rng_ids", s->rng_ids) != 0 ||
        add_hex64(in, "rng_faults", s->rng_faults) != 0 ||
        add_hex64(in, "token_salt", s->token_salt) != 0 ||
        sim_json_add_str(in, "root_id", s->root_id) != 0 ||
        sim_json_add_num(in, "ce_lag", s->ce_lag) != 0 ||
        sim_json_add_num(in, "ce_page_size", s->ce_page_size) != 0)
        return -1;
    o = cJSON_AddObjectToObject(in, "clock");
    if (o == NULL || sim_json_add_num(o, "sim", sim_now(s)) != 0 ||
        sim_json_add_num(o, "wall", clock_wall()) != 0 ||
        sim_json_add_num(o, "scale", sim_time_scale(s)) != 0 ||
        cJSON_AddBoolToObject(o, "paused", sim_paused(s)) == NULL)
        return -1;
    o = cJSON_AddObjectToObject(in, "buckets");
    if (o == NULL)
        return -1;
    for (int i = 0; i < SIM_OP_COUNT; i++) {
        cJSON *b = cJSON_AddObjectToObject(o, sim_op_name((enum sim_op)i));

        if (b == NULL || sim_json_add_num(b, "tokens", s->buckets[i].tokens) != 0 ||
            sim_json_add_num(b, "last", s->buckets[i].last) != 0)
            return -1;
    }
    return add_objects(in, "sessions", s->sessions, s->nsessions, sizeof(*s->sessions),
                       dump_session, NULL);
}

/* ctx: the simulator (for the path). */
static int
dump_ou(cJSON *o, const void *item, void *ctx)
{
    const struct sim_ou *ou = item;
    char path[512];

    return sim_json_add_str(o, "Id", ou->id) != 0 || sim_json_add_str(o, "Name", ou->name) != 0 ||
                           sim_json_add_str(o, "ParentId", ou->parent_id) != 0 ||
                           sim_json_add_str(o, "Path",
                                            sim_path_of(ctx, ou->id, path, sizeof(path))) != 0 ||
                           add_tags(o, "Tags", &ou->tags) != 0
                   ? -1
                   : 0;
}

static int
dump_close(cJSON *o, const void *item, void *ctx)
{
    const struct sim_close *cl = item;

    (void)ctx;
    return sim_json_add_str(o, "AccountId", cl->account_id) != 0 ||
                           sim_json_add_num(o, "Timestamp", cl->t) != 0
                   ? -1
                   : 0;
}

int
sim_state_json(struct sim *s, bool internal, char **out, struct sbx_err *err)
{
    cJSON *root = NULL, *o, *arr;
    char arn[160], *text = NULL;
    double now;
    int rc = -1;

    *out = NULL;
    sim_catch_up(s);
    now = sim_now(s);
    root = cJSON_CreateObject();
    if (root == NULL || sim_json_add_num(root, "now", now) != 0 ||
        sim_json_add_num(root, "scale", sim_time_scale(s)) != 0)
        goto nomem;
    o = cJSON_AddObjectToObject(root, "organization");
    if (o == NULL || sim_json_add_str(o, "Id", SIM_ORG_ID) != 0 ||
        sim_json_add_str(o, "FeatureSet", "ALL") != 0 ||
        sim_json_add_str(o, "MasterAccountId", SIM_MANAGEMENT_ID) != 0 ||
        sim_json_add_str(o, "MasterAccountEmail", s->management_email) != 0)
        goto nomem;
    o = cJSON_AddObjectToObject(root, "limits");
    if (o == NULL || sim_json_add_num(o, "account_limit", s->account_limit) != 0 ||
        sim_json_add_num(o, "accounts", sim_count_accounts(s)) != 0 ||
        sim_json_add_num(o, "close_quota", sim_close_limit(s)) != 0 ||
        sim_json_add_num(o, "close_used_30d", sim_close_used(s, now)) != 0 ||
        sim_json_add_num(o, "closing", sim_count_closing(s)) != 0 ||
        sim_json_add_num(o, "creating", sim_count_creating(s)) != 0 ||
        sim_json_add_num(o, "create_latency", s->create_latency) != 0 ||
        sim_json_add_num(o, "close_latency", s->close_latency) != 0 ||
        cJSON_AddBoolToObject(o, "throttle", s->throttle) == NULL)
        goto nomem;
    arr = cJSON_AddArrayToObject(root, "roots");
    if (arr == NULL)
        goto nomem;
    o = sim_json_add_item(arr);
    if (o == NULL)
        goto nomem;
    snprintf(arn, sizeof(arn), "arn:aws:organizations::%s:root/%s/%s", SIM_MANAGEMENT_ID,
             SIM_ORG_ID, s->root_id);
    if (sim_json_add_str(o, "Id", s->root_id) != 0 || sim_json_add_str(o, "Arn", arn) != 0 ||
        sim_json_add_str(o, "Name", "Root") != 0 || add_tags(o, "Tags", &s->root_tags) != 0)
        goto nomem;
    if (add_objects(root, "ous", s->ous, s->nous, sizeof(*s->ous), dump_ou, s) != 0)
        goto nomem;
    arr = cJSON_AddArrayToObject(root, "accounts");
    if (arr == NULL)
        goto nomem;
    for (size_t i = 0; i < s->naccounts; i++) {
        if (s->accounts[i].state != SIM_ACCT_DEPARTED && dump_account(s, arr, &s->accounts[i]) != 0)
            goto nomem;
    }
    arr = cJSON_AddArrayToObject(root, "departed");
    if (arr == NULL)
        goto nomem;
    for (size_t i = 0; i < s->naccounts; i++) {
        if (s->accounts[i].state == SIM_ACCT_DEPARTED && dump_account(s, arr, &s->accounts[i]) != 0)
            goto nomem;
    }
    if (add_objects(root, "create_requests", s->reqs, s->nreqs, sizeof(*s->reqs), dump_request,
                    &internal) != 0 ||
        add_objects(root, "close_ledger", s->closes, s->ncloses, sizeof(*s->closes), dump_close,
                    NULL) != 0)
        goto nomem;
    if (dump_policies(s, root) != 0)
        goto nomem;
    o = cJSON_AddObjectToObject(root, "calls");
    if (o == NULL)
        goto nomem;
    for (int i = 0; i < SIM_OP_COUNT; i++) {
        if (sim_json_add_num(o, sim_op_name((enum sim_op)i), (double)s->calls[i]) != 0)
            goto nomem;
    }
    if (sim_json_add_num(root, "clock_reads", (double)s->clock_reads) != 0)
        goto nomem;
    if (dump_faults(root, &s->faults) != 0)
        goto nomem;
    if (sim_idc_dump(s, root) != 0 || sim_budgets_dump(s, root) != 0)
        goto nomem;
    if (internal && dump_internal(s, root) != 0)
        goto nomem;
    text = cJSON_PrintUnformatted(root);
    if (text == NULL)
        goto nomem;
    *out = strdup(text);
    if (internal)
        OPENSSL_cleanse(text, strlen(text));
    cJSON_free(text);
    if (*out == NULL)
        goto nomem;
    rc = 0;
    goto out;
nomem:
    sbx_err_nomem(err);
out:
    cJSON_Delete(root);
    return rc;
}

/* --- load ------------------------------------------------------------------------------ */

static uint64_t
jhex64(const cJSON *o, const char *k)
{
    const char *v = jsonr_str(o, k);

    return v != NULL ? (uint64_t)strtoull(v, NULL, 16) : 0;
}

static int
load_tags(struct sim_tags *t, const cJSON *o)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "Tags"), *e;

    cJSON_ArrayForEach(e, arr)
    {
        const char *k = jsonr_str(e, "Key"), *v = jsonr_str(e, "Value");

        if (k == NULL || v == NULL)
            return -1;
        if (sim_tags_set(t, k, v) != 0)
            return -1;
    }
    return 0;
}

static int
load_rates(struct sim_account *a, const cJSON *o)
{
    const cJSON *e;

    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "SpendRates"))
    {
        struct sim_rate rate = { jsonr_num(e, "From"), jsonr_num(e, "PerDay") };

        if (sim_append(&a->rates, &a->nrates, &a->cap_rates, sizeof(rate), &rate) != 0)
            return -1;
    }
    return 0;
}

/* After the accounts and OUs, so that loading them attaches nothing by itself. */
static int
load_policies(struct sim *s, const cJSON *root)
{
    const cJSON *e;
    uint32_t types = 0;

    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "policies"))
    {
        const char *id = jsonr_str(e, "Id"), *name = jsonr_str(e, "Name"),
                   *desc = jsonr_str(e, "Description");
        const char *content = jsonr_str(e, "Content"), *type = jsonr_str(e, "Type");
        int t = type != NULL ? sim_policy_type_find(type) : -1;
        struct sim_policy *p;

        if (id == NULL || name == NULL || desc == NULL || content == NULL || t < 0)
            return -1;
        p = sim_policy_add(s, id, name, desc, content, t,
                           cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "AwsManaged")));
        if (p == NULL || load_tags(&p->tags, e) != 0)
            return -1;
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "attachments"))
    {
        const char *pid = jsonr_str(e, "PolicyId"), *tid = jsonr_str(e, "TargetId");

        if (pid == NULL || tid == NULL || sim_attach_add(s, pid, tid) != 0)
            return -1;
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "policy_types"))
    {
        int t = cJSON_IsString(e) ? sim_policy_type_find(e->valuestring) : -1;

        if (t < 0)
            return -1;
        types |= 1u << t;
    }
    s->policy_types = types;
    return 0;
}

static int
load_account(struct sim *s, const cJSON *e, bool departed)
{
    const char *id = jsonr_str(e, "Id"), *email = jsonr_str(e, "Email"),
               *name = jsonr_str(e, "Name");
    const char *parent = jsonr_str(e, "ParentId"), *state = jsonr_str(e, "State");
    const char *method = jsonr_str(e, "JoinedMethod");
    struct sim_account *a;

    if (id == NULL || email == NULL || name == NULL || parent == NULL || state == NULL ||
        method == NULL)
        return -1;
    if (strcmp(id, SIM_MANAGEMENT_ID) == 0) {
        /* init_org() made it; keep only what can change. */
        a = sim_account_find_any(s, id);
        if (a == NULL)
            return -1;
        snprintf(a->parent_id, sizeof(a->parent_id), "%s", parent);
        a->joined = jsonr_num(e, "JoinedTimestamp");
        a->close_calls = (int)jsonr_num(e, "CloseCalls");
        return load_tags(&a->tags, e) != 0 ? -1 : load_rates(a, e);
    }
    a = sim_account_add(s, id, email, name, jsonr_str(e, "RoleName"), parent,
                        strcmp(method, "CREATED") == 0, jsonr_num(e, "JoinedTimestamp"));
    if (a == NULL)
        return -1;
    if (departed)
        a->state = SIM_ACCT_DEPARTED;
    else if (strcmp(state, "PENDING_CLOSURE") == 0)
        a->state = SIM_ACCT_PENDING_CLOSURE;
    else if (strcmp(state, "CLOSED") == 0)
        a->state = SIM_ACCT_CLOSED;
    a->closed = jsonr_num(e, "ClosedTimestamp");
    a->suspended = jsonr_num(e, "SuspendedTimestamp");
    a->departed = jsonr_num(e, "DepartedTimestamp");
    a->close_calls = (int)jsonr_num(e, "CloseCalls");
    return load_tags(&a->tags, e) != 0 ? -1 : load_rates(a, e);
}

static int
load_request(struct sim *s, const cJSON *e)
{
    const char *id = jsonr_str(e, "Id"), *email = jsonr_str(e, "Email"),
               *name = jsonr_str(e, "AccountName");
    const char *state = jsonr_str(e, "State"), *role = jsonr_str(e, "RoleName");
    struct sim_create_req *r;

    if (id == NULL || email == NULL || name == NULL || state == NULL)
        return -1;
    r = sim_req_new(s, email, name, role);
    if (r == NULL)
        return -1;
    s->nreqs++; /* counted now so that a failure below is released with the rest */
    snprintf(r->id, sizeof(r->id), "%s", id);
    r->state = strcmp(state, "SUCCEEDED") == 0 ? SIM_CAR_SUCCEEDED
               : strcmp(state, "FAILED") == 0  ? SIM_CAR_FAILED
                                               : SIM_CAR_IN_PROGRESS;
    jsonr_copy(e, "AccountId", r->account_id, sizeof(r->account_id));
    jsonr_copy(e, "FailureReason", r->failure, sizeof(r->failure));
    jsonr_copy(e, "ForcedFailure", r->forced_failure, sizeof(r->forced_failure));
    r->requested = jsonr_num(e, "RequestedTimestamp");
    r->completed = jsonr_num(e, "CompletedTimestamp");
    return load_tags(&r->tags, e);
}

static int
load_session(struct sim *s, const cJSON *e)
{
    const char *akid = jsonr_str(e, "AccessKeyId"), *secret = jsonr_str(e, "SecretAccessKey");
    const char *token = jsonr_str(e, "SessionToken"), *acct = jsonr_str(e, "AccountId");
    const char *role = jsonr_str(e, "RoleName"), *sess = jsonr_str(e, "SessionName");
    const char *role_id = jsonr_str(e, "RoleId");
    struct sim_session *ss;

    if (akid == NULL || secret == NULL || token == NULL || acct == NULL || role == NULL ||
        sess == NULL || role_id == NULL)
        return -1;
    ss = grow_slot(&s->sessions, s->nsessions, &s->cap_sessions, sizeof(*ss));
    if (ss == NULL)
        return -1;
    ss->token = strdup(token);
    ss->role_name = strdup(role);
    ss->session_name = strdup(sess);
    s->nsessions++;
    if (ss->token == NULL || ss->role_name == NULL || ss->session_name == NULL)
        return -1;
    snprintf(ss->access_key_id, sizeof(ss->access_key_id), "%s", akid);
    snprintf(ss->secret, sizeof(ss->secret), "%s", secret);
    snprintf(ss->account_id, sizeof(ss->account_id), "%s", acct);
    snprintf(ss->role_id, sizeof(ss->role_id), "%s", role_id);
    ss->expires = jsonr_num(e, "Expires");
    return 0;
}

/* Restores the clock: simulated time is a function of wall time (anchor + elapsed x scale), so
 * a restart continues where the clock would be had the simulator kept running, and time never
 * runs backwards for clients, even after a crash. A clock saved paused did not run: it stays
 * paused at the saved instant (as does one this simulator was started paused). */
static void
load_clock(struct sim *s, const cJSON *c)
{
    double saved = jsonr_num(c, "sim"), wall = jsonr_num(c, "wall"), scale = jsonr_num(c, "scale");
    bool paused = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "paused"));
    double now;

    if (!(saved > 0) || saved > CLOCK_MAX_TIME)
        return;
    if (sim_paused(s) || paused) {
        clock_init_paused(&s->clock, saved, s->clock.scale);
        return;
    }
    now = saved + fmax(0, clock_wall() - wall) * (scale > 0 ? scale : 1);
    clock_init_scaled(&s->clock, fmin(now, CLOCK_MAX_TIME), s->clock.scale);
}

int
sim_state_load(struct sim *s, const char *json, struct sbx_err *err)
{
    cJSON *root = cJSON_Parse(json);
    const cJSON *in, *arr, *e, *buckets;
    const char *root_id;

    if (root == NULL) {
        sbx_err_set(err, SBX_E_STORE, "simulator state is not valid JSON");
        return -1;
    }
    in = cJSON_GetObjectItemCaseSensitive(root, "internal");
    root_id = jsonr_str(in, "root_id");
    if (!cJSON_IsObject(in) || root_id == NULL || strncmp(root_id, "r-", 2) != 0) {
        sbx_err_set(err, SBX_E_STORE, "simulator state lacks its internal part");
        cJSON_Delete(root);
        return -1;
    }
    sim_reset(s);
    snprintf(s->root_id, sizeof(s->root_id), "%s", root_id);
    snprintf(s->accounts[0].parent_id, sizeof(s->accounts[0].parent_id), "%s", root_id);
    s->rng_ids = jhex64(in, "rng_ids");
    s->rng_faults = jhex64(in, "rng_faults");
    s->token_salt = jhex64(in, "token_salt");
    if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(in, "ce_lag")))
        s->ce_lag = jsonr_num(in, "ce_lag");
    if (jsonr_num(in, "ce_page_size") >= 1)
        s->ce_page_size = (int)jsonr_num(in, "ce_page_size");
    load_clock(s, cJSON_GetObjectItemCaseSensitive(in, "clock"));
    buckets = cJSON_GetObjectItemCaseSensitive(in, "buckets");
    for (int i = 0; i < SIM_OP_COUNT; i++) {
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(buckets, sim_op_name((enum sim_op)i));

        if (cJSON_IsObject(b)) {
            s->buckets[i].tokens = jsonr_num(b, "tokens");
            s->buckets[i].last = jsonr_num(b, "last");
        }
    }
    arr = cJSON_GetObjectItemCaseSensitive(root, "roots");
    if (cJSON_GetArraySize(arr) > 0 && load_tags(&s->root_tags, cJSON_GetArrayItem(arr, 0)) != 0)
        goto bad;
    arr = cJSON_GetObjectItemCaseSensitive(root, "ous");
    cJSON_ArrayForEach(e, arr)
    {
        const char *id = jsonr_str(e, "Id"), *name = jsonr_str(e, "Name"),
                   *parent = jsonr_str(e, "ParentId");
        struct sim_ou *ou;

        /* Parents precede children in the array: each OU's depth follows from its parent's. */
        if (id == NULL || name == NULL || parent == NULL ||
            (ou = sim_ou_add(s, id, name, parent)) == NULL || load_tags(&ou->tags, e) != 0)
            goto bad;
    }
    arr = cJSON_GetObjectItemCaseSensitive(root, "accounts");
    cJSON_ArrayForEach(e, arr)
    {
        if (load_account(s, e, false) != 0)
            goto bad;
    }
    arr = cJSON_GetObjectItemCaseSensitive(root, "departed");
    cJSON_ArrayForEach(e, arr)
    {
        if (load_account(s, e, true) != 0)
            goto bad;
    }
    arr = cJSON_GetObjectItemCaseSensitive(root, "create_requests");
    cJSON_ArrayForEach(e, arr)
    {
        if (load_request(s, e) != 0)
            goto bad;
    }
    if (load_policies(s, root) != 0)
        goto bad;
    arr = cJSON_GetObjectItemCaseSensitive(root, "close_ledger");
    cJSON_ArrayForEach(e, arr)
    {
        const char *id = jsonr_str(e, "AccountId");

        if (id == NULL || sim_close_add(s, id, jsonr_num(e, "Timestamp")) != 0)
            goto bad;
    }
    arr = cJSON_GetObjectItemCaseSensitive(in, "sessions");
    cJSON_ArrayForEach(e, arr)
    {
        if (load_session(s, e) != 0)
            goto bad;
    }
    e = cJSON_GetObjectItemCaseSensitive(root, "calls");
    for (int i = 0; i < SIM_OP_COUNT; i++)
        s->calls[i] = (long)jsonr_num(e, sim_op_name((enum sim_op)i));
    if (sim_idc_load(s, root) != 0 || sim_budgets_load(s, root) != 0)
        goto bad;
    sim_schedule(s);
    cJSON_Delete(root);
    sim_catch_up(s);
    return 0;
bad:
    cJSON_Delete(root);
    sim_reset(s);
    sbx_err_set(err, SBX_E_STORE, "simulator state is incomplete or out of memory");
    return -1;
}

/* --- IAM Identity Center state ------------------------------------------------------- */

static int
dump_assignment(cJSON *o, const void *item, void *ctx)
{
    const struct sim_idc_assignment *a = item;

    (void)ctx;
    return sim_json_add_str(o, "AccountId", a->account_id) != 0 ||
                           sim_json_add_str(o, "PermissionSetArn", a->ps_arn) != 0 ||
                           sim_json_add_str(o, "PrincipalType", a->principal_type) != 0 ||
                           sim_json_add_str(o, "PrincipalId", a->principal_id) != 0
                   ? -1
                   : 0;
}

static int
dump_user(cJSON *e, const void *item, void *ctx)
{
    const struct sim_idc_user *u = item;

    (void)ctx;
    return sim_json_add_str(e, "UserId", u->id) != 0 ||
                           sim_json_add_str(e, "UserName", u->user_name) != 0 ||
                           (u->email != NULL && sim_json_add_str(e, "Email", u->email) != 0) ||
                           (u->display_name != NULL &&
                            sim_json_add_str(e, "DisplayName", u->display_name) != 0)
                   ? -1
                   : 0;
}

static int
dump_group(cJSON *e, const void *item, void *ctx)
{
    const struct sim_idc_group *g = item;

    (void)ctx;
    return sim_json_add_str(e, "GroupId", g->id) != 0 ||
                           sim_json_add_str(e, "DisplayName", g->name) != 0
                   ? -1
                   : 0;
}

static int
dump_membership(cJSON *e, const void *item, void *ctx)
{
    const struct sim_idc_membership *m = item;

    (void)ctx;
    return sim_json_add_str(e, "MembershipId", m->id) != 0 ||
                           sim_json_add_str(e, "GroupId", m->group_id) != 0 ||
                           sim_json_add_str(e, "UserId", m->user_id) != 0
                   ? -1
                   : 0;
}

static int
dump_idc_op(cJSON *e, const void *item, void *ctx)
{
    const struct sim_idc_op *op = item;

    return sim_json_add_str(e, "RequestId", op->id) != 0 ||
                           sim_json_add_str(e, "Kind", op->deletion ? "delete" : "create") != 0 ||
                           dump_assignment(e, &op->a, ctx) != 0 ||
                           sim_json_add_num(e, "Requested", op->requested) != 0 ||
                           sim_json_add_num(e, "Due", op->due) != 0 ||
                           cJSON_AddBoolToObject(e, "Applied", op->applied) == NULL ||
                           sim_json_add_str(e, "FailureReason", op->failure) != 0
                   ? -1
                   : 0;
}

int
sim_idc_dump(struct sim *s, cJSON *root)
{
    struct sim_idc *d = &s->idc;
    cJSON *o;

    sim_idc_catch_up(s);
    o = cJSON_AddObjectToObject(root, "identity_center");
    if (o == NULL || sim_json_add_str(o, "InstanceArn", SIM_IDC_INSTANCE_ARN) != 0 ||
        sim_json_add_str(o, "IdentityStoreId", SIM_IDC_STORE_ID) != 0 ||
        sim_json_add_num(o, "assign_latency", d->assign_latency) != 0 ||
        sim_json_add_num(o, "write_rate", d->write_rate) != 0 ||
        sim_json_add_str(o, "identity_source", d->external_source ? "external" : "internal") != 0)
        return -1;
    if (add_objects(o, "users", d->users, d->nusers, sizeof(*d->users), dump_user, NULL) != 0 ||
        add_objects(o, "groups", d->groups, d->ngroups, sizeof(*d->groups), dump_group, NULL) !=
                0 ||
        add_objects(o, "memberships", d->memberships, d->nmemberships, sizeof(*d->memberships),
                    dump_membership, NULL) != 0 ||
        add_objects(o, "assignments", d->assignments, d->nassignments, sizeof(*d->assignments),
                    dump_assignment, NULL) != 0 ||
        add_objects(o, "requests", d->ops, d->nops, sizeof(*d->ops), dump_idc_op, NULL) != 0)
        return -1;
    return 0;
}

static bool
load_assignment(const cJSON *e, struct sim_idc_assignment *a)
{
    const char *acct = jsonr_str(e, "AccountId"), *ps = jsonr_str(e, "PermissionSetArn");
    const char *pt = jsonr_str(e, "PrincipalType"), *pid = jsonr_str(e, "PrincipalId");

    memset(a, 0, sizeof(*a));
    if (acct == NULL || ps == NULL || pt == NULL || pid == NULL)
        return false;
    snprintf(a->account_id, sizeof(a->account_id), "%s", acct);
    snprintf(a->ps_arn, sizeof(a->ps_arn), "%s", ps);
    snprintf(a->principal_type, sizeof(a->principal_type), "%s", pt);
    snprintf(a->principal_id, sizeof(a->principal_id), "%s", pid);
    return true;
}
int
sim_idc_load(struct sim *s, const cJSON *root)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "identity_center"), *e, *v;

    sim_idc_release(s);
    if (o == NULL)
        return 0; /* a state saved before Identity Center existed */
    v = cJSON_GetObjectItemCaseSensitive(o, "assign_latency");
    if (cJSON_IsNumber(v) && v->valuedouble >= 0)
        s->idc.assign_latency = v->valuedouble;
    v = cJSON_GetObjectItemCaseSensitive(o, "write_rate");
    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && isfinite(v->valuedouble))
        s->idc.write_rate = v->valuedouble;
    s->idc.external_source = jsonr_str(o, "identity_source") != NULL &&
                             strcmp(jsonr_str(o, "identity_source"), "external") == 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "memberships"))
    {
        const char *mid = jsonr_str(e, "MembershipId"), *gid = jsonr_str(e, "GroupId");
        const char *uid = jsonr_str(e, "UserId");

        if (mid == NULL || gid == NULL || uid == NULL ||
            sim_idc_membership_add(s, mid, gid, uid) != 0)
            return -1;
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "users"))
    {
        if (jsonr_str(e, "UserId") == NULL || jsonr_str(e, "UserName") == NULL ||
            sim_idc_user_add(s, jsonr_str(e, "UserId"), jsonr_str(e, "UserName"),
                             jsonr_str(e, "Email"), jsonr_str(e, "DisplayName")) == NULL)
            return -1;
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "groups"))
    {
        if (jsonr_str(e, "GroupId") == NULL || jsonr_str(e, "DisplayName") == NULL ||
            sim_idc_group_add(s, jsonr_str(e, "GroupId"), jsonr_str(e, "DisplayName")) == NULL)
            return -1;
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "assignments"))
    {
        struct sim_idc_assignment a;

        if (!load_assignment(e, &a) || sim_append(&s->idc.assignments, &s->idc.nassignments,
                                                  &s->idc.cap_assignments, sizeof(a), &a) != 0)
            return -1;
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "requests"))
    {
        struct sim_idc_op op = { 0 };
        const char *id = jsonr_str(e, "RequestId"), *kind = jsonr_str(e, "Kind");

        if (id == NULL || kind == NULL || !load_assignment(e, &op.a))
            return -1;
        snprintf(op.id, sizeof(op.id), "%s", id);
        op.deletion = strcmp(kind, "delete") == 0;
        op.requested = jsonr_num(e, "Requested");
        op.due = jsonr_num(e, "Due");
        op.applied = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "Applied"));
        jsonr_copy(e, "FailureReason", op.failure, sizeof(op.failure));
        if (sim_append(&s->idc.ops, &s->idc.nops, &s->idc.cap_ops, sizeof(op), &op) != 0)
            return -1;
    }
    return 0;
}

/* --- AWS Budgets (operations in sim_budgets.c) ------------------------------------------- */

int
sim_budgets_dump(struct sim *s, cJSON *root)
{
    cJSON *copy = s->budgets != NULL ? cJSON_Duplicate(s->budgets, true) : cJSON_CreateArray();

    if (copy == NULL || !cJSON_AddItemToObject(root, "budgets", copy)) {
        cJSON_Delete(copy);
        return -1;
    }
    return 0;
}

int
sim_budgets_load(struct sim *s, const cJSON *root)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "budgets");

    sim_budgets_release(s);
    if (b == NULL)
        return 0;
    if (!cJSON_IsArray(b))
        return -1;
    s->budgets = cJSON_Duplicate(b, true);
    return s->budgets != NULL ? 0 : -1;
}
