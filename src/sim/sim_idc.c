/*
 * sim_idc.c -- IAM Identity Center in the simulator: sso-admin (one organization instance,
 * three permission sets, asynchronous account assignments) and identitystore (users and
 * groups of Identity Center's own directory, managed through the admin API).
 *
 * AWS-ACCESS-SPEND-NUKE.md: CreateAccountAssignment and DeleteAccountAssignment answer
 * IN_PROGRESS and finish later (here after assign_latency simulated seconds, computed lazily
 * from timestamps like every other transition, so a paused clock holds them); only one
 * provisioning operation per account at a time, a second one meeting ConflictException;
 * unknown instances, permission sets, principals and request ids are
 * ResourceNotFoundException. The service publishes no per-operation rates: throttling comes
 * from the injected faults (ThrottlingException), as does InternalServerException, and from
 * the assignment writes' rate when the admin API sets one (write_rate).
 *
 * Choices where AWS's documentation is silent: deleting an assignment that does not exist is
 * ResourceNotFoundException; a creation whose account stopped being ACTIVE, or whose principal
 * was deleted, before it finished ends FAILED; deleting a user or group leaves its
 * assignments in place until they are deleted.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "sim/sim_int.h"
#include "util/grow.h"
#include "util/jsonr.h"

#define PS_PREFIX  "arn:aws:sso:::permissionSet/ssoins-72230a1b2c3d4e5f/"
#define ADMIN_TYPE "application/json"
#define PAGE_MAX   100

static const struct {
    const char *name;
    const char *id;
    const char *duration;
    const char *description;
} psets[] = {
    { "AdministratorAccess", "ps-a1b2c3d4e5f60001", "PT1H", "Full access to the account" },
    { "PowerUserAccess", "ps-a1b2c3d4e5f60002", "PT4H", "Everything but IAM" },
    { "ReadOnlyAccess", "ps-a1b2c3d4e5f60003", "PT1H", "Read-only access" },
};

struct call {
    struct sim *s;
    const cJSON *in;
    struct sim_reply *r;
    int oom;
    bool deletion; /* the assignment operations: a deletion's (from the handler table) */
};

static int fail(struct call *c, int status, const char *type, const char *fmt, ...)
        SBX_PRINTF(4, 5);

static int
fail(struct call *c, int status, const char *type, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (sim_reply_error(c->s, c->r, true, status, type, NULL, "%s", msg) != 0)
        c->oom = 1;
    return -1;
}

/* Marks the call out of memory; -1, so that callers can `return nomem(c)`. */
static int
nomem(struct call *c)
{
    c->oom = 1;
    return -1;
}

/* Answers o (taken over); built false (or o NULL) means building it ran out of memory. */
static int
reply_built(struct call *c, cJSON *o, bool built)
{
    if (!built || o == NULL || sim_reply_json(c->r, 200, "application/x-amz-json-1.1", o) != 0)
        c->oom = 1;
    cJSON_Delete(o);
    return c->oom ? -1 : 0;
}

static int
reply(struct call *c, cJSON *o)
{
    return reply_built(c, o, true);
}

/* A required string member, or a ValidationException naming it. */
static const char *
required(struct call *c, const char *k)
{
    const char *v = jsonr_str(c->in, k);

    if (v == NULL || *v == '\0')
        fail(c, 400, "ValidationException",
             "1 validation error detected: Value at '%s' failed "
             "to satisfy constraint: Member must not be null",
             k);
    return v != NULL && *v != '\0' ? v : NULL;
}

/* --- ids ------------------------------------------------------------------------------ */

static void
new_uuid(struct sim *s, char *out, size_t n)
{
    uint64_t a = sim_rng_next(&s->rng_ids), b = sim_rng_next(&s->rng_ids);

    snprintf(out, n, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)((a >> 16) & 0xffff), (unsigned)(a & 0xfff) | 0x4000,
             (unsigned)((b >> 48) & 0x3fff) | 0x8000, (unsigned long long)(b & 0xffffffffffffULL));
}

static const char *
ps_arn(size_t i, char *buf, size_t n)
{
    snprintf(buf, n, PS_PREFIX "%s", psets[i].id);
    return buf;
}

static int
ps_find(const char *arn)
{
    char buf[128];

    for (size_t i = 0; i < SBX_ARRAY_LEN(psets); i++) {
        if (strcmp(arn, ps_arn(i, buf, sizeof(buf))) == 0)
            return (int)i;
    }
    return -1;
}

static struct sim_idc_op *
op_find(struct sim *s, const char *id)
{
    for (size_t i = 0; i < s->idc.nops; i++) {
        if (strcmp(s->idc.ops[i].id, id) == 0)
            return &s->idc.ops[i];
    }
    return NULL;
}

/* --- time --------------------------------------------------------------------------------- */

/* An operation not yet finished on account_id, or NULL. */
static const struct sim_idc_op *
busy(struct sim *s, const char *account_id)
{
    for (size_t i = 0; i < s->idc.nops; i++) {
        if (!s->idc.ops[i].applied && strcmp(s->idc.ops[i].a.account_id, account_id) == 0)
            return &s->idc.ops[i];
    }
    return NULL;
}

