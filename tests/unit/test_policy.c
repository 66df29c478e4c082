/* test_policy.c -- `sandboxctl policy protect|operator`: valid IAM JSON, exact coverage. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cfg.h"
#include "check.h"
#include "cli/cmd.h"

/* Runs cmd_policy with args (NULL-terminated after "policy"), capturing stdout. */
static int
run_policy(struct sbx_config *cfg, char **out, ...)
{
    struct sbx_ctx ctx = { 0 };
    char *argv[8], path[] = "/tmp/sbx-policy-XXXXXX";
    int argc = 0, saved, fd, rc;
    va_list ap;

    argv[argc++] = (char *)"policy";
    va_start(ap, out);
    for (char *a = va_arg(ap, char *); a != NULL; a = va_arg(ap, char *))
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    ctx.cfg = cfg;
    fflush(stdout);
    fd = mkstemp(path);
    CHECK(fd >= 0);
    saved = dup(STDOUT_FILENO);
    CHECK(saved >= 0 && dup2(fd, STDOUT_FILENO) >= 0);
    optind = 0; /* as main() hands over to a command: getopt starts afresh */
    rc = cmd_policy(&ctx, argc, argv);
    fflush(stdout);
    CHECK(dup2(saved, STDOUT_FILENO) >= 0);
    close(saved);
    close(fd);
    *out = check_read_file(path, NULL);
    unlink(path);
    return rc;
}

static struct sbx_config *
config(const char *region)
{
    struct sbx_config *cfg = calloc(1, sizeof(*cfg));

    CHECK(cfg != NULL);
    cfg->aws.region = (char *)region;
    cfg->aws.access_role = (char *)"OrganizationAccountAccessRole";
    return cfg;
}

static void
add_tag(struct sbx_config *cfg, const char *key, const char *value)
{
    cfg->org.protected_tags[cfg->org.nprotected_tags].key = (char *)key;
    cfg->org.protected_tags[cfg->org.nprotected_tags].value = (char *)value;
    cfg->org.nprotected_tags++;
}

static void
add_account(struct sbx_config *cfg, const char *id)
{
    cfg->org.protected_accounts[cfg->org.nprotected_accounts++] = (char *)id;
}

static cJSON *
parse_policy(const char *text)
{
    cJSON *doc = cJSON_Parse(text);

    if (doc == NULL)
        CHECK_FAIL("not JSON: %s", text);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "Version")),
                 "2012-10-17");
    CHECK(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "Statement")));
    CHECK_INT_EQ(cJSON_GetArraySize(doc), 2); /* Version and Statement, nothing else */
    return doc;
}

/* Every statement: Sid (alphanumeric, unique), Effect, Action, Resource; nothing else but an
 * optional Condition. */
static void
check_statements(cJSON *doc, const char *effect)
{
    cJSON *st;
    const char *sids[64];
    int n = 0;

    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(doc, "Statement"))
    {
        const char *sid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "Sid"));
        cJSON *item;

        CHECK(sid != NULL && sid[0] != '\0');
        for (const char *p = sid; *p != '\0'; p++)
            CHECK((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'));
        for (int i = 0; i < n; i++)
            CHECK(strcmp(sids[i], sid) != 0);
        sids[n++] = sid;
        CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "Effect")), effect);
        CHECK(cJSON_GetObjectItemCaseSensitive(st, "Action") != NULL);
        CHECK(cJSON_GetObjectItemCaseSensitive(st, "Resource") != NULL);
        cJSON_ArrayForEach(item, st)
        {
            CHECK(strcmp(item->string, "Sid") == 0 || strcmp(item->string, "Effect") == 0 ||
                  strcmp(item->string, "Action") == 0 || strcmp(item->string, "Resource") == 0 ||
                  strcmp(item->string, "Condition") == 0);
        }
    }
}

static cJSON *
statement(cJSON *doc, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "Statement"), i);
}

