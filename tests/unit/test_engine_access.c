/*
 * test_engine_access.c -- the `access` configuration resolved by the real Identity Center client
 * against the in-process simulator: the instance (configured, or the only one), permission
 * sets by name and ARN, and owners mapped to users by address or user-name template.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/idc.h"
#include "aws/orgs.h"
#include "check.h"
#include "engine/engine_access.h"
#include "sim/sim.h"
#include "store/store.h"
#include "util/clock.h"

#define T0       1767225600.0
#define INSTANCE "arn:aws:sso:::instance/ssoins-72230a1b2c3d4e5f"
#define STORE    "d-9067a1b2c3"
#define PS_ADMIN "arn:aws:sso:::permissionSet/ssoins-72230a1b2c3d4e5f/ps-a1b2c3d4e5f60001"
#define PS_RO    "arn:aws:sso:::permissionSet/ssoins-72230a1b2c3d4e5f/ps-a1b2c3d4e5f60003"

struct fx {
    struct sim *sim;
    struct sim_server *srv;
    struct sbx_clock clock;
    struct orgs *orgs;
    struct idc *idc;
};

static void
fx_init(struct fx *f)
{
    struct sim_opts so;
    struct orgs_opts oo = { 0 };
    struct idc_opts io = { 0 };
    struct sbx_err err = { 0 };
    struct sim_reply r;
    char url[64], *dir = check_tmpdir();
    const char *user = "{\"UserName\":\"alice\",\"Email\":\"alice@corp.example\"}";

    memset(f, 0, sizeof(*f));
    check_aws_env(dir);
    free(dir);
    sim_opts_init(&so);
    so.access_key_id = CHECK_SIM_KEY;
    so.secret_access_key = CHECK_SIM_SECRET;
    so.fixed_clock = true;
    so.start_time = T0;
    so.seed = 3;
    so.seeded = true;
    CHECK_OK(sim_new(&so, &f->sim, &err), &err);
    CHECK(sim_admin_call(f->sim, "POST", "/__sim/idc/users", user, strlen(user), &r) == 0);
    CHECK_INT_EQ(r.status, 200);
    sim_reply_release(&r);
    CHECK_OK(sim_server_start(f->sim, NULL, "127.0.0.1:0", NULL, NULL, &f->srv, &err), &err);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", sim_server_port(f->srv));
    oo.endpoint = url;
    oo.sts_endpoint = url;
    oo.max_attempts = 1;
    oo.connect_timeout = 5;
    oo.request_timeout = 10;
    clock_init_fixed(&f->clock, T0);
    CHECK_OK(orgs_new(&oo, &f->clock, &f->orgs, &err), &err);
    io.region = "eu-west-1";
    io.sso_endpoint = url;
    io.identitystore_endpoint = url;
    CHECK_OK(idc_new(f->orgs, &io, &f->idc, &err), &err);
}

static void
fx_done(struct fx *f)
{
    idc_free(f->idc);
    orgs_free(f->orgs);
    sim_server_stop(f->srv);
    sim_free(f->sim);
}

TEST(client_options_from_the_configuration)
{
    struct sbx_config cfg;
    struct idc_opts io;

    memset(&cfg, 0, sizeof(cfg));
    cfg.access.region = (char *)"eu-central-1";
    cfg.aws.sso_endpoint = (char *)"http://127.0.0.1:1";
    cfg.aws.identitystore_endpoint = (char *)"http://127.0.0.1:2";
    engine_access_idc_opts(&cfg, &io);
    CHECK_STR_EQ(io.region, "eu-central-1");
    CHECK_STR_EQ(io.sso_endpoint, "http://127.0.0.1:1");
    CHECK_STR_EQ(io.identitystore_endpoint, "http://127.0.0.1:2");
}

TEST(instance_configured_or_the_only_one)
{
    struct fx f;
    struct cfg_access a = { 0 };
    struct engine_access_instance in;
    struct sbx_err err = { 0 };

    fx_init(&f);
    CHECK_OK(engine_access_instance(f.idc, &a, &in, &err), &err);
    CHECK_STR_EQ(in.arn, INSTANCE);
    CHECK_STR_EQ(in.identity_store_id, STORE);
    engine_access_instance_release(&in);
    a.instance = (char *)INSTANCE;
    CHECK_OK(engine_access_instance(f.idc, &a, &in, &err), &err);
    CHECK_STR_EQ(in.identity_store_id, STORE);
    engine_access_instance_release(&in);
    a.instance = (char *)"arn:aws:sso:::instance/ssoins-0000000000000000";
    CHECK_ERR(engine_access_instance(f.idc, &a, &in, &err), &err, SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "access.instance arn:aws:sso:::instance/ssoins-0000000000000000");
    CHECK_CONTAINS(err.msg, "eu-west-1");
    fx_done(&f);
}

TEST(permission_set_by_name_or_arn)
{
    struct fx f;
    struct sbx_config cfg;
    struct cfg_kind kind = { 0 };
    struct sbx_err err = { 0 };
    char *arn = NULL;

    fx_init(&f);
    memset(&cfg, 0, sizeof(cfg));
    cfg.access.permission_set = (char *)"AdministratorAccess";
    CHECK_STR_EQ(engine_access_permission_set_for(&cfg, &kind), "AdministratorAccess");
    kind.permission_set = (char *)"ReadOnlyAccess";
    CHECK_STR_EQ(engine_access_permission_set_for(&cfg, &kind), "ReadOnlyAccess");
    CHECK_OK(engine_access_permission_set_arn(f.idc, INSTANCE, "ReadOnlyAccess", &arn, &err), &err);
    CHECK_STR_EQ(arn, PS_RO);
    free(arn);
    CHECK_OK(engine_access_permission_set_arn(f.idc, INSTANCE, PS_ADMIN, &arn, &err), &err);
    CHECK_STR_EQ(arn, PS_ADMIN);
    free(arn);
    CHECK_ERR(engine_access_permission_set_arn(f.idc, INSTANCE, "Billing", &arn, &err), &err,
              SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "no permission set named 'Billing'");
    CHECK_ERR(engine_access_permission_set_arn(f.idc, INSTANCE, PS_ADMIN "9", &arn, &err), &err,
              SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "does not exist");
    CHECK(arn == NULL);
    fx_done(&f);
}

TEST(owner_to_user_by_address_or_template)
{
    struct fx f;
    struct cfg_access a = { 0 };
    struct sbx_err err = { 0 };
    const char *path;
    char value[64], *id = NULL, *id2 = NULL;

    fx_init(&f);
    CHECK_OK(engine_access_user_key(&a, "alice@corp.example", &path, value, sizeof(value), &err),
             &err);
    CHECK_STR_EQ(path, "emails.value");
    CHECK_STR_EQ(value, "alice@corp.example");
    CHECK_OK(engine_access_user_id(f.idc, &a, STORE, "alice@corp.example", &id, &err), &err);
    CHECK(id != NULL && strlen(id) == 36);
    a.user_name_template = (char *)"{local}";
    CHECK_OK(engine_access_user_key(&a, "alice@corp.example", &path, value, sizeof(value), &err),
             &err);
    CHECK_STR_EQ(path, "userName");
    CHECK_STR_EQ(value, "alice");
    CHECK_OK(engine_access_user_id(f.idc, &a, STORE, "alice@corp.example", &id2, &err), &err);
    CHECK_STR_EQ(id2, id);
    free(id);
    free(id2);
    a.user_name_template = (char *)"sso-{owner}";
    CHECK_OK(engine_access_user_key(&a, "bob@x.example", &path, value, sizeof(value), &err), &err);
    CHECK_STR_EQ(value, "sso-bob@x.example");
    CHECK_ERR(engine_access_user_key(&a, "bob@x.example", &path, value, 8, &err), &err,
              SBX_E_INVALID);
    /* An owner without a user: a clear, typed error. */
    a.user_name_template = NULL;
    CHECK_ERR(engine_access_user_id(f.idc, &a, STORE, "bob@corp.example", &id, &err), &err,
              SBX_E_NOTFOUND);
    CHECK_CONTAINS(err.msg, "owner bob@corp.example has no IAM Identity Center user "
                            "(emails.value = bob@corp.example in identity store " STORE ")");
    fx_done(&f);
}

