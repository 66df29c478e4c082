/*
 * test_cfg.c -- the config loader: both example files in config/, defaults, relative paths,
 * and one case per error class, each asserting that the message names file, line and key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "check.h"

/* $SBX_SOURCE_DIR/config/<name>, in a static buffer. */
static const char *
example(const char *name)
{
    static char path[4096];
    const char *src = getenv("SBX_SOURCE_DIR");

    if (src == NULL)
        CHECK_FAIL("SBX_SOURCE_DIR is not set");
    if (snprintf(path, sizeof(path), "%s/config/%s", src, name) >= (int)sizeof(path))
        CHECK_FAIL("path too long");
    return path;
}

/* Writes text to DIR/name (a fresh temp dir when dir is NULL); returns the path (heap). */
static char *
write_file(const char *dir, const char *name, const char *text)
{
    char *tmp = dir == NULL ? check_tmpdir() : NULL;
    size_t n = strlen(dir != NULL ? dir : tmp) + strlen(name) + 2;
    char *path = malloc(n);
    FILE *f;

    CHECK(path != NULL);
    snprintf(path, n, "%s/%s", dir != NULL ? dir : tmp, name);
    free(tmp);
    f = fopen(path, "w");
    CHECK(f != NULL);
    CHECK(fputs(text, f) >= 0);
    CHECK(fclose(f) == 0);
    return path;
}

/* The directory part of path, in a static buffer. */
static const char *
dir_of(const char *path)
{
    static char dir[4096];
    const char *slash = strrchr(path, '/');

    CHECK(slash != NULL && (size_t)(slash - path) < sizeof(dir));
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
    return dir;
}

static const char *
joined(const char *dir, const char *name)
{
    static char buf[4096];

    snprintf(buf, sizeof(buf), "%s/%s", dir, name);
    return buf;
}

/*
 * Loads text from a temp file and expects failure with a message that starts with
 * "PATH:LINE: " and contains needle.
 */
static void
expect_error(const char *text, int line, const char *needle)
{
    struct sbx_config *cfg = NULL;
    struct sbx_err err = { 0 };
    char *path = write_file(NULL, "bad.cfg", text);
    char prefix[4200];

    if (cfg_load(path, &cfg, &err) == 0)
        CHECK_FAIL("config loaded, expected an error containing \"%s\":\n%s", needle, text);
    CHECK(cfg == NULL);
    CHECK_INT_EQ(err.code, SBX_E_CONFIG);
    snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
        CHECK_FAIL("message \"%s\" does not start with \"%s\"", err.msg, prefix);
    CHECK_CONTAINS(err.msg, needle);
    free(path);
}

static void
check_all_hooks(const struct cfg_kind *k)
{
    for (int ev = 0; ev < CFG_HOOK_EVENT_COUNT; ev++)
        CHECK(k->hooks[ev]);
}

/* hooks.pass_credentials when not set: the pre-close hooks only. */
static void
check_pass_credentials_default(const struct sbx_config *cfg)
{
    for (int ev = 0; ev < CFG_HOOK_EVENT_COUNT; ev++)
        CHECK(cfg->hooks.pass_credentials[ev] == (ev == CFG_HOOK_PRE_CLOSE));
}

TEST(loads_production_example)
{
    struct sbx_config *cfg = NULL;
    struct sbx_err err = { 0 };
    const struct cfg_kind *k;

    CHECK_OK(cfg_load(example("sandboxctl.cfg"), &cfg, &err), &err);
    CHECK(cfg->path != NULL && cfg->path[0] == '/');
    CHECK_CONTAINS(cfg->path, "/config/sandboxctl.cfg");
    CHECK_STR_EQ(cfg->store, "/var/lib/sandboxctl/sandboxctl.db");
    CHECK_STR_EQ(cfg->aws.profile, "org-management");
    CHECK_STR_EQ(cfg->aws.region, "us-east-1");
    CHECK(cfg->aws.endpoint == NULL && cfg->aws.sts_endpoint == NULL);
    CHECK_INT_EQ(cfg->aws.max_attempts, 6);
    CHECK_INT_EQ(cfg->aws.connect_timeout, 10);
    CHECK_INT_EQ(cfg->aws.request_timeout, 60);
    CHECK_STR_EQ(cfg->aws.access_role, "OrganizationAccountAccessRole");
    CHECK(!cfg->aws.follow_sim_clock);

    CHECK_STR_EQ(cfg->org.email_template, "aws-sandbox+{kind}-{owner}-{seq}@corp.example");
    CHECK_STR_EQ(cfg->org.name_template, "sbx-{kind}-{owner}-{seq}");
    CHECK_STR_EQ(cfg->org.owner_domain, "corp.example");
    CHECK_INT_EQ(cfg->org.nprotected_tags, 2);
    CHECK_STR_EQ(cfg->org.protected_tags[0].key, "AccountType");
    CHECK_STR_EQ(cfg->org.protected_tags[0].value, "Critical");
    CHECK_STR_EQ(cfg->org.protected_tags[1].key, "sandboxctl:protect");
    CHECK_STR_EQ(cfg->org.protected_tags[1].value, "true");
    CHECK_INT_EQ(cfg->org.nprotected_accounts, 1);
    CHECK_STR_EQ(cfg->org.protected_accounts[0], "111111111111");
    CHECK_STR_EQ(cfg->org.close_wait_ou, "Sandboxes/PendingClose");

    CHECK_INT_EQ(cfg->limits.account_limit, 200);
    CHECK(cfg->limits.create_rate == 0.1 && cfg->limits.close_rate == 0.05);
    CHECK_INT_EQ(cfg->limits.create_burst, 3);
    CHECK_INT_EQ(cfg->limits.create_in_progress, 5);
    CHECK_INT_EQ(cfg->limits.close_burst, 1);
    CHECK_INT_EQ(cfg->limits.close_in_flight, 3);
    CHECK_INT_EQ(cfg->limits.close_quota, 0);
    CHECK_INT_EQ(cfg->limits.close_quota_min, 250);
    CHECK_INT_EQ(cfg->limits.close_quota_pct, 20);
    CHECK_INT_EQ(cfg->limits.close_quota_max, 1000);
    CHECK(cfg->limits.describe_rate == 2 && cfg->limits.move_rate == 2);
    CHECK(cfg->limits.tag_rate == 4);
    CHECK_INT_EQ(cfg->limits.create_stuck, 600);

    CHECK_STR_EQ(cfg->hooks.dir, "/etc/sandboxctl/hooks");
    CHECK_STR_EQ(cfg->hooks.log_dir, "/var/lib/sandboxctl/hook-logs");
    CHECK_INT_EQ(cfg->hooks.timeout, 3600);
    CHECK_INT_EQ(cfg->hooks.parallel, 4);
    CHECK_INT_EQ(cfg->hooks.max_attempts, 3);
    CHECK_INT_EQ(cfg->hooks.retry_backoff, 300);
    CHECK(cfg->hooks.pass_credentials[CFG_HOOK_PRE_CLOSE]);
    CHECK(!cfg->hooks.pass_credentials[CFG_HOOK_POST_CREATE]);
    CHECK(!cfg->hooks.pass_credentials[CFG_HOOK_EXPIRY_WARNING]);
    CHECK(!cfg->hooks.pass_credentials[CFG_HOOK_POST_CLOSE]);
    CHECK_STR_EQ(cfg->hooks.nuke_regions, "global,us-east-1,eu-west-1");
    CHECK(cfg->hooks.webhook_url == NULL); /* "" means unset */
    CHECK(cfg->hooks.nuke_config_dir == NULL && cfg->hooks.mail_from == NULL);

    /* no sim group: simulator defaults */
    CHECK_STR_EQ(cfg->sim.listen, "127.0.0.1:4566");
    CHECK_STR_EQ(cfg->sim.access_key_id, "AKIASANDBOXCTLSIM01");
    CHECK(cfg->sim.throttle);

    CHECK_INT_EQ(cfg->nkinds, 3);
    k = cfg_kind_find(cfg, "developer");
    CHECK(k != NULL && k == &cfg->kinds[0]);
    CHECK_INT_EQ(k->default_ttl, 0);
    CHECK_INT_EQ(k->max_ttl, 0);
    CHECK_STR_EQ(k->ou, "Sandboxes/Developers");
    CHECK_INT_EQ(k->max_per_owner, 1);
    CHECK_INT_EQ(k->nwarn, 2);
    CHECK_INT_EQ(k->warn[0], 7 * 86400);
    CHECK_INT_EQ(k->warn[1], 86400);
    CHECK_INT_EQ(k->ntags, 1);
    CHECK_STR_EQ(k->tags[0].key, "CostCenter");
    CHECK_STR_EQ(k->tags[0].value, "engineering");
    check_all_hooks(k);
    CHECK(k->email_template == NULL && k->name_template == NULL);
    k = cfg_kind_find(cfg, "training");
    CHECK(k != NULL);
    CHECK_INT_EQ(k->default_ttl, 3 * 86400);
    CHECK_INT_EQ(k->max_ttl, 14 * 86400);
    CHECK_STR_EQ(k->ou, "Sandboxes/Training");
    CHECK_INT_EQ(k->nwarn, 2);
    CHECK_INT_EQ(k->warn[0], 86400);
    CHECK_INT_EQ(k->warn[1], 7200);
    CHECK_STR_EQ(k->tags[0].value, "training");
    k = cfg_kind_find(cfg, "demo");
    CHECK(k != NULL);
    CHECK_INT_EQ(k->default_ttl, 8 * 3600);
    CHECK_INT_EQ(k->max_ttl, 3 * 86400);
    CHECK_INT_EQ(k->max_per_owner, 3);
    CHECK_INT_EQ(k->nwarn, 1);
    CHECK_INT_EQ(k->warn[0], 3600);
    CHECK_INT_EQ(k->ntags, 0);
    check_all_hooks(k);
    CHECK(cfg_kind_find(cfg, "Demo") == NULL);
    CHECK(cfg_kind_find(cfg, "lab") == NULL);
    cfg_free(cfg);
}

