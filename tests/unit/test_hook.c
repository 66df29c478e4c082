/* test_hook.c -- the hook runner: order, environment, failures, timeouts, safety, batches. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "aws/creds.h"
#include "check.h"
#include "hook/hook.h"
#include "util/clock.h"

/* A fresh hooks tree: <tmp>/hooks/<event>.d and <tmp>/logs (not created). */
struct fixture {
    char *tmp;
    char hooks[1024];
    char logs[1024];
    struct cfg_hooks hc;
};

static void
fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->tmp = check_tmpdir();
    snprintf(f->hooks, sizeof(f->hooks), "%s/hooks", f->tmp);
    snprintf(f->logs, sizeof(f->logs), "%s/logs/hook-logs", f->tmp);
    CHECK(mkdir(f->hooks, 0755) == 0);
    f->hc.dir = f->hooks;
    f->hc.log_dir = f->logs;
    f->hc.timeout = 30;
    f->hc.parallel = 4;
}

static void
fixture_release(struct fixture *f)
{
    free(f->tmp);
}

static void
ensure_event_dir(const struct fixture *f, const char *event)
{
    char dir[1200];

    snprintf(dir, sizeof(dir), "%s/%s.d", f->hooks, event);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        CHECK_FAIL("mkdir %s: %s", dir, strerror(errno));
}

/* Writes <hooks>/<event>.d/<name> with body and mode; returns its path (static buffer). */
static const char *
write_hook(const struct fixture *f, const char *event, const char *name, mode_t mode,
           const char *body)
{
    static char path[1400];
    FILE *fp;

    ensure_event_dir(f, event);
    snprintf(path, sizeof(path), "%s/%s.d/%s", f->hooks, event, name);
    fp = fopen(path, "w");
    CHECK(fp != NULL);
    fputs(body, fp);
    CHECK(fclose(fp) == 0);
    CHECK(chmod(path, mode) == 0);
    return path;
}

static bool
file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* True when pid is gone (or a zombie nobody reaped yet: it runs no code any more). */
static bool
process_gone(pid_t pid)
{
    char path[64], buf[512];
    FILE *fp;
    char *p;

    if (kill(pid, 0) != 0)
        return errno == ESRCH;
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    fp = fopen(path, "r");
    if (fp == NULL)
        return true;
    p = fgets(buf, sizeof(buf), fp);
    fclose(fp);
    if (p == NULL)
        return true;
    p = strrchr(buf, ')');
    return p != NULL && p[1] == ' ' && p[2] == 'Z';
}

static void
sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static long
read_pid(const char *path)
{
    char *s = check_read_file(path, NULL);
    long v = strtol(s, NULL, 10);

    free(s);
    return v;
}

TEST(missing_dir_is_no_hooks)
{
    struct fixture f;
    struct hook_result r;
    struct sbx_err err = { 0 };
    struct hook_env env = { .account_id = "123456789012" };

    fixture_init(&f);
    CHECK(!hook_event_has_hooks(&f.hc, CFG_HOOK_PRE_CLOSE));
    CHECK_OK(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err);
    CHECK_INT_EQ(r.status, 0);
    CHECK_INT_EQ(r.ran, 0);
    CHECK_STR_EQ(r.log_path, "");
    CHECK(!file_exists(f.logs)); /* no log for a run that ran nothing */
    /* Only skipped names: still no hooks. */
    write_hook(&f, "pre-close", ".hidden", 0755, "#!/bin/sh\nexit 1\n");
    write_hook(&f, "pre-close", "old~", 0755, "#!/bin/sh\nexit 1\n");
    write_hook(&f, "pre-close", "50-x.disabled", 0755, "#!/bin/sh\nexit 1\n");
    write_hook(&f, "pre-close", "50-x.sample", 0755, "#!/bin/sh\nexit 1\n");
    CHECK(!hook_event_has_hooks(&f.hc, CFG_HOOK_PRE_CLOSE));
    CHECK_OK(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err);
    CHECK_INT_EQ(r.ran, 0);
    fixture_release(&f);
}

/* The result protocol: each executable gets an empty SANDBOX_RESULT_FILE; valid documents are
 * collected by executable name, also from a failing one; invalid or oversized ones are left out
 * with a note in the log; the file is gone afterwards. */
TEST(result_documents)
{
    struct fixture f;
    struct hook_result r;
    struct sbx_err err = { 0 };
    struct hook_env env = { .account_id = "123456789012" };
    char big[HOOK_RESULT_MAX + 200], path[1200];
    char *log;

    fixture_init(&f);
    write_hook(
            &f, "pre-close", "10-a", 0755,
            "#!/bin/sh\nprintf '{\"removed\": {\"EC2Instance\": 2}}\\n' >\"$SANDBOX_RESULT_FILE\"\n");
    write_hook(&f, "pre-close", "20-bad", 0755,
               "#!/bin/sh\nprintf '{\"oops\": ' >\"$SANDBOX_RESULT_FILE\"\n");
    snprintf(big, sizeof(big),
             "#!/bin/sh\nawk 'BEGIN { while (i++ < %d) printf \" \"; print \"{}\" }' "
             ">\"$SANDBOX_RESULT_FILE\"\n",
             HOOK_RESULT_MAX);
    write_hook(&f, "pre-close", "30-big", 0755, big);
    write_hook(
            &f, "pre-close", "40-fresh", 0755,
            "#!/bin/sh\n[ -f \"$SANDBOX_RESULT_FILE\" ] && [ ! -s \"$SANDBOX_RESULT_FILE\" ] || exit 9\n"
            "echo '[\"fresh\"]' >\"$SANDBOX_RESULT_FILE\"\n");
    write_hook(&f, "pre-close", "50-none", 0755, "#!/bin/sh\nexit 0\n");
    write_hook(&f, "pre-close", "60-fails", 0755,
               "#!/bin/sh\necho '{\"left\": 1}' >\"$SANDBOX_RESULT_FILE\"\nexit 3\n");
    CHECK_OK(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err);
    CHECK_INT_EQ(r.status, 3);
    CHECK_STR_EQ(r.failed, "60-fails");
    CHECK_STR_EQ(r.result, "{\"10-a\":{\"removed\":{\"EC2Instance\":2}},\"40-fresh\":[\"fresh\"],"
                           "\"60-fails\":{\"left\":1}}");
    log = check_read_file(r.log_path, NULL);
    CHECK_CONTAINS(log, "note: result of 20-bad ignored: not a JSON document");
    CHECK_CONTAINS(log, "note: result of 30-big ignored: more than 4096 bytes");
    free(log);
    snprintf(path, sizeof(path), "%s.result", r.log_path);
    CHECK(!file_exists(path));

    /* Nothing written: no result at all. */
    write_hook(&f, "pre-close", "60-fails", 0755, "#!/bin/sh\nexit 0\n");
    write_hook(&f, "pre-close", "10-a", 0755, "#!/bin/sh\nexit 0\n");
    write_hook(&f, "pre-close", "40-fresh", 0755, "#!/bin/sh\nexit 0\n");
    CHECK_OK(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err);
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_EQ(r.result, "");
    fixture_release(&f);
}

