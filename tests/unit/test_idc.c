/*
 * test_idc.c -- the sso-admin and identitystore clients against a scripted local HTTP server:
 * endpoints and their overrides, request shape and signing scope, response parsing,
 * pagination and error classes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/idc.h"
#include "aws/orgs.h"
#include "aws/sigv4.h"
#include "check.h"
#include "responder.h"
#include "util/clock.h"

#define T0          1795000000.0
#define TEST_AKID   "AKIAIOSFODNN7EXAMPLE"
#define TEST_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define INSTANCE    "arn:aws:sso:::instance/ssoins-1111111111111111"
#define PSET        "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-2222222222222222"

struct fx {
    struct responder *r;
    struct sbx_clock clk;
    struct orgs *o;
    struct idc *c;
    char *home;
};

static void
fx_env(struct fx *f)
{
    f->home = check_aws_home(TEST_AKID, TEST_SECRET);
}

static void
fx_orgs(struct fx *f, const char *region)
{
    struct orgs_opts oo = { 0 };
    struct sbx_err err = { 0 };

    oo.region = region;
    oo.endpoint = "http://127.0.0.1:9";
    oo.sts_endpoint = "http://127.0.0.1:9";
    oo.max_attempts = 2;
    oo.connect_timeout = 5;
    oo.request_timeout = 10;
    clock_init_fixed(&f->clk, T0);
    CHECK_OK(orgs_new(&oo, &f->clk, &f->o, &err), &err);
}

/* A client whose sso-admin and identitystore endpoints are the responder. */
static void
fx_init(struct fx *f)
{
    struct idc_opts io = { 0 };
    struct sbx_err err = { 0 };

    memset(f, 0, sizeof(*f));
    fx_env(f);
    f->r = responder_start();
    fx_orgs(f, "us-east-1");
    io.region = "eu-west-1";
    io.sso_endpoint = responder_url(f->r);
    io.identitystore_endpoint = responder_url(f->r);
    CHECK_OK(idc_new(f->o, &io, &f->c, &err), &err);
}

static void
fx_done(struct fx *f)
{
    idc_free(f->c);
    orgs_free(f->o);
    if (f->r != NULL)
        responder_stop(f->r);
    free(f->home);
}

/* The i-th request: its target, the signing scope's service and region, and its JSON body. */
static cJSON *
request(struct fx *f, size_t i, const char *target, const char *service)
{
    const struct responder_request *q = responder_request(f->r, i);
    struct sigv4_auth auth;
    struct sbx_err err = { 0 };
    cJSON *body;

    if (q == NULL)
        CHECK_FAIL("no request %zu (only %zu)", i, responder_count(f->r));
    CHECK_STR_EQ(q->method, "POST");
    CHECK_STR_EQ(q->url, "/");
    CHECK_STR_EQ(responder_header(q, "X-Amz-Target"), target);
    CHECK_STR_EQ(responder_header(q, "Content-Type"), "application/x-amz-json-1.1");
    CHECK_OK(sigv4_parse_authorization(responder_header(q, "Authorization"), &auth, &err), &err);
    CHECK_STR_EQ(auth.service, service);
    CHECK_STR_EQ(auth.region, "eu-west-1");
    body = cJSON_ParseWithLength(q->body, q->body_len);
    CHECK(body != NULL);
    return body;
}

static const char *
str_at(const cJSON *o, const char *path)
{
    char buf[256], *save = NULL;
    const cJSON *cur = o;

    snprintf(buf, sizeof(buf), "%s", path);
    for (char *k = strtok_r(buf, ".", &save); k != NULL; k = strtok_r(NULL, ".", &save))
        cur = cJSON_GetObjectItemCaseSensitive(cur, k);
    return cJSON_IsString(cur) ? cur->valuestring : NULL;
}