TEST(loads_simulator_example)
{
    struct sbx_config *cfg = NULL;
    struct sbx_err err = { 0 };
    const struct cfg_kind *k;
    char *dir;

    CHECK_OK(cfg_load(example("sandboxctl-sim.cfg"), &cfg, &err), &err);
    dir = strdup(dir_of(cfg->path));
    CHECK(dir != NULL && dir[0] == '/');
    /* relative paths are resolved against the config file's directory */
    CHECK_STR_EQ(cfg->store, joined(dir, "sandboxctl-sim.db"));
    CHECK_STR_EQ(cfg->hooks.dir, joined(dir, "hooks"));
    CHECK_STR_EQ(cfg->hooks.log_dir, joined(dir, "hook-logs"));
    CHECK(cfg->sim.state == NULL);

    CHECK_STR_EQ(cfg->aws.endpoint, "http://127.0.0.1:4566");
    CHECK_STR_EQ(cfg->aws.region, "us-east-1");
    CHECK(cfg->aws.profile == NULL);
    CHECK_INT_EQ(cfg->aws.max_attempts, 8);
    CHECK_INT_EQ(cfg->aws.connect_timeout, 5);
    CHECK_INT_EQ(cfg->aws.request_timeout, 30);
    CHECK(cfg->aws.follow_sim_clock);
    CHECK_STR_EQ(cfg->aws.access_role, "OrganizationAccountAccessRole");

    CHECK_STR_EQ(cfg->org.email_template, "sandbox+{kind}-{owner}-{seq}@example.com");
    CHECK_INT_EQ(cfg->org.nprotected_tags, 1);
    CHECK_INT_EQ(cfg->org.nprotected_accounts, 0);
    CHECK(cfg->org.owner_domain == NULL && cfg->org.close_wait_ou == NULL);
    CHECK_INT_EQ(cfg->limits.account_limit, 100);
    CHECK(cfg->limits.create_rate == 0.1); /* default */

    CHECK_INT_EQ(cfg->hooks.timeout, 300);
    CHECK_INT_EQ(cfg->hooks.retry_backoff, 60);
    check_pass_credentials_default(cfg);

    CHECK_STR_EQ(cfg->sim.listen, "127.0.0.1:4566");
    CHECK_STR_EQ(cfg->sim.access_key_id, "AKIASANDBOXCTLSIM01");
    CHECK_STR_EQ(cfg->sim.secret_access_key, "sandboxctl-simulator-secret-key-not-for-aws");
    CHECK(cfg->sim.time_scale == 1.0);
    CHECK_INT_EQ(cfg->sim.create_latency, 60);
    CHECK_INT_EQ(cfg->sim.close_latency, 300);
    CHECK_INT_EQ(cfg->sim.account_limit, 100);
    CHECK_INT_EQ(cfg->sim.seed, 1);
    CHECK(cfg->sim.throttle);

    CHECK_INT_EQ(cfg->nkinds, 3);
    k = cfg_kind_find(cfg, "developer");
    CHECK(k != NULL && k->default_ttl == 0 && k->max_per_owner == 1);
    CHECK_INT_EQ(k->nwarn, 1);
    CHECK_INT_EQ(k->warn[0], 86400);
    k = cfg_kind_find(cfg, "training");
    CHECK(k != NULL && k->default_ttl == 3 * 86400 && k->max_ttl == 14 * 86400);
    k = cfg_kind_find(cfg, "demo");
    CHECK(k != NULL && k->default_ttl == 8 * 3600 && k->max_ttl == 3 * 86400);
    CHECK_STR_EQ(k->ou, "Sandboxes/Demos");
    check_all_hooks(k);
    free(dir);
    cfg_free(cfg);
}

