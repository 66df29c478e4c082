/*
 * sim_sts.c -- the STS side of the simulator: AssumeRole and GetCallerIdentity over the query
 * protocol (form body in, XML out; AWS-ORGANIZATIONS.md section 5.4), and the access-key
 * table every request is authenticated against.
 *
 * AssumeRole hands out temporary credentials (ASIA... key, secret, session token) for the
 * role an ACTIVE member account was created with; the simulator then accepts them for
 * signing, so member-account code paths (nuke hooks, GetCallerIdentity checks) can be
 * exercised. Only the management account's own keys may assume roles: that is who the
 * OrganizationAccountAccessRole trusts.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "sim/sim_int.h"
#include "util/grow.h"
#include "util/text.h"

#define STS_NS     "https://sts.amazonaws.com/doc/2011-06-15/"
#define MGMT_USER  "sandboxctl-sim"
#define MGMT_UID   "AIDASANDBOXCTLSIM0001"
#define MAX_PARAMS 32

void
sim_caller_management(const struct sim *s, struct sim_caller *c)
{
    (void)s;
    memset(c, 0, sizeof(*c));
    snprintf(c->account_id, sizeof(c->account_id), "%s", SIM_MANAGEMENT_ID);
    c->management = true;
    snprintf(c->arn, sizeof(c->arn), "arn:aws:iam::%s:user/%s", SIM_MANAGEMENT_ID, MGMT_USER);
    snprintf(c->user_id, sizeof(c->user_id), "%s", MGMT_UID);
}

static void
session_caller(const struct sim_session *ss, struct sim_caller *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->account_id, sizeof(c->account_id), "%s", ss->account_id);
    c->management = false;
    snprintf(c->arn, sizeof(c->arn), "arn:aws:sts::%s:assumed-role/%s/%s", ss->account_id,
             ss->role_name, ss->session_name);
    snprintf(c->user_id, sizeof(c->user_id), "%s:%s", ss->role_id, ss->session_name);
}

enum sim_auth_result
sim_auth_lookup(struct sim *s, const char *akid, const char *token, char *secret, size_t n,
                struct sim_caller *caller)
{
    if (strcmp(akid, s->access_key_id) == 0) {
        /* Long-term keys never carry a session token; one that does is not ours. */
        if (token != NULL)
            return SIM_AUTH_BAD_TOKEN;
        snprintf(secret, n, "%s", s->secret_access_key);
        sim_caller_management(s, caller);
        return SIM_AUTH_OK;
    }
    for (size_t i = 0; i < s->nsessions; i++) {
        const struct sim_session *ss = &s->sessions[i];

        if (strcmp(ss->access_key_id, akid) != 0)
            continue;
        if (token == NULL || strcmp(token, ss->token) != 0)
            return SIM_AUTH_BAD_TOKEN;
        if (sim_now(s) >= ss->expires)
            return SIM_AUTH_EXPIRED;
        snprintf(secret, n, "%s", ss->secret);
        session_caller(ss, caller);
        return SIM_AUTH_OK;
    }
    return SIM_AUTH_UNKNOWN_KEY;
}

/* --- form body ------------------------------------------------------------------------- */

struct param {
    char *name;
    char *value;
};

static int
parse_form(const char *body, size_t len, struct param *params, size_t *n)
{
    size_t i = 0;

    *n = 0;
    while (i < len) {
        size_t j = i, eq;

        while (j < len && body[j] != '&')
            j++;
        eq = i;
        while (eq < j && body[eq] != '=')
            eq++;
        if (j > i && *n < MAX_PARAMS) {
            params[*n].name = text_percent_decode(body + i, eq - i, true, NULL);
            params[*n].value = eq < j ? text_percent_decode(body + eq + 1, j - eq - 1, true, NULL)
                                      : strdup("");
            (*n)++;
            if (params[*n - 1].name == NULL || params[*n - 1].value == NULL)
                return -1;
        }
        i = j + 1;
    }
    return 0;
}

static const char *
param_get(const struct param *params, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(params[i].name, name) == 0)
            return params[i].value;
    }
    return NULL;
}

static void
params_free(struct param *params, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(params[i].name);
        free(params[i].value);
    }
}

/* --- answers --------------------------------------------------------------------------- */

static int
xml_reply(struct sim_reply *r, const char *xml)
{
    size_t len = strlen(xml);

    r->body = malloc(len + 1);
    if (r->body == NULL)
        return -1;
    memcpy(r->body, xml, len + 1);
    r->len = len;
    r->status = 200;
    r->content_type = "text/xml";
    return 0;
}

