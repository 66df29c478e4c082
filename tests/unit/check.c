/* check.c -- runs one registered unit-test case by name (see check.h). */
#include "check.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/orgs.h"
#include "cfg.h"
#include "cli/cmd.h"
#include "engine/engine.h"
#include "sim/sim.h"
#include "store/store.h"

struct check_case {
    const char *name;
    check_fn fn;
};

static struct check_case cases[512];
static size_t ncases;
int check_argc;
char **check_argv;

void
check_register(const char *name, check_fn fn)
{
    if (ncases == SBX_ARRAY_LEN(cases)) {
        fprintf(stderr, "check: too many cases\n");
        exit(2);
    }
    cases[ncases].name = name;
    cases[ncases].fn = fn;
    ncases++;
}

char *
check_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;

    if (f == NULL) {
        fprintf(stderr, "check: cannot open '%s'\n", path);
        exit(1);
    }
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap == 0 ? 8192 : cap * 2;
            buf = realloc(buf, cap);
            if (buf == NULL)
                exit(1);
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

char *
check_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];

    snprintf(tmpl, sizeof(tmpl), "%s/sbx-unit-XXXXXX", base != NULL ? base : "/tmp");
    if (mkdtemp(tmpl) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    return strdup(tmpl);
}

/* Every variable of the host's that would steer an AWS client: keys, profiles, shared files,
 * endpoints, retries, region, CA bundle, FIPS and proxies. */
static const char *const aws_env[] = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_ORGANIZATIONS",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_COST_EXPLORER",
    "AWS_ENDPOINT_URL_BUDGETS",
    "AWS_ENDPOINT_URL_SSO_ADMIN",
    "AWS_ENDPOINT_URL_IDENTITYSTORE",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_MAX_ATTEMPTS",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CA_BUNDLE",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_STS_REGIONAL_ENDPOINTS",
    "http_proxy",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
};

/* No AWS setting of the host's; HOME is home, and akid/secret (NULL: none) the keys. */
static void
set_aws_env(const char *home, const char *akid, const char *secret)
{
    for (size_t i = 0; i < sizeof(aws_env) / sizeof(aws_env[0]); i++)
        unsetenv(aws_env[i]);
    setenv("HOME", home, 1);
    if (akid != NULL) {
        setenv("AWS_ACCESS_KEY_ID", akid, 1);
        setenv("AWS_SECRET_ACCESS_KEY", secret, 1);
    }
}

char *
check_aws_home(const char *akid, const char *secret)
{
    char *home = check_tmpdir();

    set_aws_env(home, akid, secret);
    return home;
}

void
check_aws_env(const char *home)
{
    set_aws_env(home, CHECK_SIM_KEY, CHECK_SIM_SECRET);
    setenv("AWS_CONFIG_FILE", "/dev/null", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null", 1);
}

char *
check_strdup(const char *s)
{
    char *p = strdup(s);

    CHECK(p != NULL);
    return p;
}

void
check_sim_open(struct check_fx *f, struct sim_opts *so)
{
    struct sbx_err err = { 0 };
    char path[4096];

    memset(f, 0, sizeof(*f));
    f->dir = check_tmpdir();
    check_aws_env(f->dir);
    so->access_key_id = CHECK_SIM_KEY;
    so->secret_access_key = CHECK_SIM_SECRET;
    CHECK_OK(sim_new(so, &f->sim, &err), &err);
    CHECK_OK(sim_server_start(f->sim, NULL, "127.0.0.1:0", NULL, NULL, &f->srv, &err), &err);
    CHECK_OK(cfg_defaults(&f->cfg, &err), &err);
    snprintf(path, sizeof(path), "http://127.0.0.1:%d", sim_server_port(f->srv));
    free(f->cfg->aws.endpoint);
    f->cfg->aws.endpoint = check_strdup(path);
    snprintf(path, sizeof(path), "%s/hooks", f->dir);
    CHECK(mkdir(path, 0700) == 0);
    free(f->cfg->hooks.dir);
    f->cfg->hooks.dir = check_strdup(path);
}

void
check_engine_open(struct check_fx *f, double start)
{
    struct engine_opts eo = { 0 };
    struct orgs_opts oo;
    struct sbx_err err = { 0 };
    char path[4096];

    snprintf(path, sizeof(path), "%s/store.db", f->dir);
    CHECK_OK(store_open(path, STORE_CREATE, &f->store, &err), &err);
    if (start != 0)
        clock_init_fixed(&f->clock, start);
    else
        clock_init_real(&f->clock);
    f->cfg->aws.follow_sim_clock = start == 0;
    cmd_orgs_opts(f->cfg, &oo);
    CHECK_OK(orgs_new(&oo, &f->clock, &f->orgs, &err), &err);
    if (start == 0)
        CHECK_OK(orgs_sim_clock(f->orgs, &f->clock, &err), &err);
    eo.cfg = f->cfg;
    eo.store = f->store;
    eo.orgs = f->orgs;
    eo.clock = &f->clock;
    eo.actor = "test";
    eo.dry_run = f->dry_run;
    CHECK_OK(engine_new(&eo, &f->e, &err), &err);
}

void
check_fx_close(struct check_fx *f)
{
    engine_free(f->e);
    orgs_free(f->orgs);
    store_close(f->store);
    cfg_free(f->cfg);
    sim_server_stop(f->srv);
    sim_free(f->sim);
    free(f->dir);
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        for (size_t i = 0; i < ncases; i++)
            printf("%s\n", cases[i].name);
        return 0;
    }
    check_argc = argc;
    check_argv = argv;
    for (size_t i = 0; i < ncases; i++) {
        if (strcmp(cases[i].name, argv[1]) == 0) {
            cases[i].fn();
            return 0;
        }
    }
    fprintf(stderr, "check: no test case '%s'\n", argv[1]);
    return 2;
}

int
check_stderr_begin(const char *path)
{
    int saved, fd;

    fflush(stderr);
    saved = dup(STDERR_FILENO);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (saved < 0 || fd < 0 || dup2(fd, STDERR_FILENO) < 0) {
        perror("check_stderr_begin");
        exit(1);
    }
    close(fd);
    return saved;
}

char *
check_stderr_end(const char *path, int saved)
{
    fflush(stderr);
    if (dup2(saved, STDERR_FILENO) < 0) {
        perror("check_stderr_end");
        exit(1);
    }
    close(saved);
    return check_read_file(path, NULL);
}
