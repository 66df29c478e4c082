/*
 * idc.h -- typed IAM Identity Center operations: sso-admin (instances, permission sets,
 * account assignments) and identitystore (users and groups), over the JSON 1.1 machinery of
 * the Organizations client (orgs_call_service: same credentials, connection, retries, clock).
 *
 * AWS-ACCESS-SPEND-NUKE.md: both services are regional and must be called in the Identity
 * Center instance's home region. sso-admin signs as "sso" with X-Amz-Target prefix
 * SWBExternalService, identitystore as "identitystore" with prefix AWSIdentityStore. Endpoint
 * overrides, in order: the config file's aws.sso_endpoint / aws.identitystore_endpoint, then
 * $AWS_ENDPOINT_URL_SSO_ADMIN / $AWS_ENDPOINT_URL_IDENTITYSTORE, $AWS_ENDPOINT_URL, then the
 * AWS shared config file's services section (sso_admin / identitystore endpoint_url).
 *
 * Every call returns 0, or -1 with err filled as orgs.h describes (SBX_AWS_NOT_FOUND for
 * ResourceNotFoundException, SBX_AWS_CONFLICT for ConflictException, ...). List operations
 * follow NextToken to the end. Outputs are filled on success only; free them with the
 * matching _release/_free.
 */
#ifndef SBX_IDC_H
#define SBX_IDC_H

#include "aws/endpoint.h"
#include "aws/orgs.h"
#include "sbx.h"

struct idc;

struct idc_opts {
    const char *region;                 /* home region; NULL or "": the orgs client's region */
    const char *sso_endpoint;           /* aws.sso_endpoint override (NULL: resolved) */
    const char *identitystore_endpoint; /* aws.identitystore_endpoint override */
};

/* Creates a client over o (borrowed; must outlive it). Fails with SBX_E_CONFIG for a bad
 * region or endpoint URL, naming the setting. */
int idc_new(struct orgs *o, const struct idc_opts *opts, struct idc **out,
            struct sbx_err *err) SBX_NODISCARD;
void idc_free(struct idc *c);
enum idc_service {
    IDC_SSO_ADMIN,
    IDC_IDENTITYSTORE
};
/* A service's endpoint: URL, where it came from, signing region (borrowed). */
const struct endpoint *idc_endpoint(const struct idc *c, enum idc_service s);
/* The signing (home) region (borrowed). */
const char *idc_region(const struct idc *c);

/* --- sso-admin --------------------------------------------------------------------------- */

struct idc_instance {
    char *arn;               /* arn:aws:sso:::instance/ssoins-... */
    char *identity_store_id; /* d-... */
    char *name;              /* NULL if absent */
    char *owner_account_id;  /* NULL if absent */
    char status[24];         /* ACTIVE, CREATE_IN_PROGRESS, DELETE_IN_PROGRESS ("" if absent) */
};

struct idc_permission_set {
    char *arn;
    char *name;
    char *description;         /* NULL if absent */
    char session_duration[24]; /* ISO 8601 duration ("PT1H"), "" if absent */
    double created;            /* epoch seconds, 0 if absent */
};

/* What an assignment is: one principal, one permission set, one account. */
struct idc_assignment {
    const char *instance_arn;
    const char *account_id;
    const char *permission_set_arn;
    const char *principal_type; /* "USER" or "GROUP" */
    const char *principal_id;
};

/* AccountAssignmentCreationStatus / AccountAssignmentDeletionStatus. */
struct idc_assignment_status {
    char request_id[64];
    char status[16];      /* IN_PROGRESS, FAILED, SUCCEEDED */
    char *failure_reason; /* NULL unless FAILED */
    char target_id[13];
    char *permission_set_arn;
    char principal_type[8];
    char *principal_id;
    double created; /* epoch seconds, 0 if absent */
};

/* One row of ListAccountAssignments. */
struct idc_account_assignment {
    char account_id[13];
    char *permission_set_arn;
    char principal_type[8];
    char *principal_id;
};

int idc_list_instances(struct idc *c, struct idc_instance **out, size_t *n,
                       struct sbx_err *err) SBX_NODISCARD;