static void
random_chars(const char *alphabet, char *out, size_t n)
{
    unsigned char buf[512];
    size_t k = strlen(alphabet);

    if (n > sizeof(buf))
        n = sizeof(buf);
    if (RAND_bytes(buf, (int)n) != 1)
        memset(buf, 0x5a, n); /* OpenSSL's CSPRNG failing is not worth failing a test for */
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[buf[i] % k];
    out[n] = '\0';
    OPENSSL_cleanse(buf, sizeof(buf));
}

/* Role ids are stable per account and role, as IAM's are. */
static void
role_id(const char *account, const char *role, char out[24])
{
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    uint64_t h = 0xcbf29ce484222325ULL;

    for (const char *p = account; *p != '\0'; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    for (const char *p = role; *p != '\0'; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    memcpy(out, "AROA", 4);
    for (int i = 0; i < 17; i++) {
        out[4 + i] = b32[sim_rng_next(&h) % 32];
    }
    out[21] = '\0';
}

static bool
is_session_name(const char *v)
{
    for (const char *p = v; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && strchr("_+=,.@-", *p) == NULL)
            return false;
    }
    return true;
}

static int
assume_role(struct sim *s, const struct param *params, size_t n, const struct sim_caller *caller,
            struct sim_reply *r)
{
    const char *arn = param_get(params, n, "RoleArn");
    const char *session = param_get(params, n, "RoleSessionName");
    const char *dur = param_get(params, n, "DurationSeconds");
    char account[13] = "", exp[32], *xml = NULL, *token = NULL;
    const char *role;
    struct sim_account *a;
    struct sim_session *ss;
    long duration = 3600;
    size_t xlen;
    int rc;

    if (arn == NULL)
        return sim_reply_error(s, r, false, 400, "ValidationError", NULL,
                               "1 validation error detected: Value null at 'roleArn' failed to "
                               "satisfy constraint: Member must not be null");
    if (session == NULL)
        return sim_reply_error(s, r, false, 400, "ValidationError", NULL,
                               "1 validation error detected: Value null at 'roleSessionName' "
                               "failed to satisfy constraint: Member must not be null");
    if (strlen(arn) < 20 || strlen(arn) > 2048)
        return sim_reply_error(s, r, false, 400, "ValidationError", NULL,
                               "1 validation error detected: Value at 'roleArn' failed to "
                               "satisfy constraint: Member must have length between 20 and 2048");
    if (strlen(session) < 2 || strlen(session) > 64 || !is_session_name(session))
        return sim_reply_error(s, r, false, 400, "ValidationError", NULL,
                               "1 validation error detected: Value '%s' at 'roleSessionName' "
                               "failed to satisfy constraint: Member must have length between 2 "
                               "and 64 and satisfy regular expression pattern: [\\w+=,.@-]*",
                               session);
    if (dur != NULL) {
        char *end;

        duration = strtol(dur, &end, 10);
        if (*dur == '\0' || *end != '\0' || duration < 900 || duration > 43200)
            return sim_reply_error(s, r, false, 400, "ValidationError", NULL,
                                   "1 validation error detected: Value '%s' at "
                                   "'durationSeconds' failed to satisfy constraint: Member must "
                                   "have value between 900 and 43200",
                                   dur);
    }
    /* arn:aws:iam::<account>:role/[path/]<name> */
    if (strncmp(arn, "arn:aws:iam::", 13) == 0 && strlen(arn) > 25 &&
        strncmp(arn + 25, ":role/", 6) == 0) {
        memcpy(account, arn + 13, 12);
        account[12] = '\0';
    }
    role = strrchr(arn, '/');
    role = role != NULL ? role + 1 : "";
    a = account[0] != '\0' ? sim_account_find(s, account) : NULL;
    if (!caller->management || a == NULL || a->state != SIM_ACCT_ACTIVE ||
        strcmp(a->role_name, role) != 0)
        return sim_reply_error(s, r, false, 403, "AccessDenied", NULL,
                               "User: %s is not authorized to perform: sts:AssumeRole on "
                               "resource: %s",
                               caller->arn, arn);
    /* The role AWS creates keeps IAM's default MaxSessionDuration of one hour. */
    if (duration > 3600)
        return sim_reply_error(s, r, false, 400, "ValidationError", NULL,
                               "The requested DurationSeconds exceeds the MaxSessionDuration "
                               "set for this role.");
    ss = grow_slot(&s->sessions, s->nsessions, &s->cap_sessions, sizeof(*ss));
    if (ss == NULL)
        return -1;
    token = malloc(301);
    if (token == NULL)
        return -1;
    memcpy(token, "FwoGZXIvYXdzE", 13);
    random_chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", token + 13,
                 287);
    ss->token = token;
    ss->role_name = strdup(a->role_name);
    ss->session_name = strdup(session);
    if (ss->role_name == NULL || ss->session_name == NULL) {
        sim_session_release(ss);
        return -1;
    }
    memcpy(ss->access_key_id, "ASIA", 4);
    random_chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ss->access_key_id + 4, 16);
    random_chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", ss->secret,
                 40);
    snprintf(ss->account_id, sizeof(ss->account_id), "%s", a->id);
    role_id(a->id, a->role_name, ss->role_id);
    ss->expires = sim_ms(sim_now(s) + (double)duration);
    s->nsessions++;
    r->mutated = true;
    xlen = 2048 + strlen(ss->token) + strlen(arn) + strlen(session) * 2;
    xml = malloc(xlen);
    if (xml == NULL)
        return -1;
    snprintf(xml, xlen,
             "<AssumeRoleResponse xmlns=\"" STS_NS "\">\n"
             "  <AssumeRoleResult>\n"
             "    <AssumedRoleUser>\n"
             "      <Arn>arn:aws:sts::%s:assumed-role/%s/%s</Arn>\n"
             "      <AssumedRoleId>%s:%s</AssumedRoleId>\n"
             "    </AssumedRoleUser>\n"
             "    <Credentials>\n"
             "      <AccessKeyId>%s</AccessKeyId>\n"
             "      <SecretAccessKey>%s</SecretAccessKey>\n"
             "      <SessionToken>%s</SessionToken>\n"
             "      <Expiration>%s</Expiration>\n"
             "    </Credentials>\n"
             "  </AssumeRoleResult>\n"
             "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n"
             "</AssumeRoleResponse>\n",
             a->id, ss->role_name, ss->session_name, ss->role_id, ss->session_name,
             ss->access_key_id, ss->secret, ss->token, sim_iso8601(ss->expires, exp, sizeof(exp)),
             r->request_id);
    rc = xml_reply(r, xml);
    OPENSSL_cleanse(xml, strlen(xml));
    free(xml);
    return rc;
}