TEST(lexical_order_and_argv)
{
    struct fixture f;
    struct hook_result r;
    struct sbx_err err = { 0 };
    struct hook_env env = { .account_id = "123456789012" };
    char body[2048], out[1200];
    char *got;

    fixture_init(&f);
    snprintf(out, sizeof(out), "%s/order", f.tmp);
    snprintf(body, sizeof(body), "#!/bin/sh\necho \"${0##*/} $1 $#\" >> '%s'\n", out);
    write_hook(&f, "post-close", "20-c", 0755, body);
    write_hook(&f, "post-close", "02-a", 0755, body);
    write_hook(&f, "post-close", "10-b", 0700, body);
    write_hook(&f, "post-close", "10-B", 0755, body); /* 'B' < 'b' in the C locale */
    /* Skipped names would write "BAD". */
    snprintf(body, sizeof(body), "#!/bin/sh\necho BAD >> '%s'\n", out);
    write_hook(&f, "post-close", ".05-hidden", 0755, body);
    write_hook(&f, "post-close", "05-backup~", 0755, body);
    write_hook(&f, "post-close", "05-off.disabled", 0755, body);
    write_hook(&f, "post-close", "05-example.sample", 0755, body);
    CHECK(hook_event_has_hooks(&f.hc, CFG_HOOK_POST_CLOSE));
    CHECK(!hook_event_has_hooks(&f.hc, CFG_HOOK_PRE_CLOSE));
    CHECK_OK(hook_run(&f.hc, CFG_HOOK_POST_CLOSE, &env, NULL, &r, &err), &err);
    CHECK_INT_EQ(r.status, 0);
    CHECK_INT_EQ(r.ran, 4);
    CHECK_STR_EQ(r.failed, "");
    got = check_read_file(out, NULL);
    CHECK_STR_EQ(got, "02-a post-close 1\n10-B post-close 1\n10-b post-close 1\n"
                      "20-c post-close 1\n");
    free(got);
    fixture_release(&f);
}

/* Runs the env-dumping hook and returns the "KEY=VALUE\n" lines, sorted by Python. */
static char *
dump_env(struct fixture *f, const struct hook_env *env, const struct creds *creds)
{
    struct hook_result r;
    struct sbx_err err = { 0 };
    char out[1200], body[2048];

    snprintf(out, sizeof(out), "%s/env.out", f->tmp);
    unlink(out);
    snprintf(body, sizeof(body),
             "#!/usr/bin/python3\n"
             "import os, sys\n"
             "with open('%s', 'w') as f:\n"
             "    f.write('ARGV=' + ' '.join(sys.argv[1:]) + '\\n')\n"
             "    for k in sorted(os.environ):\n"
             "        v = os.environ[k]\n"
             "        if (k == 'SANDBOX_RESULT_FILE' and v.endswith('.log.result') and\n"
             "                os.path.isfile(v) and os.path.getsize(v) == 0):\n"
             "            v = 'LOG.result'  # next to the log, empty\n"
             "        f.write(k + '=' + v + '\\n')\n",
             out);
    write_hook(f, "pre-close", "50-env", 0755, body);
    CHECK_OK(hook_run(&f->hc, CFG_HOOK_PRE_CLOSE, env, creds, &r, &err), &err);
    CHECK_INT_EQ(r.status, 0);
    CHECK_INT_EQ(r.ran, 1);
    return check_read_file(out, NULL);
}