/* --- sso-admin ---------------------------------------------------------------------------- */

/* The required member key must be the simulator's one `what` (want); false after an error. */
static bool
check_known(struct call *c, const char *key, const char *want, const char *what)
{
    const char *v = required(c, key);

    if (v == NULL)
        return false;
    if (strcmp(v, want) != 0) {
        fail(c, 400, "ResourceNotFoundException", "%s %.128s does not exist", what, v);
        return false;
    }
    return true;
}

static bool
check_instance(struct call *c)
{
    return check_known(c, "InstanceArn", SIM_IDC_INSTANCE_ARN, "Instance");
}

/* Page bounds from MaxResults and NextToken ("p<offset>"); false after answering an error. */
static bool
page(struct call *c, size_t total, size_t *from, size_t *to)
{
    const cJSON *mr = cJSON_GetObjectItemCaseSensitive(c->in, "MaxResults");
    const char *tok = jsonr_str(c->in, "NextToken");
    long max = PAGE_MAX;
    unsigned long off = 0;

    if (mr != NULL) {
        if (!cJSON_IsNumber(mr) || mr->valuedouble < 1 || mr->valuedouble > PAGE_MAX) {
            fail(c, 400, "ValidationException",
                 "1 validation error detected: Value at 'maxResults' failed to satisfy "
                 "constraint: Member must have value between 1 and 100");
            return false;
        }
        max = (long)mr->valuedouble;
    }
    if (tok != NULL) {
        char *end;

        if (tok[0] != 'p' || (off = strtoul(tok + 1, &end, 10), *end != '\0') || off > total) {
            fail(c, 400, "ValidationException", "The NextToken is not valid");
            return false;
        }
    }
    *from = off;
    *to = off + (size_t)max < total ? off + (size_t)max : total;
    return true;
}

static int
add_next(cJSON *o, size_t to, size_t total)
{
    char tok[32];

    if (to >= total)
        return 0;
    snprintf(tok, sizeof(tok), "p%zu", to);
    return sim_json_add_str(o, "NextToken", tok);
}

/*
 * Answers one page of a listing of total elements under key; elem(c, i, ctx) builds element i
 * (NULL when out of memory).
 */
static int
list_reply(struct call *c, const char *key, size_t total,
           cJSON *(*elem)(struct call *c, size_t i, const void *ctx), const void *ctx)
{
    cJSON *o, *arr;
    size_t from, to;

    if (!page(c, total, &from, &to))
        return -1;
    o = cJSON_CreateObject();
    arr = o != NULL ? cJSON_AddArrayToObject(o, key) : NULL;
    if (arr == NULL)
        goto nomem;
    for (size_t i = from; i < to; i++) {
        cJSON *v = elem(c, i, ctx);

        if (v == NULL)
            goto nomem;
        cJSON_AddItemToArray(arr, v);
    }
    if (add_next(o, to, total) != 0)
        goto nomem;
    return reply(c, o);
nomem:
    cJSON_Delete(o);
    return nomem(c);
}

/* An element built from string members (name, value pairs, NULL-ended); NULL when out of
 * memory. */
static cJSON *
strings_obj(const char *name, ...)
{
    cJSON *e;
    va_list ap;

    va_start(ap, name);
    e = jsonr_vstrings(name, ap);
    va_end(ap);
    return e;
}

static cJSON *
instance_elem(struct call *c, size_t i, const void *ctx)
{
    (void)c;
    (void)i;
    (void)ctx;
    return strings_obj("InstanceArn", SIM_IDC_INSTANCE_ARN, "IdentityStoreId", SIM_IDC_STORE_ID,
                       "OwnerAccountId", SIM_MANAGEMENT_ID, "Name", "sandbox", "Status", "ACTIVE",
                       NULL);
}

static int
op_list_instances(struct call *c)
{
    return list_reply(c, "Instances", 1, instance_elem, NULL);
}

static cJSON *
pset_elem(struct call *c, size_t i, const void *ctx)
{
    char buf[128];

    (void)c;
    (void)ctx;
    return cJSON_CreateString(ps_arn(i, buf, sizeof(buf)));
}

static int
op_list_permission_sets(struct call *c)
{
    if (!check_instance(c))
        return -1;
    return list_reply(c, "PermissionSets", SBX_ARRAY_LEN(psets), pset_elem, NULL);
}