TEST(endpoints_default_and_overrides)
{
    struct fx f;
    struct idc_opts io = { 0 };
    struct sbx_err err = { 0 };

    memset(&f, 0, sizeof(f));
    fx_env(&f);
    fx_orgs(&f, "us-west-2");
    /* No override: regional hosts in the client's region, or the home region when set. */
    CHECK_OK(idc_new(f.o, &io, &f.c, &err), &err);
    CHECK_STR_EQ(idc_endpoint(f.c, IDC_SSO_ADMIN)->url, "https://sso.us-west-2.amazonaws.com");
    CHECK_STR_EQ(idc_endpoint(f.c, IDC_IDENTITYSTORE)->url,
                 "https://identitystore.us-west-2.amazonaws.com");
    CHECK_STR_EQ(idc_endpoint(f.c, IDC_SSO_ADMIN)->source, "default");
    idc_free(f.c);
    io.region = "cn-north-1";
    CHECK_OK(idc_new(f.o, &io, &f.c, &err), &err);
    CHECK_STR_EQ(idc_endpoint(f.c, IDC_SSO_ADMIN)->url, "https://sso.cn-north-1.amazonaws.com.cn");
    CHECK_STR_EQ(idc_region(f.c), "cn-north-1");
    idc_free(f.c);
    /* The SDK's per-service variables, then the global one; the config key wins over both. */
    io.region = "eu-west-1";
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4000", 1);
    setenv("AWS_ENDPOINT_URL_SSO_ADMIN", "http://127.0.0.1:4001", 1);
    CHECK_OK(idc_new(f.o, &io, &f.c, &err), &err);
    CHECK_STR_EQ(idc_endpoint(f.c, IDC_SSO_ADMIN)->url, "http://127.0.0.1:4001");
    CHECK_STR_EQ(idc_endpoint(f.c, IDC_SSO_ADMIN)->source, "AWS_ENDPOINT_URL_SSO_ADMIN");
    CHECK_STR_EQ(idc_endpoint(f.c, IDC_IDENTITYSTORE)->url, "http://127.0.0.1:4000");
    CHECK_STR_EQ(idc_endpoint(f.c, IDC_IDENTITYSTORE)->source, "AWS_ENDPOINT_URL");
    idc_free(f.c);
    setenv("AWS_ENDPOINT_URL_IDENTITYSTORE", "http://127.0.0.1:4002", 1);
    io.sso_endpoint = "http://127.0.0.1:4003";
    CHECK_OK(idc_new(f.o, &io, &f.c, &err), &err);
    CHECK_STR_EQ(idc_endpoint(f.c, IDC_SSO_ADMIN)->url, "http://127.0.0.1:4003");
    CHECK_STR_EQ(idc_endpoint(f.c, IDC_SSO_ADMIN)->source, "config aws.sso_endpoint");
    CHECK_STR_EQ(idc_endpoint(f.c, IDC_IDENTITYSTORE)->url, "http://127.0.0.1:4002");
    idc_free(f.c);
    f.c = NULL;
    /* A bad override names where it came from. */
    io.sso_endpoint = NULL;
    setenv("AWS_ENDPOINT_URL_SSO_ADMIN", "ftp://x", 1);
    CHECK_ERR(idc_new(f.o, &io, &f.c, &err), &err, SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "AWS_ENDPOINT_URL_SSO_ADMIN");
    io.region = "Bad_Region";
    unsetenv("AWS_ENDPOINT_URL_SSO_ADMIN");
    CHECK_ERR(idc_new(f.o, &io, &f.c, &err), &err, SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "Bad_Region");
    fx_done(&f);
}