static void
check_default_kinds(const struct sbx_config *cfg)
{
    const struct cfg_kind *k;

    CHECK_INT_EQ(cfg->nkinds, 3);
    k = cfg_kind_find(cfg, "developer");
    CHECK(k != NULL);
    CHECK_INT_EQ(k->default_ttl, 0);
    CHECK_INT_EQ(k->max_ttl, 0);
    CHECK_STR_EQ(k->ou, "Sandboxes/Developers");
    CHECK_INT_EQ(k->max_per_owner, 1);
    CHECK_INT_EQ(k->nwarn, 1);
    CHECK_INT_EQ(k->warn[0], 86400);
    check_all_hooks(k);
    k = cfg_kind_find(cfg, "training");
    CHECK(k != NULL);
    CHECK_INT_EQ(k->default_ttl, 3 * 86400);
    CHECK_INT_EQ(k->max_ttl, 14 * 86400);
    CHECK_STR_EQ(k->ou, "Sandboxes/Training");
    CHECK_INT_EQ(k->max_per_owner, 0);
    CHECK_INT_EQ(k->nwarn, 2);
    CHECK_INT_EQ(k->warn[0], 86400);
    CHECK_INT_EQ(k->warn[1], 7200);
    k = cfg_kind_find(cfg, "demo");
    CHECK(k != NULL);
    CHECK_INT_EQ(k->default_ttl, 8 * 3600);
    CHECK_INT_EQ(k->max_ttl, 3 * 86400);
    CHECK_STR_EQ(k->ou, "Sandboxes/Demos");
    CHECK_INT_EQ(k->nwarn, 1);
    CHECK_INT_EQ(k->warn[0], 3600);
}

TEST(defaults)
{
    struct sbx_config *cfg = NULL;
    struct sbx_err err = { 0 };

    CHECK_OK(cfg_defaults(&cfg, &err), &err);
    CHECK(cfg->path == NULL);
    CHECK_STR_EQ(cfg->store, "/var/lib/sandboxctl/sandboxctl.db");
    CHECK_INT_EQ(cfg->aws.max_attempts, 5);
    CHECK_INT_EQ(cfg->aws.connect_timeout, 10);
    CHECK_INT_EQ(cfg->aws.request_timeout, 60);
    CHECK_STR_EQ(cfg->aws.access_role, "OrganizationAccountAccessRole");
    CHECK(cfg->aws.profile == NULL && cfg->aws.region == NULL && cfg->aws.endpoint == NULL);
    CHECK_STR_EQ(cfg->org.email_template, "sandbox+{kind}-{owner}-{seq}@example.com");
    CHECK_STR_EQ(cfg->org.name_template, "sbx-{kind}-{owner}-{seq}");
    CHECK(cfg->limits.create_rate == 0.1);
    CHECK_INT_EQ(cfg->limits.create_burst, 3);
    CHECK_INT_EQ(cfg->limits.create_in_progress, 5);
    CHECK(cfg->limits.close_rate == 0.05);
    CHECK_INT_EQ(cfg->limits.close_burst, 1);
    CHECK_INT_EQ(cfg->limits.close_in_flight, 3);
    CHECK_INT_EQ(cfg->limits.close_quota, 0);
    CHECK_INT_EQ(cfg->limits.close_quota_min, 250);
    CHECK_INT_EQ(cfg->limits.close_quota_pct, 20);
    CHECK_INT_EQ(cfg->limits.close_quota_max, 1000);
    CHECK(cfg->limits.describe_rate == 2 && cfg->limits.move_rate == 2 &&
          cfg->limits.tag_rate == 4);
    CHECK_INT_EQ(cfg->limits.account_limit, 10);
    CHECK_INT_EQ(cfg->limits.create_stuck, 600);
    CHECK_STR_EQ(cfg->hooks.dir, "/etc/sandboxctl/hooks");
    CHECK_STR_EQ(cfg->hooks.log_dir, "/var/lib/sandboxctl/hook-logs");
    CHECK_INT_EQ(cfg->hooks.timeout, 3600);
    CHECK_INT_EQ(cfg->hooks.parallel, 4);
    CHECK_INT_EQ(cfg->hooks.max_attempts, 3);
    CHECK_INT_EQ(cfg->hooks.retry_backoff, 300);
    CHECK_STR_EQ(cfg->hooks.nuke_regions, "all");
    check_pass_credentials_default(cfg);
    CHECK_STR_EQ(cfg->sim.listen, "127.0.0.1:4566");
    CHECK_STR_EQ(cfg->sim.access_key_id, "AKIASANDBOXCTLSIM01");
    CHECK_STR_EQ(cfg->sim.secret_access_key, "sandboxctl-simulator-secret-key-not-for-aws");
    CHECK(cfg->sim.time_scale == 1);
    CHECK_INT_EQ(cfg->sim.create_latency, 60);
    CHECK_INT_EQ(cfg->sim.close_latency, 300);
    CHECK_INT_EQ(cfg->sim.account_limit, 10);
    CHECK_INT_EQ(cfg->sim.seed, 1);
    CHECK(cfg->sim.throttle);
    CHECK(cfg->sim.state == NULL);
    check_default_kinds(cfg);
    cfg_free(cfg);
    cfg_free(NULL);
}

TEST(file_without_kinds_gets_default_kinds)
{
    struct sbx_config *cfg = NULL;
    struct sbx_err err = { 0 };
    char *path = write_file(NULL, "min.cfg", "# nothing but a comment\n");

    CHECK_OK(cfg_load(path, &cfg, &err), &err);
    CHECK_STR_EQ(cfg->path, path);
    check_default_kinds(cfg);
    CHECK_STR_EQ(cfg->store, "/var/lib/sandboxctl/sandboxctl.db");
    cfg_free(cfg);
    free(path);
}