static int
op_describe_permission_set(struct call *c)
{
    const char *arn;
    cJSON *o, *p;
    int i;

    if (!check_instance(c) || (arn = required(c, "PermissionSetArn")) == NULL)
        return -1;
    i = ps_find(arn);
    if (i < 0)
        return fail(c, 400, "ResourceNotFoundException", "Could not find PermissionSet with ARN %s",
                    arn);
    o = cJSON_CreateObject();
    p = o != NULL ? cJSON_AddObjectToObject(o, "PermissionSet") : NULL;
    return reply_built(c, o,
                       !(p == NULL || sim_json_add_str(p, "Name", psets[i].name) != 0 ||
                         sim_json_add_str(p, "PermissionSetArn", arn) != 0 ||
                         sim_json_add_str(p, "Description", psets[i].description) != 0 ||
                         sim_json_add_str(p, "SessionDuration", psets[i].duration) != 0 ||
                         sim_json_add_num(p, "CreatedDate", 1700000000) != 0));
}

static int
status_reply(struct call *c, const struct sim_idc_op *op)
{
    double now = sim_now(c->s);
    cJSON *o = cJSON_CreateObject(), *st;
    const char *status = !op->applied && op->due > now ? "IN_PROGRESS"
                         : op->failure[0] != '\0'      ? "FAILED"
                                                       : "SUCCEEDED";

    st = o != NULL ? cJSON_AddObjectToObject(o, op->deletion ? "AccountAssignmentDeletionStatus"
                                                             : "AccountAssignmentCreationStatus")
                   : NULL;
    return reply_built(c, o,
                       !(st == NULL || sim_json_add_str(st, "Status", status) != 0 ||
                         sim_json_add_str(st, "RequestId", op->id) != 0 ||
                         sim_json_add_str(st, "TargetId", op->a.account_id) != 0 ||
                         sim_json_add_str(st, "TargetType", "AWS_ACCOUNT") != 0 ||
                         sim_json_add_str(st, "PermissionSetArn", op->a.ps_arn) != 0 ||
                         sim_json_add_str(st, "PrincipalType", op->a.principal_type) != 0 ||
                         sim_json_add_str(st, "PrincipalId", op->a.principal_id) != 0 ||
                         sim_json_add_num(st, "CreatedDate", sim_ms(op->requested)) != 0 ||
                         (strcmp(status, "FAILED") == 0 &&
                          sim_json_add_str(st, "FailureReason", op->failure) != 0)));
}

static int
assignment_request(struct call *c)
{
    bool deletion = c->deletion;
    struct sim_idc_assignment a = { 0 };
    const char *target, *ttype, *ps, *ptype, *pid;
    const struct sim_idc_op *other;
    struct sim_idc_op *op;
    struct sim_account *acct;

    if (!check_instance(c) || (target = required(c, "TargetId")) == NULL ||
        (ttype = required(c, "TargetType")) == NULL ||
        (ps = required(c, "PermissionSetArn")) == NULL ||
        (ptype = required(c, "PrincipalType")) == NULL ||
        (pid = required(c, "PrincipalId")) == NULL)
        return -1;
    if (strcmp(ttype, "AWS_ACCOUNT") != 0)
        return fail(c, 400, "ValidationException",
                    "1 validation error detected: Value '%.40s' at 'targetType' failed to satisfy "
                    "constraint: Member must satisfy enum value set: [AWS_ACCOUNT]",
                    ttype);
    if (strcmp(ptype, "USER") != 0 && strcmp(ptype, "GROUP") != 0)
        return fail(c, 400, "ValidationException",
                    "1 validation error detected: Value '%.40s' at 'principalType' failed to "
                    "satisfy constraint: Member must satisfy enum value set: [USER, GROUP]",
                    ptype);
    if (strlen(target) != 12 || strspn(target, "0123456789") != 12)
        return fail(c, 400, "ValidationException", "TargetId %.40s is not an account id", target);
    if (strlen(pid) >= sizeof(a.principal_id))
        return fail(c, 400, "ValidationException", "PrincipalId is too long");
    if (ps_find(ps) < 0)
        return fail(c, 400, "ResourceNotFoundException", "Could not find PermissionSet with ARN %s",
                    ps);
    acct = sim_account_find(c->s, target);
    if (acct == NULL || acct->state != SIM_ACCT_ACTIVE)
        return fail(c, 400, "ResourceNotFoundException",
                    "Account %s is not an active member of the organization", target);
    snprintf(a.account_id, sizeof(a.account_id), "%s", target);
    snprintf(a.ps_arn, sizeof(a.ps_arn), "%s", ps);
    snprintf(a.principal_type, sizeof(a.principal_type), "%s", ptype);
    snprintf(a.principal_id, sizeof(a.principal_id), "%s", pid);
    if (!deletion && !sim_idc_principal_exists(c->s, ptype, pid))
        return fail(c, 400, "ResourceNotFoundException", "%s %s does not exist", ptype, pid);
    other = busy(c->s, target);
    if (other != NULL)
        return fail(c, 400, "ConflictException",
                    "An account assignment operation (request %s) is already in progress for "
                    "account %s; try again when it has finished",
                    other->id, target);
    if (deletion && sim_idc_assignment_find(c->s, &a) == NULL)
        return fail(c, 400, "ResourceNotFoundException",
                    "No assignment of %s to %s %s on account %s", ps, ptype, pid, target);
    op = grow_slot(&c->s->idc.ops, c->s->idc.nops, &c->s->idc.cap_ops, sizeof(*op));
    if (op == NULL)
        return nomem(c);
    c->s->idc.nops++;
    new_uuid(c->s, op->id, sizeof(op->id));
    op->deletion = deletion;
    op->a = a;
    op->requested = sim_now(c->s);
    op->due = op->requested + c->s->idc.assign_latency;
    if (op->due <= op->requested)
        sim_idc_catch_up(c->s);
    c->r->mutated = true;
    return status_reply(c, op);
}

