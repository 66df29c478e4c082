/*
 * idc.c -- the IAM Identity Center clients, sso-admin and identitystore (see idc.h).
 *
 * Bodies follow the botocore service models (sso-admin 2020-07-20, identitystore 2020-06-15):
 * members are PascalCase, unset members are omitted, timestamps are epoch seconds.
 */
#include "aws/idc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/creds_ini.h"
#include "aws/endpoint.h"
#include "aws/orgs_int.h"
#include "util/jsonr.h"
#include "util/log.h"

#define SSO_PREFIX "SWBExternalService"
#define IDS_PREFIX "AWSIdentityStore"
#define PAGE_SIZE  100

struct idc {
    struct orgs *o; /* borrowed */
    struct endpoint sso_ep;
    struct endpoint ids_ep;
};

static const struct endpoint_service sso_service = { "sso", "config aws.sso_endpoint",
                                                     "AWS_ENDPOINT_URL_SSO_ADMIN" };
static const struct endpoint_service ids_service = { "identitystore",
                                                     "config aws.identitystore_endpoint",
                                                     "AWS_ENDPOINT_URL_IDENTITYSTORE" };

static int
nomem(struct sbx_err *err)
{
    sbx_err_set(err, SBX_E_NOMEM, "out of memory");
    return -1;
}

static int
protocol(const char *op, const char *what, struct sbx_err *err)
{
    sbx_err_set(err, SBX_E_AWS, "%s: %s", op, what);
    err->aws = SBX_AWS_PROTOCOL;
    return -1;
}

int
idc_new(struct orgs *o, const struct idc_opts *opts, struct idc **out, struct sbx_err *err)
{
    struct endpoint_opts eo = { 0 };
    struct endpoint_env env;
    struct idc *c;
    char *sso_url = NULL, *ids_url = NULL;
    const char *fips = getenv("AWS_USE_FIPS_ENDPOINT");
    int rc = -1;

    *out = NULL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return nomem(err);
    c->o = o;
    if (creds_profile_setting(orgs_profile(o), "sso_admin", "endpoint_url", &sso_url, err) != 0 ||
        creds_profile_setting(orgs_profile(o), "identitystore", "endpoint_url", &ids_url, err) != 0)
        goto out;
    eo.region = opts->region != NULL && *opts->region != '\0' ? opts->region : orgs_region(o);
    eo.fips = fips != NULL && strcmp(fips, "true") == 0;
    eo.config_url = opts->sso_endpoint;
    eo.profile_url = sso_url;
    endpoint_env_read("SSO_ADMIN", &env);
    if (endpoint_resolve_regional(&eo, &env, &sso_service, &c->sso_ep, err) != 0)
        goto out;
    eo.config_url = opts->identitystore_endpoint;
    eo.profile_url = ids_url;
    endpoint_env_read("IDENTITYSTORE", &env);
    if (endpoint_resolve_regional(&eo, &env, &ids_service, &c->ids_ep, err) != 0)
        goto out;
    log_debug("sso-admin endpoint %s (%s), identitystore endpoint %s (%s), region %s",
              c->sso_ep.url, c->sso_ep.source, c->ids_ep.url, c->ids_ep.source,
              c->sso_ep.signing_region);
    *out = c;
    c = NULL;
    rc = 0;
out:
    free(sso_url);
    free(ids_url);
    free(c);
    return rc;
}

void
idc_free(struct idc *c)
{
    free(c);
}

const char *
idc_sso_endpoint(const struct idc *c)
{
    return c->sso_ep.url;
}

const char *
idc_sso_endpoint_source(const struct idc *c)
{
    return c->sso_ep.source;
}

const char *
idc_identitystore_endpoint(const struct idc *c)
{
    return c->ids_ep.url;
}

const char *
idc_identitystore_endpoint_source(const struct idc *c)
{
    return c->ids_ep.source;
}

const char *
idc_region(const struct idc *c)
{
    return c->sso_ep.signing_region;
}

/* --- JSON helpers ------------------------------------------------------------------------ */

static int
sso_call(struct idc *c, const char *op, bool ids, const cJSON *req, cJSON **resp,
         struct sbx_err *err)
{
    struct orgs_service_call sc = { 0 };