TEST(file_with_kinds_defines_exactly_its_kinds)
{
    struct sbx_config *cfg = NULL;
    struct sbx_err err = { 0 };
    const struct cfg_kind *k;
    char *path = write_file(NULL, "k.cfg",
                            "kinds = {\n"
                            "  lab_2 = {\n"
                            "    ttl = \"2h\"; max_ttl = \"1d\";\n"
                            "    warn = [ \"30m\", \"2h\", \"1h\" ];\n"
                            "    tags = [ \"Team=Data Science\", \"Expr=a=b\", \"Empty=\" ];\n"
                            "    hooks = [ \"pre-close\", \"post-create\" ];\n"
                            "    ou = \"\";\n"
                            "    email_template = \"lab+{class}-{seat}-{rand}@corp.example\";\n"
                            "    name_template = \"lab-{class}-{seat}\";\n"
                            "  };\n"
                            "};\n");

    CHECK_OK(cfg_load(path, &cfg, &err), &err);
    CHECK_INT_EQ(cfg->nkinds, 1);
    CHECK(cfg_kind_find(cfg, "developer") == NULL);
    k = cfg_kind_find(cfg, "lab_2");
    CHECK(k != NULL);
    CHECK_INT_EQ(k->default_ttl, 7200);
    CHECK_INT_EQ(k->max_ttl, 86400);
    CHECK_INT_EQ(k->nwarn, 3); /* sorted, largest first */
    CHECK_INT_EQ(k->warn[0], 7200);
    CHECK_INT_EQ(k->warn[1], 3600);
    CHECK_INT_EQ(k->warn[2], 1800);
    CHECK_INT_EQ(k->ntags, 3);
    CHECK_STR_EQ(k->tags[0].key, "Team");
    CHECK_STR_EQ(k->tags[0].value, "Data Science");
    CHECK_STR_EQ(k->tags[1].key, "Expr");
    CHECK_STR_EQ(k->tags[1].value, "a=b"); /* split at the first '=' */
    CHECK_STR_EQ(k->tags[2].value, "");
    CHECK(k->hooks[CFG_HOOK_PRE_CLOSE] && k->hooks[CFG_HOOK_POST_CREATE]);
    CHECK(!k->hooks[CFG_HOOK_EXPIRY_WARNING] && !k->hooks[CFG_HOOK_POST_CLOSE]);
    CHECK_STR_EQ(k->ou, "");
    CHECK_STR_EQ(k->email_template, "lab+{class}-{seat}-{rand}@corp.example");
    CHECK_STR_EQ(k->name_template, "lab-{class}-{seat}");
    CHECK_INT_EQ(k->max_per_owner, 0);
    cfg_free(cfg);
    free(path);

    /* an empty hooks list runs none; a kind without hooks runs all */
    path = write_file(NULL, "k.cfg", "kinds = { a = { hooks = [ ]; }; b = { }; };\n");
    CHECK_OK(cfg_load(path, &cfg, &err), &err);
    CHECK_INT_EQ(cfg->nkinds, 2);
    for (int ev = 0; ev < CFG_HOOK_EVENT_COUNT; ev++)
        CHECK(!cfg->kinds[0].hooks[ev]);
    check_all_hooks(&cfg->kinds[1]);
    CHECK_STR_EQ(cfg->kinds[1].ou, "");
    cfg_free(cfg);
    free(path);
}

/* A kind's warm pool is a nested group: pool = { size; ou; }; its keys are checked like any. */
TEST(kind_pool_group)
{
    struct sbx_config *cfg = NULL;
    struct sbx_err err = { 0 };
    char *path = write_file(NULL, "p.cfg",
                            "limits = { pool_reserve = 7; };\n"
                            "kinds = {\n"
                            "  demo = { ou = \"Sandboxes/Demos\";\n"
                            "           pool = { size = 3; ou = \"Sandboxes/Warm\"; }; };\n"
                            "  lab = { pool = { size = 1; }; };\n"
                            "  dev = { };\n"
                            "};\n");

    CHECK_OK(cfg_load(path, &cfg, &err), &err);
    CHECK_INT_EQ(cfg->limits.pool_reserve, 7);
    CHECK_INT_EQ(cfg_kind_find(cfg, "demo")->pool_size, 3);
    CHECK_STR_EQ(cfg_kind_find(cfg, "demo")->pool_ou, "Sandboxes/Warm");
    CHECK_INT_EQ(cfg_kind_find(cfg, "lab")->pool_size, 1);
    CHECK_STR_EQ(cfg_kind_find(cfg, "lab")->pool_ou, "Sandboxes/Pool");
    CHECK_INT_EQ(cfg_kind_find(cfg, "dev")->pool_size, 0);
    cfg_free(cfg);
    free(path);
    expect_error("kinds = {\n  demo = {\n    pool = { size = 2; sise = 3; };\n  };\n};\n", 3,
                 "unknown key 'kinds.demo.pool.sise'");
    expect_error("kinds = {\n  demo = {\n    pool = { size = -1; };\n  };\n};\n", 3,
                 "kinds.demo.pool.size");
    expect_error("kinds = {\n  demo = {\n    pool = { ou = \"\"; };\n  };\n};\n", 3,
                 "kinds.demo.pool.ou");
    expect_error("kinds = {\n  demo = {\n    pool = 3;\n  };\n};\n", 3, "kinds.demo.pool");
}

