/*
 * test_sim_idc.c -- the simulator's IAM Identity Center: asynchronous assignments on the
 * simulated clock, the one-operation-per-account conflict, unknown ids, the directory and its
 * admin API, injected throttling, and persistence of all of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "sim/sim.h"

#define T0       1767225600.0
#define INSTANCE "arn:aws:sso:::instance/ssoins-72230a1b2c3d4e5f"
#define STORE    "d-9067a1b2c3"
#define PSET     "arn:aws:sso:::permissionSet/ssoins-72230a1b2c3d4e5f/ps-a1b2c3d4e5f60001"

static struct sim_caller mgmt;

static struct sim *
mk(void)
{
    struct sim_opts o;
    struct sim *s = NULL;
    struct sbx_err err = { 0 };

    sim_opts_init(&o);
    o.access_key_id = "AKIDTEST";
    o.secret_access_key = "secret";
    o.fixed_clock = true;
    o.start_time = T0;
    o.seed = 7;
    o.seeded = true;
    o.assign_latency = 5;
    CHECK_OK(sim_new(&o, &s, &err), &err);
    sim_caller_management(s, &mgmt);
    return s;
}

static const char *
str(const cJSON *o, const char *path)
{
    char buf[256], *save = NULL;
    const cJSON *cur = o;

    snprintf(buf, sizeof(buf), "%s", path);
    for (char *k = strtok_r(buf, ".", &save); k != NULL; k = strtok_r(NULL, ".", &save))
        cur = cJSON_GetObjectItemCaseSensitive(cur, k);
    return cJSON_IsString(cur) ? cur->valuestring : NULL;
}

static cJSON *
admin(struct sim *s, const char *method, const char *path, const char *body, int *status)
{
    struct sim_reply r;
    cJSON *o;

    CHECK(sim_admin_call(s, method, path, body, body != NULL ? strlen(body) : 0, &r) == 0);
    *status = r.status;
    o = cJSON_ParseWithLength(r.body, r.len);
    CHECK(o != NULL);
    sim_reply_release(&r);
    return o;
}

/* An admin POST that must succeed; returns the string member key of its answer (static). */
static const char *
admin_ok(struct sim *s, const char *path, const char *body, const char *key)
{
    static char out[128];
    int st = 0;
    cJSON *o = admin(s, "POST", path, body, &st);

    if (st != 200)
        CHECK_FAIL("POST %s %s: %d %s", path, body, st, str(o, "error"));
    snprintf(out, sizeof(out), "%s", key != NULL && str(o, key) ? str(o, key) : "");
    cJSON_Delete(o);
    return out;
}

static cJSON *
idc(struct sim *s, bool ids, const char *op, const char *body, int *status)
{
    struct sim_reply r;
    cJSON *o;

    CHECK(sim_idc_call(s, ids, op, body, strlen(body), &mgmt, &r) == 0);
    *status = r.status;
    CHECK_STR_EQ(r.content_type, "application/x-amz-json-1.1");
    o = cJSON_ParseWithLength(r.body, r.len);
    CHECK(o != NULL);
    sim_reply_release(&r);
    return o;
}

static void
expect_error(struct sim *s, bool ids, const char *op, const char *body, const char *type)
{
    int st = 0;
    cJSON *o = idc(s, ids, op, body, &st);

    if (st < 400 || str(o, "__type") == NULL || strcmp(str(o, "__type"), type) != 0)
        CHECK_FAIL("%s %s: expected %s, got %d %s", op, body, type, st,
                   str(o, "__type") ? str(o, "__type") : "(none)");
    CHECK(str(o, "Message") != NULL);
    cJSON_Delete(o);
}

static void
assignment_body(char *buf, size_t n, const char *acct, const char *user)
{
    snprintf(buf, n,
             "{\"InstanceArn\":\"" INSTANCE "\",\"TargetId\":\"%s\",\"TargetType\":\"AWS_ACCOUNT\","
             "\"PermissionSetArn\":\"" PSET "\",\"PrincipalType\":\"USER\",\"PrincipalId\":\"%s\"}",
             acct, user);
}