    sc.ep = ids ? &c->ids_ep : &c->sso_ep;
    sc.service = ids ? "identitystore" : "sso";
    sc.target_prefix = ids ? IDS_PREFIX : SSO_PREFIX;
    sc.operation = op;
    return orgs_call_service(c->o, &sc, req, resp, err);
}

/*
 * Follows NextToken for op: sends req with MaxResults and the previous page's NextToken and
 * calls item() for every element of result_key (any JSON type); stops when a page has no
 * NextToken, never on an empty page.
 */
static int
paginate(struct idc *c, const char *op, cJSON *req, const char *result_key,
         int (*item)(void *ctx, const cJSON *it, struct sbx_err *err), void *ctx,
         struct sbx_err *err)
{
    char *token = NULL;
    int rc = -1;

    if (cJSON_AddNumberToObject(req, "MaxResults", PAGE_SIZE) == NULL)
        return nomem(err);
    for (;;) {
        cJSON *resp = NULL;
        const cJSON *arr, *it;
        const char *next;

        cJSON_DeleteItemFromObjectCaseSensitive(req, "NextToken");
        if (token != NULL && cJSON_AddStringToObject(req, "NextToken", token) == NULL) {
            nomem(err);
            goto out;
        }
        if (sso_call(c, op, false, req, &resp, err) != 0)
            goto out;
        arr = cJSON_GetObjectItemCaseSensitive(resp, result_key);
        if (arr != NULL && !cJSON_IsNull(arr) && !cJSON_IsArray(arr)) {
            cJSON_Delete(resp);
            protocol(op, "result list is not an array", err);
            goto out;
        }
        cJSON_ArrayForEach(it, arr)
        {
            if (item(ctx, it, err) != 0) {
                cJSON_Delete(resp);
                goto out;
            }
        }
        next = jsonr_str(resp, "NextToken");
        if (next == NULL || *next == '\0') {
            cJSON_Delete(resp);
            break;
        }
        if (token != NULL && strcmp(token, next) == 0) {
            cJSON_Delete(resp);
            protocol(op, "NextToken repeated: the listing does not advance", err);
            goto out;
        }
        free(token);
        token = strdup(next);
        cJSON_Delete(resp);
        if (token == NULL) {
            nomem(err);
            goto out;
        }
    }
    rc = 0;
out:
    free(token);
    return rc;
}

/* A growable array of elements of size `size`. */
struct vec {
    void *items;
    size_t n, cap, size;
};

static void *
vec_push(struct vec *v)
{
    void *slot;

    if (v->n == v->cap) {
        size_t cap = v->cap == 0 ? 8 : v->cap * 2;
        void *ni = realloc(v->items, cap * v->size);

        if (ni == NULL)
            return NULL;
        v->items = ni;
        v->cap = cap;
    }
    slot = (char *)v->items + v->n * v->size;
    memset(slot, 0, v->size);
    v->n++;
    return slot;
}

/* --- ListInstances ----------------------------------------------------------------------- */

static int
instance_item(void *ctx, const cJSON *it, struct sbx_err *err)
{
    struct vec *v = ctx;
    struct idc_instance *in;

    if (!cJSON_IsObject(it) || jsonr_str(it, "InstanceArn") == NULL ||
        jsonr_str(it, "IdentityStoreId") == NULL)
        return protocol("ListInstances", "an instance without InstanceArn or IdentityStoreId", err);
    in = vec_push(v);
    if (in == NULL)
        return nomem(err);
    if (jsonr_dup(it, "InstanceArn", &in->arn) != 0 ||
        jsonr_dup(it, "IdentityStoreId", &in->identity_store_id) != 0 ||
        jsonr_dup(it, "Name", &in->name) != 0 ||
        jsonr_dup(it, "OwnerAccountId", &in->owner_account_id) != 0)
        return nomem(err);
    jsonr_copy(it, "Status", in->status, sizeof(in->status));
    return 0;
}

int
idc_list_instances(struct idc *c, struct idc_instance **out, size_t *n, struct sbx_err *err)
{
    struct vec v = { .size = sizeof(struct idc_instance) };
    cJSON *req = cJSON_CreateObject();
    int rc;

    *out = NULL;
    *n = 0;
    if (req == NULL)
        return nomem(err);
    rc = paginate(c, "ListInstances", req, "Instances", instance_item, &v, err);
    cJSON_Delete(req);
    if (rc != 0) {
        idc_instances_free(v.items, v.n);
        return -1;
    }
    *out = v.items;
    *n = v.n;
    return 0;
}