static int
describe_status(struct call *c)
{
    bool deletion = c->deletion;
    const char *key =
            deletion ? "AccountAssignmentDeletionRequestId" : "AccountAssignmentCreationRequestId";
    const char *id;
    const struct sim_idc_op *op;

    if (!check_instance(c) || (id = required(c, key)) == NULL)
        return -1;
    op = op_find(c->s, id);
    if (op == NULL || op->deletion != deletion)
        return fail(c, 400, "ResourceNotFoundException", "Request %.64s does not exist", id);
    return status_reply(c, op);
}

/* ctx: the indexes of the listed assignments. */
static cJSON *
assignment_elem(struct call *c, size_t i, const void *ctx)
{
    const struct sim_idc_assignment *a = &c->s->idc.assignments[((const size_t *)ctx)[i]];

    return strings_obj("AccountId", a->account_id, "PermissionSetArn", a->ps_arn, "PrincipalType",
                       a->principal_type, "PrincipalId", a->principal_id, NULL);
}

static int
op_list_assignments(struct call *c)
{
    const char *acct, *ps;
    size_t *idx, n = 0;
    int rc;

    if (!check_instance(c) || (acct = required(c, "AccountId")) == NULL ||
        (ps = required(c, "PermissionSetArn")) == NULL)
        return -1;
    if (ps_find(ps) < 0)
        return fail(c, 400, "ResourceNotFoundException", "Could not find PermissionSet with ARN %s",
                    ps);
    idx = calloc(c->s->idc.nassignments + 1, sizeof(*idx));
    if (idx == NULL)
        return nomem(c);
    for (size_t i = 0; i < c->s->idc.nassignments; i++) {
        const struct sim_idc_assignment *a = &c->s->idc.assignments[i];

        if (strcmp(a->account_id, acct) == 0 && strcmp(a->ps_arn, ps) == 0)
            idx[n++] = i;
    }
    rc = list_reply(c, "AccountAssignments", n, assignment_elem, idx);
    free(idx);
    return rc;
}

/* --- identitystore ------------------------------------------------------------------------ */

static bool
check_store(struct call *c)
{
    return check_known(c, "IdentityStoreId", SIM_IDC_STORE_ID, "Identity store");
}

/* The UniqueAttribute of AlternateIdentifier: path and string value; false after an error. */
static bool
unique_attribute(struct call *c, const char **path, const char **value)
{
    const cJSON *alt = cJSON_GetObjectItemCaseSensitive(c->in, "AlternateIdentifier");
    const cJSON *ua = cJSON_GetObjectItemCaseSensitive(alt, "UniqueAttribute");

    if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(alt, "ExternalId"))) {
        fail(c, 400, "ResourceNotFoundException", "No resource has this external id");
        return false;
    }
    *path = jsonr_str(ua, "AttributePath");
    *value = jsonr_str(ua, "AttributeValue");
    if (!cJSON_IsObject(ua) || *path == NULL || *value == NULL) {
        fail(c, 400, "ValidationException",
             "AlternateIdentifier needs UniqueAttribute with AttributePath and a string "
             "AttributeValue, or ExternalId");
        return false;
    }
    return true;
}

static int
id_reply(struct call *c, const char *key, const char *id)
{
    cJSON *o = cJSON_CreateObject();

    return reply_built(c, o,
                       !(o == NULL || sim_json_add_str(o, key, id) != 0 ||
                         sim_json_add_str(o, "IdentityStoreId", SIM_IDC_STORE_ID) != 0));
}

/* The answer to a write that made a resource: its id under key, or out of memory (!added). */
static int
created(struct call *c, bool added, const char *key, const char *id)
{
    if (!added)
        return nomem(c);
    c->r->mutated = true;
    return id_reply(c, key, id);
}

static int
op_get_user_id(struct call *c)
{
    const char *path, *value;
    bool by_name;

    if (!check_store(c) || !unique_attribute(c, &path, &value))
        return -1;
    by_name = strcasecmp(path, "userName") == 0;
    if (!by_name && strcasecmp(path, "emails.value") != 0)
        return fail(c, 400, "ValidationException",
                    "AttributePath %.64s is not a unique attribute of users (userName, "
                    "emails.value)",
                    path);
    for (size_t i = 0; i < c->s->idc.nusers; i++) {
        const struct sim_idc_user *u = &c->s->idc.users[i];
        const char *v = by_name ? u->user_name : u->email;

        if (v != NULL && strcasecmp(v, value) == 0)
            return id_reply(c, "UserId", u->id);
    }
    return fail(c, 400, "ResourceNotFoundException", "USER not found.");
}