static int
get_caller_identity(const struct sim_caller *caller, struct sim_reply *r)
{
    char xml[2048];

    snprintf(xml, sizeof(xml),
             "<GetCallerIdentityResponse xmlns=\"" STS_NS "\">\n"
             "  <GetCallerIdentityResult>\n"
             "    <Arn>%s</Arn>\n    <UserId>%s</UserId>\n    <Account>%s</Account>\n"
             "  </GetCallerIdentityResult>\n"
             "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n"
             "</GetCallerIdentityResponse>\n",
             caller->arn, caller->user_id, caller->account_id, r->request_id);
    return xml_reply(r, xml);
}

int
sim_sts_call(struct sim *s, const char *body, size_t len, const struct sim_caller *caller,
             struct sim_reply *r)
{
    struct param params[MAX_PARAMS];
    const char *action;
    size_t n = 0;
    int op, rc = -1;
    bool selected;

    memset(r, 0, sizeof(*r));
    sim_request_id(r->request_id);
    if (parse_form(body, len, params, &n) != 0)
        goto out;
    action = param_get(params, n, "Action");
    if (action == NULL) {
        rc = sim_reply_error(s, r, false, 400, "MissingAction", NULL, "Missing Action");
        goto out;
    }
    op = sim_op_find(action);
    if (op != SIM_OP_ASSUME_ROLE && op != SIM_OP_GET_CALLER_IDENTITY) {
        rc = sim_reply_error(s, r, false, 400, "InvalidAction", NULL,
                             "Could not find operation %s for version 2011-06-15", action);
        goto out;
    }
    sim_catch_up(s);
    s->calls[op]++;
    r->latency_ms = sim_fault_latency(s, (enum sim_op)op);
    selected = s->faults.ops == 0 || (s->faults.ops & (UINT64_C(1) << op)) != 0;
    if (selected && s->faults.error_rate > 0 &&
        sim_rng_unit(&s->rng_faults) < s->faults.error_rate) {
        rc = sim_reply_error(s, r, false, 500, "InternalFailure", NULL,
                             "The request processing has failed because of an unknown error, "
                             "exception or failure.");
        goto out;
    }
    if (selected && s->faults.throttle_rate > 0 &&
        sim_rng_unit(&s->rng_faults) < s->faults.throttle_rate) {
        rc = sim_reply_error(s, r, false, 400, "Throttling", NULL, "Rate exceeded");
        goto out;
    }
    r->drop = selected && s->faults.drop_rate > 0 &&
              sim_rng_unit(&s->rng_faults) < s->faults.drop_rate;
    if (op == SIM_OP_ASSUME_ROLE)
        rc = assume_role(s, params, n, caller, r);
    else
        rc = get_caller_identity(caller, r);
out:
    params_free(params, n);
    if (rc != 0)
        sim_reply_release(r);
    return rc;
}