/* --- permission sets --------------------------------------------------------------------- */

static int
string_item(void *ctx, const cJSON *it, struct sbx_err *err)
{
    struct vec *v = ctx;
    char **slot;

    if (!cJSON_IsString(it))
        return protocol("ListPermissionSets", "a permission set ARN that is not a string", err);
    slot = vec_push(v);
    if (slot == NULL)
        return nomem(err);
    *slot = strdup(it->valuestring);
    return *slot == NULL ? nomem(err) : 0;
}

int
idc_list_permission_sets(struct idc *c, const char *instance_arn, char ***out, size_t *n,
                         struct sbx_err *err)
{
    struct vec v = { .size = sizeof(char *) };
    cJSON *req = cJSON_CreateObject();
    int rc;

    *out = NULL;
    *n = 0;
    if (req == NULL || cJSON_AddStringToObject(req, "InstanceArn", instance_arn) == NULL) {
        cJSON_Delete(req);
        return nomem(err);
    }
    rc = paginate(c, "ListPermissionSets", req, "PermissionSets", string_item, &v, err);
    cJSON_Delete(req);
    if (rc != 0) {
        idc_strings_free(v.items, v.n);
        return -1;
    }
    *out = v.items;
    *n = v.n;
    return 0;
}

int
idc_describe_permission_set(struct idc *c, const char *instance_arn, const char *permission_set_arn,
                            struct idc_permission_set *out, struct sbx_err *err)
{
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    const cJSON *ps;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (req == NULL || cJSON_AddStringToObject(req, "InstanceArn", instance_arn) == NULL ||
        cJSON_AddStringToObject(req, "PermissionSetArn", permission_set_arn) == NULL) {
        cJSON_Delete(req);
        return nomem(err);
    }
    if (sso_call(c, "DescribePermissionSet", false, req, &resp, err) != 0)
        goto out;
    ps = cJSON_GetObjectItemCaseSensitive(resp, "PermissionSet");
    if (!cJSON_IsObject(ps) || jsonr_str(ps, "PermissionSetArn") == NULL ||
        jsonr_str(ps, "Name") == NULL) {
        protocol("DescribePermissionSet", "response lacks PermissionSet with its ARN and Name",
                 err);
        goto out;
    }
    if (jsonr_dup(ps, "PermissionSetArn", &out->arn) != 0 ||
        jsonr_dup(ps, "Name", &out->name) != 0 ||
        jsonr_dup(ps, "Description", &out->description) != 0) {
        idc_permission_set_release(out);
        nomem(err);
        goto out;
    }
    jsonr_copy(ps, "SessionDuration", out->session_duration, sizeof(out->session_duration));
    out->created = jsonr_num(ps, "CreatedDate");
    rc = 0;
out:
    cJSON_Delete(req);
    cJSON_Delete(resp);
    return rc;
}

/* --- account assignments ----------------------------------------------------------------- */

static int
parse_status(const char *op, const cJSON *resp, const char *key, struct idc_assignment_status *st,
             struct sbx_err *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(resp, key);
    const char *status, *rid;

    memset(st, 0, sizeof(*st));
    if (!cJSON_IsObject(j)) {
        char what[80];

        snprintf(what, sizeof(what), "response lacks %s", key);
        return protocol(op, what, err);
    }
    status = jsonr_str(j, "Status");
    rid = jsonr_str(j, "RequestId");
    if (status == NULL || rid == NULL ||
        (strcmp(status, "IN_PROGRESS") != 0 && strcmp(status, "SUCCEEDED") != 0 &&
         strcmp(status, "FAILED") != 0))
        return protocol(op, "assignment status without RequestId or a known Status", err);
    if (strlen(rid) >= sizeof(st->request_id))
        return protocol(op, "assignment RequestId is too long", err);
    snprintf(st->request_id, sizeof(st->request_id), "%s", rid);
    snprintf(st->status, sizeof(st->status), "%s", status);
    jsonr_copy(j, "TargetId", st->target_id, sizeof(st->target_id));
    jsonr_copy(j, "PrincipalType", st->principal_type, sizeof(st->principal_type));
    st->created = jsonr_num(j, "CreatedDate");
    if (jsonr_dup(j, "FailureReason", &st->failure_reason) != 0 ||
        jsonr_dup(j, "PermissionSetArn", &st->permission_set_arn) != 0 ||
        jsonr_dup(j, "PrincipalId", &st->principal_id) != 0) {
        idc_assignment_status_release(st);
        return nomem(err);
    }
    return 0;
}