static int
op_describe_user(struct call *c)
{
    const char *id;
    const struct sim_idc_user *u;
    cJSON *o, *e;

    if (!check_store(c) || (id = required(c, "UserId")) == NULL)
        return -1;
    u = sim_idc_user_find(c->s, id);
    if (u == NULL)
        return fail(c, 400, "ResourceNotFoundException", "USER not found.");
    o = cJSON_CreateObject();
    if (o == NULL || sim_json_add_str(o, "UserId", u->id) != 0 ||
        sim_json_add_str(o, "UserName", u->user_name) != 0 ||
        sim_json_add_str(o, "IdentityStoreId", SIM_IDC_STORE_ID) != 0 ||
        (u->display_name != NULL && sim_json_add_str(o, "DisplayName", u->display_name) != 0))
        goto nomem;
    if (u->email != NULL) {
        e = sim_json_add_item(cJSON_AddArrayToObject(o, "Emails"));
        if (e == NULL || sim_json_add_str(e, "Value", u->email) != 0 ||
            sim_json_add_str(e, "Type", "work") != 0 ||
            cJSON_AddBoolToObject(e, "Primary", 1) == NULL)
            goto nomem;
    }
    return reply(c, o);
nomem:
    cJSON_Delete(o);
    return nomem(c);
}

static int
op_get_group_id(struct call *c)
{
    const char *path, *value;

    if (!check_store(c) || !unique_attribute(c, &path, &value))
        return -1;
    if (strcasecmp(path, "displayName") != 0)
        return fail(c, 400, "ValidationException",
                    "AttributePath %.64s is not a unique attribute of groups (displayName)", path);
    for (size_t i = 0; i < c->s->idc.ngroups; i++) {
        if (strcasecmp(c->s->idc.groups[i].name, value) == 0)
            return id_reply(c, "GroupId", c->s->idc.groups[i].id);
    }
    return fail(c, 400, "ResourceNotFoundException", "GROUP not found.");
}

/*
 * Writes to the directory are Identity Center's own directory's: with an external identity
 * source users and memberships arrive by SCIM, and the Identity Store API refuses the write.
 * AWS-ACCESS-SPEND-NUKE.md says writes are refused without naming the error; the Identity
 * Store API reference's only error for a request the caller may not make is
 * AccessDeniedException ("You do not have sufficient access to perform this action."), so
 * that is the answer here.
 */
static bool
check_writable(struct call *c, const char *opname)
{
    if (!c->s->idc.external_source)
        return true;
    fail(c, 400, "AccessDeniedException",
         "%s is not supported: the identity source of this identity store is an external "
         "identity provider; manage its users and groups there",
         opname);
    return false;
}

/* A string member of object o, 1 to max characters, or a ValidationException naming it. */
static const char *
member_str(struct call *c, const cJSON *o, const char *name, size_t max)
{
    const char *v = jsonr_str(o, strrchr(name, '.') != NULL ? strrchr(name, '.') + 1 : name);

    if (v == NULL || *v == '\0' || strlen(v) > max) {
        fail(c, 400, "ValidationException",
             "1 validation error detected: Value at '%s' failed to satisfy constraint: Member "
             "must have length between 1 and %zu",
             name, max);
        return NULL;
    }
    return v;
}

/*
 * CreateUser: UserName, DisplayName and Name (GivenName, FamilyName) are required "when used
 * in IAM Identity Center" (Identity Store API reference, CreateUser); the first of Emails is
 * kept. A userName or address already taken is ConflictException.
 */
static int
op_create_user(struct call *c)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(c->in, "Name");
    const cJSON *emails = cJSON_GetObjectItemCaseSensitive(c->in, "Emails");
    const char *user, *display, *email = NULL;
    char id[40];

    if (!check_store(c) || !check_writable(c, "CreateUser") ||
        (user = member_str(c, c->in, "UserName", 128)) == NULL ||
        (display = member_str(c, c->in, "DisplayName", 1024)) == NULL)
        return -1;
    if (!cJSON_IsObject(name))
        return fail(c, 400, "ValidationException",
                    "Name (GivenName and FamilyName) is required in IAM Identity Center");
    if (member_str(c, name, "Name.GivenName", 1024) == NULL ||
        member_str(c, name, "Name.FamilyName", 1024) == NULL)
        return -1;
    if (emails != NULL) {
        if (!cJSON_IsArray(emails) || cJSON_GetArraySize(emails) != 1)
            return fail(c, 400, "ValidationException", "Emails must hold exactly one address");
        email = member_str(c, cJSON_GetArrayItem(emails, 0), "Emails.Value", 1024);
        if (email == NULL)
            return -1;
    }
    for (size_t i = 0; i < c->s->idc.nusers; i++) {
        const struct sim_idc_user *u = &c->s->idc.users[i];

        if (strcasecmp(u->user_name, user) == 0 ||
            (email != NULL && u->email != NULL && strcasecmp(u->email, email) == 0))
            return fail(c, 400, "ConflictException",
                        "Duplicate UserName or email address: a user named %.128s or with "
                        "address %.128s exists",
                        user, email != NULL ? email : "(none)");
    }
    new_uuid(c->s, id, sizeof(id));
    return created(c, sim_idc_user_add(c->s, id, user, email, display) != NULL, "UserId", id);
}

