/*
 * test_creds.c -- the credential chain: environment, shared files and profiles,
 * credential_process, assume-role profiles (against the scripted responder), and the errors
 * a user sees when nothing works.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/creds.h"
#include "aws/http.h"
#include "aws/sigv4.h"
#include "check.h"
#include "responder.h"
#include "util/clock.h"

/* A clean environment with HOME in a fresh directory; returns that directory. */
static char *
setup(void)
{
    char *home = check_aws_home(NULL, NULL), path[512];

    snprintf(path, sizeof(path), "%s/.aws", home);
    CHECK(mkdir(path, 0700) == 0);
    return home;
}

static void
write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
    char path[512];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fp = fopen(path, "w");
    CHECK(fp != NULL);
    CHECK(fputs(text, fp) >= 0);
    CHECK(fclose(fp) == 0);
    CHECK(chmod(path, mode) == 0);
}

static int
resolve(const struct creds_opts *o, struct creds *c, struct sbx_err *err)
{
    struct creds_opts def = { 0 };

    return creds_resolve(o != NULL ? o : &def, c, err);
}

TEST(environment)
{
    char *home = setup();
    struct creds c;
    struct sbx_err err = { 0 };

    setenv("AWS_ACCESS_KEY_ID", "AKIAENVEXAMPLE00001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    setenv("AWS_SESSION_TOKEN", "envtoken", 1);
    setenv("AWS_CREDENTIAL_EXPIRATION", "2099-11-26T18:00:00Z", 1);
    CHECK_OK(resolve(NULL, &c, &err), &err);
    CHECK_STR_EQ(c.source, "environment");
    CHECK_STR_EQ(c.access_key_id, "AKIAENVEXAMPLE00001");
    CHECK_STR_EQ(c.secret_access_key, "envsecret");
    CHECK_STR_EQ(c.session_token, "envtoken");
    CHECK_INT_EQ(c.expiration, 4099399200);
    CHECK(creds_expiring(&c, 4099399200 - 299, 300));
    CHECK(!creds_expiring(&c, 4099399200 - 301, 300));
    creds_release(&c);
    CHECK(c.access_key_id == NULL && c.secret_access_key == NULL);

    /* The legacy alias of the session token. */
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_CREDENTIAL_EXPIRATION");
    setenv("AWS_SECURITY_TOKEN", "legacytoken", 1);
    CHECK_OK(resolve(NULL, &c, &err), &err);
    CHECK_STR_EQ(c.session_token, "legacytoken");
    CHECK_INT_EQ(c.expiration, 0);
    CHECK(!creds_expiring(&c, 4000000000, 300));
    creds_release(&c);

    setenv("AWS_CREDENTIAL_EXPIRATION", "tomorrow", 1);
    CHECK_ERR(resolve(NULL, &c, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "AWS_CREDENTIAL_EXPIRATION");
    unsetenv("AWS_CREDENTIAL_EXPIRATION");

    unsetenv("AWS_SECRET_ACCESS_KEY");
    CHECK_ERR(resolve(NULL, &c, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    free(home);
}

TEST(credentials_file_profiles)
{
    char *home = setup();
    struct creds c;
    struct sbx_err err = { 0 };

    write_file(home, ".aws/credentials",
               "# comment\n"
               "; another comment\n"
               "[default]\r\n"
               "aws_access_key_id = AKIADEFAULTEXAMPLE1 ; inline comment\r\n"
               "aws_secret_access_key=default/secret#not-a-comment\n"
               "\n"
               "[dev]\n"
               "  AWS_Access_Key_Id = AKIADEVEXAMPLE00001\n"
               "aws_secret_access_key = devsecret\n"
               "aws_session_token = devtoken\n"
               "[profile ignored]\n"
               "aws_access_key_id = AKIAIGNORED\n",
               0600);
    CHECK_OK(resolve(NULL, &c, &err), &err);
    CHECK_STR_EQ(c.source, "profile 'default' (shared credentials file)");
    CHECK_STR_EQ(c.access_key_id, "AKIADEFAULTEXAMPLE1");
    CHECK_STR_EQ(c.secret_access_key, "default/secret#not-a-comment");
    CHECK(c.session_token == NULL);
    creds_release(&c);

    setenv("AWS_PROFILE", "dev", 1);
    CHECK_OK(resolve(NULL, &c, &err), &err);
    CHECK_STR_EQ(c.source, "profile 'dev' (shared credentials file)");
    CHECK_STR_EQ(c.access_key_id, "AKIADEVEXAMPLE00001");
    CHECK_STR_EQ(c.session_token, "devtoken");
    creds_release(&c);

    /* AWS_SHARED_CREDENTIALS_FILE with "~/" expanded. */
    write_file(home, "other-creds",
               "[dev]\naws_access_key_id=AKIAOTHER0000000001\n"
               "aws_secret_access_key=o\n",
               0600);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "~/other-creds", 1);
    CHECK_OK(resolve(NULL, &c, &err), &err);
    CHECK_STR_EQ(c.access_key_id, "AKIAOTHER0000000001");
    creds_release(&c);
    free(home);
}

TEST(environment_wins_unless_profile_explicit)
{
    char *home = setup();
    struct creds c;
    struct creds_opts o = { 0 };
    struct sbx_err err = { 0 };

    write_file(home, ".aws/credentials",
               "[mgmt]\naws_access_key_id=AKIAMGMT00000000001\naws_secret_access_key=m\n", 0600);
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV000000000001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "e", 1);
    /* AWS_PROFILE does not beat environment keys (section 5.1)... */
    setenv("AWS_PROFILE", "mgmt", 1);
    CHECK_OK(resolve(NULL, &c, &err), &err);
    CHECK_STR_EQ(c.source, "environment");
    creds_release(&c);
    /* ...a profile named in the config does. */
    o.profile = "mgmt";
    o.profile_explicit = true;
    CHECK_OK(resolve(&o, &c, &err), &err);
    CHECK_STR_EQ(c.access_key_id, "AKIAMGMT00000000001");
    creds_release(&c);
    /* An explicit profile that does not exist says so, and that the environment was skipped. */
    o.profile = "ghost";
    CHECK_ERR(resolve(&o, &c, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "environment (skipped: profile 'ghost' configured)");
    CHECK_CONTAINS(err.msg, "(no profile 'ghost')");
    free(home);
}

TEST(precedence_within_a_profile)
{
    char *home = setup();
    struct creds c;
    struct sbx_err err = { 0 };
    char conf[1024];

    write_file(home, "proc.sh",
               "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC00000000001\", "
               "\"SecretAccessKey\": \"p\"}'\n",
               0755);
    snprintf(conf, sizeof(conf),
             "[default]\n"
             "region = eu-west-1\n"
             "credential_process = %s/proc.sh\n"
             "aws_access_key_id = AKIACONFIG000000001\n"
             "aws_secret_access_key = c\n"
             "[profile staticonly]\n"
             "aws_access_key_id = AKIACONFIG000000002\n"
             "aws_secret_access_key = c2\n",
             home);
    write_file(home, ".aws/config", conf, 0600);
    write_file(home, ".aws/credentials",
               "[default]\naws_access_key_id=AKIACREDS0000000001\naws_secret_access_key=k\n", 0600);
    /* Credentials file, then credential_process, then the config file's keys. */
    CHECK_OK(resolve(NULL, &c, &err), &err);
    CHECK_STR_EQ(c.access_key_id, "AKIACREDS0000000001");
    creds_release(&c);
    write_file(home, ".aws/credentials", "[other]\n", 0600);
    CHECK_OK(resolve(NULL, &c, &err), &err);
    CHECK_STR_EQ(c.access_key_id, "AKIAPROC00000000001");
    CHECK_STR_EQ(c.source, "profile 'default' (credential_process)");
    creds_release(&c);
    setenv("AWS_PROFILE", "staticonly", 1);
    CHECK_OK(resolve(NULL, &c, &err), &err);
    CHECK_STR_EQ(c.access_key_id, "AKIACONFIG000000002");
    CHECK_STR_EQ(c.source, "profile 'staticonly' (shared config file)");
    creds_release(&c);
    free(home);
}

TEST(credential_process_output)
{
    char *home = setup();
    struct creds c;
    struct sbx_err err = { 0 };
    char conf[1024];

    /* Quoted arguments reach the helper intact, without a shell. */
    write_file(home, "helper with space.sh",
               "#!/bin/sh\n"
               "[ \"$1\" = 'two words' ] || { echo \"bad arg: $1\" >&2; exit 9; }\n"
               "[ \"$2\" = '$HOME' ] || { echo \"expanded: $2\" >&2; exit 9; }\n"
               "echo '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC0000000001\", "
               "\"SecretAccessKey\": \"s\", \"SessionToken\": \"t\", "
               "\"Expiration\": \"2099-11-26T18:00:00+00:00\", \"AccountId\": \"111111111111\"}'\n",
               0755);
    snprintf(conf, sizeof(conf),
             "[default]\ncredential_process = \"%s/helper with space.sh\" 'two words' '$HOME'\n",
             home);
    write_file(home, ".aws/config", conf, 0600);
    CHECK_OK(resolve(NULL, &c, &err), &err);
    CHECK_STR_EQ(c.access_key_id, "ASIAPROC0000000001");
    CHECK_STR_EQ(c.session_token, "t");
    CHECK_INT_EQ(c.expiration, 4099399200);
    creds_release(&c);
    free(home);
}

TEST(credential_process_failures)
{
    static const struct {
        const char *script, *want;
    } cases[] = {
        { "#!/bin/sh\necho 'session expired: run sso login' >&2\nexit 3\n",
          "failed (exit 3): session expired: run sso login" },
        { "#!/bin/sh\necho 'not json'\n", "output is not a JSON object" },
        { "#!/bin/sh\necho '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": "
          "\"s\"}'\n",
          "unsupported Version" },
        { "#!/bin/sh\necho '{\"Version\": \"1\", \"AccessKeyId\": \"A\", \"SecretAccessKey\": "
          "\"s\"}'\n",
          "unsupported Version" },
        { "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"A\"}'\n",
          "lacks AccessKeyId or SecretAccessKey" },
        { "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s\", "
          "\"Expiration\": \"soon\"}'\n",
          "Expiration is not an ISO 8601 time" },
        { "#!/bin/sh\nkill -9 $$\n", "killed by signal 9" },
    };
    char *home = setup();
    char conf[1024];

    snprintf(conf, sizeof(conf), "[default]\ncredential_process = %s/p.sh --flag\n", home);
    write_file(home, ".aws/config", conf, 0600);
    for (size_t i = 0; i < SBX_ARRAY_LEN(cases); i++) {
        struct creds c;
        struct sbx_err err = { 0 };

        write_file(home, "p.sh", cases[i].script, 0755);
        CHECK_ERR(resolve(NULL, &c, &err), &err, SBX_E_CREDS);
        CHECK_CONTAINS(err.msg, "profile 'default': credential_process '");
        CHECK_CONTAINS(err.msg, cases[i].want);
        CHECK_INT_EQ(sbx_err_exit_code(&err), SBX_EXIT_AWS);
    }
    free(home);
}

TEST(credential_process_timeout_and_missing)
{
    char *home = setup();
    struct creds c;
    struct creds_opts o = { 0 };
    struct sbx_err err = { 0 };
    char conf[1024];
    double t0;

    write_file(home, "slow.sh", "#!/bin/sh\nexec sleep 30\n", 0755);
    snprintf(conf, sizeof(conf), "[default]\ncredential_process = %s/slow.sh\n", home);
    write_file(home, ".aws/config", conf, 0600);
    o.process_timeout = 1;
    t0 = clock_mono();
    CHECK_ERR(creds_resolve(&o, &c, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "timed out after 1 s");
    CHECK(clock_mono() - t0 < 5);

    write_file(home, ".aws/config", "[default]\ncredential_process = no-such-helper-xyz\n", 0600);
    CHECK_ERR(creds_resolve(&o, &c, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "'no-such-helper-xyz': command not found");
    write_file(home, ".aws/config", "[default]\ncredential_process = 'unterminated\n", 0600);
    CHECK_ERR(creds_resolve(&o, &c, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "unterminated quote");
    free(home);
}

TEST(split_command)
{
    struct sbx_err err = { 0 };
    char **argv = NULL;

    CHECK_OK(creds_split_command("  /bin/helper  --a 'b c' \"d \\\"e\\\" $f\" g\\ h i''j ", &argv,
                                 &err),
             &err);
    CHECK_STR_EQ(argv[0], "/bin/helper");
    CHECK_STR_EQ(argv[1], "--a");
    CHECK_STR_EQ(argv[2], "b c");
    CHECK_STR_EQ(argv[3], "d \"e\" $f");
    CHECK_STR_EQ(argv[4], "g h");
    CHECK_STR_EQ(argv[5], "ij");
    CHECK(argv[6] == NULL);
    creds_argv_free(argv);
    CHECK_OK(creds_split_command("a ''", &argv, &err), &err);
    CHECK_STR_EQ(argv[1], "");
    creds_argv_free(argv);
    CHECK_ERR(creds_split_command("a \"b", &argv, &err), &err, SBX_E_CREDS);
    CHECK_ERR(creds_split_command("   ", &argv, &err), &err, SBX_E_CREDS);
    CHECK(argv == NULL);
}

TEST(no_credentials_lists_every_source)
{
    char *home = setup();
    struct creds c;
    struct sbx_err err = { 0 };
    char want[1024];

    CHECK_ERR(resolve(NULL, &c, &err), &err, SBX_E_CREDS);
    snprintf(want, sizeof(want),
             "no credentials: environment (AWS_ACCESS_KEY_ID not set); shared credentials file "
             "'%s/.aws/credentials' (no such file); shared config file '%s/.aws/config' (no "
             "such file)",
             home, home);
    CHECK_STR_EQ(err.msg, want);
    CHECK_INT_EQ(sbx_err_exit_code(&err), SBX_EXIT_AWS);

    write_file(home, ".aws/credentials", "[default]\nregion = x\n", 0600);
    write_file(home, ".aws/config", "[profile other]\n", 0600);
    CHECK_ERR(resolve(NULL, &c, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "/.aws/credentials' (profile 'default' has no keys)");
    CHECK_CONTAINS(err.msg, "/.aws/config' (no profile 'default')");
    free(home);
}

TEST(unreadable_credentials_file)
{
    char *home = setup();
    struct creds c;
    struct sbx_err err = { 0 };
    char path[512];

    /* A directory where the file should be: unreadable whoever runs the test. */
    snprintf(path, sizeof(path), "%s/creds-dir", home);
    CHECK(mkdir(path, 0700) == 0);
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    CHECK_ERR(resolve(NULL, &c, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "cannot read shared credentials file '");
    CHECK_CONTAINS(err.msg, "creds-dir': Is a directory");
    if (geteuid() != 0) {
        /* Permission bits only stop non-root users. */
        write_file(home, "locked", "[default]\n", 0000);
        snprintf(path, sizeof(path), "%s/locked", home);
        setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
        CHECK_ERR(resolve(NULL, &c, &err), &err, SBX_E_CREDS);
        CHECK_CONTAINS(err.msg, "Permission denied");
    }
    free(home);
}

TEST(profile_settings)
{
    char *home = setup();
    struct sbx_err err = { 0 };
    char *v = NULL;

    CHECK_OK(creds_profile_setting("default", NULL, "region", &v, &err), &err);
    CHECK(v == NULL);
    write_file(home, ".aws/config",
               "[default]\n"
               "region = eu-central-1\n"
               "services = local-sim\n"
               "endpoint_url = http://127.0.0.1:1111\n"
               "[profile plain]\n"
               "endpoint_url = http://127.0.0.1:2222\n"
               "[services local-sim]\n"
               "organizations =\n"
               "  endpoint_url = http://127.0.0.1:4566 # the simulator\n"
               "sts =\n"
               "  endpoint_url = http://127.0.0.1:4567\n"
               "endpoint_url = http://top-level-not-a-sub-property\n",
               0600);
    CHECK_OK(creds_profile_setting("default", NULL, "region", &v, &err), &err);
    CHECK_STR_EQ(v, "eu-central-1");
    free(v);
    CHECK_OK(creds_profile_setting("default", "organizations", "endpoint_url", &v, &err), &err);
    CHECK_STR_EQ(v, "http://127.0.0.1:4566");
    free(v);
    CHECK_OK(creds_profile_setting("default", "sts", "endpoint_url", &v, &err), &err);
    CHECK_STR_EQ(v, "http://127.0.0.1:4567");
    free(v);
    /* A service without a sub-property falls back to the profile's endpoint_url. */
    CHECK_OK(creds_profile_setting("default", "iam", "endpoint_url", &v, &err), &err);
    CHECK_STR_EQ(v, "http://127.0.0.1:1111");
    free(v);
    CHECK_OK(creds_profile_setting("plain", "organizations", "endpoint_url", &v, &err), &err);
    CHECK_STR_EQ(v, "http://127.0.0.1:2222");
    free(v);
    free(home);
}

TEST(masks_key_ids)
{
    char buf[32];

    CHECK_STR_EQ(creds_mask_key_id("AKIAIOSFODNN7EXAMPLE", buf, sizeof(buf)), "AKIA****MPLE");
    CHECK_STR_EQ(creds_mask_key_id("SHORT", buf, sizeof(buf)), "****");
    CHECK_STR_EQ(creds_mask_key_id(NULL, buf, sizeof(buf)), "****");
}

/* --- assume-role profiles against the responder ---------------------------------------- */

static const char assume_ok[] =
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE%d"
        "</AccessKeyId><SecretAccessKey>rolesecret%d</SecretAccessKey><SessionToken>roletoken%d"
        "</SessionToken><Expiration>2099-11-26T18:00:00Z</Expiration></Credentials>"
        "</AssumeRoleResult></AssumeRoleResponse>";

static void
push_assume_ok(struct responder *r, int n)
{
    struct responder_script s = { 0 };
    char body[600];

    snprintf(body, sizeof(body), assume_ok, n, n, n);
    s.status = 200;
    s.content_type = "text/xml";
    s.body = body;
    responder_push(r, &s);
}

static const char *
form_value(const char *body, const char *key, char *buf, size_t n)
{
    char pat[64];
    const char *p;

    snprintf(pat, sizeof(pat), "%s=", key);
    p = strstr(body, pat);
    if (p == NULL)
        return NULL;
    p += strlen(pat);
    snprintf(buf, n, "%.*s", (int)strcspn(p, "&"), p);
    return buf;
}

struct role_fx {
    char *home;
    struct responder *r;
    struct http_client *http;
    struct sbx_clock clk;
    struct creds_opts o;
};

static void
role_init(struct role_fx *f)
{
    struct sbx_err err = { 0 };

    memset(f, 0, sizeof(*f));
    f->home = setup();
    f->r = responder_start();
    CHECK_OK(http_client_new(NULL, &f->http, &err), &err);
    clock_init_fixed(&f->clk, 1795000000.0);
    f->o.http = f->http;
    f->o.clock = &f->clk;
    f->o.sts_endpoint = responder_url(f->r);
    f->o.region = "eu-west-1";
    f->o.max_attempts = 2;
}

static void
role_done(struct role_fx *f)
{
    http_client_free(f->http);
    responder_stop(f->r);
    free(f->home);
}

TEST(assume_role_profile)
{
    struct role_fx f;
    struct creds c;
    struct sbx_err err = { 0 };
    struct sigv4_auth auth;
    const struct responder_request *q;
    char v[256];

    role_init(&f);
    write_file(f.home, ".aws/credentials",
               "[mgmt]\naws_access_key_id = AKIAMGMT00000000001\naws_secret_access_key = m\n",
               0600);
    write_file(f.home, ".aws/config",
               "[profile member]\n"
               "role_arn = arn:aws:iam::123456789012:role/OrganizationAccountAccessRole\n"
               "source_profile = mgmt\n"
               "role_session_name = orgnuke\n"
               "duration_seconds = 1800\n"
               "external_id = ext-42\n",
               0600);
    setenv("AWS_PROFILE", "member", 1);
    push_assume_ok(f.r, 1);
    CHECK_OK(creds_resolve(&f.o, &c, &err), &err);
    CHECK_STR_EQ(c.access_key_id, "ASIAROLE1");
    CHECK_STR_EQ(c.secret_access_key, "rolesecret1");
    CHECK_STR_EQ(c.session_token, "roletoken1");
    CHECK_INT_EQ(c.expiration, 4099399200);
    CHECK_STR_EQ(c.source, "profile 'member' (role_arn, source_profile 'mgmt')");
    creds_release(&c);
    q = responder_request(f.r, 0);
    CHECK(q != NULL);
    CHECK_STR_EQ(form_value(q->body, "Action", v, sizeof(v)), "AssumeRole");
    CHECK_STR_EQ(form_value(q->body, "RoleArn", v, sizeof(v)),
                 "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FOrganizationAccountAccessRole");
    CHECK_STR_EQ(form_value(q->body, "RoleSessionName", v, sizeof(v)), "orgnuke");
    CHECK_STR_EQ(form_value(q->body, "DurationSeconds", v, sizeof(v)), "1800");
    CHECK_STR_EQ(form_value(q->body, "ExternalId", v, sizeof(v)), "ext-42");
    CHECK_OK(sigv4_parse_authorization(responder_header(q, "Authorization"), &auth, &err), &err);
    CHECK_STR_EQ(auth.access_key_id, "AKIAMGMT00000000001");
    CHECK_STR_EQ(auth.service, "sts");
    CHECK_STR_EQ(auth.region, "eu-west-1");
    role_done(&f);
}

TEST(assume_role_chain_and_environment_source)
{
    struct role_fx f;
    struct creds c;
    struct sbx_err err = { 0 };
    struct sigv4_auth auth;

    role_init(&f);
    write_file(f.home, ".aws/config",
               "[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = b\n"
               "[profile b]\nrole_arn = arn:aws:iam::222222222222:role/B\nsource_profile = c\n"
               "[profile c]\naws_access_key_id = AKIAC00000000000001\n"
               "aws_secret_access_key = csecret\n"
               "[profile envsrc]\nrole_arn = arn:aws:iam::333333333333:role/E\n"
               "credential_source = Environment\n"
               "[profile self]\nrole_arn = arn:aws:iam::444444444444:role/S\n"
               "source_profile = self\naws_access_key_id = AKIASELF00000000001\n"
               "aws_secret_access_key = selfsecret\n",
               0600);
    /* a -> b -> c: c's keys assume B, B's session assumes A. */
    setenv("AWS_PROFILE", "a", 1);
    push_assume_ok(f.r, 1);
    push_assume_ok(f.r, 2);
    CHECK_OK(creds_resolve(&f.o, &c, &err), &err);
    CHECK_STR_EQ(c.access_key_id, "ASIAROLE2");
    creds_release(&c);
    CHECK_OK(sigv4_parse_authorization(responder_header(responder_request(f.r, 0), "Authorization"),
                                       &auth, &err),
             &err);
    CHECK_STR_EQ(auth.access_key_id, "AKIAC00000000000001");
    CHECK_CONTAINS(responder_request(f.r, 0)->body, "role%2FB");
    CHECK_OK(sigv4_parse_authorization(responder_header(responder_request(f.r, 1), "Authorization"),
                                       &auth, &err),
             &err);
    CHECK_STR_EQ(auth.access_key_id, "ASIAROLE1");
    CHECK_STR_EQ(responder_header(responder_request(f.r, 1), "X-Amz-Security-Token"), "roletoken1");
    CHECK_CONTAINS(responder_request(f.r, 1)->body, "role%2FA");

    /* credential_source = Environment. */
    setenv("AWS_PROFILE", "envsrc", 1);
    CHECK_ERR(creds_resolve(&f.o, &c, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "credential_source Environment but AWS_ACCESS_KEY_ID is not set");

    /* A profile that names itself as source signs with its own static keys. */
    setenv("AWS_PROFILE", "self", 1);
    push_assume_ok(f.r, 3);
    CHECK_OK(creds_resolve(&f.o, &c, &err), &err);
    CHECK_STR_EQ(c.access_key_id, "ASIAROLE3");
    creds_release(&c);
    CHECK_OK(sigv4_parse_authorization(responder_header(responder_request(f.r, 2), "Authorization"),
                                       &auth, &err),
             &err);
    CHECK_STR_EQ(auth.access_key_id, "AKIASELF00000000001");
    role_done(&f);
}

TEST(assume_role_environment_source_and_errors)
{
    struct role_fx f;
    struct creds c;
    struct sbx_err err = { 0 };
    struct responder_script s = { 0 };

    role_init(&f);
    write_file(f.home, ".aws/config",
               "[profile envsrc]\nrole_arn = arn:aws:iam::333333333333:role/E\n"
               "credential_source = Environment\n"
               "[profile loop1]\nrole_arn = arn:aws:iam::111111111111:role/L1\n"
               "source_profile = loop2\n"
               "[profile loop2]\nrole_arn = arn:aws:iam::111111111111:role/L2\n"
               "source_profile = loop1\n"
               "[profile both]\nrole_arn = arn:aws:iam::111111111111:role/X\n"
               "source_profile = loop1\ncredential_source = Environment\n"
               "[profile dangling]\nrole_arn = arn:aws:iam::111111111111:role/X\n"
               "source_profile = nowhere\n"
               "[profile mfa]\nrole_arn = arn:aws:iam::111111111111:role/X\n"
               "credential_source = Environment\nmfa_serial = arn:aws:iam::1:mfa/me\n",
               0600);
    /* An explicit profile: environment keys are the role's source, not the answer. */
    f.o.profile = "envsrc";
    f.o.profile_explicit = true;
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV000000000001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    push_assume_ok(f.r, 7);
    CHECK_OK(creds_resolve(&f.o, &c, &err), &err);
    CHECK_STR_EQ(c.access_key_id, "ASIAROLE7");
    CHECK_STR_EQ(c.source, "profile 'envsrc' (role_arn, source: environment)");
    creds_release(&c);

    f.o.profile = "loop1";
    CHECK_ERR(creds_resolve(&f.o, &c, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "source_profile loop: loop1 -> loop2 -> loop1");
    f.o.profile = "both";
    CHECK_ERR(creds_resolve(&f.o, &c, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "exactly one of source_profile and credential_source");
    f.o.profile = "dangling";
    CHECK_ERR(creds_resolve(&f.o, &c, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "source_profile 'nowhere' does not exist");
    f.o.profile = "mfa";
    CHECK_ERR(creds_resolve(&f.o, &c, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "mfa_serial is not supported");

    /* STS refuses: the typed AWS error comes back with the profile named. */
    f.o.profile = "envsrc";
    s.status = 403;
    s.content_type = "text/xml";
    s.body = "<ErrorResponse><Error><Code>AccessDenied</Code><Message>not allowed</Message>"
             "</Error></ErrorResponse>";
    responder_push(f.r, &s);
    CHECK_ERR(creds_resolve(&f.o, &c, &err), &err, SBX_E_AWS);
    CHECK_INT_EQ(err.aws, SBX_AWS_ACCESS_DENIED);
    CHECK_CONTAINS(err.msg, "profile 'envsrc': cannot assume role "
                            "'arn:aws:iam::333333333333:role/E': AccessDenied: not allowed");
    /* Loops and bad profiles send nothing: two requests in all. */
    CHECK_INT_EQ(responder_count(f.r), 2);
    role_done(&f);
}

/* --- what the AWS CLI refuses ---------------------------------------------------------- */

/* A line the AWS CLI cannot parse makes the file an error naming the file and the line. */
TEST(malformed_shared_files_name_file_and_line)
{
    static const struct {
        const char *file, *text, *want;
    } cases[] = {
        { "config", "[default]\nregion = us-east-1\nthis line is junk\n",
          "/.aws/config' line 3: " },
        { "config", "# comment\n[profile x\n", "/.aws/config' line 2: " },
        { "config", "[default]\n= value\n", "/.aws/config' line 2: " },
        { "credentials", "aws_access_key_id = AKIA0000000000000000\n[default]\n",
          "/.aws/credentials' line 1: " },
        { "credentials", "[default]\naws_access_key_id = A\naws_secret_access_key\n",
          "/.aws/credentials' line 3: " },
    };
    char *home = setup();

    for (size_t i = 0; i < SBX_ARRAY_LEN(cases); i++) {
        struct creds c;
        struct sbx_err err = { 0 };
        char path[600], *v = NULL;

        snprintf(path, sizeof(path), "%s/.aws/config", home);
        unlink(path);
        snprintf(path, sizeof(path), "%s/.aws/credentials", home);
        unlink(path);
        setenv("AWS_ACCESS_KEY_ID", "AKIAENV0000000000000", 1);
        setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
        snprintf(path, sizeof(path), ".aws/%s", cases[i].file);
        write_file(home, path, cases[i].text, 0600);
        /* Environment keys win before any file is read, as in the AWS CLI. */
        CHECK_OK(resolve(NULL, &c, &err), &err);
        creds_release(&c);
        unsetenv("AWS_ACCESS_KEY_ID");
        unsetenv("AWS_SECRET_ACCESS_KEY");
        CHECK_ERR(resolve(NULL, &c, &err), &err, SBX_E_CREDS);
        CHECK_CONTAINS(err.msg, home);
        CHECK_CONTAINS(err.msg, cases[i].want);
        if (strcmp(cases[i].file, "config") == 0) {
            CHECK_ERR(creds_profile_setting("default", NULL, "region", &v, &err), &err,
                      SBX_E_CREDS);
            CHECK_CONTAINS(err.msg, cases[i].want);
        }
    }
    /* What the AWS CLI accepts still parses: ':' as separator, comments, continuation
     * lines, nested sub-properties, sections we do not read. */
    write_file(home, ".aws/credentials",
               "; comment\n\n[default]\naws_access_key_id: AKIACOLON00000000000\n"
               "aws_secret_access_key = s # inline\n[unused section with spaces]\nk = v\n",
               0600);
    write_file(home, ".aws/config",
               "[plugins]\ncli_legacy_plugin_path = /x\n[default]\nregion = eu-west-1\n"
               "s3 =\n  max_concurrent_requests = 20\nnote = a\n  continued\n",
               0600);
    {
        struct creds c;
        struct sbx_err err = { 0 };
        char *v = NULL;

        CHECK_OK(resolve(NULL, &c, &err), &err);
        CHECK_STR_EQ(c.access_key_id, "AKIACOLON00000000000");
        CHECK_STR_EQ(c.secret_access_key, "s");
        creds_release(&c);
        CHECK_OK(creds_profile_setting("default", NULL, "region", &v, &err), &err);
        CHECK_STR_EQ(v, "eu-west-1");
        free(v);
    }
    free(home);
}

/* Bytes after the JSON object are an error (the AWS CLI's json.loads refuses them). */
TEST(credential_process_trailing_bytes)
{
    static const char *const scripts[] = {
        "#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": "
        "\"s\"}garbage'\n",
        "#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": "
        "\"s\"}\\n{\"Version\": 1}\\n'\n",
        "#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": "
        "\"s\"}\\n\\0'\n",
    };
    char *home = setup();
    char conf[1024];
    struct creds c;
    struct sbx_err err = { 0 };

    snprintf(conf, sizeof(conf), "[default]\ncredential_process = %s/p.sh\n", home);
    write_file(home, ".aws/config", conf, 0600);
    for (size_t i = 0; i < SBX_ARRAY_LEN(scripts); i++) {
        write_file(home, "p.sh", scripts[i], 0755);
        CHECK_ERR(resolve(NULL, &c, &err), &err, SBX_E_CREDS);
        CHECK_CONTAINS(err.msg, "unexpected data after the JSON object");
    }
    /* Whitespace after it is fine. */
    write_file(home, "p.sh",
               "#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": \"A\", "
               "\"SecretAccessKey\": \"s\"} \\n\\n\\t \\r\\n'\n",
               0755);
    CHECK_OK(resolve(NULL, &c, &err), &err);
    CHECK_STR_EQ(c.access_key_id, "A");
    creds_release(&c);
    free(home);
}

/* Credentials that have already expired are refused wherever they come from, never used. */
TEST(expired_credentials_are_refused)
{
    char *home = setup();
    char conf[1024];
    struct creds c;
    struct sbx_err err = { 0 };

    snprintf(conf, sizeof(conf), "[default]\ncredential_process = %s/p.sh\n", home);
    write_file(home, ".aws/config", conf, 0600);
    write_file(home, "p.sh",
               "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"ASIAOLD\", "
               "\"SecretAccessKey\": \"s\", \"SessionToken\": \"t\", "
               "\"Expiration\": \"2001-01-01T00:00:00Z\"}'\n",
               0755);
    CHECK_ERR(resolve(NULL, &c, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "profile 'default': credential_process '");
    CHECK_CONTAINS(err.msg, "expired at 2001-01-01T00:00:00Z");
    CHECK(c.access_key_id == NULL);

    setenv("AWS_ACCESS_KEY_ID", "ASIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
    setenv("AWS_SESSION_TOKEN", "t", 1);
    setenv("AWS_CREDENTIAL_EXPIRATION", "2001-01-01T00:00:00Z", 1);
    CHECK_ERR(resolve(NULL, &c, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "environment");
    CHECK_CONTAINS(err.msg, "expired at 2001-01-01T00:00:00Z");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_CREDENTIAL_EXPIRATION");
    free(home);
}

/* STS answering with credentials already expired (a skewed or replaying endpoint): refused. */
TEST(expired_assumed_role_credentials_are_refused)
{
    struct role_fx f;
    struct responder_script s = { 0 };
    struct creds c;
    struct sbx_err err = { 0 };

    role_init(&f);
    write_file(f.home, ".aws/credentials",
               "[mgmt]\naws_access_key_id = AKIAMGMT00000000001\naws_secret_access_key = m\n",
               0600);
    write_file(f.home, ".aws/config",
               "[profile member]\nrole_arn = arn:aws:iam::123456789012:role/R\n"
               "source_profile = mgmt\n",
               0600);
    f.o.profile = "member";
    s.status = 200;
    s.content_type = "text/xml";
    s.body = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAOLD"
             "</AccessKeyId><SecretAccessKey>x</SecretAccessKey><SessionToken>t"
             "</SessionToken><Expiration>2001-01-01T00:00:00Z</Expiration></Credentials>"
             "</AssumeRoleResult></AssumeRoleResponse>";
    responder_push(f.r, &s);
    CHECK_ERR(creds_resolve(&f.o, &c, &err), &err, SBX_E_CREDS);
    CHECK_CONTAINS(err.msg, "profile 'member'");
    CHECK_CONTAINS(err.msg, "expired at 2001-01-01T00:00:00Z");
    CHECK(c.access_key_id == NULL);
    role_done(&f);
}
