/*
 * idc.c -- the IAM Identity Center clients, sso-admin and identitystore (see idc.h).
 *
 * Bodies follow the botocore service models (sso-admin 2020-07-20, identitystore 2020-06-15):
 * members are PascalCase, unset members are omitted, timestamps are epoch seconds. Requests,
 * answers' members and listings go through the Organizations client's helpers (orgs_int.h).
 */
#include "aws/idc.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/endpoint.h"
#include "aws/orgs_int.h"
#include "util/jsonr.h"
#include "util/log.h"

/* AWS-ACCESS-SPEND-NUKE.md: both list their pages by at most 100. */
#define PAGE_SIZE 100

/* The two services: signing name, X-Amz-Target prefix, where their endpoint overrides live. */
static const struct {
    const char *signing;
    const char *target_prefix;
    const char *profile_section; /* the shared config file's services section */
    const char *env_upper;       /* AWS_ENDPOINT_URL_<env_upper> */
    struct endpoint_service es;
} services[2] = {
    [IDC_SSO_ADMIN] = { "sso",
                        "SWBExternalService",
                        "sso_admin",
                        "SSO_ADMIN",
                        { "sso", "config aws.sso_endpoint", "AWS_ENDPOINT_URL_SSO_ADMIN" } },
    [IDC_IDENTITYSTORE] = { "identitystore",
                            "AWSIdentityStore",
                            "identitystore",
                            "IDENTITYSTORE",
                            { "identitystore", "config aws.identitystore_endpoint",
                              "AWS_ENDPOINT_URL_IDENTITYSTORE" } },
};

/* Every operation the client sends: its service and name (and so its IAM action). */
enum op {
    OP_LIST_INSTANCES,
    OP_LIST_PERMISSION_SETS,
    OP_DESCRIBE_PERMISSION_SET,
    OP_CREATE_ASSIGNMENT,
    OP_DESCRIBE_CREATION,
    OP_DELETE_ASSIGNMENT,
    OP_DESCRIBE_DELETION,
    OP_LIST_ASSIGNMENTS,
    OP_GET_USER_ID,
    OP_DESCRIBE_USER,
    OP_GET_GROUP_ID,
    OP_CREATE_USER,
    OP_CREATE_GROUP_MEMBERSHIP,
    OP_COUNT
};

static const struct {
    enum idc_service service;
    const char *name;
} op_table[OP_COUNT] = {
    [OP_LIST_INSTANCES] = { IDC_SSO_ADMIN, "ListInstances" },
    [OP_LIST_PERMISSION_SETS] = { IDC_SSO_ADMIN, "ListPermissionSets" },
    [OP_DESCRIBE_PERMISSION_SET] = { IDC_SSO_ADMIN, "DescribePermissionSet" },
    [OP_CREATE_ASSIGNMENT] = { IDC_SSO_ADMIN, "CreateAccountAssignment" },
    [OP_DESCRIBE_CREATION] = { IDC_SSO_ADMIN, "DescribeAccountAssignmentCreationStatus" },
    [OP_DELETE_ASSIGNMENT] = { IDC_SSO_ADMIN, "DeleteAccountAssignment" },
    [OP_DESCRIBE_DELETION] = { IDC_SSO_ADMIN, "DescribeAccountAssignmentDeletionStatus" },
    [OP_LIST_ASSIGNMENTS] = { IDC_SSO_ADMIN, "ListAccountAssignments" },
    [OP_GET_USER_ID] = { IDC_IDENTITYSTORE, "GetUserId" },
    [OP_DESCRIBE_USER] = { IDC_IDENTITYSTORE, "DescribeUser" },
    [OP_GET_GROUP_ID] = { IDC_IDENTITYSTORE, "GetGroupId" },
    [OP_CREATE_USER] = { IDC_IDENTITYSTORE, "CreateUser" },
    [OP_CREATE_GROUP_MEMBERSHIP] = { IDC_IDENTITYSTORE, "CreateGroupMembership" },
};

struct idc {
    struct orgs *o; /* borrowed */
    struct endpoint ep[2];
};

