/*
 * engine_access.h -- what the `access` configuration means at run time: the Identity Center
 * instance (the configured one, or the only one there is), a kind's permission set (by name or
 * ARN), and an owner's Identity Center user (by address, or by a user-name template).
 *
 * Every function returns 0, or -1 with err saying what is missing and where to fix it.
 */
#ifndef SBX_ENGINE_ACCESS_H
#define SBX_ENGINE_ACCESS_H

#include "aws/idc.h"
#include "cfg.h"
#include "sbx.h"

/* The Identity Center client options of cfg: access.region, aws.sso_endpoint and
 * aws.identitystore_endpoint (borrowed from cfg). */
void engine_access_idc_opts(const struct sbx_config *cfg, struct idc_opts *out);

struct engine_access_instance {
    char *arn;
    char *identity_store_id;
};

/*
 * The instance to use: cfg->instance when set (it must be among ListInstances' answer), else
 * the one instance of the organization; none, or several without access.instance, is
 * SBX_E_CONFIG. Release with engine_access_instance_release.
 */
int engine_access_instance(struct idc *c, const struct cfg_access *cfg,
                           struct engine_access_instance *out, struct sbx_err *err) SBX_NODISCARD;
void engine_access_instance_release(struct engine_access_instance *in);

/* The permission set configured for kind (its own, else access.permission_set; borrowed). */
const char *engine_access_permission_set_for(const struct sbx_config *cfg,
                                             const struct cfg_kind *kind);

/*
 * The ARN of permission set name_or_arn in instance_arn: an ARN is checked with
 * DescribePermissionSet, a name is looked up among ListPermissionSets. Unknown is
 * SBX_E_CONFIG naming it. *arn is heap memory (free()).
 */
int engine_access_permission_set_arn(struct idc *c, const char *instance_arn,
                                     const char *name_or_arn, char **arn,
                                     struct sbx_err *err) SBX_NODISCARD;

/*
 * How owner is looked up: *path is "emails.value" (value = the owner's address) without a
 * user_name_template, else "userName" with value the expanded template ({owner}, {local}).
 * Pure. SBX_E_INVALID when the expansion is empty or does not fit n.
 */
int engine_access_user_key(const struct cfg_access *cfg, const char *owner, const char **path,
                           char *value, size_t n, struct sbx_err *err) SBX_NODISCARD;

/*
 * The Identity Center user id of owner in identity_store_id (*user_id heap memory). An owner
 * without a user is SBX_E_NOTFOUND: "owner X has no IAM Identity Center user (emails.value =
 * X in d-...)"; other failures are the client's.
 */
int engine_access_user_id(struct idc *c, const struct cfg_access *cfg,
                          const char *identity_store_id, const char *owner, char **user_id,
                          struct sbx_err *err) SBX_NODISCARD;

/*
 * The Identity Center groups given access to an account of kind (NULL: the configuration's
 * default): the kind's access_groups, else access.groups (comma-separated names; "" = none),
 * then extra[0..nextra) (a class's), each name once, in that order. Pure. *out is a heap array
 * of heap strings (NULL when none; store_strings_free).
 */
int engine_access_groups(const struct sbx_config *cfg, const struct cfg_kind *kind,
                         const char *const *extra, size_t nextra, char ***out, size_t *n,
                         struct sbx_err *err) SBX_NODISCARD;

/*
 * The id of the group whose displayName is name in identity_store_id (GetGroupId; *group_id
 * heap memory). No such group is SBX_E_NOTFOUND: "no IAM Identity Center group 'X' in identity
 * store d-..."; other failures are the client's.
 */
int engine_access_group_id(struct idc *c, const char *identity_store_id, const char *name,
                           char **group_id, struct sbx_err *err) SBX_NODISCARD;

/* What an engine looked up once and keeps: the client, the instance, each kind's permission set
 * (its ARN and name), the groups' ids. */
struct engine_access_cache {
    struct idc *idc;
    bool have_instance;
    struct engine_access_instance in;
    struct {
        char *kind;
        char *arn;
        char *name;
    } ps[CFG_MAX_KINDS + 1];
    size_t nps;
    struct {
        char *name; /* displayName */
        char *id;
    } * groups; /* the groups' ids, looked up once */
    size_t ngroups, capgroups;
    double write_tokens, write_last; /* access.assign_rate's bucket (write_last 0: full) */
};
/* Frees c and all it holds (NULL is fine). */
void engine_access_cache_free(struct engine_access_cache *c);

/* The access portal of an identity store: https://ID.awsapps.com/start (AWS-ACCESS-SPEND-NUKE.md;
 * an instance with a custom subdomain sets access.portal_url instead). Pure; -1 when it does
 * not fit n. */
int engine_access_portal_url(const char *identity_store_id, char *buf, size_t n);

/* The portal's direct link to role role_name (a permission set's name) in account_id:
 * PORTAL/#/console?account_id=ID&role_name=NAME, the name percent-encoded, one trailing '/'
 * of portal dropped. Pure; -1 when it does not fit n. */
int engine_access_console_url(const char *portal, const char *account_id, const char *role_name,
                              char *buf, size_t n);

#endif