/* A kind's budget: money in cents, thresholds sorted, names parsed; every mistake named. */
TEST(kind_budget_group)
{
    struct sbx_config *cfg = NULL;
    struct sbx_err err = { 0 };
    const struct cfg_kind *k;
    char *path =
            write_file(NULL, "b.cfg",
                       "budget = { check_interval = \"12h\"; };\n"
                       "kinds = {\n"
                       "  demo = { budget = { limit = \"50 USD\"; warn = [ 80, 50 ];\n"
                       "                      period = \"monthly\"; at_limit = \"freeze\"; }; };\n"
                       "  lab = { budget = { limit = \"12.5USD\"; at_limit = \"close\"; }; };\n"
                       "  dev = { };\n"
                       "};\n");

    CHECK_OK(cfg_load(path, &cfg, &err), &err);
    CHECK_INT_EQ(cfg->budget.check_interval, 12 * 3600);
    k = cfg_kind_find(cfg, "demo");
    CHECK_INT_EQ(k->budget.limit, 5000);
    CHECK_INT_EQ(k->budget.nwarn, 2);
    CHECK_INT_EQ(k->budget.warn[0], 50);
    CHECK_INT_EQ(k->budget.warn[1], 80);
    CHECK_INT_EQ(k->budget.period, CFG_BUDGET_MONTHLY);
    CHECK_INT_EQ(k->budget.at_limit, CFG_AT_LIMIT_FREEZE);
    k = cfg_kind_find(cfg, "lab");
    CHECK_INT_EQ(k->budget.limit, 1250);
    CHECK_INT_EQ(k->budget.period, CFG_BUDGET_LEASE);
    CHECK_INT_EQ(k->budget.at_limit, CFG_AT_LIMIT_CLOSE);
    k = cfg_kind_find(cfg, "dev");
    CHECK_INT_EQ(k->budget.limit, 0);
    CHECK_INT_EQ(k->budget.at_limit, CFG_AT_LIMIT_NOTIFY);
    cfg_free(cfg);
    free(path);
    CHECK_OK(cfg_defaults(&cfg, &err), &err);
    CHECK_INT_EQ(cfg->budget.check_interval, 6 * 3600);
    cfg_free(cfg);
    expect_error("kinds = {\n  demo = {\n    budget = { limit = 50.0; };\n  };\n};\n", 3,
                 "kinds.demo.budget.limit': must be an amount string");
    expect_error("kinds = {\n  demo = {\n    budget = { limit = \"50 EUR\"; };\n  };\n};\n", 3,
                 "unknown currency \"EUR\"");
    expect_error("kinds = {\n  demo = {\n    budget = { limit = \"50\"; };\n  };\n};\n", 3,
                 "has no currency");
    expect_error("kinds = {\n  demo = {\n    budget = { limit = \"1.234 USD\"; };\n  };\n};\n", 3,
                 "more than two decimals");
    expect_error("kinds = {\n  demo = {\n    budget = { limit = \"0 USD\"; };\n  };\n};\n", 3,
                 "must be more than 0 USD");
    expect_error("kinds = {\n  demo = {\n    budget = { limit = \"5 USD\"; period = \"week\"; };\n"
                 "  };\n};\n",
                 3, "kinds.demo.budget.period': must be \"lease\"");
    expect_error(
            "kinds = {\n  demo = {\n    budget = { limit = \"5 USD\"; at_limit = \"stop\"; };\n"
            "  };\n};\n",
            3, "kinds.demo.budget.at_limit': must be \"notify\", \"freeze\" or \"close\"");
    expect_error("kinds = {\n  demo = {\n    budget = { limit = \"5 USD\"; warn = [ 50, 50 ]; };\n"
                 "  };\n};\n",
                 3, "duplicate warning threshold 50%");
    expect_error("kinds = {\n  demo = {\n    budget = { limit = \"5 USD\"; warn = [ 100 ]; };\n"
                 "  };\n};\n",
                 3, "kinds.demo.budget.warn");
    expect_error("kinds = {\n  demo = {\n    budget = { warn = [ 50 ]; };\n  };\n};\n", 3,
                 "a budget needs its limit");
    expect_error("budget = { check_interval = \"5m\"; };\n", 1, "budget.check_interval");
}

TEST(relative_paths_resolve_against_config_dir)
{
    struct sbx_config *cfg = NULL;
    struct sbx_err err = { 0 };
    char *dir = check_tmpdir(), *path, *cwd = NULL, *rel;

    path = write_file(
            dir, "paths.cfg",
            "store = \"data/../state/s.db\";\n"
            "hooks = { dir = \"./h\"; log_dir = \"logs//\"; nuke_config_dir = \"/abs/n\"; };\n"
            "sim = { state = \"sim.db\"; };\n");
    CHECK_OK(cfg_load(path, &cfg, &err), &err);
    CHECK_STR_EQ(cfg->store, joined(dir, "state/s.db"));
    CHECK_STR_EQ(cfg->hooks.dir, joined(dir, "h"));
    CHECK_STR_EQ(cfg->hooks.log_dir, joined(dir, "logs"));
    CHECK_STR_EQ(cfg->hooks.nuke_config_dir, "/abs/n");
    CHECK_STR_EQ(cfg->sim.state, joined(dir, "sim.db"));
    cfg_free(cfg);

    /* a relative config path is made absolute with the working directory */
    cwd = malloc(4096);
    CHECK(cwd != NULL && getcwd(cwd, 4096) != NULL);
    CHECK(chdir(dir) == 0);
    CHECK_OK(cfg_load("./paths.cfg", &cfg, &err), &err);
    CHECK_STR_EQ(cfg->path, path);
    CHECK_STR_EQ(cfg->sim.state, joined(dir, "sim.db"));
    cfg_free(cfg);
    CHECK(chdir(cwd) == 0);

    /* the hook log directory follows the store unless set */
    rel = write_file(dir, "store.cfg", "store = \"db/x.db\";\n");
    CHECK_OK(cfg_load(rel, &cfg, &err), &err);
    CHECK_STR_EQ(cfg->hooks.log_dir, joined(dir, "db/hook-logs"));
    cfg_free(cfg);
    free(rel);
    free(cwd);
    free(path);
    free(dir);
}

TEST(resolve_path_order)
{
    CHECK(unsetenv("SANDBOXCTL_CONFIG") == 0);
    CHECK_STR_EQ(cfg_resolve_path(NULL), CFG_DEFAULT_PATH);
    CHECK_STR_EQ(cfg_resolve_path(NULL), "/etc/sandboxctl/sandboxctl.cfg");
    CHECK(setenv("SANDBOXCTL_CONFIG", "/tmp/env.cfg", 1) == 0);
    CHECK_STR_EQ(cfg_resolve_path(NULL), "/tmp/env.cfg");
    CHECK_STR_EQ(cfg_resolve_path("/tmp/explicit.cfg"), "/tmp/explicit.cfg");
    CHECK(setenv("SANDBOXCTL_CONFIG", "", 1) == 0);
    CHECK_STR_EQ(cfg_resolve_path(NULL), CFG_DEFAULT_PATH);
}

TEST(hook_event_names)
{
    CHECK_STR_EQ(cfg_hook_event_name(CFG_HOOK_POST_CREATE), "post-create");
    CHECK_STR_EQ(cfg_hook_event_name(CFG_HOOK_EXPIRY_WARNING), "expiry-warning");
    CHECK_STR_EQ(cfg_hook_event_name(CFG_HOOK_PRE_CLOSE), "pre-close");
    CHECK_STR_EQ(cfg_hook_event_name(CFG_HOOK_POST_CLOSE), "post-close");
    CHECK_STR_EQ(cfg_hook_event_name(CFG_HOOK_NUKE_FAILED), "nuke-failed");
    CHECK_STR_EQ(cfg_hook_event_name(CFG_HOOK_QUARANTINED), "quarantined");
    CHECK_STR_EQ(cfg_hook_event_name(CFG_HOOK_CLOSE_FAILED), "close-failed");
    CHECK_STR_EQ(cfg_hook_event_name(CFG_HOOK_EVENT_COUNT), "unknown");
}

/* ---- one case per error class ---- */

TEST(error_missing_file)
{
    struct sbx_config *cfg = NULL;
    struct sbx_err err = { 0 };
    char *dir = check_tmpdir();

    CHECK_ERR(cfg_load("/nonexistent/sandboxctl.cfg", &cfg, &err), &err, SBX_E_CONFIG);
    CHECK_STR_EQ(err.msg,
                 "cannot read config '/nonexistent/sandboxctl.cfg': No such file or directory");
    CHECK(cfg == NULL);
    CHECK_ERR(cfg_load(dir, &cfg, &err), &err, SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "Is a directory");
    free(dir);
}

