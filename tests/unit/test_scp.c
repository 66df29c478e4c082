/*
 * test_scp.c -- Organizations policies: the simulator's CreatePolicy, DescribePolicy,
 * AttachPolicy, DetachPolicy, ListPolicies, ListPoliciesForTarget and EnablePolicyType with
 * AWS's errors, driven directly; and the client's policy operations against the simulator
 * over HTTP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/orgs.h"
#include "check.h"
#include "sim/sim.h"
#include "util/clock.h"

#define T0  1767225600.0 /* 2026-01-01T00:00:00Z */
#define SCP "SERVICE_CONTROL_POLICY"
#define DENY                                                                            \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\"," \
    "\"Resource\":\"*\"}]}"

static struct sim *
sim_mk(void)
{
    struct sim_opts so;
    struct sim *s = NULL;
    struct sbx_err err = { 0 };

    sim_opts_init(&so);
    so.access_key_id = "AKIDTEST";
    so.secret_access_key = "secret";
    so.fixed_clock = true;
    so.start_time = T0;
    so.seed = 5;
    so.seeded = true;
    so.throttle = false;
    so.account_limit = 100;
    CHECK_OK(sim_new(&so, &s, &err), &err);
    return s;
}

/* Runs op; returns the parsed answer and its status. */
static cJSON *
call(struct sim *s, const char *op, const char *body, int *status)
{
    struct sim_caller mgmt;
    struct sim_reply r;
    cJSON *out;

    sim_caller_management(s, &mgmt);
    CHECK(sim_orgs_call(s, op, body, strlen(body), &mgmt, &r) == 0);
    *status = r.status;
    out = r.len == 0 ? cJSON_CreateObject() : cJSON_ParseWithLength(r.body, r.len);
    CHECK(out != NULL);
    sim_reply_release(&r);
    return out;
}

/* op must fail with type (and reason, when not NULL). */
static void
expect_error(struct sim *s, const char *op, const char *body, const char *type, const char *reason)
{
    int st;
    cJSON *o = call(s, op, body, &st);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "__type");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "Reason");

    if (st != 400 || !cJSON_IsString(t) || strcmp(t->valuestring, type) != 0)
        CHECK_FAIL("%s %s: status %d, type %s, expected %s", op, body, st,
                   cJSON_IsString(t) ? t->valuestring : "(none)", type);
    if (reason != NULL)
        CHECK_STR_EQ(cJSON_IsString(r) ? r->valuestring : "", reason);
    cJSON_Delete(o);
}

static void
ok(struct sim *s, const char *op, const char *body, cJSON **out)
{
    int st;
    cJSON *o = call(s, op, body, &st);

    if (st != 200)
        CHECK_FAIL("%s %s: status %d", op, body, st);
    if (out != NULL)
        *out = o;
    else
        cJSON_Delete(o);
}

static const char *
root_id(struct sim *s, char *buf, size_t n)
{
    cJSON *o;

    ok(s, "ListRoots", "{}", &o);
    snprintf(buf, n, "%s",
             cJSON_GetObjectItemCaseSensitive(
                     cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "Roots"), 0), "Id")
                     ->valuestring);
    cJSON_Delete(o);
    return buf;
}

static void
member(struct sim *s, const char *name, char id[13])
{
    struct sim_reply r;
    char body[160];
    cJSON *o;

    snprintf(body, sizeof(body), "{\"Email\":\"%s@example.com\",\"Name\":\"%s\"}", name, name);
    CHECK(sim_admin_call(s, "POST", "/__sim/accounts", body, strlen(body), &r) == 0);
    CHECK_INT_EQ(r.status, 200);
    o = cJSON_ParseWithLength(r.body, r.len);
    snprintf(id, 13, "%s", cJSON_GetObjectItemCaseSensitive(o, "Id")->valuestring);
    cJSON_Delete(o);
    sim_reply_release(&r);
}

/* Number of policies ListPoliciesForTarget shows on target, and whether policy is one. */
static int
attached(struct sim *s, const char *target, const char *policy, bool *found)
{
    char body[200];
    cJSON *o;
    const cJSON *p;
    int n = 0;

    snprintf(body, sizeof(body), "{\"TargetId\":\"%s\",\"Filter\":\"" SCP "\"}", target);
    ok(s, "ListPoliciesForTarget", body, &o);
    *found = false;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(o, "Policies"))
    {
        n++;
        if (strcmp(cJSON_GetObjectItemCaseSensitive(p, "Id")->valuestring, policy) == 0)
            *found = true;
    }
    cJSON_Delete(o);
    return n;
}