TEST(portal_and_console_links)
{
    char buf[256];

    CHECK_INT_EQ(engine_access_portal_url(STORE, buf, sizeof(buf)), 0);
    CHECK_STR_EQ(buf, "https://" STORE ".awsapps.com/start");
    CHECK_INT_EQ(engine_access_portal_url(STORE, buf, 20), -1);
    CHECK_INT_EQ(engine_access_console_url("https://corp.awsapps.com/start/", "123456789012",
                                           "AdministratorAccess", buf, sizeof(buf)),
                 0);
    CHECK_STR_EQ(buf, "https://corp.awsapps.com/start/#/console?account_id=123456789012"
                      "&role_name=AdministratorAccess");
    /* Permission set names may hold + = , . @ - _: the query carries them escaped. */
    CHECK_INT_EQ(engine_access_console_url("https://x.example/start", "123456789012",
                                           "Dev+Ops=1,a@b", buf, sizeof(buf)),
                 0);
    CHECK_STR_EQ(buf, "https://x.example/start/#/console?account_id=123456789012"
                      "&role_name=Dev%2BOps%3D1%2Ca%40b");
    /* Too long for the buffer, whether in the fixed part or in the escaped name. */
    CHECK_INT_EQ(engine_access_console_url("https://x.example/start", "123456789012", "A", buf, 30),
                 -1);
    CHECK_INT_EQ(
            engine_access_console_url("https://x.example/start", "123456789012", "@@@@", buf, 75),
            -1);
}