TEST(error_syntax)
{
    expect_error("aws = {\n    region = \"us-east-1\";\n    max_attempts == 3;\n};\n", 3,
                 "syntax error");
    expect_error("kinds = {\n  demo = {\n    ttl = \"8h\";\n  };\n", 5, "syntax error");
    expect_error("store = \"a\";\nstore = \"b\";\n", 2, "duplicate setting name");
}

TEST(error_unknown_key)
{
    static const char text[] = "kinds = {\n"
                               "    demo = {\n"
                               "        ttl = \"8h\";\n"
                               "        tll = \"8h\";\n"
                               "    };\n"
                               "};\n";
    struct sbx_config *cfg = NULL;
    struct sbx_err err = { 0 };
    char *path = write_file(NULL, "u.cfg", text);
    char want[4200];

    CHECK_ERR(cfg_load(path, &cfg, &err), &err, SBX_E_CONFIG);
    snprintf(want, sizeof(want), "%s:4: unknown key 'kinds.demo.tll'", path);
    CHECK_STR_EQ(err.msg, want);
    free(path);
    expect_error("\n\nstroe = \"x\";\n", 3, "unknown key 'stroe'");
    expect_error("aws = {\n  regoin = \"x\";\n};\n", 2, "unknown key 'aws.regoin'");
    expect_error("limits = { create_rate = 1; };\nsim = {\n  seeds = 4;\n};\n", 3,
                 "unknown key 'sim.seeds'");
    expect_error("hooks = { nuke = true; };\n", 1, "unknown key 'hooks.nuke'");
    expect_error("organization = { emails = \"x\"; };\n", 1, "unknown key 'organization.emails'");
}

TEST(error_bad_duration)
{
    expect_error("hooks = {\n  timeout = \"5 minutes\";\n};\n", 2,
                 "key 'hooks.timeout': invalid duration");
    expect_error("kinds = { demo = {\n ttl = \"8x\"; }; };\n", 2, "key 'kinds.demo.ttl'");
    expect_error("kinds = { demo = {\n warn = [ \"1h\",\n \"soon\" ]; }; };\n", 3,
                 "key 'kinds.demo.warn[1]'");
    expect_error("aws = { connect_timeout = \"0\"; };\n", 1,
                 "key 'aws.connect_timeout': must be at least 1s");
    expect_error("kinds = { demo = {\n warn = [ \"1h\", \"60m\" ]; }; };\n", 2,
                 "duplicate warning offset");
}

TEST(error_wrong_type)
{
    expect_error("hooks = {\n  parallel = \"four\";\n};\n", 2,
                 "key 'hooks.parallel': must be an integer (got a string)");
    expect_error("aws = { follow_sim_clock = 1; };\n", 1,
                 "key 'aws.follow_sim_clock': must be true or false (got an integer)");
    expect_error("hooks = { timeout = 300; };\n", 1, "key 'hooks.timeout': must be a duration");
    expect_error("store = 5;\n", 1, "key 'store': must be a string (got an integer)");
    expect_error("\naws = \"x\";\n", 2, "key 'aws': must be a group");
    expect_error("kinds = { demo = {\n tags = \"A=B\"; }; };\n", 2,
                 "key 'kinds.demo.tags': must be a list");
    expect_error("limits = { create_rate = \"fast\"; };\n", 1,
                 "key 'limits.create_rate': must be a number (got a string)");
    expect_error("kinds = { demo = 1; };\n", 1, "key 'kinds.demo': must be a group");
}

TEST(error_out_of_range)
{
    struct sbx_config *cfg = NULL;
    struct sbx_err err = { 0 };
    char *path = write_file(NULL, "r.cfg", "limits = {\n    create_rate = -1;\n};\n");
    char want[4200];

    CHECK_ERR(cfg_load(path, &cfg, &err), &err, SBX_E_CONFIG);
    snprintf(want, sizeof(want), "%s:2: key 'limits.create_rate': must be > 0 (got -1)", path);
    CHECK_STR_EQ(err.msg, want);
    free(path);
    expect_error("limits = {\n close_burst = 0; };\n", 2,
                 "key 'limits.close_burst': must be >= 1 (got 0)");
    expect_error("limits = { create_in_progress = 101; };\n", 1, "must be <= 100 (got 101)");
    expect_error("limits = { close_in_flight = 0; };\n", 1, "must be >= 1 (got 0)");
    expect_error("limits = {\n close_quota_min = 300;\n close_quota_max = 200; };\n", 3,
                 "key 'limits.close_quota_max': close_quota_max (200) must be >= close_quota_min");
    expect_error("sim = { time_scale = 0.0; };\n", 1, "key 'sim.time_scale': must be > 0");
    expect_error("sim = { time_scale = 200000; };\n", 1, "must be <= 100000 (got 200000)");
    expect_error("aws = { max_attempts = 0; };\n", 1, "key 'aws.max_attempts'");
    expect_error("organization = {\n protected_accounts = [ \"12345\" ]; };\n", 2,
                 "key 'organization.protected_accounts[0]': must be a 12-digit account id");
    expect_error("kinds = {\n Demo = { }; };\n", 2,
                 "key 'kinds.Demo': kind names must match [a-z][a-z0-9_-]{0,31}");
    expect_error("kinds = {\n };\n", 1, "key 'kinds': must define at least one kind");
    expect_error("kinds = { demo = {\n ou = \"/Sandboxes\"; }; };\n", 2,
                 "key 'kinds.demo.ou': OU path must not start or end with '/'");
    expect_error("kinds = { demo = {\n ou = \"A//B\"; }; };\n", 2, "segments must be 1-128");
    expect_error("aws = {\n endpoint = \"ftp://127.0.0.1\"; };\n", 2,
                 "key 'aws.endpoint': must be an endpoint URL http(s)://host[:port]");
    expect_error("aws = { endpoint = \"http://127.0.0.1:4566/api\"; };\n", 1, "aws.endpoint");
    expect_error("aws = { endpoint = \"http://127.0.0.1:99999\"; };\n", 1, "aws.endpoint");
    expect_error("aws = { endpoint = \"http://user@host\"; };\n", 1, "aws.endpoint");
    expect_error("sim = { listen = \"127.0.0.1\"; };\n", 1, "key 'sim.listen': must be host:port");
    expect_error("kinds = { demo = {\n hooks = [ \"pre-nuke\" ]; }; };\n", 2,
                 "key 'kinds.demo.hooks[0]': unknown hook event \"pre-nuke\"");
    expect_error("kinds = { demo = {\n tags = [ \"aws:owner=x\" ]; }; };\n", 2, "reserved by AWS");
    expect_error("kinds = { demo = {\n tags = [ \"NoEquals\" ]; }; };\n", 2,
                 "key 'kinds.demo.tags[0]': tag must be \"Key=Value\"");
    expect_error("kinds = { demo = {\n tags = [ \"=v\" ]; }; };\n", 2, "tag key must be 1-128");
    expect_error("kinds = { demo = {\n tags = [ \"A=1\", \"A=2\" ]; }; };\n", 2,
                 "duplicate tag key 'A'");
    expect_error("kinds = { demo = {\n tags = [ \"A*=1\" ]; }; };\n", 2, "tag key contains '*'");
    expect_error("sim = {\n secret_access_key = \"\"; };\n", 2,
                 "key 'sim.secret_access_key': must be 1-128 characters");
}