TEST(environment_is_built_from_nothing)
{
    struct fixture f;
    static const char *const extra[] = { "SANDBOX_MANAGEMENT_ACCOUNT_ID=111111111111",
                                         "SANDBOX_PROTECTED_ACCOUNTS=222222222222,333333333333",
                                         "SANDBOX_ENDPOINT_URL=http://127.0.0.1:4566", NULL };
    struct hook_env env = {
        .account_id = "123456789012",
        .email = "sandbox+dev-alice-1@example.com",
        .name = "sbx-dev-alice-1",
        .owner = "alice@example.com",
        .kind = "developer",
        .class_name = NULL, /* unset: omitted */
        .expires_at = "2026-12-01T00:00:00Z",
        .reason = "expired",
        .role_arn = "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole",
        .warn_offset = NULL,
        .config_path = "/etc/sandboxctl/sandboxctl.cfg",
        .dry_run = false,
        .extra = extra,
    };
    char key[] = "AKIATESTKEY", secret[] = "secret-canary-value", token[] = "token-canary-value";
    struct creds creds = { .access_key_id = key,
                           .secret_access_key = secret,
                           .session_token = token };
    char regions[] = "global,us-east-1", nukedir[] = "/var/lib/sandboxctl/nuke", url[] = "";
    char *got;

    fixture_init(&f);
    f.hc.nuke_regions = regions;
    f.hc.nuke_config_dir = nukedir;
    f.hc.webhook_url = url; /* empty: omitted */
    CHECK(setenv("SBX_TEST_CANARY", "inherited", 1) == 0);
    CHECK(setenv("AWS_SECRET_ACCESS_KEY", "parent-secret", 1) == 0);

    /* pass_credentials does not list the event: no AWS_* even though creds are given. */
    got = dump_env(&f, &env, &creds);
    CHECK_STR_EQ(got, "ARGV=pre-close\n"
                      "HOME=/nonexistent\n"
                      "LC_ALL=C\n"
                      "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
                      "SANDBOX_ACCOUNT_ID=123456789012\n"
                      "SANDBOX_ACCOUNT_NAME=sbx-dev-alice-1\n"
                      "SANDBOX_CONFIG=/etc/sandboxctl/sandboxctl.cfg\n"
                      "SANDBOX_EMAIL=sandbox+dev-alice-1@example.com\n"
                      "SANDBOX_ENDPOINT_URL=http://127.0.0.1:4566\n"
                      "SANDBOX_EVENT=pre-close\n"
                      "SANDBOX_EXPIRES_AT=2026-12-01T00:00:00Z\n"
                      "SANDBOX_KIND=developer\n"
                      "SANDBOX_MANAGEMENT_ACCOUNT_ID=111111111111\n"
                      "SANDBOX_NUKE_CONFIG_DIR=/var/lib/sandboxctl/nuke\n"
                      "SANDBOX_NUKE_REGIONS=global,us-east-1\n"
                      "SANDBOX_OWNER=alice@example.com\n"
                      "SANDBOX_PROTECTED_ACCOUNTS=222222222222,333333333333\n"
                      "SANDBOX_REASON=expired\n"
                      "SANDBOX_RESULT_FILE=LOG.result\n"
                      "SANDBOX_ROLE_ARN=arn:aws:iam::123456789012:role/"
                      "OrganizationAccountAccessRole\n");
    free(got);

    /* pass_credentials lists pre-close, dry run, another event variable set. */
    f.hc.pass_credentials[CFG_HOOK_PRE_CLOSE] = true;
    env.dry_run = true;
    env.class_name = "k8s-101";
    env.extra = NULL;
    got = dump_env(&f, &env, &creds);
    CHECK_CONTAINS(got, "\nAWS_ACCESS_KEY_ID=AKIATESTKEY\n");
    CHECK_CONTAINS(got, "\nAWS_SECRET_ACCESS_KEY=secret-canary-value\n");
    CHECK_CONTAINS(got, "\nAWS_SESSION_TOKEN=token-canary-value\n");
    CHECK_CONTAINS(got, "\nSANDBOX_DRY_RUN=1\n");
    CHECK_CONTAINS(got, "\nSANDBOX_CLASS=k8s-101\n");
    CHECK(strstr(got, "SANDBOX_MANAGEMENT_ACCOUNT_ID") == NULL);
    CHECK(strstr(got, "parent-secret") == NULL);
    CHECK(strstr(got, "SBX_TEST_CANARY") == NULL);
    free(got);

    /* pass_credentials on but no creds: nothing. */
    got = dump_env(&f, &env, NULL);
    CHECK(strstr(got, "AWS_") == NULL);
    free(got);

    /* Session token absent: only the key pair. */
    creds.session_token = NULL;
    got = dump_env(&f, &env, &creds);
    CHECK_CONTAINS(got, "\nAWS_SECRET_ACCESS_KEY=secret-canary-value\n");
    CHECK(strstr(got, "AWS_SESSION_TOKEN") == NULL);
    free(got);
    unsetenv("SBX_TEST_CANARY");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    fixture_release(&f);
}

TEST(extra_overrides_and_invalid_extra)
{
    struct fixture f;
    static const char *const extra[] = { "PATH=/opt/test/bin:/usr/bin:/bin", "EMPTY=", NULL };
    static const char *const bad[] = { "NOEQUALS", NULL };
    static const char *const bad2[] = { "1BAD=x", NULL };
    struct hook_env env = { .account_id = "123456789012", .extra = extra };
    struct hook_result r;
    struct sbx_err err = { 0 };
    char *got;

    fixture_init(&f);
    got = dump_env(&f, &env, NULL);
    CHECK_CONTAINS(got, "\nPATH=/opt/test/bin:/usr/bin:/bin\n");
    CHECK(strstr(got, "/usr/sbin") == NULL); /* replaced, not duplicated */
    CHECK_CONTAINS(got, "\nEMPTY=\n");
    free(got);
    env.extra = bad;
    CHECK_ERR(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err, SBX_E_HOOK);
    CHECK_CONTAINS(err.msg, "NOEQUALS");
    CHECK_INT_EQ(r.ran, 0);
    env.extra = bad2;
    CHECK_ERR(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err, SBX_E_HOOK);
    fixture_release(&f);
}

TEST(failure_stops_the_sequence)
{
    struct fixture f;
    struct hook_result r;
    struct sbx_err err = { 0 };
    struct hook_env env = { .account_id = "123456789012" };
    char body[2048], marker[1200];

    fixture_init(&f);
    snprintf(marker, sizeof(marker), "%s/ran-30", f.tmp);
    write_hook(&f, "pre-close", "10-ok", 0755, "#!/bin/sh\necho first hook ok\n");
    write_hook(&f, "pre-close", "20-fail", 0755,
               "#!/bin/sh\necho 'nuke left 3 resources' >&2\nexit 3\n");
    snprintf(body, sizeof(body), "#!/bin/sh\ntouch '%s'\n", marker);
    write_hook(&f, "pre-close", "30-never", 0755, body);
    CHECK_OK(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err);
    CHECK_INT_EQ(r.status, 3);
    CHECK(!r.timed_out);
    CHECK_INT_EQ(r.ran, 2);
    CHECK_STR_EQ(r.failed, "20-fail");
    CHECK(!file_exists(marker));
    CHECK_CONTAINS(r.tail, "first hook ok\n");
    CHECK_CONTAINS(r.tail, "nuke left 3 resources\n");
    CHECK_CONTAINS(r.tail, "<== 20-fail: exit 3");

    /* Killed by a signal: 128 + N. */
    write_hook(&f, "post-create", "10-killed", 0755, "#!/bin/sh\nkill -KILL $$\n");
    CHECK_OK(hook_run(&f.hc, CFG_HOOK_POST_CREATE, &env, NULL, &r, &err), &err);
    CHECK_INT_EQ(r.status, 128 + SIGKILL);
    CHECK_STR_EQ(r.failed, "10-killed");

    /* An interpreter that does not exist: exec fails, 127. */
    write_hook(&f, "post-close", "10-badinterp", 0755, "#!/nonexistent/interpreter\n");
    CHECK_OK(hook_run(&f.hc, CFG_HOOK_POST_CLOSE, &env, NULL, &r, &err), &err);
    CHECK_INT_EQ(r.status, 127);
    CHECK_STR_EQ(r.failed, "10-badinterp");
    fixture_release(&f);
}