/* Starts an assignment operation; returns its status and copies its request id. */
static const char *
start(struct sim *s, const char *op, const char *acct, const char *user, char rid[64])
{
    static char status[32];
    char body[512];
    int st = 0;
    cJSON *o;
    const char *key = strcmp(op, "CreateAccountAssignment") == 0
                              ? "AccountAssignmentCreationStatus"
                              : "AccountAssignmentDeletionStatus";
    char path[96];

    assignment_body(body, sizeof(body), acct, user);
    o = idc(s, false, op, body, &st);
    CHECK_INT_EQ(st, 200);
    snprintf(path, sizeof(path), "%s.RequestId", key);
    snprintf(rid, 64, "%s", str(o, path));
    snprintf(path, sizeof(path), "%s.Status", key);
    snprintf(status, sizeof(status), "%s", str(o, path));
    cJSON_Delete(o);
    return status;
}

static const char *
status_of(struct sim *s, bool deletion, const char *rid)
{
    static char status[32];
    char body[256], path[96];
    int st = 0;
    cJSON *o;

    snprintf(body, sizeof(body), "{\"InstanceArn\":\"" INSTANCE "\",\"%s\":\"%s\"}",
             deletion ? "AccountAssignmentDeletionRequestId" : "AccountAssignmentCreationRequestId",
             rid);
    o = idc(s, false,
            deletion ? "DescribeAccountAssignmentDeletionStatus"
                     : "DescribeAccountAssignmentCreationStatus",
            body, &st);
    CHECK_INT_EQ(st, 200);
    snprintf(path, sizeof(path), "%s.Status",
             deletion ? "AccountAssignmentDeletionStatus" : "AccountAssignmentCreationStatus");
    snprintf(status, sizeof(status), "%s", str(o, path));
    cJSON_Delete(o);
    return status;
}

static int
assigned(struct sim *s, const char *acct)
{
    char body[256];
    int st = 0, n;
    cJSON *o;

    snprintf(body, sizeof(body),
             "{\"InstanceArn\":\"" INSTANCE "\",\"AccountId\":\"%s\",\"PermissionSetArn\":\"" PSET
             "\"}",
             acct);
    o = idc(s, false, "ListAccountAssignments", body, &st);
    CHECK_INT_EQ(st, 200);
    n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "AccountAssignments"));
    cJSON_Delete(o);
    return n;
}

/* A user and an account to assign them to. */
static void
setup(struct sim *s, char user[64], char acct[16])
{
    snprintf(user, 64, "%s",
             admin_ok(s, "/__sim/idc/users",
                      "{\"UserName\":\"alice\",\"Email\":\"alice@corp.example\"}", "UserId"));
    CHECK(strlen(user) == 36);
    snprintf(acct, 16, "%s",
             admin_ok(s, "/__sim/accounts", "{\"Email\":\"a@example.com\",\"Name\":\"A\"}", "Id"));
    CHECK(strlen(acct) == 12);
}

TEST(assignment_is_asynchronous_and_one_at_a_time)
{
    struct sim *s = mk();
    char user[64], acct[16], rid[64], rid2[64], body[512];

    setup(s, user, acct);
    CHECK_STR_EQ(start(s, "CreateAccountAssignment", acct, user, rid), "IN_PROGRESS");
    /* The account's provisioning is in progress: a second operation conflicts. */
    assignment_body(body, sizeof(body), acct, user);
    expect_error(s, false, "CreateAccountAssignment", body, "ConflictException");
    expect_error(s, false, "DeleteAccountAssignment", body, "ConflictException");
    sim_advance(s, 4.9);
    CHECK_STR_EQ(status_of(s, false, rid), "IN_PROGRESS");
    CHECK_INT_EQ(assigned(s, acct), 0);
    sim_advance(s, 0.1);
    CHECK_STR_EQ(status_of(s, false, rid), "SUCCEEDED");
    CHECK_INT_EQ(assigned(s, acct), 1);
    /* Assigning again is harmless: it succeeds and there is still one assignment. */
    CHECK_STR_EQ(start(s, "CreateAccountAssignment", acct, user, rid2), "IN_PROGRESS");
    sim_advance(s, 5);
    CHECK_STR_EQ(status_of(s, false, rid2), "SUCCEEDED");
    CHECK_INT_EQ(assigned(s, acct), 1);

    CHECK_STR_EQ(start(s, "DeleteAccountAssignment", acct, user, rid), "IN_PROGRESS");
    CHECK_INT_EQ(assigned(s, acct), 1);
    sim_advance(s, 5);
    CHECK_STR_EQ(status_of(s, true, rid), "SUCCEEDED");
    CHECK_INT_EQ(assigned(s, acct), 0);
    /* A creation id is not a deletion id. */
    snprintf(body, sizeof(body),
             "{\"InstanceArn\":\"" INSTANCE "\",\"AccountAssignmentDeletionRequestId\":\"%s\"}",
             rid2);
    expect_error(s, false, "DescribeAccountAssignmentDeletionStatus", body,
                 "ResourceNotFoundException");
    sim_free(s);
}