TEST(sim_policy_lifecycle_and_errors)
{
    struct sim *s = sim_mk();
    char root[40], acct[13], body[600], pid[64];
    cJSON *o;
    bool found;

    member(s, "alpha", acct);
    root_id(s, root, sizeof(root));
    snprintf(body, sizeof(body),
             "{\"Name\":\"freeze\",\"Description\":\"deny\",\"Type\":\"" SCP "\",\"Content\":%s}",
             "\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[]}\"");
    ok(s, "CreatePolicy", body, &o);
    snprintf(pid, sizeof(pid), "%s",
             cJSON_GetObjectItemCaseSensitive(
                     cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "Policy"),
                                                      "PolicySummary"),
                     "Id")
                     ->valuestring);
    CHECK(strncmp(pid, "p-", 2) == 0);
    cJSON_Delete(o);
    expect_error(s, "CreatePolicy", body, "DuplicatePolicyException", NULL);
    expect_error(s, "CreatePolicy",
                 "{\"Name\":\"x\",\"Description\":\"\",\"Type\":\"" SCP
                 "\",\"Content\":\"not json\"}",
                 "MalformedPolicyDocumentException", NULL);
    expect_error(s, "CreatePolicy",
                 "{\"Name\":\"x\",\"Description\":\"\",\"Type\":\"NO_SUCH\",\"Content\":\"{}\"}",
                 "InvalidInputException", "INVALID_ENUM_POLICY_TYPE");
    expect_error(s, "CreatePolicy", "{\"Name\":\"x\",\"Type\":\"" SCP "\",\"Content\":\"{}\"}",
                 "InvalidInputException", "INPUT_REQUIRED");
    {
        /* An SCP over 5,120 characters. */
        char *big = malloc(6000), *b2 = malloc(6200);

        memset(big, ' ', 5200);
        memcpy(big, "{", 1);
        memcpy(big + 5199, "}", 1);
        big[5200] = '\0';
        snprintf(b2, 6200,
                 "{\"Name\":\"big\",\"Description\":\"\",\"Type\":\"" SCP "\",\"Content\":\"%s\"}",
                 big);
        expect_error(s, "CreatePolicy", b2, "ConstraintViolationException",
                     "POLICY_CONTENT_LIMIT_EXCEEDED");
        free(big);
        free(b2);
    }

    /* SCPs not enabled yet: nothing can be attached. */
    snprintf(body, sizeof(body), "{\"PolicyId\":\"%s\",\"TargetId\":\"%s\"}", pid, acct);
    expect_error(s, "AttachPolicy", body, "PolicyTypeNotEnabledException", NULL);
    snprintf(body, sizeof(body), "{\"RootId\":\"%s\",\"PolicyType\":\"" SCP "\"}", root);
    ok(s, "EnablePolicyType", body, &o);
    CHECK_STR_EQ(cJSON_GetObjectItemCaseSensitive(
                         cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                                                    cJSON_GetObjectItemCaseSensitive(o, "Root"),
                                                    "PolicyTypes"),
                                            0),
                         "Status")
                         ->valuestring,
                 "ENABLED");
    cJSON_Delete(o);
    expect_error(s, "EnablePolicyType", body, "PolicyTypeAlreadyEnabledException", NULL);
    expect_error(s, "EnablePolicyType", "{\"RootId\":\"r-zzzz\",\"PolicyType\":\"" SCP "\"}",
                 "RootNotFoundException", NULL);
    /* Enabling attached FullAWSAccess everywhere; the root shows the type enabled. */
    CHECK_INT_EQ(attached(s, acct, "p-FullAWSAccess", &found), 1);
    CHECK(found);
    CHECK_INT_EQ(attached(s, root, "p-FullAWSAccess", &found), 1);
    CHECK(found);
    ok(s, "ListRoots", "{}", &o);
    {
        char *text = cJSON_PrintUnformatted(o);

        CHECK_CONTAINS(text, "{\"Type\":\"" SCP "\",\"Status\":\"ENABLED\"}");
        cJSON_free(text);
    }
    cJSON_Delete(o);
    {
        /* An account that joins later gets it too. */
        char later[13];

        member(s, "later", later);
        CHECK_INT_EQ(attached(s, later, "p-FullAWSAccess", &found), 1);
        CHECK(found);
    }

    /* Detaching the only SCP is refused; attach ours, then FullAWSAccess can go. */
    snprintf(body, sizeof(body), "{\"PolicyId\":\"p-FullAWSAccess\",\"TargetId\":\"%s\"}", acct);
    expect_error(s, "DetachPolicy", body, "ConstraintViolationException",
                 "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED");
    snprintf(body, sizeof(body), "{\"PolicyId\":\"%s\",\"TargetId\":\"%s\"}", pid, acct);
    ok(s, "AttachPolicy", body, NULL);
    expect_error(s, "AttachPolicy", body, "DuplicatePolicyAttachmentException", NULL);
    CHECK_INT_EQ(attached(s, acct, pid, &found), 2);
    CHECK(found);
    ok(s, "DetachPolicy", body, NULL);
    expect_error(s, "DetachPolicy", body, "PolicyNotAttachedException", NULL);
    CHECK_INT_EQ(attached(s, acct, pid, &found), 1);
    CHECK(!found);
    snprintf(body, sizeof(body), "{\"PolicyId\":\"p-0000nothere\",\"TargetId\":\"%s\"}", acct);
    expect_error(s, "AttachPolicy", body, "PolicyNotFoundException", NULL);
    snprintf(body, sizeof(body), "{\"PolicyId\":\"%s\",\"TargetId\":\"999999999999\"}", pid);
    expect_error(s, "AttachPolicy", body, "TargetNotFoundException", NULL);
    snprintf(body, sizeof(body), "{\"PolicyId\":\"%s\",\"TargetId\":\"bogus\"}", pid);
    expect_error(s, "AttachPolicy", body, "InvalidInputException", "INVALID_PATTERN");
    expect_error(s, "ListPoliciesForTarget",
                 "{\"TargetId\":\"999999999999\",\"Filter\":\"" SCP "\"}",
                 "TargetNotFoundException", NULL);
    expect_error(s, "ListPoliciesForTarget", "{\"TargetId\":\"999999999999\"}",
                 "InvalidInputException", "INPUT_REQUIRED");
    ok(s, "ListPolicies", "{\"Filter\":\"" SCP "\"}", &o);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "Policies")), 2);
    cJSON_Delete(o);
    snprintf(body, sizeof(body), "{\"PolicyId\":\"%s\"}", pid);
    ok(s, "DescribePolicy", body, &o);
    CHECK_CONTAINS(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "Policy"),
                                                    "Content")
                           ->valuestring,
                   "2012-10-17");
    cJSON_Delete(o);
    sim_free(s);
}