/* CreateGroupMembership{IdentityStoreId, GroupId, MemberId:{UserId}} -> MembershipId. */
static int
op_create_group_membership(struct call *c)
{
    const cJSON *member = cJSON_GetObjectItemCaseSensitive(c->in, "MemberId");
    const char *group, *user;
    const struct sim_idc_membership *m;
    char id[40];

    if (!check_store(c) || !check_writable(c, "CreateGroupMembership") ||
        (group = required(c, "GroupId")) == NULL)
        return -1;
    user = jsonr_str(member, "UserId");
    if (user == NULL || *user == '\0')
        return fail(c, 400, "ValidationException", "MemberId needs a UserId");
    if (sim_idc_group_find(c->s, group) == NULL)
        return fail(c, 400, "ResourceNotFoundException", "GROUP not found.");
    if (sim_idc_user_find(c->s, user) == NULL)
        return fail(c, 400, "ResourceNotFoundException", "USER not found.");
    for (size_t i = 0; i < c->s->idc.nmemberships; i++) {
        m = &c->s->idc.memberships[i];
        if (strcmp(m->group_id, group) == 0 && strcmp(m->user_id, user) == 0)
            return fail(c, 400, "ConflictException", "Member %.48s is already in group %.48s", user,
                        group);
    }
    new_uuid(c->s, id, sizeof(id));
    return created(c, sim_idc_membership_add(c->s, id, group, user) == 0, "MembershipId", id);
}

/* --- dispatch ----------------------------------------------------------------------------- */

/*
 * The assignment writes' throttle (write_rate, set through the admin API; 0 = none): one token
 * bucket shared by CreateAccountAssignment and DeleteAccountAssignment, refilled at write_rate
 * per simulated second and holding a second's worth (at least 1).
 */
static bool
write_allowed(struct sim *s)
{
    struct sim_idc *d = &s->idc;
    double now = sim_now(s), burst = fmax(1, floor(d->write_rate));

    if (d->write_rate <= 0)
        return true;
    if (now > d->write_bucket.last) {
        d->write_bucket.tokens =
                fmin(burst, d->write_bucket.tokens + (now - d->write_bucket.last) * d->write_rate);
        d->write_bucket.last = now;
    }
    if (d->write_bucket.tokens < 1)
        return false;
    d->write_bucket.tokens -= 1;
    return true;
}

static const struct {
    enum sim_op op;
    bool identitystore;
    int (*fn)(struct call *c);
    bool deletion;
} handlers[] = {
    { SIM_OP_LIST_INSTANCES, false, op_list_instances, false },
    { SIM_OP_LIST_PERMISSION_SETS, false, op_list_permission_sets, false },
    { SIM_OP_DESCRIBE_PERMISSION_SET, false, op_describe_permission_set, false },
    { SIM_OP_CREATE_ACCOUNT_ASSIGNMENT, false, assignment_request, false },
    { SIM_OP_DESCRIBE_ASSIGNMENT_CREATION_STATUS, false, describe_status, false },
    { SIM_OP_DELETE_ACCOUNT_ASSIGNMENT, false, assignment_request, true },
    { SIM_OP_DESCRIBE_ASSIGNMENT_DELETION_STATUS, false, describe_status, true },
    { SIM_OP_LIST_ACCOUNT_ASSIGNMENTS, false, op_list_assignments, false },
    { SIM_OP_GET_USER_ID, true, op_get_user_id, false },
    { SIM_OP_DESCRIBE_USER, true, op_describe_user, false },
    { SIM_OP_GET_GROUP_ID, true, op_get_group_id, false },
    { SIM_OP_CREATE_USER, true, op_create_user, false },
    { SIM_OP_CREATE_GROUP_MEMBERSHIP, true, op_create_group_membership, false },
};