/* A group is a principal of its own type: assigned as GROUP, listed as GROUP, and an id of
 * the other type (a user's id as GROUP, a group's as USER) is ResourceNotFoundException. */
TEST(group_principals)
{
    struct sim *s = mk();
    char user[64], acct[16], group[64], body[512], rid[64];
    const cJSON *list;
    int st = 0;
    cJSON *o;

    setup(s, user, acct);
    snprintf(group, sizeof(group), "%s",
             admin_ok(s, "/__sim/idc/groups", "{\"DisplayName\":\"Instructors\"}", "GroupId"));
    snprintf(body, sizeof(body),
             "{\"InstanceArn\":\"" INSTANCE "\",\"TargetId\":\"%s\",\"TargetType\":\"AWS_ACCOUNT\","
             "\"PermissionSetArn\":\"" PSET
             "\",\"PrincipalType\":\"GROUP\",\"PrincipalId\":\"%s\"}",
             acct, user);
    expect_error(s, false, "CreateAccountAssignment", body, "ResourceNotFoundException");
    assignment_body(body, sizeof(body), acct, group); /* a group's id as USER */
    expect_error(s, false, "CreateAccountAssignment", body, "ResourceNotFoundException");
    snprintf(body, sizeof(body),
             "{\"InstanceArn\":\"" INSTANCE "\",\"TargetId\":\"%s\",\"TargetType\":\"AWS_ACCOUNT\","
             "\"PermissionSetArn\":\"" PSET
             "\",\"PrincipalType\":\"GROUP\",\"PrincipalId\":\"%s\"}",
             acct, group);
    o = idc(s, false, "CreateAccountAssignment", body, &st);
    CHECK_INT_EQ(st, 200);
    snprintf(rid, sizeof(rid), "%s", str(o, "AccountAssignmentCreationStatus.RequestId"));
    cJSON_Delete(o);
    sim_advance(s, 5);
    CHECK_STR_EQ(status_of(s, false, rid), "SUCCEEDED");
    snprintf(body, sizeof(body),
             "{\"InstanceArn\":\"" INSTANCE "\",\"AccountId\":\"%s\",\"PermissionSetArn\":\"" PSET
             "\"}",
             acct);
    o = idc(s, false, "ListAccountAssignments", body, &st);
    CHECK_INT_EQ(st, 200);
    list = cJSON_GetObjectItemCaseSensitive(o, "AccountAssignments");
    CHECK_INT_EQ(cJSON_GetArraySize(list), 1);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, 0),
                                                                       "PrincipalType")),
                 "GROUP");
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, 0),
                                                                       "PrincipalId")),
                 group);
    cJSON_Delete(o);
    sim_free(s);
}

TEST(latency_zero_and_admin_setting)
{
    struct sim *s = mk();
    char user[64], acct[16], rid[64];
    int st = 0;
    cJSON *o;

    setup(s, user, acct);
    o = admin(s, "POST", "/__sim/idc", "{\"assign_latency\":0}", &st);
    CHECK_INT_EQ(st, 200);
    cJSON_Delete(o);
    CHECK_STR_EQ(start(s, "CreateAccountAssignment", acct, user, rid), "SUCCEEDED");
    CHECK_INT_EQ(assigned(s, acct), 1);
    o = admin(s, "POST", "/__sim/idc", "{\"assign_latency\":-1}", &st);
    CHECK_INT_EQ(st, 400);
    cJSON_Delete(o);
    sim_free(s);
}