static int
assignment_call(struct idc *c, const char *op, const char *key, const struct idc_assignment *a,
                struct idc_assignment_status *st, struct sbx_err *err)
{
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    int rc = -1;

    memset(st, 0, sizeof(*st));
    if (req == NULL || cJSON_AddStringToObject(req, "InstanceArn", a->instance_arn) == NULL ||
        cJSON_AddStringToObject(req, "TargetId", a->account_id) == NULL ||
        cJSON_AddStringToObject(req, "TargetType", "AWS_ACCOUNT") == NULL ||
        cJSON_AddStringToObject(req, "PermissionSetArn", a->permission_set_arn) == NULL ||
        cJSON_AddStringToObject(req, "PrincipalType", a->principal_type) == NULL ||
        cJSON_AddStringToObject(req, "PrincipalId", a->principal_id) == NULL) {
        cJSON_Delete(req);
        return nomem(err);
    }
    if (sso_call(c, op, false, req, &resp, err) == 0)
        rc = parse_status(op, resp, key, st, err);
    cJSON_Delete(req);
    cJSON_Delete(resp);
    return rc;
}

int
idc_create_account_assignment(struct idc *c, const struct idc_assignment *a,
                              struct idc_assignment_status *st, struct sbx_err *err)
{
    return assignment_call(c, "CreateAccountAssignment", "AccountAssignmentCreationStatus", a, st,
                           err);
}

int
idc_delete_account_assignment(struct idc *c, const struct idc_assignment *a,
                              struct idc_assignment_status *st, struct sbx_err *err)
{
    return assignment_call(c, "DeleteAccountAssignment", "AccountAssignmentDeletionStatus", a, st,
                           err);
}

static int
describe_status(struct idc *c, const char *op, const char *id_key, const char *key,
                const char *instance_arn, const char *request_id, struct idc_assignment_status *st,
                struct sbx_err *err)
{
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    int rc = -1;

    memset(st, 0, sizeof(*st));
    if (req == NULL || cJSON_AddStringToObject(req, "InstanceArn", instance_arn) == NULL ||
        cJSON_AddStringToObject(req, id_key, request_id) == NULL) {
        cJSON_Delete(req);
        return nomem(err);
    }
    if (sso_call(c, op, false, req, &resp, err) == 0)
        rc = parse_status(op, resp, key, st, err);
    cJSON_Delete(req);
    cJSON_Delete(resp);
    return rc;
}

int
idc_describe_assignment_creation_status(struct idc *c, const char *instance_arn,
                                        const char *request_id, struct idc_assignment_status *st,
                                        struct sbx_err *err)
{
    return describe_status(c, "DescribeAccountAssignmentCreationStatus",
                           "AccountAssignmentCreationRequestId", "AccountAssignmentCreationStatus",
                           instance_arn, request_id, st, err);
}

int
idc_describe_assignment_deletion_status(struct idc *c, const char *instance_arn,
                                        const char *request_id, struct idc_assignment_status *st,
                                        struct sbx_err *err)
{
    return describe_status(c, "DescribeAccountAssignmentDeletionStatus",
                           "AccountAssignmentDeletionRequestId", "AccountAssignmentDeletionStatus",
                           instance_arn, request_id, st, err);
}

static int
assignment_item(void *ctx, const cJSON *it, struct sbx_err *err)
{
    struct vec *v = ctx;
    struct idc_account_assignment *a;

    if (!cJSON_IsObject(it) || jsonr_str(it, "PrincipalId") == NULL ||
        jsonr_str(it, "PermissionSetArn") == NULL)
        return protocol("ListAccountAssignments",
                        "an assignment without PrincipalId or PermissionSetArn", err);
    a = vec_push(v);
    if (a == NULL)
        return nomem(err);
    jsonr_copy(it, "AccountId", a->account_id, sizeof(a->account_id));
    jsonr_copy(it, "PrincipalType", a->principal_type, sizeof(a->principal_type));
    if (jsonr_dup(it, "PermissionSetArn", &a->permission_set_arn) != 0 ||
        jsonr_dup(it, "PrincipalId", &a->principal_id) != 0)
        return nomem(err);
    return 0;
}