int
sim_idc_call(struct sim *s, bool identitystore, const char *opname, const char *body, size_t len,
             const struct sim_caller *caller, struct sim_reply *r)
{
    struct call c = { 0 };
    cJSON *in = NULL;
    int op = sim_op_find(opname);
    size_t h;
    int rc;

    memset(r, 0, sizeof(*r));
    sim_request_id(r->request_id);
    c.s = s;
    c.r = r;
    for (h = 0; h < SBX_ARRAY_LEN(handlers); h++) {
        if ((int)handlers[h].op == op && handlers[h].identitystore == identitystore)
            break;
    }
    if (op < 0 || h == SBX_ARRAY_LEN(handlers)) {
        fail(&c, 400, "UnknownOperationException", "Unknown operation %s", opname);
        goto out;
    }
    in = sim_json_request(s, body, len, r, &rc);
    if (in == NULL) {
        c.oom = rc != 0;
        goto out;
    }
    c.in = in;
    {
        bool error, throttle;

        sim_call_start(s, (enum sim_op)op, r, &error, &throttle, &r->drop);
        sim_idc_catch_up(s);
        if (error) {
            r->drop = false;
            fail(&c, 500, "InternalServerException",
                 "The request processing has failed because of an unknown error, exception or "
                 "failure with an internal server.");
            goto out;
        }
        if (throttle) {
            r->drop = false;
            fail(&c, 400, "ThrottlingException", "Rate exceeded");
            goto out;
        }
    }
    if ((op == SIM_OP_CREATE_ACCOUNT_ASSIGNMENT || op == SIM_OP_DELETE_ACCOUNT_ASSIGNMENT) &&
        !write_allowed(s)) {
        r->drop = false;
        fail(&c, 400, "ThrottlingException", "Rate exceeded");
        goto out;
    }
    if (sim_call_denied(s, (enum sim_op)op)) {
        r->drop = false;
        fail(&c, 400, "AccessDeniedException",
             "User: %s is not authorized to perform: %s:%s with an explicit deny in an "
             "identity-based policy",
             caller->arn, identitystore ? "identitystore" : "sso", opname);
        goto out;
    }
    if (!caller->management) {
        r->drop = false;
        fail(&c, 400, "AccessDeniedException", "User: %s is not authorized to perform: %s:%s",
             caller->arn, identitystore ? "identitystore" : "sso", opname);
        goto out;
    }
    c.deletion = handlers[h].deletion;
    handlers[h].fn(&c);
out:
    return sim_call_end(in, r, c.oom);
}

/* --- state -------------------------------------------------------------------------------- */

/* --- admin API ------------------------------------------------------------------------------
 *
 *   GET  /__sim/idc                 {"InstanceArn", "IdentityStoreId", users, groups,
 *                                    assignments, requests, assign_latency, write_rate}
 *   POST /__sim/idc                 {"assign_latency": seconds, "write_rate": per second,
 *                                    "identity_source": "internal" | "external"} -> the same
 *                                    (write_rate: CreateAccountAssignment and
 *                                    DeleteAccountAssignment beyond it are ThrottlingException;
 *                                    external: CreateUser and CreateGroupMembership are
 *                                    refused, as with a SCIM IdP)
 *   POST /__sim/idc/users           {"UserName", "Email"?, "DisplayName"?} -> {"UserId"}
 *   POST /__sim/idc/users/delete    {"UserId"} | {"UserName"}
 *   POST /__sim/idc/groups          {"DisplayName"} -> {"GroupId"}
 *   POST /__sim/idc/groups/delete   {"GroupId"} | {"DisplayName"}
 */

static int
admin_dump(struct sim *s, struct sim_reply *r)
{
    cJSON *root = cJSON_CreateObject();
    int rc = -1;

    if (root != NULL && sim_idc_dump(s, root) == 0)
        rc = sim_reply_json(r, 200, ADMIN_TYPE,
                            cJSON_GetObjectItemCaseSensitive(root, "identity_center"));
    cJSON_Delete(root);
    return rc;
}

static int
admin_add_user(struct sim *s, const cJSON *in, struct sim_reply *r)
{
    const char *name = jsonr_str(in, "UserName"), *email = jsonr_str(in, "Email");
    const char *display = jsonr_str(in, "DisplayName");
    char id[48], uuid[40];

    if (name == NULL || *name == '\0' || strlen(name) > 128)
        return sim_admin_error(r, 400, "users: \"UserName\" (1 to 128 characters) is required");
    if (email != NULL && (strchr(email, '@') == NULL || strlen(email) > 254))
        return sim_admin_error(r, 400, "users: \"Email\" '%.64s' is not an address", email);
    for (size_t i = 0; i < s->idc.nusers; i++) {
        const struct sim_idc_user *u = &s->idc.users[i];

        if (strcasecmp(u->user_name, name) == 0 ||
            (email != NULL && u->email != NULL && strcasecmp(u->email, email) == 0))
            return sim_admin_error(r, 409, "users: a user named '%s' or with address '%s' exists",
                                   name, email != NULL ? email : "");
    }
    new_uuid(s, uuid, sizeof(uuid));
    snprintf(id, sizeof(id), "%s", uuid);
    if (sim_idc_user_add(s, id, name, email, display) == NULL)
        return -1;
    r->mutated = true;
    return sim_admin_member(r, 200, "UserId", id);
}

static int
admin_add_group(struct sim *s, const cJSON *in, struct sim_reply *r)
{
    const char *name = jsonr_str(in, "DisplayName");
    char id[48];

    if (name == NULL || *name == '\0' || strlen(name) > 1024)
        return sim_admin_error(r, 400, "groups: \"DisplayName\" is required");
    for (size_t i = 0; i < s->idc.ngroups; i++) {
        if (strcasecmp(s->idc.groups[i].name, name) == 0)
            return sim_admin_error(r, 409, "groups: a group named '%s' exists", name);
    }
    new_uuid(s, id, sizeof(id));
    if (sim_idc_group_add(s, id, name) == NULL)
        return -1;
    r->mutated = true;
    return sim_admin_member(r, 200, "GroupId", id);
}

