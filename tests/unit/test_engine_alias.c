/* test_engine_alias.c -- templates, AWS's email and name rules, owners. */
#include "check.h"
#include "engine/engine_alias.h"

static const struct engine_alias_vars vars = { "training", "John.Smith+x@Corp.Example",
                                               "k8s-101",  7,
                                               42,         "ab12cd34" };

TEST(expands_every_placeholder)
{
    struct sbx_err err = { 0 };
    char out[128];

    CHECK_OK(engine_alias_expand("aws+{kind}-{owner}-{class}-{seat}-{seq}-{rand}@corp.example",
                                 &vars, out, sizeof(out), &err),
             &err);
    CHECK_STR_EQ(out, "aws+training-john-smith-x-k8s-101-7-42-ab12cd34@corp.example");
    CHECK_OK(engine_alias_expand("sbx-{kind}-{owner}-{seq}", &vars, out, sizeof(out), &err), &err);
    CHECK_STR_EQ(out, "sbx-training-john-smith-x-42");
}

TEST(absent_class_and_seat_are_empty)
{
    struct sbx_err err = { 0 };
    struct engine_alias_vars v = { "demo", "a@b.example", NULL, 0, 3, NULL };
    char out[64];

    CHECK_OK(engine_alias_expand("x{class}{seat}{rand}-{seq}", &v, out, sizeof(out), &err), &err);
    CHECK_STR_EQ(out, "x-3");
}

TEST(rejects_malformed_templates)
{
    struct sbx_err err = { 0 };
    char out[64];

    CHECK_ERR(engine_alias_expand("a+{nope}@x.example", &vars, out, sizeof(out), &err), &err,
              SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "unknown placeholder '{nope}'");
    CHECK_ERR(engine_alias_template_check("a+{seq@x.example", "email template", &err), &err,
              SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "malformed email template");
    CHECK_CONTAINS(err.msg, "unterminated");
    CHECK_ERR(engine_alias_template_check("a+seq}@x.example", "email template", &err), &err,
              SBX_E_INVALID);
    CHECK(engine_alias_template_uses("a+{seq}@x", "seq"));
    CHECK(!engine_alias_template_uses("a+{rand}@x", "seq"));
}

TEST(expansion_that_does_not_fit_fails)
{
    struct sbx_err err = { 0 };
    char out[8];

    CHECK_ERR(engine_alias_expand("{kind}-{owner}", &vars, out, sizeof(out), &err), &err,
              SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "expands to more than 7");
}

TEST(sanitizes)
{
    char out[32];

    engine_alias_sanitize("..Dev.One__x--", 14, out, sizeof(out));
    CHECK_STR_EQ(out, "dev-one__x");
    engine_alias_sanitize("abc", 2, out, sizeof(out));
    CHECK_STR_EQ(out, "ab");
    engine_alias_sanitize("abcdef", 6, out, 4);
    CHECK_STR_EQ(out, "abc");
}