/* The heap strings of each struct, read from these members and freed by its release. */
static const struct jsonr_field instance_fields[] = {
    { "InstanceArn", offsetof(struct idc_instance, arn) },
    { "IdentityStoreId", offsetof(struct idc_instance, identity_store_id) },
    { "Name", offsetof(struct idc_instance, name) },
    { "OwnerAccountId", offsetof(struct idc_instance, owner_account_id) },
    { NULL, 0 },
};
/* An element that is itself a char * (no member name: only freed by it). */
static const struct jsonr_field string_fields[] = { { "", 0 }, { NULL, 0 } };
static const struct jsonr_field permission_set_fields[] = {
    { "PermissionSetArn", offsetof(struct idc_permission_set, arn) },
    { "Name", offsetof(struct idc_permission_set, name) },
    { "Description", offsetof(struct idc_permission_set, description) },
    { NULL, 0 },
};
static const struct jsonr_field status_fields[] = {
    { "FailureReason", offsetof(struct idc_assignment_status, failure_reason) },
    { "PermissionSetArn", offsetof(struct idc_assignment_status, permission_set_arn) },
    { "PrincipalId", offsetof(struct idc_assignment_status, principal_id) },
    { NULL, 0 },
};
static const struct jsonr_field assignment_fields[] = {
    { "PermissionSetArn", offsetof(struct idc_account_assignment, permission_set_arn) },
    { "PrincipalId", offsetof(struct idc_account_assignment, principal_id) },
    { NULL, 0 },
};
static const struct jsonr_field user_fields[] = {
    { "UserId", offsetof(struct idc_user, user_id) },
    { "UserName", offsetof(struct idc_user, user_name) },
    { "DisplayName", offsetof(struct idc_user, display_name) },
    { NULL, 0 },
};

int
idc_new(struct orgs *o, const struct idc_opts *opts, struct idc **out, struct sbx_err *err)
{
    const char *config_url[2] = { opts->sso_endpoint, opts->identitystore_endpoint };
    const char *fips = getenv("AWS_USE_FIPS_ENDPOINT");
    struct endpoint_opts eo = { 0 };
    struct idc *c;

    *out = NULL;
    c = sbx_calloc(1, sizeof(*c), err);
    if (c == NULL)
        return -1;
    c->o = o;
    eo.region = opts->region != NULL && *opts->region != '\0' ? opts->region : orgs_region(o);
    eo.fips = fips != NULL && strcmp(fips, "true") == 0;
    for (size_t i = 0; i < SBX_ARRAY_LEN(services); i++) {
        const struct orgs_service_ep sv = { .section = services[i].profile_section,
                                            .env_upper = services[i].env_upper,
                                            .config_url = config_url[i],
                                            .regional = &services[i].es,
                                            .ep = &c->ep[i] };

        if (orgs_resolve_service_ep(orgs_profile(o), &sv, &eo, err) != 0) {
            free(c);
            return -1;
        }
    }
    log_debug("sso-admin endpoint %s (%s), identitystore endpoint %s (%s), region %s",
              c->ep[IDC_SSO_ADMIN].url, c->ep[IDC_SSO_ADMIN].source, c->ep[IDC_IDENTITYSTORE].url,
              c->ep[IDC_IDENTITYSTORE].source, c->ep[IDC_SSO_ADMIN].signing_region);
    *out = c;
    return 0;
}

void
idc_free(struct idc *c)
{
    free(c);
}

const struct endpoint *
idc_endpoint(const struct idc *c, enum idc_service s)
{
    return &c->ep[s];
}

const char *
idc_region(const struct idc *c)
{
    return c->ep[IDC_SSO_ADMIN].signing_region;
}

/* --- calls ------------------------------------------------------------------------------- */

static struct orgs_service_call
service_call(const struct idc *c, enum op op)
{
    enum idc_service s = op_table[op].service;
    struct orgs_service_call sc = { 0 };

    sc.ep = &c->ep[s];
    sc.service = services[s].signing;
    sc.target_prefix = services[s].target_prefix;
    sc.operation = op_table[op].name;
    sc.page_size = PAGE_SIZE;
    return sc;
}

