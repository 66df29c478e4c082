/*
 * cmd_policy.c -- `sandboxctl policy`: print the IAM policies that go with sandboxctl.
 *
 * protect:  a deny policy for the principals that may close accounts (the seed article's
 *           shape): organizations:CloseAccount is denied on every account carrying one of
 *           organization.protected_tags (one statement per tag key; several values of a key
 *           are alternatives) and on every account in organization.protected_accounts.
 * operator: the least privilege sandboxctl itself needs: the Organizations operations of the
 *           client (src/aws/orgs.h, enum orgs_op), sts:AssumeRole into aws.access_role in
 *           member accounts (hooks and checks), and sts:GetCallerIdentity (doctor); with the
 *           access group the sso: and identitystore: actions of the Identity Center client
 *           (src/aws/idc.c, idc_actions), its user writes only with access.create_users;
 *           with budget.aws_budget budgets:ModifyBudget and budgets:ViewBudget on the
 *           sandboxctl-* budgets (src/aws/budgets.c).
 *
 * Both print pretty JSON; --json is accepted for symmetry with the other commands. ARNs use
 * the partition of aws.region (aws, aws-cn, aws-us-gov, ...).
 */
#include "cli/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/endpoint.h"
#include "aws/idc.h"
#include "aws/orgs.h"
#include "cfg.h"
#include "util/log.h"

const char cmd_policy_usage[] = "usage: sandboxctl policy [--json] protect\n"
                                "       sandboxctl policy [--json] operator";

#define POLICY_VERSION      "2012-10-17"
#define POLICY_DEFAULT_ROLE "OrganizationAccountAccessRole"