int
idc_list_account_assignments(struct idc *c, const char *instance_arn, const char *account_id,
                             const char *permission_set_arn, struct idc_account_assignment **out,
                             size_t *n, struct sbx_err *err)
{
    struct vec v = { .size = sizeof(struct idc_account_assignment) };
    cJSON *req = cJSON_CreateObject();
    int rc;

    *out = NULL;
    *n = 0;
    if (req == NULL || cJSON_AddStringToObject(req, "InstanceArn", instance_arn) == NULL ||
        cJSON_AddStringToObject(req, "AccountId", account_id) == NULL ||
        cJSON_AddStringToObject(req, "PermissionSetArn", permission_set_arn) == NULL) {
        cJSON_Delete(req);
        return nomem(err);
    }
    rc = paginate(c, "ListAccountAssignments", req, "AccountAssignments", assignment_item, &v, err);
    cJSON_Delete(req);
    if (rc != 0) {
        idc_account_assignments_free(v.items, v.n);
        return -1;
    }
    *out = v.items;
    *n = v.n;
    return 0;
}

/* --- identitystore ----------------------------------------------------------------------- */

/* {"IdentityStoreId":..., "AlternateIdentifier":{"UniqueAttribute":{path, value}}} */
static cJSON *
alternate_id_req(const char *store_id, const char *path, const char *value)
{
    cJSON *req = cJSON_CreateObject(), *alt, *ua;

    if (req == NULL || cJSON_AddStringToObject(req, "IdentityStoreId", store_id) == NULL)
        goto fail;
    alt = cJSON_AddObjectToObject(req, "AlternateIdentifier");
    ua = alt != NULL ? cJSON_AddObjectToObject(alt, "UniqueAttribute") : NULL;
    if (ua == NULL || cJSON_AddStringToObject(ua, "AttributePath", path) == NULL ||
        cJSON_AddStringToObject(ua, "AttributeValue", value) == NULL)
        goto fail;
    return req;
fail:
    cJSON_Delete(req);
    return NULL;
}

/* Sends identitystore operation op with req (deleted here) and keeps its answer's key (an id)
 * in *id (id NULL: only checks it is there). */
static int
ids_create(struct idc *c, const char *op, cJSON *req, const char *key, char **id,
           struct sbx_err *err)
{
    cJSON *resp = NULL;
    int rc = -1;

    if (sso_call(c, op, true, req, &resp, err) != 0)
        goto out;
    if (jsonr_str(resp, key) == NULL || *jsonr_str(resp, key) == '\0') {
        char what[64];

        snprintf(what, sizeof(what), "response lacks %s", key);
        protocol(op, what, err);
        goto out;
    }
    if (id != NULL && jsonr_dup(resp, key, id) != 0) {
        nomem(err);
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(req);
    cJSON_Delete(resp);
    return rc;
}

static int
get_id(struct idc *c, const char *op, const char *key, const char *store_id, const char *path,
       const char *value, char **id, struct sbx_err *err)
{
    cJSON *req = alternate_id_req(store_id, path, value);

    *id = NULL;
    if (req == NULL)
        return nomem(err);
    return ids_create(c, op, req, key, id, err);
}

int
idc_get_user_id(struct idc *c, const char *identity_store_id, const char *attribute_path,
                const char *value, char **user_id, struct sbx_err *err)
{
    return get_id(c, "GetUserId", "UserId", identity_store_id, attribute_path, value, user_id, err);
}

int
idc_get_group_id(struct idc *c, const char *identity_store_id, const char *display_name,
                 char **group_id, struct sbx_err *err)
{
    return get_id(c, "GetGroupId", "GroupId", identity_store_id, "displayName", display_name,
                  group_id, err);
}

int
idc_describe_user(struct idc *c, const char *identity_store_id, const char *user_id,
                  struct idc_user *out, struct sbx_err *err)
{
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    const cJSON *emails, *e, *pick = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (req == NULL || cJSON_AddStringToObject(req, "IdentityStoreId", identity_store_id) == NULL ||
        cJSON_AddStringToObject(req, "UserId", user_id) == NULL) {
        cJSON_Delete(req);
        return nomem(err);
    }
    if (sso_call(c, "DescribeUser", true, req, &resp, err) != 0)
        goto out;
    if (jsonr_str(resp, "UserId") == NULL) {
        protocol("DescribeUser", "response lacks UserId", err);
        goto out;
    }
    emails = cJSON_GetObjectItemCaseSensitive(resp, "Emails");
    cJSON_ArrayForEach(e, emails)
    {
        if (!cJSON_IsObject(e) || jsonr_str(e, "Value") == NULL)
            continue;
        if (pick == NULL || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "Primary")))
            pick = e;
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "Primary")))
            break;
    }
    if (jsonr_dup(resp, "UserId", &out->user_id) != 0 ||
        jsonr_dup(resp, "UserName", &out->user_name) != 0 ||
        jsonr_dup(resp, "DisplayName", &out->display_name) != 0 ||
        (pick != NULL && jsonr_dup(pick, "Value", &out->email) != 0)) {
        idc_user_release(out);
        nomem(err);
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(req);
    cJSON_Delete(resp);
    return rc;
}