TEST(sim_attachment_limit_and_persistence)
{
    struct sim *s = sim_mk(), *s2 = sim_mk();
    struct sbx_err err = { 0 };
    char root[40], acct[13], body[400], pids[6][64], *json = NULL;
    bool found;

    member(s, "alpha", acct);
    root_id(s, root, sizeof(root));
    snprintf(body, sizeof(body), "{\"RootId\":\"%s\",\"PolicyType\":\"" SCP "\"}", root);
    ok(s, "EnablePolicyType", body, NULL);
    for (int i = 0; i < 5; i++) {
        cJSON *o;

        snprintf(body, sizeof(body),
                 "{\"Name\":\"p%d\",\"Description\":\"\",\"Type\":\"" SCP "\",\"Content\":\"{}\"}",
                 i);
        ok(s, "CreatePolicy", body, &o);
        snprintf(pids[i], sizeof(pids[i]), "%s",
                 cJSON_GetObjectItemCaseSensitive(
                         cJSON_GetObjectItemCaseSensitive(
                                 cJSON_GetObjectItemCaseSensitive(o, "Policy"), "PolicySummary"),
                         "Id")
                         ->valuestring);
        cJSON_Delete(o);
    }
    /* FullAWSAccess + 4 = 5 SCPs: the fifth of ours is one too many. */
    for (int i = 0; i < 4; i++) {
        snprintf(body, sizeof(body), "{\"PolicyId\":\"%s\",\"TargetId\":\"%s\"}", pids[i], acct);
        ok(s, "AttachPolicy", body, NULL);
    }
    snprintf(body, sizeof(body), "{\"PolicyId\":\"%s\",\"TargetId\":\"%s\"}", pids[4], acct);
    expect_error(s, "AttachPolicy", body, "ConstraintViolationException",
                 "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED");
    /* Policies, attachments and the enabled type survive a restart. */
    CHECK_OK(sim_state_json(s, true, &json, &err), &err);
    CHECK_OK(sim_state_load(s2, json, &err), &err);
    free(json);
    CHECK_INT_EQ(attached(s2, acct, pids[3], &found), 5);
    CHECK(found);
    snprintf(body, sizeof(body), "{\"RootId\":\"%s\",\"PolicyType\":\"" SCP "\"}", root);
    expect_error(s2, "EnablePolicyType", body, "PolicyTypeAlreadyEnabledException", NULL);
    snprintf(body, sizeof(body),
             "{\"Name\":\"p0\",\"Description\":\"\",\"Type\":\"" SCP "\",\"Content\":\"{}\"}");
    expect_error(s2, "CreatePolicy", body, "DuplicatePolicyException", NULL);
    sim_free(s);
    sim_free(s2);
}