/* A deleted user or group leaves its groups or members (as in AWS's directory). */
static void
drop_memberships(struct sim *s, const char *id)
{
    size_t k = 0;

    for (size_t i = 0; i < s->idc.nmemberships; i++) {
        const struct sim_idc_membership *m = &s->idc.memberships[i];

        if (strcmp(m->user_id, id) != 0 && strcmp(m->group_id, id) != 0)
            s->idc.memberships[k++] = *m;
    }
    s->idc.nmemberships = k;
}

/* Deletes the user (or the group) that `in` names by id, else by name (case-insensitive). */
static int
admin_delete(struct sim *s, const cJSON *in, struct sim_reply *r, bool group)
{
    const char *idk = group ? "GroupId" : "UserId", *namek = group ? "DisplayName" : "UserName";
    const char *id = jsonr_str(in, idk), *name = jsonr_str(in, namek);
    size_t n = group ? s->idc.ngroups : s->idc.nusers;
    char gone[48];

    for (size_t i = 0; i < n; i++) {
        const char *iid = group ? s->idc.groups[i].id : s->idc.users[i].id;
        const char *iname = group ? s->idc.groups[i].name : s->idc.users[i].user_name;

        if (!(id != NULL ? strcmp(iid, id) == 0 : name != NULL && strcasecmp(iname, name) == 0))
            continue;
        snprintf(gone, sizeof(gone), "%s", iid);
        drop_memberships(s, gone);
        if (group) {
            free(s->idc.groups[i].name);
            memmove(&s->idc.groups[i], &s->idc.groups[i + 1], (n - i - 1) * sizeof(*s->idc.groups));
            s->idc.ngroups--;
        } else {
            struct sim_idc_user *u = &s->idc.users[i];

            free(u->user_name);
            free(u->email);
            free(u->display_name);
            memmove(u, u + 1, (n - i - 1) * sizeof(*u));
            s->idc.nusers--;
        }
        r->mutated = true;
        return sim_admin_member(r, 200, idk, gone);
    }
    return sim_admin_error(r, 404, "%s/delete: no %s %s (%s or %s required)",
                           group ? "groups" : "users", group ? "group" : "user",
                           id != NULL     ? id
                           : name != NULL ? name
                                          : "named",
                           idk, namek);
}

int
sim_idc_admin(struct sim *s, const char *method, const char *what, const cJSON *in,
              struct sim_reply *r)
{
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;

    sim_idc_catch_up(s);
    if (strcmp(what, "idc") == 0 && get)
        return admin_dump(s, r);
    if (strcmp(what, "idc") == 0 && post) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, "assign_latency");

        if (v != NULL) {
            if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || !isfinite(v->valuedouble))
                return sim_admin_error(r, 400, "idc: \"assign_latency\" must be seconds >= 0");
            s->idc.assign_latency = v->valuedouble;
            r->mutated = true;
        }
        v = cJSON_GetObjectItemCaseSensitive(in, "write_rate");
        if (v != NULL) {
            if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || !isfinite(v->valuedouble))
                return sim_admin_error(r, 400,
                                       "idc: \"write_rate\" must be assignment writes per "
                                       "second >= 0 (0: unlimited)");
            s->idc.write_rate = v->valuedouble;
            s->idc.write_bucket.tokens = fmax(1, floor(v->valuedouble)); /* starts full */
            s->idc.write_bucket.last = sim_now(s);
            r->mutated = true;
        }
        v = cJSON_GetObjectItemCaseSensitive(in, "identity_source");
        if (v != NULL) {
            const char *src = cJSON_IsString(v) ? v->valuestring : "";

            if (strcmp(src, "internal") != 0 && strcmp(src, "external") != 0)
                return sim_admin_error(
                        r, 400,
                        "idc: \"identity_source\" must be \"internal\" (Identity "
                        "Center's own directory) or \"external\" (an IdP over SCIM)");
            s->idc.external_source = strcmp(src, "external") == 0;
            r->mutated = true;
        }
        return admin_dump(s, r);
    }
    if (!post)
        return sim_admin_error(r, 405, "method %s not allowed on /__sim/%s", method, what);
    if (strcmp(what, "idc/users") == 0)
        return admin_add_user(s, in, r);
    if (strcmp(what, "idc/users/delete") == 0)
        return admin_delete(s, in, r, false);
    if (strcmp(what, "idc/groups") == 0)
        return admin_add_group(s, in, r);
    if (strcmp(what, "idc/groups/delete") == 0)
        return admin_delete(s, in, r, true);
    return sim_admin_error(r, 404, "no such admin path '/__sim/%s'", what);
}