TEST(unknown_ids_are_resource_not_found)
{
    struct sim *s = mk();
    char user[64], acct[16], body[512];

    setup(s, user, acct);
    assignment_body(body, sizeof(body), acct, "00000000-0000-4000-8000-000000000000");
    expect_error(s, false, "CreateAccountAssignment", body, "ResourceNotFoundException");
    assignment_body(body, sizeof(body), "999999999999", user);
    expect_error(s, false, "CreateAccountAssignment", body, "ResourceNotFoundException");
    assignment_body(body, sizeof(body), acct, user);
    expect_error(s, false, "DeleteAccountAssignment", body, "ResourceNotFoundException");
    expect_error(s, false, "ListPermissionSets",
                 "{\"InstanceArn\":\"arn:aws:sso:::instance/ssoins-0000000000000000\"}",
                 "ResourceNotFoundException");
    expect_error(s, false, "DescribePermissionSet",
                 "{\"InstanceArn\":\"" INSTANCE "\",\"PermissionSetArn\":\"" INSTANCE "x\"}",
                 "ResourceNotFoundException");
    expect_error(s, false, "DescribeAccountAssignmentCreationStatus",
                 "{\"InstanceArn\":\"" INSTANCE "\",\"AccountAssignmentCreationRequestId\":\"x\"}",
                 "ResourceNotFoundException");
    expect_error(s, true, "GetUserId",
                 "{\"IdentityStoreId\":\"" STORE "\",\"AlternateIdentifier\":{\"UniqueAttribute\":"
                 "{\"AttributePath\":\"userName\",\"AttributeValue\":\"bob\"}}}",
                 "ResourceNotFoundException");
    expect_error(s, true, "DescribeUser", "{\"IdentityStoreId\":\"" STORE "\",\"UserId\":\"nope\"}",
                 "ResourceNotFoundException");
    expect_error(
            s, true, "GetUserId",
            "{\"IdentityStoreId\":\"d-0000000000\",\"AlternateIdentifier\":{\"UniqueAttribute\":"
            "{\"AttributePath\":\"userName\",\"AttributeValue\":\"alice\"}}}",
            "ResourceNotFoundException");
    expect_error(s, false, "CreateAccountAssignment", "{\"InstanceArn\":\"" INSTANCE "\"}",
                 "ValidationException");
    expect_error(s, false, "NoSuchOperation", "{}", "UnknownOperationException");
    /* identitystore operations are not sso-admin ones */
    expect_error(s, false, "GetUserId", "{}", "UnknownOperationException");
    sim_free(s);
}

TEST(directory_lookups_and_admin)
{
    struct sim *s = mk();
    char user[64], acct[16], group[64];
    int st = 0;
    cJSON *o;

    setup(s, user, acct);
    o = idc(s, true, "GetUserId",
            "{\"IdentityStoreId\":\"" STORE "\",\"AlternateIdentifier\":{\"UniqueAttribute\":"
            "{\"AttributePath\":\"emails.value\",\"AttributeValue\":\"Alice@Corp.Example\"}}}",
            &st);
    CHECK_INT_EQ(st, 200);
    CHECK_STR_EQ(str(o, "UserId"), user);
    cJSON_Delete(o);
    o = idc(s, true, "DescribeUser", "{\"IdentityStoreId\":\"" STORE "\",\"UserId\":\"x\"}", &st);
    cJSON_Delete(o);
    {
        char body[256];

        snprintf(body, sizeof(body), "{\"IdentityStoreId\":\"" STORE "\",\"UserId\":\"%s\"}", user);
        o = idc(s, true, "DescribeUser", body, &st);
        CHECK_INT_EQ(st, 200);
        CHECK_STR_EQ(str(o, "UserName"), "alice");
        CHECK_STR_EQ(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "Emails"), 0), "Value"),
                     "alice@corp.example");
        cJSON_Delete(o);
    }
    /* duplicates are refused */
    o = admin(s, "POST", "/__sim/idc/users", "{\"UserName\":\"ALICE\"}", &st);
    CHECK_INT_EQ(st, 409);
    cJSON_Delete(o);
    snprintf(group, sizeof(group), "%s",
             admin_ok(s, "/__sim/idc/groups", "{\"DisplayName\":\"instructors\"}", "GroupId"));
    o = idc(s, true, "GetGroupId",
            "{\"IdentityStoreId\":\"" STORE "\",\"AlternateIdentifier\":{\"UniqueAttribute\":"
            "{\"AttributePath\":\"displayName\",\"AttributeValue\":\"instructors\"}}}",
            &st);
    CHECK_INT_EQ(st, 200);
    CHECK_STR_EQ(str(o, "GroupId"), group);
    cJSON_Delete(o);
    /* A deleted user is gone from the directory. */
    admin_ok(s, "/__sim/idc/users/delete", "{\"UserName\":\"alice\"}", NULL);
    expect_error(s, true, "GetUserId",
                 "{\"IdentityStoreId\":\"" STORE "\",\"AlternateIdentifier\":{\"UniqueAttribute\":"
                 "{\"AttributePath\":\"userName\",\"AttributeValue\":\"alice\"}}}",
                 "ResourceNotFoundException");
    admin_ok(s, "/__sim/idc/groups/delete", "{\"DisplayName\":\"instructors\"}", NULL);
    o = admin(s, "POST", "/__sim/idc/groups/delete", "{\"DisplayName\":\"instructors\"}", &st);
    CHECK_INT_EQ(st, 404);
    cJSON_Delete(o);
    sim_free(s);
}