/* {"Value": email, "Type": "work", "Primary": true} appended to req's Emails. */
static int
add_email(cJSON *req, const char *email)
{
    cJSON *arr = cJSON_AddArrayToObject(req, "Emails"), *e = cJSON_CreateObject();

    if (arr == NULL || e == NULL) {
        cJSON_Delete(e);
        return -1;
    }
    cJSON_AddItemToArray(arr, e);
    return cJSON_AddStringToObject(e, "Value", email) == NULL ||
                           cJSON_AddStringToObject(e, "Type", "work") == NULL ||
                           cJSON_AddBoolToObject(e, "Primary", 1) == NULL
                   ? -1
                   : 0;
}

int
idc_create_user(struct idc *c, const char *identity_store_id, const struct idc_new_user *u,
                char **user_id, struct sbx_err *err)
{
    cJSON *req = cJSON_CreateObject(), *name;

    *user_id = NULL;
    if (req == NULL || cJSON_AddStringToObject(req, "IdentityStoreId", identity_store_id) == NULL ||
        cJSON_AddStringToObject(req, "UserName", u->user_name) == NULL ||
        cJSON_AddStringToObject(req, "DisplayName", u->display_name) == NULL ||
        (name = cJSON_AddObjectToObject(req, "Name")) == NULL ||
        cJSON_AddStringToObject(name, "GivenName", u->given_name) == NULL ||
        cJSON_AddStringToObject(name, "FamilyName", u->family_name) == NULL ||
        (u->email != NULL && add_email(req, u->email) != 0)) {
        cJSON_Delete(req);
        return nomem(err);
    }
    return ids_create(c, "CreateUser", req, "UserId", user_id, err);
}

int
idc_create_group_membership(struct idc *c, const char *identity_store_id, const char *group_id,
                            const char *user_id, struct sbx_err *err)
{
    cJSON *req = cJSON_CreateObject(), *member;

    if (req == NULL || cJSON_AddStringToObject(req, "IdentityStoreId", identity_store_id) == NULL ||
        cJSON_AddStringToObject(req, "GroupId", group_id) == NULL ||
        (member = cJSON_AddObjectToObject(req, "MemberId")) == NULL ||
        cJSON_AddStringToObject(member, "UserId", user_id) == NULL) {
        cJSON_Delete(req);
        return nomem(err);
    }
    return ids_create(c, "CreateGroupMembership", req, "MembershipId", NULL, err);
}

/* --- release ----------------------------------------------------------------------------- */

void
idc_instances_free(struct idc_instance *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].arn);
        free(v[i].identity_store_id);
        free(v[i].name);
        free(v[i].owner_account_id);
    }
    free(v);
}

void
idc_strings_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void
idc_permission_set_release(struct idc_permission_set *p)
{
    free(p->arn);
    free(p->name);
    free(p->description);
    memset(p, 0, sizeof(*p));
}

void
idc_assignment_status_release(struct idc_assignment_status *s)
{
    free(s->failure_reason);
    free(s->permission_set_arn);
    free(s->principal_id);
    memset(s, 0, sizeof(*s));
}

void
idc_account_assignments_free(struct idc_account_assignment *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].permission_set_arn);
        free(v[i].principal_id);
    }
    free(v);
}

void
idc_user_release(struct idc_user *u)
{
    free(u->user_id);
    free(u->user_name);
    free(u->display_name);
    free(u->email);
    memset(u, 0, sizeof(*u));
}