TEST(protect_covers_exactly_the_tags_and_ids)
{
    struct sbx_config *cfg = config("us-east-1");
    char *out;
    cJSON *doc, *st, *eq, *res, *v;

    add_tag(cfg, "AccountType", "Critical");
    add_tag(cfg, "sandboxctl:protect", "true");
    add_tag(cfg, "AccountType", "Production"); /* same key: an alternative value */
    add_tag(cfg, "AccountType", "Critical");   /* duplicate: once */
    add_account(cfg, "111111111111");
    add_account(cfg, "222222222222");
    add_account(cfg, "111111111111");
    CHECK_INT_EQ(run_policy(cfg, &out, "protect", NULL), SBX_EXIT_OK);
    doc = parse_policy(out);
    check_statements(doc, "Deny");
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "Statement")), 3);

    st = statement(doc, 0);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "Action")),
                 "organizations:CloseAccount");
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "Resource")), "*");
    eq = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(st, "Condition"),
                                          "StringEquals");
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(st, "Condition")), 1);
    CHECK_INT_EQ(cJSON_GetArraySize(eq), 1);
    v = cJSON_GetObjectItemCaseSensitive(eq, "aws:ResourceTag/AccountType");
    CHECK(cJSON_IsArray(v));
    CHECK_INT_EQ(cJSON_GetArraySize(v), 2);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetArrayItem(v, 0)), "Critical");
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetArrayItem(v, 1)), "Production");

    st = statement(doc, 1);
    eq = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(st, "Condition"),
                                          "StringEquals");
    CHECK_INT_EQ(cJSON_GetArraySize(eq), 1);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                         eq, "aws:ResourceTag/sandboxctl:protect")),
                 "true");
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "Sid")),
                 "SandboxctlProtectTag2sandboxctlprotect");

    st = statement(doc, 2);
    CHECK(cJSON_GetObjectItemCaseSensitive(st, "Condition") == NULL);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "Action")),
                 "organizations:CloseAccount");
    res = cJSON_GetObjectItemCaseSensitive(st, "Resource");
    CHECK_INT_EQ(cJSON_GetArraySize(res), 2);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetArrayItem(res, 0)),
                 "arn:aws:organizations::*:account/o-*/111111111111");
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetArrayItem(res, 1)),
                 "arn:aws:organizations::*:account/o-*/222222222222");
    cJSON_Delete(doc);
    free(out);
    free(cfg);
}

TEST(protect_tags_only_ids_only_and_nothing)
{
    struct sbx_config *cfg = config(NULL);
    char *out;
    cJSON *doc;

    add_tag(cfg, "AccountType", "Critical");
    CHECK_INT_EQ(run_policy(cfg, &out, "protect", "--json", NULL), SBX_EXIT_OK);
    doc = parse_policy(out);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "Statement")), 1);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                         cJSON_GetObjectItemCaseSensitive(
                                 cJSON_GetObjectItemCaseSensitive(statement(doc, 0), "Condition"),
                                 "StringEquals"),
                         "aws:ResourceTag/AccountType")),
                 "Critical");
    cJSON_Delete(doc);
    free(out);

    cfg->org.nprotected_tags = 0;
    add_account(cfg, "333333333333");
    CHECK_INT_EQ(run_policy(cfg, &out, "--json", "protect", NULL), SBX_EXIT_OK);
    doc = parse_policy(out);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "Statement")), 1);
    cJSON_Delete(doc);
    free(out);

    /* Nothing configured: no policy (IAM rejects an empty Statement), a config error. */
    cfg->org.nprotected_accounts = 0;
    CHECK_INT_EQ(run_policy(cfg, &out, "protect", NULL), SBX_EXIT_CONFIG);
    CHECK_STR_EQ(out, "");
    free(out);
    free(cfg);
}

TEST(partition_follows_the_region)
{
    struct sbx_config *cfg = config("cn-north-1");
    char *out;

    add_account(cfg, "111111111111");
    CHECK_INT_EQ(run_policy(cfg, &out, "protect", NULL), SBX_EXIT_OK);
    CHECK_CONTAINS(out, "\"arn:aws-cn:organizations::*:account/o-*/111111111111\"");
    free(out);
    cfg->aws.region = (char *)"us-gov-west-1";
    CHECK_INT_EQ(run_policy(cfg, &out, "operator", NULL), SBX_EXIT_OK);
    CHECK_CONTAINS(out, "\"arn:aws-us-gov:iam::*:role/OrganizationAccountAccessRole\"");
    free(out);
    free(cfg);
}