TEST(timeout_kills_the_process_group)
{
    struct fixture f;
    struct hook_result r;
    struct sbx_err err = { 0 };
    struct hook_env env = { .account_id = "123456789012" };
    char body[4096], main_pid[1200], bg_pid[1200], marker[1200];
    double t0, elapsed;
    long p1, p2;

    fixture_init(&f);
    f.hc.timeout = 1;
    snprintf(main_pid, sizeof(main_pid), "%s/main.pid", f.tmp);
    snprintf(bg_pid, sizeof(bg_pid), "%s/bg.pid", f.tmp);
    snprintf(marker, sizeof(marker), "%s/after", f.tmp);
    snprintf(body, sizeof(body),
             "#!/bin/sh\n"
             "sleep 1000 &\n"
             "echo $! > '%s'\n"
             "echo $$ > '%s'\n"
             "echo started\n"
             "sleep 1000\n"
             "touch '%s'\n",
             bg_pid, main_pid, marker);
    write_hook(&f, "pre-close", "50-hang", 0755, body);
    write_hook(&f, "pre-close", "60-after", 0755, "#!/bin/sh\nexit 0\n");
    t0 = clock_mono();
    CHECK_OK(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err);
    elapsed = clock_mono() - t0;
    CHECK(r.timed_out);
    CHECK_INT_EQ(r.status, 128 + SIGTERM);
    CHECK_STR_EQ(r.failed, "50-hang");
    CHECK_INT_EQ(r.ran, 1);
    CHECK(elapsed >= 0.9 && elapsed < 6.5);
    CHECK_CONTAINS(r.tail, "started\n");
    CHECK_CONTAINS(r.tail, "(timed out)");
    p1 = read_pid(main_pid);
    p2 = read_pid(bg_pid);
    CHECK(p1 > 1 && p2 > 1);
    for (int i = 0; i < 100 && !(process_gone((pid_t)p1) && process_gone((pid_t)p2)); i++)
        sleep_ms(20);
    CHECK(process_gone((pid_t)p1));
    CHECK(process_gone((pid_t)p2));
    CHECK(!file_exists(marker));
    fixture_release(&f);
}

TEST(timeout_sigkills_what_ignores_sigterm)
{
    struct fixture f;
    struct hook_result r;
    struct sbx_err err = { 0 };
    struct hook_env env = { .account_id = "123456789012" };
    char body[4096], bg_pid[1200];
    double t0, elapsed;
    long p;

    fixture_init(&f);
    f.hc.timeout = 1;
    snprintf(bg_pid, sizeof(bg_pid), "%s/bg.pid", f.tmp);
    /* The child ignores SIGTERM (ignored dispositions survive exec); the hook itself exits
     * on SIGTERM, so the runner must SIGKILL the leftover member of the group. */
    snprintf(body, sizeof(body),
             "#!/bin/sh\n"
             "trap '' TERM\n"
             "sleep 1000 &\n"
             "echo $! > '%s'\n"
             "trap - TERM\n"
             "sleep 1000\n",
             bg_pid);
    write_hook(&f, "pre-close", "50-stubborn", 0755, body);
    t0 = clock_mono();
    CHECK_OK(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err);
    elapsed = clock_mono() - t0;
    CHECK(r.timed_out);
    CHECK(r.status != 0);
    CHECK(elapsed >= 0.9 && elapsed < 8.0);
    p = read_pid(bg_pid);
    for (int i = 0; i < 100 && !process_gone((pid_t)p); i++)
        sleep_ms(20);
    CHECK(process_gone((pid_t)p));
    fixture_release(&f);
}