TEST(email_rules)
{
    struct sbx_err err = { 0 };
    char long_local[80];

    CHECK_OK(engine_alias_validate_email("sandbox+demo-dev1-1@example.com", &err), &err);
    CHECK_OK(engine_alias_validate_email("a@b.co", &err), &err);
    CHECK_ERR(engine_alias_validate_email("a@b.c", &err), &err, SBX_E_INVALID); /* 5 chars */
    CHECK_CONTAINS(err.msg, "6 to 64");
    memset(long_local, 'a', 60);
    snprintf(long_local + 60, sizeof(long_local) - 60, "@x.com");
    CHECK_ERR(engine_alias_validate_email(long_local, &err), &err, SBX_E_INVALID); /* 66 chars */
    CHECK_CONTAINS(err.msg, "66 characters");
    CHECK_ERR(engine_alias_validate_email("ab@cd@ef.com", &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "exactly one '@'");
    CHECK_ERR(engine_alias_validate_email("abcdef.example.com", &err), &err, SBX_E_INVALID);
    CHECK_ERR(engine_alias_validate_email(".abc@example.com", &err), &err, SBX_E_INVALID);
    CHECK_ERR(engine_alias_validate_email("a(b)c@example.com", &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "'('");
    CHECK_ERR(engine_alias_validate_email("a b@example.com", &err), &err, SBX_E_INVALID);
    CHECK_ERR(engine_alias_validate_email("a%b@example.com", &err), &err, SBX_E_INVALID);
    CHECK_ERR(engine_alias_validate_email("abc@-example.com", &err), &err, SBX_E_INVALID);
    CHECK_ERR(engine_alias_validate_email("abc@example.com-", &err), &err, SBX_E_INVALID);
    CHECK_ERR(engine_alias_validate_email("abc@example.", &err), &err, SBX_E_INVALID);
    CHECK_ERR(engine_alias_validate_email("abc@exa_mple.com", &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "'_' is not allowed in the domain");
    CHECK_ERR(engine_alias_validate_email("abcdef@localhost", &err), &err, SBX_E_INVALID);
    CHECK_ERR(engine_alias_validate_email("abc@exa..mple.com", &err), &err, SBX_E_INVALID);
    CHECK_ERR(engine_alias_validate_email("ab\xc3\xa9@example.com", &err), &err, SBX_E_INVALID);
}

TEST(name_rules)
{
    struct sbx_err err = { 0 };
    char name[64];

    CHECK_OK(engine_alias_validate_name("sbx-demo-dev1-1", &err), &err);
    CHECK_ERR(engine_alias_validate_name("", &err), &err, SBX_E_INVALID);
    memset(name, 'n', 51);
    name[51] = '\0';
    CHECK_ERR(engine_alias_validate_name(name, &err), &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "1 to 50");
    name[50] = '\0';
    CHECK_OK(engine_alias_validate_name(name, &err), &err);
    CHECK_ERR(engine_alias_validate_name("tab\there", &err), &err, SBX_E_INVALID);
}

TEST(owners)
{
    struct sbx_err err = { 0 };
    char out[256];

    CHECK_OK(engine_alias_normalize_owner("Dev1@Corp.Example", NULL, out, sizeof(out), &err), &err);
    CHECK_STR_EQ(out, "dev1@corp.example");
    CHECK_OK(engine_alias_normalize_owner("dev1@corp.example", "CORP.example", out, sizeof(out),
                                          &err),
             &err);
    CHECK_ERR(engine_alias_normalize_owner("dev1@other.example", "corp.example", out, sizeof(out),
                                           &err),
              &err, SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "owners must be in 'corp.example'");
    CHECK_ERR(engine_alias_normalize_owner("not-an-email", NULL, out, sizeof(out), &err), &err,
              SBX_E_INVALID);
    CHECK_CONTAINS(err.msg, "invalid owner 'not-an-email'");
    CHECK_ERR(engine_alias_normalize_owner("a'b@corp.example", NULL, out, sizeof(out), &err), &err,
              SBX_E_INVALID);
    CHECK_ERR(engine_alias_normalize_owner("ab@corp", NULL, out, sizeof(out), &err), &err,
              SBX_E_INVALID);
    CHECK_ERR(engine_alias_normalize_owner("", NULL, out, sizeof(out), &err), &err, SBX_E_INVALID);
    CHECK_ERR(engine_alias_normalize_owner("a@@b.example", NULL, out, sizeof(out), &err), &err,
              SBX_E_INVALID);
}

TEST(random_suffix)
{
    struct sbx_err err = { 0 };
    char a[9], b[9];

    CHECK_OK(engine_alias_random(a, 8, &err), &err);
    CHECK_OK(engine_alias_random(b, 8, &err), &err);
    CHECK_INT_EQ(strlen(a), 8);
    CHECK(strcmp(a, b) != 0);
    for (int i = 0; i < 8; i++)
        CHECK((a[i] >= 'a' && a[i] <= 'z') || (a[i] >= '0' && a[i] <= '9'));
}