TEST(injected_throttling_and_member_callers)
{
    struct sim *s = mk();
    struct sim_caller member = mgmt;
    struct sim_reply r;
    int st = 0;
    cJSON *o;

    o = admin(s, "POST", "/__sim/faults", "{\"throttle_rate\":1}", &st);
    CHECK_INT_EQ(st, 200);
    cJSON_Delete(o);
    expect_error(s, false, "ListInstances", "{}", "ThrottlingException");
    o = admin(s, "POST", "/__sim/faults", "{\"throttle_rate\":0}", &st);
    cJSON_Delete(o);
    o = idc(s, false, "ListInstances", "{}", &st);
    CHECK_INT_EQ(st, 200);
    CHECK_STR_EQ(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "Instances"), 0), "InstanceArn"),
                 INSTANCE);
    CHECK_STR_EQ(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "Instances"), 0), "IdentityStoreId"),
                 STORE);
    cJSON_Delete(o);
    member.management = false;
    CHECK(sim_idc_call(s, false, "ListInstances", "{}", 2, &member, &r) == 0);
    CHECK_CONTAINS(r.body, "AccessDeniedException");
    sim_reply_release(&r);
    sim_free(s);
}

TEST(state_survives_save_and_load)
{
    struct sim *a = mk(), *b = mk();
    char user[64], acct[16], rid[64], *text = NULL;
    struct sbx_err err = { 0 };

    setup(a, user, acct);
    CHECK_STR_EQ(start(a, "CreateAccountAssignment", acct, user, rid), "IN_PROGRESS");
    CHECK_OK(sim_state_json(a, true, &text, &err), &err);
    CHECK_OK(sim_state_load(b, text, &err), &err);
    free(text);
    /* The pending request finishes in the loaded simulator on its own clock. */
    CHECK_STR_EQ(status_of(b, false, rid), "IN_PROGRESS");
    sim_advance(b, 5);
    CHECK_STR_EQ(status_of(b, false, rid), "SUCCEEDED");
    CHECK_INT_EQ(assigned(b, acct), 1);
    admin_ok(b, "/__sim/idc/users", "{\"UserName\":\"bob\"}", "UserId");
    /* reset empties the directory and the assignments */
    admin_ok(b, "/__sim/reset", "{}", NULL);
    {
        int st = 0;
        cJSON *o = admin(b, "GET", "/__sim/idc", NULL, &st);

        CHECK_INT_EQ(st, 200);
        CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(o, "users")), 0);
        CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(o, "assignments")), 0);
        cJSON_Delete(o);
    }
    sim_free(a);
    sim_free(b);
}

#define CREATE_ALICE                                                                       \
    "{\"IdentityStoreId\":\"" STORE "\",\"UserName\":\"alice\",\"DisplayName\":\"Alice\"," \
    "\"Name\":{\"GivenName\":\"Alice\",\"FamilyName\":\"Doe\"},\"Emails\":[{\"Value\":"    \
    "\"alice@corp.example\",\"Type\":\"work\",\"Primary\":true}]}"