/* Sends req (taken over) and parses its answer's object member key (see orgs_int.h) into out
 * with parse(op's name, ...). */
static int
call_parse(struct idc *c, enum op op, cJSON *req, const char *key,
           int (*parse)(const char *op, const cJSON *j, void *out, struct sbx_err *err), void *out,
           struct sbx_err *err)
{
    struct orgs_service_call sc = service_call(c, op);
    cJSON *resp = NULL;
    const cJSON *m = orgs_service_member(c->o, &sc, req, key, &resp, err);
    int rc = m != NULL ? parse(op_table[op].name, m, out, err) : -1;

    cJSON_Delete(resp);
    return rc;
}

/* Collects every page of sso-admin listing op into v (orgs_vec_item per element of
 * result_key); takes req over. On failure v is left empty. */
static int
collect(struct idc *c, enum op op, cJSON *req, const char *result_key, struct orgs_vec *v,
        struct sbx_err *err)
{
    struct orgs_service_call sc = service_call(c, op);

    return orgs_vec_settle(v,
                           orgs_service_collect(c->o, &sc, req, result_key, orgs_vec_item, v, err));
}

/* Sends req (taken over) and keeps the string member key of the answer in *id (heap; id NULL:
 * only checks it is there). */
static int
call_id(struct idc *c, enum op op, cJSON *req, const char *key, char **id, struct sbx_err *err)
{
    struct orgs_service_call sc = service_call(c, op);
    cJSON *resp = NULL;
    int rc = -1;

    if (req == NULL)
        return sbx_err_nomem(err);
    if (orgs_call_service(c->o, &sc, req, &resp, err) != 0)
        goto out;
    if (jsonr_str(resp, key) == NULL || *jsonr_str(resp, key) == '\0') {
        char what[64];

        snprintf(what, sizeof(what), "response lacks %s", key);
        orgs_protocol(op_table[op].name, what, err);
        goto out;
    }
    if (id != NULL && jsonr_dup(resp, key, id) != 0) {
        sbx_err_nomem(err);
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(req);
    cJSON_Delete(resp);
    return rc;
}

/* --- ListInstances ----------------------------------------------------------------------- */

static int
parse_instance(const cJSON *j, void *slot, struct sbx_err *err)
{
    struct idc_instance *in = slot;

    if (!cJSON_IsObject(j) || jsonr_str(j, "InstanceArn") == NULL ||
        jsonr_str(j, "IdentityStoreId") == NULL)
        return orgs_protocol("ListInstances", "an instance without InstanceArn or IdentityStoreId",
                             err);
    if (jsonr_dup_fields(j, in, instance_fields) != 0)
        return sbx_err_nomem(err);
    jsonr_copy(j, "Status", in->status, sizeof(in->status));
    return 0;
}

int
idc_list_instances(struct idc *c, struct idc_instance **out, size_t *n, struct sbx_err *err)
{
    struct orgs_vec v = { .size = sizeof(**out),
                          .parse = parse_instance,
                          .fields = instance_fields };
    int rc = collect(c, OP_LIST_INSTANCES, cJSON_CreateObject(), "Instances", &v, err);

    *out = v.items;
    *n = v.n;
    return rc;
}

/* --- permission sets --------------------------------------------------------------------- */

static int
parse_string(const cJSON *j, void *slot, struct sbx_err *err)
{
    char **s = slot;

    if (!cJSON_IsString(j))
        return orgs_protocol("ListPermissionSets", "a permission set ARN that is not a string",
                             err);
    *s = strdup(j->valuestring);
    return *s == NULL ? sbx_err_nomem(err) : 0;
}

int
idc_list_permission_sets(struct idc *c, const char *instance_arn, char ***out, size_t *n,
                         struct sbx_err *err)
{
    struct orgs_vec v = { .size = sizeof(**out), .parse = parse_string, .fields = string_fields };
    int rc = collect(c, OP_LIST_PERMISSION_SETS, orgs_request("InstanceArn", instance_arn, NULL),
                     "PermissionSets", &v, err);

    *out = v.items;
    *n = v.n;
    return rc;
}

static int
parse_permission_set(const char *op, const cJSON *j, void *out, struct sbx_err *err)
{
    struct idc_permission_set *ps = out;

    if (jsonr_str(j, "PermissionSetArn") == NULL || jsonr_str(j, "Name") == NULL)
        return orgs_protocol(op, "response lacks PermissionSet with its ARN and Name", err);
    if (jsonr_dup_fields(j, ps, permission_set_fields) != 0)
        return sbx_err_nomem(err);
    jsonr_copy(j, "SessionDuration", ps->session_duration, sizeof(ps->session_duration));
    ps->created = jsonr_num(j, "CreatedDate");
    return 0;
}

int
idc_describe_permission_set(struct idc *c, const char *instance_arn, const char *permission_set_arn,
                            struct idc_permission_set *out, struct sbx_err *err)
{
    memset(out, 0, sizeof(*out));
    return call_parse(
            c, OP_DESCRIBE_PERMISSION_SET,
            orgs_request("InstanceArn", instance_arn, "PermissionSetArn", permission_set_arn, NULL),
            "PermissionSet", parse_permission_set, out, err);
}

/* --- account assignments ----------------------------------------------------------------- */

/* An AccountAssignment{Creation,Deletion}Status object into st. */
static int
parse_status(const char *op, const cJSON *j, void *out, struct sbx_err *err)
{
    struct idc_assignment_status *st = out;
    const char *status = jsonr_str(j, "Status"), *rid = jsonr_str(j, "RequestId");

    if (status == NULL || rid == NULL ||
        (strcmp(status, "IN_PROGRESS") != 0 && strcmp(status, "SUCCEEDED") != 0 &&
         strcmp(status, "FAILED") != 0))
        return orgs_protocol(op, "assignment status without RequestId or a known Status", err);
    if (strlen(rid) >= sizeof(st->request_id))
        return orgs_protocol(op, "assignment RequestId is too long", err);
    snprintf(st->request_id, sizeof(st->request_id), "%s", rid);
    snprintf(st->status, sizeof(st->status), "%s", status);
    jsonr_copy(j, "TargetId", st->target_id, sizeof(st->target_id));
    jsonr_copy(j, "PrincipalType", st->principal_type, sizeof(st->principal_type));
    st->created = jsonr_num(j, "CreatedDate");
    return jsonr_dup_fields(j, st, status_fields) != 0 ? sbx_err_nomem(err) : 0;
}

/* Sends req (taken over) and parses the status object member key of the answer. */
static int
status_call(struct idc *c, enum op op, cJSON *req, const char *key,
            struct idc_assignment_status *st, struct sbx_err *err)
{
    memset(st, 0, sizeof(*st));
    return call_parse(c, op, req, key, parse_status, st, err);
}

static cJSON *
assignment_req(const struct idc_assignment *a)
{
    return orgs_request("InstanceArn", a->instance_arn, "TargetId", a->account_id, "TargetType",
                        "AWS_ACCOUNT", "PermissionSetArn", a->permission_set_arn, "PrincipalType",
                        a->principal_type, "PrincipalId", a->principal_id, NULL);
}

int
idc_create_account_assignment(struct idc *c, const struct idc_assignment *a,
                              struct idc_assignment_status *st, struct sbx_err *err)
{
    return status_call(c, OP_CREATE_ASSIGNMENT, assignment_req(a),
                       "AccountAssignmentCreationStatus", st, err);
}

int
idc_delete_account_assignment(struct idc *c, const struct idc_assignment *a,
                              struct idc_assignment_status *st, struct sbx_err *err)
{
    return status_call(c, OP_DELETE_ASSIGNMENT, assignment_req(a),
                       "AccountAssignmentDeletionStatus", st, err);
}

int
idc_describe_assignment_creation_status(struct idc *c, const char *instance_arn,
                                        const char *request_id, struct idc_assignment_status *st,
                                        struct sbx_err *err)
{
    return status_call(c, OP_DESCRIBE_CREATION,
                       orgs_request("InstanceArn", instance_arn,
                                    "AccountAssignmentCreationRequestId", request_id, NULL),
                       "AccountAssignmentCreationStatus", st, err);
}

int
idc_describe_assignment_deletion_status(struct idc *c, const char *instance_arn,
                                        const char *request_id, struct idc_assignment_status *st,
                                        struct sbx_err *err)
{
    return status_call(c, OP_DESCRIBE_DELETION,
                       orgs_request("InstanceArn", instance_arn,
                                    "AccountAssignmentDeletionRequestId", request_id, NULL),
                       "AccountAssignmentDeletionStatus", st, err);
}

static int
parse_assignment(const cJSON *j, void *slot, struct sbx_err *err)
{
    struct idc_account_assignment *a = slot;

    if (!cJSON_IsObject(j) || jsonr_str(j, "PrincipalId") == NULL ||
        jsonr_str(j, "PermissionSetArn") == NULL)
        return orgs_protocol("ListAccountAssignments",
                             "an assignment without PrincipalId or PermissionSetArn", err);
    jsonr_copy(j, "AccountId", a->account_id, sizeof(a->account_id));
    jsonr_copy(j, "PrincipalType", a->principal_type, sizeof(a->principal_type));
    return jsonr_dup_fields(j, a, assignment_fields) != 0 ? sbx_err_nomem(err) : 0;
}

int
idc_list_account_assignments(struct idc *c, const char *instance_arn, const char *account_id,
                             const char *permission_set_arn, struct idc_account_assignment **out,
                             size_t *n, struct sbx_err *err)
{
    struct orgs_vec v = { .size = sizeof(**out),
                          .parse = parse_assignment,
                          .fields = assignment_fields };
    int rc = collect(c, OP_LIST_ASSIGNMENTS,
                     orgs_request("InstanceArn", instance_arn, "AccountId", account_id,
                                  "PermissionSetArn", permission_set_arn, NULL),
                     "AccountAssignments", &v, err);

    *out = v.items;
    *n = v.n;
    return rc;
}

/* --- identitystore ----------------------------------------------------------------------- */

/* {"IdentityStoreId":..., "AlternateIdentifier":{"UniqueAttribute":{path, value}}} */
static cJSON *
alternate_id_req(const char *store_id, const char *path, const char *value)
{
    cJSON *req = orgs_request("IdentityStoreId", store_id, NULL), *alt = cJSON_CreateObject();

    if (jsonr_add(req, "AlternateIdentifier", alt) != 0 ||
        jsonr_add(alt, "UniqueAttribute",
                  orgs_request("AttributePath", path, "AttributeValue", value, NULL)) != 0) {
        cJSON_Delete(req);
        return NULL;
    }
    return req;
}

int
idc_get_user_id(struct idc *c, const char *identity_store_id, const char *attribute_path,
                const char *value, char **user_id, struct sbx_err *err)
{
    *user_id = NULL;
    return call_id(c, OP_GET_USER_ID, alternate_id_req(identity_store_id, attribute_path, value),
                   "UserId", user_id, err);
}

int
idc_get_group_id(struct idc *c, const char *identity_store_id, const char *display_name,
                 char **group_id, struct sbx_err *err)
{
    *group_id = NULL;
    return call_id(c, OP_GET_GROUP_ID,
                   alternate_id_req(identity_store_id, "displayName", display_name), "GroupId",
                   group_id, err);
}

/* DescribeUser's answer into out; the primary address, else the first. */
static int
parse_user(const cJSON *resp, struct idc_user *out, struct sbx_err *err)
{
    const cJSON *e, *pick = NULL;

    if (jsonr_str(resp, "UserId") == NULL)
        return orgs_protocol("DescribeUser", "response lacks UserId", err);
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(resp, "Emails"))
    {
        bool primary = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "Primary"));

        if (!cJSON_IsObject(e) || jsonr_str(e, "Value") == NULL)
            continue;
        if (pick == NULL || primary)
            pick = e;
        if (primary)
            break;
    }
    if (jsonr_dup_fields(resp, out, user_fields) != 0 ||
        (pick != NULL && jsonr_dup(pick, "Value", &out->email) != 0)) {
        idc_user_release(out);
        return sbx_err_nomem(err);
    }
    return 0;
}