/* The groups of an account: the kind's access_groups replace access.groups ("" = none), a
 * class's are added, each name once, in order. */
TEST(groups_of_a_kind_and_a_class)
{
    struct sbx_config cfg = { 0 };
    struct cfg_kind k = { 0 };
    const char *const cls[] = { "Instructors", "Auditors", "" };
    struct sbx_err err = { 0 };
    char **v;
    size_t n;

    CHECK_OK(engine_access_groups(&cfg, &k, NULL, 0, &v, &n, &err), &err);
    CHECK_INT_EQ(n, 0);
    CHECK(v == NULL);
    cfg.access.groups = (char *)"Auditors,Admins";
    CHECK_OK(engine_access_groups(&cfg, &k, cls, 3, &v, &n, &err), &err);
    CHECK_INT_EQ(n, 3);
    CHECK_STR_EQ(v[0], "Auditors");
    CHECK_STR_EQ(v[1], "Admins");
    CHECK_STR_EQ(v[2], "Instructors");
    store_strings_free(v, n);
    k.access_groups = (char *)"Support";
    CHECK_OK(engine_access_groups(&cfg, &k, NULL, 0, &v, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(v[0], "Support");
    store_strings_free(v, n);
    k.access_groups = (char *)"";
    CHECK_OK(engine_access_groups(&cfg, &k, cls, 1, &v, &n, &err), &err);
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(v[0], "Instructors");
    store_strings_free(v, n);
    CHECK_OK(engine_access_groups(&cfg, NULL, NULL, 0, &v, &n, &err), &err);
    CHECK_INT_EQ(n, 2); /* no kind: access.groups */
    store_strings_free(v, n);
}

/* A group by displayName; one that does not exist is a typed error naming it. */
TEST(group_by_display_name)
{
    struct fx f;
    struct sbx_err err = { 0 };
    char *id = NULL;

    fx_init(&f);
    CHECK_ERR(engine_access_group_id(f.idc, STORE, "Mentors", &id, &err), &err, SBX_E_NOTFOUND);
    CHECK_CONTAINS(err.msg, "no IAM Identity Center group 'Mentors' in identity store " STORE);
    CHECK(id == NULL);
    fx_done(&f);
}