TEST(create_user_and_membership_only_in_own_directory)
{
    struct sim *a = mk(), *b = mk();
    char user[64], group[64], body[256], *text = NULL;
    struct sbx_err err = { 0 };
    int st = 0;
    cJSON *o;

    /* An external identity source refuses the writes and creates nothing. */
    o = admin(a, "POST", "/__sim/idc", "{\"identity_source\":\"external\"}", &st);
    CHECK_INT_EQ(st, 200);
    CHECK_STR_EQ(str(o, "identity_source"), "external");
    cJSON_Delete(o);
    expect_error(a, true, "CreateUser", CREATE_ALICE, "AccessDeniedException");
    o = admin(a, "GET", "/__sim/idc", NULL, &st);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(o, "users")), 0);
    cJSON_Delete(o);
    o = admin(a, "POST", "/__sim/idc", "{\"identity_source\":\"scim\"}", &st);
    CHECK_INT_EQ(st, 400);
    cJSON_Delete(o);
    admin_ok(a, "/__sim/idc", "{\"identity_source\":\"internal\"}", NULL);
    /* Identity Center's own directory: required members, then the user and a membership. */
    expect_error(a, true, "CreateUser",
                 "{\"IdentityStoreId\":\"" STORE "\",\"UserName\":\"x\",\"DisplayName\":\"X\"}",
                 "ValidationException");
    o = idc(a, true, "CreateUser", CREATE_ALICE, &st);
    CHECK_INT_EQ(st, 200);
    snprintf(user, sizeof(user), "%s", str(o, "UserId"));
    CHECK(strlen(user) == 36);
    cJSON_Delete(o);
    expect_error(a, true, "CreateUser", CREATE_ALICE, "ConflictException");
    snprintf(group, sizeof(group), "%s",
             admin_ok(a, "/__sim/idc/groups", "{\"DisplayName\":\"students\"}", "GroupId"));
    snprintf(body, sizeof(body),
             "{\"IdentityStoreId\":\"" STORE "\",\"GroupId\":\"%s\",\"MemberId\":{\"UserId\":"
             "\"%s\"}}",
             group, user);
    o = idc(a, true, "CreateGroupMembership", body, &st);
    CHECK_INT_EQ(st, 200);
    CHECK(str(o, "MembershipId") != NULL);
    cJSON_Delete(o);
    expect_error(a, true, "CreateGroupMembership", body, "ConflictException");
    /* The user, the membership and the source survive a save and load. */
    admin_ok(a, "/__sim/idc", "{\"identity_source\":\"external\"}", NULL);
    CHECK_OK(sim_state_json(a, true, &text, &err), &err);
    CHECK_OK(sim_state_load(b, text, &err), &err);
    free(text);
    o = admin(b, "GET", "/__sim/idc", NULL, &st);
    CHECK_STR_EQ(str(o, "identity_source"), "external");
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(o, "users")), 1);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(o, "memberships")), 1);
    cJSON_Delete(o);
    /* A deleted user leaves its groups. */
    admin_ok(b, "/__sim/idc/users/delete", "{\"UserName\":\"alice\"}", NULL);
    o = admin(b, "GET", "/__sim/idc", NULL, &st);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(o, "memberships")), 0);
    cJSON_Delete(o);
    /* reset: Identity Center's own directory again */
    admin_ok(b, "/__sim/reset", "{}", NULL);
    o = admin(b, "GET", "/__sim/idc", NULL, &st);
    CHECK_STR_EQ(str(o, "identity_source"), "internal");
    cJSON_Delete(o);
    /* An IAM deny on one operation is AccessDeniedException for it alone. */
    admin_ok(b, "/__sim/faults", "{\"deny_ops\":[\"GetGroupId\"]}", NULL);
    expect_error(b, true, "GetGroupId",
                 "{\"IdentityStoreId\":\"" STORE "\",\"AlternateIdentifier\":{\"UniqueAttribute\":"
                 "{\"AttributePath\":\"displayName\",\"AttributeValue\":\"students\"}}}",
                 "AccessDeniedException");
    sim_free(a);
    sim_free(b);
}