TEST(unsafe_files_are_refused)
{
    struct fixture f;
    struct hook_result r;
    struct sbx_err err = { 0 };
    struct hook_env env = { .account_id = "123456789012" };
    const char *p;
    char dir[1200];

    fixture_init(&f);
    write_hook(&f, "pre-close", "10-fine", 0755, "#!/bin/sh\nexit 0\n");
    p = write_hook(&f, "pre-close", "20-open", 0755, "#!/bin/sh\nexit 0\n");
    CHECK(chmod(p, 0666) == 0); /* chmod 666: writable by all, and not executable */
    CHECK(hook_event_has_hooks(&f.hc, CFG_HOOK_PRE_CLOSE));
    CHECK_ERR(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err, SBX_E_HOOK);
    CHECK_CONTAINS(err.msg, "20-open");
    CHECK_INT_EQ(r.ran, 0); /* refused before anything ran */
    CHECK(!file_exists(f.logs));

    CHECK(chmod(p, 0775) == 0); /* executable but group-writable */
    CHECK_ERR(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err, SBX_E_HOOK);
    CHECK_CONTAINS(err.msg, "writable by group or others");
    CHECK_CONTAINS(err.msg, "20-open");

    CHECK(chmod(p, 0644) == 0); /* not executable */
    CHECK_ERR(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err, SBX_E_HOOK);
    CHECK_CONTAINS(err.msg, "not executable");

    CHECK(chmod(p, 0755) == 0);
    CHECK_OK(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err);
    CHECK_INT_EQ(r.ran, 2);

    /* Owned by someone else (only testable as root, who may chown). */
    if (geteuid() == 0) {
        CHECK(chown(p, 65534, 65534) == 0);
        CHECK_ERR(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err, SBX_E_HOOK);
        CHECK_CONTAINS(err.msg, "owned by uid 65534");
        CHECK(chown(p, 0, 0) == 0);
    }

    /* A directory inside the event directory. */
    snprintf(dir, sizeof(dir), "%s/pre-close.d/30-dir", f.hooks);
    CHECK(mkdir(dir, 0755) == 0);
    CHECK_ERR(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err, SBX_E_HOOK);
    CHECK_CONTAINS(err.msg, "not a regular file");
    CHECK(rmdir(dir) == 0);

    /* A world-writable event directory. */
    snprintf(dir, sizeof(dir), "%s/pre-close.d", f.hooks);
    CHECK(chmod(dir, 0777) == 0);
    CHECK_ERR(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err, SBX_E_HOOK);
    CHECK_CONTAINS(err.msg, "hook directory");
    CHECK(chmod(dir, 0755) == 0);

    /* A symlink to a safe hook is followed (how shipped hooks are enabled). */
    {
        char target[1200], link[1200];

        snprintf(target, sizeof(target), "%s/shipped-hook", f.tmp);
        FILE *fp = fopen(target, "w");
        CHECK(fp != NULL);
        fputs("#!/bin/sh\necho via symlink\n", fp);
        CHECK(fclose(fp) == 0);
        CHECK(chmod(target, 0755) == 0);
        snprintf(link, sizeof(link), "%s/pre-close.d/40-link", f.hooks);
        CHECK(symlink(target, link) == 0);
        CHECK_OK(hook_run(&f.hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err);
        CHECK_INT_EQ(r.ran, 3);
        CHECK_CONTAINS(r.tail, "via symlink");
    }
    fixture_release(&f);
}

TEST(output_capture_and_tail)
{
    struct fixture f;
    struct hook_result r;
    struct sbx_err err = { 0 };
    struct hook_env env = { .account_id = "123456789012" };
    struct stat st;
    char *log, *base;
    size_t len;

    fixture_init(&f);
    write_hook(&f, "expiry-warning", "10-first", 0755,
               "#!/bin/sh\necho from-first\necho first-stderr >&2\n");
    write_hook(&f, "expiry-warning", "20-many", 0755,
               "#!/bin/sh\ni=1\nwhile [ $i -le 300 ]; do echo \"line $i\"; i=$((i+1)); done\n"
               "printf 'bell\\007 esc\\033[31m\\n'\n");
    CHECK_OK(hook_run(&f.hc, CFG_HOOK_EXPIRY_WARNING, &env, NULL, &r, &err), &err);
    CHECK_INT_EQ(r.status, 0);
    CHECK_INT_EQ(r.ran, 2);
    CHECK(strncmp(r.log_path, f.logs, strlen(f.logs)) == 0);
    base = strrchr(r.log_path, '/') + 1;
    CHECK(strncmp(base, "123456789012-expiry-warning-", 28) == 0);
    CHECK(strlen(base) > 4 && strcmp(base + strlen(base) - 4, ".log") == 0);
    CHECK(stat(r.log_path, &st) == 0);
    CHECK_INT_EQ(st.st_mode & 0777, 0600);
    CHECK(stat(f.logs, &st) == 0);
    CHECK_INT_EQ(st.st_mode & 0777, 0700);
    log = check_read_file(r.log_path, &len);
    CHECK_CONTAINS(log, "==> 10-first expiry-warning (started ");
    CHECK_CONTAINS(log, "from-first\nfirst-stderr\n");
    CHECK_CONTAINS(log, "<== 10-first: exit 0");
    CHECK_CONTAINS(log, "==> 20-many expiry-warning");
    CHECK_CONTAINS(log, "\nline 1\n");
    CHECK_CONTAINS(log, "\nline 300\n");
    free(log);
    /* Tail: the last whole lines, bounded, control characters neutralised. */
    CHECK(strlen(r.tail) > 200 && strlen(r.tail) < sizeof(r.tail));
    CHECK(strncmp(r.tail, "line ", 5) == 0);
    CHECK_CONTAINS(r.tail, "line 300\nbell? esc?[31m\n<== 20-many: exit 0");
    CHECK(strstr(r.tail, "line 1\n") == NULL);
    CHECK(strchr(r.tail, '\033') == NULL);

    /* A second run for the same account in the same second gets its own file. */
    {
        struct hook_result r2;

        CHECK_OK(hook_run(&f.hc, CFG_HOOK_EXPIRY_WARNING, &env, NULL, &r2, &err), &err);
        CHECK(strcmp(r.log_path, r2.log_path) != 0);
    }
    fixture_release(&f);
}

TEST(batch_honours_the_parallel_bound)
{
    struct fixture f;
    enum {
        N = 6
    };
    struct hook_env envs[N];
    struct hook_result results[N];
    struct sbx_err errs[N];
    char ids[N][13], body[4096], running[1200], counts[1200];
    char *got, *line, *save = NULL;
    int max = 0, lines = 0;
    double t0, elapsed;

    fixture_init(&f);
    f.hc.parallel = 2;
    snprintf(running, sizeof(running), "%s/running", f.tmp);
    snprintf(counts, sizeof(counts), "%s/counts", f.tmp);
    CHECK(mkdir(running, 0755) == 0);
    /* Each hook registers itself, records how many are registered, holds for a while. */
    snprintf(body, sizeof(body),
             "#!/bin/sh\n"
             "touch '%s'/$SANDBOX_ACCOUNT_ID\n"
             "ls '%s' | wc -l >> '%s'\n"
             "sleep 0.4\n"
             "ls '%s' | wc -l >> '%s'\n"
             "rm '%s'/$SANDBOX_ACCOUNT_ID\n"
             "[ \"$SANDBOX_ACCOUNT_ID\" != 100000000003 ] || exit 9\n",
             running, running, counts, running, counts, running);
    write_hook(&f, "pre-close", "50-slow", 0755, body);
    memset(envs, 0, sizeof(envs));
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof(ids[i]), "10000000000%d", i);
        envs[i].account_id = ids[i];
    }
    t0 = clock_mono();
    CHECK_INT_EQ(hook_run_batch(&f.hc, CFG_HOOK_PRE_CLOSE, envs, N, NULL, results, errs), 0);
    elapsed = clock_mono() - t0;
    for (int i = 0; i < N; i++) {
        CHECK_INT_EQ(errs[i].code, SBX_E_OK);
        CHECK_INT_EQ(results[i].ran, 1);
        CHECK_INT_EQ(results[i].status, i == 3 ? 9 : 0);
        CHECK_CONTAINS(results[i].log_path, ids[i]);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(results[i].log_path, results[j].log_path) != 0);
    }
    CHECK_STR_EQ(results[3].failed, "50-slow");
    got = check_read_file(counts, NULL);
    for (line = strtok_r(got, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        int v = (int)strtol(line, NULL, 10);

        if (v > max)
            max = v;
        lines++;
    }
    free(got);
    CHECK_INT_EQ(lines, 2 * N);
    CHECK_INT_EQ(max, 2); /* never more than 2 at once, and the bound was used */
    /* 6 sequences of 0.4 s, 2 at a time: about 1.2 s; serial would be 2.4 s. */
    CHECK(elapsed >= 1.1 && elapsed < 2.3);
    fixture_release(&f);
}

TEST(batch_reports_unsafe_hooks_for_every_account)
{
    struct fixture f;
    struct hook_env envs[2] = { { .account_id = "100000000001" },
                                { .account_id = "100000000002" } };
    struct hook_result results[2];
    struct sbx_err errs[2];

    fixture_init(&f);
    write_hook(&f, "post-create", "10-open", 0777, "#!/bin/sh\nexit 0\n");
    CHECK_INT_EQ(hook_run_batch(&f.hc, CFG_HOOK_POST_CREATE, envs, 2, NULL, results, errs), 2);
    CHECK_CONTAINS(errs[0].msg, "10-open");
    CHECK_CONTAINS(errs[1].msg, "10-open");
    CHECK_INT_EQ(results[0].ran, 0);
    fixture_release(&f);
}