TEST(error_bad_template)
{
    expect_error("organization = {\n email_template = \"sandbox+{kind}@corp.example\"; };\n", 2,
                 "key 'organization.email_template': email template must contain {seq} or "
                 "{rand}");
    expect_error("organization = {\n email_template = \"a+{seq}@b@corp.example\"; };\n", 2,
                 "must contain '@' exactly once");
    expect_error("organization = {\n email_template = \"a+{seq}.corp.example\"; };\n", 2,
                 "must contain '@' exactly once");
    expect_error("organization = {\n email_template = \"a+{name}-{seq}@corp.example\"; };\n", 2,
                 "unknown placeholder '{name}'");
    expect_error("organization = {\n name_template = \"sbx-{kind\"; };\n", 2,
                 "key 'organization.name_template': unbalanced '{'");
    expect_error("kinds = { demo = {\n email_template = \"x-{seq}@nodot\"; }; };\n", 2,
                 "key 'kinds.demo.email_template'");
}

TEST(error_ttl_above_max)
{
    expect_error("kinds = {\n  demo = {\n    max_ttl = \"3d\";\n    ttl = \"4d\";\n  };\n};\n", 4,
                 "key 'kinds.demo.ttl': ttl 4d exceeds max_ttl 3d");
    /* order does not matter: the check runs after the whole kind is read */
    expect_error("kinds = {\n  demo = {\n    ttl = \"4d\";\n    max_ttl = \"3d\";\n  };\n};\n", 3,
                 "key 'kinds.demo.ttl': ttl 4d exceeds max_ttl 3d");
    expect_error("kinds = { demo = {\n warn = [ \"1h\",\n \"3d\" ];\n max_ttl = \"3d\"; }; };\n", 3,
                 "key 'kinds.demo.warn[1]': warning offset 3d must be less than max_ttl 3d");
}

/* Integers are range-checked as 64-bit values: libconfig keeps a number that does not fit in
 * 32 bits as a 64-bit setting, and a value past INT32_MAX must be reported as written. */
TEST(error_integer_beyond_32_bits)
{
    expect_error("limits = {\n account_limit = 4294967297; };\n", 2,
                 "key 'limits.account_limit': must be <= 10000000 (got 4294967297)");
    expect_error("limits = {\n account_limit = 2147483648; };\n", 2,
                 "key 'limits.account_limit': must be <= 10000000 (got 2147483648)");
    expect_error("hooks = {\n parallel = -4294967295; };\n", 2,
                 "key 'hooks.parallel': must be >= 1 (got -4294967295)");
    expect_error("sim = {\n account_limit = 9223372036854775807; };\n", 2,
                 "key 'sim.account_limit': must be <= 10000000 (got 9223372036854775807)");
    expect_error("aws = {\n max_attempts = 4294967301L; };\n", 2,
                 "key 'aws.max_attempts': must be <= 20 (got 4294967301)");
    expect_error("limits = {\n account_limit = 0x100000001; };\n", 2,
                 "key 'limits.account_limit': must be <= 10000000 (got 4294967297)");
    expect_error("sim = {\n seed = 99999999999999999999; };\n", 2,
                 "key 'sim.seed': must be <= 9223372036854775807 (got 99999999999999999999)");
    expect_error("limits = {\n create_rate = 4294967297; };\n", 2,
                 "key 'limits.create_rate': must be <= 1000 (got 4.29497e+09)");
    /* the same name twice on a line: each setting gets its own literal */
    expect_error("sim = { account_limit = 5; }; limits = { account_limit = 4294967297; };\n", 1,
                 "key 'limits.account_limit': must be <= 10000000 (got 4294967297)");
    {
        struct sbx_config *cfg = NULL;
        struct sbx_err err = { 0 };
        char *dir = check_tmpdir(), *inc, *path;

        inc = write_file(dir, "inc.cfg", "\nlimits = { account_limit = 4294967297; };\n");
        path = write_file(dir, "main.cfg", "@include \"inc.cfg\"\n");
        CHECK_ERR(cfg_load(path, &cfg, &err), &err, SBX_E_CONFIG);
        CHECK_CONTAINS(err.msg, "inc.cfg:2: key 'limits.account_limit': must be <= 10000000 "
                                "(got 4294967297)");
        free(inc);
        free(path);
        inc = write_file(dir, "inc.cfg", "limits = { account_limit = 2147483647; };\n");
        path = write_file(dir, "main.cfg", "sim = { account_limit = 7; };\n@include \"inc.cfg\"\n");
        CHECK_ERR(cfg_load(path, &cfg, &err), &err, SBX_E_CONFIG);
        CHECK_CONTAINS(err.msg, "must be <= 10000000 (got 2147483647)");
        free(inc);
        free(path);
        free(dir);
    }
}