TEST(list_instances_and_permission_sets)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct idc_instance *in;
    struct idc_permission_set ps;
    char **sets;
    size_t n;
    cJSON *b;

    fx_init(&f);
    responder_push_simple(f.r, 200,
                          "{\"Instances\":[{\"InstanceArn\":\"" INSTANCE "\",\"IdentityStoreId\":"
                          "\"d-9067000000\",\"Status\":\"ACTIVE\",\"Name\":\"corp\","
                          "\"OwnerAccountId\":\"111111111111\"}]}");
    CHECK_OK(idc_list_instances(f.c, &in, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(in[0].arn, INSTANCE);
    CHECK_STR_EQ(in[0].identity_store_id, "d-9067000000");
    CHECK_STR_EQ(in[0].status, "ACTIVE");
    CHECK_STR_EQ(in[0].owner_account_id, "111111111111");
    idc_instances_free(in, n);
    b = request(&f, 0, "SWBExternalService.ListInstances", "sso");
    CHECK_INT_EQ(cJSON_GetObjectItem(b, "MaxResults")->valueint, 100);
    cJSON_Delete(b);

    /* Two pages of ARNs; the second request carries the token. */
    responder_push_simple(f.r, 200, "{\"PermissionSets\":[\"" PSET "\"],\"NextToken\":\"t1\"}");
    responder_push_simple(f.r, 200, "{\"PermissionSets\":[]}");
    CHECK_OK(idc_list_permission_sets(f.c, INSTANCE, &sets, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(sets[0], PSET);
    idc_strings_free(sets, n);
    b = request(&f, 1, "SWBExternalService.ListPermissionSets", "sso");
    CHECK_STR_EQ(str_at(b, "InstanceArn"), INSTANCE);
    CHECK(cJSON_GetObjectItem(b, "NextToken") == NULL);
    cJSON_Delete(b);
    b = request(&f, 2, "SWBExternalService.ListPermissionSets", "sso");
    CHECK_STR_EQ(str_at(b, "NextToken"), "t1");
    cJSON_Delete(b);

    responder_push_simple(
            f.r, 200,
            "{\"PermissionSet\":{\"Name\":\"SandboxAdmin\",\"PermissionSetArn\":\"" PSET
            "\",\"SessionDuration\":\"PT1H\",\"CreatedDate\":1.7e9}}");
    CHECK_OK(idc_describe_permission_set(f.c, INSTANCE, PSET, &ps, &err), &err);
    CHECK_STR_EQ(ps.name, "SandboxAdmin");
    CHECK_STR_EQ(ps.session_duration, "PT1H");
    CHECK(ps.description == NULL);
    CHECK_INT_EQ((int64_t)ps.created, 1700000000);
    idc_permission_set_release(&ps);
    b = request(&f, 3, "SWBExternalService.DescribePermissionSet", "sso");
    CHECK_STR_EQ(str_at(b, "PermissionSetArn"), PSET);
    cJSON_Delete(b);
    fx_done(&f);
}

TEST(assignment_create_describe_delete)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct idc_assignment a = { INSTANCE, "222222222222", PSET, "USER", "u-1234" };
    struct idc_assignment_status st;
    struct idc_account_assignment *rows;
    size_t n;
    cJSON *b;

    fx_init(&f);
    responder_push_simple(f.r, 200,
                          "{\"AccountAssignmentCreationStatus\":{\"Status\":\"IN_PROGRESS\","
                          "\"RequestId\":\"aaaa-1\",\"TargetId\":\"222222222222\",\"TargetType\":"
                          "\"AWS_ACCOUNT\",\"PermissionSetArn\":\"" PSET "\",\"PrincipalType\":"
                          "\"USER\",\"PrincipalId\":\"u-1234\",\"CreatedDate\":1795000000}}");
    CHECK_OK(idc_create_account_assignment(f.c, &a, &st, &err), &err);
    CHECK_STR_EQ(st.status, "IN_PROGRESS");
    CHECK_STR_EQ(st.request_id, "aaaa-1");
    CHECK_STR_EQ(st.target_id, "222222222222");
    CHECK_STR_EQ(st.principal_id, "u-1234");
    idc_assignment_status_release(&st);
    b = request(&f, 0, "SWBExternalService.CreateAccountAssignment", "sso");
    CHECK_STR_EQ(str_at(b, "InstanceArn"), INSTANCE);
    CHECK_STR_EQ(str_at(b, "TargetId"), "222222222222");
    CHECK_STR_EQ(str_at(b, "TargetType"), "AWS_ACCOUNT");
    CHECK_STR_EQ(str_at(b, "PermissionSetArn"), PSET);
    CHECK_STR_EQ(str_at(b, "PrincipalType"), "USER");
    CHECK_STR_EQ(str_at(b, "PrincipalId"), "u-1234");
    CHECK_INT_EQ(cJSON_GetArraySize(b), 6);
    cJSON_Delete(b);

    responder_push_simple(f.r, 200,
                          "{\"AccountAssignmentCreationStatus\":{\"Status\":\"FAILED\","
                          "\"RequestId\":\"aaaa-1\",\"FailureReason\":\"Access denied\"}}");
    CHECK_OK(idc_describe_assignment_creation_status(f.c, INSTANCE, "aaaa-1", &st, &err), &err);
    CHECK_STR_EQ(st.status, "FAILED");
    CHECK_STR_EQ(st.failure_reason, "Access denied");
    idc_assignment_status_release(&st);
    b = request(&f, 1, "SWBExternalService.DescribeAccountAssignmentCreationStatus", "sso");
    CHECK_STR_EQ(str_at(b, "AccountAssignmentCreationRequestId"), "aaaa-1");
    cJSON_Delete(b);

    responder_push_simple(f.r, 200,
                          "{\"AccountAssignmentDeletionStatus\":{\"Status\":\"IN_PROGRESS\","
                          "\"RequestId\":\"dddd-1\"}}");
    CHECK_OK(idc_delete_account_assignment(f.c, &a, &st, &err), &err);
    CHECK_STR_EQ(st.request_id, "dddd-1");
    idc_assignment_status_release(&st);
    cJSON_Delete(request(&f, 2, "SWBExternalService.DeleteAccountAssignment", "sso"));
    responder_push_simple(f.r, 200,
                          "{\"AccountAssignmentDeletionStatus\":{\"Status\":\"SUCCEEDED\","
                          "\"RequestId\":\"dddd-1\"}}");
    CHECK_OK(idc_describe_assignment_deletion_status(f.c, INSTANCE, "dddd-1", &st, &err), &err);
    CHECK_STR_EQ(st.status, "SUCCEEDED");
    idc_assignment_status_release(&st);
    b = request(&f, 3, "SWBExternalService.DescribeAccountAssignmentDeletionStatus", "sso");
    CHECK_STR_EQ(str_at(b, "AccountAssignmentDeletionRequestId"), "dddd-1");
    cJSON_Delete(b);

    responder_push_simple(f.r, 200,
                          "{\"AccountAssignments\":[{\"AccountId\":\"222222222222\","
                          "\"PermissionSetArn\":\"" PSET "\",\"PrincipalType\":\"GROUP\","
                          "\"PrincipalId\":\"g-1\"}]}");
    CHECK_OK(idc_list_account_assignments(f.c, INSTANCE, "222222222222", PSET, &rows, &n, &err),
             &err);
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(rows[0].principal_type, "GROUP");
    CHECK_STR_EQ(rows[0].principal_id, "g-1");
    idc_account_assignments_free(rows, n);
    b = request(&f, 4, "SWBExternalService.ListAccountAssignments", "sso");
    CHECK_STR_EQ(str_at(b, "AccountId"), "222222222222");
    cJSON_Delete(b);

    /* A malformed status is a protocol error, not a success. */
    responder_push_simple(f.r, 200, "{\"AccountAssignmentCreationStatus\":{\"Status\":\"MAYBE\"}}");
    CHECK_ERR(idc_describe_assignment_creation_status(f.c, INSTANCE, "aaaa-1", &st, &err), &err,
              SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_PROTOCOL);
    fx_done(&f);
}

TEST(conflict_and_not_found_are_typed)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct idc_assignment a = { INSTANCE, "222222222222", PSET, "USER", "u-1234" };
    struct idc_assignment_status st;
    char *id = NULL;

    fx_init(&f);
    responder_push_simple(f.r, 400,
                          "{\"__type\":\"ConflictException\",\"Message\":\"An operation is in "
                          "progress on this account\"}");
    CHECK_ERR(idc_create_account_assignment(f.c, &a, &st, &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_CONFLICT);
    CHECK_INT_EQ(responder_count(f.r), 1); /* a conflict is the caller's to wait out */
    responder_push_simple(f.r, 400,
                          "{\"__type\":\"ResourceNotFoundException\",\"Message\":\"USER not "
                          "found\",\"ResourceType\":\"USER\"}");
    CHECK_ERR(idc_get_user_id(f.c, "d-9067000000", "emails.value", "x@example.com", &id, &err),
              &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_NOT_FOUND);
    CHECK(id == NULL);
    fx_done(&f);
}

TEST(identitystore_users_and_groups)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct idc_user u;
    char *id = NULL;
    cJSON *b;

    fx_init(&f);
    responder_push_simple(f.r, 200, "{\"UserId\":\"u-1234\",\"IdentityStoreId\":\"d-9067000000\"}");
    CHECK_OK(idc_get_user_id(f.c, "d-9067000000", "emails.value", "Alice@Example.com", &id, &err),
             &err);
    CHECK_STR_EQ(id, "u-1234");
    free(id);
    b = request(&f, 0, "AWSIdentityStore.GetUserId", "identitystore");
    CHECK_STR_EQ(str_at(b, "IdentityStoreId"), "d-9067000000");
    CHECK_STR_EQ(str_at(b, "AlternateIdentifier.UniqueAttribute.AttributePath"), "emails.value");
    CHECK_STR_EQ(str_at(b, "AlternateIdentifier.UniqueAttribute.AttributeValue"),
                 "Alice@Example.com");
    cJSON_Delete(b);

    responder_push_simple(f.r, 200,
                          "{\"UserId\":\"u-1234\",\"UserName\":\"alice\",\"DisplayName\":\"Alice "
                          "A\",\"Emails\":[{\"Value\":\"old@example.com\"},{\"Value\":"
                          "\"alice@example.com\",\"Primary\":true}],\"IdentityStoreId\":\"d-1\"}");
    CHECK_OK(idc_describe_user(f.c, "d-9067000000", "u-1234", &u, &err), &err);
    CHECK_STR_EQ(u.user_name, "alice");
    CHECK_STR_EQ(u.display_name, "Alice A");
    CHECK_STR_EQ(u.email, "alice@example.com");
    idc_user_release(&u);
    b = request(&f, 1, "AWSIdentityStore.DescribeUser", "identitystore");
    CHECK_STR_EQ(str_at(b, "UserId"), "u-1234");
    cJSON_Delete(b);

    responder_push_simple(f.r, 200, "{\"GroupId\":\"g-77\",\"IdentityStoreId\":\"d-1\"}");
    CHECK_OK(idc_get_group_id(f.c, "d-9067000000", "instructors", &id, &err), &err);
    CHECK_STR_EQ(id, "g-77");
    free(id);
    b = request(&f, 2, "AWSIdentityStore.GetGroupId", "identitystore");
    CHECK_STR_EQ(str_at(b, "AlternateIdentifier.UniqueAttribute.AttributePath"), "displayName");
    CHECK_STR_EQ(str_at(b, "AlternateIdentifier.UniqueAttribute.AttributeValue"), "instructors");
    cJSON_Delete(b);

    responder_push_simple(f.r, 200, "{\"IdentityStoreId\":\"d-1\"}");
    CHECK_ERR(idc_get_user_id(f.c, "d-9067000000", "userName", "bob", &id, &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_PROTOCOL);
    fx_done(&f);
}

TEST(create_user_and_group_membership)
{
    struct fx f;
    struct sbx_err err = { 0 };
    struct idc_new_user u = { "alice@corp.example", "alice.doe", "alice", "doe",
                              "alice@corp.example" };
    char *id = NULL;
    cJSON *b;

    fx_init(&f);
    responder_push_simple(f.r, 200, "{\"UserId\":\"u-9\",\"IdentityStoreId\":\"d-9067000000\"}");
    CHECK_OK(idc_create_user(f.c, "d-9067000000", &u, &id, &err), &err);
    CHECK_STR_EQ(id, "u-9");
    free(id);
    b = request(&f, 0, "AWSIdentityStore.CreateUser", "identitystore");
    CHECK_STR_EQ(str_at(b, "UserName"), "alice@corp.example");
    CHECK_STR_EQ(str_at(b, "DisplayName"), "alice.doe");
    CHECK_STR_EQ(str_at(b, "Name.GivenName"), "alice");
    CHECK_STR_EQ(str_at(b, "Name.FamilyName"), "doe");
    CHECK_STR_EQ(str_at(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "Emails"), 0), "Value"),
                 "alice@corp.example");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "Emails"), 0),
                                           "Primary")));
    cJSON_Delete(b);

    responder_push_simple(f.r, 200, "{\"MembershipId\":\"m-1\",\"IdentityStoreId\":\"d-1\"}");
    CHECK_OK(idc_create_group_membership(f.c, "d-9067000000", "g-77", "u-9", &err), &err);
    b = request(&f, 1, "AWSIdentityStore.CreateGroupMembership", "identitystore");
    CHECK_STR_EQ(str_at(b, "GroupId"), "g-77");
    CHECK_STR_EQ(str_at(b, "MemberId.UserId"), "u-9");
    cJSON_Delete(b);

    /* An identity store fed by an external IdP refuses: typed, not retried. */
    responder_push_simple(f.r, 400,
                          "{\"__type\":\"AccessDeniedException\",\"Message\":\"CreateUser is not "
                          "supported\"}");
    CHECK_ERR(idc_create_user(f.c, "d-9067000000", &u, &id, &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_ACCESS_DENIED);
    CHECK(id == NULL);
    CHECK_INT_EQ(responder_count(f.r), 3);
    fx_done(&f);
}

TEST(actions_name_every_operation_sent)
{
    char actions[32][64];
    size_t n = idc_actions(actions, 32);

    CHECK_INT_EQ((int)n, 13);
    CHECK_STR_EQ(actions[0], "sso:ListInstances");
    for (size_t i = 0; i < n; i++)
        CHECK(strncmp(actions[i], "sso:", 4) == 0 ||
              strncmp(actions[i], "identitystore:", 14) == 0);
    CHECK_STR_EQ(actions[n - 2], "identitystore:CreateUser");
    CHECK_STR_EQ(actions[n - 1], "identitystore:CreateGroupMembership");
    CHECK_INT_EQ((int)idc_actions(actions, 1), 13);
}