TEST(operator_lists_exactly_what_sandboxctl_calls)
{
    /* Independent of the code under test: the Organizations operations sandboxctl's client
     * implements (src/aws/orgs.h) and the two STS calls. A new operation must be added here
     * and to the operator policy together. */
    static const char *const want_orgs[] = {
        "organizations:AttachPolicy",
        "organizations:CloseAccount",
        "organizations:CreateAccount",
        "organizations:CreateOrganizationalUnit",
        "organizations:CreatePolicy",
        "organizations:DescribeAccount",
        "organizations:DescribeCreateAccountStatus",
        "organizations:DescribeOrganization",
        "organizations:DetachPolicy",
        "organizations:EnablePolicyType",
        "organizations:ListAccounts",
        "organizations:ListAccountsForParent",
        "organizations:ListCreateAccountStatus",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListParents",
        "organizations:ListPolicies",
        "organizations:ListPoliciesForTarget",
        "organizations:ListRoots",
        "organizations:ListTagsForResource",
        "organizations:MoveAccount",
        "organizations:TagResource",
        "organizations:UntagResource",
    };
    struct sbx_config *cfg = config("eu-west-1");
    char *out;
    cJSON *doc, *st, *actions;

    cfg->aws.access_role = (char *)"SandboxAdmin";
    CHECK_INT_EQ(run_policy(cfg, &out, "operator", NULL), SBX_EXIT_OK);
    doc = parse_policy(out);
    check_statements(doc, "Allow");
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "Statement")), 3);
    st = statement(doc, 0);
    actions = cJSON_GetObjectItemCaseSensitive(st, "Action");
    CHECK_INT_EQ(cJSON_GetArraySize(actions), (int)SBX_ARRAY_LEN(want_orgs));
    for (size_t i = 0; i < SBX_ARRAY_LEN(want_orgs); i++)
        CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetArrayItem(actions, (int)i)), want_orgs[i]);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "Resource")), "*");
    st = statement(doc, 1);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "Action")),
                 "sts:AssumeRole");
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "Resource")),
                 "arn:aws:iam::*:role/SandboxAdmin");
    st = statement(doc, 2);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "Action")),
                 "sts:GetCallerIdentity");
    /* Nothing is allowed by wildcard action. */
    CHECK(strstr(out, ":*\"") == NULL);
    CHECK(strstr(out, "\"*:") == NULL);
    cJSON_Delete(doc);
    free(out);
    free(cfg);
}

TEST(options_after_the_policy_name)
{
    struct sbx_config *cfg = config(NULL);
    static const struct option main_opts[] = { { "config", required_argument, NULL, 'c' },
                                               { NULL, 0, NULL, 0 } };
    char *main_argv[] = { (char *)"sandboxctl", (char *)"policy", (char *)"operator",
                          (char *)"--json", NULL };
    char *out;

    /* As main() does: global options in "+" mode, stopping at the command name. */
    CHECK_INT_EQ(getopt_long(4, main_argv, "+c:", main_opts, NULL), -1);
    CHECK_INT_EQ(optind, 1);
    CHECK_INT_EQ(run_policy(cfg, &out, "operator", "--json", NULL), SBX_EXIT_OK);
    CHECK_CONTAINS(out, "\"organizations:CreateAccount\"");
    free(out);
    free(cfg);
}

TEST(usage_errors)
{
    struct sbx_config *cfg = config(NULL);
    char *out;

    CHECK_INT_EQ(run_policy(cfg, &out, NULL), SBX_EXIT_USAGE);
    free(out);
    CHECK_INT_EQ(run_policy(cfg, &out, "deny-all", NULL), SBX_EXIT_USAGE);
    free(out);
    CHECK_INT_EQ(run_policy(cfg, &out, "operator", "extra", NULL), SBX_EXIT_USAGE);
    free(out);
    CHECK_INT_EQ(run_policy(cfg, &out, "--yaml", "operator", NULL), SBX_EXIT_USAGE);
    CHECK_STR_EQ(out, "");
    free(out);
    free(cfg);
}