/* Sids are alphanumeric: "SandboxctlProtectTag<n><key without other characters>". */
static void
tag_sid(char *buf, size_t n, int index, const char *key)
{
    size_t len;

    snprintf(buf, n, "SandboxctlProtectTag%d", index);
    len = strlen(buf);
    for (const char *k = key; *k != '\0' && len + 1 < n && len < 100; k++) {
        if ((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9'))
            buf[len++] = *k;
    }
    buf[len] = '\0';
}

static cJSON *
new_policy(cJSON **statements)
{
    cJSON *doc = cJSON_CreateObject();

    *statements = NULL;
    if (doc == NULL || cJSON_AddStringToObject(doc, "Version", POLICY_VERSION) == NULL) {
        cJSON_Delete(doc);
        return NULL;
    }
    *statements = cJSON_AddArrayToObject(doc, "Statement");
    if (*statements == NULL) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

/* A statement {Sid, Effect, Action} added to statements; NULL when out of memory. */
static cJSON *
add_statement(cJSON *statements, const char *sid, const char *effect, const char *action)
{
    cJSON *st = cJSON_CreateObject();

    if (st == NULL)
        return NULL;
    if (!cJSON_AddItemToArray(statements, st)) {
        cJSON_Delete(st);
        return NULL;
    }
    if (cJSON_AddStringToObject(st, "Sid", sid) == NULL ||
        cJSON_AddStringToObject(st, "Effect", effect) == NULL ||
        (action != NULL && cJSON_AddStringToObject(st, "Action", action) == NULL))
        return NULL;
    return st;
}

static bool
seen_before(char *const *items, int upto, const char *s)
{
    for (int i = 0; i < upto; i++) {
        if (strcmp(items[i], s) == 0)
            return true;
    }
    return false;
}

/* The statements of the protect policy. Returns 0, or -1 with err set (unset: out of memory). */
static int
protect_statements(cJSON *statements, const struct sbx_config *cfg, struct sbx_err *err)
{
    const struct cfg_org *org = &cfg->org;
    const char *partition = endpoint_partition(cfg->aws.region);
    cJSON *st, *cond, *eq, *resources;
    int sids = 0;

    if (org->nprotected_tags == 0 && org->nprotected_accounts == 0) {
        sbx_err_set(err, SBX_E_CONFIG,
                    "nothing to protect: organization.protected_tags and "
                    "organization.protected_accounts are both empty");
        return -1;
    }
    /* One statement per tag key, in the config's order; its values are alternatives
     * (StringEquals with a list matches any of them). Two keys in one condition would have
     * to match together, so keys never share a statement. */
    for (int i = 0; i < org->nprotected_tags; i++) {
        const char *key = org->protected_tags[i].key;
        bool first = true;
        char sid[128], cond_key[300];
        cJSON *values = NULL;
        int nvalues = 0;

        for (int j = 0; j < i; j++) {
            if (strcmp(org->protected_tags[j].key, key) == 0)
                first = false;
        }
        if (!first)
            continue;
        tag_sid(sid, sizeof(sid), ++sids, key);
        st = add_statement(statements, sid, "Deny", "organizations:CloseAccount");
        if (st == NULL || cJSON_AddStringToObject(st, "Resource", "*") == NULL)
            return -1;
        cond = cJSON_AddObjectToObject(st, "Condition");
        eq = cond != NULL ? cJSON_AddObjectToObject(cond, "StringEquals") : NULL;
        values = cJSON_CreateArray();
        if (eq == NULL || values == NULL) {
            cJSON_Delete(values);
            return -1;
        }
        for (int j = i; j < org->nprotected_tags; j++) {
            const char *v = org->protected_tags[j].value;
            bool dup = false;

            if (strcmp(org->protected_tags[j].key, key) != 0)
                continue;
            for (int k = i; k < j; k++) {
                if (strcmp(org->protected_tags[k].key, key) == 0 &&
                    strcmp(org->protected_tags[k].value, v) == 0)
                    dup = true;
            }
            if (dup)
                continue;
            if (!cJSON_AddItemToArray(values, cJSON_CreateString(v))) {
                cJSON_Delete(values);
                return -1;
            }
            nvalues++;
        }
        snprintf(cond_key, sizeof(cond_key), "aws:ResourceTag/%s", key);
        if (nvalues == 1) {
            cJSON *one = cJSON_DetachItemFromArray(values, 0);

            cJSON_Delete(values);
            if (one == NULL || !cJSON_AddItemToObject(eq, cond_key, one)) {
                cJSON_Delete(one);
                return -1;
            }
        } else if (!cJSON_AddItemToObject(eq, cond_key, values)) {
            cJSON_Delete(values);
            return -1;
        }
    }
    if (org->nprotected_accounts > 0) {
        st = add_statement(statements, "SandboxctlProtectAccounts", "Deny",
                           "organizations:CloseAccount");
        resources = st != NULL ? cJSON_AddArrayToObject(st, "Resource") : NULL;
        if (resources == NULL)
            return -1;
        for (int i = 0; i < org->nprotected_accounts; i++) {
            char arn[160];

            if (seen_before(org->protected_accounts, i, org->protected_accounts[i]))
                continue;
            snprintf(arn, sizeof(arn), "arn:%s:organizations::*:account/o-*/%s", partition,
                     org->protected_accounts[i]);
            if (!cJSON_AddItemToArray(resources, cJSON_CreateString(arn)))
                return -1;
        }
    }
    return 0;
}

static int
cmp_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * With the `access` group: the sso: and identitystore: actions the Identity Center client
 * sends (idc_actions), the user and membership writes only with access.create_users.
 */
static int
add_identity_center(cJSON *statements, const struct sbx_config *cfg)
{
    char names[32][64];
    size_t n = idc_actions(names, SBX_ARRAY_LEN(names));
    cJSON *st = add_statement(statements, "SandboxctlIdentityCenter", "Allow", NULL);
    cJSON *actions = st != NULL ? cJSON_AddArrayToObject(st, "Action") : NULL;

    if (actions == NULL || n > SBX_ARRAY_LEN(names))
        return -1;
    for (size_t i = 0; i < n; i++) {
        bool write = strcmp(names[i], "identitystore:CreateUser") == 0 ||
                     strcmp(names[i], "identitystore:CreateGroupMembership") == 0;

        if (write && !cfg->access.create_users)
            continue;
        if (!cJSON_AddItemToArray(actions, cJSON_CreateString(names[i])))
            return -1;
    }
    return cJSON_AddStringToObject(st, "Resource", "*") == NULL ? -1 : 0;
}

/* The statements of the operator policy. Returns 0, or -1 with err set (unset: out of memory). */
static int
operator_statements(cJSON *statements, const struct sbx_config *cfg, struct sbx_err *err)
{
    const char *partition = endpoint_partition(cfg->aws.region);
    const char *role = cfg->aws.access_role != NULL && cfg->aws.access_role[0] != '\0'
                               ? cfg->aws.access_role
                               : POLICY_DEFAULT_ROLE;
    const char *names[ORGS_OP_COUNT];
    cJSON *st, *actions;
    char arn[256];

    for (int i = 0; i < ORGS_OP_COUNT; i++)
        names[i] = orgs_op_name((enum orgs_op)i);
    qsort(names, ORGS_OP_COUNT, sizeof(names[0]), cmp_strings);
    st = add_statement(statements, "SandboxctlOrganizations", "Allow", NULL);
    actions = st != NULL ? cJSON_AddArrayToObject(st, "Action") : NULL;
    if (actions == NULL)
        return -1;
    for (int i = 0; i < ORGS_OP_COUNT; i++) {
        char action[96];

        if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
            continue;
        snprintf(action, sizeof(action), "organizations:%s", names[i]);
        if (!cJSON_AddItemToArray(actions, cJSON_CreateString(action)))
            return -1;
    }
    if (cJSON_AddStringToObject(st, "Resource", "*") == NULL)
        return -1;
    if (snprintf(arn, sizeof(arn), "arn:%s:iam::*:role/%s", partition, role) >= (int)sizeof(arn)) {
        sbx_err_set(err, SBX_E_CONFIG, "aws.access_role '%s' is too long", role);
        return -1;
    }
    st = add_statement(statements, "SandboxctlAssumeAccessRole", "Allow", "sts:AssumeRole");
    if (st == NULL || cJSON_AddStringToObject(st, "Resource", arn) == NULL)
        return -1;
    st = add_statement(statements, "SandboxctlCallerIdentity", "Allow", "sts:GetCallerIdentity");
    if (st == NULL || cJSON_AddStringToObject(st, "Resource", "*") == NULL)
        return -1;
    if (cfg->access.enabled && add_identity_center(statements, cfg) != 0)
        return -1;
    if (cfg->budget.aws_budget) {
        /* budget.aws_budget (aws/budgets.c): CreateBudget, UpdateBudget and DeleteBudget are
         * budgets:ModifyBudget, DescribeBudget is budgets:ViewBudget (Service Authorization
         * Reference, AWS Budget Service), on sandboxctl's budgets only. */
        snprintf(arn, sizeof(arn), "arn:%s:budgets::*:budget/sandboxctl-*", partition);
        st = add_statement(statements, "SandboxctlBudgets", "Allow", NULL);
        actions = st != NULL ? cJSON_AddArrayToObject(st, "Action") : NULL;
        if (actions == NULL ||
            !cJSON_AddItemToArray(actions, cJSON_CreateString("budgets:ModifyBudget")) ||
            !cJSON_AddItemToArray(actions, cJSON_CreateString("budgets:ViewBudget")) ||
            cJSON_AddStringToObject(st, "Resource", arn) == NULL)
            return -1;
    }
    return 0;
}

/* The policies by name: each adds its statements to the document new_policy() begins. */
static const struct {
    const char *name;
    int (*statements)(cJSON *statements, const struct sbx_config *cfg, struct sbx_err *err);
} policies[] = {
    { "protect", protect_statements },
    { "operator", operator_statements },
};

int
cmd_policy(struct sbx_ctx *ctx, int argc, char **argv)
{
    struct sbx_err err = { 0 };
    cJSON *doc, *statements;
    char *text = NULL;
    const char *which;
    size_t i;
    bool json; /* JSON is the only output */
    const struct cmd_opt opt[] = {
        { .name = "json", 0, CMD_OPT_SET, &json },
        CMD_OPT_END,
    };

    if (cmd_parse_opts("policy", cmd_policy_usage, opt, argc, argv) != 0)
        return SBX_EXIT_USAGE;
    if (optind >= argc)
        return cmd_usage_error(cmd_policy_usage, "policy: which policy? protect or operator");
    which = argv[optind];
    if (optind + 1 != argc)
        return cmd_usage_error(cmd_policy_usage, "policy: unexpected argument '%s'",
                               argv[optind + 1]);
    for (i = 0; i < SBX_ARRAY_LEN(policies) && strcmp(policies[i].name, which) != 0; i++)
        ;
    if (i == SBX_ARRAY_LEN(policies))
        return cmd_usage_error(cmd_policy_usage,
                               "policy: unknown policy '%s' (protect or operator)", which);
    doc = new_policy(&statements);
    if (doc != NULL && policies[i].statements(statements, ctx->cfg, &err) == 0)
        text = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (text == NULL) {
        if (err.code == 0)
            sbx_err_nomem(&err);
        return cmd_fail("policy", &err);
    }
    printf("%s\n", text);
    cJSON_free(text);
    return SBX_EXIT_OK;
}