int
idc_describe_user(struct idc *c, const char *identity_store_id, const char *user_id,
                  struct idc_user *out, struct sbx_err *err)
{
    struct orgs_service_call sc = service_call(c, OP_DESCRIBE_USER);
    cJSON *req = orgs_request("IdentityStoreId", identity_store_id, "UserId", user_id, NULL);
    cJSON *resp = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if (req == NULL)
        return sbx_err_nomem(err);
    rc = orgs_call_service(c->o, &sc, req, &resp, err);
    cJSON_Delete(req);
    if (rc == 0)
        rc = parse_user(resp, out, err);
    cJSON_Delete(resp);
    return rc;
}

/* {"Value": email, "Type": "work", "Primary": true}, or NULL when out of memory. */
static cJSON *
email_entry(const char *email)
{
    cJSON *e = orgs_request("Value", email, "Type", "work", NULL);

    if (e != NULL && cJSON_AddBoolToObject(e, "Primary", 1) == NULL) {
        cJSON_Delete(e);
        return NULL;
    }
    return e;
}

int
idc_create_user(struct idc *c, const char *identity_store_id, const struct idc_new_user *u,
                char **user_id, struct sbx_err *err)
{
    cJSON *req = orgs_request("IdentityStoreId", identity_store_id, "UserName", u->user_name,
                              "DisplayName", u->display_name, NULL);

    *user_id = NULL;
    if (req != NULL &&
        ((u->email != NULL && jsonr_add_one(req, "Emails", email_entry(u->email)) != 0) ||
         jsonr_add(req, "Name",
                   orgs_request("GivenName", u->given_name, "FamilyName", u->family_name, NULL)) !=
                 0)) {
        cJSON_Delete(req);
        req = NULL;
    }
    return call_id(c, OP_CREATE_USER, req, "UserId", user_id, err); /* req NULL: out of memory */
}