/* *out is an array of n permission set ARNs (idc_strings_free). */
int idc_list_permission_sets(struct idc *c, const char *instance_arn, char ***out, size_t *n,
                             struct sbx_err *err) SBX_NODISCARD;
int idc_describe_permission_set(struct idc *c, const char *instance_arn,
                                const char *permission_set_arn, struct idc_permission_set *out,
                                struct sbx_err *err) SBX_NODISCARD;
/* Starts the assignment; st is its initial status (usually IN_PROGRESS). */
int idc_create_account_assignment(struct idc *c, const struct idc_assignment *a,
                                  struct idc_assignment_status *st,
                                  struct sbx_err *err) SBX_NODISCARD;
int idc_describe_assignment_creation_status(struct idc *c, const char *instance_arn,
                                            const char *request_id,
                                            struct idc_assignment_status *st,
                                            struct sbx_err *err) SBX_NODISCARD;
int idc_delete_account_assignment(struct idc *c, const struct idc_assignment *a,
                                  struct idc_assignment_status *st,
                                  struct sbx_err *err) SBX_NODISCARD;
int idc_describe_assignment_deletion_status(struct idc *c, const char *instance_arn,
                                            const char *request_id,
                                            struct idc_assignment_status *st,
                                            struct sbx_err *err) SBX_NODISCARD;
/* Who has permission_set_arn on account_id. */
int idc_list_account_assignments(struct idc *c, const char *instance_arn, const char *account_id,
                                 const char *permission_set_arn,
                                 struct idc_account_assignment **out, size_t *n,
                                 struct sbx_err *err) SBX_NODISCARD;

/* --- identitystore ----------------------------------------------------------------------- */

struct idc_user {
    char *user_id;
    char *user_name;
    char *display_name; /* NULL if absent */
    char *email;        /* the primary address, else the first; NULL if none */
};

/* GetUserId by a unique attribute: attribute_path "userName" or "emails.value". An unknown
 * user is SBX_AWS_NOT_FOUND. *user_id is heap memory (free()). */
int idc_get_user_id(struct idc *c, const char *identity_store_id, const char *attribute_path,
                    const char *value, char **user_id, struct sbx_err *err) SBX_NODISCARD;
int idc_describe_user(struct idc *c, const char *identity_store_id, const char *user_id,
                      struct idc_user *out, struct sbx_err *err) SBX_NODISCARD;
/* GetGroupId by displayName. *group_id is heap memory (free()). */
int idc_get_group_id(struct idc *c, const char *identity_store_id, const char *display_name,
                     char **group_id, struct sbx_err *err) SBX_NODISCARD;

/* A user for CreateUser: every member required (IAM Identity Center requires DisplayName and
 * Name's given and family names beside UserName). */
struct idc_new_user {
    const char *user_name;
    const char *display_name;
    const char *given_name;
    const char *family_name;
    const char *email; /* the one (primary, work) address */
};

/*
 * CreateUser in Identity Center's own directory. A user name or address already taken is
 * SBX_AWS_CONFLICT; an identity store fed by an external identity provider refuses the write
 * (AccessDeniedException: SBX_AWS_ACCESS_DENIED). *user_id is heap memory (free()).
 */
int idc_create_user(struct idc *c, const char *identity_store_id, const struct idc_new_user *u,
                    char **user_id, struct sbx_err *err) SBX_NODISCARD;
/* CreateGroupMembership of user_id in group_id; already a member is SBX_AWS_CONFLICT. */
int idc_create_group_membership(struct idc *c, const char *identity_store_id, const char *group_id,
                                const char *user_id, struct sbx_err *err) SBX_NODISCARD;

/*
 * The IAM actions of every operation this client can send ("sso:ListInstances",
 * "identitystore:CreateUser", ...), for the operator policy: the first min(n, total) are written
 * to out; returns the total.
 */
size_t idc_actions(char (*out)[64], size_t n);

/* --- release ----------------------------------------------------------------------------- */
void idc_instances_free(struct idc_instance *v, size_t n);
void idc_strings_free(char **v, size_t n);
void idc_permission_set_release(struct idc_permission_set *p);
void idc_assignment_status_release(struct idc_assignment_status *s);
void idc_account_assignments_free(struct idc_account_assignment *v, size_t n);
void idc_user_release(struct idc_user *u);

#endif