TEST(sigchld_ignored_by_the_caller)
{
    struct fixture f;
    struct hook_result r;
    struct sbx_err err = { 0 };
    struct hook_env env = { .account_id = "123456789012" };
    struct sigaction ign, now;

    fixture_init(&f);
    write_hook(&f, "post-close", "10-three", 0755, "#!/bin/sh\nexit 3\n");
    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    CHECK(sigaction(SIGCHLD, &ign, NULL) == 0);
    CHECK_OK(hook_run(&f.hc, CFG_HOOK_POST_CLOSE, &env, NULL, &r, &err), &err);
    CHECK_INT_EQ(r.status, 3); /* seen, not reaped away by the kernel */
    CHECK(sigaction(SIGCHLD, NULL, &now) == 0);
    CHECK(now.sa_handler == SIG_IGN); /* the caller's disposition is back */
    fixture_release(&f);
}

TEST(caller_with_stdin_closed)
{
    struct fixture f;
    struct hook_result r;
    struct sbx_err err = { 0 };
    struct hook_env env = { .account_id = "123456789012" };

    fixture_init(&f);
    write_hook(
            &f, "post-create", "10-talk", 0755,
            "#!/bin/sh\nif read line; then echo \"stdin had: $line\"; else echo stdin-empty; fi\n");
    /* fd 0 free: the runner's /dev/null and log descriptors must not land on it. */
    CHECK(close(STDIN_FILENO) == 0);
    CHECK_OK(hook_run(&f.hc, CFG_HOOK_POST_CREATE, &env, NULL, &r, &err), &err);
    CHECK_INT_EQ(r.status, 0);
    CHECK_CONTAINS(r.tail, "stdin-empty\n");
    fixture_release(&f);
}

TEST(missing_log_dir_setting_is_an_error)
{
    struct fixture f;
    struct hook_result r;
    struct sbx_err err = { 0 };
    struct hook_env env = { .account_id = "123456789012" };

    fixture_init(&f);
    write_hook(&f, "post-create", "10-ok", 0755, "#!/bin/sh\nexit 0\n");
    f.hc.log_dir = NULL;
    CHECK_ERR(hook_run(&f.hc, CFG_HOOK_POST_CREATE, &env, NULL, &r, &err), &err, SBX_E_CONFIG);
    CHECK_CONTAINS(err.msg, "log_dir");
    fixture_release(&f);
}

/* The shipped aws-nuke hook under the real runner, with the stand-in aws-nuke on PATH. */
struct nuke_fixture {
    struct fixture f;
    char bin[1200], fake[1200], nukecfg[1200];
    char path_env[1400], fake_env[1400];
    const char *extra[8];
    struct hook_env env;
    char key[32], secret[64];
    struct creds creds;
};

static void
write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    CHECK(fp != NULL);
    fputs(text, fp);
    CHECK(fclose(fp) == 0);
}

static void
nuke_fixture_init(struct nuke_fixture *n)
{
    const char *src = getenv("SBX_SOURCE_DIR"), *data = getenv("SBX_TEST_DATA");
    char path[1400], *body;
    static const char *const tools[] = { "aws-nuke", "aws" };

    CHECK(src != NULL && data != NULL);
    memset(n, 0, sizeof(*n));
    fixture_init(&n->f);
    snprintf(path, sizeof(path), "%s/hooks/pre-close.d/50-aws-nuke", src);
    body = check_read_file(path, NULL);
    write_hook(&n->f, "pre-close", "50-aws-nuke", 0755, body);
    free(body);
    snprintf(n->bin, sizeof(n->bin), "%s/bin", n->f.tmp);
    snprintf(n->fake, sizeof(n->fake), "%s/fake", n->f.tmp);
    snprintf(n->nukecfg, sizeof(n->nukecfg), "%s/nuke-configs", n->f.tmp);
    CHECK(mkdir(n->bin, 0755) == 0);
    CHECK(mkdir(n->fake, 0755) == 0);
    for (size_t i = 0; i < SBX_ARRAY_LEN(tools); i++) {
        char target[1200];

        snprintf(target, sizeof(target), "%s/fake-aws-nuke", data);
        snprintf(path, sizeof(path), "%s/%s", n->bin, tools[i]);
        CHECK(symlink(target, path) == 0);
    }
    snprintf(n->path_env, sizeof(n->path_env), "PATH=%s:/usr/bin:/bin", n->bin);
    snprintf(n->fake_env, sizeof(n->fake_env), "FAKE_NUKE_DIR=%s", n->fake);
    n->extra[0] = n->path_env;
    n->extra[1] = n->fake_env;
    n->extra[2] = "SANDBOX_MANAGEMENT_ACCOUNT_ID=111111111111";
    n->extra[3] = "SANDBOX_PROTECTED_ACCOUNTS=222222222222";
    n->extra[4] = "SANDBOX_NUKE_PASS_DELAY=0";
    n->extra[5] = NULL;
    n->env.account_id = "123456789012";
    n->env.role_arn = "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole";
    n->env.reason = "expired";
    n->env.extra = n->extra;
    snprintf(n->key, sizeof(n->key), "AKIAFAKEKEY");
    snprintf(n->secret, sizeof(n->secret), "secret-canary-Pq5");
    n->creds.access_key_id = n->key;
    n->creds.secret_access_key = n->secret;
    n->f.hc.pass_credentials[CFG_HOOK_PRE_CLOSE] = true;
    n->f.hc.nuke_regions = (char *)"global,us-east-1";
    n->f.hc.nuke_config_dir = n->nukecfg;
}

static void
nuke_plan(struct nuke_fixture *n, const char *plan)
{
    char path[1400];

    snprintf(path, sizeof(path), "%s/plan", n->fake);
    write_file(path, plan);
    snprintf(path, sizeof(path), "%s/count", n->fake);
    unlink(path);
}