TEST(client_policy_operations_against_simulator)
{
    struct sim *s = sim_mk();
    struct sim_server *srv = NULL;
    struct orgs_opts opts = { 0 };
    struct orgs *o = NULL;
    struct sbx_clock clk;
    struct sbx_err err = { 0 };
    struct orgs_root *roots = NULL;
    struct orgs_policy pol, *list = NULL;
    size_t nroots = 0, n = 0;
    char url[64], acct[13], *home = check_tmpdir();

    setenv("HOME", home, 1);
    setenv("AWS_CONFIG_FILE", "/dev/null", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    unsetenv("AWS_PROFILE");
    member(s, "alpha", acct);
    CHECK_OK(sim_server_start(s, NULL, "127.0.0.1:0", NULL, NULL, &srv, &err), &err);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", sim_server_port(srv));
    opts.endpoint = url;
    opts.sts_endpoint = url;
    opts.max_attempts = 1;
    opts.connect_timeout = 5;
    opts.request_timeout = 10;
    clock_init_fixed(&clk, T0);
    CHECK_OK(orgs_new(&opts, &clk, &o, &err), &err);

    CHECK_OK(orgs_list_roots(o, &roots, &nroots, &err), &err);
    CHECK_INT_EQ(nroots, 1);
    CHECK(!roots[0].scp_enabled);
    CHECK_OK(orgs_create_policy(o, "sandboxctl-freeze", "deny", SCP, DENY, &pol, &err), &err);
    CHECK(strncmp(pol.id, "p-", 2) == 0);
    CHECK_STR_EQ(pol.name, "sandboxctl-freeze");
    CHECK_STR_EQ(pol.type, SCP);
    CHECK(!pol.aws_managed);
    CHECK_ERR(orgs_attach_policy(o, pol.id, acct, &err), &err, SBX_E_AWS);
    CHECK_STR_EQ(err.aws_code, "PolicyTypeNotEnabledException");
    CHECK_OK(orgs_enable_policy_type(o, roots[0].id, SCP, &err), &err);
    CHECK_ERR(orgs_enable_policy_type(o, roots[0].id, SCP, &err), &err, SBX_E_AWS);
    CHECK_STR_EQ(err.aws_code, "PolicyTypeAlreadyEnabledException");
    orgs_roots_free(roots, nroots);
    CHECK_OK(orgs_list_roots(o, &roots, &nroots, &err), &err);
    CHECK(roots[0].scp_enabled);
    orgs_roots_free(roots, nroots);

    CHECK_OK(orgs_attach_policy(o, pol.id, acct, &err), &err);
    CHECK_ERR(orgs_attach_policy(o, pol.id, acct, &err), &err, SBX_E_AWS);
    CHECK_STR_EQ(err.aws_code, "DuplicatePolicyAttachmentException");
    CHECK_OK(orgs_list_policies_for_target(o, acct, SCP, &list, &n, &err), &err);
    CHECK_INT_EQ(n, 2);
    CHECK_STR_EQ(list[0].id, "p-FullAWSAccess");
    CHECK(list[0].aws_managed);
    CHECK_STR_EQ(list[1].id, pol.id);
    orgs_policies_free(list, n);
    CHECK_OK(orgs_list_policies(o, SCP, &list, &n, &err), &err);
    CHECK_INT_EQ(n, 2);
    orgs_policies_free(list, n);
    CHECK_OK(orgs_detach_policy(o, pol.id, acct, &err), &err);
    CHECK_ERR(orgs_detach_policy(o, pol.id, acct, &err), &err, SBX_E_AWS);
    CHECK_STR_EQ(err.aws_code, "PolicyNotAttachedException");
    CHECK_ERR(orgs_create_policy(o, "sandboxctl-freeze", "deny", SCP, DENY, &pol, &err), &err,
              SBX_E_AWS);
    orgs_policy_release(&pol);
    CHECK_STR_EQ(err.aws_code, "DuplicatePolicyException");
    orgs_free(o);
    sim_server_stop(srv);
    sim_free(s);
    free(home);
}