/* hooks.pass_credentials lists events; false means none; true (once "every event") is refused. */
TEST(pass_credentials_per_event)
{
    struct sbx_config *cfg = NULL;
    struct sbx_err err = { 0 };
    char *path = write_file(NULL, "p.cfg",
                            "hooks = { pass_credentials = [ \"post-close\", \"pre-close\" ]; };\n");

    CHECK_OK(cfg_load(path, &cfg, &err), &err);
    CHECK(cfg->hooks.pass_credentials[CFG_HOOK_PRE_CLOSE]);
    CHECK(cfg->hooks.pass_credentials[CFG_HOOK_POST_CLOSE]);
    CHECK(!cfg->hooks.pass_credentials[CFG_HOOK_POST_CREATE]);
    CHECK(!cfg->hooks.pass_credentials[CFG_HOOK_EXPIRY_WARNING]);
    cfg_free(cfg);
    free(path);
    path = write_file(NULL, "p.cfg", "hooks = { pass_credentials = [ ]; };\n");
    CHECK_OK(cfg_load(path, &cfg, &err), &err);
    for (int ev = 0; ev < CFG_HOOK_EVENT_COUNT; ev++)
        CHECK(!cfg->hooks.pass_credentials[ev]);
    cfg_free(cfg);
    free(path);
    path = write_file(NULL, "p.cfg", "hooks = { pass_credentials = false; };\n");
    CHECK_OK(cfg_load(path, &cfg, &err), &err);
    for (int ev = 0; ev < CFG_HOOK_EVENT_COUNT; ev++)
        CHECK(!cfg->hooks.pass_credentials[ev]);
    cfg_free(cfg);
    free(path);
    expect_error("hooks = {\n pass_credentials = true; };\n", 2,
                 "key 'hooks.pass_credentials': must list the hook events that get the "
                 "credentials, e.g. [ \"pre-close\" ]");
    expect_error("hooks = {\n pass_credentials = [ \"pre-close\", \"pre-close\" ]; };\n", 2,
                 "key 'hooks.pass_credentials[1]': duplicate hook event \"pre-close\"");
    expect_error("hooks = {\n pass_credentials = [ \"nuke\" ]; };\n", 2,
                 "key 'hooks.pass_credentials[0]': unknown hook event \"nuke\"");
    expect_error("hooks = {\n pass_credentials = \"pre-close\"; };\n", 2,
                 "key 'hooks.pass_credentials': must be a list");
}

/* Every default of the key table is one the loader accepts: a file that sets every key to its
 * default loads to the same values as no file at all. */
TEST(defaults_written_out_load_the_same)
{
    struct sbx_config *file = NULL, *def = NULL;
    struct sbx_err err = { 0 };
    const struct cfg_key *tab;
    char text[16384], buf[256];
    size_t n, used = 0;
    const char *open = NULL;
    char *path;

    tab = cfg_keys(&n);
    CHECK(n > 40);
    for (size_t i = 0; i < n; i++) {
        if (cfg_key_default(&tab[i], buf, sizeof(buf)) == NULL)
            continue;
        if (open == NULL || strcmp(open, tab[i].section) != 0) {
            if (open != NULL && *open != '\0')
                used += (size_t)snprintf(text + used, sizeof(text) - used, "};\n");
            open = tab[i].section;
            if (*open != '\0')
                used += (size_t)snprintf(text + used, sizeof(text) - used, "%s = {\n", open);
        }
        used += (size_t)snprintf(text + used, sizeof(text) - used, "%s = %s;\n", tab[i].name, buf);
        CHECK(used < sizeof(text));
    }
    used += (size_t)snprintf(text + used, sizeof(text) - used, "};\n");
    CHECK(used < sizeof(text));
    path = write_file(NULL, "d.cfg", text);
    CHECK_OK(cfg_load(path, &file, &err), &err);
    CHECK_OK(cfg_defaults(&def, &err), &err);
    free(file->path);
    file->path = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *a = (const char *)file + tab[i].offset, *b = (const char *)def + tab[i].offset;

        switch (tab[i].type) {
        case CFG_STR:
        case CFG_PATH:
        case CFG_SECRET:
            if (*(char *const *)(const void *)a == NULL || *(char *const *)(const void *)b == NULL)
                CHECK(*(char *const *)(const void *)a == *(char *const *)(const void *)b);
            else
                CHECK_STR_EQ(*(char *const *)(const void *)a, *(char *const *)(const void *)b);
            break;
        case CFG_INT:
            CHECK_INT_EQ(*(const int *)(const void *)a, *(const int *)(const void *)b);
            break;
        case CFG_INT64:
        case CFG_DURATION:
            CHECK_INT_EQ(*(const int64_t *)(const void *)a, *(const int64_t *)(const void *)b);
            break;
        case CFG_DOUBLE:
            CHECK(*(const double *)(const void *)a == *(const double *)(const void *)b);
            break;
        case CFG_BOOL:
            CHECK(*(const bool *)(const void *)a == *(const bool *)(const void *)b);
            break;
        case CFG_EVENTS:
            CHECK(memcmp(a, b, sizeof(bool) * CFG_HOOK_EVENT_COUNT) == 0);
            break;
        default:
            break;
        }
    }
    cfg_free(file);
    cfg_free(def);
    free(path);
}

TEST(access_group_absent_present_and_checked)
{
    struct sbx_config *cfg = NULL;
    struct sbx_err err = { 0 };
    char *path = write_file(NULL, "a.cfg", "store = \"x.db\";\n");

    /* Absent: no access, today's behaviour. */
    CHECK_OK(cfg_load(path, &cfg, &err), &err);
    CHECK(!cfg->access.enabled);
    cfg_free(cfg);
    free(path);
    /* Present, even empty: access with the defaults. */
    path = write_file(NULL, "a.cfg", "access = { };\n");
    CHECK_OK(cfg_load(path, &cfg, &err), &err);
    CHECK(cfg->access.enabled);
    CHECK(cfg->access.instance == NULL);
    CHECK(cfg->access.user_name_template == NULL);
    CHECK_STR_EQ(cfg->access.permission_set, "AdministratorAccess");
    CHECK(cfg->kinds[0].permission_set == NULL);
    cfg_free(cfg);
    free(path);
    path = write_file(NULL, "a.cfg",
                      "access = { instance = \"arn:aws:sso:::instance/ssoins-72230a1b2c3d4e5f\";\n"
                      " region = \"eu-west-1\"; user_name_template = \"{local}\";\n"
                      " permission_set = \"arn:aws:sso:::permissionSet/ssoins-72230a1b2c3d4e5f/"
                      "ps-a1b2c3d4e5f60001\"; };\n"
                      "kinds = { demo = { permission_set = \"ReadOnlyAccess\"; }; };\n");
    CHECK_OK(cfg_load(path, &cfg, &err), &err);
    CHECK_STR_EQ(cfg->access.region, "eu-west-1");
    CHECK_STR_EQ(cfg->access.user_name_template, "{local}");
    CHECK_STR_EQ(cfg->kinds[0].permission_set, "ReadOnlyAccess");
    cfg_free(cfg);
    free(path);
    expect_error("access = {\n instance = \"ssoins-1234\"; };\n", 2,
                 "key 'access.instance': must be an Identity Center instance ARN");
    expect_error("access = {\n user_name_template = \"{name}\"; };\n", 2,
                 "unknown placeholder in '{name}'");
    expect_error("access = {\n permission_set = \"Admin Access\"; };\n", 2,
                 "key 'access.permission_set': must be a permission set name");
    expect_error("kinds = { demo = {\n permission_set = \"arn:aws:iam::1:role/x\"; }; };\n", 2,
                 "key 'kinds.demo.permission_set'");
    expect_error("access = {\n portal = \"x\"; };\n", 2, "unknown key");
}