TEST(shipped_nuke_hook_under_the_runner)
{
    struct nuke_fixture n;
    struct hook_result r;
    struct sbx_err err = { 0 };
    char path[1400], *text;

    nuke_fixture_init(&n);
    /* Clean: 2 found and deleted, two passes that find nothing, then the proof scan. */
    nuke_plan(&n, "2\n0\n0\n");
    CHECK_OK(hook_run(&n.f.hc, CFG_HOOK_PRE_CLOSE, &n.env, &n.creds, &r, &err), &err);
    CHECK_INT_EQ(r.status, 0);
    CHECK_INT_EQ(r.ran, 1);
    CHECK_CONTAINS(r.tail, "account 123456789012 is clean");
    snprintf(path, sizeof(path), "%s/count", n.fake);
    text = check_read_file(path, NULL);
    CHECK_STR_EQ(text, "4\n");
    free(text);
    /* The runner's environment carried the credentials; no command line did. */
    snprintf(path, sizeof(path), "%s/calls", n.fake);
    text = check_read_file(path, NULL);
    CHECK(strstr(text, n.secret) == NULL);
    CHECK_CONTAINS(text, "--assume-role-arn arn:aws:iam::123456789012:role/");
    free(text);
    snprintf(path, sizeof(path), "%s/env", n.fake);
    text = check_read_file(path, NULL);
    CHECK_CONTAINS(text, "aws-nuke AWS_ACCESS_KEY_ID=set AWS_SECRET_ACCESS_KEY=set");
    free(text);
    /* SANDBOX_NUKE_CONFIG_DIR came from hooks.nuke_config_dir. */
    snprintf(path, sizeof(path), "%s/aws-nuke-123456789012.yaml", n.nukecfg);
    CHECK(file_exists(path));
    text = check_read_file(path, NULL);
    CHECK_CONTAINS(text, "account-blocklist:");
    CHECK_CONTAINS(text, "  - \"111111111111\"\n  - \"222222222222\"\n");
    free(text);

    /* Resources remain: the hook fails and the tail says what remains. */
    nuke_plan(&n, "4\n");
    CHECK_OK(hook_run(&n.f.hc, CFG_HOOK_PRE_CLOSE, &n.env, &n.creds, &r, &err), &err);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_EQ(r.failed, "50-aws-nuke");
    CHECK_CONTAINS(r.tail, "remaining: 4 resource(s) in 123456789012");

    /* The management account passed by mistake: refused before aws-nuke runs. */
    nuke_plan(&n, "0\n");
    n.env.account_id = "111111111111";
    n.env.role_arn = "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole";
    CHECK_OK(hook_run(&n.f.hc, CFG_HOOK_PRE_CLOSE, &n.env, &n.creds, &r, &err), &err);
    CHECK_INT_EQ(r.status, 3);
    CHECK_CONTAINS(r.tail, "it is the management account");
    snprintf(path, sizeof(path), "%s/count", n.fake);
    CHECK(!file_exists(path));
    fixture_release(&n.f);
}

TEST(shipped_nuke_hook_timeout)
{
    struct nuke_fixture n;
    struct hook_result r;
    struct sbx_err err = { 0 };
    char path[1400];
    double t0;
    long pid;

    nuke_fixture_init(&n);
    nuke_plan(&n, "0\n");
    snprintf(path, sizeof(path), "%s/alias", n.fake);
    write_file(path, "sbx-123456789012\n");
    snprintf(path, sizeof(path), "%s/hang", n.fake);
    write_file(path, "");
    n.f.hc.timeout = 2;
    t0 = clock_mono();
    CHECK_OK(hook_run(&n.f.hc, CFG_HOOK_PRE_CLOSE, &n.env, &n.creds, &r, &err), &err);
    CHECK(clock_mono() - t0 < 7.5);
    CHECK(r.timed_out);
    CHECK(r.status != 0);
    CHECK_STR_EQ(r.failed, "50-aws-nuke");
    CHECK_CONTAINS(r.tail, "scanning (hanging)");
    /* aws-nuke's own child went with the process group. */
    snprintf(path, sizeof(path), "%s/hang.pid", n.fake);
    pid = read_pid(path);
    CHECK(pid > 1);
    for (int i = 0; i < 100 && !process_gone((pid_t)pid); i++)
        sleep_ms(20);
    CHECK(process_gone((pid_t)pid));
    fixture_release(&n.f);
}