int
idc_create_group_membership(struct idc *c, const char *identity_store_id, const char *group_id,
                            const char *user_id, struct sbx_err *err)
{
    cJSON *req = orgs_request("IdentityStoreId", identity_store_id, "GroupId", group_id, NULL);

    if (req != NULL && jsonr_add(req, "MemberId", orgs_request("UserId", user_id, NULL)) != 0) {
        cJSON_Delete(req);
        req = NULL;
    }
    return call_id(c, OP_CREATE_GROUP_MEMBERSHIP, req, "MembershipId", NULL, err);
}

size_t
idc_actions(char (*out)[64], size_t n)
{
    for (size_t i = 0; i < OP_COUNT && i < n; i++)
        snprintf(out[i], sizeof(out[i]), "%s:%s",
                 op_table[i].service == IDC_SSO_ADMIN ? "sso" : "identitystore", op_table[i].name);
    return OP_COUNT;
}

/* --- release ----------------------------------------------------------------------------- */

void
idc_instances_free(struct idc_instance *v, size_t n)
{
    jsonr_free_array(v, n, sizeof(*v), instance_fields);
}

void
idc_strings_free(char **v, size_t n)
{
    jsonr_free_array(v, n, sizeof(*v), string_fields);
}

void
idc_permission_set_release(struct idc_permission_set *p)
{
    jsonr_free_fields(p, permission_set_fields);
}

void
idc_assignment_status_release(struct idc_assignment_status *s)
{
    jsonr_free_fields(s, status_fields);
}

void
idc_account_assignments_free(struct idc_account_assignment *v, size_t n)
{
    jsonr_free_array(v, n, sizeof(*v), assignment_fields);
}

void
idc_user_release(struct idc_user *u)
{
    jsonr_free_fields(u, user_fields);
    free(u->email);
    u->email = NULL;
}