/* Runs pre-close and expects a refusal whose message names needle. */
static void
expect_refused(struct fixture *f, const char *needle)
{
    struct hook_result r;
    struct sbx_err err = { 0 };
    struct hook_env env = { .account_id = "123456789012" };

    CHECK(hook_event_has_hooks(&f->hc, CFG_HOOK_PRE_CLOSE));
    CHECK_ERR(hook_run(&f->hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err, SBX_E_HOOK);
    CHECK_CONTAINS(err.msg, needle);
    CHECK_INT_EQ(r.ran, 0);
}

static void
expect_runs(struct fixture *f, int n)
{
    struct hook_result r;
    struct sbx_err err = { 0 };
    struct hook_env env = { .account_id = "123456789012" };

    CHECK_OK(hook_run(&f->hc, CFG_HOOK_PRE_CLOSE, &env, NULL, &r, &err), &err);
    CHECK_INT_EQ(r.status, 0);
    CHECK_INT_EQ(r.ran, n);
}

/* hooks.dir itself, and every directory above it, must be ours (or root's) and not writable
 * by others: whoever can write there can swap the event directory. */
TEST(writable_hooks_dir_or_parent_is_refused)
{
    struct fixture f;
    char msg[1400];

    fixture_init(&f);
    write_hook(&f, "pre-close", "10-ok", 0755, "#!/bin/sh\nexit 0\n");
    expect_runs(&f, 1);
    CHECK(chmod(f.hooks, 0777) == 0);
    snprintf(msg, sizeof(msg), "'%s': writable by group or others", f.hooks);
    expect_refused(&f, msg);
    CHECK(chmod(f.hooks, 0775) == 0);
    expect_refused(&f, msg);
    CHECK(chmod(f.hooks, 0755) == 0);
    expect_runs(&f, 1);

    /* A parent writable by others (not sticky) is as bad. */
    CHECK(chmod(f.tmp, 0777) == 0);
    snprintf(msg, sizeof(msg), "'%s': writable by group or others", f.tmp);
    expect_refused(&f, msg);
    /* A sticky parent owned by root (like /tmp) is fine: nobody can rename our entries. */
    CHECK(chmod(f.tmp, 01777) == 0);
    expect_runs(&f, 1);
    CHECK(chmod(f.tmp, 0700) == 0);
    fixture_release(&f);
}

/* Owned by another user (root excepted): the hooks dir, a parent, the event directory. */
TEST(hooks_dir_owned_by_another_user_is_refused)
{
    struct fixture f;
    char dir[1200];

    if (geteuid() != 0) {
        printf("skipped: needs root to chown\n");
        return;
    }
    fixture_init(&f);
    write_hook(&f, "pre-close", "10-ok", 0755, "#!/bin/sh\nexit 0\n");
    CHECK(chown(f.hooks, 12345, 12345) == 0);
    expect_refused(&f, "owned by uid 12345");
    CHECK(chown(f.hooks, 0, 0) == 0);
    expect_runs(&f, 1);
    CHECK(chown(f.tmp, 12345, 12345) == 0);
    expect_refused(&f, "owned by uid 12345");
    CHECK(chown(f.tmp, 0, 0) == 0);
    snprintf(dir, sizeof(dir), "%s/pre-close.d", f.hooks);
    CHECK(chown(dir, 12345, 12345) == 0);
    expect_refused(&f, "owned by uid 12345");
    CHECK(chown(dir, 0, 0) == 0);
    expect_runs(&f, 1);
    fixture_release(&f);
}

/* A symlinked event directory or hook is followed only when the link and its target pass
 * the same checks (target's parents included). */
TEST(symlinked_event_dir_and_hook_are_checked)
{
    struct fixture f;
    char real[1200], open_parent[1200], target[1400], link[1200], hook[1400];
    FILE *fp;

    fixture_init(&f);
    /* A safe real directory elsewhere, linked as the event directory: followed. */
    snprintf(real, sizeof(real), "%s/real-pre-close", f.tmp);
    CHECK(mkdir(real, 0755) == 0);
    snprintf(hook, sizeof(hook), "%s/10-ok", real);
    fp = fopen(hook, "w");
    CHECK(fp != NULL);
    fputs("#!/bin/sh\nexit 0\n", fp);
    CHECK(fclose(fp) == 0);
    CHECK(chmod(hook, 0755) == 0);
    snprintf(link, sizeof(link), "%s/pre-close.d", f.hooks);
    CHECK(symlink(real, link) == 0);
    expect_runs(&f, 1);

    /* The link owned by another user: refused although its target is fine. */
    if (geteuid() == 0) {
        CHECK(lchown(link, 12345, 12345) == 0);
        expect_refused(&f, "owned by uid 12345");
        CHECK(lchown(link, 0, 0) == 0);
        expect_runs(&f, 1);
    }

    /* The target lives under a directory others can write: refused. */
    snprintf(open_parent, sizeof(open_parent), "%s/open", f.tmp);
    CHECK(mkdir(open_parent, 0755) == 0);
    CHECK(chmod(open_parent, 0777) == 0);
    snprintf(target, sizeof(target), "%s/pre-close.d", open_parent);
    CHECK(mkdir(target, 0755) == 0);
    CHECK(unlink(link) == 0);
    CHECK(symlink(target, link) == 0);
    expect_refused(&f, "writable by group or others");

    /* A hook that is a symlink to a file in that directory: refused the same way. */
    CHECK(unlink(link) == 0);
    write_hook(&f, "pre-close", "10-ok", 0755, "#!/bin/sh\nexit 0\n");
    expect_runs(&f, 1);
    snprintf(hook, sizeof(hook), "%s/evil", open_parent);
    fp = fopen(hook, "w");
    CHECK(fp != NULL);
    fputs("#!/bin/sh\nexit 0\n", fp);
    CHECK(fclose(fp) == 0);
    CHECK(chmod(hook, 0755) == 0);
    snprintf(link, sizeof(link), "%s/pre-close.d/20-link", f.hooks);
    CHECK(symlink(hook, link) == 0);
    expect_refused(&f, "writable by group or others");
    /* A hook link owned by another user. */
    CHECK(unlink(link) == 0);
    CHECK(symlink(real, link) == 0); /* a link to a directory: not a regular file */
    expect_refused(&f, "not a regular file");
    CHECK(unlink(link) == 0);
    snprintf(hook, sizeof(hook), "%s/10-ok", real);
    CHECK(symlink(hook, link) == 0);
    expect_runs(&f, 2);
    if (geteuid() == 0) {
        CHECK(lchown(link, 12345, 12345) == 0);
        expect_refused(&f, "owned by uid 12345");
    }
    fixture_release(&f);
}

/* A hook that prints far more than hooks.output_limit: the log keeps the head and the tail
 * and says how much was left out. */
TEST(output_is_capped_per_run)
{
    struct fixture f;
    struct hook_result r;
    struct sbx_err err = { 0 };
    struct hook_env env = { .account_id = "123456789012" };
    struct stat st;
    char *log;

    fixture_init(&f);
    f.hc.output_limit = 64 * 1024;
    /* 20 MB of output, with markers at both ends. */
    write_hook(&f, "post-create", "10-loud", 0755,
               "#!/bin/sh\necho FIRST-LINE\nhead -c 20000000 /dev/zero | tr '\\0' x\n"
               "echo\necho LAST-LINE\n");
    write_hook(&f, "post-create", "20-quiet", 0755, "#!/bin/sh\necho quiet hook\n");
    CHECK_OK(hook_run(&f.hc, CFG_HOOK_POST_CREATE, &env, NULL, &r, &err), &err);
    CHECK_INT_EQ(r.status, 0);
    CHECK_INT_EQ(r.ran, 2);
    CHECK(stat(r.log_path, &st) == 0);
    CHECK(st.st_size < 64 * 1024 + 4096);
    log = check_read_file(r.log_path, NULL);
    CHECK_CONTAINS(log, "==> 10-loud post-create");
    CHECK_CONTAINS(log, "\nFIRST-LINE\nxxxx");
    CHECK_CONTAINS(log, "xxxx\nLAST-LINE\n");
    CHECK_CONTAINS(log, "[output truncated: 19934486 ");
    CHECK_CONTAINS(log, "bytes of 20000022 left out (hooks.output_limit 65536)]");
    CHECK_CONTAINS(log, "<== 10-loud: exit 0");
    CHECK_CONTAINS(log, "==> 20-quiet post-create");
    CHECK_CONTAINS(log, "quiet hook\n");
    free(log);
    CHECK_CONTAINS(r.tail, "quiet hook\n<== 20-quiet: exit 0");

    /* The default is 1 MiB. */
    f.hc.output_limit = 0;
    CHECK_OK(hook_run(&f.hc, CFG_HOOK_POST_CREATE, &env, NULL, &r, &err), &err);
    CHECK(stat(r.log_path, &st) == 0);
    CHECK(st.st_size > 1024 * 1024 && st.st_size < 1024 * 1024 + 4096);
    fixture_release(&f);
}
